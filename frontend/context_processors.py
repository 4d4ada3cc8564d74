"""What every page's frame needs: the current workspace, the person's other workspaces, their role."""

from __future__ import annotations

from functools import partial
from typing import Any

from django.http import HttpRequest

from accounts import policy, selectors
from inbox import selectors as inbox_selectors


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
        "unread_notifications": selectors.notifications_unread_count(tenant=membership.tenant, user=membership.user),
        # Called (one query) only by the templates that show the availability control.
        "my_availability": partial(
            inbox_selectors.agent_availability, tenant=membership.tenant, user_id=membership.user_id
        ),
    }
