"""The registry's enumerations: stored and sent as lower-case snake_case, shown with Indonesian labels.

Pure data (no Flask, no database) so the scoring rules, the importer and the pages share one list.
Sources are in docs/domain.md (shared/design/domain.md §2–4). Each enumeration has a LABELS dict
in the order pages list it; `parse_choice` accepts a value or its label, case-insensitively, which
is what an ODS spreadsheet holds.
"""

from __future__ import annotations

import enum


class CoopStatus(enum.StrEnum):
    """Active status (computed by Harkop, or the Ministry's `StatusKoperasi`)."""

    aktif = "aktif"
    tidak_aktif = "tidak_aktif"


STATUS_LABELS = {CoopStatus.aktif: "Aktif", CoopStatus.tidak_aktif: "Tidak Aktif"}


class Grade(enum.StrEnum):
    """RAT reporting grade (NIK detail page): about RAT, never about health."""

    a = "a"
    b = "b"
    c1 = "c1"
    c2 = "c2"
    d = "d"


GRADE_LABELS = {Grade.a: "A", Grade.b: "B", Grade.c1: "C1", Grade.c2: "C2", Grade.d: "D"}


class Predikat(enum.StrEnum):
    """Health rating from an assessment (Permenkop UKM 9/2020)."""

    sehat = "sehat"
    cukup_sehat = "cukup_sehat"
    dalam_pengawasan = "dalam_pengawasan"
    dalam_pengawasan_khusus = "dalam_pengawasan_khusus"


PREDIKAT_LABELS = {
    Predikat.sehat: "Sehat",
    Predikat.cukup_sehat: "Cukup Sehat",
    Predikat.dalam_pengawasan: "Dalam Pengawasan",
    Predikat.dalam_pengawasan_khusus: "Dalam Pengawasan Khusus",
}
# Badge colour and icon per predikat (ui.md: green / amber / red, never colour alone).
PREDIKAT_BADGES = {
    Predikat.sehat: ("good", "✓"),
    Predikat.cukup_sehat: ("warn", "●"),
    Predikat.dalam_pengawasan: ("warn", "!"),
    Predikat.dalam_pengawasan_khusus: ("bad", "✕"),
}


class Jenis(enum.StrEnum):
    """Jenis koperasi (UU 25/1992 ps. 16)."""

    konsumen = "konsumen"
    produsen = "produsen"
    simpan_pinjam = "simpan_pinjam"
    pemasaran = "pemasaran"
    jasa = "jasa"


JENIS_LABELS = {
    Jenis.konsumen: "Konsumen",
    Jenis.produsen: "Produsen",
    Jenis.simpan_pinjam: "Simpan Pinjam",
    Jenis.pemasaran: "Pemasaran",
    Jenis.jasa: "Jasa",
}


class PolaPengelolaan(enum.StrEnum):
    """Conventional or sharia management (a field of its own, as ODS keeps it)."""

    konvensional = "konvensional"
    syariah = "syariah"


POLA_LABELS = {PolaPengelolaan.konvensional: "Konvensional", PolaPengelolaan.syariah: "Syariah"}


class Bentuk(enum.StrEnum):
    """Primary or secondary cooperative, by the level it operates at."""

    primer_kabupaten_kota = "primer_kabupaten_kota"
    primer_provinsi = "primer_provinsi"
    primer_nasional = "primer_nasional"
    sekunder_kabupaten_kota = "sekunder_kabupaten_kota"
    sekunder_provinsi = "sekunder_provinsi"
    sekunder_nasional = "sekunder_nasional"


BENTUK_LABELS = {
    Bentuk.primer_kabupaten_kota: "Primer Kabupaten/Kota",
    Bentuk.primer_provinsi: "Primer Provinsi",
    Bentuk.primer_nasional: "Primer Nasional",
    Bentuk.sekunder_kabupaten_kota: "Sekunder Kabupaten/Kota",
    Bentuk.sekunder_provinsi: "Sekunder Provinsi",
    Bentuk.sekunder_nasional: "Sekunder Nasional",
}


class StatusNik(enum.StrEnum):
    """Certification state of the NIK Koperasi (Permenkop 10/Per/M.KUKM/VI/2016)."""

    bersertifikat = "bersertifikat"
    belum_bersertifikat = "belum_bersertifikat"
    sertifikat_expired = "sertifikat_expired"


STATUS_NIK_LABELS = {
    StatusNik.bersertifikat: "Bersertifikat",
    StatusNik.belum_bersertifikat: "Belum Bersertifikat",
    StatusNik.sertifikat_expired: "Sertifikat Expired",
}

# Kelompok koperasi as ODS lists them. Stored as a validated string rather than a database enum
# so the office can add a group here without a migration.
KELOMPOK_LABELS: dict[str, str] = {
    "kud": "KUD",
    "ksu": "KSU",
    "ksp": "KSP",
    "kspps": "KSPPS",
    "kpri": "KPRI",
    "kopkar": "Kopkar",
    "koperasi_wanita": "Koperasi Wanita",
    "koppontren": "Koppontren",
    "primkopol": "Primkopol",
    "kop_angkatan_darat": "Kop. Angkatan Darat",
    "kop_angkatan_laut": "Kop. Angkatan Laut",
    "kop_angkatan_udara": "Kop. Angkatan Udara",
    "koperasi_nelayan": "Koperasi Nelayan",
    "koperasi_perumahan": "Koperasi Perumahan",
    "koperasi_pasar": "Koperasi Pasar",
    "koperasi_mahasiswa": "Koperasi Mahasiswa",
    "koperasi_sekolah": "Koperasi Sekolah",
    "koperasi_angkutan": "Koperasi Angkutan",
    "lainnya": "Lainnya",
}

# Sektor usaha: the KBLI 2020 sections, keyed by snake_case name; the section letter is accepted too.
SEKTOR: dict[str, tuple[str, str]] = {
    "pertanian": ("A", "Pertanian, Kehutanan dan Perikanan"),
    "pertambangan": ("B", "Pertambangan dan Penggalian"),
    "industri_pengolahan": ("C", "Industri Pengolahan"),
    "listrik_gas": ("D", "Pengadaan Listrik, Gas, Uap/Air Panas dan Udara Dingin"),
    "air_limbah": ("E", "Pengelolaan Air, Limbah dan Daur Ulang Sampah"),
    "konstruksi": ("F", "Konstruksi"),
    "perdagangan": ("G", "Perdagangan Besar dan Eceran; Reparasi Mobil dan Sepeda Motor"),
    "transportasi": ("H", "Pengangkutan dan Pergudangan"),
    "akomodasi_makan_minum": ("I", "Penyediaan Akomodasi dan Penyediaan Makan Minum"),
    "informasi_komunikasi": ("J", "Informasi dan Komunikasi"),
    "jasa_keuangan": ("K", "Aktivitas Keuangan dan Asuransi"),
    "real_estat": ("L", "Real Estat"),
    "jasa_profesional": ("M", "Aktivitas Profesional, Ilmiah dan Teknis"),
    "jasa_persewaan": ("N", "Aktivitas Penyewaan, Ketenagakerjaan, Agen Perjalanan dan Penunjang Usaha"),
    "administrasi_pemerintahan": ("O", "Administrasi Pemerintahan, Pertahanan dan Jaminan Sosial Wajib"),
    "pendidikan": ("P", "Pendidikan"),
    "kesehatan_sosial": ("Q", "Aktivitas Kesehatan Manusia dan Aktivitas Sosial"),
    "kesenian_hiburan": ("R", "Kesenian, Hiburan dan Rekreasi"),
    "jasa_lainnya": ("S", "Aktivitas Jasa Lainnya"),
    "rumah_tangga": ("T", "Aktivitas Rumah Tangga sebagai Pemberi Kerja"),
    "badan_internasional": ("U", "Aktivitas Badan Internasional dan Badan Ekstra Internasional Lainnya"),
}
SEKTOR_LABELS = {key: label for key, (_letter, label) in SEKTOR.items()}


class ReasonCode(enum.StrEnum):
    """Why the office marks a cooperative inactive after its field checks (domain.md §3)."""

    tidak_rat = "tidak_rat"
    pengurus_tidak_kompak = "pengurus_tidak_kompak"
    tidak_melapor = "tidak_melapor"
    tidak_ditemukan_di_alamat = "tidak_ditemukan_di_alamat"
    tidak_ada_usaha = "tidak_ada_usaha"


REASON_LABELS = {
    ReasonCode.tidak_rat: "Tidak melaksanakan RAT",
    ReasonCode.pengurus_tidak_kompak: "Pengurus tidak kompak",
    ReasonCode.tidak_melapor: "Tidak melapor",
    ReasonCode.tidak_ditemukan_di_alamat: "Tidak ditemukan di alamat",
    ReasonCode.tidak_ada_usaha: "Tidak ada kegiatan usaha",
}


class Position(enum.StrEnum):
    """A seat in the cooperative's management (pengurus and pengawas)."""

    ketua = "ketua"
    sekretaris = "sekretaris"
    bendahara = "bendahara"
    pengawas = "pengawas"
    manager = "manager"


POSITION_LABELS = {
    Position.ketua: "Ketua",
    Position.sekretaris: "Sekretaris",
    Position.bendahara: "Bendahara",
    Position.pengawas: "Pengawas",
    Position.manager: "Manager",
}


class Aspect(enum.StrEnum):
    """The four aspects of a health assessment (Juknis Deputi Perkoperasian 15/2021)."""

    tata_kelola = "tata_kelola"
    profil_risiko = "profil_risiko"
    kinerja_keuangan = "kinerja_keuangan"
    permodalan = "permodalan"


ASPECT_LABELS = {
    Aspect.tata_kelola: "Tata Kelola",
    Aspect.profil_risiko: "Profil Risiko",
    Aspect.kinerja_keuangan: "Kinerja Keuangan",
    Aspect.permodalan: "Permodalan",
}

KUK_VALUES = (1, 2, 3, 4)


_DROP = str.maketrans("", "", " \t\n\r._/-")


def _norm(text: str) -> str:
    """Compare values and labels ignoring case, spaces, dots, slashes and dashes."""
    return text.lower().translate(_DROP)


def choice_lookup(labels: dict, extra: dict[str, str] | None = None) -> dict[str, str]:
    """{normalised value or label or alias: stored value}, built once per enumeration."""
    lookup: dict[str, str] = {}
    for alias, value in (extra or {}).items():
        lookup[_norm(alias)] = value
    for value, label in labels.items():
        lookup[_norm(label)] = str(value)
        lookup[_norm(str(value))] = str(value)
    return lookup


def parse_choice(text: str, labels: dict, extra: dict[str, str] | None = None) -> str | None:
    """The stored value for `text` (a value or its label, any case), or None when unknown."""
    return choice_lookup(labels, extra).get(_norm(text))


def normalise(text: str) -> str:
    """The key `choice_lookup` uses for a text."""
    return _norm(text)


SEKTOR_ALIASES = {letter: key for key, (letter, _label) in SEKTOR.items()}
