"""`POST /{version}/{phone-number-id}/messages` (whatsapp-cloud-api.md §4): sending, with the rules
WhatsApp applies, and marking a customer's message read; plus `GET /_sim/messages`, the record of
both sides of every chat for tests and the customer's phone."""

from __future__ import annotations

import copy
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from whatsapp.simulator import rules, statuses
from whatsapp.simulator.config import SimulatorConfig
from whatsapp.simulator.errors import GraphError, meta_error
from whatsapp.simulator.graph import authorize, json_body
from whatsapp.simulator.preview import inbound_preview, outbound_preview
from whatsapp.simulator.state import InboundMessage, SentMessage, SimulatorState, new_wamid
from whatsapp.simulator.templates import Template, check_template_send
from whatsapp.simulator.validation import SendRequest, check_messaging_product, invalid, missing, validate_send

# Only messages received in the last 30 days can be marked read; typing shows for 25 s at most.
MARK_READ_MAX_AGE_SECONDS = 30 * 24 * 3600
TYPING_SECONDS = 25
STATUS_ORDER = {"accepted": 0, "sent": 1, "delivered": 2, "read": 3}

CLOSED_WINDOW = 131047
UNDELIVERABLE = 131026
RECIPIENT_IS_SENDER = 131021


async def messages(request: Request) -> Response:
    config, state = authorize(request)
    phone_number_id = request.path_params["phone_number_id"]
    body = await json_body(request)
    if "status" in body and "type" not in body and "to" not in body:
        return _mark_read(state, phone_number_id, body)
    return _send(request, config, state, phone_number_id, body)


def _send(
    request: Request, config: SimulatorConfig, state: SimulatorState, phone_number_id: str, body: dict[str, Any]
) -> Response:
    send = validate_send(
        body,
        media_exists=lambda media_id: state.media(media_id) is not None,
        message_exists=lambda message_id: _is_message_of(state, phone_number_id, message_id),
    )
    number = state.number_settings(phone_number_id)
    business_number = number.display_phone_number or config.default_display_phone_number
    if send.wa_id == business_number:
        raise meta_error(RECIPIENT_IS_SENDER)
    template = _template_for(state, send, waba_id=number.waba_id)
    wa_id = send.wa_id or (state.wa_id_for_user_id(send.user_id) if send.user_id else None)
    window_open = wa_id is not None and rules.is_window_open(
        last_customer_message_at=state.last_customer_message_at(phone_number_id=phone_number_id, wa_id=wa_id),
        now=state.now(),
    )
    on_whatsapp = wa_id is not None and state.is_on_whatsapp(wa_id)
    window_rule_applies = send.kind != "template" and on_whatsapp and not window_open
    if window_rule_applies and config.closed_window == "sync":
        raise meta_error(CLOSED_WINDOW)
    limits = rules.SendLimits(
        throughput_mps=number.throughput_mps or config.throughput_mps,
        pair_rate_messages=config.pair_rate_messages,
        pair_rate_seconds=config.pair_rate_seconds,
    )
    rate_limit_code = state.admit_send(phone_number_id=phone_number_id, wa_id=wa_id or send.input, limits=limits)
    if rate_limit_code is not None:
        raise meta_error(rate_limit_code)

    message = SentMessage(
        id=new_wamid(wa_id or send.input),
        phone_number_id=phone_number_id,
        input=send.input,
        wa_id=wa_id or "",
        user_id=send.user_id,
        request=copy.deepcopy(body),
        created_at=state.now(),
    )
    state.record_sent(message)
    if wa_id:
        state.stop_typing(phone_number_id=phone_number_id, wa_id=wa_id)
    failure_code = UNDELIVERABLE if not on_whatsapp else CLOSED_WINDOW if window_rule_applies else None
    pricing = rules.pricing(
        template_category=template.category if template else None, window_open=window_open, now=state.now()
    )
    timing = copy.copy(config.statuses)
    steps = statuses.plan(timing, kind=send.kind, pricing=pricing, failure_code=failure_code)
    statuses.start(request.app, message, steps, config=config, state=state, duplicate=timing.duplicate)

    contact: dict[str, Any] = {"input": send.input}
    if wa_id:
        contact["wa_id"] = wa_id
    if send.user_id:
        contact["user_id"] = send.user_id
    answered: dict[str, Any] = {"id": message.id}
    if send.kind == "template":
        answered["message_status"] = "accepted"
    return JSONResponse({"messaging_product": "whatsapp", "contacts": [contact], "messages": [answered]})


def _template_for(state: SimulatorState, send: SendRequest, *, waba_id: str | None) -> Template | None:
    if send.kind != "template":
        return None
    content = send.body["template"]
    name, language = str(content["name"]), str(content["language"]["code"])
    template = state.templates.find(name=name, language=language, waba_id=waba_id)
    check_template_send(template, name=name, language=language, components=content.get("components", []))
    return template


def _is_message_of(state: SimulatorState, phone_number_id: str, message_id: str) -> bool:
    """A message this number received or sent: what a reaction may point at."""
    if state.inbound_message(message_id, phone_number_id=phone_number_id) is not None:
        return True
    sent = state.sent_message(message_id)
    return sent is not None and sent.phone_number_id == phone_number_id


def _mark_read(state: SimulatorState, phone_number_id: str, body: dict[str, Any]) -> Response:
    check_messaging_product(body)
    if body.get("status") != "read":
        raise GraphError(100, f'Param status must be one of {{READ}} - got "{body.get("status")}".')
    message_id = body.get("message_id")
    if not message_id:
        raise missing("message_id")
    message = state.inbound_message(str(message_id), phone_number_id=phone_number_id)
    now = state.now()
    if message is None or now - message.timestamp > MARK_READ_MAX_AGE_SECONDS:
        raise invalid("message_id is not a message this number received in the last 30 days.")
    typing = body.get("typing_indicator")
    if typing is not None and (not isinstance(typing, dict) or typing.get("type") != "text"):
        raise invalid('typing_indicator must be {"type": "text"}.')
    state.mark_inbound_read(message.id, typing_until=now + TYPING_SECONDS if typing is not None else None)
    return JSONResponse({"success": True})


# The record, for tests and the customer's phone


async def sent_messages(request: Request) -> Response:
    """`GET /_sim/messages[?phone_number_id=&wa_id=&direction=outbound|inbound|all]`, oldest first."""
    config: SimulatorConfig = request.app.state.config
    state: SimulatorState = request.app.state.simulator
    phone_number_id = request.query_params.get("phone_number_id") or None
    wa_id = request.query_params.get("wa_id") or None
    direction = request.query_params.get("direction", "outbound")
    items: list[dict[str, Any]] = []
    if direction in {"outbound", "all"}:
        for message in state.sent_messages(phone_number_id=phone_number_id, wa_id=wa_id):
            items.append(_outbound_item(config, state, message))
    inbound = state.inbound_messages(phone_number_id=phone_number_id, wa_id=wa_id)
    if direction in {"inbound", "all"}:
        items.extend(_inbound_item(message) for message in inbound)
    items.sort(key=lambda item: float(item["created_at"]))
    now = state.now()
    typing = any(message.typing_until is not None and message.typing_until > now for message in inbound)
    return JSONResponse({"data": items, "typing": typing})


def _outbound_item(config: SimulatorConfig, state: SimulatorState, message: SentMessage) -> dict[str, Any]:
    kind = str(message.request.get("type", "text"))
    number = state.number_settings(message.phone_number_id)
    template = None
    if kind == "template":
        content = message.request["template"]
        template = state.templates.find(
            name=str(content["name"]), language=str(content["language"]["code"]), waba_id=number.waba_id
        )
    return {
        "direction": "outbound",
        "id": message.id,
        "phone_number_id": message.phone_number_id,
        "to": message.input,
        "wa_id": message.wa_id,
        "type": kind,
        "request": message.request,
        "created_at": message.created_at,
        "status": _current_status(message),
        "statuses": [
            {"status": status.status, "webhook_status": status.webhook_status, "payload": status.payload}
            for status in message.statuses
        ],
        "preview": outbound_preview(
            message.request,
            template=template,
            message_id=message.id,
            business_number=number.display_phone_number or config.default_display_phone_number,
        ),
    }


def _current_status(message: SentMessage) -> str:
    """Statuses only move forward (sent < delivered < read) and `failed` is final, whatever the order."""
    names = [status.status for status in message.statuses]
    if "failed" in names:
        return "failed"
    return max(names, key=STATUS_ORDER.__getitem__, default="accepted")


def _inbound_item(message: InboundMessage) -> dict[str, Any]:
    return {
        "direction": "inbound",
        "id": message.id,
        "phone_number_id": message.phone_number_id,
        "wa_id": message.wa_id,
        "type": message.message.get("type"),
        "message": message.message,
        "created_at": message.received_at,
        "read": message.read,
        "preview": inbound_preview(message.message),
    }
