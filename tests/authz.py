"""The authorization matrix's vocabulary.

Every route of the URL map has one row per method: who may use it and what the others get.
Each domain keeps its rows in `tests/<domain>/authz_rows.py` as `ROWS = [...]`;
`tests/test_authz_matrix.py` collects them all and fails on any route without a row.

Outcomes: "ok" (let in: any status but 401/403 and no redirect to the login page),
"login" (anonymous: sent to log in, or 401 from the API), "deny" (403), or an exact status.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

ROLES = ("anonymous", "admin", "coop_rep", "judge", "checkin_staff")


@dataclass(frozen=True)
class Row:
    """One route and method, and the outcome for each role."""

    endpoint: str
    method: str
    url: str | Callable[[Any], str]
    expect: dict[str, str | int]
    data: dict[str, Any] | Callable[[Any], dict[str, Any]] | None = None
    json: dict[str, Any] | Callable[[Any], dict[str, Any]] | None = None
    note: str = ""
    extra: dict[str, Any] = field(default_factory=dict)


def public(endpoint: str, url, method: str = "GET", **kw) -> Row:
    """Open to everyone."""
    return Row(endpoint, method, url, {r: "ok" for r in ROLES}, **kw)


def only(endpoint: str, url, roles: set[str] | tuple[str, ...], method: str = "GET", **kw) -> Row:
    """Only these roles; anonymous users must log in, other roles get 403."""
    expect: dict[str, str | int] = {"anonymous": "login"}
    for role in ROLES[1:]:
        expect[role] = "ok" if role in roles else "deny"
    return Row(endpoint, method, url, expect, **kw)


def logged_in(endpoint: str, url, method: str = "GET", **kw) -> Row:
    """Any logged-in user."""
    return only(endpoint, url, set(ROLES[1:]), method, **kw)


def admin_only(endpoint: str, url, method: str = "GET", **kw) -> Row:
    """The office only."""
    return only(endpoint, url, {"admin"}, method, **kw)
