"""The leaderboard: validated JSON submissions, recomputed scores, re-evaluation, a static page.

    rlbench leaderboard submit result.json        # check, score, add to leaderboard/board.json
    rlbench leaderboard verify result.json        # re-run the agent or model, compare returns
    rlbench leaderboard show --family uav         # ranked tables in the terminal
    rlbench leaderboard render --out site/        # index.html with sortable tables and plots

A submission's format is the JSON Schema ``submission.schema.json`` shipped here (see
:mod:`rlbench_suite.leaderboard.submission` for the rules beyond the schema); the board's
layout and its locking are in :mod:`rlbench_suite.leaderboard.board`.
"""

from rlbench_suite.leaderboard.board import default_board_path, read_board, submit
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
    "Run",
    "SubmissionError",
    "build_submission",
    "default_board_path",
    "load_submission",
    "read_board",
    "submission_schema",
    "submit",
    "write_submission",
]
