"""Renaming a contact and changing its attributes: by API, refused whole on bad input, and
told to open inboxes with the contact's unresolved conversations."""

from __future__ import annotations

import pytest

from accounts.tenancy import tenant_scope
from inbox.models import Contact, ConversationStatus, TenantEvent
from tests.accounts.test_api import assert_envelope
from tests.inbox.factories import ContactFactory, ConversationFactory

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def api(world):
    return world.api_client()


@pytest.fixture
def contact(world):
    return ContactFactory.create(
        tenant=world.tenant, name="Maria", attributes={"customer_no": "C-1042", "city": "Lyon"}
    )


def reloaded(contact: Contact) -> Contact:
    with tenant_scope(contact.tenant):
        return Contact.objects.get(pk=contact.pk)


def test_attributes_are_merged_and_the_inboxes_are_told(world, api, contact):
    open_one = ConversationFactory.create(channel__tenant=world.tenant, contact=contact)
    ConversationFactory.create(channel__tenant=world.tenant, contact=contact, status=ConversationStatus.RESOLVED)
    response = api.patch(
        f"/api/v1/contacts/{contact.pk}/",
        {"name": " Maria Lopez ", "attributes": {"tier": "gold", "city": None, "orders": 3}},
        format="json",
    )
    assert response.status_code == 200, response.json()
    assert response.json()["attributes"] == {"customer_no": "C-1042", "tier": "gold", "orders": "3"}
    assert response.json()["name"] == "Maria Lopez"
    assert reloaded(contact).attributes == {"customer_no": "C-1042", "tier": "gold", "orders": "3"}
    with tenant_scope(world.tenant):
        event = TenantEvent.objects.order_by("-seq").first()
    assert (event.type, event.payload["conversation_ids"]) == ("contact.updated", [open_one.pk])
    assert event.payload["contact"] == {"id": contact.pk, "display_name": "Maria Lopez"}


def test_the_same_values_again_change_nothing_and_tell_nobody(world, api, contact):
    response = api.patch(f"/api/v1/contacts/{contact.pk}/", {"attributes": {"city": "Lyon"}}, format="json")
    assert response.status_code == 200
    with tenant_scope(world.tenant):
        assert not TenantEvent.objects.exists()


@pytest.mark.parametrize(
    ("body", "code", "detail_key"),
    [
        ({"attributes": {"City": "Paris", "tier": "gold"}}, "attributes_invalid", "City"),
        ({"attributes": {"vip": True}}, "attributes_invalid", "vip"),
        ({"attributes": {"note": "x" * 501}}, "attributes_invalid", "note"),
        ({"attributes": {f"k{n}": "x" for n in range(49)}}, "attributes_invalid", "attributes"),
        ({"attributes": "gold"}, "validation_error", "attributes"),
        ({"name": "x" * 257}, "validation_error", "name"),
    ],
)
def test_bad_input_is_refused_whole_and_changes_nothing(api, contact, body, code, detail_key):
    response = api.patch(f"/api/v1/contacts/{contact.pk}/", body, format="json")
    assert_envelope(response, 400, code)
    assert detail_key in response.json()["error"]["details"]
    assert reloaded(contact).attributes == {"customer_no": "C-1042", "city": "Lyon"}
    assert reloaded(contact).name == "Maria"


def test_another_workspace_s_contact_is_not_found(api, other_tenant):
    stranger = ContactFactory.create(tenant=other_tenant.tenant, name="Bob")
    response = api.patch(f"/api/v1/contacts/{stranger.pk}/", {"name": "Mine"}, format="json")
    assert response.status_code == 404
    assert reloaded(stranger).name == "Bob"
