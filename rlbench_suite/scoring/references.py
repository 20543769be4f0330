"""Reference scores: measure an env's zero anchor and expert, store them, check for drift.

The stored numbers anchor every normalised score: 0 is the best of the random agent and the
trivial policies of :mod:`rlbench_suite.agents.trivial` (constant actions), 100 the expert.
They live in each family's ``data/references.json`` and are reproduced by
``rlbench references --check``, which fails when a re-measured mean leaves the stored 95%
interval, the sign that an env or an agent changed behaviour without a version bump.

Multi-objective envs have no normalised score: their references
(:class:`MultiObjectiveReferences`) are every card agent's mean return vector with its 95%
interval, kept in the family's ``data/mo_references.json``.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from rlbench_suite.files import write_atomically
from rlbench_suite.registry import EnvCard, ReferenceScores, env_card
from rlbench_suite.scoring.evaluate import EvaluationResult, evaluate

REFERENCE_EPISODES = 50
REFERENCE_SEED = 0


def measure_references(
    env_id: str,
    episodes: int = REFERENCE_EPISODES,
    seed: int = REFERENCE_SEED,
    on_episode: Callable[[object], None] | None = None,
) -> ReferenceScores:
    """Evaluate random, every trivial policy and the card's expert on the default instance."""
    import gymnasium as gym

    from rlbench_suite.agents.trivial import trivial_policies

    card = env_card(env_id)
    random_run = evaluate("random", card.id, n_episodes=episodes, seed=seed, on_episode=on_episode)
    expert_run = evaluate(
        card.expert_agent, card.id, n_episodes=episodes, seed=seed, on_episode=on_episode
    )
    env = gym.make(card.id)
    try:
        policies = trivial_policies(env)
    finally:
        env.close()
    trivial = {
        name: evaluate(
            policy, card.id, n_episodes=episodes, seed=seed, on_episode=on_episode
        ).mean_return
        for name, policy in policies.items()
    }
    zero_agent, zero = max([("random", random_run.mean_return), *trivial.items()], key=_second)
    return ReferenceScores(
        random=random_run.mean_return,
        expert=expert_run.mean_return,
        expert_agent=card.expert_agent,
        episodes=episodes,
        seed=seed,
        random_ci95=_finite(random_run),
        expert_ci95=_finite(expert_run),
        source=(
            f"rlbench references --write: random, {len(trivial)} trivial policies and "
            f"{card.expert_agent}, {episodes} episodes each, seeds {seed}..{seed + episodes - 1}"
        ),
        zero=zero,
        zero_agent=zero_agent,
        trivial=tuple(sorted(trivial.items())),
    )


def trivial_policy_count(env_id: str) -> int:
    """How many trivial policies :func:`measure_references` plays on ``env_id``."""
    import gymnasium as gym

    from rlbench_suite.agents.trivial import trivial_actions

    env = gym.make(env_card(env_id).id)
    try:
        return len(trivial_actions(env))
    finally:
        env.close()


def _second(pair: tuple[str, float]) -> float:
    return pair[1]


def _finite(result: EvaluationResult) -> float:
    return 0.0 if math.isnan(result.ci95) else result.ci95


def references_path(card: EnvCard) -> Path:
    """The ``references.json`` of the card's family."""
    import importlib

    family_module = importlib.import_module(f"rlbench_suite.envs.{card.family}")
    return Path(family_module.__file__).parent / "data" / "references.json"


def write_references(scores: dict[str, ReferenceScores]) -> list[Path]:
    """Merge ``scores`` into their families' reference files; returns the files written."""
    written = []
    by_file: dict[Path, dict[str, ReferenceScores]] = {}
    for env_id, score in scores.items():
        by_file.setdefault(references_path(env_card(env_id)), {})[env_id] = score
    for path, entries in by_file.items():
        existing = json.loads(path.read_text()) if path.exists() else {}
        existing.update({env_id: score.to_json() for env_id, score in entries.items()})
        write_atomically(
            path, (json.dumps(dict(sorted(existing.items())), indent=2) + "\n").encode()
        )
        written.append(path)
    return written


def reference_drift(stored: ReferenceScores, measured: ReferenceScores) -> list[str]:
    """Human-readable drifts: a measured mean outside the stored mean +- its 95% interval."""
    problems = []
    for agent in ("random", "expert"):
        old, new = getattr(stored, agent), getattr(measured, agent)
        tolerance = max(getattr(stored, f"{agent}_ci95"), 1e-9 * max(1.0, abs(old)))
        if abs(new - old) > tolerance:
            problems.append(f"{agent}: stored {old:.4f} +- {tolerance:.4f}, measured {new:.4f}")
    # The zero anchor is a mean of the same seeds, so it replays to the last digits.
    old_zero, new_zero = stored.zero_anchor, measured.zero_anchor
    if stored.zero_agent != measured.zero_agent or abs(new_zero - old_zero) > 1e-6 * max(
        1.0, abs(old_zero)
    ):
        problems.append(
            f"zero anchor: stored {stored.zero_agent} {old_zero:.4f}, "
            f"measured {measured.zero_agent} {new_zero:.4f}"
        )
    return problems


# -- Multi-objective envs ----------------------------------------------------------------------

MO_REFERENCES_FILE = "mo_references.json"


@dataclass(frozen=True)
class MultiObjectiveReferences:
    """A multi-objective env's references: each agent's mean return vector with its 95% CIs.

    A vector return has no zero anchor and no expert's 100, so there is no normalised score;
    these are what the card, ``rlbench info`` and the board show beside the fronts. On a
    multi-agent id the vectors are the team's returns (the sum over agents). They live in the
    family's ``data/mo_references.json``, apart from the scalar ``references.json`` whose
    readers expect :class:`~rlbench_suite.registry.ReferenceScores`.
    """

    objectives: tuple[str, ...]
    #: Per agent name: (mean per objective, 95% half-width per objective).
    agents: Mapping[str, tuple[tuple[float, ...], tuple[float, ...]]]
    expert_agent: str
    episodes: int
    seed: int
    source: str

    def to_json(self) -> dict[str, Any]:
        """The record as stored in ``mo_references.json``."""
        return {
            "objectives": list(self.objectives),
            "agents": {
                name: {"mean": list(mean), "ci95": list(ci95)}
                for name, (mean, ci95) in sorted(self.agents.items())
            },
            "expert_agent": self.expert_agent,
            "episodes": self.episodes,
            "seed": self.seed,
            "source": self.source,
        }

    @classmethod
    def from_json(cls, stored: Mapping[str, Any]) -> MultiObjectiveReferences:
        """A record read back from ``mo_references.json``."""
        return cls(
            objectives=tuple(stored["objectives"]),
            agents={
                name: (tuple(values["mean"]), tuple(values["ci95"]))
                for name, values in stored["agents"].items()
            },
            expert_agent=stored["expert_agent"],
            episodes=int(stored["episodes"]),
            seed=int(stored["seed"]),
            source=stored["source"],
        )


def measure_mo_references(
    env_id: str,
    episodes: int = REFERENCE_EPISODES,
    seed: int = REFERENCE_SEED,
    on_episode: Callable[[object], None] | None = None,
) -> MultiObjectiveReferences:
    """Every agent of a multi-objective env's card, ``episodes`` from ``seed`` each."""
    card = env_card(env_id)
    if card.reward_dim < 2:
        raise ValueError(f"{card.id} has one objective: measure it with measure_references")
    agents = {}
    for name in card.agents:
        result = evaluate(name, card.id, n_episodes=episodes, seed=seed, on_episode=on_episode)
        halfwidth = np.nan_to_num(np.atleast_1d(result.ci95), nan=0.0)
        agents[name] = (
            tuple(float(value) for value in np.atleast_1d(result.mean_return)),
            tuple(float(value) for value in halfwidth),
        )
    return MultiObjectiveReferences(
        objectives=card.objectives,
        agents=agents,
        expert_agent=card.expert_agent,
        episodes=episodes,
        seed=seed,
        source=(
            f"rlbench references --write: {', '.join(card.agents)}, {episodes} episodes each, "
            f"seeds {seed}..{seed + episodes - 1}"
        ),
    )


def mo_references_path(card: EnvCard) -> Path:
    """The ``mo_references.json`` of the card's family."""
    return references_path(card).with_name(MO_REFERENCES_FILE)


def load_mo_references(env_id: str) -> MultiObjectiveReferences | None:
    """The stored references of the multi-objective ``env_id``, or None."""
    card = env_card(env_id)
    path = mo_references_path(card)
    if not path.exists():
        return None
    stored = json.loads(path.read_text()).get(card.id)
    return None if stored is None else MultiObjectiveReferences.from_json(stored)


def write_mo_references(scores: Mapping[str, MultiObjectiveReferences]) -> list[Path]:
    """Merge ``scores`` into their families' ``mo_references.json``; returns the files."""
    by_file: dict[Path, dict[str, MultiObjectiveReferences]] = {}
    for env_id, score in scores.items():
        by_file.setdefault(mo_references_path(env_card(env_id)), {})[env_id] = score
    for path, entries in by_file.items():
        existing = json.loads(path.read_text()) if path.exists() else {}
        existing.update({env_id: score.to_json() for env_id, score in entries.items()})
        write_atomically(
            path, (json.dumps(dict(sorted(existing.items())), indent=2) + "\n").encode()
        )
    return list(by_file)


def mo_reference_drift(
    stored: MultiObjectiveReferences, measured: MultiObjectiveReferences
) -> list[str]:
    """Each agent and objective whose re-measured mean left the stored mean +- its interval."""
    problems = []
    for name, (old_mean, old_ci95) in stored.agents.items():
        if name not in measured.agents:
            problems.append(f"{name}: stored, not measured")
            continue
        new_mean = measured.agents[name][0]
        for objective, old, new, tolerance in zip(
            stored.objectives, old_mean, new_mean, old_ci95, strict=True
        ):
            if abs(new - old) > max(tolerance, 1e-9 * max(1.0, abs(old))):
                problems.append(
                    f"{name} {objective}: stored {old:.4f} +- {tolerance:.4f}, measured {new:.4f}"
                )
    return problems
