"""Check-in in the API: record a scan, the day's roster for offline devices, search, the dashboard.

Only `checkin_staff` and `admin`, by browser session (with CSRF) or bearer token: a scanning
device keeps a token so a queue made offline can be replayed hours later without a session.
A refused scan is a recorded fact: it is committed first, then answered with 409 and the error
envelope whose code is the verdict, the recorded scan in `error.details`.
"""

from __future__ import annotations

from datetime import datetime, time, timedelta
from typing import Any

from flask import current_app, jsonify, request
from flask_login import current_user
from marshmallow import fields, validate

from .. import clock
from ..api import (
    TOKEN_PURPOSES,
    Answer,
    Body,
    Bool,
    DateText,
    DateTimeText,
    Id,
    Query,
    Text,
    bp,
    errors,
    list_envelope,
    page_of,
)
from ..auth.decorators import roles_required, token_principal
from ..auth.models import Role
from ..competitions.services import current_event
from ..db.transactions import reads_without_transaction
from ..errors import error_envelope
from ..extensions import db
from .answers import scan_json
from .dashboard import dashboard
from .models import ScanMethod, Verdict
from .roster import roster, search_tickets
from .scans import ScanInput, parse_day, record_scan

STAFF = (Role.checkin_staff, Role.admin)


def scanner_token_expiry() -> datetime | None:
    """A gate scanner's token (purpose `checkin`) lasts to the current event's last day (end of
    day, WITA) plus HARKOP_DEVICE_TOKEN_MARGIN_DAYS; with no event, or one that is over, the
    ordinary default (None)."""
    event = current_event()
    if event is None:
        return None
    last = datetime.combine(event.ends_on, time(23, 59), tzinfo=clock.WITA)
    expiry = last + timedelta(days=current_app.config.get("HARKOP_DEVICE_TOKEN_MARGIN_DAYS", 1))
    return expiry if expiry > clock.now() else None


TOKEN_PURPOSES["checkin"] = scanner_token_expiry


@bp.before_request
def _scan_reads_without_transaction() -> None:
    """A scan reads (token, ticket) without a transaction; its writes bring their own.

    Bearer requests reach this hook before anything reads the database. The reads need no
    common snapshot (the once-per-day decision is the guarded INSERT's), so they start no
    transaction: no BEGIN round trip on PostgreSQL, and on SQLite no write lock (POSTs otherwise
    begin IMMEDIATE) from the token lookup to the commit. See `harkop.checkin.scans`.
    """
    if request.endpoint == "api.create_checkin":
        reads_without_transaction(db.session)


VERDICTS = [v.value for v in Verdict]


class ScanRequestSchema(Body):
    """A scan as a gate sends it (online, or replayed from the offline queue)."""

    code = Text(
        allow_none=True,
        validate=validate.Length(max=200),
        metadata={"description": "QR payload HK1:<secret> or the typed secret"},
    )
    ticket_id = Id(
        allow_none=True, metadata={"description": "instead of code: a ticket picked from the search list"}
    )
    nonce = Text(
        required=True,
        blank=False,
        validate=validate.Length(max=64),
        metadata={"description": "the device's id of this scan (a UUID)", "missing": "missing_nonce"},
    )
    device_id = Text(
        required=True,
        blank=False,
        validate=validate.Length(max=64),
        metadata={"missing": "missing_device_id"},
    )
    gate = Text(allow_none=True, validate=validate.Length(max=60))
    scanned_at = DateTimeText(allow_none=True, metadata={"description": "the device's time, with offset"})
    offline = Bool(metadata={"description": "replayed from the offline queue"})
    day = DateText(allow_none=True, metadata={"description": "offline only: the roster's day"})
    local_verdict = fields.String(allow_none=True, validate=validate.OneOf(VERDICTS))
    method = fields.String(allow_none=True, validate=validate.OneOf([m.value for m in ScanMethod]))


class ScanSchema(Answer):
    """A recorded scan: its verdict, the ticket's facts, the admission it made or met."""

    id = fields.Integer(allow_none=True)
    nonce = fields.String(required=True)
    verdict = fields.String(required=True, validate=validate.OneOf(VERDICTS))
    verdict_label = fields.String(required=True)
    reason = fields.String(allow_none=True)
    message = fields.String(required=True)
    method = fields.String(required=True)
    by = fields.String(allow_none=True)
    device_id = fields.String(allow_none=True)
    gate = fields.String(allow_none=True)
    day = fields.String(required=True, metadata={"format": "date"})
    scanned_at = fields.String(required=True, metadata={"format": "date-time"})
    received_at = fields.String(required=True, metadata={"format": "date-time"})
    offline = fields.Boolean(required=True)
    local_verdict = fields.String(allow_none=True)
    conflict = fields.Boolean(allow_none=True)
    clock_suspect = fields.Boolean(
        metadata={"description": "offline: the device's time fell outside the day and was bounded to it"}
    )
    replayed = fields.Boolean(required=True)
    ticket = fields.Dict(
        allow_none=True, metadata={"description": "the ticket's facts (participant, team, days, …)"}
    )
    admission = fields.Dict(allow_none=True, metadata={"description": "the admission of the day, if any"})


class RefusedScanErrorSchema(Answer):
    """A refused scan: the error envelope whose code is the verdict, the recorded scan in details."""

    error = fields.Dict(
        required=True, metadata={"description": "{code: the verdict, message, details: the scan}"}
    )


class DayQuerySchema(Query):
    """The day asked about (default: the server's today, WITA)."""

    date = DateText(metadata={"code": "invalid_day"})


class SearchQuerySchema(DayQuerySchema):
    """A search for tickets."""

    q = Text(
        load_default="", validate=validate.Length(max=100), metadata={"description": "at least 2 characters"}
    )


class RosterItemSchema(Answer):
    """One ticket of the roster: the code as a hash, the facts, the refusal an offline device gives."""

    ticket_id = fields.Integer(required=True)
    participant = fields.String(allow_none=True)
    role = fields.String(allow_none=True)
    team = fields.String(allow_none=True)
    cooperative = fields.String(allow_none=True)
    competition = fields.Dict(metadata={"description": "{id, name}"})
    slot = fields.String(allow_none=True)
    place = fields.String(allow_none=True)
    entry_state = fields.String(allow_none=True)
    valid = fields.Boolean()
    code_hash = fields.String(metadata={"description": "SHA-256 hex of the secret"})
    days = fields.List(fields.String(metadata={"format": "date"}))
    refusal = fields.String(allow_none=True)
    reason = fields.String(allow_none=True)
    checked_in = fields.Raw(allow_none=True, metadata={"description": "the day's admission, if any"})


class RosterSchema(page_of(RosterItemSchema), Answer):
    """The day's roster for a device's offline cache."""

    date = fields.String(required=True, metadata={"format": "date"})
    today = fields.String(required=True, metadata={"format": "date"})
    server_time = fields.String(required=True, metadata={"format": "date-time"})


class DashboardSchema(Answer):
    """Check-in figures of a day."""

    date = fields.String(metadata={"format": "date"})
    today = fields.String(metadata={"format": "date"})
    generated_at = fields.String(metadata={"format": "date-time"})
    event = fields.Raw(allow_none=True)
    totals = fields.Dict()
    days = fields.List(fields.Dict())
    competitions = fields.List(fields.Dict())
    hours = fields.List(fields.Dict(), metadata={"description": "check-ins per hour (WITA)"})
    verdicts = fields.Dict(
        keys=fields.String(), values=fields.Integer(), metadata={"description": "scans per verdict"}
    )


@bp.route("/checkins", methods=["POST"], tags=["checkin"])
@roles_required(*STAFF)
@token_principal
@bp.arguments(ScanRequestSchema)
@bp.response(200, ScanSchema, description="Admitted: the recorded scan, verdict checked_in")
@bp.alt_response(
    409,
    schema=RefusedScanErrorSchema,
    description="Refused: error.code is the verdict (already_checked_in, not_valid_today, "
    "entry_not_confirmed, unknown_ticket) and error.details the recorded scan; or nonce_in_use",
)
@errors(
    (
        422,
        "missing_nonce, missing_device_id, invalid_code, code_or_ticket_id, invalid_ticket_id, "
        "invalid_scanned_at, invalid_day, invalid_offline, invalid_method, nul_character",
    )
)
def create_checkin(body: dict[str, Any]):
    """Record a scan at the gate and answer with its verdict.

    Once per ticket per day. A repeated `nonce` from the same device (`device_id`, same
    account) returns the first answer (`replayed: true`) and writes nothing; from another device
    it is a 409 `nonce_in_use` that tells nothing of the first scan. Offline replay:
    `offline: true`, the device's `scanned_at`, the roster's `day` and the verdict the device
    showed (`local_verdict`).
    """
    now = clock.now()
    scan = record_scan(ScanInput.from_json(body, now=now), by=current_user, now=now)
    db.session.commit()
    answer = scan_json(scan)
    if answer["verdict"] == Verdict.checked_in.value:
        return answer
    response, status = error_envelope(
        answer["verdict"], answer["verdict_label"] + ". " + answer["message"], 409, answer
    )
    response.status_code = status
    return response


def _day(query: dict[str, Any]) -> Any:
    return parse_day(query.get("date")) or clock.today()


@bp.route("/checkins/roster", tags=["checkin"])
@roles_required(*STAFF)
@bp.arguments(DayQuerySchema, location="query")
@bp.response(200, RosterSchema)
def checkin_roster(query: dict[str, Any]):
    """The day's roster for a scanning device's offline cache.

    Every ticket of the events running on `date` (default the server's today, WITA): the code
    as SHA-256 hex of the secret (`code_hash`), participant, team, cooperative, competition,
    slot, place, days, entry state, validity, the refusal an offline device should give, and
    the current check-in of the day. No phone numbers. `today` and `server_time` are the
    server's: devices never take the date from their own clock.
    """
    response = jsonify(RosterSchema().dump(roster(_day(query))))
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.route("/checkins/search", tags=["checkin"])
@roles_required(*STAFF)
@bp.arguments(SearchQuerySchema, location="query")
@bp.response(200, page_of(RosterItemSchema), description="Roster items (at most 20)")
def checkin_search(query: dict[str, Any]):
    """Find tickets by participant, team, cooperative or phone (the phone is never returned)."""
    items = search_tickets(query["q"], day=_day(query))
    return list_envelope(items, len(items), 1, 20)


@bp.route("/checkins/dashboard", tags=["checkin"])
@roles_required(*STAFF)
@bp.arguments(DayQuerySchema, location="query")
@bp.response(
    200, DashboardSchema, description="Each ticket counts once per day, however often it was scanned"
)
def checkin_dashboard(query: dict[str, Any]):
    """Check-in figures of a day: per day, per competition, per hour, no-shows, verdicts."""
    return dashboard(_day(query)).as_json()
