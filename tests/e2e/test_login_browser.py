"""Logging in and out in real Chromium, on the device each role uses."""

from __future__ import annotations

import pytest

from tests.e2e.helpers import DEMO_PASSWORD, login, logout, open_menu

pytestmark = pytest.mark.browser

# (demo username, device, home path, home heading)
ROLE_HOMES = [
    ("admin", "laptop", "/admin", "Beranda Dinas"),
    ("pengurus", "phone", "/koperasi-saya", "Koperasi Saya"),
    ("juri", "tablet", "/juri", "Penilaian Saya"),
    ("petugas", "phone", "/checkin", "Check-in"),
]


def watch_console(page) -> list[str]:
    """Collect console errors (a CSP refusal shows up there) and uncaught page errors."""
    errors: list[str] = []
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    return errors


@pytest.mark.parametrize(
    ("username", "device", "home", "heading"), ROLE_HOMES, ids=[r[0] for r in ROLE_HOMES]
)
def test_demo_role_logs_in_lands_home_and_logs_out(new_context, live_server, username, device, home, heading):
    """Each demo account logs in through the form, lands on its own home page, and logs out."""
    page = new_context(device).new_page()
    errors = watch_console(page)
    login(page, username, DEMO_PASSWORD)
    assert page.url == f"{live_server.url}{home}"
    assert page.locator("h1").inner_text() == heading
    open_menu(page)
    assert page.locator("header .who").is_visible()

    logout(page)
    assert page.url == f"{live_server.url}/"
    assert page.get_by_text("Anda sudah keluar.").is_visible()
    page.goto(home)
    assert "/masuk" in page.url, "after logging out, the home page asks to log in again"
    assert errors == [], f"console errors: {errors}"


def test_wrong_password_shows_the_indonesian_error(phone, live_server):
    """A wrong password keeps the visitor on the form with 'Nama pengguna atau kata sandi salah.'."""
    errors = watch_console(phone)
    login(phone, "admin", "bukan-sandinya")
    assert phone.url.startswith(f"{live_server.url}/masuk")
    alert = phone.get_by_role("alert")
    assert alert.inner_text().strip() == "Nama pengguna atau kata sandi salah."
    assert phone.locator("#username").input_value() == "admin"
    # The refused login answers 401, which Chromium reports; nothing else may appear.
    assert [e for e in errors if "status of 401" not in e] == [], f"console errors: {errors}"


def test_simulated_date_banner_is_visible(phone):
    """The server's clock is frozen, and every page says so in a banner."""
    phone.goto("/")
    banner = phone.get_by_role("status").filter(has_text="Tanggal disimulasikan")
    assert banner.is_visible()
    assert "Jumat, 26 Juli 2024, 09.00 WITA" in banner.inner_text()


def test_language_switch_to_english_and_back(laptop):
    """The English button turns the pages into English (and keeps the page); the other button returns."""
    errors = watch_console(laptop)
    laptop.goto("/masuk")
    assert laptop.locator("h1").inner_text() == "Masuk"
    with laptop.expect_navigation():
        laptop.get_by_role("button", name="English").click()
    assert laptop.url.endswith("/masuk")
    assert laptop.locator("html").get_attribute("lang") == "en"
    assert laptop.locator("h1").inner_text() == "Log in"
    assert laptop.get_by_label("Username").is_visible()
    assert "Simulated date: Friday, 26 July 2024, 09:00 WITA" in laptop.get_by_role("status").inner_text()

    login(laptop, "admin")
    assert laptop.locator("h1").inner_text() == "Office home"
    with laptop.expect_navigation():
        laptop.get_by_role("button", name="Bahasa Indonesia").click()
    assert laptop.locator("html").get_attribute("lang") == "id"
    assert laptop.locator("h1").inner_text() == "Beranda Dinas"
    assert errors == [], f"console errors: {errors}"


def test_protected_page_sends_to_login_and_back(tablet, live_server):
    """Opening a role's page while logged out asks to log in, then returns to that page."""
    tablet.goto("/admin/pengguna")
    assert tablet.url.startswith(f"{live_server.url}/masuk")
    assert tablet.get_by_text("Silakan masuk untuk membuka halaman ini.").is_visible()
    tablet.locator("#username").fill("admin")
    tablet.locator("#password").fill(DEMO_PASSWORD)
    with tablet.expect_navigation():
        tablet.locator("main form button[type=submit]").click()
    assert tablet.url == f"{live_server.url}/admin/pengguna"
    assert tablet.locator("h1").inner_text() == "Pengguna"
