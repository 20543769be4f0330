"""Submissions for the leaderboard tests: a real reference run, built once per session."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from rlbench_suite.baselines.reference import reference_submission

ENV_ID = "rlbench/RMAB-TwoState-v0"


@pytest.fixture(scope="session")
def whittle_submission() -> dict[str, Any]:
    """Whittle on RMAB-TwoState: 3 seeds x 10 episodes, as `rlbench benchmark` writes it."""
    return reference_submission(ENV_ID, "whittle", seeds=(0, 1, 2), episodes=10)


@pytest.fixture
def two_goals() -> Iterator[tuple[str, str]]:
    """The test-only multi-objective ids (single-agent, team), registered for one test."""
    from tests.leaderboard import mo_envs

    mo_envs.register()
    yield mo_envs.SINGLE_ID, mo_envs.TEAM_ID
    mo_envs.unregister()
