"""The English catalogue: complete with respect to the code, compiled, and safe to format.

Msgids are Indonesian (the default language). `make i18n` extracts them into
translations/messages.pot and merges them into translations/en/LC_MESSAGES/messages.po;
`make translations` compiles the .po into the .mo the app loads.
"""

from __future__ import annotations

import re
import warnings
from pathlib import Path

import pytest
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.pofile import read_po
from babel.support import Translations
from flask_babel import refresh

ROOT = Path(__file__).resolve().parent.parent
TRANSLATIONS = ROOT / "translations"
POT = TRANSLATIONS / "messages.pot"
EN_PO = TRANSLATIONS / "en" / "LC_MESSAGES" / "messages.po"
EN_MO = EN_PO.with_suffix(".mo")
KEYWORDS = {**DEFAULT_KEYWORDS, "_l": None, "lazy_gettext": None}
PLACEHOLDER = re.compile(r"%\((\w+)\)[sdifr]")
SKIPPED_DIRS = {"__pycache__", "node_modules"}


def _msgids(path: Path) -> set[str]:
    with path.open("rb") as fh:
        catalog = read_po(fh)
    return {m.id if isinstance(m.id, str) else m.id[0] for m in catalog if m.id}


def _source_msgids() -> set[str]:
    """Every translatable string in harkop/ and templates/, extracted as `make i18n` does."""
    with (ROOT / "babel.cfg").open() as fh:
        method_map, options_map = parse_mapping_cfg(fh)

    def keep(dirpath: str) -> bool:
        # Like the Makefile's --ignore-dirs: hidden folders and caches, but templates/_macros counts.
        name = Path(dirpath).name
        return not name.startswith(".") and name not in SKIPPED_DIRS

    found = extract_from_dir(str(ROOT), method_map, options_map, keywords=KEYWORDS, directory_filter=keep)
    ids = set()
    for _filename, _lineno, message, _comments, _context in found:
        ids.add(message if isinstance(message, str) else message[0])
    return {i for i in ids if i}


def test_every_string_in_the_code_is_in_the_english_catalogue():
    """A string marked for translation in the code or templates has an entry in the English .po."""
    missing = sorted(_source_msgids() - _msgids(EN_PO))
    assert not missing, (
        f"{len(missing)} translatable strings are not in {EN_PO.relative_to(ROOT)}. "
        "Run `make i18n`, then write their English msgstr:\n  " + "\n  ".join(missing)
    )


def test_every_msgid_of_the_template_is_in_the_english_catalogue():
    """messages.pot and the English .po agree (the .po was updated after the last extraction)."""
    missing = sorted(_msgids(POT) - _msgids(EN_PO))
    assert not missing, "run `make i18n`; missing from the English .po:\n  " + "\n  ".join(missing)


def test_translations_keep_their_placeholders():
    """A translation uses exactly the %(name)s placeholders of its msgid, or formatting would fail."""
    with EN_PO.open("rb") as fh:
        catalog = read_po(fh)
    wrong = []
    untranslated = []
    for message in catalog:
        if not message.id:
            continue
        msgid = message.id if isinstance(message.id, str) else message.id[0]
        msgstr = message.string if isinstance(message.string, str) else message.string[0]
        if not msgstr:
            untranslated.append(msgid)
            continue
        if set(PLACEHOLDER.findall(msgid)) != set(PLACEHOLDER.findall(msgstr)):
            wrong.append(f"{msgid!r} -> {msgstr!r}")
    if untranslated:
        # Allowed (the page falls back to Indonesian), but worth seeing in the test summary.
        warnings.warn(
            f"{len(untranslated)} English msgstr empty: " + "; ".join(untranslated[:20]), stacklevel=1
        )
    assert not wrong, "placeholders differ:\n" + "\n".join(wrong)


def _compiled_catalogue() -> Translations:
    if not EN_MO.exists() or EN_MO.stat().st_mtime < EN_PO.stat().st_mtime:
        pytest.fail(
            f"{EN_MO.relative_to(ROOT)} is missing or older than the .po: run `make translations` "
            "(make test does this first)",
            pytrace=False,
        )
    return Translations.load(str(TRANSLATIONS), ["en"], domain="messages")


def test_compiled_english_catalogue_translates_a_known_string():
    """The compiled catalogue turns 'Masuk' into 'Log in' and keeps placeholders working."""
    catalogue = _compiled_catalogue()
    assert catalogue.gettext("Masuk") == "Log in"
    assert catalogue.gettext("Akun %(u)s dibuat.") % {"u": "siti"} == "Account siti created."


def test_english_switch_translates_the_pages(client):
    """After choosing English, the login page speaks English (and Indonesian is the default)."""
    _compiled_catalogue()
    page = client.get("/masuk").get_data(as_text=True)
    assert '<html lang="id">' in page and ">Masuk</h1>" in page
    client.post("/bahasa", data={"lang": "en", "next": "/masuk"})
    # The test keeps one app context across requests, where Flask-Babel caches the locale.
    refresh()
    page = client.get("/masuk").get_data(as_text=True)
    assert '<html lang="en">' in page
    assert ">Log in</h1>" in page and "Username" in page
