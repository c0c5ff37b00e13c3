"""Server-side sessions and the token lifecycle (issue 17, items 2, 4 and 8)."""

from __future__ import annotations

import hashlib
from datetime import timedelta

import pytest
from sqlalchemy import select

from harkop import clock
from harkop.auth import services, sessions
from harkop.auth.models import ApiToken, UserSession
from harkop.extensions import db
from harkop.outbox import OutboxMessage
from tests.conftest import make_app, sign_in
from tests.dbutil import fresh_database_url, migrate


def bearer(token: str) -> dict[str, str]:
    """The header a device sends."""
    return {"Authorization": f"Bearer {token}"}


def token_works(app, token: str) -> bool:
    """Does a device with no cookie get in with this token?"""
    return app.test_client().get("/api/v1/me", headers=bearer(token)).status_code == 200


def live_session_of(user) -> UserSession:
    """The user's newest session row."""
    return db.session.scalars(
        select(UserSession).where(UserSession.user_id == user.id).order_by(UserSession.id.desc())
    ).first()


# --- Sessions ---------------------------------------------------------------------------------------


def test_a_copied_cookie_stops_working_after_logout(app, client, make_user):
    """Reproduction: a copied cookie still opened /koperasi-saya after POST /keluar. Does it now
    land on the login page instead?"""
    rep = make_user("coop_rep", password="rahasia123")
    assert client.post("/masuk", data={"username": rep.username, "password": "rahasia123"}).status_code == 302
    copied = client.get_cookie("session").value
    assert client.get("/koperasi-saya").status_code == 200
    client.post("/keluar")
    thief = app.test_client()
    thief.set_cookie("session", copied)
    response = thief.get("/koperasi-saya")
    assert response.status_code == 302 and "/masuk" in response.headers["Location"]
    assert live_session_of(rep).end_reason == "logout"


def test_a_session_ends_after_the_idle_timeout(client, login_as):
    """Is a session that saw no request for longer than HARKOP_SESSION_IDLE_MINUTES logged out?"""
    user = login_as("admin")
    row = live_session_of(user)
    row.last_seen_at = sessions.wall_now() - sessions.idle_limit() - timedelta(minutes=1)
    db.session.commit()
    assert client.get("/admin").status_code == 302


def test_a_session_ends_after_its_absolute_lifetime(client, login_as):
    """Is a session older than HARKOP_SESSION_MAX_HOURS logged out, however busy it was?"""
    user = login_as("admin")
    row = live_session_of(user)
    row.created_at = sessions.wall_now() - sessions.max_lifetime() - timedelta(minutes=1)
    db.session.commit()
    assert client.get("/admin").status_code == 302


def test_the_limits_are_configurable(app, client, login_as):
    """Does a shorter configured idle timeout end a session sooner?"""
    user = login_as("admin")
    row = live_session_of(user)
    row.last_seen_at = sessions.wall_now() - timedelta(minutes=10)
    db.session.commit()
    assert client.get("/admin").status_code == 200
    app.config["HARKOP_SESSION_IDLE_MINUTES"] = 5
    try:
        row.last_seen_at = sessions.wall_now() - timedelta(minutes=10)
        db.session.commit()
        assert client.get("/admin").status_code == 302
    finally:
        app.config["HARKOP_SESSION_IDLE_MINUTES"] = 240


def test_a_request_notes_when_the_session_was_last_seen(client, login_as):
    """Does a page view move `last_seen_at` on (at most once a minute), so an active user stays in?"""
    user = login_as("admin")
    row = live_session_of(user)
    old = sessions.wall_now() - timedelta(minutes=30)
    row.last_seen_at = old
    db.session.commit()
    assert client.get("/admin").status_code == 200
    db.session.expire_all()
    assert live_session_of(user).last_seen_at > old + timedelta(minutes=29)


def test_a_role_change_ends_the_users_sessions(app, client, login_as, make_user):
    """Does giving a user another role end their open sessions (and revoke their tokens)?"""
    staff = make_user("checkin_staff")
    other = app.test_client()
    sign_in(other, staff)
    token = services.issue_token(staff)
    db.session.commit()
    assert other.get("/checkin").status_code == 200
    login_as("admin")
    response = client.post(f"/admin/pengguna/{staff.id}/peran", data={"role": "judge"})
    assert response.status_code == 302
    assert other.get("/juri").status_code == 302
    assert not token_works(app, token)


def test_changing_ones_password_keeps_this_session_and_ends_the_others(app, client, login_as):
    """A user changes their password: the session they did it in stays, their other sessions end
    and their tokens are revoked."""
    user = login_as("judge", password="rahasia123")
    phone = app.test_client()
    sign_in(phone, user)
    token = services.issue_token(user)
    db.session.commit()
    response = client.post(
        "/akun/sandi",
        data={
            "current_password": "rahasia123",
            "new_password": "kopi-susu-panas-99",
            "repeat_password": "kopi-susu-panas-99",
        },
    )
    assert response.status_code == 302
    assert client.get("/juri").status_code == 200
    assert phone.get("/juri").status_code == 302
    assert not token_works(app, token)


def test_a_wrong_current_password_changes_nothing(client, login_as):
    """The current password is asked for; a wrong one is a 422 next to its field."""
    user = login_as("judge", password="rahasia123")
    response = client.post(
        "/akun/sandi",
        data={
            "current_password": "salah-sekali",
            "new_password": "kopi-susu-panas-99",
            "repeat_password": "kopi-susu-panas-99",
        },
    )
    assert response.status_code == 422 and "Kata sandi saat ini salah" in response.get_data(as_text=True)
    assert services.authenticate(user.username, "rahasia123")


# --- Tokens -----------------------------------------------------------------------------------------


def test_a_password_reset_revokes_the_users_tokens(client, api_token, make_user):
    """Reproduction: bearer tokens outlived a password reset. Are they revoked by it now?"""
    user, token = api_token("checkin_staff")
    assert client.get("/api/v1/me", headers=bearer(token)).status_code == 200
    services.reset_password(user, by=make_user("admin"))
    db.session.commit()
    assert client.get("/api/v1/me", headers=bearer(token)).status_code == 401
    row = db.session.scalar(select(ApiToken).where(ApiToken.user_id == user.id))
    assert row.revoke_reason == "password_reset"


def test_tokens_expire(client, api_token):
    """Reproduction: tokens never expired. Is a token past its expiry refused?"""
    user, token = api_token("judge")
    row = db.session.scalar(select(ApiToken).where(ApiToken.user_id == user.id))
    assert row.expires_at > clock.now() + timedelta(days=29)  # HARKOP_TOKEN_DAYS = 30 by default
    row.expires_at = clock.now() - timedelta(seconds=1)
    db.session.commit()
    assert client.get("/api/v1/me", headers=bearer(token)).status_code == 401


def test_a_bearer_token_cannot_mint_more_tokens(client, api_token):
    """Reproduction: a bearer token could mint more tokens (POST /api/v1/tokens). Refused now?"""
    _user, token = api_token("checkin_staff")
    response = client.post("/api/v1/tokens", json={"label": "lagi"}, headers=bearer(token))
    assert response.status_code == 403
    assert response.get_json()["error"]["code"] == "session_required"


def test_tokens_are_stored_hashed_with_their_label(client, login_as):
    """Is only the token's SHA-256 stored, with the device's label, creation time and expiry?"""
    user = login_as("judge")
    body = client.post("/api/v1/tokens", json={"label": "Tablet juri 2"}).get_json()
    row = db.session.scalar(select(ApiToken).where(ApiToken.user_id == user.id))
    assert row.token_hash == hashlib.sha256(body["token"].encode()).hexdigest() != body["token"]
    assert row.label == "Tablet juri 2" and row.created_at and row.expires_at
    assert row.session_id == live_session_of(user).id


def test_a_scanners_token_lasts_to_the_events_last_day_plus_a_margin(client, login_as, fake_now):
    """A gate scanner's token (purpose checkin) expires the day after the event's last day (WITA)."""
    from datetime import date

    from harkop.competitions.models import Event

    fake_now("2024-07-26T09:00:00+08:00")
    db.session.add(
        Event(slug="hk-uji", name="Hari Koperasi Uji", starts_on=date(2024, 7, 26), ends_on=date(2024, 7, 28))
    )
    db.session.commit()
    login_as("checkin_staff")
    body = client.post("/api/v1/tokens", json={"label": "pemindai 1", "purpose": "checkin"}).get_json()
    assert body["expires_at"].startswith("2024-07-29T15:59")  # 29 July 23.59 WITA in UTC


def test_a_token_label_must_be_text(client, login_as):
    """A label that is a number or a list is a coded 422, not stored as its string."""
    login_as("judge")
    for label in (12, ["a"], {"x": 1}):
        response = client.post("/api/v1/tokens", json={"label": label})
        assert response.status_code == 422 and response.get_json()["error"]["code"] == "not_text"


def test_a_tokens_last_use_is_noted(client, api_token):
    """Does using a token record when it was last used (for the token pages)?"""
    user, token = api_token("judge")
    assert client.get("/api/v1/me", headers=bearer(token)).status_code == 200
    db.session.expire_all()
    assert db.session.scalar(select(ApiToken.last_used_at).where(ApiToken.user_id == user.id)) is not None


def test_revoking_one_device_leaves_the_others_working(app, client, login_as, make_user):
    """The operator revokes the lost gate phone's token: that phone's token and its session stop
    (it cannot fetch a new token), while the other phone of the same account keeps scanning."""
    staff = make_user("checkin_staff")
    lost, kept = app.test_client(), app.test_client()
    sign_in(lost, staff)
    sign_in(kept, staff)
    lost_token = lost.post("/api/v1/tokens", json={"label": "HP hilang"}).get_json()["token"]
    kept_token = kept.post("/api/v1/tokens", json={"label": "HP utara"}).get_json()["token"]
    row = db.session.scalar(select(ApiToken).where(ApiToken.label == "HP hilang"))
    login_as("admin")
    page = client.get("/admin/token").get_data(as_text=True)
    assert "HP hilang" in page and "HP utara" in page
    assert client.post(f"/token/{row.id}/cabut").status_code == 302
    assert not token_works(app, lost_token)
    assert lost.post("/api/v1/tokens", json={"label": "lagi"}).status_code == 401
    assert token_works(app, kept_token)
    assert kept.get("/checkin").status_code == 200


def test_a_user_sees_and_revokes_only_their_own_tokens(app, client, login_as, api_token):
    """The account page lists one's own tokens; another user's token is a 404 to them."""
    _other, other_token = api_token("judge")
    other_row = db.session.scalar(select(ApiToken).order_by(ApiToken.id.desc()))
    me = login_as("judge")
    client.post("/akun", data={"label": "Tablet saya", "days": 10})
    page = client.get("/akun").get_data(as_text=True)
    assert "Tablet saya" in page and other_row.label not in page or other_row.label == "perangkat"
    assert client.post(f"/token/{other_row.id}/cabut").status_code == 404
    assert token_works(app, other_token)
    mine = db.session.scalar(select(ApiToken).where(ApiToken.user_id == me.id))
    assert abs(mine.expires_at - mine.created_at - timedelta(days=10)) < timedelta(seconds=1)
    assert client.post(f"/token/{mine.id}/cabut").status_code == 302
    db.session.expire_all()
    assert db.session.get(ApiToken, mine.id).revoked_at is not None


def test_the_account_page_shows_a_new_token_once(client, login_as):
    """A token made on the account page is shown on the answer to that request only."""
    login_as("judge")
    made = client.post("/akun", data={"label": "Tablet 3", "days": 30}).get_data(as_text=True)
    assert "data-new-token" in made
    assert "data-new-token" not in client.get("/akun").get_data(as_text=True)


# --- CSRF on the API --------------------------------------------------------------------------------


@pytest.fixture
def strict_app(tmp_path):
    app = make_app(fresh_database_url(tmp_path, "csrfapi"), WTF_CSRF_ENABLED=True)
    migrate(app)
    return app


@pytest.mark.committed
def test_a_bearer_header_does_not_exempt_a_session_from_csrf(strict_app):
    """Reproduction: CSRF on the API was skipped whenever an `Authorization: Bearer` header was
    present, even for a request authenticated by its session cookie. Is it required now?"""
    with strict_app.app_context():
        user, _ = services.create_user(username="gate7", role="checkin_staff", password="rahasia123")
        cookie = sessions.cookie_values(user)
        token = services.issue_token(user)
        db.session.commit()
    client = strict_app.test_client()
    with client.session_transaction() as sess:
        sess.update(cookie)
    forged = client.post("/api/v1/tokens", json={"label": "x"}, headers=bearer("hk_anything"))
    assert forged.status_code == 400 and forged.get_json()["error"]["code"] == "csrf_invalid"
    device = strict_app.test_client()
    answer = device.post("/api/v1/checkins", json={}, headers=bearer(token))
    assert answer.status_code != 400 or answer.get_json()["error"]["code"] != "csrf_invalid"


# --- The office's actions on other admins -----------------------------------------------------------


def test_resetting_another_admin_asks_for_the_acting_admins_password(client, login_as, make_user):
    """Reproduction: an admin could reset or deactivate other admins without confirming who they
    are. Without the acting admin's password nothing changes; with it, the target is told."""
    target = make_user("admin", password="rahasia123", email="kepala@example.org")
    login_as("admin", password="sandi-saya-panjang")
    client.post(f"/admin/pengguna/{target.id}/reset-sandi")
    client.post(f"/admin/pengguna/{target.id}/nonaktifkan", data={"confirm_password": "salah-sekali"})
    db.session.expire_all()
    assert target.active and services.authenticate(target.username, "rahasia123")
    assert (
        client.post(
            f"/admin/pengguna/{target.id}/nonaktifkan", data={"confirm_password": "sandi-saya-panjang"}
        ).status_code
        == 302
    )
    db.session.expire_all()
    assert not target.active
    told = db.session.scalars(select(OutboxMessage).where(OutboxMessage.user_id == target.id)).all()
    assert told and "dinonaktifkan" in told[-1].body


def test_other_accounts_need_no_password(client, login_as, make_user):
    """Resetting a judge's password needs no confirmation (only admins' accounts do)."""
    judge = make_user("judge", password="rahasia123")
    login_as("admin")
    client.post(f"/admin/pengguna/{judge.id}/reset-sandi")
    with pytest.raises(services.DomainError):
        services.authenticate(judge.username, "rahasia123")


def test_the_api_csrf_check_loads_no_bearer_principal(app, monkeypatch):
    """The CSRF decision reads the signed cookie only: a device's bearer request loads no user
    before the check-in's hot path chooses its transaction mode (on PostgreSQL it reads without
    a transaction, which an earlier query on the connection would prevent)."""
    from harkop import api

    looked_up = []
    monkeypatch.setattr(services, "principal_for_token", lambda token: looked_up.append(token))
    monkeypatch.setattr(services, "user_for_token", lambda token: looked_up.append(token))
    with app.test_request_context(
        "/api/v1/checkins", method="POST", json={}, headers={"Authorization": "Bearer hk_device"}
    ):
        api._csrf_for_sessions()
    assert looked_up == []
