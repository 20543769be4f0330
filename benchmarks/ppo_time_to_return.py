"""Wall clock to a given return: the native PPO runner against SB3's PPO, side by side.

    python benchmarks/ppo_time_to_return.py                       # CartPole to 475, 3 seeds
    python benchmarks/ppo_time_to_return.py --env rlbench/QuadHover-v0 --budget 200000

Each run trains from scratch and is evaluated every ``--eval-every`` env steps on the same
10 seeded episodes (deterministic policy, one native vector env of 10 copies, a batch per
step, for both learners); the clock stops while it evaluates. A run's time to return is its
training wall clock at the first evaluation whose mean reaches the target (CartPole 475;
QuadHover the PID's reference return). Both learners use their shipped configs
(``configs/native_ppo.yaml`` and ``configs/ppo.yaml``), torch on one thread.

SB3 gets its best vector env, picked fairly: each of DummyVecEnv, SubprocVecEnv and the native
adapter (``NativeSB3VecEnv``; it cannot apply per-env wrappers, so it is skipped where the
config has some) trains seed 0 for ``--pick-steps`` steps, and the fastest in steps per second
trains every seed. The table (medians over seeds, and their ratio) is printed and written to
``baselines/results/native_ppo/``. Numbers depend on the machine and its load: quote the ratio
of one run, not the seconds.
"""

from __future__ import annotations

import argparse
import dataclasses
import os
import platform
import statistics
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
import torch
from stable_baselines3.common.callbacks import BaseCallback

import rlbench_suite
from rlbench_suite.agents.sb3 import ALGORITHMS
from rlbench_suite.baselines import native_ppo
from rlbench_suite.baselines import sb3 as sb3_runner
from rlbench_suite.registry import env_card
from rlbench_suite.vector import NativeVectorEnv

EVAL_EPISODES = 10
EVAL_SEED = 10_000
RESULTS = Path(__file__).resolve().parent.parent / "baselines" / "results" / "native_ppo"
Policy = Callable[[np.ndarray], np.ndarray]  # bare-env observations (batch) -> actions


def target_return(env_id: str) -> float:
    """CartPole's 475, else the EnvCard's expert (QuadHover: the PID's return)."""
    return 475.0 if env_id == "rlbench/CartPole-v1" else float(env_card(env_id).references.expert)


def evaluate_batch(env_id: str, policy: Policy) -> float:
    """Mean return of one episode on each of EVAL_EPISODES seeded envs, stepped as a batch."""
    envs = NativeVectorEnv(env_id, EVAL_EPISODES)
    observations, _ = envs.reset(seed=[EVAL_SEED + i for i in range(EVAL_EPISODES)])
    returns = np.zeros(EVAL_EPISODES)
    running = np.ones(EVAL_EPISODES, dtype=bool)
    while running.any():
        observations, rewards, terminations, truncations, _ = envs.step(policy(observations))
        returns += rewards * running
        running &= ~(terminations | truncations)
    envs.close()
    return float(returns.mean())


def row_maps(env_id: str, wrappers: tuple) -> tuple[Callable, Callable]:
    """Batch maps through a config's observation and action wrappers (identity without)."""
    rows = native_ppo.RowWrappers(env_id, wrappers, {})
    return rows.observations, rows.actions


class Clock:
    """Training wall clock that stops while evaluating; stops the run at the target."""

    def __init__(self, env_id: str, target: float) -> None:
        self.env_id, self.target = env_id, target
        self.started = time.perf_counter()
        self.paused = 0.0
        self.reached: tuple[float, int] | None = None  # (seconds, steps)
        self.last = (0.0, float("nan"))

    def check(self, steps: int, policy: Policy) -> bool:
        """Evaluate; True to keep training."""
        now = time.perf_counter()
        seconds = now - self.started - self.paused  # training time so far
        value = evaluate_batch(self.env_id, policy)
        self.paused += time.perf_counter() - now
        self.last = (seconds, value)
        print(f"    {steps:>8,} steps {seconds:7.1f} s  eval {value:8.2f}", flush=True)
        if value >= self.target:
            self.reached = (seconds, steps)
            return False
        return True


def run_native(env_id: str, seed: int, budget: int, eval_every: int) -> Clock:
    """The native runner's shipped config until the target or the budget."""
    config = native_ppo.load_native_config(env_id)
    clock = Clock(env_id, target_return(env_id))
    learner = native_ppo.NativePPO(config, seed)
    to_policy, to_env = row_maps(env_id, config.env_wrapper)
    next_check = [eval_every]

    def policy(observations: np.ndarray) -> np.ndarray:
        return to_env(learner.act(to_policy(observations)))

    def after_rollout(trained: native_ppo.NativePPO) -> bool:
        if trained.num_timesteps < next_check[0]:
            return True
        next_check[0] += eval_every
        return clock.check(trained.num_timesteps, policy)

    learner.learn(budget, after_rollout)
    learner.close()
    return clock


class _Stop(BaseCallback):
    def __init__(self, clock: Clock, eval_every: int, policy: Callable) -> None:
        super().__init__()
        self.clock, self.eval_every, self.policy = clock, eval_every, policy
        self.next_check = eval_every

    def _on_step(self) -> bool:
        if self.num_timesteps < self.next_check:
            return True
        self.next_check += self.eval_every
        return self.clock.check(self.num_timesteps, self.policy)


def run_sb3(
    env_id: str, seed: int, budget: int, eval_every: int, vec_env: str
) -> tuple[Clock, float]:
    """SB3's PPO with the shipped ppo.yaml section on ``vec_env``; also its steps per second."""
    config = dataclasses.replace(sb3_runner.load_config("ppo", env_id), vec_env=vec_env)
    clock = Clock(env_id, target_return(env_id))
    env = sb3_runner.make_training_env(config, seed)
    model = ALGORITHMS["ppo"](
        "MlpPolicy", env, seed=seed, device="cpu", verbose=0, **config.algorithm_kwargs(1)
    )
    to_policy, to_env = row_maps(env_id, config.env_wrapper)

    def policy(observations: np.ndarray) -> np.ndarray:
        actions, _ = model.predict(to_policy(observations), deterministic=True)
        return to_env(actions)

    started = time.perf_counter()
    model.learn(total_timesteps=budget, callback=_Stop(clock, eval_every, policy))
    rate = model.num_timesteps / max(1e-9, time.perf_counter() - started - clock.paused)
    env.close()
    return clock, rate


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--env", default="rlbench/CartPole-v1")
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    parser.add_argument("--budget", type=int, default=200_000, help="env steps cap per run")
    parser.add_argument("--eval-every", type=int, default=4096)
    parser.add_argument("--pick-steps", type=int, default=8192)
    parser.add_argument("--vec-envs", nargs="+", default=["dummy", "subproc", "native"])
    args = parser.parse_args()
    torch.set_num_threads(1)
    env_id = env_card(args.env).id
    target = target_return(env_id)
    print(f"{env_id}: target {target:.2f}, seeds {args.seeds}, budget {args.budget:,}")

    wrappers = sb3_runner.load_config("ppo", env_id).env_wrapper
    candidates = [v for v in args.vec_envs if not (v == "native" and wrappers)]
    rates = {}
    for vec_env in candidates:
        print(f"  pick: SB3 on {vec_env}, seed {args.seeds[0]}, {args.pick_steps:,} steps")
        _, rates[vec_env] = run_sb3(env_id, args.seeds[0], args.pick_steps, 10**9, vec_env)
        print(f"    {rates[vec_env]:,.0f} steps/s")
    best = max(rates, key=rates.__getitem__)

    results: dict[str, list[Clock]] = {"native PPO": [], f"SB3 PPO ({best})": []}
    for seed in args.seeds:
        print(f"  native PPO, seed {seed}")
        results["native PPO"].append(run_native(env_id, seed, args.budget, args.eval_every))
        print(f"  SB3 PPO on {best}, seed {seed}")
        clock, _ = run_sb3(env_id, seed, args.budget, args.eval_every, best)
        results[f"SB3 PPO ({best})"].append(clock)

    def cell(clock: Clock) -> str:
        if clock.reached is None:
            return f"not reached ({clock.last[1]:.1f} at {clock.last[0]:.0f} s)"
        return f"{clock.reached[0]:.1f} s / {clock.reached[1]:,} steps"

    lines = [
        f"# Time to return on {env_id}: target {target:.2f}",
        "",
        f"Machine: {platform.platform()}, {os.cpu_count()} cores shared with other jobs "
        f"(load average at the end {os.getloadavg()[0]:.1f}); torch {torch.__version__}, one "
        f"thread; rlbench_suite {rlbench_suite.__version__}. Evaluation every "
        f"{args.eval_every:,} steps on {EVAL_EPISODES} seeded episodes, clock paused while "
        f"evaluating; budget {args.budget:,} steps per run.",
        "",
        "SB3 vector env pick (seed "
        f"{args.seeds[0]}, {args.pick_steps:,} steps): "
        + ", ".join(f"{name} {rate:,.0f} steps/s" for name, rate in rates.items())
        + f" -> {best}",
        "",
        "| runner | " + " | ".join(f"seed {s}" for s in args.seeds) + " | median s |",
        "|---" * (len(args.seeds) + 2) + "|",
    ]
    medians = {}
    for name, clocks in results.items():
        times = [c.reached[0] if c.reached else float("inf") for c in clocks]
        medians[name] = statistics.median(times)
        lines.append(
            f"| {name} | " + " | ".join(cell(c) for c in clocks) + f" | {medians[name]:.1f} |"
        )
    native_median, sb3_median = medians["native PPO"], medians[f"SB3 PPO ({best})"]
    if np.isfinite(native_median) and np.isfinite(sb3_median):
        verdict = f"{sb3_median / native_median:.1f}x"
    elif np.isfinite(native_median):
        verdict = "SB3 did not reach the target in most runs"
    else:
        verdict = "n/a: the native runner did not reach the target in most runs"
    lines += ["", f"Median ratio (SB3 / native): {verdict}", ""]
    text = "\n".join(lines)
    print(text)
    RESULTS.mkdir(parents=True, exist_ok=True)
    target_file = RESULTS / f"time_to_return_{env_id.split('/')[-1]}.md"
    target_file.write_text(text)
    print(f"wrote {target_file}")


if __name__ == "__main__":
    main()
