"""Celery tasks of data protection: building exports, purging them, nightly retention."""

import logging

from celery import shared_task
from django.utils import timezone

from privacy.services import exports, retention

logger = logging.getLogger(__name__)


@shared_task(name=exports.BUILD_TASK)
def contact_export_build(*, tenant_id: int, export_id: int) -> None:
    exports.contact_export_build(tenant_id=tenant_id, export_id=export_id, now=timezone.now())


@shared_task(name="privacy.tasks.exports_purge")
def exports_purge() -> int:
    return exports.exports_purge(now=timezone.now())


@shared_task(name="privacy.tasks.retention_apply_all")
def retention_apply_all() -> int:
    report = retention.retention_apply_all(now=timezone.now())
    logger.info("retention applied to %d workspaces", len(report))
    return len(report)
