"""Every page each role can see: tests/e2e/test_pages_quality.py runs axe-core and the Nu HTML
Checker over all of them.

Add a line for each new page (and for its interesting states: empty, filled, form errors).
`url` is a path, or a callable taking the LiveServer and returning one (to create the data the
page needs: use `server.cached(key, factory)` and `with server.app_context(): ... commit()`).
`role` is "anonymous" or a role, browsed as that role's demo account (harkop/demo/event.py).
`fill` (label or CSS selector → value) and `submit` (a CSS selector) post the page's form first,
so error states are checked too; `status` is the HTTP status the page is expected to answer with.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlparse

from harkop.demo import DEMO_COOP_NIK


@dataclass(frozen=True)
class PageSpec:
    """A page as one role sees it."""

    role: str
    url: str | Callable[[Any], str]
    name: str
    status: int = 200
    fill: tuple[tuple[str, str], ...] = ()
    submit: str | None = None
    lang: str = "id"

    def path(self, server) -> str:
        """The URL path for this server (callables create their data on first use)."""
        return self.url(server) if callable(self.url) else self.url


MAIN_SUBMIT = "main form.card button[type=submit]"


# Data some pages need ---------------------------------------------------------------------------


def invitation_path(server) -> str:
    """An unused invitation link for the demo cooperative, made once per server."""

    def make() -> str:
        from harkop.auth.services import create_invitation, get_user
        from harkop.demo import DEMO_COOP_NIK
        from harkop.extensions import db

        with server.app_context():
            _invitation, link = create_invitation(
                DEMO_COOP_NIK, by=get_user("admin"), name="Siti Pengurus", base_url=server.url
            )
            db.session.commit()
        return urlparse(link).path

    return server.cached("invitation", make)


def with_activity(path: str) -> Callable[[Any], str]:
    """A path shown after some activity: an invitation, a notification and a job run exist."""

    def make_activity(server) -> None:
        from harkop.auth.services import get_user
        from harkop.extensions import db
        from harkop.jobs import run_job
        from harkop.outbox import queue_message
        from harkop.scheduler import find_job

        invitation_path(server)
        with server.app_context():
            queue_message(
                kind="notification",
                subject="Pendaftaran diterima",
                body="Tim Anda terdaftar di Lomba Tumpeng Koperasi.",
                user=get_user("pengurus"),
                link="/koperasi-saya",
            )
            db.session.commit()
            run_job(find_job("send_outbox"), holder="e2e")

    def url(server) -> str:
        server.cached("activity", lambda: make_activity(server))
        return path

    return url


def with_checkin_activity(path: str) -> Callable[[Any], str]:
    """A path shown after scans today (26 July): an admission, a refusal and an offline conflict."""

    def make(server) -> None:
        from datetime import time, timedelta

        from harkop.auth.services import get_user
        from harkop.checkin.scans import ScanInput, check_in
        from harkop.extensions import db
        from tests.checkin import factories as f

        with server.app_context():
            staff = get_user("petugas")
            # An afternoon slot: other page rows may still change this entry at 09.00 (before it starts).
            comp = f.make_competition(name="Lomba Mewarnai (e2e)", starts_at=time(14, 0), ends_at=time(16, 0))
            ticket = f.make_ticket(comp, names=["Sari Konflik"])
            offline = {"offline": True, "day": f.DAY1, "local_verdict": "checked_in", "scanned_at": f.ON_DAY1}
            check_in(
                ScanInput(code=f.code(ticket), device_id="hp-utara", gate="Pintu Utara", nonce="e2e-conflict-a", **offline),
                by=staff, now=f.ON_DAY1,
            )  # fmt: skip
            check_in(
                ScanInput(code=f.code(ticket), device_id="hp-selatan", gate="Pintu Selatan", nonce="e2e-conflict-b", **offline),
                by=staff, now=f.ON_DAY1 + timedelta(minutes=5),
            )  # fmt: skip
            check_in(
                ScanInput(code="HK1:PALSU", device_id="hp-utara", nonce="e2e-unknown"),
                by=staff,
                now=f.ON_DAY1,
            )
            db.session.commit()

    def url(server) -> str:
        server.cached("checkin-activity", lambda: make(server))
        return path

    return url


# Competitions and registration (issue 4) ---------------------------------------------------


def _demo_competition_id(server, slug: str = "masak-sambal-ayam-geprek") -> int:
    from sqlalchemy import select

    from harkop.competitions.models import Competition

    def make() -> int:
        with server.app_context():
            from harkop.extensions import db

            return db.session.scalar(select(Competition.id).where(Competition.slug == slug))

    return server.cached(f"competition:{slug}", make)


def competition_path(suffix: str = "", slug: str = "masak-sambal-ayam-geprek") -> Callable[[Any], str]:
    """An admin path of a demo competition: `/admin/lomba/<id><suffix>`."""
    return lambda server: f"/admin/lomba/{_demo_competition_id(server, slug)}{suffix}"


def event_path(suffix: str = "") -> Callable[[Any], str]:
    """An admin path of the demo event: `/admin/acara/<id><suffix>`."""

    def url(server) -> str:
        def make() -> int:
            from sqlalchemy import select

            from harkop.competitions.models import Event
            from harkop.extensions import db

            with server.app_context():
                return db.session.scalar(select(Event.id).where(Event.slug == "harkop-2024"))

        return f"/admin/acara/{server.cached('event-id', make)}{suffix}"

    return url


def programme_item_path(server) -> str:
    """The edit page of the demo rundown's opening item."""

    def make() -> str:
        from sqlalchemy import select

        from harkop.competitions.rundown import ProgrammeItem
        from harkop.extensions import db

        with server.app_context():
            item_id = db.session.scalar(select(ProgrammeItem.id).where(ProgrammeItem.kind == "pembukaan"))
        return f"/admin/susunan-acara/{item_id}"

    return server.cached("programme-item", make)


def pending_proposal_path(prefix: str):
    """The demo's pending proposal (harkop/demo/office.py) under an URL prefix."""

    def url(server) -> str:
        def find() -> int:
            from sqlalchemy import select

            from harkop.extensions import db
            from harkop.office.models import ProposalStatus, UpdateProposal

            with server.app_context():
                return db.session.scalar(
                    select(UpdateProposal.id).where(UpdateProposal.status == ProposalStatus.pending).limit(1)
                )

        return f"{prefix}{server.cached('office:pending', find)}"

    return url


def open_competition_id(server) -> int:
    """A competition whose registration is open at the shared server's time (26 July 2024),
    with only the 'active' rule, so the demo pengurus sees the registration form."""

    def make() -> int:
        from datetime import date, datetime, time

        from harkop import clock
        from harkop.competitions import services
        from harkop.extensions import db

        with server.app_context():
            event = services.event_by_slug("harkop-2024")
            comp = services.save_competition(
                event,
                None,
                {
                    "name": "Lomba Yel-Yel Koperasi",
                    "slug": "yel-yel-koperasi",
                    "days": [date(2024, 7, 28)],
                    "starts_at": time(15, 0),
                    "ends_at": time(16, 0),
                    "place": "Panggung Utama Penta Hub",
                    "team_kind": "team",
                    "min_team_size": 2,
                    "max_team_size": 4,
                    "capacity": 10,
                    "registration_opens_at": datetime(2024, 7, 20, tzinfo=clock.WITA),
                    "registration_closes_at": datetime(2024, 7, 28, tzinfo=clock.WITA),
                    "require_rat_previous_year": False,
                },
                by="e2e",
            )
            services.transition_competition(comp, "open", by="e2e")
            db.session.commit()
            return comp.id

    return server.cached("open-competition", make)


BIG_TEAMS = 31  # of two: 62 tickets, more than HARKOP_PRINT_BACKGROUND_ITEMS (60)


def big_competition_id(server) -> int:
    """A closed competition of the demo event on its last day with 62 valid tickets (31 demo
    cooperatives' teams of two, none of them the demo pengurus's), more than a PDF drawn in the
    request may hold (issue 20)."""

    def make() -> int:
        from datetime import date

        from sqlalchemy import select

        from harkop.competitions import services
        from harkop.cooperatives.models import Cooperative
        from harkop.extensions import db
        from tests.competitions.factories import make_competition, make_entry

        with server.app_context():
            event = services.event_by_slug("harkop-2024")
            comp = make_competition(
                event,
                state="closed",
                name="Lomba Cerdas Cermat Koperasi",
                slug="cerdas-cermat-koperasi",
                days=[date(2024, 7, 28)],
                capacity=40,
            )
            # Not the demo pengurus's cooperative: their own pages stay as the other tests expect them.
            coops = db.session.scalars(
                select(Cooperative.id)
                .where(Cooperative.nik != DEMO_COOP_NIK)
                .order_by(Cooperative.id)
                .limit(BIG_TEAMS)
            ).all()
            for n, coop_id in enumerate(coops, start=1):
                make_entry(comp, coop_id, n=2, team=f"Tim Cermat {n:02d}")
            db.session.commit()
            return comp.id

    return server.cached("big-competition", make)


def big_tickets_path(server) -> str:
    """The office's link to the big competition's tickets, four to an A4 sheet."""
    return f"/admin/lomba/{big_competition_id(server)}/tiket.pdf?tata=a4"


def print_job_path(done: bool):
    """A print job of the big competition's tickets: queued, or run to its end (made once each)."""

    def path(server) -> str:
        def make() -> str:
            from harkop.auth.services import get_user
            from harkop.extensions import db
            from harkop.registrations.print_jobs import TICKETS, enqueue_print

            with server.app_context():
                job = enqueue_print(
                    TICKETS,
                    params={"competition_id": big_competition_id(server), "layout": "a4"},
                    cards=2 * BIG_TEAMS,
                    filename="tiket-cerdas-cermat-koperasi-a4.pdf",
                    by=get_user("admin"),
                )
                db.session.commit()
                job_id = job.id
            if done:
                server.run_background_job(job_id)
            return f"/admin/cetak/{job_id}"

        return server.cached(f"print-job-{'done' if done else 'queued'}", make)

    return path


def user_detail_path(username: str):
    """The office's page of a demo account, with a device token of its own (made once)."""

    def path(server) -> str:
        def make() -> str:
            from harkop.auth.services import get_user, issue_token
            from harkop.extensions import db

            with server.app_context():
                user = get_user(username)
                issue_token(user, label=f"perangkat {username}")
                db.session.commit()
                return f"/admin/pengguna/{user.id}"

        return server.cached(f"user-detail:{username}", make)

    return path


def tokens_path(server) -> str:
    """The office's tokens page with a gate phone's token on it."""
    user_detail_path("petugas")(server)
    return "/admin/token"


def import_job_path(status: str):
    """A background import's page: waiting for the scheduler, or done with its report."""

    def path(server) -> str:
        def make() -> str:
            from harkop import clock
            from harkop.cooperatives.importer import ImportReport, RowError
            from harkop.cooperatives.models import ImportJob
            from harkop.extensions import db

            report = None
            if status == "done":
                done = ImportReport(filename="besar.csv", rows=3, valid=2, error_count=1, dry_run=True)
                done.errors.append(RowError(3, "NIK", "NIK harus 16 angka."))
                report = done.to_dict()
            with server.app_context():
                job = ImportJob(
                    status=status,
                    filename="besar.csv",
                    stored_name="x.csv",
                    fmt="csv",
                    dry_run=True,
                    created_at=clock.now(),
                    report=report,
                )
                db.session.add(job)
                db.session.commit()
                return f"/admin/koperasi/impor/{job.id}"

        return server.cached(f"import-job:{status}", make)

    return path


TOKEN_SUBMIT = "main form[action$='/akun'] button[type=submit]"


def register_path(server) -> str:
    """The registration form of the open competition."""
    return f"/koperasi-saya/lomba/{open_competition_id(server)}/daftar"


def _demo_entry(server):
    """The demo pengurus's confirmed entry with a valid ticket (made if the demo has none)."""

    def make() -> tuple[int, int, str]:
        from sqlalchemy import select

        from harkop.auth.services import get_user
        from harkop.demo import DEMO_COOP_NIK
        from harkop.extensions import db
        from harkop.registrations import services
        from harkop.registrations.models import Entry, EntryState

        with server.app_context():
            entry = db.session.scalar(
                select(Entry)
                .where(Entry.cooperative.has(nik=DEMO_COOP_NIK), Entry.state == EntryState.confirmed)
                .order_by(Entry.id)
            )
            if entry is None:
                from harkop.competitions.services import get_competition

                comp = get_competition(open_competition_id(server))
                rep = get_user("pengurus")
                entry = services.register_entry(
                    comp,
                    rep.cooperative_id,
                    team_name="Tim Yel-Yel Demo",
                    participants=[
                        services.ParticipantInput(name="Siti Aminah", phone="081234500001", consent=True),
                        services.ParticipantInput(name="Budi Santoso", phone="081234500002", consent=True),
                    ],
                    by=rep,
                )
                db.session.commit()
            participant = entry.current_participants[0]
            return entry.id, participant.id, participant.ticket.page_token

    return server.cached("demo-entry", make)


def report_job_path(server) -> str:
    """A queued report-package job's page (progress), made once per server."""

    def make() -> str:
        from harkop.auth.services import get_user
        from harkop.extensions import db
        from harkop.office.reports import enqueue_inactive_report

        with server.app_context():
            job = enqueue_inactive_report(by=get_user("admin"))
            db.session.commit()
            return f"/admin/laporan/tugas/{job.id}"

    return server.cached("report-job", make)


def team_import_job_path(server, *, done: bool = False) -> str:
    """A desk teams-import job's page: queued (progress), or done with a refused row (the report)."""

    def make() -> str:
        import tempfile

        from harkop.auth.services import get_user
        from harkop.competitions.services import current_event
        from harkop.extensions import db
        from harkop.registrations.desk import enqueue_team_import

        with server.app_context():
            with tempfile.NamedTemporaryFile(suffix=".csv") as handle:
                handle.write(b"Lomba,NIK_Koperasi,Nama_Tim\n")
                handle.flush()
                job = enqueue_team_import(
                    handle.name, current_event(), filename="tim-besar.csv", fmt="csv", by=get_user("admin")
                )
            if done:
                job.status = "done"
                job.report = {
                    "filename": "tim-besar.csv",
                    "rows": 250,
                    "written": 0,
                    "errors": [{"row": 7, "column": "HP_Peserta_2", "message": "Nomor HP tidak valid."}],
                }
            db.session.commit()
            return f"/admin/meja/impor/{job.id}"

    return server.cached(f"team-import-job-{done}", make)


def entry_history_path(server) -> str:
    """The office's history of the demo pengurus's entry."""
    return f"/admin/pendaftaran/{_demo_entry(server)[0]}/riwayat"


def person_path(server) -> str:
    """The office's personal-data page of the demo entry's first participant."""
    return f"/admin/data-pribadi/peserta/{_demo_entry(server)[1]}"


def person_search_path(server) -> str:
    """The personal-data search, finding the demo entry's participants."""
    _demo_entry(server)
    return "/admin/data-pribadi?q=Siti+Aminah"


def closed_register_path(server) -> str:
    """The registration page of a demo competition whose window has ended (26 July)."""
    return f"/koperasi-saya/lomba/{_demo_competition_id(server)}/daftar"


def my_entry_path(server) -> str:
    """The demo pengurus's entry page (participants and ticket links)."""
    return f"/koperasi-saya/pendaftaran/{_demo_entry(server)[0]}"


def replace_path(server) -> str:
    """The form that replaces the entry's first participant."""
    entry_id, participant_id, _token = _demo_entry(server)
    return f"/koperasi-saya/pendaftaran/{entry_id}/peserta/{participant_id}/ganti"


def ticket_path(server) -> str:
    """A valid ticket's public page."""
    return f"/tiket/{_demo_entry(server)[2]}"


def void_ticket_path(server) -> str:
    """A revoked ticket's public page (its participant was replaced), answered with 410."""

    def make() -> str:
        from sqlalchemy import select

        from harkop.auth.services import get_user
        from harkop.extensions import db
        from harkop.registrations import services
        from harkop.registrations.models import Entry, EntryState

        with server.app_context():
            entry = db.session.scalar(
                select(Entry)
                .where(Entry.state == EntryState.confirmed, ~Entry.cooperative.has(nik="6471010000000001"))
                .order_by(Entry.id.desc())
            )
            if entry is None:
                entry = db.session.get(Entry, _demo_entry(server)[0])
            old = entry.current_participants[-1]
            token = old.ticket.page_token
            services.replace_participant(
                old,
                services.ParticipantInput(
                    name="Pengganti Demo",
                    phone="081299990000",
                    consent=True,
                    guardian_name="Wali Demo",  # ignored unless the competition is for children
                    guardian_consent=True,
                ),
                by=get_user("admin"),
            )
            db.session.commit()
            return f"/tiket/{token}"

    return server.cached("void-ticket", make)


# Judging (issue 6): the demo's published competition and the one under judging -----------------

JUDGING_SLUG = "display-produk-koperasi"
PUBLISHED_SLUG = "masak-sambal-ayam-geprek"


def _competition_id(server, slug: str) -> int:
    """The id of a demo competition of the 2024 event."""

    def make() -> int:
        from sqlalchemy import select

        from harkop.competitions.models import Competition
        from harkop.extensions import db

        with server.app_context():
            return db.session.scalar(select(Competition.id).where(Competition.slug == slug))

    return server.cached(f"competition-{slug}", make)


def scorecard_history_path(server) -> str:
    """The history of a scorecard of the demo's published competition."""

    def make() -> int:
        from sqlalchemy import select

        from harkop.extensions import db
        from harkop.judging.models import Scorecard

        with server.app_context():
            comp_id = _competition_id(server, PUBLISHED_SLUG)
            return db.session.scalar(
                select(Scorecard.id).where(Scorecard.competition_id == comp_id).order_by(Scorecard.id)
            )

    return f"/admin/penilaian/kartu/{server.cached('scorecard', make)}/riwayat"


def competition_id(server, slug: str) -> int:
    """The id of a demo competition (for browser tests that open its pages)."""
    return _competition_id(server, slug)


def judging_path(suffix: str, slug: str = JUDGING_SLUG):
    """A judging page of a demo competition: suffix formatted with its id."""

    def url(server) -> str:
        return suffix.format(id=_competition_id(server, slug))

    return url


def judge_entry_path(state: str):
    """The demo judge's scoring page of an entry whose card is in `state` ("submitted" or "draft")."""

    def url(server) -> str:
        def make() -> str:
            from sqlalchemy import select

            from harkop.auth.services import get_user
            from harkop.extensions import db
            from harkop.judging.models import Scorecard

            with server.app_context():
                judge = get_user("juri")
                card = db.session.scalar(
                    select(Scorecard)
                    .where(Scorecard.judge_id == judge.id, Scorecard.state == state)
                    .order_by(Scorecard.id)
                )
                return f"/juri/penilaian/entri/{card.entry_id}"

        return server.cached(f"judge-entry-{state}", make)

    return url


def paper_entry_path(server) -> str:
    """The paper-sheet page of the demo competition under judging, the demo judge and an entry of theirs chosen."""

    def make() -> str:
        from harkop.auth.services import get_user
        from harkop.judging.services import assigned_entries

        with server.app_context():
            judge = get_user("juri")
            comp_id = _competition_id(server, JUDGING_SLUG)
            entry = next(e for e, _c in assigned_entries(judge) if e.competition_id == comp_id)
            return f"/penilaian/{comp_id}/kertas?juri={judge.id}&peserta={entry.id}"

    return server.cached("paper-entry", make)


def monitor_with_refusal_path(server) -> str:
    """The monitor of the demo competition under judging, with a tablet's refused save reported."""

    def make() -> str:
        from harkop.auth.services import get_user
        from harkop.extensions import db
        from harkop.judging.services import assigned_entries, record_refusal

        with server.app_context():
            judge = get_user("juri")
            comp_id = _competition_id(server, JUDGING_SLUG)
            entry = next(e for e, _c in assigned_entries(judge) if e.competition_id == comp_id)
            crit = entry.competition.criteria[0]
            report = {
                "scores": {str(crit.id): 7},
                "code": "scorecard_submitted",
                "reason": "Nilai ini sudah dikirim.",
            }
            record_refusal(entry.id, judge=judge, report=report)
            db.session.commit()
            return f"/penilaian/{comp_id}/pantau"

    return server.cached("monitor-refusal", make)


def certificate_path(server) -> str:
    """The verification page of a certificate of the demo's published competition."""

    def make() -> str:
        from harkop.competitions.models import Competition
        from harkop.extensions import db
        from harkop.judging.certificates import valid_certificates

        with server.app_context():
            comp = db.session.get(Competition, _competition_id(server, PUBLISHED_SLUG))
            return f"/verifikasi/{valid_certificates(comp)[0].code}"

    return server.cached("certificate", make)


COMPETITION_SAVE = "main form button[value=save]"


def demo_coop_path(suffix: str = ""):
    """A path under the demo cooperative's admin page."""

    def url(_server) -> str:
        from harkop.demo import DEMO_COOP_NIK

        return f"/admin/koperasi/{DEMO_COOP_NIK}{suffix}"

    return url


# The table ----------------------------------------------------------------------------------

PAGES: list[PageSpec] = [
    # --- foundation (issue 2) ---
    PageSpec("anonymous", "/", "public home"),
    PageSpec("anonymous", "/", "public home (English)", lang="en"),
    PageSpec("anonymous", "/masuk", "login"),
    PageSpec("anonymous", "/referensi-api", "API reference"),
    PageSpec("anonymous", "/referensi-api", "API reference (English)", lang="en"),
    PageSpec(
        "anonymous",
        "/masuk",
        "login, wrong password",
        status=401,
        fill=(("#username", "admin"), ("#password", "salah-sekali")),
        submit=MAIN_SUBMIT,
    ),
    PageSpec("anonymous", "/halaman-yang-tidak-ada", "404", status=404),
    PageSpec("anonymous", "/undangan/tautan-tidak-dikenal", "invitation unknown", status=404),
    PageSpec("anonymous", invitation_path, "invitation accept"),
    PageSpec("anonymous", invitation_path, "invitation accept, errors", status=422, submit=MAIN_SUBMIT),
    PageSpec("coop_rep", "/admin", "403 (pengurus visits /admin)", status=403),
    PageSpec("admin", "/", "public home as admin"),
    PageSpec("admin", "/admin", "admin home"),
    PageSpec("admin", "/admin", "admin home (English)", lang="en"),
    PageSpec("admin", "/admin/pengguna", "admin users"),
    PageSpec("admin", "/admin/pengguna/baru", "user form"),
    PageSpec("admin", "/admin/pengguna/baru", "user form, errors", status=422, submit=MAIN_SUBMIT),
    PageSpec("admin", user_detail_path("petugas"), "user detail (gate staff, with a token)"),
    PageSpec("admin", user_detail_path("juri"), "user detail (judge)"),
    PageSpec("admin", tokens_path, "device tokens"),
    PageSpec("admin", "/admin/token?state=revoked", "device tokens, none revoked"),
    PageSpec("judge", "/akun", "my account"),
    PageSpec(
        "judge", "/akun", "my account, token made", fill=(("#label", "Tablet juri"),), submit=TOKEN_SUBMIT
    ),
    PageSpec(
        "judge", "/akun", "my account, token errors", status=422, fill=(("#label", ""),), submit=TOKEN_SUBMIT
    ),
    PageSpec("coop_rep", "/akun", "my account (pengurus)", lang="en"),
    PageSpec("admin", "/admin/undangan", "invitations"),
    PageSpec(
        "admin",
        "/admin/undangan",
        "invitations, bad NIK",
        status=422,
        fill=(("#cooperative_nik", "123"),),
        submit=MAIN_SUBMIT,
    ),
    PageSpec("admin", "/admin/jobs", "jobs"),
    PageSpec("admin", with_activity("/admin/jobs"), "jobs, after a run"),
    PageSpec("admin", "/admin/outbox", "outbox"),
    PageSpec("admin", with_activity("/admin/outbox"), "outbox, with messages"),
    PageSpec("admin", "/admin/outbox?status=kept", "outbox, filtered"),
    PageSpec("admin", "/admin/audit", "audit"),
    PageSpec("admin", "/notifikasi", "notifications (admin)"),
    PageSpec("admin", "/halaman-yang-tidak-ada", "404 (admin)", status=404),
    PageSpec("coop_rep", "/koperasi-saya", "coop_rep home"),
    PageSpec("coop_rep", with_activity("/notifikasi"), "notifications (pengurus, one message)"),
    PageSpec("judge", "/juri", "judge home"),
    PageSpec("checkin_staff", "/checkin", "checkin home"),
    # --- registry (issue 3) ---
    PageSpec("anonymous", "/koperasi", "directory"),
    PageSpec(
        "anonymous", "/koperasi?q=sejahtera&kecamatan=balikpapan_kota&status=aktif", "directory, filtered"
    ),
    PageSpec("anonymous", "/koperasi?q=tidak-ada-yang-cocok", "directory, no match"),
    PageSpec("anonymous", "/koperasi?q=sejahtera", "directory (English)", lang="en"),
    PageSpec("anonymous", f"/koperasi/{DEMO_COOP_NIK}", "profile, assessed and active"),
    PageSpec("anonymous", f"/koperasi/{DEMO_COOP_NIK}", "profile (English)", lang="en"),
    PageSpec("anonymous", "/koperasi/6471010000000441", "profile, inactive with reasons"),
    PageSpec("anonymous", "/koperasi/0000000000000000", "profile unknown", status=404),
    PageSpec("admin", "/admin/koperasi", "registry list"),
    PageSpec("admin", "/admin/koperasi?kecamatan=tidak_ada", "registry list, no kecamatan"),
    PageSpec("admin", "/admin/koperasi?q=tidak-ada-yang-cocok", "registry list, empty"),
    PageSpec("admin", f"/admin/koperasi/{DEMO_COOP_NIK}", "registry detail"),
    PageSpec("admin", "/admin/koperasi/6471010000000441", "registry detail, inactive"),
    PageSpec("admin", f"/admin/koperasi/{DEMO_COOP_NIK}/riwayat", "registry history"),
    PageSpec("admin", "/admin/koperasi/baru", "cooperative form"),
    PageSpec("admin", "/admin/koperasi/baru", "cooperative form, errors", status=422, submit=MAIN_SUBMIT),
    PageSpec("admin", f"/admin/koperasi/{DEMO_COOP_NIK}/ubah", "cooperative edit"),
    PageSpec("admin", f"/admin/koperasi/{DEMO_COOP_NIK}/rat", "RAT form"),
    PageSpec(
        "admin",
        f"/admin/koperasi/{DEMO_COOP_NIK}/rat",
        "RAT form, errors",
        status=422,
        fill=(("#held_on", "2023-01-01"),),
        submit=MAIN_SUBMIT,
    ),
    PageSpec("admin", f"/admin/koperasi/{DEMO_COOP_NIK}/penilaian", "assessment form"),
    PageSpec(
        "admin",
        f"/admin/koperasi/{DEMO_COOP_NIK}/penilaian",
        "assessment form, errors",
        status=422,
        submit=MAIN_SUBMIT,
    ),
    PageSpec("admin", f"/admin/koperasi/{DEMO_COOP_NIK}/penilaian/indikator", "indicator form"),
    PageSpec(
        "admin",
        f"/admin/koperasi/{DEMO_COOP_NIK}/penilaian/indikator",
        "indicator form, errors",
        status=422,
        submit=MAIN_SUBMIT,
    ),
    PageSpec("admin", f"/admin/koperasi/{DEMO_COOP_NIK}/alasan", "reason form"),
    PageSpec(
        "admin",
        f"/admin/koperasi/{DEMO_COOP_NIK}/alasan",
        "reason form, errors",
        status=422,
        submit=MAIN_SUBMIT,
    ),
    PageSpec("admin", f"/admin/koperasi/{DEMO_COOP_NIK}/pengurus", "management form"),
    PageSpec("admin", f"/admin/koperasi/{DEMO_COOP_NIK}/angka-tahunan", "yearly figures form"),
    PageSpec("admin", "/admin/koperasi/impor", "import page"),
    PageSpec("admin", "/admin/koperasi/impor", "import page, no file", status=422, submit=MAIN_SUBMIT),
    PageSpec("admin", import_job_path("queued"), "background import, waiting"),
    PageSpec("admin", import_job_path("done"), "background import, report"),
    # --- competitions and registration (issue 4) ---
    PageSpec("anonymous", "/jadwal", "programme"),
    PageSpec("anonymous", "/jadwal", "programme (English)", lang="en"),
    PageSpec("anonymous", "/lomba/harkop-2024/masak-sambal-ayam-geprek", "competition page"),
    PageSpec("anonymous", "/lomba/harkop-2024/mewarnai-anak-anggota", "competition page, children"),
    PageSpec("anonymous", ticket_path, "ticket page"),
    PageSpec("anonymous", void_ticket_path, "ticket page, revoked", status=410),
    PageSpec("admin", "/admin/acara", "events and competitions"),
    PageSpec("admin", "/admin/acara/baru", "event form"),
    PageSpec("admin", event_path(), "event edit"),
    PageSpec("admin", event_path("/lomba/baru"), "competition form, new"),
    PageSpec("admin", competition_path(), "competition form"),
    PageSpec("admin", competition_path(), "competition form (English)", lang="en"),
    PageSpec(
        "admin",
        competition_path(),
        "competition form, errors",
        status=422,
        fill=(("#name", ""),),
        submit=COMPETITION_SAVE,
    ),
    PageSpec("admin", competition_path(slug="menghias-tumpeng"), "competition form, tumpeng"),
    PageSpec("admin", competition_path("/pendaftar"), "competition entries"),
    PageSpec(
        "admin", competition_path("/pendaftar", slug="menghias-tumpeng"), "competition entries, approval"
    ),
    PageSpec("admin", competition_path("/pengecualian", slug="menghias-tumpeng"), "eligibility exceptions"),
    PageSpec(
        "admin",
        competition_path("/pengecualian"),
        "eligibility exceptions, errors",
        status=422,
        fill=(("#cooperative_nik", "123"),),
        submit="main form.card button[type=submit]",
    ),
    PageSpec("admin", my_entry_path, "entry page (office)"),
    PageSpec("coop_rep", "/koperasi-saya/lomba", "competitions to register for"),
    PageSpec("coop_rep", register_path, "registration form"),
    PageSpec(
        "coop_rep",
        register_path,
        "registration form, errors",
        status=422,
        fill=(("#team_name", "Tim Uji"), ("#participants-0-name", "Ani"), ("#participants-0-phone", "12")),
        submit="main form.register-form button[type=submit]",
    ),
    PageSpec(
        "coop_rep",
        register_path,
        "registration form, empty submit (every error at once)",
        status=422,
        fill=(("#team_name", ""),),
        submit="main form.register-form button[type=submit]",
    ),
    PageSpec("coop_rep", register_path, "registration form (English)", lang="en"),
    PageSpec("coop_rep", closed_register_path, "registration closed"),
    PageSpec("coop_rep", "/koperasi-saya/pendaftaran", "my entries"),
    PageSpec("coop_rep", my_entry_path, "my entry with tickets"),
    PageSpec("coop_rep", replace_path, "replace participant"),
    # --- check-in (issue 5) ---
    PageSpec("checkin_staff", "/checkin/pindai", "checkin scanner"),
    PageSpec("checkin_staff", "/checkin/pindai", "checkin scanner (English)", lang="en"),
    PageSpec("admin", "/checkin/pindai", "checkin scanner (admin)"),
    PageSpec("checkin_staff", "/checkin/dasbor", "checkin dashboard (staff)"),
    PageSpec("checkin_staff", with_checkin_activity("/checkin/dasbor"), "checkin dashboard, with scans"),
    PageSpec(
        "admin", with_checkin_activity("/checkin/dasbor?date=2024-07-27"), "checkin dashboard, next day"
    ),
    PageSpec("admin", with_checkin_activity("/admin/checkin/konflik"), "checkin conflicts"),
    PageSpec("admin", "/admin/checkin/konflik?semua=1", "checkin conflicts, all"),
    PageSpec("admin", with_checkin_activity("/admin/checkin/pindaian"), "checkin scan log"),
    PageSpec("admin", "/admin/checkin/pindaian?verdict=unknown_ticket", "checkin scan log, filtered"),
    # --- judging (issue 6) ---
    PageSpec("judge", judge_entry_path("draft"), "judge: rubric of an entry with a draft"),
    PageSpec("judge", judge_entry_path("submitted"), "judge: a submitted card (read only)"),
    PageSpec("judge", judging_path("/penilaian/{id}/pantau"), "judge: monitor, not head judge", status=403),
    PageSpec("admin", "/admin/penilaian", "admin: judging index"),
    PageSpec("admin", judging_path("/admin/penilaian/{id}/juri"), "admin: panel, affiliations, settings"),
    PageSpec("admin", judging_path("/admin/penilaian/{id}/penugasan"), "admin: assignments and attendance"),
    PageSpec("admin", judging_path("/penilaian/{id}/pantau"), "admin: monitor under judging"),
    # --- paper fallback (issue 16) ---
    PageSpec("admin", judging_path("/penilaian/{id}/kertas"), "admin: paper sheet entry, nothing chosen"),
    PageSpec("admin", paper_entry_path, "admin: paper sheet entry, a judge and an entry chosen"),
    PageSpec("admin", monitor_with_refusal_path, "admin: monitor with a tablet's refused save"),
    PageSpec("admin", judging_path("/penilaian/{id}/pantau", PUBLISHED_SLUG), "admin: monitor, published"),
    PageSpec("admin", judging_path("/penilaian/{id}/hasil/1", PUBLISHED_SLUG), "admin: result version 1"),
    PageSpec("anonymous", "/hasil", "public results index"),
    PageSpec("anonymous", f"/hasil/harkop-2024/{PUBLISHED_SLUG}", "public results page"),
    PageSpec(
        "anonymous", "/hasil/harkop-2024/display-produk-koperasi", "results before publication", status=404
    ),
    PageSpec("coop_rep", "/koperasi-saya/hasil", "pengurus: results and certificates"),
    PageSpec("checkin_staff", "/admin/checkin/daftar-hadir", "attendance lists (gate staff)"),
    PageSpec("admin", "/admin/lencana", "badges of judges, staff and committee"),
    PageSpec("checkin_staff", "/checkin/staf", "staff check-in by badge"),
    PageSpec(
        "checkin_staff",
        "/checkin/staf",
        "staff check-in, unknown badge",
        status=409,
        fill=(("#code", "HKS:BUKANKODE"),),
        submit=MAIN_SUBMIT,
    ),
    PageSpec("anonymous", "/verifikasi", "certificate check: the form"),
    PageSpec("anonymous", certificate_path, "certificate check: a valid code"),
    PageSpec("anonymous", "/verifikasi/ABCDEFGHJKMNPQRS", "certificate check: unknown code", status=404),
    # --- office workflows (issue 7) ---
    PageSpec("admin", "/admin/pemutakhiran", "office: round progress"),
    PageSpec("admin", "/admin/pemutakhiran/belum", "office: missing list"),
    PageSpec(
        "admin", "/admin/pemutakhiran/belum?kecamatan=balikpapan_timur&q=zzz", "office: missing list, empty"
    ),
    PageSpec("admin", "/admin/pemutakhiran/usulan", "office: review queue"),
    PageSpec("admin", "/admin/pemutakhiran/usulan?status=semua", "office: review queue, all"),
    PageSpec("admin", pending_proposal_path("/admin/pemutakhiran/usulan/"), "office: review a proposal"),
    PageSpec("admin", demo_coop_path("/cek-lapangan"), "office: field check"),
    PageSpec(
        "admin",
        demo_coop_path("/cek-lapangan"),
        "office: field check, errors",
        status=422,
        fill=(("#checked_on", "2024-08-01"),),
        submit=MAIN_SUBMIT,
    ),
    PageSpec("admin", "/admin/dasbor", "office: dashboard"),
    PageSpec("admin", "/admin/dasbor/selisih?jenis=grade", "office: ODS differences"),
    PageSpec("admin", "/admin/laporan", "office: reports"),
    PageSpec("admin", report_job_path, "office: report package job"),
    PageSpec("admin", big_tickets_path, "print: many tickets offered as a background job"),
    PageSpec("admin", print_job_path(done=False), "print: job queued"),
    PageSpec("admin", print_job_path(done=True), "print: job done, download"),
    PageSpec("admin", print_job_path(done=True), "print: job done (English)", lang="en"),
    PageSpec("admin", "/admin/jobs?status=gagal", "office: jobs still failing"),
    PageSpec("coop_rep", "/koperasi-saya/pendaftaran?status=confirmed", "my entries, confirmed only"),
    PageSpec("admin", "/admin/surat-teguran", "office: letters register"),
    PageSpec("admin", "/admin/surat-teguran?status=issued", "office: letters register, issued"),
    PageSpec("coop_rep", "/koperasi-saya/pemutakhiran", "office: my proposals"),
    PageSpec("coop_rep", "/koperasi-saya/pemutakhiran/baru", "office: proposal form"),
    PageSpec(
        "coop_rep",
        "/koperasi-saya/pemutakhiran/baru",
        "office: proposal form, errors",
        status=422,
        submit=MAIN_SUBMIT,
    ),
    PageSpec("coop_rep", pending_proposal_path("/koperasi-saya/pemutakhiran/"), "office: my proposal"),
    PageSpec("anonymous", "/koperasi/6471010000000001", "office: public profile with verified-at"),
    # --- operations (issue 19): the audit trail, objects' histories, personal data ---
    PageSpec("admin", "/admin/audit?action=cooperative.", "audit, filtered by action"),
    PageSpec("admin", "/admin/audit?date_from=kemarin", "audit, a date that is not one", status=422),
    PageSpec("admin", "/admin/audit?actor=admin", "audit, filtered (English)", lang="en"),
    PageSpec("admin", entry_history_path, "entry history"),
    PageSpec("admin", scorecard_history_path, "scorecard history"),
    PageSpec("admin", "/admin/data-pribadi", "personal data: retention per event"),
    PageSpec("admin", person_search_path, "personal data: search"),
    PageSpec("admin", "/admin/data-pribadi?q=tidak-ada-yang-cocok", "personal data: search, nothing found"),
    PageSpec("admin", person_path, "personal data: one person"),
    PageSpec("admin", person_path, "personal data: erase without a reason", status=422, submit=MAIN_SUBMIT),
    # --- the event desk and the public (issue 20, desk side) ---
    PageSpec("anonymous", "/statistik", "public registry statistics"),
    PageSpec("anonymous", "/statistik", "public registry statistics (English)", lang="en"),
    PageSpec("admin", event_path("/susunan-acara"), "rundown (office)"),
    PageSpec(
        "admin",
        event_path("/susunan-acara"),
        "rundown (office), errors",
        status=422,
        fill=(("#title", "Uji"), ("#starts_at", "10:00"), ("#ends_at", "09:00")),
        submit=MAIN_SUBMIT,
    ),
    PageSpec("admin", programme_item_path, "rundown item edit"),
    PageSpec("anonymous", "/layar", "big screen"),
    PageSpec("anonymous", "/layar", "big screen (English)", lang="en"),
    PageSpec("admin", "/admin/layar", "big screen: display keys"),
    PageSpec("admin", "/admin/meja", "event desk"),
    PageSpec("admin", competition_path("/meja", slug="menghias-tumpeng"), "event desk: register a team"),
    PageSpec(
        "admin",
        competition_path("/meja", slug="menghias-tumpeng"),
        "event desk: register a team, errors",
        status=422,
        fill=(("#cooperative_nik", "123"),),
        submit="main form.register-form button[type=submit]",
    ),
    PageSpec("admin", "/admin/meja/impor", "event desk: import teams"),
    PageSpec(
        "admin", "/admin/meja/impor", "event desk: import teams, no file", status=422, submit=MAIN_SUBMIT
    ),
    PageSpec("admin", team_import_job_path, "event desk: teams import job, queued"),
    PageSpec(
        "admin",
        lambda server: team_import_job_path(server, done=True),
        "event desk: teams import job, a refused row",
    ),
]
