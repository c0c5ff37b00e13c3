"""The audit trail in a real browser: the office unlocks a judge's score with a reason, then finds
who did it and why on the audit page, follows the link to the scorecard's own history, and downloads
the filtered log as CSV."""

from __future__ import annotations

import csv
import io
import re

import pytest

from tests.e2e.helpers import login, open_context
from tests.e2e.pages import JUDGING_SLUG, competition_id
from tests.liveserver import DEFAULT_FAKE_NOW

REASON = "Juri salah memasukkan nilai penyajian (uji peramban)"


@pytest.fixture(scope="module")
def server(live_server_factory):
    """A server of this module's own: the test unlocks a scorecard, which others must not see."""
    return live_server_factory(DEFAULT_FAKE_NOW, name="audit")


def test_office_finds_who_unlocked_a_score_and_why(browser, server, tmp_path):
    """Unlock on the monitor → filter the audit log → the scorecard's history → the CSV of the filter."""
    laptop = open_context(browser, server, "laptop", accept_downloads=True)
    try:
        page = laptop.new_page()
        login(page, "admin")
        page.goto(f"/penilaian/{competition_id(server, JUDGING_SLUG)}/pantau")
        unlock = page.locator("details.reject").first
        unlock.locator("summary").click()
        unlock.locator("textarea[name=reason]").fill(REASON)
        with page.expect_navigation():
            unlock.get_by_role("button", name="Buka kunci nilai").click()
        assert "Kunci nilai dibuka" in page.content()

        page.goto("/admin/audit")
        page.get_by_label("Tindakan (awalan, mis. entry.)").fill("judging.scorecard_unlocked")
        with page.expect_navigation():
            page.get_by_role("button", name="Saring").click()
        rows = page.locator("table.audit tbody tr")
        assert rows.count() == 1
        row = rows.first
        assert REASON in row.inner_text() and "admin" in row.inner_text()

        with page.expect_navigation():
            row.get_by_role("link", name=re.compile(r"scorecard \d+")).click()
        assert re.search(r"/admin/penilaian/kartu/\d+/riwayat$", page.url)
        history = page.locator("main").inner_text()
        assert "Kunci dibuka" in history and REASON in history and "Dikirim" in history

        page.go_back()
        with page.expect_download() as download:
            page.get_by_role("link", name="Unduh CSV (sesuai saringan)").click()
        saved = tmp_path / "audit.csv"
        download.value.save_as(saved)
        text = saved.read_text(encoding="utf-8-sig")
        rows = list(csv.reader(io.StringIO(text)))  # every field quoted (harkop/spreadsheets.py)
        assert rows[0][:3] == ["waktu_wita", "oleh", "tindakan"]
        assert len(rows) == 2 and REASON in text
    finally:
        laptop.close()
