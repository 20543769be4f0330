"""The one evaluation loop: run an agent on an env for seeded episodes and record what happened."""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

import gymnasium as gym
import numpy as np
from scipy import stats

from rlbench_suite.agents import Agent, make_agent
from rlbench_suite.registry import env_card

AGENT_STREAM = 0xA6E7  # spawn key that separates the agent's random stream from the env's


@dataclass(frozen=True)
class EpisodeRecord:
    """One episode: the seed it was reset with, its undiscounted return and its length."""

    seed: int
    episode_return: float
    length: int

    def to_json(self) -> dict[str, Any]:
        """The record as ``{seed, return, length}``."""
        return {"seed": self.seed, "return": self.episode_return, "length": self.length}


@dataclass(frozen=True)
class EvaluationResult:
    """Per-episode records of one agent on one env, with the mean and its 95% interval."""

    env_id: str
    agent: str
    records: tuple[EpisodeRecord, ...]
    env_kwargs: dict[str, Any] = field(default_factory=dict)

    @property
    def returns(self) -> np.ndarray:
        """Episode returns in seed order, shape (num_episodes,)."""
        return np.array([record.episode_return for record in self.records], dtype=float)

    @property
    def mean_return(self) -> float:
        """Mean episode return."""
        return float(self.returns.mean())

    @property
    def ci95(self) -> float:
        """Half-width of the Student-t 95% confidence interval of the mean (nan for one episode)."""
        return mean_confidence_halfwidth(self.returns)

    def to_json(self) -> dict[str, Any]:
        """The contract of ``rlbench evaluate --json``."""
        return {
            "env_id": self.env_id,
            "agent": self.agent,
            "env_kwargs": self.env_kwargs,
            "episodes": [record.to_json() for record in self.records],
            "mean_return": self.mean_return,
            "ci95": None if math.isnan(self.ci95) else self.ci95,
        }


def mean_confidence_halfwidth(values: np.ndarray, confidence: float = 0.95) -> float:
    """Half-width of the Student-t interval of the mean of ``values``."""
    values = np.asarray(values, dtype=float)
    if values.size < 2:
        return float("nan")
    spread = values.std(ddof=1) / math.sqrt(values.size)
    return float(stats.t.ppf(0.5 + confidence / 2, values.size - 1) * spread)


def agent_seed(episode_seed: int) -> int:
    """The agent's seed for an episode: derived from, but not equal to, the env's seed.

    Seeding both with the same integer would hand the agent and the env the very same random
    stream (Gymnasium and ``default_rng`` both build PCG64 from it), correlating a random agent's
    choices with the env's transitions.
    """
    return int(np.random.SeedSequence([episode_seed, AGENT_STREAM]).generate_state(1)[0])


class _CallableAgent:
    """Adapts a plain ``f(observation) -> action`` to the Agent protocol."""

    def __init__(self, policy: Callable[[Any], Any]) -> None:
        self.policy = policy

    def reset(self, seed: int | None = None) -> None:
        """Plain callables carry no seedable state."""

    def act(self, observation: Any) -> Any:
        """Call the wrapped function."""
        return self.policy(observation)


def evaluate(
    agent: str | Agent | Callable[[Any], Any],
    env_id: str,
    n_episodes: int = 10,
    seed: int = 0,
    env_kwargs: dict[str, Any] | None = None,
    seeds: Iterable[int] | None = None,
    on_episode: Callable[[EpisodeRecord], None] | None = None,
) -> EvaluationResult:
    """Run ``agent`` on ``env_id`` and return per-episode records.

    Episode ``i`` is reset with ``seeds[i]`` (default ``seed + i``) and the agent with a seed
    derived from it, so equal arguments give equal records. ``agent`` is an agent name
    (``"random"``, ``"expert"``, ``"whittle"``, ...), an object with ``reset``/``act``, or a
    plain callable. ``on_episode`` is called after every episode (progress bars use it).
    """
    card = env_card(env_id)
    if card.multi_agent:
        raise NotImplementedError(f"{card.id} is multi-agent; evaluate() runs single-agent envs")
    episode_seeds = list(seeds) if seeds is not None else [seed + i for i in range(n_episodes)]
    if not episode_seeds:
        raise ValueError("evaluate needs at least one episode")
    env_kwargs = dict(env_kwargs or {})
    env = gym.make(card.id, **env_kwargs)
    if isinstance(agent, str):
        policy = make_agent(agent, env)
        agent_name = card.expert_agent if agent == "expert" else agent
    elif isinstance(agent, Agent):
        agent_name, policy = type(agent).__name__, agent
    elif callable(agent):
        agent_name, policy = getattr(agent, "__name__", "callable"), _CallableAgent(agent)
    else:
        raise TypeError(f"agent must be a name, an Agent or a callable, got {type(agent).__name__}")
    records = []
    try:
        for episode_seed in episode_seeds:
            record = _run_episode(env, policy, int(episode_seed))
            records.append(record)
            if on_episode is not None:
                on_episode(record)
    finally:
        env.close()
    return EvaluationResult(card.id, agent_name, tuple(records), env_kwargs)


def _run_episode(env: gym.Env, policy: Agent, episode_seed: int) -> EpisodeRecord:
    observation, _ = env.reset(seed=episode_seed)
    policy.reset(seed=agent_seed(episode_seed))
    episode_return, length, done = 0.0, 0, False
    while not done:
        observation, reward, terminated, truncated, _ = env.step(policy.act(observation))
        episode_return += float(reward)
        length += 1
        done = terminated or truncated
    return EpisodeRecord(episode_seed, episode_return, length)
