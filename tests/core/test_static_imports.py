"""Every relative import in the browser's JavaScript modules names a file that exists.

Two branches moved and used the offline store at once: the gate's home page imported the old
path and the browser answered 404 only on the device. This catches a stale path without a browser.
"""

from __future__ import annotations

import re
from pathlib import Path

STATIC_JS = Path(__file__).resolve().parents[2] / "static" / "js"
IMPORT = re.compile(
    r"""(?:^|\n)\s*(?:import|export)\s[^"';]*?from\s+["'](\.{1,2}/[^"']+)["']|import\(\s*["'](\.{1,2}/[^"']+)["']\s*\)"""
)


def relative_imports(source: str) -> list[str]:
    """The relative module paths a JavaScript source imports (static and dynamic)."""
    return [a or b for a, b in IMPORT.findall(source)]


def test_the_import_pattern_finds_static_and_dynamic_imports():
    """The pattern sees `import {a} from "./x.js"`, `export * from "../y.js"` and `import("./z.js")`."""
    source = 'import { a } from "./x.js";\nexport * from "../y.js";\nconst m = await import("./z.js");'
    assert relative_imports(source) == ["./x.js", "../y.js", "./z.js"]


def test_every_relative_import_of_a_static_module_exists():
    """No module under static/js imports a file that is not there."""
    missing = []
    for path in sorted(STATIC_JS.rglob("*.js")):
        for target in relative_imports(path.read_text(encoding="utf-8")):
            if not (path.parent / target).resolve().is_file():
                missing.append(f"{path.relative_to(STATIC_JS)} → {target}")
    assert missing == []
