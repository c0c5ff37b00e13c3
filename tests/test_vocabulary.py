"""One vocabulary (harkop/vocabulary.py): every enumeration declares its order, label and badge once,
and numbers, years and dates read in the language of the page."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from decimal import Decimal

import pytest
from babel.messages.pofile import read_po
from babel.support import LazyProxy
from flask_babel import LazyString
from flask_babel import force_locale as _force_locale

from harkop import clock, vocabulary
from harkop.cooperatives.validation import FieldError, int_parser, year_parser
from harkop.cooperatives.vocab import SEKTOR_ALIASES, Grade, Predikat, ReasonCode, Sektor, parse_choice
from harkop.judging import scoring
from harkop.registrations.models import EntryState
from harkop.vocabulary import Badge, Choice
from tests.choices import all_choices, all_enums, harkop_modules
from tests.test_translations import EN_PO

# Enumerations that are no Choice, and why: pages never print their values as words (a template
# tests a value to pick its own sentence), or another package owns their labels.
NOT_CHOICES = {
    "harkop.auth.models.Role": "auth's one table, auth.models.ROLE_LABELS (auth is another room)",
    "harkop.checkin.models.Verdict": "check-in's verdict labels live in harkop/checkin",
    "harkop.checkin.models.ScanMethod": "never printed",
    "harkop.judging.models.AssignmentSource": "never printed",
    "harkop.judging.models.AttendanceStatus": "never printed",
    "harkop.judging.models.AttendanceSource": "a template picks its sentence",
    "harkop.judging.models.SnapshotKind": "a template picks its sentence",
}


def force_locale(lang: str):
    """Write in a page language as a request in it does ("en" is English as written here, en_GB)."""
    return _force_locale(vocabulary.LOCALES[lang])


# Labels that read the same in every language: RAT grade letters.
SAME_IN_EVERY_LANGUAGE = {Grade}
BADGE_KINDS = {"good", "warn", "bad", "info"}


def _english_catalogue() -> dict[str, str]:
    with EN_PO.open("rb") as fh:
        return {m.id: m.string for m in read_po(fh) if m.id and not m.context}


def test_every_enumeration_is_a_choice_or_says_why_not():
    """An enumeration added later gets its labels in the one place (a Choice) or a reason here."""
    names = {f"{e.__module__}.{e.__qualname__}" for e in all_enums() if not issubclass(e, Choice)}
    assert names <= set(NOT_CHOICES), sorted(names - set(NOT_CHOICES))


def test_every_member_has_a_label_translated_into_english():
    """Each member of each Choice declares a label; a translatable one has an English msgstr."""
    english = _english_catalogue()
    missing = []
    for choice in all_choices():
        for member in choice:
            text = member.indonesian
            if not text:
                missing.append(f"{choice.__name__}.{member.name}: no label")
            elif choice in SAME_IN_EVERY_LANGUAGE:
                assert not isinstance(member.lazy_label, LazyString | LazyProxy), member
            elif not english.get(text):
                missing.append(f"{choice.__name__}.{member.name}: {text!r} has no English msgstr")
    assert not missing, "\n".join(missing)


def test_badges_are_declared_for_every_member_or_none():
    """A Choice shown as badges has a badge (a known kind and an icon) on every member."""
    for choice in all_choices():
        badges = [m.badge for m in choice]
        if any(badges):
            assert all(isinstance(b, Badge) and b.kind in BADGE_KINDS and b.icon for b in badges), choice


def test_no_second_label_table_beside_the_declarations():
    """No module keeps a dict from an enumeration's members or values to words (a second copy of
    its labels); the demo's generated names are data, not labels."""
    values = {m.value for choice in all_choices() for m in choice}
    tables = []
    for module in harkop_modules():
        if module.__name__.startswith("harkop.demo"):
            continue
        for name, table in vars(module).items():
            if not isinstance(table, dict) or not table or not set(table) <= values:
                continue
            if all(isinstance(v, str | LazyString | tuple) for v in table.values()):
                tables.append(f"{module.__name__}.{name}")
    assert not tables, tables


def test_a_member_reads_its_label_in_the_page_language(app):
    """The same member is 'Cukup Sehat' on an Indonesian page and 'Fairly healthy' on an English one."""
    with app.test_request_context():
        with force_locale("en"):
            assert Predikat.cukup_sehat.label == "Fairly healthy"
            assert Predikat.cukup_sehat.indonesian == "Cukup Sehat"
        with force_locale("id"):
            assert Predikat.cukup_sehat.label == "Cukup Sehat"


def test_lookups_take_members_values_and_nothing():
    """of, label_of, badge_of and choices accept a member or its value, and say '–' for nothing."""
    assert EntryState.of("pending") is EntryState.pending
    assert EntryState.of(EntryState.pending) is EntryState.pending
    assert EntryState.of(None) is None and EntryState.of("nope") is None
    assert EntryState.label_of(None) == "–" and EntryState.label_of("nope") == "nope"
    assert EntryState.badge_of("confirmed") == Badge("good", "✓")
    assert Predikat.badge_of(None) == Badge("info", "–")
    assert [v for v, _label in EntryState.choices()] == [s.value for s in EntryState]
    assert EntryState.choices("—")[0] == ("", "—")


def test_predikat_ranks_follow_the_declared_order():
    """Predikat is declared best first; rank 3 is Sehat, 0 is Dalam Pengawasan Khusus."""
    assert [p.rank for p in Predikat] == [3, 2, 1, 0]


def test_sektor_letters_follow_kbli_sections():
    """Sectors are declared in KBLI order, so their letters run A to U and stand for them in a file."""
    assert Sektor.pertanian.letter == "A"
    assert Sektor.perdagangan.letter == "G"
    assert Sektor.badan_internasional.letter == "U"
    assert SEKTOR_ALIASES["K"] == "jasa_keuangan"


def test_every_award_a_result_stores_has_a_label():
    """The awards scoring writes into a snapshot are members of the Award vocabulary."""
    from harkop.cooperatives.vocab import Award

    assert all(Award.of(text) is not None for text in scoring.AWARDS.values())


def test_a_spreadsheet_label_is_read_in_indonesian_on_an_english_page(app):
    """The importer takes ODS's Indonesian labels whatever the page's language."""
    with app.test_request_context(), force_locale("en"):
        assert parse_choice("Cukup Sehat", Predikat) == "cukup_sehat"
        assert parse_choice("tidak melapor", ReasonCode) == "tidak_melapor"
        assert parse_choice("Fairly healthy", Predikat) is None


@pytest.mark.parametrize(
    ("lang", "number", "money", "score"),
    [("id", "1.234.567", "-Rp1.250.000", "81,50"), ("en", "1,234,567", "-Rp1,250,000", "81.50")],
)
def test_numbers_use_the_separators_of_the_page_language(app, lang, number, money, score):
    """Counts, rupiah and scores are written by Babel with the language's separators."""
    with app.test_request_context(), force_locale(lang):
        assert vocabulary.number(1234567) == number
        assert vocabulary.rupiah(-1250000) == money
        assert vocabulary.number(Decimal("81.5"), 2) == score


@pytest.mark.parametrize("lang", ["id", "en"])
def test_years_print_as_plain_digits_in_both_languages(app, lang):
    """A year never gets a thousands separator, where a number of the same size does."""
    with app.test_request_context(), force_locale(lang):
        assert vocabulary.year(1950) == "1950"
        assert vocabulary.number(1950) in ("1.950", "1,950")


@pytest.mark.parametrize(
    ("lang", "message"),
    [("id", "Harus antara 1950 dan 2023."), ("en", "Must be between 1950 and 2023.")],
)
def test_a_book_year_out_of_range_names_plain_years(app, lang, message):
    """The range error of a book year says 1950, not 1.950 or 1,950."""
    with app.test_request_context(), force_locale(lang):
        with pytest.raises(FieldError) as info:
            year_parser(1950, 2023)("1900")
    assert str(info.value) == message


def test_a_count_out_of_range_uses_the_page_separators(app):
    """Other ranges keep the language's thousands separators."""
    with app.test_request_context(), force_locale("en"):
        with pytest.raises(FieldError) as info:
            int_parser(0, 10_000_000)("20000000")
    assert str(info.value) == "Must be between 0 and 10,000,000."


@pytest.mark.parametrize(
    ("lang", "long", "short", "slot"),
    [
        ("id", "Jumat, 26 Juli 2024, 09.30 WITA", "26 Juli 2024", "09.30"),
        ("en", "Friday, 26 July 2024, 09:30 WITA", "26 July 2024", "09:30"),
    ],
)
def test_dates_and_times_follow_the_page_language(app, lang, long, short, slot):
    """Without an explicit language, clock writes in the current one: day before month, 24 hours."""
    with app.test_request_context(), force_locale(lang):
        assert clock.format_datetime(datetime(2024, 7, 26, 1, 30, tzinfo=UTC)) == long
        assert clock.format_short_date(date(2024, 7, 26)) == short
        assert clock.format_time(time(9, 30)) == slot


def test_official_documents_are_made_in_indonesian_from_an_english_page(app):
    """A function marked in_indonesian reads labels and dates in Indonesian whatever the request's."""

    @vocabulary.in_indonesian
    def document() -> str:
        return f"{Predikat.sehat.label}, {clock.format_short_date(date(2024, 7, 26))}"

    with app.test_request_context(), force_locale("en"):
        assert document() == "Sehat, 26 Juli 2024"
        assert Predikat.sehat.label == "Healthy"
