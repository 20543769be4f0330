"""Wall clock of SB3 PPO through the native adapter vs DummyVecEnv, same hyperparameters.

    python benchmarks/bench_sb3_adapter.py [--env rlbench/QuadHover-v0] [--steps 20000]

Prints, per backend, the best of ``--repeats`` timed ``model.learn`` calls and the time that
scales to per 100k environment steps, and the ratio. Both backends train the same PPO (same
seed, n_steps, batch size, epochs, one torch thread) on ``--num-envs`` envs.
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable

import torch
from rich.console import Console
from rich.table import Table
from stable_baselines3 import PPO
from stable_baselines3.common.env_util import make_vec_env
from stable_baselines3.common.vec_env import DummyVecEnv, VecEnv

import rlbench_suite  # noqa: F401  (registers the envs)
from rlbench_suite.vector.sb3 import NativeSB3VecEnv


def time_learning(make_env: Callable[[], VecEnv], steps: int, repeats: int) -> float:
    """Best wall-clock seconds of ``repeats`` PPO runs of ``steps`` steps."""
    timings = []
    for _ in range(repeats):
        env = make_env()
        model = PPO("MlpPolicy", env, n_steps=256, batch_size=256, n_epochs=4, seed=0, device="cpu")
        start = time.perf_counter()
        model.learn(steps)
        timings.append(time.perf_counter() - start)
        env.close()
    return min(timings)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--env", default="rlbench/QuadHover-v0", help="an id with a C kernel")
    parser.add_argument("--env-kwargs", default="action_type=rpm", help="key=value,... for the env")
    parser.add_argument("--num-envs", type=int, default=8)
    parser.add_argument("--steps", type=int, default=20_000)
    parser.add_argument("--repeats", type=int, default=2)
    args = parser.parse_args()
    env_kwargs = dict(item.split("=", 1) for item in args.env_kwargs.split(",") if item)
    torch.set_num_threads(1)  # the policy is small; measure the env side, not BLAS threading
    backends: dict[str, Callable[[], VecEnv]] = {
        "native adapter": lambda: NativeSB3VecEnv(args.env, args.num_envs, **env_kwargs),
        "DummyVecEnv": lambda: make_vec_env(
            args.env, n_envs=args.num_envs, seed=0, env_kwargs=env_kwargs, vec_env_cls=DummyVecEnv
        ),
    }
    seconds = {
        name: time_learning(make, args.steps, args.repeats) for name, make in backends.items()
    }
    table = Table(title=f"SB3 PPO on {args.env}, {args.num_envs} envs, {args.steps} steps")
    for column in ("backend", "seconds", "seconds per 100k steps", "vs native"):
        table.add_column(column, justify="left" if column == "backend" else "right")
    for name, elapsed in seconds.items():
        table.add_row(
            name,
            f"{elapsed:.1f}",
            f"{elapsed * 100_000 / args.steps:.1f}",
            f"{elapsed / seconds['native adapter']:.2f}x",
        )
    Console().print(table)


if __name__ == "__main__":
    main()
