"""Plots are written as real PNG images with visible content."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from rlbench_suite.scoring.aggregate import aggregate_scores, performance_profile
from rlbench_suite.scoring.plots import (
    plot_interval_estimates,
    plot_learning_curves,
    plot_pareto_fronts,
    plot_performance_profiles,
)

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def assert_real_png(path: Path) -> None:
    """The file is a PNG with more than one colour in it."""
    from matplotlib.image import imread

    assert path.read_bytes()[:8] == PNG_SIGNATURE
    pixels = imread(path)
    assert pixels.ndim == 3 and pixels.shape[0] > 100 and pixels.shape[1] > 100
    assert pixels[..., :3].std() > 0.05, "the image is (nearly) blank"


def test_learning_curves_png(tmp_path: Path) -> None:
    """Two algorithms' curves over three seeds, with reference lines, make a PNG."""
    steps = np.arange(0, 10_000, 1000)
    rng = np.random.default_rng(0)
    curves = {
        "ppo": (steps, np.log1p(steps)[None, :] * 50 + rng.normal(0, 5, (3, steps.size))),
        "sac": (steps, np.sqrt(steps)[None, :] * 4 + rng.normal(0, 5, (3, steps.size))),
    }
    assert_real_png(
        plot_learning_curves(curves, tmp_path / "curves.png", reference_lines={"expert": 470.0})
    )


def test_interval_estimates_and_profiles_png(tmp_path: Path) -> None:
    """rliable's aggregates and profiles render as PNGs."""
    rng = np.random.default_rng(1)
    scores = {"whittle": rng.normal(95, 5, (5, 3)), "random": rng.normal(0, 5, (5, 3))}
    aggregates = aggregate_scores(scores, reps=200)
    assert_real_png(plot_interval_estimates(aggregates, tmp_path / "intervals.png"))
    taus = np.linspace(-10, 110, 25)
    profiles = performance_profile(scores, taus, reps=200)
    assert_real_png(plot_performance_profiles(profiles, taus, tmp_path / "profiles.png"))


def test_pareto_front_png(tmp_path: Path) -> None:
    """Two-objective returns with a known front render as a PNG."""
    rng = np.random.default_rng(2)
    cloud = rng.random((40, 2))
    front = np.array([[0.0, 1.0], [0.7, 0.7], [1.0, 0.0]])
    path = plot_pareto_fronts({"agent": cloud}, tmp_path / "front.png", ("treasure", "time"), front)
    assert_real_png(path)


def test_mismatched_curve_lengths_are_refused(tmp_path: Path) -> None:
    """A curve whose returns do not match its timesteps raises, naming the curve."""
    with pytest.raises(ValueError, match="curve 'ppo': 3 timesteps"):
        plot_learning_curves({"ppo": ([0, 1, 2], np.zeros((2, 4)))}, tmp_path / "bad.png")
