"""Fuzz a handful of API endpoints from their OpenAPI description (schemathesis): whatever a
client sends, the answer is a success or a 4xx with the JSON error envelope, never a 5xx."""

from __future__ import annotations

from collections.abc import Iterator
from functools import cache
from typing import Any

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, given, settings

from tests.accounts.factories import api_key_for

# Writes and reads where clients send the most varied input.
FUZZED = [
    ("GET", "/api/v1/contacts/"),
    ("POST", "/api/v1/contacts/"),
    ("POST", "/api/v1/contacts/{contact_id}/opt-in/"),
    ("POST", "/api/v1/contacts/{contact_id}/opt-out/"),
    ("GET", "/api/v1/conversations/"),
    ("POST", "/api/v1/conversations/{conversation_id}/status/"),
    ("POST", "/api/v1/messages/"),
    ("POST", "/api/v1/templates/"),
    ("PATCH", "/api/v1/tenant/"),
    ("PUT", "/api/v1/hours/"),
    ("PUT", "/api/v1/bot/"),
    ("POST", "/api/v1/bot/answers/"),
    ("POST", "/api/v1/webhooks/"),
]


@cache
def _schema() -> Any:
    return schemathesis.openapi.from_wsgi("/api/v1/schema/", get_wsgi_application())


@pytest.fixture
def wsgi_requests_keep_the_test_connection() -> Iterator[None]:
    # As Django's test client does: a request must not close the test's connection, whose
    # transaction holds the test's data.
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        yield
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


@pytest.mark.parametrize(("method", "path"), FUZZED)
def test_the_api_answers_bad_input_with_the_envelope_never_a_server_error(
    method, path, world, wsgi_requests_keep_the_test_connection
):
    _key, secret = api_key_for(world.tenant)
    operation = _schema()[path][method]

    @settings(max_examples=8, deadline=None, suppress_health_check=list(HealthCheck), database=None)
    @given(case=operation.as_strategy())
    def answers_well(case):
        response = case.call(headers={"Authorization": f"Bearer {secret}"})
        assert response.status_code < 500, f"{method} {case.formatted_path}: {response.status_code} {response.text}"
        if response.status_code >= 400:
            assert response.headers.get("content-type") == ["application/json"], (response.status_code, response.text)
            body = response.json()
            assert set(body) == {"error"}, body
            assert body["error"]["code"], body
            assert body["error"]["message"], body

    answers_well()
