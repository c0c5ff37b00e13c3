"""With the page switched to English, no enumeration's Indonesian label shows, and years are plain.

The data is the demo (seed-demo on 26 July 2024) in a committed database of this module's own.
Its names, notes and recorded messages are Indonesian on purpose (what people typed, what a
decision recorded at the time), so each page's text is read with those stored strings taken out:
what is left comes from the code, and it must hold no Indonesian label of any Choice.
"""

from __future__ import annotations

import html
import io
import re
from collections.abc import Iterator
from typing import Any

import pytest
from flask_babel import refresh
from openpyxl import load_workbook
from sqlalchemy import JSON, String, Text, select

from harkop.competitions.models import Competition, CompetitionState
from harkop.cooperatives.models import Cooperative, InactiveReason
from harkop.demo import seed_demo
from harkop.demo.registry import DEMO_COOP_NIK
from harkop.extensions import db
from harkop.office.models import LetterStatus, WarningLetter
from harkop.registrations.models import Entry, EntryState
from tests.choices import indonesian_labels, labels_in
from tests.conftest import make_app
from tests.dbutil import fresh_database_url, migrate
from tests.office.conftest import pdf_text

FAKE_NOW = "2024-07-26T09:00:00+08:00"
# A year of the registry (1950–2039) written with a thousands separator: 1.950, 2,023.
SEPARATED_YEAR = re.compile(r"(?<![\d.,])(1[.,]9[5-9]\d|2[.,]0[0-3]\d)(?![\d.,])")


def _strings(value: Any) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from _strings(item)
    elif isinstance(value, list | tuple):
        for item in value:
            yield from _strings(item)


def _stored_strings(labels: dict[str, str]) -> list[str]:
    """Every stored text (string, text and JSON columns) that holds an Indonesian label among other
    words (a name, a note, a recorded message), longest first."""
    found = set()
    for table in db.metadata.sorted_tables:
        columns = [c for c in table.columns if isinstance(c.type, String | Text | JSON)]
        if not columns:
            continue
        for row in db.session.execute(select(*columns)):
            for value in row:
                for text in _strings(value):
                    text = " ".join(text.split())
                    # A stored copy of a label itself ('Juara 1' in a result) is no free text:
                    # the page must show it translated, so it stays in the check.
                    if text not in labels and labels_in(text, labels):
                        found.add(text)
    return sorted(found, key=len, reverse=True)


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    """The demo in a database of its own, the Indonesian labels, and the stored texts that hold one."""
    app = make_app(
        fresh_database_url(tmp_path_factory.mktemp("english"), "english"), HARKOP_FAKE_NOW=FAKE_NOW
    )
    migrate(app)
    with app.app_context():
        seed_demo()
        db.session.commit()
        labels = indonesian_labels()
        stored = _stored_strings(labels)
        # Pages that show every kind of value: the competition with the most entry states, a
        # published one, an inactive cooperative with reasons, an issued letter.
        states: dict[int, set] = {}
        for comp_id, state in db.session.execute(select(Entry.competition_id, Entry.state)):
            states.setdefault(comp_id, set()).add(state)
        busiest = max(states, key=lambda c: len(states[c]))
        published = db.session.scalars(
            select(Competition).where(Competition.state == CompetitionState.published)
        ).first()
        inactive = db.session.scalars(
            select(Cooperative.nik)
            .join(InactiveReason, InactiveReason.cooperative_id == Cooperative.id)
            .where(InactiveReason.cleared_at.is_(None))
            .order_by(Cooperative.id)
        ).first()
        letter = db.session.scalars(
            select(WarningLetter.id).where(WarningLetter.status == LetterStatus.issued)
        ).first()
        facts = {
            "busiest": busiest,
            "busiest_states": states[busiest],
            "results": f"/hasil/{published.event.slug}/{published.slug}",
            "published_id": published.id,
            "inactive": inactive,
            "letter": letter,
        }
        db.session.remove()
    yield app, labels, stored, facts
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


def _english_client(app, username: str | None):
    client = app.test_client()
    client.post("/bahasa", data={"lang": "en", "next": "/"})
    if username:
        response = client.post("/masuk", data={"username": username, "password": "harkop2024"})
        assert response.status_code == 302, username
    return client


def _page_text(page: str, stored: list[str]) -> str:
    """The visible text of the page's main content, with the stored texts taken out."""
    main = page.split("<main", 1)[-1]
    main = re.sub(r"<(script|style)[^>]*>.*?</\1>", " ", main, flags=re.S)
    text = " ".join(html.unescape(re.sub(r"<[^>]+>", " ", main)).split())
    for value in stored:
        text = text.replace(value, " ")
    return text


def _get_english(demo, username: str | None, path: str) -> str:
    app, _labels, stored, _facts = demo
    with app.app_context():
        client = _english_client(app, username)
        refresh()
        response = client.get(path)
        assert response.status_code == 200, path
        page = response.get_data(as_text=True)
    assert '<html lang="en">' in page
    return _page_text(page, stored)


PAGES = [
    # (who, path, English labels the page must show); {name} is filled from the demo's facts
    (None, "/koperasi?predikat=cukup_sehat", ["Fairly healthy", "Active"]),
    (None, f"/koperasi/{DEMO_COOP_NIK}", ["Healthy", "Active", "Governance"]),
    (None, "/koperasi/{inactive}", ["Inactive"]),
    ("admin", "/admin/koperasi/{inactive}", ["Inactive"]),
    (None, "/jadwal", []),
    ("admin", "/admin/lomba/{busiest}/pendaftar", ["Registered"]),
    ("pengurus", "/koperasi-saya/pendaftaran", ["Registered"]),
    (None, "{results}", ["1st place", "Judge 1"]),
    ("admin", "/admin/penilaian", ["Results published"]),
    ("admin", "/penilaian/{published_id}/pantau", ["Results published"]),
    ("admin", "/admin/dasbor", ["Fairly healthy", "Under special supervision"]),
    ("admin", "/admin/laporan", ["No annual members' meeting (RAT) held", "Written warning"]),
    ("admin", "/admin/surat-teguran", ["Written warning", "Issued"]),
    ("admin", "/admin/pemutakhiran/usulan?status=semua", ["Awaiting approval"]),
    ("pengurus", "/koperasi-saya/pemutakhiran", []),
]


@pytest.mark.committed
@pytest.mark.parametrize(("who", "path", "expected"), PAGES, ids=[p[1] for p in PAGES])
def test_an_english_page_shows_no_indonesian_label_and_plain_years(demo, who, path, expected):
    """The page reads its enumerations in English (it shows the expected English labels and no
    Indonesian label outside stored texts), and no year has a thousands separator."""
    _app, labels, _stored, facts = demo
    text = _get_english(demo, who, path.format(**facts))
    assert labels_in(text, labels) == []
    for label in expected:
        assert label in text
    assert not SEPARATED_YEAR.search(text), SEPARATED_YEAR.search(text).group(0)


@pytest.mark.committed
def test_the_busiest_entry_list_shows_several_states_in_english(demo):
    """The entry list used above has entries in several states, each shown by its English label."""
    _app, _labels, _stored, facts = demo
    assert len(facts["busiest_states"]) >= 3
    text = _get_english(demo, "admin", f"/admin/lomba/{facts['busiest']}/pendaftar")
    for state in facts["busiest_states"]:
        assert EntryState(state).indonesian not in text
    assert "Waiting list" in text or "Withdrawn" in text or "Awaiting approval" in text


@pytest.mark.committed
def test_a_profile_in_english_prints_book_years_as_plain_digits(demo):
    """The profile's RAT and assessment book years read 2023, never 2,023."""
    text = _get_english(demo, None, f"/koperasi/{DEMO_COOP_NIK}")
    assert "Book year 2023" in text


@pytest.mark.committed
def test_the_reports_for_the_province_stay_indonesian_from_an_english_page(demo):
    """The XLSX and PDF for the Province and a warning letter are official documents in Indonesian,
    also when the office downloads them from an English page."""
    app, _labels, _stored, facts = demo
    with app.app_context():
        client = _english_client(app, "admin")
        refresh()
        xlsx = client.get("/admin/laporan/koperasi-tidak-aktif.xlsx")
        report = client.get("/admin/laporan/koperasi-tidak-aktif.pdf")
        letter = client.get(f"/admin/surat-teguran/{facts['letter']}.pdf")
    cells = [
        str(c)
        for sheet in load_workbook(io.BytesIO(xlsx.data), read_only=True)
        for row in sheet.iter_rows(values_only=True)
        for c in row
        if c is not None
    ]
    assert "Tidak melaksanakan RAT" in cells and "Teguran Tertulis" in cells
    assert not any("annual members" in c or c == "Written warning" for c in cells)
    assert "Tidak melaksanakan RAT" in pdf_text(report.data) and "Juli 2024" in pdf_text(report.data)
    assert "Teguran Tertulis" in pdf_text(letter.data) and "Written" not in pdf_text(letter.data)


@pytest.mark.committed
def test_the_registry_export_keeps_the_ods_labels_from_an_english_page(demo):
    """The registry export is the Ministry's ODS layout: Indonesian labels, so it imports back."""
    app, _labels, _stored, _facts = demo
    with app.app_context():
        client = _english_client(app, "admin")
        refresh()
        data = client.get("/admin/koperasi/ekspor?format=csv").get_data(as_text=True)
    assert "Primer Kabupaten/Kota" in data and "Konvensional" in data
    assert "Primary, regency/city" not in data
