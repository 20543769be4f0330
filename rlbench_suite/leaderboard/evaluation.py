"""The board re-runs every entry itself: the returns it ranks are the returns it measured.

As the Open RL Leaderboard re-evaluates every model, the board plays each run's agent (the
named reference agent, or the submitted model read as weights only) on episode seeds it draws
itself when it evaluates, at least :data:`MIN_BOARD_EPISODES_PER_RUN` per run. Those returns,
recorded with their seeds in the entry, give the ranked scores. The submitter's own returns
are only compared: the board also replays the submitted episode seeds and checks the claim
run by run (:func:`compare_returns`); an entry whose claim disagrees is ``disputed``, shown
apart with both numbers. Custom code cannot be re-run and stays ``self-reported``.

Every env of the suite is deterministic given its seed and the agent's seed, so a faithful
claim agrees exactly (up to :data:`EXACT_TOLERANCE`, float printing); where returns differ (a
stochastic policy, another machine's floating point) a run still agrees when its claimed mean
lies inside the 95% interval of the mean the board measured on the same seeds (objective by
objective and agent by agent for vector and multi-agent returns): the board's own spread, never
the submitter's, so inventing a wide spread buys nothing.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import numpy as np

import rlbench_suite
from rlbench_suite.leaderboard.store import Board, BoardError, score_runs
from rlbench_suite.leaderboard.submission import (
    MIN_EPISODES_PER_SEED,
    SubmissionError,
    check_submission,
    fingerprint,
)
from rlbench_suite.scoring.evaluate import evaluate, mean_confidence_halfwidth

EXACT_TOLERANCE = 1e-6
#: The board plays at least this many episodes per run, and at most the second number.
MIN_BOARD_EPISODES_PER_RUN = MIN_EPISODES_PER_SEED
MAX_BOARD_EPISODES_PER_RUN = 100
# Board seeds are drawn below this, so that every env's seeding (NumPy, 32-bit C RNGs) takes them.
SEED_CEILING = 2**31 - 1_000_000


@dataclass(frozen=True)
class RunCheck:
    """One run's claim compared with what the board measured on the same episode seeds."""

    seed: int
    submitted_mean: float
    measured_mean: float
    max_abs_difference: float
    verdict: str  # "exact", "within CI" or "disagrees"

    @property
    def agrees(self) -> bool:
        """Whether the claim holds."""
        return self.verdict != "disagrees"


def compare_returns(
    seed: int, submitted: np.ndarray, measured: np.ndarray, tolerance: float = EXACT_TOLERANCE
) -> RunCheck:
    """The verdict on one run's claimed returns against the re-measured ones (same seeds)."""
    submitted = np.asarray(submitted, dtype=float)
    measured = np.asarray(measured, dtype=float)
    difference = float(np.max(np.abs(submitted - measured))) if submitted.size else 0.0
    scale = max(1.0, float(np.max(np.abs(measured)))) if measured.size else 1.0
    submitted_mean, measured_mean = float(submitted.mean()), float(measured.mean())
    if difference <= tolerance * scale:
        verdict = "exact"
    else:
        # Column by column (each objective, each agent): a claim that moves return from one
        # objective or agent to another keeps the overall mean, never every column's.
        measured_columns = measured.reshape(len(measured), -1)
        submitted_columns = submitted.reshape(len(submitted), -1)
        halfwidths = np.atleast_1d(mean_confidence_halfwidth(measured_columns))
        gaps = np.abs(measured_columns.mean(axis=0) - submitted_columns.mean(axis=0))
        inside = not np.any(np.isnan(halfwidths)) and bool(np.all(gaps <= halfwidths))
        verdict = "within CI" if inside else "disagrees"
    return RunCheck(int(seed), submitted_mean, measured_mean, difference, verdict)


def policy_for_run(submission: Mapping[str, Any], run: Mapping[str, Any], folder: Path) -> Any:
    """What plays a run: the reference agent's name, or the run's model read as weights only."""
    algorithm = submission["algorithm"]
    if algorithm["kind"] == "reference":
        return algorithm["agent"]
    if algorithm["kind"] != "sb3":
        raise ValueError(
            f"algorithm kind {algorithm['kind']!r} names no agent or model the board can re-run"
        )
    if "model" not in run:
        raise ValueError(f"run with seed {run['seed']} has no model file to re-run")
    from rlbench_suite.agents.sb3 import load_agent
    from rlbench_suite.registry import env_card

    settings = algorithm["hyperparameters"]
    arguments = settings.get("hyperparameters", {})
    if env_card(submission["env"]["id"]).multi_agent:
        from rlbench_suite.agents.sb3_multiagent import load_multiagent_agent

        if settings.get("env_wrapper"):
            raise ValueError("a multi-agent run is replayed without env_wrapper")
        return load_multiagent_agent(
            folder / run["model"]["path"],
            algorithm["name"],
            submission["env"]["id"],
            settings.get("learners", ""),
            arguments.get("policy_kwargs"),
            use_sde=bool(arguments.get("use_sde", False)),
            deterministic=submission["evaluation"]["deterministic"],
            policy=settings.get("policy", "MlpPolicy"),
        )
    wrappers = [
        (name, dict(kwargs or {}))
        for item in settings.get("env_wrapper", [])
        for name, kwargs in item.items()
    ]
    return load_agent(
        folder / run["model"]["path"],
        algorithm["name"],
        submission["env"]["id"],
        wrappers,
        arguments.get("policy_kwargs"),
        use_sde=bool(arguments.get("use_sde", False)),
        deterministic=submission["evaluation"]["deterministic"],
        policy=settings.get("policy", "MlpPolicy"),
    )


@dataclass(frozen=True)
class Played:
    """What the board measured on a list of episode seeds: returns, and each agent's."""

    returns: list[Any]
    agent_returns: list[dict[str, Any]] | None  # multi-agent ids only

    def to_run(self, seed: int, episode_seeds: list[int]) -> dict[str, Any]:
        """A run record as the entry stores it (the submission's run format)."""
        run: dict[str, Any] = {
            "seed": seed,
            "episode_seeds": episode_seeds,
            "returns": self.returns,
        }
        if self.agent_returns is not None:
            run["agent_returns"] = self.agent_returns
        return run


def _plain(value: Any) -> float | list[float]:
    return float(value) if np.ndim(value) == 0 else [float(v) for v in value]


def _play(
    policy: Any,
    env_id: str,
    episode_seeds: list[int],
    on_episode: Callable[[], None] | None,
) -> Played:
    result = evaluate(
        policy,
        env_id,
        seeds=episode_seeds,
        on_episode=None if on_episode is None else (lambda _record: on_episode()),
    )
    returns = [_plain(record.episode_return) for record in result.records]
    agent_returns = None
    if result.records and result.records[0].agent_returns is not None:
        agent_returns = [
            {agent: _plain(value) for agent, value in (record.agent_returns or {}).items()}
            for record in result.records
        ]
    return Played(returns, agent_returns)


def _agent_matrix(agent_returns: list[Mapping[str, Any]]) -> np.ndarray:
    """Per-agent returns as (episodes, agents x objectives), agents in sorted order."""
    return np.array(
        [
            np.concatenate([np.atleast_1d(episode[agent]) for agent in sorted(episode)])
            for episode in agent_returns
        ],
        dtype=float,
    )


def compare_run(seed: int, claimed: Mapping[str, Any], measured: Played) -> RunCheck:
    """The verdict on one run's claim (``returns``, and ``agent_returns`` on multi-agent ids).

    The team's returns decide as :func:`compare_returns` says; a multi-agent claim must also
    hold agent by agent, so the verdict is the worse of the two and the difference the larger.
    """
    check = compare_returns(seed, np.asarray(claimed["returns"]), np.asarray(measured.returns))
    if measured.agent_returns is None:
        return check
    claimed_agents = claimed.get("agent_returns")
    if claimed_agents is None or [sorted(e) for e in claimed_agents] != [
        sorted(e) for e in measured.agent_returns
    ]:
        return RunCheck(check.seed, check.submitted_mean, check.measured_mean, np.inf, "disagrees")
    per_agent = compare_returns(
        seed, _agent_matrix(claimed_agents), _agent_matrix(measured.agent_returns)
    )
    order = ("exact", "within CI", "disagrees")
    verdict = max(check.verdict, per_agent.verdict, key=order.index)
    difference = max(check.max_abs_difference, per_agent.max_abs_difference)
    return RunCheck(check.seed, check.submitted_mean, check.measured_mean, difference, verdict)


def claim_checks(
    submission: Mapping[str, Any],
    folder: Path,
    on_episode: Callable[[], None] | None = None,
) -> list[RunCheck]:
    """Each run replayed on its own episode seeds and compared with its claimed returns."""
    return [
        _check_claim(run, policy_for_run(submission, run, folder), submission, on_episode)
        for run in submission["runs"]
    ]


def _check_claim(
    run: Mapping[str, Any],
    policy: Any,
    submission: Mapping[str, Any],
    on_episode: Callable[[], None] | None,
) -> RunCheck:
    """One run's claimed returns against ``policy`` replayed on the run's episode seeds."""
    measured = _play(policy, submission["env"]["id"], run["episode_seeds"], on_episode)
    return compare_run(run["seed"], run, measured)


def board_episode_seeds(num_runs: int, episodes_per_run: int, base: int | None) -> list[list[int]]:
    """Fresh episode seeds for each run: consecutive from ``base`` (drawn at random if None)."""
    if base is None:
        base = secrets.randbelow(SEED_CEILING)
    return [
        [base + run * episodes_per_run + episode for episode in range(episodes_per_run)]
        for run in range(num_runs)
    ]


def board_episodes_per_run(submission: Mapping[str, Any]) -> int:
    """As many episodes per run as the submitter played, within the board's bounds."""
    submitted = max(len(run["returns"]) for run in submission["runs"])
    return int(np.clip(submitted, MIN_BOARD_EPISODES_PER_RUN, MAX_BOARD_EPISODES_PER_RUN))


def evaluate_entry(
    board: Board,
    name: str,
    seed: int | None = None,
    on_episode: Callable[[], None] | None = None,
) -> dict[str, Any]:
    """Re-run entry ``name`` on fresh seeds and check its claim; returns the updated record.

    ``seed`` pins the first board episode seed (for reproducible tests); by default it is
    drawn at random, so no submitter can know the episodes beforehand.
    """
    entry = board.read_entry(name)
    if entry["status"] == "self-reported":
        raise BoardError(
            f"{name}: custom code cannot be re-run by the board; it stays self-reported"
        )
    folder = board.entry_dir(name)
    submission = board.read_submission(name)
    try:
        check_submission(submission, str(folder / "submission.json"), folder=folder)
    except SubmissionError as error:
        raise BoardError(str(error)) from None
    env_id = submission["env"]["id"]
    seeds = board_episode_seeds(len(submission["runs"]), board_episodes_per_run(submission), seed)
    checks, runs = [], []
    for run, episode_seeds in zip(submission["runs"], seeds, strict=True):
        # One policy per run plays both its claim's episodes and the board's own.
        policy = policy_for_run(submission, run, folder)
        checks.append(_check_claim(run, policy, submission, on_episode))
        played = _play(policy, env_id, episode_seeds, on_episode)
        runs.append(played.to_run(run["seed"], episode_seeds))
    entry["evaluation"] = {
        "evaluated_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "suite_version": rlbench_suite.__version__,
        "runs": runs,
        "claim_check": [asdict(check) for check in checks],
        "scores": score_runs(env_id, runs),
    }
    entry["status"] = "verified" if all(check.agrees for check in checks) else "disputed"
    with board.locked():
        board.write_entry(entry)
    return entry


def episodes_to_evaluate(board: Board, name: str) -> int:
    """Episodes :func:`evaluate_entry` will play for ``name`` (for progress bars)."""
    submission = board.read_submission(name)
    claimed = sum(len(run["returns"]) for run in submission["runs"])
    return claimed + len(submission["runs"]) * board_episodes_per_run(submission)


def rerun_matches(
    board: Board, name: str, on_episode: Callable[[], None] | None = None
) -> list[str]:
    """Problems found replaying an evaluated entry on its recorded board seeds (empty: none)."""
    entry = board.read_entry(name)
    evaluation = entry.get("evaluation")
    if evaluation is None:
        return [f"entry {name!r}: not evaluated by the board yet"]
    folder = board.entry_dir(name)
    submission = board.read_submission(name)
    problems = []
    for run, recorded in zip(submission["runs"], evaluation["runs"], strict=True):
        measured = _play(
            policy_for_run(submission, run, folder),
            entry["env_id"],
            recorded["episode_seeds"],
            on_episode,
        )
        check = compare_run(run["seed"], recorded, measured)
        if check.verdict != "exact":
            problems.append(
                f"entry {name!r}, run {run['seed']}: the board's recorded returns do not replay "
                f"(largest difference {check.max_abs_difference:.3g})"
            )
    return problems


def rescore_entry(board: Board, name: str) -> dict[str, Any]:
    """Recompute entry ``name``'s scores from the returns it holds (after new references).

    Nothing is re-run: the claimed returns and the board's own measured returns are kept, only
    their normalised scores follow the env card's current reference scores.
    """
    entry = board.read_entry(name)
    submission = board.read_submission(name)
    entry["claimed"] = score_runs(entry["env_id"], submission["runs"])
    if entry["evaluation"] is not None:
        evaluation = entry["evaluation"]
        evaluation["scores"] = score_runs(entry["env_id"], evaluation["runs"])
    with board.locked():
        board.write_entry(entry)
    return entry


def check_entry(board: Board, name: str) -> list[str]:
    """Problems with one entry's record, checked against its submission without re-running."""
    where = f"entry {name!r}"
    try:
        entry = board.read_entry(name)
        submission = board.read_submission(name)
        folder = board.entry_dir(name)
        check_submission(submission, str(folder / "submission.json"), folder=folder)
    except (BoardError, SubmissionError) as error:
        return [f"{where}: {error}"]
    problems = []
    if entry["name"] != name or submission["name"] != name:
        problems.append(f"{where}: the folder, the record and the submission disagree on the name")
    if entry["digest"] != submission["digest"]:
        problems.append(f"{where}: the record's digest is not the submission's")
    if entry["fingerprint"] != fingerprint(submission):
        problems.append(f"{where}: the record's fingerprint is not the submission's")
    elif board.holder_of(entry["fingerprint"]) != name:
        problems.append(f"{where}: the duplicate index does not point at it")
    if entry["claimed"] != score_runs(entry["env_id"], submission["runs"]):
        problems.append(f"{where}: stored claimed scores differ from the recomputed ones")
    evaluation = entry.get("evaluation")
    kind = submission["algorithm"]["kind"]
    if kind == "custom":
        if entry["status"] != "self-reported" or evaluation is not None:
            problems.append(f"{where}: custom code must be self-reported and never evaluated")
        return problems
    if evaluation is None:
        if entry["status"] != "unverified":
            problems.append(f"{where}: status {entry['status']!r} without a board evaluation")
        return problems
    if evaluation["scores"] != score_runs(entry["env_id"], evaluation["runs"]):
        problems.append(f"{where}: stored board scores differ from the recomputed ones")
    if any(len(run["returns"]) < MIN_BOARD_EPISODES_PER_RUN for run in evaluation["runs"]):
        problems.append(f"{where}: the board evaluation has too few episodes per run")
    agrees = all(check["verdict"] != "disagrees" for check in evaluation["claim_check"])
    if entry["status"] != ("verified" if agrees else "disputed"):
        problems.append(f"{where}: status {entry['status']!r} does not follow its claim check")
    return problems


def check_board(board: Board) -> list[str]:
    """Problems with every entry of ``board`` (see :func:`check_entry`), plus the marker's count."""
    names = board.names()
    problems = [problem for name in names for problem in check_entry(board, name)]
    count = board.read_marker().get("entries")
    if count != len(names):
        problems.append(f"board.json counts {count} entries, the board holds {len(names)}")
    return problems


__all__ = [
    "EXACT_TOLERANCE",
    "RunCheck",
    "check_board",
    "check_entry",
    "claim_checks",
    "compare_returns",
    "compare_run",
    "episodes_to_evaluate",
    "evaluate_entry",
    "policy_for_run",
    "rerun_matches",
    "rescore_entry",
]
