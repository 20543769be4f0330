"""The ``rlbench`` command: browse the catalogue, evaluate agents, train, benchmark, submit.

One module per command group (:mod:`~rlbench_suite.cli.catalogue`,
:mod:`~rlbench_suite.cli.evaluation`, :mod:`~rlbench_suite.cli.training`,
:mod:`~rlbench_suite.cli.bench`, :mod:`~rlbench_suite.cli.dataset`,
:mod:`~rlbench_suite.cli.leaderboard`), each adding its subcommands with ``add_cli``; what they
share lives in :mod:`~rlbench_suite.cli.common`. Library modules never import this package.

Exit status: 0 on success, 1 when a command's check fails (drift, a disagreeing
verification, a failed sweep run), 2 for a user mistake, reported as one ``error:`` line on
stderr, 130 after Ctrl-C. Any other exception is a bug and shows its traceback.
"""

from __future__ import annotations

import argparse
import json
import warnings
from collections.abc import Sequence

import rlbench_suite
from rlbench_suite.cli import bench, catalogue, dataset, evaluation, leaderboard, training
from rlbench_suite.cli.common import CommandParser, print_error

#: What a user's mistake raises, from the commands or the library beneath them: a bad value or
#: id (ValueError, KeyError; the config, submission and JSON errors are ValueErrors), a missing
#: optional dependency (ImportError), or a path that is missing, a folder, a file or locked.
USER_ERRORS: tuple[type[Exception], ...] = (
    ValueError,
    KeyError,
    ImportError,
    FileNotFoundError,
    FileExistsError,
    IsADirectoryError,
    NotADirectoryError,
    PermissionError,
)


def build_parser() -> CommandParser:
    """The argument parser of ``rlbench``."""
    parser = CommandParser(
        prog="rlbench", description="rlbench_suite: a Gymnasium RL benchmark suite."
    )
    parser.add_argument("--version", action="version", version=rlbench_suite.__version__)
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for group in (catalogue, evaluation, training, bench, dataset, leaderboard):
        group.add_cli(commands)
    return parser


def describe_error(error: Exception) -> str:
    """The message a user sees for ``error``: its own words, without Python's decorations."""
    if isinstance(error, KeyError) and error.args:
        return str(error.args[0])  # str() of a KeyError quotes its message
    if isinstance(error, OSError) and error.filename is not None and error.strerror:
        return f"{error.filename}: {error.strerror.lower()}"
    if isinstance(error, json.JSONDecodeError):
        return f"malformed JSON: {error}"
    return str(error) or type(error).__name__


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit status (2 for a usage or input error)."""
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as stop:  # --help, --version, or a usage error already reported
        return stop.code if isinstance(stop.code, int) else 0
    with warnings.catch_warnings():
        # Gymnasium warns on every make of an id with a newer version; a command that builds
        # an env many times says it once.
        warnings.filterwarnings("once", message=r".*is out of date", category=DeprecationWarning)
        return _run(args)


def _run(args: argparse.Namespace) -> int:
    try:
        return args.handler(args)
    except USER_ERRORS as error:
        print_error(describe_error(error))
        return 2
    except KeyboardInterrupt:
        # Ctrl-C is the user's choice, not a bug: no traceback. Finished runs, datasets and
        # submissions were written atomically, so a rerun resumes from them.
        print_error("interrupted")
        return 130


__all__ = ["build_parser", "main"]
