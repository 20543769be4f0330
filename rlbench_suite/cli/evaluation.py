"""``rlbench evaluate``, ``rlbench benchmark`` and ``rlbench references``: scoring agents.

The ``--json`` outputs are a contract that later tools and users parse; change them only by
adding keys.
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
from rich.console import Console
from rich.markup import escape
from rich.table import Table
from rich.text import Text

import rlbench_suite
from rlbench_suite.cli.common import (
    MAX_EPISODES,
    UsageError,
    board_name,
    check_agent,
    check_env_kwargs,
    check_family,
    console,
    episode_count,
    errors,
    format_mean,
    integer_in_range,
    json_object,
    output_file,
    output_folder,
    print_json,
    progress,
    seed,
    timesteps,
)
from rlbench_suite.registry import env_card, list_envs
from rlbench_suite.scoring.evaluate import mean_confidence_halfwidth

#: Most MDP-family instances ``evaluate --family K`` samples per split.
MAX_FAMILY_INSTANCES = 1_000

# -- evaluate ---------------------------------------------------------------------------------


def command_evaluate(args: argparse.Namespace) -> int:
    """Run a reference agent and report the mean return with a 95% interval."""
    from rlbench_suite.scoring import evaluate

    card = env_card(args.env)
    check_agent(card.id, args.agent)
    env_kwargs = args.env_kwargs or {}
    if args.family is not None:
        if env_kwargs:
            raise UsageError("--family samples the env's arguments; drop --env-kwargs")
        return _evaluate_family(args)
    check_env_kwargs(card.id, env_kwargs)
    with progress() as bar:
        task = bar.add_task(f"{args.agent} on {card.id}", total=args.episodes)
        result = evaluate(
            args.agent,
            card.id,
            n_episodes=args.episodes,
            seed=args.seed,
            env_kwargs=env_kwargs,
            on_episode=lambda _record: bar.advance(task),
        )
    if args.json:
        print_json(result.to_json())
        return 0
    references = card.references
    normalised = ""
    if references is not None and not env_kwargs and references.usable:
        normalised = f", normalised score {references.normalise(result.mean_return):.1f}"
    console.print(
        f"{result.env_id} / {result.agent}: mean return "
        f"{escape(format_return(result.mean_return, result.ci95, card.objectives))} (95% CI) "
        f"over {len(result.records)} episodes from seed {args.seed}{normalised}"
    )
    for agent, returns in (result.agent_returns or {}).items():
        mean = returns.mean(axis=0)
        ci95 = mean_confidence_halfwidth(returns)
        console.print(f"  {escape(agent)}: {escape(format_return(mean, ci95, card.objectives))}")
    return 0


def format_return(mean: Any, ci95: Any, objectives: Sequence[str] = ()) -> str:
    """``mean ± ci95`` for a scalar return; ``name mean ± ci95`` per objective for a vector."""
    means, widths = np.atleast_1d(mean), np.atleast_1d(ci95)
    if means.size == 1:
        return format_mean(float(means[0]), float(widths[0]))
    names = list(objectives) if len(objectives) == means.size else [""] * means.size
    return ", ".join(
        f"{name} {format_mean(float(m), float(c))}".strip()
        for name, m, c in zip(names, means, widths, strict=True)
    )


def _evaluate_family(args: argparse.Namespace) -> int:
    """The default instance beside K in-distribution and K held-out instances."""
    from rlbench_suite.scoring import evaluate_family

    card = env_card(args.env)
    if card.mdp_family is None:
        raise UsageError(f"{card.id} has no MDP family on its EnvCard; drop --family")
    total = (1 + 2 * args.family) * args.episodes
    if total > MAX_EPISODES:
        raise UsageError(
            f"--family {args.family} with --episodes {args.episodes} plays {total:,} episodes; "
            f"expected at most {MAX_EPISODES:,}"
        )
    with progress() as bar:
        task = bar.add_task(f"{args.agent} on the {card.id} family", total=total)
        family = evaluate_family(
            args.agent,
            card.id,
            num_instances=args.family,
            episodes_per_instance=args.episodes,
            seed=args.seed,
            on_episode=lambda _record: bar.advance(task),
        )
    if args.json:
        print_json(family.to_json())
        return 0
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
            if references is None or not references.usable
            else f"{references.normalise(row['mean_return']):.1f}"
        )
        table.add_row(split, format_mean(row["mean_return"], ci95), score)
    console.print(table)
    console.print(
        "Split intervals are over instance means; normalised scores use the default instance's "
        "references, so they show how far the family moves an agent from its default score."
    )
    return 0


# -- benchmark --------------------------------------------------------------------------------


def available_envs(env_ids: Sequence[str]) -> list[str]:
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


def _benchmark_agents(text: str, env_ids: Sequence[str]) -> list[str] | None:
    """The ``--agents`` names (None for ``all``), each one an agent of some benchmarked env."""
    if text == "all":
        return None
    names = [name.strip() for name in text.split(",")]
    if not all(names):
        raise UsageError(f"--agents expects comma-separated agent names or 'all', got {text!r}")
    known = sorted({agent for env_id in env_ids for agent in env_card(env_id).agents})
    for name in names:
        if name != "expert" and name not in known:
            raise UsageError(
                f"--agents names {name!r}, which no benchmarked env has; "
                f"their agents are expert, {', '.join(known)} (or 'all')"
            )
    return names


def _check_benchmark_names(
    args: argparse.Namespace, env_ids: Sequence[str], agents: Sequence[str] | None
) -> None:
    """Fail before any episode if ``--name`` makes a submission name the board refuses."""
    from rlbench_suite.baselines.benchmark import SB3_ENVS, prefixed_submission_name
    from rlbench_suite.baselines.reference import agents_for

    if args.name is None:
        return
    planned = [
        (env_card(env_id).expert_agent if agent == "expert" else agent, env_id)
        for env_id in env_ids
        for agent in agents_for(env_id, agents)
    ]
    if not args.no_sb3:
        planned += [("ppo", env_id) for env_id in (args.sb3 or SB3_ENVS) if env_id in env_ids]
    for algorithm, env_id in planned:
        try:
            prefixed_submission_name(args.name, algorithm, env_id)
        except ValueError as error:
            raise UsageError(f"--name {args.name!r} is too long for {env_id}: {error}") from None


def command_benchmark(args: argparse.Namespace) -> int:
    """Reference agents on every env, with normalised scores."""
    from rlbench_suite.baselines.reference import agents_for, run_reference_benchmark

    check_family(args.family)
    episodes = args.episodes or (3 if args.quick else 20)
    # Multi-agent ids too: their submissions hold each agent's returns beside the team's.
    candidates = list_envs(family=args.family)
    agents = _benchmark_agents(args.agents, candidates)
    for env_id in args.sb3 or ():
        if env_card(env_id).id not in candidates:
            where = f"family {args.family}" if args.family else "single-agent envs"
            raise UsageError(f"--sb3 names {env_id}, which is not among the benchmarked {where}")
    _check_benchmark_names(args, candidates, agents)
    env_ids = available_envs(candidates)
    total = sum(len(agents_for(env_id, agents)) for env_id in env_ids) * episodes
    with progress() as bar:
        task = bar.add_task("benchmark", total=total)

        def tick(env_id: str, agent: str) -> None:
            bar.update(task, advance=1, description=f"{agent} on {env_id}")

        rows = run_reference_benchmark(env_ids, agents, episodes, args.seed, on_episode=tick)
    payload = {
        "suite_version": rlbench_suite.__version__,
        "episodes": episodes,
        "seed": args.seed,
        "results": [row.to_json() for row in rows],
    }
    fronts = benchmark_fronts(rows)
    if fronts:
        payload["fronts"] = fronts
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(json.dumps(payload, indent=2) + "\n")
    if args.json:
        # The outputs' messages go to stderr, so stdout stays one JSON document.
        _benchmark_outputs(args, rows, episodes, env_ids, errors)
        print_json(payload)
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
            cells.append(escape(format_return(result.mean_return, result.ci95) + suffix))
        if "expert" in columns:
            cells.append(row.results["expert"].agent if "expert" in row.results else "–")
        table.add_row(row.env_id, *cells)
    console.print(table)
    console.print(
        "Normalised score: 0 = the zero anchor (the best of random and the trivial policies), "
        "100 = expert, from the references on each EnvCard."
    )
    if fronts:
        _print_fronts(fronts)
    _benchmark_outputs(args, rows, episodes, env_ids, console)
    return 0


def benchmark_fronts(rows: Sequence[Any]) -> dict[str, dict[str, Any]]:
    """Per multi-objective env of a benchmark: the front of its agents' mean return vectors.

    Each agent is one point; the front's hypervolume (from the card's reference point) and
    expected utility come with stratified-bootstrap 95% intervals over each agent's episodes
    (:func:`rlbench_suite.leaderboard.fronts.front_scores`; per agent on multi-agent ids).
    """
    from rlbench_suite.leaderboard.fronts import front_scores
    from rlbench_suite.leaderboard.submission import expected_agents

    fronts = {}
    for row in rows:
        card = env_card(row.env_id)
        if card.reward_dim < 2 or card.reference_point is None or not row.results:
            continue
        scale = 1.0 / len(expected_agents(card.id)) if card.multi_agent else 1.0
        names = list(row.results)
        scores = front_scores(
            [scale * row.results[name].returns for name in names], card.reference_point
        )
        fronts[row.env_id] = {
            "objectives": list(card.objectives),
            "agents": [row.results[name].agent for name in names],
            **scores,
        }
    return fronts


def _print_fronts(fronts: dict[str, dict[str, Any]]) -> None:
    table = Table(
        title="Multi-objective envs: the front of the agents' mean return vectors (per agent on "
        "multi-agent ids), 95% bootstrap CIs"
    )
    for column in ("env", "agents on the front", "hypervolume", "expected utility"):
        table.add_column(
            column, justify="left" if column in ("env", "agents on the front") else "right"
        )
    for env_id, front in fronts.items():
        on_front = [
            agent
            for agent, point in zip(front["agents"], front["points"], strict=True)
            if point in front["front"]
        ]
        cells = []
        for metric in ("hypervolume", "expected_utility"):
            estimate = front[metric]
            interval = (
                ""
                if estimate["low"] is None
                else f" [{estimate['low']:.4g}, {estimate['high']:.4g}]"
            )
            cells.append(f"{estimate['point']:.4g}{interval}")
        table.add_row(env_id, escape(", ".join(on_front)), *cells)
    console.print(table)


def _benchmark_outputs(
    args: argparse.Namespace, rows: list[Any], episodes: int, env_ids: list[str], out: Console
) -> None:
    """Submissions, the short SB3 runs and the per-family interval plots of a benchmark."""
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
            submission = submission_from_evaluation(result, name_prefix=args.name)
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
        budget = args.sb3_timesteps or (5_000 if args.quick else 50_000)
        with progress() as bar:
            task = bar.add_task("SB3 PPO runs", total=3 * len(sb3_envs))

            def done(summary: dict[str, Any]) -> None:
                label = f"ppo {summary['env_id']} seed {summary['seed']}"
                if "error" in summary:
                    bar.console.print(f"failed: {label}: {summary['error']}", markup=False)
                else:
                    bar.console.print(f"{label}: {summary['mean_return']:.2f}")
                bar.advance(task)

            _, trained = run_sb3_benchmark(
                sb3_envs, out_dir / "sb3", budget, on_done=done, name_prefix=args.name
            )
        submissions += trained
        out.print(
            f"SB3 PPO ({budget:,} steps a seed): runs, curves and submissions in {out_dir / 'sb3'}"
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
        trivial_policy_count,
        write_references,
    )

    if args.env:
        env_ids = list(dict.fromkeys(env_card(env_id).id for env_id in args.env))
        for env_id in env_ids:
            card = env_card(env_id)
            if card.multi_agent and card.reward_dim == 1:
                raise UsageError(
                    f"references are measured on single-agent envs; {env_id} is multi-agent "
                    "(its centralised twin, if it has one, is single-agent)"
                )
    else:
        env_ids = available_envs(
            list_envs(multi_agent=False)
            + [env_id for env_id in list_envs(multi_agent=True) if env_card(env_id).reward_dim > 1]
        )
    vector_ids = [env_id for env_id in env_ids if env_card(env_id).reward_dim > 1]
    env_ids = [env_id for env_id in env_ids if env_id not in vector_ids]
    failures = _multi_objective_references(args, vector_ids) if vector_ids else 0
    if not env_ids:
        return 1 if failures else 0
    measured = {}
    with progress() as bar:
        # Random, the expert and every trivial policy play the same episodes.
        agents = sum(2 + trivial_policy_count(env_id) for env_id in env_ids)
        task = bar.add_task("references", total=agents * args.episodes)
        for env_id in env_ids:
            bar.update(task, description=f"references of {env_id}")
            measured[env_id] = measure_references(
                env_id, args.episodes, args.seed, on_episode=lambda _r: bar.advance(task)
            )
    table = Table(title="Reference scores")
    for column in (
        "env",
        "random",
        "zero anchor (best trivial or random)",
        "expert agent",
        "expert",
        "status",
    ):
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
            format_mean(scores.random, scores.random_ci95),
            escape(f"{scores.zero_anchor:.2f} ({scores.zero_agent})"),
            scores.expert_agent,
            format_mean(scores.expert, scores.expert_ci95),
            escape(status),
        )
    console.print(table)
    if args.write:
        for path in write_references(measured):
            console.print(f"wrote {path}")
    return 1 if failures else 0


def _multi_objective_references(args: argparse.Namespace, env_ids: list[str]) -> int:
    """Every card agent's mean return vector on each multi-objective env; drifts counted."""
    from rlbench_suite.scoring.references import (
        load_mo_references,
        measure_mo_references,
        mo_reference_drift,
        write_mo_references,
    )

    measured = {}
    with progress() as bar:
        total = sum(len(env_card(env_id).agents) for env_id in env_ids) * args.episodes
        task = bar.add_task("multi-objective references", total=total)
        for env_id in env_ids:
            bar.update(task, description=f"references of {env_id}")
            measured[env_id] = measure_mo_references(
                env_id, args.episodes, args.seed, on_episode=lambda _r: bar.advance(task)
            )
    failures = 0
    table = Table(
        title=f"Multi-objective references: mean return vector ± 95% CI, {args.episodes} "
        f"episodes from seed {args.seed} (no normalised score: returns are vectors)"
    )
    for column in ("env", "objectives", "agent", "mean return", "status"):
        table.add_column(column)
    for env_id, scores in measured.items():
        status = "measured"
        if args.check:
            stored = load_mo_references(env_id)
            problems = (
                ["no stored references"] if stored is None else mo_reference_drift(stored, scores)
            )
            status = "ok" if not problems else "DRIFT: " + "; ".join(problems)
            failures += bool(problems)
        for name, (mean, ci95) in scores.agents.items():
            expert = " (expert)" if name == scores.expert_agent else ""
            table.add_row(
                env_id,
                ", ".join(scores.objectives),
                escape(name + expert),
                escape(", ".join(format_mean(m, c) for m, c in zip(mean, ci95, strict=True))),
                escape(status),
            )
    console.print(table)
    if args.write:
        for path in write_mo_references(measured):
            console.print(f"wrote {path}")
    return failures


# -- parsers ----------------------------------------------------------------------------------


def add_cli(commands: argparse._SubParsersAction) -> None:
    """Add ``evaluate``, ``benchmark`` and ``references`` to the ``rlbench`` subcommands."""
    episodes_help = f"episodes per agent and env (at most {MAX_EPISODES:,})"
    seed_help = "episode i is reset with seed+i (0 to 2**31 - 1)"

    evaluating = commands.add_parser("evaluate", help="run a reference agent on an env")
    evaluating.add_argument("--env", required=True, help="env id, e.g. rlbench/RMAB-TwoState-v0")
    evaluating.add_argument("--agent", required=True, help="random, expert, or a named agent")
    evaluating.add_argument("--episodes", type=episode_count, default=10, help=episodes_help)
    evaluating.add_argument("--seed", type=seed, default=0, help=seed_help)
    evaluating.add_argument(
        "--env-kwargs",
        type=json_object,
        help="JSON object of env arguments, e.g. '{\"budget\": 5}'",
    )
    evaluating.add_argument(
        "--family",
        type=integer_in_range(1, MAX_FAMILY_INSTANCES),
        metavar="K",
        help="also run K in-distribution and K held-out instances of the env's MDP family",
    )
    evaluating.add_argument("--json", action="store_true", help="print per-episode JSON")
    evaluating.set_defaults(handler=command_evaluate)

    benchmark = commands.add_parser(
        "benchmark", help="reference agents on every env, short SB3 runs, submissions and plots"
    )
    benchmark.add_argument("--quick", action="store_true", help="3 episodes per agent and env")
    benchmark.add_argument("--episodes", type=episode_count, help=episodes_help)
    benchmark.add_argument("--family", help="only this family")
    benchmark.add_argument(
        "--agents",
        default="random,expert",
        help="comma-separated agent names, or 'all' for every agent of each env's card",
    )
    benchmark.add_argument("--seed", type=seed, default=0, help=seed_help)
    benchmark.add_argument("--json", action="store_true", help="print the results as JSON")
    benchmark.add_argument("--out", type=output_file, help="also write the JSON results here")
    benchmark.add_argument(
        "--out-dir",
        type=output_folder,
        default="benchmark_results",
        help="folder for the submissions, SB3 runs and plots (default: benchmark_results)",
    )
    benchmark.add_argument(
        "--name",
        type=board_name,
        help="prefix of the submissions' leaderboard names: NAME.<agent>.<env>",
    )
    benchmark.add_argument(
        "--sb3", nargs="+", metavar="ENV", help="envs for the short SB3 PPO runs"
    )
    benchmark.add_argument(
        "--sb3-timesteps", type=timesteps, help="PPO steps per seed (quick 5k, else 50k)"
    )
    benchmark.add_argument("--no-sb3", action="store_true", help="skip the SB3 runs")
    benchmark.set_defaults(handler=command_benchmark)

    references = commands.add_parser("references", help="measure the reference scores")
    references.add_argument("--env", action="append", help="env id (repeatable; default all)")
    references.add_argument("--episodes", type=episode_count, default=50, help=episodes_help)
    references.add_argument("--seed", type=seed, default=0, help=seed_help)
    mode = references.add_mutually_exclusive_group()
    mode.add_argument("--write", action="store_true", help="store them in the families' files")
    mode.add_argument("--check", action="store_true", help="fail if the stored ones drifted")
    references.set_defaults(handler=command_references)
