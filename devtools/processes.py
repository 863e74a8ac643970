"""The demo's child processes, and how Ctrl-C stops them: each child runs in a process group of its
own, so the terminal's Ctrl-C reaches the demo alone, which stops them in turn (newest first, the
sandboxes last) and says so; and the demo takes the terminal's foreground from `make`, so make sees
a clean exit instead of printing "make: *** [demo] Interrupt" (GNU make does whenever it is
interrupted itself, whatever its child answers)."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path


@dataclass
class Child:
    name: str
    process: subprocess.Popen[bytes]


@dataclass
class Children:
    """The processes one run started, with their logs in ``log_dir`` (``demo-<name>.log``)."""

    log_dir: Path
    cwd: Path
    running: list[Child] = field(default_factory=list)

    def spawn(self, name: str, command: list[str], env: dict[str, str]) -> subprocess.Popen[bytes]:
        log = open(self.log_dir / f"demo-{name}.log", "ab")  # noqa: SIM115 - lives as long as the child
        process = subprocess.Popen(
            command, cwd=self.cwd, env=env, stdout=log, stderr=subprocess.STDOUT, process_group=0
        )
        self.running.append(Child(name, process))
        return process

    def stopped(self) -> Child | None:
        """One that ended by itself (the demo cannot go on without it), if any."""
        return next((c for c in self.running if c.process.poll() is not None), None)

    def stop_all(self, timeout: float = 10.0) -> list[str]:
        """Stop them newest first (SIGTERM, then SIGKILL after ``timeout``); the names stopped."""
        names = []
        for child in reversed(self.running):
            if child.process.poll() is None:
                child.process.terminate()
            try:
                child.process.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                child.process.kill()
                child.process.wait()
            names.append(child.name)
        self.running = []
        return names


@contextlib.contextmanager
def terminal_foreground() -> Iterator[None]:
    """Run in a process group of our own that holds the terminal, and give it back at the end.
    Without a terminal (a pipe, CI) nothing changes: there is no Ctrl-C to route."""
    try:
        fd = sys.stdin.fileno()
        before = os.tcgetpgrp(fd)
    except (OSError, ValueError, AttributeError):
        yield
        return
    if before != os.getpgrp():  # started in the background: leave the terminal alone
        yield
        return
    ttou = signal.signal(signal.SIGTTOU, signal.SIG_IGN)  # a background group may then set it
    moved = _take_terminal(fd, before)
    try:
        yield
    finally:
        if moved:
            with contextlib.suppress(OSError):
                os.tcsetpgrp(fd, before)
        signal.signal(signal.SIGTTOU, ttou)


def _take_terminal(fd: int, before: int) -> bool:
    """Become a group of our own holding the terminal; on any refusal stay in ``before``, where
    Ctrl-C still reaches us (a session leader, for one, cannot move)."""
    try:
        os.setpgid(0, 0)
    except OSError:
        return False
    try:
        os.tcsetpgrp(fd, os.getpgrp())
    except OSError:
        with contextlib.suppress(OSError):
            os.setpgid(0, before)
        return False
    return True
