"""The production settings pass Django's deployment checks; docker-compose.yml is valid."""

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from django.core.management import call_command

PROJECT_DIR = Path(__file__).resolve().parents[2]

PRODUCTION_VARIABLES = {
    "DJANGO_ENV": "production",
    "SECRET_KEY": "k3y-" + "x9Qz7Lm2Rv8Tn4Wp6Ys1Ub5Hc0Jd3Fg" * 2,
    "ALLOWED_HOSTS": "inbox.example.com",
    "DATABASE_URL": "postgres://relay:secret@db.example.com:5432/relay",
    "REDIS_URL": "redis://redis.example.com:6379/0",
    "PUBLIC_BASE_URL": "https://inbox.example.com",
    "FIELD_ENCRYPTION_KEY": "bXktMzItYnl0ZS1maWVsZC1lbmNyeXB0aW9uLWtleSE=",
    "WHATSAPP_APP_SECRET": "meta-app-secret-from-the-app-dashboard",
}


def manage(*args: str, **environ: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k not in {"DJANGO_SETTINGS_MODULE", "DATABASE_URL", "REDIS_URL"}}
    env.update(environ)
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=PROJECT_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_check_deploy_is_clean_with_the_documented_production_variables():
    result = manage("check", "--deploy", "--fail-level", "WARNING", **PRODUCTION_VARIABLES)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "WARNING" not in result.stderr + result.stdout
    assert "System check identified no issues" in result.stdout


def test_production_refuses_to_start_without_a_secret_key():
    environ = {k: v for k, v in PRODUCTION_VARIABLES.items() if k != "SECRET_KEY"}
    result = manage("check", **environ)
    assert result.returncode != 0
    assert "SECRET_KEY" in result.stderr


def test_unknown_django_env_is_refused():
    result = manage("check", DJANGO_ENV="staging")
    assert result.returncode != 0
    assert "DJANGO_ENV='staging' is not one of" in result.stderr


def test_compose_file_runs_every_service_with_healthchecks_and_a_volume():
    compose = yaml.safe_load((PROJECT_DIR / "docker-compose.yml").read_text())
    services = compose["services"]
    assert {"web", "worker", "sender", "beat", "db", "redis"} <= set(services)
    assert services["db"]["image"] == "postgres:16"
    assert services["redis"]["image"] == "redis:7"
    for name in ("web", "worker", "sender", "db", "redis"):
        assert "healthcheck" in services[name], name
    # Every queue has a consumer; agents' sends have theirs alone (a webhook backlog never delays them).
    commands = {name: services[name]["command"] for name in ("worker", "sender")}
    queues = {name: command[command.index("-Q") + 1] for name, command in commands.items()}
    assert queues == {"worker": "celery", "sender": "outbound"}
    assert "postgres-data" in compose["volumes"]


@pytest.mark.skipif(shutil.which("docker-compose") is None, reason="Debian's docker-compose is not installed")
def test_compose_file_is_valid_for_docker_compose():
    env = dict(
        os.environ, SECRET_KEY="x", ALLOWED_HOSTS="x", PUBLIC_BASE_URL="x", POSTGRES_PASSWORD="x",
        FIELD_ENCRYPTION_KEY="x", WHATSAPP_APP_SECRET="x",
    )  # fmt: skip
    result = subprocess.run(
        ["docker-compose", "-f", "docker-compose.yml", "config", "--quiet"],
        cwd=PROJECT_DIR, env=env, capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr


@pytest.mark.django_db
def test_migrations_match_the_models():
    call_command("makemigrations", "--check", "--dry-run", verbosity=0)
