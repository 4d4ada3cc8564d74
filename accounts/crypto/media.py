"""Stored files (customers' media, agents' uploads), encrypted with their tenant's data key.

Every file is written by `media_save` and read by `media_read`, so no caller handles keys.
A file is `RLY1` followed by the envelope of accounts.crypto.envelope; a file written before
encryption (without the marker) reads as it is. Files are read whole into memory: WhatsApp's
media are at most 100 MB, most a few hundred kB.
"""

from __future__ import annotations

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage

from accounts.crypto import envelope

MAGIC = b"RLY1"
PURPOSE = "media"


def media_save(name: str, data: bytes, *, tenant_id: int) -> str:
    """Store `data` encrypted under (about) `name`; returns the name the storage chose."""
    sealed = MAGIC + envelope.encrypt_bytes(data, tenant_id=tenant_id, purpose=PURPOSE)
    return default_storage.save(name, ContentFile(sealed))


def media_read(name: str) -> bytes:
    """The plaintext of a stored file. FileNotFoundError when it is gone; DecryptionError when its
    key is (a shredded tenant's)."""
    with default_storage.open(name, "rb") as handle:
        stored = handle.read()
    if not stored.startswith(MAGIC):
        return bytes(stored)
    return envelope.decrypt_bytes(stored[len(MAGIC) :], purpose=PURPOSE)


def media_encrypt_in_place(name: str, *, tenant_id: int) -> bool:
    """Encrypt a file stored before encryption at rest, under the same name (data migration)."""
    with default_storage.open(name, "rb") as handle:
        stored = handle.read()
    if stored.startswith(MAGIC):
        return False
    sealed = MAGIC + envelope.encrypt_bytes(stored, tenant_id=tenant_id, purpose=PURPOSE)
    with default_storage.open(name, "wb") as handle:
        handle.write(sealed)
    return True
