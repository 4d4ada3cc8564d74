"""Live events travel through the real Redis channel layer to a member's WebSocket, after commit."""

import pytest
from asgiref.sync import async_to_sync, sync_to_async
from channels.layers import get_channel_layer
from channels.testing import WebsocketCommunicator
from django.contrib.auth.models import AnonymousUser
from django.db import transaction

from config.asgi import application
from inbox.events import publish, publish_on_commit

pytestmark = pytest.mark.django_db(transaction=True)


async def open_socket(user, slug: str) -> WebsocketCommunicator:
    communicator = WebsocketCommunicator(application, f"/ws/t/{slug}/", headers=[(b"origin", b"http://testserver")])
    communicator.scope["user"] = user
    connected, _code = await communicator.connect()
    assert connected
    return communicator


def test_channel_layer_round_trip_through_redis():
    async def round_trip() -> dict:
        layer = get_channel_layer()
        channel = await layer.new_channel()
        await layer.group_add("probe-group", channel)
        await layer.group_send("probe-group", {"type": "probe", "n": 1})
        return await layer.receive(channel)

    assert async_to_sync(round_trip)() == {"type": "probe", "n": 1}


def test_member_receives_events_published_after_commit(world):
    async def scenario() -> list:
        socket = await open_socket(world.agent.user, "acme")
        await sync_to_async(publish)(tenant_id=world.tenant.pk, events=[{"type": "ping"}])
        received = await socket.receive_json_from(timeout=3)
        await socket.disconnect()
        return received

    assert async_to_sync(scenario)() == [{"type": "ping"}]


def test_events_of_rolled_back_transactions_are_never_published(world):
    def rolled_back() -> None:
        with transaction.atomic():
            publish_on_commit(tenant_id=world.tenant.pk, events=[{"type": "ghost"}])
            raise RuntimeError("rolled back")

    def write_twice() -> None:
        with pytest.raises(RuntimeError):
            rolled_back()
        with transaction.atomic():
            publish_on_commit(tenant_id=world.tenant.pk, events=[{"type": "real"}, {"type": "after"}])

    async def scenario() -> list:
        socket = await open_socket(world.agent.user, "acme")
        await sync_to_async(write_twice)()
        # One frame for the committed write, its events in order; nothing of the rolled-back one.
        events = await socket.receive_json_from(timeout=3)
        assert await socket.receive_nothing(timeout=0.3)
        await socket.disconnect()
        return events

    assert async_to_sync(scenario)() == [{"type": "real"}, {"type": "after"}]


def test_anonymous_socket_is_refused(world):
    async def connect() -> bool:
        communicator = WebsocketCommunicator(application, "/ws/t/acme/", headers=[(b"origin", b"http://testserver")])
        communicator.scope["user"] = AnonymousUser()
        connected, _code = await communicator.connect()
        # A refused consumer still waits on the channel layer until the server says the socket is
        # gone; left running, its Redis receive can outlive the event loop and hang the test.
        await communicator.disconnect()
        return connected

    assert async_to_sync(connect)() is False


def test_an_idle_socket_still_receives_events(world):
    """The layer blocks up to 5 s on Redis per receive; the connection's read timeout must outlast
    that, or a quiet inbox loses its socket after a few seconds of silence."""

    async def scenario() -> dict:
        socket = await open_socket(world.agent.user, "acme")
        assert await socket.receive_nothing(timeout=6.5)
        await sync_to_async(publish)(tenant_id=world.tenant.pk, events=[{"type": "late"}])
        received = await socket.receive_json_from(timeout=3)
        await socket.disconnect()
        return received

    assert async_to_sync(scenario)() == [{"type": "late"}]
