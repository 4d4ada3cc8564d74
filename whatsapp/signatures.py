"""X-Hub-Signature-256: HMAC-SHA256 of the raw request body with the Meta app secret."""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Iterable

HEADER = "X-Hub-Signature-256"
_PREFIX = "sha256="


def sign(body: bytes, app_secret: str) -> str:
    """The header value Meta sends for `body`."""
    return _PREFIX + hmac.new(app_secret.encode(), body, hashlib.sha256).hexdigest()


def signature_matches(body: bytes, header: str | None, app_secrets: Iterable[str]) -> bool:
    """Whether `header` signs `body` with one of `app_secrets`, compared in constant time."""
    if not header or not header.startswith(_PREFIX):
        return False
    matched = False
    for secret in app_secrets:
        if secret:
            # No early exit: the time taken does not tell which secret matched, or whether any did.
            matched |= hmac.compare_digest(sign(body, secret), header)
    return matched
