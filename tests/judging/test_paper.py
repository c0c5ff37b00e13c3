"""The paper fallback: a judge's printable score sheet, and a paper sheet typed in by the head judge or the office."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from harkop.errors import DomainError
from harkop.extensions import db
from harkop.judging import paper, services
from harkop.judging.models import CardState, ScorecardEvent
from tests.judging.factories import DURING, full_scores, judging_setup


def test_a_judges_score_sheet_is_a_pdf_with_the_rubric_and_their_entries(client, login_as):
    """The judge prints their own sheet; another judge may not; the office may."""
    setup = judging_setup(entries=2, judges=2, k=1)
    judge = setup.judges[1]
    entry = setup.entries_of(judge)[0]
    services.save_scorecard(
        entry.id, judge=judge, scores={str(setup.comp.criteria[0].id): 7}, revision=1, now=DURING
    )
    db.session.commit()
    pdf = paper.score_sheet_pdf(setup.comp, judge, now=DURING)
    assert pdf.startswith(b"%PDF") and len(pdf) > 1000
    login_as(judge)
    res = client.get(f"/penilaian/{setup.comp.id}/lembar/{judge.id}.pdf")
    assert res.status_code == 200 and res.mimetype == "application/pdf"
    other = setup.judges[0] if not services.is_head_judge(setup.judges[0], setup.comp) else None
    if other is None:  # judges[0] is the head judge: a plain judge is made for the refusal
        from tests.judging.factories import make_judge

        other = make_judge()
        services.add_judge(setup.comp, other, by="test")
        db.session.commit()
    login_as(other)
    assert client.get(f"/penilaian/{setup.comp.id}/lembar/{judge.id}.pdf").status_code == 403
    login_as("admin")
    assert client.get(f"/penilaian/{setup.comp.id}/lembar/{judge.id}.pdf").status_code == 200


def test_the_head_judge_types_a_paper_sheet_in_recorded_as_from_paper_and_by_whom(client, login_as):
    """A paper sheet becomes the judge's submitted card, its event marked from paper by the head judge."""
    setup = judging_setup(entries=2, judges=2, k=1)
    head, judge = setup.head, setup.judges[1]
    entry = setup.entries_of(judge)[0]
    db.session.commit()
    login_as(head)
    page = client.get(f"/penilaian/{setup.comp.id}/kertas?juri={judge.id}&peserta={entry.id}")
    assert page.status_code == 200 and entry.team_name in page.get_data(as_text=True)
    form = {"juri": judge.id, "peserta": entry.id, "catatan": "dari kertas"}
    form.update({f"angka-{c.id}": "6" for c in setup.comp.criteria})
    res = client.post(f"/penilaian/{setup.comp.id}/kertas", data=form)
    assert res.status_code == 302
    card = services.own_card(entry.id, judge.id)
    assert card.state == CardState.submitted and card.scores == full_scores(setup.comp, 6)
    event = db.session.scalars(select(ScorecardEvent).where(ScorecardEvent.scorecard_id == card.id)).all()[-1]
    assert event.from_paper is True and event.by_id == head.id
    # Typed again over a submitted card: refused, nothing changed.
    form.update({f"angka-{c.id}": "9" for c in setup.comp.criteria})
    again = client.post(f"/penilaian/{setup.comp.id}/kertas", data=form)
    assert again.status_code == 409
    assert services.own_card(entry.id, judge.id).scores == full_scores(setup.comp, 6)


def test_a_paper_sheet_needs_every_criterion_and_a_monitor(make_user):
    """Incomplete sheets are refused (422); a plain judge may not type sheets in (403)."""
    setup = judging_setup(entries=1, judges=2, k=1)
    entry = setup.entries[0]
    judge = setup.judges_of(entry)[0]
    crit = setup.comp.criteria[0]
    with pytest.raises(DomainError) as err:
        paper.enter_from_paper(
            setup.comp,
            entry_id=entry.id,
            judge_id=judge.id,
            scores={str(crit.id): 5},
            comment="",
            by=setup.head,
        )
    assert err.value.code == "incomplete_scorecard"
    plain = next(j for j in setup.judges if j.id != setup.head.id)
    with pytest.raises(DomainError) as err:
        paper.enter_from_paper(
            setup.comp,
            entry_id=entry.id,
            judge_id=judge.id,
            scores=full_scores(setup.comp, 5),
            comment="",
            by=plain,
        )
    assert err.value.status == 403
    assert services.own_card(entry.id, judge.id) is None
