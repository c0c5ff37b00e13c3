"""Fixtures of the check-in tests: a ticket, staff users and a scan helper with sensible defaults."""

from __future__ import annotations

import itertools

import pytest

from harkop.checkin.scans import ScanInput, check_in
from harkop.extensions import db
from tests.checkin import factories as f

_nonces = itertools.count(1)


@pytest.fixture
def ticket():
    """A valid ticket for a competition on 26 July 2024 (committed inside the test's transaction)."""
    t = f.make_ticket()
    db.session.commit()
    return t


@pytest.fixture
def staff(make_user):
    """A check-in staff member."""
    return make_user("checkin_staff", display_name="Rina Petugas")


@pytest.fixture
def scan(staff):
    """`scan(code, **overrides)`: record a scan at 09.30 WITA on 26 July by `staff` at gate "Pintu A".

    `by` and `now` go to `check_in`, every other override to the scan's `ScanInput`.
    """

    def do_scan(code, *, by=None, now=f.ON_DAY1, **overrides):
        fields = {"device_id": "device-a", "gate": "Pintu A", "nonce": f"nonce-{next(_nonces)}", **overrides}
        result = check_in(ScanInput(code=code, **fields), by=by or staff, now=now)
        db.session.commit()
        return result

    return do_scan
