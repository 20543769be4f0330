"""Whittle vs myopic vs random on UCWhittle's setting (RMAB-UCWhittle-v0), with 95% intervals.

    python benchmarks/bench_bandits_ucwhittle.py [--seeds 50] [--episodes 10]

UCWhittle's synthetic setting: 8 two-state arms of its generator, 3 interventions a step, 20
steps, Whittle indices at discount 0.9. Returns are undiscounted sums over the 20 steps (0 to
160). Two tables:

1. The default instance, the one the card's references use: episodes reset with seeds
   0..seeds-1; mean return with its Student-t 95% interval, the IQM with rliable's
   stratified-bootstrap interval, and Whittle's lead over the agent, paired by seed.
2. Fresh cohorts, as UCWhittle draws a new cohort of arms for every run: ``instance_seed``
   0..seeds-1, ``--episodes`` episodes each; an agent's score on a cohort is its mean return
   there. Mean over cohorts with its Student-t interval, the IQM with its bootstrap interval,
   Whittle's lead paired by cohort (Student-t interval), and the probability that Whittle
   beats the agent (rliable's probability of improvement, unpaired, bootstrap interval).
"""

from __future__ import annotations

import argparse

import numpy as np
from rich.console import Console
from rich.table import Table

import rlbench_suite  # noqa: F401  (registers the envs)
from rlbench_suite.scoring import evaluate, mean_confidence_halfwidth
from rlbench_suite.scoring.aggregate import (
    IntervalEstimate,
    aggregate_scores,
    probability_of_improvement,
)

ENV_ID = "rlbench/RMAB-UCWhittle-v0"
AGENTS = ("whittle", "myopic", "random")


def default_instance_returns(seeds: int) -> dict[str, np.ndarray]:
    """Each agent's episode returns on the default instance, episode seeds 0..seeds-1."""
    return {agent: evaluate(agent, ENV_ID, n_episodes=seeds, seed=0).returns for agent in AGENTS}


def fresh_cohort_scores(seeds: int, episodes: int) -> dict[str, np.ndarray]:
    """Each agent's mean return on cohorts ``instance_seed`` 0..seeds-1, ``episodes`` each."""
    return {
        agent: np.array(
            [
                evaluate(
                    agent, ENV_ID, n_episodes=episodes, seed=0, env_kwargs={"instance_seed": cohort}
                ).mean_return
                for cohort in range(seeds)
            ]
        )
        for agent in AGENTS
    }


def interval_table(title: str, scores: dict[str, np.ndarray], unit: str) -> Table:
    """Mean, IQM, Whittle's paired lead and P(whittle > agent), each with its 95% interval."""
    # rliable takes (runs, tasks) matrices; this setting is one task.
    matrices = {agent: values[:, None] for agent, values in scores.items()}
    aggregates = aggregate_scores(matrices)
    table = Table(title=title)
    for column in (
        "agent",
        f"mean return over {unit} (95% CI)",
        "IQM [95% CI]",
        "whittle - agent, paired (95% CI)",
        "P(whittle > agent) [95% CI]",
    ):
        table.add_column(column)
    whittle = scores["whittle"]
    for agent, values in scores.items():
        lead = whittle - values  # (seeds,): both agents met the same seeds
        table.add_row(
            agent,
            _mean(values),
            _interval(aggregates[agent]["iqm"]),
            "-" if agent == "whittle" else _mean(lead),
            "-"
            if agent == "whittle"
            else _interval(probability_of_improvement(matrices["whittle"], matrices[agent])),
        )
    return table


def _mean(values: np.ndarray) -> str:
    return f"{values.mean():.2f} +- {mean_confidence_halfwidth(values):.2f}"


def _interval(estimate: IntervalEstimate) -> str:
    return f"{estimate.point:.2f} [{estimate.low:.2f}, {estimate.high:.2f}]"


def main() -> None:
    """Measure both tables and print them."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=50, help="episode seeds / cohorts (50)")
    parser.add_argument("--episodes", type=int, default=10, help="episodes per cohort (10)")
    args = parser.parse_args()
    console = Console(width=150)
    console.print(
        interval_table(
            f"{ENV_ID}, default instance: {args.seeds} episode seeds",
            default_instance_returns(args.seeds),
            f"{args.seeds} episodes",
        )
    )
    console.print(
        interval_table(
            f"{ENV_ID}, {args.seeds} fresh cohorts (instance_seed), {args.episodes} episodes each",
            fresh_cohort_scores(args.seeds, args.episodes),
            f"{args.seeds} cohorts",
        )
    )


if __name__ == "__main__":
    main()
