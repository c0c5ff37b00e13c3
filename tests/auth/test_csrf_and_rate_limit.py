"""CSRF on every form, and the login rate limit."""

import re

import pytest

from tests.conftest import make_app
from tests.dbutil import fresh_database_url, migrate


@pytest.fixture
def strict_app(tmp_path):
    app = make_app(
        fresh_database_url(tmp_path, "strict"), WTF_CSRF_ENABLED=True, HARKOP_LOGIN_RATE_LIMIT="3 per minute"
    )
    migrate(app)
    with app.app_context():
        from harkop.auth.services import create_user
        from harkop.extensions import db

        create_user(username="admin1", role="admin", password="rahasia123")
        db.session.commit()
    return app


@pytest.mark.committed
def test_login_form_without_csrf_token_is_refused(strict_app):
    """A form posted without its CSRF token is refused with a clear message."""
    client = strict_app.test_client()
    response = client.post("/masuk", data={"username": "admin1", "password": "rahasia123"})
    assert response.status_code == 400
    assert "Formulir kedaluwarsa" in response.get_data(as_text=True)


@pytest.mark.committed
def test_login_form_with_csrf_token_works(strict_app):
    """The same form with the token from the page logs in."""
    client = strict_app.test_client()
    page = client.get("/masuk").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    response = client.post(
        "/masuk", data={"username": "admin1", "password": "rahasia123", "csrf_token": token}
    )
    assert response.status_code == 302


@pytest.mark.committed
def test_logout_needs_csrf(strict_app):
    """Logging out is a POST with CSRF, so another site cannot log a user out."""
    client = strict_app.test_client()
    assert client.post("/keluar").status_code in (400, 302)
    with strict_app.app_context():
        from harkop.auth.services import get_user
        from harkop.auth.sessions import cookie_values
        from harkop.extensions import db

        cookie = cookie_values(get_user("admin1"))
        db.session.commit()
    with client.session_transaction() as sess:
        sess.update(cookie)
    assert client.post("/keluar").status_code == 400


@pytest.mark.committed
def test_login_is_rate_limited(strict_app):
    """After the allowed attempts, logins are refused with 429 and an Indonesian message."""
    strict_app.config["WTF_CSRF_ENABLED"] = False
    client = strict_app.test_client()
    statuses = [
        client.post("/masuk", data={"username": "admin1", "password": "salah"}).status_code for _ in range(4)
    ]
    assert statuses[:3] == [401, 401, 401]
    assert statuses[3] == 429
    response = client.post("/masuk", data={"username": "admin1", "password": "rahasia123"})
    assert response.status_code == 429
    assert "Terlalu banyak percobaan" in response.get_data(as_text=True)
