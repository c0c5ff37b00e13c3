"""A scan at the gate: its checked input (`ScanInput`), then one function per step.

`record_scan` reads as the scan goes: `look_up` the ticket the code names, `decide` by the rule
(`rule.decide`), `admit` (once per ticket per day), `record` the scan, `answer`. Every scan is
recorded, refusals too; the service never commits (the caller commits the scan).

Once per ticket per day is decided by the database, in one statement: an INSERT of the
admission that does nothing when UNIQUE (ticket_id, day) already holds a row
(`INSERT … ON CONFLICT (ticket_id, day) DO NOTHING RETURNING id`, the very same SQL text on
SQLite and PostgreSQL). Of any number of simultaneous scans exactly one gets a row back; on
PostgreSQL the others wait on the winner's index entry and then see it, on SQLite writers are
serialised by BEGIN IMMEDIATE. A scan that lost is decided again with the winner's admission.

A scan carries the client's nonce: a nonce seen before returns the first scan (marked
`replayed`) and writes nothing; the scan's own INSERT is guarded by the nonce's unique index too,
so the same scan sent twice at once is recorded once.

Offline replay. A device without network decides from its roster, queues the scan and sends it
later with `offline=True`, its own `scanned_at` and the roster's `day`. The server applies the
same rule in ARRIVAL order: the first admission to reach the server is kept, whatever the device
clocks say (device clocks are not trusted, and arrival order is what the unique index decides
anyway). The admission's `admitted_at` is the server's receive time for an online scan; for an
offline one the device's time as the page corrected it (by the offset to the server measured when
the roster was loaded), bounded to the scan's day; a time outside the day is clamped and the
scan flagged `clock_suspect` for the office (`admission_time`). A later offline scan that the
device showed as admitted but the server cannot admit is a conflict (`rule.is_conflict`);
conflicts are listed for the office (`conflicts`).

How the writes reach the database. The API reads without a transaction
(`harkop.db.transactions.reads_without_transaction`) and the writes bring their own: an admission
and its scan begin one just before the INSERTs (`begin_write`: on SQLite the write lock covers
them alone), and on PostgreSQL they are first tried as one statement (`admit_and_record`); a scan
that admits nobody is one INSERT, atomic by itself (`single_write`). Called inside a transaction
(pages, jobs, tests) the same steps simply run in it.
"""

from __future__ import annotations

import hmac
import re
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import Integer, bindparam, select, text
from sqlalchemy.orm import make_transient_to_detached

from .. import clock
from ..db.driver import DriverStatement
from ..db.transactions import begin_write, single_write
from ..errors import Conflict, ValidationFailed
from ..extensions import db
from ..registrations.tickets import parse_code
from . import rule
from .lookup import (
    FoundTicket,
    admission_json,
    admission_table,
    code_hash,
    find_ticket,
    ticket_json,
    unknown_code_hash,
)
from .models import Scan, ScanMethod, Verdict
from .rule import Decision

V = Verdict
MAX_CODE_LENGTH = 200
MAX_NONCE_LENGTH = 64
MAX_DEVICE_LENGTH = 64
MAX_GATE_LENGTH = 60
_CONTROL = re.compile(r"[\x00-\x1f]")

# --- input ---------------------------------------------------------------------------------


def _text(value: Any, name: str, *, max_length: int, required: bool) -> str:
    if value is None:
        value = ""
    if not isinstance(value, str):
        raise ValidationFailed(
            f"invalid_{name}", _("%(f)s harus berupa teks.", f=name), details={"field": name}
        )
    value = value.strip()
    if required and not value:
        raise ValidationFailed(f"missing_{name}", _("%(f)s wajib diisi.", f=name), details={"field": name})
    if len(value) > max_length:
        raise ValidationFailed(
            f"invalid_{name}",
            _("%(f)s terlalu panjang (maksimal %(n)d karakter).", f=name, n=max_length),
            details={"field": name},
        )
    if _CONTROL.search(value):
        raise ValidationFailed(
            f"invalid_{name}", _("%(f)s berisi karakter kontrol.", f=name), details={"field": name}
        )
    return value


def _flag(data: dict[str, Any], name: str) -> bool:
    value = data.get(name, False)
    if not isinstance(value, bool):
        raise ValidationFailed(
            f"invalid_{name}", _("%(f)s harus true atau false.", f=name), details={"field": name}
        )
    return value


def _ticket_id(value: Any, code: Any) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ValidationFailed("invalid_ticket_id", _("ticket_id harus bilangan bulat positif."))
    if code:
        raise ValidationFailed("code_or_ticket_id", _("Kirim code atau ticket_id, tidak keduanya."))
    return value


def parse_scanned_at(value: Any, *, now: datetime) -> datetime:
    """The device's time of a scan: an ISO 8601 instant with an offset (or `Z`); `now` when absent."""
    if value in (None, ""):
        return now
    if not isinstance(value, str):
        raise ValidationFailed("invalid_scanned_at", _("scanned_at harus berupa waktu ISO 8601."))
    try:
        parsed = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    except ValueError as err:
        raise ValidationFailed("invalid_scanned_at", _("scanned_at harus berupa waktu ISO 8601.")) from err
    if parsed.tzinfo is None:
        raise ValidationFailed("invalid_scanned_at", _("scanned_at harus memuat zona waktu (mis. +08:00)."))
    return clock.as_utc(parsed)


def parse_day(value: Any) -> date | None:
    """An event day `YYYY-MM-DD`, or None when absent."""
    if value in (None, ""):
        return None
    try:
        return date.fromisoformat(str(value))
    except ValueError as err:
        raise ValidationFailed("invalid_day", _("Tanggal harus berformat YYYY-MM-DD.")) from err


@dataclass(frozen=True, slots=True)
class ScanInput:
    """One scan as a gate sends it, checked when made: bad input is a coded `ValidationFailed`.

    `code` is the scanned or typed text (`HK1:<secret>`, or the secret alone); a pick from the
    search list names `ticket_id` instead. `scanned_at` is the device's time (None: the server's).
    An offline scan (`offline`) also brings the roster's `day` and the verdict the device showed
    (`local_verdict`); an online scan's `day` and `local_verdict` are checked, then not kept.
    """

    nonce: str
    device_id: str
    code: str | None = None
    ticket_id: int | None = None
    gate: str = ""
    scanned_at: datetime | None = None
    offline: bool = False
    day: date | None = None
    local_verdict: Verdict | None = None
    method: ScanMethod = ScanMethod.api

    def __post_init__(self) -> None:
        put = object.__setattr__
        put(self, "ticket_id", _ticket_id(self.ticket_id, self.code))
        put(self, "nonce", _text(self.nonce, "nonce", max_length=MAX_NONCE_LENGTH, required=True))
        put(
            self, "device_id", _text(self.device_id, "device_id", max_length=MAX_DEVICE_LENGTH, required=True)
        )
        put(self, "gate", _text(self.gate, "gate", max_length=MAX_GATE_LENGTH, required=False))
        if self.ticket_id is None:
            put(self, "code", _text(self.code, "code", max_length=MAX_CODE_LENGTH, required=True))
        if self.scanned_at is not None and self.scanned_at.tzinfo is None:
            raise ValidationFailed("invalid_scanned_at", _("scanned_at harus memuat zona waktu."))
        if not isinstance(self.method, str) or self.method not in ScanMethod.__members__:
            raise ValidationFailed("invalid_method", _("method tidak dikenal."), details={"field": "method"})
        put(self, "method", ScanMethod(self.method))
        shown = self.local_verdict
        if shown is not None and (not isinstance(shown, str) or shown not in Verdict.__members__):
            raise ValidationFailed("invalid_local_verdict", _("local_verdict tidak dikenal."))
        put(self, "local_verdict", Verdict(shown) if shown is not None and self.offline else None)
        if not self.offline:
            put(self, "day", None)  # online, the day is the server's today

    @classmethod
    def from_json(cls, data: dict[str, Any], *, now: datetime) -> ScanInput:
        """A scan from the API's JSON body (`POST /api/v1/checkins`), checked."""
        offline = _flag(data, "offline")
        return cls(
            ticket_id=_ticket_id(data.get("ticket_id"), data.get("code")),
            code=data.get("code"),
            nonce=data.get("nonce"),  # type: ignore[arg-type]
            device_id=data.get("device_id"),  # type: ignore[arg-type]
            gate=data.get("gate") or "",
            scanned_at=parse_scanned_at(data.get("scanned_at"), now=now),
            offline=offline,
            day=parse_day(data.get("day")) if offline else None,
            local_verdict=data.get("local_verdict") if offline else None,
            method=data.get("method") or ScanMethod.api.value,
        )


def scan_day(scan: ScanInput, now: datetime) -> date:
    """The event day a scan counts for.

    Online: the server's today (WITA), whatever the device says. Offline: the roster's day the
    device decided against (`day`; the page always sends it), else the WITA date of the
    device's time; never later than the server's today.
    """
    server_today = clock.to_wita(now).date()
    if not scan.offline:
        return server_today
    chosen = scan.day or clock.to_wita(scan.scanned_at or now).date()
    return min(chosen, server_today)


# --- the statements ------------------------------------------------------------------------


def insert_unless_exists(table: Any, conflict_on: tuple[str, ...]) -> DriverStatement:
    """`INSERT … ON CONFLICT (…) DO NOTHING RETURNING id`: one SQL text for SQLite and PostgreSQL.

    Both databases read exactly this statement; written once as text (with the columns' own
    types for the bound values), it is prepared once instead of compiled on every scan.
    """
    cols = [c for c in table.columns if c.name != "id"]
    sql = (
        f"INSERT INTO {table.name} ({', '.join(c.name for c in cols)}) "
        f"VALUES ({', '.join(':' + c.name for c in cols)}) "
        f"ON CONFLICT ({', '.join(conflict_on)}) DO NOTHING RETURNING id"
    )
    return DriverStatement(
        text(sql).bindparams(*(bindparam(c.name, type_=c.type) for c in cols)).columns(id=Integer)
    )


_scan_table = Scan.__table__
_INSERT_SCAN = insert_unless_exists(_scan_table, ("nonce",))
_INSERT_ADMISSION = insert_unless_exists(admission_table, ("ticket_id", "day"))


def _admit_and_record_statement() -> DriverStatement:
    """PostgreSQL: the admission and its scan in one statement (a data-modifying CTE).

    The admission is inserted unless the ticket already has one that day or the nonce was
    recorded before; the scan is inserted only with that new admission. Answers both ids (NULL
    for what was not inserted). A statement is atomic by itself: no BEGIN or COMMIT to send.
    """
    adm_cols = [c for c in admission_table.columns if c.name != "id"]
    scan_cols = [c for c in _scan_table.columns if c.name != "id"]
    sql = (
        f"WITH adm AS (INSERT INTO {admission_table.name} ({', '.join(c.name for c in adm_cols)}) "
        f"SELECT {', '.join(':a_' + c.name for c in adm_cols)} "
        f"WHERE NOT EXISTS (SELECT 1 FROM {_scan_table.name} WHERE nonce = :nonce) "
        "ON CONFLICT (ticket_id, day) DO NOTHING RETURNING id), "
        f"rec AS (INSERT INTO {_scan_table.name} ({', '.join(c.name for c in scan_cols)}) "
        f"SELECT {', '.join('adm.id' if c.name == 'admission_id' else ':' + c.name for c in scan_cols)} "
        "FROM adm ON CONFLICT (nonce) DO NOTHING RETURNING id) "
        "SELECT (SELECT id FROM adm) AS admission_id, (SELECT id FROM rec) AS scan_id"
    )
    params = [bindparam("a_" + c.name, type_=c.type) for c in adm_cols]
    params += [bindparam(c.name, type_=c.type) for c in scan_cols if c.name != "admission_id"]
    return DriverStatement(text(sql).bindparams(*params).columns(admission_id=Integer, scan_id=Integer))


_ADMIT_AND_RECORD = _admit_and_record_statement()


# --- the steps -----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Lookup:
    """What a scan's code named: the ticket (None: no ticket), and the hash its scan records."""

    ticket: FoundTicket | None
    code_hash: str
    malformed: bool = False


@dataclass(frozen=True, slots=True)
class Admitted:
    """The outcome of `admit`: the final decision, the admission it made or met, the id it made."""

    decision: Decision
    admission: dict[str, Any] | None
    new_admission_id: int | None = None


@dataclass(frozen=True, slots=True)
class Staff:
    """Who scanned: the user's id and the name the gate shows (both None for nobody)."""

    id: int | None
    name: str | None

    @classmethod
    def of(cls, by: Any) -> Staff:
        """From a user or a token's principal (anything with `id` and `label`)."""
        user_id = getattr(by, "id", None)
        return cls(user_id, by.label if user_id is not None else None)


def look_up(conn: Any, scan: ScanInput, day: date) -> Lookup:
    """The ticket a scan names, with its facts and its admission on `day`: one query."""
    if scan.ticket_id is not None:
        found = find_ticket(conn, "id", scan.ticket_id, day)
        if found is None:
            return Lookup(None, unknown_code_hash(f"ticket:{scan.ticket_id}"))
        return Lookup(found, code_hash(found.secret))
    secret = parse_code(scan.code or "")
    if secret is None:
        return Lookup(None, unknown_code_hash(scan.code or ""), malformed=True)
    found = find_ticket(conn, "secret", secret, day)
    # The index lookup finds the row; the comparison that decides is constant-time, so no
    # answer depends on how many leading characters of a guess were right.
    if found is None or not hmac.compare_digest(found.secret.encode(), secret.encode()):
        return Lookup(None, code_hash(secret))
    return Lookup(found, code_hash(found.secret))


def decide(scan: ScanInput, lookup: Lookup, day: date) -> Decision:
    """The rule's verdict on what the lookup found; an offline device's own refusal stands."""
    if lookup.malformed:
        decision = rule.MALFORMED
    elif lookup.ticket is None:
        decision = rule.decide(None, day, None)
    else:
        decision = rule.decide(lookup.ticket.facts, day, lookup.ticket.admission)
    return rule.device_refusal(decision, scan.local_verdict) if scan.offline else decision


def admission_time(scan: ScanInput, day: date, now: datetime) -> tuple[datetime, bool]:
    """When a scan's person came in, and whether the device's time had to be corrected for the office.

    Online: the server's receive time, whatever the device says. Offline: the device's time
    (already corrected by the page with the offset it measured against the server), bounded to
    the scan's day (`rule.bound_to_day`): outside that day it is flagged (`clock_suspect`).
    """
    if not scan.offline:
        return now, False
    at, outside = rule.bound_to_day(clock.as_utc(scan.scanned_at or now), day, now)
    return clock.as_utc(at), outside


def _admission_values(
    scan: ScanInput, ticket_id: int, staff: Staff, day: date, now: datetime
) -> dict[str, Any]:
    return {
        "ticket_id": ticket_id,
        "day": day,
        # Online: when the server received the scan. Offline: the device's corrected time, bounded
        # to the day and never later than the server heard of it (`rule.bound_to_day`).
        "admitted_at": admission_time(scan, day, now)[0],
        "received_at": now,
        "by_id": staff.id,
        "device_id": scan.device_id,
        "gate": scan.gate,
        "offline": scan.offline,
    }


def _new_admission(new_id: int, values: dict[str, Any], staff: Staff) -> dict[str, Any]:
    return admission_json(
        id=new_id,
        day=values["day"],
        admitted_at=values["admitted_at"],
        received_at=values["received_at"],
        by=staff.name,
        gate=values["gate"],
        device_id=values["device_id"],
        offline=values["offline"],
    )


def admit(
    conn: Any, scan: ScanInput, lookup: Lookup, decision: Decision, *, staff: Staff, day: date, now: datetime
) -> Admitted:
    """Once per ticket per day: the guarded INSERT of the admission, for a scan the rule admits.

    A scan that lost the race to another is decided again with the winner's admission. A scan
    the rule refused as already in meets the admission the lookup found.
    """
    ticket = lookup.ticket
    if decision.verdict == V.already_checked_in:
        return Admitted(decision, ticket.admission if ticket is not None else None)
    if decision.verdict != V.checked_in or ticket is None:
        return Admitted(decision, None)
    values = _admission_values(scan, ticket.facts.id, staff, day, now)
    begin_write(conn)
    new_id = _INSERT_ADMISSION.scalar(conn, values)
    if new_id is not None:
        return Admitted(decision, _new_admission(new_id, values, staff), new_id)
    winner = find_ticket(conn, "id", ticket.facts.id, day)
    admission = winner.admission if winner is not None else None
    if admission is None:  # pragma: no cover - the unique index held, so the winner's row exists
        raise RuntimeError("admission conflict without a recorded admission")
    return Admitted(rule.decide(ticket.facts, day, admission), admission)


def _scan_values(
    scan: ScanInput,
    lookup: Lookup,
    admitted: Admitted,
    *,
    conflict: bool,
    staff: Staff,
    day: date,
    now: datetime,
) -> dict[str, Any]:
    return {
        "nonce": scan.nonce,
        "ticket_id": lookup.ticket.facts.id if lookup.ticket is not None else None,
        "code_hash": lookup.code_hash,
        "verdict": admitted.decision.verdict.value,
        "reason": admitted.decision.reason,
        "method": scan.method.value,
        "by_id": staff.id,
        "device_id": scan.device_id,
        "gate": scan.gate,
        "scanned_at": scan.scanned_at or now,
        "received_at": now,
        "day": day,
        "offline": scan.offline,
        "local_verdict": scan.local_verdict.value if scan.local_verdict is not None else None,
        "admission_id": admitted.admission["id"] if admitted.admission is not None else None,
        "conflict": conflict,
        "clock_suspect": admission_time(scan, day, now)[1],
        "reviewed_at": None,
        "reviewed_by_id": None,
        "review_note": None,
    }


def record(conn: Any, values: dict[str, Any]) -> int | None:
    """The scan's row, one guarded INSERT (`… ON CONFLICT (nonce) DO NOTHING`): its id, or None for a known nonce.

    Outside a transaction the INSERT is one by itself (`single_write`).
    """
    with single_write(conn):
        return _INSERT_SCAN.scalar(conn, values)


def scan_by_nonce(nonce: str) -> Scan | None:
    """The scan recorded under a client nonce, if any."""
    return db.session.scalar(select(Scan).where(Scan.nonce == nonce))


def replay(conn: Any, scan: ScanInput, staff: Staff, *, undo_admission: int | None) -> Scan:
    """The first scan of a nonce recorded before, marked `replayed`; this attempt's admission is undone.

    A nonce belongs to the device that first sent it (its `device_id`, under the same account):
    another device sending it gets a coded 409 and nothing of the first scan, which would
    otherwise tell it whose ticket was scanned.
    """
    if undo_admission is not None:
        conn.execute(admission_table.delete().where(admission_table.c.id == undo_admission))
    first = scan_by_nonce(scan.nonce)
    if first is None:  # pragma: no cover - the unique index held, so the row exists
        raise RuntimeError("nonce conflict without a recorded scan")
    if first.device_id != scan.device_id or first.by_id != staff.id:
        raise Conflict(
            "nonce_in_use",
            _("Nonce ini sudah dipakai perangkat lain. Kirim pemindaian dengan nonce baru."),
            details={"field": "nonce"},
        )
    first.replayed = True
    return first


def answer(
    scan_id: int, values: dict[str, Any], lookup: Lookup, admitted: Admitted, staff: Staff
) -> RecordedScan:
    """The scan just recorded, as plain values, with what the gate shows (ticket, admission, who)."""
    return RecordedScan(
        **{
            **values,
            "id": scan_id,
            "verdict": admitted.decision.verdict,
            "method": ScanMethod(values["method"]),
        },
        gate_view={
            "ticket": ticket_json(lookup.ticket, admitted.decision.verdict),
            "admission": admitted.admission,
            "by": staff.name,
        },
    )


def admit_and_record(
    conn: Any, scan: ScanInput, lookup: Lookup, decision: Decision, *, staff: Staff, day: date, now: datetime
) -> RecordedScan | None:
    """PostgreSQL: an admission and its scan as one statement; None when it did not settle the scan.

    Anything unusual (the ticket admitted meanwhile, the nonce seen before) is left to the steps
    `admit` and `record`, which sort it out; an admission made for a known nonce is undone first.
    """
    assert lookup.ticket is not None
    adm_values = _admission_values(scan, lookup.ticket.facts.id, staff, day, now)
    admitted = Admitted(decision, None)
    values = _scan_values(scan, lookup, admitted, conflict=False, staff=staff, day=day, now=now)
    row = _ADMIT_AND_RECORD.first(conn, {**{f"a_{k}": v for k, v in adm_values.items()}, **values})
    if row.scan_id is not None:
        values["admission_id"] = row.admission_id
        admitted = Admitted(decision, _new_admission(row.admission_id, adm_values, staff), row.admission_id)
        return answer(row.scan_id, values, lookup, admitted, staff)
    if row.admission_id is not None:
        # The nonce was recorded by another request at the same moment: undo the admission.
        conn.execute(admission_table.delete().where(admission_table.c.id == row.admission_id))
    return None


def record_scan(scan: ScanInput, *, by: Any, now: datetime | None = None) -> RecordedScan | Scan:
    """Record one scan and answer it: the gate's hot path (a `RecordedScan`; a repeated nonce's first `Scan`).

    Everything the verdict needs is read first, in one query (the ticket, its facts, its days and
    its admission that day): a ticket found admitted makes no attempt to insert one. At most
    two writes follow, each one guarded statement: the admission, then the scan with its final
    verdict. When the nonce was recorded before, this attempt's own admission, if it made one,
    is deleted again and the first scan is the answer: a repeated nonce writes nothing.
    """
    now = now or clock.now()
    day = scan_day(scan, now)
    staff = Staff.of(by)
    conn = db.session.connection()
    lookup = look_up(conn, scan, day)
    decision = decide(scan, lookup, day)
    if decision.verdict == V.checked_in and conn.dialect.name == "postgresql":
        recorded = admit_and_record(conn, scan, lookup, decision, staff=staff, day=day, now=now)
        if recorded is not None:
            return recorded
    admitted = admit(conn, scan, lookup, decision, staff=staff, day=day, now=now)
    conflict = scan.offline and rule.is_conflict(
        admitted.decision, shown=scan.local_verdict, admission=admitted.admission, device_id=scan.device_id
    )
    values = _scan_values(scan, lookup, admitted, conflict=conflict, staff=staff, day=day, now=now)
    scan_id = record(conn, values)
    if scan_id is None:
        return replay(conn, scan, staff, undo_admission=admitted.new_admission_id)
    return answer(scan_id, values, lookup, admitted, staff)


_SCAN_COLUMNS = tuple(c.name for c in _scan_table.columns)


def check_in(scan: ScanInput, *, by: Any, now: datetime | None = None) -> Scan:
    """Record one scan and return it as the session's `Scan` (`scan.replayed` True for a repeated nonce).

    The same steps as `record_scan`, for pages, jobs and tests: the recorded row becomes a
    session object without being read back. Never commits: the caller commits, refusals included.
    """
    result = record_scan(scan, by=by, now=now)
    if isinstance(result, Scan):
        return result
    row = Scan(**{name: getattr(result, name) for name in _SCAN_COLUMNS})
    make_transient_to_detached(row)
    db.session.add(row)
    row.replayed = False
    row.gate_view = result.gate_view
    return row


@dataclass
class RecordedScan:
    """A scan just recorded, as plain values: the gate's answer without an ORM object to build.

    It has the `Scan` row's columns (`check_in` turns it into the session's `Scan`) and the
    `gate_view` the steps filled, from which the API answers.
    """

    id: int
    nonce: str
    ticket_id: int | None
    code_hash: str
    verdict: Verdict
    reason: str | None
    method: ScanMethod
    by_id: int | None
    device_id: str
    gate: str
    scanned_at: datetime
    received_at: datetime
    day: date
    offline: bool
    local_verdict: str | None
    admission_id: int | None
    conflict: bool
    clock_suspect: bool = False
    gate_view: dict[str, Any] | None = None
    replayed: bool = False
    reviewed_at: datetime | None = None
    reviewed_by_id: int | None = None
    review_note: str | None = None
