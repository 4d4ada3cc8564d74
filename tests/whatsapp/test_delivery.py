"""Delivering queued messages to the Graph API (the simulator, over HTTP): sent once, retried
when it may pass, failed with a reason when it can't, and settled when a worker died mid-send."""

from __future__ import annotations

import json
from datetime import timedelta

import httpx
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from rest_framework.test import APIClient

from accounts.models import Role
from accounts.services import Actor
from accounts.tenancy import tenant_scope
from inbox.models import (
    Conversation,
    Direction,
    Message,
    MessageStatus,
    OutboxEntry,
    OutboxState,
    Reaction,
    UploadedMedia,
)
from inbox.services.outbound import send_message
from templates_mgmt.models import MessageTemplate
from tests.accounts.factories import api_key_for
from tests.inbox.factories import ConversationFactory, MessageFactory
from tests.whatsapp import payloads
from tests.whatsapp.conftest import connect_number, post_webhook
from whatsapp.channel import read_receipt
from whatsapp.models import WhatsAppNumber
from whatsapp.services import ingest, sender

pytestmark = pytest.mark.django_db

TEXT = {"type": "text", "text": {"body": "Your parcel left our warehouse."}}


@pytest.fixture
def sim_number(world, simulator, webhook_receiver):
    simulator.config.webhook_url = webhook_receiver.url
    return connect_number(world, graph_api_base_url=simulator.url, phone_number_id=payloads.PHONE_NUMBER_ID)


@pytest.fixture
def conversation(sim_number):
    return ConversationFactory.create(
        channel=sim_number.channel, contact__wa_id="4915112345678", last_inbound_at=timezone.now() - timedelta(hours=1)
    )


def queue(conversation, payload=TEXT) -> tuple[Message, OutboxEntry]:
    actor = Actor(tenant_id=conversation.tenant_id, role=Role.AGENT, user=None)
    message = send_message(conversation=conversation, payload=payload, actor=actor, now=timezone.now())
    with tenant_scope(conversation.tenant_id):
        return message, OutboxEntry.objects.get(message=message)


def reload(world, message, entry) -> tuple[Message, OutboxEntry]:
    with tenant_scope(world.tenant):
        return Message.objects.get(pk=message.pk), OutboxEntry.objects.get(pk=entry.pk)


def customer_wrote(simulator, wa_id="4915112345678"):
    """The simulator enforces the 24 h window from what the customer sent it."""
    httpx.post(
        f"{simulator.url}/_sim/inbound",
        json={"phone_number_id": payloads.PHONE_NUMBER_ID, "from": wa_id, "name": "Jürgen",
              "message": {"type": "text", "text": {"body": "hi"}}},
    ).raise_for_status()  # fmt: skip


def relay_status_webhooks(receiver) -> None:
    """Hand the simulator's signed status webhooks to our webhook view, as Meta's reach it."""
    for request in receiver.received():
        if json.loads(request.body)["entry"][0]["changes"][0]["value"].get("statuses"):
            post_webhook(request.body, signature=request.header("X-Hub-Signature-256"), secret="")
    ingest.drain()


def test_a_message_is_sent_once_and_its_receipts_move_it_to_read(world, simulator, webhook_receiver, conversation):
    simulator.config.app_secret = "dev-app-secret"  # the product's WHATSAPP_APP_SECRET in tests
    customer_wrote(simulator)
    message, entry = queue(conversation)
    assert sender.deliver(tenant_id=world.tenant.pk, outbox_id=entry.pk).state == "sent"
    message, entry = reload(world, message, entry)
    assert message.status == MessageStatus.ACCEPTED
    assert message.provider_message_id.startswith("wamid.")
    assert entry.state == OutboxState.SENT
    sent = httpx.get(f"{simulator.url}/_sim/messages?direction=outbound").json()["data"]
    assert len(sent) == 1
    assert sent[0]["request"]["biz_opaque_callback_data"] == f"relay:{message.pk}"
    assert sent[0]["request"]["to"] == "4915112345678"
    webhook_receiver.wait_for(lambda r: {s["status"] for s in r.statuses()} >= {"sent", "delivered", "read"})
    relay_status_webhooks(webhook_receiver)
    message, _entry = reload(world, message, entry)
    assert message.status == MessageStatus.READ
    # Delivering the same entry again sends nothing.
    assert sender.deliver(tenant_id=world.tenant.pk, outbox_id=entry.pk).state == "skipped"
    assert len(httpx.get(f"{simulator.url}/_sim/messages?direction=outbound").json()["data"]) == 1


def test_a_temporary_failure_is_retried_with_backoff(world, simulator, conversation):
    customer_wrote(simulator)
    httpx.post(
        f"{simulator.url}/_sim/faults", json={"scope": "messages", "error_rate": 1, "error_code": 131000, "count": 1}
    )
    message, entry = queue(conversation)
    outcome = sender.deliver(tenant_id=world.tenant.pk, outbox_id=entry.pk)
    assert outcome.state == "pending"
    assert 0 < outcome.retry_in <= sender.BACKOFF_BASE_SECONDS * 1.5
    message, entry = reload(world, message, entry)
    assert (message.status, entry.state, entry.attempts) == (MessageStatus.QUEUED, OutboxState.PENDING, 1)
    assert "131000" in entry.last_error
    OutboxEntry.objects.unscoped().filter(pk=entry.pk).update(next_attempt_at=timezone.now())
    assert sender.deliver(tenant_id=world.tenant.pk, outbox_id=entry.pk).state == "sent"


def test_the_pair_rate_limit_is_retried_after_a_longer_wait(world, simulator, conversation):
    customer_wrote(simulator)
    httpx.post(
        f"{simulator.url}/_sim/faults", json={"scope": "messages", "error_rate": 1, "error_code": 131056, "count": 1}
    )
    _message, entry = queue(conversation)
    outcome = sender.deliver(tenant_id=world.tenant.pk, outbox_id=entry.pk)
    assert outcome.state == "pending"
    assert 4 * 0.75 <= outcome.retry_in <= 4 * 1.25  # Meta asks for 4^n seconds
    OutboxEntry.objects.unscoped().filter(pk=entry.pk).update(next_attempt_at=timezone.now())
    assert sender.deliver(tenant_id=world.tenant.pk, outbox_id=entry.pk).state == "sent"


def test_a_spam_rate_limit_is_not_hammered(world, simulator, conversation):
    customer_wrote(simulator)
    httpx.post(
        f"{simulator.url}/_sim/faults", json={"scope": "messages", "error_rate": 1, "error_code": 131048, "count": 1}
    )
    message, entry = queue(conversation)
    assert sender.deliver(tenant_id=world.tenant.pk, outbox_id=entry.pk).state == "failed"
    message, entry = reload(world, message, entry)
    assert message.error["code"] == 131048


def test_attempts_are_bounded(world, simulator, conversation):
    customer_wrote(simulator)
    httpx.post(f"{simulator.url}/_sim/faults", json={"scope": "messages", "error_rate": 1, "http_status": 503})
    message, entry = queue(conversation)
    for _ in range(sender.MAX_ATTEMPTS):
        OutboxEntry.objects.unscoped().filter(pk=entry.pk).update(next_attempt_at=timezone.now())
        outcome = sender.deliver(tenant_id=world.tenant.pk, outbox_id=entry.pk)
    assert outcome.state == "failed"
    message, entry = reload(world, message, entry)
    assert (message.status, entry.attempts) == (MessageStatus.FAILED, sender.MAX_ATTEMPTS)
    assert message.error["message"]


def test_an_unknown_template_fails_for_good_with_the_reason(world, simulator, conversation, sim_number):
    MessageTemplate.objects.unscoped().create(
        tenant=world.tenant, waba_id=sim_number.waba_id, name="gone", language="en_US", category="UTILITY",
        status="APPROVED", components=[{"type": "BODY", "text": "Hello"}],
    )  # fmt: skip
    payload = {"type": "template", "template": {"name": "gone", "language": {"code": "en_US"}}}
    message, entry = queue(conversation, payload)
    assert sender.deliver(tenant_id=world.tenant.pk, outbox_id=entry.pk).state == "failed"
    message, entry = reload(world, message, entry)
    assert message.error["code"] == 132001
    assert message.error["message"]
    assert entry.state == OutboxState.FAILED


def test_an_invalid_token_fails_and_flags_the_number(world, simulator, conversation, sim_number):
    simulator.config.accepted_tokens = {"the-real-token"}
    message, entry = queue(conversation)
    assert sender.deliver(tenant_id=world.tenant.pk, outbox_id=entry.pk).state == "failed"
    message, _entry = reload(world, message, entry)
    assert message.error["code"] == 190
    with tenant_scope(world.tenant):
        assert WhatsAppNumber.objects.get(pk=sim_number.pk).attention


def test_the_rules_are_checked_again_at_send_time(world, simulator, conversation):
    message, entry = queue(conversation)
    Conversation.objects.unscoped().filter(pk=conversation.pk).update(
        last_inbound_at=timezone.now() - timedelta(hours=25)
    )
    assert sender.deliver(tenant_id=world.tenant.pk, outbox_id=entry.pk).state == "refused"
    message, _entry = reload(world, message, entry)
    assert (message.status, message.error["code"]) == (MessageStatus.FAILED, "window_closed")
    assert httpx.get(f"{simulator.url}/_sim/messages?direction=outbound").json()["data"] == []


def test_the_numbers_throughput_makes_sends_wait_not_fail(world, simulator, conversation, sim_number):
    customer_wrote(simulator)
    WhatsAppNumber.objects.unscoped().filter(pk=sim_number.pk).update(throughput_mps=1)
    _first, first_entry = queue(conversation)
    second, second_entry = queue(conversation)
    assert sender.deliver(tenant_id=world.tenant.pk, outbox_id=first_entry.pk).state == "sent"
    outcome = sender.deliver(tenant_id=world.tenant.pk, outbox_id=second_entry.pk)
    assert outcome.state == "pending"
    assert 0 < outcome.retry_in <= 1
    _message, entry = reload(world, second, second_entry)
    assert (entry.state, entry.attempts) == (OutboxState.PENDING, 0)


def test_a_send_whose_worker_died_is_settled_by_its_receipt_not_sent_twice(world, conversation):
    message, entry = queue(conversation)
    # As if a worker marked it sending, called the API, and died before storing the answer.
    long_ago = timezone.now() - timedelta(minutes=5)
    OutboxEntry.objects.unscoped().filter(pk=entry.pk).update(state=OutboxState.SENDING, sending_since=long_ago)
    assert sender.sweep()["uncertain"] == 1
    receipt = payloads.status(wamid="wamid.ANSWERED", status="sent")
    receipt["biz_opaque_callback_data"] = f"relay:{message.pk}"
    post_webhook(payloads.to_bytes(payloads.envelope(statuses=[receipt])))
    ingest.drain()
    message, entry = reload(world, message, entry)
    assert (message.provider_message_id, message.status, entry.state) == (
        "wamid.ANSWERED",
        MessageStatus.SENT,
        OutboxState.SENT,
    )
    # A second provider id for the same message is a duplicate send, recorded on it.
    receipt = payloads.status(wamid="wamid.SECOND", status="sent")
    receipt["biz_opaque_callback_data"] = f"relay:{message.pk}"
    post_webhook(payloads.to_bytes(payloads.envelope(statuses=[receipt])))
    ingest.drain()
    message, _entry = reload(world, message, entry)
    assert message.content["_duplicate_provider_ids"] == ["wamid.SECOND"]


def test_an_uncertain_send_without_receipt_is_sent_again_after_a_while(world, conversation):
    _message, entry = queue(conversation)
    long_ago = timezone.now() - sender.UNCERTAIN_WAIT - timedelta(minutes=1)
    OutboxEntry.objects.unscoped().filter(pk=entry.pk).update(state=OutboxState.UNCERTAIN, sending_since=long_ago)
    assert sender.sweep()["resent"] == 1
    with tenant_scope(world.tenant):
        assert OutboxEntry.objects.get(pk=entry.pk).state == OutboxState.PENDING


PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c63f8cfc0f01f0005000201a7e9b0c20000000049454e44ae426082"
)


@pytest.fixture
def api(world):
    _key, secret = api_key_for(world.tenant)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {secret}")
    return client


@pytest.fixture
def _media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def upload(api, name: str, data: bytes, content_type: str):
    return api.post("/api/v1/media/", {"file": SimpleUploadedFile(name, data, content_type=content_type)})


@pytest.mark.usefixtures("_media_root")
def test_an_uploaded_photo_is_sent_by_id_and_shown_in_the_thread(world, simulator, api, conversation):
    customer_wrote(simulator)
    uploaded = upload(api, "parcel.png", PNG, "image/png")
    assert uploaded.status_code == 201, uploaded.content
    assert uploaded.json()["type"] == "image"
    media_id = uploaded.json()["id"]
    response = api.post(
        f"/api/v1/conversations/{conversation.pk}/messages/",
        {"type": "image", "image": {"id": media_id, "caption": "Your parcel"}},
        format="json",
    )
    assert response.status_code == 201, response.content
    assert response.json()["media"]["filename"] == "parcel.png"
    assert api.get(response.json()["media"]["url"]).getvalue() == PNG
    with tenant_scope(world.tenant):
        entry = OutboxEntry.objects.get(message_id=response.json()["id"])
    assert sender.deliver(tenant_id=world.tenant.pk, outbox_id=entry.pk).state == "sent"
    sent = httpx.get(f"{simulator.url}/_sim/messages?direction=outbound").json()["data"]
    assert sent[0]["request"]["image"] == {"id": media_id, "caption": "Your parcel"}


@pytest.mark.parametrize(
    "case",
    [
        ("virus.exe", b"MZ...", "application/x-msdownload", "does not accept"),
        ("huge.jpg", b"\xff" * (5 * 1024 * 1024 + 1), "image/jpeg", "up to 5 MB"),
        ("empty.pdf", b"", "application/pdf", "empty"),
    ],
)
def test_files_whatsapp_refuses_are_refused_before_upload(world, api, conversation, case):
    name, data, content_type, fragment = case
    response = upload(api, name, data, content_type)
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "invalid_media"
    assert fragment in response.json()["error"]["message"]
    with tenant_scope(world.tenant):
        assert not UploadedMedia.objects.exists()


def test_reading_a_conversation_resets_it_and_shows_blue_ticks(
    world, simulator, api, sim_number, django_capture_on_commit_callbacks
):
    simulator.config.webhook_url = "http://127.0.0.1:9/"  # the inbound webhook itself is not needed here
    sent = httpx.post(
        f"{simulator.url}/_sim/inbound",
        json={"phone_number_id": payloads.PHONE_NUMBER_ID, "from": "4915112345678", "name": "Jürgen",
              "message": {"type": "text", "text": {"body": "hi"}}},
    ).json()  # fmt: skip
    conversation = ConversationFactory.create(
        channel=sim_number.channel, contact__wa_id="4915112345678", unread_count=3
    )
    MessageFactory.create(conversation=conversation, provider_message_id=sent["id"])
    with django_capture_on_commit_callbacks() as callbacks:
        response = api.post(f"/api/v1/conversations/{conversation.pk}/read/", {"typing": True}, format="json")
    assert response.status_code == 204
    with tenant_scope(world.tenant):
        assert Conversation.objects.get(pk=conversation.pk).unread_count == 0
    assert any("conversation_read" in callback.__qualname__ for callback in callbacks)
    with tenant_scope(world.tenant):
        message = Message.objects.get(provider_message_id=sent["id"])
    read_receipt(tenant_id=world.tenant.pk, message_id=message.pk, typing=True)
    inbound = httpx.get(f"{simulator.url}/_sim/messages?direction=inbound").json()
    assert inbound["data"][-1]["read"] is True
    assert inbound["typing"] is True


def our_reactions(world, target) -> list[str]:
    with tenant_scope(world.tenant):
        return list(
            Reaction.objects.filter(message=target, direction=Direction.OUTBOUND).values_list("emoji", flat=True)
        )


def test_our_reaction_shows_on_its_target_at_once_and_a_failed_one_gives_back_the_last_that_was_sent(
    world, simulator, conversation
):
    customer_wrote(simulator)
    wrote = httpx.get(f"{simulator.url}/_sim/messages?direction=inbound").json()["data"][0]
    target = MessageFactory.create(conversation=conversation, provider_message_id=wrote["id"])

    def react(emoji: str) -> tuple[Message, OutboxEntry]:
        return queue(
            conversation, {"type": "reaction", "reaction": {"message_id": target.provider_message_id, "emoji": emoji}}
        )

    _message, entry = react("👍")
    assert our_reactions(world, target) == ["👍"]
    assert sender.deliver(tenant_id=world.tenant.pk, outbox_id=entry.pk).state == "sent"

    httpx.post(
        f"{simulator.url}/_sim/faults", json={"scope": "messages", "error_rate": 1, "error_code": 131048, "count": 1}
    )
    _message, entry = react("❤️")
    assert our_reactions(world, target) == ["❤️"]
    assert sender.deliver(tenant_id=world.tenant.pk, outbox_id=entry.pk).state == "failed"
    assert our_reactions(world, target) == ["👍"]

    _message, entry = react("")
    assert our_reactions(world, target) == []
    assert sender.deliver(tenant_id=world.tenant.pk, outbox_id=entry.pk).state == "sent"
    assert our_reactions(world, target) == []
