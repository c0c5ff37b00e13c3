"""The demo's check-ins: morning admissions, a refused scan and a conflict, idempotent."""

from sqlalchemy import func, select

from harkop.checkin.conflicts import count_open_conflicts
from harkop.checkin.models import CheckIn, Scan
from harkop.demo.checkin import seed_checkins
from harkop.demo.event import seed_accounts
from harkop.extensions import db
from tests.checkin import factories as f


def test_seed_checkins_without_tickets_does_nothing():
    """Before the demo has entries with tickets, there is nothing to check in."""
    seed_accounts()
    assert seed_checkins() == 0
    assert db.session.scalar(select(func.count(Scan.id))) == 0


def test_seed_checkins_is_idempotent():
    """Two thirds of the day's tickets are admitted, one forged scan and one conflict; a second run adds nothing."""
    seed_accounts()
    f.make_entry(f.make_competition(), people=3)
    f.make_entry(f.make_competition(), people=3)
    assert seed_checkins() == 4
    counts = (
        db.session.scalar(select(func.count(Scan.id))),
        db.session.scalar(select(func.count(CheckIn.id))),
    )
    assert counts == (6, 4)
    assert count_open_conflicts() == 1
    seed_checkins()
    assert (
        db.session.scalar(select(func.count(Scan.id))),
        db.session.scalar(select(func.count(CheckIn.id))),
    ) == counts
