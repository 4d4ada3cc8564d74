"""One stack for the fault suite's run (starting it takes seconds); each scenario leaves it running."""

from __future__ import annotations

import logging
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.reliability.harness import Stack


@pytest.fixture(scope="session")
def running_stack() -> Iterator[Stack]:
    # Not pytest's tmp_path: concurrent pytest runs prune each other's old base directories,
    # and this one holds a PostgreSQL cluster that must outlive them.
    root = Path(tempfile.mkdtemp(prefix="relay-reliability-"))
    # Every request the harness makes would be logged (and printed with a failure).
    logging.getLogger("httpx").setLevel(logging.WARNING)
    stack = Stack(root)
    try:
        stack.start()
        yield stack
    finally:
        stack.stop()
        shutil.rmtree(root, ignore_errors=True)


@pytest.fixture
def stack(running_stack: Stack) -> Iterator[Stack]:
    """The running stack; whatever a scenario killed is started again afterwards."""
    yield running_stack
    running_stack.ensure_running()
