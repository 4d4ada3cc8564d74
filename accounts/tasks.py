"""Periodic housekeeping of accounts."""

import logging

from celery import shared_task
from django.utils import timezone

from accounts import services

logger = logging.getLogger(__name__)


@shared_task(name="accounts.tasks.invitations_purge_stale")
def invitations_purge_stale() -> int:
    deleted = services.invitations_purge_stale(now=timezone.now())
    logger.info("purged %d stale invitations", deleted)
    return deleted
