"""The experts of the UAV family: gym-pybullet-drones' DSL PID, and two model-based controllers.

:class:`PIDAgent` (``"pid"``) flies every single-agent quadrotor env of
:mod:`rlbench_suite.envs.uav` (QuadHover in all four action types, QuadTrajectory, QuadAttack,
QuadL2F v0 and v1 and the centralised MultiQuadHover twin). It reads, through the public
attributes of ``env.unwrapped``:

- ``params``, ``num_drones``, ``action_type``, ``control_timestep``, ``rpm_range``,
  ``speed_limit``;
- ``control_target()``: where each drone should be (and how fast it should move) at the end of
  the next step;
- ``kinematics_from_observation(obs)``: position, attitude, velocity per drone, taken from the
  observation, so a spoofed sensor or observation noise misleads the PID exactly as it misleads
  a learned policy;
- ``action_from_rpm(rpm)``: the action that realises motor speeds.

Two experts read the same and no more, for the envs where the PID is weak:

- :class:`AttackAwareAgent` (``"pid_robust"``, QuadAttack-v0's expert): an estimator that finds
  spoofed GPS and injected gyro drift in the observation alone and removes them
  (:class:`AttackAwareEstimator`), before :class:`AllocatingController`, whose disturbance
  observer and weighted motor allocation counter a lost motor or a gust within the motor range.
- :class:`GeometricAgent` (``"geometric"``, QuadL2F-v1's expert): :class:`AllocatingController`
  on the observed state, inverting Learning to Fly's 0.15 s motor lag and cancelling its
  per-episode force and torque.

Measured on the references' seeds 0..49 (``rlbench references``): QuadAttack-v0, pid_robust
391.7 +- 40.6 against the PID's 303.0 +- 43.3 and constant hover thrust's 278.9 +- 39.5;
QuadL2F-v1, geometric 867.1 +- 80.1 (90 % of episodes settle) against the PID's 70.7 +- 11.2
(none settle) and TD3's 139-215 (baselines/results/td3_quad_l2f_v1).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import gymnasium as gym
import numpy as np
from scipy.optimize import lsq_linear

from rlbench_suite.envs.uav.base import ActionType
from rlbench_suite.envs.uav.control import DSLPIDController, PIDGains
from rlbench_suite.envs.uav.dynamics import MOTOR_YAW_SIGNS, CrazyflieParams, euler_to_rotation

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


# -- the attack-aware expert ----------------------------------------------------------------------

# QuadAttack's drone has no sensor noise, so a step's prediction from the clean velocity misses
# the GPS reading by well under a millimetre; a spoofing bias (up to 1 m per axis) jumps far past.
POSITION_GATE = 0.02  # m
# Mismatch between the gyro and the attitude's rate of change that counts as an injected drift;
# clean flight stays below 0.005 rad/s.
DRIFT_GATE = 0.03  # rad/s
# Weight of each new mismatch in its running average (per control step).
DRIFT_FILTER_WEIGHT = 0.3


class AttackAwareEstimator:
    """Position and attitude of a QuadAttack drone with spoofed GPS and injected gyro removed.

    Uses only the observation and the sensor model the env documents:

    - GPS spoofing adds a constant bias to the measured position from its onset to its end, while
      the velocity stays clean. Each step the position is predicted by dead reckoning (the
      trapezoid of the last two velocities); an innovation beyond ``POSITION_GATE`` is a jump of
      the bias, which is added to the estimated bias (onset) or removes it (end). The position
      used is the measurement minus the estimated bias: dead reckoning during an attack, and the
      GPS itself otherwise.
    - Gyro injection adds a bias ``b`` to the body rates, and the attitude estimate integrates it
      through a leaky filter of time constant ``T`` (``attitude_filter_time_constant``), so the
      reported angles drift by ``d`` with ``d' = b - d / T``. The gyro then exceeds the reported
      angles' rate of change by ``d / T``: that mismatch, averaged and gated by ``DRIFT_GATE``,
      gives ``d``, which is taken off the reported roll, pitch and yaw.

    The env publishes no alarm (``info["attack_schedule"]`` is the ground truth, which no agent
    reads): every attack is found from the observation alone.
    """

    def __init__(self, control_timestep: float, attitude_filter_time_constant: float) -> None:
        self.control_timestep = control_timestep
        self.attitude_filter_time_constant = attitude_filter_time_constant
        self.reset()

    def reset(self) -> None:
        """Forget the last reading and every estimated bias (call at every episode start)."""
        self.position_bias = np.zeros(3)  # m
        self.attitude_drift = np.zeros(3)  # rad
        self._mismatch = np.zeros(3)  # rad/s, running average
        self._last: tuple[np.ndarray, ...] | None = None

    @property
    def spoofing_detected(self) -> bool:
        """Whether the GPS is believed to carry a bias now."""
        return bool(np.any(self.position_bias != 0.0))

    @property
    def gyro_attack_detected(self) -> bool:
        """Whether the attitude is believed to carry an injected drift now."""
        return bool(np.any(self.attitude_drift != 0.0))

    def update(
        self,
        position: np.ndarray,
        roll_pitch_yaw: np.ndarray,
        velocity: np.ndarray,
        body_rates: np.ndarray,
    ) -> tuple[np.ndarray, np.ndarray]:
        """The estimated true position (3,) and roll, pitch, yaw (3,) from one reading (3,) each."""
        dt = self.control_timestep
        if self._last is not None:
            last_estimate, last_angles, last_velocity, last_rates = self._last
            predicted = last_estimate + 0.5 * (last_velocity + velocity) * dt
            innovation = position - self.position_bias - predicted
            if np.linalg.norm(innovation) > POSITION_GATE:
                self.position_bias = self.position_bias + innovation
            angle_step = (roll_pitch_yaw - last_angles + np.pi) % (2.0 * np.pi) - np.pi
            mismatch = 0.5 * (body_rates + last_rates) - angle_step / dt
            self._mismatch += DRIFT_FILTER_WEIGHT * (mismatch - self._mismatch)
            self.attitude_drift = np.where(
                np.abs(self._mismatch) > DRIFT_GATE,
                self.attitude_filter_time_constant * self._mismatch,
                0.0,
            )
        estimate = position - self.position_bias
        self._last = (estimate, roll_pitch_yaw.copy(), velocity.copy(), body_rates.copy())
        return estimate, roll_pitch_yaw - self.attitude_drift


@dataclass(frozen=True)
class AllocationGains:
    """Gains of :class:`AllocatingController` (position in N/m as DSL's, attitude in 1/s^2)."""

    position_p: tuple[float, float, float] = (0.4, 0.4, 1.25)  # N/m, DSL's
    position_i: tuple[float, float, float] = (0.05, 0.05, 0.05)  # N/(m s), DSL's
    position_d: tuple[float, float, float] = (0.2, 0.2, 0.5)  # N s/m, DSL's
    position_integral_limit: float = 2.0  # m s
    attitude_frequency: float = 12.0  # rad/s, natural frequency of the attitude loop
    attitude_damping: float = 0.9
    max_tilt: float = 0.3  # rad, the steepest attitude the position loop asks for
    #: Weight of each new disturbance measurement in the observer's running estimate (per step).
    disturbance_filter: float = 0.3
    #: Priorities of the allocation (per unit of a hover motor's thrust or torque) when the motors
    #: cannot give everything: roll, pitch and yaw before thrust. Losing roll or pitch ends the
    #: flight; an unbalanced yaw spins the drone up within a second, and at 30 Hz no attitude loop
    #: holds a drone spinning several radians a step, while lost thrust only sinks it slowly.
    allocation_weights: tuple[float, float, float, float] = (1.0, 10.0, 10.0, 10.0)


class AllocatingController:
    """Geometric position and attitude control with a disturbance observer and motor allocation.

    1. Position loop (DSL's gains): a force set-point ``F = P e_p + I int(e_p) + D e_v + m g z``,
       minus the observed external force, tilted at most ``max_tilt``.
    2. Attitude loop: the rotation error ``e_R = vee(R_d^T R - R^T R_d) / 2`` toward the body z
       axis along ``F`` gives an angular acceleration ``-w_n^2 e_R - 2 zeta w_n w``, a torque
       ``J alpha + w x J w``, minus the observed external torque.
    3. Allocation: the motor speeds whose thrust and torques come nearest, by weighted least
       squares within the motor range (the part of it the motor lag lets the next step reach),
       to (thrust, torques). When the motors cannot give all four, roll and pitch win.
    4. Disturbance observer: the accelerations measured over the last step (from the velocity and
       the body rates) minus those the commanded motors explain, averaged over steps. A lost
       motor or a gust shows there as an external torque and force, which 1 and 2 then cancel
       as far as the motor range allows.

    ``body_rates`` is either read from the gyro or, where the gyro cannot be trusted, taken from
    the change of the attitude over the last step (``rates_from_attitude=True``) and carried
    forward by the predicted angular acceleration.
    """

    def __init__(
        self,
        params: CrazyflieParams,
        control_timestep: float,
        rpm_range: tuple[float, float],
        gains: AllocationGains | None = None,
        rates_from_attitude: bool = False,
    ) -> None:
        self.params = params
        self.gains = gains or AllocationGains()
        self.control_timestep = control_timestep
        self.rpm_range = (float(rpm_range[0]), float(rpm_range[1]))
        self.rates_from_attitude = rates_from_attitude
        motor_x, motor_y = params.motor_positions[:, 0], params.motor_positions[:, 1]
        # Thrust and body torques (4,) of squared motor speeds (4,): as the dynamics compute them.
        self.allocation_matrix = np.stack(
            [
                np.full(4, params.kf),
                params.kf * motor_y,
                -params.kf * motor_x,
                params.km * MOTOR_YAW_SIGNS,
            ]
        )  # (4, 4)
        hover_thrust = params.weight / 4.0
        scale = np.array(
            [
                hover_thrust,
                hover_thrust * params.motor_offset,
                hover_thrust * params.motor_offset,
                hover_thrust * params.km / params.kf,
            ]
        )
        self._row_weights = np.array(self.gains.allocation_weights) / scale  # (4,)
        tau = params.motor_time_constant
        self._lag_step = 1.0 - math.exp(-control_timestep / tau) if tau > 0 else 1.0
        self.reset()

    def reset(self, rpm: np.ndarray | None = None) -> None:
        """Zero the integral and the observer; ``rpm`` (4,) the motor speeds now (default hover)."""
        self.position_integral = np.zeros(3)
        self.external_force = np.zeros(3)  # world frame, N
        self.external_torque = np.zeros(3)  # body frame, N m
        self.rpm = np.full(4, self.params.hover_rpm) if rpm is None else np.array(rpm, float)
        self._last_rotation: np.ndarray | None = None
        self._last_velocity: np.ndarray | None = None
        self._last_rates: np.ndarray | None = None
        self._last_wrench = self.allocation_matrix @ self.rpm**2  # thrust, torques of last step
        self._previous_wrench = self._last_wrench.copy()

    def _rotation_rates(self, rotation: np.ndarray) -> np.ndarray | None:
        """Mean body rates (3,) over the last step, from the change of attitude."""
        if self._last_rotation is None:
            return None
        relative = self._last_rotation.T @ rotation
        skew = 0.5 * (relative - relative.T)
        sine = np.array([skew[2, 1], skew[0, 2], skew[1, 0]])
        cosine = np.clip(0.5 * (np.trace(relative) - 1.0), -1.0, 1.0)
        angle = math.atan2(np.linalg.norm(sine), cosine)
        norm = np.linalg.norm(sine)
        rotation_vector = sine * (angle / norm) if norm > 1e-12 else sine
        return rotation_vector / self.control_timestep

    def compute_rpm(
        self,
        position: np.ndarray,
        rotation: np.ndarray,
        velocity: np.ndarray,
        body_rates: np.ndarray | None,
        target_position: np.ndarray,
        target_velocity: np.ndarray,
        target_yaw: float = 0.0,
    ) -> np.ndarray:
        """Motor speed commands (4,) for one drone: position (3,), rotation (3, 3) and so on."""
        gains, params, dt = self.gains, self.params, self.control_timestep
        inertia = params.inertia
        gravity_force = np.array([0.0, 0.0, params.weight])

        # -- rates and the disturbance observer ------------------------------------------------
        mean_rates = self._rotation_rates(rotation)
        if self.rates_from_attitude or body_rates is None:
            predicted = (self._last_wrench[1:] + self.external_torque) / inertia
            rates = np.zeros(3) if mean_rates is None else mean_rates + 0.5 * dt * predicted
        else:
            rates = np.asarray(body_rates, dtype=float)
        weight = gains.disturbance_filter
        if self._last_velocity is not None:
            body_z = 0.5 * (self._last_rotation[:, 2] + rotation[:, 2])
            measured_force = params.mass * (velocity - self._last_velocity) / dt + gravity_force
            residual = measured_force - body_z * self._last_wrench[0]
            self.external_force += weight * (residual - self.external_force)
        if self._last_rates is not None:
            if self.rates_from_attitude or body_rates is None:
                # Mean rates of two consecutive steps: their difference spans both steps' torques.
                applied = 0.5 * (self._last_wrench[1:] + self._previous_wrench[1:])
                angular_acceleration = (mean_rates - self._last_rates) / dt
            else:
                applied = self._last_wrench[1:]
                angular_acceleration = (rates - self._last_rates) / dt
            measured_torque = inertia * angular_acceleration + np.cross(rates, inertia * rates)
            self.external_torque += weight * (measured_torque - applied - self.external_torque)
        self._last_rates = mean_rates if self.rates_from_attitude or body_rates is None else rates
        self._last_rotation = rotation.copy()
        self._last_velocity = np.array(velocity, dtype=float)

        # -- position loop ------------------------------------------------------------------------
        position_error = target_position - position
        self.position_integral = np.clip(
            self.position_integral + position_error * dt,
            -gains.position_integral_limit,
            gains.position_integral_limit,
        )
        force = (
            np.array(gains.position_p) * position_error
            + np.array(gains.position_i) * self.position_integral
            + np.array(gains.position_d) * (target_velocity - velocity)
            + gravity_force
            - self.external_force
        )
        force[2] = max(force[2], 0.1 * params.weight)
        horizontal = np.linalg.norm(force[:2])
        if horizontal > math.tan(gains.max_tilt) * force[2]:
            force[:2] *= math.tan(gains.max_tilt) * force[2] / horizontal
        desired_z = force / np.linalg.norm(force)
        heading = np.array([math.cos(target_yaw), math.sin(target_yaw), 0.0])
        desired_y = np.cross(desired_z, heading)
        desired_y /= np.linalg.norm(desired_y)
        desired_rotation = np.stack([np.cross(desired_y, desired_z), desired_y, desired_z], axis=1)

        # -- attitude loop ------------------------------------------------------------------------
        error_matrix = desired_rotation.T @ rotation - rotation.T @ desired_rotation
        rotation_error = 0.5 * np.array(
            [error_matrix[2, 1], error_matrix[0, 2], error_matrix[1, 0]]
        )
        frequency = gains.attitude_frequency
        angular_acceleration = (
            -(frequency**2) * rotation_error - 2.0 * gains.attitude_damping * frequency * rates
        )
        torque = (
            inertia * angular_acceleration + np.cross(rates, inertia * rates) - self.external_torque
        )
        thrust = max(0.0, float(force @ rotation[:, 2]))

        # -- allocation within what the motors reach by the end of the step ---------------------
        low, high = self.rpm_range
        reach_low = self.rpm + self._lag_step * (low - self.rpm)
        reach_high = self.rpm + self._lag_step * (high - self.rpm)
        weighted = self._row_weights[:, None] * self.allocation_matrix
        wanted = self._row_weights * np.concatenate([[thrust], torque])
        solution = lsq_linear(
            weighted, wanted, bounds=(reach_low**2, reach_high**2), method="bvls"
        ).x
        reached = np.sqrt(np.clip(solution, reach_low**2, reach_high**2))
        command = np.clip(self.rpm + (reached - self.rpm) / self._lag_step, low, high)
        self.rpm = self.rpm + self._lag_step * (command - self.rpm)
        self._previous_wrench = self._last_wrench
        self._last_wrench = self.allocation_matrix @ self.rpm**2
        return command


# Learning to Fly's tumbling starts need steeper corrections than a hover: the position loop may
# tilt to 0.6 rad, and a less damped attitude loop turns a drone upright sooner.
L2F_GAINS = AllocationGains(max_tilt=0.6, attitude_damping=0.7)


class GeometricAgent:
    """:class:`AllocatingController` flying one drone with RPM actions toward ``control_target()``.

    The expert of QuadL2F-v1: Learning to Fly's Crazyflie has a 0.15 s motor lag, which the
    controller inverts within what the next step can reach, and a constant random force and
    torque per episode, which its disturbance observer cancels. It reads the observation
    (``kinematics_from_observation``; its newest action, the last 4 entries, gives the motor
    speeds at the start), the env's ``params``, ``control_timestep`` and ``rpm_range``, and
    ``control_target()``. On QuadL2F envs it uses :data:`L2F_GAINS` unless given gains.
    """

    def __init__(self, env: gym.Env, gains: AllocationGains | None = None) -> None:
        model = env.unwrapped
        for needed in ("control_target", "kinematics_from_observation", "params", "action_type"):
            if not hasattr(model, needed):
                raise TypeError(f"{type(model).__name__} has no {needed}: not a quadrotor env")
        if model.action_type != ActionType.RPM or model.num_drones != 1:
            raise ValueError(
                f"{type(self).__name__} flies one drone with RPM actions; "
                f"{type(model).__name__} has {model.num_drones} drone(s) and "
                f"{model.action_type.value!r} actions"
            )
        if gains is None and hasattr(model, "hover_start_probability"):
            gains = L2F_GAINS
        self.model: Any = model
        self.controller = AllocatingController(
            model.params,
            model.control_timestep,
            model.rpm_range,
            gains,
            rates_from_attitude=not self.trusts_gyro,
        )
        self._started = False

    #: Whether the observed body rates are the drone's (False where a gyro may be attacked).
    trusts_gyro = True

    def reset(self, seed: int | None = None) -> None:
        """Start a new episode; the policy is deterministic, so ``seed`` is unused."""
        self._started = False

    def _estimate(self, kinematics: dict[str, np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
        """Position (3,) and rotation (3, 3) to fly on: the observed ones."""
        return kinematics["position"][0], kinematics["rotation"][0]

    def act(self, observation: np.ndarray) -> np.ndarray:
        """The RPM action toward ``control_target()``."""
        model = self.model
        kinematics = model.kinematics_from_observation(observation)
        if not self._started:
            # The newest action of the history is the motors' speed at the start.
            low, high = model.rpm_range
            newest = np.asarray(observation[-4:], dtype=float)
            self.controller.reset(low + 0.5 * (newest + 1.0) * (high - low))
            self._started = True
        position, rotation = self._estimate(kinematics)
        target_position, target_velocity = model.control_target()
        rpm = self.controller.compute_rpm(
            position,
            rotation,
            kinematics["velocity"][0],
            kinematics["body_rates"][0] if self.trusts_gyro else None,
            target_position[0],
            target_velocity[0],
        )
        return model.action_from_rpm(rpm[None, :])


class AttackAwareAgent(GeometricAgent):
    """The expert of QuadAttack: :class:`AttackAwareEstimator` before :class:`AllocatingController`.

    Flies the RPM action type of a single-drone env with the KIN observation (QuadHover,
    QuadTrajectory, QuadAttack). Beyond what :class:`GeometricAgent` reads, it knows the attitude
    filter time constant QuadAttack documents for its sensors
    (:data:`rlbench_suite.envs.uav.attack.ATTITUDE_FILTER_TIME_CONSTANT`). It never trusts the
    gyro for the rates: they come from the change of the corrected attitude.
    """

    trusts_gyro = False

    def __init__(self, env: gym.Env, gains: AllocationGains | None = None) -> None:
        from rlbench_suite.envs.uav.attack import ATTITUDE_FILTER_TIME_CONSTANT

        super().__init__(env, gains)
        self.estimator = AttackAwareEstimator(
            self.model.control_timestep, ATTITUDE_FILTER_TIME_CONSTANT
        )

    def reset(self, seed: int | None = None) -> None:
        """Forget the estimates and the observer; the policy is deterministic (``seed`` unused)."""
        super().reset(seed)
        self.estimator.reset()

    def _estimate(self, kinematics: dict[str, np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
        position, roll_pitch_yaw = self.estimator.update(
            kinematics["position"][0],
            kinematics["roll_pitch_yaw"][0],
            kinematics["velocity"][0],
            kinematics["body_rates"][0],
        )
        return position, euler_to_rotation(roll_pitch_yaw[None, :])[0]
