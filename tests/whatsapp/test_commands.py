"""create_tenant (with and without a WhatsApp number) and seed_demo, as scripts and `make run` use them."""

from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from rest_framework.test import APIClient

from accounts.models import AuditLog, Membership, Role, Tenant, User
from accounts.services import Actor
from devstack.embedded import free_port
from inbox.models import Channel
from tests.accounts.factories import UserFactory
from whatsapp.models import WhatsAppNumber
from whatsapp.services.numbers import number_connection_test


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


WHATSAPP = (
    "--whatsapp-phone-number-id", "106540352242922",
    "--waba-id", "102290129340398",
    "--display-phone-number", "+1 555 010 0123",
    "--access-token", "EAAG-plain-access-token",
)  # fmt: skip


def nothing_created() -> bool:
    return not (
        Tenant.objects.exists()
        or User.objects.exists()
        or WhatsAppNumber.objects.unscoped().exists()
        or Channel.objects.unscoped().exists()
    )


@pytest.mark.django_db
def test_create_tenant_connects_a_whatsapp_number_and_prints_its_webhook_settings():
    lines = run("create_tenant", "--name", "Blue", "--owner-email", "boss@blue.test", *WHATSAPP)
    tenant = Tenant.objects.get(slug="blue")
    number = WhatsAppNumber.objects.for_tenant(tenant).get()
    assert (number.phone_number_id, number.waba_id, number.display_phone_number, number.access_token) == (
        "106540352242922",
        "102290129340398",
        "+1 555 010 0123",
        "EAAG-plain-access-token",
    )
    assert number.app_secret == ""  # the app-wide WHATSAPP_APP_SECRET
    assert number.graph_api_base_url == "https://graph.facebook.com"
    assert Channel.objects.for_tenant(tenant).get().pk == number.channel_id
    assert AuditLog.objects.for_tenant(tenant).filter(action="whatsapp_number.connected").exists()
    assert number.verify_token
    assert f"Webhook verify token: {number.verify_token}" in lines
    assert "Webhook callback URL: http://testserver/webhooks/whatsapp/" in lines
    assert not any("EAAG-plain-access-token" in line for line in lines)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {lines[-1]}")
    assert client.get("/api/v1/tenant/").json()["tenant"]["slug"] == "blue"


@pytest.mark.django_db
def test_create_tenant_takes_the_optional_whatsapp_settings():
    lines = run("create_tenant", "--name", "Blue", "--owner-email", "boss@blue.test", *WHATSAPP,
                "--app-secret", "own-app-secret", "--verify-token", "my-verify-token",
                "--graph-api-base-url", "http://127.0.0.1:8001/")  # fmt: skip
    number = WhatsAppNumber.objects.unscoped().get()
    assert (number.app_secret, number.verify_token, number.graph_api_base_url) == (
        "own-app-secret",
        "my-verify-token",
        "http://127.0.0.1:8001",
    )
    assert "Webhook verify token: my-verify-token" in lines
    assert not any("own-app-secret" in line for line in lines)
    assert lines[-1].startswith("wai_")


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("options", "missing"),
    [
        (("--whatsapp-phone-number-id", "123", "--access-token", "t"), "--waba-id, --display-phone-number"),
        (("--app-secret", "s"), "--whatsapp-phone-number-id, --waba-id, --display-phone-number, --access-token"),
        (WHATSAPP[:-2], "--access-token"),
    ],
)
def test_create_tenant_refuses_some_whatsapp_options_without_the_others(options, missing):
    with pytest.raises(CommandError, match=f"To connect a WhatsApp number, also give {missing} "):
        run("create_tenant", "--name", "X", "--owner-email", "x@x.test", *options)
    assert nothing_created()


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("option", "value", "message"),
    [
        ("--whatsapp-phone-number-id", "10654-0352", "--whatsapp-phone-number-id: Use digits only"),
        ("--waba-id", "abc", "--waba-id: Use digits only"),
        ("--display-phone-number", "call us", "--display-phone-number: Enter the number as customers see it"),
        ("--graph-api-base-url", "ftp://example.com", "--graph-api-base-url: Enter an address starting with https://"),
        ("--verify-token", "two words", "--verify-token: Use only letters"),
    ],
)
def test_create_tenant_refuses_invalid_whatsapp_settings(option, value, message):
    with pytest.raises(CommandError, match=message):
        run("create_tenant", "--name", "X", "--owner-email", "x@x.test", *WHATSAPP, option, value)
    assert nothing_created()


@pytest.mark.django_db
def test_create_tenant_with_a_taken_phone_number_id_fails_and_creates_nothing():
    run("create_tenant", "--name", "A", "--owner-email", "a@x.test", *WHATSAPP)
    with pytest.raises(CommandError, match="The phone number id 106540352242922 is already connected"):
        run("create_tenant", "--name", "B", "--owner-email", "b@x.test", *WHATSAPP)
    assert not Tenant.objects.filter(name="B").exists()
    assert not User.objects.filter(email="b@x.test").exists()
    assert WhatsAppNumber.objects.unscoped().count() == 1
    assert Channel.objects.unscoped().count() == 1


@pytest.mark.django_db
def test_create_tenant_with_a_taken_slug_fails_and_creates_nothing():
    run("create_tenant", "--name", "A", "--owner-email", "a@x.test", "--slug", "taken")
    with pytest.raises(CommandError, match="taken"):
        run("create_tenant", "--name", "B", "--owner-email", "b@x.test", "--slug", "taken")
    assert not User.objects.filter(email="b@x.test").exists()


@pytest.mark.django_db
def test_seed_demo_is_idempotent_and_prints_the_logins(monkeypatch):
    monkeypatch.delenv("SIM_PORT", raising=False)
    monkeypatch.delenv("PORT", raising=False)
    first = run("seed_demo")
    second = run("seed_demo")
    assert first[0] == "Created the demo tenant Demo Coffee Roasters."
    assert "owner@demo.test / demo-owner-pass" in second[0]
    tenant = Tenant.objects.get(slug="demo-coffee-roasters")
    roles = dict(Membership.objects.for_tenant(tenant).values_list("user__email", "role"))
    assert roles == {"owner@demo.test": "owner", "agent@demo.test": "agent"}
    number = WhatsAppNumber.objects.for_tenant(tenant).get()
    assert number.graph_api_base_url == "http://127.0.0.1:8001"


@pytest.mark.django_db
def test_seed_demo_follows_the_simulator_to_its_port(monkeypatch):
    run("seed_demo")
    monkeypatch.setenv("SIM_PORT", "9123")
    run("seed_demo")
    tenant = Tenant.objects.get(slug="demo-coffee-roasters")
    assert WhatsAppNumber.objects.for_tenant(tenant).get().graph_api_base_url == "http://127.0.0.1:9123"


@pytest.mark.django_db
def test_seed_demo_tells_the_simulator_what_meta_would_say_of_the_demo_number(monkeypatch, simulator):
    monkeypatch.setenv("SIM_PORT", simulator.url.rsplit(":", 1)[1])
    run("seed_demo")
    run("seed_demo", "--tell-simulator")
    tenant = Tenant.objects.get(slug="demo-coffee-roasters")
    owner = Membership.objects.for_tenant(tenant).get(role=Role.OWNER)
    number = WhatsAppNumber.objects.for_tenant(tenant).get()
    info = number_connection_test(number=number, actor=Actor(tenant_id=tenant.pk, role=Role.OWNER, user=owner.user))
    assert (info.verified_name, info.display_phone_number, info.quality_rating) == (
        "Demo Coffee Roasters",
        "15550100100",
        "GREEN",
    )
    assert simulator.state.number_settings(number.phone_number_id).waba_id == number.waba_id


@pytest.mark.django_db
def test_seed_demo_says_so_when_the_simulator_does_not_answer(monkeypatch):
    monkeypatch.setenv("SIM_PORT", str(free_port()))
    monkeypatch.setattr("whatsapp.management.commands.seed_demo.SIMULATOR_WAIT_SECONDS", 0.5)
    with pytest.raises(CommandError, match="did not answer"):
        run("seed_demo", "--tell-simulator")
