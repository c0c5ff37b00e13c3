"""The framework floor: `/readyz` under gunicorn with concurrent keep-alive clients.

`/readyz` is the cheapest route that reaches the database (a one-row `SELECT` through the whole Flask stack: security
headers, session, login loader, babel). HTTP benchmarks (check-in, public results) compare their
throughput with it via `benchmarks.common.compare_with_floor`; this section gives the floor on
its own at a few concurrency levels, and doubles as the load generator's self-check.

Database: a fresh SQLite file built by the migrations, or `HARKOP_BENCH_DATABASE_URL` if set.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from benchmarks.common import (
    GunicornServer,
    LoadSpec,
    load_average,
    load_table,
    mib,
    migrate_database,
    run_load,
)

WORKERS = 2
THREADS = 4
CLIENTS = (1, 8, 32)
DURATION = 5.0
WARMUP = 100


def run() -> str:
    """Start gunicorn, measure /readyz at each concurrency, return the markdown section."""
    with tempfile.TemporaryDirectory(prefix="bench-floor-") as tmp:
        url = os.environ.get("HARKOP_BENCH_DATABASE_URL") or f"sqlite:///{Path(tmp) / 'floor.db'}"
        backend = url.split(":", 1)[0]
        migrate_database(url)
        load_before = load_average()
        with GunicornServer(database_url=url, workers=WORKERS, threads=THREADS) as server:
            results = [
                run_load(
                    server.port,
                    LoadSpec(
                        path="/readyz",
                        clients=n,
                        duration=DURATION,
                        warmup_requests=WARMUP,
                        label=f"/readyz ×{n}",
                    ),
                )
                for n in CLIENTS
            ]
            memory = server.memory()
            shape = server.describe()
        load_after = load_average()
    return "\n".join(
        [
            "## HTTP floor: /readyz under gunicorn",
            "",
            f"{shape} on 127.0.0.1, database {backend}. The load generator is a second process "
            f"(Python threads, one keep-alive `http.client` connection each); {DURATION:.0f} s per "
            f"run after {WARMUP} warm-up requests. `/readyz` (a one-row `SELECT` through the full stack) is "
            "the floor that HTTP benchmarks compare against; no route was added for benchmarking. "
            "Client and server share the machine's cores: the client CPU column shows what the "
            "load generator itself used.",
            "",
            load_table(results),
            "",
            f"Server memory after the runs (master + {memory['processes'] - 1} workers): RSS "
            f"{mib(memory['rss'])}, peak {mib(memory['peak'])}. Load average before/after: "
            f"{load_before[0]:.2f} / {load_after[0]:.2f}.",
        ]
    )
