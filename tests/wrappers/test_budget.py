"""TopKBudget: continuous priorities to a feasible binary action."""

from __future__ import annotations

import gymnasium as gym
import numpy as np
import pytest

import rlbench_suite  # noqa: F401
from rlbench_suite.testing import check_bad_actions, check_gymnasium_api
from rlbench_suite.wrappers import TopKBudget


def test_every_box_action_becomes_a_feasible_env_action() -> None:
    """Random priorities always map to exactly `budget` arms and the env accepts them."""
    env = TopKBudget(gym.make("rlbench/RMAB-TwoState-v0", num_arms=20, budget=4))
    env.reset(seed=0)
    env.action_space.seed(0)
    for _ in range(50):
        priorities = env.action_space.sample()
        binary = env.action(priorities)
        assert binary.sum() == 4 and set(np.flatnonzero(binary)) == set(np.argsort(-priorities)[:4])
        env.step(priorities)


def test_wrapped_env_passes_the_api_and_bad_action_checks() -> None:
    """The wrapped env passes Gymnasium's checker and rejects NaN / wrong shapes clearly."""
    make = lambda **kw: TopKBudget(gym.make("rlbench/RMAB-ARMMAN-v0", **kw))  # noqa: E731
    check_gymnasium_api(make)
    check_bad_actions(make)


def test_refuses_envs_without_a_binary_action() -> None:
    """Wrapping a non-MultiBinary env raises TypeError naming the space."""
    with pytest.raises(TypeError, match="MultiBinary"):
        TopKBudget(gym.make("CartPole-v1"))
