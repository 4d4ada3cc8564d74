"""The inbox's set-up pages: teams, labels, canned responses, automatic assignment; and a member's
preferences. Admins and owners only; bad input is explained and changes nothing."""

from __future__ import annotations

import pytest

from accounts.models import AuditLog, Role
from accounts.services import Actor
from inbox.models import AutoAssignment, CannedResponse, Label, Team, TeamMember
from inbox.services import setup
from tests.conftest import page_text
from tests.inbox.factories import ChannelFactory

SETUP_PAGES = [
    "/t/acme/settings/teams/",
    "/t/acme/settings/labels/",
    "/t/acme/settings/canned-responses/",
    "/t/acme/settings/assignment/",
]


def admin_of(world) -> Actor:
    return Actor(tenant_id=world.tenant.pk, role=Role.ADMIN, user=world.admin.user)


@pytest.mark.parametrize("url", SETUP_PAGES)
def test_agents_are_refused_the_setup_pages(world, url):
    client = world.client_for(world.agent)
    assert client.get(url).status_code == 403
    assert client.post(url, {"name": "Sneaky", "color": "#000000"}).status_code == 403
    assert not Team.objects.for_tenant(world.tenant).exists()
    assert not Label.objects.for_tenant(world.tenant).exists()


@pytest.mark.parametrize("url", SETUP_PAGES)
@pytest.mark.parametrize("role", ["admin", "owner"])
def test_admins_and_owners_see_the_setup_pages(world, url, role):
    assert world.client_for(getattr(world, role)).get(url).status_code == 200


def test_admins_see_the_setup_links_and_agents_do_not(world):
    admin_page = page_text(world.client_for(world.admin).get("/t/acme/settings/teams/"))
    for url in [*SETUP_PAGES, "/t/acme/reports/"]:
        assert f'href="{url}"' in admin_page
    agent_page = page_text(world.client_for(world.agent).get("/t/acme/preferences/"))
    assert "/t/acme/settings/teams/" not in agent_page
    assert "/t/acme/reports/" not in agent_page


# Teams


def test_creating_a_team_with_members(world):
    client = world.client_for(world.admin)
    response = client.post("/t/acme/settings/teams/", {"name": "Support", "members": [world.agent.user_id]})
    assert response.status_code == 302
    team = Team.objects.for_tenant(world.tenant).get()
    assert list(TeamMember.objects.for_tenant(world.tenant).values_list("user_id", flat=True)) == [world.agent.user_id]
    page = page_text(client.get("/t/acme/settings/teams/"))
    assert "Team “Support” created." in page
    assert world.agent.user.email in page
    assert f"/t/acme/settings/teams/{team.pk}/" in page


def test_a_duplicate_team_name_is_explained_next_to_the_name(world):
    setup.team_create(actor=admin_of(world), name="Support")
    response = world.client_for(world.admin).post("/t/acme/settings/teams/", {"name": "support"})
    assert response.status_code == 400
    assert "There is already a team called “support”." in page_text(response)
    assert Team.objects.for_tenant(world.tenant).count() == 1


def test_another_workspaces_member_cannot_be_added_through_a_forged_form(world, other_tenant):
    response = world.client_for(world.admin).post(
        "/t/acme/settings/teams/", {"name": "Support", "members": [other_tenant.agent.user_id]}
    )
    assert response.status_code == 400
    assert "Select a valid choice" in page_text(response)
    assert not Team.objects.for_tenant(world.tenant).exists()


def test_editing_a_team(world):
    team = setup.team_create(actor=admin_of(world), name="Support", member_ids=[world.agent.user_id])
    client = world.client_for(world.admin)
    page = page_text(client.get(f"/t/acme/settings/teams/{team.pk}/"))
    assert "Edit “Support”" in page
    assert 'value="Support"' in page
    client.post(f"/t/acme/settings/teams/{team.pk}/", {"name": "Care", "members": [world.owner.user_id]})
    team.refresh_from_db()
    assert team.name == "Care"
    assert list(TeamMember.objects.for_tenant(world.tenant).values_list("user_id", flat=True)) == [world.owner.user_id]


def test_deleting_a_team_asks_first(world):
    team = setup.team_create(actor=admin_of(world), name="Support")
    client = world.client_for(world.admin)
    page = page_text(client.get(f"/t/acme/settings/teams/{team.pk}/delete/"))
    assert "Delete the team “Support”?" in page
    assert Team.objects.for_tenant(world.tenant).exists()
    response = client.post(f"/t/acme/settings/teams/{team.pk}/delete/", follow=True)
    assert "Team “Support” deleted." in page_text(response)
    assert not Team.objects.for_tenant(world.tenant).exists()


def test_a_refused_delete_says_why(world):
    team = setup.team_create(actor=admin_of(world), name="Support")
    channel = ChannelFactory.create(tenant=world.tenant, name="+1 555 0100")
    setup.auto_assignment_set(
        actor=admin_of(world), channel=channel, enabled=True, team=team, max_open_per_agent=3, now=team.created_at
    )
    response = world.client_for(world.admin).post(f"/t/acme/settings/teams/{team.pk}/delete/", follow=True)
    assert "go to this team automatically" in page_text(response)
    assert Team.objects.for_tenant(world.tenant).exists()


@pytest.mark.parametrize("suffix", ["", "delete/"])
def test_another_workspaces_team_is_not_found(world, other_tenant, suffix):
    other_admin = Actor(tenant_id=other_tenant.tenant.pk, role=Role.ADMIN, user=other_tenant.admin.user)
    theirs = setup.team_create(actor=other_admin, name="Theirs")
    client = world.client_for(world.admin)
    assert client.get(f"/t/acme/settings/teams/{theirs.pk}/{suffix}").status_code == 404
    assert client.post(f"/t/acme/settings/teams/{theirs.pk}/{suffix}", {"name": "Mine"}).status_code == 404
    theirs.refresh_from_db()
    assert theirs.name == "Theirs"


# Labels


def test_creating_a_label_shows_it_in_its_colour(world):
    client = world.client_for(world.admin)
    client.post("/t/acme/settings/labels/", {"name": "VIP", "color": "#AA0000"})
    label = Label.objects.for_tenant(world.tenant).get()
    assert label.color == "#aa0000"
    assert "--label-color: #aa0000" in page_text(client.get("/t/acme/settings/labels/"))


def test_a_bad_colour_is_explained(world):
    response = world.client_for(world.admin).post("/t/acme/settings/labels/", {"name": "VIP", "color": "red"})
    assert response.status_code == 400
    assert "six hexadecimal digits" in page_text(response)
    assert not Label.objects.for_tenant(world.tenant).exists()


def test_a_label_name_cannot_contain_markup(world):
    client = world.client_for(world.admin)
    client.post("/t/acme/settings/labels/", {"name": "<b>bold</b>", "color": "#000000"})
    page = client.get("/t/acme/settings/labels/").content.decode()
    assert "<b>bold</b>" not in page
    assert "&lt;b&gt;bold&lt;/b&gt;" in page


def test_editing_and_deleting_a_label(world):
    label = setup.label_create(actor=admin_of(world), name="VIP", color="#ff0000")
    client = world.client_for(world.admin)
    client.post(f"/t/acme/settings/labels/{label.pk}/", {"name": "Very important", "color": "#00ff00"})
    label.refresh_from_db()
    assert (label.name, label.color) == ("Very important", "#00ff00")
    assert "It is taken off every conversation" in page_text(client.get(f"/t/acme/settings/labels/{label.pk}/delete/"))
    client.post(f"/t/acme/settings/labels/{label.pk}/delete/")
    assert not Label.objects.for_tenant(world.tenant).exists()
    assert list(AuditLog.objects.for_tenant(world.tenant).values_list("action", flat=True).order_by("id")) == [
        "label.created",
        "label.updated",
        "label.deleted",
    ]


# Canned responses


def test_the_canned_responses_page_documents_the_placeholders(world):
    page = page_text(world.client_for(world.admin).get("/t/acme/settings/canned-responses/"))
    assert "{{contact.first_name}}" in page
    assert "{{contact.name}}" in page


def test_creating_a_canned_response(world):
    client = world.client_for(world.admin)
    response = client.post(
        "/t/acme/settings/canned-responses/",
        {"shortcut": "/hours", "title": "Opening hours", "body": "Hi {{contact.first_name}}, we open at 9."},
        follow=True,
    )
    assert "Canned response /hours created." in page_text(response)
    assert CannedResponse.objects.for_tenant(world.tenant).get().shortcut == "hours"


def test_an_unknown_placeholder_is_explained(world):
    response = world.client_for(world.admin).post(
        "/t/acme/settings/canned-responses/",
        {"shortcut": "hours", "title": "Opening hours", "body": "Dear {{contact.email}}"},
    )
    assert response.status_code == 400
    assert "“{{contact.email}}” can't be filled in" in page_text(response)
    assert not CannedResponse.objects.for_tenant(world.tenant).exists()


def test_a_too_long_canned_response_is_refused(world):
    response = world.client_for(world.admin).post(
        "/t/acme/settings/canned-responses/", {"shortcut": "long", "title": "Long", "body": "x" * 4097}
    )
    assert response.status_code == 400
    assert not CannedResponse.objects.for_tenant(world.tenant).exists()


def test_editing_a_canned_response_keeps_its_line_breaks(world):
    canned = setup.canned_response_create(
        actor=admin_of(world), shortcut="hours", title="Hours", body="9 to 5", now=world.tenant.created_at
    )
    client = world.client_for(world.admin)
    client.post(
        f"/t/acme/settings/canned-responses/{canned.pk}/",
        {"shortcut": "hours", "title": "Hours", "body": "Mon–Fri 9 to 5\r\nSat 10 to 2"},
    )
    canned.refresh_from_db()
    assert canned.body == "Mon–Fri 9 to 5\nSat 10 to 2"


# Automatic assignment


def test_the_assignment_page_lists_each_number_with_its_setting(world):
    ChannelFactory.create(tenant=world.tenant, name="+1 555 0100")
    ChannelFactory.create(tenant=world.tenant, name="+1 555 0199")
    page = page_text(world.client_for(world.admin).get("/t/acme/settings/assignment/"))
    assert "+1 555 0100" in page
    assert "+1 555 0199" in page


def test_the_assignment_page_without_numbers_says_what_to_do(world):
    page = page_text(world.client_for(world.admin).get("/t/acme/settings/assignment/"))
    assert "Connect a WhatsApp number first" in page


def test_turning_on_automatic_assignment_for_a_number(world):
    channel = ChannelFactory.create(tenant=world.tenant, name="+1 555 0100")
    team = setup.team_create(actor=admin_of(world), name="Support")
    prefix = f"channel-{channel.pk}"
    response = world.client_for(world.admin).post(
        f"/t/acme/settings/assignment/{channel.pk}/",
        {f"{prefix}-enabled": "on", f"{prefix}-team": str(team.pk), f"{prefix}-max_open_per_agent": "4"},
        follow=True,
    )
    assert "Assignment for +1 555 0100 saved." in page_text(response)
    setting = AutoAssignment.objects.for_tenant(world.tenant).get()
    assert (setting.channel, setting.enabled, setting.team, setting.max_open_per_agent) == (channel, True, team, 4)


def test_zero_open_conversations_per_agent_is_refused(world):
    channel = ChannelFactory.create(tenant=world.tenant)
    prefix = f"channel-{channel.pk}"
    response = world.client_for(world.admin).post(
        f"/t/acme/settings/assignment/{channel.pk}/",
        {f"{prefix}-enabled": "on", f"{prefix}-team": "", f"{prefix}-max_open_per_agent": "0"},
    )
    assert response.status_code == 400
    assert "greater than or equal to 1" in page_text(response)
    assert not AutoAssignment.objects.for_tenant(world.tenant).exists()


def test_another_workspaces_number_or_team_is_refused(world, other_tenant):
    other_admin = Actor(tenant_id=other_tenant.tenant.pk, role=Role.ADMIN, user=other_tenant.admin.user)
    their_team = setup.team_create(actor=other_admin, name="Theirs")
    their_channel = ChannelFactory.create(tenant=other_tenant.tenant)
    channel = ChannelFactory.create(tenant=world.tenant)
    client = world.client_for(world.admin)
    fields = {"enabled": "on", "team": "", "max_open_per_agent": "3"}
    assert (
        client.post(
            f"/t/acme/settings/assignment/{their_channel.pk}/",
            {f"channel-{their_channel.pk}-{key}": value for key, value in fields.items()},
        ).status_code
        == 404
    )
    response = client.post(
        f"/t/acme/settings/assignment/{channel.pk}/",
        {f"channel-{channel.pk}-{key}": value for key, value in (fields | {"team": str(their_team.pk)}).items()},
    )
    assert response.status_code == 400
    assert not AutoAssignment.objects.unscoped().exists()  # both tenants: a test may look at every row


# Preferences and the workspace's language


def test_every_member_has_a_preferences_page(world):
    page = page_text(world.client_for(world.agent).get("/t/acme/preferences/"))
    assert "Your preferences" in page
    assert "This workspace's language is English." in page


def test_choosing_a_language_that_is_not_offered_is_refused(world):
    response = world.client_for(world.agent).post("/t/acme/preferences/", {"language": "xx"})
    assert response.status_code == 400
    world.agent.user.refresh_from_db()
    assert world.agent.user.language == ""


def test_the_workspace_language_is_set_in_general_settings_and_audited(world):
    response = world.client_for(world.admin).post(
        "/t/acme/settings/",
        {"name": "Acme Coffee", "data_region": "eu", "message_retention_days": "", "default_language": "de"},
    )
    assert response.status_code == 302
    world.tenant.refresh_from_db()
    assert world.tenant.default_language == "de"
    entry = AuditLog.objects.for_tenant(world.tenant).get(action="tenant.settings_changed")
    assert entry.details == {"changes": {"default_language": ["en", "de"]}}
