"""Reference-agent baselines: every registered env, random and expert, through the harness."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from rlbench_suite.registry import env_card, list_envs
from rlbench_suite.scoring.evaluate import EvaluationResult, evaluate


@dataclass(frozen=True)
class BenchmarkRow:
    """One env's results: an evaluation per agent, and normalised scores where references exist."""

    env_id: str
    results: dict[str, EvaluationResult]

    def normalised(self, agent: str) -> float | None:
        """Mean return of ``agent`` on the 0 = random, 100 = expert scale of the EnvCard."""
        references = env_card(self.env_id).references
        if references is None or references.expert == references.random:
            return None
        return float(references.normalise(self.results[agent].mean_return))

    def to_json(self) -> dict[str, Any]:
        """Row as JSON: per agent the mean, its 95% interval, normalised score and episodes."""
        return {
            "env_id": self.env_id,
            "agents": {
                name: {
                    "agent": result.agent,
                    "mean_return": result.mean_return,
                    "ci95": None if result.ci95 != result.ci95 else result.ci95,
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
