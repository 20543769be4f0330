"""The suite's own wrappers by name, with the arguments each accepts checked before it is built.

Training configs and leaderboard submissions name wrappers (rl-zoo3's ``env_wrapper`` list). A
name is looked up here and nowhere else: no dotted import path, no callable from outside the
suite, so a submission that names ``pydoc.pipepager`` or ``os.system`` is refused rather than
called. Arguments are plain JSON values checked against each wrapper's own rules (type, range,
length) before the wrapper sees them.

    >>> wrapper_problems("TopKBudget", {"budget": 3})
    []
    >>> wrapper_problems("pydoc.pipepager", {})[0][:48]
    "unknown wrapper 'pydoc.pipepager'; the suite's w"
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import gymnasium as gym

from rlbench_suite.wrappers.budget import TopKBudget
from rlbench_suite.wrappers.language import DiscreteTextActions, TextToVector
from rlbench_suite.wrappers.multi_objective import (
    REWARD_AGGREGATIONS,
    CentraliseAgents,
    LinearizeRewards,
    LinearScalarisation,
    VectorEpisodeStatistics,
)
from rlbench_suite.wrappers.trading import (
    QuoteDepthGrid,
    RewardScaling,
    RollingObservationNormalization,
    SimplexWeights,
)
from rlbench_suite.wrappers.uav import CollectiveThrustAction, CollectiveThrustObservation

#: A check takes the argument's value and returns what is wrong with it, or None.
ArgumentCheck = Callable[[Any], "str | None"]

# Bounds on list arguments, so a submission cannot make a wrapper allocate without limit.
MAX_UTTERANCES = 512
MAX_UTTERANCE_CHARS = 200
MAX_VOCABULARY = 65_536
MAX_FEATURES = 65_536
MAX_QUOTE_DEPTHS = 64  # QuoteDepthGrid's action count is the square of this
MAX_OBJECTIVES = 64


def _integer(low: int, high: int, optional: bool = False) -> ArgumentCheck:
    def check(value: Any) -> str | None:
        if value is None and optional:
            return None
        if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
            return f"expected an integer in [{low}, {high}], got {value!r}"
        return None

    return check


def _choice(*choices: str) -> ArgumentCheck:
    def check(value: Any) -> str | None:
        return None if value in choices else f"expected one of {list(choices)}, got {value!r}"

    return check


def _number(low: float, high: float, low_inclusive: bool = True) -> ArgumentCheck:
    def check(value: Any) -> str | None:
        inside = isinstance(value, (int, float)) and not isinstance(value, bool)
        inside = inside and (low <= value if low_inclusive else low < value) and value <= high
        if not inside:
            interval = f"{'[' if low_inclusive else '('}{low}, {high}]"
            return f"expected a number in {interval}, got {value!r}"
        return None

    return check


def _numbers(max_items: int, low: float, high: float) -> ArgumentCheck:
    def check(value: Any) -> str | None:
        if not isinstance(value, list) or not 1 <= len(value) <= max_items:
            return f"expected a list of 1 to {max_items} numbers, got {type(value).__name__}"
        item_check = _number(low, high)
        for index, item in enumerate(value):
            problem = item_check(item)
            if problem is not None:
                return f"item {index}: {problem}"
        return None

    return check


def _optional(check: ArgumentCheck) -> ArgumentCheck:
    return lambda value: None if value is None else check(value)


def _boolean(value: Any) -> str | None:
    return None if isinstance(value, bool) else f"expected true or false, got {value!r}"


def _strings(max_items: int, max_chars: int) -> ArgumentCheck:
    def check(value: Any) -> str | None:
        if value is None:
            return None
        if not isinstance(value, list) or not 1 <= len(value) <= max_items:
            kind = type(value).__name__
            return f"expected null or a list of 1 to {max_items} strings, got {kind}"
        for index, item in enumerate(value):
            if not isinstance(item, str) or len(item) > max_chars:
                return f"item {index}: expected a string of at most {max_chars} characters"
        return None

    return check


@dataclass(frozen=True)
class WrapperSpec:
    """A wrapper the suite ships: its class and a check per keyword argument it accepts."""

    wrapper: Callable[..., gym.Wrapper]
    arguments: Mapping[str, ArgumentCheck] = field(default_factory=dict)


SUITE_WRAPPERS: dict[str, WrapperSpec] = {
    "TopKBudget": WrapperSpec(TopKBudget, {"budget": _integer(1, 1_000_000, optional=True)}),
    "CollectiveThrustAction": WrapperSpec(CollectiveThrustAction),
    "CollectiveThrustObservation": WrapperSpec(CollectiveThrustObservation),
    "DiscreteTextActions": WrapperSpec(
        DiscreteTextActions, {"actions": _strings(MAX_UTTERANCES, MAX_UTTERANCE_CHARS)}
    ),
    "TextToVector": WrapperSpec(
        TextToVector,
        {
            "size": _integer(1, MAX_FEATURES),
            "method": _choice("hashing", "bag_of_words"),
            "vocabulary": _strings(MAX_VOCABULARY, MAX_UTTERANCE_CHARS),
            "recent_turns": _integer(0, 100),
            "vocabulary_resets": _integer(1, 1024),
        },
    ),
    "SimplexWeights": WrapperSpec(
        SimplexWeights,
        {"mapping": _choice("softmax", "projection"), "logit_scale": _number(0, 100, False)},
    ),
    # Depths beyond the env's max_depth are refused by the wrapper itself, which knows the env.
    "QuoteDepthGrid": WrapperSpec(QuoteDepthGrid, {"depths": _numbers(MAX_QUOTE_DEPTHS, 0, 1e6)}),
    "RollingObservationNormalization": WrapperSpec(
        RollingObservationNormalization,
        {
            "window": _integer(2, 100_000),
            "clip": _number(0, 1e6, False),
            "reset_each_episode": _boolean,
            "epsilon": _number(0, 1, False),
        },
    ),
    "RewardScaling": WrapperSpec(RewardScaling, {"scale": _number(0, 1e6, False)}),
    # Weights of maximised objectives are non-negative; their count against the env's
    # reward_dim, and "not all zero", are checked by the wrappers, which know the env.
    "LinearScalarisation": WrapperSpec(
        LinearScalarisation, {"weights": _optional(_numbers(MAX_OBJECTIVES, 0, 1e6))}
    ),
    "LinearizeRewards": WrapperSpec(
        LinearizeRewards, {"weights": _numbers(MAX_OBJECTIVES, 0, 1e6)}
    ),
    "CentraliseAgents": WrapperSpec(CentraliseAgents, {"reward": _choice(*REWARD_AGGREGATIONS)}),
    "VectorEpisodeStatistics": WrapperSpec(VectorEpisodeStatistics),
}


def wrapper_problems(name: Any, arguments: Any) -> list[str]:
    """What is wrong with wrapping an env in ``name(**arguments)``; empty if nothing."""
    if not isinstance(name, str) or name not in SUITE_WRAPPERS:
        return [f"unknown wrapper {name!r}; the suite's wrappers are {', '.join(SUITE_WRAPPERS)}"]
    if not isinstance(arguments, Mapping):
        return [f"arguments of {name} must be a mapping, got {type(arguments).__name__}"]
    spec = SUITE_WRAPPERS[name]
    problems = []
    for key, value in arguments.items():
        check = spec.arguments.get(key)
        if check is None:
            accepted = ", ".join(spec.arguments) or "none"
            problems.append(f"{name} takes no argument {key!r} (it takes: {accepted})")
            continue
        problem = check(value)
        if problem is not None:
            problems.append(f"{name} argument {key!r}: {problem}")
    return problems


def wrap(env: gym.Env, wrappers: Sequence[tuple[str, Mapping[str, Any]]]) -> gym.Env:
    """``env`` inside the named suite wrappers, innermost first; bad names or arguments raise.

    Raises:
        ValueError: listing every problem with the names and arguments, before any is built.

    """
    problems = [
        problem for name, arguments in wrappers for problem in wrapper_problems(name, arguments)
    ]
    if problems:
        raise ValueError("; ".join(problems))
    for name, arguments in wrappers:
        env = SUITE_WRAPPERS[name].wrapper(env, **arguments)
    return env


__all__ = ["SUITE_WRAPPERS", "WrapperSpec", "wrap", "wrapper_problems"]
