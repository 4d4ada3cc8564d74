"""Invitations, roles, API keys and the audit trail they leave."""

from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone

from accounts import selectors, services
from accounts.errors import ConflictError, PermissionDeniedError, ServiceError
from accounts.models import ApiKey, AuditLog, Invitation, Membership, Role, Tenant, User
from tests.accounts.factories import MembershipFactory, UserFactory


def actor_of(membership: Membership) -> services.Actor:
    return services.Actor(tenant_id=membership.tenant_id, role=membership.role, user=membership.user, ip="192.0.2.1")


def audit_actions(tenant: Tenant) -> list[str]:
    return list(AuditLog.objects.for_tenant(tenant).order_by("id").values_list("action", flat=True))


def test_sign_up_creates_user_tenant_and_owner_membership(db):
    tenant = services.user_sign_up(
        email="Founder@Example.com", name="Fay", password="a long password", company_name="Fay's Bikes"
    )
    user = User.objects.get(email="founder@example.com")
    assert tenant.slug == "fays-bikes"
    assert selectors.membership_of(tenant=tenant, user=user).role == Role.OWNER
    assert audit_actions(tenant) == ["tenant.created"]


def test_sign_up_with_a_taken_email_changes_nothing(world):
    tenants_before = Tenant.objects.count()
    with pytest.raises(ConflictError) as raised:
        services.user_sign_up(
            email=world.agent.user.email.upper(), name="X", password="a long password", company_name="Other"
        )
    assert raised.value.code == "email_taken"
    assert Tenant.objects.count() == tenants_before


def test_slugs_are_made_unique(db):
    owner = UserFactory.create()
    first = services.tenant_create(name="Blue Bottle", owner=owner)
    second = services.tenant_create(name="Blue Bottle", owner=owner)
    assert (first.slug, second.slug) == ("blue-bottle", "blue-bottle-2")


def test_invitation_sends_a_link_and_records_it(world, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        invitation, token = services.invitation_create(
            tenant=world.tenant, actor=actor_of(world.admin), email="New@Example.com", role=Role.AGENT
        )
    assert invitation.email == "new@example.com"
    assert invitation.token_hash != token
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["new@example.com"]
    assert f"/invitations/{token}/" in mail.outbox[0].body
    assert audit_actions(world.tenant)[-1] == "invitation.created"


def test_accepting_an_invitation_makes_a_member_with_the_role(world):
    invitation, _token = services.invitation_create(
        tenant=world.tenant, actor=actor_of(world.admin), email="new@example.com", role=Role.ADMIN
    )
    user = UserFactory.create(email="new@example.com")
    membership = services.invitation_accept(invitation=invitation, user=user)
    assert (membership.tenant_id, membership.role) == (world.tenant.pk, Role.ADMIN)
    invitation.refresh_from_db()
    assert invitation.accepted_by == user


def test_an_invitation_cannot_be_used_twice(world):
    invitation, _token = services.invitation_create(
        tenant=world.tenant, actor=actor_of(world.admin), email="new@example.com", role=Role.AGENT
    )
    user = UserFactory.create(email="new@example.com")
    services.invitation_accept(invitation=invitation, user=user)
    with pytest.raises(ConflictError) as raised:
        services.invitation_accept(invitation=invitation, user=user)
    assert raised.value.code == "invitation_used"
    assert Membership.objects.for_tenant(world.tenant).filter(user=user).count() == 1


def test_an_expired_invitation_is_refused(world):
    invitation, _token = services.invitation_create(
        tenant=world.tenant, actor=actor_of(world.admin), email="late@example.com", role=Role.AGENT
    )
    Invitation.objects.for_tenant(world.tenant).filter(pk=invitation.pk).update(
        expires_at=timezone.now() - timedelta(seconds=1)
    )
    with pytest.raises(ConflictError) as raised:
        services.invitation_accept(invitation=invitation, user=UserFactory.create(email="late@example.com"))
    assert raised.value.code == "invitation_expired"
    assert not Membership.objects.for_tenant(world.tenant).filter(user__email="late@example.com").exists()


def test_an_invitation_is_for_its_address_only(world):
    invitation, _token = services.invitation_create(
        tenant=world.tenant, actor=actor_of(world.admin), email="invited@example.com", role=Role.AGENT
    )
    with pytest.raises(PermissionDeniedError) as raised:
        services.invitation_accept(invitation=invitation, user=UserFactory.create(email="someone-else@example.com"))
    assert raised.value.code == "invitation_email_mismatch"


def test_an_invitation_joins_its_own_tenant_only(world, other_tenant):
    invitation, _token = services.invitation_create(
        tenant=world.tenant, actor=actor_of(world.admin), email="new@example.com", role=Role.AGENT
    )
    user = UserFactory.create(email="new@example.com")
    services.invitation_accept(invitation=invitation, user=user)
    assert list(selectors.memberships_of_user(user).values_list("tenant_id", flat=True)) == [world.tenant.pk]


def test_reinviting_replaces_the_open_invitation(world):
    first, first_token = services.invitation_create(
        tenant=world.tenant, actor=actor_of(world.admin), email="new@example.com", role=Role.AGENT
    )
    second, _second_token = services.invitation_create(
        tenant=world.tenant, actor=actor_of(world.admin), email="new@example.com", role=Role.ADMIN
    )
    first.refresh_from_db()
    assert first.revoked_at is not None
    assert selectors.invitation_by_token(first_token).revoked_at is not None
    assert list(selectors.invitations_open(tenant=world.tenant, now=timezone.now())) == [second]


def test_inviting_a_member_again_is_refused(world):
    with pytest.raises(ConflictError) as raised:
        services.invitation_create(
            tenant=world.tenant, actor=actor_of(world.admin), email=world.agent.user.email, role=Role.AGENT
        )
    assert raised.value.code == "already_member"


@pytest.mark.parametrize(
    ("inviter", "role", "allowed"),
    [
        ("agent", Role.AGENT, False),
        ("admin", Role.AGENT, True),
        ("admin", Role.ADMIN, True),
        ("admin", Role.OWNER, False),
        ("owner", Role.OWNER, True),
    ],
)
def test_who_may_invite_whom(world, inviter, role, allowed):
    actor = actor_of(getattr(world, inviter))
    if allowed:
        services.invitation_create(tenant=world.tenant, actor=actor, email="x@example.com", role=role)
    else:
        with pytest.raises(PermissionDeniedError):
            services.invitation_create(tenant=world.tenant, actor=actor, email="x@example.com", role=role)
        assert not Invitation.objects.for_tenant(world.tenant).exists()


def test_revoked_invitation_cannot_be_accepted(world):
    invitation, _token = services.invitation_create(
        tenant=world.tenant, actor=actor_of(world.admin), email="new@example.com", role=Role.AGENT
    )
    services.invitation_revoke(invitation=invitation, actor=actor_of(world.admin))
    with pytest.raises(ConflictError) as raised:
        services.invitation_accept(invitation=invitation, user=UserFactory.create(email="new@example.com"))
    assert raised.value.code == "invitation_revoked"


def test_role_change_is_audited_with_before_and_after(world):
    services.membership_change_role(membership=world.agent, actor=actor_of(world.admin), role=Role.ADMIN)
    entry = AuditLog.objects.for_tenant(world.tenant).latest("id")
    assert (entry.action, entry.details, entry.ip) == (
        "membership.role_changed",
        {"from": "agent", "to": "admin"},
        "192.0.2.1",
    )
    assert entry.actor == world.admin.user


def test_admin_cannot_change_an_owner(world):
    with pytest.raises(PermissionDeniedError):
        services.membership_change_role(membership=world.owner, actor=actor_of(world.admin), role=Role.AGENT)
    world.owner.refresh_from_db()
    assert world.owner.role == Role.OWNER


def test_the_last_owner_cannot_leave(world):
    with pytest.raises(ConflictError) as raised:
        services.membership_change_role(membership=world.owner, actor=actor_of(world.owner), role=Role.ADMIN)
    assert raised.value.code == "last_owner"
    with pytest.raises(ConflictError):
        services.membership_remove(membership=world.owner, actor=actor_of(world.owner))


def test_a_second_owner_can_demote_the_first(world):
    second = MembershipFactory.create(tenant=world.tenant, role=Role.OWNER)
    services.membership_change_role(membership=world.owner, actor=actor_of(second), role=Role.ADMIN)
    world.owner.refresh_from_db()
    assert world.owner.role == Role.ADMIN


def test_unknown_role_is_refused(world):
    with pytest.raises(ServiceError) as raised:
        services.membership_change_role(membership=world.agent, actor=actor_of(world.owner), role="boss")
    assert raised.value.code == "invalid_role"


def test_api_key_secret_is_returned_once_and_stored_hashed(world):
    api_key, secret = services.api_key_create(tenant=world.tenant, actor=actor_of(world.admin), name="CRM")
    assert secret.startswith("wai_")
    assert secret not in {api_key.key_hash, api_key.prefix}
    assert selectors.api_key_by_secret(secret) == api_key


def test_revoked_key_no_longer_authenticates(world):
    api_key, secret = services.api_key_create(tenant=world.tenant, actor=actor_of(world.admin), name="CRM")
    services.api_key_revoke(api_key=api_key, actor=actor_of(world.admin))
    assert selectors.api_key_by_secret(secret) is None
    assert audit_actions(world.tenant)[-2:] == ["api_key.created", "api_key.revoked"]


def test_agents_cannot_create_keys(world):
    with pytest.raises(PermissionDeniedError):
        services.api_key_create(tenant=world.tenant, actor=actor_of(world.agent), name="CRM")
    assert not ApiKey.objects.for_tenant(world.tenant).exists()


def test_key_use_is_recorded_at_most_once_a_minute(world, django_assert_num_queries):
    api_key, _secret = services.api_key_create(tenant=world.tenant, actor=actor_of(world.admin), name="CRM")
    now = timezone.now()
    with django_assert_num_queries(1):
        services.api_key_touch(api_key=api_key, now=now)
    with django_assert_num_queries(0):
        services.api_key_touch(api_key=api_key, now=now + timedelta(seconds=59))
    with django_assert_num_queries(1):
        services.api_key_touch(api_key=api_key, now=now + timedelta(seconds=61))


def test_settings_change_is_audited_with_what_changed(world):
    services.tenant_update(
        tenant=world.tenant,
        actor=actor_of(world.admin),
        name="Acme Roasters",
        data_region="eu",
        message_retention_days=90,
    )
    entry = AuditLog.objects.for_tenant(world.tenant).latest("id")
    assert entry.action == "tenant.settings_changed"
    assert entry.details["changes"] == {"name": ["Acme Coffee", "Acme Roasters"], "message_retention_days": [None, 90]}


def test_stale_invitations_are_purged(world):
    invitation, _token = services.invitation_create(
        tenant=world.tenant, actor=actor_of(world.admin), email="old@example.com", role=Role.AGENT
    )
    assert services.invitations_purge_stale(now=timezone.now()) == 0
    assert services.invitations_purge_stale(now=invitation.expires_at + timedelta(days=31)) == 1
