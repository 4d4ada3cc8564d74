"""Rules of the inbox that decide things from plain values: how delivery statuses move, and
whether the customer service window is open. No database, no clock: `now` is passed in."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

# Receipts arrive in any order; a status only ever moves up this ladder. "played" (a voice
# message was listened to) implies read. Failed is terminal.
_RANK = {"received": 0, "queued": 0, "sent": 1, "delivered": 2, "read": 3, "played": 3, "failed": 4}


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
