"""The finance metrics of every trading reference agent, per env: a Markdown table per id.

Each agent on an env's card plays the same seeded episodes through the scoring harness; the
table gives the mean return with its 95 % interval and the median over episodes of the metrics
the env reports in its last ``info`` (Sharpe, Sortino, max drawdown, Calmar, annualised return
and volatility, turnover, PnL, inventory statistics; each env reports the ones that apply).

    python benchmarks/trading_metrics.py                  # 50 episodes from seed 0, every id
    python benchmarks/trading_metrics.py --episodes 10 --env rlbench/MarketMaking-v0
"""

from __future__ import annotations

import argparse

import numpy as np

import rlbench_suite
from rlbench_suite.scoring import evaluate

#: The metrics shown, in order, where the env reports them.
METRICS = (
    "sharpe",
    "sortino",
    "max_drawdown",
    "calmar",
    "annual_return",
    "annual_volatility",
    "turnover",
    "pnl",
    "inventory_std",
    "inventory_max_abs",
    "position_max_abs",
)


def metrics_table(env_id: str, episodes: int, seed: int) -> str:
    """The Markdown table of ``env_id``'s agents."""
    card = rlbench_suite.env_card(env_id)
    results = {name: evaluate(name, env_id, n_episodes=episodes, seed=seed) for name in card.agents}
    shown = [
        key for key in METRICS if any(key in results[name].records[0].metrics for name in results)
    ]
    header = "| agent | return | " + " | ".join(shown) + " |"
    lines = [f"### {env_id} ({episodes} episodes from seed {seed})", "", header]
    lines.append("|" + "---|" * (2 + len(shown)))
    for name, result in results.items():
        label = f"{name} (expert)" if name == card.expert_agent else name
        cells = []
        for key in shown:
            values = [record.metrics[key] for record in result.records if key in record.metrics]
            cells.append(f"{np.nanmedian(values):.3g}" if values else "")
        mean_return = f"{result.mean_return:.4g} ± {result.ci95:.2g}"
        lines.append(f"| {label} | {mean_return} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--episodes", type=int, default=50)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--env", action="append", help="env id (repeatable; default: all)")
    arguments = parser.parse_args()
    for env_id in arguments.env or rlbench_suite.list_envs(family="trading"):
        print(metrics_table(env_id, arguments.episodes, arguments.seed), end="\n\n", flush=True)


if __name__ == "__main__":
    main()
