"""Chaos at the venue, in Chromium against a real gunicorn: the server's final state equals what the
people did, nothing lost and nothing doubled.

- the server process killed and restarted while a scanner's queue is being replayed;
- Wi-Fi that connects but never answers (a small proxy in the test that accepts and stays silent)
  in the middle of judging, a reload and the next entry while it lasts;
- a judge's session ending with saves queued, then a login in another tab (old CSRF token);
- one judge on two tablets editing the same card offline;
- a save refused for good (judging closed meanwhile): kept on the tablet, on the office's monitor.

Everything runs on loopback (the server, the proxy) and every wait is bounded.
"""

from __future__ import annotations

import re
import socket
import threading
import time
from pathlib import Path

import pytest
from sqlalchemy import func, select

from tests.checkin import factories as cf
from tests.e2e.helpers import open_context
from tests.liveserver import DEFAULT_FAKE_NOW, LiveServer

# The judges' worker's cache, by its current version (static/js/judging-sw.js).
JUDGES_CACHE = re.search(
    r'const VERSION = "([^"]+)"', (Path(__file__).parents[2] / "static/js/judging-sw.js").read_text()
).group(1)

pytestmark = pytest.mark.browser
JUDGE_PASSWORD = "rahasia123"


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """A server of this module's own, in its own process group (so it can be killed outright)."""
    live = LiveServer.start(tmp_path_factory.mktemp("venue"), fake_now=DEFAULT_FAKE_NOW, own_group=True)
    yield live
    live.stop()


class SilentProxy:
    """A TCP proxy on loopback: forwards to the server, or (silent) accepts and never answers."""

    def __init__(self, upstream_port: int):
        self.upstream = ("127.0.0.1", upstream_port)
        self.silent = False
        self.listener = socket.socket()
        self.listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.listener.bind(("127.0.0.1", 0))
        self.listener.listen(64)
        self.url = f"http://127.0.0.1:{self.listener.getsockname()[1]}"
        self.sockets: list[socket.socket] = []
        self.running = True
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while self.running:
            try:
                client, _ = self.listener.accept()
            except OSError:
                return
            self.sockets.append(client)
            if self.silent:
                continue  # accepted, read by nobody, never answered
            try:
                upstream = socket.create_connection(self.upstream, timeout=5)
            except OSError:
                client.close()
                continue
            self.sockets.append(upstream)
            for a, b in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pipe, args=(a, b), daemon=True).start()

    def _pipe(self, source: socket.socket, sink: socket.socket) -> None:
        try:
            while True:
                data = source.recv(65536)
                if not data:
                    break
                sink.sendall(data)
        except OSError:
            pass
        finally:
            for s in (source, sink):
                try:
                    s.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass

    def set_silent(self, silent: bool) -> None:
        """Silent: new connections hang; live ones are cut (a browser would reuse them otherwise)."""
        self.silent = silent
        if silent:
            for s in self.sockets:
                try:
                    s.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass
            self.sockets = []

    def close(self) -> None:
        self.running = False
        self.listener.close()
        for s in self.sockets:
            try:
                s.close()
            except OSError:
                pass


def _wait_for(predicate, timeout: float = 30.0, interval: float = 0.2):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    return predicate()


# --- data -------------------------------------------------------------------------------------


def _judging(server, entries: int = 2) -> dict:
    """A competition under judging with one judge on `entries` entries: username, ids, criteria."""
    from harkop.extensions import db
    from tests.judging.factories import judging_setup

    with server.app_context():
        setup = judging_setup(entries=entries, judges=1, k=1, criteria=2)
        judge = setup.judges[0]
        data = {
            "comp": setup.comp.id,
            "judge": judge.username,
            "judge_id": judge.id,
            "entries": [e.id for e in setup.entries_of(judge)],
            "criteria": [(c.id, c.max_score) for c in setup.comp.criteria],
        }
        db.session.commit()
        return data


def _card(server, entry_id: int, judge_id: int):
    from harkop.extensions import db
    from harkop.judging.services import own_card

    with server.app_context():
        card = own_card(entry_id, judge_id)
        result = None if card is None else (card.state.value, dict(card.scores), card.comment)
        db.session.rollback()
        return result


def _login(page, username: str, password: str) -> None:
    page.goto("/masuk")
    page.locator("#username").fill(username)
    page.locator("#password").fill(password)
    with page.expect_navigation():
        page.locator("main form button[type=submit]").click()


def _fill(page, values: list) -> None:
    for box, value in zip(
        page.locator("fieldset[data-criterion] input[type=number]").all(), values, strict=True
    ):
        box.fill(str(value))


def _values(page) -> list[str]:
    return [box.input_value() for box in page.locator("fieldset[data-criterion] input[type=number]").all()]


def _scores(data: dict, values: list) -> dict:
    return {str(cid): value for (cid, _max), value in zip(data["criteria"], values, strict=True)}


def _ready(page) -> None:
    page.wait_for_selector("[data-sync-banner][data-ready='1']", state="attached")


# --- the scanner: the server killed in the middle of a queue ------------------------------------


def test_server_killed_and_restarted_while_a_scanner_replays_its_queue(browser, server):
    """Twenty offline scans replay; the server process is killed once the first arrive and started
    again: every ticket ends with exactly one scan and one admission."""
    from harkop.checkin.models import CheckIn, Scan
    from harkop.extensions import db

    with server.app_context():
        comp = cf.make_competition(name="Lomba Padam")
        tickets = [cf.make_ticket(comp, names=[f"Padam {i:02d}"]) for i in range(20)]
        db.session.commit()
        ids, codes = [t.id for t in tickets], [cf.code(t) for t in tickets]

    def scans() -> int:
        with server.app_context():
            n = db.session.scalar(select(func.count(Scan.id)).where(Scan.ticket_id.in_(ids)))
            db.session.rollback()
            return n

    context = open_context(browser, server, "phone")
    try:
        page = context.new_page()
        _login(page, "petugas", "harkop2024")
        page.goto("/checkin/pindai")
        page.wait_for_selector("#scanner[data-ready='1']")
        page.get_by_role("button", name="Ketik kode").click()
        page.locator("#wedge-mode").check()
        context.set_offline(True)
        page.wait_for_selector("#net-banner[data-state='offline']")
        for code in codes:
            page.keyboard.type(code)
            page.keyboard.press("Enter")
        page.wait_for_selector("#net-banner[data-waiting='20']")

        context.set_offline(False)
        assert _wait_for(lambda: scans() >= 1, timeout=20, interval=0.02)
        server.kill()  # mid-queue: some scans in, maybe one answered to nobody
        print(f"scans recorded when the server was killed: {scans()} of 20")
        time.sleep(1.0)
        server.restart()
        page.wait_for_selector("#net-banner[data-waiting='0']", timeout=40_000)
        with server.app_context():
            per_ticket = dict(
                db.session.execute(
                    select(Scan.ticket_id, func.count(Scan.id))
                    .where(Scan.ticket_id.in_(ids))
                    .group_by(Scan.ticket_id)
                ).all()
            )
            admitted = db.session.scalar(select(func.count(CheckIn.id)).where(CheckIn.ticket_id.in_(ids)))
            db.session.rollback()
        assert per_ticket == dict.fromkeys(ids, 1)
        assert admitted == 20
    finally:
        context.close()


# --- judges -------------------------------------------------------------------------------------


def test_wifi_that_never_answers_in_the_middle_of_judging(browser, server):
    """Behind Wi-Fi that accepts and never answers: Kirim nilai queues within the timeout, a reload
    and the next entry open from the tablet, and everything reaches the server when it answers again."""
    data = _judging(server, entries=3)
    proxy = SilentProxy(int(server.url.rsplit(":", 1)[1]))
    context = open_context(browser, server, "tablet", base_url=proxy.url)
    try:
        page = context.new_page()
        _login(page, data["judge"], JUDGE_PASSWORD)
        page.goto("/juri")
        _ready(page)
        page.evaluate("async () => { await navigator.serviceWorker.ready; }")
        page.reload()
        _ready(page)
        assert page.evaluate("() => navigator.serviceWorker.controller !== null")
        # The list was opened online: every assigned rubric page is kept on the tablet.
        kept = _wait_for(
            lambda: (
                page.evaluate(
                    "async (name) => (await (await caches.open(name)).keys())"
                    ".filter((r) => r.url.includes('/juri/penilaian/entri/')).length",
                    JUDGES_CACHE,
                )
                >= 3
            ),
            timeout=20,
        )
        assert kept

        first, second, third = data["entries"]
        page.goto(f"/juri/penilaian/entri/{first}")
        _ready(page)
        _fill(page, [7, 8])
        with page.expect_navigation():
            page.get_by_role("button", name="Kirim nilai").click()

        proxy.set_silent(True)
        page.goto(f"/juri/penilaian/entri/{second}")  # from the tablet's copy after the page timeout
        _ready(page)
        _fill(page, [6, 5])
        page.get_by_role("button", name="Kirim nilai").click()
        banner = page.locator("[data-sync-banner]")
        banner.get_by_text(re.compile("1 nilai menunggu dikirim")).wait_for(timeout=12_000)
        assert "Tersimpan di perangkat" in page.locator("[data-save-status]").inner_text()

        page.reload()  # still silent: the kept page, with the values queued on the tablet
        _ready(page)
        assert _values(page) == ["6", "5"]
        page.goto(f"/juri/penilaian/entri/{third}")
        _ready(page)
        _fill(page, [4, 3])
        page.get_by_role("button", name="Simpan draf").click()
        banner.get_by_text(re.compile("2 nilai menunggu dikirim")).wait_for(timeout=12_000)
        assert _card(server, second, data["judge_id"]) is None

        proxy.set_silent(False)
        page.wait_for_selector("[data-sync-banner][data-waiting='0']", state="attached", timeout=40_000)
        assert _card(server, first, data["judge_id"]) == ("submitted", _scores(data, [7, 8]), "")
        assert _card(server, second, data["judge_id"]) == ("submitted", _scores(data, [6, 5]), "")
        assert _card(server, third, data["judge_id"]) == ("draft", _scores(data, [4, 3]), "")
    finally:
        context.close()
        proxy.close()


def test_session_ends_mid_judging_then_a_login_in_another_tab(browser, server):
    """Saves queued while the session ends are kept; the page says so with a login link; after a
    login in another tab the queue replays with a fresh CSRF token and the page shows the server's card."""
    from harkop.auth.sessions import end_user_sessions
    from harkop.extensions import db

    data = _judging(server, entries=1)
    (entry,) = data["entries"]
    context = open_context(browser, server, "tablet")
    try:
        page = context.new_page()
        _login(page, data["judge"], JUDGE_PASSWORD)
        page.goto(f"/juri/penilaian/entri/{entry}")
        _ready(page)
        context.set_offline(True)
        _fill(page, [9, 2])
        page.locator("textarea[name=catatan]").fill("kuat di penyajian")
        page.get_by_role("button", name="Simpan draf").click()
        page.locator("[data-sync-banner]").get_by_text(re.compile("1 nilai menunggu")).wait_for()

        with server.app_context():
            end_user_sessions(data["judge_id"], reason="idle")
            db.session.commit()
        context.set_offline(False)
        page.evaluate("() => window.dispatchEvent(new Event('online'))")
        login_link = page.locator("[data-sync-banner] a", has_text="Masuk lagi")
        login_link.wait_for(timeout=15_000)
        assert "Sesi Anda berakhir" in page.locator("[data-sync-banner]").inner_text()
        assert "/masuk?next=" in login_link.get_attribute("href")
        assert _card(server, entry, data["judge_id"]) is None

        other = context.new_page()  # the judge logs in again in another tab; this tab keeps its old token
        _login(other, data["judge"], JUDGE_PASSWORD)
        page.evaluate("() => window.dispatchEvent(new Event('online'))")
        page.wait_for_selector("[data-sync-banner][data-waiting='0']", state="attached", timeout=20_000)
        assert _card(server, entry, data["judge_id"]) == ("draft", _scores(data, [9, 2]), "kuat di penyajian")
        assert page.locator("form[data-scorecard]").get_attribute("data-revision") != "0"
        assert _values(page) == ["9", "2"]
    finally:
        context.close()


def test_one_judge_on_two_tablets_editing_one_card_offline(browser, server):
    """Two tablets edit one card offline: the first to return is kept, the second is shown both
    versions and keeps its own; the server ends with exactly the chosen version."""
    data = _judging(server, entries=1)
    (entry,) = data["entries"]
    tablets = []
    try:
        for _ in range(2):
            context = open_context(browser, server, "tablet")
            page = context.new_page()
            _login(page, data["judge"], JUDGE_PASSWORD)
            page.goto(f"/juri/penilaian/entri/{entry}")
            _ready(page)
            tablets.append((context, page))
        (ctx_a, a), (ctx_b, b) = tablets
        for context in (ctx_a, ctx_b):
            context.set_offline(True)
        _fill(a, [3, 3])
        a.get_by_role("button", name="Simpan draf").click()
        _fill(b, [8, 9])
        b.get_by_role("button", name="Simpan draf").click()
        for page in (a, b):
            page.locator("[data-sync-banner]").get_by_text(re.compile("1 nilai menunggu")).wait_for()

        ctx_a.set_offline(False)
        a.wait_for_selector("[data-sync-banner][data-waiting='0']", state="attached", timeout=20_000)
        assert _card(server, entry, data["judge_id"]) == ("draft", _scores(data, [3, 3]), "")

        ctx_b.set_offline(False)
        choice = b.locator("[data-choose-version]")
        choice.wait_for(timeout=20_000)
        assert "8" in choice.locator("[data-version-mine]").inner_text()
        assert "3" in choice.locator("[data-version-server]").inner_text()
        assert _card(server, entry, data["judge_id"]) == ("draft", _scores(data, [3, 3]), "")
        b.get_by_role("button", name="Pakai versi perangkat ini").click()
        assert _wait_for(
            lambda: _card(server, entry, data["judge_id"]) == ("draft", _scores(data, [8, 9]), "")
        )
        b.wait_for_selector("[data-sync-banner][data-waiting='0']", state="attached")
        assert choice.is_hidden()
    finally:
        for context, _page in tablets:
            context.close()


def test_a_save_refused_for_good_stays_on_the_tablet_and_on_the_monitor(browser, server):
    """Judging closes while a draft waits offline: the replay is refused, the tablet keeps the values
    with the reason, and the office sees them on the judging monitor."""
    from harkop.competitions.models import Competition, CompetitionState
    from harkop.extensions import db

    data = _judging(server, entries=1)
    (entry,) = data["entries"]
    context = open_context(browser, server, "tablet")
    office = open_context(browser, server, "laptop")
    try:
        page = context.new_page()
        _login(page, data["judge"], JUDGE_PASSWORD)
        page.goto(f"/juri/penilaian/entri/{entry}")
        _ready(page)
        context.set_offline(True)
        _fill(page, [5, 6])
        page.get_by_role("button", name="Simpan draf").click()
        page.locator("[data-sync-banner]").get_by_text(re.compile("1 nilai menunggu")).wait_for()
        with server.app_context():
            db.session.get(Competition, data["comp"]).state = CompetitionState.final
            db.session.commit()
        context.set_offline(False)
        refused = page.locator("[data-save-problems] li")
        refused.first.wait_for(timeout=20_000)
        assert "5" in refused.first.inner_text() and "ditutup" in refused.first.inner_text()
        page.reload()
        _ready(page)
        page.locator("[data-save-problems] li").first.wait_for()  # still there after a reload

        admin = office.new_page()
        _login(admin, "admin", "harkop2024")
        admin.goto(f"/penilaian/{data['comp']}/pantau")
        row = admin.locator(f"[data-refusal='{entry}']")
        assert "ditutup" in row.inner_text() and "5" in row.inner_text()
        assert _card(server, entry, data["judge_id"]) is None
    finally:
        context.close()
        office.close()


def test_paper_fallback_sheet_printed_then_typed_in_by_the_office(browser, server):
    """Tablets fail: the office prints a judge's sheet from the monitor, then types the filled sheet
    in; the card is the judge's submitted card, recorded as from paper and by the office."""
    from sqlalchemy import select as _select

    from harkop.extensions import db
    from harkop.judging.models import Scorecard, ScorecardEvent
    from tests.judging.factories import judging_setup

    with server.app_context():
        setup = judging_setup(entries=2, judges=2, k=1, criteria=2)
        judge = setup.judges[1]
        entry = setup.entries_of(judge)[0]
        data = {"comp": setup.comp.id, "judge": judge.id, "label": judge.label, "entry": entry.id}
        data["team"] = entry.team_name
        data["criteria"] = [(c.id, c.max_score) for c in setup.comp.criteria]
        db.session.commit()
    context = open_context(browser, server, "laptop", accept_downloads=True)
    try:
        page = context.new_page()
        _login(page, "admin", "harkop2024")
        page.goto(f"/penilaian/{data['comp']}/pantau")
        with page.expect_download() as download:
            page.get_by_role("link", name=f"Lembar nilai {data['label']} (PDF)").click()
        with open(download.value.path(), "rb") as fh:
            assert fh.read(4) == b"%PDF"
        page.get_by_role("link", name="Masukkan lembar nilai kertas").click()
        page.locator("#juri").select_option(str(data["judge"]))
        page.get_by_role("button", name="Tampilkan").click()
        page.locator("#peserta").select_option(str(data["entry"]))
        page.get_by_role("button", name="Tampilkan").click()
        for (cid, _max), value in zip(data["criteria"], ["7", "6,5"], strict=True):
            page.locator(f"#angka-{cid}").fill(value.replace(",", "."))
        page.locator("#catatan").fill("lembar kertas, ditandatangani juri")
        with page.expect_navigation():
            page.get_by_role("button", name="Simpan sebagai nilai terkirim dari kertas").click()
        page.get_by_text(re.compile("Lembar kertas .* tersimpan")).wait_for()
        with server.app_context():
            card = db.session.scalar(
                _select(Scorecard).where(
                    Scorecard.entry_id == data["entry"], Scorecard.judge_id == data["judge"]
                )
            )
            event = db.session.scalars(
                _select(ScorecardEvent)
                .where(ScorecardEvent.scorecard_id == card.id)
                .order_by(ScorecardEvent.id)
            ).all()[-1]
            admin_id = db.session.scalar(_select(ScorecardEvent.by_id).where(ScorecardEvent.id == event.id))
            assert card.state.value == "submitted"
            assert card.scores == _scores(data, [7, 6.5])
            assert event.from_paper is True and event.by_name and admin_id != data["judge"]
            db.session.rollback()
    finally:
        context.close()
