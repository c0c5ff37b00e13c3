"""Fixtures of the registrations tests: the registry's facts, under the test's control."""

import pytest

from tests.competitions.factories import FakeRegistry


@pytest.fixture
def registry(monkeypatch) -> FakeRegistry:
    """Every cooperative is eligible unless `registry.set(coop, is_active=False, ...)` says otherwise."""
    return FakeRegistry().install(monkeypatch)
