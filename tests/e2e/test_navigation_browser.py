"""Issue 21 in a browser: the menu fits (one row from 1024 px, a Menu button on a 390 px phone),
opens and closes by keyboard, works without JavaScript; each role's first screen shows its page's
heading and main content; home counts equal their lists; the ticket code and the phone dashboard
stay readable at 390 px."""

from __future__ import annotations

import re

import pytest

from tests.e2e.helpers import DEMO_USERS, login, open_context
from tests.e2e.pages import ticket_path

pytestmark = pytest.mark.browser

# Each role's home and the element that is its main content.
HOMES = {
    "admin": ("/admin", "Beranda Dinas", ".todo-list"),
    "coop_rep": ("/koperasi-saya", "Koperasi Saya", ".todo-list"),
    "judge": ("/juri", "Penilaian Saya", ".todo-list"),
    "checkin_staff": ("/checkin", "Check-in", "a.btn-big"),
}
DEVICES = ["phone", "tablet_landscape"]


@pytest.mark.parametrize("device", DEVICES)
@pytest.mark.parametrize("role", list(HOMES))
def test_first_screen_shows_the_heading_and_main_content(new_context, role, device):
    """At 390×844 and 1024×768 the home's heading and its main content start on the first screen;
    at 1024 px the menu is a single row, on the phone it hides behind its button."""
    page = new_context(device).new_page()
    login(page, DEMO_USERS[role])
    path, heading, content = HOMES[role]
    page.goto(path)
    height = page.viewport_size["height"]
    h1 = page.locator("main h1").bounding_box()
    assert page.locator("main h1").inner_text() == heading
    assert h1["y"] + h1["height"] <= height, "the heading is on the first screen"
    main = page.locator(f"main {content}").first.bounding_box()
    assert main["y"] < height * 0.6, (
        f"{content} starts in the upper part of the first screen ({main['y']} px)"
    )
    if device == "phone":
        assert page.locator("header .menu-button").is_visible()
        assert not page.locator("nav.menu").is_visible(), "the menu stays closed until asked for"
    else:
        assert not page.locator("header .menu-button").is_visible()
        tops = page.eval_on_selector_all(
            "header .menu-bar > li, header .menu-account > *",
            "els => els.map(e => Math.round(e.getBoundingClientRect().top + e.getBoundingClientRect().height / 2))",
        )
        assert max(tops) - min(tops) <= 4, f"the menu is one row at 1024 px (centres at {sorted(set(tops))})"


def test_the_phone_menu_opens_and_closes_by_keyboard(new_context):
    """Tab reaches the Menu button, Enter opens it (links focusable), Escape closes it and puts the
    focus back on the button; screen readers get a named navigation landmark."""
    page = new_context("phone").new_page()
    login(page, "pengurus")
    page.goto("/koperasi-saya")
    button = page.locator("header .menu-button")
    for _ in range(6):
        page.keyboard.press("Tab")
        if page.evaluate("() => document.activeElement.classList.contains('menu-button')"):
            break
    assert page.evaluate("() => document.activeElement.classList.contains('menu-button')")
    page.keyboard.press("Enter")
    assert page.get_by_role("navigation", name="Menu utama").is_visible()
    assert page.get_by_role("link", name="Koperasi Saya").first.is_visible()
    page.keyboard.press("Tab")
    assert page.evaluate("() => !!document.activeElement.closest('nav.menu')"), (
        "the focus moves into the menu"
    )
    page.keyboard.press("Escape")
    assert not page.locator("nav.menu").is_visible()
    assert page.evaluate("() => document.activeElement.classList.contains('menu-button')")
    assert button.is_visible()


def test_an_office_group_opens_and_closes_by_keyboard_and_marks_the_current_place(new_context):
    """At 1024 px: Enter on "Registri" opens its list, Escape closes it; on the registry page the
    group and the link say it is the current place (aria-current)."""
    page = new_context("tablet_landscape").new_page()
    login(page, "admin")
    page.goto("/admin/koperasi")
    group = page.locator("header .nav-group summary", has_text="Registri")
    assert group.get_attribute("aria-current") == "true"
    current = page.locator("header a[aria-current=page]")
    assert current.count() == 1 and current.get_attribute("href") == "/admin/koperasi"
    group.focus()
    page.keyboard.press("Enter")
    link = page.get_by_role("link", name="Surat Teguran")
    assert link.is_visible()
    page.keyboard.press("Escape")
    assert not link.is_visible()
    assert page.evaluate("() => document.activeElement.textContent.trim()") == "Registri"


def test_the_menu_works_without_javascript(browser, live_server):
    """With JavaScript off, the Menu button still opens the menu (it is a <details>)."""
    context = open_context(browser, live_server, "phone", java_script_enabled=False)
    try:
        page = context.new_page()
        page.goto("/")
        assert not page.get_by_role("link", name="Direktori Koperasi").first.is_visible()
        page.locator("header .menu-button").click()
        assert page.get_by_role("link", name="Direktori Koperasi").first.is_visible()
    finally:
        context.close()


def _rows(page, href: str) -> int:
    """Rows (data-list-row) of a list over its pages."""
    total, url = 0, href
    while url:
        page.goto(url)
        total += page.locator("[data-list-row]").count()
        following = page.locator("nav.pager a", has_text="Berikutnya")
        url = following.get_attribute("href") if following.count() else None
    return total


@pytest.mark.parametrize("role", ["admin", "coop_rep"])
def test_each_home_count_equals_its_lists_length(new_context, role):
    """Follow every count of the home page to its list and count the list's rows."""
    page = new_context("tablet_landscape").new_page()
    login(page, DEMO_USERS[role])
    page.goto(HOMES[role][0])
    items = page.eval_on_selector_all(
        "[data-todo] a",
        "els => els.map(a => [a.closest('[data-todo]').dataset.todo, a.getAttribute('href'),"
        " a.querySelector('[data-count]').textContent])",
    )
    assert items
    for key, href, text in items:
        count = int(re.sub(r"\D", "", text))
        if key in ("pending", "scores"):  # nothing waiting: the line links to the overview
            assert count == 0
            continue
        assert _rows(page, href) == count, f"{key}: the home says {count}"


def test_judges_left_to_score_match_the_entries_to_score(new_context):
    """The judge's count per competition equals the entries still to score listed under it."""
    page = new_context("tablet").new_page()
    login(page, "juri")
    page.goto("/juri")
    for item in page.locator("[data-todo]").all():
        count = int(item.locator("[data-count]").inner_text())
        section = item.locator("a").get_attribute("href")
        assert page.locator(f"section:has({section}) [data-left]").count() == count


def test_the_ticket_code_groups_never_break_at_390_px(new_context, live_server):
    """Each group of four stays on one line and the code never widens the page."""
    page = new_context("phone").new_page()
    page.goto(ticket_path(live_server))
    groups = page.locator(".code-group")
    assert groups.count() >= 5
    lines = page.eval_on_selector_all(".code-group", "els => els.map(e => e.getClientRects().length)")
    assert set(lines) == {1}
    assert page.evaluate("() => document.documentElement.scrollWidth <= window.innerWidth")


def test_the_check_in_dashboard_is_cards_on_a_phone(new_context):
    """At 390 px each competition is a card no wider than the screen, its column names beside the
    figures; at 1024 px it is the table again."""
    page = new_context("phone").new_page()
    login(page, "petugas")
    page.goto("/checkin/dasbor")
    row = page.locator("table.cards-on-phone tbody tr").first
    box = row.bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= 390
    assert row.evaluate("r => getComputedStyle(r).display") == "block"
    head = page.locator("table.cards-on-phone thead").first.bounding_box()
    assert head["height"] <= 1, "the column heads are kept for screen readers, not shown"
    page.set_viewport_size({"width": 1024, "height": 768})
    assert row.evaluate("r => getComputedStyle(r).display") == "table-row"


def test_gate_home_reads_the_roster_and_queue_from_the_devices_store(new_context):
    """The staff's home fills its device lines from the scanner's store (static/js/offline/store.js):
    on a device where the scanner never ran, no roster yet and no offline scans waiting."""
    page = new_context("phone").new_page()
    login(page, "petugas")
    page.goto("/checkin")
    queue = page.locator("[data-device-queue]")
    queue.wait_for(state="visible")
    assert queue.inner_text() == "Tidak ada pindaian luring yang menunggu dikirim."
    assert "belum diunduh" in page.locator("[data-device-roster]").inner_text()
