"""Reference-agent baselines: every registered env, random and expert, through the harness."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from rlbench_suite.registry import env_card, list_envs
from rlbench_suite.scoring.evaluate import EvaluationResult, evaluate


@dataclass(frozen=True)
class BenchmarkRow:
    """One env's results: an evaluation per agent, and normalised scores where references exist."""

    env_id: str
    results: dict[str, EvaluationResult]

    def normalised(self, agent: str) -> float | None:
        """Mean return of ``agent`` on the 0 = zero anchor, 100 = expert scale of the EnvCard."""
        references = env_card(self.env_id).references
        if references is None or not references.usable:
            return None
        return float(references.normalise(self.results[agent].mean_return))

    def to_json(self) -> dict[str, Any]:
        """Row as JSON: per agent the mean, its 95% interval, normalised score and episodes.

        On multi-objective envs the mean and the interval are lists, one entry per objective.
        """
        return {
            "env_id": self.env_id,
            "agents": {
                name: {
                    "agent": result.agent,
                    "mean_return": _plain(result.mean_return),
                    "ci95": _plain(result.ci95),
                    "normalised_score": self.normalised(name),
                    "episodes": [record.to_json() for record in result.records],
                }
                for name, result in self.results.items()
            },
        }


def run_reference_benchmark(
    env_ids: Sequence[str] | None = None,
    agents: Sequence[str] | None = ("random", "expert"),
    episodes: int = 5,
    seed: int = 0,
    on_episode: Callable[[str, str], None] | None = None,
) -> list[BenchmarkRow]:
    """Evaluate ``agents`` on every single-agent env (or ``env_ids``) for ``episodes`` each.

    ``agents=None`` runs every agent each env's card names. An agent an env does not support is
    left out of that env's row. ``on_episode(env_id, agent)`` is called after each episode, for
    progress display.
    """
    ids = list(env_ids) if env_ids is not None else list_envs(multi_agent=False)
    rows = []
    for env_id in ids:
        results = {}
        for agent in agents_for(env_id, agents):

            def tick(_record: object, env_id: str = env_id, agent: str = agent) -> None:
                if on_episode is not None:
                    on_episode(env_id, agent)

            results[agent] = evaluate(
                agent, env_id, n_episodes=episodes, seed=seed, on_episode=tick
            )
        rows.append(BenchmarkRow(env_id, results))
    return rows


def agents_for(env_id: str, agents: Sequence[str] | None) -> list[str]:
    """The requested agents that ``env_id`` supports (all of its card's agents for None)."""
    card = env_card(env_id)
    if agents is None:
        return list(card.agents)
    return [agent for agent in agents if agent == "expert" or agent in card.agents]


#: Run ``s`` of a reference agent plays episodes seeded ``s * EPISODES_PER_RUN_SEED + i``, so
#: seeds are disjoint blocks of episodes (a reference agent has nothing to train per seed).
EPISODES_PER_RUN_SEED = 1000


def run_episode_seeds(seed: int, episodes: int) -> list[int]:
    """The episode seeds of a reference agent's run ``seed``."""
    if episodes > EPISODES_PER_RUN_SEED:
        raise ValueError(f"at most {EPISODES_PER_RUN_SEED} episodes per run, got {episodes}")
    return [seed * EPISODES_PER_RUN_SEED + index for index in range(episodes)]


def reference_submission(
    env_id: str,
    agent: str,
    seeds: Sequence[int] = (0, 1, 2),
    episodes: int = 10,
    name: str | None = None,
    on_episode: Callable[[], None] | None = None,
) -> dict[str, Any]:
    """A leaderboard submission for the reference agent ``agent`` on ``env_id``.

    ``agent`` may be ``"expert"``; the submission names the agent it resolves to, so that
    ``rlbench leaderboard verify`` re-runs the same one even if the card's expert changes.
    """
    import rlbench_suite
    from rlbench_suite.leaderboard.submission import Run, build_submission, submission_name

    card = env_card(env_id)
    resolved = card.expert_agent if agent == "expert" else agent
    runs = []
    for seed in seeds:
        result = evaluate(
            resolved,
            env_id,
            seeds=run_episode_seeds(seed, episodes),
            on_episode=None if on_episode is None else (lambda _record: on_episode()),
        )
        runs.append(
            Run(
                seed=seed,
                episode_seeds=[record.seed for record in result.records],
                returns=[record.episode_return for record in result.records],
            )
        )
    return build_submission(
        name=name or submission_name(resolved, env_id),
        env_id=env_id,
        algorithm={
            "name": resolved,
            "kind": "reference",
            "agent": resolved,
            "version": rlbench_suite.__version__,
            "hyperparameters": {},
        },
        runs=runs,
        training_timesteps=0,
        deterministic=True,
    )


def _plain(value: float | np.ndarray) -> float | list[float | None] | None:
    """A mean or interval as JSON: a float, or a list for a vector; NaN (one episode) as None."""
    if np.ndim(value):
        return [_plain(float(part)) for part in np.asarray(value)]
    return None if value != value else float(value)
