"""The WebSocket an agent's browser keeps open to receive its tenant's live events.

Every event carries its tenant sequence number (`seq`). A browser that reconnects sends
`{"action": "resync", "after": <last seq it saw>}` and receives the events it missed, then
`{"type": "resync.done", "last_seq": N, "complete": bool}` (not complete: ask again from N).
"""

from __future__ import annotations

from typing import Any

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer

from accounts.selectors import membership_by_slug
from inbox.events import tenant_group
from inbox.selectors import events_after

# Close code for "not allowed": the browser must not retry with the same session.
CLOSE_FORBIDDEN = 4403


class TenantEventsConsumer(AsyncJsonWebsocketConsumer):
    group: str | None = None
    tenant_id: int | None = None

    async def connect(self) -> None:
        user = self.scope.get("user")
        slug = self.scope["url_route"]["kwargs"]["tenant_slug"]
        membership = None
        if user is not None and user.is_authenticated:
            membership = await database_sync_to_async(membership_by_slug)(slug=slug, user=user)
        if membership is None:
            await self.close(code=CLOSE_FORBIDDEN)
            return
        self.tenant_id = membership.tenant_id
        self.group = tenant_group(membership.tenant_id)
        await self.channel_layer.group_add(self.group, self.channel_name)
        await self.accept()

    async def disconnect(self, code: int) -> None:
        if self.group is not None:
            await self.channel_layer.group_discard(self.group, self.channel_name)

    async def receive_json(self, content: Any, **kwargs: Any) -> None:
        if not isinstance(content, dict) or content.get("action") != "resync":
            await self.send_json({"type": "error", "code": "unknown_action", "message": 'Send {"action": "resync"}.'})
            return
        after = content.get("after", 0)
        if not isinstance(after, int) or after < 0:
            await self.send_json({"type": "error", "code": "invalid_after", "message": "`after` is a sequence number."})
            return
        assert self.tenant_id is not None
        events, complete = await database_sync_to_async(events_after)(tenant_id=self.tenant_id, after=after)
        for event in events:
            await self.send_json(event)
        last_seq = events[-1]["seq"] if events else after
        await self.send_json({"type": "resync.done", "last_seq": last_seq, "complete": complete})

    async def tenant_events(self, message: dict[str, Any]) -> None:
        for event in message["events"]:
            await self.send_json(event)
