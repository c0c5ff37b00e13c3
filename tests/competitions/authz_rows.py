"""Authorization rows for the office's event and competition pages, the public programme and the
competitions API."""

from tests.authz import admin_only, public
from tests.competitions.factories import make_competition, make_event


def _event(f):
    return f.cached("event", make_event)


def _comp(f):
    return f.cached("comp", lambda: make_competition(_event(f)))


def _exception(f):
    from harkop.competitions.services import grant_exception

    return f.cached(
        "exception", lambda: grant_exception(_comp(f), f.cooperative().id, "Alasan uji", by="test")
    )


ROWS = [
    admin_only("competitions.admin_events", "/admin/acara"),
    admin_only("competitions.event_new", "/admin/acara/baru"),
    admin_only("competitions.event_new", "/admin/acara/baru", method="POST", data={"name": ""}),
    admin_only("competitions.event_edit", lambda f: f"/admin/acara/{_event(f).id}"),
    admin_only("competitions.event_edit", lambda f: f"/admin/acara/{_event(f).id}", method="POST", data={}),
    admin_only("competitions.competition_new", lambda f: f"/admin/acara/{_event(f).id}/lomba/baru"),
    admin_only(
        "competitions.competition_new",
        lambda f: f"/admin/acara/{_event(f).id}/lomba/baru",
        method="POST",
        data={},
    ),
    admin_only("competitions.competition_edit", lambda f: f"/admin/lomba/{_comp(f).id}"),
    admin_only(
        "competitions.competition_edit", lambda f: f"/admin/lomba/{_comp(f).id}", method="POST", data={}
    ),
    admin_only(
        "competitions.competition_transition",
        lambda f: f"/admin/lomba/{_comp(f).id}/status",
        method="POST",
        data={"to": "closed"},
    ),
    admin_only("competitions.exceptions", lambda f: f"/admin/lomba/{_comp(f).id}/pengecualian"),
    admin_only(
        "competitions.exceptions",
        lambda f: f"/admin/lomba/{_comp(f).id}/pengecualian",
        method="POST",
        data={},
    ),
    admin_only(
        "competitions.exception_revoke",
        lambda f: f"/admin/lomba/{_comp(f).id}/pengecualian/{_exception(f).id}/hapus",
        method="POST",
    ),
    public("competitions.programme", "/jadwal"),
    public("competitions.competition_page", lambda f: f"/lomba/{_event(f).slug}/{_comp(f).slug}"),
    public("api.competitions_list", "/api/v1/competitions"),
    public("api.competition_detail", lambda f: f"/api/v1/competitions/{_comp(f).id}"),
    admin_only(
        "api.competition_transition",
        lambda f: f"/api/v1/competitions/{_comp(f).id}/transition",
        method="POST",
        json={"to": "closed"},
    ),
]
ROWS.append(admin_only("competitions.qualify_count", lambda f: f"/admin/acara/{_event(f).id}/hitung-syarat"))


def _programme_item(f):
    """An item of the event's rundown (the opening)."""
    from datetime import date, time

    from harkop.competitions import rundown

    values = {
        "day": date(2024, 7, 26),
        "starts_at": time(8, 30),
        "ends_at": time(9, 30),
        "kind": "pembukaan",
        "title": "Pembukaan",
    }
    return f.cached("programme_item", lambda: rundown.save_item(None, _event(f), values, by="test"))


# The rundown (issue 20): the office keeps it; the public reads it on /jadwal.
ROWS += [
    admin_only("competitions.rundown_admin", lambda f: f"/admin/acara/{_event(f).id}/susunan-acara"),
    admin_only(
        "competitions.rundown_admin",
        lambda f: f"/admin/acara/{_event(f).id}/susunan-acara",
        method="POST",
        data={},
    ),
    admin_only("competitions.rundown_item", lambda f: f"/admin/susunan-acara/{_programme_item(f).id}"),
    admin_only(
        "competitions.rundown_item",
        lambda f: f"/admin/susunan-acara/{_programme_item(f).id}",
        method="POST",
        data={},
    ),
    admin_only(
        "competitions.rundown_item_delete",
        lambda f: f"/admin/susunan-acara/{_programme_item(f).id}/hapus",
        method="POST",
    ),
]
