"""``rlbench train`` and ``rlbench sweep``: Stable-Baselines3 runs with the shipped configs."""

from __future__ import annotations

import argparse
import math
import os
from typing import Any

from rich.markup import escape
from rich.progress import Progress, TaskID
from rich.table import Table
from rich.text import Text

from rlbench_suite.cli.common import (
    UsageError,
    board_name,
    console,
    errors,
    existing_file,
    format_mean,
    integer_in_range,
    output_folder,
    progress,
    seed,
    timesteps,
)
from rlbench_suite.leaderboard.submission import MIN_SEEDS
from rlbench_suite.registry import env_card

#: Most local worker processes a sweep starts: one per CPU, more only queue for the same cores.
MAX_SWEEP_WORKERS = os.cpu_count() or 1


def _import_sb3() -> Any:
    try:
        from rlbench_suite.baselines import sb3
    except ImportError as error:
        raise UsageError(
            f"rlbench train needs Stable-Baselines3 and PyYAML ({error}); "
            "pip install 'rlbench-suite[sb3]'"
        ) from None
    return sb3


def _check_seeds(seeds: list[int]) -> None:
    repeated = sorted({value for value in seeds if seeds.count(value) > 1})
    if repeated:
        raise UsageError(
            f"--seeds expects distinct seeds, one run each; got {' '.join(map(str, seeds))} "
            f"({', '.join(map(str, repeated))} repeated)"
        )


def command_train(args: argparse.Namespace) -> int:
    """Train an SB3 algorithm for each seed; seeds already finished are skipped."""
    _check_seeds(args.seeds)
    card = env_card(args.env)
    sb3 = _import_sb3()
    config = sb3.load_config(args.algo, card.id, args.config)
    budget = args.timesteps or config.n_timesteps
    outcomes = []
    for run_seed in args.seeds:
        with progress() as bar:
            task = bar.add_task(f"{args.algo} on {config.env_id}, seed {run_seed}", total=budget)

            def advance(done: int, bar: Progress = bar, task: TaskID = task) -> None:
                bar.update(task, completed=min(done, budget))

            def report(point: Any, run_seed: int = run_seed, bar: Progress = bar) -> None:
                bar.console.print(
                    f"seed {run_seed}: {point.timesteps:>9,} steps  eval return "
                    f"{point.mean_return:9.2f}  ({point.wall_clock_seconds:.0f} s)"
                )

            outcome = sb3.train(
                config,
                run_seed,
                args.out,
                timesteps=budget,
                force=args.force,
                on_timesteps=advance,
                on_evaluation=report,
            )
        for note in outcome.notes:
            errors.print(f"note: {note}", markup=False)
        outcomes.append((run_seed, outcome))
    submission_path = sb3.write_training_submission(
        args.out, args.algo, config.env_id, args.seeds, name=args.name
    )
    table = Table(title=escape(f"{args.algo} on {config.env_id}, {budget:,} timesteps per seed"))
    for column in ("seed", "status", "final eval return", "episodes", "wall clock", "run"):
        table.add_column(column, justify="left" if column in ("status", "run") else "right")
    for run_seed, outcome in outcomes:
        evaluation = outcome.result["evaluation"]
        ci95 = evaluation["ci95"]
        table.add_row(
            str(run_seed),
            "skipped (finished earlier)" if outcome.skipped else "trained",
            escape(format_mean(evaluation["mean_return"], math.nan if ci95 is None else ci95)),
            str(len(evaluation["episodes"])),
            f"{outcome.result['wall_clock_seconds']:.0f} s",
            escape(str(outcome.run_dir)),
        )
    console.print(table)
    console.print(f"leaderboard submission: {escape(str(submission_path))}")
    if len(args.seeds) < MIN_SEEDS:
        console.print(
            f"note: the board needs at least {MIN_SEEDS} seeds; this one has {len(args.seeds)}"
        )
    return 0


def command_sweep(args: argparse.Namespace) -> int:
    """Run a sweep file's grid; finished runs are skipped, so a rerun resumes."""
    try:
        from rlbench_suite.baselines.sweep import (
            aggregate_sweep,
            load_sweep,
            run_sweep,
            write_sweep_report,
        )
    except ImportError as error:
        raise UsageError(
            f"rlbench sweep needs Stable-Baselines3 and PyYAML ({error}); "
            "pip install 'rlbench-suite[sb3]'"
        ) from None

    sweep = load_sweep(args.config)
    with progress() as bar:
        task = bar.add_task("sweep", total=len(sweep.runs))

        def done(summary: dict[str, Any]) -> None:
            label = f"{summary['algo']} {summary['env_id']} seed {summary['seed']}"
            if "error" in summary:
                bar.console.print(
                    Text.assemble(("failed ", "bold red"), label, ": ", summary["error"])
                )
            else:
                state = "skipped (done before)" if summary["skipped"] else "finished"
                bar.console.print(f"{state}: {label}: {summary['mean_return']:.2f}")
            bar.advance(task)

        summaries = run_sweep(sweep, args.executor, args.workers, args.address, on_done=done)
    failed = sum("error" in summary for summary in summaries)
    if failed < len(summaries):
        table = Table(title="Normalised scores (0 = zero anchor, 100 = expert), 95% bootstrap CIs")
        for column in ("family", "algo", "IQM", "mean", "median", "optimality gap"):
            table.add_column(column, justify="left" if column in ("family", "algo") else "right")
        for family, by_algo in aggregate_sweep(summaries).items():
            for algo, metrics in by_algo.items():
                table.add_row(
                    family,
                    algo,
                    *(
                        escape(f"{e.point:.1f} [{e.low:.1f}, {e.high:.1f}]")
                        for e in (
                            metrics[name] for name in ("iqm", "mean", "median", "optimality_gap")
                        )
                    ),
                )
        console.print(table)
        for path in write_sweep_report(sweep, summaries):
            console.print(f"wrote {escape(str(path))}")
    console.print(
        f"{len(summaries) - failed} of {len(summaries)} runs done; summary in "
        f"{escape(str(sweep.out_dir / 'sweep_summary.json'))}"
    )
    return 1 if failed else 0


def add_cli(commands: argparse._SubParsersAction) -> None:
    """Add ``train`` and ``sweep`` to the ``rlbench`` parser's subcommands."""
    training = commands.add_parser(
        "train", help="train a Stable-Baselines3 algorithm with the shipped hyperparameters"
    )
    training.add_argument("--algo", required=True, help="ppo, a2c, dqn, sac or td3")
    training.add_argument("--env", required=True, help="env id, e.g. rlbench/QuadHover-v0")
    training.add_argument(
        "--seeds",
        type=seed,
        nargs="+",
        default=[0],
        help="distinct seeds, one run each (default: 0)",
    )
    training.add_argument(
        "--timesteps", type=timesteps, help="training budget, e.g. 1e6 (default: the config's)"
    )
    training.add_argument(
        "--out", type=output_folder, default="runs", help="output folder (default: runs)"
    )
    training.add_argument(
        "--force", action="store_true", help="train again seeds whose result already exists"
    )
    training.add_argument(
        "--config",
        type=existing_file("config file"),
        help="YAML config file (default: the shipped baselines/configs/<algo>.yaml)",
    )
    training.add_argument(
        "--name",
        type=board_name,
        help="the submission's leaderboard name (default: <algo>.<env>)",
    )
    training.set_defaults(handler=command_train)

    sweeping = commands.add_parser("sweep", help="run an env x algo x seed grid of trainings")
    sweeping.add_argument(
        "config",
        type=existing_file("sweep file"),
        help="sweep YAML (grid of algo, envs, seeds; see docs)",
    )
    sweeping.add_argument("--executor", choices=("local", "ray"), default="local")
    sweeping.add_argument(
        "--workers",
        type=integer_in_range(
            1, MAX_SWEEP_WORKERS, f"a number of local processes from 1 to {MAX_SWEEP_WORKERS}"
        ),
        default=1,
        help=f"local processes (at most {MAX_SWEEP_WORKERS}, the CPU count)",
    )
    sweeping.add_argument("--address", help="Ray cluster address (default: start a local Ray)")
    sweeping.set_defaults(handler=command_sweep)
