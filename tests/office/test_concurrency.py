"""Two clerks at once: one decision per proposal, distinct consecutive letter numbers (committed data)."""

from __future__ import annotations

import threading
from datetime import date

import pytest
from sqlalchemy import select

from harkop.errors import DomainError
from tests.conftest import make_app
from tests.dbutil import fresh_database_url, migrate
from tests.office.conftest import NOW

pytestmark = pytest.mark.committed


@pytest.fixture
def committed_app(tmp_path):
    """An app on a database of its own, with committed data visible to every thread."""
    app = make_app(fresh_database_url(tmp_path, "office"), HARKOP_UPLOAD_DIR=str(tmp_path / "uploads"))
    migrate(app)
    yield app
    from harkop.extensions import db

    with app.app_context():
        db.engine.dispose()


def both_at_once(app, work) -> list:
    """Run work(i) in two threads started together; returns each result or DomainError code."""
    from harkop.extensions import db

    barrier = threading.Barrier(2)
    results: list = [None, None]

    def run(i: int) -> None:
        with app.app_context():
            barrier.wait()
            try:
                results[i] = work(i)
                db.session.commit()
            except DomainError as err:
                db.session.rollback()
                results[i] = err.code
            finally:
                db.session.remove()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    return results


def test_two_approvals_of_one_proposal_apply_it_once(committed_app):
    """One approval wins; the other gets proposal_decided and the RAT is recorded once."""
    from harkop.auth.services import create_user
    from harkop.cooperatives import services
    from harkop.cooperatives.models import RatRecord
    from harkop.extensions import db
    from harkop.office import rounds
    from harkop.office.models import ProposalStatus, UpdateProposal
    from harkop.outbox import OutboxMessage

    with committed_app.app_context():
        coop = services.create_cooperative(
            {"nik": "6471000000000077", "name": "Koperasi Serentak"}, by="t", now=NOW
        )
        rep, _ = create_user(
            username="rep", role="coop_rep", password="rahasia123", cooperative_id=coop.id, by="t"
        )
        for name in ("clerk0", "clerk1"):
            create_user(username=name, role="admin", password="rahasia123", by="t")
        proposal = rounds.submit_proposal(coop, {"profile": {"phone": "0542 1"}}, by=rep, now=NOW)
        db.session.commit()
        proposal_id = proposal.id

    def approve(i: int):
        from harkop.auth.services import get_user

        target = db.session.get(UpdateProposal, proposal_id)
        rounds.approve_proposal(target, by=get_user(f"clerk{i}"), now=NOW)
        return "approved"

    results = both_at_once(committed_app, approve)
    assert sorted(results) == ["approved", "proposal_decided"]
    with committed_app.app_context():
        assert db.session.get(UpdateProposal, proposal_id).status == ProposalStatus.approved
        assert db.session.scalars(select(OutboxMessage.kind)).all() == ["update_proposal.approved"]
        assert db.session.scalars(select(RatRecord)).all() == []


def test_two_clerks_issuing_at_once_get_consecutive_numbers(committed_app):
    """Two drafts issued at the same moment get /1/ and /2/ of the year, never the same number."""
    from harkop.cooperatives import services
    from harkop.extensions import db
    from harkop.office import letters
    from harkop.office.models import WarningLetter

    with committed_app.app_context():
        for n in (1, 2):
            services.create_cooperative(
                {"nik": f"647100000000008{n}", "name": f"Koperasi Lalai {n}", "founded_on": date(2010, 1, 1)},
                by="t",
                now=NOW,
            )
        letters.find_due_warnings(now=NOW)
        db.session.commit()
        ids = db.session.scalars(select(WarningLetter.id).order_by(WarningLetter.id)).all()
    assert len(ids) == 2

    def issue(i: int):
        letter = letters.issue_letter(db.session.get(WarningLetter, ids[i]), by=f"clerk{i}", now=NOW)
        return letter.number

    numbers = both_at_once(committed_app, issue)
    assert sorted(numbers) == ["500.3/1/DKUMKMP/2024", "500.3/2/DKUMKMP/2024"]
