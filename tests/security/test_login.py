"""Signing in: failed attempts lock the account (and the client address) out for an hour with a
clear message; sessions expire; passwords follow the rules."""

from __future__ import annotations

import re

import pytest
from django.conf import settings
from django.contrib.auth import password_validation
from django.contrib.auth.signals import user_login_failed
from django.core import mail
from django.core.exceptions import ValidationError
from django.test import Client

from accounts import policy
from accounts.models import AuditLog, User
from tests.accounts.factories import PASSWORD
from tests.conftest import page_text

LOCKED_MESSAGE = "Too many failed sign-in attempts."


def sign_in(email, password, address):
    return Client(REMOTE_ADDR=address).post("/accounts/login/", {"username": email, "password": password})


@pytest.mark.parametrize(
    ("account_failures", "ip_failures", "locked"),
    [
        (0, 0, False),
        (19, 99, False),
        (20, 0, True),
        (0, 100, True),
        (25, 150, True),
    ],
)
def test_login_is_locked_when_either_count_reaches_its_limit(account_failures, ip_failures, locked):
    assert (
        policy.login_locked(account_failures=account_failures, ip_failures=ip_failures, account_limit=20, ip_limit=100)
        is locked
    )


def test_the_account_limit_is_at_most_100_an_hour():
    assert 0 < settings.LOGIN_FAILURE_LIMIT_PER_ACCOUNT <= 100


def test_an_account_is_locked_after_its_failures_even_with_the_right_password(world, address):
    email = world.agent.user.email
    for _attempt in range(settings.LOGIN_FAILURE_LIMIT_PER_ACCOUNT):
        assert sign_in(email, "wrong", address).status_code == 200
    response = sign_in(email, PASSWORD, address)
    assert response.status_code == 429
    assert LOCKED_MESSAGE in page_text(response)
    assert "_auth_user_id" not in response.client.session


def test_the_lock_holds_from_another_address_and_spares_other_accounts(world, address, settings):
    settings.LOGIN_FAILURE_LIMIT_PER_ACCOUNT = 3
    for _attempt in range(3):
        sign_in(world.agent.user.email, "wrong", address)
    assert sign_in(world.agent.user.email, PASSWORD, "198.51.100.200").status_code == 429
    assert sign_in(world.admin.user.email, PASSWORD, "198.51.100.201").status_code == 302


def test_an_address_spraying_many_accounts_is_locked(world, other_tenant, address, settings):
    settings.LOGIN_FAILURE_LIMIT_PER_IP = 4
    people = [world.owner, world.admin, world.agent, other_tenant.owner]
    for membership in people:
        sign_in(membership.user.email, "wrong", address)
    response = sign_in(other_tenant.agent.user.email, PASSWORD, address)
    assert response.status_code == 429
    assert LOCKED_MESSAGE in page_text(response)


def test_a_successful_sign_in_forgives_the_accounts_failures(world, address, settings):
    settings.LOGIN_FAILURE_LIMIT_PER_ACCOUNT = 3
    email = world.agent.user.email
    sign_in(email, "wrong", address)
    sign_in(email, "wrong", address)
    assert sign_in(email, PASSWORD, address).status_code == 302
    sign_in(email, "wrong", address)
    sign_in(email, "wrong", address)
    assert sign_in(email, PASSWORD, address).status_code == 302


def test_a_session_expires_within_a_working_day(world):
    response = Client().post("/accounts/login/", {"username": world.agent.user.email, "password": PASSWORD})
    cookie = response.cookies[settings.SESSION_COOKIE_NAME]
    assert 0 < int(cookie["max-age"]) <= 12 * 3600
    assert response.client.session.get_expiry_age() == int(cookie["max-age"])


@pytest.mark.parametrize(
    ("password", "reason"),
    [
        ("short1!", "too short"),
        ("password1234", "too common"),
        ("84736251900473", "entirely numeric"),
        ("maria.lopez@example.com", "too similar"),
    ],
)
def test_weak_passwords_are_refused(world, password, reason):
    user = world.agent.user
    user.email = "maria.lopez@example.com"
    with pytest.raises(ValidationError, match=reason):
        password_validation.validate_password(password, user)


def test_sign_up_refuses_a_weak_password_and_creates_nothing(db):
    response = Client().post(
        "/accounts/signup/",
        {"name": "Maria", "email": "maria@example.com", "password": "short", "company_name": "Maria's"},
    )
    assert "too short" in page_text(response)
    assert not User.objects.filter(email="maria@example.com").exists()


def test_sign_in_still_works_while_redis_is_down(world, address, settings):
    # Nothing listens on port 1: every cache call fails at once, as with Redis down.
    settings.CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": "redis://127.0.0.1:1/0"}
    }
    assert sign_in(world.agent.user.email, "wrong", address).status_code == 200
    assert sign_in(world.agent.user.email, PASSWORD, address).status_code == 302


def test_a_locked_account_is_refused_without_checking_the_password(world, address, settings):
    settings.LOGIN_FAILURE_LIMIT_PER_ACCOUNT = 1
    email = world.agent.user.email
    sign_in(email, "wrong", address)
    checked = []

    def password_checked(sender, credentials, **kwargs):
        checked.append(credentials)

    user_login_failed.connect(password_checked)
    try:
        response = sign_in(email, "wrong again", address)
    finally:
        user_login_failed.disconnect(password_checked)
    assert response.status_code == 429
    assert checked == []
    assert f'value="{email}"' in page_text(response)  # the address stays filled in


def test_a_password_reset_lifts_the_accounts_lock_and_is_recorded(world, address, settings):
    settings.LOGIN_FAILURE_LIMIT_PER_ACCOUNT = 2
    email = world.agent.user.email
    sign_in(email, "wrong", address)
    sign_in(email, "wrong", address)
    assert sign_in(email, PASSWORD, "198.51.100.9").status_code == 429
    client = Client(REMOTE_ADDR="198.51.100.9")
    client.post("/accounts/password-reset/", {"email": email})
    link = re.search(r"http://testserver(/accounts/reset/\S+/)", mail.outbox[-1].body)[1]
    form_url = client.get(link).url
    client.post(form_url, {"new_password1": "a-brand-new-secret-9", "new_password2": "a-brand-new-secret-9"})
    assert sign_in(email, "a-brand-new-secret-9", "198.51.100.9").status_code == 302
    entry = AuditLog.objects.for_tenant(world.tenant).get(action="auth.password_reset")
    assert (entry.actor, entry.ip) == (world.agent.user, "198.51.100.9")


def test_signing_up_is_recorded_as_a_sign_in(db, address):
    Client(REMOTE_ADDR=address).post(
        "/accounts/signup/",
        {"name": "Maria", "email": "maria@example.com", "password": "a-long-enough-pass-7", "company_name": "Maria's"},
    )
    user = User.objects.get(email="maria@example.com")
    entry = AuditLog.objects.unscoped().get(action="auth.login", actor=user)
    assert entry.ip == address
