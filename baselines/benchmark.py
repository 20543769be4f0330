"""`rlbench benchmark`: the reference agents on every env, a short SB3 run on a few, all scored.

What one run writes under ``--out-dir`` (default ``benchmark_results/``):

- ``submissions/<agent>.<env>.json``: each reference agent's episodes on each env as a
  leaderboard submission (the episodes split into :data:`RUNS_PER_SUBMISSION` runs, in order),
  named ``<agent>.<env>``, or ``NAME.<agent>.<env>`` with ``--name NAME``;
- ``sb3/``: the SB3 runs (model, learning curve CSV and PNG per seed, a submission per env),
  ``aggregates.json`` and an interval-estimate PNG per family, as ``rlbench sweep`` writes them;
- ``intervals_<family>.png``: the agents' normalised scores per family (IQM, mean, median,
  optimality gap with bootstrap CIs), SB3 included.

With ``--quick`` (3 episodes per agent and env) the submissions are below the board's minimum
of seeds and episodes: they show the format, and ``submit`` says what is missing. The full run
(30 episodes per agent and env) writes submissions the board accepts.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from rlbench_suite.registry import env_card
from rlbench_suite.scoring.evaluate import EvaluationResult

#: A reference agent's episodes become this many runs (the board's minimum number of seeds).
RUNS_PER_SUBMISSION = 3
#: The envs that get a short SB3 run by default: cheap to step and with a tuned PPO config.
SB3_ENVS = ("rlbench/CartPole-v1", "rlbench/RMAB-TwoState-v0")


@functools.cache
def _submission_name_pattern() -> re.Pattern[str]:
    from rlbench_suite.leaderboard.submission import submission_schema

    return re.compile(submission_schema()["properties"]["name"]["pattern"])


def check_submission_name(name: str) -> str:
    """``name`` if the board accepts it as an entry name (the schema's pattern); else ValueError.

    >>> check_submission_name("my-ppo.v2")
    'my-ppo.v2'
    """
    if not _submission_name_pattern().fullmatch(name):
        raise ValueError(
            "expected a leaderboard name of letters, digits, '.', '_' and '-', starting with a "
            f"letter or digit, at most 80 characters; got {name!r}"
        )
    return name


def prefixed_submission_name(prefix: str | None, algorithm: str, env_id: str) -> str:
    """``<algorithm>.<env>``, or ``<prefix>.<algorithm>.<env>``, checked against the schema.

    >>> prefixed_submission_name("nightly", "random", "rlbench/CartPole-v1")
    'nightly.random.CartPole-v1'
    """
    from rlbench_suite.leaderboard.submission import submission_name

    name = submission_name(algorithm, env_id)
    return check_submission_name(name if prefix is None else f"{prefix}.{name}")


def submission_from_evaluation(
    result: EvaluationResult, name_prefix: str | None = None
) -> dict[str, Any]:
    """The reference evaluation ``result`` as a submission: its episodes in equal runs.

    The submission is named ``<agent>.<env>``, after ``name_prefix`` and a dot if one is given.
    """
    import rlbench_suite
    from rlbench_suite.leaderboard.submission import Run, build_submission

    records = list(result.records)
    blocks = np.array_split(np.arange(len(records)), min(RUNS_PER_SUBMISSION, len(records)))
    runs = [
        Run(
            seed=index,
            episode_seeds=[records[i].seed for i in block],
            returns=[records[i].episode_return for i in block],
            # Multi-agent ids: the team return above is the sum of these.
            agent_returns=(
                None
                if records[0].agent_returns is None
                else [records[i].agent_returns for i in block]
            ),
        )
        for index, block in enumerate(blocks)
    ]
    return build_submission(
        name=prefixed_submission_name(name_prefix, result.agent, result.env_id),
        env_id=result.env_id,
        algorithm={
            "name": result.agent,
            "kind": "reference",
            "agent": result.agent,
            "version": rlbench_suite.__version__,
            "hyperparameters": {},
        },
        runs=runs,
        training_timesteps=0,
        deterministic=True,
    )


def normalised_runs(submission: Mapping[str, Any]) -> np.ndarray | None:
    """Each run's mean return on the env's 0-100 scale (None without references)."""
    references = env_card(submission["env"]["id"]).references
    if references is None or not references.usable:
        return None
    return np.array(
        [references.normalise(float(np.mean(run["returns"]))) for run in submission["runs"]]
    )


def family_score_matrices(
    submissions: Sequence[Mapping[str, Any]],
) -> dict[str, dict[str, np.ndarray]]:
    """Per family, per algorithm: a (runs, envs) matrix of normalised scores for rliable.

    Each env's expert enters as ``expert`` whatever its name (Whittle on one bandit, the myopic
    MILP on another), so a family's experts pool into one row. rliable compares algorithms on
    the same tasks, so an algorithm enters a family only with a full set of runs on every env
    of that family in ``submissions``; others (an agent that exists for some envs only, an SB3
    run on one env) are left out of the family aggregate, not out of the per-env results.
    """
    cells: dict[str, dict[str, dict[str, np.ndarray]]] = {}
    for submission in submissions:
        scores = normalised_runs(submission)
        if scores is None or len(scores) != RUNS_PER_SUBMISSION:
            continue
        env_id = submission["env"]["id"]
        card = env_card(env_id)
        algorithm = submission["algorithm"]
        if algorithm["kind"] != "reference":
            label = f"{algorithm['name']} (sb3)"
        elif algorithm.get("agent") == card.expert_agent:
            label = "expert"
        else:
            label = algorithm["name"]
        cells.setdefault(card.family, {}).setdefault(label, {})[env_id] = scores
    matrices: dict[str, dict[str, np.ndarray]] = {}
    for family, by_label in cells.items():
        family_envs = sorted(set().union(*by_label.values()))
        complete = {
            label: np.stack([by_env[env] for env in family_envs], axis=1)
            for label, by_env in by_label.items()
            if sorted(by_env) == family_envs
        }
        if complete:
            matrices[family] = complete
    return matrices


def run_sb3_benchmark(
    env_ids: Sequence[str],
    out_dir: Path,
    timesteps: int,
    seeds: Sequence[int] = (0, 1, 2),
    workers: int = 1,
    on_done: Callable[[dict[str, Any]], None] | None = None,
    name_prefix: str | None = None,
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """PPO on ``env_ids`` for ``seeds`` with the shipped configs; summaries and submissions.

    The submissions are named ``ppo.<env>``, after ``name_prefix`` and a dot if one is given.
    """
    import json

    from rlbench_suite.baselines.sweep import Sweep, SweepRun, run_sweep, write_sweep_report

    sweep = Sweep(
        tuple(SweepRun("ppo", env_id, seed) for env_id in env_ids for seed in seeds),
        out_dir,
        timesteps,
        name_prefix,
    )
    summaries = run_sweep(sweep, "local", workers, on_done=on_done)
    if all("error" not in summary for summary in summaries):
        write_sweep_report(sweep, summaries)
    submissions = [
        json.loads(path.read_text())
        for path in sorted(out_dir.glob("ppo/*/submission.json"))
        if json.loads(path.read_text())["env"]["id"] in env_ids
    ]
    return summaries, submissions
