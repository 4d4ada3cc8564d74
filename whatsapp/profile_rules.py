"""The business profile's rules (whatsapp-cloud-api.md §7): field limits, Meta's verticals, and
what a profile photo may be. Plain data and pure functions, shared by the product's checks
(forms, API, services) and the simulator, which refuses what Meta refuses."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

ABOUT_MAX = 139
ADDRESS_MAX = 256
DESCRIPTION_MAX = 512
EMAIL_MAX = 128
WEBSITES_MAX = 2
WEBSITE_MAX = 256

# Meta's list. UNDEFINED (never chosen) and NOT_A_BIZ are answered but can't be written.
VERTICALS: tuple[str, ...] = (
    "UNDEFINED", "OTHER", "AUTO", "BEAUTY", "APPAREL", "EDU", "ENTERTAIN", "EVENT_PLAN", "FINANCE",
    "GROCERY", "GOVT", "HOTEL", "HEALTH", "NONPROFIT", "PROF_SERVICES", "RETAIL", "TRAVEL",
    "RESTAURANT", "NOT_A_BIZ",
)  # fmt: skip
READ_ONLY_VERTICALS = frozenset({"UNDEFINED", "NOT_A_BIZ"})
WRITABLE_VERTICALS: tuple[str, ...] = tuple(v for v in VERTICALS if v not in READ_ONLY_VERTICALS)
# The names WhatsApp shows customers for each category.
VERTICAL_LABELS = {
    "AUTO": gettext_lazy("Automotive"),
    "BEAUTY": gettext_lazy("Beauty, spa and salon"),
    "APPAREL": gettext_lazy("Clothing and apparel"),
    "EDU": gettext_lazy("Education"),
    "ENTERTAIN": gettext_lazy("Entertainment"),
    "EVENT_PLAN": gettext_lazy("Event planning and service"),
    "FINANCE": gettext_lazy("Finance and banking"),
    "GROCERY": gettext_lazy("Food and grocery"),
    "GOVT": gettext_lazy("Public service"),
    "HOTEL": gettext_lazy("Hotel and lodging"),
    "HEALTH": gettext_lazy("Medical and health"),
    "NONPROFIT": gettext_lazy("Non-profit organisation"),
    "PROF_SERVICES": gettext_lazy("Professional services"),
    "RETAIL": gettext_lazy("Shopping and retail"),
    "TRAVEL": gettext_lazy("Travel and transportation"),
    "RESTAURANT": gettext_lazy("Restaurant"),
    "OTHER": gettext_lazy("Other"),
}

# A profile photo: a JPEG or PNG of at most 5 MB, square-ish and at least 192 pixels a side
# (WhatsApp crops it to a circle; smaller ones are blurred on phones).
PHOTO_TYPES = ("image/jpeg", "image/png")
PHOTO_MAX_BYTES = 5 * 1024 * 1024
PHOTO_MIN_SIDE = 192
PHOTO_MAX_SIDE = 8192

_WEBSITE = re.compile(r"https?://[^\s/?#]+\.[^\s/?#]+(?:[/?#]\S*)?", re.IGNORECASE)


@dataclass(frozen=True)
class ProfileFields:
    """What the tenant writes; empty text clears a field, except `about`, which Meta keeps."""

    about: str = ""
    address: str = ""
    description: str = ""
    email: str = ""
    websites: tuple[str, ...] = ()
    vertical: str = ""


def _too_long(limit: int, length: int) -> str:
    return _("At most %(limit)s characters (this is %(length)s).") % {"limit": limit, "length": length}


def website_problem(url: str) -> str | None:
    if len(url) > WEBSITE_MAX:
        return _too_long(WEBSITE_MAX, len(url))
    if not _WEBSITE.fullmatch(url):
        return _("“%(url)s” is not a web address: write it in full, starting with https://.") % {"url": url[:80]}
    return None


def profile_problems(fields: ProfileFields) -> dict[str, str]:
    """Each field that breaks Meta's rules → a sentence a person understands; empty when all is fine."""
    problems: dict[str, str] = {}
    if len(fields.about) > ABOUT_MAX:
        problems["about"] = _too_long(ABOUT_MAX, len(fields.about))
    if len(fields.address) > ADDRESS_MAX:
        problems["address"] = _too_long(ADDRESS_MAX, len(fields.address))
    if len(fields.description) > DESCRIPTION_MAX:
        problems["description"] = _too_long(DESCRIPTION_MAX, len(fields.description))
    if len(fields.email) > EMAIL_MAX:
        problems["email"] = _too_long(EMAIL_MAX, len(fields.email))
    elif fields.email:
        try:
            validate_email(fields.email)
        except ValidationError:
            problems["email"] = _("“%(email)s” is not an email address.") % {"email": fields.email[:80]}
    websites_problem = _websites_problem(fields.websites)
    if websites_problem:
        problems["websites"] = websites_problem
    if fields.vertical and fields.vertical not in WRITABLE_VERTICALS:
        problems["vertical"] = _("Choose one of WhatsApp's categories.")
    return problems


def _websites_problem(websites: Sequence[str]) -> str | None:
    if len(websites) > WEBSITES_MAX:
        return _("At most %(limit)s websites.") % {"limit": WEBSITES_MAX}
    for url in websites:
        problem = website_problem(url)
        if problem:
            return problem
    return None


def photo_size_problem(*, byte_count: int, width: int, height: int) -> str | None:
    """Why WhatsApp would refuse a profile photo of this size; None when it is fine."""
    if byte_count > PHOTO_MAX_BYTES:
        return _("The photo is %(size)s MB; it can be at most 5 MB.") % {"size": round(byte_count / 1024 / 1024, 1)}
    if min(width, height) < PHOTO_MIN_SIDE:
        return _("The photo is %(width)s×%(height)s pixels; it needs at least %(min)s pixels on each side.") % {
            "width": width,
            "height": height,
            "min": PHOTO_MIN_SIDE,
        }
    if max(width, height) > PHOTO_MAX_SIDE:
        return _("The photo is %(width)s×%(height)s pixels; it can be at most %(max)s pixels on a side.") % {
            "width": width,
            "height": height,
            "max": PHOTO_MAX_SIDE,
        }
    return None
