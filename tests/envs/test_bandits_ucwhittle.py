"""RMAB-UCWhittle and the ``arm_generator`` option: UCWhittle's own arms and defaults."""

from __future__ import annotations

import gymnasium as gym
import numpy as np
import pytest

import rlbench_suite
from rlbench_suite.agents.bandits import WhittleIndexAgent
from rlbench_suite.envs.bandits.two_state import (
    TwoStateRMABEnv,
    sample_two_state_transitions,
    sample_ucwhittle_transitions,
)
from rlbench_suite.envs.bandits.ucwhittle import UCWhittleRMABEnv

UCWHITTLE = "rlbench/RMAB-UCWhittle-v0"
# (bad, passive), (bad, active), (good, passive), (good, active)
UCWHITTLE_MEANS = (0.50, 0.75, 0.75, 0.90)
SORTED_UNIFORM_MEANS = (0.20, 0.50, 0.50, 0.80)


def mean_p_good(transitions: np.ndarray) -> np.ndarray:
    """Mean P(next = good) per (state, action), in the order of UCWHITTLE_MEANS."""
    return transitions[..., 1].reshape(-1, 4).mean(axis=0)


def test_ucwhittle_generator_has_the_anchors_means() -> None:
    """UCWhittle's arms average P(good) 0.50/0.75/0.75/0.90, the sorted draw 0.20/0.50/0.50/0.80."""
    rng = np.random.default_rng(0)
    ucwhittle = mean_p_good(sample_ucwhittle_transitions(rng, 40_000))
    sorted_uniform = mean_p_good(sample_two_state_transitions(rng, 40_000))
    np.testing.assert_allclose(ucwhittle, UCWHITTLE_MEANS, atol=0.01)
    np.testing.assert_allclose(sorted_uniform, SORTED_UNIFORM_MEANS, atol=0.01)


def test_ucwhittle_arms_keep_the_anchors_repairs_and_its_flaw() -> None:
    """The good state always helps, acting helps when bad; 1 arm in 8 is hurt by acting if good."""
    p_good = sample_ucwhittle_transitions(np.random.default_rng(1), 40_000)[..., 1]
    assert np.all(p_good[:, 1, :] >= p_good[:, 0, :])  # the second pass's guarantee
    assert np.all(p_good[:, 0, 1] >= p_good[:, 0, 0])  # the bad row is never touched again
    acting_hurts_when_good = np.mean(p_good[:, 1, 1] < p_good[:, 1, 0])
    assert 0.10 < acting_hurts_when_good < 0.15
    assert np.allclose(sample_ucwhittle_transitions(np.random.default_rng(1), 5).sum(-1), 1.0)


def test_registered_id_has_ucwhittles_defaults() -> None:
    """gym.make builds 8 arms, budget 3, 20-step episodes, planning discount 0.9."""
    env = gym.make(UCWHITTLE)
    model = env.unwrapped
    assert (model.num_arms, model.budget, model.horizon) == (8, 3, 20)
    assert model.planning_discount == 0.9 and model.arm_generator == "ucwhittle"
    env.reset(seed=0)
    steps = 0
    truncated = False
    while not truncated:
        _, _, _, truncated, _ = env.step(np.zeros(8, dtype=np.int8))
        steps += 1
    assert steps == 20


def test_option_and_id_draw_the_same_arms() -> None:
    """TwoState with arm_generator='ucwhittle' draws what the UCWhittle id draws, seed for seed."""
    option = TwoStateRMABEnv(num_arms=8, instance_seed=4, arm_generator="ucwhittle")
    np.testing.assert_array_equal(option.transitions, UCWhittleRMABEnv(instance_seed=4).transitions)


def test_two_state_v0_keeps_its_sorted_uniform_arms() -> None:
    """The v0 id's default instance is still the sorted-uniform draw of instance seed 0."""
    model = gym.make("rlbench/RMAB-TwoState-v0").unwrapped
    assert model.arm_generator == "sorted_uniform"
    np.testing.assert_array_equal(
        model.transitions, sample_two_state_transitions(np.random.default_rng(0), 10)
    )


def test_whittle_plans_at_the_settings_discount() -> None:
    """Whittle's expert uses 0.9 on the UCWhittle id and keeps 0.95 on TwoState-v0."""
    assert WhittleIndexAgent(gym.make(UCWHITTLE)).discount == 0.9
    assert WhittleIndexAgent(gym.make("rlbench/RMAB-TwoState-v0")).discount == 0.95
    assert WhittleIndexAgent(gym.make(UCWHITTLE), discount=0.5).discount == 0.5


def test_unknown_arm_generator_is_named() -> None:
    """A misspelt generator raises a ValueError listing the choices."""
    with pytest.raises(ValueError, match=r"TwoStateRMABEnv: arm_generator must be one of"):
        TwoStateRMABEnv(arm_generator="uniform")


def test_card_says_which_setting_the_references_use() -> None:
    """Both cards name the arms and the discount their references were measured with."""
    assert "N=8, B=3, H=20" in rlbench_suite.env_card(UCWHITTLE).summary
    assert "discount 0.9" in rlbench_suite.env_card(UCWHITTLE).summary
    assert "discount 0.95" in rlbench_suite.env_card("rlbench/RMAB-TwoState-v0").summary
    assert rlbench_suite.env_card(UCWHITTLE).return_bounds == (0.0, 160.0)
