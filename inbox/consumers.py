"""The WebSocket an agent's browser keeps open to receive its tenant's live events.

Events come as frames holding a JSON array of events (those of one committed write, or the
ones a resync returns); every event carries its tenant sequence number (`seq`). Other frames
(presence, errors, resync.done) are single JSON objects. A browser that reconnects sends
`{"action": "resync", "after": <last seq it saw>}` and receives the events it missed, then
`{"type": "resync.done", "last_seq": N, "complete": bool}` (not complete: ask again from N).

Presence (the collision notice): the browser sends `{"action": "presence", "conversation": <id>,
"state": "viewing" | "typing" | "left"}`; once the conversation is known to be the tenant's, the
other browsers of the tenant receive `{"type": "presence", "conversation_id", "user_id", "name",
"state"}`. Presence is never stored, numbered or resynced: it is only true now, and the browser
repeats it while it lasts. A socket that closes tells the others it left.
"""

from __future__ import annotations

import time
from typing import Any

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer

from accounts.middleware import session_is_over
from accounts.security import two_factor_satisfied
from accounts.selectors import membership_by_slug
from inbox.events import tenant_group
from inbox.selectors import conversation_exists, events_after

# Close code for "not allowed": the browser must not retry with the same session.
CLOSE_FORBIDDEN = 4403
PRESENCE_STATES = ("viewing", "typing", "left")
# Conversation ids already checked on this socket; a browser repeats its presence every few seconds.
MAX_CHECKED_CONVERSATIONS = 200
MAX_ID = 2**63 - 1


class TenantEventsConsumer(AsyncJsonWebsocketConsumer):
    group: str | None = None
    tenant_id: int | None = None
    user_id: int | None = None
    user_name: str = ""
    # The conversation this browser last said it views or types in, to say "left" when it closes.
    present_in: int | None = None

    async def connect(self) -> None:
        user = self.scope.get("user")
        slug = self.scope["url_route"]["kwargs"]["tenant_slug"]
        membership = None
        session = self.scope.get("session")
        # A session idle or old past its limits opens no socket, as it would open no page.
        over = session is not None and await database_sync_to_async(session_is_over)(session, now=time.time())
        if user is not None and user.is_authenticated and not over:
            membership = await database_sync_to_async(membership_by_slug)(slug=slug, user=user)
        # A workspace that requires two-factor sign-in shows nothing live to a member without it.
        if membership is None or not await database_sync_to_async(two_factor_satisfied)(membership):
            await self.close(code=CLOSE_FORBIDDEN)
            return
        self.tenant_id = membership.tenant_id
        self.user_id = membership.user_id
        self.user_name = membership.user.name or membership.user.email
        self.checked_conversations: set[int] = set()
        self.group = tenant_group(membership.tenant_id)
        await self.channel_layer.group_add(self.group, self.channel_name)
        await self.accept()

    async def disconnect(self, code: int) -> None:
        if self.group is None:
            return
        if self.present_in is not None:
            await self._relay_presence(self.present_in, "left")
        await self.channel_layer.group_discard(self.group, self.channel_name)

    async def receive_json(self, content: Any, **kwargs: Any) -> None:
        action = content.get("action") if isinstance(content, dict) else None
        if action == "resync":
            await self._resync(content)
        elif action == "presence":
            await self._presence(content)
        else:
            await self._error("unknown_action", 'Send {"action": "resync"} or {"action": "presence"}.')

    async def _error(self, code: str, message: str) -> None:
        await self.send_json({"type": "error", "code": code, "message": message})

    async def _resync(self, content: dict[str, Any]) -> None:
        after = content.get("after", 0)
        if not isinstance(after, int) or isinstance(after, bool) or after < 0:
            await self._error("invalid_after", "`after` is a sequence number.")
            return
        assert self.tenant_id is not None
        events, complete = await database_sync_to_async(events_after)(tenant_id=self.tenant_id, after=after)
        if events:
            await self.send_json(events)
        last_seq = events[-1]["seq"] if events else after
        await self.send_json({"type": "resync.done", "last_seq": last_seq, "complete": complete})

    async def _presence(self, content: dict[str, Any]) -> None:
        conversation_id, state = content.get("conversation"), content.get("state")
        if state not in PRESENCE_STATES:
            await self._error("invalid_state", "`state` is viewing, typing or left.")
            return
        if (
            not isinstance(conversation_id, int)
            or isinstance(conversation_id, bool)
            or not 0 < conversation_id <= MAX_ID
        ):
            await self._error("invalid_conversation", "`conversation` is a conversation id.")
            return
        if conversation_id not in self.checked_conversations:
            assert self.tenant_id is not None
            exists = await database_sync_to_async(conversation_exists)(
                tenant=self.tenant_id, conversation_id=conversation_id
            )
            if not exists:
                # The same answer for another tenant's conversation and for none at all.
                await self._error("unknown_conversation", "There is no such conversation.")
                return
            if len(self.checked_conversations) >= MAX_CHECKED_CONVERSATIONS:
                self.checked_conversations.clear()
            self.checked_conversations.add(conversation_id)
        if state == "left":
            self.present_in = None if self.present_in == conversation_id else self.present_in
        else:
            if self.present_in is not None and self.present_in != conversation_id:
                await self._relay_presence(self.present_in, "left")  # moved on without saying so
            self.present_in = conversation_id
        await self._relay_presence(conversation_id, state)

    async def _relay_presence(self, conversation_id: int, state: str) -> None:
        assert self.group is not None
        presence = {
            "type": "presence",
            "conversation_id": conversation_id,
            "user_id": self.user_id,
            "name": self.user_name,
            "state": state,
        }
        await self.channel_layer.group_send(self.group, {"type": "tenant.presence", "presence": presence})

    async def tenant_events(self, message: dict[str, Any]) -> None:
        # Encoded once by the publisher for every socket of the tenant: a JSON array of events.
        await self.send(text_data=message["frame"])

    async def tenant_presence(self, message: dict[str, Any]) -> None:
        # Only colleagues are told: a person's own tabs would announce them to themselves.
        if message["presence"]["user_id"] != self.user_id:
            await self.send_json(message["presence"])
