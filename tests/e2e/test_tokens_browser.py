"""Device tokens in real Chromium (issue 17, item 2): the office revokes one lost gate phone's
token; that phone is cut off (token and the session that made it), the other phone of the same
account keeps scanning."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from tests.e2e.helpers import login

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def live_server(live_server_factory):
    """A server of this module's own: its tokens and sessions stay out of the shared server."""
    return live_server_factory("2024-07-26T09:00:00+08:00", name="tokens")


def _tokens(server) -> list[tuple[str, bool]]:
    """The gate account's tokens, oldest first: (label, still usable)."""
    from harkop.auth.models import ApiToken, User
    from harkop.extensions import db

    with server.app_context():
        rows = db.session.scalars(
            select(ApiToken).join(User).where(User.username == "petugas").order_by(ApiToken.id)
        ).all()
        return [(t.label, t.revoked_at is None) for t in rows]


def _open_scanner(page) -> None:
    page.goto("/checkin/pindai")
    page.wait_for_selector("#scanner[data-ready='1']")
    # The roster came through the API with this phone's own bearer token.
    assert "tiket di perangkat" in page.locator("#roster-status").text_content()


def test_the_office_revokes_one_lost_phone_and_the_other_keeps_working(new_context, live_server):
    """Two gate phones on the petugas account each fetch a token; the office revokes the first
    phone's on /admin/token. That phone's next page asks it to log in (its session ended with its
    token), while the second phone still loads its scanner and fetches the roster."""
    lost = new_context("phone").new_page()
    login(lost, "petugas")
    _open_scanner(lost)
    kept = new_context("phone").new_page()
    login(kept, "petugas")
    _open_scanner(kept)
    tokens = _tokens(live_server)
    assert len(tokens) == 2 and all(usable for _label, usable in tokens)
    lost_label, kept_label = tokens[0][0], tokens[1][0]
    assert lost_label != kept_label and lost_label.startswith("pemindai")

    office = new_context("laptop").new_page()
    login(office, "admin")
    office.goto("/admin/token")
    assert office.get_by_text(kept_label).is_visible()
    office.get_by_role("button", name=f"Cabut token {lost_label}").click()
    assert office.get_by_text(f"Token {lost_label} dicabut.").is_visible()

    assert _tokens(live_server) == [(lost_label, False), (kept_label, True)]
    lost.goto("/checkin/pindai")
    assert "/masuk" in lost.url, "the lost phone's session ended with its token"
    _open_scanner(kept)  # a fresh page load: the roster again, with the same token
    assert _tokens(live_server) == [(lost_label, False), (kept_label, True)]
