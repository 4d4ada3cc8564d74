"""The inbound path on the real stack: the simulator plays the customer's phone and Meta, the
product's ASGI server takes the signed webhook, a Celery worker process stores it and downloads
the media through the Graph client, and the tenant's channel group hears about it."""

from __future__ import annotations

import base64
import json
import time
from collections.abc import Callable
from typing import Any

import httpx
import pytest
from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.conf import settings

from accounts.crypto.media import media_read
from accounts.tenancy import tenant_scope
from inbox.events import tenant_group
from inbox.models import Attachment, AttachmentState, Message
from tests.accounts.factories import api_key_for
from tests.whatsapp.conftest import connect_number

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]

PNG = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg=="
)


def wait_for(check: Callable[[], Any], *, timeout: float = 20) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if result := check():
            return result
        time.sleep(0.1)
    raise AssertionError("timed out waiting")


def test_a_customer_message_travels_from_phone_to_inbox(
    world,
    asgi_server,
    celery_worker_process,
    simulator,
):
    simulator.config.webhook_url = f"{asgi_server.url}/webhooks/whatsapp/"
    simulator.config.app_secret = settings.WHATSAPP_APP_SECRET
    number = connect_number(world, graph_api_base_url=simulator.url)
    layer = get_channel_layer()
    channel = async_to_sync(layer.new_channel)()
    async_to_sync(layer.group_add)(tenant_group(world.tenant.pk), channel)

    sent = httpx.post(
        f"{simulator.url}/_sim/inbound",
        json={
            "phone_number_id": number.phone_number_id,
            "from": "4915112345678",
            "name": "Jürgen Weiß",
            "message": {"type": "text", "text": {"body": "Ist meine Bestellung unterwegs?"}},
        },
    ).json()
    assert sent["webhook_status"] == 200

    def stored() -> Message | None:
        with tenant_scope(world.tenant):
            return Message.objects.filter(provider_message_id=sent["id"]).first()

    message = wait_for(stored)
    assert message.text == "Ist meine Bestellung unterwegs?"
    published = json.loads(async_to_sync(layer.receive)(channel)["frame"])
    assert [event["type"] for event in published] == ["message.created", "conversation.updated"]
    assert published[0]["message"]["id"] == message.pk
    assert published[1]["seq"] == published[0]["seq"] + 1

    photo = httpx.post(
        f"{simulator.url}/_sim/inbound",
        json={
            "phone_number_id": number.phone_number_id,
            "from": "4915112345678",
            "name": "Jürgen Weiß",
            "message": {
                "type": "image",
                "image": {"data": base64.b64encode(PNG).decode(), "mime_type": "image/png", "caption": "Das Paket"},
            },
        },
    ).json()

    def downloaded() -> Attachment | None:
        with tenant_scope(world.tenant):
            return Attachment.objects.filter(
                message__provider_message_id=photo["id"], state=AttachmentState.READY
            ).first()

    attachment = wait_for(downloaded)
    assert attachment.size == len(PNG)
    assert attachment.mime_type == "image/png"
    assert media_read(attachment.file.name) == PNG


def test_an_agents_reply_travels_to_the_phone_and_its_ticks_come_back(
    world,
    asgi_server,
    celery_worker_process,
    simulator,
):
    simulator.config.webhook_url = f"{asgi_server.url}/webhooks/whatsapp/"
    simulator.config.app_secret = settings.WHATSAPP_APP_SECRET
    number = connect_number(world, graph_api_base_url=simulator.url)
    customer = {"phone_number_id": number.phone_number_id, "from": "4915112345678", "name": "Jürgen"}
    sent = httpx.post(
        f"{simulator.url}/_sim/inbound", json={**customer, "message": {"type": "text", "text": {"body": "Hallo?"}}}
    ).json()

    def stored() -> Message | None:
        with tenant_scope(world.tenant):
            return Message.objects.filter(provider_message_id=sent["id"]).first()

    question = wait_for(stored)
    _key, secret = api_key_for(world.tenant)
    reply = httpx.post(
        f"{asgi_server.url}/api/v1/conversations/{question.conversation_id}/messages/",
        json={"type": "text", "text": {"body": "Ja, sie ist unterwegs."}, "context": {"message_id": sent["id"]}},
        headers={"Authorization": f"Bearer {secret}"},
    )
    assert reply.status_code == 201, reply.text

    def read() -> Message | None:
        with tenant_scope(world.tenant):
            return Message.objects.filter(pk=reply.json()["id"], status="read").first()

    answer = wait_for(read)
    assert answer.reply_to_id == question.pk
    on_phone = httpx.get(f"{simulator.url}/_sim/messages?direction=outbound").json()["data"]
    assert [m["request"]["text"]["body"] for m in on_phone] == ["Ja, sie ist unterwegs."]
