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

from .. import clock
from ..api import TOKEN_PURPOSES, bp, json_body
from ..auth.decorators import roles_required, token_principal
from ..auth.models import Role
from ..competitions.services import current_event
from ..db.transactions import reads_without_transaction
from ..errors import error_envelope
from ..extensions import db
from .answers import scan_json
from .dashboard import dashboard
from .models import Verdict
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


@bp.route("/checkins", methods=["POST"])
@roles_required(*STAFF)
@token_principal
def create_checkin():
    """Record a scan at the gate and answer with its verdict.
    ---
    post:
      tags: [checkin]
      description: >
        Once per ticket per day. 200 when the ticket is admitted (`checked_in`); 409 with the error
        envelope whose `code` is the verdict (`already_checked_in`, `not_valid_today`,
        `entry_not_confirmed`, `unknown_ticket`) when refused, the recorded scan in
        `error.details`. A repeated `nonce` from the same device (`device_id`, same account)
        returns the first answer (`replayed: true`) and writes nothing; from another device it
        is a 409 `nonce_in_use` that tells nothing of the first scan. Offline replay: `offline: true`, the device's `scanned_at`, the roster's
        `day` and the verdict the device showed (`local_verdict`).
      requestBody:
        required: true
        content:
          application/json:
            schema:
              type: object
              required: [nonce, device_id]
              properties:
                code: {type: string, maxLength: 200, description: "QR payload HK1:<secret> or the typed secret"}
                ticket_id: {type: integer, description: "instead of code, a ticket picked from the search list"}
                nonce: {type: string, maxLength: 64, description: "client id of this scan (a UUID)"}
                device_id: {type: string, maxLength: 64}
                gate: {type: string, maxLength: 60}
                scanned_at: {type: string, format: date-time, description: "the device's time, with offset"}
                offline: {type: boolean, default: false}
                day: {type: string, format: date, description: "offline only: the roster's day"}
                local_verdict: {type: string, enum: [checked_in, already_checked_in, not_valid_today, entry_not_confirmed, unknown_ticket]}
                method: {type: string, enum: [camera, manual, wedge, search, api]}
      responses:
        200: {description: "The recorded scan, verdict checked_in."}
        409: {description: "Refused: error.code is the verdict; error.details is the recorded scan."}
        422: {description: "Invalid input (missing nonce, device_id or code, bad scanned_at)."}
        401: {description: Not authenticated.}
        403: {description: Not check-in staff or admin.}
    """
    now = clock.now()
    scan = record_scan(ScanInput.from_json(json_body(), now=now), by=current_user, now=now)
    db.session.commit()
    body = scan_json(scan)
    if body["verdict"] == Verdict.checked_in.value:
        return jsonify(body), 200
    return error_envelope(body["verdict"], body["verdict_label"] + ". " + body["message"], 409, body)


def _date_arg() -> Any:
    value = request.args.get("date")
    if not value:
        return clock.today()
    return parse_day(value)


@bp.route("/checkins/roster")
@roles_required(*STAFF)
def checkin_roster():
    """The day's roster for a scanning device's offline cache.
    ---
    get:
      tags: [checkin]
      description: >
        Every ticket of the events running on `date` (default the server's today, WITA): the
        code as SHA-256 hex of the secret (`code_hash`), participant, team, cooperative,
        competition, slot, place, days, entry state, validity, the refusal an offline device
        should give, and the current check-in of the day. No phone numbers. `today` and
        `server_time` are the server's: devices never take the date from their own clock.
      parameters:
        - {name: date, in: query, schema: {type: string, format: date}}
      responses:
        200: {description: "{date, today, server_time, items, total, page, per_page}"}
        422: {description: invalid_day}
    """
    response = jsonify(roster(_date_arg()))
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.route("/checkins/search")
@roles_required(*STAFF)
def checkin_search():
    """Find tickets by participant, team, cooperative or phone (the phone is never returned).
    ---
    get:
      tags: [checkin]
      parameters:
        - {name: q, in: query, required: true, schema: {type: string, minLength: 2}}
        - {name: date, in: query, schema: {type: string, format: date}}
      responses:
        200: {description: "{items, total, page, per_page}: roster items (at most 20)"}
    """
    items = search_tickets(request.args.get("q", ""), day=_date_arg())
    return jsonify({"items": items, "total": len(items), "page": 1, "per_page": 20})


@bp.route("/checkins/dashboard")
@roles_required(*STAFF)
def checkin_dashboard():
    """Check-in figures of a day: per day, per competition, per hour, no-shows, verdicts.
    ---
    get:
      tags: [checkin]
      parameters:
        - {name: date, in: query, schema: {type: string, format: date}}
      responses:
        200: {description: "Each ticket counts once per day, however often it was scanned."}
    """
    return jsonify(dashboard(_date_arg()).as_json())
