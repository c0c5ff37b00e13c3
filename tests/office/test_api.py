"""The office workflows' API: proposals (JSON and multipart), review, field checks, progress,
the warning-letter register and the dashboard numbers."""

from __future__ import annotations

import json
from datetime import date
from io import BytesIO

from sqlalchemy import select

from harkop.cooperatives.models import Cooperative, RatRecord
from harkop.extensions import db
from harkop.office import letters
from harkop.office.models import WarningLetter
from tests.office.conftest import NOW, PDF


def bearer(token: str) -> dict:
    """The Authorization header of a token."""
    return {"Authorization": f"Bearer {token}"}


def test_a_pengurus_proposes_with_json(client, api_token, frozen):
    """A JSON proposal is stored pending and returned with 201."""
    rep, token = api_token("coop_rep")
    response = client.post(
        "/api/v1/update-proposals",
        json={"profile": {"phone": "0542 77"}, "note": "Telepon baru"},
        headers=bearer(token),
    )
    assert response.status_code == 201, response.json
    body = response.json
    assert body["status"] == "pending" and body["changes"] == {"profile": {"phone": "0542 77"}}
    assert body["cooperative"]["nik"] == db.session.get(Cooperative, rep.cooperative_id).nik


def test_a_pengurus_proposes_a_rat_with_minutes_as_multipart(client, api_token, frozen, upload_dir):
    """multipart: the JSON in `payload`, the minutes in `minutes`; the file comes back for the pengurus."""
    _rep, token = api_token("coop_rep")
    payload = {"rat": {"book_year": 2023, "held_on": "2024-05-02"}}
    response = client.post(
        "/api/v1/update-proposals",
        data={"payload": json.dumps(payload), "minutes": (BytesIO(PDF), "ba.pdf")},
        content_type="multipart/form-data",
        headers=bearer(token),
    )
    assert response.status_code == 201, response.json
    assert response.json["minutes"]["content_type"] == "application/pdf"
    proposal_id = response.json["id"]
    file = client.get(f"/api/v1/update-proposals/{proposal_id}/minutes", headers=bearer(token))
    assert file.status_code == 200 and file.data == PDF


def test_crafted_names_and_wrong_types_are_refused_by_the_api(client, api_token, frozen, upload_dir):
    """The error envelope carries the upload's code and an Indonesian message; nothing is stored."""
    _rep, token = api_token("coop_rep")
    payload = json.dumps({"rat": {"book_year": 2023, "held_on": "2024-05-02"}})
    for name, data, code in [
        ("../../etc/passwd.pdf", PDF, "upload_bad_name"),
        ("ba.pdf", b"GIF89a", "upload_bad_type"),
    ]:
        response = client.post(
            "/api/v1/update-proposals",
            data={"payload": payload, "minutes": (BytesIO(data), name)},
            content_type="multipart/form-data",
            headers=bearer(token),
        )
        assert response.status_code == 422
        assert response.json["error"]["code"] == code
        assert "minutes" in response.json["error"]["details"]["fields"]
    assert client.get("/api/v1/update-proposals", headers=bearer(token)).json["total"] == 0
    assert not any(p.is_file() for p in upload_dir.rglob("*"))


def test_bad_payloads_get_coded_errors(client, api_token):
    """A payload that is not JSON is a 400; an empty proposal a 422 with the field."""
    _rep, token = api_token("coop_rep")
    response = client.post(
        "/api/v1/update-proposals",
        data={"payload": "{nope"},
        content_type="multipart/form-data",
        headers=bearer(token),
    )
    assert response.status_code == 400 and response.json["error"]["code"] == "invalid_json"
    response = client.post("/api/v1/update-proposals", json={}, headers=bearer(token))
    assert response.status_code == 422 and "proposal" in response.json["error"]["details"]["fields"]


def test_a_pengurus_sees_only_their_own_proposals(client, api_token, frozen):
    """Another cooperative's pengurus gets an empty list, and 404 on the proposal and its file."""
    _rep, token = api_token("coop_rep")
    created = client.post(
        "/api/v1/update-proposals", json={"confirm": ["identitas"]}, headers=bearer(token)
    ).json
    _other, other_token = api_token("coop_rep")
    listing = client.get("/api/v1/update-proposals", headers=bearer(other_token)).json
    assert listing["items"] == [] and listing["total"] == 0
    for url in (
        f"/api/v1/update-proposals/{created['id']}",
        f"/api/v1/update-proposals/{created['id']}/minutes",
    ):
        response = client.get(url, headers=bearer(other_token))
        assert response.status_code == 404 and response.json["error"]["code"] == "proposal_not_found"
    assert client.get("/api/v1/update-proposals", headers=bearer(token)).json["total"] == 1


def test_a_pengurus_cannot_decide_and_the_office_cannot_propose(client, api_token, frozen):
    """Approve is for the office (403 for a pengurus); proposing is for a pengurus (403 for the office)."""
    _rep, token = api_token("coop_rep")
    created = client.post(
        "/api/v1/update-proposals", json={"confirm": ["identitas"]}, headers=bearer(token)
    ).json
    assert (
        client.post(f"/api/v1/update-proposals/{created['id']}/approve", headers=bearer(token)).status_code
        == 403
    )
    _admin, admin_token = api_token("admin")
    response = client.post(
        "/api/v1/update-proposals", json={"confirm": ["identitas"]}, headers=bearer(admin_token)
    )
    assert response.status_code == 403


def test_the_office_approves_and_rejects_through_the_api(client, api_token, frozen, upload_dir):
    """Approval applies the RAT; a second decision is a 409; rejection needs a reason."""
    rep, token = api_token("coop_rep")
    payload = json.dumps({"rat": {"book_year": 2023, "held_on": "2024-05-02"}})
    first = client.post(
        "/api/v1/update-proposals",
        data={"payload": payload, "minutes": (BytesIO(PDF), "ba.pdf")},
        content_type="multipart/form-data",
        headers=bearer(token),
    ).json
    second = client.post(
        "/api/v1/update-proposals", json={"confirm": ["pengurus"]}, headers=bearer(token)
    ).json
    _admin, admin_token = api_token("admin")
    approved = client.post(f"/api/v1/update-proposals/{first['id']}/approve", headers=bearer(admin_token))
    assert approved.status_code == 200 and approved.json["status"] == "approved"
    assert (
        db.session.scalar(select(RatRecord.book_year).where(RatRecord.cooperative_id == rep.cooperative_id))
        == 2023
    )
    again = client.post(f"/api/v1/update-proposals/{first['id']}/approve", headers=bearer(admin_token))
    assert again.status_code == 409 and again.json["error"]["code"] == "proposal_decided"
    no_reason = client.post(
        f"/api/v1/update-proposals/{second['id']}/reject", json={}, headers=bearer(admin_token)
    )
    assert no_reason.status_code == 422 and no_reason.json["error"]["code"] == "reason_required"
    rejected = client.post(
        f"/api/v1/update-proposals/{second['id']}/reject",
        json={"reason": "Belum ada SK pengurus"},
        headers=bearer(admin_token),
    )
    assert rejected.json["status"] == "rejected" and rejected.json["reason"] == "Belum ada SK pengurus"
    mine = client.get("/api/v1/update-proposals?status=rejected", headers=bearer(token)).json
    assert [p["id"] for p in mine["items"]] == [second["id"]]


def test_field_checks_and_progress_through_the_api(client, api_token, make_cooperative, frozen):
    """A field check verifies identity; the progress counts it; unknown fields are refused."""
    coop = make_cooperative(kecamatan_code="balikpapan_selatan")
    _admin, token = api_token("admin")
    url = f"/api/v1/cooperatives/{coop.nik}/field-checks"
    created = client.post(
        url, json={"checked_on": "2024-07-20", "found_at_address": True, "notes": "OK"}, headers=bearer(token)
    )
    assert created.status_code == 201 and created.json["found_at_address"] is True
    listing = client.get(url, headers=bearer(token)).json
    assert len(listing["items"]) == 1 and listing["verified_at"]["identitas"] is not None
    assert listing["verified_at"]["rat"] is None
    bad = client.post(url, json={"found_at_address": True, "hadiah": 1}, headers=bearer(token))
    assert bad.status_code == 422 and bad.json["error"]["code"] == "invalid_field_check"
    assert (
        client.post(
            "/api/v1/cooperatives/0000000000000000/field-checks", json={}, headers=bearer(token)
        ).status_code
        == 404
    )
    progress = client.get("/api/v1/update-round/progress", headers=bearer(token)).json
    selatan = next(r for r in progress["kecamatan"] if r["kecamatan"] == "balikpapan_selatan")
    assert (selatan["active"], selatan["verified"]) == (1, 1) and progress["year"] == 2024


def test_the_letter_register_and_the_dashboard_through_the_api(client, api_token, make_cooperative, frozen):
    """Drafts are listed and filtered; issuing returns the number; the dashboard answers its numbers."""
    coop = make_cooperative(founded_on=date(2010, 1, 1))
    letters.find_due_warnings(now=NOW)
    db.session.commit()
    _admin, token = api_token("admin")
    drafts = client.get("/api/v1/warning-letters?status=draft", headers=bearer(token)).json
    mine = next(x for x in drafts["items"] if x["cooperative"]["nik"] == coop.nik)
    assert mine["kind"] == "pembubaran" and mine["number"] is None
    issued = client.post(f"/api/v1/warning-letters/{mine['id']}/issue", headers=bearer(token))
    assert issued.status_code == 200 and issued.json["number"] == "500.3/1/DKUMKMP/2024"
    assert (
        client.post(f"/api/v1/warning-letters/{mine['id']}/issue", headers=bearer(token)).status_code == 409
    )
    assert client.get("/api/v1/warning-letters?status=bogus", headers=bearer(token)).status_code == 422
    dash = client.get("/api/v1/registry/dashboard", headers=bearer(token)).json
    assert {"status_by_kecamatan", "predikat", "rat_compliance", "grades", "disagreements"} <= set(dash)
    assert db.session.get(WarningLetter, mine["id"]).number == "500.3/1/DKUMKMP/2024"


def test_the_openapi_document_describes_the_office_routes(client):
    """Every office API route is in the OpenAPI document with its summary."""
    paths = client.get("/api/v1/openapi.json").json["paths"]
    for path in (
        "/api/v1/update-proposals",
        "/api/v1/update-proposals/{proposal_id}/approve",
        "/api/v1/cooperatives/{nik}/field-checks",
        "/api/v1/warning-letters",
        "/api/v1/registry/dashboard",
    ):
        assert path in paths
    assert "multipart/form-data" in paths["/api/v1/update-proposals"]["post"]["requestBody"]["content"]
