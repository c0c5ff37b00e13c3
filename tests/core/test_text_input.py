"""Text input (issue 17, item 9): NUL bytes and bidirectional controls are refused with a clear,
coded error; fields that must be text refuse other JSON types."""

from __future__ import annotations

import pytest

from harkop.cooperatives.validation import COOPERATIVE_FIELDS, FieldError
from harkop.text import text_problem

RLO = "\u202e"


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("a\x00b", "nul_character"),
        (f"Koperasi {RLO}fdp.exe", "bidi_control"),
        ("Koperasi\u2066Maju\u2069", "bidi_control"),
        ("a\x07b", "control_character"),
    ],
)
def test_unsafe_characters_are_named(text, code):
    """Is each unsafe character refused with the code that names it?"""
    assert text_problem(text) == code


def test_ordinary_text_passes():
    """Indonesian text with accents, quotes, dashes, tabs and line breaks is fine."""
    assert text_problem("Koperasi “Maju” – Jl. A. Yani\tNo. 5\nRT 01/02 é") is None


def test_a_nul_byte_in_the_public_search_is_a_422_not_a_500(client):
    """Reproduction: /koperasi?q=a%00b (public) crashed search with a 500. A coded 422 now?"""
    response = client.get("/koperasi?q=a%00b")
    assert response.status_code == 422
    assert "NUL" in response.get_data(as_text=True)


def test_a_nul_byte_in_an_api_query_is_coded(client):
    """The API answers the same refusal as JSON, naming the parameter."""
    response = client.get("/api/v1/cooperatives?q=a%00b")
    assert response.status_code == 422
    assert response.get_json()["error"] == {
        "code": "nul_character",
        "message": response.get_json()["error"]["message"],
        "details": {"field": "q", "in": "query"},
    }


def test_a_right_to_left_override_in_a_cooperative_name_is_refused(client, login_as):
    """Reproduction: U+202E was accepted in names. Is the office's form refused with a clear 422?"""
    login_as("admin")
    response = client.post("/admin/koperasi/baru", data={"nik": "6471000000009999", "name": f"KSP {RLO}ayaJ"})
    assert response.status_code == 422
    assert "arah tulisan" in response.get_data(as_text=True)


def test_the_import_refuses_a_bidi_name_with_its_row_and_column():
    """The registry import's text cells go through the same check (row and column named)."""
    with pytest.raises(FieldError):
        COOPERATIVE_FIELDS["name"](f"KSP {RLO}ayaJ")


def test_bidi_and_nul_in_a_json_body_are_refused(client, login_as):
    """A JSON body with U+202E or NUL anywhere is a coded 422 naming the field's path."""
    login_as("judge")
    response = client.post("/api/v1/tokens", json={"label": f"HP {RLO}1"})
    assert response.status_code == 422
    assert response.get_json()["error"]["details"] == {"field": "label"}
    response = client.post("/api/v1/tokens", json={"label": "HP\x001"})
    assert response.get_json()["error"]["code"] == "nul_character"


def test_a_reason_that_is_not_text_is_refused(client, login_as):
    """A number where text belongs (a rejection reason) is a coded 422, not stored as '12'."""
    from harkop.errors import ValidationFailed
    from harkop.text import as_text

    with pytest.raises(ValidationFailed) as err:
        as_text(12, field="reason")
    assert err.value.code == "not_text" and err.value.details == {"field": "reason"}
    assert as_text(None, field="reason") == ""


def test_a_password_may_hold_what_a_name_may_not_except_nul(client, make_user):
    """Passwords are not names: a bidi mark in one is the user's business; a NUL is still refused."""
    user = make_user("judge", password="rahasia123")
    response = client.post("/masuk", data={"username": user.username, "password": f"salah{RLO}sekali"})
    assert response.status_code == 401
    response = client.post("/masuk", data={"username": user.username, "password": "salah\x00sekali"})
    assert response.status_code == 422
