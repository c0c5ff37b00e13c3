"""The check-in API: verdicts as 200/409, the recorded scan in the envelope, tokens, roster, search, dashboard."""

from __future__ import annotations

import hashlib
import json
import uuid

import pytest
from sqlalchemy import func, select

from harkop.checkin.models import CheckIn, Scan
from harkop.extensions import db
from tests.checkin import factories as f

ON_DAY1 = "2024-07-26T09:30:00+08:00"


@pytest.fixture
def device(client, api_token, fake_now):
    """A scanning device of a check-in staff member: bearer token, no session; the clock on 26 July 09.30."""
    fake_now(ON_DAY1)
    user, token = api_token("checkin_staff", display_name="Rina Petugas")
    headers = {"Authorization": f"Bearer {token}"}

    class Device:
        def post(self, **body):
            payload = {"nonce": uuid.uuid4().hex, "device_id": "hp-rina", "gate": "Pintu A"}
            payload.update(body)
            return client.post("/api/v1/checkins", json=payload, headers=headers)

        def get(self, url):
            return client.get(url, headers=headers)

    d = Device()
    d.user = user
    d.headers = headers
    return d


def scans() -> int:
    return db.session.scalar(select(func.count(Scan.id)))


def test_admitted_scan_is_200_with_the_recorded_scan(ticket, device):
    """An admitted ticket answers 200 with the verdict, the ticket's facts and the admission."""
    res = device.post(code=f.code(ticket), scanned_at="2024-07-26T09:29:58+08:00", method="camera")
    assert res.status_code == 200
    body = res.get_json()
    assert body["verdict"] == "checked_in"
    assert body["ticket"]["participant"] == ticket.participant.name
    assert body["ticket"]["team"] == ticket.participant.entry.team_name
    assert body["ticket"]["cooperative"] == ticket.participant.entry.cooperative.name
    assert body["ticket"]["slot"] == "09.00–12.00 WITA"
    assert body["admission"]["by"] == "Rina Petugas" and body["admission"]["gate"] == "Pintu A"
    assert body["scanned_at"] == "2024-07-26T01:29:58+00:00"
    assert body["method"] == "camera" and body["replayed"] is False
    assert "phone" not in json.dumps(body)


def test_refused_scan_is_409_with_the_verdict_as_code_and_is_recorded(ticket, device):
    """A refusal is a 409 error envelope whose code is the verdict; the scan is recorded (committed)."""
    device.post(code=f.code(ticket))
    res = device.post(code=f.code(ticket), gate="Pintu B")
    assert res.status_code == 409
    error = res.get_json()["error"]
    assert error["code"] == "already_checked_in"
    assert error["details"]["verdict"] == "already_checked_in"
    assert error["details"]["admission"]["gate"] == "Pintu A"
    assert error["details"]["admission"]["by"] == "Rina Petugas"
    assert error["message"]
    db.session.rollback()  # what the request committed survives
    assert db.session.get(Scan, error["details"]["id"]) is not None


@pytest.mark.parametrize(
    ("code", "verdict"),
    [("HK1:" + "A" * 28, "unknown_ticket"), ("garbage", "unknown_ticket")],
)
def test_unknown_codes_are_409_unknown_ticket(device, code, verdict):
    """Forged codes answer 409 unknown_ticket."""
    res = device.post(code=code)
    assert res.status_code == 409 and res.get_json()["error"]["code"] == verdict


def test_wrong_day_is_409_not_valid_today(ticket, device, fake_now):
    """The day after the competition, its ticket answers 409 not_valid_today."""
    fake_now("2024-07-27T09:00:00+08:00")
    res = device.post(code=f.code(ticket))
    assert res.get_json()["error"]["code"] == "not_valid_today"


def test_repeated_nonce_gives_the_first_answer_and_one_row(ticket, device):
    """Sending the same nonce twice answers the same 200 (marked replayed) and leaves one row."""
    first = device.post(code=f.code(ticket), nonce="n-1")
    again = device.post(code=f.code(ticket), nonce="n-1")
    assert (first.status_code, again.status_code) == (200, 200)
    assert again.get_json()["id"] == first.get_json()["id"]
    assert again.get_json()["replayed"] is True
    assert scans() == 1


def test_a_nonce_from_another_device_tells_nothing_of_the_first_scan(ticket, device, client, api_token):
    """Reproduction: a scan nonce reused by another device returned the first person's answer.
    Is it now a coded 409 for another account's device and for another device of the same
    account, with nothing of the first scan, while the first device still gets its replay?"""
    first = device.post(code=f.code(ticket), nonce="n-shared")
    assert first.status_code == 200
    _other, token = api_token("checkin_staff")
    stranger = client.post(
        "/api/v1/checkins",
        json={"code": "HK1:tebakan", "nonce": "n-shared", "device_id": "hp-lain"},
        headers={"Authorization": f"Bearer {token}"},
    )
    assert stranger.status_code == 409
    assert stranger.get_json()["error"]["code"] == "nonce_in_use"
    assert ticket.participant.name not in stranger.get_data(as_text=True)
    sibling = device.post(code="HK1:tebakan", nonce="n-shared", device_id="hp-rina-2")
    assert sibling.status_code == 409 and sibling.get_json()["error"]["code"] == "nonce_in_use"
    again = device.post(code=f.code(ticket), nonce="n-shared")
    assert again.status_code == 200 and again.get_json()["replayed"] is True
    assert scans() == 1


def test_offline_replay_from_two_devices_reports_the_conflict(ticket, device):
    """Two devices' queued offline admissions: the second comes back 409 already_checked_in with conflict true."""
    common = {
        "code": f.code(ticket),
        "offline": True,
        "day": "2024-07-26",
        "local_verdict": "checked_in",
    }
    a = device.post(device_id="hp-a", scanned_at="2024-07-26T09:01:00+08:00", **common)
    b = device.post(device_id="hp-b", scanned_at="2024-07-26T09:02:00+08:00", **common)
    assert a.status_code == 200 and a.get_json()["conflict"] is False
    assert a.get_json()["admission"]["admitted_at"] == "2024-07-26T01:01:00+00:00"
    assert b.status_code == 409
    assert b.get_json()["error"]["details"]["conflict"] is True
    assert db.session.scalar(select(func.count(CheckIn.id))) == 1


def test_search_pick_by_ticket_id(ticket, device):
    """A ticket picked from the search list is sent by id."""
    res = device.post(ticket_id=ticket.id, method="search")
    assert res.status_code == 200 and res.get_json()["method"] == "search"


@pytest.mark.parametrize(
    ("body", "code"),
    [
        ({"nonce": ""}, "missing_nonce"),
        ({"device_id": None}, "missing_device_id"),
        ({"scanned_at": "26/07/2024 09.30"}, "invalid_scanned_at"),
        ({"scanned_at": "2024-07-26T09:30:00"}, "invalid_scanned_at"),
        ({"offline": "yes"}, "invalid_offline"),
        ({"ticket_id": "7"}, "invalid_ticket_id"),
        ({"ticket_id": 7}, "code_or_ticket_id"),
        ({"method": "telepathy"}, "invalid_method"),
        ({"code": 12345}, "invalid_code"),
        ({"offline": True, "day": "kemarin"}, "invalid_day"),
    ],
)
def test_bad_input_is_422_and_records_nothing(ticket, device, body, code):
    """Malformed input is refused with a coded 422 and no scan row."""
    payload = {"code": f.code(ticket), **body}
    res = device.post(**payload)
    assert res.status_code == 422, res.get_json()
    assert res.get_json()["error"]["code"] == code
    assert scans() == 0


def test_not_json_is_400(device, client):
    """A body that is not a JSON object is a 400."""
    res = client.post("/api/v1/checkins", data="code=x", headers=device.headers)
    assert res.status_code == 400


def test_session_scan_works_too(ticket, client, login_as, fake_now):
    """A logged-in admin's browser session may record a scan too (CSRF is checked on sessions elsewhere)."""
    fake_now(ON_DAY1)
    login_as("admin")
    res = client.post(
        "/api/v1/checkins", json={"code": f.code(ticket), "nonce": "s-1", "device_id": "laptop"}
    )
    assert res.status_code == 200


def test_judge_and_coop_rep_tokens_are_forbidden(ticket, client, api_token):
    """Bearer tokens of other roles get 403."""
    for role in ("judge", "coop_rep"):
        _user, token = api_token(role)
        res = client.post(
            "/api/v1/checkins",
            json={"code": f.code(ticket), "nonce": f"x-{role}", "device_id": "d"},
            headers={"Authorization": f"Bearer {token}"},
        )
        assert res.status_code == 403
    assert scans() == 0


def test_roster_for_offline_cache(ticket, device):
    """The roster answers the server's today and every ticket as a hash, without phones."""
    device.post(code=f.code(ticket))
    res = device.get("/api/v1/checkins/roster")
    assert res.status_code == 200
    assert res.headers["Cache-Control"] == "no-store"
    data = res.get_json()
    assert data["today"] == "2024-07-26" and data["date"] == "2024-07-26"
    assert data["total"] == len(data["items"]) >= 1
    item = next(i for i in data["items"] if i["ticket_id"] == ticket.id)
    assert item["code_hash"] == hashlib.sha256(ticket.secret.encode()).hexdigest()
    assert item["checked_in"]["by"] == "Rina Petugas"
    assert ticket.secret not in res.get_data(as_text=True)
    assert ticket.participant.phone not in res.get_data(as_text=True)


def test_roster_of_another_date_and_a_bad_date(ticket, device):
    """`date` picks the day; a malformed date is a 422."""
    data = device.get("/api/v1/checkins/roster?date=2024-07-27").get_json()
    assert data["date"] == "2024-07-27" and data["today"] == "2024-07-26"
    item = next(i for i in data["items"] if i["ticket_id"] == ticket.id)
    assert item["refusal"] == "not_valid_today"
    assert device.get("/api/v1/checkins/roster?date=27-07-2024").status_code == 422


def test_search_api(device):
    """Search by team name returns roster items, never the phone."""
    entry = f.make_entry(team_name="Tim Kenanga Jaya")
    db.session.commit()
    res = device.get("/api/v1/checkins/search?q=kenanga")
    assert res.status_code == 200
    items = res.get_json()["items"]
    assert [i["ticket_id"] for i in items] == [entry.participants[0].ticket.id]
    assert entry.participants[0].phone not in res.get_data(as_text=True)


def test_dashboard_api(ticket, device):
    """The dashboard JSON counts the admission once however often the ticket was scanned."""
    for _ in range(3):
        device.post(code=f.code(ticket))
    data = device.get("/api/v1/checkins/dashboard").get_json()
    assert data["totals"]["checked_in"] == 1
    assert data["verdicts"]["already_checked_in"] == 2
    assert data["date"] == "2024-07-26"


def test_openapi_documents_the_check_in_routes(app, client):
    """Each check-in operation is declared (responses, 409 for refusals, the body's schema) with its roles."""
    document = client.get("/api/v1/openapi.json").get_json()
    post = document["paths"]["/api/v1/checkins"]["post"]
    assert {"200", "409", "422"} <= set(post["responses"])
    body = document["components"]["schemas"]["ScanRequest"]
    assert {"nonce", "device_id"} <= set(body["required"])
    assert post["x-roles"] == ["admin", "checkin_staff"]
    assert app.view_functions["api.create_checkin"].harkop_access == {"admin", "checkin_staff"}
    for path in ("roster", "search", "dashboard"):
        assert "get" in document["paths"][f"/api/v1/checkins/{path}"], path


def test_revoked_tokens_and_deactivated_staff_cannot_scan(ticket, client, api_token, fake_now, make_user):
    """The scan's lean token check refuses what the full one does: a revoked token, a deactivated user."""
    from harkop.auth.models import ApiToken
    from harkop.auth.services import deactivate_user

    fake_now(ON_DAY1)
    body = {"code": f.code(ticket), "device_id": "hp"}
    staff, token = api_token("checkin_staff")
    headers = {"Authorization": f"Bearer {token}"}
    assert client.post("/api/v1/checkins", json={**body, "nonce": "n-1"}, headers=headers).status_code == 200
    db.session.scalar(select(ApiToken).where(ApiToken.user_id == staff.id)).revoked_at = f.ON_DAY1
    db.session.commit()
    res = client.post("/api/v1/checkins", json={**body, "nonce": "n-2"}, headers=headers)
    assert res.status_code == 401 and res.get_json()["error"]["code"] == "unauthorized"

    other, other_token = api_token("checkin_staff")
    deactivate_user(other, by=make_user("admin"))
    db.session.commit()
    res = client.post(
        "/api/v1/checkins", json={**body, "nonce": "n-3"}, headers={"Authorization": f"Bearer {other_token}"}
    )
    assert res.status_code == 401
    res = client.post(
        "/api/v1/checkins", json={**body, "nonce": "n-4"}, headers={"Authorization": "Bearer hk_forged"}
    )
    assert res.status_code == 401
    assert scans() == 1


def test_the_scanning_user_is_named_from_the_token(ticket, device):
    """The scan records who scanned (id and name) from the bearer token's user."""
    res = device.post(code=f.code(ticket))
    assert res.status_code == 200
    scan = db.session.get(Scan, res.get_json()["id"])
    assert scan.by_id == device.user.id and res.get_json()["by"] == "Rina Petugas"


@pytest.mark.parametrize(
    ("body", "code"),
    [
        ({"scanned_at": "9999-12-31T23:59:59-12:00"}, "invalid_scanned_at"),
        ({"scanned_at": "0001-01-01T00:00:00+14:00"}, "invalid_scanned_at"),
        ({"ticket_id": 2**63, "code": None}, "invalid_ticket_id"),
        ({"ticket_id": 2**64 + 1, "code": None}, "invalid_ticket_id"),
        ({"ticket_id": True, "code": None}, "invalid_ticket_id"),
        ({"offline": True, "day": "2024-02-30"}, "invalid_day"),
        ({"scanned_at": ""}, "invalid_scanned_at"),
        ({"device_id": "hp\x00"}, "nul_character"),
    ],
)
def test_out_of_range_scans_are_422_and_record_nothing(ticket, device, body, code):
    """Issue 18's reproductions: date-times that overflow, ticket ids beyond 64 bits, NUL bytes."""
    before = scans()
    res = device.post(**{"code": f.code(ticket), **body})
    assert res.status_code == 422, res.get_json()
    assert res.get_json()["error"]["code"] == code
    assert scans() == before
