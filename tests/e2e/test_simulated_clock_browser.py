"""A module can run its own live server at another simulated moment (registration opens in July)."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.browser

JULY_10 = "2024-07-10T10:00:00+08:00"


@pytest.fixture(scope="module")
def live_server(live_server_factory):
    """This module's server: Wednesday 10 July 2024, 10.00 WITA, before the event."""
    return live_server_factory(JULY_10)


def test_pages_show_the_servers_own_simulated_date(phone, live_server):
    """The banner shows the date this module's server was started with."""
    assert live_server.fake_now == JULY_10
    phone.goto("/")
    banner = phone.get_by_role("status").filter(has_text="Tanggal disimulasikan")
    assert "Rabu, 10 Juli 2024, 10.00 WITA" in banner.inner_text()


def test_data_written_to_the_servers_database_appears_on_its_pages(new_context, live_server):
    """A test writes through `live_server.app_context()` and the running server shows it."""
    from harkop.auth.services import create_user
    from harkop.extensions import db
    from tests.e2e.helpers import login, open_menu

    with live_server.app_context():
        create_user(
            username="juri.baru",
            role="judge",
            password="sandi-juri-baru",
            display_name="Juri Baru",
            by="test",
        )
        db.session.commit()
    page = new_context("tablet").new_page()
    login(page, "juri.baru", "sandi-juri-baru")
    assert page.url.endswith("/juri")
    open_menu(page)
    assert page.locator("header .who").inner_text() == "Juri Baru"
