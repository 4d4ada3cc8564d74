"""WhatsApp number settings pages: who may use them, what each action does, and that secrets stay secret."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection

from accounts.models import AuditLog
from accounts.services import Actor
from inbox.models import Channel, ChannelKind
from tests.conftest import TenantWorld, page_text
from whatsapp.models import WhatsAppNumber
from whatsapp.services.numbers import NumberDetails, number_connect

ACCESS_TOKEN = "EAAG-plain-access-token-0123456789"
APP_SECRET = "plain-app-secret-abcdef"

VALID = {
    "display_phone_number": "+1 555 010 0123",
    "phone_number_id": "106540352242922",
    "waba_id": "102290129340398",
    "access_token": ACCESS_TOKEN,
    "app_secret": APP_SECRET,
    "verify_token": "",
    "graph_api_base_url": "https://graph.facebook.com",
    "graph_api_version": "v25.0",
    "throughput_mps": "80",
}


def connect(world: TenantWorld, **overrides: Any) -> WhatsAppNumber:
    details = {
        "display_phone_number": "+1 555 010 0999",
        "phone_number_id": "900000000000001",
        "waba_id": "800000000000001",
        "access_token": ACCESS_TOKEN,
        "app_secret": APP_SECRET,
        **overrides,
    }
    actor = Actor(tenant_id=world.tenant.pk, role=world.owner.role, user=world.owner.user)
    return number_connect(tenant=world.tenant, actor=actor, details=NumberDetails(**details))


def numbers_of(world: TenantWorld) -> list[WhatsAppNumber]:
    return list(WhatsAppNumber.objects.for_tenant(world.tenant))


def detail_url(number: WhatsAppNumber) -> str:
    return f"/t/acme/settings/numbers/{number.pk}/"


def edit_data(number: WhatsAppNumber, **overrides: str) -> dict[str, str]:
    return {
        "display_phone_number": number.display_phone_number,
        "waba_id": number.waba_id,
        "access_token": "",
        "app_secret": "",
        "verify_token": "",
        "graph_api_base_url": number.graph_api_base_url,
        "graph_api_version": number.graph_api_version,
        "throughput_mps": str(number.throughput_mps),
        **overrides,
    }


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("get", "/t/acme/settings/numbers/"),
        ("get", "/t/acme/settings/numbers/add/"),
        ("post", "/t/acme/settings/numbers/add/"),
        ("get", "{detail}"),
        ("post", "{detail}"),
        ("post", "{detail}disable/"),
        ("post", "{detail}enable/"),
    ],
)
def test_agents_are_refused_number_pages(world, method, path):
    number = connect(world)
    client = world.client_for(world.agent)
    url = path.format(detail=detail_url(number))
    response = client.get(url) if method == "get" else client.post(url, {**VALID, "phone_number_id": "123"})
    assert response.status_code == 403
    assert "Your role does not allow this" in page_text(response)
    assert [(n.pk, n.is_active, n.display_phone_number) for n in numbers_of(world)] == [
        (number.pk, True, "+1 555 010 0999")
    ]


@pytest.mark.parametrize("role", ["admin", "owner"])
def test_admins_and_owners_see_the_numbers_pages(world, role):
    number = connect(world)
    client = world.client_for(getattr(world, role))
    for url in ("/t/acme/settings/numbers/", "/t/acme/settings/numbers/add/", detail_url(number)):
        assert client.get(url).status_code == 200, url


def test_the_sidebar_links_to_the_numbers_for_admins_only(world):
    assert "/t/acme/settings/numbers/" in page_text(world.client_for(world.admin).get("/t/acme/inbox/"))
    assert "/t/acme/settings/numbers/" not in page_text(world.client_for(world.agent).get("/t/acme/inbox/"))


def test_the_list_shows_each_number_with_its_settings(world):
    connect(world, graph_api_base_url="https://waba-v2.360dialog.io", graph_api_version="v21.0", throughput_mps=250)
    page = page_text(world.client_for(world.admin).get("/t/acme/settings/numbers/"))
    for shown in ("+1 555 010 0999", "900000000000001", "800000000000001", "active", "250 msg/s"):
        assert shown in page
    assert "https://waba-v2.360dialog.io</span> · v21.0" in page
    assert "Add a number" in page


def test_the_list_without_numbers_invites_to_add_one(world):
    page = page_text(world.client_for(world.admin).get("/t/acme/settings/numbers/"))
    assert "No numbers connected yet" in page


def test_adding_a_number_connects_it_with_its_channel_and_an_audit_entry(world):
    response = world.client_for(world.admin).post("/t/acme/settings/numbers/add/", VALID)
    number = WhatsAppNumber.objects.for_tenant(world.tenant).get()
    assert response.status_code == 302
    assert response.url == detail_url(number)
    assert (number.display_phone_number, number.phone_number_id, number.waba_id) == (
        "+1 555 010 0123",
        "106540352242922",
        "102290129340398",
    )
    assert (number.access_token, number.app_secret) == (ACCESS_TOKEN, APP_SECRET)
    assert (number.graph_api_base_url, number.graph_api_version, number.throughput_mps) == (
        "https://graph.facebook.com",
        "v25.0",
        80,
    )
    assert number.verify_token  # generated, since none was given
    channel = Channel.objects.for_tenant(world.tenant).get()
    assert (number.channel_id, channel.kind, channel.name) == (channel.pk, ChannelKind.WHATSAPP, "+1 555 010 0123")
    entry = AuditLog.objects.for_tenant(world.tenant).get(action="whatsapp_number.connected")
    assert entry.actor == world.admin.user
    assert entry.target_id == str(number.pk)
    recorded = str(AuditLog.objects.for_tenant(world.tenant).values().get(pk=entry.pk))
    assert ACCESS_TOKEN not in recorded
    assert APP_SECRET not in recorded


def test_secrets_are_stored_encrypted(world):
    world.client_for(world.admin).post("/t/acme/settings/numbers/add/", VALID)
    with connection.cursor() as cursor:
        cursor.execute("SELECT access_token, app_secret FROM whatsapp_whatsappnumber")
        [(access_token, app_secret)] = cursor.fetchall()
    assert access_token.startswith("e1:")
    assert ACCESS_TOKEN not in access_token
    assert app_secret.startswith("e1:")
    assert APP_SECRET not in app_secret


def test_adding_keeps_a_given_verify_token_and_strips_the_base_url(world):
    world.client_for(world.admin).post(
        "/t/acme/settings/numbers/add/",
        {**VALID, "verify_token": "my-verify_token.1~", "graph_api_base_url": "http://127.0.0.1:8001/"},
    )
    number = WhatsAppNumber.objects.for_tenant(world.tenant).get()
    assert number.verify_token == "my-verify_token.1~"
    assert number.graph_api_base_url == "http://127.0.0.1:8001"


def test_adding_without_an_app_secret_uses_the_app_wide_one(world):
    client = world.client_for(world.admin)
    response = client.post("/t/acme/settings/numbers/add/", {**VALID, "app_secret": ""}, follow=True)
    number = WhatsAppNumber.objects.for_tenant(world.tenant).get()
    assert number.app_secret == ""
    assert "the app-wide secret of our Meta app is used" in page_text(response)


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("display_phone_number", "call us", "Enter the number as customers see it"),
        ("display_phone_number", "", "This field is required."),
        ("phone_number_id", "1065-4035", "Use digits only (0–9)"),
        ("phone_number_id", "", "This field is required."),
        ("waba_id", "WABA1022", "Use digits only (0–9)"),
        ("access_token", "", "This field is required."),
        ("verify_token", "two words", "Use only letters, digits and the characters - _ . ~"),
        ("graph_api_base_url", "ftp://graph.facebook.com", "Enter an address starting with https://"),
        ("graph_api_base_url", "graph.facebook.com", "Enter an address starting with https://"),
        ("graph_api_base_url", "https://graph.facebook.com/?x=1", "without ? or #"),
        ("graph_api_version", "25.0", "Write the version as v"),
        ("graph_api_version", "v25", "Write the version as v"),
        ("throughput_mps", "0", "greater than or equal to 1"),
        ("throughput_mps", "1001", "less than or equal to 1000"),
        ("throughput_mps", "fast", "Enter a whole number."),
    ],
)
def test_invalid_details_are_explained_on_the_field_and_save_nothing(world, field, value, message):
    response = world.client_for(world.admin).post("/t/acme/settings/numbers/add/", {**VALID, field: value})
    assert response.status_code == 400
    page = page_text(response)
    assert message in page
    # The message sits in the field's own block, next to its input.
    field_block = page.split(f'id="id_{field}"')[1].split('<div class="field')[0]
    assert message in field_block
    assert numbers_of(world) == []
    assert not Channel.objects.for_tenant(world.tenant).exists()
    assert not AuditLog.objects.for_tenant(world.tenant).filter(action__startswith="whatsapp_number").exists()


def test_a_refused_form_never_sends_the_secrets_back(world):
    response = world.client_for(world.admin).post("/t/acme/settings/numbers/add/", {**VALID, "waba_id": "x"})
    page = page_text(response)
    assert ACCESS_TOKEN not in page
    assert APP_SECRET not in page
    assert "if you entered an access token or app secret, enter it again" in page


def test_a_phone_number_id_already_connected_here_is_refused(world):
    connect(world, phone_number_id="106540352242922")
    response = world.client_for(world.admin).post("/t/acme/settings/numbers/add/", VALID)
    assert response.status_code == 400
    field_block = page_text(response).split('id="id_phone_number_id"')[1].split('<div class="field')[0]
    assert "The phone number id 106540352242922 is already connected." in field_block
    assert len(numbers_of(world)) == 1
    assert Channel.objects.for_tenant(world.tenant).count() == 1


def test_a_phone_number_id_connected_by_another_tenant_is_refused(world, other_tenant):
    theirs = connect(other_tenant, phone_number_id="106540352242922", display_phone_number="+44 20 7946 0000")
    response = world.client_for(world.admin).post("/t/acme/settings/numbers/add/", VALID)
    assert response.status_code == 400
    page = page_text(response)
    assert "The phone number id 106540352242922 is already connected." in page
    assert "+44 20 7946 0000" not in page
    assert numbers_of(world) == []
    assert not Channel.objects.for_tenant(world.tenant).exists()
    assert numbers_of(other_tenant) == [theirs]


def test_the_detail_page_shows_the_webhook_url_and_verify_token(world):
    number = connect(world, verify_token="verify-me-123")
    page = page_text(world.client_for(world.admin).get(detail_url(number)))
    assert 'id="webhook-url" type="text" readonly value="http://testserver/webhooks/whatsapp/"' in page
    assert 'id="verify-token" type="text" readonly value="verify-me-123"' in page
    assert "Copy" in page


def test_the_detail_page_never_shows_the_secrets(world):
    number = connect(world)
    client = world.client_for(world.admin)
    page = page_text(client.get(detail_url(number)))
    assert ACCESS_TOKEN not in page
    assert APP_SECRET not in page
    assert "Leave empty to keep the current token." in page
    assert "Leave empty to keep the current secret." in page
    assert "this number's own" in page  # says that a secret is set, not what it is
    refused = page_text(client.post(detail_url(number), edit_data(number, access_token="new-token", waba_id="x")))
    assert "new-token" not in refused
    assert ACCESS_TOKEN not in refused


def test_leaving_the_secrets_empty_keeps_them(world):
    number = connect(world)
    client = world.client_for(world.admin)
    response = client.post(detail_url(number), edit_data(number, display_phone_number="+1 555 010 0777"))
    assert response.status_code == 302
    number.refresh_from_db()
    assert (number.access_token, number.app_secret) == (ACCESS_TOKEN, APP_SECRET)
    assert number.display_phone_number == "+1 555 010 0777"
    assert Channel.objects.for_tenant(world.tenant).get().name == "+1 555 010 0777"


def test_entering_new_secrets_replaces_them_and_audits_only_their_names(world):
    number = connect(world)
    client = world.client_for(world.admin)
    client.post(detail_url(number), edit_data(number, access_token="EAAG-rotated-token", app_secret="rotated-secret"))
    number.refresh_from_db()
    assert (number.access_token, number.app_secret) == ("EAAG-rotated-token", "rotated-secret")
    entry = AuditLog.objects.for_tenant(world.tenant).get(action="whatsapp_number.changed")
    assert entry.details == {"fields": ["access_token", "app_secret"]}
    assert "rotated" not in str(AuditLog.objects.for_tenant(world.tenant).values().get(pk=entry.pk))
    with connection.cursor() as cursor:
        cursor.execute("SELECT access_token FROM whatsapp_whatsappnumber")
        [(stored,)] = cursor.fetchall()
    assert stored.startswith("e1:")
    assert "EAAG-rotated-token" not in stored


def test_editing_changes_the_graph_api_settings_but_not_the_phone_number_id(world):
    number = connect(world)
    client = world.client_for(world.admin)
    client.post(
        detail_url(number),
        edit_data(
            number,
            phone_number_id="111",  # not a field of the edit form: ignored
            graph_api_base_url="https://waba-v2.360dialog.io/",
            graph_api_version="v22.0",
            throughput_mps="1000",
            verify_token="new-verify",
        ),
    )
    number.refresh_from_db()
    assert number.phone_number_id == "900000000000001"
    assert (number.graph_api_base_url, number.graph_api_version, number.throughput_mps, number.verify_token) == (
        "https://waba-v2.360dialog.io",
        "v22.0",
        1000,
        "new-verify",
    )


def test_an_invalid_edit_is_explained_and_changes_nothing(world):
    number = connect(world)
    response = world.client_for(world.admin).post(
        detail_url(number), edit_data(number, graph_api_version="latest", access_token="new-token")
    )
    assert response.status_code == 400
    assert "Write the version as v" in page_text(response)
    number.refresh_from_db()
    assert (number.graph_api_version, number.access_token) == ("v25.0", ACCESS_TOKEN)


def test_disabling_and_enabling_a_number(world):
    number = connect(world)
    client = world.client_for(world.admin)
    response = client.post(f"{detail_url(number)}disable/", follow=True)
    number.refresh_from_db()
    assert number.is_active is False
    assert Channel.objects.for_tenant(world.tenant).get().is_active is False
    assert "is disabled: it sends nothing" in page_text(response)
    assert "Enable number" in page_text(response)
    assert "disabled" in page_text(client.get("/t/acme/settings/numbers/"))

    response = client.post(f"{detail_url(number)}enable/", follow=True)
    number.refresh_from_db()
    assert number.is_active is True
    assert Channel.objects.for_tenant(world.tenant).get().is_active is True
    assert "Disable number" in page_text(response)
    actions = AuditLog.objects.for_tenant(world.tenant).filter(
        action__in=["whatsapp_number.disabled", "whatsapp_number.enabled"]
    )
    assert sorted(actions.values_list("action", flat=True)) == ["whatsapp_number.disabled", "whatsapp_number.enabled"]


def test_disable_answers_only_post(world):
    number = connect(world)
    assert world.client_for(world.admin).get(f"{detail_url(number)}disable/").status_code == 405
    number.refresh_from_db()
    assert number.is_active is True


def test_another_tenants_number_is_not_found(world, other_tenant):
    theirs = connect(other_tenant, display_phone_number="+44 20 7946 0000")
    client = world.client_for(world.owner)
    for url in (detail_url(theirs), f"{detail_url(theirs)}disable/"):
        response = client.get(url) if url == detail_url(theirs) else client.post(url)
        assert response.status_code == 404
        assert "+44 20 7946 0000" not in page_text(response)
    theirs.refresh_from_db()
    assert theirs.is_active is True
