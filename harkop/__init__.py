"""Harkop: Hari Koperasi celebrations tied to a city's cooperative registry."""

from __future__ import annotations

from typing import Any

from babel import Locale
from flask import Flask, has_request_context, request, session

from .config import INSTANCE, ROOT, Config
from .vocabulary import DEFAULT_LANGUAGE, LOCALES


def _select_locale() -> Locale:
    # Parsed once (vocabulary.LOCALES): Flask-Babel takes a Locale from the selector as it is, where
    # a language code would be parsed again on every request that translates. English is en_GB
    # (day before month, 24-hour clock); its messages come from the "en" catalogue.
    # CLI commands and jobs translate messages too, without a request (and so without a session).
    if not has_request_context():
        return LOCALES[DEFAULT_LANGUAGE]
    return LOCALES.get(session.get("lang"), LOCALES[DEFAULT_LANGUAGE])


def create_app(config: Config | dict[str, Any] | None = None) -> Flask:
    """Build the application: configuration, extensions, blueprints and CLI, nothing else."""
    app = Flask(
        __name__,
        template_folder=str(ROOT / "templates"),
        static_folder=str(ROOT / "static"),
        instance_path=str(INSTANCE),
    )
    if isinstance(config, Config):
        app.config.from_object(config)
    else:
        app.config.from_object(Config())
        if config:
            app.config.update(config)
    if app.config.get("HARKOP_FAKE_NOW"):
        from .clock import parse_fake_now

        parse_fake_now(app.config["HARKOP_FAKE_NOW"])  # fail early on a malformed value
    if app.config.get("HARKOP_FAKE_NOW_SINCE"):
        from .clock import parse_fake_since

        parse_fake_since(app.config["HARKOP_FAKE_NOW_SINCE"])

    if app.config.get("HARKOP_PROXY_FIX"):
        from werkzeug.middleware.proxy_fix import ProxyFix

        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=1, x_proto=1, x_host=1)  # type: ignore[method-assign]

    from . import ratelimit  # noqa: F401  - registers the harkopdb:// rate-limit storage
    from .db.sqlite import install_sqlite_behaviour, sqlite_begin_mode
    from .extensions import babel, csrf, db, limiter, migrate

    install_sqlite_behaviour()
    db.init_app(app)
    migrate.init_app(app, db, directory=str(ROOT / "migrations"), render_as_batch=True)
    csrf.init_app(app)
    babel.init_app(
        app, locale_selector=_select_locale, default_translation_directories=str(ROOT / "translations")
    )
    limiter.init_app(app)
    _init_login(app)

    @app.before_request
    def _read_only_begin() -> None:
        # Read-only requests take no SQLite write lock (see harkop/db/sqlite.py).
        sqlite_begin_mode.set("DEFERRED" if request.method in ("GET", "HEAD") else "IMMEDIATE")

    @app.teardown_request
    def _default_begin(_exc: BaseException | None) -> None:
        # A request's mode must not outlive it (the test client runs requests in the test's thread).
        sqlite_begin_mode.set("IMMEDIATE")

    from . import models  # noqa: F401  - every model is known to SQLAlchemy and Alembic
    from .errors import register_error_handlers
    from .logs import install_logging
    from .security import install_security
    from .templating import install_templating

    install_logging(app)
    from .api import IdConverter, NikConverter

    # Every `<int:...>` in a route is an id: longer than 18 digits, it matches nothing (404).
    app.url_map.converters["int"] = IdConverter
    app.url_map.converters["nik"] = NikConverter
    _register_blueprints(app)
    register_error_handlers(app)
    install_security(app)
    install_templating(app)

    from .cli import register_cli

    register_cli(app)
    return app


def _init_login(app: Flask) -> None:
    from flask import redirect, url_for
    from flask_babel import lazy_gettext as _l

    from .errors import error_envelope, wants_json
    from .extensions import login_manager

    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message = _l("Silakan masuk untuk membuka halaman ini.")
    login_manager.login_message_category = "info"
    login_manager.session_protection = "basic"

    @login_manager.user_loader
    def _load_user(user_id: str):
        from flask import g

        from .auth.sessions import SESSION_KEY, find_session

        found = find_session(session.get(SESSION_KEY), user_id)
        if found is None:
            return None
        user, current = found
        g.harkop_auth = "session"
        g.harkop_session_id = current.id
        return user

    @login_manager.request_loader
    def _load_from_bearer(req):
        header = req.headers.get("Authorization", "")
        if not header.startswith("Bearer ") or not req.path.startswith("/api/"):
            return None
        from flask import g

        from .auth.services import principal_for_token, user_for_token

        token = header[len("Bearer ") :].strip()
        view = app.view_functions.get(req.endpoint) if req.endpoint else None
        if getattr(view, "harkop_token_principal", False):
            found = principal_for_token(token)
        else:
            found = user_for_token(token)
        if found is not None:
            g.harkop_auth = "bearer"
        return found

    from .auth.sessions import write_touches

    app.after_request(write_touches)

    @login_manager.unauthorized_handler
    def _unauthorized():
        from flask_babel import gettext as _

        if wants_json():
            return error_envelope("unauthorized", _("Autentikasi diperlukan (sesi atau token Bearer)."), 401)
        from flask import flash

        flash(str(login_manager.login_message), "info")
        return redirect(url_for("auth.login", next=request.full_path.rstrip("?")))


def _register_blueprints(app: Flask) -> None:
    from . import api
    from .auth.views import bp as auth_bp
    from .checkin import api as _checkin_api  # noqa: F401
    from .checkin.views import bp as checkin_bp
    from .competitions import api as _competitions_api  # noqa: F401
    from .competitions import rundown_views as _rundown_views  # noqa: F401  - routes on competitions' bp
    from .competitions.views import bp as competitions_bp
    from .cooperatives import api as _cooperatives_api  # noqa: F401  - routes on api.bp
    from .cooperatives import public_views as _cooperatives_public  # noqa: F401  - routes on its bp
    from .cooperatives import views as _cooperatives_views  # noqa: F401  - routes on its bp
    from .cooperatives.blueprint import bp as cooperatives_bp
    from .judging import api as _judging_api  # noqa: F401
    from .judging import screen_views as _screen_views  # noqa: F401  - /layar on judging's bp
    from .judging.views import bp as judging_bp
    from .main import bp as main_bp
    from .office import api as _office_api  # noqa: F401  - office routes on api.bp
    from .office import public_views as _office_public  # noqa: F401  - /statistik on office's bp
    from .office.reports import install_report_jobs
    from .office.views import bp as office_bp

    install_report_jobs()
    from .privacy.views import bp as privacy_bp
    from .registrations import api as _registrations_api  # noqa: F401
    from .registrations import desk_views as _desk_views  # noqa: F401  - /admin/meja on registrations' bp
    from .registrations import print_views as _print_views  # noqa: F401  - /admin/cetak on registrations' bp
    from .registrations.desk import install_team_import_jobs
    from .registrations.print_jobs import install_print_job
    from .registrations.views import bp as registrations_bp

    install_team_import_jobs()
    install_print_job()
    from .checkin.badges import install_print_job as install_badge_print_job
    from .judging.certificates import install_print_job as install_certificate_print_job

    install_badge_print_job()
    install_certificate_print_job()

    # Domain API modules attach their routes to api.bp on import, so import them first.
    app.register_blueprint(main_bp)
    app.register_blueprint(auth_bp)
    app.register_blueprint(competitions_bp)
    app.register_blueprint(registrations_bp)
    app.register_blueprint(cooperatives_bp)
    app.register_blueprint(checkin_bp)
    app.register_blueprint(office_bp)
    app.register_blueprint(judging_bp)
    app.register_blueprint(privacy_bp)
    api.init_api(app)
