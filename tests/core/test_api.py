"""The API shell: envelopes, bearer tokens, CSRF for sessions, and the OpenAPI document."""

import re

from flask import Flask

from harkop.api import build_openapi
from tests.conftest import make_app


def test_unknown_api_route_gets_the_error_envelope(client):
    """Errors under /api are JSON {"error": {"code", "message"}} with the right status."""
    response = client.get("/api/v1/tidak-ada")
    assert response.status_code == 404
    body = response.get_json()
    assert body["error"]["code"] == "not_found" and body["error"]["message"]


def test_api_without_credentials_is_401(client):
    """The API answers 401 with a code rather than redirecting to the login page."""
    response = client.get("/api/v1/me")
    assert response.status_code == 401
    assert response.get_json()["error"]["code"] == "unauthorized"


def test_bearer_token_authenticates(client, api_token):
    """A bearer token identifies its user without a browser session."""
    user, token = api_token("judge")
    response = client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 200
    assert response.get_json()["username"] == user.username


def test_forged_token_is_refused(client):
    """An unknown token is a 401."""
    response = client.get("/api/v1/me", headers={"Authorization": "Bearer hk_forged"})
    assert response.status_code == 401


def test_bearer_token_does_not_work_on_pages(client, api_token):
    """Tokens are for /api/v1 only; pages need a session."""
    _user, token = api_token("admin")
    response = client.get("/admin", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 302


def test_method_not_allowed_is_coded(client):
    """A wrong method gets 405 with its code."""
    response = client.post("/api/v1/openapi.json", headers={"Authorization": "Bearer x"})
    assert response.status_code == 405
    assert response.get_json()["error"]["code"] == "method_not_allowed"


def test_openapi_lists_every_api_route(app: Flask, client):
    """The OpenAPI document is generated from the URL map: every /api/v1 route is in it."""
    document = client.get("/api/v1/openapi.json").get_json()
    assert document["openapi"].startswith("3.")
    paths = document["paths"]
    for rule in app.url_map.iter_rules():
        if not rule.endpoint.startswith("api."):
            continue
        path = re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", rule.rule)
        for method in (rule.methods or set()) - {"HEAD", "OPTIONS"}:
            assert method.lower() in paths[path], f"{method} {path} missing from OpenAPI"


def test_openapi_marks_protected_routes(app):
    """Protected operations declare bearer and session security and their roles."""
    with app.test_request_context():
        document = build_openapi()
    me = document["paths"]["/api/v1/me"]["get"]
    assert {"bearer": []} in me["security"]
    assert "security" not in document["paths"]["/api/v1/openapi.json"]["get"]


def test_session_writes_to_the_api_need_csrf(tmp_path):
    """A browser session posting to the API without the CSRF token is refused with a code."""
    from tests.dbutil import fresh_database_url, migrate

    app = make_app(fresh_database_url(tmp_path, "csrf"), WTF_CSRF_ENABLED=True)
    migrate(app)
    client = app.test_client()
    with app.app_context():
        from harkop.auth.services import create_user
        from harkop.auth.sessions import cookie_values
        from harkop.extensions import db

        user, _ = create_user(username="gate9", role="checkin_staff", password="rahasia123")
        cookie = cookie_values(user)
        db.session.commit()
    with client.session_transaction() as sess:
        sess.update(cookie)
    response = client.post("/api/v1/tokens", json={})
    assert response.status_code == 400
    assert response.get_json()["error"]["code"] == "csrf_invalid"


def test_logged_in_device_gets_its_own_token(client, login_as):
    """A logged-in staff phone can fetch a bearer token to replay its offline queue later."""
    user = login_as("checkin_staff")
    response = client.post("/api/v1/tokens", json={"label": "HP gerbang 1"})
    assert response.status_code == 201
    token = response.get_json()["token"]
    client.post("/keluar")
    me = client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"})
    assert me.get_json()["username"] == user.username


def test_the_openapi_document_is_valid_and_describes_every_answer(client):
    """openapi-spec-validator accepts the document; every operation documents a success answer with
    a body schema (the minutes file: its media types) and refusals answered with the error envelope."""
    from openapi_spec_validator import validate

    document = client.get("/api/v1/openapi.json").get_json()
    validate(document)
    operations = [
        (path, method, op)
        for path, ops in document["paths"].items()
        for method, op in ops.items()
        if method != "parameters"
    ]
    assert len(operations) >= 40
    for path, method, op in operations:
        where = f"{method.upper()} {path}"
        success = [s for s in op["responses"] if s.startswith("2")]
        assert success, where
        for status in success:
            content = op["responses"][status]["content"]
            assert all(media.get("schema") for media in content.values()), where
        refusals = [s for s in op["responses"] if s.startswith("4")]
        if path != "/api/v1/openapi.json":
            assert refusals, where
        for status in refusals:
            answer = op["responses"][status]
            if "$ref" in answer:
                answer = document["components"]["responses"][answer["$ref"].rsplit("/", 1)[-1]]
            schema = answer["content"]["application/json"]["schema"]["$ref"]
            assert schema.endswith(("/Error", "/RefusedScanError")), where
    assert document["components"]["schemas"]["Error"]["required"] == ["error"]
