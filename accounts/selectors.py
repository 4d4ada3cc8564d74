"""Reads of tenants, memberships, invitations, keys and the audit log.

Everything tenant-owned is read for a named tenant; the few global lookups (a person's
tenants, a secret presented by its bearer) say why they may cross tenants.
"""

from __future__ import annotations

from datetime import datetime

from django.db.models import QuerySet

from accounts.models import ApiKey, AuditLog, Invitation, Membership, Notification, Tenant, User
from accounts.tokens import token_hash


def memberships_of_user(user: User) -> QuerySet[Membership]:
    # A person's own seats in every tenant: what the tenant switcher lists.
    return Membership.objects.unscoped().filter(user=user).select_related("tenant").order_by("tenant__name")


def membership_by_slug(*, slug: str, user: User) -> Membership | None:
    """The user's membership in the tenant at /t/<slug>/, or None (no such tenant, or not theirs)."""
    # Crosses tenants only to find the one the URL names, and only for this user.
    return Membership.objects.unscoped().select_related("tenant", "user").filter(tenant__slug=slug, user=user).first()


def membership_of(*, tenant: Tenant, user: User) -> Membership | None:
    return Membership.objects.for_tenant(tenant).filter(user=user).first()


def tenant_members(tenant: Tenant) -> QuerySet[Membership]:
    return Membership.objects.for_tenant(tenant).select_related("user").order_by("user__name", "user__email")


def invitations_open(*, tenant: Tenant, now: datetime) -> QuerySet[Invitation]:
    return (
        Invitation.objects.for_tenant(tenant)
        .filter(accepted_at__isnull=True, revoked_at__isnull=True, expires_at__gt=now)
        .select_related("invited_by")
        .order_by("-created_at")
    )


def invitation_by_token(token: str) -> Invitation | None:
    # Global by design: the token itself is the proof; it names its tenant.
    return (
        Invitation.objects.unscoped()
        .select_related("tenant", "invited_by")
        .filter(token_hash=token_hash(token))
        .first()
    )


def api_keys(tenant: Tenant) -> QuerySet[ApiKey]:
    return ApiKey.objects.for_tenant(tenant).select_related("created_by").order_by("revoked_at", "-created_at")


def api_key_by_secret(secret: str) -> ApiKey | None:
    # Global by design: the presented secret decides the tenant, not the other way round.
    return (
        ApiKey.objects.unscoped()
        .select_related("tenant")
        .filter(key_hash=token_hash(secret), revoked_at__isnull=True)
        .first()
    )


def audit_entries(
    tenant: Tenant,
    *,
    actor: str = "",
    action: str = "",
    since: datetime | None = None,
    until: datetime | None = None,
) -> QuerySet[AuditLog]:
    """The tenant's audit entries, newest first: `actor` matches part of who acted (email or
    key name), `action` the start of the action ("auth." for every sign-in event), and
    `since` ≤ created_at < `until`."""
    entries = AuditLog.objects.for_tenant(tenant)
    if actor:
        entries = entries.filter(actor_label__icontains=actor)
    if action:
        entries = entries.filter(action__startswith=action)
    if since is not None:
        entries = entries.filter(created_at__gte=since)
    if until is not None:
        entries = entries.filter(created_at__lt=until)
    return entries.order_by("-created_at", "-id")


def audit_actions(tenant: Tenant) -> list[str]:
    """The actions recorded in the tenant so far, for the filter's suggestions."""
    return list(AuditLog.objects.for_tenant(tenant).order_by("action").values_list("action", flat=True).distinct())


def notifications(*, tenant: Tenant, user: User) -> QuerySet[Notification]:
    return Notification.objects.for_tenant(tenant).filter(user=user).order_by("-created_at", "-pk")


def notifications_unread_count(*, tenant: Tenant, user: User) -> int:
    return notifications(tenant=tenant, user=user).filter(read_at__isnull=True).count()
