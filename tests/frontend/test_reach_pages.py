"""Reach tools pages: the link builder, QR codes, the website snippet, the opt-in page's settings,
and the public opt-in page (ticked or not, good and bad numbers)."""

from __future__ import annotations

import io
from datetime import time, timedelta

import httpx
import pytest
import zxingcpp
from django.test import Client
from django.utils import timezone
from PIL import Image

from accounts.models import Role
from accounts.services import Actor
from inbox.automation.services import opening_hours_set
from inbox.hours import Interval
from inbox.models import ConsentEvent, Contact, Message, OutboxEntry
from inbox.selectors import with_wa_id
from tests.conftest import page_text
from tests.inbox.factories import ContactFactory
from tests.templates_mgmt.factories import MessageTemplateFactory
from tests.whatsapp.simulator_fixtures import simulator  # noqa: F401 (fixture)
from whatsapp.models import OptInPage, WhatsAppNumber
from whatsapp.services import sender
from whatsapp.services.numbers import NumberDetails, number_connect, number_set_active
from whatsapp.services.optin import opt_in_page_get_or_create

pytestmark = pytest.mark.django_db


def connect(world, **overrides) -> WhatsAppNumber:
    details = NumberDetails(
        display_phone_number=overrides.pop("display_phone_number", "+1 555 010 0123"),
        phone_number_id=overrides.pop("phone_number_id", "106540352242922"),
        waba_id="102290129340398",
        access_token="test-access-token",
        **overrides,
    )
    actor = Actor(tenant_id=world.tenant.pk, role=Role.OWNER, user=world.owner.user)
    return number_connect(tenant=world.tenant, actor=actor, details=details)


@pytest.fixture
def number(world) -> WhatsAppNumber:
    return connect(world)


@pytest.fixture
def admin_client(world) -> Client:
    return world.client_for(world.admin)


def reach_url(number: WhatsAppNumber) -> str:
    return f"/t/{number.tenant.slug}/settings/numbers/{number.pk}/reach/"


def decoded(png: bytes) -> list[str]:
    return [result.text for result in zxingcpp.read_barcodes(Image.open(io.BytesIO(png)))]


@pytest.mark.parametrize("page", ["reach/", "reach/qr/", "reach/?text=hi", "profile/", "profile/photo/"])
def test_agents_are_refused_the_reach_and_profile_pages(world, number, page):
    response = world.client_for(world.agent).get(f"/t/acme/settings/numbers/{number.pk}/{page}")
    assert response.status_code == 403


def test_the_link_builder_shows_the_encoded_link_and_a_snippet_without_scripts(world, number, admin_client):
    response = admin_client.get(reach_url(number), {"text": "Hi! Table for 2 & wine?"})

    assert response.status_code == 200
    text = page_text(response)
    url = "https://wa.me/15550100123?text=Hi%21%20Table%20for%202%20%26%20wine%3F"
    assert f'value="{url}"' in text
    snippet = response.context["snippet"]
    assert f'href="{url}"' in snippet
    assert "Chat with Acme Coffee" in snippet
    assert "<script" not in snippet
    assert "src=" not in snippet  # nothing loaded from anywhere


def test_a_too_long_prefilled_message_is_refused_with_a_reason(number, admin_client):
    response = admin_client.get(reach_url(number), {"text": "x" * 501})
    assert response.status_code == 400
    assert "At most 500 characters (this is 501)." in page_text(response)


def test_the_qr_code_download_reads_back_as_the_link(number, admin_client):
    response = admin_client.get(reach_url(number) + "qr/", {"text": "Grüße & more", "size": "800", "download": "1"})

    assert response.status_code == 200
    assert response["Content-Type"] == "image/png"
    assert response["Content-Disposition"] == 'attachment; filename="whatsapp-15550100123-800.png"'
    assert decoded(response.content) == ["https://wa.me/15550100123?text=Gr%C3%BC%C3%9Fe%20%26%20more"]


def test_the_qr_code_comes_as_svg_too(number, admin_client):
    response = admin_client.get(reach_url(number) + "qr/", {"format": "svg"})
    assert response["Content-Type"] == "image/svg+xml"
    assert response.content.startswith(b"<svg")


@pytest.mark.parametrize(
    ("query", "code"),
    [
        ({"size": "5000"}, "invalid_size"),
        ({"size": "big"}, "invalid_size"),
        ({"format": "gif"}, "invalid_format"),
        ({"text": "x" * 501}, "text_too_long"),
    ],
)
def test_bad_qr_requests_get_a_json_error(number, admin_client, query, code):
    response = admin_client.get(reach_url(number) + "qr/", query)
    assert response.status_code == 400
    assert response.json()["error"]["code"] == code


# The opt-in page's settings ------------------------------------------------------------------------


def test_the_reach_page_creates_the_opt_in_page_and_links_the_opt_in_api(world, number, admin_client):
    response = admin_client.get(reach_url(number))

    page = OptInPage.objects.for_tenant(world.tenant).get(number=number)
    text = page_text(response)
    assert f"http://testserver/join/{page.key}/" in text
    assert "Yes, I want to receive messages from Acme Coffee on WhatsApp" in page.consent_text
    assert "/api/v1/docs/#/contacts/contacts_opt_in_create" in text


def test_an_admin_words_the_consent_text(world, number, admin_client):
    wording = "Yes, Acme Coffee may send me roasting news on WhatsApp. I can reply STOP to end it."
    response = admin_client.post(reach_url(number), {"consent_text": wording, "is_enabled": "on"})

    assert response.status_code == 302
    assert OptInPage.objects.for_tenant(world.tenant).get(number=number).consent_text == wording


def test_a_consent_text_too_short_to_name_the_business_is_refused(world, number, admin_client):
    before = opt_in_page_get_or_create(number=number).consent_text
    response = admin_client.post(reach_url(number), {"consent_text": "OK", "is_enabled": "on"})

    assert response.status_code == 400
    assert "Write the consent text in full" in page_text(response)
    assert OptInPage.objects.for_tenant(world.tenant).get(number=number).consent_text == before


# The public opt-in page --------------------------------------------------------------------------------


@pytest.fixture
def opt_in_page(number) -> OptInPage:
    return opt_in_page_get_or_create(number=number)


def join_url(page: OptInPage) -> str:
    return f"/join/{page.key}/"


def test_the_public_page_shows_the_consent_text_with_an_unticked_box(opt_in_page):
    response = Client().get(join_url(opt_in_page))

    assert response.status_code == 200
    text = page_text(response)
    assert opt_in_page.consent_text in text
    assert '<input type="checkbox" name="consent" id="id_consent" value="1">' in text


def test_an_opt_in_with_the_box_ticked_is_kept_with_the_exact_text_time_and_address(world, opt_in_page):
    before = timezone.now()
    response = Client(REMOTE_ADDR="203.0.113.9").post(
        join_url(opt_in_page), {"phone": "+49 151 23456789", "consent": "1"}
    )

    assert response.status_code == 200
    assert "You're signed up" in page_text(response)
    contact = Contact.objects.for_tenant(world.tenant).get(with_wa_id("4915123456789", tenant_id=world.tenant.pk))
    event = ConsentEvent.objects.for_tenant(world.tenant).get(contact=contact)
    assert (event.kind, event.scope, event.source) == ("opt_in", "all", "web_form")
    assert event.proof == opt_in_page.consent_text
    assert event.ip == "203.0.113.9"
    assert before <= event.occurred_at <= timezone.now() + timedelta(seconds=1)


def test_an_existing_contact_gets_the_opt_in_without_a_second_contact(world, opt_in_page):
    contact = ContactFactory.create(tenant=world.tenant, wa_id="4915123456789", phone="+4915123456789")

    Client().post(join_url(opt_in_page), {"phone": "0049 151 2345 6789", "consent": "1"})

    assert Contact.objects.for_tenant(world.tenant).count() == 1
    assert ConsentEvent.objects.for_tenant(world.tenant).get().contact_id == contact.pk


def test_without_the_box_ticked_nothing_is_recorded(world, opt_in_page):
    response = Client().post(join_url(opt_in_page), {"phone": "+49 151 23456789"})

    assert response.status_code == 400
    assert "Tick the box to agree to receive messages" in page_text(response)
    assert not Contact.objects.for_tenant(world.tenant).exists()
    assert not ConsentEvent.objects.for_tenant(world.tenant).exists()


@pytest.mark.parametrize(
    ("phone", "message"),
    [
        ("", "This field is required."),
        ("0151 23456789", "has no country code"),
        ("+49 151", "is not a valid phone number"),
        ("+1 555 call me", "is not a valid phone number"),
        ("+99 123456789", "is not a valid phone number"),
    ],
)
def test_bad_numbers_are_refused_and_nothing_is_recorded(world, opt_in_page, phone, message):
    response = Client().post(join_url(opt_in_page), {"phone": phone, "consent": "1"})

    assert response.status_code == 400
    assert message in page_text(response)
    assert not Contact.objects.for_tenant(world.tenant).exists()
    assert not ConsentEvent.objects.for_tenant(world.tenant).exists()


def test_an_opt_in_lands_in_the_page_s_own_tenant_only(world, other_tenant, opt_in_page):
    other_page = opt_in_page_get_or_create(number=connect(other_tenant, phone_number_id="999000111222333"))

    Client().post(join_url(other_page), {"phone": "+49 151 23456789", "consent": "1"})

    assert not Contact.objects.for_tenant(world.tenant).exists()
    assert ConsentEvent.objects.for_tenant(other_tenant.tenant).get().proof == other_page.consent_text
    assert "Globex Tea" in other_page.consent_text


def test_an_offline_page_an_unknown_key_and_a_disabled_number_show_no_form(world, opt_in_page, admin_client):
    assert Client().get("/join/no-such-key/").status_code == 404
    admin_client.post(reach_url(opt_in_page.number), {"consent_text": opt_in_page.consent_text})  # box unticked
    offline = Client().post(join_url(opt_in_page), {"phone": "+49 151 23456789", "consent": "1"})
    assert offline.status_code == 404
    assert "This page is not available" in page_text(offline)

    admin_client.post(reach_url(opt_in_page.number), {"consent_text": opt_in_page.consent_text, "is_enabled": "on"})
    actor = Actor(tenant_id=world.tenant.pk, role=Role.OWNER, user=world.owner.user)
    number_set_active(number=opt_in_page.number, actor=actor, active=False)
    assert Client().get(join_url(opt_in_page)).status_code == 404
    assert not ConsentEvent.objects.for_tenant(world.tenant).exists()


def test_the_website_button_carries_the_opening_hours(world, number, admin_client):
    actor = Actor(tenant_id=world.tenant.pk, role=Role.ADMIN, user=world.admin.user)
    weekdays = [Interval(day, time(9, 0), time(17, 0)) for day in range(5)]
    opening_hours_set(
        actor=actor, channel=None, timezone_name="Europe/Berlin", intervals=weekdays, holidays=frozenset(),
        now=timezone.now(),
    )  # fmt: skip

    snippet = admin_client.get(reach_url(number)).context["snippet"]

    assert "<small>Mon–Fri 09:00–17:00</small>" in snippet


def test_one_address_may_not_sign_up_a_list_of_numbers(world, opt_in_page):
    client = Client(REMOTE_ADDR="198.51.100.7")
    for last in range(10):
        assert (
            client.post(join_url(opt_in_page), {"phone": f"+4915123456{last:03d}", "consent": "1"}).status_code == 200
        )

    response = client.post(join_url(opt_in_page), {"phone": "+49 151 23456999", "consent": "1"})

    assert response.status_code == 429
    assert "Too many sign-ups from your connection" in page_text(response)
    assert ConsentEvent.objects.for_tenant(world.tenant).count() == 10
    assert (
        Client(REMOTE_ADDR="198.51.100.8")
        .post(join_url(opt_in_page), {"phone": "+49 151 23456999", "consent": "1"})
        .status_code
        == 200
    )


# Confirming opt-ins on WhatsApp ------------------------------------------------------------------------

WELCOME = "Thanks for signing up to Acme Coffee news on WhatsApp. Reply STOP to end them."


@pytest.fixture
def sim_number(world, simulator) -> WhatsAppNumber:  # noqa: F811
    return connect(world, graph_api_base_url=simulator.url)


def test_opt_ins_are_confirmed_on_whatsapp_with_the_chosen_template(world, simulator, sim_number, admin_client):  # noqa: F811
    welcome = MessageTemplateFactory.create(
        number=sim_number, name="opt_in_welcome", components=[{"type": "BODY", "text": WELCOME}]
    )
    MessageTemplateFactory.create(number=sim_number, name="order_update")  # has parameters: not offered
    httpx.post(
        f"{simulator.url}/_sim/templates",
        json={"name": "opt_in_welcome", "language": "en_US", "category": "UTILITY", "waba_id": sim_number.waba_id,
              "components": [{"type": "BODY", "text": WELCOME}]},
    ).raise_for_status()  # fmt: skip
    choices = admin_client.get(reach_url(sim_number)).context["page_form"].fields["confirmation_template"].choices
    assert [label for _value, label in choices] == ["None", "opt_in_welcome (en_US)"]
    page = opt_in_page_get_or_create(number=sim_number)
    admin_client.post(
        reach_url(sim_number),
        {"consent_text": page.consent_text, "is_enabled": "on", "confirmation_template": welcome.pk},
    )

    Client().post(join_url(page), {"phone": "+49 151 23456789", "consent": "1"})

    message = Message.objects.for_tenant(world.tenant).get(direction="out")
    assert (message.type, message.text) == ("template", WELCOME)
    entry = OutboxEntry.objects.for_tenant(world.tenant).get(message=message)
    assert sender.deliver(tenant_id=world.tenant.pk, outbox_id=entry.pk).state == "sent"
    [sent] = simulator.state.sent_messages(phone_number_id=sim_number.phone_number_id, wa_id="4915123456789")
    assert sent.request["template"]["name"] == "opt_in_welcome"


def test_a_template_with_parameters_can_t_confirm_opt_ins(world, sim_number, admin_client):
    order_update = MessageTemplateFactory.create(number=sim_number, name="order_update")
    page = opt_in_page_get_or_create(number=sim_number)

    response = admin_client.post(
        reach_url(sim_number),
        {"consent_text": page.consent_text, "is_enabled": "on", "confirmation_template": order_update.pk},
    )

    assert response.status_code == 400
    assert OptInPage.objects.for_tenant(world.tenant).get(pk=page.pk).confirmation_template_id is None
