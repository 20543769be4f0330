"""Single-env steps/s of every UAV id, beside Gymnasium's own CartPole-v1 in the same run.

    python benchmarks/single_env_speed.py [--seconds 0.5] [--repeats 5] [--ids ID ...]
                                          [--save FILE.json] [--compare BEFORE.json]

What a user pays per ``env.step`` of one ``gym.make`` env in a plain Python loop (the loop
SB3's DummyVecEnv, ``rlbench evaluate`` and the main job run): every registered UAV id
(``rlbench list --family uav``; MultiQuadHover through its PettingZoo ParallelEnv, stepped with
a dict of actions), with two action sources:

- ``random``: ``env.action_space.sample()`` every step (the sampling is part of the cost, as in
  any random-agent loop);
- ``fixed``: one constant action built once (all zeros: hover speed for the RPM action types).

Episodes reset when they end; resets are part of the cost. Each repeat steps for at least
``--seconds`` of wall clock; a row reports the median steps/s over ``--repeats`` repeats, the
spread (min-max) and the ratio to CartPole-v1's median with the same action source, measured
in the same run (a claim is a ratio measured side by side, never an absolute number).

Ids with a native kernel also get a row per backend (``backend="python"`` and
``backend="native"``) when the env takes a ``backend`` argument and the extension is built.

``--save`` writes the medians as JSON; ``--compare`` reads such a file (say, one saved at an
earlier commit) and adds its medians and the speed-up of this run over it. The two runs'
CartPole medians are printed too: where they differ much, the machine's load changed between
the runs, and the ratios to CartPole are the fairer comparison.
"""

from __future__ import annotations

import argparse
import inspect
import json
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import gymnasium as gym
import numpy as np

import rlbench_suite  # noqa: F401  (registers the envs)
from rlbench_suite.registry import env_card, list_envs, make

CALIBRATION_ID = "CartPole-v1"
ACTION_SOURCES = ("random", "fixed")


@dataclass(frozen=True)
class Row:
    """One env configuration to time: an id, its constructor arguments and a label."""

    env_id: str
    kwargs: dict[str, Any] = field(default_factory=dict)

    @property
    def label(self) -> str:
        suffix = ", ".join(f"{key}={value}" for key, value in self.kwargs.items())
        return f"{self.env_id} [{suffix}]" if suffix else self.env_id


def rows_for(env_ids: list[str]) -> list[Row]:
    """The calibration row, then each id's rows (one per backend where the env has a choice)."""
    rows = [Row(CALIBRATION_ID)]
    for env_id in env_ids:
        rows.append(Row(env_id))
        card = env_card(env_id)
        if card.native_kernel and _takes_backend(card.entry_point):
            from rlbench_suite.vector import native_available

            rows[-1] = Row(env_id, {"backend": "python"})
            if native_available():
                rows.append(Row(env_id, {"backend": "native"}))
    return rows


def _takes_backend(entry_point: str) -> bool:
    module_name, class_name = entry_point.split(":")
    module = __import__(module_name, fromlist=[class_name])
    return "backend" in inspect.signature(getattr(module, class_name)).parameters


def _stepper(row: Row, source: str, seed: int) -> tuple[Callable[[], None], Any]:
    """A zero-argument callable that takes one step (resetting at episode ends), and the env."""
    env = gym.make(row.env_id, **row.kwargs) if row.env_id == CALIBRATION_ID else None
    if env is None:
        env = make(row.env_id, **row.kwargs)
    if hasattr(env, "possible_agents"):  # a PettingZoo ParallelEnv
        return _parallel_stepper(env, source, seed), env
    env.reset(seed=seed)
    env.action_space.seed(seed)
    fixed = np.zeros(env.action_space.shape, dtype=env.action_space.dtype)

    def step() -> None:
        action = env.action_space.sample() if source == "random" else fixed
        _, _, terminated, truncated, _ = env.step(action)
        if terminated or truncated:
            env.reset()

    return step, env


def _parallel_stepper(env: Any, source: str, seed: int) -> Callable[[], None]:
    env.reset(seed=seed)
    for index, agent in enumerate(env.possible_agents):
        env.action_space(agent).seed(seed + index)
    fixed = {
        agent: np.zeros(env.action_space(agent).shape, dtype=env.action_space(agent).dtype)
        for agent in env.possible_agents
    }

    def step() -> None:
        if source == "random":
            actions = {agent: env.action_space(agent).sample() for agent in env.agents}
        else:
            actions = {agent: fixed[agent] for agent in env.agents}
        env.step(actions)
        if not env.agents:
            env.reset()

    return step


def steps_per_second(row: Row, source: str, seconds: float, repeats: int) -> list[float]:
    """Steps/s of ``repeats`` timed runs of at least ``seconds`` each (after a short warm-up)."""
    step, env = _stepper(row, source, seed=0)
    try:
        for _ in range(20):  # imports, caches, first allocations
            step()
        rates = []
        for _ in range(repeats):
            count, start = 0, time.perf_counter()
            elapsed = 0.0
            while elapsed < seconds:
                for _ in range(50):
                    step()
                count += 50
                elapsed = time.perf_counter() - start
            rates.append(count / elapsed)
        return rates
    finally:
        env.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=0.5, help="minimum length of a repeat")
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--ids", nargs="+", help="UAV ids to time (default: the whole family)")
    parser.add_argument("--save", type=Path, help="write the medians to this JSON file")
    parser.add_argument("--compare", type=Path, help="a file written by --save to compare with")
    args = parser.parse_args()

    env_ids = args.ids or list_envs(family="uav")
    before = json.loads(args.compare.read_text()) if args.compare else None
    medians: dict[str, dict[str, float]] = {}
    lines = []
    header = "| env | actions | steps/s (median) | min-max | x CartPole |"
    rule = "|---|---|---|---|---|"
    if before is not None:
        header += " before steps/s | before x CartPole | speed-up |"
        rule += "---|---|---|"
    for source in ACTION_SOURCES:
        for row in rows_for(env_ids):
            rates = steps_per_second(row, source, args.seconds, args.repeats)
            median = statistics.median(rates)
            medians.setdefault(row.label, {})[source] = median
            calibration = medians[CALIBRATION_ID][source]
            line = (
                f"| {row.label} | {source} | {median:,.0f} | {min(rates):,.0f}-{max(rates):,.0f} "
                f"| {median / calibration:.4f} |"
            )
            if before is not None:
                # A backend row compares with the id's plain row of the earlier run, if that
                # run had no backend rows.
                earlier = before.get(row.label) or before.get(row.env_id)
                if earlier and source in earlier:
                    then, then_calibration = earlier[source], before[CALIBRATION_ID][source]
                    line += (
                        f" {then:,.0f} | {then / then_calibration:.4f} "
                        f"| {(median / calibration) / (then / then_calibration):.1f}x |"
                    )
                else:
                    line += " - | - | - |"
            lines.append(line)
            print(line, flush=True)
    print()
    print(
        f"{args.repeats} repeats of >= {args.seconds} s each; speed-up = ratio to CartPole now "
        "over ratio to CartPole then (load-independent)"
    )
    print(header)
    print(rule)
    for line in lines:
        print(line)
    if args.save:
        args.save.write_text(json.dumps(medians, indent=2) + "\n")


if __name__ == "__main__":
    main()
