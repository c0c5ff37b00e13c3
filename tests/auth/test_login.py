"""Logging in and out, role home pages, deactivation and password resets."""

import pytest

from harkop.auth import services
from harkop.extensions import db

HOMES = {"admin": "/admin", "coop_rep": "/koperasi-saya", "judge": "/juri", "checkin_staff": "/checkin"}


@pytest.mark.parametrize("role", list(HOMES))
def test_each_role_lands_on_its_home_page(client, make_user, role):
    """After logging in, each role is sent to its own home page."""
    user = make_user(role, password="rahasia123")
    response = client.post("/masuk", data={"username": user.username, "password": "rahasia123"})
    assert response.status_code == 302
    assert response.headers["Location"] == HOMES[role]
    assert client.get(HOMES[role]).status_code == 200


def test_wrong_password_is_refused_in_indonesian(client, make_user):
    """A wrong password gets a 401 and a clear Indonesian message, no session."""
    user = make_user("admin", password="rahasia123")
    response = client.post("/masuk", data={"username": user.username, "password": "salah-sekali"})
    assert response.status_code == 401
    assert "Nama pengguna atau kata sandi salah" in response.get_data(as_text=True)
    assert client.get("/admin").status_code == 302


def test_unknown_user_gets_the_same_refusal(client):
    """An unknown username is refused with the same code as a wrong password."""
    with pytest.raises(services.DomainError) as err:
        services.authenticate("tidak-ada", "apa-saja-123")
    assert err.value.code == "invalid_credentials"
    response = client.post("/masuk", data={"username": "tidak-ada", "password": "x"})
    assert response.status_code == 401


def test_empty_login_form_is_a_form_error_not_a_500(client):
    """An empty form is answered with field errors."""
    response = client.post("/masuk", data={})
    assert response.status_code == 400
    assert "field" in response.get_data(as_text=True)


def test_next_parameter_only_goes_to_local_paths(client, make_user):
    """A `next` pointing off-site is ignored (no open redirect)."""
    user = make_user("admin", password="rahasia123")
    response = client.post(
        "/masuk?next=//evil.example/x", data={"username": user.username, "password": "rahasia123"}
    )
    assert response.headers["Location"] == "/admin"


def test_logout_ends_the_session(client, login_as):
    """After logging out, protected pages ask to log in again."""
    login_as("admin")
    assert client.get("/admin").status_code == 200
    client.post("/keluar")
    assert client.get("/admin").status_code == 302


def test_deactivated_user_is_logged_out_at_once(client, login_as, make_user):
    """Deactivating a user ends their running session on the next request."""
    admin = make_user("admin")
    judge = login_as("judge")
    assert client.get("/juri").status_code == 200
    services.deactivate_user(judge, by=admin)
    db.session.flush()
    assert client.get("/juri").status_code == 302


def test_deactivated_user_cannot_log_in(client, make_user):
    """A deactivated account is refused at login."""
    admin = make_user("admin")
    judge = make_user("judge", password="rahasia123")
    services.deactivate_user(judge, by=admin)
    response = client.post("/masuk", data={"username": judge.username, "password": "rahasia123"})
    assert response.status_code == 401
    assert "dinonaktifkan" in response.get_data(as_text=True)


def test_deactivated_users_tokens_stop_working(client, api_token, make_user):
    """A deactivated user's bearer tokens are refused at once."""
    admin = make_user("admin")
    user, token = api_token("checkin_staff")
    headers = {"Authorization": f"Bearer {token}"}
    assert client.get("/api/v1/me", headers=headers).status_code == 200
    services.deactivate_user(user, by=admin)
    response = client.get("/api/v1/me", headers=headers)
    assert response.status_code == 401
    assert response.get_json()["error"]["code"] == "unauthorized"


def test_password_reset_ends_sessions_and_sets_a_new_password(client, login_as, make_user):
    """A reset password works, the old one does not, and old sessions end."""
    admin = make_user("admin")
    judge = login_as("judge")
    new = services.reset_password(judge, by=admin)
    assert client.get("/juri").status_code == 302
    assert services.authenticate(judge.username, new).id == judge.id
    with pytest.raises(services.DomainError):
        services.authenticate(judge.username, "rahasia123")


def test_admin_cannot_deactivate_themselves(make_user):
    """The office cannot lock itself out by deactivating its own account."""
    admin = make_user("admin")
    with pytest.raises(services.DomainError) as err:
        services.deactivate_user(admin, by=admin)
    assert err.value.code == "cannot_deactivate_self"


def test_passwords_are_hashed(make_user):
    """The password is never stored as given."""
    user = make_user("admin", password="rahasia123")
    assert "rahasia123" not in user.password_hash


def test_a_service_workers_background_fetch_leaves_the_logout_message_for_the_person(client, login_as):
    """A page a service worker keeps in passing (X-Harkop-Background) does not take "Anda sudah keluar."."""
    login_as("judge")
    client.post("/keluar")
    background = client.get("/masuk", headers={"X-Harkop-Background": "1"}).get_data(as_text=True)
    assert "Anda sudah keluar." not in background
    assert "Anda sudah keluar." in client.get("/").get_data(as_text=True)
