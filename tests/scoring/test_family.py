"""MDP-family evaluation over an env's sampled instances."""

from __future__ import annotations

import pytest

from rlbench_suite.scoring.family import evaluate_family


def test_family_evaluation_covers_both_splits_reproducibly() -> None:
    """K instances per split are run, each with its own parameters, and reruns match."""
    first = evaluate_family(
        "whittle", "rlbench/RMAB-TwoState-v0", num_instances=3, episodes_per_instance=2, seed=4
    )
    second = evaluate_family(
        "whittle", "rlbench/RMAB-TwoState-v0", num_instances=3, episodes_per_instance=2, seed=4
    )
    assert first.to_json() == second.to_json()
    assert set(first.instances) == {"in_distribution", "held_out"}
    held_out = first.instances["held_out"]
    assert len(held_out) == 3 and all(
        r.env_kwargs["transition_prior"] == (0.5, 0.5) for r in held_out
    )
    summary = first.summary()
    assert summary["default"]["mean_return"] == first.default.mean_return
    assert summary["held_out"]["mean_return"] == pytest.approx(first.split_means("held_out").mean())


def test_experts_keep_their_edge_over_random_across_the_family() -> None:
    """On sampled ARMMAN instances Whittle still beats random in both splits."""
    whittle = evaluate_family("whittle", "rlbench/RMAB-ARMMAN-v0", 3, 2)
    random = evaluate_family("random", "rlbench/RMAB-ARMMAN-v0", 3, 2)
    for split in ("in_distribution", "held_out"):
        assert (whittle.split_means(split) > random.split_means(split)).all()


def test_bad_counts_are_refused() -> None:
    """num_instances < 1 raises a ValueError naming both counts."""
    with pytest.raises(ValueError, match="must be >= 1"):
        evaluate_family("random", "rlbench/RMAB-TwoState-v0", num_instances=0)
