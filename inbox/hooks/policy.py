"""The rules of outbound event webhooks, pure: which events exist, and when to try again.

A delivery is retried with growing pauses (30 s, 2 min, 10 min, 30 min, then every hour or
two) until it succeeds or a day has passed since the event; then it is given up (and can
still be redelivered by hand).
"""

from __future__ import annotations

from datetime import datetime, timedelta

EVENT_TYPES = (
    "message.created",
    "message.status",
    "conversation.updated",
    "contact.opted_in",
    "contact.opted_out",
    # A contact was erased (ids only): the tenant's own systems erase their copy too (GDPR Art. 19).
    "contact.erased",
    "template.status",
)
# The live inbox events that are also sent to subscribers (consent and template changes are
# published where they are recorded).
LIVE_EVENT_TYPES = frozenset({"message.created", "message.status", "conversation.updated", "contact.erased"})
# Pauses after the 1st, 2nd, … failed attempt; the last repeats.
RETRY_PAUSES = (
    timedelta(seconds=30),
    timedelta(minutes=2),
    timedelta(minutes=10),
    timedelta(minutes=30),
    timedelta(hours=1),
    timedelta(hours=2),
)
RETRY_FOR = timedelta(days=1)


def delivered(status_code: int | None) -> bool:
    """Any 2xx answer is a delivery; anything else (or none) is retried."""
    return status_code is not None and 200 <= status_code < 300


def next_attempt_at(*, created_at: datetime, failed_attempts: int, now: datetime) -> datetime | None:
    """When to try again after `failed_attempts` failures, or None: give up (a day has passed)."""
    pause = RETRY_PAUSES[min(failed_attempts, len(RETRY_PAUSES)) - 1]
    at = now + pause
    return at if at <= created_at + RETRY_FOR else None
