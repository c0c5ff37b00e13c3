"""One vocabulary: how stored values and numbers read, in the page's language.

**Enumerations.** Every enumeration Harkop shows is a `Choice`: a `StrEnum` whose members are
declared once, in the order pages list them, with their label and, where pages show one, their
badge::

    class EntryState(Choice):
        pending = "pending", _l("Menunggu persetujuan"), Badge("warn", "⏳")

The label is an Indonesian msgid marked with `_l`, so `make i18n` extracts it and an English
page reads the catalogue's translation; a label that is the same in every language (a grade
letter) may be a plain string. Pages, PDFs, exports, API `*_label` fields and form choices all
read the member (`member.label`, `member.badge`, `Enum.label_of(value)`, `Enum.choices()`), so
there is no second table to fall out of step. Each enumeration lives in the package of the
capability that owns it (the registry's in cooperatives/vocab.py, an entry's states in
registrations/models.py, …); this module holds only what they share.

**Numbers.** `number` and `rupiah` format with Babel for the current language (the
request's, or Indonesian outside a request); `year` prints a year as plain digits in every
language (never "1.950" or "2,023"). Dates and times are in clock.py.

Official documents in Indonesian (warning letters, the report for the Province, certificates,
ticket badges) are made by functions marked `@in_indonesian`, so the same calls give Indonesian.
"""

from __future__ import annotations

import enum
import functools
from collections.abc import Callable
from contextlib import AbstractContextManager
from decimal import Decimal
from typing import Any, NamedTuple, ParamSpec, Self, TypeVar

from babel import Locale
from babel.numbers import format_decimal
from flask_babel import force_locale, get_locale

# The languages a page can be in, and the Babel locale each is written in. English as it is
# written here: day before month and a 24-hour clock ("Friday, 26 July 2024, 09:30 WITA").
LOCALES: dict[str, Locale] = {"id": Locale.parse("id"), "en": Locale.parse("en_GB")}
DEFAULT_LANGUAGE = "id"
EMPTY = "–"


P = ParamSpec("P")
R = TypeVar("R")


def indonesian() -> AbstractContextManager[None]:
    """A block in which Indonesian is the current language, whatever the page's.

    For official documents whose language is Indonesian (the warning letters and the report for
    the Province, certificates, ticket badges): their labels, dates and numbers read in Indonesian.
    """
    return force_locale(DEFAULT_LANGUAGE)


def in_indonesian(func: Callable[P, R]) -> Callable[P, R]:
    """Run `func` with Indonesian as the current language (see `indonesian`)."""

    @functools.wraps(func)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        with indonesian():
            return func(*args, **kwargs)

    return wrapper


def current_locale(locale: str | Locale | None = None) -> Locale:
    """The Babel locale to write in: `locale` when given ("id", "en" or a Locale), else the current one."""
    if isinstance(locale, Locale):
        return locale
    if locale:
        return LOCALES.get(locale) or Locale.parse(locale)
    return get_locale() or LOCALES[DEFAULT_LANGUAGE]


class Badge(NamedTuple):
    """How a value looks on a page: a kind (good, warn, bad, info: docs/ui.md's colours) and an icon.

    Colour is never the only signal: the badge shows the label and the icon too.
    """

    kind: str
    icon: str


class Choice(enum.StrEnum):
    """A stored value with its label (translated when read) and, optionally, its badge.

    Members are declared as `value = "value", label` or `value = "value", label, Badge(...)`,
    and where a page explains the value in a sentence, a description after the badge (or None);
    the declaration order is the order pages, filters and form choices list them.
    """

    def __new__(
        cls, value: str, label: Any = None, badge: tuple[str, str] | None = None, description: Any = None
    ) -> Self:
        """A member: its stored value, its label (an `_l` msgid or a plain string), badge and description."""
        member = str.__new__(cls, value)
        member._value_ = value
        member._label = value if label is None else label
        member._badge = None if badge is None else Badge(*badge)
        member._description = description
        return member

    @property
    def label(self) -> str:
        """The label in the current language."""
        return str(self._label)

    @property
    def lazy_label(self) -> Any:
        """The label as declared, translated only when shown (for form choices built at import)."""
        return self._label

    @property
    def indonesian(self) -> str:
        """The label in Indonesian whatever the page's language (spreadsheets in the ODS layout).

        Kept after the first read: Indonesian is the msgid itself, the same in every request.
        """
        text = self.__dict__.get("_indonesian")
        if text is None:
            with indonesian():
                text = self.__dict__["_indonesian"] = str(self._label)
        return text

    @property
    def description(self) -> str:
        """The value explained in words, in the current language (the label when none is declared)."""
        return str(self._label if self._description is None else self._description)

    @property
    def badge(self) -> Badge | None:
        """The badge kind and icon, when the pages show this value as a badge."""
        return self._badge

    @classmethod
    def of(cls, value: Any) -> Self | None:
        """The member for a member, its value or None; None for an empty or unknown value."""
        if value is None or value == "":
            return None
        try:
            return cls(getattr(value, "value", value))
        except ValueError:
            return None

    @classmethod
    def label_of(cls, value: Any, empty: str = EMPTY) -> str:
        """The label of a value; `empty` for none, and an unknown value as it is."""
        member = cls.of(value)
        if member is not None:
            return member.label
        return empty if value is None or value == "" else str(getattr(value, "value", value))

    @classmethod
    def badge_of(cls, value: Any, default: tuple[str, str] = ("info", EMPTY)) -> Badge:
        """The badge of a value; `default` when it has none (no value, or an unknown one)."""
        member = cls.of(value)
        return (member.badge if member is not None else None) or Badge(*default)

    @classmethod
    def choices(cls, empty: Any = None) -> list[tuple[str, Any]]:
        """(value, label) pairs for a select, in order; first ("", empty) when `empty` is given."""
        pairs = [(m.value, m.lazy_label) for m in cls]
        return [("", empty), *pairs] if empty is not None else pairs


# --- Numbers ------------------------------------------------------------------------------------


def _pattern(digits: int) -> str:
    return "#,##0" + ("." + "0" * digits if digits > 0 else "")


def number(
    value: int | float | Decimal | None, digits: int = 0, *, locale: str | Locale | None = None
) -> str:
    """A number with the language's separators and exactly `digits` decimals: 1.234,50 / 1,234.50."""
    if value is None:
        return EMPTY
    return format_decimal(value, _pattern(digits), locale=current_locale(locale))


def rupiah(value: int | float | Decimal | None, *, locale: str | Locale | None = None) -> str:
    """Whole rupiah with the language's separators: Rp1.250.000 / Rp1,250,000."""
    if value is None:
        return EMPTY
    sign = "-" if value < 0 else ""
    return f"{sign}Rp{number(abs(round(value)), locale=locale)}"


def year(value: int | str | None) -> str:
    """A year (book year, RAT year) as plain digits in every language: 2023, never 2.023."""
    return EMPTY if value is None or value == "" else str(int(value))
