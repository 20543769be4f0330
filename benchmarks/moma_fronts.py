"""Scalarised PPO's approximate front against the heuristics', per multi-objective env.

Reads the runs ``rlbench train --algo ppo --env ID`` wrote (one per weight vector, each with its
final evaluation's episodes), plays every heuristic agent of the card on the same episode seeds,
and prints per env: each point's mean return vector, which points are non-dominated, and the
hypervolume (from the card's reference point) and expected utility (equally spaced weights) of
the PPO front, the heuristics' front and their union, each with a 95 % bootstrap interval
(:func:`rlbench_suite.leaderboard.fronts.front_scores`).

    rlbench train --algo ppo --env rlbench/MORMAB-v0 --seeds 0 --out runs
    python benchmarks/moma_fronts.py runs rlbench/MORMAB-v0
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np

import rlbench_suite
from rlbench_suite.leaderboard.fronts import front_scores
from rlbench_suite.scoring import evaluate
from rlbench_suite.scoring.multi_objective import pareto_front


def ppo_runs(runs_folder: Path, env_id: str) -> dict[str, tuple[list[int], np.ndarray]]:
    """Per weight vector: the final evaluation's episode seeds and return vectors."""
    folder = runs_folder / "ppo" / env_id.replace("/", "_")
    runs = {}
    for result_file in sorted(folder.glob("w*/seed_*/result.json")):
        evaluation = json.loads(result_file.read_text())["evaluation"]
        weights = ", ".join(f"{w:g}" for w in evaluation["reward_weights"])
        label = f"ppo w=({weights}) {result_file.parent.name}"
        episodes = evaluation["episodes"]
        runs[label] = (
            [episode["seed"] for episode in episodes],
            np.array([episode["return"] for episode in episodes], dtype=float),
        )
    if not runs:
        raise SystemExit(f"no PPO runs of {env_id} under {folder}")
    return runs


def scores_text(scores: dict) -> str:
    """``point [low, high]`` of hypervolume and expected utility."""
    parts = []
    for key in ("hypervolume", "expected_utility"):
        value = scores[key]
        interval = "" if value["low"] is None else f" [{value['low']:.4g}, {value['high']:.4g}]"
        parts.append(f"{value['point']:.4g}{interval}")
    return " | ".join(parts)


def front_table(runs_folder: Path, env_id: str) -> str:
    """The Markdown comparison for ``env_id``."""
    card = rlbench_suite.env_card(env_id)
    ppo = ppo_runs(runs_folder, env_id)
    seeds = next(iter(ppo.values()))[0]
    heuristics = {
        name: np.array([r.episode_return for r in evaluate(name, env_id, seeds=seeds).records])
        for name in card.agents
        if name != "random"
    }
    every = {**{label: returns for label, (_, returns) in ppo.items()}, **heuristics}
    means = {label: returns.mean(axis=0) for label, returns in every.items()}
    front = pareto_front(np.array(list(means.values())))
    lines = [
        f"### {env_id}: ({', '.join(card.objectives)}), {len(seeds)} episodes each, "
        f"reference point {tuple(card.reference_point)}",
        "",
        "| point | mean return | on the joint front |",
        "|---|---|---|",
    ]
    for label, mean in means.items():
        on_front = any(np.array_equal(mean, point) for point in front)
        vector = ", ".join(f"{value:.4g}" for value in mean)
        lines.append(f"| {label} | {vector} | {'yes' if on_front else ''} |")
    lines += ["", "| front | hypervolume [95 % CI] | expected utility [95 % CI] |", "|---|---|---|"]
    for name, members in (
        ("scalarised PPO", [returns for _, returns in ppo.values()]),
        ("heuristics", list(heuristics.values())),
        ("both", list(every.values())),
    ):
        lines.append(f"| {name} | {scores_text(front_scores(members, card.reference_point))} |")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("runs", type=Path, help="the --out folder of rlbench train")
    parser.add_argument("env_ids", nargs="+", help="multi-objective env ids")
    arguments = parser.parse_args()
    for env_id in arguments.env_ids:
        print(front_table(arguments.runs, env_id), end="\n\n", flush=True)


if __name__ == "__main__":
    main()
