"""Filling a template's parameters from plain values (a broadcast's CSV columns or JSON) into the
Cloud API's template message (whatsapp-cloud-api.md §4). No database.

A recipient names each value by a key: a named template's parameter names (`first_name`); for a
numbered one, `1`, `2`… for the body and `header.1` for a text header; `header` for a media
header (the file's link); `button.<index>` for a URL or copy-code button. A list gives the values
in the order of `parameter_keys`. Whether the values fit the template is the send policy's to say.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from django.utils.translation import gettext as _

from accounts.errors import ServiceError
from templates_mgmt.policy import Slot, template_slots

# Media headers a link can fill; a location header takes more than one value.
LINKED_MEDIA = ("IMAGE", "VIDEO", "DOCUMENT")
PARAMS_INVALID = "template_params_invalid"  # whatsapp.policy.Refusal.TEMPLATE_PARAMS_INVALID


def _key(slot: Slot, name: str, *, named: bool) -> str:
    if slot.component == "button":
        return f"button.{slot.index}"
    if slot.component == "header" and not named:
        return f"header.{name}"
    return name


def _slot_keys(slot: Slot, *, named: bool) -> list[str]:
    if slot.media:
        return ["header"] if slot.media in LINKED_MEDIA else []
    return [_key(slot, name, named=named) for name in slot.names]


def parameter_keys(components: Sequence[Mapping[str, Any]], *, parameter_format: str) -> tuple[str, ...]:
    """The keys a send of the template fills, each once, in the template's order."""
    named = parameter_format == "NAMED"
    keys = [key for slot in template_slots(components) for key in _slot_keys(slot, named=named)]
    return tuple(dict.fromkeys(keys))


def _invalid(message: str) -> ServiceError:
    return ServiceError(message, code=PARAMS_INVALID)


def _values(keys: tuple[str, ...], parameters: Mapping[str, str] | Sequence[str]) -> dict[str, str]:
    takes = ", ".join(keys) or _("none")
    if isinstance(parameters, Mapping):
        unknown = [key for key in parameters if key not in keys]
        if unknown:
            raise _invalid(
                _("The template has no parameter “%(key)s”; it takes: %(keys)s.") % {"key": unknown[0], "keys": takes}
            )
        return {key: str(value) for key, value in parameters.items()}
    if len(parameters) > len(keys):
        raise _invalid(
            _("%(given)d values given; the template takes %(count)d (%(keys)s).")
            % {"given": len(parameters), "count": len(keys), "keys": takes}
        )
    return {key: str(value) for key, value in zip(keys, parameters, strict=False)}


def _media_parameter(media: str, value: str) -> dict[str, Any]:
    kind = media.lower()
    return {"type": kind, kind: {"id": value} if value.isdigit() else {"link": value}}


def _component(slot: Slot, values: Mapping[str, str], *, named: bool) -> dict[str, Any] | None:
    """The send's component for one slot, with the values given for it; None when none were."""
    if slot.media:
        if "header" not in values or slot.media not in LINKED_MEDIA:
            return None
        return {"type": "header", "parameters": [_media_parameter(slot.media, values["header"])]}
    given = [(name, values[key]) for name in slot.names if (key := _key(slot, name, named=named)) in values]
    if not given:
        return None
    if slot.component == "button":
        copy_code = given[0][0] == "coupon_code"
        parameter = (
            {"type": "coupon_code", "coupon_code": given[0][1]} if copy_code else {"type": "text", "text": given[0][1]}
        )
        return {
            "type": "button",
            "sub_type": "copy_code" if copy_code else "url",
            "index": str(slot.index),
            "parameters": [parameter],
        }
    parameters = [
        {"type": "text", "text": value, **({"parameter_name": name} if named else {})} for name, value in given
    ]
    return {"type": slot.component, "parameters": parameters}


def template_message(
    *,
    name: str,
    language: str,
    components: Sequence[Mapping[str, Any]],
    parameter_format: str,
    parameters: Mapping[str, str] | Sequence[str],
) -> dict[str, Any]:
    """The Cloud API message sending the template with these values; ServiceError
    `template_params_invalid` when they name a parameter the template does not have."""
    named = parameter_format == "NAMED"
    values = _values(parameter_keys(components, parameter_format=parameter_format), parameters)
    send_components = [
        component
        for slot in template_slots(components)
        if (component := _component(slot, values, named=named)) is not None
    ]
    template: dict[str, Any] = {"name": name, "language": {"code": language}}
    if send_components:
        template["components"] = send_components
    return {"type": "template", "template": template}
