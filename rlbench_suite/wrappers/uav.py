"""Collective thrust: one command per drone on the default four-motor quadrotor envs.

gym-pybullet-drones trains its hover example with ``ONE_D_RPM`` actions: one number per drone,
the same speed on all four motors. The UAV envs offer that as ``action_type="one_d_rpm"``, but
that makes a different env instance, and the leaderboard scores only the default one. These
two wrappers give a learner the same interface around the default ``rpm`` env, as an agent-side
choice (like :class:`~rlbench_suite.wrappers.TopKBudget` on the bandits):

- :class:`CollectiveThrustAction` takes ``Box(-1, 1, (num_drones,))`` and sends each drone's
  value to its four motors;
- :class:`CollectiveThrustObservation` shows the action buffer with one entry per drone and
  step instead of four, which is what a ``one_d_rpm`` env shows.

Together they reproduce ``action_type="one_d_rpm"`` bit for bit: the motors get the same
speeds and the learner sees the same observations, so a model trained either way scores the
same, and a model trained through the wrappers replays on the default env.
"""

from __future__ import annotations

from typing import Any

import gymnasium as gym
import numpy as np
from gymnasium import spaces

from rlbench_suite.envs.validation import validate_action

MOTORS = 4


def _rpm_quadrotor(env: gym.Env, wrapper: str) -> Any:
    """The quadrotor env under ``env``, checked to take four per-motor commands."""
    from rlbench_suite.envs.uav.base import ActionType, QuadrotorEnv

    quadrotor = env.unwrapped
    if not isinstance(quadrotor, QuadrotorEnv):
        raise TypeError(f"{wrapper} wraps the rlbench UAV envs, got {type(quadrotor).__name__}")
    if quadrotor.action_type is not ActionType.RPM:
        raise ValueError(
            f"{wrapper} wraps a UAV env with action_type='rpm' (four motor commands per "
            f"drone), got action_type={quadrotor.action_type.value!r}"
        )
    return quadrotor


class CollectiveThrustAction(gym.ActionWrapper, gym.utils.RecordConstructorArgs):
    """One command in [-1, 1] per drone, sent to all four of its motors.

    Example:
        >>> import gymnasium as gym, rlbench_suite
        >>> from rlbench_suite.wrappers import CollectiveThrustAction
        >>> env = CollectiveThrustAction(gym.make("rlbench/QuadHover-v0"))
        >>> env.action_space.shape, env.action([0.5]).tolist()
        ((1,), [0.5, 0.5, 0.5, 0.5])

    """

    def __init__(self, env: gym.Env) -> None:
        gym.utils.RecordConstructorArgs.__init__(self)
        gym.ActionWrapper.__init__(self, env)
        self.num_drones = _rpm_quadrotor(env, type(self).__name__).num_drones
        self.action_space = spaces.Box(-1.0, 1.0, shape=(self.num_drones,), dtype=np.float32)

    def action(self, action: Any) -> np.ndarray:
        """Each drone's collective command repeated for its four motors."""
        collective = validate_action(self, action).astype(np.float32)
        return np.repeat(collective, MOTORS)


class CollectiveThrustObservation(gym.ObservationWrapper, gym.utils.RecordConstructorArgs):
    """The observation with an action buffer of one entry per drone and step, not four.

    Only the buffer changes: each drone's block keeps its kinematics and task features, and
    each buffered four-motor command becomes its first motor's value, which under
    :class:`CollectiveThrustAction` equals the other three.
    """

    def __init__(self, env: gym.Env) -> None:
        gym.utils.RecordConstructorArgs.__init__(self)
        gym.ObservationWrapper.__init__(self, env)
        quadrotor = _rpm_quadrotor(env, type(self).__name__)
        self.num_drones = quadrotor.num_drones
        self.buffer_length = quadrotor.action_buffer_length
        self.state_size = quadrotor.drone_observation_size - self.buffer_length * MOTORS
        #: Where each kept entry sits in the wrapped observation (computed once; used every step).
        self.kept = self._kept_indices()
        base = env.observation_space
        self.observation_space = spaces.Box(
            base.low[self.kept], base.high[self.kept], dtype=base.dtype
        )

    def _kept_indices(self) -> np.ndarray:
        block = self.state_size + self.buffer_length * MOTORS
        per_drone = np.concatenate(
            [
                np.arange(self.state_size),
                self.state_size + MOTORS * np.arange(self.buffer_length),
            ]
        )
        return np.concatenate([drone * block + per_drone for drone in range(self.num_drones)])

    def observation(self, observation: np.ndarray) -> np.ndarray:
        """Kinematics and task features as they are, the buffer one value per step."""
        return np.asarray(observation)[self.kept]
