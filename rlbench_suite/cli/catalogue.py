"""``rlbench list`` and ``rlbench info``: browse the catalogue of environments."""

from __future__ import annotations

import argparse
import importlib
import inspect
from typing import TYPE_CHECKING

from rich.table import Table

import rlbench_suite
from rlbench_suite.cli.common import check_family, console, print_json
from rlbench_suite.registry import env_card, list_envs

if TYPE_CHECKING:
    from rlbench_suite.scoring.references import MultiObjectiveReferences


def command_list(args: argparse.Namespace) -> int:
    """Print the catalogue."""
    check_family(args.family)
    cards = [env_card(env_id) for env_id in list_envs(family=args.family)]
    if args.json:
        print_json([card.to_json() for card in cards])
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
    """Print an env's card and its documentation (and a multi-objective env's references)."""
    from rlbench_suite.scoring.references import load_mo_references

    card = env_card(args.env_id)
    mo_references = load_mo_references(card.id) if card.reward_dim > 1 else None
    if args.json:
        stored = card.to_json()
        if mo_references is not None:
            stored["references"] = mo_references.to_json()
        print_json(stored)
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
        if key == "references" and value is None and mo_references is not None:
            value = mo_references_text(mo_references)
        table.add_row(key, str(value))
    console.print(table)
    console.print(env_docstring(card.entry_point))
    return 0


def mo_references_text(references: MultiObjectiveReferences) -> str:
    """One line per agent: its mean return vector with 95% half-widths."""
    lines = [f"({', '.join(references.objectives)}); {references.source}"]
    for name, (mean, ci95) in references.agents.items():
        label = f"{name} (expert)" if name == references.expert_agent else name
        vector = ", ".join(f"{m:.4g} ± {c:.2g}" for m, c in zip(mean, ci95, strict=True))
        lines.append(f"{label}: {vector}")
    return "\n".join(lines)


def env_docstring(entry_point: str) -> str:
    """The documentation of the env at ``entry_point``: its module's docstring, else its own."""
    module_name, _, attribute = entry_point.partition(":")
    module = importlib.import_module(module_name)
    return inspect.cleandoc(module.__doc__ or getattr(module, attribute).__doc__ or "")


def add_cli(commands: argparse._SubParsersAction) -> None:
    """Add ``list`` and ``info`` to the ``rlbench`` parser's subcommands."""
    listing = commands.add_parser("list", help="list the registered environments")
    listing.add_argument("--family", help="only this family")
    listing.add_argument("--json", action="store_true", help="print JSON instead of a table")
    listing.set_defaults(handler=command_list)

    info = commands.add_parser("info", help="show an env's card and documentation")
    info.add_argument("env_id")
    info.add_argument("--json", action="store_true", help="print the card as JSON")
    info.set_defaults(handler=command_info)
