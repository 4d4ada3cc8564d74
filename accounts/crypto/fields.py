"""Model fields whose column holds ciphertext while Python code sees the plaintext.

A row is encrypted with its own tenant's key when it is saved (`pre_save` knows the row); a
value written without a row (`QuerySet.update`, `bulk_update`) is encrypted with the key of the
current tenant scope, and refused outside one. Empty values stay empty, so "has a caption" is
visible, never what it says. Values written before encryption (none remain after the data
migrations) read as they are.
"""

from __future__ import annotations

import json
from typing import Any

from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.db.models.lookups import Exact

from accounts.crypto import envelope, index
from accounts.tenancy import TenantScopeError, current_tenant_id


class _Sealed(str):
    """A value already encrypted by `pre_save`: `get_prep_value` lets it through."""

    __slots__ = ()


def _purpose(field: models.Field[Any, Any]) -> str:
    return f"{field.model._meta.label}.{field.name}"


def _row_tenant_id(instance: models.Model) -> int | None:
    return getattr(instance, "tenant_id", None)


def _scope_tenant_id(field: models.Field[Any, Any]) -> int | None:
    """The tenant to encrypt a value written without its row for: the current scope's."""
    tenant_id = current_tenant_id()
    # A row that must have a tenant must use its key; one that may have none (a dead letter of
    # an unrouted event) uses the platform key.
    needs_tenant = any(f.name == "tenant" and not f.null for f in field.model._meta.concrete_fields)
    if tenant_id is None and needs_tenant:
        raise TenantScopeError(f"{_purpose(field)} written without its row outside a tenant scope")
    return tenant_id


class EncryptedValueLookup(ValueError):
    """A query compared an encrypted column with a value: it can't match, so it is a mistake."""


# Comparing ciphertext with a value can't match (each encryption differs): only emptiness and
# NULL can be asked; equality needs a LookupHashField, search the SearchIndexField.
_ALLOWED_LOOKUPS = frozenset({"isnull", "exact"})


def _lookup_of(field: models.Field[Any, Any], lookup_name: str) -> Any:
    if lookup_name not in _ALLOWED_LOOKUPS:
        raise EncryptedValueLookup(f"{_purpose(field)} is encrypted: it can't be queried with {lookup_name}")
    return None


class _EmptyOnlyExact(Exact):  # type: ignore[type-arg]
    def get_prep_lookup(self) -> Any:
        if self.rhs not in ("", None, {}, []) and not hasattr(self.rhs, "resolve_expression"):
            raise EncryptedValueLookup(f"{_purpose(self.lhs.output_field)} is encrypted: compare it in Python")
        return super().get_prep_lookup()


class EncryptedTextField(models.TextField):  # type: ignore[type-arg]
    """Text, encrypted at rest with the row's tenant key. `max_length` only limits forms."""

    def get_lookup(self, lookup_name: str) -> Any:
        _lookup_of(self, lookup_name)
        return _EmptyOnlyExact if lookup_name == "exact" else super().get_lookup(lookup_name)

    def pre_save(self, model_instance: models.Model, add: bool) -> Any:
        value = getattr(model_instance, self.attname)
        if not value or isinstance(value, _Sealed):
            return value
        return _Sealed(envelope.encrypt(str(value), tenant_id=_row_tenant_id(model_instance), purpose=_purpose(self)))

    def get_prep_value(self, value: Any) -> Any:
        value = super().get_prep_value(value)
        if not value or isinstance(value, _Sealed) or hasattr(value, "resolve_expression"):
            return value
        return envelope.encrypt(str(value), tenant_id=_scope_tenant_id(self), purpose=_purpose(self))

    def from_db_value(self, value: str | None, expression: Any, connection: Any) -> str | None:
        if not value or not envelope.is_encrypted(value):
            return value
        return envelope.decrypt(value, purpose=_purpose(self))


class EncryptedJSONField(models.JSONField):
    """JSON, encrypted at rest with the row's tenant key: the column holds one JSON string."""

    def get_lookup(self, lookup_name: str) -> Any:
        _lookup_of(self, lookup_name)
        return _EmptyOnlyExact if lookup_name == "exact" else super().get_lookup(lookup_name)

    def get_transform(self, name: str) -> Any:
        raise EncryptedValueLookup(f"{_purpose(self)} is encrypted: its keys can't be queried ({name})")

    def _seal(self, value: Any, tenant_id: int | None) -> _Sealed:
        plaintext = json.dumps(value, cls=self.encoder, ensure_ascii=False, separators=(",", ":"))
        return _Sealed(envelope.encrypt(plaintext, tenant_id=tenant_id, purpose=_purpose(self)))

    def pre_save(self, model_instance: models.Model, add: bool) -> Any:
        value = getattr(model_instance, self.attname)
        if not value or isinstance(value, _Sealed) or hasattr(value, "resolve_expression"):
            return value
        return self._seal(value, _row_tenant_id(model_instance))

    def get_prep_value(self, value: Any) -> Any:
        if not value or isinstance(value, _Sealed) or hasattr(value, "resolve_expression"):
            return super().get_prep_value(value)
        return self._seal(value, _scope_tenant_id(self))

    def from_db_value(self, value: Any, expression: Any, connection: Any) -> Any:
        value = super().from_db_value(value, expression, connection)
        if not isinstance(value, str) or not envelope.is_encrypted(value):
            return value
        return json.loads(envelope.decrypt(value, purpose=_purpose(self)), cls=self.decoder)


class SearchIndexField(ArrayField):  # type: ignore[type-arg]
    """The row's search index (accounts.crypto.index): keyed hashes of the word prefixes of the
    `words_from` fields and of the digit runs of the `digits_from` fields, rebuilt on each save."""

    def __init__(
        self, *args: Any, words_from: tuple[str, ...] = (), digits_from: tuple[str, ...] = (), **kwargs: Any
    ) -> None:
        self.words_from = tuple(words_from)
        self.digits_from = tuple(digits_from)
        self.derived_from = (*self.words_from, *self.digits_from)  # see TenantOwnedModel.save
        kwargs.setdefault("base_field", models.BigIntegerField())
        kwargs.setdefault("default", list)
        kwargs.setdefault("blank", True)
        kwargs.setdefault("editable", False)
        super().__init__(*args, **kwargs)

    def deconstruct(self) -> Any:
        name, path, args, kwargs = super().deconstruct()
        kwargs["words_from"] = self.words_from
        kwargs["digits_from"] = self.digits_from
        for default_kwarg in ("default", "blank", "editable"):
            kwargs.pop(default_kwarg, None)
        return name, path, args, kwargs

    def tokens_of(self, instance: models.Model) -> list[int]:
        tenant_id = _row_tenant_id(instance)
        words = " ".join(str(getattr(instance, name) or "") for name in self.words_from)
        digits = [str(getattr(instance, name) or "") for name in self.digits_from]
        return index.document_tokens(tenant_id=tenant_id, text=words, phones=digits)

    def pre_save(self, model_instance: models.Model, add: bool) -> Any:
        tokens = self.tokens_of(model_instance)
        setattr(model_instance, self.attname, tokens)
        return tokens


class LookupHashField(models.CharField):  # type: ignore[type-arg]
    """A keyed hash of the encrypted `source` field, for equality lookups (index.lookup_hash).
    `across_tenants`: keyed by the platform key, for lookups that don't know the tenant yet;
    otherwise by the row's tenant key, so equal values of two tenants don't look equal."""

    def __init__(self, *args: Any, source: str = "", across_tenants: bool = False, **kwargs: Any) -> None:
        self.source = source
        self.across_tenants = across_tenants
        self.derived_from = (source,)  # see TenantOwnedModel.save
        kwargs.setdefault("max_length", 64)
        kwargs.setdefault("blank", True)
        kwargs.setdefault("editable", False)
        super().__init__(*args, **kwargs)

    def deconstruct(self) -> Any:
        name, path, args, kwargs = super().deconstruct()
        kwargs.update(source=self.source, across_tenants=self.across_tenants)
        for default_kwarg in ("max_length", "blank", "editable"):
            kwargs.pop(default_kwarg, None)
        return name, path, args, kwargs

    def hash_of(self, value: str, *, tenant_id: int | None = None) -> str:
        """What the column holds for `value` (give the tenant unless `across_tenants`)."""
        if not value:
            return ""
        purpose = f"{self.model._meta.label}.{self.source}"
        return index.lookup_hash(tenant_id=None if self.across_tenants else tenant_id, purpose=purpose, value=value)

    def pre_save(self, model_instance: models.Model, add: bool) -> Any:
        value = self.hash_of(str(getattr(model_instance, self.source) or ""), tenant_id=_row_tenant_id(model_instance))
        setattr(model_instance, self.attname, value)
        return value


def refresh_derived_columns(instance: models.Model) -> list[str]:
    """Rebuild a row's search index and lookup hashes before it is written by `bulk_update` or
    `update_rows`, which don't call `pre_save`; returns those fields' names, to write them too."""
    derived = [f for f in instance._meta.concrete_fields if isinstance(f, SearchIndexField | LookupHashField)]
    for field in derived:
        field.pre_save(instance, add=False)
    return [field.name for field in derived]


def sealed_for(model: type[models.Model], field_name: str, value: str, *, tenant_id: int) -> str:
    """`value` encrypted for an encrypted text column with a key chosen by the caller, not the
    row's (a global row whose content belongs to one tenant); written as is by save or update."""
    field = model._meta.get_field(field_name)
    assert isinstance(field, EncryptedTextField), f"{field_name} is not encrypted text"
    return _Sealed(envelope.encrypt(value, tenant_id=tenant_id, purpose=_purpose(field)))


def stored_value(model: type[models.Model], field_name: str, stored: Any) -> Any:
    """The plaintext of a column's stored value read without its field (inside JSON built in SQL)."""
    field = model._meta.get_field(field_name)
    assert isinstance(field, EncryptedTextField | EncryptedJSONField), f"{field_name} is not encrypted"
    return field.from_db_value(stored, None, None)
