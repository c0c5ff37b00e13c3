"""Badges for the people who work the event (judges, gate staff, the committee) and their own check-in.

Each badge shows the event, the person's name and role and a QR of their staff pass (`HKS:<secret>`,
a random secret like a ticket's, never a database id). At the gate the pass is scanned or typed on
the staff check-in page (`/checkin/staf`), which admits it once per event day, so the committee
knows who of its own people came. Badges print like tickets: one A6 card per page, or four to an
A4 sheet to cut.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from flask_babel import lazy_gettext as _l
from fpdf import FPDF
from sqlalchemy import select
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from .. import clock
from ..auth.models import Role, User
from ..competitions.models import Event
from ..extensions import db
from ..registrations.tickets import (
    A4,
    ALPHABET,
    BADGE_SIZE,
    LAYOUTS,
    SECRET_LENGTH,
    cut_lines,
    grouped,
    new_secret,
    pdf_text,
    qr_image,
)
from ..vocabulary import Badge, Choice, in_indonesian
from .models import StaffCheckIn, StaffPass

PREFIX = "HKS:"
_CODE = re.compile(rf"^[{ALPHABET}]{{{SECRET_LENGTH}}}$")

# What each role's badge says (Indonesian: the badge is worn at the venue).
BADGE_ROLES: dict[Role, str] = {Role.admin: "PANITIA", Role.judge: "JURI", Role.checkin_staff: "PETUGAS"}


class StaffVerdict(Choice):
    """What the staff check-in page answers for a scanned or typed badge code."""

    checked_in = "checked_in", _l("Diterima masuk"), Badge("good", "✓")
    already = "already", _l("Sudah masuk hari ini"), Badge("warn", "⏳")
    unknown = "unknown", _l("Kode lencana tidak dikenal"), Badge("bad", "✗")
    revoked = "revoked", _l("Lencana tidak berlaku"), Badge("bad", "✗")
    not_event_day = "not_event_day", _l("Bukan hari acara"), Badge("bad", "✗")


@dataclass(frozen=True)
class StaffAnswer:
    """The verdict, whose badge it was, and when they came in that day."""

    verdict: StaffVerdict
    person: User | None = None
    admitted_at: datetime | None = None


def badge_people(roles: list[Role] | None = None) -> list[User]:
    """Active judges, gate staff and committee members (or those of `roles`), by role then name."""
    wanted = [r for r in (roles or list(BADGE_ROLES)) if r in BADGE_ROLES]
    people = db.session.scalars(select(User).where(User.active.is_(True), User.role.in_(wanted))).all()
    order = list(BADGE_ROLES)
    return sorted(people, key=lambda u: (order.index(u.role), (u.display_name or u.username).lower()))


def pass_for(user: User, event: Event, *, now: datetime | None = None) -> StaffPass:
    """The person's valid pass for the event, issued on first need (flushes)."""
    found = db.session.scalar(
        select(StaffPass).where(
            StaffPass.user_id == user.id, StaffPass.event_id == event.id, StaffPass.revoked_at.is_(None)
        )
    )
    if found is not None:
        return found
    issued = StaffPass(user_id=user.id, event_id=event.id, secret=new_secret(), issued_at=now or clock.now())
    db.session.add(issued)
    db.session.flush()
    return issued


def payload(staff_pass: StaffPass) -> str:
    """The text in the badge's QR."""
    return PREFIX + staff_pass.secret


def parse_staff_code(text: str) -> str | None:
    """The secret of a scanned `HKS:` payload or a typed code (spaces, dashes, case forgiven), or None."""
    cleaned = (text or "").strip().upper()
    if cleaned.startswith(PREFIX):
        cleaned = cleaned[len(PREFIX) :]
    cleaned = re.sub(r"[\s-]", "", cleaned)
    return cleaned if _CODE.match(cleaned) else None


def check_in_staff(code: str, *, by: Any, gate: str = "", now: datetime | None = None) -> StaffAnswer:
    """Admit a staff badge for today (once per day; the database keeps it so under races)."""
    now = now or clock.now()
    secret = parse_staff_code(code)
    found = db.session.scalar(select(StaffPass).where(StaffPass.secret == secret)) if secret else None
    if found is None:
        return StaffAnswer(StaffVerdict.unknown)
    if found.revoked_at is not None:
        return StaffAnswer(StaffVerdict.revoked, found.user)
    today = clock.to_wita(now).date()
    event = found.event
    if not (event.starts_on <= today <= event.ends_on):
        return StaffAnswer(StaffVerdict.not_event_day, found.user)
    values = {
        "pass_id": found.id,
        "day": today,
        "admitted_at": now,
        "by_id": getattr(by, "id", None),
        "gate": (gate or "")[:60],
    }
    if db.session.get_bind().dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert as pg_insert

        statement = pg_insert(StaffCheckIn).values(**values).on_conflict_do_nothing()
    else:
        statement = sqlite_insert(StaffCheckIn).values(**values).on_conflict_do_nothing()
    # RETURNING tells whether the row went in: a DO NOTHING insert's rowcount is -1 on PostgreSQL here.
    inserted = db.session.execute(statement.returning(StaffCheckIn.id)).first() is not None
    row = db.session.scalar(
        select(StaffCheckIn).where(StaffCheckIn.pass_id == found.id, StaffCheckIn.day == today)
    )
    verdict = StaffVerdict.checked_in if inserted else StaffVerdict.already
    return StaffAnswer(verdict, found.user, row.admitted_at if row else None)


def staff_checkins(day: date) -> list[StaffCheckIn]:
    """Who of the event's own people came in on `day`, latest first."""
    return list(
        db.session.scalars(
            select(StaffCheckIn).where(StaffCheckIn.day == day).order_by(StaffCheckIn.admitted_at.desc())
        )
    )


# --- the badge -----------------------------------------------------------------------------------


def passes_for(people: list[User], event: Event, *, now: datetime | None = None) -> dict[int, StaffPass]:
    """Each person's valid pass for the event by user id, issued where missing (one query for the
    passes that exist, whatever the number of people; flushes)."""
    ids = [person.id for person in people]
    found: dict[int, StaffPass] = {}
    for staff_pass in db.session.scalars(
        select(StaffPass).where(
            StaffPass.user_id.in_(ids), StaffPass.event_id == event.id, StaffPass.revoked_at.is_(None)
        )
    ):
        found.setdefault(staff_pass.user_id, staff_pass)
    missing = [person for person in people if person.id not in found]
    for person in missing:
        found[person.id] = StaffPass(
            user_id=person.id, event_id=event.id, secret=new_secret(), issued_at=now or clock.now()
        )
        db.session.add(found[person.id])
    if missing:
        db.session.flush()
    return found


@in_indonesian
def badges_pdf(
    people: list[User],
    event: Event,
    *,
    layout: str = "a6",
    now: datetime | None = None,
    on_card: Callable[[], None] | None = None,
) -> bytes:
    """The badges of these people for the event (passes issued as needed): A6 pages or four per A4;
    `on_card()` after each badge (a background job's progress)."""
    passes = passes_for(people, event, now=now)
    layout = layout if layout in LAYOUTS else "a6"
    page_format = BADGE_SIZE if layout == "a6" else A4
    pdf = FPDF(orientation="P", unit="mm", format=page_format)
    pdf.set_auto_page_break(auto=False)
    pdf.set_margins(0, 0, 0)
    pdf.set_title(pdf_text(f"Lencana {event.name}"))
    pdf.set_author("Harkop")
    pdf.set_creator("Harkop")
    slots = [(0, 0), (BADGE_SIZE[0], 0), (0, A4[1] / 2), (BADGE_SIZE[0], A4[1] / 2)]
    for index, person in enumerate(people):
        staff_pass = passes[person.id]
        if layout == "a6":
            pdf.add_page()
            left, top = 0.0, 0.0
        else:
            if index % 4 == 0:
                pdf.add_page()
                cut_lines(pdf)
            left, top = slots[index % 4]
        _badge(pdf, person, event, staff_pass, left, top)
        if on_card is not None:
            on_card()
    if not people:
        pdf.add_page()
    return bytes(pdf.output())


def _badge(pdf: FPDF, person: User, event: Event, staff_pass: StaffPass, left: float, top: float) -> None:
    width = BADGE_SIZE[0] - 14
    x = left + 7
    role = BADGE_ROLES.get(person.role, "")
    pdf.set_fill_color(11, 92, 173)
    pdf.rect(left, top, BADGE_SIZE[0], 11, style="F")
    pdf.set_text_color(255, 255, 255)
    pdf.set_font("Helvetica", "B", 9.5)
    pdf.set_xy(x, top + 2.5)
    pdf.cell(width, 6, pdf_text(event.name), align="C")
    pdf.set_fill_color(27, 31, 36)
    pdf.rect(left, top + 13, BADGE_SIZE[0], 14, style="F")
    pdf.set_font("Helvetica", "B", 20)
    pdf.set_xy(x, top + 15)
    pdf.cell(width, 10, role, align="C")
    pdf.set_text_color(27, 31, 36)
    qr_size = 50
    pdf.image(
        qr_image(payload(staff_pass)),
        x=left + (BADGE_SIZE[0] - qr_size) / 2,
        y=top + 31,
        w=qr_size,
        h=qr_size,
    )
    pdf.set_xy(x, top + 31 + qr_size + 1)
    pdf.set_font("Courier", "", 8)
    pdf.cell(width, 4, grouped(staff_pass.secret), align="C", new_x="LEFT", new_y="NEXT")
    pdf.ln(2)
    pdf.set_font("Helvetica", "B", 15)
    pdf.set_x(x)
    pdf.multi_cell(
        width, 7, pdf_text(person.display_name or person.username), align="C", new_x="LEFT", new_y="NEXT"
    )
    pdf.set_font("Helvetica", "", 8.5)
    pdf.set_x(x)
    days = f"{clock.format_date(event.starts_on)} - {clock.format_date(event.ends_on)}"
    pdf.multi_cell(width, 4.2, pdf_text(days), align="C", new_x="LEFT", new_y="NEXT")
    if event.venue:
        pdf.set_x(x)
        pdf.multi_cell(width, 4.2, pdf_text(event.venue), align="C", new_x="LEFT", new_y="NEXT")
    pdf.set_xy(x, top + BADGE_SIZE[1] - 12)
    pdf.set_font("Helvetica", "", 7)
    pdf.multi_cell(width, 3.5, "Pindai QR ini di pintu masuk untuk check-in petugas.", align="C")


BADGES = "print_badges"


def make_badges(params: dict[str, Any], _by: Any, on_card: Callable[[], None]) -> bytes:
    """The badges of a print job (params: event_id, roles, layout), as the office's link gives them."""
    event = db.session.get(Event, int(params["event_id"]))
    roles = [Role(r) for r in params.get("roles") or []]
    return badges_pdf(badge_people(roles), event, layout=params.get("layout", "a6"), on_card=on_card)


def install_print_job() -> None:
    """Let the background queue print badges (called when the app starts)."""
    from ..registrations.print_jobs import register_print_kind

    register_print_kind(BADGES, make_badges)
