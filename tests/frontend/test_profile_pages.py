"""The business profile page: each field over its limit refused with its own message (nothing sent
to Meta), a saved profile at Meta and in the preview, the blue check, the photo."""

from __future__ import annotations

from datetime import date, time

import httpx
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from accounts.models import Role
from accounts.services import Actor
from inbox.automation.services import opening_hours_set
from inbox.hours import Interval
from tests.conftest import page_text
from tests.whatsapp.simulator_fixtures import simulator  # noqa: F401 (fixture)
from tests.whatsapp.test_profile import image_bytes
from whatsapp.models import WhatsAppNumber
from whatsapp.services.numbers import NumberDetails, number_connect

pytestmark = pytest.mark.django_db

PHONE_NUMBER_ID = "106540352242922"
VALID = {
    "about": "Fresh coffee, roasted daily",
    "description": "Specialty coffee from our Berlin roastery.",
    "address": "1 Bean Street, Berlin",
    "email": "hello@acme.example",
    "website_1": "https://acme.example",
    "website_2": "",
    "vertical": "RESTAURANT",
}


@pytest.fixture
def number(world, simulator) -> WhatsAppNumber:  # noqa: F811
    details = NumberDetails(
        display_phone_number="+1 555 010 0123",
        phone_number_id=PHONE_NUMBER_ID,
        waba_id="102290129340398",
        access_token="test-access-token",
        graph_api_base_url=simulator.url,
    )
    actor = Actor(tenant_id=world.tenant.pk, role=Role.OWNER, user=world.owner.user)
    return number_connect(tenant=world.tenant, actor=actor, details=details)


def profile_url(number: WhatsAppNumber) -> str:
    return f"/t/{number.tenant.slug}/settings/numbers/{number.pk}/profile/"


@pytest.mark.parametrize(
    "case",
    [
        ("about", "a" * 140, "At most 139 characters (this is 140)."),
        ("description", "d" * 513, "At most 512 characters (this is 513)."),
        ("address", "a" * 257, "At most 256 characters (this is 257)."),
        ("email", "x" * 120 + "@acme.example", "At most 128 characters (this is 133)."),
        ("email", "hello at acme", "“hello at acme” is not an email address."),
        ("website_1", "acme.example", "“acme.example” is not a web address: write it in full, starting with https://."),
        ("website_2", "https://acme.example/" + "p" * 240, "At most 256 characters (this is 261)."),
        ("vertical", "NOT_A_BIZ", "Select a valid choice. NOT_A_BIZ is not one of the available choices."),
    ],
)
def test_each_field_over_its_limit_is_refused_and_nothing_reaches_meta(world, simulator, number, case):  # noqa: F811
    field, value, message = case
    response = world.client_for(world.admin).post(profile_url(number), {**VALID, field: value})

    assert response.status_code == 400
    assert message in page_text(response)
    assert simulator.state.business_profiles.profile(PHONE_NUMBER_ID).about == ""


def test_a_saved_profile_is_at_meta_and_in_the_preview(world, simulator, number):  # noqa: F811
    client = world.client_for(world.admin)
    response = client.post(profile_url(number), VALID)

    assert response.status_code == 302
    at_meta = simulator.state.business_profiles.profile(PHONE_NUMBER_ID)
    assert (at_meta.about, at_meta.websites, at_meta.vertical) == (
        VALID["about"],
        ["https://acme.example"],
        "RESTAURANT",
    )
    text = page_text(client.get(profile_url(number)))
    assert "The profile is saved at WhatsApp." in text
    preview = text[text.index('class="phone"') :]
    for shown in (VALID["about"], VALID["description"], VALID["address"], VALID["email"], "Restaurant", "Acme Coffee"):
        assert shown in preview
    assert "Official business account" not in preview


def test_the_preview_shows_the_check_of_an_official_business_account_after_a_sync(world, simulator, number):  # noqa: F811
    httpx.post(
        f"{simulator.url}/_sim/numbers/{PHONE_NUMBER_ID}/details",
        json={"verified_name": "Acme Coffee Roasters", "oba_status": "APPROVED"},
    ).raise_for_status()
    client = world.client_for(world.admin)

    response = client.post(profile_url(number) + "sync/")

    assert response.status_code == 302
    preview = page_text(client.get(profile_url(number)))
    assert "Acme Coffee Roasters" in preview
    assert "Official business account" in preview


def test_a_sync_that_meta_refuses_says_why(world, simulator, number):  # noqa: F811
    simulator.config.accepted_tokens = {"another-token"}
    client = world.client_for(world.admin)

    response = client.post(profile_url(number) + "sync/", follow=True)

    assert "access token has expired or was revoked" in page_text(response)


def test_a_photo_is_uploaded_and_shown_in_the_preview(world, simulator, number):  # noqa: F811
    client = world.client_for(world.admin)
    photo = image_bytes(400, 400)

    response = client.post(
        profile_url(number) + "photo/", {"photo": SimpleUploadedFile("logo.png", photo, "image/png")}
    )

    assert response.status_code == 302
    assert simulator.state.business_profiles.profile(PHONE_NUMBER_ID).picture == photo
    assert f"/settings/numbers/{number.pk}/profile/photo/" in page_text(client.get(profile_url(number)))
    served = client.get(profile_url(number) + "photo/")
    assert (served["Content-Type"], served.content) == ("image/png", photo)


def test_a_file_that_is_not_a_photo_is_refused_with_a_reason(world, simulator, number):  # noqa: F811
    client = world.client_for(world.admin)
    response = client.post(
        profile_url(number) + "photo/", {"photo": SimpleUploadedFile("logo.png", b"<svg></svg>", "image/png")}
    )

    assert response.status_code == 400
    assert "The photo must be a JPEG or PNG image." in page_text(response)
    assert simulator.state.business_profiles.profile(PHONE_NUMBER_ID).picture == b""
    assert client.get(profile_url(number) + "photo/").status_code == 404


def test_the_preview_shows_the_number_s_opening_hours(world, number):
    actor = Actor(tenant_id=world.tenant.pk, role=Role.ADMIN, user=world.admin.user)
    round_the_clock = [Interval(day, time(0, 0), time(0, 0)) for day in range(5)]  # midnight to midnight
    opening_hours_set(
        actor=actor,
        channel=number.channel,
        timezone_name="Europe/Berlin",
        intervals=[*round_the_clock, Interval(5, time(10, 0), time(14, 0))],
        holidays=frozenset({date(2099, 12, 25)}),
        now=timezone.now(),
    )

    text = page_text(world.client_for(world.admin).get(profile_url(number)))

    preview = text[text.index('class="phone"') :]
    assert "Opening hours" in preview
    assert "Saturday: 10:00–14:00" in preview
    assert "Sunday: closed" in preview
    assert "Closed on 12/25/2099" in preview


def test_the_preview_says_whether_the_business_is_open_now(world, number):
    actor = Actor(tenant_id=world.tenant.pk, role=Role.ADMIN, user=world.admin.user)
    always = [Interval(day, time(0, 0), time(0, 0)) for day in range(7)]
    opening_hours_set(
        actor=actor, channel=None, timezone_name="UTC", intervals=always, holidays=frozenset(), now=timezone.now()
    )

    text = page_text(world.client_for(world.admin).get(profile_url(number)))

    assert "Open now" in text[text.index('class="phone"') :]


def test_without_opening_hours_the_preview_shows_none(world, number):
    text = page_text(world.client_for(world.admin).get(profile_url(number)))
    assert "Opening hours" not in text[text.index('class="phone"') :]
