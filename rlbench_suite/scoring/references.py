"""Reference scores: measure the random and expert agents of an env, store them, check for drift.

The stored numbers anchor every normalised score (0 = random, 100 = expert). They live in each
family's ``data/references.json`` and are reproduced by ``rlbench references --check``, which
fails when a re-measured mean leaves the stored 95% interval, the sign that an env or an agent
changed behaviour without a version bump.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable
from dataclasses import asdict
from pathlib import Path

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
    """Evaluate the random agent and the card's expert on the default instance."""
    card = env_card(env_id)
    random_run = evaluate("random", card.id, n_episodes=episodes, seed=seed, on_episode=on_episode)
    expert_run = evaluate(
        card.expert_agent, card.id, n_episodes=episodes, seed=seed, on_episode=on_episode
    )
    return ReferenceScores(
        random=random_run.mean_return,
        expert=expert_run.mean_return,
        expert_agent=card.expert_agent,
        episodes=episodes,
        seed=seed,
        random_ci95=_finite(random_run),
        expert_ci95=_finite(expert_run),
        source=(
            f"rlbench references --write: random and {card.expert_agent}, "
            f"{episodes} episodes, seeds {seed}..{seed + episodes - 1}"
        ),
    )


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
        existing.update({env_id: asdict(score) for env_id, score in entries.items()})
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
    return problems
