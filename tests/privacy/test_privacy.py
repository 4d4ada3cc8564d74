"""Export, erasure and their coverage of every model: tested against the rows the real intake
and services make (tests/privacy/scene.py), searched for in the raw tables and media storage."""

from __future__ import annotations

import io
import json
import zipfile
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from django.apps import apps
from django.core.files.storage import default_storage
from django.db import IntegrityError, InternalError, ProgrammingError, connection, transaction
from django.utils import timezone

from accounts.crypto.media import MAGIC, media_read
from accounts.models import AuditLog
from billing.models import BillableEvent
from inbox.models import BroadcastRecipient, Contact, EventDelivery, Message, TenantEvent
from privacy.coverage import CONTACT_DATA, NO_CONTACT_DATA
from privacy.models import ContactExport, ExportState
from privacy.services.exports import contact_export_build, exports_purge
from tests.accounts.factories import api_key_for
from tests.privacy import scene
from whatsapp.models import WebhookEvent


@pytest.fixture(autouse=True)
def _media_root(settings: Any, tmp_path: Path) -> None:
    settings.MEDIA_ROOT = tmp_path


@pytest.fixture
def built(world, other_tenant) -> scene.Scene:
    return scene.build(world, other_tenant)


def tables_containing(marker: str) -> list[str]:
    """Every table with a row whose text contains `marker`: raw SQL over every column, and every
    model's rows read through the ORM, which decrypts what is encrypted at rest (a marker inside
    ciphertext is still the contact's data)."""
    found = set()
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names():
            cursor.execute(f'SELECT 1 FROM "{table}" AS t WHERE t::text ILIKE %s LIMIT 1', [f"%{marker}%"])  # noqa: S608
            if cursor.fetchone():
                found.add(table)
    for model in apps.get_models():
        rows = model._base_manager.values_list(*(field.attname for field in model._meta.concrete_fields))
        if any(marker.lower() in str(row).lower() for row in rows):
            found.add(model._meta.db_table)
    return sorted(found)


def files_containing(root: Path, marker: str) -> list[str]:
    """Stored files holding `marker` once decrypted."""
    return [
        str(path)
        for path in root.rglob("*")
        if path.is_file() and marker.encode() in media_read(str(path.relative_to(root)))
    ]


def test_every_model_is_covered_or_allowlisted():
    labels = {model._meta.label for model in apps.get_models()}
    unclassified = labels - set(CONTACT_DATA) - set(NO_CONTACT_DATA)
    assert not unclassified, f"say in privacy/coverage.py how erasure and export treat {sorted(unclassified)}"
    assert not set(CONTACT_DATA) & set(NO_CONTACT_DATA)
    assert not (set(CONTACT_DATA) | set(NO_CONTACT_DATA)) - labels, "privacy/coverage.py names models that are gone"


def _erase(client, contact_id: int):
    return client.delete(f"/api/v1/contacts/{contact_id}/")


def test_erasure_leaves_no_trace_of_the_contact_anywhere(world, built, tmp_path, django_capture_on_commit_callbacks):
    before_bravo = {marker: tables_containing(marker) for marker in scene.BRAVO_MARKERS}
    # The scene names Alpha in every kind of place erasure must reach.
    assert set(tables_containing(scene.ALPHA_WA_ID)) >= {
        "inbox_contact", "inbox_message", "inbox_statusupdate", "inbox_eventdelivery", "inbox_broadcastrecipient",
        "billing_billableevent", "whatsapp_webhookevent", "whatsapp_deadletter", "whatsapp_platformupdate",
    }  # fmt: skip
    # (The audit log names contacts by id, not by name.)
    assert set(tables_containing(scene.ALPHA_NAME)) >= {"inbox_contact", "accounts_notification"}
    assert set(tables_containing("ALPHA-SECRET")) >= {
        "inbox_message", "inbox_tenantevent", "inbox_consentevent", "inbox_optinrequest",
    }  # fmt: skip
    assert files_containing(tmp_path, "ALPHA-SECRET")

    with django_capture_on_commit_callbacks(execute=True):
        response = _erase(world.api_client(), built.alpha.pk)

    assert response.status_code == 204
    for marker in scene.ALPHA_MARKERS:
        assert tables_containing(marker) == [], f"{marker!r} is still stored"
    assert files_containing(tmp_path, "ALPHA-SECRET") == []
    # Bravo, in the same workspace and the same webhook events, is untouched.
    assert {marker: tables_containing(marker) for marker in scene.BRAVO_MARKERS} == before_bravo
    assert Contact.objects.for_tenant(world.tenant).filter(pk=built.bravo.pk).exists()
    assert Contact.objects.for_tenant(built.gamma.tenant_id).filter(pk=built.gamma.pk).exists()


def test_erasure_keeps_billing_and_broadcast_counts_without_the_person(world, built):
    billed = BillableEvent.objects.for_tenant(world.tenant).count()
    recipients = BroadcastRecipient.objects.for_tenant(world.tenant).count()

    _erase(world.api_client(), built.alpha.pk)

    assert BillableEvent.objects.for_tenant(world.tenant).count() == billed
    assert BillableEvent.objects.for_tenant(world.tenant).filter(recipient="").count() == 1
    assert BroadcastRecipient.objects.for_tenant(world.tenant).count() == recipients


def test_erasure_is_audited_without_personal_data_and_announced(world, built):
    _erase(world.api_client(), built.alpha.pk)

    entry = AuditLog.objects.for_tenant(world.tenant).get(action="contact.erased")
    assert entry.details["contact_id"] == built.alpha.pk
    assert entry.details["counts"]["messages"] == 2
    assert [c["kind"] for c in entry.details["consent"]] == ["opt_in"]
    assert not any(marker in json.dumps(entry.details) for marker in scene.ALPHA_MARKERS)
    event = TenantEvent.objects.for_tenant(world.tenant).get(type="contact.erased")
    assert event.payload["contact_id"] == built.alpha.pk
    assert event.payload["conversation_ids"]
    # The workspace's own systems are told too, so they erase their copy (ids only).
    delivery = EventDelivery.objects.for_tenant(world.tenant).get(event_type="contact.erased")
    assert delivery.payload["data"] == event.payload


def test_erasure_cuts_only_the_contact_out_of_shared_webhook_bodies(world, built):
    _erase(world.api_client(), built.alpha.pk)

    bodies = " ".join(WebhookEvent.objects.values_list("body", flat=True))
    assert scene.ALPHA_WA_ID not in bodies
    assert "BRAVO-WORDS hello" in bodies


@pytest.mark.parametrize("membership", ["agent", "other_tenant"])
def test_erasure_is_refused_to_agents_and_other_tenants(world, other_tenant, built, membership):
    if membership == "agent":
        _key, secret = api_key_for(world.tenant, scope="write")
        expected = 403
    else:
        _key, secret = api_key_for(other_tenant.tenant)
        expected = 404
    client = world.api_client()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {secret}")

    response = _erase(client, built.alpha.pk)

    assert response.status_code == expected
    assert response.json()["error"]["code"] in {"permission_denied", "not_found"}
    assert Message.objects.for_tenant(world.tenant).filter(conversation__contact=built.alpha).count() == 2


def _export(world, contact_id: int, django_capture_on_commit_callbacks) -> tuple[Any, dict[str, Any]]:
    client = world.api_client()
    with django_capture_on_commit_callbacks(execute=False):
        response = client.post(f"/api/v1/contacts/{contact_id}/export/")
    assert response.status_code == 202, response.content
    return client, response.json()


def test_export_holds_every_message_of_the_contact_and_nothing_of_others(
    world, built, django_capture_on_commit_callbacks
):
    client, requested = _export(world, built.alpha.pk, django_capture_on_commit_callbacks)
    assert requested["state"] == "preparing"
    assert requested["download_url"] is None
    contact_export_build(tenant_id=world.tenant.pk, export_id=requested["id"], now=timezone.now())
    state = client.get(requested["url"]).json()
    assert state["state"] == "ready"
    # Waiting for its download, the ZIP is encrypted at rest like the media it holds.
    stored = ContactExport.objects.unscoped().get(pk=requested["id"]).file.name
    with default_storage.open(stored, "rb") as handle:
        assert handle.read().startswith(MAGIC)

    response = client.get(state["download_url"])

    assert response.status_code == 200
    assert response["Content-Type"] == "application/zip"
    archive = zipfile.ZipFile(io.BytesIO(scene.body_of(response)))
    data = json.loads(archive.read("contact.json"))
    texts = [m["text"] for c in data["conversations"] for m in c["messages"]]
    assert sorted(texts) == sorted(built.alpha_texts)
    assert data["contact"]["wa_id"] == scene.ALPHA_WA_ID
    assert data["contact"]["attributes"] == {"customer_no": "ALPHA-SECRET-C1"}
    assert [c["proof"] for c in data["consent"]] == ["ALPHA-SECRET signed the form"]
    assert [r["proof"] for r in data["opt_in_requests"]] == ["ALPHA-SECRET asked for offers"]
    assert any(a["text"].endswith("Alphonse called again") for c in data["conversations"] for a in c["activity"])
    assert any(m["statuses"] for c in data["conversations"] for m in c["messages"])
    assert any(m["reactions"] for c in data["conversations"] for m in c["messages"])
    assert [r["parameters"] for r in data["broadcasts"]] == [["Alphonse", "A-1"]]
    media = [name for name in archive.namelist() if name.startswith("media/")]
    assert len(media) == 1
    assert archive.read(media[0]) == b"ALPHA-SECRET-FILE"
    everything = b"".join(archive.read(name) for name in archive.namelist()).decode(errors="replace")
    for marker in [*scene.BRAVO_MARKERS, scene.GAMMA_WA_ID, scene.GAMMA_NAME]:
        assert marker not in everything
    assert AuditLog.objects.for_tenant(world.tenant).filter(action="contact.export_downloaded").count() == 1


def test_an_export_downloads_once(world, built, django_capture_on_commit_callbacks):
    client, requested = _export(world, built.alpha.pk, django_capture_on_commit_callbacks)
    contact_export_build(tenant_id=world.tenant.pk, export_id=requested["id"], now=timezone.now())
    download = f"/api/v1/exports/{requested['id']}/download/"
    scene.body_of(client.get(download))

    again = client.get(download)

    assert again.status_code == 410
    assert again.json()["error"]["code"] == "export_gone"
    export = ContactExport.objects.for_tenant(world.tenant).get(pk=requested["id"])
    assert export.state == ExportState.DOWNLOADED
    assert export.file.name == ""


def test_an_export_not_ready_or_expired_is_refused(world, built, django_capture_on_commit_callbacks):
    client, requested = _export(world, built.alpha.pk, django_capture_on_commit_callbacks)
    download = f"/api/v1/exports/{requested['id']}/download/"
    assert client.get(download).json()["error"]["code"] == "export_not_ready"
    contact_export_build(tenant_id=world.tenant.pk, export_id=requested["id"], now=timezone.now() - timedelta(days=2))

    response = client.get(download)

    assert response.status_code == 410
    assert response.json()["error"]["code"] == "export_gone"


def test_unknown_or_foreign_exports_and_contacts_answer_404(
    world, other_tenant, built, django_capture_on_commit_callbacks
):
    _client, requested = _export(world, built.alpha.pk, django_capture_on_commit_callbacks)
    foreign = other_tenant.api_client()

    for url in [
        f"/api/v1/exports/{requested['id']}/",
        f"/api/v1/exports/{requested['id']}/download/",
        "/api/v1/exports/999999/",
    ]:
        response = foreign.get(url)
        assert response.status_code == 404, url
        assert response.json()["error"]["code"] == "not_found"
    response = foreign.post(f"/api/v1/contacts/{built.alpha.pk}/export/")
    assert response.status_code == 404
    assert ContactExport.objects.for_tenant(world.tenant).count() == 1


def test_erasure_removes_the_contacts_export_files(world, built, tmp_path, django_capture_on_commit_callbacks):
    _client, requested = _export(world, built.alpha.pk, django_capture_on_commit_callbacks)
    contact_export_build(tenant_id=world.tenant.pk, export_id=requested["id"], now=timezone.now())
    assert list(tmp_path.rglob("exports/**/*.zip"))

    with django_capture_on_commit_callbacks(execute=True):
        _erase(world.api_client(), built.alpha.pk)

    assert not list(tmp_path.rglob("exports/**/*.zip"))
    assert not ContactExport.objects.for_tenant(world.tenant).exists()


def test_the_audit_log_still_refuses_every_other_change(world, built):
    entry = AuditLog.objects.for_tenant(world.tenant).filter(target_type="Contact").first()
    assert entry is not None
    for sql, params in [
        ("UPDATE accounts_auditlog SET target_label = %s WHERE id = %s", ["someone else", entry.pk]),
        ("UPDATE accounts_auditlog SET details = '{}' , target_label = '' WHERE id = %s", [entry.pk]),
        ("UPDATE accounts_auditlog SET action = 'x' WHERE id = %s", [entry.pk]),
    ]:
        with (
            pytest.raises((IntegrityError, InternalError, ProgrammingError)),
            transaction.atomic(),
            connection.cursor() as cursor,
        ):
            cursor.execute(sql, params)


def test_the_purge_forgets_expired_and_downloaded_exports_files(
    world, built, tmp_path, django_capture_on_commit_callbacks
):
    now = timezone.now()
    ids = []
    for _n in range(3):
        _client, requested = _export(world, built.alpha.pk, django_capture_on_commit_callbacks)
        contact_export_build(tenant_id=world.tenant.pk, export_id=requested["id"], now=now - timedelta(days=2))
        ids.append(requested["id"])
    expired, downloaded, fresh = ids
    exports = ContactExport.objects.for_tenant(world.tenant)
    exports.filter(pk=downloaded).update(state=ExportState.DOWNLOADED)  # a download that stopped mid-stream
    exports.filter(pk=fresh).update(expires_at=now + timedelta(hours=1))
    stuck = ContactExport.objects.for_tenant(world.tenant).create(
        tenant=world.tenant, contact=built.alpha, created_at=now - timedelta(hours=2)
    )

    with django_capture_on_commit_callbacks(execute=True):
        exports_purge(now=now)

    assert exports.get(pk=expired).state == ExportState.EXPIRED
    assert exports.get(pk=expired).file.name == ""
    assert exports.get(pk=downloaded).file.name == ""
    assert exports.get(pk=fresh).state == ExportState.READY
    assert exports.get(pk=stuck.pk).state == ExportState.FAILED
    assert len(list(tmp_path.rglob("exports/**/*.zip"))) == 1


def test_asking_again_while_one_is_prepared_returns_that_one(world, built, django_capture_on_commit_callbacks):
    _client, first = _export(world, built.alpha.pk, django_capture_on_commit_callbacks)
    _again, second = _export(world, built.alpha.pk, django_capture_on_commit_callbacks)

    assert second["id"] == first["id"]
    assert ContactExport.objects.for_tenant(world.tenant).count() == 1
    assert AuditLog.objects.for_tenant(world.tenant).filter(action="contact.export_requested").count() == 1


def test_an_export_that_can_not_be_stored_fails_at_once(
    world, built, settings, tmp_path, django_capture_on_commit_callbacks
):
    client, requested = _export(world, built.alpha.pk, django_capture_on_commit_callbacks)
    blocked = tmp_path / "a-file-not-a-folder"
    blocked.write_bytes(b"")
    settings.MEDIA_ROOT = blocked  # the storage can't write under it

    contact_export_build(tenant_id=world.tenant.pk, export_id=requested["id"], now=timezone.now())

    assert client.get(requested["url"]).json()["state"] == "failed"
    download = client.get(f"/api/v1/exports/{requested['id']}/download/")
    assert download.status_code == 409
    assert download.json()["error"]["code"] == "export_failed"
