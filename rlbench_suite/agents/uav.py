"""The expert of the UAV family: gym-pybullet-drones' DSL PID controller as an agent.

:class:`PIDAgent` flies every single-agent quadrotor env of :mod:`rlbench_suite.envs.uav`
(QuadHover in all four action types, QuadTrajectory, QuadAttack, QuadL2F v0 and v1 and the
centralised MultiQuadHover twin). It reads, through the public attributes of ``env.unwrapped``:

- ``params``, ``num_drones``, ``action_type``, ``control_timestep``, ``rpm_range``,
  ``speed_limit``;
- ``control_target()``: where each drone should be (and how fast it should move) at the end of
  the next step;
- ``kinematics_from_observation(obs)``: position, attitude, velocity per drone, taken from the
  observation, so a spoofed sensor or observation noise misleads the PID exactly as it misleads
  a learned policy;
- ``action_from_rpm(rpm)``: the action that realises motor speeds.
"""

from __future__ import annotations

from typing import Any

import gymnasium as gym
import numpy as np

from rlbench_suite.envs.uav.base import ActionType
from rlbench_suite.envs.uav.control import DSLPIDController, PIDGains

# The VEL-action agent asks for a velocity proportional to the position error, capped by the
# env's speed limit: 1/s brings the drone in without overshoot at 0.25 m/s.
VELOCITY_GAIN = 1.0  # 1/s


class PIDAgent:
    """DSL PID position and attitude control, acting through whatever action type the env uses.

    - RPM / ONE_D_RPM: the PID's motor speeds, as the normalised action that realises them (the
      PID's motor range narrowed to what the action can reach, attitude first).
    - PID: the control target itself (the env's own PID flies to it).
    - VEL: a velocity toward the target, ``VELOCITY_GAIN`` times the position error plus the
      target's own velocity.

    The attitude gains are scaled to the env's control rate (:meth:`PIDGains.for_control_rate`):
    DSL tuned them for 240 Hz, and at 30 Hz the unscaled loop flips the drone.
    """

    def __init__(self, env: gym.Env, gains: PIDGains | None = None) -> None:
        model = env.unwrapped
        for needed in ("control_target", "kinematics_from_observation", "params", "action_type"):
            if not hasattr(model, needed):
                raise TypeError(f"{type(model).__name__} has no {needed}: not a quadrotor env")
        self.model: Any = model
        self.action_space = env.action_space
        rate = 1.0 / model.control_timestep
        self.controller = DSLPIDController(
            model.params, model.num_drones, (gains or PIDGains()).for_control_rate(rate)
        )

    def reset(self, seed: int | None = None) -> None:
        """Zero the PID's integrals; the policy is deterministic, so ``seed`` is unused."""
        self.controller.reset()

    def act(self, observation: np.ndarray) -> np.ndarray:
        """The action that tracks ``control_target()`` from the observed state."""
        model = self.model
        kinematics = model.kinematics_from_observation(observation)
        target_position, target_velocity = model.control_target()
        action_type = model.action_type
        if action_type == ActionType.PID:
            return self._fit(target_position)
        if action_type == ActionType.VEL:
            wanted = VELOCITY_GAIN * (target_position - kinematics["position"]) + target_velocity
            speed = np.linalg.norm(wanted, axis=1, keepdims=True)  # (N, 1)
            direction = wanted / np.where(speed > 0, speed, 1.0)
            fraction = np.minimum(1.0, speed / model.speed_limit)
            return self._fit(np.concatenate([direction, fraction], axis=1))
        rpm = self.controller.compute_rpm(
            model.control_timestep,
            kinematics["position"],
            kinematics["rotation"],
            kinematics["velocity"],
            target_position,
            target_velocity=target_velocity,
            rpm_range=model.rpm_range,
        )
        return model.action_from_rpm(rpm)

    def _fit(self, per_drone: np.ndarray) -> np.ndarray:
        low, high = self.action_space.low, self.action_space.high
        return np.clip(per_drone.reshape(-1), low, high).astype(np.float32)
