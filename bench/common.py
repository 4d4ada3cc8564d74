"""What every benchmark needs: a scratch database on the dev services, a real ASGI server, timing."""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import psycopg

from devstack.embedded import free_port
from devstack.stack import services

PROJECT_DIR = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class Timing:
    p50_ms: float
    p95_ms: float
    p99_ms: float

    @classmethod
    def of(cls, seconds: list[float]) -> Timing:
        cuts = statistics.quantiles([s * 1000 for s in seconds], n=100, method="inclusive")
        return cls(p50_ms=cuts[49], p95_ms=cuts[94], p99_ms=cuts[98])


@contextmanager
def scratch_stack(name: str) -> Iterator[dict[str, str]]:
    """Environment for a fresh, migrated database `name` on the dev services (dropped afterwards)."""
    with services() as found:
        server = found.database_url.rsplit("/", 1)[0]
        admin = server.replace("postgres://", "postgresql://") + "/postgres"
        with psycopg.connect(admin, autocommit=True) as db:
            db.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            db.execute(f'CREATE DATABASE "{name}"')
        environ = dict(
            os.environ,
            DATABASE_URL=f"{server}/{name}",
            REDIS_URL=found.redis_url,
            REDIS_KEY_PREFIX=f"bench-{name}",
            DEBUG="false",
            LOG_LEVEL="ERROR",
            API_THROTTLE_RATE="1000000/min",
            DJANGO_SETTINGS_MODULE="bench.settings",
        )
        subprocess.run(
            [sys.executable, "manage.py", "migrate", "--noinput", "-v0"], cwd=PROJECT_DIR, env=environ, check=True
        )
        try:
            yield environ
        finally:
            with psycopg.connect(admin, autocommit=True) as db:
                db.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def layer_events(message: dict[str, Any]) -> list[dict[str, Any]]:
    """The events of a `tenant.events` channel-layer message: the frame every socket sends, a JSON array."""
    events: list[dict[str, Any]] = json.loads(message["frame"])
    return events


@contextmanager
def asgi_server(environ: dict[str, str], *, workers: int = 1) -> Iterator[str]:
    """uvicorn serving the product (with bench/urls.py's references), as in production."""
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "uvicorn", "config.asgi:application", "--port", str(port), "--lifespan", "off",
         "--no-access-log", "--log-level", "warning", "--workers", str(workers), "--timeout-graceful-shutdown", "5"],
        cwd=PROJECT_DIR, env=environ,
    )  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    try:
        for _ in range(300):
            try:
                httpx.get(f"{url}/bench/bare/", timeout=5)
                break
            except httpx.HTTPError:
                time.sleep(0.1)
        yield url
    finally:
        process.terminate()
        process.wait(timeout=30)


def time_requests(client: httpx.Client, url: str, count: int, headers: dict[str, str] | None = None) -> list[float]:
    seconds = []
    for _ in range(count):
        start = time.perf_counter()
        response = client.get(url, headers=headers)
        seconds.append(time.perf_counter() - start)
        assert response.status_code in (200, 404), response.text
    return seconds


@contextmanager
def celery_workers(
    environ: dict[str, str], *, concurrency: int, queues: str = "celery,outbound", pool: str = "prefork"
) -> Iterator[subprocess.Popen[bytes]]:
    process = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "config", "worker", "--loglevel", "WARNING", "-Q", queues,
         "--pool", pool, "--concurrency", str(concurrency), "--hostname", f"{queues.replace(',', '-')}@%h",
         "--without-mingle", "--without-gossip"],
        cwd=PROJECT_DIR, env=environ,
    )  # fmt: skip
    try:
        yield process
    finally:
        process.terminate()
        process.wait(timeout=60)


def cpu_seconds_by_role() -> dict[str, float]:
    """CPU time used so far by each part of the stack on this machine (user + system, with children)."""
    import psutil

    roles = {
        "web (uvicorn)": "uvicorn",
        "workers (celery)": "celery",
        "simulator": "whatsapp_simulator",
        "postgresql": "postgres",
        "redis": "redis-server",
    }
    totals = dict.fromkeys([*roles, "benchmark client"], 0.0)
    counted: set[int] = set()
    for process in psutil.process_iter(["pid", "cmdline", "name"]):
        try:
            command = " ".join(process.info["cmdline"] or []) or (process.info["name"] or "")
            role = next((r for r, marker in roles.items() if marker in command), None)
            if process.pid == os.getpid():
                role = "benchmark client"
            if role is None or process.pid in counted:
                continue
            # uvicorn's workers are spawned children whose command line doesn't say uvicorn.
            family = [process, *process.children(recursive=True)] if role == "web (uvicorn)" else [process]
            for member in family:
                if member.pid not in counted:
                    times = member.cpu_times()
                    totals[role] += times.user + times.system
                    counted.add(member.pid)
        except (psutil.NoSuchProcess, psutil.AccessDenied):
            continue
    return totals


def cpu_used_since(before: dict[str, float]) -> dict[str, float]:
    after = cpu_seconds_by_role()
    return {role: after[role] - before.get(role, 0.0) for role in after}
