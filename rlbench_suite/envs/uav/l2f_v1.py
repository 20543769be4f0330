"""QuadL2F-v1: recover a tumbling Crazyflie and hover at the origin, as Learning to Fly defines it.

## Description

The task of "Learning to Fly in Seconds" (Eschmann, Albani, Loianno; the ``learning-to-fly``
repository, its ``sim2real`` environment) with that simulator's own constants and rules, where
QuadL2F-v0 used gym-pybullet-drones' Crazyflie and simplified the MDP:

- its Crazyflie (``crazy_flie_old_reduced_inertia``): inertia diag(3.85e-6, 3.85e-6, 5.97e-6)
  kg m^2, yaw torque 0.005964552 m times the thrust, rotors at (+-0.028, +-0.028) m, g = 9.81,
  motor range [0, 21702] RPM (:class:`L2FParams`);
- 100 Hz fourth-order Runge-Kutta with the first-order motor lag (0.15 s) integrated as part of
  the state, no floor, no drag, no ground effect;
- Gaussian observation noise on every step and a random force and torque drawn per episode and
  held through it (the disturbances of its domain randomisation);
- its initial distribution and its reward, computed on the state before the step.

Actions set the motor speeds over the whole motor range.

## Action Space

``Box(-1, 1, (4,), float32)``: motor speed commands, ``rpm_i = max_rpm (a_i + 1) / 2``. Hover is
``a_hover = 2 hover_rpm / max_rpm - 1`` on every motor, 0.3341 with the defaults (L2F writes
0.334 as its reward's action baseline).

## Observation Space

``Box(float32)`` of ``18 + 4 H`` entries (``H = action_history``, default 32), as L2F observes:

| index | observation | unit | noise std |
|-------|-------------|------|-----------|
| 0-2   | position (the target is the origin) | m | 0.001 |
| 3-11  | rotation matrix, body to world, row-major | - | 0.001 |
| 12-14 | velocity (world) | m/s | 0.002 |
| 15-17 | angular velocity (body) | rad/s | 0.002 |
| 18-   | the last ``H`` actions, oldest first | as the action | none |

The noise is drawn anew for every observation from the env's seeded generator.

## Rewards

L2F's ``reward_squared_position_only_torque``, on the state ``s`` *before* the step and the
action ``a`` of the step: ``2 - 0.5 (5 ||p||^2 + 5 (1 - q_w^2) + 0.01 ||v||^2 +
0.01 ||a - a_hover||^2)``, at most 2. A step that terminates pays L2F's termination penalty, 0.
Returns lie in about [-7.5e6, 1000] (:func:`return_bounds`); the low end is the velocity cost at
the termination threshold, far below anything a policy scores.

## Starting State

As L2F's ``orientation_biggest_angle``: with probability 0.1 a hover start (at the origin,
level), otherwise the position uniform in +-0.2 m per axis and the attitude uniform over all
rotations, drawn again until its angle is at most ``max_start_angle`` (90 degrees). In both
cases the velocity is uniform in +-1 m/s and the angular velocity in +-1 rad/s per axis, the
motors run at mid-range (``max_rpm / 2``, below hover, so the drone first sinks) and the action
history holds the action of that speed. Each episode draws a world-frame force with standard
deviation ``m g / 20`` per axis and a body-frame torque with ``m g / 10000`` N m per axis.

## Episode End

Terminated when a coordinate of the position leaves +-0.6 m, of the velocity +-1000 m/s or of the
angular velocity +-1000 rad/s (L2F's ``fast_learning`` thresholds); truncated after 500 steps
(5 s). On the last step ``info["is_success"]`` is L2F's settling criterion: the episode ran all
its steps and ended within 0.2 m of the origin (``SettlingFractionPosition(200mm)``).

## Arguments

```python
gym.make("rlbench/QuadL2F-v1", action_history=32, episode_steps=500, position_limit=0.6,
         velocity_limit=1000.0, angular_velocity_limit=1000.0, hover_start_probability=0.1,
         max_start_angle=math.pi / 2, params=None, render_mode=None)
```

``params`` is an :class:`L2FParams` or a dict of its fields (airframe, noise, disturbances);
setting the noise or disturbance fields to 0 gives L2F's ablations without them.

## Reference Scores

50 episodes from seed 0 (``rlbench info rlbench/QuadL2F-v1``): random 16.1, constant hover
thrust 35.8 (the zero anchor), the DSL PID 70.7 (it knows no motor lag) and the expert
``geometric`` (:class:`rlbench_suite.agents.uav.GeometricAgent`) 867.1. L2F's own measure of
success is the fraction of episodes that settle (``info["is_success"]``, recorded per episode
by the scoring harness): 0.90 for the expert, 0 for the PID, random and the trivial policies.

## Version History

- v1: Learning to Fly's own Crazyflie parameters, observation noise, per-episode force and torque
  disturbances, initial distribution, velocity termination, the motor lag inside RK4, and the
  reward on the state before the step.
- v0: the L2F task on gym-pybullet-drones' Crazyflie, without noise or disturbances
  (``rlbench/QuadL2F-v0``, kept unchanged).

## Credits

J. Eschmann, D. Albani, G. Loianno, "Learning to Fly in Seconds", IEEE RA-L 2024, and its
``learning-to-fly`` simulator (parameters, initial distribution, noise, disturbances, reward,
termination and the settling metric).

Example:
    >>> import gymnasium as gym
    >>> import rlbench_suite.envs.uav
    >>> env = gym.make("rlbench/QuadL2F-v1")
    >>> obs, info = env.reset(seed=0)
    >>> obs.shape
    (146,)
    >>> obs, reward, terminated, truncated, info = env.step(env.action_space.sample())
    >>> bool(reward <= 2.0)
    True

"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, ClassVar

import numpy as np

from rlbench_suite.envs.uav.base import SubstepDisturbances, parse_params
from rlbench_suite.envs.uav.dynamics import CrazyflieParams, HoverPoint, QuadrotorState
from rlbench_suite.envs.uav.l2f import (
    ACTION_WEIGHT,
    L2F_CONTROL_HZ,
    ORIENTATION_WEIGHT,
    POSITION_WEIGHT,
    REWARD_CONSTANT,
    REWARD_SCALE,
    VELOCITY_WEIGHT,
    QuadL2FEnv,
    l2f_reward,
)
from rlbench_suite.envs.validation import check_finite_fields

# L2F's orientation_biggest_angle initialisation: ranges per axis of the uniform draws.
START_POSITION_RANGE = 0.2  # m
START_VELOCITY_RANGE = 1.0  # m/s
START_ANGULAR_VELOCITY_RANGE = 1.0  # rad/s
# L2F starts the motors at its relative speed 0: the middle of the motor range.
START_MOTOR_FRACTION = 0.5
# L2F's SettlingFractionPosition(200mm): a full-length episode that ends this near the origin.
SETTLING_RADIUS = 0.2  # m


@dataclass(frozen=True)
class L2FParams(HoverPoint):
    """Learning to Fly's Crazyflie, observation noise and disturbances; SI units.

    Defaults are L2F's ``crazy_flie_old_reduced_inertia`` dynamics and its ``sim2real`` MDP.
    Derived constants (weight, hover RPM ~14,476, the hover action, the disturbance scales) are
    properties, and :meth:`airframe` the equivalent :class:`CrazyflieParams` the dynamics and
    the PID read.
    """

    mass: float = 0.027  # kg
    rotor_offset: float = 0.028  # m, each rotor's x and y distance from the centre (X layout)
    inertia_xx: float = 3.85e-6  # kg m^2
    inertia_yy: float = 3.85e-6  # kg m^2
    inertia_zz: float = 5.9675e-6  # kg m^2
    kf: float = 3.16e-10  # N / rpm^2, thrust coefficient
    yaw_torque_ratio: float = 0.005964552  # m, yaw reaction torque per newton of rotor thrust
    gravity: float = 9.81  # m / s^2
    max_rpm: float = 21702.0  # the top of the motor range (L2F's action limit)
    motor_time_constant: float = 0.15  # s, first-order motor lag
    position_noise_std: float = 0.001  # m
    rotation_noise_std: float = 0.001  # per rotation-matrix entry
    velocity_noise_std: float = 0.002  # m/s
    angular_velocity_noise_std: float = 0.002  # rad/s
    force_disturbance_weight_fraction: float = 1.0 / 20.0  # force std per axis, x weight
    torque_disturbance_arm: float = 1.0 / 10000.0  # m; torque std per axis = this x weight

    def __post_init__(self) -> None:
        check_finite_fields(self)
        positive = (
            "mass",
            "rotor_offset",
            "inertia_xx",
            "inertia_yy",
            "inertia_zz",
            "kf",
            "gravity",
            "max_rpm",
            "motor_time_constant",
        )
        for name in positive:
            if not getattr(self, name) > 0:
                raise ValueError(f"L2FParams: {name} must be > 0, got {getattr(self, name)!r}")
        non_negative = (
            "yaw_torque_ratio",
            "position_noise_std",
            "rotation_noise_std",
            "velocity_noise_std",
            "angular_velocity_noise_std",
            "force_disturbance_weight_fraction",
            "torque_disturbance_arm",
        )
        for name in non_negative:
            if not getattr(self, name) >= 0:
                raise ValueError(f"L2FParams: {name} must be >= 0, got {getattr(self, name)!r}")
        if not self.max_rpm > self.hover_rpm:
            raise ValueError(
                f"L2FParams: max_rpm ({self.max_rpm}) must exceed the hover RPM "
                f"({self.hover_rpm:.1f}) for the drone to hover"
            )

    @property
    def hover_action(self) -> float:
        """The action that commands hover RPM, ``2 hover_rpm / max_rpm - 1`` (~0.334)."""
        return 2.0 * self.hover_rpm / self.max_rpm - 1.0

    @property
    def force_disturbance_std(self) -> float:
        """Standard deviation of each axis of the per-episode force, N (L2F: m g / 20)."""
        return self.force_disturbance_weight_fraction * self.weight

    @property
    def torque_disturbance_std(self) -> float:
        """Standard deviation of each axis of the per-episode torque, N m (L2F: m g / 10000)."""
        return self.torque_disturbance_arm * self.weight

    @property
    def observation_noise_std(self) -> np.ndarray:
        """Noise standard deviation of each of the observation's first 18 entries, (18,)."""
        return np.repeat(
            [
                self.position_noise_std,
                self.rotation_noise_std,
                self.velocity_noise_std,
                self.angular_velocity_noise_std,
            ],
            [3, 9, 3, 3],
        )

    def airframe(self) -> CrazyflieParams:
        """The same quadrotor as the :class:`CrazyflieParams` the dynamics and the PID read.

        The arm is the rotor's distance from the centre, the yaw-torque coefficient the ratio
        times kf, and the thrust-to-weight ratio the one that puts full thrust at ``max_rpm``.
        """
        return CrazyflieParams(
            mass=self.mass,
            arm_length=self.rotor_offset * math.sqrt(2.0),
            inertia_xx=self.inertia_xx,
            inertia_yy=self.inertia_yy,
            inertia_zz=self.inertia_zz,
            kf=self.kf,
            km=self.yaw_torque_ratio * self.kf,
            thrust_to_weight=(self.max_rpm / self.hover_rpm) ** 2,
            gravity=self.gravity,
            motor_time_constant=self.motor_time_constant,
        )


def random_attitude(rng: np.random.Generator, max_angle: float) -> np.ndarray:
    """A unit quaternion (4,) uniform over the rotations of angle at most ``max_angle`` (rad).

    Uniform over all rotations (Shoemake's subgroup algorithm, as L2F draws them), drawn again
    until the rotation angle ``2 acos(q_w)`` is within the bound; a quaternion with q_w < 0
    has an angle above pi and is always drawn again. A bound of 0 gives the identity.
    """
    if max_angle <= 0:
        return np.array([1.0, 0.0, 0.0, 0.0])
    while True:
        u = rng.uniform(0.0, 1.0, 3)
        low, high = math.sqrt(1.0 - u[0]), math.sqrt(u[0])
        quaternion = np.array(
            [
                low * math.sin(2.0 * math.pi * u[1]),
                low * math.cos(2.0 * math.pi * u[1]),
                high * math.sin(2.0 * math.pi * u[2]),
                high * math.cos(2.0 * math.pi * u[2]),
            ]
        )
        if 2.0 * math.acos(min(1.0, max(-1.0, quaternion[0]))) <= max_angle:
            return quaternion


class QuadL2FV1Env(QuadL2FEnv):
    """Learning to Fly's hover-recovery task with its own constants (see the module docstring).

    Public attributes beyond :class:`QuadL2FEnv`'s: ``l2f_params`` (:class:`L2FParams`), and the
    episode's ``disturbance_force`` (1, 3; world frame, N) and ``disturbance_torque`` (1, 3; body
    frame, N m), which L2F's asymmetric critic observes.
    """

    #: L2F integrates the motor speeds with the body, stage by stage.
    motor_lag_in_integrator: ClassVar[bool] = True

    def __init__(
        self,
        action_history: int = 32,
        episode_steps: int = 500,
        position_limit: float = 0.6,
        velocity_limit: float = 1000.0,
        angular_velocity_limit: float = 1000.0,
        hover_start_probability: float = 0.1,
        max_start_angle: float = math.pi / 2,
        params: L2FParams | dict[str, Any] | None = None,
        render_mode: str | None = None,
    ) -> None:
        name = type(self).__name__
        for label, limit in (
            ("velocity_limit", velocity_limit),
            ("angular_velocity_limit", angular_velocity_limit),
        ):
            if not limit > 0:
                raise ValueError(f"{name}: {label} must be > 0, got {limit!r}")
        if not 0 <= max_start_angle <= math.pi:
            raise ValueError(f"{name}: max_start_angle must be in [0, pi], got {max_start_angle!r}")
        self.l2f_params = parse_params(params, L2FParams, name) or L2FParams()
        self.velocity_limit = float(velocity_limit)
        self.angular_velocity_limit = float(angular_velocity_limit)
        self.max_start_angle = float(max_start_angle)
        super().__init__(
            action_history=action_history,
            episode_steps=episode_steps,
            position_limit=position_limit,
            hover_start_probability=hover_start_probability,
            params=self.l2f_params.airframe(),
            render_mode=render_mode,
        )
        self._observation_noise_std = self.l2f_params.observation_noise_std  # (18,)
        self.disturbance_force = np.zeros((1, 3))  # world frame, N
        self.disturbance_torque = np.zeros((1, 3))  # body frame, N m
        self._pre_step_reward = 0.0

    # -- episode ----------------------------------------------------------------------------------

    def _reset_task(self, options: dict[str, Any] | None) -> None:
        rng = self.np_random
        self.disturbance_force = rng.normal(0.0, self.l2f_params.force_disturbance_std, (1, 3))
        self.disturbance_torque = rng.normal(0.0, self.l2f_params.torque_disturbance_std, (1, 3))

    def _reset_drones(self) -> QuadrotorState:
        rng = self.np_random
        start_rpm = START_MOTOR_FRACTION * self.params.max_rpm
        state = QuadrotorState.at_rest(np.zeros((1, 3)), rpm=start_rpm)
        if rng.random() >= self.hover_start_probability:
            state.position[0] = rng.uniform(-START_POSITION_RANGE, START_POSITION_RANGE, 3)
            state.quaternion[0] = random_attitude(rng, self.max_start_angle)
        # Hover starts keep L2F's random velocities: only position and attitude are exact.
        state.velocity[0] = rng.uniform(-START_VELOCITY_RANGE, START_VELOCITY_RANGE, 3)
        state.body_rates[0] = rng.uniform(
            -START_ANGULAR_VELOCITY_RANGE, START_ANGULAR_VELOCITY_RANGE, 3
        )
        # The history holds the action of the start speed, as if it had been commanded.
        self._action_buffer[:] = 2.0 * start_rpm / self.params.max_rpm - 1.0
        return state

    def _state_observation(self) -> np.ndarray:
        clean = super()._state_observation()
        return clean + self.np_random.normal(0.0, self._observation_noise_std)

    def _before_physics(self, action: np.ndarray) -> None:
        state = self.state
        self._pre_step_reward = l2f_reward(
            state.position[0],
            state.quaternion[0, 0],
            state.velocity[0],
            action[0],
            self.hover_action,
        )

    def _advance_disturbances(self) -> SubstepDisturbances:
        return SubstepDisturbances(force=self.disturbance_force, torque=self.disturbance_torque)

    def _reward(self) -> float:
        # L2F pays its termination penalty, 0, instead of the reward on a terminating step.
        return 0.0 if self._terminated() else self._pre_step_reward

    def _terminated(self) -> bool:
        state = self.state
        return (
            _beyond(state.position[0].tolist(), self.position_limit)
            or _beyond(state.velocity[0].tolist(), self.velocity_limit)
            or _beyond(state.body_rates[0].tolist(), self.angular_velocity_limit)
        )

    def _info(self) -> dict[str, Any]:
        info = super()._info()
        terminated = self._terminated()
        if terminated or self.step_count >= self.episode_steps:
            ran_full_length = not terminated and self.step_count >= self.episode_steps
            info["is_success"] = ran_full_length and info["distance_to_origin"] < SETTLING_RADIUS
        return info


def _beyond(values: list[float], limit: float) -> bool:
    """Whether any of ``values`` lies outside ``[-limit, limit]``."""
    return any(abs(value) > limit for value in values)


def return_bounds(**env_kwargs: Any) -> tuple[float, float]:
    """Smallest and largest episode return of ``QuadL2FV1Env(**env_kwargs)``: about [-7.5e6, 1000].

    A step pays at most 2 (every cost zero) and a terminating step 0, so an episode of at most
    ``episode_steps`` (500) steps pays at most 1000. The reward is computed on the state before
    the step, which never lies beyond a termination threshold (the episode would have ended) and
    starts inside them: each position coordinate is within ``position_limit``, each velocity
    coordinate within ``velocity_limit``, ``1 - q_w^2 <= 1``, and each action coordinate within
    [-1, 1]. The worst step therefore costs ``0.5 (5 * 3 limit_p^2 + 5 + 0.01 * 3 limit_v^2 +
    0.01 * 4 (1 + a_hover)^2)``, and the lowest return is that step's reward, 500 times.
    """
    import inspect

    from rlbench_suite.envs.uav.base import quadrotor_return_bounds

    # Binding to the class's own signature reads its defaults, so none is typed here twice.
    arguments = inspect.signature(QuadL2FV1Env).bind(**env_kwargs)
    arguments.apply_defaults()
    values = arguments.arguments
    params = values["params"]
    if isinstance(params, dict):
        params = L2FParams(**params)
    hover_action = (params or L2FParams()).hover_action
    action_low = -1.0  # the action space's bound farthest from the hover action
    worst_cost = (
        POSITION_WEIGHT * 3 * values["position_limit"] ** 2
        + ORIENTATION_WEIGHT * 1.0
        + VELOCITY_WEIGHT * 3 * values["velocity_limit"] ** 2
        + ACTION_WEIGHT * 4 * (hover_action - action_low) ** 2
    )
    step_reward_bounds = (REWARD_CONSTANT - REWARD_SCALE * worst_cost, REWARD_CONSTANT)
    return quadrotor_return_bounds(
        step_reward_bounds, values["episode_steps"] / L2F_CONTROL_HZ, L2F_CONTROL_HZ
    )
