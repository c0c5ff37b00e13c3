"""`flask harkop create-user` and `create-token`."""

from sqlalchemy import select

from harkop.auth.models import Role, User, UserAffiliation
from harkop.auth.services import user_for_token
from harkop.extensions import db


def test_create_user_with_token_prints_the_token_last(runner):
    """--token prints a working bearer token alone on the last line."""
    result = runner.invoke(
        args=["harkop", "create-user", "--role", "checkin_staff", "--username", "gate1", "--token"]
    )
    assert result.exit_code == 0, result.output
    token = result.output.strip().splitlines()[-1]
    assert token.startswith("hk_") and " " not in token
    assert user_for_token(token).username == "gate1"


def test_create_coop_rep_tied_to_its_cooperative(runner, make_cooperative):
    """--cooperative ties a coop_rep to the cooperative with that NIK."""
    coop = make_cooperative()
    result = runner.invoke(
        args=[
            "harkop",
            "create-user",
            "--role",
            "coop_rep",
            "--username",
            "ketua1",
            "--password",
            "rahasia123",
            "--cooperative",
            coop.nik,
        ]
    )
    assert result.exit_code == 0, result.output
    user = db.session.scalar(select(User).where(User.username == "ketua1"))
    assert user.role == Role.coop_rep and user.cooperative_id == coop.id


def test_create_judge_with_affiliations(runner, make_cooperative):
    """--affiliation records a judge's conflicts of interest."""
    a, b = make_cooperative(), make_cooperative()
    result = runner.invoke(
        args=[
            "harkop",
            "create-user",
            "--role",
            "judge",
            "--username",
            "juri9",
            "--affiliation",
            a.nik,
            "--affiliation",
            b.nik,
        ]
    )
    assert result.exit_code == 0, result.output
    user = db.session.scalar(select(User).where(User.username == "juri9"))
    assert {
        x.cooperative_id
        for x in db.session.scalars(select(UserAffiliation).where(UserAffiliation.user_id == user.id))
    } == {a.id, b.id}
    assert "password:" in result.output


def test_create_user_refuses_an_unknown_cooperative(runner):
    """An unknown NIK is a coded CLI error and nothing is created."""
    result = runner.invoke(
        args=[
            "harkop",
            "create-user",
            "--role",
            "coop_rep",
            "--username",
            "x1y",
            "--cooperative",
            "1111111111111111",
        ]
    )
    assert result.exit_code != 0 and "cooperative_not_found" in result.output
    assert db.session.scalar(select(User).where(User.username == "x1y")) is None


def test_create_user_checks_and_normalises_the_email(runner):
    """Is a bad --email a coded CLI error creating nothing, and a good one stored normalised?"""
    args = ["harkop", "create-user", "--role", "judge", "--username"]
    result = runner.invoke(args=[*args, "juri.surel", "--email", "juri@harkop"])
    assert result.exit_code != 0 and "invalid_email" in result.output
    assert db.session.scalar(select(User).where(User.username == "juri.surel")) is None
    result = runner.invoke(args=[*args, "juri.surel", "--email", " Juri.Surel@Koperasi.ID "])
    assert result.exit_code == 0, result.output
    user = db.session.scalar(select(User).where(User.username == "juri.surel"))
    assert user.email == "Juri.Surel@koperasi.id"


def test_create_token_for_existing_user(runner, make_user):
    """create-token prints a new token alone on the last line."""
    user = make_user("judge")
    result = runner.invoke(args=["harkop", "create-token", user.username])
    assert result.exit_code == 0
    assert user_for_token(result.output.strip().splitlines()[-1]).id == user.id


def test_create_token_for_unknown_user_fails(runner):
    """An unknown username is refused with its code."""
    result = runner.invoke(args=["harkop", "create-token", "siapa"])
    assert result.exit_code != 0 and "user_not_found" in result.output


def test_seed_demo_is_idempotent_and_prints_logins(runner):
    """seed-demo can run twice and prints one login per role."""
    first = runner.invoke(args=["harkop", "seed-demo"])
    second = runner.invoke(args=["harkop", "seed-demo"])
    assert first.exit_code == 0 and second.exit_code == 0
    for name in ("admin", "pengurus", "juri", "petugas"):
        assert name in second.output
    assert db.session.scalar(select(db.func.count(User.id)).where(User.username == "admin")) == 1
