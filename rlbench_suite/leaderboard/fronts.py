"""Fronts of multi-objective results: hypervolume and expected utility with bootstrap intervals.

A result on a multi-objective env is a set of runs (training seeds, or weight settings of a
scalarised learner), each a set of episodes with one return vector each. Its **front** is the
set of its runs' mean return vectors; it is scored by

* the **hypervolume** it dominates above the card's ``reference_point`` (moocore, all objectives
  maximised), and
* its **expected utility**: the mean, over equally spaced weight vectors on the simplex
  (:func:`equally_spaced_weights`), of the best linear utility any of its points reaches.

The 95 % intervals are scipy's percentile bootstrap, stratified by run: each resample draws
every run's episodes again with replacement (within that run) and recomputes the front and
both numbers. The resampling is seeded, so the same returns always give the same intervals
(the board re-checks stored scores by recomputing them).

On a multi-agent id the team's return is the sum over its agents; fronts use the mean return
per agent (the team return divided by the number of agents), the scale of the card's
per-agent ``return_bounds`` and of its ``reference_point``.

Example:
    >>> import numpy as np
    >>> equally_spaced_weights(2, divisions=4).tolist()
    [[0.0, 1.0], [0.25, 0.75], [0.5, 0.5], [0.75, 0.25], [1.0, 0.0]]
    >>> runs = [np.array([[1.0, 3.0]] * 10), np.array([[3.0, 1.0]] * 10)]
    >>> scores = front_scores(runs, reference_point=[0.0, 0.0])
    >>> scores["hypervolume"]["point"], scores["cardinality"]
    (5.0, 2)

"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from typing import Any

import numpy as np
from scipy import stats

from rlbench_suite.scoring.multi_objective import expected_utility, hypervolume, pareto_front

#: Bootstrap resamples for a front's intervals (rliable's papers use 2000; 1000 pins a front's
#: interval to its second digit for the handful of runs an entry has).
FRONT_BOOTSTRAP_REPS = 1000
FRONT_BOOTSTRAP_SEED = 0
#: Simplex divisions of the weight set, by number of objectives: 21 weights for two objectives,
#: 91 for three, 84 for four; more objectives use :data:`DEFAULT_DIVISIONS`.
WEIGHT_DIVISIONS = {2: 20, 3: 12, 4: 6}
DEFAULT_DIVISIONS = 4


def equally_spaced_weights(num_objectives: int, divisions: int | None = None) -> np.ndarray:
    """Every weight vector on the simplex whose entries are multiples of ``1 / divisions``.

    (Das and Dennis' simplex lattice; pymoo's "uniform" reference directions.) Rows sum to 1,
    in lexicographic order; ``divisions`` defaults to :data:`WEIGHT_DIVISIONS`.
    """
    if num_objectives < 2:
        raise ValueError(f"weights need at least 2 objectives, got {num_objectives}")
    if divisions is None:
        divisions = WEIGHT_DIVISIONS.get(num_objectives, DEFAULT_DIVISIONS)
    if divisions < 1:
        raise ValueError(f"divisions must be >= 1, got {divisions}")
    rows = [
        (*head, divisions - sum(head))
        for head in itertools.product(range(divisions + 1), repeat=num_objectives - 1)
        if sum(head) <= divisions
    ]
    return np.array(sorted(rows), dtype=float) / divisions


def front_scores(
    episode_returns_per_run: Sequence[np.ndarray],
    reference_point: Sequence[float],
    reps: int = FRONT_BOOTSTRAP_REPS,
    seed: int = FRONT_BOOTSTRAP_SEED,
) -> dict[str, Any]:
    """The front of ``episode_returns_per_run`` (each ``(episodes, objectives)``), scored.

    Returns plain JSON: the runs' mean vectors (``points``, in run order), the ``front`` (those
    not dominated, sorted), its ``cardinality``, the
    ``weights`` count, and ``hypervolume`` and ``expected_utility`` as ``{point, low, high}``
    with their 95 % stratified-bootstrap intervals (``low`` and ``high`` are None where a run
    has a single episode, which gives nothing to resample). A percentile interval need not
    contain the point: the best of several noisy means is biased upwards under resampling.
    """
    episodes = [np.asarray(returns, dtype=float) for returns in episode_returns_per_run]
    if not episodes or any(run.ndim != 2 or run.shape[0] < 1 for run in episodes):
        raise ValueError("front_scores needs runs of shape (episodes >= 1, objectives)")
    num_objectives = episodes[0].shape[1]
    reference = np.asarray(reference_point, dtype=float)
    if reference.shape != (num_objectives,):
        raise ValueError(
            f"reference_point has {reference.size} values for {num_objectives} objectives"
        )
    weights = equally_spaced_weights(num_objectives)

    def scores_of(points: np.ndarray) -> np.ndarray:
        return np.array(
            [hypervolume(points, reference), expected_utility(points, weights)], dtype=float
        )

    points = np.array([run.mean(axis=0) for run in episodes])  # (runs, objectives)
    point = scores_of(points)
    if all(run.shape[0] > 1 for run in episodes):
        # Indices are resampled, not the vectors themselves: scipy would bootstrap each
        # objective on its own, while a resample must keep an episode's objectives together.
        indices = tuple(np.arange(run.shape[0], dtype=float) for run in episodes)

        def statistic(*resampled: np.ndarray) -> np.ndarray:
            means = [
                run[chosen.astype(int)].mean(axis=0)
                for run, chosen in zip(episodes, resampled, strict=True)
            ]
            return scores_of(np.array(means))

        interval = stats.bootstrap(
            indices,
            statistic,
            n_resamples=reps,
            vectorized=False,
            paired=False,
            method="percentile",
            rng=np.random.default_rng(seed),
        ).confidence_interval
        low, high = [float(v) for v in interval.low], [float(v) for v in interval.high]
    else:
        low, high = [None, None], [None, None]
    return {
        "runs": len(episodes),
        "points": points.tolist(),
        "front": pareto_front(points).tolist(),
        "cardinality": int(pareto_front(points).shape[0]),
        "weights": int(weights.shape[0]),
        "hypervolume": {"point": float(point[0]), "low": low[0], "high": high[0]},
        "expected_utility": {"point": float(point[1]), "low": low[1], "high": high[1]},
    }


__all__ = [
    "FRONT_BOOTSTRAP_REPS",
    "WEIGHT_DIVISIONS",
    "equally_spaced_weights",
    "front_scores",
]
