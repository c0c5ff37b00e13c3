"""Documents cited by the code and the docs are in the repository, so a newcomer can open them."""

from __future__ import annotations

import re
from pathlib import Path

from harkop.config import ROOT

# A path to a Markdown document as code and docs cite it: `docs/x.md`, or a bare `x.md` in prose.
CITED = re.compile(r"(?<![\w/.-])((?:docs/)?(?:decisions/)?[\w-]+\.md)\b")
LINK = re.compile(r"\]\(([^)#\s]+\.md)(?:#[^)]*)?\)")
SOURCES = ("harkop", "tests", "benchmarks", "static/js", "templates", "migrations")


def _files() -> list[Path]:
    files = [ROOT / "README.md", ROOT / "Makefile", ROOT / "wsgi.py", *sorted((ROOT / "docs").rglob("*.md"))]
    for folder in SOURCES:
        for path in sorted((ROOT / folder).rglob("*")):
            if (
                path.suffix in {".py", ".js", ".mjs", ".html", ".json", ".md"}
                and "node_modules" not in path.parts
            ):
                files.append(path)
    return [f for f in files if f != Path(__file__)]  # this file names examples, not documents


def _exists(cited: str, where: Path) -> bool:
    candidates = [ROOT / cited, ROOT / "docs" / cited, where.parent / cited]
    return any(c.is_file() for c in candidates)


def test_every_cited_document_is_in_the_repository():
    """Every `*.md` a file names (docs/domain.md §3, ui.md, a Markdown link) exists in the repository."""
    missing = []
    for path in _files():
        text = path.read_text(encoding="utf-8", errors="replace")
        for cited in {*CITED.findall(text), *LINK.findall(text)}:
            if cited.startswith(("http", "//")):
                continue
            if not _exists(cited, path):
                missing.append(f"{path.relative_to(ROOT)}: {cited}")
    assert missing == []


def test_no_file_cites_the_design_notes_outside_the_repository():
    """Nothing points at the shared design folder that lives beside the repository."""
    offenders = [
        str(path.relative_to(ROOT))
        for path in _files()
        if "shared" + "/design" in path.read_text(encoding="utf-8", errors="replace")
    ]
    assert offenders == []
