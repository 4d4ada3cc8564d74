"""What the customer's phone shows of a message: a line of text, and the replies it offers
(reply buttons, list rows, template quick replies) as the messages tapping them would send."""

from __future__ import annotations

from typing import Any

from whatsapp.simulator.templates import Template, render


def outbound_preview(
    body: dict[str, Any], *, template: Template | None, message_id: str, business_number: str
) -> dict[str, Any]:
    kind = str(body.get("type", "text"))
    content = body.get(kind)
    content = content if isinstance(content, dict) else {}
    context = {"from": business_number, "id": message_id}
    choices: list[dict[str, Any]] = []
    if kind == "text":
        text = str(content.get("body", ""))
    elif kind in {"image", "video", "audio", "document", "sticker"}:
        label = content.get("filename") if kind == "document" else None
        text = " ".join(part for part in (f"[{kind}]", str(label or ""), str(content.get("caption") or "")) if part)
    elif kind == "location":
        text = "📍 " + str(content.get("name") or f"{content.get('latitude')}, {content.get('longitude')}")
    elif kind == "contacts":
        names = [str(c.get("name", {}).get("formatted_name", "")) for c in body.get("contacts") or []]
        text = "👤 " + ", ".join(names)
    elif kind == "reaction":
        emoji = content.get("emoji")
        text = f"reacted {emoji}" if emoji else "removed a reaction"
    elif kind == "interactive":
        text, choices = _interactive(content, context)
    elif kind == "template":
        text, choices = _template(content, template, context)
    else:
        text = f"[{kind}]"
    return {"text": text, "choices": choices}


def inbound_preview(message: dict[str, Any]) -> dict[str, Any]:
    kind = str(message.get("type", ""))
    content = message.get(kind)
    content = content if isinstance(content, dict) else {}
    if kind == "text":
        text = str(content.get("body", ""))
    elif kind == "interactive":
        reply = content.get("button_reply") or content.get("list_reply") or {}
        text = str(reply.get("title", "")) if isinstance(reply, dict) else ""
    elif kind == "button":
        text = str(content.get("text", ""))
    elif kind == "reaction":
        text = f"reacted {content.get('emoji') or ''}".strip()
    elif kind == "system":
        text = str(content.get("body", ""))
    else:
        text = " ".join(part for part in (f"[{kind}]", str(content.get("caption") or "")) if part)
    return {"text": text, "choices": []}


def _interactive(content: dict[str, Any], context: dict[str, str]) -> tuple[str, list[dict[str, Any]]]:
    body = content.get("body")
    text = str(body.get("text", "")) if isinstance(body, dict) else ""
    action = content.get("action") if isinstance(content.get("action"), dict) else {}
    assert isinstance(action, dict)
    choices: list[dict[str, Any]] = []
    if content.get("type") == "button":
        for button in action.get("buttons") or []:
            reply = button.get("reply") or {}
            choices.append(
                _choice(
                    str(reply.get("title", "")),
                    context,
                    {"type": "interactive", "interactive": {"type": "button_reply", "button_reply": reply}},
                )
            )
    elif content.get("type") == "list":
        for section in action.get("sections") or []:
            for row in section.get("rows") or []:
                list_reply = {key: row[key] for key in ("id", "title", "description") if key in row}
                choices.append(
                    _choice(
                        str(row.get("title", "")),
                        context,
                        {"type": "interactive", "interactive": {"type": "list_reply", "list_reply": list_reply}},
                    )
                )
    elif content.get("type") == "cta_url":
        parameters = action.get("parameters") or {}
        text += f"\n🔗 {parameters.get('display_text', '')}: {parameters.get('url', '')}"
    return text, choices


def _template(
    content: dict[str, Any], template: Template | None, context: dict[str, str]
) -> tuple[str, list[dict[str, Any]]]:
    if template is None:
        return f"[template {content.get('name')}]", []
    components = content.get("components") or []
    rendered = render(template, components)
    text = "\n".join(part for part in (rendered["header"], rendered["body"], rendered["footer"]) if part)
    choices: list[dict[str, Any]] = []
    for index, button in enumerate(rendered["buttons"]):
        label = str(button.get("text", ""))
        if str(button.get("type", "")).upper() != "QUICK_REPLY":
            text += f"\n[{label}]"
            continue
        payload = _quick_reply_payload(components, index) or label
        choices.append(_choice(label, context, {"type": "button", "button": {"payload": payload, "text": label}}))
    return text, choices


def _quick_reply_payload(components: list[Any], index: int) -> str | None:
    for component in components:
        if isinstance(component, dict) and str(component.get("index")) == str(index):
            for parameter in component.get("parameters") or []:
                if isinstance(parameter, dict) and parameter.get("type") == "payload":
                    return str(parameter.get("payload"))
    return None


def _choice(label: str, context: dict[str, str], message: dict[str, Any]) -> dict[str, Any]:
    return {"label": label, "message": {"context": context, **message}}
