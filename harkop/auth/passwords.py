"""Which passwords Harkop accepts: at least ten characters, not a common one, not the username.

The common passwords are the 20,000-odd most used ones that Django ships for its own
`CommonPasswordValidator` (compiled by Royce Williams from breach corpora), bundled in
`data/common-passwords.txt.gz` with Django's BSD licence beside it
(`data/LICENSE-django-common-passwords.txt`); see `data/README.md`. Nothing is fetched at run time.
"""

from __future__ import annotations

import gzip
from functools import cache
from pathlib import Path

MIN_PASSWORD = 10
COMMON_PASSWORDS = Path(__file__).resolve().parent / "data" / "common-passwords.txt.gz"


@cache
def common_passwords() -> frozenset[str]:
    """The bundled list, lower-cased (read once per process)."""
    with gzip.open(COMMON_PASSWORDS, "rt", encoding="utf-8") as handle:
        return frozenset(line.strip().lower() for line in handle if line.strip())


def password_problem(password: str | None, *, username: str | None = None) -> str | None:
    """The code of what is wrong with a password, or None when it is acceptable."""
    if not password or len(password) < MIN_PASSWORD:
        return "password_too_short"
    if password.strip().lower() in common_passwords():
        return "password_common"
    name = (username or "").strip().lower()
    if len(name) >= 3 and name in password.lower():
        return "password_has_username"
    return None
