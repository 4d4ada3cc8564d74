"""Settings pages: who may use them, and what each action does."""

import pytest
from django.core import mail

from accounts.models import ApiKey, AuditLog, Invitation, Membership, Role
from tests.conftest import page_text
from tests.inbox.factories import ChannelFactory, MessageFactory

ADMIN_PAGES = [
    "/t/acme/settings/",
    "/t/acme/settings/team/",
    "/t/acme/settings/api-keys/",
    "/t/acme/settings/audit-log/",
]


@pytest.mark.parametrize("url", ADMIN_PAGES)
def test_agents_are_refused_settings(world, url):
    response = world.client_for(world.agent).get(url)
    assert response.status_code == 403
    assert "Your role does not allow this" in page_text(response)


@pytest.mark.parametrize("url", ADMIN_PAGES)
@pytest.mark.parametrize("role", ["admin", "owner"])
def test_admins_and_owners_see_settings(world, url, role):
    assert world.client_for(getattr(world, role)).get(url).status_code == 200


def test_agents_see_the_inbox_without_settings_links(world):
    page = page_text(world.client_for(world.agent).get("/t/acme/inbox/"))
    assert "No conversations yet" in page
    assert "/t/acme/settings/" not in page


def test_inviting_from_the_team_page_emails_the_link(world, django_capture_on_commit_callbacks):
    client = world.client_for(world.admin)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/t/acme/settings/team/", {"email": "colleague@example.com", "role": "agent"})
    assert response.url == "/t/acme/settings/team/"
    assert mail.outbox[0].to == ["colleague@example.com"]
    assert "colleague@example.com" in page_text(client.get("/t/acme/settings/team/"))


def test_admin_cannot_invite_an_owner_through_a_forged_form(world):
    response = world.client_for(world.admin).post(
        "/t/acme/settings/team/", {"email": "boss@example.com", "role": "owner"}
    )
    assert response.status_code == 400
    assert "can't invite someone as Owner" in page_text(response)
    assert not Invitation.objects.for_tenant(world.tenant).exists()


def test_invalid_invitation_email_is_explained(world):
    response = world.client_for(world.admin).post("/t/acme/settings/team/", {"email": "nope", "role": "agent"})
    assert response.status_code == 400
    assert "Enter a valid email address." in page_text(response)


def test_changing_a_role(world):
    client = world.client_for(world.admin)
    client.post(f"/t/acme/settings/team/members/{world.agent.pk}/role/", {"role": "admin"})
    world.agent.refresh_from_db()
    assert world.agent.role == Role.ADMIN


def test_removing_a_member(world):
    world.client_for(world.admin).post(f"/t/acme/settings/team/members/{world.agent.pk}/remove/")
    assert not Membership.objects.for_tenant(world.tenant).filter(pk=world.agent.pk).exists()


def test_admin_cannot_demote_the_owner_and_is_told_why(world):
    client = world.client_for(world.admin)
    response = client.post(f"/t/acme/settings/team/members/{world.owner.pk}/role/", {"role": "agent"}, follow=True)
    assert "can't change this member" in page_text(response)
    world.owner.refresh_from_db()
    assert world.owner.role == Role.OWNER


def test_api_key_is_shown_once(world):
    client = world.client_for(world.admin)
    response = client.post("/t/acme/settings/api-keys/", {"name": "CRM"}, follow=True)
    page = page_text(response)
    key = ApiKey.objects.for_tenant(world.tenant).get()
    assert "won't be shown again" in page
    secret = page.split('id="new-secret" type="text" readonly value="')[1].split('"')[0]
    assert secret.startswith(key.prefix)
    assert secret not in page_text(client.get("/t/acme/settings/api-keys/"))


def test_api_key_without_a_name_is_refused(world):
    response = world.client_for(world.admin).post("/t/acme/settings/api-keys/", {"name": "  "})
    assert response.status_code == 400
    assert not ApiKey.objects.for_tenant(world.tenant).exists()


def test_general_settings_validate_retention(world):
    response = world.client_for(world.admin).post(
        "/t/acme/settings/", {"name": "Acme", "data_region": "eu", "message_retention_days": "3"}
    )
    assert response.status_code == 400
    assert "greater than or equal to 30" in page_text(response)
    world.tenant.refresh_from_db()
    assert world.tenant.name == "Acme Coffee"


def test_audit_log_shows_actions_with_actor_and_ip(world):
    client = world.client_for(world.admin)
    client.post("/t/acme/settings/api-keys/", {"name": "CRM"}, REMOTE_ADDR="198.51.100.7")
    page = page_text(client.get("/t/acme/settings/audit-log/"))
    assert "api_key.created" in page
    assert world.admin.user.email in page
    assert "198.51.100.7" in page


def test_audit_log_pages_backwards(world):
    client = world.client_for(world.admin)
    for n in range(55):
        client.post("/t/acme/settings/api-keys/", {"name": f"key {n}"})
    first = page_text(client.get("/t/acme/settings/audit-log/"))
    assert first.count("<code>api_key.created</code>") == 50
    older = first.split('href="?before=')[1].split('"')[0]
    second = page_text(client.get(f"/t/acme/settings/audit-log/?before={older}"))
    assert second.count("<code>api_key.created</code>") == 5
    assert AuditLog.objects.for_tenant(world.tenant).count() == 55


def test_inbox_lists_conversations_with_their_last_message(world, other_tenant):
    mine = MessageFactory.create(conversation__channel=ChannelFactory.create(tenant=world.tenant), text="Where is it?")
    MessageFactory.create(conversation__channel=ChannelFactory.create(tenant=other_tenant.tenant), text="Globex secret")
    page = page_text(world.client_for(world.agent).get("/t/acme/inbox/"))
    assert "Where is it?" in page
    assert mine.conversation.contact.display_name in page
    assert "Globex secret" not in page
    assert "No conversations yet" not in page
