"""Fixtures for the baseline tests: the test-only multi-objective env."""

from __future__ import annotations

from collections.abc import Iterator

import pytest


@pytest.fixture
def two_goals() -> Iterator[tuple[str, str]]:
    """The test-only multi-objective ids (single-agent, team), registered for one test."""
    from tests.leaderboard import mo_envs

    mo_envs.register()
    yield mo_envs.SINGLE_ID, mo_envs.TEAM_ID
    mo_envs.unregister()
