"""The business profile: Meta's limits (a table), the sync with Meta through the simulator over
HTTP, the photo checked by content and set through the Resumable Upload API, and the simulator
refusing what Meta refuses."""

from __future__ import annotations

import io

import httpx
import pytest
from PIL import Image

from accounts.errors import ServiceError
from accounts.models import AuditLog, Role
from accounts.services import Actor
from tests.whatsapp.conftest import connect_number
from whatsapp.client import GraphAPIError
from whatsapp.models import BusinessProfile
from whatsapp.profile_rules import ProfileFields, profile_problems
from whatsapp.services.profile import (
    business_profile_of,
    business_profile_photo,
    business_profile_photo_set,
    business_profile_sync,
    business_profile_update,
)

PHONE_NUMBER_ID = "106540352242922"


def image_bytes(width: int, height: int, kind: str = "PNG") -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (width, height), (11, 122, 83)).save(out, format=kind)
    return out.getvalue()


# Limits ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        (ProfileFields(about="a" * 139), None),
        (ProfileFields(about="a" * 140), "about"),
        (ProfileFields(address="a" * 256), None),
        (ProfileFields(address="a" * 257), "address"),
        (ProfileFields(description="d" * 512), None),
        (ProfileFields(description="d" * 513), "description"),
        (ProfileFields(email="s" * 64 + "@" + "e" * 59 + ".com"), None),  # 128 characters
        (ProfileFields(email="s" * 64 + "@" + "e" * 60 + ".com"), "email"),
        (ProfileFields(email="not an address"), "email"),
        (ProfileFields(websites=("https://acme.example", "http://acme.example/shop")), None),
        (ProfileFields(websites=("https://a.example", "https://b.example", "https://c.example")), "websites"),
        (ProfileFields(websites=("acme.example",)), "websites"),
        (ProfileFields(websites=("https://acme.example/" + "p" * 235,)), None),  # 256 characters
        (ProfileFields(websites=("https://acme.example/" + "p" * 236,)), "websites"),
        (ProfileFields(vertical="RESTAURANT"), None),
        (ProfileFields(vertical="UNDEFINED"), "vertical"),
        (ProfileFields(vertical="NOT_A_BIZ"), "vertical"),
        (ProfileFields(vertical="CASINO"), "vertical"),
    ],
)
def test_each_field_is_held_to_its_limit(fields, field):
    problems = profile_problems(fields)
    assert list(problems) == ([field] if field else [])


def test_an_over_long_field_says_the_limit_and_the_length():
    assert profile_problems(ProfileFields(about="a" * 150)) == {"about": "At most 139 characters (this is 150)."}


# Sync through the simulator -------------------------------------------------------------------------


@pytest.fixture
def sim_number(world, simulator):
    return connect_number(world, graph_api_base_url=simulator.url, phone_number_id=PHONE_NUMBER_ID)


def admin(world) -> Actor:
    return Actor(tenant_id=world.tenant.pk, role=Role.ADMIN, user=world.admin.user)


FIELDS = ProfileFields(
    about="Fresh coffee, roasted daily",
    address="1 Bean Street, Berlin",
    description="We roast and ship specialty coffee across Europe.",
    email="hello@acme.example",
    websites=("https://acme.example", "https://shop.acme.example"),
    vertical="RESTAURANT",
)


def test_a_profile_saved_is_at_meta_and_read_back(world, simulator, sim_number):
    profile = business_profile_update(number=sim_number, actor=admin(world), fields=FIELDS)

    at_meta = simulator.state.business_profiles.profile(PHONE_NUMBER_ID)
    assert (at_meta.about, at_meta.address, at_meta.email, at_meta.vertical) == (
        FIELDS.about,
        FIELDS.address,
        FIELDS.email,
        "RESTAURANT",
    )
    assert at_meta.websites == list(FIELDS.websites)
    stored = BusinessProfile.objects.for_tenant(world.tenant).get(number=sim_number)
    assert stored.pk == profile.pk
    assert (stored.description, stored.websites) == (FIELDS.description, list(FIELDS.websites))
    assert AuditLog.objects.for_tenant(world.tenant).filter(action="whatsapp_profile.changed").count() == 1


def test_sync_reads_the_profile_and_the_official_business_account_status(world, simulator, sim_number):
    with sim_number.graph_client() as client:
        client.update_business_profile(PHONE_NUMBER_ID, {"about": "Set in WhatsApp Manager", "vertical": "RETAIL"})
    httpx.post(
        f"{simulator.url}/_sim/numbers/{PHONE_NUMBER_ID}/details",
        json={"verified_name": "Acme Coffee", "oba_status": "APPROVED"},
    ).raise_for_status()

    profile = business_profile_sync(number=sim_number, actor=admin(world))

    assert (profile.about, profile.vertical, profile.verified_name) == (
        "Set in WhatsApp Manager",
        "RETAIL",
        "Acme Coffee",
    )
    assert profile.is_official_business_account
    assert profile.synced_at is not None


def test_the_number_s_messaging_limit_tier_is_read_from_graph(simulator, sim_number):
    with sim_number.graph_client() as client:
        assert client.get_phone_number(PHONE_NUMBER_ID).messaging_limit_tier == "TIER_250"  # a new portfolio's
    httpx.post(
        f"{simulator.url}/_sim/numbers/{PHONE_NUMBER_ID}/details", json={"messaging_limit": "TIER_10K"}
    ).raise_for_status()
    with sim_number.graph_client() as client:
        assert client.get_phone_number(PHONE_NUMBER_ID).messaging_limit_tier == "TIER_10K"


def test_a_number_without_the_blue_check_is_not_shown_as_official(world, simulator, sim_number):
    profile = business_profile_sync(number=sim_number, actor=admin(world))
    assert profile.oba_status == "NOT_STARTED"
    assert not profile.is_official_business_account


def test_fields_over_their_limits_change_nothing_here_or_at_meta(world, simulator, sim_number):
    business_profile_update(number=sim_number, actor=admin(world), fields=FIELDS)
    bad = ProfileFields(about="a" * 140, description="d" * 513, websites=("ftp://acme.example",))

    with pytest.raises(ServiceError) as raised:
        business_profile_update(number=sim_number, actor=admin(world), fields=bad)

    assert raised.value.code == "profile_invalid"
    assert set(raised.value.details) == {"about", "description", "websites"}
    assert simulator.state.business_profiles.profile(PHONE_NUMBER_ID).about == FIELDS.about
    assert business_profile_of(sim_number).about == FIELDS.about


def test_agents_may_not_change_the_profile(world, simulator, sim_number):
    agent = Actor(tenant_id=world.tenant.pk, role=Role.AGENT, user=world.agent.user)
    with pytest.raises(ServiceError) as raised:
        business_profile_update(number=sim_number, actor=agent, fields=FIELDS)
    assert raised.value.code == "permission_denied"
    assert simulator.state.business_profiles.profile(PHONE_NUMBER_ID).about == ""


def test_a_refusal_by_meta_is_shown_with_meta_s_reason(world, simulator, sim_number):
    with sim_number.graph_client() as client, pytest.raises(GraphAPIError) as raised:
        client.update_business_profile(PHONE_NUMBER_ID, {"about": "   "})
    assert raised.value.code == 100
    assert raised.value.details == "Param about must be at least 1 character long."


# The photo -------------------------------------------------------------------------------------------


def test_a_photo_is_uploaded_set_and_served_at_its_url(world, simulator, sim_number):
    photo = image_bytes(640, 640)

    profile = business_profile_photo_set(number=sim_number, actor=admin(world), data=photo)

    assert simulator.state.business_profiles.profile(PHONE_NUMBER_ID).picture == photo
    assert profile.profile_picture_url.startswith(f"{simulator.url}/_sim/profile_pictures/{PHONE_NUMBER_ID}")
    assert httpx.get(profile.profile_picture_url).content == photo
    stored = BusinessProfile.objects.for_tenant(world.tenant).get(number=sim_number)
    assert (bytes(stored.photo), stored.photo_mime_type) == (photo, "image/png")


def test_changing_the_fields_keeps_the_photo(world, simulator, sim_number):
    photo = image_bytes(300, 300, "JPEG")
    business_profile_photo_set(number=sim_number, actor=admin(world), data=photo)

    business_profile_update(number=sim_number, actor=admin(world), fields=FIELDS)

    assert business_profile_photo(sim_number) == (photo, "image/jpeg")
    assert business_profile_of(sim_number).about == FIELDS.about


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"GIF89a" + b"\0" * 100, "The photo must be a JPEG or PNG image."),
        (b"%PDF-1.7 not a photo", "The photo must be a JPEG or PNG image."),
        (image_bytes(640, 640)[:200], "The photo could not be read: the image file is damaged."),
        (image_bytes(100, 300), "The photo is 100×300 pixels; it needs at least 192 pixels on each side."),
        (image_bytes(640, 640, "JPEG") + b"\0" * (5 * 1024 * 1024), "The photo is 5.0 MB; it can be at most 5 MB."),
    ],
)
def test_a_photo_is_checked_by_its_content_before_anything_is_uploaded(world, simulator, sim_number, data, message):
    with pytest.raises(ServiceError) as raised:
        business_profile_photo_set(number=sim_number, actor=admin(world), data=data)

    assert (raised.value.code, raised.value.message) == ("photo_invalid", message)
    assert simulator.state.business_profiles.profile(PHONE_NUMBER_ID).picture == b""
    assert not BusinessProfile.objects.for_tenant(world.tenant).exists()


# The simulator answers as Meta does ---------------------------------------------------------------


def graph_post(simulator, body: dict) -> httpx.Response:
    return httpx.post(
        f"{simulator.url}/v25.0/{PHONE_NUMBER_ID}/whatsapp_business_profile",
        json=body,
        headers={"Authorization": "Bearer test-token"},
    )


@pytest.mark.parametrize(
    ("body", "details"),
    [
        ({"about": "a" * 140}, "Param about must be at most 139 characters long."),
        ({"description": "d" * 513}, "Param description must be at most 512 characters long."),
        ({"email": "nope"}, "Param email must be a valid email address."),
        ({"websites": ["https://a.example"] * 3}, "Param websites must have at most 2 elements."),
        ({"websites": ["acme.example"]}, "Param websites[] must be a URL including the http:// or https:// scheme."),
        ({"profile_picture_handle": "4::bogus"}, "Param profile_picture_handle is not a valid upload handle."),
        ({"colour": "green"}, 'Unexpected key "colour" on param.'),
    ],
)
def test_the_simulator_refuses_what_meta_refuses(simulator, body, details):
    response = graph_post(simulator, {"messaging_product": "whatsapp", **body})

    assert response.status_code == 400
    error = response.json()["error"]
    assert (error["code"], error["message"], error["error_data"]["details"]) == (
        100,
        "(#100) Invalid parameter",
        details,
    )
    assert simulator.state.business_profiles.profile(PHONE_NUMBER_ID).about == ""


def test_the_simulator_names_the_verticals_meta_accepts(simulator):
    response = graph_post(simulator, {"messaging_product": "whatsapp", "vertical": "NOT_A_BIZ"})
    details = response.json()["error"]["error_data"]["details"]
    assert details.startswith("Param vertical must be one of {OTHER, AUTO, BEAUTY")
    assert details.endswith('- got "NOT_A_BIZ".')


def test_the_simulator_answers_a_number_s_fields_and_refuses_unknown_ones(simulator):
    headers = {"Authorization": "Bearer test-token"}
    answer = httpx.get(
        f"{simulator.url}/v25.0/{PHONE_NUMBER_ID}",
        params={"fields": "verified_name,official_business_account"},
        headers=headers,
    ).json()
    assert answer == {
        "verified_name": "Test Number",
        "official_business_account": {"oba_status": "NOT_STARTED"},
        "id": PHONE_NUMBER_ID,
    }
    refused = httpx.get(f"{simulator.url}/v25.0/{PHONE_NUMBER_ID}", params={"fields": "colour"}, headers=headers)
    assert refused.json()["error"]["message"] == (
        "(#100) Tried accessing nonexisting field (colour) on node type (WhatsAppBusinessPhoneNumber)"
    )


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({"oba_status": "MAYBE"}, "'oba_status' must be one of APPROVED, CANCELLED, NOT_STARTED, PENDING, REJECTED"),
        ({"verified_name": ""}, "'verified_name' must be a non-empty string"),
        ({"colour": "green"}, "unknown number details: colour"),
        (
            {"messaging_limit": "TIER_1M"},
            "'messaging_limit' must be one of TIER_100K, TIER_10K, TIER_250, TIER_2K, TIER_UNLIMITED",
        ),
    ],
)
def test_the_simulator_s_number_details_control_refuses_what_it_cannot_set(simulator, body, message):
    response = httpx.post(f"{simulator.url}/_sim/numbers/{PHONE_NUMBER_ID}/details", json=body)

    assert (response.status_code, response.json()["error"]["message"]) == (400, message)
    assert simulator.state.business_profiles.number(PHONE_NUMBER_ID).oba_status == "NOT_STARTED"
