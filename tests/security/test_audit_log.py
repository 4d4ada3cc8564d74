"""The audit log: sign-ins, failures, sign-outs, refusals and API writes are recorded with
who, from where and when; entries can't be changed or deleted; the admin page filters them."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import DatabaseError, connection, transaction
from django.test import Client
from django.utils import timezone
from rest_framework.test import APIClient

from accounts.models import ApiKeyScope, AuditLog, AuditLogImmutableError, Role, Tenant
from accounts.services import Actor, audit_record, tenant_shred
from tests.accounts.factories import PASSWORD, MembershipFactory, UserFactory, api_key_for
from tests.conftest import page_text


def entries(tenant, action):
    return list(AuditLog.objects.for_tenant(tenant).filter(action=action).order_by("pk"))


def test_sign_in_is_recorded_in_each_workspace_of_the_person_with_their_address(world, other_tenant, address):
    person = world.agent.user
    MembershipFactory.create(tenant=other_tenant.tenant, user=person, role=Role.ADMIN)
    response = Client(REMOTE_ADDR=address).post("/accounts/login/", {"username": person.email, "password": PASSWORD})
    assert response.status_code == 302
    for tenant in (world.tenant, other_tenant.tenant):
        [entry] = entries(tenant, "auth.login")
        assert (entry.actor, entry.actor_label, entry.ip) == (person, person.email, address)
        assert timezone.now() - entry.created_at < timedelta(minutes=1)


def test_failed_sign_in_is_recorded_for_the_account_it_named(world, other_tenant, address):
    Client(REMOTE_ADDR=address).post("/accounts/login/", {"username": world.admin.user.email, "password": "wrong"})
    [entry] = entries(world.tenant, "auth.login_failed")
    assert (entry.actor, entry.ip) == (world.admin.user, address)
    assert entries(other_tenant.tenant, "auth.login_failed") == []


def test_failed_sign_in_with_an_unknown_address_records_nothing(world, address):
    Client(REMOTE_ADDR=address).post("/accounts/login/", {"username": "nobody@example.com", "password": "wrong"})
    assert not AuditLog.objects.for_tenant(world.tenant).filter(action__startswith="auth.").exists()


def test_sign_out_is_recorded(world, address):
    client = world.client_for(world.agent)
    response = client.post("/accounts/logout/", REMOTE_ADDR=address)
    assert response.status_code == 302
    [entry] = entries(world.tenant, "auth.logout")
    assert (entry.actor, entry.ip) == (world.agent.user, address)


def test_a_page_refused_for_the_role_is_recorded(world, address):
    response = world.client_for(world.agent).get("/t/acme/settings/audit-log/", REMOTE_ADDR=address)
    assert response.status_code == 403
    [entry] = entries(world.tenant, "permission.denied")
    assert (entry.actor, entry.ip) == (world.agent.user, address)
    assert entry.details == {"method": "GET", "path": "/t/acme/settings/audit-log/", "code": "permission_denied"}


def test_a_write_with_an_api_key_is_recorded_and_a_read_is_not(world):
    api_key, secret = api_key_for(world.tenant, name="CRM", scope=ApiKeyScope.WRITE)
    client = APIClient(REMOTE_ADDR="192.0.2.44")
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {secret}")
    assert client.get("/api/v1/contacts/").status_code == 200
    response = client.post("/api/v1/contacts/", {"phone": "+49 151 23456789", "name": "Maria"}, format="json")
    assert response.status_code == 201
    [entry] = entries(world.tenant, "api.write")
    assert (entry.actor, entry.actor_api_key, entry.ip) == (None, api_key, "192.0.2.44")
    assert entry.actor_label == f"API key CRM ({api_key.prefix}…)"
    assert entry.details == {"method": "POST", "path": "/api/v1/contacts/", "status": 201}


def test_a_refused_api_write_is_recorded_as_a_denial_not_a_write(world):
    _key, secret = api_key_for(world.tenant, scope=ApiKeyScope.READ)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {secret}")
    response = client.post("/api/v1/contacts/", {"phone": "+49 151 23456789", "name": "Maria"}, format="json")
    assert response.status_code == 403
    assert entries(world.tenant, "api.write") == []
    [entry] = entries(world.tenant, "permission.denied")
    assert entry.details["code"] == "api_key_read_only"


@pytest.fixture
def entry(world):
    actor = Actor(tenant_id=world.tenant.pk, role=Role.ADMIN, user=world.admin.user, ip="192.0.2.1")
    return audit_record(actor=actor, action="tenant.settings_changed", target=world.tenant)


def test_an_entry_refuses_to_be_saved_again(entry):
    entry.action = "nothing.happened"
    with pytest.raises(AuditLogImmutableError):
        entry.save()
    assert AuditLog.objects.for_tenant(entry.tenant_id).get().action == "tenant.settings_changed"


def test_entries_refuse_bulk_updates_and_deletes(entry):
    entries_of_tenant = AuditLog.objects.for_tenant(entry.tenant_id)
    with pytest.raises(AuditLogImmutableError):
        entries_of_tenant.update(action="nothing.happened")
    with pytest.raises(AuditLogImmutableError):
        entries_of_tenant.delete()
    with pytest.raises(AuditLogImmutableError):
        entry.delete()
    assert entries_of_tenant.get().action == "tenant.settings_changed"


def test_the_database_refuses_an_update_that_bypasses_the_model(entry):
    with pytest.raises(DatabaseError, match="can't be changed"), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("UPDATE accounts_auditlog SET ip = '10.0.0.1' WHERE id = %s", [entry.pk])
    assert AuditLog.objects.for_tenant(entry.tenant_id).get().ip == "192.0.2.1"


def test_deleting_the_acting_person_keeps_the_entry_under_their_label(entry, world):
    world.admin.user.delete()
    kept = AuditLog.objects.for_tenant(entry.tenant_id).get()
    assert (kept.actor, kept.actor_label) == (None, entry.actor_label)


def test_deleting_a_tenant_removes_its_entries(entry):
    tenant_shred(tenant=Tenant.objects.get(pk=entry.tenant_id))  # the one way to delete a tenant
    assert not AuditLog.objects.unscoped().filter(pk=entry.pk).exists()


@pytest.fixture
def history(world):
    """Entries by two people over a week, written with their times."""
    now = timezone.now()
    rows = [
        ("auth.login", world.admin.user, now - timedelta(days=6)),
        ("template.submit", world.admin.user, now - timedelta(days=3)),
        ("auth.login", world.owner.user, now - timedelta(days=1)),
        ("api_key.created", world.owner.user, now),
    ]
    for action, user, at in rows:
        AuditLog.objects.for_tenant(world.tenant).create(
            tenant=world.tenant, actor=user, actor_label=user.email, action=action, created_at=at
        )
    return now


def actions_shown(response):
    page = page_text(response)
    return [part.split("</code>")[0] for part in page.split("<td><code>")[1:]]


def test_the_audit_page_filters_by_who(world, history):
    client = world.client_for(world.admin)
    response = client.get("/t/acme/settings/audit-log/", {"actor": world.owner.user.email.upper()})
    assert response.status_code == 200
    assert actions_shown(response) == ["api_key.created", "auth.login"]


def test_the_audit_page_filters_by_the_start_of_the_action(world, history):
    client = world.client_for(world.admin)
    assert actions_shown(client.get("/t/acme/settings/audit-log/", {"action": "auth."})) == ["auth.login"] * 2


def test_the_audit_page_filters_by_days_including_the_last_one(world, history):
    client = world.client_for(world.admin)
    since = (history - timedelta(days=3)).date().isoformat()
    until = (history - timedelta(days=1)).date().isoformat()
    response = client.get("/t/acme/settings/audit-log/", {"since": since, "until": until})
    assert actions_shown(response) == ["auth.login", "template.submit"]


def test_the_audit_page_refuses_a_range_that_ends_before_it_starts(world, history):
    client = world.client_for(world.admin)
    response = client.get("/t/acme/settings/audit-log/", {"since": "2026-05-02", "until": "2026-05-01"})
    assert response.status_code == 400
    assert "The start date is after the end date." in page_text(response)


def test_the_audit_page_shows_no_other_tenants_entries(world, other_tenant, history):
    other = Actor(tenant_id=other_tenant.tenant.pk, role=Role.ADMIN, user=UserFactory.create(email="x@globex.test"))
    audit_record(actor=other, action="globex.secret")
    page = page_text(world.client_for(world.admin).get("/t/acme/settings/audit-log/"))
    assert "globex" not in page
