"""Import safety (issue 17, item 6): limits on inflated size and rows checked before parsing,
XML parsed by defusedxml, and large web imports as a background job with real progress."""

from __future__ import annotations

import io
import tracemalloc
import zipfile
from pathlib import Path

import openpyxl
import pytest
from openpyxl import Workbook
from sqlalchemy import select

from harkop.cooperatives import import_jobs
from harkop.cooperatives.importer import import_cooperatives
from harkop.cooperatives.models import Cooperative, ImportJob
from harkop.cooperatives.spreadsheet import ReadLimits, TooLarge, check_limits
from harkop.extensions import db

BOMB_MB = 150


def zip_bomb(path: Path, *, inflated_mb: int = BOMB_MB) -> Path:
    """A small XLSX whose shared strings inflate to `inflated_mb` MB (the issue's 151 KB file)."""
    plain = io.BytesIO()
    book = Workbook()
    book.active.append(["NIK", "Nama_Koperasi"])
    book.active.append(["6471000000000001", "Koperasi Bom"])
    book.save(plain)
    plain.seek(0)
    with (
        zipfile.ZipFile(plain) as source,
        zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as out,
    ):
        for item in source.infolist():
            if item.filename != "xl/sharedStrings.xml":
                out.writestr(item, source.read(item.filename))
        with out.open("xl/sharedStrings.xml", "w") as strings:
            strings.write(b'<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><si><t>')
            block = b"A" * (1 << 20)
            for _ in range(inflated_mb):
                strings.write(block)
            strings.write(b"</t></si></sst>")
    return path


def test_the_zip_bomb_is_refused_before_parsing_with_little_memory(tmp_path, monkeypatch):
    """Reproduction: a 151 KB XLSX whose shared strings expand to 150 MB grew a worker by 461 MB.
    Is it refused from its table of contents, without openpyxl opening it, using well under 100 MB?"""
    bomb = zip_bomb(tmp_path / "bom.xlsx")
    assert bomb.stat().st_size < 400_000

    def never(*args, **kwargs):
        raise AssertionError("the workbook was parsed")

    monkeypatch.setattr(openpyxl, "load_workbook", never)
    tracemalloc.start()
    try:
        report = import_cooperatives(bomb, by="test")
        _current, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert report.rejected and not report.written
    assert "terlalu besar" in report.errors[0].message
    assert peak < 100 * 1024 * 1024


def test_the_web_import_refuses_the_bomb_with_a_coded_answer(client, login_as, tmp_path):
    """The office's upload of the bomb gets the import page with the refusal (422), nothing saved."""
    login_as("admin")
    bomb = zip_bomb(tmp_path / "bom.xlsx").read_bytes()
    response = client.post(
        "/admin/koperasi/impor",
        data={"file": (io.BytesIO(bomb), "bom.xlsx")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 422 and "terlalu besar" in response.get_data(as_text=True)
    assert db.session.scalar(select(ImportJob)) is None


def test_the_inflated_size_limit_is_configurable(tmp_path):
    """An ordinary workbook passes the default limits and is refused under a tiny size limit."""
    path = tmp_path / "kecil.xlsx"
    book = Workbook()
    book.active.append(["NIK", "Nama_Koperasi"])
    book.save(path)
    assert check_limits(path, None, ReadLimits()) == 0
    with pytest.raises(TooLarge):
        check_limits(path, None, ReadLimits(max_bytes=1000))


def test_rows_over_the_limit_are_refused_before_parsing(tmp_path):
    """A CSV with more rows than allowed is refused from its line count, before any row is read."""
    path = tmp_path / "banyak.csv"
    path.write_text("NIK,Nama_Koperasi\n" + "".join(f"64710000{i:08d},Koperasi {i}\n" for i in range(50)))
    report = import_cooperatives(path, by="test", limits=ReadLimits(max_rows=10))
    assert report.rejected and "paling banyak 10 baris" in report.errors[0].message


def test_rows_past_the_limit_stop_the_reader_whatever_the_file_declared():
    """Reading stops with a refusal past the row limit, even if a file's declared size was small."""
    from harkop.cooperatives.spreadsheet import cap_rows

    rows = ((n, ["6471", "x"]) for n in range(2, 100))
    with pytest.raises(TooLarge, match="lebih dari 10 baris"):
        list(cap_rows(rows, 10))
    assert len(list(cap_rows(((n, []) for n in range(10)), 10))) == 10


def test_openpyxl_parses_through_defusedxml():
    """Is defusedxml installed and used by openpyxl (entity expansion and external entities refused)?"""
    import openpyxl.xml

    assert openpyxl.xml.DEFUSEDXML is True


# --- Background imports -------------------------------------------------------------------------------


def _csv(rows: int) -> bytes:
    lines = ["NIK,Nama_Koperasi"] + [f"64719{i:011d},Koperasi Latar {i}" for i in range(rows)]
    return ("\n".join(lines) + "\n").encode()


@pytest.fixture
def background(app, tmp_path):
    """Every file of 5 rows or more goes to the background; uploads in the test's folder."""
    previous = app.config["HARKOP_IMPORT_BACKGROUND_ROWS"], app.config.get("HARKOP_UPLOAD_DIR")
    app.config["HARKOP_IMPORT_BACKGROUND_ROWS"] = 5
    app.config["HARKOP_UPLOAD_DIR"] = str(tmp_path / "uploads")
    yield
    app.config["HARKOP_IMPORT_BACKGROUND_ROWS"], app.config["HARKOP_UPLOAD_DIR"] = previous


def test_a_large_web_import_is_queued_and_the_scheduler_runs_it(client, login_as, background):
    """A large upload answers at once with a page that follows the job; the scheduler's run
    imports it, and the status the page polls goes from queued to done with the report."""
    login_as("admin")
    response = client.post(
        "/admin/koperasi/impor",
        data={"file": (io.BytesIO(_csv(40)), "besar.csv")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 302
    job = db.session.scalar(select(ImportJob))
    assert response.headers["Location"] == f"/admin/koperasi/impor/{job.id}"
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "data-import-job" in page and "<progress" in page
    assert client.get(f"/admin/koperasi/impor/{job.id}/status").get_json()["status"] == "queued"
    assert db.session.scalar(select(Cooperative).where(Cooperative.name == "Koperasi Latar 1")) is None

    assert import_jobs.run_pending("scheduler-test") == 1
    status = client.get(f"/admin/koperasi/impor/{job.id}/status").get_json()
    assert status["status"] == "done" and status["percent"] == 100
    assert db.session.scalar(select(Cooperative).where(Cooperative.name == "Koperasi Latar 39")) is not None
    done = client.get(f"/admin/koperasi/impor/{job.id}").get_data(as_text=True)
    assert "40 baris: 40 valid" in done


def test_the_progress_bar_reads_real_progress(app, background, make_user):
    """While a job runs, its progress file says the phase and how many rows are done."""
    from harkop.cooperatives.import_jobs import job_status, progress_writer

    source = Path(app.config["HARKOP_UPLOAD_DIR"]) / "src.csv"
    source.parent.mkdir(parents=True, exist_ok=True)
    source.write_bytes(_csv(10))
    job = import_jobs.enqueue_import(
        source, filename="x.csv", fmt="csv", dry_run=True, skip_invalid=False, by=None
    )
    job.status = "running"
    factory = progress_writer(job)
    with factory("Memeriksa", 10) as bar:
        bar.update(4)
        import time

        time.sleep(0.6)
        bar.update(1)
        assert job_status(job) | {"id": 0} == {
            "id": 0,
            "status": "running",
            "phase": "Memeriksa",
            "done": 5,
            "total": 10,
            "percent": 50,
        }


def test_a_job_left_running_by_a_dead_scheduler_is_run_again(app, background):
    """A job whose scheduler died mid-import (stale progress) is queued again and runs."""
    from datetime import timedelta

    from harkop import clock

    source = Path(app.config["HARKOP_UPLOAD_DIR"]) / "src.csv"
    source.parent.mkdir(parents=True, exist_ok=True)
    source.write_bytes(_csv(6))
    job = import_jobs.enqueue_import(
        source, filename="x.csv", fmt="csv", dry_run=False, skip_invalid=False, by=None
    )
    job.status, job.holder = "running", "dead-scheduler"
    job.started_at = clock.now() - timedelta(hours=1)
    db.session.commit()
    assert import_jobs.run_pending("new-leader") == 1
    db.session.refresh(job)
    assert job.status == "done" and job.report["created"] == 6


def test_a_small_web_import_still_runs_in_the_request(client, login_as):
    """Below the threshold the page imports at once, as before."""
    login_as("admin")
    response = client.post(
        "/admin/koperasi/impor",
        data={"file": (io.BytesIO(_csv(3)), "kecil.csv")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 200 and "Disimpan" in response.get_data(as_text=True)
    assert db.session.scalar(select(ImportJob)) is None
