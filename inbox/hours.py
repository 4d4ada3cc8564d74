"""Opening hours and holidays: a channel's own, else the workspace's; whether they are open at a
moment, when they open next, and how to say them.

The public entry point for other apps (the business profile preview shows them, the automation
answers with them). `is_open`, `next_opening`, `describe` and `parse_*` are pure: the time is
given, never read from a clock. Intervals are wall-clock times in the hours' time zone, so a
shop opening at 09:00 opens at 09:00 on both sides of a daylight saving change.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from itertools import pairwise
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from django.db.models import F, Q
from django.utils import translation
from django.utils.dates import WEEKDAYS
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from inbox.models import Channel, OpeningHoursSetting

# How far ahead `next_opening` looks: past a year of holidays, any weekly schedule repeats.
SEARCH_DAYS = 400
_INTERVAL = re.compile(r"^\s*(\d{1,2}):(\d{2})\s*[-–]\s*(\d{1,2}):(\d{2})\s*$")


class HoursError(ValueError):
    """Opening hours as typed that can't be understood; the message says why, for a person."""


@dataclass(frozen=True)
class Interval:
    """Open on `weekday` (0 Monday … 6 Sunday) from `opens`; `closes` at or before `opens` means
    the next day (22:00–02:00), and 00:00 means midnight."""

    weekday: int
    opens: time
    closes: time

    @property
    def crosses_midnight(self) -> bool:
        return self.closes <= self.opens


@dataclass(frozen=True)
class OpeningHours:
    timezone: str
    intervals: tuple[Interval, ...] = ()
    # Closed all day on these local dates (an interval starting the day before ends at midnight).
    holidays: frozenset[date] = field(default_factory=frozenset)

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)


def is_open(hours: OpeningHours, at: datetime) -> bool:
    """Whether the business is open at the aware moment `at`."""
    local = at.astimezone(hours.zone)
    today, now = local.date(), local.time()
    if today in hours.holidays:
        return False
    yesterday = today - timedelta(days=1)
    for interval in hours.intervals:
        started_today = interval.weekday == today.weekday() and interval.opens <= now
        if started_today and (interval.crosses_midnight or now < interval.closes):
            return True
        from_yesterday = interval.weekday == yesterday.weekday() and interval.crosses_midnight
        if from_yesterday and yesterday not in hours.holidays and now < interval.closes:
            return True
    return False


def next_opening(hours: OpeningHours, at: datetime) -> datetime | None:
    """When the business next opens after `at` (in its time zone); `at` itself when it is open
    now; None when it never opens."""
    if is_open(hours, at):
        return at.astimezone(hours.zone)
    if not hours.intervals:
        return None
    zone = hours.zone
    start = at.astimezone(zone).date()
    for offset in range(SEARCH_DAYS):
        day = start + timedelta(days=offset)
        if day in hours.holidays:
            continue
        for opens in sorted(i.opens for i in hours.intervals if i.weekday == day.weekday()):
            # A wall time that doesn't exist (skipped by a DST change) resolves to the moment after the gap.
            candidate = datetime.combine(day, opens, tzinfo=zone)
            candidate = candidate.astimezone(ZoneInfo("UTC")).astimezone(zone)
            if candidate > at:
                return candidate
    return None


def _clock(value: time) -> str:
    return value.strftime("%H:%M")


def describe(hours: OpeningHours, language: str, *, today: date | None = None) -> list[str]:
    """The hours as lines to show a customer, in `language`: one per weekday (Monday first), then
    the holidays from `today` on."""
    with translation.override(language):
        lines = []
        for weekday in range(7):
            spans = sorted((i for i in hours.intervals if i.weekday == weekday), key=lambda i: i.opens)
            text = ", ".join(f"{_clock(i.opens)}–{_clock(i.closes)}" for i in spans) or _("closed")
            lines.append(f"{WEEKDAYS[weekday]}: {text}")
        upcoming = sorted(d for d in hours.holidays if today is None or d >= today)
        if upcoming:
            lines.append(
                _("Closed on %(dates)s") % {"dates": ", ".join(date_format(d, "SHORT_DATE_FORMAT") for d in upcoming)}
            )
        return lines


def describe_moment(hours: OpeningHours, moment: datetime, language: str) -> str:
    """A moment as the customer reads it: weekday, date and time in the business's time zone."""
    local = moment.astimezone(hours.zone)
    with translation.override(language):
        return f"{WEEKDAYS[local.weekday()]} {date_format(local, 'SHORT_DATE_FORMAT')} {_clock(local.time())}"


# Typed input and stored form ------------------------------------------------------------------


def check_timezone(name: str) -> str:
    if name not in available_timezones():
        raise HoursError(_("“%(zone)s” is not a time zone; choose one such as Europe/Berlin.") % {"zone": name})
    return name


def parse_day(weekday: int, text: str) -> list[Interval]:
    """One weekday's intervals as typed: "09:00-12:00, 13:00-17:30"; blank means closed."""
    intervals = []
    for part in filter(None, (p.strip() for p in text.split(","))):
        match = _INTERVAL.match(part)
        if match is None:
            raise HoursError(_("Write times as 09:00-17:00, separated by commas; “%(part)s” is not.") % {"part": part})
        hour_1, minute_1, hour_2, minute_2 = (int(g) for g in match.groups())
        if hour_1 > 23 or hour_2 > 23 or minute_1 > 59 or minute_2 > 59:
            raise HoursError(_("“%(part)s” is not a time of day (00:00 to 23:59).") % {"part": part})
        opens, closes = time(hour_1, minute_1), time(hour_2, minute_2)
        if opens == closes:
            raise HoursError(_("“%(part)s” opens and closes at the same time.") % {"part": part})
        intervals.append(Interval(weekday, opens, closes))
    _check_no_overlap(intervals)
    return intervals


def _minutes(interval: Interval) -> tuple[int, int]:
    start = interval.opens.hour * 60 + interval.opens.minute
    end = interval.closes.hour * 60 + interval.closes.minute
    return start, end + (24 * 60 if interval.crosses_midnight else 0)


def _check_no_overlap(intervals: list[Interval]) -> None:
    spans = sorted(_minutes(i) for i in intervals)
    for (_start, end), (next_start, _end) in pairwise(spans):
        if next_start < end:
            raise HoursError(_("These times overlap; give each period once."))


def check_intervals(intervals: Iterable[Interval]) -> None:
    """Intervals given as data (the API) checked as `parse_day` checks typed ones: HoursError when
    one opens and closes at the same time or two of a weekday overlap."""
    by_day: dict[int, list[Interval]] = {}
    for interval in intervals:
        if interval.opens == interval.closes:
            raise HoursError(
                _("A period opens and closes at the same time (%(time)s).") % {"time": _clock(interval.opens)}
            )
        by_day.setdefault(interval.weekday, []).append(interval)
    for day in by_day.values():
        _check_no_overlap(day)


def parse_holidays(text: str) -> frozenset[date]:
    """Dates as typed, one a line or separated by commas, as YYYY-MM-DD."""
    days = set()
    for part in filter(None, (p.strip() for p in re.split(r"[,\n]", text))):
        try:
            days.add(date.fromisoformat(part))
        except ValueError:
            raise HoursError(
                _("Write holidays as dates like 2026-12-25; “%(part)s” is not.") % {"part": part}
            ) from None
    return frozenset(days)


def intervals_to_json(intervals: Iterable[Interval]) -> list[dict[str, Any]]:
    return [
        {"weekday": i.weekday, "opens": _clock(i.opens), "closes": _clock(i.closes)}
        for i in sorted(intervals, key=lambda i: (i.weekday, i.opens))
    ]


def intervals_from_json(data: Iterable[dict[str, Any]]) -> tuple[Interval, ...]:
    return tuple(
        Interval(int(item["weekday"]), time.fromisoformat(item["opens"]), time.fromisoformat(item["closes"]))
        for item in data
    )


def day_text(hours: OpeningHours | None, weekday: int) -> str:
    """A weekday's intervals as the settings form shows them (the inverse of `parse_day`)."""
    if hours is None:
        return ""
    spans = sorted((i for i in hours.intervals if i.weekday == weekday), key=lambda i: i.opens)
    return ", ".join(f"{_clock(i.opens)}-{_clock(i.closes)}" for i in spans)


# Stored hours ---------------------------------------------------------------------------------


def _from_row(row: OpeningHoursSetting) -> OpeningHours:
    try:
        ZoneInfo(row.timezone_name)
    except (ZoneInfoNotFoundError, ValueError):  # a zone removed from the tz database since it was saved
        return OpeningHours("UTC", intervals_from_json(row.intervals), frozenset(row.holidays))
    return OpeningHours(row.timezone_name, intervals_from_json(row.intervals), frozenset(row.holidays))


def hours_for_channel(channel: Channel) -> OpeningHours | None:
    """The channel's (a WhatsApp number's) opening hours: its own, else its workspace's, else None
    (no hours kept: always open, as far as the product knows)."""
    rows = OpeningHoursSetting.objects.for_tenant(channel.tenant_id).filter(
        Q(channel=channel) | Q(channel__isnull=True)
    )
    # The channel's own row sorts first (NULLs last).
    row = rows.order_by(F("channel_id").asc(nulls_last=True)).first()
    return _from_row(row) if row is not None else None


def hours_for_workspace(tenant_id: int) -> OpeningHours | None:
    """The workspace's default hours, for numbers that have none of their own."""
    row = OpeningHoursSetting.objects.for_tenant(tenant_id).filter(channel__isnull=True).first()
    return _from_row(row) if row is not None else None
