"""Message templates the simulator knows (registered through `/_sim/templates` in Meta's creation
shape, whatsapp-cloud-api.md §6) and the checks a template send passes: 132001, 132015, 132016,
132000 and friends."""

from __future__ import annotations

import re
import secrets
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from whatsapp.simulator.errors import GraphError

NAME_PATTERN = re.compile(r"[a-z0-9_]{1,512}")
PLACEHOLDER = re.compile(r"\{\{\s*([A-Za-z0-9_]+)\s*\}\}")
CATEGORIES = frozenset({"MARKETING", "UTILITY", "AUTHENTICATION"})
STATUSES = frozenset(
    {
        "APPROVED", "PENDING", "REJECTED", "PAUSED", "DISABLED", "IN_APPEAL", "PENDING_DELETION", "LIMIT_EXCEEDED",
        "DELETED", "FLAGGED", "REINSTATED", "LOCKED", "ARCHIVED", "UNARCHIVED",
    }
)  # fmt: skip
MEDIA_HEADER_FORMATS = frozenset({"IMAGE", "VIDEO", "DOCUMENT", "LOCATION", "GIF"})
# What Meta writes in an authentication template's body, whose text the business does not choose.
AUTHENTICATION_BODY = "*{{1}}* is your verification code."
BODY_MAX_CHARACTERS = 1024


class TemplateDefinitionError(ValueError):
    """A template registration that Meta's creation endpoint would refuse."""


@dataclass(frozen=True)
class Template:
    id: str
    name: str
    language: str
    status: str
    category: str
    parameter_format: str
    components: list[dict[str, Any]]
    # None: usable by any number (the simulator then does not model which WABA owns it).
    waba_id: str | None = None

    def component(self, kind: str) -> dict[str, Any] | None:
        return next((c for c in self.components if str(c.get("type", "")).upper() == kind), None)

    def text_of(self, kind: str) -> str:
        component = self.component(kind)
        text = str(component.get("text") or "") if component else ""
        if kind == "BODY" and not text and self.category == "AUTHENTICATION":
            return AUTHENTICATION_BODY
        return text

    def as_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "waba_id": self.waba_id,
            "name": self.name,
            "language": self.language,
            "status": self.status,
            "category": self.category,
            "parameter_format": self.parameter_format,
            "components": self.components,
        }


def template_from_definition(definition: dict[str, Any]) -> Template:
    """A template from Meta's creation body plus `status` (default APPROVED) and optional `waba_id`."""
    name = definition.get("name")
    if not isinstance(name, str) or not NAME_PATTERN.fullmatch(name):
        raise TemplateDefinitionError("'name' must be lowercase letters, digits and underscores (≤512)")
    language = definition.get("language")
    if not isinstance(language, str) or not language:
        raise TemplateDefinitionError("'language' is required, e.g. \"en_US\"")
    status = str(definition.get("status") or "APPROVED").upper()
    if status not in STATUSES:
        raise TemplateDefinitionError(f"'status' must be one of {', '.join(sorted(STATUSES))}")
    category = str(definition.get("category") or "").upper()
    if category not in CATEGORIES:
        raise TemplateDefinitionError(f"'category' must be one of {', '.join(sorted(CATEGORIES))}")
    parameter_format = str(definition.get("parameter_format") or "POSITIONAL").upper()
    if parameter_format not in {"POSITIONAL", "NAMED"}:
        raise TemplateDefinitionError("'parameter_format' must be POSITIONAL or NAMED")
    components = definition.get("components")
    if not isinstance(components, list) or not all(isinstance(c, dict) and "type" in c for c in components):
        raise TemplateDefinitionError("'components' must be a list of objects with a 'type'")
    if not any(str(c["type"]).upper() == "BODY" for c in components):
        raise TemplateDefinitionError("a template needs a BODY component")
    waba_id = definition.get("waba_id")
    return Template(
        id=str(10**14 + secrets.randbelow(9 * 10**14)),
        name=name,
        language=language,
        status=status,
        category=category,
        parameter_format=parameter_format,
        components=components,
        waba_id=str(waba_id) if waba_id else None,
    )


class TemplateStore:
    """Templates by (WABA, name, language); registering the same key again replaces it."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._templates: dict[tuple[str | None, str, str], Template] = {}

    def register(self, template: Template) -> None:
        with self._lock:
            self._templates[(template.waba_id, template.name, template.language)] = template

    def find(self, *, name: str, language: str, waba_id: str | None) -> Template | None:
        """The template a number of `waba_id` (None: not known) may send."""
        with self._lock:
            for template in self._templates.values():
                owned = waba_id is None or template.waba_id in {None, waba_id}
                if owned and (template.name, template.language) == (name, language):
                    return template
        return None

    def all(self) -> list[Template]:
        with self._lock:
            return list(self._templates.values())

    def clear(self) -> None:
        with self._lock:
            self._templates.clear()


# Sending


def check_template_send(template: Template | None, *, name: str, language: str, components: list[Any]) -> None:
    """Raise the GraphError Meta answers to this template send, if any."""
    if template is None or template.status not in {"APPROVED", "PAUSED", "DISABLED"}:
        raise GraphError(
            132001,
            "Template name does not exist in the translation",
            http_status=404,
            details=f"template name ({name}) does not exist in {language}",
        )
    if template.status == "PAUSED":
        raise GraphError(
            132015,
            "Template is Paused",
            details=f"Template {name} is paused due to low quality so it cannot be sent in a template message.",
        )
    if template.status == "DISABLED":
        raise GraphError(
            132016,
            "Template is disabled",
            details=f"Template {name} has been paused too many times due to low quality and is now "
            "permanently disabled.",
        )
    given = {_kind(c): c for c in components if _kind(c) in {"header", "body"}}
    _check_header(template, given.get("header"))
    _check_text_parameters(template, "body", given.get("body"))
    _check_buttons(template, [c for c in components if _kind(c) == "button"])
    body = render_text(template.text_of("BODY"), template, _parameters(given.get("body")))
    if len(body) > BODY_MAX_CHARACTERS:
        raise GraphError(132005, "Translated text too long", details="Translated text is too long.")


def _kind(component: Any) -> str:
    return str(component.get("type", "")).lower() if isinstance(component, dict) else ""


def _parameters(component: dict[str, Any] | None) -> list[dict[str, Any]]:
    parameters = component.get("parameters") if component else None
    return [p for p in parameters if isinstance(p, dict)] if isinstance(parameters, list) else []


def _placeholders(text: str) -> list[str]:
    """Distinct placeholder names in order of appearance: a repeated {{1}} takes one parameter."""
    return list(dict.fromkeys(PLACEHOLDER.findall(text)))


def _count_mismatch(where: str, given: int, expected: int) -> GraphError:
    return GraphError(
        132000,
        "Number of parameters does not match the expected number of params",
        details=f"{where}: number of localizable_params ({given}) does not match the expected number "
        f"of params ({expected})",
    )


def _check_header(template: Template, sent: dict[str, Any] | None) -> None:
    header = template.component("HEADER")
    header_format = str(header.get("format") or "TEXT").upper() if header else "TEXT"
    if header is not None and header_format in MEDIA_HEADER_FORMATS:
        parameters = _parameters(sent)
        received = str(parameters[0].get("type", "UNKNOWN")).upper() if parameters else "UNKNOWN"
        expected = "IMAGE" if header_format == "GIF" else header_format
        if received != expected:
            raise GraphError(
                132012,
                "Parameter format does not match format in the created template",
                details=f"header: Format mismatch, expected {expected}, received {received}",
            )
        return
    _check_text_parameters(template, "header", sent)


def _check_text_parameters(template: Template, kind: str, sent: dict[str, Any] | None) -> None:
    expected = _placeholders(template.text_of(kind.upper()))
    parameters = _parameters(sent)
    if len(parameters) != len(expected):
        raise _count_mismatch(kind, len(parameters), len(expected))
    if template.parameter_format == "NAMED":
        names = [str(p.get("parameter_name") or "") for p in parameters]
        if sorted(names) != sorted(expected):
            raise GraphError(
                132000,
                "Number of parameters does not match the expected number of params",
                details=f"{kind}: parameter names ({', '.join(names)}) do not match the template's "
                f"({', '.join(expected)})",
            )


def _expected_button_parameters(template: Template) -> dict[int, str]:
    """Index → sub_type of the buttons that need a parameter at send time."""
    component = template.component("BUTTONS")
    buttons = component.get("buttons") if component else None
    expected: dict[int, str] = {}
    for index, button in enumerate(buttons if isinstance(buttons, list) else []):
        kind = str(button.get("type", "")).upper() if isinstance(button, dict) else ""
        if (kind == "URL" and PLACEHOLDER.search(str(button.get("url", "")))) or kind == "OTP":
            expected[index] = "url"
        elif kind == "COPY_CODE":
            expected[index] = "copy_code"
    return expected


def _check_buttons(template: Template, sent: list[dict[str, Any]]) -> None:
    by_index: dict[int, dict[str, Any]] = {}
    for component in sent:
        try:
            by_index[int(component.get("index", -1))] = component
        except (TypeError, ValueError):
            raise GraphError(
                131009, "Parameter value is not valid", details="buttons: index must be a number"
            ) from None
    for index, sub_type in _expected_button_parameters(template).items():
        parameters = _parameters(by_index.get(index))
        if not parameters:
            raise GraphError(
                131008,
                "Required parameter is missing",
                details=f"buttons: Button at index {index} of type {sub_type.title().replace('_', '')} "
                "requires a parameter",
            )
        if len(parameters) != 1:
            raise _count_mismatch("buttons", len(parameters), 1)


# Rendering, for the customer's phone


def parameter_text(parameter: dict[str, Any]) -> str:
    kind = str(parameter.get("type", "text"))
    value = parameter.get(kind)
    if kind == "text":
        return str(value or "")
    if kind in {"currency", "date_time"} and isinstance(value, dict):
        return str(value.get("fallback_value") or "")
    if kind in {"payload", "coupon_code"}:
        return str(value or "")
    return f"[{kind}]"


def render_text(text: str, template: Template, parameters: list[dict[str, Any]]) -> str:
    """`text` with its placeholders filled in from the send's parameters (left as is when missing)."""
    if template.parameter_format == "NAMED":
        values = {str(p.get("parameter_name")): parameter_text(p) for p in parameters}
    else:
        values = {str(index): parameter_text(p) for index, p in enumerate(parameters, start=1)}
    fill: Callable[[re.Match[str]], str] = lambda match: values.get(match.group(1), match.group(0))  # noqa: E731
    return PLACEHOLDER.sub(fill, text)


def render(template: Template, components: list[Any]) -> dict[str, Any]:
    """The template as the customer sees it: header, body and footer text, and its buttons."""
    given = {_kind(c): c for c in components if isinstance(c, dict)}
    buttons_component = template.component("BUTTONS")
    buttons = buttons_component.get("buttons") if buttons_component else None
    return {
        "header": render_text(template.text_of("HEADER"), template, _parameters(given.get("header"))),
        "body": render_text(template.text_of("BODY"), template, _parameters(given.get("body"))),
        "footer": template.text_of("FOOTER"),
        "buttons": [b for b in buttons if isinstance(b, dict)] if isinstance(buttons, list) else [],
    }
