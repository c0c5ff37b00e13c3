"""Authorization rows for logging in and user management."""

from tests.authz import Row, admin_only, logged_in, public

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
