"""Checks of what an admin enters for a number, shared by the settings pages and create_tenant."""

from __future__ import annotations

import re

from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator, URLValidator
from django.utils.translation import gettext_lazy as _

validate_meta_id = RegexValidator(
    r"^[0-9]+$",
    _("Use digits only (0–9), exactly as Meta shows the id."),
    code="digits_only",
)

validate_graph_api_version = RegexValidator(
    r"^v[0-9]{1,3}\.[0-9]{1,2}$",
    _("Write the version as v, a number, a dot and a number, for example v25.0."),
    code="graph_api_version",
)

validate_verify_token = RegexValidator(
    r"^[A-Za-z0-9._~-]+$",
    # Meta sends it back in a URL's query string, so it keeps to URL-safe characters.
    _("Use only letters, digits and the characters - _ . ~"),
    code="verify_token",
)

_display_phone_number = re.compile(r"^\+?[0-9][0-9 ().-]*$")


def validate_display_phone_number(value: str) -> None:
    digits = sum(character.isdigit() for character in value)
    if not _display_phone_number.match(value) or not 5 <= digits <= 15:
        raise ValidationError(
            _("Enter the number as customers see it: digits, spaces and an optional leading +, e.g. +1 555 010 0123."),
            code="display_phone_number",
        )


_http_url = URLValidator(schemes=["http", "https"])


def validate_graph_api_base_url(value: str) -> None:
    """An http(s) address without query or fragment: the client appends /<version>/<path> to it."""
    message = _("Enter an address starting with https:// (or http://), such as https://graph.facebook.com.")
    try:
        _http_url(value)
    except ValidationError:
        raise ValidationError(message, code="graph_api_base_url") from None
    if "?" in value or "#" in value:
        raise ValidationError(
            _("Enter the base address only, without ? or #, such as https://graph.facebook.com."),
            code="graph_api_base_url",
        )
