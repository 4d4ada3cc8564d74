"""The tenant's own bot: the customer's message is POSTed to its URL as signed JSON
(`inbox.webhooks_out`), and its JSON answer says what to send back.

Request: `{"event": "message.received", "conversation_id", "contact": {"id", "wa_id", "name"},
"message": {"id", "type", "text", "reply_id", "sent_at"}, "language"}`.
Answer (200): `{"messages": [<message JSON as the send API takes it>, …], "handover": false}`;
at most 5 messages. Anything else (an error status, a timeout, JSON of another shape) hands
the conversation to the team, so the customer is never left without an answer.
"""

from __future__ import annotations

import logging
import time
from typing import Any

import httpx

from inbox.automation.policy import ExternalAnswer
from inbox.models import Message
from inbox.webhooks_out import signed_request

logger = logging.getLogger(__name__)

TIMEOUT_SECONDS = 10.0
MAX_MESSAGES = 5
FAILED = ExternalAnswer(failed=True)


def request_payload(message: Message, *, language: str) -> dict[str, Any]:
    contact = message.conversation.contact
    content = message.content or {}
    return {
        "event": "message.received",
        "conversation_id": message.conversation_id,
        "contact": {"id": contact.pk, "wa_id": contact.wa_id, "name": contact.display_name},
        "message": {
            "id": message.pk,
            "type": message.type,
            "text": message.text,
            "reply_id": str(content.get("id") or content.get("payload") or ""),
            "sent_at": message.sent_at.isoformat(),
        },
        "language": language,
    }


def parse_answer(data: Any) -> ExternalAnswer:
    """The bot's answer, or FAILED when it is not of the documented shape."""
    if not isinstance(data, dict):
        return FAILED
    messages = data.get("messages", [])
    handover = data.get("handover", False)
    if not isinstance(messages, list) or not isinstance(handover, bool) or len(messages) > MAX_MESSAGES:
        return FAILED
    if not all(isinstance(m, dict) for m in messages):
        return FAILED
    return ExternalAnswer(messages=tuple(messages), handover=handover)


def ask(*, url: str, secret: str, payload: dict[str, Any]) -> ExternalAnswer:
    body, headers = signed_request(secret=secret, payload=payload, timestamp=int(time.time()))
    try:
        response = httpx.post(url, content=body, headers=headers, timeout=TIMEOUT_SECONDS, follow_redirects=False)
    except httpx.HTTPError as error:
        logger.warning("external bot at %s not reached: %s", url, error)
        return FAILED
    if response.status_code != 200:
        logger.warning("external bot at %s answered %s", url, response.status_code)
        return FAILED
    try:
        return parse_answer(response.json())
    except ValueError:
        return FAILED
