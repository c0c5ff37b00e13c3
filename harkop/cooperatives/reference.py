"""Balikpapan's 6 kecamatan and 34 kelurahan: the registry's address reference data.

Keyed on names (docs/domain.md §2): the key is the snake_case form of the name. Migration 0002 copies
this list into the `kecamatan` and `kelurahan` tables so cooperatives point at them with foreign
keys; tests/cooperatives/test_reference.py checks the tables and this module agree. Kemendagri
codes are optional and left empty here until the office confirms them.
"""

from __future__ import annotations

import re

# Kecamatan name -> its kelurahan, as docs/domain.md §2 names them.
KECAMATAN_KELURAHAN: dict[str, tuple[str, ...]] = {
    "Balikpapan Timur": ("Manggar", "Lamaru", "Teritip", "Manggar Baru"),
    "Balikpapan Barat": ("Baru Ilir", "Baru Tengah", "Baru Ulu", "Kariangau", "Margo Mulyo", "Marga Sari"),
    "Balikpapan Utara": (
        "Batu Ampar",
        "Gunung Samarinda",
        "Karang Joang",
        "Muara Rapak",
        "Gunung Samarinda Baru",
        "Graha Indah",
    ),
    "Balikpapan Tengah": (
        "Gunung Sari Ulu",
        "Gunung Sari Ilir",
        "Karang Rejo",
        "Karang Jati",
        "Mekar Sari",
        "Sumber Rejo",
    ),
    "Balikpapan Selatan": (
        "Sepinggan",
        "Gunung Bahagia",
        "Sepinggan Baru",
        "Sepinggan Raya",
        "Sungai Nangka",
        "Damai Baru",
        "Damai Bahagia",
    ),
    "Balikpapan Kota": ("Prapatan", "Telaga Sari", "Klandasan Ulu", "Klandasan Ilir", "Damai"),
}


def key_for(name: str) -> str:
    """The snake_case key of a place name: 'Balikpapan Kota' -> 'balikpapan_kota'."""
    return re.sub(r"[^a-z0-9]+", "_", name.strip().lower()).strip("_")


KECAMATAN: dict[str, str] = {key_for(n): n for n in KECAMATAN_KELURAHAN}
KELURAHAN: dict[str, str] = {key_for(k): k for ks in KECAMATAN_KELURAHAN.values() for k in ks}
KELURAHAN_KECAMATAN: dict[str, str] = {
    key_for(k): key_for(kec) for kec, ks in KECAMATAN_KELURAHAN.items() for k in ks
}


def _short(key: str) -> str:
    return key.removeprefix("balikpapan_")


_KECAMATAN_LOOKUP = {**{_short(k): k for k in KECAMATAN}, **{k: k for k in KECAMATAN}}


def parse_kecamatan(text: str) -> str | None:
    """The kecamatan key for a name as people write it ('Balikpapan Kota', 'Kota', 'BALIKPAPAN KOTA')."""
    wanted = key_for(text).removeprefix("kecamatan_").removeprefix("kec_")
    return _KECAMATAN_LOOKUP.get(wanted)


def parse_kelurahan(text: str) -> str | None:
    """The kelurahan key for a name, or None when it is not one of Balikpapan's 34."""
    wanted = key_for(text).removeprefix("kelurahan_").removeprefix("kel_")
    return wanted if wanted in KELURAHAN else None
