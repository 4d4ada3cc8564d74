"""WhatsApp's policies towards what a business sends (whatsapp-cloud-api.md §8, §3): the 24-hour
customer service window, the throughput and pair rate limits, and per-message pricing."""

from __future__ import annotations

from collections import deque
from collections.abc import Hashable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

WINDOW_SECONDS = 24 * 3600
# From this moment service messages and utility templates inside the window are charged (§9).
SERVICE_CHARGED_FROM = datetime(2026, 10, 1, tzinfo=UTC).timestamp()
THROUGHPUT_SECONDS = 1.0

# Error codes of §4.1.
THROUGHPUT_EXCEEDED = 130429
PAIR_RATE_EXCEEDED = 131056


def is_window_open(*, last_customer_message_at: float | None, now: float) -> bool:
    """The customer service window: open for 24 h after the customer's last message."""
    return last_customer_message_at is not None and now - last_customer_message_at < WINDOW_SECONDS


class SlidingWindow:
    """When events happened, per key, forgotten once older than the window asked about."""

    def __init__(self) -> None:
        self._events: dict[Hashable, deque[float]] = {}

    def count(self, key: Hashable, *, now: float, seconds: float) -> int:
        """Events in (now - seconds, now]."""
        events = self._events.get(key)
        if events is None:
            return 0
        while events and events[0] <= now - seconds:
            events.popleft()
        return len(events)

    def add(self, key: Hashable, *, now: float) -> None:
        self._events.setdefault(key, deque()).append(now)


@dataclass(frozen=True)
class SendLimits:
    throughput_mps: int
    pair_rate_messages: int
    pair_rate_seconds: float


def rate_limit_code(
    *,
    per_number: SlidingWindow,
    per_pair: SlidingWindow,
    phone_number_id: str,
    wa_id: str,
    limits: SendLimits,
    now: float,
) -> int | None:
    """130429 over the number's messages per second, 131056 over the messages to one user in the
    pair-rate window; otherwise the send is counted in both and None is returned.

    Only sends that pass count: a refused request is not a message sent.
    """
    if per_number.count(phone_number_id, now=now, seconds=THROUGHPUT_SECONDS) >= limits.throughput_mps:
        return THROUGHPUT_EXCEEDED
    pair = (phone_number_id, wa_id)
    if per_pair.count(pair, now=now, seconds=limits.pair_rate_seconds) >= limits.pair_rate_messages:
        return PAIR_RATE_EXCEEDED
    per_number.add(phone_number_id, now=now)
    per_pair.add(pair, now=now)
    return None


def pricing(*, template_category: str | None, window_open: bool, now: float) -> dict[str, Any]:
    """The per-message pricing (PMP) object of a status webhook (§3, §9).

    Until 1 Oct 2026 service (non-template) messages are free and utility templates are free
    inside an open window; from then on both are charged too (§9, Meta's 1 Jul 2026 notice).
    Every other template is charged.
    """
    category = template_category.lower() if template_category else "service"
    free = now < SERVICE_CHARGED_FROM and (category == "service" or (category == "utility" and window_open))
    return {
        "billable": not free,
        "pricing_model": "PMP",
        "type": "free_customer_service" if free else "regular",
        "category": category,
    }
