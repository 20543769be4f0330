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
