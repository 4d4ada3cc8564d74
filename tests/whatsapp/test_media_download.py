"""Customers' files are copied from the Graph API (the simulator, over HTTP) into our storage;
failures are recorded on the attachment, retried when they may pass, final when they can't."""

from __future__ import annotations

import base64
import hashlib

import pytest

from accounts.crypto.media import media_read
from accounts.tenancy import tenant_scope
from devstack.embedded import free_port
from inbox.models import Attachment, AttachmentState
from tests.whatsapp import payloads
from tests.whatsapp.conftest import connect_number, post_webhook
from whatsapp.client import GraphClient
from whatsapp.services import ingest
from whatsapp.services.media import RetryableDownloadError, attachment_download

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4 a tiny invoice"


def receive_document(world, media_id: str, sha256: str) -> Attachment:
    message = {
        "from": payloads.CUSTOMER_WA_ID,
        "id": payloads.make_wamid(),
        "timestamp": "1764000000",
        "type": "document",
        "document": {"id": media_id, "mime_type": "application/pdf", "sha256": sha256, "filename": "invoice.pdf"},
    }
    assert post_webhook(payloads.to_bytes(payloads.envelope(messages=[message]))).status_code == 200
    ingest.drain()
    with tenant_scope(world.tenant):
        return Attachment.objects.get()


def upload(simulator_url: str, data: bytes) -> str:
    with GraphClient(base_url=simulator_url, version="v25.0", access_token="token") as client:
        return client.upload_media(payloads.PHONE_NUMBER_ID, data=data, mime_type="application/pdf", filename="x.pdf")


def download(world, attachment: Attachment, *, final_attempt: bool = False) -> Attachment:
    attachment_download(tenant_id=world.tenant.pk, attachment_id=attachment.pk, final_attempt=final_attempt)
    with tenant_scope(world.tenant):
        return Attachment.objects.get(pk=attachment.pk)


def test_the_file_is_stored_with_its_name_and_type(world, simulator, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    connect_number(world, graph_api_base_url=simulator.url)
    media_id = upload(simulator.url, PDF)
    attachment = download(
        world, receive_document(world, media_id, base64.b64encode(hashlib.sha256(PDF).digest()).decode())
    )
    assert (attachment.state, attachment.size, attachment.filename, attachment.attempts) == (
        AttachmentState.READY,
        len(PDF),
        "invoice.pdf",
        1,
    )
    assert media_read(attachment.file.name) == PDF
    with attachment.file.open("rb") as stored:
        assert PDF not in stored.read()  # encrypted at rest


def test_an_unknown_media_id_fails_for_good_with_a_reason(world, simulator):
    connect_number(world, graph_api_base_url=simulator.url)
    attachment = download(world, receive_document(world, "424242424242", "c2hh"))
    assert attachment.state == AttachmentState.FAILED
    assert attachment.error
    assert attachment.attempts == 1


def test_a_checksum_mismatch_is_retried_then_fails(world, simulator):
    connect_number(world, graph_api_base_url=simulator.url)
    media_id = upload(simulator.url, PDF)
    attachment = receive_document(world, media_id, base64.b64encode(hashlib.sha256(b"other").digest()).decode())
    with pytest.raises(RetryableDownloadError):
        download(world, attachment)
    with tenant_scope(world.tenant):
        attachment.refresh_from_db()
    assert (attachment.state, attachment.attempts) == (AttachmentState.PENDING, 1)
    assert "checksum" in attachment.error
    attachment = download(world, attachment, final_attempt=True)
    assert (attachment.state, attachment.attempts) == (AttachmentState.FAILED, 2)


def test_an_unreachable_graph_api_is_retried_and_visible(world):
    connect_number(world, graph_api_base_url=f"http://127.0.0.1:{free_port()}")
    attachment = receive_document(world, "1234", "c2hh")
    with pytest.raises(RetryableDownloadError):
        download(world, attachment)
    with tenant_scope(world.tenant):
        attachment.refresh_from_db()
    assert attachment.state == AttachmentState.PENDING
    assert attachment.error == "WhatsApp could not be reached; it will be retried shortly."
