"""API keys are scoped: read keys only read, write keys act as an agent, admin keys as an admin."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from rest_framework.test import APIClient

from accounts.models import ApiKey, ApiKeyScope
from inbox.models import Contact
from tests.accounts.factories import api_key_for

CSV = b"phone,name\n+49 151 23456789,Maria\n"


def client_with(world, scope):
    _key, secret = api_key_for(world.tenant, scope=scope)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {secret}")
    return client


def create_contact(client):
    return client.post("/api/v1/contacts/", {"phone": "+49 151 23456789", "name": "Maria"}, format="json")


def import_contacts(client):
    return client.post("/api/v1/contacts/import/", {"file": SimpleUploadedFile("c.csv", CSV)}, format="multipart")


@pytest.mark.parametrize("scope", list(ApiKeyScope))
def test_every_key_reads(world, scope):
    assert client_with(world, scope).get("/api/v1/contacts/").status_code == 200


def test_a_read_key_is_refused_a_write_with_a_clear_code_and_nothing_changes(world):
    response = create_contact(client_with(world, ApiKeyScope.READ))
    assert response.status_code == 403
    assert response.json() == {
        "error": {
            "code": "api_key_read_only",
            "message": "This API key may only read. Create a key with write access for this request.",
        }
    }
    assert not Contact.objects.for_tenant(world.tenant).exists()


def test_a_write_key_writes_as_an_agent_but_not_as_an_admin(world):
    client = client_with(world, ApiKeyScope.WRITE)
    assert create_contact(client).status_code == 201
    response = import_contacts(client)
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "permission_denied"
    assert Contact.objects.for_tenant(world.tenant).count() == 1


def test_an_admin_key_does_what_an_admin_does(world):
    response = import_contacts(client_with(world, ApiKeyScope.ADMIN))
    assert response.status_code == 200, response.content
    assert Contact.objects.for_tenant(world.tenant).count() == 1


def test_an_admin_chooses_the_scope_when_creating_a_key(world):
    client = world.client_for(world.admin)
    response = client.post("/t/acme/settings/api-keys/", {"name": "BI export", "scope": "read"})
    assert response.status_code == 302
    assert ApiKey.objects.for_tenant(world.tenant).get().scope == "read"


def test_an_unknown_scope_is_refused_and_creates_no_key(world):
    client = world.client_for(world.admin)
    response = client.post("/t/acme/settings/api-keys/", {"name": "BI export", "scope": "root"})
    assert response.status_code == 400
    assert not ApiKey.objects.for_tenant(world.tenant).exists()
