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
from rlbench_suite.registry import env_card, make_multiagent

AGENT_STREAM = 0xA6E7  # spawn key that separates the agent's random stream from the env's


Return = float | tuple[float, ...]  # a scalar, or one entry per objective


@dataclass(frozen=True)
class EpisodeRecord:
    """One episode: its seed, undiscounted return, length and the env's domain metrics.

    ``episode_return`` is a tuple for multi-objective envs (one entry per objective) and, for
    multi-agent envs, the team's return (the sum over agents), with each agent's own return in
    ``agent_returns`` (a vector per agent on multi-objective multi-agent envs). ``metrics``
    holds the numeric entries of the episode's last ``info`` (crash flags, tracking error,
    PnL, ...).
    """

    seed: int
    episode_return: Return
    length: int
    metrics: dict[str, float] = field(default_factory=dict)
    agent_returns: dict[str, Return] | None = None

    def to_json(self) -> dict[str, Any]:
        """The record as ``{seed, return, length, metrics[, agent_returns]}``."""
        record: dict[str, Any] = {
            "seed": self.seed,
            "return": _json_return(self.episode_return),
            "length": self.length,
            "metrics": self.metrics,
        }
        if self.agent_returns is not None:
            record["agent_returns"] = {
                agent: _json_return(value) for agent, value in self.agent_returns.items()
            }
        return record


def _json_return(value: Return) -> float | list[float]:
    return list(value) if isinstance(value, tuple) else value


def _as_return(total: np.ndarray) -> Return:
    return float(total) if total.ndim == 0 else tuple(float(entry) for entry in total)


@dataclass(frozen=True)
class EvaluationResult:
    """Per-episode records of one agent on one env, with the mean and its 95% interval."""

    env_id: str
    agent: str
    records: tuple[EpisodeRecord, ...]
    env_kwargs: dict[str, Any] = field(default_factory=dict)
    #: The card's objective names, one per entry of a vector return (``("reward",)`` if scalar).
    objectives: tuple[str, ...] = ()

    @property
    def returns(self) -> np.ndarray:
        """Episode returns in seed order: (num_episodes,), or (num_episodes, num_objectives)."""
        return np.array([record.episode_return for record in self.records], dtype=float)

    @property
    def mean_return(self) -> Any:
        """Mean episode return: a float, or an array with one entry per objective."""
        mean = self.returns.mean(axis=0)
        return float(mean) if mean.ndim == 0 else mean

    @property
    def ci95(self) -> Any:
        """Half-width of the Student-t 95% interval of the mean (nan for one episode)."""
        return mean_confidence_halfwidth(self.returns)

    @property
    def agent_returns(self) -> dict[str, np.ndarray] | None:
        """Each agent's episode returns in seed order (multi-agent envs), else None."""
        if not self.records or self.records[0].agent_returns is None:
            return None
        names = list(self.records[0].agent_returns)
        return {
            name: np.array([record.agent_returns[name] for record in self.records], dtype=float)
            for name in names
        }

    def to_json(self) -> dict[str, Any]:
        """The contract of ``rlbench evaluate --json``.

        ``objectives`` names the entries of a vector return; on a multi-agent env,
        ``agent_mean_return`` and ``agent_ci95`` give each agent's own mean and interval
        beside the team's (``mean_return``, the sum over agents).
        """
        mean, ci95 = self.mean_return, self.ci95
        payload = {
            "env_id": self.env_id,
            "agent": self.agent,
            "env_kwargs": self.env_kwargs,
            "objectives": list(self.objectives),
            "episodes": [record.to_json() for record in self.records],
            "mean_return": _json_mean(mean),
            "ci95": _json_interval(ci95),
        }
        per_agent = self.agent_returns
        if per_agent is not None:
            payload["agent_mean_return"] = {
                name: _json_mean(returns.mean(axis=0)) for name, returns in per_agent.items()
            }
            payload["agent_ci95"] = {
                name: _json_interval(mean_confidence_halfwidth(returns))
                for name, returns in per_agent.items()
            }
        return payload


def _json_mean(mean: Any) -> Any:
    array = np.asarray(mean, dtype=float)
    return float(array) if array.ndim == 0 else array.tolist()


def _json_interval(ci95: Any) -> Any:
    if isinstance(ci95, np.ndarray):
        return [None if math.isnan(value) else float(value) for value in ci95]
    return None if math.isnan(ci95) else ci95


def mean_confidence_halfwidth(values: np.ndarray, confidence: float = 0.95) -> Any:
    """Half-width of the Student-t interval of the mean of ``values`` along its first axis.

    A float for a 1-D sample, an array (one per column) for a 2-D one; nan for one sample.
    """
    values = np.asarray(values, dtype=float)
    count = values.shape[0] if values.ndim else 1
    if count < 2:
        return float("nan") if values.ndim <= 1 else np.full(values.shape[1:], np.nan)
    spread = values.std(axis=0, ddof=1) / math.sqrt(count)
    halfwidth = stats.t.ppf(0.5 + confidence / 2, count - 1) * spread
    return float(halfwidth) if np.ndim(halfwidth) == 0 else halfwidth


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
    plain callable. On a multi-agent id (built with :func:`make_multiagent`) a named agent
    acts for every agent at once (``act(observations: dict) -> dict``), and ``agent`` may also
    be a mapping ``{agent: policy}``; each record then holds the team return (the sum over
    agents) and every agent's own. ``on_episode`` is called after every episode (progress bars
    use it).
    """
    card = env_card(env_id)
    episode_seeds = list(seeds) if seeds is not None else [seed + i for i in range(n_episodes)]
    if not episode_seeds:
        raise ValueError("evaluate needs at least one episode")
    env_kwargs = dict(env_kwargs or {})
    if card.multi_agent:
        env = make_multiagent(card.id, **env_kwargs)
        agent_name, policy = _multiagent_policy(agent, env, card.id)
        run_episode: Callable[[Any, Agent, int], EpisodeRecord] = _run_multiagent_episode
    else:
        env = gym.make(card.id, **env_kwargs)
        agent_name, policy = _single_agent_policy(agent, env, card.expert_agent)
        run_episode = _run_episode
    records = []
    try:
        for episode_seed in episode_seeds:
            record = run_episode(env, policy, int(episode_seed))
            records.append(record)
            if on_episode is not None:
                on_episode(record)
    finally:
        env.close()
    return EvaluationResult(card.id, agent_name, tuple(records), env_kwargs, card.objectives)


def _single_agent_policy(agent: Any, env: gym.Env, expert_agent: str) -> tuple[str, Agent]:
    if isinstance(agent, str):
        return (expert_agent if agent == "expert" else agent), make_agent(agent, env)
    if isinstance(agent, Agent):
        return type(agent).__name__, agent
    if callable(agent):
        return getattr(agent, "__name__", "callable"), _CallableAgent(agent)
    raise TypeError(f"agent must be a name, an Agent or a callable, got {type(agent).__name__}")


class _PerAgentPolicies:
    """A mapping ``{agent: policy}`` acting as one joint policy."""

    def __init__(self, policies: dict[str, Agent]) -> None:
        self.policies = policies

    def reset(self, seed: int | None = None) -> None:
        """Reset every agent's policy with a seed of its own."""
        for offset, policy in enumerate(self.policies.values()):
            policy.reset(None if seed is None else seed + offset)

    def act(self, observations: dict[str, Any]) -> dict[str, Any]:
        """Each agent's policy on its own observation."""
        missing = sorted(set(observations) - set(self.policies))
        if missing:
            raise KeyError(f"no policy for agents {missing}")
        return {name: self.policies[name].act(obs) for name, obs in observations.items()}


def _multiagent_policy(agent: Any, env: Any, env_id: str) -> tuple[str, Agent]:
    from rlbench_suite.agents.multiagent import make_multiagent_agent

    if isinstance(agent, str):
        name = env_card(env_id).expert_agent if agent == "expert" else agent
        return name, make_multiagent_agent(name, env, env_id)
    if isinstance(agent, dict):
        policies = {
            name: policy if isinstance(policy, Agent) else _CallableAgent(policy)
            for name, policy in agent.items()
        }
        return "per-agent", _PerAgentPolicies(policies)
    return _single_agent_policy(agent, env, "")


def _numeric_metrics(info: dict[str, Any]) -> dict[str, float]:
    """The scalar numbers (and flags) of an info dict: the env's domain metrics."""
    return {
        key: float(value)
        for key, value in info.items()
        if isinstance(value, bool | int | float | np.number) and not isinstance(value, np.ndarray)
    }


def _run_episode(env: gym.Env, policy: Agent, episode_seed: int) -> EpisodeRecord:
    observation, info = env.reset(seed=episode_seed)
    policy.reset(seed=agent_seed(episode_seed))
    total: np.ndarray = np.zeros(())
    length, done = 0, False
    while not done:
        observation, reward, terminated, truncated, info = env.step(policy.act(observation))
        total = total + np.asarray(reward, dtype=float)
        length += 1
        done = terminated or truncated
    return EpisodeRecord(episode_seed, _as_return(total), length, _numeric_metrics(info))


def _run_multiagent_episode(env: Any, policy: Agent, episode_seed: int) -> EpisodeRecord:
    observations, infos = env.reset(seed=episode_seed)
    policy.reset(seed=agent_seed(episode_seed))
    totals = {name: np.zeros(()) for name in env.possible_agents}
    length = 0
    last_infos = infos
    while env.agents:
        observations, rewards, _, _, infos = env.step(policy.act(observations))
        for name, reward in rewards.items():
            totals[name] = totals[name] + np.asarray(reward, dtype=float)
        last_infos = infos or last_infos
        length += 1
    team_total = sum(totals.values(), start=np.zeros(()))
    metrics = {
        f"{name}/{key}": value
        for name, info in last_infos.items()
        for key, value in _numeric_metrics(info).items()
    }
    return EpisodeRecord(
        episode_seed,
        _as_return(np.asarray(team_total)),
        length,
        metrics,
        {name: _as_return(total) for name, total in totals.items()},
    )
