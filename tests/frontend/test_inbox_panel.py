"""The contact panel: what it shows of the contact and the conversation, its actions posted by htmx
(the panel comes back) or as plain forms (a redirect), refusals, and the availability switch."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from accounts.tenancy import tenant_scope
from inbox.models import Activity, ConsentKind, ConsentScope, Conversation, ConversationLabel
from tests.accounts.factories import MembershipFactory
from tests.conftest import page_text
from tests.inbox.factories import (
    AgentStatusFactory,
    ChannelFactory,
    ConsentEventFactory,
    ContactFactory,
    ConversationFactory,
    LabelFactory,
    TeamFactory,
    TeamMemberFactory,
)

HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def channel(world):
    return ChannelFactory.create(tenant=world.tenant)


@pytest.fixture
def contact(world):
    return ContactFactory.create(
        tenant=world.tenant, name="Maria Souza", profile_name="Mari ☕", phone="+4915123456789", wa_id="4915123456789"
    )


@pytest.fixture
def conversation(channel, contact):
    return ConversationFactory.create(
        channel=channel, contact=contact, last_inbound_at=timezone.now() - timedelta(hours=2), unread_count=0
    )


@pytest.fixture
def agent(world) -> Client:
    return world.client_for(world.agent)


def url(conversation, action: str) -> str:
    return f"/t/acme/inbox/{conversation.pk}/{action}/"


def fresh(conversation) -> Conversation:
    with tenant_scope(conversation.tenant_id):
        return Conversation.objects.get(pk=conversation.pk)


def activities(tenant) -> list[str]:
    with tenant_scope(tenant):
        return list(Activity.objects.order_by("pk").values_list("kind", flat=True))


# What it shows ---------------------------------------------------------------------------------


def test_the_panel_shows_the_contact_window_cost_consent_and_history(world, channel, contact, conversation, agent):
    ConsentEventFactory.create(
        contact=contact, proof="Ticked “WhatsApp updates” at checkout", occurred_at=datetime(2025, 1, 5, tzinfo=UTC)
    )
    ConsentEventFactory.create(
        contact=contact,
        kind=ConsentKind.OPT_OUT,
        scope=ConsentScope.MARKETING,
        occurred_at=datetime(2025, 2, 1, tzinfo=UTC),
    )
    earlier = ConversationFactory.create(
        channel=channel, contact=contact, status="resolved", created_at=datetime(2024, 12, 24, tzinfo=UTC)
    )
    vip = LabelFactory.create(tenant=world.tenant, name="vip")
    refund = LabelFactory.create(tenant=world.tenant, name="refund")
    with tenant_scope(world.tenant):
        ConversationLabel.objects.create(tenant=world.tenant, conversation=conversation, label=vip)
    response = agent.get(url(conversation, "panel"))
    assert response.status_code == 200
    page = page_text(response)
    assert page.lstrip().startswith('<div id="conversation-panel"')  # a fragment, not a page
    for text in (
        "Maria Souza", "+4915123456789", "Mari ☕",
        # Since 1 Oct 2026 WhatsApp charges replies in the window too (per-message pricing).
        "open", "left)", "Service", "Replies are charged at the market's utility rate",
        "Opted in", "since 5 Jan 2025", "No marketing", "since 1 Feb 2025", "History (2 changes)",
        "Ticked “WhatsApp updates” at checkout",
        "Started 24 Dec 2024", f'href="/t/acme/inbox/{earlier.pk}/"',
        'aria-label="Remove the label vip"', f'<option value="{refund.pk}">refund</option>',
    ):  # fmt: skip
        assert text in page, text
    assert f'<option value="{vip.pk}">vip</option>' not in page  # a label already on it is not offered again


def test_the_window_closed_and_the_next_message_must_be_a_template(channel, contact, agent):
    closed = ConversationFactory.create(
        channel=channel, contact=contact, last_inbound_at=timezone.now() - timedelta(days=2)
    )
    page = page_text(agent.get(url(closed, "panel")))
    assert "closed" in page
    assert "Business-initiated" in page
    assert "No opt-in recorded" in page


def test_a_customer_from_an_ad_is_free_for_72_hours(channel, contact, agent):
    from_ad = ConversationFactory.create(
        channel=channel,
        contact=contact,
        last_inbound_at=timezone.now() - timedelta(hours=30),
        entry_point_expires_at=timezone.now() + timedelta(hours=42),
    )
    assert "Free entry point" in page_text(agent.get(url(from_ad, "panel")))


def test_assignment_menus_show_each_members_availability(world, conversation, agent):
    world.admin.user.name = "Kim Park"
    world.admin.user.save()
    AgentStatusFactory.create(tenant=world.tenant, user=world.admin.user, availability="busy")
    team = TeamFactory.create(tenant=world.tenant, name="Returns")
    TeamMemberFactory.create(team=team, user=world.admin.user)
    page = page_text(agent.get(url(conversation, "panel")))
    assert "Kim Park · Busy" in page
    assert f"{world.agent.user.name} · Offline" in page
    assert '<optgroup label="Returns">' in page
    assert "Assign to me" in page


def test_an_agent_sees_that_a_colleagues_conversation_is_theirs(world, channel, agent):
    conversation = ConversationFactory.create(channel=channel, assignee=world.admin.user)
    page = page_text(agent.get(url(conversation, "panel")))
    assert "A colleague is working on this conversation" in page
    assert "Assign to me" not in page


def test_the_panel_costs_a_fixed_number_of_queries(world, channel, contact, agent, django_assert_num_queries):
    conversation = ConversationFactory.create(channel=channel, contact=contact)
    for n in range(3):
        team = TeamFactory.create(tenant=world.tenant)
        member = MembershipFactory.create(tenant=world.tenant)
        TeamMemberFactory.create(team=team, user=member.user)
        LabelFactory.create(tenant=world.tenant)
        ConsentEventFactory.create(contact=contact)
        ConversationFactory.create(
            channel=channel, contact=contact, status="resolved", created_at=timezone.now() - timedelta(days=n + 1)
        )
    agent.get(url(conversation, "panel"))  # the first request of a session also saves the session
    # Session, user, membership; the conversation; members and their availability; teams and their
    # members; the conversation's labels and all labels; earlier conversations; consent state and
    # history, and a double opt-in waiting; the frame's unread notification count (every page's context).
    with django_assert_num_queries(15):
        assert agent.get(url(conversation, "panel")).status_code == 200


# Actions ---------------------------------------------------------------------------------------


def test_assign_to_me_with_htmx_answers_with_the_panel(world, conversation, agent):
    response = agent.post(url(conversation, "assign"), {"assignee": world.agent.user_id}, **HTMX)
    assert response.status_code == 200
    page = page_text(response)
    assert page.lstrip().startswith('<div id="conversation-panel"')
    assert "Unassign" in page
    assert fresh(conversation).assignee_id == world.agent.user_id


def test_without_javascript_an_action_redirects_to_the_conversation(world, conversation, agent):
    response = agent.post(url(conversation, "status"), {"status": "resolved"})
    assert response.status_code == 302
    assert response.url == f"/t/acme/inbox/{conversation.pk}/"
    assert fresh(conversation).status == "resolved"
    assert activities(world.tenant) == ["status"]


def test_a_refusal_is_shown_in_the_panel_with_its_status_and_changes_nothing(world, channel, agent):
    conversation = ConversationFactory.create(channel=channel, assignee=world.admin.user)
    response = agent.post(url(conversation, "assign"), {"assignee": world.agent.user_id}, **HTMX)
    assert response.status_code == 403
    page = page_text(response)
    assert '<p class="form-error" role="alert">A colleague is working on this conversation' in page
    assert fresh(conversation).assignee_id == world.admin.user_id
    assert activities(world.tenant) == []


def test_a_refusal_without_javascript_is_a_flash_message(world, channel, agent):
    conversation = ConversationFactory.create(channel=channel, assignee=world.admin.user)
    response = agent.post(url(conversation, "assign"), {"assignee": "none"}, follow=True)
    assert "A colleague is working on this conversation" in page_text(response)
    assert fresh(conversation).assignee_id == world.admin.user_id


@pytest.mark.parametrize(
    ("action", "data", "message"),
    [
        ("assign", {"assignee": ""}, "Choose a member."),
        ("assign", {"assignee": "99999999999999999999"}, "Choose a member."),
        ("team", {"team": "x"}, "Choose a team."),
        ("status", {"status": "snoozed"}, "Choose open, pending or resolved"),
        ("snooze", {"until": "tomorrow-ish"}, "Choose the date and time to snooze until."),
        ("snooze", {"until": "2030-01-01T09:00", "timezone": "Mars/Olympus"}, "Unknown time zone."),
        ("snooze", {"preset": "forever"}, "Choose how long to snooze."),
        ("snooze", {"until": "2020-01-01T09:00"}, "Choose a time in the future."),
        ("labels", {"add": "vip"}, "Choose a label."),
        ("labels", {"add": "999999"}, "There is no such label."),
    ],
)
def test_bad_input_is_explained_and_changes_nothing(conversation, agent, action, data, message):
    before = fresh(conversation)
    response = agent.post(url(conversation, action), data, **HTMX)
    assert response.status_code == 400
    assert message in page_text(response)
    after = fresh(conversation)
    assert (after.status, after.assignee_id, after.team_id, after.snoozed_until) == (
        before.status, before.assignee_id, before.team_id, before.snoozed_until,
    )  # fmt: skip
    assert activities(conversation.tenant) == []


def test_snoozing_with_a_preset_in_the_agents_time_zone(conversation, agent):
    response = agent.post(url(conversation, "snooze"), {"preset": "tomorrow", "timezone": "Asia/Tokyo"}, **HTMX)
    assert response.status_code == 200
    until = fresh(conversation).snoozed_until
    assert until.astimezone(timezone.zoneinfo.ZoneInfo("Asia/Tokyo")).hour == 9
    assert "Snoozed" in page_text(response)


def test_snoozing_until_a_local_date_and_time(conversation, agent):
    local = (timezone.now() + timedelta(days=3)).strftime("%Y-%m-%dT10:30")
    agent.post(url(conversation, "snooze"), {"until": local, "timezone": "America/New_York"}, **HTMX)
    until = fresh(conversation).snoozed_until
    assert until.astimezone(timezone.zoneinfo.ZoneInfo("America/New_York")).strftime("%Y-%m-%dT%H:%M") == local


def test_team_labels_and_unread(world, conversation, agent):
    team = TeamFactory.create(tenant=world.tenant)
    TeamMemberFactory.create(team=team, user=world.admin.user)
    vip = LabelFactory.create(tenant=world.tenant, name="vip")
    agent.post(url(conversation, "team"), {"team": team.pk, "assignee": world.admin.user_id}, **HTMX)
    agent.post(url(conversation, "labels"), {"add": vip.pk}, **HTMX)
    page = page_text(agent.post(url(conversation, "unread"), **HTMX))
    after = fresh(conversation)
    assert (after.team_id, after.assignee_id, after.unread_count) == (team.pk, world.admin.user_id, 1)
    assert 'aria-label="Remove the label vip"' in page
    agent.post(url(conversation, "labels"), {"remove": vip.pk}, **HTMX)
    assert activities(world.tenant) == ["team", "assigned", "labelled", "unlabelled"]


def test_a_note_from_the_composer(world, conversation, agent):
    response = agent.post(url(conversation, "notes"), {"text": f"@{world.admin.user.email} please call"}, **HTMX)
    assert response.status_code == 201
    with tenant_scope(world.tenant):
        note = Activity.objects.get()
    assert response.json() == {"activity_id": note.pk, "conversation_id": conversation.pk}
    assert note.mentions == [world.admin.user_id]
    empty = agent.post(url(conversation, "notes"), {"body": " "}, HTTP_ACCEPT="application/json")
    assert empty.status_code == 400
    assert empty.json()["error"]["code"] == "note_empty"


def test_a_note_without_javascript(world, conversation, agent):
    response = agent.post(url(conversation, "notes"), {"body": "Checked the order."})
    assert response.status_code == 302
    assert activities(world.tenant) == ["note"]


ACTIONS: list[tuple[str, dict[str, Any]]] = [
    ("assign", {"assignee": "none"}),
    ("team", {"team": ""}),
    ("status", {"status": "resolved"}),
    ("snooze", {"preset": "1h"}),
    ("labels", {"add": "1"}),
    ("unread", {}),
    ("notes", {"body": "hello"}),
]


@pytest.mark.parametrize(("action", "data"), ACTIONS)
def test_another_tenants_conversation_is_not_found(world, other_tenant, agent, action, data):
    theirs = ConversationFactory.create(channel__tenant=other_tenant.tenant, assignee=other_tenant.agent.user)
    assert agent.post(url(theirs, action), data).status_code == 404
    assert agent.get(url(theirs, "panel")).status_code == 404
    after = fresh(theirs)
    assert (after.status, after.assignee_id, after.unread_count) == ("open", other_tenant.agent.user_id, 0)
    assert activities(other_tenant.tenant) == []


@pytest.mark.parametrize(("action", "data"), ACTIONS)
def test_actions_are_posted(conversation, agent, action, data):
    assert agent.get(url(conversation, action)).status_code == 405


def test_someone_signed_out_is_sent_to_sign_in(conversation):
    response = Client().post(url(conversation, "status"), {"status": "resolved"})
    assert response.status_code == 302
    assert response.url.startswith("/accounts/login/")
    assert fresh(conversation).status == "open"


# Availability ----------------------------------------------------------------------------------


def test_the_sidebar_offers_the_availability_switch(agent):
    page = page_text(agent.get("/t/acme/notifications/"))
    assert 'action="/t/acme/availability/"' in page
    assert 'value="offline" class="is-offline" aria-pressed="true"' in page


def test_switching_availability_with_htmx_returns_the_switch(agent):
    response = agent.post("/t/acme/availability/", {"availability": "online"}, **HTMX)
    assert response.status_code == 200
    page = page_text(response)
    assert page.lstrip().startswith('<form id="availability"')
    assert 'value="online" class="is-online" aria-pressed="true"' in page


@pytest.mark.parametrize(
    ("next_url", "expected"),
    [
        ("/t/acme/broadcasts/", "/t/acme/broadcasts/"),
        ("https://evil.example/t/acme/", "/t/acme/inbox/"),
        ("/t/globex/inbox/", "/t/acme/inbox/"),
        ("", "/t/acme/inbox/"),
    ],
)
def test_switching_availability_without_javascript_goes_back(agent, next_url, expected):
    response = agent.post("/t/acme/availability/", {"availability": "busy", "next": next_url})
    assert (response.status_code, response.url) == (302, expected)


def test_an_unknown_availability_is_refused(world, agent):
    response = agent.post("/t/acme/availability/", {"availability": "away"}, **HTMX)
    assert response.status_code == 400
    assert "Choose online, busy or offline." in page_text(response)
    assert 'value="offline" class="is-offline" aria-pressed="true"' in page_text(response)


# The contact's name and attributes -------------------------------------------------------------


def contact_of(conversation) -> Any:
    with tenant_scope(conversation.tenant_id):
        return Conversation.objects.select_related("contact").get(pk=conversation.pk).contact


def test_an_agent_renames_the_contact_and_edits_its_attributes(world, conversation, agent):
    first = agent.post(
        url(conversation, "contact"), {"name": "Maria S.", "attr_key": ["customer_no", ""], "attr_value": ["C-1", ""]},
        **HTMX,
    )  # fmt: skip
    assert first.status_code == 200
    assert "customer_no" in page_text(first)
    # The form shows every attribute; one emptied and one left out are removed, a new one added.
    with tenant_scope(world.tenant):
        contact = contact_of(conversation)
        contact.attributes = {"customer_no": "C-1", "city": "Lyon", "tier": "gold"}
        contact.save()
    second = agent.post(
        url(conversation, "contact"),
        {"name": "Maria S.", "attr_key": ["customer_no", "city", "orders"], "attr_value": ["C-2", "", "3"]},
        **HTMX,
    )
    assert second.status_code == 200
    contact = contact_of(conversation)
    assert (contact.name, contact.attributes) == ("Maria S.", {"customer_no": "C-2", "orders": "3"})
    assert "<dt>orders</dt><dd>3</dd>" in second.content.decode()


def test_a_wrong_attribute_name_is_shown_and_nothing_changes(world, conversation, agent):
    response = agent.post(
        url(conversation, "contact"), {"name": "Someone else", "attr_key": ["Customer No"], "attr_value": ["C-1"]},
        **HTMX,
    )  # fmt: skip
    assert response.status_code == 400
    assert "“Customer No”: Use lowercase letters, digits and underscores" in page_text(response)
    assert (contact_of(conversation).name, contact_of(conversation).attributes) == ("Maria Souza", {})
