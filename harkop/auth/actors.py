"""Who acts, and for whom: the office, a cooperative's pengurus, and the system's own processes.

A service names its actor `by` (or `user`, `viewer`). The actor is one of:

- a `User` (a browser session) or a `TokenPrincipal` (a device's bearer token): both answer
  `role`, `id` and `cooperative_id`;
- a plain string naming a process the deployment runs itself: `"scheduler"` (the job process:
  opening and closing registration windows, promoting waiting lists, publishing results at the
  time the office set), `"job:<name>"`, `"cli"`, `"seed-demo"`. No request ever acts as a
  string: pages and the API always act as the logged-in account;
- None or Flask-Login's anonymous user: a visitor.

The system's processes act for the office: the office scheduled the publication, set the
registration window and runs the command line, so what they do is the office's doing. Every
"may the office do this?" question is `acts_for_office`; no module keeps its own answer.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import ColumnElement, Exists, and_, exists, select

from ..errors import Forbidden
from ..extensions import db
from .models import Role, User

# SQLite allows at most 32766 bound values in one statement; ids go in batches well below that.
_BATCH = 1000


def is_system_actor(actor: Any) -> bool:
    """True for a process the deployment runs itself (the scheduler, a job, the CLI, the demo seed)."""
    return isinstance(actor, str) and bool(actor.strip())


def role_of(actor: Any) -> Role | None:
    """The actor's role; None for a visitor and for a system process."""
    role = getattr(actor, "role", None)
    if role is None:
        return None
    try:
        return Role(getattr(role, "value", role))
    except ValueError:
        return None


def acts_for_office(actor: Any) -> bool:
    """True for the Dinas office: an `admin` account or token, or one of the system's own processes."""
    return is_system_actor(actor) or role_of(actor) == Role.admin


def require_office(actor: Any) -> None:
    """Refuse with 403 `forbidden` unless the actor acts for the office."""
    if not acts_for_office(actor):
        raise Forbidden("forbidden", _("Hanya Admin Dinas yang dapat melakukan ini."))


def acts_for_cooperative(actor: Any, cooperative_id: int | None) -> bool:
    """True for the office, or for a pengurus (`coop_rep`) of this very cooperative."""
    if acts_for_office(actor):
        return True
    return (
        cooperative_id is not None
        and role_of(actor) == Role.coop_rep
        and getattr(actor, "cooperative_id", None) == cooperative_id
    )


def _active_representative() -> ColumnElement[bool]:
    return and_(User.role == Role.coop_rep, User.active.is_(True))


def active_representatives(cooperative_ids: Iterable[int]) -> dict[int, list[User]]:
    """The active pengurus accounts of each cooperative, oldest account first.

    A cooperative without one is absent from the answer. These are the people told about
    their cooperative's entries, results, proposals and warning letters.
    """
    ids = sorted({i for i in cooperative_ids if i is not None})
    found: dict[int, list[User]] = {}
    for start in range(0, len(ids), _BATCH):
        users = db.session.scalars(
            select(User)
            .where(_active_representative(), User.cooperative_id.in_(ids[start : start + _BATCH]))
            .order_by(User.id)
        )
        for user in users:
            found.setdefault(user.cooperative_id, []).append(user)
    return found


def has_active_representative(cooperative_id: Any) -> Exists:
    """A SQL condition: the cooperative (an id column or value) has an active pengurus account."""
    return exists().where(User.cooperative_id == cooperative_id, _active_representative())
