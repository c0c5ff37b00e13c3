"""The gate's scanner in Chromium with a fake camera: a real ticket read from a video, then offline.

The camera is a .y4m video of a real ticket's QR code (the PNG the ticket page serves), which
headless Chromium delivers to getUserMedia. The scanner reads it and shows checked_in; then the
network is cut, a second ticket is typed in and admitted from the roster on the device, and once
the network is back the queued scan reaches the server.
"""

from __future__ import annotations

import re
import time
import urllib.request

import pytest
from sqlalchemy import select

from tests.checkin import factories as f
from tests.e2e.helpers import CHROMIUM, CHROMIUM_ARGS, login, open_context
from tests.e2e.y4m import frame_of, write_y4m

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def live_server(live_server_factory):
    """A server of this module's own (26 July 2024, 09.00 WITA): its tickets and scans stay out of
    the shared server that the page-quality rows use."""
    return live_server_factory("2024-07-26T09:00:00+08:00", name="checkin")


def _tickets(server) -> dict:
    """Two valid tickets for today's (26 July) competition, made once on the server's database."""

    def make() -> dict:
        from harkop.extensions import db

        with server.app_context():
            comp = f.make_competition(name="Lomba Tumpeng Kamera")
            first = f.make_ticket(comp, names=["Dewi Kamera"], team_name="Tim Melati")
            second = f.make_ticket(comp, names=["Eko Luring"], team_name="Tim Kenanga")
            db.session.commit()
            return {
                "camera": {"id": first.id, "code": f.code(first), "page": first.page_token},
                "offline": {"id": second.id, "code": f.code(second), "page": second.page_token},
            }

    return server.cached("checkin-tickets", make)


def _scans_of(server, ticket_id: int) -> list:
    from harkop.checkin.models import Scan
    from harkop.extensions import db

    with server.app_context():
        rows = db.session.scalars(select(Scan).where(Scan.ticket_id == ticket_id).order_by(Scan.id)).all()
        return [(s.verdict.value, s.method.value, s.offline, s.local_verdict) for s in rows]


@pytest.fixture
def camera_browser(_playwright, live_server, tmp_path):
    """Chromium whose camera shows the first ticket's QR code (fetched from its ticket page)."""
    tickets = _tickets(live_server)
    with urllib.request.urlopen(f"{live_server.url}/tiket/{tickets['camera']['page']}/qr.png") as res:
        png = res.read()
    video = write_y4m(tmp_path / "ticket.y4m", frame_of(png))
    browser = _playwright.chromium.launch(
        executable_path=CHROMIUM,
        headless=True,
        args=[
            *CHROMIUM_ARGS,
            "--use-fake-ui-for-media-stream",
            "--use-fake-device-for-media-stream",
            f"--use-file-for-fake-video-capture={video}",
        ],
    )
    yield browser
    browser.close()


def _wait_for(predicate, timeout: float = 30.0, interval: float = 0.25):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    return predicate()


def test_camera_scan_then_offline_check_in_syncs_when_the_network_returns(camera_browser, live_server):
    """The camera reads a real ticket (checked_in); offline, a typed ticket is admitted from the
    roster, queued, and reaches the server when the network is back."""
    tickets = _tickets(live_server)
    context = open_context(camera_browser, live_server, "phone")
    try:
        page = context.new_page()
        login(page, "petugas")
        page.goto("/checkin/pindai")
        page.wait_for_selector("#scanner[data-ready='1']")
        # the day's roster is on the device: both tickets, as hashes (the status sits in a closed <details>)
        assert "tiket di perangkat" in page.locator("#roster-status").text_content()

        # 1. The camera.
        # With the camera permission already granted the page starts the camera by itself.
        # Wait for the page to settle (started by itself, or off) before deciding to tap "start":
        # a tap during the page's own start would otherwise race it.
        # (Polled from here: a wait_for_function expression is eval'd in the page, which its CSP forbids.)
        _wait_for(
            lambda: (
                page.locator("#camera-status").get_attribute("data-state")
                in (None, "on", "off", "denied", "missing")
            ),
            timeout=10,
        )
        page.wait_for_timeout(500)
        if page.locator("#camera-status").get_attribute("data-state") != "on":
            page.locator("#camera-toggle").click()
        verdict = page.locator("#verdict")
        verdict.wait_for(state="visible", timeout=30_000)
        assert verdict.get_attribute("data-verdict") == "checked_in"
        assert verdict.get_attribute("data-offline") == "0"
        assert "Dewi Kamera" in verdict.inner_text()
        assert "Check-in berhasil" in verdict.inner_text()
        assert _scans_of(live_server, tickets["camera"]["id"])[0][:3] == ("checked_in", "camera", False)
        verdict.wait_for(state="hidden", timeout=10_000)  # back to scanning by itself

        # 2. No network: the typed code is decided on the device and queued.
        page.get_by_role("button", name="Ketik kode").click()  # stops the camera too
        context.set_offline(True)
        banner = page.locator("#net-banner")
        page.wait_for_selector("#net-banner[data-state='offline']")
        page.locator("#code").fill(tickets["offline"]["code"])
        page.get_by_role("button", name="Periksa tiket").click()
        verdict.wait_for(state="visible")
        assert verdict.get_attribute("data-verdict") == "checked_in"
        assert verdict.get_attribute("data-offline") == "1"
        assert "Eko Luring" in verdict.inner_text()
        page.wait_for_selector("#net-banner[data-waiting='1']")
        assert "Luring" in banner.inner_text() and "1 pindaian menunggu sinkron" in banner.inner_text()
        assert _scans_of(live_server, tickets["offline"]["id"]) == []

        # The same ticket again, still offline: the device remembers its own admission.
        verdict.wait_for(state="hidden", timeout=10_000)
        page.locator("#code").fill(tickets["offline"]["code"])
        page.get_by_role("button", name="Periksa tiket").click()
        page.wait_for_selector("#verdict[data-verdict='already_checked_in']")
        verdict.wait_for(state="hidden", timeout=10_000)

        # 3. The network returns: the queue is replayed, one scan at a time.
        context.set_offline(False)
        page.wait_for_selector("#net-banner[data-state='online'][data-waiting='0']", timeout=30_000)
        synced = _wait_for(lambda: _scans_of(live_server, tickets["offline"]["id"]))
        assert synced[0] == ("checked_in", "manual", True, "checked_in")
        assert synced[1] == ("already_checked_in", "manual", True, "already_checked_in")
        assert len(synced) == 2
        assert "2 pindaian tersinkron" in page.locator("#sync-progress").inner_text()
    finally:
        context.close()


def test_scanner_page_works_offline_once_loaded(new_context, live_server):
    """Loaded once, the scanner opens again without network (service worker) and searches its roster."""
    _tickets(live_server)
    context = new_context("phone")
    page = context.new_page()
    login(page, "petugas")
    page.goto("/checkin/pindai")
    page.wait_for_selector("#scanner[data-ready='1']")
    page.evaluate("async () => { await navigator.serviceWorker.ready; }")
    page.reload()  # now controlled by the service worker, which keeps the page and its assets
    page.wait_for_selector("#scanner[data-ready='1']")
    assert page.evaluate("() => navigator.serviceWorker.controller !== null")

    context.set_offline(True)
    response = page.reload()
    assert response is not None and response.ok  # answered by the service worker
    page.wait_for_selector("#scanner[data-ready='1']")
    assert page.locator("#net-banner").get_attribute("data-state") == "offline"
    page.get_by_role("button", name="Cari").click()
    page.locator("#search-q").fill("eko luring")
    page.locator("#search-form button[type=submit]").click()
    result = page.locator("#search-results li").first
    result.wait_for()
    assert "Eko Luring" in result.inner_text() and "Tim Kenanga" in result.inner_text()
    assert "luring" in page.locator("#search-status").inner_text().lower()
    context.set_offline(False)


def test_keyboard_wedge_mode_checks_in_on_enter_and_keeps_the_focus(new_context, live_server):
    """A hardware scanner types the code and Enter: the ticket is checked, and the input is ready for the next."""
    from harkop.extensions import db

    with live_server.app_context():
        ticket = f.make_ticket(f.make_competition(name="Lomba Wedge"), names=["Fajar Wedge"])
        db.session.commit()
        code, ticket_id = f.code(ticket), ticket.id
    page = new_context("phone").new_page()
    login(page, "petugas")
    page.goto("/checkin/pindai")
    page.wait_for_selector("#scanner[data-ready='1']")
    page.get_by_role("button", name="Ketik kode").click()
    page.locator("#wedge-mode").check()
    assert page.locator("#code").get_attribute("inputmode") == "none"
    page.keyboard.type(code)  # the focused input receives the scanner's keystrokes
    page.keyboard.press("Enter")
    page.wait_for_selector("#verdict[data-verdict='checked_in']")
    assert "Fajar Wedge" in page.locator("#verdict").inner_text()
    page.locator("#verdict").wait_for(state="hidden", timeout=10_000)
    assert page.evaluate("() => document.activeElement.id") == "code"
    assert page.locator("#code").input_value() == ""
    assert _scans_of(live_server, ticket_id) == [("checked_in", "wedge", False, None)]


def test_dashboard_refreshes_its_figures(new_context, live_server):
    """The dashboard fetches its figures again by itself: a new admission shows without reloading."""
    from harkop.auth.services import get_user
    from harkop.checkin.scans import ScanInput, check_in
    from harkop.extensions import db

    page = new_context("laptop").new_page()
    login(page, "petugas")
    page.goto("/checkin/dasbor")
    before = int(page.locator("[data-figure='checked_in']").inner_text().replace(".", ""))
    with live_server.app_context():
        ticket = f.make_ticket(f.make_competition(name="Lomba Dasbor"))
        check_in(
            ScanInput(code=f.code(ticket), device_id="hp-dasbor", nonce="dasbor-1"),
            by=get_user("petugas"),
            now=f.ON_DAY1,
        )
        db.session.commit()
    # The page refreshes every 15 s and whenever it becomes visible again: ask for the latter.
    page.evaluate("() => document.dispatchEvent(new Event('visibilitychange'))")
    page.wait_for_selector("#dashboard-body[data-refreshed]")
    after = int(page.locator("[data-figure='checked_in']").inner_text().replace(".", ""))
    assert after == before + 1


def _wedge_tickets(server, label: str, n: int) -> list[tuple[int, str]]:
    """`n` valid tickets for today's competition, as (id, code)."""
    from harkop.extensions import db

    with server.app_context():
        comp = f.make_competition(name=f"Lomba Wedge {label}")
        tickets = [f.make_ticket(comp, names=[f"Wedge {label} {i:02d}"]) for i in range(n)]
        db.session.commit()
        return [(t.id, f.code(t)) for t in tickets]


def _scans_by_ticket(server, ids: list[int]) -> dict[int, list]:
    from harkop.checkin.models import Scan
    from harkop.extensions import db

    with server.app_context():
        rows = db.session.scalars(select(Scan).where(Scan.ticket_id.in_(ids)).order_by(Scan.id)).all()
        found: dict[int, list] = {i: [] for i in ids}
        for s in rows:
            found[s.ticket_id].append((s.verdict.value, s.method.value, s.offline, s.gate))
        return found


def _type_codes(page, codes: list[str], seq0: int, gap_ms: int = 300) -> None:
    """A hardware scanner: each code's keystrokes and Enter, `gap_ms` apart, whatever is on screen.

    Right after each Enter the big screen may show only that code (being checked) or nothing:
    never an earlier code's verdict.
    """
    for n, code in enumerate(codes, start=1):
        page.keyboard.type(code)
        page.keyboard.press("Enter")
        shown = page.evaluate(
            "() => { const v = document.getElementById('verdict'); return v.hidden ? null : v.dataset.seq; }"
        )
        assert shown is None or int(shown) == seq0 + n, (shown, seq0 + n)
        page.wait_for_timeout(gap_ms)


def test_wedge_scanner_checks_twenty_codes_300_ms_apart_online_and_offline(new_context, live_server):
    """Twenty codes at a hardware scanner's cadence, online then offline: every one is checked
    and reaches the server once; the focus never leaves the input; mode and gate survive a reload."""
    online = _wedge_tickets(live_server, "Daring", 20)
    offline = _wedge_tickets(live_server, "Luring", 20)
    context = new_context("phone")
    page = context.new_page()
    login(page, "petugas")
    page.goto("/checkin/pindai")
    page.wait_for_selector("#scanner[data-ready='1']")
    page.get_by_role("button", name="Ketik kode").click()
    page.locator("#wedge-mode").check()
    page.locator("#gate").fill("Pintu Wedge")
    page.locator("#code").focus()

    seq0 = int(page.evaluate("() => document.getElementById('verdict').dataset.seq || '0'"))
    _type_codes(page, [code for _, code in online], seq0)
    page.wait_for_selector(f"#verdict[data-seq='{seq0 + 20}'][data-verdict='checked_in']", timeout=30_000)
    assert page.evaluate("() => document.activeElement.id") == "code"
    assert page.locator("#recent-verdicts li").count() == 6
    assert page.locator("#recent-verdicts li[data-verdict='checked_in']").count() == 6
    scans = _scans_by_ticket(live_server, [i for i, _ in online])
    assert all(v == [("checked_in", "wedge", False, "Pintu Wedge")] for v in scans.values()), scans

    # Offline: decided from the roster on the device, all twenty queued, then synced once each.
    context.set_offline(True)
    page.wait_for_selector("#net-banner[data-state='offline']")
    _type_codes(page, [code for _, code in offline], seq0 + 20)
    page.wait_for_selector(f"#verdict[data-seq='{seq0 + 40}'][data-verdict='checked_in']", timeout=30_000)
    assert page.locator("#verdict").get_attribute("data-offline") == "1"
    page.wait_for_selector("#net-banner[data-waiting='20']")
    assert page.evaluate("() => document.activeElement.id") == "code"
    assert all(v == [] for v in _scans_by_ticket(live_server, [i for i, _ in offline]).values())
    context.set_offline(False)
    page.wait_for_selector("#net-banner[data-state='online'][data-waiting='0']", timeout=30_000)
    scans = _scans_by_ticket(live_server, [i for i, _ in offline])
    assert all(v == [("checked_in", "wedge", True, "Pintu Wedge")] for v in scans.values()), scans

    # The mode and the gate are remembered across a reload.
    page.reload()
    page.wait_for_selector("#scanner[data-ready='1']")
    assert page.locator("#panel-code").is_visible()
    assert page.locator("#wedge-mode").is_checked()
    assert page.locator("#gate").input_value() == "Pintu Wedge"
    assert page.evaluate("() => document.activeElement.id") == "code"


def _clock_script(device_now_ms: int) -> str:
    """A page-wide Date whose "now" starts at `device_now_ms` and runs on: a device clock set wrong."""
    return (
        f"(() => {{ const R = Date; const shift = {device_now_ms} - R.now();"
        " class D extends R { constructor(...a) { if (a.length === 0) super(R.now() + shift); else super(...a); }"
        " static now() { return R.now() + shift; } }"
        " globalThis.Date = D; })();"
    )


def test_device_clock_a_day_behind_still_records_the_servers_day_and_time(new_context, live_server):
    """A phone whose clock says Thursday: its offline admission is recorded on Friday at the server's
    time (corrected by the offset measured with the roster), not flagged, and another gate is told
    "already checked in" at that time."""
    from datetime import datetime, timedelta

    from harkop import clock
    from harkop.checkin.models import CheckIn, Scan
    from harkop.extensions import db

    ((ticket_id, code),) = _wedge_tickets(live_server, "Jam", 1)
    server_now = datetime.fromisoformat("2024-07-26T09:00:00+08:00")
    behind = server_now - timedelta(days=1)
    context = new_context("phone")
    context.add_init_script(_clock_script(int(behind.timestamp() * 1000)))
    page = context.new_page()
    login(page, "petugas")
    page.goto("/checkin/pindai")
    page.wait_for_selector("#scanner[data-ready='1']")
    assert page.evaluate("() => new Date().toISOString()").startswith("2024-07-25")
    page.get_by_role("button", name="Ketik kode").click()
    context.set_offline(True)
    page.wait_for_selector("#net-banner[data-state='offline']")
    page.locator("#code").fill(code)
    page.get_by_role("button", name="Periksa tiket").click()
    page.wait_for_selector("#verdict[data-verdict='checked_in'][data-offline='1']")
    context.set_offline(False)
    page.wait_for_selector("#net-banner[data-state='online'][data-waiting='0']", timeout=30_000)
    with live_server.app_context():
        scan = db.session.scalars(select(Scan).where(Scan.ticket_id == ticket_id)).one()
        admission = db.session.get(CheckIn, scan.admission_id)
        assert scan.offline and scan.day.isoformat() == "2024-07-26"
        assert clock.to_wita(scan.scanned_at).date().isoformat() == "2024-07-26"
        assert scan.clock_suspect is False
        assert server_now - timedelta(minutes=1) <= admission.admitted_at <= server_now
    # Another gate, online: told the Friday time.
    page.locator("#code").fill(code)
    page.get_by_role("button", name="Periksa tiket").click()
    page.wait_for_selector("#verdict[data-verdict='already_checked_in'][data-offline='0']")
    assert "09.00" in page.locator("#verdict .verdict-message").inner_text()


def test_staff_landing_page_and_dashboard_open_offline_with_their_time(new_context, live_server):
    """Once loaded, the staff landing page and the dashboard open without network as kept copies
    that say so and from when; the scanner's banner shows the roster's freshness and the queue."""
    _tickets(live_server)
    context = new_context("phone")
    page = context.new_page()
    login(page, "petugas")
    page.goto("/checkin/pindai")
    page.wait_for_selector("#scanner[data-ready='1']")
    page.evaluate("async () => { await navigator.serviceWorker.ready; }")
    roster = page.locator("#net-roster")
    assert re.search(r"daftar peserta \d{2}\.\d{2} WITA", roster.inner_text()), roster.inner_text()
    assert page.locator("#net-queue").is_visible()
    # Visited online once more, under the service worker: kept as last seen.
    for path in ("/checkin", "/checkin/dasbor"):
        page.goto(path)
    assert page.evaluate("() => navigator.serviceWorker.controller !== null")
    assert "Data per" in page.locator("#board-as-of").inner_text()

    context.set_offline(True)
    for path in ("/checkin", "/checkin/dasbor"):
        response = page.goto(path)
        assert response is not None and response.ok, path
        note = page.locator("main .kept-copy")
        assert "Luring" in note.inner_text() and "WITA" in note.inner_text(), path
    assert page.locator("[data-figure='checked_in']").count() == 1  # the last figures, kept
    response = page.goto("/checkin/pindai")
    assert response is not None and response.ok
    page.wait_for_selector("#scanner[data-ready='1']")
    assert page.locator("#net-banner").get_attribute("data-state") == "offline"
    assert "daftar peserta" in page.locator("#net-roster").inner_text()
    context.set_offline(False)
