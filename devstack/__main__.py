"""python -m devstack run | test [pytest args] | manage <command>: see the Makefile."""

from __future__ import annotations

import argparse
import os
import signal
import socket
import subprocess
import sys
import time
from types import FrameType

import httpx

from devstack.stack import DEFAULT_DATA_DIR, PROJECT_DIR, services
from devstack.supervisor import ProcessSpec, Supervisor

PYTHON = sys.executable


def _environment(database_url: str, redis_url: str, **extra: str) -> dict[str, str]:
    environ = dict(os.environ, DATABASE_URL=database_url, REDIS_URL=redis_url, PYTHONUNBUFFERED="1")
    environ.update(extra)
    return environ


def _manage(environ: dict[str, str], *args: str) -> int:
    return subprocess.call([PYTHON, str(PROJECT_DIR / "manage.py"), *args], env=environ, cwd=PROJECT_DIR)


def _port_is_free(host: str, port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((host, port))
        except OSError:
            return False
    return True


def _wait_until_healthy(url: str, supervisor: Supervisor, timeout: float = 90) -> str | None:
    """Wait for /healthz to answer 200 (server, database, Redis and a worker all up).

    Returns None when healthy, else what was last seen.
    """
    deadline = time.monotonic() + timeout
    last = "no answer"
    while time.monotonic() < deadline and supervisor.exited() is None:
        try:
            response = httpx.get(url, timeout=3)
        except httpx.HTTPError as error:
            last = f"no answer ({type(error).__name__})"
        else:
            if response.status_code == 200:
                return None
            last = response.text
        time.sleep(0.25)
    return last


def run() -> int:
    host = os.environ.get("HOST", "127.0.0.1")
    port = int(os.environ.get("PORT", "8000"))
    if not _port_is_free(host, port):
        print(f"Port {port} on {host} is in use. Stop what uses it, or run with PORT=<another port>.", file=sys.stderr)
        return 1
    sim_port = int(os.environ.get("SIM_PORT") or port + 1)
    if not _port_is_free("127.0.0.1", sim_port):
        print(
            f"Port {sim_port} (the WhatsApp simulator's) is in use. Run with SIM_PORT=<another port>.", file=sys.stderr
        )
        return 1
    base_url = f"http://{'127.0.0.1' if host in ('0.0.0.0', '') else host}:{port}"  # noqa: S104
    with services() as found:
        print(f"Using {found.describe()}", flush=True)
        environ = _environment(found.database_url, found.redis_url, PORT=str(port), SIM_PORT=str(sim_port))
        environ.setdefault("PUBLIC_BASE_URL", base_url)
        if _manage(environ, "migrate", "--noinput") != 0 or _manage(environ, "seed_demo") != 0:
            return 1
        DEFAULT_DATA_DIR.mkdir(exist_ok=True)
        supervisor = Supervisor(environ)
        stop_requested = False

        def request_stop(signum: int, frame: FrameType | None) -> None:
            nonlocal stop_requested
            stop_requested = True

        signal.signal(signal.SIGINT, request_stop)
        signal.signal(signal.SIGTERM, request_stop)
        specs = [
            ProcessSpec("web", [PYTHON, "-m", "uvicorn", "config.asgi:application", "--host", host, "--port", str(port),
                                "--lifespan", "off", "--no-access-log"]),
            ProcessSpec("worker", [PYTHON, "-m", "celery", "-A", "config", "worker", "--loglevel", "INFO",
                                   "-Q", "celery", "--hostname", "worker@%h",
                                   "--concurrency", os.environ.get("CELERY_WORKER_CONCURRENCY", "2")]),
            # Sends on their own worker, as in the compose file: replies never wait behind webhooks.
            ProcessSpec("sender", [PYTHON, "-m", "celery", "-A", "config", "worker", "--loglevel", "INFO",
                                   "-Q", "outbound", "--hostname", "sender@%h", "--pool", "threads",
                                   "--concurrency", os.environ.get("CELERY_SENDER_THREADS", "8")]),
            ProcessSpec("beat", [PYTHON, "-m", "celery", "-A", "config", "beat", "--loglevel", "INFO",
                                 "--schedule", str(DEFAULT_DATA_DIR / "celerybeat-schedule")]),
            ProcessSpec("sim", [PYTHON, str(PROJECT_DIR / "manage.py"), "whatsapp_simulator", "--port", str(sim_port),
                                "--webhook-url", f"http://127.0.0.1:{port}/webhooks/whatsapp/"]),
        ]  # fmt: skip
        for spec in specs:
            supervisor.start(spec)
        try:
            problem = _wait_until_healthy(f"{base_url}/healthz", supervisor)
            if problem is None:
                if _manage(environ, "seed_demo", "--tell-simulator") != 0:
                    supervisor.say("The simulator does not know the demo number: Test connection shows its defaults.")
                supervisor.say(f"WhatsApp simulator (play the customer): http://127.0.0.1:{sim_port}/")
                supervisor.say(f"ready: {base_url}/ (sign in at {base_url}/accounts/login/; Ctrl-C stops everything)")
            elif supervisor.exited() is None:
                supervisor.say(f"The server answers at {base_url}/ but is not healthy: {problem}")
            while not stop_requested:
                exited = supervisor.exited()
                if exited is not None:
                    name, code = exited
                    supervisor.say(f"{name} exited with code {code}; stopping everything.")
                    return code or 1
                time.sleep(0.2)
            supervisor.say("Stopping…")
            return 0
        finally:
            supervisor.stop_all()


def test(pytest_args: list[str]) -> int:
    with services() as found:
        print(f"Using {found.describe()}", flush=True)
        environ = _environment(found.database_url, found.redis_url)
        return subprocess.call([PYTHON, "-m", "pytest", *pytest_args], env=environ, cwd=PROJECT_DIR)


def manage(args: list[str]) -> int:
    with services() as found:
        return _manage(_environment(found.database_url, found.redis_url), *args)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m devstack")
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("run", help="serve the product, a Celery worker and beat")
    sub.add_parser("test", help="run pytest (extra arguments go to pytest)")
    sub.add_parser("manage", help="run a manage.py command against the same services")
    args, rest = parser.parse_known_args(argv)
    if args.command == "run":
        return run()
    if args.command == "test":
        return test(rest)
    return manage(rest)


if __name__ == "__main__":
    sys.exit(main())
