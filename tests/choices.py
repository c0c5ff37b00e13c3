"""Every enumeration of the app and its labels, for the vocabulary tests and the English page checks."""

from __future__ import annotations

import enum
import importlib
import pkgutil
import re

from flask_babel import force_locale

import harkop
from harkop.vocabulary import Choice


def harkop_modules() -> list:
    """Every module of the harkop package, imported."""
    return [importlib.import_module(m.name) for m in pkgutil.walk_packages(harkop.__path__, "harkop.")]


def all_enums() -> list[type[enum.Enum]]:
    """Every enumeration class defined in harkop, by qualified name."""
    found = {}
    for module in harkop_modules():
        for value in vars(module).values():
            if (
                isinstance(value, type)
                and issubclass(value, enum.Enum)
                and value.__module__ == module.__name__
            ):
                if value is not Choice:
                    found[f"{value.__module__}.{value.__qualname__}"] = value
    return [found[k] for k in sorted(found)]


def all_choices() -> list[type[Choice]]:
    """Every Choice (an enumeration with labels) in harkop."""
    return [e for e in all_enums() if issubclass(e, Choice)]


def indonesian_labels() -> dict[str, str]:
    """{Indonesian label: enumeration} for every label English writes otherwise (needs an app context).

    A label English keeps inside its own ('KSP' in 'KSP (savings and loan cooperative)') cannot
    tell the languages apart, so it is left out.
    """
    labels = {}
    for choice in all_choices():
        for member in choice:
            with force_locale("en"):
                english = str(member.lazy_label)
            if member.indonesian not in english:
                labels[member.indonesian] = f"{choice.__name__}.{member.name}"
    return labels


def labels_in(text: str, labels: dict[str, str]) -> list[str]:
    """The labels that stand in `text` as whole words."""
    return sorted(
        f"{label!r} ({where})"
        for label, where in labels.items()
        if re.search(r"(?<!\w)" + re.escape(label) + r"(?!\w)", text)
    )
