"""Checking the messages we send against the Cloud API's shapes and limits (reference §4).

Agents and API clients give us the Cloud API's own message JSON; a mistake is caught here,
with a sentence naming the field, before anything is stored or sent. No database.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlsplit

from django.utils.translation import gettext as _

from accounts.errors import ServiceError

MEDIA_TYPES = ("image", "video", "audio", "document", "sticker")
CAPTIONED = ("image", "video", "document")
SENDABLE = ("text", *MEDIA_TYPES, "location", "contacts", "interactive", "reaction", "template")
TEXT_MAX = 4096
CAPTION_MAX = 1024
_PLACEHOLDER = re.compile(r"\{\{\s*([A-Za-z0-9_]+)\s*\}\}")


def _invalid(message: str) -> ServiceError:
    return ServiceError(message, code="invalid_message", http_status=400)


def _object(payload: Mapping[str, Any], key: str) -> dict[str, Any]:
    value = payload.get(key)
    if not isinstance(value, Mapping):
        raise _invalid(_("`%(key)s` must be an object.") % {"key": key})
    return dict(value)


def _text(value: Any, *, field: str, maximum: int, required: bool = True) -> str:
    if value is None and not required:
        return ""
    if not isinstance(value, str) or (required and not value.strip()):
        raise _invalid(_("`%(field)s` must be a non-empty string.") % {"field": field})
    if len(value) > maximum:
        raise _invalid(
            _("`%(field)s` is %(length)d characters long; WhatsApp allows %(maximum)d.")
            % {"field": field, "length": len(value), "maximum": maximum}
        )
    return value


def _check_media(kind: str, media: Mapping[str, Any]) -> None:
    has_id, has_link = bool(media.get("id")), bool(media.get("link"))
    if has_id == has_link:
        raise _invalid(_("`%(kind)s` needs either an `id` (uploaded media) or a `link`.") % {"kind": kind})
    if has_link:
        parts = urlsplit(str(media["link"]))
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise _invalid(_("`%(kind)s.link` must be an http(s) URL.") % {"kind": kind})
    if "caption" in media:
        if kind not in CAPTIONED:
            raise _invalid(_("A %(kind)s can't have a caption.") % {"kind": kind})
        _text(media["caption"], field=f"{kind}.caption", maximum=CAPTION_MAX, required=False)


def _check_location(location: Mapping[str, Any]) -> None:
    for key, bound in (("latitude", 90), ("longitude", 180)):
        value = location.get(key)
        if not isinstance(value, int | float) or not -bound <= value <= bound:
            raise _invalid(_("`location.%(key)s` must be a number within ±%(bound)d.") % {"key": key, "bound": bound})


def _check_interactive(interactive: Mapping[str, Any]) -> None:
    kind = interactive.get("type")
    body = interactive.get("body")
    if not isinstance(body, Mapping):
        raise _invalid(_("`interactive.body` must be an object with `text`."))
    action = interactive.get("action")
    if not isinstance(action, Mapping):
        raise _invalid(_("`interactive.action` must be an object."))
    if kind == "button":
        _text(body.get("text"), field="interactive.body.text", maximum=1024)
        buttons = action.get("buttons")
        if not isinstance(buttons, list) or not 1 <= len(buttons) <= 3:
            raise _invalid(_("Reply buttons: 1 to 3 buttons."))
        titles = [_text((b.get("reply") or {}).get("title"), field="button title", maximum=20) for b in buttons]
        if len(set(titles)) != len(titles):
            raise _invalid(_("Reply buttons need different titles."))
    elif kind == "list":
        _text(body.get("text"), field="interactive.body.text", maximum=4096)
        _text(action.get("button"), field="interactive.action.button", maximum=20)
        sections = action.get("sections")
        if not isinstance(sections, list) or not 1 <= len(sections) <= 10:
            raise _invalid(_("A list has 1 to 10 sections."))
        rows = [row for section in sections for row in (section.get("rows") or [])]
        if not 1 <= len(rows) <= 10:
            raise _invalid(_("A list has 1 to 10 rows in all."))
        for row in rows:
            _text(row.get("title"), field="row title", maximum=24)
            _text(row.get("description"), field="row description", maximum=72, required=False)
    else:
        raise _invalid(_("`interactive.type` must be `button` or `list`."))


def _check_template(template: Mapping[str, Any]) -> None:
    _text(template.get("name"), field="template.name", maximum=512)
    language = template.get("language")
    if not isinstance(language, Mapping) or not isinstance(language.get("code"), str) or not language["code"]:
        raise _invalid(_('`template.language.code` is required, e.g. "en_US".'))
    components = template.get("components", [])
    if not isinstance(components, list) or not all(isinstance(c, Mapping) for c in components):
        raise _invalid(_("`template.components` must be a list of objects."))


def validate(payload: Any) -> dict[str, Any]:
    """The message to send, as the Cloud API takes it (without the recipient), or a ServiceError."""
    if not isinstance(payload, Mapping):
        raise _invalid(_("The message must be a JSON object."))
    kind = payload.get("type")
    if kind not in SENDABLE:
        raise _invalid(_("`type` must be one of: %(types)s.") % {"types": ", ".join(SENDABLE)})
    message: dict[str, Any] = {"type": kind}
    if kind == "contacts":
        contacts = payload.get("contacts")
        if not isinstance(contacts, list) or not contacts:
            raise _invalid(_("`contacts` must be a non-empty list."))
        message["contacts"] = contacts
    else:
        body = _object(payload, kind)
        if kind == "text":
            _text(body.get("body"), field="text.body", maximum=TEXT_MAX)
        elif kind in MEDIA_TYPES:
            _check_media(kind, body)
        elif kind == "location":
            _check_location(body)
        elif kind == "interactive":
            _check_interactive(body)
        elif kind == "reaction":
            _text(body.get("message_id"), field="reaction.message_id", maximum=256)
            if not isinstance(body.get("emoji", ""), str):
                raise _invalid(_("`reaction.emoji` must be a string (empty removes the reaction)."))
        else:
            _check_template(body)
        message[kind] = body
    context = payload.get("context")
    if context is not None:
        if kind == "reaction":
            raise _invalid(_("A reaction can't quote a message (`context`)."))
        if not isinstance(context, Mapping) or not isinstance(context.get("message_id"), str):
            raise _invalid(_("`context.message_id` must be the id of the message you reply to."))
        message["context"] = {"message_id": context["message_id"]}
    return message


def referenced_message_id(message: Mapping[str, Any]) -> str:
    """The provider id of the message this one quotes or reacts to; empty when none."""
    if message["type"] == "reaction":
        return str(message["reaction"]["message_id"])
    return str((message.get("context") or {}).get("message_id", ""))


def _fill(text: str, parameters: list[Any]) -> str:
    values = {str(i + 1): p for i, p in enumerate(parameters)}
    named = {str(p.get("parameter_name")): p for p in parameters if isinstance(p, Mapping) and p.get("parameter_name")}

    def value(match: re.Match[str]) -> str:
        parameter = named.get(match[1]) or values.get(match[1])
        if isinstance(parameter, Mapping):
            if parameter.get("type") == "currency":
                return str((parameter.get("currency") or {}).get("fallback_value", match[0]))
            return str(parameter.get("text", match[0]))
        return match[0]

    return _PLACEHOLDER.sub(value, text)


def display_text(message: Mapping[str, Any], *, template: Mapping[str, Any] | None = None) -> str:
    """What the thread shows for a message we send; a template's body with its parameters filled in."""
    kind = message["type"]
    body = message.get(kind) if isinstance(message.get(kind), Mapping) else {}
    assert isinstance(body, Mapping)
    if kind == "text":
        return str(body["body"])
    if kind in CAPTIONED:
        return str(body.get("caption", ""))
    if kind == "reaction":
        return str(body.get("emoji", ""))
    if kind == "interactive":
        return str((body.get("body") or {}).get("text", ""))
    if kind == "location":
        return str(body.get("name") or body.get("address") or "")
    if kind == "template" and template is not None:
        components = template.get("components") or []
        text = next((str(c.get("text", "")) for c in components if str(c.get("type", "")).upper() == "BODY"), "")
        given: Mapping[str, Any] = next(
            (c for c in body.get("components") or [] if str(c.get("type", "")).lower() == "body"), {}
        )
        return _fill(text, list(given.get("parameters") or []))
    return ""
