"""mbt_gym's Avellaneda-Stoikov replication on rlbench/MarketMaking-v0, and the makers ranked.

    python benchmarks/replicate_mbt_gym.py                  # 1,000 episodes (about a minute)
    python benchmarks/replicate_mbt_gym.py --episodes 100 --json

Prints three Markdown tables:

1. mbt_gym's published replication (its Avellaneda-Stoikov notebook: S0 100, T 1, sigma 2, 200
   steps, lambda 140 a side, kappa 1.5, q0 0, 1,000 trajectories) beside ours on the PnL reward:
   mean quoted spread, PnL +- std, terminal inventory +- std, for gamma 0.1 and 0.01;
2. the makers on the default, inventory-penalised criterion (PnL - 2 dt q^2): mean return
   with its 95 % interval, for Cartea-Jaimungal, Avellaneda-Stoikov (0.1), the fixed spread,
   random and the trivial constant actions;
3. paired differences (same seeds, so the same market noise): Avellaneda-Stoikov minus fixed
   spread and Cartea-Jaimungal minus Avellaneda-Stoikov, with 95 % intervals.

Episode ``i`` is reset with seed ``seed + i``; every maker sees the same seeds.
"""

from __future__ import annotations

import argparse
import json
import math
from collections.abc import Callable
from typing import Any

import gymnasium as gym
import numpy as np

import rlbench_suite  # noqa: F401  (registers the ids)
from rlbench_suite.agents import RandomAgent
from rlbench_suite.agents.trading.market_making import (
    AvellanedaStoikovAgent,
    CarteaJaimungalAgent,
    FixedSpreadAgent,
)
from rlbench_suite.agents.trivial import trivial_policies

ENV_ID = "rlbench/MarketMaking-v0"
#: mbt_gym's Avellaneda-Stoikov notebook, 1,000 trajectories: gamma -> (mean spread, PnL mean,
#: PnL std, terminal inventory mean, terminal inventory std).
MBT_GYM_PUBLISHED = {
    0.1: (1.492, 64.87, 6.69, 0.201, 2.89),
    0.01: (1.349, 68.75, 8.72, 0.23, 5.10),
}
Z95 = 1.959963984540054


def run_episodes(
    make_agent: Callable[[gym.Env], Any], reward: str, episodes: int, seed: int
) -> dict[str, np.ndarray]:
    """Per-episode return, mean quoted spread (price units) and terminal inventory."""
    env = gym.make(ENV_ID, reward=reward)
    model = env.unwrapped
    agent = make_agent(env)
    returns, spreads, inventories = [], [], []
    for index in range(episodes):
        agent.reset(seed + index)
        observation, _ = env.reset(seed=seed + index)
        total, quoted, done = 0.0, [], False
        while not done:
            action = agent.act(observation)
            quoted.append(float(np.sum(action, dtype=np.float64)) * model.max_depth)
            observation, reward_value, terminated, truncated, _ = env.step(action)
            total += float(reward_value)
            done = terminated or truncated
        returns.append(total)
        spreads.append(float(np.mean(quoted)))
        inventories.append(model.inventory)
    env.close()
    return {
        "return": np.array(returns),
        "spread": np.array(spreads),
        "inventory": np.array(inventories, dtype=np.float64),
    }


def ci95(values: np.ndarray) -> float:
    """Half-width of the normal 95 % interval of the mean."""
    return Z95 * float(np.std(values, ddof=1)) / math.sqrt(len(values))


def replication(episodes: int, seed: int) -> list[dict[str, Any]]:
    """Table 1: Avellaneda-Stoikov on the PnL reward beside mbt_gym's published numbers."""
    rows = []
    for gamma, published in MBT_GYM_PUBLISHED.items():
        run = run_episodes(
            lambda env, gamma=gamma: AvellanedaStoikovAgent(env, risk_aversion=gamma),
            "pnl",
            episodes,
            seed,
        )
        rows.append(
            {
                "gamma": gamma,
                "spread": float(np.mean(run["spread"])),
                "pnl_mean": float(np.mean(run["return"])),
                "pnl_std": float(np.std(run["return"])),
                "inventory_mean": float(np.mean(run["inventory"])),
                "inventory_std": float(np.std(run["inventory"])),
                "published": dict(
                    zip(
                        ("spread", "pnl_mean", "pnl_std", "inventory_mean", "inventory_std"),
                        published,
                        strict=True,
                    )
                ),
            }
        )
    return rows


def makers(episodes: int, seed: int) -> dict[str, np.ndarray]:
    """Returns on the default criterion of each maker, random and the trivial policies."""
    template = gym.make(ENV_ID)
    trivial = trivial_policies(template)
    template.close()
    factories: dict[str, Callable[[gym.Env], Any]] = {
        "cartea_jaimungal": CarteaJaimungalAgent,
        "avellaneda_stoikov": AvellanedaStoikovAgent,
        "fixed_spread": FixedSpreadAgent,
        "random": RandomAgent,
    }
    factories.update(
        {name: (lambda env, policy=policy: policy) for name, policy in trivial.items()}
    )
    return {
        name: run_episodes(make, "inventory_penalty", episodes, seed)["return"]
        for name, make in factories.items()
    }


def print_tables(replicated: list[dict[str, Any]], returns: dict[str, np.ndarray]) -> None:
    """The three Markdown tables of the module docstring."""
    episodes = len(next(iter(returns.values())))
    print(f"### Avellaneda-Stoikov on the PnL reward, {episodes} episodes\n")
    print("| gamma | source | mean spread | PnL (mean +- std) | terminal inventory (mean +- std) |")
    print("|---|---|---|---|---|")
    for row in replicated:
        published = row["published"]
        for source, values in (("mbt_gym (published)", published), ("rlbench", row)):
            print(
                f"| {row['gamma']} | {source} | {values['spread']:.3f} | "
                f"{values['pnl_mean']:.2f} +- {values['pnl_std']:.2f} | "
                f"{values['inventory_mean']:.3f} +- {values['inventory_std']:.2f} |"
            )
    print(f"\n### Returns on the default criterion (PnL - 2 dt q^2), {episodes} episodes\n")
    print("| maker | mean return | 95 % CI | std |")
    print("|---|---|---|---|")
    for name, values in sorted(returns.items(), key=lambda item: -np.mean(item[1])):
        print(
            f"| {name} | {np.mean(values):.2f} | +- {ci95(values):.2f} | "
            f"{np.std(values, ddof=1):.2f} |"
        )
    print("\n### Paired differences (same seeds)\n")
    print("| comparison | mean difference | 95 % CI |")
    print("|---|---|---|")
    for better, worse in (
        ("avellaneda_stoikov", "fixed_spread"),
        ("cartea_jaimungal", "avellaneda_stoikov"),
    ):
        difference = returns[better] - returns[worse]
        print(f"| {better} - {worse} | {np.mean(difference):.2f} | +- {ci95(difference):.2f} |")


def main(argv: list[str] | None = None) -> None:
    """Run both experiments and print the tables (or the raw numbers with --json)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--episodes", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--json", action="store_true", help="print the numbers as JSON")
    args = parser.parse_args(argv)
    replicated = replication(args.episodes, args.seed)
    returns = makers(args.episodes, args.seed)
    if args.json:
        summary = {name: float(np.mean(values)) for name, values in returns.items()}
        print(json.dumps({"replication": replicated, "mean_returns": summary}, indent=2))
    else:
        print_tables(replicated, returns)


if __name__ == "__main__":
    main()
