"""Logs as one JSON object per line, each carrying the request id of the request that wrote it.

Every request gets an id: the one the reverse proxy sent in `X-Request-ID` (nginx:
`proxy_set_header X-Request-ID $request_id;`) when it looks like one, otherwise a new one. The
id goes back in the response's `X-Request-ID` header, into every log record written while the
request runs, and into one access line per request (method, path, status, duration), so one
grep finds everything a request did across the proxy's log and the app's.

`HARKOP_LOG_FORMAT=json` (the default in production) writes JSON lines to standard error;
`text` keeps Python's plain format for a developer's terminal. gunicorn's own messages use the
same formatter through `gunicorn.conf.py`. The formatter is a few lines over the standard
library's `logging` and `json`, which is why no logging package is added for it.
"""

from __future__ import annotations

import json
import logging
import re
import sys
import time
import uuid
from contextvars import ContextVar
from datetime import UTC, datetime

from flask import Flask, g, request

request_id: ContextVar[str | None] = ContextVar("harkop_request_id", default=None)

# What a proxy's id may look like (nginx's $request_id is 32 hex digits; others use UUIDs).
_ACCEPTED_ID = re.compile(r"^[A-Za-z0-9._:-]{8,64}$")
# LogRecord's own attributes: anything else on a record came from `extra=` and is written out.
_STANDARD = set(vars(logging.LogRecord("", 0, "", 0, "", None, None))) | {"message", "asctime", "taskName"}
ACCESS_LOGGER = "harkop.request"
_HANDLER_MARK = "_harkop_json_handler"


class JsonFormatter(logging.Formatter):
    """One JSON object per record: time (UTC), level, logger, message, request id, extras, traceback."""

    def format(self, record: logging.LogRecord) -> str:
        """The record as a single line of JSON."""
        entry: dict[str, object] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        rid = getattr(record, "request_id", None)
        if rid:
            entry["request_id"] = rid
        for key, value in vars(record).items():
            if key not in _STANDARD and key != "request_id" and not key.startswith("_"):
                entry[key] = value
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        if record.stack_info:
            entry["stack"] = self.formatStack(record.stack_info)
        return json.dumps(entry, ensure_ascii=False, default=str)


def new_request_id(incoming: str | None = None) -> str:
    """The proxy's request id when it looks like one, else a fresh random one."""
    if incoming and _ACCEPTED_ID.match(incoming):
        return incoming
    return uuid.uuid4().hex


def configure_json_logging(level: int = logging.INFO) -> None:
    """Send every logger's records to standard error as JSON lines (once per process)."""
    root = logging.getLogger()
    if any(getattr(h, _HANDLER_MARK, False) for h in root.handlers):
        return
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonFormatter())
    setattr(handler, _HANDLER_MARK, True)
    # Python's default handlers (basicConfig, Flask's own) would print each record twice.
    for old in list(root.handlers):
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(level)
    logging.getLogger("alembic").setLevel(logging.WARNING)  # its plugin set-up is not news
    logging.getLogger("flask.app").handlers.clear()


_factory_installed = False


def _tag_records_with_request_id() -> None:
    """Every log record remembers the request id current when it was made (once per process)."""
    global _factory_installed
    if _factory_installed:
        return
    _factory_installed = True
    make_record = logging.getLogRecordFactory()

    def record_with_request_id(*args, **kwargs) -> logging.LogRecord:
        record = make_record(*args, **kwargs)
        record.request_id = request_id.get()
        return record

    logging.setLogRecordFactory(record_with_request_id)


def install_logging(app: Flask) -> None:
    """Give each request an id and an access line; with `json`, log every record as JSON."""
    _tag_records_with_request_id()
    if app.config.get("HARKOP_LOG_FORMAT") == "json":
        configure_json_logging()
        app.logger.handlers.clear()  # records go to the root logger's JSON handler only
    access = logging.getLogger(ACCESS_LOGGER)

    @app.before_request
    def _start_request() -> None:
        g.request_started = time.perf_counter()
        g.request_id = new_request_id(request.headers.get("X-Request-ID"))
        request_id.set(g.request_id)

    @app.after_request
    def _finish_request(response):
        rid = g.get("request_id")
        if rid:
            response.headers["X-Request-ID"] = rid
        started = g.get("request_started")
        access.info(
            "%s %s %s",
            request.method,
            request.path,
            response.status_code,
            extra={
                "method": request.method,
                "path": request.path,
                "status": response.status_code,
                "duration_ms": round((time.perf_counter() - started) * 1000, 1) if started else None,
                "remote_addr": request.remote_addr,
            },
        )
        return response

    @app.teardown_request
    def _forget_request_id(_exc: BaseException | None) -> None:
        request_id.set(None)
