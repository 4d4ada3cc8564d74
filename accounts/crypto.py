"""Encryption of secrets at rest (access tokens, app secrets): AES-256-GCM with a key from settings.

Values are stored as `v1:<base64(nonce || ciphertext)>`. The key is FIELD_ENCRYPTION_KEY
(32 bytes, urlsafe base64); without it, development derives one from SECRET_KEY.
"""

from __future__ import annotations

import base64
import hashlib
import os
from typing import Any

from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import models

_PREFIX = "v1:"
_NONCE_BYTES = 12


def _key() -> bytes:
    configured: str = getattr(settings, "FIELD_ENCRYPTION_KEY", "")
    if configured:
        key = base64.urlsafe_b64decode(configured)
        if len(key) != 32:
            raise ImproperlyConfigured("FIELD_ENCRYPTION_KEY must be 32 bytes, urlsafe-base64 encoded")
        return key
    return hashlib.sha256(b"field-encryption:" + settings.SECRET_KEY.encode()).digest()


def encrypt(plaintext: str) -> str:
    nonce = os.urandom(_NONCE_BYTES)
    ciphertext = AESGCM(_key()).encrypt(nonce, plaintext.encode(), _PREFIX.encode())
    return _PREFIX + base64.b64encode(nonce + ciphertext).decode()


def decrypt(stored: str) -> str:
    if not stored.startswith(_PREFIX):
        raise ValueError("not an encrypted value")
    blob = base64.b64decode(stored[len(_PREFIX) :])
    return AESGCM(_key()).decrypt(blob[:_NONCE_BYTES], blob[_NONCE_BYTES:], _PREFIX.encode()).decode()


class EncryptedTextField(models.TextField):  # type: ignore[type-arg]
    """A text column holding ciphertext; Python code sees the plaintext. Empty stays empty."""

    def from_db_value(self, value: str | None, expression: Any, connection: Any) -> str | None:
        if not value:
            return value
        return decrypt(value)

    def get_prep_value(self, value: Any) -> Any:
        value = super().get_prep_value(value)
        if not value:
            return value
        return encrypt(str(value))
