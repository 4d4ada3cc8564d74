"""Message templates the simulator knows, created through Graph (`template_api`) or registered
through `/_sim/templates` in Meta's creation shape (whatsapp-cloud-api.md §6), and the checks a
template send passes: 132001, 132015, 132016, 132000 and friends."""

from __future__ import annotations

import dataclasses
import re
import secrets
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from whatsapp.simulator.errors import GraphError
from whatsapp.simulator.rules import SlidingWindow

NAME_PATTERN = re.compile(r"[a-z0-9_]{1,512}")
PLACEHOLDER = re.compile(r"\{\{\s*([A-Za-z0-9_]+)\s*\}\}")
CATEGORIES = frozenset({"MARKETING", "UTILITY", "AUTHENTICATION"})
STATUSES = frozenset(
    {
        "APPROVED", "PENDING", "REJECTED", "PAUSED", "DISABLED", "IN_APPEAL", "PENDING_DELETION", "LIMIT_EXCEEDED",
        "DELETED", "FLAGGED", "REINSTATED", "LOCKED", "ARCHIVED", "UNARCHIVED",
    }
)  # fmt: skip
# Deleted templates stay known (by id, and to hold their name for 30 days) but are gone for sends.
DELETED_STATUSES = frozenset({"DELETED", "PENDING_DELETION"})
# FLAGGED (at risk of being disabled) and LOCKED (can't be edited) templates are still approved
# for sending, as Meta describes those events; every status not listed here answers 132001.
SENDABLE_STATUSES = frozenset({"APPROVED", "FLAGGED", "LOCKED"})
MEDIA_HEADER_FORMATS = frozenset({"IMAGE", "VIDEO", "DOCUMENT", "LOCATION", "GIF"})
# What Meta writes in an authentication template's body, whose text the business does not choose.
AUTHENTICATION_BODY = "*{{1}}* is your verification code."
BODY_MAX_CHARACTERS = 1024
CREATION_WINDOW_SECONDS = 3600


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
    # None: usable by any number and listed for every WABA (registered without one).
    waba_id: str | None = None
    created_at: float = 0.0
    # Its place in creation order: the Graph listing's order and its paging cursors.
    sequence: int = 0
    previous_category: str | None = None
    rejected_reason: str = "NONE"
    quality_score: str = "UNKNOWN"
    quality_updated_at: float | None = None
    message_send_ttl_seconds: int | None = None
    # Bumped by every edit: a review decides only the revision it was started for.
    revision: int = 0
    # When each edit made while it was APPROVED happened (Meta limits those).
    approved_edits: tuple[float, ...] = ()
    pause_count: int = 0
    # A deleted approved template holds its name and language until then.
    name_blocked_until: float | None = None

    @property
    def is_deleted(self) -> bool:
        return self.status in DELETED_STATUSES

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
            "quality_score": self.quality_score,
            "rejected_reason": self.rejected_reason,
        }


def new_template_id() -> str:
    """Digits, as long as Meta's (e.g. 594425479261596)."""
    return str(10**14 + secrets.randbelow(9 * 10**14))


def template_from_definition(definition: dict[str, Any], *, now: float = 0.0) -> Template:
    """A template from Meta's creation body plus `status` (default APPROVED) and optional `waba_id`.

    Only the shape is checked: the harness may register what Meta's review would refuse.
    """
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
        id=new_template_id(),
        name=name,
        language=language,
        status=status,
        category=category,
        parameter_format=parameter_format,
        components=components,
        waba_id=str(waba_id) if waba_id else None,
        created_at=now,
    )


class TemplateStore:
    """Every template by id, in creation order, deleted ones included (Meta keeps them too)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._templates: dict[str, Template] = {}
        self._next_sequence = 1
        self._creations = SlidingWindow()

    def _add(self, template: Template) -> Template:
        template = dataclasses.replace(template, sequence=self._next_sequence)
        self._next_sequence += 1
        self._templates[template.id] = template
        return template

    def register(self, template: Template) -> Template:
        """The harness's registration: it replaces a live template of the same WABA, name and language."""
        key = (template.waba_id, template.name, template.language)
        with self._lock:
            for old in list(self._templates.values()):
                if (old.waba_id, old.name, old.language) == key and not old.is_deleted:
                    del self._templates[old.id]
            return self._add(template)

    def create(self, template: Template, *, now: float, check: Callable[[list[Template], int], None]) -> Template:
        """Add a template created through Graph, after `check(waba_templates, creations_in_the_last_hour)`
        raises nothing; both run under one lock, so that two creations can't take the same name."""
        with self._lock:
            waba_templates = [t for t in self._templates.values() if t.waba_id in {None, template.waba_id}]
            recent = self._creations.count(template.waba_id, now=now, seconds=CREATION_WINDOW_SECONDS)
            check(waba_templates, recent)
            self._creations.add(template.waba_id, now=now)
            return self._add(template)

    def get(self, template_id: str) -> Template | None:
        with self._lock:
            return self._templates.get(template_id)

    def update(self, template_id: str, change: Callable[[Template], Template]) -> Template:
        """Replace the template with `change(template)`; whatever `change` raises leaves it as it was."""
        with self._lock:
            template = self._templates[template_id]
            changed = change(template)
            self._templates[template_id] = changed
            return changed

    def find(self, *, name: str, language: str, waba_id: str | None) -> Template | None:
        """The live template a number of `waba_id` (None: not known) may send."""
        with self._lock:
            for template in self._templates.values():
                owned = waba_id is None or template.waba_id in {None, waba_id}
                if owned and not template.is_deleted and (template.name, template.language) == (name, language):
                    return template
        return None

    def for_waba(self, waba_id: str) -> list[Template]:
        """The WABA's templates (and those registered without one), newest first."""
        with self._lock:
            return [t for t in reversed(self._templates.values()) if t.waba_id in {None, waba_id}]

    def all(self) -> list[Template]:
        with self._lock:
            return list(self._templates.values())

    def clear(self) -> None:
        with self._lock:
            self._templates.clear()


# Sending


def check_template_send(template: Template | None, *, name: str, language: str, components: list[Any]) -> None:
    """Raise the GraphError Meta answers to this template send, if any."""
    if template is None or template.status not in {*SENDABLE_STATUSES, "PAUSED", "DISABLED"}:
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
