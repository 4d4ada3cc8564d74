"""The onboarding wizard: new owners land in it, each step is ticked from real data (company
details, a number whose connection is tested against the simulator and whose first signed webhook
arrived, a template added in one click...), it resumes where it was left, and the inbox's checklist
shows what is left until all is done or it is hidden."""

from __future__ import annotations

import httpx
import pytest
from django.test import Client

from accounts.models import Role, Tenant
from accounts.services import Actor
from templates_mgmt.models import MessageTemplate
from tests.conftest import page_text
from tests.whatsapp import payloads
from tests.whatsapp.conftest import post_webhook
from tests.whatsapp.simulator_fixtures import simulator  # noqa: F401 (fixture)
from whatsapp.models import WhatsAppNumber
from whatsapp.services import ingest
from whatsapp.services.numbers import NumberDetails, number_connect

pytestmark = pytest.mark.django_db

SETUP = "/t/acme/setup/"
NUMBER_FORM = {
    "display_phone_number": "+1 555 078 3881",
    "phone_number_id": payloads.PHONE_NUMBER_ID,
    "waba_id": payloads.WABA_ID,
    "access_token": "test-access-token",
    "graph_api_version": "v25.0",
    "throughput_mps": "80",
}


@pytest.fixture
def number(world, simulator) -> WhatsAppNumber:  # noqa: F811
    details = NumberDetails(
        display_phone_number=payloads.DISPLAY_PHONE_NUMBER,
        phone_number_id=payloads.PHONE_NUMBER_ID,
        waba_id=payloads.WABA_ID,
        access_token="test-access-token",
        graph_api_base_url=simulator.url,
    )
    actor = Actor(tenant_id=world.tenant.pk, role=Role.OWNER, user=world.owner.user)
    return number_connect(tenant=world.tenant, actor=actor, details=details)


def first_webhook_arrives() -> None:
    assert post_webhook(payloads.raw("text")).status_code == 200
    ingest.drain()


def test_a_new_owner_lands_in_the_wizard_at_the_company_step(db):
    client = Client()
    form = {"company_name": "Fay's Bikes", "name": "Fay", "email": "fay@example.com", "password": "pedals-and-gears-42"}
    response = client.post("/accounts/signup/", form, follow=True)

    assert response.redirect_chain[-1][0] == "/t/fays-bikes/setup/"
    text = page_text(response)
    assert "Set up your workspace" in text
    assert 'aria-current="step"' in text
    assert "Legal name" in text
    assert "VAT number" in text
    # Until the number receives webhooks, signing in again leads back here.
    assert client.get("/").headers["Location"] == "/t/fays-bikes/setup/"


def test_company_details_tick_the_first_step_and_the_wizard_moves_on(world):
    client = world.client_for(world.owner)
    form = {
        "legal_name": "Acme Coffee GmbH",
        "country": "DE",
        "vat_id": "DE123456789",
        "address": "",
        "data_region": "eu",
    }

    response = client.post(SETUP + "company/", form)

    assert response.headers["Location"] == SETUP + "number/"
    tenant = Tenant.objects.get(pk=world.tenant.pk)
    assert (tenant.legal_name, tenant.country, tenant.vat_id) == ("Acme Coffee GmbH", "DE", "DE123456789")
    assert "Connect number" in page_text(client.get(SETUP))  # resumes at the number


def test_a_bad_vat_number_keeps_the_company_step_open(world):
    form = {"legal_name": "Acme Coffee GmbH", "country": "DE", "vat_id": "DE12", "address": "", "data_region": "eu"}

    response = world.client_for(world.owner).post(SETUP + "company/", form)

    assert response.status_code == 400
    assert "This is not the form of a VAT number of that country" in page_text(response)
    assert Tenant.objects.get(pk=world.tenant.pk).legal_name == ""


def test_connecting_a_number_in_the_wizard_shows_the_webhook_settings_and_waits(world, simulator):  # noqa: F811
    client = world.client_for(world.owner)

    response = client.post(SETUP + "number/", {**NUMBER_FORM, "graph_api_base_url": simulator.url})

    assert response.headers["Location"] == SETUP + "number/"
    number = WhatsAppNumber.objects.for_tenant(world.tenant).get()
    text = page_text(client.get(SETUP + "number/"))
    assert "http://testserver/webhooks/whatsapp/" in text
    assert number.verify_token in text
    assert "Waiting for the first webhook…" in text
    assert f'hx-get="/t/acme/setup/numbers/{number.pk}/webhook/?in=wizard"' in text


def test_test_connection_shows_what_meta_says_of_the_number(world, simulator, number):  # noqa: F811
    httpx.post(
        f"{simulator.url}/_sim/numbers/{payloads.PHONE_NUMBER_ID}/details",
        json={"verified_name": "Acme Coffee Roasters", "quality_rating": "YELLOW", "messaging_limit": "TIER_2K"},
    ).raise_for_status()

    response = world.client_for(world.admin).post(f"{SETUP}numbers/{number.pk}/test/")

    text = page_text(response)
    assert "the connection works" in text
    for shown in ("Acme Coffee Roasters", "YELLOW", "TIER_2K", "APPROVED"):
        assert shown in text


def test_test_connection_with_a_bad_token_shows_meta_s_error_and_code(world, simulator, number):  # noqa: F811
    simulator.config.accepted_tokens = {"another-token"}

    response = world.client_for(world.admin).post(f"{SETUP}numbers/{number.pk}/test/")

    text = page_text(response)
    assert "WhatsApp refused the request." in text
    assert "Invalid OAuth access token." in text
    assert "<code>190</code>" in text
    assert "Error validating access token" in text


def test_the_number_step_ticks_when_the_first_signed_webhook_arrived(world, number):
    client = world.client_for(world.owner)
    status_url = f"{SETUP}numbers/{number.pk}/webhook/"
    assert "Waiting for the first webhook…" in page_text(client.get(status_url))

    first_webhook_arrives()

    text = page_text(client.get(status_url))
    assert "Webhooks arrive." in text
    assert "hx-trigger" not in text  # polling stops
    assert client.get("/").headers["Location"] == "/t/acme/inbox/"

    # In the wizard, the answer also ticks the step list beside the notice and offers the next step.
    in_wizard = page_text(client.get(status_url + "?in=wizard"))
    assert '<nav id="wizard-steps" class="wizard-steps" hx-swap-oob="true"' in in_wizard
    assert 'href="/t/acme/setup/profile/"' in in_wizard
    assert "wizard-steps" not in text
    assert "Continue" not in text


def test_a_numbers_settings_page_tests_its_connection_and_waits_for_its_first_webhook(world, number):
    client = world.client_for(world.admin)
    text = page_text(client.get(f"/t/acme/settings/numbers/{number.pk}/"))
    assert f'hx-post="/t/acme/setup/numbers/{number.pk}/test/"' in text
    assert "Test connection" in text
    assert "Change the number's settings" not in text  # this is that page
    assert "Waiting for the first webhook…" in text
    assert f'hx-get="/t/acme/setup/numbers/{number.pk}/webhook/"' in text

    first_webhook_arrives()

    assert "Webhooks arrive." in page_text(client.get(f"/t/acme/settings/numbers/{number.pk}/"))


def test_a_template_from_the_library_in_one_click_ticks_its_step(world, simulator, number):  # noqa: F811
    client = world.client_for(world.admin)
    page = page_text(client.get(SETUP + "template/"))
    assert 'name="key" value="order_confirmation"' in page

    response = client.post(
        "/t/acme/templates/library/",
        {"key": "order_confirmation", "waba_id": number.waba_id, "languages": "en", "next": SETUP + "template/"},
    )

    assert response.headers["Location"] == SETUP + "template/"
    assert MessageTemplate.objects.for_tenant(world.tenant).filter(library_key="order_confirmation").exists()
    assert 'A first message template <span class="badge ok">done</span>' in page_text(client.get(SETUP + "template/"))


def test_the_library_never_sends_anyone_to_another_site(world, simulator, number):  # noqa: F811
    response = world.client_for(world.admin).post(
        "/t/acme/templates/library/",
        {"key": "order_confirmation", "waba_id": number.waba_id, "languages": "en", "next": "https://evil.example/"},
    )
    assert response.headers["Location"] == "/t/acme/templates/"


def test_the_website_step_is_ticked_by_the_admin_and_only_by_an_admin(world):
    assert world.client_for(world.agent).post(SETUP + "mark/website_button/").status_code == 403
    assert Tenant.objects.get(pk=world.tenant.pk).website_button_added_at is None

    world.client_for(world.admin).post(SETUP + "mark/website_button/")

    assert Tenant.objects.get(pk=world.tenant.pk).website_button_added_at is not None


def test_an_unknown_step_or_mark_is_refused(world):
    client = world.client_for(world.admin)
    assert client.get(SETUP + "billing/").status_code == 404
    response = client.post(SETUP + "mark/everything/", follow=True)
    assert "Unknown onboarding step." in page_text(response)
    tenant = Tenant.objects.get(pk=world.tenant.pk)
    assert (tenant.website_button_added_at, tenant.onboarding_dismissed_at) == (None, None)


def test_the_inbox_checklist_shows_what_is_left_until_it_is_hidden(world, number):
    client = world.client_for(world.admin)
    first_webhook_arrives()

    text = page_text(client.get("/t/acme/inbox/"))
    assert "<s>Connect a WhatsApp number</s>" in text  # done
    assert f'<a href="{SETUP}company/">Company details</a>' in text  # left, with its link
    assert "Set up your workspace" not in page_text(world.client_for(world.agent).get("/t/acme/inbox/"))

    client.post(SETUP + "mark/dismissed/")

    assert "Set up your workspace" not in page_text(client.get("/t/acme/inbox/"))


def test_the_checklist_disappears_when_every_step_is_done(world, simulator, number):  # noqa: F811
    tenant = world.tenant
    first_webhook_arrives()
    Tenant.objects.filter(pk=tenant.pk).update(legal_name="Acme Coffee GmbH", country="DE")
    client = world.client_for(world.admin)
    client.post(
        f"/t/acme/settings/numbers/{number.pk}/profile/",
        {"about": "Fresh coffee", "description": "", "address": "", "email": "", "website_1": "", "website_2": "",
         "vertical": "RESTAURANT"},
    )  # fmt: skip
    client.post(
        "/t/acme/templates/library/", {"key": "order_confirmation", "waba_id": number.waba_id, "languages": "en"}
    )
    # The team has colleagues already (world's admin and agent): the website button is left.
    assert "Set up your workspace" in page_text(client.get("/t/acme/inbox/"))

    response = client.post(SETUP + "mark/website_button/")

    assert response.headers["Location"] == "/t/acme/inbox/"  # nothing is left

    assert "Set up your workspace" not in page_text(client.get("/t/acme/inbox/"))


def test_the_team_step_ticks_with_an_invitation(db):
    client = Client()
    form = {"company_name": "Fay's Bikes", "name": "Fay", "email": "fay@example.com", "password": "pedals-and-gears-42"}
    client.post("/accounts/signup/", form)
    assert "<s>Invite your team</s>" not in page_text(client.get("/t/fays-bikes/setup/team/"))

    client.post("/t/fays-bikes/settings/team/", {"email": "mo@example.com", "role": "agent"})

    assert '<span class="wizard-mark" aria-hidden="true">✓</span> Invite your team' in page_text(
        client.get("/t/fays-bikes/setup/team/")
    )


def test_the_resumed_step_posts_to_its_own_address(world):
    text = page_text(world.client_for(world.owner).get(SETUP))
    assert f'<form method="post" action="{SETUP}company/" novalidate>' in text
