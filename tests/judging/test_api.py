"""The judging API: status codes and error codes, bearer tokens for tablets, results visibility."""

from __future__ import annotations

import re

import pytest

from harkop.auth.services import create_user, issue_token
from harkop.auth.sessions import cookie_values
from harkop.extensions import db
from harkop.judging import services
from tests.conftest import make_app
from tests.dbutil import fresh_database_url, migrate
from tests.judging.factories import DURING, LATER, full_scores, judging_setup, make_judge, score_everything


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def token_for(user) -> str:
    token = issue_token(user, by="test")
    db.session.commit()
    return token


def test_the_office_adds_judges_and_names_the_head(client, api_token):
    """POST judges: 201 for a new judge, 200 when updating the head flag; wrong users are coded."""
    setup = judging_setup(judges=0, assign=False, state="closed")
    judge = make_judge("juri.baru")
    create_user(
        username="bukan.juri",
        role="coop_rep",
        password="rahasia123",
        cooperative_id=setup.entries[0].cooperative_id,
    )
    db.session.commit()
    _, token = api_token("admin")
    url = f"/api/v1/competitions/{setup.comp.id}/judges"
    first = client.post(url, json={"username": "juri.baru"}, headers=bearer(token))
    assert first.status_code == 201 and first.get_json() == {
        "competition_id": setup.comp.id,
        "username": "juri.baru",
        "name": judge.label,
        "head": False,
    }
    head = client.post(url, json={"username": "juri.baru", "head": True}, headers=bearer(token))
    assert head.status_code == 200 and head.get_json()["head"] is True
    unknown = client.post(url, json={"username": "tidak-ada"}, headers=bearer(token))
    assert unknown.status_code == 404 and unknown.get_json()["error"]["code"] == "user_not_found"
    wrong = client.post(url, json={"username": "bukan.juri"}, headers=bearer(token))
    assert wrong.status_code == 422 and wrong.get_json()["error"]["code"] == "not_a_judge"
    bad = client.post(url, json={"username": "juri.baru", "head": "ya"}, headers=bearer(token))
    assert bad.status_code == 422 and bad.get_json()["error"]["code"] == "invalid_head"


def test_auto_assignment_through_the_api(client, api_token):
    """POST assignments answers with loads and spread; without judges it is 409 `no_judges`."""
    setup = judging_setup(entries=5, judges=3, k=2, assign=False, state="closed")
    empty = judging_setup(judges=0, assign=False, state="closed")
    db.session.commit()
    _, token = api_token("admin")
    ok = client.post(f"/api/v1/competitions/{setup.comp.id}/assignments", headers=bearer(token))
    body = ok.get_json()
    assert ok.status_code == 200 and body["added"] == 10 and body["spread"] <= 1
    none = client.post(f"/api/v1/competitions/{empty.comp.id}/assignments", headers=bearer(token))
    assert none.status_code == 409 and none.get_json()["error"]["code"] == "no_judges"


def test_a_tablet_lists_its_entries_with_rubric_and_own_card(client):
    """GET judging/assignments with a bearer token: entries, criteria (id, weight, max, levels), own card."""
    setup = judging_setup(entries=3, judges=2, k=2)
    judge = setup.judges[1]
    other = setup.judges[0]
    entry = setup.entries[0]
    services.save_scorecard(entry.id, judge=other, scores=full_scores(setup.comp, 9), revision=1, now=DURING)
    services.save_scorecard(entry.id, judge=judge, scores=full_scores(setup.comp, 3), revision=4, now=DURING)
    db.session.commit()
    body = client.get("/api/v1/judging/assignments", headers=bearer(token_for(judge))).get_json()
    assert body["total"] == 3
    item = next(i for i in body["items"] if i["entry"]["id"] == entry.id)
    assert item["scorecard"]["revision"] == 4 and set(item["scorecard"]["scores"].values()) == {3}
    assert {"id", "name", "description", "weight", "max", "levels"} <= set(item["criteria"][0])
    assert "9" not in str(item["scorecard"])  # never another judge's scores
    other_item = next(i for i in body["items"] if i["entry"]["id"] != entry.id)
    assert other_item["scorecard"] == {
        "entry_id": other_item["entry"]["id"],
        "state": "empty",
        "revision": 0,
        "scores": {},
        "comment": "",
    }


def test_put_scorecard_codes(client):
    """PUT scorecards: 200 and the card; 409 stale_revision with the server's card; 422 naming the
    criterion; 403 conflict_of_interest and not_assigned; 404 for an unknown entry."""
    setup = judging_setup(entries=2, judges=3, k=2)
    entry = setup.entries[0]
    judge = setup.judges_of(entry)[0]
    outsider = next(j for j in setup.judges if j not in setup.judges_of(entry))
    crit = setup.comp.criteria[0]
    db.session.commit()
    token = token_for(judge)
    url = f"/api/v1/scorecards/{entry.id}"

    ok = client.put(url, json={"scores": {str(crit.id): 7}, "revision": 3}, headers=bearer(token))
    assert ok.status_code == 200
    assert (
        ok.get_json()["state"] == "draft" and ok.get_json()["revision"] == 3 and not ok.get_json()["replayed"]
    )
    stale = client.put(url, json={"scores": {str(crit.id): 1}, "revision": 2}, headers=bearer(token))
    assert stale.status_code == 409
    error = stale.get_json()["error"]
    assert error["code"] == "stale_revision" and error["details"]["card"]["scores"] == {str(crit.id): 7}
    replay = client.put(url, json={"scores": {str(crit.id): 7}, "revision": 3}, headers=bearer(token))
    assert replay.status_code == 200 and replay.get_json()["replayed"] is True
    high = client.put(url, json={"scores": {str(crit.id): 99}, "revision": 4}, headers=bearer(token))
    assert high.status_code == 422
    assert high.get_json()["error"]["code"] == "score_out_of_range"
    assert high.get_json()["error"]["details"]["criterion_id"] == crit.id
    partial = client.put(
        url, json={"scores": {str(crit.id): 5}, "submit": True, "revision": 5}, headers=bearer(token)
    )
    assert partial.status_code == 422 and partial.get_json()["error"]["code"] == "incomplete_scorecard"
    done = client.put(
        url, json={"scores": full_scores(setup.comp, 5), "submit": True, "revision": 6}, headers=bearer(token)
    )
    assert done.status_code == 200 and done.get_json()["state"] == "submitted"
    locked = client.put(
        url, json={"scores": full_scores(setup.comp, 6), "revision": 7}, headers=bearer(token)
    )
    assert locked.status_code == 409 and locked.get_json()["error"]["code"] == "scorecard_submitted"

    not_mine = client.put(url, json={"scores": {}, "revision": 1}, headers=bearer(token_for(outsider)))
    assert not_mine.status_code == 403 and not_mine.get_json()["error"]["code"] == "not_assigned"
    services.add_affiliation(outsider, entry.cooperative.nik, by="test")
    db.session.commit()
    conflicted = client.put(url, json={"scores": {}, "revision": 1}, headers=bearer(token_for(outsider)))
    assert conflicted.status_code == 403 and conflicted.get_json()["error"]["code"] == "conflict_of_interest"
    missing = client.put("/api/v1/scorecards/999999", json={"revision": 1}, headers=bearer(token))
    assert missing.status_code == 404 and missing.get_json()["error"]["code"] == "entry_not_found"
    junk = client.put(url, json={"submit": "ya", "revision": 8}, headers=bearer(token))
    assert junk.status_code == 422 and junk.get_json()["error"]["code"] == "invalid_submit"


def test_two_tablets_of_one_judge_are_told_of_each_others_saves(client):
    """With `base_revision`, a save over a card another device changed since is a stale_revision
    (both versions reach the judge), while the device's own earlier save is not held against it."""
    setup = judging_setup(entries=1, judges=1, k=1)
    entry = setup.entries[0]
    judge = setup.judges_of(entry)[0]
    crit = str(setup.comp.criteria[0].id)
    db.session.commit()
    token = token_for(judge)
    url = f"/api/v1/scorecards/{entry.id}"

    first = client.put(
        url, json={"scores": {crit: 5}, "revision": 1, "device_id": "tab-a"}, headers=bearer(token)
    )
    assert first.status_code == 200
    # Both tablets saw revision 1; offline, tablet A saved four times, tablet B twice.
    a = client.put(
        url,
        json={"scores": {crit: 6}, "revision": 5, "base_revision": 1, "device_id": "tab-a"},
        headers=bearer(token),
    )
    assert a.status_code == 200
    b = client.put(
        url,
        json={"scores": {crit: 9}, "revision": 7, "base_revision": 1, "device_id": "tab-b"},
        headers=bearer(token),
    )
    assert b.status_code == 409
    error = b.get_json()["error"]
    assert error["code"] == "stale_revision" and error["details"]["card"]["scores"] == {crit: 6}
    # Tablet B's judge chooses their version: saved over the revision they were shown.
    keep = client.put(
        url,
        json={"scores": {crit: 9}, "revision": 8, "base_revision": 5, "device_id": "tab-b"},
        headers=bearer(token),
    )
    assert keep.status_code == 200 and keep.get_json()["scores"] == {crit: 9}
    # The same device repeating a save whose answer it never heard: not a conflict with itself.
    again = client.put(
        url,
        json={"scores": {crit: 8}, "revision": 9, "base_revision": 5, "device_id": "tab-b"},
        headers=bearer(token),
    )
    assert again.status_code == 200
    bad = client.put(url, json={"scores": {}, "revision": 10, "base_revision": "x"}, headers=bearer(token))
    assert bad.status_code == 422 and bad.get_json()["error"]["code"] == "invalid_base_revision"


def test_a_refused_save_reported_by_a_tablet_is_on_the_monitor(client):
    """A tablet reports a queued save the server refused for good; the monitor lists its values and reason."""
    setup = judging_setup(entries=1, judges=1, k=1)
    entry = setup.entries[0]
    judge = setup.judges_of(entry)[0]
    crit = setup.comp.criteria[0]
    db.session.commit()
    report = {
        "scores": {str(crit.id): 7.5},
        "comment": "dari tablet",
        "submit": True,
        "code": "scorecard_finalised",
        "reason": "Nilai ini sudah final.",
        "device_id": "tab-a",
    }
    res = client.post(
        f"/api/v1/scorecards/{entry.id}/refusals", json=report, headers=bearer(token_for(judge))
    )
    assert res.status_code == 201
    rows = services.refusals_of(setup.comp)
    assert [(r.judge_id, r.scores, r.code, r.submit) for r in rows] == [
        (judge.id, {str(crit.id): 7.5}, "scorecard_finalised", True)
    ]
    junk = client.post(
        f"/api/v1/scorecards/{entry.id}/refusals",
        json={"scores": {"1": "tujuh"}},
        headers=bearer(token_for(judge)),
    )
    assert junk.status_code == 422 and len(services.refusals_of(setup.comp)) == 1


@pytest.mark.committed
def test_a_browser_session_needs_the_csrf_token_a_tablet_token_does_not(tmp_path):
    """With CSRF on: a session PUT without X-CSRFToken is refused (400 `csrf_invalid`); with the
    token from the scoring page (as scorecard.js sends it) it saves; a bearer token needs none."""
    strict = make_app(fresh_database_url(tmp_path, "csrf"), WTF_CSRF_ENABLED=True)
    migrate(strict)
    with strict.app_context():
        setup = judging_setup(entries=1, judges=1, k=1)
        judge, entry = setup.judges[0], setup.entries[0]
        scores = full_scores(setup.comp, 5)
        token = issue_token(judge, by="test")
        cookie = cookie_values(judge)
        entry_id = entry.id
        db.session.commit()
    client = strict.test_client()
    with client.session_transaction() as sess:
        sess.update(cookie)
    strict.config["HARKOP_FAKE_NOW"] = DURING.isoformat()
    url = f"/api/v1/scorecards/{entry_id}"
    refused = client.put(url, json={"scores": scores, "revision": 1})
    assert refused.status_code == 400 and refused.get_json()["error"]["code"] == "csrf_invalid"
    page = client.get(f"/juri/penilaian/entri/{entry_id}").get_data(as_text=True)
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    saved = client.put(url, json={"scores": scores, "revision": 1}, headers={"X-CSRFToken": csrf})
    assert saved.status_code == 200
    tablet = strict.test_client()
    by_token = tablet.put(url, json={"scores": scores, "revision": 2}, headers=bearer(token))
    assert by_token.status_code == 200 and by_token.get_json()["revision"] == 2


def test_unlock_finalise_publish_and_results_through_the_api(client):
    """Unlock (head judge) → resubmit → finalise (head judge) → results 404 → publish (office) → results 200."""
    setup = judging_setup(entries=3, judges=2, k=2)
    score_everything(setup)
    head = setup.head
    other = setup.judges[1]
    admin, _ = create_user(username="kantor", role="admin", password="rahasia123")
    db.session.commit()
    head_token, other_token, admin_token = token_for(head), token_for(other), token_for(admin)
    entry = setup.entries[0]

    refused = client.post(
        f"/api/v1/scorecards/{entry.id}/unlock",
        json={"judge": other.username, "reason": "periksa lagi"},
        headers=bearer(other_token),
    )
    assert refused.status_code == 403
    no_reason = client.post(
        f"/api/v1/scorecards/{entry.id}/unlock", json={"judge": other.username}, headers=bearer(head_token)
    )
    assert no_reason.status_code == 422 and no_reason.get_json()["error"]["code"] == "reason_required"
    unlocked = client.post(
        f"/api/v1/scorecards/{entry.id}/unlock",
        json={"judge": other.username, "reason": "periksa lagi"},
        headers=bearer(head_token),
    )
    assert unlocked.status_code == 200 and unlocked.get_json()["state"] == "draft"

    url = f"/api/v1/competitions/{setup.comp.id}/finalise"
    missing = client.post(url, headers=bearer(head_token))
    assert missing.status_code == 409 and missing.get_json()["error"]["code"] == "scorecards_missing"
    card = services.own_card(entry.id, other.id)
    again = client.put(
        f"/api/v1/scorecards/{entry.id}",
        json={"scores": full_scores(setup.comp, 8), "submit": True, "revision": card.revision + 1},
        headers=bearer(other_token),
    )
    assert again.status_code == 200
    assert client.post(url, headers=bearer(other_token)).status_code == 403
    final = client.post(url, headers=bearer(head_token))
    assert final.status_code == 200 and final.get_json()["version"] == 1

    results = f"/api/v1/competitions/{setup.comp.id}/results"
    hidden = client.get(results)
    assert hidden.status_code == 404 and hidden.get_json()["error"]["code"] == "results_not_published"
    published = client.post(f"/api/v1/competitions/{setup.comp.id}/publish", headers=bearer(admin_token))
    assert published.status_code == 200 and published.get_json()["published_at"]
    twice = client.post(f"/api/v1/competitions/{setup.comp.id}/publish", headers=bearer(admin_token))
    assert twice.status_code == 200 and twice.get_json()["version"] == 1
    shown = client.get(results).get_json()
    assert shown["version"] == 1 and len(shown["entries"]) == 3
    judges = shown["entries"][0]["judges"]
    assert {j["judge"] for j in judges} <= {"Juri 1", "Juri 2"} and all("judge_id" not in j for j in judges)


def test_corrections_through_the_api(client):
    """POST results/corrections: 422 without a reason, 200 with a new version."""
    setup = judging_setup(entries=2, judges=1, k=1)
    score_everything(setup)
    services.finalise_results(setup.comp, by="test", now=DURING)
    services.publish_results(setup.comp, by="test", now=LATER)
    admin, _ = create_user(username="kantor2", role="admin", password="rahasia123")
    db.session.commit()
    token = token_for(admin)
    url = f"/api/v1/competitions/{setup.comp.id}/results/corrections"
    assert client.post(url, json={}, headers=bearer(token)).get_json()["error"]["code"] == "reason_required"
    ok = client.post(url, json={"reason": "penghitungan ulang"}, headers=bearer(token))
    assert ok.status_code == 200 and ok.get_json()["version"] == 2 and ok.get_json()["kind"] == "correction"


def test_the_openapi_document_describes_the_judging_routes(client):
    """Every judging route is in /api/v1/openapi.json with its summary."""
    paths = client.get("/api/v1/openapi.json").get_json()["paths"]
    for path in (
        "/api/v1/competitions/{competition_id}/judges",
        "/api/v1/competitions/{competition_id}/assignments",
        "/api/v1/judging/assignments",
        "/api/v1/scorecards/{entry_id}",
        "/api/v1/competitions/{competition_id}/finalise",
        "/api/v1/competitions/{competition_id}/publish",
        "/api/v1/competitions/{competition_id}/results",
    ):
        assert path in paths, path
    assert "409" in paths["/api/v1/scorecards/{entry_id}"]["put"]["responses"]
