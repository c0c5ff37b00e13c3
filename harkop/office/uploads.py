"""RAT minutes uploads: checked by content (magic bytes), size-limited, stored under a generated name.

The user's file name is checked (a name with a path, a NUL or control characters is refused,
since no honest browser sends one) and kept for display only: it never becomes part of a path.
Files live in `HARKOP_UPLOAD_DIR/rat-minutes/<32 hex>.<ext>`; the extension comes from the
detected type, not from the name the user gave.
"""

from __future__ import annotations

import hashlib
import os
import re
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from flask import Response, abort, current_app, send_file
from flask_babel import gettext as _

from .. import vocabulary
from ..errors import ValidationFailed

# Detected kind -> (content type, stored extension, magic prefixes).
KINDS: dict[str, tuple[str, str, tuple[bytes, ...]]] = {
    "pdf": ("application/pdf", "pdf", (b"%PDF-",)),
    "jpeg": ("image/jpeg", "jpg", (b"\xff\xd8\xff",)),
    "png": ("image/png", "png", (b"\x89PNG\r\n\x1a\n",)),
}
# Extensions people use for each kind; the name's extension must agree with the content.
EXTENSIONS = {"pdf": "pdf", "jpg": "jpeg", "jpeg": "jpeg", "png": "png"}
SUBFOLDER = "rat-minutes"
STORED_NAME = re.compile(r"^[0-9a-f]{32}\.(pdf|jpg|png)$")
DEFAULT_MAX_BYTES = 5 * 1024 * 1024
CHUNK = 64 * 1024


@dataclass(frozen=True)
class StoredFile:
    """A file written to the upload folder."""

    name: str  # generated, e.g. "3f2a….pdf"
    content_type: str
    size: int
    sha256: str
    original_name: str


def max_bytes() -> int:
    """The size limit for one minutes file (HARKOP_MINUTES_MAX_MB)."""
    return int(current_app.config.get("HARKOP_MINUTES_MAX_BYTES") or DEFAULT_MAX_BYTES)


def upload_root() -> Path:
    """The folder uploads live in (HARKOP_UPLOAD_DIR, default instance/uploads)."""
    configured = current_app.config.get("HARKOP_UPLOAD_DIR")
    return Path(configured) if configured else Path(current_app.instance_path) / "uploads"


def _refuse(code: str, message: str) -> ValidationFailed:
    return ValidationFailed(code, message, details={"fields": {"minutes": message}})


def check_file_name(name: str | None) -> str:
    """The user's file name if it is a plain name with an allowed extension; refuse anything else."""
    if not name or not name.strip():
        raise _refuse("upload_missing", _("Pilih berkas berita acara RAT (PDF, JPEG atau PNG)."))
    if (
        "/" in name
        or "\\" in name
        or ".." in name
        or name.startswith(".")
        or any(ord(ch) < 32 or ord(ch) == 127 for ch in name)
        or len(name) > 200
    ):
        raise _refuse(
            "upload_bad_name",
            _(
                "Nama berkas tidak diterima: gunakan nama biasa tanpa garis miring, titik ganda atau karakter khusus."
            ),
        )
    ext = name.rsplit(".", 1)[-1].lower() if "." in name else ""
    if ext not in EXTENSIONS:
        raise _refuse("upload_bad_type", _("Berkas harus berupa PDF, JPEG atau PNG."))
    return name.strip()


def detect_kind(head: bytes) -> str | None:
    """The kind of file the first bytes show (pdf, jpeg, png), or None."""
    for kind, (_type, _ext, magics) in KINDS.items():
        if any(head.startswith(m) for m in magics):
            return kind
    return None


def store_minutes(stream: IO[bytes], filename: str | None, *, limit: int | None = None) -> StoredFile:
    """Check and store an uploaded minutes file; raise a coded ValidationFailed when refused.

    Nothing is left on disk when the file is refused.
    """
    original = check_file_name(filename)
    limit = limit or max_bytes()
    head = stream.read(CHUNK)
    if not head:
        raise _refuse("upload_empty", _("Berkas kosong."))
    kind = detect_kind(head)
    if kind is None or kind != EXTENSIONS[original.rsplit(".", 1)[-1].lower()]:
        raise _refuse(
            "upload_bad_type",
            _("Isi berkas bukan PDF, JPEG atau PNG yang sesuai dengan namanya."),
        )
    content_type, ext, _magics = KINDS[kind]
    folder = upload_root() / SUBFOLDER
    folder.mkdir(parents=True, exist_ok=True)
    name = f"{uuid.uuid4().hex}.{ext}"
    final = folder / name
    partial = folder / f".{name}.part"
    digest = hashlib.sha256()
    size = 0
    try:
        with open(partial, "wb") as out:
            chunk = head
            while chunk:
                size += len(chunk)
                if size > limit:
                    raise _refuse(
                        "upload_too_large",
                        _("Berkas terlalu besar: paling besar %(mb)s MB.", mb=megabytes(limit)),
                    )
                digest.update(chunk)
                out.write(chunk)
                chunk = stream.read(CHUNK)
        os.chmod(partial, 0o640)
        os.replace(partial, final)
    finally:
        if partial.exists():
            partial.unlink()
    return StoredFile(
        name=name, content_type=content_type, size=size, sha256=digest.hexdigest(), original_name=original
    )


def megabytes(limit: int) -> str:
    """A size limit in MB as the page's language writes it: 20, or 0,50 below one MB."""
    value = limit / (1024 * 1024)
    return vocabulary.number(value, 0 if value >= 1 else 2)


def stored_path(name: str) -> Path:
    """The path of a stored file by its generated name (anything else is refused)."""
    if not STORED_NAME.match(name or ""):
        raise ValueError("not a generated upload name")
    return upload_root() / SUBFOLDER / name


def minutes_response(proposal) -> Response:
    """A proposal's RAT minutes as a private download; 404 when it has none or the file is gone."""
    if not proposal.minutes_file:
        abort(404)
    try:
        path = stored_path(proposal.minutes_file)
    except ValueError:
        abort(404)
    if not path.is_file():
        abort(404)
    ext = proposal.minutes_file.rsplit(".", 1)[-1]
    response = send_file(
        path,
        mimetype=proposal.minutes_type,
        as_attachment=True,
        download_name=f"berita-acara-rat-usulan-{proposal.id}.{ext}",
        max_age=0,
    )
    response.headers["Cache-Control"] = "private, no-store"
    return response


def remove_stored(name: str | None) -> None:
    """Delete a stored file (after a failed transaction), ignoring one already gone."""
    if not name:
        return
    try:
        stored_path(name).unlink(missing_ok=True)
    except ValueError:
        return
