"""Outbound throughput against the simulator over HTTP, with real workers.

The product (uvicorn), Celery workers and the Cloud API simulator run as separate processes
on a scratch database; customers first write in through the simulator (so their windows are
open, in the product and in the simulator). Then:

1. at the number's configured 80 messages/s, messages are sent through the API at 80/s for
   SECONDS: the rate the simulator received them, the most it received in any 1-second window
   (must never exceed 80), and the time from the API call to the `sent` event an open inbox
   receives (p50/p99);
2. at a configured 1,000 messages/s, a backlog of BACKLOG queued messages is delivered by the
   workers: the rate reached, the busiest 1-second window, and what limits it.

The reference for the rates is the configured throughput itself.

    make bench        # or: .venv/bin/python -m bench.outbound
"""

from __future__ import annotations

import asyncio
import os
import statistics
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import django
import httpx

from bench.common import (
    PROJECT_DIR,
    asgi_server,
    celery_workers,
    cpu_seconds_by_role,
    cpu_used_since,
    layer_events,
    scratch_stack,
)
from devstack.embedded import free_port

SECONDS = int(os.environ.get("BENCH_SECONDS", "60"))
BACKLOG = int(os.environ.get("BENCH_BACKLOG", "6000"))
CUSTOMERS = 600
WORKER_CONCURRENCY = int(os.environ.get("BENCH_WORKERS", "2"))
# As the compose file deploys them: sends wait mostly on the Graph API, so a thread pool.
SENDER_THREADS = int(os.environ.get("BENCH_SENDER_THREADS", "16"))
PHONE_NUMBER_ID = "100000000008888"


@contextmanager
def workers(environ: dict[str, str]) -> Iterator[None]:
    """The compose file's workers: `worker` (prefork) on the celery queue, `sender` (threads) on outbound."""
    with (
        celery_workers(environ, concurrency=WORKER_CONCURRENCY, queues="celery"),
        celery_workers(environ, concurrency=SENDER_THREADS, queues="outbound", pool="threads"),
    ):
        yield


@contextmanager
def simulator(environ: dict[str, str], product_url: str) -> Iterator[str]:
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "manage.py", "whatsapp_simulator", "--port", str(port),
         "--webhook-url", f"{product_url}/webhooks/whatsapp/"],
        cwd=PROJECT_DIR, env=environ, stdout=subprocess.DEVNULL,
    )  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    try:
        for _ in range(300):
            try:
                httpx.get(f"{url}/_sim/config", timeout=1)
                break
            except httpx.HTTPError:
                time.sleep(0.1)
        # Only the `sent` receipt: it is what the benchmark times, and the rest would only add load.
        httpx.post(f"{url}/_sim/config", json={"statuses": {"sent_after": 0, "delivered": False, "read": False}})
        yield url
    finally:
        process.terminate()
        process.wait(timeout=30)


def seed(simulator_url: str, throughput: int) -> tuple[int, str]:
    from accounts import services
    from accounts.models import Role, User
    from whatsapp.services.numbers import NumberDetails, number_connect

    owner = User.objects.create_user(email="bench@example.com", password=None, name="Bench")
    tenant = services.tenant_create(name="Bench Roasters", owner=owner)
    actor = services.Actor(tenant_id=tenant.pk, role=Role.OWNER, user=owner)
    details = NumberDetails(
        display_phone_number="+1 555 010 8888", phone_number_id=PHONE_NUMBER_ID, waba_id="100000000008887",
        access_token="bench", graph_api_base_url=simulator_url, throughput_mps=throughput,  # noqa: S106
    )  # fmt: skip
    number_connect(tenant=tenant, actor=actor, details=details)
    _key, secret = services.api_key_create(tenant=tenant, actor=actor, name="bench")
    return tenant.pk, secret


def set_throughput(simulator_url: str, throughput: int) -> None:
    from whatsapp.models import WhatsAppNumber

    WhatsAppNumber.objects.unscoped().filter(phone_number_id=PHONE_NUMBER_ID).update(throughput_mps=throughput)
    httpx.post(f"{simulator_url}/_sim/numbers/{PHONE_NUMBER_ID}", json={"throughput_mps": throughput})


async def customers_write(simulator_url: str) -> None:
    async def one(client: httpx.AsyncClient, n: int) -> None:
        body = {"phone_number_id": PHONE_NUMBER_ID, "from": f"4915{n:09d}", "name": f"Customer {n}",
                "message": {"type": "text", "text": {"body": "Hello, is my order on its way?"}}}  # fmt: skip
        response = await client.post(f"{simulator_url}/_sim/inbound", json=body)
        assert response.json()["webhook_status"] == 200, response.text

    async with httpx.AsyncClient(timeout=30) as client:
        for start in range(0, CUSTOMERS, 20):
            await asyncio.gather(*(one(client, n) for n in range(start, min(start + 20, CUSTOMERS))))


def conversation_ids(tenant_id: int) -> list[int]:
    from inbox.models import Conversation

    deadline = time.monotonic() + 120
    while Conversation.objects.for_tenant(tenant_id).count() < CUSTOMERS:
        assert time.monotonic() < deadline, "the customers' messages were not all processed"
        time.sleep(0.5)
    return list(Conversation.objects.for_tenant(tenant_id).order_by("id").values_list("id", flat=True))


async def listen_for_sent(tenant_id: int, sent_at: dict[int, float], stop: asyncio.Event) -> None:
    from channels.layers import get_channel_layer

    from inbox.events import tenant_group

    layer = get_channel_layer()
    channel = await layer.new_channel()
    await layer.group_add(tenant_group(tenant_id), channel)
    while not stop.is_set():
        try:
            message = await asyncio.wait_for(layer.receive(channel), timeout=0.5)
        except TimeoutError:
            continue
        now = time.perf_counter()
        for event in layer_events(message):
            if event["type"] == "message.status" and event["status"] == "sent":
                sent_at.setdefault(event["message_id"], now)


async def send_at_rate(
    product_url: str, secret: str, conversations: list[int], rate: int, seconds: int
) -> dict[int, float]:
    called_at: dict[int, float] = {}
    headers = {"Authorization": f"Bearer {secret}"}

    async def one(client: httpx.AsyncClient, n: int) -> None:
        start = time.perf_counter()
        response = await client.post(
            f"{product_url}/api/v1/conversations/{conversations[n % len(conversations)]}/messages/",
            json={"type": "text", "text": {"body": f"Your order {n} ships today."}},
            headers=headers,
        )
        assert response.status_code == 201, response.text
        called_at[response.json()["id"]] = start

    # Idle connections expire before uvicorn closes them (5 s), so none is reused as it closes.
    limits = httpx.Limits(max_connections=100, keepalive_expiry=2)
    async with httpx.AsyncClient(limits=limits, timeout=30) as client:
        start = time.perf_counter()
        tasks = []
        for n in range(rate * seconds):
            await asyncio.sleep(max(0.0, start + n / rate - time.perf_counter()))
            tasks.append(asyncio.create_task(one(client, n)))
        await asyncio.gather(*tasks)
    return called_at


@dataclass(frozen=True)
class Delivery:
    count: int
    rate: float
    busiest_second: int


def simulator_deliveries(simulator_url: str, *, since: float) -> Delivery:
    """What the simulator received since `since` (its clock): the rate, and the busiest 1-s window."""
    items = httpx.get(f"{simulator_url}/_sim/messages?direction=outbound", timeout=60).json()["data"]
    times = sorted(float(item["created_at"]) for item in items if float(item["created_at"]) >= since)
    busiest, left = 0, 0
    for right, moment in enumerate(times):
        while moment - times[left] >= 1.0:
            left += 1
        busiest = max(busiest, right - left + 1)
    span = (times[-1] - times[0]) if len(times) > 1 else 1.0
    return Delivery(count=len(times), rate=len(times) / span, busiest_second=busiest)


def queue_backlog(tenant_id: int, conversations: list[int], count: int) -> None:
    """Queued messages and their outbox entries, written in bulk (as a burst of API calls would)."""
    from django.utils import timezone

    from inbox.models import Message, OutboxEntry

    now = timezone.now()
    messages = Message.objects.for_tenant(tenant_id).bulk_create(
        Message(
            tenant_id=tenant_id, conversation_id=conversations[n % len(conversations)], direction="out",
            type="text", text=f"Backlog {n}", content={"type": "text", "text": {"body": f"Backlog {n}"}},
            status="queued", sent_at=now, created_at=now,
        )
        for n in range(count)
    )  # fmt: skip
    entries = OutboxEntry.objects.for_tenant(tenant_id).bulk_create(
        OutboxEntry(tenant_id=tenant_id, message=message, next_attempt_at=now, created_at=now) for message in messages
    )
    from whatsapp.channel import WhatsAppChannel

    for entry in entries:
        WhatsAppChannel().schedule_delivery(tenant_id=tenant_id, outbox_id=entry.pk)


def wait_until_delivered(tenant_id: int, count: int, timeout: float) -> None:
    from inbox.models import OutboxEntry

    deadline = time.monotonic() + timeout
    while OutboxEntry.objects.for_tenant(tenant_id).filter(state="sent").count() < count:
        if time.monotonic() > deadline:
            return
        time.sleep(0.5)


def main() -> int:
    with scratch_stack(f"bench_outbound_{os.getpid()}") as environ:
        os.environ.update(environ)
        django.setup()
        from django.db import connection

        with asgi_server(environ, workers=2) as product_url, simulator(environ, product_url) as sim_url:
            tenant_id, secret = seed(sim_url, 80)
            set_throughput(sim_url, 80)
            connection.close()
            with workers(environ):
                asyncio.run(customers_write(sim_url))
                conversations = conversation_ids(tenant_id)
                sim_clock_start = time.time()

                async def scenario_80() -> tuple[dict[int, float], dict[int, float]]:
                    sent_at: dict[int, float] = {}
                    stop = asyncio.Event()
                    listener = asyncio.create_task(listen_for_sent(tenant_id, sent_at, stop))
                    await asyncio.sleep(0.3)
                    called_at = await send_at_rate(product_url, secret, conversations, 80, SECONDS)
                    deadline = time.perf_counter() + 30
                    while len(sent_at) < len(called_at) and time.perf_counter() < deadline:
                        await asyncio.sleep(0.2)
                    stop.set()
                    await listener
                    return called_at, sent_at

                cpu_before = cpu_seconds_by_role()
                called_at, sent_at = asyncio.run(scenario_80())
                cpu_80 = cpu_used_since(cpu_before)
                at_80 = simulator_deliveries(sim_url, since=sim_clock_start)
                latencies = [(sent_at[m] - called_at[m]) * 1000 for m in called_at if m in sent_at]

            set_throughput(sim_url, 1000)
            connection.close()
            queue_backlog(tenant_id, conversations, BACKLOG)
            backlog_start = time.time()
            with workers(environ):
                wait_until_delivered(tenant_id, len(called_at) + BACKLOG, timeout=300)
            at_1000 = simulator_deliveries(sim_url, since=backlog_start)
            connection.close()

    cuts = statistics.quantiles(latencies, n=100, method="inclusive")
    print(
        f"\noutbound, one number, simulator over HTTP; workers as in the compose file: {WORKER_CONCURRENCY} "
        f"prefork processes on the celery queue, {SENDER_THREADS} threads on outbound"
    )
    print(f"configured 80/s, API calls at 80/s for {SECONDS} s: {len(called_at)} sent")
    print(f"  achieved at the simulator: {at_80.rate:.1f} msgs/s ({at_80.rate / 80:.0%} of 80; goal >= 95%)")
    print(f"  busiest 1-second window: {at_80.busiest_second} (must be <= 80)")
    print(f"  API call to `sent` event: p50 {cuts[49]:.0f} ms, p99 {cuts[98]:.0f} ms ({len(latencies)} measured)")
    print(f"configured 1,000/s, a backlog of {BACKLOG}: {at_1000.count} delivered")
    total = sum(cpu_80.values())
    print(f"  CPU per message at 80/s (2 cores shared by all): {total / max(1, at_80.count) * 1000:.1f} ms in all")
    for role, seconds in sorted(cpu_80.items(), key=lambda item: -item[1]):
        print(f"    {role:18} {seconds / max(1, at_80.count) * 1000:6.1f} ms")
    share = at_1000.rate / 1000
    print(f"  achieved: {at_1000.rate:.0f} msgs/s ({share:.0%} of 1,000); busiest second {at_1000.busiest_second}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
