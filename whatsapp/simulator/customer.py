"""The customer's phone and the test harness: `/_sim/inbound` turns a customer's message into the
webhook Meta would send; `/_sim/deliver` signs and delivers any payload (statuses, odd bodies)."""

from __future__ import annotations

import base64
import binascii
import copy
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from whatsapp.media_rules import SUPPORTED_MEDIA, base_mime_type
from whatsapp.simulator import webhooks
from whatsapp.simulator.config import SimulatorConfig
from whatsapp.simulator.graph import download_url
from whatsapp.simulator.harness import SimulatorRequestError, json_object, required_text
from whatsapp.simulator.state import (
    INBOUND_MEDIA_TTL_SECONDS,
    InboundMessage,
    MediaRecord,
    SimulatorState,
    new_wamid,
)

MEDIA_TYPES = frozenset({"image", "video", "audio", "document", "sticker"})


async def inbound(request: Request) -> Response:
    """A customer sends a message: record it, deliver the signed webhook, answer the wamid."""
    config: SimulatorConfig = request.app.state.config
    state: SimulatorState = request.app.state.simulator
    payload = await json_object(request)
    phone_number_id = required_text(payload, "phone_number_id")
    wa_id = required_text(payload, "from")
    if not wa_id.isdigit():
        raise SimulatorRequestError("'from' is the customer's wa_id: digits only, e.g. 16505551234")
    message = payload.get("message")
    if not isinstance(message, dict) or not isinstance(message.get("type"), str):
        raise SimulatorRequestError("'message' must be a Cloud API message object with a 'type'")

    message = _customer_message(message, wa_id=wa_id, now=state.now())
    kind = message["type"]
    if kind in MEDIA_TYPES:
        message[kind] = _media_object(
            state, config, kind=kind, media=message.get(kind), phone_number_id=phone_number_id
        )
    if "user_id" in payload:
        message["from_user_id"] = str(payload["user_id"])

    number = state.number_settings(phone_number_id)
    envelope = webhooks.messages_envelope(
        waba_id=str(payload.get("waba_id") or number.waba_id or config.default_waba_id),
        phone_number_id=phone_number_id,
        display_phone_number=str(
            payload.get("display_phone_number") or number.display_phone_number or config.default_display_phone_number
        ),
        # A system message (the user changed number) comes without a contacts block.
        contacts=[] if kind == "system" else [_contact(payload, wa_id)],
        messages=[message],
    )
    if kind != "system":
        state.record_customer_message(
            phone_number_id=phone_number_id, wa_id=wa_id, timestamp=float(message["timestamp"])
        )
    state.record_inbound_message(
        InboundMessage(
            id=message["id"],
            phone_number_id=phone_number_id,
            wa_id=wa_id,
            timestamp=float(message["timestamp"]),
            received_at=state.now(),
            message=message,
        ),
        user_id=str(payload["user_id"]) if "user_id" in payload else None,
    )
    delivery = await webhooks.deliver_recorded(config, state, webhooks.encode(envelope), app_secret=config.app_secret)
    return JSONResponse({"id": message["id"], "webhook_status": delivery.final_status})


async def deliver(request: Request) -> Response:
    """Sign and deliver `payload` (serialised as Meta would) or `raw` (these exact bytes)."""
    config: SimulatorConfig = request.app.state.config
    state: SimulatorState = request.app.state.simulator
    request_body = await json_object(request)
    if isinstance(request_body.get("raw"), str):
        body = request_body["raw"].encode()
    elif isinstance(request_body.get("payload"), dict):
        body = webhooks.encode(request_body["payload"])
    else:
        raise SimulatorRequestError("give 'payload' (a JSON object) or 'raw' (a string)")
    # Tests of the receiving side can sign with another secret, or not at all.
    app_secret = request_body.get("app_secret", config.app_secret)
    if request_body.get("signed") is False:
        app_secret = None
    signing_secret = None if app_secret is None else str(app_secret)
    delivery = await webhooks.deliver_recorded(config, state, body, app_secret=signing_secret)
    return JSONResponse({"webhook_status": delivery.final_status, "attempts": delivery.statuses})


def _customer_message(message: dict[str, Any], *, wa_id: str, now: float) -> dict[str, Any]:
    """The message with what WhatsApp fills in: who sent it, its id, and when (seconds, as a string)."""
    rest = copy.deepcopy(message)
    context = rest.pop("context", None)
    given_id = rest.pop("id", None)
    given_timestamp = rest.pop("timestamp", None)
    rest.pop("from", None)
    filled: dict[str, Any] = {"context": context} if context is not None else {}
    filled["from"] = wa_id
    filled["id"] = str(given_id) if given_id else new_wamid(wa_id)
    filled["timestamp"] = str(given_timestamp) if given_timestamp is not None else str(int(now))
    try:
        float(filled["timestamp"])
    except ValueError:
        raise SimulatorRequestError("'timestamp' must be unix seconds") from None
    return {**filled, **rest}


def _contact(payload: dict[str, Any], wa_id: str) -> dict[str, Any]:
    contact: dict[str, Any] = {"profile": {"name": str(payload.get("name") or "")}, "wa_id": wa_id}
    if "user_id" in payload:
        contact["user_id"] = str(payload["user_id"])
    return contact


def _media_object(
    state: SimulatorState, config: SimulatorConfig, *, kind: str, media: object, phone_number_id: str
) -> dict[str, Any]:
    """The media object Meta sends: file bytes given as base64 `data` become simulator media."""
    if not isinstance(media, dict):
        raise SimulatorRequestError(f"a {kind} message needs a '{kind}' object with 'data' or 'id'")
    extra = {key: value for key, value in media.items() if key not in {"data", "id", "mime_type", "sha256", "url"}}
    record = _media_record(state, kind=kind, media=media, phone_number_id=phone_number_id)
    result: dict[str, Any] = {}
    if kind in {"image", "video", "document"} and "caption" in extra:
        result["caption"] = str(extra.pop("caption"))
    if kind == "document":
        result["filename"] = str(extra.pop("filename", "") or record.filename or "file")
    extra.pop("filename", None)
    extra.pop("caption", None)
    result.update({"mime_type": record.mime_type, "sha256": record.sha256_base64, "id": record.id})
    # Meta has included a download URL in media webhooks since November 2025.
    result["url"] = download_url(config, state.issue_media_url(record.id))
    result.update(extra)  # voice, animated...
    return result


def _media_record(state: SimulatorState, *, kind: str, media: dict[str, Any], phone_number_id: str) -> MediaRecord:
    if "data" not in media:
        record = state.media(str(media.get("id", "")))
        if record is None:
            raise SimulatorRequestError(f"no media with id {media.get('id')!r}: upload it first, or give 'data'")
        return record
    mime_type = media.get("mime_type")
    if not isinstance(mime_type, str) or not mime_type:
        raise SimulatorRequestError(f"'{kind}.mime_type' is required with 'data'")
    supported = SUPPORTED_MEDIA.get(base_mime_type(mime_type))
    if supported is None or supported[0] != kind:
        raise SimulatorRequestError(f"{mime_type!r} is not a {kind} type WhatsApp supports")
    try:
        data = base64.b64decode(str(media["data"]), validate=True)
    except (binascii.Error, ValueError):
        raise SimulatorRequestError(f"'{kind}.data' must be base64") from None
    return state.add_media(
        data=data,
        mime_type=mime_type,
        filename=str(media.get("filename") or ""),
        phone_number_id=phone_number_id,
        lifetime_seconds=INBOUND_MEDIA_TTL_SECONDS,
    )
