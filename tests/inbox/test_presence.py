"""The collision notice: a browser says it views or types in a conversation, and its colleagues' open
browsers are told, through the real channel layer (Redis). Never another tenant, never stored."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import pytest
from asgiref.sync import async_to_sync
from channels.testing import WebsocketCommunicator

from accounts.tenancy import tenant_scope
from config.asgi import application
from inbox.models import TenantEvent
from tests.inbox.factories import ConversationFactory

pytestmark = pytest.mark.django_db(transaction=True)

QUIET = 0.3  # seconds to wait for a frame that must not come


async def connect(user, slug: str) -> WebsocketCommunicator:
    socket = WebsocketCommunicator(application, f"/ws/t/{slug}/", headers=[(b"origin", b"http://testserver")])
    socket.scope["user"] = user
    connected, _code = await socket.connect()
    assert connected
    return socket


def run(scenario: Callable[[], Awaitable[Any]]) -> Any:
    return async_to_sync(scenario)()


def presence(conversation_id: int, state: str) -> dict[str, Any]:
    return {"action": "presence", "conversation": conversation_id, "state": state}


@pytest.fixture
def conversation(world):
    return ConversationFactory.create(channel__tenant=world.tenant)


def test_colleagues_see_who_views_and_types_but_the_sender_is_not_echoed(world, other_tenant, conversation):
    sam, kim, outsider = world.agent.user, world.admin.user, other_tenant.agent.user

    async def scenario() -> list[dict[str, Any]]:
        sams, kims = await connect(sam, "acme"), await connect(kim, "acme")
        outsiders = await connect(outsider, "globex")
        await sams.send_json_to(presence(conversation.pk, "viewing"))
        await sams.send_json_to(presence(conversation.pk, "typing"))
        received = [await kims.receive_json_from(timeout=3), await kims.receive_json_from(timeout=3)]
        assert await sams.receive_nothing(timeout=QUIET)
        assert await outsiders.receive_nothing(timeout=QUIET)
        for socket in (sams, kims, outsiders):
            await socket.disconnect()
        return received

    viewing, typing = run(scenario)
    assert viewing == {
        "type": "presence",
        "conversation_id": conversation.pk,
        "user_id": sam.pk,
        "name": sam.name,
        "state": "viewing",
    }
    assert typing["state"] == "typing"
    with tenant_scope(world.tenant):
        assert not TenantEvent.objects.exists()  # never stored, never numbered


def test_another_tenants_conversation_is_refused_and_nothing_is_relayed(world, other_tenant):
    theirs = ConversationFactory.create(channel__tenant=other_tenant.tenant)

    async def scenario() -> dict[str, Any]:
        sams, kims = await connect(world.agent.user, "acme"), await connect(world.admin.user, "acme")
        outsiders = await connect(other_tenant.agent.user, "globex")
        await sams.send_json_to(presence(theirs.pk, "viewing"))
        error = await sams.receive_json_from(timeout=3)
        assert await kims.receive_nothing(timeout=QUIET)
        assert await outsiders.receive_nothing(timeout=QUIET)
        for socket in (sams, kims, outsiders):
            await socket.disconnect()
        return error

    error = run(scenario)
    assert (error["type"], error["code"]) == ("error", "unknown_conversation")


BAD_PRESENCE = [
    ({"action": "presence", "conversation": 1, "state": "dancing"}, "invalid_state"),
    ({"action": "presence", "conversation": "1", "state": "viewing"}, "invalid_conversation"),
    ({"action": "presence", "conversation": True, "state": "viewing"}, "invalid_conversation"),
    ({"action": "presence", "conversation": 0, "state": "viewing"}, "invalid_conversation"),
    ({"action": "presence", "conversation": 2**63, "state": "viewing"}, "invalid_conversation"),
    ({"action": "presence", "conversation": 999_999, "state": "viewing"}, "unknown_conversation"),
    ({"action": "presence"}, "invalid_state"),
    (["presence"], "unknown_action"),
]


def test_a_bad_presence_gets_an_error_frame_each(world):
    # One socket for every case: a transactional test's database set-up costs more than the case.
    async def scenario() -> list[str]:
        socket = await connect(world.agent.user, "acme")
        codes = []
        for message, _code in BAD_PRESENCE:
            await socket.send_json_to(message)
            frame = await socket.receive_json_from(timeout=3)
            assert frame["type"] == "error"
            codes.append(frame["code"])
        await socket.disconnect()
        return codes

    assert run(scenario) == [code for _message, code in BAD_PRESENCE]


def test_closing_the_browser_or_moving_on_says_left(world, conversation):
    other = ConversationFactory.create(channel=conversation.channel)

    async def scenario() -> list[dict[str, Any]]:
        sams, kims = await connect(world.agent.user, "acme"), await connect(world.admin.user, "acme")
        await sams.send_json_to(presence(conversation.pk, "viewing"))
        await sams.send_json_to(presence(other.pk, "viewing"))  # opened another one without saying "left"
        await sams.disconnect()
        frames = [await kims.receive_json_from(timeout=3) for _ in range(4)]
        await kims.disconnect()
        return frames

    frames = run(scenario)
    assert [(f["conversation_id"], f["state"]) for f in frames] == [
        (conversation.pk, "viewing"),
        (conversation.pk, "left"),
        (other.pk, "viewing"),
        (other.pk, "left"),
    ]


def test_presence_and_resync_share_the_socket(world, conversation):
    async def scenario() -> list[dict[str, Any]]:
        sams, kims = await connect(world.agent.user, "acme"), await connect(world.admin.user, "acme")
        await sams.send_json_to(presence(conversation.pk, "viewing"))
        await sams.send_json_to({"action": "resync", "after": 0})
        done = await sams.receive_json_from(timeout=3)
        seen = await kims.receive_json_from(timeout=3)
        for socket in (sams, kims):
            await socket.disconnect()
        return [done, seen]

    done, seen = run(scenario)
    assert done == {"type": "resync.done", "last_seq": 0, "complete": True}
    assert seen["type"] == "presence"
