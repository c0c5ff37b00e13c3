"""Free text from people: names, addresses, notes, labels. What is refused, everywhere alike.

- NUL bytes: databases refuse or truncate them (PostgreSQL raises, so a search with `%00`
  used to answer 500), and no one types one.
- Bidirectional control characters (U+202A–U+202E, U+2066–U+2069, and the marks U+200E, U+200F,
  U+061C): they reorder what a reader sees, so `‮fdp.exe` shows as `exe.pdf`, and a name can look
  like another cooperative's. Indonesian and English text never needs them.
- Other C0 controls except tab and line breaks.

`text_problem` says what is wrong; `check_text` raises a coded 422 naming the field; form fields
get the same check from `harkop/security.py`'s form hook; `text_field` reads a JSON body's field
and refuses a value that is not a string (a number or a list where text belongs).
"""

from __future__ import annotations

import re
from typing import Any

from flask_babel import gettext as _

from .errors import ValidationFailed

BIDI_CONTROLS = "\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"
_NUL = re.compile("\x00")
_BIDI = re.compile(f"[{BIDI_CONTROLS}]")
_CONTROL = re.compile("[\x01-\x08\x0b\x0c\x0e-\x1f\x7f]")


def text_problem(value: str) -> str | None:
    """The code of what makes this text unacceptable, or None."""
    if _NUL.search(value):
        return "nul_character"
    if _BIDI.search(value):
        return "bidi_control"
    if _CONTROL.search(value):
        return "control_character"
    return None


def problem_message(code: str) -> str:
    """The message for a `text_problem` code, in the page's language."""
    return {
        "nul_character": _("Teks tidak boleh memuat karakter NUL."),
        "bidi_control": _(
            "Teks tidak boleh memuat karakter pengatur arah tulisan (mis. U+202E), yang dapat "
            "menyamarkan isi teks."
        ),
        "control_character": _("Teks tidak boleh memuat karakter kendali."),
    }[code]


def check_text(value: Any, *, field: str) -> Any:
    """`value` unchanged when it is acceptable text (or not text at all); a coded 422 otherwise."""
    if isinstance(value, str):
        problem = text_problem(value)
        if problem is not None:
            raise ValidationFailed(problem, problem_message(problem), details={"field": field})
    return value


def text_field(
    data: dict[str, Any], name: str, *, required: bool = True, max_length: int | None = None
) -> str | None:
    """A JSON body's text field: a string (checked), None when absent and not required; a coded
    422 for another JSON type, a missing required value, or text too long."""
    value = data.get(name)
    if value is None:
        if required:
            raise ValidationFailed("required", _("%(f)s wajib diisi.", f=name), details={"field": name})
        return None
    if not isinstance(value, str):
        raise ValidationFailed("not_text", _("%(f)s harus berupa teks.", f=name), details={"field": name})
    check_text(value, field=name)
    value = value.strip()
    if max_length is not None and len(value) > max_length:
        raise ValidationFailed(
            "too_long",
            _("%(f)s paling banyak %(n)d karakter.", f=name, n=max_length),
            details={"field": name},
        )
    return value


def as_text(value: Any, *, field: str) -> str:
    """A JSON value that must be text: "" for null, the string checked, a coded 422 for another type."""
    if value is None:
        return ""
    if not isinstance(value, str):
        raise ValidationFailed("not_text", _("%(f)s harus berupa teks.", f=field), details={"field": field})
    check_text(value, field=field)
    return value


def field_problem(name: str, value: str) -> str | None:
    """What is wrong with one submitted field: NUL anywhere; in anything but a password, also
    bidirectional and other control characters."""
    if "password" in name or "sandi" in name:
        return "nul_character" if _NUL.search(value) else None
    return text_problem(value)


def refuse_unsafe_fields(fields: Any, *, where: str) -> None:
    """A coded 422 naming the first field (of a query string or form) with unacceptable text."""
    for name, value in fields.items(multi=True):
        if not isinstance(value, str):
            continue
        problem = field_problem(name, value) or text_problem(name)
        if problem is not None:
            raise ValidationFailed(
                problem,
                _("Isian %(f)s ditolak: %(m)s", f=name[:40], m=problem_message(problem)),
                details={"field": name[:40], "in": where},
            )


def walk_problems(data: Any, path: str = "") -> tuple[str, str] | None:
    """The first (path, code) of unacceptable text anywhere in a JSON value, or None."""
    if isinstance(data, str):
        problem = text_problem(data)
        return (path or "body", problem) if problem else None
    if isinstance(data, dict):
        for key, value in data.items():
            if isinstance(key, str) and (problem := text_problem(key)):
                return (f"{path}.{key}".lstrip("."), problem)
            found = walk_problems(value, f"{path}.{key}".lstrip("."))
            if found:
                return found
    if isinstance(data, list):
        for index, value in enumerate(data):
            found = walk_problems(value, f"{path}.{index}".lstrip("."))
            if found:
                return found
    return None
