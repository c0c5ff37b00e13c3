"""Security headers and cookie settings applied to every response."""

from __future__ import annotations

from flask import Flask, request
from flask.sessions import SecureCookieSessionInterface

CSP = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data: blob:",
        "media-src 'self' data: blob:",
        "font-src 'self'",
        "connect-src 'self'",
        "worker-src 'self'",
        "manifest-src 'self'",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)


class HarkopSessionInterface(SecureCookieSessionInterface):
    """Session cookie marked Secure whenever the request came over HTTPS."""

    def get_cookie_secure(self, app: Flask) -> bool:  # noqa: D102
        return bool(app.config["SESSION_COOKIE_SECURE"]) or request.is_secure


def install_security(app: Flask) -> None:
    """Register the headers, the session interface, and the refusal of unsafe text."""
    app.session_interface = HarkopSessionInterface()

    @app.before_request
    def _refuse_unsafe_text() -> None:
        # NUL bytes and bidirectional controls are refused in every query and form field, with
        # a coded 422 naming the field (harkop/text.py); a search with %00 used to answer 500.
        from .text import refuse_unsafe_fields

        if request.args:
            refuse_unsafe_fields(request.args, where="query")
        if request.method not in ("GET", "HEAD") and request.mimetype in (
            "application/x-www-form-urlencoded",
            "multipart/form-data",
        ):
            refuse_unsafe_fields(request.form, where="form")

    @app.after_request
    def _headers(response):
        headers = response.headers
        headers.setdefault("Content-Security-Policy", CSP)
        headers.setdefault("X-Content-Type-Options", "nosniff")
        headers.setdefault("Referrer-Policy", "same-origin")
        headers.setdefault("X-Frame-Options", "DENY")
        headers.setdefault("Permissions-Policy", "camera=(self), microphone=(), geolocation=()")
        if request.is_secure:
            headers.setdefault("Strict-Transport-Security", "max-age=31536000")
        return response
