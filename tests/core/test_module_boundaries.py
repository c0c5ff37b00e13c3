"""House rules on how harkop's modules use each other, read from the source."""

from __future__ import annotations

import ast
from pathlib import Path

HARKOP = Path(__file__).resolve().parents[2] / "harkop"


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
    """No module of harkop imports a `_private` name from another module (issue 15's house rule)."""
    offenders = {
        str(path.relative_to(HARKOP.parent)): hits
        for path in sorted(HARKOP.rglob("*.py"))
        if (hits := private_imports(path.read_text(encoding="utf-8")))
    }
    assert offenders == {}
