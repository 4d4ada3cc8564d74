"""The bot on the real stack: the simulator plays the customer's phone and Meta, the ASGI server
takes the signed webhook, a Celery worker process stores the message, runs the bot and delivers
its greeting back to the customer's phone through the Graph API; the tenant's own system is told
of both messages by outbound event webhooks."""

from __future__ import annotations

import json

import httpx
import pytest
from django.conf import settings
from django.utils import timezone

from accounts.models import Role
from accounts.services import Actor
from accounts.tenancy import tenant_scope
from inbox.automation.services import automation_settings_save
from inbox.hooks.services import event_subscription_create
from tests.whatsapp.conftest import connect_number
from tests.whatsapp.simulator_fixtures import simulator, webhook_receiver  # noqa: F401 (fixtures)
from tests.whatsapp.test_end_to_end import wait_for

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]


def test_a_first_time_customer_is_greeted_on_their_phone(
    world,
    asgi_server,
    celery_worker_process,
    simulator,  # noqa: F811
    webhook_receiver,  # noqa: F811
):
    simulator.config.webhook_url = f"{asgi_server.url}/webhooks/whatsapp/"
    simulator.config.app_secret = settings.WHATSAPP_APP_SECRET
    number = connect_number(world, graph_api_base_url=simulator.url)
    admin = Actor(tenant_id=world.tenant.pk, role=Role.ADMIN, user=world.admin.user)
    with tenant_scope(world.tenant):
        automation_settings_save(
            actor=admin, now=timezone.now(), enabled=True, greeting="Welcome to Acme Coffee! How can we help?"
        )
        # The tenant's CRM hears of both messages, delivered by the worker.
        event_subscription_create(
            actor=admin, url=webhook_receiver.url, event_types=["message.created"], now=timezone.now()
        )
    sent = httpx.post(
        f"{simulator.url}/_sim/inbound",
        json={
            "phone_number_id": number.phone_number_id,
            "from": "4915112345678",
            "name": "Jürgen",
            "message": {"type": "text", "text": {"body": "Hallo!"}},
        },
    ).json()
    assert sent["webhook_status"] == 200

    def greeting_on_the_phone() -> list[dict]:
        return httpx.get(f"{simulator.url}/_sim/messages?direction=outbound").json()["data"]

    delivered = wait_for(greeting_on_the_phone)
    assert len(delivered) == 1
    assert delivered[0]["request"]["to"] == "4915112345678"
    assert delivered[0]["request"]["text"]["body"] == "Welcome to Acme Coffee! How can we help?"
    events = webhook_receiver.wait_for(lambda r: len(r.received()) >= 2 and r.received(), timeout=20)
    directions = sorted(json.loads(e.body)["data"]["message"]["direction"] for e in events)
    assert directions == ["in", "out"]
