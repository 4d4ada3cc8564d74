"""Writes around signing in: failed-attempt throttling, the audit of sign-ins, sign-outs and
refusals, and TOTP two-factor enrolment and verification.

Failed attempts are counted in Redis (the cache) per account and per client address, for an
hour from the first failure; the limits are settings (LOGIN_FAILURE_LIMIT_PER_ACCOUNT,
LOGIN_FAILURE_LIMIT_PER_IP).
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import secrets
from datetime import datetime, timedelta

import pyotp
from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.utils.translation import gettext as _
from redis.exceptions import RedisError

from accounts import policy
from accounts.errors import ServiceError
from accounts.models import ApiKey, Membership, TwoFactorDevice, User
from accounts.services import Actor, audit_record
from accounts.tokens import token_hash

logger = logging.getLogger(__name__)

FAILURE_WINDOW = timedelta(hours=1)
RECOVERY_CODE_COUNT = 10
# A code typed a little late (or on a phone whose clock drifts) still counts: one step either side.
TOTP_VALID_WINDOW = 1
TOTP_ISSUER = "Relay"


class LoginLockedError(ServiceError):
    code = "login_locked"
    http_status = 429


def _account_key(email: str) -> str:
    # Hashed: the cache is no place for a list of addresses people tried.
    digest = hashlib.sha256(email.strip().lower().encode()).hexdigest()
    return f"login-failures:account:{digest}"


def _ip_key(ip: str | None) -> str:
    return f"login-failures:ip:{ip or 'unknown'}"


def _count(key: str) -> int:
    try:
        return int(cache.get(key) or 0)
    except RedisError:
        # Without Redis nobody could sign in at all; the limits come back with it.
        logger.warning("login throttling skipped: Redis is unavailable")
        return 0


def login_check_allowed(*, email: str, ip: str | None) -> None:
    """Refuse a sign-in attempt, before any password is checked, when the account or the
    address has too many recent failures."""
    if policy.login_locked(
        account_failures=_count(_account_key(email)),
        ip_failures=_count(_ip_key(ip)),
        account_limit=settings.LOGIN_FAILURE_LIMIT_PER_ACCOUNT,
        ip_limit=settings.LOGIN_FAILURE_LIMIT_PER_IP,
    ):
        raise LoginLockedError(
            _("Too many failed sign-in attempts. Wait an hour, or reset your password, and try again.")
        )


def _increment(key: str) -> None:
    # The hour runs from the first failure; add() is a no-op once the counter exists.
    try:
        cache.add(key, 0, timeout=int(FAILURE_WINDOW.total_seconds()))
        cache.incr(key)
    except RedisError:
        logger.warning("a failed sign-in was not counted: Redis is unavailable")


def _memberships(user: User) -> list[Membership]:
    # A person's own seats in every tenant: each tenant's admins see what its members do.
    return list(Membership.objects.unscoped().filter(user=user).only("tenant_id", "role"))


def _audit_in_every_tenant(*, user: User, action: str, ip: str | None, details: dict[str, object]) -> None:
    for membership in _memberships(user):
        actor = Actor(tenant_id=membership.tenant_id, role=membership.role, user=user, ip=ip)
        audit_record(actor=actor, action=action, target=user, target_label=user.email, details=details)


def login_failed(*, email: str, ip: str | None) -> None:
    """Count a failed attempt; when the address belongs to someone, tell their workspaces."""
    _increment(_account_key(email))
    _increment(_ip_key(ip))
    user = User.objects.filter(email=email.strip().lower()).first()
    if user is not None:
        _audit_in_every_tenant(user=user, action="auth.login_failed", ip=ip, details={})


def _forgive_account_failures(user: User) -> None:
    with contextlib.suppress(RedisError):  # the failures then expire on their own
        cache.delete(_account_key(user.email))


def login_succeeded(*, user: User, ip: str | None, two_factor: bool) -> None:
    """Record the sign-in; the account's failures are forgiven (the address's are not)."""
    _forgive_account_failures(user)
    _audit_in_every_tenant(user=user, action="auth.login", ip=ip, details={"two_factor": two_factor})


def password_reset_completed(*, user: User, ip: str | None) -> None:
    """A new password set through the emailed link: whoever guessed at the old one is locked out
    no longer than its owner."""
    _forgive_account_failures(user)
    _audit_in_every_tenant(user=user, action="auth.password_reset", ip=ip, details={})


def logout_recorded(*, user: User, ip: str | None) -> None:
    _audit_in_every_tenant(user=user, action="auth.logout", ip=ip, details={})


def permission_denied_record(
    *, tenant_id: int, role: str, ip: str | None, method: str, path: str, user: User | None = None,
    api_key: ApiKey | None = None, code: str = "permission_denied",
) -> None:  # fmt: skip
    """A member or API key was refused something their role or scope doesn't allow."""
    actor = Actor(tenant_id=tenant_id, role=role, user=user, api_key=api_key, ip=ip)
    audit_record(actor=actor, action="permission.denied", details={"method": method, "path": path, "code": code})


def api_write_record(*, actor: Actor, method: str, path: str, status: int) -> None:
    """An API key changed something (or tried to, and was answered `status`)."""
    audit_record(actor=actor, action="api.write", details={"method": method, "path": path, "status": status})


# Two-factor sign-in (TOTP, RFC 6238).


def two_factor_device(user: User) -> TwoFactorDevice | None:
    return TwoFactorDevice.objects.filter(user=user).first()


def two_factor_enabled(user: User) -> bool:
    return TwoFactorDevice.objects.filter(user=user, confirmed_at__isnull=False).exists()


def two_factor_satisfied(membership: Membership) -> bool:
    """Whether the member may use the workspace as far as two-factor goes: it doesn't require
    it, or they have it on (and so signed in with it)."""
    return not membership.tenant.require_two_factor or two_factor_enabled(membership.user)


def two_factor_begin(*, user: User) -> TwoFactorDevice:
    """The person's device being set up: a new secret for their authenticator app, or the one
    already shown (so reloading the page keeps the same QR code)."""
    device = two_factor_device(user)
    if device is not None and device.is_confirmed:
        raise ServiceError(_("Two-factor sign-in is already on."), code="two_factor_enabled", http_status=409)
    if device is None:
        device = TwoFactorDevice.objects.create(user=user, secret=pyotp.random_base32())
    return device


def two_factor_provisioning_uri(device: TwoFactorDevice) -> str:
    """What the QR code holds: the otpauth:// address authenticator apps read."""
    return pyotp.TOTP(device.secret).provisioning_uri(name=device.user.email, issuer_name=TOTP_ISSUER)


def _matching_step(device: TwoFactorDevice, code: str, now: datetime) -> int | None:
    """The 30-second step whose code this is, within the allowed drift; None if none."""
    totp = pyotp.TOTP(device.secret)
    current = totp.timecode(now)
    for step in range(current - TOTP_VALID_WINDOW, current + TOTP_VALID_WINDOW + 1):
        if secrets.compare_digest(totp.generate_otp(step), code):
            return step
    return None


def _normalise(code: str) -> str:
    return "".join(code.split()).replace("-", "").lower()


def _new_recovery_codes(device: TwoFactorDevice) -> list[str]:
    codes = [f"{secrets.token_hex(4)}-{secrets.token_hex(4)}" for _n in range(RECOVERY_CODE_COUNT)]
    device.recovery_code_hashes = [token_hash(_normalise(c)) for c in codes]
    return codes


@transaction.atomic
def two_factor_confirm(*, user: User, code: str, ip: str | None, now: datetime) -> list[str]:
    """Turn two-factor sign-in on once the person's app gave a right code; returns the recovery
    codes, shown once."""
    device = two_factor_device(user)
    if device is None or device.is_confirmed:
        raise ServiceError(_("Start the set-up again."), code="two_factor_not_started", http_status=409)
    step = _matching_step(device, _normalise(code), now)
    if step is None:
        raise ServiceError(
            _("That code is not right. Enter the 6 digits your app shows now."), code="two_factor_code_invalid"
        )
    recovery_codes = _new_recovery_codes(device)
    device.confirmed_at = now
    device.last_used_step = step
    device.save(update_fields=["confirmed_at", "last_used_step", "recovery_code_hashes"])
    _audit_in_every_tenant(user=user, action="auth.two_factor_enabled", ip=ip, details={})
    return recovery_codes


@transaction.atomic
def two_factor_verify(*, user: User, code: str, now: datetime) -> bool:
    """Whether `code` is a current TOTP code not used before, or an unused recovery code
    (which is then used up)."""
    device = TwoFactorDevice.objects.select_for_update().filter(user=user, confirmed_at__isnull=False).first()
    if device is None:
        return False
    code = _normalise(code)
    step = _matching_step(device, code, now) if code.isdigit() else None
    if step is not None:
        if device.last_used_step is not None and step <= device.last_used_step:
            return False  # replayed
        device.last_used_step = step
        device.save(update_fields=["last_used_step"])
        return True
    hashed = token_hash(code)
    if hashed in device.recovery_code_hashes:
        device.recovery_code_hashes = [h for h in device.recovery_code_hashes if h != hashed]
        device.save(update_fields=["recovery_code_hashes"])
        return True
    return False


def _require_current_code(*, user: User, code: str, ip: str | None, now: datetime) -> None:
    login_check_allowed(email=user.email, ip=ip)
    if not two_factor_verify(user=user, code=code, now=now):
        login_failed(email=user.email, ip=ip)
        raise ServiceError(
            _("That code is not right. Enter the 6 digits your app shows now, or a recovery code."),
            code="two_factor_code_invalid",
        )


def two_factor_recovery_codes_renew(*, user: User, code: str, ip: str | None, now: datetime) -> list[str]:
    """Replace the person's recovery codes (the old ones stop working); needs a current code."""
    # Checked outside the transaction: a wrong code stays counted and recorded.
    _require_current_code(user=user, code=code, ip=ip, now=now)
    with transaction.atomic():
        device = TwoFactorDevice.objects.select_for_update().get(user=user)
        recovery_codes = _new_recovery_codes(device)
        device.save(update_fields=["recovery_code_hashes"])
        _audit_in_every_tenant(user=user, action="auth.recovery_codes_renewed", ip=ip, details={})
    return recovery_codes


def two_factor_disable(*, user: User, code: str, ip: str | None, now: datetime) -> None:
    """Turn two-factor sign-in off, with a current code, unless a workspace of theirs requires it."""
    memberships = Membership.objects.unscoped().filter(user=user).select_related("tenant")
    if any(m.tenant.require_two_factor for m in memberships):
        raise ServiceError(
            _("A workspace you belong to requires two-factor sign-in, so it stays on."),
            code="two_factor_required",
            http_status=409,
        )
    _require_current_code(user=user, code=code, ip=ip, now=now)
    with transaction.atomic():
        TwoFactorDevice.objects.filter(user=user).delete()
        _audit_in_every_tenant(user=user, action="auth.two_factor_disabled", ip=ip, details={})
