"""QuadL2F-v1 by Learning to Fly's own measures: reference agents beside trained TD3 runs.

    python benchmarks/bench_uav_l2f.py [--episodes 50] [--seed 10000] [--runs DIR]

For each agent, on the episodes reset with seeds ``seed .. seed + episodes - 1``: the mean
return with its Student-t 95% interval, L2F's settled fraction (``info["is_success"]``: the
episode ran all 500 steps and ended within 0.2 m of the origin, its
``SettlingFractionPosition(200mm)``) and the mean episode length. Agents: random, the constant
mid-range action (the card's zero anchor), the DSL PID expert and, with ``--runs``, every
``seed_*`` folder of an ``rlbench train --algo td3 --env rlbench/QuadL2F-v1`` output (e.g.
``runs/td3/rlbench_QuadL2F-v1``), its model replayed deterministically as the runner evaluates
it. The default seeds are the runner's evaluation seeds, so the TD3 rows repeat its final
evaluation and the reference rows sit on the same episodes.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

import numpy as np
from rich.console import Console
from rich.table import Table

import rlbench_suite  # noqa: F401  (registers the envs)
from rlbench_suite.scoring import evaluate, mean_confidence_halfwidth

ENV_ID = "rlbench/QuadL2F-v1"


def constant_centre(_observation: np.ndarray) -> np.ndarray:
    """Every motor at mid-range (action 0), the best trivial policy on the card."""
    return np.zeros(4, dtype=np.float32)


def trained_agents(runs: Path) -> dict[str, Any]:
    """One deterministic agent per ``seed_*`` folder of a TD3 run directory that holds a model."""
    from rlbench_suite.baselines.sb3 import load_agent

    agents = {}
    for folder in sorted(runs.glob("seed_*")):
        result_path, model_path = folder / "result.json", folder / "model.zip"
        if not (result_path.exists() and model_path.exists()):
            continue
        settings = json.loads(result_path.read_text())["settings"]
        # The optimizer does not act when a policy is replayed, and the weights-only loader
        # refuses its kwargs (the paper's Adam weight decay), so the replay drops them.
        settings["hyperparameters"].get("policy_kwargs", {}).pop("optimizer_kwargs", None)
        agents[f"td3 {folder.name}"] = load_agent(model_path, "td3", ENV_ID, settings)
    return agents


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--episodes", type=int, default=50)
    parser.add_argument("--seed", type=int, default=10_000, help="first episode seed")
    parser.add_argument("--runs", type=Path, help="an rlbench train output folder of TD3 seeds")
    args = parser.parse_args()
    agents: dict[str, Any] = {"random": "random", "constant centre": constant_centre, "pid": "pid"}
    if args.runs is not None:
        agents.update(trained_agents(args.runs))
    table = Table(title=f"{ENV_ID}, {args.episodes} episodes from seed {args.seed}")
    for column in ("agent", "mean return (95% CI)", "settled", "mean length"):
        table.add_column(column, justify="left" if column == "agent" else "right")
    for name, agent in agents.items():
        records = evaluate(agent, ENV_ID, n_episodes=args.episodes, seed=args.seed).records
        returns = np.array([record.episode_return for record in records], dtype=float)
        settled = np.mean([record.metrics.get("is_success", 0.0) for record in records])
        lengths = np.mean([record.length for record in records])
        halfwidth = mean_confidence_halfwidth(returns)
        table.add_row(
            name, f"{returns.mean():.1f} ± {halfwidth:.1f}", f"{settled:.0%}", f"{lengths:.0f}"
        )
    Console().print(table)


if __name__ == "__main__":
    main()
