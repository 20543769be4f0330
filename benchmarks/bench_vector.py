"""Env-steps/s of the native vector envs beside Gymnasium's (and EnvPool's, when installed).

    python benchmarks/bench_vector.py                      # the full table (a few minutes)
    python benchmarks/bench_vector.py --num-envs 1024 --json

Prints a rich table of the median of ``--repeats`` runs per backend, with the ratio of native
(1 thread) to each row; ``--json`` prints the rows instead (env_id, backend, num_envs, threads,
load, steps_per_sec, runs). ``--load 0 2`` times every row idle and beside two busy processes.
"""

from __future__ import annotations

import argparse
import json

from rlbench_suite.vector.bench import BACKENDS, DEFAULT_ENV_IDS, print_table, run_benchmark


def main(argv: list[str] | None = None) -> None:
    """Parse the options, run the benchmark, print the table or the JSON rows."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--env-ids", nargs="+", default=list(DEFAULT_ENV_IDS))
    parser.add_argument("--num-envs", nargs="+", type=int, default=[64, 1024, 4096])
    parser.add_argument("--threads", nargs="+", type=int, default=[1, 2])
    parser.add_argument("--backends", nargs="+", default=list(BACKENDS), choices=BACKENDS)
    parser.add_argument("--repeats", type=int, default=5, help="runs per row; the median is kept")
    parser.add_argument("--min-seconds", type=float, default=0.3, help="shortest timed run")
    parser.add_argument(
        "--async-max-envs", type=int, default=64, help="largest N for AsyncVectorEnv"
    )
    parser.add_argument(
        "--load", nargs="+", type=int, default=[0], help="competing busy processes per row set"
    )
    parser.add_argument("--json", action="store_true", help="print the rows as JSON")
    args = parser.parse_args(argv)
    rows = run_benchmark(
        env_ids=args.env_ids,
        num_envs=args.num_envs,
        threads=args.threads,
        backends=args.backends,
        repeats=args.repeats,
        min_seconds=args.min_seconds,
        async_max_envs=args.async_max_envs,
        loads=args.load,
    )
    if args.json:
        print(json.dumps(rows, indent=2))
    else:
        print_table(rows)


if __name__ == "__main__":
    main()
