"""/api/v1/numbers/…: numbers with their click-to-chat link and QR code, and the business profile
read and changed through the simulator over HTTP."""

from __future__ import annotations

import io

import httpx
import pytest
import zxingcpp
from PIL import Image
from rest_framework.test import APIClient

from accounts.models import ApiKeyScope
from tests.accounts.factories import api_key_for
from tests.whatsapp.conftest import connect_number

pytestmark = pytest.mark.django_db

PHONE_NUMBER_ID = "106540352242922"


@pytest.fixture
def number(world, simulator):
    return connect_number(
        world, graph_api_base_url=simulator.url, phone_number_id=PHONE_NUMBER_ID, display_phone_number="+1 555 010 0123"
    )


def test_numbers_list_their_click_to_chat_link_and_a_qr_code_that_reads_back_as_it(world, number):
    client = world.api_client()
    [listed] = client.get("/api/v1/numbers/").json()["results"]

    assert listed["click_to_chat_url"] == "https://wa.me/15550100123"
    qr = client.get(listed["qr_code_url"], {"text": "Hello!", "size": "300"})
    assert qr["Content-Type"] == "image/png"
    found = zxingcpp.read_barcodes(Image.open(io.BytesIO(qr.content)))
    assert [result.text for result in found] == ["https://wa.me/15550100123?text=Hello%21"]


def test_a_bad_qr_size_is_a_json_error(world, number):
    response = world.api_client().get(f"/api/v1/numbers/{number.pk}/qr/", {"size": "9999"})
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "invalid_size"


def test_the_profile_is_changed_field_by_field_at_meta(world, simulator, number):
    client = world.api_client()
    client.post(f"/api/v1/numbers/{number.pk}/profile/", {"about": "Roasting since 1999"}, format="json")

    response = client.post(
        f"/api/v1/numbers/{number.pk}/profile/",
        {"websites": ["https://acme.example"], "vertical": "RESTAURANT"},
        format="json",
    )

    assert response.status_code == 200
    body = response.json()
    assert (body["about"], body["websites"], body["vertical"]) == (
        "Roasting since 1999",
        ["https://acme.example"],
        "RESTAURANT",
    )
    at_meta = simulator.state.business_profiles.profile(PHONE_NUMBER_ID)
    assert (at_meta.about, at_meta.vertical) == ("Roasting since 1999", "RESTAURANT")


def test_fields_over_their_limits_answer_each_problem_and_change_nothing(world, simulator, number):
    response = world.api_client().post(
        f"/api/v1/numbers/{number.pk}/profile/",
        {"about": "a" * 140, "email": "nope", "websites": ["https://a.example"] * 3, "vertical": "NOT_A_BIZ"},
        format="json",
    )

    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "profile_invalid"
    assert error["details"] == {
        "about": "At most 139 characters (this is 140).",
        "email": "“nope” is not an email address.",
        "websites": "At most 2 websites.",
        "vertical": "Choose one of WhatsApp's categories.",
    }
    assert simulator.state.business_profiles.profile(PHONE_NUMBER_ID).about == ""


def test_a_read_only_key_may_read_the_profile_but_not_change_it(world, simulator, number):
    _key, secret = api_key_for(world.tenant, scope=ApiKeyScope.READ)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {secret}")

    assert client.get(f"/api/v1/numbers/{number.pk}/profile/").status_code == 200
    response = client.post(f"/api/v1/numbers/{number.pk}/profile/", {"about": "Hi"}, format="json")
    assert response.status_code == 403
    assert simulator.state.business_profiles.profile(PHONE_NUMBER_ID).about == ""


def test_sync_reads_the_official_business_account_status(world, simulator, number):
    httpx.post(
        f"{simulator.url}/_sim/numbers/{PHONE_NUMBER_ID}/details", json={"oba_status": "APPROVED"}
    ).raise_for_status()

    body = world.api_client().post(f"/api/v1/numbers/{number.pk}/profile/sync/").json()

    assert body["is_official_business_account"] is True
    assert body["verified_name"] == "Test Number"
