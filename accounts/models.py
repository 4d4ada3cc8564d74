"""Tenants, users, memberships, invitations, API keys and the audit log."""

from __future__ import annotations

from typing import Any, ClassVar

from django.contrib.auth.base_user import AbstractBaseUser, BaseUserManager
from django.contrib.auth.models import PermissionsMixin
from django.db import models
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from accounts.crypto import EncryptedTextField, keys
from accounts.tenancy import TenantOwnedModel, TenantQuerySet, TenantScopedManager


class Role(models.TextChoices):
    """What a member may do; each role includes the ones before it (see policy.role_includes)."""

    AGENT = "agent", _("Agent")
    ADMIN = "admin", _("Admin")
    OWNER = "owner", _("Owner")


class DataRegion(models.TextChoices):
    EU = "eu", _("European Union")
    US = "us", _("United States")


class Language(models.TextChoices):
    """The interface's languages (settings.LANGUAGES); names are written in their own language."""

    ENGLISH = "en", "English"
    FRENCH = "fr", "Français"
    GERMAN = "de", "Deutsch"


class Tenant(models.Model):
    """A company using the product. Global: its rows are what everything else is scoped to."""

    name = models.CharField(_("name"), max_length=120)
    slug = models.SlugField(_("slug"), max_length=60, unique=True)
    # Company details, for statements (VAT by country, reverse charge with a VAT id) and the
    # onboarding wizard. Country is ISO 3166-1 alpha-2, upper case; blank until given.
    legal_name = models.CharField(_("legal name"), max_length=200, blank=True)
    country = models.CharField(_("country"), max_length=2, blank=True)
    vat_id = models.CharField(_("VAT number"), max_length=20, blank=True)
    address = models.TextField(_("address"), blank=True)
    # The onboarding checklist: hidden by an admin, and the one step we can't check ourselves
    # (the WhatsApp button is on the company's own website), as the admin confirmed it.
    onboarding_dismissed_at = models.DateTimeField(null=True, blank=True)
    website_button_added_at = models.DateTimeField(null=True, blank=True)
    data_region = models.CharField(_("data region"), max_length=8, choices=DataRegion.choices, default=DataRegion.EU)
    # None keeps messages forever.
    message_retention_days = models.PositiveIntegerField(_("message retention (days)"), null=True, blank=True)
    # The interface's language for members who chose none.
    default_language = models.CharField(
        _("default language"), max_length=8, choices=Language.choices, default=Language.ENGLISH
    )
    # Every member must sign in with a second factor (TOTP) before using the workspace.
    require_two_factor = models.BooleanField(_("require two-factor sign-in"), default=False)
    created_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return self.name

    def save(self, *args: Any, **kwargs: Any) -> None:
        adding = self._state.adding
        super().save(*args, **kwargs)
        if adding:
            # In the tenant's own transaction: the key exists exactly when the tenant does.
            keys.data_key_create(tenant_id=self.pk)


class TenantDataKey(models.Model):
    """A tenant's data key (accounts.crypto.keys), stored only wrapped by a master key.
    Global: it is looked up by the id a ciphertext names, before any tenant is known; no tenant
    (NULL) is the platform key. Deleting a tenant's keys shreds its data."""

    tenant = models.ForeignKey(Tenant, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    version = models.PositiveIntegerField()
    # Which of ENCRYPTION_MASTER_KEYS wrapped it; rotation re-wraps and changes this.
    master_key_id = models.CharField(max_length=32)
    wrapped = models.BinaryField()
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints: ClassVar = [
            models.UniqueConstraint(fields=["tenant", "version"], name="tenant_data_key_version"),
            models.UniqueConstraint(
                fields=["version"], condition=models.Q(tenant__isnull=True), name="platform_data_key_version"
            ),
        ]

    def __str__(self) -> str:
        return f"data key {self.version} of tenant {self.tenant_id}"


class UserManager(BaseUserManager["User"]):
    use_in_migrations = True

    def create_user(self, email: str, password: str | None = None, **fields: Any) -> User:
        user = self.model(email=self.normalize_email(email).lower(), **fields)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def get_by_natural_key(self, username: str | None) -> User:
        # Emails are stored lower-cased, so sign-in ignores the case people type.
        return self.get(email=(username or "").lower())

    def create_superuser(self, email: str, password: str | None = None, **fields: Any) -> User:
        fields.update(is_staff=True, is_superuser=True)
        return self.create_user(email, password, **fields)


class User(AbstractBaseUser, PermissionsMixin):
    """A person who signs in with an email address. Global: one person, many tenants."""

    email = models.EmailField(_("email address"), max_length=254, unique=True)
    name = models.CharField(_("name"), max_length=120)
    # Blank: each workspace's default language.
    language = models.CharField(_("language"), max_length=8, choices=Language.choices, blank=True)
    is_active = models.BooleanField(default=True)
    is_staff = models.BooleanField(default=False)
    date_joined = models.DateTimeField(default=timezone.now)

    objects: ClassVar[UserManager] = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS: ClassVar[list[str]] = ["name"]

    def __str__(self) -> str:
        return self.email


class Membership(TenantOwnedModel):
    """A user's seat in a tenant, with a role."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(_("role"), max_length=10, choices=Role.choices)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints: ClassVar = [models.UniqueConstraint("tenant", "user", name="membership_tenant_user_unique")]

    def __str__(self) -> str:
        return f"{self.user_id}@{self.tenant_id}:{self.role}"


class Invitation(TenantOwnedModel):
    """An invitation by email to join a tenant with a role. Only the token's hash is kept."""

    email = models.EmailField(_("email address"))
    role = models.CharField(_("role"), max_length=10, choices=Role.choices)
    token_hash = models.CharField(max_length=64, unique=True)
    invited_by = models.ForeignKey(User, on_delete=models.SET_NULL, null=True, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    accepted_at = models.DateTimeField(null=True, blank=True)
    accepted_by = models.ForeignKey(User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints: ClassVar = [
            # At most one open invitation per address and tenant; a new one replaces it.
            models.UniqueConstraint(
                "tenant",
                Lower("email"),
                condition=models.Q(accepted_at__isnull=True, revoked_at__isnull=True),
                name="invitation_one_open_per_email",
            )
        ]

    def __str__(self) -> str:
        return f"{self.email} ({self.role})"


class ApiKeyScope(models.TextChoices):
    """What a key may do: read only; also write (as an agent would); or also manage (as an admin)."""

    # "Read" is also a message status ("read by the customer"): the context keeps them apart.
    READ = "read", pgettext_lazy("API key access", "Read")
    WRITE = "write", _("Read and write")
    ADMIN = "admin", _("Admin")


class ApiKey(TenantOwnedModel):
    """A tenant's key for /api/v1/. Only a SHA-256 of the key is stored (keys are random, 256 bits)."""

    name = models.CharField(_("name"), max_length=80)
    # Keys made before scopes existed acted with an admin's rights, and keep them.
    scope = models.CharField(_("scope"), max_length=8, choices=ApiKeyScope.choices, default=ApiKeyScope.ADMIN)
    prefix = models.CharField(max_length=16, help_text="The first characters, shown to tell keys apart.")
    key_hash = models.CharField(max_length=64, unique=True)
    created_by = models.ForeignKey(User, on_delete=models.SET_NULL, null=True, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None


class AuditLogImmutableError(RuntimeError):
    """Something tried to change or delete an audit entry."""


class AuditLogQuerySet(TenantQuerySet["AuditLog"]):
    def update(self, **kwargs: Any) -> int:
        raise AuditLogImmutableError("audit entries can't be changed")

    def delete(self) -> tuple[int, dict[str, int]]:
        raise AuditLogImmutableError("audit entries can't be deleted")


class AuditLogManager(TenantScopedManager["AuditLog"]):
    _queryset_class = AuditLogQuerySet  # type: ignore[assignment]


class AuditLog(TenantOwnedModel):
    """Who did what to what, from where, and when. Rows are only ever added: the model, its
    queryset and a database trigger (migration 0004) refuse updates; only deleting the whole
    tenant removes them."""

    actor = models.ForeignKey(User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    actor_api_key = models.ForeignKey(ApiKey, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    # Kept as text too, so the entry still reads right after the user or key is deleted.
    actor_label = models.CharField(max_length=254)
    action = models.CharField(max_length=64)
    target_type = models.CharField(max_length=64, blank=True)
    target_id = models.CharField(max_length=64, blank=True)
    target_label = models.CharField(max_length=254, blank=True)
    ip = models.GenericIPAddressField(null=True, blank=True)
    details = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    objects: ClassVar[AuditLogManager] = AuditLogManager()

    class Meta:
        indexes: ClassVar = [models.Index(fields=["tenant", "-created_at", "-id"], name="auditlog_tenant_recent")]

    def __str__(self) -> str:
        return f"{self.actor_label} {self.action} {self.target_label}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            raise AuditLogImmutableError("audit entries can't be changed")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        raise AuditLogImmutableError("audit entries can't be deleted")


class TwoFactorDevice(models.Model):
    """A person's TOTP authenticator (RFC 6238) and their one-time recovery codes.

    Global, like the person: the same second factor serves every workspace they belong to.
    The shared secret is encrypted at rest; recovery codes are kept as SHA-256 hashes only.
    """

    user = models.OneToOneField(User, on_delete=models.CASCADE, related_name="two_factor")
    secret = EncryptedTextField()
    # None until the person proved their app works by entering a code.
    confirmed_at = models.DateTimeField(null=True, blank=True)
    # The last 30-second step accepted: a code is good once, even within its window.
    last_used_step = models.BigIntegerField(null=True, blank=True)
    recovery_code_hashes = models.JSONField(default=list, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"TOTP of {self.user_id}"

    @property
    def is_confirmed(self) -> bool:
        return self.confirmed_at is not None


class Notification(TenantOwnedModel):
    """Something a member should know (a template was rejected, a budget is nearly spent...),
    shown in the product until they have seen it."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="+")
    # A stable name of what happened ("template.rejected"), for filters and tests.
    kind = models.CharField(max_length=64)
    title = models.CharField(max_length=200)
    body = models.TextField(blank=True)
    # Where to look, inside the tenant's pages.
    url = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes: ClassVar = [models.Index(fields=["tenant", "user", "-created_at"], name="notification_recent")]

    def __str__(self) -> str:
        return f"{self.kind} for {self.user_id}"
