"""Signed-in sessions end after SESSION_COOKIE_AGE without a request, and SESSION_MAX_AGE_SECONDS
after they began however busy they were (accounts.middleware.SessionExpiryMiddleware)."""

from __future__ import annotations

import time

import pytest
from asgiref.sync import async_to_sync
from channels.testing import WebsocketCommunicator
from django.conf import settings

from accounts import policy
from accounts.middleware import SESSION_SEEN_KEY, SESSION_SIGNED_IN_KEY
from config.asgi import application

HOUR = 3600


@pytest.mark.parametrize(
    ("signed_in_ago", "seen_ago", "expired"),
    [
        (0, 0, False),
        (13 * HOUR, 11 * HOUR, False),
        (13 * HOUR, 12 * HOUR, True),
        (14 * 24 * HOUR - 1, 60, False),
        (14 * 24 * HOUR, 60, True),
    ],
)
def test_session_expired(signed_in_ago, seen_ago, expired):
    now = 1_800_000_000.0
    assert (
        policy.session_expired(
            signed_in_at=now - signed_in_ago,
            last_seen_at=now - seen_ago,
            now=now,
            idle_seconds=12 * HOUR,
            max_seconds=14 * 24 * HOUR,
        )
        is expired
    )


def _inbox(world, client):
    return client.get(f"/t/{world.tenant.slug}/inbox/")


def _age(client, *, signed_in_ago: float, seen_ago: float) -> None:
    session = client.session
    now = time.time()
    session[SESSION_SIGNED_IN_KEY] = now - signed_in_ago
    session[SESSION_SEEN_KEY] = now - seen_ago
    session.save()


def test_an_active_session_goes_on(world, settings):
    client = world.client_for(world.agent)
    assert _inbox(world, client).status_code == 200
    _age(client, signed_in_ago=3 * HOUR, seen_ago=2 * HOUR)

    response = _inbox(world, client)

    assert response.status_code == 200
    assert time.time() - client.session[SESSION_SEEN_KEY] < 60
    # Working renews the cookie for another idle period.
    assert int(response.cookies[settings.SESSION_COOKIE_NAME]["max-age"]) == settings.SESSION_COOKIE_AGE


def test_an_idle_session_is_signed_out(world, settings):
    client = world.client_for(world.agent)
    _inbox(world, client)
    _age(client, signed_in_ago=settings.SESSION_COOKIE_AGE + 10, seen_ago=settings.SESSION_COOKIE_AGE + 1)

    response = _inbox(world, client)

    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")
    assert "_auth_user_id" not in client.session


def test_a_session_older_than_its_limit_is_signed_out_however_busy(world, settings):
    client = world.client_for(world.agent)
    _inbox(world, client)
    _age(client, signed_in_ago=settings.SESSION_MAX_AGE_SECONDS + 1, seen_ago=1)

    response = _inbox(world, client)

    assert response.status_code == 302
    assert "_auth_user_id" not in client.session


def _socket_opens(client) -> bool:
    cookie = f"{settings.SESSION_COOKIE_NAME}={client.cookies[settings.SESSION_COOKIE_NAME].value}".encode()

    async def connect() -> bool:
        socket = WebsocketCommunicator(
            application, "/ws/t/acme/", headers=[(b"origin", b"http://testserver"), (b"cookie", cookie)]
        )
        connected, _code = await socket.connect()
        await socket.disconnect()
        return connected

    return async_to_sync(connect)()


@pytest.mark.django_db(transaction=True)  # the consumer reads the session from another thread
def test_a_session_that_is_over_opens_no_live_socket(world):
    client = world.client_for(world.agent)
    _inbox(world, client)
    assert _socket_opens(client)

    _age(client, signed_in_ago=settings.SESSION_MAX_AGE_SECONDS + 1, seen_ago=1)

    assert not _socket_opens(client)
