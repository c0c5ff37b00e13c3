"""The benchmark harness (benchmarks/): statistics, keeping sections, the load generator's bounds and bodies.

No timing is asserted here; the benchmarks themselves run with `make bench`.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from benchmarks.common import LoadSpec, established_by_process, md_table, percentile, run_load
from benchmarks.run import main, read_notes, read_sections, render


def test_percentile_interpolates_between_closest_ranks():
    """Are the 0th, 50th, 95th and 100th percentiles of 1..4 equal to 1, 2.5, 3.85 and 4?"""
    values = [4, 1, 3, 2]
    assert percentile(values, 0) == 1
    assert percentile(values, 50) == 2.5
    assert percentile(values, 95) == pytest.approx(3.85)
    assert percentile(values, 100) == 4
    assert percentile([7], 99) == 7
    with pytest.raises(ValueError):
        percentile([], 50)


def test_render_keeps_sections_that_were_not_run():
    """Rewriting the document with a new 'alpha' section: is 'beta' kept byte for byte, in name order?"""
    old = render({"beta": "## Beta\n\nold beta figures\n", "alpha": "## Alpha\n\nold alpha\n"}, "cmd one")
    sections = read_sections(old)
    assert set(sections) == {"alpha", "beta"}
    sections["alpha"] = "## Alpha\n\nnew alpha\n"
    new = render(sections, "python -m benchmarks.run alpha")
    again = read_sections(new)
    assert again["beta"] == "## Beta\n\nold beta figures\n"
    assert again["alpha"] == "## Alpha\n\nnew alpha\n"
    assert new.index("bench:alpha") < new.index("bench:beta")
    assert "Command: `python -m benchmarks.run alpha`" in new
    assert "## Machine of the latest run" in new


def test_render_keeps_hand_written_notes_after_their_section():
    """A new 'alpha' section: are alpha's hand-written notes kept byte for byte, right after it?"""
    notes = {"alpha": "### Alpha on other machines\n\nwritten by hand\n"}
    old = render({"alpha": "## Alpha\n\nold alpha\n", "beta": "## Beta\n\nbeta\n"}, "cmd", notes)
    assert read_notes(old) == notes
    sections = read_sections(old)
    sections["alpha"] = "## Alpha\n\nnew alpha\n"
    new = render(sections, "python -m benchmarks.run alpha", read_notes(old))
    assert read_notes(new) == notes
    assert read_sections(new)["alpha"] == "## Alpha\n\nnew alpha\n"
    assert new.index("/bench:alpha") < new.index("notes:alpha") < new.index("bench:beta")


def test_runner_refuses_unknown_benchmarks(tmp_path):
    """Does `python -m benchmarks.run nosuch` exit 2 without touching the output?"""
    output = tmp_path / "benchmarks.md"
    assert main(["nosuch", "--output", str(output)]) == 2
    assert not output.exists()


@pytest.mark.parametrize(
    "spec",
    [
        LoadSpec(path="/x"),  # neither requests nor duration
        LoadSpec(path="/x", requests=10, duration=1.0),
        LoadSpec(path="/x", requests=10, clients=0),
        LoadSpec(path="/x", requests=10, clients=10_000),
        LoadSpec(path="/x", requests=10_000_000),
        LoadSpec(path="/x", duration=3600),
        LoadSpec(path="x", requests=10),
        LoadSpec(path="/x", requests=10, body="a", body_template="b"),
    ],
)
def test_load_specs_must_be_bounded(spec):
    """Are unbounded, oversized or ambiguous load runs refused before anything starts?"""
    with pytest.raises(ValueError):
        spec.validate()


def test_load_generator_targets_loopback_only():
    """Is a non-loopback host refused?"""
    with pytest.raises(ValueError):
        run_load(80, LoadSpec(path="/", requests=1), host="192.0.2.1")


class _Recorder(BaseHTTPRequestHandler):
    """A loopback server that keeps every POST body and answers 201."""

    protocol_version = "HTTP/1.1"
    bodies: list[bytes] = []
    headers_seen: list[dict[str, str]] = []

    def do_POST(self):  # noqa: N802 - the name http.server calls
        length = int(self.headers.get("Content-Length", 0))
        _Recorder.bodies.append(self.rfile.read(length))
        _Recorder.headers_seen.append(dict(self.headers))
        self.send_response(201)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args):
        pass


def make_body(n: int):
    """A body factory for the load generator: a dict (sent as JSON) plus a per-request header."""
    return {"seq": n}, {"X-Seq": str(n)}


def _serve_and_load(spec: LoadSpec):
    """Run `spec` against a fresh recording server; return the result."""
    _Recorder.bodies, _Recorder.headers_seen = [], []
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Recorder)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        return run_load(server.server_address[1], spec)
    finally:
        server.shutdown()
        server.server_close()


def test_load_generator_calls_a_body_factory_per_request():
    """With body_factory: is each request's body the factory's JSON and its extra header sent?"""
    result = _serve_and_load(
        LoadSpec(
            path="/x",
            method="POST",
            body_factory="tests.benchmarks.test_harness:make_body",
            clients=2,
            requests=10,
            warmup_requests=0,
            expect_status=[201],
        )
    )
    assert result.statuses == {"201": 10}
    seqs = sorted(json.loads(b)["seq"] for b in _Recorder.bodies)
    assert seqs == list(range(10))
    assert sorted(int(h["X-Seq"]) for h in _Recorder.headers_seen) == seqs


def test_load_generator_posts_templated_json_with_unique_nonces():
    """40 POSTs from 4 clients with a {{n}}/{{uuid}} template: all counted, all nonces distinct, headers sent?"""
    result = _serve_and_load(
        LoadSpec(
            path="/api/v1/checkins",
            method="POST",
            json=True,
            headers={"Authorization": "Bearer test-token"},
            body_template='{"n": {{n}}, "nonce": "{{uuid}}"}',
            clients=4,
            requests=40,
            warmup_requests=5,
            expect_status=[201],
        )
    )
    assert result.requests == 40 and result.errors == 0
    assert result.statuses == {"201": 40}
    bodies = [json.loads(b) for b in _Recorder.bodies]
    assert len(bodies) == 45  # warm-up included
    assert len({b["nonce"] for b in bodies}) == 45
    assert sorted(b["n"] for b in bodies) == list(range(45))
    assert all(h["Authorization"] == "Bearer test-token" for h in _Recorder.headers_seen)
    assert all(h["Content-Type"] == "application/json" for h in _Recorder.headers_seen)


def test_md_table_right_aligns_numeric_columns():
    """Are numeric columns right-aligned and text columns left-aligned?"""
    table = md_table(["name", "ms"], [["mean", "45.7 ms"], ["median", "54.7 ms"]])
    assert table.splitlines()[1] == "| --- | ---: |"


def test_established_connections_are_counted_for_the_process_that_holds_them():
    """Does each process count the open connections it accepted on the port, and no others?"""
    listener = socket.create_server(("127.0.0.1", 0))
    port = listener.getsockname()[1]
    other = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(30)"])
    clients = [socket.create_connection(("127.0.0.1", port)) for _ in range(3)]
    accepted = [listener.accept()[0] for _ in clients]
    try:
        # the clients' own ends are on other ports: only the accepted ends count
        assert established_by_process(port, [os.getpid(), other.pid]) == {os.getpid(): 3, other.pid: 0}
        accepted[0].close()
        clients[0].close()
        assert established_by_process(port, [os.getpid()]) == {os.getpid(): 2}
    finally:
        other.kill()
        other.wait()
        for sock in [*clients, *accepted, listener]:
            sock.close()
    assert established_by_process(port, [other.pid]) == {other.pid: 0}  # gone: counts nothing


def test_the_checkin_benchmark_binds_every_column_of_the_scan_insert():
    """The statement-cost part of `benchmarks.run checkin` binds a whole scan row; it broke with a
    KeyError when `clock_suspect` was added to `checkin_scan` (issue 16) and nobody ran it. Does its
    row name exactly the columns the app's INSERT binds?"""
    from datetime import date, datetime

    from benchmarks.bench_checkin import unknown_ticket_scan_row
    from harkop.checkin.models import Scan
    from harkop.checkin.scans import insert_unless_exists

    row = unknown_ticket_scan_row(datetime(2024, 7, 26, 9, 30), date(2024, 7, 26))
    statement = insert_unless_exists(Scan.__table__, ("nonce",)).statement
    assert set(row) == set(statement.compile().params)
