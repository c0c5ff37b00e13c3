"""Each count on a role's home page equals the length of the list it links to (issue 21): the
counts come from the functions the lists use, so they never disagree. Demo data, 26 July 2024."""

from __future__ import annotations

import re
from datetime import timedelta
from html import unescape
from urllib.parse import urlsplit

import pytest

from harkop import clock
from harkop.extensions import db

TODO = re.compile(
    r'data-todo="(?P<key>[^"]+)">\s*<a href="(?P<href>[^"]+)">\s*<span class="todo-count" data-count>(?P<n>[\d.,]+)</span>'
)


def home_counts(client, path: str) -> list[tuple[str, str, int]]:
    """(key, link, count) of every count on a home page."""
    html = client.get(path).get_data(as_text=True)
    found = [(m["key"], unescape(m["href"]), int(re.sub(r"\D", "", m["n"]))) for m in TODO.finditer(html)]
    assert found, f"{path} shows no counts"
    return found


def list_length(client, href: str) -> int:
    """Rows (data-list-row) of a list, summed over its pages."""
    parts = urlsplit(href)
    total, page = 0, 1
    while True:
        sep = "&" if parts.query else ""
        url = f"{parts.path}?{parts.query}{sep}page={page}"
        response = client.get(url)
        assert response.status_code == 200, url
        html = response.get_data(as_text=True)
        total += html.count("data-list-row")
        if f"page={page + 1}" not in html:  # no link to a next page: that was the last
            return total
        page += 1


@pytest.fixture
def demo(fake_now):
    """The demo's data on Friday 26 July 2024 09.00 WITA, plus a failed job and a failed message."""
    from harkop.demo import seed_demo
    from harkop.jobs import OUTCOME_ERROR, JobRun
    from harkop.outbox import STATUS_FAILED, queue_message

    fake_now("2024-07-26T09:00:00+08:00")
    seed_demo()
    now = clock.now()
    db.session.add(
        JobRun(job="backup", slot="t1", started_at=now - timedelta(hours=2), outcome=OUTCOME_ERROR)
    )
    message = queue_message(kind="email", subject="Tes", body="Tes", to_address="a@example.org")
    message.status = STATUS_FAILED
    db.session.flush()


def test_office_home_counts_equal_their_lists(client, demo):
    """Every count on /admin (registrations waiting, conflicts, proposals, letters, scorecards,
    failing jobs, failed messages) is the number of rows on the list it links to."""
    from harkop.auth.services import get_user
    from tests.conftest import sign_in

    sign_in(client, get_user("admin"))
    counts = home_counts(client, "/admin")
    keys = {key.split("-")[0] for key, _h, _n in counts}
    assert {"pending", "conflicts", "proposals", "letters", "scores", "jobs", "outbox"} <= keys
    assert any(n for _k, _h, n in counts), "the demo has something for the office to do"
    for key, href, n in counts:
        if key in ("pending", "scores"):  # nothing waiting: the line links to the overview
            assert n == 0
            continue
        assert list_length(client, href) == n, f"{key}: home says {n}, {href} lists otherwise"


def test_pengurus_home_counts_equal_their_lists(client, demo):
    """The pengurus' counts (tickets, registrations, proposals) match their lists."""
    from harkop.auth.services import get_user
    from tests.conftest import sign_in

    sign_in(client, get_user("pengurus"))
    counts = home_counts(client, "/koperasi-saya")
    assert {key for key, _h, _n in counts} == {"tickets", "entries", "proposals"}
    for key, href, n in counts:
        assert list_length(client, href) == n, f"{key}: home says {n}, {href} lists otherwise"


def test_pengurus_home_tells_the_next_step_of_a_pending_entry(client, demo, make_user):
    """Before the office approves, the pengurus reads that tickets come after approval."""
    from harkop.auth.services import get_user
    from harkop.registrations.models import Entry, EntryState
    from tests.conftest import sign_in

    user = get_user("pengurus")
    entry = db.session.query(Entry).filter_by(cooperative_id=user.cooperative.id).first()
    entry.state = EntryState.pending
    db.session.flush()
    sign_in(client, user)
    html = client.get("/koperasi-saya").get_data(as_text=True)
    assert "Tiket muncul di sini setelah disetujui" in html


def test_judge_home_left_to_score_equals_entries_not_submitted(client, demo):
    """Each "left to score" count equals the judge's entries of that competition still to score."""
    from harkop.auth.services import get_user
    from tests.conftest import sign_in

    sign_in(client, get_user("juri"))
    html = client.get("/juri").get_data(as_text=True)
    counts = [(m["href"], int(m["n"])) for m in TODO.finditer(html)]
    assert counts, "the demo judge has competitions"
    for href, n in counts:
        section = html.split(f'id="{href[1:]}"', 1)[1].split("</section>", 1)[0]
        assert section.count("data-left") == n


def test_gate_home_lists_todays_gates_as_the_dashboard_does(client, demo):
    """Today's competitions on the staff's home are the dashboard's rows for today."""
    from harkop.auth.services import get_user
    from tests.conftest import sign_in

    sign_in(client, get_user("petugas"))
    html = client.get("/checkin").get_data(as_text=True)
    shown = html.count("data-gate=")
    assert shown > 0
    dashboard = client.get("/checkin/dasbor").get_data(as_text=True)
    assert dashboard.count("data-list-row") == shown
    assert "data-device-queue" in html, "the page has the place where the offline queue is shown"
