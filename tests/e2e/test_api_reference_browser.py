"""The API reference page in real Chromium (issue 18, item 5): an integrator finds the scan
operation, its body fields and its refusals, and follows the link to the machine's document."""

from __future__ import annotations

import json

import pytest

pytestmark = pytest.mark.browser


def test_an_integrator_reads_the_scan_operation_and_opens_the_document(laptop):
    """From the table of contents to POST /api/v1/checkins: fields, codes, then openapi.json."""
    laptop.goto("/referensi-api")
    assert laptop.locator("h1").text_content() == "Referensi API"
    laptop.get_by_role("link", name="POST /api/v1/checkins", exact=True).click()
    scan = laptop.locator("article", has=laptop.locator("h3", has_text="POST /api/v1/checkins")).first
    body = scan.locator("table", has=laptop.locator("caption", has_text="Isian badan permintaan"))
    assert body.locator("code", has_text="nonce").count() == 1
    answers = scan.locator("table", has=laptop.locator("caption", has_text="Jawaban")).text_content()
    assert "already_checked_in" in answers and "missing_nonce" in answers
    with laptop.expect_navigation():
        laptop.get_by_role("link", name="/api/v1/openapi.json", exact=True).click()
    document = json.loads(laptop.locator("body").text_content())
    assert "/api/v1/checkins" in document["paths"]
