"""Agents' browsers as real WebSocket clients speaking the inbox's protocol (inbox/consumers.py).

Each `Agent` runs in its own thread with its own event loop and behaves as frontend/inbox.js
does: on every (re)connection it asks for the events after the last sequence number it has
without a gap (`{"action": "resync", "after": N}`), pages on while a resync is incomplete,
asks again when a gap stays open for a moment, and reconnects with a growing delay whenever
the socket closes or cannot be opened. The harness then checks what each agent has seen.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import threading
from typing import Any

import websockets
from websockets.asyncio.client import ClientConnection

# inbox.js asks again when a gap in the numbers stays open this long (events of concurrent
# writes may arrive slightly out of order).
GAP_RESYNC_SECONDS = 1.5
RECONNECT_DELAYS = (0.25, 0.5, 1.0, 2.0)


class Agent:
    """One signed-in browser of a tenant, connected from `after` on (events before it are not asked for)."""

    def __init__(self, *, url: str, origin: str, session: str, after: int) -> None:
        self.url = url
        self.origin = origin
        self.session = session
        self.last_seq = after  # every event up to here was seen
        self.ahead: set[int] = set()  # seen past a gap
        self.provider_ids: set[str] = set()  # of the message.created events seen
        self.connections = 0
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_until_complete, args=(self._run(),), daemon=True)

    def start(self) -> Agent:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stopping.set()
        self._thread.join(timeout=15)

    def seen(self) -> tuple[int, set[int], set[str]]:
        """The last sequence number without a gap, the numbers seen past a gap, the provider ids seen."""
        with self._lock:
            return self.last_seq, set(self.ahead), set(self.provider_ids)

    async def _run(self) -> None:
        failures = 0
        while not self._stopping.is_set():
            try:
                async with websockets.connect(
                    self.url,
                    origin=self.origin,  # type: ignore[arg-type]
                    additional_headers={"Cookie": f"sessionid={self.session}"},
                    open_timeout=5,
                    ping_interval=2,
                    ping_timeout=4,
                    close_timeout=1,
                ) as socket:
                    self.connections += 1
                    failures = 0
                    await self._session(socket)
            except (OSError, TimeoutError, websockets.WebSocketException):
                pass
            delay = RECONNECT_DELAYS[min(failures, len(RECONNECT_DELAYS) - 1)]
            failures += 1
            await asyncio.sleep(delay)

    async def _session(self, socket: ClientConnection) -> None:
        await self._resync(socket)
        gap_since: float | None = None
        loop = asyncio.get_running_loop()
        while not self._stopping.is_set():
            try:
                frame = await asyncio.wait_for(socket.recv(), timeout=0.5)
            except TimeoutError:
                frame = None
            if frame is not None:
                data = json.loads(frame)
                for event in data if isinstance(data, list) else [data]:
                    if event.get("type") == "resync.done" and not event["complete"]:
                        await self._resync(socket)
                    elif "seq" in event:
                        self._apply(event)
            with self._lock:
                gap = bool(self.ahead)
            if not gap:
                gap_since = None
            elif gap_since is None:
                gap_since = loop.time()
            elif loop.time() - gap_since > GAP_RESYNC_SECONDS:
                gap_since = None
                await self._resync(socket)
        with contextlib.suppress(websockets.WebSocketException):
            await socket.close()

    async def _resync(self, socket: ClientConnection) -> None:
        with self._lock:
            after = self.last_seq
        await socket.send(json.dumps({"action": "resync", "after": after}))

    def _apply(self, event: dict[str, Any]) -> None:
        with self._lock:
            seq = int(event["seq"])
            if event["type"] == "message.created" and event["message"].get("provider_message_id"):
                self.provider_ids.add(str(event["message"]["provider_message_id"]))
            if seq <= self.last_seq:
                return
            self.ahead.add(seq)
            while self.last_seq + 1 in self.ahead:
                self.last_seq += 1
                self.ahead.discard(self.last_seq)
