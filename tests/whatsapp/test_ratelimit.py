"""Meta's sending limits, shared by every worker through Redis."""

import uuid

from whatsapp import ratelimit
from whatsapp.models import WhatsAppNumber
from whatsapp.services import sender


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


def test_a_send_waiting_for_its_numbers_slot_takes_the_customers_slot_once():
    """Concurrent sends of one number collide on its slot every few ms: the one that waits
    must not take its customer's slot again after waiting (that burned the burst of 45)."""
    number = WhatsAppNumber(phone_number_id=uuid.uuid4().hex, throughput_mps=4)  # a slot every 0.25 s
    recipient = uuid.uuid4().hex
    number_limit = ratelimit.number_limit(phone_number_id=number.phone_number_id, messages_per_second=4)
    assert ratelimit.take(number_limit) == 0  # another customer's send just went

    assert sender._take_rate_limit_slots(number, recipient=recipient) == 0  # after waiting for the number

    pair = ratelimit.pair_limit(phone_number_id=number.phone_number_id, recipient=recipient)
    assert [ratelimit.take(pair) for _ in range(44)] == [0] * 44
