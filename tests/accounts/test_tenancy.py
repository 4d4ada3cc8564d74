"""Tenant scoping fails closed, and every model is classified as tenant-owned or global."""

import pytest
from django.apps import apps
from django.db import models

from accounts.models import Membership
from accounts.tenancy import TenantOwnedModel, TenantScopeError, current_tenant_id, tenant_scope

# Models without a tenant, each with the reason it may be global.
GLOBAL_MODELS = {
    "accounts.Tenant": "the tenants themselves",
    "accounts.User": "a person may belong to several tenants; reached through Membership",
    "accounts.TenantDataKey": "found by the id a ciphertext names, before any tenant is known; none: the platform key",
    "accounts.TwoFactorDevice": "a person's second factor, the same in every tenant they belong to",
    "auth.Permission": "Django's permission catalogue, no tenant data",
    "auth.Group": "unused by the product; Django's auth tables",
    "contenttypes.ContentType": "Django's model catalogue",
    "sessions.Session": "a browser session, scoped by its key; tenant chosen per request by URL",
    "whatsapp.WebhookEvent": "stored before routing: which tenant it belongs to is found while processing",
    "whatsapp.DeadLetter": "a webhook item that failed, perhaps before its tenant was known; operators only",
    "billing.RateCard": "WhatsApp's published prices, shared by all; an owner's own card names its tenant",
    "billing.RatePrice": "a line of a rate card, reached through its card",
    "billing.StatementCounter": "the last statement number of each year: numbers run across all tenants",
}

# Unique constraints of tenant-owned models that are global on purpose.
GLOBAL_UNIQUE_FIELDS = {
    ("whatsapp.WhatsAppNumber", "phone_number_id"): "Meta's number id routes webhooks to exactly one tenant",
    ("accounts.Invitation", "token_hash"): "a secret token names its tenant; lookup is by token alone",
    ("accounts.ApiKey", "key_hash"): "a secret key names its tenant; lookup is by key alone",
    ("whatsapp.OptInPage", "key"): "the public opt-in page's unguessable key names its tenant; lookup is by key",
    ("billing.Statement", "number"): "statement numbers run across all tenants (RLY-2026-000042); read per tenant",
}


def test_every_model_is_tenant_owned_or_listed_as_global():
    unclassified = []
    for model in apps.get_models():
        label = model._meta.label
        if issubclass(model, TenantOwnedModel):
            assert model._meta.get_field("tenant").remote_field.model._meta.label == "accounts.Tenant"
            continue
        if label not in GLOBAL_MODELS:
            unclassified.append(label)
    assert unclassified == [], f"Classify these models (TenantOwnedModel or GLOBAL_MODELS): {unclassified}"


def test_tenant_local_unique_constraints_include_the_tenant():
    for model in apps.get_models():
        if not issubclass(model, TenantOwnedModel):
            continue
        for constraint in model._meta.constraints:
            if isinstance(constraint, models.UniqueConstraint) and constraint.fields:
                assert "tenant" in constraint.fields, f"{model.__name__}.{constraint.name} must include tenant"
        for field in model._meta.local_fields:
            if field.unique and not field.primary_key and not field.one_to_one:
                assert (model._meta.label, field.name) in GLOBAL_UNIQUE_FIELDS, (
                    f"{model._meta.label}.{field.name} is unique across tenants: make it tenant-local or explain"
                )


def test_querying_outside_a_scope_raises(world):
    with pytest.raises(TenantScopeError):
        list(Membership.objects.all())


def test_a_scope_shows_only_its_tenants_rows(world, other_tenant):
    with tenant_scope(world.tenant):
        tenants = set(Membership.objects.values_list("tenant_id", flat=True))
    assert tenants == {world.tenant.pk}


def test_scope_is_reset_after_the_block_even_on_error(world):
    with pytest.raises(ValueError, match="boom"), tenant_scope(world.tenant):
        raise ValueError("boom")
    assert current_tenant_id() is None


def test_saving_another_tenants_row_inside_a_scope_raises(world, other_tenant):
    with tenant_scope(world.tenant), pytest.raises(TenantScopeError):
        other_tenant.agent.save()


def test_for_tenant_and_unscoped_are_explicit(world, other_tenant):
    assert Membership.objects.for_tenant(other_tenant.tenant).count() == 3
    assert Membership.objects.unscoped().filter(tenant__in=[world.tenant, other_tenant.tenant]).count() == 6
