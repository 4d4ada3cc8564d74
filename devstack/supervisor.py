"""Run several processes in the foreground as one: prefixed output, and all stop together."""

from __future__ import annotations

import ctypes
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

STOP_TIMEOUT_SECONDS = 15
_PR_SET_PDEATHSIG = 1


def _die_with_parent() -> None:
    """If the supervisor is killed outright, its children get SIGTERM instead of living on (Linux)."""
    try:
        libc = ctypes.CDLL("libc.so.6", use_errno=True)
        libc.prctl(_PR_SET_PDEATHSIG, signal.SIGTERM)
    except OSError:
        pass


@dataclass(frozen=True)
class ProcessSpec:
    name: str
    command: Sequence[str]


class Supervisor:
    def __init__(self, environ: Mapping[str, str]) -> None:
        self.environ = dict(environ)
        self.processes: dict[str, subprocess.Popen[bytes]] = {}
        self._print_lock = threading.Lock()
        self.stopping = False

    def say(self, line: str) -> None:
        with self._print_lock:
            sys.stdout.write(line + "\n")
            sys.stdout.flush()

    def start(self, spec: ProcessSpec) -> None:
        process = subprocess.Popen(
            list(spec.command),
            env=self.environ,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            # Own session: Ctrl-C reaches only us, and we stop the children in order.
            start_new_session=True,
            preexec_fn=_die_with_parent if sys.platform.startswith("linux") else None,  # noqa: PLW1509
        )
        self.processes[spec.name] = process
        threading.Thread(target=self._relay, args=(spec.name, process), daemon=True).start()

    def _relay(self, name: str, process: subprocess.Popen[bytes]) -> None:
        assert process.stdout is not None
        for raw in process.stdout:
            self.say(f"{name:>6} | {raw.decode(errors='replace').rstrip()}")

    def exited(self) -> tuple[str, int] | None:
        for name, process in self.processes.items():
            code = process.poll()
            if code is not None:
                return name, code
        return None

    def stop_all(self) -> None:
        self.stopping = True
        for process in self.processes.values():
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
        deadline = time.monotonic() + STOP_TIMEOUT_SECONDS
        for process in self.processes.values():
            remaining = max(0.0, deadline - time.monotonic())
            try:
                process.wait(timeout=remaining)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()
