"""The check-in rule: one verdict per scan, from the ticket's facts, the day and the day's admission.

Pure: plain data in, plain data out, no session and no request. The scan path (`scans`), the
offline roster (`roster`) and the tests call it; the offline page's `static/js/checkin/decide.js`
applies the same rule in the browser, and both are held to it by one table of cases,
`tests/checkin/verdict_cases.json`, that pytest and a Node test run alike.

The rule, in order (the first that applies is the verdict):
1. `unknown_ticket`: the code does not parse as `HK1:<secret>` (`malformed`: forged, altered,
   truncated) or names no ticket (`not_found`).
2. `entry_not_confirmed`: the entry is pending, waitlisted, rejected or withdrawn (the reason is
   the state), or the ticket was revoked (`ticket_revoked`: its participant was replaced).
3. `not_valid_today`: the ticket's competition does not run on the scan's day (WITA).
4. `already_checked_in` when the ticket has an admission that day, else `checked_in`.

Once per ticket per day is finally the database's: of simultaneous scans that all hear
`checked_in` here, one INSERT wins and the others are decided again with the winner's admission.

An offline scan's time is the device's clock corrected by the offset the device measured against
the server when it loaded the roster; the server bounds it to the scan's day (`bound_to_day`):
a corrected time outside that day is clamped into it and flagged for the office.

Offline scans add two questions that only the server asks when a device's queue arrives
(`device_refusal`, `is_conflict`): the device's own refusal stands, and an admission the device
made but the server cannot keep is a conflict for the office.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from ..clock import WITA
from ..registrations.models import EntryState
from .models import Verdict

V = Verdict
CONFIRMED = EntryState.confirmed.value


@dataclass(frozen=True, slots=True)
class TicketFacts:
    """What the gate knows about a ticket (never its phone or secret): who, which team and competition,
    the entry's state, whether the ticket was revoked, and the days its competition runs."""

    id: int
    participant: str
    role: str
    team: str
    cooperative: str
    competition_id: int
    competition: str
    slot: str
    place: str
    entry_state: str
    revoked: bool
    days: tuple[date, ...]

    @property
    def valid(self) -> bool:
        """A ticket that may be admitted on one of its days: not revoked, its entry confirmed."""
        return not self.revoked and self.entry_state == CONFIRMED

    def as_json(self) -> dict[str, Any]:
        """The ticket as the gate shows it, in scan answers and (with more keys) in the roster."""
        return {
            "id": self.id,
            "participant": self.participant,
            "role": self.role,
            "team": self.team,
            "cooperative": self.cooperative,
            "competition": {"id": self.competition_id, "name": self.competition},
            "slot": self.slot,
            "place": self.place,
            "entry_state": self.entry_state,
            "valid": self.valid,
        }


@dataclass(frozen=True, slots=True)
class Decision:
    """A verdict and, for a refusal that has one, its reason."""

    verdict: Verdict
    reason: str | None = None


MALFORMED = Decision(V.unknown_ticket, "malformed")
NOT_FOUND = Decision(V.unknown_ticket, "not_found")


def decide(ticket: TicketFacts | None, day: date, admission: Mapping[str, Any] | None) -> Decision:
    """The verdict for a ticket (None: no ticket has this code) scanned on `day`.

    `admission` is the ticket's admission that day, if any (its contents do not matter here).
    A code that does not parse never reaches the rule: it is `MALFORMED`.
    """
    if ticket is None:
        return NOT_FOUND
    if ticket.entry_state != CONFIRMED:
        return Decision(V.entry_not_confirmed, ticket.entry_state)
    if ticket.revoked:
        return Decision(V.entry_not_confirmed, "ticket_revoked")
    if day not in ticket.days:
        return Decision(V.not_valid_today)
    if admission is not None:
        return Decision(V.already_checked_in)
    return Decision(V.checked_in)


def device_admitted(shown: Verdict | None) -> bool:
    """Whether an offline device let the person in: it showed `checked_in` (or, from an older page, nothing)."""
    return shown is None or shown == V.checked_in


def device_refusal(decision: Decision, shown: Verdict | None) -> Decision:
    """An offline scan the device refused: its answer stands where the server would have let the person in.

    Its roster was older than the server's facts, but nobody came in on its word, so no admission
    is made later: the scan keeps what the gate showed, with the reason `device_refused`. Where
    the server refuses too, the server's refusal is recorded.
    """
    if device_admitted(shown) or decision.verdict not in (V.checked_in, V.already_checked_in):
        return decision
    return Decision(shown, "device_refused")  # type: ignore[arg-type]


def is_conflict(
    decision: Decision, *, shown: Verdict | None, admission: Mapping[str, Any] | None, device_id: str
) -> bool:
    """Whether an offline scan is a conflict: the device admitted someone the server could not admit.

    `decision` is the server's final one and `admission` the ticket's admission that day (the one
    this scan made or met). Another device admitted the ticket first (the same device repeating
    itself is no conflict), or the server refuses the ticket outright (entry no longer confirmed,
    unknown ticket, wrong day).
    """
    if not device_admitted(shown) or decision.verdict == V.checked_in:
        return False
    if decision.verdict == V.already_checked_in:
        return admission is not None and admission["device_id"] != device_id
    return True


def roster_refusal(ticket: TicketFacts, day: date) -> Decision | None:
    """The refusal an offline device must give this ticket on `day` whatever else happens, or None.

    What the roster carries beside the ticket's facts: the rule without an admission, where only
    a refusal is kept (whether the ticket is already in is the roster's `checked_in`).
    """
    decision = decide(ticket, day, None)
    return None if decision.verdict == V.checked_in else decision


def bound_to_day(at: datetime, day: date, latest: datetime) -> tuple[datetime, bool]:
    """An offline scan's admission time, bounded to its event day, and whether it was outside that day.

    `at` is the device's (corrected) time of the scan, `day` the roster's day it was decided
    against (WITA), `latest` the moment the server received it: the admission time lies within
    the day (00.00 to 24.00 WITA) and never after `latest`. A time outside the day is a clock
    that cannot be believed (`True`: flagged for the office); a time after `latest` but within
    the day is a device a little ahead, clamped without a flag.
    """
    start = datetime.combine(day, time(0), tzinfo=WITA)
    end = start + timedelta(days=1) - timedelta(milliseconds=1)  # as the page counts: in milliseconds
    outside = not (start <= at <= end)
    upper = max(start, min(end, latest))
    bounded = min(max(at, start), upper)
    return bounded, outside
