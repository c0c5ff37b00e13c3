"""The `/api/v1` blueprint: its contract, authentication, envelopes and the OpenAPI document.

Each operation is declared once with flask-smorest (marshmallow schemas): `@bp.arguments` for
its query and body, `@bp.response` for its answer and `errors(...)` for its refusals. The same
declarations validate the input (webargs), serialise the answer and build the OpenAPI document at
`/api/v1/openapi.json`. Domains add their operations to `bp` in their own `api.py` modules.

Bad input is refused here, one place per kind, before a view runs: a JSON body that is not an
object, is malformed or nests too deep (400 `invalid_json` / `json_too_deep`); NUL and bidi
controls in a body or a path (422, harkop/text.py; query strings: harkop/security.py); an id in
a path that no row can have (404, `IdConverter`); a field that fails its schema (422
`invalid_<field>`, `ApiParser`).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, date, datetime
from functools import cache
from typing import Any

import marshmallow as ma
from flask import current_app, g, jsonify, request, session
from flask_babel import gettext as _
from flask_login import current_user
from flask_smorest import Api, Blueprint
from marshmallow import fields, post_dump, validate
from sqlalchemy import Select
from webargs import core as webargs_core
from webargs.flaskparser import FlaskParser
from werkzeug.exceptions import NotFound
from werkzeug.routing import BaseConverter, IntegerConverter

from .auth.decorators import login_required, public
from .errors import Forbidden, ValidationFailed
from .extensions import csrf, db
from .text import problem_message, text_problem, walk_problems

SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}
# Every id column is a 32-bit integer on PostgreSQL: larger numbers name no row.
MAX_ID = 2**31 - 1
MAX_PER_PAGE = 200
MAX_PAGE = 2**31 - 1
# No request body of this API nests deeper than a few levels; 32 is generous and keeps the
# parser's recursion far from Python's limit (100,000 nested `[` used to answer 500).
MAX_JSON_DEPTH = 32
# The range of date-times the API accepts (a device's clock may be wrong, never by centuries).
EARLIEST = datetime(2000, 1, 1, tzinfo=UTC)
LATEST = datetime(2100, 1, 1, tzinfo=UTC)

# How long a token made for a purpose lasts: a rule answers its expiry (None: the default,
# HARKOP_TOKEN_DAYS). Domains add theirs: check-in registers "checkin" for the gate's scanners
# (the event's last day plus a margin), since this module sits below the event's package.
TOKEN_PURPOSES: dict[str, Callable[[], datetime | None]] = {"api": lambda: None}


# --- input: the parser and the one place for each kind of bad input -------------------------


class IdConverter(IntegerConverter):
    """`<int:...>` in every route: an id an id column can hold (1 to 2^31 - 1, PostgreSQL's integer).

    A larger number is a 404 like any id that does not exist (a 29-digit id used to reach the
    database and answer 500; on PostgreSQL so did 2^31). Longer than 18 digits it matches no
    route; otherwise `to_python` answers 404 itself: werkzeug would answer 405 for a value the
    pattern took and a converter refused with its ValidationError.
    """

    regex = r"\d{1,18}"

    def to_python(self, value: str) -> int:  # noqa: D102
        number = int(value)
        if number > MAX_ID:
            raise NotFound()
        return number


class NikConverter(BaseConverter):
    """`<nik:...>`: a cooperative's registry number (digits, letters, dots and dashes, 1-32)."""

    regex = r"[0-9A-Za-z.\-]{1,32}"


def _id_param(_converter: Any) -> dict[str, Any]:
    return {"type": "integer", "minimum": 0, "maximum": MAX_ID}


def _nik_param(_converter: Any) -> dict[str, Any]:
    return {"type": "string", "pattern": "^[0-9A-Za-z.-]{1,32}$"}


class ApiParser(FlaskParser):
    """webargs for the API: a refused field is a coded 422 in the error envelope.

    The code is the field's `code` metadata or `invalid_<field>`; `details` names the field, the
    location and every message. The body is the JSON object `_check_json_body` parsed.
    """

    # None: each schema's own Meta.unknown decides (Body and Query ignore unknown keys).
    DEFAULT_UNKNOWN_BY_LOCATION = {**FlaskParser.DEFAULT_UNKNOWN_BY_LOCATION, "json": None, "query": None}

    def _raw_load_json(self, req: Any) -> Any:
        return g.get("api_json", webargs_core.missing)

    def handle_error(self, error, req, schema, *, error_status_code, error_headers):  # noqa: D102
        messages = error.messages
        location = "json"
        if isinstance(messages, dict) and len(messages) == 1:
            (only,) = messages
            if only in ("json", "query", "querystring", "view_args", "path", "form", "files"):
                location, messages = only, messages[only]
        raise refusal(schema, messages, location)


def refusal(schema: ma.Schema, messages: Any, location: str = "json") -> ValidationFailed:
    """The coded error for a schema's refusal: 400 `invalid_json` for a body that is not an object,
    else 422 with the schema's `Meta.error_code`, the field's `code` (or `missing` when absent)
    metadata, or `invalid_<field>`; details name the field, where it was and every message."""
    if not isinstance(messages, dict):
        messages = {"_schema": messages}
    name = sorted(messages, key=str)[0]
    if name == "_schema":
        return ValidationFailed("invalid_json", _("Badan permintaan harus berupa objek JSON."), status=400)
    field = schema.fields.get(name) if isinstance(name, str) else None
    code = getattr(schema.Meta, "error_code", None)
    if code is None and field is None:
        code = "unknown_field"
    if code is None and field is not None:
        absent = {field.error_messages[k] for k in ("required", "null", "blank") if k in field.error_messages}
        missing = bool(messages.get(name)) and set(messages[name]) <= absent
        code = field.metadata.get("missing") if missing else None
        code = code or field.metadata.get("code")
    return ValidationFailed(
        code or f"invalid_{name}",
        _("Isian %(f)s tidak valid.", f=str(name)[:40]),
        details={"field": str(name)[:40], "in": location, "fields": messages},
    )


def validate_body(schema: ma.Schema, data: Any) -> dict[str, Any]:
    """`data` loaded through `schema`, or the coded refusal (for bodies that come in another form
    field, such as a multipart `payload`)."""
    try:
        return schema.load(data)
    except ma.ValidationError as err:
        raise refusal(schema, err.messages) from err


def load_json_object(raw: bytes | str, *, where: str = "body") -> dict[str, Any]:
    """One JSON object from `raw`: 400 `json_too_deep` or `invalid_json` otherwise."""
    data = raw.encode() if isinstance(raw, str) else raw
    if json_depth_exceeds(data, MAX_JSON_DEPTH):
        raise ValidationFailed(
            "json_too_deep",
            _("Badan permintaan bersarang terlalu dalam (paling banyak %(n)d tingkat).", n=MAX_JSON_DEPTH),
            status=400,
            details={"field": where},
        )
    try:
        value = json.loads(data)
    except (ValueError, RecursionError) as err:
        raise ValidationFailed(
            "invalid_json",
            _("Badan permintaan harus berupa objek JSON."),
            status=400,
            details={"field": where},
        ) from err
    if not isinstance(value, dict):
        raise ValidationFailed(
            "invalid_json",
            _("Badan permintaan harus berupa objek JSON."),
            status=400,
            details={"field": where},
        )
    found = walk_problems(value)
    if found is not None:
        path, problem = found
        raise ValidationFailed(problem, problem_message(problem), details={"field": path})
    return value


class ApiBlueprint(Blueprint):
    """flask-smorest's Blueprint parsing with `ApiParser`."""

    ARGUMENTS_PARSER = ApiParser()

    def arguments(self, schema, *args, **kwargs):
        """flask-smorest's `arguments`, with a schema class made an instance once, here: given a
        class, webargs builds a new schema for every request (an eighth of a scan's CPU in the
        check-in benchmark's profile); a schema instance only reads its fields, so one is shared."""
        if isinstance(schema, type):
            schema = schema()
        return super().arguments(schema, *args, **kwargs)


bp = ApiBlueprint("api", __name__, url_prefix="/api/v1", description="Harkop API")
csrf.exempt(bp)


def json_depth_exceeds(raw: bytes, limit: int) -> bool:
    """True when the JSON text nests arrays and objects deeper than `limit` (strings skipped)."""
    depth = 0
    in_string = escaped = False
    for byte in raw:
        if in_string:
            if escaped:
                escaped = False
            elif byte == 0x5C:  # backslash
                escaped = True
            elif byte == 0x22:
                in_string = False
        elif byte == 0x22:
            in_string = True
        elif byte in (0x5B, 0x7B):
            depth += 1
            if depth > limit:
                return True
        elif byte in (0x5D, 0x7D):
            depth -= 1
    return False


FORM_TYPES = ("multipart/form-data", "application/x-www-form-urlencoded")


@bp.before_request
def _check_body_and_path() -> None:
    """Before any view: NUL and bidi controls in a path segment (422); a body that is not one
    JSON object, or nests too deep (400). A non-empty body must be JSON (or a form where an
    operation takes one); an empty one is no body."""
    for name, value in (request.view_args or {}).items():
        if isinstance(value, str) and (problem := text_problem(value)):
            raise ValidationFailed(problem, problem_message(problem), details={"field": name, "in": "path"})
    if request.method in SAFE_METHODS or request.mimetype in FORM_TYPES:
        return
    raw = request.get_data(cache=True)
    if raw.strip():
        g.api_json = load_json_object(raw)


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


# --- schema building blocks ----------------------------------------------------------------


# Text the API accepts: no NUL, other control characters (tab and line breaks excepted) or bidi
# controls (harkop/text.py refuses them, with their own codes, before any schema runs).
TEXT_PATTERN = "^[^\\u0000-\\u0008\\u000b\\u000c\\u000e-\\u001f\\u007f\\u061c\\u200e\\u200f\\u202a-\\u202e\\u2066-\\u2069]*$"


class Text(fields.String):
    """A string field of the API; the document states the characters refused (TEXT_PATTERN).

    `blank=False` refuses an empty or all-space value like a missing one.
    """

    default_error_messages = {"blank": "Field may not be blank."}

    def __init__(self, *, blank: bool = True, **kwargs: Any) -> None:
        kwargs.setdefault("metadata", {})
        kwargs["metadata"].setdefault("pattern", TEXT_PATTERN)
        super().__init__(**kwargs)
        self.blank = blank

    def _deserialize(self, value, attr, data, **kwargs):  # noqa: D102
        text = super()._deserialize(value, attr, data, **kwargs)
        if not self.blank and not text.strip():
            raise self.make_error("blank")
        return text


class DateTimeText(fields.String):
    """An ISO 8601 date-time with its offset, between 2000 and 2100; loads as the text given.

    The services parse it themselves; this refuses what no clock can mean (e.g.
    9999-12-31T23:59:59-12:00, which overflows when taken to UTC) with a coded 422.
    """

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("metadata", {})
        kwargs["metadata"].setdefault("format", "date-time")
        super().__init__(**kwargs)

    def _deserialize(self, value, attr, data, **kwargs):  # noqa: D102
        text = super()._deserialize(value, attr, data, **kwargs)
        try:
            moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
            if moment.tzinfo is None:
                raise ValueError("no offset")
            utc = moment.astimezone(UTC)
        except (ValueError, OverflowError) as err:
            raise ma.ValidationError(_("Waktu harus ISO 8601 dengan zona waktu.")) from err
        if not EARLIEST <= utc < LATEST:
            raise ma.ValidationError(_("Waktu di luar rentang yang diterima."))
        return text


class DateText(fields.String):
    """An ISO date, YYYY-MM-DD; loads as the text given."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("metadata", {})
        kwargs["metadata"].setdefault("format", "date")
        super().__init__(**kwargs)

    def _deserialize(self, value, attr, data, **kwargs):  # noqa: D102
        text = super()._deserialize(value, attr, data, **kwargs)
        try:
            date.fromisoformat(text)
            if len(text) != 10:
                raise ValueError(text)
        except ValueError as err:
            raise ma.ValidationError(_("Tanggal harus berformat YYYY-MM-DD.")) from err
        return text


class Int(fields.Integer):
    """A JSON integer: not a string, a fraction or a boolean."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(strict=True, **kwargs)

    def _deserialize(self, value, attr, data, **kwargs):  # noqa: D102
        if isinstance(value, bool):
            raise self.make_error("invalid")
        return super()._deserialize(value, attr, data, **kwargs)


class Bool(fields.Boolean):
    """A JSON `true` or `false`: not 1, "ya" or "true"."""

    def _deserialize(self, value, attr, data, **kwargs):  # noqa: D102
        if not isinstance(value, bool):
            raise self.make_error("invalid")
        return value


def Id(**kwargs: Any) -> fields.Integer:  # noqa: N802 - a field factory, named like a field
    """An id in a body: a positive JSON integer an id column can hold."""
    return Int(validate=validate.Range(1, MAX_ID), **kwargs)


class Answer(ma.Schema):
    """A response body, declared: its fields, their types and which may be null.

    The answer is the view's own JSON, unchanged: marshmallow must not turn a decimal string into
    a float or drop a key a service adds, or clients would see a different answer than before.
    Whether the answers keep to their declarations is checked from outside, against the OpenAPI
    document (schemathesis' response_schema_conformance in tests/api/test_fuzz.py).
    """

    class Meta:
        """marshmallow's options: answers may carry keys added after this declaration."""

        ordered = True
        unknown = ma.INCLUDE

    @post_dump(pass_original=True)
    def _as_answered(self, data: dict[str, Any], original: Any, **_kwargs: Any) -> dict[str, Any]:
        if isinstance(original, dict):
            return dict(original)
        return data


class ErrorBodySchema(ma.Schema):
    """The inside of the error envelope."""

    code = fields.String(required=True, metadata={"description": "stable machine code"})
    message = fields.String(required=True, metadata={"description": "for people, in the asked language"})
    details = fields.Raw(metadata={"description": "what and where (field, fields, the recorded scan, …)"})


class ErrorSchema(ma.Schema):
    """The error envelope `{"error": {"code", "message", "details"}}`."""

    error = fields.Nested(ErrorBodySchema, required=True)


class Query(ma.Schema):
    """A query string: unknown parameters are ignored (caches and tools add their own)."""

    class Meta:
        """marshmallow's options."""

        unknown = ma.EXCLUDE


class Body(ma.Schema):
    """A JSON request body: an unknown field is refused (422 `unknown_field`), so a misspelt
    field never passes unnoticed and the document can say `additionalProperties: false`."""

    class Meta:
        """marshmallow's options."""

        unknown = ma.RAISE


@cache
def paged(default_per_page: int = 50) -> type[Query]:
    """The query schema with `page` and `per_page` (a 422 `invalid_page` out of range)."""
    return type(
        f"Page{default_per_page}Query",
        (Query,),
        {
            "page": fields.Integer(
                load_default=1, validate=validate.Range(1, MAX_PAGE), metadata={"code": "invalid_page"}
            ),
            "per_page": fields.Integer(
                load_default=default_per_page,
                validate=validate.Range(1, MAX_PER_PAGE),
                metadata={"code": "invalid_page"},
            ),
        },
    )


@cache
def page_of(item: type[ma.Schema]) -> type[ma.Schema]:
    """The list envelope `{"items", "total", "page", "per_page"}` of `item`s."""
    name = item.__name__.removesuffix("Schema")
    return type(
        f"{name}Page",
        (ma.Schema,),
        {
            "items": fields.List(fields.Nested(item), required=True),
            "total": fields.Integer(required=True),
            "page": fields.Integer(required=True),
            "per_page": fields.Integer(required=True),
        },
    )


_REFUSALS = {
    400: "Bad request",
    401: "Not authenticated",
    403: "Forbidden",
    404: "Not found",
    409: "Conflict with the current state",
    413: "Body too large",
    415: "Unsupported media type",
    422: "Invalid input",
    429: "Too many requests",
}


def errors(*refusals: tuple[int, str] | int) -> Callable:
    """Declare an operation's refusals: `(status, "code_a, code_b")` pairs, each answered with
    the error envelope. The codes go into the response's description."""

    def decorate(view: Callable) -> Callable:
        for refusal in refusals:
            status, codes = refusal if isinstance(refusal, tuple) else (refusal, "")
            text = _REFUSALS.get(status, "Error") + (f": {codes}" if codes else "")
            view = bp.alt_response(status, schema=ErrorSchema, description=text)(view)
        return view

    return decorate


def list_envelope(items: list[Any], total: int, page: int, per_page: int) -> dict[str, Any]:
    """The API's list body `{"items", "total", "page", "per_page"}`."""
    return {"items": items, "total": total, "page": page, "per_page": per_page}


def paginate_select(
    stmt: Select, serialise: Callable[[Any], Any], page: int, per_page: int
) -> dict[str, Any]:
    """Run a select for one page and answer with the list envelope."""
    result = db.paginate(stmt, page=page, per_page=per_page, error_out=False, count=True)
    return list_envelope([serialise(x) for x in result.items], result.total or 0, page, per_page)


# --- the authentication operations ---------------------------------------------------------


class CooperativeRefSchema(ma.Schema):
    """A cooperative named by its NIK."""

    nik = fields.String(required=True)
    name = fields.String(required=True)


class MeSchema(Answer):
    """The authenticated user."""

    username = fields.String(required=True)
    role = fields.String(required=True)
    display_name = fields.String(required=True, allow_none=True)
    cooperative = fields.Nested(CooperativeRefSchema, allow_none=True, required=True)


class TokenRequestSchema(Body):
    """What a device asks for: a label and a purpose."""

    label = Text(
        validate=validate.Length(max=80), metadata={"description": "the device's name", "code": "not_text"}
    )
    purpose = fields.String(validate=validate.OneOf(["api", "checkin"]), metadata={"code": "invalid_purpose"})


class TokenSchema(Answer):
    """A new bearer token (shown once)."""

    token = fields.String(required=True)
    label = fields.String(required=True)
    expires_at = fields.String(required=True, metadata={"format": "date-time"})


@bp.route("/me", tags=["auth"])
@login_required
@bp.response(200, MeSchema)
@errors(401)
def me():
    """The authenticated user (session or bearer token)."""
    coop = current_user.cooperative
    return {
        "username": current_user.username,
        "role": current_user.role.value,
        "display_name": current_user.display_name,
        "cooperative": {"nik": coop.nik, "name": coop.name} if coop else None,
    }


@bp.route("/tokens", methods=["POST"], tags=["auth"])
@login_required
@bp.arguments(TokenRequestSchema, required=False)
@bp.response(201, TokenSchema)
@errors(
    (400, "invalid_json, csrf_invalid"),
    401,
    (403, "session_required: asked with a bearer token"),
    (422, "invalid_label, invalid_purpose, nul_character, bidi_control"),
    (429, "rate_limited: more than HARKOP_TOKENS_PER_HOUR tokens in the last hour"),
)
def create_own_token(body: dict[str, Any]):
    """Issue a bearer token for the logged-in user's device (a gate scanner or a judge's tablet).

    Only a browser session may ask: a bearer token cannot make more tokens. A token with
    `purpose: checkin` (the gate's scanner) lasts to the current event's last day plus
    HARKOP_DEVICE_TOKEN_MARGIN_DAYS; any other, HARKOP_TOKEN_DAYS.
    """
    from .auth.services import issue_token_row
    from .auth.sessions import current_session_id

    if g.get("harkop_auth") != "session":
        raise Forbidden(
            "session_required", _("Token baru hanya dapat dibuat dari sesi yang masuk, bukan dengan token.")
        )
    label = body.get("label") or _("perangkat")
    purpose = body.get("purpose") or "api"
    if purpose not in TOKEN_PURPOSES:
        raise ValidationFailed(
            "invalid_purpose", _("purpose harus checkin atau api."), details={"field": "purpose"}
        )
    expires_at = TOKEN_PURPOSES[purpose]()
    row, token = issue_token_row(
        current_user, label=label, expires_at=expires_at, session_id=current_session_id(), by=current_user
    )
    db.session.commit()
    return {"token": token, "label": label, "expires_at": row.expires_at.isoformat()}


# --- the document ----------------------------------------------------------------------------


class HarkopApi(Api):
    """flask-smorest's Api with Harkop's error envelope; harkop/errors.py answers every error."""

    ERROR_SCHEMA = ErrorSchema
    DEFAULT_ERROR_RESPONSE_NAME = None

    def _register_error_handlers(self) -> None:
        """No handlers of its own: the app's (harkop/errors.py) answer with the envelope."""


API_CONFIG = {
    "API_TITLE": "Harkop API",
    "API_VERSION": "1",
    "OPENAPI_VERSION": "3.0.3",
    "API_SPEC_OPTIONS": {
        "info": {
            "description": (
                "Hari Koperasi and the cooperative registry. Errors answer "
                '`{"error": {"code", "message", "details"}}`; lists answer '
                '`{"items", "total", "page", "per_page"}`. See docs/api.md.'
            )
        },
        "servers": [{"url": "/"}],
    },
}


def init_api(app: Any) -> HarkopApi:
    """Register the API blueprint and its document on `app` (after the domains added routes)."""
    for key, value in API_CONFIG.items():
        app.config.setdefault(key, value)
    api = HarkopApi(app)
    api.register_converter(IdConverter, _id_param)
    api.register_converter(NikConverter, _nik_param)
    api.spec.components.security_scheme("bearer", {"type": "http", "scheme": "bearer"})
    api.spec.components.security_scheme("session", {"type": "apiKey", "in": "cookie", "name": "session"})
    api.register_blueprint(bp)
    app.extensions["harkop_api"] = api
    return api


def build_openapi() -> dict[str, Any]:
    """The OpenAPI 3 document: the declarations, plus each operation's access and common refusals.

    Security and `x-roles` come from the access decorators (harkop/auth/decorators.py): a
    protected operation may answer 401 (and 403 when it names roles); one with an id in its
    path, 404; one with a body, 400 for a body that is not one JSON object; one with query
    parameters or a body, 422 for a value its schema refuses.
    """
    api = current_app.extensions["harkop_api"]
    document = api.spec.to_dict()
    views: dict[tuple[str, str], Any] = {}
    for rule in current_app.url_map.iter_rules():
        if rule.endpoint.startswith("api."):
            path = api.flask_plugin.flaskpath2openapi(rule.rule)
            for method in rule.methods or ():
                views[(path, method.lower())] = current_app.view_functions[rule.endpoint]
    error = {"content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}}
    for path, operations in document["paths"].items():
        for method, op in operations.items():
            if method == "parameters":
                continue
            access = getattr(views.get((path, method)), "harkop_access", frozenset())
            common: dict[int, str] = {}
            if "public" not in access:
                op["security"] = [{"bearer": []}, {"session": []}]
                op["x-roles"] = sorted(access)
                common[401] = "unauthorized"
                if access != {"authenticated"}:
                    common[403] = "forbidden"
            if "{" in path:
                common[404] = "not_found: no such id"
            if "requestBody" in op:
                common[400] = "invalid_json, json_too_deep, csrf_invalid"
                common[422] = "invalid_<field>, nul_character, bidi_control"
            if any(p.get("in") == "query" for p in op.get("parameters", []) if isinstance(p, dict)):
                common.setdefault(422, "invalid_<field>, nul_character, bidi_control")
            responses = op.setdefault("responses", {})
            for status, codes in common.items():
                responses.setdefault(str(status), {"description": f"{_REFUSALS[status]}: {codes}", **error})
    return document


def _schema_name(schema: dict[str, Any]) -> str:
    """`Scan` for a `$ref` to it; `Scan[]` for a list of them; the type otherwise."""
    if "$ref" in schema:
        return schema["$ref"].rsplit("/", 1)[-1]
    if schema.get("type") == "array":
        return _schema_name(schema.get("items", {})) + "[]"
    return schema.get("type", "object")


def _fields_of(document: dict[str, Any], name: str) -> list[dict[str, Any]]:
    """A component schema's properties as rows: name, type, required, nullable, notes."""
    schema = document["components"]["schemas"].get(name.removesuffix("[]"), {})
    required = set(schema.get("required", []))
    rows = []
    for field, prop in schema.get("properties", {}).items():
        notes = [prop.get("description", "")]
        if "enum" in prop:
            notes.append(" | ".join(str(v) for v in prop["enum"] if v is not None))
        for key, label in (
            ("minimum", "≥"),
            ("maximum", "≤"),
            ("minLength", "min length"),
            ("maxLength", "max length"),
        ):
            if key in prop:
                notes.append(f"{label} {prop[key]}")
        if prop.get("format"):
            notes.append(prop["format"])
        rows.append(
            {
                "name": field,
                "type": _schema_name(prop),
                "required": field in required,
                "nullable": bool(prop.get("nullable")),
                "notes": "; ".join(n for n in notes if n),
            }
        )
    return rows


def reference_sections() -> list[dict[str, Any]]:
    """The document as the reference page shows it: operations grouped by tag, each with its
    roles, parameters, body fields and responses (status, codes, body schema and its fields)."""
    document = build_openapi()
    sections: dict[str, list[dict[str, Any]]] = {}
    for path, operations in document["paths"].items():
        shared = operations.get("parameters", [])
        for method, op in operations.items():
            if method == "parameters":
                continue
            body = op.get("requestBody", {}).get("content", {})
            json_body = body.get("application/json", {}).get("schema")
            responses = []
            for status, answer in sorted(op.get("responses", {}).items()):
                if "$ref" in answer:
                    answer = document["components"]["responses"][answer["$ref"].rsplit("/", 1)[-1]]
                schema = next(iter(answer.get("content", {}).values()), {}).get("schema")
                responses.append(
                    {
                        "status": status,
                        "description": answer.get("description", ""),
                        "schema": _schema_name(schema) if schema else "",
                        "fields": _fields_of(document, _schema_name(schema))
                        if schema and status < "300"
                        else [],
                    }
                )
            sections.setdefault((op.get("tags") or ["api"])[-1], []).append(
                {
                    "anchor": f"{method}-{path}".replace("/", "-").replace("{", "").replace("}", ""),
                    "method": method.upper(),
                    "path": path,
                    "summary": op.get("summary", ""),
                    "description": op.get("description", ""),
                    "roles": op.get("x-roles", ["public"]),
                    "parameters": [
                        {
                            "name": p["name"],
                            "in": p["in"],
                            "type": _schema_name(p.get("schema", {})),
                            "required": p.get("required", False),
                            "notes": "; ".join(
                                str(x)
                                for x in (
                                    p.get("description"),
                                    " | ".join(p.get("schema", {}).get("enum", [])),
                                    p.get("schema", {}).get("format"),
                                )
                                if x
                            ),
                        }
                        for p in [*shared, *op.get("parameters", [])]
                    ],
                    "body": _schema_name(json_body) if json_body else "",
                    "body_types": sorted(body),
                    "body_fields": _fields_of(document, _schema_name(json_body)) if json_body else [],
                    "responses": responses,
                }
            )
    return [{"tag": tag, "operations": ops} for tag, ops in sorted(sections.items())]


@bp.route("/openapi.json", tags=["meta"])
@public
@bp.doc(
    responses={
        "200": {
            "description": "This document (OpenAPI 3.0)",
            "content": {"application/json": {"schema": {"type": "object"}}},
        }
    }
)
def openapi():
    """The OpenAPI document of this API, generated from the operations' declarations."""
    return jsonify(build_openapi())
