"""A scheduler process for tests/core/test_scheduler_lease.py (run as a subprocess).

One job, `tick`, fires every second and appends "<scheduled time> <slot> <pid>" to a file, so the
test can see which process ran which firing (the scheduled time is noted apart from the slot key,
so a slot rule that does not follow it would show); the lease lasts 4 s, renewed every
2 s (so a resumed leader fires its missed ticks before its renewal tells it it lost the lease).
Usage: python -m tests.core.scheduler_child DATABASE_URL LOG_FILE
"""

from __future__ import annotations

import os
import sys
import threading
from datetime import UTC

from harkop import jobs
from harkop.scheduler import SchedulerProcess
from tests.conftest import make_app


def main(database_url: str, log_path: str) -> None:
    """Run a scheduler with the one tick job until SIGTERM."""
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
        lease_seconds=4,
        renew_seconds=2,
        jobs_table=[jobs.JobSpec("tick", tick, {"trigger": "interval", "seconds": 1})],
        import_every_seconds=3600,
    )
    print(process.holder, flush=True)
    process.run()


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
