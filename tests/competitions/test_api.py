"""The competitions API: list and detail (rules, rubric), and transitions with coded refusals."""

from __future__ import annotations

from harkop.competitions.models import CompetitionState
from harkop.extensions import db
from tests.competitions.factories import make_competition, make_event


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def test_the_public_list_hides_drafts_the_office_sees_them(client, api_token):
    """Anonymous visitors list non-draft competitions; the office sees drafts too."""
    event = make_event()
    shown = make_competition(event)
    draft = make_competition(event, state=CompetitionState.draft)
    public = client.get(f"/api/v1/competitions?event={event.slug}").get_json()
    assert [c["id"] for c in public["items"]] == [shown.id]
    assert public["total"] == 1
    _, token = api_token("admin")
    office = client.get(f"/api/v1/competitions?event={event.slug}", headers=bearer(token)).get_json()
    assert {c["id"] for c in office["items"]} == {shown.id, draft.id}
    by_state = client.get(f"/api/v1/competitions?event={event.slug}&state=open").get_json()
    assert by_state["total"] == 1
    bad = client.get("/api/v1/competitions?state=archived")
    assert bad.status_code == 422 and bad.get_json()["error"]["code"] == "invalid_state"


def test_detail_has_schedule_rules_and_rubric_criteria(client):
    """A competition's detail: days, slot, state, eligibility rules, criteria with id, weight and max."""
    comp = make_competition(
        min_predikat="cukup_sehat", max_assessment_age_years=2, allowed_jenis=["produsen"]
    )
    body = client.get(f"/api/v1/competitions/{comp.id}").get_json()
    assert body["state"] == "open"
    assert body["days"] == ["2024-07-26"]
    assert (body["starts_at"], body["ends_at"]) == ("09:00", "12:00")
    assert body["eligibility"] == {
        "require_active": True,
        "require_rat_previous_year": True,
        "min_predikat": "cukup_sehat",
        "max_assessment_age_years": 2,
        "allowed_jenis": ["produsen"],
        "per_cooperative_limit": 1,
        "rat_book_year": 2023,
    }
    assert [(c["id"], c["weight"], c["max"]) for c in body["criteria"]] == [
        (c.id, c.weight, c.max_score) for c in comp.criteria
    ]
    assert body["tie_break"][-2:] == [{"rung": "median_total"}, {"rung": "shared"}]
    assert body["registration_opens_at"].startswith("2024-06-30T16:00:00")


def test_a_draft_is_not_found_for_the_public(client):
    """Draft competitions are 404 for everyone but the office."""
    comp = make_competition(state=CompetitionState.draft)
    response = client.get(f"/api/v1/competitions/{comp.id}")
    assert response.status_code == 404
    assert response.get_json()["error"]["code"] == "competition_not_found"


def test_transitions_follow_the_state_machine(client, api_token):
    """The office moves a competition; a skipped step is 409 `invalid_transition`; junk is 422."""
    comp = make_competition(state=CompetitionState.closed)
    db.session.commit()
    _, token = api_token("admin")
    db.session.commit()
    url = f"/api/v1/competitions/{comp.id}/transition"
    skipped = client.post(url, json={"to": "published"}, headers=bearer(token))
    assert skipped.status_code == 409
    assert skipped.get_json()["error"]["code"] == "invalid_transition"
    assert skipped.get_json()["error"]["details"]["allowed"] == ["open", "judging"]
    junk = client.post(url, json={"to": 7}, headers=bearer(token))
    assert junk.status_code == 422 and junk.get_json()["error"]["code"] == "invalid_state"
    ok = client.post(url, json={"to": "judging"}, headers=bearer(token))
    assert ok.status_code == 200 and ok.get_json()["state"] == "judging"


def test_only_the_office_transitions(client, api_token):
    """A coop_rep moving a competition gets 403."""
    comp = make_competition()
    _, token = api_token("coop_rep")
    response = client.post(
        f"/api/v1/competitions/{comp.id}/transition", json={"to": "closed"}, headers=bearer(token)
    )
    assert response.status_code == 403
