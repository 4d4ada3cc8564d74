"""The one place that does cryptography: envelope encryption with per-tenant data keys (keys),
values (envelope), model fields (fields) and the keyed-hash search index (index)."""

from accounts.crypto.envelope import DecryptionError, decrypt, encrypt
from accounts.crypto.fields import (
    EncryptedJSONField,
    EncryptedTextField,
    LookupHashField,
    SearchIndexField,
    refresh_derived_columns,
    sealed_for,
    stored_value,
)

__all__ = [
    "DecryptionError",
    "EncryptedJSONField",
    "EncryptedTextField",
    "LookupHashField",
    "SearchIndexField",
    "decrypt",
    "encrypt",
    "refresh_derived_columns",
    "sealed_for",
    "stored_value",
]
