"""Random tokens handed out once (API keys, invitation links) and the hashes we keep instead."""

import hashlib
import secrets


def new_token(prefix: str = "") -> str:
    return prefix + secrets.token_urlsafe(32)


def token_hash(token: str) -> str:
    # Tokens carry 256 random bits, so a fast hash is as good as a slow one and allows lookup.
    return hashlib.sha256(token.encode()).hexdigest()
