"""Judging at event scale: results from the database, and the public results page under load.

`python -m benchmarks.run judging`.

1. A competition with 500 entries, 10 judges scoring every entry, 8 criteria (5,000 submitted
   scorecards, 40,000 scores) in a fresh database built by the migrations. Timed through the
   services, as finalising runs it: `results.compute` reads the judged entries and the submitted
   cards from the database and calls `scoring.compute_results`; `results.snapshot_data` adds the
   names. Target (issue 6): ≤ 200 ms. Finalising itself (snapshot, 5,000 cards set final with
   their events, the state change) is timed once, and publishing once (500 achievements).
2. The public results page, which reads the published snapshot, under gunicorn with concurrent
   keep-alive clients, beside `/readyz` (the framework floor) through `compare_with_floor`:
   for a competition of event size (30 entries, 5 judges each) and for the 500-entry one.
   Target: ≥ 50% of the floor's throughput.

Database: a SQLite file, or `HARKOP_BENCH_DATABASE_URL` (e.g. a PostgreSQL URL with its own
`options=-csearch_path=...` schema) if set.
"""

from __future__ import annotations

import os
import random
import tempfile
import time
from datetime import UTC, date, datetime
from datetime import time as dtime
from pathlib import Path
from typing import Any

from benchmarks.common import (
    GunicornServer,
    LoadSpec,
    compare_with_floor,
    load_average,
    load_table,
    md_table,
    migrate_database,
    ms,
    summarize,
    time_repeated,
)

ENTRIES = 500
JUDGES = 10
CRITERIA = 8
SMALL_ENTRIES = 30
SMALL_JUDGES = 5
REPEAT = 15
WARMUP = 2
TARGET_SECONDS = 0.200
TARGET_RATIO = 0.5
CLIENTS = 8
DURATION = 5.0
SEED = 2024
NOW = datetime(2024, 7, 26, 6, 0, tzinfo=UTC)  # 14.00 WITA on the first event day


def _app(url: str):
    from harkop import create_app
    from harkop.config import normalise_database_url

    return create_app(
        {"SQLALCHEMY_DATABASE_URI": normalise_database_url(url), "SECRET_KEY": "benchmark-only"}
    )


def build(app, *, slug: str, entries: int, judges: int, criteria: int, seed: int) -> int:
    """A judged competition with every judge scoring every entry; returns its id. Bulk-inserted:
    what is timed is reading and computing, not writing the fixture."""
    from sqlalchemy import insert, select

    from harkop.auth.services import create_user
    from harkop.competitions import services as competitions
    from harkop.competitions.models import CompetitionState, Event
    from harkop.cooperatives.models import Cooperative
    from harkop.extensions import db
    from harkop.judging import services
    from harkop.judging.models import Assignment, AssignmentSource, CardState, Scorecard
    from harkop.registrations.models import Entry, EntryState

    rng = random.Random(seed)
    with app.app_context():
        event = db.session.scalar(select(Event).where(Event.slug == "bench"))
        if event is None:
            event = competitions.save_event(
                None,
                {
                    "name": "Benchmark",
                    "slug": "bench",
                    "starts_on": date(2024, 7, 26),
                    "ends_on": date(2024, 7, 28),
                },
                by="bench",
            )
        comp = competitions.save_competition(
            event,
            None,
            {
                "name": f"Lomba {slug}",
                "slug": slug,
                "days": [date(2024, 7, 26)],
                "starts_at": dtime(9, 0),
                "ends_at": dtime(12, 0),
                "capacity": entries,
                "judges_per_entry": judges,
            },
            by="bench",
        )
        maxima = [4, 5, 10, 10, 20, 25, 100, 10][:criteria]
        competitions.set_rubric(
            comp,
            [
                competitions.CriterionInput(name=f"Kriteria {i + 1}", weight=rng.randint(1, 5), max_score=m)
                for i, m in enumerate(maxima)
            ],
            by="bench",
        )
        crit_ids = [c.id for c in comp.criteria]
        base = 6470000000000000 + seed * 10000
        db.session.execute(
            insert(Cooperative),
            [{"nik": str(base + i), "name": f"Koperasi Bench {seed}-{i}"} for i in range(entries)],
        )
        coop_ids = db.session.scalars(
            select(Cooperative.id).where(Cooperative.nik.like(f"{str(base)[:12]}%")).order_by(Cooperative.id)
        ).all()
        db.session.execute(
            insert(Entry),
            [
                {
                    "competition_id": comp.id,
                    "cooperative_id": coop_id,
                    "team_name": f"Tim {i + 1}",
                    "state": EntryState.confirmed,
                    "decision": {},
                    "created_at": NOW,
                    "updated_at": NOW,
                }
                for i, coop_id in enumerate(coop_ids[:entries])
            ],
        )
        entry_ids = db.session.scalars(select(Entry.id).where(Entry.competition_id == comp.id)).all()
        panel = []
        for j in range(judges):
            user, _ = create_user(
                username=f"bench-{slug}-{j}", role="judge", password="rahasia123", by="bench"
            )
            services.add_judge(comp, user, head=j == 0, by="bench")
            panel.append(user.id)
        db.session.execute(
            insert(Assignment),
            [
                {
                    "competition_id": comp.id,
                    "entry_id": e,
                    "judge_id": j,
                    "source": AssignmentSource.auto,
                    "assigned_at": NOW,
                }
                for e in entry_ids
                for j in panel
            ],
        )
        quality = {e: rng.random() for e in entry_ids}
        harshness = {j: rng.uniform(-0.1, 0.1) for j in panel}
        cards = []
        for e in entry_ids:
            for j in panel:
                scores = {
                    str(c): round(min(1.0, max(0.0, quality[e] + harshness[j] + rng.gauss(0, 0.07))) * m)
                    for c, m in zip(crit_ids, maxima, strict=True)
                }
                cards.append(
                    {
                        "competition_id": comp.id,
                        "entry_id": e,
                        "judge_id": j,
                        "state": CardState.submitted,
                        "scores": scores,
                        "comment": "",
                        "revision": 2,
                        "created_at": NOW,
                        "updated_at": NOW,
                        "submitted_at": NOW,
                    }
                )
        db.session.execute(insert(Scorecard), cards)
        comp.state = CompetitionState.judging
        db.session.commit()
        return comp.id


def _timed_once(func) -> tuple[float, float]:
    c0, w0 = time.process_time(), time.perf_counter()
    func()
    return time.perf_counter() - w0, time.process_time() - c0


def measure_services(app, comp_id: int) -> dict[str, Any]:
    """Time results from the database (repeated), then finalise and publish once each (committed)."""
    from harkop.competitions.models import Competition
    from harkop.extensions import db
    from harkop.judging import results, services
    from harkop.judging.assignments import judged_entries

    out: dict[str, Any] = {}
    with app.app_context():
        comp = db.session.get(Competition, comp_id)

        def compute():
            db.session.expire_all()  # read the rows again each time, as a request would
            return results.compute(db.session.get(Competition, comp_id))

        out["compute"] = time_repeated(compute, repeat=REPEAT, warmup=WARMUP)
        computed = compute()
        entries = judged_entries(comp)
        out["snapshot"] = time_repeated(lambda: results.snapshot_data(comp, computed, entries), repeat=REPEAT)
        out["finalise"] = _timed_once(lambda: services.finalise_results(comp, by="bench", now=NOW))
        db.session.commit()
        out["publish"] = _timed_once(lambda: services.publish_results(comp, by="bench", now=NOW))
        db.session.commit()
        snapshot = results.published_snapshot(comp)
        out["url"] = f"/hasil/{comp.event.slug}/{comp.slug}"
        out["size_json"] = len(str(snapshot.data))
        out["discrepancies"] = sum(1 for r in snapshot.data["entries"] if r["discrepancy"])
        out["shared"] = sum(1 for r in snapshot.data["entries"] if r["rung"] == "tie")
    return out


def run() -> str:
    """Build the data, time the services, load the public pages, return the markdown section."""
    with tempfile.TemporaryDirectory(prefix="bench-judging-") as tmp:
        url = os.environ.get("HARKOP_BENCH_DATABASE_URL") or f"sqlite:///{Path(tmp) / 'judging.db'}"
        backend = url.split(":", 1)[0]
        migrate_database(url)
        app = _app(url)
        big = build(app, slug="besar", entries=ENTRIES, judges=JUDGES, criteria=CRITERIA, seed=1)
        small = build(app, slug="acara", entries=SMALL_ENTRIES, judges=SMALL_JUDGES, criteria=5, seed=2)
        load_before = load_average()
        big_m = measure_services(app, big)
        small_m = measure_services(app, small)
        with app.app_context():
            from harkop.extensions import db

            db.session.remove()
            db.engine.dispose()
        loads = []
        with GunicornServer(database_url=url, workers=2, threads=4) as server:
            reference = {"url": "/"}  # the home page: base template and nothing else, for comparison
            for label, m in (
                ("30 entries", small_m),
                ("500 entries", big_m),
                ("home page / (reference)", reference),
            ):
                floor, page, ratio = compare_with_floor(
                    server.port,
                    LoadSpec(
                        path=m["url"],
                        clients=CLIENTS,
                        duration=DURATION,
                        warmup_requests=50,
                        label=label if m is reference else f"results page, {label}",
                    ),
                )
                loads.append((label, floor, page, ratio))
            shape = server.describe()
        load_after = load_average()

    compute = summarize(big_m["compute"].wall), summarize(big_m["compute"].cpu)
    snap = summarize(big_m["snapshot"].wall), summarize(big_m["snapshot"].cpu)
    ok_compute = compute[1]["median"] <= TARGET_SECONDS
    service_rows = [
        [
            "results.compute (DB rows → scoring)",
            ms(compute[0]["median"]),
            ms(compute[0]["p95"]),
            ms(compute[1]["median"]),
            "yes" if compute[0]["median"] <= TARGET_SECONDS else "**no**",
            "yes" if ok_compute else "**no**",
        ],
        [
            "results.snapshot_data (names, labels)",
            ms(snap[0]["median"]),
            ms(snap[0]["p95"]),
            ms(snap[1]["median"]),
            "",
            "",
        ],
        [
            "finalise_results (once: snapshot, 5,000 cards final + events)",
            ms(big_m["finalise"][0]),
            "",
            ms(big_m["finalise"][1]),
            "",
            "",
        ],
        [
            "publish_results (once: 500 achievements, notifications)",
            ms(big_m["publish"][0]),
            "",
            ms(big_m["publish"][1]),
            "",
            "",
        ],
    ]
    http_rows = []
    tables = []
    for label, floor, page, ratio in loads:
        http_rows.append(
            [
                label,
                f"{floor.throughput_rps:.0f}",
                f"{page.throughput_rps:.0f}",
                f"{ratio:.1%}",
                "yes" if ratio >= TARGET_RATIO else "**no**",
            ]
        )
        tables.append(load_table([floor, page]))
    lines = [
        "## Judging: results from the database, and the public results page",
        "",
        f"Database {backend}, built by the migrations. {ENTRIES} entries × {JUDGES} judges (every judge "
        f"scores every entry) × {CRITERIA} criteria: {ENTRIES * JUDGES:,} submitted scorecards, "
        f"{ENTRIES * JUDGES * CRITERIA:,} scores. Timed in one process, {REPEAT} runs after {WARMUP} "
        "warm-up runs, reading the rows afresh each time (session expired). Target (issue 6): results "
        f"≤ {TARGET_SECONDS * 1000:.0f} ms.",
        "",
        md_table(
            ["step", "wall median", "wall p95", "CPU median", "wall ≤ 200 ms", "CPU ≤ 200 ms"], service_rows
        ),
        "",
        f"The 500-entry result: {big_m['discrepancies']} entries flagged as discrepancies (spread > 20 points), "
        f"{big_m['shared']} shared ranks; snapshot ≈ {big_m['size_json'] / 1024:.0f} KiB as JSON text.",
        "",
        f"Public results page (`/hasil/<event>/<competition>`, reads the published snapshot) under {shape}, "
        f"{CLIENTS} keep-alive clients, {DURATION:.0f} s each, right after `/readyz` with the same clients "
        f"(`compare_with_floor`). Target: ≥ {TARGET_RATIO:.0%} of the floor's throughput.",
        "",
        md_table(["page", "/readyz req/s", "page req/s", "ratio", "≥ 50%"], http_rows),
        "",
        *[t + "\n" for t in tables],
        f"Load average before/after: {load_before[0]:.2f} / {load_after[0]:.2f}.",
    ]
    return "\n".join(lines)
