"""A reconnecting browser asks for what it missed by sequence number, and gets exactly that."""

import pytest
from asgiref.sync import async_to_sync
from channels.testing import WebsocketCommunicator
from django.db import transaction

from accounts.tenancy import tenant_scope
from config.asgi import application
from inbox.selectors import events_after
from inbox.services.events import Event, events_emit, lock_tenant_events

pytestmark = pytest.mark.django_db(transaction=True)


def emit(tenant, count: int, start: int = 0) -> None:
    with tenant_scope(tenant), transaction.atomic():
        sequence = lock_tenant_events(tenant.pk)
        events_emit(sequence=sequence, events=[Event("probe", {"n": start + n}) for n in range(count)])


def talk(user, slug: str, *messages: dict) -> list[dict]:
    async def scenario() -> list[dict]:
        socket = WebsocketCommunicator(application, f"/ws/t/{slug}/", headers=[(b"origin", b"http://testserver")])
        socket.scope["user"] = user
        connected, _code = await socket.connect()
        assert connected
        received = []
        for message in messages:
            await socket.send_json_to(message)
            while True:
                frame = await socket.receive_json_from(timeout=3)
                received.append(frame)
                if isinstance(frame, dict) and frame["type"] in ("resync.done", "error"):
                    break
        await socket.disconnect()
        return received

    return async_to_sync(scenario)()


def test_events_are_numbered_without_gaps(world, other_tenant):
    emit(world.tenant, 3)
    emit(other_tenant.tenant, 2)
    emit(world.tenant, 2, start=3)
    events, complete = events_after(tenant_id=world.tenant.pk, after=0)
    assert [e["seq"] for e in events] == [1, 2, 3, 4, 5]
    assert [e["n"] for e in events] == [0, 1, 2, 3, 4]
    assert complete


def test_resync_sends_what_was_missed_then_done(world):
    emit(world.tenant, 5)
    frames = talk(world.agent.user, "acme", {"action": "resync", "after": 2})
    # The missed events in one frame (an array), then the end of the resync.
    assert [[event["seq"] for event in frame] for frame in frames[:-1]] == [[3, 4, 5]]
    assert frames[-1] == {"type": "resync.done", "last_seq": 5, "complete": True}


def test_resync_pages_long_gaps(world):
    emit(world.tenant, 7)
    events, complete = events_after(tenant_id=world.tenant.pk, after=0, limit=3)
    assert ([e["seq"] for e in events], complete) == ([1, 2, 3], False)


def test_resync_never_returns_another_tenants_events(world, other_tenant):
    emit(other_tenant.tenant, 4)
    frames = talk(world.agent.user, "acme", {"action": "resync", "after": 0})
    assert frames == [{"type": "resync.done", "last_seq": 0, "complete": True}]


@pytest.mark.parametrize(
    ("message", "code"),
    [
        ({"action": "dance"}, "unknown_action"),
        ({"action": "resync", "after": "ten"}, "invalid_after"),
        ({"action": "resync", "after": -1}, "invalid_after"),
    ],
)
def test_bad_requests_get_an_error_frame(world, message, code):
    frames = talk(world.agent.user, "acme", message)
    assert frames[-1]["type"] == "error"
    assert frames[-1]["code"] == code
