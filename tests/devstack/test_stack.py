"""The start-up code: embedded PostgreSQL/Redis when no URL is set, the given services otherwise."""

import os
from pathlib import Path

import psycopg
import pytest
import redis

from devstack.stack import services
from tests.conftest import database_url_for_subprocesses

pytestmark = pytest.mark.slow


def test_embedded_services_start_keep_their_data_and_stop(tmp_path: Path):
    data_dir = tmp_path / "data"
    with services(environ={}, data_dir=data_dir) as found:
        assert {type(s).__name__ for s in found.embedded} == {"EmbeddedPostgres", "EmbeddedRedis"}
        with psycopg.connect(found.database_url.replace("postgres://", "postgresql://"), autocommit=True) as db:
            db.execute("CREATE TABLE kept (value text)")
            db.execute("INSERT INTO kept VALUES ('across restarts')")
        redis.Redis.from_url(found.redis_url).set("kept", "across restarts")
        first_urls = (found.database_url, found.redis_url)

    database_url, redis_url = first_urls  # both stopped on the way out
    with pytest.raises(psycopg.OperationalError):
        psycopg.connect(database_url.replace("postgres://", "postgresql://"), connect_timeout=2)
    with pytest.raises(redis.ConnectionError):
        redis.Redis.from_url(redis_url, socket_connect_timeout=1).ping()

    with services(environ={}, data_dir=data_dir) as found:
        with psycopg.connect(found.database_url.replace("postgres://", "postgresql://")) as db:
            assert db.execute("SELECT value FROM kept").fetchall() == [("across restarts",)]
        assert redis.Redis.from_url(found.redis_url).get("kept") == b"across restarts"
    assert (data_dir / "postgres" / "PG_VERSION").exists()
    assert (data_dir / "redis" / "appendonly.aof").exists() or (data_dir / "redis" / "appendonlydir").exists()


def test_running_embedded_services_are_shared_and_left_running(tmp_path: Path):
    with services(environ={}, data_dir=tmp_path) as outer:
        with services(environ={}, data_dir=tmp_path) as inner:
            assert (inner.database_url, inner.redis_url) == (outer.database_url, outer.redis_url)
            assert not any(service.started_here for service in inner.embedded)
        # The inner user did not stop what it did not start.
        assert redis.Redis.from_url(outer.redis_url).ping()
        with psycopg.connect(outer.database_url.replace("postgres://", "postgresql://")) as db:
            assert db.execute("SELECT 1").fetchone() == (1,)


def test_urls_from_the_environment_are_used_and_nothing_is_started(tmp_path: Path):
    server = database_url_for_subprocesses().rsplit("/", 1)[0]
    environ = {"DATABASE_URL": f"{server}/devstack_external_{os.getpid()}", "REDIS_URL": "redis://cache.example:6379/1"}
    try:
        with services(environ=environ, data_dir=tmp_path) as found:
            assert (found.database_url, found.redis_url) == (environ["DATABASE_URL"], environ["REDIS_URL"])
            assert found.embedded == []
            assert "from DATABASE_URL" in found.describe()
            # A server without the named database gets it, as `make run` needs it.
            with psycopg.connect(found.database_url.replace("postgres://", "postgresql://")) as db:
                assert db.execute("SELECT current_database()").fetchone() == (f"devstack_external_{os.getpid()}",)
        assert list(tmp_path.iterdir()) == []
    finally:
        with psycopg.connect(server.replace("postgres://", "postgresql://") + "/postgres", autocommit=True) as db:
            db.execute(f'DROP DATABASE IF EXISTS "devstack_external_{os.getpid()}"')


def test_only_the_missing_service_is_embedded(tmp_path: Path):
    with services(environ={"REDIS_URL": "redis://cache.example:6379/1"}, data_dir=tmp_path) as found:
        assert [type(s).__name__ for s in found.embedded] == ["EmbeddedPostgres"]
        assert found.redis_url == "redis://cache.example:6379/1"
