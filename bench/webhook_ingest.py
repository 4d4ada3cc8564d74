"""Webhook ingestion on the real stack: acknowledgement rate and latency, and processing rate.

uvicorn (2 workers) serves the product on a scratch database; Celery workers process; the
load generator posts signed single-message webhooks, as Meta does, from an asyncio client.
The reference is a bare view on the same server (bench/urls.py) that reads the body and
answers 200, driven by the same load in the same run:

1. max rate: LOAD_SECONDS of webhooks with CONCURRENCY in flight from wrk (Debian's package; a C
   load generator leaves the 2 cores to the server), to the webhook and to the bare view;
   acknowledged messages/s, p50/p99 latency, and the ratio to the bare view;
2. fixed rate: 200 webhooks/s for 10 s; acknowledgement p50/p99;
3. processing: no worker runs while 1 and 2 post, so their events wait; then the workers
   start, and the time until every message is stored and its event published (counted on
   the tenant's channel group) gives processed messages/s.

    make bench        # or: .venv/bin/python -m bench.webhook_ingest
"""

from __future__ import annotations

import asyncio
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import django
import httpx

from bench.common import PROJECT_DIR, asgi_server, celery_workers, layer_events, scratch_stack

LOAD_SECONDS = int(os.environ.get("BENCH_SECONDS", "15"))
# More distinct webhooks than wrk can send in LOAD_SECONDS, so none is sent twice.
DISTINCT_WEBHOOKS = 40_000
CONCURRENCY = 32
FIXED_RATE = 200
FIXED_SECONDS = 10
SENDERS = 200
WORKER_CONCURRENCY = 2
UVICORN_WORKERS = int(os.environ.get("BENCH_UVICORN_WORKERS", "2"))
PHONE_NUMBER_ID = "100000000009999"


@dataclass(frozen=True)
class LoadResult:
    count: int
    seconds: float
    latencies: list[float]

    @property
    def rate(self) -> float:
        return self.count / self.seconds

    def percentile(self, p: int) -> float:
        return statistics.quantiles(self.latencies, n=100, method="inclusive")[p - 1] * 1000


def webhook_bodies(count: int, run: str) -> list[tuple[bytes, dict[str, str]]]:
    from django.conf import settings

    from tests.whatsapp import payloads

    bodies = []
    for n in range(count):
        sender = f"4915{n % SENDERS:09d}"
        message = payloads.text_message(
            wamid=f"wamid.BENCH{run}{n:09d}", from_=sender, body=f"Hello, where is my order {n}? It was due yesterday."
        )
        body = payloads.to_bytes(payloads.envelope(messages=[message], phone_number_id=PHONE_NUMBER_ID))
        bodies.append((body, payloads.signed(body, settings.WHATSAPP_APP_SECRET)))
    return bodies


@dataclass(frozen=True)
class WrkResult:
    requests: int
    rate: float
    p50_ms: float
    p99_ms: float


def _milliseconds(text: str) -> float:
    value, unit = re.fullmatch(r"([\d.]+)(us|ms|s)", text).groups()  # type: ignore[union-attr]
    return float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]


def wrk(url: str, bodies: list[tuple[bytes, dict[str, str]]], *, connections: int) -> WrkResult:
    """Bodies posted in turn for LOAD_SECONDS by wrk with `connections` open."""
    threads = 2
    with tempfile.NamedTemporaryFile("w", suffix=".tsv", delete=False) as lines:
        for body, headers in bodies:
            lines.write(f"{headers['X-Hub-Signature-256']}\t{body.decode()}\n")
    try:
        finished = subprocess.run(
            ["wrk", "-t", str(threads), "-c", str(connections), "-d", f"{LOAD_SECONDS}s", "--latency",
             "--timeout", "30s",
             "-s", str(PROJECT_DIR / "bench" / "wrk_post.lua"), url, "--", lines.name, str(threads)],
            capture_output=True, text=True, check=True,
        )  # fmt: skip
    finally:
        Path(lines.name).unlink()
    output = finished.stdout
    requests = int(re.search(r"(\d+) requests in", output)[1])  # type: ignore[index]
    rate = float(re.search(r"Requests/sec:\s+([\d.]+)", output)[1])  # type: ignore[index]
    p50 = _milliseconds(re.search(r"\s50%\s+(\S+)", output)[1])  # type: ignore[index]
    p99 = _milliseconds(re.search(r"\s99%\s+(\S+)", output)[1])  # type: ignore[index]
    assert requests < len(bodies), "wrk sent some webhooks twice: raise DISTINCT_WEBHOOKS"
    assert "status " not in finished.stderr, finished.stderr[:2000]
    return WrkResult(requests=requests, rate=rate, p50_ms=p50, p99_ms=p99)


async def post_at_rate(url: str, bodies: list[tuple[bytes, dict[str, str]]], *, rate: int) -> LoadResult:
    latencies: list[float] = []

    async def one(client: httpx.AsyncClient, body: bytes, headers: dict[str, str]) -> None:
        start = time.perf_counter()
        response = await client.post(url, content=body, headers=headers)
        latencies.append(time.perf_counter() - start)
        assert response.status_code == 200, response.text

    async with httpx.AsyncClient(limits=httpx.Limits(max_connections=200), timeout=30) as client:
        start = time.perf_counter()
        tasks = []
        for n, (body, headers) in enumerate(bodies):
            await asyncio.sleep(max(0.0, start + n / rate - time.perf_counter()))
            tasks.append(asyncio.create_task(one(client, body, headers)))
        await asyncio.gather(*tasks)
        return LoadResult(len(bodies), time.perf_counter() - start, latencies)


def seed() -> int:
    from accounts import services
    from accounts.models import Role, User
    from whatsapp.services.numbers import NumberDetails, number_connect

    owner = User.objects.create_user(email="bench@example.com", password=None, name="Bench")
    tenant = services.tenant_create(name="Bench Roasters", owner=owner)
    actor = services.Actor(tenant_id=tenant.pk, role=Role.OWNER, user=owner)
    details = NumberDetails(
        display_phone_number="+1 555 010 9999", phone_number_id=PHONE_NUMBER_ID, waba_id="100000000009998",
        access_token="bench",  # noqa: S106
    )  # fmt: skip
    number_connect(tenant=tenant, actor=actor, details=details)
    return tenant.pk


def pending_events() -> int:
    from whatsapp.models import WebhookEvent, WebhookEventState

    return WebhookEvent.objects.filter(state=WebhookEventState.PENDING).count()


def stored_messages(tenant_id: int) -> int:
    from inbox.models import Message

    return Message.objects.for_tenant(tenant_id).count()


async def count_published(tenant_id: int, expected: int, deadline: float) -> float:
    """Listen on the tenant's channel group; the time the `expected`-th message.created arrived."""
    from channels.layers import get_channel_layer

    from inbox.events import tenant_group

    layer = get_channel_layer()
    channel = await layer.new_channel()
    await layer.group_add(tenant_group(tenant_id), channel)
    seen = 0
    while seen < expected:
        remaining = deadline - time.perf_counter()
        if remaining <= 0:
            raise TimeoutError(f"only {seen} of {expected} messages were published")
        message = await asyncio.wait_for(layer.receive(channel), timeout=remaining)
        seen += sum(1 for event in layer_events(message) if event["type"] == "message.created")
    return time.perf_counter()


def processing_rate(environ: dict[str, str], tenant_id: int, backlog: int) -> tuple[float, float]:
    """Messages/s from the moment workers start on the backlog (no worker ran so far) to the last one published."""
    from django.db import connection

    assert stored_messages(tenant_id) == 0
    connection.close()

    async def run() -> tuple[float, float]:
        start = time.perf_counter()
        listener = asyncio.create_task(count_published(tenant_id, backlog, start + 600))
        await asyncio.sleep(0.2)  # subscribed before the first event can be published
        with celery_workers(environ, concurrency=WORKER_CONCURRENCY):
            started = time.perf_counter()
            done = await listener
        return started, done

    started, done = asyncio.run(run())
    assert stored_messages(tenant_id) == backlog
    return backlog / (done - started), done - started


def main() -> int:
    if shutil.which("wrk") is None:
        print("This benchmark needs wrk (apt-get install wrk; `make bench` installs it as root).", file=sys.stderr)
        return 1
    with scratch_stack(f"bench_ingest_{os.getpid()}") as environ:
        os.environ.update(environ)
        django.setup()
        tenant_id = seed()
        from django.db import connection

        connection.close()
        with asgi_server(environ, workers=UVICORN_WORKERS) as url:
            bare = wrk(f"{url}/bench/bare/", webhook_bodies(DISTINCT_WEBHOOKS, "bare"), connections=CONCURRENCY)
            ack = wrk(f"{url}/webhooks/whatsapp/", webhook_bodies(DISTINCT_WEBHOOKS, "ack"), connections=CONCURRENCY)
            fixed_count = FIXED_RATE * FIXED_SECONDS
            fixed_bare = asyncio.run(
                post_at_rate(f"{url}/bench/bare/", webhook_bodies(fixed_count, "fb"), rate=FIXED_RATE)
            )
            fixed = asyncio.run(
                post_at_rate(f"{url}/webhooks/whatsapp/", webhook_bodies(fixed_count, "fixed"), rate=FIXED_RATE)
            )
            # Everything posted to the webhook so far (one message each) waits for the workers that start now;
            # wrk's count misses the requests in flight when it stopped, the table does not.
            backlog = pending_events()
            processed, drain_seconds = processing_rate(environ, tenant_id, backlog)

    print(
        f"\nwebhook ingestion: single-message webhooks for {LOAD_SECONDS} s, {CONCURRENCY} in flight, uvicorn 2 workers"
    )
    print(f"{'':28} {'msgs/s':>8} {'p50 ms':>8} {'p99 ms':>8}")
    for name, load in (("bare view (reference)", bare), ("webhook acknowledged", ack)):
        print(f"{name:28} {load.rate:8.0f} {load.p50_ms:8.1f} {load.p99_ms:8.1f}")
    print(f"ack rate / bare rate: {ack.rate / bare.rate:.2f}  (goal >= 0.50)")
    print(f"\nat a fixed {FIXED_RATE} webhooks/s for {FIXED_SECONDS} s:")
    for name, result in (("bare view (reference)", fixed_bare), ("webhook acknowledged", fixed)):
        print(f"{name:28} {result.rate:8.0f} {result.percentile(50):8.1f} {result.percentile(99):8.1f}")
    print("goal: webhook ack p99 < 100 ms")
    print(
        f"\nprocessed (stored and published) from a backlog of {backlog}, {WORKER_CONCURRENCY} worker processes: "
        f"{processed:.0f} msgs/s in {drain_seconds:.1f} s  (goal >= 500)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
