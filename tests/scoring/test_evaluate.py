"""The evaluation loop on multi-agent and multi-objective envs, and its domain metrics."""

from __future__ import annotations

import gymnasium as gym
import numpy as np
import pytest

from rlbench_suite import registry
from rlbench_suite.scoring import evaluate


def test_multi_agent_random_records_team_and_per_agent_returns() -> None:
    """On MultiQuadHover the team return is the sum of the drones' returns, reproducibly."""
    first = evaluate("random", "rlbench/MultiQuadHover-v0", n_episodes=2, seed=3)
    assert first.to_json() == evaluate("random", "rlbench/MultiQuadHover-v0", 2, seed=3).to_json()
    for record in first.records:
        assert set(record.agent_returns) == {"drone_0", "drone_1"}
        assert record.episode_return == pytest.approx(sum(record.agent_returns.values()))
        assert "drone_0/crashed" in record.metrics


def test_multi_agent_per_agent_policies_are_called_per_agent() -> None:
    """A {agent: callable} mapping acts for each drone from its own observation."""
    seen: dict[str, int] = {"drone_0": 0, "drone_1": 0}

    def hover_for(name: str):
        def policy(observation: np.ndarray) -> np.ndarray:
            seen[name] += 1
            return np.zeros(4, dtype=np.float32)

        return policy

    result = evaluate(
        {name: hover_for(name) for name in seen}, "rlbench/MultiQuadHover-v0", n_episodes=1
    )
    assert seen["drone_0"] == seen["drone_1"] == result.records[0].length


def test_multi_agent_named_agents_act_for_every_drone() -> None:
    """'expert' on MultiQuadHover is its per-drone PID; an agent not on its card is refused."""
    result = evaluate("expert", "rlbench/MultiQuadHover-v0", n_episodes=1)
    assert result.agent == "pid" and result.returns[0] > 900
    payload = result.to_json()
    assert set(payload["agent_mean_return"]) == {"drone_0", "drone_1"}
    assert payload["objectives"] == ["reward"]
    with pytest.raises(ValueError, match="has no agent 'whittle'; its agents are"):
        evaluate("whittle", "rlbench/MultiQuadHover-v0", n_episodes=1)


def test_domain_metrics_come_from_the_last_info() -> None:
    """QuadTrajectory's position RMSE and crash flag land in each record's metrics."""
    result = evaluate("pid", "rlbench/QuadTrajectory-v0", n_episodes=1)
    metrics = result.records[0].metrics
    assert 0 < metrics["position_rmse"] < 0.1 and metrics["crashed"] == 0.0
    assert result.to_json()["episodes"][0]["metrics"] == metrics


@pytest.fixture
def deep_sea_treasure_id():
    """MO-Gymnasium's Deep Sea Treasure, registered for the test and removed after."""
    card = registry.EnvCard(
        id="rlbench/TestDeepSeaTreasure-v0",
        family="test",
        entry_point="mo_gymnasium.envs.deep_sea_treasure.deep_sea_treasure:DeepSeaTreasure",
        multi_agent=False,
        objectives=("treasure", "time"),
        observation_kind="vector",
        anchor="MO-Gymnasium",
        agents=("random",),
        expert_agent="random",
    )
    registry.register_env(card, max_episode_steps=20)
    yield card.id
    del registry._CATALOGUE[card.id]
    del gym.registry[card.id]


@pytest.mark.filterwarnings("ignore:.*precision lowered:UserWarning")  # inside MO-Gymnasium's env
def test_vector_rewards_give_vector_returns_means_and_intervals(deep_sea_treasure_id) -> None:
    """A two-objective env yields (treasure, time) returns, means and intervals per objective."""
    result = evaluate("random", deep_sea_treasure_id, n_episodes=4)
    assert result.returns.shape == (4, 2)
    assert np.allclose(result.mean_return, result.returns.mean(axis=0))
    payload = result.to_json()
    assert len(payload["mean_return"]) == 2 and len(payload["ci95"]) == 2
    assert payload["objectives"] == ["treasure", "time"]
    assert all(len(episode["return"]) == 2 for episode in payload["episodes"])
    assert all(episode["return"][1] < 0 for episode in payload["episodes"]), "time costs -1/step"
