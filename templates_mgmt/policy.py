"""Rules for message templates, as pure functions over Meta's plain shapes.

What a send must fill in and whether its parameters fit (used by the sender), and a lint of a
template-creation body before it goes to Meta's review, with a preview of how it will read.
Plain values in, sentences out (the lint's in the active language); no database, no I/O.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from itertools import pairwise
from typing import Any, Literal, TypedDict
from urllib.parse import urlsplit

import phonenumbers
from django.utils.translation import get_language, gettext_lazy, override
from django.utils.translation import gettext as _

_PLACEHOLDER = re.compile(r"\{\{\s*([A-Za-z0-9_]+)\s*\}\}")
MEDIA_HEADER_FORMATS = frozenset({"IMAGE", "VIDEO", "DOCUMENT", "LOCATION"})


@dataclass(frozen=True)
class Slot:
    """Where a send must put parameters: a component (and button index), and what it expects."""

    component: str  # "header", "body" or "button"
    index: int | None  # the button's index
    names: tuple[str, ...]  # placeholder names ("1", "2" or "first_name"); empty for a media header
    media: str = ""  # the media header's format ("IMAGE"...), which takes one media parameter

    def describe(self) -> str:
        return f"button {self.index}" if self.component == "button" else f"the {self.component}"


def placeholders(text: str) -> tuple[str, ...]:
    return tuple(_PLACEHOLDER.findall(text or ""))


def template_slots(components: Sequence[Mapping[str, Any]]) -> list[Slot]:
    """The parameters a template asks for at send time, component by component."""
    slots = []
    for component in components:
        kind = str(component.get("type", "")).upper()
        if kind == "HEADER":
            header_format = str(component.get("format", "TEXT")).upper()
            if header_format in MEDIA_HEADER_FORMATS:
                slots.append(Slot("header", None, (), media=header_format))
            elif names := placeholders(str(component.get("text", ""))):
                slots.append(Slot("header", None, names))
        elif kind == "BODY":
            if names := placeholders(str(component.get("text", ""))):
                slots.append(Slot("body", None, names))
        elif kind == "BUTTONS":
            for index, button in enumerate(component.get("buttons") or []):
                button_type = str(button.get("type", "")).upper()
                if button_type == "URL" and (names := placeholders(str(button.get("url", "")))):
                    slots.append(Slot("button", index, names))
                elif button_type == "COPY_CODE":
                    slots.append(Slot("button", index, ("coupon_code",)))
    return slots


def _given(send_components: Sequence[Mapping[str, Any]], slot: Slot) -> list[Mapping[str, Any]] | None:
    for component in send_components:
        if str(component.get("type", "")).lower() != slot.component:
            continue
        if slot.component == "button" and str(component.get("index", "")) != str(slot.index):
            continue
        parameters = component.get("parameters")
        return list(parameters) if isinstance(parameters, list) else []
    return None


def _slot_problem(slot: Slot, given: list[Mapping[str, Any]] | None, *, named: bool) -> str | None:
    where = slot.describe()
    if given is None:
        return f"{where[0].upper()}{where[1:]} needs parameters and none were given."
    if slot.media:
        media_kind = slot.media.lower()
        if len(given) != 1 or str(given[0].get("type", "")).lower() != media_kind:
            return f"The header needs one {media_kind} parameter."
        return None
    if len(given) != len(slot.names):
        return f"{where[0].upper()}{where[1:]} needs {len(slot.names)} parameter(s); {len(given)} given."
    if any(p.get("type") == "text" and not str(p.get("text", "")).strip() for p in given):
        return f"A parameter of {where} is empty."
    if named and slot.component != "button":
        names = {str(p.get("parameter_name", "")) for p in given}
        missing = [name for name in slot.names if name not in names]
        if missing:
            return f"{where[0].upper()}{where[1:]} is missing {', '.join(missing)}."
    return None


def send_parameter_problems(
    *, components: Sequence[Mapping[str, Any]], parameter_format: str, send_components: Sequence[Mapping[str, Any]]
) -> list[str]:
    """Sentences saying what in a send's components does not fit the template; empty when all fit."""
    slots = template_slots(components)
    problems = [
        problem
        for slot in slots
        if (problem := _slot_problem(slot, _given(send_components, slot), named=parameter_format == "NAMED"))
    ]
    expected = {(slot.component, slot.index) for slot in slots}
    for component in send_components:
        kind = str(component.get("type", "")).lower()
        index = int(component["index"]) if kind == "button" and str(component.get("index", "")).isdigit() else None
        if component.get("parameters") and (kind, index) not in expected:
            where = f"button {index}" if kind == "button" else f"the {kind}"
            problems.append(f"The template has no parameters in {where}.")
    return problems


# --- Lint before submission ---------------------------------------------------------------
# The rules are those of the Cloud API reference (§6 Templates); a rule Meta does not state
# exactly is a warning, and says so where it is written.

CATEGORIES = frozenset({"MARKETING", "UTILITY", "AUTHENTICATION"})
PARAMETER_FORMATS = frozenset({"POSITIONAL", "NAMED"})
COMPONENT_TYPES = ("HEADER", "BODY", "FOOTER", "BUTTONS")
# GIF headers exist only in the Marketing Messages API, which Relay does not send through.
HEADER_FORMATS = frozenset({"TEXT", *MEDIA_HEADER_FORMATS})
BUTTON_TYPES = frozenset({"QUICK_REPLY", "URL", "PHONE_NUMBER", "COPY_CODE", "OTP"})
OTP_TYPES = frozenset({"COPY_CODE", "ONE_TAP", "ZERO_TAP"})
URL_SCHEMES = frozenset({"https", "http"})

NAME_MAX = 512
HEADER_TEXT_MAX = 60
BODY_MAX = 1024
FOOTER_MAX = 60
BUTTON_TEXT_MAX = 25
BUTTONS_MAX = 10
QUICK_REPLIES_MAX = 10
URL_BUTTONS_MAX = 2
URL_MAX = 2000
PHONE_NUMBER_MAX = 20
COPY_CODE_EXAMPLE_MAX = 20
# Meta's own limit for code_expiration_minutes (its authentication-template docs, not §6).
CODE_EXPIRATION_MINUTES = range(1, 91)
# Meta rejects "too many parameters for the message length" without saying the ratio; three
# words of fixed text per placeholder is a rule of thumb (unconfirmed), hence only a warning.
WORDS_PER_PLACEHOLDER = 3

_TEMPLATE_NAME = re.compile(r"[a-z0-9_]+")
_LANGUAGE_CODE = re.compile(r"[a-z]{2,3}(?:_(?:[A-Z]{2}|[0-9]{3}))?")  # en, fil, en_US, pt_BR, es_419
_BRACED = re.compile(r"\{\{(.*?)\}\}", re.DOTALL)
_PARAMETER_NAME = re.compile(r"[A-Za-z0-9_]+")
_POSITIONAL_NAME = re.compile(r"[0-9]+")
_NAMED_NAME = re.compile(r"[a-z][a-z0-9_]*")
_FORBIDDEN_IN_BRACES = frozenset("#$%")
_ADJACENT = re.compile(r"\}\}\s*\{\{")
_ENDS_WITH_PLACEHOLDER = re.compile(_PLACEHOLDER.pattern + r"\Z")
_WORD = re.compile(r"\w+")
_PHONE_NUMBER = re.compile(r"\+[1-9][0-9]{6,14}")  # E.164: + and up to 15 digits
_URL_VARIABLE = "{{1}}"


class LintCode(StrEnum):
    NAME_MISSING = "name_missing"
    NAME_INVALID = "name_invalid"
    NAME_TOO_LONG = "name_too_long"
    LANGUAGE_MISSING = "language_missing"
    LANGUAGE_INVALID = "language_invalid"
    CATEGORY_MISSING = "category_missing"
    CATEGORY_INVALID = "category_invalid"
    PARAMETER_FORMAT_INVALID = "parameter_format_invalid"
    COMPONENT_UNKNOWN = "component_unknown"
    COMPONENT_DUPLICATE = "component_duplicate"
    HEADER_FORMAT_INVALID = "header_format_invalid"
    HEADER_EMPTY = "header_empty"
    HEADER_TOO_LONG = "header_too_long"
    HEADER_TOO_MANY_PARAMETERS = "header_too_many_parameters"
    HEADER_HANDLE_MISSING = "header_handle_missing"
    HEADER_LOCATION_NOT_ALLOWED = "header_location_not_allowed"
    BODY_MISSING = "body_missing"
    BODY_TOO_LONG = "body_too_long"
    BODY_STARTS_WITH_PLACEHOLDER = "body_starts_with_placeholder"
    BODY_ENDS_WITH_PLACEHOLDER = "body_ends_with_placeholder"
    TOO_MANY_PLACEHOLDERS = "too_many_placeholders"
    FOOTER_EMPTY = "footer_empty"
    FOOTER_TOO_LONG = "footer_too_long"
    FOOTER_HAS_PARAMETERS = "footer_has_parameters"
    PLACEHOLDER_MALFORMED = "placeholder_malformed"
    PLACEHOLDER_FORBIDDEN_CHARACTER = "placeholder_forbidden_character"
    PLACEHOLDER_FORMAT_MISMATCH = "placeholder_format_mismatch"
    PLACEHOLDER_NAME_INVALID = "placeholder_name_invalid"
    PLACEHOLDER_SEQUENCE = "placeholder_sequence"
    PLACEHOLDERS_ADJACENT = "placeholders_adjacent"
    EXAMPLE_MISSING = "example_missing"
    EXAMPLE_EXTRA = "example_extra"
    BUTTONS_EMPTY = "buttons_empty"
    BUTTONS_TOO_MANY = "buttons_too_many"
    QUICK_REPLIES_TOO_MANY = "quick_replies_too_many"
    URL_BUTTONS_TOO_MANY = "url_buttons_too_many"
    PHONE_BUTTONS_TOO_MANY = "phone_buttons_too_many"
    COPY_CODE_BUTTONS_TOO_MANY = "copy_code_buttons_too_many"
    BUTTONS_NOT_GROUPED = "buttons_not_grouped"
    BUTTON_TYPE_INVALID = "button_type_invalid"
    BUTTON_TEXT_MISSING = "button_text_missing"
    BUTTON_TEXT_TOO_LONG = "button_text_too_long"
    BUTTON_URL_INVALID = "button_url_invalid"
    BUTTON_URL_SCHEME_NOT_ALLOWED = "button_url_scheme_not_allowed"
    BUTTON_URL_TOO_LONG = "button_url_too_long"
    BUTTON_URL_VARIABLE_INVALID = "button_url_variable_invalid"
    BUTTON_PHONE_INVALID = "button_phone_invalid"
    BUTTON_COPY_CODE_TOO_LONG = "button_copy_code_too_long"
    BUTTON_OTP_NOT_ALLOWED = "button_otp_not_allowed"
    BUTTON_OTP_TYPE_INVALID = "button_otp_type_invalid"
    AUTHENTICATION_HEADER_NOT_ALLOWED = "authentication_header_not_allowed"
    AUTHENTICATION_CUSTOM_TEXT = "authentication_custom_text"
    AUTHENTICATION_CODE_EXPIRATION_INVALID = "authentication_code_expiration_invalid"
    AUTHENTICATION_OTP_BUTTON_MISSING = "authentication_otp_button_missing"
    AUTHENTICATION_BUTTON_NOT_ALLOWED = "authentication_button_not_allowed"
    OTP_BUTTONS_TOO_MANY = "otp_buttons_too_many"
    PROMOTIONAL_WORDING = "promotional_wording"


Severity = Literal["error", "warning"]


@dataclass(frozen=True)
class Finding:
    """One thing wrong with a template. Errors block submission; warnings are advice.

    `component` says where: "name", "language", "category", "parameter_format", "components",
    "header", "body", "footer", "buttons", or "button N" with Meta's 0-based button index (the
    index a send uses).
    """

    code: str  # a LintCode: stable, for the editor to key on
    severity: Severity
    component: str
    message: str

    def as_json(self) -> dict[str, str]:
        return {"code": self.code, "severity": self.severity, "component": self.component, "message": self.message}


def _error(code: LintCode, component: str, message: str) -> Finding:
    return Finding(code.value, "error", component, message)


def _warning(code: LintCode, component: str, message: str) -> Finding:
    return Finding(code.value, "warning", component, message)


def _upper(value: object) -> str:
    return value.strip().upper() if isinstance(value, str) else ""


def _string(value: object) -> str:
    return value if isinstance(value, str) else ""


def _distinct(names: Sequence[str]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(names))


def _quoted(items: Sequence[str]) -> str:
    return ", ".join(f"“{item}”" for item in items)


def _braced(names: Sequence[str]) -> str:
    return ", ".join(f"{{{{{name}}}}}" for name in names)


def _is_named(template: Mapping[str, Any]) -> bool:
    return _upper(template.get("parameter_format")) == "NAMED"


def _components(template: Mapping[str, Any]) -> list[object]:
    components = template.get("components")
    return list(components) if isinstance(components, list) else []


def _first_of_each_type(template: Mapping[str, Any]) -> dict[str, Mapping[str, Any]]:
    found: dict[str, Mapping[str, Any]] = {}
    for component in _components(template):
        if isinstance(component, Mapping):
            found.setdefault(_upper(component.get("type")), component)
    return found


def _buttons(component: Mapping[str, Any] | None) -> list[Mapping[str, Any]]:
    buttons = component.get("buttons") if component is not None else None
    return [button for button in buttons if isinstance(button, Mapping)] if isinstance(buttons, list) else []


def lint_template(template: Mapping[str, Any]) -> list[Finding]:
    """What stands between a template-creation body (Meta's shape) and Meta's review."""
    category = _upper(template.get("category"))
    named = _is_named(template)
    components = _first_of_each_type(template)
    findings = [
        *_name_findings(template.get("name")),
        *_language_findings(template.get("language")),
        *_category_findings(template.get("category")),
        *_parameter_format_findings(template.get("parameter_format")),
        *_structure_findings(_components(template)),
    ]
    authentication = category == "AUTHENTICATION"
    if authentication:
        findings += _authentication_findings(components)
    else:
        findings += _header_findings(components.get("HEADER"), named=named)
        findings += _body_findings(components.get("BODY"), named=named)
        findings += _footer_findings(components.get("FOOTER"))
    findings += _buttons_findings(components.get("BUTTONS"), authentication=authentication)
    if category in {"UTILITY", "AUTHENTICATION"}:
        findings += _promotional_findings(components)
    return list(dict.fromkeys(findings))


def blocks_submission(findings: Sequence[Finding]) -> bool:
    """Errors keep a template from being submitted; warnings don't."""
    return any(finding.severity == "error" for finding in findings)


def _name_findings(name: object) -> Iterator[Finding]:
    if not isinstance(name, str) or not name:
        yield _error(LintCode.NAME_MISSING, "name", _("Give the template a name."))
        return
    if not _TEMPLATE_NAME.fullmatch(name):
        yield _error(
            LintCode.NAME_INVALID,
            "name",
            _("Template names may only use lowercase letters, digits and underscores, like order_update."),
        )
    if len(name) > NAME_MAX:
        yield _error(
            LintCode.NAME_TOO_LONG,
            "name",
            _("The name is %(length)d characters long; Meta allows at most %(limit)d.")
            % {"length": len(name), "limit": NAME_MAX},
        )


def _language_findings(language: object) -> Iterator[Finding]:
    if not isinstance(language, str) or not language.strip():
        yield _error(LintCode.LANGUAGE_MISSING, "language", _("Choose the template's language."))
    elif not _LANGUAGE_CODE.fullmatch(language):
        yield _error(
            LintCode.LANGUAGE_INVALID,
            "language",
            _("“%(language)s” is not a language code Meta uses; write it like en, en_US or pt_BR.")
            % {"language": language},
        )


def _category_findings(category: object) -> Iterator[Finding]:
    if not _upper(category):
        yield _error(
            LintCode.CATEGORY_MISSING, "category", _("Choose a category: Marketing, Utility or Authentication.")
        )
    elif _upper(category) not in CATEGORIES:
        yield _error(
            LintCode.CATEGORY_INVALID,
            "category",
            _("“%(category)s” is not a category; choose Marketing, Utility or Authentication.")
            % {"category": category},
        )


def _parameter_format_findings(parameter_format: object) -> Iterator[Finding]:
    # Left out, Meta takes POSITIONAL.
    if parameter_format is not None and _upper(parameter_format) not in PARAMETER_FORMATS:
        yield _error(
            LintCode.PARAMETER_FORMAT_INVALID,
            "parameter_format",
            _("The parameter format must be POSITIONAL ({{1}}) or NAMED ({{first_name}})."),
        )


def _structure_findings(components: list[object]) -> Iterator[Finding]:
    seen: dict[str, int] = {}
    for component in components:
        kind = _upper(component.get("type")) if isinstance(component, Mapping) else ""
        if kind not in COMPONENT_TYPES:
            yield _error(
                LintCode.COMPONENT_UNKNOWN,
                "components",
                _("A template is made of a HEADER, a BODY, a FOOTER and BUTTONS; “%(type)s” is none of these.")
                % {"type": kind or "?"},
            )
            continue
        seen[kind] = seen.get(kind, 0) + 1
    for kind, count in seen.items():
        if count > 1:
            yield _error(
                LintCode.COMPONENT_DUPLICATE,
                "components",
                _("A template has at most one %(type)s; this one has %(count)d.") % {"type": kind, "count": count},
            )


# --- Placeholders in a header or body text --------------------------------------------------


def _brace_findings(text: str, component: str, *, named: bool) -> list[Finding]:
    """Placeholders Meta would not read as parameters of this template's format."""
    findings = []
    for content in _BRACED.findall(text):
        placeholder = f"{{{{{content}}}}}"
        if _FORBIDDEN_IN_BRACES & set(content):
            findings.append(
                _error(
                    LintCode.PLACEHOLDER_FORBIDDEN_CHARACTER,
                    component,
                    _("“%(placeholder)s” contains #, $ or %%, which Meta does not allow inside braces.")
                    % {"placeholder": placeholder},
                )
            )
        elif not _PARAMETER_NAME.fullmatch(content):
            findings.append(_malformed(placeholder, component))
        elif mismatch := _format_mismatch(content, placeholder, named=named):
            findings.append(_error(LintCode.PLACEHOLDER_FORMAT_MISMATCH, component, mismatch))
        elif named and not _NAMED_NAME.fullmatch(content):
            findings.append(
                _error(
                    LintCode.PLACEHOLDER_NAME_INVALID,
                    component,
                    _(
                        "“%(placeholder)s”: parameter names use lowercase letters, digits and underscores and "
                        "start with a letter, like {{first_name}}."
                    )
                    % {"placeholder": placeholder},
                )
            )
    leftover = _BRACED.sub("", text)
    for stray in ("{{", "}}"):
        if stray in leftover:
            findings.append(_malformed(stray, component))
    return findings


def _malformed(placeholder: str, component: str) -> Finding:
    return _error(
        LintCode.PLACEHOLDER_MALFORMED,
        component,
        _(
            "“%(placeholder)s” is not a placeholder Meta understands; write placeholders like {{1}} or "
            "{{first_name}}, with two braces on each side and no spaces."
        )
        % {"placeholder": placeholder},
    )


def _format_mismatch(content: str, placeholder: str, *, named: bool) -> str | None:
    numbered = bool(_POSITIONAL_NAME.fullmatch(content))
    if named and numbered:
        return _("“%(placeholder)s” is numbered, but this template uses named parameters like {{first_name}}.") % {
            "placeholder": placeholder
        }
    if not named and not numbered:
        return _("“%(placeholder)s” is named, but this template uses numbered parameters like {{1}}.") % {
            "placeholder": placeholder
        }
    return None


def _sequence_findings(names: Sequence[str], component: str) -> Iterator[Finding]:
    numbers = [name for name in _distinct(names) if _POSITIONAL_NAME.fullmatch(name)]
    if numbers != [str(number) for number in range(1, len(numbers) + 1)]:
        yield _error(
            LintCode.PLACEHOLDER_SEQUENCE,
            component,
            _(
                "Number the placeholders {{1}}, {{2}}, {{3}}… in the order they first appear, without gaps "
                "(found %(found)s)."
            )
            % {"found": _braced(numbers)},
        )


def _adjacent_findings(text: str, component: str) -> Iterator[Finding]:
    if _ADJACENT.search(text):
        yield _error(
            LintCode.PLACEHOLDERS_ADJACENT,
            component,
            _("Two placeholders stand side by side; put some fixed text between them."),
        )


def _parameter_findings(component: Mapping[str, Any], where: str, *, named: bool) -> list[Finding]:
    """The placeholder rules shared by the header and the body, examples included."""
    text = _string(component.get("text"))
    shape = _brace_findings(text, where, named=named)
    names = placeholders(text)
    findings = [*shape, *_adjacent_findings(text, where)]
    if not named:
        findings += _sequence_findings(names, where)
    if not shape:  # examples are checked once the placeholders themselves are right
        findings += _example_findings(component, where, _distinct(names), named=named)
    return findings


def _example_values(component: Mapping[str, Any], kind: str, *, named: bool) -> dict[str, str]:
    """A header's or body's examples by placeholder name ("1", "2"… for positional templates)."""
    example = component.get("example")
    if not isinstance(example, Mapping):
        return {}
    if named:
        entries = example.get(f"{kind}_text_named_params")
        return {
            str(entry.get("param_name", "")): str(entry.get("example", ""))
            for entry in (entries if isinstance(entries, list) else [])
            if isinstance(entry, Mapping)
        }
    values = example.get(f"{kind}_text")
    if kind == "body":  # [["Pablo", "860198"]]: one row of examples
        values = values[0] if isinstance(values, list) and values and isinstance(values[0], list) else None
    return {str(number): str(value) for number, value in enumerate(values, 1)} if isinstance(values, list) else {}


def _example_findings(component: Mapping[str, Any], where: str, names: Sequence[str], *, named: bool) -> list[Finding]:
    examples = _example_values(component, where, named=named)
    if named:
        missing = [name for name in names if not examples.get(name, "").strip()]
        extra = [name for name in examples if name not in names]
    else:
        # Positional examples go by position, whatever the numbering (that has its own finding).
        given = list(examples.values())
        missing = [name for position, name in enumerate(names) if position >= len(given) or not given[position].strip()]
        extra = [str(position) for position in range(len(names) + 1, len(given) + 1)]
    findings = []
    if missing:
        findings.append(
            _error(
                LintCode.EXAMPLE_MISSING,
                where,
                _("Give an example for %(placeholders)s; Meta's reviewers read the template with its examples.")
                % {"placeholders": _braced(missing)},
            )
        )
    if extra:
        findings.append(
            _error(
                LintCode.EXAMPLE_EXTRA,
                where,
                _("There are examples for placeholders the text does not have (%(placeholders)s); remove them.")
                % {"placeholders": _braced(extra)},
            )
        )
    return findings


# --- Components ---------------------------------------------------------------------------------


def _too_long(code: LintCode, where: str, text: str, limit: int) -> Iterator[Finding]:
    if len(text) > limit:
        yield _error(
            code,
            where,
            _("This text is %(length)d characters long; Meta allows at most %(limit)d.")
            % {"length": len(text), "limit": limit},
        )


def _header_findings(header: Mapping[str, Any] | None, *, named: bool) -> list[Finding]:
    if header is None:
        return []
    header_format = _upper(header.get("format")) or "TEXT"
    if header_format not in HEADER_FORMATS:
        return [
            _error(
                LintCode.HEADER_FORMAT_INVALID,
                "header",
                _("The header must be TEXT, IMAGE, VIDEO, DOCUMENT or LOCATION."),
            )
        ]
    if header_format == "LOCATION":
        # Fine in Utility and Marketing; Authentication, the only other category, is linted apart.
        return []
    if header_format != "TEXT":
        return [] if _has_header_handle(header) else [_header_handle_missing(header_format)]
    text = _string(header.get("text"))
    if not text.strip():
        return [_error(LintCode.HEADER_EMPTY, "header", _("The text header is empty; write its text or remove it."))]
    findings = [*_too_long(LintCode.HEADER_TOO_LONG, "header", text, HEADER_TEXT_MAX)]
    if (count := len(_distinct(placeholders(text)))) > 1:
        findings.append(
            _error(
                LintCode.HEADER_TOO_MANY_PARAMETERS,
                "header",
                _("A text header holds at most one placeholder; this one has %(count)d.") % {"count": count},
            )
        )
    return findings + _parameter_findings(header, "header", named=named)


def _location_not_allowed() -> Finding:
    return _error(
        LintCode.HEADER_LOCATION_NOT_ALLOWED,
        "header",
        _("Location headers are only allowed in Utility and Marketing templates."),
    )


def _has_header_handle(header: Mapping[str, Any]) -> bool:
    example = header.get("example")
    handles = example.get("header_handle") if isinstance(example, Mapping) else None
    return isinstance(handles, list) and any(isinstance(handle, str) and handle.strip() for handle in handles)


def _header_handle_missing(header_format: str) -> Finding:
    return _error(
        LintCode.HEADER_HANDLE_MISSING,
        "header",
        _("Upload a sample file for the %(format)s header; Meta needs an example of every media header.")
        % {"format": header_format},
    )


def _body_findings(body: Mapping[str, Any] | None, *, named: bool) -> list[Finding]:
    text = _string(body.get("text")) if body is not None else ""
    if body is None or not text.strip():
        return [_error(LintCode.BODY_MISSING, "body", _("Write the message body; every template needs one."))]
    findings = [*_too_long(LintCode.BODY_TOO_LONG, "body", text, BODY_MAX)]
    if _PLACEHOLDER.match(text.strip()):
        findings.append(
            _error(
                LintCode.BODY_STARTS_WITH_PLACEHOLDER,
                "body",
                _("Meta rejects a body that starts with a placeholder; begin with some fixed text."),
            )
        )
    if _ENDS_WITH_PLACEHOLDER.search(text.strip()):
        findings.append(
            _error(
                LintCode.BODY_ENDS_WITH_PLACEHOLDER,
                "body",
                _("Meta rejects a body that ends with a placeholder; end with some fixed text, even a full stop."),
            )
        )
    findings += _parameter_findings(body, "body", named=named)
    findings += _density_findings(text)
    return findings


def _density_findings(text: str) -> Iterator[Finding]:
    count = len(placeholders(text))
    words = len(_WORD.findall(_BRACED.sub(" ", text)))
    if count and words < WORDS_PER_PLACEHOLDER * count:
        yield _warning(
            LintCode.TOO_MANY_PLACEHOLDERS,
            "body",
            _(
                "The body has %(count)d placeholders for %(words)d words of fixed text. Meta rejects templates "
                "with too many parameters for their length without giving a ratio; about %(ratio)d words per "
                "placeholder is a safe guess."
            )
            % {"count": count, "words": words, "ratio": WORDS_PER_PLACEHOLDER},
        )


def _footer_findings(footer: Mapping[str, Any] | None) -> list[Finding]:
    if footer is None:
        return []
    text = _string(footer.get("text"))
    if not text.strip():
        return [_error(LintCode.FOOTER_EMPTY, "footer", _("The footer is empty; write its text or remove it."))]
    findings = [*_too_long(LintCode.FOOTER_TOO_LONG, "footer", text, FOOTER_MAX)]
    if "{{" in text or "}}" in text:
        findings.append(_error(LintCode.FOOTER_HAS_PARAMETERS, "footer", _("The footer can't contain placeholders.")))
    return findings


def _authentication_findings(components: Mapping[str, Mapping[str, Any]]) -> list[Finding]:
    """Meta writes an authentication template's text; the body and footer only take options."""
    findings = []
    if _upper(components.get("HEADER", {}).get("format")) == "LOCATION":
        findings.append(_location_not_allowed())
    elif "HEADER" in components:
        findings.append(
            _error(LintCode.AUTHENTICATION_HEADER_NOT_ALLOWED, "header", _("Authentication templates have no header."))
        )
    for kind in ("BODY", "FOOTER"):
        if _string(components.get(kind, {}).get("text")).strip():
            findings.append(
                _error(
                    LintCode.AUTHENTICATION_CUSTOM_TEXT,
                    kind.lower(),
                    _(
                        "Meta writes the text of authentication templates; remove it and use the security "
                        "recommendation and code expiry options instead."
                    ),
                )
            )
    minutes = components.get("FOOTER", {}).get("code_expiration_minutes")
    if minutes is not None and (
        isinstance(minutes, bool) or not isinstance(minutes, int) or minutes not in CODE_EXPIRATION_MINUTES
    ):
        findings.append(
            _error(
                LintCode.AUTHENTICATION_CODE_EXPIRATION_INVALID,
                "footer",
                _("The code expiry must be a whole number of minutes from 1 to 90."),
            )
        )
    return findings


# --- Buttons ------------------------------------------------------------------------------------


def _buttons_findings(component: Mapping[str, Any] | None, *, authentication: bool) -> list[Finding]:
    buttons = _buttons(component)
    findings = []
    if component is not None and not buttons:
        findings.append(
            _error(LintCode.BUTTONS_EMPTY, "buttons", _("The buttons section has no buttons; add one or remove it."))
        )
    kinds = [_upper(button.get("type")) for button in buttons]
    findings += _button_count_findings(kinds, authentication=authentication)
    quick_replies = [kind == "QUICK_REPLY" for kind in kinds]
    if sum(before != after for before, after in pairwise(quick_replies)) > 1:
        findings.append(
            _error(
                LintCode.BUTTONS_NOT_GROUPED,
                "buttons",
                _("Keep the quick-reply buttons together, before or after the other buttons; Meta rejects them mixed."),
            )
        )
    for index, button in enumerate(buttons):
        findings += _button_findings(button, f"button {index}", authentication=authentication)
    return findings


def _button_count_findings(kinds: Sequence[str], *, authentication: bool) -> Iterator[Finding]:
    limits = [
        (
            None,
            BUTTONS_MAX,
            LintCode.BUTTONS_TOO_MANY,
            _("A template has at most %(limit)d buttons; this one has %(count)d."),
        ),
        (
            "QUICK_REPLY",
            QUICK_REPLIES_MAX,
            LintCode.QUICK_REPLIES_TOO_MANY,
            _("A template has at most %(limit)d quick-reply buttons; this one has %(count)d."),
        ),
        (
            "URL",
            URL_BUTTONS_MAX,
            LintCode.URL_BUTTONS_TOO_MANY,
            _("A template has at most %(limit)d link buttons; this one has %(count)d."),
        ),
        (
            "PHONE_NUMBER",
            1,
            LintCode.PHONE_BUTTONS_TOO_MANY,
            _("A template has at most %(limit)d call button; this one has %(count)d."),
        ),
        (
            "COPY_CODE",
            1,
            LintCode.COPY_CODE_BUTTONS_TOO_MANY,
            _("A template has at most %(limit)d copy-code button; this one has %(count)d."),
        ),
    ]
    for kind, limit, code, message in limits:
        count = len(kinds) if kind is None else kinds.count(kind)
        if count > limit:
            yield _error(code, "buttons", message % {"limit": limit, "count": count})
    if authentication and "OTP" not in kinds:
        yield _error(
            LintCode.AUTHENTICATION_OTP_BUTTON_MISSING,
            "buttons",
            _("Authentication templates need a one-time-password button (copy code, one-tap or zero-tap)."),
        )
    if authentication and kinds.count("OTP") > 1:
        yield _error(
            LintCode.OTP_BUTTONS_TOO_MANY,
            "buttons",
            _("An authentication template has exactly one one-time-password button."),
        )


def _button_findings(button: Mapping[str, Any], where: str, *, authentication: bool) -> list[Finding]:
    kind = _upper(button.get("type"))
    if kind not in BUTTON_TYPES:
        return [
            _error(
                LintCode.BUTTON_TYPE_INVALID,
                where,
                _("“%(type)s” is not a button type Relay can submit: use QUICK_REPLY, URL, PHONE_NUMBER or COPY_CODE.")
                % {"type": button.get("type") or "?"},
            )
        ]
    if kind == "OTP" and not authentication:
        return [
            _error(
                LintCode.BUTTON_OTP_NOT_ALLOWED,
                where,
                _("One-time-password buttons are only for Authentication templates."),
            )
        ]
    if authentication and kind != "OTP":
        return [
            _error(
                LintCode.AUTHENTICATION_BUTTON_NOT_ALLOWED,
                where,
                _("Authentication templates take only the one-time-password button."),
            )
        ]
    text = _string(button.get("text"))
    findings = []
    # Meta labels copy-code and one-time-password buttons itself when they have no text.
    if kind in {"QUICK_REPLY", "URL", "PHONE_NUMBER"} and not text.strip():
        findings.append(_error(LintCode.BUTTON_TEXT_MISSING, where, _("Write the button's label.")))
    findings += _too_long(LintCode.BUTTON_TEXT_TOO_LONG, where, text, BUTTON_TEXT_MAX)
    if kind == "URL":
        findings += _url_button_findings(button, where)
    elif kind == "PHONE_NUMBER" and not _is_phone_number(_string(button.get("phone_number"))):
        findings.append(
            _error(
                LintCode.BUTTON_PHONE_INVALID,
                where,
                _(
                    "Write the phone number in international format, with + and the country code, like "
                    "+15550051310 (at most 20 characters)."
                ),
            )
        )
    elif kind == "COPY_CODE":
        findings += _copy_code_findings(button, where)
    elif kind == "OTP" and _upper(button.get("otp_type")) not in OTP_TYPES:
        findings.append(
            _error(
                LintCode.BUTTON_OTP_TYPE_INVALID,
                where,
                _("The one-time-password button must be COPY_CODE, ONE_TAP or ZERO_TAP."),
            )
        )
    return findings


def _is_phone_number(phone_number: str) -> bool:
    return len(phone_number) <= PHONE_NUMBER_MAX and bool(_PHONE_NUMBER.fullmatch(phone_number))


def _url_button_findings(button: Mapping[str, Any], where: str) -> list[Finding]:
    url = _string(button.get("url")).strip()
    invalid = _error(
        LintCode.BUTTON_URL_INVALID,
        where,
        _("Write the full web address the button opens, like https://example.com/orders."),
    )
    if not url:
        return [invalid]
    findings = [*_too_long(LintCode.BUTTON_URL_TOO_LONG, where, url, URL_MAX)]
    variables = _BRACED.findall(url)
    fixed = _BRACED.sub("", url)
    has_variable = bool(variables)
    trailing_variable = variables == ["1"] and url.endswith(_URL_VARIABLE)
    if (has_variable and not trailing_variable) or "{{" in fixed or "}}" in fixed:
        findings.append(
            _error(
                LintCode.BUTTON_URL_VARIABLE_INVALID,
                where,
                _("A link takes one variable, {{1}}, at its very end, like https://example.com/track/{{1}}."),
            )
        )
    try:
        parts = urlsplit(fixed)
        host = parts.hostname
    except ValueError:
        return [*findings, invalid]
    if parts.scheme.lower() not in URL_SCHEMES:
        findings.append(
            _error(
                LintCode.BUTTON_URL_SCHEME_NOT_ALLOWED,
                where,
                _("Link buttons must open an https:// or http:// address."),
            )
        )
    elif not host:
        findings.append(invalid)
    return findings + _url_example_findings(button, where, has_variable=has_variable)


def _url_example_findings(button: Mapping[str, Any], where: str, *, has_variable: bool) -> list[Finding]:
    example = button.get("example")
    examples = [example] if isinstance(example, str) else example if isinstance(example, list) else []
    given = any(isinstance(value, str) and value.strip() for value in examples)
    if has_variable and not given:
        return [
            _error(
                LintCode.EXAMPLE_MISSING,
                where,
                _("Give an example of the whole link with its variable filled in, like https://example.com/track/abc."),
            )
        ]
    if not has_variable and examples:
        return [
            _error(LintCode.EXAMPLE_EXTRA, where, _("The link has no variable, so it takes no example; remove it."))
        ]
    return []


def _copy_code_findings(button: Mapping[str, Any], where: str) -> list[Finding]:
    example = button.get("example")
    code = _string(example[0] if isinstance(example, list) and example else example).strip()
    if not code:
        return [_error(LintCode.EXAMPLE_MISSING, where, _("Give an example of the code the button copies."))]
    if len(code) > COPY_CODE_EXAMPLE_MAX:
        return [
            _error(
                LintCode.BUTTON_COPY_CODE_TOO_LONG,
                where,
                _("The example code is %(length)d characters long; Meta allows at most %(limit)d.")
                % {"length": len(code), "limit": COPY_CODE_EXAMPLE_MAX},
            )
        ]
    return []


# --- Promotional wording in Utility and Authentication templates ------------------------------
# Meta moves a Utility template that reads as promotional to Marketing, or rejects it
# (rejection reason PROMOTIONAL / INCORRECT_CATEGORY). Words are matched whole, ignoring case
# and accents; a trailing * also matches longer forms (Rabatt* matches Rabattcode).


def _phrases(listed: str) -> tuple[str, ...]:
    return tuple(phrase.strip() for phrase in listed.split(","))


PROMOTIONAL_WORDING: Mapping[str, tuple[str, ...]] = {
    "en": _phrases(
        "discount*, offer, offers, special deal*, exclusive deal*, sale, buy now, shop now, order now, coupon*, "
        "% off, percent off, free gift*, free shipping, limited time, limited-time, promo*, clearance, "
        "black friday, cyber monday, buy one get one, bogo, save up to, don't miss out"
    ),
    "fr": _phrases(
        "remise*, offre, offres, soldes, promotion*, code promo, achetez maintenant, achetez dès maintenant, "
        "commandez maintenant, réduction*, gratuit*, bon d'achat, bons d'achat, vente flash, prix cassé*, "
        "bon plan, bons plans, dernière chance, cadeau offert, durée limitée"
    ),
    "de": _phrases(
        "Rabatt*, Angebot*, Sonderangebot*, Sale, jetzt kaufen, jetzt bestellen, Gutschein*, gratis, reduziert*, "
        "Preisnachlass, Schnäppchen, Schlussverkauf, Sommerschlussverkauf, Aktionspreis*, Aktionscode*, "
        "nur für kurze Zeit, zeitlich begrenzt*"
    ),
}


def _fold(text: str) -> str:
    """Lowercase, without accents (réduction → reduction, Schnäppchen → schnappchen)."""
    decomposed = unicodedata.normalize("NFKD", text.replace("’", "'"))
    return "".join(char for char in decomposed if not unicodedata.combining(char)).casefold()


def _phrase_pattern(phrase: str) -> re.Pattern[str]:
    stem = _fold(phrase.removesuffix("*"))
    left = r"(?<!\w)" if stem[0].isalnum() else ""
    middle = r"\s+".join(re.escape(word) for word in stem.split())
    right = r"\w*" if phrase.endswith("*") else r"(?!\w)" if stem[-1].isalnum() else ""
    return re.compile(left + middle + right)


def _promotional_patterns() -> list[tuple[str, re.Pattern[str]]]:
    # One pattern per folded phrase: "sale" and "Sale" are one entry, under its first spelling.
    patterns: dict[str, tuple[str, re.Pattern[str]]] = {}
    for phrases in PROMOTIONAL_WORDING.values():
        for phrase in phrases:
            patterns.setdefault(_fold(phrase), (phrase.removesuffix("*"), _phrase_pattern(phrase)))
    return list(patterns.values())


_PROMOTIONAL_PATTERNS = _promotional_patterns()


def promotional_words(text: str) -> list[str]:
    """The promotional words and phrases (as listed) that a text uses."""
    folded = _fold(text)
    return list(dict.fromkeys(phrase for phrase, pattern in _PROMOTIONAL_PATTERNS if pattern.search(folded)))


def _texts(components: Mapping[str, Mapping[str, Any]]) -> Iterator[tuple[str, str]]:
    for kind in ("HEADER", "BODY", "FOOTER"):
        if kind in components:
            yield kind.lower(), _string(components[kind].get("text"))
    for index, button in enumerate(_buttons(components.get("BUTTONS"))):
        yield f"button {index}", _string(button.get("text"))


def _promotional_findings(components: Mapping[str, Mapping[str, Any]]) -> Iterator[Finding]:
    for where, text in _texts(components):
        if words := promotional_words(text):
            yield _warning(
                LintCode.PROMOTIONAL_WORDING,
                where,
                _(
                    "Words like %(words)s read as promotional: Meta may move this template to the Marketing "
                    "category or reject it."
                )
                % {"words": _quoted(words)},
            )


# --- Preview ------------------------------------------------------------------------------------


class Preview(TypedDict):
    header: str  # a text header, filled in
    header_media: str  # a media header's kind ("Image"...), for a placeholder in the preview
    body: str
    footer: str
    buttons: list[str]


def preview_text(template: Mapping[str, Any], *, values: Mapping[str, Mapping[str, str]] | None = None) -> Preview:
    """How the template reads, with its examples filled in (or `values`, by component and name:
    {"body": {"first_name": "Ana"}}); a placeholder with neither stays as written."""
    values = values or {}
    named = _is_named(template)
    components = _first_of_each_type(template)
    if _upper(template.get("category")) == "AUTHENTICATION":
        return _authentication_preview(template, components, values)
    header = components.get("HEADER", {})
    header_format = _upper(header.get("format")) or "TEXT"
    return {
        "header": _filled(header, "header", named=named, values=values) if header_format == "TEXT" else "",
        "header_media": _media_label(header_format) if header and header_format != "TEXT" else "",
        "body": _filled(components.get("BODY", {}), "body", named=named, values=values),
        "footer": _string(components.get("FOOTER", {}).get("text")),
        "buttons": [_button_label(button) for button in _buttons(components.get("BUTTONS"))],
    }


def _filled(component: Mapping[str, Any], kind: str, *, named: bool, values: Mapping[str, Mapping[str, str]]) -> str:
    given = {**_example_values(component, kind, named=named), **values.get(kind, {})}
    return _PLACEHOLDER.sub(lambda match: given.get(match[1]) or match[0], _string(component.get("text")))


def _media_label(header_format: str) -> str:
    labels = {"IMAGE": _("Image"), "VIDEO": _("Video"), "DOCUMENT": _("Document"), "LOCATION": _("Location")}
    return labels.get(header_format, header_format.title())


def _button_label(button: Mapping[str, Any]) -> str:
    if text := _string(button.get("text")):
        return text
    kind = _upper(button.get("type"))
    if kind == "COPY_CODE":
        return _("Copy offer code")
    if kind == "OTP":
        return _("Copy code") if _upper(button.get("otp_type")) == "COPY_CODE" else _("Autofill")
    return ""


def _authentication_preview(
    template: Mapping[str, Any], components: Mapping[str, Mapping[str, Any]], values: Mapping[str, Mapping[str, str]]
) -> Preview:
    """Meta's fixed wording, in the template's language where Relay has it translated."""
    code = values.get("body", {}).get("1", "123456")
    minutes = components.get("FOOTER", {}).get("code_expiration_minutes")
    language = _string(template.get("language"))
    # A malformed code keeps the active language rather than reaching gettext's file lookup.
    with override(language.partition("_")[0] if _LANGUAGE_CODE.fullmatch(language) else get_language()):
        body = _("%(code)s is your verification code.") % {"code": code}
        if components.get("BODY", {}).get("add_security_recommendation"):
            body += " " + _("For your security, do not share this code.")
        footer = (
            _("This code expires in %(minutes)d minutes.") % {"minutes": minutes}
            if isinstance(minutes, int) and not isinstance(minutes, bool)
            else ""
        )
        buttons = [_button_label(button) for button in _buttons(components.get("BUTTONS"))]
    return {"header": "", "header_media": "", "body": body, "footer": footer, "buttons": buttons}


# The lifecycle at Meta (whatsapp-cloud-api.md §6): what may be edited or deleted, and what
# Meta's decisions mean, in sentences for the admins who get them.

EDITABLE_AT_META = frozenset({"APPROVED", "REJECTED", "PAUSED"})
APPROVED_EDITS_PER_30_DAYS = 10
APPROVED_EDIT_INTERVAL = timedelta(hours=24)
_EDIT_PERIOD = timedelta(days=30)


def edit_refusal(
    *, status: str, category: str, new_category: str, earlier_edits: Sequence[datetime], now: datetime
) -> str | None:
    """Why Meta would refuse this edit now, or None. `earlier_edits`: when the template was edited before."""
    if status not in EDITABLE_AT_META:
        return _("Meta lets only approved, rejected or paused templates be edited.")
    if status != "APPROVED":
        return None
    if new_category != category:
        return _("The category of an approved template can't change.")
    recent = sorted(t for t in earlier_edits if now - t < _EDIT_PERIOD)
    if recent and now - recent[-1] < APPROVED_EDIT_INTERVAL:
        return _("An approved template can be edited once in 24 hours; the next edit is possible from %(when)s.") % {
            "when": (recent[-1] + APPROVED_EDIT_INTERVAL).strftime("%Y-%m-%d %H:%M UTC")
        }
    if len(recent) >= APPROVED_EDITS_PER_30_DAYS:
        return _("An approved template can be edited 10 times in 30 days; the next edit is possible from %(when)s.") % {
            "when": (recent[-APPROVED_EDITS_PER_30_DAYS] + _EDIT_PERIOD).strftime("%Y-%m-%d %H:%M UTC")
        }
    return None


def delete_refusal(*, status: str) -> str | None:
    if status == "DISABLED":
        return _("Meta does not let a disabled template be deleted.")
    if status in ("DELETED", "PENDING_DELETION"):
        return _("The template is deleted already.")
    return None


_REJECTION_REASONS = {
    "ABUSIVE_CONTENT": gettext_lazy("Meta found content that breaks its policies (abusive or threatening wording)."),
    "INCORRECT_CATEGORY": gettext_lazy("The category does not match the content: choose the category that fits it."),
    "INVALID_FORMAT": gettext_lazy(
        "The format is invalid: placeholders, examples or lengths do not follow Meta's rules."
    ),
    "PROMOTIONAL": gettext_lazy("The template reads as promotional for a utility or authentication template."),
    "SCAM": gettext_lazy("Meta suspects the template could be used to deceive customers."),
    "TAG_CONTENT_MISMATCH": gettext_lazy("The content does not match the category or the language chosen."),
}
_PAUSES = {
    "FIRST_PAUSE": gettext_lazy("Paused for 3 hours after customers' negative feedback."),
    "SECOND_PAUSE": gettext_lazy("Paused for 6 hours after repeated negative feedback; a third time disables it."),
    "RATE_LIMITING_PAUSE": gettext_lazy("Paused because too many customers received it too fast."),
}


def status_explanation(*, status: str, reason: str = "", detail: str = "") -> str:
    """What a template's status means for the people using it, in one or two sentences."""
    if status == "REJECTED":
        why = _REJECTION_REASONS.get(reason, _("Meta gave no reason."))
        return f"{why} {detail}".strip()
    if status == "PAUSED":
        pause = _PAUSES.get(reason) or _("Paused by Meta after low quality ratings.")
        return f"{pause} {_('It can’t be sent until it is unpaused.')}"
    explanations = {
        "APPROVED": _("It can be sent now."),
        "PENDING": _("Meta is reviewing it; that takes up to 24 hours."),
        "DISABLED": _("Disabled by Meta after repeated low quality: it can't be sent, edited or deleted."),
        "FLAGGED": _("Customers gave it negative feedback: it will be paused if its quality does not improve."),
        "IN_APPEAL": _("An appeal is under review; that takes up to 24 hours."),
        "LIMIT_EXCEEDED": _("The business account reached its limit of templates."),
        "ARCHIVED": _("Archived by Meta after 12 months unused; it is deleted 28 days later unless used."),
        "LOCKED": _("Locked by Meta: it can't be edited."),
        "DELETED": _("Deleted: it can't be sent."),
        "PENDING_DELETION": _("Being deleted; messages not yet delivered keep trying for 30 days."),
    }
    return f"{explanations.get(status, '')} {detail}".strip()


def quality_explanation(score: str) -> str:
    return {
        "GREEN": _("Customers respond well to it."),
        "YELLOW": _("Customers have started to block or report it: review its wording and who receives it."),
        "RED": _("Many customers block or report it: Meta pauses it if this goes on."),
    }.get(score, "")


def category_change_explanation(new_category: str) -> str:
    if new_category == "MARKETING":
        return _(
            "Marketing templates are priced as marketing and are never sent to customers who opted out of marketing."
        )
    return _("Sending and pricing follow the new category.")


# The composer's template picker: the contact's likely language first, values from what we
# know of the contact where a parameter's name says what it wants.

# The language most of a country's WhatsApp users read, for the countries we see most; others: none.
_REGION_LANGUAGE = {
    "DE": "de", "AT": "de", "CH": "de", "LI": "de", "LU": "fr", "FR": "fr", "BE": "fr", "MC": "fr",
    "GB": "en", "IE": "en", "US": "en", "CA": "en", "AU": "en", "NZ": "en", "ZA": "en", "IN": "en", "NG": "en",
    "ES": "es", "MX": "es", "AR": "es", "CO": "es", "CL": "es", "PE": "es", "IT": "it", "NL": "nl",
    "PT": "pt", "BR": "pt", "PL": "pl", "TR": "tr", "SA": "ar", "AE": "ar", "EG": "ar",
}  # fmt: skip
_CONTACT_FIELDS = {
    "first_name": "first_name", "firstname": "first_name", "given_name": "first_name",
    "last_name": "last_name", "lastname": "last_name", "surname": "last_name", "family_name": "last_name",
    "name": "name", "full_name": "name", "customer_name": "name", "contact_name": "name",
    "phone": "phone", "phone_number": "phone",
}  # fmt: skip


def language_for_phone(phone: str) -> str:
    """The language to offer first to the customer with this (E.164) number; "" if we can't tell."""
    try:
        region = phonenumbers.region_code_for_number(
            phonenumbers.parse(phone if phone.startswith("+") else f"+{phone}")
        )
    except phonenumbers.NumberParseException:
        return ""
    return _REGION_LANGUAGE.get(region or "", "")


def base_language(code: str) -> str:
    """The language without its region: pt_BR → pt."""
    return code.split("_", maxsplit=1)[0].lower()


def for_language_first(languages: Sequence[str], preferred: str) -> list[str]:
    """`languages` with those of the `preferred` base language first, each group in its order."""
    first = [code for code in languages if preferred and base_language(code) == preferred]
    return first + [code for code in languages if code not in first]


def suggested_values(
    keys: Sequence[str], *, name: str, phone: str, attributes: Mapping[str, str] | None = None
) -> dict[str, str]:
    """Values for the parameters the contact can fill: an attribute of the same name first
    (customer_no), else a field the name asks for (first_name, phone...)."""
    parts = name.split()
    known = {
        "first_name": parts[0] if parts else "",
        "last_name": " ".join(parts[1:]),
        "name": name.strip(),
        "phone": phone,
    }
    attributes = attributes or {}
    suggested = {}
    for key in keys:
        field_name = _CONTACT_FIELDS.get(key.lower())
        if attributes.get(key):
            suggested[key] = attributes[key]
        elif field_name and known[field_name]:
            suggested[key] = known[field_name]
    return suggested
