"""Authorization rows for the site-wide routes and the API core."""

from tests.authz import Row, admin_only, logged_in, only, public

ROWS = [
    public("main.index", "/"),
    public("main.healthz", "/healthz"),
    public("main.set_language", "/bahasa", method="POST", data={"lang": "en", "next": "/"}),
    admin_only("main.admin_home", "/admin"),
    only("main.coop_home", "/koperasi-saya", {"coop_rep"}),
    only("main.checkin_home", "/checkin", {"checkin_staff", "admin"}),
    logged_in("main.notifications", "/notifikasi"),
    admin_only("main.admin_jobs", "/admin/jobs"),
    admin_only("main.admin_outbox", "/admin/outbox"),
    admin_only("main.admin_audit", "/admin/audit"),
    admin_only("main.admin_audit_export", "/admin/audit.csv"),
    public("api.openapi", "/api/v1/openapi.json"),
    public("main.api_reference", "/referensi-api"),
    logged_in("api.me", "/api/v1/me"),
    logged_in("api.create_own_token", "/api/v1/tokens", method="POST", json={}),
]
ROWS.append(
    Row(
        "static",
        "GET",
        "/static/css/harkop.css",
        {r: "ok" for r in ("anonymous", "admin", "coop_rep", "judge", "checkin_staff")},
    )
)
