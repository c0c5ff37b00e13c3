"""Password rules (issue 17, item 5): at least ten characters, not common, not the username."""

from __future__ import annotations

import pytest

from harkop.auth import services
from harkop.auth.passwords import common_passwords, password_problem


@pytest.mark.parametrize(
    ("password", "code"),
    [
        ("12345678", "password_too_short"),
        ("pendek-9c", "password_too_short"),
        ("1234567890", "password_common"),
        ("Password123", "password_common"),
        ("qwertyuiop", "password_common"),
        ("budi.santoso-2024", "password_has_username"),
    ],
)
def test_weak_passwords_are_refused_with_their_reason(password, code):
    """Is each weak password refused with the code that says why?"""
    assert password_problem(password, username="budi.santoso") == code


def test_the_demo_and_test_passwords_are_accepted():
    """The demo's `harkop2024` passes for every demo account (it holds none of their usernames)."""
    for username in ("admin", "pengurus", "juri", "petugas"):
        assert password_problem("harkop2024", username=username) is None


def test_the_bundled_list_is_large_and_read_locally():
    """The common-password list ships with Harkop (no network) and holds thousands of entries."""
    passwords = common_passwords()
    assert len(passwords) > 19_000 and "password" in passwords


def test_the_cli_refuses_an_eight_character_admin_password(runner):
    """Reproduction: `create-user --password 12345678` was accepted for an admin. Refused now?"""
    result = runner.invoke(
        args=["harkop", "create-user", "--role", "admin", "--username", "kepala", "--password", "12345678"]
    )
    assert result.exit_code != 0
    assert "minimal 10 karakter" in result.output


def test_a_service_refusal_names_the_password_field():
    """The refusal is a coded 422 naming the password field (pages show it next to the field)."""
    with pytest.raises(services.ValidationFailed) as err:
        services.create_user(username="kepala2", role="admin", password="kepala2-rahasia")
    assert err.value.code == "password_has_username" and err.value.details == {"field": "password"}
