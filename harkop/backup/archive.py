"""The archive: a gzip-compressed tar with the database copy, the uploaded files and a manifest.

    database/harkop.sqlite3 | database/harkop.pgdump   the database (one of them)
    files/<path under the upload folder>               every uploaded file
    manifest.json                                      last: what is inside, with SHA-256 sums

The manifest says which engine and schema revision the database copy is at, when the archive was
made, and each member's size and SHA-256. Reading an archive extracts it into a staging folder
and checks it as it goes; anything unexpected (a truncated or corrupted file, a member missing,
changed or unlisted, a link, a path that climbs out) is refused with `backup_damaged`.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import tarfile
import zlib
from dataclasses import asdict, dataclass, field
from datetime import datetime
from pathlib import Path, PurePosixPath
from typing import IO

from ..errors import DomainError

FORMAT = "harkop-backup"
FORMAT_VERSION = 1
MANIFEST = "manifest.json"
DATABASE_MEMBERS = {"sqlite": "database/harkop.sqlite3", "postgresql": "database/harkop.pgdump"}
FILES_PREFIX = "files/"
CHUNK = 1024 * 1024


class BackupError(DomainError):
    """A backup or restore refused or failed, with a code (`backup_damaged`, `backup_newer_schema` …)."""


@dataclass(frozen=True)
class Member:
    """One file in the archive: its path inside it, size and SHA-256."""

    path: str
    size: int
    sha256: str


@dataclass
class Manifest:
    """What an archive holds."""

    created_at: str
    dialect: str
    revision: str | None
    schema: str | None
    database: Member
    files: list[Member] = field(default_factory=list)
    format: str = FORMAT
    format_version: int = FORMAT_VERSION

    def to_json(self) -> bytes:
        """The manifest as the archive stores it."""
        return json.dumps(asdict(self), indent=2, ensure_ascii=False).encode()

    @classmethod
    def from_json(cls, raw: bytes) -> Manifest:
        """Read a stored manifest; refuse anything that is not one this code writes."""
        try:
            data = json.loads(raw)
            if data.get("format") != FORMAT:
                raise ValueError("not a Harkop backup")
            if data.get("format_version") != FORMAT_VERSION:
                raise ValueError(f"format version {data.get('format_version')}")
            return cls(
                created_at=str(data["created_at"]),
                dialect=str(data["dialect"]),
                revision=data.get("revision"),
                schema=data.get("schema"),
                database=Member(**data["database"]),
                files=[Member(**m) for m in data.get("files", [])],
            )
        except (ValueError, KeyError, TypeError) as err:
            raise damaged(f"manifest tidak dapat dibaca ({err})") from err


def damaged(why: str) -> BackupError:
    """The refusal of an archive that is not intact."""
    return BackupError("backup_damaged", f"Arsip cadangan rusak atau tidak lengkap: {why}.")


class _Hashing:
    """A file object that hashes and counts what is read through it."""

    def __init__(self, raw: IO[bytes]) -> None:
        self.raw = raw
        self.sha = hashlib.sha256()
        self.size = 0

    def read(self, n: int = -1) -> bytes:
        chunk = self.raw.read(n)
        self.sha.update(chunk)
        self.size += len(chunk)
        return chunk


def _add(tar: tarfile.TarFile, source: Path, name: str) -> Member:
    info = tar.gettarinfo(str(source), arcname=name)
    info.uid = info.gid = 0
    info.uname = info.gname = ""
    info.mode = 0o600
    with source.open("rb") as handle:
        reader = _Hashing(handle)
        tar.addfile(info, reader)  # type: ignore[arg-type]
    if reader.size != info.size:
        raise BackupError("backup_failed", f"{source} changed while it was being archived")
    return Member(path=name, size=reader.size, sha256=reader.sha.hexdigest())


def uploaded_files(root: Path) -> list[tuple[Path, str]]:
    """The files under the upload folder, as (path, name in the archive), in a stable order.

    Hidden files are skipped: uploads in progress are written as `.<name>.part` and renamed.
    """
    if not root.is_dir():
        return []
    found = []
    for path in sorted(root.rglob("*")):
        relative = path.relative_to(root)
        if any(part.startswith(".") for part in relative.parts) or not path.is_file() or path.is_symlink():
            continue
        found.append((path, FILES_PREFIX + relative.as_posix()))
    return found


def write_archive(
    target: Path,
    *,
    database_copy: Path,
    dialect: str,
    revision: str | None,
    schema: str | None,
    upload_root: Path,
    created_at: datetime,
) -> Manifest:
    """Write the archive to `target` (through a `.partial` file renamed at the end); its manifest."""
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(target.name + ".partial")
    try:
        # Backups hold participants' personal data: readable by the service's account only.
        fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "wb") as raw:
            with tarfile.open(fileobj=raw, mode="w:gz", compresslevel=6, format=tarfile.PAX_FORMAT) as tar:
                database = _add(tar, database_copy, DATABASE_MEMBERS[dialect])
                files = []
                for path, name in uploaded_files(upload_root):
                    try:
                        files.append(_add(tar, path, name))
                    except FileNotFoundError:
                        continue  # removed after a failed upload's rollback: never referenced
                manifest = Manifest(
                    created_at=created_at.isoformat(),
                    dialect=dialect,
                    revision=revision,
                    schema=schema,
                    database=database,
                    files=files,
                )
                body = manifest.to_json()
                info = tarfile.TarInfo(MANIFEST)
                info.size = len(body)
                info.mode = 0o600
                info.mtime = int(created_at.timestamp())
                tar.addfile(info, io.BytesIO(body))
            raw.flush()
            os.fsync(raw.fileno())
        os.replace(partial, target)
        _fsync_dir(target.parent)
    finally:
        partial.unlink(missing_ok=True)
    return manifest


def _fsync_dir(folder: Path) -> None:
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _safe_name(name: str) -> bool:
    path = PurePosixPath(name)
    return not path.is_absolute() and ".." not in path.parts and bool(path.parts)


@dataclass
class Extracted:
    """An archive checked and unpacked in a staging folder."""

    manifest: Manifest
    database: Path
    files_dir: Path


def read_archive(source: Path, staging: Path) -> Extracted:
    """Unpack `source` into `staging`, checking every member against the manifest; refuse any damage."""
    if not source.is_file():
        raise BackupError("backup_not_found", f"Arsip cadangan tidak ditemukan: {source}")
    files_dir = staging / "files"
    files_dir.mkdir(parents=True, exist_ok=True)
    seen: dict[str, Member] = {}
    manifest_raw: bytes | None = None
    try:
        with tarfile.open(source, mode="r:gz") as tar:
            for info in tar:
                name = info.name
                if info.isdir():
                    continue
                if not info.isfile() or not _safe_name(name):
                    raise damaged(f"anggota tidak diterima: {name!r}")
                if name in seen or (name == MANIFEST and manifest_raw is not None):
                    raise damaged(f"anggota ganda: {name}")
                handle = tar.extractfile(info)
                assert handle is not None
                if name == MANIFEST:
                    manifest_raw = handle.read()
                    continue
                if name.startswith(FILES_PREFIX):
                    out = files_dir / name[len(FILES_PREFIX) :]
                elif name in DATABASE_MEMBERS.values():
                    out = staging / PurePosixPath(name).name
                else:
                    raise damaged(f"anggota tidak dikenal: {name}")
                out.parent.mkdir(parents=True, exist_ok=True)
                digest = hashlib.sha256()
                size = 0
                with out.open("wb") as sink:
                    while chunk := handle.read(CHUNK):
                        digest.update(chunk)
                        size += len(chunk)
                        sink.write(chunk)
                seen[name] = Member(path=name, size=size, sha256=digest.hexdigest())
    except (tarfile.TarError, EOFError, zlib.error, OSError) as err:
        if isinstance(err, BackupError):
            raise
        raise damaged(f"{err.__class__.__name__}: {err}") from err
    if manifest_raw is None:
        raise damaged("manifest.json tidak ada")
    manifest = Manifest.from_json(manifest_raw)
    expected = {m.path: m for m in [manifest.database, *manifest.files]}
    if manifest.database.path != DATABASE_MEMBERS.get(manifest.dialect):
        raise damaged(f"basis data {manifest.dialect} tidak dikenal")
    for name, member in expected.items():
        got = seen.get(name)
        if got is None:
            raise damaged(f"{name} tidak ada")
        if got != member:
            raise damaged(f"checksum {name} tidak cocok")
    unlisted = sorted(set(seen) - set(expected))
    if unlisted:
        raise damaged(f"anggota tidak tercantum di manifest: {unlisted[0]}")
    database = staging / PurePosixPath(manifest.database.path).name
    return Extracted(manifest=manifest, database=database, files_dir=files_dir)
