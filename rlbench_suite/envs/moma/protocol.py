"""The family's two protocols: MOMAland's for multi-agent envs, MO-Gymnasium's for single-agent.

Multi-agent envs subclass :class:`MOParallelEnv`, a PettingZoo ``ParallelEnv`` whose ``step``
returns ``rewards`` as ``dict[agent, np.ndarray]``, each a float32 vector of shape
``(reward_dim,)`` inside ``reward_space(agent)``. It matches ``momaland.utils.env.MOParallelEnv``
without importing MOMAland at runtime: MOMAland's ``mo_parallel_to_aec`` reads the
``reward_spaces`` dict, so the base derives that dict from ``reward_space(agent)`` (or an env
sets ``reward_spaces`` and inherits ``reward_space``).

Single-agent envs mix in :class:`MOEnvMixin` (MO-Gymnasium's protocol): ``self.reward_space``
(a float32 Box of shape ``(reward_dim,)``) and ``self.reward_dim`` are set in ``__init__`` by
:meth:`MOEnvMixin._set_reward_space`, and ``step`` returns the reward vector, so MO-Gymnasium's
``LinearReward`` and ``MORecordEpisodeStatistics`` work on the env as they do on its own.

All objectives are maximised; a cost is returned negated (``-CO2``, ``-risk``).

Example:
    >>> import numpy as np
    >>> from rlbench_suite.envs.moma.protocol import reward_box, as_reward_vector
    >>> space = reward_box(low=[-1.0, -10.0], high=[1.0, 0.0])
    >>> space
    Box([ -1. -10.], [1. 0.], (2,), float32)
    >>> as_reward_vector([0.5, -3.0], space, owner="MyEnv")
    array([ 0.5, -3. ], dtype=float32)
    >>> as_reward_vector([0.5], space, owner="MyEnv")
    Traceback (most recent call last):
    ...
    ValueError: MyEnv: a reward vector must have shape (2,), got shape (1,)

"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
from gymnasium import spaces
from pettingzoo import ParallelEnv

from rlbench_suite.envs.validation import env_name


def reward_box(low: float | Sequence[float], high: float | Sequence[float]) -> spaces.Box:
    """A float32 reward space of shape ``(reward_dim,)`` from per-objective bounds.

    ``low`` and ``high`` are sequences of one bound per objective (``-inf`` / ``inf`` where an
    objective is not capped); a scalar is broadcast against the other's length. Raises
    ``ValueError`` for mismatched lengths, fewer than one objective, NaN, or ``low > high``.
    """
    lower = np.asarray(low, dtype=np.float64)
    upper = np.asarray(high, dtype=np.float64)
    if lower.ndim > 1 or upper.ndim > 1:
        raise ValueError(
            f"reward bounds must be scalars or 1-D, got shapes {lower.shape} and {upper.shape}"
        )
    if lower.ndim == 0 and upper.ndim == 0:
        raise ValueError("reward bounds need one entry per objective; got two scalars")
    if lower.ndim == 0:
        lower = np.full_like(upper, lower)
    if upper.ndim == 0:
        upper = np.full_like(lower, upper)
    if lower.shape != upper.shape:
        raise ValueError(
            f"low and high must have one entry per objective each, got {lower.size} and "
            f"{upper.size}"
        )
    if np.any(np.isnan(lower)) or np.any(np.isnan(upper)):
        raise ValueError(f"reward bounds must not be NaN, got low={lower}, high={upper}")
    if np.any(lower > upper):
        raise ValueError(f"reward bounds need low <= high, got low={lower}, high={upper}")
    return spaces.Box(low=lower.astype(np.float32), high=upper.astype(np.float32), dtype=np.float32)


def as_reward_vector(values: Any, reward_space: spaces.Box, owner: str) -> np.ndarray:
    """``values`` as a fresh float32 array of the space's shape; wrong shape or NaN raises.

    A fresh array every call, so a reward handed out never changes under its holder when the
    env computes the next one in place. Bounds are not checked here (that is what the
    conformance suite proves for every reward of every env); ``owner`` names the env in errors.
    """
    vector = np.array(values, dtype=np.float32)
    if vector.shape != reward_space.shape:
        raise ValueError(
            f"{owner}: a reward vector must have shape {reward_space.shape}, got shape "
            f"{vector.shape}"
        )
    if np.any(np.isnan(vector)):
        raise ValueError(f"{owner}: a reward vector must not hold NaN, got {vector}")
    return vector


def is_multi_objective(env: Any) -> bool:
    """Whether a Gymnasium env (or a wrapper of one) is multi-objective: a Box ``reward_space``."""
    return isinstance(getattr(env.unwrapped, "reward_space", None), spaces.Box)


def is_multi_objective_parallel(env: Any) -> bool:
    """Whether a ``ParallelEnv`` (or a wrapper of one) has ``reward_space(agent)``."""
    return callable(getattr(env, "reward_space", None))


class MOParallelEnv(ParallelEnv):
    """MOMAland's ``MOParallelEnv`` protocol on PettingZoo (no MOMAland import at runtime).

    ``step()`` returns rewards as ``dict[agent, np.ndarray]`` of shape ``(reward_dim,)``,
    float32, each inside ``reward_space(agent)``. A subclass either overrides
    :meth:`reward_space` or assigns :attr:`reward_spaces` in ``__init__``; either way both are
    available, as MOMAland's wrappers read the dict and its tests call the method. The space of
    an agent is the same object on every call, as PettingZoo asks of ``observation_space``.

    An env's own ``step`` should not call ``self.reward_space(agent)``: MOMAland 0.2's
    ``CentraliseAgent`` replaces that attribute of the unwrapped env with a Box. Keep the
    spaces in an attribute of your own and read that.
    """

    #: Length of every agent's reward vector (a class or an instance attribute).
    reward_dim: int

    def reward_space(self, agent: str) -> spaces.Box:
        """The Box every reward of ``agent`` lies in: shape ``(reward_dim,)``, float32."""
        assigned = self.__dict__.get("_reward_spaces")
        if assigned is None:
            raise NotImplementedError(
                f"{type(self).__name__}: a MOParallelEnv overrides reward_space(agent) or "
                "assigns self.reward_spaces = {agent: Box} in __init__"
            )
        if agent not in assigned:
            raise KeyError(
                f"{type(self).__name__}: no reward space for agent {agent!r}; agents are "
                f"{list(assigned)}"
            )
        return assigned[agent]

    @property
    def reward_spaces(self) -> dict[str, spaces.Box]:
        """``{agent: reward_space(agent)}`` over ``possible_agents`` (MOMAland's attribute)."""
        assigned = self.__dict__.get("_reward_spaces")
        if assigned is not None:
            return dict(assigned)
        return {agent: self.reward_space(agent) for agent in self.possible_agents}

    @reward_spaces.setter
    def reward_spaces(self, value: Mapping[str, spaces.Box]) -> None:
        self.__dict__["_reward_spaces"] = dict(value)


class MOEnvMixin:
    """A single-agent multi-objective env in MO-Gymnasium's protocol (mix in before gym.Env).

    ``__init__`` calls :meth:`_set_reward_space` with one bound per objective, which sets
    ``self.reward_space`` (Box ``(reward_dim,)``, float32) and ``self.reward_dim``; ``step``
    returns ``self._reward_vector(values)``, a fresh float32 array of that shape.
    """

    reward_space: spaces.Box
    reward_dim: int

    def _set_reward_space(
        self, low: float | Sequence[float], high: float | Sequence[float]
    ) -> None:
        """Set ``reward_space`` and ``reward_dim`` from per-objective bounds (see reward_box)."""
        self.reward_space = reward_box(low, high)
        self.reward_dim = int(self.reward_space.shape[0])

    def _reward_vector(self, values: Any) -> np.ndarray:
        """``values`` as this env's reward: a fresh float32 array of shape ``(reward_dim,)``."""
        return as_reward_vector(values, self.reward_space, owner=env_name(self))
