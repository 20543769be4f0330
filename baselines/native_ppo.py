"""A compact PPO of our own, stepping the native vector env's buffers directly.

    rlbench train --runner native --algo ppo --env rlbench/CartPole-v1 --seeds 0 1 2

One file, one linear story (CleanRL's ``ppo.py`` is the model): build ``n_envs`` copies of the
env as one :class:`~rlbench_suite.vector.NativeVectorEnv` (``copy=False``: its observation
buffer is read through a ``torch.from_numpy`` view that the kernel rewrites in place), collect
``n_steps`` steps per env, compute GAE advantages, and run ``n_epochs`` passes of clipped-PPO
minibatch updates. Torch on the CPU, no Stable-Baselines3 inside the loop. Ids without a kernel
(or ``vectorization: sync``) run the same loop on Gymnasium's ``SyncVectorEnv``.

Episode boundaries (Gymnasium's next-step autoreset, the mode both vector envs run in):

- The step that ends an episode returns the episode's *last* observation with its flags; the
  env's next step ignores the action, returns the reset observation, reward 0 and no flags.
  That next step is not a transition of any episode: its row is kept in the rollout (so rows
  stay aligned in time) but masked out of the loss.
- A termination never bootstraps: ``delta = r - V(s)``.
- A truncation bootstraps from the final observation: it is the observation the ending step
  returned, so its value is the value the loop computes at the next row anyway (the masked
  row's ``V``), and ``delta = r + gamma V(s_final) - V(s)``. No ``final_obs`` info is needed.
  Envs that end *failures* by truncation (QuadHover truncates a crash, as HoverAviary does)
  set ``bootstrap_truncation: false``: a crash's final state is never a state the critic
  learns, and bootstrapping from it makes crashing free.
- GAE never runs across a boundary (terminated or truncated).

Observation normalisation (``normalize_observations``) keeps running means and variances of
the raw observations, frozen during a rollout and its update, refreshed after. Reward scaling
(``normalize_rewards``) divides rewards by the running standard deviation of the discounted
return, as Gymnasium's ``NormalizeReward``; it changes what the critic fits, never the policy's
evaluation.

Saved policies are Stable-Baselines3 ``MlpPolicy`` weights: the actor-critic here has SB3's
layer names, and :meth:`NativePPO.save` folds the observation normalisation into the first layers
(``W (x - mu) / sigma + b = (W / sigma) x + (b - W mu / sigma)``), so ``model.zip`` holds a plain
policy that :func:`rlbench_suite.agents.sb3.load_policy` rebuilds from weights only, exactly as
the leaderboard re-runs SB3 submissions (``torch.load(weights_only=True)``, nothing unpickled).
Box actions are a Gaussian with a state-independent log standard deviation, clipped to the
bounds when sent to the env (SB3's convention, so the deterministic replay is the same policy);
Discrete actions are a categorical over logits.

:func:`train` writes a seed's files as the SB3 runner does (``OUT/native_ppo/<env>/seed_<n>/``:
``model.zip``, ``curve.csv``, ``curve.png``, ``result.json`` last; every file written atomically,
a finished seed skipped on restart) and :func:`write_native_submission` the leaderboard
submission beside them.
"""

from __future__ import annotations

import difflib
import hashlib
import io
import json
import math
import os
import platform
import time
import zipfile
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import gymnasium as gym
import numpy as np
import torch
import yaml
from gymnasium import spaces
from gymnasium.vector import AutoresetMode
from torch import nn

import rlbench_suite
from rlbench_suite.baselines import sb3 as sb3_runner
from rlbench_suite.baselines.sb3 import (
    EVAL_SEED,
    PROGRESS_EVERY,
    ConfigError,
    CurvePoint,
    RunOutcome,
    curve_csv,
    save_curve_plot,
)
from rlbench_suite.files import write_atomically
from rlbench_suite.registry import env_card
from rlbench_suite.scoring.evaluate import EpisodeRecord, evaluate, mean_confidence_halfwidth

CONFIG_FILE = Path(__file__).parent / "configs" / "native_ppo.yaml"
#: The folder under ``OUT`` (beside SB3's ``ppo/``) and the algorithm label in sweeps.
RUNNER_FOLDER = "native_ppo"
RESULT_FORMAT = "rlbench-native-ppo-run/1"
VECTORIZATIONS = ("auto", "native", "sync")

# Keys of a config section that shape the run, with what they mean.
RUN_KEYS: dict[str, str] = {
    "n_timesteps": "training budget in env steps (--timesteps overrides it)",
    "n_envs": "envs stepped together (one C call per step on the native path)",
    "vectorization": "native (the C kernel), sync (Gymnasium's SyncVectorEnv of gym.make "
    "copies) or auto (native where the id has a kernel)",
    "env_kwargs": "keyword arguments for the env",
    "env_wrapper": "suite observation and action wrappers, innermost first, replayed row by row "
    "around the vector env (the submission lists them; the board replays them the same way)",
    "eval_freq": "timesteps between evaluations of the learning curve",
    "eval_episodes": "episodes per learning-curve evaluation",
    "final_eval_episodes": "episodes of the final evaluation saved in result.json",
    "torch_threads": "threads torch may use (0: torch's default)",
    "normalize_observations": "scale observations by running mean and std (folded into the "
    "saved weights)",
    "normalize_rewards": "divide rewards by the running std of the discounted return",
    "bootstrap_truncation": "bootstrap a truncated episode from its final observation (true) "
    "or treat every truncation as a termination (false: for envs that end failures by "
    "truncation, as QuadHover ends a crash)",
}
# PPO's own settings, named as Stable-Baselines3's PPO names them (a submission lists them as
# PPO arguments), with their defaults.
PPO_DEFAULTS: dict[str, Any] = {
    "n_steps": 128,  # steps per env per rollout
    "batch_size": 256,  # samples per minibatch
    "n_epochs": 4,  # passes over each rollout
    "learning_rate": 3e-4,  # Adam step size; "lin_<x>" decays linearly from x to 0
    "gamma": 0.99,  # discount
    "gae_lambda": 0.95,  # GAE bias-variance trade-off
    "clip_range": 0.2,  # ratio clip; "lin_<x>" decays linearly
    "ent_coef": 0.0,  # entropy bonus weight
    "vf_coef": 0.5,  # value-loss weight
    "max_grad_norm": 0.5,  # global gradient-norm clip
    "normalize_advantage": True,  # per-minibatch advantage standardisation
    "target_kl": None,  # stop an update's epochs early past this approximate KL
    "policy_kwargs": {},
}
POLICY_KWARGS_DEFAULTS: dict[str, Any] = {
    "net_arch": [64, 64],  # hidden layers, the same for actor and critic (or {pi: [], vf: []})
    "activation_fn": "tanh",
    "log_std_init": 0.0,  # Box actions: initial log standard deviation
    "ortho_init": True,  # orthogonal init, gains sqrt(2) / 0.01 (actor) / 1 (critic)
}
ACTIVATIONS: dict[str, type[nn.Module]] = {
    "tanh": nn.Tanh,
    "relu": nn.ReLU,
    "elu": nn.ELU,
    "leaky_relu": nn.LeakyReLU,
}
OBSERVATION_EPSILON = 1e-8  # added to variances before the square root, as VecNormalize


# -- Config ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class NativePPOConfig:
    """One env's section of ``configs/native_ppo.yaml``, checked."""

    env_id: str
    source: Path
    n_timesteps: int
    n_envs: int = 16
    vectorization: str = "auto"
    env_kwargs: dict[str, Any] = field(default_factory=dict)
    env_wrapper: tuple[tuple[str, dict[str, Any]], ...] = ()
    eval_freq: int = 10_000
    eval_episodes: int = 5
    final_eval_episodes: int = 20
    torch_threads: int = 1
    normalize_observations: bool = True
    normalize_rewards: bool = True
    bootstrap_truncation: bool = True
    #: PPO's settings under SB3's names (every key of :data:`PPO_DEFAULTS`).
    hyperparameters: dict[str, Any] = field(default_factory=lambda: dict(PPO_DEFAULTS))

    # What save_curve_plot and the submission read from a config: the algorithm trained.
    algo = "ppo"

    @property
    def policy_kwargs(self) -> dict[str, Any]:
        """The network's settings, defaults filled in."""
        return {**POLICY_KWARGS_DEFAULTS, **self.hyperparameters.get("policy_kwargs", {})}

    def uses_kernel(self) -> bool:
        """Whether the run steps the env's C kernel (else Gymnasium's SyncVectorEnv)."""
        if self.vectorization == "sync":
            return False
        from rlbench_suite.vector import native_available

        has_kernel = env_card(self.env_id).native_kernel and native_available()
        if self.vectorization == "native" and not has_kernel:
            raise ConfigError(
                f"{self.env_id}: vectorization native needs an id with a C kernel and the "
                "built extension; use vectorization: sync (or auto)"
            )
        return bool(has_kernel)

    def settings(self, budget: int) -> dict[str, Any]:
        """The run's settings as a submission lists them (SB3's keys; the board checks them)."""
        return {
            "policy": "MlpPolicy",
            "n_timesteps": budget,
            "n_envs": self.n_envs,
            "vec_env": "native" if self.uses_kernel() else "sync",
            "env_kwargs": self.env_kwargs,
            "env_wrapper": [{name: kwargs} for name, kwargs in self.env_wrapper],
            "eval_freq": self.eval_freq,
            "eval_episodes": self.eval_episodes,
            "final_eval_episodes": self.final_eval_episodes,
            "torch_threads": self.torch_threads,
            "hyperparameters": {**self.hyperparameters, "policy_kwargs": self.policy_kwargs},
        }

    def runner_settings(self) -> dict[str, Any]:
        """What this runner adds to PPO's settings (saved in result.json, not the submission)."""
        return {
            "runner": "native",
            "vectorization": self.vectorization,
            "normalize_observations": self.normalize_observations,
            "normalize_rewards": self.normalize_rewards,
            "bootstrap_truncation": self.bootstrap_truncation,
        }


def load_native_config(env_id: str, path: Path | str | None = None) -> NativePPOConfig:
    """Read and check ``env_id``'s section of ``path`` (default: the shipped native_ppo.yaml).

    Raises :class:`ConfigError` naming the file and the problem: a missing file or section,
    malformed YAML, an unknown key (with the closest known one), or a value of the wrong type.
    """
    env_id = env_card(env_id).id
    source = Path(path) if path is not None else CONFIG_FILE
    if not source.is_file():
        raise ConfigError(f"{source}: no such config file")
    try:
        with source.open() as stream:
            # The SB3 runner's loader: YAML 1.2 floats (3e-4 reads as a number).
            document = yaml.load(stream, Loader=sb3_runner._Yaml12Loader)
    except yaml.YAMLError as error:
        raise ConfigError(f"{source}: malformed YAML: {error}") from None
    if not isinstance(document, dict):
        raise ConfigError(f"{source}: expected a mapping of env ids to settings at the top")
    if env_id not in document:
        sections = ", ".join(map(str, document)) or "none"
        raise ConfigError(f"{source}: no section for {env_id} (sections: {sections})")
    return check_section(env_id, source, document[env_id])


def _unknown(where: str, keys: Sequence[str], known: Sequence[str]) -> None:
    for key in keys:
        if key not in known:
            close = difflib.get_close_matches(str(key), known, n=1)
            hint = f"did you mean {close[0]!r}? " if close else ""
            raise ConfigError(f"{where}: unknown key {key!r}; {hint}(keys: {', '.join(known)})")


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _is_number(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


def check_section(env_id: str, source: Path, section: object) -> NativePPOConfig:
    """A :class:`NativePPOConfig` from one YAML section, every key and value checked."""
    where = f"{source}, section {env_id}"
    if not isinstance(section, dict):
        raise ConfigError(f"{where}: expected a mapping of settings, got {section!r}")
    _unknown(where, list(section), [*RUN_KEYS, *PPO_DEFAULTS])
    run = {key: section[key] for key in RUN_KEYS if key in section}
    ppo = {**PPO_DEFAULTS, **{key: section[key] for key in PPO_DEFAULTS if key in section}}
    if "n_timesteps" not in run:
        raise ConfigError(f"{where}: n_timesteps is required")
    counts = ("n_timesteps", "n_envs", "eval_freq", "eval_episodes", "final_eval_episodes")
    for key in counts:
        if key in run and not (_is_int(run[key]) and run[key] >= 1):
            raise ConfigError(f"{where}: {key} must be a positive integer, got {run[key]!r}")
    for key in ("n_steps", "batch_size", "n_epochs"):
        if not (_is_int(ppo[key]) and ppo[key] >= 1):
            raise ConfigError(f"{where}: {key} must be a positive integer, got {ppo[key]!r}")
    if "torch_threads" in run and not (_is_int(run["torch_threads"]) and run["torch_threads"] >= 0):
        raise ConfigError(f"{where}: torch_threads must be an integer >= 0")
    if run.get("vectorization", "auto") not in VECTORIZATIONS:
        raise ConfigError(
            f"{where}: vectorization must be one of {', '.join(VECTORIZATIONS)}, "
            f"got {run['vectorization']!r}"
        )
    if not isinstance(run.get("env_kwargs", {}), dict):
        raise ConfigError(f"{where}: env_kwargs must be a mapping")
    for key in ("normalize_observations", "normalize_rewards", "bootstrap_truncation"):
        if key in run and not isinstance(run[key], bool):
            raise ConfigError(f"{where}: {key} must be true or false, got {run[key]!r}")
    if not isinstance(ppo["normalize_advantage"], bool):
        raise ConfigError(f"{where}: normalize_advantage must be true or false")
    for key in ("learning_rate", "clip_range"):
        _schedule(where, key, ppo[key])
    for key in ("gamma", "gae_lambda"):
        if not (_is_number(ppo[key]) and 0 <= ppo[key] <= 1):
            raise ConfigError(f"{where}: {key} must be a number in [0, 1], got {ppo[key]!r}")
    for key in ("ent_coef", "vf_coef", "max_grad_norm"):
        if not (_is_number(ppo[key]) and ppo[key] >= 0):
            raise ConfigError(f"{where}: {key} must be a number >= 0, got {ppo[key]!r}")
    if ppo["target_kl"] is not None and not (_is_number(ppo["target_kl"]) and ppo["target_kl"] > 0):
        raise ConfigError(f"{where}: target_kl must be a number > 0 or null")
    ppo["policy_kwargs"] = _check_policy_kwargs(where, ppo["policy_kwargs"])
    run["env_wrapper"] = sb3_runner._check_wrappers(where, run.get("env_wrapper", []))
    return NativePPOConfig(env_id=env_id, source=source, hyperparameters=ppo, **run)


def _schedule(where: str, key: str, value: object) -> Callable[[float], float]:
    """A constant or ``lin_<x>`` setting as a function of the progress remaining (1 -> 0)."""
    if _is_number(value) and value > 0:
        return lambda _remaining: float(value)
    if isinstance(value, str) and value.startswith("lin_"):
        try:
            initial = float(value.removeprefix("lin_"))
        except ValueError:
            initial = math.nan
        if math.isfinite(initial) and initial > 0:
            return lambda remaining: remaining * initial
    raise ConfigError(f"{where}: {key} must be a number > 0 or 'lin_<x>', got {value!r}")


def _check_policy_kwargs(where: str, given: object) -> dict[str, Any]:
    if not isinstance(given, dict):
        raise ConfigError(f"{where}: policy_kwargs must be a mapping, got {given!r}")
    _unknown(f"{where}, policy_kwargs", list(given), list(POLICY_KWARGS_DEFAULTS))
    kwargs = {**POLICY_KWARGS_DEFAULTS, **given}
    arch = kwargs["net_arch"]
    layers = list(arch.values()) if isinstance(arch, dict) else [arch]
    if (isinstance(arch, dict) and set(arch) != {"pi", "vf"}) or not all(
        isinstance(sizes, list) and all(_is_int(size) and size >= 1 for size in sizes)
        for sizes in layers
    ):
        raise ConfigError(
            f"{where}: policy_kwargs.net_arch must be a list of layer sizes or "
            f"{{pi: [...], vf: [...]}}, got {arch!r}"
        )
    if kwargs["activation_fn"] not in ACTIVATIONS:
        raise ConfigError(
            f"{where}: policy_kwargs.activation_fn must be one of {', '.join(ACTIVATIONS)}"
        )
    if not _is_number(kwargs["log_std_init"]):
        raise ConfigError(f"{where}: policy_kwargs.log_std_init must be a number")
    if not isinstance(kwargs["ortho_init"], bool):
        raise ConfigError(f"{where}: policy_kwargs.ortho_init must be true or false")
    return dict(given)


# -- The actor-critic (SB3's MlpPolicy layout) -------------------------------------------------


def check_spaces(env_id: str, observation_space: gym.Space, action_space: gym.Space) -> None:
    """Refuse, naming the env, a space this runner cannot learn on."""
    if not isinstance(observation_space, spaces.Box):
        raise ValueError(
            f"{env_id}: the native PPO runner needs a Box observation space, got "
            f"{observation_space}"
        )
    if not isinstance(action_space, spaces.Discrete | spaces.Box):
        raise ValueError(
            f"{env_id}: the native PPO runner needs a Discrete or Box action space, got "
            f"{action_space}"
        )
    if isinstance(action_space, spaces.Box) and not (
        np.all(np.isfinite(action_space.low)) and np.all(np.isfinite(action_space.high))
    ):
        raise ValueError(f"{env_id}: the native PPO runner needs bounded Box actions")


def _mlp(inputs: int, sizes: Sequence[int], activation: type[nn.Module]) -> nn.Sequential:
    layers: list[nn.Module] = []
    for size in sizes:
        layers += [nn.Linear(inputs, size), activation()]
        inputs = size
    return nn.Sequential(*layers)


class ActorCritic(nn.Module):
    """Separate actor and critic MLPs with SB3's ``ActorCriticPolicy`` parameter names.

    ``forward`` takes normalised observations, shape ``(batch, obs_dim)``, and returns the action
    logits (Discrete) or means (Box), ``(batch, n or action_dim)``, and values ``(batch,)``.
    """

    def __init__(
        self, observation_dim: int, action_space: gym.Space, policy_kwargs: Mapping[str, Any]
    ) -> None:
        super().__init__()
        arch = policy_kwargs["net_arch"]
        actor_sizes = arch["pi"] if isinstance(arch, dict) else arch
        critic_sizes = arch["vf"] if isinstance(arch, dict) else arch
        activation = ACTIVATIONS[policy_kwargs["activation_fn"]]
        self.discrete = isinstance(action_space, spaces.Discrete)
        outputs = int(action_space.n) if self.discrete else int(np.prod(action_space.shape))
        self.mlp_extractor = nn.Module()
        self.mlp_extractor.policy_net = _mlp(observation_dim, actor_sizes, activation)
        self.mlp_extractor.value_net = _mlp(observation_dim, critic_sizes, activation)
        self.action_net = nn.Linear(actor_sizes[-1] if actor_sizes else observation_dim, outputs)
        self.value_net = nn.Linear(critic_sizes[-1] if critic_sizes else observation_dim, 1)
        if not self.discrete:
            self.log_std = nn.Parameter(
                torch.full((outputs,), float(policy_kwargs["log_std_init"]))
            )
        if policy_kwargs["ortho_init"]:
            # SB3's and CleanRL's gains: sqrt(2) hidden, 0.01 for the policy head, 1 for values.
            for module, gain in (
                (self.mlp_extractor.policy_net, math.sqrt(2)),
                (self.mlp_extractor.value_net, math.sqrt(2)),
                (self.action_net, 0.01),
                (self.value_net, 1.0),
            ):
                for layer in module.modules():
                    if isinstance(layer, nn.Linear):
                        nn.init.orthogonal_(layer.weight, gain=gain)
                        nn.init.zeros_(layer.bias)

    def forward(self, observations: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """Action logits or means, and state values."""
        head = self.action_net(self.mlp_extractor.policy_net(observations))
        values = self.value_net(self.mlp_extractor.value_net(observations)).squeeze(-1)
        return head, values

    def value(self, observations: torch.Tensor) -> torch.Tensor:
        """State values only, ``(batch,)``."""
        return self.value_net(self.mlp_extractor.value_net(observations)).squeeze(-1)

    def log_prob_and_entropy(
        self, head: torch.Tensor, actions: torch.Tensor
    ) -> tuple[torch.Tensor, torch.Tensor]:
        """Log-probabilities of ``actions`` and the policy's entropy, both ``(batch,)``."""
        if self.discrete:
            log_probs = torch.log_softmax(head, dim=-1)
            chosen = log_probs.gather(-1, actions.long().unsqueeze(-1)).squeeze(-1)
            entropy = -(log_probs.exp() * log_probs).sum(-1)
            return chosen, entropy
        log_std = self.log_std.expand_as(head)
        # Normal log-density of the unclipped sample, summed over action dimensions.
        z = (actions - head) * torch.exp(-log_std)
        chosen = (-0.5 * z.pow(2) - log_std - 0.5 * math.log(2 * math.pi)).sum(-1)
        entropy = (0.5 + 0.5 * math.log(2 * math.pi) + log_std).sum(-1)
        return chosen, entropy

    def sample(self, head: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """Sampled actions and their log-probabilities."""
        if self.discrete:
            # Gumbel-max: one sample per row without building a Categorical object.
            gumbel = -torch.log(-torch.log(torch.rand_like(head).clamp_(min=1e-20)))
            actions = torch.argmax(head + gumbel, dim=-1)
        else:
            actions = head + torch.exp(self.log_std) * torch.randn_like(head)
        log_prob, _ = self.log_prob_and_entropy(head, actions)
        return actions, log_prob

    def greedy(self, head: torch.Tensor) -> torch.Tensor:
        """The deterministic action: the most likely class, or the mean."""
        return torch.argmax(head, dim=-1) if self.discrete else head


class RunningMoments:
    """Running mean and variance of batches (Chan et al.'s parallel update), float64."""

    def __init__(self, shape: tuple[int, ...]) -> None:
        self.mean = np.zeros(shape, dtype=np.float64)
        self.var = np.ones(shape, dtype=np.float64)
        self.count = 1e-4  # as VecNormalize: the first batch outweighs the identity prior

    def update(self, batch: np.ndarray) -> None:
        """Fold ``batch`` (``(samples, *shape)``) into the moments."""
        batch_mean, batch_var, batch_count = batch.mean(axis=0), batch.var(axis=0), len(batch)
        delta = batch_mean - self.mean
        total = self.count + batch_count
        self.mean = self.mean + delta * batch_count / total
        combined = self.var * self.count + batch_var * batch_count
        self.var = (combined + delta**2 * self.count * batch_count / total) / total
        self.count = total


# -- The learner -------------------------------------------------------------------------------


class RowWrappers:
    """A run's suite wrappers replayed on batches, one row at a time.

    Observation maps innermost first, action maps outermost first (as
    :class:`~rlbench_suite.agents.sb3.SB3Agent` replays them on one env). Only observation and
    action wrappers: anything else has state or rewards the batch cannot replay, and is refused
    naming it. No wrappers: both maps are the identity and nothing is copied.
    """

    def __init__(
        self,
        env_id: str,
        env_wrapper: Sequence[tuple[str, Mapping[str, Any]]],
        env_kwargs: Mapping[str, Any],
    ) -> None:
        self.spaces: tuple[gym.Space, gym.Space] | None = None
        self._observation_maps: list[Callable[[Any], Any]] = []
        self._action_maps: list[Callable[[Any], Any]] = []
        if not env_wrapper:
            return
        from rlbench_suite.agents.sb3 import wrapped_env

        env, layers = wrapped_env(env_id, env_wrapper, env_kwargs)
        for layer in layers:
            if not isinstance(layer, gym.ObservationWrapper | gym.ActionWrapper):
                raise ConfigError(
                    f"{env_id}: the native PPO runner replays observation and action wrappers "
                    f"only, not {type(layer).__name__}"
                )
        self._observation_maps = [
            layer.observation for layer in layers if isinstance(layer, gym.ObservationWrapper)
        ]
        self._action_maps = [
            layer.action for layer in layers[::-1] if isinstance(layer, gym.ActionWrapper)
        ]
        self.spaces = (env.observation_space, env.action_space)

    def observations(self, batch: np.ndarray) -> np.ndarray:
        """Each row through the observation wrappers."""
        for observation_map in self._observation_maps:
            batch = np.stack([observation_map(row) for row in batch])
        return batch

    def actions(self, batch: np.ndarray) -> np.ndarray:
        """Each row through the action wrappers."""
        for action_map in self._action_maps:
            batch = np.stack([np.asarray(action_map(row)) for row in batch])
        return batch


def make_vector_env(config: NativePPOConfig) -> gym.vector.VectorEnv:
    """``n_envs`` copies in next-step autoreset: the kernel's (``copy=False``) or SyncVectorEnv."""
    if config.uses_kernel():
        from rlbench_suite.vector import NativeVectorEnv

        return NativeVectorEnv(
            config.env_id,
            config.n_envs,
            autoreset_mode=AutoresetMode.NEXT_STEP,
            copy=False,
            **config.env_kwargs,
        )
    return gym.make_vec(
        config.env_id,
        num_envs=config.n_envs,
        vectorization_mode="sync",
        vector_kwargs={"autoreset_mode": AutoresetMode.NEXT_STEP},
        **config.env_kwargs,
    )


class NativePPO:
    """PPO over a vector env: :meth:`learn` alternates :meth:`collect` and :meth:`update`.

    Seeding: torch's generator and the minibatch order with ``seed``, env ``i`` reset with
    ``seed + i`` (SB3's rule), so a seed gives the same run on the same machine and thread count.
    """

    def __init__(self, config: NativePPOConfig, seed: int) -> None:
        self.config = config
        self.seed = seed
        torch.manual_seed(seed)
        self.minibatch_rng = np.random.default_rng(seed)  # minibatch order
        self.envs = make_vector_env(config)
        observation_space = self.envs.single_observation_space
        action_space = self.envs.single_action_space
        self.wrappers = RowWrappers(config.env_id, config.env_wrapper, config.env_kwargs)
        if config.env_wrapper:
            observation_space, action_space = self.wrappers.spaces
        check_spaces(config.env_id, observation_space, action_space)
        if self.envs.metadata.get("autoreset_mode") != AutoresetMode.NEXT_STEP:
            raise ValueError(f"{config.env_id}: the runner needs next-step autoreset")
        self.observation_space, self.action_space = observation_space, action_space
        self.observation_dim = int(np.prod(observation_space.shape))
        self.policy = ActorCritic(self.observation_dim, action_space, config.policy_kwargs)
        ppo = config.hyperparameters
        where = f"{config.source}, section {config.env_id}"
        self.learning_rate = _schedule(where, "learning_rate", ppo["learning_rate"])
        self.clip_range = _schedule(where, "clip_range", ppo["clip_range"])
        # fused: one kernel for all parameters, the update's largest saving on small networks.
        self.optimizer = torch.optim.Adam(
            self.policy.parameters(), lr=self.learning_rate(1.0), eps=1e-5, fused=True
        )
        self.parameters = list(self.policy.parameters())
        self.observation_moments = RunningMoments((self.observation_dim,))
        self.return_moments = RunningMoments(())
        self._set_scaler()

        n_steps, n_envs = ppo["n_steps"], config.n_envs
        self.n_steps = n_steps
        # The rollout, allocated once: (n_steps, n_envs[, ...]).
        self.raw_observations = torch.zeros((n_steps, n_envs, self.observation_dim))
        action_shape = () if self.policy.discrete else action_space.shape
        self.actions = torch.zeros((n_steps, n_envs, *action_shape))
        self.log_probs = torch.zeros((n_steps, n_envs))
        self.values = torch.zeros((n_steps, n_envs))
        self.rewards = np.zeros((n_steps, n_envs), dtype=np.float64)
        self.terminations = np.zeros((n_steps, n_envs), dtype=np.bool_)
        self.dones = np.zeros((n_steps, n_envs), dtype=np.bool_)
        # A row is a transition unless the env spent that step resetting (next-step autoreset).
        self.valid = np.zeros((n_steps, n_envs), dtype=np.bool_)
        self.discounted_returns = np.zeros(n_envs, dtype=np.float64)  # for reward scaling

        if not self.policy.discrete:
            self.action_low = torch.as_tensor(action_space.low, dtype=torch.float32)
            self.action_high = torch.as_tensor(action_space.high, dtype=torch.float32)
        observations, _ = self.envs.reset(seed=[seed + index for index in range(n_envs)])
        self._observations = self._view(observations)
        self.resetting = np.zeros(n_envs, dtype=np.bool_)  # the last step ended an episode
        self.num_timesteps = 0
        # Episode statistics of the training envs, for progress reports.
        self._running_return = np.zeros(n_envs)
        self.finished_returns: list[float] = []

    def _view(self, observations: np.ndarray) -> torch.Tensor:
        # The native env hands back the same buffer every step (copy=False): this view follows
        # the kernel's writes. SyncVectorEnv's arrays are viewed the same way, without a copy.
        # Observation wrappers map each row, which does copy (their maps take one observation).
        observations = self.wrappers.observations(observations)
        return torch.from_numpy(observations).reshape(len(observations), -1)

    def _set_scaler(self) -> None:
        if self.config.normalize_observations:
            std = np.sqrt(self.observation_moments.var + OBSERVATION_EPSILON)
            self.obs_shift = torch.as_tensor(self.observation_moments.mean, dtype=torch.float32)
            self.obs_scale = torch.as_tensor(1.0 / std, dtype=torch.float32)
        else:
            self.obs_shift = torch.zeros(self.observation_dim)
            self.obs_scale = torch.ones(self.observation_dim)

    def normalise(self, observations: torch.Tensor) -> torch.Tensor:
        """Observations as the network sees them (frozen during a rollout and its update)."""
        return (observations.float() - self.obs_shift) * self.obs_scale

    def _env_actions(self, actions: torch.Tensor) -> np.ndarray:
        """The policy's actions as the wrapped env takes them (clipped Box, wrappers applied)."""
        if self.policy.discrete:
            return self.wrappers.actions(actions.numpy())
        return self.wrappers.actions(
            torch.clamp(actions, self.action_low, self.action_high).numpy()
        )

    def _policy_actions(self, actions: torch.Tensor) -> np.ndarray:
        """The policy's actions in its own space (before action wrappers)."""
        if self.policy.discrete:
            return actions.numpy()
        return torch.clamp(actions, self.action_low, self.action_high).numpy()

    # ---- 1. Rollout ------------------------------------------------------------------------

    @torch.no_grad()
    def collect(self) -> None:
        """Step every env ``n_steps`` times with the current policy, filling the rollout."""
        for step in range(self.n_steps):
            self.raw_observations[step] = self._observations
            head, values = self.policy(self.normalise(self._observations))
            actions, log_probs = self.policy.sample(head)
            self.actions[step], self.log_probs[step], self.values[step] = actions, log_probs, values
            self.valid[step] = ~self.resetting
            observations, rewards, terminations, truncations, _ = self.envs.step(
                self._env_actions(actions)
            )
            self._observations = self._view(observations)
            self.rewards[step] = rewards
            self.terminations[step] = (
                terminations if self.config.bootstrap_truncation else terminations | truncations
            )
            np.logical_or(terminations, truncations, out=self.dones[step])
            self.resetting = self.dones[step].copy()
            self._running_return += rewards
            for env in np.flatnonzero(self.resetting):
                self.finished_returns.append(float(self._running_return[env]))
                self._running_return[env] = 0.0
        self.num_timesteps += self.n_steps * self.config.n_envs
        self._next_values = self.policy.value(self.normalise(self._observations))

    def _scaled_rewards(self) -> np.ndarray:
        if not self.config.normalize_rewards:
            return self.rewards
        gamma = self.config.hyperparameters["gamma"]
        returns = np.empty_like(self.rewards)
        for step in range(self.n_steps):
            self.discounted_returns = self.discounted_returns * gamma + self.rewards[step]
            returns[step] = self.discounted_returns
            self.discounted_returns[self.dones[step]] = 0.0
        self.return_moments.update(returns[self.valid])
        return self.rewards / math.sqrt(self.return_moments.var + OBSERVATION_EPSILON)

    def advantages(self) -> tuple[np.ndarray, np.ndarray]:
        """GAE advantages and value targets, ``(n_steps, n_envs)``; masked rows are 0."""
        gamma = self.config.hyperparameters["gamma"]
        lam = self.config.hyperparameters["gae_lambda"]
        rewards = self._scaled_rewards()
        values = self.values.numpy().astype(np.float64)
        next_values = self._next_values.numpy().astype(np.float64)
        advantages = np.zeros_like(rewards)
        running = np.zeros(self.config.n_envs)
        for step in reversed(range(self.n_steps)):
            following = values[step + 1] if step + 1 < self.n_steps else next_values
            # After a truncation `following` is V(final observation): the ending step returned
            # it, and the next row (the masked reset step) computed its value.
            delta = rewards[step] + gamma * following * ~self.terminations[step] - values[step]
            running = delta + gamma * lam * ~self.dones[step] * running
            advantages[step] = running
        advantages[~self.valid] = 0.0
        return advantages, advantages + values

    # ---- 2. Update -------------------------------------------------------------------------

    def update(self, progress_remaining: float) -> dict[str, float]:
        """``n_epochs`` of clipped-PPO minibatch steps on the valid rows of the rollout."""
        ppo = self.config.hyperparameters
        advantages, targets = self.advantages()
        rows = np.flatnonzero(self.valid.reshape(-1))
        observations = self.normalise(self.raw_observations.reshape(-1, self.observation_dim))
        actions = self.actions.reshape(-1, *self.actions.shape[2:])
        old_log_probs = self.log_probs.reshape(-1)
        advantages_t = torch.as_tensor(advantages.reshape(-1), dtype=torch.float32)
        targets_t = torch.as_tensor(targets.reshape(-1), dtype=torch.float32)
        for group in self.optimizer.param_groups:
            group["lr"] = self.learning_rate(progress_remaining)
        clip = self.clip_range(progress_remaining)
        stats: dict[str, float] = {}
        for _ in range(ppo["n_epochs"]):
            order = torch.as_tensor(self.minibatch_rng.permutation(rows))
            kls = []
            for start in range(0, len(order), ppo["batch_size"]):
                batch = order[start : start + ppo["batch_size"]]
                head, values = self.policy(observations[batch])
                log_probs, entropy = self.policy.log_prob_and_entropy(head, actions[batch])
                log_ratio = log_probs - old_log_probs[batch]
                ratio = log_ratio.exp()
                batch_advantages = advantages_t[batch]
                if ppo["normalize_advantage"] and len(batch) > 1:
                    batch_advantages = (batch_advantages - batch_advantages.mean()) / (
                        batch_advantages.std() + 1e-8
                    )
                policy_loss = -torch.min(
                    batch_advantages * ratio,
                    batch_advantages * torch.clamp(ratio, 1 - clip, 1 + clip),
                ).mean()
                value_loss = (targets_t[batch] - values).pow(2).mean()
                loss = policy_loss + ppo["vf_coef"] * value_loss - ppo["ent_coef"] * entropy.mean()
                self.optimizer.zero_grad(set_to_none=True)
                loss.backward()
                nn.utils.clip_grad_norm_(self.parameters, ppo["max_grad_norm"], foreach=True)
                self.optimizer.step()
                with torch.no_grad():
                    kls.append(float(((ratio - 1) - log_ratio).mean()))  # the k3 estimator
            stats = {
                "policy_loss": float(policy_loss.detach()),
                "value_loss": float(value_loss.detach()),
            }
            if ppo["target_kl"] is not None and np.mean(kls) > 1.5 * ppo["target_kl"]:
                break
        if self.config.normalize_observations:
            self.observation_moments.update(
                self.raw_observations.reshape(-1, self.observation_dim).numpy()[rows]
            )
            self._set_scaler()
        return stats

    def learn(
        self, total_timesteps: int, after_rollout: Callable[[NativePPO], bool] | None = None
    ) -> None:
        """Train for ``total_timesteps`` env steps (whole rollouts); ``after_rollout`` may stop it.

        ``after_rollout(self)`` runs after each update; returning False stops training.
        """
        while self.num_timesteps < total_timesteps:
            self.collect()
            self.update(max(0.0, 1.0 - self.num_timesteps / total_timesteps))
            if after_rollout is not None and not after_rollout(self):
                break

    # ---- 3. Acting and saving --------------------------------------------------------------

    @torch.no_grad()
    def act(self, observations: np.ndarray, deterministic: bool = True) -> np.ndarray:
        """Actions for a batch of raw observations, as the env takes them."""
        batch = torch.as_tensor(np.asarray(observations)).reshape(-1, self.observation_dim)
        head, _ = self.policy(self.normalise(batch))
        actions = self.policy.greedy(head) if deterministic else self.policy.sample(head)[0]
        return self._policy_actions(actions)

    def agent(self) -> PolicyAgent:
        """The deterministic policy behind the harness's Agent protocol (one env)."""
        return PolicyAgent(self)

    def policy_state_dict(self) -> dict[str, torch.Tensor]:
        """SB3 ``MlpPolicy`` weights with the observation normalisation folded in."""
        state = {name: tensor.detach().clone() for name, tensor in self.policy.state_dict().items()}
        for net in ("policy_net", "value_net"):
            prefix = f"mlp_extractor.{net}.0"
            if f"{prefix}.weight" not in state:
                continue  # no hidden layer: the heads read the observation (not folded here)
            weight, bias = state[f"{prefix}.weight"], state[f"{prefix}.bias"]
            folded = weight * self.obs_scale  # W / sigma, column by column
            state[f"{prefix}.weight"] = folded
            state[f"{prefix}.bias"] = bias - folded @ self.obs_shift
        return state

    def save(self, path: Path | str | None = None) -> bytes:
        """A model zip SB3's layout and the board's weights-only loader read; written if path."""
        data = {
            "observation_space": {"_shape": list(self.observation_space.shape)},
            "action_space": {"_shape": list(self.action_space.shape or ())},
            "n_envs": self.config.n_envs,
            "num_timesteps": self.num_timesteps,
            "trained_by": "rlbench_suite.baselines.native_ppo",
        }
        weights = io.BytesIO()
        torch.save(self.policy_state_dict(), weights)
        archive = io.BytesIO()
        with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as zipped:
            zipped.writestr("data", json.dumps(data))
            zipped.writestr("policy.pth", weights.getvalue())
            zipped.writestr("_stable_baselines3_version", _sb3_version())
        content = archive.getvalue()
        if path is not None:
            write_atomically(Path(path), content)
        return content

    def close(self) -> None:
        """Release the vector env."""
        self.envs.close()


def _has_hidden_layers(config: NativePPOConfig) -> bool:
    arch = config.policy_kwargs["net_arch"]
    return all(arch.values()) if isinstance(arch, dict) else bool(arch)


def _sb3_version() -> str:
    import stable_baselines3

    return stable_baselines3.__version__


class PolicyAgent:
    """A :class:`NativePPO`'s deterministic policy as a suite agent (``reset`` / ``act``)."""

    def __init__(self, learner: NativePPO) -> None:
        self.learner = learner

    def reset(self, seed: int | None = None) -> None:
        """Nothing to reset: the policy is deterministic."""

    def act(self, observation: Any) -> Any:
        """The action for one observation of the bare env (the run's wrappers replayed)."""
        wrappers = self.learner.wrappers
        action = self.learner.act(wrappers.observations(np.asarray(observation)[None]))
        action = wrappers.actions(action)[0]
        return int(action) if isinstance(action, np.integer) else action


# -- The run ---------------------------------------------------------------------------------


def run_directory(out_dir: Path | str, env_id: str, seed: int) -> Path:
    """``OUT/native_ppo/<env id with '/' as '_'>/seed_<seed>``."""
    return Path(out_dir) / RUNNER_FOLDER / env_id.replace("/", "_") / f"seed_{seed}"


def train(
    config: NativePPOConfig,
    seed: int,
    out_dir: Path | str,
    timesteps: int | None = None,
    force: bool = False,
    on_timesteps: Callable[[int], None] | None = None,
    on_evaluation: Callable[[CurvePoint], None] | None = None,
) -> RunOutcome:
    """Train PPO on ``config.env_id`` with ``seed`` and save the seed's files.

    The same files and rules as :func:`rlbench_suite.baselines.sb3.train`: a seed whose
    ``result.json`` exists is skipped (and checked to match these settings) unless ``force``.
    """
    # ---- 1. Where the run lives; a finished one is skipped --------------------------------
    card = env_card(config.env_id)
    if card.reward_dim > 1 or card.multi_agent:
        raise ConfigError(
            f"{config.env_id}: the native PPO runner trains single-agent, single-objective envs"
        )
    if config.normalize_observations and not _has_hidden_layers(config):
        raise ConfigError(
            f"{config.source}, section {config.env_id}: normalize_observations needs a hidden "
            "layer in net_arch (the saved policy folds the scaling into the first layer)"
        )
    budget = int(timesteps if timesteps is not None else config.n_timesteps)
    run_dir = run_directory(out_dir, config.env_id, seed)
    result_path = run_dir / "result.json"
    settings = config.settings(budget)
    runner = config.runner_settings()
    if result_path.exists() and not force:
        return RunOutcome(run_dir, _finished_result(result_path, config, seed, settings), True)
    result_path.unlink(missing_ok=True)  # a forced rerun killed half-way leaves no old result
    run_dir.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()

    # ---- 2. Seeded envs and the learner; 3. train, evaluating into the curve ---------------
    threads_before = torch.get_num_threads()
    if config.torch_threads:
        torch.set_num_threads(config.torch_threads)
    learner = NativePPO(config, seed)
    curve: list[CurvePoint] = []

    def evaluate_policy(episodes: int) -> tuple[EpisodeRecord, ...]:
        seeds = range(EVAL_SEED, EVAL_SEED + episodes)
        agent = learner.agent()
        return evaluate(agent, config.env_id, env_kwargs=config.env_kwargs, seeds=seeds).records

    def record_point() -> None:
        returns = tuple(float(r.episode_return) for r in evaluate_policy(config.eval_episodes))
        point = CurvePoint(learner.num_timesteps, time.perf_counter() - started, returns)
        curve.append(point)
        write_atomically(run_dir / "curve.csv", curve_csv(curve))
        if on_evaluation is not None:
            on_evaluation(point)

    next_evaluation = config.eval_freq
    last_report = 0

    def after_rollout(trained: NativePPO) -> bool:
        nonlocal next_evaluation, last_report
        if trained.num_timesteps >= next_evaluation:
            next_evaluation += config.eval_freq * max(
                1, (trained.num_timesteps - next_evaluation) // config.eval_freq + 1
            )
            record_point()
        if on_timesteps is not None and trained.num_timesteps - last_report >= PROGRESS_EVERY:
            last_report = trained.num_timesteps
            on_timesteps(trained.num_timesteps)
        return True

    try:
        record_point()  # the untrained policy, as the SB3 runner's curve starts
        learner.learn(budget, after_rollout)
        if on_timesteps is not None:
            on_timesteps(learner.num_timesteps)
        model_bytes = learner.save()
    finally:
        learner.close()
        torch.set_num_threads(threads_before)

    # ---- 4. Final evaluation, of the saved file as the board loads it -------------------------
    write_atomically(run_dir / "model.zip", model_bytes)
    from rlbench_suite.agents.sb3 import load_agent

    policy_kwargs = settings["hyperparameters"]["policy_kwargs"]
    replay = load_agent(
        run_dir / "model.zip", "ppo", config.env_id, config.env_wrapper, policy_kwargs
    )
    seeds = range(EVAL_SEED, EVAL_SEED + max(config.final_eval_episodes, config.eval_episodes))
    final = evaluate(replay, config.env_id, env_kwargs=config.env_kwargs, seeds=seeds).records
    if curve[-1].timesteps != learner.num_timesteps:
        returns = tuple(float(r.episode_return) for r in final[: config.eval_episodes])
        curve.append(CurvePoint(learner.num_timesteps, time.perf_counter() - started, returns))
    final = final[: config.final_eval_episodes]

    # ---- 5. Save: curve, plot, and last the result that marks the run finished -------------
    write_atomically(run_dir / "curve.csv", curve_csv(curve))
    notes = []
    plotted = save_curve_plot(curve, config, seed, run_dir / "curve.png")
    if not plotted:
        notes.append("matplotlib is not installed: curve.png not written (pip install matplotlib)")
        (run_dir / "curve.png").unlink(missing_ok=True)
    returns_array = np.array([record.episode_return for record in final], dtype=float)
    ci95 = float(mean_confidence_halfwidth(returns_array))
    result = {
        "format": RESULT_FORMAT,
        "env_id": config.env_id,
        "algo": config.algo,
        "runner": runner,
        "seed": seed,
        "timesteps": budget,
        "timesteps_trained": int(learner.num_timesteps),
        "settings": settings,
        "hyperparameters": settings["hyperparameters"],
        "evaluation": {
            "deterministic": True,
            "replayed_from": "model.zip",
            "episodes": [record.to_json() for record in final],
            "mean_return": float(returns_array.mean()),
            "ci95": None if math.isnan(ci95) else ci95,
        },
        "curve": [{"timesteps": p.timesteps, "mean_return": p.mean_return} for p in curve],
        "wall_clock_seconds": time.perf_counter() - started,
        "model_sha256": hashlib.sha256(model_bytes).hexdigest(),
        "files": {
            "model": "model.zip",
            "curve_csv": "curve.csv",
            "curve_png": "curve.png" if plotted else None,
        },
        "notes": notes,
        "versions": {
            "rlbench_suite": rlbench_suite.__version__,
            "stable_baselines3": _sb3_version(),
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


def _finished_result(
    result_path: Path, config: NativePPOConfig, seed: int, settings: Mapping[str, Any]
) -> dict[str, Any]:
    try:
        result = json.loads(result_path.read_text())
    except (OSError, ValueError) as error:
        raise ValueError(
            f"{result_path}: not a readable result ({error}); rerun with --force"
        ) from None
    expected = {
        "env_id": config.env_id,
        "runner": config.runner_settings(),
        "seed": seed,
        "settings": settings,
    }
    if not isinstance(result, dict):
        raise ValueError(f"{result_path}: not a readable result; rerun with --force")
    differing = [key for key, value in expected.items() if result.get(key) != value]
    if differing:
        raise ValueError(
            f"{result_path} holds a finished run with other {', '.join(differing)}; "
            "pass --force to train it again or choose another --out"
        )
    return result


# -- Leaderboard submission ----------------------------------------------------------------------


def write_native_submission(
    out_dir: Path | str, env_id: str, seeds: Sequence[int], name: str | None = None
) -> Path:
    """Write ``OUT/native_ppo/<env>/submission.json`` from the finished seeds' results.

    The submission is an ``sb3`` one (the board re-runs each seed's ``model.zip`` from its
    weights, as for SB3's PPO), its library naming this runner.
    """
    from rlbench_suite.leaderboard.submission import (
        compute_digest,
        submission_name,
        write_submission,
    )

    folder = Path(out_dir) / RUNNER_FOLDER / env_id.replace("/", "_")
    results = [json.loads((folder / f"seed_{s}" / "result.json").read_text()) for s in seeds]
    submission = sb3_runner.training_submission(
        results, name=name or submission_name(RUNNER_FOLDER, env_id)
    )
    submission["algorithm"]["library"] = "rlbench_suite.baselines.native_ppo"
    submission["algorithm"]["version"] = results[0]["versions"]["rlbench_suite"]
    submission.pop("digest", None)
    submission["digest"] = compute_digest(submission)
    return write_submission(submission, folder / "submission.json")


__all__ = [
    "ActorCritic",
    "NativePPO",
    "NativePPOConfig",
    "PolicyAgent",
    "check_spaces",
    "load_native_config",
    "train",
    "write_native_submission",
]
