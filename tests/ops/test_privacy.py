"""Personal data under UU PDP 27/2022 (issue 19): it leaves on time, and on request.

The 2024 event ends on 28 July; with the default 90 days its participants' contact data is kept
until 26 October 2024 and erased by the daily job from 27 October (WITA).
"""

from __future__ import annotations

import json

import pytest
from sqlalchemy import func, select

from harkop import clock
from harkop.audit import AuditLog
from harkop.checkin.models import CheckIn
from harkop.checkin.scans import ScanInput, check_in
from harkop.competitions.models import CompetitionState
from harkop.extensions import db
from harkop.jobs import run_job
from harkop.privacy import services
from harkop.registrations.models import Participant
from harkop.registrations.personal_data import ERASED_NAME
from harkop.scheduler import find_job
from tests.checkin import factories as f

LAST_KEPT = "2024-10-26T23:30:00+08:00"
FIRST_ERASED = "2024-10-27T02:30:00+08:00"


@pytest.fixture
def event_data(make_user):
    """A published competition (its entrant is on the results), an unpublished one, and a child's entry."""
    event = f.make_event()
    published = f.make_competition(event, state=CompetitionState.published)
    judging = f.make_competition(event, state=CompetitionState.judging)
    winner = f.make_entry(published, names=["Sari Juara"]).participants[0]
    other = f.make_entry(judging, names=["Budi Lain"]).participants[0]
    child = f.make_entry(judging, names=["Adik Kecil"]).participants[0]
    child.guardian_name = "Ibu Kecil"
    child.guardian_consent = True
    staff = make_user("checkin_staff")
    check_in(ScanInput(code=f.code(winner.ticket), device_id="hp-1", nonce="p-1"), by=staff, now=f.ON_DAY1)
    db.session.commit()
    return {"event": event, "winner": winner, "other": other, "child": child}


def _counts() -> tuple[int, int]:
    return (
        db.session.scalar(select(func.count(Participant.id))),
        db.session.scalar(select(func.count(CheckIn.id))),
    )


def test_contact_data_stays_until_the_last_day_of_the_retention_period(app, fake_now, event_data):
    """On 26 October 2024 (day 90 after the event) nothing is erased yet."""
    fake_now(LAST_KEPT)
    run = run_job(find_job("purge_personal_data"), holder="test")
    assert run.outcome == "ok", run.error
    winner = event_data["winner"]
    db.session.refresh(winner)
    assert winner.phone and winner.consent and winner.erased_at is None


def test_the_daily_job_erases_contact_and_consent_data_after_the_period(app, fake_now, event_data):
    """From 27 October the job erases phones, guardians and consents; names on published results,
    counts and check-ins stay; other names go; a second run changes nothing."""
    before = _counts()
    fake_now(FIRST_ERASED)
    run = run_job(find_job("purge_personal_data"), holder="test")
    assert run.outcome == "ok", run.error
    for p in event_data.values():
        if isinstance(p, Participant):
            db.session.refresh(p)
            assert p.phone == "" and p.consent is False and p.consent_at is None
            assert p.guardian_name is None and p.guardian_consent is False
            assert p.erasure == "retention" and p.erased_at == clock.now()
    assert event_data["winner"].name == "Sari Juara"  # on the published results and certificate
    assert event_data["other"].name == ERASED_NAME  # on nothing published
    assert _counts() == before
    audit = db.session.scalars(select(AuditLog).where(AuditLog.action == "privacy.retention_erased")).all()
    assert [a.entity_id for a in audit] == [str(event_data["event"].id)]
    assert audit[0].after["participants"] == 3
    again = services.purge_due_personal_data(now=clock.now())
    assert again == {"events": 0, "participants": 0}


def test_the_retention_period_is_configurable(app, fake_now, event_data):
    """HARKOP_RETENTION_DAYS=30 erases from 28 August 2024, not before."""
    app.config["HARKOP_RETENTION_DAYS"] = 30
    try:
        fake_now("2024-08-27T12:00:00+08:00")
        assert services.purge_due_personal_data(now=clock.now())["participants"] == 0
        fake_now("2024-08-28T00:10:00+08:00")
        assert services.purge_due_personal_data(now=clock.now())["participants"] == 3
    finally:
        app.config["HARKOP_RETENTION_DAYS"] = 90


def test_the_registration_page_says_how_long_data_is_kept(client, login_as, fake_now, monkeypatch):
    """The privacy notice on the registration form names the last day contact data is kept."""
    from tests.competitions.factories import FakeRegistry, make_competition

    FakeRegistry().install(monkeypatch)
    fake_now("2024-07-10T10:00:00+08:00")
    login_as("coop_rep")
    comp = make_competition()
    db.session.commit()
    html = client.get(f"/koperasi-saya/lomba/{comp.id}/daftar").get_data(as_text=True)
    assert comp.event.ends_on == f.DAY3
    assert "privacy-notice" in html and "26 Oktober 2024" in html and "90 hari" in html


def test_office_finds_a_person_by_name_or_phone(client, login_as, event_data):
    """The search finds a participant by part of the name and by the digits of the phone."""
    login_as("admin")
    winner = event_data["winner"]
    assert f"/admin/data-pribadi/peserta/{winner.id}" in client.get("/admin/data-pribadi?q=sari juara").text
    assert (
        f"/admin/data-pribadi/peserta/{winner.id}"
        in client.get(f"/admin/data-pribadi?q={winner.phone[-9:]}").text
    )
    assert "Tidak ada peserta" in client.get("/admin/data-pribadi?q=zzzzzz").text


def test_export_holds_every_record_of_the_person_and_is_audited(client, login_as, event_data):
    """The JSON export has all records with the same name and phone, their check-ins, no ticket secret."""
    admin = login_as("admin")
    winner = event_data["winner"]
    again = f.make_entry(f.make_competition(event_data["event"]), names=["Sari Juara"]).participants[0]
    again.phone = winner.phone
    namesake = f.make_entry(names=["Sari Juara"]).participants[0]  # another Sari: another phone
    db.session.commit()
    response = client.post(f"/admin/data-pribadi/peserta/{winner.id}/ekspor")
    assert response.status_code == 200
    assert "attachment" in response.headers["Content-Disposition"]
    data = json.loads(response.data)
    ids = sorted(r["participant"]["id"] for r in data["records"])
    assert ids == sorted([winner.id, again.id]) and namesake.id not in ids
    first = next(r for r in data["records"] if r["participant"]["id"] == winner.id)
    assert first["participant"]["phone"] == winner.phone
    assert first["check_ins"][0]["day"] == "2024-07-26"
    assert winner.ticket.secret not in response.text and winner.ticket.page_token not in response.text
    audit = db.session.scalar(select(AuditLog).where(AuditLog.action == "privacy.exported"))
    assert audit.actor_id == admin.id and audit.entity_id == str(winner.id)


def test_erasure_on_request_erases_revokes_and_records_the_reason(client, login_as, event_data):
    """Erasing at the person's request clears contact data and the name (not on any published result),
    revokes the valid ticket, and the audit log keeps who did it and why."""
    admin = login_as("admin")
    other = event_data["other"]
    ticket = other.ticket
    response = client.post(
        f"/admin/data-pribadi/peserta/{other.id}",
        data={"reason": "Permintaan tertulis tanggal 2 Agustus 2024", "confirm": "y"},
    )
    assert response.status_code == 302
    db.session.refresh(other)
    db.session.refresh(ticket)
    assert other.phone == "" and other.name == ERASED_NAME and other.erasure == "request"
    assert ticket.revoked_at is not None
    audit = db.session.scalar(select(AuditLog).where(AuditLog.action == "privacy.erased"))
    assert audit.actor_id == admin.id and audit.detail == "Permintaan tertulis tanggal 2 Agustus 2024"
    assert "Budi Lain" not in json.dumps(audit.after)
    assert "sudah dihapus atas permintaannya" in client.get(f"/admin/data-pribadi/peserta/{other.id}").text


def test_erasure_keeps_a_name_that_results_were_published_with(client, login_as, event_data):
    """A winner's name stays on their record (the published results and certificate carry it)."""
    login_as("admin")
    winner = event_data["winner"]
    client.post(
        f"/admin/data-pribadi/peserta/{winner.id}", data={"reason": "Permintaan lisan", "confirm": "y"}
    )
    db.session.refresh(winner)
    assert winner.name == "Sari Juara" and winner.phone == "" and winner.erased_at is not None


def test_erasure_rewrites_the_name_in_the_entry_history(app, make_user, fake_now):
    """An erased name is also taken out of the audit entry of the replacement that named it."""
    from harkop.registrations.services import ParticipantInput, replace_participant

    fake_now("2024-07-20T10:00:00+08:00")
    comp = f.make_competition(state=CompetitionState.open)
    entry = f.make_entry(comp, names=["Rina Diganti"])
    old = entry.participants[0]
    admin = make_user("admin")
    replace_participant(old, ParticipantInput(name="Tono Baru", phone="081299998888", consent=True), by=admin)
    db.session.commit()
    services.erase_person(old, "Permintaan orang tua", by=admin)
    db.session.commit()
    history = db.session.scalar(select(AuditLog).where(AuditLog.action == "entry.participant_replaced"))
    assert history.before["name"] == ERASED_NAME and history.after["name"] == "Tono Baru"


def test_erasure_needs_a_reason_and_a_confirmation(client, login_as, event_data):
    """Without the confirmation box (or with no reason) the page answers 422 and nothing is erased."""
    login_as("admin")
    other = event_data["other"]
    phone = other.phone
    assert (
        client.post(f"/admin/data-pribadi/peserta/{other.id}", data={"reason": "Permintaan"}).status_code
        == 422
    )
    assert client.post(f"/admin/data-pribadi/peserta/{other.id}", data={"confirm": "y"}).status_code == 422
    db.session.refresh(other)
    assert other.phone == phone and other.erased_at is None


def test_only_the_office_exports_or_erases(app, make_user, event_data):
    """The services refuse anyone but the office."""
    from harkop.errors import Forbidden

    rep = make_user("coop_rep")
    with pytest.raises(Forbidden):
        services.export_person(event_data["winner"], by=rep)
    with pytest.raises(Forbidden):
        services.erase_person(event_data["winner"], "Permintaan", by=rep)


def test_retention_schedule_lists_each_event_with_its_last_day(app, fake_now, event_data):
    """The office's page lists the event, the last day its data is kept and how many records hold data."""
    fake_now("2024-11-01T09:00:00+08:00")
    row = next(r for r in services.retention_schedule() if r["event"].id == event_data["event"].id)
    assert row["until"].isoformat() == "2024-10-26" and row["due"] and row["held"] == 3
