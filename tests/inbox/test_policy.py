"""The 24 h customer service window, from plain timestamps."""

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from inbox.policy import CUSTOMER_SERVICE_WINDOW, ServiceWindow, customer_service_window

T0 = datetime(2025, 3, 1, 12, 0, tzinfo=UTC)
EXPIRES = T0 + timedelta(hours=24)


@pytest.mark.parametrize(
    ("now", "is_open"),
    [
        (T0, True),
        (T0 + timedelta(hours=23, minutes=59, seconds=59, microseconds=999_999), True),
        (T0 + timedelta(hours=24), False),
        (T0 + timedelta(hours=24, microseconds=1), False),
        (T0 + timedelta(days=30), False),
        (T0 - timedelta(minutes=1), True),  # a provider clock slightly ahead of ours
    ],
)
def test_window_is_open_for_24_hours_after_the_customer_wrote(now, is_open):
    assert customer_service_window(last_inbound_at=T0, now=now) == ServiceWindow(is_open=is_open, expires_at=EXPIRES)


def test_no_window_before_the_customer_ever_wrote():
    assert customer_service_window(last_inbound_at=None, now=T0) == ServiceWindow(is_open=False, expires_at=None)


def test_window_edge_is_the_same_instant_in_any_time_zone():
    berlin_time = T0.astimezone(datetime.fromisoformat("2025-03-01T13:00:00+01:00").tzinfo)
    window = customer_service_window(last_inbound_at=berlin_time, now=EXPIRES)
    assert window == ServiceWindow(is_open=False, expires_at=EXPIRES)


@given(elapsed=st.timedeltas(min_value=timedelta(0), max_value=timedelta(days=10)))
def test_open_exactly_when_less_than_24_hours_passed(elapsed):
    window = customer_service_window(last_inbound_at=T0, now=T0 + elapsed)
    assert window.is_open is (elapsed < CUSTOMER_SERVICE_WINDOW)
    assert window.expires_at == EXPIRES


# How receipts move a message's status: forward only, failed terminal, in any arrival order.

from inbox.policy import failure_from_errors, next_status, status_rank  # noqa: E402

RECEIPTS = ["sent", "delivered", "read", "played", "failed"]


@pytest.mark.parametrize(
    ("current", "reported", "expected"),
    [
        ("queued", "sent", "sent"),
        ("sent", "delivered", "delivered"),
        ("delivered", "sent", "delivered"),
        ("read", "delivered", "read"),
        ("sent", "read", "read"),  # delivered skipped: read on arrival
        ("delivered", "played", "read"),
        ("read", "failed", "failed"),
        ("failed", "read", "failed"),
        ("sent", "deleted", "sent"),  # a status we don't know changes nothing
    ],
)
def test_next_status(current, reported, expected):
    assert next_status(current=current, reported=reported) == expected


@given(st.permutations(RECEIPTS[:3]))
def test_any_order_of_sent_delivered_read_ends_read(order):
    status = "queued"
    for reported in order:
        status = next_status(current=status, reported=reported)
    assert status == "read"


@given(st.lists(st.sampled_from(RECEIPTS), max_size=8))
def test_status_never_goes_backwards(receipts):
    status = "queued"
    for reported in receipts:
        following = next_status(current=status, reported=reported)
        assert status_rank(following) >= status_rank(status)
        status = following


def test_failure_shows_the_first_error_with_its_human_sentence():
    failure = failure_from_errors(
        [
            {
                "code": 131047,
                "title": "Re-engagement message",
                "error_data": {"details": "Message failed to send because more than 24 hours have passed"},
                "human_message": "More than 24 hours have passed since the customer last wrote.",
            }
        ]
    )
    assert failure == {
        "code": 131047,
        "title": "Re-engagement message",
        "details": "Message failed to send because more than 24 hours have passed",
        "message": "More than 24 hours have passed since the customer last wrote.",
    }


def test_failure_without_errors_still_reads():
    assert failure_from_errors([])["message"] == "The message could not be delivered."


# What a live event is about, kept beside its encrypted payload for erasure.

from inbox.policy import EventSubjects, event_subjects  # noqa: E402


@pytest.mark.parametrize(
    ("payload", "expected"),
    [
        ({"message": {"id": 7, "conversation_id": 3}}, EventSubjects(3, None)),
        ({"conversation_id": 3, "message_id": 7}, EventSubjects(3, None)),
        ({"conversation": {"id": 3, "contact_id": 5}}, EventSubjects(3, 5)),
        ({"contact": {"id": 5, "name": "Ana"}}, EventSubjects(None, 5)),
        ({"contact_id": 5}, EventSubjects(None, 5)),
        ({"labels": [{"id": 1}]}, EventSubjects(None, None)),
        ({"conversation_id": "3", "contact": None, "message": []}, EventSubjects(None, None)),
        ({"conversation_id": True}, EventSubjects(None, None)),
    ],
)
def test_event_subjects(payload, expected):
    assert event_subjects(payload) == expected
