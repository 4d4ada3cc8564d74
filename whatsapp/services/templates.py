"""Templates at Meta: submit, edit, delete, unpause, sync, and Meta's template webhooks.

The template rows and their history are `templates_mgmt`'s; this module is the part that
talks to the Graph API (with the credentials of a number of the template's WABA) and tells
the tenant's admins what Meta decided.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils.translation import gettext as _

from accounts.errors import ConflictError, ServiceError
from accounts.models import Role, Tenant
from accounts.services import Actor, audit_record, notify_members, require_role
from inbox.hooks.services import events_publish
from templates_mgmt import policy
from templates_mgmt import services as templates
from templates_mgmt.models import MessageTemplate, TemplateEvent, TemplateEventKind, TemplateEventSource, TemplateStatus
from whatsapp.client import GraphAPIError, GraphClient
from whatsapp.media_rules import header_example_problem
from whatsapp.models import PlatformUpdate, WhatsAppNumber

logger = logging.getLogger(__name__)

SYNC_FIELDS = ("id", "name", "status", "category", "language", "components", "parameter_format", "quality_score",
               "rejected_reason")  # fmt: skip
SYNC_PAGE_SIZE = 100


def _client(tenant_id: int, waba_id: str) -> GraphClient:
    """A Graph client with the credentials of an active number of the WABA."""
    number = WhatsAppNumber.objects.for_tenant(tenant_id).filter(waba_id=waba_id, is_active=True).order_by("pk").first()
    if number is None:
        raise ConflictError(
            _("No active WhatsApp number belongs to the business account %(waba)s.") % {"waba": waba_id},
            code="number_inactive",
        )
    return number.graph_client()


def _meta_refused(template: MessageTemplate, error: GraphAPIError, *, now: datetime) -> ServiceError:
    message = error.human_message
    templates.template_failed_at_meta(template=template, message=message, now=now)
    # Meta's own refusals (bad template, limits) are the client's to fix; the rest is Meta being away.
    http_status = 502 if error.retryable else 400
    return ServiceError(message, code="meta_refused", http_status=http_status)


def template_example_upload(*, tenant_id: int, waba_id: str, header_format: str, data: bytes, file_name: str) -> str:
    """Upload a media header's example file to Meta (Resumable Upload API, with the app-wide
    WHATSAPP_APP_ID) and return its handle for `example.header_handle`."""
    mime_type, problem = header_example_problem(header_format=header_format, data=data)
    if problem is not None:
        raise ServiceError(problem, code="header_example_invalid", details={"field": "header_file"})
    if not settings.WHATSAPP_APP_ID:
        raise ConflictError(
            _("Example files can't be uploaded: the product's Meta app id (WHATSAPP_APP_ID) is not configured."),
            code="app_id_missing",
        )
    client = _client(tenant_id, waba_id)
    try:
        return client.upload_resumable(settings.WHATSAPP_APP_ID, data=data, file_name=file_name, mime_type=mime_type)
    except GraphAPIError as error:
        raise ServiceError(
            error.human_message, code="meta_refused", http_status=502 if error.retryable else 400
        ) from error


def template_submit(*, template: MessageTemplate, actor: Actor, now: datetime) -> MessageTemplate:
    """Lint, then send a draft (or a rejected template's first version) to Meta for review."""
    require_role(actor, Role.ADMIN)
    if template.status != TemplateStatus.DRAFT:
        raise ConflictError(_("Only a draft can be submitted; this template is %(status)s.") % {
            "status": template.get_status_display()}, code="not_a_draft")  # fmt: skip
    body = templates.creation_body(template)
    templates.template_lint_or_raise(body)
    try:
        with _client(template.tenant_id, template.waba_id) as client:
            created = client.create_template(template.waba_id, body)
    except GraphAPIError as error:
        raise _meta_refused(template, error, now=now) from error
    with transaction.atomic():
        templates.template_submitted(
            template=template, meta_id=created.id, status=created.status, category=created.category,
            actor_label=actor.label, now=now,
        )  # fmt: skip
        audit_record(actor=actor, action="template.submit", target=template)
    return template


def template_edit(
    *, template: MessageTemplate, body: Mapping[str, Any], actor: Actor, now: datetime
) -> MessageTemplate:
    """Change a template Meta knows: its components (and category, unless approved) go back to review."""
    require_role(actor, Role.ADMIN)
    components = body.get("components", template.components)
    category = str(body.get("category", template.category)).upper()
    refusal = policy.edit_refusal(
        status=template.status,
        category=template.category,
        new_category=category,
        earlier_edits=list(
            TemplateEvent.objects.for_tenant(template.tenant_id)
            .filter(template=template, kind=TemplateEventKind.EDIT)
            .values_list("occurred_at", flat=True)
        ),
        now=now,
    )
    if refusal:
        raise ConflictError(refusal, code="edit_not_allowed")
    new_body = {**templates.creation_body(template), "components": components, "category": category}
    templates.template_lint_or_raise(new_body)
    try:
        with _client(template.tenant_id, template.waba_id) as client:
            client.edit_template(template.meta_id, {"category": category, "components": components})
    except GraphAPIError as error:
        raise _meta_refused(template, error, now=now) from error
    with transaction.atomic():
        templates.template_edited(
            template=template, components=list(components), category=category, actor_label=actor.label, now=now
        )
        audit_record(actor=actor, action="template.edit", target=template)
    return template


def template_delete(*, template: MessageTemplate, actor: Actor, now: datetime) -> None:
    """A draft is simply removed; a template Meta knows is deleted there first (this language only)."""
    require_role(actor, Role.ADMIN)
    refusal = policy.delete_refusal(status=template.status)
    if refusal:
        raise ConflictError(refusal, code="delete_not_allowed")
    if template.meta_id:
        try:
            with _client(template.tenant_id, template.waba_id) as client:
                client.delete_template(template.waba_id, name=template.name, hsm_id=template.meta_id)
        except GraphAPIError as error:
            raise _meta_refused(template, error, now=now) from error
    with transaction.atomic():
        audit_record(actor=actor, action="template.delete", target=template)
        if template.meta_id:
            templates.template_status_record(
                template=template, status=TemplateStatus.DELETED, source=TemplateEventSource.PRODUCT,
                occurred_at=now, actor_label=actor.label,
            )  # fmt: skip
        else:
            template.delete()


def template_unpause(*, template: MessageTemplate, actor: Actor, now: datetime) -> MessageTemplate:
    require_role(actor, Role.ADMIN)
    if template.status != TemplateStatus.PAUSED:
        raise ConflictError(_("Only a paused template can be unpaused."), code="not_paused")
    try:
        with _client(template.tenant_id, template.waba_id) as client:
            client.unpause_template(template.meta_id)
    except GraphAPIError as error:
        raise _meta_refused(template, error, now=now) from error
    with transaction.atomic():
        templates.template_status_record(
            template=template, status=TemplateStatus.APPROVED, source=TemplateEventSource.PRODUCT, occurred_at=now,
            actor_label=actor.label, detail=_("Unpaused"),
        )  # fmt: skip
        audit_record(actor=actor, action="template.unpause", target=template)
    return template


@dataclass(frozen=True)
class SyncResult:
    imported: int = 0
    seen: int = 0
    gone: int = 0


def templates_sync(*, tenant_id: int, waba_id: str, now: datetime) -> SyncResult:
    """Import templates made elsewhere (Meta's manager) and reconcile the status of ours.

    A template we submitted that Meta no longer lists was deleted there.
    """
    with _client(tenant_id, waba_id) as client:
        remote = list(client.list_templates(waba_id, fields=SYNC_FIELDS, limit=SYNC_PAGE_SIZE))
    imported = 0
    seen_ids = set()
    with transaction.atomic():
        for item in remote:
            template, created = templates.template_synced(
                tenant_id=tenant_id, waba_id=waba_id, remote=item.raw, now=now
            )
            imported += created
            seen_ids.add(template.pk)
        gone = (
            MessageTemplate.objects.for_tenant(tenant_id)
            .filter(waba_id=waba_id)
            .exclude(meta_id="")
            .exclude(pk__in=seen_ids)
            .exclude(status=TemplateStatus.DELETED)
        )
        gone_count = 0
        for template in gone:
            gone_count += templates.template_status_record(
                template=template, status=TemplateStatus.DELETED, source=TemplateEventSource.SYNC, occurred_at=now,
                detail=_("Meta no longer lists it."),
            )  # fmt: skip
    return SyncResult(imported=imported, seen=len(remote), gone=gone_count)


def templates_sync_all(*, now: datetime) -> int:
    """The periodic sync: every WABA of every tenant with an active number. Returns how many synced."""
    wabas = (
        WhatsAppNumber.objects.unscoped()  # a system job over all tenants, each synced in its own scope
        .filter(is_active=True)
        .values_list("tenant_id", "waba_id")
        .distinct()
    )
    synced = 0
    for tenant_id, waba_id in wabas:
        try:
            templates_sync(tenant_id=tenant_id, waba_id=waba_id, now=now)
            synced += 1
        except (GraphAPIError, ServiceError) as error:
            logger.warning("template sync of WABA %s (tenant %s) failed: %s", waba_id, tenant_id, error)
    return synced


# Meta's template webhooks (whatsapp-cloud-api.md §6), dispatched by whatsapp.services.platform.

# The events that move a template to another status; the rest are its statuses by name.
_EVENT_STATUS = {"REINSTATED": TemplateStatus.APPROVED, "UNARCHIVED": TemplateStatus.APPROVED}
# What admins are told about; a template going to review or being deleted by them is no news.
_NEWS: dict[str, str] = {
    TemplateStatus.APPROVED: _("Template %(name)s (%(language)s) was approved"),
    TemplateStatus.REJECTED: _("Template %(name)s (%(language)s) was rejected"),
    TemplateStatus.PAUSED: _("Template %(name)s (%(language)s) was paused"),
    TemplateStatus.DISABLED: _("Template %(name)s (%(language)s) was disabled"),
    TemplateStatus.FLAGGED: _("Template %(name)s (%(language)s) was flagged for low quality"),
    TemplateStatus.LIMIT_EXCEEDED: _("Template %(name)s (%(language)s) exceeded a limit"),
    TemplateStatus.ARCHIVED: _("Template %(name)s (%(language)s) was archived"),
    TemplateStatus.LOCKED: _("Template %(name)s (%(language)s) was locked"),
}


def _template_of(update: PlatformUpdate) -> MessageTemplate | None:
    value = update.value
    templates_of_tenant = MessageTemplate.objects.for_tenant(update.tenant_id)
    meta_id = str(value.get("message_template_id", ""))
    found = templates_of_tenant.filter(meta_id=meta_id).first() if meta_id else None
    if found is None and value.get("message_template_name"):
        found = templates_of_tenant.filter(
            waba_id=update.waba_id, name=value["message_template_name"], language=value.get("message_template_language")
        ).first()
    if found is None:
        # A template made in Meta's manager: the next sync imports it; this update stays in its history there.
        logger.info("template update for unknown template %s (tenant %s)", meta_id, update.tenant_id)
    return found


def _occurred_at(update: PlatformUpdate) -> datetime:
    return update.occurred_at or update.received_at


def _tell_admins(template: MessageTemplate, *, kind: str, title: str, body: str, now: datetime) -> None:
    slug = Tenant.objects.filter(pk=template.tenant_id).values_list("slug", flat=True).first()
    url = reverse("template_detail", kwargs={"tenant_slug": slug, "template_id": template.pk}) if slug else ""
    notify_members(tenant_id=template.tenant_id, role=Role.ADMIN, kind=kind, title=title, body=body, url=url, now=now)


def status_update_received(update: PlatformUpdate) -> None:
    """field=message_template_status_update."""
    template = _template_of(update)
    if template is None:
        return
    value = update.value
    event = str(value.get("event", "")).upper()
    status = _EVENT_STATUS.get(event, event)
    if status not in TemplateStatus.values:
        logger.info("template %s: unknown status event %s kept in the update", template.pk, event)
        return
    rejection = value.get("rejection_info") or {}
    other = value.get("other_info") or {}
    reason = str(value.get("reason") or "") if status == TemplateStatus.REJECTED else str(other.get("title") or "")
    reason = "" if reason == "NONE" else reason
    detail = " ".join(filter(None, [str(rejection.get("reason") or ""), str(rejection.get("recommendation") or ""),
                                    str(other.get("description") or "")]))  # fmt: skip
    occurred_at = _occurred_at(update)
    changed = templates.template_status_record(
        template=template, status=status, source=TemplateEventSource.WEBHOOK, occurred_at=occurred_at,
        reason=reason, detail=detail,
    )  # fmt: skip
    if changed:
        template_event = {"template_id": template.pk, "name": template.name, "language": template.language,
                          "status": status, "reason": reason}  # fmt: skip
        events_publish(
            tenant_id=template.tenant_id, events=[("template.status", template_event)], now=datetime.now(UTC)
        )
    if changed and status in _NEWS:
        title = _NEWS[status] % {"name": template.name, "language": template.language}
        body = policy.status_explanation(status=status, reason=reason, detail=detail)
        _tell_admins(template, kind=f"template.{status.lower()}", title=title, body=body, now=occurred_at)


def quality_update_received(update: PlatformUpdate) -> None:
    """field=message_template_quality_update."""
    template = _template_of(update)
    if template is None:
        return
    score = str(update.value.get("new_quality_score", "")).upper()
    occurred_at = _occurred_at(update)
    changed = templates.template_quality_record(
        template=template, score=score, source=TemplateEventSource.WEBHOOK, occurred_at=occurred_at
    ) if score in ("GREEN", "YELLOW", "RED", "UNKNOWN") else False  # fmt: skip
    if changed and score in ("YELLOW", "RED"):
        title = _("Template %(name)s (%(language)s): quality is now %(score)s") % {
            "name": template.name,
            "language": template.language,
            "score": template.get_quality_score_display(),
        }
        _tell_admins(template, kind="template.quality", title=title, now=occurred_at,
                     body=policy.quality_explanation(score))  # fmt: skip


def category_update_received(update: PlatformUpdate) -> None:
    """field=template_category_update: announced (correct/new category and a date) or done."""
    template = _template_of(update)
    if template is None:
        return
    value = update.value
    # Announced: `correct_category` is where it goes (`new_category` is where it is); done: `new_category`.
    new = str(value.get("correct_category") or value.get("new_category") or "").upper()
    stamp = value.get("category_update_timestamp")
    effective_at = datetime.fromtimestamp(int(stamp), tz=UTC) if str(stamp).isdigit() else None
    occurred_at = _occurred_at(update)
    changed = templates.template_category_record(
        template=template, new=new, source=TemplateEventSource.WEBHOOK, occurred_at=occurred_at,
        effective_at=effective_at,
    )  # fmt: skip
    if changed:
        title = _("Template %(name)s (%(language)s) is now in the %(category)s category") % {
            "name": template.name,
            "language": template.language,
            "category": new.lower(),
        }
        if effective_at is not None and effective_at > occurred_at:
            title = _("Template %(name)s (%(language)s) moves to the %(category)s category on %(date)s") % {
                "name": template.name, "language": template.language, "category": new.lower(),
                "date": effective_at.date().isoformat()}  # fmt: skip
        _tell_admins(template, kind="template.category", title=title, now=occurred_at,
                     body=policy.category_change_explanation(new))  # fmt: skip
