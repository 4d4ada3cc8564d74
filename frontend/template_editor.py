"""The template editor's form: flat fields a person fills in, turned into Meta's creation body and back.

Examples are asked for per placeholder: the form reads the placeholders from the texts it
was given and adds one example field for each, so the editor always shows exactly the
examples the template needs.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django import forms
from django.http import QueryDict
from django.utils.translation import gettext_lazy as _

from templates_mgmt.models import MessageTemplate, ParameterFormat, TemplateCategory
from templates_mgmt.policy import placeholders

MAX_BUTTONS = 10
HEADER_FORMATS = [
    ("NONE", _("None")),
    ("TEXT", _("Text")),
    ("IMAGE", _("Image")),
    ("VIDEO", _("Video")),
    ("DOCUMENT", _("Document")),
    ("LOCATION", _("Location")),
]
MEDIA_HEADERS = ("IMAGE", "VIDEO", "DOCUMENT")
BUTTON_TYPES = [
    ("", _("No button")),
    ("QUICK_REPLY", _("Quick reply")),
    ("URL", _("Link")),
    ("PHONE_NUMBER", _("Call")),
    ("COPY_CODE", _("Copy code")),
]
LANGUAGES = ["en", "en_US", "en_GB", "fr", "de", "es", "it", "nl", "pt_BR", "pt_PT", "pl", "tr", "ar", "hi"]


def _example_key(component: str, name: str) -> str:
    return f"example__{component}__{name}"


class TemplateEditorForm(forms.Form):
    waba_id = forms.ChoiceField(label=_("WhatsApp Business Account"))
    name = forms.CharField(
        label=_("Name"), max_length=512, help_text=_("Lowercase letters, digits and underscores, e.g. order_update.")
    )
    language = forms.CharField(label=_("Language"), max_length=16, help_text=_("A code such as en, en_US, fr or de."))
    category = forms.ChoiceField(label=_("Category"), choices=TemplateCategory.choices)
    parameter_format = forms.ChoiceField(
        label=_("Placeholders"), choices=ParameterFormat.choices, initial=ParameterFormat.NAMED
    )
    header_format = forms.ChoiceField(label=_("Header"), choices=HEADER_FORMATS, initial="NONE", required=False)
    header_text = forms.CharField(label=_("Header text"), required=False, max_length=200)
    header_file = forms.FileField(
        label=_("Example file"),
        required=False,
        help_text=_(
            "Meta reviews a media header with an example: a JPEG or PNG image (5 MB), an MP4 video (16 MB) "
            "or a PDF document. It is uploaded to Meta when you save."
        ),
    )
    header_handle = forms.CharField(
        label=_("Example file handle"),
        required=False,
        max_length=1000,
        help_text=_("Filled in by the upload; or paste the handle of a file uploaded before (4::…)."),
    )
    body_text = forms.CharField(
        label=_("Body"),
        widget=forms.Textarea(attrs={"rows": 6}),
        max_length=4000,
        help_text=_("Placeholders in double braces: {{first_name}} or {{1}}. *bold*, _italic_ and ~strike~ work."),
    )
    footer_text = forms.CharField(label=_("Footer"), required=False, max_length=200)

    def __init__(self, *args: Any, waba_ids: list[str], editable_identity: bool = True, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        waba_field = self.fields["waba_id"]
        assert isinstance(waba_field, forms.ChoiceField)
        waba_field.choices = [(w, w) for w in waba_ids]
        self.fields["language"].widget.attrs["list"] = "template-languages"
        if not editable_identity:
            # A template Meta knows keeps its name, language and business account.
            for name in ("waba_id", "name", "language", "parameter_format"):
                self.fields[name].disabled = True
        for index in range(MAX_BUTTONS):
            self.fields[f"button_{index}_type"] = forms.ChoiceField(
                label=_("Button %(n)s") % {"n": index + 1}, choices=BUTTON_TYPES, required=False
            )
            self.fields[f"button_{index}_text"] = forms.CharField(label=_("Label"), required=False, max_length=100)
            self.fields[f"button_{index}_value"] = forms.CharField(
                label=_("Link, phone number or example code"), required=False, max_length=2000
            )
            self.fields[f"button_{index}_example"] = forms.CharField(
                label=_("Example link"), required=False, max_length=2000
            )
        for component, name in self.placeholder_slots():
            self.fields[_example_key(component, name)] = forms.CharField(
                label=f"{{{{{name}}}}}", required=False, max_length=1000
            )

    def _value(self, name: str) -> str:
        field = self.fields.get(name)
        if self.is_bound and not (field is not None and field.disabled):
            return str(self.data.get(self.add_prefix(name), "") or "")
        return str(self.initial.get(name, "") or "")

    def placeholder_slots(self) -> list[tuple[str, str]]:
        """(component, placeholder) pairs found in the texts given, in order, without repeats."""
        slots: list[tuple[str, str]] = []
        if self._value("header_format") == "TEXT":
            slots += [("header", name) for name in placeholders(self._value("header_text"))]
        slots += [("body", name) for name in placeholders(self._value("body_text"))]
        for index in range(MAX_BUTTONS):
            if self._value(f"button_{index}_type") == "URL":
                slots += [(f"button{index}", name) for name in placeholders(self._value(f"button_{index}_value"))]
        return list(dict.fromkeys(slots))

    def example_slots_key(self) -> str:
        """Which example fields the editor shows, so a preview knows when to redraw them."""
        return ",".join(f"{component}:{name}" for component, name in self.placeholder_slots())

    def example_fields(self) -> list[forms.BoundField]:
        return [self[_example_key(component, name)] for component, name in self.placeholder_slots()]

    def button_rows(self) -> list[dict[str, forms.BoundField]]:
        """The filled buttons and one empty row to add another (all ten once filled)."""
        filled = [i for i in range(MAX_BUTTONS) if self._value(f"button_{i}_type")]
        shown = len(filled) + 1 if len(filled) < MAX_BUTTONS else MAX_BUTTONS
        order = filled + [i for i in range(MAX_BUTTONS) if i not in filled]
        return [
            {part: self[f"button_{i}_{part}"] for part in ("type", "text", "value", "example")} for i in order[:shown]
        ]

    def keep_example_handle(self, handle: str) -> None:
        """Use the handle of the example file just uploaded: in the body, and in the form if it is
        shown again (a file input can't be refilled, so the upload is not asked for twice)."""
        data = QueryDict(mutable=True)
        data.update(self.data)
        data[self.add_prefix("header_handle")] = handle
        self.data = data

    def creation_body(self) -> dict[str, Any]:
        """Meta's creation body from what the form holds (cleaned when valid, raw otherwise)."""
        value = self._value
        named = value("parameter_format") == ParameterFormat.NAMED
        examples = {slot: value(_example_key(*slot)) for slot in self.placeholder_slots()}
        components: list[dict[str, Any]] = []
        header_format = value("header_format") or "NONE"
        if header_format == "TEXT":
            header: dict[str, Any] = {"type": "HEADER", "format": "TEXT", "text": value("header_text")}
            names = placeholders(value("header_text"))
            if names:
                header["example"] = (
                    {"header_text_named_params": [{"param_name": n, "example": examples[("header", n)]} for n in names]}
                    if named
                    else {"header_text": [examples[("header", n)] for n in names]}
                )
            components.append(header)
        elif header_format in MEDIA_HEADERS:
            handle = value("header_handle")
            components.append(
                {
                    "type": "HEADER",
                    "format": header_format,
                    **({"example": {"header_handle": [handle]}} if handle else {}),
                }
            )
        elif header_format == "LOCATION":
            components.append({"type": "HEADER", "format": "LOCATION"})
        body: dict[str, Any] = {"type": "BODY", "text": value("body_text")}
        body_names = list(dict.fromkeys(placeholders(value("body_text"))))
        if body_names:
            body["example"] = (
                {"body_text_named_params": [{"param_name": n, "example": examples[("body", n)]} for n in body_names]}
                if named
                else {"body_text": [[examples[("body", n)] for n in body_names]]}
            )
        components.append(body)
        if value("footer_text"):
            components.append({"type": "FOOTER", "text": value("footer_text")})
        buttons = [self._button(i, examples) for i in range(MAX_BUTTONS) if value(f"button_{i}_type")]
        if buttons:
            components.append({"type": "BUTTONS", "buttons": buttons})
        return {
            "name": value("name").strip(),
            "language": value("language").strip(),
            "category": value("category"),
            "parameter_format": value("parameter_format") or ParameterFormat.POSITIONAL,
            "components": components,
        }

    def _button(self, index: int, examples: Mapping[tuple[str, str], str]) -> dict[str, Any]:
        kind = self._value(f"button_{index}_type")
        text = self._value(f"button_{index}_text")
        target = self._value(f"button_{index}_value")
        if kind == "URL":
            button: dict[str, Any] = {"type": "URL", "text": text, "url": target}
            names = placeholders(target)
            if names:
                example = self._value(f"button_{index}_example") or examples.get((f"button{index}", names[0]), "")
                button["example"] = [example]
            return button
        if kind == "PHONE_NUMBER":
            return {"type": "PHONE_NUMBER", "text": text, "phone_number": target}
        if kind == "COPY_CODE":
            return {"type": "COPY_CODE", "example": target}
        return {"type": kind, "text": text}


def editor_initial(template: MessageTemplate) -> dict[str, Any]:
    """The editor's fields for a stored template (the inverse of `creation_body`)."""
    initial: dict[str, Any] = {
        "waba_id": template.waba_id,
        "name": template.name,
        "language": template.language,
        "category": template.category,
        "parameter_format": template.parameter_format,
        "header_format": "NONE",
    }
    for component in template.components:
        kind = str(component.get("type", "")).upper()
        example = component.get("example") or {}
        if kind == "HEADER":
            initial["header_format"] = str(component.get("format", "TEXT")).upper()
            initial["header_text"] = component.get("text", "")
            initial["header_handle"] = (example.get("header_handle") or [""])[0]
            _initial_examples(initial, "header", component.get("text", ""), example, "header_text")
        elif kind == "BODY":
            initial["body_text"] = component.get("text", "")
            _initial_examples(initial, "body", component.get("text", ""), example, "body_text")
        elif kind == "FOOTER":
            initial["footer_text"] = component.get("text", "")
        elif kind == "BUTTONS":
            for index, button in enumerate((component.get("buttons") or [])[:MAX_BUTTONS]):
                button_type = str(button.get("type", "")).upper()
                initial[f"button_{index}_type"] = button_type
                initial[f"button_{index}_text"] = button.get("text", "")
                initial[f"button_{index}_value"] = (
                    button.get("url") or button.get("phone_number") or button.get("example") or ""
                    if button_type != "COPY_CODE"
                    else (button.get("example") or [""])[0] if isinstance(button.get("example"), list)
                    else button.get("example", "")
                )  # fmt: skip
                if button_type == "URL" and isinstance(button.get("example"), list):
                    initial[f"button_{index}_example"] = (button["example"] or [""])[0]
    return initial


def _initial_examples(initial: dict[str, Any], component: str, text: str, example: Mapping[str, Any], key: str) -> None:
    named = example.get(f"{key}_named_params")
    if isinstance(named, list):
        for item in named:
            if isinstance(item, Mapping):
                initial[_example_key(component, str(item.get("param_name", "")))] = item.get("example", "")
        return
    positional = example.get(key)
    values = positional[0] if positional and isinstance(positional[0], list) else positional or []
    for name, value in zip(dict.fromkeys(placeholders(text)), values, strict=False):
        initial[_example_key(component, name)] = value
