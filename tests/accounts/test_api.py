"""The API foundation: key authentication, the error envelope, pagination and throttling."""

import pytest
from rest_framework.test import APIClient

from accounts import services
from accounts.api.throttling import ApiKeyRateThrottle
from accounts.models import Role
from tests.accounts.factories import MembershipFactory, api_key_for


# The envelope helpers are shared with the other API tests.
def bearer(secret: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {secret}")
    return client


def assert_envelope(response, status: int, code: str) -> None:
    assert response.status_code == status, response.content
    assert response["Content-Type"] == "application/json"
    body = response.json()
    assert set(body) == {"error"}
    assert body["error"]["code"] == code
    assert body["error"]["message"]


def test_who_am_i_answers_the_keys_tenant(world):
    api_key, secret = api_key_for(world.tenant, name="CRM sync")
    response = bearer(secret).get("/api/v1/tenant/")
    assert response.status_code == 200
    body = response.json()
    assert body["tenant"]["slug"] == "acme"
    assert body["tenant"]["name"] == "Acme Coffee"
    assert body["api_key"] == {
        "name": "CRM sync",
        "prefix": api_key.prefix,
        "scope": "admin",
        "created_at": body["api_key"]["created_at"],
    }


def test_missing_key_is_401_with_envelope(db):
    response = APIClient().get("/api/v1/tenant/")
    assert_envelope(response, 401, "not_authenticated")
    assert response["WWW-Authenticate"].startswith("Bearer")


@pytest.mark.parametrize("header", ["Bearer wai_not-a-key", "Token abc", "Bearer", "Bearer a b"])
def test_wrong_key_is_401_with_envelope(db, header):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=header)
    assert_envelope(client.get("/api/v1/tenant/"), 401, "authentication_failed")


def test_revoked_key_is_401(world):
    api_key, secret = api_key_for(world.tenant)
    services.api_key_revoke(api_key=api_key, actor=services.Actor(tenant_id=world.tenant.pk, role=Role.OWNER))
    assert_envelope(bearer(secret).get("/api/v1/tenant/"), 401, "authentication_failed")


def test_unknown_route_is_404_with_envelope(world):
    _key, secret = api_key_for(world.tenant)
    assert_envelope(bearer(secret).get("/api/v1/no-such-thing/"), 404, "not_found")


def test_wrong_method_is_405_with_envelope(world):
    _key, secret = api_key_for(world.tenant)
    assert_envelope(bearer(secret).post("/api/v1/tenant/", {}, format="json"), 405, "method_not_allowed")


def test_members_list_is_paginated_with_results_and_next(world):
    for _ in range(4):
        MembershipFactory.create(tenant=world.tenant)
    _key, secret = api_key_for(world.tenant)
    client = bearer(secret)
    first = client.get("/api/v1/members/?page_size=5").json()
    assert set(first) == {"results", "next"}
    assert len(first["results"]) == 5
    second = client.get(first["next"]).json()
    assert len(second["results"]) == 2
    assert second["next"] is None
    ids = [m["id"] for m in first["results"] + second["results"]]
    assert len(set(ids)) == 7


def test_member_detail(world):
    _key, secret = api_key_for(world.tenant)
    body = bearer(secret).get(f"/api/v1/members/{world.agent.pk}/").json()
    assert body == {
        "id": world.agent.pk,
        "name": world.agent.user.name,
        "email": world.agent.user.email,
        "role": "agent",
        "created_at": body["created_at"],
    }


def test_throttled_after_the_rate_with_envelope_and_retry_after(world, monkeypatch):
    monkeypatch.setattr(ApiKeyRateThrottle, "THROTTLE_RATES", {"api_key": "3/min"})
    _key, secret = api_key_for(world.tenant)
    client = bearer(secret)
    statuses = [client.get("/api/v1/tenant/").status_code for _ in range(3)]
    assert statuses == [200, 200, 200]
    response = client.get("/api/v1/tenant/")
    assert_envelope(response, 429, "throttled")
    assert int(response["Retry-After"]) >= 1
    # Another key of the same tenant has its own allowance.
    _other, other_secret = api_key_for(world.tenant, name="second")
    assert bearer(other_secret).get("/api/v1/tenant/").status_code == 200


def test_schema_and_docs_are_served(db):
    schema = APIClient().get("/api/v1/schema/?format=json")
    assert schema.status_code == 200
    paths = schema.json()["paths"]
    assert "/api/v1/tenant/" in paths
    assert "/api/v1/members/" in paths
    docs = APIClient().get("/api/v1/docs/")
    assert docs.status_code == 200
    assert b"swagger" in docs.content.lower()
