"""Meta's rules for creating and editing a message template (whatsapp-cloud-api.md §6): every
problem raises the GraphError Meta answers; a valid request gives the components as Meta stores them.

Meta answers rule violations with code 100, "Invalid parameter", a subcode and a sentence for
people (`error_user_title`, `error_user_msg`), and malformed parameters with Graph's "(#100) Param
…" sentences. Only subcode 2388024 is in the reference; 2388019, 2388023, 2388040, 2388047,
2388072, 2388073 and 2388299 are what third-party notes record for these rules (unconfirmed).
Where no subcode is known there is none, and the sentences are ours, in Meta's manner.
"""

from __future__ import annotations

import dataclasses
import itertools
import re
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from whatsapp.simulator.errors import GraphError
from whatsapp.simulator.templates import AUTHENTICATION_BODY, CATEGORIES, NAME_PATTERN, Template

# Returns the MIME type of a file uploaded to the simulator under this handle, None for a handle
# it never issued.
HandleLookup = Callable[[str], str | None]

DAY_SECONDS = 24 * 3600
LANGUAGE_PATTERN = re.compile(r"[a-z]{2,3}(_[A-Z]{2})?")
# Any double-brace placeholder, well formed or not: what is inside is checked separately.
ANY_PLACEHOLDER = re.compile(r"\{\{(.*?)\}\}")
POSITIONAL_NAME = re.compile(r"[1-9][0-9]*")
NAMED_NAME = re.compile(r"[a-z][a-z0-9_]*")
ADJACENT_PARAMETERS = re.compile(r"\}\}\s*\{\{")
# Meta's resumable-upload handles: "4::aW1hZ2UvanBlZw==:ARb…" (older ones start "2::").
HANDLE_PATTERN = re.compile(r"[0-9]+::?\S+")
PHONE_NUMBER_PATTERN = re.compile(r"\+?[0-9]{5,19}")
# Per third-party notes Meta also counts "…is {{1}}." as ending with a parameter.
EDGE_PUNCTUATION = " \t\n.,;:!?"

COMPONENT_TYPES = ("HEADER", "BODY", "FOOTER", "BUTTONS")
HEADER_FORMATS = frozenset({"TEXT", "IMAGE", "VIDEO", "DOCUMENT", "LOCATION", "GIF"})
# The files a media header's example may be (the Resumable Upload API's types).
HEADER_MIME_TYPES = {
    "IMAGE": frozenset({"image/jpeg", "image/jpg", "image/png"}),
    "VIDEO": frozenset({"video/mp4"}),
    "GIF": frozenset({"video/mp4"}),
    "DOCUMENT": frozenset({"application/pdf"}),
}
OTP_TYPES = frozenset({"COPY_CODE", "ONE_TAP", "ZERO_TAP"})
# Button types Meta has that the simulator takes without checking more than their label.
UNMODELLED_BUTTON_TYPES = frozenset({"FLOW", "CATALOG", "MPM", "SPM", "VOICE_CALL", "APP"})
BUTTON_TYPES = frozenset({"QUICK_REPLY", "URL", "PHONE_NUMBER", "COPY_CODE", "OTP", *UNMODELLED_BUTTON_TYPES})

HEADER_TEXT_MAX = 60
BODY_MAX = 1024
FOOTER_MAX = 60
BUTTONS_MAX = 10
BUTTON_LABEL_MAX = 25
URL_MAX = 2000
PHONE_NUMBER_MAX = 20
COPY_CODE_EXAMPLE_MAX = 20
BUTTON_TYPE_MAX = {"QUICK_REPLY": 10, "URL": 2, "PHONE_NUMBER": 1, "COPY_CODE": 1}
CODE_EXPIRATION_MINUTES_MAX = 90
# message_send_ttl_seconds per category (Meta's template docs, as YCloud copies them); -1 means 30 days.
TTL_RANGES = {"AUTHENTICATION": (30, 900), "UTILITY": (30, 43_200), "MARKETING": (43_200, 2_592_000)}

EDITABLE_STATUSES = frozenset({"APPROVED", "REJECTED", "PAUSED"})
APPROVED_EDITS_PER_30_DAYS = 10
NAME_BLOCKED_SECONDS = 30 * DAY_SECONDS

# Subcodes (see the module docstring).
DUPLICATE_LANGUAGE = 2388024
LANGUAGE_BEING_DELETED = 2388023
TEMPLATE_LIMIT = 2388019
TOO_LONG = 2388040
HEADER_FORMAT = 2388047
BODY_FORMAT = 2388072
FOOTER_FORMAT = 2388073
DANGLING_PARAMETER = 2388299

ADJACENT_REJECTION_INFO = {
    "reason": "Your template has parameters placed next to each other (like {{1}}{{2}}) without text or "
    "punctuation between them.",
    "recommendation": "Separate parameters with descriptive text and ensure each parameter is clearly contextualized.",
}
LANGUAGE_NAMES = {
    "en": "English", "en_US": "English (US)", "en_GB": "English (UK)", "es": "Spanish", "es_ES": "Spanish (SPA)",
    "es_MX": "Spanish (MEX)", "pt_BR": "Portuguese (BR)", "pt_PT": "Portuguese (POR)", "fr": "French",
    "de": "German", "it": "Italian", "nl": "Dutch", "ar": "Arabic", "hi": "Hindi", "id": "Indonesian",
}  # fmt: skip


@dataclass(frozen=True)
class TemplateRequest:
    """A valid creation request, its components as Meta stores them."""

    name: str
    language: str
    category: str
    parameter_format: str
    components: list[dict[str, Any]]
    message_send_ttl_seconds: int | None


@dataclass(frozen=True)
class TemplateEdit:
    """A valid edit: what it changes (None: left as it is)."""

    category: str | None
    components: list[dict[str, Any]] | None
    message_send_ttl_seconds: int | None


def param_error(message: str, *, code: int = 100) -> GraphError:
    """Graph's own parameter checks: "(#100) Param …"."""
    return GraphError(code, message)


def rule_error(title: str, message: str, *, subcode: int | None = None) -> GraphError:
    """A template rule, answered with a sentence for people."""
    return GraphError(100, "Invalid parameter", subcode=subcode, user_title=title, user_message=message)


def language_name(code: str) -> str:
    return LANGUAGE_NAMES.get(code, code)


# Creating


def creation_request(body: dict[str, Any], *, handle_mime_type: HandleLookup) -> TemplateRequest:
    """The request of `POST /{waba-id}/message_templates`, checked in Meta's order."""
    name = body.get("name")
    if name in (None, ""):
        raise param_error("The parameter name is required.")
    if not isinstance(name, str) or not NAME_PATTERN.fullmatch(name):
        raise param_error(
            "Param name must contain only lowercase characters, numbers and underscores, and be at most 512 "
            "characters long."
        )
    language = body.get("language")
    if language in (None, ""):
        raise param_error("The parameter language is required.")
    if not isinstance(language, str) or not LANGUAGE_PATTERN.fullmatch(language):
        raise param_error(f'Param language must be a supported language code such as "en_US" - got "{language}".')
    category = _category(body.get("category"), required=True)
    assert category is not None
    parameter_format = str(body.get("parameter_format") or "POSITIONAL").upper()
    if parameter_format not in {"POSITIONAL", "NAMED"}:
        raise param_error(
            f'Param parameter_format must be one of {{NAMED, POSITIONAL}} - got "{body.get("parameter_format")}".'
        )
    components = stored_components(
        body.get("components"),
        category=category,
        parameter_format=parameter_format,
        handle_mime_type=handle_mime_type,
    )
    return TemplateRequest(
        name=name,
        language=language,
        category=category,
        parameter_format=parameter_format,
        components=components,
        message_send_ttl_seconds=_ttl(body.get("message_send_ttl_seconds"), category),
    )


def check_creation(
    request: TemplateRequest,
    *,
    waba_templates: list[Template],
    creations_in_the_last_hour: int,
    creations_per_hour: int,
    templates_per_waba: int,
    now: float,
) -> None:
    """What depends on the WABA's other templates: the creation rate, the name, the template count."""
    if creations_in_the_last_hour >= creations_per_hour:
        # Meta's reference of this endpoint lists 80008 for too many calls to one WABA.
        raise GraphError(
            80008,
            "There have been too many calls to this WhatsApp Business account. Wait a bit and try again.",
            details=f"At most {creations_per_hour} message templates can be created per WhatsApp Business "
            "Account per hour.",
        )
    same = [t for t in waba_templates if (t.name, t.language) == (request.name, request.language)]
    language = language_name(request.language)
    if any(not t.is_deleted for t in same):
        raise rule_error(
            "Content in This Language Already Exists",
            f"There's already {language} content for this template. You can create a new template and try again.",
            subcode=DUPLICATE_LANGUAGE,
        )
    if any(t.name_blocked_until is not None and t.name_blocked_until > now for t in same):
        raise rule_error(
            "Message Template Language Is Being Deleted",
            f"New {language} content can't be added while the existing {language} content is being deleted. "
            "Try again in 4 weeks or consider creating a new message template.",
            subcode=LANGUAGE_BEING_DELETED,
        )
    if sum(not t.is_deleted for t in waba_templates) >= templates_per_waba:
        raise rule_error(
            "Message Template Limit Reached",
            f"This WhatsApp Business Account already has {templates_per_waba} message templates. Delete some "
            "before creating new ones.",
            subcode=TEMPLATE_LIMIT,
        )


# Editing


def edit_request(body: dict[str, Any], template: Template, *, handle_mime_type: HandleLookup) -> TemplateEdit:
    """The request of `POST /{template-id}`: only `category`, `components` and `message_send_ttl_seconds`."""
    if not {"category", "components", "message_send_ttl_seconds"} & set(body):
        raise param_error(
            "At least one of the parameters category, components or message_send_ttl_seconds is required."
        )
    category = _category(body.get("category"), required=False)
    resulting_category = category or template.category
    components = None
    if "components" in body:
        components = stored_components(
            body["components"],
            category=resulting_category,
            parameter_format=template.parameter_format,
            handle_mime_type=handle_mime_type,
        )
    elif category is not None and "AUTHENTICATION" in {category, template.category} and category != template.category:
        raise rule_error(
            "Components Required",
            "Authentication templates are built differently: give the components when changing to or from "
            "the AUTHENTICATION category.",
        )
    ttl = _ttl(body.get("message_send_ttl_seconds"), resulting_category)
    return TemplateEdit(category=category, components=components, message_send_ttl_seconds=ttl)


def edited(template: Template, edit: TemplateEdit, *, now: float) -> Template:
    """The template after the edit, under Meta's limits; a content change sends it back to review."""
    if template.status not in EDITABLE_STATUSES:
        raise rule_error(
            "Message Template Can't Be Edited",
            f"Only approved, rejected or paused templates can be edited. This template is {template.status}.",
        )
    category_changes = edit.category is not None and edit.category != template.category
    content_changes = edit.components is not None or category_changes
    approved_edits = tuple(t for t in template.approved_edits if now - t < 30 * DAY_SECONDS)
    if template.status == "APPROVED":
        if category_changes:
            raise rule_error(
                "Category Can't Be Changed",
                "The category of an approved template can't be changed. Create a new template instead.",
            )
        if content_changes and any(now - t < DAY_SECONDS for t in approved_edits):
            raise rule_error(
                "Edit Limit Reached",
                "An approved template can be edited once in 24 hours. Try again later.",
            )
        if content_changes and len(approved_edits) >= APPROVED_EDITS_PER_30_DAYS:
            raise rule_error(
                "Edit Limit Reached",
                f"An approved template can be edited {APPROVED_EDITS_PER_30_DAYS} times in 30 days. Try again later.",
            )
    changed = template
    if edit.message_send_ttl_seconds is not None:
        changed = dataclasses.replace(changed, message_send_ttl_seconds=edit.message_send_ttl_seconds)
    if not content_changes:
        return changed
    if template.status == "APPROVED":
        approved_edits = (*approved_edits, now)
    return dataclasses.replace(
        changed,
        category=edit.category or template.category,
        components=edit.components if edit.components is not None else template.components,
        status="PENDING",
        rejected_reason="NONE",
        revision=template.revision + 1,
        approved_edits=approved_edits,
    )


def has_adjacent_parameters(template: Template) -> bool:
    """Parameters with nothing but spaces between them, which Meta's review rejects (INVALID_FORMAT)."""
    return any(ADJACENT_PARAMETERS.search(template.text_of(kind)) for kind in ("HEADER", "BODY"))


# Components


def stored_components(
    components: object, *, category: str, parameter_format: str, handle_mime_type: HandleLookup
) -> list[dict[str, Any]]:
    """The components, checked, as Meta stores them (types in capitals; authentication built by Meta)."""
    if not isinstance(components, list) or not components:
        raise param_error("The parameter components is required.")
    given: dict[str, tuple[int, dict[str, Any]]] = {}
    for index, component in enumerate(components):
        if not isinstance(component, dict):
            raise param_error(f"Param components[{index}] must be a JSON object.")
        kind = str(component.get("type", "")).upper()
        if kind not in COMPONENT_TYPES:
            raise param_error(
                f"Param components[{index}]['type'] must be one of {{BODY, BUTTONS, FOOTER, HEADER}} - got "
                f'"{component.get("type")}".'
            )
        if kind in given:
            raise rule_error("Too Many Components", f"A template can have only one {kind.lower()} component.")
        given[kind] = (index, {**component, "type": kind})
    if "BODY" not in given:
        raise rule_error("Message Template Body Required", "Add a body to the template: it is required.")
    if category == "AUTHENTICATION":
        return _authentication_components(given)
    named = parameter_format == "NAMED"
    stored: list[dict[str, Any]] = []
    for kind, (index, component) in sorted(given.items(), key=lambda item: item[1][0]):
        if kind == "HEADER":
            stored.append(_header(index, component, category=category, named=named, handle_mime_type=handle_mime_type))
        elif kind == "BODY":
            stored.append(_body(index, component, named=named))
        elif kind == "FOOTER":
            stored.append(_footer(index, component))
        else:
            stored.append(_buttons(index, component))
    return stored


def _header(
    index: int, component: dict[str, Any], *, category: str, named: bool, handle_mime_type: HandleLookup
) -> dict[str, Any]:
    header_format = str(component.get("format") or "").upper()
    if header_format not in HEADER_FORMATS:
        raise param_error(
            f"Param components[{index}]['format'] must be one of {{DOCUMENT, GIF, IMAGE, LOCATION, TEXT, VIDEO}} - "
            f'got "{component.get("format")}".'
        )
    component = {**component, "format": header_format}
    if header_format == "TEXT":
        text = _text(index, component)
        if len(text) > HEADER_TEXT_MAX:
            raise _too_long("header", HEADER_TEXT_MAX, len(text))
        if "\n" in text or "*" in text:
            raise rule_error(
                "Message Header Format Is Incorrect",
                "The message header can't have any new lines, formatting characters or asterisks.",
                subcode=HEADER_FORMAT,
            )
        names = _placeholders(text, named=named, where="header", subcode=HEADER_FORMAT)
        if len(names) > 1:
            raise rule_error(
                "Message Header Format Is Incorrect",
                "The header can have only one variable.",
                subcode=HEADER_FORMAT,
            )
        if names:
            _check_examples(component, names, named=named, where="header")
    elif header_format == "LOCATION":
        if category not in {"UTILITY", "MARKETING"}:
            raise rule_error(
                "Message Header Format Is Incorrect",
                "Location headers can be used only in utility and marketing templates.",
                subcode=HEADER_FORMAT,
            )
    else:
        if header_format == "GIF" and category != "MARKETING":
            raise rule_error(
                "Message Header Format Is Incorrect",
                "GIF headers can be used only in marketing templates.",
                subcode=HEADER_FORMAT,
            )
        _check_header_handle(component, header_format, handle_mime_type)
    return component


def _check_header_handle(component: dict[str, Any], header_format: str, handle_mime_type: HandleLookup) -> None:
    example = component.get("example")
    handles = example.get("header_handle") if isinstance(example, dict) else None
    if not isinstance(handles, list) or len(handles) != 1 or not isinstance(handles[0], str) or not handles[0]:
        raise rule_error(
            "Sample Required for Media Header",
            f"Add a sample {header_format.lower()} to the header: example.header_handle needs one handle from "
            "the Resumable Upload API.",
        )
    handle = handles[0]
    if not HANDLE_PATTERN.fullmatch(handle):
        raise rule_error(
            "Invalid Media Handle",
            'example.header_handle must be a handle from the Resumable Upload API (like "4::aW…"), not a URL '
            "or a media id.",
        )
    mime_type = handle_mime_type(handle)
    # A handle the simulator never issued (from Meta itself, or a recorded request) is taken on
    # trust: Meta can't be asked offline, and refusing it would break replays of real requests.
    if mime_type is not None and mime_type not in HEADER_MIME_TYPES[header_format]:
        raise rule_error(
            "Message Header Format Is Incorrect",
            f"The sample uploaded for this {header_format.lower()} header is a {mime_type} file.",
            subcode=HEADER_FORMAT,
        )


def _body(index: int, component: dict[str, Any], *, named: bool) -> dict[str, Any]:
    text = _text(index, component)
    if len(text) > BODY_MAX:
        raise _too_long("body", BODY_MAX, len(text))
    names = _placeholders(text, named=named, where="body", subcode=BODY_FORMAT)
    trimmed = text.strip(EDGE_PUNCTUATION)
    if names and (trimmed.startswith("{{") or trimmed.endswith("}}")):
        raise rule_error(
            "Variables can't be at the start or end of the template",
            "Variables can't be at the start or end of the template. Add text before the first variable and "
            "after the last one.",
            subcode=DANGLING_PARAMETER,
        )
    if names:
        _check_examples(component, names, named=named, where="body")
    return component


def _footer(index: int, component: dict[str, Any]) -> dict[str, Any]:
    text = _text(index, component)
    if len(text) > FOOTER_MAX:
        raise _too_long("footer", FOOTER_MAX, len(text))
    if "{{" in text or "}}" in text:
        raise rule_error(
            "Message Footer Format Is Incorrect",
            "The footer can't have variables.",
            subcode=FOOTER_FORMAT,
        )
    return component


def _buttons(index: int, component: dict[str, Any]) -> dict[str, Any]:
    buttons = component.get("buttons")
    if not isinstance(buttons, list) or not buttons:
        raise param_error(f"Param components[{index}]['buttons'] must be a non-empty array.")
    if len(buttons) > BUTTONS_MAX:
        raise rule_error("Too Many Buttons", f"A template can have at most {BUTTONS_MAX} buttons.")
    stored = []
    for position, given in enumerate(buttons):
        where = f"components[{index}]['buttons'][{position}]"
        if not isinstance(given, dict):
            raise param_error(f"Param {where} must be a JSON object.")
        kind = str(given.get("type", "")).upper()
        if kind not in BUTTON_TYPES - {"OTP"}:
            if kind == "OTP":
                raise rule_error("Invalid Button", "OTP buttons can be used only in authentication templates.")
            raise param_error(
                f"Param {where}['type'] must be one of {{COPY_CODE, PHONE_NUMBER, QUICK_REPLY, URL, …}} - got "
                f'"{given.get("type")}".'
            )
        button = {**given, "type": kind}
        _check_button(where, kind, button)
        stored.append(button)
    counts = Counter(button["type"] for button in stored)
    for kind, maximum in BUTTON_TYPE_MAX.items():
        if counts[kind] > maximum:
            label = kind.replace("_", " ").lower()
            raise rule_error("Too Many Buttons", f"A template can have at most {maximum} {label} buttons.")
    is_quick_reply = [button["type"] == "QUICK_REPLY" for button in stored]
    if sum(1 for a, b in itertools.pairwise(is_quick_reply) if a != b) > 1:
        raise rule_error(
            "Buttons Aren't Grouped",
            "Quick reply buttons must be grouped together, before or after the other buttons.",
        )
    return {**component, "buttons": stored}


def _check_button(where: str, kind: str, button: dict[str, Any]) -> None:
    if kind != "COPY_CODE":
        label = button.get("text")
        if not isinstance(label, str) or not label.strip():
            raise param_error(f"The parameter {where}['text'] is required.")
        if len(label) > BUTTON_LABEL_MAX:
            raise param_error(f"Param {where}['text'] must be at most {BUTTON_LABEL_MAX} characters long.")
    if kind == "URL":
        _check_url_button(where, button)
    elif kind == "PHONE_NUMBER":
        phone_number = button.get("phone_number")
        if not isinstance(phone_number, str) or not phone_number:
            raise param_error(f"The parameter {where}['phone_number'] is required.")
        if len(phone_number) > PHONE_NUMBER_MAX:
            raise param_error(f"Param {where}['phone_number'] must be at most {PHONE_NUMBER_MAX} characters long.")
        if not PHONE_NUMBER_PATTERN.fullmatch(phone_number):
            # Code 192, as Meta answers it (seen in a third-party test report).
            raise param_error(f"Param {where}['phone_number'] is not a valid phone number.", code=192)
    elif kind == "COPY_CODE":
        example = button.get("example")
        if not isinstance(example, str) or not example:
            raise rule_error("Sample Required", "Add a sample code to the copy code button (example).")
        if len(example) > COPY_CODE_EXAMPLE_MAX:
            raise param_error(f"Param {where}['example'] must be at most {COPY_CODE_EXAMPLE_MAX} characters long.")


def _check_url_button(where: str, button: dict[str, Any]) -> None:
    url = button.get("url")
    if not isinstance(url, str) or not url:
        raise param_error(f"The parameter {where}['url'] is required.")
    if len(url) > URL_MAX:
        raise param_error(f"Param {where}['url'] must be at most {URL_MAX} characters long.")
    if not url.startswith(("https://", "http://")):
        raise param_error(f"Param {where}['url'] must be a valid URL.")
    variables = ANY_PLACEHOLDER.findall(url)
    if not variables:
        return
    if variables != ["1"] or not url.endswith("}}"):
        raise rule_error(
            "Invalid URL Button",
            "A URL button can have one variable, {{1}}, and only at the end of its URL.",
        )
    example = button.get("example")
    if not isinstance(example, list) or len(example) != 1 or not isinstance(example[0], str) or not example[0]:
        raise rule_error(
            "Sample Required for Variables",
            "Add a sample URL (example) to the URL button with a variable.",
        )


def _authentication_components(given: dict[str, tuple[int, dict[str, Any]]]) -> list[dict[str, Any]]:
    """Authentication templates: Meta writes the text; the business chooses the security
    recommendation, the code's expiry and the OTP button, stored as a URL button."""
    if "HEADER" in given:
        raise rule_error("Invalid Authentication Template", "Authentication templates can't have a header.")
    _index, body = given["BODY"]
    if body.get("text"):
        raise rule_error(
            "Invalid Authentication Template",
            "WhatsApp writes the text of authentication templates: leave out the body's text.",
        )
    security = body.get("add_security_recommendation", False)
    if not isinstance(security, bool):
        raise param_error("Param components[]['add_security_recommendation'] must be a boolean.")
    body_text = AUTHENTICATION_BODY + (" For your security, do not share this code." if security else "")
    stored: list[dict[str, Any]] = [
        {"type": "BODY", "text": body_text, **({"add_security_recommendation": True} if security else {})}
    ]
    if "FOOTER" in given:
        _index, footer = given["FOOTER"]
        if footer.get("text"):
            raise rule_error(
                "Invalid Authentication Template",
                "WhatsApp writes the footer of authentication templates: give code_expiration_minutes only.",
            )
        minutes = footer.get("code_expiration_minutes")
        if minutes is not None:
            if isinstance(minutes, bool) or not isinstance(minutes, int):
                raise param_error("Param code_expiration_minutes must be an integer.")
            if not 1 <= minutes <= CODE_EXPIRATION_MINUTES_MAX:
                raise param_error(f"Param code_expiration_minutes must be between 1 and {CODE_EXPIRATION_MINUTES_MAX}.")
            stored.append(
                {
                    "type": "FOOTER",
                    "text": f"This code expires in {minutes} minutes.",
                    "code_expiration_minutes": minutes,
                }
            )
    stored.append(_otp_button(given.get("BUTTONS")))
    return stored


def _otp_button(given: tuple[int, dict[str, Any]] | None) -> dict[str, Any]:
    buttons = given[1].get("buttons") if given else None
    if not isinstance(buttons, list) or len(buttons) != 1 or not isinstance(buttons[0], dict):
        raise rule_error("Invalid Authentication Template", "Authentication templates need exactly one OTP button.")
    button = buttons[0]
    if str(button.get("type", "")).upper() != "OTP":
        raise rule_error("Invalid Authentication Template", "The button of an authentication template must be OTP.")
    otp_type = str(button.get("otp_type", "")).upper()
    if otp_type not in OTP_TYPES:
        raise param_error(
            f'Param otp_type must be one of {{COPY_CODE, ONE_TAP, ZERO_TAP}} - got "{button.get("otp_type")}".'
        )
    if otp_type != "COPY_CODE":
        apps = button.get("supported_apps")
        has_apps = (
            isinstance(apps, list)
            and bool(apps)
            and all(isinstance(app, dict) and app.get("package_name") and app.get("signature_hash") for app in apps)
        )
        if not has_apps and not (button.get("package_name") and button.get("signature_hash")):
            raise rule_error(
                "Invalid Authentication Template",
                f"{otp_type} buttons need supported_apps with each app's package_name and signature_hash.",
            )
    if otp_type == "ZERO_TAP" and button.get("zero_tap_terms_accepted") is not True:
        raise rule_error("Invalid Authentication Template", "Zero-tap buttons need zero_tap_terms_accepted: true.")
    label = button.get("text") or ("Copy code" if otp_type == "COPY_CODE" else "Autofill")
    if not isinstance(label, str) or len(label) > BUTTON_LABEL_MAX:
        raise param_error(f"Param text must be at most {BUTTON_LABEL_MAX} characters long.")
    # Meta stores the OTP button as a URL button whose variable is the code (the reference, §6).
    url = f"https://www.whatsapp.com/otp/code/?otp_type={otp_type}&code=otp{{{{1}}}}"
    return {"type": "BUTTONS", "buttons": [{"type": "URL", "text": label, "url": url}]}


# Text and parameters


def _text(index: int, component: dict[str, Any]) -> str:
    text = component.get("text")
    if not isinstance(text, str) or not text.strip():
        raise param_error(f"The parameter components[{index}]['text'] is required.")
    return text


def _too_long(where: str, maximum: int, length: int) -> GraphError:
    return rule_error(
        "Message Template Character Limit Exceeded",
        f"The {where} can have at most {maximum} characters; it has {length}.",
        subcode=TOO_LONG,
    )


def _placeholders(text: str, *, named: bool, where: str, subcode: int) -> list[str]:
    """The distinct parameter names in order, after checking their syntax and sequence."""
    title = f"Message {where.title()} Format Is Incorrect"
    names = []
    for match in ANY_PLACEHOLDER.finditer(text):
        inner = match.group(1)
        if not (NAMED_NAME if named else POSITIONAL_NAME).fullmatch(inner):
            expected = "lowercase letters, digits and underscores, like {{first_name}}" if named else "{{1}}, {{2}}…"
            message = f"The {where} has an invalid variable {{{{{inner}}}}}: use {expected}."
            raise rule_error(title, message, subcode=subcode)
        names.append(inner)
    if "{{" in ANY_PLACEHOLDER.sub("", text) or "}}" in ANY_PLACEHOLDER.sub("", text):
        raise rule_error(title, f"The {where} has unbalanced braces around a variable.", subcode=subcode)
    distinct = list(dict.fromkeys(names))
    if not named and sorted(int(name) for name in distinct) != list(range(1, len(distinct) + 1)):
        raise rule_error(
            title,
            f"The {where}'s variables must be numbered in sequence from {{{{1}}}} without gaps.",
            subcode=subcode,
        )
    return distinct


def _check_examples(component: dict[str, Any], names: list[str], *, named: bool, where: str) -> None:
    example = component.get("example")
    example = example if isinstance(example, dict) else {}
    if named:
        given = example.get(f"{where}_text_named_params")
        pairs = given if isinstance(given, list) else []
        samples = {
            str(pair.get("param_name")): pair.get("example")
            for pair in pairs
            if isinstance(pair, dict) and isinstance(pair.get("example"), str) and pair.get("example")
        }
        complete = set(samples) == set(names)
    elif where == "header":
        given = example.get("header_text")
        complete = isinstance(given, list) and len(given) == len(names) and all(isinstance(s, str) and s for s in given)
    else:
        given = example.get("body_text")
        rows = given if isinstance(given, list) and given else [None]
        row = rows[0]
        complete = isinstance(row, list) and len(row) == len(names) and all(isinstance(s, str) and s for s in row)
    if not complete:
        raise rule_error(
            "Samples Required for Variables",
            f"Add a sample for each variable in the {where} ({len(names)} needed) to the component's example.",
        )


def _category(value: object, *, required: bool) -> str | None:
    if value in (None, ""):
        if required:
            raise param_error("The parameter category is required.")
        return None
    category = str(value).upper()
    if category not in CATEGORIES:
        raise param_error(f'Param category must be one of {{AUTHENTICATION, MARKETING, UTILITY}} - got "{value}".')
    return category


def _ttl(value: object, category: str) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int):
        raise param_error("Param message_send_ttl_seconds must be an integer.")
    low, high = TTL_RANGES[category]
    if value != -1 and not low <= value <= high:
        raise param_error(
            f"Param message_send_ttl_seconds must be between {low} and {high} for {category.lower()} templates, or -1."
        )
    return value
