"""The fault suite's report: runs tests/reliability and prints one row per scenario.

Each scenario breaks the real stack (processes killed, Redis or PostgreSQL restarted, Graph
API errors) and checks that nothing was lost; the harness appends a row per scenario to a
file this script then prints as a table: messages sent, stored, duplicates, lost, and the
time from the fault to every invariant holding again. Scenarios that measure (the burst after
an outage: drain rate against the normal ingest rate of the same run, agents' reply latency
meanwhile; one tenant's Graph errors: the other tenant's send latency) add their figures,
printed after the table.

    make test-reliability        # the full profile (Redis down 60 s, ...)
    RELIABILITY_PROFILE=short .venv/bin/python -m bench.reliability
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

from devstack.stack import PROJECT_DIR, services

COLUMNS = ("scenario", "sent", "stored", "duplicates", "reported", "lost", "recovered_seconds")
HEADERS = ("scenario", "sent", "stored", "duplicates", "reported dup.", "lost", "time to recover (s)")


def table(rows: list[dict[str, object]]) -> str:
    cells = [HEADERS, *([str(row[column]) for column in COLUMNS] for row in rows)]
    widths = [max(len(line[i]) for line in cells) for i in range(len(HEADERS))]
    lines = []
    for number, line in enumerate(cells):
        first = line[0].ljust(widths[0])
        rest = [value.rjust(width) for value, width in zip(line[1:], widths[1:], strict=True)]
        lines.append("  ".join([first, *rest]))
        if number == 0:
            lines.append("  ".join("-" * width for width in widths))
    return "\n".join(lines)


def main(pytest_args: list[str]) -> int:
    profile = os.environ.setdefault("RELIABILITY_PROFILE", "full")
    with tempfile.TemporaryDirectory(prefix="relay-reliability-") as scratch:
        report = Path(scratch) / "rows.jsonl"
        with services() as found:
            environ = dict(
                os.environ, DATABASE_URL=found.database_url, REDIS_URL=found.redis_url, RELIABILITY_REPORT=str(report)
            )
            command = [sys.executable, "-m", "pytest", "tests/reliability", *pytest_args]
            code = subprocess.call(command, env=environ, cwd=PROJECT_DIR)
        lines = [json.loads(line) for line in report.read_text().splitlines()] if report.exists() else []
    rows = [line for line in lines if "measurement" not in line]
    print(f"\nfault suite, {profile} profile: every row must show 0 lost and 0 (unreported) duplicates")
    print(table(rows))
    for line in lines:
        if "measurement" in line:
            figures = ", ".join(f"{key} {value}" for key, value in line.items() if key != "measurement")
            print(f"{line['measurement']}: {figures}")
    return code


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
