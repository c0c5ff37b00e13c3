"""Whole public pages for anonymous visitors, drawn once and served from memory, with ETags.

On the event days the crowd reads the same few public pages (home, /jadwal, results, a
cooperative's profile, /statistik). For an anonymous visitor with no message waiting, a view
hands `public_page` a key that changes whenever what the page shows may change (the office's
latest audited change, `data_version`, plus whatever else the page depends on: the minute for
/jadwal, a snapshot's id for results) and a function that draws the page. The page is drawn once
per key and worker and kept (an LRU map with a time limit, `TTL`, so nothing outlives two
minutes even if a change went unaudited); every visitor gets it with their own CSRF token put in.
A worker reads the data version at most every `VERSION_TTL` seconds, so a kept page can lag a
change by that long and a visitor's request for a kept page touches no database at all.

The body is kept split at the CSRF token, plain and as raw-deflate pieces (each but the last
flushed to a byte boundary), so a visitor whose browser accepts gzip gets it compressed without
compressing anything per request: their token travels as a stored (uncompressed) deflate block
between the pieces, then the gzip trailer (CRC-32 and length of the whole). The CRC-32 is not run
over the whole page per request either: each piece's own CRC and, for each piece after a token,
how a CRC is carried across that many bytes (a linear map on 32 bits, `_carry_map`) are worked
out once when the page is drawn, so a request runs the CRC over its token only. Responses carry a weak
ETag (the page's key and content); a visitor who sends it back in `If-None-Match` gets 304 with
no body. Logged-in users, visitors with a flash message and a simulated clock (its banner shows
the time) always get a freshly drawn page.
"""

from __future__ import annotations

import hashlib
import struct
import threading
import time
import zlib
from collections.abc import Callable, Hashable
from dataclasses import dataclass
from typing import TypeVar

from cachetools import TTLCache
from flask import Response, request, session
from flask_babel import get_locale
from flask_login import current_user
from flask_wtf.csrf import generate_csrf
from sqlalchemy import func, select

from . import clock
from .extensions import db

TTL = 120  # seconds a drawn page may be served
MARK = "\x00csrf\x00"
_LOCK = threading.Lock()
CACHE: TTLCache[Hashable, CachedPage] = TTLCache(maxsize=256, ttl=TTL)
T = TypeVar("T")
GZIP_HEADER = b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\xff"


@dataclass(frozen=True)
class CachedPage:
    """A drawn page: its body split at the CSRF token, plain and deflated, and its ETag."""

    etag: str
    parts: tuple[bytes, ...]
    deflated: tuple[bytes, ...]
    status: int
    crcs: tuple[int, ...] = ()  # CRC-32 of each part on its own
    carries: tuple[tuple[int, ...], ...] = ()  # `_carry_map` of each part's length


VERSION_TTL = 5.0  # seconds a worker trusts the data version it read last
_version: list[float] = [0.0, -1.0]  # [read at (monotonic), version]


def data_version() -> int:
    """The id of the latest audit entry (every change the office or a pengurus makes writes one),
    read at most every VERSION_TTL seconds per worker: a kept page lags a change by at most that."""
    from .audit import AuditLog

    now = time.monotonic()
    with _LOCK:
        read_at, version = _version
    if version >= 0 and now - read_at < VERSION_TTL:
        return int(version)
    version = int(db.session.scalar(select(func.max(AuditLog.id))) or 0)
    with _LOCK:
        _version[:] = [now, version]
    return version


def cacheable() -> bool:
    """True for a request whose page is the same for every anonymous visitor."""
    return (
        request.method in ("GET", "HEAD")
        and not current_user.is_authenticated
        and not session.get("_flashes")
        and not clock.is_simulated()
    )


def _deflate(parts: list[bytes]) -> tuple[bytes, ...]:
    pieces = []
    for index, part in enumerate(parts):
        raw = zlib.compressobj(6, zlib.DEFLATED, -15)
        last = index == len(parts) - 1
        pieces.append(raw.compress(part) + raw.flush(zlib.Z_FINISH if last else zlib.Z_FULL_FLUSH))
    return tuple(pieces)


def _carry_map(length: int) -> tuple[int, ...]:
    """How a CRC-32 carries across `length` bytes, whatever they are: zlib.crc32(data, c) equals
    `_carry(map, c) ^ zlib.crc32(data)` for any `data` of that length (the CRC is linear in its
    starting value), and `map` holds the images of the 32 single bits."""
    zeros = bytes(length)
    base = zlib.crc32(zeros)
    return tuple(zlib.crc32(zeros, 1 << bit) ^ base for bit in range(32))


def _carry(carry_map: tuple[int, ...], crc: int) -> int:
    out = 0
    for bit, image in enumerate(carry_map):
        if crc >> bit & 1:
            out ^= image
    return out


def draw(key: Hashable, html: str, status: int = 200) -> CachedPage:
    """Split a drawn page (with the token replaced by MARK) and make its ETag."""
    parts = [p.encode() for p in html.split(MARK)]
    digest = hashlib.sha1(repr(key).encode())  # noqa: S324 - a cache validator, not a secret
    for part in parts:
        digest.update(part)
    return CachedPage(
        f'W/"{digest.hexdigest()[:32]}"',
        tuple(parts),
        _deflate(parts),
        status,
        tuple(zlib.crc32(part) for part in parts),
        tuple(_carry_map(len(part)) for part in parts),
    )


def _stored_block(data: bytes) -> bytes:
    """`data` as one stored (uncompressed, non-final) deflate block; < 64 KiB."""
    return b"\x00" + struct.pack("<HH", len(data), 0xFFFF ^ len(data)) + data


def gzip_body(page: CachedPage, token: bytes) -> bytes:
    """The page as a gzip stream with `token` between its deflated pieces (nothing recompressed)."""
    chunks = [GZIP_HEADER]
    crc, size = 0, 0
    for index, piece in enumerate(page.deflated):
        if index:
            chunks.append(_stored_block(token))
            crc, size = zlib.crc32(token, crc), size + len(token)
        chunks.append(piece)
        crc = _carry(page.carries[index], crc) ^ page.crcs[index] if index else page.crcs[0]
        size += len(page.parts[index])
    chunks.append(struct.pack("<II", crc & 0xFFFFFFFF, size & 0xFFFFFFFF))
    return b"".join(chunks)


def respond(page: CachedPage, token: str) -> Response:
    """The page for one visitor: 304 when their ETag matches, gzip when accepted, else plain."""
    headers = {"ETag": page.etag, "Cache-Control": "no-cache", "Vary": "Accept-Encoding, Cookie"}
    if page.etag in request.headers.get("If-None-Match", ""):
        return Response(status=304, headers=headers)
    data = token.encode()
    if "gzip" in request.headers.get("Accept-Encoding", "") and len(page.parts) > 0:
        body = gzip_body(page, data)
        headers["Content-Encoding"] = "gzip"
    else:
        body = data.join(page.parts)
    return Response(body, status=page.status, headers=headers, mimetype="text/html")


def public_page(key: Hashable, render: Callable[[], str], status: int = 200) -> Response | str:
    """The page under `key` for an anonymous visitor (drawn once, see the module's notes), else drawn now."""
    if not cacheable():
        return render()
    full_key = (key, request.full_path, str(get_locale() or ""))
    with _LOCK:
        page = CACHE.get(full_key)
    if page is not None and page.etag in request.headers.get("If-None-Match", ""):
        return respond(page, "")  # 304: the visitor keeps their page (and token); nothing to sign
    token = generate_csrf()
    if page is None:
        page = draw(full_key, render().replace(token, MARK), status)
        with _LOCK:
            CACHE[full_key] = page
    return respond(page, token)


LOOKUPS: TTLCache[Hashable, object] = TTLCache(maxsize=1024, ttl=TTL)


def lookup(key: Hashable, compute: Callable[[], T | None]) -> T | None:
    """`compute()`'s answer for an anonymous visitor, kept under `key` and the data version (so a
    kept page's own lookup, such as which snapshot a results page shows, costs no query either);
    None is never kept, and anyone else always gets `compute()` afresh."""
    if not cacheable():
        return compute()
    full_key = (key, data_version())
    with _LOCK:
        found = LOOKUPS.get(full_key)
    if found is None:
        found = compute()
        if found is not None:
            with _LOCK:
                LOOKUPS[full_key] = found
    return found  # type: ignore[return-value]


def clear() -> None:
    """Forget every kept page (tests; a worker never needs it)."""
    with _LOCK:
        CACHE.clear()
        LOOKUPS.clear()
        _version[:] = [0.0, -1.0]
