"""QuadTrajectory: fly a Crazyflie 2.x along a moving reference, a figure-eight or a circle.

## Description

The drone starts hovering at the first point of a reference that then moves: a figure-eight
(Gerono lemniscate ``x = A sin(w t)``, ``y = (A / 2) sin(2 w t)``) or a circle
(``x = A cos(w t)``, ``y = A sin(w t)``), at height ``height`` with period ``period``. The task is
trajectory tracking as in gym-pybullet-drones' PID examples, scored per step on the distance to
where the reference is now, and summarised by the position RMSE over the episode. Physics and
action types are QuadHover's (:mod:`rlbench_suite.envs.uav.hover`).

## Action Space

As QuadHover: ``Box(-1, 1, (k,), float32)`` with ``k`` = 4 (``"rpm"``), 1 (``"one_d_rpm"``),
3 (``"pid"``: target position) or 4 (``"vel"``).

## Observation Space

``Box(float32)`` of ``18 + 15 k`` entries:

| index | observation | unit |
|-------|-------------|------|
| 0-11  | QuadHover's: position, roll/pitch/yaw, velocity, body rates | m, rad, m/s, rad/s |
| 12-14 | reference position minus drone position, now | m |
| 15-17 | reference velocity, now | m/s |
| 18-   | the last ``ctrl_freq / 2`` actions, oldest first | as the action |

## Rewards

``2 exp(-e^2 / (2 sigma^2))`` with ``e`` the distance from the reference after the step and
``sigma = tracking_sigma`` (default 0.1 m): 2 on the reference, 1.2 at 10 cm, 0.27 at 20 cm. A
Gaussian rather than HoverAviary's quartic, which barely notices centimetre errors.
``info["position_error"]`` is ``e``; ``info["position_rmse"]`` the RMSE of ``e`` over the steps so
far (the episode's RMSE at its end).

## Starting State

Hovering (motors at hover RPM, still, level) at the reference's first point plus a uniform
``+-start_jitter`` (default 0.02 m) in x, y and z.

## Episode End

No termination. Truncation as QuadHover: ``|x|``, ``|y|`` beyond 1.5 m, ``z`` above 2 m, roll or
pitch beyond 0.4 rad (``info["crashed"]``), or after ``episode_seconds`` (default 8 s, one
period, 240 steps).

## Arguments

```python
gym.make("rlbench/QuadTrajectory-v0", trajectory="figure_eight", amplitude=0.5, height=1.0,
         period=8.0, tracking_sigma=0.1, action_type="rpm", start_jitter=0.02, ctrl_freq=30,
         pyb_freq=240, episode_seconds=8.0, params=None, render_mode=None)
```

- ``trajectory``: ``"figure_eight"`` or ``"circle"``; ``amplitude`` (m) and ``period`` (s) set
  the size and speed (default top speed 0.39 m/s for the figure-eight, 0.39 m/s on the circle).
- ``params``: the Crazyflie parameters; the MDP family perturbs mass, inertia and kf.

## Reference Scores

Random and the DSL PID expert, 20 episodes from seed 0 (``rlbench info
rlbench/QuadTrajectory-v0``).

## Version History

- v0: first release.

## Credits

gym-pybullet-drones (Panerati et al., IROS 2021): the model, the action types and the DSL PID
controller whose trajectory-following examples this task scores.

Example:
    >>> import gymnasium as gym
    >>> import rlbench_suite.envs.uav
    >>> env = gym.make("rlbench/QuadTrajectory-v0", trajectory="circle")
    >>> obs, info = env.reset(seed=0)
    >>> obs.shape
    (78,)
    >>> obs, reward, terminated, truncated, info = env.step(env.action_space.sample())
    >>> sorted(key for key in info if key.startswith("position"))
    ['position_error', 'position_rmse']

"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from rlbench_suite.envs.uav.base import ActionType, QuadrotorEnv
from rlbench_suite.envs.uav.dynamics import CrazyflieParams, QuadrotorState

TRAJECTORIES = ("figure_eight", "circle", "hover")


def reference_point(
    trajectory: str, time: float, amplitude: float, height: float, period: float
) -> tuple[np.ndarray, np.ndarray]:
    """Position (3,) and velocity (3,) of the reference at ``time`` seconds."""
    omega = 2.0 * math.pi / period
    phase = omega * time
    if trajectory == "figure_eight":
        position = [amplitude * math.sin(phase), 0.5 * amplitude * math.sin(2 * phase), height]
        velocity = [amplitude * omega * math.cos(phase), amplitude * omega * math.cos(2 * phase), 0]
    elif trajectory == "circle":
        position = [amplitude * math.cos(phase), amplitude * math.sin(phase), height]
        velocity = [-amplitude * omega * math.sin(phase), amplitude * omega * math.cos(phase), 0]
    else:  # "hover": a fixed point, used by QuadAttack
        position, velocity = [0.0, 0.0, height], [0.0, 0.0, 0.0]
    return np.array(position, dtype=float), np.array(velocity, dtype=float)


def tracking_reward(error: float, sigma: float) -> float:
    """2 exp(-e^2 / (2 sigma^2)): 2 on the reference, falling off over ``sigma`` metres."""
    return 2.0 * math.exp(-(error**2) / (2.0 * sigma**2))


class QuadTrajectoryEnv(QuadrotorEnv):
    """Track a moving reference (see the module docstring)."""

    trajectories: tuple[str, ...] = ("figure_eight", "circle")

    def __init__(
        self,
        trajectory: str = "figure_eight",
        amplitude: float = 0.5,
        height: float = 1.0,
        period: float = 8.0,
        tracking_sigma: float = 0.1,
        action_type: ActionType | str = ActionType.RPM,
        start_jitter: float = 0.02,
        ctrl_freq: int = 30,
        pyb_freq: int = 240,
        episode_seconds: float = 8.0,
        params: CrazyflieParams | dict[str, Any] | None = None,
        render_mode: str | None = None,
    ) -> None:
        name = type(self).__name__
        if trajectory not in self.trajectories:
            raise ValueError(
                f"{name}: trajectory must be one of {self.trajectories}, got {trajectory!r}"
            )
        for label, value in (("amplitude", amplitude), ("height", height), ("period", period)):
            if not value > 0:
                raise ValueError(f"{name}: {label} must be a positive number, got {value!r}")
        if not tracking_sigma > 0:
            raise ValueError(f"{name}: tracking_sigma must be > 0, got {tracking_sigma!r}")
        if not start_jitter >= 0:
            raise ValueError(f"{name}: start_jitter must be >= 0, got {start_jitter!r}")
        self.trajectory = trajectory
        self.amplitude = float(amplitude)
        self.height = float(height)
        self.period = float(period)
        self.tracking_sigma = float(tracking_sigma)
        self.start_jitter = float(start_jitter)
        self._squared_error_sum = 0.0
        self._position_error = 0.0
        super().__init__(
            num_drones=1,
            action_type=action_type,
            ctrl_freq=ctrl_freq,
            pyb_freq=pyb_freq,
            episode_seconds=episode_seconds,
            params=params,
            render_mode=render_mode,
        )

    def reference_at(self, time: float) -> tuple[np.ndarray, np.ndarray]:
        """Reference position (3,) and velocity (3,) at ``time`` seconds into the episode."""
        return reference_point(self.trajectory, time, self.amplitude, self.height, self.period)

    def control_target(self) -> tuple[np.ndarray, np.ndarray]:
        """Where the reference will be at the end of the next step, (1, 3) each."""
        position, velocity = self.reference_at(self.time + self.control_timestep)
        return position[None, :], velocity[None, :]

    def _reset_drones(self) -> QuadrotorState:
        start, _ = self.reference_at(0.0)
        start = start + self.np_random.uniform(-self.start_jitter, self.start_jitter, 3)
        return QuadrotorState.at_rest(start[None, :], rpm=self.params.hover_rpm)

    def _reset_task(self, options: dict[str, Any] | None) -> None:
        self._squared_error_sum = 0.0
        self._position_error = 0.0

    def _task_feature_size(self) -> int:
        return 6

    def _task_features(self) -> np.ndarray:
        position, velocity = self.reference_at(self.time)
        offset = position - self.sensed_kinematics()["position"][0]
        return np.concatenate([offset, velocity])[None, :]

    def _after_step(self) -> None:
        super()._after_step()
        reference, _ = self.reference_at(self.time)
        x, y, z = self.state.position[0].tolist()
        reference_x, reference_y, reference_z = reference.tolist()
        dx, dy, dz = reference_x - x, reference_y - y, reference_z - z
        self._position_error = math.sqrt((dx * dx + dy * dy) + dz * dz)
        if self.step_count > 0:
            self._squared_error_sum += self._position_error**2

    def _reward(self) -> float:
        return tracking_reward(self._position_error, self.tracking_sigma)

    def position_rmse(self) -> float:
        """RMSE of the distance from the reference over the steps so far, m."""
        return math.sqrt(self._squared_error_sum / max(1, self.step_count))

    def _info(self) -> dict[str, Any]:
        return {"position_error": self._position_error, "position_rmse": self.position_rmse()}

    def _reference_path(self) -> np.ndarray:
        times = np.linspace(0.0, self.period, 120)
        return np.array([self.reference_at(float(t))[0] for t in times])


def return_bounds(**env_kwargs: Any) -> tuple[float, float]:
    """Smallest and largest episode return of ``QuadTrajectoryEnv(**env_kwargs)``.

    :func:`tracking_reward` is 2 on the reference and falls toward 0 (never below) with the
    distance, for any ``tracking_sigma``, so a step pays within [0, 2]; with the default 8 s at
    30 Hz (240 steps) returns lie in [0, 480].
    """
    import inspect

    from rlbench_suite.envs.uav.base import quadrotor_return_bounds

    # Binding to the class's own signature reads its defaults, so none is typed here twice.
    arguments = inspect.signature(QuadTrajectoryEnv).bind(**env_kwargs)
    arguments.apply_defaults()
    values = arguments.arguments
    sigma = values["tracking_sigma"]
    step_reward_bounds = (tracking_reward(math.inf, sigma), tracking_reward(0.0, sigma))
    return quadrotor_return_bounds(
        step_reward_bounds, values["episode_seconds"], values["ctrl_freq"]
    )
