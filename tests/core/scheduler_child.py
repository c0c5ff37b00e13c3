"""A scheduler process for tests/core/test_scheduler_lease.py (run as a subprocess).

One job, `tick`, fires every second and appends "<slot> <pid>" to a file, so the test can see
which process ran which firing; the lease lasts 3 s and is renewed every second.
Usage: python -m tests.core.scheduler_child DATABASE_URL LOG_FILE
"""

from __future__ import annotations

import os
import sys

from harkop import jobs
from harkop.scheduler import SchedulerProcess
from tests.conftest import make_app


def main(database_url: str, log_path: str) -> None:
    """Run a scheduler with the one tick job until SIGTERM."""
    app = make_app(database_url)

    def tick(*, now):
        with open(log_path, "a") as handle:
            handle.write(f"{jobs.current_slot.get()} {os.getpid()}\n")

    process = SchedulerProcess(
        app,
        lease_seconds=3,
        renew_seconds=1,
        jobs_table=[jobs.JobSpec("tick", tick, {"trigger": "interval", "seconds": 1})],
        import_every_seconds=3600,
    )
    print(process.holder, flush=True)
    process.run()


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
