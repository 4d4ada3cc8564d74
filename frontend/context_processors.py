"""What every page's frame needs: the current workspace, the person's other workspaces, their role."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from accounts import policy, selectors


def navigation(request: HttpRequest) -> dict[str, Any]:
    membership = getattr(request, "membership", None)
    if membership is None:
        return {}
    return {
        "current_tenant": membership.tenant,
        "current_membership": membership,
        "is_admin": policy.role_includes(membership.role, "admin"),
        # Evaluated lazily: only pages that show the switcher pay for the query.
        "my_memberships": selectors.memberships_of_user(membership.user),
    }
