"""create_tenant and seed_demo, as scripts and `make run` use them."""

from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from rest_framework.test import APIClient

from accounts.models import Membership, Role, Tenant, User
from tests.accounts.factories import UserFactory


def run(*args: str) -> list[str]:
    out = StringIO()
    call_command(*args, stdout=out)
    return out.getvalue().strip().splitlines()


@pytest.mark.django_db
def test_create_tenant_prints_a_working_api_key_last():
    lines = run(
        "create_tenant",
        "--name",
        "Blue Bottle",
        "--owner-email",
        "Boss@Blue.test",
        "--owner-password",
        "x-long-password",
    )
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {lines[-1]}")
    assert client.get("/api/v1/tenant/").json()["tenant"]["slug"] == "blue-bottle"
    owner = User.objects.get(email="boss@blue.test")
    assert owner.check_password("x-long-password")
    assert Membership.objects.for_tenant(Tenant.objects.get(slug="blue-bottle")).get().role == Role.OWNER


@pytest.mark.django_db
def test_create_tenant_reuses_an_existing_owner_account():
    person = UserFactory.create(email="boss@blue.test")
    run("create_tenant", "--name", "Second Shop", "--owner-email", "boss@blue.test", "--slug", "second")
    assert Membership.objects.for_tenant(Tenant.objects.get(slug="second")).get().user == person


@pytest.mark.django_db
def test_create_tenant_without_password_says_how_to_sign_in():
    lines = run("create_tenant", "--name", "Blue", "--owner-email", "new@blue.test")
    assert "use 'Forgot your password?'" in lines[-2]
    assert not User.objects.get(email="new@blue.test").has_usable_password()


@pytest.mark.django_db
def test_create_tenant_rejects_whatsapp_options_until_numbers_exist():
    with pytest.raises(CommandError, match="--whatsapp-phone-number-id, --access-token: connecting WhatsApp numbers"):
        run("create_tenant", "--name", "X", "--owner-email", "x@x.test",
            "--whatsapp-phone-number-id", "123", "--access-token", "t")  # fmt: skip
    assert not Tenant.objects.exists()


@pytest.mark.django_db
def test_create_tenant_with_a_taken_slug_fails_and_creates_nothing():
    run("create_tenant", "--name", "A", "--owner-email", "a@x.test", "--slug", "taken")
    with pytest.raises(CommandError, match="taken"):
        run("create_tenant", "--name", "B", "--owner-email", "b@x.test", "--slug", "taken")
    assert not User.objects.filter(email="b@x.test").exists()


@pytest.mark.django_db
def test_seed_demo_is_idempotent_and_prints_the_logins():
    first = run("seed_demo")
    second = run("seed_demo")
    assert first[0] == "Created the demo tenant Demo Coffee Roasters."
    assert "owner@demo.test / demo-owner-pass" in second[0]
    tenant = Tenant.objects.get(slug="demo-coffee-roasters")
    roles = dict(Membership.objects.for_tenant(tenant).values_list("user__email", "role"))
    assert roles == {"owner@demo.test": "owner", "agent@demo.test": "agent"}
