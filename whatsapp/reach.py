"""Ways for customers to find a number: the click-to-chat link (`https://wa.me/<digits>?text=…`),
QR codes of it as PNG or SVG, and its opening hours in a line short enough for a button."""

from __future__ import annotations

import io
from typing import Literal
from urllib.parse import quote

import segno
from django.utils.dates import WEEKDAYS_ABBR
from django.utils.translation import gettext as _

from accounts.errors import ServiceError
from inbox.hours import OpeningHours

# A link someone scans or taps: long texts make dense, hard-to-scan codes and unwieldy URLs.
PREFILLED_TEXT_MAX = 500
QR_SIZE_MIN = 120
QR_SIZE_MAX = 2000
QR_SIZES = (200, 400, 800, 1600)
QR_BORDER_MODULES = 4  # the quiet zone readers need around the code
QRFormat = Literal["png", "svg"]


def wa_me_digits(display_phone_number: str) -> str:
    """The number as wa.me wants it: country code and number, digits only (no +, 00 or spaces)."""
    digits = "".join(c for c in display_phone_number if c.isdigit())
    if display_phone_number.strip().startswith("00"):
        digits = digits[2:]
    if not 7 <= len(digits) <= 15:
        raise ServiceError(
            _("“%(number)s” is not a full international phone number.") % {"number": display_phone_number[:40]},
            code="invalid_phone",
        )
    return digits


def click_to_chat_url(*, display_phone_number: str, text: str = "") -> str:
    """`https://wa.me/<digits>`, with `?text=` the prefilled message, percent-encoded as UTF-8
    (spaces as %20: WhatsApp shows a "+" literally)."""
    url = f"https://wa.me/{wa_me_digits(display_phone_number)}"
    text = text.strip()
    if len(text) > PREFILLED_TEXT_MAX:
        raise ServiceError(
            _("The prefilled message can be at most %(limit)s characters (this is %(length)s).")
            % {"limit": PREFILLED_TEXT_MAX, "length": len(text)},
            code="text_too_long",
        )
    return f"{url}?text={quote(text, safe='')}" if text else url


def qr_size(value: str | None) -> int:
    """A requested QR code size in pixels (default 400), or ServiceError `invalid_size`."""
    if not value:
        return QR_SIZES[1]
    size = int(value) if value.isdigit() else 0
    if not QR_SIZE_MIN <= size <= QR_SIZE_MAX:
        raise ServiceError(
            _("The size must be a number of pixels from %(min)s to %(max)s.")
            % {"min": QR_SIZE_MIN, "max": QR_SIZE_MAX},
            code="invalid_size",
        )
    return size


def qr_code(url: str, *, kind: QRFormat, size: int) -> bytes:
    """A QR code of `url` at most `size` pixels wide (whole pixels per module keep it sharp)."""
    code = segno.make(url, error="m", micro=False)
    width_in_modules = code.symbol_size(scale=1, border=QR_BORDER_MODULES)[0]
    scale = max(1, size // width_in_modules)
    out = io.BytesIO()
    if kind == "svg":
        code.save(out, kind="svg", scale=scale, border=QR_BORDER_MODULES, xmldecl=False, svgclass=None, lineclass=None)
    else:
        code.save(out, kind="png", scale=scale, border=QR_BORDER_MODULES)
    return out.getvalue()


def hours_summary(hours: OpeningHours) -> str:
    """The weekly hours in one line, days with the same hours grouped: "Mon–Fri 09:00–17:00 · Sat 10:00–14:00"."""
    texts = [
        ", ".join(
            f"{interval.opens:%H:%M}–{interval.closes:%H:%M}"
            for interval in sorted((i for i in hours.intervals if i.weekday == weekday), key=lambda i: i.opens)
        )
        for weekday in range(7)
    ]
    groups: list[tuple[int, int, str]] = []  # first day, last day, hours
    for weekday, text in enumerate(texts):
        if not text:
            continue
        if groups and groups[-1][1] == weekday - 1 and groups[-1][2] == text:
            groups[-1] = (groups[-1][0], weekday, text)
        else:
            groups.append((weekday, weekday, text))
    return " · ".join(
        f"{WEEKDAYS_ABBR[first]}{'' if last == first else '–' + str(WEEKDAYS_ABBR[last])} {text}"
        for first, last, text in groups
    )
