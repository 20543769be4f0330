"""rliable-backed aggregates: values a user can check by hand, reproducible intervals."""

from __future__ import annotations

import numpy as np
import pytest

from rlbench_suite.scoring.aggregate import (
    aggregate_scores,
    performance_profile,
    probability_of_improvement,
)


def test_iqm_ignores_the_outer_quartiles() -> None:
    """IQM of 8 runs on 1 task is the mean of the middle 4, whatever the outliers."""
    scores = np.array([[-1000.0], [10.0], [20.0], [30.0], [40.0], [50.0], [60.0], [5000.0]])
    result = aggregate_scores({"agent": scores}, reps=100)["agent"]
    assert result["iqm"].point == pytest.approx(np.mean([20.0, 30.0, 40.0, 50.0]))
    assert result["mean"].point == pytest.approx(scores.mean())


def test_median_is_taken_over_per_task_means() -> None:
    """rliable's median: the median over tasks of each task's mean over runs."""
    scores = np.array([[0.0, 10.0, 100.0], [20.0, 30.0, 300.0]])  # task means 10, 20, 200
    assert aggregate_scores({"a": scores}, reps=100)["a"]["median"].point == pytest.approx(20.0)


def test_optimality_gap_counts_shortfall_below_the_expert() -> None:
    """Scores of 60 and 120 have gap (40 + 0) / 2 = 20 on the 0-100 scale."""
    result = aggregate_scores({"agent": np.array([[60.0, 120.0]])}, reps=100)["agent"]
    assert result["optimality_gap"].point == pytest.approx(20.0)


def test_intervals_are_reproducible_and_contain_the_point() -> None:
    """The same seed gives the same interval, and it brackets the point estimate."""
    rng = np.random.default_rng(0)
    scores = {"a": rng.normal(70, 15, size=(10, 4))}
    first = aggregate_scores(scores, reps=500, seed=3)["a"]["mean"]
    second = aggregate_scores(scores, reps=500, seed=3)["a"]["mean"]
    assert first == second
    assert first.low < first.point < first.high


def test_probability_of_improvement_is_near_one_for_a_dominant_agent() -> None:
    """A clearly better agent beats a worse one with probability near 1, itself with 0.5."""
    rng = np.random.default_rng(1)
    better, worse = rng.normal(90, 5, size=(8, 3)), rng.normal(40, 5, size=(8, 3))
    assert probability_of_improvement(better, worse, reps=300).point > 0.95
    assert probability_of_improvement(better, better, reps=300).point == pytest.approx(0.5)


def test_performance_profile_is_the_fraction_above_each_threshold() -> None:
    """Runs at 10, 50, 90 give fractions 1, 2/3, 1/3, 0 above 0, 20, 60, 95."""
    profile = performance_profile(
        {"a": np.array([[10.0], [50.0], [90.0]])}, [0, 20, 60, 95], reps=100
    )
    assert [estimate.point for estimate in profile["a"]] == pytest.approx([1, 2 / 3, 1 / 3, 0])


@pytest.mark.parametrize(
    ("scores", "message"),
    [
        ({"a": np.zeros(3)}, r"must be a \(num_runs, num_tasks\) matrix"),
        ({"a": np.array([[np.nan]])}, "NaN or infinite"),
        ({"a": np.zeros((2, 3)), "b": np.zeros((2, 2))}, "the same tasks"),
        ({}, "at least one algorithm"),
    ],
)
def test_malformed_score_matrices_are_refused(scores: dict, message: str) -> None:
    """Wrong shapes, NaN and mismatched task counts raise ValueError saying which."""
    with pytest.raises(ValueError, match=message):
        aggregate_scores(scores, reps=10)


def test_bootstrap_leaves_numpy_global_random_state_alone() -> None:
    """Aggregating does not change the caller's np.random stream."""
    np.random.seed(123)
    expected = np.random.random()
    np.random.seed(123)
    aggregate_scores({"a": np.ones((3, 2))}, reps=50, seed=9)
    assert np.random.random() == expected
