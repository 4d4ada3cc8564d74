"""The WebSocket an agent's browser keeps open to receive its tenant's live events."""

from __future__ import annotations

from typing import Any

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer

from accounts.selectors import membership_by_slug
from inbox.events import tenant_group

# Close code for "not allowed": the browser must not retry with the same session.
CLOSE_FORBIDDEN = 4403


class TenantEventsConsumer(AsyncJsonWebsocketConsumer):
    group: str | None = None

    async def connect(self) -> None:
        user = self.scope.get("user")
        slug = self.scope["url_route"]["kwargs"]["tenant_slug"]
        membership = None
        if user is not None and user.is_authenticated:
            membership = await database_sync_to_async(membership_by_slug)(slug=slug, user=user)
        if membership is None:
            await self.close(code=CLOSE_FORBIDDEN)
            return
        self.group = tenant_group(membership.tenant_id)
        await self.channel_layer.group_add(self.group, self.channel_name)
        await self.accept()

    async def disconnect(self, code: int) -> None:
        if self.group is not None:
            await self.channel_layer.group_discard(self.group, self.channel_name)

    async def tenant_event(self, message: dict[str, Any]) -> None:
        await self.send_json(message["event"])
