"""Meta's sending limits, shared by every worker through Redis."""

import uuid

from whatsapp import ratelimit


def limit(**kwargs) -> ratelimit.Limit:
    return ratelimit.Limit(key=f"test-limit:{uuid.uuid4().hex}", **kwargs)


def test_a_number_is_paced_evenly_at_its_rate():
    per_second = limit(interval_seconds=1 / 20)
    assert ratelimit.take(per_second) == 0
    wait = ratelimit.take(per_second)
    assert 0 < wait <= 1 / 20


def test_the_pair_limit_allows_a_burst_of_45_then_one_per_6_seconds():
    pair = ratelimit.pair_limit(phone_number_id="1", recipient=uuid.uuid4().hex)
    assert [ratelimit.take(pair) for _ in range(45)] == [0] * 45
    wait = ratelimit.take(pair)
    assert 5 < wait <= 6


def test_limits_of_different_numbers_are_independent():
    first = ratelimit.number_limit(phone_number_id=uuid.uuid4().hex, messages_per_second=1)
    second = ratelimit.number_limit(phone_number_id=uuid.uuid4().hex, messages_per_second=1)
    assert ratelimit.take(first) == 0
    assert ratelimit.take(first) > 0
    assert ratelimit.take(second) == 0
