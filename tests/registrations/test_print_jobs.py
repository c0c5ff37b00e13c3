"""Bulk PDFs in the background (issue 20): a competition's tickets load in a constant number of
statements; more than HARKOP_PRINT_BACKGROUND_ITEMS cards are made by the scheduler's queue, the
link's GET only offers it (and writes nothing), its POST queues the job, whose page shows the
progress in cards and then the download."""

from __future__ import annotations

import math

import pytest
from sqlalchemy import func, select

from harkop.cooperatives import import_jobs
from harkop.cooperatives.models import ImportJob
from harkop.extensions import db
from harkop.registrations import print_jobs, services, tickets
from tests.competitions.factories import make_competition, make_entry
from tests.pdfpages import read_pdf
from tests.querycount import counting_queries, writes

LIMIT = 5


@pytest.fixture
def uploads(app, tmp_path):
    """Job files in the test's own folder, and a low threshold (LIMIT cards)."""
    previous = app.config.get("HARKOP_UPLOAD_DIR"), app.config.get("HARKOP_PRINT_BACKGROUND_ITEMS")
    app.config["HARKOP_UPLOAD_DIR"] = str(tmp_path / "uploads")
    app.config["HARKOP_PRINT_BACKGROUND_ITEMS"] = LIMIT
    yield
    app.config["HARKOP_UPLOAD_DIR"], app.config["HARKOP_PRINT_BACKGROUND_ITEMS"] = previous


def competition_with_tickets(make_cooperative, teams: int, people: int = 2):
    """A competition of `teams` confirmed entries (each its own cooperative) of `people` each."""
    comp = make_competition(name="Lomba Cerdas Cermat Koperasi")
    for n in range(teams):
        make_entry(comp, make_cooperative(name=f"Koperasi Cetak {n}").id, n=people, team=f"Tim {n}")
    db.session.commit()
    return comp


def jobs_count() -> int:
    return db.session.scalar(select(func.count()).select_from(ImportJob))


def test_a_competitions_tickets_load_in_the_same_number_of_statements_whatever_their_number(
    make_cooperative,
):
    """Loading the tickets and drawing every card: three tickets or thirty, the same statements
    (participant, entry, cooperative, competition, its days and event come with the tickets)."""

    def statements_for(comp) -> int:
        db.session.expire_all()
        with counting_queries() as statements:
            items = services.printable_tickets(competition_id=comp.id)
            tickets.tickets_pdf(items, title="Tiket", layout="a4")
        return len(statements)

    small = competition_with_tickets(make_cooperative, teams=1, people=3)
    large = competition_with_tickets(make_cooperative, teams=10, people=3)
    assert services.count_printable_tickets(competition_id=large.id) == 30
    assert statements_for(small) == statements_for(large)


@pytest.mark.parametrize(("layout", "per_page"), [("a6", 1), ("a4", 4)])
def test_the_runner_prints_every_ticket_with_the_right_page_count(
    make_cooperative, make_user, uploads, layout, per_page
):
    """A queued job of 14 tickets, run as the scheduler runs it: 14 A6 pages or 4 A4 sheets, every
    ticket's code on them; the report counts the cards drawn."""
    comp = competition_with_tickets(make_cooperative, teams=7)
    job = print_jobs.enqueue_print(
        print_jobs.TICKETS,
        params={"competition_id": comp.id, "layout": layout},
        cards=14,
        filename="tiket.pdf",
        by=make_user("admin"),
    )
    db.session.commit()
    assert import_jobs.run_pending("scheduler-test") == 1
    job = db.session.get(ImportJob, job.id)
    assert job.status == "done" and job.report["cards"] == 14
    pages = read_pdf(import_jobs.output_path(job).read_bytes())
    assert len(pages) == math.ceil(14 / per_page)
    text = "\n".join(p.text for p in pages)
    for ticket in services.printable_tickets(competition_id=comp.id):
        assert tickets.grouped(ticket.secret) in text


def test_a_few_tickets_still_download_at_once(client, login_as, make_cooperative, uploads):
    """LIMIT tickets or fewer: the link answers with the PDF, no job."""
    comp = competition_with_tickets(make_cooperative, teams=2)  # 4 tickets
    login_as("admin")
    response = client.get(f"/admin/lomba/{comp.id}/tiket.pdf?tata=a6")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    assert len(read_pdf(response.data)) == 4 and jobs_count() == 0


def test_many_tickets_are_offered_as_a_job_and_the_get_writes_nothing(
    client, login_as, make_cooperative, uploads
):
    """More than LIMIT tickets: the GET answers a page with a "Buat PDF" button posting to the same
    link (with its layout), and runs no INSERT, UPDATE or DELETE."""
    comp = competition_with_tickets(make_cooperative, teams=3)  # 6 tickets
    login_as("admin")
    with counting_queries() as statements:
        response = client.get(f"/admin/lomba/{comp.id}/tiket.pdf?tata=a4")
    assert response.status_code == 200 and response.mimetype == "text/html"
    html = response.get_data(as_text=True)
    assert f'action="/admin/lomba/{comp.id}/tiket.pdf?tata=a4"' in html and "Buat PDF" in html
    assert 'name="csrf_token"' in html or "csrf" in html
    assert writes(statements) == [] and jobs_count() == 0


def test_the_button_queues_the_job_whose_page_shows_progress_then_the_download(
    client, login_as, make_cooperative, uploads
):
    """POST → a queued job and its page (progress in cards); the scheduler runs it; the page then
    offers the PDF (4 tickets to a sheet: 2 sheets), and the recent jobs list it."""
    comp = competition_with_tickets(make_cooperative, teams=4)  # 8 tickets
    login_as("admin")
    response = client.post(f"/admin/lomba/{comp.id}/tiket.pdf?tata=a4")
    assert response.status_code == 302
    job = db.session.scalar(select(ImportJob).where(ImportJob.kind == print_jobs.TICKETS))
    assert response.headers["Location"] == f"/admin/cetak/{job.id}"
    assert job.report["params"] == {"competition_id": comp.id, "layout": "a4"} and job.report["cards"] == 8
    page = client.get(f"/admin/cetak/{job.id}").get_data(as_text=True)
    assert "data-import-job" in page and "<progress" in page and "kartu" in page
    status = client.get(f"/admin/cetak/{job.id}/status").get_json()
    assert status["status"] == "queued"
    assert client.get(f"/admin/cetak/{job.id}/unduh").status_code == 404, "nothing to download yet"

    assert import_jobs.run_pending("scheduler-test") == 1
    status = client.get(f"/admin/cetak/{job.id}/status").get_json()
    assert status["status"] == "done" and status["percent"] == 100
    done = client.get(f"/admin/cetak/{job.id}").get_data(as_text=True)
    assert "PDF selesai: 8 kartu." in done and f"/admin/cetak/{job.id}/unduh" in done
    download = client.get(f"/admin/cetak/{job.id}/unduh")
    assert download.status_code == 200 and download.mimetype == "application/pdf"
    assert f"tiket-{comp.slug}-a4.pdf" in download.headers["Content-Disposition"]
    assert len(read_pdf(download.data)) == 2
    # The offer page of the same competition now lists the finished job with its download.
    offer = client.get(f"/admin/lomba/{comp.id}/tiket.pdf").get_data(as_text=True)
    assert f"/admin/cetak/{job.id}/unduh" in offer


def test_progress_counts_cards(make_cooperative, make_user, uploads):
    """The progress file the page polls counts the cards drawn, out of the job's cards."""
    comp = competition_with_tickets(make_cooperative, teams=3)
    job = print_jobs.enqueue_print(
        print_jobs.TICKETS,
        params={"competition_id": comp.id},
        cards=6,
        filename="t.pdf",
        by=make_user("admin"),
    )
    db.session.commit()
    seen = []
    factory = import_jobs.progress_writer(job)

    def watching(label, length):
        seen.append(("start", length))
        return factory(label, length)

    print_jobs.run_print_job(job, watching)
    assert seen == [("start", 6)]
    progress = import_jobs.read_progress(job)
    assert progress["done"] == 6 and progress["total"] == 6


def test_a_failed_job_says_so_in_indonesian_and_offers_no_file(client, login_as, make_cooperative, uploads):
    """A job whose competition is gone fails; its page says so in Indonesian, without the traceback."""
    login_as("admin")
    job = print_jobs.enqueue_print(
        print_jobs.TICKETS, params={"competition_id": 999999}, cards=70, filename="t.pdf", by=None
    )
    db.session.commit()
    assert import_jobs.run_pending("scheduler-test") == 1
    page = client.get(f"/admin/cetak/{job.id}").get_data(as_text=True)
    assert "Pembuatan PDF gagal" in page and "Traceback" not in page
    assert client.get(f"/admin/cetak/{job.id}/unduh").status_code == 404


def test_the_print_pages_show_only_print_jobs(client, login_as, uploads):
    """A report package job is not a print job: its id is not found on the print pages."""
    from harkop.office.reports import enqueue_inactive_report

    job = enqueue_inactive_report(by=login_as("admin"))
    db.session.commit()
    assert client.get(f"/admin/cetak/{job.id}").status_code == 404
    assert client.get(f"/admin/cetak/{job.id}/status").status_code == 404


def test_a_print_pdf_past_its_keeping_days_is_removed_and_the_pages_say_so(
    client, login_as, make_cooperative, uploads
):
    """The daily purge removes a finished print job's PDF older than HARKOP_JOB_FILES_DAYS: the job's
    page and the recent list no longer offer the download but say the file was removed, and the
    download is a coded 404."""
    import os
    import time

    comp = competition_with_tickets(make_cooperative, teams=4)
    login_as("admin")
    client.post(f"/admin/lomba/{comp.id}/tiket.pdf?tata=a4")
    assert import_jobs.run_pending("scheduler-test") == 1
    job = db.session.scalar(select(ImportJob).where(ImportJob.kind == print_jobs.TICKETS))
    pdf = import_jobs.output_path(job)
    old = time.time() - 15 * 86400
    os.utime(pdf, (old, old))

    assert import_jobs.purge_job_files()["files"] == 1
    assert not pdf.exists()
    page = client.get(f"/admin/cetak/{job.id}").get_data(as_text=True)
    assert "data-job-file-removed" in page and "disimpan 14 hari" in page
    assert f"/admin/cetak/{job.id}/unduh" not in page and "Berkas sudah dihapus" in page
    gone = client.get(f"/admin/cetak/{job.id}/unduh", headers={"Accept": "application/json"})
    assert gone.status_code == 404 and gone.get_json()["error"]["code"] == "job_output_removed"
