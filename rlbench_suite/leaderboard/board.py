"""The board: accepted submissions with the scores the board computed itself.

``board.json`` holds one entry per accepted submission: the submission as sent (so the board
alone can be re-verified and re-scored) and the scores recomputed from its raw returns. It is
only ever rewritten whole, under a file lock (``board.json.lock``), through a temporary file
renamed into place: concurrent submits queue on the lock and each sees the others' entries,
and a process killed mid-write leaves the previous board as it was.

Scores per entry, from the per-seed mean returns (the seed is the unit of replication):

- ``mean_return`` and its Student-t 95% interval over seeds (per objective for vector returns);
- where the env has reference scores, each seed's mean normalised (0 = random, 100 = expert)
  and rliable's IQM, mean, median and optimality gap with stratified-bootstrap 95% intervals.

Entries are ranked by the normalised IQM.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np

from rlbench_suite.files import write_atomically
from rlbench_suite.leaderboard.submission import (
    SubmissionError,
    check_submission,
    content_digest,
    load_submission,
)
from rlbench_suite.registry import env_card
from rlbench_suite.scoring.evaluate import mean_confidence_halfwidth

BOARD_FORMAT = "rlbench-board/1"
#: Bootstrap resamples for an entry's intervals (rliable's default is 2000; a board entry has
#: a handful of seeds, for which 1000 already pins the interval to the second digit).
BOOTSTRAP_REPS = 1000
LOCK_TIMEOUT_SECONDS = 120.0


def default_board_path() -> Path:
    """``$RLBENCH_BOARD``, else ``leaderboard/board.json`` of the checkout the suite runs from.

    An installed (non-editable) suite has no checkout; then it is ``./leaderboard/board.json``.
    """
    if os.environ.get("RLBENCH_BOARD"):
        return Path(os.environ["RLBENCH_BOARD"])
    checkout = Path(__file__).resolve().parents[2]
    if (checkout / "pyproject.toml").is_file() and (checkout / "leaderboard").is_dir():
        return checkout / "leaderboard" / "board.json"
    return Path.cwd() / "leaderboard" / "board.json"


def empty_board() -> dict[str, Any]:
    """A board with no entries."""
    return {"format": BOARD_FORMAT, "entries": []}


def read_board(path: Path | str) -> dict[str, Any]:
    """The board at ``path`` (an empty one if there is no file yet)."""
    path = Path(path)
    if not path.exists():
        return empty_board()
    try:
        board = json.loads(path.read_text())
    except (json.JSONDecodeError, UnicodeDecodeError) as error:
        raise ValueError(f"{path}: the board is not valid JSON ({error})") from None
    if not isinstance(board, dict) or board.get("format") != BOARD_FORMAT:
        raise ValueError(f"{path}: not an rlbench board (format {BOARD_FORMAT!r} expected)")
    return board


def board_bytes(board: Mapping[str, Any]) -> bytes:
    """The board as written: indented JSON, entries in a stable order."""
    return (json.dumps(board, indent=1, allow_nan=False) + "\n").encode()


# -- Scores -------------------------------------------------------------------------------------


def _interval(values: np.ndarray) -> dict[str, Any]:
    mean = values.mean(axis=0)
    halfwidth = mean_confidence_halfwidth(values)
    if np.ndim(mean) == 0:
        return {"point": float(mean), "ci95": None if np.isnan(halfwidth) else float(halfwidth)}
    return {
        "point": [float(value) for value in mean],
        "ci95": [None if np.isnan(value) else float(value) for value in halfwidth],
    }


def score_submission(submission: Mapping[str, Any]) -> dict[str, Any]:
    """Every aggregate of a (checked) submission, recomputed from its raw returns."""
    from rlbench_suite.scoring.aggregate import aggregate_scores

    card = env_card(submission["env"]["id"])
    per_seed = np.array(
        [np.mean(np.asarray(run["returns"], dtype=float), axis=0) for run in submission["runs"]]
    )
    episodes = sum(len(run["returns"]) for run in submission["runs"])
    scores: dict[str, Any] = {
        "seeds": len(submission["runs"]),
        "episodes": episodes,
        "per_seed_mean_return": per_seed.tolist(),
        "mean_return": _interval(per_seed),
        "normalised": None,
    }
    references = card.references
    if card.reward_dim == 1 and references is not None and references.expert != references.random:
        normalised = np.array([references.normalise(value) for value in per_seed])
        aggregates = aggregate_scores({"entry": normalised[:, None]}, reps=BOOTSTRAP_REPS)["entry"]
        scores["normalised"] = {
            "per_seed": normalised.tolist(),
            **{name: estimate.to_json() for name, estimate in aggregates.items()},
        }
    return scores


def make_entry(submission: Mapping[str, Any]) -> dict[str, Any]:
    """The board's entry for a checked submission."""
    card = env_card(submission["env"]["id"])
    algorithm = submission["algorithm"]
    return {
        "name": submission["name"],
        "env_id": card.id,
        "family": card.family,
        "algorithm": {key: algorithm[key] for key in ("name", "kind", "version")},
        "training_timesteps": submission["training"]["timesteps"],
        "digest": submission["digest"],
        "content_digest": content_digest(submission),
        "submitted_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "scores": score_submission(submission),
        "submission": dict(submission),
    }


def ranking_key(entry: Mapping[str, Any]) -> tuple[float, str]:
    """Sort key: highest normalised IQM first, entries without one last, then by name."""
    normalised = entry["scores"]["normalised"]
    iqm = normalised["iqm"]["point"] if normalised else -np.inf
    return (-iqm, entry["name"])


# -- Submitting -----------------------------------------------------------------------------------


def _duplicate_problems(board: Mapping[str, Any], entry: Mapping[str, Any]) -> list[str]:
    problems = []
    for existing in board["entries"]:
        if existing["digest"] == entry["digest"]:
            problems.append(
                f"/digest: the board already holds this exact submission as {existing['name']!r}"
            )
        elif existing["content_digest"] == entry["content_digest"]:
            problems.append(
                f"/runs: the same results are already on the board as {existing['name']!r} "
                "(only the name, submitter or machine differ)"
            )
        if existing["name"] == entry["name"] and existing["digest"] != entry["digest"]:
            problems.append(f"/name: {entry['name']!r} is already taken on the board")
    return problems


def add_entry(board_path: Path | str, submission: Mapping[str, Any], source: str) -> dict[str, Any]:
    """Score a checked submission and add it to the board, under the board's lock."""
    from filelock import FileLock

    board_path = Path(board_path)
    board_path.parent.mkdir(parents=True, exist_ok=True)
    # Scoring (the bootstrap) happens before the lock, so submits queue only for the rewrite.
    entry = make_entry(submission)
    with FileLock(f"{board_path}.lock", timeout=LOCK_TIMEOUT_SECONDS):
        board = read_board(board_path)
        problems = _duplicate_problems(board, entry)
        if problems:
            raise SubmissionError(source, problems)
        board["entries"].append(entry)
        board["entries"].sort(key=lambda item: (item["family"], item["env_id"], item["name"]))
        write_atomically(board_path, board_bytes(board))
    return entry


def submit(path: Path | str, board_path: Path | str | None = None) -> dict[str, Any]:
    """Check the submission at ``path`` and add it to the board; returns the new entry.

    Raises :class:`SubmissionError` (the board untouched) with every problem found.
    """
    submission = load_submission(path)
    return add_entry(board_path or default_board_path(), submission, str(path))


def resubmit_board(board: Mapping[str, Any]) -> list[str]:
    """Problems with a board's entries: each one re-checked and re-scored from its submission."""
    problems = []
    for entry in board["entries"]:
        try:
            check_submission(entry["submission"], f"entry {entry['name']!r}")
        except SubmissionError as error:
            problems.extend(error.problems)
            continue
        if entry["scores"] != score_submission(entry["submission"]):
            problems.append(f"entry {entry['name']!r}: stored scores differ from recomputed ones")
    return problems
