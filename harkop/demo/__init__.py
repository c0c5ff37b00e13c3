"""Demo data for `seed-demo`: the 2024 celebration played through, one module per domain.

The registry's 587 demo cooperatives (`registry`), the event and one account per role
(`event`), competitions and entries (`competitions`), the first morning's check-ins
(`checkin`), the office's year (`office`) and judging (`judging`). Everything is idempotent:
`seed-demo` may run again. docs/demo-data.md describes the data.
"""

from __future__ import annotations

from .checkin import seed_checkins
from .competitions import seed_competitions
from .event import seed_accounts, seed_event
from .judging import seed_judging
from .office import seed_office
from .registry import DEMO_COOP_NIK, seed_registry

__all__ = ["DEMO_COOP_NIK", "seed_demo"]


def seed_demo() -> list[tuple[str, str, str]]:
    """Create or refresh all demo data; safe to run again."""
    seed_event()
    # Before the accounts: the demo pengurus's cooperative is one of the 587 demo cooperatives.
    seed_registry()
    logins = seed_accounts()
    # After the registry: entries are decided by the cooperatives' registry facts.
    seed_competitions()
    seed_checkins()
    seed_office(DEMO_COOP_NIK)
    seed_judging()
    return logins
