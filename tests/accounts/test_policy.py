"""The role rules, over every combination of roles."""

import itertools

import pytest

from accounts import policy

ROLES = ["agent", "admin", "owner"]


@pytest.mark.parametrize(
    ("role", "required", "expected"),
    [
        ("agent", "agent", True),
        ("agent", "admin", False),
        ("agent", "owner", False),
        ("admin", "agent", True),
        ("admin", "admin", True),
        ("admin", "owner", False),
        ("owner", "agent", True),
        ("owner", "admin", True),
        ("owner", "owner", True),
    ],
)
def test_role_includes_follows_agent_admin_owner(role, required, expected):
    assert policy.role_includes(role, required) is expected


@pytest.mark.parametrize(("actor_role", "role"), list(itertools.product(ROLES, ROLES)))
def test_only_admins_grant_and_never_above_themselves(actor_role, role):
    expected = actor_role != "agent" and ROLES.index(actor_role) >= ROLES.index(role)
    assert policy.can_grant_role(actor_role=actor_role, role=role) is expected


@pytest.mark.parametrize(("actor_role", "member_role"), list(itertools.product(ROLES, ROLES)))
def test_managing_a_member_needs_the_right_to_grant_their_role(actor_role, member_role):
    assert policy.can_manage_member(actor_role=actor_role, member_role=member_role) is policy.can_grant_role(
        actor_role=actor_role, role=member_role
    )


@pytest.mark.parametrize(
    ("owner_count", "member_role", "new_role", "expected"),
    [
        (1, "owner", "admin", True),
        (1, "owner", None, True),
        (1, "owner", "owner", False),
        (2, "owner", "agent", False),
        (2, "owner", None, False),
        (1, "admin", None, False),
        (1, "agent", "admin", False),
    ],
)
def test_the_last_owner_cannot_be_demoted_or_removed(owner_count, member_role, new_role, expected):
    assert policy.leaves_no_owner(owner_count=owner_count, member_role=member_role, new_role=new_role) is expected


def test_unknown_roles_are_rejected():
    with pytest.raises(KeyError):
        policy.role_includes("superuser", "agent")
