"""Where a `next` parameter may send the browser: a path on this site, nothing else.

Login (`/masuk?next=…`), the language switch (`/bahasa`) and every later form that returns
somewhere go through `safe_next`. Browsers are lenient with what they treat as another host:
`//evil.com`, `/\\evil.com`, `/\t/evil.com` (tabs and line breaks are dropped before the URL is
read) and their percent-encoded forms all leave the site. So a target passes only when it, and
each percent-decoding of it, is a path that starts with one `/`, has no scheme or host, no
backslash, and no control or bidirectional formatting character.
"""

from __future__ import annotations

import re
from urllib.parse import unquote, urlsplit

# C0 and C1 controls, DEL, zero-width and bidirectional formatting characters, line separators.
_FORBIDDEN = re.compile("[\x00-\x1f\x7f-\x9f\u200b-\u200f\u2028-\u202e\u2066-\u2069\ufeff]")
_MAX_LENGTH = 2000
_DECODINGS = 3


def is_local_path(target: str) -> bool:
    """True when `target` itself is a path on this site (no decoding)."""
    if not target.startswith("/") or target.startswith("//"):
        return False
    if "\\" in target or _FORBIDDEN.search(target):
        return False
    parts = urlsplit(target)
    return not parts.scheme and not parts.netloc


def safe_next(target: object, default: str | None = None) -> str | None:
    """`target` when it is a relative path on this site, after every decoding; else `default`."""
    if not isinstance(target, str) or not target or len(target) > _MAX_LENGTH:
        return default
    candidate = target
    for _ in range(_DECODINGS + 1):
        if not is_local_path(candidate):
            return default
        decoded = unquote(candidate)
        if decoded == candidate:
            return target
        candidate = decoded
    return default  # still encoded after several decodings: nobody writes a path like that
