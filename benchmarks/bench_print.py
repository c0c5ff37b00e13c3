"""Bulk PDFs through the background queue: 500 tickets of one competition, A6 and A4 (issue 20).

`python -m benchmarks.bench_print` (alone) or `python -m benchmarks.run print`.

On SQLite (a file database built by the migrations), one process:
1. build a competition of TICKETS / 2 confirmed teams of two (500 valid tickets by default), each team of its own
   cooperative, with the tests' factories;
2. for each layout (`a6`: one card per A6 page; `a4`: four to a sheet), queue the print job as the
   office's "Buat PDF" button does (`print_jobs.enqueue_print`), then claim it and run it as the
   scheduler does (`import_jobs.claim_next` + `run_import_job`): load the tickets, draw every card,
   write the PDF and its progress file. Timed end to end, REPEAT times after one warm-up run;
   the SQL statements of one run are counted (constant: the cards' data is loaded with the tickets);
3. time loading the 500 tickets alone (`printable_tickets` + `ticket_view` for each), to show the
   queries are a small part of the cost: drawing (QR images, fpdf2) dominates.
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
from typing import Any

from benchmarks.common import ROOT, machine_line, md_table, migrate_database, ms, summarize, time_repeated

TICKETS = int(os.environ.get("HARKOP_BENCH_PRINT_TICKETS", "500"))
REPEAT = int(os.environ.get("HARKOP_BENCH_PRINT_REPEAT", "3"))
FAKE_NOW = "2024-07-26T09:00:00+08:00"


def _build(db) -> int:
    """A competition with TICKETS valid tickets (teams of two, one cooperative each)."""
    from harkop.cooperatives.models import Cooperative
    from tests.competitions.factories import make_competition, make_entry

    comp = make_competition(name="Lomba Cerdas Cermat Koperasi", capacity=TICKETS)
    teams = TICKETS // 2
    db.session.execute(
        Cooperative.__table__.insert(),
        [
            {
                "nik": f"64{i:014d}",
                "name": f"Koperasi Serba Usaha Cetak {i:04d}",
                "status": "aktif",
                "rat_terlambat": False,
                "rat_missed_in_a_row": 0,
            }
            for i in range(teams)
        ],
    )
    coop_ids = db.session.scalars(db.select(Cooperative.id).order_by(Cooperative.id)).all()
    for n, coop_id in enumerate(coop_ids[:teams], start=1):
        make_entry(comp, coop_id, n=2, team=f"Tim Cermat {n:03d}")
    db.session.commit()
    return comp.id


def _run(database_url: str, uploads: str) -> dict[str, Any]:
    sys.path.insert(0, str(ROOT))
    migrate_database(database_url)
    from tests.conftest import make_app

    app = make_app(database_url, HARKOP_FAKE_NOW=FAKE_NOW, HARKOP_UPLOAD_DIR=uploads)
    from sqlalchemy import event

    from harkop.cooperatives import import_jobs
    from harkop.extensions import db
    from harkop.registrations import print_jobs, services, tickets

    out: dict[str, Any] = {"layouts": []}
    with app.app_context():
        started = time.perf_counter()
        comp_id = _build(db)
        out["built"] = time.perf_counter() - started
        cards = services.count_printable_tickets(competition_id=comp_id)
        out["cards"] = cards

        for layout in ("a6", "a4"):
            sizes: list[int] = []
            pages: list[int] = []

            def one_job(layout: str = layout, sizes: list[int] = sizes) -> None:
                print_jobs.enqueue_print(
                    print_jobs.TICKETS,
                    params={"competition_id": comp_id, "layout": layout},
                    cards=cards,
                    filename=f"tiket-{layout}.pdf",
                    by=None,
                )
                db.session.commit()
                claimed = import_jobs.claim_next("bench")
                done = import_jobs.run_import_job(claimed, holder="bench")
                if done.status != "done" or done.report["cards"] != cards:
                    raise RuntimeError(f"print job ended {done.status}: {done.error}")
                path = import_jobs.output_path(done)
                sizes.append(path.stat().st_size)
                path.unlink()
                db.session.expire_all()  # the next run loads everything again, as a new job would

            statements: list[str] = []

            def count(conn, cursor, statement, *args, statements: list[str] = statements):
                statements.append(statement)

            engine = db.engine
            event.listen(engine, "before_cursor_execute", count)
            try:
                one_job()
            finally:
                event.remove(engine, "before_cursor_execute", count)
            timings = time_repeated(one_job, repeat=REPEAT, warmup=0)
            pages.append(cards if layout == "a6" else -(-cards // 4))
            out["layouts"].append((layout, timings, len(statements), sizes[-1], pages[-1]))

        def load_only() -> None:
            db.session.expire_all()
            for ticket in services.printable_tickets(competition_id=comp_id):
                tickets.ticket_view(ticket)

        out["load"] = time_repeated(load_only, repeat=REPEAT * 3, warmup=1)
        db.session.remove()
        db.engine.dispose()
    return out


def run() -> str:
    """Run the print benchmark on SQLite; returns a markdown section."""
    sys.path.insert(0, str(ROOT))
    with tempfile.TemporaryDirectory(prefix="bench-print-") as tmp:
        result = _run(f"sqlite:///{tmp}/bench.db", f"{tmp}/uploads")
    cards = result["cards"]
    rows = []
    for layout, timings, statements, size, pages in result["layouts"]:
        wall, cpu = summarize(timings.wall), summarize(timings.cpu)
        rows.append(
            [
                f"{cards} tickets, {layout.upper()} ({pages} pages)",
                f"{wall['median']:.2f} s",
                f"{wall['max']:.2f} s",
                f"{cpu['median']:.2f} s",
                ms(cpu["median"] / cards),
                statements,
                f"{size / 1_048_576:.1f} MiB",
            ]
        )
    load_wall, load_cpu = summarize(result["load"].wall), summarize(result["load"].cpu)
    lines = [
        f"## Printing: {cards} tickets through the background queue",
        "",
        f"One competition of {cards // 2} confirmed teams of two on SQLite (a file, WAL), built with "
        f"the tests' factories in {result['built']:.1f} s. Each run queues the job as the office's \"Buat PDF\" "
        "button does and runs it as the scheduler does (claim, load the tickets, draw every card, "
        f"write the PDF and its progress file); {REPEAT} runs per layout. Statements are those of one "
        "whole run, queue bookkeeping included: the same for any number of tickets since the cards' "
        "data is loaded with them (benchmarks/bench_print.py).",
        "",
        md_table(
            [
                "job",
                "wall median",
                "wall max",
                "CPU median",
                "CPU per card",
                "SQL statements",
                "PDF size",
            ],
            rows,
        ),
        "",
        md_table(
            ["loading alone (printable_tickets + ticket_view)", "wall median", "wall p95", "CPU median"],
            [[f"{cards} tickets", ms(load_wall["median"]), ms(load_wall["p95"]), ms(load_cpu["median"])]],
        ),
        "",
        f"_Machine: {machine_line()}._",
    ]
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    print(run())
