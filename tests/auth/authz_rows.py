"""Authorization rows for logging in and user management."""

from tests.authz import Row, admin_only, logged_in, public


def judges_token(f) -> int:
    """The id of a token belonging to the row's judge (made once per test)."""

    def make():
        from harkop.auth.services import issue_token_row
        from harkop.extensions import db

        row, _token = issue_token_row(f.user("judge"), label="tablet")
        db.session.commit()
        return row.id

    return f.cached("judge-token", make)


ROWS = [
    public("auth.login", "/masuk"),
    # A logged-in user posting the login form is sent home; anonymous gets the form again.
    Row(
        "auth.login",
        "POST",
        "/masuk",
        {"anonymous": 401, "admin": "ok", "coop_rep": "ok", "judge": "ok", "checkin_staff": "ok"},
        data={"username": "x", "password": "y"},
    ),
    logged_in("auth.logout", "/keluar", method="POST"),
    admin_only("auth.users", "/admin/pengguna"),
    admin_only("auth.user_new", "/admin/pengguna/baru"),
    admin_only("auth.user_new", "/admin/pengguna/baru", method="POST", data={"username": ""}),
    admin_only(
        "auth.user_deactivate", lambda f: f"/admin/pengguna/{f.user('judge').id}/nonaktifkan", method="POST"
    ),
    admin_only(
        "auth.user_reactivate", lambda f: f"/admin/pengguna/{f.user('judge').id}/aktifkan", method="POST"
    ),
    admin_only(
        "auth.user_reset_password",
        lambda f: f"/admin/pengguna/{f.user('judge').id}/reset-sandi",
        method="POST",
    ),
    admin_only("auth.user_detail", lambda f: f"/admin/pengguna/{f.user('judge').id}"),
    admin_only(
        "auth.user_change_role",
        lambda f: f"/admin/pengguna/{f.user('checkin_staff').id}/peran",
        method="POST",
        data={"role": "checkin_staff"},
    ),
    admin_only("auth.admin_tokens", "/admin/token"),
    logged_in("auth.account", "/akun"),
    logged_in("auth.account", "/akun", method="POST", data={"label": ""}),
    logged_in("auth.change_password", "/akun/sandi", method="POST", data={}),
    # Its owner (the judge) and the office revoke a token; to anyone else it does not exist.
    Row(
        "auth.revoke_token",
        "POST",
        lambda f: f"/token/{judges_token(f)}/cabut",
        {"anonymous": "login", "admin": "ok", "judge": "ok", "coop_rep": 404, "checkin_staff": 404},
    ),
    admin_only("auth.invitations", "/admin/undangan"),
    admin_only("auth.invitations", "/admin/undangan", method="POST", data={"cooperative_nik": "1"}),
    # The invitation page is public: an unknown link gets its own coded refusal (404).
    Row(
        "auth.accept_invitation",
        "GET",
        "/undangan/tidak-ada",
        {r: 404 for r in ("anonymous", "admin", "coop_rep", "judge", "checkin_staff")},
    ),
    Row(
        "auth.accept_invitation",
        "POST",
        "/undangan/tidak-ada",
        {r: 404 for r in ("anonymous", "admin", "coop_rep", "judge", "checkin_staff")},
    ),
]
