"""The error envelope for input errors, through a view that exists only in this test."""

import pytest
from django.test import override_settings
from django.urls import include, path
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response

from accounts.api.views import TenantAPIView
from accounts.errors import ConflictError, PermissionDeniedError
from tests.accounts.factories import api_key_for
from tests.accounts.test_api import assert_envelope, bearer


class EchoInput(serializers.Serializer):
    phone = serializers.CharField(max_length=5)
    count = serializers.IntegerField(min_value=1)


class EchoView(TenantAPIView):
    def post(self, request: Request) -> Response:
        data = EchoInput(data=request.data)
        data.is_valid(raise_exception=True)
        if data.validated_data["count"] == 13:
            raise ConflictError("Thirteen is taken.", code="unlucky")
        if data.validated_data["count"] == 403:
            raise PermissionDeniedError("Not for API keys.")
        return Response(data.validated_data)


urlpatterns = [
    path("api/v1/echo/", EchoView.as_view()),
    path("", include("config.urls")),
]

pytestmark = pytest.mark.usefixtures("_echo_urls")


@pytest.fixture
def _echo_urls():
    with override_settings(ROOT_URLCONF=__name__):
        yield


@pytest.fixture
def client(world):
    _key, secret = api_key_for(world.tenant)
    return bearer(secret)


def test_malformed_json_is_parse_error(client):
    response = client.generic("POST", "/api/v1/echo/", "{not json", content_type="application/json")
    assert_envelope(response, 400, "parse_error")


def test_form_encoded_body_is_unsupported_media_type(client):
    response = client.post("/api/v1/echo/", {"phone": "1"})
    assert_envelope(response, 415, "unsupported_media_type")


def test_invalid_fields_are_validation_error_with_details(client):
    response = client.post("/api/v1/echo/", {"phone": "123456", "count": 0}, format="json")
    assert_envelope(response, 400, "validation_error")
    details = response.json()["error"]["details"]
    assert set(details) == {"phone", "count"}
    assert response.json()["error"]["message"].startswith("phone:")


def test_service_errors_keep_their_code(client):
    response = client.post("/api/v1/echo/", {"phone": "1", "count": 13}, format="json")
    assert_envelope(response, 409, "unlucky")


def test_permission_denied_is_403_with_envelope(client):
    response = client.post("/api/v1/echo/", {"phone": "1", "count": 403}, format="json")
    assert_envelope(response, 403, "permission_denied")


def test_valid_input_passes(client):
    response = client.post("/api/v1/echo/", {"phone": "1", "count": 2}, format="json")
    assert response.json() == {"phone": "1", "count": 2}
