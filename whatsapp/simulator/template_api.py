"""Graph's template management endpoints (whatsapp-cloud-api.md §6): create, list, read, edit,
delete and unpause the message templates of a WhatsApp Business Account. Reviews and later
status changes arrive as webhooks (`template_review`)."""

from __future__ import annotations

import base64
import binascii
import json
from typing import Any
from urllib.parse import urlencode

from starlette.datastructures import QueryParams
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from whatsapp.simulator.config import SimulatorConfig
from whatsapp.simulator.errors import GraphError, object_not_found
from whatsapp.simulator.graph import authorize, json_body
from whatsapp.simulator.state import SimulatorState
from whatsapp.simulator.template_review import (
    UNPAUSE_INFO,
    StatusChange,
    notify_in_background,
    start_review,
    status_notice,
    with_status,
)
from whatsapp.simulator.template_rules import (
    HandleLookup,
    check_creation,
    creation_request,
    edit_request,
    edited,
    rule_error,
)
from whatsapp.simulator.templates import Template, new_template_id

# What Graph answers when `fields` is not given, and every field it knows.
DEFAULT_FIELDS = ("name", "parameter_format", "components", "language", "status", "category", "id")
TEMPLATE_FIELDS = frozenset(
    {
        *DEFAULT_FIELDS, "previous_category", "quality_score", "rejected_reason", "message_send_ttl_seconds",
    }
)  # fmt: skip
# Graph's usual page size (unconfirmed for this edge).
DEFAULT_PAGE_SIZE = 25
HSM_IDS_MAX = 100
# The template node's type in Graph's "nonexisting field" errors (unconfirmed).
NODE_TYPE = "WhatsAppBusinessHSM"


def handle_lookup(state: SimulatorState) -> HandleLookup:
    def mime_type(handle: str) -> str | None:
        uploaded = state.uploaded_file(handle)
        return uploaded.mime_type if uploaded else None

    return mime_type


# /{version}/{waba-id}/message_templates


async def message_templates(request: Request) -> Response:
    """`POST` creates a template, `GET` lists them, `DELETE` deletes by name, id or ids."""
    config, state = authorize(request)
    waba_id = request.path_params["waba_id"]
    if not waba_id.isdigit():
        raise object_not_found(waba_id, request.method)
    if request.method == "POST":
        return await _create(request, config, state, waba_id)
    if request.method == "GET":
        return _list(request, config, state, waba_id)
    return _delete(request, config, state, waba_id)


async def _create(request: Request, config: SimulatorConfig, state: SimulatorState, waba_id: str) -> Response:
    wanted = creation_request(await json_body(request), handle_mime_type=handle_lookup(state))
    now = state.now()
    template = Template(
        id=new_template_id(),
        name=wanted.name,
        language=wanted.language,
        status="PENDING",
        category=wanted.category,
        parameter_format=wanted.parameter_format,
        components=wanted.components,
        waba_id=waba_id,
        created_at=now,
        message_send_ttl_seconds=wanted.message_send_ttl_seconds,
    )

    def check(waba_templates: list[Template], creations_in_the_last_hour: int) -> None:
        check_creation(
            wanted,
            waba_templates=waba_templates,
            creations_in_the_last_hour=creations_in_the_last_hour,
            creations_per_hour=config.template_creations_per_hour,
            templates_per_waba=config.templates_per_waba,
            now=now,
        )

    created = state.templates.create(template, now=now, check=check)
    start_review(request.app, config, state, created, announce_pending=False)
    return JSONResponse({"id": created.id, "status": created.status, "category": created.category})


def _list(request: Request, config: SimulatorConfig, state: SimulatorState, waba_id: str) -> Response:
    params = request.query_params
    fields = requested_fields(params.get("fields"))
    limit = _page_size(params.get("limit"))
    templates = [t for t in state.templates.for_waba(waba_id) if _matches(t, params)]
    if "after" in params:
        after = _cursor_sequence(params["after"])
        remaining = [t for t in templates if t.sequence < after]
        page, has_previous, has_next = remaining[:limit], len(remaining) < len(templates), len(remaining) > limit
    elif "before" in params:
        before = _cursor_sequence(params["before"])
        earlier = [t for t in templates if t.sequence > before]
        page, has_previous, has_next = earlier[-limit:], len(earlier) > limit, len(earlier) < len(templates)
    else:
        page, has_previous, has_next = templates[:limit], False, len(templates) > limit
    body: dict[str, Any] = {"data": [graph_fields(template, fields) for template in page]}
    if page:
        cursors = {"before": _cursor(page[0]), "after": _cursor(page[-1])}
        paging: dict[str, Any] = {"cursors": cursors}
        if has_next:
            paging["next"] = _page_url(request, config, after=cursors["after"])
        if has_previous:
            paging["previous"] = _page_url(request, config, before=cursors["before"])
        body["paging"] = paging
    return JSONResponse(body)


def _matches(template: Template, params: QueryParams) -> bool:
    """The listing's filters; deleted templates only show when asked for by status."""
    statuses = {s.strip().upper() for s in params.get("status", "").split(",") if s.strip()}
    if statuses:
        if template.status not in statuses:
            return False
    elif template.is_deleted:
        return False
    category = params.get("category", "").upper()
    if category and template.category != category:
        return False
    language = params.get("language", "")
    if language and template.language != language:
        return False
    quality = params.get("quality_score", "").upper()
    if quality and template.quality_score != quality:
        return False
    # Names containing the filter (whether Meta matches whole names only is unconfirmed).
    return params.get("name", "") in template.name


def _page_size(value: str | None) -> int:
    if value is None:
        return DEFAULT_PAGE_SIZE
    if not value.isdigit() or int(value) == 0:
        raise GraphError(100, f'Param limit must be a positive integer - got "{value}".')
    return int(value)


def _cursor(template: Template) -> str:
    # Opaque to clients, like Meta's ("QVFIU…"): it encodes the template's place in creation order.
    return base64.urlsafe_b64encode(f"template:{template.sequence}".encode()).decode().rstrip("=")


def _cursor_sequence(cursor: str) -> int:
    try:
        decoded = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
    except (binascii.Error, UnicodeDecodeError):
        decoded = ""
    kind, _, sequence = decoded.partition(":")
    if kind != "template" or not sequence.isdigit():
        raise GraphError(100, "Invalid parameter", details=f"The cursor {cursor!r} is not valid.")
    return int(sequence)


def _page_url(request: Request, config: SimulatorConfig, **cursor: str) -> str:
    params = [(key, value) for key, value in request.query_params.multi_items() if key not in {"after", "before"}]
    base = config.public_url.rstrip("/") or str(request.base_url).rstrip("/")
    return f"{base}{request.url.path}?{urlencode([*params, *cursor.items()])}"


def requested_fields(value: str | None) -> tuple[str, ...]:
    if value is None:
        return DEFAULT_FIELDS
    fields = tuple(dict.fromkeys(field.strip() for field in value.split(",") if field.strip()))
    for field in fields:
        if field not in TEMPLATE_FIELDS:
            raise GraphError(100, f"Tried accessing nonexisting field ({field}) on node type ({NODE_TYPE})")
    return fields


def graph_fields(template: Template, fields: tuple[str, ...]) -> dict[str, Any]:
    """The template as Graph shows it: the fields asked for (null ones left out), and always its id."""
    quality: dict[str, Any] = {"score": template.quality_score}
    if template.quality_updated_at is not None:
        quality["date"] = int(template.quality_updated_at)
    values: dict[str, Any] = {
        "name": template.name,
        "parameter_format": template.parameter_format,
        "components": template.components,
        "language": template.language,
        "status": template.status,
        "category": template.category,
        "previous_category": template.previous_category,
        "quality_score": quality,
        "rejected_reason": template.rejected_reason,
        "message_send_ttl_seconds": template.message_send_ttl_seconds,
    }
    shown = {field: values[field] for field in fields if field != "id" and values[field] is not None}
    return {**shown, "id": template.id}


def _delete(request: Request, config: SimulatorConfig, state: SimulatorState, waba_id: str) -> Response:
    """`?name=X` deletes every language of X, `&hsm_id=ID` only that one; `?hsm_ids=[…]` up to 100
    templates by id, all or none. Disabled templates can't be deleted."""
    params = request.query_params
    live = [t for t in state.templates.for_waba(waba_id) if not t.is_deleted]
    if "hsm_ids" in params:
        doomed = _by_ids(live, params["hsm_ids"])
    elif params.get("name"):
        name, hsm_id = params["name"], params.get("hsm_id")
        doomed = [t for t in live if t.name == name and hsm_id in {None, t.id}]
        if not doomed:
            which = f"with the ID {hsm_id} and " if hsm_id else ""
            raise rule_error(
                "Message Template Not Found",
                f"No message template {which}named {name} exists in this WhatsApp Business Account.",
            )
    else:
        raise GraphError(100, "The parameter name is required.")
    disabled = [t for t in doomed if t.status == "DISABLED"]
    if disabled:
        raise rule_error(
            "Message Template Can't Be Deleted",
            f"Disabled templates can't be deleted: {', '.join(f'{t.name} ({t.language})' for t in disabled)}.",
        )
    now = state.now()
    notices = []
    change = StatusChange("DELETED")
    for template in doomed:
        deleted = state.templates.update(template.id, lambda t: with_status(t, change, now=now))
        notices.append(status_notice(config, deleted, change))
    notify_in_background(request.app, config, state, notices)
    return JSONResponse({"success": True})


def _by_ids(live: list[Template], value: str) -> list[Template]:
    try:
        ids = json.loads(value)
    except ValueError:
        ids = None
    if not isinstance(ids, list) or not ids or not all(isinstance(i, int | str) for i in ids):
        raise GraphError(100, "Param hsm_ids must be a non-empty array of template IDs.")
    if len(ids) > HSM_IDS_MAX:
        raise GraphError(100, f"Param hsm_ids must have at most {HSM_IDS_MAX} elements.")
    by_id = {t.id: t for t in live}
    unknown = [str(i) for i in ids if str(i) not in by_id]
    if unknown:
        # One id that is not a template of this account fails the whole request (§6).
        raise rule_error(
            "Message Template Not Found",
            f"These IDs aren't message templates of this WhatsApp Business Account: {', '.join(unknown)}. "
            "Nothing was deleted.",
        )
    return [by_id[str(i)] for i in dict.fromkeys(ids)]


# /{version}/{template-id}


async def template_node(request: Request) -> Response:
    """`GET /{template-id}[?fields=…]` reads a template; `POST` edits it."""
    config, state = authorize(request)
    template_id = request.path_params["object_id"]
    template = state.templates.get(template_id)
    if template is None:
        raise object_not_found(template_id, request.method)
    if request.method == "GET":
        return JSONResponse(graph_fields(template, requested_fields(request.query_params.get("fields"))))
    return await _edit(request, config, state, template)


async def _edit(request: Request, config: SimulatorConfig, state: SimulatorState, template: Template) -> Response:
    """Only `category`, `components` and `message_send_ttl_seconds`; new content goes back to review."""
    edit = edit_request(await json_body(request), template, handle_mime_type=handle_lookup(state))
    now = state.now()
    before: list[Template] = []

    def change(current: Template) -> Template:
        before.append(current)
        return edited(current, edit, now=now)

    after = state.templates.update(template.id, change)
    if after.revision != before[0].revision:
        start_review(request.app, config, state, after, announce_pending=True)
    return JSONResponse({"success": True})


async def unpause(request: Request) -> Response:
    """`POST /{version}/{template-id}/unpause`: a paused template is approved again."""
    config, state = authorize(request)
    template_id = request.path_params["template_id"]
    if state.templates.get(template_id) is None:
        raise object_not_found(template_id, request.method)
    change = StatusChange("APPROVED", other_info=dict(UNPAUSE_INFO))
    now = state.now()

    def unpaused(template: Template) -> Template:
        if template.status != "PAUSED":
            raise rule_error(
                "Message Template Isn't Paused",
                f"Only paused templates can be unpaused. This template is {template.status}.",
            )
        return with_status(template, change, now=now)

    approved = state.templates.update(template_id, unpaused)
    notify_in_background(request.app, config, state, [status_notice(config, approved, change)])
    return JSONResponse({"success": True})
