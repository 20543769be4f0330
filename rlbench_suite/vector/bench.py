"""Env-steps per second of the native path beside Gymnasium's vectorisers, measured in one run.

:func:`run_benchmark` times each backend on the same random valid actions and returns one row
per (env, backend, num_envs, threads), the median of ``repeats`` runs; :func:`print_table` shows
the rows with the ratio of native (1 thread) to each. ``benchmarks/bench_vector.py`` is the
command line. Backends:

- ``native``: :class:`~rlbench_suite.vector.NativeVectorEnv` (default settings, copies returned);
- ``native_fast_math``: the same with ``fast_math=True`` (CartPole only: polynomial sin and cos,
  not bit for bit Gymnasium's); its ratio column says what exactness costs;
- ``gymnasium_sync`` / ``gymnasium_async``: ``SyncVectorEnv`` / ``AsyncVectorEnv`` over the
  kernel's reference env (Gymnasium's ``CartPole-v1``, the registered ``RMAB-TwoState-v0`` and
  ``MarketMaking-v0``);
- ``gymnasium_numpy``: Gymnasium's NumPy ``CartPoleVectorEnv`` (CartPole only);
- ``envpool``: EnvPool's ``make_gymnasium("CartPole-v1")``, synchronous, with ``num_threads``
  set to each thread count, when EnvPool is importable (``pip install 'rlbench-suite[bench]'``;
  CartPole only).

``loads`` repeats every row with that many competing busy processes running (``--load K`` on
the command line; 0 is idle), so a thread count's cost on a shared machine shows beside its
idle figure. Figures are noisy (other processes, CPU frequency); compare ratios taken in the
same run.
"""

from __future__ import annotations

import contextlib
import functools
import importlib.util
import statistics
import subprocess
import sys
import time
import warnings
from collections.abc import Callable, Iterator, Sequence
from typing import Any

import gymnasium as gym
import numpy as np

import rlbench_suite.envs  # noqa: F401  (registers rlbench/CartPole-v1 and the kernels' ids)
from rlbench_suite.vector.kernels import kernel_spec
from rlbench_suite.vector.native import NativeVectorEnv, max_threads

BACKENDS = (
    "native",
    "native_fast_math",
    "gymnasium_sync",
    "gymnasium_async",
    "gymnasium_numpy",
    "envpool",
)
DEFAULT_ENV_IDS = ("rlbench/CartPole-v1", "rlbench/RMAB-TwoState-v0", "rlbench/MarketMaking-v0")
_ACTION_POOL = 16  # distinct action batches cycled through, so no backend sees one action


@contextlib.contextmanager
def competing_load(count: int) -> Iterator[None]:
    """``count`` busy processes (each a Python loop spinning on one core) while the block runs."""
    spinners = [subprocess.Popen([sys.executable, "-c", "while True: pass"]) for _ in range(count)]
    try:
        time.sleep(0.2 if count else 0.0)  # let the scheduler see them before timing
        yield
    finally:
        for spinner in spinners:
            spinner.kill()
            spinner.wait()


def _random_actions(
    space: gym.spaces.Space, budget: int | None, num_envs: int, seed: int
) -> list[np.ndarray]:
    """Random valid action batches: uniform (Discrete, Box) or ``budget`` random arms (bandits)."""
    rng = np.random.default_rng(seed)
    batches = []
    for _ in range(_ACTION_POOL):
        if isinstance(space, gym.spaces.Box):
            batch = rng.uniform(space.low, space.high, size=(num_envs, *space.shape))
            batches.append(batch.astype(space.dtype))
            continue
        if isinstance(space, gym.spaces.Discrete):
            batches.append(rng.integers(space.start, space.start + space.n, size=num_envs))
            continue
        chosen = np.argsort(rng.random((num_envs, space.n)), axis=1)[:, :budget]
        batch = np.zeros((num_envs, space.n), dtype=space.dtype)
        np.put_along_axis(batch, chosen, 1, axis=1)
        batches.append(batch)
    return batches


def _steps_per_second(
    env: Any, actions: Sequence[np.ndarray], num_envs: int, min_seconds: float
) -> float:
    """Env-steps per second over a run of at least ``min_seconds`` (after a short warm-up)."""
    # EnvPool takes its seed at construction and warns on reset(seed=...).
    env.reset() if _is_envpool(env) else env.reset(seed=0)
    for step in range(3):
        env.step(actions[step % len(actions)])
    steps, elapsed, chunk = 0, 0.0, 8
    start = time.perf_counter()
    while elapsed < min_seconds:
        for _ in range(chunk):
            env.step(actions[steps % len(actions)])
            steps += 1
        elapsed = time.perf_counter() - start
        chunk = min(chunk * 2, 4096)
    return steps * num_envs / elapsed


def _backend_runs(
    backend: str, env_id: str, num_envs: int, threads: Sequence[int], async_max_envs: int
) -> list[tuple[int, Callable[[], Any]]]:
    """(threads, factory) for each configuration of ``backend`` that applies to ``env_id``."""
    reference = kernel_spec(env_id).reference_id
    is_cartpole = reference == "CartPole-v1"
    if backend == "native":
        return [
            (count, functools.partial(NativeVectorEnv, env_id, num_envs, num_threads=count))
            for count in threads
        ]
    if backend == "native_fast_math" and is_cartpole:  # the only kernel with a fast_math mode
        return [
            (
                count,
                functools.partial(
                    NativeVectorEnv, env_id, num_envs, num_threads=count, fast_math=True
                ),
            )
            for count in threads
        ]
    if backend == "gymnasium_sync":
        mode = "sync"
    elif backend == "gymnasium_async" and num_envs <= async_max_envs:
        mode = "async"
    elif backend == "gymnasium_numpy" and is_cartpole:
        mode = "vector_entry_point"
    elif backend == "envpool" and is_cartpole and importlib.util.find_spec("envpool"):
        return [(count, functools.partial(_envpool_cartpole, num_envs, count)) for count in threads]
    else:
        return []
    # Async runs a process per env: its "threads" column says how many.
    workers = num_envs if mode == "async" else 1
    return [(workers, functools.partial(gym.make_vec, reference, num_envs, mode))]


def _envpool_cartpole(num_envs: int, num_threads: int) -> Any:
    import envpool

    # Synchronous (batch_size = num_envs), its thread pool sized like the native row's.
    env = envpool.make_gymnasium("CartPole-v1", num_envs=num_envs, num_threads=num_threads, seed=0)
    with warnings.catch_warnings():
        # EnvPool builds its spaces on first use, from float64 bounds Gymnasium warns about.
        warnings.filterwarnings("ignore", message=".*precision lowered", category=UserWarning)
        env.observation_space  # noqa: B018
    return env


def _is_envpool(env: Any) -> bool:
    # EnvPool builds its env classes at run time (in module `abc`); their bases are its own.
    return any(cls.__module__.startswith("envpool") for cls in type(env).__mro__)


def run_benchmark(
    env_ids: Sequence[str] = DEFAULT_ENV_IDS,
    num_envs: Sequence[int] = (64, 1024, 4096),
    threads: Sequence[int] = (1, 2),
    backends: Sequence[str] = BACKENDS,
    repeats: int = 5,
    min_seconds: float = 0.3,
    async_max_envs: int = 64,
    loads: Sequence[int] = (0,),
) -> list[dict[str, Any]]:
    """Median env-steps/s of each backend; one dict per (env_id, backend, num_envs, threads, load).

    ``threads`` beyond :func:`~rlbench_suite.vector.max_threads` are skipped. AsyncVectorEnv
    (a process per env) runs only for ``num_envs <= async_max_envs``. Each row has ``env_id``,
    ``backend``, ``num_envs``, ``threads``, ``load`` (competing busy processes),
    ``steps_per_sec`` (the median) and ``runs`` (every run).
    """
    unknown = sorted(set(backends) - set(BACKENDS))
    if unknown:
        raise ValueError(f"unknown backends {unknown}; known: {BACKENDS}")
    if repeats < 1 or min_seconds <= 0:
        raise ValueError("repeats must be >= 1 and min_seconds > 0")
    if any(load < 0 for load in loads):
        raise ValueError(f"loads must be >= 0 busy processes, got {list(loads)}")
    usable_threads = [count for count in threads if 1 <= count <= max_threads()]
    rows = []
    for env_id in env_ids:
        template = gym.make(kernel_spec(env_id).reference_id)
        space, budget = template.action_space, getattr(template.unwrapped, "budget", None)
        template.close()
        for count in num_envs:
            actions = _random_actions(space, budget, count, seed=count)
            for backend in backends:
                runs = _backend_runs(backend, env_id, count, usable_threads, async_max_envs)
                for load in loads:
                    for workers, make in runs:
                        env = make()
                        try:
                            with competing_load(load):
                                rates = [
                                    _steps_per_second(env, actions, count, min_seconds)
                                    for _ in range(repeats)
                                ]
                        finally:
                            env.close()
                        rows.append(
                            {
                                "env_id": env_id,
                                "backend": backend,
                                "num_envs": count,
                                "threads": workers,
                                "load": load,
                                "steps_per_sec": statistics.median(rates),
                                "runs": rates,
                            }
                        )
    return rows


def speedups(rows: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    """Each row with ``native_speedup``, native 1-thread steps/s over the row's (same env, N, load).

    For native rows it is None, and ``thread_speedup`` (the row over native 1 thread) says what
    the extra threads bring; other rows have ``thread_speedup`` None.
    """
    baseline = {
        (row["env_id"], row["num_envs"], row.get("load", 0)): row["steps_per_sec"]
        for row in rows
        if row["backend"] == "native" and row["threads"] == 1
    }
    annotated = []
    for row in rows:
        native_rate = baseline.get((row["env_id"], row["num_envs"], row.get("load", 0)))
        native_row = row["backend"] == "native"
        annotated.append(
            {
                **row,
                "native_speedup": (
                    None
                    if native_row or native_rate is None
                    else native_rate / row["steps_per_sec"]
                ),
                "thread_speedup": (
                    row["steps_per_sec"] / native_rate if native_row and native_rate else None
                ),
            }
        )
    return annotated


def print_table(rows: Sequence[dict[str, Any]], console: Any = None) -> None:
    """A rich table of the rows: steps/s, native 1 thread over each other backend, thread gain."""
    from rich.console import Console
    from rich.table import Table

    table = Table(title="env-steps/s, median of runs (one process, same actions)")
    columns = (
        "env",
        "N",
        "backend",
        "threads",
        "load",
        "steps/s",
        "native 1t / row",
        "vs native 1t",
    )
    for column in columns:
        table.add_column(column, justify="left" if column in ("env", "backend") else "right")
    for row in speedups(rows):
        table.add_row(
            row["env_id"],
            str(row["num_envs"]),
            row["backend"],
            str(row["threads"]),
            str(row.get("load", 0)),
            _human(row["steps_per_sec"]),
            _ratio(row["native_speedup"]),
            _ratio(row["thread_speedup"]),
        )
    (console or Console()).print(table)


def _ratio(value: float | None) -> str:
    return "-" if value is None else f"{value:.2f}x"


def _human(rate: float) -> str:
    for scale, suffix in ((1e9, "G"), (1e6, "M"), (1e3, "k")):
        if rate >= scale:
            return f"{rate / scale:.2f}{suffix}"
    return f"{rate:.0f}"
