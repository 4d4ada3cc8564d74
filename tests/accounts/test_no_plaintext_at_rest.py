"""The proof of encryption at rest: marker strings written through the product's real flows (a
signed webhook from the simulator, an API send delivered to the simulator, a note, a contact
edit, credentials, a webhook subscription) appear nowhere in the database in plaintext, while
the product still reads them back."""

from __future__ import annotations

import base64
import json
from pathlib import Path
from typing import Any

import httpx
import pytest
from django.db import connection
from django.utils import timezone
from rest_framework.test import APIClient

from accounts.crypto.media import media_read
from accounts.models import Role
from accounts.services import Actor
from accounts.tenancy import tenant_scope
from inbox.hooks.services import event_subscription_create
from inbox.models import Activity, Attachment, Contact, Conversation, EventSubscription, Message, OutboxEntry
from tests.accounts.factories import api_key_for
from tests.whatsapp import payloads
from tests.whatsapp.conftest import connect_number, post_webhook
from tests.whatsapp.simulator_fixtures import simulator, webhook_receiver  # noqa: F401 (fixtures)
from whatsapp.models import WhatsAppNumber
from whatsapp.services import ingest, sender
from whatsapp.services.media import attachment_download

pytestmark = pytest.mark.django_db

# Distinct, so each leak names its source; none is a word the product writes itself.
MARKERS = {
    "access token": "Tokmarker7731",
    "app secret": "Secmarker7732",
    "verify token": "Vermarker7733",
    "profile name": "Profmarker7734",
    "inbound text": "Inmarker7735",
    "outbound text": "Outmarker7736",
    "note": "Notemarker7737",
    "contact name": "Namemarker7738",
    "attribute": "Attrmarker7739",
    "file name": "Filemarker7740",
    "file content": "Bytesmarker7741",
    "caption": "Capmarker7742",
    "created contact": "Newmarker7743",
    "consent proof": "Proofmarker7744",
}


def every_table_as_text() -> dict[str, str]:
    """`SELECT *` of every table, each row's values as text (bytes too)."""
    dumps = {}
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names(cursor):
            cursor.execute(f'SELECT * FROM "{table}"')  # noqa: S608 (names from the catalogue)
            rows = cursor.fetchall()
            dumps[table] = "\n".join(
                " ".join(bytes(v).decode("latin-1") if isinstance(v, bytes | memoryview) else str(v) for v in row)
                for row in rows
            )
    return dumps


def leaks(dumps: dict[str, str]) -> list[tuple[str, str]]:
    return [
        (what, table)
        for what, marker in MARKERS.items()
        for table, text in dumps.items()
        if marker.lower() in text.lower()
    ]


def files_as_text(root: Path) -> dict[str, str]:
    return {str(path): path.read_bytes().decode("latin-1") for path in root.rglob("*") if path.is_file()}


def customer_sends(simulator: Any, message: dict[str, Any]) -> None:  # noqa: F811 (the fixture, passed on)
    customer = {"phone_number_id": payloads.PHONE_NUMBER_ID, "from": "4915112345678",
                "name": f"Jürgen {MARKERS['profile name']}"}  # fmt: skip
    httpx.post(f"{simulator.url}/_sim/inbound", json={**customer, "message": message}).raise_for_status()


def test_no_marker_is_stored_in_plaintext(world, simulator, webhook_receiver, settings, tmp_path):  # noqa: F811
    settings.MEDIA_ROOT = tmp_path
    simulator.config.webhook_url = webhook_receiver.url
    simulator.config.app_secret = MARKERS["app secret"]
    simulator.config.accepted_tokens = {MARKERS["access token"]}
    number = connect_number(
        world,
        graph_api_base_url=simulator.url,
        access_token=MARKERS["access token"],
        app_secret=MARKERS["app secret"],
        verify_token=MARKERS["verify token"],
    )
    actor = Actor(tenant_id=world.tenant.pk, role=Role.OWNER, user=world.owner.user)
    event_subscription_create(
        actor=actor, url="https://hooks.example.com/relay", event_types=["message.created"], now=timezone.now()
    )

    # The customer writes: the simulator signs the webhooks; our view stores them, ingest processes them.
    customer_sends(simulator, {"type": "text", "text": {"body": f"Wo ist {MARKERS['inbound text']}?"}})
    document = f"%PDF-1.4 {MARKERS['file content']}".encode()
    file = {"data": base64.b64encode(document).decode(), "mime_type": "application/pdf",
            "filename": f"{MARKERS['file name']}.pdf", "caption": MARKERS["caption"]}  # fmt: skip
    customer_sends(simulator, {"type": "document", "document": file})
    for delivered in webhook_receiver.wait_for(lambda receiver: len(receiver.received()) == 2 and receiver.received()):
        signature = delivered.header("X-Hub-Signature-256")
        assert post_webhook(delivered.body, signature=signature, secret="").status_code == 200
    ingest.drain()
    with tenant_scope(world.tenant):
        conversation = Conversation.objects.get()
        contact = Contact.objects.get()
        attachment = Attachment.objects.get()
    attachment_download(tenant_id=world.tenant.pk, attachment_id=attachment.pk, final_attempt=False)

    # An agent answers through the API; the worker delivers it to the simulator.
    _key, api_secret = api_key_for(world.tenant)
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {api_secret}")
    body = {"type": "text", "text": {"body": f"Unterwegs: {MARKERS['outbound text']}"}}
    assert api.post(f"/api/v1/conversations/{conversation.pk}/messages/", body, format="json").status_code == 201
    with tenant_scope(world.tenant):
        entry = OutboxEntry.objects.get()
    assert sender.deliver(tenant_id=world.tenant.pk, outbox_id=entry.pk).state == "sent"
    note = {"body": f"Call back {MARKERS['note']}"}
    assert api.post(f"/api/v1/conversations/{conversation.pk}/notes/", note, format="json").status_code == 201
    edit = {"name": MARKERS["contact name"], "attributes": {"customer_no": MARKERS["attribute"]}}
    assert api.patch(f"/api/v1/contacts/{contact.pk}/", edit, format="json").status_code == 200

    consent = {"scope": "all", "source": "web_form", "proof": f"Ja, {MARKERS['consent proof']}", "ip": "198.51.100.4"}
    created = {"phone": "+4915199990000", "name": MARKERS["created contact"], "consent": consent}
    assert api.post("/api/v1/contacts/", created, format="json").status_code == 201

    assert leaks(every_table_as_text()) == []
    assert leaks(files_as_text(tmp_path)) == []

    # …and the product reads every one of them back.
    with tenant_scope(world.tenant):
        number = WhatsAppNumber.objects.get()
        texts = {m.text for m in Message.objects.all()}
        contact = Contact.objects.get(pk=contact.pk)
        notes = [a.body for a in Activity.objects.filter(kind="note")]
        subscription = EventSubscription.objects.get()
        attachment = Attachment.objects.get()
    assert attachment.filename == f"{MARKERS['file name']}.pdf"
    assert media_read(attachment.file.name) == document
    assert (number.access_token, number.app_secret, number.verify_token) == (
        MARKERS["access token"], MARKERS["app secret"], MARKERS["verify token"],
    )  # fmt: skip
    assert texts == {f"Wo ist {MARKERS['inbound text']}?", MARKERS["caption"], f"Unterwegs: {MARKERS['outbound text']}"}
    assert (contact.name, contact.profile_name) == (MARKERS["contact name"], f"Jürgen {MARKERS['profile name']}")
    assert contact.attributes == {"customer_no": MARKERS["attribute"]}
    assert notes == [f"Call back {MARKERS['note']}"]
    assert len(subscription.secret) > 20
    assert subscription.secret not in json.dumps(every_table_as_text())
    response = APIClient().get(
        "/webhooks/whatsapp/",
        {"hub.mode": "subscribe", "hub.verify_token": MARKERS["verify token"], "hub.challenge": "42"},
    )
    assert response.content == b"42"


def test_the_dump_does_find_a_plaintext_marker(world):
    # The check itself can fail: a column that is not encrypted shows its marker.
    world.tenant.legal_name = MARKERS["contact name"]
    world.tenant.save()
    assert leaks(every_table_as_text()) == [("contact name", "accounts_tenant")]
