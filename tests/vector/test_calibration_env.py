"""rlbench/CartPole-v1: Gymnasium's cart-pole under the suite's conformance rules."""

from __future__ import annotations

import gymnasium as gym
import numpy as np
import pytest

import rlbench_suite
import rlbench_suite.envs.calibration
from rlbench_suite import testing

CARTPOLE = "rlbench/CartPole-v1"


@pytest.mark.parametrize("check", sorted(testing.SINGLE_AGENT_CHECKS))
def test_cartpole_passes_the_conformance_checks(check: str) -> None:
    """Each public single-agent check passes (bad actions raise naming the env, not asserting)."""
    testing.SINGLE_AGENT_CHECKS[check](CARTPOLE)


def test_card_describes_a_calibration_env_with_a_kernel() -> None:
    """The card: calibration family, random agent, a native kernel, 500-step episodes."""
    card = rlbench_suite.env_card(CARTPOLE)
    assert card.family == "calibration" and card.native_kernel
    assert card.agents == ("random", "balance") and card.expert_agent == "balance"
    assert gym.spec(CARTPOLE).max_episode_steps == 500


def test_mdp_family_changes_the_pole_and_the_kernel_follows() -> None:
    """A held-out instance has a longer pole, and the native path simulates that pole."""
    family = rlbench_suite.env_card(CARTPOLE).mdp_family
    (held_out,) = family.sample(1, "held_out", seed=0)
    assert 0.7 <= held_out["length"] <= 1.0
    python_env = gym.make(CARTPOLE, **held_out).unwrapped
    assert python_env.polemass_length == pytest.approx(python_env.masspole * held_out["length"])
    default, longer = (gym.make_vec(CARTPOLE, num_envs=2, **kwargs) for kwargs in ({}, held_out))
    first, second = default.reset(seed=0)[0], longer.reset(seed=0)[0]
    assert np.array_equal(first, second), "same seed, same start"
    actions = np.ones(2, dtype=np.int64)
    assert not np.array_equal(default.step(actions)[0], longer.step(actions)[0])
    with pytest.raises(ValueError, match="length must be a positive number"):
        gym.make(CARTPOLE, length=0.0)
