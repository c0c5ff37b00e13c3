"""Office workflow pages: the pengurus' proposal form (with uploads), the review queue, field checks,
the progress and missing lists, the register of letters and the report downloads."""

from __future__ import annotations

import re
from datetime import date
from io import BytesIO

import pytest
from openpyxl import load_workbook
from sqlalchemy import func, select

from harkop.cooperatives import services
from harkop.cooperatives.models import Cooperative, RatRecord
from harkop.extensions import db
from harkop.office import letters, rounds
from harkop.office.models import FieldCheck, LetterStatus, ProposalStatus, UpdateProposal, WarningLetter
from tests.office.conftest import NOW, PDF, PNG, pdf_text, upload


def form_data(rep, **extra) -> dict:
    """The proposal form as a browser sends it unchanged (prefilled with the registry's values)."""
    coop = own_coop(rep)
    return {"name": coop.name, "kecamatan_code": coop.kecamatan_code or "", "note": "", **extra}


def rat_form(rep, file=None, **extra) -> dict:
    """The proposal form with a RAT for book year 2023 and its minutes."""
    rat = {"rat_book_year": "2023", "rat_held_on": "2024-05-02", "rat_notes": "80 anggota hadir"}
    data = form_data(rep, **{**rat, **extra})
    data["minutes"] = file if file is not None else upload()
    return data


def own_coop(rep) -> Cooperative:
    """The pengurus' cooperative."""
    return db.session.get(Cooperative, rep.cooperative_id)


def proposal_count() -> int:
    """How many proposals exist."""
    return db.session.scalar(select(func.count()).select_from(UpdateProposal))


# --- The pengurus --------------------------------------------------------------------------------


def test_the_form_is_prefilled_with_the_registry(client, login_as, rep, frozen):
    """The pengurus sees their cooperative's current name and kecamatan in the form."""
    login_as(rep)
    page = client.get("/koperasi-saya/pemutakhiran/baru")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert own_coop(rep).name in html
    assert '<option selected value="balikpapan_kota">' in html
    assert 'enctype="multipart/form-data"' in html


def test_pengurus_submits_a_rat_with_minutes(client, login_as, rep, frozen, upload_dir):
    """A RAT with its PDF minutes becomes a pending proposal; the pengurus lands on it."""
    login_as(rep)
    data = rat_form(rep)
    response = client.post("/koperasi-saya/pemutakhiran/baru", data=data, content_type="multipart/form-data")
    assert response.status_code == 302
    proposal = db.session.scalar(select(UpdateProposal))
    assert response.headers["Location"].endswith(f"/koperasi-saya/pemutakhiran/{proposal.id}")
    assert proposal.changes == {
        "rat": {"book_year": 2023, "held_on": "2024-05-02", "notes": "80 anggota hadir"}
    }
    assert proposal.minutes_file and (upload_dir / "rat-minutes" / proposal.minutes_file).is_file()
    page = client.get(f"/koperasi-saya/pemutakhiran/{proposal.id}")
    assert "Menunggu pemeriksaan Dinas" in page.get_data(as_text=True)


def officer_row(n: int, **values: str) -> dict:
    """One officer row of the proposal form as the browser posts it (officers-N-part)."""
    return {f"officers-{n}-{part}": value for part, value in values.items()}


def test_the_form_has_three_officer_rows(client, login_as, rep, frozen):
    """Does the form show three labelled officer rows, named officers-0-… to officers-2-…?"""
    login_as(rep)
    html = client.get("/koperasi-saya/pemutakhiran/baru").get_data(as_text=True)
    assert html.count('class="officer-row"') == 3
    for n in range(3):
        assert f'aria-label="Pengurus {n + 1}"' in html
        for part in ("position", "name", "phone", "term_start", "term_end"):
            assert f'name="officers-{n}-{part}"' in html and f'<label for="officers-{n}-{part}"' in html
    assert 'name="officers-3-name"' not in html


def test_pengurus_proposes_new_officers_and_blank_rows_are_not_sent(client, login_as, rep, frozen):
    """Are the filled officer rows (the first and the third) sent in order, and the blank one left out?"""
    login_as(rep)
    data = form_data(
        rep,
        **officer_row(
            0, position="ketua", name="  Hj. Siti  Aminah ", phone="0812 555", term_start="2024-06-01"
        ),
        **officer_row(1, position="", name="", phone="", term_start="", term_end=""),
        **officer_row(2, position="bendahara", name="Rudi", term_start="2024-06-01", term_end="2029-05-31"),
    )
    response = client.post("/koperasi-saya/pemutakhiran/baru", data=data)
    assert response.status_code == 302, response.get_data(as_text=True)
    proposal = db.session.scalar(select(UpdateProposal))
    assert proposal.changes["officers"] == [
        {"position": "ketua", "name": "Hj. Siti Aminah", "phone": "0812 555", "term_start": "2024-06-01",
         "term_end": None},
        {"position": "bendahara", "name": "Rudi", "phone": None, "term_start": "2024-06-01",
         "term_end": "2029-05-31"},
    ]  # fmt: skip


def test_a_bad_officer_row_is_refused_with_the_error_in_that_row(client, login_as, rep, frozen):
    """Does a row without a name get 422 with the message next to that row's name, keeping what was typed?"""
    login_as(rep)
    data = form_data(
        rep,
        **officer_row(0, position="ketua", name="Siti", term_start="2024-06-01"),
        **officer_row(2, position="sekretaris", name="", phone="0813 777", term_start="2024-06-01"),
    )
    response = client.post("/koperasi-saya/pemutakhiran/baru", data=data)
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert '<p class="error" id="officers-2-name-error">Nama pengurus wajib diisi.</p>' in html
    assert 'aria-invalid="true"' in html and 'id="officers-0-name-error"' not in html
    assert 'name="officers-2-phone" type="text" value="0813 777"' in html
    assert proposal_count() == 0


@pytest.mark.parametrize(
    "file, message",
    [
        (upload(b"MZ\x90\x00", "ba.pdf"), "Isi berkas bukan PDF, JPEG atau PNG"),
        (upload(PDF, "ba.docx"), "Berkas harus berupa PDF, JPEG atau PNG"),
        (upload(PNG, "ba.pdf"), "Isi berkas bukan PDF, JPEG atau PNG"),
        (upload(PDF, "../../etc/passwd.pdf"), "Nama berkas tidak diterima"),
        (upload(PDF, "a/b.pdf"), "Nama berkas tidak diterima"),
        (upload(PDF, "..\\boot.pdf"), "Nama berkas tidak diterima"),
    ],
)
def test_bad_uploads_are_refused_with_an_indonesian_message(
    client, login_as, rep, frozen, upload_dir, file, message
):
    """Wrong type or crafted name: 422, the message next to the field, no proposal, no file."""
    login_as(rep)
    response = client.post(
        "/koperasi-saya/pemutakhiran/baru", data=rat_form(rep, file), content_type="multipart/form-data"
    )
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    assert proposal_count() == 0
    assert not any(p.is_file() for p in upload_dir.rglob("*"))


def test_an_upload_over_the_limit_is_refused(app, client, login_as, rep, frozen, upload_dir):
    """A file over HARKOP_MINUTES_MAX_BYTES is refused with the limit in the message."""
    login_as(rep)
    previous = app.config["HARKOP_MINUTES_MAX_BYTES"]
    app.config["HARKOP_MINUTES_MAX_BYTES"] = 1024 * 1024
    try:
        big = upload(PDF + b"0" * (1024 * 1024), "besar.pdf")
        response = client.post(
            "/koperasi-saya/pemutakhiran/baru", data=rat_form(rep, big), content_type="multipart/form-data"
        )
    finally:
        app.config["HARKOP_MINUTES_MAX_BYTES"] = previous
    assert response.status_code == 422
    assert "Berkas terlalu besar: paling besar 1 MB." in response.get_data(as_text=True)
    assert proposal_count() == 0 and not any(p.is_file() for p in upload_dir.rglob("*"))


def test_a_request_over_the_servers_limit_gets_a_clear_413(app, client, login_as, rep, frozen):
    """A body over MAX_CONTENT_LENGTH is cut off by the server with an Indonesian message."""
    login_as(rep)
    previous = app.config["MAX_CONTENT_LENGTH"]
    app.config["MAX_CONTENT_LENGTH"] = 10_000
    try:
        response = client.post(
            "/koperasi-saya/pemutakhiran/baru",
            data=rat_form(rep, upload(PDF + b"0" * 20_000)),
            content_type="multipart/form-data",
        )
    finally:
        app.config["MAX_CONTENT_LENGTH"] = previous
    assert response.status_code == 413
    assert "Berkas terlalu besar" in response.get_data(as_text=True)


def test_errors_of_the_service_land_next_to_their_fields(client, login_as, rep, frozen):
    """A RAT dated before its book year ended is shown at the date field; nothing is stored."""
    login_as(rep)
    data = rat_form(rep, rat_held_on="2023-11-01")
    response = client.post("/koperasi-saya/pemutakhiran/baru", data=data, content_type="multipart/form-data")
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert 'id="rat_held_on-error"' in html and "setelah tahun buku berakhir" in html
    assert proposal_count() == 0


def test_an_empty_proposal_says_what_to_do(client, login_as, rep, frozen):
    """Submitting the unchanged form asks for a change, a RAT or a confirmation."""
    login_as(rep)
    response = client.post(
        "/koperasi-saya/pemutakhiran/baru",
        data=form_data(rep),
        content_type="multipart/form-data",
    )
    assert response.status_code == 422
    assert "Usulan kosong" in response.get_data(as_text=True)


def submitted(rep, **data) -> UpdateProposal:
    """A pending proposal of the pengurus' cooperative."""
    proposal = rounds.submit_proposal(own_coop(rep), data or {"confirm": ["identitas"]}, by=rep, now=NOW)
    db.session.commit()
    return proposal


def with_minutes(rep) -> UpdateProposal:
    """A pending proposal with a RAT and its minutes file."""
    proposal = rounds.submit_proposal(
        own_coop(rep),
        {"rat": {"book_year": 2023, "held_on": "2024-05-02"}},
        minutes=rounds.Upload(BytesIO(PDF), "ba.pdf"),
        by=rep,
        now=NOW,
    )
    db.session.commit()
    return proposal


def test_a_pengurus_cannot_open_another_cooperatives_proposal(client, login_as, rep, make_user):
    """Another cooperative's pengurus gets 404 on its page and on its minutes, and an empty list."""
    proposal = with_minutes(rep)
    stranger = make_user("coop_rep")
    login_as(stranger)
    assert client.get(f"/koperasi-saya/pemutakhiran/{proposal.id}").status_code == 404
    assert client.get(f"/pemutakhiran/{proposal.id}/berita-acara").status_code == 404
    listing = client.get("/koperasi-saya/pemutakhiran").get_data(as_text=True)
    assert f"Usulan #{proposal.id}" not in listing


def test_the_minutes_are_served_to_the_office_and_the_own_pengurus_only(client, login_as, rep, make_user):
    """The file comes back as an attachment with a neutral name; a judge is refused."""
    proposal = with_minutes(rep)
    login_as(rep)
    response = client.get(f"/pemutakhiran/{proposal.id}/berita-acara")
    assert response.status_code == 200 and response.data == PDF
    assert response.mimetype == "application/pdf"
    assert f"filename=berita-acara-rat-usulan-{proposal.id}.pdf" in response.headers["Content-Disposition"]
    login_as("admin")
    assert client.get(f"/pemutakhiran/{proposal.id}/berita-acara").status_code == 200
    login_as("judge")
    assert client.get(f"/pemutakhiran/{proposal.id}/berita-acara").status_code == 403


# --- The office ------------------------------------------------------------------------------------


def test_the_queue_lists_pending_proposals(client, login_as, rep):
    """The office's queue shows the pending proposal with its cooperative."""
    proposal = submitted(rep)
    login_as("admin")
    html = client.get("/admin/pemutakhiran/usulan").get_data(as_text=True)
    assert own_coop(rep).name in html and f"/admin/pemutakhiran/usulan/{proposal.id}" in html


def test_review_shows_current_and_proposed_values(client, login_as, rep):
    """The review page puts the registry's value beside the proposed one."""
    proposal = submitted(rep, profile={"phone": "0542 999"})
    login_as("admin")
    html = client.get(f"/admin/pemutakhiran/usulan/{proposal.id}").get_data(as_text=True)
    assert "Data sekarang" in html and "0542 999" in html


def test_the_office_approves_from_the_page(client, login_as, rep, frozen):
    """Approving applies the RAT to the registry and returns to the queue."""
    proposal = with_minutes(rep)
    login_as("admin")
    response = client.post(f"/admin/pemutakhiran/usulan/{proposal.id}/setujui")
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(UpdateProposal, proposal.id).status == ProposalStatus.approved
    assert (
        db.session.scalar(select(RatRecord.book_year).where(RatRecord.cooperative_id == rep.cooperative_id))
        == 2023
    )


def test_a_failed_approval_from_the_page_changes_nothing(client, login_as, rep, frozen):
    """A stale proposal is refused with a flash; the registry and the proposal stay as they were."""
    proposal = rounds.submit_proposal(
        own_coop(rep),
        {"rat": {"book_year": 2023, "held_on": "2024-05-02"}, "profile": {"kelurahan_code": "klandasan_ulu"}},
        minutes=rounds.Upload(BytesIO(PDF), "ba.pdf"),
        by=rep,
        now=NOW,
    )
    services.update_cooperative(own_coop(rep), {"kecamatan_code": "balikpapan_utara"}, by="clerk", now=NOW)
    db.session.commit()
    login_as("admin")
    response = client.post(f"/admin/pemutakhiran/usulan/{proposal.id}/setujui", follow_redirects=True)
    assert "tidak ada data yang diubah" in response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(UpdateProposal, proposal.id).status == ProposalStatus.pending
    assert db.session.scalar(select(func.count()).select_from(RatRecord)) == 0


def test_rejecting_needs_a_reason(client, login_as, rep):
    """Without a reason the page answers 422; with one, the proposal is rejected."""
    proposal = submitted(rep)
    login_as("admin")
    assert (
        client.post(f"/admin/pemutakhiran/usulan/{proposal.id}/tolak", data={"reason": ""}).status_code == 422
    )
    response = client.post(
        f"/admin/pemutakhiran/usulan/{proposal.id}/tolak", data={"reason": "Data tidak lengkap"}
    )
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(UpdateProposal, proposal.id).status == ProposalStatus.rejected


def test_the_office_records_a_field_check(client, login_as, make_cooperative, frozen):
    """The form stores the findings; the page then lists the visit and the verified groups."""
    coop = make_cooperative()
    login_as("admin")
    response = client.post(
        f"/admin/koperasi/{coop.nik}/cek-lapangan",
        data={
            "checked_on": "2024-07-25",
            "found_at_address": "ya",
            "operating": "ya",
            "management_in_place": "tidak",
            "rat_minutes_seen": "",
            "notes": "Ketua tidak di tempat",
        },
    )
    assert response.status_code == 302
    check = db.session.scalar(select(FieldCheck).where(FieldCheck.cooperative_id == coop.id))
    assert (check.found_at_address, check.management_in_place, check.rat_minutes_seen) == (True, False, None)
    html = client.get(f"/admin/koperasi/{coop.nik}/cek-lapangan").get_data(as_text=True)
    assert "Ketua tidak di tempat" in html and "Belum diverifikasi" in html


def test_a_field_check_in_the_future_is_refused_on_the_page(client, login_as, make_cooperative, frozen):
    """The service's refusal shows at the date field with 422."""
    coop = make_cooperative()
    login_as("admin")
    response = client.post(
        f"/admin/koperasi/{coop.nik}/cek-lapangan",
        data={"checked_on": "2024-08-01", "found_at_address": "ya"},
    )
    assert response.status_code == 422
    assert "tidak boleh di masa depan" in response.get_data(as_text=True)


def test_progress_and_missing_pages(client, login_as, make_cooperative, frozen):
    """The progress page counts by kecamatan; the missing list filters by kecamatan and name."""
    done = make_cooperative(kecamatan_code="balikpapan_timur", name="Koperasi Sudah")
    todo = make_cooperative(kecamatan_code="balikpapan_timur", name="Koperasi Belum")
    rounds.record_field_check(done, checked_on="2024-07-01", found_at_address=True, by="c", now=NOW)
    db.session.commit()
    login_as("admin")
    html = client.get("/admin/pemutakhiran").get_data(as_text=True)
    assert "Balikpapan Timur" in html and "<svg" in html
    missing = client.get("/admin/pemutakhiran/belum?kecamatan=balikpapan_timur").get_data(as_text=True)
    assert todo.name in missing and done.name not in missing
    assert todo.name not in client.get("/admin/pemutakhiran/belum?q=Sudah").get_data(as_text=True)


def test_dashboard_page_draws_charts_with_tables(client, login_as, make_cooperative):
    """Every chart comes with its table of numbers; no script is needed."""
    make_cooperative(kecamatan_code="balikpapan_kota")
    login_as("admin")
    html = client.get("/admin/dasbor").get_data(as_text=True)
    assert html.count('<svg class="bar-chart"') == 5
    assert html.count("<table") >= 5
    scripts = re.findall(r'<script[^>]*src="([^"]+)"', html)
    assert scripts == ["/static/js/menu.js"], "only the site menu's script (every page has it)"


def test_report_downloads(client, login_as, make_cooperative):
    """The office downloads the XLSX and the PDF of the inactive cooperatives."""
    from harkop.cooperatives.vocab import CoopStatus

    coop = make_cooperative(status=CoopStatus.tidak_aktif, name="Koperasi Tidur")
    login_as("admin")
    xlsx = client.get("/admin/laporan/koperasi-tidak-aktif.xlsx")
    assert xlsx.status_code == 200 and "attachment" in xlsx.headers["Content-Disposition"]
    rows = list(
        load_workbook(BytesIO(xlsx.data))["Koperasi Tidak Aktif"].iter_rows(min_row=2, values_only=True)
    )
    assert [r[1] for r in rows] == [coop.nik]
    pdf = client.get("/admin/laporan/koperasi-tidak-aktif.pdf")
    assert pdf.data.startswith(b"%PDF") and "Koperasi Tidur" in pdf_text(pdf.data)
    assert "Laporan Koperasi Tidak Aktif" in client.get("/admin/laporan").get_data(as_text=True)


def test_letters_register_find_issue_dismiss_and_print(client, login_as, make_cooperative, frozen):
    """From the register page: find breaches, dismiss one draft, issue the rest, print one."""
    first = make_cooperative(founded_on=date(2010, 1, 1), name="Koperasi Satu")
    second = make_cooperative(founded_on=date(2010, 1, 1), name="Koperasi Dua")
    db.session.commit()
    login_as("admin")
    assert client.post("/admin/surat-teguran/periksa").status_code == 302
    drafts = {x.cooperative_id: x for x in db.session.scalars(select(WarningLetter))}
    assert set(drafts) >= {first.id, second.id}
    assert (
        client.post(f"/admin/surat-teguran/{drafts[second.id].id}/batalkan", data={"reason": ""}).status_code
        == 302
    )
    db.session.expire_all()
    assert db.session.get(WarningLetter, drafts[second.id].id).status == LetterStatus.draft
    client.post(
        f"/admin/surat-teguran/{drafts[second.id].id}/batalkan", data={"reason": "RAT sudah diadakan"}
    )
    assert client.post("/admin/surat-teguran/terbitkan-semua").status_code == 302
    db.session.expire_all()
    letter = db.session.get(WarningLetter, drafts[first.id].id)
    assert letter.status == LetterStatus.issued
    assert db.session.get(WarningLetter, drafts[second.id].id).status == LetterStatus.dismissed
    pdf = client.get(f"/admin/surat-teguran/{letter.id}.pdf")
    assert pdf.status_code == 200 and letter.number in pdf_text(pdf.data)
    assert client.get(f"/admin/surat-teguran/{drafts[second.id].id}.pdf").status_code == 404
    html = client.get("/admin/surat-teguran?status=issued").get_data(as_text=True)
    assert letter.number in html
    assert client.post(f"/admin/surat-teguran/{letter.id}/terbitkan").status_code == 302  # refused: flash


def test_issuing_a_letter_twice_from_the_page_keeps_one_number(client, login_as, make_cooperative, frozen):
    """A second click on 'Terbitkan' does not give the letter another number."""
    coop = make_cooperative(founded_on=date(2010, 1, 1))
    letters.find_due_warnings(now=NOW)
    letter = db.session.scalar(select(WarningLetter).where(WarningLetter.cooperative_id == coop.id))
    db.session.commit()
    login_as("admin")
    client.post(f"/admin/surat-teguran/{letter.id}/terbitkan")
    client.post(f"/admin/surat-teguran/{letter.id}/terbitkan")
    db.session.expire_all()
    assert db.session.get(WarningLetter, letter.id).number == "500.3/1/DKUMKMP/2024"
    assert letters.next_seq(2024) == 2


def test_the_public_profile_shows_when_each_fact_was_last_verified(client, make_cooperative, frozen):
    """After a field check the profile dates identity; management stays 'not verified'; no clerk name."""
    coop = make_cooperative()
    rounds.record_field_check(
        coop, checked_on="2024-07-20", found_at_address=True, by="petugas_rahasia", now=NOW
    )
    db.session.commit()
    html = client.get(f"/koperasi/{coop.nik}").get_data(as_text=True)
    assert "Terakhir diverifikasi" in html
    assert "20 Juli 2024" in html and "cek lapangan" in html
    assert "Belum diverifikasi" in html
    assert "petugas_rahasia" not in html
