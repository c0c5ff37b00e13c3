"""Who judges which entry: balanced automatic assignment, hand overrides, and attendance (no-shows).

The balancing rule is pure (`plan_assignments`): each entry gets k judges (fewer only when fewer
than k judges are free of a conflict of interest with it), never a judge affiliated with the
entry's cooperative, and the judges' loads are as even as the conflicts allow. "As even as
possible" is exact: among all assignments that give every entry its judges, the plan minimises
the sum of squared loads, and that minimum is an assignment in which the busiest and the idlest
judge differ by at most one entry whenever such an assignment exists.

How: a greedy pass (entries with the fewest free judges first, each taking the least-loaded
judges) and then a repair. The repair looks for a chain of hand-overs: judge A gives one of
their entries to B (B is free for it and not on it yet), B gives another to C, ... ending at a
judge with at least two entries fewer than A; following the chain moves one entry of load from
A to that judge and leaves everyone between unchanged. This is the negative-cycle test of a
min-cost flow with convex costs on the judges' loads: when no chain exists from any judge to one
at least two lighter, the sum of squares is minimal, so if a spread of one is reachable at all, it
has been reached.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import delete, select

from .. import clock
from ..audit import record_audit
from ..checkin import attendance as checkin_attendance
from ..competitions.models import Competition, CompetitionState
from ..errors import Conflict, Forbidden, NotFound, ValidationFailed
from ..extensions import db
from ..registrations.models import Entry, EntryState
from .models import (
    Assignment,
    AssignmentSource,
    AttendanceSource,
    AttendanceStatus,
    CardState,
    CompetitionJudge,
    EntryAttendance,
    Scorecard,
)

Id = Hashable

# The office may (re)assign while entries are known and judging has not ended.
ASSIGNABLE_STATES = frozenset({CompetitionState.open, CompetitionState.closed, CompetitionState.judging})


# --------------------------------------------------------------------------- the pure rule


@dataclass
class Plan:
    """The outcome of `plan_assignments`: judges per entry, loads, and entries short of judges."""

    judges_of: dict[Id, set[Id]]
    loads: dict[Id, int]
    short: dict[Id, int] = field(default_factory=dict)  # entry -> judges missing (too few free judges)

    @property
    def spread(self) -> int:
        """Busiest minus idlest judge's load (0 without judges)."""
        return max(self.loads.values()) - min(self.loads.values()) if self.loads else 0


def plan_assignments(
    judges: Sequence[Id],
    entries: Sequence[Id],
    k: int,
    conflicts: Iterable[tuple[Id, Id]] = (),
    pinned: Mapping[Id, Iterable[Id]] | None = None,
) -> Plan:
    """Assign k judges to each entry with balanced loads and no (judge, entry) pair in `conflicts`.

    `pinned` maps an entry to judges that must stay on it (hand-made assignments, or judges who
    already hold a scorecard): they count in the loads and are never moved. Deterministic: the
    same input gives the same plan (ties go to the earlier judge in `judges`).
    """
    if k < 1:
        raise ValueError("k must be at least 1")
    order = {j: i for i, j in enumerate(judges)}
    blocked = set(conflicts)
    pinned_of = {e: set((pinned or {}).get(e, ())) & set(order) for e in entries}
    free = {e: [j for j in judges if (j, e) not in blocked] for e in entries}
    judges_of: dict[Id, set[Id]] = {e: set(pinned_of[e]) for e in entries}
    loads = {j: 0 for j in judges}
    for e in entries:
        for j in pinned_of[e]:
            loads[j] += 1
    short: dict[Id, int] = {}

    # Greedy: the most constrained entries choose first.
    entry_order = sorted(entries, key=lambda e: (len(free[e]), str(type(e)), e))
    for e in entry_order:
        need = k - len(judges_of[e])
        if need <= 0:
            continue
        candidates = [j for j in free[e] if j not in judges_of[e]]
        candidates.sort(key=lambda j: (loads[j], order[j]))
        chosen = candidates[:need]
        for j in chosen:
            judges_of[e].add(j)
            loads[j] += 1
        if len(chosen) < need:
            short[e] = need - len(chosen)

    movable: dict[Id, set[Id]] = {j: set() for j in judges}  # judge -> entries it may hand over
    for e, js in judges_of.items():
        for j in js - pinned_of[e]:
            movable[j].add(e)

    while _improve_once(judges, order, loads, judges_of, movable, free):
        pass
    return Plan(judges_of=judges_of, loads=loads, short=short)


def _improve_once(
    judges: Sequence[Id],
    order: Mapping[Id, int],
    loads: dict[Id, int],
    judges_of: dict[Id, set[Id]],
    movable: dict[Id, set[Id]],
    free: Mapping[Id, Sequence[Id]],
) -> bool:
    """Find and apply one chain of hand-overs that makes the loads more even; False when none exists."""
    if not loads or max(loads.values()) - min(loads.values()) <= 1:
        return False
    for start in sorted(judges, key=lambda j: (-loads[j], order[j])):
        target_load = loads[start] - 2
        if min(loads.values()) > target_load:
            continue
        # Breadth-first over "start hands an entry to b": parent[b] = (a, entry).
        parent: dict[Id, tuple[Id, Id] | None] = {start: None}
        queue = deque([start])
        found = None
        while queue and found is None:
            a = queue.popleft()
            for e in sorted(movable[a], key=lambda x: (str(type(x)), x)):
                for b in free[e]:
                    if b in parent or b in judges_of[e]:
                        continue
                    parent[b] = (a, e)
                    if loads[b] <= target_load:
                        found = b
                        break
                    queue.append(b)
                if found is not None:
                    break
        if found is None:
            continue
        # Walk back from the light judge, handing each entry over along the chain.
        b = found
        while parent[b] is not None:
            a, e = parent[b]
            judges_of[e].discard(a)
            judges_of[e].add(b)
            movable[a].discard(e)
            movable[b].add(e)
            b = a
        loads[start] -= 1
        loads[found] += 1
        return True
    return False


# --------------------------------------------------------------------------- panel and entries


def panel(comp: Competition) -> list[CompetitionJudge]:
    """The competition's judges (head judge first, then by name), active users only."""
    rows = db.session.scalars(
        select(CompetitionJudge).where(CompetitionJudge.competition_id == comp.id)
    ).all()
    rows = [r for r in rows if r.user is not None and r.user.active]
    return sorted(rows, key=lambda r: (not r.is_head, r.user.label.lower(), r.user_id))


def attendance_of(comp: Competition) -> dict[int, EntryAttendance]:
    """The attendance decisions of a competition's entries, by entry id."""
    rows = db.session.scalars(select(EntryAttendance).where(EntryAttendance.competition_id == comp.id))
    return {r.entry_id: r for r in rows}


def no_show_ids(comp: Competition) -> set[int]:
    """Entries of the competition marked no-show (they are not judged)."""
    return set(
        db.session.scalars(
            select(EntryAttendance.entry_id).where(
                EntryAttendance.competition_id == comp.id, EntryAttendance.status == AttendanceStatus.no_show
            )
        )
    )


def confirmed_entries(comp: Competition) -> list[Entry]:
    """The competition's confirmed entries, by id."""
    return list(
        db.session.scalars(
            select(Entry)
            .where(Entry.competition_id == comp.id, Entry.state == EntryState.confirmed)
            .order_by(Entry.id)
        )
    )


def judged_entries(comp: Competition) -> list[Entry]:
    """The entries to judge: confirmed and not no-show."""
    absent = no_show_ids(comp)
    return [e for e in confirmed_entries(comp) if e.id not in absent]


def affiliations_of(user_ids: Iterable[int]) -> dict[int, set[int]]:
    """Judge id -> the cooperative ids they declared an affiliation with."""
    from ..auth.models import UserAffiliation

    ids = list(user_ids)
    out: dict[int, set[int]] = {i: set() for i in ids}
    if not ids:
        return out
    rows = db.session.execute(
        select(UserAffiliation.user_id, UserAffiliation.cooperative_id).where(
            UserAffiliation.user_id.in_(ids)
        )
    )
    for user_id, coop_id in rows:
        out[user_id].add(coop_id)
    return out


def is_conflicted(judge_id: int, entry: Entry) -> bool:
    """True when the judge declared an affiliation with the entry's cooperative."""
    return entry.cooperative_id in affiliations_of([judge_id])[judge_id]


def assignments_of(comp: Competition) -> list[Assignment]:
    """Every assignment of a competition."""
    return list(
        db.session.scalars(
            select(Assignment)
            .where(Assignment.competition_id == comp.id)
            .order_by(Assignment.entry_id, Assignment.judge_id)
        )
    )


def _cards_held(comp: Competition) -> set[tuple[int, int]]:
    """(entry, judge) pairs with a scorecard of any state: such a judge stays on the entry."""
    return set(
        db.session.execute(
            select(Scorecard.entry_id, Scorecard.judge_id).where(Scorecard.competition_id == comp.id)
        ).all()
    )


def _require_assignable(comp: Competition) -> None:
    if comp.state not in ASSIGNABLE_STATES:
        raise Conflict(
            "assignments_locked",
            _("Penugasan juri hanya dapat diubah sebelum hasil ditetapkan."),
            details={"state": comp.state.value},
        )


@dataclass
class AutoAssignResult:
    """What an automatic run did."""

    added: int
    removed: int
    kept: int
    loads: dict[int, int]
    short: dict[int, int]

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready (the API answer and the audit entry)."""
        return {
            "added": self.added,
            "removed": self.removed,
            "kept": self.kept,
            "loads": {str(k): v for k, v in self.loads.items()},
            "short": {str(k): v for k, v in self.short.items()},
            "spread": (max(self.loads.values()) - min(self.loads.values())) if self.loads else 0,
        }


def auto_assign(comp: Competition, *, by: Any, now: datetime | None = None) -> AutoAssignResult:
    """Assign `judges_per_entry` judges to every entry to judge, balanced and without conflicts.

    Hand-made assignments and those whose judge already holds a scorecard stay as they are and
    count in the loads; other automatic assignments are planned afresh (a rerun with nothing
    changed changes nothing). Assignments of entries no longer judged (withdrawn, no-show) are
    removed unless a scorecard exists for them.
    """
    now = now or clock.now()
    _require_assignable(comp)
    judges = [r.user_id for r in panel(comp)]
    if not judges:
        raise Conflict("no_judges", _("Tambahkan juri ke lomba ini terlebih dahulu."))
    entries = judged_entries(comp)
    entry_ids = [e.id for e in entries]
    affiliated = affiliations_of(judges)
    conflicts = {(j, e.id) for e in entries for j in judges if e.cooperative_id in affiliated[j]}
    held = _cards_held(comp)
    existing = assignments_of(comp)
    pinned: dict[int, set[int]] = {}
    for a in existing:
        if a.entry_id in entry_ids and (
            a.source == AssignmentSource.manual or (a.entry_id, a.judge_id) in held
        ):
            pinned.setdefault(a.entry_id, set()).add(a.judge_id)
    plan = plan_assignments(judges, entry_ids, comp.judges_per_entry, conflicts, pinned)

    wanted = {(e, j) for e, js in plan.judges_of.items() for j in js}
    have = {(a.entry_id, a.judge_id): a for a in existing}
    removed = kept = 0
    for key, a in have.items():
        if key in wanted:
            kept += 1
            continue
        if key in held:  # a judge off the panel or an entry no longer judged, with a card: keep the record
            kept += 1
            continue
        db.session.delete(a)
        removed += 1
    added = 0
    for entry_id, judge_id in sorted(wanted - set(have)):
        db.session.add(
            Assignment(
                competition_id=comp.id,
                entry_id=entry_id,
                judge_id=judge_id,
                source=AssignmentSource.auto,
                assigned_at=now,
                assigned_by_id=getattr(by, "id", None),
            )
        )
        added += 1
    db.session.flush()
    result = AutoAssignResult(added=added, removed=removed, kept=kept, loads=plan.loads, short=plan.short)
    record_audit(
        "judging.auto_assigned",
        entity_type="competition",
        entity_id=comp.id,
        by=by,
        after={"judges_per_entry": comp.judges_per_entry, **result.as_dict()},
        now=now,
    )
    return result


def _on_panel(comp: Competition, judge_id: int) -> bool:
    return (
        db.session.scalar(
            select(CompetitionJudge.id).where(
                CompetitionJudge.competition_id == comp.id, CompetitionJudge.user_id == judge_id
            )
        )
        is not None
    )


def _entry_of(comp: Competition, entry_id: int) -> Entry:
    entry = db.session.get(Entry, entry_id)
    if entry is None or entry.competition_id != comp.id:
        raise NotFound("entry_not_found", _("Pendaftaran tidak ditemukan di lomba ini."))
    return entry


def assign_judge(
    comp: Competition, entry_id: int, judge_id: int, *, by: Any, now: datetime | None = None
) -> Assignment:
    """Put a judge of the panel on an entry by hand (logged; a later automatic run keeps it)."""
    now = now or clock.now()
    _require_assignable(comp)
    entry = _entry_of(comp, entry_id)
    if entry.state != EntryState.confirmed:
        raise Conflict("entry_not_confirmed", _("Hanya tim yang terdaftar (dikonfirmasi) yang dinilai."))
    if not _on_panel(comp, judge_id):
        raise ValidationFailed("not_on_panel", _("Juri ini belum ditambahkan ke lomba."))
    if is_conflicted(judge_id, entry):
        raise Forbidden(
            "conflict_of_interest",
            _("Juri ini terafiliasi dengan koperasi peserta dan tidak boleh menilainya."),
        )
    exists = db.session.scalar(
        select(Assignment).where(Assignment.entry_id == entry.id, Assignment.judge_id == judge_id)
    )
    if exists is not None:
        raise Conflict("already_assigned", _("Juri ini sudah ditugaskan pada tim tersebut."))
    row = Assignment(
        competition_id=comp.id,
        entry_id=entry.id,
        judge_id=judge_id,
        source=AssignmentSource.manual,
        assigned_at=now,
        assigned_by_id=getattr(by, "id", None),
    )
    db.session.add(row)
    db.session.flush()
    record_audit(
        "judging.judge_assigned",
        entity_type="entry",
        entity_id=entry.id,
        by=by,
        after={"judge_id": judge_id, "competition_id": comp.id},
        now=now,
    )
    return row


def unassign_judge(
    comp: Competition, entry_id: int, judge_id: int, *, by: Any, reason: str = "", now: datetime | None = None
) -> None:
    """Take a judge off an entry by hand (logged). A submitted or final scorecard keeps them on."""
    now = now or clock.now()
    _require_assignable(comp)
    entry = _entry_of(comp, entry_id)
    row = db.session.scalar(
        select(Assignment).where(Assignment.entry_id == entry.id, Assignment.judge_id == judge_id)
    )
    if row is None:
        raise NotFound("assignment_not_found", _("Juri ini tidak ditugaskan pada tim tersebut."))
    card = db.session.scalar(
        select(Scorecard).where(Scorecard.entry_id == entry.id, Scorecard.judge_id == judge_id)
    )
    if card is not None and card.state in (CardState.submitted, CardState.finalised):
        raise Conflict(
            "scorecard_submitted",
            _("Juri ini sudah mengirim nilai untuk tim tersebut; buka kunci nilainya dulu bila perlu."),
        )
    db.session.delete(row)
    db.session.flush()
    record_audit(
        "judging.judge_unassigned",
        entity_type="entry",
        entity_id=entry.id,
        by=by,
        before={"judge_id": judge_id, "competition_id": comp.id, "source": row.source.value},
        detail=(reason or "").strip()[:500] or None,
        now=now,
    )


def clear_panel_assignments(comp: Competition, judge_id: int) -> int:
    """Remove a judge's assignments that have no scorecard (when they leave the panel)."""
    held = {e for e, j in _cards_held(comp) if j == judge_id}
    result = db.session.execute(
        delete(Assignment).where(
            Assignment.competition_id == comp.id,
            Assignment.judge_id == judge_id,
            Assignment.entry_id.not_in(held) if held else Assignment.id.is_not(None),
        )
    )
    db.session.flush()
    return result.rowcount or 0


# --------------------------------------------------------------------------- attendance


def admitted_entry_ids(comp: Competition, *, now: datetime) -> set[int]:
    """Entries of the competition with at least one participant admitted at the gate on one of its
    days up to `now` (check-in's attendance: one admission per ticket per day)."""
    today = clock.to_wita(now).date()
    return checkin_attendance.admitted_entry_ids(comp.id, [d for d in comp.days if d <= today])


def mark_no_shows(comp: Competition, *, by: Any, now: datetime | None = None) -> dict[str, int]:
    """Mark each confirmed entry present or no-show from the gate's admissions (idempotent).

    Only from the start of the competition's first slot (before it nobody can have come).
    Decisions the office made by hand are left alone; an entry admitted late is marked present.
    """
    now = now or clock.now()
    first = comp.starts_first_at()
    if first is None or now < first:
        raise Conflict("too_early", _("Kehadiran baru dapat ditentukan setelah lomba dimulai."))
    admitted = admitted_entry_ids(comp, now=now)
    existing = attendance_of(comp)
    counts = {"present": 0, "no_show": 0, "kept": 0, "changed": 0}
    for entry in confirmed_entries(comp):
        status = AttendanceStatus.present if entry.id in admitted else AttendanceStatus.no_show
        row = existing.get(entry.id)
        if row is not None and row.source == AttendanceSource.office:
            counts["kept"] += 1
            counts[row.status.value] += 1
            continue
        counts[status.value] += 1
        if row is not None and row.status == status:
            continue
        if row is None:
            row = EntryAttendance(entry_id=entry.id, competition_id=comp.id, source=AttendanceSource.checkin)
            db.session.add(row)
        row.status = status
        row.decided_at = now
        row.decided_by_id = getattr(by, "id", None)
        row.reason = None
        counts["changed"] += 1
    db.session.flush()
    if counts["changed"]:
        record_audit(
            "judging.attendance_marked",
            entity_type="competition",
            entity_id=comp.id,
            by=by,
            after=counts,
            now=now,
        )
    return counts


def set_attendance(
    comp: Competition,
    entry_id: int,
    status: AttendanceStatus | str,
    reason: str,
    *,
    by: Any,
    now: datetime | None = None,
) -> EntryAttendance:
    """The office decides an entry's attendance by hand, with a reason (logged; reruns keep it)."""
    now = now or clock.now()
    _require_assignable(comp)
    entry = _entry_of(comp, entry_id)
    try:
        status = AttendanceStatus(status)
    except ValueError as err:
        raise ValidationFailed("invalid_status", _("Status kehadiran tidak dikenal.")) from err
    reason = (reason or "").strip()
    if len(reason) < 5:
        raise ValidationFailed(
            "reason_required", _("Tuliskan alasannya (minimal 5 karakter)."), details={"field": "reason"}
        )
    row = db.session.get(EntryAttendance, entry.id)
    before = {"status": row.status.value, "source": row.source.value} if row else None
    if row is None:
        row = EntryAttendance(entry_id=entry.id, competition_id=comp.id)
        db.session.add(row)
    row.status = status
    row.source = AttendanceSource.office
    row.reason = reason[:500]
    row.decided_at = now
    row.decided_by_id = getattr(by, "id", None)
    db.session.flush()
    record_audit(
        "judging.attendance_set",
        entity_type="entry",
        entity_id=entry.id,
        by=by,
        before=before,
        after={"status": status.value, "source": "office"},
        detail=reason[:500],
        now=now,
    )
    return row


def mark_due_no_shows(*, now: datetime | None = None) -> dict[str, int]:
    """The job: refresh attendance of competitions under way (closed or judging, first slot begun)."""
    now = now or clock.now()
    comps = db.session.scalars(
        select(Competition).where(Competition.state.in_([CompetitionState.closed, CompetitionState.judging]))
    ).all()
    done = changed = 0
    for comp in comps:
        first = comp.starts_first_at()
        if first is None or now < first:
            continue
        changed += mark_no_shows(comp, by="scheduler", now=now)["changed"]
        done += 1
    return {"competitions": done, "changed": changed}
