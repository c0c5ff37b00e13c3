"""Authorization rows for the operations pages (issue 19): readiness, personal data."""

from tests.authz import admin_only, public


def _participant(f):
    from tests.checkin.factories import make_entry

    return f.cached("participant", lambda: make_entry(names=["Peserta Matriks"]).participants[0])


ROWS = [
    public("main.readyz", "/readyz"),
    admin_only("privacy.index", "/admin/data-pribadi?q=Peserta"),
    admin_only("privacy.person", lambda f: f"/admin/data-pribadi/peserta/{_participant(f).id}"),
    admin_only(
        "privacy.person",
        lambda f: f"/admin/data-pribadi/peserta/{_participant(f).id}",
        method="POST",
        data={"reason": ""},
    ),
    admin_only(
        "privacy.export", lambda f: f"/admin/data-pribadi/peserta/{_participant(f).id}/ekspor", method="POST"
    ),
]
