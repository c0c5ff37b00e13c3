"""The registration API: coded errors, waitlisting as a result (not an error), scopes per role."""

from __future__ import annotations

import pytest

from harkop.extensions import db
from harkop.registrations.models import EntryState
from tests.competitions.factories import make_competition, people_json


@pytest.fixture
def inside(fake_now):
    """The clock inside the demo window (10 July 2024, 10.00 WITA)."""
    fake_now("2024-07-10T10:00:00+08:00")


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def post_entry(client, comp, token, **body):
    # Views roll back refused requests; committing the setup first keeps it (the test's outer
    # transaction is still rolled back at the end).
    db.session.commit()
    body.setdefault("team_name", "Tim API")
    body.setdefault("participants", people_json(2))
    return client.post(f"/api/v1/competitions/{comp.id}/entries", json=body, headers=bearer(token))


def test_a_coop_rep_registers_and_gets_the_entry_with_tickets(client, registry, api_token, inside):
    """201 with the confirmed entry and its decision; the tickets endpoint lists HK1 codes and links."""
    comp = make_competition()
    user, token = api_token("coop_rep")
    response = post_entry(client, comp, token)
    assert response.status_code == 201
    body = response.get_json()
    assert body["state"] == "confirmed"
    assert body["cooperative"]["nik"] == user.cooperative.nik
    assert body["decision"]["eligible"] is True
    assert body["participants"][0]["phone"] == "081234560001"
    tickets = client.get(f"/api/v1/entries/{body['id']}/tickets", headers=bearer(token)).get_json()
    assert tickets["total"] == 2
    assert all(t["code"].startswith("HK1:") and t["valid"] for t in tickets["items"])
    assert tickets["items"][0]["page_url"].startswith("http")


def test_a_full_competition_answers_waitlisted_not_an_error(client, registry, api_token, inside):
    """The entry after the last place comes back 201 `waitlisted` with its position."""
    comp = make_competition(capacity=1)
    post_entry(client, comp, api_token("coop_rep")[1])
    response = post_entry(client, comp, api_token("coop_rep")[1])
    assert response.status_code == 201
    assert response.get_json()["state"] == "waitlisted"
    assert response.get_json()["waitlist_position"] == 1


def test_outside_the_window_is_registration_closed(client, registry, api_token, fake_now):
    """Before or after the window: 409 `registration_closed`."""
    comp = make_competition()
    _, token = api_token("coop_rep")
    fake_now("2024-06-30T23:59:00+08:00")
    response = post_entry(client, comp, token)
    assert response.status_code == 409
    assert response.get_json()["error"]["code"] == "registration_closed"
    fake_now("2024-07-21T00:00:00+08:00")
    assert post_entry(client, comp, token).get_json()["error"]["code"] == "registration_closed"


def test_an_ineligible_cooperative_gets_not_eligible_with_reasons(app, client, registry, api_token, inside):
    """422 `not_eligible`, each rule's code and message in details.reasons, and the refusal survives."""
    from sqlalchemy import select

    from harkop.audit import AuditLog

    comp = make_competition()
    user, token = api_token("coop_rep")
    registry.set(user.cooperative, is_active=False, inactive_reasons=("tidak_rat",))
    response = post_entry(client, comp, token)
    assert response.status_code == 422
    error = response.get_json()["error"]
    assert error["code"] == "not_eligible"
    assert error["details"]["reasons"][0]["code"] == "not_active"
    assert "tidak aktif" in error["details"]["reasons"][0]["message"]
    assert db.session.scalar(select(AuditLog).where(AuditLog.action == "entry.refused")) is not None


def test_a_coop_rep_naming_another_cooperative_is_forbidden(
    client, registry, api_token, make_cooperative, inside
):
    """A coop_rep who sends another cooperative's NIK gets 403 `forbidden`."""
    comp = make_competition()
    _, token = api_token("coop_rep")
    response = post_entry(client, comp, token, cooperative_nik=make_cooperative().nik)
    assert response.status_code == 403
    assert response.get_json()["error"]["code"] == "forbidden"


def test_the_office_registers_by_nik(client, registry, api_token, make_cooperative, inside):
    """An admin must name the cooperative; with it, the entry is made."""
    comp = make_competition()
    _, token = api_token("admin")
    missing = post_entry(client, comp, token)
    assert missing.status_code == 422 and missing.get_json()["error"]["code"] == "cooperative_required"
    coop = make_cooperative()
    made = post_entry(client, comp, token, cooperative_nik=coop.nik)
    assert made.status_code == 201 and made.get_json()["cooperative"]["nik"] == coop.nik
    unknown = post_entry(client, comp, token, cooperative_nik="6471999999999999")
    assert unknown.status_code == 404 and unknown.get_json()["error"]["code"] == "cooperative_not_found"


@pytest.mark.parametrize(
    ("body", "code"),
    [
        ({"participants": []}, "team_size"),
        ({"participants": "Ani"}, "invalid_participants"),
        ({"participants": [{"name": "Ani", "phone": "0812345678", "consent": False}]}, "consent_required"),
        ({"participants": [{"name": "Ani", "phone": "12", "consent": True}]}, "invalid_phone"),
        ({"team_name": ""}, "team_name_required"),
    ],
)
def test_bad_input_has_coded_422s(client, registry, api_token, inside, body, code):
    """Each input problem has its own code."""
    comp = make_competition()
    response = post_entry(client, comp, api_token("coop_rep")[1], **body)
    assert response.status_code == 422
    assert response.get_json()["error"]["code"] == code


def test_not_json_is_a_coded_400(client, registry, api_token, inside):
    """A body that is not a JSON object is `invalid_json`."""
    comp = make_competition()
    response = client.post(
        f"/api/v1/competitions/{comp.id}/entries", data="x", headers=bearer(api_token("coop_rep")[1])
    )
    assert response.status_code == 400 and response.get_json()["error"]["code"] == "invalid_json"


def test_entries_list_scope_per_role(client, registry, api_token, inside):
    """The office sees every entry; a coop_rep only their own; a judge (not assigned) is refused."""
    comp = make_competition()
    one, t1 = api_token("coop_rep")
    _, t2 = api_token("coop_rep")
    post_entry(client, comp, t1)
    post_entry(client, comp, t2)
    _, admin = api_token("admin")
    everything = client.get(f"/api/v1/competitions/{comp.id}/entries", headers=bearer(admin)).get_json()
    assert everything["total"] == 2
    own = client.get(f"/api/v1/competitions/{comp.id}/entries", headers=bearer(t1)).get_json()
    assert own["total"] == 1 and own["items"][0]["cooperative"]["nik"] == one.cooperative.nik
    _, judge = api_token("judge")
    refused = client.get(f"/api/v1/competitions/{comp.id}/entries", headers=bearer(judge))
    assert refused.status_code == 403 and refused.get_json()["error"]["code"] == "forbidden"
    filtered = client.get(f"/api/v1/competitions/{comp.id}/entries?state=waitlisted", headers=bearer(admin))
    assert filtered.get_json()["total"] == 0


def test_a_registered_reader_sees_all_entries_without_phones(
    client, registry, api_token, inside, monkeypatch
):
    """A domain that registers an entry reader (judging: its judges) lets them list entries, phones hidden."""
    from harkop.registrations import services

    comp = make_competition()
    post_entry(client, comp, api_token("coop_rep")[1])
    judge, token = api_token("judge")
    monkeypatch.setattr(services, "_entry_readers", [])
    services.register_entry_reader(lambda user, c: user.id == judge.id and c.id == comp.id)
    body = client.get(f"/api/v1/competitions/{comp.id}/entries", headers=bearer(token)).get_json()
    assert body["total"] == 1
    assert "phone" not in body["items"][0]["participants"][0]


def test_withdraw_approve_reject_over_the_api(client, registry, api_token, inside):
    """Withdraw by the owner; approve and reject by the office with their codes."""
    comp = make_competition(approval_required=True, capacity=5)
    _, rep = api_token("coop_rep")
    _, other = api_token("coop_rep")
    _, admin = api_token("admin")
    entry = post_entry(client, comp, rep).get_json()
    assert entry["state"] == "pending"
    forbidden = client.post(f"/api/v1/entries/{entry['id']}/withdraw", headers=bearer(other))
    assert forbidden.status_code == 403
    approved = client.post(f"/api/v1/entries/{entry['id']}/approve", headers=bearer(admin))
    assert approved.status_code == 200 and approved.get_json()["state"] == "confirmed"
    again = client.post(f"/api/v1/entries/{entry['id']}/approve", headers=bearer(admin))
    assert again.status_code == 409 and again.get_json()["error"]["code"] == "invalid_entry_state"
    second = post_entry(client, comp, other).get_json()
    short = client.post(f"/api/v1/entries/{second['id']}/reject", json={"reason": "x"}, headers=bearer(admin))
    assert short.status_code == 422 and short.get_json()["error"]["code"] == "reason_required"
    rejected = client.post(
        f"/api/v1/entries/{second['id']}/reject",
        json={"reason": "Berkas tidak lengkap"},
        headers=bearer(admin),
    )
    assert rejected.get_json()["state"] == "rejected"
    withdrawn = client.post(f"/api/v1/entries/{entry['id']}/withdraw", headers=bearer(rep))
    assert withdrawn.status_code == 200 and withdrawn.get_json()["state"] == EntryState.withdrawn.value
    tickets = client.get(f"/api/v1/entries/{entry['id']}/tickets", headers=bearer(rep)).get_json()["items"]
    assert tickets and not any(t["valid"] for t in tickets)


def test_another_cooperatives_tickets_are_forbidden(client, registry, api_token, inside):
    """Ticket codes of another cooperative's entry: 403; unknown entry: 404."""
    comp = make_competition()
    entry = post_entry(client, comp, api_token("coop_rep")[1]).get_json()
    _, other = api_token("coop_rep")
    response = client.get(f"/api/v1/entries/{entry['id']}/tickets", headers=bearer(other))
    assert response.status_code == 403 and response.get_json()["error"]["code"] == "forbidden"
    assert client.get("/api/v1/entries/999999/tickets", headers=bearer(other)).status_code == 404


def test_the_openapi_document_lists_the_registration_routes(client):
    """Every route of the issue is in the OpenAPI document."""
    paths = client.get("/api/v1/openapi.json").get_json()["paths"]
    for path in (
        "/api/v1/competitions",
        "/api/v1/competitions/{competition_id}",
        "/api/v1/competitions/{competition_id}/transition",
        "/api/v1/competitions/{competition_id}/entries",
        "/api/v1/entries/{entry_id}/withdraw",
        "/api/v1/entries/{entry_id}/approve",
        "/api/v1/entries/{entry_id}/reject",
        "/api/v1/entries/{entry_id}/tickets",
    ):
        assert path in paths
    assert set(paths["/api/v1/competitions/{competition_id}/entries"]) - {"parameters"} == {"get", "post"}


def test_the_api_reports_the_renumbered_waitlist_position(client, registry, api_token, inside):
    """After the confirmed entry withdraws and the first in line is promoted, the next reads position 1."""
    comp = make_competition(capacity=1)
    _, first_token = api_token("coop_rep")
    first = post_entry(client, comp, first_token).get_json()
    second = post_entry(client, comp, api_token("coop_rep")[1]).get_json()
    _, third_token = api_token("coop_rep")
    third = post_entry(client, comp, third_token).get_json()
    assert (second["waitlist_position"], third["waitlist_position"]) == (1, 2)
    client.post(f"/api/v1/entries/{first['id']}/withdraw", headers=bearer(first_token))
    listed = client.get(f"/api/v1/competitions/{comp.id}/entries", headers=bearer(api_token("admin")[1]))
    by_id = {e["id"]: e for e in listed.get_json()["items"]}
    assert by_id[second["id"]]["state"] == "confirmed" and by_id[second["id"]]["waitlist_position"] is None
    assert (by_id[third["id"]]["state"], by_id[third["id"]]["waitlist_position"]) == ("waitlisted", 1)
