"""Fixtures for the WhatsApp channel: a connected number for `world`, and posting signed webhooks."""

from __future__ import annotations

from typing import Any

import pytest
import redis
from django.conf import settings
from django.test import Client

from accounts.models import Role
from accounts.services import Actor
from tests.whatsapp import payloads
from tests.whatsapp.simulator_fixtures import simulator, webhook_receiver  # noqa: F401 (fixtures for the package)
from whatsapp.models import WhatsAppNumber
from whatsapp.services.numbers import NumberDetails, number_connect

WEBHOOK_URL = "/webhooks/whatsapp/"


@pytest.fixture(autouse=True)
def _fresh_rate_limits() -> None:
    """Each test starts with the numbers' and customers' sending slots free."""
    client = redis.Redis.from_url(settings.REDIS_URL)
    keys = list(client.scan_iter(f"{settings.REDIS_KEY_PREFIX}:rate:*"))
    if keys:
        client.delete(*keys)


def connect_number(world: Any, *, phone_number_id: str = payloads.PHONE_NUMBER_ID, **overrides: Any) -> WhatsAppNumber:
    details = NumberDetails(
        display_phone_number=overrides.pop("display_phone_number", payloads.DISPLAY_PHONE_NUMBER),
        phone_number_id=phone_number_id,
        waba_id=overrides.pop("waba_id", payloads.WABA_ID),
        access_token=overrides.pop("access_token", "test-access-token"),
        verify_token=overrides.pop("verify_token", "test-verify-token"),
        **overrides,
    )
    actor = Actor(tenant_id=world.tenant.pk, role=Role.OWNER, user=world.owner.user)
    return number_connect(tenant=world.tenant, actor=actor, details=details)


@pytest.fixture
def number(world: Any) -> WhatsAppNumber:
    return connect_number(world)


def post_webhook(body: bytes, *, secret: str | None = None, signature: str | None = None) -> Any:
    """POST `body` to the webhook as Meta would: signed with the app secret unless told otherwise."""
    headers = payloads.signed(body, secret if secret is not None else settings.WHATSAPP_APP_SECRET)
    if signature is not None:
        headers["X-Hub-Signature-256"] = signature
    return Client().post(
        WEBHOOK_URL, data=body, content_type="application/json", HTTP_X_HUB_SIGNATURE_256=headers["X-Hub-Signature-256"]
    )
