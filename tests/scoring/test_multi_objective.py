"""Multi-objective metrics on fronts whose values can be worked out by hand."""

from __future__ import annotations

import numpy as np
import pytest

from rlbench_suite.scoring.multi_objective import (
    cardinality,
    equally_spaced_weights,
    expected_utility,
    hypervolume,
    inverted_generational_distance,
    inverted_generational_distance_plus,
    maximum_utility_loss,
    pareto_front,
    sparsity,
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


def test_igd_plus_counts_only_the_shortfall_behind_each_front_point() -> None:
    """IGD+ of the corner (1, 3) is (0 + 1 + 2) / 3, less than IGD's mean Euclidean distance."""
    assert inverted_generational_distance_plus(STAIRS, STAIRS) == pytest.approx(0.0)
    assert inverted_generational_distance_plus(STAIRS[:1], STAIRS) == pytest.approx(1.0)
    assert inverted_generational_distance_plus(STAIRS[:1], STAIRS) < (
        inverted_generational_distance(STAIRS[:1], STAIRS)
    )
    beyond = STAIRS + 0.5
    assert inverted_generational_distance_plus(beyond, STAIRS) == pytest.approx(0.0)
    assert inverted_generational_distance(beyond, STAIRS) == pytest.approx(np.sqrt(0.5))


def test_equally_spaced_weights_are_the_simplex_lattice() -> None:
    """Two objectives in quarters give five rows; three in halves give the six lattice points."""
    assert equally_spaced_weights(2, 4).tolist() == [
        [0.0, 1.0],
        [0.25, 0.75],
        [0.5, 0.5],
        [0.75, 0.25],
        [1.0, 0.0],
    ]
    assert equally_spaced_weights(3, 2).tolist() == [
        [0.0, 0.0, 1.0],
        [0.0, 0.5, 0.5],
        [0.0, 1.0, 0.0],
        [0.5, 0.0, 0.5],
        [0.5, 0.5, 0.0],
        [1.0, 0.0, 0.0],
    ]
    lattice = equally_spaced_weights(3, 12)
    assert lattice.shape == (91, 3)  # C(14, 2)
    assert np.allclose(lattice.sum(axis=1), 1.0) and len(np.unique(lattice, axis=0)) == 91


def test_expected_utility_on_equally_spaced_weights() -> None:
    """The stairs on quarter weights: utilities 3, 2.5, 2, 2.5, 3, mean 2.6."""
    assert expected_utility(STAIRS, equally_spaced_weights(2, 4)) == pytest.approx(2.6)


def test_maximum_utility_loss_is_the_worst_weight_shortfall() -> None:
    """Only the corner (1, 3): weight (1, 0) loses 3 - 1 = 2; the full front loses nothing."""
    weights = equally_spaced_weights(2, 2)
    assert maximum_utility_loss(STAIRS[:1], STAIRS, weights) == pytest.approx(2.0)
    assert maximum_utility_loss(STAIRS, STAIRS, weights) == pytest.approx(0.0)
    assert maximum_utility_loss(STAIRS + 1.0, STAIRS, weights) == pytest.approx(-1.0)


def test_sparsity_as_morl_baselines_defines_it() -> None:
    """Stairs: gaps 1, 1 on each objective, (1 + 1 + 1 + 1) / (3 - 1) = 2; dominated points drop."""
    assert sparsity(STAIRS) == pytest.approx(2.0)
    assert sparsity(np.vstack([STAIRS, [[0.0, 0.0]]])) == pytest.approx(2.0)
    assert sparsity([[0.0, 4.0], [4.0, 0.0]]) == pytest.approx(32.0)


def test_one_point_duplicates_and_points_behind_the_reference() -> None:
    """Documented edge cases: a single point, repeats, and points no better than the reference."""
    single = [[2.0, 3.0]]
    assert hypervolume(single, [0.0, 0.0]) == pytest.approx(6.0)
    assert cardinality(single) == 1 and sparsity(single) == 0.0
    assert expected_utility(single, equally_spaced_weights(2, 2)) == pytest.approx(2.5)
    repeated = np.vstack([STAIRS, STAIRS])
    assert hypervolume(repeated, [0.0, 0.0]) == pytest.approx(6.0)
    assert cardinality(repeated) == 3 and sparsity(repeated) == pytest.approx(2.0)
    behind = [[-1.0, 5.0], [-2.0, -2.0]]
    assert hypervolume(behind, [0.0, 0.0]) == 0.0
    assert hypervolume([[0.0, 5.0]], [0.0, 0.0]) == 0.0  # on the reference's edge: no volume
    assert hypervolume([*behind, [1.0, 1.0]], [0.0, 0.0]) == pytest.approx(1.0)
    assert cardinality(behind) == 1


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: equally_spaced_weights(1, 4), "num_objectives >= 2"),
        (lambda: equally_spaced_weights(2, 0), "num_divisions >= 1"),
        (lambda: equally_spaced_weights(2, 2.5), "num_divisions must be an integer"),
        (lambda: sparsity([[1.0, np.nan]]), "NaN or infinite"),
        (lambda: inverted_generational_distance_plus(STAIRS, [[1.0, 2.0, 3.0]]), "3 objectives"),
        (
            lambda: maximum_utility_loss(STAIRS, STAIRS, [[1.0, 0.0, 0.0]]),
            "share the number of objectives",
        ),
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
