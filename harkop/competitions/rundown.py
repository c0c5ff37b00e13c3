"""The event's rundown (susunan acara): the whole programme of each day, not only the competitions.

The office keeps the items that are not competitions (the opening, the stage programme,
announcements, breaks, the closing) as `ProgrammeItem` rows; the competitions' own slots come
from the competitions themselves, so a competition's time is written once and the rundown can
never disagree with it. `rundown_for` merges both into one list per day; `now_and_next` (pure)
says what is on at a moment and what comes next, by the app's clock (never the device's).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import CheckConstraint, Enum, ForeignKey, String, Text, Time, select
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .. import clock
from ..audit import record_audit
from ..errors import NotFound, ValidationFailed
from ..extensions import db
from ..models_base import UTCDateTime
from ..vocabulary import Badge, Choice
from .models import Competition, CompetitionState, Event


class ProgrammeKind(Choice):
    """What a rundown item is; competitions come from their own slots (kind `lomba`)."""

    pembukaan = "pembukaan", _l("Pembukaan"), Badge("info", "★")
    lomba = "lomba", _l("Lomba"), Badge("info", "⚑")
    panggung = "panggung", _l("Acara panggung"), Badge("info", "♪")
    pengumuman = "pengumuman", _l("Pengumuman"), Badge("info", "📣")
    istirahat = "istirahat", _l("Istirahat"), Badge("info", "☕")
    penutupan = "penutupan", _l("Penutupan"), Badge("info", "■")


# The kinds the office writes by hand (a competition's slot is kept on the competition).
ITEM_KINDS = [k for k in ProgrammeKind if k is not ProgrammeKind.lomba]


class ProgrammeItem(db.Model):
    """One item of an event day's programme that is not a competition: WITA wall-clock times."""

    __tablename__ = "programme_item"
    __table_args__ = (CheckConstraint("ends_at > starts_at", name="programme_time_in_order"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("event.id", ondelete="CASCADE"), index=True)
    day: Mapped[date]
    starts_at: Mapped[time] = mapped_column(Time)
    ends_at: Mapped[time] = mapped_column(Time)
    kind: Mapped[ProgrammeKind] = mapped_column(Enum(ProgrammeKind, native_enum=False, length=20))
    title: Mapped[str] = mapped_column(String(200))
    place: Mapped[str] = mapped_column(String(200), default="")
    description: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)

    event: Mapped[Event] = relationship()


@dataclass(frozen=True)
class RundownEntry:
    """One line of a day's rundown: a programme item or a competition's slot."""

    day: date
    starts_at: time
    ends_at: time
    kind: ProgrammeKind
    title: str
    place: str
    description: str = ""
    competition: Any = None  # the Competition when the line is its slot
    item_id: int | None = None

    def start(self) -> datetime:
        """The UTC instant the line starts."""
        return clock.as_utc(datetime.combine(self.day, self.starts_at, tzinfo=clock.WITA))

    def end(self) -> datetime:
        """The UTC instant the line ends."""
        return clock.as_utc(datetime.combine(self.day, self.ends_at, tzinfo=clock.WITA))

    @property
    def key(self) -> str:
        """A stable id for the page's anchors and the tests: `item-<id>` or `lomba-<id>-<day>`."""
        if self.competition is not None:
            return f"lomba-{self.competition.id}-{self.day.isoformat()}"
        return f"item-{self.item_id}"


def now_and_next(entries: list[RundownEntry], now: datetime) -> tuple[list[RundownEntry], list[RundownEntry]]:
    """(what is on at `now`, what starts next): the next are all the lines sharing the earliest
    start after `now`. Starts are inclusive, ends exclusive. Pure: no session, no clock."""
    ongoing = [e for e in entries if e.start() <= now < e.end()]
    later = [e for e in entries if e.start() > now]
    if not later:
        return ongoing, []
    first = min(e.start() for e in later)
    return ongoing, [e for e in later if e.start() == first]


def _sort_key(entry: RundownEntry) -> tuple:
    return (entry.day, entry.starts_at, entry.ends_at, entry.title)


def competition_entries(comp: Competition) -> list[RundownEntry]:
    """A competition's slot on each of its days, as rundown lines."""
    return [
        RundownEntry(
            day=day,
            starts_at=comp.starts_at,
            ends_at=comp.ends_at,
            kind=ProgrammeKind.lomba,
            title=comp.name,
            place=comp.place,
            competition=comp,
        )
        for day in comp.days
    ]


def rundown_for(event: Event) -> list[tuple[date, list[RundownEntry]]]:
    """Each day of the event with its whole programme in time order (draft competitions left out)."""
    items = db.session.scalars(select(ProgrammeItem).where(ProgrammeItem.event_id == event.id)).all()
    comps = db.session.scalars(
        select(Competition).where(
            Competition.event_id == event.id, Competition.state != CompetitionState.draft
        )
    ).all()
    lines = [
        RundownEntry(
            day=i.day,
            starts_at=i.starts_at,
            ends_at=i.ends_at,
            kind=i.kind,
            title=i.title,
            place=i.place,
            description=i.description,
            item_id=i.id,
        )
        for i in items
    ]
    for comp in comps:
        lines.extend(competition_entries(comp))
    lines.sort(key=_sort_key)
    return [(day, [e for e in lines if e.day == day]) for day in event.days()]


def day_of(rundown: list[tuple[date, list[RundownEntry]]], day: date) -> list[RundownEntry]:
    """The lines of one day of a rundown (empty when the day is not the event's)."""
    return next((lines for d, lines in rundown if d == day), [])


def list_items(event: Event) -> list[ProgrammeItem]:
    """The office's own programme items of an event, in time order."""
    return list(
        db.session.scalars(
            select(ProgrammeItem)
            .where(ProgrammeItem.event_id == event.id)
            .order_by(ProgrammeItem.day, ProgrammeItem.starts_at, ProgrammeItem.title)
        )
    )


def get_item(item_id: int) -> ProgrammeItem:
    """The programme item with this id, or a coded 404."""
    item = db.session.get(ProgrammeItem, item_id)
    if item is None:
        raise NotFound("programme_item_not_found", _("Acara dalam susunan acara tidak ditemukan."))
    return item


ITEM_FIELDS = ("day", "starts_at", "ends_at", "kind", "title", "place", "description")


def _snapshot(item: ProgrammeItem) -> dict[str, Any]:
    return {
        "day": item.day.isoformat(),
        "starts_at": item.starts_at.isoformat(),
        "ends_at": item.ends_at.isoformat(),
        "kind": item.kind.value,
        "title": item.title,
        "place": item.place,
    }


def save_item(
    item: ProgrammeItem | None, event: Event, values: dict[str, Any], *, by: Any, now: datetime | None = None
) -> ProgrammeItem:
    """Create (item=None) or update a programme item; the day must be one of the event's, the end
    after the start, and the kind one the office writes (a competition's slot lives on it)."""
    now = now or clock.now()
    title = (values.get("title") or "").strip()
    if not title:
        raise ValidationFailed("title_required", _("Isi nama acaranya."), details={"field": "title"})
    day = values["day"]
    if day not in event.days():
        raise ValidationFailed(
            "day_outside_event",
            _(
                "Tanggal harus salah satu hari acara (%(a)s–%(b)s).",
                a=clock.format_short_date(event.starts_on),
                b=clock.format_short_date(event.ends_on),
            ),
            details={"field": "day"},
        )
    if values["ends_at"] <= values["starts_at"]:
        raise ValidationFailed(
            "times_out_of_order", _("Jam selesai harus sesudah jam mulai."), details={"field": "ends_at"}
        )
    kind = ProgrammeKind(values["kind"])
    if kind is ProgrammeKind.lomba:
        raise ValidationFailed(
            "kind_is_competition",
            _("Jadwal lomba diatur di halaman lombanya sendiri."),
            details={"field": "kind"},
        )
    before = _snapshot(item) if item is not None else None
    if item is None:
        item = ProgrammeItem(event_id=event.id, created_at=now)
        db.session.add(item)
    item.day, item.starts_at, item.ends_at, item.kind = day, values["starts_at"], values["ends_at"], kind
    item.title = title
    item.place = (values.get("place") or "").strip()
    item.description = (values.get("description") or "").strip()
    item.updated_at = now
    db.session.flush()
    record_audit(
        "programme.updated" if before else "programme.created",
        entity_type="programme_item",
        entity_id=item.id,
        by=by,
        before=before,
        after=_snapshot(item),
        now=now,
    )
    return item


def delete_item(item: ProgrammeItem, *, by: Any, now: datetime | None = None) -> None:
    """Remove a programme item (logged with what it was)."""
    record_audit(
        "programme.deleted",
        entity_type="programme_item",
        entity_id=item.id,
        by=by,
        before=_snapshot(item),
        now=now or clock.now(),
    )
    db.session.delete(item)
    db.session.flush()
