"""House rules on how harkop's modules use each other, read from the source."""

from __future__ import annotations

import ast
from pathlib import Path

HARKOP = Path(__file__).resolve().parents[2] / "harkop"
BENCHMARKS = HARKOP.parent / "benchmarks"


def private_imports(source: str) -> list[str]:
    """The `from … import _name` lines of a module's source (a private name taken from elsewhere)."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.ImportFrom):
            for alias in node.names:
                name = alias.name
                if name.startswith("_") and not (name.startswith("__") and name.endswith("__")):
                    found.append(
                        f"line {node.lineno}: from {'.' * node.level}{node.module or ''} import {name}"
                    )
    return found


def test_the_check_finds_a_private_import():
    """The reader catches `from .views import _helper` and lets public and aliased names pass."""
    assert private_imports("from .views import _helper\n") == ["line 1: from .views import _helper"]
    assert private_imports("from .views import helper as _helper\nfrom . import api as _api\n") == []
    assert private_imports("from __future__ import annotations\n") == []


def test_no_module_imports_a_private_name_from_another():
    """No module of harkop or the benchmarks imports a `_private` name from another module."""
    offenders = {
        str(path.relative_to(HARKOP.parent)): hits
        for path in sorted([*HARKOP.rglob("*.py"), *BENCHMARKS.rglob("*.py")])
        if (hits := private_imports(path.read_text(encoding="utf-8")))
    }
    assert offenders == {}


# Which way imports run (docs/architecture.md): a package imports only packages ranked below it.
CORE = -1
RANKS = {
    "auth": 0,
    "api": 0.5,  # the /api/v1 blueprint reads who is logged in
    "cooperatives": 1,
    "office": 1.5,  # beside the registry: nothing but the top imports it
    "competitions": 2,
    "registrations": 3,
    "checkin": 4,
    "judging": 5,
}
# On top: the app factory, commands, jobs and site-wide pages, and the operations packages that
# read every capability's records (privacy: participants, scans; backup: the upload folder).
TOP = {"__init__", "cli", "scheduler", "main", "home", "models", "demo", "privacy", "backup"}


def _rank(part: str) -> float:
    if part in TOP:
        return 10
    return RANKS.get(part, CORE)


def _part_of(module: str) -> str | None:
    """`harkop.checkin.scans` -> 'checkin'; `harkop.clock` -> 'clock'; outside harkop -> None."""
    parts = module.split(".")
    if parts[0] != "harkop":
        return None
    return parts[1] if len(parts) > 1 else "__init__"


def imported_parts(path: Path) -> set[str]:
    """The parts of harkop (packages or core modules) a module imports, lazily imported ones included."""
    rel = path.relative_to(HARKOP.parent).with_suffix("")
    own = list(rel.parts)
    package = own[:-1]  # a module's package; for __init__.py, the package it opens
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom):
            if node.level:
                base = package[: len(package) - (node.level - 1)]
                target = ".".join(base + ([node.module] if node.module else []))
                names = [target] if node.module else [f"{target}.{a.name}" for a in node.names]
            else:
                names = [node.module or ""]
        elif isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        else:
            continue
        for name in names:
            part = _part_of(name)
            if part is not None:
                found.add(part)
    return found


def test_imports_run_one_way():
    """auth <- cooperatives (<- office) <- competitions <- registrations <- checkin <- judging, the core below all."""
    wrong = []
    for path in sorted(HARKOP.rglob("*.py")):
        own = _part_of(".".join(path.relative_to(HARKOP.parent).with_suffix("").parts))
        for part in imported_parts(path) - {own}:
            if part == "office" and _rank(own) != 10:
                wrong.append(f"{path.relative_to(HARKOP.parent)} imports office")
            elif _rank(part) >= _rank(own) and not (_rank(part) == _rank(own) and _rank(own) in (CORE, 10)):
                wrong.append(f"{path.relative_to(HARKOP.parent)} imports {part}")
    assert wrong == []


def test_the_direction_check_sees_an_upward_import():
    """The reader resolves relative imports, so `from ..judging import x` in checkin is caught."""
    module = HARKOP / "checkin" / "scans.py"
    assert "registrations" in imported_parts(module)
    assert "judging" not in imported_parts(module)
    assert (
        _rank("judging") > _rank("checkin") > _rank("registrations") > _rank("office") > _rank("cooperatives")
    )
