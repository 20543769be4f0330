"""CarDealer: degenerate seller scripts against the negotiator and random.

Each script in :data:`rlbench_suite.agents.language.car_dealer.SCRIPTS` (repeat one line,
"deal" at once, accept the first counter, $1 decrements from $999,999 or from the list price,
an absurd opening, a "final offer" probe, ...) plays the same buyers as the expert and random:
episode ``i`` is reset with seed ``i``. The table gives each one's mean return (the sale price in
thousands of dollars, 0 without a sale) with its 95 % interval, its sale rate and its share of
the expert's mean.

    python benchmarks/car_dealer_scripts.py                 # 50 seeds, a Markdown table
    python benchmarks/car_dealer_scripts.py --episodes 10
"""

from __future__ import annotations

import argparse

import numpy as np

import rlbench_suite  # noqa: F401  (registers the ids)
from rlbench_suite.agents.language.car_dealer import SCRIPTS
from rlbench_suite.scoring import evaluate

ENV_ID = "rlbench/CarDealer-v0"


def row(name: str, agent: object, episodes: int, expert_mean: float | None) -> str:
    """One Markdown table row: mean +- 95 % interval, sale rate, share of the expert's mean."""
    result = evaluate(agent, ENV_ID, n_episodes=episodes, seed=0)
    sold = np.mean([record.metrics["sold"] for record in result.records])
    share = "" if expert_mean is None else f"{100 * result.mean_return / expert_mean:.0f}%"
    return (
        f"| {name} | {result.mean_return:.2f} +- {result.ci95:.2f} | {100 * sold:.0f}% | {share} |"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--episodes", type=int, default=50, help="buyers (seeds 0..N-1)")
    arguments = parser.parse_args()
    expert = evaluate("expert", ENV_ID, n_episodes=arguments.episodes, seed=0).mean_return
    print(f"CarDealer-v0, {arguments.episodes} buyers (seeds 0..{arguments.episodes - 1})\n")
    print("| seller | mean return | sale rate | of the expert |")
    print("|--------|-------------|-----------|---------------|")
    print(row("dealer_negotiator (expert)", "expert", arguments.episodes, expert))
    print(row("random", "random", arguments.episodes, expert))
    for name, script in SCRIPTS.items():
        print(row(name, script(), arguments.episodes, expert))


if __name__ == "__main__":
    main()
