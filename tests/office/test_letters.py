"""The sanction ladder and the warning-letter register."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from harkop.clock import WITA
from harkop.cooperatives import services
from harkop.errors import Conflict, ValidationFailed
from harkop.extensions import db
from harkop.office import letters
from harkop.office.letters import LATE, MISSING, ON_TIME, ladder_rung, rat_state
from harkop.office.models import LetterKind, LetterStatus, WarningLetter
from harkop.outbox import OutboxMessage
from tests.office.conftest import NOW

TODAY = date(2024, 7, 26)


@pytest.mark.parametrize(
    "state, previous, kind",
    [
        (ON_TIME, MISSING, None),
        (LATE, ON_TIME, LetterKind.teguran_1),
        (MISSING, ON_TIME, LetterKind.teguran_1),
        (LATE, LATE, LetterKind.teguran_2),
        (LATE, MISSING, LetterKind.teguran_2),
        (MISSING, LATE, LetterKind.teguran_2),
        (MISSING, MISSING, LetterKind.pembubaran),
    ],
)
def test_the_ladder_as_domain_md_writes_it(state, previous, kind):
    """One late RAT: warning; two late in a row: copied to the Deputi; two missed: dissolution plan."""
    assert ladder_rung(state, previous) == kind


def test_rat_state_reads_the_deadline():
    """Held by 30 June of the next year is on time; after it, late; none recorded, missing."""
    assert rat_state(True, date(2024, 6, 30), 2023) == ON_TIME
    assert rat_state(True, date(2024, 7, 1), 2023) == LATE
    assert rat_state(True, None, 2023) == ON_TIME
    assert rat_state(False, None, 2023) == MISSING


def coop_with_rats(make_cooperative, held: dict[int, str], **kw):
    """A cooperative with RATs held on the given dates (book year -> ISO date)."""
    coop = make_cooperative(founded_on=date(2010, 1, 1), **kw)
    for year, day in held.items():
        services.record_rat(coop, book_year=year, held_on=day, by="clerk", now=NOW)
    return coop


def letters_of(coop) -> list[tuple[str, int, str]]:
    """(kind, book year, status) of a cooperative's letters."""
    rows = db.session.scalars(select(WarningLetter).where(WarningLetter.cooperative_id == coop.id))
    return sorted((x.kind.value, x.book_year, x.status.value) for x in rows)


def test_finding_due_warnings_writes_drafts_once(make_cooperative):
    """Breaches of book year 2023 become drafts; a second run finds the same and writes nothing."""
    fine = coop_with_rats(make_cooperative, {2022: "2023-05-01", 2023: "2024-05-01"})
    late_once = coop_with_rats(make_cooperative, {2022: "2023-05-01", 2023: "2024-07-10"})
    late_twice = coop_with_rats(make_cooperative, {2022: "2023-09-01"})
    missed = coop_with_rats(make_cooperative, {2021: "2022-05-01"})
    young = make_cooperative(founded_on=date(2024, 2, 1))
    first = letters.find_due_warnings(today=TODAY, now=NOW)
    assert (first["book_year"], first["created"]) == (2023, 3)
    assert letters_of(fine) == [] and letters_of(young) == []
    assert letters_of(late_once) == [("teguran_1", 2023, "draft")]
    assert letters_of(late_twice) == [("teguran_2", 2023, "draft")]
    assert letters_of(missed) == [("pembubaran", 2023, "draft")]
    total = db.session.scalar(select(func.count()).select_from(WarningLetter))
    second = letters.find_due_warnings(today=TODAY, now=NOW + timedelta(days=1))
    assert (second["created"], second["regraded"], second["withdrawn"]) == (0, 0, 0)
    assert db.session.scalar(select(func.count()).select_from(WarningLetter)) == total


def test_a_cooperative_founded_after_the_previous_year_gets_the_first_rung(make_cooperative):
    """Y-1 does not count for a cooperative founded in Y: no RAT for Y is a first warning only."""
    coop = make_cooperative(founded_on=date(2023, 3, 1))
    letters.find_due_warnings(today=TODAY, now=NOW)
    assert letters_of(coop) == [("teguran_1", 2023, "draft")]


def test_no_letter_is_due_before_the_deadline_passes(make_cooperative):
    """On 30 June 2024 book year 2023 is not yet due: the breaches found are of book year 2022."""
    coop = coop_with_rats(make_cooperative, {2022: "2023-05-01"})
    counts = letters.find_due_warnings(today=date(2024, 6, 30), now=NOW)
    assert counts["book_year"] == 2022
    assert letters_of(coop) == []


def test_drafts_follow_the_registry_until_issued(make_cooperative):
    """A draft is re-graded when the earlier RAT is recorded, and withdrawn when this year's is on time."""
    coop = coop_with_rats(make_cooperative, {})
    letters.find_due_warnings(today=TODAY, now=NOW)
    assert letters_of(coop) == [("pembubaran", 2023, "draft")]
    services.record_rat(coop, book_year=2022, held_on="2023-08-01", by="clerk", now=NOW)
    counts = letters.find_due_warnings(today=TODAY, now=NOW)
    assert counts["regraded"] == 1
    assert letters_of(coop) == [("teguran_2", 2023, "draft")]
    services.record_rat(coop, book_year=2023, held_on="2024-06-01", by="clerk", now=NOW)
    counts = letters.find_due_warnings(today=TODAY, now=NOW)
    assert counts["withdrawn"] == 1
    letter = db.session.scalar(select(WarningLetter).where(WarningLetter.cooperative_id == coop.id))
    assert letter.status == LetterStatus.dismissed and "tepat waktu" in letter.dismissed_reason


def test_issuing_numbers_letters_in_sequence_per_year(app, make_cooperative, make_user):
    """Issued letters get 500.3/1/DKUMKMP/2024, /2/ …; the sequence starts again in a new year."""
    coops = [coop_with_rats(make_cooperative, {}) for _ in range(3)]
    letters.find_due_warnings(today=TODAY, now=NOW)
    admin = make_user("admin")
    drafts = [
        db.session.scalar(select(WarningLetter).where(WarningLetter.cooperative_id == c.id)) for c in coops
    ]
    letters.issue_letter(drafts[0], by=admin, now=NOW)
    letters.issue_letter(drafts[1], by=admin, now=NOW)
    next_year = datetime(2025, 1, 3, 9, 0, tzinfo=WITA)
    letters.issue_letter(drafts[2], by=admin, now=next_year)
    assert [d.number for d in drafts] == [
        "500.3/1/DKUMKMP/2024",
        "500.3/2/DKUMKMP/2024",
        "500.3/1/DKUMKMP/2025",
    ]
    assert drafts[0].issued_on == TODAY
    assert drafts[0].deadline == TODAY + timedelta(days=app.config["HARKOP_WARNING_DAYS"])
    assert drafts[0].addressee["nik"] == coops[0].nik


def test_an_issued_letter_is_not_issued_again(make_cooperative, make_user):
    """Issuing an issued letter is a coded conflict and takes no number."""
    coop = coop_with_rats(make_cooperative, {})
    letters.find_due_warnings(today=TODAY, now=NOW)
    letter = db.session.scalar(select(WarningLetter).where(WarningLetter.cooperative_id == coop.id))
    admin = make_user("admin")
    letters.issue_letter(letter, by=admin, now=NOW)
    with pytest.raises(Conflict) as err:
        letters.issue_letter(letter, by=admin, now=NOW)
    assert err.value.code == "letter_not_draft"
    assert letters.next_seq(2024) == 2  # only the first letter took a number


def test_the_register_refuses_a_second_letter_for_the_same_breach(make_cooperative):
    """The unique (cooperative, kind, book year) constraint holds even for a direct insert."""
    coop = make_cooperative()
    for _ in range(2):
        db.session.add(
            WarningLetter(
                cooperative_id=coop.id,
                kind=LetterKind.teguran_1,
                book_year=2023,
                status=LetterStatus.draft,
                found_on=TODAY,
                created_at=NOW,
            )
        )
    with pytest.raises(IntegrityError):
        db.session.flush()
    db.session.rollback()


def test_an_issued_letter_keeps_the_breach_from_being_found_again(make_cooperative, make_user):
    """After issue, the job finds the same breach but writes nothing; dismissed drafts stay dismissed."""
    issued = coop_with_rats(make_cooperative, {})
    dismissed = coop_with_rats(make_cooperative, {})
    letters.find_due_warnings(today=TODAY, now=NOW)
    admin = make_user("admin")
    letters.issue_letter(
        db.session.scalar(select(WarningLetter).where(WarningLetter.cooperative_id == issued.id)),
        by=admin,
        now=NOW,
    )
    draft = db.session.scalar(select(WarningLetter).where(WarningLetter.cooperative_id == dismissed.id))
    letters.dismiss_letter(draft, reason="RAT sudah diadakan, berita acara menyusul", by=admin, now=NOW)
    counts = letters.find_due_warnings(today=TODAY, now=NOW)
    assert counts["created"] == 0
    assert letters_of(issued) == [("pembubaran", 2023, "issued")]
    assert letters_of(dismissed) == [("pembubaran", 2023, "dismissed")]


def test_issuing_notifies_the_pengurus(make_cooperative, make_user):
    """Each active pengurus account of the cooperative gets the letter's number in the outbox."""
    coop = coop_with_rats(make_cooperative, {})
    rep = make_user("coop_rep", cooperative=coop)
    letters.find_due_warnings(today=TODAY, now=NOW)
    letter = db.session.scalar(select(WarningLetter).where(WarningLetter.cooperative_id == coop.id))
    letters.issue_letter(letter, by=make_user("admin"), now=NOW)
    message = db.session.scalar(select(OutboxMessage).where(OutboxMessage.user_id == rep.id))
    assert message.kind == "warning_letter.issued" and letter.number in message.subject


def test_dismissing_needs_a_reason_and_a_draft(make_cooperative, make_user):
    """No reason, or a letter already issued, is refused with a code."""
    coop = coop_with_rats(make_cooperative, {})
    letters.find_due_warnings(today=TODAY, now=NOW)
    letter = db.session.scalar(select(WarningLetter).where(WarningLetter.cooperative_id == coop.id))
    admin = make_user("admin")
    with pytest.raises(ValidationFailed):
        letters.dismiss_letter(letter, reason="", by=admin, now=NOW)
    letters.issue_letter(letter, by=admin, now=NOW)
    with pytest.raises(Conflict):
        letters.dismiss_letter(letter, reason="Terlambat dibatalkan", by=admin, now=NOW)


def test_issue_drafts_numbers_every_draft(make_cooperative, make_user):
    """Issuing all drafts leaves none, each with a distinct number."""
    for _ in range(3):
        coop_with_rats(make_cooperative, {})
    letters.find_due_warnings(today=TODAY, now=NOW)
    drafts = db.session.scalar(select(func.count()).where(WarningLetter.status == LetterStatus.draft))
    issued = letters.issue_drafts(by=make_user("admin"), now=NOW)
    assert issued == drafts
    numbers = db.session.scalars(
        select(WarningLetter.number).where(WarningLetter.status == LetterStatus.issued)
    ).all()
    assert len(set(numbers)) == len(numbers) == issued
