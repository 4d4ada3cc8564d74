"""Injected faults (`/_sim/faults`): errors, 5xx pages, latency and dropped connections on the
messages endpoint or on every Graph endpoint, for a number of requests or until reset."""

from __future__ import annotations

import asyncio
import contextlib
import random
import re
import threading
from dataclasses import dataclass, field
from typing import Any, Literal

from starlette.responses import HTMLResponse, JSONResponse, Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from whatsapp.simulator.errors import graph_error_body, meta_error
from whatsapp.simulator.harness import SimulatorRequestError, integer_field, number_field
from whatsapp.simulator.media import ATTACHMENTS_PATH

MESSAGES_PATH = re.compile(r"/v\d+\.\d+/[^/]+/messages/?")
GRAPH_PATH = re.compile(r"/v\d+\.\d+/.*")
FaultScope = Literal["messages", "graph"]


@dataclass
class Fault:
    """What happens to the requests a fault hits; `remaining` None: until reset."""

    id: int
    scope: FaultScope = "messages"
    error_rate: float = 1.0
    # A Graph error envelope with this code (HTTP status from Meta's table unless `http_status`).
    error_code: int | None = None
    # Without `error_code`: this status with a proxy's HTML page instead of JSON.
    http_status: int | None = None
    latency_seconds: float = 0.0
    # Hold the request this long (or until the client gives up), then drop the connection.
    timeout_seconds: float | None = None
    remaining: int | None = None
    # Only requests on this number's paths (one tenant's number failing while others work).
    phone_number_id: str | None = None
    seed: int | None = None
    # Requests this fault has hit so far (a client's retries can be counted).
    hits: int = 0
    # Not cryptographic: a seeded generator makes a test's faults repeatable.
    rng: random.Random = field(default_factory=random.Random, repr=False)

    def applies_to(self, *, method: str, path: str) -> bool:
        if self.phone_number_id is not None and f"/{self.phone_number_id}/" not in f"{path}/":
            return False
        if self.scope == "messages":
            return method == "POST" and MESSAGES_PATH.fullmatch(path) is not None
        return GRAPH_PATH.fullmatch(path) is not None or path == ATTACHMENTS_PATH

    def as_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "scope": self.scope,
            "error_rate": self.error_rate,
            "error_code": self.error_code,
            "http_status": self.http_status,
            "latency_seconds": self.latency_seconds,
            "timeout": self.timeout_seconds,
            "count": self.remaining,
            "phone_number_id": self.phone_number_id,
            "seed": self.seed,
            "hits": self.hits,
        }


def fault_from_request(payload: dict[str, Any], *, fault_id: int) -> Fault:
    fault = Fault(id=fault_id)
    scope = payload.get("scope", "messages")
    if scope not in {"messages", "graph"}:
        raise SimulatorRequestError('\'scope\' must be "messages" or "graph" (every Graph endpoint)')
    fault.scope = scope
    if "error_rate" in payload:
        fault.error_rate = number_field(payload, "error_rate", maximum=1)
    if payload.get("error_code") is not None:
        fault.error_code = integer_field(payload, "error_code", minimum=0)
    if payload.get("http_status") is not None:
        fault.http_status = integer_field(payload, "http_status", minimum=400)
        if fault.error_code is None and fault.http_status < 500:
            raise SimulatorRequestError("'http_status' without 'error_code' must be a 5xx (a proxy's error page)")
    if "latency_seconds" in payload:
        fault.latency_seconds = number_field(payload, "latency_seconds", maximum=600)
    if payload.get("timeout") is not None:
        fault.timeout_seconds = number_field(payload, "timeout", maximum=600)
    if payload.get("count") is not None:
        fault.remaining = integer_field(payload, "count", minimum=1)
    if payload.get("phone_number_id") is not None:
        if not str(payload["phone_number_id"]).isdigit():
            raise SimulatorRequestError("'phone_number_id' must be digits")
        fault.phone_number_id = str(payload["phone_number_id"])
    if payload.get("seed") is not None:
        fault.seed = integer_field(payload, "seed")
        fault.rng.seed(fault.seed)
    if not (fault.error_code or fault.http_status or fault.latency_seconds or fault.timeout_seconds is not None):
        raise SimulatorRequestError("give at least one of error_code, http_status, latency_seconds, timeout")
    return fault


class FaultStore:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._faults: list[Fault] = []
        self._next_id = 1

    def add(self, payload: dict[str, Any]) -> Fault:
        with self._lock:
            fault = fault_from_request(payload, fault_id=self._next_id)
            self._next_id += 1
            self._faults.append(fault)
            return fault

    def all(self) -> list[Fault]:
        with self._lock:
            return list(self._faults)

    def clear(self) -> None:
        with self._lock:
            self._faults.clear()

    def draw(self, *, method: str, path: str) -> Fault | None:
        """The first fault that hits this request, counted; None when the request goes through."""
        with self._lock:
            for fault in self._faults:
                if not fault.applies_to(method=method, path=path):
                    continue
                if fault.error_rate < 1 and fault.rng.random() >= fault.error_rate:
                    continue
                fault.hits += 1
                if fault.remaining is not None:
                    fault.remaining -= 1
                    if fault.remaining == 0:
                        self._faults.remove(fault)
                return fault
        return None


class FaultInjection:
    """ASGI middleware: requests a fault hits never reach the endpoint (latency alone delays them)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        faults: FaultStore = scope["app"].state.simulator.faults
        fault = faults.draw(method=scope["method"], path=scope["path"])
        if fault is None:
            await self.app(scope, receive, send)
            return
        if fault.latency_seconds:
            # Meta has the whole request before it is slow to answer: a client that gives up
            # meanwhile (its timeout, a crash) does not take the request back.
            receive = await _buffered(receive)
            await asyncio.sleep(fault.latency_seconds)
        if fault.timeout_seconds is not None:
            await _drain(receive)
            await _hold_then_drop(receive, send, seconds=fault.timeout_seconds)
            return
        response = _error_response(fault)
        if response is None:
            await self.app(scope, receive, send)
            return
        await _drain(receive)
        await response(scope, receive, send)


def _error_response(fault: Fault) -> Response | None:
    if fault.error_code is not None:
        error = meta_error(fault.error_code, http_status=fault.http_status)
        return JSONResponse(graph_error_body(error), status_code=error.http_status)
    if fault.http_status is not None:
        page = f"<html><body><h1>{fault.http_status} Bad Gateway</h1><p>The upstream server failed.</p></body></html>"
        return HTMLResponse(page, status_code=fault.http_status)
    return None


async def _buffered(receive: Receive) -> Receive:
    """Read the request body now; the endpoint gets it later whatever the client did meanwhile."""
    received: list[Message] = []
    message: Message = {"more_body": True}
    while message.get("more_body", False):
        message = await receive()
        if message["type"] == "http.disconnect":
            break
        received.append(message)

    async def replay() -> Message:
        return received.pop(0) if received else await receive()

    return replay


async def _drain(receive: Receive) -> None:
    message: Message = {"more_body": True}
    while message.get("more_body", False):
        message = await receive()
        if message["type"] == "http.disconnect":
            return


async def _hold_then_drop(receive: Receive, send: Send, *, seconds: float) -> None:
    """Answer nothing for `seconds` (less if the client hangs up), then cut the response short."""
    with contextlib.suppress(TimeoutError):
        async with asyncio.timeout(seconds):
            while (await receive())["type"] != "http.disconnect":
                pass
            return
    # Headers promising a body that never comes: the server then closes the connection.
    await send({"type": "http.response.start", "status": 200, "headers": [(b"content-length", b"1")]})
