"""The export is built by a real Celery worker, and every beat job of data protection names a
task the worker knows."""

from __future__ import annotations

import importlib
import time
from typing import Any

import pytest
from django.conf import settings

from config.celery import app as celery_app
from privacy.models import ContactExport, ExportState
from tests.inbox.factories import ConversationFactory, MessageFactory


def test_the_beat_jobs_name_registered_tasks():
    importlib.import_module("privacy.tasks")  # what the worker's autodiscovery imports
    for job in ("apply-retention", "purge-contact-exports"):
        assert settings.CELERY_BEAT_SCHEDULE[job]["task"] in celery_app.tasks


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_a_worker_builds_the_requested_export(world, celery_worker_process: Any):
    conversation = ConversationFactory.create(channel__tenant=world.tenant)
    MessageFactory.create(conversation=conversation, text="Built by the worker")
    client = world.api_client()

    requested = client.post(f"/api/v1/contacts/{conversation.contact_id}/export/").json()

    deadline = time.monotonic() + 30
    while ContactExport.objects.for_tenant(world.tenant).get(pk=requested["id"]).state == ExportState.PREPARING:
        assert time.monotonic() < deadline, "the worker did not build the export in 30 s"
        time.sleep(0.2)
    state = client.get(requested["url"]).json()
    assert state["state"] == "ready"
    assert state["size"] > 0
