"""seed-demo reproduces DKUMKMP Balikpapan's July 2024 figures (docs/domain.md §1) exactly."""

from __future__ import annotations

from collections import Counter
from datetime import date

from sqlalchemy import func, select

from harkop.cooperatives import services
from harkop.cooperatives.models import Cooperative, HealthAssessment, RatRecord
from harkop.demo import seed_demo
from harkop.demo.registry import DEMO_COOP_NIK
from harkop.extensions import db

JULY_26 = date(2024, 7, 26)


def _figures():
    facts = services.all_cooperative_facts(today=JULY_26)
    coops = {c.id: c for c in db.session.scalars(select(Cooperative))}
    active = [f for f in facts if f.is_active]
    assessed = db.session.execute(
        select(HealthAssessment.predikat).where(
            HealthAssessment.book_year == 2023,
            HealthAssessment.examined_on >= date(2024, 1, 1),
            HealthAssessment.examined_on <= date(2024, 12, 31),
        )
    ).scalars()
    return {
        "total": len(facts),
        "active": len(active),
        "inactive": len(facts) - len(active),
        "active_by_kecamatan": Counter(coops[f.id].kecamatan_code for f in active),
        "rat_2023": db.session.scalar(select(func.count(RatRecord.id)).where(RatRecord.book_year == 2023)),
        "assessed_2024": Counter(p.value for p in assessed),
        "digital_2023": sum(1 for c in coops.values() if c.digital_since == 2023),
        "cached_active": sum(1 for c in coops.values() if c.status.value == "aktif"),
    }


EXPECTED = {
    "total": 587,
    "active": 440,
    "inactive": 147,
    "active_by_kecamatan": Counter(
        {
            "balikpapan_kota": 143,
            "balikpapan_selatan": 82,
            "balikpapan_utara": 76,
            "balikpapan_tengah": 62,
            "balikpapan_timur": 40,
            "balikpapan_barat": 36,
            None: 1,
        }
    ),
    "rat_2023": 70,
    "assessed_2024": Counter({"sehat": 6, "cukup_sehat": 14, "dalam_pengawasan": 6}),
    "digital_2023": 10,
    "cached_active": 440,
}


def test_seed_demo_tells_the_offices_figures_on_26_july_2024(fake_now):
    """587 cooperatives, 440 active by kecamatan as published, 70 RATs, 26 assessed (6/14/6), 10 digital."""
    fake_now("2024-07-26T09:00:00+08:00")
    seed_demo()
    assert _figures() == EXPECTED


def test_seed_demo_is_idempotent(fake_now):
    """Running seed-demo twice adds nothing and keeps every figure."""
    fake_now("2024-07-26T09:00:00+08:00")
    seed_demo()
    from harkop.demo.registry import seed_registry

    assert seed_registry() == {"cooperatives": 0, "rats": 0, "assessments": 0, "reasons": 0}
    seed_demo()
    assert _figures() == EXPECTED


def test_demo_pengurus_cooperative_is_active_eligible_and_sehat(fake_now):
    """The demo coop_rep's cooperative held its 2023 RAT, is active and Sehat (so it can enter lomba)."""
    fake_now("2024-07-26T09:00:00+08:00")
    seed_demo()
    coop = db.session.scalar(select(Cooperative).where(Cooperative.nik == DEMO_COOP_NIK))
    facts = services.facts_for(coop, today=JULY_26)
    assert facts.is_active and 2023 in facts.rat_book_years
    assert facts.predikat == "sehat" and facts.grade == "a"
    from harkop.auth.models import User

    rep = db.session.scalar(select(User).where(User.username == "pengurus"))
    assert rep.cooperative_id == coop.id
