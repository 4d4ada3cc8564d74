"""Limits an upper app (billing's plans) sets on what a tenant may add, checked by accounts'
services without accounts importing that app: the app registers its check when it starts."""

from __future__ import annotations

from collections.abc import Callable

# Raises a ServiceError (with a stable code) when the tenant can't take one more seat.
SeatCheck = Callable[[int], None]

_seat_checks: list[SeatCheck] = []


def register_seat_check(check: SeatCheck) -> None:
    if check not in _seat_checks:
        _seat_checks.append(check)


def check_seat_available(tenant_id: int) -> None:
    """Before a seat is taken (an invitation sent, a member added): every registered check passes."""
    for check in _seat_checks:
        check(tenant_id)
