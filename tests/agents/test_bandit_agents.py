"""Reference agents of the bandit family, and building agents by name."""

from __future__ import annotations

import gymnasium as gym
import numpy as np
import pytest

import rlbench_suite  # noqa: F401
from rlbench_suite.agents import RandomAgent, make_agent
from rlbench_suite.agents.bandits import MyopicAgent, SamplingAgent, WhittleIndexAgent
from rlbench_suite.scoring import evaluate


def test_myopic_acts_on_the_arms_with_the_largest_one_step_gain() -> None:
    """The MILP myopic action equals the top-B arms by expected one-step gain."""
    env = gym.make("rlbench/RMAB-TwoState-v0", num_arms=12, budget=4)
    observation, _ = env.reset(seed=3)
    gain, _ = env.unwrapped.one_step_objective(observation)
    action = MyopicAgent(env).act(observation)
    assert action.sum() == 4
    assert set(np.flatnonzero(action)) == set(np.argsort(-gain)[:4])


def test_whittle_skips_arms_whose_index_is_not_positive() -> None:
    """On circulant arms in state 3 (acting only hurts) Whittle acts on nobody."""
    env = gym.make("rlbench/RMAB-Circulant-v0", num_arms=6, budget=3)
    agent = WhittleIndexAgent(env)
    assert agent.act(np.full(6, 3)).sum() == 0
    assert agent.act(np.array([2, 2, 2, 2, 3, 3])).sum() == 3


def test_sampling_agent_returns_feasible_actions_reproducibly() -> None:
    """Best-of-K sampling stays in budget and repeats itself under the same seed."""
    env = gym.make("rlbench/RMAB-ARMMAN-v0")
    observation, _ = env.reset(seed=0)
    agent = SamplingAgent(env, num_samples=20)
    agent.reset(5)
    first = agent.act(observation)
    agent.reset(5)
    assert np.array_equal(first, agent.act(observation))
    assert env.unwrapped.constraint_violation(first) is None


def test_random_agent_on_a_constrained_env_is_feasible() -> None:
    """The random agent draws feasible actions where the env has constraints."""
    env = gym.make("rlbench/RMAB-TwoState-v0", num_arms=10, budget=3)
    agent = RandomAgent(env)
    agent.reset(0)
    assert all(agent.act(None).sum() == 3 for _ in range(20))


def test_whittle_beats_random_on_two_state_arms() -> None:
    """Over 10 seeded episodes Whittle's mean return is well above random's."""
    whittle = evaluate("whittle", "rlbench/RMAB-TwoState-v0", n_episodes=10)
    random = evaluate("random", "rlbench/RMAB-TwoState-v0", n_episodes=10)
    assert whittle.mean_return - whittle.ci95 > random.mean_return + random.ci95


def test_expert_resolves_to_the_cards_expert() -> None:
    """'expert' builds the agent named on the EnvCard."""
    env = gym.make("rlbench/RMAB-ARMMAN-v0")
    assert isinstance(make_agent("expert", env), WhittleIndexAgent)


def test_unknown_or_unsupported_agent_names_list_the_choices() -> None:
    """A wrong agent name raises ValueError listing the env's agents."""
    env = gym.make("rlbench/RMAB-TwoState-v0")
    with pytest.raises(ValueError, match=r"has no agent 'ppo'; its agents are \['random'"):
        make_agent("ppo", env)
