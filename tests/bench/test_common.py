"""The benchmarks read live events off the channel layer as browsers do: in the publisher's format."""

import pytest
from asgiref.sync import async_to_sync, sync_to_async
from channels.layers import get_channel_layer

from bench.common import layer_events
from inbox.events import publish, tenant_group


@pytest.mark.django_db
def test_the_benchmarks_read_what_the_publisher_sends():
    async def published() -> dict:
        layer = get_channel_layer()
        channel = await layer.new_channel()
        await layer.group_add(tenant_group(7), channel)
        await sync_to_async(publish)(tenant_id=7, events=[{"type": "message.created", "n": 1}, {"type": "x"}])
        return await layer.receive(channel)

    assert layer_events(async_to_sync(published)()) == [{"type": "message.created", "n": 1}, {"type": "x"}]
