"""``rlbench leaderboard {submit,evaluate,verify,show,render,check}``.

A submission enters the board unverified; ``evaluate`` is the board re-running it on seeds it
draws; only those returns rank. ``show`` prints one ranking per env and, per family, the
aggregate of the algorithms that ran every env of it.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from rich.markup import escape
from rich.table import Table

from rlbench_suite.cli.common import (
    UsageError,
    board_name,
    console,
    errors,
    existing_file,
    integer_in_range,
    output_folder,
    print_json,
    progress,
)
from rlbench_suite.leaderboard.evaluation import SEED_CEILING
from rlbench_suite.leaderboard.store import Board, BoardError, default_board_dir
from rlbench_suite.leaderboard.submission import SubmissionError, printable


def _board_dir(args: argparse.Namespace) -> Path:
    return Path(args.board) if args.board else default_board_dir()


def _open_board(args: argparse.Namespace) -> Board:
    return Board.open(_board_dir(args))


def _text(value: Any) -> str:
    """Entry text for the terminal: control characters stripped, rich markup escaped."""
    return escape(printable(str(value)))


def _interval_text(estimate: dict[str, float] | None) -> str:
    if estimate is None:
        return "–"
    return f"{estimate['point']:.1f} [{estimate['low']:.1f}, {estimate['high']:.1f}]"


def _mean_text(scores: dict[str, Any] | None) -> str:
    if scores is None:
        return "–"
    point, ci95 = scores["mean_return"]["point"], scores["mean_return"]["ci95"]
    if isinstance(point, list):
        return "(" + ", ".join(f"{value:.2f}" for value in point) + ")"
    return f"{point:.2f}" if ci95 is None else f"{point:.2f} ± {ci95:.2f}"


# -- submit -------------------------------------------------------------------------------------


def command_submit(args: argparse.Namespace) -> int:
    """Check each submission and add it as an unverified entry; exit 2 if any was refused."""
    if args.name is not None and len(args.files) != 1:
        raise UsageError(f"--name names one submission; got {len(args.files)} files")
    root = _board_dir(args)
    board = Board.create(root) if args.new_board else Board.open(root)
    refused = 0
    for file in args.files:
        try:
            entry = board.submit(file, name=args.name)
        except (SubmissionError, BoardError) as error:
            errors.print(escape(str(error)), soft_wrap=True)
            refused += 1
            continue
        claimed = entry["claimed"]
        console.print(
            f"accepted {_text(entry['name'])} on {entry['env_id']} as {entry['status']} "
            f"(claimed mean return {_mean_text(claimed)})",
            soft_wrap=True,
        )
    if refused < len(args.files):
        console.print(
            "the board ranks entries once it has re-run them: rlbench leaderboard evaluate"
        )
    return 2 if refused else 0


# -- evaluate -----------------------------------------------------------------------------------


def command_evaluate(args: argparse.Namespace) -> int:
    """Re-run entries on seeds the board draws; exit 1 if any claim is disputed."""
    from rlbench_suite.leaderboard.evaluation import episodes_to_evaluate, evaluate_entry

    board = _open_board(args)
    entries = {entry["name"]: entry for entry in board.entries()}
    if args.names:
        unknown = [name for name in args.names if name not in entries]
        if unknown:
            raise UsageError(f"no entry {unknown[0]!r} on the board at {board.root}")
        names = list(args.names)
    elif args.all:
        names = [name for name, entry in entries.items() if entry["status"] != "self-reported"]
    elif args.pending:
        names = [name for name, entry in entries.items() if entry["status"] == "unverified"]
    else:
        raise UsageError("name the entries to evaluate, or pass --pending or --all")
    custom = [name for name in names if entries[name]["status"] == "self-reported"]
    if custom:
        raise UsageError(f"{custom[0]} is custom code, which the board cannot re-run")
    disputed = 0
    with progress() as bar:
        task = bar.add_task("evaluating", total=sum(episodes_to_evaluate(board, n) for n in names))
        for name in names:
            bar.update(task, description=f"evaluating {name}")
            entry = evaluate_entry(
                board, name, seed=args.seed, on_episode=lambda: bar.advance(task)
            )
            disputed += entry["status"] == "disputed"
            scores = entry["evaluation"]["scores"]
            normalised = scores["normalised"]
            bar.console.print(
                f"{_text(name)}: {entry['status']}; board mean return {_mean_text(scores)}"
                + ("" if normalised is None else f", IQM {_interval_text(normalised['iqm'])}")
            )
    console.print(f"{len(names)} entries evaluated, {disputed} disputed")
    return 1 if disputed else 0


# -- verify -------------------------------------------------------------------------------------


def command_verify(args: argparse.Namespace) -> int:
    """Re-run a submission file on its own seeds, run by run; exit 1 if any run disagrees."""
    from rlbench_suite.leaderboard.submission import load_submission
    from rlbench_suite.leaderboard.verify import verify_submission

    submission = load_submission(args.file)
    total = sum(len(run["returns"]) for run in submission["runs"])
    with progress() as bar:
        task = bar.add_task(f"verifying {submission['name']}", total=total)
        verification = verify_submission(args.file, on_episode=lambda: bar.advance(task))
    if args.json:
        print_json(
            {
                "name": verification.name,
                "env_id": verification.env_id,
                "agrees": verification.agrees,
                "runs": [vars(run) | {"agrees": run.agrees} for run in verification.runs],
            }
        )
    else:
        table = Table(title=_text(f"verify {verification.name} on {verification.env_id}"))
        for column in ("seed", "submitted mean", "re-measured mean", "max |diff|", "verdict"):
            table.add_column(column, justify="left" if column == "verdict" else "right")
        for run in verification.runs:
            table.add_row(
                str(run.seed),
                f"{run.submitted_mean:.4f}",
                f"{run.measured_mean:.4f}",
                f"{run.max_abs_difference:.2e}",
                run.verdict,
            )
        console.print(table)
        console.print("agrees" if verification.agrees else "DISAGREES")
    return 0 if verification.agrees else 1


# -- show ---------------------------------------------------------------------------------------


def _env_table(ranking: Any) -> Table:
    from rlbench_suite.registry import env_card

    threshold = env_card(ranking.env_id).success_threshold
    table = Table(title=f"{ranking.env_id}: verified entries, ranked by the board's own re-run")
    columns = ["#", "entry", "algorithm", "submitter", "seeds", "IQM normalised", "mean return"]
    columns += ["claimed", *([f"solved (>= {threshold:g})"] if threshold is not None else [])]
    for column in columns:
        table.add_column(column, justify="right" if column in ("#", "seeds") else "left")
    for rank, entry in enumerate(ranking.verified, start=1):
        scores = entry["evaluation"]["scores"]
        normalised = scores["normalised"]
        success = scores.get("success_rate")
        table.add_row(
            str(rank),
            _text(entry["name"]),
            _text(f"{entry['algorithm']['name']} ({entry['algorithm']['kind']})"),
            _text(entry.get("submitter") or "–"),
            str(scores["seeds"]),
            _interval_text(None if normalised is None else normalised["iqm"]),
            _mean_text(scores),
            _mean_text(entry["claimed"]),
            *([] if threshold is None else ["–" if not success else f"{success['mean']:.0%}"]),
        )
    return table


def _apart_table(ranking: Any) -> Table | None:
    rows = [
        *(("unverified", entry) for entry in ranking.unverified),
        *(("disputed", entry) for entry in ranking.disputed),
        *(("self-reported", entry) for entry in ranking.self_reported),
    ]
    if not rows:
        return None
    table = Table(title=f"{ranking.env_id}: not ranked")
    for column in ("status", "entry", "algorithm", "claimed mean return", "board mean return"):
        table.add_column(column)
    for status, entry in rows:
        evaluation = entry.get("evaluation")
        table.add_row(
            status,
            _text(entry["name"]),
            _text(f"{entry['algorithm']['name']} ({entry['algorithm']['kind']})"),
            _mean_text(entry["claimed"]),
            _mean_text(None if evaluation is None else evaluation["scores"]),
        )
    return table


def _family_table(family: Any) -> Table:
    table = Table(
        title=(
            f"{family.family}: algorithms that ran all {len(family.env_ids)} envs with references,"
            " IQM of normalised scores over envs x seeds (rliable, 95% CI)"
        )
    )
    for column in ("#", "algorithm", "IQM", "optimality gap", "runs per env"):
        table.add_column(column, justify="left" if column == "algorithm" else "right")
    for rank, aggregate in enumerate(family.ranked, start=1):
        table.add_row(
            str(rank),
            _text(aggregate.label),
            f"{aggregate.iqm.point:.1f} [{aggregate.iqm.low:.1f}, {aggregate.iqm.high:.1f}]",
            f"{aggregate.optimality_gap.point:.1f} "
            f"[{aggregate.optimality_gap.low:.1f}, {aggregate.optimality_gap.high:.1f}]",
            str(aggregate.runs_per_env),
        )
    return table


def command_show(args: argparse.Namespace) -> int:
    """Print the board: one ranking per env, and per family the complete algorithms."""
    from rlbench_suite.leaderboard.rankings import env_rankings, family_rankings
    from rlbench_suite.registry import env_card

    board = _open_board(args)
    entries = board.entries()
    rankings = env_rankings(entries)
    if args.env is not None:
        env_id = env_card(args.env).id
        if env_id not in rankings:
            raise UsageError(f"no entries on {env_id}; the board has {len(rankings)} envs")
        rankings = {env_id: rankings[env_id]}
    if args.family is not None:
        family_of = {env_id: env_card(env_id).family for env_id in rankings}
        present = sorted(set(family_of.values()))
        if args.family not in present:
            have = ", ".join(present) or "none"
            raise UsageError(f"no entries in family {args.family!r}; the board has {have}")
        rankings = {key: value for key, value in rankings.items() if family_of[key] == args.family}
    if not entries:
        console.print(f"the board at {board.root} has no entries yet")
        return 0
    for ranking in rankings.values():
        console.print(_env_table(ranking))
        apart = _apart_table(ranking)
        if apart is not None:
            console.print(apart)
    if args.env is None:
        for family in family_rankings(entries).values():
            if args.family is None or family.family == args.family:
                console.print(_family_table(family))
                for excluded in family.excluded:
                    console.print(
                        f"  not aggregated: {_text(excluded.label)}: {_text(excluded.reason)}"
                    )
    return 0


# -- render, check ------------------------------------------------------------------------------


def command_render(args: argparse.Namespace) -> int:
    """Write the board's static site: an index, a page per env, the plots."""
    from rlbench_suite.leaderboard.render import render_board

    index = render_board(_open_board(args).entries(), args.out)
    console.print(f"wrote {index}")
    return 0


def command_withdraw(args: argparse.Namespace) -> int:
    """Remove entries whose results no longer replay (their agent or env changed)."""
    board = _open_board(args)
    for name in args.names:
        entry = board.withdraw(name)
        console.print(f"withdrew {_text(name)} ({entry['status']}, {entry['env_id']})")
    return 0


def command_rescore(args: argparse.Namespace) -> int:
    """Recompute every entry's scores from its stored returns (after reference scores change)."""
    from rlbench_suite.leaderboard.evaluation import rescore_entry

    board = _open_board(args)
    names = board.names()
    with progress() as bar:
        task = bar.add_task("rescoring", total=len(names))
        for name in names:
            rescore_entry(board, name)
            bar.advance(task)
    console.print(f"{len(names)} entries rescored from their stored returns")
    return 0


def command_check(args: argparse.Namespace) -> int:
    """Re-check every entry's record against its submission; exit 1 on any problem."""
    import random

    from rlbench_suite.leaderboard.evaluation import check_board, rerun_matches

    board = _open_board(args)
    problems = check_board(board)
    evaluated = [entry["name"] for entry in board.entries() if entry["evaluation"] is not None]
    rerun = random.Random(args.seed).sample(evaluated, min(args.rerun, len(evaluated)))
    for name in rerun:
        problems += rerun_matches(board, name)
    for problem in problems:
        errors.print(escape(problem), soft_wrap=True)
    console.print(
        f"{len(board.names())} entries, {len(rerun)} replayed, {len(problems)} problem(s) "
        f"({'ok' if not problems else 'FAILED'})"
    )
    return 1 if problems else 0


def add_cli(commands: Any) -> None:
    """Add ``leaderboard`` and its subcommands to the ``rlbench`` parser's subparsers."""
    leaderboard = commands.add_parser(
        "leaderboard", help="submit, re-evaluate, verify, show and render the board"
    )
    actions = leaderboard.add_subparsers(dest="leaderboard_command", required=True)

    def with_board(parser: argparse.ArgumentParser) -> argparse.ArgumentParser:
        parser.add_argument(
            "--board",
            type=output_folder,
            help="board folder (default: leaderboard/ of the checkout, or $RLBENCH_BOARD)",
        )
        return parser

    submit = with_board(actions.add_parser("submit", help="check and add submissions"))
    submit.add_argument("files", nargs="+", metavar="FILE", type=existing_file("submission file"))
    submit.add_argument("--name", type=board_name, help="the entry's name (one file only)")
    submit.add_argument(
        "--new-board", action="store_true", help="create the board folder (refused if it exists)"
    )
    submit.set_defaults(handler=command_submit)

    evaluate = with_board(
        actions.add_parser("evaluate", help="re-run entries on seeds the board draws")
    )
    evaluate.add_argument("names", nargs="*", metavar="NAME", help="entries to evaluate")
    which = evaluate.add_mutually_exclusive_group()
    which.add_argument("--pending", action="store_true", help="every unverified entry")
    which.add_argument("--all", action="store_true", help="every entry the board can re-run")
    evaluate.add_argument(
        "--seed",
        type=integer_in_range(0, SEED_CEILING - 1, f"a seed between 0 and {SEED_CEILING - 1:,}"),
        help="first board episode seed (default: drawn at random)",
    )
    evaluate.set_defaults(handler=command_evaluate)

    verify = actions.add_parser("verify", help="re-run a submission file on its own seeds")
    verify.add_argument("file", type=existing_file("submission file"))
    verify.add_argument("--json", action="store_true", help="print the verdicts as JSON")
    verify.set_defaults(handler=command_verify)

    show = with_board(actions.add_parser("show", help="print the rankings"))
    show.add_argument("--family", help="only this family")
    show.add_argument("--env", help="only this env id")
    show.set_defaults(handler=command_show)

    render = with_board(actions.add_parser("render", help="write the board as a static site"))
    render.add_argument("--out", required=True, type=output_folder, help="folder for the site")
    render.set_defaults(handler=command_render)

    withdraw = with_board(
        actions.add_parser("withdraw", help="remove entries that no longer replay")
    )
    withdraw.add_argument("names", nargs="+", help="entry names (see `show`)")
    withdraw.set_defaults(handler=command_withdraw)

    rescore = with_board(
        actions.add_parser("rescore", help="recompute scores after reference scores change")
    )
    rescore.set_defaults(handler=command_rescore)

    check = with_board(actions.add_parser("check", help="re-check every entry's record"))
    check.add_argument(
        "--rerun",
        type=integer_in_range(0, 10_000, "a number of entries to replay, 0 to 10,000"),
        default=0,
        help="also replay this many evaluated entries on their recorded seeds",
    )
    check.add_argument(
        "--seed",
        type=integer_in_range(0, 2**31 - 1, "a seed between 0 and 2**31 - 1"),
        default=0,
        help="seed of the choice of entries to replay",
    )
    check.set_defaults(handler=command_check)


__all__ = ["add_cli"]
