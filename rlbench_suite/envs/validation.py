"""Action checks shared by every env: one place that turns bad input into a clear error.

Each error names the env, the expected space and what came, so a user who passes a float vector
to a ``MultiBinary`` env, a NaN, or an array of the wrong shape learns what to change.
"""

from __future__ import annotations

from typing import Any

import gymnasium as gym
import numpy as np
from gymnasium import spaces


class InvalidActionError(ValueError):
    """An action that is not in the env's action space, or breaks the env's constraints."""


def env_name(env: gym.Env) -> str:
    """The registered id of ``env`` when it was built with ``gym.make``, else its class name."""
    spec = getattr(env, "spec", None)
    return spec.id if spec is not None else type(env).__name__


def validate_action(env: gym.Env, action: Any) -> np.ndarray:
    """Check ``action`` against ``env.action_space`` and return it as an array of the space's dtype.

    Raises ``TypeError`` for non-numeric input and :class:`InvalidActionError` (a ``ValueError``)
    for a wrong shape, NaN or infinity, or a value outside the space.
    """
    space = env.action_space
    name = env_name(env)

    def fail(error_type: type[Exception], problem: str) -> Exception:
        return error_type(f"{name}: expected an action in {space}, got {problem}")

    try:
        array = np.asarray(action)
    except (ValueError, TypeError) as error:
        raise fail(TypeError, f"{type(action).__name__} that is not array-like ({error})") from None
    if array.dtype.kind not in "biuf":
        raise fail(TypeError, f"an array of dtype {array.dtype} (a numeric array is needed)")
    expected_shape = () if isinstance(space, spaces.Discrete) else space.shape
    if array.shape != expected_shape:
        raise fail(InvalidActionError, f"shape {array.shape} (expected shape {expected_shape})")
    if array.dtype.kind == "f" and not np.all(np.isfinite(array)):
        raise fail(InvalidActionError, f"non-finite values {_preview(array)}")
    if isinstance(space, spaces.Box):
        if np.any(array < space.low) or np.any(array > space.high):
            raise fail(InvalidActionError, f"values out of bounds {_preview(array)}")
        return array.astype(space.dtype, copy=False)
    # Discrete, MultiBinary and MultiDiscrete take integers; a float array holding integral values
    # (what many learners emit) is accepted, anything fractional is not.
    if array.dtype.kind == "f" and not np.all(array == np.round(array)):
        raise fail(InvalidActionError, f"non-integral values {_preview(array)}")
    as_int = array.astype(np.int64)
    if isinstance(space, spaces.Discrete):
        lower, upper = space.start, space.start + space.n - 1
    elif isinstance(space, spaces.MultiBinary):
        lower, upper = 0, 1
    elif isinstance(space, spaces.MultiDiscrete):
        lower, upper = space.start, space.start + space.nvec - 1
    else:
        raise TypeError(f"{name}: validate_action does not support {type(space).__name__} spaces")
    if np.any(as_int < lower) or np.any(as_int > upper):
        raise fail(InvalidActionError, f"values out of bounds {_preview(array)}")
    return as_int.astype(space.dtype, copy=False)


def _preview(array: np.ndarray, limit: int = 12) -> str:
    flat = array.ravel()
    shown = np.array2string(flat[:limit], precision=4, separator=", ")
    return shown if flat.size <= limit else f"{shown[:-1]}, ...] ({flat.size} values)"
