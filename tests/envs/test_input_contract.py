"""Registry-driven input contract: bad parameters and options raise, misuse of step warns.

Every id of the catalogue, with no per-env code: float parameters are found from the constructor
signature (and the fields of a parameter dataclass such as ``CrazyflieParams``), reset options
from ``reset_options``, and episodes are driven to their end by the random-feasible agent.
"""

from __future__ import annotations

import dataclasses
import functools
import inspect
import math
import typing
import warnings
from collections.abc import Callable
from typing import Any

import gymnasium as gym
import numpy as np
import pytest

import rlbench_suite
from rlbench_suite.agents import RandomAgent
from rlbench_suite.envs.validation import EnvContract, check_finite
from rlbench_suite.registry import env_card, missing_dependency

SINGLE_AGENT_IDS = rlbench_suite.list_envs(multi_agent=False)
MULTI_AGENT_IDS = rlbench_suite.list_envs(multi_agent=True)
NON_FINITE = (math.nan, math.inf)
# The random agent ends every episode of the suite within this many steps (MOEcoDrivingGrid,
# where random actions mostly brake, runs into its own 1,200-decision limit).
MAX_STEPS = 2_000
STEP_AFTER = r"step\(\) called after"


def _skip_if_missing(env_id: str) -> None:
    reason = _missing(env_id)
    if reason is not None:
        pytest.skip(reason)


@functools.cache
def _missing(env_id: str) -> str | None:
    return missing_dependency(env_id)


def _make(env_id: str, **kwargs: Any) -> Any:
    _skip_if_missing(env_id)
    return rlbench_suite.make(env_id, **kwargs)


def _unwrapped(env: Any) -> Any:
    return getattr(env, "unwrapped", env)


# -- discovering float parameters ----------------------------------------------------------------


def _annotations(function: Callable[..., Any]) -> dict[str, Any]:
    """Resolved type hints where they resolve (optional imports may not), else the raw strings."""
    try:
        return typing.get_type_hints(function)
    except NameError:
        return dict(getattr(function, "__annotations__", {}))


def _dataclass_in(hint: Any) -> type | None:
    """The dataclass named by a hint such as ``CrazyflieParams | dict[str, Any] | None``."""
    for candidate in (hint, *typing.get_args(hint)):
        if isinstance(candidate, type) and dataclasses.is_dataclass(candidate):
            return candidate
    return None


def _with_bad_number(default: Any, bad: float) -> Any:
    """``bad`` in place of a float default, or of the first entry of a tuple default."""
    return (bad, *default[1:]) if isinstance(default, tuple) else bad


def _float_cases(source: type) -> dict[str, tuple[Callable[[float], Any], tuple[str, ...]]]:
    """Keyword -> (bad value from a non-finite number, names the error must mention)."""
    hints = _annotations(source.__init__)
    cases: dict[str, tuple[Callable[[float], Any], tuple[str, ...]]] = {}
    for name, parameter in inspect.signature(source).parameters.items():
        hint, default = hints.get(name, parameter.annotation), parameter.default
        params_class = _dataclass_in(hint)
        if params_class is not None:
            # A parameter dataclass passed as a dict: each float field is a parameter too.
            for field in dataclasses.fields(params_class):
                if "float" in str(field.type):
                    cases[f"{name}.{field.name}"] = (
                        lambda bad, field=field: {field.name: _with_bad_number(field.default, bad)},
                        (name, field.name),
                    )
        elif "float" in str(hint) or isinstance(default, float):
            cases[name] = (
                lambda bad, default=default: _with_bad_number(default, bad),
                (name,),
            )
    return cases


def _parameter_sources(env: Any) -> list[type]:
    """The env's class, and where its ``**kwargs`` go: base classes and the envs it holds."""
    cls = type(env)
    sources = [cls]
    kinds = {parameter.kind for parameter in inspect.signature(cls).parameters.values()}
    if inspect.Parameter.VAR_KEYWORD in kinds:
        sources += [
            base
            for base in cls.__mro__[1:]
            if issubclass(base, EnvContract)
            and base is not EnvContract
            and "__init__" in vars(base)
        ]
        sources += [type(value) for value in vars(env).values() if isinstance(value, EnvContract)]
    return sources


@functools.cache
def _built(env_id: str) -> tuple[str, dict[str, tuple[Callable[[float], Any], tuple[str, ...]]]]:
    """The class name a user gets for ``env_id`` and its float-parameter cases."""
    env = _unwrapped(rlbench_suite.make(env_id))
    cases: dict[str, tuple[Callable[[float], Any], tuple[str, ...]]] = {}
    for source in reversed(_parameter_sources(env)):
        cases.update(_float_cases(source))
    env.close()
    return type(env).__name__, cases


# -- construction --------------------------------------------------------------------------------


@pytest.mark.parametrize("env_id", rlbench_suite.list_envs())
def test_every_float_parameter_refuses_nan_and_infinity(env_id: str) -> None:
    """Each float parameter (and parameter-dataclass field) set to NaN or inf raises ValueError."""
    _skip_if_missing(env_id)
    class_name, cases = _built(env_id)
    if not cases:
        pytest.skip(f"{env_id} has no float parameter")
    for keyword, (bad_value, names) in cases.items():
        argument = keyword.split(".")[0]
        for bad in NON_FINITE:
            with pytest.raises(ValueError) as caught:
                rlbench_suite.make(env_id, **{argument: bad_value(bad)})
            message = str(caught.value)
            for expected in (class_name, *names, "finite", repr(bad)):
                assert expected in message, f"{keyword}={bad}: {expected!r} not in {message!r}"


def test_float_parameters_are_found_in_signatures_dataclasses_and_forwarded_kwargs() -> None:
    """Discovery sees plain floats, ranges, CrazyflieParams fields and a ParallelEnv's kwargs."""
    for env_id, expected in (
        ("rlbench/RMAB-TwoState-v0", {"invalid_action_penalty", "transition_prior"}),
        ("rlbench/QuadAttack-v0", {"attack_start", "gps_bias", "params.mass", "params.gravity"}),
        ("rlbench/MultiQuadHover-v0", {"start_jitter", "collision_distance", "params.kf"}),
    ):
        found = set(_built(env_id)[1])
        assert expected <= found, f"{env_id}: {sorted(expected - found)} not found"


def test_check_finite_names_the_path_inside_containers() -> None:
    """Non-finite numbers inside tuples, dicts, arrays and dataclasses are found and located."""

    @dataclasses.dataclass(frozen=True)
    class Gains:
        proportional: float = 1.0
        limits: tuple[float, float] = (0.0, math.inf)

    check_finite("Owner", ok=(1, 2.5), text="nan", nothing=None, flag=True, gains={"a": [1.0]})
    for value, where in (
        ((1.0, math.nan), "rates[1]"),
        ({"mass": math.inf}, "rates['mass']"),
        (Gains(), "rates.limits[1]"),
        (np.array([[0.5, np.nan]]), "rates must hold only finite numbers"),
    ):
        with pytest.raises(ValueError, match=r"^Owner: ") as caught:
            check_finite("Owner", rates=value)
        assert where in str(caught.value)


@pytest.mark.parametrize(
    ("family", "keyword", "value", "fragment"),
    [
        ("bandits", "invalid_action_penalty", -1.0, "invalid_action_penalty must be a number >= 0"),
        ("uav", "episode_seconds", 1e-4, "must last at least one control step"),
    ],
)
def test_finite_but_meaningless_parameters_are_refused(
    family: str, keyword: str, value: float, fragment: str
) -> None:
    """A negative bandit penalty and a UAV episode shorter than one step raise ValueError."""
    ids = [
        env_id
        for env_id in rlbench_suite.list_envs(family=family, multi_agent=False)
        if keyword in inspect.signature(type(_unwrapped(gym.make(env_id)))).parameters
    ]
    assert ids, f"no {family} env takes {keyword}"
    for env_id in ids:
        with pytest.raises(ValueError, match=fragment):
            gym.make(env_id, **{keyword: value})


# -- reset options -------------------------------------------------------------------------------


@pytest.mark.parametrize("env_id", SINGLE_AGENT_IDS)
def test_unknown_reset_option_is_refused_naming_it_and_the_accepted_keys(env_id: str) -> None:
    """reset(options={"no_such_option": 1}) raises ValueError naming the env, key, accepted keys."""
    env = _make(env_id)
    env.reset(seed=0, options=None)
    env.reset(seed=0, options={})
    with pytest.raises(ValueError) as caught:
        env.reset(seed=0, options={"no_such_option": 1})
    message = str(caught.value)
    accepted = env.unwrapped.reset_options
    expected = [repr(key) for key in accepted] if accepted else ["takes no options"]
    for fragment in (env_id, "'no_such_option'", *expected):
        assert fragment in message, f"{fragment!r} not in {message!r}"
    env.close()


# -- step after the end and after close ----------------------------------------------------------


def _play_to_the_end(env: gym.Env, seed: int = 0) -> Any:
    """Reset with ``seed`` and step the random-feasible agent until the episode ends."""
    agent = RandomAgent(env)
    agent.reset(seed)
    observation, _ = env.reset(seed=seed)
    for _ in range(MAX_STEPS):
        observation, _, terminated, truncated, _ = env.step(agent.act(observation))
        if terminated or truncated:
            return agent.act(observation)
    raise AssertionError(f"{env.spec.id}: the episode did not end in {MAX_STEPS} steps")


@pytest.mark.parametrize("env_id", SINGLE_AGENT_IDS)
def test_step_after_the_episode_ended_warns_once_and_reset_clears_it(env_id: str) -> None:
    """The first step after terminated/truncated warns naming the env; a reset makes steps quiet."""
    env = _make(env_id)
    action = _play_to_the_end(env)
    with pytest.warns(UserWarning, match=rf"{env_id}: {STEP_AFTER} the episode ended"):
        env.step(action)
    with warnings.catch_warnings():
        warnings.filterwarnings("error", message=f".*{STEP_AFTER}")
        env.step(action)  # reported once is enough, as Gymnasium's CartPole does
        observation, _ = env.reset(seed=1)
        agent = RandomAgent(env)
        agent.reset(1)
        env.step(agent.act(observation))
    env.close()


@pytest.mark.parametrize("env_id", SINGLE_AGENT_IDS)
def test_step_after_close_warns(env_id: str) -> None:
    """A step after close() warns naming the env, even after an end-of-episode warning."""
    env = _make(env_id)
    action = _play_to_the_end(env)
    with pytest.warns(UserWarning, match=STEP_AFTER):
        env.step(action)
    env.close()
    with pytest.warns(UserWarning, match=rf"{env_id}: {STEP_AFTER} close\(\)"):
        env.step(action)


@pytest.mark.parametrize("env_id", MULTI_AGENT_IDS)
def test_parallel_env_warns_after_the_end_and_after_close(env_id: str) -> None:
    """A ParallelEnv stepped with no agent left, or after close(), warns once, under its name."""
    env = _make(env_id)
    name = type(env).__name__
    env.reset(seed=0)
    for agent in env.possible_agents:
        env.action_space(agent).seed(0)
    for _ in range(MAX_STEPS):
        env.step({agent: env.action_space(agent).sample() for agent in env.agents})
        if not env.agents:
            break
    with pytest.warns(UserWarning, match=rf"{name}: {STEP_AFTER} the episode ended") as caught:
        assert env.step({}) == ({}, {}, {}, {}, {}), "with no agent left, nothing is stepped"
    assert len(caught) == 1, [str(warning.message) for warning in caught]
    env.reset(seed=0)
    env.close()
    with pytest.warns(UserWarning, match=rf"{name}: {STEP_AFTER} close\(\)") as caught:
        env.step({agent: env.action_space(agent).sample() for agent in env.agents})
    assert len(caught) == 1, "the twin inside must not warn a second time"


@pytest.mark.parametrize("autoreset_mode", ["NextStep", "SameStep"])
@pytest.mark.parametrize(
    ("env_id", "kwargs"),
    [
        ("rlbench/RMAB-TwoState-v0", {"horizon": 3}),
        ("rlbench/CartPole-v1", {}),
        ("rlbench/QuadHover-v0", {"episode_seconds": 0.2}),
        ("rlbench/Wordle-v0", {"max_guesses": 2}),
    ],
)
def test_autoresetting_vector_envs_never_warn(
    env_id: str, kwargs: dict[str, Any], autoreset_mode: str
) -> None:
    """Gymnasium's SyncVectorEnv over the Python envs runs through many episode ends quietly."""
    envs = gym.make_vec(
        env_id,
        num_envs=2,
        vectorization_mode="sync",
        vector_kwargs={"autoreset_mode": gym.vector.AutoresetMode(autoreset_mode)},
        **kwargs,
    )
    envs.action_space.seed(0)
    envs.reset(seed=0)
    ended = 0
    with warnings.catch_warnings():
        warnings.filterwarnings("error", message=f".*{STEP_AFTER}")
        for _ in range(40):
            _, _, terminated, truncated, _ = envs.step(envs.action_space.sample())
            ended += int(np.sum(terminated | truncated))
    envs.close()
    assert ended >= 2, "the run must cross episode ends for the check to mean anything"


def test_native_kernel_twin_never_warns() -> None:
    """The Python twin of a C kernel (a SyncVectorEnv of reference envs) autoresets quietly."""
    from rlbench_suite.vector.twins import make_twin_vector_env

    twin = make_twin_vector_env("rlbench/RMAB-TwoState-v0", num_envs=3, seed=0, horizon=2)
    twin.reset()
    twin.action_space.seed(0)
    with warnings.catch_warnings():
        warnings.filterwarnings("error", message=f".*{STEP_AFTER}")
        for _ in range(10):
            twin.step(twin.action_space.sample())
    twin.close()


def test_the_contract_is_inherited_by_every_env_class() -> None:
    """Every registered entry point builds an EnvContract, so no env can skip the checks."""
    for env_id in rlbench_suite.list_envs():
        if _missing(env_id) is not None:
            continue
        built = _unwrapped(rlbench_suite.make(env_id))
        assert isinstance(built, EnvContract), f"{env_card(env_id).entry_point} lacks EnvContract"
        built.close()
