"""`make run` is one command for two processes: scripts/together.py starts and stops them together."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from tests.liveserver import ROOT

SCRIPT = ROOT / "scripts" / "together.py"
# A child that writes its pid, then waits; on SIGINT it writes "stopped" and exits 0.
CHILD = (
    "import os, signal, sys, time, pathlib\n"
    "out = pathlib.Path(sys.argv[1])\n"
    "out.write_text(str(os.getpid()))\n"
    "def stop(*_):\n"
    "    out.write_text('stopped')\n"
    "    sys.exit(0)\n"
    "signal.signal(signal.SIGINT, stop)\n"
    "time.sleep(float(sys.argv[2]))\n"
    "sys.exit(int(sys.argv[3]))\n"
)


def _start(tmp_path: Path, *children: tuple[str, float, int]) -> subprocess.Popen:
    probe = tmp_path / "child.py"
    probe.write_text(CHILD)
    specs = [
        f"{name}: {sys.executable} {probe} {tmp_path / name} {wait} {code}" for name, wait, code in children
    ]
    return subprocess.Popen([sys.executable, str(SCRIPT), *specs], stderr=subprocess.PIPE, text=True)


def _wait_for_pids(tmp_path: Path, *names: str) -> list[int]:
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        texts = [(tmp_path / n).read_text() if (tmp_path / n).exists() else "" for n in names]
        if all(t.isdigit() for t in texts):
            return [int(t) for t in texts]
        time.sleep(0.05)
    raise AssertionError(f"children did not start: {names}")


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # a zombie still answers kill(0); its state in /proc says it is gone
    stat = Path(f"/proc/{pid}/stat")
    return stat.exists() and stat.read_text().split()[2] != "Z"


def test_ctrl_c_stops_both_processes(tmp_path):
    """SIGINT to the supervisor reaches the web app and the scheduler once each; all three exit."""
    supervisor = _start(tmp_path, ("web", 60, 0), ("scheduler", 60, 0))
    pids = _wait_for_pids(tmp_path, "web", "scheduler")
    supervisor.send_signal(signal.SIGINT)
    assert supervisor.wait(timeout=20) == 0
    assert (tmp_path / "web").read_text() == "stopped"
    assert (tmp_path / "scheduler").read_text() == "stopped"
    assert not any(_alive(pid) for pid in pids)


def test_one_process_failing_stops_the_other(tmp_path):
    """When the scheduler dies, the web app is stopped too and the exit code is the scheduler's."""
    supervisor = _start(tmp_path, ("web", 60, 0), ("scheduler", 0.5, 3))
    (web_pid,) = _wait_for_pids(tmp_path, "web")
    assert supervisor.wait(timeout=30) == 3
    assert "scheduler ended with 3" in supervisor.stderr.read()
    assert (tmp_path / "web").read_text() == "stopped"
    assert not _alive(web_pid)
