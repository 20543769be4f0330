"""The benchmark: rows with the agreed keys, ratios, a table, and the script's --json output."""

from __future__ import annotations

import importlib.util
import io
import json
import subprocess
import sys
from pathlib import Path

import pytest
from rich.console import Console

from rlbench_suite.vector import max_threads, native_available
from rlbench_suite.vector.bench import print_table, run_benchmark, speedups

pytestmark = pytest.mark.skipif(not native_available(), reason="the C extension is not built")

REPO = Path(__file__).resolve().parents[2]
ROW_KEYS = {"env_id", "backend", "num_envs", "threads", "load", "steps_per_sec", "runs"}


def test_load_rows_sit_beside_idle_rows_with_their_own_baseline() -> None:
    """--load rows repeat each configuration beside busy processes; ratios compare like rows."""
    rows = run_benchmark(
        env_ids=("rlbench/RMAB-ARMMAN-v0",),
        num_envs=(4,),
        threads=(1,),
        backends=("native", "gymnasium_sync"),
        repeats=1,
        min_seconds=0.01,
        loads=(0, 1),
    )
    assert [(row["backend"], row["load"]) for row in rows] == [
        ("native", 0),
        ("native", 1),
        ("gymnasium_sync", 0),
        ("gymnasium_sync", 1),
    ]
    annotated = speedups(rows)
    assert annotated[3]["native_speedup"] == rows[1]["steps_per_sec"] / rows[3]["steps_per_sec"]
    with pytest.raises(ValueError, match="loads must be >= 0"):
        run_benchmark(loads=(-1,))


def test_run_benchmark_returns_one_row_per_configuration() -> None:
    """Native, sync and NumPy rows for CartPole; no NumPy row for the others; ratios to native."""
    rows = run_benchmark(
        num_envs=(8,),
        threads=(1,),
        backends=("native", "gymnasium_sync", "gymnasium_numpy"),
        repeats=2,
        min_seconds=0.01,
    )
    assert all(set(row) == ROW_KEYS and row["steps_per_sec"] > 0 for row in rows)
    assert [(row["env_id"], row["backend"]) for row in rows] == [
        ("rlbench/CartPole-v1", "native"),
        ("rlbench/CartPole-v1", "gymnasium_sync"),
        ("rlbench/CartPole-v1", "gymnasium_numpy"),
        ("rlbench/RMAB-TwoState-v0", "native"),
        ("rlbench/RMAB-TwoState-v0", "gymnasium_sync"),
        ("rlbench/MarketMaking-v0", "native"),
        ("rlbench/MarketMaking-v0", "gymnasium_sync"),
    ]
    annotated = speedups(rows)
    assert annotated[0]["thread_speedup"] == 1.0 and annotated[0]["native_speedup"] is None
    expected = rows[0]["steps_per_sec"] / rows[1]["steps_per_sec"]
    assert annotated[1]["native_speedup"] == expected
    output = io.StringIO()
    print_table(rows, Console(file=output, width=160))
    assert "gymnasium_numpy" in output.getvalue() and f"{expected:.2f}x" in output.getvalue()
    with pytest.raises(ValueError, match="unknown backends"):
        run_benchmark(backends=("pufferlib",))


@pytest.mark.skipif(
    importlib.util.find_spec("envpool") is None, reason="EnvPool is not installed (bench extra)"
)
def test_envpool_rows_follow_the_thread_counts() -> None:
    """EnvPool's CartPole gets one row per thread count, and the table shows native over it."""
    threads = [count for count in (1, 2) if count <= max_threads()]
    rows = run_benchmark(
        env_ids=("rlbench/CartPole-v1",),
        num_envs=(16,),
        threads=threads,
        backends=("native", "envpool"),
        repeats=1,
        min_seconds=0.01,
    )
    envpool_rows = [row for row in rows if row["backend"] == "envpool"]
    assert [row["threads"] for row in envpool_rows] == threads
    assert all(row["steps_per_sec"] > 0 for row in envpool_rows)
    ratio = rows[0]["steps_per_sec"] / envpool_rows[0]["steps_per_sec"]
    output = io.StringIO()
    print_table(rows, Console(file=output, width=160))
    assert f"{ratio:.2f}x" in output.getvalue()


def test_script_prints_json_rows() -> None:
    """benchmarks/bench_vector.py --json prints a list of rows with the agreed keys."""
    command = [
        sys.executable,
        str(REPO / "benchmarks" / "bench_vector.py"),
        "--env-ids", "rlbench/CartPole-v1",
        "--num-envs", "16",
        "--threads", "1",
        "--backends", "native",
        "--repeats", "1",
        "--min-seconds", "0.01",
        "--json",
    ]  # fmt: skip
    result = subprocess.run(command, capture_output=True, text=True, check=True)
    (row,) = json.loads(result.stdout)
    assert set(row) == ROW_KEYS
    assert (row["env_id"], row["backend"], row["num_envs"], row["threads"]) == (
        "rlbench/CartPole-v1",
        "native",
        16,
        1,
    )
