"""Every page each role can see: tests/e2e/test_pages_quality.py runs axe-core and the Nu HTML
Checker over all of them.

Add a line for each new page (and for its interesting states: empty, filled, form errors).
`url` is a path, or a callable taking the LiveServer and returning one (to create the data the
page needs: use `server.cached(key, factory)` and `with server.app_context(): ... commit()`).
`role` is "anonymous" or a role, browsed as that role's demo account (harkop/demo.py).
`fill` (label or CSS selector → value) and `submit` (a CSS selector) post the page's form first,
so error states are checked too; `status` is the HTTP status the page is expected to answer with.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlparse


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


# The table ----------------------------------------------------------------------------------

PAGES: list[PageSpec] = [
    # --- foundation (issue 2) ---
    PageSpec("anonymous", "/", "public home"),
    PageSpec("anonymous", "/", "public home (English)", lang="en"),
    PageSpec("anonymous", "/masuk", "login"),
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
    # --- competitions and registration (issue 4) ---
    # --- check-in (issue 5) ---
    # --- judging (issue 6) ---
    # --- office workflows (issue 7) ---
]
