"""Demo competitions and entries for `seed-demo`: the 2024 lomba across 26–28 July, each with a rubric.

Registration windows run 1–20 July 2024 (WITA). Entries are made through the real services
(`register_entry`, `approve_entry`, `reject_entry`) with a clock inside the window, and the
cooperatives are chosen by their registry facts: eligible ones are confirmed (and, past the
capacity, waitlisted), ineligible ones are refused with their reasons (kept in the audit log).
So the demo shows what the rules do with the registry as it is. Idempotent: a cooperative that
already has an entry or a recorded refusal in a competition is left alone, and settings are
refreshed on every run.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any

from sqlalchemy import select

from .. import clock
from ..audit import AuditLog
from ..competitions import services as competitions
from ..competitions.eligibility import EligibilityRules, registry_failures
from ..competitions.models import Competition, CompetitionState, Event
from ..cooperatives.services import all_cooperative_facts
from ..errors import DomainError
from ..extensions import db
from ..registrations import services
from ..registrations.models import Entry, EntryState

WITA = clock.WITA
OPENS = datetime(2024, 7, 1, 0, 0, tzinfo=WITA)
CLOSES = datetime(2024, 7, 21, 0, 0, tzinfo=WITA)  # 1–20 July inclusive
FIRST_REGISTRATION = datetime(2024, 7, 2, 9, 0, tzinfo=WITA)
SEED_ACTOR = "seed-demo"
DEMO_COOP_NIK = "6471010000000001"


def _levels(*lines: str) -> list[dict[str, Any]]:
    return competitions.parse_levels("\n".join(lines))


LEVEL_NAMES = ("Sangat baik", "Baik", "Cukup", "Kurang")


def four_levels(max_score: int) -> tuple[str, ...]:
    """The four level buttons across a criterion's scale: 10 → 10, 8, 6, 4 (the top is the maximum)."""
    return tuple(
        f"{round(max_score * share)}: {name}"
        for share, name in zip((1, 0.8, 0.6, 0.4), LEVEL_NAMES, strict=True)
    )


@dataclass
class DemoCompetition:
    """One demo competition: its settings, rubric, and how many entries of each kind to make."""

    slug: str
    values: dict[str, Any]
    rubric: list[competitions.CriterionInput]
    confirmed: int
    waitlisted: int = 0
    refused_codes: tuple[str, ...] = ()
    demo_teams: int = 0
    team_size: int = 2
    approve: int = 0
    reject: int = 0
    exception: tuple[str, str] | None = None  # (failure code it waives, reason)
    names: list[str] = field(default_factory=list)


def _criterion(name: str, weight: float, description: str, levels=None, max_score: int = 10, rank=None):
    return competitions.CriterionInput(
        name=name,
        weight=weight,
        max_score=max_score,
        description=description,
        levels=_levels(*(levels or four_levels(max_score))),
        tie_break_rank=rank,
    )


DEMO_COMPETITIONS = [
    DemoCompetition(
        slug="masak-sambal-ayam-geprek",
        values={
            "name": "Lomba Masak Sambal Ayam Geprek",
            "description": (
                "Setiap tim memasak satu porsi ayam geprek dengan sambal khas koperasinya dalam 90 menit. "
                "Bahan dibawa sendiri; kompor dan meja disediakan panitia."
            ),
            # Early on the first day: judged and announced before the demo's "now" (09.00).
            "days": [date(2024, 7, 26)],
            "starts_at": time(7, 0),
            "ends_at": time(8, 30),
            "place": "Atrium Utama Lt. 1, Pentacity Mall",
            "team_kind": "team",
            "min_team_size": 2,
            "max_team_size": 3,
            "capacity": 8,
            "per_cooperative_limit": 1,
            "judges_per_entry": 3,
            "aggregation": "mean",
        },
        rubric=[
            _criterion("Rasa", 35, "Keseimbangan rasa ayam dan sambal.", rank=1),
            _criterion("Sambal khas", 20, "Tingkat pedas dan ciri khas sambal koperasi."),
            _criterion("Penyajian", 20, "Tampilan piring, porsi dan kerapian.", rank=2),
            _criterion("Kebersihan dan kerja tim", 15, "Meja kerja, alat dan pembagian tugas."),
            _criterion("Kreativitas", 10, "Sentuhan baru tanpa meninggalkan ayam geprek."),
        ],
        confirmed=8,
        waitlisted=2,
        refused_codes=("not_active", "rat_missing"),
        demo_teams=1,
        team_size=3,
        names=[
            "Tim Geprek Mantap",
            "Tim Sambal Bawang",
            "Tim Cabe Rawit",
            "Tim Dapur Koperasi",
            "Tim Pedas Manis",
        ],
    ),
    DemoCompetition(
        slug="menghias-tumpeng",
        values={
            "name": "Lomba Menghias Tumpeng",
            "description": (
                "Tumpeng nasi kuning bertema “Koperasi sebagai Ekosistem”. Tinggi tumpeng paling sedikit "
                "30 cm; lauk pauk dan hiasan dari bahan yang dapat dimakan."
            ),
            "days": [date(2024, 7, 27)],
            "starts_at": time(9, 0),
            "ends_at": time(12, 0),
            "place": "Atrium Utama Lt. 1, Pentacity Mall",
            "team_kind": "team",
            "min_team_size": 3,
            "max_team_size": 4,
            "capacity": 10,
            "per_cooperative_limit": 1,
            "approval_required": True,
            "min_predikat": "cukup_sehat",
            "max_assessment_age_years": 2,
            "judges_per_entry": 3,
            "aggregation": "median",
        },
        rubric=[
            _criterion(
                "Kesesuaian tema", 30, "Pesan koperasi sebagai ekosistem terlihat pada tumpeng.", rank=1
            ),
            _criterion("Kreativitas hiasan", 30, "Bentuk dan hiasan yang orisinal."),
            _criterion("Kerapian", 20, "Susunan lauk dan kebersihan tampilan."),
            _criterion("Cita rasa", 20, "Rasa nasi kuning dan lauk pauk."),
        ],
        confirmed=0,
        approve=3,
        reject=1,
        refused_codes=("predikat_too_low",),
        team_size=3,
        exception=("predikat_too_low", "Juara 1 Lomba Menghias Tumpeng Hari Koperasi 2023"),
        names=["Tim Nasi Kuning", "Tim Tumpeng Nusantara", "Tim Janur Kuning", "Tim Sekar Arum"],
    ),
    DemoCompetition(
        slug="display-produk-koperasi",
        values={
            "name": "Lomba Display Produk Koperasi",
            "description": (
                "Stan expo koperasi dinilai selama tiga hari: penataan produk, informasi harga dan "
                "pelayanan pengunjung. Untuk koperasi yang menjual produk anggotanya."
            ),
            "days": [date(2024, 7, 26), date(2024, 7, 27), date(2024, 7, 28)],
            "starts_at": time(8, 0),
            "ends_at": time(21, 0),
            "place": "Area Expo Penta Hub Lt. 2",
            "team_kind": "team",
            "min_team_size": 1,
            "max_team_size": 2,
            "capacity": 20,
            "per_cooperative_limit": 1,
            "allowed_jenis": ["produsen", "pemasaran", "konsumen"],
            "judges_per_entry": 3,
            "aggregation": "mean",
        },
        rubric=[
            _criterion("Penataan produk", 40, "Produk tertata, mudah dilihat dan dijangkau.", rank=1),
            _criterion("Informasi produk dan harga", 30, "Label, harga dan asal produk anggota jelas."),
            _criterion("Pelayanan pengunjung", 30, "Ramah, menjelaskan produk dan koperasinya."),
        ],
        confirmed=10,
        refused_codes=("jenis_not_allowed",),
        team_size=2,
        names=["Stan Produk Anggota", "Galeri UMKM Koperasi", "Etalase Koperasi"],
    ),
    DemoCompetition(
        slug="video-kreatif-koperasi",
        values={
            "name": "Lomba Video Kreatif Koperasi",
            "description": (
                "Video 1–3 menit tentang manfaat koperasi bagi anggotanya, diunggah sebelum 24 Juli; "
                "diputar dan dinilai di panggung utama."
            ),
            "days": [date(2024, 7, 28)],
            "starts_at": time(13, 0),
            "ends_at": time(15, 0),
            "place": "Panggung Utama Penta Hub",
            "team_kind": "team",
            "min_team_size": 1,
            "max_team_size": 3,
            "capacity": 12,
            "per_cooperative_limit": 1,
            "judges_per_entry": 5,
            "aggregation": "trimmed_mean",
        },
        rubric=[
            _criterion("Pesan koperasi", 35, "Manfaat koperasi bagi anggota tersampaikan.", rank=1),
            _criterion("Kreativitas", 30, "Ide, cerita dan cara bertutur."),
            _criterion("Kualitas gambar dan suara", 20, "Teknik pengambilan gambar, suara, penyuntingan."),
            _criterion("Durasi dan ketentuan", 15, "1–3 menit, bahasa Indonesia, tanpa musik berhak cipta."),
        ],
        confirmed=6,
        refused_codes=("not_active",),
        demo_teams=1,
        team_size=2,
        names=["Sinema Koperasi", "Kreator Anggota", "Kamera Rakyat"],
    ),
    DemoCompetition(
        slug="mewarnai-anak-anggota",
        values={
            "name": "Lomba Mewarnai Anak Anggota Koperasi",
            "description": (
                "Untuk anak anggota koperasi usia 4–10 tahun. Gambar disediakan panitia; peserta membawa "
                "krayon atau pensil warna sendiri. Orang tua/wali mendampingi."
            ),
            "days": [date(2024, 7, 28)],
            "starts_at": time(9, 0),
            "ends_at": time(11, 0),
            "place": "Area Anak Lt. 1, Pentacity Mall",
            "team_kind": "individual",
            "capacity": 30,
            "per_cooperative_limit": 3,
            "for_children": True,
            "require_rat_previous_year": False,
            "judges_per_entry": 3,
            "aggregation": "mean",
        },
        rubric=[
            _criterion("Komposisi warna", 40, "Pilihan dan paduan warna.", rank=1),
            _criterion("Kerapian", 30, "Mewarnai di dalam garis, merata."),
            _criterion("Kreativitas", 30, "Tambahan gambar atau warna yang menarik."),
        ],
        confirmed=8,
        refused_codes=("not_active",),
        demo_teams=2,
        team_size=1,
        names=[],
    ),
]

_CHILDREN = ["Alya", "Bima", "Cahaya", "Dimas", "Elsa", "Fikri", "Gita", "Hafiz", "Intan", "Jihan", "Kevin"]
_ADULTS = [
    "Ahmad Fauzi", "Budi Santoso", "Citra Lestari", "Dewi Anggraini", "Eko Prasetyo", "Fitri Handayani",
    "Gunawan Saputra", "Hana Rahmawati", "Irwan Hakim", "Joko Susilo", "Kartini Wulandari", "Lestari Putri",
    "Made Wirawan", "Nur Aisyah", "Putri Maharani", "Rahmat Hidayat", "Siti Aminah", "Teguh Wibowo",
]  # fmt: skip


def _people(n: int, seed: int, *, children: bool) -> list[services.ParticipantInput]:
    people = []
    for i in range(n):
        k = seed * 7 + i * 3
        if children:
            child = _CHILDREN[k % len(_CHILDREN)]
            guardian = _ADULTS[k % len(_ADULTS)]
            people.append(
                services.ParticipantInput(
                    name=f"{child} {guardian.split()[-1]}",
                    phone=f"0812{5000000 + k * 131:07d}",
                    role="Peserta anak",
                    consent=True,
                    guardian_name=guardian,
                    guardian_consent=True,
                )
            )
        else:
            people.append(
                services.ParticipantInput(
                    name=_ADULTS[k % len(_ADULTS)],
                    phone=f"0813{4000000 + k * 173:07d}",
                    role="Ketua tim" if i == 0 else "Anggota",
                    consent=True,
                )
            )
    return people


def _event() -> Event:
    return competitions.event_by_slug("harkop-2024")


def _save(event: Event, spec: DemoCompetition) -> Competition:
    comp = db.session.scalar(
        select(Competition).where(Competition.event_id == event.id, Competition.slug == spec.slug)
    )
    values = {
        **spec.values,
        "slug": spec.slug,
        "registration_opens_at": OPENS,
        "registration_closes_at": CLOSES,
    }
    comp = competitions.save_competition(event, comp, values, by=SEED_ACTOR, now=OPENS)
    if comp.state not in competitions.RUBRIC_LOCKED:
        by_name = {c.name: c.id for c in comp.criteria}
        rubric = [
            competitions.CriterionInput(**{**row.__dict__, "id": by_name.get(row.name)})
            for row in spec.rubric
        ]
        competitions.set_rubric(comp, rubric, by=SEED_ACTOR, now=OPENS)
    return comp


def _touched(comp: Competition) -> bool:
    """True once the seed (or anyone) has made entries or refusals in this competition."""
    if db.session.scalar(select(Entry.id).where(Entry.competition_id == comp.id).limit(1)) is not None:
        return True
    refused = db.session.scalar(
        select(AuditLog.id)
        .where(
            AuditLog.action == "entry.refused",
            AuditLog.entity_type == "competition",
            AuditLog.entity_id == str(comp.id),
        )
        .limit(1)
    )
    return refused is not None


class _Clock:
    """Registration moments spread over the window, one after another."""

    def __init__(self) -> None:
        self.now = FIRST_REGISTRATION

    def tick(self, minutes: int = 47) -> datetime:
        self.now += timedelta(minutes=minutes)
        return self.now


def _register(comp, facts, spec: DemoCompetition, index: int, when: datetime, admin) -> Entry | None:
    """Register one team (the office registers on the cooperative's behalf); None when refused."""
    team = ""
    if spec.names:
        team = spec.names[index % len(spec.names)]
        if index >= len(spec.names):
            team = f"{team} {index // len(spec.names) + 1}"
    try:
        return services.register_entry(
            comp,
            facts.id,
            team_name=team,
            participants=_people(spec.team_size, facts.id + index, children=bool(comp.for_children)),
            by=admin,
            now=when,
        )
    except services.RegistrationRefused:
        return None  # recorded in the audit log: the demo shows it on the office's entries page


def _codes(facts, rules: EligibilityRules, year: int, today: date) -> list[str]:
    return [f.code for f in registry_failures(facts, rules, event_year=year, today=today)]


def _fill(
    comp: Competition, spec: DemoCompetition, all_facts: list, admin, moments: _Clock
) -> dict[str, int]:
    """Make one competition's demo entries, approvals, rejections and refusals."""
    counts = {"entries": 0, "refused": 0}
    rules = EligibilityRules.of(comp)
    year, today = comp.event.starts_on.year, FIRST_REGISTRATION.date()
    codes = {f.id: _codes(f, rules, year, today) for f in all_facts}
    eligible = [f for f in all_facts if not codes[f.id]]
    demo = [f for f in eligible if f.nik == DEMO_COOP_NIK]
    others = [f for f in eligible if f.nik != DEMO_COOP_NIK]
    made: list[Entry] = []
    if spec.exception is not None:
        code, reason = spec.exception
        waived = next((f for f in all_facts if codes[f.id] == [code] and f.nik != DEMO_COOP_NIK), None)
        if waived is not None:
            competitions.grant_exception(comp, waived.id, reason, by=admin, now=moments.tick())
            entry = _register(comp, waived, spec, 0, moments.tick(), admin)
            made += [entry] if entry is not None else []
    if spec.approve or spec.reject:
        count = spec.approve + spec.reject + 2 - len(made)  # two stay pending for the office
    else:
        count = spec.confirmed + spec.waitlisted
    plan = demo * spec.demo_teams + others
    for index, facts in enumerate(plan[: max(0, count)], start=len(made)):
        entry = _register(comp, facts, spec, index, moments.tick(), admin)
        made += [entry] if entry is not None else []
    counts["entries"] = len(made)
    pending = [e for e in made if e.state == EntryState.pending]
    for entry in pending[: spec.approve]:
        try:
            services.approve_entry(entry, by=admin, now=moments.tick(13))
        except DomainError:
            continue  # refused at approval: recorded, and the entry stays pending
    for entry in pending[spec.approve : spec.approve + spec.reject]:
        services.reject_entry(
            entry,
            "Foto tumpeng tahun lalu dipakai ulang; mohon kirim rancangan baru.",
            by=admin,
            now=moments.tick(13),
        )
    for code in spec.refused_codes:
        # Prefer a cooperative failing this rule alone, so the refusal shows exactly that reason.
        failing = [
            f
            for f in all_facts
            if code in codes[f.id]
            and f.nik != DEMO_COOP_NIK
            and competitions.exception_for(comp, f.id) is None
        ]
        failing.sort(key=lambda f: len(codes[f.id]))
        candidate = failing[0] if failing else None
        if candidate is not None and _register(comp, candidate, spec, 0, moments.tick(29), admin) is None:
            counts["refused"] += 1
    return counts


def seed_competitions(*, admin: Any = None) -> dict[str, int]:
    """Create or refresh the demo competitions; fill each with entries once. Flushes only."""
    from ..auth.models import User

    admin = admin or db.session.scalar(select(User).where(User.username == "admin"))
    event = _event()
    all_facts = sorted(all_cooperative_facts(today=FIRST_REGISTRATION.date()), key=lambda f: f.nik)
    counts = {"competitions": 0, "entries": 0, "refused": 0}
    moments = _Clock()
    for spec in DEMO_COMPETITIONS:
        comp = _save(event, spec)
        counts["competitions"] += 1
        if _touched(comp) or comp.state not in (
            CompetitionState.draft,
            CompetitionState.open,
            CompetitionState.closed,
        ):
            continue
        comp.state = CompetitionState.open  # the registrations below happen inside the window
        db.session.flush()
        for key, n in _fill(comp, spec, all_facts, admin, moments).items():
            counts[key] += n
    sync_states(now=clock.now())
    return counts


def sync_states(*, now: datetime) -> None:
    """Set the demo competitions' registration state from the clock the demo runs with.

    Only draft/open/closed are touched (judging and later belong to the judging demo): open
    while the window has not ended, closed after. This lets a database seeded under one
    simulated date be re-seeded under another (`seed-demo` again) and still make sense.
    """
    event = _event()
    for spec in DEMO_COMPETITIONS:
        comp = db.session.scalar(
            select(Competition).where(Competition.event_id == event.id, Competition.slug == spec.slug)
        )
        if comp is None or comp.state not in (
            CompetitionState.draft,
            CompetitionState.open,
            CompetitionState.closed,
        ):
            continue
        comp.state = CompetitionState.open if now < CLOSES else CompetitionState.closed
    db.session.flush()
