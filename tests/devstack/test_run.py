"""`python -m devstack run` (what `make run` calls): serves, says `ready`, stops cleanly on Ctrl-C."""

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import psutil
import psycopg
import pytest

from devstack.embedded import free_port
from tests.conftest import database_url_for_subprocesses

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]
PROJECT_DIR = Path(__file__).resolve().parents[2]


@pytest.fixture
def scratch_database_url() -> Iterator[str]:
    """A database of its own on the test server, so `run` migrates and seeds it from nothing."""
    server_url = database_url_for_subprocesses().replace("postgres://", "postgresql://")
    admin_url = server_url.rsplit("/", 1)[0] + "/postgres"
    name = f"devstack_run_{os.getpid()}"
    with psycopg.connect(admin_url, autocommit=True) as db:
        db.execute(f'DROP DATABASE IF EXISTS "{name}"')
        db.execute(f'CREATE DATABASE "{name}"')
    yield server_url.rsplit("/", 1)[0].replace("postgresql://", "postgres://") + f"/{name}"
    with psycopg.connect(admin_url, autocommit=True) as db:
        db.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def test_run_serves_prints_ready_and_stops_everything_on_ctrl_c(scratch_database_url: str) -> None:
    port = free_port()
    environ = {k: v for k, v in os.environ.items() if k != "DJANGO_SETTINGS_MODULE"}
    environ.update(DATABASE_URL=scratch_database_url, PORT=str(port), CELERY_WORKER_CONCURRENCY="1")
    process = subprocess.Popen(
        [sys.executable, "-m", "devstack", "run"],
        cwd=PROJECT_DIR, env=environ, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )  # fmt: skip
    output: list[str] = []
    try:
        deadline = time.monotonic() + 120
        assert process.stdout is not None
        for line in process.stdout:
            output.append(line)
            if line.startswith("ready: "):
                break
            assert time.monotonic() < deadline, "no ready line in 120 s"
        ready = output[-1]
        assert f"ready: http://127.0.0.1:{port}/" in ready, "".join(output)
        assert any("owner@demo.test / demo-owner-pass" in line for line in output)

        children = psutil.Process(process.pid).children(recursive=True)
        assert len(children) >= 5  # web, worker, sender, beat, simulator (and the worker's pool)
        workers = {child.cmdline()[child.cmdline().index("-Q") + 1] for child in children if "-Q" in child.cmdline()}
        assert {"celery", "outbound"} <= workers  # sends have a worker of their own
        login = httpx.get(f"http://127.0.0.1:{port}/accounts/login/")
        assert login.status_code == 200
        assert httpx.get(f"http://127.0.0.1:{port}/healthz").json() == {"database": "ok", "redis": "ok", "worker": "ok"}
        # The simulator says of the demo number what Meta would: Test connection shows the demo's own name.
        details = httpx.get(f"http://127.0.0.1:{port + 1}/_sim/numbers/100000000000001/details").json()
        assert details["verified_name"] == "Demo Coffee Roasters"

        process.send_signal(signal.SIGINT)
        rest, _ = process.communicate(timeout=60)
        assert process.returncode == 0, rest
        assert not [child for child in children if child.is_running() and child.status() != psutil.STATUS_ZOMBIE]
    finally:
        if process.poll() is None:
            process.kill()
