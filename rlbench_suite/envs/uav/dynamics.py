"""Rigid-body quadrotor dynamics with the Crazyflie 2.x parameters, batched over drones.

This is the Python reference of the quadrotor kernel: every drone's state lives in plain NumPy
arrays with the drone on the first axis, and one physics step runs the same equations, in the same
order, that the C kernel of the fast path runs. No Python object per drone, no per-drone loop.

Frames and conventions
----------------------
- World frame: x forward, y left, z up; gravity is ``-g`` along z.
- Body frame: motors in an X layout, numbered as gym-pybullet-drones' ``cf2x.urdf``:
  motor 0 at (+d, -d) (front right), 1 at (-d, -d) (back right), 2 at (-d, +d) (back left),
  3 at (+d, +d) (front left), with ``d = arm_length / sqrt(2)``.
- Attitude: unit quaternion ``(w, x, y, z)``, scalar first, body to world. Roll, pitch and yaw are
  the Z-Y-X Euler angles (``R = Rz(yaw) Ry(pitch) Rx(roll)``), PyBullet's convention.
- Angular velocity: body frame (what a gyroscope measures), rad/s. Motor speeds: RPM.

Forces and torques of one substep, in this order
-----------------------------------------------
1. Motor lag (optional): ``rpm += (1 - exp(-dt / tau)) (rpm_command - rpm)``, the exact
   discretisation of a first-order lag, applied before the body moves; with ``tau = 0`` the motors
   follow the command at once. With ``motor_lag_in_integrator`` (RK4 only) the motor speeds are
   instead part of the integrated state, ``d rpm / dt = (rpm_command - rpm) / tau``, so every RK4
   stage sees its own motor speeds, as Learning to Fly's simulator integrates them.
2. Per-motor thrust ``f_i = kf e_i w_i^2`` along body z, where ``e_i`` is the motor's
   effectiveness (1 unless a motor is damaged); yaw reaction torque
   ``km (-e_0 w_0^2 + e_1 w_1^2 - e_2 w_2^2 + e_3 w_3^2)``.
3. Ground effect (Shi et al. 2019, as gym-pybullet-drones): each motor gains
   ``f_i C_gnd (r / (4 h_i))^2`` where ``h_i`` is the propeller's height above the floor, floored at
   ``ground_effect_clip_height``; applied only while the body z axis points up.
4. Body torques from the per-motor forces at the motor positions: ``tau_x = sum y_i f_i``,
   ``tau_y = -sum x_i f_i``.
5. Drag (Forster 2015): ``F_body = -C_drag * sum(2 pi w_i / 60) * (R^T v)``, element-wise with
   ``C_drag = (c_xy, c_xy, c_z)``, rotated back to the world frame. gym-pybullet-drones applies the
   coefficients to the world-frame velocity; the two agree for a level drone.
6. Downwash (DSL's model): a drone with another drone ``dz > 0`` above it, horizontally ``dxy``
   away, is pushed down by ``alpha exp(-0.5 (dxy / beta)^2)`` with ``alpha = C1 (r / (4 dz))^2``
   and ``beta = C2 dz + C3``; pairs more than 10 m apart horizontally are ignored.
7. Gravity and any external world-frame force (wind); any external body-frame torque.
8. ``a = F / m``; ``dw/dt = J^-1 (tau - w x J w)``; ``dq/dt = q (0, w) / 2``.

Integrators
-----------
- ``"euler"`` (default, the 240 Hz hover tasks): semi-implicit Euler, as gym-pybullet-drones'
  explicit dynamics: velocities first, then positions with the new velocity, and the attitude by the
  exact quaternion exponential of the new body rate over ``dt``.
- ``"rk4"`` (Learning to Fly): classical fourth-order Runge-Kutta over position, quaternion,
  velocity and body rate, with the motor speeds held over the step (or, with
  ``motor_lag_in_integrator``, integrated with them); the quaternion is renormalised after the
  step.

Two implementations, one set of equations
-----------------------------------------
:class:`QuadrotorDynamics` steps a handful of drones (at most :data:`SCALAR_MAX_DRONES`, every env
of the family) on plain Python floats, one drone at a time, and larger batches with NumPy over the
drone axis. NumPy costs microseconds per call whatever the array size, so on arrays of three or
four numbers the float path is several times faster. The float path's single drone runs the C
kernel's operations in its order (``csrc/quad_hover.h``: plain sums left to right, libm's
``sin``, ``cos``, ``sqrt`` through :mod:`math`; Python floats are IEEE doubles and never fuse a
multiply-add), so QuadHover in Python and in C agree bit for bit. NumPy's batch may round a few
dot products differently (BLAS), an ulp or so per substep.

After either integrator the floor (``ground=True``) stops the body: a drone whose centre falls
below ``rest_height`` is put back on the floor and its downward, horizontal and angular velocities
are zeroed. There is no bounce and no tipping; the hover tasks end an episode on tilt long before
contact details would matter.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Literal

import numpy as np

from rlbench_suite.envs.validation import check_finite_fields

Integrator = Literal["euler", "rk4"]
INTEGRATORS: tuple[Integrator, ...] = ("euler", "rk4")

# Reaction-torque sign of each motor about body z: motors 0 and 2 spin counter-clockwise seen from
# above (the body feels a clockwise torque), motors 1 and 3 clockwise.
MOTOR_YAW_SIGNS = np.array([-1.0, 1.0, -1.0, 1.0])  # (4,)

# Up to this many drones a step runs on Python floats, drone by drone; beyond it, NumPy's batch
# wins (its cost per call is flat in the number of drones).
SCALAR_MAX_DRONES = 8
_RPM_TO_RAD_PER_S = 2.0 * math.pi / 60.0

# Horizontal range beyond which downwash is ignored, as gym-pybullet-drones does.
DOWNWASH_MAX_HORIZONTAL_DISTANCE = 10.0  # m
# beta = C2 dz + C3 crosses zero at dz = -C3 / C2 (~0.69 m); the Gaussian's squared width is
# floored so the force stays finite there.
DOWNWASH_MIN_SQUARED_WIDTH = 1e-6  # m^2


class HoverPoint:
    """Weight and hover speed of any parameter set with ``mass``, ``gravity`` and ``kf`` fields.

    Shared by :class:`CrazyflieParams` and Learning to Fly's parameters, so the hover speed is
    written once.
    """

    mass: float  # kg
    gravity: float  # m / s^2
    kf: float  # N / rpm^2

    @property
    def weight(self) -> float:
        """Gravity force on the drone, N."""
        return self.mass * self.gravity

    @property
    def hover_rpm(self) -> float:
        """Motor speed at which four motors carry the weight: sqrt(m g / (4 kf)), RPM."""
        return math.sqrt(self.weight / (4.0 * self.kf))


@dataclass(frozen=True)
class CrazyflieParams(HoverPoint):
    """Physical parameters of one quadrotor; defaults are gym-pybullet-drones' ``cf2x.urdf``.

    Derived constants (hover RPM ~14,468, maximum RPM, ground-effect clip height, ...) are
    properties so they follow any perturbed parameter. Units are SI unless the name says
    otherwise.
    """

    mass: float = 0.027  # kg
    arm_length: float = 0.0397  # m, centre of mass to motor axis
    inertia_xx: float = 1.4e-5  # kg m^2
    inertia_yy: float = 1.4e-5  # kg m^2
    inertia_zz: float = 2.17e-5  # kg m^2
    kf: float = 3.16e-10  # N / rpm^2, thrust coefficient
    km: float = 7.94e-12  # N m / rpm^2, yaw-torque coefficient
    thrust_to_weight: float = 2.25
    gravity: float = 9.8  # m / s^2
    prop_radius: float = 0.0231348  # m
    ground_effect_coeff: float = 11.36859
    drag_coeff_xy: float = 9.1785e-7  # N s / (m rad)
    drag_coeff_z: float = 10.311e-7  # N s / (m rad)
    downwash_coeffs: tuple[float, float, float] = (2267.18, 0.16, -0.11)
    collision_radius: float = 0.06  # m, the urdf's collision cylinder
    collision_height: float = 0.025  # m
    max_speed_kmh: float = 30.0  # km / h, sets the VEL action type's speed limit
    motor_time_constant: float = 0.0  # s, first-order motor lag; 0 = no lag

    def __post_init__(self) -> None:
        # Finite first: NaN fails no comparison below and infinity passes every lower bound.
        check_finite_fields(self)
        positive = (
            "mass",
            "arm_length",
            "inertia_xx",
            "inertia_yy",
            "inertia_zz",
            "kf",
            "km",
            "gravity",
            "prop_radius",
            "collision_radius",
            "collision_height",
            "max_speed_kmh",
        )
        for name in positive:
            value = getattr(self, name)
            if not (isinstance(value, int | float) and value > 0):
                raise ValueError(
                    f"CrazyflieParams: {name} must be a positive number, got {value!r}"
                )
        if not self.thrust_to_weight > 1:
            raise ValueError(
                "CrazyflieParams: thrust_to_weight must be > 1 to hover, "
                f"got {self.thrust_to_weight}"
            )
        for name in ("ground_effect_coeff", "drag_coeff_xy", "drag_coeff_z", "motor_time_constant"):
            if not getattr(self, name) >= 0:
                raise ValueError(f"CrazyflieParams: {name} must be >= 0, got {getattr(self, name)}")
        if len(self.downwash_coeffs) != 3:
            raise ValueError(
                f"CrazyflieParams: downwash_coeffs must be (C1, C2, C3), got {self.downwash_coeffs}"
            )

    @property
    def max_rpm(self) -> float:
        """Motor speed of full thrust: sqrt(t2w m g / (4 kf)), ~21,703 RPM."""
        return math.sqrt(self.thrust_to_weight * self.weight / (4.0 * self.kf))

    @property
    def max_thrust(self) -> float:
        """Total thrust of four motors at ``max_rpm``, N."""
        return 4.0 * self.kf * self.max_rpm**2

    @property
    def motor_offset(self) -> float:
        """Distance of each motor from the body x and y axes in the X layout, m (~0.028)."""
        return self.arm_length / math.sqrt(2.0)

    @property
    def motor_positions(self) -> np.ndarray:
        """Motor (x, y) in the body frame, shape (4, 2), in the module's motor order."""
        d = self.motor_offset
        return np.array([[d, -d], [-d, -d], [-d, d], [d, d]])

    @property
    def inertia(self) -> np.ndarray:
        """Diagonal of the inertia matrix, shape (3,)."""
        return np.array([self.inertia_xx, self.inertia_yy, self.inertia_zz])

    @property
    def ground_effect_clip_height(self) -> float:
        """Propeller height below which ground effect stops growing (~0.038 m).

        gym-pybullet-drones' choice: the height at which the ground-effect gain of a motor at full
        speed would reach 15/4 of its thrust.
        """
        gain = 15.0 * self.max_rpm**2 * self.kf * self.ground_effect_coeff / self.max_thrust
        return 0.25 * self.prop_radius * math.sqrt(gain)

    @property
    def rest_height(self) -> float:
        """Height of the centre of mass when the drone sits on the floor, m."""
        return 0.5 * self.collision_height

    @property
    def start_height(self) -> float:
        """HoverAviary's start: 0.1 m above the resting height, m."""
        return self.rest_height + 0.1

    @property
    def max_speed(self) -> float:
        """``max_speed_kmh`` in m/s."""
        return self.max_speed_kmh / 3.6


@dataclass(frozen=True)
class PhysicsConfig:
    """Which effects the simulation includes, and how it integrates."""

    integrator: Integrator = "euler"
    ground_effect: bool = True
    drag: bool = True
    downwash: bool = True
    ground: bool = True  # a floor at z = 0 that stops the body
    # RK4 only: the motor speeds are integrated with the body, stage by stage (Learning to Fly),
    # instead of lagged exactly before the step and held over it.
    motor_lag_in_integrator: bool = False

    def __post_init__(self) -> None:
        if self.integrator not in INTEGRATORS:
            raise ValueError(
                f"PhysicsConfig: integrator must be one of {INTEGRATORS}, got {self.integrator!r}"
            )
        if self.motor_lag_in_integrator and self.integrator != "rk4":
            raise ValueError(
                "PhysicsConfig: motor_lag_in_integrator needs the rk4 integrator, "
                f"got {self.integrator!r}"
            )


@dataclass
class QuadrotorState:
    """The state of ``num_drones`` drones, drone on the first axis of every array."""

    position: np.ndarray  # (N, 3) m, world frame
    quaternion: np.ndarray  # (N, 4) (w, x, y, z), body to world
    velocity: np.ndarray  # (N, 3) m/s, world frame
    body_rates: np.ndarray  # (N, 3) rad/s, body frame
    rpm: np.ndarray  # (N, 4) current motor speeds

    @classmethod
    def at_rest(cls, positions: np.ndarray, rpm: float = 0.0) -> QuadrotorState:
        """Level, motionless drones at ``positions`` (N, 3) with every motor at ``rpm``."""
        positions = np.array(positions, dtype=float).reshape(-1, 3)
        num_drones = positions.shape[0]
        quaternion = np.zeros((num_drones, 4))
        quaternion[:, 0] = 1.0
        return cls(
            position=positions,
            quaternion=quaternion,
            velocity=np.zeros((num_drones, 3)),
            body_rates=np.zeros((num_drones, 3)),
            rpm=np.full((num_drones, 4), float(rpm)),
        )

    @property
    def num_drones(self) -> int:
        """Number of drones in the arrays."""
        return self.position.shape[0]

    def copy(self) -> QuadrotorState:
        """A deep copy (the arrays are copied)."""
        return QuadrotorState(
            self.position.copy(),
            self.quaternion.copy(),
            self.velocity.copy(),
            self.body_rates.copy(),
            self.rpm.copy(),
        )


# -- rotations ------------------------------------------------------------------------------------


def quaternion_to_rotation(quaternion: np.ndarray) -> np.ndarray:
    """Rotation matrices (N, 3, 3) of unit quaternions (N, 4) in (w, x, y, z) order."""
    w, x, y, z = quaternion[:, 0], quaternion[:, 1], quaternion[:, 2], quaternion[:, 3]
    rotation = np.empty((quaternion.shape[0], 3, 3))
    rotation[:, 0, 0] = 1.0 - 2.0 * (y * y + z * z)
    rotation[:, 0, 1] = 2.0 * (x * y - w * z)
    rotation[:, 0, 2] = 2.0 * (x * z + w * y)
    rotation[:, 1, 0] = 2.0 * (x * y + w * z)
    rotation[:, 1, 1] = 1.0 - 2.0 * (x * x + z * z)
    rotation[:, 1, 2] = 2.0 * (y * z - w * x)
    rotation[:, 2, 0] = 2.0 * (x * z - w * y)
    rotation[:, 2, 1] = 2.0 * (y * z + w * x)
    rotation[:, 2, 2] = 1.0 - 2.0 * (x * x + y * y)
    return rotation


def rotation_to_euler(rotation: np.ndarray) -> np.ndarray:
    """Roll, pitch, yaw (N, 3) of rotation matrices (N, 3, 3), Z-Y-X convention."""
    roll = np.arctan2(rotation[:, 2, 1], rotation[:, 2, 2])
    pitch = np.arcsin(np.clip(-rotation[:, 2, 0], -1.0, 1.0))
    yaw = np.arctan2(rotation[:, 1, 0], rotation[:, 0, 0])
    return np.stack([roll, pitch, yaw], axis=1)


def euler_to_quaternion(roll_pitch_yaw: np.ndarray) -> np.ndarray:
    """Unit quaternions (N, 4) of Z-Y-X Euler angles (N, 3)."""
    half = 0.5 * np.asarray(roll_pitch_yaw, dtype=float).reshape(-1, 3)
    cr, cp, cy = np.cos(half[:, 0]), np.cos(half[:, 1]), np.cos(half[:, 2])
    sr, sp, sy = np.sin(half[:, 0]), np.sin(half[:, 1]), np.sin(half[:, 2])
    return np.stack(
        [
            cr * cp * cy + sr * sp * sy,
            sr * cp * cy - cr * sp * sy,
            cr * sp * cy + sr * cp * sy,
            cr * cp * sy - sr * sp * cy,
        ],
        axis=1,
    )


def euler_to_rotation(roll_pitch_yaw: np.ndarray) -> np.ndarray:
    """Rotation matrices (N, 3, 3) of Z-Y-X Euler angles (N, 3)."""
    return quaternion_to_rotation(euler_to_quaternion(roll_pitch_yaw))


def quaternion_multiply(left: np.ndarray, right: np.ndarray) -> np.ndarray:
    """Hamilton products (N, 4) of quaternion arrays (N, 4)."""
    w1, x1, y1, z1 = left[:, 0], left[:, 1], left[:, 2], left[:, 3]
    w2, x2, y2, z2 = right[:, 0], right[:, 1], right[:, 2], right[:, 3]
    product = np.empty((left.shape[0], 4))
    product[:, 0] = w1 * w2 - x1 * x2 - y1 * y2 - z1 * z2
    product[:, 1] = w1 * x2 + x1 * w2 + y1 * z2 - z1 * y2
    product[:, 2] = w1 * y2 - x1 * z2 + y1 * w2 + z1 * x2
    product[:, 3] = w1 * z2 + x1 * y2 - y1 * x2 + z1 * w2
    return product


def integrate_quaternion(quaternion: np.ndarray, body_rates: np.ndarray, dt: float) -> np.ndarray:
    """Rotate ``quaternion`` (N, 4) by constant body rates (N, 3) over ``dt``, exactly."""
    rate_norm = np.sqrt(np.sum(body_rates * body_rates, axis=1))  # (N,)
    half_angle = 0.5 * rate_norm * dt
    # sin(x)/|w| -> dt/2 as |w| -> 0; the guarded division keeps a motionless drone exact.
    safe_norm = np.where(rate_norm > 1e-12, rate_norm, 1.0)
    axis_scale = np.where(rate_norm > 1e-12, np.sin(half_angle) / safe_norm, 0.5 * dt)
    increment = np.empty_like(quaternion)
    increment[:, 0] = np.cos(half_angle)
    increment[:, 1:] = body_rates * axis_scale[:, None]
    updated = quaternion_multiply(quaternion, increment)
    return updated / np.sqrt(np.sum(updated * updated, axis=1, keepdims=True))


def drone_rotation(qw: float, qx: float, qy: float, qz: float) -> tuple[float, ...]:
    """:func:`quaternion_to_rotation` of one quaternion, in floats: the 9 entries, row-major."""
    return (
        1.0 - 2.0 * (qy * qy + qz * qz),
        2.0 * (qx * qy - qw * qz),
        2.0 * (qx * qz + qw * qy),
        2.0 * (qx * qy + qw * qz),
        1.0 - 2.0 * (qx * qx + qz * qz),
        2.0 * (qy * qz - qw * qx),
        2.0 * (qx * qz - qw * qy),
        2.0 * (qy * qz + qw * qx),
        1.0 - 2.0 * (qx * qx + qy * qy),
    )


def drone_euler(rotation: tuple[float, ...]) -> tuple[float, float, float]:
    """:func:`rotation_to_euler` of one row-major rotation (9 floats), with libm's functions."""
    sine_pitch = -rotation[6]
    sine_pitch = -1.0 if sine_pitch < -1.0 else 1.0 if sine_pitch > 1.0 else sine_pitch
    return (
        math.atan2(rotation[7], rotation[8]),
        math.asin(sine_pitch),
        math.atan2(rotation[3], rotation[0]),
    )


# -- the step -------------------------------------------------------------------------------------


@dataclass
class QuadrotorDynamics:
    """One physics substep for a batch of identical drones (see the module docstring)."""

    params: CrazyflieParams = field(default_factory=CrazyflieParams)
    config: PhysicsConfig = field(default_factory=PhysicsConfig)

    def __post_init__(self) -> None:
        # Constants the inner loop reads on every substep, computed once. Contiguous copies, not
        # column views: a pickled copy's arrays come back contiguous, and a strided dot product
        # may sum in another order, which would make a copy drift from the original by an ulp.
        self._motor_x = np.ascontiguousarray(self.params.motor_positions[:, 0])  # (4,)
        self._motor_y = np.ascontiguousarray(self.params.motor_positions[:, 1])  # (4,)
        self._inertia = self.params.inertia  # (3,)
        self._drag = np.array(
            [self.params.drag_coeff_xy, self.params.drag_coeff_xy, self.params.drag_coeff_z]
        )  # (3,)
        # The same constants as floats and tuples, for the float path.
        params = self.params
        self._motor_x_floats = tuple(self._motor_x.tolist())
        self._motor_y_floats = tuple(self._motor_y.tolist())
        self._inertia_floats = tuple(self._inertia.tolist())
        self._drag_floats = tuple(self._drag.tolist())
        self._clip_height = params.ground_effect_clip_height
        self._lag_factor_cache: tuple[float, float] = (math.nan, math.nan)  # (dt, factor)
        if self.config.motor_lag_in_integrator and not self.params.motor_time_constant > 0:
            raise ValueError(
                "QuadrotorDynamics: motor_lag_in_integrator needs motor_time_constant > 0, "
                f"got {self.params.motor_time_constant}"
            )

    def step(
        self,
        state: QuadrotorState,
        rpm_command: np.ndarray,
        dt: float,
        external_force: np.ndarray | None = None,
        motor_effectiveness: np.ndarray | None = None,
        external_torque: np.ndarray | None = None,
    ) -> None:
        """Advance ``state`` in place by ``dt`` seconds under ``rpm_command`` (N, 4).

        ``external_force`` (N, 3) is a world-frame force in N (wind); ``motor_effectiveness``
        (N, 4) scales each motor's thrust and torque (1 = healthy); ``external_torque`` (N, 3) is
        a body-frame torque in N m.
        """
        if self._uses_floats(state):
            self._step_floats(
                state, rpm_command, dt, external_force, motor_effectiveness, external_torque
            )
            return
        params = self.params
        command = np.clip(rpm_command, 0.0, None)
        effectiveness = 1.0 if motor_effectiveness is None else motor_effectiveness
        force = np.zeros((state.num_drones, 3)) if external_force is None else external_force
        if self.config.motor_lag_in_integrator:
            self._rk4_with_motors(state, command, effectiveness, force, external_torque, dt)
            if self.config.ground:
                self._floor_contact(state)
            return
        if params.motor_time_constant > 0:
            state.rpm += (1.0 - math.exp(-dt / params.motor_time_constant)) * (command - state.rpm)
        else:
            state.rpm[:] = command
        effective_rpm_squared, rotor_speed_sum = self.motor_terms(state.rpm, effectiveness)

        if self.config.integrator == "euler":
            _, _, acceleration, angular_acceleration = self.derivatives(
                state.position,
                state.quaternion,
                state.velocity,
                state.body_rates,
                effective_rpm_squared,
                rotor_speed_sum,
                force,
                external_torque,
            )
            state.velocity += dt * acceleration
            state.body_rates += dt * angular_acceleration
            state.position += dt * state.velocity
            state.quaternion[:] = integrate_quaternion(state.quaternion, state.body_rates, dt)
        else:
            self._rk4(state, effective_rpm_squared, rotor_speed_sum, force, external_torque, dt)
        if self.config.ground:
            self._floor_contact(state)

    @staticmethod
    def motor_terms(
        rpm: np.ndarray, effectiveness: np.ndarray | float
    ) -> tuple[np.ndarray, np.ndarray]:
        """What the forces need of the motor speeds ``rpm`` (N, 4).

        Returns the effective squared speeds ``e_i w_i^2`` (N, 4), which thrust and yaw torque
        scale with, and the sum of the rotor speeds in rad/s (N,), which drag scales with.
        """
        effective_rpm_squared = effectiveness * rpm**2  # (N, 4)
        rotor_speed_sum = np.sum(rpm, axis=1) * (2.0 * math.pi / 60.0)  # (N,) rad/s
        return effective_rpm_squared, rotor_speed_sum

    def derivatives(
        self,
        position: np.ndarray,
        quaternion: np.ndarray,
        velocity: np.ndarray,
        body_rates: np.ndarray,
        effective_rpm_squared: np.ndarray,
        rotor_speed_sum: np.ndarray,
        external_force: np.ndarray,
        external_torque: np.ndarray | None = None,
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """Time derivatives of (position, quaternion, velocity, body rates), each (N, .).

        With the Euler integrator the quaternion slot returns the quaternion itself (unused).
        """
        params = self.params
        rotation = quaternion_to_rotation(quaternion)  # (N, 3, 3)
        motor_thrust = params.kf * effective_rpm_squared  # (N, 4)

        if self.config.ground_effect:
            motor_thrust = motor_thrust + self.ground_effect(position, rotation, motor_thrust)

        thrust = np.sum(motor_thrust, axis=1)  # (N,)
        torque = np.empty((position.shape[0], 3))
        torque[:, 0] = motor_thrust @ self._motor_y
        torque[:, 1] = -(motor_thrust @ self._motor_x)
        torque[:, 2] = params.km * (effective_rpm_squared @ MOTOR_YAW_SIGNS)
        if external_torque is not None:
            torque += external_torque

        force = rotation[:, :, 2] * thrust[:, None] + external_force  # (N, 3)
        force[:, 2] -= params.weight
        if self.config.drag:
            body_velocity = np.einsum("nji,nj->ni", rotation, velocity)  # R^T v, (N, 3)
            body_drag = -self._drag * rotor_speed_sum[:, None] * body_velocity
            force += np.einsum("nij,nj->ni", rotation, body_drag)
        if self.config.downwash and position.shape[0] > 1:
            force[:, 2] += self.downwash(position)

        acceleration = force / params.mass
        # Euler's equations with a diagonal inertia: J dw/dt = tau - w x J w, written out.
        angular_momentum = self._inertia * body_rates  # (N, 3)
        angular_acceleration = np.empty_like(torque)
        angular_acceleration[:, 0] = torque[:, 0] - (
            body_rates[:, 1] * angular_momentum[:, 2] - body_rates[:, 2] * angular_momentum[:, 1]
        )
        angular_acceleration[:, 1] = torque[:, 1] - (
            body_rates[:, 2] * angular_momentum[:, 0] - body_rates[:, 0] * angular_momentum[:, 2]
        )
        angular_acceleration[:, 2] = torque[:, 2] - (
            body_rates[:, 0] * angular_momentum[:, 1] - body_rates[:, 1] * angular_momentum[:, 0]
        )
        angular_acceleration /= self._inertia
        if self.config.integrator == "euler":
            # The semi-implicit step rotates by the exact exponential; no quaternion rate needed.
            return velocity, quaternion, acceleration, angular_acceleration
        pure_rate = np.zeros((position.shape[0], 4))
        pure_rate[:, 1:] = body_rates
        quaternion_rate = 0.5 * quaternion_multiply(quaternion, pure_rate)
        return velocity, quaternion_rate, acceleration, angular_acceleration

    def ground_effect(
        self, position: np.ndarray, rotation: np.ndarray, motor_thrust: np.ndarray
    ) -> np.ndarray:
        """Extra thrust (N, 4) each motor gets from the floor below it."""
        params = self.params
        # Propeller heights: z of the body centre plus the world-z of each motor's body offset.
        prop_height = (
            position[:, 2:3]
            + rotation[:, 2, 0:1] * self._motor_x[None, :]
            + rotation[:, 2, 1:2] * self._motor_y[None, :]
        )  # (N, 4)
        prop_height = np.maximum(prop_height, params.ground_effect_clip_height)
        gain = params.ground_effect_coeff * (params.prop_radius / (4.0 * prop_height)) ** 2
        upright = (rotation[:, 2, 2] > 0.0)[:, None]
        return np.where(upright, motor_thrust * gain, 0.0)

    def downwash(self, position: np.ndarray) -> np.ndarray:
        """World z force (N,) on each drone from the drones above it (negative: down)."""
        c1, c2, c3 = self.params.downwash_coeffs
        delta = position[None, :, :] - position[:, None, :]  # [i, j] = p_j - p_i, (N, N, 3)
        delta_z = delta[:, :, 2]
        delta_xy = np.sqrt(delta[:, :, 0] ** 2 + delta[:, :, 1] ** 2)
        above = (delta_z > 0.0) & (delta_xy < DOWNWASH_MAX_HORIZONTAL_DISTANCE)
        safe_dz = np.where(above, delta_z, 1.0)
        alpha = c1 * (self.params.prop_radius / (4.0 * safe_dz)) ** 2
        width_squared = np.maximum((c2 * safe_dz + c3) ** 2, DOWNWASH_MIN_SQUARED_WIDTH)
        push = alpha * np.exp(-0.5 * delta_xy**2 / width_squared)
        return -np.sum(np.where(above, push, 0.0), axis=1)

    def _rk4(
        self,
        state: QuadrotorState,
        effective_rpm_squared: np.ndarray,
        rotor_speed_sum: np.ndarray,
        external_force: np.ndarray,
        external_torque: np.ndarray | None,
        dt: float,
    ) -> None:
        """One RK4 step of the body with the motor speeds held."""
        y0 = (state.position, state.quaternion, state.velocity, state.body_rates)

        def slope(values: tuple[np.ndarray, ...]) -> tuple[np.ndarray, ...]:
            return self.derivatives(
                *values, effective_rpm_squared, rotor_speed_sum, external_force, external_torque
            )

        new = _rk4_step(y0, slope, dt)
        state.position[:] = new[0]
        state.quaternion[:] = new[1] / np.sqrt(np.sum(new[1] * new[1], axis=1, keepdims=True))
        state.velocity[:] = new[2]
        state.body_rates[:] = new[3]

    def _rk4_with_motors(
        self,
        state: QuadrotorState,
        command: np.ndarray,
        effectiveness: np.ndarray | float,
        external_force: np.ndarray,
        external_torque: np.ndarray | None,
        dt: float,
    ) -> None:
        """One RK4 step of the body and the motor speeds together (Learning to Fly's).

        The lag's RK4 factor at dt / tau = 1/15 lies in (0, 1), so the new speeds stay between
        the old ones and the command: no clip to the motor range is needed.
        """
        inverse_tau = 1.0 / self.params.motor_time_constant
        y0 = (state.position, state.quaternion, state.velocity, state.body_rates, state.rpm)

        def slope(values: tuple[np.ndarray, ...]) -> tuple[np.ndarray, ...]:
            *body, rpm = values
            body_slope = self.derivatives(
                *body, *self.motor_terms(rpm, effectiveness), external_force, external_torque
            )
            return (*body_slope, (command - rpm) * inverse_tau)

        new = _rk4_step(y0, slope, dt)
        state.position[:] = new[0]
        state.quaternion[:] = new[1] / np.sqrt(np.sum(new[1] * new[1], axis=1, keepdims=True))
        state.velocity[:] = new[2]
        state.body_rates[:] = new[3]
        state.rpm[:] = new[4]

    def _floor_contact(self, state: QuadrotorState) -> None:
        below = state.position[:, 2] < self.params.rest_height  # (N,)
        if not np.any(below):
            return
        state.position[below, 2] = self.params.rest_height
        state.velocity[below, 0:2] = 0.0
        state.velocity[below, 2] = np.maximum(state.velocity[below, 2], 0.0)
        state.body_rates[below] = 0.0

    # -- the float path (see the module docstring) ------------------------------------------------

    def fly(self, state: QuadrotorState, rpm_command: np.ndarray, dt: float, substeps: int) -> None:
        """``substeps`` calls of :meth:`step` under one command and no disturbance, in one go.

        On the float path the state stays in floats between the substeps (reading and writing
        the arrays costs more than a substep's arithmetic). A subclass that overrides
        :meth:`step` (to meter every substep, say) has it called once per substep instead.
        """
        if type(self).step is QuadrotorDynamics.step and self._uses_floats(state):
            self._step_floats(state, rpm_command, dt, None, None, None, substeps)
            return
        for _ in range(substeps):
            self.step(state, rpm_command, dt)

    def _uses_floats(self, state: QuadrotorState) -> bool:
        """Whether ``state``'s drones step on the float path (see the module docstring)."""
        num_drones = state.position.shape[0]
        return num_drones == 1 or (
            num_drones <= SCALAR_MAX_DRONES and self.config.integrator == "euler"
        )

    def _step_floats(
        self,
        state: QuadrotorState,
        rpm_command: np.ndarray,
        dt: float,
        external_force: np.ndarray | None,
        motor_effectiveness: np.ndarray | None,
        external_torque: np.ndarray | None,
        substeps: int = 1,
    ) -> None:
        """:meth:`step` on Python floats, drone by drone, ``substeps`` times."""
        num_drones = state.position.shape[0]
        commands = np.asarray(rpm_command, dtype=float)
        if commands.shape != (num_drones, 4):
            commands = np.broadcast_to(commands, (num_drones, 4))
        # np.clip(command, 0, None), drone by drone.
        commands = [[max(speed, 0.0) for speed in command] for command in commands.tolist()]
        bodies = [
            position + quaternion + velocity + rates
            for position, quaternion, velocity, rates in zip(
                state.position.tolist(),
                state.quaternion.tolist(),
                state.velocity.tolist(),
                state.body_rates.tolist(),
                strict=True,
            )
        ]
        motor_speeds = state.rpm.tolist()
        forces = None if external_force is None else external_force.tolist()
        torques = None if external_torque is None else external_torque.tolist()
        effectiveness = None if motor_effectiveness is None else motor_effectiveness.tolist()
        with_downwash = self.config.downwash and num_drones > 1
        for _ in range(substeps):
            downwash = self._downwash_floats(bodies) if with_downwash else None
            for drone in range(num_drones):
                bodies[drone], motor_speeds[drone] = self._drone_step(
                    bodies[drone],
                    motor_speeds[drone],
                    commands[drone],
                    dt,
                    (0.0, 0.0, 0.0) if forces is None else forces[drone],
                    None if torques is None else torques[drone],
                    None if effectiveness is None else effectiveness[drone],
                    None if downwash is None else downwash[drone],
                )
        state.position[:] = [body[0:3] for body in bodies]
        state.quaternion[:] = [body[3:7] for body in bodies]
        state.velocity[:] = [body[7:10] for body in bodies]
        state.body_rates[:] = [body[10:13] for body in bodies]
        state.rpm[:] = motor_speeds

    def _drone_step(
        self,
        body: list[float],
        rpm: list[float],
        command: list[float],
        dt: float,
        force: tuple[float, ...] | list[float],
        torque: list[float] | None,
        effectiveness: list[float] | None,
        downwash: float | None = None,
    ) -> tuple[list[float], list[float]]:
        """One drone's substep; returns its new ``body`` and motor speeds.

        ``body`` holds position, quaternion, velocity and body rates (13 floats), ``rpm`` the motor
        speeds (4), ``command`` the commanded speeds, already clipped at 0 (4); ``downwash`` is
        the world z force from the drones above (None: no other drone).
        """
        config = self.config
        tau = self.params.motor_time_constant
        if config.motor_lag_in_integrator:
            body, rpm = self._drone_rk4_with_motors(
                body, rpm, command, dt, force, torque, effectiveness
            )
        else:
            if tau > 0:
                factor = self._lag_factor(dt)
                rpm = [
                    speed + factor * (target - speed)
                    for speed, target in zip(rpm, command, strict=True)
                ]
            else:
                rpm = command
            squared, speed_sum = self._drone_motor_terms(rpm, effectiveness)
            if config.integrator == "euler":
                body = self._drone_euler(body, squared, speed_sum, force, torque, dt, downwash)
            else:
                body = self._drone_rk4(body, squared, speed_sum, force, torque, dt)
        if config.ground and body[2] < self.params.rest_height:
            # _floor_contact
            body = list(body)
            body[2] = self.params.rest_height
            body[7] = body[8] = 0.0
            body[9] = body[9] if body[9] > 0.0 else 0.0
            body[10] = body[11] = body[12] = 0.0
        return body, rpm

    def _lag_factor(self, dt: float) -> float:
        """``1 - exp(-dt / tau)``, computed once per time step length."""
        cached_dt, factor = self._lag_factor_cache
        if cached_dt != dt:
            factor = 1.0 - math.exp(-dt / self.params.motor_time_constant)
            self._lag_factor_cache = (dt, factor)
        return factor

    @staticmethod
    def _drone_motor_terms(
        rpm: list[float], effectiveness: list[float] | None
    ) -> tuple[list[float], float]:
        """:meth:`motor_terms` of one drone: ``e_i w_i^2`` (4) and the rotor speed sum, rad/s."""
        squared = [speed * speed for speed in rpm]
        if effectiveness is not None:
            squared = [scale * value for scale, value in zip(effectiveness, squared, strict=True)]
        speed_sum = (((rpm[0] + rpm[1]) + rpm[2]) + rpm[3]) * _RPM_TO_RAD_PER_S
        return squared, speed_sum

    def _drone_accelerations(
        self,
        body: list[float] | tuple[float, ...],
        squared: list[float],
        speed_sum: float,
        external_force: tuple[float, ...] | list[float],
        external_torque: list[float] | None,
        downwash: float | None = None,
    ) -> tuple[float, float, float, float, float, float]:
        """Linear (world) and angular (body) accelerations of one drone, as :meth:`derivatives`."""
        params = self.params
        pz = body[2]
        qw, qx, qy, qz = body[3], body[4], body[5], body[6]
        vx, vy, vz = body[7], body[8], body[9]
        wx, wy, wz = body[10], body[11], body[12]
        r = drone_rotation(qw, qx, qy, qz)
        kf = params.kf
        thrust0, thrust1 = kf * squared[0], kf * squared[1]
        thrust2, thrust3 = kf * squared[2], kf * squared[3]
        motor_x, motor_y = self._motor_x_floats, self._motor_y_floats
        if self.config.ground_effect and r[8] > 0.0:
            clip, radius = self._clip_height, params.prop_radius
            coefficient = params.ground_effect_coeff
            gains = []
            for motor in range(4):
                height = pz + r[6] * motor_x[motor] + r[7] * motor_y[motor]
                if height < clip:
                    height = clip
                ratio = radius / (4.0 * height)
                gains.append(coefficient * (ratio * ratio))
            thrust0 = thrust0 + thrust0 * gains[0]
            thrust1 = thrust1 + thrust1 * gains[1]
            thrust2 = thrust2 + thrust2 * gains[2]
            thrust3 = thrust3 + thrust3 * gains[3]
        thrust = ((thrust0 + thrust1) + thrust2) + thrust3
        torque_x = (
            ((thrust0 * motor_y[0]) + thrust1 * motor_y[1]) + thrust2 * motor_y[2]
        ) + thrust3 * motor_y[3]
        torque_y = -(
            (((thrust0 * motor_x[0]) + thrust1 * motor_x[1]) + thrust2 * motor_x[2])
            + thrust3 * motor_x[3]
        )
        torque_z = params.km * (((-squared[0] + squared[1]) - squared[2]) + squared[3])
        if external_torque is not None:
            torque_x += external_torque[0]
            torque_y += external_torque[1]
            torque_z += external_torque[2]

        force_x = r[2] * thrust + external_force[0]
        force_y = r[5] * thrust + external_force[1]
        force_z = (r[8] * thrust + external_force[2]) - params.weight
        if self.config.drag:
            drag = self._drag_floats
            # R^T v, scaled element-wise by -C_drag * sum(rotor speeds), rotated back by R.
            drag_x = (-drag[0] * speed_sum) * ((r[0] * vx + r[3] * vy) + r[6] * vz)
            drag_y = (-drag[1] * speed_sum) * ((r[1] * vx + r[4] * vy) + r[7] * vz)
            drag_z = (-drag[2] * speed_sum) * ((r[2] * vx + r[5] * vy) + r[8] * vz)
            force_x += (r[0] * drag_x + r[1] * drag_y) + r[2] * drag_z
            force_y += (r[3] * drag_x + r[4] * drag_y) + r[5] * drag_z
            force_z += (r[6] * drag_x + r[7] * drag_y) + r[8] * drag_z
        if downwash is not None:
            force_z += downwash
        mass = params.mass
        inertia_x, inertia_y, inertia_z = self._inertia_floats
        momentum_x, momentum_y, momentum_z = inertia_x * wx, inertia_y * wy, inertia_z * wz
        return (
            force_x / mass,
            force_y / mass,
            force_z / mass,
            (torque_x - (wy * momentum_z - wz * momentum_y)) / inertia_x,
            (torque_y - (wz * momentum_x - wx * momentum_z)) / inertia_y,
            (torque_z - (wx * momentum_y - wy * momentum_x)) / inertia_z,
        )

    def _drone_euler(
        self,
        body: list[float],
        squared: list[float],
        speed_sum: float,
        force: tuple[float, ...] | list[float],
        torque: list[float] | None,
        dt: float,
        downwash: float | None = None,
    ) -> list[float]:
        """Semi-implicit Euler for one drone, then :func:`integrate_quaternion`'s rotation."""
        ax, ay, az, alpha_x, alpha_y, alpha_z = self._drone_accelerations(
            body, squared, speed_sum, force, torque, downwash
        )
        vx, vy, vz = body[7] + dt * ax, body[8] + dt * ay, body[9] + dt * az
        wx, wy, wz = body[10] + dt * alpha_x, body[11] + dt * alpha_y, body[12] + dt * alpha_z
        px, py, pz = body[0] + dt * vx, body[1] + dt * vy, body[2] + dt * vz
        rate_norm = math.sqrt((wx * wx + wy * wy) + wz * wz)
        half_angle = 0.5 * rate_norm * dt
        scale = math.sin(half_angle) / rate_norm if rate_norm > 1e-12 else 0.5 * dt
        i0, i1, i2, i3 = math.cos(half_angle), wx * scale, wy * scale, wz * scale
        q0, q1, q2, q3 = body[3], body[4], body[5], body[6]
        u0 = ((q0 * i0 - q1 * i1) - q2 * i2) - q3 * i3
        u1 = ((q0 * i1 + q1 * i0) + q2 * i3) - q3 * i2
        u2 = ((q0 * i2 - q1 * i3) + q2 * i0) + q3 * i1
        u3 = ((q0 * i3 + q1 * i2) - q2 * i1) + q3 * i0
        norm = math.sqrt(((u0 * u0 + u1 * u1) + u2 * u2) + u3 * u3)
        return [px, py, pz, u0 / norm, u1 / norm, u2 / norm, u3 / norm, vx, vy, vz, wx, wy, wz]

    def _drone_slope(
        self,
        body: list[float],
        squared: list[float],
        speed_sum: float,
        force: tuple[float, ...] | list[float],
        torque: list[float] | None,
    ) -> list[float]:
        """d(body)/dt of one drone (13 floats), the quaternion rate ``q (0, w) / 2`` included."""
        ax, ay, az, alpha_x, alpha_y, alpha_z = self._drone_accelerations(
            body, squared, speed_sum, force, torque
        )
        qw, qx, qy, qz = body[3], body[4], body[5], body[6]
        wx, wy, wz = body[10], body[11], body[12]
        return [
            body[7],
            body[8],
            body[9],
            0.5 * (((-(qx * wx)) - qy * wy) - qz * wz),
            0.5 * ((qw * wx + qy * wz) - qz * wy),
            0.5 * ((qw * wy - qx * wz) + qz * wx),
            0.5 * ((qw * wz + qx * wy) - qy * wx),
            ax,
            ay,
            az,
            alpha_x,
            alpha_y,
            alpha_z,
        ]

    def _drone_rk4(
        self,
        body: list[float],
        squared: list[float],
        speed_sum: float,
        force: tuple[float, ...] | list[float],
        torque: list[float] | None,
        dt: float,
    ) -> list[float]:
        """:meth:`_rk4` for one drone: the motor speeds held over the step."""

        def slope(values: list[float]) -> list[float]:
            return self._drone_slope(values, squared, speed_sum, force, torque)

        return _normalised_quaternion(_rk4_floats(body, slope, dt))

    def _drone_rk4_with_motors(
        self,
        body: list[float],
        rpm: list[float],
        command: list[float],
        dt: float,
        force: tuple[float, ...] | list[float],
        torque: list[float] | None,
        effectiveness: list[float] | None,
    ) -> tuple[list[float], list[float]]:
        """:meth:`_rk4_with_motors` for one drone: body and motor speeds integrated together."""
        inverse_tau = 1.0 / self.params.motor_time_constant

        def slope(values: list[float]) -> list[float]:
            speeds = values[13:17]
            squared, speed_sum = self._drone_motor_terms(speeds, effectiveness)
            body_slope = self._drone_slope(values, squared, speed_sum, force, torque)
            return body_slope + [
                (c - s) * inverse_tau for c, s in zip(command, speeds, strict=True)
            ]

        new = _rk4_floats(list(body) + list(rpm), slope, dt)
        return _normalised_quaternion(new[0:13]), new[13:17]

    def _downwash_floats(self, positions: list[list[float]]) -> list[float]:
        """:meth:`downwash` on floats: world z force on each drone from those above it.

        ``positions`` holds one list per drone whose first three entries are its position.
        """
        c1, c2, c3 = self.params.downwash_coeffs
        radius = self.params.prop_radius
        pushes = []
        for below in positions:
            total = 0.0
            for above in positions:
                delta_z = above[2] - below[2]
                delta_x, delta_y = above[0] - below[0], above[1] - below[1]
                delta_xy = math.sqrt(delta_x * delta_x + delta_y * delta_y)
                if delta_z > 0.0 and delta_xy < DOWNWASH_MAX_HORIZONTAL_DISTANCE:
                    ratio = radius / (4.0 * delta_z)
                    alpha = c1 * (ratio * ratio)
                    width = c2 * delta_z + c3
                    width_squared = max(width * width, DOWNWASH_MIN_SQUARED_WIDTH)
                    total += alpha * math.exp(-0.5 * (delta_xy * delta_xy) / width_squared)
            pushes.append(-total)
        return pushes


def _normalised_quaternion(body: list[float]) -> list[float]:
    """``body`` with its quaternion (entries 3-6) divided by its norm, as the RK4 steps end."""
    q0, q1, q2, q3 = body[3], body[4], body[5], body[6]
    norm = math.sqrt(((q0 * q0 + q1 * q1) + q2 * q2) + q3 * q3)
    body[3], body[4], body[5], body[6] = q0 / norm, q1 / norm, q2 / norm, q3 / norm
    return body


def _rk4_floats(
    y0: list[float], slope: Callable[[list[float]], list[float]], dt: float
) -> list[float]:
    """:func:`_rk4_step` on a flat list of floats, the same operations in the same order."""
    half = 0.5 * dt
    k1 = slope(y0)
    k2 = slope([y + half * dy for y, dy in zip(y0, k1, strict=True)])
    k3 = slope([y + half * dy for y, dy in zip(y0, k2, strict=True)])
    k4 = slope([y + dt * dy for y, dy in zip(y0, k3, strict=True)])
    sixth = dt / 6.0
    return [
        y + sixth * (((a + 2.0 * b) + 2.0 * c) + d)
        for y, a, b, c, d in zip(y0, k1, k2, k3, k4, strict=True)
    ]


def _rk4_step(
    y0: tuple[np.ndarray, ...],
    slope: Callable[[tuple[np.ndarray, ...]], tuple[np.ndarray, ...]],
    dt: float,
) -> list[np.ndarray]:
    """Classical fourth-order Runge-Kutta: ``y0`` advanced by ``dt`` under ``dy/dt = slope(y)``."""

    def shifted(k: tuple[np.ndarray, ...], scale: float) -> tuple[np.ndarray, ...]:
        return tuple(y + scale * dy for y, dy in zip(y0, k, strict=True))

    k1 = slope(y0)
    k2 = slope(shifted(k1, 0.5 * dt))
    k3 = slope(shifted(k2, 0.5 * dt))
    k4 = slope(shifted(k3, dt))
    return [
        y + (dt / 6.0) * (a + 2.0 * b + 2.0 * c + d)
        for y, a, b, c, d in zip(y0, k1, k2, k3, k4, strict=True)
    ]
