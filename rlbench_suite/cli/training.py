"""``rlbench train`` and ``rlbench sweep``: training runs with the shipped configs.

Two runners: ``sb3`` (Stable-Baselines3, every algorithm, ``configs/<algo>.yaml``) and
``native`` (the suite's own PPO on the native vector env, ``configs/native_ppo.yaml``). Both
write the same files: per seed ``model.zip``, ``curve.csv``, ``curve.png``, ``result.json``,
and one leaderboard ``submission.json``.
"""

from __future__ import annotations

import argparse
import dataclasses
import itertools
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
    integer_in_range,
    output_folder,
    progress,
    seed,
    timesteps,
)
from rlbench_suite.cli.evaluation import format_return
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


def _import_native_ppo() -> Any:
    try:
        from rlbench_suite.baselines import native_ppo
    except ImportError as error:
        raise UsageError(
            f"rlbench train --runner native needs torch, PyYAML and Stable-Baselines3 (whose "
            f"policy format it saves) ({error}); pip install 'rlbench-suite[sb3]'"
        ) from None
    return native_ppo


def _check_seeds(seeds: list[int]) -> None:
    repeated = sorted({value for value in seeds if seeds.count(value) > 1})
    if repeated:
        raise UsageError(
            f"--seeds expects distinct seeds, one run each; got {' '.join(map(str, seeds))} "
            f"({', '.join(map(str, repeated))} repeated)"
        )


def command_train(args: argparse.Namespace) -> int:
    """Train an algorithm for each seed; seeds already finished are skipped."""
    _check_seeds(args.seeds)
    card = env_card(args.env)
    if args.runner == "native":
        return _train_native(args, card.id)
    sb3 = _import_sb3()
    config = sb3.load_config(args.algo, card.id, args.config)
    if args.weights:
        where = "--weights"
        settings = tuple(sb3.check_weights(where, card.id, list(w)) for w in args.weights)
        if len(set(settings)) != len(settings):
            raise UsageError("--weights lists a weight vector twice")
        config = dataclasses.replace(config, weight_settings=settings)
    if card.reward_dim > 1 and not config.weight_settings:
        raise UsageError(
            f"{card.id} has {card.reward_dim} objectives ({', '.join(card.objectives)}): pass "
            "--weights (one comma-separated vector per run, e.g. --weights 0.2,0.8 0.8,0.2) "
            "or set reward_weights or weight_grid in the config"
        )
    budget = args.timesteps or config.n_timesteps
    outcomes = []
    for run_config, run_seed in itertools.product(config.weight_runs(), args.seeds):
        weights = run_config.reward_weights
        label = "" if weights is None else f", weights {', '.join(f'{w:g}' for w in weights)}"
        with progress() as bar:
            task = bar.add_task(
                f"{args.algo} on {config.env_id}, seed {run_seed}{label}", total=budget
            )

            def advance(done: int, bar: Progress = bar, task: TaskID = task) -> None:
                bar.update(task, completed=min(done, budget))

            def report(point: Any, run_seed: int = run_seed, bar: Progress = bar) -> None:
                bar.console.print(
                    f"seed {run_seed}: {point.timesteps:>9,} steps  eval return "
                    f"{point.mean_return:9.2f}  ({point.wall_clock_seconds:.0f} s)"
                )

            outcome = sb3.train(
                run_config,
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
        args.out,
        args.algo,
        config.env_id,
        args.seeds,
        name=args.name,
        weight_settings=config.weight_settings,
    )
    table = Table(title=escape(f"{args.algo} on {config.env_id}, {budget:,} timesteps per seed"))
    columns = ["seed", "status", "final eval return", "episodes", "wall clock", "run"]
    if config.weight_settings:
        columns.insert(1, "reward weights")
    for column in columns:
        table.add_column(column, justify="left" if column in ("status", "run") else "right")
    for run_seed, outcome in outcomes:
        evaluation = outcome.result["evaluation"]
        ci95 = evaluation["ci95"]
        ci95 = [math.nan if v is None else v for v in ci95] if isinstance(ci95, list) else ci95
        weights = evaluation.get("reward_weights")
        table.add_row(
            str(run_seed),
            *([", ".join(f"{w:g}" for w in weights or ())] if config.weight_settings else []),
            "skipped (finished earlier)" if outcome.skipped else "trained",
            escape(
                format_return(
                    evaluation["mean_return"],
                    math.nan if ci95 is None else ci95,
                    card.objectives,
                )
            ),
            str(len(evaluation["episodes"])),
            f"{outcome.result['wall_clock_seconds']:.0f} s",
            escape(str(outcome.run_dir)),
        )
    console.print(table)
    console.print(f"leaderboard submission: {escape(str(submission_path))}")
    runs = len(args.seeds) * max(1, len(config.weight_settings))
    if runs < MIN_SEEDS:
        console.print(f"note: the board needs at least {MIN_SEEDS} runs; this one has {runs}")
    return 0


def _train_native(args: argparse.Namespace, env_id: str) -> int:
    """``rlbench train --runner native``: the suite's own PPO, one run per seed."""
    if args.algo != "ppo":
        raise UsageError(f"--runner native trains ppo only, got --algo {args.algo}")
    if args.weights:
        raise UsageError("--runner native trains single-objective envs; --weights is for sb3")
    native_ppo = _import_native_ppo()
    config = native_ppo.load_native_config(env_id, args.config)
    budget = args.timesteps or config.n_timesteps
    outcomes = []
    for run_seed in args.seeds:
        with progress() as bar:
            task = bar.add_task(f"native ppo on {env_id}, seed {run_seed}", total=budget)

            def advance(done: int, bar: Progress = bar, task: TaskID = task) -> None:
                bar.update(task, completed=min(done, budget))

            def report(point: Any, run_seed: int = run_seed, bar: Progress = bar) -> None:
                bar.console.print(
                    f"seed {run_seed}: {point.timesteps:>9,} steps  eval return "
                    f"{point.mean_return:9.2f}  ({point.wall_clock_seconds:.0f} s)"
                )

            outcome = native_ppo.train(
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
    submission_path = native_ppo.write_native_submission(
        args.out, env_id, args.seeds, name=args.name
    )
    table = Table(title=escape(f"native ppo on {env_id}, {budget:,} timesteps per seed"))
    for column in ("seed", "status", "final eval return", "episodes", "wall clock", "run"):
        table.add_column(column, justify="left" if column in ("status", "run") else "right")
    for run_seed, outcome in outcomes:
        evaluation = outcome.result["evaluation"]
        ci95 = evaluation["ci95"]
        table.add_row(
            str(run_seed),
            "skipped (finished earlier)" if outcome.skipped else "trained",
            escape(format_return(evaluation["mean_return"], math.nan if ci95 is None else ci95)),
            str(len(evaluation["episodes"])),
            f"{outcome.result['wall_clock_seconds']:.0f} s",
            escape(str(outcome.run_dir)),
        )
    console.print(table)
    console.print(f"leaderboard submission: {escape(str(submission_path))}")
    if len(args.seeds) < MIN_SEEDS:
        console.print(
            f"note: the board needs at least {MIN_SEEDS} runs; this one has {len(args.seeds)}"
        )
    return 0


def weight_vector(text: str) -> tuple[float, ...]:
    """``--weights`` item: comma-separated non-negative numbers, e.g. ``0.2,0.8``."""
    try:
        weights = tuple(float(item) for item in text.split(","))
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"expected comma-separated numbers such as 0.2,0.8, got {text!r}"
        ) from None
    if len(weights) < 2 or not all(math.isfinite(w) and w >= 0 for w in weights):
        raise argparse.ArgumentTypeError(
            f"expected two or more finite weights >= 0 (one per objective), got {text!r}"
        )
    return weights


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
            weights = summary.get("reward_weights")
            label = f"{summary['algo']} {summary['env_id']} seed {summary['seed']}" + (
                "" if weights is None else f" weights {','.join(f'{w:g}' for w in weights)}"
            )
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
        "train", help="train Stable-Baselines3 or the native PPO with the shipped settings"
    )
    training.add_argument(
        "--algo", required=True, help="ppo, a2c, dqn, sac or td3 (--runner native: ppo)"
    )
    training.add_argument(
        "--runner",
        choices=("sb3", "native"),
        default="sb3",
        help="sb3: Stable-Baselines3 (default); native: the suite's own PPO on the native "
        "vector env (configs/native_ppo.yaml), several times faster",
    )
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
        help="YAML config file (default: the shipped baselines/configs/<algo>.yaml, or "
        "native_ppo.yaml with --runner native)",
    )
    training.add_argument(
        "--name",
        type=board_name,
        help="the submission's leaderboard name (default: <algo>.<env>)",
    )
    training.add_argument(
        "--weights",
        type=weight_vector,
        nargs="+",
        metavar="W",
        help="multi-objective envs: a run per weight vector and seed, each learning the "
        "scalarised reward w . r (e.g. --weights 0.1,0.9 0.5,0.5 0.9,0.1)",
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
