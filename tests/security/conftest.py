"""Fixtures of the security tests."""

from __future__ import annotations

import itertools

import pytest

_addresses = itertools.count(1)


@pytest.fixture
def address() -> str:
    """A client address no other test used in this run: failed sign-ins are counted per address
    in Redis for an hour, so tests must not share one."""
    n = next(_addresses)
    return f"203.0.{n // 250}.{n % 250 + 1}"
