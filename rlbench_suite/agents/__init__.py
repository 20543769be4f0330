"""Reference agents that need no training: random, heuristics and experts per env.

An agent is anything with ``reset(seed)`` and ``act(observation) -> action``. Agents are built
by name for an env with :func:`make_agent`; the names an env supports are on its EnvCard
(``env_card(id).agents``), and ``"expert"`` resolves to the card's ``expert_agent``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Protocol, runtime_checkable

import gymnasium as gym
import numpy as np

from rlbench_suite.registry import env_card


@runtime_checkable
class Agent(Protocol):
    """A policy the scoring harness can run: seeded per episode, one action per observation."""

    def reset(self, seed: int | None = None) -> None:
        """Start an episode; ``seed`` makes any internal randomness reproducible."""

    def act(self, observation: Any) -> Any:
        """The action for ``observation``."""


class RandomAgent:
    """Uniform random actions; random feasible ones where the env has constraints."""

    def __init__(self, env: gym.Env) -> None:
        self.env = env.unwrapped
        self.action_space = env.action_space
        self._sample_feasible = getattr(self.env, "sample_feasible_action", None)
        self.reset(None)

    def reset(self, seed: int | None = None) -> None:
        """Reseed the sampler."""
        self.rng = np.random.default_rng(seed)
        self.action_space.seed(None if seed is None else int(self.rng.integers(2**31)))

    def act(self, observation: Any) -> Any:
        """A random (feasible) action; the observation is ignored."""
        if self._sample_feasible is not None:
            return self._sample_feasible(self.rng)
        return self.action_space.sample()


AgentFactory = Callable[[gym.Env], Agent]


def _bandit_factories() -> dict[str, AgentFactory]:
    from rlbench_suite.agents import bandits

    return {
        "myopic": bandits.MyopicAgent,
        "sampling": bandits.SamplingAgent,
        "whittle": bandits.WhittleIndexAgent,
    }


def _uav_factories() -> dict[str, AgentFactory]:
    from rlbench_suite.agents import uav

    return {
        "pid": uav.PIDAgent,
        "pid_robust": uav.AttackAwareAgent,
        "geometric": uav.GeometricAgent,
    }


def _calibration_factories() -> dict[str, AgentFactory]:
    from rlbench_suite.agents import calibration

    return {"balance": calibration.PoleBalanceAgent}


def _language_factories() -> dict[str, AgentFactory]:
    from rlbench_suite.agents.language import language_factories

    return language_factories()


def _trading_factories() -> dict[str, AgentFactory]:
    from rlbench_suite.agents.trading import trading_factories

    return trading_factories()


def _moma_factories() -> dict[str, AgentFactory]:
    from rlbench_suite.agents.moma import moma_factories

    return moma_factories()


def agent_factories() -> dict[str, AgentFactory]:
    """Every named agent the suite knows, by name (a family's agents load on first use)."""
    return {
        "random": RandomAgent,
        **_bandit_factories(),
        **_uav_factories(),
        **_calibration_factories(),
        **_language_factories(),
        **_trading_factories(),
        **_moma_factories(),
    }


def make_agent(name: str, env: gym.Env) -> Agent:
    """Build the agent ``name`` (or ``"expert"``) for ``env``, a ``gym.make`` result."""
    spec = getattr(env, "spec", None)
    card = env_card(spec.id) if spec is not None else None
    if name == "expert":
        if card is None:
            raise ValueError("'expert' needs an env built with gym.make from a registered id")
        name = card.expert_agent
    if card is not None and name not in card.agents:
        raise ValueError(f"{card.id} has no agent {name!r}; its agents are {list(card.agents)}")
    factories = agent_factories()
    if name not in factories:
        raise ValueError(f"unknown agent {name!r}; known agents are {sorted(factories)}")
    return factories[name](env)
