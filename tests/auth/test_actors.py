"""Who acts for the office and for a cooperative (harkop/auth/actors.py), and the one query for a
cooperative's active pengurus accounts."""

from __future__ import annotations

import pytest
from flask_login import AnonymousUserMixin
from sqlalchemy import select

from harkop.auth.actors import (
    active_representatives,
    acts_for_cooperative,
    acts_for_office,
    has_active_representative,
    is_system_actor,
    require_office,
    role_of,
)
from harkop.auth.models import Role
from harkop.auth.services import TokenPrincipal, deactivate_user
from harkop.cooperatives.models import Cooperative
from harkop.errors import DomainError
from harkop.extensions import db

SYSTEM_ACTORS = ["scheduler", "job:registry_daily", "cli", "seed-demo"]


def principal(role: Role, cooperative_id: int | None = None) -> TokenPrincipal:
    """A bearer token's principal, as the gate's devices authenticate."""
    return TokenPrincipal(7, f"token-{role.value}", "", role, cooperative_id)


@pytest.mark.parametrize("name", SYSTEM_ACTORS)
def test_the_systems_own_processes_act_for_the_office(name):
    """The scheduler, a named job, the CLI and the demo seed all act for the office."""
    assert is_system_actor(name)
    assert acts_for_office(name)
    assert role_of(name) is None


def test_an_admin_account_and_an_admin_token_act_for_the_office(make_user):
    """An `admin` acts for the office whether it comes as a `User` or as a token's principal."""
    assert acts_for_office(make_user("admin"))
    assert acts_for_office(principal(Role.admin))


@pytest.mark.parametrize("role", ["coop_rep", "judge", "checkin_staff"])
def test_other_roles_do_not_act_for_the_office(make_user, role):
    """A pengurus, a judge or a gate clerk never acts for the office, as an account or a token."""
    user = make_user(role)
    assert not acts_for_office(user)
    assert not acts_for_office(principal(Role(role), user.cooperative_id))


@pytest.mark.parametrize(
    "visitor", [None, AnonymousUserMixin(), "", "   "], ids=["none", "anon", "empty", "blank"]
)
def test_a_visitor_acts_for_nobody(visitor):
    """No one (None, Flask-Login's anonymous user, an empty name) acts for the office or a cooperative."""
    assert not acts_for_office(visitor)
    assert not acts_for_cooperative(visitor, 1)
    assert role_of(visitor) is None


def test_a_pengurus_acts_for_their_own_cooperative_only(make_user, make_cooperative):
    """A `coop_rep` acts for their cooperative and not another; the same holds for their token."""
    rep = make_user("coop_rep")
    other = make_cooperative()
    assert acts_for_cooperative(rep, rep.cooperative_id)
    assert not acts_for_cooperative(rep, other.id)
    assert acts_for_cooperative(principal(Role.coop_rep, rep.cooperative_id), rep.cooperative_id)
    assert not acts_for_cooperative(principal(Role.coop_rep, rep.cooperative_id), other.id)


def test_the_office_acts_for_every_cooperative_and_others_for_none(make_user, make_cooperative):
    """The office (an admin, the scheduler) acts for any cooperative; a judge or clerk for none."""
    coop = make_cooperative()
    assert acts_for_cooperative(make_user("admin"), coop.id)
    assert acts_for_cooperative("scheduler", coop.id)
    assert not acts_for_cooperative(make_user("judge"), coop.id)
    assert not acts_for_cooperative(make_user("checkin_staff"), coop.id)


def test_a_role_given_as_text_is_read_like_the_enum():
    """An actor whose role is plain text ("admin") is read as the `Role` it names; unknown text as none."""

    class Plain:
        def __init__(self, role: str) -> None:
            self.role = role

    assert role_of(Plain("admin")) == Role.admin and acts_for_office(Plain("admin"))
    assert role_of(Plain("superuser")) is None and not acts_for_office(Plain("superuser"))


def test_every_domain_gives_the_scheduler_the_offices_answer(make_user):
    """The scheduler sees a draft competition, may read and act on entries and may monitor judging,
    exactly like an admin; a pengurus may do none of it (the domains once answered differently)."""
    from harkop.competitions.models import CompetitionState
    from harkop.competitions.services import visible_competition
    from harkop.judging.services import can_monitor
    from harkop.registrations import services as registrations
    from tests.competitions.factories import make_competition

    draft = make_competition(state=CompetitionState.draft)
    rep = make_user("coop_rep")
    for actor, allowed in (("scheduler", True), (make_user("admin"), True), (rep, False)):
        if allowed:
            assert visible_competition(draft.id, user=actor) is draft
            require_office(actor)
        else:
            with pytest.raises(DomainError) as hidden:
                visible_competition(draft.id, user=actor)
            assert hidden.value.code == "competition_not_found"
            with pytest.raises(DomainError) as refused:
                require_office(actor)
            assert refused.value.code == "forbidden"
        assert registrations.can_read_entries(actor, draft) is allowed
        assert can_monitor(actor, draft) is allowed
    assert acts_for_cooperative("scheduler", rep.cooperative_id)


# --------------------------------------------------------------------------- active pengurus


def test_active_representatives_are_the_active_pengurus_of_each_cooperative(make_user, make_cooperative):
    """Only active `coop_rep` accounts count, grouped by cooperative, oldest account first; a
    cooperative without one is absent."""
    coop, empty, other = make_cooperative(), make_cooperative(), make_cooperative()
    first = make_user("coop_rep", cooperative=coop)
    second = make_user("coop_rep", cooperative=coop)
    gone = make_user("coop_rep", cooperative=coop)
    deactivate_user(gone, by="test")
    elsewhere = make_user("coop_rep", cooperative=other)
    make_user("admin")
    make_user("judge")
    db.session.commit()

    found = active_representatives([coop.id, empty.id, other.id])

    assert found == {coop.id: [first, second], other.id: [elsewhere]}
    assert active_representatives([]) == {}


def test_active_representatives_take_any_number_of_cooperatives(make_user, make_cooperative):
    """More ids than one statement's batch (and repeats, and a generator) still find every pengurus."""
    coop = make_cooperative()
    rep = make_user("coop_rep", cooperative=coop)
    ids = [*range(10**8, 10**8 + 2500), coop.id, coop.id]
    assert active_representatives(i for i in ids) == {coop.id: [rep]}


def test_has_active_representative_filters_cooperatives_in_sql(make_user, make_cooperative):
    """The SQL condition keeps cooperatives with an active pengurus and drops the rest."""
    with_rep, without, lapsed = make_cooperative(), make_cooperative(), make_cooperative()
    make_user("coop_rep", cooperative=with_rep)
    deactivate_user(make_user("coop_rep", cooperative=lapsed), by="test")
    db.session.commit()
    ids = [with_rep.id, without.id, lapsed.id]
    kept = db.session.scalars(
        select(Cooperative.id).where(Cooperative.id.in_(ids), has_active_representative(Cooperative.id))
    ).all()
    assert kept == [with_rep.id]
