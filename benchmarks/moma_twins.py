"""The single-agent multi-objective twins' reference agents: return vectors, front, hypervolume.

Every agent on the card of MOPortfolio, MOMarketMaking and MORMAB plays the same seeded episodes
through the scoring harness. Per id, a Markdown table gives each agent's mean return vector
with 95 % Student-t half-widths, whether the mean is on the non-dominated set of the agents'
means, and its utility at equal weights (the mean over objectives, which picks the card's
expert); below it, the front's hypervolume from the card's reference point and its expected
utility over equally spaced weights, each with a 95 % stratified-bootstrap interval
(:func:`rlbench_suite.leaderboard.fronts.front_scores`), and the worst episode return seen on
each objective beside the reference point, which must lie below it.

    python benchmarks/moma_twins.py                            # 30 episodes from seed 0, all
    python benchmarks/moma_twins.py --episodes 100 --env rlbench/MORMAB-v0
"""

from __future__ import annotations

import argparse

import numpy as np

import rlbench_suite
from rlbench_suite.leaderboard.fronts import front_scores
from rlbench_suite.scoring import evaluate
from rlbench_suite.scoring.multi_objective import pareto_front

TWINS = ("rlbench/MOPortfolio-v0", "rlbench/MOMarketMaking-v0", "rlbench/MORMAB-v0")


def twin_table(env_id: str, episodes: int, seed: int) -> str:
    """The Markdown table and front scores of ``env_id``'s reference agents."""
    card = rlbench_suite.env_card(env_id)
    results = {name: evaluate(name, env_id, n_episodes=episodes, seed=seed) for name in card.agents}
    means = np.array([result.returns.mean(axis=0) for result in results.values()])
    front = pareto_front(means)
    header = "| agent | " + " | ".join(card.objectives) + " | on front | equal-weight utility |"
    lines = [f"### {env_id} ({episodes} episodes from seed {seed})", "", header]
    lines.append("|" + "---|" * (len(card.objectives) + 3))
    for (name, result), mean in zip(results.items(), means, strict=True):
        label = f"{name} (expert)" if name == card.expert_agent else name
        cells = [
            f"{value:.4g} ± {halfwidth:.2g}"
            for value, halfwidth in zip(mean, np.atleast_1d(result.ci95), strict=True)
        ]
        on_front = "yes" if any(np.array_equal(mean, point) for point in front) else ""
        lines.append(f"| {label} | " + " | ".join(cells) + f" | {on_front} | {mean.mean():.4g} |")
    scores = front_scores([result.returns for result in results.values()], card.reference_point)
    worst = np.min([result.returns.min(axis=0) for result in results.values()], axis=0)
    for metric in ("hypervolume", "expected_utility"):
        value = scores[metric]
        lines.append(
            f"\n{metric} of the agents' front: {value['point']:.6g} "
            f"[{value['low']:.6g}, {value['high']:.6g}]"
        )
    lines.append(
        f"\nfront: {scores['cardinality']} points; reference point {card.reference_point}; "
        f"worst episode per objective {np.round(worst, 4).tolist()}"
    )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--episodes", type=int, default=30)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--env", action="append", choices=TWINS, help="one id (repeatable)")
    arguments = parser.parse_args()
    for env_id in arguments.env or TWINS:
        print(twin_table(env_id, arguments.episodes, arguments.seed), end="\n\n")


if __name__ == "__main__":
    main()
