"""The `/api/v1` blueprint: authentication, envelopes and the generated OpenAPI document.

Domains add their routes to `bp` in their own `api.py` modules. Every route's docstring starts
with a one-line summary and may carry an OpenAPI operation in YAML after a `---` line; the
document at `/api/v1/openapi.json` is built from the URL map and those declarations.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import datetime
from typing import Any

from apispec import APISpec
from apispec.yaml_utils import load_operations_from_docstring
from flask import Blueprint, current_app, g, jsonify, request, session
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import Select

from .auth.decorators import login_required, public
from .errors import Forbidden, ValidationFailed
from .extensions import csrf, db
from .text import problem_message, text_field, walk_problems

bp = Blueprint("api", __name__, url_prefix="/api/v1")
csrf.exempt(bp)

SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}

# How long a token made for a purpose lasts: a rule answers its expiry (None: the default,
# HARKOP_TOKEN_DAYS). Domains add theirs: check-in registers "checkin" for the gate's scanners
# (the event's last day plus a margin), since this module sits below the event's package.
TOKEN_PURPOSES: dict[str, Callable[[], datetime | None]] = {"api": lambda: None}
MAX_PER_PAGE = 200


@bp.before_request
def _csrf_for_sessions() -> None:
    """Writes by a browser session need the CSRF token; only bearer-token requests are exempt.

    The exemption goes by what authenticates the request, never by which headers it carries: a
    request whose cookie holds a login is a session's request (Flask-Login tries the session
    before any bearer token), whatever `Authorization` says. Decided from the signed cookie
    alone, so a device's bearer request loads nothing here (the check-in's hot path chooses its
    own transaction mode after this).
    """
    if request.method in SAFE_METHODS:
        return
    # Only a logged-in browser session can be ridden by another site; anonymous calls get
    # their 401 from the route itself.
    if "_user_id" not in session:
        return
    if current_app.config.get("WTF_CSRF_ENABLED", True):
        csrf.protect()


def json_body() -> dict[str, Any]:
    """The request's JSON object, or a coded 400 saying what is wrong with it."""
    data = request.get_json(silent=True)
    if data is None:
        raise ValidationFailed("invalid_json", _("Badan permintaan harus berupa objek JSON."), status=400)
    if not isinstance(data, dict):
        raise ValidationFailed("invalid_json", _("Badan permintaan harus berupa objek JSON."), status=400)
    return data


@bp.before_request
def _refuse_unsafe_json() -> None:
    """NUL bytes and bidirectional controls anywhere in a JSON body: a coded 422 naming the field."""
    if request.method in SAFE_METHODS or not request.is_json:
        return
    found = walk_problems(request.get_json(silent=True))
    if found is not None:
        path, problem = found
        raise ValidationFailed(problem, problem_message(problem), details={"field": path})


def page_args(default_per_page: int = 50) -> tuple[int, int]:
    """`page` and `per_page` from the query string, validated."""
    try:
        page = int(request.args.get("page", 1))
        per_page = int(request.args.get("per_page", default_per_page))
    except ValueError as err:
        raise ValidationFailed(
            "invalid_page", _("page dan per_page harus bilangan bulat."), status=400
        ) from err
    if page < 1 or not 1 <= per_page <= MAX_PER_PAGE:
        raise ValidationFailed(
            "invalid_page",
            _("page minimal 1 dan per_page antara 1 dan %(m)d.", m=MAX_PER_PAGE),
            status=400,
        )
    return page, per_page


def list_envelope(items: list[Any], total: int, page: int, per_page: int):
    """The API's list body `{"items", "total", "page", "per_page"}`."""
    return jsonify({"items": items, "total": total, "page": page, "per_page": per_page})


def paginate_select(stmt: Select, serialise, default_per_page: int = 50):
    """Run a select with the request's paging and answer with the list envelope."""
    page, per_page = page_args(default_per_page)
    result = db.paginate(stmt, page=page, per_page=per_page, error_out=False, count=True)
    return list_envelope([serialise(x) for x in result.items], result.total or 0, page, per_page)


@bp.route("/me")
@login_required
def me():
    """The authenticated user (session or bearer token).
    ---
    get:
      tags: [auth]
      responses:
        200:
          description: The user's name, role and cooperative.
        401:
          description: Not authenticated.
    """
    coop = current_user.cooperative
    return jsonify(
        {
            "username": current_user.username,
            "role": current_user.role.value,
            "display_name": current_user.display_name,
            "cooperative": {"nik": coop.nik, "name": coop.name} if coop else None,
        }
    )


@bp.route("/tokens", methods=["POST"])
@login_required
def create_own_token():
    """Issue a bearer token for the logged-in user's device (a gate scanner or a judge's tablet).
    ---
    post:
      tags: [auth]
      description: >
        Only a browser session may ask: a bearer token cannot make more tokens. A token with
        `purpose: checkin` (the gate's scanner) lasts to the current event's last day plus
        HARKOP_DEVICE_TOKEN_MARGIN_DAYS; any other, HARKOP_TOKEN_DAYS.
      requestBody:
        content:
          application/json:
            schema:
              type: object
              properties:
                label: {type: string, maxLength: 80, description: the device's name}
                purpose: {type: string, enum: [checkin, api]}
      responses:
        201:
          description: The token (shown once), its label and expiry.
        400:
          description: Missing CSRF token or bad JSON.
        403:
          description: Asked with a bearer token instead of a session.
        429:
          description: More than HARKOP_TOKENS_PER_HOUR tokens made by this user in the last hour.
        422:
          description: A label that is not text, too long, or holds forbidden characters.
    """
    from .auth.services import issue_token_row
    from .auth.sessions import current_session_id

    if g.get("harkop_auth") != "session":
        raise Forbidden(
            "session_required", _("Token baru hanya dapat dibuat dari sesi yang masuk, bukan dengan token.")
        )
    data = request.get_json(silent=True)
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise ValidationFailed("invalid_json", _("Badan permintaan harus berupa objek JSON."), status=400)
    label = text_field(data, "label", required=False, max_length=80) or _("perangkat")
    purpose = text_field(data, "purpose", required=False, max_length=20) or "api"
    if purpose not in TOKEN_PURPOSES:
        raise ValidationFailed(
            "invalid_purpose", _("purpose harus checkin atau api."), details={"field": "purpose"}
        )
    expires_at = TOKEN_PURPOSES[purpose]()
    row, token = issue_token_row(
        current_user, label=label, expires_at=expires_at, session_id=current_session_id(), by=current_user
    )
    db.session.commit()
    return jsonify({"token": token, "label": label, "expires_at": row.expires_at.isoformat()}), 201


_CONVERTER = re.compile(r"<(?:(?P<conv>[a-z]+)(?:\([^)]*\))?:)?(?P<name>\w+)>")


def build_openapi() -> dict[str, Any]:
    """Generate the OpenAPI 3 document from the URL map and the views' declarations."""
    spec = APISpec(
        title="Harkop API",
        version="1",
        openapi_version="3.0.3",
        info={"description": "Hari Koperasi & registri koperasi. Errors: {error: {code, message}}."},
    )
    spec.components.security_scheme("bearer", {"type": "http", "scheme": "bearer"})
    spec.components.security_scheme("session", {"type": "apiKey", "in": "cookie", "name": "session"})
    rules = sorted(
        (r for r in current_app.url_map.iter_rules() if r.endpoint.startswith("api.")),
        key=lambda r: r.rule,
    )
    paths: dict[str, dict[str, Any]] = {}
    for rule in rules:
        view = current_app.view_functions[rule.endpoint]
        doc = view.__doc__ or ""
        summary = doc.strip().splitlines()[0] if doc.strip() else rule.endpoint
        declared = load_operations_from_docstring(doc) or {}
        path = _CONVERTER.sub(lambda m: "{" + m.group("name") + "}", rule.rule)
        params = [
            {
                "name": m.group("name"),
                "in": "path",
                "required": True,
                "schema": {"type": "integer" if m.group("conv") == "int" else "string"},
            }
            for m in _CONVERTER.finditer(rule.rule)
        ]
        operations = paths.setdefault(path, {})
        for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"}):
            op = dict(declared.get(method.lower()) or {})
            op.setdefault("summary", summary)
            op.setdefault("operationId", f"{rule.endpoint}.{method.lower()}")
            op.setdefault("responses", {"200": {"description": "OK"}})
            access = getattr(view, "harkop_access", frozenset())
            if "public" not in access:
                op.setdefault("security", [{"bearer": []}, {"session": []}])
                op.setdefault("x-roles", sorted(access))
            if params:
                op.setdefault("parameters", params)
            operations[method.lower()] = op
    for path, operations in paths.items():
        spec.path(path=path, operations=operations)
    return spec.to_dict()


@bp.route("/openapi.json")
@public
def openapi():
    """The OpenAPI document of this API, generated from the routes."""
    return jsonify(build_openapi())
