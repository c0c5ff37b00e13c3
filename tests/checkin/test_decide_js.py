"""The browser's rule (static/js/checkin/decide.js) against the table of cases, run in Node.

tests/checkin/decide.test.mjs runs every case of verdict_cases.json through decide.js (and every
code through its parseCode and sha256Hex); this runs that file, so `make test` and CI fail when
the browser and the server (tests/checkin/test_rule.py) part ways. Node is a requirement of the
suite (README): without it this fails, it is not skipped.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path

HERE = Path(__file__).resolve().parent
TABLE = json.loads((HERE / "verdict_cases.json").read_text())


def test_decide_js_gives_every_case_the_tables_verdict():
    """decide.js answers every case as the table (and so the Python rule) does, and parses every code alike."""
    node = shutil.which("node")
    assert node, "Node.js is needed for the browser's rule test (see README)"
    result = subprocess.run(
        [node, "--test", "--test-reporter=tap", str(HERE / "decide.test.mjs")],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=HERE.parent.parent,
    )
    report = result.stdout + result.stderr
    assert result.returncode == 0, report
    # Every case, code, clock and offset ran (a test file that loaded nothing would pass with no tests).
    passed = re.search(r"^# pass (\d+)$", result.stdout, re.M)
    expected = sum(len(TABLE[k]) for k in ("cases", "codes", "clocks", "offsets")) + 1
    assert passed and int(passed.group(1)) == expected, report
