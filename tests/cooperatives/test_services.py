"""Registry services: validation codes, audit entries, cached values and the facts contract."""

from __future__ import annotations

import json
import os
from datetime import date, datetime
from decimal import Decimal

import pytest
from sqlalchemy import select

from harkop import clock
from harkop.audit import AuditLog
from harkop.cooperatives import services
from harkop.cooperatives.models import Cooperative, Officer
from harkop.cooperatives.vocab import CoopStatus, Grade, Jenis, Predikat
from harkop.errors import Conflict, NotFound, ValidationFailed
from harkop.extensions import db

NOW = datetime(2024, 7, 26, 1, 0, tzinfo=clock.UTC)  # 09.00 WITA
TODAY = date(2024, 7, 26)
ASPECTS = {"tata_kelola": 85, "profil_risiko": 70, "kinerja_keuangan": 80, "permodalan": 90}


def _audits(coop, action=None):
    stmt = select(AuditLog).where(AuditLog.entity_type == "cooperative", AuditLog.entity_id == str(coop.id))
    if action:
        stmt = stmt.where(AuditLog.action == action)
    return list(db.session.scalars(stmt.order_by(AuditLog.id)))


def _new(**overrides):
    data = {"nik": "6471099900000001", "name": "Koperasi Uji Layanan", "founded_on": "2010-01-05"}
    data.update(overrides)
    return services.create_cooperative(data, by="test", now=NOW)


def test_create_accepts_labels_and_stores_values():
    """Indonesian labels from people or spreadsheets become the stored lower-case values."""
    coop = _new(
        jenis="Simpan Pinjam",
        bentuk="primer kabupaten/kota",
        kecamatan_code="Balikpapan Kota",
        kelurahan_code="Klandasan Ulu",
        ods_grade="C1",
        sektor_usaha="G",
        badan_hukum_on="05/01/2010",
    )
    assert coop.jenis == Jenis.simpan_pinjam
    assert coop.bentuk.value == "primer_kabupaten_kota"
    assert (coop.kecamatan_code, coop.kelurahan_code) == ("balikpapan_kota", "klandasan_ulu")
    assert coop.ods_grade == Grade.c1
    assert coop.sektor_usaha == "perdagangan"
    assert coop.badan_hukum_on == date(2010, 1, 5)
    [entry] = _audits(coop, "cooperative.created")
    assert entry.after["jenis"] == "simpan_pinjam" and entry.actor_name == "test"


def test_create_refuses_bad_fields_naming_each():
    """Every bad field is named in the error's details; nothing is created."""
    with pytest.raises(ValidationFailed) as info:
        _new(nik="12345", jenis="Koperasi Besar", kuk=7, kelurahan_code="Manggar", kecamatan_code="Kota")
    assert info.value.code == "invalid_cooperative"
    assert set(info.value.details["fields"]) == {"nik", "jenis", "kuk", "kelurahan_code"}
    assert db.session.scalar(select(Cooperative).where(Cooperative.name == "Koperasi Uji Layanan")) is None


def test_the_email_is_checked_by_email_validator_and_stored_normalised():
    """Is a pasted '<address>' refused at the email field, and a valid address stored with its domain lower-cased?"""
    with pytest.raises(ValidationFailed) as info:
        _new(email="<ketua@kopsejahtera.co.id>")
    assert set(info.value.details["fields"]) == {"email"}
    assert _new(email=" Ketua@KopSejahtera.co.id ").email == "Ketua@kopsejahtera.co.id"


def test_create_refuses_a_taken_nik(make_cooperative):
    """A NIK already in the registry is a conflict."""
    existing = make_cooperative()
    with pytest.raises(Conflict) as info:
        _new(nik=existing.nik)
    assert info.value.code == "nik_taken"


def test_update_audits_only_changed_fields():
    """The audit entry of an edit holds only what changed, before and after."""
    coop = _new(alamat="Jl. Lama 1")
    changes = services.update_cooperative(
        coop, {"alamat": "Jl. Baru 2", "name": coop.name}, by="test", now=NOW
    )
    assert changes == {"alamat": ("Jl. Lama 1", "Jl. Baru 2")}
    entry = _audits(coop, "cooperative.updated")[-1]
    assert entry.before == {"alamat": "Jl. Lama 1"} and entry.after == {"alamat": "Jl. Baru 2"}
    assert services.update_cooperative(coop, {"alamat": "Jl. Baru 2"}, by="test", now=NOW) == {}
    assert len(_audits(coop, "cooperative.updated")) == 1


def test_update_checks_kelurahan_against_the_stored_kecamatan():
    """Changing only the kelurahan is checked against the kecamatan already on file."""
    coop = _new(kecamatan_code="balikpapan_timur", kelurahan_code="manggar")
    with pytest.raises(ValidationFailed) as info:
        services.update_cooperative(coop, {"kelurahan_code": "prapatan"}, by="test", now=NOW)
    assert "kelurahan_code" in info.value.details["fields"]
    services.update_cooperative(coop, {"kelurahan_code": "lamaru"}, by="test", now=NOW)
    assert coop.kelurahan_code == "lamaru"


def test_record_rat_updates_status_grade_and_is_idempotent():
    """A RAT changes the cached grade; the same RAT again writes nothing; a new date is audited."""
    coop = _new()
    assert (coop.status, coop.grade) == (CoopStatus.tidak_aktif, Grade.d)
    services.record_rat(coop, book_year=2023, held_on="2024-04-20", by="test", now=NOW)
    assert (coop.status, coop.grade, coop.rat_terlambat) == (CoopStatus.aktif, Grade.c2, False)
    services.record_rat(coop, book_year=2023, held_on="2024-04-20", by="test", now=NOW)
    assert len(_audits(coop, "cooperative.rat_recorded")) == 1
    services.record_rat(coop, book_year=2023, held_on="2024-04-21", by="test", now=NOW)
    entries = _audits(coop, "cooperative.rat_recorded")
    assert len(entries) == 2 and entries[-1].before["held_on"] == "2024-04-20"


@pytest.mark.parametrize(
    ("book_year", "held_on", "field"),
    [
        (2023, "2023-12-31", "held_on"),  # before the book year ended
        (2023, "2024-07-27", "held_on"),  # in the future
        (2024, "2024-07-01", "book_year"),  # book year not over
        ("dua ribu", "2024-01-01", "book_year"),
        (2023, "kemarin", "held_on"),
        (2023, None, "held_on"),
    ],
)
def test_record_rat_refuses_impossible_dates(book_year, held_on, field):
    """A RAT is held after its book year ends and not in the future."""
    coop = _new()
    with pytest.raises(ValidationFailed) as info:
        services.record_rat(coop, book_year=book_year, held_on=held_on, by="test", now=NOW)
    assert info.value.code == "invalid_rat"
    assert field in info.value.details["fields"]


def test_add_assessment_defaults_to_today_and_sets_predikat(fake_now):
    """examined_on defaults to the clock's today; the predikat is cached on the cooperative."""
    fake_now("2024-07-26T09:00:00+08:00")
    coop = _new()
    row = services.add_assessment(coop, book_year=2023, aspects=ASPECTS, examiner="Tim Dinas", by="test")
    assert row.examined_on == TODAY
    assert (row.final_score, row.predikat) == (Decimal("81.50"), Predikat.sehat)
    assert (coop.predikat, coop.predikat_examined_on) == (Predikat.sehat, TODAY)
    assert _audits(coop, "cooperative.assessment_added")[0].after["final_score"] == "81.50"


def test_second_assessment_for_a_year_needs_replace():
    """One assessment per book year; replacing it is explicit and audited with the old scores."""
    coop = _new()
    services.add_assessment(
        coop, book_year=2023, examined_on="2024-05-14", aspects=ASPECTS, by="test", now=NOW
    )
    with pytest.raises(Conflict) as info:
        services.add_assessment(
            coop, book_year=2023, examined_on="2024-05-15", aspects=ASPECTS, by="test", now=NOW
        )
    assert info.value.code == "assessment_exists"
    low = dict.fromkeys(ASPECTS, 40)
    row = services.add_assessment(
        coop, book_year=2023, examined_on="2024-05-15", aspects=low, replace=True, by="test", now=NOW
    )
    assert row.predikat == Predikat.dalam_pengawasan_khusus
    entry = _audits(coop, "cooperative.assessment_replaced")[0]
    assert entry.before["predikat"] == "sehat" and entry.after["predikat"] == "dalam_pengawasan_khusus"


def test_latest_assessment_by_examination_date_gives_the_predikat():
    """The current predikat is the latest by examination date, not by book year or entry order."""
    coop = _new()
    services.add_assessment(
        coop, book_year=2023, examined_on="2024-03-01", aspects=ASPECTS, by="test", now=NOW
    )
    services.add_assessment(
        coop, book_year=2022, examined_on="2024-05-01", aspects=dict.fromkeys(ASPECTS, 60), by="test", now=NOW
    )
    facts = services.facts_for(coop, today=TODAY)
    assert (facts.predikat, facts.predikat_examined_on) == ("dalam_pengawasan", date(2024, 5, 1))


def test_indicator_assessment_is_scored_and_stored():
    """Indicator answers are scored by health.py and kept with their categories."""
    coop = _new()
    answers = {}
    for ind in services.indicator_set().indicators:
        answers[ind.code] = {"fulfilled": 9, "items": 10} if ind.kind == "checklist" else {"value": 12}
    answers["kk_pinjaman_aset_produktif"] = {"value": 70}
    answers["pm_ekuitas_aset"] = {"value": "35.5"}
    row = services.add_assessment(
        coop, book_year=2023, examined_on="2024-05-14", indicators=answers, by="t", now=NOW
    )
    assert row.final_score == Decimal("100.00")
    assert row.indicator_answers["pm_kecukupan_modal"]["kategori"] == "sehat"


def test_the_offices_indicator_file_is_read_once_and_again_when_it_changes(app, tmp_path, monkeypatch):
    """Is the office's indicator file loaded once while unchanged, and reloaded after an edit?"""
    path = tmp_path / "indicators.json"
    monkeypatch.setitem(app.config, "HARKOP_HEALTH_INDICATORS", str(path))

    def write(label: str, mtime: int) -> None:
        extra = {"code": "tk_ekstra", "aspect": "tata_kelola", "kind": "checklist", "label": label}
        path.write_text(json.dumps({"indicators": [extra]}), encoding="utf-8")
        os.utime(path, (mtime, mtime))

    write("Butir tambahan Dinas", 1_700_000_000)
    first = services.indicator_set()
    assert first.by_code()["tk_ekstra"].label == "Butir tambahan Dinas"
    assert services.indicator_set() is first  # unchanged file: the same set, not read again
    write("Butir tambahan Dinas (revisi)", 1_700_000_060)
    assert services.indicator_set().by_code()["tk_ekstra"].label == "Butir tambahan Dinas (revisi)"
    path.unlink()
    assert "tk_ekstra" not in services.indicator_set().by_code()


@pytest.mark.parametrize(
    ("kwargs", "code"),
    [
        ({"aspects": {"tata_kelola": 1}}, "assessment_aspect_missing"),
        ({"aspects": ASPECTS, "indicators": {}}, "invalid_assessment"),
        ({}, "invalid_assessment"),
        ({"aspects": ASPECTS, "examined_on": "2023-06-01"}, "invalid_assessment"),
        ({"aspects": ASPECTS, "examined_on": "2024-08-01"}, "invalid_assessment"),
        ({"indicators": {"tk_manajemen": {"fulfilled": 1, "items": 2}}}, "assessment_indicator_missing"),
        ({"aspects": [1, 2]}, "assessment_bad_aspects"),
    ],
)
def test_bad_assessments_are_refused_with_codes(kwargs, code):
    """Missing aspects, both or neither entry path, impossible dates: each its own code."""
    coop = _new()
    with pytest.raises(ValidationFailed) as info:
        services.add_assessment(coop, book_year=2023, by="test", now=NOW, **kwargs)
    assert info.value.code == code


def test_reasons_set_and_clear_drive_status_and_keep_history():
    """An office reason makes the cooperative inactive; clearing it keeps the row, who and when."""
    coop = _new()
    services.record_rat(coop, book_year=2023, held_on="2024-04-20", by="test", now=NOW)
    reason = services.set_inactive_reason(
        coop, "tidak_ditemukan_di_alamat", note="Cek lapangan", by="petugas", now=NOW
    )
    assert coop.status == CoopStatus.tidak_aktif
    assert services.facts_for(coop, today=TODAY).inactive_reasons == ("tidak_ditemukan_di_alamat",)
    with pytest.raises(Conflict) as info:
        services.set_inactive_reason(coop, "tidak_ditemukan_di_alamat", by="petugas", now=NOW)
    assert info.value.code == "reason_already_open"
    services.clear_inactive_reason(coop, reason.id, by="kepala", now=NOW)
    assert coop.status == CoopStatus.aktif
    assert (reason.set_by_name, reason.cleared_by_name, reason.cleared_at) == ("petugas", "kepala", NOW)
    with pytest.raises(Conflict):
        services.clear_inactive_reason(coop, reason.id, by="kepala", now=NOW)
    with pytest.raises(ValidationFailed):
        services.set_inactive_reason(coop, "bangkrut", by="x", now=NOW)
    actions = [a.action for a in _audits(coop)]
    assert actions[-2:] == ["cooperative.reason_set", "cooperative.reason_cleared"]


def test_clearing_another_cooperatives_reason_is_not_found(make_cooperative):
    """A reason id of another cooperative is not found here."""
    coop, other = _new(), make_cooperative()
    reason = services.set_inactive_reason(other, "tidak_melapor", by="x", now=NOW)
    with pytest.raises(NotFound):
        services.clear_inactive_reason(coop, reason.id, by="x", now=NOW)


def test_facts_contract_is_complete():
    """facts_for fills every field of CooperativeFacts from the registry, on the day asked."""
    coop = _new(jenis="konsumen")
    for year, held in ((2021, "2022-03-01"), (2022, "2023-03-01"), (2023, "2024-03-01")):
        services.record_rat(coop, book_year=year, held_on=held, by="t", now=NOW)
    services.add_assessment(coop, book_year=2023, examined_on="2024-05-14", aspects=ASPECTS, by="t", now=NOW)
    facts = services.facts_for(coop, today=TODAY)
    assert facts == services.CooperativeFacts(
        id=coop.id,
        nik=coop.nik,
        name=coop.name,
        is_active=True,
        inactive_reasons=(),
        rat_book_years=frozenset({2021, 2022, 2023}),
        predikat="sehat",
        predikat_examined_on=date(2024, 5, 14),
        jenis="konsumen",
        grade="a",
    )
    # Three years later without new RATs it is inactive, whatever the cached columns say.
    later = services.facts_for(coop, today=date(2027, 7, 1))
    assert (later.is_active, later.inactive_reasons, later.grade) == (False, ("tidak_rat",), "d")
    assert services.cooperative_facts(coop.id, today=TODAY) == facts
    assert facts in services.all_cooperative_facts(today=TODAY)


def test_recompute_registry_follows_the_deadline():
    """The daily recompute moves cached grades when the 30 June deadline passes."""
    coop = _new()
    services.record_rat(coop, book_year=2022, held_on="2023-03-01", by="t", now=NOW)
    services.record_rat(coop, book_year=2021, held_on="2022-03-01", by="t", now=NOW)
    services.recompute_registry(today=date(2024, 6, 30))
    assert (coop.grade, coop.rat_terlambat) == (Grade.b, False)
    assert services.recompute_registry(today=date(2024, 7, 1)) >= 1
    assert (coop.grade, coop.rat_terlambat, coop.computed_on) == (Grade.b, True, date(2024, 7, 1))
    assert services.recompute_registry(today=date(2024, 7, 1)) == 0


def test_record_achievement_upserts_by_source_and_withdraws():
    """The same source_ref updates one row; withdrawing removes it; both audited."""
    coop = _new()
    first = services.record_achievement(
        coop.id, title="Juara 1 Lomba Tumpeng", year=2024, source_ref="result:1:entry:9", rank_label="Juara 1"
    )
    again = services.record_achievement(
        coop.id, title="Juara 2 Lomba Tumpeng", year=2024, source_ref="result:1:entry:9", rank_label="Juara 2"
    )
    assert first.id == again.id and again.rank_label == "Juara 2"
    assert len(coop.achievements) == 1
    assert services.withdraw_achievement(coop.id, source_ref="result:1:entry:9") is True
    assert services.withdraw_achievement(coop.id, source_ref="result:1:entry:9") is False
    assert [a.action for a in _audits(coop)][-3:] == [
        "cooperative.achievement_recorded",
        "cooperative.achievement_recorded",
        "cooperative.achievement_withdrawn",
    ]
    with pytest.raises(NotFound):
        services.record_achievement(999999, title="x", year=2024, source_ref="r")


def test_new_ketua_ends_the_previous_term():
    """Management history is kept: a new Ketua's term closes the previous one the day before."""
    coop = _new()
    services.record_officer(coop, position="ketua", name="Bu Sari", term_start="2019-01-01", by="t", now=NOW)
    services.record_officer(coop, position="Ketua", name="Pak Budi", term_start="2024-01-01", by="t", now=NOW)
    services.record_officer(
        coop, position="pengawas", name="Pak Adi", term_start="2020-01-01", by="t", now=NOW
    )
    services.record_officer(
        coop, position="pengawas", name="Bu Ani", term_start="2021-01-01", by="t", now=NOW
    )
    officers = db.session.scalars(select(Officer).where(Officer.cooperative_id == coop.id)).all()
    ketua = {o.name: o.term_end for o in officers if o.position.value == "ketua"}
    assert ketua == {"Bu Sari": date(2023, 12, 31), "Pak Budi": None}
    assert all(o.term_end is None for o in officers if o.position.value == "pengawas")


def test_annual_figures_upsert_per_book_year():
    """Figures for a book year are set field by field; invalid numbers are named."""
    coop = _new()
    services.record_annual_figures(coop, book_year=2023, values={"anggota_pria": 40}, by="t", now=NOW)
    row = services.record_annual_figures(
        coop, book_year=2023, values={"anggota_wanita": "1.250", "shu": -5000}, by="t", now=NOW
    )
    assert (row.anggota_pria, row.anggota_wanita, row.shu) == (40, 1250, -5000)
    with pytest.raises(ValidationFailed) as info:
        services.record_annual_figures(coop, book_year=2023, values={"aset": "banyak"}, by="t", now=NOW)
    assert "aset" in info.value.details["fields"]


def test_history_is_newest_first():
    """The cooperative's history lists every change to it and its records, newest first."""
    coop = _new()
    services.record_rat(coop, book_year=2023, held_on="2024-04-20", by="t", now=NOW)
    actions = [a.action for a in services.cooperative_history(coop)]
    assert actions[0] == "cooperative.rat_recorded" and actions[-1] == "cooperative.created"


def test_directory_search_by_name_nik_and_filters(make_cooperative):
    """Name substrings (any case), a NIK or its prefix, and each filter narrow the directory."""
    a = make_cooperative(nik="6471777700000001", name="Koperasi Sejahtera Bersama", jenis=Jenis.konsumen)
    b = make_cooperative(
        nik="6471777700000002",
        name="KSP Maju Sejahtera",
        jenis=Jenis.simpan_pinjam,
        kecamatan_code="balikpapan_kota",
    )
    c = make_cooperative(nik="6471777800000003", name="Kopkar 50% Jaya_Abadi", status=CoopStatus.tidak_aktif)

    def ids(**kw):
        found = db.session.scalars(services.directory_query(services.DirectoryFilters(**kw))).all()
        # Sets: name order follows the database's collation (binary on SQLite).
        return {x.id for x in found if x.id in {a.id, b.id, c.id}}

    assert ids(q="sejahtera") == {a.id, b.id}
    assert ids(q="SEJAH maju") == {b.id}
    assert ids(q="50%") == {c.id}
    assert ids(q="a_a") == {c.id}
    assert ids(q="6471777700000002") == {b.id}
    assert ids(q="64717777") == {a.id, b.id}
    assert ids(jenis="simpan_pinjam") == {b.id}
    assert ids(kecamatan="balikpapan_kota") == {b.id}
    assert ids(kecamatan="tidak_ada", q="sejahtera") == {a.id}
    assert ids(status="tidak_aktif") == {c.id}


def test_filters_from_arguments_are_checked():
    """Unknown filter values are dropped on pages and refused (400) in the API."""
    assert services.parse_filters({"grade": "C1", "jenis": "xx"}).as_args() == {"grade": "c1"}
    with pytest.raises(ValidationFailed) as info:
        services.parse_filters({"status": "hidup"}, strict=True)
    assert (info.value.code, info.value.status) == ("invalid_filter", 400)


def test_recompute_job_is_declared_and_idempotent():
    """The nightly job (office's registry_daily) refreshes cached values; a second run changes nothing."""
    from harkop.scheduler import find_job

    coop = _new()
    services.record_rat(coop, book_year=2022, held_on="2023-03-01", by="t", now=NOW)
    spec = find_job("registry_daily")
    later = datetime(2024, 7, 1, 0, 0, tzinfo=clock.UTC)
    first = spec.func(now=later)
    assert first["recomputed"] >= 1
    assert spec.func(now=later)["recomputed"] == 0
    assert coop.rat_terlambat is True


def test_directory_page_counts_like_the_query(make_cooperative):
    """The page total (with SQLite's FTS shortcut for plain name searches) equals the rows matched."""
    for i in range(7):
        make_cooperative(name=f"Koperasi Hitung Cepat {i}", jenis=Jenis.jasa if i % 2 else Jenis.konsumen)
    for args in ({"q": "hitung cepat"}, {"q": "hitung", "jenis": "jasa"}, {"q": "ce"}, {"jenis": "jasa"}):
        filters = services.DirectoryFilters(**args)
        page = services.directory_page(filters, page=1, per_page=3)
        rows = db.session.scalars(services.directory_query(filters)).all()
        assert page.total == len(rows) and len(page.items) == min(3, len(rows))
