"""Run several long-lived commands as one: `make run` (the web app and the scheduler) and `make run-prod`.

    python scripts/together.py "web: flask run --port 5000" "scheduler: flask harkop scheduler"

Each command runs in a process group of its own, with the same environment and terminal output.
Ctrl-C (SIGINT), SIGTERM or SIGHUP to this process is passed on once, as SIGINT, to every
command (the scheduler then gives its lease up, gunicorn and Flask's server stop); a command
still running after the grace period is killed. When one command ends by itself, the others are
stopped too and this process exits with the first one's code, so a failing scheduler is never
left unnoticed beside a server that looks fine. On Linux the commands also die with this
process if it is killed outright (PR_SET_PDEATHSIG).
"""

from __future__ import annotations

import os
import shlex
import signal
import subprocess
import sys
import time

GRACE_SECONDS = 10.0


def _die_with_parent() -> None:
    """In the child: ask Linux to SIGTERM it when the supervisor dies (no-op elsewhere)."""
    try:
        import ctypes

        libc = ctypes.CDLL("libc.so.6", use_errno=True)
        libc.prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG
    except OSError:
        pass


def parse(specs: list[str]) -> list[tuple[str, list[str]]]:
    """["name: command args", ...] -> [(name, argv), ...]."""
    commands = []
    for spec in specs:
        name, sep, command = spec.partition(":")
        if not sep or not command.strip():
            raise SystemExit(f"together: expected 'name: command', got {spec!r}")
        commands.append((name.strip(), shlex.split(command)))
    return commands


def main(argv: list[str]) -> int:
    """Start every command, wait until one ends or a signal comes, stop the rest; the exit code."""
    commands = parse(argv)
    if not commands:
        raise SystemExit(__doc__)
    stopping: list[int] = []

    def request_stop(signum, _frame) -> None:
        stopping.append(signum)

    for signum in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        signal.signal(signum, request_stop)

    children: list[tuple[str, subprocess.Popen]] = []
    for name, args in commands:
        print(f"together: starting {name}: {shlex.join(args)}", file=sys.stderr, flush=True)
        children.append((name, subprocess.Popen(args, start_new_session=True, preexec_fn=_die_with_parent)))

    exit_code = 0
    while not stopping:
        ended = [(name, child) for name, child in children if child.poll() is not None]
        if ended:
            name, child = ended[0]
            exit_code = child.returncode or 0
            print(f"together: {name} ended with {child.returncode}; stopping the others", file=sys.stderr)
            break
        time.sleep(0.2)

    for _name, child in children:
        if child.poll() is None:
            try:
                os.killpg(child.pid, signal.SIGINT)
            except ProcessLookupError:
                pass
    deadline = time.monotonic() + GRACE_SECONDS
    for name, child in children:
        try:
            child.wait(timeout=max(0.0, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            print(f"together: {name} did not stop in {GRACE_SECONDS:.0f} s; killing it", file=sys.stderr)
            try:
                os.killpg(child.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            child.wait()
    return exit_code


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
