"""Bulk PDFs in the background: a competition's tickets, its certificates, the staff badges (issue 20).

A card costs about 20 ms to draw, so 500 of them took half a minute inside the request, against
gunicorn's 60 s timeout and with a web worker tied up meanwhile. A document of more than
`HARKOP_PRINT_BACKGROUND_ITEMS` cards is therefore made by the scheduler, on the queue the
registry's large imports use (cooperatives/import_jobs.py: its table, lease, progress file and
page script). Each kind of document registers here what makes it (`register_print_kind`); the
queue then runs it like any other job and keeps the PDF at `output_path(job)`.

Why here, in registrations: tickets, certificates (judging) and badges (checkin) all share the
card drawing of `registrations.tickets`, and registrations is the lowest package the three may
import; cooperatives (lower still) owns the queue but knows nothing of events and cards. One
module, one page and one template serve the three kinds.

What to print is kept with the job: `report` holds `{"params": …, "cards": n}` while the job
waits (no new column for it), and the runner's report (`params`, `cards` drawn) once it is done.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import current_app
from sqlalchemy import select

from ..auth.models import User
from ..cooperatives.import_jobs import enqueue_job, output_path, register_runner
from ..cooperatives.models import ImportJob
from ..extensions import db

TICKETS = "print_tickets"
# What makes a kind's PDF: (params, by, on_card) -> the PDF's bytes; `on_card()` after each card.
Maker = Callable[[dict[str, Any], Any, Callable[[], None]], bytes]
PRINT_KINDS: dict[str, Maker] = {}


def register_print_kind(kind: str, make: Maker) -> None:
    """Let the queue make PDFs of `kind` with `make` (called once per app, at start-up)."""
    PRINT_KINDS[kind] = make
    register_runner(kind, run_print_job)


def background_limit() -> int:
    """The most cards a PDF drawn inside the request may have (HARKOP_PRINT_BACKGROUND_ITEMS)."""
    return int(current_app.config.get("HARKOP_PRINT_BACKGROUND_ITEMS", 60))


def runs_in_background(cards: int) -> bool:
    """Whether a PDF of this many cards is made by a background job rather than in the request."""
    return cards > background_limit()


def enqueue_print(kind: str, *, params: dict[str, Any], cards: int, filename: str, by: Any) -> ImportJob:
    """Queue the PDF of a registered kind (`params` say what to print); flushes, the caller commits."""
    if kind not in PRINT_KINDS:
        raise KeyError(kind)
    job = enqueue_job(kind, filename=filename, fmt="pdf", by=by)
    job.report = {"params": dict(params), "cards": int(cards)}
    db.session.flush()
    return job


def run_print_job(job: ImportJob, progress: Any) -> dict[str, Any]:
    """The queue's runner for every print kind: draw the PDF card by card (progress counts cards)
    and write it to the job's file; returns what was printed and how many cards."""
    wanted = dict(job.report or {})
    params = dict(wanted.get("params") or {})
    by = db.session.get(User, job.created_by_id) if job.created_by_id else None
    drawn = 0
    with progress("cards", int(wanted.get("cards") or 0)) as bar:

        def on_card() -> None:
            nonlocal drawn
            drawn += 1
            bar.update(1)

        pdf = PRINT_KINDS[job.kind](params, by, on_card)
    output_path(job).write_bytes(pdf)
    return {"params": params, "cards": drawn}


def recent_print_jobs(limit: int = 10) -> list[ImportJob]:
    """The latest print jobs of every kind, newest first."""
    return list(
        db.session.scalars(
            select(ImportJob)
            .where(ImportJob.kind.in_(list(PRINT_KINDS)))
            .order_by(ImportJob.id.desc())
            .limit(limit)
        )
    )


def make_tickets(params: dict[str, Any], _by: Any, on_card: Callable[[], None]) -> bytes:
    """A competition's valid tickets (params: competition_id, layout), as the office's link gives them."""
    from ..competitions.models import Competition
    from .services import printable_tickets
    from .tickets import tickets_pdf

    comp = db.session.get(Competition, int(params["competition_id"]))
    items = printable_tickets(competition_id=comp.id)
    return tickets_pdf(items, title=f"Tiket {comp.name}", layout=params.get("layout", "a6"), on_card=on_card)


def install_print_job() -> None:
    """Let the queue print a competition's tickets (called when the app starts)."""
    register_print_kind(TICKETS, make_tickets)
