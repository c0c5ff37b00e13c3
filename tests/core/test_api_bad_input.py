"""Bad input to /api/v1 is a coded 4xx, never a 500: the reproductions of issue 18.

Each kind has one place (harkop/api.py): path ids (IdConverter), the JSON body
(load_json_object), text (harkop/text.py), and the declared schemas (ApiParser/refusal).
"""

from __future__ import annotations

import pytest


def _auth(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def _code(response) -> str:
    return response.get_json()["error"]["code"]


HUGE = "11613456930844450514660229120"


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("get", f"/api/v1/competitions/{HUGE}"),
        ("get", f"/api/v1/competitions/{HUGE}/results"),
        ("get", f"/api/v1/competitions/{HUGE}/entries"),
        ("post", f"/api/v1/competitions/{HUGE}/entries"),
        ("post", f"/api/v1/competitions/{HUGE}/assignments"),
        ("post", f"/api/v1/competitions/{HUGE}/finalise"),
        ("post", f"/api/v1/competitions/{HUGE}/judges"),
        ("post", f"/api/v1/competitions/{HUGE}/publish"),
        ("post", f"/api/v1/entries/{HUGE}/approve"),
        ("post", f"/api/v1/entries/{HUGE}/withdraw"),
        ("get", f"/api/v1/update-proposals/{HUGE}"),
        ("post", f"/api/v1/warning-letters/{HUGE}/issue"),
        ("put", f"/api/v1/scorecards/{HUGE}"),
    ],
)
def test_an_id_beyond_64_bits_in_a_path_is_404(client, api_token, method, path):
    """A path id no row can have is a coded 404 (not a 500, not a 405), for every role's route."""
    _user, token = api_token("admin")
    response = getattr(client, method)(path, headers=_auth(token), json={})
    assert response.status_code == 404, response.get_data(as_text=True)
    assert _code(response) == "not_found"


@pytest.mark.parametrize("number", [2**31, 2**62, 10**18 - 1, 10**40])
def test_an_id_beyond_a_32_bit_column_is_404_before_the_database(client, api_token, number):
    """PostgreSQL's integer ids end at 2^31 - 1: a larger id never reaches a query (it answered 500)."""
    _user, token = api_token("admin")
    for method, path in (("get", "/api/v1/competitions/{}/results"), ("post", "/api/v1/entries/{}/withdraw")):
        response = getattr(client, method)(path.format(number), headers=_auth(token))
        assert response.status_code == 404 and _code(response) == "not_found", (path, number)


def test_the_largest_possible_id_reaches_the_domains_404(client, api_token):
    """2^31 - 1 is a possible id: the service looks and answers its own coded 404."""
    _user, token = api_token("admin")
    response = client.get(f"/api/v1/competitions/{2**31 - 1}/results", headers=_auth(token))
    assert response.status_code == 404 and _code(response) == "competition_not_found"


@pytest.mark.parametrize(
    ("path", "code"),
    [
        ("/api/v1/cooperatives?page=230262345454048833278488810094592", "invalid_page"),
        ("/api/v1/competitions?per_page=9223372036854775808", "invalid_page"),
        ("/api/v1/warning-letters?book_year=8546058081460950239543296", "invalid_filter"),
        ("/api/v1/update-proposals?page=-1", "invalid_page"),
        ("/api/v1/competitions?state=archived", "invalid_state"),
    ],
)
def test_a_query_value_out_of_range_is_422(client, api_token, path, code):
    """A query value its schema refuses is a coded 422 naming the parameter."""
    _user, token = api_token("admin")
    response = client.get(path, headers=_auth(token))
    assert response.status_code == 422, response.get_data(as_text=True)
    assert _code(response) == code
    assert response.get_json()["error"]["details"]["in"] == "query"


@pytest.mark.parametrize(
    ("body", "code"),
    [
        ("123", "invalid_json"),
        ("[]", "invalid_json"),
        ('"text"', "invalid_json"),
        ("null", "invalid_json"),
        ("{", "invalid_json"),
        ("[" * 100_000, "json_too_deep"),
        ('{"a":' * 40 + "1" + "}" * 40, "json_too_deep"),
    ],
)
def test_a_body_that_is_not_one_json_object_is_400(client, api_token, body, code):
    """Body `123`, an array, 100,000 nested `[`, broken JSON: a coded 400 before any view runs."""
    _user, token = api_token("admin")
    response = client.post(
        "/api/v1/competitions/1/transition", data=body, content_type="application/json", headers=_auth(token)
    )
    assert response.status_code == 400, response.get_data(as_text=True)[:200]
    assert _code(response) == code


def test_a_json_array_as_the_token_request_is_400(client, login_as):
    """`POST /api/v1/tokens` with a JSON array (schemathesis' 500) is `invalid_json`."""
    login_as("admin")
    response = client.post("/api/v1/tokens", json=[1, 2])
    assert response.status_code == 400 and _code(response) == "invalid_json"


def test_a_body_that_is_neither_json_nor_a_form_is_400(client, api_token):
    """A body sent without a form's content type must be one JSON object: `to=open` is `invalid_json`."""
    _user, token = api_token("admin")
    response = client.post("/api/v1/competitions/1/transition", data="to=open", headers=_auth(token))
    assert response.status_code == 400 and _code(response) == "invalid_json"


@pytest.mark.parametrize(
    ("body", "code"),
    [
        ({"to": 5}, "invalid_state"),
        ({"to": ["open"]}, "invalid_state"),
        ({"to": "open", "extra": 1}, "unknown_field"),
        ({"to": "open", "reason": "a\x00b"}, "nul_character"),
        ({"to": "open", "reason": "a\u202eb"}, "bidi_control"),
    ],
)
def test_wrong_types_unknown_fields_and_unsafe_text_are_422(client, api_token, body, code):
    """Wrong JSON types, unknown fields, NUL and bidi controls: a coded 422 naming the field."""
    _user, token = api_token("admin")
    response = client.post("/api/v1/competitions/1/transition", json=body, headers=_auth(token))
    assert response.status_code == 422, response.get_json()
    assert _code(response) == code


def test_nul_in_a_path_segment_is_422(client):
    """A NUL byte in a path parameter never reaches the database."""
    response = client.get("/api/v1/cooperatives/64710%00")
    assert response.status_code in (404, 422)
    assert _code(response) in ("not_found", "nul_character")


def test_a_scorecard_revision_beyond_64_bits_is_422(client, api_token):
    """`revision` ≥ 2^63 is refused by its schema, before the database sees it."""
    _user, token = api_token("judge")
    response = client.put(
        "/api/v1/scorecards/1", json={"revision": 2**63, "scores": {}}, headers=_auth(token)
    )
    assert response.status_code == 422 and _code(response) == "invalid_revision"


def test_method_not_allowed_keeps_its_allow_header(client):
    """405 answers the error envelope and still says which methods are allowed."""
    response = client.delete("/api/v1/openapi.json")
    assert response.status_code == 405 and _code(response) == "method_not_allowed"
    assert "GET" in response.headers["Allow"]
