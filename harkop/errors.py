"""Coded domain errors and the HTTP/JSON error handlers."""

from __future__ import annotations

from typing import Any

from flask import Flask, jsonify, render_template, request
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException


class DomainError(Exception):
    """A refusal with a stable code: views flash it, the API returns it in the error envelope."""

    status = 400

    def __init__(self, code: str, message: str, *, status: int | None = None, details: Any = None) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.details = details
        if status is not None:
            self.status = status


class NotFound(DomainError):
    """The thing asked for does not exist."""

    status = 404


class Forbidden(DomainError):
    """The actor may not do this."""

    status = 403


class Conflict(DomainError):
    """The request clashes with the current state."""

    status = 409


class ValidationFailed(DomainError):
    """Input was well-formed but not acceptable; `details` lists the fields."""

    status = 422


_CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    413: "payload_too_large",
    415: "unsupported_media_type",
    422: "validation_failed",
    429: "rate_limited",
    500: "internal_error",
}


def wants_json() -> bool:
    """True for API calls and for clients that ask for JSON only."""
    if request.path.startswith("/api/"):
        return True
    best = request.accept_mimetypes.best_match(["text/html", "application/json"])
    return best == "application/json" and not request.accept_mimetypes.accept_html


def error_envelope(code: str, message: str, status: int, details: Any = None):
    """The API's error body `{"error": {"code", "message"}}` with its HTTP status."""
    body: dict[str, Any] = {"code": code, "message": message}
    if details is not None:
        body["details"] = details
    return jsonify({"error": body}), status


def _messages() -> dict[int, str]:
    return {
        400: _("Permintaan tidak dapat diproses."),
        401: _("Silakan masuk terlebih dahulu."),
        403: _("Anda tidak memiliki akses ke halaman ini."),
        404: _("Halaman tidak ditemukan."),
        405: _("Metode tidak diizinkan."),
        409: _("Permintaan bertentangan dengan keadaan data saat ini."),
        413: _("Berkas terlalu besar."),
        415: _("Jenis berkas tidak didukung."),
        422: _("Data tidak valid."),
        429: _("Terlalu banyak percobaan. Silakan tunggu sebentar lalu coba lagi."),
        500: _("Terjadi kesalahan pada server. Silakan coba lagi."),
    }


def _render(status: int, code: str, message: str):
    template = f"errors/{status}.html" if status in (403, 404, 429) else "errors/error.html"
    return render_template(template, status=status, code=code, message=message), status


def register_error_handlers(app: Flask) -> None:
    """Turn DomainErrors and HTTP errors into pages or JSON envelopes, never a bare 500."""

    @app.errorhandler(DomainError)
    def handle_domain_error(err: DomainError):
        if wants_json():
            return error_envelope(err.code, err.message, err.status, err.details)
        return _render(err.status, err.code, err.message)

    @app.errorhandler(CSRFError)
    def handle_csrf(err: CSRFError):
        message = _("Formulir kedaluwarsa atau tidak sah. Muat ulang halaman lalu coba lagi.")
        if wants_json():
            return error_envelope("csrf_invalid", message, 400)
        return _render(400, "csrf_invalid", message)

    @app.errorhandler(HTTPException)
    def handle_http(err: HTTPException):
        status = err.code or 500
        code = _CODES.get(status, "http_error")
        message = _messages().get(status, err.description or "")
        # Allow (405) and Retry-After (429) are part of the answer, whatever the body's form.
        keep = {k: v for k, v in err.get_headers() if k in ("Allow", "Retry-After")}
        if wants_json():
            response, status = error_envelope(code, message, status)
        else:
            response, status = _render(status, code, message)
        return response, status, keep

    @app.errorhandler(Exception)
    def handle_unexpected(err: Exception):
        if app.testing:
            raise err
        app.logger.exception("Unhandled error: %s", err)
        from .extensions import db

        db.session.rollback()
        if wants_json():
            return error_envelope("internal_error", _messages()[500], 500)
        return _render(500, "internal_error", _messages()[500])
