"""The inbox's set-up writes: teams and members, labels, canned responses, automatic assignment.
Each is for admins, validated (and then changes nothing), and audited."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from accounts.errors import ConflictError, PermissionDeniedError, ServiceError
from accounts.models import AuditLog, Role
from accounts.services import Actor
from inbox import selectors
from inbox.models import AutoAssignment, CannedResponse, Label, Team, TeamMember, TenantEvent
from inbox.services import setup
from tests.accounts.factories import MembershipFactory
from tests.inbox.factories import ChannelFactory, ConversationFactory

NOW = datetime(2025, 3, 1, 12, 0, tzinfo=UTC)


@pytest.fixture
def admin(world) -> Actor:
    return Actor(tenant_id=world.tenant.pk, role=Role.ADMIN, user=world.admin.user, ip="203.0.113.7")


@pytest.fixture
def agent(world) -> Actor:
    return Actor(tenant_id=world.tenant.pk, role=Role.AGENT, user=world.agent.user)


def audit_actions(tenant) -> list[str]:
    return list(AuditLog.objects.for_tenant(tenant).order_by("id").values_list("action", flat=True))


def field_of(error: ServiceError) -> str | None:
    return (error.details or {}).get("field")


# Teams


def test_creating_a_team_with_members_is_audited(world, admin):
    team = setup.team_create(actor=admin, name="  Support   EU ", member_ids=[world.agent.user_id])
    assert team.name == "Support EU"
    assert selectors.team_member_ids(tenant=world.tenant, team_ids=[team.pk]) == {team.pk: [world.agent.user_id]}
    entry = AuditLog.objects.for_tenant(world.tenant).get(action="team.created")
    assert entry.actor == world.admin.user
    assert entry.details == {"members": [world.agent.user_id]}


def test_agents_may_not_create_teams(world, agent):
    with pytest.raises(PermissionDeniedError):
        setup.team_create(actor=agent, name="Support")
    assert not Team.objects.for_tenant(world.tenant).exists()


def test_team_members_must_belong_to_the_workspace(world, other_tenant, admin):
    with pytest.raises(ServiceError) as caught:
        setup.team_create(actor=admin, name="Support", member_ids=[other_tenant.agent.user_id])
    assert field_of(caught.value) == "members"
    assert not Team.objects.for_tenant(world.tenant).exists()


def test_team_names_are_unique_whatever_the_case(world, admin):
    setup.team_create(actor=admin, name="Support")
    with pytest.raises(ConflictError) as caught:
        setup.team_create(actor=admin, name="support")
    assert caught.value.code == "duplicate_name"
    assert Team.objects.for_tenant(world.tenant).count() == 1


def test_the_same_team_name_in_another_workspace_is_fine(world, other_tenant, admin):
    other_admin = Actor(tenant_id=other_tenant.tenant.pk, role=Role.ADMIN, user=other_tenant.admin.user)
    setup.team_create(actor=other_admin, name="Support")
    assert setup.team_create(actor=admin, name="Support").tenant_id == world.tenant.pk


@pytest.mark.parametrize("name", ["", "   ", "x" * 81])
def test_a_team_needs_a_sensible_name(world, admin, name):
    with pytest.raises(ServiceError) as caught:
        setup.team_create(actor=admin, name=name)
    assert caught.value.code == "invalid_name"
    assert not Team.objects.for_tenant(world.tenant).exists()


def test_updating_a_team_renames_it_and_sets_exactly_its_members(world, admin):
    team = setup.team_create(actor=admin, name="Support", member_ids=[world.agent.user_id, world.owner.user_id])
    setup.team_update(actor=admin, team=team, name="Care", member_ids=[world.owner.user_id, world.admin.user_id])
    team.refresh_from_db()
    assert team.name == "Care"
    members = selectors.team_member_ids(tenant=world.tenant, team_ids=[team.pk])[team.pk]
    assert sorted(members) == sorted([world.owner.user_id, world.admin.user_id])
    entry = AuditLog.objects.for_tenant(world.tenant).get(action="team.updated")
    assert entry.details == {
        "name": ["Support", "Care"],
        "members_added": [world.admin.user_id],
        "members_removed": [world.agent.user_id],
    }


def test_an_update_that_changes_nothing_leaves_no_audit_entry(world, admin):
    team = setup.team_create(actor=admin, name="Support", member_ids=[world.agent.user_id])
    setup.team_update(actor=admin, team=team, name="Support", member_ids=[world.agent.user_id])
    assert audit_actions(world.tenant) == ["team.created"]


def test_a_refused_update_changes_nothing(world, other_tenant, admin):
    team = setup.team_create(actor=admin, name="Support", member_ids=[world.agent.user_id])
    with pytest.raises(ServiceError):
        setup.team_update(actor=admin, team=team, name="Care", member_ids=[other_tenant.agent.user_id])
    team.refresh_from_db()
    assert team.name == "Support"
    assert selectors.team_member_ids(tenant=world.tenant, team_ids=[team.pk])[team.pk] == [world.agent.user_id]


def test_people_who_left_the_workspace_are_not_listed_as_members(world, admin):
    leaver = MembershipFactory.create(tenant=world.tenant)
    team = setup.team_create(actor=admin, name="Support", member_ids=[leaver.user_id, world.agent.user_id])
    leaver.delete()
    assert selectors.team_member_ids(tenant=world.tenant, team_ids=[team.pk])[team.pk] == [world.agent.user_id]


def test_deleting_a_team_keeps_its_conversations(world, admin):
    team = setup.team_create(actor=admin, name="Support", member_ids=[world.agent.user_id])
    conversation = ConversationFactory.create(channel__tenant=world.tenant, team=team)
    setup.team_delete(actor=admin, team=team)
    conversation.refresh_from_db()
    assert conversation.team is None
    assert not TeamMember.objects.for_tenant(world.tenant).exists()
    assert audit_actions(world.tenant)[-1] == "team.deleted"


def test_a_team_that_receives_conversations_automatically_cannot_be_deleted(world, admin):
    team = setup.team_create(actor=admin, name="Support")
    channel = ChannelFactory.create(tenant=world.tenant, name="+1 555 0100")
    setup.auto_assignment_set(actor=admin, channel=channel, enabled=True, team=team, max_open_per_agent=5, now=NOW)
    with pytest.raises(ConflictError) as caught:
        setup.team_delete(actor=admin, team=team)
    assert caught.value.code == "team_in_use"
    assert "+1 555 0100" in caught.value.message
    assert Team.objects.for_tenant(world.tenant).filter(pk=team.pk).exists()


# Labels


def test_creating_a_label_normalises_its_colour(world, admin):
    label = setup.label_create(actor=admin, name="VIP", color=" #AB12CD ")
    assert (label.name, label.color) == ("VIP", "#ab12cd")
    assert audit_actions(world.tenant) == ["label.created"]


@pytest.mark.parametrize("color", ["", "red", "#abc", "#abcdefg", "ab12cd", "#gg0000"])
def test_a_label_colour_is_hash_and_six_hex_digits(world, admin, color):
    with pytest.raises(ServiceError) as caught:
        setup.label_create(actor=admin, name="VIP", color=color)
    assert caught.value.code == "invalid_color"
    assert field_of(caught.value) == "color"
    assert not Label.objects.for_tenant(world.tenant).exists()


def test_label_names_are_unique(world, admin):
    setup.label_create(actor=admin, name="VIP", color="#ff0000")
    refund = setup.label_create(actor=admin, name="Refund", color="#00ff00")
    with pytest.raises(ConflictError):
        setup.label_update(actor=admin, label=refund, name="vip", color="#00ff00")
    refund.refresh_from_db()
    assert refund.name == "Refund"


def test_updating_a_label_records_what_changed(world, admin):
    label = setup.label_create(actor=admin, name="VIP", color="#ff0000")
    setup.label_update(actor=admin, label=label, name="VIP", color="#0000ff")
    entry = AuditLog.objects.for_tenant(world.tenant).get(action="label.updated")
    assert entry.details == {"changes": {"color": ["#ff0000", "#0000ff"]}}


def test_deleting_a_label_takes_it_off_conversations(world, admin):
    from inbox.models import ConversationLabel  # noqa: PLC0415

    label = setup.label_create(actor=admin, name="VIP", color="#ff0000")
    conversation = ConversationFactory.create(channel__tenant=world.tenant)
    ConversationLabel.objects.for_tenant(world.tenant).create(
        tenant=world.tenant, conversation=conversation, label=label
    )
    setup.label_delete(actor=admin, label=label)
    assert not ConversationLabel.objects.for_tenant(world.tenant).exists()
    assert audit_actions(world.tenant)[-1] == "label.deleted"


def workspace_events(tenant) -> list[dict]:
    return list(
        TenantEvent.objects.for_tenant(tenant).filter(type="workspace.changed").values_list("payload", flat=True)
    )


def test_open_inboxes_redraw_renamed_and_deleted_labels_and_teams(world, admin):
    label = setup.label_create(actor=admin, name="VIP", color="#ff0000")
    team = setup.team_create(actor=admin, name="Orders")
    assert workspace_events(world.tenant) == []  # a new one is on no row yet
    setup.label_update(actor=admin, label=label, name="VIP", color="#ff0000")  # no change
    setup.label_update(actor=admin, label=label, name="Very important", color="#ff0000")
    setup.team_update(actor=admin, team=team, name="Orders", member_ids=[world.agent.user_id])  # members only
    setup.team_update(actor=admin, team=team, name="Shop orders", member_ids=[])
    setup.label_delete(actor=admin, label=label)
    setup.team_delete(actor=admin, team=team)
    assert workspace_events(world.tenant) == [{"what": w} for w in ("labels", "teams", "labels", "teams")]


# Canned responses


def test_creating_a_canned_response(world, admin):
    response = setup.canned_response_create(
        actor=admin,
        shortcut="/Hours",
        title="Opening hours",
        body="Hi {{contact.first_name}}!\r\nWe open at 9.",
        now=NOW,
    )
    assert (response.shortcut, response.body) == ("hours", "Hi {{contact.first_name}}!\nWe open at 9.")
    assert response.created_by == world.admin.user
    assert audit_actions(world.tenant) == ["canned_response.created"]


@pytest.mark.parametrize(
    ("changes", "code"),
    [
        ({"shortcut": "two words"}, "invalid_shortcut"),
        ({"shortcut": ""}, "invalid_shortcut"),
        ({"shortcut": "x" * 41}, "invalid_shortcut"),
        ({"title": " "}, "invalid_title"),
        ({"body": ""}, "invalid_body"),
        ({"body": "x" * 4097}, "invalid_body"),
        ({"body": "Dear {{contact.email}}"}, "invalid_placeholder"),
    ],
)
def test_a_bad_canned_response_is_explained_and_not_stored(world, admin, changes, code):
    fields = {"shortcut": "hours", "title": "Opening hours", "body": "We open at 9."} | changes
    with pytest.raises(ServiceError) as caught:
        setup.canned_response_create(actor=admin, now=NOW, **fields)
    assert caught.value.code == code
    assert not CannedResponse.objects.for_tenant(world.tenant).exists()


def test_a_body_of_exactly_4096_characters_is_accepted(world, admin):
    response = setup.canned_response_create(actor=admin, shortcut="long", title="Long", body="x" * 4096, now=NOW)
    assert len(response.body) == 4096


def test_both_placeholders_are_accepted(world, admin):
    body = "Hello {{ contact.first_name }}, or {{contact.name}}"
    assert setup.canned_response_create(actor=admin, shortcut="hi", title="Hi", body=body, now=NOW).body == body


def test_shortcuts_are_unique_in_a_workspace(world, admin):
    setup.canned_response_create(actor=admin, shortcut="hours", title="Opening hours", body="9 to 5", now=NOW)
    with pytest.raises(ConflictError) as caught:
        setup.canned_response_create(actor=admin, shortcut="HOURS", title="Other", body="8 to 4", now=NOW)
    assert caught.value.code == "duplicate_shortcut"
    assert CannedResponse.objects.for_tenant(world.tenant).count() == 1


def test_updating_and_deleting_a_canned_response(world, admin):
    response = setup.canned_response_create(actor=admin, shortcut="hours", title="Hours", body="9 to 5", now=NOW)
    setup.canned_response_update(
        actor=admin, canned_response=response, shortcut="hours", title="Hours", body="8 to 4", now=NOW
    )
    response.refresh_from_db()
    assert response.body == "8 to 4"
    setup.canned_response_delete(actor=admin, canned_response=response)
    assert audit_actions(world.tenant) == [
        "canned_response.created",
        "canned_response.updated",
        "canned_response.deleted",
    ]
    assert not CannedResponse.objects.for_tenant(world.tenant).exists()


# Automatic assignment


def test_setting_automatic_assignment_creates_then_updates_the_channel_setting(world, admin):
    channel = ChannelFactory.create(tenant=world.tenant)
    team = setup.team_create(actor=admin, name="Support")
    setup.auto_assignment_set(actor=admin, channel=channel, enabled=True, team=team, max_open_per_agent=3, now=NOW)
    setup.auto_assignment_set(actor=admin, channel=channel, enabled=True, team=None, max_open_per_agent=4, now=NOW)
    setting = AutoAssignment.objects.for_tenant(world.tenant).get()
    assert (setting.enabled, setting.team, setting.max_open_per_agent) == (True, None, 4)
    last = AuditLog.objects.for_tenant(world.tenant).filter(action="auto_assignment.changed").latest("id")
    assert last.details == {"changes": {"team": [team.pk, None], "max_open_per_agent": [3, 4]}}


@pytest.mark.parametrize("max_open", [0, -1, 1001])
def test_max_open_per_agent_is_at_least_one(world, admin, max_open):
    channel = ChannelFactory.create(tenant=world.tenant)
    with pytest.raises(ServiceError) as caught:
        setup.auto_assignment_set(
            actor=admin, channel=channel, enabled=True, team=None, max_open_per_agent=max_open, now=NOW
        )
    assert field_of(caught.value) == "max_open_per_agent"
    assert not AutoAssignment.objects.for_tenant(world.tenant).exists()


def test_another_workspaces_team_or_channel_is_refused(world, other_tenant, admin):
    other_admin = Actor(tenant_id=other_tenant.tenant.pk, role=Role.ADMIN, user=other_tenant.admin.user)
    foreign_team = setup.team_create(actor=other_admin, name="Theirs")
    channel = ChannelFactory.create(tenant=world.tenant)
    foreign_channel = ChannelFactory.create(tenant=other_tenant.tenant)
    with pytest.raises(ServiceError):
        setup.auto_assignment_set(
            actor=admin, channel=channel, enabled=True, team=foreign_team, max_open_per_agent=3, now=NOW
        )
    with pytest.raises(ServiceError):
        setup.auto_assignment_set(
            actor=admin, channel=foreign_channel, enabled=True, team=None, max_open_per_agent=3, now=NOW
        )
    assert not AutoAssignment.objects.unscoped().exists()  # both tenants: a test may look at every row
