"""Time and memory of one leaderboard submit as the board grows, beside a whole-file board.

    python benchmarks/bench_board_submit.py [--sizes 10 100 1000 10000] [--repeats 5]

For each board size N, a board of N entries is laid out (the first entry submitted for real,
the others copies of its folder under new names with their own index files, which is what N
submits would leave), then ``--repeats`` new submissions are timed. The "whole-file board" rows
time what the first-stage board did on every submit and what any single-file board must do:
read and rewrite one JSON holding every entry. Prints medians and each row's ratio to the
smallest board; a flat submit keeps its ratio near 1.
"""

from __future__ import annotations

import argparse
import copy
import json
import shutil
import statistics
import tempfile
import time
import tracemalloc
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table

from rlbench_suite.baselines.reference import reference_submission
from rlbench_suite.files import write_atomically
from rlbench_suite.leaderboard.store import Board
from rlbench_suite.leaderboard.submission import compute_digest, write_submission


def variant(base: dict[str, Any], index: int) -> dict[str, Any]:
    """``base`` under another name with distinct returns (so it is not a duplicate)."""
    copied = copy.deepcopy(base)
    copied["name"] = f"bench-{index:06d}"
    copied["runs"][0]["returns"][0] += 1e-6 * (index + 1)
    copied.pop("digest")
    copied["digest"] = compute_digest(copied)
    return copied


def lay_out_board(root: Path, base: dict[str, Any], size: int, work: Path) -> Board:
    """A board of ``size`` entries: one submitted, the rest copies of its folder."""
    board = Board.create(root)
    first = board.submit(write_submission(variant(base, 0), work / "first.json"))
    template = board.entry_dir(first["name"])
    for index in range(1, size):
        name = f"copy-{index:06d}"
        shutil.copytree(template, board.entry_dir(name))
        (board.index / f"{index:064x}").write_text(name + "\n")
    marker = json.loads(board.marker.read_text())
    marker["entries"] = size
    board.marker.write_text(json.dumps(marker))
    return board


def time_submits(
    board: Board, base: dict[str, Any], repeats: int, work: Path
) -> tuple[float, float]:
    """Median seconds and peak traced MiB of ``repeats`` new submits to ``board``."""
    seconds, peaks = [], []
    for index in range(repeats):
        path = write_submission(variant(base, 10_000_000 + index), work / f"new{index}.json")
        tracemalloc.start()
        started = time.perf_counter()
        board.submit(path)
        seconds.append(time.perf_counter() - started)
        peaks.append(tracemalloc.get_traced_memory()[1] / 2**20)
        tracemalloc.stop()
    return statistics.median(seconds), statistics.median(peaks)


def time_whole_file(
    base: dict[str, Any], size: int, repeats: int, work: Path
) -> tuple[float, float]:
    """Median seconds and peak MiB of adding one entry to a single JSON board of ``size``."""
    path = work / "board.json"
    entry = {"submission": base, "scores": {}}
    path.write_text(json.dumps({"entries": [entry] * size}, indent=1))
    seconds, peaks = [], []
    for _ in range(repeats):
        tracemalloc.start()
        started = time.perf_counter()
        board = json.loads(path.read_text())
        board["entries"].append(entry)
        write_atomically(path, (json.dumps(board, indent=1) + "\n").encode())
        seconds.append(time.perf_counter() - started)
        peaks.append(tracemalloc.get_traced_memory()[1] / 2**20)
        tracemalloc.stop()
    return statistics.median(seconds), statistics.median(peaks)


def main() -> None:
    """Print the table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10, 100, 1000, 10_000])
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    base = reference_submission("rlbench/CartPole-v1", "random", episodes=10)
    rows = []
    for size in args.sizes:
        with tempfile.TemporaryDirectory() as folder:
            work = Path(folder)
            board = lay_out_board(work / "board", base, max(1, size - args.repeats), work)
            rows.append(("folder board", size, *time_submits(board, base, args.repeats, work)))
            rows.append(
                ("whole-file board", size, *time_whole_file(base, size, args.repeats, work))
            )
    table = Table(title=f"One submit vs board size: median of {args.repeats}")
    for column in ("board", "entries", "seconds", "x smallest", "peak MiB", "x smallest"):
        table.add_column(column, justify="left" if column == "board" else "right")
    smallest = {
        kind: (seconds, peak) for kind, size, seconds, peak in rows if size == args.sizes[0]
    }
    for kind, size, seconds, peak in rows:
        table.add_row(
            kind,
            f"{size:,}",
            f"{seconds:.4f}",
            f"{seconds / smallest[kind][0]:.2f}",
            f"{peak:.2f}",
            f"{peak / smallest[kind][1]:.2f}",
        )
    Console().print(table)


if __name__ == "__main__":
    main()
