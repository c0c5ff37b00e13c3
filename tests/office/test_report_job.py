"""Issue 21: the office makes the inactive-cooperatives report and this year's letters from the
reports page, as a background job of the import queue (progress, then a download), with no
command line on the page."""

from __future__ import annotations

import io
import zipfile

import pytest
from sqlalchemy import select

from harkop.cooperatives import import_jobs
from harkop.cooperatives.models import ImportJob
from harkop.extensions import db


@pytest.fixture
def uploads(app, tmp_path):
    """Job files in the test's own folder."""
    previous = app.config.get("HARKOP_UPLOAD_DIR")
    app.config["HARKOP_UPLOAD_DIR"] = str(tmp_path / "uploads")
    yield
    app.config["HARKOP_UPLOAD_DIR"] = previous


def test_reports_page_has_no_command_line(client, login_as):
    """The page offers the package as a button, never `flask …`."""
    login_as("admin")
    html = client.get("/admin/laporan").get_data(as_text=True)
    assert "flask --app" not in html and "report-inactive" not in html
    assert 'action="/admin/laporan/buat"' in html


def test_the_report_package_is_queued_run_by_the_scheduler_and_downloaded(
    client, login_as, make_cooperative, uploads
):
    """Pressing the button queues a job and leads to its progress page; the scheduler's run makes
    the ZIP (XLSX, PDF); the page then offers the download, and the status says done."""
    login_as("admin")
    make_cooperative(name="Koperasi Tidur")
    db.session.flush()
    response = client.post("/admin/laporan/buat")
    assert response.status_code == 302
    job = db.session.scalar(select(ImportJob).where(ImportJob.kind == "inactive_report"))
    assert response.headers["Location"] == f"/admin/laporan/tugas/{job.id}"
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "data-import-job" in page and "<progress" in page
    assert client.get(f"/admin/laporan/tugas/{job.id}/status").get_json()["status"] == "queued"
    assert client.get(f"/admin/laporan/tugas/{job.id}/unduh").status_code == 404, "nothing to download yet"

    assert import_jobs.run_pending("scheduler-test") == 1
    status = client.get(f"/admin/laporan/tugas/{job.id}/status").get_json()
    assert status["status"] == "done" and status["percent"] == 100
    done = client.get(f"/admin/laporan/tugas/{job.id}").get_data(as_text=True)
    assert f"/admin/laporan/tugas/{job.id}/unduh" in done
    download = client.get(f"/admin/laporan/tugas/{job.id}/unduh")
    assert download.status_code == 200 and download.mimetype == "application/zip"
    names = zipfile.ZipFile(io.BytesIO(download.data)).namelist()
    assert any(n.endswith(".xlsx") for n in names) and any(n.endswith(".pdf") for n in names)


def test_an_import_job_page_does_not_show_a_report_job_and_back(client, login_as, uploads):
    """Each page shows only its own kind of job."""
    from harkop.office.reports import enqueue_inactive_report

    user = login_as("admin")
    job = enqueue_inactive_report(by=user)
    db.session.commit()
    assert client.get(f"/admin/koperasi/impor/{job.id}").status_code == 404
    assert client.get(f"/admin/laporan/tugas/{job.id}").status_code == 200


def test_a_job_of_another_kind_or_one_not_done_is_a_coded_404(client, login_as, uploads):
    """One rule for every job page: a job asked for under another kind's address is `job_not_found`,
    a download before the job is done is `job_output_not_ready`, both 404 in the error envelope."""
    login_as("admin")
    assert client.post("/admin/laporan/buat").status_code == 302
    job = db.session.scalar(select(ImportJob).where(ImportJob.kind == "inactive_report"))
    wrong_kind = client.get(f"/admin/cetak/{job.id}/status", headers={"Accept": "application/json"})
    assert wrong_kind.status_code == 404
    assert wrong_kind.get_json()["error"]["code"] == "job_not_found"
    missing = client.get(
        f"/admin/laporan/tugas/{job.id + 1000}/status", headers={"Accept": "application/json"}
    )
    assert missing.status_code == 404 and missing.get_json()["error"]["code"] == "job_not_found"
    early = client.get(f"/admin/laporan/tugas/{job.id}/unduh", headers={"Accept": "application/json"})
    assert early.status_code == 404 and early.get_json()["error"]["code"] == "job_output_not_ready"
    page = client.get(f"/admin/laporan/tugas/{job.id}/unduh")
    assert page.status_code == 404 and "Berkas tugas ini belum siap." in page.get_data(as_text=True)


def test_the_daily_purge_removes_old_job_files_and_keeps_waiting_jobs_and_fresh_files(
    client, login_as, uploads
):
    """HARKOP_JOB_FILES_DAYS (14): a finished package older than that goes with its progress file,
    and so does a stray file nobody refers to; a package made today stays, and so does a queued
    job's upload however old. The purge runs as the scheduler's `purge_job_files` job."""
    import os
    import time

    from harkop import jobs
    from harkop.office.reports import enqueue_inactive_report
    from harkop.scheduler import find_job

    user = login_as("admin")
    old_job, fresh_job = enqueue_inactive_report(by=user), enqueue_inactive_report(by=user)
    db.session.commit()
    assert import_jobs.run_pending("scheduler-test") == 2
    waiting = enqueue_inactive_report(by=user)
    db.session.commit()
    folder = import_jobs.imports_dir()
    waiting_upload = import_jobs.output_path(waiting)
    waiting_upload.write_bytes(b"upload")
    waiting_progress = folder / f"{waiting.id}.progress.json"
    waiting_progress.write_text("{}")
    stray = folder / "stray.xlsx"
    stray.write_bytes(b"x")
    old_progress = folder / f"{old_job.id}.progress.json"
    assert old_progress.exists()
    old = time.time() - 15 * 86400
    for path in (import_jobs.output_path(old_job), old_progress, waiting_upload, waiting_progress, stray):
        os.utime(path, (old, old))

    run = jobs.run_job(find_job("purge_job_files"))
    assert run.outcome == jobs.OUTCOME_OK
    assert not import_jobs.output_path(old_job).exists() and not old_progress.exists() and not stray.exists()
    assert import_jobs.output_path(fresh_job).exists()
    assert waiting_upload.exists() and waiting_progress.exists()
    page = client.get(f"/admin/laporan/tugas/{old_job.id}").get_data(as_text=True)
    assert "data-job-file-removed" in page and f"/admin/laporan/tugas/{old_job.id}/unduh" not in page
    kept = client.get(f"/admin/laporan/tugas/{fresh_job.id}").get_data(as_text=True)
    assert f"/admin/laporan/tugas/{fresh_job.id}/unduh" in kept
