"""Automatic assignment: the round robin rule (pure, exhaustively), conversations opened by customers'
messages going to online agents in turn, and agents' availability."""

from __future__ import annotations

import itertools
import threading
from datetime import UTC, datetime, timedelta

import pytest
from django.db import connection
from django.utils import timezone
from hypothesis import given
from hypothesis import strategies as st

from accounts.errors import ServiceError
from accounts.models import Role
from accounts.services import Actor
from accounts.tenancy import tenant_scope
from inbox.incoming import IncomingMessage
from inbox.models import Activity, AgentStatus, AutoAssignment, Availability, Contact, Conversation, TenantEvent
from inbox.policy import AgentLoad, round_robin_next, round_robin_plan
from inbox.selectors import with_wa_id
from inbox.services.assignment import agent_availability_set
from inbox.services.inbound import inbound_store
from tests.accounts.factories import MembershipFactory
from tests.inbox.factories import (
    AgentStatusFactory,
    AutoAssignmentFactory,
    ChannelFactory,
    ConversationFactory,
    TeamFactory,
    TeamMemberFactory,
)

T0 = datetime(2025, 3, 3, 9, 0, tzinfo=UTC)


def load(user_id: int, *, online: bool = True, open_count: int = 0) -> AgentLoad:
    return AgentLoad(user_id=user_id, is_online=online, open_count=open_count)


# The rule ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("agents", "last", "expected"),
    [
        ([], None, None),
        ([load(1)], None, 1),
        ([load(1)], 1, 1),  # the only agent gets every conversation
        ([load(1), load(2), load(3)], None, 1),
        ([load(1), load(2), load(3)], 1, 2),
        ([load(1), load(2), load(3)], 2, 3),
        ([load(1), load(2), load(3)], 3, 1),  # wraps around
        ([load(3), load(1), load(2)], 1, 2),  # the order given does not matter: user id order
        ([load(1), load(2), load(3)], 99, 1),  # the last one left: start again from the first
        ([load(2), load(4)], 3, 4),  # the last one is no longer a candidate: the next after them
        ([load(1), load(2, online=False), load(3)], 1, 3),  # offline agents are skipped
        ([load(1), load(2, open_count=10), load(3)], 1, 3),  # so are agents at the maximum
        ([load(1), load(2, open_count=9), load(3)], 1, 2),  # one below the maximum: still eligible
        ([load(1, online=False), load(2, open_count=11)], None, None),  # nobody eligible
    ],
)
def test_round_robin_picks_the_next_eligible_agent_after_the_last_one(agents, last, expected):
    assert round_robin_next(agents=agents, last_assigned_id=last, max_open=10) == expected


def test_a_maximum_of_zero_assigns_nobody():
    assert round_robin_next(agents=[load(1), load(2)], last_assigned_id=None, max_open=0) is None


def test_every_combination_of_three_agents_gives_an_eligible_agent_or_nobody():
    """Exhaustive over 3 agents × online/offline × at/below the maximum × every last assignee."""
    states = list(itertools.product([True, False], [0, 1]))
    for combination in itertools.product(states, repeat=3):
        agents = [
            load(user_id, online=online, open_count=count) for user_id, (online, count) in enumerate(combination, 1)
        ]
        eligible = [a.user_id for a in agents if a.is_online and a.open_count < 1]
        for last in (None, 1, 2, 3):
            chosen = round_robin_next(agents=agents, last_assigned_id=last, max_open=1)
            if not eligible:
                assert chosen is None
                continue
            assert chosen in eligible
            after = [user_id for user_id in eligible if last is None or user_id > last]
            assert chosen == (after[0] if after else eligible[0])


def test_a_plan_counts_each_choice_against_the_maximum():
    agents = [load(1, open_count=1), load(2), load(3, online=False)]
    assert round_robin_plan(agents=agents, last_assigned_id=None, max_open=2, count=5) == [1, 2, 2, None, None]


@given(
    online=st.lists(st.booleans(), min_size=1, max_size=6),
    count=st.integers(min_value=0, max_value=30),
    max_open=st.integers(min_value=0, max_value=5),
)
def test_a_plan_never_exceeds_the_maximum_and_is_fair(online, count, max_open):
    agents = [load(user_id, online=is_online) for user_id, is_online in enumerate(online, 1)]
    plan = round_robin_plan(agents=agents, last_assigned_id=None, max_open=max_open, count=count)
    given_to = [user_id for user_id in plan if user_id is not None]
    per_agent = {a.user_id: given_to.count(a.user_id) for a in agents}
    assert all(per_agent[a.user_id] == 0 for a in agents if not a.is_online)
    assert all(n <= max_open for n in per_agent.values())
    online_counts = [per_agent[a.user_id] for a in agents if a.is_online]
    if online_counts:
        assert max(online_counts) - min(online_counts) <= 1  # round robin: nobody is two ahead
    # Nobody is left unassigned while someone could still take it.
    assert len(given_to) == min(count, max_open * len(online_counts))


# Conversations opened by customers ------------------------------------------------------------


def incoming(channel, wa_id: str, n: int = 0) -> IncomingMessage:
    return IncomingMessage(
        wa_id=wa_id,
        user_id="",
        profile_name=f"Customer {wa_id}",
        provider_message_id=f"wamid.assign.{wa_id}.{n}",
        type="text",
        text="Hello?",
        content={},
        raw={},
        sent_at=T0 + timedelta(seconds=n),
        channel_id=channel.pk,
    )


def receive(channel, *wa_ids: str, n: int = 0) -> None:
    inbound_store(
        tenant_id=channel.tenant_id,
        messages=[incoming(channel, wa_id, n) for wa_id in wa_ids],
        now=T0 + timedelta(seconds=n),
    )


def assignees(tenant) -> dict[str, int | None]:
    with tenant_scope(tenant):
        return {c.contact.wa_id: c.assignee_id for c in Conversation.objects.select_related("contact").order_by("pk")}


@pytest.fixture
def channel(world):
    return ChannelFactory.create(tenant=world.tenant)


def online(world, *memberships, availability=Availability.ONLINE) -> None:
    for membership in memberships:
        AgentStatusFactory.create(tenant=world.tenant, user=membership.user, availability=availability)


def test_new_conversations_go_round_robin_to_the_online_members(world, channel):
    AutoAssignmentFactory.create(channel=channel)
    online(world, world.admin, world.agent)
    receive(channel, "491", "492", "493")
    first, second = sorted([world.admin.user_id, world.agent.user_id])
    assert assignees(world.tenant) == {"491": first, "492": second, "493": first}
    with tenant_scope(world.tenant):
        assert AutoAssignment.objects.get().last_assigned_id == first


def test_the_round_robin_goes_on_from_where_it_stopped(world, channel):
    AutoAssignmentFactory.create(channel=channel)
    online(world, world.admin, world.agent)
    receive(channel, "491")
    receive(channel, "492", n=1)
    assert sorted(assignees(world.tenant).values()) == sorted([world.admin.user_id, world.agent.user_id])


def test_an_assignment_is_recorded_in_the_thread_and_announced(world, channel):
    AutoAssignmentFactory.create(channel=channel)
    online(world, world.agent)
    receive(channel, "491")
    with tenant_scope(world.tenant):
        activity = Activity.objects.get()
        types = list(TenantEvent.objects.order_by("seq").values_list("type", flat=True))
    assert (activity.kind, activity.actor_id, activity.actor_label) == ("assigned", None, "system")
    assert activity.data == {"assignee": world.agent.user_id, "assignee_name": world.agent.user.name, "automatic": True}
    assert types == ["message.created", "conversation.updated", "activity.created"]


def test_only_the_teams_online_members_under_their_maximum_are_chosen(world, channel):
    team = TeamFactory.create(tenant=world.tenant)
    busy_member = MembershipFactory.create(tenant=world.tenant)
    full_member = MembershipFactory.create(tenant=world.tenant)
    for membership in (world.agent, busy_member, full_member):
        TeamMemberFactory.create(team=team, user=membership.user)
    online(world, world.agent, full_member, world.admin)  # the admin is online but not in the team
    online(world, busy_member, availability=Availability.BUSY)
    ConversationFactory.create(channel=channel, assignee=full_member.user)
    AutoAssignmentFactory.create(channel=channel, team=team, max_open_per_agent=1)
    receive(channel, "491", "492")
    assert assignees(world.tenant)["491"] == world.agent.user_id
    assert assignees(world.tenant)["492"] is None  # the agent is full now; nobody else may take it
    with tenant_scope(world.tenant):
        assert set(
            Conversation.objects.filter(
                contact__in=Contact.objects.filter(with_wa_id("491", "492", tenant_id=world.tenant.pk))
            ).values_list("team_id", flat=True)
        ) == {team.pk}


def test_resolved_and_snoozed_conversations_do_not_count_against_the_maximum(world, channel):
    online(world, world.agent)
    ConversationFactory.create(channel=channel, assignee=world.agent.user, status="resolved")
    ConversationFactory.create(channel=channel, assignee=world.agent.user, status="snoozed")
    ConversationFactory.create(channel=channel, assignee=world.agent.user, status="pending")
    AutoAssignmentFactory.create(channel=channel, max_open_per_agent=2)
    receive(channel, "491", "492")
    assert assignees(world.tenant)["491"] == world.agent.user_id
    assert assignees(world.tenant)["492"] is None


def test_nobody_online_leaves_the_conversation_unassigned(world, channel):
    AutoAssignmentFactory.create(channel=channel)
    online(world, world.agent, availability=Availability.OFFLINE)
    receive(channel, "491")
    assert assignees(world.tenant) == {"491": None}
    with tenant_scope(world.tenant):
        assert not Activity.objects.exists()


def test_a_disabled_setting_assigns_nothing(world, channel):
    AutoAssignmentFactory.create(channel=channel, enabled=False)
    online(world, world.agent)
    receive(channel, "491")
    assert assignees(world.tenant) == {"491": None}


def test_a_message_in_an_existing_conversation_does_not_reassign_it(world, channel):
    online(world, world.agent, world.admin)
    receive(channel, "491")  # before automatic assignment was switched on
    AutoAssignmentFactory.create(channel=channel)
    receive(channel, "491", n=1)
    assert assignees(world.tenant) == {"491": None}


def test_members_of_another_tenant_are_never_chosen(world, other_tenant, channel):
    team = TeamFactory.create(tenant=world.tenant)
    # A stray row naming someone of another tenant (the team member rows are the tenant's own).
    TeamMemberFactory.create(team=team, user=other_tenant.agent.user)
    AgentStatusFactory.create(tenant=world.tenant, user=other_tenant.agent.user)
    AutoAssignmentFactory.create(channel=channel, team=team)
    receive(channel, "491")
    assert assignees(world.tenant) == {"491": None}


@pytest.mark.django_db(transaction=True)
def test_conversations_opened_at_the_same_time_go_to_different_agents(world, channel) -> None:
    AutoAssignmentFactory.create(channel=channel)
    online(world, world.admin, world.agent)
    start = threading.Barrier(2)
    errors: list[BaseException] = []

    def customer_writes(wa_id: str) -> None:
        try:
            start.wait()
            receive(channel, wa_id)
        except BaseException as error:  # reported below: a thread's failure must fail the test
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=customer_writes, args=(wa_id,)) for wa_id in ("491", "492")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert set(assignees(world.tenant).values()) == {world.admin.user_id, world.agent.user_id}


# Availability ---------------------------------------------------------------------------------


def test_a_member_sets_their_availability(world):
    actor = Actor(tenant_id=world.tenant.pk, role=Role.AGENT, user=world.agent.user)
    agent_availability_set(actor=actor, availability="online", now=timezone.now())
    status = agent_availability_set(actor=actor, availability="busy", now=timezone.now())
    assert status.availability == "busy"
    with tenant_scope(world.tenant):
        assert AgentStatus.objects.count() == 1


def test_availability_is_per_workspace(world, other_tenant):
    person = world.agent.user
    MembershipFactory.create(tenant=other_tenant.tenant, user=person)
    agent_availability_set(
        actor=Actor(tenant_id=world.tenant.pk, role=Role.AGENT, user=person), availability="online", now=timezone.now()
    )
    with tenant_scope(other_tenant.tenant):
        assert not AgentStatus.objects.exists()


@pytest.mark.parametrize(
    ("availability", "user", "code"), [("away", True, "invalid_availability"), ("online", False, "member_required")]
)
def test_a_bad_availability_is_refused_and_changes_nothing(world, availability, user, code):
    actor = Actor(tenant_id=world.tenant.pk, role=Role.ADMIN, user=world.agent.user if user else None)
    with pytest.raises(ServiceError) as refused:
        agent_availability_set(actor=actor, availability=availability, now=timezone.now())
    assert refused.value.code == code
    with tenant_scope(world.tenant):
        assert not AgentStatus.objects.exists()
