"""The Celery application; tasks are discovered in each app's tasks.py."""

from typing import Any

from celery import Celery, signals
from django.db import close_old_connections

from config.env import set_default_settings_module

set_default_settings_module()

app = Celery("wa_inbox")
app.config_from_object("django.conf:settings", namespace="CELERY")
# Celery's Django fixup closes the database connections after every task, and with psycopg's
# pool it closes the whole pool, so every task paid for a new PostgreSQL connection. It now
# does that only every few thousand tasks; after each task, connections go back to the pool
# (and broken ones are dropped) the way Django does after a request.
app.conf["CELERY_DB_REUSE_MAX"] = 1000
app.autodiscover_tasks()


@signals.task_postrun.connect
def _return_database_connections(**kwargs: Any) -> None:
    close_old_connections()
