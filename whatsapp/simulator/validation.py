"""The shape of a send (`POST /{phone-number-id}/messages`, whatsapp-cloud-api.md §4): the common
fields, each type's object and its limits. A bad body raises the GraphError Meta would answer."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from whatsapp.simulator.errors import GraphError

TO_PATTERN = re.compile(r"\+?[0-9]{1,15}")
# Business-scoped user ids: US.13491208655302741918, or US.ENT.… for a parent id.
BSUID_PATTERN = re.compile(r"[A-Z]{2}\.(ENT\.)?[A-Za-z0-9]+")
MEDIA_TYPES = ("image", "video", "audio", "document", "sticker")
CAPTIONED_MEDIA = frozenset({"image", "video", "document"})
MESSAGE_TYPES = ("text", *MEDIA_TYPES, "location", "contacts", "interactive", "reaction", "template")
INTERACTIVE_TYPES = frozenset(
    {
        "button", "list", "cta_url", "flow", "product", "product_list", "catalog_message",
        "location_request_message", "address_message", "call_permission_request", "voice_call",
    }
)  # fmt: skip
TEMPLATE_COMPONENT_TYPES = frozenset({"header", "body", "button", "footer", "carousel", "limited_time_offer"})

TEXT_MAX = 4096
CAPTION_MAX = 1024
CALLBACK_DATA_MAX = 512


@dataclass(frozen=True)
class SendRequest:
    """A valid send: its type, the `to` or `recipient` as given, and the digits of `to`."""

    kind: str
    input: str
    # The phone number's digits; None when sent to a business-scoped user id.
    wa_id: str | None
    user_id: str | None
    body: dict[str, Any]


def missing(path: str) -> GraphError:
    return GraphError(131008, "Required parameter is missing", details=f"The parameter {path} is required.")


def invalid(details: str) -> GraphError:
    return GraphError(131009, "Parameter value is not valid", details=details)


def too_long(path: str, limit: int) -> GraphError:
    return GraphError(100, f"Param {path} must be at most {limit} characters long.")


def check_messaging_product(body: dict[str, Any]) -> None:
    product = body.get("messaging_product")
    if product is None:
        raise GraphError(100, "The parameter messaging_product is required.")
    if product != "whatsapp":
        raise GraphError(100, f'Param messaging_product must be one of {{WHATSAPP}} - got "{product}".')


def validate_send(
    body: dict[str, Any], *, media_exists: Callable[[str], bool], message_exists: Callable[[str], bool]
) -> SendRequest:
    """The send request, or the GraphError for the first problem found, in Meta's order: the
    Graph parameters (100), then the message object (131008 missing, 131009 invalid)."""
    check_messaging_product(body)
    recipient_type = body.get("recipient_type", "individual")
    if recipient_type != "individual":
        raise GraphError(100, f'Param recipient_type must be one of {{INDIVIDUAL}} - got "{recipient_type}".')
    input_, wa_id, user_id = _recipient(body)
    # Meta's default when `type` is left out.
    kind = body.get("type", "text")
    if kind not in MESSAGE_TYPES:
        raise GraphError(
            100, f'Param type must be one of {{{", ".join(t.upper() for t in MESSAGE_TYPES)}}} - got "{kind}".'
        )
    callback_data = body.get("biz_opaque_callback_data")
    if callback_data is not None and (not isinstance(callback_data, str) or len(callback_data) > CALLBACK_DATA_MAX):
        raise too_long("biz_opaque_callback_data", CALLBACK_DATA_MAX)
    _check_context(body, kind)
    content = body.get(kind)
    if kind == "contacts":
        _check_contacts(content)
    elif not isinstance(content, dict):
        raise missing(kind)
    elif kind == "text":
        _check_text(content)
    elif kind in MEDIA_TYPES:
        _check_media(kind, content, media_exists)
    elif kind == "location":
        _check_location(content)
    elif kind == "interactive":
        _check_interactive(content)
    elif kind == "reaction":
        _check_reaction(content, message_exists)
    else:
        _check_template(content)
    return SendRequest(kind=kind, input=input_, wa_id=wa_id, user_id=user_id, body=body)


def _recipient(body: dict[str, Any]) -> tuple[str, str | None, str | None]:
    to = body.get("to")
    if to is None:
        recipient = body.get("recipient")
        if recipient is None:
            raise GraphError(100, "The parameter to is required.")
        if not isinstance(recipient, str) or not BSUID_PATTERN.fullmatch(recipient):
            raise GraphError(100, "Invalid parameter", details="Param recipient must be a business-scoped user id.")
        return recipient, None, recipient
    if not isinstance(to, str) or not TO_PATTERN.fullmatch(to):
        raise GraphError(
            100, "Invalid parameter", details="Param to must be a phone number: digits, with an optional leading +."
        )
    return to, to.removeprefix("+"), None


def _check_context(body: dict[str, Any], kind: str) -> None:
    context = body.get("context")
    if context is None:
        return
    if kind == "reaction":
        raise invalid("A reaction cannot quote a message: remove context.")
    if not isinstance(context, dict) or not isinstance(context.get("message_id"), str):
        raise missing("context['message_id']")


def _text(content: dict[str, Any], key: str, path: str, *, required: bool = False, limit: int) -> str:
    value = content.get(key)
    if value is None or value == "":
        if required:
            raise missing(path)
        return ""
    if not isinstance(value, str):
        raise invalid(f"{path} must be a string.")
    if len(value) > limit:
        raise too_long(path, limit)
    return value


def _check_text(text: dict[str, Any]) -> None:
    _text(text, "body", "text['body']", required=True, limit=TEXT_MAX)
    if "preview_url" in text and not isinstance(text["preview_url"], bool):
        raise invalid("text['preview_url'] must be true or false.")


def _check_media(kind: str, media: dict[str, Any], media_exists: Callable[[str], bool]) -> None:
    media_id, link = media.get("id"), media.get("link")
    if media_id is None and link is None:
        raise missing(f"{kind}['id'] or {kind}['link']")
    if media_id is not None and link is not None:
        raise invalid(f"Give {kind}['id'] or {kind}['link'], not both.")
    if media_id is not None and not (isinstance(media_id, str) and media_exists(media_id)):
        raise invalid(f"{kind}['id'] is not a valid media id: upload the file first (POST /{{phone-number-id}}/media).")
    if link is not None and not (isinstance(link, str) and re.match(r"https?://\S+$", link)):
        raise invalid(f"{kind}['link'] must be an http(s) URL.")
    if kind in CAPTIONED_MEDIA:
        _text(media, "caption", f"{kind}['caption']", limit=CAPTION_MAX)
    elif "caption" in media:
        raise invalid(f"{kind} messages have no caption.")
    if kind == "document":
        _text(media, "filename", "document['filename']", limit=240)


def _check_location(location: dict[str, Any]) -> None:
    for key, bound in (("latitude", 90), ("longitude", 180)):
        value = location.get(key)
        if value is None:
            raise missing(f"location['{key}']")
        try:
            number = float(value)
        except (TypeError, ValueError):
            raise invalid(f"location['{key}'] must be a number.") from None
        if not -bound <= number <= bound:
            raise invalid(f"location['{key}'] must be between -{bound} and {bound}.")


def _check_contacts(contacts: object) -> None:
    if not isinstance(contacts, list) or not contacts:
        raise missing("contacts")
    for index, contact in enumerate(contacts):
        name = contact.get("name") if isinstance(contact, dict) else None
        if not isinstance(name, dict) or not name.get("formatted_name"):
            raise missing(f"contacts[{index}]['name']['formatted_name']")


def _check_interactive(interactive: dict[str, Any]) -> None:
    kind = interactive.get("type")
    if kind is None:
        raise missing("interactive['type']")
    if kind not in INTERACTIVE_TYPES:
        raise invalid(f"interactive['type'] {kind!r} is not an interactive message type.")
    footer = interactive.get("footer")
    if isinstance(footer, dict):
        _text(footer, "text", "interactive['footer']['text']", limit=60)
    if kind not in {"button", "list", "cta_url"}:
        return
    body = interactive.get("body")
    if not isinstance(body, dict):
        raise missing("interactive['body']")
    _text(body, "text", "interactive['body']['text']", required=True, limit=1024 if kind != "list" else 4096)
    action = interactive.get("action")
    if not isinstance(action, dict):
        raise missing("interactive['action']")
    _check_interactive_header(kind, interactive.get("header"))
    if kind == "button":
        _check_reply_buttons(action)
    elif kind == "list":
        _check_list(action)
    else:
        _check_cta_url(action)


def _check_interactive_header(kind: str, header: object) -> None:
    if header is None:
        return
    allowed = {"text"} if kind == "list" else {"text", "image", "video", "document"}
    header_type = header.get("type") if isinstance(header, dict) else None
    if header_type not in allowed:
        raise invalid(f"interactive['header']['type'] must be one of {', '.join(sorted(allowed))}.")
    if header_type == "text":
        assert isinstance(header, dict)
        _text(header, "text", "interactive['header']['text']", required=True, limit=60)


def _length_between(value: object, path: str, minimum: int, maximum: int, what: str) -> None:
    if not isinstance(value, str) or not minimum <= len(value) <= maximum:
        raise invalid(f"{what} length invalid. Min length: {minimum}, Max length: {maximum} ({path}).")


def _check_reply_buttons(action: dict[str, Any]) -> None:
    buttons = action.get("buttons")
    if not isinstance(buttons, list) or not buttons:
        raise missing("interactive['action']['buttons']")
    if len(buttons) > 3:
        raise invalid("Number of buttons invalid. Min: 1, Max: 3.")
    titles, ids = [], []
    for index, button in enumerate(buttons):
        reply = button.get("reply") if isinstance(button, dict) else None
        if not isinstance(button, dict) or button.get("type") != "reply" or not isinstance(reply, dict):
            raise invalid(f'interactive[\'action\'][\'buttons\'][{index}] must be {{"type": "reply", "reply": …}}.')
        _length_between(reply.get("title"), f"buttons[{index}]", 1, 20, "Button title")
        _length_between(reply.get("id"), f"buttons[{index}]", 1, 256, "Button id")
        titles.append(reply["title"])
        ids.append(reply["id"])
    if len(set(titles)) != len(titles):
        raise invalid("Button titles must be unique.")
    if len(set(ids)) != len(ids):
        raise invalid("Button ids must be unique.")


def _check_list(action: dict[str, Any]) -> None:
    _length_between(action.get("button"), "action['button']", 1, 20, "Button label")
    sections = action.get("sections")
    if not isinstance(sections, list) or not sections:
        raise missing("interactive['action']['sections']")
    if len(sections) > 10:
        raise invalid("Number of sections invalid. Min: 1, Max: 10.")
    rows = 0
    row_ids: list[str] = []
    for index, section in enumerate(sections):
        if not isinstance(section, dict) or not isinstance(section.get("rows"), list) or not section["rows"]:
            raise missing(f"interactive['action']['sections'][{index}]['rows']")
        if len(sections) > 1 or "title" in section:
            _length_between(section.get("title"), f"sections[{index}]", 1, 24, "Section title")
        for row_index, row in enumerate(section["rows"]):
            where = f"sections[{index}]['rows'][{row_index}]"
            if not isinstance(row, dict):
                raise invalid(f"{where} must be an object.")
            _length_between(row.get("id"), where, 1, 200, "Row id")
            _length_between(row.get("title"), where, 1, 24, "Row title")
            if "description" in row:
                _length_between(row["description"], where, 0, 72, "Row description")
            row_ids.append(row["id"])
            rows += 1
    if rows > 10:
        raise invalid("Total row count exceeded. Max: 10.")
    if len(set(row_ids)) != len(row_ids):
        raise invalid("Row ids must be unique.")


def _check_cta_url(action: dict[str, Any]) -> None:
    parameters = action.get("parameters")
    if action.get("name") != "cta_url" or not isinstance(parameters, dict):
        raise invalid('interactive[\'action\'] must be {"name": "cta_url", "parameters": {…}}.')
    _length_between(parameters.get("display_text"), "action['parameters']", 1, 20, "Display text")
    url = parameters.get("url")
    if not isinstance(url, str) or not re.match(r"https?://\S+$", url):
        raise invalid("interactive['action']['parameters']['url'] must be an http(s) URL.")


def _check_reaction(reaction: dict[str, Any], message_exists: Callable[[str], bool]) -> None:
    message_id = reaction.get("message_id")
    if not message_id:
        raise missing("reaction['message_id']")
    if not isinstance(message_id, str) or not message_exists(message_id):
        raise invalid("reaction['message_id'] is not a message of this chat.")
    emoji = reaction.get("emoji", "")
    if not isinstance(emoji, str) or len(emoji) > 10:
        raise invalid("reaction['emoji'] must be one emoji, or empty to remove the reaction.")


def _check_template(template: dict[str, Any]) -> None:
    if not template.get("name"):
        raise missing("template['name']")
    language = template.get("language")
    if not isinstance(language, dict) or not language.get("code"):
        raise missing("template['language']['code']")
    components = template.get("components", [])
    if not isinstance(components, list):
        raise GraphError(100, "Param template['components'] must be an array.")
    for index, component in enumerate(components):
        if not isinstance(component, dict) or str(component.get("type", "")).lower() not in TEMPLATE_COMPONENT_TYPES:
            raise invalid(f"template['components'][{index}]['type'] is not a component type.")
        parameters = component.get("parameters", [])
        if not isinstance(parameters, list) or not all(isinstance(p, dict) and "type" in p for p in parameters):
            raise invalid(f"template['components'][{index}]['parameters'] must be objects with a 'type'.")
