"""``rlbench dataset``: an offline Minari dataset from a seeded mix of behaviour agents.

What the dataset holds is documented in :mod:`rlbench_suite.datasets`, which writes it.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np
from rich.markup import escape
from rich.table import Table

from rlbench_suite.cli.common import (
    MAX_EPISODES,
    UsageError,
    check_agent,
    check_env_kwargs,
    console,
    episode_count,
    errors,
    json_object,
    output_folder,
    progress,
    seed,
)
from rlbench_suite.datasets import MIXTURES, parse_behaviour, remove_stale_staging, write_dataset
from rlbench_suite.registry import env_card


def behaviour(text: str) -> dict[str, float]:
    """``--behaviour``: ``name:weight`` pairs, the weights scaled to sum to 1."""
    try:
        return parse_behaviour(text)
    except ValueError as error:
        raise argparse.ArgumentTypeError(str(error)) from None


def command_dataset(args: argparse.Namespace) -> int:
    """Write the dataset and print where it is and what each behaviour agent did."""
    card = env_card(args.env)
    weights = args.behaviour
    for name in weights:
        check_agent(card.id, name)
    env_kwargs = args.env_kwargs or {}
    check_env_kwargs(card.id, env_kwargs)
    for staging in remove_stale_staging(args.out):
        errors.print(f"note: removed {staging}, left by an interrupted run", markup=False)
    try:
        with progress() as bar:
            task = bar.add_task(f"dataset of {card.id}", total=args.episodes)
            dataset = write_dataset(
                card.id,
                args.out,
                behaviour=weights,
                mixture=args.mixture,
                episodes=args.episodes,
                seed=args.seed,
                dataset_id=args.dataset_id,
                env_kwargs=env_kwargs,
                on_episode=lambda _summary: bar.advance(task),
            )
    except ImportError as error:
        raise UsageError(str(error)) from None
    names = list(weights)
    steps = dict.fromkeys(names, 0)
    returns: dict[str, list[float]] = {name: [] for name in [*names, "per-step"]}
    episode_metadata = dataset.storage.get_episode_metadata(range(dataset.total_episodes))
    for episode, metadata in zip(dataset.iterate_episodes(), episode_metadata, strict=True):
        returns[str(metadata["behaviour_agent"])].append(float(metadata["return"]))
        for index in episode.infos["behaviour_agent"][1:]:
            steps[names[int(index)]] += 1
    table = Table(title=escape(f"{dataset.spec.dataset_id}: {dataset.total_episodes} episodes"))
    for column in ("behaviour agent", "weight", "episodes", "steps", "mean return"):
        table.add_column(column, justify="left" if column == "behaviour agent" else "right")
    rows = names if args.mixture == "episode" else [*names, "per-step"]
    for name in rows:
        values = returns[name]
        table.add_row(
            escape(name),
            f"{weights[name]:.2f}" if name in weights else "",
            str(len(values)) if values or args.mixture == "episode" else "",
            str(steps[name]) if name in steps else str(dataset.total_steps),
            f"{np.mean(values):.2f}" if values else "-",
        )
    console.print(table)
    console.print(
        escape(
            f"wrote {dataset.total_steps} steps to {Path(args.out) / dataset.spec.dataset_id}; "
            f"load it with MINARI_DATASETS_PATH={args.out} and "
            f"minari.load_dataset({dataset.spec.dataset_id!r})"
        )
    )
    return 0


def add_cli(commands: argparse._SubParsersAction) -> None:
    """Add ``dataset`` to the ``rlbench`` parser's subcommands."""
    parser = commands.add_parser(
        "dataset", help="write an offline dataset (Minari format) from behaviour policies"
    )
    parser.add_argument("--env", required=True, help="env id, e.g. rlbench/Maze-v0")
    parser.add_argument(
        "--behaviour",
        type=behaviour,
        default="expert:0.5,random:0.5",
        help="agents and weights, e.g. expert:0.7,random:0.3 (weights are normalised; "
        "any agent of the env's card may be named)",
    )
    parser.add_argument(
        "--mixture",
        choices=MIXTURES,
        default="episode",
        help="draw the behaviour agent once per episode (default) or afresh every step",
    )
    parser.add_argument(
        "--episodes",
        type=episode_count,
        default=100,
        help=f"episodes to collect (at most {MAX_EPISODES:,})",
    )
    parser.add_argument(
        "--seed", type=seed, default=0, help="episode i is reset with seed+i (0 to 2**31 - 1)"
    )
    parser.add_argument(
        "--out",
        type=output_folder,
        default="datasets",
        help="Minari datasets folder (default: datasets)",
    )
    parser.add_argument(
        "--dataset-id",
        help="Minari id (namespace/)name-vN (default: rlbench/<env>/<behaviour>-v0)",
    )
    parser.add_argument("--env-kwargs", type=json_object, help="JSON object of env arguments")
    parser.set_defaults(handler=command_dataset)
