"""/api/v1/templates/: drafts linted on the way in, submitted to Meta (the simulator, over HTTP),
listed, read with history, changed, copied, deleted, synced; bad input changes nothing."""

from __future__ import annotations

import copy
from typing import Any

import httpx
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from accounts.tenancy import tenant_scope
from templates_mgmt.models import MessageTemplate
from tests.inbox.factories import ConversationFactory
from tests.whatsapp import payloads
from tests.whatsapp.conftest import connect_number
from tests.whatsapp.test_template_lifecycle import ORDER_UPDATE

pytestmark = pytest.mark.django_db


@pytest.fixture
def api(world):
    return world.api_client()


@pytest.fixture
def sim_number(world, simulator):
    return connect_number(world, graph_api_base_url=simulator.url, phone_number_id=payloads.PHONE_NUMBER_ID)


def stored(world) -> list[MessageTemplate]:
    with tenant_scope(world.tenant):
        return list(MessageTemplate.objects.order_by("pk"))


def test_a_draft_is_created_with_its_findings_and_submitted(world, api, simulator, sim_number):
    created = api.post("/api/v1/templates/", ORDER_UPDATE, format="json")
    assert created.status_code == 201, created.json()
    body = created.json()
    assert (body["status"], body["name"], body["waba_id"]) == ("DRAFT", "order_update", sim_number.waba_id)
    assert body["findings"] == []
    submitted = api.post(f"/api/v1/templates/{body['id']}/submit/")
    assert submitted.status_code == 200, submitted.json()
    assert submitted.json()["status"] == "PENDING"
    assert submitted.json()["history"][0]["new"] == "PENDING"
    assert [t["name"] for t in httpx.get(f"{simulator.url}/_sim/templates").json()["data"]] == ["order_update"]


def test_lint_errors_answer_400_with_every_finding_and_store_nothing(world, api, sim_number):
    bad = copy.deepcopy(ORDER_UPDATE)
    bad["name"] = "Order Update!"
    bad["components"][0]["text"] = "{{first_name}} {{order_number}}"
    response = api.post("/api/v1/templates/", bad, format="json")
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "template_invalid"
    codes = {finding["code"] for finding in error["details"]}
    assert {"name_invalid", "body_starts_with_placeholder", "body_ends_with_placeholder"} <= codes
    assert all({"code", "severity", "component", "message"} <= set(f) for f in error["details"])
    assert stored(world) == []


@pytest.mark.parametrize(
    ("body", "code"),
    [
        ([1, 2], "validation_error"),
        ({**ORDER_UPDATE, "components": "body"}, "template_invalid"),
        ({**ORDER_UPDATE, "name": None}, "template_invalid"),
        ({**ORDER_UPDATE, "parameter_format": "ROMAN"}, "template_invalid"),
        ({**ORDER_UPDATE, "waba_id": "123"}, "validation_error"),
    ],
)
def test_malformed_bodies_are_refused_clearly(world, api, sim_number, body, code):
    response = api.post("/api/v1/templates/", body, format="json")
    assert response.status_code == 400
    assert response.json()["error"]["code"] == code
    assert stored(world) == []


def test_a_name_and_language_exist_once(world, api, sim_number):
    assert api.post("/api/v1/templates/", ORDER_UPDATE, format="json").status_code == 201
    again = api.post("/api/v1/templates/", ORDER_UPDATE, format="json")
    assert (again.status_code, again.json()["error"]["code"]) == (409, "template_exists")


def test_without_a_number_there_is_no_business_account(world, api):
    response = api.post("/api/v1/templates/", ORDER_UPDATE, format="json")
    assert (response.status_code, response.json()["error"]["code"]) == (409, "no_number")


def test_list_filters_and_detail(world, api, sim_number):
    api.post("/api/v1/templates/", ORDER_UPDATE, format="json")
    api.post("/api/v1/templates/", {**ORDER_UPDATE, "language": "de"}, format="json")
    listed = api.get("/api/v1/templates/?language=de").json()["results"]
    assert [(t["name"], t["language"]) for t in listed] == [("order_update", "de")]
    assert api.get("/api/v1/templates/?status=APPROVED").json()["results"] == []
    assert api.get("/api/v1/templates/?status=NOPE").status_code == 400
    detail = api.get(f"/api/v1/templates/{listed[0]['id']}/").json()
    assert detail["history"] == []
    assert detail["findings"] == []
    assert api.get("/api/v1/templates/999999/").status_code == 404


def test_a_draft_is_changed_copied_and_deleted(world, api, sim_number):
    template_id = api.post("/api/v1/templates/", ORDER_UPDATE, format="json").json()["id"]
    changed = api.patch(f"/api/v1/templates/{template_id}/", {"category": "MARKETING"}, format="json")
    assert changed.status_code == 200
    assert changed.json()["category"] == "MARKETING"
    broken = api.patch(f"/api/v1/templates/{template_id}/", {"name": "Bad Name"}, format="json")
    assert broken.status_code == 400
    assert api.get(f"/api/v1/templates/{template_id}/").json()["name"] == "order_update"
    copied = api.post(f"/api/v1/templates/{template_id}/duplicate/", {"language": "fr"}, format="json")
    assert copied.status_code == 201
    assert copied.json()["language"] == "fr"
    assert api.post(f"/api/v1/templates/{template_id}/duplicate/", {}, format="json").status_code == 400
    assert api.delete(f"/api/v1/templates/{template_id}/").status_code == 204
    assert [t.language for t in stored(world)] == ["fr"]


def test_sync_imports_what_meta_has(world, api, simulator, sim_number):
    httpx.post(f"{simulator.url}/_sim/templates", json={**ORDER_UPDATE, "waba_id": sim_number.waba_id})
    response = api.post("/api/v1/templates/sync/", {}, format="json")
    assert response.status_code == 200
    assert response.json()["wabas"][sim_number.waba_id] == {"seen": 1, "imported": 1, "gone": 0}
    assert [t.status for t in stored(world)] == ["APPROVED"]


def test_meta_unreachable_on_sync_is_a_502(world, api, simulator, sim_number):
    httpx.post(f"{simulator.url}/_sim/faults", json={"scope": "graph", "error_rate": 1, "http_status": 503})
    response = api.post("/api/v1/templates/sync/", {}, format="json")
    assert (response.status_code, response.json()["error"]["code"]) == (502, "meta_refused")


def test_the_library_is_listed_and_added_in_chosen_languages(world, api, simulator, sim_number):
    entries = api.get("/api/v1/templates/library/").json()["results"]
    assert {e["key"] for e in entries} >= {"order_confirmation", "continue_conversation"}
    added = api.post("/api/v1/templates/library/", {"key": "delivery_update", "languages": ["en", "de"]}, format="json")
    assert added.status_code == 201, added.json()
    assert {(t["language"], t["status"]) for t in added.json()} == {("en", "PENDING"), ("de", "PENDING")}
    unknown = api.post("/api/v1/templates/library/", {"key": "nope", "languages": ["en"]}, format="json")
    assert unknown.status_code == 404


def test_the_picker_offers_approved_templates_in_the_contact_s_language_first_prefilled(world, api, sim_number):
    def approved(language: str, status: str = "APPROVED", name: str = "order_update") -> None:
        MessageTemplate.objects.unscoped().create(
            tenant=world.tenant, waba_id=sim_number.waba_id, name=name, language=language, category="UTILITY",
            status=status, parameter_format="NAMED", components=ORDER_UPDATE["components"],
        )  # fmt: skip

    approved("en_US")
    approved("de")
    approved("fr", status="PENDING")
    conversation = ConversationFactory.create(
        channel=sim_number.channel, contact__wa_id="4915112345678", contact__phone="+4915112345678",
        contact__name="Jürgen Klein",
    )  # fmt: skip
    picked = api.get(f"/api/v1/conversations/{conversation.pk}/templates/").json()["results"]
    assert [(t["name"], t["language"]) for t in picked] == [("order_update", "de"), ("order_update", "en_US")]
    assert picked[0]["parameters"] == [{"key": "first_name", "value": "Jürgen"}, {"key": "order_number", "value": ""}]
    assert picked[0]["preview"]["body"].startswith("Hello Jürgen, your order {{order_number}} has shipped")
    assert api.get("/api/v1/conversations/999999/templates/").status_code == 404


def upload(name: str, data: bytes, content_type: str) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data, content_type=content_type)


PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
PDF = b"%PDF-1.7\n" + b"0" * 64


def with_image_header(handle: str) -> dict:
    body: dict[str, Any] = copy.deepcopy(ORDER_UPDATE)
    body["components"] = [c for c in body["components"] if c["type"] != "HEADER"]
    body["components"].insert(0, {"type": "HEADER", "format": "IMAGE", "example": {"header_handle": [handle]}})
    return body


def test_an_example_file_is_uploaded_to_meta_and_its_handle_makes_a_valid_template(world, api, simulator, sim_number):
    uploaded = api.post(
        "/api/v1/templates/example-files/",
        {"file": upload("shop.png", PNG, "application/octet-stream"), "header_format": "image"},
        format="multipart",
    )
    assert uploaded.status_code == 201, uploaded.json()
    handle = uploaded.json()["handle"]
    stored_file = simulator.state.uploaded_file(handle)
    # Recognised by its content, not by the type the client claimed.
    assert (stored_file.mime_type, stored_file.size, stored_file.file_name) == ("image/png", len(PNG), "shop.png")
    created = api.post("/api/v1/templates/", with_image_header(handle), format="json")
    assert created.status_code == 201, created.json()
    submitted = api.post(f"/api/v1/templates/{created.json()['id']}/submit/")
    assert submitted.json()["status"] == "PENDING", submitted.json()


@pytest.mark.parametrize(
    ("form", "field_or_code"),
    [
        ({"header_format": "IMAGE"}, "file"),
        ({"header_format": "IMAGE", "file": upload("cv.pdf", PDF, "image/png")}, "header_example_invalid"),
        ({"header_format": "VIDEO", "file": upload("shop.png", PNG, "video/mp4")}, "header_example_invalid"),
        ({"header_format": "TEXT", "file": upload("shop.png", PNG, "image/png")}, "header_example_invalid"),
        ({"header_format": "DOCUMENT", "file": upload("empty.pdf", b"", "application/pdf")}, "header_example_invalid"),
    ],
)
def test_an_example_file_meta_would_refuse_is_not_uploaded(api, simulator, sim_number, form, field_or_code):
    response = api.post("/api/v1/templates/example-files/", form, format="multipart")
    assert response.status_code == 400
    error = response.json()["error"]
    assert field_or_code in (error["code"], *error.get("details", {}))
    assert simulator.state.uploaded_files() == []


def test_without_the_meta_app_id_uploads_are_refused_clearly(world, api, simulator, sim_number, settings):
    settings.WHATSAPP_APP_ID = ""
    response = api.post(
        "/api/v1/templates/example-files/",
        {"file": upload("shop.png", PNG, "image/png"), "header_format": "IMAGE"},
        format="multipart",
    )
    assert (response.status_code, response.json()["error"]["code"]) == (409, "app_id_missing")
    assert simulator.state.uploaded_files() == []
