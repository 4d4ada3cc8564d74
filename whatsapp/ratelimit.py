"""Meta's sending limits, kept in Redis so every worker shares them.

Generic cell rate algorithm (GCRA): each key stores the theoretical arrival time of its next
message; a caller either takes a slot or learns how long to wait. Redis' own clock is used,
so workers on different machines agree.

- per number: its throughput (messages/s), paced evenly (no burst), so no 1-second window
  ever holds more than the number's rate;
- per number and customer: 1 message per 6 s with bursts of up to 45 (Meta's pair rate).
"""

from __future__ import annotations

import threading
from dataclasses import dataclass

import redis
from django.conf import settings

PAIR_INTERVAL_SECONDS = 6.0
PAIR_BURST = 45

# KEYS[1]: the limit's key. ARGV: emission interval (µs), burst tolerance (µs).
# Returns 0 when a slot was taken, else the microseconds to wait before asking again.
_GCRA = """
local now_parts = redis.call('TIME')
local now = tonumber(now_parts[1]) * 1000000 + tonumber(now_parts[2])
local interval = tonumber(ARGV[1])
local tolerance = tonumber(ARGV[2])
local tat = tonumber(redis.call('GET', KEYS[1]) or now)
if tat < now then tat = now end
local allow_at = tat - tolerance
if now < allow_at then return allow_at - now end
local new_tat = tat + interval
redis.call('SET', KEYS[1], new_tat, 'PX', math.ceil((new_tat - now) / 1000) + 1000)
return 0
"""


@dataclass(frozen=True)
class Limit:
    key: str
    interval_seconds: float
    burst: int = 1

    def tolerance_seconds(self) -> float:
        return self.interval_seconds * (self.burst - 1)


def number_limit(*, phone_number_id: str, messages_per_second: int) -> Limit:
    return Limit(f"{settings.REDIS_KEY_PREFIX}:rate:number:{phone_number_id}", 1.0 / max(1, messages_per_second))


def pair_limit(*, phone_number_id: str, recipient: str) -> Limit:
    return Limit(
        f"{settings.REDIS_KEY_PREFIX}:rate:pair:{phone_number_id}:{recipient}", PAIR_INTERVAL_SECONDS, PAIR_BURST
    )


class _Client:
    lock = threading.Lock()
    connection: redis.Redis | None = None
    script: object = None


def _script() -> object:
    with _Client.lock:
        if _Client.connection is None:
            _Client.connection = redis.Redis.from_url(settings.REDIS_URL)
            _Client.script = _Client.connection.register_script(_GCRA)
        return _Client.script


def take(limit: Limit) -> float:
    """Take a slot under `limit`: 0 when taken, else the seconds to wait before trying again."""
    script = _script()
    interval = round(limit.interval_seconds * 1_000_000)
    tolerance = round(limit.tolerance_seconds() * 1_000_000)
    waited = script(keys=[limit.key], args=[interval, tolerance])  # type: ignore[operator]
    return int(waited) / 1_000_000
