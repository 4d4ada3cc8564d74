"""Signing up, signing in, choosing a workspace, and accepting invitations, as a person would."""

import re
from datetime import timedelta

import pytest
from django.core import mail
from django.test import Client
from django.utils import timezone

from accounts import services
from accounts.models import Invitation, Membership, Role, Tenant, User
from tests.accounts.factories import PASSWORD, MembershipFactory, UserFactory
from tests.conftest import page_text


def invite(world, email: str, role: str = Role.AGENT) -> str:
    actor = services.Actor(tenant_id=world.tenant.pk, role=Role.ADMIN, user=world.admin.user)
    _invitation, token = services.invitation_create(tenant=world.tenant, actor=actor, email=email, role=role)
    return f"/invitations/{token}/"


def test_sign_up_creates_a_workspace_and_signs_in(db):
    client = Client()
    response = client.post(
        "/accounts/signup/",
        {"company_name": "Fay's Bikes", "name": "Fay", "email": "Fay@Example.com", "password": "pedals-and-gears-42"},
    )
    assert response.status_code == 302
    assert response["Location"] == "/t/fays-bikes/setup/"  # owners start in the onboarding wizard
    assert client.get(response["Location"], follow=True).status_code == 200
    assert Membership.objects.for_tenant(Tenant.objects.get(slug="fays-bikes")).get().user.email == "fay@example.com"


@pytest.mark.parametrize(
    ("field", "value", "error"),
    [
        ("email", "not-an-email", "Enter a valid email address."),
        ("password", "short", "This password is too short."),
        ("password", "password123", "This password is too common."),
        ("company_name", "", "This field is required."),
    ],
)
def test_sign_up_errors_are_shown_and_nothing_is_created(db, field, value, error):
    data = {"company_name": "Fay's Bikes", "name": "Fay", "email": "fay@example.com", "password": "pedals-and-gears-42"}
    data[field] = value
    response = Client().post("/accounts/signup/", data)
    assert response.status_code == 200
    assert error in page_text(response)
    assert not User.objects.exists()
    assert not Tenant.objects.exists()


def test_sign_up_with_a_taken_email_explains(world):
    response = Client().post(
        "/accounts/signup/",
        {"company_name": "Other", "name": "X", "email": world.agent.user.email, "password": "pedals-and-gears-42"},
    )
    assert "already exists" in page_text(response)
    assert not Tenant.objects.filter(name="Other").exists()


def test_login_is_case_insensitive_and_lands_in_the_inbox(world):
    client = Client()
    response = client.post("/accounts/login/", {"username": world.agent.user.email.upper(), "password": PASSWORD})
    assert response.status_code == 302
    assert client.get("/").url == "/t/acme/inbox/"


def test_wrong_password_shows_an_error(world):
    response = Client().post("/accounts/login/", {"username": world.agent.user.email, "password": "nope"})
    assert response.status_code == 200
    assert "don't match an account" in page_text(response)


def test_anonymous_visitors_are_sent_to_login(db):
    assert Client().get("/").url == "/accounts/login/"
    assert Client().get("/t/acme/inbox/").url == "/accounts/login/?next=/t/acme/inbox/"


def test_home_goes_to_the_last_workspace_used(world, other_tenant):
    person = world.agent.user
    MembershipFactory.create(tenant=other_tenant.tenant, user=person)
    client = world.client_for(world.agent)
    client.get("/t/globex/inbox/")
    assert client.get("/").url == "/t/globex/inbox/"
    client.get("/t/acme/inbox/")
    assert client.get("/").url == "/t/acme/inbox/"


def test_switcher_lists_only_my_workspaces(world, other_tenant):
    page = page_text(world.client_for(world.agent).get("/accounts/workspaces/"))
    assert "Acme Coffee" in page
    assert "Globex Tea" not in page


def test_starting_another_workspace(world):
    client = world.client_for(world.agent)
    response = client.post("/accounts/workspaces/", {"name": "Side Project"})
    assert response.url == "/t/side-project/inbox/"
    assert Membership.objects.for_tenant(Tenant.objects.get(slug="side-project")).get().role == Role.OWNER


def test_logout_needs_post_and_signs_out(world):
    client = world.client_for(world.agent)
    assert client.get("/accounts/logout/").status_code == 405
    client.post("/accounts/logout/")
    assert client.get("/t/acme/inbox/").status_code == 302


def test_password_reset_sends_a_working_link(world):
    client = Client()
    client.post("/accounts/password-reset/", {"email": world.agent.user.email})
    assert len(mail.outbox) == 1
    link = re.search(r"http://testserver(/accounts/reset/\S+/)", mail.outbox[0].body)[1]
    form_url = client.get(link).url  # Django swaps the token for a session marker
    response = client.post(form_url, {"new_password1": "a-brand-new-secret-9", "new_password2": "a-brand-new-secret-9"})
    assert response.url == "/accounts/reset/done/"
    assert Client().login(username=world.agent.user.email, password="a-brand-new-secret-9")


def test_invited_newcomer_creates_an_account_and_joins(world):
    url = invite(world, "newbie@example.com", Role.ADMIN)
    client = Client()
    page = client.get(url)
    assert "Join Acme Coffee" in page_text(page)
    response = client.post(url, {"name": "New Bie", "password": "fresh-start-2026"})
    assert response.url == "/t/acme/inbox/"
    membership = Membership.objects.for_tenant(world.tenant).get(user__email="newbie@example.com")
    assert membership.role == Role.ADMIN


def test_invited_newcomer_with_a_weak_password_gets_an_error_and_no_account(world):
    url = invite(world, "newbie@example.com")
    response = Client().post(url, {"name": "New Bie", "password": "123"})
    assert response.status_code == 400
    assert "too short" in page_text(response)
    assert not User.objects.filter(email="newbie@example.com").exists()


def test_invited_person_with_an_account_signs_in_then_accepts(world):
    person = UserFactory.create(email="known@example.com")
    url = invite(world, "known@example.com")
    client = Client()
    response = client.post(url)
    assert response.url == f"/accounts/login/?next={url}"
    client.force_login(person)
    assert client.post(url).url == "/t/acme/inbox/"
    assert Membership.objects.for_tenant(world.tenant).filter(user=person).exists()


def test_invitation_opened_by_someone_else_is_refused(world, other_tenant):
    url = invite(world, "intended@example.com")
    response = other_tenant.client_for(other_tenant.agent).post(url)
    assert response.status_code == 403
    assert "intended@example.com" in page_text(response)
    assert not Membership.objects.for_tenant(world.tenant).filter(user=other_tenant.agent.user).exists()


def test_used_invitation_link_is_gone(world):
    url = invite(world, "newbie@example.com")
    Client().post(url, {"name": "New Bie", "password": "fresh-start-2026"})
    response = Client().get(url)
    assert response.status_code == 410
    assert "already been used" in page_text(response)


def test_expired_invitation_link_is_gone(world):
    url = invite(world, "late@example.com")
    Invitation.objects.for_tenant(world.tenant).update(expires_at=timezone.now() - timedelta(minutes=1))
    response = Client().post(url, {"name": "Late", "password": "fresh-start-2026"})
    assert response.status_code == 410
    assert "expired" in page_text(response)
    assert not User.objects.filter(email="late@example.com").exists()


def test_unknown_invitation_link_is_404(db):
    assert Client().get("/invitations/not-a-token/").status_code == 404


@pytest.mark.parametrize(
    "path", ["/accounts/login/", "/t/acme/inbox/", "/t/acme/settings/general/", "/t/acme/broadcasts/new/"]
)
def test_no_template_syntax_leaks_into_pages(world, path):
    page = world.client_for(world.owner).get(path, follow=True).content.decode()
    # Template placeholders ({{1}}, {{first_name}}) are content; Django's own syntax is spaced.
    for syntax in ("{#", "#}", "{%", "%}", "{{ ", " }}"):
        assert syntax not in page, syntax
    title = page.split("<title>", 1)[1].split("</title>", 1)[0]
    assert "<" not in title, title
