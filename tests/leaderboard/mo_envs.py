"""Two tiny multi-objective envs for the board's tests, registered under test-only ids.

``TestTwoGoals-v0`` (single-agent, MO-Gymnasium's protocol): five steps, each paying
``[1, 0]`` for action 0 or ``[0, 1]`` for action 1, so every return lies on the line
``a + b = 5``. ``TestTwoGoalsTeam-v0`` (a MOMAland-style ParallelEnv): two agents, each paid
the same way for its own action.
"""

from __future__ import annotations

from typing import Any, ClassVar

import gymnasium as gym
import numpy as np
from gymnasium import spaces
from pettingzoo import ParallelEnv

from rlbench_suite import registry

SINGLE_ID = "rlbench/TestTwoGoals-v0"
TEAM_ID = "rlbench/TestTwoGoalsTeam-v0"
HORIZON = 5
REWARD_SPACE = spaces.Box(0.0, 1.0, shape=(2,), dtype=np.float32)


def _reward(action: int) -> np.ndarray:
    return np.array([1.0, 0.0] if int(action) == 0 else [0.0, 1.0], dtype=np.float32)


class TwoGoalsEnv(gym.Env):
    """Two objectives; action 0 serves the first, action 1 the second."""

    metadata: ClassVar[dict[str, Any]] = {"render_modes": []}

    def __init__(self, render_mode: str | None = None) -> None:
        self.render_mode = render_mode
        self.observation_space = spaces.Box(0.0, 1.0, shape=(1,), dtype=np.float32)
        self.action_space = spaces.Discrete(2)
        self.reward_space = REWARD_SPACE
        self.reward_dim = 2
        self.steps = 0

    def reset(self, *, seed: int | None = None, options: dict[str, Any] | None = None):
        """Start an episode."""
        super().reset(seed=seed)
        self.steps = 0
        return np.zeros(1, dtype=np.float32), {}

    def step(self, action: int):
        """Pay the objective the action serves."""
        self.steps += 1
        observation = np.array([self.steps / HORIZON], dtype=np.float32)
        return observation, _reward(action), False, self.steps >= HORIZON, {}


class TwoGoalsTeamEnv(ParallelEnv):
    """Two agents, each paid a two-objective reward for its own action."""

    metadata: ClassVar[dict[str, Any]] = {"name": "two_goals_team_v0"}

    def __init__(self, render_mode: str | None = None) -> None:
        self.render_mode = render_mode
        self.possible_agents = ["agent_0", "agent_1"]
        self.agents: list[str] = []
        self.reward_dim = 2
        self.steps = 0

    def observation_space(self, agent: str) -> spaces.Box:
        """One agent's observation: the share of the episode gone."""
        return spaces.Box(0.0, 1.0, shape=(1,), dtype=np.float32)

    def action_space(self, agent: str) -> spaces.Discrete:
        """Which objective to serve."""
        return spaces.Discrete(2)

    def reward_space(self, agent: str) -> spaces.Box:
        """Every reward lies in [0, 1]^2."""
        return REWARD_SPACE

    def reset(self, seed: int | None = None, options: dict[str, Any] | None = None):
        """Start an episode."""
        self.agents = list(self.possible_agents)
        self.steps = 0
        return {agent: np.zeros(1, dtype=np.float32) for agent in self.agents}, {
            agent: {} for agent in self.agents
        }

    def step(self, actions: dict[str, int]):
        """Pay each agent for its own action."""
        self.steps += 1
        done = self.steps >= HORIZON
        observations = {
            agent: np.array([self.steps / HORIZON], dtype=np.float32) for agent in self.agents
        }
        rewards = {agent: _reward(actions[agent]) for agent in self.agents}
        flags = dict.fromkeys(self.agents, False)
        truncations = dict.fromkeys(self.agents, done)
        infos: dict[str, dict[str, Any]] = {agent: {} for agent in self.agents}
        if done:
            self.agents = []
        return observations, rewards, flags, truncations, infos


def register() -> None:
    """Add both ids to the catalogue (and the single-agent one to Gymnasium)."""
    common = {
        "family": "test",
        "objectives": ("first", "second"),
        "observation_kind": "vector",
        "anchor": "test",
        "agents": ("random",),
        "expert_agent": "random",
        "return_bounds": (0.0, float(HORIZON)),
        "reference_point": (-1.0, -1.0),
    }
    registry.register_env(
        registry.EnvCard(
            id=SINGLE_ID, entry_point=f"{__name__}:TwoGoalsEnv", multi_agent=False, **common
        )
    )
    registry.register_env(
        registry.EnvCard(
            id=TEAM_ID, entry_point=f"{__name__}:TwoGoalsTeamEnv", multi_agent=True, **common
        )
    )


def unregister() -> None:
    """Remove both ids again."""
    for env_id in (SINGLE_ID, TEAM_ID):
        registry._CATALOGUE.pop(env_id, None)
    gym.registry.pop(SINGLE_ID, None)
