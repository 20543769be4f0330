"""MDP-family evaluation: score an agent on instances drawn from an env's parameter family.

One default instance says little about how a policy generalises (Jayawardana et al., "The Impact
of Task Underspecification in Evaluating Deep RL", NeurIPS 2022). Each EnvCard carries an
:class:`~rlbench_suite.registry.MDPFamily`; this module evaluates an agent on ``K`` instances
from its in-distribution split and ``K`` from its held-out split, beside the default instance.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from rlbench_suite.registry import SPLITS, Split, env_card
from rlbench_suite.scoring.evaluate import (
    EvaluationResult,
    evaluate,
    mean_confidence_halfwidth,
)


@dataclass(frozen=True)
class FamilyEvaluation:
    """An agent's results on the default instance and on sampled instances of each split."""

    env_id: str
    agent: str
    default: EvaluationResult
    instances: dict[Split, tuple[EvaluationResult, ...]]

    def split_means(self, split: Split) -> np.ndarray:
        """Mean return of every instance of ``split``, shape (num_instances,)."""
        return np.array([result.mean_return for result in self.instances[split]])

    def summary(self) -> dict[str, dict[str, float | None]]:
        """Mean return and 95% interval (over instances) for the default and each split."""
        rows: dict[str, dict[str, float | None]] = {
            "default": {"mean_return": self.default.mean_return, "ci95": _finite(self.default.ci95)}
        }
        for split in self.instances:
            means = self.split_means(split)
            rows[split] = {
                "mean_return": float(means.mean()),
                "ci95": _finite(mean_confidence_halfwidth(means)),
            }
        return rows

    def to_json(self) -> dict[str, Any]:
        """Summary plus every instance's parameters and episodes."""
        return {
            "env_id": self.env_id,
            "agent": self.agent,
            "summary": self.summary(),
            "default": self.default.to_json(),
            "instances": {
                split: [result.to_json() for result in results]
                for split, results in self.instances.items()
            },
        }


def _finite(value: float) -> float | None:
    return None if np.isnan(value) else float(value)


def evaluate_family(
    agent: str,
    env_id: str,
    num_instances: int = 5,
    episodes_per_instance: int = 5,
    seed: int = 0,
    on_episode: Callable[[object], None] | None = None,
) -> FamilyEvaluation:
    """Evaluate ``agent`` on the default instance and on ``num_instances`` per split.

    Instances come from ``MDPFamily.sample(num_instances, split, seed)``; every instance is run
    for ``episodes_per_instance`` episodes seeded ``seed, seed + 1, ...``, so the same arguments
    give the same numbers. The agent is built afresh for each instance, so model-based experts
    (Whittle, myopic, PID) plan with that instance's parameters.
    """
    card = env_card(env_id)
    if card.mdp_family is None:
        raise ValueError(f"{card.id} has no MDP family on its EnvCard")
    if num_instances < 1 or episodes_per_instance < 1:
        raise ValueError(
            "num_instances and episodes_per_instance must be >= 1, "
            f"got {num_instances} and {episodes_per_instance}"
        )
    default = evaluate(
        agent, card.id, n_episodes=episodes_per_instance, seed=seed, on_episode=on_episode
    )
    instances = {
        split: tuple(
            evaluate(
                agent,
                card.id,
                n_episodes=episodes_per_instance,
                seed=seed,
                env_kwargs=kwargs,
                on_episode=on_episode,
            )
            for kwargs in card.mdp_family.sample(num_instances, split, seed)
        )
        for split in SPLITS
    }
    return FamilyEvaluation(card.id, default.agent, default, instances)
