"""Opening hours: open or closed at a moment, the next opening, and how they read (pure), and
which hours a number uses (stored)."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

import pytest

from accounts.errors import ServiceError
from accounts.models import Role
from accounts.services import Actor
from accounts.tenancy import tenant_scope
from inbox import hours
from inbox.automation.services import opening_hours_clear, opening_hours_set
from inbox.hours import HoursError, Interval, OpeningHours, describe, is_open, next_opening, parse_day, parse_holidays
from inbox.models import OpeningHoursSetting
from tests.inbox.factories import ChannelFactory

BERLIN = ZoneInfo("Europe/Berlin")
WEEKDAYS_9_TO_17 = tuple(Interval(day, time(9), time(17)) for day in range(5))
SHOP = OpeningHours(
    "Europe/Berlin",
    (*WEEKDAYS_9_TO_17, Interval(5, time(10), time(14))),  # Saturday 10–14
    frozenset({date(2026, 12, 25)}),
)
# A bar: Friday 20:00 to Saturday 02:00, Saturday 20:00 to midnight.
BAR = OpeningHours("Europe/Berlin", (Interval(4, time(20), time(2)), Interval(5, time(20), time(0))))


def berlin(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=BERLIN)


@pytest.mark.parametrize(
    ("hours_", "at", "expected"),
    [
        (SHOP, berlin(2026, 11, 23, 9, 0), True),  # Monday, opening minute
        (SHOP, berlin(2026, 11, 23, 8, 59), False),
        (SHOP, berlin(2026, 11, 23, 16, 59), True),
        (SHOP, berlin(2026, 11, 23, 17, 0), False),  # closing minute is closed
        (SHOP, berlin(2026, 11, 28, 11, 0), True),  # Saturday
        (SHOP, berlin(2026, 11, 29, 11, 0), False),  # Sunday
        (SHOP, berlin(2026, 12, 25, 11, 0), False),  # a Friday, but a holiday
        (SHOP, datetime(2026, 11, 23, 8, 30, tzinfo=UTC), True),  # 09:30 in Berlin
        (SHOP, datetime(2026, 7, 6, 7, 30, tzinfo=UTC), True),  # 09:30 in Berlin in summer (UTC+2)
        (SHOP, datetime(2026, 7, 6, 6, 30, tzinfo=UTC), False),  # 08:30 in Berlin in summer
        (BAR, berlin(2026, 11, 27, 23, 0), True),  # Friday night
        (BAR, berlin(2026, 11, 28, 1, 59), True),  # after midnight, Friday's interval goes on
        (BAR, berlin(2026, 11, 28, 2, 0), False),
        (BAR, berlin(2026, 11, 28, 23, 59), True),  # Saturday until midnight
        (BAR, berlin(2026, 11, 29, 0, 0), False),
        (OpeningHours("UTC"), berlin(2026, 11, 23, 12, 0), False),  # no hours: never open
    ],
)
def test_is_open(hours_, at, expected):
    assert is_open(hours_, at) is expected


def test_a_holiday_cuts_an_overnight_interval_short_and_a_holiday_eve_never_opens():
    bar = OpeningHours(BAR.timezone, BAR.intervals, frozenset({date(2026, 11, 28)}))
    assert not is_open(bar, berlin(2026, 11, 28, 1, 0))  # Saturday is the holiday
    bar = OpeningHours(BAR.timezone, BAR.intervals, frozenset({date(2026, 11, 27)}))
    assert not is_open(bar, berlin(2026, 11, 28, 1, 0))  # Friday was: it never opened


@pytest.mark.parametrize(
    ("hours_", "at", "expected"),
    [
        (SHOP, berlin(2026, 11, 23, 7, 0), berlin(2026, 11, 23, 9, 0)),  # later today
        (SHOP, berlin(2026, 11, 23, 18, 0), berlin(2026, 11, 24, 9, 0)),  # tomorrow
        (SHOP, berlin(2026, 11, 28, 15, 0), berlin(2026, 11, 30, 9, 0)),  # Saturday afternoon: across the weekend
        (SHOP, berlin(2026, 11, 27, 17, 30), berlin(2026, 11, 28, 10, 0)),  # Friday evening: Saturday
        (SHOP, berlin(2026, 12, 24, 18, 0), berlin(2026, 12, 26, 10, 0)),  # over the Christmas holiday
        (SHOP, berlin(2026, 11, 23, 10, 0), berlin(2026, 11, 23, 10, 0)),  # open now: now
        # The night clocks go forward (29 March 2026): Monday 09:00 is 07:00 UTC, no longer 08:00.
        (SHOP, berlin(2026, 3, 28, 15, 0), datetime(2026, 3, 30, 7, 0, tzinfo=UTC)),
        # And back (25 October 2026): 09:00 is 08:00 UTC again.
        (SHOP, berlin(2026, 10, 24, 15, 0), datetime(2026, 10, 26, 8, 0, tzinfo=UTC)),
        (BAR, berlin(2026, 11, 28, 3, 0), berlin(2026, 11, 28, 20, 0)),
    ],
)
def test_next_opening(hours_, at, expected):
    result = next_opening(hours_, at)
    assert result == expected
    assert result.utcoffset() == expected.astimezone(BERLIN).utcoffset()


def test_an_opening_time_skipped_by_the_clock_change_opens_when_the_clock_jumps():
    # 02:30 does not exist in Berlin on 29 March 2026: the shop opens at 03:30 summer time.
    night = OpeningHours("Europe/Berlin", (Interval(6, time(2, 30), time(5)),))
    assert next_opening(night, berlin(2026, 3, 29, 0, 0)) == datetime(2026, 3, 29, 1, 30, tzinfo=UTC)


def test_hours_that_never_open_have_no_next_opening():
    assert next_opening(OpeningHours("UTC"), berlin(2026, 11, 23, 7, 0)) is None


def test_describe_in_the_customers_language():
    assert describe(SHOP, "en", today=date(2026, 12, 1)) == [
        "Monday: 09:00–17:00",
        "Tuesday: 09:00–17:00",
        "Wednesday: 09:00–17:00",
        "Thursday: 09:00–17:00",
        "Friday: 09:00–17:00",
        "Saturday: 10:00–14:00",
        "Sunday: closed",
        "Closed on 12/25/2026",
    ]
    german = describe(SHOP, "de", today=date(2027, 1, 1))
    assert german[0] == "Montag: 09:00–17:00"
    assert german[-1] == "Sonntag: geschlossen" or german[-1].startswith("Sonntag:")
    assert len(german) == 7  # past holidays are not shown


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("", []),
        ("09:00-17:00", [Interval(0, time(9), time(17))]),
        (" 9:00 – 12:30 , 13:30-18:00", [Interval(0, time(9), time(12, 30)), Interval(0, time(13, 30), time(18))]),
        ("22:00-02:00", [Interval(0, time(22), time(2))]),
    ],
)
def test_parse_day(text, expected):
    assert parse_day(0, text) == expected


@pytest.mark.parametrize(
    "text",
    ["9-5", "09:00-09:00", "25:00-26:00", "09:00-12:00, 11:00-13:00", "09:00 to 17:00", "22:00-02:00, 23:00-01:00"],
)
def test_parse_day_refuses_what_it_cant_understand(text):
    with pytest.raises(HoursError):
        parse_day(0, text)


def test_parse_holidays():
    assert parse_holidays("2026-12-25\n2026-12-26, 2027-01-01\n") == {
        date(2026, 12, 25),
        date(2026, 12, 26),
        date(2027, 1, 1),
    }
    with pytest.raises(HoursError, match=r"25\.12\.2026"):
        parse_holidays("25.12.2026")


def test_stored_form_round_trips():
    assert hours.intervals_from_json(hours.intervals_to_json(SHOP.intervals)) == tuple(
        sorted(SHOP.intervals, key=lambda i: (i.weekday, i.opens))
    )


@pytest.mark.django_db
def test_a_number_uses_its_own_hours_else_the_workspaces(world, other_tenant):
    actor = Actor(tenant_id=world.tenant.pk, role=Role.ADMIN, user=world.admin.user)
    with tenant_scope(world.tenant):
        shop, outlet = ChannelFactory.create(tenant=world.tenant), ChannelFactory.create(tenant=world.tenant)
        assert hours.hours_for_channel(shop) is None
        now = berlin(2026, 11, 23, 9)
        opening_hours_set(
            actor=actor,
            channel=None,
            timezone_name="Europe/Berlin",
            intervals=SHOP.intervals,
            holidays=SHOP.holidays,
            now=now,
        )
        opening_hours_set(
            actor=actor,
            channel=outlet,
            timezone_name="Europe/Paris",
            intervals=BAR.intervals,
            holidays=frozenset(),
            now=now,
        )
        assert hours.hours_for_channel(shop) == OpeningHours(
            "Europe/Berlin", tuple(sorted(SHOP.intervals, key=lambda i: (i.weekday, i.opens))), SHOP.holidays
        )
        assert hours.hours_for_channel(outlet).timezone == "Europe/Paris"
        opening_hours_clear(actor=actor, channel=outlet)
        assert hours.hours_for_channel(outlet).timezone == "Europe/Berlin"
    with tenant_scope(other_tenant.tenant):
        assert hours.hours_for_channel(ChannelFactory.create(tenant=other_tenant.tenant)) is None


@pytest.mark.django_db
def test_a_time_zone_that_does_not_exist_is_refused_and_nothing_is_saved(world):
    actor = Actor(tenant_id=world.tenant.pk, role=Role.ADMIN, user=world.admin.user)
    with tenant_scope(world.tenant):
        with pytest.raises(ServiceError) as refused:
            opening_hours_set(
                actor=actor,
                channel=None,
                timezone_name="Europe/Atlantis",
                intervals=(),
                holidays=frozenset(),
                now=berlin(2026, 1, 1),
            )
        assert refused.value.code == "invalid_timezone"
        assert not OpeningHoursSetting.objects.exists()
