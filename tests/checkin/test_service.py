"""A scan end to end on the database: verdicts, once per ticket per day, nonces, offline replay, conflicts,
the roster, search and the dashboard."""

from __future__ import annotations

import hashlib
import json
from datetime import datetime, timedelta

import pytest
from sqlalchemy import func, select

from harkop import clock
from harkop.audit import AuditLog
from harkop.checkin import conflicts
from harkop.checkin.answers import scan_json, scan_message
from harkop.checkin.dashboard import dashboard
from harkop.checkin.models import CheckIn, Scan, Verdict
from harkop.checkin.roster import roster, search_tickets
from harkop.errors import DomainError
from harkop.extensions import db
from harkop.registrations.models import EntryState
from harkop.registrations.services import ParticipantInput, replace_participant, withdraw_entry
from harkop.registrations.tickets import ALPHABET
from tests.checkin import factories as f

V = Verdict


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def test_first_scan_checks_in_and_is_recorded(ticket, scan, staff):
    """The first scan of a valid ticket on its day admits it and records who, device, gate and both times."""
    device_time = f.ON_DAY1 - timedelta(seconds=3)
    result = scan(f.code(ticket), scanned_at=device_time)
    assert result.verdict == V.checked_in
    assert result.replayed is False
    assert result.ticket_id == ticket.id
    assert result.by_id == staff.id
    assert (result.device_id, result.gate) == ("device-a", "Pintu A")
    assert result.scanned_at == device_time
    assert result.received_at == f.ON_DAY1
    assert result.day == f.DAY1
    assert result.code_hash == hashlib.sha256(ticket.secret.encode()).hexdigest()
    admission = db.session.scalar(select(CheckIn).where(CheckIn.ticket_id == ticket.id))
    assert admission is not None and result.admission_id == admission.id
    assert admission.admitted_at == f.ON_DAY1  # online: the server's time, not the device's


def test_second_scan_is_already_checked_in_with_when_whom_and_gate(ticket, scan, staff, make_user):
    """A later scan that day is refused as already_checked_in, naming the first admission's time, staff and gate."""
    scan(f.code(ticket))
    other = make_user("checkin_staff", display_name="Budi Petugas")
    later = f.ON_DAY1 + timedelta(minutes=20)
    second = scan(f.code(ticket), by=other, gate="Pintu B", device_id="device-b", now=later)
    assert second.verdict == V.already_checked_in
    assert second.admission.admitted_at == f.ON_DAY1
    assert second.admission.by_id == staff.id
    assert second.admission.gate == "Pintu A"
    details = scan_json(second)["admission"]
    assert details["by"] == "Rina Petugas"
    assert details["gate"] == "Pintu A"
    assert details["admitted_at"] == f.ON_DAY1.astimezone(clock.UTC).isoformat()
    assert "09.30" in details["admitted_at_text"]
    message = scan_message(second)
    assert "Rina Petugas" in message and "Pintu A" in message and "09.30" in message
    assert count(CheckIn) == 1
    assert count(Scan) == 2


def test_once_per_day_but_again_on_the_next_day(scan):
    """A two-day competition admits the same ticket once on each of its days."""
    t = f.make_ticket(f.make_competition(days=(f.DAY1, f.DAY2)))
    db.session.commit()
    assert scan(f.code(t)).verdict == V.checked_in
    assert scan(f.code(t)).verdict == V.already_checked_in
    assert scan(f.code(t), now=f.ON_DAY2).verdict == V.checked_in
    assert scan(f.code(t), now=f.ON_DAY2).verdict == V.already_checked_in
    assert db.session.scalar(select(func.count(CheckIn.id)).where(CheckIn.ticket_id == t.id)) == 2


def test_repeated_nonce_returns_the_first_answer_and_writes_nothing(ticket, scan):
    """A nonce seen before gives back the first scan (verdict and all) and adds no row."""
    first = scan(f.code(ticket), nonce="same-nonce")
    scans_before, admissions_before = count(Scan), count(CheckIn)
    again = scan(f.code(ticket), nonce="same-nonce", now=f.ON_DAY1 + timedelta(minutes=5))
    assert again.id == first.id
    assert again.verdict == V.checked_in  # not already_checked_in: the first answer
    assert again.replayed is True
    assert (count(Scan), count(CheckIn)) == (scans_before, admissions_before)


def test_repeated_nonce_of_a_refusal_returns_the_refusal(scan):
    """A replayed refused scan stays refused and is not recorded twice."""
    first = scan("HK1:NOT-A-TICKET", nonce="n-refused")
    again = scan("HK1:NOT-A-TICKET", nonce="n-refused")
    assert again.id == first.id and again.verdict == V.unknown_ticket
    assert count(Scan) == 1


@pytest.mark.parametrize(
    "forged",
    [
        "HK1:" + "A" * 28,  # well-formed, names no ticket
        "HK1:" + "".join(ALPHABET[i % len(ALPHABET)] for i in range(28)),
        "hello world",
        "",
        "HK2:ABCDEFGHJKMNPQRSTUVWXYZ23456",
        "https://example.com/tiket/123",
        "HK1:" + "0" * 28,  # look-alike characters are not in the alphabet
    ],
    ids=["unknown", "unknown2", "text", "empty-ish", "other-version", "url", "lookalikes"],
)
def test_forged_codes_are_unknown_tickets(scan, forged):
    """Codes that name no ticket are refused as unknown_ticket, recorded, with no admission."""
    if not forged:
        with pytest.raises(DomainError) as err:
            scan(forged)
        assert err.value.code == "missing_code"
        return
    result = scan(forged)
    assert result.verdict == V.unknown_ticket
    assert result.ticket_id is None and result.admission_id is None
    assert result.reason in ("malformed", "not_found")
    assert count(CheckIn) == 0
    assert db.session.get(Scan, result.id) is not None


def test_altered_codes_are_unknown_tickets(ticket, scan):
    """A real ticket's code with one character changed, cut short or lengthened names no ticket."""
    secret = ticket.secret
    swapped = ALPHABET[(ALPHABET.index(secret[5]) + 1) % len(ALPHABET)]
    altered = [
        "HK1:" + secret[:5] + swapped + secret[6:],
        "HK1:" + secret[:-1],
        "HK1:" + secret + "2",
        "HK1:" + secret[::-1] if secret[::-1] != secret else "HK1:" + secret[1:] + secret[0],
    ]
    for text in altered:
        assert scan(text).verdict == V.unknown_ticket, text
    assert count(CheckIn) == 0
    assert scan(f.code(ticket)).verdict == V.checked_in


def test_typed_codes_are_forgiving_about_case_spaces_and_prefix(scan):
    """The secret typed without the prefix, in lower case and in groups of four is the same ticket."""
    t1, t2 = f.make_ticket(), f.make_ticket()
    db.session.commit()
    grouped = " ".join(t1.secret[i : i + 4] for i in range(0, 28, 4)).lower()
    assert scan(grouped, method="manual").verdict == V.checked_in
    assert scan("  hk1:" + t2.secret.lower() + "\n".strip()).verdict == V.checked_in


def test_wrong_day_is_not_valid_today(ticket, scan):
    """A ticket for 26 July scanned on 27 July is refused as not_valid_today, saying its days; the scan is kept."""
    result = scan(f.code(ticket), now=f.ON_DAY2)
    assert result.verdict == V.not_valid_today
    assert result.day == f.DAY2
    assert result.admission_id is None
    assert "26 Juli 2024" in scan_message(result)
    assert scan_json(result)["ticket"]["valid_days"] == ["2024-07-26"]
    assert count(CheckIn) == 0


def test_replay_of_a_refusal_stays_a_refusal_even_once_the_ticket_is_valid(ticket, scan):
    """A scan refused the day before, replayed with its nonce on the ticket's day, admits nobody."""
    first = scan(f.code(ticket), nonce="early", now=f.ON_DAY1 - timedelta(days=1))
    assert first.verdict == V.not_valid_today
    again = scan(f.code(ticket), nonce="early", now=f.ON_DAY1)
    assert again.id == first.id and again.verdict == V.not_valid_today and again.replayed
    assert count(CheckIn) == 0 and count(Scan) == 1
    assert scan(f.code(ticket)).verdict == V.checked_in


@pytest.mark.parametrize(
    ("utc_now", "verdict"),
    [
        (datetime(2024, 7, 25, 16, 1, tzinfo=clock.UTC), V.checked_in),  # 26 July 00.01 WITA
        (datetime(2024, 7, 25, 15, 59, tzinfo=clock.UTC), V.not_valid_today),  # 25 July 23.59 WITA
        (datetime(2024, 7, 26, 16, 1, tzinfo=clock.UTC), V.not_valid_today),  # 27 July 00.01 WITA
    ],
)
def test_the_day_is_the_date_in_wita(ticket, scan, utc_now, verdict):
    """'Today' is the date in Balikpapan (WITA), not in UTC."""
    assert scan(f.code(ticket), now=utc_now).verdict == verdict


def test_withdrawn_entry_is_not_confirmed(scan, make_user):
    """A ticket of a withdrawn entry (revoked by the withdrawal) is refused as entry_not_confirmed."""
    entry = f.make_entry()
    t = entry.participants[0].ticket
    withdraw_entry(entry, by=make_user("admin"), now=f.BEFORE_EVENT)
    db.session.commit()
    result = scan(f.code(t))
    assert result.verdict == V.entry_not_confirmed
    assert result.reason == "withdrawn"
    assert result.ticket_id == t.id
    assert count(CheckIn) == 0


@pytest.mark.parametrize("state", [EntryState.pending, EntryState.waitlisted, EntryState.rejected])
def test_entries_not_confirmed_are_refused(scan, state):
    """A ticket whose entry is pending, waitlisted or rejected is refused, naming the state."""
    entry = f.make_entry()
    t = entry.participants[0].ticket
    entry.state = state
    entry.waitlist_position = 1 if state == EntryState.waitlisted else None
    db.session.commit()
    result = scan(f.code(t))
    assert result.verdict == V.entry_not_confirmed
    assert result.reason == state.value


def test_revoked_ticket_of_a_replaced_participant_is_refused_and_the_new_one_admitted(scan, make_user):
    """Replacing a participant revokes the old ticket (entry_not_confirmed) and the new ticket checks in."""
    entry = f.make_entry()
    old = entry.participants[0]
    old_ticket = old.ticket
    new = replace_participant(
        old,
        ParticipantInput(name="Pengganti", phone="081234567890", consent=True),
        by=make_user("admin"),
        now=f.BEFORE_EVENT,
    )
    db.session.commit()
    refused = scan(f.code(old_ticket))
    assert refused.verdict == V.entry_not_confirmed
    assert refused.reason == "ticket_revoked"
    admitted = scan(f.code(new.ticket))
    assert admitted.verdict == V.checked_in
    assert scan_json(admitted)["ticket"]["participant"] == "Pengganti"


def test_scan_by_ticket_id_from_search(ticket, scan):
    """A ticket picked from the search list is checked in by its id, with the same rule."""
    assert scan(None, ticket_id=ticket.id, method="search").verdict == V.checked_in
    assert scan(None, ticket_id=ticket.id, method="search").verdict == V.already_checked_in
    assert scan(None, ticket_id=10**9, method="search").verdict == V.unknown_ticket


@pytest.mark.parametrize(
    ("field", "value", "code"),
    [
        ("nonce", "", "missing_nonce"),
        ("nonce", "x" * 65, "invalid_nonce"),
        ("device_id", "", "missing_device_id"),
        ("gate", "g" * 61, "invalid_gate"),
        ("local_verdict", "admitted", "invalid_local_verdict"),
    ],
)
def test_bad_input_is_refused_with_a_code(ticket, scan, field, value, code):
    """Missing or malformed scan input is a coded validation error, not a recorded scan."""
    with pytest.raises(DomainError) as err:
        scan(f.code(ticket), **{field: value})
    assert err.value.code == code
    db.session.rollback()
    assert count(Scan) == 0


# --- offline replay ------------------------------------------------------------------------


def offline(scan, code, device, *, at, arrives, **kw):
    """An offline scan made on `device` at device time `at`, reaching the server at `arrives`."""
    return scan(
        code,
        device_id=device,
        offline=True,
        scanned_at=at,
        now=arrives,
        **{"day": at.astimezone(f.WITA).date(), **kw},
        local_verdict="checked_in",
    )


def test_two_devices_offline_admissions_give_one_admission_and_one_conflict(ticket, scan):
    """Two devices admit one ticket offline: the first to reach the server is kept, the other is a conflict."""
    a = offline(scan, f.code(ticket), "device-a", at=f.ON_DAY1, arrives=f.ON_DAY1 + timedelta(hours=1))
    b = offline(
        scan,
        f.code(ticket),
        "device-b",
        at=f.ON_DAY1 + timedelta(minutes=2),
        arrives=f.ON_DAY1 + timedelta(hours=2),
        gate="Pintu B",
    )
    assert a.verdict == V.checked_in and a.conflict is False
    assert b.verdict == V.already_checked_in and b.conflict is True
    assert b.admission_id == a.admission_id
    assert count(CheckIn) == 1
    assert [s.id for s in db.session.scalars(conflicts.conflicts())] == [b.id]
    assert conflicts.count_open_conflicts() == 1


def test_first_arrival_wins_whatever_the_device_clocks_say(ticket, scan):
    """The server keeps the admission that arrived first, even if the other device's clock says earlier."""
    late_clock = offline(
        scan, f.code(ticket), "device-a", at=f.ON_DAY1, arrives=f.ON_DAY1 + timedelta(minutes=30)
    )
    early_clock = offline(
        scan,
        f.code(ticket),
        "device-b",
        at=f.ON_DAY1 - timedelta(minutes=15),
        arrives=f.ON_DAY1 + timedelta(minutes=40),
    )
    assert late_clock.verdict == V.checked_in
    assert early_clock.verdict == V.already_checked_in and early_clock.conflict
    admission = db.session.get(CheckIn, late_clock.admission_id)
    assert admission.device_id == "device-a"
    assert admission.admitted_at == f.ON_DAY1  # offline: when the person came in, by the device


def test_offline_admission_after_an_online_one_on_another_device_is_a_conflict(ticket, scan):
    """A device offline with a stale roster admits a ticket already admitted online: conflict."""
    scan(f.code(ticket), device_id="device-a")
    late = offline(
        scan,
        f.code(ticket),
        "device-b",
        at=f.ON_DAY1 + timedelta(minutes=5),
        arrives=f.ON_DAY1 + timedelta(minutes=30),
    )
    assert late.verdict == V.already_checked_in and late.conflict is True


def test_same_device_repeating_itself_is_not_a_conflict(ticket, scan):
    """The same device's second offline scan of a ticket it admitted is not a conflict."""
    offline(scan, f.code(ticket), "device-a", at=f.ON_DAY1, arrives=f.ON_DAY1 + timedelta(minutes=30))
    again = offline(
        scan,
        f.code(ticket),
        "device-a",
        at=f.ON_DAY1 + timedelta(minutes=1),
        arrives=f.ON_DAY1 + timedelta(minutes=31),
    )
    assert again.verdict == V.already_checked_in and again.conflict is False


def test_offline_refusal_shown_by_the_device_is_not_a_conflict(ticket, scan):
    """A device that showed already_checked_in offline made no admission: no conflict."""
    scan(f.code(ticket), device_id="device-a")
    refused = scan(
        f.code(ticket),
        device_id="device-b",
        offline=True,
        scanned_at=f.ON_DAY1,
        day=f.DAY1,
        local_verdict="already_checked_in",
        now=f.ON_DAY1 + timedelta(minutes=10),
    )
    assert refused.verdict == V.already_checked_in and refused.conflict is False


def test_device_refusal_never_becomes_an_admission(ticket, scan):
    """If the device turned the person away offline (stale roster), the server makes no admission later."""
    result = scan(
        f.code(ticket),
        offline=True,
        scanned_at=f.ON_DAY1,
        day=f.DAY1,
        local_verdict="unknown_ticket",
        now=f.ON_DAY1 + timedelta(minutes=10),
    )
    assert result.verdict == V.unknown_ticket and result.reason == "device_refused"
    assert result.admission_id is None and not result.conflict
    assert count(CheckIn) == 0


def test_offline_admission_of_a_withdrawn_entry_is_a_conflict(scan, make_user):
    """An offline admission of a ticket withdrawn meanwhile is refused and listed as a conflict."""
    entry = f.make_entry()
    t = entry.participants[0].ticket
    withdraw_entry(entry, by=make_user("admin"), now=f.BEFORE_EVENT)
    db.session.commit()
    result = offline(scan, f.code(t), "device-a", at=f.ON_DAY1, arrives=f.ON_DAY1 + timedelta(minutes=5))
    assert result.verdict == V.entry_not_confirmed and result.conflict is True


def test_offline_scan_synced_the_next_day_counts_for_its_own_day(ticket, scan):
    """A scan made offline on 26 July and synced on 27 July is an admission for 26 July."""
    evening = f.ON_DAY1.replace(hour=17)
    result = offline(scan, f.code(ticket), "device-a", at=evening, arrives=f.ON_DAY2 - timedelta(hours=1))
    assert result.verdict == V.checked_in
    assert result.day == f.DAY1
    assert db.session.get(CheckIn, result.admission_id).admitted_at == evening


def test_offline_day_is_never_after_the_server_today(ticket, scan):
    """A device claiming a later day than the server's today is held to the server's today."""
    result = scan(
        f.code(ticket),
        offline=True,
        day=f.DAY3,
        scanned_at=f.ON_DAY1,
        local_verdict="checked_in",
        now=f.ON_DAY1,
    )
    assert result.day == f.DAY1 and result.verdict == V.checked_in


def test_online_scan_ignores_the_device_day(ticket, scan):
    """Online, the day is the server's today, whatever the device sends."""
    result = scan(f.code(ticket), day=f.DAY2, scanned_at=f.ON_DAY2, now=f.ON_DAY1)
    assert result.day == f.DAY1 and result.verdict == V.checked_in


# --- device clocks -------------------------------------------------------------------------


def test_online_admission_time_is_the_servers_even_from_a_clock_a_day_behind(ticket, scan):
    """Online, the device's time is recorded on the scan but the admission is the server's receive time."""
    result = scan(f.code(ticket), scanned_at=f.ON_DAY1 - timedelta(days=1))
    admission = db.session.get(CheckIn, result.admission_id)
    assert admission.admitted_at == f.ON_DAY1
    assert result.clock_suspect is False


def test_offline_scan_with_a_clock_a_day_behind_is_bounded_to_its_day_and_flagged(ticket, scan, make_user):
    """An offline scan whose time falls the day before: admitted at the day's start, flagged for the office,
    and "already checked in at…" on another gate names that bounded time, not Thursday's."""
    behind = offline(
        scan,
        f.code(ticket),
        "device-a",
        at=f.ON_DAY1 - timedelta(days=1),
        arrives=f.ON_DAY1 + timedelta(hours=1),
        day=f.DAY1,
    )
    admission = db.session.get(CheckIn, behind.admission_id)
    assert admission.day == f.DAY1
    assert clock.to_wita(admission.admitted_at) == datetime(2024, 7, 26, 0, 0, tzinfo=f.WITA)
    assert behind.clock_suspect is True and behind.conflict is False
    assert [s.id for s in db.session.scalars(conflicts.conflicts())] == [behind.id]
    assert conflicts.count_open_conflicts() == 1
    other_gate = scan(f.code(ticket), device_id="device-b", now=f.ON_DAY1 + timedelta(hours=2))
    assert other_gate.verdict == V.already_checked_in
    assert "26" in scan_message(other_gate) and "25" not in scan_message(other_gate)
    conflicts.review_conflict(behind.id, "jam HP salah, sudah dibetulkan", by=make_user("admin"))
    assert conflicts.count_open_conflicts() == 0


def test_offline_scan_within_its_day_keeps_the_corrected_device_time_unflagged(ticket, scan):
    """An offline scan timed within its day (the page corrected the clock): that time, no flag."""
    at = f.ON_DAY1 - timedelta(minutes=20)
    result = offline(scan, f.code(ticket), "device-a", at=at, arrives=f.ON_DAY1 + timedelta(hours=1))
    assert db.session.get(CheckIn, result.admission_id).admitted_at == at
    assert result.clock_suspect is False
    assert conflicts.count_open_conflicts() == 0


# --- conflicts review ----------------------------------------------------------------------


def test_office_marks_a_conflict_reviewed_with_a_note(ticket, scan, make_user):
    """Reviewing a conflict stores the note, who and when, leaves the open list, and is audited."""
    offline(scan, f.code(ticket), "device-a", at=f.ON_DAY1, arrives=f.ON_DAY1)
    b = offline(scan, f.code(ticket), "device-b", at=f.ON_DAY1, arrives=f.ON_DAY1 + timedelta(minutes=1))
    admin = make_user("admin")
    with pytest.raises(DomainError) as err:
        conflicts.review_conflict(b.id, "  ", by=admin)
    assert err.value.code == "note_required"
    conflicts.review_conflict(
        b.id, "Tiket difoto dan dipakai dua orang; sudah dicek.", by=admin, now=f.ON_DAY2
    )
    db.session.commit()
    assert b.reviewed_at == f.ON_DAY2 and b.reviewed_by_id == admin.id
    assert conflicts.count_open_conflicts() == 0
    assert list(db.session.scalars(conflicts.conflicts())) == []
    assert [s.id for s in db.session.scalars(conflicts.conflicts(include_reviewed=True))] == [b.id]
    assert (
        db.session.scalar(select(AuditLog).where(AuditLog.action == "checkin.conflict_reviewed")) is not None
    )
    with pytest.raises(DomainError) as again:
        conflicts.review_conflict(b.id, "lagi", by=admin)
    assert again.value.code == "already_reviewed"


def test_only_conflicts_can_be_reviewed(ticket, scan, make_user):
    """A scan that is not a conflict cannot be 'reviewed'."""
    ok = scan(f.code(ticket))
    with pytest.raises(DomainError) as err:
        conflicts.review_conflict(ok.id, "catatan", by=make_user("admin"))
    assert err.value.code == "conflict_not_found"


# --- roster and search -----------------------------------------------------------------------


def test_roster_has_hashes_names_and_state_but_no_secrets_or_phones(scan):
    """The roster carries SHA-256 code hashes, names, team, cooperative, competition, slot and check-in state; no phone, no secret."""
    comp = f.make_competition(name="Lomba Tumpeng")
    entry = f.make_entry(comp, people=2, team_name="Tim Melati", names=["Ani", "Budi"])
    other_day = f.make_ticket(f.make_competition(event=comp.event, days=(f.DAY2,)))
    withdrawn = f.make_entry(comp)
    withdrawn.state = EntryState.withdrawn
    for p in withdrawn.participants:
        p.tickets[0].revoked_at = f.BEFORE_EVENT
    db.session.commit()
    ani, budi = (p.ticket for p in entry.participants)
    scan(f.code(ani), gate="Pintu Utara")

    data = roster(f.DAY1, now=f.ON_DAY1)
    assert data["today"] == "2024-07-26" and data["date"] == "2024-07-26"
    items = {i["ticket_id"]: i for i in data["items"]}
    assert set(items) >= {ani.id, budi.id, other_day.id, withdrawn.participants[0].tickets[0].id}
    item = items[ani.id]
    assert item["code_hash"] == hashlib.sha256(ani.secret.encode()).hexdigest()
    assert (item["participant"], item["team"], item["competition"]["name"]) == (
        "Ani",
        "Tim Melati",
        "Lomba Tumpeng",
    )
    assert item["cooperative"] == entry.cooperative.name
    assert item["slot"] == "09.00–12.00 WITA"
    assert item["checked_in"]["gate"] == "Pintu Utara"
    assert items[budi.id]["checked_in"] is None and items[budi.id]["refusal"] is None
    assert items[other_day.id]["refusal"] == "not_valid_today"
    assert items[withdrawn.participants[0].tickets[0].id]["refusal"] == "entry_not_confirmed"
    text = json.dumps(data)
    for p in entry.participants:
        assert p.phone not in text
        assert p.ticket.secret not in text
    assert "phone" not in text


def test_roster_of_a_day_without_event_is_empty(ticket):
    """No event that day: an empty roster (but the server's today all the same)."""
    data = roster(f.DAY1.replace(month=1), now=f.ON_DAY1)
    assert data["items"] == [] and data["today"] == "2024-07-26"


def test_search_by_name_team_cooperative_and_phone_never_returns_the_phone():
    """Search finds a ticket by participant, team, cooperative or phone; results carry no phone."""
    coop = f.make_cooperative("Koperasi Karya Mandiri")
    entry = f.make_entry(team_name="Tim Anggrek", names=["Siti Rahmawati"], cooperative=coop)
    participant = entry.participants[0]
    participant.phone = "081377665544"
    db.session.commit()
    for query in ("rahma", "ANGGREK", "karya mandiri", "77665544", "0813 7766 5544"):
        found = search_tickets(query, day=f.DAY1)
        assert [i["ticket_id"] for i in found] == [participant.ticket.id], query
        assert "081377665544" not in json.dumps(found)
    assert search_tickets("x", day=f.DAY1) == []


# --- the dashboard -----------------------------------------------------------------------------


def test_dashboard_counts_each_ticket_once_per_day(scan):
    """Scanned five times, a ticket counts once; per competition, per hour and no-shows add up."""
    event = f.make_event()
    morning = f.make_competition(
        event, name="Pagi", starts_at=datetime(2024, 1, 1, 8).time(), ends_at=datetime(2024, 1, 1, 10).time()
    )
    later = f.make_competition(
        event,
        name="Siang",
        starts_at=datetime(2024, 1, 1, 13).time(),
        ends_at=datetime(2024, 1, 1, 15).time(),
    )
    m = f.make_entry(morning, people=3)
    s = f.make_entry(later, people=2)
    db.session.commit()
    for _ in range(5):
        scan(f.code(m.participants[0].ticket))
    scan(f.code(m.participants[1].ticket), now=f.ON_DAY1.replace(hour=8, minute=10))
    scan(f.code(s.participants[0].ticket), now=f.ON_DAY1.replace(hour=8, minute=20))
    scan("HK1:BOGUS")

    board = dashboard(f.DAY1, now=f.ON_DAY1.replace(hour=11))
    rows = {c.name: c for c in board.competitions}
    assert (rows["Pagi"].expected, rows["Pagi"].checked_in, rows["Pagi"].ended) == (3, 2, True)
    assert rows["Pagi"].no_shows == 1
    assert (rows["Siang"].expected, rows["Siang"].checked_in, rows["Siang"].ended) == (2, 1, False)
    assert rows["Siang"].no_shows == 0 and rows["Siang"].missing == 1
    assert board.checked_in == 3 and board.expected == 5 and board.no_shows == 1
    hours = dict(board.hours)
    assert hours[9] == 1 and hours[8] == 2
    assert board.verdicts["checked_in"] == 3
    assert board.verdicts["already_checked_in"] == 4
    assert board.verdicts["unknown_ticket"] == 1
    assert board.scans == 8
    day_rows = {r.day: r for r in board.days}
    assert set(day_rows) == {f.DAY1, f.DAY2, f.DAY3}
    assert (day_rows[f.DAY1].checked_in, day_rows[f.DAY1].expected) == (3, 5)
    data = board.as_json()
    assert data["totals"]["checked_in"] == 3
    assert {c["name"]: c["checked_in"] for c in data["competitions"]} == {"Pagi": 2, "Siang": 1}
