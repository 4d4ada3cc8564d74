"""The reports page's figures for one tenant and period, aggregated in PostgreSQL: conversations
opened and resolved per day, first response and resolution time percentiles, messages per channel
and per agent. Days are UTC days; `now` is passed in."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from django.db.models import (
    Aggregate,
    Count,
    DateTimeField,
    Exists,
    F,
    FloatField,
    Func,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
)
from django.db.models.functions import TruncDate

from accounts.models import Membership, Tenant, User
from inbox.models import Channel, Conversation, ConversationStatus, Direction, Message

PERIOD_DAYS = (7, 30, 90)


@dataclass(frozen=True)
class Period:
    """The last `days` days up to `end`: whole UTC days, today included."""

    days: int
    start: datetime
    end: datetime

    @property
    def dates(self) -> list[date]:
        first = self.start.date()
        return [first + timedelta(days=offset) for offset in range(self.days)]


def period_ending(*, now: datetime, days: int) -> Period:
    if days not in PERIOD_DAYS:
        raise ValueError(f"a report covers one of {PERIOD_DAYS} days, not {days}")
    today = now.astimezone(UTC).date()
    start = datetime.combine(today - timedelta(days=days - 1), time.min, tzinfo=UTC)
    return Period(days=days, start=start, end=now)


class Percentile(Aggregate):
    """PostgreSQL's continuous percentile of an ordered set (interpolated, as spreadsheets do)."""

    function = "percentile_cont"
    template = "%(function)s(%(fraction)s) WITHIN GROUP (ORDER BY %(expressions)s)"
    output_field = FloatField()

    def __init__(self, expression: Any, *, fraction: float) -> None:
        if not 0 <= fraction <= 1:
            raise ValueError("a percentile's fraction is between 0 and 1")
        super().__init__(expression, fraction=float(fraction))


class Seconds(Func):
    """The length of an interval in seconds."""

    template = "EXTRACT(EPOCH FROM %(expressions)s)"
    output_field = FloatField()


@dataclass(frozen=True)
class DayCount:
    day: date
    opened: int
    resolved: int


@dataclass(frozen=True)
class Durations:
    """Percentiles in seconds (None when nothing was measured) and how many were measured."""

    p50: float | None
    p90: float | None
    count: int


@dataclass(frozen=True)
class ResponseTimes:
    first_response: Durations
    # Conversations whose customer wrote in the period and no agent answered (yet).
    unanswered: int
    resolution: Durations


@dataclass(frozen=True)
class ChannelMessages:
    channel_id: int
    name: str
    inbound: int
    outbound: int


@dataclass(frozen=True)
class AgentFigures:
    user_id: int
    name: str
    email: str
    is_member: bool
    messages_sent: int
    conversations_resolved: int


@dataclass(frozen=True)
class Report:
    period: Period
    per_day: list[DayCount]
    response_times: ResponseTimes
    channels: list[ChannelMessages]
    agents: list[AgentFigures]


def _count_by(queryset: QuerySet[Any], group: Any) -> dict[Any, int]:
    """Rows of `queryset` counted by the value of `group` (a field name or an expression)."""
    return dict(queryset.annotate(group=group).values_list("group").annotate(count=Count("id")).order_by())


def _in_period(field: str, period: Period) -> Q:
    return Q(**{f"{field}__gte": period.start, f"{field}__lt": period.end})


def conversations_per_day(*, tenant: Tenant | int, period: Period) -> list[DayCount]:
    """Conversations opened (created) and resolved on each day of the period, zeros included."""
    conversations = Conversation.objects.for_tenant(tenant)
    opened, resolved = (
        _count_by(conversations.filter(_in_period(field, period)), TruncDate(field, tzinfo=UTC))
        for field in ("created_at", "resolved_at")
    )
    return [DayCount(day=day, opened=opened.get(day, 0), resolved=resolved.get(day, 0)) for day in period.dates]


def _durations(queryset: QuerySet[Any], seconds: Any) -> Durations:
    figures = queryset.annotate(seconds=seconds).aggregate(
        p50=Percentile("seconds", fraction=0.5),
        p90=Percentile("seconds", fraction=0.9),
        count=Count("seconds"),
    )
    return Durations(p50=figures["p50"], p90=figures["p90"], count=figures["count"])


def response_times(*, tenant: Tenant | int, period: Period) -> ResponseTimes:
    """First response: from a conversation's first customer message (sent in the period) to the
    first message an agent wrote after it; API, bot and broadcast messages don't count.
    Resolution: from opening to resolving, for conversations resolved in the period."""
    messages = Message.objects.for_tenant(tenant)
    first_inbound = (
        messages.filter(conversation=OuterRef("pk"), direction=Direction.INBOUND).order_by("sent_at").values("sent_at")
    )
    first_agent_reply = (
        messages.filter(
            conversation=OuterRef("pk"),
            direction=Direction.OUTBOUND,
            author__isnull=False,
            sent_at__gte=OuterRef("first_inbound_at"),
        )
        .order_by("sent_at")
        .values("sent_at")
    )
    started = (
        Conversation.objects.for_tenant(tenant)
        .annotate(first_inbound_at=Subquery(first_inbound[:1], output_field=DateTimeField()))
        .filter(_in_period("first_inbound_at", period))
        .annotate(first_reply_at=Subquery(first_agent_reply[:1], output_field=DateTimeField()))
    )
    first_response = _durations(started, Seconds(F("first_reply_at") - F("first_inbound_at")))
    unanswered = started.filter(first_reply_at__isnull=True).count()
    resolved = Conversation.objects.for_tenant(tenant).filter(_in_period("resolved_at", period))
    resolution = _durations(resolved, Seconds(F("resolved_at") - F("created_at")))
    return ResponseTimes(first_response=first_response, unanswered=unanswered, resolution=resolution)


def messages_per_channel(*, tenant: Tenant | int, period: Period) -> list[ChannelMessages]:
    """Messages received and sent through each channel in the period (channels without any too)."""
    counts: dict[int, dict[str, int]] = {}
    rows = (
        Message.objects.for_tenant(tenant)
        .filter(_in_period("sent_at", period))
        .values_list("conversation__channel_id", "direction")
        .annotate(count=Count("id"))
        .order_by()
    )
    for channel_id, direction, count in rows:
        counts.setdefault(channel_id, {})[direction] = count
    return [
        ChannelMessages(
            channel_id=channel.pk,
            name=channel.name,
            inbound=counts.get(channel.pk, {}).get(Direction.INBOUND, 0),
            outbound=counts.get(channel.pk, {}).get(Direction.OUTBOUND, 0),
        )
        for channel in Channel.objects.for_tenant(tenant).order_by("name", "id")
    ]


def agent_figures(*, tenant: Tenant | int, period: Period) -> list[AgentFigures]:
    """Per agent: messages they wrote, and conversations resolved while assigned to them, in the
    period. Everyone who did either is listed, members first by name; people who left too."""
    sent = _count_by(
        Message.objects.for_tenant(tenant).filter(
            _in_period("sent_at", period), direction=Direction.OUTBOUND, author__isnull=False
        ),
        F("author_id"),
    )
    resolved = _count_by(
        Conversation.objects.for_tenant(tenant).filter(
            _in_period("resolved_at", period), status=ConversationStatus.RESOLVED, assignee__isnull=False
        ),
        F("assignee_id"),
    )
    tenant_id = tenant if isinstance(tenant, int) else tenant.pk
    people = (
        User.objects.filter(Q(pk__in=sent.keys()) | Q(pk__in=resolved.keys()))
        .annotate(is_member=Exists(Membership.objects.for_tenant(tenant_id).filter(user=OuterRef("pk"))))
        .order_by("-is_member", "name", "email")
    )
    return [
        AgentFigures(
            user_id=person.pk,
            name=person.name or person.email,
            email=person.email,
            is_member=person.is_member,
            messages_sent=sent.get(person.pk, 0),
            conversations_resolved=resolved.get(person.pk, 0),
        )
        for person in people
    ]


def report(*, tenant: Tenant | int, period: Period) -> Report:
    return Report(
        period=period,
        per_day=conversations_per_day(tenant=tenant, period=period),
        response_times=response_times(tenant=tenant, period=period),
        channels=messages_per_channel(tenant=tenant, period=period),
        agents=agent_figures(tenant=tenant, period=period),
    )
