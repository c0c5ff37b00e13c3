"""Authorization rows for the pengurus's registration pages, the office's entries page, the public
ticket pages and the registrations API. An entry belongs to the test's coop_rep's cooperative, so
"ok" for a coop_rep means their own entry."""

from tests.authz import admin_only, only, public
from tests.competitions.factories import make_competition, make_entry


def _comp(f):
    return f.cached("comp", make_competition)


def _entry(f):
    return f.cached("entry", lambda: make_entry(_comp(f), f.user("coop_rep").cooperative_id, n=2))


def _participant(f):
    return _entry(f).participants[0]


def _token(f):
    return _participant(f).ticket.page_token


def _team_job(f) -> int:
    """A queued teams-import job of the desk (made once per test)."""

    def make() -> int:
        import tempfile

        from harkop.extensions import db
        from harkop.registrations.desk import enqueue_team_import
        from tests.competitions.factories import make_event

        with tempfile.NamedTemporaryFile(suffix=".csv") as handle:
            handle.write(b"Lomba,NIK_Koperasi,Nama_Tim\n")
            handle.flush()
            job = enqueue_team_import(
                handle.name, make_event(), filename="tim.csv", fmt="csv", by=f.user("admin")
            )
        db.session.commit()
        return job.id

    return f.cached("team-job", make)


def _print_job(f) -> int:
    """A finished print job of the competition's tickets with its PDF in place (made once per test)."""

    def make():
        from harkop.cooperatives.import_jobs import output_path
        from harkop.extensions import db
        from harkop.registrations.print_jobs import TICKETS, enqueue_print

        job = enqueue_print(
            TICKETS,
            params={"competition_id": _comp(f).id},
            cards=70,
            filename="tiket.pdf",
            by=f.user("admin"),
        )
        output_path(job).write_bytes(b"%PDF-1.4\n%%EOF\n")
        job.status, job.report = "done", {"params": {"competition_id": _comp(f).id}, "cards": 0}
        db.session.commit()
        return job.id

    return f.cached("print_job", make)


REPS = {"coop_rep"}
REPS_AND_OFFICE = {"coop_rep", "admin"}

ROWS = [
    only("registrations.open_competitions", "/koperasi-saya/lomba", REPS),
    only("registrations.register", lambda f: f"/koperasi-saya/lomba/{_comp(f).id}/daftar", REPS),
    only(
        "registrations.register",
        lambda f: f"/koperasi-saya/lomba/{_comp(f).id}/daftar",
        REPS,
        method="POST",
        data={"team_name": "Tim"},
    ),
    only("registrations.my_entries", "/koperasi-saya/pendaftaran", REPS),
    only("registrations.my_entry", lambda f: f"/koperasi-saya/pendaftaran/{_entry(f).id}", REPS_AND_OFFICE),
    only(
        "registrations.withdraw",
        lambda f: f"/koperasi-saya/pendaftaran/{_entry(f).id}/mundur",
        REPS_AND_OFFICE,
        method="POST",
        data={"confirm": "y"},
    ),
    only(
        "registrations.replace",
        lambda f: f"/koperasi-saya/pendaftaran/{_entry(f).id}/peserta/{_participant(f).id}/ganti",
        REPS_AND_OFFICE,
    ),
    only(
        "registrations.replace",
        lambda f: f"/koperasi-saya/pendaftaran/{_entry(f).id}/peserta/{_participant(f).id}/ganti",
        REPS_AND_OFFICE,
        method="POST",
        data={"name": ""},
    ),
    admin_only("registrations.admin_entries", lambda f: f"/admin/lomba/{_comp(f).id}/pendaftar"),
    admin_only(
        "registrations.admin_approve", lambda f: f"/admin/pendaftaran/{_entry(f).id}/setujui", method="POST"
    ),
    admin_only(
        "registrations.admin_reject",
        lambda f: f"/admin/pendaftaran/{_entry(f).id}/tolak",
        method="POST",
        data={"reason": "Alasan uji coba"},
    ),
    public("registrations.ticket_page", lambda f: f"/tiket/{_token(f)}"),
    public("registrations.ticket_qr_png", lambda f: f"/tiket/{_token(f)}/qr.png"),
    public("registrations.ticket_qr_svg", lambda f: f"/tiket/{_token(f)}/qr.svg"),
    public("registrations.ticket_pdf", lambda f: f"/tiket/{_token(f)}/tiket.pdf"),
    admin_only(
        "registrations.admin_competition_tickets", lambda f: f"/admin/lomba/{_comp(f).id}/tiket.pdf?tata=a4"
    ),
    admin_only(
        "registrations.admin_competition_tickets",
        lambda f: f"/admin/lomba/{_comp(f).id}/tiket.pdf?tata=a4",
        method="POST",
        data={},
        note="queues the PDF as a background job",
    ),
    admin_only("registrations.print_job", lambda f: f"/admin/cetak/{_print_job(f)}"),
    admin_only("registrations.print_job_status", lambda f: f"/admin/cetak/{_print_job(f)}/status"),
    admin_only("registrations.print_job_download", lambda f: f"/admin/cetak/{_print_job(f)}/unduh"),
    only("registrations.my_tickets", "/koperasi-saya/tiket.pdf", REPS),
    # A judge of the competition may list entries once judging registers its reader; until then
    # only the office (all) and a coop_rep (their own) do.
    only("api.competition_entries", lambda f: f"/api/v1/competitions/{_comp(f).id}/entries", REPS_AND_OFFICE),
    only(
        "api.competition_register",
        lambda f: f"/api/v1/competitions/{_comp(f).id}/entries",
        REPS_AND_OFFICE,
        method="POST",
        json={},
    ),
    only(
        "api.entry_withdraw",
        lambda f: f"/api/v1/entries/{_entry(f).id}/withdraw",
        REPS_AND_OFFICE,
        method="POST",
    ),
    admin_only("api.entry_approve", lambda f: f"/api/v1/entries/{_entry(f).id}/approve", method="POST"),
    admin_only(
        "api.entry_reject",
        lambda f: f"/api/v1/entries/{_entry(f).id}/reject",
        method="POST",
        json={"reason": "Alasan uji coba"},
    ),
    only("api.entry_tickets", lambda f: f"/api/v1/entries/{_entry(f).id}/tickets", REPS_AND_OFFICE),
    admin_only("registrations.admin_entry_history", lambda f: f"/admin/pendaftaran/{_entry(f).id}/riwayat"),
]

# The event desk (issue 20): the office registers walk-in teams and imports a spreadsheet of teams.
ROWS += [
    admin_only("registrations.desk_home", "/admin/meja"),
    admin_only("registrations.desk_register", lambda f: f"/admin/lomba/{_comp(f).id}/meja"),
    admin_only(
        "registrations.desk_register", lambda f: f"/admin/lomba/{_comp(f).id}/meja", method="POST", data={}
    ),
    admin_only("registrations.desk_import", "/admin/meja/impor"),
    admin_only("registrations.desk_import", "/admin/meja/impor", method="POST", data={}),
    admin_only("registrations.desk_import_template", "/admin/meja/impor/templat.xlsx"),
    admin_only("registrations.desk_import_template", "/admin/meja/impor/templat.csv"),
    admin_only("registrations.desk_import_job", lambda f: f"/admin/meja/impor/{_team_job(f)}"),
    admin_only("registrations.desk_import_job_status", lambda f: f"/admin/meja/impor/{_team_job(f)}/status"),
]
