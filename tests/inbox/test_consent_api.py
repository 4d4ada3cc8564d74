"""The contacts API: create, read with consent, opt in and out, import a CSV file."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from rest_framework.test import APIClient

from accounts.models import AuditLog
from inbox.models import ConsentEvent, Contact
from tests.accounts.test_api import assert_envelope
from tests.inbox.factories import ConsentEventFactory, ContactFactory

T0 = datetime(2025, 3, 1, 12, 0, tzinfo=UTC)
PROOF = "Ticked “Updates on WhatsApp” at example.com/signup"


@pytest.fixture
def api(world):
    return world.api_client()


@pytest.fixture
def contact(world):
    return ContactFactory.create(tenant=world.tenant, name="Maria", wa_id="4915123456789", phone="+4915123456789")


def counts(tenant) -> dict[str, int]:
    return {
        "contacts": Contact.objects.for_tenant(tenant).count(),
        "consent_events": ConsentEvent.objects.for_tenant(tenant).count(),
        "audit": AuditLog.objects.for_tenant(tenant).count(),
    }


# Creating --------------------------------------------------------------------------------------


def test_create_a_contact(api, world):
    response = api.post("/api/v1/contacts/", {"phone": "+49 151 2345 6789", "name": "Maria"}, format="json")
    assert response.status_code == 201, response.content
    body = response.json()
    contact = Contact.objects.for_tenant(world.tenant).get()
    assert body["id"] == contact.pk
    assert (body["phone"], body["wa_id"], body["name"]) == ("+4915123456789", "4915123456789", "Maria")
    assert body["consent"]["opted_in"] is False
    entry = AuditLog.objects.for_tenant(world.tenant).get(action="contact.created")
    assert entry.actor_label.startswith("API key")


def test_create_a_contact_with_its_opt_in(api, world):
    consent = {"scope": "all", "source": "web_form", "proof": PROOF, "ip": "198.51.100.4"}
    response = api.post("/api/v1/contacts/", {"phone": "+4915123456789", "consent": consent}, format="json")
    assert response.status_code == 201, response.content
    assert response.json()["consent"]["opted_in"] is True
    event = ConsentEvent.objects.for_tenant(world.tenant).get()
    assert (event.source, event.proof, event.ip) == ("web_form", PROOF, "198.51.100.4")


@pytest.mark.parametrize("phone", ["0151 23456789", "+49 151", "hello", ""])
def test_a_bad_phone_is_invalid_phone_and_creates_nothing(api, world, phone):
    before = counts(world.tenant)
    response = api.post("/api/v1/contacts/", {"phone": phone, "name": "Maria"}, format="json")
    assert_envelope(response, 400, "invalid_phone")
    assert counts(world.tenant) == before


def test_an_existing_number_is_contact_exists(api, world, contact):
    before = counts(world.tenant)
    response = api.post("/api/v1/contacts/", {"phone": "0049 151 23456789"}, format="json")
    assert_envelope(response, 409, "contact_exists")
    assert counts(world.tenant) == before


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"name": "Maria"},
        {"phone": "+4915123456789", "consent": {"scope": "all", "source": "web_form"}},
        {"phone": "+4915123456789", "consent": {"scope": "all", "source": "web_form", "proof": ""}},
        {"phone": "+4915123456789", "consent": {"scope": "all", "source": "keyword", "proof": PROOF}},
        {"phone": "+4915123456789", "consent": {"scope": "sms", "source": "web_form", "proof": PROOF}},
        {"phone": "+4915123456789", "name": "x" * 257},
    ],
)
def test_bad_create_bodies_are_validation_errors_and_create_nothing(api, world, body):
    before = counts(world.tenant)
    assert_envelope(api.post("/api/v1/contacts/", body, format="json"), 400, "validation_error")
    assert counts(world.tenant) == before


# Reading ---------------------------------------------------------------------------------------


def test_a_contact_with_its_consent_and_history(api, world, contact):
    opt_in = ConsentEventFactory.create(contact=contact, occurred_at=T0, actor_label="admin@acme.test")
    opt_out = ConsentEventFactory.create(
        contact=contact,
        kind="opt_out",
        scope="marketing",
        source="keyword",
        proof="STOP",
        occurred_at=T0 + timedelta(1),
    )
    body = api.get(f"/api/v1/contacts/{contact.pk}/").json()
    assert body["consent"] == {
        "opted_in": True,
        "opted_out_all": False,
        "opted_out_marketing": True,
        "opted_in_at": "2025-03-01T12:00:00Z",
        "opted_out_at": "2025-03-02T12:00:00Z",
        "last_change_at": "2025-03-02T12:00:00Z",
    }
    assert [event["id"] for event in body["consent_history"]] == [opt_out.pk, opt_in.pk]
    assert body["consent_history"][1] == {
        "id": opt_in.pk,
        "contact": contact.pk,
        "kind": "opt_in",
        "scope": "all",
        "source": "web_form",
        "proof": opt_in.proof,
        "actor": "admin@acme.test",
        "ip": None,
        "occurred_at": "2025-03-01T12:00:00Z",
        "created_at": body["consent_history"][1]["created_at"],
    }


def test_the_contact_list_shows_consent_in_one_query_per_page(api, world, django_assert_num_queries):
    contacts = ContactFactory.create_batch(4, tenant=world.tenant)
    ConsentEventFactory.create(contact=contacts[0], kind="opt_out")
    api.get("/api/v1/contacts/")  # records the key's last use, once a minute
    with django_assert_num_queries(3):  # the key, the contacts, their consent
        body = api.get("/api/v1/contacts/").json()
    consent = {item["id"]: item["consent"]["opted_out_all"] for item in body["results"]}
    assert consent == {c.pk: c.pk == contacts[0].pk for c in contacts}


def test_another_tenants_contact_is_not_found(api, other_tenant):
    theirs = ContactFactory.create(tenant=other_tenant.tenant, name="Gina Globex")
    ConsentEventFactory.create(contact=theirs, proof="Globex form")
    before = counts(other_tenant.tenant)
    for response in (
        api.get(f"/api/v1/contacts/{theirs.pk}/"),
        api.post(f"/api/v1/contacts/{theirs.pk}/opt-in/", {"scope": "all", "source": "api", "proof": PROOF}),
        api.post(f"/api/v1/contacts/{theirs.pk}/opt-out/", {}, format="json"),
    ):
        assert_envelope(response, 404, "not_found")
        assert "Globex" not in response.content.decode()
    assert counts(other_tenant.tenant) == before


@pytest.mark.parametrize("suffix", ["", "opt-in/", "opt-out/"])
def test_unknown_contact_is_not_found(api, suffix):
    method = api.get if not suffix else api.post
    assert_envelope(method(f"/api/v1/contacts/99999999/{suffix}"), 404, "not_found")
    assert_envelope(method(f"/api/v1/contacts/99999999999999999999/{suffix}"), 404, "not_found")


# Opting in and out -----------------------------------------------------------------------------


def test_opt_in_records_the_event(api, world, contact):
    response = api.post(
        f"/api/v1/contacts/{contact.pk}/opt-in/",
        {"scope": "marketing", "source": "checkout", "proof": PROOF, "occurred_at": "2025-03-01T13:00:00+01:00"},
        format="json",
    )
    assert response.status_code == 201, response.content
    event = ConsentEvent.objects.for_tenant(world.tenant).get()
    body = response.json()
    assert body["id"] == event.pk
    assert (body["kind"], body["scope"], body["source"], body["proof"]) == ("opt_in", "marketing", "checkout", PROOF)
    assert body["occurred_at"] == "2025-03-01T12:00:00Z"
    assert body["actor"].startswith("API key")
    entry = AuditLog.objects.for_tenant(world.tenant).get(action="contact.opted_in")
    assert entry.target_id == str(contact.pk)


def test_opt_in_defaults_its_time_to_now(api, world, contact):
    before = timezone.now()
    api.post(f"/api/v1/contacts/{contact.pk}/opt-in/", {"scope": "all", "source": "api", "proof": PROOF}, format="json")
    assert ConsentEvent.objects.for_tenant(world.tenant).get().occurred_at >= before


@pytest.mark.parametrize(
    ("body", "says"),
    [
        ({"scope": "all", "source": "web_form"}, "proof: An opt-in needs proof"),
        ({"scope": "all", "source": "web_form", "proof": "   "}, "proof: An opt-in needs proof"),
        ({"source": "web_form", "proof": PROOF}, "scope"),
        ({"scope": "all", "proof": PROOF}, "source"),
        ({"scope": "all", "source": "keyword", "proof": PROOF}, "records `keyword` consent itself"),
        ({"scope": "all", "source": "whatsapp_preference", "proof": PROOF}, "records `whatsapp_preference`"),
        ({"scope": "all", "source": "fax", "proof": PROOF}, "source"),
        ({"scope": "all", "source": "api", "proof": PROOF, "occurred_at": "2025-03-01T12:00:00"}, "time zone"),
        ({"scope": "all", "source": "api", "proof": PROOF, "ip": "not an ip"}, "ip"),
        ({"scope": "all", "source": "api", "proof": "x" * 5001}, "proof"),
    ],
)
def test_bad_opt_ins_are_validation_errors_and_change_nothing(api, world, contact, body, says):
    before = counts(world.tenant)
    response = api.post(f"/api/v1/contacts/{contact.pk}/opt-in/", body, format="json")
    assert_envelope(response, 400, "validation_error")
    assert says in response.json()["error"]["message"]
    assert counts(world.tenant) == before


def test_an_opt_in_in_the_future_is_refused(api, world, contact):
    before = counts(world.tenant)
    future = (timezone.now() + timedelta(days=1)).isoformat()
    response = api.post(
        f"/api/v1/contacts/{contact.pk}/opt-in/",
        {"scope": "all", "source": "api", "proof": PROOF, "occurred_at": future},
        format="json",
    )
    assert_envelope(response, 400, "occurred_in_future")
    assert counts(world.tenant) == before


def test_opt_out_needs_only_an_empty_body(api, world, contact):
    ConsentEventFactory.create(contact=contact, occurred_at=T0)
    response = api.post(f"/api/v1/contacts/{contact.pk}/opt-out/", {}, format="json")
    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["kind"], body["scope"], body["source"], body["proof"]) == ("opt_out", "all", "api", "")
    state = api.get(f"/api/v1/contacts/{contact.pk}/").json()["consent"]
    assert (state["opted_in"], state["opted_out_all"]) == (False, True)
    assert AuditLog.objects.for_tenant(world.tenant).filter(action="contact.opted_out").count() == 1


def test_opt_out_of_marketing_only(api, contact):
    response = api.post(
        f"/api/v1/contacts/{contact.pk}/opt-out/",
        {"scope": "marketing", "source": "agent", "proof": "Asked on the phone"},
        format="json",
    )
    assert response.status_code == 201
    state = api.get(f"/api/v1/contacts/{contact.pk}/").json()["consent"]
    assert (state["opted_out_all"], state["opted_out_marketing"]) == (False, True)


@pytest.mark.parametrize("body", [{"scope": "everything"}, {"source": "keyword"}, {"proof": "x" * 5001}])
def test_bad_opt_outs_are_validation_errors(api, world, contact, body):
    before = counts(world.tenant)
    assert_envelope(api.post(f"/api/v1/contacts/{contact.pk}/opt-out/", body, format="json"), 400, "validation_error")
    assert counts(world.tenant) == before


# Import ----------------------------------------------------------------------------------------


def upload(content: bytes, name: str = "contacts.csv", content_type: str = "text/csv") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type=content_type)


def test_import_reports_what_it_did(api, world):
    content = (
        b"phone;name;consent;proof\n"
        b"+49 151 23456789;Maria;opt_in;Paper form\n"
        b"0151 0000;Bad;;\n"
        b"+33 6 12 34 56 78;Jean;;\n"
        b"+34 612 345 678;Lucia;opt_in;\n"
        b"+1 202 555 0143;Sam;opt_out;\n"
    )
    response = api.post("/api/v1/contacts/import/", {"file": upload(content)}, format="multipart")
    assert response.status_code == 200, response.content
    body = response.json()
    assert {key: body[key] for key in ("filename", "rows", "created", "updated", "consent_recorded")} == {
        "filename": "contacts.csv",
        "rows": 5,
        "created": 3,
        "updated": 0,
        "consent_recorded": 2,
    }
    assert [(row["line"], row["code"]) for row in body["rejected"]] == [(3, "invalid_phone"), (5, "proof_required")]
    assert all(row["reason"] for row in body["rejected"])
    assert body["ignored_columns"] == []
    assert Contact.objects.for_tenant(world.tenant).count() == 3


@pytest.mark.parametrize(
    "content",
    [b"%PDF-1.4\n\x00\x01binary", b"", b"name,email\nMaria,maria@example.com\n", "Zoë".encode("latin-1")],
)
def test_import_of_a_file_that_is_not_csv_is_not_csv(api, world, content):
    before = counts(world.tenant)
    response = api.post("/api/v1/contacts/import/", {"file": upload(content, "scan.pdf")}, format="multipart")
    assert_envelope(response, 400, "not_csv")
    assert counts(world.tenant) == before


def test_import_without_a_file_is_a_validation_error(api, world):
    assert_envelope(api.post("/api/v1/contacts/import/", {}, format="multipart"), 400, "validation_error")


def test_import_wants_multipart(api):
    response = api.post("/api/v1/contacts/import/", {"file": "phone\n"}, format="json")
    assert_envelope(response, 415, "unsupported_media_type")


# Every route -----------------------------------------------------------------------------------

ROUTES = [
    ("post", "/api/v1/contacts/"),
    ("get", "/api/v1/contacts/1/"),
    ("post", "/api/v1/contacts/1/opt-in/"),
    ("post", "/api/v1/contacts/1/opt-out/"),
    ("post", "/api/v1/contacts/import/"),
]


@pytest.mark.parametrize(("method", "url"), ROUTES)
def test_routes_need_an_api_key(db, method, url):
    assert_envelope(getattr(APIClient(), method)(url), 401, "not_authenticated")


def test_schema_documents_the_contact_routes(db):
    paths = APIClient().get("/api/v1/schema/?format=json").json()["paths"]
    assert {"get", "post"} <= set(paths["/api/v1/contacts/"])
    assert "get" in paths["/api/v1/contacts/{contact_id}/"]
    assert "post" in paths["/api/v1/contacts/{contact_id}/opt-in/"]
    assert "post" in paths["/api/v1/contacts/{contact_id}/opt-out/"]
    assert "multipart/form-data" in paths["/api/v1/contacts/import/"]["post"]["requestBody"]["content"]
