"""What every ``rlbench`` command shares: consoles, progress, errors and argument types.

A user mistake (a bad argument, an unknown id, a file that is a folder) ends the command with
exit status 2 and one line on stderr, ``error: ...``, saying what was expected and what came.
Argument types here reject what they can before any work starts; checks that need the
registry (an env's arguments, its agents) raise :class:`UsageError` from the commands.

Limits that catch typos before they run for days:

=======================  ===================================================================
:data:`MAX_EPISODES`     episodes per evaluation, dataset or reference measurement
:data:`MAX_SEED`         seeds, so ``seed + episode`` stays a valid 32-bit NumPy/SB3 seed
:data:`MAX_TIMESTEPS`    a training budget
=======================  ===================================================================
"""

from __future__ import annotations

import argparse
import importlib
import inspect
import json
import math
import sys
import time
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any, NoReturn

from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
)
from rich.text import Text

# Piped output (CI logs, `| less`) gets a wide fixed width rather than rich's 80-column default,
# so tables keep one line per row.
console = Console(width=None if sys.stdout.isatty() else 160)
errors = Console(stderr=True, width=None if sys.stderr.isatty() else 160)

#: Most episodes one command plays per agent and env: more is a typo, not a measurement.
MAX_EPISODES = 100_000
#: Largest seed: SB3 seeds NumPy's legacy generator, which takes seeds below 2**32, and an
#: evaluation adds up to MAX_EPISODES to its seed.
MAX_SEED = 2**31 - 1
#: Largest training budget (ten billion steps).
MAX_TIMESTEPS = 10**10


class UsageError(ValueError):
    """A mistake in what the user asked for; ``rlbench`` prints it as one line and exits 2."""


def print_error(message: str) -> None:
    """Write ``error: message`` to stderr as exactly one line, whatever the message holds."""
    # Messages from deeper layers may span lines (a YAML excerpt, a list of problems).
    one_line = " ".join(part.strip() for part in str(message).splitlines() if part.strip())
    errors.print(Text.assemble(("error: ", "bold red"), one_line), soft_wrap=True)


class CommandParser(argparse.ArgumentParser):
    """An argument parser whose usage errors are one ``error:`` line, like every other mistake."""

    def error(self, message: str) -> NoReturn:
        """Print the problem and where to read the usage, then exit 2 as argparse does."""
        print_error(f"{message} (see '{self.prog} --help')")
        raise SystemExit(2)


# -- output -----------------------------------------------------------------------------------


def print_json(payload: Any) -> None:
    """Write ``payload`` to stdout as one indented JSON document."""
    sys.stdout.write(json.dumps(payload, indent=2) + "\n")


def format_mean(mean: float, ci95: float) -> str:
    """``mean ± ci95`` with two decimals, or the mean alone when there is no interval."""
    return f"{mean:.2f}" if math.isnan(ci95) else f"{mean:.2f} ± {ci95:.2f}"


class LineProgress(Progress):
    """Progress for logs and pipes: plain lines instead of a live bar.

    A line is printed each time a task passes another tenth of its total, and at least every
    :attr:`interval_seconds` while it moves, so a CI log shows a long run is alive without
    holding thousands of redraws.
    """

    def __init__(self, output: Console, interval_seconds: float = 30.0) -> None:
        super().__init__(console=output, disable=True)
        self.interval_seconds = interval_seconds
        # Per task: the tenths already reported and when the last line was printed.
        self._reported: dict[TaskID, tuple[int, float]] = {}

    def add_task(self, description: str, *args: Any, **kwargs: Any) -> TaskID:
        """Add a task as :meth:`rich.progress.Progress.add_task` does; its clock starts now."""
        task_id = super().add_task(description, *args, **kwargs)
        self._reported[task_id] = (0, time.monotonic())
        return task_id

    def update(self, task_id: TaskID, **changes: Any) -> None:
        """Apply ``changes`` as :meth:`rich.progress.Progress.update` does, then report."""
        super().update(task_id, **changes)
        self._report(task_id)

    def advance(self, task_id: TaskID, advance: float = 1) -> None:
        """Move the task on by ``advance``, then report."""
        super().advance(task_id, advance)
        self._report(task_id)

    def _report(self, task_id: TaskID) -> None:
        with self._lock:
            task = self._tasks[task_id]
            if not task.total:
                return
            done = min(task.completed, task.total)
            tenths = int(10 * done / task.total)
            last_tenths, last_time = self._reported[task_id]
            now = time.monotonic()
            if tenths == last_tenths and now - last_time < self.interval_seconds:
                return
            self._reported[task_id] = (tenths, now)
            line = (
                f"{task.description}: {done:,.0f}/{task.total:,.0f} "
                f"({100 * done / task.total:.0f}%), {task.elapsed or 0:.0f} s"
            )
        self.console.print(line, markup=False, highlight=False, soft_wrap=True)


def progress() -> Progress:
    """Progress on stderr, so stdout keeps only the command's output.

    A terminal gets a transient live bar; a pipe or a log file gets a :class:`LineProgress`.
    """
    if not errors.is_terminal:
        return LineProgress(errors)
    return Progress(
        TextColumn("[progress.description]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=errors,
        transient=True,
    )


# -- argument types ---------------------------------------------------------------------------


def integer_in_range(
    minimum: int, maximum: int | None = None, what: str | None = None
) -> Callable[[str], int]:
    """An argparse type for whole numbers in ``[minimum, maximum]``.

    ``what`` names the expected value in errors, limits included; by default "a positive
    integer" (or "a non-negative integer") "of at most ``maximum``".
    """
    described = what or ("a positive integer" if minimum == 1 else "a non-negative integer")
    if what is None and maximum is not None:
        described += f" of at most {maximum:,}"

    def parse(text: str) -> int:
        try:
            value = int(text.replace("_", ""))
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected {described}, got {text!r}") from None
        if value < minimum or (maximum is not None and value > maximum):
            raise argparse.ArgumentTypeError(f"expected {described}, got {value}")
        return value

    parse.__name__ = described  # argparse names the type by this in some of its messages
    return parse


positive_int = integer_in_range(1)
episode_count = integer_in_range(1, MAX_EPISODES)
seed = integer_in_range(0, MAX_SEED, "a seed between 0 and 2**31 - 1")


def timesteps(text: str) -> int:
    """A training budget: a whole number of steps, written ``1000000``, ``1_000_000`` or ``1e6``."""
    described = f"a whole number of timesteps between 1 and {MAX_TIMESTEPS:.0e}, such as 1e6"
    try:
        value = float(text.replace("_", ""))
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected {described}, got {text!r}") from None
    if not value.is_integer() or not 1 <= value <= MAX_TIMESTEPS:
        raise argparse.ArgumentTypeError(f"expected {described}, got {text!r}")
    return int(value)


def existing_file(what: str) -> Callable[[str], Path]:
    """An argparse type for a regular file that must exist; ``what`` names it in errors."""

    def parse(text: str) -> Path:
        path = Path(text)
        if path.is_dir():
            raise argparse.ArgumentTypeError(f"{path}: expected a {what}, got a folder")
        if not path.exists():
            raise argparse.ArgumentTypeError(f"{path}: no such {what}")
        if not path.is_file():
            raise argparse.ArgumentTypeError(f"{path}: expected a {what}, got a special file")
        return path

    parse.__name__ = what
    return parse


def _check_parent_folders(path: Path) -> None:
    """Refuse a path below a file, which no amount of ``mkdir`` can turn into a folder."""
    for parent in path.parents:
        if parent.exists():
            if not parent.is_dir():
                raise argparse.ArgumentTypeError(f"{path}: {parent} is a file, not a folder")
            return


def output_folder(text: str) -> Path:
    """A folder to write into: it may not exist yet, but must not be a file or below one."""
    path = Path(text)
    if path.exists() and not path.is_dir():
        raise argparse.ArgumentTypeError(f"{path}: expected a folder to write into, got a file")
    _check_parent_folders(path)
    return path


def output_file(text: str) -> Path:
    """A file to write (its folders are made): not a folder, and not below a file."""
    path = Path(text)
    if path.is_dir():
        raise argparse.ArgumentTypeError(f"{path}: expected a file to write, got a folder")
    _check_parent_folders(path)
    return path


def json_object(text: str) -> dict[str, Any]:
    """A JSON object given on the command line, such as ``'{"budget": 5}'``."""
    expected = "expected a JSON object such as '{\"budget\": 5}'"
    try:
        parsed = json.loads(text)
    except json.JSONDecodeError as error:
        raise argparse.ArgumentTypeError(f"{expected}, got {text!r} ({error})") from None
    if not isinstance(parsed, dict):
        raise argparse.ArgumentTypeError(f"{expected}, got {text!r} (a {type(parsed).__name__})")
    return parsed


def board_name(text: str) -> str:
    """A leaderboard entry name, checked against the submission schema's pattern."""
    from rlbench_suite.baselines.benchmark import check_submission_name

    try:
        return check_submission_name(text)
    except ValueError as error:
        raise argparse.ArgumentTypeError(str(error)) from None


# -- checks against the registry --------------------------------------------------------------


def check_family(family: str | None) -> None:
    """Refuse a family name the catalogue does not have (None, for every family, is fine)."""
    from rlbench_suite.registry import families

    if family is not None and family not in families():
        raise UsageError(f"unknown family {family!r}; families: {', '.join(families())}")


def check_agent(env_id: str, agent: str) -> None:
    """Refuse an agent the env's card does not name (``expert`` is always there)."""
    from rlbench_suite.registry import env_card

    card = env_card(env_id)
    if agent != "expert" and agent not in card.agents:
        raise UsageError(
            f"{card.id} has no agent {agent!r}; its agents are expert, {', '.join(card.agents)}"
        )


# Simple annotations whose JSON values can be checked before the env is built; anything richer
# (tuples, dataclasses, enums) is left to the env's own checks.
_JSON_TYPES: Mapping[str, tuple[tuple[type, ...], str]] = {
    "int": ((int,), "an integer"),
    "float": ((int, float), "a number"),
    "bool": ((bool,), "true or false"),
    "str": ((str,), "a string"),
}


def check_env_kwargs(env_id: str, env_kwargs: Mapping[str, Any]) -> None:
    """Refuse env arguments the env does not take or of the wrong type, naming env and key.

    Unknown keys and values that plainly do not fit the constructor's annotation are caught
    from its signature; then the env is built and reset once with ``env_kwargs``, and the
    TypeError or ValueError it raises becomes a :class:`UsageError`.
    """
    import gymnasium as gym

    from rlbench_suite.registry import env_card, make_multiagent

    card = env_card(env_id)
    if not env_kwargs:
        return
    where = f"--env-kwargs for {card.id}"
    parameters = _constructor_parameters(card.entry_point)
    if parameters is not None:
        for key, value in env_kwargs.items():
            if key not in parameters:
                raise UsageError(
                    f"{where}: unknown argument {key!r}; its arguments are "
                    f"{', '.join(sorted(parameters))}"
                )
            expected = _expected_json_type(parameters[key], value)
            if expected is not None:
                raise UsageError(
                    f"{where}: {key} expects {expected}, got {json.dumps(value)} "
                    f"(a JSON {_json_type_name(value)})"
                )
    try:
        if card.multi_agent:
            env = make_multiagent(card.id, **env_kwargs)
        else:
            env = gym.make(card.id, **env_kwargs)
        try:
            env.reset(seed=0)
        finally:
            env.close()
    except (TypeError, ValueError) as error:
        # Gymnasium appends the creator and every kwarg to a TypeError; the user typed those.
        reason = str(error).partition(" was raised from the environment creator")[0]
        given = json.dumps(dict(env_kwargs))
        raise UsageError(f"{where}: the env refused {given}: {reason}") from None


def _constructor_parameters(entry_point: str) -> dict[str, inspect.Parameter] | None:
    """The keyword parameters of an env's constructor, or None when it takes ``**kwargs``."""
    module_name, _, attribute = entry_point.partition(":")
    target = getattr(importlib.import_module(module_name), attribute)
    signature = inspect.signature(target.__init__ if inspect.isclass(target) else target)
    parameters = {}
    for name, parameter in signature.parameters.items():
        if parameter.kind is inspect.Parameter.VAR_KEYWORD:
            return None
        if name != "self" and parameter.kind is not inspect.Parameter.VAR_POSITIONAL:
            parameters[name] = parameter
    return parameters


def _expected_json_type(parameter: inspect.Parameter, value: Any) -> str | None:
    """What ``parameter``'s annotation wants, if ``value`` plainly is not that; else None."""
    annotation = parameter.annotation
    if not isinstance(annotation, str):
        annotation = getattr(annotation, "__name__", str(annotation))
    options = [part.strip() for part in annotation.split("|")]
    optional = "None" in options
    options = [option for option in options if option != "None"]
    if len(options) != 1 or options[0] not in _JSON_TYPES:
        return None
    accepted, description = _JSON_TYPES[options[0]]
    if value is None and optional:
        return None
    # JSON true/false are Python bools, which are ints too: only a bool parameter takes them.
    fits = isinstance(value, accepted) and (options[0] == "bool" or not isinstance(value, bool))
    if fits:
        return None
    return description + (" or null" if optional else "")


def _json_type_name(value: Any) -> str:
    names = {bool: "boolean", int: "number", float: "number", str: "string", list: "array"}
    return "null" if value is None else names.get(type(value), "object")
