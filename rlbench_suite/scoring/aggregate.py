"""Aggregate normalised scores over runs and tasks with rliable, the community standard.

Scores are normalised (0 = the zero anchor, 100 = expert, see
:class:`rlbench_suite.ReferenceScores`) and arranged per algorithm as a ``(num_runs, num_tasks)``
matrix. Interval estimates come from rliable's stratified bootstrap (runs resampled within each
task), seeded so the same inputs give the same intervals.

Example:
    >>> import numpy as np
    >>> from rlbench_suite.scoring.aggregate import aggregate_scores
    >>> scores = {"whittle": np.full((5, 3), 100.0), "random": np.zeros((5, 3))}
    >>> result = aggregate_scores(scores, reps=200)
    >>> result["whittle"]["iqm"].point, result["random"]["optimality_gap"].point
    (100.0, 100.0)

"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

AGGREGATES = ("iqm", "mean", "median", "optimality_gap")
EXPERT_SCORE = 100.0  # the optimality gap counts shortfall below the expert


@dataclass(frozen=True)
class IntervalEstimate:
    """A point estimate with the bounds of its bootstrap confidence interval."""

    point: float
    low: float
    high: float

    def to_json(self) -> dict[str, float]:
        """The estimate as ``{point, low, high}``."""
        return {"point": self.point, "low": self.low, "high": self.high}


def _rliable() -> tuple[Any, Any]:
    # Imported lazily: rliable pulls in arch, pandas and seaborn, which `import rlbench_suite`
    # should not pay for.
    from rliable import library, metrics

    return library, metrics


def _bootstrap(library: Any, seed: int, *args: Any, **kwargs: Any) -> Any:
    # rliable 1.2's StratifiedBootstrap draws its resampling indices from NumPy's global
    # generator, not from the random_state it is given, so the global state is seeded here
    # (and restored after) to make intervals reproducible. It also hands random_state to arch
    # under a keyword arch deprecates: a FutureWarning no user can act on.
    saved_state = np.random.get_state()
    np.random.seed(seed)
    try:
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", category=FutureWarning, module="arch")
            return library.get_interval_estimates(
                *args, random_state=np.random.RandomState(seed), **kwargs
            )
    finally:
        np.random.set_state(saved_state)


def _check_matrices(score_matrices: Mapping[str, np.ndarray]) -> dict[str, np.ndarray]:
    if not score_matrices:
        raise ValueError("aggregate needs at least one algorithm's scores")
    checked = {}
    num_tasks = None
    for name, matrix in score_matrices.items():
        array = np.asarray(matrix, dtype=float)
        if array.ndim != 2 or array.shape[0] < 1 or array.shape[1] < 1:
            raise ValueError(
                f"scores of {name!r} must be a (num_runs, num_tasks) matrix, "
                f"got shape {array.shape}"
            )
        if not np.all(np.isfinite(array)):
            raise ValueError(f"scores of {name!r} contain NaN or infinite values")
        if num_tasks is not None and array.shape[1] != num_tasks:
            raise ValueError(
                f"every algorithm needs the same tasks: {name!r} has {array.shape[1]}, "
                f"others {num_tasks}"
            )
        num_tasks = array.shape[1]
        checked[name] = array
    return checked


def _interval_estimates(
    score_matrices: dict[str, np.ndarray],
    statistic: Callable[[np.ndarray], np.ndarray],
    reps: int,
    confidence: float,
    seed: int,
) -> dict[str, list[IntervalEstimate]]:
    library, _ = _rliable()
    points, intervals = _bootstrap(
        library,
        seed,
        score_matrices,
        statistic,
        reps=reps,
        confidence_interval_size=confidence,
    )
    return {
        name: [
            IntervalEstimate(float(point), float(low), float(high))
            for point, low, high in zip(
                np.atleast_1d(points[name]), intervals[name][0], intervals[name][1], strict=True
            )
        ]
        for name in score_matrices
    }


def aggregate_scores(
    score_matrices: Mapping[str, np.ndarray],
    reps: int = 2000,
    confidence: float = 0.95,
    seed: int = 0,
) -> dict[str, dict[str, IntervalEstimate]]:
    """IQM, mean, median and optimality gap of each algorithm, with bootstrap intervals."""
    _, metrics = _rliable()
    matrices = _check_matrices(score_matrices)

    def statistic(scores: np.ndarray) -> np.ndarray:
        return np.array(
            [
                metrics.aggregate_iqm(scores),
                metrics.aggregate_mean(scores),
                metrics.aggregate_median(scores),
                metrics.aggregate_optimality_gap(scores, gamma=EXPERT_SCORE),
            ]
        )

    estimates = _interval_estimates(matrices, statistic, reps, confidence, seed)
    return {name: dict(zip(AGGREGATES, values, strict=True)) for name, values in estimates.items()}


def probability_of_improvement(
    scores_x: np.ndarray,
    scores_y: np.ndarray,
    reps: int = 2000,
    confidence: float = 0.95,
    seed: int = 0,
) -> IntervalEstimate:
    """P(X > Y): the chance a run of X beats a run of Y on a random task (ties count half)."""
    library, metrics = _rliable()
    matrices = _check_matrices({"x": scores_x, "y": scores_y})
    points, intervals = _bootstrap(
        library,
        seed,
        {"pair": [matrices["x"], matrices["y"]]},
        metrics.probability_of_improvement,
        reps=reps,
        confidence_interval_size=confidence,
    )
    low, high = np.ravel(intervals["pair"])
    return IntervalEstimate(float(np.ravel(points["pair"])[0]), float(low), float(high))


def performance_profile(
    score_matrices: Mapping[str, np.ndarray],
    thresholds: Sequence[float] | np.ndarray,
    reps: int = 2000,
    confidence: float = 0.95,
    seed: int = 0,
) -> dict[str, list[IntervalEstimate]]:
    """Fraction of runs scoring above each threshold (a score-distribution profile)."""
    taus = np.asarray(thresholds, dtype=float)
    if taus.ndim != 1 or taus.size == 0:
        raise ValueError(f"thresholds must be a non-empty 1-D sequence, got shape {taus.shape}")
    matrices = _check_matrices(score_matrices)

    def statistic(scores: np.ndarray) -> np.ndarray:
        return (scores.ravel()[:, None] > taus[None, :]).mean(axis=0)

    return _interval_estimates(matrices, statistic, reps, confidence, seed)
