"""Every route × every role, against the expectations declared in `tests/*/authz_rows.py`."""

from __future__ import annotations

import importlib
import pkgutil
from pathlib import Path

import pytest

from tests.authz import ROLES, Row
from tests.conftest import sign_in


def _all_rows() -> list[Row]:
    rows: list[Row] = []
    root = Path(__file__).parent
    for path in sorted(root.rglob("authz_rows.py")):
        module = ".".join(path.relative_to(root.parent).with_suffix("").parts)
        rows.extend(importlib.import_module(module).ROWS)
    return rows


ROWS = _all_rows()
del pkgutil


class Fixtures:
    """Data a row's URL may need, created on demand inside the test's transaction."""

    def __init__(self, make_user, make_cooperative, **extra):
        self.make_user = make_user
        self.make_cooperative = make_cooperative
        self._cache: dict[str, object] = {}
        self.extra = extra

    def user(self, role: str):
        """A user of that role (one per test)."""
        key = f"user:{role}"
        if key not in self._cache:
            self._cache[key] = self.make_user(role)
        return self._cache[key]

    def cooperative(self):
        """A cooperative (one per test)."""
        if "coop" not in self._cache:
            self._cache["coop"] = self.make_cooperative()
        return self._cache["coop"]

    def cached(self, key: str, factory):
        """Any other object, made once per test by `factory()`."""
        if key not in self._cache:
            self._cache[key] = factory()
        return self._cache[key]


def test_every_route_has_a_row(app):
    """A route without a declared expectation fails here, naming itself."""
    declared = {(r.endpoint, r.method) for r in ROWS}
    missing = []
    for rule in app.url_map.iter_rules():
        for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"}):
            if (rule.endpoint, method) not in declared:
                missing.append(f"{method} {rule.rule} ({rule.endpoint})")
    assert not missing, "routes without an authorization row:\n" + "\n".join(missing)


def test_every_view_declares_its_access(app):
    """Every view carries a permission decorator (@public, @login_required or @roles_required)."""
    undeclared = [
        name
        for name, view in app.view_functions.items()
        if name != "static" and not getattr(view, "harkop_access", None)
    ]
    assert not undeclared, f"views without a permission decorator: {undeclared}"


def _classify(response) -> str:
    location = response.headers.get("Location", "")
    if response.status_code in (301, 302, 303) and "/masuk" in location:
        return "login"
    if response.status_code == 401:
        return "login"
    if response.status_code == 403:
        return "deny"
    return "ok"


@pytest.mark.parametrize("row", ROWS, ids=[f"{r.method} {r.endpoint} {r.note}".strip() for r in ROWS])
def test_route_outcome_per_role(row: Row, app, client, make_user, make_cooperative, request):
    """Each role gets exactly the declared outcome on this route."""
    from harkop.extensions import db

    failures = []
    for role in ROLES:
        with client.session_transaction() as sess:
            sess.clear()
        extra = {name: request.getfixturevalue(name) for name in row.extra.get("fixtures", ())}
        f = Fixtures(make_user, make_cooperative, **extra)
        if role != "anonymous":
            user = f.user(role)
            sign_in(client, user)
        url = row.url(f) if callable(row.url) else row.url
        data = row.data(f) if callable(row.data) else row.data
        payload = row.json(f) if callable(row.json) else row.json
        response = client.open(url, method=row.method, data=data, json=payload)
        db.session.rollback()
        expected = row.expect[role]
        got = response.status_code if isinstance(expected, int) else _classify(response)
        if got != expected:
            failures.append(f"{role}: expected {expected}, got {got} (HTTP {response.status_code})")
        assert response.status_code != 500, f"{role} got a 500 on {row.method} {url}"
    assert not failures, f"{row.method} {row.endpoint}: " + "; ".join(failures)
