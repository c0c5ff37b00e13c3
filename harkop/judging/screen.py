"""The venue's big screen: live check-in counts per competition and, once published, the winners.

`screen_data` is what the screen shows, as plain data. Everyone may read the public part (how
many have checked in per competition today, the published winners with their cooperatives).
The gate's figures (expected, still missing, refusals by verdict, open conflicts) need a
display key: a labelled, expiring secret the office makes for one screen, which unlocks that
and nothing else (it is no login and cannot call any other route). Only its hash is stored.

The page (`/layar`) draws the slides on the server, so it shows something without JavaScript;
`static/js/screen.js` then polls `/layar/data.json`, keeps the last answer (in memory and in
localStorage) and, when the network drops, goes on cycling the last data and says how old it is.
"""

from __future__ import annotations

import secrets
from datetime import datetime, time, timedelta
from typing import Any

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import ForeignKey, String, select
from sqlalchemy.orm import Mapped, mapped_column

from .. import clock
from ..audit import record_audit
from ..auth.services import hash_secret
from ..checkin.answers import verdict_label
from ..checkin.dashboard import dashboard
from ..competitions.models import Competition, CompetitionState, Event
from ..competitions.services import current_event
from ..cooperatives.vocab import Award
from ..errors import NotFound, ValidationFailed
from ..extensions import db
from ..models_base import UTCDateTime
from . import results

KEY_PREFIX = "hl_"
LABEL_MAX = 80


class DisplayKey(db.Model):
    """A secret that lets one venue screen show the gate's figures; labelled, expiring, revocable."""

    __tablename__ = "display_key"

    id: Mapped[int] = mapped_column(primary_key=True)
    label: Mapped[str] = mapped_column(String(LABEL_MAX))
    key_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))

    def is_valid(self, now: datetime) -> bool:
        """Not revoked and not expired."""
        return self.revoked_at is None and clock.as_utc(self.expires_at) > now


def key_expiry(now: datetime) -> datetime:
    """A display key lasts to the current event's last day (23.59 WITA) plus
    HARKOP_DEVICE_TOKEN_MARGIN_DAYS, like a gate scanner's token; without an event still to come,
    one day."""
    event = current_event()
    margin = timedelta(days=current_app.config.get("HARKOP_DEVICE_TOKEN_MARGIN_DAYS", 1))
    if event is not None:
        expiry = clock.as_utc(datetime.combine(event.ends_on, time(23, 59), tzinfo=clock.WITA)) + margin
        if expiry > now:
            return expiry
    return now + timedelta(days=1)


def issue_key(label: str, *, by: Any, now: datetime | None = None) -> tuple[DisplayKey, str]:
    """Make a display key: its row and the secret (shown once; only the hash is kept)."""
    now = now or clock.now()
    label = (label or "").strip() or _("Layar acara")
    if len(label) > LABEL_MAX:
        raise ValidationFailed(
            "label_too_long",
            _("Nama layar paling banyak %(n)d karakter.", n=LABEL_MAX),
            details={"field": "label"},
        )
    secret = KEY_PREFIX + secrets.token_urlsafe(24)
    row = DisplayKey(
        label=label,
        key_hash=hash_secret(secret),
        created_at=now,
        expires_at=key_expiry(now),
        created_by_id=getattr(by, "id", None),
    )
    db.session.add(row)
    db.session.flush()
    record_audit(
        "display_key.issue",
        entity_type="display_key",
        entity_id=row.id,
        by=by,
        after={"label": label},
        now=now,
    )
    return row, secret


def revoke_key(key_id: int, *, by: Any, now: datetime | None = None) -> DisplayKey:
    """Revoke a display key at once (its screen falls back to the public slides)."""
    now = now or clock.now()
    row = db.session.get(DisplayKey, key_id)
    if row is None:
        raise NotFound("display_key_not_found", _("Kunci layar tidak ditemukan."))
    if row.revoked_at is None:
        row.revoked_at = now
        db.session.flush()
        record_audit("display_key.revoke", entity_type="display_key", entity_id=row.id, by=by, now=now)
    return row


def list_keys() -> list[DisplayKey]:
    """Every display key, newest first."""
    return list(
        db.session.scalars(select(DisplayKey).order_by(DisplayKey.created_at.desc(), DisplayKey.id.desc()))
    )


def key_is_valid(secret: str | None, now: datetime | None = None) -> bool:
    """True for a known, unrevoked, unexpired display key."""
    if not secret or not secret.startswith(KEY_PREFIX) or len(secret) > 100:
        return False
    row = db.session.scalar(select(DisplayKey).where(DisplayKey.key_hash == hash_secret(secret)))
    return row is not None and row.is_valid(now or clock.now())


def published_winners(event: Event) -> list[dict[str, Any]]:
    """Each published competition of the event with its awarded entries, in award order."""
    comps = db.session.scalars(
        select(Competition)
        .where(Competition.event_id == event.id, Competition.state == CompetitionState.published)
        .order_by(Competition.name)
    ).all()
    slides = []
    order = {a.value: i for i, a in enumerate(Award)}
    for comp in comps:
        snapshot = results.published_snapshot(comp)
        if snapshot is None:
            continue
        rows = [r for r in snapshot.data["entries"] if r.get("award")]
        rows.sort(key=lambda r: (order.get(r["award"], 99), r["rank"]))
        slides.append(
            {
                "competition": comp.name,
                "winners": [
                    {
                        "award": Award.label_of(r["award"]),
                        "team": r["team"],
                        "cooperative": r["cooperative"]["name"],
                    }
                    for r in rows
                ],
            }
        )
    return slides


def screen_data(*, staff: bool = False, now: datetime | None = None) -> dict[str, Any]:
    """What the big screen shows now: today's check-ins per competition and the published winners;
    with `staff`, also expected and missing per competition and the gate's verdicts."""
    now = now or clock.now()
    event = current_event()
    board = dashboard(now=now, recent=0)
    competitions = []
    for row in board.competitions:
        item: dict[str, Any] = {
            "name": row.name,
            "slot": row.slot,
            "place": row.place,
            "checked_in": row.checked_in,
        }
        if staff:
            item.update(expected=row.expected, missing=row.missing, no_shows=row.no_shows)
        competitions.append(item)
    data: dict[str, Any] = {
        "generated_at": now.isoformat(),
        "time": clock.format_time(clock.to_wita(now)),
        "day": board.day.isoformat(),
        "day_label": clock.format_date(board.day),
        "event": event.name if event is not None else None,
        "staff": staff,
        "checked_in": board.checked_in,
        "competitions": competitions,
        "winners": published_winners(event) if event is not None else [],
    }
    if staff:
        data["gate"] = {
            "expected": board.expected,
            "no_shows": board.no_shows,
            "scans": board.scans,
            "open_conflicts": board.open_conflicts,
            "verdicts": [{"label": verdict_label(v), "count": n} for v, n in board.verdicts.items() if n],
        }
    return data
