"""Live events for a tenant's open browsers, published only once the writing transaction commits.

Events travel in batches: one channel-layer message per committed write, encoded once, which
every consumer of the tenant hands to its browser as one frame (a JSON array, in order). With
fifty agents online an inbound message would otherwise cost some 150 frames and encodings.
"""

from __future__ import annotations

import json
from typing import Any

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.db import transaction


def tenant_group(tenant_id: int) -> str:
    return f"tenant.{tenant_id}"


def publish(*, tenant_id: int, events: list[dict[str, Any]]) -> None:
    layer = get_channel_layer()
    assert layer is not None, "CHANNEL_LAYERS is not configured"
    frame = json.dumps(events, ensure_ascii=False, separators=(",", ":"))
    async_to_sync(layer.group_send)(tenant_group(tenant_id), {"type": "tenant.events", "frame": frame})


def publish_on_commit(*, tenant_id: int, events: list[dict[str, Any]]) -> None:
    """Publish after commit, so no browser ever sees a row that was rolled back.

    Robust: a channel layer that fails (Redis down, or its connections dead after a restart)
    is logged and skipped, never turns a committed write into an error or stops the callbacks
    after it (queueing the send); browsers catch up from the stored events when they resync.
    """
    transaction.on_commit(lambda: publish(tenant_id=tenant_id, events=events), robust=True)
