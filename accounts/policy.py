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


# What an API key may do, by scope: the role it acts with, and whether it may write at all.
_API_KEY_ROLE = {"read": "agent", "write": "agent", "admin": "admin"}
_SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def api_key_role(scope: str) -> str:
    """The role an API key acts with: an agent's for read and write keys, an admin's for admin keys."""
    return _API_KEY_ROLE[scope]


def api_key_allows_method(*, scope: str, method: str) -> bool:
    """Read keys may only read; write and admin keys may also change things."""
    return method.upper() in _SAFE_METHODS or scope != "read"


def login_locked(*, account_failures: int, ip_failures: int, account_limit: int, ip_limit: int) -> bool:
    """Whether a sign-in must be refused before the password is even checked: the account, or
    the address it comes from, has used up its failed attempts for the current hour."""
    return account_failures >= account_limit or ip_failures >= ip_limit


def session_expired(
    *, signed_in_at: float, last_seen_at: float, now: float, idle_seconds: int, max_seconds: int
) -> bool:
    """Whether a signed-in session is over (Unix seconds): idle too long, or too old whatever
    happened in between."""
    return now - last_seen_at >= idle_seconds or now - signed_in_at >= max_seconds
