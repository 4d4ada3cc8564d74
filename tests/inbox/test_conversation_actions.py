"""Working a conversation: assign, team, status, snooze, labels, unread and notes, through the services
and the API. Each change is recorded in the thread and announced; each refusal changes nothing."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from accounts.errors import ServiceError
from accounts.models import Notification, Role
from accounts.services import Actor
from accounts.tenancy import tenant_scope
from inbox import policy
from inbox.models import Activity, Conversation, ConversationLabel, TenantEvent
from inbox.policy import Mentionable, mentioned_user_ids, next_message_cost, snooze_preset_until, snooze_refusal
from inbox.services import conversations as services
from inbox.tasks import conversations_unsnooze
from tests.accounts.factories import MembershipFactory, UserFactory
from tests.accounts.test_api import assert_envelope
from tests.inbox.factories import (
    ChannelFactory,
    ConversationFactory,
    LabelFactory,
    TeamFactory,
    TeamMemberFactory,
)
from tests.inbox.test_assignment import receive

NOW = datetime(2025, 3, 3, 9, 0, tzinfo=UTC)


@pytest.fixture
def channel(world):
    return ChannelFactory.create(tenant=world.tenant)


@pytest.fixture
def conversation(channel):
    return ConversationFactory.create(channel=channel)


def actor_of(membership) -> Actor:
    return Actor(tenant_id=membership.tenant_id, role=membership.role, user=membership.user)


def fresh(conversation) -> Conversation:
    with tenant_scope(conversation.tenant_id):
        return Conversation.objects.get(pk=conversation.pk)


def trail(tenant) -> list[tuple[str, str]]:
    """What happened, as the thread records it: (kind, body)."""
    with tenant_scope(tenant):
        return list(Activity.objects.order_by("pk").values_list("kind", "body"))


def events(tenant) -> list[dict[str, Any]]:
    with tenant_scope(tenant):
        return [{"seq": e.seq, "type": e.type, **e.payload} for e in TenantEvent.objects.order_by("seq")]


def assert_nothing_changed(conversation, before: Conversation) -> None:
    after = fresh(conversation)
    fields = ("status", "assignee_id", "team_id", "snoozed_until", "resolved_at", "unread_count", "updated_at")
    assert [getattr(after, f) for f in fields] == [getattr(before, f) for f in fields]
    assert trail(conversation.tenant) == []
    assert events(conversation.tenant) == []


def refused(call, code: str) -> ServiceError:
    with pytest.raises(ServiceError) as caught:
        call()
    assert caught.value.code == code
    return caught.value


# Assignment ------------------------------------------------------------------------------------


def test_an_agent_takes_an_unassigned_conversation(world, conversation):
    taken = services.conversation_assign(
        conversation=conversation, assignee_id=world.agent.user_id, actor=actor_of(world.agent), now=NOW
    )
    assert taken.assignee_id == world.agent.user_id
    assert fresh(conversation).updated_at == NOW
    assert trail(world.tenant) == [("assigned", f"{world.agent.user.name} took the conversation.")]
    (updated, created) = events(world.tenant)
    assert updated["type"] == "conversation.updated"
    assert updated["conversation"]["assignee_id"] == world.agent.user_id
    with tenant_scope(world.tenant):
        activity = Activity.objects.get()
    assert created == {
        "type": "activity.created",
        "seq": updated["seq"] + 1,
        "conversation_id": conversation.pk,
        "activity_id": activity.pk,
        "kind": "assigned",
    }
    assert (activity.actor_id, activity.actor_label) == (world.agent.user_id, world.agent.user.name)


def test_an_agent_hands_their_conversation_to_a_colleague(world, conversation):
    colleague = MembershipFactory.create(tenant=world.tenant, user__name="Kim Park")
    services.conversation_assign(
        conversation=conversation, assignee_id=world.agent.user_id, actor=actor_of(world.agent), now=NOW
    )
    services.conversation_assign(
        conversation=conversation, assignee_id=colleague.user_id, actor=actor_of(world.agent), now=NOW
    )
    assert fresh(conversation).assignee_id == colleague.user_id
    assert trail(world.tenant)[-1] == ("assigned", f"{world.agent.user.name} assigned the conversation to Kim Park.")


def test_an_agent_may_not_take_a_colleagues_conversation(world, channel):
    colleague = MembershipFactory.create(tenant=world.tenant)
    conversation = ConversationFactory.create(channel=channel, assignee=colleague.user)
    before = fresh(conversation)
    error = refused(
        lambda: services.conversation_assign(
            conversation=conversation, assignee_id=world.agent.user_id, actor=actor_of(world.agent), now=NOW
        ),
        "assigned_to_colleague",
    )
    assert error.http_status == 403
    refused(
        lambda: services.conversation_unassign(conversation=conversation, actor=actor_of(world.agent), now=NOW),
        "assigned_to_colleague",
    )
    assert_nothing_changed(conversation, before)


def test_an_admin_reassigns_any_conversation(world, channel):
    conversation = ConversationFactory.create(channel=channel, assignee=world.agent.user)
    services.conversation_assign(
        conversation=conversation, assignee_id=world.owner.user_id, actor=actor_of(world.admin), now=NOW
    )
    assert fresh(conversation).assignee_id == world.owner.user_id


@pytest.mark.parametrize("who", ["stranger", "other_tenant_member"])
def test_only_members_of_the_tenant_can_be_assigned(world, other_tenant, conversation, who):
    user = UserFactory.create() if who == "stranger" else other_tenant.agent.user
    before = fresh(conversation)
    refused(
        lambda: services.conversation_assign(
            conversation=conversation, assignee_id=user.pk, actor=actor_of(world.admin), now=NOW
        ),
        "not_a_member",
    )
    assert_nothing_changed(conversation, before)


def test_assigning_the_current_assignee_changes_nothing(world, channel):
    conversation = ConversationFactory.create(channel=channel, assignee=world.agent.user)
    before = fresh(conversation)
    services.conversation_assign(
        conversation=conversation, assignee_id=world.agent.user_id, actor=actor_of(world.agent), now=NOW
    )
    assert_nothing_changed(conversation, before)


def test_unassigning_is_recorded(world, channel):
    conversation = ConversationFactory.create(channel=channel, assignee=world.agent.user)
    services.conversation_unassign(conversation=conversation, actor=actor_of(world.agent), now=NOW)
    assert fresh(conversation).assignee_id is None
    assert trail(world.tenant) == [("unassigned", f"{world.agent.user.name} unassigned {world.agent.user.name}.")]


# Teams -----------------------------------------------------------------------------------------


def test_routing_to_a_team_keeps_the_assignee_unless_told(world, channel):
    team = TeamFactory.create(tenant=world.tenant, name="Returns")
    conversation = ConversationFactory.create(channel=channel, assignee=world.agent.user)
    services.conversation_team_set(conversation=conversation, team_id=team.pk, actor=actor_of(world.agent), now=NOW)
    after = fresh(conversation)
    assert (after.team_id, after.assignee_id) == (team.pk, world.agent.user_id)
    assert trail(world.tenant) == [("team", f"{world.agent.user.name} moved the conversation to the team Returns.")]


def test_routing_to_a_team_and_one_of_its_members(world, conversation):
    team = TeamFactory.create(tenant=world.tenant)
    TeamMemberFactory.create(team=team, user=world.admin.user)
    services.conversation_team_set(
        conversation=conversation,
        team_id=team.pk,
        assignee_id=world.admin.user_id,
        actor=actor_of(world.agent),
        now=NOW,
    )
    after = fresh(conversation)
    assert (after.team_id, after.assignee_id) == (team.pk, world.admin.user_id)
    assert [kind for kind, _body in trail(world.tenant)] == ["team", "assigned"]
    assert [e["type"] for e in events(world.tenant)] == ["conversation.updated", "activity.created", "activity.created"]


def test_the_member_must_belong_to_the_team(world, conversation):
    team = TeamFactory.create(tenant=world.tenant)
    before = fresh(conversation)
    refused(
        lambda: services.conversation_team_set(
            conversation=conversation, team_id=team.pk, assignee_id=world.admin.user_id, actor=actor_of(world.agent),
            now=NOW,
        ),
        "not_in_team",
    )  # fmt: skip
    assert_nothing_changed(conversation, before)


def test_another_tenants_team_is_unknown(world, other_tenant, conversation):
    theirs = TeamFactory.create(tenant=other_tenant.tenant)
    before = fresh(conversation)
    refused(
        lambda: services.conversation_team_set(
            conversation=conversation, team_id=theirs.pk, actor=actor_of(world.admin), now=NOW
        ),
        "unknown_team",
    )
    assert_nothing_changed(conversation, before)


def test_leaving_the_team(world, channel):
    team = TeamFactory.create(tenant=world.tenant, name="Sales")
    conversation = ConversationFactory.create(channel=channel, team=team)
    services.conversation_team_set(conversation=conversation, team_id=None, actor=actor_of(world.agent), now=NOW)
    assert fresh(conversation).team_id is None
    assert trail(world.tenant) == [("team", f"{world.agent.user.name} removed the conversation from the team Sales.")]


# Status and snoozing ---------------------------------------------------------------------------


def test_resolving_and_reopening(world, conversation):
    services.conversation_status_set(conversation=conversation, status="resolved", actor=actor_of(world.agent), now=NOW)
    assert (fresh(conversation).status, fresh(conversation).resolved_at) == ("resolved", NOW)
    later = NOW + timedelta(hours=1)
    services.conversation_status_set(conversation=conversation, status="open", actor=actor_of(world.agent), now=later)
    assert (fresh(conversation).status, fresh(conversation).resolved_at) == ("open", None)
    name = world.agent.user.name
    assert trail(world.tenant) == [
        ("status", f"{name} resolved the conversation."),
        ("status", f"{name} reopened the conversation."),
    ]
    with tenant_scope(world.tenant):
        assert Activity.objects.order_by("pk").first().data == {"from": "open", "to": "resolved"}


@pytest.mark.parametrize("status", ["snoozed", "closed", ""])
def test_a_status_that_cannot_be_set_directly_is_refused(world, conversation, status):
    before = fresh(conversation)
    refused(
        lambda: services.conversation_status_set(
            conversation=conversation, status=status, actor=actor_of(world.agent), now=NOW
        ),
        "invalid_status",
    )
    assert_nothing_changed(conversation, before)


def test_a_resolved_conversation_stays_resolved_while_a_newer_one_is_open(world, channel):
    old = ConversationFactory.create(channel=channel, status="resolved", resolved_at=NOW)
    ConversationFactory.create(channel=channel, contact=old.contact)
    before = fresh(old)
    error = refused(
        lambda: services.conversation_status_set(conversation=old, status="open", actor=actor_of(world.agent), now=NOW),
        "newer_conversation_open",
    )
    assert error.http_status == 409
    refused(
        lambda: services.conversation_snooze(
            conversation=old, until=NOW + timedelta(hours=1), actor=actor_of(world.agent), now=NOW
        ),
        "newer_conversation_open",
    )
    assert_nothing_changed(old, before)


def test_snoozing_until_a_time(world, conversation):
    until = NOW + timedelta(days=2)
    services.conversation_snooze(conversation=conversation, until=until, actor=actor_of(world.agent), now=NOW)
    after = fresh(conversation)
    assert (after.status, after.snoozed_until) == ("snoozed", until)
    with tenant_scope(world.tenant):
        assert Activity.objects.get().data == {"from": "open", "until": until.isoformat()}


@pytest.mark.parametrize(
    ("until", "code"),
    [
        (NOW, "snooze_in_past"),
        (NOW - timedelta(minutes=5), "snooze_in_past"),
        (NOW + timedelta(days=90, seconds=1), "snooze_too_far"),
        (datetime(2025, 3, 4, 9, 0), "snooze_time_naive"),  # noqa: DTZ001 (the point of the test)
    ],
)
def test_a_snooze_time_that_makes_no_sense_is_refused(world, conversation, until, code):
    before = fresh(conversation)
    refused(
        lambda: services.conversation_snooze(
            conversation=conversation, until=until, actor=actor_of(world.agent), now=NOW
        ),
        code,
    )
    assert_nothing_changed(conversation, before)


def test_snoozed_conversations_reopen_when_their_time_comes(world, other_tenant, conversation):
    theirs = ConversationFactory.create(channel__tenant=other_tenant.tenant)
    for snoozed in (conversation, theirs):
        services.conversation_snooze(
            conversation=snoozed, until=NOW + timedelta(hours=1), actor=Actor(snoozed.tenant_id, Role.ADMIN), now=NOW
        )
    assert services.conversations_unsnooze_due(now=NOW + timedelta(minutes=59)) == 0
    assert services.conversations_unsnooze_due(now=NOW + timedelta(hours=1)) == 2
    assert services.conversations_unsnooze_due(now=NOW + timedelta(hours=2)) == 0  # once
    after = fresh(conversation)
    assert (after.status, after.snoozed_until) == ("open", None)
    with tenant_scope(world.tenant):
        woken = Activity.objects.order_by("pk").last()
    assert (woken.kind, woken.actor_label, woken.data["reason"]) == ("status", "system", "snooze_ended")
    assert [e["type"] for e in events(world.tenant)][-2:] == ["conversation.updated", "activity.created"]
    assert fresh(theirs).status == "open"


def test_the_beat_task_wakes_what_is_due(world, conversation):
    services.conversation_snooze(
        conversation=conversation, until=timezone.now() + timedelta(seconds=1), actor=actor_of(world.agent),
        now=timezone.now(),
    )  # fmt: skip
    with tenant_scope(world.tenant):
        Conversation.objects.filter(pk=conversation.pk).update(snoozed_until=timezone.now() - timedelta(seconds=1))
    assert conversations_unsnooze() == 1
    assert fresh(conversation).status == "open"


def test_a_customers_message_wakes_a_snoozed_conversation_at_once(world, channel):
    receive(channel, "4915100000001")
    with tenant_scope(world.tenant):
        conversation = Conversation.objects.get()
    services.conversation_snooze(
        conversation=conversation, until=NOW + timedelta(days=3), actor=actor_of(world.agent), now=NOW
    )
    receive(channel, "4915100000001", n=60)
    after = fresh(conversation)
    assert (after.status, after.snoozed_until) == ("open", None)


# Labels and unread -----------------------------------------------------------------------------


def test_adding_and_removing_labels(world, conversation):
    vip, refund, bug = (LabelFactory.create(tenant=world.tenant, name=name) for name in ("vip", "refund", "bug"))
    services.conversation_labels_change(
        conversation=conversation, add=[vip.pk, refund.pk], actor=actor_of(world.agent), now=NOW
    )
    services.conversation_labels_change(
        conversation=conversation, add=[bug.pk, vip.pk], remove=[refund.pk], actor=actor_of(world.agent), now=NOW
    )
    with tenant_scope(world.tenant):
        assert set(ConversationLabel.objects.values_list("label__name", flat=True)) == {"vip", "bug"}
    name = world.agent.user.name
    assert trail(world.tenant) == [
        ("labelled", f"{name} added the label refund."),
        ("labelled", f"{name} added the label vip."),
        ("labelled", f"{name} added the label bug."),
        ("unlabelled", f"{name} removed the label refund."),
    ]


def test_labels_already_there_or_gone_change_nothing(world, conversation):
    vip = LabelFactory.create(tenant=world.tenant)
    services.conversation_labels_change(conversation=conversation, add=[vip.pk], actor=actor_of(world.agent), now=NOW)
    count = len(events(world.tenant))
    services.conversation_labels_change(conversation=conversation, add=[vip.pk], actor=actor_of(world.agent), now=NOW)
    other = LabelFactory.create(tenant=world.tenant)
    services.conversation_labels_change(
        conversation=conversation, remove=[other.pk], actor=actor_of(world.agent), now=NOW
    )
    assert len(events(world.tenant)) == count


def test_another_tenants_label_is_unknown_and_nothing_changes(world, other_tenant, conversation):
    mine = LabelFactory.create(tenant=world.tenant)
    theirs = LabelFactory.create(tenant=other_tenant.tenant)
    before = fresh(conversation)
    error = refused(
        lambda: services.conversation_labels_change(
            conversation=conversation, add=[mine.pk, theirs.pk], actor=actor_of(world.agent), now=NOW
        ),
        "unknown_label",
    )
    assert error.details == {"labels": [theirs.pk]}
    refused(
        lambda: services.conversation_labels_change(
            conversation=conversation, add=[mine.pk], remove=[mine.pk], actor=actor_of(world.agent), now=NOW
        ),
        "label_conflict",
    )
    assert_nothing_changed(conversation, before)
    with tenant_scope(world.tenant):
        assert not ConversationLabel.objects.exists()


def test_marking_unread(world, channel):
    read = ConversationFactory.create(channel=channel, unread_count=0)
    services.conversation_mark_unread(conversation=read, actor=actor_of(world.agent), now=NOW)
    assert fresh(read).unread_count == 1
    assert [e["type"] for e in events(world.tenant)] == ["conversation.updated"]
    unread = ConversationFactory.create(channel=channel, unread_count=3)
    services.conversation_mark_unread(conversation=unread, actor=actor_of(world.agent), now=NOW)
    assert fresh(unread).unread_count == 3
    assert len(events(world.tenant)) == 1


# Notes -----------------------------------------------------------------------------------------


def notifications(user) -> list[Notification]:
    return list(Notification.objects.unscoped().filter(user=user).order_by("pk"))


def test_a_note_mentions_and_notifies_colleagues(world, other_tenant, conversation):
    sam = MembershipFactory.create(tenant=world.tenant, user__name="Sam Lee", user__email="sam@acme.test")
    kim = MembershipFactory.create(tenant=world.tenant, user__name="Kim Park", user__email="kim@acme.test")
    outsider = MembershipFactory.create(tenant=other_tenant.tenant, user__name="Olaf", user__email="olaf@globex.test")
    body = f"@Sam Lee and @kim@acme.test: refund? (not @olaf, nor @{world.agent.user.email})"
    note = services.note_add(conversation=conversation, body=body, actor=actor_of(world.agent), now=NOW)
    assert (note.kind, note.body) == ("note", body)
    assert note.mentions == [sam.user_id, kim.user_id, world.agent.user_id]
    url = f"/t/acme/inbox/{conversation.pk}/"
    for person in (sam, kim):
        (notification,) = notifications(person.user)
        assert (notification.kind, notification.url, notification.body) == ("inbox.mention", url, body)
        assert notification.tenant_id == world.tenant.pk
        assert notification.title.startswith(f"{world.agent.user.name} mentioned you in a note on ")
    assert notifications(world.agent.user) == []  # mentioning yourself notifies nobody
    assert notifications(outsider.user) == []
    assert [e["type"] for e in events(world.tenant)] == ["activity.created"]


@pytest.mark.parametrize(
    ("body", "code"), [("", "note_empty"), ("   \n ", "note_empty"), ("x" * 10_001, "note_too_long")]
)
def test_an_empty_or_huge_note_is_refused(world, conversation, body, code):
    before = fresh(conversation)
    refused(lambda: services.note_add(conversation=conversation, body=body, actor=actor_of(world.agent), now=NOW), code)
    assert_nothing_changed(conversation, before)


# The rules --------------------------------------------------------------------------------------

SAM = Mentionable(1, "Sam Lee", "sam@acme.test")
SAMUEL = Mentionable(2, "Samuel Ortiz", "so@acme.test")
SAM_TOO = Mentionable(3, "Sam Fox", "fox@acme.test")
KIM = Mentionable(4, "Kim", "kim.park@acme.test")


@pytest.mark.parametrize(
    ("text", "members", "expected"),
    [
        ("@sam please", [SAM, SAMUEL], [1]),
        ("@Sam Lee please", [SAM, SAM_TOO], [1]),  # the full name, though "sam" alone is ambiguous
        ("@sam please", [SAM, SAM_TOO], []),  # ambiguous: nobody rather than the wrong person
        ("@samuel, see above", [SAM, SAMUEL], [2]),
        ("@sam.", [SAM], [1]),
        ("@sam.lee", [SAM], []),  # not a handle of anyone
        ("@SAM@ACME.TEST", [SAM], [1]),
        ("@kim.park and @kim", [KIM], [4]),  # each member once
        ("write to sam@acme.test", [SAM], []),  # an email address in the text mentions nobody
        ("@so @sam", [SAM, SAMUEL], [2, 1]),  # in the order mentioned
        ("(@kim)", [KIM], [4]),
        ("@", [SAM], []),
        ("@nobody", [SAM], []),
    ],
)
def test_mentions(text, members, expected):
    assert mentioned_user_ids(text, members) == expected


@pytest.mark.parametrize(
    ("is_admin", "current", "expected"),
    [
        (False, None, None),
        (False, 7, None),  # their own
        (False, 8, "assigned_to_colleague"),
        (True, 8, None),
    ],
)
def test_who_may_reassign(is_admin, current, expected):
    assert policy.assignment_refusal(actor_is_admin=is_admin, actor_user_id=7, current_assignee_id=current) == expected


def test_an_api_key_acts_as_an_admin_for_reassignment():
    assert policy.assignment_refusal(actor_is_admin=True, actor_user_id=None, current_assignee_id=8) is None


def test_snooze_limits():
    assert snooze_refusal(until=NOW + timedelta(days=90), now=NOW) is None
    assert snooze_refusal(until=NOW + timedelta(seconds=1), now=NOW) is None


@pytest.mark.parametrize(
    ("preset", "local_now", "expected"),
    [
        ("1h", datetime(2025, 3, 3, 23, 30, tzinfo=UTC), datetime(2025, 3, 4, 0, 30, tzinfo=UTC)),
        ("4h", datetime(2025, 3, 3, 8, 0, tzinfo=UTC), datetime(2025, 3, 3, 12, 0, tzinfo=UTC)),
        ("tomorrow", datetime(2025, 3, 3, 23, 30, tzinfo=UTC), datetime(2025, 3, 4, 9, 0, tzinfo=UTC)),
        ("next_week", datetime(2025, 3, 5, 10, 0, tzinfo=UTC), datetime(2025, 3, 10, 9, 0, tzinfo=UTC)),  # Wed
        ("next_week", datetime(2025, 3, 3, 8, 0, tzinfo=UTC), datetime(2025, 3, 10, 9, 0, tzinfo=UTC)),  # a Monday
        ("next_week", datetime(2025, 3, 9, 22, 0, tzinfo=UTC), datetime(2025, 3, 10, 9, 0, tzinfo=UTC)),  # Sunday
    ],
)
def test_snooze_presets(preset, local_now, expected):
    assert snooze_preset_until(preset, now_local=local_now) == expected


def test_a_day_preset_is_9_in_the_agents_time_zone_across_a_clock_change():
    berlin = ZoneInfo("Europe/Berlin")
    until = snooze_preset_until("tomorrow", now_local=datetime(2025, 3, 29, 20, 0, tzinfo=berlin))
    assert until == datetime(2025, 3, 30, 7, 0, tzinfo=UTC)  # summer time began that night: 9:00 is UTC+2


@pytest.mark.parametrize(
    ("last_inbound", "entry_point", "category", "until"),
    [
        (None, None, "template_only", None),
        (NOW - timedelta(hours=2), None, "service", NOW + timedelta(hours=22)),
        (NOW - timedelta(hours=24), None, "template_only", None),
        (NOW - timedelta(hours=30), NOW + timedelta(hours=42), "entry_point", NOW + timedelta(hours=42)),
        (NOW - timedelta(hours=2), NOW, "service", NOW + timedelta(hours=22)),  # the entry point just ended
    ],
)
def test_the_next_messages_cost(last_inbound, entry_point, category, until):
    cost = next_message_cost(last_inbound_at=last_inbound, entry_point_expires_at=entry_point, now=NOW)
    assert (cost.category, cost.until) == (category, until)


# The API ---------------------------------------------------------------------------------------


@pytest.fixture
def api(world) -> APIClient:
    return world.api_client()


def url(conversation, action: str) -> str:
    return f"/api/v1/conversations/{conversation.pk}/{action}/"


def test_the_api_reassigns_like_an_admin_and_answers_with_the_conversation(world, api, channel):
    team = TeamFactory.create(tenant=world.tenant)
    TeamMemberFactory.create(team=team, user=world.admin.user)
    conversation = ConversationFactory.create(channel=channel, assignee=world.agent.user)
    response = api.post(url(conversation, "assign"), {"team": team.pk, "assignee": world.admin.user_id}, format="json")
    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["id"], body["assignee"], body["team"], body["labels"]) == (
        conversation.pk,
        world.admin.user_id,
        team.pk,
        [],
    )
    with tenant_scope(world.tenant):
        assert Activity.objects.filter(actor_label__startswith="API key").count() == 2
    response = api.post(url(conversation, "assign"), {"assignee": None}, format="json")
    assert response.json()["assignee"] is None


@pytest.mark.parametrize(
    ("body", "code"),
    [
        ({}, "validation_error"),
        ({"assignee": "sam"}, "validation_error"),
        ({"assignee": 2**63}, "validation_error"),
        ({"assignee": 999_999}, "not_a_member"),
        ({"team": 999_999}, "unknown_team"),
    ],
)
def test_a_bad_assignment_is_refused(world, api, conversation, body, code):
    before = fresh(conversation)
    assert_envelope(api.post(url(conversation, "assign"), body, format="json"), 400, code)
    assert_nothing_changed(conversation, before)


def test_status_snooze_labels_unread_and_notes_through_the_api(world, api, conversation):
    vip = LabelFactory.create(tenant=world.tenant, name="vip", color="#067647")
    response = api.post(url(conversation, "status"), {"status": "pending"}, format="json")
    assert response.json()["status"] == "pending"
    until = (timezone.now() + timedelta(days=1)).replace(microsecond=0)
    response = api.post(url(conversation, "snooze"), {"until": until.isoformat()}, format="json")
    assert (response.json()["status"], response.json()["snoozed_until"]) == (
        "snoozed",
        until.isoformat().replace("+00:00", "Z"),
    )
    response = api.post(url(conversation, "labels"), {"add": [vip.pk]}, format="json")
    assert response.json()["labels"] == [{"id": vip.pk, "name": "vip", "color": "#067647"}]
    response = api.post(url(conversation, "unread"), format="json")
    assert response.json()["unread_count"] == 1
    response = api.post(
        url(conversation, "notes"), {"body": "@" + world.agent.user.email + " call them"}, format="json"
    )
    assert response.status_code == 201
    assert response.json()["mentions"] == [world.agent.user_id]
    assert len(notifications(world.agent.user)) == 1


@pytest.mark.parametrize(
    ("action", "body", "code"),
    [
        ("status", {"status": "snoozed"}, "validation_error"),
        ("snooze", {"until": "2030-01-01T09:00:00"}, "validation_error"),  # no time zone
        ("snooze", {"until": "2020-01-01T09:00:00Z"}, "snooze_in_past"),
        ("labels", {}, "validation_error"),
        ("labels", {"add": [999_999]}, "unknown_label"),
        ("notes", {"body": "  "}, "validation_error"),
    ],
)
def test_bad_input_to_the_api_changes_nothing(api, conversation, action, body, code):
    before = fresh(conversation)
    assert_envelope(api.post(url(conversation, action), body, format="json"), 400, code)
    assert_nothing_changed(conversation, before)


@pytest.mark.parametrize("action", ["assign", "status", "snooze", "labels", "unread", "notes"])
def test_another_tenants_conversation_is_not_found(world, other_tenant, api, action):
    theirs = ConversationFactory.create(channel__tenant=other_tenant.tenant)
    before = fresh(theirs)
    body = {"assignee": None, "status": "resolved", "until": "2030-01-01T09:00:00Z", "add": [1], "body": "hi"}
    assert_envelope(api.post(url(theirs, action), body, format="json"), 404, "not_found")
    assert_nothing_changed(theirs, before)


def test_schema_documents_the_actions(db):
    paths = APIClient().get("/api/v1/schema/?format=json").json()["paths"]
    for action in ("assign", "status", "snooze", "labels", "unread", "notes"):
        assert "post" in paths[f"/api/v1/conversations/{{conversation_id}}/{action}/"], action
