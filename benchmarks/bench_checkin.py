"""The check-in API under load: POST /api/v1/checkins beside the /readyz floor, same server, same clients.

Issue 5 item 8: with 20 concurrent clients, check-in throughput ≥ 50 % of the framework floor
and p99 ≤ 100 ms, on SQLite and on PostgreSQL. For each database: a fresh schema built by the
migrations, an event on 26–28 July 2024 with 1,000 valid tickets per round for 26 July, a check-in staff
user with a bearer token, and the server's clock frozen at 26 July 09.30 WITA (HARKOP_FAKE_NOW)
so every ticket is valid "today". gunicorn serves the app; the load generator is a second
process on loopback. Each request is a new scan (a fresh nonce) of a ticket taken round-robin,
as scanners at several gates would send them: the first pass over the tickets admits them
(200, an INSERT of the admission and of the scan), later passes are refused as
already_checked_in (409, the scan is still recorded). Both answers are successes here.

Then, in this process on the same database, what the scan's three statements (the token, the
ticket, the guarded INSERT of the scan) cost on the driver's cursor (`DriverStatement`, as the
scan runs them) against SQLAlchemy's `Connection.execute`: CPU time of this thread per statement,
the two ways interleaved block by block, so that both meet the same state of the shared machine.
This is the gain docs/decisions/0001-checkin-hot-path.md weighs; CPU time is much less disturbed
by other tenants than throughput.

PostgreSQL: `HARKOP_BENCH_PG_URL` (default postgresql://postgres@127.0.0.1:5432/test, skipped
when it does not answer); a schema of its own is created and dropped.
"""

from __future__ import annotations

import json
import os
import tempfile
import threading
import uuid
from datetime import date, datetime, time
from pathlib import Path
from time import thread_time

from benchmarks.common import (
    FLOOR_PATH,
    GunicornServer,
    LoadResult,
    LoadSpec,
    children,
    load_average,
    load_table,
    md_table,
    migrate_database,
    run_load,
)

CLIENTS = 20
DURATION = 10.0
WARMUP = 100
# The server shape docs/operations.md recommends for a 2-core machine: one worker per core, two
# threads each. More threads per worker add no throughput here and lengthen the tail (the threads
# of a worker take turns on one interpreter lock): measured, 2 × 4 gave p99 105-135 ms where
# 2 × 2 gave 70-87 ms at the same throughput (before the heap freeze, on a slower machine).
# Another shape for comparison:
# HARKOP_BENCH_CHECKIN_SHAPE=2x4 python -m benchmarks.run checkin
SHAPE_ENV = "HARKOP_BENCH_CHECKIN_SHAPE"
WORKERS, THREADS = (int(n) for n in os.environ.get(SHAPE_ENV, "2x2").split("x"))
TICKETS = 1000  # per round
# Rounds swing by several points on a shared machine (its other tenants, and how the clients'
# connections fall across the workers): the median of five is steadier than of three.
ROUNDS = 5
TEAM_SIZE = 4
FAKE_NOW = "2024-07-26T09:30:00+08:00"
TARGET_RATIO = 0.50
TARGET_P99_MS = 100.0
CODES_ENV = "HARKOP_BENCH_CHECKIN_CODES"
STATEMENT_BLOCK = 300  # statements per timed block
STATEMENT_ROUNDS = 15  # blocks per way, alternating which way goes first
DEFAULT_PG = "postgresql://postgres@127.0.0.1:5432/test"

_codes: list[str] | None = None


def scan_body(n: int) -> dict:
    """The load generator's body for request n: ticket n (round-robin), a fresh nonce, a device per client."""
    global _codes
    if _codes is None:
        _codes = json.loads(Path(os.environ[CODES_ENV]).read_text())
    return {
        "code": _codes[n % len(_codes)],
        "nonce": uuid.uuid4().hex,
        "device_id": f"bench-{n % CLIENTS}",
        "gate": f"Pintu {n % 3 + 1}",
        "scanned_at": datetime.now().astimezone().isoformat(),
        "method": "camera",
    }


def _app(database_url: str):
    from harkop import create_app
    from harkop.config import normalise_database_url

    os.environ.setdefault("HARKOP_SECRET_KEY", "benchmark-only-secret-key")
    return create_app(
        {"SQLALCHEMY_DATABASE_URI": normalise_database_url(database_url), "HARKOP_FAKE_NOW": FAKE_NOW}
    )


def seed(database_url: str) -> tuple[list[str], str]:
    """1,000 valid tickets per round for 26 July 2024 and a check-in staff token; returns (codes, token)."""
    from harkop.auth.services import create_user, issue_token
    from harkop.competitions.models import Competition, CompetitionDay, CompetitionState, Event, TeamKind
    from harkop.cooperatives.models import Cooperative
    from harkop.extensions import db
    from harkop.registrations.models import Entry, EntryState, Participant
    from harkop.registrations.tickets import issue_ticket, qr_payload

    app = _app(database_url)
    before = datetime(2024, 7, 20, 10, 0).astimezone()
    with app.app_context():
        event = Event(
            slug="bench-2024", name="Hari Koperasi (benchmark)", venue="Pentacity Mall",
            starts_on=date(2024, 7, 26), ends_on=date(2024, 7, 28),
        )  # fmt: skip
        db.session.add(event)
        comps = []
        for i in range(4):
            comp = Competition(
                event=event, name=f"Lomba {i + 1}", slug=f"lomba-{i + 1}", starts_at=time(9 + i, 0),
                ends_at=time(10 + i, 0), place="Atrium", team_kind=TeamKind.team, min_team_size=1,
                max_team_size=TEAM_SIZE, capacity=1000, state=CompetitionState.closed, created_at=before,
                updated_at=before, tie_break=[], allowed_jenis=[],
            )  # fmt: skip
            comp.day_rows = [CompetitionDay(day=date(2024, 7, 26))]
            db.session.add(comp)
            comps.append(comp)
        codes = []
        for i in range(TICKETS * ROUNDS // TEAM_SIZE):
            coop = Cooperative(nik=f"6471{i:012d}", name=f"Koperasi Bench {i}")
            entry = Entry(
                competition=comps[i % len(comps)], cooperative=coop, team_name=f"Tim {i}",
                state=EntryState.confirmed, decision={}, created_at=before, updated_at=before,
                confirmed_at=before,
            )  # fmt: skip
            for p in range(TEAM_SIZE):
                entry.participants.append(
                    Participant(
                        position=p + 1,
                        name=f"Peserta {i}-{p}",
                        phone=f"0812{i:04d}{p:04d}",
                        consent=True,
                        consent_at=before,
                        created_at=before,
                    )  # fmt: skip
                )
            db.session.add(entry)
            db.session.flush()
            codes += [qr_payload(issue_ticket(p, now=before)) for p in entry.participants]
        user, _ = create_user(
            username="petugas-bench", role="checkin_staff", password="bench-password", by="bench"
        )
        token = issue_token(user, label="bench", by="bench")
        db.session.commit()
        db.engine.dispose()
    return codes, token


def counts(database_url: str) -> tuple[int, int]:
    """(admissions, scans) recorded after the run."""
    from sqlalchemy import func, select

    from harkop.checkin.models import CheckIn, Scan
    from harkop.extensions import db

    app = _app(database_url)
    with app.app_context():
        result = (
            db.session.scalar(select(func.count(CheckIn.id))),
            db.session.scalar(select(func.count(Scan.id))),
        )
        db.engine.dispose()
    return result


def _pg_schema_url() -> tuple[str, str, str] | None:
    """A fresh schema in the benchmark PostgreSQL: (url with search_path, base url, schema), or None."""
    from sqlalchemy import create_engine, text

    from harkop.config import normalise_database_url

    base = os.environ.get("HARKOP_BENCH_PG_URL", DEFAULT_PG)
    schema = f"bench_checkin_{uuid.uuid4().hex[:8]}"
    try:
        engine = create_engine(normalise_database_url(base), connect_args={"connect_timeout": 5})
        with engine.begin() as conn:
            conn.execute(text(f'CREATE SCHEMA "{schema}"'))
        engine.dispose()
    except Exception:  # noqa: BLE001 - no PostgreSQL here: the section says so
        return None
    sep = "&" if "?" in base else "?"
    return f"{base}{sep}options=-csearch_path%3D{schema}", base, schema


def _drop_schema(base: str, schema: str) -> None:
    from sqlalchemy import create_engine, text

    from harkop.config import normalise_database_url

    engine = create_engine(normalise_database_url(base))
    with engine.begin() as conn:
        conn.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
    engine.dispose()


def _server_cpu_seconds(server: GunicornServer) -> float:
    """User + system CPU seconds used so far by gunicorn's master and workers (from /proc)."""
    assert server.proc is not None
    total = 0
    for pid in (server.proc.pid, *children(server.proc.pid)):
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += int(fields[11]) + int(fields[12])
    return total / os.sysconf("SC_CLK_TCK")


def _run_measured(server: GunicornServer, spec: LoadSpec) -> tuple[LoadResult, float, list[int]]:
    """One load run, the server's CPU milliseconds per request during it, and the clients' split.

    The split is how the clients' keep-alive connections lay across the workers halfway through
    the run (largest first): a worker holding 14 of 20 connections answers its clients at the same
    rate as the other answers its 6, so they wait more than twice as long, and the p99 is theirs.
    """
    split: list[int] = []
    sampler = threading.Timer(spec.duration / 2, lambda: split.extend(server.connections_per_worker()))
    before = _server_cpu_seconds(server)
    sampler.start()
    try:
        result = run_load(server.port, spec)
    finally:
        sampler.cancel()  # a run that failed early leaves no sampler behind
        sampler.join()
    used = _server_cpu_seconds(server) - before
    # The warm-up requests ran inside the same window: count them too.
    return result, used * 1000 / max(result.requests + spec.warmup_requests, 1), split


def unknown_ticket_scan_row(now: datetime, day: date) -> dict:
    """Every column of one scan row (an unknown ticket) for the scan's INSERT, as the app binds
    them: the statement names each column, so a column added to `checkin_scan` must be added here
    (tests/benchmarks/test_harness.py checks it)."""
    return {
        "nonce": uuid.uuid4().hex, "ticket_id": None, "code_hash": "0" * 64, "verdict": "unknown_ticket",
        "reason": "not_found", "method": "camera", "by_id": None, "device_id": "bench", "gate": "",
        "scanned_at": now, "received_at": now, "day": day, "offline": False, "local_verdict": None,
        "admission_id": None, "conflict": False, "clock_suspect": False, "reviewed_at": None,
        "reviewed_by_id": None, "review_note": None,
    }  # fmt: skip


def statement_costs(database_url: str, codes: list[str], token: str) -> dict[str, tuple[float, float]]:
    """CPU µs per run of each of the scan's statements: (on the driver's cursor, through Connection.execute).

    The statements are built as the app builds them: the token's principal (harkop.auth.services),
    the ticket with its days and admission (`lookup.ticket_select`), the scan's guarded INSERT
    (`scans.insert_unless_exists`). They run in one transaction, rolled back at the end.
    """
    import statistics

    from sqlalchemy import bindparam, select

    from harkop.auth.models import ApiToken, User
    from harkop.auth.services import hash_secret
    from harkop.checkin.lookup import ticket_select
    from harkop.checkin.models import Scan
    from harkop.checkin.scans import insert_unless_exists
    from harkop.db.driver import DriverStatement
    from harkop.extensions import db
    from harkop.registrations.models import Ticket
    from harkop.registrations.tickets import parse_code

    day = date(2024, 7, 26)
    now = datetime.now().astimezone()
    secrets = [parse_code(c) for c in codes[:TICKETS]]
    token_hash = hash_secret(token)

    def scan_row(i: int) -> dict:
        return unknown_ticket_scan_row(now, day)

    inserts = insert_unless_exists(Scan.__table__, ("nonce",))
    cases = {
        "token (SELECT, 5 columns)": (
            select(User.id, User.username, User.display_name, User.role, User.cooperative_id)
            .join(ApiToken, ApiToken.user_id == User.id)
            .where(
                ApiToken.token_hash == bindparam("token_hash"),
                ApiToken.revoked_at.is_(None),
                User.active.is_(True),
            ),
            lambda i: {"token_hash": token_hash},
        ),
        "ticket (SELECT, 24 columns, joined)": (
            ticket_select(Ticket.secret == bindparam("value")),
            lambda i: {"value": secrets[i % len(secrets)], "day": day},
        ),
        "scan (INSERT … RETURNING id)": (inserts.statement, scan_row),
    }
    app = _app(database_url)
    costs = {}
    with app.app_context():
        conn = db.session.connection()
        for name, (statement, params) in cases.items():
            driver_statement = DriverStatement(statement)

            def on_driver(i: int, ds=driver_statement, params=params) -> object:
                return ds.rows(conn, params(i))

            def through_core(i: int, statement=statement, params=params) -> object:
                return conn.execute(statement, params(i)).all()

            times: dict[str, list[float]] = {"driver": [], "core": []}
            ways = {"driver": on_driver, "core": through_core}
            for r in range(STATEMENT_ROUNDS):
                for way in ("driver", "core") if r % 2 == 0 else ("core", "driver"):
                    run_once = ways[way]
                    for i in range(20):  # warm: caches, prepared statements
                        run_once(i)
                    started = thread_time()
                    for i in range(STATEMENT_BLOCK):
                        run_once(i)
                    times[way].append((thread_time() - started) / STATEMENT_BLOCK * 1e6)
            costs[name] = (statistics.median(times["driver"]), statistics.median(times["core"]))
        db.session.rollback()
        db.engine.dispose()
    return costs


def measure(backend: str, database_url: str, tmp: Path) -> dict:
    """Seed, serve, then ROUNDS rounds of (floor, check-in) on fresh tickets, and the authenticated floor once.

    Floor and check-in alternate in every round, so both meet the same state of the machine
    (shared cores vary from minute to minute); each round scans its own 1,000 tickets, so every
    round has the same mix of first scans and repeats. The median round is the result.
    """
    migrate_database(database_url)
    codes, token = seed(database_url)
    bearer = {"Authorization": f"Bearer {token}"}
    common = {"clients": CLIENTS, "duration": DURATION, "warmup_requests": WARMUP}
    floor_spec = LoadSpec(path=FLOOR_PATH, label=f"floor {FLOOR_PATH}", **common)
    auth_spec = LoadSpec(path="/api/v1/me", headers=bearer, label="GET /api/v1/me (bearer)", **common)
    spec = LoadSpec(
        path="/api/v1/checkins",
        method="POST",
        headers=bearer,
        body_factory="benchmarks.bench_checkin:scan_body",
        json=True,
        expect_status=[200, 409],
        label=f"POST /api/v1/checkins ×{CLIENTS}",
        **common,
    )
    rounds = []
    with GunicornServer(
        database_url=database_url, workers=WORKERS, threads=THREADS, env={"HARKOP_FAKE_NOW": FAKE_NOW}
    ) as server:
        for r in range(ROUNDS):
            codes_file = tmp / f"codes-{backend}-{r}.json"
            codes_file.write_text(json.dumps(codes[r * TICKETS : (r + 1) * TICKETS]))
            os.environ[CODES_ENV] = str(codes_file)  # the load generator process inherits it
            floor, floor_cpu, floor_split = _run_measured(server, floor_spec)
            target, target_cpu, target_split = _run_measured(server, spec)
            ratio = target.throughput_rps / floor.throughput_rps if floor.throughput_rps else 0.0
            rounds.append(
                {
                    "floor": floor,
                    "target": target,
                    "cpu": (floor_cpu, target_cpu),
                    "ratio": ratio,
                    "split": (floor_split, target_split),
                }
            )
        auth, auth_cpu, _ = _run_measured(server, auth_spec)
        shape = server.describe()
    admissions, scans = counts(database_url)
    statements = statement_costs(database_url, codes, token)
    median = sorted(rounds, key=lambda x: x["ratio"])[len(rounds) // 2]
    return {
        "backend": backend,
        "shape": shape,
        "floor": median["floor"],
        "auth": auth,
        "target": median["target"],
        "cpu": (median["cpu"][0], auth_cpu, median["cpu"][1]),
        "ratio": median["ratio"],
        "rounds": rounds,
        "admissions": admissions,
        "scans": scans,
        "statements": statements,
    }


def _split_text(split: list[int]) -> str:
    """'13/7', or '?' when the sample found no connection."""
    return "/".join(str(n) for n in split) if any(split) else "?"


def statement_section(results: list[dict]) -> list[str]:
    """The markdown lines of the statements' costs, driver against Connection.execute, per database."""
    rows = []
    for r in results:
        total_driver = total_core = 0.0
        for name, (driver, core) in r["statements"].items():
            total_driver, total_core = total_driver + driver, total_core + core
            rows.append([r["backend"], name, f"{driver:.0f} µs", f"{core:.0f} µs", f"{core - driver:.0f} µs"])
        per_request = r["cpu"][2] * 1000
        share = (total_core - total_driver) / per_request if per_request else 0.0
        rows.append(
            [
                r["backend"],
                f"**the three, per scan** (server CPU per check-in above: {per_request:.0f} µs)",
                f"{total_driver:.0f} µs",
                f"{total_core:.0f} µs",
                f"{total_core - total_driver:.0f} µs ({share:.0%} of it)",
            ]
        )
    return [
        f"The scan's statements in one process, CPU time per statement (median of {STATEMENT_ROUNDS} "
        f"blocks of {STATEMENT_BLOCK} each way, the two ways alternating): on the driver's cursor "
        "(`DriverStatement`, as the scan runs them) and through SQLAlchemy's `Connection.execute`. "
        "On PostgreSQL the server's own work is not in it (the same both ways).",
        "",
        md_table(["database", "statement", "driver", "Connection.execute", "difference"], rows),
        "",
    ]


def run() -> str:
    """Both databases; return the markdown section."""
    load_before = load_average()
    results = []
    notes = []
    with tempfile.TemporaryDirectory(prefix="bench-checkin-") as tmp:
        tmp_path = Path(tmp)
        results.append(measure("sqlite", f"sqlite:///{tmp_path / 'checkin.db'}", tmp_path))
        pg = _pg_schema_url()
        if pg is None:
            notes.append(
                "PostgreSQL did not answer at HARKOP_BENCH_PG_URL: its row is missing from this run."
            )
        else:
            url, base, schema = pg
            try:
                results.append(measure("postgresql", url, tmp_path))
            finally:
                _drop_schema(base, schema)
    load_after = load_average()

    summary = []
    for r in results:
        t = r["target"]
        ok_ratio = r["ratio"] >= TARGET_RATIO
        ok_p99 = t.p99_ms <= TARGET_P99_MS
        floor_cpu, auth_cpu, target_cpu = r["cpu"]
        summary.append(
            [
                r["backend"],
                f"{r['floor'].throughput_rps:.0f}",
                f"{r['auth'].throughput_rps:.0f}",
                f"{t.throughput_rps:.0f}",
                f"{r['ratio'] * 100:.0f} %" + ("" if ok_ratio else " **(below 50 %)**"),
                f"{t.p50_ms:.1f} ms",
                f"{t.p99_ms:.1f} ms" + ("" if ok_p99 else " **(over 100 ms)**"),
                "yes" if ok_ratio and ok_p99 else "**no**",
                f"{floor_cpu:.1f} / {auth_cpu:.1f} / {target_cpu:.1f} ms",
                f"{r['admissions']} / {r['scans']}",
            ]
        )
    detail = []
    for r in results:
        per_round = "; ".join(
            f"round {i + 1}: {x['target'].throughput_rps:.0f} ÷ {x['floor'].throughput_rps:.0f} req/s = "
            f"{x['ratio'] * 100:.0f} %, p99 {x['target'].p99_ms:.0f} ms, connections per worker "
            f"{_split_text(x['split'][1])} (floor {_split_text(x['split'][0])})"
            for i, x in enumerate(r["rounds"])
        )
        detail += [
            f"**{r['backend']}** ({r['shape']}). Every round: {per_round}. The median round, "
            f"statuses of its check-in run: {', '.join(f'{k}: {v}' for k, v in r['target'].statuses.items())}.",
            "",
            load_table([r["floor"], r["auth"], r["target"]]),
            "",
        ]
    return "\n".join(
        [
            f"## Check-in API: {CLIENTS} concurrent scanners beside the /readyz floor",
            "",
            f"`POST /api/v1/checkins` with a bearer token, {CLIENTS} keep-alive clients in a second process on "
            f"127.0.0.1, {DURATION:.0f} s per run after {WARMUP} warm-up requests. On the same server with the "
            f"same clients, {ROUNDS} rounds of the floor (`/readyz`, a one-row SELECT with no authentication) "
            "followed by the check-in, so that both meet the same state of the shared machine; the table shows "
            "the median round (every round is listed below). Then once `GET /api/v1/me` with the same bearer "
            "token (what authenticating a device costs before any check-in work). Each round scans its own "
            f"{TICKETS:,} valid tickets round-robin with a fresh nonce per request: first scans admit (200: "
            "the admission and the scan are inserted), later ones are refused as already checked in (409: "
            "the scan is still recorded). Targets (issue 5): "
            f"throughput ≥ {TARGET_RATIO:.0%} of the floor and p99 ≤ {TARGET_P99_MS:.0f} ms. Client and server "
            "share the machine's cores; server CPU per request is read from /proc for gunicorn's processes. "
            f"Connections per worker: how the {CLIENTS} keep-alive connections lay across gunicorn's workers "
            "halfway through each run (from /proc); every worker answers at about the same rate, so the "
            "clients of the worker holding more connections wait longer, and an uneven split lengthens the p99.",
            "",
            md_table(
                [
                    "database",
                    "floor req/s",
                    "/me req/s",
                    "check-in req/s",
                    "check-in ÷ floor",
                    "check-in p50",
                    "check-in p99",
                    "targets met",
                    "server CPU per request: floor / me / check-in",
                    "admissions / scans recorded",
                ],
                summary,
            ),
            "",
            *detail,
            *statement_section(results),
            *notes,
            f"Load average before/after: {load_before[0]:.2f} / {load_after[0]:.2f}.",
        ]
    )
