"""Plots people would rather look at than read, saved as PNG: curves, intervals, profiles, fronts.

Every function draws on a fresh figure with matplotlib's off-screen Agg backend, writes ``path``
and returns it, so it runs on machines with no display.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from rlbench_suite.scoring.aggregate import AGGREGATES, IntervalEstimate
from rlbench_suite.scoring.multi_objective import pareto_front

AGGREGATE_TITLES = {
    "iqm": "IQM",
    "mean": "Mean",
    "median": "Median",
    "optimality_gap": "Optimality gap",
}


def _pyplot() -> Any:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def _save(figure: Any, path: str | Path) -> Path:
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    figure.tight_layout()
    figure.savefig(target, dpi=120)
    _pyplot().close(figure)
    return target


def plot_learning_curves(
    curves: Mapping[str, tuple[Sequence[float], np.ndarray]],
    path: str | Path,
    title: str = "Learning curves",
    reference_lines: Mapping[str, float] | None = None,
) -> Path:
    """Mean evaluation return against timesteps, with the spread over seeds shaded.

    ``curves[label] = (timesteps, returns)`` with ``returns`` of shape (num_seeds, num_points)
    (or (num_points,) for one seed). ``reference_lines`` draws horizontal lines, e.g. the
    random and expert references of the env.
    """
    plt = _pyplot()
    figure, axes = plt.subplots(figsize=(7, 4.5))
    for label, (timesteps, returns) in curves.items():
        values = np.atleast_2d(np.asarray(returns, dtype=float))
        steps = np.asarray(timesteps, dtype=float)
        if values.shape[1] != steps.shape[0]:
            raise ValueError(
                f"curve {label!r}: {steps.shape[0]} timesteps but returns of shape {values.shape}"
            )
        mean = values.mean(axis=0)
        (line,) = axes.plot(steps, mean, label=f"{label} ({values.shape[0]} seeds)")
        if values.shape[0] > 1:
            axes.fill_between(
                steps, values.min(axis=0), values.max(axis=0), alpha=0.2, color=line.get_color()
            )
    for name, level in (reference_lines or {}).items():
        axes.axhline(level, linestyle="--", color="grey", linewidth=1)
        axes.annotate(name, (axes.get_xlim()[0], level), fontsize=8, va="bottom")
    axes.set_xlabel("environment steps")
    axes.set_ylabel("evaluation return")
    axes.set_title(title)
    axes.legend(loc="best", fontsize=8)
    return _save(figure, path)


def plot_interval_estimates(
    aggregates: Mapping[str, Mapping[str, IntervalEstimate]],
    path: str | Path,
    metrics: Sequence[str] = AGGREGATES,
) -> Path:
    """One panel per aggregate: each algorithm's point estimate and bootstrap interval."""
    plt = _pyplot()
    algorithms = list(aggregates)
    figure, axes = plt.subplots(
        1, len(metrics), figsize=(3.2 * len(metrics), 0.5 * len(algorithms) + 1.5), squeeze=False
    )
    for panel, metric in zip(axes[0], metrics, strict=True):
        for row, algorithm in enumerate(algorithms):
            estimate = aggregates[algorithm][metric]
            panel.barh(row, estimate.high - estimate.low, left=estimate.low, height=0.6, alpha=0.6)
            panel.plot([estimate.point, estimate.point], [row - 0.3, row + 0.3], color="black")
        panel.set_yticks(range(len(algorithms)), algorithms if panel is axes[0][0] else [])
        panel.set_title(AGGREGATE_TITLES.get(metric, metric))
        panel.set_xlabel("normalised score")
    return _save(figure, path)


def plot_seed_scores(
    rows: Sequence[tuple[str, Sequence[float], IntervalEstimate]],
    path: str | Path,
    title: str,
    xlabel: str,
) -> Path:
    """One line per entry: a dot per seed, the point estimate and its interval as a bar."""
    plt = _pyplot()
    figure, axis = plt.subplots(figsize=(6.0, 0.45 * len(rows) + 1.4))
    for row, (_, values, estimate) in enumerate(rows):
        axis.barh(row, estimate.high - estimate.low, left=estimate.low, height=0.6, alpha=0.35)
        axis.plot([estimate.point, estimate.point], [row - 0.3, row + 0.3], color="black")
        axis.scatter(values, [row] * len(values), s=12, color="tab:red", zorder=3)
    axis.set_yticks(range(len(rows)), [label for label, _, _ in rows])
    axis.invert_yaxis()
    axis.set_xlabel(xlabel)
    axis.set_title(title)
    return _save(figure, path)


def plot_performance_profiles(
    profiles: Mapping[str, Sequence[IntervalEstimate]],
    thresholds: Sequence[float],
    path: str | Path,
) -> Path:
    """Fraction of runs above each normalised-score threshold, with bootstrap bands."""
    plt = _pyplot()
    taus = np.asarray(thresholds, dtype=float)
    figure, axes = plt.subplots(figsize=(6, 4))
    for algorithm, estimates in profiles.items():
        if len(estimates) != taus.size:
            raise ValueError(
                f"profile {algorithm!r} has {len(estimates)} points for {taus.size} thresholds"
            )
        points = np.array([estimate.point for estimate in estimates])
        (line,) = axes.plot(taus, points, label=algorithm)
        axes.fill_between(
            taus,
            [estimate.low for estimate in estimates],
            [estimate.high for estimate in estimates],
            alpha=0.2,
            color=line.get_color(),
        )
    axes.set_xlabel("normalised score τ")
    axes.set_ylabel("fraction of runs with score > τ")
    axes.set_ylim(-0.02, 1.02)
    axes.legend(loc="best", fontsize=8)
    return _save(figure, path)


def plot_pareto_fronts(
    returns: Mapping[str, np.ndarray],
    path: str | Path,
    objectives: tuple[str, str] = ("objective 0", "objective 1"),
    true_front: np.ndarray | None = None,
) -> Path:
    """Two-objective return vectors per agent, their non-dominated points joined as a front."""
    plt = _pyplot()
    figure, axes = plt.subplots(figsize=(6, 4.5))
    for label, points in returns.items():
        cloud = np.asarray(points, dtype=float)
        if cloud.ndim != 2 or cloud.shape[1] != 2:
            raise ValueError(f"{label!r}: need (num_points, 2) returns, got shape {cloud.shape}")
        scatter = axes.scatter(cloud[:, 0], cloud[:, 1], s=12, alpha=0.4, label=label)
        front = pareto_front(cloud)
        front = front[np.argsort(front[:, 0])]
        axes.plot(front[:, 0], front[:, 1], marker="o", color=scatter.get_facecolor()[0])
    if true_front is not None:
        known = np.asarray(true_front, dtype=float)
        known = known[np.argsort(known[:, 0])]
        axes.plot(known[:, 0], known[:, 1], "k--", linewidth=1, label="true front")
    axes.set_xlabel(objectives[0])
    axes.set_ylabel(objectives[1])
    axes.legend(loc="best", fontsize=8)
    return _save(figure, path)
