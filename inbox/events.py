"""Live events for a tenant's open browsers, published only once the writing transaction commits.

Events travel in batches (one channel-layer message per committed write), and the consumer
hands them to the browser one frame each, in order.
"""

from __future__ import annotations

from typing import Any

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.db import transaction


def tenant_group(tenant_id: int) -> str:
    return f"tenant.{tenant_id}"


def publish(*, tenant_id: int, events: list[dict[str, Any]]) -> None:
    layer = get_channel_layer()
    assert layer is not None, "CHANNEL_LAYERS is not configured"
    async_to_sync(layer.group_send)(tenant_group(tenant_id), {"type": "tenant.events", "events": events})


def publish_on_commit(*, tenant_id: int, events: list[dict[str, Any]]) -> None:
    """Publish after commit, so no browser ever sees a row that was rolled back."""
    transaction.on_commit(lambda: publish(tenant_id=tenant_id, events=events))
