"""The harness's knobs (`/_sim/...`): how WhatsApp behaves (`config`), each business number
(`numbers`), who is not on WhatsApp, which templates exist and what Meta does to them (review
rules, status, quality and category changes), and injected faults."""

from __future__ import annotations

import dataclasses
from dataclasses import asdict
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from whatsapp.simulator.config import SimulatorConfig, StatusTiming, TemplateReview
from whatsapp.simulator.harness import (
    SimulatorRequestError,
    bool_field,
    integer_field,
    json_object,
    number_field,
)
from whatsapp.simulator.state import SimulatorState
from whatsapp.simulator.template_review import (
    QUALITY_SCORES,
    REJECTION_REASONS,
    category_notice,
    forced_change,
    impending_category_notice,
    notify,
    quality_notice,
    status_notice,
    with_status,
)
from whatsapp.simulator.templates import (
    CATEGORIES,
    STATUSES,
    Template,
    TemplateDefinitionError,
    template_from_definition,
)

DAY_SECONDS = 24 * 3600

STATUS_DELAYS = ("sent_after", "delivered_after", "read_after")
STATUS_SWITCHES = ("delivered", "read", "read_before_delivered", "duplicate")


def _config(request: Request) -> SimulatorConfig:
    config: SimulatorConfig = request.app.state.config
    return config


def _state(request: Request) -> SimulatorState:
    state: SimulatorState = request.app.state.simulator
    return state


# /_sim/config


def config_json(config: SimulatorConfig) -> dict[str, Any]:
    return {
        "webhook_url": config.webhook_url,
        "closed_window": config.closed_window,
        "statuses": asdict(config.statuses),
        "throughput_mps": config.throughput_mps,
        "pair_rate": {"messages": config.pair_rate_messages, "seconds": config.pair_rate_seconds},
    }


async def simulator_config(request: Request) -> Response:
    """GET the behaviour settings; POST a partial update of them (all checked before any applies)."""
    config = _config(request)
    if request.method == "POST":
        payload = await json_object(request)
        unknown = set(payload) - {"webhook_url", "closed_window", "statuses", "throughput_mps", "pair_rate"}
        if unknown:
            raise SimulatorRequestError(f"unknown settings: {', '.join(sorted(unknown))}")
        updates: dict[str, Any] = {}
        if "webhook_url" in payload:
            if not isinstance(payload["webhook_url"], str) or not payload["webhook_url"].startswith("http"):
                raise SimulatorRequestError("'webhook_url' must be an http(s) URL")
            updates["webhook_url"] = payload["webhook_url"]
        if "closed_window" in payload:
            if payload["closed_window"] not in {"async", "sync"}:
                raise SimulatorRequestError('\'closed_window\' must be "async" (a failed status) or "sync" (HTTP 400)')
            updates["closed_window"] = payload["closed_window"]
        if "statuses" in payload:
            updates["statuses"] = _status_timing(config.statuses, payload["statuses"])
        if "throughput_mps" in payload:
            updates["throughput_mps"] = integer_field(payload, "throughput_mps", minimum=1)
        if "pair_rate" in payload:
            pair_rate = payload["pair_rate"]
            if not isinstance(pair_rate, dict):
                raise SimulatorRequestError('\'pair_rate\' must be {"messages": 45, "seconds": 6}')
            if "messages" in pair_rate:
                updates["pair_rate_messages"] = integer_field(pair_rate, "messages", minimum=1)
            if "seconds" in pair_rate:
                updates["pair_rate_seconds"] = number_field(pair_rate, "seconds", minimum=0.001)
        for key, value in updates.items():
            setattr(config, key, value)
    return JSONResponse(config_json(config))


def _status_timing(current: StatusTiming, payload: object) -> StatusTiming:
    if not isinstance(payload, dict):
        raise SimulatorRequestError('\'statuses\' must be an object, e.g. {"sent_after": 0.05, "read": false}')
    unknown = set(payload) - {*STATUS_DELAYS, *STATUS_SWITCHES}
    if unknown:
        raise SimulatorRequestError(f"unknown status settings: {', '.join(sorted(unknown))}")
    values = asdict(current)
    for key in STATUS_DELAYS:
        if key in payload:
            values[key] = number_field(payload, key, maximum=3600)
    for key in STATUS_SWITCHES:
        if key in payload:
            values[key] = bool_field(payload, key)
    return StatusTiming(**values)


# /_sim/numbers/{phone_number_id}


async def number_settings(request: Request) -> Response:
    """GET or POST one number's settings: throughput_mps, waba_id, display_phone_number."""
    state = _state(request)
    phone_number_id = request.path_params["phone_number_id"]
    settings = state.number_settings(phone_number_id)
    if request.method == "POST":
        payload = await json_object(request)
        unknown = set(payload) - {"throughput_mps", "waba_id", "display_phone_number"}
        if unknown:
            raise SimulatorRequestError(f"unknown number settings: {', '.join(sorted(unknown))}")
        if "throughput_mps" in payload:
            throughput = payload["throughput_mps"]
            settings.throughput_mps = (
                None if throughput is None else integer_field(payload, "throughput_mps", minimum=1)
            )
        for key in ("waba_id", "display_phone_number"):
            if key in payload:
                value = payload[key]
                if value is not None and (not isinstance(value, str) or not value.isdigit()):
                    raise SimulatorRequestError(f"'{key}' must be digits (or null for the default)")
                setattr(settings, key, value)
        state.update_number_settings(phone_number_id, settings)
    config = _config(request)
    return JSONResponse(
        {
            "phone_number_id": phone_number_id,
            "throughput_mps": settings.throughput_mps or config.throughput_mps,
            "waba_id": settings.waba_id or config.default_waba_id,
            "display_phone_number": settings.display_phone_number or config.default_display_phone_number,
        }
    )


# /_sim/not_on_whatsapp


async def not_on_whatsapp(request: Request) -> Response:
    """POST {"wa_ids": [...]} adds numbers that are not on WhatsApp (sends to them fail with 131026);
    {"wa_ids": [...], "on_whatsapp": true} takes them back; DELETE forgets them all."""
    state = _state(request)
    if request.method == "POST":
        payload = await json_object(request)
        wa_ids = payload.get("wa_ids")
        if not isinstance(wa_ids, list) or not all(isinstance(w, str) and w.lstrip("+").isdigit() for w in wa_ids):
            raise SimulatorRequestError("'wa_ids' must be a list of phone numbers (digits)")
        on_whatsapp = bool_field(payload, "on_whatsapp") if "on_whatsapp" in payload else False
        state.set_on_whatsapp([w.lstrip("+") for w in wa_ids], on_whatsapp=on_whatsapp)
    elif request.method == "DELETE":
        state.set_on_whatsapp(state.not_on_whatsapp(), on_whatsapp=True)
    return JSONResponse({"wa_ids": state.not_on_whatsapp()})


# /_sim/templates


async def templates(request: Request) -> Response:
    """POST registers a template in Meta's creation shape plus `status` (default APPROVED) and an
    optional `waba_id`, replacing one of the same name and language; GET lists; DELETE forgets all.

    Registered templates skip review and send no webhooks; the Graph listing shows them too.
    """
    state = _state(request)
    if request.method == "POST":
        try:
            template = template_from_definition(await json_object(request), now=state.now())
        except TemplateDefinitionError as error:
            raise SimulatorRequestError(str(error)) from None
        template = state.templates.register(template)
        return JSONResponse(template.as_json())
    if request.method == "DELETE":
        state.templates.clear()
    return JSONResponse({"data": [template.as_json() for template in state.templates.all()]})


def review_json(review: TemplateReview) -> dict[str, Any]:
    return {**asdict(review), "promotional_words": list(review.promotional_words)}


async def template_review(request: Request) -> Response:
    """GET the review rules; POST a partial update of them: `delay_seconds`, `rejected_words`
    ({"word or phrase": "SCAM", ...}), `promotional_words` (["discount", ...]) and
    `promotional_utility` ("recategorize" or "reject"). Reviews already started keep their rules."""
    config = _config(request)
    if request.method == "POST":
        payload = await json_object(request)
        unknown = set(payload) - {field.name for field in dataclasses.fields(TemplateReview)}
        if unknown:
            raise SimulatorRequestError(f"unknown review settings: {', '.join(sorted(unknown))}")
        updates: dict[str, Any] = {}
        if "delay_seconds" in payload:
            updates["delay_seconds"] = number_field(payload, "delay_seconds", maximum=DAY_SECONDS)
        if "rejected_words" in payload:
            words = payload["rejected_words"]
            reasons = REJECTION_REASONS - {"NONE"}
            if not isinstance(words, dict) or not all(
                isinstance(word, str) and word.strip() and reason in reasons for word, reason in words.items()
            ):
                raise SimulatorRequestError(
                    f"'rejected_words' maps words to a rejection reason, one of {', '.join(sorted(reasons))}"
                )
            updates["rejected_words"] = dict(words)
        if "promotional_words" in payload:
            words = payload["promotional_words"]
            if not isinstance(words, list) or not all(isinstance(word, str) and word.strip() for word in words):
                raise SimulatorRequestError("'promotional_words' must be a list of words")
            updates["promotional_words"] = tuple(words)
        if "promotional_utility" in payload:
            if payload["promotional_utility"] not in {"recategorize", "reject"}:
                raise SimulatorRequestError('\'promotional_utility\' must be "recategorize" or "reject"')
            updates["promotional_utility"] = payload["promotional_utility"]
        config.template_review = dataclasses.replace(config.template_review, **updates)
    return JSONResponse(review_json(config.template_review))


def _template(state: SimulatorState, request: Request) -> Template:
    template_id = request.path_params["template_id"]
    template = state.templates.get(template_id)
    if template is None:
        raise SimulatorRequestError(f"no template has the id {template_id}")
    return template


def _info(payload: dict[str, Any], key: str, keys: tuple[str, str]) -> dict[str, str] | None:
    value = payload.get(key)
    if value is None:
        return None
    if not isinstance(value, dict) or set(value) != set(keys) or not all(isinstance(v, str) for v in value.values()):
        shape = ", ".join(f'"{k}": "…"' for k in keys)
        raise SimulatorRequestError(f"'{key}' must be {{{shape}}}")
    return dict(value)


async def template_status(request: Request) -> Response:
    """POST {"status": "PAUSED"} gives the template that status, as Meta would, and delivers its
    `message_template_status_update` webhook. Optional: `reason` (REJECTED's, e.g. "SCAM"),
    `other_info` {"title", "description"} (default for PAUSED: FIRST_PAUSE, then SECOND_PAUSE;
    DISABLED also gets `disable_info`; APPROVED after PAUSED: UNPAUSE) and `rejection_info`
    {"reason", "recommendation"}. REINSTATED and UNARCHIVED leave it APPROVED; DELETED and
    PENDING_DELETION delete it."""
    config, state = _config(request), _state(request)
    template = _template(state, request)
    payload = await json_object(request)
    event = str(payload.get("status", "")).upper()
    if event not in STATUSES:
        raise SimulatorRequestError(f"'status' must be one of {', '.join(sorted(STATUSES))}")
    reason = payload.get("reason")
    if reason is not None and reason not in REJECTION_REASONS:
        raise SimulatorRequestError(f"'reason' must be one of {', '.join(sorted(REJECTION_REASONS))}")
    now = state.now()
    change = forced_change(
        template,
        event,
        now=now,
        reason=reason,
        other_info=_info(payload, "other_info", ("title", "description")),
        rejection_info=_info(payload, "rejection_info", ("reason", "recommendation")),
    )
    changed = state.templates.update(template.id, lambda t: with_status(t, change, now=now))
    delivery = await notify(config, state, status_notice(config, changed, change))
    return JSONResponse({"template": changed.as_json(), "webhook_status": delivery.final_status})


async def template_quality(request: Request) -> Response:
    """POST {"quality_score": "RED"} (GREEN, YELLOW, RED, UNKNOWN) sets the template's quality
    and delivers its `message_template_quality_update` webhook. Nothing is paused: do that with
    `/status`."""
    config, state = _config(request), _state(request)
    template = _template(state, request)
    payload = await json_object(request)
    score = str(payload.get("quality_score", "")).upper()
    if score not in QUALITY_SCORES:
        raise SimulatorRequestError(f"'quality_score' must be one of {', '.join(sorted(QUALITY_SCORES))}")
    now = state.now()
    previous: list[str] = []

    def rescored(current: Template) -> Template:
        previous.append(current.quality_score)
        return dataclasses.replace(current, quality_score=score, quality_updated_at=now)

    changed = state.templates.update(template.id, rescored)
    delivery = await notify(config, state, quality_notice(config, changed, previous_score=previous[0]))
    return JSONResponse({"template": changed.as_json(), "webhook_status": delivery.final_status})


async def template_category(request: Request) -> Response:
    """POST {"category": "MARKETING"} recategorises the template as Meta does and delivers the
    `template_category_update` webhook {previous_category, new_category}. With "impending": true
    it only announces the change {correct_category, new_category (the current one),
    category_update_timestamp} for `update_at` (default: in 24 hours)."""
    config, state = _config(request), _state(request)
    template = _template(state, request)
    payload = await json_object(request)
    category = str(payload.get("category", "")).upper()
    if category not in CATEGORIES:
        raise SimulatorRequestError(f"'category' must be one of {', '.join(sorted(CATEGORIES))}")
    if category == template.category:
        raise SimulatorRequestError(f"the template is already {category}")
    impending = bool_field(payload, "impending") if "impending" in payload else False
    if impending:
        update_at = integer_field(payload, "update_at") if "update_at" in payload else int(state.now()) + DAY_SECONDS
        notice = impending_category_notice(config, template, correct_category=category, update_at=update_at)
        changed = template
    else:
        changed = state.templates.update(
            template.id,
            lambda t: dataclasses.replace(t, category=category, previous_category=t.category),
        )
        notice = category_notice(config, changed, previous_category=template.category)
    delivery = await notify(config, state, notice)
    return JSONResponse({"template": changed.as_json(), "webhook_status": delivery.final_status})


# /_sim/faults


async def faults(request: Request) -> Response:
    """POST adds a fault (see faults.Fault), GET lists the active ones, DELETE removes them all."""
    state = _state(request)
    if request.method == "POST":
        fault = state.faults.add(await json_object(request))
        return JSONResponse(fault.as_json())
    if request.method == "DELETE":
        state.faults.clear()
    return JSONResponse({"data": [fault.as_json() for fault in state.faults.all()]})
