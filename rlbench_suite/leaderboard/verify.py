"""Re-running a submission: the named agent or the submitted model, scored again.

For each run the agent is evaluated again on the run's episode seeds through the suite's one
evaluation loop. Every env of the suite is deterministic given its seed and the agent's seed,
so a faithful submission agrees exactly (up to ``EXACT_TOLERANCE``, which absorbs float
printing); when returns differ (another machine's floating point, a stochastic policy) a run
still agrees if its re-measured mean lies inside the submitted mean's 95% interval.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from rlbench_suite.leaderboard.submission import load_submission
from rlbench_suite.scoring.evaluate import evaluate, mean_confidence_halfwidth

EXACT_TOLERANCE = 1e-6


@dataclass(frozen=True)
class RunCheck:
    """One run re-measured: the largest per-episode difference and the verdict."""

    seed: int
    submitted_mean: float
    measured_mean: float
    max_abs_difference: float
    verdict: str  # "exact", "within CI" or "disagrees"

    @property
    def agrees(self) -> bool:
        """Whether this run's returns were reproduced."""
        return self.verdict != "disagrees"


@dataclass(frozen=True)
class Verification:
    """A whole submission re-measured, run by run."""

    name: str
    env_id: str
    runs: tuple[RunCheck, ...]

    @property
    def agrees(self) -> bool:
        """Every run reproduced."""
        return all(run.agrees for run in self.runs)


def compare_returns(
    seed: int, submitted: np.ndarray, measured: np.ndarray, tolerance: float = EXACT_TOLERANCE
) -> RunCheck:
    """The verdict for one run's submitted and re-measured returns (same episode order)."""
    difference = float(np.max(np.abs(submitted - measured))) if submitted.size else 0.0
    scale = max(1.0, float(np.max(np.abs(submitted)))) if submitted.size else 1.0
    submitted_mean, measured_mean = float(submitted.mean()), float(measured.mean())
    if difference <= tolerance * scale:
        verdict = "exact"
    else:
        halfwidth = mean_confidence_halfwidth(submitted.reshape(len(submitted), -1).mean(axis=1))
        inside = not np.isnan(halfwidth) and abs(measured_mean - submitted_mean) <= halfwidth
        verdict = "within CI" if inside else "disagrees"
    return RunCheck(seed, submitted_mean, measured_mean, difference, verdict)


def _policy_for_run(submission: Mapping[str, Any], run: Mapping[str, Any], folder: Path) -> Any:
    algorithm = submission["algorithm"]
    if algorithm["kind"] == "reference":
        return algorithm["agent"]
    if algorithm["kind"] == "sb3":
        if "model" not in run:
            raise ValueError(
                f"run with seed {run['seed']} has no model file, so there is nothing to re-run"
            )
        from rlbench_suite.baselines.sb3 import load_agent

        return load_agent(
            folder / run["model"]["path"],
            algorithm["name"],
            submission["env"]["id"],
            algorithm["hyperparameters"],
            deterministic=submission["evaluation"]["deterministic"],
        )
    raise ValueError(
        f"algorithm kind {algorithm['kind']!r} names no agent or model the suite can re-run"
    )


def verify_submission(
    path: Path | str, on_episode: Callable[[], None] | None = None
) -> Verification:
    """Re-run every run of the submission at ``path`` and compare with its returns."""
    path = Path(path)
    submission = load_submission(path)
    env_id = submission["env"]["id"]
    checks = []
    for run in submission["runs"]:
        policy = _policy_for_run(submission, run, path.parent)
        try:
            result = evaluate(
                policy,
                env_id,
                seeds=run["episode_seeds"],
                on_episode=None if on_episode is None else (lambda _record: on_episode()),
            )
        except ValueError as error:
            if submission["algorithm"]["kind"] != "sb3":
                raise
            # SB3 reports a model/env mismatch in its own terms; say what it means here.
            raise ValueError(
                f"run with seed {run['seed']}: the model {run['model']['path']} cannot play "
                f"{env_id}'s default instance with the submitted wrappers ({error}); was it "
                "trained with env kwargs or wrappers the submission does not state?"
            ) from error
        measured = np.array([record.episode_return for record in result.records], dtype=float)
        submitted = np.asarray(run["returns"], dtype=float)
        checks.append(compare_returns(run["seed"], submitted, measured))
    return Verification(submission["name"], env_id, tuple(checks))
