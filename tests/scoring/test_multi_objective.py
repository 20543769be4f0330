"""Multi-objective metrics on fronts whose values can be worked out by hand."""

from __future__ import annotations

import numpy as np
import pytest

from rlbench_suite.scoring.multi_objective import (
    cardinality,
    expected_utility,
    hypervolume,
    inverted_generational_distance,
    pareto_front,
    uniform_weights,
)

STAIRS = np.array([[1.0, 3.0], [2.0, 2.0], [3.0, 1.0]])


def test_hypervolume_of_a_staircase() -> None:
    """Three stairs over the origin cover 3 + 2 + 1 = 6 unit squares."""
    assert hypervolume(STAIRS, [0.0, 0.0]) == pytest.approx(6.0)
    assert hypervolume(np.vstack([STAIRS, [[0.5, 0.5]]]), [0.0, 0.0]) == pytest.approx(6.0)


def test_dominated_and_duplicate_points_do_not_count() -> None:
    """Cardinality and the front ignore dominated points and repeats."""
    points = np.vstack([STAIRS, STAIRS[:1], [[1.0, 1.0]]])
    assert cardinality(points) == 3
    assert pareto_front(points).tolist() == sorted(STAIRS.tolist())


def test_expected_utility_takes_the_best_point_per_weight() -> None:
    """Weights (1, 0) and (0, 1) each pick a corner worth 3; their mean is 3."""
    assert expected_utility(STAIRS, [[1.0, 0.0], [0.0, 1.0]]) == pytest.approx(3.0)
    assert expected_utility(STAIRS, [[0.5, 0.5]]) == pytest.approx(2.0)


def test_igd_is_zero_on_the_true_front_and_grows_with_missing_points() -> None:
    """IGD is 0 when the front is found and the mean nearest distance otherwise."""
    assert inverted_generational_distance(STAIRS, STAIRS) == pytest.approx(0.0)
    expected = np.mean([0.0, np.sqrt(2.0), np.sqrt(8.0)])
    assert inverted_generational_distance(STAIRS[:1], STAIRS) == pytest.approx(expected)


def test_uniform_weights_lie_on_the_simplex() -> None:
    """Sampled weight vectors are non-negative and sum to one."""
    weights = uniform_weights(3, 50, seed=2)
    assert weights.shape == (50, 3) and np.allclose(weights.sum(axis=1), 1.0)
    assert (weights >= 0).all()


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: hypervolume([[1.0], [2.0]], [0.0]), "num_objectives >= 2"),
        (lambda: hypervolume(STAIRS, [0.0, 0.0, 0.0]), "reference_point must have 2 entries"),
        (lambda: cardinality([[1.0, np.inf]]), "NaN or infinite"),
        (lambda: expected_utility(STAIRS, [[1.0, 0.0, 0.0]]), "weights have 3 objectives"),
    ],
)
def test_bad_inputs_say_what_is_wrong(call, message: str) -> None:
    """Wrong shapes and non-finite values raise ValueError naming the problem."""
    with pytest.raises(ValueError, match=message):
        call()
