"""The benchmark's family aggregates: experts pool by role, partial agents stay out."""

from __future__ import annotations

from typing import Any

import numpy as np

import rlbench_suite
from rlbench_suite.baselines.benchmark import family_score_matrices


def fake_submission(env_id: str, agent: str, at: str) -> dict[str, Any]:
    """Three runs whose mean return sits at the env's zero anchor or its expert reference."""
    references = rlbench_suite.env_card(env_id).references
    value = references.expert if at == "expert" else references.zero_anchor
    return {
        "env": {"id": env_id, "kwargs": {}},
        "algorithm": {"name": agent, "kind": "reference", "agent": agent},
        "runs": [{"seed": seed, "returns": [value] * 10} for seed in range(3)],
    }


def test_experts_with_different_names_pool_into_one_row_per_family() -> None:
    """Whittle (RMAB) and myopic (CoRMAB) are both 'expert'; an agent on one env is left out."""
    submissions = [
        fake_submission("rlbench/RMAB-TwoState-v0", "whittle", "expert"),
        fake_submission("rlbench/CoRMAB-MultiIntervention-v0", "myopic", "expert"),
        fake_submission("rlbench/RMAB-TwoState-v0", "random", "zero"),
        fake_submission("rlbench/CoRMAB-MultiIntervention-v0", "random", "zero"),
        fake_submission("rlbench/RMAB-TwoState-v0", "sampling", "zero"),
    ]
    matrices = family_score_matrices(submissions)
    assert set(matrices) == {"bandits"}
    assert set(matrices["bandits"]) == {"expert", "random"}
    np.testing.assert_allclose(matrices["bandits"]["expert"], np.full((3, 2), 100.0))
    np.testing.assert_allclose(matrices["bandits"]["random"], np.zeros((3, 2)), atol=1e-9)
