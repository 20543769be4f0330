"""The ``rlbench`` command: browse the catalogue, evaluate agents, benchmark, keep references.

The ``--json`` outputs are a contract that later tools and users parse; change them only by
adding keys.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
from collections.abc import Sequence
from typing import Any

from rich.console import Console
from rich.markup import escape
from rich.progress import Progress, TaskID
from rich.table import Table
from rich.text import Text

import rlbench_suite
from rlbench_suite.cli.common import console, errors, print_json, progress
from rlbench_suite.leaderboard.submission import MIN_SEEDS
from rlbench_suite.registry import env_card, families, list_envs

_progress = progress
_print_json = print_json


def _format_mean(mean: float, ci95: float) -> str:
    return f"{mean:.2f}" if math.isnan(ci95) else f"{mean:.2f} ± {ci95:.2f}"


# -- list / info -----------------------------------------------------------------------------


def command_list(args: argparse.Namespace) -> int:
    """Print the catalogue."""
    if args.family is not None and args.family not in families():
        raise ValueError(f"unknown family {args.family!r}; families: {', '.join(families())}")
    cards = [env_card(env_id) for env_id in list_envs(family=args.family)]
    if args.json:
        _print_json([card.to_json() for card in cards])
        return 0
    table = Table(title=f"rlbench_suite {rlbench_suite.__version__}: {len(cards)} environments")
    table.add_column("id", no_wrap=True)
    for column in ("family", "kind", "objectives", "obs", "expert", "summary"):
        table.add_column(column, overflow="fold")
    for card in cards:
        table.add_row(
            card.id,
            card.family,
            "multi" if card.multi_agent else "single",
            ", ".join(card.objectives),
            card.observation_kind,
            card.expert_agent,
            card.summary,
        )
    console.print(table)
    return 0


def command_info(args: argparse.Namespace) -> int:
    """Print an env's card and its documentation."""
    card = env_card(args.env_id)
    if args.json:
        _print_json(card.to_json())
        return 0
    table = Table(title=card.id, show_header=False)
    table.add_column("field", style="bold")
    table.add_column("value", overflow="fold")
    for key, value in card.to_json().items():
        if key == "references" and value is not None:
            value = (
                f"random {value['random']:.3f} ± {value['random_ci95']:.3f}, "
                f"expert ({value['expert_agent']}) {value['expert']:.3f} ± "
                f"{value['expert_ci95']:.3f}; {value['source']}"
            )
        table.add_row(key, str(value))
    console.print(table)
    console.print(_env_docstring(card.entry_point))
    return 0


def _env_docstring(entry_point: str) -> str:
    import importlib
    import inspect

    module_name, _, attribute = entry_point.partition(":")
    module = importlib.import_module(module_name)
    return inspect.cleandoc(module.__doc__ or getattr(module, attribute).__doc__ or "")


# -- evaluate ---------------------------------------------------------------------------------


def command_evaluate(args: argparse.Namespace) -> int:
    """Run a reference agent and report the mean return with a 95% interval."""
    from rlbench_suite.scoring import evaluate

    env_kwargs = _parse_env_kwargs(args.env_kwargs)
    if args.family is not None:
        if env_kwargs:
            raise ValueError("--family samples the env's arguments; drop --env-kwargs")
        return _evaluate_family(args)
    with _progress() as progress:
        task = progress.add_task(f"{args.agent} on {args.env}", total=args.episodes)
        result = evaluate(
            args.agent,
            args.env,
            n_episodes=args.episodes,
            seed=args.seed,
            env_kwargs=env_kwargs,
            on_episode=lambda _record: progress.advance(task),
        )
    if args.json:
        _print_json(result.to_json())
        return 0
    references = env_card(args.env).references
    normalised = ""
    if references is not None and not env_kwargs and references.expert != references.random:
        normalised = f", normalised score {references.normalise(result.mean_return):.1f}"
    console.print(
        f"{result.env_id} / {result.agent}: mean return "
        f"{_format_mean(result.mean_return, result.ci95)} (95% CI) over "
        f"{len(result.records)} episodes from seed {args.seed}{normalised}"
    )
    return 0


def _evaluate_family(args: argparse.Namespace) -> int:
    """The default instance beside K in-distribution and K held-out instances."""
    from rlbench_suite.scoring import evaluate_family

    total = (1 + 2 * args.family) * args.episodes
    with _progress() as progress:
        task = progress.add_task(f"{args.agent} on the {args.env} family", total=total)
        family = evaluate_family(
            args.agent,
            args.env,
            num_instances=args.family,
            episodes_per_instance=args.episodes,
            seed=args.seed,
            on_episode=lambda _record: progress.advance(task),
        )
    if args.json:
        _print_json(family.to_json())
        return 0
    card = env_card(args.env)
    table = Table(
        title=escape(
            f"{family.env_id} / {family.agent}: MDP family ({card.mdp_family.description}), "
            f"{args.family} instances per split, {args.episodes} episodes each"
        )
    )
    for column in ("instances", "mean return ± 95% CI", "normalised (default refs)"):
        table.add_column(column, justify="left" if column == "instances" else "right")
    references = card.references
    for split, row in family.summary().items():
        ci95 = float("nan") if row["ci95"] is None else row["ci95"]
        score = (
            "–"
            if references is None or references.expert == references.random
            else f"{references.normalise(row['mean_return']):.1f}"
        )
        table.add_row(split, _format_mean(row["mean_return"], ci95), score)
    console.print(table)
    console.print(
        "Split intervals are over instance means; normalised scores use the default instance's "
        "references, so they show how far the family moves an agent from its default score."
    )
    return 0


def _parse_env_kwargs(text: str | None) -> dict[str, Any]:
    if not text:
        return {}
    try:
        parsed = json.loads(text)
    except json.JSONDecodeError as error:
        raise ValueError(f"--env-kwargs must be a JSON object, got {text!r} ({error})") from None
    if not isinstance(parsed, dict):
        raise ValueError(f"--env-kwargs must be a JSON object, got {type(parsed).__name__}")
    return parsed


# -- benchmark --------------------------------------------------------------------------------


def _available_envs(env_ids: Sequence[str]) -> list[str]:
    """``env_ids`` without those whose optional dependencies are missing, each skip said once."""
    from rlbench_suite.registry import missing_dependency

    available = []
    for env_id in env_ids:
        reason = missing_dependency(env_id)
        if reason is None:
            available.append(env_id)
        else:
            errors.print(Text.assemble(("skipped ", "yellow"), env_id, f": {reason}"))
    return available


def command_benchmark(args: argparse.Namespace) -> int:
    """Reference agents on every env, with normalised scores."""
    from rlbench_suite.baselines.reference import agents_for, run_reference_benchmark

    episodes = args.episodes or (3 if args.quick else 20)
    env_ids = _available_envs(list_envs(family=args.family, multi_agent=False))
    agents = None if args.agents == "all" else [name.strip() for name in args.agents.split(",")]
    total = sum(len(agents_for(env_id, agents)) for env_id in env_ids) * episodes
    with _progress() as progress:
        task = progress.add_task("benchmark", total=total)

        def tick(env_id: str, agent: str) -> None:
            progress.update(task, advance=1, description=f"{agent} on {env_id}")

        rows = run_reference_benchmark(env_ids, agents, episodes, args.seed, on_episode=tick)
    payload = {
        "suite_version": rlbench_suite.__version__,
        "episodes": episodes,
        "seed": args.seed,
        "results": [row.to_json() for row in rows],
    }
    if args.out:
        from pathlib import Path

        Path(args.out).write_text(json.dumps(payload, indent=2) + "\n")
    if args.json:
        # The outputs' messages go to stderr, so stdout stays one JSON document.
        _benchmark_outputs(args, rows, episodes, env_ids, errors)
        _print_json(payload)
        return 0
    columns = list(dict.fromkeys(name for row in rows for name in row.results))
    table = Table(
        title=escape(
            f"Reference benchmark: mean return ± 95% CI [normalised score], "
            f"{episodes} episodes per agent, seeds from {args.seed}"
        )
    )
    table.add_column("env", no_wrap=True)
    for name in columns:
        table.add_column(name, justify="right")
    if "expert" in columns:
        table.add_column("expert is")
    for row in rows:
        cells = []
        for name in columns:
            result = row.results.get(name)
            if result is None:
                cells.append("–")
                continue
            score = row.normalised(name)
            suffix = "" if score is None else f" [{round(score):d}]"
            cells.append(escape(_format_mean(result.mean_return, result.ci95) + suffix))
        if "expert" in columns:
            cells.append(row.results["expert"].agent if "expert" in row.results else "–")
        table.add_row(row.env_id, *cells)
    console.print(table)
    console.print(
        "Normalised score: 0 = random, 100 = expert, from the references on each EnvCard."
    )
    _benchmark_outputs(args, rows, episodes, env_ids, console)
    return 0


def _benchmark_outputs(
    args: argparse.Namespace, rows: list[Any], episodes: int, env_ids: list[str], out: Console
) -> None:
    """Submissions, the short SB3 runs and the per-family interval plots of a benchmark."""
    from pathlib import Path

    from rlbench_suite.baselines.benchmark import (
        SB3_ENVS,
        family_score_matrices,
        run_sb3_benchmark,
        submission_from_evaluation,
    )
    from rlbench_suite.leaderboard.submission import (
        MIN_EPISODES_PER_SEED,
        submission_name,
        write_submission,
    )
    from rlbench_suite.scoring.aggregate import aggregate_scores
    from rlbench_suite.scoring.plots import plot_interval_estimates

    out_dir = Path(args.out_dir)
    submissions = []
    for row in rows:
        for result in row.results.values():
            submission = submission_from_evaluation(result)
            write_submission(
                submission,
                out_dir / "submissions" / f"{submission_name(result.agent, row.env_id)}.json",
            )
            submissions.append(submission)
    out.print(f"wrote {len(submissions)} submissions to {out_dir / 'submissions'}")
    if episodes < 3 * MIN_EPISODES_PER_SEED:
        out.print(
            f"note: {episodes} episodes per agent is below the board's minimum of "
            f"3 seeds x {MIN_EPISODES_PER_SEED} episodes; run without --quick to submit them"
        )
    sb3_envs = [env_id for env_id in (args.sb3 or SB3_ENVS) if env_id in env_ids]
    if sb3_envs and not args.no_sb3:
        try:
            import stable_baselines3  # noqa: F401  (only to know whether it is there)
        except ImportError:
            errors.print("note: no SB3 runs (pip install 'rlbench-suite[sb3]')")
            sb3_envs = []
    if sb3_envs and not args.no_sb3:
        timesteps = args.sb3_timesteps or (5_000 if args.quick else 50_000)
        with _progress() as progress:
            task = progress.add_task("SB3 PPO runs", total=3 * len(sb3_envs))

            def done(summary: dict[str, Any]) -> None:
                label = f"ppo {summary['env_id']} seed {summary['seed']}"
                if "error" in summary:
                    progress.console.print(f"failed: {label}: {summary['error']}")
                else:
                    progress.console.print(f"{label}: {summary['mean_return']:.2f}")
                progress.advance(task)

            _, trained = run_sb3_benchmark(sb3_envs, out_dir / "sb3", timesteps, on_done=done)
        submissions += trained
        out.print(
            f"SB3 PPO ({timesteps:,} steps a seed): runs, curves and submissions in "
            f"{out_dir / 'sb3'}"
        )
    matrices = family_score_matrices(submissions)
    table = Table(title="Per family: IQM of normalised scores [95% bootstrap CI] over runs x envs")
    for column in ("family", "agent", "envs", "IQM", "optimality gap"):
        table.add_column(column, justify="left" if column in ("family", "agent") else "right")
    for family, by_agent in sorted(matrices.items()):
        estimates = aggregate_scores(by_agent, reps=1000)
        plot_interval_estimates(estimates, out_dir / f"intervals_{family}.png")
        for agent, metrics in estimates.items():
            iqm, gap = metrics["iqm"], metrics["optimality_gap"]
            table.add_row(
                family,
                escape(agent),
                str(by_agent[agent].shape[1]),
                f"{iqm.point:.1f} [{iqm.low:.1f}, {iqm.high:.1f}]",
                f"{gap.point:.1f} [{gap.low:.1f}, {gap.high:.1f}]",
            )
    if matrices:
        out.print(table)
        out.print(f"interval plots: {out_dir}/intervals_<family>.png")


# -- references -------------------------------------------------------------------------------


def command_references(args: argparse.Namespace) -> int:
    """Measure reference scores; write them, or check the stored ones for drift."""
    from rlbench_suite.scoring.references import (
        measure_references,
        reference_drift,
        write_references,
    )

    env_ids = args.env or _available_envs(list_envs(multi_agent=False))
    measured = {}
    with _progress() as progress:
        task = progress.add_task("references", total=len(env_ids) * 2 * args.episodes)
        for env_id in env_ids:
            progress.update(task, description=f"references of {env_id}")
            measured[env_id] = measure_references(
                env_id, args.episodes, args.seed, on_episode=lambda _r: progress.advance(task)
            )
    failures = 0
    table = Table(title="Reference scores")
    for column in ("env", "random", "expert agent", "expert", "status"):
        table.add_column(column)
    for env_id, scores in measured.items():
        status = "measured"
        if args.check:
            stored = env_card(env_id).references
            problems = (
                ["no stored references"] if stored is None else reference_drift(stored, scores)
            )
            status = "ok" if not problems else "DRIFT: " + "; ".join(problems)
            failures += bool(problems)
        table.add_row(
            env_id,
            _format_mean(scores.random, scores.random_ci95),
            scores.expert_agent,
            _format_mean(scores.expert, scores.expert_ci95),
            status,
        )
    console.print(table)
    if args.write:
        for path in write_references(measured):
            console.print(f"wrote {path}")
    return 1 if failures else 0


# -- train ------------------------------------------------------------------------------------


def command_train(args: argparse.Namespace) -> int:
    """Train an SB3 algorithm for each seed; seeds already finished are skipped."""
    from pathlib import Path

    try:
        from rlbench_suite.baselines import sb3
    except ImportError as error:
        raise ValueError(
            f"rlbench train needs Stable-Baselines3 and PyYAML ({error}); "
            "pip install 'rlbench-suite[sb3]'"
        ) from None

    config = sb3.load_config(args.algo, args.env, args.config)
    budget = args.timesteps or config.n_timesteps
    outcomes = []
    for seed in args.seeds:
        with _progress() as progress:
            task = progress.add_task(f"{args.algo} on {config.env_id}, seed {seed}", total=budget)

            def advance(done: int, progress: Progress = progress, task: TaskID = task) -> None:
                progress.update(task, completed=min(done, budget))

            def report(
                point: sb3.CurvePoint, seed: int = seed, progress: Progress = progress
            ) -> None:
                progress.console.print(
                    f"seed {seed}: {point.timesteps:>9,} steps  eval return "
                    f"{point.mean_return:9.2f}  ({point.wall_clock_seconds:.0f} s)"
                )

            outcome = sb3.train(
                config,
                seed,
                Path(args.out),
                timesteps=budget,
                force=args.force,
                on_timesteps=advance,
                on_evaluation=report,
            )
        for note in outcome.notes:
            errors.print(f"note: {note}")
        outcomes.append((seed, outcome))
    submission_path = sb3.write_training_submission(args.out, args.algo, config.env_id, args.seeds)
    table = Table(title=escape(f"{args.algo} on {config.env_id}, {budget:,} timesteps per seed"))
    for column in ("seed", "status", "final eval return", "episodes", "wall clock", "run"):
        table.add_column(column, justify="left" if column in ("status", "run") else "right")
    for seed, outcome in outcomes:
        evaluation = outcome.result["evaluation"]
        ci95 = evaluation["ci95"]
        table.add_row(
            str(seed),
            "skipped (finished earlier)" if outcome.skipped else "trained",
            escape(_format_mean(evaluation["mean_return"], math.nan if ci95 is None else ci95)),
            str(len(evaluation["episodes"])),
            f"{outcome.result['wall_clock_seconds']:.0f} s",
            str(outcome.run_dir),
        )
    console.print(table)
    console.print(f"leaderboard submission: {submission_path}")
    if len(args.seeds) < MIN_SEEDS:
        console.print(
            f"note: the board needs at least {MIN_SEEDS} seeds; this one has {len(args.seeds)}"
        )
    return 0


# -- entry point ------------------------------------------------------------------------------


def command_sweep(args: argparse.Namespace) -> int:
    """Run a sweep file's grid; finished runs are skipped, so a rerun resumes."""
    from rlbench_suite.baselines.sweep import (
        aggregate_sweep,
        load_sweep,
        run_sweep,
        write_sweep_report,
    )

    sweep = load_sweep(args.config)
    with _progress() as progress:
        task = progress.add_task("sweep", total=len(sweep.runs))

        def done(summary: dict[str, Any]) -> None:
            label = f"{summary['algo']} {summary['env_id']} seed {summary['seed']}"
            if "error" in summary:
                progress.console.print(
                    Text.assemble(("failed ", "bold red"), label, ": ", summary["error"])
                )
            else:
                state = "skipped (done before)" if summary["skipped"] else "finished"
                progress.console.print(f"{state}: {label}: {summary['mean_return']:.2f}")
            progress.advance(task)

        summaries = run_sweep(sweep, args.executor, args.workers, args.address, on_done=done)
    failed = sum("error" in summary for summary in summaries)
    if failed < len(summaries):
        table = Table(title="Normalised scores (0 = random, 100 = expert), 95% bootstrap CIs")
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
            console.print(f"wrote {path}")
    console.print(
        f"{len(summaries) - failed} of {len(summaries)} runs done; summary in "
        f"{sweep.out_dir / 'sweep_summary.json'}"
    )
    return 1 if failed else 0


def command_bench(args: argparse.Namespace) -> int:
    """Time the native vectoriser against Gymnasium's vectorisers (and EnvPool if installed)."""
    from rlbench_suite.vector.bench import DEFAULT_ENV_IDS, print_table, run_benchmark

    rows = run_benchmark(
        env_ids=args.env_ids or DEFAULT_ENV_IDS,
        num_envs=args.num_envs,
        threads=args.threads,
        backends=args.backends,
        repeats=args.repeats,
    )
    if args.json:
        _print_json(rows)
    else:
        print_table(rows, console)
    return 0


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of ``rlbench``."""
    parser = argparse.ArgumentParser(
        prog="rlbench", description="rlbench_suite: a Gymnasium RL benchmark suite."
    )
    parser.add_argument("--version", action="version", version=rlbench_suite.__version__)
    commands = parser.add_subparsers(dest="command", required=True)

    listing = commands.add_parser("list", help="list the registered environments")
    listing.add_argument("--family", help="only this family")
    listing.add_argument("--json", action="store_true", help="print JSON instead of a table")
    listing.set_defaults(handler=command_list)

    info = commands.add_parser("info", help="show an env's card and documentation")
    info.add_argument("env_id")
    info.add_argument("--json", action="store_true", help="print the card as JSON")
    info.set_defaults(handler=command_info)

    evaluating = commands.add_parser("evaluate", help="run a reference agent on an env")
    evaluating.add_argument("--env", required=True, help="env id, e.g. rlbench/RMAB-TwoState-v0")
    evaluating.add_argument("--agent", required=True, help="random, expert, or a named agent")
    evaluating.add_argument("--episodes", type=_positive_int, default=10)
    evaluating.add_argument("--seed", type=int, default=0, help="episode i is reset with seed+i")
    evaluating.add_argument(
        "--env-kwargs", help="JSON object of env arguments, e.g. '{\"budget\": 5}'"
    )
    evaluating.add_argument(
        "--family",
        type=_positive_int,
        metavar="K",
        help="also run K in-distribution and K held-out instances of the env's MDP family",
    )
    evaluating.add_argument("--json", action="store_true", help="print per-episode JSON")
    evaluating.set_defaults(handler=command_evaluate)

    benchmark = commands.add_parser(
        "benchmark", help="reference agents on every env, short SB3 runs, submissions and plots"
    )
    benchmark.add_argument("--quick", action="store_true", help="3 episodes per agent and env")
    benchmark.add_argument("--episodes", type=_positive_int, help="episodes per agent and env")
    benchmark.add_argument("--family", help="only this family")
    benchmark.add_argument(
        "--agents",
        default="random,expert",
        help="comma-separated agent names, or 'all' for every agent of each env's card",
    )
    benchmark.add_argument("--seed", type=int, default=0)
    benchmark.add_argument("--json", action="store_true", help="print the results as JSON")
    benchmark.add_argument("--out", help="also write the JSON results to this file")
    benchmark.add_argument(
        "--out-dir",
        default="benchmark_results",
        help="folder for the submissions, SB3 runs and plots (default: benchmark_results)",
    )
    benchmark.add_argument(
        "--sb3", nargs="+", metavar="ENV", help="envs for the short SB3 PPO runs"
    )
    benchmark.add_argument(
        "--sb3-timesteps", type=_positive_int, help="PPO steps per seed (quick 5k, else 50k)"
    )
    benchmark.add_argument("--no-sb3", action="store_true", help="skip the SB3 runs")
    benchmark.set_defaults(handler=command_benchmark)

    references = commands.add_parser("references", help="measure the reference scores")
    references.add_argument("--env", action="append", help="env id (repeatable; default all)")
    references.add_argument("--episodes", type=_positive_int, default=50)
    references.add_argument("--seed", type=int, default=0)
    mode = references.add_mutually_exclusive_group()
    mode.add_argument("--write", action="store_true", help="store them in the families' files")
    mode.add_argument("--check", action="store_true", help="fail if the stored ones drifted")
    references.set_defaults(handler=command_references)

    training = commands.add_parser(
        "train", help="train a Stable-Baselines3 algorithm with the shipped hyperparameters"
    )
    training.add_argument("--algo", required=True, help="ppo, a2c, dqn, sac or td3")
    training.add_argument("--env", required=True, help="env id, e.g. rlbench/QuadHover-v0")
    training.add_argument(
        "--seeds", type=int, nargs="+", default=[0], help="one run per seed (default: 0)"
    )
    training.add_argument(
        "--timesteps", type=_timesteps, help="training budget, e.g. 1e6 (default: the config's)"
    )
    training.add_argument("--out", default="runs", help="output folder (default: runs)")
    training.add_argument(
        "--force", action="store_true", help="train again seeds whose result already exists"
    )
    training.add_argument(
        "--config", help="YAML config file (default: the shipped baselines/configs/<algo>.yaml)"
    )
    training.set_defaults(handler=command_train)

    sweeping = commands.add_parser("sweep", help="run an env x algo x seed grid of trainings")
    sweeping.add_argument("config", help="sweep YAML (grid of algo, envs, seeds; see docs)")
    sweeping.add_argument("--executor", choices=("local", "ray"), default="local")
    sweeping.add_argument("--workers", type=_positive_int, default=1, help="local processes")
    sweeping.add_argument("--address", help="Ray cluster address (default: start a local Ray)")
    sweeping.set_defaults(handler=command_sweep)

    from rlbench_suite.vector.bench import BACKENDS as BENCH_BACKENDS

    bench = commands.add_parser("bench", help="env-steps/s of the native vectoriser vs others")
    bench.add_argument(
        "--env-ids",
        nargs="+",
        help="ids with a native kernel (default: rlbench/CartPole-v1 rlbench/RMAB-TwoState-v0)",
    )
    bench.add_argument("--num-envs", nargs="+", type=_positive_int, default=[64, 1024, 4096])
    bench.add_argument("--threads", nargs="+", type=_positive_int, default=[1, 2])
    bench.add_argument(
        "--backends",
        nargs="+",
        choices=BENCH_BACKENDS,
        default=list(BENCH_BACKENDS),
        help="envpool needs pip install 'rlbench-suite[bench]' (default: every backend)",
    )
    bench.add_argument("--repeats", type=_positive_int, default=5, help="runs per row (median)")
    bench.add_argument("--json", action="store_true", help="print the rows as JSON")
    bench.set_defaults(handler=command_bench)

    from rlbench_suite.datasets import add_cli as add_dataset_cli

    add_dataset_cli(commands)

    from rlbench_suite.cli.leaderboard import add_cli as add_leaderboard_cli

    add_leaderboard_cli(commands)
    return parser


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a positive integer, got {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected a positive integer, got {value}")
    return value


def _timesteps(text: str) -> int:
    # Budgets are written as 1e6 as often as 1000000; either must name a whole number.
    try:
        value = float(text.replace("_", ""))
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number of timesteps, got {text!r}") from None
    if not value.is_integer() or value < 1:
        raise argparse.ArgumentTypeError(f"expected a positive whole number, got {text!r}")
    return int(value)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit status (2 for a usage or input error)."""
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return args.handler(args)
    except (KeyError, ValueError, ImportError, FileNotFoundError) as error:
        # KeyError's str() adds quotes around the message; show the message as written.
        message = error.args[0] if isinstance(error, KeyError) and error.args else str(error)
        errors.print(Text.assemble(("error: ", "bold red"), str(message)))
        return 2


if __name__ == "__main__":
    sys.exit(main())
