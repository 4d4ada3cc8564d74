"""Every write to tenants, people, roles, invitations, keys and the audit log."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import partial

from django.apps import apps
from django.conf import settings
from django.core.mail import send_mail
from django.db import IntegrityError, models, transaction
from django.db.models.fields.files import FieldFile
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts import policy
from accounts.countries import COUNTRIES
from accounts.crypto import keys
from accounts.errors import ConflictError, PermissionDeniedError, ServiceError
from accounts.limits import check_seat_available
from accounts.models import (
    ApiKey,
    ApiKeyScope,
    AuditLog,
    DataRegion,
    Invitation,
    Language,
    Membership,
    Notification,
    Role,
    Tenant,
    User,
)
from accounts.tenancy import TenantOwnedModel
from accounts.tokens import new_token, token_hash

API_KEY_PREFIX = "wai_"
LEGAL_NAME_MAX = 200  # Tenant.legal_name's max_length
# A postal address of a few lines; the statements print it as given.
ADDRESS_MAX = 500
# last_used_at is for people reading the key list; minute precision spares a write per request.
API_KEY_TOUCH_INTERVAL = timedelta(minutes=1)


@dataclass(frozen=True)
class Actor:
    """Who is acting, in which tenant and with which role, and from where."""

    tenant_id: int
    role: str
    user: User | None = None
    api_key: ApiKey | None = None
    ip: str | None = None

    @property
    def label(self) -> str:
        if self.user is not None:
            return self.user.email
        if self.api_key is not None:
            return f"API key {self.api_key.name} ({self.api_key.prefix}…)"
        return "system"


def audit_record(
    *,
    actor: Actor,
    action: str,
    target: object | None = None,
    target_label: str = "",
    details: dict[str, object] | None = None,
) -> AuditLog:
    target_pk = getattr(target, "pk", None)
    return AuditLog.objects.for_tenant(actor.tenant_id).create(
        tenant_id=actor.tenant_id,
        actor=actor.user,
        actor_api_key=actor.api_key,
        actor_label=actor.label,
        action=action,
        target_type=type(target).__name__ if target is not None else "",
        target_id="" if target_pk is None else str(target_pk),
        target_label=target_label or (str(target) if target is not None else ""),
        ip=actor.ip,
        details=details or {},
    )


def _unique_slug(name: str) -> str:
    base = slugify(name)[:50] or "workspace"
    slug, suffix = base, 2
    while Tenant.objects.filter(slug=slug).exists():
        slug, suffix = f"{base}-{suffix}", suffix + 1
    return slug


def user_create(*, email: str, name: str, password: str | None) -> User:
    """A new person; None as password leaves them to set one through a password reset."""
    email = email.strip().lower()
    if User.objects.filter(email=email).exists():
        raise ConflictError(_("An account with this email address already exists."), code="email_taken")
    return User.objects.create_user(email=email, name=name.strip(), password=password)


@transaction.atomic
def tenant_create(*, name: str, owner: User, slug: str | None = None, ip: str | None = None) -> Tenant:
    """A tenant with `owner` as its first owner."""
    name = name.strip()
    if not name:
        raise ServiceError(_("A company name is required."), code="name_required")
    if slug is not None and Tenant.objects.filter(slug=slug).exists():
        raise ConflictError(_("The address %(slug)s is taken.") % {"slug": slug}, code="slug_taken")
    tenant = Tenant.objects.create(name=name, slug=slug or _unique_slug(name))
    Membership.objects.for_tenant(tenant).create(tenant=tenant, user=owner, role=Role.OWNER)
    actor = Actor(tenant_id=tenant.pk, role=Role.OWNER, user=owner, ip=ip)
    audit_record(actor=actor, action="tenant.created", target=tenant)
    return tenant


@transaction.atomic
def user_sign_up(*, email: str, name: str, password: str, company_name: str, ip: str | None = None) -> Tenant:
    """A new person and their company, with them as its owner."""
    user = user_create(email=email, name=name, password=password)
    return tenant_create(name=company_name, owner=user, ip=ip)


@dataclass(frozen=True)
class CompanyDetails:
    """Who the tenant is on paper, for statements: all optional until a statement needs them."""

    legal_name: str = ""
    country: str = ""
    vat_id: str = ""
    address: str = ""


_VAT_ID_PROBLEMS = {
    policy.VatIdProblem.CHARACTERS: gettext_lazy(
        "A VAT number has 4 to 20 letters and digits, for example DE123456789."
    ),
    policy.VatIdProblem.FORMAT: gettext_lazy(
        "This is not the form of a VAT number of that country (check the digits)."
    ),
    policy.VatIdProblem.COUNTRY: gettext_lazy("This VAT number belongs to another country than the company's."),
}
_TENANT_SETTINGS = (
    "name", "data_region", "message_retention_days", "default_language", "require_two_factor",
    "legal_name", "country", "vat_id", "address",
)  # fmt: skip


def company_details_clean(details: CompanyDetails) -> CompanyDetails:
    """The details as they are kept (trimmed, country and VAT id upper case), or ServiceError saying
    which field is wrong (`invalid_country`, `invalid_vat_id`)."""
    country = details.country.strip().upper()
    if country and country not in COUNTRIES:
        raise ServiceError(_("Choose a country from the list."), code="invalid_country", details={"field": "country"})
    check = policy.vat_id_check(vat_id=details.vat_id, country=country)
    if check.problem is not None:
        raise ServiceError(str(_VAT_ID_PROBLEMS[check.problem]), code="invalid_vat_id", details={"field": "vat_id"})
    if len(details.legal_name.strip()) > LEGAL_NAME_MAX:
        raise ServiceError(
            _("The legal name is longer than %(max)s characters.") % {"max": LEGAL_NAME_MAX},
            code="invalid_legal_name",
            details={"field": "legal_name"},
        )
    if len(details.address.strip()) > ADDRESS_MAX:
        raise ServiceError(
            _("The address is longer than %(max)s characters.") % {"max": ADDRESS_MAX},
            code="invalid_address",
            details={"field": "address"},
        )
    return CompanyDetails(
        legal_name=details.legal_name.strip(), country=country, vat_id=check.vat_id, address=details.address.strip()
    )


@transaction.atomic
def tenant_update(
    *,
    tenant: Tenant,
    actor: Actor,
    name: str,
    data_region: str,
    message_retention_days: int | None,
    default_language: str | None = None,
    require_two_factor: bool | None = None,
    company: CompanyDetails | None = None,
) -> Tenant:
    """Change the workspace's settings; `default_language`, `require_two_factor` and `company`
    None keep the current ones. Every change is in the audit log, old and new value."""
    require_role(actor, Role.ADMIN)
    if default_language is not None and default_language not in Language.values:
        raise ServiceError(_("Choose one of the offered languages."), code="invalid_language")
    if data_region not in DataRegion.values:
        raise ServiceError(_("Choose one of the offered data regions."), code="invalid_data_region")
    company = company_details_clean(company) if company is not None else None
    before = {key: getattr(tenant, key) for key in _TENANT_SETTINGS}
    tenant.name = name.strip()
    tenant.data_region = data_region
    tenant.message_retention_days = message_retention_days
    if default_language is not None:
        tenant.default_language = default_language
    if require_two_factor is not None:
        tenant.require_two_factor = require_two_factor
    if company is not None:
        tenant.legal_name, tenant.country = company.legal_name, company.country
        tenant.vat_id, tenant.address = company.vat_id, company.address
    tenant.save(update_fields=list(_TENANT_SETTINGS))
    after = {key: getattr(tenant, key) for key in _TENANT_SETTINGS}
    changes = {key: [before[key], after[key]] for key in before if before[key] != after[key]}
    if changes:
        audit_record(actor=actor, action="tenant.settings_changed", target=tenant, details={"changes": changes})
    return tenant


def tenant_onboarding_mark(*, tenant: Tenant, actor: Actor, step: str, now: datetime) -> Tenant:
    """Note what only an admin can tell of the onboarding: `website_button` (it is on the company's
    site) or `dismissed` (hide the checklist). Kept once: marking again changes nothing."""
    require_role(actor, Role.ADMIN)
    field = _ONBOARDING_MARKS.get(step)
    if field is None:
        raise ServiceError(_("Unknown onboarding step."), code="invalid_step")
    if getattr(tenant, field) is None:
        setattr(tenant, field, now)
        tenant.save(update_fields=[field])
        audit_record(actor=actor, action=f"tenant.onboarding_{step}", target=tenant)
    return tenant


_ONBOARDING_MARKS = {"website_button": "website_button_added_at", "dismissed": "onboarding_dismissed_at"}


def user_set_language(*, user: User, language: str) -> User:
    """The person's interface language, in every workspace; "" follows each workspace's default."""
    if language and language not in Language.values:
        raise ServiceError(_("Choose one of the offered languages."), code="invalid_language")
    user.language = language
    user.save(update_fields=["language"])
    return user


def require_role(actor: Actor, role: str) -> None:
    if not policy.role_includes(actor.role, role):
        raise PermissionDeniedError(_("Your role does not allow this."))


@transaction.atomic
def invitation_create(*, tenant: Tenant, actor: Actor, email: str, role: str) -> tuple[Invitation, str]:
    """An invitation (replacing an open one to the same address) and its one-time token."""
    email = email.strip().lower()
    if not policy.can_grant_role(actor_role=actor.role, role=role):
        raise PermissionDeniedError(_("Your role can't invite someone as %(role)s.") % {"role": Role(role).label})
    if Membership.objects.for_tenant(tenant).filter(user__email=email).exists():
        raise ConflictError(_("%(email)s is already a member.") % {"email": email}, code="already_member")
    now = timezone.now()
    Invitation.objects.for_tenant(tenant).filter(
        email__iexact=email, accepted_at__isnull=True, revoked_at__isnull=True
    ).update(revoked_at=now)
    check_seat_available(tenant.pk)  # after replacing: a new invitation to the same address takes no new seat
    token = new_token()
    invitation = Invitation.objects.for_tenant(tenant).create(
        tenant=tenant,
        email=email,
        role=role,
        token_hash=token_hash(token),
        invited_by=actor.user,
        created_at=now,
        expires_at=now + settings.INVITATION_TTL,
    )
    audit_record(actor=actor, action="invitation.created", target=invitation, details={"role": role})
    transaction.on_commit(partial(_send_invitation_email, invitation=invitation, token=token, inviter=actor.label))
    return invitation, token


def invitation_url(token: str) -> str:
    base_url: str = settings.PUBLIC_BASE_URL
    return base_url.rstrip("/") + reverse("invitation_accept", kwargs={"token": token})


def _send_invitation_email(*, invitation: Invitation, token: str, inviter: str) -> None:
    context = {
        "invitation": invitation,
        "tenant": invitation.tenant,
        "inviter": inviter,
        "url": invitation_url(token),
    }
    send_mail(
        subject=_("You're invited to join %(tenant)s") % {"tenant": invitation.tenant.name},
        message=render_to_string("accounts/email/invitation.txt", context),
        from_email=None,
        recipient_list=[invitation.email],
    )


@transaction.atomic
def invitation_revoke(*, invitation: Invitation, actor: Actor) -> None:
    require_role(actor, Role.ADMIN)
    if invitation.accepted_at is not None or invitation.revoked_at is not None:
        raise ConflictError(_("This invitation is no longer open."), code="invitation_closed")
    invitation.revoked_at = timezone.now()
    invitation.save(update_fields=["revoked_at"])
    audit_record(actor=actor, action="invitation.revoked", target=invitation)


def invitation_check_open(invitation: Invitation, *, now: datetime) -> None:
    """Raise the reason an invitation can no longer be accepted, if there is one."""
    if invitation.accepted_at is not None:
        raise ConflictError(_("This invitation has already been used."), code="invitation_used", http_status=410)
    if invitation.revoked_at is not None:
        raise ConflictError(_("This invitation was withdrawn."), code="invitation_revoked", http_status=410)
    if invitation.expires_at <= now:
        raise ConflictError(
            _("This invitation has expired. Ask for a new one."), code="invitation_expired", http_status=410
        )


@transaction.atomic
def invitation_accept(*, invitation: Invitation, user: User, ip: str | None = None) -> Membership:
    """Make `user` a member with the invited role; the invitation is then used up."""
    # Lock the row: two tabs accepting at once must give one membership and one audit entry.
    invitation = Invitation.objects.for_tenant(invitation.tenant_id).select_for_update().get(pk=invitation.pk)
    invitation_check_open(invitation, now=timezone.now())
    if user.email.lower() != invitation.email.lower():
        raise PermissionDeniedError(
            _("This invitation is for %(invited)s, but you are signed in as %(current)s.")
            % {"invited": invitation.email, "current": user.email},
            code="invitation_email_mismatch",
        )
    try:
        with transaction.atomic():
            membership = Membership.objects.for_tenant(invitation.tenant_id).create(
                tenant_id=invitation.tenant_id, user=user, role=invitation.role
            )
    except IntegrityError:
        raise ConflictError(_("You are already a member of this workspace."), code="already_member") from None
    invitation.accepted_at = timezone.now()
    invitation.accepted_by = user
    invitation.save(update_fields=["accepted_at", "accepted_by"])
    actor = Actor(tenant_id=invitation.tenant_id, role=invitation.role, user=user, ip=ip)
    audit_record(actor=actor, action="invitation.accepted", target=membership, target_label=user.email)
    return membership


@transaction.atomic
def invitation_accept_new_user(
    *, invitation: Invitation, name: str, password: str, ip: str | None = None
) -> Membership:
    """Create the invited person's account and make them a member, or do neither."""
    user = user_create(email=invitation.email, name=name, password=password)
    return invitation_accept(invitation=invitation, user=user, ip=ip)


@transaction.atomic
def membership_add(*, tenant: Tenant, actor: Actor, user: User, role: str) -> Membership:
    """Make an existing person a member directly (operators and seeding; people use invitations)."""
    if not policy.can_grant_role(actor_role=actor.role, role=role):
        raise PermissionDeniedError(_("Your role can't appoint someone as %(role)s.") % {"role": Role(role).label})
    if Membership.objects.for_tenant(tenant).filter(user=user).exists():
        raise ConflictError(_("%(email)s is already a member.") % {"email": user.email}, code="already_member")
    check_seat_available(tenant.pk)
    membership = Membership.objects.for_tenant(tenant).create(tenant=tenant, user=user, role=role)
    audit_record(
        actor=actor, action="membership.added", target=membership, target_label=user.email, details={"role": role}
    )
    return membership


def _check_member_change(*, membership: Membership, actor: Actor, new_role: str | None) -> None:
    if not policy.can_manage_member(actor_role=actor.role, member_role=membership.role):
        raise PermissionDeniedError(_("Your role can't change this member."))
    if new_role is not None and not policy.can_grant_role(actor_role=actor.role, role=new_role):
        raise PermissionDeniedError(_("Your role can't appoint someone as %(role)s.") % {"role": Role(new_role).label})
    # Count under a lock of the owners so two owners demoting each other can't both succeed.
    owners = Membership.objects.for_tenant(membership.tenant_id).select_for_update().filter(role=Role.OWNER)
    if policy.leaves_no_owner(owner_count=len(owners), member_role=membership.role, new_role=new_role):
        raise ConflictError(_("A workspace needs at least one owner."), code="last_owner")


@transaction.atomic
def membership_change_role(*, membership: Membership, actor: Actor, role: str) -> Membership:
    if role not in Role.values:
        raise ServiceError(_("Unknown role."), code="invalid_role")
    _check_member_change(membership=membership, actor=actor, new_role=role)
    previous = membership.role
    if previous == role:
        return membership
    membership.role = role
    membership.save(update_fields=["role"])
    audit_record(
        actor=actor,
        action="membership.role_changed",
        target=membership,
        target_label=membership.user.email,
        details={"from": previous, "to": role},
    )
    return membership


@transaction.atomic
def membership_remove(*, membership: Membership, actor: Actor) -> None:
    _check_member_change(membership=membership, actor=actor, new_role=None)
    audit_record(
        actor=actor,
        action="membership.removed",
        target=membership,
        target_label=membership.user.email,
        details={"role": membership.role},
    )
    membership.delete()


@transaction.atomic
def api_key_create(*, tenant: Tenant, actor: Actor, name: str, scope: str = ApiKeyScope.ADMIN) -> tuple[ApiKey, str]:
    """A new key; the returned secret is shown once and never stored. Scripts (create_tenant)
    get an admin key as before scopes existed; people choose the scope on the settings page."""
    require_role(actor, Role.ADMIN)
    name = name.strip()
    if not name:
        raise ServiceError(_("Give the key a name, such as the system that will use it."), code="name_required")
    if scope not in ApiKeyScope.values:
        raise ServiceError(_("Choose what the key may do: read, write or admin."), code="invalid_scope")
    secret = new_token(API_KEY_PREFIX)
    api_key = ApiKey.objects.for_tenant(tenant).create(
        tenant=tenant,
        name=name,
        prefix=secret[:12],
        key_hash=token_hash(secret),
        scope=scope,
        created_by=actor.user,
    )
    audit_record(actor=actor, action="api_key.created", target=api_key, details={"scope": scope})
    return api_key, secret


@transaction.atomic
def api_key_revoke(*, api_key: ApiKey, actor: Actor) -> None:
    require_role(actor, Role.ADMIN)
    if api_key.revoked_at is not None:
        return
    api_key.revoked_at = timezone.now()
    api_key.save(update_fields=["revoked_at"])
    audit_record(actor=actor, action="api_key.revoked", target=api_key)


def api_key_touch(*, api_key: ApiKey, now: datetime) -> None:
    """Record that the key was used, at most once per API_KEY_TOUCH_INTERVAL."""
    if api_key.last_used_at is not None and now - api_key.last_used_at < API_KEY_TOUCH_INTERVAL:
        return
    ApiKey.objects.for_tenant(api_key.tenant_id).filter(pk=api_key.pk).update(last_used_at=now)
    api_key.last_used_at = now


def invitations_purge_stale(*, now: datetime, keep_for: timedelta = timedelta(days=30)) -> int:
    """Delete invitations closed (used, withdrawn or expired) more than `keep_for` ago."""
    cutoff = now - keep_for
    # Housekeeping across every tenant, run by beat: nothing here is shown to anyone.
    stale = Invitation.objects.unscoped().filter(expires_at__lt=cutoff)
    deleted, _by_model = stale.delete()
    return deleted


def notify_members(
    *, tenant_id: int, role: str, kind: str, title: str, body: str = "", url: str = "", now: datetime
) -> list[Notification]:
    """Tell every member whose role includes `role` (admins: admins and owners) in the product."""
    members = Membership.objects.for_tenant(tenant_id).only("user_id", "role")
    return Notification.objects.for_tenant(tenant_id).bulk_create(
        Notification(
            tenant_id=tenant_id, user_id=m.user_id, kind=kind, title=title[:200], body=body, url=url, created_at=now
        )
        for m in members
        if policy.role_includes(m.role, role)
    )


def notifications_mark_read(*, tenant_id: int, user: User, now: datetime) -> int:
    return Notification.objects.for_tenant(tenant_id).filter(user=user, read_at__isnull=True).update(read_at=now)


def tenant_shred(*, tenant: Tenant) -> int:
    """Delete a tenant for good (crypto-shredding): its data keys first, in their own commit, so
    that whatever happens next (a crash, a backup restored, a table forgotten) its ciphertext is
    unreadable; then its stored files and its rows. Returns how many files were deleted."""
    keys.destroy_tenant_keys(tenant_id=tenant.pk)  # autocommits: nothing may undo it
    files = 0
    with transaction.atomic():
        for model in apps.get_models():
            if not issubclass(model, TenantOwnedModel):
                continue
            file_fields = [f for f in model._meta.concrete_fields if isinstance(f, models.FileField)]
            # Files don't roll back: collected in the transaction, deleted once the rows are gone.
            for row in model.objects.for_tenant(tenant).only(*(f.name for f in file_fields)) if file_fields else ():
                for field in file_fields:
                    stored: FieldFile = getattr(row, field.attname)
                    if stored.name:
                        transaction.on_commit(partial(stored.storage.delete, stored.name))
                        files += 1
        Tenant.objects.filter(pk=tenant.pk).delete()
    return files
