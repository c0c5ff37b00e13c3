"""Check-in rules: one verdict per scan, once per ticket per day, offline replay and conflicts.

The rule, in order (the first that applies is the verdict):
1. `unknown_ticket`: the code does not parse as `HK1:<secret>` (forged, altered, truncated) or
   names no ticket.
2. `entry_not_confirmed`: the entry is pending, waitlisted, rejected or withdrawn, or the ticket
   was revoked (its participant was replaced).
3. `not_valid_today`: the ticket's competition does not run on the scan's day (WITA).
4. `checked_in` for the first scan of the ticket that day, `already_checked_in` (with when, by
   whom and at which gate) for every later one.

Once per ticket per day is decided by the database, in one statement: an INSERT of the
admission that does nothing when UNIQUE (ticket_id, day) already holds a row
(`INSERT … ON CONFLICT (ticket_id, day) DO NOTHING RETURNING id`, the very same SQL text on
SQLite and PostgreSQL). Of any
number of simultaneous scans exactly one gets a row back; on PostgreSQL the others wait on the
winner's index entry and then see it, on SQLite writers are serialised by BEGIN IMMEDIATE.

Every scan is recorded, refusals too: the service writes the `Scan` row and returns it; the
caller commits. A scan carries the client's nonce: a nonce seen before returns the first scan
(marked `replayed`) and writes nothing.

Offline replay. A device without network decides from its roster, queues the scan and sends it
later with `offline=True`, its own `scanned_at` and the roster's `day`. The server applies the
same rule in ARRIVAL order: the first admission to reach the server is kept, whatever the device
clocks say (device clocks are not trusted, and arrival order is what the unique index decides
anyway); the admission keeps the device's time as `admitted_at`. A later offline scan that the
device showed as admitted but the server cannot admit is a conflict: another device admitted
the ticket first (the same device's own repeat is not), or the entry was no longer confirmed.
Conflicts are listed for the office, who mark them reviewed with a note.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime
from types import SimpleNamespace
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import Integer, bindparam, func, or_, select, text
from sqlalchemy.orm import joinedload, make_transient_to_detached

from .. import clock
from ..audit import record_audit
from ..competitions.models import Competition, CompetitionDay, Event
from ..cooperatives.models import Cooperative
from ..db.driver import DriverStatement
from ..db.transactions import begin_write, single_write
from ..errors import Conflict, NotFound, ValidationFailed
from ..extensions import db
from ..registrations.models import Entry, EntryState, Participant, Ticket
from ..registrations.tickets import parse_code
from .models import CheckIn, Scan, ScanMethod, Verdict

V = Verdict
MAX_CODE_LENGTH = 200
_CONTROL = re.compile(r"[\x00-\x1f]")
MAX_NONCE_LENGTH = 64
MAX_DEVICE_LENGTH = 64
MAX_GATE_LENGTH = 60

# (badge kind, icon) per verdict, after ui.md: green good, amber attention, red refused.
VERDICT_STYLE = {
    V.checked_in: ("good", "✓"),
    V.already_checked_in: ("warn", "⚠"),
    V.not_valid_today: ("bad", "✗"),
    V.entry_not_confirmed: ("bad", "✗"),
    V.unknown_ticket: ("bad", "✗"),
}


_VERDICT_LABELS = {
    V.checked_in: _l("Check-in berhasil"),
    V.already_checked_in: _l("Sudah check-in"),
    V.not_valid_today: _l("Bukan jadwal hari ini"),
    V.entry_not_confirmed: _l("Pendaftaran tidak aktif"),
    V.unknown_ticket: _l("Tiket tidak dikenal"),
}


def verdict_label(verdict: Verdict | str) -> str:
    """The verdict's word, as the scanner shows it (only that one is translated: every scan asks)."""
    return str(_VERDICT_LABELS[Verdict(verdict)])


def reason_label(reason: str | None) -> str:
    """Why a ticket is refused, in plain words."""
    labels = {
        EntryState.pending.value: _("Pendaftaran masih menunggu persetujuan."),
        EntryState.waitlisted.value: _("Tim masih di daftar tunggu."),
        EntryState.rejected.value: _("Pendaftaran ditolak."),
        EntryState.withdrawn.value: _("Tim mengundurkan diri."),
        "ticket_revoked": _("Tiket sudah dicabut (peserta diganti)."),
        "malformed": _("Kode bukan kode tiket Harkop."),
        "device_refused": _("Ditolak oleh perangkat saat luring."),
        "not_found": _("Tidak ada tiket dengan kode ini."),
    }
    return labels.get(reason or "", "")


def code_hash(secret: str) -> str:
    """SHA-256 (hex) of a ticket secret: how codes appear in the roster and in scan records."""
    return hashlib.sha256(secret.encode()).hexdigest()


def _raw_hash(code: str) -> str:
    """The hash recorded for a code that names no ticket (the text itself is not kept)."""
    return hashlib.sha256(("raw:" + code.strip()).encode()).hexdigest()


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


def _scan_day(*, offline: bool, day: date | None, scanned_at: datetime, now: datetime) -> date:
    """The event day a scan counts for.

    Online: the server's today (WITA), whatever the device says. Offline: the roster's day the
    device decided against (`day`; the page always sends it), else the WITA date of the
    device's time; never later than the server's today.
    """
    server_today = clock.to_wita(now).date()
    if not offline:
        return server_today
    chosen = day or clock.to_wita(scanned_at).date()
    return min(chosen, server_today)


# --- the rule ------------------------------------------------------------------------------
#
# The gate's hot path talks to the tables with Core statements (a few small indexed queries, no
# ORM unit of work): a scan must cost little more than the framework's own floor.

_scan = Scan.__table__
_admission = CheckIn.__table__
_ADMISSION_COLUMNS = tuple(c.name for c in _admission.columns)


def _conn() -> Any:
    """The session's connection, in its transaction: Core statements skip the ORM's per-call cost."""
    return db.session.connection()


@dataclass
class _Decision:
    verdict: Verdict
    reason: str | None
    ticket_id: int | None
    code_hash: str
    facts: dict[str, Any] | None = None
    # The ticket's admission on the scan's day, when the lookup found one (see `_ticket_row`).
    admission: dict[str, Any] | None = None


def _slot(starts_at: Any, ends_at: Any) -> str:
    return f"{starts_at:%H.%M}–{ends_at:%H.%M} WITA"


_ticket_selects: dict[str, Any] = {}


def _ticket_row(conn: Any, by: str, value: Any, day: date) -> Any:
    """One row with everything the gate shows about a ticket (never the phone), by `secret` or `id`.

    `runs_today` says whether the ticket's competition runs on `day`; the `adm_*` columns are the
    ticket's admission on `day` and who made it (NULL when there is none), so a repeated scan
    needs no second query. The statement is built once per lookup kind and run on the driver
    (`DriverStatement`: the gate's hot path).
    """
    stmt = _ticket_selects.get(by)
    if stmt is None:
        user = db.metadata.tables["user"]
        runs_today = (
            select(CompetitionDay.day)
            .where(
                CompetitionDay.competition_id == Entry.competition_id, CompetitionDay.day == bindparam("day")
            )
            .exists()
        )
        stmt = (
            select(
                Ticket.id,
                Ticket.secret,
                Ticket.revoked_at,
                Participant.name.label("participant"),
                Participant.role,
                Entry.state,
                Entry.team_name,
                Entry.competition_id,
                Cooperative.name.label("cooperative"),
                Competition.name.label("competition"),
                Competition.starts_at,
                Competition.ends_at,
                Competition.place,
                runs_today.label("runs_today"),
                *(c.label(f"adm_{c.name}") for c in _admission.columns),
                func.coalesce(func.nullif(user.c.display_name, ""), user.c.username).label("adm_by"),
            )
            .join(Participant, Participant.id == Ticket.participant_id)
            .join(Entry, Entry.id == Participant.entry_id)
            .join(Cooperative, Cooperative.id == Entry.cooperative_id)
            .join(Competition, Competition.id == Entry.competition_id)
            .outerjoin(
                _admission, (_admission.c.ticket_id == Ticket.id) & (_admission.c.day == bindparam("day"))
            )
            .outerjoin(user, user.c.id == _admission.c.by_id)
            .where((Ticket.secret if by == "secret" else Ticket.id) == bindparam("value"))
        )
        stmt = _ticket_selects[by] = DriverStatement(stmt)
    return stmt.first(conn, {"value": value, "day": day})


def _competition_days(competition_id: int) -> list[date]:
    return list(
        _conn().scalars(
            select(CompetitionDay.day)
            .where(CompetitionDay.competition_id == competition_id)
            .order_by(CompetitionDay.day)
        )
    )


def _facts_from_row(row: Any) -> dict[str, Any]:
    state = EntryState(row.state)
    return {
        "id": row.id,
        "participant": row.participant,
        "role": row.role,
        "team": row.team_name,
        "cooperative": row.cooperative,
        "competition": {"id": row.competition_id, "name": row.competition},
        "slot": _slot(row.starts_at, row.ends_at),
        "place": row.place,
        "entry_state": state.value,
        "valid": row.revoked_at is None and state == EntryState.confirmed,
    }


def _decide(conn: Any, code: str | None, ticket_id: int | None, day: date) -> _Decision:
    """The verdict before the once-per-day rule, with the ticket's facts and its admission that day."""
    if ticket_id is not None:
        row = _ticket_row(conn, "id", ticket_id, day)
        if row is None:
            return _Decision(V.unknown_ticket, "not_found", None, _raw_hash(f"ticket:{ticket_id}"))
    else:
        secret = parse_code(code or "")
        if secret is None:
            return _Decision(V.unknown_ticket, "malformed", None, _raw_hash(code or ""))
        row = _ticket_row(conn, "secret", secret, day)
        # The index lookup finds the row; the comparison that decides is constant-time, so no
        # answer depends on how many leading characters of a guess were right.
        if row is None or not hmac.compare_digest(row.secret.encode(), secret.encode()):
            return _Decision(V.unknown_ticket, "not_found", None, code_hash(secret))
    facts = _facts_from_row(row)
    digest = code_hash(row.secret)
    admission = None
    if row.adm_id is not None:
        admission = _admission_dict(
            SimpleNamespace(**{name: getattr(row, f"adm_{name}") for name in _ADMISSION_COLUMNS}), row.adm_by
        )
    if facts["entry_state"] != EntryState.confirmed.value:
        return _Decision(V.entry_not_confirmed, facts["entry_state"], row.id, digest, facts, admission)
    if row.revoked_at is not None:
        return _Decision(V.entry_not_confirmed, "ticket_revoked", row.id, digest, facts, admission)
    if not row.runs_today:
        # Only this refusal needs the days, to tell the gate when the ticket is valid.
        facts["valid_days"] = [d.isoformat() for d in _competition_days(row.competition_id)]
        return _Decision(V.not_valid_today, None, row.id, digest, facts, admission)
    return _Decision(V.checked_in, None, row.id, digest, facts, admission)


def _insert_unless_exists(table: Any, conflict_on: tuple[str, ...]) -> Any:
    """`INSERT … ON CONFLICT (…) DO NOTHING RETURNING id` for a table: one SQL text for SQLite and PostgreSQL.

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


_INSERT_SCAN = _insert_unless_exists(_scan, ("nonce",))
_INSERT_ADMISSION = _insert_unless_exists(_admission, ("ticket_id", "day"))


def _admit_and_record_statement() -> Any:
    """PostgreSQL: the admission and its scan in one statement (a data-modifying CTE).

    The admission is inserted unless the ticket already has one that day or the nonce was
    recorded before; the scan is inserted only with that new admission. Answers both ids (NULL
    for what was not inserted). A statement is atomic by itself: no BEGIN or COMMIT to send.
    """
    adm_cols = [c for c in _admission.columns if c.name != "id"]
    scan_cols = [c for c in _scan.columns if c.name != "id"]
    sql = (
        f"WITH adm AS (INSERT INTO {_admission.name} ({', '.join(c.name for c in adm_cols)}) "
        f"SELECT {', '.join(':a_' + c.name for c in adm_cols)} "
        f"WHERE NOT EXISTS (SELECT 1 FROM {_scan.name} WHERE nonce = :nonce) "
        "ON CONFLICT (ticket_id, day) DO NOTHING RETURNING id), "
        f"rec AS (INSERT INTO {_scan.name} ({', '.join(c.name for c in scan_cols)}) "
        f"SELECT {', '.join('adm.id' if c.name == 'admission_id' else ':' + c.name for c in scan_cols)} "
        "FROM adm ON CONFLICT (nonce) DO NOTHING RETURNING id) "
        "SELECT (SELECT id FROM adm) AS admission_id, (SELECT id FROM rec) AS scan_id"
    )
    params = [bindparam("a_" + c.name, type_=c.type) for c in adm_cols]
    params += [bindparam(c.name, type_=c.type) for c in scan_cols if c.name != "admission_id"]
    return DriverStatement(text(sql).bindparams(*params).columns(admission_id=Integer, scan_id=Integer))


_ADMIT_AND_RECORD = _admit_and_record_statement()


_admission_select: list[Any] = []


def _admission_facts(ticket_id: int, day: date) -> dict[str, Any] | None:
    """The admission of a ticket on a day, as the gate shows it (when, by whom, gate)."""
    if not _admission_select:
        from ..auth.models import User

        _admission_select.append(
            select(_admission, User.display_name, User.username)
            .outerjoin(User, User.id == _admission.c.by_id)
            .where(_admission.c.ticket_id == bindparam("ticket_id"), _admission.c.day == bindparam("day"))
        )
    row = _conn().execute(_admission_select[0], {"ticket_id": ticket_id, "day": day}).first()
    if row is None:
        return None
    return _admission_dict(row, row.display_name or row.username)


def _admission_dict(row: Any, by_name: str | None) -> dict[str, Any]:
    admitted_at = clock.as_utc(row.admitted_at)
    return {
        "id": row.id,
        "day": row.day.isoformat(),
        "admitted_at": admitted_at.isoformat(),
        "admitted_at_text": clock.format_datetime(admitted_at),
        "received_at": clock.as_utc(row.received_at).isoformat(),
        "by": by_name,
        "gate": row.gate,
        "device_id": row.device_id,
        "offline": bool(row.offline),
    }


def scan_by_nonce(nonce: str) -> Scan | None:
    """The scan recorded under a client nonce, if any."""
    return db.session.scalar(select(Scan).where(Scan.nonce == nonce))


def _replay(nonce: str) -> Scan | None:
    first = scan_by_nonce(nonce)
    if first is not None:
        first.replayed = True
    return first


def record_scan(
    code: str | None,
    *,
    by: Any,
    device_id: str,
    gate: str = "",
    nonce: str,
    scanned_at: datetime | None = None,
    now: datetime | None = None,
    offline: bool = False,
    day: date | None = None,
    local_verdict: str | None = None,
    method: ScanMethod | str = ScanMethod.api,
    ticket_id: int | None = None,
    read_without_transaction: bool = False,
) -> Scan | RecordedScan:
    """Record one scan: `check_in`'s rule, answered as a plain `RecordedScan` (the gate's hot path).

    A repeated nonce answers with the first `Scan` (`replayed` True).

    `code` is the scanned or typed text (`HK1:<secret>`, or the secret alone); a scan from the
    search list names `ticket_id` instead. Never commits: the caller commits the scan, refusals
    included.

    Two writes at most, each one guarded statement: the admission (INSERT … ON CONFLICT
    (ticket_id, day) DO NOTHING), then the scan with its final verdict (INSERT … ON CONFLICT
    (nonce) DO NOTHING). When the nonce was recorded before (a replay, or the same scan sent
    twice at once), this attempt's own admission, if it made one, is deleted again in the same
    transaction and the first scan is the answer: a repeated nonce writes nothing.

    Everything the verdict needs is read first (one query: the ticket, its facts and its
    admission that day); a ticket found admitted that day makes no attempt to insert one. With
    `read_without_transaction` (the API: see `harkop.db.transactions.reads_without_transaction`) the
    writes bring their own transaction: an admission and its scan begin one just before the
    INSERTs (on SQLite the write lock covers them alone; on PostgreSQL both are first tried as one
    statement, `_ADMIT_AND_RECORD`, and only an unusual outcome goes on to the transaction); a
    scan that admits nobody is one INSERT, atomic by itself, with no BEGIN or COMMIT to send.
    """
    now = now or clock.now()
    nonce = _text(nonce, "nonce", max_length=MAX_NONCE_LENGTH, required=True)
    device_id = _text(device_id, "device_id", max_length=MAX_DEVICE_LENGTH, required=True)
    gate = _text(gate, "gate", max_length=MAX_GATE_LENGTH, required=False)
    if ticket_id is None:
        code = _text(code, "code", max_length=MAX_CODE_LENGTH, required=True)
    scanned_at = scanned_at or now
    if scanned_at.tzinfo is None:
        raise ValidationFailed("invalid_scanned_at", _("scanned_at harus memuat zona waktu."))
    if not isinstance(method, str) or method not in ScanMethod.__members__:
        raise ValidationFailed("invalid_method", _("method tidak dikenal."), details={"field": "method"})
    method = ScanMethod(method)
    if local_verdict is not None and (
        not isinstance(local_verdict, str) or local_verdict not in Verdict.__members__
    ):
        raise ValidationFailed("invalid_local_verdict", _("local_verdict tidak dikenal."))
    user_id = getattr(by, "id", None)
    by_name = by.label if user_id is not None else None

    scan_day = _scan_day(offline=offline, day=day, scanned_at=scanned_at, now=now)
    conn = _conn()
    decision = _decide(conn, code, ticket_id, scan_day)
    if offline and decision.verdict == V.checked_in and local_verdict not in (None, V.checked_in.value):
        # The device turned the person away (its roster was older than the server's facts):
        # nobody came in, so no admission is made; the scan keeps the answer the gate gave.
        decision.verdict, decision.reason = Verdict(local_verdict), "device_refused"
    device_admitted = offline and local_verdict in (None, V.checked_in.value)
    verdict = decision.verdict
    # An offline admission the server refuses outright (entry no longer confirmed, unknown).
    conflict = device_admitted and verdict != V.checked_in

    admission = None
    new_admission_id = None
    attempts_admission = verdict == V.checked_in and decision.admission is None
    admitted = {
        "ticket_id": decision.ticket_id,
        "day": scan_day,
        "admitted_at": min(scanned_at, now) if offline else now,
        "received_at": now,
        "by_id": user_id,
        "device_id": device_id,
        "gate": gate,
        "offline": offline,
    }
    values: dict[str, Any] = {
        "nonce": nonce,
        "ticket_id": decision.ticket_id,
        "code_hash": decision.code_hash,
        "verdict": verdict.value,
        "reason": decision.reason,
        "method": method.value,
        "by_id": user_id,
        "device_id": device_id,
        "gate": gate,
        "scanned_at": scanned_at,
        "received_at": now,
        "day": scan_day,
        "offline": offline,
        "local_verdict": local_verdict if offline else None,
        "admission_id": None,
        "conflict": conflict,
        "reviewed_at": None,
        "reviewed_by_id": None,
        "review_note": None,
    }
    if read_without_transaction and attempts_admission and conn.dialect.name == "postgresql":
        # One statement for the admission and its scan; anything unusual (the ticket admitted
        # meanwhile, the nonce seen before) goes on to the transaction below, which sorts it out.
        row = _ADMIT_AND_RECORD.first(conn, {**{f"a_{k}": v for k, v in admitted.items()}, **values})
        if row.scan_id is not None:
            admission = _admission_dict(SimpleNamespace(id=row.admission_id, **admitted), by_name)
            values["admission_id"] = row.admission_id
            return _recorded(row.scan_id, values, verdict, method, decision, admission, by_name)
        if row.admission_id is not None:
            # The nonce was recorded by another request at the same moment: undo the admission.
            conn.execute(_admission.delete().where(_admission.c.id == row.admission_id))
    if read_without_transaction and attempts_admission:
        begin_write(conn)
    if verdict == V.checked_in:
        # A ticket the lookup already found admitted needs no attempt; otherwise the guarded
        # INSERT decides, and a scan that lost a race reads the winner's admission.
        if attempts_admission:
            new_admission_id = _INSERT_ADMISSION.scalar(conn, admitted)
        if new_admission_id is not None:
            admission = _admission_dict(SimpleNamespace(id=new_admission_id, **admitted), by_name)
        else:
            verdict = V.already_checked_in
            admission = decision.admission or _admission_facts(decision.ticket_id, scan_day)
            # The device let the person in, but another device had admitted the ticket first.
            conflict = device_admitted and admission["device_id"] != device_id
    elif verdict == V.already_checked_in and decision.ticket_id is not None:
        admission = decision.admission  # a device's own refusal, offline

    values.update(
        verdict=verdict.value, admission_id=admission["id"] if admission else None, conflict=conflict
    )
    if read_without_transaction and not attempts_admission:
        with single_write(conn):
            scan_id = _INSERT_SCAN.scalar(conn, values)
    else:
        scan_id = _INSERT_SCAN.scalar(conn, values)
    if scan_id is None:
        # This nonce was recorded before (a replay, or the same scan sent twice at once): answer
        # with that first scan and leave nothing of this attempt behind.
        if new_admission_id is not None:
            conn.execute(_admission.delete().where(_admission.c.id == new_admission_id))
        first = _replay(nonce)
        if first is None:  # pragma: no cover - the unique index held, so the row exists
            raise RuntimeError("nonce conflict without a recorded scan")
        return first
    return _recorded(scan_id, values, verdict, method, decision, admission, by_name)


def _recorded(
    scan_id: int,
    values: dict[str, Any],
    verdict: Verdict,
    method: ScanMethod,
    decision: _Decision,
    admission: dict[str, Any] | None,
    by_name: str | None,
) -> RecordedScan:
    """The scan just inserted, as plain values, with what the gate shows."""
    return RecordedScan(
        **{**values, "id": scan_id, "verdict": verdict, "method": method},
        gate_view={"ticket": decision.facts, "admission": admission, "by": by_name},
    )


def check_in(
    code: str | None,
    *,
    by: Any,
    device_id: str,
    gate: str = "",
    nonce: str,
    scanned_at: datetime | None = None,
    now: datetime | None = None,
    offline: bool = False,
    day: date | None = None,
    local_verdict: str | None = None,
    method: ScanMethod | str = ScanMethod.api,
    ticket_id: int | None = None,
) -> Scan:
    """Record one scan and return it with its verdict (`scan.replayed` is True for a repeated nonce).

    `code` is the scanned or typed text (`HK1:<secret>`, or the secret alone); a scan from the
    search list names `ticket_id` instead. Never commits: the caller commits the scan, refusals
    included. The rule itself is `record_scan`; this returns the recorded row as a session
    object (without reading it back) for pages, jobs and tests.
    """
    result = record_scan(
        code,
        by=by,
        device_id=device_id,
        gate=gate,
        nonce=nonce,
        scanned_at=scanned_at,
        now=now,
        offline=offline,
        day=day,
        local_verdict=local_verdict,
        method=method,
        ticket_id=ticket_id,
    )
    if isinstance(result, Scan):
        return result
    values = {name: getattr(result, name) for name in _SCAN_COLUMNS}
    scan = Scan(**values)
    make_transient_to_detached(scan)
    db.session.add(scan)
    scan.replayed = False
    scan.gate_view = result.gate_view
    return scan


_SCAN_COLUMNS = tuple(c.name for c in Scan.__table__.columns)


@dataclass
class RecordedScan:
    """A scan just recorded, as plain values: the gate's answer without an ORM object to build.

    It has the `Scan` row's columns (`check_in` turns it into the session's `Scan`) and the
    `gate_view` the service filled, from which the API answers.
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
    gate_view: dict[str, Any] | None = None
    replayed: bool = False
    reviewed_at: datetime | None = None
    reviewed_by_id: int | None = None
    review_note: str | None = None


# --- what a scan shows ---------------------------------------------------------------------


def slot_text(comp: Competition) -> str:
    """The competition's time slot: '09.00–12.00 WITA'."""
    return _slot(comp.starts_at, comp.ends_at)


def ticket_facts(ticket: Ticket) -> dict[str, Any]:
    """What the gate sees about a ticket: name, team, cooperative, competition, slot, place (no phone)."""
    participant = ticket.participant
    entry = participant.entry
    comp = entry.competition
    return {
        "id": ticket.id,
        "participant": participant.name,
        "role": participant.role,
        "team": entry.team_name,
        "cooperative": entry.cooperative.name,
        "competition": {"id": comp.id, "name": comp.name},
        "slot": slot_text(comp),
        "place": comp.place,
        "entry_state": entry.state.value,
        "valid": ticket.revoked_at is None and entry.state == EntryState.confirmed,
    }


def _user_name(user: Any) -> str | None:
    return user.label if user is not None else None


def admission_json(admission: CheckIn | None) -> dict[str, Any] | None:
    """When, by whom and at which gate a ticket was admitted."""
    if admission is None:
        return None
    return _admission_dict(admission, _user_name(admission.by))


def _gate_view(scan: Scan) -> dict[str, Any]:
    """The ticket's facts, the admission and the scanning user's name: carried or loaded."""
    view = getattr(scan, "gate_view", None)
    if view is None:
        view = {
            "ticket": ticket_facts(scan.ticket) if scan.ticket is not None else None,
            "admission": admission_json(scan.admission),
            "by": _user_name(scan.by),
        }
        scan.gate_view = view
    return view


def scan_message(scan: Scan) -> str:
    """One sentence for the verdict screen."""
    view = _gate_view(scan)
    adm, ticket = view["admission"], view["ticket"]
    if scan.verdict == V.already_checked_in and adm is not None:
        return _(
            "Sudah check-in %(when)s oleh %(who)s di %(gate)s.",
            when=adm["admitted_at_text"],
            who=adm["by"] or _("petugas"),
            gate=adm["gate"] or _("pintu tanpa nama"),
        )
    if scan.verdict == V.not_valid_today and ticket is not None:
        if "valid_days" not in ticket:
            ticket["valid_days"] = [d.isoformat() for d in _competition_days(ticket["competition"]["id"])]
        days = ", ".join(clock.format_date(date.fromisoformat(d)) for d in ticket["valid_days"])
        return _("Tiket ini berlaku pada %(days)s.", days=days)
    if scan.verdict == V.checked_in:
        return _("Silakan masuk.")
    return reason_label(scan.reason)


def scan_json(scan: Scan) -> dict[str, Any]:
    """A recorded scan for the API: verdict, ticket facts, the admission it made or met."""
    view = _gate_view(scan)
    return {
        "id": scan.id,
        "nonce": scan.nonce,
        "verdict": scan.verdict.value,
        "verdict_label": verdict_label(scan.verdict),
        "reason": scan.reason,
        "message": scan_message(scan),
        "method": scan.method.value,
        "by": view["by"],
        "device_id": scan.device_id,
        "gate": scan.gate,
        "day": scan.day.isoformat(),
        "scanned_at": clock.as_utc(scan.scanned_at).isoformat(),
        "received_at": clock.as_utc(scan.received_at).isoformat(),
        "offline": scan.offline,
        "local_verdict": scan.local_verdict,
        "conflict": scan.conflict,
        "replayed": bool(getattr(scan, "replayed", False)),
        "ticket": view["ticket"],
        "admission": view["admission"],
    }


# --- the roster for offline use ------------------------------------------------------------


def _events_on(day: date) -> list[int]:
    return list(db.session.scalars(select(Event.id).where(Event.starts_on <= day, Event.ends_on >= day)))


def _tickets_query(event_ids: list[int]):
    return (
        select(Ticket)
        .join(Ticket.participant)
        .join(Participant.entry)
        .join(Entry.competition)
        .where(Competition.event_id.in_(event_ids))
        .options(
            joinedload(Ticket.participant)
            .joinedload(Participant.entry)
            .options(joinedload(Entry.cooperative), joinedload(Entry.competition))
        )
        .order_by(Competition.id, Entry.team_name, Participant.position, Ticket.id)
    )


def _days_by_competition(comp_ids: set[int]) -> dict[int, list[date]]:
    days: dict[int, list[date]] = defaultdict(list)
    if comp_ids:
        rows = db.session.execute(
            select(CompetitionDay.competition_id, CompetitionDay.day)
            .where(CompetitionDay.competition_id.in_(comp_ids))
            .order_by(CompetitionDay.day)
        )
        for comp_id, d in rows:
            days[comp_id].append(d)
    return days


def _admissions_on(day: date, ticket_ids: list[int] | None = None) -> dict[int, CheckIn]:
    stmt = select(CheckIn).where(CheckIn.day == day).options(joinedload(CheckIn.by))
    if ticket_ids is not None:
        stmt = stmt.where(CheckIn.ticket_id.in_(ticket_ids))
    return {c.ticket_id: c for c in db.session.scalars(stmt)}


def _roster_item(ticket: Ticket, days: list[date], admission: CheckIn | None, day: date) -> dict[str, Any]:
    participant = ticket.participant
    entry = participant.entry
    comp = entry.competition
    if entry.state != EntryState.confirmed:
        refusal, reason = V.entry_not_confirmed.value, entry.state.value
    elif ticket.revoked_at is not None:
        refusal, reason = V.entry_not_confirmed.value, "ticket_revoked"
    elif day not in days:
        refusal, reason = V.not_valid_today.value, None
    else:
        refusal, reason = None, None
    return {
        "ticket_id": ticket.id,
        "code_hash": code_hash(ticket.secret),
        "participant": participant.name,
        "role": participant.role,
        "team": entry.team_name,
        "cooperative": entry.cooperative.name,
        "competition": {"id": comp.id, "name": comp.name},
        "slot": slot_text(comp),
        "place": comp.place,
        "days": [d.isoformat() for d in days],
        "entry_state": entry.state.value,
        "valid": ticket.revoked_at is None and entry.state == EntryState.confirmed,
        "refusal": refusal,
        "reason": reason,
        "checked_in": admission_json(admission),
    }


def roster(day: date, *, now: datetime | None = None) -> dict[str, Any]:
    """What a device needs to decide offline on `day`: every ticket of the events running that day.

    Codes appear only as SHA-256 hashes; no phone numbers. Revoked tickets and tickets of other
    days are included (with `refusal`), so an offline device gives the same verdict the server
    would. `today` and `server_time` are the server's: a device never trusts its own clock for them.
    """
    now = now or clock.now()
    event_ids = _events_on(day)
    tickets = list(db.session.scalars(_tickets_query(event_ids)).unique()) if event_ids else []
    days = _days_by_competition({t.participant.entry.competition_id for t in tickets})
    admitted = _admissions_on(day)
    items = [
        _roster_item(t, days[t.participant.entry.competition_id], admitted.get(t.id), day) for t in tickets
    ]
    return {
        "date": day.isoformat(),
        "today": clock.to_wita(now).date().isoformat(),
        "server_time": now.isoformat(),
        "items": items,
        "total": len(items),
        "page": 1,
        "per_page": max(len(items), 1),
    }


def search_tickets(query: str, *, day: date, limit: int = 20) -> list[dict[str, Any]]:
    """Tickets of the day's events whose participant, team, cooperative or phone matches `query`.

    The phone is matched (a participant may only remember it) but never returned.
    """
    text = (query or "").strip()
    if len(text) < 2:
        return []
    event_ids = _events_on(day)
    if not event_ids:
        return []
    like = f"%{text.lower()}%"
    conditions = [
        func.lower(Participant.name).like(like),
        func.lower(Entry.team_name).like(like),
        Entry.cooperative_id.in_(select(Cooperative.id).where(func.lower(Cooperative.name).like(like))),
    ]
    digits = "".join(ch for ch in text if ch.isdigit())
    if len(digits) >= 4:
        # Numbers are stored as typed ("0812…" or "+62812…"): match on the last digits.
        conditions.append(Participant.phone.like(f"%{digits[-8:]}%"))
    stmt = (
        _tickets_query(event_ids)
        .where(or_(*conditions))
        .order_by(None)
        .order_by(Ticket.revoked_at.is_not(None), Participant.name, Ticket.id)
        .limit(limit)
    )
    tickets = list(db.session.scalars(stmt).unique())
    days = _days_by_competition({t.participant.entry.competition_id for t in tickets})
    admitted = _admissions_on(day, [t.id for t in tickets])
    return [
        _roster_item(t, days[t.participant.entry.competition_id], admitted.get(t.id), day) for t in tickets
    ]


# --- conflicts -----------------------------------------------------------------------------


def conflicts(*, include_reviewed: bool = False):
    """A select of conflicting offline scans, open ones first, newest first."""
    stmt = select(Scan).where(Scan.conflict.is_(True))
    if not include_reviewed:
        stmt = stmt.where(Scan.reviewed_at.is_(None))
    return stmt.order_by(Scan.reviewed_at.is_not(None), Scan.received_at.desc(), Scan.id.desc())


def count_open_conflicts() -> int:
    """How many conflicts wait for the office."""
    return db.session.scalar(
        select(func.count(Scan.id)).where(Scan.conflict.is_(True), Scan.reviewed_at.is_(None))
    )


def review_conflict(scan_id: int, note: str, *, by: Any, now: datetime | None = None) -> Scan:
    """Mark a conflict reviewed with the office's note (audited)."""
    now = now or clock.now()
    scan = db.session.get(Scan, scan_id)
    if scan is None or not scan.conflict:
        raise NotFound("conflict_not_found", _("Konflik tidak ditemukan."))
    if scan.reviewed_at is not None:
        raise Conflict("already_reviewed", _("Konflik ini sudah ditinjau."))
    note = (note or "").strip()
    if not note:
        raise ValidationFailed(
            "note_required", _("Tulis catatan hasil peninjauan."), details={"field": "note"}
        )
    scan.reviewed_at = now
    scan.reviewed_by_id = getattr(by, "id", None)
    scan.review_note = note[:2000]
    db.session.flush()
    record_audit(
        "checkin.conflict_reviewed",
        entity_type="checkin_scan",
        entity_id=scan.id,
        by=by,
        after={"ticket_id": scan.ticket_id, "verdict": scan.verdict.value, "note": scan.review_note},
        now=now,
    )
    return scan


# --- the dashboard -------------------------------------------------------------------------


@dataclass
class CompetitionRow:
    """One competition on the dashboard's day."""

    id: int
    name: str
    slot: str
    place: str
    expected: int
    checked_in: int
    ended: bool

    @property
    def missing(self) -> int:
        """Valid tickets not (yet) checked in."""
        return max(0, self.expected - self.checked_in)

    @property
    def no_shows(self) -> int:
        """Missing once the competition's slot has ended; before that, they may still come."""
        return self.missing if self.ended else 0


@dataclass
class DayRow:
    """One event day: tickets expected, checked in (each ticket once), no-shows so far."""

    day: date
    expected: int
    checked_in: int
    no_shows: int


@dataclass
class Dashboard:
    """The check-in figures of one day, plus every day of its event."""

    day: date
    today: date
    generated_at: datetime
    event_name: str | None
    days: list[DayRow]
    competitions: list[CompetitionRow]
    hours: list[tuple[int, int]]
    verdicts: dict[str, int]
    scans: int
    open_conflicts: int
    recent: list[Scan] = field(default_factory=list)

    @property
    def checked_in(self) -> int:
        """Tickets checked in on the day."""
        return sum(c.checked_in for c in self.competitions)

    @property
    def expected(self) -> int:
        """Valid tickets for the day."""
        return sum(c.expected for c in self.competitions)

    @property
    def no_shows(self) -> int:
        """No-shows of competitions that have ended."""
        return sum(c.no_shows for c in self.competitions)

    @property
    def busiest_hour_count(self) -> int:
        """The highest hourly count (for the bars' scale)."""
        return max((n for _h, n in self.hours), default=0)

    def as_json(self) -> dict[str, Any]:
        """Plain data for the API and the page's refresh."""
        return {
            "date": self.day.isoformat(),
            "today": self.today.isoformat(),
            "generated_at": self.generated_at.isoformat(),
            "event": self.event_name,
            "totals": {
                "expected": self.expected,
                "checked_in": self.checked_in,
                "no_shows": self.no_shows,
                "scans": self.scans,
                "open_conflicts": self.open_conflicts,
            },
            "days": [
                {
                    "date": r.day.isoformat(),
                    "expected": r.expected,
                    "checked_in": r.checked_in,
                    "no_shows": r.no_shows,
                }
                for r in self.days
            ],
            "competitions": [
                {
                    "id": c.id,
                    "name": c.name,
                    "slot": c.slot,
                    "place": c.place,
                    "expected": c.expected,
                    "checked_in": c.checked_in,
                    "missing": c.missing,
                    "no_shows": c.no_shows,
                    "ended": c.ended,
                }
                for c in self.competitions
            ],
            "hours": [{"hour": h, "checked_in": n} for h, n in self.hours],
            "verdicts": self.verdicts,
        }


def _competition_rows(day: date, now: datetime) -> list[CompetitionRow]:
    comps = list(
        db.session.scalars(
            select(Competition)
            .join(CompetitionDay, CompetitionDay.competition_id == Competition.id)
            .where(CompetitionDay.day == day)
            .order_by(Competition.starts_at, Competition.name)
        )
    )
    if not comps:
        return []
    ids = [c.id for c in comps]
    expected = dict(
        db.session.execute(
            select(Entry.competition_id, func.count(Ticket.id))
            .join(Participant, Participant.entry_id == Entry.id)
            .join(Ticket, Ticket.participant_id == Participant.id)
            .where(
                Entry.competition_id.in_(ids),
                Entry.state == EntryState.confirmed,
                Ticket.revoked_at.is_(None),
            )
            .group_by(Entry.competition_id)
        ).all()
    )
    # Admissions, one row per ticket and day by the unique index: nothing to de-duplicate here.
    admitted = dict(
        db.session.execute(
            select(Entry.competition_id, func.count(CheckIn.id))
            .join(Participant, Participant.entry_id == Entry.id)
            .join(Ticket, Ticket.participant_id == Participant.id)
            .join(CheckIn, CheckIn.ticket_id == Ticket.id)
            .where(Entry.competition_id.in_(ids), CheckIn.day == day)
            .group_by(Entry.competition_id)
        ).all()
    )
    return [
        CompetitionRow(
            id=c.id,
            name=c.name,
            slot=slot_text(c),
            place=c.place,
            expected=expected.get(c.id, 0),
            checked_in=admitted.get(c.id, 0),
            ended=now >= c.slot_end(day),
        )
        for c in comps
    ]


def dashboard(day: date | None = None, *, now: datetime | None = None, recent: int = 15) -> Dashboard:
    """Checked in per day, per competition and per hour (WITA), no-shows, verdicts and open conflicts."""
    now = now or clock.now()
    today = clock.to_wita(now).date()
    day = day or today
    event = db.session.scalar(
        select(Event).where(Event.starts_on <= day, Event.ends_on >= day).order_by(Event.starts_on).limit(1)
    )
    if event is None:
        from ..competitions.services import current_event

        event = current_event(today=day)
    event_days = event.days() if event is not None else [day]
    if day not in event_days:
        event_days = sorted({*event_days, day})
    rows_by_day = {d: _competition_rows(d, now) for d in event_days}
    days = [
        DayRow(
            day=d,
            expected=sum(r.expected for r in rows),
            checked_in=sum(r.checked_in for r in rows),
            no_shows=sum(r.no_shows for r in rows),
        )
        for d, rows in rows_by_day.items()
    ]
    competitions = rows_by_day[day]
    by_hour: Counter[int] = Counter(
        clock.to_wita(t).hour
        for t in db.session.scalars(select(CheckIn.admitted_at).where(CheckIn.day == day))
    )
    hours = [(h, by_hour.get(h, 0)) for h in range(min([7, *by_hour]), max([18, *by_hour]) + 1)]
    verdicts = {v.value: 0 for v in Verdict}
    for verdict, count in db.session.execute(
        select(Scan.verdict, func.count(Scan.id)).where(Scan.day == day).group_by(Scan.verdict)
    ):
        verdicts[Verdict(verdict).value] = count
    recent_scans = list(
        db.session.scalars(
            select(Scan)
            .where(Scan.day == day)
            .options(joinedload(Scan.by), joinedload(Scan.ticket))
            .order_by(Scan.received_at.desc(), Scan.id.desc())
            .limit(recent)
        )
    )
    return Dashboard(
        day=day,
        today=today,
        generated_at=now,
        event_name=event.name if event is not None else None,
        days=days,
        competitions=competitions,
        hours=hours,
        verdicts=verdicts,
        scans=sum(verdicts.values()),
        open_conflicts=count_open_conflicts(),
        recent=recent_scans,
    )
