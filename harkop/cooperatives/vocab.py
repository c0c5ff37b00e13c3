"""The registry's enumerations: stored and sent as lower-case snake_case, each declared once with
its label (an Indonesian msgid, English from the catalogue) and, where pages show one, its badge.

Every member's order, label and badge live here and nowhere else (see harkop/vocabulary.py): the
pages, the importer, the exporter, the forms, the API's `*_label` fields and the competition
rules all read these classes. Sources are in docs/domain.md §2–4.
`parse_choice` accepts a value or its Indonesian label, case-insensitively, which is what an ODS
spreadsheet holds.
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from ..vocabulary import Badge, Choice


class CoopStatus(Choice):
    """Active status (computed by Harkop, or the Ministry's `StatusKoperasi`)."""

    aktif = "aktif", _l("Aktif"), Badge("good", "✓")
    tidak_aktif = "tidak_aktif", _l("Tidak Aktif"), Badge("bad", "✕")


class Grade(Choice):
    """RAT reporting grade (NIK detail page): about RAT, never about health. Letters in every language."""

    a = "a", "A"
    b = "b", "B"
    c1 = "c1", "C1"
    c2 = "c2", "C2"
    d = "d", "D"


class Predikat(Choice):
    """Health rating from an assessment (Permenkop UKM 9/2020), from the best down.

    Badges after docs/ui.md: green / amber / red, never colour alone (a word and an icon too).
    """

    sehat = "sehat", _l("Sehat"), Badge("good", "✓")
    cukup_sehat = "cukup_sehat", _l("Cukup Sehat"), Badge("warn", "●")
    dalam_pengawasan = "dalam_pengawasan", _l("Dalam Pengawasan"), Badge("warn", "!")
    dalam_pengawasan_khusus = "dalam_pengawasan_khusus", _l("Dalam Pengawasan Khusus"), Badge("bad", "✕")

    @property
    def rank(self) -> int:
        """0 for the lowest predikat up to 3 for Sehat: a minimum is met by this rank or higher."""
        members = list(Predikat)
        return len(members) - 1 - members.index(self)


class Jenis(Choice):
    """Jenis koperasi (UU 25/1992 ps. 16)."""

    konsumen = "konsumen", _l("Konsumen")
    produsen = "produsen", _l("Produsen")
    simpan_pinjam = "simpan_pinjam", _l("Simpan Pinjam")
    pemasaran = "pemasaran", _l("Pemasaran")
    jasa = "jasa", _l("Jasa")


class PolaPengelolaan(Choice):
    """Conventional or sharia management (a field of its own, as ODS keeps it)."""

    konvensional = "konvensional", _l("Konvensional")
    syariah = "syariah", _l("Syariah")


class Bentuk(Choice):
    """Primary or secondary cooperative, by the level it operates at."""

    primer_kabupaten_kota = "primer_kabupaten_kota", _l("Primer Kabupaten/Kota")
    primer_provinsi = "primer_provinsi", _l("Primer Provinsi")
    primer_nasional = "primer_nasional", _l("Primer Nasional")
    sekunder_kabupaten_kota = "sekunder_kabupaten_kota", _l("Sekunder Kabupaten/Kota")
    sekunder_provinsi = "sekunder_provinsi", _l("Sekunder Provinsi")
    sekunder_nasional = "sekunder_nasional", _l("Sekunder Nasional")


class StatusNik(Choice):
    """Certification state of the NIK Koperasi (Permenkop 10/Per/M.KUKM/VI/2016)."""

    bersertifikat = "bersertifikat", _l("Bersertifikat")
    belum_bersertifikat = "belum_bersertifikat", _l("Belum Bersertifikat")
    sertifikat_expired = "sertifikat_expired", _l("Sertifikat Expired")


class Kelompok(Choice):
    """Kelompok koperasi as ODS lists them.

    Stored as a validated string rather than a database enum, so the office can add a group here
    without a migration.
    """

    kud = "kud", _l("KUD")
    ksu = "ksu", _l("KSU")
    ksp = "ksp", _l("KSP")
    kspps = "kspps", _l("KSPPS")
    kpri = "kpri", _l("KPRI")
    kopkar = "kopkar", _l("Kopkar")
    koperasi_wanita = "koperasi_wanita", _l("Koperasi Wanita")
    koppontren = "koppontren", _l("Koppontren")
    primkopol = "primkopol", _l("Primkopol")
    kop_angkatan_darat = "kop_angkatan_darat", _l("Kop. Angkatan Darat")
    kop_angkatan_laut = "kop_angkatan_laut", _l("Kop. Angkatan Laut")
    kop_angkatan_udara = "kop_angkatan_udara", _l("Kop. Angkatan Udara")
    koperasi_nelayan = "koperasi_nelayan", _l("Koperasi Nelayan")
    koperasi_perumahan = "koperasi_perumahan", _l("Koperasi Perumahan")
    koperasi_pasar = "koperasi_pasar", _l("Koperasi Pasar")
    koperasi_mahasiswa = "koperasi_mahasiswa", _l("Koperasi Mahasiswa")
    koperasi_sekolah = "koperasi_sekolah", _l("Koperasi Sekolah")
    koperasi_angkutan = "koperasi_angkutan", _l("Koperasi Angkutan")
    lainnya = "lainnya", _l("Lainnya")


class Sektor(Choice):
    """Sektor usaha: the KBLI 2020 sections A to U, in that order (a string column, like kelompok)."""

    pertanian = "pertanian", _l("Pertanian, Kehutanan dan Perikanan")
    pertambangan = "pertambangan", _l("Pertambangan dan Penggalian")
    industri_pengolahan = "industri_pengolahan", _l("Industri Pengolahan")
    listrik_gas = "listrik_gas", _l("Pengadaan Listrik, Gas, Uap/Air Panas dan Udara Dingin")
    air_limbah = "air_limbah", _l("Pengelolaan Air, Limbah dan Daur Ulang Sampah")
    konstruksi = "konstruksi", _l("Konstruksi")
    perdagangan = "perdagangan", _l("Perdagangan Besar dan Eceran; Reparasi Mobil dan Sepeda Motor")
    transportasi = "transportasi", _l("Pengangkutan dan Pergudangan")
    akomodasi_makan_minum = "akomodasi_makan_minum", _l("Penyediaan Akomodasi dan Penyediaan Makan Minum")
    informasi_komunikasi = "informasi_komunikasi", _l("Informasi dan Komunikasi")
    jasa_keuangan = "jasa_keuangan", _l("Aktivitas Keuangan dan Asuransi")
    real_estat = "real_estat", _l("Real Estat")
    jasa_profesional = "jasa_profesional", _l("Aktivitas Profesional, Ilmiah dan Teknis")
    jasa_persewaan = (
        "jasa_persewaan",
        _l("Aktivitas Penyewaan, Ketenagakerjaan, Agen Perjalanan dan Penunjang Usaha"),
    )
    administrasi_pemerintahan = (
        "administrasi_pemerintahan",
        _l("Administrasi Pemerintahan, Pertahanan dan Jaminan Sosial Wajib"),
    )
    pendidikan = "pendidikan", _l("Pendidikan")
    kesehatan_sosial = "kesehatan_sosial", _l("Aktivitas Kesehatan Manusia dan Aktivitas Sosial")
    kesenian_hiburan = "kesenian_hiburan", _l("Kesenian, Hiburan dan Rekreasi")
    jasa_lainnya = "jasa_lainnya", _l("Aktivitas Jasa Lainnya")
    rumah_tangga = "rumah_tangga", _l("Aktivitas Rumah Tangga sebagai Pemberi Kerja")
    badan_internasional = (
        "badan_internasional",
        _l("Aktivitas Badan Internasional dan Badan Ekstra Internasional Lainnya"),
    )

    @property
    def letter(self) -> str:
        """The KBLI section letter, A to U: the members are declared in KBLI's order."""
        return chr(ord("A") + list(Sektor).index(self))

    @property
    def label_with_letter(self) -> str:
        """'G – Perdagangan Besar …', as the profile shows a sector."""
        return f"{self.letter} – {self.label}"


class ReasonCode(Choice):
    """Why the office marks a cooperative inactive after its field checks (docs/domain.md §3)."""

    tidak_rat = "tidak_rat", _l("Tidak melaksanakan RAT")
    pengurus_tidak_kompak = "pengurus_tidak_kompak", _l("Pengurus tidak kompak")
    tidak_melapor = "tidak_melapor", _l("Tidak melapor")
    tidak_ditemukan_di_alamat = "tidak_ditemukan_di_alamat", _l("Tidak ditemukan di alamat")
    tidak_ada_usaha = "tidak_ada_usaha", _l("Tidak ada kegiatan usaha")


class Position(Choice):
    """A seat in the cooperative's management (pengurus and pengawas)."""

    ketua = "ketua", _l("Ketua")
    sekretaris = "sekretaris", _l("Sekretaris")
    bendahara = "bendahara", _l("Bendahara")
    pengawas = "pengawas", _l("Pengawas")
    manager = "manager", _l("Manager")


class Aspect(Choice):
    """The four aspects of a health assessment (Juknis Deputi Perkoperasian 15/2021)."""

    tata_kelola = "tata_kelola", _l("Tata Kelola")
    profil_risiko = "profil_risiko", _l("Profil Risiko")
    kinerja_keuangan = "kinerja_keuangan", _l("Kinerja Keuangan")
    permodalan = "permodalan", _l("Permodalan")


class Award(Choice):
    """The rank an achievement records, as published results store it (judging's scoring.AWARDS).

    The stored value is the Indonesian name, which certificates print; pages show the label.
    """

    juara_1 = "Juara 1", _l("Juara 1"), Badge("good", "★")
    juara_2 = "Juara 2", _l("Juara 2"), Badge("good", "★")
    juara_3 = "Juara 3", _l("Juara 3"), Badge("good", "★")
    harapan_1 = "Harapan 1", _l("Harapan 1"), Badge("info", "☆")
    harapan_2 = "Harapan 2", _l("Harapan 2"), Badge("info", "☆")
    peserta = "Peserta", _l("Peserta"), Badge("info", "·")


KUK_VALUES = (1, 2, 3, 4)


_DROP = str.maketrans("", "", " \t\n\r._/-")


def _norm(text: str) -> str:
    """Compare values and labels ignoring case, spaces, dots, slashes and dashes."""
    return text.lower().translate(_DROP)


def choice_lookup(choice: type[Choice], extra: dict[str, str] | None = None) -> dict[str, str]:
    """{normalised value or Indonesian label or alias: stored value}, built once per enumeration."""
    lookup: dict[str, str] = {}
    for alias, value in (extra or {}).items():
        lookup[_norm(alias)] = value
    for member in choice:
        lookup[_norm(member.indonesian)] = member.value
        lookup[_norm(member.value)] = member.value
    return lookup


def parse_choice(text: str, choice: type[Choice], extra: dict[str, str] | None = None) -> str | None:
    """The stored value for `text` (a value or its Indonesian label, any case), or None when unknown."""
    return choice_lookup(choice, extra).get(_norm(text))


def normalise(text: str) -> str:
    """The key `choice_lookup` uses for a text."""
    return _norm(text)


# A KBLI section letter ("G") stands for its sector in a spreadsheet.
SEKTOR_ALIASES = {sektor.letter: sektor.value for sektor in Sektor}
