"""Authorization rows for the check-in pages and API: gate staff and the office; conflicts the office only."""

from tests.authz import admin_only, only, public
from tests.competitions.factories import make_competition


def _day_url(f, extension: str) -> str:
    comp = f.cached("attendance-comp", make_competition)
    return f"/admin/checkin/daftar-hadir/{comp.id}/{comp.days[0].isoformat()}.{extension}"


STAFF = {"checkin_staff", "admin"}
SCAN = {"code": "HK1:AUTHZ", "nonce": "authz-scan", "device_id": "authz-device", "gate": "Pintu A"}

ROWS = [
    only("checkin.scanner", "/checkin/pindai", STAFF),
    only("checkin.scanner", "/checkin/pindai", STAFF, method="POST", data=SCAN, note="typed code without JS"),
    public("checkin.service_worker", "/checkin/sw.js"),
    only("checkin.dashboard", "/checkin/dasbor", STAFF),
    only("checkin.dashboard_fragment", "/checkin/dasbor/isi", STAFF),
    admin_only("checkin.scans", "/admin/checkin/pindaian"),
    only("checkin.attendance_lists", "/admin/checkin/daftar-hadir", STAFF),
    admin_only("checkin.badge_list", "/admin/lencana"),
    admin_only(
        "checkin.badges_pdf",
        "/admin/lencana.pdf?peran=judge&tata=a4",
        note="no event: a coded 404 for the office",
    ),
    admin_only(
        "checkin.badges_pdf",
        "/admin/lencana.pdf?peran=judge&tata=a4",
        method="POST",
        data={},
        note="queues the badges as a background job; no event: a coded 404 for the office",
    ),
    only("checkin.staff_checkin", "/checkin/staf", STAFF),
    only(
        "checkin.staff_checkin",
        "/checkin/staf",
        STAFF,
        method="POST",
        data={"code": "HKS:AUTHZ"},
        note="unknown badge",
    ),
    only("checkin.attendance_list_pdf", lambda f: _day_url(f, "pdf"), STAFF),
    only("checkin.attendance_list_xlsx", lambda f: _day_url(f, "xlsx"), STAFF),
    admin_only("checkin.conflicts", "/admin/checkin/konflik"),
    admin_only(
        "checkin.review_conflict",
        "/admin/checkin/konflik/999999/tinjau",
        method="POST",
        data={"note": "dicek"},
    ),
    only("api.create_checkin", "/api/v1/checkins", STAFF, method="POST", json=SCAN),
    only("api.checkin_roster", "/api/v1/checkins/roster", STAFF),
    only("api.checkin_search", "/api/v1/checkins/search?q=budi", STAFF),
    only("api.checkin_dashboard", "/api/v1/checkins/dashboard", STAFF),
]
