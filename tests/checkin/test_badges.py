"""Badges for judges, gate staff and the committee (issue 20): name, role, event and a QR of their own
staff pass, inside the page; the gate admits a badge once a day."""

from __future__ import annotations

from datetime import datetime, timedelta

import zxingcpp

from harkop import clock
from harkop.checkin import badges
from harkop.checkin.badges import StaffVerdict
from harkop.checkin.models import StaffCheckIn
from harkop.extensions import db
from tests.checkin import factories as f
from tests.pdfpages import read_pdf

ON_DAY = datetime(2024, 7, 26, 7, 45, tzinfo=clock.WITA)


def test_badges_show_name_role_and_event_inside_the_page_and_their_qr_is_the_staff_pass(make_user):
    """A judge, a gate officer and a committee member: A6 pages in that role order (committee, judge,
    staff), each with its words and a QR that decodes to HKS:<secret>; four per A4 fit one sheet."""
    event = f.make_event()
    judge = make_user("judge", display_name="Dr. Hj. Ratna Dewi Kusumawardhani")
    staff = make_user("checkin_staff", display_name="Rina Petugas")
    office = make_user("admin", display_name="Budi Panitia")
    people = [p for p in badges.badge_people() if p in (judge, staff, office)]
    assert people == [office, judge, staff]
    pages = read_pdf(badges.badges_pdf(people, event, layout="a6", now=ON_DAY))
    assert len(pages) == 3
    for page, person, word in zip(pages, people, ("PANITIA", "JURI", "PETUGAS"), strict=True):
        text = page.text
        assert word in text and event.name in text
        assert all(part in text for part in person.display_name.split())
        assert page.outside(margin=4) == []
        (qr,) = page.images
        decoded = zxingcpp.read_barcodes(qr.image)[0].text
        assert decoded == badges.payload(badges.pass_for(person, event)) and decoded.startswith("HKS:")
    sheet = read_pdf(badges.badges_pdf(people, event, layout="a4", now=ON_DAY))
    assert len(sheet) == 1 and len(sheet[0].images) == 3 and sheet[0].outside(margin=4) == []


def test_a_badge_checks_in_once_a_day_and_unknown_or_off_day_codes_are_refused(make_user):
    """First scan admits (with when), the second says already, the next day admits again; a made-up
    code is unknown; a day outside the event is refused; a revoked pass no longer admits."""
    event = f.make_event()
    person = make_user("judge")
    gate = make_user("checkin_staff")
    code = badges.payload(badges.pass_for(person, event, now=ON_DAY))
    first = badges.check_in_staff(code, by=gate, gate="Pintu Utara", now=ON_DAY)
    assert (first.verdict, first.person) == (StaffVerdict.checked_in, person) and first.admitted_at == ON_DAY
    again = badges.check_in_staff(code.lower().replace("hks:", ""), by=gate, now=ON_DAY + timedelta(hours=1))
    assert again.verdict == StaffVerdict.already and again.admitted_at == ON_DAY
    assert (
        badges.check_in_staff(code, by=gate, now=ON_DAY + timedelta(days=1)).verdict
        == StaffVerdict.checked_in
    )
    assert db.session.query(StaffCheckIn).count() == 2
    assert badges.check_in_staff("HKS:TIDAKADA", by=gate, now=ON_DAY).verdict == StaffVerdict.unknown
    late = ON_DAY + timedelta(days=10)
    assert badges.check_in_staff(code, by=gate, now=late).verdict == StaffVerdict.not_event_day
    badges.pass_for(person, event).revoked_at = ON_DAY
    assert badges.check_in_staff(code, by=gate, now=ON_DAY).verdict == StaffVerdict.revoked


def test_the_office_prints_badges_and_the_gate_admits_one_from_its_page(
    client, login_as, make_user, fake_now
):
    """/admin/lencana lists the people and links the PDFs; the judges' PDF holds only judges; on the
    staff check-in page a scanned code admits (200), a second time answers 409 "Sudah masuk"."""
    fake_now(ON_DAY.isoformat())
    event = f.make_event()
    judge = make_user("judge", display_name="Juri Halaman")
    db.session.commit()
    login_as("admin")
    page = client.get("/admin/lencana").get_data(as_text=True)
    assert "Juri Halaman" in page and "/admin/lencana.pdf?tata=a4" in page
    pdf = client.get("/admin/lencana.pdf?peran=judge&tata=a6")
    assert pdf.status_code == 200 and pdf.mimetype == "application/pdf"
    assert all("JURI" in p.text for p in read_pdf(pdf.data))
    code = badges.payload(badges.pass_for(judge, event))
    login_as("checkin_staff")
    first = client.post("/checkin/staf", data={"code": code, "gate": "Pintu Utara"})
    html = first.get_data(as_text=True)
    assert first.status_code == 200 and 'data-staff-verdict="checked_in"' in html and "Juri Halaman" in html
    second = client.post("/checkin/staf", data={"code": code})
    assert second.status_code == 409 and 'data-staff-verdict="already"' in second.get_data(as_text=True)
    assert client.post("/checkin/staf", data={"code": "salah"}).status_code == 409


# --- many badges at once (issue 20): one query for the passes, the background queue above the limit --


def test_issuing_the_passes_of_many_people_takes_the_same_statements_as_of_a_few(make_user):
    """passes_for looks the existing passes up in one query: for 2 people or 12 (half of them with a
    pass already), the same number of SELECTs."""
    from tests.querycount import counting_queries

    event = f.make_event()

    def selects_for(n: int) -> int:
        people = [make_user("judge") for _ in range(n)]
        badges.passes_for(people[: n // 2], event, now=ON_DAY)
        db.session.expire_all()
        people = [db.session.get(type(p), p.id) for p in people]
        with counting_queries() as statements:
            passes = badges.passes_for(people, event, now=ON_DAY)
        assert sorted(passes) == sorted(p.id for p in people)
        return len([s for s in statements if s.lstrip().upper().startswith("SELECT")])

    assert selects_for(2) == selects_for(12)


def test_many_badges_are_made_in_the_background_and_the_offer_issues_no_pass(
    client, login_as, make_user, fake_now, app, tmp_path
):
    """Above HARKOP_PRINT_BACKGROUND_ITEMS the badges' GET offers the job and issues no pass; the
    button queues it with the chosen roles and layout; the scheduler's run prints one A6 page per judge."""
    from sqlalchemy import func, select

    from harkop.checkin.models import StaffPass
    from harkop.cooperatives import import_jobs
    from harkop.cooperatives.models import ImportJob
    from tests.querycount import counting_queries, writes

    previous = app.config.get("HARKOP_UPLOAD_DIR"), app.config.get("HARKOP_PRINT_BACKGROUND_ITEMS")
    app.config["HARKOP_UPLOAD_DIR"] = str(tmp_path / "uploads")
    app.config["HARKOP_PRINT_BACKGROUND_ITEMS"] = 2
    try:
        fake_now(ON_DAY.isoformat())
        f.make_event()
        judges = [make_user("judge", display_name=f"Juri Banyak {n}") for n in range(3)]
        db.session.commit()
        login_as("admin")
        with counting_queries() as statements:
            offer = client.get("/admin/lencana.pdf?peran=judge&tata=a6")
        assert offer.status_code == 200 and "Buat PDF" in offer.get_data(as_text=True)
        assert writes(statements) == []
        assert db.session.scalar(select(func.count()).select_from(StaffPass)) == 0
        response = client.post("/admin/lencana.pdf?peran=judge&tata=a6")
        job = db.session.scalar(select(ImportJob).where(ImportJob.kind == badges.BADGES))
        assert response.headers["Location"] == f"/admin/cetak/{job.id}"
        assert job.report["params"]["roles"] == ["judge"]
        assert import_jobs.run_pending("scheduler-test") == 1
        download = client.get(f"/admin/cetak/{job.id}/unduh")
        pages = read_pdf(download.data)
        assert len(pages) == len(judges) and all("JURI" in p.text for p in pages)
    finally:
        app.config["HARKOP_UPLOAD_DIR"], app.config["HARKOP_PRINT_BACKGROUND_ITEMS"] = previous
