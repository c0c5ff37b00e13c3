"""A scheduler process for tests/core/test_scheduler_lease.py (run as a subprocess).

One job, `tick`, fires every second and appends "<scheduled time> <slot> <pid>" to a file, so the
test can see which process ran which firing (the scheduled time is noted apart from the slot key,
so a slot rule that does not follow it would show); the lease lasts 4 s unless a third argument
says otherwise, renewed every 2 s (so a resumed leader fires its missed ticks before its renewal
tells it it lost the lease).
With a fourth argument, `signal-while-submitting`, the process sends itself SIGTERM while its
main thread holds the job pool's lock as it submits the first firing after a tick has run (so
the process holds the lease).
Usage: python -m tests.core.scheduler_child DATABASE_URL LOG_FILE [LEASE_SECONDS [signal-while-submitting]]
"""

from __future__ import annotations

import os
import signal
import sys
import threading
import time
from datetime import UTC

from harkop import jobs
from harkop.scheduler import FireTimeExecutor, SchedulerProcess
from tests.conftest import make_app


def main(database_url: str, log_path: str, lease_seconds: int = 4, mode: str = "") -> None:
    """Run a scheduler with the one tick job until SIGTERM."""
    if mode == "signal-while-submitting":
        _signal_while_submitting(log_path)
    app = make_app(database_url)
    scheduled = threading.local()

    def tick(*, now):
        with open(log_path, "a") as handle:
            handle.write(f"{scheduled.at} {jobs.current_slot.get()} {os.getpid()}\n")

    class NotingProcess(SchedulerProcess):
        def _fire_scheduled(self, name, fire_time=None):
            scheduled.at = fire_time.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
            super()._fire_scheduled(name, fire_time)

    process = NotingProcess(
        app,
        lease_seconds=lease_seconds,
        renew_seconds=2,
        jobs_table=[jobs.JobSpec("tick", tick, {"trigger": "interval", "seconds": 1})],
        import_every_seconds=3600,
    )
    print(process.holder, flush=True)
    process.run()


def _signal_while_submitting(log_path: str) -> None:
    submit = FireTimeExecutor._do_submit_job

    def submit_with_signal(self, job, run_times):
        if not os.path.exists(log_path):
            return submit(self, job, run_times)
        with self._pool._shutdown_lock:  # as `ThreadPoolExecutor.submit` holds it
            os.kill(os.getpid(), signal.SIGTERM)
            time.sleep(0.5)  # the handler runs here, in this thread, with the lock held
        return submit(self, job, run_times)

    FireTimeExecutor._do_submit_job = submit_with_signal


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2], *(int(arg) for arg in sys.argv[3:4]), *sys.argv[4:5])
