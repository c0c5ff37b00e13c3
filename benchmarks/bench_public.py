"""The public pages under event-day load, beside `/healthz` (issue 20, item 10).

The demo (587 cooperatives, the 2024 event with its rundown, entries and check-ins) plus a
published 500-entry competition (`bench_judging.build`), under gunicorn. Each page is loaded by 20
concurrent keep-alive clients, each request a new anonymous visitor (no cookie), in `ROUNDS`
rounds that alternate `/healthz` and the page at the same concurrency; the ratio is page ÷
`/healthz` throughput per round, and the median round's is reported (target ≥ 0.5): on a shared
2-core machine the floor alone moved by a factor of two between runs a minute apart, and
alternating short rounds keeps one burst of outside load from deciding a page's figure. A
second run per page sends the ETag of its first answer in `If-None-Match` (a browser coming back):
the answer is 304 without a body. Clients send `Accept-Encoding: gzip, deflate` as browsers do;
the 500-entry results page is also loaded without it.

Database: a fresh SQLite file built by the migrations, or `HARKOP_BENCH_DATABASE_URL` if set.
"""

from __future__ import annotations

import os
import statistics
import tempfile
import time
import urllib.request
from datetime import datetime
from pathlib import Path

from benchmarks.common import (
    GunicornServer,
    LoadResult,
    LoadSpec,
    compare_with_floor,
    load_average,
    load_table,
    md_table,
    migrate_database,
)

CLIENTS = 20
DURATION = 2.0  # seconds per round
ROUNDS = 3
WARMUP = 100
TARGET_RATIO = 0.5
FLOOR = "/healthz"
BROWSER = {"Accept-Encoding": "gzip, deflate"}  # what every browser sends


def _seed(url: str) -> str:
    """Seed the demo and a published 500-entry competition; return the 500-entry results path."""
    from benchmarks.bench_judging import NOW, build
    from harkop import create_app
    from harkop.config import normalise_database_url

    app = create_app({"SQLALCHEMY_DATABASE_URI": normalise_database_url(url), "SECRET_KEY": "benchmark-only"})
    with app.app_context():
        from harkop.demo import seed_demo
        from harkop.extensions import db

        seed_demo()
        db.session.commit()
    comp_id = build(app, slug="besar", entries=500, judges=5, criteria=4, seed=1)
    with app.app_context():
        from harkop.competitions.models import Competition
        from harkop.extensions import db
        from harkop.judging import services

        comp = db.session.get(Competition, comp_id)
        services.finalise_results(comp, by="bench", now=NOW)
        services.publish_results(comp, by="bench", now=NOW)
        db.session.commit()
        path = f"/hasil/{comp.event.slug}/{comp.slug}"
        db.session.remove()
        db.engine.dispose()
    return path


def _rounds(port: int, spec: LoadSpec) -> tuple[list[LoadResult], float, list[float]]:
    """`ROUNDS` alternating runs of the floor and `spec`: every run, the median ratio, each ratio."""
    runs, ratios = [], []
    for _ in range(ROUNDS):
        floor, page, ratio = compare_with_floor(port, spec, floor_path=FLOOR)
        runs += [floor, page]
        ratios.append(ratio)
    return runs, statistics.median(ratios), ratios


def _etag(port: int, path: str) -> str | None:
    with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=30) as response:
        return response.headers.get("ETag")


def run() -> str:
    """Seed, start gunicorn, load each public page beside /healthz, return the markdown section."""
    from harkop.demo import DEMO_COOP_NIK

    with tempfile.TemporaryDirectory(prefix="bench-public-") as tmp:
        url = os.environ.get("HARKOP_BENCH_DATABASE_URL") or f"sqlite:///{Path(tmp) / 'public.db'}"
        backend = url.split(":", 1)[0]
        migrate_database(url)
        results_path = _seed(url)
        pages = [
            ("home /", "/", BROWSER),
            ("/jadwal", "/jadwal", BROWSER),
            ("results, 500 entries", results_path, BROWSER),
            ("results, 500 entries, no gzip", results_path, {}),
            ("cooperative profile", f"/koperasi/{DEMO_COOP_NIK}", BROWSER),
            ("/statistik", "/statistik", BROWSER),
        ]
        load_before = load_average()
        rows, loads, revalidated = [], [], []
        with GunicornServer(database_url=url, workers=2, threads=4) as server:
            for label, path, headers in pages:
                spec = LoadSpec(
                    path=path,
                    headers=dict(headers),
                    clients=CLIENTS,
                    duration=DURATION,
                    warmup_requests=WARMUP,
                    label=label,
                )
                runs, ratio, ratios = _rounds(server.port, spec)
                loads += runs
                if path == "/jadwal":
                    # Its page follows the event clock by the minute ("now" and "next"), so its ETag
                    # changes at a minute's turn: start the revalidation run just after one.
                    time.sleep(60.5 - datetime.now().second - datetime.now().microsecond / 1e6)
                etag = _etag(server.port, path)
                again = None
                if etag:
                    again = _rounds(
                        server.port,
                        LoadSpec(
                            path=path,
                            headers={**headers, "If-None-Match": etag},
                            clients=CLIENTS,
                            duration=DURATION,
                            warmup_requests=WARMUP,
                            expect_status=[304],
                            label=f"{label}, If-None-Match",
                        ),
                    )
                    revalidated += again[0]
                rows.append(
                    [
                        label,
                        f"{statistics.median(r.throughput_rps for r in runs[0::2]):.0f}",
                        f"{statistics.median(r.throughput_rps for r in runs[1::2]):.0f}",
                        f"{ratio:.2f}",
                        " / ".join(f"{r:.2f}" for r in ratios),
                        "yes" if ratio >= TARGET_RATIO else "**no**",
                        f"{again[1]:.2f}" if again else "no ETag",
                    ]
                )
            shape = server.describe()
        load_after = load_average()
    return "\n".join(
        [
            "## Public pages under event-day load (issue 20)",
            "",
            f"The demo plus a published 500-entry competition, {shape} on 127.0.0.1, database {backend}; "
            f"{CLIENTS} keep-alive clients, {DURATION:.0f} s per run after {WARMUP} warm-up requests, every "
            "request a new anonymous visitor sending `Accept-Encoding: gzip, deflate` as browsers do (one "
            f"row without it). Each page runs in {ROUNDS} rounds, each right after `{FLOOR}` at the same "
            f"concurrency; the ratio is the median round's (each round's beside it; req/s are medians); "
            f"target: page ≥ {TARGET_RATIO:.0%} of `{FLOOR}`. The last column is the same "
            "page asked again with its ETag (`If-None-Match`, answered 304), median of its rounds.",
            "",
            md_table(
                [
                    "page",
                    f"{FLOOR} req/s",
                    "page req/s",
                    "ratio",
                    "rounds",
                    "≥ 0.5",
                    "ratio with ETag (304)",
                ],
                rows,
            ),
            "",
            load_table(loads + revalidated),
            "",
            f"Load average before/after: {load_before[0]:.2f} / {load_after[0]:.2f}.",
        ]
    )
