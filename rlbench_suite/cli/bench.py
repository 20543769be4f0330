"""``rlbench bench``: env-steps per second of the native vectoriser beside the others."""

from __future__ import annotations

import argparse

from rlbench_suite.cli.common import UsageError, console, integer_in_range, print_json

#: Most copies of an env one bench row steps at once (about a million).
MAX_NUM_ENVS = 2**20
#: Most timed runs per row; the row reports their median.
MAX_REPEATS = 100
#: Most competing busy processes a row runs beside.
MAX_LOAD = 64


def command_bench(args: argparse.Namespace) -> int:
    """Time the native vectoriser against Gymnasium's vectorisers (and EnvPool if installed)."""
    from rlbench_suite.vector.bench import DEFAULT_ENV_IDS, print_table, run_benchmark
    from rlbench_suite.vector.kernels import KERNELS

    env_ids = args.env_ids or DEFAULT_ENV_IDS
    for env_id in env_ids:
        if env_id not in KERNELS:
            raise UsageError(
                f"--env-ids expects ids with a native kernel ({', '.join(sorted(KERNELS))}), "
                f"got {env_id!r}"
            )
    rows = run_benchmark(
        env_ids=env_ids,
        num_envs=args.num_envs,
        threads=args.threads,
        backends=args.backends,
        repeats=args.repeats,
        loads=args.load,
    )
    if args.json:
        print_json(rows)
    else:
        print_table(rows, console)
    return 0


def add_cli(commands: argparse._SubParsersAction) -> None:
    """Add ``bench`` to the ``rlbench`` parser's subcommands."""
    from rlbench_suite.vector.bench import BACKENDS, DEFAULT_ENV_IDS
    from rlbench_suite.vector.native import max_threads

    # The native build's OpenMP limit: more threads than that would be silently skipped.
    thread_limit = max_threads()
    bench = commands.add_parser("bench", help="env-steps/s of the native vectoriser vs others")
    bench.add_argument(
        "--env-ids",
        nargs="+",
        help=f"ids with a native kernel (default: {' '.join(DEFAULT_ENV_IDS)})",
    )
    bench.add_argument(
        "--num-envs",
        nargs="+",
        type=integer_in_range(1, MAX_NUM_ENVS),
        default=[64, 1024, 4096],
        help=f"envs per row (at most {MAX_NUM_ENVS:,})",
    )
    bench.add_argument(
        "--threads",
        nargs="+",
        type=integer_in_range(
            1, thread_limit, f"a thread count from 1 to this machine's {thread_limit}"
        ),
        default=[1, 2] if thread_limit >= 2 else [1],
        help=f"native threads per row (at most {thread_limit}, this machine's OpenMP limit)",
    )
    bench.add_argument(
        "--backends",
        nargs="+",
        choices=BACKENDS,
        default=list(BACKENDS),
        help="envpool needs pip install 'rlbench-suite[bench]' (default: every backend)",
    )
    bench.add_argument(
        "--repeats",
        type=integer_in_range(1, MAX_REPEATS),
        default=5,
        help=f"runs per row, whose median is reported (at most {MAX_REPEATS})",
    )
    bench.add_argument(
        "--load",
        nargs="+",
        type=integer_in_range(0, MAX_LOAD),
        default=[0],
        help="rows under this many competing busy processes, e.g. --load 0 2 (default: 0, idle)",
    )
    bench.add_argument("--json", action="store_true", help="print the rows as JSON")
    bench.set_defaults(handler=command_bench)
