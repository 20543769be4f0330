"""Submissions for the leaderboard tests: a real reference run, built once per session."""

from __future__ import annotations

from typing import Any

import pytest

from rlbench_suite.baselines.reference import reference_submission

ENV_ID = "rlbench/RMAB-TwoState-v0"


@pytest.fixture(scope="session")
def whittle_submission() -> dict[str, Any]:
    """Whittle on RMAB-TwoState: 3 seeds x 10 episodes, as `rlbench benchmark` writes it."""
    return reference_submission(ENV_ID, "whittle", seeds=(0, 1, 2), episodes=10)
