"""Ctrl-C stops the demo cleanly: its children are stopped in turn, and `make` ends without an error
line (devtools/processes.py)."""

from __future__ import annotations

import os
import pty
import select
import sys
import time
from pathlib import Path

from devtools.processes import Children

ROOT = Path(__file__).resolve().parents[2]
SLEEPER = [sys.executable, "-c", "import time; time.sleep(60)"]
DEAF = [
    sys.executable,
    "-c",
    "import signal, time; signal.signal(signal.SIGTERM, signal.SIG_IGN); time.sleep(60)",
]
# What the demo does, in small: hold the terminal, run children, stop them on Ctrl-C.
RUNNER = """
import sys, time
sys.path.insert(0, {root!r})
from pathlib import Path
from devtools.processes import Children, terminal_foreground
children = Children(log_dir=Path({logs!r}), cwd=Path({logs!r}))
with terminal_foreground():
    try:
        children.spawn("sleeper", [sys.executable, "-c", "import time; time.sleep(60)"], {{}})
        print("running", flush=True)
        time.sleep(60)
    except KeyboardInterrupt:
        print("stopped:", *children.stop_all(), flush=True)
"""


def test_it_stops_every_child_newest_first_and_kills_one_that_does_not_listen(tmp_path: Path):
    children = Children(log_dir=tmp_path, cwd=tmp_path)
    first = children.spawn("sandboxes", SLEEPER, dict(os.environ))
    deaf = children.spawn("web", DEAF, dict(os.environ))
    time.sleep(0.5)  # the deaf one has set its handler
    assert os.getpgid(first.pid) == first.pid != os.getpgrp()  # a Ctrl-C at the terminal misses it

    assert children.stop_all(timeout=1) == ["web", "sandboxes"]
    assert first.poll() is not None and deaf.poll() is not None and children.running == []


def test_it_names_a_child_that_ended_by_itself(tmp_path: Path):
    children = Children(log_dir=tmp_path, cwd=tmp_path)
    children.spawn("workers", [sys.executable, "-c", "pass"], dict(os.environ))
    children.spawn("web", SLEEPER, dict(os.environ))
    deadline = time.monotonic() + 10
    while children.stopped() is None and time.monotonic() < deadline:
        time.sleep(0.05)

    gone = children.stopped()
    assert gone is not None and gone.name == "workers"
    children.stop_all()


def test_it_lets_make_end_without_an_error_line_on_ctrl_c(tmp_path: Path):
    (tmp_path / "runner.py").write_text(RUNNER.format(root=str(ROOT), logs=str(tmp_path)))
    (tmp_path / "Makefile").write_text(f"demo:\n\t{sys.executable} runner.py\n")
    pid, fd = pty.fork()
    if pid == 0:  # the terminal's session: make, as a person runs it
        os.chdir(tmp_path)
        os.execvp("make", ["make", "-s", "demo"])
    out = _read_until(fd, b"running")
    os.write(fd, b"\x03")  # Ctrl-C
    out += _read_until(fd, b"")
    _, status = os.waitpid(pid, 0)

    assert b"stopped: sleeper" in out
    assert b"Interrupt" not in out and b"make: ***" not in out
    assert os.waitstatus_to_exitcode(status) == 0


def _read_until(fd: int, marker: bytes, seconds: float = 20) -> bytes:
    """What the terminal shows until ``marker`` (b"": until the program ends)."""
    out, end = b"", time.monotonic() + seconds
    while time.monotonic() < end and not (marker and marker in out):
        ready, _, _ = select.select([fd], [], [], 0.1)
        if ready:
            try:
                chunk = os.read(fd, 4096)
            except OSError:
                break
            if not chunk:
                break
            out += chunk
    return out
