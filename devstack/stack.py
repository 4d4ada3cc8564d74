"""Which PostgreSQL and Redis to use: the environment's when given, else embedded ones."""

from __future__ import annotations

import os
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from devstack.embedded import EmbeddedPostgres, EmbeddedRedis, ensure_database

PROJECT_DIR = Path(__file__).resolve().parent.parent
DEFAULT_DATA_DIR = PROJECT_DIR / ".data"


@dataclass
class Services:
    database_url: str
    redis_url: str
    embedded: list[EmbeddedPostgres | EmbeddedRedis] = field(default_factory=list)

    def describe(self) -> str:
        kinds = {type(service).__name__ for service in self.embedded}
        database = "embedded" if "EmbeddedPostgres" in kinds else "from DATABASE_URL"
        cache = "embedded" if "EmbeddedRedis" in kinds else "from REDIS_URL"
        return f"PostgreSQL {database} ({self.database_url}), Redis {cache} ({self.redis_url})"


@contextmanager
def services(environ: Mapping[str, str] | None = None, data_dir: Path = DEFAULT_DATA_DIR) -> Iterator[Services]:
    """Yield the URLs to use; embedded servers started here are stopped on the way out."""
    environ = os.environ if environ is None else environ
    started: list[EmbeddedPostgres | EmbeddedRedis] = []
    try:
        database_url = environ.get("DATABASE_URL")
        if database_url:
            ensure_database(database_url)
        else:
            postgres = EmbeddedPostgres(data_dir / "postgres")
            database_url = postgres.start()
            started.append(postgres)
        redis_url = environ.get("REDIS_URL")
        if not redis_url:
            redis_server = EmbeddedRedis(data_dir / "redis")
            redis_url = redis_server.start()
            started.append(redis_server)
        yield Services(database_url=database_url, redis_url=redis_url, embedded=started)
    finally:
        for service in reversed(started):
            if service.started_here:
                service.stop()
