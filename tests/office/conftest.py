"""Fixtures for the office workflow tests: an upload folder of the test's own, a pengurus with
their cooperative, sample files, and a way to read the text of a PDF."""

from __future__ import annotations

import re
import zlib
from datetime import datetime
from io import BytesIO

import pytest

from harkop.clock import WITA

NOW = datetime(2024, 7, 26, 9, 0, tzinfo=WITA)
FAKE_NOW = "2024-07-26T09:00:00+08:00"
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
JPEG = b"\xff\xd8\xff\xe0" + b"\x00" * 64


@pytest.fixture(autouse=True)
def upload_dir(app, tmp_path):
    """Every office test stores uploads in its own folder."""
    folder = tmp_path / "uploads"
    previous = app.config.get("HARKOP_UPLOAD_DIR")
    app.config["HARKOP_UPLOAD_DIR"] = str(folder)
    yield folder
    app.config["HARKOP_UPLOAD_DIR"] = previous


@pytest.fixture
def frozen(fake_now):
    """The clock at Friday 26 July 2024, 09.00 WITA (the demo's day)."""
    fake_now(FAKE_NOW)
    return NOW


@pytest.fixture
def rep(make_user, make_cooperative):
    """A pengurus of a cooperative in Balikpapan Kota, founded 2010."""
    from datetime import date

    coop = make_cooperative(kecamatan_code="balikpapan_kota", founded_on=date(2010, 3, 1))
    return make_user("coop_rep", cooperative=coop, email="pengurus@example.org")


def upload(data: bytes = PDF, name: str = "berita-acara.pdf"):
    """A file as a test client's multipart field."""
    return (BytesIO(data), name)


def pdf_text(data: bytes) -> str:
    """The text a PDF shows: the strings of its (inflated) content streams, joined by spaces, so a
    phrase wrapped over two lines is still found."""
    streams = []
    for match in re.finditer(rb"stream\r?\n(.*?)\r?\nendstream", data, re.S):
        try:
            streams.append(zlib.decompress(match.group(1)).decode("latin-1"))
        except zlib.error:
            streams.append(match.group(1).decode("latin-1"))
    strings = re.findall(r"\(((?:\\.|[^\\)])*)\)\s*Tj", "\n".join(streams))
    text = " ".join(re.sub(r"\\(.)", r"\1", s) for s in strings)
    return " ".join(text.split())
