"""Reading the Cloud API's webhook envelopes into plain values (no database, no clock).

One envelope carries entries, each with changes; a `messages` change carries messages,
statuses, contacts and errors. Fields we don't know are ignored, types we don't know become
"unsupported" (kept with their raw JSON), and an item we can't read at all becomes an
ItemError so the rest of the envelope still counts.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from inbox.incoming import IncomingMedia, IncomingMessage, IncomingReceipt
from whatsapp.client import error_code_info

MEDIA_TYPES = frozenset({"image", "video", "audio", "document", "sticker"})
STATUSES = frozenset({"sent", "delivered", "read", "played", "failed"})


class PayloadError(ValueError):
    """An item that can't be read; the message says what is wrong with it."""


@dataclass(frozen=True)
class NumberMessage:
    """A message, and the phone number id it was sent to (which routes it to a tenant)."""

    phone_number_id: str
    message: IncomingMessage


@dataclass(frozen=True)
class NumberReceipt:
    phone_number_id: str
    receipt: IncomingReceipt


@dataclass(frozen=True)
class ParsedAccountUpdate:
    """A change about the account (templates, quality, preferences...), for the app that owns it."""

    field: str
    waba_id: str
    phone_number_id: str
    value: dict[str, Any]
    # The entry's `time` (template updates carry one), when it has one.
    occurred_at: datetime | None = None


@dataclass(frozen=True)
class ItemError:
    field: str
    phone_number_id: str
    waba_id: str
    item: Any
    error: str


@dataclass
class ParsedEnvelope:
    messages: list[NumberMessage] = field(default_factory=list)
    statuses: list[NumberReceipt] = field(default_factory=list)
    account_updates: list[ParsedAccountUpdate] = field(default_factory=list)
    errors: list[ItemError] = field(default_factory=list)


def _changes(envelope: Mapping[str, Any]) -> Iterator[tuple[str, str, Any]]:
    """(waba id, field, value) for every change of every entry."""
    for waba_id, field_name, value, _time in _timed_changes(envelope):
        yield waba_id, field_name, value


def _timed_changes(envelope: Mapping[str, Any]) -> Iterator[tuple[str, str, Any, datetime | None]]:
    """(waba id, field, value, the entry's time) for every change of every entry."""
    entries = envelope.get("entry")
    if not isinstance(entries, list):
        return
    for entry in entries:
        if not isinstance(entry, Mapping):
            continue
        waba_id = str(entry.get("id", ""))
        stamp = entry.get("time")
        try:
            entry_time = _timestamp(stamp) if isinstance(stamp, int) and stamp > 0 else None
        except PayloadError:  # past year 9999 (found by fuzzing): as if the entry had no time
            entry_time = None
        changes = entry.get("changes")
        if not isinstance(changes, list):
            continue
        for change in changes:
            if isinstance(change, Mapping):
                yield waba_id, str(change.get("field", "")), change.get("value"), entry_time


def _metadata_phone_number_id(value: Any) -> str:
    if isinstance(value, Mapping) and isinstance(value.get("metadata"), Mapping):
        return str(value["metadata"].get("phone_number_id", ""))
    return ""


def named_phone_number_ids(envelope: Mapping[str, Any]) -> list[str]:
    """The phone number ids the envelope's changes are for, in order, without repeats."""
    ids = (_metadata_phone_number_id(value) for _waba, _field, value in _changes(envelope))
    return list(dict.fromkeys(i for i in ids if i))


def named_waba_ids(envelope: Mapping[str, Any]) -> list[str]:
    return list(dict.fromkeys(waba for waba, _field, _value in _changes(envelope) if waba))


def _timestamp(value: Any) -> datetime:
    try:
        return datetime.fromtimestamp(int(value), tz=UTC)
    except (TypeError, ValueError, OverflowError, OSError):
        raise PayloadError(f"timestamp {value!r} is not a Unix time") from None


def _required_str(item: Mapping[str, Any], key: str) -> str:
    value = item.get(key)
    if not isinstance(value, str | int) or value == "":
        raise PayloadError(f"`{key}` is missing")
    return str(value)


def _object(item: Mapping[str, Any], key: str) -> dict[str, Any]:
    value = item.get(key)
    if not isinstance(value, Mapping):
        raise PayloadError(f"`{key}` object is missing for type {key}")
    return dict(value)


Body = tuple[str, dict[str, Any], IncomingMedia | None]  # (text, content, media)


def _text(body: dict[str, Any], message: Mapping[str, Any]) -> Body:
    return str(body.get("body", "")), {}, None


def _media(body: dict[str, Any], message: Mapping[str, Any]) -> Body:
    media = IncomingMedia(
        provider_media_id=_required_str(body, "id"),
        mime_type=str(body.get("mime_type", "")),
        sha256=str(body.get("sha256", "")),
        filename=str(body.get("filename", "")),
    )
    return str(body.get("caption", "")), {}, media


def _location(body: dict[str, Any], message: Mapping[str, Any]) -> Body:
    content = {key: body[key] for key in ("latitude", "longitude", "name", "address", "url") if key in body}
    return str(body.get("name") or body.get("address") or ""), content, None


def _contacts(body: dict[str, Any], message: Mapping[str, Any]) -> Body:
    shared = message.get("contacts")
    if not isinstance(shared, list):
        raise PayloadError("`contacts` list is missing for type contacts")
    names = [str((c.get("name") or {}).get("formatted_name", "")) for c in shared if isinstance(c, Mapping)]
    return ", ".join(n for n in names if n), {"contacts": shared}, None


def _interactive(body: dict[str, Any], message: Mapping[str, Any]) -> Body:
    reply_kind = str(body.get("type", ""))
    reply = body.get(reply_kind)
    reply = dict(reply) if isinstance(reply, Mapping) else {}
    title = str(reply.get("title") or reply.get("body") or "")
    return title, {"interactive_type": reply_kind, **reply}, None


def _button(body: dict[str, Any], message: Mapping[str, Any]) -> Body:
    return str(body.get("text", "")), {"payload": body.get("payload", ""), "text": body.get("text", "")}, None


def _reaction(body: dict[str, Any], message: Mapping[str, Any]) -> Body:
    emoji = str(body.get("emoji") or "")  # empty or absent: the reaction was removed
    return emoji, {"target_provider_id": _required_str(body, "message_id"), "emoji": emoji}, None


def _order(body: dict[str, Any], message: Mapping[str, Any]) -> Body:
    return str(body.get("text", "")), body, None


def _system(body: dict[str, Any], message: Mapping[str, Any]) -> Body:
    # A number change or an identity change: shown as a note in the thread.
    content = dict(body)
    if "identity" in message:
        content["identity"] = message["identity"]
    return str(body.get("body", "")), content, None


def _unsupported(body: dict[str, Any], message: Mapping[str, Any]) -> Body:
    return "", {"unsupported_type": str(body.get("type", "")), "errors": message.get("errors", [])}, None


_READERS = {
    "text": _text,
    **dict.fromkeys(MEDIA_TYPES, _media),
    "location": _location,
    "contacts": _contacts,
    "interactive": _interactive,
    "button": _button,
    "reaction": _reaction,
    "order": _order,
    "system": _system,
    "unsupported": _unsupported,
}


def _message_body(kind: str, message: Mapping[str, Any]) -> tuple[str, str, dict[str, Any], IncomingMedia | None]:
    """(our type, text, content, media) of one inbound message."""
    reader = _READERS.get(kind)
    if reader is None:  # a type newer than this code: kept, shown as unsupported
        return "unsupported", "", {"unsupported_type": kind}, None
    if kind in ("contacts", "unsupported"):
        body = message.get(kind) if isinstance(message.get(kind), Mapping) else {}
        text, content, media = reader(dict(body or {}), message)
    else:
        text, content, media = reader(_object(message, kind), message)
    return kind, text, content, media


def parse_message(message: Any, *, phone_number_id: str, profiles: Mapping[str, tuple[str, str]]) -> NumberMessage:
    if not isinstance(message, Mapping):
        raise PayloadError("a message is not an object")
    wa_id = _required_str(message, "from")
    provider_message_id = _required_str(message, "id")
    kind = _required_str(message, "type")
    sent_at = _timestamp(message.get("timestamp"))
    our_type, text, content, media = _message_body(kind, message)
    context = message.get("context") if isinstance(message.get("context"), Mapping) else {}
    assert isinstance(context, Mapping)
    if isinstance(context.get("referred_product"), Mapping):
        content = {**content, "referred_product": dict(context["referred_product"])}
    profile_name, user_id = profiles.get(wa_id, ("", ""))
    referral = message.get("referral")
    incoming = IncomingMessage(
        wa_id=wa_id,
        user_id=str(message.get("from_user_id") or user_id),
        profile_name=profile_name,
        provider_message_id=provider_message_id,
        type=our_type,
        text=text,
        content=content,
        raw=dict(message),
        sent_at=sent_at,
        reply_to_provider_id=str(context.get("id") or ""),
        is_forwarded=bool(context.get("forwarded", False)),
        is_frequently_forwarded=bool(context.get("frequently_forwarded", False)),
        referral=dict(referral) if isinstance(referral, Mapping) else None,
        media=media,
    )
    return NumberMessage(phone_number_id=phone_number_id, message=incoming)


def parse_status(status: Any, *, phone_number_id: str) -> NumberReceipt:
    if not isinstance(status, Mapping):
        raise PayloadError("a status is not an object")
    name = _required_str(status, "status")
    if name not in STATUSES:
        raise PayloadError(f"unknown status {name!r}")
    errors = status.get("errors")
    pricing = status.get("pricing")
    conversation = status.get("conversation")
    receipt = IncomingReceipt(
        provider_message_id=_required_str(status, "id"),
        status=name,
        occurred_at=_timestamp(status.get("timestamp")),
        recipient_id=str(status.get("recipient_id", "")),
        # Each error also gets the sentence an agent reads; the inbox stays free of WhatsApp's codes.
        errors=[_with_human_message(e) for e in errors if isinstance(e, Mapping)] if isinstance(errors, list) else [],
        pricing=dict(pricing) if isinstance(pricing, Mapping) else None,
        conversation=dict(conversation) if isinstance(conversation, Mapping) else None,
        biz_opaque_callback_data=str(status.get("biz_opaque_callback_data", "")),
        raw=dict(status),
    )
    return NumberReceipt(phone_number_id=phone_number_id, receipt=receipt)


def _with_human_message(error: Mapping[str, Any]) -> dict[str, Any]:
    code = error.get("code")
    info = error_code_info(code if isinstance(code, int) else None)
    return {**error, "human_message": info.human_message if info else "WhatsApp could not deliver this message."}


def _profiles(value: Mapping[str, Any]) -> dict[str, tuple[str, str]]:
    """wa_id → (profile name, business-scoped user id) from a change's contacts block."""
    profiles = {}
    contacts = value.get("contacts")
    for contact in contacts if isinstance(contacts, list) else []:
        if isinstance(contact, Mapping) and contact.get("wa_id"):
            profile = contact.get("profile") if isinstance(contact.get("profile"), Mapping) else {}
            assert isinstance(profile, Mapping)
            profiles[str(contact["wa_id"])] = (str(profile.get("name", "")), str(contact.get("user_id", "")))
    return profiles


def parse_envelope(envelope: Mapping[str, Any]) -> ParsedEnvelope:
    parsed = ParsedEnvelope()
    for waba_id, field_name, value, entry_time in _timed_changes(envelope):
        phone_number_id = _metadata_phone_number_id(value)
        if not isinstance(value, Mapping):
            parsed.errors.append(ItemError(field_name, phone_number_id, waba_id, value, "the change has no value"))
            continue
        if field_name != "messages":
            parsed.account_updates.append(
                ParsedAccountUpdate(field_name, waba_id, phone_number_id, dict(value), entry_time)
            )
            continue
        profiles = _profiles(value)
        for kind, items in (("messages", value.get("messages")), ("statuses", value.get("statuses"))):
            for item in items if isinstance(items, list) else []:
                try:
                    if kind == "messages":
                        parsed.messages.append(parse_message(item, phone_number_id=phone_number_id, profiles=profiles))
                    else:
                        parsed.statuses.append(parse_status(item, phone_number_id=phone_number_id))
                except PayloadError as error:
                    parsed.errors.append(ItemError(kind, phone_number_id, waba_id, item, str(error)))
        if isinstance(value.get("errors"), list):
            # Errors about the account or the app rather than one message: kept for the admins.
            parsed.account_updates.append(
                ParsedAccountUpdate("errors", waba_id, phone_number_id, {"errors": value["errors"]})
            )
    return parsed
