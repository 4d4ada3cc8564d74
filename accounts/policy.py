"""Rules about roles: who includes whom, who may grant or change which role.

Roles are compared as their stored strings ("agent", "admin", "owner") so these rules
stay plain functions over plain values.
"""

_RANK = {"agent": 0, "admin": 1, "owner": 2}


def role_includes(role: str, required: str) -> bool:
    """Whether a member with `role` may do what `required` may (agent < admin < owner)."""
    return _RANK[role] >= _RANK[required]


def can_grant_role(*, actor_role: str, role: str) -> bool:
    """Admins invite and appoint agents and admins; only owners appoint owners."""
    return role_includes(actor_role, "admin") and role_includes(actor_role, role)


def can_manage_member(*, actor_role: str, member_role: str) -> bool:
    """Whether the actor may change the role of, or remove, a member who has `member_role`."""
    return can_grant_role(actor_role=actor_role, role=member_role)


def leaves_no_owner(*, owner_count: int, member_role: str, new_role: str | None) -> bool:
    """Whether changing a member's role (None: removing them) would leave the tenant ownerless."""
    return member_role == "owner" and new_role != "owner" and owner_count <= 1
