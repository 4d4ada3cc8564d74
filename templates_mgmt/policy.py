"""What a template needs when it is sent: its placeholders, and whether a send's parameters fit.

Plain values in (Meta's template components and a send's components), sentences out.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

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
