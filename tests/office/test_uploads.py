"""RAT minutes uploads: type by content, size limit, crafted names, nothing left on refusal."""

from __future__ import annotations

from io import BytesIO

import pytest

from harkop.errors import ValidationFailed
from harkop.office import uploads
from tests.office.conftest import JPEG, PDF, PNG


@pytest.mark.parametrize(
    "data, name, content_type, ext",
    [
        (PDF, "ba.pdf", "application/pdf", "pdf"),
        (JPEG, "ba.JPEG", "image/jpeg", "jpg"),
        (PNG, "ba.png", "image/png", "png"),
    ],
)
def test_pdf_jpeg_and_png_are_stored_by_their_content(data, name, content_type, ext, upload_dir):
    """The stored extension and type come from the magic bytes; the name is generated."""
    stored = uploads.store_minutes(BytesIO(data), name)
    assert stored.content_type == content_type
    assert stored.name.endswith(f".{ext}") and uploads.STORED_NAME.match(stored.name)
    assert (upload_dir / "rat-minutes" / stored.name).read_bytes() == data
    assert stored.original_name == name


@pytest.mark.parametrize(
    "data, name, code",
    [
        (b"MZ\x90\x00 not a pdf", "ba.pdf", "upload_bad_type"),  # an executable named .pdf
        (PNG, "ba.pdf", "upload_bad_type"),  # content and name disagree
        (PDF, "ba.exe", "upload_bad_type"),
        (PDF, "ba", "upload_bad_type"),
        (b"<svg onload=alert(1)>", "ba.png", "upload_bad_type"),
        (b"", "ba.pdf", "upload_empty"),
        (PDF, "", "upload_missing"),
    ],
)
def test_wrong_types_are_refused(data, name, code, upload_dir):
    """Content that is not PDF/JPEG/PNG, or does not match its name, is refused; nothing is written."""
    with pytest.raises(ValidationFailed) as err:
        uploads.store_minutes(BytesIO(data), name)
    assert err.value.code == code
    assert "minutes" in err.value.details["fields"]
    assert not any(p.is_file() for p in upload_dir.rglob("*"))


@pytest.mark.parametrize(
    "name",
    [
        "../../etc/passwd.pdf",
        "/etc/passwd.pdf",
        "a/b.pdf",
        "..\\..\\boot.pdf",
        "ba\x00.pdf",
        "ba.pdf\x00.png",
        ".htaccess.pdf",
        "ba\n.pdf",
    ],
)
def test_crafted_file_names_are_refused(name, upload_dir):
    """Paths, NUL and control characters, and hidden names are refused with an Indonesian message."""
    with pytest.raises(ValidationFailed) as err:
        uploads.store_minutes(BytesIO(PDF), name)
    assert err.value.code == "upload_bad_name"
    assert "Nama berkas tidak diterima" in err.value.message
    assert not upload_dir.exists() or not any(p.is_file() for p in upload_dir.rglob("*"))


def test_files_over_the_limit_are_refused_and_removed(app, upload_dir):
    """A file one byte over the configured limit is refused and no partial file remains."""
    limit = 200_000
    data = PDF + b"0" * (limit + 1 - len(PDF))
    with pytest.raises(ValidationFailed) as err:
        uploads.store_minutes(BytesIO(data), "besar.pdf", limit=limit)
    assert err.value.code == "upload_too_large"
    assert "terlalu besar" in err.value.message
    assert not any(p.is_file() for p in upload_dir.rglob("*"))
    exact = uploads.store_minutes(BytesIO(data[:limit]), "pas.pdf", limit=limit)
    assert exact.size == limit


def test_the_limit_comes_from_the_configuration(app):
    """HARKOP_MINUTES_MAX_BYTES sets the limit."""
    previous = app.config["HARKOP_MINUTES_MAX_BYTES"]
    app.config["HARKOP_MINUTES_MAX_BYTES"] = 1234
    try:
        assert uploads.max_bytes() == 1234
    finally:
        app.config["HARKOP_MINUTES_MAX_BYTES"] = previous


@pytest.mark.parametrize("name", ["../x.pdf", "x.pdf", "ABCDEF0123456789abcdef0123456789.pdf", ""])
def test_only_generated_names_map_to_paths(name):
    """stored_path refuses anything that is not a generated name (a tampered row cannot escape)."""
    with pytest.raises(ValueError):
        uploads.stored_path(name)
