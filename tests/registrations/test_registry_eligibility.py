"""Eligibility against the real registry: cooperatives built with the registry's own services
(RAT records, assessments, inactive reasons), then registered. No fake facts here."""

from __future__ import annotations

from datetime import datetime
from itertools import count

import pytest

from harkop import clock
from harkop.competitions import services as competitions
from harkop.cooperatives import services as registry
from harkop.cooperatives.vocab import ReasonCode
from harkop.errors import DomainError
from harkop.extensions import db
from harkop.registrations import services
from harkop.registrations.models import EntryState
from tests.competitions.factories import INSIDE, make_competition, people

SET_UP = datetime(2024, 7, 1, 9, 0, tzinfo=clock.WITA)  # the registry's records predate registration
GOOD = {"tata_kelola": 85, "profil_risiko": 70, "kinerja_keuangan": 80, "permodalan": 90}  # 81.5: Sehat
WEAK = {
    "tata_kelola": 60,
    "profil_risiko": 60,
    "kinerja_keuangan": 60,
    "permodalan": 60,
}  # 60: Dalam Pengawasan
_nik = count(1)


def cooperative(*, rat_years=(2021, 2022, 2023), jenis="konsumen", aspects=GOOD, examined_on="2024-05-14"):
    """A registry cooperative founded in 2010 with these RATs and (optionally) one assessment."""
    coop = registry.create_cooperative(
        {
            "nik": f"6471077{next(_nik):09d}",
            "name": f"Koperasi Registri {next(_nik)}",
            "founded_on": "2010-01-05",
            "jenis": jenis,
        },
        by="test",
        now=SET_UP,
    )
    for year in rat_years:
        registry.record_rat(coop, book_year=year, held_on=f"{year + 1}-03-20", by="test", now=SET_UP)
    if aspects is not None:
        book_year = int(examined_on[:4]) - 1  # examined after its book year ended
        registry.add_assessment(
            coop, book_year=book_year, examined_on=examined_on, aspects=aspects, by="test", now=SET_UP
        )
    db.session.commit()
    return coop


def register(comp, coop, make_user):
    rep = make_user("coop_rep", cooperative=coop)
    return services.register_entry(
        comp, coop.id, team_name="Tim Registri", participants=people(1), by=rep, now=INSIDE
    )


def refusal_codes(comp, coop, make_user) -> list[str]:
    with pytest.raises(DomainError) as info:
        register(comp, coop, make_user)
    assert info.value.code == "not_eligible"
    return [r["code"] for r in info.value.details["reasons"]]


def test_a_sound_cooperative_is_accepted(make_user):
    """Active, RAT 2023 held, Sehat from May 2024, konsumen: confirmed."""
    comp = make_competition(
        min_predikat="cukup_sehat", max_assessment_age_years=2, allowed_jenis=["konsumen"]
    )
    assert register(comp, cooperative(), make_user).state == EntryState.confirmed


def test_no_rat_for_three_years_is_inactive(make_user):
    """Missing the RATs of 2021–2023 makes the cooperative inactive: `not_active` and `rat_missing`."""
    comp = make_competition()
    codes = refusal_codes(comp, cooperative(rat_years=(2018, 2019, 2020)), make_user)
    assert codes == ["not_active", "rat_missing"]


def test_an_office_reason_makes_it_inactive_and_the_reason_is_named(make_user):
    """An inactive reason set by the office refuses it with that reason in the message."""
    comp = make_competition()
    coop = cooperative()
    registry.set_inactive_reason(coop, "pengurus_tidak_kompak", by="test", now=SET_UP)
    db.session.commit()
    rep = make_user("coop_rep", cooperative=coop)
    with pytest.raises(DomainError) as info:
        services.register_entry(comp, coop.id, team_name="Tim", participants=people(1), by=rep, now=INSIDE)
    [reason] = info.value.details["reasons"]
    assert reason["code"] == "not_active"
    assert ReasonCode.pengurus_tidak_kompak.label in reason["message"]  # the registry's one label


def test_an_active_cooperative_without_the_2023_rat_is_refused(make_user):
    """RATs for 2021 and 2022 keep it active, but the 2024 event needs the 2023 RAT: `rat_missing`."""
    comp = make_competition()
    assert refusal_codes(comp, cooperative(rat_years=(2021, 2022)), make_user) == ["rat_missing"]


def test_a_weak_predikat_is_refused(make_user):
    """Dalam Pengawasan under a Cukup Sehat minimum: `predikat_too_low`."""
    comp = make_competition(min_predikat="cukup_sehat")
    assert refusal_codes(comp, cooperative(aspects=WEAK), make_user) == ["predikat_too_low"]


def test_an_unassessed_cooperative_is_refused_under_a_minimum(make_user):
    """No assessment at all under a minimum predikat: `predikat_too_low`."""
    comp = make_competition(min_predikat="dalam_pengawasan_khusus")
    assert refusal_codes(comp, cooperative(aspects=None), make_user) == ["predikat_too_low"]


def test_an_old_assessment_is_refused(make_user):
    """An assessment examined in June 2021 is more than two years old on 10 July 2024."""
    comp = make_competition(min_predikat="cukup_sehat", max_assessment_age_years=2)
    coop = cooperative(aspects=GOOD, examined_on="2021-06-01")
    assert refusal_codes(comp, coop, make_user) == ["assessment_too_old"]


def test_a_jenis_outside_the_list_is_refused(make_user):
    """A savings-and-loan cooperative in a producers' competition: `jenis_not_allowed`."""
    comp = make_competition(allowed_jenis=["produsen", "pemasaran"])
    assert refusal_codes(comp, cooperative(jenis="simpan_pinjam"), make_user) == ["jenis_not_allowed"]


def test_the_qualify_count_follows_the_registry(make_user):
    """Adding a sound and an inactive cooperative raises the count by one and the failures by one."""
    comp = make_competition()
    today = INSIDE.date()
    before = competitions.qualify_count(comp, today=today)
    cooperative()
    cooperative(rat_years=())
    after = competitions.qualify_count(comp, today=today)
    assert after.total == before.total + 2
    assert after.qualifying == before.qualifying + 1
    assert after.failing.get("not_active", 0) == before.failing.get("not_active", 0) + 1


def test_the_api_refuses_an_inactive_cooperative_with_not_active(client, api_token, fake_now):
    """Over the API, a pengurus of an inactive cooperative gets 422 not_eligible with not_active."""
    comp = make_competition()
    coop = cooperative(rat_years=())
    user, token = api_token("coop_rep", cooperative=coop)
    fake_now("2024-07-10T10:00:00+08:00")
    response = client.post(
        f"/api/v1/competitions/{comp.id}/entries",
        json={
            "team_name": "Tim",
            "participants": [{"name": "Ani", "phone": "081234567890", "consent": True}],
        },
        headers={"Authorization": f"Bearer {token}"},
    )
    assert response.status_code == 422
    assert [r["code"] for r in response.get_json()["error"]["details"]["reasons"]][0] == "not_active"
