"""Check-in pages: the scanner (and its no-JavaScript form), the service worker, dashboard, scans and conflicts."""

from __future__ import annotations

import re
from datetime import timedelta

from sqlalchemy import select

from harkop.checkin.models import Scan
from harkop.checkin.scans import ScanInput, check_in
from harkop.extensions import db
from tests.checkin import factories as f

ON_DAY1 = "2024-07-26T09:30:00+08:00"
INLINE = re.compile(r"<script(?![^>]*\bsrc=)[^>]*>|\sstyle=|\son[a-z]+=", re.I)


def test_scanner_page_for_staff(client, login_as, fake_now):
    """The scanner shows the server's today, the typed-code form, and loads only external scripts."""
    fake_now(ON_DAY1)
    login_as("checkin_staff")
    res = client.get("/checkin/pindai")
    html = res.get_data(as_text=True)
    assert res.status_code == 200
    assert 'data-day="2024-07-26"' in html
    assert "Jumat, 26 Juli 2024" in html
    assert 'id="code-form"' in html and 'name="nonce"' in html
    assert "js/checkin/scanner.js" in html
    assert 'data-sw="/checkin/sw.js"' in html
    assert not INLINE.search(html), INLINE.search(html)
    assert "Pindai Tiket" in html  # the menu line


def test_typed_code_without_javascript_draws_the_verdict(client, login_as, fake_now, ticket):
    """Posting the typed-code form records the scan and draws the verdict; the same nonce again is one scan."""
    fake_now(ON_DAY1)
    login_as("checkin_staff")
    form = {"code": f.code(ticket), "nonce": "page-nonce-1", "gate": "Pintu Timur", "device_id": ""}
    res = client.post("/checkin/pindai", data=form)
    html = res.get_data(as_text=True)
    assert res.status_code == 200
    assert "Check-in berhasil" in html and ticket.participant.name in html
    assert 'value="Pintu Timur"' in html  # the gate is kept for the next scan
    again = client.post("/checkin/pindai", data=form)
    assert again.status_code == 200  # the first answer, not already_checked_in
    assert db.session.scalars(select(Scan).where(Scan.nonce == "page-nonce-1")).all().__len__() == 1
    other = client.post("/checkin/pindai", data={**form, "nonce": "page-nonce-2"})
    assert other.status_code == 409
    assert "Sudah check-in" in other.get_data(as_text=True) and "Pintu Timur" in other.get_data(as_text=True)


def test_typed_code_form_errors(client, login_as, fake_now):
    """A form without a code is a 422 with the form again."""
    fake_now(ON_DAY1)
    login_as("checkin_staff")
    res = client.post("/checkin/pindai", data={"code": "", "nonce": "x"})
    assert res.status_code == 422
    assert 'id="code-form"' in res.get_data(as_text=True)


def test_service_worker_is_served_for_the_checkin_scope(client):
    """The service worker is JavaScript, never cached stale, allowed the /checkin scope (landing page, scanner,
    dashboard), and keeps the scanner's assets."""
    res = client.get("/checkin/sw.js")
    assert res.status_code == 200
    assert res.mimetype == "text/javascript"
    assert res.headers["Cache-Control"] == "no-cache"
    assert res.headers["Service-Worker-Allowed"] == "/checkin"
    body = res.get_data(as_text=True)
    for asset in (
        "/static/vendor/jsqr/jsQR.js",
        "/static/js/checkin/scanner.js",
        "/checkin/pindai",
        "/checkin/dasbor",
    ):
        assert asset in body


def test_service_worker_lists_every_scanner_module(client, app):
    """Every module the scanner imports is in the service worker's list, so the page works offline."""
    from pathlib import Path

    body = client.get("/checkin/sw.js").get_data(as_text=True)
    folder = Path(app.static_folder) / "js" / "checkin"
    for path in folder.glob("*.js"):
        if path.name in ("sw.js", "dashboard.js"):
            continue
        assert f"/static/js/checkin/{path.name}" in body, path.name
    assert "/static/js/offline/store.js" in body  # the one offline store, shared with the judges


def test_both_service_workers_load_the_shared_kit_and_it_is_served(client):
    """The gate's and the judges' workers take their fetch timeout and asset cache from one file,
    which is served as JavaScript (a worker whose importScripts fails does not install)."""
    for worker in ("/checkin/sw.js", "/juri/sw.js"):
        body = client.get(worker).get_data(as_text=True)
        assert 'importScripts("/static/js/offline/sw-kit.js")' in body, worker
        assert "async function fetchWithin" not in body, worker
    kit = client.get("/static/js/offline/sw-kit.js")
    assert kit.status_code == 200 and kit.mimetype == "text/javascript"
    assert "async function fetchWithin" in kit.get_data(as_text=True)


def test_judges_service_worker_keeps_every_module_the_judges_pages_import(client, app):
    """/juri/sw.js is allowed the /juri scope and lists scorecard.js and every module it imports."""
    import re as _re
    from pathlib import Path

    res = client.get("/juri/sw.js")
    assert res.status_code == 200 and res.headers["Service-Worker-Allowed"] == "/juri"
    body = res.get_data(as_text=True)
    source = (Path(app.static_folder) / "js" / "scorecard.js").read_text()
    modules = ["/static/js/scorecard.js"] + [
        "/static/js/" + m.removeprefix("./") for m in _re.findall(r'from "(\./[^"]+)"', source)
    ]
    assert len(modules) > 1
    for module in modules:
        assert module in body, module


def test_dashboard_page_and_fragment(client, login_as, fake_now, ticket, staff):
    """The dashboard shows the day's figures in tables; the fragment it refreshes from has the same."""
    fake_now(ON_DAY1)
    for n in range(3):
        check_in(ScanInput(code=f.code(ticket), device_id="d", nonce=f"dash-{n}"), by=staff, now=f.ON_DAY1)
    db.session.commit()
    login_as("checkin_staff")
    page = client.get("/checkin/dasbor").get_data(as_text=True)
    assert 'data-figure="checked_in">1<' in page
    assert "js/checkin/dashboard.js" in page
    assert ticket.participant.entry.competition.name in page
    assert not INLINE.search(page)
    fragment = client.get("/checkin/dasbor/isi?date=2024-07-26")
    assert fragment.status_code == 200
    text = fragment.get_data(as_text=True)
    assert 'data-figure="checked_in">1<' in text and "<html" not in text
    assert "09.00–10.00" in text


def test_dashboard_with_nothing_yet(client, login_as, fake_now):
    """An empty day says what to do next."""
    fake_now(ON_DAY1)
    login_as("admin")
    res = client.get("/checkin/dasbor?date=bukan-tanggal")
    assert res.status_code == 200
    assert "Buka pemindai" in res.get_data(as_text=True)


def test_scans_page_lists_refusals_too(client, login_as, ticket, staff):
    """The office's scan log shows every scan of the day, filterable by verdict."""
    check_in(ScanInput(code=f.code(ticket), device_id="d", nonce="log-1"), by=staff, now=f.ON_DAY1)
    check_in(ScanInput(code="HK1:PALSU", device_id="d", nonce="log-2"), by=staff, now=f.ON_DAY1)
    db.session.commit()
    login_as("admin")
    html = client.get("/admin/checkin/pindaian?date=2024-07-26").get_data(as_text=True)
    assert "Check-in berhasil" in html and "Tiket tidak dikenal" in html
    only = client.get("/admin/checkin/pindaian?date=2024-07-26&verdict=unknown_ticket").get_data(as_text=True)
    assert "Tiket tidak dikenal" in only and ticket.participant.name not in only


def test_conflicts_page_and_review(client, login_as, ticket, staff):
    """The office sees an offline conflict with the admission kept, and marks it reviewed with a note."""
    common = {"offline": True, "day": f.DAY1, "local_verdict": "checked_in", "scanned_at": f.ON_DAY1}
    check_in(
        ScanInput(code=f.code(ticket), device_id="hp-a", gate="Pintu A", nonce="c-1", **common),
        by=staff,
        now=f.ON_DAY1,
    )
    b = check_in(
        ScanInput(code=f.code(ticket), device_id="hp-b", gate="Pintu B", nonce="c-2", **common),
        by=staff,
        now=f.ON_DAY1 + timedelta(minutes=9),
    )
    db.session.commit()
    login_as("admin")
    html = client.get("/admin/checkin/konflik").get_data(as_text=True)
    assert ticket.participant.name in html and "Pintu B" in html and "Pintu A" in html
    assert "perlu ditinjau" in html
    res = client.post(f"/admin/checkin/konflik/{b.id}/tinjau", data={"note": "Sudah dicek di lokasi."})
    assert res.status_code == 302
    db.session.refresh(b)
    assert b.reviewed_at is not None and b.review_note == "Sudah dicek di lokasi."
    assert "Tidak ada konflik" in client.get("/admin/checkin/konflik").get_data(as_text=True)
    everything = client.get("/admin/checkin/konflik?semua=1").get_data(as_text=True)
    assert "Sudah dicek di lokasi." in everything


def test_review_without_note_is_refused(client, login_as, ticket, staff):
    """A review needs a note."""
    login_as("admin")
    res = client.post("/admin/checkin/konflik/1/tinjau", data={"note": ""}, follow_redirects=True)
    assert "catatan" in res.get_data(as_text=True).lower()


def test_checkin_home_links_to_the_scanner(client, login_as):
    """Staff's home page leads to the scanner and the dashboard."""
    login_as("checkin_staff")
    html = client.get("/checkin").get_data(as_text=True)
    assert 'href="/checkin/pindai"' in html and 'href="/checkin/dasbor"' in html


def test_scanner_and_judges_pages_are_installable(client, login_as):
    """The scanner, the dashboard and the judges' pages link a web app manifest whose icons are served."""
    import json
    import re as _re

    for role, path, start in (
        ("checkin_staff", "/checkin/pindai", "/checkin/pindai"),
        ("checkin_staff", "/checkin/dasbor", "/checkin/pindai"),
        ("judge", "/juri", "/juri"),
    ):
        login_as(role)
        html = client.get(path).get_data(as_text=True)
        href = _re.search(r'<link rel="manifest" href="([^"]+)"', html).group(1)
        res = client.get(href)
        assert res.status_code == 200
        manifest = json.loads(res.get_data(as_text=True))
        assert manifest["start_url"] == start and manifest["display"] == "standalone"
        assert start.startswith(manifest["scope"])
        sizes = {icon["sizes"] for icon in manifest["icons"]}
        assert {"192x192", "512x512"} <= sizes
        for icon in manifest["icons"]:
            assert client.get(icon["src"]).status_code == 200
