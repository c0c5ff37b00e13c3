"""The demo competitions: five lomba over 26–28 July with rubrics, and entries decided by the rules."""

from __future__ import annotations

from collections import Counter

import pytest
from sqlalchemy import func, select

from harkop.audit import AuditLog
from harkop.competitions.models import Competition, CompetitionState, EligibilityException
from harkop.demo import DEMO_COOP_NIK
from harkop.demo.competitions import DEMO_COMPETITIONS, seed_competitions
from harkop.demo.event import seed_accounts, seed_event
from harkop.extensions import db
from harkop.registrations.models import Entry, EntryState


@pytest.fixture
def demo_registry(registry, make_cooperative):
    """A small registry with every kind of cooperative the demo needs (facts set by hand)."""
    seed_event()
    seed_accounts()
    for _ in range(14):
        make_cooperative()  # eligible for everything by default
    kinds = [
        {"is_active": False, "inactive_reasons": ("tidak_rat",), "rat_book_years": frozenset()},
        {"is_active": False, "inactive_reasons": ("pengurus_tidak_kompak",)},
        {"rat_book_years": frozenset({2021, 2022})},
        {"rat_book_years": frozenset({2022})},
        {"predikat": "dalam_pengawasan"},
        {"predikat": None, "predikat_examined_on": None},
        {"predikat": None, "predikat_examined_on": None},
        {"jenis": "simpan_pinjam"},
        {"jenis": "jasa"},
    ]
    for facts in kinds:
        registry.set(make_cooperative(), **facts)
    return registry


def _entries(slug: str) -> list[Entry]:
    comp = db.session.scalar(select(Competition).where(Competition.slug == slug))
    return list(db.session.scalars(select(Entry).where(Entry.competition_id == comp.id).order_by(Entry.id)))


def _refusals(slug: str) -> list[list[str]]:
    comp = db.session.scalar(select(Competition).where(Competition.slug == slug))
    rows = db.session.scalars(
        select(AuditLog.after).where(AuditLog.action == "entry.refused", AuditLog.entity_id == str(comp.id))
    )
    return [[r["code"] for r in after["reasons"]] for after in rows]


def test_five_competitions_over_the_three_days_each_with_a_rubric(demo_registry, fake_now):
    """Cooking, tumpeng, product display (all three days), video and children's colouring."""
    fake_now("2024-07-26T09:00:00+08:00")
    seed_competitions()
    comps = db.session.scalars(select(Competition).order_by(Competition.id)).all()
    assert [c.slug for c in comps] == [spec.slug for spec in DEMO_COMPETITIONS]
    assert {d.isoformat() for c in comps for d in c.days} == {"2024-07-26", "2024-07-27", "2024-07-28"}
    assert all(len(c.criteria) >= 3 and all(k.levels for k in c.criteria) for c in comps)
    assert all(c.registration_opens_at.isoformat() == "2024-06-30T16:00:00+00:00" for c in comps)
    assert all(c.registration_closes_at.isoformat() == "2024-07-20T16:00:00+00:00" for c in comps)
    assert {c.state for c in comps} == {CompetitionState.closed}  # the clock says 26 July


def test_entries_confirmed_waitlisted_and_refused_with_reasons(demo_registry, fake_now):
    """Cooking: 8 confirmed with tickets, 2 waitlisted, refusals for inactive and missing RAT."""
    fake_now("2024-07-26T09:00:00+08:00")
    seed_competitions()
    cooking = _entries("masak-sambal-ayam-geprek")
    states = Counter(e.state for e in cooking)
    assert states == {EntryState.confirmed: 8, EntryState.waitlisted: 2}
    assert all(
        p.ticket is not None for e in cooking if e.state == EntryState.confirmed for p in e.participants
    )
    refused = _refusals("masak-sambal-ayam-geprek")
    assert any("not_active" in codes for codes in refused)
    assert ["rat_missing"] in refused
    assert ["jenis_not_allowed"] in _refusals("display-produk-koperasi")


def test_the_demo_pengurus_has_confirmed_entries_with_tickets(demo_registry, fake_now):
    """The pengurus's cooperative (NIK 6471010000000001) is in cooking, video and colouring, ticketed."""
    fake_now("2024-07-26T09:00:00+08:00")
    seed_competitions()
    demo = db.session.scalars(
        select(Entry).join(Entry.cooperative).where(Entry.cooperative.has(nik=DEMO_COOP_NIK))
    ).all()
    slugs = Counter(e.competition.slug for e in demo)
    assert slugs == {"masak-sambal-ayam-geprek": 1, "video-kreatif-koperasi": 1, "mewarnai-anak-anggota": 2}
    assert all(e.state == EntryState.confirmed for e in demo)
    assert all(p.ticket is not None for e in demo for p in e.participants)
    children = [p for e in demo if e.competition.for_children for p in e.participants]
    assert children and all(p.guardian_name and p.guardian_consent for p in children)


def test_approval_flow_and_exception_in_the_tumpeng_competition(demo_registry, fake_now):
    """Tumpeng needs approval and Cukup Sehat: approved, rejected with a reason, pending, and one
    cooperative let in by an exception."""
    fake_now("2024-07-26T09:00:00+08:00")
    seed_competitions()
    tumpeng = _entries("menghias-tumpeng")
    states = Counter(e.state for e in tumpeng)
    assert states == {EntryState.confirmed: 3, EntryState.rejected: 1, EntryState.pending: 2}
    assert next(e for e in tumpeng if e.state == EntryState.rejected).state_reason
    exception = db.session.scalar(select(EligibilityException))
    excepted = next(e for e in tumpeng if e.cooperative_id == exception.cooperative_id)
    assert excepted.state == EntryState.confirmed
    assert [w["code"] for w in excepted.decision["waived"]] == ["predikat_too_low"]
    assert any("predikat_too_low" in codes for codes in _refusals("menghias-tumpeng"))


def test_seeding_twice_adds_nothing(demo_registry, fake_now):
    """A second run refreshes settings and leaves entries and refusals as they are."""
    fake_now("2024-07-26T09:00:00+08:00")
    first = seed_competitions()
    counts = (
        db.session.scalar(select(func.count(Entry.id))),
        db.session.scalar(select(func.count(AuditLog.id)).where(AuditLog.action == "entry.refused")),
    )
    second = seed_competitions()
    assert first["entries"] > 0 and second == {"competitions": 5, "entries": 0, "refused": 0}
    assert counts == (
        db.session.scalar(select(func.count(Entry.id))),
        db.session.scalar(select(func.count(AuditLog.id)).where(AuditLog.action == "entry.refused")),
    )


def test_inside_the_window_the_demo_is_open_for_a_new_registration(demo_registry, fake_now):
    """Seeded with the clock on 10 July 2024, the competitions are open, so a pengurus can register."""
    fake_now("2024-07-10T10:00:00+08:00")
    seed_competitions()
    states = set(db.session.scalars(select(Competition.state)))
    assert states == {CompetitionState.open}


def test_the_whole_demo_on_the_registry_seed(fake_now):
    """With the registry's 587 demo cooperatives, seed-demo's competitions fill as designed: the
    pengurus's cooperative is confirmed, others waitlisted, ineligible ones refused for real reasons."""
    from harkop.demo import seed_demo

    fake_now("2024-07-26T09:00:00+08:00")
    seed_demo()
    cooking = Counter(e.state for e in _entries("masak-sambal-ayam-geprek"))
    assert cooking == {EntryState.confirmed: 8, EntryState.waitlisted: 2}
    tumpeng = Counter(e.state for e in _entries("menghias-tumpeng"))
    assert tumpeng == {EntryState.confirmed: 3, EntryState.rejected: 1, EntryState.pending: 2}
    demo = db.session.scalars(select(Entry).where(Entry.cooperative.has(nik=DEMO_COOP_NIK))).all()
    assert {e.competition.slug for e in demo} == {
        "masak-sambal-ayam-geprek",
        "video-kreatif-koperasi",
        "mewarnai-anak-anggota",
    }
    assert all(e.state == EntryState.confirmed and all(p.ticket for p in e.participants) for e in demo)
    refused = {
        code for slug in [s.slug for s in DEMO_COMPETITIONS] for codes in _refusals(slug) for code in codes
    }
    assert {"not_active", "rat_missing", "predikat_too_low", "jenis_not_allowed"} <= refused
    assert db.session.scalar(select(func.count(EligibilityException.id))) == 1
