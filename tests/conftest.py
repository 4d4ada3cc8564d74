"""Fixtures shared by every test: two tenants with members of each role, and clients acting as them."""

from __future__ import annotations

import faulthandler
import html
import os
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass

import httpx
import pytest
from django.conf import settings
from django.db import connection
from django.test import Client
from django.utils import translation
from rest_framework.test import APIClient

from accounts.models import Membership, Role, Tenant
from config.celery import app as celery_app
from devstack.embedded import free_port
from tests.accounts.factories import MembershipFactory, TenantFactory, api_key_for

# After the last test, the interpreter waits for every thread that is not a daemon: one left stuck
# (an event loop that never finished cancelling its tasks) would hold the run until CI's own limit.
EXIT_GRACE_SECONDS = 120


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    def end_a_stuck_exit() -> None:
        time.sleep(EXIT_GRACE_SECONDS)
        sys.stderr.write(f"\nThe test process did not exit {EXIT_GRACE_SECONDS} s after the run; its threads:\n")
        faulthandler.dump_traceback(all_threads=True)
        os._exit(int(exitstatus))

    threading.Thread(target=end_a_stuck_exit, name="exit-watchdog", daemon=True).start()


@pytest.fixture(autouse=True)
def _default_language() -> Iterator[None]:
    """Each test starts in the default language: a page asked for in German (the browser's
    language) leaves German active in the test's thread, as it would in a server's."""
    yield
    translation.activate(settings.LANGUAGE_CODE)


@dataclass
class TenantWorld:
    tenant: Tenant
    owner: Membership
    admin: Membership
    agent: Membership

    def client_for(self, membership: Membership) -> Client:
        client = Client()
        client.force_login(membership.user)
        return client

    def api_client(self) -> APIClient:
        _key, secret = api_key_for(self.tenant)
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {secret}")
        return client


def _world(name: str, slug: str) -> TenantWorld:
    tenant = TenantFactory.create(name=name, slug=slug)
    return TenantWorld(
        tenant=tenant,
        owner=MembershipFactory.create(tenant=tenant, role=Role.OWNER),
        admin=MembershipFactory.create(tenant=tenant, role=Role.ADMIN),
        agent=MembershipFactory.create(tenant=tenant, role=Role.AGENT),
    )


@pytest.fixture
def world(db: None) -> TenantWorld:
    """The tenant a test acts in."""
    return _world("Acme Coffee", "acme")


@pytest.fixture
def other_tenant(db: None) -> TenantWorld:
    """Another tenant, whose rows must never show up in `world`'s requests."""
    return _world("Globex Tea", "globex")


def page_text(response) -> str:
    """A page's HTML with entities decoded, so assertions read like the page."""
    return html.unescape(response.content.decode())


def database_url_for_subprocesses() -> str:
    """DATABASE_URL of the test database, for processes the tests start."""
    settings_dict = connection.settings_dict
    user = settings_dict["USER"] or ""
    password = f":{settings_dict['PASSWORD']}" if settings_dict["PASSWORD"] else ""
    return f"postgres://{user}{password}@{settings_dict['HOST']}:{settings_dict['PORT']}/{settings_dict['NAME']}"


@pytest.fixture
def celery_worker_process(transactional_db: None, request: pytest.FixtureRequest) -> Iterator[subprocess.Popen[bytes]]:
    """A real Celery worker process on this run's broker and test database; with
    `@pytest.mark.parametrize("celery_worker_process", [n], indirect=True)`, n worker processes."""
    concurrency = getattr(request, "param", 1)
    environ = dict(
        os.environ, DATABASE_URL=database_url_for_subprocesses(), DJANGO_SETTINGS_MODULE="config.django.test"
    )
    process = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "config", "worker", "--loglevel", "WARNING",
         *(["--pool", "solo"] if concurrency == 1 else ["--pool", "prefork", "--concurrency", str(concurrency)]),
         "-Q", "celery,outbound",
         "--hostname", f"test-{os.getpid()}@%h", "--without-mingle", "--without-gossip"],
        env=environ,
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 60
        while not celery_app.control.ping(timeout=0.5):
            assert process.poll() is None, "the Celery worker exited"
            assert time.monotonic() < deadline, "the Celery worker did not answer a ping in 60 s"
        yield process
    finally:
        process.terminate()
        process.wait(timeout=30)


@dataclass
class LiveServer:
    url: str
    process: subprocess.Popen[bytes]


@pytest.fixture
def asgi_server(transactional_db: None) -> Iterator[LiveServer]:
    """The real ASGI application under uvicorn, in its own process, on the test database."""
    port = free_port()
    environ = dict(
        os.environ, DATABASE_URL=database_url_for_subprocesses(), DJANGO_SETTINGS_MODULE="config.django.test"
    )
    process = subprocess.Popen(
        [sys.executable, "-m", "uvicorn", "config.asgi:application", "--host", "127.0.0.1", "--port", str(port),
         "--lifespan", "off", "--no-access-log", "--log-level", "warning"],
        env=environ,
    )  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            assert process.poll() is None, "uvicorn exited"
            assert time.monotonic() < deadline, "uvicorn did not answer in 30 s"
            try:
                httpx.get(f"{url}/accounts/login/", timeout=1)
                break
            except httpx.HTTPError:
                time.sleep(0.1)
        yield LiveServer(url=url, process=process)
    finally:
        process.terminate()
        process.wait(timeout=30)
