"""Encrypting one value with its tenant's data key (AES-256-GCM).

A value is stored as `e1:<base64(key id (4 bytes) || nonce (12) || ciphertext+tag)>`: the key id
names the tenant's data key and its version, so decrypting needs nothing but the value. The
additional authenticated data binds the value to the tenant of that key and to its column
(`inbox.Message.text`): a value moved to another column fails. Inside a tenant's scope (every
request and task) a value of another tenant's key fails too, so a ciphertext copied into
another tenant's row is never shown there.
"""

from __future__ import annotations

import base64
import os
import struct
from collections.abc import Callable

from accounts.crypto import keys
from accounts.tenancy import current_tenant_id

PREFIX = "e1:"
_KEY_ID = struct.Struct(">I")
_HEADER_BYTES = _KEY_ID.size


class DecryptionError(ValueError):
    """A value that can't be read: tampered with, moved, of another tenant, or of a shredded key."""


def _aad(header: bytes, tenant_id: int | None, purpose: str) -> bytes:
    return header + f"|{tenant_id or 'platform'}|{purpose}".encode()


def encrypt_bytes(data: bytes, *, tenant_id: int | None, purpose: str) -> bytes:
    """`data` encrypted with the tenant's current key (None: the platform key), for `purpose`:
    key id (4 bytes) || nonce (12) || ciphertext and tag."""
    key = keys.current_key(tenant_id)
    header = _KEY_ID.pack(key.id)
    nonce = os.urandom(keys.NONCE_BYTES)
    return header + nonce + key.aead.encrypt(nonce, data, _aad(header, key.tenant_id, purpose))


def decrypt_bytes(blob: bytes, *, purpose: str, key_of: Callable[[int], keys.DataKey] = keys.key_by_id) -> bytes:
    """The plaintext of `encrypt_bytes`' output; `key_of` finds a data key by id (from this
    process's database, unless a tool reading another database says otherwise)."""
    header, nonce = blob[:_HEADER_BYTES], blob[_HEADER_BYTES : _HEADER_BYTES + keys.NONCE_BYTES]
    (key_id,) = _KEY_ID.unpack(header)
    try:
        key = key_of(key_id)
    except keys.KeyUnavailable as error:
        raise DecryptionError(str(error)) from error
    scope = current_tenant_id()
    if scope is not None and key.tenant_id is not None and key.tenant_id != scope:
        raise DecryptionError(f"a value of tenant {key.tenant_id} read in the scope of tenant {scope}")
    try:
        return key.aead.decrypt(nonce, blob[_HEADER_BYTES + keys.NONCE_BYTES :], _aad(header, key.tenant_id, purpose))
    except Exception as error:  # cryptography's InvalidTag says nothing more
        raise DecryptionError(f"value of key {key_id} does not authenticate for {purpose}") from error


def encrypt(plaintext: str, *, tenant_id: int | None, purpose: str) -> str:
    """Text encrypted as by `encrypt_bytes`, as `e1:` and base64, for a text column."""
    return PREFIX + base64.b64encode(encrypt_bytes(plaintext.encode(), tenant_id=tenant_id, purpose=purpose)).decode()


def decrypt(stored: str, *, purpose: str, key_of: Callable[[int], keys.DataKey] = keys.key_by_id) -> str:
    if not stored.startswith(PREFIX):
        raise DecryptionError("not an encrypted value")
    return decrypt_bytes(base64.b64decode(stored[len(PREFIX) :]), purpose=purpose, key_of=key_of).decode()


def is_encrypted(stored: str) -> bool:
    return stored.startswith(PREFIX)
