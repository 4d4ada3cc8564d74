"""Reusable fixtures: the Cloud API simulator served over real HTTP, and a webhook receiver.

Import them where needed (`from tests.whatsapp.simulator_fixtures import simulator, webhook_receiver`).
Neither touches the database.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, TypeVar

import pytest
import uvicorn
from starlette.applications import Starlette

from devstack.embedded import free_port
from whatsapp.simulator import SimulatorConfig, SimulatorState, create_app
from whatsapp.simulator.config import StatusTiming, TemplateReview

SIMULATOR_APP_SECRET = "simulator-test-app-secret"
START_TIMEOUT_SECONDS = 10
WAIT_SECONDS = 5

T = TypeVar("T")


@contextmanager
def serve_asgi(app: Any) -> Iterator[str]:
    """Serve an ASGI app with uvicorn in a background thread; yields its base URL."""
    port = free_port()
    server = uvicorn.Server(
        uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="off", access_log=False)
    )
    thread = threading.Thread(target=server.run, name=f"uvicorn-{port}", daemon=True)
    thread.start()
    deadline = time.monotonic() + START_TIMEOUT_SECONDS
    while not server.started:
        assert thread.is_alive(), "uvicorn stopped while starting"
        assert time.monotonic() < deadline, f"uvicorn did not start in {START_TIMEOUT_SECONDS} s"
        time.sleep(0.01)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=START_TIMEOUT_SECONDS)


class AdjustableClock:
    """Real time plus an offset a test moves: `clock.advance(301)` instead of sleeping.

    `clock.freeze()` stops it, so that "within one second" means exactly that however slow the machine.
    """

    def __init__(self) -> None:
        self.offset = 0.0
        self.frozen_at: float | None = None

    def __call__(self) -> float:
        return (self.frozen_at if self.frozen_at is not None else time.time()) + self.offset

    def advance(self, seconds: float) -> None:
        self.offset += seconds

    def freeze(self) -> None:
        self.frozen_at = time.time()


@dataclass
class RunningSimulator:
    url: str
    # Mutable while it runs: e.g. `simulator.config.webhook_url = webhook_receiver.url`.
    config: SimulatorConfig
    state: SimulatorState
    clock: AdjustableClock


def _test_config(public_url: str) -> SimulatorConfig:
    return SimulatorConfig(
        app_secret=SIMULATOR_APP_SECRET,
        # A closed port: set it to a receiver (or the product) to deliver webhooks.
        webhook_url=f"http://127.0.0.1:{free_port()}/webhooks/whatsapp/",
        public_url=public_url,
        webhook_retry_delays=(0.02, 0.05, 0.1),
        webhook_timeout_seconds=5.0,
        # Status webhooks of sent messages come quickly, in order.
        statuses=StatusTiming(sent_after=0.01, delivered_after=0.03, read_after=0.05),
        # Template reviews decide at once rather than after the default 2 s.
        template_review=TemplateReview(delay_seconds=0.01),
    )


@dataclass(frozen=True)
class SimulatorServer:
    url: str
    app: Starlette


_SERVER = pytest.StashKey[SimulatorServer]()


def _shared_server(config: pytest.Config) -> SimulatorServer:
    """One simulator server for the test run, started on first use (starting one takes a while)."""
    if _SERVER in config.stash:
        return config.stash[_SERVER]
    app = create_app(_test_config(""))
    stack = ExitStack()
    url = stack.enter_context(serve_asgi(app))

    def stop() -> None:
        # Let the last status webhooks finish rather than cancel them mid-connection.
        tasks: set[Any] = app.state.background_tasks
        deadline = time.monotonic() + START_TIMEOUT_SECONDS
        while tasks and time.monotonic() < deadline:
            time.sleep(0.01)
        stack.close()

    config.add_cleanup(stop)
    config.stash[_SERVER] = SimulatorServer(url=url, app=app)
    return config.stash[_SERVER]


@pytest.fixture
def simulator(request: pytest.FixtureRequest) -> Iterator[RunningSimulator]:
    """The simulator over HTTP, on an adjustable clock, accepting any token; webhooks go nowhere until pointed.

    Each test gets its own state and config, on a server shared by the test run.
    """
    server = _shared_server(request.config)
    clock = AdjustableClock()
    state = SimulatorState(clock=clock)
    config = _test_config(server.url)
    # Every request reads these anew: the next request already sees this test's simulator.
    server.app.state.config = config
    server.app.state.simulator = state
    yield RunningSimulator(url=server.url, config=config, state=state, clock=clock)
    # Status webhooks still on their way belong to this test: send them nowhere, at once, so they
    # cannot reach a later test's receiver on a reused port.
    config.webhook_url = "http://127.0.0.1:9/webhooks/whatsapp/"
    config.webhook_retry_delays = ()


@dataclass(frozen=True)
class ReceivedRequest:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes

    def header(self, name: str) -> str | None:
        """A header by name, whatever its case."""
        wanted = name.lower()
        return next((value for key, value in self.headers.items() if key.lower() == wanted), None)


@dataclass
class WebhookReceiver:
    """A real HTTP server recording every request; answers 200 unless told otherwise."""

    url: str
    requests: list[ReceivedRequest] = field(default_factory=list)
    # Statuses to answer first, in order (e.g. [500, 500] then the default).
    next_statuses: list[int] = field(default_factory=list)
    default_status: int = 200
    lock: threading.Lock = field(default_factory=threading.Lock)

    def answer_with(self, *statuses: int) -> None:
        with self.lock:
            self.next_statuses.extend(statuses)

    def received(self) -> list[ReceivedRequest]:
        with self.lock:
            return list(self.requests)

    def statuses(self) -> list[dict[str, Any]]:
        """Every `statuses[]` item received so far, in arrival order."""
        found = []
        for request in self.received():
            for entry in json.loads(request.body).get("entry", []):
                for change in entry.get("changes", []):
                    found.extend(change.get("value", {}).get("statuses", []))
        return found

    def changes(self, field: str) -> list[dict[str, Any]]:
        """The `value` of every change of this `field` received so far (e.g. template webhooks), in order."""
        found = []
        for request in self.received():
            for entry in json.loads(request.body).get("entry", []):
                for change in entry.get("changes", []):
                    if change.get("field") == field:
                        found.append(change.get("value", {}))
        return found

    def wait_for(self, check: Callable[[WebhookReceiver], T], *, timeout: float = WAIT_SECONDS) -> T:
        """The first truthy `check(self)`, polled until `timeout`."""
        deadline = time.monotonic() + timeout
        while True:
            if result := check(self):
                return result
            if time.monotonic() > deadline:
                raise AssertionError(f"webhooks not received in {timeout} s; got {self.statuses()}")
            time.sleep(0.01)

    def _record(self, request: ReceivedRequest) -> int:
        with self.lock:
            self.requests.append(request)
            return self.next_statuses.pop(0) if self.next_statuses else self.default_status


def _handler_for(record: Callable[[ReceivedRequest], int]) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def _handle(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else b""
            status = record(ReceivedRequest(self.command, self.path, dict(self.headers.items()), body))
            self.send_response(status)
            self.send_header("Content-Type", "text/plain")
            self.send_header("Content-Length", "0")
            self.end_headers()

        do_GET = do_POST = do_PUT = do_DELETE = _handle

        def log_message(self, format: str, *args: Any) -> None:
            pass  # keep test output quiet

    return Handler


@pytest.fixture
def webhook_receiver() -> Iterator[WebhookReceiver]:
    """A webhook endpoint at `.url` (path /webhooks/whatsapp/) recording what it receives."""
    receiver = WebhookReceiver(url="")
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler_for(receiver._record))
    receiver.url = f"http://127.0.0.1:{server.server_address[1]}/webhooks/whatsapp/"
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield receiver
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)
