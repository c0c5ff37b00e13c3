"""The one way every page runs a form's action (harkop/form_actions.py): validate, call the
service, commit and flash, or roll back and show the refusal where it belongs with 422."""

from __future__ import annotations

from typing import Any

import pytest
from flask import session
from flask_wtf import FlaskForm
from sqlalchemy import func, select
from wtforms import FieldList, FormField, StringField
from wtforms.validators import DataRequired

from harkop.audit import AuditLog, record_audit
from harkop.errors import Conflict, ValidationFailed
from harkop.extensions import db
from harkop.form_actions import field_at, run_button, run_form


class Row(FlaskForm):
    """One row of a list of people."""

    class Meta:
        """A sub-form carries no token of its own."""

        csrf = False

    name = StringField("Nama")
    phone = StringField("HP")


class PeopleForm(FlaskForm):
    """A form with a required field, an optional one and rows."""

    title = StringField("Judul", validators=[DataRequired("Judul wajib diisi.")])
    note = StringField("Catatan")
    participants = FieldList(FormField(Row), min_entries=2)


class PathForm(FlaskForm):
    """A form that says itself where a service's error paths belong."""

    alamat = StringField("Alamat")

    def field_for(self, path: str) -> str:
        """'profile.street' is the address field."""
        return "alamat" if path == "profile.street" else path


def audit_rows() -> int:
    """How many audit rows the database holds now."""
    return db.session.scalar(select(func.count(AuditLog.id)))


def write_then(error: Exception | None = None, value: Any = "done"):
    """An action that writes an audit row, then fails with `error` or answers `value`."""

    def action():
        record_audit("test.form_action", entity_type="test", by="test")
        if error is not None:
            raise error
        return value

    return action


def flashes() -> list[tuple[str, str]]:
    """The messages flashed since the last look, as (category, message)."""
    return [tuple(pair) for pair in session.pop("_flashes", [])]


@pytest.fixture
def post(app):
    """Enter a POST request to a page with the given form data."""
    contexts = []

    def enter(data: dict[str, str] | None = None, method: str = "POST"):
        ctx = app.test_request_context("/", method=method, data=data or {})
        ctx.push()
        contexts.append(ctx)

    yield enter
    for ctx in reversed(contexts):
        ctx.pop()


def test_a_page_not_posted_runs_nothing(post):
    """Opening the page (GET) neither validates nor calls the service, and answers 200."""
    post(method="GET")
    calls = []
    outcome = run_form(PeopleForm(), lambda: calls.append(1))
    assert not outcome and outcome.status == 200 and calls == [] and not outcome.posted


def test_a_form_failing_its_own_checks_answers_422_without_calling_the_service(post):
    """A missing required field is shown at the field; the service is not called; 422; no flash."""
    post({"title": ""})
    form = PeopleForm()
    calls = []
    outcome = run_form(form, lambda: calls.append(1), success="Tersimpan.")
    assert not outcome and outcome.status == 422 and calls == []
    assert form.title.errors == ["Judul wajib diisi."] and flashes() == []


def test_success_commits_and_flashes_from_the_answer(post):
    """The service's answer reaches the view; the change is committed and the flash may use it."""
    post({"title": "A"})
    before = audit_rows()
    outcome = run_form(
        PeopleForm(),
        write_then(value=3),
        success=lambda n: f"{n} disimpan.",
        category=lambda n: "info" if n > 2 else "success",
    )
    db.session.rollback()  # a later rollback cannot undo a committed change
    assert outcome and outcome.value == 3 and outcome.status == 200
    assert audit_rows() == before + 1
    assert flashes() == [("info", "3 disimpan.")]


def test_a_refusal_rolls_back_and_goes_next_to_the_field_it_names(post):
    """`details.field` puts the message on that field; nothing is kept, nothing flashed; 422."""
    post({"title": "A", "note": "x"})
    form = PeopleForm()
    before = audit_rows()
    err = ValidationFailed("note_bad", "Catatan tidak diterima.", details={"field": "note"})
    outcome = run_form(form, write_then(err), success="Tersimpan.")
    assert not outcome and outcome.status == 422 and outcome.error is err and outcome.refusal is None
    assert form.note.errors == ["Catatan tidak diterima."]
    assert audit_rows() == before and flashes() == []


def test_field_messages_a_code_word_and_an_unknown_field(post):
    """`details.fields`: a sentence stays, a bare code ("taken") shows the error's message, and a
    field the form lacks goes to the summary at the top."""
    post({"title": "A"})
    form = PeopleForm()
    err = Conflict(
        "title_taken",
        "Judul sudah dipakai.",
        details={"fields": {"title": "taken", "note": "Terlalu panjang.", "elsewhere": "Di luar formulir."}},
    )
    outcome = run_form(form, write_then(err))
    assert outcome.status == 422  # a conflict on a form is still a refused form
    assert form.title.errors == ["Judul sudah dipakai."] and form.note.errors == ["Terlalu panjang."]
    assert flashes() == [("error", "Di luar formulir.")]


def test_a_refusal_naming_no_field_is_the_summary_or_left_to_the_page(post):
    """Without a field the message is flashed; with `flash_refusal=False` the page gets `refusal`."""
    post({"title": "A"})
    err = Conflict("closed", "Pendaftaran sudah ditutup.")
    assert run_form(PeopleForm(), write_then(err)).refusal is err
    assert flashes() == [("error", "Pendaftaran sudah ditutup.")]
    quiet = run_form(PeopleForm(), write_then(err), flash_refusal=False)
    assert quiet.refusal is err and quiet.status == 422 and flashes() == []


def test_rows_are_found_through_the_list_of_sub_forms(post):
    """`details.participants` (index, field, message) lands on that row's field."""
    post({"title": "A", "participants-0-name": "Ani", "participants-1-name": "Budi"})
    form = PeopleForm()
    err = ValidationFailed(
        "invalid_phone",
        "Nomor HP tidak valid.",
        details={
            "participants": [{"index": 1, "field": "phone", "code": "invalid_phone", "message": "HP salah."}]
        },
    )
    run_form(form, write_then(err))
    assert form.participants[1].form.phone.errors == ["HP salah."]
    assert form.participants[0].form.phone.errors == [] and flashes() == []


def test_views_and_forms_may_say_where_an_error_belongs(post):
    """`at` maps an error code or a detail's name to a field, `default_field` takes the rest, a
    form's own `field_for` translates paths, and an unknown dotted path falls back to its last part."""
    post({"title": "A"})
    by_code, by_default, by_alias = PeopleForm(), PeopleForm(), PeopleForm()
    run_form(by_code, write_then(Conflict("already_open", "Sudah ada.")), at={"already_open": "note"})
    run_form(by_default, write_then(Conflict("x", "Ke judul.")), default_field="title")
    alias = ValidationFailed("y", "Alias.", details={"field": "catatan"})
    run_form(by_alias, write_then(alias), at={"catatan": "note"})
    assert by_code.note.errors == ["Sudah ada."] and by_default.title.errors == ["Ke judul."]
    assert by_alias.note.errors == ["Alias."]
    form = PeopleForm()
    assert field_at(PathForm(), "profile.street") is not None
    assert field_at(form, "profile.note") is form.note
    assert field_at(form, "participants") is None  # a list is not a field to hold a message
    assert field_at(None, "title") is None


def test_a_refusal_that_recorded_itself_is_kept(post):
    """With `keep`, a refusal whose record must survive is committed instead of rolled back."""
    post({"title": "A"})
    before = audit_rows()
    run_form(
        PeopleForm(), write_then(Conflict("refused", "Ditolak.")), keep=lambda err: err.code == "refused"
    )
    db.session.rollback()
    assert audit_rows() == before + 1


def test_a_button_flashes_every_failure_for_the_redirect(post):
    """A button's refusal is flashed (its page is not drawn again); its own checks flash `invalid`,
    by default the form's messages, and nothing with `invalid=""`."""
    post({"title": ""})
    assert not run_button(PeopleForm(), lambda: None, invalid="Formulir tidak sah.")
    assert flashes() == [("error", "Formulir tidak sah.")]
    assert not run_button(PeopleForm(), lambda: None)
    assert flashes() == [("error", "Judul wajib diisi.")]
    assert run_button(PeopleForm(), lambda: None, invalid="").status == 422
    assert flashes() == []


def test_a_button_commits_or_rolls_back_like_a_page(post):
    """A button's success is committed and flashed; its refusal rolled back and flashed, field or not."""
    post({"title": "A"})
    before = audit_rows()
    assert run_button(PeopleForm(), write_then(), success="Beres.")
    refused = run_button(PeopleForm(), write_then(ValidationFailed("n", "Tidak.", details={"field": "note"})))
    db.session.rollback()
    assert not refused and refused.refusal is refused.error
    assert audit_rows() == before + 1
    assert flashes() == [("success", "Beres."), ("error", "Tidak.")]


def test_without_a_form_the_view_has_checked_the_request(post):
    """`form=None`: the action runs at once; a refusal can only be the summary."""
    post({})
    outcome = run_form(None, write_then(Conflict("stale_revision", "Versi lama.")))
    assert outcome.posted and outcome.status == 422 and outcome.refusal is not None
    assert flashes() == [("error", "Versi lama.")]
