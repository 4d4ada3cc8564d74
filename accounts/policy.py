"""Rules about roles (who includes whom, who may grant or change which role), API keys, sign-in
locks, and the form of a company's VAT id.

Roles are compared as their stored strings ("agent", "admin", "owner") so these rules
stay plain functions over plain values.
"""

from __future__ import annotations

import enum
import re
from dataclasses import dataclass

_RANK = {"agent": 0, "admin": 1, "owner": 2}


def role_includes(role: str, required: str) -> bool:
    """Whether a member with `role` may do what `required` may (agent < admin < owner)."""
    return _RANK[role] >= _RANK[required]


def can_grant_role(*, actor_role: str, role: str) -> bool:
    """Admins invite and appoint agents and admins; only owners appoint owners."""
    return role_includes(actor_role, "admin") and role_includes(actor_role, role)


def can_manage_member(*, actor_role: str, member_role: str) -> bool:
    """Whether the actor may change the role of, or remove, a member who has `member_role`."""
    return can_grant_role(actor_role=actor_role, role=member_role)


def leaves_no_owner(*, owner_count: int, member_role: str, new_role: str | None) -> bool:
    """Whether changing a member's role (None: removing them) would leave the tenant ownerless."""
    return member_role == "owner" and new_role != "owner" and owner_count <= 1


# What an API key may do, by scope: the role it acts with, and whether it may write at all.
_API_KEY_ROLE = {"read": "agent", "write": "agent", "admin": "admin"}
_SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def api_key_role(scope: str) -> str:
    """The role an API key acts with: an agent's for read and write keys, an admin's for admin keys."""
    return _API_KEY_ROLE[scope]


def api_key_allows_method(*, scope: str, method: str) -> bool:
    """Read keys may only read; write and admin keys may also change things."""
    return method.upper() in _SAFE_METHODS or scope != "read"


def login_locked(*, account_failures: int, ip_failures: int, account_limit: int, ip_limit: int) -> bool:
    """Whether a sign-in must be refused before the password is even checked: the account, or
    the address it comes from, has used up its failed attempts for the current hour."""
    return account_failures >= account_limit or ip_failures >= ip_limit


def session_expired(
    *, signed_in_at: float, last_seen_at: float, now: float, idle_seconds: int, max_seconds: int
) -> bool:
    """Whether a signed-in session is over (Unix seconds): idle too long, or too old whatever
    happened in between."""
    return now - last_seen_at >= idle_seconds or now - signed_in_at >= max_seconds


# VAT ids of the EU member states (and Northern Ireland's XI), after their two-letter prefix:
# the formats of the Commission's VIES service. Greece writes EL, not its ISO code GR.
EU_VAT_FORMATS: dict[str, str] = {
    "AT": r"U\d{8}",
    "BE": r"[01]\d{9}",
    "BG": r"\d{9,10}",
    "CY": r"\d{8}[A-Z]",
    "CZ": r"\d{8,10}",
    "DE": r"\d{9}",
    "DK": r"\d{8}",
    "EE": r"\d{9}",
    "EL": r"\d{9}",
    "ES": r"[A-Z0-9]\d{7}[A-Z0-9]",
    "FI": r"\d{8}",
    "FR": r"[A-HJ-NP-Z0-9]{2}\d{9}",
    "HR": r"\d{11}",
    "HU": r"\d{8}",
    "IE": r"\d{7}[A-W][A-IW]?|\d[A-Z+*]\d{5}[A-W]",
    "IT": r"\d{11}",
    "LT": r"\d{9}|\d{12}",
    "LU": r"\d{8}",
    "LV": r"\d{11}",
    "MT": r"\d{8}",
    "NL": r"\d{9}B\d{2}",
    "PL": r"\d{10}",
    "PT": r"\d{9}",
    "RO": r"\d{2,10}",
    "SE": r"\d{12}",
    "SI": r"\d{8}",
    "SK": r"\d{10}",
    "XI": r"\d{9}|\d{12}|GD\d{3}|HA\d{3}",
}
_VAT_PREFIX_OF_COUNTRY = {"GR": "EL"}
# A company in the United Kingdom may hold an XI id (Northern Ireland) under the EU's rules.
_COUNTRIES_OF_VAT_PREFIX = {"EL": frozenset({"GR"}), "XI": frozenset({"GB"})}
_VAT_SEPARATORS = str.maketrans("", "", " .-/\u00a0")


class VatIdProblem(enum.Enum):
    CHARACTERS = "characters"  # other than letters and digits, or too short or long
    FORMAT = "format"  # an EU prefix followed by what that country's ids never look like
    COUNTRY = "country"  # an EU id of another country than the company's


@dataclass(frozen=True)
class VatIdCheck:
    """A VAT id as it is kept (upper case, no separators, with its EU prefix), or what is wrong with it."""

    vat_id: str
    problem: VatIdProblem | None = None


def vat_id_check(*, vat_id: str, country: str) -> VatIdCheck:
    """Check a VAT id's form against the company's country (ISO alpha-2, "" when unknown).

    EU ids are checked digit by digit against their country's format; an EU company's id
    written without its prefix gets it. Other countries' tax numbers are only checked for
    their characters: their formats differ too much to be worth guessing.
    """
    cleaned = vat_id.upper().translate(_VAT_SEPARATORS)
    if not cleaned:
        return VatIdCheck("")
    country = country.upper()
    own_prefix = _VAT_PREFIX_OF_COUNTRY.get(country, country)
    if own_prefix in EU_VAT_FORMATS and cleaned[0].isdigit():
        cleaned = own_prefix + cleaned
    if not 4 <= len(cleaned) <= 20 or not re.fullmatch(r"[A-Z0-9+*]+", cleaned):
        return VatIdCheck(cleaned, VatIdProblem.CHARACTERS)
    prefix = cleaned[:2]
    if prefix in EU_VAT_FORMATS:
        if not re.fullmatch(EU_VAT_FORMATS[prefix], cleaned[2:]):
            return VatIdCheck(cleaned, VatIdProblem.FORMAT)
        if country and country not in _COUNTRIES_OF_VAT_PREFIX.get(prefix, frozenset({prefix})):
            return VatIdCheck(cleaned, VatIdProblem.COUNTRY)
    elif own_prefix in EU_VAT_FORMATS:
        return VatIdCheck(cleaned, VatIdProblem.COUNTRY)
    return VatIdCheck(cleaned)
