"""A submitter's own check before submitting: re-run a submission file on its episode seeds.

``rlbench leaderboard verify FILE`` replays each run's agent or model (read as weights only,
never unpickled) on the run's own episode seeds and compares with its returns, run by run, with
the board's rules (:func:`rlbench_suite.leaderboard.evaluation.compare_returns`). The board
itself goes further: it also plays seeds of its own choosing and ranks only those returns.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from rlbench_suite.leaderboard.evaluation import RunCheck, claim_checks, compare_returns
from rlbench_suite.leaderboard.submission import load_submission


@dataclass(frozen=True)
class Verification:
    """A whole submission re-measured, run by run."""

    name: str
    env_id: str
    runs: tuple[RunCheck, ...]

    @property
    def agrees(self) -> bool:
        """Every run reproduced."""
        return all(run.agrees for run in self.runs)


def verify_submission(
    path: Path | str, on_episode: Callable[[], None] | None = None
) -> Verification:
    """Re-run every run of the submission at ``path`` and compare with its returns."""
    path = Path(path)
    submission = load_submission(path)
    checks = claim_checks(submission, path.parent, on_episode)
    return Verification(submission["name"], submission["env"]["id"], tuple(checks))


__all__ = ["RunCheck", "Verification", "compare_returns", "verify_submission"]
