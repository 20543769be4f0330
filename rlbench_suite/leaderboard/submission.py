"""Submissions: build one from raw returns, digest it, and check one a stranger sent.

A submission is one algorithm on one env: per seed, the episode seeds it was evaluated on and
the raw return of each episode (a list for multi-objective envs), with what produced them
(algorithm, hyperparameters, training budget, package versions, machine). The JSON Schema is
``submission.schema.json`` beside this module; :func:`load_submission` applies it and then the
checks a schema cannot express (the env exists in this suite, enough seeds and episodes, finite
numbers, a matching digest, model files inside the submission's folder). Every problem is
reported with where it is (a JSON pointer such as ``/runs/1/returns/4``) and what was expected.

The digest is ``sha256:`` over the canonical JSON of every field but ``digest``: sorted keys,
no whitespace, ASCII. Editing a return after the digest was computed is detected.
"""

from __future__ import annotations

import hashlib
import json
import math
import os
import platform
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

import gymnasium as gym
import numpy as np

import rlbench_suite
from rlbench_suite.files import write_atomically
from rlbench_suite.registry import env_card, list_envs

FORMAT = "rlbench-submission/1"
#: The board ranks an algorithm on an env by its spread over seeds: fewer than this many
#: training seeds say nothing about that spread.
MIN_SEEDS = 3
#: Episodes evaluated per seed; fewer give a per-seed mean too noisy to rank.
MIN_EPISODES_PER_SEED = 10
#: Larger files are refused before they are parsed.
MAX_SUBMISSION_BYTES = 5 * 1024 * 1024
#: Entries excluded from the digest: the digest itself and the aggregates the board ignores.
UNDIGESTED = ("digest", "aggregates")
#: Entries that say who and where, not what: two submissions differing only in these are the
#: same result submitted twice.
NON_CONTENT = ("name", "digest", "aggregates", "submitter", "machine")


class SubmissionError(ValueError):
    """A submission the board refuses; ``problems`` lists each one as ``where: what``."""

    def __init__(self, source: str, problems: Sequence[str]) -> None:
        self.source = source
        self.problems = list(problems)
        listed = "\n".join(f"  - {problem}" for problem in self.problems)
        super().__init__(f"{source}: rejected ({len(self.problems)} problem(s)):\n{listed}")


@cache
def submission_schema() -> dict[str, Any]:
    """The submission JSON Schema shipped with the package."""
    text = resources.files("rlbench_suite.leaderboard").joinpath("submission.schema.json")
    return json.loads(text.read_text())


def canonical_json(value: Any) -> bytes:
    """The bytes the digest is taken over: sorted keys, no whitespace, ASCII, no NaN."""
    return json.dumps(
        value, sort_keys=True, separators=(",", ":"), ensure_ascii=True, allow_nan=False
    ).encode()


def compute_digest(submission: Mapping[str, Any]) -> str:
    """``sha256:<hex>`` of the submission without its ``digest`` and ``aggregates``."""
    body = {key: value for key, value in submission.items() if key not in UNDIGESTED}
    return "sha256:" + hashlib.sha256(canonical_json(body)).hexdigest()


def content_digest(submission: Mapping[str, Any]) -> str:
    """A digest of what was measured only, so a renamed resubmission is still a duplicate."""
    body = {key: value for key, value in submission.items() if key not in NON_CONTENT}
    return "sha256:" + hashlib.sha256(canonical_json(body)).hexdigest()


def package_versions(extra: Mapping[str, str] | None = None) -> dict[str, str]:
    """The versions a result depends on: the suite, Python, Gymnasium, NumPy, and ``extra``."""
    return {
        "rlbench_suite": rlbench_suite.__version__,
        "python": platform.python_version(),
        "gymnasium": gym.__version__,
        "numpy": np.__version__,
        **dict(extra or {}),
    }


def machine_info() -> dict[str, Any]:
    """Where a result was measured: platform, processor and core count."""
    return {
        "platform": platform.platform(),
        "processor": platform.processor() or platform.machine(),
        "cpu_count": os.cpu_count(),
    }


@dataclass(frozen=True)
class Run:
    """One seed's evaluation: the episode seeds and the return of each episode."""

    seed: int
    episode_seeds: Sequence[int]
    returns: Sequence[float | Sequence[float]]
    model: Mapping[str, str] | None = None

    def to_json(self) -> dict[str, Any]:
        """The run as the schema's ``runs[i]``."""
        run: dict[str, Any] = {
            "seed": int(self.seed),
            "episode_seeds": [int(seed) for seed in self.episode_seeds],
            "returns": [_plain_return(value) for value in self.returns],
        }
        if self.model is not None:
            run["model"] = dict(self.model)
        return run


def _plain_return(value: Any) -> float | list[float]:
    array = np.asarray(value, dtype=float)
    return float(array) if array.ndim == 0 else [float(item) for item in array]


def build_submission(
    name: str,
    env_id: str,
    algorithm: Mapping[str, Any],
    runs: Iterable[Run],
    training_timesteps: int,
    deterministic: bool,
    versions: Mapping[str, str] | None = None,
    wall_clock_seconds: float | None = None,
    submitter: Mapping[str, Any] | None = None,
    env_kwargs: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """A complete, digested submission (fields in the schema's order).

    ``env_kwargs`` are the ``gym.make`` arguments the returns came from; the board takes only
    the default instance (none), but a submission states what it ran on.
    """
    training: dict[str, Any] = {"timesteps": int(training_timesteps)}
    if wall_clock_seconds is not None:
        training["wall_clock_seconds"] = float(wall_clock_seconds)
    submission: dict[str, Any] = {
        "format": FORMAT,
        "name": name,
        "suite_version": rlbench_suite.__version__,
        "env": {"id": env_id, "kwargs": dict(env_kwargs or {})},
        "algorithm": dict(algorithm),
        "training": training,
        "evaluation": {"deterministic": bool(deterministic)},
        "runs": [run.to_json() for run in runs],
        "versions": package_versions(versions),
        "machine": machine_info(),
    }
    if submitter is not None:
        submission["submitter"] = dict(submitter)
    submission["digest"] = compute_digest(submission)
    return submission


def submission_name(algorithm: str, env_id: str) -> str:
    """A board name for ``algorithm`` on ``env_id``, e.g. ``ppo.QuadHover-v0``."""
    return re.sub(r"[^A-Za-z0-9._-]", "-", f"{algorithm}.{env_id.split('/', 1)[-1]}")


# -- Reading and checking ----------------------------------------------------------------------


def _pointer(path: Iterable[Any]) -> str:
    return "/" + "/".join(str(part) for part in path) if path else "(top level)"


def _reject_constant(constant: str) -> float:
    raise ValueError(f"{constant} is not a finite number (JSON has no NaN or Infinity)")


def parse_submission_bytes(data: bytes, source: str) -> dict[str, Any]:
    """JSON from ``data``, refusing oversized input, bad UTF-8, NaN/Infinity and non-objects."""
    if len(data) > MAX_SUBMISSION_BYTES:
        raise SubmissionError(
            source,
            [f"(file): {len(data):,} bytes, more than the {MAX_SUBMISSION_BYTES:,} allowed"],
        )
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as error:
        raise SubmissionError(source, [f"(file): not UTF-8 text ({error})"]) from None
    try:
        value = json.loads(text, parse_constant=_reject_constant)
    except ValueError as error:
        raise SubmissionError(source, [f"(file): not valid JSON: {error}"]) from None
    if not isinstance(value, dict):
        raise SubmissionError(
            source, [f"(top level): expected a JSON object, got {type(value).__name__}"]
        )
    return value


def _schema_problems(submission: Mapping[str, Any]) -> list[str]:
    from jsonschema import Draft202012Validator

    validator = Draft202012Validator(submission_schema())
    problems = []
    for error in sorted(validator.iter_errors(submission), key=lambda e: list(e.absolute_path)):
        if error.validator == "oneOf" and isinstance(error.instance, bool | str | None | dict):
            what = f"expected a number or a list of numbers, got {json.dumps(error.instance)}"
        elif error.validator == "pattern":
            what = f"{json.dumps(error.instance)} does not match {error.validator_value!r}"
        else:
            what = error.message
        problems.append(f"{_pointer(error.absolute_path)}: {what}")
    return problems


def _env_problems(env: Mapping[str, Any]) -> list[str]:
    env_id = env["id"]
    if env.get("kwargs"):
        return [
            "/env/kwargs: must be {} (the board ranks each env's default instance), "
            f"got {json.dumps(env['kwargs'])}"
        ]
    known = list_envs()
    if env_id in known:
        return []
    base = env_id.rsplit("-v", 1)[0]
    versions = [candidate for candidate in known if candidate.rsplit("-v", 1)[0] == base]
    if versions:
        return [
            f"/env/id: {env_id} is not in rlbench_suite {rlbench_suite.__version__}; "
            f"this suite has {', '.join(versions)}"
        ]
    return [f"/env/id: unknown env {env_id!r}; `rlbench list` shows the {len(known)} known ids"]


def _run_problems(submission: Mapping[str, Any], reward_dim: int) -> list[str]:
    problems = []
    runs = submission["runs"]
    if len(runs) < MIN_SEEDS:
        problems.append(f"/runs: {len(runs)} seed(s), at least {MIN_SEEDS} are required")
    seeds = [run["seed"] for run in runs]
    for index, seed in enumerate(seeds):
        if seeds.index(seed) != index:
            problems.append(f"/runs/{index}/seed: seed {seed} appears twice")
    for index, run in enumerate(runs):
        where = f"/runs/{index}"
        returns, episode_seeds = run["returns"], run["episode_seeds"]
        if len(returns) < MIN_EPISODES_PER_SEED:
            problems.append(
                f"{where}/returns: {len(returns)} episode(s), at least "
                f"{MIN_EPISODES_PER_SEED} per seed are required"
            )
        if len(episode_seeds) != len(returns):
            problems.append(
                f"{where}/episode_seeds: {len(episode_seeds)} seeds for {len(returns)} returns"
            )
        if len(set(episode_seeds)) != len(episode_seeds):
            problems.append(f"{where}/episode_seeds: an episode seed appears twice")
        for episode, value in enumerate(returns):
            shape = 1 if isinstance(value, int | float) else len(value)
            if shape != reward_dim:
                kind = "a number" if reward_dim == 1 else f"a list of {reward_dim} numbers"
                problems.append(
                    f"{where}/returns/{episode}: {submission['env']['id']} has "
                    f"{reward_dim} objective(s), so each return is {kind}; got {json.dumps(value)}"
                )
            elif not all(math.isfinite(item) for item in np.atleast_1d(value)):
                problems.append(f"{where}/returns/{episode}: {value} is not finite")
    return problems


def _model_problems(submission: Mapping[str, Any], folder: Path | None) -> list[str]:
    problems = []
    for index, run in enumerate(submission["runs"]):
        model = run.get("model")
        if model is None:
            continue
        where = f"/runs/{index}/model/path"
        relative = model["path"]
        parts = Path(relative).parts
        if ".." in parts or Path(relative).is_absolute() or "\\" in relative:
            problems.append(f"{where}: {relative!r} leaves the submission's folder")
            continue
        if folder is None:
            continue
        path = (folder / relative).resolve()
        if not path.is_relative_to(folder.resolve()):
            problems.append(f"{where}: {relative!r} resolves outside the submission's folder")
        elif not path.is_file():
            problems.append(f"{where}: no file at {relative!r} beside the submission")
        elif hashlib.sha256(path.read_bytes()).hexdigest() != model["sha256"]:
            problems.append(f"{where}: {relative!r} does not match its sha256")
    return problems


def check_submission(
    submission: Mapping[str, Any], source: str = "submission", folder: Path | None = None
) -> None:
    """Raise :class:`SubmissionError` listing every problem; return quietly if there is none.

    ``folder`` is where the submission's model files are looked for (skipped when None).
    """
    problems = _schema_problems(submission)
    if problems:
        raise SubmissionError(source, problems)
    problems = _env_problems(submission["env"])
    if problems:
        raise SubmissionError(source, problems)
    card = env_card(submission["env"]["id"])
    if submission["algorithm"]["kind"] == "reference":
        agent = submission["algorithm"].get("agent")
        if agent not in (*card.agents, "expert"):
            problems.append(
                f"/algorithm/agent: {card.id} has no reference agent {agent!r}; "
                f"its agents are {list(card.agents)}"
            )
    problems += _run_problems(submission, card.reward_dim)
    problems += _model_problems(submission, folder)
    digest = compute_digest(submission)
    if submission["digest"] != digest:
        problems.append(
            f"/digest: {submission['digest']} does not match the content ({digest}); "
            "the file was edited after it was digested"
        )
    if problems:
        raise SubmissionError(source, problems)


def load_submission(path: Path | str) -> dict[str, Any]:
    """Read and check the submission at ``path`` (models are looked for beside it)."""
    path = Path(path)
    try:
        size = path.stat().st_size
    except OSError as error:
        raise SubmissionError(str(path), [f"(file): cannot read it: {error.strerror}"]) from None
    if size > MAX_SUBMISSION_BYTES:
        raise SubmissionError(
            str(path), [f"(file): {size:,} bytes, more than the {MAX_SUBMISSION_BYTES:,} allowed"]
        )
    submission = parse_submission_bytes(path.read_bytes(), str(path))
    check_submission(submission, str(path), folder=path.parent)
    return submission


def write_submission(submission: Mapping[str, Any], path: Path | str) -> Path:
    """Write ``submission`` as indented JSON, atomically (temp file, then rename)."""
    path = Path(path)
    write_atomically(path, (json.dumps(submission, indent=2, allow_nan=False) + "\n").encode())
    return path
