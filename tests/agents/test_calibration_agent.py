"""The calibration family's expert balances the pole."""

from __future__ import annotations

import gymnasium as gym
import pytest

import rlbench_suite  # noqa: F401
from rlbench_suite.agents.calibration import PoleBalanceAgent
from rlbench_suite.scoring import evaluate


def test_balance_agent_holds_the_pole_for_the_whole_episode() -> None:
    """The PD expert reaches CartPole-v1's 500-step cap on every seed."""
    result = evaluate("expert", "rlbench/CartPole-v1", n_episodes=5)
    assert result.agent == "balance"
    assert [record.episode_return for record in result.records] == [500.0] * 5


def test_balance_agent_refuses_other_observations() -> None:
    """Built for a non-cart-pole env, the agent says what it needs."""
    with pytest.raises(TypeError, match="4-D cart-pole state"):
        PoleBalanceAgent(gym.make("rlbench/RMAB-TwoState-v0"))
