"""The leaderboard: submissions checked as data, re-run by the board, ranked per env, rendered.

    rlbench leaderboard submit result.json        # check it, add it as an unverified entry
    rlbench leaderboard evaluate --pending        # the board re-runs entries on its own seeds
    rlbench leaderboard verify result.json        # a submitter's check: replay its own seeds
    rlbench leaderboard show --env rlbench/CartPole-v1
    rlbench leaderboard render --out site/        # index.html, a page per env, plots

A submission's format is the JSON Schema ``submission.schema.json`` shipped here (see
:mod:`rlbench_suite.leaderboard.submission` for the rules beyond the schema); the board's
layout on disk is in :mod:`rlbench_suite.leaderboard.store`, its re-evaluation in
:mod:`rlbench_suite.leaderboard.evaluation`. Nothing a submission holds is imported,
unpickled or called.
"""

from rlbench_suite.leaderboard.store import Board, BoardError, default_board_dir, read_entries
from rlbench_suite.leaderboard.submission import (
    MAX_SUBMISSION_BYTES,
    MIN_EPISODES_PER_SEED,
    MIN_SEEDS,
    Run,
    SubmissionError,
    build_submission,
    load_submission,
    submission_schema,
    write_submission,
)

__all__ = [
    "MAX_SUBMISSION_BYTES",
    "MIN_EPISODES_PER_SEED",
    "MIN_SEEDS",
    "Board",
    "BoardError",
    "Run",
    "SubmissionError",
    "build_submission",
    "default_board_dir",
    "load_submission",
    "read_entries",
    "submission_schema",
    "write_submission",
]
