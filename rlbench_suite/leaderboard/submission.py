"""Submissions: build one from raw returns, digest it, and check one a stranger sent.

A submission is one algorithm on one env: per seed, the episode seeds it was evaluated on and
the raw return of each episode (a list for multi-objective envs; on multi-agent envs the team's
return, with each agent's own in ``agent_returns``; a scalarised learner's run also names the
``reward_weights`` it learnt, one point of its front), with what produced them
(algorithm, hyperparameters, training budget, package versions, machine). The JSON Schema is
``submission.schema.json`` beside this module; :func:`load_submission` reads the file as a
regular file within its cap and applies it, then the checks a schema cannot express: the env
exists in this suite, 3 to 20 seeds and at most 2,000 episodes, finite returns the env can
produce (its card's ``return_bounds``, objective by objective, and agent by agent on multi-agent
envs, whose team return must be the sum of its agents'), printable text, shallow JSON, an
sb3 run's settings rebuildable from plain values (:func:`sb3_settings_problems`), model files
inside the submission's folder with matching hashes, and a matching digest. Every problem is
reported with where it is (a JSON pointer such as ``/runs/1/returns/4``) and what was expected.

:func:`fingerprint` identifies a result apart from how it is labelled, for duplicates.

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
from rlbench_suite.files import (
    MAX_MODEL_FILE_BYTES,
    UnsafeFileError,
    read_regular_file,
    sha256_of_file,
    write_atomically,
)
from rlbench_suite.registry import EnvCard, env_card, list_envs

FORMAT = "rlbench-submission/1"
#: The board ranks an algorithm on an env by its spread over seeds: fewer than this many
#: training seeds say nothing about that spread.
MIN_SEEDS = 3
#: Episodes evaluated per seed; fewer give a per-seed mean too noisy to rank.
MIN_EPISODES_PER_SEED = 10
#: Larger files are refused before they are parsed.
MAX_SUBMISSION_BYTES = 5 * 1024 * 1024
#: A submission holds at most this many runs and episodes in all: the board re-runs every one.
MAX_RUNS = 20
MAX_EPISODES = 2_000
#: Deeper JSON is refused: nothing in the format nests beyond a few levels, and a deep nest is
#: a way to exhaust the parser's stack.
MAX_JSON_DEPTH = 32
#: Entries excluded from the digest: the digest itself and the aggregates the board ignores.
UNDIGESTED = ("digest", "aggregates")
#: Control characters (C0, DEL, C1), zero-width and bidirectional-override characters: refused
#: in every string of a submission, since a name printed to a terminal or a page must show
#: what it says (no colour escapes, no reordered text).
# ECMA-48 sequences that terminals interpret (CSI such as "\x1b[31m", OSC such as a title or a
# hyperlink, and two-character escapes): removed whole on output, so no "[31m" is left behind.
_ESCAPE_SEQUENCE = re.compile(
    r"(?:\x1b\[|\x9b)[\x30-\x3f]*[\x20-\x2f]*[\x40-\x7e]"
    r"|(?:\x1b\]|\x9d)[^\x07\x1b\x9c]*(?:\x07|\x1b\\|\x9c)?"
    r"|\x1b[\x40-\x5f]"
)
UNPRINTABLE = re.compile("[\x00-\x1f\x7f-\x9f\u200b-\u200f\u202a-\u202e\u2066-\u2069]")


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


def printable(text: str) -> str:
    """``text`` without escape sequences, control, zero-width and bidi characters.

    Submissions holding any of these are refused; this is for printing or rendering text that
    did not come through that check (a board written by hand, an older board).
    """
    return UNPRINTABLE.sub("", _ESCAPE_SEQUENCE.sub("", text))


def canonical_json(value: Any) -> bytes:
    """The bytes the digest is taken over: sorted keys, no whitespace, ASCII, no NaN."""
    return json.dumps(
        value, sort_keys=True, separators=(",", ":"), ensure_ascii=True, allow_nan=False
    ).encode()


def compute_digest(submission: Mapping[str, Any]) -> str:
    """``sha256:<hex>`` of the submission without its ``digest`` and ``aggregates``."""
    body = {key: value for key, value in submission.items() if key not in UNDIGESTED}
    return "sha256:" + hashlib.sha256(canonical_json(body)).hexdigest()


def renamed(submission: Mapping[str, Any], name: str) -> dict[str, Any]:
    """``submission`` under another board name, its digest recomputed."""
    copy = {key: value for key, value in submission.items() if key != "digest"}
    copy["name"] = name
    copy["digest"] = compute_digest(copy)
    return copy


def _return_key(value: float | Sequence[float]) -> str:
    # Twelve significant digits: a return nudged in its last bits is still the same return.
    return ",".join(f"{item:.12g}" for item in np.atleast_1d(np.asarray(value, dtype=float)))


def fingerprint(submission: Mapping[str, Any]) -> str:
    """What a result is, without who sent it, when, on what machine or under which labels.

    The env, the kind of agent, what plays (the reference agent's name, or the model files'
    hashes) and the multiset of runs, each run the multiset of its returns. Changing the name,
    submitter, wall clock, versions, machine, seed labels, the order of runs or episodes leaves
    it unchanged, so a resubmission of the same returns dressed differently is a duplicate.
    Custom entries, which the board cannot re-run, are identified by their returns alone.
    """
    algorithm = submission["algorithm"]
    runs = submission["runs"]
    if algorithm["kind"] == "reference":
        plays: Any = algorithm.get("agent")
    elif algorithm["kind"] == "sb3":
        plays = sorted(run.get("model", {}).get("sha256", "") for run in runs)
    else:
        plays = None
    body = {
        "env": submission["env"]["id"],
        "kind": algorithm["kind"],
        "plays": plays,
        "runs": sorted(sorted(_return_key(value) for value in run["returns"]) for run in runs),
    }
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
    #: Multi-agent ids: per episode, each agent's own return (``returns`` holds their sum).
    agent_returns: Sequence[Mapping[str, float | Sequence[float]]] | None = None
    #: Multi-objective ids: the weights of the scalarised reward this run's model learnt.
    reward_weights: Sequence[float] | None = None

    def to_json(self) -> dict[str, Any]:
        """The run as the schema's ``runs[i]``."""
        run: dict[str, Any] = {
            "seed": int(self.seed),
            "episode_seeds": [int(seed) for seed in self.episode_seeds],
            "returns": [_plain_return(value) for value in self.returns],
        }
        if self.agent_returns is not None:
            run["agent_returns"] = [
                {str(agent): _plain_return(value) for agent, value in episode.items()}
                for episode in self.agent_returns
            ]
        if self.model is not None:
            run["model"] = dict(self.model)
        if self.reward_weights is not None:
            run["reward_weights"] = [float(weight) for weight in self.reward_weights]
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


def _depth(value: Any, limit: int) -> int:
    """Nesting depth of a parsed JSON value, walked without recursion, stopping past ``limit``."""
    deepest, stack = 0, [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, dict | list):
            deepest = max(deepest, depth)
            if deepest > limit:
                return deepest
            children = item.values() if isinstance(item, dict) else item
            stack.extend((child, depth + 1) for child in children)
    return deepest


def _unprintable_problems(value: Any) -> list[str]:
    """Every string (keys included) holding a control, zero-width or bidi character."""
    problems, stack = [], [(value, ())]
    while stack:
        item, path = stack.pop()
        if isinstance(item, dict):
            for key, child in item.items():
                if UNPRINTABLE.search(key):
                    problems.append(f"{_pointer(path)}: a key holds a control character: {key!r}")
                stack.append((child, (*path, key)))
        elif isinstance(item, list):
            stack.extend((child, (*path, index)) for index, child in enumerate(item))
        elif isinstance(item, str) and UNPRINTABLE.search(item):
            problems.append(
                f"{_pointer(path)}: holds a control or invisible character ({item[:40]!r}); "
                "names and text must be printable"
            )
    return sorted(problems)


def parse_submission_bytes(data: bytes, source: str) -> dict[str, Any]:
    """JSON from ``data``, refusing oversized input, bad UTF-8, NaN/Infinity, deep nesting."""
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
    except RecursionError:
        raise SubmissionError(
            source, [f"(file): JSON nested deeper than the {MAX_JSON_DEPTH} levels allowed"]
        ) from None
    except ValueError as error:
        raise SubmissionError(source, [f"(file): not valid JSON: {error}"]) from None
    if not isinstance(value, dict):
        raise SubmissionError(
            source, [f"(top level): expected a JSON object, got {type(value).__name__}"]
        )
    if _depth(value, MAX_JSON_DEPTH) > MAX_JSON_DEPTH:
        raise SubmissionError(
            source, [f"(file): JSON nested deeper than the {MAX_JSON_DEPTH} levels allowed"]
        )
    problems = _unprintable_problems(value)
    if problems:
        raise SubmissionError(source, problems)
    return value


def _schema_problems(submission: Mapping[str, Any]) -> list[str]:
    from jsonschema import Draft202012Validator

    validator = Draft202012Validator(submission_schema())
    problems = []
    for error in sorted(validator.iter_errors(submission), key=lambda e: list(e.absolute_path)):
        if error.validator == "oneOf" and isinstance(
            error.instance, bool | str | None | dict | list
        ):
            what = (
                "expected a number or a list of numbers (two or more, one per objective), "
                f"got {json.dumps(error.instance)}"
            )
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


def _run_problems(submission: Mapping[str, Any], card: EnvCard) -> list[str]:
    problems = []
    runs = submission["runs"]
    if len(runs) < MIN_SEEDS:
        problems.append(f"/runs: {len(runs)} seed(s), at least {MIN_SEEDS} are required")
    if len(runs) > MAX_RUNS:
        problems.append(f"/runs: {len(runs)} seeds, at most {MAX_RUNS} are accepted")
    episodes = sum(len(run["returns"]) for run in runs)
    if episodes > MAX_EPISODES:
        problems.append(
            f"/runs: {episodes:,} episodes in all, at most {MAX_EPISODES:,} are accepted "
            "(the board re-runs every one)"
        )
    if problems:
        return problems
    # A seed may repeat across weight settings (each a point of the front), not within one.
    seeds = [(run["seed"], tuple(run.get("reward_weights") or ())) for run in runs]
    for index, seed in enumerate(seeds):
        if seeds.index(seed) != index:
            weights = f" with reward_weights {list(seed[1])}" if seed[1] else ""
            problems.append(f"/runs/{index}/seed: seed {seed[0]}{weights} appears twice")
    for index, run in enumerate(runs):
        weights = run.get("reward_weights")
        if weights is not None and (len(weights) != card.reward_dim or card.reward_dim < 2):
            problems.append(
                f"/runs/{index}/reward_weights: {card.id} has {card.reward_dim} objective(s); "
                "reward weights are one per objective of a multi-objective env"
            )
    low, high = card.return_bounds if card.return_bounds is not None else (-np.inf, np.inf)
    lows, highs = objective_bounds(card)
    for index, run in enumerate(runs):
        where = f"/runs/{index}"
        returns, episode_seeds = run["returns"], run["episode_seeds"]
        problems += _agent_return_problems(run, card, where)
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
            if shape != card.reward_dim:
                dim = card.reward_dim
                kind = f"a list of {dim} numbers" if dim > 1 else "a number"
                problems.append(
                    f"{where}/returns/{episode}: {card.id} has {card.reward_dim} objective(s), "
                    f"so each return is {kind}; got {json.dumps(value)}"
                )
            elif not all(math.isfinite(item) for item in np.atleast_1d(value)):
                problems.append(f"{where}/returns/{episode}: {value} is not finite")
            elif card.multi_agent:
                continue  # the card bounds one agent's return: checked per agent, team = sum
            elif card.reward_dim == 1 and not _within(value, low, high):
                problems.append(
                    f"{where}/returns/{episode}: {value} is outside what {card.id} can produce "
                    f"([{low:g}, {high:g}] per episode, from its reward range and horizon)"
                )
            elif card.reward_dim > 1:
                problems += _objective_bound_problems(
                    value, card, lows, highs, f"{where}/returns/{episode}"
                )
    return problems


def objective_bounds(card: EnvCard) -> tuple[np.ndarray, np.ndarray]:
    """Per objective, the smallest and largest episode return the card allows, (reward_dim,) each.

    A card's ``return_bounds`` is a pair of numbers (the same bounds on every objective) or,
    for a multi-objective env, a pair of sequences with one bound per objective.
    """
    if card.return_bounds is None:
        return np.full(card.reward_dim, -np.inf), np.full(card.reward_dim, np.inf)
    low, high = card.return_bounds
    lows = np.broadcast_to(np.asarray(low, dtype=float), (card.reward_dim,))
    highs = np.broadcast_to(np.asarray(high, dtype=float), (card.reward_dim,))
    return lows, highs


def _objective_bound_problems(
    value: Any, card: EnvCard, lows: np.ndarray, highs: np.ndarray, where: str
) -> list[str]:
    problems = []
    for objective, item, low, high in zip(card.objectives, value, lows, highs, strict=True):
        if not _within(float(item), float(low), float(high)):
            problems.append(
                f"{where}: {objective} = {item} is outside what {card.id} can produce "
                f"([{low:g}, {high:g}] per episode for that objective)"
            )
    return problems


@cache
def expected_agents(env_id: str) -> tuple[str, ...]:
    """The agents of the default instance of the multi-agent id ``env_id``, in its order."""
    from rlbench_suite.registry import make_multiagent

    env = make_multiagent(env_id)
    try:
        return tuple(env.possible_agents)
    finally:
        env.close()


def _agent_return_problems(run: Mapping[str, Any], card: EnvCard, where: str) -> list[str]:
    """A multi-agent run's per-agent returns: every agent, within bounds, summing to the team's."""
    agent_returns = run.get("agent_returns")
    if not card.multi_agent:
        if agent_returns is not None:
            return [f"{where}/agent_returns: {card.id} is single-agent; drop agent_returns"]
        return []
    if agent_returns is None:
        return [
            f"{where}/agent_returns: {card.id} is multi-agent, so each episode needs every "
            "agent's own return (returns holds the team's, their sum)"
        ]
    returns = run["returns"]
    if len(agent_returns) != len(returns):
        return [f"{where}/agent_returns: {len(agent_returns)} episodes for {len(returns)} returns"]
    agents = expected_agents(card.id)
    lows, highs = objective_bounds(card)
    problems = []
    for episode, (per_agent, team) in enumerate(zip(agent_returns, returns, strict=True)):
        here = f"{where}/agent_returns/{episode}"
        if sorted(per_agent) != sorted(agents):
            problems.append(f"{here}: expected the agents {list(agents)}, got {sorted(per_agent)}")
            continue
        values = []
        for agent in agents:
            value = per_agent[agent]
            shape = 1 if isinstance(value, int | float) else len(value)
            if shape != card.reward_dim or not all(
                math.isfinite(item) for item in np.atleast_1d(value)
            ):
                problems.append(
                    f"{here}/{agent}: expected {card.reward_dim} finite number(s), "
                    f"got {json.dumps(value)}"
                )
                continue
            problems += _objective_bound_problems(
                np.atleast_1d(value), card, lows, highs, f"{here}/{agent}"
            )
            values.append(np.atleast_1d(np.asarray(value, dtype=float)))
        if len(values) != len(agents) or np.size(team) != card.reward_dim:
            continue
        total = np.sum(values, axis=0)
        scale = np.sum(np.abs(values), axis=0)
        if np.any(np.abs(total - np.atleast_1d(team)) > 1e-9 * np.maximum(1.0, scale)):
            expected = _plain_return(total if card.reward_dim > 1 else total[0])
            problems.append(
                f"{where}/returns/{episode}: the team return {json.dumps(team)} is not the sum "
                f"of its agents' returns ({expected})"
            )
    return problems


def _within(value: float, low: float, high: float) -> bool:
    # A relative slack of 1e-9 absorbs float summation order; nothing a policy could exploit.
    slack_low = 1e-9 * max(1.0, abs(low)) if math.isfinite(low) else 0.0
    slack_high = 1e-9 * max(1.0, abs(high)) if math.isfinite(high) else 0.0
    return low - slack_low <= value <= high + slack_high


def _algorithm_problems(algorithm: Mapping[str, Any], card: EnvCard) -> list[str]:
    kind = algorithm["kind"]
    if kind == "reference":
        agent = algorithm.get("agent")
        if agent not in (*card.agents, "expert"):
            return [
                f"/algorithm/agent: {card.id} has no reference agent {agent!r}; "
                f"its agents are {list(card.agents)}"
            ]
        return []
    if kind == "sb3":
        return sb3_settings_problems(algorithm["name"], algorithm["hyperparameters"])
    return []


def _model_problems(submission: Mapping[str, Any], folder: Path | None) -> list[str]:
    problems = []
    needs_model = submission["algorithm"]["kind"] == "sb3"
    seen: set[str] = set()
    for index, run in enumerate(submission["runs"]):
        model = run.get("model")
        if model is not None and model["path"] in seen:
            problems.append(f"/runs/{index}/model/path: {model['path']!r} is another run's model")
            continue
        if model is not None:
            seen.add(model["path"])
        if model is None:
            if needs_model:
                problems.append(
                    f"/runs/{index}/model: an sb3 run needs its model file, so the board can "
                    "re-run it"
                )
            continue
        where = f"/runs/{index}/model/path"
        relative = model["path"]
        parts = Path(relative).parts
        if ".." in parts or Path(relative).is_absolute() or "\\" in relative:
            problems.append(f"{where}: {relative!r} leaves the submission's folder")
            continue
        if folder is None:
            continue
        try:
            digest = sha256_of_file(folder / relative, MAX_MODEL_FILE_BYTES)
        except UnsafeFileError as error:
            problems.append(f"{where}: {error}")
            continue
        if digest != model["sha256"]:
            problems.append(f"{where}: {relative!r} does not match its sha256")
    return problems


#: What an sb3 submission's ``hyperparameters`` hold: the training run's settings (as the SB3
#: runner writes them), the algorithm's own arguments under ``hyperparameters``.
SB3_SETTINGS = frozenset(
    {
        "policy",
        "n_timesteps",
        "n_envs",
        "vec_env",
        "env_kwargs",
        "env_wrapper",
        "eval_freq",
        "eval_episodes",
        "final_eval_episodes",
        "torch_threads",
        "noise_type",
        "noise_std",
        "hyperparameters",
        # Multi-agent ids: "centralised" or "independent" (see rlbench_suite.agents.sb3_multiagent).
        "learners",
    }
)
MAX_SETTING_STRING = 40


def sb3_settings_problems(algo: str, settings: Mapping[str, Any]) -> list[str]:
    """What keeps the board from rebuilding an sb3 submission's policy from plain values.

    Every value must be plain JSON: the policy by its SB3 name, wrappers by their name in the
    suite's registry with checked arguments, policy keyword arguments from an allowlist, the
    other algorithm arguments as scalars. Nothing here is ever imported or called.
    """
    where = "/algorithm/hyperparameters"
    try:
        from rlbench_suite.agents import sb3 as sb3_agents
    except ImportError:
        return [
            "/algorithm/kind: sb3 submissions are re-run with Stable-Baselines3; "
            "pip install 'rlbench-suite[sb3]'"
        ]
    from rlbench_suite.wrappers.registry import wrapper_problems

    if algo not in sb3_agents.ALGORITHMS:
        return [f"/algorithm/name: {algo!r} is not one of {', '.join(sb3_agents.ALGORITHMS)}"]
    problems = [
        f"{where}/{key}: unknown setting (expected: {', '.join(sorted(SB3_SETTINGS))})"
        for key in settings
        if key not in SB3_SETTINGS
    ]
    if settings.get("policy", "MlpPolicy") not in sb3_agents.POLICY_NAMES:
        problems.append(
            f"{where}/policy: {settings.get('policy')!r} cannot be rebuilt; "
            f"expected one of {list(sb3_agents.POLICY_NAMES)}"
        )
    learners = settings.get("learners")
    if learners is not None and learners not in ("centralised", "independent"):
        problems.append(
            f"{where}/learners: expected 'centralised' or 'independent', got {learners!r}"
        )
    if settings.get("env_kwargs", {}) != {}:
        problems.append(f"{where}/env_kwargs: must be {{}} (the board plays the default instance)")
    wrappers = settings.get("env_wrapper", [])
    if not isinstance(wrappers, list):
        problems.append(f"{where}/env_wrapper: expected a list of {{name: arguments}}")
        wrappers = []
    for index, item in enumerate(wrappers):
        if not (isinstance(item, dict) and len(item) == 1):
            problems.append(f"{where}/env_wrapper/{index}: expected {{name: arguments}}")
            continue
        ((name, arguments),) = item.items()
        problems += [
            f"{where}/env_wrapper/{index}: {problem}"
            for problem in wrapper_problems(name, arguments or {})
        ]
    arguments = settings.get("hyperparameters", {})
    if not isinstance(arguments, dict):
        return [*problems, f"{where}/hyperparameters: expected a mapping"]
    import inspect

    accepted = set(inspect.signature(sb3_agents.ALGORITHMS[algo].__init__).parameters)
    for key, value in arguments.items():
        if key not in accepted or key in ("self", "env", "policy", "device"):
            problems.append(f"{where}/hyperparameters/{key}: not an argument {algo} takes")
        elif key == "policy_kwargs":
            problems += [
                f"{where}/hyperparameters/{problem}"
                for problem in sb3_agents.policy_kwargs_problems(value)
            ]
        elif not (
            value is None
            or isinstance(value, bool | int | float)
            or (isinstance(value, str) and len(value) <= MAX_SETTING_STRING)
        ):
            problems.append(
                f"{where}/hyperparameters/{key}: expected a number, boolean, null or a short "
                f"string, got {type(value).__name__}"
            )
    return problems


def check_submission(
    submission: Mapping[str, Any], source: str = "submission", folder: Path | None = None
) -> None:
    """Raise :class:`SubmissionError` listing every problem; return quietly if there is none.

    ``folder`` is where the submission's model files are looked for (skipped when None).
    """
    problems = _unprintable_problems(submission) + _schema_problems(submission)
    if problems:
        raise SubmissionError(source, problems)
    problems = _env_problems(submission["env"])
    if problems:
        raise SubmissionError(source, problems)
    card = env_card(submission["env"]["id"])
    problems += _algorithm_problems(submission["algorithm"], card)
    problems += _run_problems(submission, card)
    problems += _model_problems(submission, folder)
    digest = compute_digest(submission)
    if submission["digest"] != digest:
        problems.append(
            f"/digest: {submission['digest']} does not match the content ({digest}); "
            "the file was edited after it was digested"
        )
    if problems:
        raise SubmissionError(source, problems)


def read_submission(path: Path | str) -> tuple[bytes, dict[str, Any]]:
    """The bytes and the parsed JSON of the submission file at ``path``, unchecked.

    The file must be a regular file (not a link, FIFO or device) of at most
    :data:`MAX_SUBMISSION_BYTES`; no more than that is ever read.
    """
    try:
        data = read_regular_file(path, MAX_SUBMISSION_BYTES)
    except UnsafeFileError as error:
        raise SubmissionError(str(path), [f"(file): {error}"]) from None
    return data, parse_submission_bytes(data, str(path))


def load_submission(path: Path | str) -> dict[str, Any]:
    """Read and check the submission at ``path`` (models are looked for beside it)."""
    path = Path(path)
    _, submission = read_submission(path)
    check_submission(submission, str(path), folder=path.parent)
    return submission


def write_submission(submission: Mapping[str, Any], path: Path | str) -> Path:
    """Write ``submission`` as indented JSON, atomically (temp file, then rename)."""
    path = Path(path)
    write_atomically(path, (json.dumps(submission, indent=2, allow_nan=False) + "\n").encode())
    return path
