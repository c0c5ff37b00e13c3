"""The check-in rule against its table of cases (verdict_cases.json), which decide.js is held to as well.

Pure: no database. The same table runs through `static/js/checkin/decide.js` in
tests/checkin/test_decide_js.py.
"""

from __future__ import annotations

import hashlib
import json
from datetime import date, datetime
from pathlib import Path

import pytest

from harkop.checkin import rule
from harkop.checkin.lookup import FoundTicket
from harkop.checkin.models import Verdict
from harkop.checkin.roster import roster_item
from harkop.registrations.tickets import parse_code

TABLE = json.loads((Path(__file__).with_name("verdict_cases.json")).read_text())
CASES = TABLE["cases"]
SYNCED = [c for c in CASES if "sync" in c]


def facts(ticket: dict | None) -> rule.TicketFacts | None:
    """A case's ticket as the server's facts (the names and places do not matter to the rule)."""
    if ticket is None:
        return None
    return rule.TicketFacts(
        id=1,
        participant="Peserta",
        role="Ketua tim",
        team="Tim",
        cooperative="Koperasi",
        competition_id=1,
        competition="Lomba",
        slot="09.00–12.00 WITA",
        place="Atrium",
        entry_state=ticket["entry_state"],
        revoked=ticket["revoked"],
        days=tuple(date.fromisoformat(d) for d in ticket["days"]),
    )


def decided(case: dict) -> rule.Decision:
    return rule.decide(facts(case["ticket"]), date.fromisoformat(case["day"]), case["admission"])


def test_the_table_covers_every_verdict_and_reason():
    """Every verdict, every refusal reason and both conflict answers appear in the table."""
    verdicts = {c["expect"]["verdict"] for c in CASES}
    reasons = {c["expect"]["reason"] for c in CASES} | {c["sync"]["expect"]["reason"] for c in SYNCED}
    assert verdicts == {v.value for v in Verdict}
    assert reasons >= {"pending", "waitlisted", "rejected", "withdrawn", "ticket_revoked", "not_found"}
    assert "device_refused" in reasons
    assert {c["sync"]["expect"]["conflict"] for c in SYNCED} == {True, False}
    assert any(c["secret"] is None for c in TABLE["codes"]) and any(c["secret"] for c in TABLE["codes"])


@pytest.mark.parametrize("case", CASES, ids=[c["name"] for c in CASES])
def test_the_rule_gives_each_case_its_verdict(case):
    """rule.decide answers the case's ticket, day and admission with the table's verdict and reason."""
    decision = decided(case)
    assert (decision.verdict.value, decision.reason) == (case["expect"]["verdict"], case["expect"]["reason"])


@pytest.mark.parametrize("case", [c for c in CASES if c["ticket"]], ids=lambda c: c["name"])
def test_the_roster_carries_what_the_device_decides_from(case):
    """The roster item the server builds holds the table's entry_state, valid and days (what decide.js reads),
    and as its refusal the rule's verdict when that is a refusal."""
    item = roster_item(FoundTicket(facts(case["ticket"]), "SECRET", None), date.fromisoformat(case["day"]))
    ticket = case["ticket"]
    assert (item["entry_state"], item["valid"], item["days"]) == (
        ticket["entry_state"],
        ticket["valid"],
        ticket["days"],
    )
    verdict, reason = case["expect"]["verdict"], case["expect"]["reason"]
    if verdict in ("checked_in", "already_checked_in"):
        assert (item["refusal"], item["reason"]) == (None, None)
    else:
        assert (item["refusal"], item["reason"]) == (verdict, reason)


@pytest.mark.parametrize("case", SYNCED, ids=[c["name"] for c in SYNCED])
def test_a_synced_offline_scan_is_settled_as_the_table_says(case):
    """An offline scan that reaches the server: the device's refusal stands, an admission it cannot keep is a conflict."""
    sync = case["sync"]
    shown = Verdict(sync["shown"]) if sync["shown"] else None
    decision = rule.device_refusal(decided(case), shown)
    conflict = rule.is_conflict(
        decision, shown=shown, admission=case["admission"], device_id=sync["device_id"]
    )
    assert (decision.verdict.value, decision.reason, conflict) == (
        sync["expect"]["verdict"],
        sync["expect"]["reason"],
        sync["expect"]["conflict"],
    )


@pytest.mark.parametrize("case", TABLE["codes"], ids=[c["name"] for c in TABLE["codes"]])
def test_codes_parse_to_the_tables_secret_and_hash(case):
    """A scanned or typed text names the table's secret (None: malformed), hashed as the roster's code_hash."""
    secret = parse_code(case["text"])
    assert secret == case["secret"]
    if secret is not None:
        assert hashlib.sha256(secret.encode()).hexdigest() == case["code_hash"]


@pytest.mark.parametrize("case", TABLE["clocks"], ids=lambda c: c["name"])
def test_an_offline_scans_time_is_bounded_to_its_day_as_the_table_says(case):
    """`rule.bound_to_day` gives each clock case its admission time and flag (decide.js's boundToDay too)."""
    at, outside = rule.bound_to_day(
        datetime.fromisoformat(case["at"].replace("Z", "+00:00")),
        date.fromisoformat(case["day"]),
        datetime.fromisoformat(case["latest"]),
    )
    assert at == datetime.fromisoformat(case["expect"]["at"])
    assert outside is case["expect"]["outside"]
