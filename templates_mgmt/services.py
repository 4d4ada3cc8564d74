"""Every write to templates and their history that needs no call to Meta.

Submission, edits, deletion and sync talk to the Graph API and live with the channel
(`whatsapp.services.templates`); they record what Meta said through the functions here.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from accounts.errors import ConflictError, ServiceError
from templates_mgmt import policy
from templates_mgmt.library import library_entry
from templates_mgmt.models import (
    MessageTemplate,
    ParameterFormat,
    QualityScore,
    TemplateCategory,
    TemplateEvent,
    TemplateEventKind,
    TemplateEventSource,
    TemplateStatus,
)

CREATION_FIELDS = ("name", "language", "category", "parameter_format", "components")


def creation_body(template: MessageTemplate) -> dict[str, Any]:
    """The template as Meta's creation endpoint takes it."""
    return {
        "name": template.name,
        "language": template.language,
        "category": template.category,
        "parameter_format": template.parameter_format,
        "components": template.components,
    }


def _checked_body(body: Mapping[str, Any]) -> dict[str, Any]:
    """The creation body's shape (lint judges its content): the fields we keep, of the right types."""
    if not isinstance(body, Mapping):
        raise ServiceError(_("A template is a JSON object."), code="template_invalid")
    for field in ("name", "language", "category"):
        if not isinstance(body.get(field), str) or not body[field].strip():
            raise ServiceError(_("`%(field)s` is required, as text.") % {"field": field}, code="template_invalid")
    components = body.get("components")
    if not isinstance(components, list) or not all(isinstance(c, Mapping) for c in components):
        raise ServiceError(_("`components` must be a list of objects."), code="template_invalid")
    parameter_format = body.get("parameter_format") or ParameterFormat.POSITIONAL
    if parameter_format not in ParameterFormat.values:
        raise ServiceError(_("`parameter_format` must be POSITIONAL or NAMED."), code="template_invalid")
    return {
        "name": body["name"].strip(),
        "language": body["language"].strip(),
        "category": body["category"].strip().upper(),
        "parameter_format": parameter_format,
        "components": [dict(c) for c in components],
    }


def template_lint_or_raise(body: Mapping[str, Any]) -> list[policy.Finding]:
    """The findings of a template about to reach Meta; lint errors stop it (HTTP 400, with all findings)."""
    findings = policy.lint_template(body)
    if policy.blocks_submission(findings):
        raise ServiceError(
            _("The template has problems to fix before it can be submitted."),
            code="template_invalid",
            details=[finding.as_json() for finding in findings],
        )
    return findings


def template_draft_save(
    *,
    tenant_id: int,
    waba_id: str,
    body: Mapping[str, Any],
    now: datetime,
    template: MessageTemplate | None = None,
    library_key: str = "",
) -> MessageTemplate:
    """Create a draft, or change one that Meta has not seen yet."""
    fields = _checked_body(body)
    if fields["category"] not in TemplateCategory.values:
        raise ServiceError(_("The category must be MARKETING, UTILITY or AUTHENTICATION."), code="template_invalid")
    if template is not None and template.status != TemplateStatus.DRAFT:
        raise ConflictError(_("Only a draft can be changed here; a submitted template is edited through Meta."))
    try:
        with transaction.atomic():
            if template is None:
                return MessageTemplate.objects.for_tenant(tenant_id).create(
                    tenant_id=tenant_id, waba_id=waba_id, library_key=library_key, created_at=now, updated_at=now,
                    **fields,
                )  # fmt: skip
            for name, value in fields.items():
                setattr(template, name, value)
            template.updated_at = now
            template.save(update_fields=[*CREATION_FIELDS, "updated_at"])
            return template
    except IntegrityError as error:
        raise ConflictError(
            _("A template named %(name)s in %(language)s exists already.") % fields, code="template_exists"
        ) from error


def template_duplicate(*, template: MessageTemplate, language: str, now: datetime) -> MessageTemplate:
    """The same template as a draft in another language (its texts are to be translated before submitting)."""
    body = {**creation_body(template), "language": language}
    return template_draft_save(tenant_id=template.tenant_id, waba_id=template.waba_id, body=body, now=now)


def templates_from_library(
    *, tenant_id: int, waba_id: str, key: str, languages: list[str], now: datetime
) -> list[MessageTemplate]:
    """Drafts of a library entry in the chosen languages, ready to submit."""
    entry = library_entry(key)
    if entry is None:
        raise ServiceError(_("There is no library template %(key)s.") % {"key": key}, code="not_found", http_status=404)
    if not languages:
        raise ServiceError(_("Choose at least one language."), code="invalid_request")
    created = []
    with transaction.atomic():
        for language in languages:
            if language not in entry.languages:
                raise ServiceError(
                    _("The library template is not written in %(language)s.") % {"language": language},
                    code="invalid_request",
                )
            created.append(
                template_draft_save(
                    tenant_id=tenant_id, waba_id=waba_id, body=entry.body_for(language), now=now, library_key=key
                )
            )
    return created


def _event(
    template: MessageTemplate,
    *,
    kind: str,
    source: str,
    previous: str,
    new: str,
    occurred_at: datetime,
    reason: str = "",
    detail: str = "",
    actor_label: str = "",
) -> TemplateEvent:
    return TemplateEvent.objects.for_tenant(template.tenant_id).create(
        tenant_id=template.tenant_id, template=template, kind=kind, source=source, previous=previous, new=new,
        reason=reason, detail=detail, actor_label=actor_label, occurred_at=occurred_at,
    )  # fmt: skip


def template_submitted(
    *, template: MessageTemplate, meta_id: str, status: str, category: str, actor_label: str, now: datetime
) -> MessageTemplate:
    """Meta took the template for review: its id, status and (possibly corrected) category."""
    previous = template.status
    template.meta_id = meta_id
    template.status = status if status in TemplateStatus.values else TemplateStatus.PENDING
    if category in TemplateCategory.values and category != template.category:
        _event(template, kind=TemplateEventKind.CATEGORY, source=TemplateEventSource.PRODUCT,
               previous=template.category, new=category, occurred_at=now)  # fmt: skip
        template.category = category
    template.submitted_at = template.status_updated_at = template.updated_at = now
    template.last_error = ""
    template.rejection_reason = template.rejection_detail = ""
    template.save()
    _event(template, kind=TemplateEventKind.STATUS, source=TemplateEventSource.PRODUCT, previous=previous,
           new=template.status, occurred_at=now, actor_label=actor_label)  # fmt: skip
    return template


def template_failed_at_meta(*, template: MessageTemplate, message: str, now: datetime) -> None:
    """Meta refused what we asked (submit, edit, delete): kept for the person to read."""
    MessageTemplate.objects.for_tenant(template.tenant_id).filter(pk=template.pk).update(
        last_error=message, updated_at=now
    )
    template.last_error = message


def template_status_record(
    *,
    template: MessageTemplate,
    status: str,
    source: str,
    occurred_at: datetime,
    reason: str = "",
    detail: str = "",
    actor_label: str = "",
) -> bool:
    """Move the template to `status` as Meta reported it; False when it was there already.

    A report older than the last change we recorded is history, not news: it is kept in the
    history but does not move the status back.
    """
    if template.status == status and (status != TemplateStatus.REJECTED or template.rejection_reason == reason):
        return False  # what we know already (Meta delivers at least once)
    same = {"kind": TemplateEventKind.STATUS, "source": source, "new": status, "occurred_at": occurred_at}
    # Meta's times are whole seconds: a report from the second of our last change is not older.
    if template.status_updated_at is not None and occurred_at < template.status_updated_at.replace(microsecond=0):
        # Older than what we know: history (once), not news.
        if not TemplateEvent.objects.for_tenant(template.tenant_id).filter(template=template, **same).exists():
            _event(template, kind=TemplateEventKind.STATUS, source=source, previous="", new=status,
                   occurred_at=occurred_at, reason=reason, detail=detail, actor_label=actor_label)  # fmt: skip
        return False
    _event(template, kind=TemplateEventKind.STATUS, source=source, previous=template.status, new=status,
           occurred_at=occurred_at, reason=reason, detail=detail, actor_label=actor_label)  # fmt: skip
    template.status = status
    template.status_updated_at = occurred_at
    rejected = status == TemplateStatus.REJECTED
    template.rejection_reason = reason if rejected else ""
    template.rejection_detail = detail if rejected else ""
    template.updated_at = max(template.updated_at, occurred_at)
    template.save(update_fields=["status", "status_updated_at", "rejection_reason", "rejection_detail", "updated_at"])
    return True


def template_quality_record(*, template: MessageTemplate, score: str, source: str, occurred_at: datetime) -> bool:
    if template.quality_score == score:
        return False
    _event(template, kind=TemplateEventKind.QUALITY, source=source, previous=template.quality_score, new=score,
           occurred_at=occurred_at)  # fmt: skip
    template.quality_score = score
    template.save(update_fields=["quality_score"])
    return True


def template_category_record(
    *, template: MessageTemplate, new: str, source: str, occurred_at: datetime, effective_at: datetime | None = None
) -> bool:
    """Meta changed the template's category, or announced it will (`effective_at` in the future)."""
    if new not in TemplateCategory.values or (new == template.category and effective_at is None):
        return False
    previous = template.category
    announced = effective_at is not None and effective_at > occurred_at
    detail = _("Meta will change the category on %(date)s.") % {"date": (effective_at or occurred_at).isoformat()}
    detail = detail if announced else ""
    _event(template, kind=TemplateEventKind.CATEGORY, source=source, previous=previous, new=new,
           occurred_at=occurred_at, detail=detail)  # fmt: skip
    template.category_change = {
        "previous": previous,
        "new": new,
        "effective_at": (effective_at or occurred_at).isoformat(),
    }
    if not announced:
        template.category = new
    template.save(update_fields=["category", "category_change"])
    return True


def template_edited(
    *, template: MessageTemplate, components: list[dict[str, Any]], category: str, actor_label: str, now: datetime
) -> MessageTemplate:
    """Meta accepted an edit: the new components go back to review under a new version."""
    previous = template.status
    template.components = components
    template.category = category
    template.version += 1
    template.status = TemplateStatus.PENDING
    template.status_updated_at = template.updated_at = now
    template.last_error = ""
    template.rejection_reason = template.rejection_detail = ""
    template.save()
    _event(template, kind=TemplateEventKind.EDIT, source=TemplateEventSource.PRODUCT, previous=previous,
           new=TemplateStatus.PENDING, occurred_at=now, actor_label=actor_label,
           detail=_("Version %(version)s") % {"version": template.version})  # fmt: skip
    return template


def template_synced(
    *, tenant_id: int, waba_id: str, remote: Mapping[str, Any], now: datetime
) -> tuple[MessageTemplate, bool]:
    """Take one template as Meta lists it: import it when new, reconcile it when known.

    Returns the template and whether it was imported.
    """
    meta_id = str(remote.get("id", ""))
    templates = MessageTemplate.objects.for_tenant(tenant_id)
    template = (templates.filter(meta_id=meta_id).first() if meta_id else None) or templates.filter(
        waba_id=waba_id, name=remote.get("name"), language=remote.get("language")
    ).first()
    status = str(remote.get("status", TemplateStatus.PENDING))
    status = status if status in TemplateStatus.values else TemplateStatus.PENDING
    if template is None:
        template = MessageTemplate.objects.for_tenant(tenant_id).create(
            tenant_id=tenant_id,
            waba_id=waba_id,
            name=str(remote.get("name", "")),
            language=str(remote.get("language", "")),
            category=str(remote.get("category", TemplateCategory.UTILITY)),
            parameter_format=str(remote.get("parameter_format") or ParameterFormat.POSITIONAL),
            components=list(remote.get("components") or []),
            meta_id=meta_id,
            status=status,
            quality_score=_quality(remote),
            status_updated_at=now,
            created_at=now,
            updated_at=now,
        )
        _event(template, kind=TemplateEventKind.STATUS, source=TemplateEventSource.SYNC, previous="", new=status,
               occurred_at=now, detail=_("Imported from Meta."))  # fmt: skip
        return template, True
    if meta_id and template.meta_id != meta_id:
        template.meta_id = meta_id
        template.save(update_fields=["meta_id"])
    if remote.get("components") and template.components != remote["components"]:
        template.components = list(remote["components"])
        template.save(update_fields=["components"])
    template_status_record(
        template=template, status=status, source=TemplateEventSource.SYNC, occurred_at=now,
        reason=str(remote.get("rejected_reason") or "") if status == TemplateStatus.REJECTED else "",
    )  # fmt: skip
    if (score := _quality(remote)) != QualityScore.UNKNOWN:
        template_quality_record(template=template, score=score, source=TemplateEventSource.SYNC, occurred_at=now)
    if str(remote.get("category", "")) in TemplateCategory.values:
        template_category_record(
            template=template, new=str(remote["category"]), source=TemplateEventSource.SYNC, occurred_at=now
        )
    return template, False


def _quality(remote: Mapping[str, Any]) -> str:
    """Meta lists quality as {"score": "GREEN", "date": ...}."""
    quality = remote.get("quality_score")
    score = quality.get("score") if isinstance(quality, Mapping) else quality
    return str(score) if score in QualityScore.values else QualityScore.UNKNOWN
