"""Issue 20, the desk's teams import: the template the office downloads (exactly the columns the
importer reads, an example row, notes), and large files run by the background queue, all or nothing,
with the same report as the request."""

from __future__ import annotations

import csv
import io

import pytest
from openpyxl import Workbook, load_workbook
from sqlalchemy import func, select

from harkop.cooperatives import import_jobs
from harkop.cooperatives.models import ImportJob
from harkop.extensions import db
from harkop.registrations import desk
from harkop.registrations.models import Entry, Participant
from tests.competitions.factories import make_competition, make_event

BEFORE = "2024-07-20T10:00:00+08:00"


def entries_of(comp) -> int:
    """How many entries the competition has."""
    return db.session.scalar(select(func.count(Entry.id)).where(Entry.competition_id == comp.id))


def upload(client, data: bytes, name: str):
    """Post a file to the import page."""
    return client.post(
        "/admin/meja/impor", data={"file": (io.BytesIO(data), name)}, content_type="multipart/form-data"
    )


def xlsx_bytes(rows: list[list]) -> bytes:
    """A workbook of these rows (the test's own file, as a clerk's spreadsheet program makes it)."""
    book = Workbook()
    for row in rows:
        book.active.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def team_rows(comp, coops, bad_row: int | None = None) -> list[list]:
    """A header and one team per cooperative; `bad_row` (a spreadsheet row number) gets a bad phone."""
    rows = [["Lomba", "NIK_Koperasi", "Nama_Tim", "Nama_Peserta_1", "HP_Peserta_1", "Persetujuan_Data"]]
    for i, coop in enumerate(coops):
        phone = "12" if bad_row == i + 2 else f"0812345670{i:02d}"
        rows.append([comp.slug, coop.nik, f"Tim {i}", f"Peserta {i}", phone, "ya"])
    return rows


# --- the template ----------------------------------------------------------------------------


@pytest.mark.parametrize("fmt", ["xlsx", "csv"])
def test_the_template_header_is_exactly_what_the_importer_reads(client, login_as, fake_now, registry, fmt):
    """Both downloads start with `desk.template_header()`, which holds every column the importer
    requires, and each of its columns is one the importer reads (team, participant n, guardian n,
    consent)."""
    fake_now(BEFORE)
    make_competition(make_event())
    login_as("admin")
    response = client.get(f"/admin/meja/impor/templat.{fmt}")
    assert response.status_code == 200
    assert response.headers["Content-Disposition"].startswith("attachment")
    if fmt == "xlsx":
        rows = list(load_workbook(io.BytesIO(response.data)).worksheets[0].iter_rows(values_only=True))
        header = list(rows[0])
    else:
        header = next(csv.reader(io.StringIO(response.data.decode("utf-8-sig"))))
    assert header == desk.template_header()
    assert set(desk.REQUIRED_HEADERS) <= set(header)
    read = set(desk.TEAM_HEADERS) | {desk.CONSENT_HEADER}
    for n in range(1, desk.MAX_PEOPLE + 1):
        read |= {h.format(n=n) for h in desk.PERSON_FIELDS.values()} | {desk.GUARDIAN_HEADER.format(n=n)}
    assert set(header) <= read


def test_the_downloaded_template_filled_with_demo_data_imports(
    client, login_as, fake_now, registry, make_cooperative
):
    """The clerk downloads the XLSX, replaces the example's NIK and team name with a real team and
    uploads it: the team is registered with the template's participants, phones and roles."""
    fake_now(BEFORE)
    comp = make_competition(make_event())
    coop = make_cooperative()
    login_as("admin")
    book = load_workbook(io.BytesIO(client.get("/admin/meja/impor/templat.xlsx").data))
    sheet = book.worksheets[0]
    header = [c.value for c in sheet[1]]
    sheet.cell(2, header.index("NIK_Koperasi") + 1, coop.nik)
    sheet.cell(2, header.index("Nama_Tim") + 1, "Tim Dari Templat")
    filled = io.BytesIO()
    book.save(filled)
    response = upload(client, filled.getvalue(), "templat-terisi.xlsx")
    assert response.status_code == 302, response.get_data(as_text=True)
    entry = db.session.scalar(select(Entry).where(Entry.competition_id == comp.id))
    assert entry.team_name == "Tim Dari Templat" and entry.cooperative_id == coop.id
    people = sorted(entry.participants, key=lambda p: p.id)
    assert [(p.phone, p.role) for p in people] == [("081234567801", "Ketua"), ("081234567802", "Anggota")]


def test_the_csv_template_filled_in_imports_too(client, login_as, fake_now, registry, make_cooperative):
    """The CSV download, its example row given a real NIK, imports as it is."""
    fake_now(BEFORE)
    comp = make_competition(make_event())
    coop = make_cooperative()
    login_as("admin")
    rows = list(csv.reader(io.StringIO(client.get("/admin/meja/impor/templat.csv").data.decode("utf-8-sig"))))
    rows[1][rows[0].index("NIK_Koperasi")] = coop.nik
    out = io.StringIO()
    csv.writer(out).writerows(rows)
    assert upload(client, out.getvalue().encode(), "tim.csv").status_code == 302
    assert entries_of(comp) == 1


def test_the_example_row_left_in_is_refused_by_row_and_column(client, login_as, fake_now, registry):
    """Uploading the template unchanged registers nothing: row 2's NIK is named as the example."""
    fake_now(BEFORE)
    comp = make_competition(make_event())
    login_as("admin")
    response = upload(client, client.get("/admin/meja/impor/templat.xlsx").data, "templat.xlsx")
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "Baris contoh dari templat" in html and "NIK_Koperasi" in html
    assert entries_of(comp) == 0


def test_the_xlsx_template_explains_each_column_and_lists_the_competitions(
    client, login_as, fake_now, registry
):
    """The notes sheet has one line per column (required or not, what goes in it); the competitions
    sheet gives each competition's slug and name; the page lists the columns and both downloads."""
    fake_now(BEFORE)
    event = make_event()
    comp = make_competition(event, name="Lomba Masak Nasi Kuning")
    login_as("admin")
    book = load_workbook(io.BytesIO(client.get("/admin/meja/impor/templat.xlsx").data))
    notes = {row[0]: row[1:] for row in book.worksheets[1].iter_rows(min_row=2, values_only=True) if row[0]}
    for header in desk.template_header():
        assert header in notes and notes[header][1], header
        assert notes[header][0] == ("ya" if header in desk.REQUIRED_HEADERS else "tidak")
    assert (comp.slug, comp.name) in [
        tuple(r) for r in book.worksheets[2].iter_rows(min_row=2, values_only=True)
    ]
    page = client.get("/admin/meja/impor").get_data(as_text=True)
    assert "/admin/meja/impor/templat.xlsx" in page and "/admin/meja/impor/templat.csv" in page
    assert page.count("data-column") == len(desk.template_header())


def test_another_template_format_is_not_found(client, login_as, fake_now):
    """Only CSV and XLSX."""
    login_as("admin")
    assert client.get("/admin/meja/impor/templat.pdf").status_code == 404


# --- large files in the background -----------------------------------------------------------


@pytest.fixture
def background(app, tmp_path):
    """Teams files of 3 rows or more go to the background; uploads in the test's folder."""
    keys = (
        "HARKOP_TEAM_IMPORT_BACKGROUND_ROWS",
        "HARKOP_UPLOAD_DIR",
        "HARKOP_IMPORT_MAX_ROWS",
        "HARKOP_IMPORT_MAX_UNZIPPED_MB",
    )
    previous = {k: app.config.get(k) for k in keys}
    app.config["HARKOP_TEAM_IMPORT_BACKGROUND_ROWS"] = 3
    app.config["HARKOP_UPLOAD_DIR"] = str(tmp_path / "uploads")
    yield app.config
    app.config.update(previous)


def run_queue() -> ImportJob:
    """What the scheduler does: claim the next job and run it."""
    job = import_jobs.claim_next("scheduler-test")
    assert job is not None and job.kind == "team_import"
    return import_jobs.run_import_job(job, holder="scheduler-test")


def test_a_large_teams_file_is_queued_and_the_scheduler_registers_every_team(
    client, login_as, fake_now, registry, make_cooperative, background
):
    """Four teams: the page answers at once with the job's page (progress), nothing is written until
    the scheduler runs the job; then all four are registered and the page shows the report."""
    fake_now(BEFORE)
    comp = make_competition(make_event())
    coops = [make_cooperative() for _ in range(4)]
    login_as("admin")
    response = upload(client, xlsx_bytes(team_rows(comp, coops)), "besar.xlsx")
    assert response.status_code == 302
    job = db.session.scalar(select(ImportJob).where(ImportJob.kind == "team_import"))
    assert response.headers["Location"] == f"/admin/meja/impor/{job.id}"
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "data-import-job" in page and "<progress" in page
    assert client.get(f"/admin/meja/impor/{job.id}/status").get_json()["status"] == "queued"
    assert entries_of(comp) == 0

    done = run_queue()
    assert done.status == "done", done.error
    assert entries_of(comp) == 4
    status = client.get(f"/admin/meja/impor/{job.id}/status").get_json()
    assert status["status"] == "done" and status["percent"] == 100
    html = client.get(f"/admin/meja/impor/{job.id}").get_data(as_text=True)
    assert 'data-team-import-written="4"' in html and "data-import-job" not in html
    assert not import_jobs.output_path(done).exists(), "the upload is removed once imported"


def test_a_large_file_with_one_bad_row_writes_nothing_and_reports_row_and_column(
    client, login_as, fake_now, registry, make_cooperative, background
):
    """Row 4 has a bad phone: the job registers no team at all and its page names row 4, column
    HP_Peserta_1 and the Indonesian message, in the same table as the request's report."""
    fake_now(BEFORE)
    comp = make_competition(make_event())
    coops = [make_cooperative() for _ in range(4)]
    login_as("admin")
    response = upload(client, xlsx_bytes(team_rows(comp, coops, bad_row=4)), "salah.xlsx")
    job_id = int(response.headers["Location"].rsplit("/", 1)[1])
    done = run_queue()
    assert done.status == "done" and done.report["written"] == 0
    assert entries_of(comp) == 0
    assert db.session.scalar(select(func.count(Participant.id))) == 0
    assert [(e["row"], e["column"]) for e in done.report["errors"]] == [(4, "HP_Peserta_1")]
    html = client.get(f"/admin/meja/impor/{job_id}").get_data(as_text=True)
    assert "Berkas ditolak: tidak ada tim yang didaftarkan." in html
    assert '<td class="num">4</td><td>HP_Peserta_1</td>' in html and "Nomor HP tidak valid" in html


def test_the_row_cap_is_checked_before_parsing_for_a_background_sized_file(
    client, login_as, fake_now, registry, make_cooperative, background
):
    """Past HARKOP_IMPORT_MAX_ROWS the file is refused in the request (422, the limit named): no job,
    no entry; a small file over the cap is refused the same way."""
    fake_now(BEFORE)
    comp = make_competition(make_event())
    coops = [make_cooperative() for _ in range(5)]
    login_as("admin")
    background["HARKOP_IMPORT_MAX_ROWS"] = 4
    response = upload(client, xlsx_bytes(team_rows(comp, coops)), "terlalu-besar.xlsx")
    assert response.status_code == 422
    assert "paling banyak 4 baris" in response.get_data(as_text=True)
    background["HARKOP_IMPORT_MAX_ROWS"], background["HARKOP_TEAM_IMPORT_BACKGROUND_ROWS"] = 1, 100
    response = upload(client, xlsx_bytes(team_rows(comp, coops[:2])), "kecil.xlsx")
    assert response.status_code == 422 and "paling banyak 1 baris" in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count(ImportJob.id))) == 0 and entries_of(comp) == 0


def test_an_xlsx_inflating_past_the_limit_is_refused_before_parsing_and_never_queued(
    client, login_as, fake_now, registry, make_cooperative, background, monkeypatch
):
    """HARKOP_IMPORT_MAX_UNZIPPED_MB checked from the archive's table of contents: a background-sized
    XLSX over it is refused in the request (422), never parsed, no job queued."""
    from harkop.cooperatives import spreadsheet

    fake_now(BEFORE)
    comp = make_competition(make_event())
    coops = [make_cooperative() for _ in range(4)]
    login_as("admin")
    background["HARKOP_IMPORT_MAX_UNZIPPED_MB"] = 0

    def no_parsing(*args, **kwargs):
        raise AssertionError("the file was parsed")

    monkeypatch.setattr(spreadsheet, "_xlsx_rows", no_parsing)
    response = upload(client, xlsx_bytes(team_rows(comp, coops)), "bom.xlsx")
    assert response.status_code == 422
    assert "Berkas XLSX terlalu besar" in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count(ImportJob.id))) == 0 and entries_of(comp) == 0


def test_a_small_teams_file_still_runs_in_the_request(
    client, login_as, fake_now, registry, make_cooperative, background
):
    """Under the threshold: registered at once, no job."""
    fake_now(BEFORE)
    comp = make_competition(make_event())
    coops = [make_cooperative() for _ in range(2)]
    login_as("admin")
    assert upload(client, xlsx_bytes(team_rows(comp, coops)), "kecil.xlsx").status_code == 302
    assert entries_of(comp) == 2 and db.session.scalar(select(func.count(ImportJob.id))) == 0


@pytest.mark.parametrize(("teams", "said"), [(1, "1 team registered from"), (2, "2 teams registered from")])
def test_the_english_count_of_teams_registered_agrees_with_its_number(
    client, login_as, fake_now, registry, make_cooperative, background, teams, said
):
    """In English, one team is "1 team registered", two are "2 teams" (the message was not
    plural-aware and read "1 teams")."""
    fake_now(BEFORE)
    comp = make_competition(make_event())
    coops = [make_cooperative() for _ in range(teams)]
    login_as("admin")
    client.post("/bahasa", data={"lang": "en", "next": "/admin/meja"})
    response = upload(client, xlsx_bytes(team_rows(comp, coops)), "kecil.xlsx")
    assert response.status_code == 302
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert f"{said} kecil.xlsx." in page


def test_receive_teams_file_imports_a_small_file_queues_a_large_one_and_refuses_past_the_cap(
    fake_now, registry, make_cooperative, make_user, background, tmp_path
):
    """The service behind the page: under the threshold a report (teams written, no job); at it a
    queued job (nothing written yet); past HARKOP_IMPORT_MAX_ROWS a report naming the limit at row 0,
    with no job and nothing parsed into entries."""
    fake_now(BEFORE)
    comp = make_competition(make_event())
    coops = [make_cooperative() for _ in range(5)]
    clerk = make_user("admin")
    small, large = tmp_path / "kecil.xlsx", tmp_path / "besar.xlsx"
    small.write_bytes(xlsx_bytes(team_rows(comp, coops[:2])))
    large.write_bytes(xlsx_bytes(team_rows(comp, coops[2:])))

    received = desk.receive_teams_file(small, comp.event, filename="kecil.xlsx", by=clerk)
    assert received.job is None and received.report.written == 2 and entries_of(comp) == 2

    received = desk.receive_teams_file(large, comp.event, filename="besar.xlsx", by=clerk)
    assert received.report is None and received.job.kind == "team_import" and entries_of(comp) == 2

    background["HARKOP_IMPORT_MAX_ROWS"] = 1
    received = desk.receive_teams_file(large, comp.event, filename="besar.xlsx", by=clerk)
    assert received.job is None and received.report.written == 0
    assert [(e.row, "paling banyak 1 baris" in e.message) for e in received.report.errors] == [(0, True)]
    assert db.session.scalar(select(func.count(ImportJob.id))) == 1 and entries_of(comp) == 2


def test_a_teams_job_page_shows_only_teams_jobs(client, login_as, fake_now, background):
    """A registry import's job is not found on the teams job page, nor a teams job on the registry's."""
    fake_now(BEFORE)
    event = make_event()
    user = login_as("admin")
    source = io.BytesIO(xlsx_bytes([["Lomba"]]))
    path = import_jobs.imports_dir() / "src.xlsx"
    path.write_bytes(source.getvalue())
    team_job = desk.enqueue_team_import(path, event, filename="t.xlsx", fmt="xlsx", by=user)
    registry_job = import_jobs.enqueue_import(
        path, filename="k.xlsx", fmt="xlsx", dry_run=True, skip_invalid=False, by=user
    )
    db.session.commit()
    assert client.get(f"/admin/meja/impor/{registry_job.id}").status_code == 404
    assert client.get(f"/admin/meja/impor/{registry_job.id}/status").status_code == 404
    assert client.get(f"/admin/koperasi/impor/{team_job.id}").status_code == 404
    assert client.get(f"/admin/meja/impor/{team_job.id}").status_code == 200


def test_the_import_moves_progress_on_by_row(fake_now, registry, make_cooperative, tmp_path):
    """The progress the job page shows: its total is the file's rows, and every row moves it on."""
    from contextlib import contextmanager

    fake_now(BEFORE)
    comp = make_competition(make_event())
    coops = [make_cooperative() for _ in range(3)]
    path = tmp_path / "tim.xlsx"
    path.write_bytes(xlsx_bytes(team_rows(comp, coops)))
    seen = {}

    @contextmanager
    def progress(label, total):
        seen.update(label=label, total=total, done=0)

        class Bar:
            def update(self, n):
                seen["done"] += n

        yield Bar()

    report = desk.import_teams(path, comp.event, by="admin", progress=progress)
    assert report.written == 3
    assert seen == {"label": "Memeriksa dan mendaftarkan tim", "total": 3, "done": 3}


def test_a_queued_import_whose_event_is_gone_is_refused_not_failed(
    client, login_as, fake_now, registry, make_cooperative, background
):
    """The event deleted before the job runs: the job ends with a report saying so, nothing written."""
    fake_now(BEFORE)
    comp = make_competition(make_event())
    coops = [make_cooperative() for _ in range(3)]
    login_as("admin")
    upload(client, xlsx_bytes(team_rows(comp, coops)), "tim.xlsx")
    job = db.session.scalar(select(ImportJob).where(ImportJob.kind == "team_import"))
    job.report = {"event_id": -1}
    db.session.commit()
    done = run_queue()
    assert done.status == "done" and done.report["written"] == 0
    assert "Acara untuk impor ini sudah tidak ada" in done.report["errors"][0]["message"]
    assert entries_of(comp) == 0


def test_the_import_page_links_the_latest_background_imports(
    client, login_as, fake_now, registry, make_cooperative, background
):
    """After a background import the page lists it, so a clerk who closed its page finds it again."""
    fake_now(BEFORE)
    comp = make_competition(make_event())
    coops = [make_cooperative() for _ in range(3)]
    login_as("admin")
    response = upload(client, xlsx_bytes(team_rows(comp, coops)), "tim-latar.xlsx")
    run_queue()
    page = client.get("/admin/meja/impor").get_data(as_text=True)
    assert f'href="{response.headers["Location"]}">tim-latar.xlsx</a>' in page
    assert "3 tim didaftarkan" in page
