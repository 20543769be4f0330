"""Multi-objective metrics over sets of return vectors (all objectives maximised).

Hypervolume, IGD and IGD+ come from moocore; expected utility, maximum utility loss,
cardinality and sparsity are a few lines each on top of its non-dominance filter. Weight sets
for the utility metrics: :func:`equally_spaced_weights` (a simplex lattice, what fronts are
compared on) or :func:`uniform_weights` (random draws).

Edge cases, the same in every function:

- one point is a front: its hypervolume is the box it spans with the reference point, its
  sparsity 0, its cardinality 1;
- duplicate points count once (:func:`pareto_front`, :func:`cardinality`, :func:`sparsity`)
  and change no volume, distance or utility;
- a point that does not strictly beat the reference point on every objective adds no
  hypervolume (a set of only such points has hypervolume 0.0), but it still counts in the
  front, the utilities and the distances, which do not use the reference point;
- NaN or infinity, fewer than two objectives or an empty set raise ``ValueError``.

Example:
    >>> import numpy as np
    >>> from rlbench_suite.scoring.multi_objective import hypervolume, cardinality
    >>> front = np.array([[1.0, 3.0], [2.0, 2.0], [3.0, 1.0], [1.0, 1.0]])
    >>> hypervolume(front, reference_point=[0.0, 0.0])
    6.0
    >>> cardinality(front)
    3
    >>> equally_spaced_weights(2, 4)
    array([[0.  , 1.  ],
           [0.25, 0.75],
           [0.5 , 0.5 ],
           [0.75, 0.25],
           [1.  , 0.  ]])
    >>> expected_utility(front, equally_spaced_weights(2, 4))
    2.6

"""

from __future__ import annotations

import itertools
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


def inverted_generational_distance_plus(
    returns: np.ndarray | Sequence[Sequence[float]],
    true_front: np.ndarray | Sequence[Sequence[float]],
) -> float:
    """IGD+ (Ishibuchi et al. 2015): as IGD, but only the shortfall behind each front point counts.

    A returned point that beats a front point on some objective is not penalised for it, so
    IGD+ is weakly Pareto-compliant where IGD is not.
    """
    points, front = _points(returns), _points(true_front, "true_front")
    if front.shape[1] != points.shape[1]:
        raise ValueError(
            f"true_front has {front.shape[1]} objectives, returns have {points.shape[1]}"
        )
    return float(moocore.igd_plus(points, ref=front, maximise=True))


def maximum_utility_loss(
    returns: np.ndarray | Sequence[Sequence[float]],
    true_front: np.ndarray | Sequence[Sequence[float]],
    weights: np.ndarray | Sequence[Sequence[float]],
) -> float:
    """The largest linear-utility shortfall behind a known front over a weight set (Zintgraf 2015).

    ``max over w of (max over front points f of w . f - max over returned points p of w . p)``;
    0 when ``returns`` reach the front's best utility for every weight, negative when they beat
    the "known" front for every weight (which then was not the true front).
    """
    points, front = _points(returns), _points(true_front, "true_front")
    weight_matrix = _points(weights, "weights")
    if not front.shape[1] == points.shape[1] == weight_matrix.shape[1]:
        raise ValueError(
            f"returns, true_front and weights must share the number of objectives, got "
            f"{points.shape[1]}, {front.shape[1]} and {weight_matrix.shape[1]}"
        )
    best_known = (weight_matrix @ front.T).max(axis=1)
    best_found = (weight_matrix @ points.T).max(axis=1)
    return float((best_known - best_found).max())


def sparsity(returns: np.ndarray | Sequence[Sequence[float]]) -> float:
    """Mean squared gap between neighbouring front points, per objective (PGMORL, MORL-Baselines).

    On the Pareto front of ``returns`` (``n`` distinct points): for each objective, sort the
    points' values and add the squared gaps between neighbours; divide the total by ``n - 1``.
    Lower is denser; a front of one point has sparsity 0.0.
    """
    front = pareto_front(returns)
    if front.shape[0] < 2:
        return 0.0
    gaps = np.diff(np.sort(front, axis=0), axis=0)
    return float(np.square(gaps).sum() / (front.shape[0] - 1))


def equally_spaced_weights(num_objectives: int, num_divisions: int) -> np.ndarray:
    """Every weight vector whose entries are multiples of ``1 / num_divisions`` summing to 1.

    The simplex lattice of Das and Dennis (pymoo's ``"uniform"`` reference directions):
    ``C(num_divisions + num_objectives - 1, num_objectives - 1)`` rows, the corners included,
    in lexicographic order of the integer numerators (ascending). A fixed, seed-free set, so
    expected utilities computed on it are comparable across runs and submissions.
    """
    if isinstance(num_objectives, bool) or not isinstance(num_objectives, int | np.integer):
        raise ValueError(f"num_objectives must be an integer >= 2, got {num_objectives!r}")
    if isinstance(num_divisions, bool) or not isinstance(num_divisions, int | np.integer):
        raise ValueError(f"num_divisions must be an integer >= 1, got {num_divisions!r}")
    if num_objectives < 2 or num_divisions < 1:
        raise ValueError(
            f"need num_objectives >= 2 and num_divisions >= 1, got {num_objectives}, "
            f"{num_divisions}"
        )
    # Stars and bars: num_objectives - 1 bars among num_divisions stars; each placement of the
    # bars is one way to split num_divisions into num_objectives non-negative parts.
    slots = num_divisions + num_objectives - 1
    rows = []
    for bars in itertools.combinations(range(slots), num_objectives - 1):
        edges = (-1, *bars, slots)
        rows.append([edges[i + 1] - edges[i] - 1 for i in range(num_objectives)])
    numerators = np.array(sorted(rows), dtype=float)
    return numerators / num_divisions


def uniform_weights(num_objectives: int, num_weights: int, seed: int = 0) -> np.ndarray:
    """``num_weights`` weight vectors drawn uniformly from the simplex (Dirichlet(1))."""
    if num_objectives < 2 or num_weights < 1:
        raise ValueError(
            f"need num_objectives >= 2 and num_weights >= 1, got {num_objectives}, {num_weights}"
        )
    return np.random.default_rng(seed).dirichlet(np.ones(num_objectives), size=num_weights)
