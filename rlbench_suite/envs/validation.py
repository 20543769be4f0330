"""Input checks shared by every env: one place that turns bad input into a clear error or warning.

Each error names the env, what was expected and what came, so a user who passes a float vector to
a ``MultiBinary`` env, a NaN penalty, or a reset option the env does not know learns what to
change. Three pieces:

- :func:`validate_action`: an action against the env's action space;
- :func:`check_finite`: NaN and infinity in parameters (numbers, sequences, arrays, mappings and
  dataclasses such as :class:`~rlbench_suite.envs.uav.dynamics.CrazyflieParams`);
- :class:`EnvContract`, the mixin every env class of the suite inherits: it runs
  :func:`check_finite` over the constructor's arguments, refuses unknown ``reset`` options, and
  warns, as Gymnasium does, when ``step`` is called after the episode ended or after ``close()``.
"""

from __future__ import annotations

import dataclasses
import functools
import inspect
import math
import numbers
from collections.abc import Mapping
from typing import Any, ClassVar, TypeVar

import gymnasium as gym
import numpy as np
from gymnasium import spaces


class InvalidActionError(ValueError):
    """An action that is not in the env's action space, or breaks the env's constraints."""


def env_name(env: Any) -> str:
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


# -- parameters ---------------------------------------------------------------------------------


def check_finite(owner: str, **values: Any) -> None:
    """Raise ``ValueError`` if any value holds NaN or infinity, naming ``owner`` and where.

    Numbers are checked, and so are the numbers inside sequences, arrays, mappings and dataclass
    instances (the path is named: ``params['mass']``, ``attack_start[1]``, ``params.gravity``).
    Anything else (None, strings, booleans, callables) is not a number and passes. Range checks
    stay with each parameter's owner; this only refuses values no range check can order, since
    every comparison with NaN is false and infinity passes every lower bound.

    Example:
        >>> check_finite("MazeEnv", penalty=-1.0, start=(1, 2))
        >>> check_finite("MazeEnv", penalty=float("nan"))
        Traceback (most recent call last):
        ...
        ValueError: MazeEnv: penalty must be a finite number, got nan

    """
    for name, value in values.items():
        found = _first_non_finite(name, value)
        if found is not None:
            where, bad = found
            if isinstance(bad, np.ndarray):
                count = int(np.size(bad) - np.count_nonzero(np.isfinite(bad)))
                got = f"{count} non-finite entries in {_preview(bad)}"
                raise ValueError(f"{owner}: {where} must hold only finite numbers, got {got}")
            raise ValueError(f"{owner}: {where} must be a finite number, got {bad!r}")


def check_finite_fields(instance: Any) -> None:
    """:func:`check_finite` over every field of a dataclass instance, named after its class."""
    check_finite(
        type(instance).__name__,
        **{field.name: getattr(instance, field.name) for field in dataclasses.fields(instance)},
    )


def _first_non_finite(name: str, value: Any) -> tuple[str, Any] | None:
    """``(path, value)`` of the first NaN or infinity inside ``value``, or None."""
    if value is None or isinstance(value, str | bytes | bool):
        return None
    if isinstance(value, numbers.Real):
        return None if math.isfinite(value) else (name, value)
    if isinstance(value, np.ndarray):
        if value.dtype.kind in "fc":
            return None if np.all(np.isfinite(value)) else (name, value)
        if value.dtype.kind != "O":
            return None
        value = value.tolist()
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        fields = dataclasses.fields(value)
        items: Any = ((f"{name}.{field.name}", getattr(value, field.name)) for field in fields)
    elif isinstance(value, Mapping):
        items = ((f"{name}[{key!r}]", item) for key, item in value.items())
    elif isinstance(value, list | tuple):
        items = ((f"{name}[{index}]", item) for index, item in enumerate(value))
    else:
        return None
    for path, item in items:
        found = _first_non_finite(path, item)
        if found is not None:
            return found
    return None


@functools.cache
def _init_signature(cls: type) -> inspect.Signature:
    return inspect.signature(cls.__init__)


def constructor_arguments(
    cls: type, args: tuple[Any, ...], kwargs: dict[str, Any]
) -> dict[str, Any]:
    """The arguments of ``cls(*args, **kwargs)`` by parameter name; ``**kwargs`` are flattened.

    Empty when the call does not fit ``cls.__init__``: its own ``TypeError`` says why, better.
    """
    signature = _init_signature(cls)
    try:
        bound = signature.bind_partial(None, *args, **kwargs)  # None stands for self
    except TypeError:
        return {}
    arguments: dict[str, Any] = {}
    for name, value in list(bound.arguments.items())[1:]:  # self first
        kind = signature.parameters[name].kind
        if kind is inspect.Parameter.VAR_KEYWORD:
            arguments.update(value)
        elif kind is inspect.Parameter.VAR_POSITIONAL:
            arguments.update({f"{name}[{index}]": item for index, item in enumerate(value)})
        else:
            arguments[name] = value
    return arguments


# -- the contract every env class inherits ------------------------------------------------------

_EnvT = TypeVar("_EnvT", bound="EnvContract")


class EnvContract:
    """Mixin of every env class of the suite (before ``gym.Env`` or ``ParallelEnv`` in the bases).

    - Construction: every argument the caller passes goes through :func:`check_finite` before
      ``__init__`` runs (in ``__new__``, which Python hands the constructor's arguments), so a NaN
      or infinite parameter raises ``ValueError`` naming the class that was built and the
      parameter, in every env and every subclass, with no check to forget.
    - ``reset(options=...)``: keys outside :attr:`reset_options` raise ``ValueError`` naming the
      env, the unknown keys and the accepted ones; ``None`` and ``{}`` always pass. A base whose
      ``reset`` passes ``options`` on to ``super().reset`` gets this from here.
    - ``step`` after the episode ended (terminated or truncated, no reset since) or after
      ``close()``: a ``gymnasium.logger.warn`` warning on the first such step (a close warns
      anew), as Gymnasium's CartPole warns after termination; never an error, since Gymnasium
      leaves such steps undefined rather than forbidden. A base calls
      :meth:`_warn_if_stepped_out_of_episode` first in ``step`` and :meth:`_record_step_end`
      with the flags it returns. Vector envs (Gymnasium's autoreset, SB3) reset a finished
      sub-env instead of stepping it, so they never see the warning.
    """

    #: The keys ``reset(options=...)`` accepts; envs that take options list them.
    reset_options: ClassVar[tuple[str, ...]] = ()
    #: False where another object guards the calls (a ParallelEnv stepping its centralised twin),
    #: so a misuse is reported once, by the object the user holds.
    warns_on_misuse: bool = True
    # Class-level defaults, so the flags exist before the first reset and in unpickled copies.
    _episode_over: bool = False
    _closed: bool = False
    _misuse_reported: bool = False

    def __new__(cls: type[_EnvT], *args: Any, **kwargs: Any) -> _EnvT:
        """Refuse non-finite constructor arguments (see the class docstring), then build."""
        check_finite(cls.__name__, **constructor_arguments(cls, args, kwargs))
        # The next class in the MRO is gym.Env or ParallelEnv, whose __new__ is object's: it
        # takes no constructor arguments.
        return super().__new__(cls)  # type: ignore[misc]

    def reset(self, *, seed: int | None = None, options: dict[str, Any] | None = None) -> Any:
        """Check ``options`` against :attr:`reset_options`, start a new episode, reset the base."""
        self._check_reset_options(options)
        self._start_episode()
        return super().reset(seed=seed, options=options)  # type: ignore[misc]

    def close(self) -> None:
        """Remember the close (a later ``step`` warns), then close the base."""
        self._closed = True
        # A close is a new reason to warn, even if a step after the episode's end already did.
        self._misuse_reported = False
        super().close()  # type: ignore[misc]

    def _check_reset_options(self, options: Mapping[str, Any] | None) -> None:
        """Raise ``ValueError`` naming the env, the unknown keys and the accepted ones."""
        if not options:
            return
        unknown = sorted(set(options) - set(self.reset_options), key=str)
        if unknown:
            accepted = (
                f"reset accepts only {', '.join(map(repr, self.reset_options))}"
                if self.reset_options
                else "reset takes no options (pass None or {})"
            )
            raise ValueError(f"{env_name(self)}: reset got unknown options {unknown}; {accepted}")

    def _start_episode(self) -> None:
        """Clear the episode-end and close flags (called by every reset)."""
        self._episode_over = self._closed = self._misuse_reported = False

    def _warn_if_stepped_out_of_episode(self) -> None:
        """Warn when ``step`` follows the episode's end or ``close()`` with no reset between."""
        if not self.warns_on_misuse or self._misuse_reported:
            return
        if self._closed:
            problem = "after close()"
        elif self._episode_over:
            problem = "after the episode ended (terminated or truncated)"
        else:
            return
        self._misuse_reported = True
        # stacklevel 3 points the warning at whoever called step(), not at this helper.
        gym.logger.warn(
            f"{env_name(self)}: step() called {problem} without a reset(); call reset() before "
            "stepping again: what a step returns now is undefined.",
            stacklevel=3,
        )

    def _record_step_end(self, terminated: bool, truncated: bool) -> None:
        """Note that the episode ended, if this step ended it; it stays ended until reset."""
        self._episode_over = self._episode_over or bool(terminated or truncated)
