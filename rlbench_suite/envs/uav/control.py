"""The DSL PID position-and-attitude controller of gym-pybullet-drones, batched over drones.

The envs use it to turn PID and VEL actions into motor speeds, and
:class:`rlbench_suite.agents.uav.PIDAgent` uses it as the family's expert. It is the cascade of
DSLPIDControl (UTIAS Dynamic Systems Lab, for the Crazyflie 2.x):

1. Position loop: a force set-point ``F = P e_p + I int(e_p) + D e_v + m g z`` (N); its projection
   on the current body z axis gives the collective thrust, its direction the desired body z axis.
   The integral is clipped to +-2 m s (+-0.15 m s along z).
2. Attitude loop: the rotation error ``vee(R_d^T R - R^T R_d)`` and the error of the Euler
   angle rates (finite differences of roll, pitch, yaw between calls, as DSL does) give PWM-unit
   torques, clipped to +-3200.
3. Mixer: PWM = thrust PWM + mixer @ torques, then ``rpm = 0.2685 PWM + 4070.3``, within the
   motor range (PWM 20000 to 65535, or a narrower RPM range the caller gives).

Two changes from DSL, both only where DSL's version misbehaves:

- Saturation keeps attitude first: DSL clips each motor's PWM on its own, so a saturated collective
  (full throttle on take-off) erases the torque differential and the drone flips. Here the
  differential is kept and the collective is clipped into the room left, as flight controllers'
  mixers do. Within the range the two agree exactly.
- The yaw difference of step 2 is wrapped to [-pi, pi] so a yaw crossing +-pi does not read as a
  2 pi spin.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from rlbench_suite.envs.uav.dynamics import CrazyflieParams, rotation_to_euler

# Rows: motors in the dynamics' order; columns: roll, pitch and yaw torque commands. The signs
# follow the motor layout of cf2x.urdf (motor 0 front right, counting clockwise from above).
MIXER_MATRIX = np.array(
    [
        [-0.5, -0.5, -1.0],
        [-0.5, 0.5, 1.0],
        [0.5, 0.5, -1.0],
        [0.5, -0.5, 1.0],
    ]
)  # (4, 3)

# The control rate DSL's attitude gains were tuned for: gym-pybullet-drones' physics rate.
DSL_DESIGN_RATE_HZ = 240.0


@dataclass(frozen=True)
class PIDGains:
    """DSLPIDControl's gains for the Crazyflie 2.x (position in N/m, attitude in PWM units)."""

    position_p: tuple[float, float, float] = (0.4, 0.4, 1.25)
    position_i: tuple[float, float, float] = (0.05, 0.05, 0.05)
    position_d: tuple[float, float, float] = (0.2, 0.2, 0.5)
    attitude_p: tuple[float, float, float] = (70000.0, 70000.0, 60000.0)
    attitude_i: tuple[float, float, float] = (0.0, 0.0, 500.0)
    attitude_d: tuple[float, float, float] = (20000.0, 20000.0, 12000.0)
    pwm_to_rpm_scale: float = 0.2685
    pwm_to_rpm_offset: float = 4070.3
    min_pwm: float = 20000.0
    max_pwm: float = 65535.0
    max_torque_command: float = 3200.0
    position_integral_limit: float = 2.0  # m s
    altitude_integral_limit: float = 0.15  # m s
    attitude_integral_limit: float = 1.0  # rad s, roll and pitch

    def for_control_rate(self, control_rate_hz: float) -> PIDGains:
        """These gains for a controller that runs at ``control_rate_hz`` instead of 240 Hz.

        DSL tuned the attitude loop for the 240 Hz physics loop. Held for a longer period, the
        same gains over-correct: at 30 Hz the D term reverses the roll rate with 6.5 times its
        size every step, and the drone flips. Scaling the attitude P and D gains by
        ``rate / 240`` keeps each step's correction the size DSL tuned; at 240 Hz and above the
        gains are unchanged. The position loop is slow enough to need no scaling.
        """
        if not control_rate_hz > 0:
            raise ValueError(f"control_rate_hz must be > 0, got {control_rate_hz}")
        scale = min(1.0, control_rate_hz / DSL_DESIGN_RATE_HZ)
        return replace(
            self,
            attitude_p=tuple(scale * gain for gain in self.attitude_p),  # type: ignore[arg-type]
            attitude_d=tuple(scale * gain for gain in self.attitude_d),  # type: ignore[arg-type]
        )


class DSLPIDController:
    """DSLPIDControl for ``num_drones`` drones at once; integrals and memory per drone."""

    def __init__(
        self, params: CrazyflieParams, num_drones: int = 1, gains: PIDGains | None = None
    ) -> None:
        if num_drones < 1:
            raise ValueError(f"DSLPIDController: num_drones must be >= 1, got {num_drones}")
        self.params = params
        self.num_drones = num_drones
        self.gains = gains or PIDGains()
        self._position_p = np.array(self.gains.position_p)
        self._position_i = np.array(self.gains.position_i)
        self._position_d = np.array(self.gains.position_d)
        self._attitude_p = np.array(self.gains.attitude_p)
        self._attitude_i = np.array(self.gains.attitude_i)
        self._attitude_d = np.array(self.gains.attitude_d)
        self.reset()

    def reset(self) -> None:
        """Zero the integrals and forget the last attitude (call at every episode start)."""
        self.position_error_integral = np.zeros((self.num_drones, 3))
        self.attitude_error_integral = np.zeros((self.num_drones, 3))
        self.last_roll_pitch_yaw = np.zeros((self.num_drones, 3))

    def compute_rpm(
        self,
        dt: float,
        position: np.ndarray,
        rotation: np.ndarray,
        velocity: np.ndarray,
        target_position: np.ndarray,
        target_velocity: np.ndarray | None = None,
        target_yaw: np.ndarray | None = None,
        rpm_range: tuple[float, float] | None = None,
    ) -> np.ndarray:
        """Motor speeds (N, 4) that steer drones at ``position`` (N, 3) toward the targets.

        ``rotation`` (N, 3, 3) is the body-to-world attitude, ``velocity`` (N, 3) world-frame;
        ``dt`` is the time since the previous call (the control period). ``rpm_range`` narrows
        the motor range (an action space that reaches only part of it); by default it is the
        PWM range of the gains.
        """
        gains = self.gains
        params = self.params
        num_drones = position.shape[0]
        if target_velocity is None:
            target_velocity = np.zeros((num_drones, 3))
        if target_yaw is None:
            target_yaw = np.zeros(num_drones)

        # -- position loop: force set-point -----------------------------------------------------
        position_error = target_position - position  # (N, 3)
        velocity_error = target_velocity - velocity  # (N, 3)
        integral = self.position_error_integral + position_error * dt
        integral = np.clip(integral, -gains.position_integral_limit, gains.position_integral_limit)
        integral[:, 2] = np.clip(
            integral[:, 2], -gains.altitude_integral_limit, gains.altitude_integral_limit
        )
        self.position_error_integral = integral
        target_force = (
            self._position_p * position_error
            + self._position_i * integral
            + self._position_d * velocity_error
        )
        target_force[:, 2] += params.weight
        body_z = rotation[:, :, 2]  # (N, 3)
        collective = np.maximum(0.0, np.sum(target_force * body_z, axis=1))  # (N,) N
        thrust_pwm = (
            np.sqrt(collective / (4.0 * params.kf)) - gains.pwm_to_rpm_offset
        ) / gains.pwm_to_rpm_scale  # (N,)

        # Desired attitude: body z along the force set-point, body x toward the target yaw.
        force_norm = np.linalg.norm(target_force, axis=1, keepdims=True)
        desired_z = target_force / np.where(force_norm > 0, force_norm, 1.0)
        heading = np.stack([np.cos(target_yaw), np.sin(target_yaw), np.zeros(num_drones)], axis=1)
        desired_y = np.cross(desired_z, heading)
        desired_y /= np.linalg.norm(desired_y, axis=1, keepdims=True)
        desired_x = np.cross(desired_y, desired_z)
        desired_rotation = np.stack([desired_x, desired_y, desired_z], axis=2)  # columns, (N, 3, 3)

        # -- attitude loop: PWM torques ---------------------------------------------------------
        error_matrix = np.einsum("nji,njk->nik", desired_rotation, rotation) - np.einsum(
            "nji,njk->nik", rotation, desired_rotation
        )  # R_d^T R - R^T R_d, (N, 3, 3)
        rotation_error = np.stack(
            [error_matrix[:, 2, 1], error_matrix[:, 0, 2], error_matrix[:, 1, 0]], axis=1
        )
        roll_pitch_yaw = rotation_to_euler(rotation)
        angle_step = roll_pitch_yaw - self.last_roll_pitch_yaw
        angle_step = (angle_step + np.pi) % (2.0 * np.pi) - np.pi
        rate_error = -angle_step / dt  # target Euler rates are zero
        self.last_roll_pitch_yaw = roll_pitch_yaw
        attitude_integral = self.attitude_error_integral - rotation_error * dt
        attitude_integral = np.clip(attitude_integral, -1500.0, 1500.0)
        attitude_integral[:, 0:2] = np.clip(
            attitude_integral[:, 0:2],
            -gains.attitude_integral_limit,
            gains.attitude_integral_limit,
        )
        self.attitude_error_integral = attitude_integral
        torque_command = (
            -self._attitude_p * rotation_error
            + self._attitude_d * rate_error
            + self._attitude_i * attitude_integral
        )
        torque_command = np.clip(
            torque_command, -gains.max_torque_command, gains.max_torque_command
        )
        # -- mixer with attitude-first saturation ------------------------------------------------
        if rpm_range is None:
            rpm_range = (
                gains.pwm_to_rpm_scale * gains.min_pwm + gains.pwm_to_rpm_offset,
                gains.pwm_to_rpm_scale * gains.max_pwm + gains.pwm_to_rpm_offset,
            )
        low, high = rpm_range
        collective_rpm = gains.pwm_to_rpm_scale * thrust_pwm + gains.pwm_to_rpm_offset  # (N,)
        differential_rpm = gains.pwm_to_rpm_scale * (torque_command @ MIXER_MATRIX.T)  # (N, 4)
        half_range = 0.5 * (high - low)
        differential_rpm = np.clip(differential_rpm, -half_range, half_range)
        collective_rpm = np.clip(
            collective_rpm,
            low - differential_rpm.min(axis=1),
            high - differential_rpm.max(axis=1),
        )
        return collective_rpm[:, None] + differential_rpm
