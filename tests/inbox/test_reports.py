"""Report figures on seeded data whose answers are known, and only ever the tenant's own."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from inbox import reports
from inbox.models import ConversationStatus, Direction
from tests.accounts.factories import UserFactory
from tests.inbox.factories import ChannelFactory, ConversationFactory, MessageFactory

NOW = datetime(2025, 3, 10, 15, 0, tzinfo=UTC)
WEEK = reports.period_ending(now=NOW, days=7)
MINUTE = timedelta(minutes=1)


def at(day: int, hour: int = 9, minute: int = 0) -> datetime:
    return datetime(2025, 3, day, hour, minute, tzinfo=UTC)


def conversation(channel, *, opened: datetime, resolved: datetime | None = None, assignee=None):
    return ConversationFactory.create(
        channel=channel,
        created_at=opened,
        status=ConversationStatus.RESOLVED if resolved else ConversationStatus.OPEN,
        resolved_at=resolved,
        assignee=assignee,
    )


def message(conversation, *, sent_at: datetime, author=None, direction: str = Direction.OUTBOUND):
    return MessageFactory.create(conversation=conversation, direction=direction, sent_at=sent_at, author=author)


@pytest.fixture
def seeded(world, other_tenant):
    """Four conversations in the week (one answered only by the API, one not at all), one
    started before it; and the other tenant's, which must count nowhere."""
    agent, admin = world.agent.user, world.admin.user
    shop = ChannelFactory.create(tenant=world.tenant, name="+1 555 0100")
    ChannelFactory.create(tenant=world.tenant, name="+1 555 0199")  # quiet: listed with zeros
    # Answered after 60 s, resolved after 1 h, by the agent.
    a = conversation(shop, opened=at(4), resolved=at(4, 10), assignee=agent)
    message(a, sent_at=at(4), direction=Direction.INBOUND)
    message(a, sent_at=at(4) + MINUTE, author=agent)
    # An API reply after 10 s doesn't count; the admin answered after 300 s; resolved after 3 h.
    b = conversation(shop, opened=at(6), resolved=at(6, 12), assignee=agent)
    message(b, sent_at=at(6), direction=Direction.INBOUND)
    message(b, sent_at=at(6) + timedelta(seconds=10))
    message(b, sent_at=at(6) + 5 * MINUTE, author=admin)
    # Answered after 120 s; still open.
    c = conversation(shop, opened=at(10, 8), assignee=admin)
    message(c, sent_at=at(10, 8), direction=Direction.INBOUND)
    message(c, sent_at=at(10, 8) + 2 * MINUTE, author=admin)
    # Not answered yet.
    d = conversation(shop, opened=at(9))
    message(d, sent_at=at(9), direction=Direction.INBOUND)
    # Started before the week: its first response is not this week's.
    old = conversation(shop, opened=at(2))
    message(old, sent_at=at(2), direction=Direction.INBOUND)
    message(old, sent_at=at(5), author=agent)
    # The other tenant, busy on the same days.
    theirs = ChannelFactory.create(tenant=other_tenant.tenant)
    for day in (4, 6, 9):
        foreign = conversation(theirs, opened=at(day), resolved=at(day, 11), assignee=other_tenant.agent.user)
        message(foreign, sent_at=at(day), direction=Direction.INBOUND)
        message(foreign, sent_at=at(day, 10), author=other_tenant.agent.user)
    return world


def test_the_period_is_whole_utc_days_up_to_now():
    assert WEEK.start == datetime(2025, 3, 4, tzinfo=UTC)
    assert WEEK.end == NOW
    assert WEEK.dates[0] == date(2025, 3, 4)
    assert WEEK.dates[-1] == date(2025, 3, 10)


def test_only_offered_periods_are_accepted():
    with pytest.raises(ValueError, match="days"):
        reports.period_ending(now=NOW, days=8)


def test_conversations_opened_and_resolved_per_day(seeded):
    rows = reports.conversations_per_day(tenant=seeded.tenant, period=WEEK)
    per_day = {row.day.day: (row.opened, row.resolved) for row in rows}
    assert per_day == {4: (1, 1), 5: (0, 0), 6: (1, 1), 7: (0, 0), 8: (0, 0), 9: (1, 0), 10: (1, 0)}


def test_first_response_percentiles_count_only_agents(seeded):
    times = reports.response_times(tenant=seeded.tenant, period=WEEK)
    # 60, 120 and 300 s: the median is 120; p90 interpolates 120 + 0.8 × 180.
    assert times.first_response == reports.Durations(p50=120.0, p90=264.0, count=3)
    assert times.unanswered == 1


def test_resolution_percentiles(seeded):
    times = reports.response_times(tenant=seeded.tenant, period=WEEK)
    # 1 h and 3 h: p50 2 h, p90 1 h + 0.9 × 2 h.
    assert times.resolution == reports.Durations(p50=7200.0, p90=10080.0, count=2)


def test_no_data_gives_no_percentiles(world):
    times = reports.response_times(tenant=world.tenant, period=WEEK)
    assert times.first_response == reports.Durations(p50=None, p90=None, count=0)
    assert times.resolution == reports.Durations(p50=None, p90=None, count=0)


def test_messages_per_channel_in_and_out(seeded):
    rows = reports.messages_per_channel(tenant=seeded.tenant, period=WEEK)
    channels = [(row.name, row.inbound, row.outbound) for row in rows]
    # The old conversation's first message is before the week; its reply is in it.
    assert channels == [("+1 555 0100", 4, 5), ("+1 555 0199", 0, 0)]


def test_per_agent_messages_sent_and_conversations_resolved(seeded):
    figures = [
        (row.name, row.messages_sent, row.conversations_resolved)
        for row in reports.agent_figures(tenant=seeded.tenant, period=WEEK)
    ]
    assert sorted(figures) == sorted([(seeded.agent.user.name, 2, 2), (seeded.admin.user.name, 2, 0)])


def test_someone_who_left_is_still_counted_and_marked(seeded):
    leaver = UserFactory.create(name="Former Agent")
    c = conversation(ChannelFactory.create(tenant=seeded.tenant), opened=at(8))
    message(c, sent_at=at(8), author=leaver)
    rows = {row.name: row for row in reports.agent_figures(tenant=seeded.tenant, period=WEEK)}
    assert rows["Former Agent"].messages_sent == 1
    assert not rows["Former Agent"].is_member
    assert rows[seeded.agent.user.name].is_member


def test_the_whole_report_takes_a_fixed_number_of_queries(seeded, django_assert_num_queries):
    with django_assert_num_queries(10):
        reports.report(tenant=seeded.tenant, period=reports.period_ending(now=NOW, days=30))
