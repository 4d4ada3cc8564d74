"""Reads of templates, always for one tenant."""

from __future__ import annotations

from django.db.models import QuerySet

from accounts.models import Tenant
from templates_mgmt.models import MessageTemplate, TemplateEvent, TemplateStatus

# What lists filter on, and the values they accept.
FILTERS = ("status", "category", "language", "waba_id")


def templates(
    *, tenant: Tenant | int, filters: dict[str, str] | None = None, search: str = ""
) -> QuerySet[MessageTemplate]:
    """The tenant's templates, newest change first; deleted ones only when asked for by status."""
    found = MessageTemplate.objects.for_tenant(tenant)
    filters = {k: v for k, v in (filters or {}).items() if k in FILTERS and v}
    if "status" not in filters:
        found = found.exclude(status=TemplateStatus.DELETED)
    if search:
        found = found.filter(name__icontains=search)
    return found.filter(**filters).order_by("-updated_at", "-id")


def template(*, tenant: Tenant | int, template_id: int) -> MessageTemplate | None:
    return MessageTemplate.objects.for_tenant(tenant).filter(pk=template_id).first()


def template_history(*, template: MessageTemplate) -> QuerySet[TemplateEvent]:
    return (
        TemplateEvent.objects.for_tenant(template.tenant_id).filter(template=template).order_by("-occurred_at", "-id")
    )


def languages_of(*, template: MessageTemplate) -> list[str]:
    """The languages the template's name exists in, in this WABA."""
    return list(
        MessageTemplate.objects.for_tenant(template.tenant_id)
        .filter(waba_id=template.waba_id, name=template.name)
        .exclude(status=TemplateStatus.DELETED)
        .order_by("language")
        .values_list("language", flat=True)
    )
