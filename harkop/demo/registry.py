"""Demo registry: 587 synthetic cooperatives that reproduce DKUMKMP Balikpapan's July 2024 figures.

docs/domain.md §1 (BorneoFlash 2024-07-22 and 2024-07-26, Bisnis Kalimantan 2024-07-15): 587 supervised
cooperatives; 440 active (Kota 143, Selatan 82, Utara 76, Tengah 62, Timur 40, Barat 36, one with
no kecamatan on file) and 147 inactive; 70 held a RAT for book year 2023; 26 examined in 2024 for
book year 2023 (6 Sehat, 14 Cukup Sehat, 6 Dalam Pengawasan); 10 on the digital system since 2023.

The RAT histories are designed so that Harkop's own rules give exactly these figures on
26 July 2024 (HARKOP_FAKE_NOW=2024-07-26T09:00:00+08:00): the 440 active ones each held a RAT in
2021–2023 and have no office reason; 117 of the inactive ones held none since 2020 (three
book years missed), the other 30 carry a reason the office set. Names, addresses and people are
synthetic and deterministic (docs/demo-data.md). `seed_registry()` is idempotent: it fills in
what is missing and leaves the rest.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from .. import clock
from ..cooperatives import health, reference, rules, services
from ..cooperatives.models import (
    AnnualFigure,
    Cooperative,
    HealthAssessment,
    InactiveReason,
    Officer,
    RatRecord,
)
from ..cooperatives.vocab import (
    Bentuk,
    CoopStatus,
    Grade,
    Jenis,
    PolaPengelolaan,
    Position,
    Predikat,
    ReasonCode,
    StatusNik,
)
from ..extensions import db

DEMO_DAY = date(2024, 7, 26)
DEMO_COOP_NIK = "6471010000000001"
DEMO_COOP_NAME = "Koperasi Demo Sejahtera"
TOTAL = 587
ACTIVE_BY_KECAMATAN: dict[str | None, int] = {
    "balikpapan_kota": 143,
    "balikpapan_selatan": 82,
    "balikpapan_utara": 76,
    "balikpapan_tengah": 62,
    "balikpapan_timur": 40,
    "balikpapan_barat": 36,
    None: 1,
}
INACTIVE = 147
RAT_2023 = 70
ASSESSED_2024 = {Predikat.sehat: 6, Predikat.cukup_sehat: 14, Predikat.dalam_pengawasan: 6}
DIGITAL_SINCE_2023 = 10
SEED_ACTOR = "seed-demo"

# RAT patterns (book years held) and how many cooperatives follow each.
ACTIVE_WITH_2023 = [((2021, 2022, 2023), 40), ((2022, 2023), 20), ((2023,), 10)]  # 70
ACTIVE_WITHOUT_2023 = [((2021, 2022), 200), ((2022,), 100), ((2020, 2021), 70)]  # 370
INACTIVE_NO_RAT = [((2018, 2019, 2020), 50), ((2019,), 30), ((), 37)]  # 117: missed 2021–2023
INACTIVE_BY_REASON = [  # 30: RATs recent enough, inactive because of a field check
    (ReasonCode.pengurus_tidak_kompak, (2021, 2022), 10),
    (ReasonCode.tidak_ditemukan_di_alamat, (2021,), 8),
    (ReasonCode.tidak_ada_usaha, (2022,), 7),
    (ReasonCode.tidak_melapor, (2021, 2022), 5),
]

_WORDS_A = (
    "Sejahtera Makmur Mandiri Maju Bersama Sentosa Harapan Karya Mulia Berkah Amanah Sinar Cahaya "
    "Bintang Fajar Mentari Pelita Rukun Guyub Setia Utama Prima Lestari Bahari Mitra Tunas Insan Citra"
).split()
_WORDS_B = (
    "Abadi Jaya Sakti Indah Asri Bahagia Sehati Makarti Manunggal Nusantara Borneo Manuntung Mahakam "
    "Teluk Pesisir Samudra Madani Barokah Cemerlang Gemilang Perkasa Raya Lestari Harmoni Sepakat"
).split()
_PREFIX_BY_JENIS = {
    Jenis.konsumen: ("Koperasi Konsumen", "Kopkar", "KPRI", "Koperasi Wanita"),
    Jenis.simpan_pinjam: ("KSP", "Koperasi Simpan Pinjam", "KSPPS"),
    Jenis.produsen: ("Koperasi Produsen", "Koperasi Tani", "Koperasi Nelayan"),
    Jenis.pemasaran: ("Koperasi Pemasaran",),
    Jenis.jasa: ("Koperasi Jasa", "Koperasi Angkutan", "KSU"),
}
_KELOMPOK = {
    "Kopkar": "kopkar",
    "KPRI": "kpri",
    "Koperasi Wanita": "koperasi_wanita",
    "KSP": "ksp",
    "Koperasi Simpan Pinjam": "ksp",
    "KSPPS": "kspps",
    "Koperasi Nelayan": "koperasi_nelayan",
    "Koperasi Angkutan": "koperasi_angkutan",
    "KSU": "ksu",
}
_SEKTOR = {
    Jenis.konsumen: "perdagangan",
    Jenis.simpan_pinjam: "jasa_keuangan",
    Jenis.produsen: "pertanian",
    Jenis.pemasaran: "perdagangan",
    Jenis.jasa: "transportasi",
}
_STREETS = (
    "Jl. Jenderal Sudirman", "Jl. MT Haryono", "Jl. Ahmad Yani", "Jl. Soekarno-Hatta", "Jl. Syarifuddin Yoes",
    "Jl. Marsma R. Iswahyudi", "Jl. Mulawarman", "Jl. Letjen Suprapto", "Jl. Pupuk Raya", "Jl. Indrakila",
)  # fmt: skip
_FIRST = "Ahmad Budi Citra Dewi Eko Fitri Gunawan Hana Irwan Joko Kartini Lestari Made Nur Putri Rahmat Siti Teguh".split()
_LAST = (
    "Saputra Wijaya Rahman Hidayat Lestari Pratama Kusuma Santoso Nugroho Hasanah Siregar Mappa Daeng".split()
)


@dataclass
class _Spec:
    """What one demo cooperative must look like on 26 July 2024."""

    number: int
    kecamatan: str | None
    active: bool
    rat_years: tuple[int, ...]
    reasons: tuple[ReasonCode, ...] = ()
    founded: date | None = None
    predikat: Predikat | None = None
    digital: bool = False
    extra: dict = field(default_factory=dict)


def _plan(rnd: random.Random) -> list[_Spec]:
    """Every demo cooperative, decided before anything is written (deterministic)."""
    kecamatan_slots = [k for k, n in ACTIVE_BY_KECAMATAN.items() for _ in range(n)]
    # The demo pengurus's cooperative is active in Balikpapan Kota (counted in its 143).
    kecamatan_slots.remove("balikpapan_kota")
    rnd.shuffle(kecamatan_slots)
    kecamatan_slots.insert(0, "balikpapan_kota")
    active_patterns = [p for p, n in ACTIVE_WITH_2023 for _ in range(n)]
    rest = [p for p, n in ACTIVE_WITHOUT_2023 for _ in range(n)]
    rnd.shuffle(rest)
    # Cooperatives with a 2023 RAT are spread over the kecamatan, not bunched at the front.
    with_2023_at = set(rnd.sample(range(1, 440), RAT_2023 - 1)) | {0}
    specs: list[_Spec] = []
    with_iter = iter(active_patterns)
    rest_iter = iter(rest)
    young_left = 3  # three of the 2023-only cooperatives were founded in 2022 (grade C1)
    for i, kec in enumerate(kecamatan_slots):
        if i in with_2023_at:
            years = next(with_iter)
            founded = None
            if years == (2023,) and young_left:
                founded = date(2022, rnd.randint(2, 11), rnd.randint(1, 28))
                young_left -= 1
        else:
            years = next(rest_iter)
            founded = None
        specs.append(
            _Spec(number=len(specs) + 1, kecamatan=kec, active=True, rat_years=years, founded=founded)
        )
    inactive_kecamatan = [k for k in ACTIVE_BY_KECAMATAN if k] * (INACTIVE // 6 + 1)
    inactive = [(p, ()) for p, n in INACTIVE_NO_RAT for _ in range(n)]
    inactive += [(years, (code,)) for code, years, n in INACTIVE_BY_REASON for _ in range(n)]
    for j, (years, reasons) in enumerate(inactive):
        # About a third of the computed ones the office has also marked `tidak_rat` after field checks.
        if not reasons and j % 3 == 0 and j < 120:
            reasons = (ReasonCode.tidak_rat,)
        specs.append(
            _Spec(
                number=len(specs) + 1,
                kecamatan=inactive_kecamatan[j],
                active=False,
                rat_years=years,
                reasons=reasons,
            )
        )
    # Health: 26 of the 70 with a 2023 RAT were examined in 2024; the demo cooperative is Sehat.
    with_2023 = [s for s in specs if 2023 in s.rat_years]
    assessed = [with_2023[0]] + rnd.sample(with_2023[1:], 25)
    targets = [p for p, n in ASSESSED_2024.items() for _ in range(n)]
    for spec, target in zip(assessed, targets, strict=True):
        spec.predikat = target
    digital = [specs[0]] + rnd.sample([s for s in specs[1:] if s.active], DIGITAL_SINCE_2023 - 1)
    for spec in digital:
        spec.digital = True
    assert len(specs) == TOTAL
    return specs


def _aspects_for(rnd: random.Random, target: Predikat) -> dict[str, Decimal]:
    """Aspect scores whose final score lands in the target predikat's band."""
    base = {Predikat.sehat: 86, Predikat.cukup_sehat: 72, Predikat.dalam_pengawasan: 58}[target]
    while True:
        values = {
            a: Decimal(min(100, max(0, base + rnd.randint(-9, 9)))) + Decimal(rnd.randint(0, 99)) / 100
            for a in ("tata_kelola", "profil_risiko", "kinerja_keuangan", "permodalan")
        }
        values = {a: min(Decimal(100), v) for a, v in values.items()}
        if health.assess_aspects(values).predikat == target:
            return values


def _name(rnd: random.Random, jenis: Jenis, taken: set[str]) -> tuple[str, str]:
    while True:
        prefix = rnd.choice(_PREFIX_BY_JENIS[jenis])
        name = f"{prefix} {rnd.choice(_WORDS_A)} {rnd.choice(_WORDS_B)}"
        if name not in taken:
            taken.add(name)
            return name, prefix


def _person(rnd: random.Random) -> str:
    return f"{rnd.choice(_FIRST)} {rnd.choice(_LAST)}"


def _values(spec: _Spec, rnd: random.Random, taken: set[str]) -> dict:
    jenis = rnd.choices(list(Jenis), weights=(40, 8, 30, 4, 18))[0]
    if spec.number == 1:
        jenis = Jenis.simpan_pinjam
        name, prefix = DEMO_COOP_NAME, "KSP"
    else:
        name, prefix = _name(rnd, jenis, taken)
    founded = spec.founded or date(rnd.randint(1985, 2018), rnd.randint(1, 12), rnd.randint(1, 28))
    kel = (
        rnd.choice(reference.KECAMATAN_KELURAHAN[reference.KECAMATAN[spec.kecamatan]])
        if spec.kecamatan
        else None
    )
    status = CoopStatus.aktif if spec.active else CoopStatus.tidak_aktif
    grade = rules.compute_grade(spec.rat_years, founded=founded, today=DEMO_DAY)
    # The Ministry's record mostly agrees; a few differ, as real ODS data does.
    ods_status = status if spec.number % 40 else (CoopStatus.tidak_aktif if spec.active else CoopStatus.aktif)
    ods_grade = grade if spec.number % 25 else Grade.c2 if grade != Grade.c2 else Grade.b
    return {
        "nik": f"647101{spec.number:010d}",
        "name": name,
        "status_nik": StatusNik.bersertifikat if spec.number % 3 else StatusNik.belum_bersertifikat,
        "badan_hukum_no": f"{rnd.randint(100, 999)}/BH/XVI.{rnd.randint(1, 12)}/{founded.year}",
        "badan_hukum_on": founded,
        "founded_on": founded,
        "bentuk": Bentuk.primer_kabupaten_kota,
        "jenis": jenis,
        "pola_pengelolaan": PolaPengelolaan.syariah if prefix == "KSPPS" else PolaPengelolaan.konvensional,
        "kelompok": _KELOMPOK.get(prefix, "lainnya"),
        "sektor_usaha": _SEKTOR[jenis],
        "kuk": rnd.randint(1, 4),
        "alamat": f"{rnd.choice(_STREETS)} No. {rnd.randint(1, 250)}" if spec.kecamatan else None,
        "kecamatan_code": spec.kecamatan,
        "kelurahan_code": reference.key_for(kel) if kel else None,
        "kode_pos": f"761{rnd.randint(10, 36)}" if spec.kecamatan else None,
        "ods_status": ods_status,
        "ods_grade": ods_grade,
        "digital_since": 2023 if spec.digital else None,
    }


def seed_registry(*, now: datetime | None = None) -> dict[str, int]:
    """Create or complete the 587 demo cooperatives; returns counts of what was added. Flushes only."""
    now = now or clock.now()
    rnd = random.Random(2024)
    specs = _plan(rnd)
    existing = {
        c.nik: c
        for c in db.session.scalars(
            select(Cooperative)
            .where(Cooperative.nik.like("647101%"))
            .options(
                selectinload(Cooperative.rat_records),
                selectinload(Cooperative.assessments),
                selectinload(Cooperative.reasons),
                selectinload(Cooperative.figures),
                selectinload(Cooperative.officers),
            )
        )
    }
    taken: set[str] = set()
    added = {"cooperatives": 0, "rats": 0, "assessments": 0, "reasons": 0}
    exam_day = date(2024, 2, 5)
    seed_time = datetime(2024, 7, 1, 1, 0, tzinfo=UTC)  # when the office set its reasons (demo)
    for spec in specs:
        # Each cooperative draws from its own generator, so a partial earlier seed changes nothing.
        rnd = random.Random(f"harkop-demo-{spec.number}")
        values = _values(spec, rnd, taken)
        coop = existing.get(values["nik"])
        if coop is None:
            coop = Cooperative(**values, created_at=now, updated_at=now)
            db.session.add(coop)
            added["cooperatives"] += 1
        else:
            for key, value in values.items():  # fill what is missing, never overwrite an edit
                if getattr(coop, key) is None and value is not None:
                    setattr(coop, key, value)
        have_rats = {r.book_year for r in coop.rat_records}
        for year in spec.rat_years:
            held = date(year + 1, rnd.randint(2, 6), rnd.randint(1, 28))
            if year not in have_rats:
                coop.rat_records.append(RatRecord(book_year=year, held_on=held, created_at=now))
                added["rats"] += 1
        open_codes = {r.code for r in coop.reasons if r.cleared_at is None}
        for code in spec.reasons:
            if code not in open_codes:
                coop.reasons.append(
                    InactiveReason(
                        code=code, set_at=seed_time, set_by_name=SEED_ACTOR, note="Hasil cek lapangan (demo)"
                    )
                )
                added["reasons"] += 1
        years_assessed = {a.book_year for a in coop.assessments}
        if spec.predikat is not None:
            aspects = _aspects_for(rnd, spec.predikat)
            exam_day += timedelta(days=rnd.randint(3, 6))
            if 2023 not in years_assessed:
                result = health.assess_aspects(aspects)
                coop.assessments.append(_assessment(2023, min(exam_day, date(2024, 7, 20)), result, now))
                added["assessments"] += 1
            # Some (7) were also examined in 2023 (book year 2022), for a history on the profile.
            if spec.number % 3 == 0 and 2022 not in years_assessed:
                earlier = health.assess_aspects({a: max(Decimal(0), v - 6) for a, v in aspects.items()})
                coop.assessments.append(_assessment(2022, date(2023, 5, 10), earlier, now))
                added["assessments"] += 1
        if 2023 in spec.rat_years and not any(f.book_year == 2023 for f in coop.figures):
            coop.figures.append(
                AnnualFigure(
                    book_year=2023,
                    anggota_pria=rnd.randint(15, 600),
                    anggota_wanita=rnd.randint(15, 600),
                    karyawan=rnd.randint(0, 12),
                    manajer=rnd.randint(0, 1),
                    modal_sendiri=rnd.randint(20, 900) * 1_000_000,
                    modal_luar=rnd.randint(0, 500) * 1_000_000,
                    aset=rnd.randint(100, 5000) * 1_000_000,
                    volume_usaha=rnd.randint(50, 3000) * 1_000_000,
                    shu=rnd.randint(-20, 300) * 1_000_000,
                )
            )
        if spec.number <= 20 and not coop.officers:
            coop.officers.extend(_officers(rnd, now))
    db.session.flush()
    ids = list(db.session.scalars(select(Cooperative.id).where(Cooperative.nik.like("647101%"))))
    services.recompute_cooperatives(ids, today=clock.to_wita(now).date())
    db.session.flush()
    db.session.expire_all()
    return added


def _assessment(
    book_year: int, examined_on: date, result: health.HealthResult, now: datetime
) -> HealthAssessment:
    return HealthAssessment(
        book_year=book_year,
        examined_on=examined_on,
        examiner="Tim Pengawas DKUMKMP (demo)",
        tata_kelola=result.aspects[health.Aspect.tata_kelola],
        profil_risiko=result.aspects[health.Aspect.profil_risiko],
        kinerja_keuangan=result.aspects[health.Aspect.kinerja_keuangan],
        permodalan=result.aspects[health.Aspect.permodalan],
        final_score=result.final_score,
        predikat=result.predikat,
        created_at=now,
    )


def _officers(rnd: random.Random, now: datetime) -> list[Officer]:
    term = date(2022, 1, 1)
    people = [
        Officer(
            position=Position.ketua,
            name=_person(rnd),
            term_start=date(2017, 1, 1),
            term_end=date(2021, 12, 31),
        ),
        Officer(position=Position.ketua, name=_person(rnd), term_start=term),
        Officer(position=Position.sekretaris, name=_person(rnd), term_start=term),
        Officer(position=Position.bendahara, name=_person(rnd), term_start=term),
        Officer(position=Position.pengawas, name=_person(rnd), term_start=term),
    ]
    for person in people:
        person.created_at = now
        person.phone = f"0812{rnd.randint(10000000, 99999999)}"
    return people
