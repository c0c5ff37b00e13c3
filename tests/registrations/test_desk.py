"""The office at the event desk: walk-in registration and replacement on the event days (eligibility
still checked, an exception only with a recorded reason), and a spreadsheet of teams, all or nothing."""

from __future__ import annotations

import csv
import io
from datetime import time

import pytest
from openpyxl import Workbook
from sqlalchemy import func, select

from harkop.audit import AuditLog
from harkop.competitions.models import EligibilityException
from harkop.errors import DomainError
from harkop.extensions import db
from harkop.registrations import desk
from harkop.registrations.models import Entry, EntryState
from tests.competitions.factories import make_competition, make_entry, make_event, people

MORNING = "2024-07-26T08:00:00+08:00"  # the first event day, before the 09.00 slot
DURING = "2024-07-26T10:00:00+08:00"  # during the 09.00–12.00 slot
BEFORE = "2024-07-20T10:00:00+08:00"


def desk_form(nik: str, **extra) -> dict:
    """The desk page's form for a team of two."""
    data = {"cooperative_nik": nik, "team_name": "Tim Meja"}
    for i, (name, phone) in enumerate([("Ani", "081234567801"), ("Budi", "081234567802")]):
        data.update(
            {
                f"participants-{i}-name": name,
                f"participants-{i}-phone": phone,
                f"participants-{i}-consent": "y",
            }
        )
    return {**data, **extra}


def entries_of(comp) -> int:
    """How many entries the competition has."""
    return db.session.scalar(select(func.count(Entry.id)).where(Entry.competition_id == comp.id))


def test_the_desk_registers_a_walk_in_team_and_leads_to_its_tickets(
    client, login_as, fake_now, registry, make_cooperative
):
    """On an event day, outside the window: confirmed at once with tickets; the page leads to the
    entry with each ticket's PDF; the audit says it came from the desk."""
    fake_now(MORNING)
    comp = make_competition(make_event(), approval_required=True)  # the desk skips the approval step
    coop = make_cooperative()
    login_as("admin")
    response = client.post(f"/admin/lomba/{comp.id}/meja", data=desk_form(coop.nik))
    assert response.status_code == 302
    entry = db.session.scalar(select(Entry).where(Entry.competition_id == comp.id))
    assert entry.state == EntryState.confirmed and len(entry.participants) == 2
    assert response.headers["Location"].endswith(f"/koperasi-saya/pendaftaran/{entry.id}")
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    for participant in entry.participants:
        assert f"/tiket/{participant.tickets[0].page_token}/tiket.pdf" in page
    registered = db.session.scalar(
        select(AuditLog).where(AuditLog.action == "entry.registered", AuditLog.entity_id == str(entry.id))
    )
    assert registered.after["channel"] == "desk"


def test_the_desk_is_closed_before_the_event_days(client, login_as, fake_now, registry, make_cooperative):
    """Before the event the desk page says when it opens, and the service refuses with a code."""
    fake_now(BEFORE)
    comp = make_competition(make_event())
    login_as("admin")
    page = client.get(f"/admin/lomba/{comp.id}/meja").get_data(as_text=True)
    assert "hanya pada hari acara" in page
    with pytest.raises(DomainError) as refused:
        desk.desk_register(comp, make_cooperative().nik, team_name="T", participants=people(2), by="admin")
    assert refused.value.code == "not_event_day"
    assert entries_of(comp) == 0


def test_an_ineligible_cooperative_needs_a_recorded_reason(
    client, login_as, fake_now, registry, make_cooperative
):
    """Without a reason: 422 with the failed rule at the reason field, nothing written; with one:
    the reason becomes the competition's exception for the cooperative and the team is registered."""
    fake_now(MORNING)
    comp = make_competition(make_event())
    coop = make_cooperative()
    registry.set(coop, is_active=False, inactive_reasons=("rat_3_tahun",))
    login_as("admin")
    refused = client.post(f"/admin/lomba/{comp.id}/meja", data=desk_form(coop.nik))
    assert refused.status_code == 422
    html = refused.get_data(as_text=True)
    assert 'id="exception_reason-error"' in html and "Tuliskan alasan pengecualian" in html
    assert entries_of(comp) == 0

    reason = "Surat keterangan aktif dari Dinas, diperiksa di meja"
    done = client.post(f"/admin/lomba/{comp.id}/meja", data=desk_form(coop.nik, exception_reason=reason))
    assert done.status_code == 302
    exc = db.session.scalar(
        select(EligibilityException).where(EligibilityException.cooperative_id == coop.id)
    )
    assert exc.reason == reason
    entry = db.session.scalar(select(Entry).where(Entry.competition_id == comp.id))
    assert entry.decision["exception"] == reason and entry.decision["waived"]


def test_the_per_cooperative_limit_is_never_waived_at_the_desk(fake_now, registry, make_cooperative):
    """A second team of the same cooperative is refused even with a reason; no exception is granted."""
    fake_now(MORNING)
    comp = make_competition(make_event())
    coop = make_cooperative()
    make_entry(comp, coop.id)
    with pytest.raises(DomainError) as refused:
        desk.desk_register(
            comp,
            coop.nik,
            team_name="Tim 2",
            participants=people(2),
            exception_reason="alasan apa saja",
            by="admin",
        )
    assert refused.value.code == "not_eligible"
    assert (
        db.session.scalar(
            select(EligibilityException.id).where(EligibilityException.cooperative_id == coop.id)
        )
        is None
    )


def test_the_office_replaces_a_participant_at_the_desk_after_the_start(
    client, login_as, fake_now, make_cooperative
):
    """At 10.00 on the day (slot 09.00–12.00) a pengurus may no longer swap; the office at the desk may."""
    fake_now(DURING)
    comp = make_competition(make_event(), starts_at=time(9, 0), ends_at=time(12, 0))
    entry = make_entry(comp, make_cooperative().id, n=2)
    old = entry.participants[0]
    login_as("admin")
    page = client.get(f"/koperasi-saya/pendaftaran/{entry.id}").get_data(as_text=True)
    assert f"/peserta/{old.id}/ganti" in page or "Ganti peserta ini" in page
    form = {"name": "Citra Pengganti", "phone": "081234567899", "role": "Anggota", "consent": "y"}
    response = client.post(f"/koperasi-saya/pendaftaran/{entry.id}/peserta/{old.id}/ganti", data=form)
    assert response.status_code == 302, response.get_data(as_text=True)[:500]
    db.session.refresh(old)
    assert old.replaced_at is not None and old.tickets[0].revoked_at is not None
    new = db.session.get(type(old), old.replaced_by_id)
    assert new.name == "Citra Pengganti" and new.tickets and new.tickets[0].revoked_at is None


# --- the spreadsheet -----------------------------------------------------------------------


def _xlsx(rows: list[list]) -> io.BytesIO:
    book = Workbook()
    sheet = book.active
    for row in rows:
        sheet.append(row)
    data = io.BytesIO()
    book.save(data)
    data.seek(0)
    return data


HEADER = ["Lomba", "NIK_Koperasi", "Nama_Tim", "Nama_Peserta_1", "HP_Peserta_1", "Peran_Peserta_1"]
HEADER += ["Nama_Peserta_2", "HP_Peserta_2", "Peran_Peserta_2", "Persetujuan_Data"]


def _row(comp, coop, team, phone2="081234567812"):
    return [comp.slug, coop.nik, team, "Ani", "081234567811", "Ketua", "Budi", phone2, "Anggota", "ya"]


def test_a_clean_spreadsheet_registers_every_team(client, login_as, fake_now, registry, make_cooperative):
    """Three rows for two competitions: three confirmed entries, through the same service."""
    fake_now(BEFORE)
    event = make_event()
    cook, paint = make_competition(event, name="Masak"), make_competition(event, name="Lukis")
    coops = [make_cooperative() for _ in range(3)]
    rows = [
        HEADER,
        _row(cook, coops[0], "Tim A"),
        _row(cook, coops[1], "Tim B"),
        _row(paint, coops[2], "Tim C"),
    ]
    report = desk.import_teams(_save(rows), event, by="admin")
    assert not report.errors and (report.rows, report.written, report.confirmed) == (3, 3, 3)
    assert entries_of(cook) == 2 and entries_of(paint) == 1


def test_one_bad_row_writes_nothing_and_errors_name_row_and_column(fake_now, registry, make_cooperative):
    """A bad phone (row 3) and an unknown NIK (row 4): no entry at all; each error says row and column."""
    fake_now(BEFORE)
    event = make_event()
    comp = make_competition(event)
    coops = [make_cooperative() for _ in range(2)]
    ghost = type("Ghost", (), {"nik": "6471999999999999"})()
    rows = [
        HEADER,
        _row(comp, coops[0], "Tim A"),
        _row(comp, coops[1], "Tim B", phone2="12"),
        _row(comp, ghost, "Tim C"),
    ]
    report = desk.import_teams(_save(rows), event, by="admin")
    assert report.written == 0 and entries_of(comp) == 0
    found = {(e.row, e.column) for e in report.errors}
    assert found == {(3, "HP_Peserta_2"), (4, "NIK_Koperasi")}
    assert all(e.message for e in report.errors)
    assert "Nomor HP tidak valid" in next(e.message for e in report.errors if e.row == 3)


def test_the_import_page_refuses_a_file_without_the_columns(client, login_as, fake_now, registry):
    """A CSV without the required headers: 422, the missing columns named, nothing written."""
    fake_now(BEFORE)
    make_event()
    login_as("admin")
    data = {"file": (io.BytesIO(b"Nama;Telepon\nAni;0812\n"), "tim.csv")}
    response = client.post("/admin/meja/impor", data=data, content_type="multipart/form-data")
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "Kolom wajib tidak ada" in html and "NIK_Koperasi" in html


def test_the_import_page_registers_a_csv_and_reports(client, login_as, fake_now, registry, make_cooperative):
    """A CSV with ';' (Indonesian Excel) through the page: committed, flashed, back to the desk."""
    fake_now(BEFORE)
    event = make_event()
    comp = make_competition(event)
    coop = make_cooperative()
    text = io.StringIO()
    writer = csv.writer(text, delimiter=";")
    writer.writerow(HEADER)
    writer.writerow(_row(comp, coop, "Tim CSV"))
    login_as("admin")
    data = {"file": (io.BytesIO(text.getvalue().encode()), "tim.csv")}
    response = client.post("/admin/meja/impor", data=data, content_type="multipart/form-data")
    assert response.status_code == 302
    assert entries_of(comp) == 1


def _save(rows) -> str:
    import tempfile

    handle = tempfile.NamedTemporaryFile(suffix=".xlsx", delete=False)
    handle.write(_xlsx(rows).getvalue())
    handle.close()
    return handle.name
