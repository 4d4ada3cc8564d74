"""Encrypting the rows written before encryption at rest, for the data migrations."""

from __future__ import annotations

import base64
import contextlib
import hashlib
from collections.abc import Sequence
from typing import Any

from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from django.conf import settings

from accounts.crypto import keys
from accounts.crypto.fields import refresh_derived_columns
from accounts.crypto.media import media_encrypt_in_place
from accounts.tenancy import tenant_scope

_LEGACY_PREFIX = "v1:"


def legacy_decrypt(stored: str) -> str:
    """A credential as encrypted before data keys: `v1:` + AES-GCM with one app-wide key."""
    if not stored.startswith(_LEGACY_PREFIX):
        return stored
    configured: str = settings.FIELD_ENCRYPTION_KEY
    if configured:
        key = base64.urlsafe_b64decode(configured)
    else:
        key = hashlib.sha256(b"field-encryption:" + settings.SECRET_KEY.encode()).digest()
    blob = base64.b64decode(stored[len(_LEGACY_PREFIX) :])
    return AESGCM(key).decrypt(blob[:12], blob[12:], _LEGACY_PREFIX.encode()).decode()


def create_keys(apps: Any, schema_editor: Any) -> None:
    """A data key for every tenant that has none, and the platform key."""
    tenant_model = apps.get_model("accounts", "Tenant")
    keyed = set(apps.get_model("accounts", "TenantDataKey").objects.values_list("tenant_id", flat=True))
    for tenant_id in tenant_model.objects.values_list("pk", flat=True):
        if tenant_id not in keyed:
            keys.data_key_create(tenant_id=tenant_id)
    keys.current_key(None)


def encrypt_rows(
    apps: Any, label: str, fields: Sequence[str], *, legacy: Sequence[str] = (), batch_size: int = 1000
) -> None:
    """Rewrite `fields` of every row of `label` encrypted (and its search index and lookup hashes);
    `legacy` fields hold credentials in the old format and are decrypted first."""
    model = apps.get_model(label)
    rows_of = model._base_manager
    has_tenant = any(f.name == "tenant" for f in model._meta.concrete_fields)
    tenant_ids = rows_of.values_list("tenant_id", flat=True).distinct() if has_tenant else [None]
    for tenant_id in list(tenant_ids):
        queryset = rows_of.filter(tenant_id=tenant_id) if has_tenant else rows_of.all()
        last_pk = 0
        while rows := list(queryset.filter(pk__gt=last_pk).order_by("pk")[:batch_size]):
            derived: list[str] = []
            for row in rows:
                for name in legacy:
                    setattr(row, name, legacy_decrypt(getattr(row, name)))
                derived = refresh_derived_columns(row)
            scope = tenant_scope(tenant_id) if tenant_id is not None else contextlib.nullcontext()
            with scope:
                rows_of.bulk_update(rows, [*fields, *derived])
            last_pk = rows[-1].pk


def encrypt_files(apps: Any, label: str) -> None:
    """Encrypt, in place, the stored file of every row of `label` (its `file` field)."""
    model = apps.get_model(label)
    for tenant_id, name in model._base_manager.exclude(file="").values_list("tenant_id", "file").iterator():
        with contextlib.suppress(FileNotFoundError):  # a file already gone has nothing to encrypt
            media_encrypt_in_place(name, tenant_id=tenant_id)
