"""schemathesis against a live, seeded server: every check, an admin's token and a coop_rep's.

The OpenAPI document is the contract (harkop/api.py); schemathesis generates valid and invalid
requests for every operation from it and checks each answer: no 5xx, only documented status
codes and content types, bodies that conform to their schemas, invalid input refused, and more
(`--checks all`). It runs on SQLite in `make test` and on PostgreSQL in `make test-pg` (the live
server's database follows HARKOP_TEST_DATABASE_URL). Bounded: a few examples per operation,
deterministic generation (schemathesis ignores a seed then), and `--max-time` per role.
"""

from __future__ import annotations

import re
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sqlalchemy import select

from tests.liveserver import LiveServer

BIN = Path(sys.executable).parent
# The server and the tokens made for it live in their own committed database.
pytestmark = pytest.mark.committed
MAX_EXAMPLES = 10
# Per role: the coverage phase takes about 20 s here, fuzzing and stateful tests share the rest.
MAX_SECONDS = 40
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def fuzz_server(tmp_path_factory):
    """A seeded server of its own (the fuzzing writes: scans, entries, proposals)."""
    server = LiveServer.start(tmp_path_factory.mktemp("fuzz"), threads=4)
    try:
        yield server
    finally:
        server.stop()


def _token(server: LiveServer, role: str) -> str:
    from harkop.auth.models import Role, User
    from harkop.auth.services import issue_token_row
    from harkop.extensions import db

    with server.app_context():
        stmt = select(User).where(User.role == Role(role), User.active.is_(True)).order_by(User.id)
        if role == "coop_rep":
            stmt = stmt.where(User.cooperative_id.is_not(None))
        user = db.session.scalars(stmt).first()
        _row, token = issue_token_row(user, label=f"schemathesis {role}", by=user)
        db.session.commit()
    return token


def run_schemathesis(server: LiveServer, token: str, report: Path) -> subprocess.CompletedProcess:
    """`schemathesis run` with every check against the server's own document, as CI runs it."""
    cmd = [
        str(BIN / "schemathesis"),
        "--config-file",
        str(ROOT / "schemathesis.toml"),
        "run",
        f"{server.url}/api/v1/openapi.json",
        "--url",
        server.url,
        "--checks",
        "all",
        "--max-examples",
        str(MAX_EXAMPLES),
        "--generation-deterministic",
        "--max-time",
        str(MAX_SECONDS),
        # One worker: Python 3.11.7's ast module can fail under hypothesis in several threads at
        # once ("AST constructor recursion depth mismatch", a SystemError), a runtime error of
        # the tool, not an answer of the API.
        "--workers",
        "1",
        "--request-timeout",
        "20",
        "--header",
        f"Authorization: Bearer {token}",
        "--no-color",
        "--report",
        "junit",
        "--report-junit-path",
        str(report),
    ]
    return subprocess.run(cmd, capture_output=True, text=True, timeout=MAX_SECONDS * 4, cwd=ROOT)


@pytest.mark.parametrize("role", ["admin", "coop_rep"])
def test_schemathesis_finds_nothing(fuzz_server, tmp_path, role):
    """Every check of schemathesis passes for every operation, with the role's bearer token."""
    started = time.monotonic()
    done = run_schemathesis(fuzz_server, _token(fuzz_server, role), tmp_path / "junit.xml")
    print(f"schemathesis as {role}: exit {done.returncode} in {time.monotonic() - started:.0f}s")
    (tmp_path / "schemathesis.txt").write_text(done.stdout + done.stderr)
    print(done.stdout[-3000:])
    assert done.returncode == 0, done.stdout[-20000:] + done.stderr[-4000:] + fuzz_server.log()[-4000:]
    counts = re.search(r"(\d+) generated, (\d+) passed", done.stdout)
    assert counts and counts[1] == counts[2] and int(counts[1]) > 0, done.stdout[-4000:]
