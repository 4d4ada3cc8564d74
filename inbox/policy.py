"""Rules of the inbox that decide things from plain values: how delivery statuses move, whether
the customer service window is open, a contact's consent, opt-out keywords. No database, no
clock: `now` is passed in."""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, NamedTuple

# Receipts arrive in any order; a status only ever moves up this ladder. "played" (a voice
# message was listened to) implies read. Failed is terminal.
_RANK = {"received": 0, "queued": 0, "accepted": 0, "sent": 1, "delivered": 2, "read": 3, "played": 3, "failed": 4}


def status_rank(status: str) -> int:
    return _RANK.get(status, -1)


def next_status(*, current: str, reported: str) -> str:
    """The message's status after a receipt saying `reported`: the higher of the two."""
    if current == "failed" or status_rank(reported) < 0:
        return current
    reported = "read" if reported == "played" else reported
    return reported if status_rank(reported) > status_rank(current) else current


def failure_from_errors(errors: list[dict[str, Any]]) -> dict[str, Any]:
    """What an agent sees of a failed delivery: the first error, with the channel's human sentence."""
    first = errors[0] if errors else {}
    details = first.get("error_data", {}).get("details", "") if isinstance(first.get("error_data"), dict) else ""
    return {
        "code": first.get("code"),
        "title": first.get("title") or first.get("message") or "",
        "details": details,
        "message": first.get("human_message") or first.get("title") or "The message could not be delivered.",
    }


CUSTOMER_SERVICE_WINDOW = timedelta(hours=24)


@dataclass(frozen=True)
class ServiceWindow:
    is_open: bool
    # When the window closes (or closed); None while the customer has never written.
    expires_at: datetime | None


def customer_service_window(*, last_inbound_at: datetime | None, now: datetime) -> ServiceWindow:
    """Open exactly while now − last_inbound_at < 24 h; at the 24 h mark it is closed."""
    if last_inbound_at is None:
        return ServiceWindow(is_open=False, expires_at=None)
    expires_at = last_inbound_at + CUSTOMER_SERVICE_WINDOW
    return ServiceWindow(is_open=now < expires_at, expires_at=expires_at)


# Consent ---------------------------------------------------------------------------------------
# A contact's consent is derived from its history of opt-in and opt-out events. Each scope
# ("all" messages, "marketing" messages) has its latest event; an opt-out of all also covers
# marketing, an opt-in of all lifts both, and a marketing opt-in lifts only a marketing opt-out.

OPT_IN = "opt_in"
OPT_OUT = "opt_out"
SCOPE_ALL = "all"
SCOPE_MARKETING = "marketing"


class ConsentRecord(NamedTuple):
    """One event of a contact's consent history, as plain values."""

    kind: str  # "opt_in" or "opt_out"
    scope: str  # "all" or "marketing"
    occurred_at: datetime


@dataclass(frozen=True)
class ConsentState:
    # A standing opt-in (of all messages, or of marketing) that no later opt-out of all withdrew.
    opted_in: bool
    opted_out_all: bool
    # True too when the contact opted out of all messages: marketing is part of "all".
    opted_out_marketing: bool
    # The latest event of the history; None when there is none.
    last_change_at: datetime | None
    # When the standing opt-in was given; None unless opted_in.
    opted_in_at: datetime | None = None
    # When the standing opt-out (of all, else of marketing) was given; None unless opted out.
    opted_out_at: datetime | None = None

    def refusal(self, *, marketing: bool) -> str | None:
        """Why a business-initiated message may not be sent on consent grounds: `opted_out`,
        `no_consent`, or None when it may. Whether the customer wrote first is the sender's fact."""
        if self.opted_out_all or (marketing and self.opted_out_marketing):
            return "opted_out"
        if not self.opted_in:
            return "no_consent"
        return None


NO_CONSENT_HISTORY = ConsentState(opted_in=False, opted_out_all=False, opted_out_marketing=False, last_change_at=None)


def _later(record: ConsentRecord | None, other: ConsentRecord) -> ConsentRecord:
    """The later of two events; at the same instant an opt-out wins, so the order of a history
    never matters and a tie never lets a message through."""
    if record is None:
        return other
    rank = (record.occurred_at, record.kind == OPT_OUT)
    other_rank = (other.occurred_at, other.kind == OPT_OUT)
    return other if other_rank > rank else record


def consent_state(events: Iterable[tuple[str, str, datetime]]) -> ConsentState:
    """A contact's consent from its history, given in any order. Unknown kinds and scopes are ignored."""
    latest_all: ConsentRecord | None = None
    latest_marketing: ConsentRecord | None = None
    last_change_at: datetime | None = None
    for kind, scope, occurred_at in events:
        if kind not in (OPT_IN, OPT_OUT):
            continue
        record = ConsentRecord(kind, scope, occurred_at)
        if scope == SCOPE_ALL:
            latest_all = _later(latest_all, record)
        elif scope == SCOPE_MARKETING:
            latest_marketing = _later(latest_marketing, record)
        else:
            continue
        last_change_at = occurred_at if last_change_at is None else max(last_change_at, occurred_at)
    if latest_all is None and latest_marketing is None:
        return NO_CONSENT_HISTORY

    opted_out_all = latest_all is not None and latest_all.kind == OPT_OUT
    # Marketing follows the later of its own latest event and the latest event of "all".
    if latest_marketing is None:
        assert latest_all is not None
        covering_marketing = latest_all
    else:
        covering_marketing = _later(latest_all, latest_marketing)
    opted_out_marketing = opted_out_all or covering_marketing.kind == OPT_OUT

    standing_opt_in = None
    if not opted_out_all:
        opt_ins = [r for r in (latest_all, latest_marketing) if r is not None and r.kind == OPT_IN]
        standing_opt_in = max(opt_ins, key=lambda r: r.occurred_at) if opt_ins else None
    opted_out_at = None
    if opted_out_all:
        assert latest_all is not None
        opted_out_at = latest_all.occurred_at
    elif opted_out_marketing:
        opted_out_at = covering_marketing.occurred_at
    return ConsentState(
        opted_in=standing_opt_in is not None,
        opted_out_all=opted_out_all,
        opted_out_marketing=opted_out_marketing,
        last_change_at=last_change_at,
        opted_in_at=standing_opt_in.occurred_at if standing_opt_in else None,
        opted_out_at=opted_out_at,
    )


# Characters ignored around a keyword: punctuation, symbols (emoji), spaces and invisible marks.
_EDGE_CATEGORIES = ("P", "S", "Z", "C")


def normalize_keyword(text: str) -> str:
    """`text` as keywords are compared: accents dropped, case folded, runs of spaces made one,
    and punctuation, symbols and spaces around it removed ("  Arrêt ! " → "arret")."""
    decomposed = unicodedata.normalize("NFKD", text)
    without_marks = "".join(c for c in decomposed if not unicodedata.combining(c))
    folded = unicodedata.normalize("NFKC", without_marks).casefold()
    start, end = 0, len(folded)
    while start < end and unicodedata.category(folded[start])[0] in _EDGE_CATEGORIES:
        start += 1
    while end > start and unicodedata.category(folded[end - 1])[0] in _EDGE_CATEGORIES:
        end -= 1
    return " ".join(folded[start:end].split())


def matches_opt_out_keyword(text: str, keywords: Iterable[str]) -> str | None:
    """The keyword (as configured) that the whole message is, in any case or accents, with
    punctuation and spaces around it ignored; None when the message is anything more."""
    message = normalize_keyword(text)
    if not message:
        return None
    for keyword in keywords:
        if normalize_keyword(keyword) == message:
            return keyword
    return None
