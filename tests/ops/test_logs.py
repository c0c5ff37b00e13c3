"""Logs are one JSON object per line and carry the request id (issue 19)."""

from __future__ import annotations

import json
import logging

import pytest

from harkop.logs import JsonFormatter, new_request_id


def test_request_id_comes_back_in_the_response(client):
    """A request gets an id in X-Request-ID; a proxy's well-formed id is kept as it is."""
    own = client.get("/healthz").headers["X-Request-ID"]
    assert len(own) == 32
    assert (
        client.get("/healthz", headers={"X-Request-ID": "nginx-0123456789abcdef"}).headers["X-Request-ID"]
        == "nginx-0123456789abcdef"
    )


def test_a_forged_request_id_is_replaced():
    """An id with spaces, quotes or 500 characters is not echoed into logs: a fresh one is made."""
    for forged in ('a" injected="1', "x" * 500, "short"):
        assert new_request_id(forged) != forged


def test_access_line_is_one_json_object_with_the_request_id(client, caplog):
    """Each request writes one access record; formatted, it is a single JSON line with its request id."""
    caplog.set_level(logging.INFO, logger="harkop.request")
    response = client.get("/healthz", headers={"X-Request-ID": "req-12345678"})
    records = [r for r in caplog.records if r.name == "harkop.request"]
    assert len(records) == 1
    line = JsonFormatter().format(records[0])
    assert "\n" not in line
    entry = json.loads(line)
    assert entry["request_id"] == "req-12345678" == response.headers["X-Request-ID"]
    assert entry["method"] == "GET" and entry["path"] == "/healthz" and entry["status"] == 200
    assert entry["level"] == "INFO" and entry["time"].endswith("+00:00")


def test_records_written_during_a_request_carry_its_id(app, caplog):
    """A message any module logs while a request is served is tagged with that request's id."""
    caplog.set_level(logging.INFO)
    with app.test_request_context("/", headers={"X-Request-ID": "probe-1234567"}):
        app.preprocess_request()
        logging.getLogger("harkop.probe").warning("inside")
    record = next(r for r in caplog.records if r.name == "harkop.probe")
    assert json.loads(JsonFormatter().format(record))["request_id"] == "probe-1234567"


def test_exceptions_are_kept_inside_the_json_line():
    """A traceback goes into the same object as text, so one line stays one record."""
    try:
        raise ValueError("boom")
    except ValueError:
        record = logging.LogRecord("harkop", logging.ERROR, __file__, 1, "failed", None, None)
        import sys

        record.exc_info = sys.exc_info()
    entry = json.loads(JsonFormatter().format(record))
    assert "ValueError: boom" in entry["exception"]


@pytest.mark.committed
def test_json_format_is_the_production_default(monkeypatch):
    """HARKOP_ENV=production logs JSON unless HARKOP_LOG_FORMAT says otherwise."""
    from harkop.config import Config

    monkeypatch.setenv("HARKOP_ENV", "production")
    monkeypatch.setenv("HARKOP_SECRET_KEY", "k" * 40)
    monkeypatch.delenv("HARKOP_LOG_FORMAT", raising=False)
    assert Config().HARKOP_LOG_FORMAT == "json"
    monkeypatch.setenv("HARKOP_LOG_FORMAT", "text")
    assert Config().HARKOP_LOG_FORMAT == "text"
    monkeypatch.delenv("HARKOP_ENV")
    monkeypatch.delenv("HARKOP_LOG_FORMAT")
    assert Config().HARKOP_LOG_FORMAT == "text"
