"""``rlbench leaderboard {submit,verify,show,render,check}``."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from rich.markup import escape
from rich.table import Table

from rlbench_suite.leaderboard.board import (
    default_board_path,
    ranking_key,
    read_board,
    resubmit_board,
    submit,
)


def _board_path(args: argparse.Namespace) -> Path:
    return Path(args.board) if args.board else default_board_path()


def _interval_text(estimate: dict[str, float] | None) -> str:
    if estimate is None:
        return "–"
    return f"{estimate['point']:.1f} [{estimate['low']:.1f}, {estimate['high']:.1f}]"


def _mean_text(mean_return: dict[str, Any]) -> str:
    point, ci95 = mean_return["point"], mean_return["ci95"]
    if isinstance(point, list):
        return "(" + ", ".join(f"{value:.2f}" for value in point) + ")"
    return f"{point:.2f}" if ci95 is None else f"{point:.2f} ± {ci95:.2f}"


def command_submit(args: argparse.Namespace) -> int:
    """Check each submission and add it to the board; exit 2 if any was refused."""
    from rlbench_suite.cli.common import console, errors
    from rlbench_suite.leaderboard.submission import SubmissionError

    board_path = _board_path(args)
    refused = 0
    for file in args.files:
        try:
            entry = submit(file, board_path)
        except SubmissionError as error:
            errors.print(escape(str(error)))
            refused += 1
            continue
        normalised = entry["scores"]["normalised"]
        score = (
            "no references"
            if normalised is None
            else f"IQM normalised {_interval_text(normalised['iqm'])}"
        )
        console.print(
            f"accepted {escape(entry['name'])} on {entry['env_id']}: {score}; "
            f"mean return {_mean_text(entry['scores']['mean_return'])} -> {board_path}"
        )
    return 2 if refused else 0


def command_verify(args: argparse.Namespace) -> int:
    """Re-run a submission and report agreement run by run; exit 1 if any run disagrees."""
    from rlbench_suite.cli.common import console
    from rlbench_suite.cli.common import print_json as _print_json
    from rlbench_suite.cli.common import progress as _progress
    from rlbench_suite.leaderboard.submission import load_submission
    from rlbench_suite.leaderboard.verify import verify_submission

    submission = load_submission(args.file)
    total = sum(len(run["returns"]) for run in submission["runs"])
    with _progress() as progress:
        task = progress.add_task(f"verifying {submission['name']}", total=total)
        verification = verify_submission(args.file, on_episode=lambda: progress.advance(task))
    if args.json:
        _print_json(
            {
                "name": verification.name,
                "env_id": verification.env_id,
                "agrees": verification.agrees,
                "runs": [vars(run) | {"agrees": run.agrees} for run in verification.runs],
            }
        )
    else:
        table = Table(title=escape(f"verify {verification.name} on {verification.env_id}"))
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


def command_show(args: argparse.Namespace) -> int:
    """Print the board, one table per family, ranked by IQM normalised score."""
    from rlbench_suite.cli.common import console

    board = read_board(_board_path(args))
    families = sorted({entry["family"] for entry in board["entries"]})
    if args.family:
        if args.family not in families:
            raise ValueError(
                f"no entries in family {args.family!r}; the board has {families or 'none'}"
            )
        families = [args.family]
    for family in families:
        entries = sorted(
            (entry for entry in board["entries"] if entry["family"] == family), key=ranking_key
        )
        table = Table(title=f"{family}: ranked by IQM of normalised score (95% CI)")
        for column in ("#", "entry", "env", "algorithm", "seeds", "IQM normalised", "mean return"):
            table.add_column(column, justify="right" if column in ("#", "seeds") else "left")
        for rank, entry in enumerate(entries, start=1):
            normalised = entry["scores"]["normalised"]
            table.add_row(
                str(rank),
                escape(entry["name"]),
                entry["env_id"],
                escape(f"{entry['algorithm']['name']} ({entry['algorithm']['kind']})"),
                str(entry["scores"]["seeds"]),
                _interval_text(None if normalised is None else normalised["iqm"]),
                _mean_text(entry["scores"]["mean_return"]),
            )
        console.print(table)
    if not families:
        console.print(f"the board at {_board_path(args)} has no entries yet")
    return 0


def command_render(args: argparse.Namespace) -> int:
    """Write the board's static page."""
    from rlbench_suite.cli.common import console
    from rlbench_suite.leaderboard.render import render_board

    index = render_board(read_board(_board_path(args)), args.out)
    console.print(f"wrote {index}")
    return 0


def command_check(args: argparse.Namespace) -> int:
    """Re-check every entry on the board and re-score it; exit 1 on any problem."""
    from rlbench_suite.cli.common import console, errors

    board = read_board(_board_path(args))
    problems = resubmit_board(board)
    for problem in problems:
        errors.print(escape(problem))
    console.print(
        f"{len(board['entries'])} entries, {len(problems)} problem(s) "
        f"({'ok' if not problems else 'FAILED'})"
    )
    return 1 if problems else 0


def add_cli(commands: Any) -> None:
    """Add ``leaderboard`` and its subcommands to the ``rlbench`` parser's subparsers."""
    leaderboard = commands.add_parser("leaderboard", help="submit, verify, show and render")
    actions = leaderboard.add_subparsers(dest="leaderboard_command", required=True)

    def with_board(parser: argparse.ArgumentParser) -> argparse.ArgumentParser:
        parser.add_argument(
            "--board", help="board file (default: leaderboard/board.json of the checkout)"
        )
        return parser

    submit_parser = with_board(actions.add_parser("submit", help="check and add a submission"))
    submit_parser.add_argument("files", nargs="+", metavar="FILE", help="submission JSON")
    submit_parser.set_defaults(handler=command_submit)

    verify = actions.add_parser("verify", help="re-run a submission and compare its returns")
    verify.add_argument("file", help="submission JSON")
    verify.add_argument("--json", action="store_true", help="print the verdicts as JSON")
    verify.set_defaults(handler=command_verify)

    show = with_board(actions.add_parser("show", help="print the board per family"))
    show.add_argument("--family", help="only this family")
    show.set_defaults(handler=command_show)

    render = with_board(actions.add_parser("render", help="write the board as a static page"))
    render.add_argument("--out", required=True, help="folder for index.html and plots/")
    render.set_defaults(handler=command_render)

    check = with_board(actions.add_parser("check", help="re-check and re-score every entry"))
    check.set_defaults(handler=command_check)


__all__ = ["add_cli"]
