"""Master keys and tenants' data keys: envelope encryption.

Every tenant has a random 256-bit data key; the database holds it only wrapped (AES-GCM) by a
master key from the environment (`ENCRYPTION_MASTER_KEYS`, `id:base64,...`, the first is
current; development and tests derive one from SECRET_KEY). Data not yet routed to a tenant
(raw webhook bodies) and people's own secrets (TOTP) use the platform key, a data key without
a tenant. Unwrapped keys are cached in process memory for a few minutes, so reading a page costs
no query per row; a shredded key disappears from every process within that time.
"""

from __future__ import annotations

import base64
import hashlib
import os
import threading
import time
from dataclasses import dataclass
from typing import Any

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.apps import apps
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import IntegrityError, transaction

KEY_BYTES = 32
NONCE_BYTES = 12
# Long enough that a page never waits for the database; short enough that a shredded key,
# still cached by another worker, is gone from it soon after.
CACHE_SECONDS = 300.0
DEV_MASTER_KEY_ID = "dev"
FIELD_KEY_ID = "k0"


class KeyUnavailable(LookupError):
    """The data key a value names does not exist (shredded, or never committed) or can't be unwrapped."""


@dataclass(frozen=True)
class DataKey:
    """An unwrapped data key, ready to use."""

    id: int
    tenant_id: int | None
    version: int
    aead: AESGCM
    # Keyed hashes of the search index and of equality lookups: derived, so shredding the data
    # key makes the index as unlinkable as the ciphertext.
    index_key: bytes


def master_keys() -> dict[str, bytes]:
    """The configured master keys by id, the current one first."""
    configured: str = getattr(settings, "ENCRYPTION_MASTER_KEYS", "")
    if not configured and settings.FIELD_ENCRYPTION_KEY:
        configured = f"{FIELD_KEY_ID}:{settings.FIELD_ENCRYPTION_KEY}"
    if not configured:
        return {DEV_MASTER_KEY_ID: hashlib.sha256(b"master-key:" + settings.SECRET_KEY.encode()).digest()}
    keys: dict[str, bytes] = {}
    for item in configured.split(","):
        key_id, _, encoded = item.strip().partition(":")
        key = base64.urlsafe_b64decode(encoded + "=" * (-len(encoded) % 4))
        if not key_id or len(key) != KEY_BYTES:
            raise ImproperlyConfigured("ENCRYPTION_MASTER_KEYS must be id:base64 of 32 bytes, comma-separated")
        keys[key_id] = key
    return keys


def current_master_key_id() -> str:
    return next(iter(master_keys()))


def _wrapping_aad(tenant_id: int | None, version: int) -> bytes:
    return f"relay-data-key:{tenant_id or 'platform'}:{version}".encode()


def wrap(key: bytes, *, tenant_id: int | None, version: int, master_key_id: str) -> bytes:
    nonce = os.urandom(NONCE_BYTES)
    master = master_keys()[master_key_id]
    return nonce + AESGCM(master).encrypt(nonce, key, _wrapping_aad(tenant_id, version))


def unwrap(wrapped: bytes, *, tenant_id: int | None, version: int, master_key_id: str) -> bytes:
    master = master_keys().get(master_key_id)
    if master is None:
        raise KeyUnavailable(f"master key {master_key_id!r} is not configured")
    return AESGCM(master).decrypt(wrapped[:NONCE_BYTES], wrapped[NONCE_BYTES:], _wrapping_aad(tenant_id, version))


def _derive(key: bytes, purpose: bytes) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=KEY_BYTES, salt=None, info=purpose).derive(key)


class _Cache:
    """Unwrapped keys by id, and each tenant's current key id, each entry for CACHE_SECONDS."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._keys: dict[int, tuple[float, DataKey]] = {}
        self._current: dict[int | None, tuple[float, int]] = {}

    def key(self, key_id: int) -> DataKey | None:
        entry = self._keys.get(key_id)
        return entry[1] if entry and entry[0] > time.monotonic() else None

    def current(self, tenant_id: int | None) -> DataKey | None:
        entry = self._current.get(tenant_id)
        return self.key(entry[1]) if entry and entry[0] > time.monotonic() else None

    def put(self, key: DataKey, *, current: bool) -> None:
        expires = time.monotonic() + CACHE_SECONDS
        with self._lock:
            self._keys[key.id] = (expires, key)
            if current:
                self._current[key.tenant_id] = (expires, key.id)

    def clear(self) -> None:
        with self._lock:
            self._keys.clear()
            self._current.clear()

    def forget_tenant(self, tenant_id: int | None) -> None:
        with self._lock:
            self._current.pop(tenant_id, None)
            for key_id in [k for k, (_, key) in self._keys.items() if key.tenant_id == tenant_id]:
                del self._keys[key_id]


_cache = _Cache()


def forget_cached_keys() -> None:
    """Drop every unwrapped key this process holds (they are read again from the database)."""
    _cache.clear()


def _key_rows() -> Any:
    """TenantDataKey's rows (by the registry: accounts.models imports this module)."""
    return apps.get_model("accounts", "TenantDataKey").objects


def unwrapped(row: Any) -> DataKey:
    """The data key of a TenantDataKey row (or anything with its fields), unwrapped."""
    raw = unwrap(bytes(row.wrapped), tenant_id=row.tenant_id, version=row.version, master_key_id=row.master_key_id)
    return DataKey(
        id=row.pk,
        tenant_id=row.tenant_id,
        version=row.version,
        aead=AESGCM(raw),
        index_key=_derive(raw, b"relay-index"),
    )


def key_by_id(key_id: int) -> DataKey:
    """The data key a ciphertext names (one query the first time a process meets it)."""
    cached = _cache.key(key_id)
    if cached is not None:
        return cached
    row = _key_rows().filter(pk=key_id).first()
    if row is None:
        raise KeyUnavailable(f"data key {key_id} does not exist")
    key = unwrapped(row)
    _cache.put(key, current=False)
    return key


def current_key(tenant_id: int | None) -> DataKey:
    """The key new values of the tenant (None: the platform) are encrypted with; made on first use."""
    cached = _cache.current(tenant_id)
    if cached is not None:
        return cached
    row = _key_rows().filter(tenant_id=tenant_id).order_by("-version").first()
    if row is not None:
        key = unwrapped(row)
        _cache.put(key, current=True)
        return key
    return _create(tenant_id, eager=False)


def data_key_create(*, tenant_id: int) -> DataKey:
    """A new tenant's first data key, written in the tenant's own transaction: a rollback
    removes both together, so the key can be cached at once."""
    return _create(tenant_id, eager=True)


def _create(tenant_id: int | None, *, eager: bool) -> DataKey:
    raw = AESGCM.generate_key(bit_length=256)
    master_key_id = current_master_key_id()
    try:
        with transaction.atomic():
            row = _key_rows().create(
                tenant_id=tenant_id,
                version=1,
                master_key_id=master_key_id,
                wrapped=wrap(raw, tenant_id=tenant_id, version=1, master_key_id=master_key_id),
            )
    except IntegrityError:  # another process made it first: use theirs
        row = _key_rows().get(tenant_id=tenant_id, version=1)
        key = unwrapped(row)
        _cache.put(key, current=True)
        return key
    key = unwrapped(row)
    if eager or not transaction.get_connection().in_atomic_block:
        _cache.put(key, current=True)
    else:
        # Made inside someone's transaction, which may yet roll back: caching it now could encrypt
        # later values with a key that never existed. Until the commit, it is read again.
        _cache.put(key, current=False)
        transaction.on_commit(lambda: _cache.put(key, current=True))
    return key


def rewrap_all(*, batch_size: int = 500) -> int:
    """Re-wrap every data key not wrapped by the current master key; data rows are untouched.
    Resumable: each batch commits, and a key already re-wrapped is skipped."""
    target = current_master_key_id()
    done = 0
    while True:
        with transaction.atomic():
            rows = list(_key_rows().exclude(master_key_id=target).select_for_update(skip_locked=True)[:batch_size])
            if not rows:
                return done
            for row in rows:
                raw = unwrap(
                    bytes(row.wrapped), tenant_id=row.tenant_id, version=row.version, master_key_id=row.master_key_id
                )
                row.wrapped = wrap(raw, tenant_id=row.tenant_id, version=row.version, master_key_id=target)
                row.master_key_id = target
            _key_rows().bulk_update(rows, ["wrapped", "master_key_id"])
            done += len(rows)


def destroy_tenant_keys(*, tenant_id: int) -> int:
    """Delete the tenant's data keys (crypto-shredding): whatever ciphertext of the tenant remains
    anywhere, in a backup or a forgotten table, can no longer be read."""
    deleted: int = _key_rows().filter(tenant_id=tenant_id).delete()[0]
    _cache.forget_tenant(tenant_id)
    return deleted
