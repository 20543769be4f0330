"""Stable-Baselines3 baselines: train an SB3 algorithm on a suite env, one seed at a time.

    rlbench train --algo ppo --env rlbench/QuadHover-v0 --seeds 0 1 2 [--timesteps 1e6]

(that command, on its config's 150k-step budget, reaches the PID's hover return on each seed
in ~5 minutes on 2 CPU cores; see ``configs/ppo.yaml``).

A run reads as one story (:func:`train`): load the env's section of ``configs/<algo>.yaml``
(hyperparameters per env id, as rl-zoo3 keeps them), build the vectorised env with the wrappers
the config names, seed, train while evaluating the deterministic policy every ``eval_freq``
timesteps, evaluate it once more on ``final_eval_episodes`` seeded episodes, and save. Every
evaluation goes through the suite's one evaluation loop,
:func:`rlbench_suite.scoring.evaluate`, with :class:`SB3Agent` adapting the model, so returns
are the env's own (unwrapped) rewards and comparable with the EnvCard's references.

Each seed writes into ``OUT/<algo>/<env id, '/' as '_'>/seed_<seed>/``:

- ``model.zip``: the trained model (``PPO.load(path)``).
- ``curve.csv``: ``timesteps, wall_clock_seconds, mean_return, min_return, max_return`` per
  evaluation; rewritten after each one, so a long run shows its progress.
- ``curve.png``: the curve, when matplotlib is installed (otherwise skipped with a note).
- ``result.json``: env id and kwargs, algorithm and versions, hyperparameters, seed, budget,
  the final evaluation's per-episode returns with their seeds, and the wall-clock time.

Every file is written to a temporary file and renamed into place, and ``result.json`` is
written last: a run killed at any point leaves no result, and a run whose result exists is
finished and is skipped on restart (``force=True`` trains it again).

Evaluation episodes are seeded ``EVAL_SEED, EVAL_SEED + 1, ...`` for every training seed, so
runs are compared on the same episodes, and the training envs (seeded ``seed, seed + 1, ...``
per sub-env) never replay them.
"""

from __future__ import annotations

import csv
import dataclasses
import functools
import hashlib
import inspect
import io
import json
import math
import os
import platform
import re
import secrets
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import gymnasium as gym
import numpy as np
import stable_baselines3
import torch
import yaml
from stable_baselines3.common.base_class import BaseAlgorithm
from stable_baselines3.common.callbacks import BaseCallback
from stable_baselines3.common.env_util import make_vec_env
from stable_baselines3.common.noise import (
    ActionNoise,
    NormalActionNoise,
    OrnsteinUhlenbeckActionNoise,
)
from stable_baselines3.common.vec_env import DummyVecEnv, SubprocVecEnv, VecEnv, VecMonitor

import rlbench_suite
from rlbench_suite.agents.sb3 import ACTIVATIONS, ALGORITHMS
from rlbench_suite.agents.sb3 import SB3Agent as SB3Agent  # re-exported: tests and callers use it
from rlbench_suite.agents.sb3 import agent_for as sb3_agent_for
from rlbench_suite.agents.sb3 import load_agent as load_sb3_agent
from rlbench_suite.files import write_atomically
from rlbench_suite.registry import env_card
from rlbench_suite.scoring.evaluate import EpisodeRecord, evaluate, mean_confidence_halfwidth
from rlbench_suite.wrappers.registry import wrap, wrapper_problems

CONFIG_DIR = Path(__file__).parent / "configs"
VEC_ENVS: dict[str, type[VecEnv]] = {"dummy": DummyVecEnv, "subproc": SubprocVecEnv}
# "native": the env's C kernel through rlbench_suite.vector.sb3.NativeSB3VecEnv (ids whose card
# has native_kernel); "auto": native when the env has a kernel and the config no wrappers, else
# dummy.
VEC_ENV_NAMES = (*VEC_ENVS, "native", "auto")
EVAL_SEED = 10_000  # first seed of the evaluation episodes, far from the training envs' seeds
PROGRESS_EVERY = 1_000  # timesteps between progress reports
RESULT_FORMAT = "rlbench-sb3-run/1"

# Keys a config section may hold besides the algorithm's own constructor arguments.
RUNNER_KEYS: dict[str, str] = {
    "n_timesteps": "training budget in env steps (--timesteps overrides it)",
    "policy": "SB3 policy name, e.g. MlpPolicy",
    "n_envs": "number of envs stepped in parallel",
    "vec_env": "dummy (one process), subproc (one process per env), native (the env's C "
    "kernel), or auto (native where the env has a kernel and no wrappers, else dummy)",
    "env_kwargs": "keyword arguments for gym.make",
    "env_wrapper": "wrappers applied to each env, innermost first",
    "eval_freq": "timesteps between evaluations of the learning curve",
    "eval_episodes": "episodes per learning-curve evaluation",
    "final_eval_episodes": "episodes of the final evaluation saved in result.json",
    "torch_threads": "threads torch may use for the network (0: torch's default)",
    "noise_type": "off-policy exploration noise: normal or ornstein-uhlenbeck (rl-zoo3's)",
    "noise_std": "standard deviation of that noise, in action units",
    "reward_weights": "multi-objective envs: the weight vectors to train on, one run each per "
    "seed (a list of lists, one weight per objective; or one list), each run learning the "
    "linearly scalarised reward w . r (rlbench train --weights overrides it)",
    "learners": "multi-agent ids: centralised (one policy observes and acts for every agent, "
    "on the team reward) or independent (every agent from its own observation and reward, one "
    "policy shared by all); see rlbench_suite.agents.sb3_multiagent",
    "weight_grid": "multi-objective envs: instead of reward_weights, every weight vector of the "
    "simplex in steps of 1 / weight_grid (e.g. 4: (0, 1), (0.25, 0.75), ..., (1, 0))",
}
#: Keys that choose which runs to make rather than how one trains: never in a run's settings.
GRID_KEYS = frozenset({"reward_weights", "weight_grid"})
# Constructor arguments the runner sets itself, so a config may not.
RUNNER_SET = frozenset({"self", "policy", "env", "seed", "device", "verbose", "_init_setup_model"})
NOISES: dict[str, type[ActionNoise]] = {
    "normal": NormalActionNoise,
    "ornstein-uhlenbeck": OrnsteinUhlenbeckActionNoise,
}


class ConfigError(ValueError):
    """A config file that cannot be used; the message names the file and the problem."""


# -- Config ----------------------------------------------------------------------------------


class _Yaml12Loader(yaml.SafeLoader):
    """SafeLoader that reads ``3e-4`` as a float, as YAML 1.2 does (YAML 1.1 wants ``3.0e-4``)."""


_Yaml12Loader.add_implicit_resolver(
    "tag:yaml.org,2002:float",
    re.compile(
        r"""^(?:[-+]?(?:[0-9][0-9_]*)\.[0-9_]*(?:[eE][-+]?[0-9]+)?
        |[-+]?(?:[0-9][0-9_]*)(?:[eE][-+]?[0-9]+)
        |\.[0-9_]+(?:[eE][-+]?[0-9]+)?
        |[-+]?\.(?:inf|Inf|INF)
        |\.(?:nan|NaN|NAN))$""",
        re.VERBOSE,
    ),
    list("-+0123456789."),
)


@dataclass(frozen=True)
class RunConfig:
    """One env's section of an algorithm's config file, checked.

    ``hyperparameters`` are the algorithm's constructor arguments exactly as the YAML gives them
    (plain JSON types, saved in result.json); :meth:`algorithm_kwargs` turns the names in them
    (activation functions, ``lin_<x>`` schedules) into objects.
    """

    algo: str
    env_id: str
    source: Path
    n_timesteps: int
    policy: str = "MlpPolicy"
    n_envs: int = 1
    vec_env: str = "dummy"
    env_kwargs: dict[str, Any] = field(default_factory=dict)
    env_wrapper: tuple[tuple[str, dict[str, Any]], ...] = ()
    eval_freq: int = 10_000
    eval_episodes: int = 5
    final_eval_episodes: int = 20
    torch_threads: int = 0
    noise_type: str | None = None
    noise_std: float = 0.1
    hyperparameters: dict[str, Any] = field(default_factory=dict)
    #: This run's objective weights (multi-objective envs): it learns ``w . r``.
    reward_weights: tuple[float, ...] | None = None
    #: The weight vectors the config asks for, one run each (see :meth:`weight_runs`).
    weight_settings: tuple[tuple[float, ...], ...] = ()
    #: Multi-agent ids: "centralised" or "independent" (parameter-sharing) learners.
    learners: str | None = None

    def weight_runs(self) -> list[RunConfig]:
        """One config per weight setting (each a point of the front); just this one if none."""
        if not self.weight_settings:
            return [self]
        return [
            dataclasses.replace(self, reward_weights=weights, weight_settings=())
            for weights in self.weight_settings
        ]

    def algorithm_kwargs(self, action_dim: int) -> dict[str, Any]:
        """Constructor arguments for the SB3 algorithm, with names resolved to objects.

        ``action_dim`` sizes the exploration noise of off-policy algorithms.
        """
        kwargs = dict(self.hyperparameters)
        if self.noise_type is not None:
            kwargs["action_noise"] = NOISES[self.noise_type](
                mean=np.zeros(action_dim), sigma=self.noise_std * np.ones(action_dim)
            )
        for name in ("learning_rate", "clip_range"):
            if isinstance(kwargs.get(name), str):
                kwargs[name] = linear_schedule(float(kwargs[name].removeprefix("lin_")))
        policy_kwargs = dict(kwargs.get("policy_kwargs") or {})
        if "activation_fn" in policy_kwargs:
            policy_kwargs["activation_fn"] = ACTIVATIONS[policy_kwargs["activation_fn"]]
        if policy_kwargs:
            kwargs["policy_kwargs"] = policy_kwargs
        return kwargs

    def to_json(self) -> dict[str, Any]:
        """The settings that define a run (everything but the file it came from)."""
        return {
            "policy": self.policy,
            "n_timesteps": self.n_timesteps,
            "n_envs": self.n_envs,
            "vec_env": self.vec_env,
            "env_kwargs": self.env_kwargs,
            "env_wrapper": [{name: kwargs} for name, kwargs in self.env_wrapper],
            "eval_freq": self.eval_freq,
            "eval_episodes": self.eval_episodes,
            "final_eval_episodes": self.final_eval_episodes,
            "torch_threads": self.torch_threads,
            "noise_type": self.noise_type,
            "noise_std": self.noise_std,
            "hyperparameters": self.hyperparameters,
            # Only where set, so a single-agent, single-objective run's settings are what they
            # always were.
            **({} if self.learners is None else {"learners": self.learners}),
            **(
                {} if self.reward_weights is None else {"reward_weights": list(self.reward_weights)}
            ),
        }


def linear_schedule(initial_value: float) -> Callable[[float], float]:
    """rl-zoo3's ``lin_<x>``: a value decaying linearly from ``x`` to 0 over training."""

    def schedule(progress_remaining: float) -> float:
        return progress_remaining * initial_value

    return schedule


def config_path(algo: str) -> Path:
    """The config file shipped for ``algo``: ``configs/<algo>.yaml``."""
    return CONFIG_DIR / f"{algo}.yaml"


def load_config(algo: str, env_id: str, path: Path | str | None = None) -> RunConfig:
    """Read and check the section for ``env_id`` of ``path`` (default: the shipped file).

    Raises :class:`ConfigError` (a ValueError) naming the file and the problem: an unknown
    algorithm, a missing file or section, malformed YAML, an unknown key, a value of the
    wrong type, or an argument the algorithm does not take.
    """
    if algo not in ALGORITHMS:
        raise ConfigError(f"unknown algo {algo!r}; choose from {', '.join(sorted(ALGORITHMS))}")
    env_id = env_card(env_id).id
    source = Path(path) if path is not None else config_path(algo)
    if not source.is_file():
        shipped = ", ".join(sorted(p.stem for p in CONFIG_DIR.glob("*.yaml")))
        raise ConfigError(f"{source}: no such config file (configs shipped for: {shipped})")
    try:
        with source.open() as stream:  # a stream, so that YAML's messages name the file
            document = yaml.load(stream, Loader=_Yaml12Loader)
    except yaml.YAMLError as error:
        raise ConfigError(f"{source}: malformed YAML: {error}") from None
    if not isinstance(document, dict):
        raise ConfigError(f"{source}: expected a mapping of env ids to settings at the top")
    if env_id not in document:
        sections = ", ".join(map(str, document)) or "none"
        raise ConfigError(f"{source}: no section for {env_id} (sections: {sections})")
    return _check_section(algo, env_id, source, document[env_id])


def _check_section(algo: str, env_id: str, source: Path, section: object) -> RunConfig:
    where = f"{source}, section {env_id}"
    if not isinstance(section, dict):
        raise ConfigError(f"{where}: expected a mapping of settings, got {section!r}")
    runner = {key: section[key] for key in RUNNER_KEYS if key in section}
    hyperparameters = {key: value for key, value in section.items() if key not in RUNNER_KEYS}
    weight_settings = check_weight_settings(
        where, env_id, runner.pop("reward_weights", None), runner.pop("weight_grid", None)
    )
    _check_learners(where, env_id, runner)
    if "n_timesteps" not in runner:
        raise ConfigError(f"{where}: n_timesteps is required")
    for key in ("n_timesteps", "n_envs", "eval_freq", "eval_episodes", "final_eval_episodes"):
        if key in runner and not (_is_int(runner[key]) and runner[key] >= 1):
            raise ConfigError(f"{where}: {key} must be a positive integer, got {runner[key]!r}")
    if "torch_threads" in runner and not (
        _is_int(runner["torch_threads"]) and runner["torch_threads"] >= 0
    ):
        raise ConfigError(f"{where}: torch_threads must be an integer >= 0")
    if runner.get("vec_env", "dummy") not in VEC_ENV_NAMES:
        raise ConfigError(f"{where}: vec_env must be one of {', '.join(VEC_ENV_NAMES)}")
    if runner.get("noise_type") is not None and runner["noise_type"] not in NOISES:
        raise ConfigError(f"{where}: noise_type must be one of {', '.join(NOISES)}")
    if "noise_std" in runner and not (
        isinstance(runner["noise_std"], int | float) and runner["noise_std"] >= 0
    ):
        raise ConfigError(f"{where}: noise_std must be a number >= 0")
    if not isinstance(runner.get("env_kwargs", {}), dict):
        raise ConfigError(f"{where}: env_kwargs must be a mapping")
    runner["env_wrapper"] = _check_wrappers(where, runner.get("env_wrapper", []))
    accepted = set(inspect.signature(ALGORITHMS[algo].__init__).parameters) - RUNNER_SET
    for key in hyperparameters:
        if key in RUNNER_SET:
            raise ConfigError(
                f"{where}: {key!r} is set by the runner (the seed by --seeds, device cpu, "
                "verbose 0), not by a config"
            )
        if key not in accepted:
            raise ConfigError(
                f"{where}: unknown key {key!r}; a section holds the runner's keys "
                f"({', '.join(RUNNER_KEYS)}) and {ALGORITHMS[algo].__name__}'s arguments "
                f"({', '.join(sorted(accepted))})"
            )
    _check_policy_kwargs(where, hyperparameters.get("policy_kwargs", {}))
    for name in ("learning_rate", "clip_range"):
        value = hyperparameters.get(name)
        if isinstance(value, str) and not re.fullmatch(r"lin_[0-9.eE+-]+", value):
            raise ConfigError(f"{where}: {name} must be a number or lin_<number>, got {value!r}")
    return RunConfig(
        algo=algo,
        env_id=env_id,
        source=source,
        hyperparameters=hyperparameters,
        weight_settings=weight_settings,
        **runner,
    )


def _check_learners(where: str, env_id: str, runner: Mapping[str, Any]) -> None:
    from rlbench_suite.agents.sb3_multiagent import LEARNERS

    card = env_card(env_id)
    learners = runner.get("learners")
    if not card.multi_agent:
        if learners is not None:
            raise ConfigError(f"{where}: learners is for multi-agent ids; {card.id} has one agent")
        return
    if learners not in LEARNERS:
        raise ConfigError(
            f"{where}: {card.id} is multi-agent: set learners to one of {list(LEARNERS)} "
            f"(got {learners!r})"
        )
    if runner.get("env_wrapper") or runner.get("vec_env", "dummy") != "dummy":
        raise ConfigError(
            f"{where}: on a multi-agent id the runner builds the env itself: no env_wrapper, "
            "vec_env dummy"
        )


def check_weights(where: str, env_id: str, weights: object) -> tuple[float, ...]:
    """One weight vector for ``env_id``'s objectives: finite, >= 0, not all 0."""
    card = env_card(env_id)
    if card.reward_dim < 2:
        raise ConfigError(
            f"{where}: reward weights are for multi-objective envs; {card.id} has one objective"
        )
    if (
        not isinstance(weights, list | tuple)
        or len(weights) != card.reward_dim
        or not all(
            isinstance(w, int | float) and not isinstance(w, bool) and math.isfinite(w) and w >= 0
            for w in weights
        )
        or not sum(weights) > 0
    ):
        raise ConfigError(
            f"{where}: expected {card.reward_dim} weights >= 0, not all 0, one per objective "
            f"({', '.join(card.objectives)}); got {weights!r}"
        )
    return tuple(float(w) for w in weights)


def check_weight_settings(
    where: str, env_id: str, reward_weights: object, weight_grid: object
) -> tuple[tuple[float, ...], ...]:
    """The weight vectors a config (or a sweep's grid entry) asks for; () for none.

    ``reward_weights`` is a list of weight vectors (or one vector); ``weight_grid`` a number
    of simplex divisions (:func:`rlbench_suite.leaderboard.fronts.equally_spaced_weights`).
    """
    if reward_weights is not None and weight_grid is not None:
        raise ConfigError(f"{where}: give reward_weights or weight_grid, not both")
    if weight_grid is not None:
        if not (_is_int(weight_grid) and 1 <= weight_grid <= 100):
            raise ConfigError(f"{where}: weight_grid must be an integer from 1 to 100")
        from rlbench_suite.leaderboard.fronts import equally_spaced_weights

        card = env_card(env_id)
        check_weights(where, env_id, [1.0] * card.reward_dim)  # an MO env at all
        grid = equally_spaced_weights(card.reward_dim, divisions=int(weight_grid))
        return tuple(tuple(float(w) for w in row) for row in grid)
    if reward_weights is None:
        return ()
    if (
        isinstance(reward_weights, list)
        and reward_weights
        and not isinstance(reward_weights[0], list)
    ):
        reward_weights = [reward_weights]
    if not isinstance(reward_weights, list) or not reward_weights:
        raise ConfigError(f"{where}: reward_weights must be a list of weight vectors")
    settings = tuple(check_weights(where, env_id, weights) for weights in reward_weights)
    if len(set(settings)) != len(settings):
        raise ConfigError(f"{where}: reward_weights lists a weight vector twice")
    return settings


def _check_wrappers(where: str, entries: object) -> tuple[tuple[str, dict[str, Any]], ...]:
    # rl-zoo3's format: a list of names, or of {name: {keyword: value}} mappings.
    if not isinstance(entries, list):
        raise ConfigError(f"{where}: env_wrapper must be a list of wrapper names or mappings")
    wrappers = []
    for entry in entries:
        if isinstance(entry, str):
            name, kwargs = entry, {}
        elif isinstance(entry, dict) and len(entry) == 1:
            name, kwargs = next(iter(entry.items()))
            kwargs = {} if kwargs is None else kwargs
        else:
            raise ConfigError(
                f"{where}: env_wrapper entry {entry!r} is not a name or {{name: {{}}}}"
            )
        if not isinstance(kwargs, dict):
            raise ConfigError(f"{where}: arguments of wrapper {name} must be a mapping")
        problems = wrapper_problems(name, kwargs)
        if problems:
            raise ConfigError(f"{where}: {'; '.join(problems)}")
        wrappers.append((name, kwargs))
    return tuple(wrappers)


def _check_policy_kwargs(where: str, policy_kwargs: object) -> None:
    if not isinstance(policy_kwargs, dict):
        raise ConfigError(f"{where}: policy_kwargs must be a mapping")
    activation = policy_kwargs.get("activation_fn")
    if activation is not None and activation not in ACTIVATIONS:
        raise ConfigError(
            f"{where}: activation_fn must be one of {', '.join(ACTIVATIONS)}, got {activation!r}"
        )


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


# -- Envs ------------------------------------------------------------------------------------


def apply_wrappers(env: gym.Env, env_wrapper: Sequence[tuple[str, dict[str, Any]]] = ()) -> gym.Env:
    """``env`` inside the config's suite wrappers, innermost first (picklable for SubprocVecEnv)."""
    return wrap(env, env_wrapper)


def make_training_env(config: RunConfig, seed: int) -> VecEnv:
    """``n_envs`` copies of the env, sub-env ``i`` seeded ``seed + i``, each in a Monitor.

    With ``vec_env: native`` (or ``auto`` on an id with a C kernel and no wrappers) the copies
    are the kernel's, stepped in one C call; SB3 sees the same VecEnv API either way.
    """
    if config.learners is not None:
        return _multiagent_training_env(config, seed)
    has_kernel = env_card(config.env_id).native_kernel
    use_native = config.vec_env == "native" or (
        config.vec_env == "auto" and has_kernel and not config.env_wrapper
    )
    if use_native:
        if not has_kernel or config.env_wrapper:
            raise ConfigError(
                f"{config.env_id}: vec_env native needs an env with a C kernel and no "
                f"env_wrapper (kernel: {has_kernel}, wrappers: {len(config.env_wrapper)})"
            )
        from rlbench_suite.vector.sb3 import NativeSB3VecEnv

        native = NativeSB3VecEnv(config.env_id, config.n_envs, **config.env_kwargs)
        native.seed(seed)
        return VecMonitor(native)
    env_maker: str | Callable[..., gym.Env] = config.env_id
    if config.reward_weights is not None:
        # Scalarised inside SB3's Monitor, so episode statistics are of the reward learnt.
        env_maker = functools.partial(scalarised_env, config.env_id, config.reward_weights)
    return make_vec_env(
        env_maker,
        n_envs=config.n_envs,
        seed=seed,
        # SB3 asks gym.make for rgb_array frames, which not every env draws (the trading envs
        # render text); training records no video, so no frames are asked for.
        env_kwargs={"render_mode": None, **config.env_kwargs},
        wrapper_class=functools.partial(apply_wrappers, env_wrapper=config.env_wrapper),
        vec_env_cls=VEC_ENVS.get(config.vec_env, DummyVecEnv),  # auto without a kernel: dummy
    )


def _multiagent_training_env(config: RunConfig, seed: int) -> VecEnv:
    """A multi-agent id for SB3: its centralised env, or each agent a sub-env (shared policy)."""
    from rlbench_suite.agents.sb3_multiagent import SharedPolicyVecEnv, centralised_env
    from rlbench_suite.registry import make_multiagent

    if config.learners == "centralised":
        return make_vec_env(
            functools.partial(centralised_env, config.env_id, config.reward_weights),
            n_envs=config.n_envs,
            seed=seed,
            env_kwargs=config.env_kwargs,
            vec_env_cls=DummyVecEnv,
        )
    shared = SharedPolicyVecEnv(
        [
            functools.partial(make_multiagent, config.env_id, **config.env_kwargs)
            for _ in range(config.n_envs)
        ],
        config.reward_weights,
    )
    shared.seed(seed)
    return VecMonitor(shared)


def scalarised_env(env_id: str, weights: Sequence[float], **env_kwargs: Any) -> gym.Env:
    """``gym.make(env_id)`` paying ``weights . r`` (LinearScalarisation; the vector in info)."""
    from rlbench_suite.wrappers.multi_objective import LinearScalarisation

    return LinearScalarisation(gym.make(env_id, **env_kwargs), weights)


def scalarised_return(episode_return: Any, weights: Sequence[float] | None) -> float:
    """A return as the run learnt it: ``weights . return`` for a vector, else itself."""
    if weights is None:
        return float(episode_return)
    return float(np.dot(weights, np.asarray(episode_return, dtype=float)))


# -- Agent -----------------------------------------------------------------------------------


def agent_for(model: BaseAlgorithm, config: RunConfig, deterministic: bool = True) -> Any:
    """An agent playing ``model`` on the bare env.

    An :class:`SB3Agent` replaying ``config``'s wrappers; on a multi-agent id, a centralised or
    a shared-policy agent (:mod:`rlbench_suite.agents.sb3_multiagent`).
    """
    if config.learners == "centralised":
        from rlbench_suite.agents.sb3_multiagent import CentralisedAgent

        return CentralisedAgent(model, config.env_id, deterministic)
    if config.learners == "independent":
        from rlbench_suite.agents.sb3_multiagent import SharedPolicyAgent

        return SharedPolicyAgent(model, deterministic)
    return sb3_agent_for(
        model, config.env_id, config.env_wrapper, config.env_kwargs, deterministic=deterministic
    )


# -- Learning curve --------------------------------------------------------------------------


@dataclass(frozen=True)
class CurvePoint:
    """One evaluation during training: the deterministic policy's returns after ``timesteps``."""

    timesteps: int
    wall_clock_seconds: float
    returns: tuple[float, ...]

    @property
    def mean_return(self) -> float:
        """Mean return over the evaluation episodes."""
        return float(np.mean(self.returns))


class LearningCurveCallback(BaseCallback):
    """Evaluates the policy every ``eval_freq`` timesteps (and before training) into a curve.

    Like SB3's EvalCallback, but each evaluation is the suite's :func:`evaluate` on seeded
    episodes, and the curve is handed to ``on_point`` as it grows (the runner saves it).
    """

    def __init__(
        self,
        evaluate_policy: Callable[[], tuple[EpisodeRecord, ...]],
        eval_freq: int,
        started: float,
        on_point: Callable[[CurvePoint], None],
        on_timesteps: Callable[[int], None] | None = None,
        scalar: Callable[[Any], float] = float,
    ) -> None:
        super().__init__()
        self.evaluate_policy = evaluate_policy
        self.scalar = scalar  # a vector return as the run learns it (w . r)
        self.eval_freq = eval_freq
        self.started = started
        self.on_point = on_point
        self.on_timesteps = on_timesteps
        self.next_evaluation = 0
        self.last_report = 0
        self.curve: list[CurvePoint] = []

    def _on_training_start(self) -> None:
        self.next_evaluation = self.num_timesteps
        self._evaluate_if_due()

    def _on_step(self) -> bool:
        self._evaluate_if_due()
        if (
            self.on_timesteps is not None
            and self.num_timesteps - self.last_report >= PROGRESS_EVERY
        ):
            self.last_report = self.num_timesteps
            self.on_timesteps(self.num_timesteps)
        return True

    def _evaluate_if_due(self) -> None:
        if self.num_timesteps < self.next_evaluation:
            return
        self.next_evaluation += self.eval_freq
        self.record([self.scalar(record.episode_return) for record in self.evaluate_policy()])

    def record(self, returns: Sequence[float]) -> None:
        """Add a point for the current timestep and hand it to ``on_point``."""
        point = CurvePoint(self.num_timesteps, time.perf_counter() - self.started, tuple(returns))
        self.curve.append(point)
        self.on_point(point)


# -- Files -----------------------------------------------------------------------------------


def curve_csv(curve: Sequence[CurvePoint]) -> bytes:
    """The learning curve as CSV, one row per evaluation."""
    text = io.StringIO()
    writer = csv.writer(text, lineterminator="\n")
    writer.writerow(["timesteps", "wall_clock_seconds", "mean_return", "min_return", "max_return"])
    for point in curve:
        writer.writerow(
            [
                point.timesteps,
                f"{point.wall_clock_seconds:.3f}",
                f"{point.mean_return:.6g}",
                f"{min(point.returns):.6g}",
                f"{max(point.returns):.6g}",
            ]
        )
    return text.getvalue().encode()


def save_curve_plot(curve: Sequence[CurvePoint], config: RunConfig, seed: int, path: Path) -> bool:
    """Draw the learning curve to ``path`` (PNG, atomically); False when matplotlib is missing.

    The drawing is the suite's :func:`~rlbench_suite.scoring.plots.plot_learning_curves`, with
    the EnvCard's expert return as the line to reach (measured on the env's default kwargs).
    """
    try:
        import matplotlib  # noqa: F401  (only to know whether a plot can be drawn)

        from rlbench_suite.scoring.plots import plot_learning_curves
    except ImportError:
        return False
    references = env_card(config.env_id).references
    lines = (
        {} if references is None else {f"{references.expert_agent} (EnvCard)": references.expert}
    )
    label = config.algo.upper()
    timesteps = [point.timesteps for point in curve]
    means = np.array([point.mean_return for point in curve])  # (num_points,)
    title = f"{label} on {config.env_id}, seed {seed}; {config.eval_episodes} episodes a point"
    # savefig picks the format from the suffix, so the temporary name ends in .png.
    temporary = path.with_name(f".{path.stem}.{os.getpid()}.{secrets.token_hex(4)}.tmp.png")
    try:
        plot_learning_curves({label: (timesteps, means)}, temporary, title, lines)
        os.replace(temporary, path)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise
    return True


def run_directory(out_dir: Path, config: RunConfig, seed: int) -> Path:
    """Where a seed's files go: ``OUT/<algo>/<env id with '/' as '_'>/seed_<seed>``.

    A run on reward weights goes one level deeper, under its :func:`weights_folder`.
    """
    folder = Path(out_dir) / config.algo / config.env_id.replace("/", "_")
    if config.reward_weights is not None:
        folder = folder / weights_folder(config.reward_weights)
    return folder / f"seed_{seed}"


def weights_folder(weights: Sequence[float]) -> str:
    """The folder of one weight setting's runs: ``w0.25_0.75``."""
    return "w" + "_".join(f"{weight:g}" for weight in weights)


# -- The run ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class RunOutcome:
    """What :func:`train` did for one seed: the result (as saved) and whether it was skipped."""

    run_dir: Path
    result: dict[str, Any]
    skipped: bool
    notes: tuple[str, ...] = ()

    @property
    def mean_return(self) -> float:
        """Mean return of the final evaluation (scalarised, ``w . r``, on reward weights)."""
        evaluation = self.result["evaluation"]
        return float(evaluation.get("scalarised_mean_return", evaluation["mean_return"]))


def train(
    config: RunConfig,
    seed: int,
    out_dir: Path | str,
    timesteps: int | None = None,
    force: bool = False,
    on_timesteps: Callable[[int], None] | None = None,
    on_evaluation: Callable[[CurvePoint], None] | None = None,
) -> RunOutcome:
    """Train ``config.algo`` on ``config.env_id`` with ``seed`` and save the run's files.

    ``timesteps`` overrides the config's budget. A seed whose ``result.json`` exists is
    skipped (and checked to match these settings) unless ``force``. ``on_timesteps`` and
    ``on_evaluation`` report progress.
    """
    # ---- 1. Where the run lives; a finished one is skipped --------------------------------
    card = env_card(config.env_id)
    if card.reward_dim > 1 and config.reward_weights is None:
        raise ConfigError(
            f"{config.env_id} has {card.reward_dim} objectives ({', '.join(card.objectives)}): "
            "a run learns one scalarised reward, so give it reward_weights (or weight_grid) in "
            "the config, or --weights"
        )
    if card.reward_dim == 1 and config.reward_weights is not None:
        check_weights(config.env_id, config.env_id, config.reward_weights)
    weights = config.reward_weights
    budget = int(timesteps if timesteps is not None else config.n_timesteps)
    run_dir = run_directory(Path(out_dir), config, seed)
    result_path = run_dir / "result.json"
    settings = {**config.to_json(), "n_timesteps": budget}
    if result_path.exists() and not force:
        return RunOutcome(run_dir, _finished_result(result_path, config, seed, settings), True)
    # A forced rerun first retires the old result, so a rerun killed half-way cannot leave
    # an old result.json beside the new run's partial model and curve.
    result_path.unlink(missing_ok=True)
    run_dir.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()

    # ---- 2. Seeded envs and the model ------------------------------------------------------
    threads_before = torch.get_num_threads()
    if config.torch_threads:
        torch.set_num_threads(config.torch_threads)
    env = make_training_env(config, seed)
    try:
        model = ALGORITHMS[config.algo](
            config.policy,
            env,
            seed=seed,
            device="cpu",
            verbose=0,
            **config.algorithm_kwargs(int(np.prod(env.action_space.shape or (1,)))),
        )
        agent = agent_for(model, config)

        def evaluate_policy(episodes: int = config.eval_episodes) -> tuple[EpisodeRecord, ...]:
            seeds = range(EVAL_SEED, EVAL_SEED + episodes)
            return evaluate(agent, config.env_id, env_kwargs=config.env_kwargs, seeds=seeds).records

        # ---- 3. Train, evaluating every eval_freq timesteps into the learning curve -------
        def save_point(point: CurvePoint) -> None:
            write_atomically(run_dir / "curve.csv", curve_csv(callback.curve))
            if on_evaluation is not None:
                on_evaluation(point)

        def scalar(episode_return: Any) -> float:
            return scalarised_return(episode_return, weights)

        callback = LearningCurveCallback(
            evaluate_policy, config.eval_freq, started, save_point, on_timesteps, scalar
        )
        model.learn(total_timesteps=budget, callback=callback)
        if on_timesteps is not None:
            on_timesteps(model.num_timesteps)

        # ---- 4. Final evaluation -------------------------------------------------------------
        # Its first eval_episodes episodes are the curve's episodes, so they close the curve.
        final = evaluate_policy(max(config.final_eval_episodes, config.eval_episodes))
        if callback.curve[-1].timesteps != model.num_timesteps:
            callback.record([scalar(r.episode_return) for r in final[: config.eval_episodes]])
        final = final[: config.final_eval_episodes]
    finally:
        env.close()
        torch.set_num_threads(threads_before)

    # ---- 5. Save: model, curve, plot, and last the result that marks the run finished ------
    model_bytes = io.BytesIO()
    model.save(model_bytes)
    write_atomically(run_dir / "model.zip", model_bytes.getvalue())
    model_sha256 = hashlib.sha256(model_bytes.getvalue()).hexdigest()
    notes = []
    plotted = save_curve_plot(callback.curve, config, seed, run_dir / "curve.png")
    if not plotted:
        notes.append("matplotlib is not installed: curve.png not written (pip install matplotlib)")
        (run_dir / "curve.png").unlink(missing_ok=True)
    returns = np.array([record.episode_return for record in final])  # (episodes[, objectives])
    ci95 = np.atleast_1d(mean_confidence_halfwidth(returns))
    mean = returns.mean(axis=0)
    result = {
        "format": RESULT_FORMAT,
        "env_id": config.env_id,
        "algo": config.algo,
        "seed": seed,
        "timesteps": budget,
        "timesteps_trained": int(model.num_timesteps),
        "settings": settings,
        "hyperparameters": config.hyperparameters,
        "evaluation": {
            "deterministic": True,
            "episodes": [record.to_json() for record in final],
            # A list per objective on multi-objective envs, with the scalarised mean beside.
            "mean_return": float(mean) if mean.ndim == 0 else mean.tolist(),
            "ci95": _interval_json(ci95, mean.ndim),
            **(
                {}
                if weights is None
                else {
                    "reward_weights": list(weights),
                    "scalarised_mean_return": scalarised_return(mean, weights),
                }
            ),
        },
        "curve": [
            {"timesteps": point.timesteps, "mean_return": point.mean_return}
            for point in callback.curve
        ],
        "wall_clock_seconds": time.perf_counter() - started,
        "model_sha256": model_sha256,
        "files": {
            "model": "model.zip",
            "curve_csv": "curve.csv",
            "curve_png": "curve.png" if plotted else None,
        },
        "notes": notes,
        "versions": {
            "rlbench_suite": rlbench_suite.__version__,
            "stable_baselines3": stable_baselines3.__version__,
            "torch": torch.__version__,
            "gymnasium": gym.__version__,
            "numpy": np.__version__,
            "python": platform.python_version(),
        },
        "machine": {
            "platform": platform.platform(),
            "cpu_count": os.cpu_count(),
            "torch_threads": config.torch_threads or threads_before,
        },
        "config_file": str(config.source),
    }
    write_atomically(result_path, (json.dumps(result, indent=2) + "\n").encode())
    return RunOutcome(run_dir, result, False, tuple(notes))


def _interval_json(ci95: np.ndarray, ndim: int) -> Any:
    values = [None if math.isnan(value) else float(value) for value in ci95]
    return values[0] if ndim == 0 else values


def _finished_result(
    result_path: Path, config: RunConfig, seed: int, settings: Mapping[str, Any]
) -> dict[str, Any]:
    try:
        result = json.loads(result_path.read_text())
    except (OSError, ValueError) as error:  # ValueError: malformed JSON or bytes not UTF-8
        raise ValueError(
            f"{result_path}: not a readable result ({error}); rerun with --force"
        ) from None
    if not isinstance(result, dict):
        raise ValueError(
            f"{result_path}: not a readable result (expected a JSON object, got "
            f"{type(result).__name__}); rerun with --force"
        )
    expected = {"env_id": config.env_id, "algo": config.algo, "seed": seed, "settings": settings}
    differing = [key for key, value in expected.items() if result.get(key) != value]
    if differing:
        raise ValueError(
            f"{result_path} holds a finished run with other {', '.join(differing)}; "
            "pass --force to train it again or choose another --out"
        )
    return result


# -- Leaderboard submissions --------------------------------------------------------------------


def config_from_settings(algo: str, env_id: str, settings: Mapping[str, Any]) -> RunConfig:
    """The :class:`RunConfig` a run's saved ``settings`` describe (as in a submission)."""
    fields = dict(settings)
    wrappers = tuple(
        (name, dict(kwargs))
        for item in fields.pop("env_wrapper", [])
        for name, kwargs in item.items()
    )
    try:
        return RunConfig(
            algo=algo, env_id=env_id, source=Path("<settings>"), env_wrapper=wrappers, **fields
        )
    except TypeError as error:
        raise ConfigError(
            f"settings for {algo} on {env_id} do not describe a run: {error}"
        ) from None


def load_agent(
    model_path: Path | str,
    algo: str,
    env_id: str,
    settings: Mapping[str, Any],
    deterministic: bool = True,
) -> Any:
    """An agent that replays a saved model with the wrappers its run trained under.

    The model is read as weights only (:func:`rlbench_suite.agents.sb3.load_policy`), never
    unpickled, so a model zip from anywhere is safe to load.
    """
    if algo not in ALGORITHMS:
        raise ConfigError(f"unknown algo {algo!r}; choose from {', '.join(sorted(ALGORITHMS))}")
    config = config_from_settings(algo, env_id, settings)
    if config.env_kwargs:
        raise ConfigError(f"a saved model is replayed on the default {env_id} only")
    if config.learners is not None:
        from rlbench_suite.agents.sb3_multiagent import load_multiagent_agent

        return load_multiagent_agent(
            model_path,
            algo,
            env_id,
            config.learners,
            config.hyperparameters.get("policy_kwargs"),
            use_sde=bool(config.hyperparameters.get("use_sde", False)),
            deterministic=deterministic,
            policy=config.policy,
        )
    return load_sb3_agent(
        model_path,
        algo,
        env_id,
        config.env_wrapper,
        config.hyperparameters.get("policy_kwargs"),
        use_sde=bool(config.hyperparameters.get("use_sde", False)),
        deterministic=deterministic,
        policy=config.policy,
    )


def training_submission(results: Sequence[Mapping[str, Any]], name: str | None = None) -> dict:
    """A leaderboard submission from the ``result.json`` of each seed of one algo on one env.

    Model paths are relative to ``OUT/<algo>/<env>/``, where :func:`write_training_submission`
    puts the file, beside the ``seed_<n>/`` folders.
    """
    from rlbench_suite.leaderboard.submission import Run, build_submission, submission_name

    first = results[0]
    mixed = {
        (result["env_id"], result["algo"], json.dumps(_shared_settings(result["settings"])))
        for result in results
    }
    if len(mixed) != 1:
        raise ValueError("one submission covers one algo on one env with one set of settings")
    runs = []
    for result in sorted(results, key=_run_order):
        episodes = result["evaluation"]["episodes"]
        weights = result["settings"].get("reward_weights")
        folder = Path(f"seed_{result['seed']}")
        if weights is not None:
            folder = weights_folder(weights) / folder
        runs.append(
            Run(
                seed=result["seed"],
                episode_seeds=[episode["seed"] for episode in episodes],
                returns=[episode["return"] for episode in episodes],
                model={
                    "path": (folder / result["files"]["model"]).as_posix(),
                    "sha256": result["model_sha256"],
                },
                reward_weights=weights,
                agent_returns=(
                    [episode["agent_returns"] for episode in episodes]
                    if episodes and "agent_returns" in episodes[0]
                    else None
                ),
            )
        )
    return build_submission(
        name=name or submission_name(first["algo"], first["env_id"]),
        env_id=first["env_id"],
        algorithm={
            "name": first["algo"],
            "kind": "sb3",
            "library": "stable-baselines3",
            "version": first["versions"]["stable_baselines3"],
            "hyperparameters": _shared_settings(first["settings"]),
        },
        runs=runs,
        training_timesteps=first["timesteps"],
        deterministic=first["evaluation"]["deterministic"],
        versions={
            "stable_baselines3": first["versions"]["stable_baselines3"],
            "torch": first["versions"]["torch"],
        },
        wall_clock_seconds=float(np.mean([result["wall_clock_seconds"] for result in results])),
        env_kwargs=first["settings"].get("env_kwargs", {}),
    )


def _shared_settings(settings: Mapping[str, Any]) -> dict[str, Any]:
    # A run's weights pick its point of the front; everything else is shared by the submission.
    return {key: value for key, value in settings.items() if key != "reward_weights"}


def _run_order(result: Mapping[str, Any]) -> tuple[list[float], int]:
    return list(result["settings"].get("reward_weights") or []), result["seed"]


def write_training_submission(
    out_dir: Path | str,
    algo: str,
    env_id: str,
    seeds: Sequence[int],
    name: str | None = None,
    weight_settings: Sequence[Sequence[float]] = (),
) -> Path:
    """Write ``OUT/<algo>/<env>/submission.json`` from the finished seeds' results.

    ``name`` is the submission's board name (default ``<algo>.<env>``); its digest covers it.
    With ``weight_settings`` (multi-objective envs) the submission holds a run per weight
    vector and seed: its front is their mean return vectors.
    """
    from rlbench_suite.leaderboard.submission import write_submission

    folder = Path(out_dir) / algo / env_id.replace("/", "_")
    run_folders = (
        [folder / weights_folder(weights) for weights in weight_settings]
        if weight_settings
        else [folder]
    )
    results = [
        json.loads((run_folder / f"seed_{seed}" / "result.json").read_text())
        for run_folder in run_folders
        for seed in seeds
    ]
    return write_submission(training_submission(results, name=name), folder / "submission.json")
