"""The board on disk: one folder per entry, so a submit costs the same on a board of any size.

::

    <board>/
      board.json                    the board's marker: format, creation date, entry count
      submissions/<name>/
        submission.json             the submission as accepted (bytes as sent, or renamed)
        seed_<n>/model.zip          its model files, copied in (sb3 entries)
        entry.json                  the board's record: status, claimed and board-computed scores
      index/<fingerprint>           the name of the entry holding that result (duplicates)

A submit reads only the new submission, the marker and one index file, and writes one new
folder: its time and memory do not grow with the board. Everything is staged in a hidden folder
and renamed into place under the board's lock, so a submit killed at any moment leaves the
board as it was (its staging folder is cleared by the next submit). The board never runs
anything a submission names: ``entry.json`` is written by the board only.

An entry record (``entry.json``) holds ``status`` (``unverified`` until the board re-runs it;
then ``verified`` or ``disputed``; ``self-reported`` for custom code, which it cannot re-run),
``claimed`` (scores computed from the submitted returns, shown for comparison only) and
``evaluation`` (the board's own re-run on seeds it chose: the only numbers that rank).
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import numpy as np

from rlbench_suite.files import (
    MAX_MODEL_FILE_BYTES,
    UnsafeFileError,
    copy_regular_file,
    read_regular_file,
    write_atomically,
)
from rlbench_suite.leaderboard.submission import (
    SubmissionError,
    check_submission,
    fingerprint,
    read_submission,
    renamed,
)
from rlbench_suite.registry import EnvCard, env_card
from rlbench_suite.scoring.evaluate import mean_confidence_halfwidth

BOARD_FORMAT = "rlbench-board/2"
ENTRY_FORMAT = "rlbench-entry/1"
#: The board refuses submissions beyond this many entries (one folder each).
MAX_ENTRIES = 10_000
MAX_ENTRY_BYTES = 16 * 1024 * 1024
#: Bootstrap resamples for an entry's intervals (rliable's default is 2000; an entry has a
#: handful of seeds, for which 1000 already pins the interval to the second digit).
BOOTSTRAP_REPS = 1000
LOCK_TIMEOUT_SECONDS = 120.0
STATUSES = ("verified", "unverified", "disputed", "self-reported")


class BoardError(ValueError):
    """A board that cannot be used as asked (missing, malformed, full); the message says why."""


def default_board_dir() -> Path:
    """``$RLBENCH_BOARD``, else ``leaderboard/`` of the checkout the suite runs from.

    An installed (non-editable) suite has no checkout; then it is ``./leaderboard``.
    """
    if os.environ.get("RLBENCH_BOARD"):
        return Path(os.environ["RLBENCH_BOARD"])
    checkout = Path(__file__).resolve().parents[2]
    if (checkout / "pyproject.toml").is_file() and (checkout / "leaderboard").is_dir():
        return checkout / "leaderboard"
    return Path.cwd() / "leaderboard"


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


def _per_seed_agent_means(runs: list[Mapping[str, Any]], agent: str) -> np.ndarray:
    """Each run's mean return of ``agent``: (runs,), or (runs, objectives)."""
    return np.array(
        [
            np.mean(
                [np.asarray(episode[agent], dtype=float) for episode in run["agent_returns"]], 0
            )
            for run in runs
        ]
    )


def score_runs(env_id: str, runs: list[Mapping[str, Any]]) -> dict[str, Any]:
    """Every aggregate of ``runs`` (each with ``returns``), per seed as the unit of replication.

    ``mean_return`` with its Student-t 95% interval over seeds; where the env has reference
    scores, each seed's mean normalised (0 = zero anchor, 100 = expert) and rliable's IQM, mean,
    median and optimality gap with stratified-bootstrap 95% intervals. A multi-agent env's
    runs also give ``agent_mean_return`` (each agent's mean, interval over seeds); a
    multi-objective env's give ``multi_objective``, the front of the runs' mean return vectors
    with its hypervolume and expected utility (:func:`multi_objective_scores`). Single-agent
    single-objective scores hold neither key, so their records are as they always were.
    """
    from rlbench_suite.scoring.aggregate import aggregate_scores

    card = env_card(env_id)
    per_seed = np.array([np.mean(np.asarray(run["returns"], dtype=float), axis=0) for run in runs])
    scores: dict[str, Any] = {
        "seeds": len(runs),
        "episodes": sum(len(run["returns"]) for run in runs),
        "per_seed_mean_return": per_seed.tolist(),
        "mean_return": _interval(per_seed),
        "normalised": None,
        "success_rate": None,
    }
    if card.success_threshold is not None and card.reward_dim == 1:
        # The anchor's own measure: the share of episodes whose return reaches its threshold.
        solved = [
            float(np.mean(np.asarray(run["returns"], dtype=float) >= card.success_threshold))
            for run in runs
        ]
        scores["success_rate"] = {
            "threshold": card.success_threshold,
            "per_seed": solved,
            "mean": float(np.mean(solved)),
        }
    if card.multi_agent and all(run.get("agent_returns") for run in runs):
        scores["agent_mean_return"] = {
            agent: _interval(_per_seed_agent_means(runs, agent))
            for agent in runs[0]["agent_returns"][0]
        }
    if card.reward_dim > 1 and card.reference_point is not None:
        scores["multi_objective"] = multi_objective_scores(card, runs)
    references = card.references
    if card.reward_dim == 1 and references is not None and references.usable:
        normalised = np.array([references.normalise(value) for value in per_seed])
        aggregates = aggregate_scores({"entry": normalised[:, None]}, reps=BOOTSTRAP_REPS)["entry"]
        scores["normalised"] = {
            "per_seed": normalised.tolist(),
            **{name: estimate.to_json() for name, estimate in aggregates.items()},
        }
    return scores


def multi_objective_scores(card: EnvCard, runs: list[Mapping[str, Any]]) -> dict[str, Any]:
    """The front of ``runs`` on the multi-objective ``card``: hypervolume, expected utility.

    See :mod:`rlbench_suite.leaderboard.fronts`; on a multi-agent id each team return is
    divided by the number of agents, to the scale of the card's reference point.
    """
    from rlbench_suite.leaderboard.fronts import front_scores
    from rlbench_suite.leaderboard.submission import expected_agents

    per_agent = 1.0 / len(expected_agents(card.id)) if card.multi_agent else 1.0
    episodes = [per_agent * np.asarray(run["returns"], dtype=float) for run in runs]
    assert card.reference_point is not None  # score_runs asks only for cards that have one
    return {
        "objectives": list(card.objectives),
        "reference_point": [float(value) for value in card.reference_point],
        "per": "agent" if card.multi_agent else "episode",
        **front_scores(episodes, card.reference_point),
    }


def new_entry(submission: Mapping[str, Any]) -> dict[str, Any]:
    """The board's record of a checked submission, before the board has re-run it."""
    card = env_card(submission["env"]["id"])
    algorithm = submission["algorithm"]
    submitter = submission.get("submitter") or {}
    return {
        "format": ENTRY_FORMAT,
        "name": submission["name"],
        "env_id": card.id,
        "family": card.family,
        "algorithm": {
            "name": algorithm["name"],
            "kind": algorithm["kind"],
            "version": algorithm["version"],
            "agent": algorithm.get("agent"),
        },
        "submitter": submitter.get("name"),
        "training_timesteps": submission["training"]["timesteps"],
        "submitted_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "digest": submission["digest"],
        "fingerprint": fingerprint(submission),
        "status": "self-reported" if algorithm["kind"] == "custom" else "unverified",
        "claimed": score_runs(card.id, submission["runs"]),
        "evaluation": None,
    }


# -- The board ----------------------------------------------------------------------------------


class Board:
    """A board folder; open an existing one with :meth:`open`, make one with :meth:`create`."""

    def __init__(self, root: Path) -> None:
        self.root = Path(root)
        self.marker = self.root / "board.json"
        self.submissions = self.root / "submissions"
        self.index = self.root / "index"

    @classmethod
    def create(cls, root: Path | str) -> Board:
        """A new, empty board at ``root``; refuses a folder that already holds one."""
        board = cls(Path(root))
        if board.marker.exists():
            raise BoardError(f"{board.root} already holds a board; submit without --new-board")
        board.submissions.mkdir(parents=True, exist_ok=True)
        board.index.mkdir(exist_ok=True)
        board._write_marker(0)
        return board

    @classmethod
    def open(cls, root: Path | str) -> Board:
        """The board at ``root``; a folder without one is an error naming ``--new-board``."""
        board = cls(Path(root))
        if not board.marker.is_file():
            raise BoardError(
                f"no board at {board.root} (no board.json); pass --new-board to create one "
                "there, or --board to name an existing one"
            )
        board.read_marker()
        return board

    # -- reading

    def read_marker(self) -> dict[str, Any]:
        """The marker's contents, checked."""
        try:
            marker = json.loads(read_regular_file(self.marker, 64 * 1024))
        except (UnsafeFileError, ValueError) as error:
            raise BoardError(f"{self.marker}: not a readable board marker ({error})") from None
        if not isinstance(marker, dict) or marker.get("format") != BOARD_FORMAT:
            raise BoardError(f"{self.marker}: not an rlbench board ({BOARD_FORMAT!r} expected)")
        return marker

    def names(self) -> list[str]:
        """The entries' names, sorted."""
        if not self.submissions.is_dir():
            return []
        return sorted(
            item.name
            for item in self.submissions.iterdir()
            if not item.name.startswith(".") and (item / "entry.json").is_file()
        )

    def entry_dir(self, name: str) -> Path:
        """The folder of entry ``name``."""
        return self.submissions / name

    def read_entry(self, name: str) -> dict[str, Any]:
        """The record of entry ``name``."""
        path = self.entry_dir(name) / "entry.json"
        if not path.is_file():
            raise BoardError(f"no entry {name!r} on the board at {self.root}")
        try:
            return json.loads(read_regular_file(path, MAX_ENTRY_BYTES))
        except (UnsafeFileError, ValueError) as error:
            raise BoardError(f"{path}: not a readable entry ({error})") from None

    def read_submission(self, name: str) -> dict[str, Any]:
        """The accepted submission of entry ``name``, parsed (as the board stored it)."""
        path = self.entry_dir(name) / "submission.json"
        try:
            _, submission = read_submission(path)
        except SubmissionError as error:
            raise BoardError(str(error)) from None
        return submission

    def entries(self) -> list[dict[str, Any]]:
        """Every entry record, by name."""
        return [self.read_entry(name) for name in self.names()]

    # -- writing

    @contextmanager
    def locked(self) -> Iterator[None]:
        """Hold the board's lock (submits and entry updates queue on it)."""
        from filelock import FileLock

        with FileLock(str(self.root / "board.lock"), timeout=LOCK_TIMEOUT_SECONDS):
            yield

    def _write_marker(self, count: int) -> None:
        marker = {"format": BOARD_FORMAT, "entries": count}
        if self.marker.exists():
            marker = {**self.read_marker(), "entries": count}
        else:
            marker["created_at"] = datetime.now(timezone.utc).isoformat(timespec="seconds")
        write_atomically(self.marker, (json.dumps(marker, indent=1) + "\n").encode())

    def write_entry(self, entry: Mapping[str, Any]) -> None:
        """Replace the record of an existing entry (the board's own updates only)."""
        folder = self.entry_dir(entry["name"])
        if not folder.is_dir():
            raise BoardError(f"no entry {entry['name']!r} on the board at {self.root}")
        write_atomically(folder / "entry.json", entry_bytes(entry))

    def holder_of(self, result: str) -> str | None:
        """The entry holding the result ``result``, if it still exists."""
        path = self.index / result.removeprefix("sha256:")
        if not path.is_file():
            return None
        name = path.read_text().strip()
        # An index file whose entry folder never landed (a submit killed in between) is stale.
        return name if (self.entry_dir(name) / "entry.json").is_file() else None

    def submit(self, path: Path | str, name: str | None = None) -> dict[str, Any]:
        """Check the submission at ``path`` and add it as a new entry; returns the record.

        ``name`` renames it (the digest is recomputed). Raises :class:`SubmissionError` with
        every problem, the board byte for byte as it was.
        """
        path = Path(path)
        source = str(path)
        raw, submission = read_submission(path)
        if name is not None and name != submission.get("name"):
            # The submitter's digest must hold before the board re-digests under a new name.
            check_submission(submission, source, folder=path.parent)
            submission = renamed(submission, name)
            raw = (json.dumps(submission, indent=2) + "\n").encode()
        check_submission(submission, source, folder=path.parent)
        if submission["algorithm"]["kind"] == "sb3":
            _check_models_rebuild(submission, path.parent, source)
        entry = new_entry(submission)
        with self.locked():
            self._clear_staging()
            problems = self._refusals(entry)
            if problems:
                raise SubmissionError(source, problems)
            staging = self.submissions / f".staging-{secrets.token_hex(6)}"
            staging.mkdir(parents=True)
            try:
                write_atomically(staging / "submission.json", raw)
                for run in submission["runs"]:
                    if "model" in run:
                        target = staging / run["model"]["path"]
                        target.parent.mkdir(parents=True, exist_ok=True)
                        digest = copy_regular_file(
                            path.parent / run["model"]["path"], target, MAX_MODEL_FILE_BYTES
                        )
                        if digest != run["model"]["sha256"]:
                            raise SubmissionError(
                                source, [f"{run['model']['path']}: changed while it was copied"]
                            )
                write_atomically(staging / "entry.json", entry_bytes(entry))
                self.index.mkdir(exist_ok=True)
                write_atomically(
                    self.index / entry["fingerprint"].removeprefix("sha256:"),
                    (entry["name"] + "\n").encode(),
                )
                os.rename(staging, self.entry_dir(entry["name"]))
            except BaseException:
                shutil.rmtree(staging, ignore_errors=True)
                raise
            self._write_marker(self.read_marker().get("entries", 0) + 1)
        return entry

    def withdraw(self, name: str) -> dict[str, Any]:
        """Remove entry ``name`` and its duplicate-index record; returns its last record.

        For results that no longer replay on the env they name, e.g. a reference agent whose
        code changed: the board's history (the checkout's) keeps what was there. The entry's
        folder is renamed away under the lock before it is deleted, so a killed withdraw leaves
        either the whole entry or a staging leftover the next submit sweeps.
        """
        with self.locked():
            if name not in self.names():
                raise BoardError(f"no entry {name!r} on the board at {self.root}")
            entry = self.read_entry(name)
            folder = self.entry_dir(name)
            leftover = self.submissions / f".staging-withdrawn-{folder.name}"
            os.rename(folder, leftover)
            index_file = self.index / entry["fingerprint"].removeprefix("sha256:")
            if index_file.is_file() and index_file.read_text().strip() == name:
                index_file.unlink()
            shutil.rmtree(leftover, ignore_errors=True)
            self._write_marker(max(self.read_marker().get("entries", 1) - 1, 0))
        return entry

    def _refusals(self, entry: Mapping[str, Any]) -> list[str]:
        count = self.read_marker().get("entries", 0)
        if count >= MAX_ENTRIES:
            return [f"(board): full at {MAX_ENTRIES:,} entries; it takes no more submissions"]
        problems = []
        folder = self.entry_dir(entry["name"])
        if folder.exists():
            existing = self.read_entry(entry["name"])
            if existing["digest"] == entry["digest"]:
                return [
                    f"/digest: the board already holds this exact submission as {entry['name']!r}"
                ]
            problems.append(
                f"/name: {entry['name']!r} is already taken on the board (rename with --name)"
            )
        holder = self.holder_of(entry["fingerprint"])
        if holder is not None:
            problems.append(
                f"/runs: the same returns from the same agent are already on the board as "
                f"{holder!r} (a changed name, submitter, wall clock, versions, seed labels or "
                "run order does not make a new result)"
            )
        return problems

    def _clear_staging(self) -> None:
        """Remove staging folders that submits killed mid-way left behind (lock held)."""
        if not self.submissions.is_dir():
            return
        for item in self.submissions.iterdir():
            if item.name.startswith(".staging-"):
                shutil.rmtree(item, ignore_errors=True)


def _check_models_rebuild(submission: Mapping[str, Any], folder: Path, source: str) -> None:
    """Refuse an sb3 submission whose models the board could not rebuild and re-run."""
    from rlbench_suite.leaderboard.evaluation import policy_for_run

    problems = []
    for index, run in enumerate(submission["runs"]):
        try:
            policy_for_run(submission, run, folder)
        except ValueError as error:
            problems.append(f"/runs/{index}/model: {error}")
    if problems:
        raise SubmissionError(source, problems)


def entry_bytes(entry: Mapping[str, Any]) -> bytes:
    """An entry record as written: indented JSON, no NaN."""
    return (json.dumps(entry, indent=1, allow_nan=False) + "\n").encode()


def read_entries(root: Path | str) -> list[dict[str, Any]]:
    """Every entry record of the board at ``root``."""
    return Board.open(root).entries()


__all__ = [
    "BOARD_FORMAT",
    "MAX_ENTRIES",
    "STATUSES",
    "Board",
    "BoardError",
    "default_board_dir",
    "entry_bytes",
    "new_entry",
    "read_entries",
    "score_runs",
]
