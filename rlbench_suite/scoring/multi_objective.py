"""Multi-objective metrics over sets of return vectors (all objectives maximised).

Hypervolume and IGD come from moocore; expected utility and cardinality are one line each on
top of its non-dominance filter.

Example:
    >>> import numpy as np
    >>> from rlbench_suite.scoring.multi_objective import hypervolume, cardinality
    >>> front = np.array([[1.0, 3.0], [2.0, 2.0], [3.0, 1.0], [1.0, 1.0]])
    >>> hypervolume(front, reference_point=[0.0, 0.0])
    6.0
    >>> cardinality(front)
    3

"""

from __future__ import annotations

from collections.abc import Sequence

import moocore
import numpy as np


def _points(returns: np.ndarray | Sequence[Sequence[float]], name: str = "returns") -> np.ndarray:
    points = np.asarray(returns, dtype=float)
    if points.ndim != 2 or points.shape[0] < 1 or points.shape[1] < 2:
        raise ValueError(
            f"{name} must be a (num_points, num_objectives >= 2) array, got shape {points.shape}"
        )
    if not np.all(np.isfinite(points)):
        raise ValueError(f"{name} contain NaN or infinite values")
    return points


def pareto_front(returns: np.ndarray | Sequence[Sequence[float]]) -> np.ndarray:
    """The non-dominated points of ``returns`` (maximisation), duplicates kept once."""
    points = _points(returns)
    return np.unique(points[moocore.is_nondominated(points, maximise=True)], axis=0)


def hypervolume(
    returns: np.ndarray | Sequence[Sequence[float]], reference_point: Sequence[float]
) -> float:
    """Volume dominated by ``returns`` and dominating ``reference_point`` (a worst-case corner)."""
    points = _points(returns)
    reference = np.asarray(reference_point, dtype=float)
    if reference.shape != (points.shape[1],):
        raise ValueError(
            f"reference_point must have {points.shape[1]} entries, got shape {reference.shape}"
        )
    return float(moocore.hypervolume(points, ref=reference, maximise=True))


def expected_utility(
    returns: np.ndarray | Sequence[Sequence[float]], weights: np.ndarray | Sequence[Sequence[float]]
) -> float:
    """Mean over weight vectors of the best linear utility any point reaches."""
    points = _points(returns)
    weight_matrix = _points(weights, "weights")
    if weight_matrix.shape[1] != points.shape[1]:
        raise ValueError(
            f"weights have {weight_matrix.shape[1]} objectives, returns have {points.shape[1]}"
        )
    return float((weight_matrix @ points.T).max(axis=1).mean())


def cardinality(returns: np.ndarray | Sequence[Sequence[float]]) -> int:
    """Number of distinct non-dominated points."""
    return int(pareto_front(returns).shape[0])


def inverted_generational_distance(
    returns: np.ndarray | Sequence[Sequence[float]],
    true_front: np.ndarray | Sequence[Sequence[float]],
) -> float:
    """Mean distance from each point of the known front to the nearest point of ``returns``."""
    points, front = _points(returns), _points(true_front, "true_front")
    if front.shape[1] != points.shape[1]:
        raise ValueError(
            f"true_front has {front.shape[1]} objectives, returns have {points.shape[1]}"
        )
    return float(moocore.igd(points, ref=front, maximise=True))


def uniform_weights(num_objectives: int, num_weights: int, seed: int = 0) -> np.ndarray:
    """``num_weights`` weight vectors drawn uniformly from the simplex (Dirichlet(1))."""
    if num_objectives < 2 or num_weights < 1:
        raise ValueError(
            f"need num_objectives >= 2 and num_weights >= 1, got {num_objectives}, {num_weights}"
        )
    return np.random.default_rng(seed).dirichlet(np.ones(num_objectives), size=num_weights)
