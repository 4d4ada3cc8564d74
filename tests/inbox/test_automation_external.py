"""The tenant's own bot, reached over real HTTP: the customer's message goes out signed, and what
it answers is sent through the same send path as every bot reply."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from accounts.models import Role
from accounts.services import Actor
from accounts.tenancy import tenant_scope
from inbox.automation.services import automation_settings_save
from inbox.models import Activity, ActivityKind, AutomationSettings
from inbox.webhooks_out import SIGNATURE_HEADER, TIMESTAMP_HEADER, signature_valid
from tests.inbox.test_automation import MONDAY_MORNING, bot_said, customer_says
from tests.whatsapp.conftest import connect_number

pytestmark = pytest.mark.django_db


@dataclass
class ExternalBot:
    """A real HTTP server playing the tenant's bot: records requests, answers `status` and `answer`."""

    url: str = ""
    status: int = 200
    answer: Any = field(default_factory=lambda: {"messages": []})
    requests: list[tuple[dict[str, str], bytes]] = field(default_factory=list)


@pytest.fixture
def external_bot() -> Iterator[ExternalBot]:
    bot = ExternalBot()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            bot.requests.append((dict(self.headers.items()), body))
            reply = json.dumps(bot.answer).encode()
            self.send_response(bot.status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(reply)))
            self.end_headers()
            self.wfile.write(reply)

        def log_message(self, format: str, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    bot.url = f"http://127.0.0.1:{server.server_address[1]}/bot"
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield bot
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture
def channel(world):
    return connect_number(world).channel


@pytest.fixture
def settings_with_external_bot(world, external_bot) -> AutomationSettings:
    with tenant_scope(world.tenant):
        return automation_settings_save(
            actor=Actor(tenant_id=world.tenant.pk, role=Role.ADMIN, user=world.admin.user),
            now=MONDAY_MORNING,
            enabled=True,
            handover_keywords=["human"],
            handover_reply="A colleague will answer you here.",
            external_bot_url=external_bot.url,
        )


def test_the_message_is_posted_signed_and_the_answer_is_sent(world, channel, external_bot, settings_with_external_bot):
    external_bot.answer = {
        "messages": [
            {"type": "text", "text": {"body": "Your order 1234 ships today."}},
            {
                "type": "interactive",
                "interactive": {
                    "type": "button",
                    "body": {"text": "Anything else?"},
                    "action": {"buttons": [{"type": "reply", "reply": {"id": "no", "title": "No, thanks"}}]},
                },
            },
        ]
    }
    customer_says(channel, "Where is order 1234?", at=MONDAY_MORNING)
    assert bot_said(world) == ["Your order 1234 ships today.", "[interactive] Anything else?"]
    headers, body = external_bot.requests[0]
    secret = settings_with_external_bot.external_bot_secret
    assert secret.startswith("whsec_")
    assert signature_valid(
        secret=secret,
        body=body,
        timestamp=headers[TIMESTAMP_HEADER],
        signature_header=headers[SIGNATURE_HEADER],
        now=time.time(),
    )
    sent = json.loads(body)
    assert sent["event"] == "message.received"
    assert sent["message"]["text"] == "Where is order 1234?"
    assert sent["contact"]["wa_id"] == "4915112345678"


@pytest.mark.parametrize(
    "case",
    [
        (500, {"error": "down"}, "external_bot_failed"),
        (200, "not an object", "external_bot_failed"),
        (200, {"messages": [{"type": "fax"}]}, "external_bot_failed"),  # refused by the send path
        (200, {"messages": [], "handover": True}, "external_bot"),
    ],
)
def test_a_failing_or_unsure_external_bot_hands_over(world, channel, external_bot, settings_with_external_bot, case):
    external_bot.status, external_bot.answer, reason = case
    customer_says(channel, "Where is my order?", at=MONDAY_MORNING)
    with tenant_scope(world.tenant):
        assert Activity.objects.get(kind=ActivityKind.HANDOVER).data["reason"] == reason


def test_talk_to_a_human_never_asks_the_external_bot(world, channel, external_bot, settings_with_external_bot):
    customer_says(channel, "human please", at=MONDAY_MORNING)
    assert external_bot.requests == []
    assert bot_said(world) == ["A colleague will answer you here."]


def test_a_replayed_or_tampered_request_is_refused_by_the_verification_helper(
    external_bot, settings_with_external_bot, world, channel
):
    customer_says(channel, "Where is my order?", at=MONDAY_MORNING)
    headers, body = external_bot.requests[0]
    secret = settings_with_external_bot.external_bot_secret
    stamp, signed = headers[TIMESTAMP_HEADER], headers[SIGNATURE_HEADER]
    later = time.time() + timedelta(minutes=6).total_seconds()
    assert not signature_valid(secret=secret, body=body, timestamp=stamp, signature_header=signed, now=later)
    assert not signature_valid(
        secret=secret, body=body + b" ", timestamp=stamp, signature_header=signed, now=time.time()
    )
    assert not signature_valid(
        secret="whsec_other", body=body, timestamp=stamp, signature_header=signed, now=time.time()
    )
