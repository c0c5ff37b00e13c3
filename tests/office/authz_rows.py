"""Authorization rows for the office workflows: pages and API of the update round, the dashboard,
the reports and the warning-letter register. A pengurus reaches only their own cooperative's
proposals; rows marked "other cooperative" check that another cooperative's answers 404."""

from __future__ import annotations

from datetime import date

from tests.authz import ROLES, Row, admin_only, only, public

NIK = lambda f: f.cooperative().nik  # noqa: E731
NOT_FOUND_FOR_OTHER_REP = {
    "anonymous": "login",
    "admin": "ok",
    "coop_rep": 404,
    "judge": "deny",
    "checkin_staff": "deny",
}


def _report_job(f) -> int:
    """A finished report job with its ZIP in place (made once per test)."""

    def make():
        from harkop.cooperatives.import_jobs import output_path
        from harkop.extensions import db
        from harkop.office.reports import enqueue_inactive_report

        job = enqueue_inactive_report(by=f.user("admin"))
        output_path(job).write_bytes(b"PK\x05\x06" + bytes(18))  # an empty ZIP
        job.status, job.report = "done", {"files": []}
        db.session.commit()
        return job.id

    return f.cached("report-job", make)


def _own_proposal(f):
    """A pending proposal of the logged-in pengurus' cooperative (the matrix's coop_rep user)."""

    def make():
        from harkop.cooperatives.models import Cooperative
        from harkop.extensions import db
        from harkop.office import rounds

        rep = f.user("coop_rep")
        coop = db.session.get(Cooperative, rep.cooperative_id)
        proposal = rounds.submit_proposal(coop, {"confirm": ["identitas"]}, by=rep)
        db.session.commit()
        return proposal

    return f.cached("own_proposal", make)


def _other_proposal(f):
    """A pending proposal of another cooperative, by that cooperative's own pengurus."""

    def make():
        from harkop.cooperatives.models import Cooperative
        from harkop.extensions import db
        from harkop.office import rounds

        stranger = f.make_user("coop_rep")
        coop = db.session.get(Cooperative, stranger.cooperative_id)
        proposal = rounds.submit_proposal(coop, {"confirm": ["pengurus"]}, by=stranger)
        db.session.commit()
        return proposal

    return f.cached("other_proposal", make)


def _letter(f, issue: bool = False):
    """A warning letter draft (or issued letter) for a cooperative without any RAT."""

    def make():
        from sqlalchemy import select

        from harkop.extensions import db
        from harkop.office import letters
        from harkop.office.models import WarningLetter

        coop = f.make_cooperative(founded_on=date(2010, 1, 1))
        letters.find_due_warnings()
        letter = db.session.scalar(select(WarningLetter).where(WarningLetter.cooperative_id == coop.id))
        if issue:
            letters.issue_letter(letter, by="test")
        db.session.commit()
        return letter

    return f.cached(f"letter:{issue}", make)


def _pid(f) -> int:
    return _own_proposal(f).id


def _other(f) -> int:
    return _other_proposal(f).id


def coop_rep_only(endpoint: str, url, method: str = "GET", **kw) -> Row:
    """The pengurus only."""
    return only(endpoint, url, {"coop_rep"}, method, **kw)


def office_and_rep(endpoint: str, url, method: str = "GET", **kw) -> Row:
    """The office and the pengurus."""
    return only(endpoint, url, {"admin", "coop_rep"}, method, **kw)


assert set(NOT_FOUND_FOR_OTHER_REP) == set(ROLES)

ROWS = [
    # --- the update round (office) ---
    admin_only("office.round_progress", "/admin/pemutakhiran"),
    admin_only("office.round_missing", "/admin/pemutakhiran/belum"),
    admin_only("office.field_check", lambda f: f"/admin/koperasi/{NIK(f)}/cek-lapangan"),
    admin_only(
        "office.field_check", lambda f: f"/admin/koperasi/{NIK(f)}/cek-lapangan", method="POST", data={}
    ),
    admin_only("office.proposal_queue", "/admin/pemutakhiran/usulan"),
    admin_only("office.proposal_review", lambda f: f"/admin/pemutakhiran/usulan/{_pid(f)}"),
    admin_only(
        "office.proposal_approve", lambda f: f"/admin/pemutakhiran/usulan/{_pid(f)}/setujui", method="POST"
    ),
    admin_only(
        "office.proposal_reject",
        lambda f: f"/admin/pemutakhiran/usulan/{_pid(f)}/tolak",
        method="POST",
        data={},
    ),
    # --- the pengurus' own proposals ---
    coop_rep_only("office.my_proposals", "/koperasi-saya/pemutakhiran"),
    coop_rep_only("office.my_proposal_new", "/koperasi-saya/pemutakhiran/baru"),
    coop_rep_only("office.my_proposal_new", "/koperasi-saya/pemutakhiran/baru", method="POST", data={}),
    coop_rep_only("office.my_proposal", lambda f: f"/koperasi-saya/pemutakhiran/{_pid(f)}"),
    Row(
        "office.my_proposal",
        "GET",
        lambda f: f"/koperasi-saya/pemutakhiran/{_other(f)}",
        {**NOT_FOUND_FOR_OTHER_REP, "admin": "deny"},
        note="other cooperative",
    ),
    office_and_rep("office.proposal_minutes", lambda f: f"/pemutakhiran/{_pid(f)}/berita-acara"),
    Row(
        "office.proposal_minutes",
        "GET",
        lambda f: f"/pemutakhiran/{_other(f)}/berita-acara",
        NOT_FOUND_FOR_OTHER_REP,
        note="other cooperative",
    ),
    # --- dashboard and reports ---
    admin_only("office.dashboard_page", "/admin/dasbor"),
    public("office.statistics", "/statistik"),
    admin_only("office.disagreements", "/admin/dasbor/selisih?jenis=grade"),
    admin_only("office.reports_page", "/admin/laporan"),
    admin_only("office.report_inactive_xlsx", "/admin/laporan/koperasi-tidak-aktif.xlsx"),
    admin_only("office.report_inactive_pdf", "/admin/laporan/koperasi-tidak-aktif.pdf"),
    admin_only("office.report_job_new", "/admin/laporan/buat", method="POST", data={}),
    admin_only("office.report_job", lambda f: f"/admin/laporan/tugas/{_report_job(f)}"),
    admin_only("office.report_job_status", lambda f: f"/admin/laporan/tugas/{_report_job(f)}/status"),
    admin_only("office.report_job_download", lambda f: f"/admin/laporan/tugas/{_report_job(f)}/unduh"),
    # --- warning letters ---
    admin_only("office.letters_page", "/admin/surat-teguran"),
    admin_only("office.letters_find", "/admin/surat-teguran/periksa", method="POST"),
    admin_only("office.letters_issue_all", "/admin/surat-teguran/terbitkan-semua", method="POST"),
    admin_only(
        "office.letter_issue", lambda f: f"/admin/surat-teguran/{_letter(f).id}/terbitkan", method="POST"
    ),
    admin_only(
        "office.letter_dismiss",
        lambda f: f"/admin/surat-teguran/{_letter(f).id}/batalkan",
        method="POST",
        data={},
    ),
    admin_only("office.letter_pdf", lambda f: f"/admin/surat-teguran/{_letter(f, issue=True).id}.pdf"),
    # --- API ---
    office_and_rep("api.list_update_proposals", "/api/v1/update-proposals"),
    coop_rep_only("api.create_update_proposal", "/api/v1/update-proposals", method="POST", json={}),
    office_and_rep("api.get_update_proposal", lambda f: f"/api/v1/update-proposals/{_pid(f)}"),
    Row(
        "api.get_update_proposal",
        "GET",
        lambda f: f"/api/v1/update-proposals/{_other(f)}",
        NOT_FOUND_FOR_OTHER_REP,
        note="other cooperative",
    ),
    office_and_rep(
        "api.get_update_proposal_minutes", lambda f: f"/api/v1/update-proposals/{_pid(f)}/minutes"
    ),
    Row(
        "api.get_update_proposal_minutes",
        "GET",
        lambda f: f"/api/v1/update-proposals/{_other(f)}/minutes",
        NOT_FOUND_FOR_OTHER_REP,
        note="other cooperative",
    ),
    admin_only(
        "api.approve_update_proposal", lambda f: f"/api/v1/update-proposals/{_pid(f)}/approve", method="POST"
    ),
    admin_only(
        "api.reject_update_proposal",
        lambda f: f"/api/v1/update-proposals/{_pid(f)}/reject",
        method="POST",
        json={},
    ),
    admin_only("api.list_field_checks", lambda f: f"/api/v1/cooperatives/{NIK(f)}/field-checks"),
    admin_only(
        "api.create_field_check",
        lambda f: f"/api/v1/cooperatives/{NIK(f)}/field-checks",
        method="POST",
        json={},
    ),
    admin_only("api.update_round_progress", "/api/v1/update-round/progress"),
    admin_only("api.list_warning_letters", "/api/v1/warning-letters"),
    admin_only(
        "api.issue_warning_letter", lambda f: f"/api/v1/warning-letters/{_letter(f).id}/issue", method="POST"
    ),
    admin_only("api.registry_dashboard", "/api/v1/registry/dashboard"),
]
