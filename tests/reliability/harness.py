"""The real stack as separate processes, driven over HTTP and broken on purpose.

A `Stack` runs its own PostgreSQL and Redis (embedded, in a temporary directory, so they can be
killed and restarted without touching anyone else's), uvicorn, a Celery worker, beat and the
Cloud API simulator. It speaks to the product as Meta does (signed webhooks) and as an API
client does (sends with an API key), kills and restarts any part, and reads the database
directly (psycopg) to check the invariants of issue 10's "nothing lost" list.

RELIABILITY_PROFILE=full (`make test-reliability`) runs every scenario at full length; the
default short profile is what `make test` runs.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager, suppress
from dataclasses import asdict, dataclass, field
from pathlib import Path
from types import SimpleNamespace
from typing import Any, TypeVar

import httpx
import psycopg

from accounts.crypto import envelope, index, keys
from devstack.embedded import EmbeddedPostgres, EmbeddedRedis, free_port
from tests.reliability.agents import Agent
from tests.whatsapp import payloads

PROJECT_DIR = Path(__file__).resolve().parent.parent.parent
PROFILE = os.environ.get("RELIABILITY_PROFILE", "short")
FULL_PROFILE = PROFILE == "full"
APP_SECRET = "reliability-app-secret"
# Sweeps run every few seconds here (30 s in production) so recoveries fit in a test.
SWEEP_SECONDS = 2
SENDING_STALE_SECONDS = 3
UNCERTAIN_WAIT_SECONDS = 5
START_TIMEOUT_SECONDS = 90
RECOVERY_TIMEOUT_SECONDS = 120 if FULL_PROFILE else 60
# Statuses our sends end in: the customer's phone has them, or WhatsApp said it never will.
SETTLED_STATUSES = {"sent", "delivered", "read", "failed"}

T = TypeVar("T")


def wait_for(check: Callable[[], T], *, timeout: float = RECOVERY_TIMEOUT_SECONDS, what: str = "") -> T:
    """The first truthy `check()`, polled until `timeout` (then an AssertionError naming `what`)."""
    deadline = time.monotonic() + timeout
    while True:
        result = check()
        if result:
            return result
        if time.monotonic() > deadline:
            raise AssertionError(f"not reached in {timeout} s: {what} (last: {result!r})")
        time.sleep(0.1)


@dataclass(frozen=True)
class Tenant:
    id: int
    phone_number_id: str
    display_phone_number: str
    api_key: str
    slug: str
    # The owner's browser session (the agents' WebSockets sign in with it).
    session: str


@dataclass
class Row:
    """One line of the report: what a scenario sent, what the product kept, and how long recovery took."""

    scenario: str
    sent: int
    stored: int
    duplicates: int
    reported: int
    lost: int
    recovered_seconds: float


@dataclass
class Check:
    """The invariants after a scenario; `problems` is empty when they all hold."""

    sent: int = 0
    stored: int = 0
    # Stored twice, or sent to the Graph API twice without the product noticing.
    duplicates: int = 0
    # Sent twice in the crash window, detected and recorded on the message.
    reported: int = 0
    lost: int = 0
    problems: list[str] = field(default_factory=list)


class Stack:
    """PostgreSQL, Redis, web, worker, beat and simulator as processes this object owns."""

    # The deployment's shape (docker-compose.yml): "worker" processes webhooks and the rest,
    # "sender" only agents' sends (I/O bound, in threads), so neither a webhook backlog nor one
    # tenant's slow Graph API answers hold up another's replies.
    PROCESSES = ("sim", "web", "worker", "sender", "beat")

    def __init__(self, root: Path) -> None:
        self.root = root
        self.postgres = EmbeddedPostgres(root / "postgres")
        self.redis = EmbeddedRedis(root / "redis")
        self.processes: dict[str, subprocess.Popen[bytes]] = {}
        self.web_port = free_port()
        self.sim_port = free_port()
        self.environ: dict[str, str] = {}
        self.tenants: list[Tenant] = []
        self.http = httpx.Client(timeout=30)

    @property
    def web_url(self) -> str:
        return f"http://127.0.0.1:{self.web_port}"

    @property
    def sim_url(self) -> str:
        return f"http://127.0.0.1:{self.sim_port}"

    # Starting and stopping

    def start(self) -> None:
        database_url = self.postgres.start()
        redis_url = self.redis.start()
        self.environ = dict(
            os.environ,
            DATABASE_URL=database_url,
            REDIS_URL=redis_url,
            DJANGO_SETTINGS_MODULE="config.django.test",
            REDIS_KEY_PREFIX="reliability",
            WHATSAPP_APP_SECRET=APP_SECRET,
            WHATSAPP_SWEEP_SECONDS=str(SWEEP_SECONDS),
            WHATSAPP_SENDING_STALE_SECONDS=str(SENDING_STALE_SECONDS),
            WHATSAPP_UNCERTAIN_WAIT_SECONDS=str(UNCERTAIN_WAIT_SECONDS),
            API_THROTTLE_RATE="1000000/min",
            MEDIA_ROOT=str(self.root / "media"),
            LOG_LEVEL="WARNING",
            PYTHONUNBUFFERED="1",
        )
        self._python("manage.py", "migrate", "--noinput", "-v0")
        for name in self.PROCESSES:
            self.start_process(name)
        self._wait_for_simulator()
        seeded = self._python("-m", "tests.reliability.seed", self.sim_url)
        self.tenants = [Tenant(**item) for item in json.loads(seeded)]
        self.wait_until_healthy()

    @contextmanager
    def process_with(self, name: str, *arguments: str, **environ: str) -> Iterator[None]:
        """`name` restarted with extra arguments and settings for the block, then restarted as usual."""
        self.stop_process(name)
        self.start_process(name, *arguments, **environ)
        try:
            yield
        finally:
            self.stop_process(name)
            self.start_process(name)

    def _python(self, *args: str) -> str:
        """Run Python with the stack's environment; its standard output."""
        result = subprocess.run(
            [sys.executable, *args], cwd=PROJECT_DIR, env=self.environ, capture_output=True, text=True, check=False
        )
        assert result.returncode == 0, f"{args} failed: {result.stderr[-3000:]}"
        return result.stdout

    def stop(self) -> None:
        self.http.close()
        for name in list(self.processes):
            self.stop_process(name)
        self.redis.stop()
        self.postgres.stop(mode="immediate")

    def _command(self, name: str) -> list[str]:
        python = sys.executable
        if name == "web":
            return [python, "-m", "uvicorn", "config.asgi:application", "--host", "127.0.0.1",
                    "--port", str(self.web_port), "--lifespan", "off", "--no-access-log",
                    "--log-level", "warning"]  # fmt: skip
        if name == "worker":
            return [python, "-m", "celery", "-A", "config", "worker", "--loglevel", "WARNING",
                    "-Q", "celery", "--concurrency", "2", "--without-mingle", "--without-gossip",
                    "--hostname", f"reliability-{self.web_port}@%h"]  # fmt: skip
        if name == "sender":
            return [python, "-m", "celery", "-A", "config", "worker", "--loglevel", "WARNING",
                    "-Q", "outbound", "--pool", "threads", "--concurrency", "8", "--without-mingle",
                    "--without-gossip", "--hostname", f"reliability-sender-{self.web_port}@%h"]  # fmt: skip
        if name == "beat":
            return [python, "-m", "celery", "-A", "config", "beat", "--loglevel", "WARNING",
                    "--schedule", str(self.root / "celerybeat-schedule")]  # fmt: skip
        assert name == "sim", name
        return [python, "manage.py", "whatsapp_simulator", "--port", str(self.sim_port),
                "--app-secret", APP_SECRET, "--webhook-url", f"{self.web_url}/webhooks/whatsapp/"]  # fmt: skip

    def start_process(self, name: str, *arguments: str, **environ: str) -> None:
        """Start one of PROCESSES; `arguments` go after its usual ones (a later option wins),
        `environ` adds to (or overrides) the stack's environment."""
        log = (self.root / f"{name}.log").open("ab")
        self.processes[name] = subprocess.Popen(
            [*self._command(name), *arguments],
            cwd=PROJECT_DIR,
            env={**self.environ, **environ},
            stdout=log,
            stderr=subprocess.STDOUT,
            # Its own process group: a kill reaches the worker's pool children too.
            start_new_session=True,
        )

    def restart(self, name: str, *, kill: bool = False) -> None:
        """Stop (SIGTERM, or kill -9) and start again at once, as a deploy or a crash loop would."""
        if kill:
            self.kill(name)
        else:
            self.stop_process(name)
        self.start_process(name)

    def kill(self, name: str) -> None:
        """kill -9 the process and its children (a crash, an OOM kill): nothing gets to clean up."""
        process = self.processes.pop(name)
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=30)

    def stop_process(self, name: str) -> None:
        process = self.processes.pop(name)
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGTERM)
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait(timeout=10)

    def ensure_running(self) -> None:
        """After a scenario: every process and server up again (a failed scenario may leave one down)."""
        restarted = False
        if not self.postgres.is_running():
            self.postgres.start(port=self.postgres.port)
            restarted = True
        if not self.redis.is_running():
            self.redis.start(port=self.redis.port)
            restarted = True
        for name in self.PROCESSES:
            process = self.processes.get(name)
            if process is None or process.poll() is not None:
                self.processes.pop(name, None)
                self.start_process(name)
                restarted = True
        self.simulator("DELETE", "/_sim/faults")
        if restarted:
            self.wait_until_healthy()

    def wait_until_healthy(self) -> None:
        """/healthz answers 200: the web server, PostgreSQL, Redis and a worker all answer."""
        wait_for(lambda: self._answers_200(f"{self.web_url}/healthz"), timeout=START_TIMEOUT_SECONDS, what="healthy")

    def _answers_200(self, url: str) -> bool:
        """Whether `url` answers 200 now; fails at once when one of the processes has exited."""
        self._assert_alive()
        try:
            return self.http.get(url, timeout=3).status_code == 200
        except httpx.HTTPError:
            return False

    def log_tail(self, name: str, lines: int = 30) -> str:
        """The end of a process's output (in the harness's directory)."""
        log = (self.root / f"{name}.log").read_text(errors="replace").splitlines()
        return "\n".join(log[-lines:])

    def _assert_alive(self) -> None:
        for name, process in self.processes.items():
            if process.poll() is not None:
                raise AssertionError(f"{name} exited ({process.returncode}):\n{self.log_tail(name)}")

    def _wait_for_simulator(self) -> None:
        wait_for(lambda: self._answers_200(f"{self.sim_url}/_sim/config"), timeout=START_TIMEOUT_SECONDS, what="sim")
        # Receipts quickly, so a send settles within a scenario.
        self.simulator("POST", "/_sim/config", {"statuses": {"sent_after": 0.05, "delivered_after": 0.1,
                                                              "read_after": 0.15}})  # fmt: skip

    # Servers

    def redis_stop(self) -> None:
        self.redis.stop()

    def redis_start_empty(self) -> None:
        """Redis back on the same port with nothing in it: queued tasks, locks and caches gone."""
        for path in self.redis.data_dir.iterdir():
            if path.name not in {"redis.log"}:
                shutil.rmtree(path) if path.is_dir() else path.unlink()
        self.redis.start(port=self.redis.port)

    def postgres_restart_immediate(self, *, down_seconds: float) -> None:
        """`pg_ctl stop -m immediate` (no clean shutdown: crash recovery on start), then back on the same port."""
        self.postgres.stop(mode="immediate")
        time.sleep(down_seconds)
        self.postgres.start(port=self.postgres.port)

    # Driving the product

    def webhook(self, envelope: dict[str, Any]) -> int:
        """POST a webhook as Meta does (signed); the HTTP status the product answered (0: no answer)."""
        body = payloads.to_bytes(envelope)
        try:
            response = self.http.post(
                f"{self.web_url}/webhooks/whatsapp/", content=body, headers=payloads.signed(body, APP_SECRET)
            )
        except httpx.HTTPError:
            return 0
        return response.status_code

    def webhook_until_accepted(self, envelope: dict[str, Any], *, timeout: float = RECOVERY_TIMEOUT_SECONDS) -> None:
        """Deliver like Meta: again and again until answered 200."""
        deadline = time.monotonic() + timeout
        while self.webhook(envelope) != 200:
            assert time.monotonic() < deadline, "the webhook was never accepted"
            time.sleep(0.2)

    def customer_writes(self, tenant: Tenant, wa_id: str, text: str = "Hello") -> str:
        """A customer writes through the simulator (its window opens there too); returns the wamid."""
        answer = self.simulator(
            "POST",
            "/_sim/inbound",
            {
                "phone_number_id": tenant.phone_number_id,
                "from": wa_id,
                "message": {"type": "text", "text": {"body": text}},
            },
        )
        assert answer["webhook_status"] == 200, answer
        return str(answer["id"])

    def new_conversation(self, tenant: Tenant) -> tuple[str, int]:
        """A customer who just wrote (the 24-hour window is open, in the product and the simulator)."""
        wa_id = f"4917{uuid.uuid4().int % 10**9:09d}"
        self.customer_writes(tenant, wa_id)
        return wa_id, self.conversation_of(tenant, wa_id)

    def conversation_of(self, tenant: Tenant, wa_id: str) -> int:
        # wa_id is encrypted at rest: the contact is found by the keyed hash the product computes.
        row = wait_for(
            lambda: self.query_one(
                "SELECT c.id FROM inbox_conversation c JOIN inbox_contact p ON p.id = c.contact_id "
                "WHERE c.tenant_id = %s AND p.wa_id_hash = %s ORDER BY c.id DESC LIMIT 1",
                (tenant.id, self.wa_id_hash(tenant, wa_id)),
            ),
            what=f"a conversation with {wa_id}",
        )
        assert row is not None
        return int(row[0])

    def data_key(self, key_id: int) -> keys.DataKey:
        """A data key of the stack's database (the processes share the test settings' master key)."""
        row = self.query_one(
            "SELECT id AS pk, tenant_id, version, master_key_id, wrapped FROM accounts_tenantdatakey WHERE id = %s",
            (key_id,),
        )
        assert row is not None, f"data key {key_id} is missing"
        pk, tenant_id, version, master_key_id, wrapped = row
        return keys.unwrapped(
            SimpleNamespace(pk=pk, tenant_id=tenant_id, version=version, master_key_id=master_key_id, wrapped=wrapped)
        )

    def wa_id_hash(self, tenant: Tenant, wa_id: str) -> str:
        row = self.query_one(
            "SELECT id FROM accounts_tenantdatakey WHERE tenant_id = %s ORDER BY version DESC LIMIT 1", (tenant.id,)
        )
        assert row is not None
        key = self.data_key(int(row[0]))
        return index.keyed_lookup_hash(key.index_key, purpose="inbox.Contact.wa_id", value=wa_id)

    def decrypted_json(self, stored: Any, purpose: str) -> Any:
        """A JSON column's value as the product reads it (encrypted values are a JSON string)."""
        if not isinstance(stored, str):
            return stored
        return json.loads(envelope.decrypt(stored, purpose=purpose, key_of=self.data_key))

    def agent_sends(self, tenant: Tenant, conversation_id: int, text: str) -> int:
        """An API client sends a text; returns the message id (the API answered 201)."""
        response = self.http.post(
            f"{self.web_url}/api/v1/conversations/{conversation_id}/messages/",
            json={"type": "text", "text": {"body": text}},
            headers={"Authorization": f"Bearer {tenant.api_key}"},
        )
        assert response.status_code == 201, f"{response.text}\n{self.log_tail('web')}"
        return int(response.json()["id"])

    def agent(self, tenant: Tenant) -> Agent:
        """A browser of `tenant`'s owner with the inbox open from now on (connected in the background)."""
        return Agent(
            url=f"ws://127.0.0.1:{self.web_port}/ws/t/{tenant.slug}/",
            origin=self.web_url,
            session=tenant.session,
            after=self.last_seq(tenant),
        ).start()

    def last_seq(self, tenant: Tenant) -> int:
        """The number of the tenant's latest event."""
        row = self.query_one("SELECT last_seq FROM inbox_eventsequence WHERE tenant_id = %s", (tenant.id,))
        return int(row[0]) if row else 0

    def api_answers(self, tenant: Tenant) -> bool:
        """Whether an API read (the key checked in the database) answers 200 now."""
        try:
            response = self.http.get(
                f"{self.web_url}/api/v1/tenant/", headers={"Authorization": f"Bearer {tenant.api_key}"}, timeout=3
            )
        except httpx.HTTPError:
            return False
        return response.status_code == 200

    def simulator(self, method: str, path: str, body: dict[str, Any] | None = None) -> Any:
        response = self.http.request(method, f"{self.sim_url}{path}", json=body)
        assert response.status_code == 200, response.text
        return response.json()

    def graph_requests_by_message(self) -> dict[int, list[str]]:
        """Every send that reached the simulator's Graph endpoint, by our message id (from the callback data)."""
        sent: dict[int, list[str]] = {}
        for item in self.simulator("GET", "/_sim/messages?direction=outbound")["data"]:
            callback = str(item["request"].get("biz_opaque_callback_data", ""))
            if callback.startswith("relay:"):
                sent.setdefault(int(callback.removeprefix("relay:")), []).append(item["id"])
        return sent

    # The database, read directly

    @contextmanager
    def database(self) -> Iterator[psycopg.Connection[tuple[Any, ...]]]:
        url = self.environ["DATABASE_URL"].replace("postgres://", "postgresql://", 1)
        with psycopg.connect(url, connect_timeout=5, autocommit=True) as connection:
            yield connection

    def query(self, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        with self.database() as connection:
            return connection.execute(sql, params).fetchall()

    def query_one(self, sql: str, params: Sequence[Any] = ()) -> tuple[Any, ...] | None:
        rows = self.query(sql, params)
        return rows[0] if rows else None

    def in_transaction(self) -> bool:
        """Whether a worker has a transaction open right now (a drain or a send in progress)."""
        row = self.query_one(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
            "AND pid <> pg_backend_pid() AND xact_start IS NOT NULL AND state <> 'idle'"
        )
        return bool(row and row[0])

    # Invariants

    def inbound_check(self, expected: dict[str, Tenant]) -> Check:
        """Each provider id sent (wamid → the tenant whose number it was sent to) stored once, in that tenant."""
        rows = self.query(
            "SELECT provider_message_id, tenant_id, count(*) FROM inbox_message "
            "WHERE provider_message_id = ANY(%s) GROUP BY 1, 2",
            (list(expected),),
        )
        check = Check(sent=len(expected))
        seen: dict[str, int] = {}
        for wamid, tenant_id, count in rows:
            seen[wamid] = seen.get(wamid, 0) + count
            if tenant_id != expected[wamid].id:
                check.problems.append(f"{wamid} stored in tenant {tenant_id}, sent to {expected[wamid].id}")
        check.stored = sum(1 for wamid in expected if wamid in seen)
        check.duplicates = sum(count - 1 for count in seen.values())
        check.lost = check.sent - check.stored
        if check.duplicates:
            check.problems.append(f"{check.duplicates} duplicates")
        if check.lost:
            check.problems.append(f"{check.lost} lost: {sorted(set(expected) - set(seen))[:5]}")
        check.problems += self.tenant_problems()
        return check

    def outbound_check(self, message_ids: Iterable[int]) -> Check:
        """Each accepted send settled, reached the Graph API at most once, or its duplicate was reported."""
        ids = list(message_ids)
        rows = self.query(
            "SELECT m.id, m.status, m.provider_message_id, m.content, o.state FROM inbox_message m "
            "JOIN inbox_outboxentry o ON o.message_id = m.id WHERE m.id = ANY(%s)",
            (ids,),
        )
        graph = self.graph_requests_by_message()
        check = Check(sent=len(ids), stored=len(rows))
        for message_id, status, provider_id, content, outbox_state in rows:
            calls = graph.get(message_id, [])
            reported = set(self.decrypted_json(content, "inbox.Message.content").get("_duplicate_provider_ids", []))
            if status not in SETTLED_STATUSES:
                check.lost += 1
                check.problems.append(f"message {message_id} is {status} (outbox {outbox_state})")
            if status != "failed" and provider_id not in calls:
                check.problems.append(f"message {message_id}: provider id {provider_id} not among {calls}")
            extra = set(calls) - {provider_id}
            unreported = extra - reported
            check.duplicates += len(unreported)
            check.reported += len(extra & reported)
            if unreported:
                check.problems.append(f"message {message_id} reached the Graph API {len(calls)}×, unreported")
        check.lost += len(ids) - len(rows)
        check.problems += self.tenant_problems()
        return check

    def agents_check(self, agents: dict[Agent, Tenant], expected: dict[str, Tenant]) -> Check:
        """Every agent saw each of its tenant's events without a gap, and each message sent to it."""
        check = Check()
        for agent, tenant in agents.items():
            last_seq, ahead, seen = agent.seen()
            wanted = {wamid for wamid, owner in expected.items() if owner == tenant}
            check.sent += len(wanted)
            check.stored += len(wanted & seen)
            check.lost += len(wanted - seen)
            if wanted - seen:
                check.problems.append(f"an agent of tenant {tenant.id} missed {len(wanted - seen)} messages")
            if last_seq < self.last_seq(tenant) or ahead:
                check.problems.append(f"an agent of tenant {tenant.id} is at {last_seq} of {self.last_seq(tenant)}")
        return check

    def tenant_problems(self) -> list[str]:
        """Rows whose parent belongs to another tenant (a message in another tenant's conversation...)."""
        checks = {
            "message/conversation": "SELECT count(*) FROM inbox_message m JOIN inbox_conversation c "
            "ON c.id = m.conversation_id WHERE m.tenant_id <> c.tenant_id",
            "conversation/contact": "SELECT count(*) FROM inbox_conversation c JOIN inbox_contact p "
            "ON p.id = c.contact_id WHERE c.tenant_id <> p.tenant_id",
            "outbox/message": "SELECT count(*) FROM inbox_outboxentry o JOIN inbox_message m "
            "ON m.id = o.message_id WHERE o.tenant_id <> m.tenant_id",
        }
        problems = []
        for name, sql in checks.items():
            row = self.query_one(sql)
            if row and row[0]:
                problems.append(f"{row[0]} rows cross tenants ({name})")
        return problems


def report(scenario: str, check: Check, *, recovered_seconds: float) -> None:
    """Append the scenario's row to RELIABILITY_REPORT (bench/reliability.py prints the table)."""
    path = os.environ.get("RELIABILITY_REPORT")
    if not path:
        return
    row = Row(
        scenario, check.sent, check.stored, check.duplicates, check.reported, check.lost, round(recovered_seconds, 1)
    )
    with Path(path).open("a") as file:
        file.write(json.dumps(asdict(row)) + "\n")


def measure(scenario: str, **figures: float) -> None:
    """Append a scenario's measured figures (rates, latencies) to RELIABILITY_REPORT."""
    path = os.environ.get("RELIABILITY_REPORT")
    if path:
        with Path(path).open("a") as file:
            file.write(json.dumps({"measurement": scenario, **figures}) + "\n")


def settle(scenario: str, started: float, check: Callable[[], Check]) -> Check:
    """Wait until `check()` finds no problem (or time runs out), report the row, return the last check."""
    last = Check()

    def holds() -> bool:
        nonlocal last
        last = check()
        return not last.problems

    with suppress(AssertionError):  # reported either way, then asserted below
        wait_for(holds, what=f"{scenario}: invariants")
    report(scenario, last, recovered_seconds=time.monotonic() - started)
    assert not last.problems, f"{scenario}: {last.problems}"
    return last


def inbound_texts(tenant: Tenant, count: int, *, prefix: str) -> list[dict[str, Any]]:
    """`count` text messages from distinct customers of `tenant`'s number, with fresh wamids."""
    messages = []
    for n in range(count):
        wa_id = f"49{tenant.phone_number_id[-4:]}{n:07d}"
        messages.append(payloads.text_message(from_=wa_id, wamid=payloads.make_wamid(wa_id), body=f"{prefix} {n}"))
    return messages


def envelope_for(
    tenant: Tenant, *, messages: Sequence[dict[str, Any]] = (), statuses: Sequence[dict[str, Any]] = ()
) -> dict[str, Any]:
    return payloads.envelope(
        messages=messages,
        statuses=statuses,
        phone_number_id=tenant.phone_number_id,
        display_phone_number=tenant.display_phone_number.replace("+", "").replace(" ", ""),
    )
