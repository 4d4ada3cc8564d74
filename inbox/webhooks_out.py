"""Signed JSON POSTs to tenants' own systems (their bot; later their event subscribers).

Every request carries `X-Relay-Timestamp` (Unix seconds) and `X-Relay-Signature:
sha256=<hex>`, the HMAC-SHA256 of "<timestamp>.<raw body>" with the endpoint's secret. A
receiver checks it with `signature_valid` (or the same few lines in its own language): the
signature must match, and the timestamp must be within `REPLAY_WINDOW_SECONDS` (5 minutes) of
its clock, so a request captured on the way can't be replayed later.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
from typing import Any

TIMESTAMP_HEADER = "X-Relay-Timestamp"
SIGNATURE_HEADER = "X-Relay-Signature"
REPLAY_WINDOW_SECONDS = 300


def new_secret() -> str:
    return f"whsec_{secrets.token_urlsafe(24)}"


def signature(*, secret: str, timestamp: int, body: bytes) -> str:
    digest = hmac.new(secret.encode(), str(timestamp).encode() + b"." + body, hashlib.sha256).hexdigest()
    return f"sha256={digest}"


def signed_request(*, secret: str, payload: dict[str, Any], timestamp: int) -> tuple[bytes, dict[str, str]]:
    """The body and headers of a signed POST of `payload`."""
    body = json.dumps(payload, separators=(",", ":"), ensure_ascii=False).encode()
    headers = {
        "Content-Type": "application/json",
        TIMESTAMP_HEADER: str(timestamp),
        SIGNATURE_HEADER: signature(secret=secret, timestamp=timestamp, body=body),
    }
    return body, headers


def signature_valid(
    *, secret: str, body: bytes, timestamp: str | None, signature_header: str | None, now: float
) -> bool:
    """What a receiver checks: a well-formed timestamp within the replay window of `now` (Unix
    seconds), and the signature over it and the body (compared in constant time)."""
    if not timestamp or not signature_header or not timestamp.isdigit():
        return False
    if abs(now - int(timestamp)) > REPLAY_WINDOW_SECONDS:
        return False
    expected = signature(secret=secret, timestamp=int(timestamp), body=body)
    return hmac.compare_digest(expected, signature_header)
