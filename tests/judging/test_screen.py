"""The venue's big screen: public check-in counts and winners; the gate's figures only with a valid
display key; keys expire and can be revoked."""

from __future__ import annotations

import re
from datetime import timedelta

from sqlalchemy import select

from harkop import clock
from harkop.audit import AuditLog
from harkop.demo import seed_demo
from harkop.extensions import db
from harkop.judging import screen, services
from tests.judging.factories import DURING, LATER, judging_setup, score_everything

HEADER = "X-Display-Key"


def test_public_data_has_counts_per_competition_and_no_gate_figures(client, fake_now):
    """At the demo's 26 July 09.00: the day's competitions with their check-ins; no expected, no gate."""
    fake_now("2024-07-26T09:00:00+08:00")
    seed_demo()
    data = client.get("/layar/data.json").get_json()
    assert data["day"] == "2024-07-26" and data["key"] == "none" and data["staff"] is False
    names = [c["name"] for c in data["competitions"]]
    assert "Lomba Masak Sambal Ayam Geprek" in names
    assert data["checked_in"] == sum(c["checked_in"] for c in data["competitions"]) > 0
    assert "gate" not in data and all("expected" not in c for c in data["competitions"])


def test_a_valid_display_key_adds_the_gate_figures_and_a_revoked_one_does_not(client, fake_now):
    """With the key: expected per competition and the gate's slide; revoked or unknown: public only."""
    fake_now("2024-07-26T09:00:00+08:00")
    seed_demo()
    row, secret = screen.issue_key("Layar Atrium", by=None)
    db.session.commit()
    staff = client.get("/layar/data.json", headers={HEADER: secret}).get_json()
    assert staff["key"] == "valid" and staff["staff"] is True
    assert staff["gate"]["expected"] == sum(c["expected"] for c in staff["competitions"])
    assert any(v["count"] for v in staff["gate"]["verdicts"])
    assert client.get("/layar/data.json", headers={HEADER: "hl_tidak-dikenal"}).get_json()["key"] == "invalid"
    screen.revoke_key(row.id, by=None)
    db.session.commit()
    refused = client.get("/layar/data.json", headers={HEADER: secret}).get_json()
    assert refused["key"] == "invalid" and "gate" not in refused


def test_a_display_key_expires_after_the_event(fake_now):
    """A key made during the event lasts to its last day plus the margin, then no longer opens the gate's figures."""
    fake_now("2024-07-26T09:00:00+08:00")
    seed_demo()
    row, secret = screen.issue_key("Layar", by=None)
    assert clock.to_wita(row.expires_at).date() == clock.to_wita(row.created_at).date().replace(day=29)
    assert screen.key_is_valid(secret)
    assert not screen.key_is_valid(secret, now=row.expires_at + timedelta(seconds=1))


def test_only_the_hash_of_a_key_is_stored_and_issuing_is_audited():
    """The secret is never in the table; issuing is in the audit log."""
    row, secret = screen.issue_key("Layar Panggung", by=None)
    assert secret.startswith("hl_") and secret not in (row.key_hash, row.label)
    assert (
        db.session.scalar(select(AuditLog.action).where(AuditLog.entity_type == "display_key"))
        == "display_key.issue"
    )


def test_published_winners_appear_with_their_cooperatives(client):
    """Once a competition's results are published, the screen lists its winners and cooperatives."""
    setup = judging_setup(entries=4, judges=1, k=1)
    score_everything(setup, lambda entry, judge, crit: 10 - setup.entries.index(entry))
    services.finalise_results(setup.comp, by="test", now=DURING)
    db.session.flush()
    assert screen.published_winners(setup.comp.event) == []
    services.publish_results(setup.comp, by="test", now=LATER)
    db.session.flush()
    [slide] = screen.published_winners(setup.comp.event)
    assert slide["competition"] == setup.comp.name
    first = slide["winners"][0]
    assert first["award"] == "Juara 1" and first["team"] == "Tim 1"
    assert first["cooperative"] == setup.entries[0].cooperative.name


def test_the_screen_page_draws_its_slides_without_javascript(client, fake_now):
    """The page itself shows the check-in slide (numbers from the server) and loads its script."""
    fake_now("2024-07-26T09:00:00+08:00")
    seed_demo()
    html = client.get("/layar").get_data(as_text=True)
    assert "Check-in hari ini" in html and "Lomba Masak Sambal Ayam Geprek" in html
    assert re.search(r'<script type="module" src="/static/js/screen.js', html)


def test_the_office_makes_a_key_and_sees_its_link_once(client, login_as):
    """Posting the form shows the screen's link with the key in its fragment, once."""
    login_as("admin")
    page = client.post("/admin/layar", data={"label": "Layar Atrium"}).get_data(as_text=True)
    link = re.search(r"data-screen-link>([^<]+)<", page).group(1)
    assert "/layar#kunci=hl_" in link
    assert screen.key_is_valid(link.split("#kunci=")[1])
    again = client.get("/admin/layar").get_data(as_text=True)
    assert "Layar Atrium" in again and "#kunci=" not in again
