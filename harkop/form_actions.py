"""Running a form's action from a view, the same way on every page.

A view validates the form, calls one service, and then either commits and flashes what was done,
or rolls back and shows why not (architecture: views are thin, services never commit). Two shapes:

- `run_form`: a page that shows the form again when it fails. A refusal lands next to the field
  it names, or else in the summary at the top of the page (a flash); the outcome's `status` is
  422 for a form refused by its own checks or by the service, so the view answers with it.
- `run_button`: a button that posts and goes back (approve, remove, publish). Every failure
  becomes a flash and the view redirects as before.

Where a refusal belongs: a `DomainError`'s details may name
- `{"field": name}`: the error's message belongs to that field;
- `{"fields": {path: message}}`: a message per field (a bare code such as "taken" shows the
  error's own message instead);
- `{"participants": [{"index", "field", "message"}]}`: rows of a registration, read as the path
  `participants.<index>.<field>`;
- `{"form": message}`: a message about the whole form beside the fields' own (it goes to the
  summary, or to `outcome.refusal` for a page that shows refusals itself).
A path is followed through the form (`participants.1.phone` is row 1's phone of a list of
sub-forms); a path the form does not have falls back to its last part (`profile.alamat` ->
`alamat`). A form may translate paths itself with a `field_for(path)` method, and a view may name
the field for a detail's name or for an error code with `at={...}`.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from flask import flash
from flask_wtf import FlaskForm
from wtforms import Field
from wtforms.fields import FieldList, FormField

from .errors import DomainError
from .extensions import db

Text = str | Callable[[Any], str] | None
_CODE = re.compile(r"[a-z][a-z_]*")


@dataclass
class Outcome:
    """What became of a form's action: done (with the service's answer), refused, or not posted."""

    posted: bool
    done: bool = False
    value: Any = None
    error: DomainError | None = None
    refusal: DomainError | None = None  # the service's refusal when no field of the form shows it

    def __bool__(self) -> bool:
        return self.done

    @property
    def status(self) -> int:
        """The page's status: 422 for a posted form that was refused (by its checks or the service)."""
        return 422 if self.posted and not self.done else 200


def run_form(
    form: Any,
    action: Callable[[], Any],
    *,
    success: Text = None,
    category: Text = "success",
    at: Mapping[str, str] | None = None,
    default_field: str | None = None,
    flash_refusal: bool = True,
    keep: Callable[[DomainError], bool] | None = None,
) -> Outcome:
    """Validate `form`, run `action`, then commit and flash `success`, or roll back and show why not.

    For a page that draws the form again on failure: a refusal goes next to its field (see the
    module's notes; `default_field` takes what names no field), or to the summary unless the
    page shows `outcome.refusal` itself (`flash_refusal=False`). `success` and `category` may be
    functions of the action's answer. `keep(error)` says a refusal recorded a fact that must be
    committed anyway. `form=None` when the view checked the request itself.
    """
    if form is not None and not form.validate_on_submit():
        return Outcome(posted=form.is_submitted())
    outcome = _run(action, success, category, keep)
    if outcome.error is not None:
        placed = show_refusal(form, outcome.error, at=at, default_field=default_field, summary=flash_refusal)
        outcome.refusal = None if placed and _form_message(outcome.error) is None else outcome.error
    return outcome


def run_button(
    form: Any,
    action: Callable[[], Any],
    *,
    success: Text = None,
    category: Text = "success",
    invalid: str | None = None,
    keep: Callable[[DomainError], bool] | None = None,
) -> Outcome:
    """Validate `form`, run `action`, then commit and flash `success`, or roll back and flash why not.

    For a button whose view redirects either way (or draws a page of its own). A form that fails
    its own checks flashes `invalid`, by default each of its error messages, nothing when `""`.
    Otherwise as `run_form`.
    """
    if form is not None and not form.validate_on_submit():
        messages = _form_messages(form.errors) if invalid is None else [invalid] if invalid else []
        for message in messages:
            flash(str(message), "error")
        return Outcome(posted=form.is_submitted())
    outcome = _run(action, success, category, keep)
    if outcome.error is not None:
        flash(outcome.error.message, "error")
        outcome.refusal = outcome.error
    return outcome


def show_refusal(
    form: Any,
    err: DomainError,
    *,
    at: Mapping[str, str] | None = None,
    default_field: str | None = None,
    summary: bool = True,
) -> bool:
    """Put a refusal's messages on the form's fields, the rest in the summary; True when a field shows one."""
    at = at or {}
    pairs = [(at[err.code], err.message)] if err.code in at else list(_named_messages(err))
    placed = False
    whole = _form_message(err)
    leftovers: list[str] = [whole] if whole and pairs else []
    for name, message in pairs or [(None, err.message)]:
        target = field_at(form, name, at) if name else None
        if target is None and default_field:
            target = field_at(form, default_field)
        if target is None:
            leftovers.append(str(message))
            continue
        target.errors = [*list(target.errors or []), str(message)]
        placed = True
    if leftovers and summary:
        flash(" ".join(dict.fromkeys(leftovers)), "error")
    return placed


def field_at(form: Any, path: str, at: Mapping[str, str] | None = None) -> Field | None:
    """The form's field for an error path (see the module's notes), or None."""
    if form is None:
        return None
    name: Any = (at or {}).get(path, path)
    field_for = getattr(form, "field_for", None)
    if callable(field_for):
        name = field_for(name)
        if isinstance(name, Field):
            return _leaf(name)
    return _walk(form, name) or _walk(form, str(name).rsplit(".", 1)[-1])


def _walk(form: Any, path: str) -> Field | None:
    node = form
    for part in path.split("."):
        try:
            node = node[int(part)] if part.isdigit() else node[part]
        except (KeyError, IndexError, TypeError, ValueError):
            return None
    return _leaf(node)


def _leaf(node: Any) -> Field | None:
    if isinstance(node, Field) and not isinstance(node, FieldList | FormField):
        return node
    return None


def _run(
    action: Callable[[], Any], success: Text, category: Text, keep: Callable[[DomainError], bool] | None
) -> Outcome:
    try:
        value = action()
    except DomainError as err:
        if keep is not None and keep(err):
            db.session.commit()
        else:
            db.session.rollback()
        return Outcome(posted=True, error=err)
    db.session.commit()
    if success is not None:
        message = success(value) if callable(success) else success
        flash(message, category(value) if callable(category) else category)
    return Outcome(posted=True, done=True, value=value)


def _form_message(err: DomainError) -> str | None:
    """`details["form"]`: a message about the whole form beside those of its fields (a team's size
    beside the missing fields of its rows); it goes to the summary."""
    details = err.details if isinstance(err.details, dict) else {}
    return details["form"] if isinstance(details.get("form"), str) else None


def _named_messages(err: DomainError) -> Iterator[tuple[str, str]]:
    details = err.details if isinstance(err.details, dict) else {}
    if isinstance(details.get("field"), str):
        yield details["field"], err.message
    for path, message in (details.get("fields") or {}).items():
        text = str(message)
        yield str(path), err.message if _CODE.fullmatch(text) else text
    for row in details.get("participants") or []:
        yield f"participants.{row['index']}.{row['field']}", str(row["message"])


def _form_messages(errors: Any) -> Iterator[str]:
    if isinstance(errors, dict):
        for value in errors.values():
            yield from _form_messages(value)
    elif isinstance(errors, list | tuple):
        for value in errors:
            yield from _form_messages(value)
    elif errors is not None:
        yield str(errors)


class ConfirmForm(FlaskForm):
    """A button's form: it carries the CSRF token and nothing else (approve, publish, revoke …)."""
