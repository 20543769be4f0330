"""Stable-Baselines3 policies as suite agents, loaded from a model zip without unpickling anything.

SB3's own ``PPO.load`` unpickles entries of the zip's ``data`` file (the policy class, the
spaces, schedules, buffers): a crafted ``model.zip`` runs code the moment it is loaded. A model
that reaches the leaderboard is data, so :func:`load_policy` reads it as data only:

1. the zip is read whole under a size cap, and only the two members needed are decompressed,
   each under its own cap however large its header claims it is (a zip bomb stops at the cap);
2. ``data`` is parsed as JSON; every entry SB3 serialized with cloudpickle must be one the
   loader rebuilds itself from plain values (spaces from the env, the policy from the
   algorithm's name and the submitted hyperparameters) and is never decoded; any other one
   refuses the zip, naming it;
3. the weights come from ``policy.pth`` through ``torch.load(weights_only=True)`` (tensors and
   plain containers only) into a policy built from an allowlisted class and JSON-only keyword
   arguments (:data:`POLICY_KWARGS`), strictly: a missing or extra tensor is an error.

:class:`SB3Agent` then replays the run's suite wrappers around the policy so that it plays the
bare env, as the scoring harness steps it.

Example:
    >>> import gymnasium as gym, rlbench_suite
    >>> from stable_baselines3 import PPO
    >>> from rlbench_suite.scoring import evaluate
    >>> model = PPO("MlpPolicy", gym.make("rlbench/QuadHover-v0"), n_steps=64, seed=0)
    >>> result = evaluate(SB3Agent(model), "rlbench/QuadHover-v0", n_episodes=1)
    >>> result.agent
    'SB3Agent'

"""

from __future__ import annotations

import inspect
import io
import itertools
import json
import zipfile
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import gymnasium as gym
import torch
from stable_baselines3 import A2C, DQN, PPO, SAC, TD3
from stable_baselines3.common.base_class import BaseAlgorithm
from stable_baselines3.common.policies import BasePolicy

from rlbench_suite.files import MAX_MODEL_FILE_BYTES, read_regular_file
from rlbench_suite.wrappers.registry import wrap, wrapper_problems

ALGORITHMS: dict[str, type[BaseAlgorithm]] = {
    "a2c": A2C,
    "dqn": DQN,
    "ppo": PPO,
    "sac": SAC,
    "td3": TD3,
}
ACTIVATIONS: dict[str, type[torch.nn.Module]] = {
    "tanh": torch.nn.Tanh,
    "relu": torch.nn.ReLU,
    "elu": torch.nn.ELU,
    "leaky_relu": torch.nn.LeakyReLU,
}
#: Policy keyword arguments a submission may set, all plain JSON values (activation by name).
POLICY_KWARGS = frozenset(
    {
        "net_arch",
        "activation_fn",
        "ortho_init",
        "log_std_init",
        "full_std",
        "use_expln",
        "squash_output",
        "share_features_extractor",
        "normalize_images",
        "n_critics",
        "clip_mean",
        # The optimizer never steps when a model is replayed, but a policy is built with it.
        "optimizer_kwargs",
    }
)
OPTIMIZER_KWARGS = frozenset({"weight_decay", "eps", "betas", "amsgrad"})
POLICY_NAMES = ("MlpPolicy",)

MAX_ZIP_MEMBERS = 32
MAX_DATA_BYTES = 1024 * 1024
MAX_WEIGHTS_BYTES = 64 * 1024 * 1024

# The entries SB3 pickles into ``data``, which the loader never decodes: each is either rebuilt
# from plain values (the spaces from the env, the policy from the algorithm and its kwargs) or
# only matters for training (schedules, buffers, the last observation, noise).
REBUILT_ENTRIES = frozenset(
    {
        "policy_class",
        "policy_kwargs",
        "observation_space",
        "action_space",
        "learning_rate",
        "lr_schedule",
        "clip_range",
        "clip_range_vf",
        "exploration_schedule",
        "_last_obs",
        "_last_episode_starts",
        "_last_original_obs",
        "ep_info_buffer",
        "ep_success_buffer",
        "rollout_buffer_class",
        "replay_buffer_class",
        "action_noise",
        "train_freq",
        "target_entropy",
        "ent_coef",
    }
)


class ModelError(ValueError):
    """A model file the suite will not load; the message says which file and why."""


def _read_member(archive: zipfile.ZipFile, source: str, member: str, limit: int) -> bytes:
    try:
        info = archive.getinfo(member)
    except KeyError:
        raise ModelError(
            f"{source}: no {member!r} inside; is it a Stable-Baselines3 zip?"
        ) from None
    if info.file_size > limit:
        raise ModelError(
            f"{source}: {member!r} unpacks to {info.file_size:,} bytes, more than {limit:,}"
        )
    # The header's size can lie (a zip bomb's does): stop reading at the cap regardless.
    with archive.open(info) as stream:
        data = stream.read(limit + 1)
    if len(data) > limit:
        raise ModelError(f"{source}: {member!r} unpacks to more than {limit:,} bytes")
    return data


def read_model_zip(path: Path | str) -> tuple[dict[str, Any], dict[str, torch.Tensor]]:
    """The ``data`` entries and the policy weights of an SB3 model zip, read as data only.

    Raises:
        ModelError: oversized, not a zip, a serialized entry the loader cannot rebuild, or
            weights that are not plain tensors.

    """
    source = str(path)
    try:
        raw = read_regular_file(path, MAX_MODEL_FILE_BYTES)
    except ValueError as error:
        raise ModelError(str(error)) from None
    try:
        archive = zipfile.ZipFile(io.BytesIO(raw))
    except zipfile.BadZipFile as error:
        raise ModelError(f"{source}: not a zip file ({error})") from None
    with archive:
        if len(archive.infolist()) > MAX_ZIP_MEMBERS:
            raise ModelError(
                f"{source}: {len(archive.infolist())} members, more than {MAX_ZIP_MEMBERS}"
            )
        data_bytes = _read_member(archive, source, "data", MAX_DATA_BYTES)
        weights_bytes = _read_member(archive, source, "policy.pth", MAX_WEIGHTS_BYTES)
    try:
        data = json.loads(data_bytes.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError) as error:
        raise ModelError(f"{source}: its 'data' is not JSON ({error})") from None
    if not isinstance(data, dict):
        raise ModelError(f"{source}: its 'data' is not a JSON object")
    for key, value in data.items():
        if isinstance(value, dict) and ":serialized:" in value and key not in REBUILT_ENTRIES:
            raise ModelError(
                f"{source}: 'data' holds a serialized object under {key!r}, which the suite "
                "cannot rebuild from plain values; it is refused unread"
            )
    policy_module = data.get("policy_class", {}).get("__module__", "")
    if policy_module and not str(policy_module).startswith("stable_baselines3."):
        raise ModelError(
            f"{source}: trained with a custom policy class from {policy_module!r}; only "
            "Stable-Baselines3's own policies can be rebuilt"
        )
    try:
        weights = torch.load(io.BytesIO(weights_bytes), map_location="cpu", weights_only=True)
    except Exception as error:  # torch raises UnpicklingError, RuntimeError, EOFError, ...
        raise ModelError(
            f"{source}: 'policy.pth' is not a plain tensor file ({type(error).__name__}: "
            f"{str(error).splitlines()[0] if str(error) else ''})"
        ) from None
    if not isinstance(weights, Mapping) or not all(
        isinstance(key, str) and isinstance(value, torch.Tensor) for key, value in weights.items()
    ):
        raise ModelError(f"{source}: 'policy.pth' is not a mapping of names to tensors")
    return data, dict(weights)


def policy_kwargs_problems(policy_kwargs: Any) -> list[str]:
    """What is wrong with submitted policy keyword arguments; empty if nothing."""
    if policy_kwargs is None:
        return []
    if not isinstance(policy_kwargs, Mapping):
        return [f"policy_kwargs must be a mapping, got {type(policy_kwargs).__name__}"]
    problems = []
    for key, value in policy_kwargs.items():
        if key not in POLICY_KWARGS:
            problems.append(
                f"policy_kwargs: {key!r} is not allowed "
                f"(allowed: {', '.join(sorted(POLICY_KWARGS))})"
            )
        elif key == "activation_fn" and value not in ACTIVATIONS:
            problems.append(f"policy_kwargs: activation_fn must be one of {', '.join(ACTIVATIONS)}")
        elif key == "net_arch" and not _plain_net_arch(value):
            problems.append(
                "policy_kwargs: net_arch must be a list of at most 16 layer sizes (1 to 4096, "
                f"at most {MAX_HIDDEN_WEIGHTS:,} weights between them) or a mapping of "
                "'pi'/'vf'/'qf' to such lists"
            )
        elif key == "n_critics" and not (_is_int(value) and 1 <= value <= 10):
            problems.append("policy_kwargs: n_critics must be an integer in [1, 10]")
        elif key == "optimizer_kwargs" and not _plain_optimizer_kwargs(value):
            problems.append(
                "policy_kwargs: optimizer_kwargs must map "
                f"{', '.join(sorted(OPTIMIZER_KWARGS))} to numbers"
            )
        elif key not in (
            "activation_fn",
            "net_arch",
            "n_critics",
            "optimizer_kwargs",
        ) and not isinstance(value, bool | int | float):
            problems.append(f"policy_kwargs: {key} must be a number or a boolean")
    return problems


def _plain_optimizer_kwargs(value: Any) -> bool:
    if not isinstance(value, dict) or not set(value) <= OPTIMIZER_KWARGS:
        return False
    for key, item in value.items():
        if key == "betas":
            if not (isinstance(item, list) and len(item) == 2):
                return False
            if not all(
                isinstance(beta, int | float) and not isinstance(beta, bool) for beta in item
            ):
                return False
        elif not isinstance(item, bool | int | float):
            return False
    return True


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


#: Weights a rebuilt network may hold between its hidden layers: what the 64 MiB weights cap
#: allows in float32, so a submitted net_arch cannot make the board allocate more than that.
MAX_HIDDEN_WEIGHTS = 16 * 1024 * 1024


def _plain_layers(value: Any) -> bool:
    if not (
        isinstance(value, list)
        and len(value) <= 16
        and all(_is_int(size) and 1 <= size <= 4096 for size in value)
    ):
        return False
    return sum(a * b for a, b in itertools.pairwise(value)) <= MAX_HIDDEN_WEIGHTS


def _plain_net_arch(value: Any) -> bool:
    if isinstance(value, dict):
        return set(value) <= {"pi", "vf", "qf"} and all(map(_plain_layers, value.values()))
    return _plain_layers(value)


def build_policy(
    algo: str,
    observation_space: gym.Space,
    action_space: gym.Space,
    policy_kwargs: Mapping[str, Any] | None = None,
    use_sde: bool = False,
    policy: str = "MlpPolicy",
) -> BasePolicy:
    """An untrained SB3 policy of ``algo``'s class, built from plain keyword arguments only."""
    if algo not in ALGORITHMS:
        raise ModelError(f"unknown algorithm {algo!r}; the suite rebuilds {', '.join(ALGORITHMS)}")
    if policy not in POLICY_NAMES:
        raise ModelError(f"policy {policy!r} cannot be rebuilt; use one of {POLICY_NAMES}")
    problems = policy_kwargs_problems(policy_kwargs)
    if problems:
        raise ModelError("; ".join(problems))
    kwargs = dict(policy_kwargs or {})
    if "activation_fn" in kwargs:
        kwargs["activation_fn"] = ACTIVATIONS[kwargs["activation_fn"]]
    if algo in ("ppo", "a2c") or (algo == "sac" and use_sde):
        # What SB3's algorithms pass their policy beside policy_kwargs.
        kwargs["use_sde"] = use_sde
    policy_class = ALGORITHMS[algo].policy_aliases[policy]
    accepted = set(inspect.signature(policy_class).parameters)
    foreign = sorted(set(kwargs) - accepted)
    if foreign:
        # The allowlist spans every algorithm's policy; each class takes only some of it.
        raise ModelError(
            f"policy_kwargs: {', '.join(foreign)} not taken by {algo}'s {policy_class.__name__}"
        )

    def constant_schedule(_progress: float) -> float:
        return 0.0  # the optimizer is never stepped: this policy only acts

    return policy_class(observation_space, action_space, constant_schedule, **kwargs)


def _space_shape(entry: Any) -> list[int] | None:
    shape = entry.get("_shape") if isinstance(entry, dict) else None
    return list(shape) if isinstance(shape, list) else None


def load_policy(
    path: Path | str,
    algo: str,
    observation_space: gym.Space,
    action_space: gym.Space,
    policy_kwargs: Mapping[str, Any] | None = None,
    use_sde: bool = False,
    policy: str = "MlpPolicy",
) -> BasePolicy:
    """The trained policy in the model zip at ``path``, rebuilt without unpickling anything.

    ``observation_space`` and ``action_space`` are those the model trained on (the env inside
    its wrappers). Raises :class:`ModelError` naming the file and the problem.
    """
    data, weights = read_model_zip(path)
    for key, space in (("observation_space", observation_space), ("action_space", action_space)):
        stored = _space_shape(data.get(key))
        if stored is not None and stored != list(space.shape or ()):
            raise ModelError(
                f"{path}: the model's {key.replace('_', ' ')} has shape {tuple(stored)}, but the "
                f"env (with the submitted wrappers) has {space.shape}"
            )
    built = build_policy(algo, observation_space, action_space, policy_kwargs, use_sde, policy)
    try:
        built.load_state_dict(weights, strict=True)
    except RuntimeError as error:
        first = str(error).splitlines()[0] if str(error) else ""
        raise ModelError(
            f"{path}: its weights do not fit a {algo} {policy} with the submitted policy_kwargs "
            f"({first})"
        ) from None
    built.set_training_mode(False)
    return built


class SB3Agent:
    """An SB3 model or policy behind the harness's Agent protocol (``reset`` / ``act``).

    The evaluation loop steps the bare env, so the wrappers the model was trained inside are
    replayed here: observations pass through each ``ObservationWrapper`` (innermost first) on
    the way in, actions through each ``ActionWrapper`` (outermost first) on the way out.
    ``RewardWrapper`` s change only what the learner saw, so they are skipped and the score is
    the env's own reward. Any other wrapper has state the agent cannot replay and is refused.
    """

    def __init__(
        self,
        model: BaseAlgorithm | BasePolicy,
        wrappers: Sequence[gym.Wrapper] = (),
        deterministic: bool = True,
    ) -> None:
        for wrapper in wrappers:
            if not isinstance(
                wrapper, gym.ObservationWrapper | gym.ActionWrapper | gym.RewardWrapper
            ):
                raise TypeError(
                    f"SB3Agent cannot replay {type(wrapper).__name__} outside its env: only "
                    "observation, action and reward wrappers can be evaluated on the bare env"
                )
        self.model = model
        self.deterministic = deterministic
        self._observation_wrappers = [w for w in wrappers if isinstance(w, gym.ObservationWrapper)]
        self._action_wrappers = [w for w in wrappers if isinstance(w, gym.ActionWrapper)][::-1]

    def reset(self, seed: int | None = None) -> None:
        """Start an episode; a stochastic policy's sampling is reseeded with ``seed``."""
        if self.deterministic or seed is None:
            return
        if isinstance(self.model, BaseAlgorithm):
            self.model.set_random_seed(seed)
        else:
            torch.manual_seed(seed)

    def act(self, observation: Any) -> Any:
        """``predict`` on the wrapped observation, the action mapped back to the env's."""
        for wrapper in self._observation_wrappers:
            observation = wrapper.observation(observation)
        action, _ = self.model.predict(observation, deterministic=self.deterministic)
        for wrapper in self._action_wrappers:
            action = wrapper.action(action)
        return action


def wrapped_env(
    env_id: str,
    wrappers: Sequence[tuple[str, Mapping[str, Any]]] = (),
    env_kwargs: Mapping[str, Any] | None = None,
) -> tuple[gym.Env, list[gym.Wrapper]]:
    """``env_id`` inside the named suite wrappers, and the wrapper layers innermost first."""
    env = wrap(gym.make(env_id, **dict(env_kwargs or {})), wrappers)
    layers = []
    layer = env
    for _ in wrappers:
        layers.append(layer)
        layer = layer.env
    return env, layers[::-1]


def agent_for(
    model: BaseAlgorithm | BasePolicy,
    env_id: str,
    wrappers: Sequence[tuple[str, Mapping[str, Any]]] = (),
    env_kwargs: Mapping[str, Any] | None = None,
    deterministic: bool = True,
) -> SB3Agent:
    """An :class:`SB3Agent` for ``model`` that replays ``wrappers`` around ``env_id``."""
    if not wrappers:
        return SB3Agent(model, deterministic=deterministic)
    # The wrappers are built around an env of their own (TopKBudget reads its budget); only
    # their observation and action maps are used, never their step.
    _, layers = wrapped_env(env_id, wrappers, env_kwargs)
    return SB3Agent(model, layers, deterministic=deterministic)


def load_agent(
    path: Path | str,
    algo: str,
    env_id: str,
    wrappers: Sequence[tuple[str, Mapping[str, Any]]] = (),
    policy_kwargs: Mapping[str, Any] | None = None,
    use_sde: bool = False,
    deterministic: bool = True,
    policy: str = "MlpPolicy",
) -> SB3Agent:
    """An agent playing ``env_id`` with the model at ``path`` (read by :func:`load_policy`)."""
    problems = [problem for name, args in wrappers for problem in wrapper_problems(name, args)]
    if problems:
        raise ModelError("; ".join(problems))
    env, _ = wrapped_env(env_id, wrappers)
    try:
        loaded = load_policy(
            path, algo, env.observation_space, env.action_space, policy_kwargs, use_sde, policy
        )
    finally:
        env.close()
    return agent_for(loaded, env_id, wrappers, deterministic=deterministic)


__all__ = [
    "ACTIVATIONS",
    "ALGORITHMS",
    "POLICY_KWARGS",
    "ModelError",
    "SB3Agent",
    "agent_for",
    "build_policy",
    "load_agent",
    "load_policy",
    "policy_kwargs_problems",
    "read_model_zip",
    "wrapped_env",
]
