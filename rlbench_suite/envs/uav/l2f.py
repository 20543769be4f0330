"""QuadL2F: recover a tumbling Crazyflie and hold it at the origin (the Learning-to-Fly setting).

## Description

The task of "Learning to Fly in Seconds" (Eschmann, Albani, Loianno; RLtools): a Crazyflie 2.x
thrown into the air with up to 90 degrees of tilt, 1 m/s and 1 rad/s must come back to the origin
and hover there. The simulation runs at 100 Hz with fourth-order Runge-Kutta, one physics step per
action, first-order motor lag (time constant 0.15 s), no floor, no ground effect and no drag
(the L2F simulator has none of them). Actions set the motor speeds directly over the whole
motor range, which is what makes the task hard and the policy fast.

## Action Space

``Box(-1, 1, (4,), float32)``: motor speed commands, ``rpm_i = max_rpm (a_i + 1) / 2``. Hover is
``a_hover = 2 hover_rpm / max_rpm - 1`` (about 0.33) on every motor.

## Observation Space

``Box(float32)`` of ``18 + 4 H`` entries (``H = action_history``, default 32):

| index | observation | unit |
|-------|-------------|------|
| 0-2   | position (the target is the origin) | m |
| 3-11  | rotation matrix, body to world, row-major | - |
| 12-14 | velocity (world) | m/s |
| 15-17 | angular velocity (body) | rad/s |
| 18-   | the last ``H`` actions, oldest first | as the action |

## Rewards

L2F's: ``-0.5 (5 ||p||^2 + 5 (1 - q_w^2) + 0.01 ||v||^2 + 0.01 ||a - a_hover||^2) + 2`` per step,
at most 2 (1000 for a full episode).

## Starting State

With probability 0.1 exactly at hover (origin, level, still). Otherwise position uniform in
+-0.2 m per axis, attitude a rotation by an angle uniform in [0, 90 deg] about a uniformly random
axis, velocity uniform in +-1 m/s and body rates in +-1 rad/s per axis. Motors start at hover RPM.

## Episode End

Terminated when any coordinate of the position leaves +-0.6 m; truncated after 500 steps (5 s).

## Arguments

```python
gym.make("rlbench/QuadL2F-v0", action_history=32, episode_steps=500, position_limit=0.6,
         hover_start_probability=0.1, params=None, render_mode=None)
```

``params`` defaults to the Crazyflie parameters with ``motor_time_constant=0.15``.

## Reference Scores

Random and the DSL PID expert, 20 episodes from seed 0 (``rlbench info rlbench/QuadL2F-v0``).

## Version History

- v0: first release.

## Credits

J. Eschmann, D. Albani, G. Loianno, "Learning to Fly in Seconds", IEEE RA-L 2024 (the task, its
reward, starts and limits); parameters from gym-pybullet-drones' cf2x.urdf.

Example:
    >>> import gymnasium as gym
    >>> import rlbench_suite.envs.uav
    >>> env = gym.make("rlbench/QuadL2F-v0")
    >>> obs, info = env.reset(seed=0)
    >>> obs.shape
    (146,)
    >>> obs, reward, terminated, truncated, info = env.step(env.action_space.sample())
    >>> bool(reward <= 2.0)
    True

"""

from __future__ import annotations

import math
from typing import Any, ClassVar

import numpy as np
from gymnasium import spaces

from rlbench_suite.envs.uav.base import OBSERVATION_BOUND, ActionType, QuadrotorEnv
from rlbench_suite.envs.uav.dynamics import CrazyflieParams, QuadrotorState, drone_rotation

L2F_CONTROL_HZ = 100
L2F_MOTOR_TIME_CONSTANT = 0.15  # s
STATE_SIZE = 18  # position, rotation matrix, velocity, body rates

# L2F's reward (its reward_squared_position_only_torque): a constant less a scaled sum of costs.
REWARD_CONSTANT = 2.0
REWARD_SCALE = 0.5
POSITION_WEIGHT = 5.0  # per m^2
ORIENTATION_WEIGHT = 5.0  # on 1 - q_w^2
VELOCITY_WEIGHT = 0.01  # per (m/s)^2
ACTION_WEIGHT = 0.01  # on the squared distance of the action from the hover action


def l2f_reward(
    position: np.ndarray,
    quaternion_w: float,
    velocity: np.ndarray,
    action: np.ndarray,
    hover_action: float,
) -> float:
    """L2F's reward for one drone's position (3,), attitude, velocity (3,) and action (4,).

    ``2 - 0.5 (5 ||p||^2 + 5 (1 - q_w^2) + 0.01 ||v||^2 + 0.01 ||a - a_hover||^2)``.
    """
    # On floats: NumPy's reductions cost microseconds each on three or four numbers. Sums run
    # left to right, as np.sum does below eight entries.
    position_cost = POSITION_WEIGHT * _sum_of_squares(np.asarray(position, dtype=float).tolist())
    attitude_cost = ORIENTATION_WEIGHT * (1.0 - float(quaternion_w) ** 2)
    velocity_cost = VELOCITY_WEIGHT * _sum_of_squares(np.asarray(velocity, dtype=float).tolist())
    hover_action = float(hover_action)
    action_offsets = [value - hover_action for value in np.asarray(action, dtype=float).tolist()]
    action_cost = ACTION_WEIGHT * _sum_of_squares(action_offsets)
    return -REWARD_SCALE * (position_cost + attitude_cost + velocity_cost + action_cost) + (
        REWARD_CONSTANT
    )


def _sum_of_squares(values: list[float]) -> float:
    total = 0.0
    for value in values:
        total += value * value
    return total


class QuadL2FEnv(QuadrotorEnv):
    """The Learning-to-Fly hover-recovery task (see the module docstring)."""

    #: v0 lags the motors exactly before each RK4 step and holds them over it.
    motor_lag_in_integrator: ClassVar[bool] = False

    def __init__(
        self,
        action_history: int = 32,
        episode_steps: int = 500,
        position_limit: float = 0.6,
        hover_start_probability: float = 0.1,
        params: CrazyflieParams | dict[str, Any] | None = None,
        render_mode: str | None = None,
    ) -> None:
        name = type(self).__name__
        if not isinstance(action_history, int | np.integer) or action_history < 1:
            raise ValueError(
                f"{name}: action_history must be a positive integer, got {action_history!r}"
            )
        if not isinstance(episode_steps, int | np.integer) or episode_steps < 1:
            raise ValueError(
                f"{name}: episode_steps must be a positive integer, got {episode_steps!r}"
            )
        if not position_limit > 0:
            raise ValueError(f"{name}: position_limit must be > 0, got {position_limit!r}")
        if not 0 <= hover_start_probability <= 1:
            raise ValueError(
                f"{name}: hover_start_probability must be in [0, 1], "
                f"got {hover_start_probability!r}"
            )
        if params is None:
            params = CrazyflieParams(motor_time_constant=L2F_MOTOR_TIME_CONSTANT)
        self.history_length = int(action_history)
        self.position_limit = float(position_limit)
        self.hover_start_probability = float(hover_start_probability)
        super().__init__(
            num_drones=1,
            action_type=ActionType.RPM,
            ctrl_freq=L2F_CONTROL_HZ,
            pyb_freq=L2F_CONTROL_HZ,
            episode_seconds=episode_steps / L2F_CONTROL_HZ,
            params=params,
            integrator="rk4",
            ground_effect=False,
            drag=False,
            downwash=False,
            ground=False,
            motor_lag_in_integrator=self.motor_lag_in_integrator,
            render_mode=render_mode,
        )
        self.rpm_range = (0.0, self.params.max_rpm)
        self.hover_action = 2.0 * self.params.hover_rpm / self.params.max_rpm - 1.0
        self._action_buffer = np.zeros((self.history_length, 1, 4))

    # -- L2F's action mapping and observation ---------------------------------------------------

    def _rpm_from_action(self, action: np.ndarray) -> np.ndarray:
        return self.params.max_rpm * 0.5 * (action + 1.0)

    def action_from_rpm(self, rpm: np.ndarray) -> np.ndarray:
        """The action (4,) that commands ``rpm`` (1, 4), clipped to [-1, 1]."""
        action = 2.0 * np.asarray(rpm, dtype=float) / self.params.max_rpm - 1.0
        return np.clip(action, -1.0, 1.0).reshape(-1).astype(np.float32)

    def _build_observation_space(self) -> spaces.Box:
        history = self.history_length * 4
        low = np.concatenate([np.full(STATE_SIZE, -OBSERVATION_BOUND), np.full(history, -1.0)])
        high = np.concatenate([np.full(STATE_SIZE, OBSERVATION_BOUND), np.full(history, 1.0)])
        return spaces.Box(low.astype(np.float32), high.astype(np.float32), dtype=np.float32)

    def _state_observation(self) -> np.ndarray:
        """The first ``STATE_SIZE`` entries of the observation (see the table), float64."""
        state = self.state
        rotation = drone_rotation(*state.quaternion[0].tolist())
        return np.array(
            [
                *state.position[0].tolist(),
                *rotation,
                *state.velocity[0].tolist(),
                *state.body_rates[0].tolist(),
            ]
        )

    def _observation(self) -> np.ndarray:
        observation = np.concatenate([self._state_observation(), self._action_buffer.reshape(-1)])
        return observation.astype(np.float32)

    def kinematics_from_observation(self, observation: np.ndarray) -> dict[str, np.ndarray]:
        """Position, rotation (1, 3, 3), velocity and body rates from an L2F observation."""
        values = np.asarray(observation, dtype=float)
        return {
            "position": values[None, 0:3],
            "rotation": values[3:12].reshape(1, 3, 3),
            "velocity": values[None, 12:15],
            "body_rates": values[None, 15:18],
        }

    def control_target(self) -> tuple[np.ndarray, np.ndarray]:
        """The origin (1, 3), at rest (1, 3)."""
        return np.zeros((1, 3)), np.zeros((1, 3))

    # -- episode ----------------------------------------------------------------------------------

    def _reset_drones(self) -> QuadrotorState:
        rng = self.np_random
        state = QuadrotorState.at_rest(np.zeros((1, 3)), rpm=self.params.hover_rpm)
        if rng.random() < self.hover_start_probability:
            return state
        state.position[0] = rng.uniform(-0.2, 0.2, 3)
        axis = rng.normal(size=3)
        axis /= np.linalg.norm(axis)
        angle = rng.uniform(0.0, 0.5 * math.pi)
        state.quaternion[0] = [math.cos(angle / 2), *(math.sin(angle / 2) * axis)]
        state.velocity[0] = rng.uniform(-1.0, 1.0, 3)
        state.body_rates[0] = rng.uniform(-1.0, 1.0, 3)
        return state

    def _reward(self) -> float:
        state = self.state
        last_action = self._action_buffer[-1, 0]  # the action just taken, (4,)
        return l2f_reward(
            state.position[0],
            state.quaternion[0, 0],
            state.velocity[0],
            last_action,
            self.hover_action,
        )

    def _terminated(self) -> bool:
        limit = self.position_limit
        return any(abs(coordinate) > limit for coordinate in self.state.position[0].tolist())

    def _out_of_bounds(self) -> bool:
        # L2F ends an episode by termination only; HoverAviary's box and tilt limits do not apply.
        return False

    def _info(self) -> dict[str, Any]:
        return {"distance_to_origin": math.sqrt(_sum_of_squares(self.state.position[0].tolist()))}


def return_bounds(**env_kwargs: Any) -> tuple[float, float]:
    """Smallest and largest episode return of ``QuadL2FEnv(**env_kwargs)``: ``(-inf, 1000)``.

    L2F's reward is 2 minus half a sum of costs that are each a non-negative multiple of a
    square, so a step pays at most 2 and an episode of at most ``episode_steps`` (500) steps at
    most 1000. There is no finite lowest return: the position cost is capped by the
    termination at ``position_limit``, the attitude cost by 5 and the action cost by the
    action space, but the velocity cost ``0.01 ||v||^2`` by nothing the env enforces. No clip or
    speed limit holds the velocity, termination looks only at the position after the step, and
    the RK4 step cannot bound the acceleration either: its intermediate attitudes are not unit
    quaternions, so a spinning drone's thrust is not capped by the motors' maximum.
    """
    import inspect

    from rlbench_suite.envs.uav.base import quadrotor_return_bounds

    # Binding to the class's own signature reads its defaults, so none is typed here twice.
    arguments = inspect.signature(QuadL2FEnv).bind(**env_kwargs)
    arguments.apply_defaults()
    best_step_reward = REWARD_CONSTANT  # paid in full when every cost is zero
    # QuadL2FEnv.__init__ runs its episode_steps at L2F_CONTROL_HZ as episode_seconds.
    return quadrotor_return_bounds(
        (-math.inf, best_step_reward),
        arguments.arguments["episode_steps"] / L2F_CONTROL_HZ,
        L2F_CONTROL_HZ,
    )
