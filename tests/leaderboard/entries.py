"""Board entry records for the ranking and page tests, shaped as ``entry.json`` (rlbench-entry/1).

Entries use real env ids and are normalised with the real reference scores of their cards, the
way the board scores its own re-evaluations, so a test reads "the expert scores 500 on
CartPole" and the normalised numbers follow.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from typing import Any, Literal

import numpy as np

from rlbench_suite.registry import env_card
from rlbench_suite.scoring.aggregate import aggregate_scores
from rlbench_suite.scoring.evaluate import mean_confidence_halfwidth

Kind = Literal["reference", "sb3", "custom"]
Status = Literal["verified", "unverified", "disputed", "self-reported"]

EPISODES_PER_SEED = 10
BOOTSTRAP_REPS = 200  # enough for a test's intervals, fast


def scores_block(env_id: str, per_seed_mean_returns: Sequence[float]) -> dict[str, Any]:
    """A ``Scores`` block for the given per-seed mean returns, normalised with the env's card."""
    per_seed = np.asarray(per_seed_mean_returns, dtype=float)
    halfwidth = mean_confidence_halfwidth(per_seed)
    scores: dict[str, Any] = {
        "seeds": int(per_seed.size),
        "episodes": int(per_seed.size) * EPISODES_PER_SEED,
        "per_seed_mean_return": per_seed.tolist(),
        "mean_return": {
            "point": float(per_seed.mean()),
            "ci95": None if np.isnan(halfwidth) else float(halfwidth),
        },
        "normalised": None,
    }
    references = env_card(env_id).references
    if references is not None and references.usable:
        normalised = np.asarray(references.normalise(per_seed), dtype=float)
        aggregates = aggregate_scores({"entry": normalised[:, None]}, reps=BOOTSTRAP_REPS)["entry"]
        scores["normalised"] = {
            "per_seed": normalised.tolist(),
            **{name: estimate.to_json() for name, estimate in aggregates.items()},
        }
    return scores


def make_entry(
    env_id: str,
    algorithm: str,
    mean_returns: Sequence[float],
    *,
    kind: Kind = "reference",
    status: Status = "verified",
    claimed_mean_returns: Sequence[float] | None = None,
    submitter: str | None = None,
    name: str | None = None,
    submitted_at: str = "2025-01-15T12:00:00+00:00",
) -> dict[str, Any]:
    """An entry of ``algorithm`` on ``env_id`` whose seeds returned ``mean_returns`` on average.

    For verified and disputed entries ``mean_returns`` is what the board measured and the claim
    defaults to it; for unverified and self-reported ones (never re-run) it is the claim.
    A reference ``algorithm`` is the agent's name on the card (``"random"``, ``"whittle"``).
    """
    card = env_card(env_id)
    claimed = list(mean_returns if claimed_mean_returns is None else claimed_mean_returns)
    seeds = list(range(len(mean_returns)))
    evaluation = None
    if status in ("verified", "disputed"):
        evaluation = {
            "evaluated_at": "2025-01-16T08:00:00+00:00",
            "suite_version": "0.1.0",
            "runs": [
                {
                    "seed": seed,
                    "episode_seeds": list(range(seed * 1000, seed * 1000 + EPISODES_PER_SEED)),
                    "returns": [float(mean)] * EPISODES_PER_SEED,
                }
                for seed, mean in zip(seeds, mean_returns, strict=True)
            ],
            "claim_check": [
                {
                    "seed": seed,
                    "verdict": "exact" if claim == measured else "disagrees",
                    "submitted_mean": float(claim),
                    "measured_mean": float(measured),
                    "max_abs_difference": abs(float(claim) - float(measured)),
                }
                for seed, claim, measured in zip(seeds, claimed, mean_returns, strict=True)
            ],
            "scores": scores_block(env_id, mean_returns),
        }
    return {
        "format": "rlbench-entry/1",
        "name": name or f"{algorithm}.{env_id.split('/', 1)[1]}",
        "env_id": card.id,
        "family": card.family,
        "algorithm": {
            "name": algorithm,
            "kind": kind,
            "version": "2.9.2" if kind == "sb3" else "0.1.0",
            "agent": algorithm if kind == "reference" else None,
        },
        "submitter": submitter,
        "training_timesteps": 100_000 if kind == "sb3" else 0,
        "submitted_at": submitted_at,
        "digest": "sha256:" + hashlib.sha256(repr((env_id, algorithm, name)).encode()).hexdigest(),
        "status": status,
        "claimed": scores_block(env_id, claimed),
        "evaluation": evaluation,
    }


def expert_entry(env_id: str, seeds: int = 3, **options: Any) -> dict[str, Any]:
    """The card's expert agent scoring exactly its reference mean on every seed."""
    card = env_card(env_id)
    assert card.references is not None
    return make_entry(env_id, card.expert_agent, [card.references.expert] * seeds, **options)


def random_entry(env_id: str, seeds: int = 3, **options: Any) -> dict[str, Any]:
    """The random agent scoring exactly its reference mean on every seed."""
    references = env_card(env_id).references
    assert references is not None
    return make_entry(env_id, "random", [references.random] * seeds, **options)


def returns_at(env_id: str, normalised_scores: Sequence[float]) -> list[float]:
    """Mean returns on ``env_id`` that normalise to ``normalised_scores`` (0 zero, 100 expert)."""
    references = env_card(env_id).references
    assert references is not None
    spread = references.expert - references.zero_anchor
    return [references.zero_anchor + score / 100.0 * spread for score in normalised_scores]
