"""QuadAttack: hold a hover (or track a reference) while physical attacks hit the drone.

## Description

QuadTrajectory's drone and reward, with attacks drawn per episode from the env's ``np_random``.
Each attack is a schedule (start, duration, magnitude):

- ``"gps_spoofing"``: a constant bias, uniform in ``+-gps_bias`` (default 1 m) per axis, added to
  the measured position.
- ``"gyro_injection"``: a constant bias, uniform in ``+-gyro_bias`` (default 0.4 rad/s) per axis,
  added to the measured body rates; the attitude estimate integrates it through a complementary
  filter of time constant 0.5 s, so the reported roll, pitch and yaw drift by up to
  ``0.5 s x bias`` and recover after the attack.
- ``"motor_loss"``: one motor, drawn at random, loses a fraction of its thrust and torque, uniform
  in ``motor_loss`` (default 10 % to 30 %).
- ``"wind_gust"``: a horizontal force of a random direction with a 1-cosine profile (the
  standard discrete gust shape) peaking at a value uniform in ``wind_force`` (default 0.02 to
  0.05 N; the drone weighs 0.26 N).

Sensor attacks corrupt the observation and the env's own PID (PID and VEL action types); rewards
and limits use the true state. ``attack_types=()`` gives the clean task, so a robustness score is
the ratio of the attacked to the clean return.

## Action Space

As QuadHover: ``Box(-1, 1, (k,), float32)``, ``k`` = 4 (``"rpm"``), 1, 3 or 4.

## Observation Space

As QuadTrajectory (``18 + 15 k`` entries: kinematics as measured, reference offset and velocity,
action buffer), with the measured entries corrupted while a sensor attack is active.

## Rewards

QuadTrajectory's ``2 exp(-e^2 / (2 sigma^2))`` on the true distance ``e`` from the reference
(sigma = 0.1 m). With ``trajectory="hover"`` the reference is the point (0, 0, 1).

## Starting State

Hovering at the reference's first point, plus ``+-start_jitter`` (0.02 m) per axis.

## Episode End

As QuadTrajectory: truncation on the HoverAviary limits (``info["crashed"]``) or after 8 s.
``info["attack_schedule"]`` lists the episode's attacks (type, start_s, duration_s, magnitude and
the drawn details); ``info["active_attacks"]`` the ones active now.

## Arguments

```python
gym.make("rlbench/QuadAttack-v0", trajectory="hover",
         attack_types=("gps_spoofing", "gyro_injection", "motor_loss", "wind_gust"),
         attacks_per_episode=1, attack_start=(1.0, 4.0), attack_duration=(1.0, 3.0),
         gps_bias=1.0, gyro_bias=0.4, motor_loss=(0.1, 0.3), wind_force=(0.02, 0.05),
         action_type="rpm", params=None, render_mode=None)
```

``attacks_per_episode`` types are drawn without replacement from ``attack_types``.

## Reference Scores

50 episodes from seed 0 (``rlbench info rlbench/QuadAttack-v0``): random 24.1, constant hover
thrust 278.9 (the zero anchor: blind to the spoofed sensors, it loses only to motor loss and
gusts), the DSL PID 303.0 (it trusts the spoofed GPS) and the expert ``pid_robust``
(:class:`rlbench_suite.agents.uav.AttackAwareAgent`) 391.7. The env publishes no alarm an agent
may read: ``info["attack_schedule"]`` is ground truth for analysis, and the expert finds every
attack in the observation. A motor losing more than about 18 % of its thrust leaves the
+-5 % RPM action too little range to balance roll and pitch, so no controller holds it.

## Version History

- v0: first release.

## Credits

The attack classes follow the physical-attack literature on UAV control (ARMOR, robust control
under physical attacks; SpecGuard's parameterisation of GPS spoofing, gyroscope injection, motor
failure and wind). The drone and controller are gym-pybullet-drones' (Panerati et al., 2021).

Example:
    >>> import gymnasium as gym
    >>> import rlbench_suite.envs.uav
    >>> env = gym.make("rlbench/QuadAttack-v0", attack_types=("wind_gust",))
    >>> obs, info = env.reset(seed=0)
    >>> [attack["type"] for attack in info["attack_schedule"]]
    ['wind_gust']

"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from rlbench_suite.envs.uav.base import ActionType, SubstepDisturbances
from rlbench_suite.envs.uav.dynamics import CrazyflieParams
from rlbench_suite.envs.uav.trajectory import QuadTrajectoryEnv

ATTACK_TYPES = ("gps_spoofing", "gyro_injection", "motor_loss", "wind_gust")
# Time constant with which the attitude estimator forgets an integrated gyro bias.
ATTITUDE_FILTER_TIME_CONSTANT = 0.5  # s


class QuadAttackEnv(QuadTrajectoryEnv):
    """QuadTrajectory under sampled physical attacks (see the module docstring)."""

    trajectories: tuple[str, ...] = ("hover", "figure_eight", "circle")

    def __init__(
        self,
        trajectory: str = "hover",
        attack_types: tuple[str, ...] | list[str] = ATTACK_TYPES,
        attacks_per_episode: int = 1,
        attack_start: tuple[float, float] = (1.0, 4.0),
        attack_duration: tuple[float, float] = (1.0, 3.0),
        gps_bias: float = 1.0,
        gyro_bias: float = 0.4,
        motor_loss: tuple[float, float] = (0.1, 0.3),
        wind_force: tuple[float, float] = (0.02, 0.05),
        action_type: ActionType | str = ActionType.RPM,
        start_jitter: float = 0.02,
        ctrl_freq: int = 30,
        pyb_freq: int = 240,
        episode_seconds: float = 8.0,
        params: CrazyflieParams | dict[str, Any] | None = None,
        render_mode: str | None = None,
    ) -> None:
        name = type(self).__name__
        unknown = [kind for kind in attack_types if kind not in ATTACK_TYPES]
        if unknown:
            raise ValueError(f"{name}: attack_types must come from {ATTACK_TYPES}, got {unknown}")
        if not 0 <= attacks_per_episode <= len(attack_types):
            raise ValueError(
                f"{name}: attacks_per_episode must be between 0 and len(attack_types) = "
                f"{len(attack_types)}, got {attacks_per_episode}"
            )
        for label, (low, high) in (
            ("attack_start", attack_start),
            ("attack_duration", attack_duration),
            ("motor_loss", motor_loss),
            ("wind_force", wind_force),
        ):
            if not 0 <= low <= high:
                raise ValueError(
                    f"{name}: {label} must be a range 0 <= low <= high, got {(low, high)}"
                )
        if not motor_loss[1] <= 1:
            raise ValueError(f"{name}: motor_loss fractions must be <= 1, got {motor_loss}")
        if not (gps_bias >= 0 and gyro_bias >= 0):
            raise ValueError(f"{name}: gps_bias and gyro_bias must be >= 0")
        self.attack_types = tuple(attack_types)
        self.attacks_per_episode = int(attacks_per_episode)
        self.attack_start = (float(attack_start[0]), float(attack_start[1]))
        self.attack_duration = (float(attack_duration[0]), float(attack_duration[1]))
        self.gps_bias = float(gps_bias)
        self.gyro_bias = float(gyro_bias)
        self.motor_loss = (float(motor_loss[0]), float(motor_loss[1]))
        self.wind_force = (float(wind_force[0]), float(wind_force[1]))
        self.attack_schedule: list[dict[str, Any]] = []
        self._attitude_drift = np.zeros((1, 3))
        super().__init__(
            trajectory=trajectory,
            action_type=action_type,
            start_jitter=start_jitter,
            ctrl_freq=ctrl_freq,
            pyb_freq=pyb_freq,
            episode_seconds=episode_seconds,
            params=params,
            render_mode=render_mode,
        )

    # -- the schedule ---------------------------------------------------------------------------

    def _reset_task(self, options: dict[str, Any] | None) -> None:
        super()._reset_task(options)
        rng = self.np_random
        self._attitude_drift = np.zeros((1, 3))
        chosen = rng.choice(len(self.attack_types), self.attacks_per_episode, replace=False)
        self.attack_schedule = []
        for index in sorted(int(i) for i in chosen):
            kind = self.attack_types[index]
            attack: dict[str, Any] = {
                "type": kind,
                "start_s": float(rng.uniform(*self.attack_start)),
                "duration_s": float(rng.uniform(*self.attack_duration)),
            }
            if kind == "gps_spoofing":
                bias = rng.uniform(-self.gps_bias, self.gps_bias, 3)
                attack.update(position_bias_m=bias.tolist(), magnitude=float(np.abs(bias).max()))
            elif kind == "gyro_injection":
                bias = rng.uniform(-self.gyro_bias, self.gyro_bias, 3)
                attack.update(rate_bias_rad_s=bias.tolist(), magnitude=float(np.abs(bias).max()))
            elif kind == "motor_loss":
                motor = int(rng.integers(4))
                loss = float(rng.uniform(*self.motor_loss))
                attack.update(motor=motor, magnitude=loss)
            else:
                heading = float(rng.uniform(0.0, 2.0 * math.pi))
                peak = float(rng.uniform(*self.wind_force))
                attack.update(heading_rad=heading, magnitude=peak)
            self.attack_schedule.append(attack)

    def _active(self, attack: dict[str, Any]) -> bool:
        return attack["start_s"] <= self.time < attack["start_s"] + attack["duration_s"]

    def active_attacks(self) -> list[str]:
        """Types of the attacks active at the current time."""
        return [attack["type"] for attack in self.attack_schedule if self._active(attack)]

    # -- effects ----------------------------------------------------------------------------------

    def _advance_disturbances(self) -> SubstepDisturbances:
        force = np.zeros((1, 3))
        effectiveness = np.ones((1, 4))
        injected_rate = np.zeros((1, 3))
        for attack in self.attack_schedule:
            if not self._active(attack):
                continue
            if attack["type"] == "motor_loss":
                effectiveness[0, attack["motor"]] = 1.0 - attack["magnitude"]
            elif attack["type"] == "wind_gust":
                progress = (self.time - attack["start_s"]) / attack["duration_s"]
                strength = attack["magnitude"] * 0.5 * (1.0 - math.cos(2.0 * math.pi * progress))
                force[0, 0] = strength * math.cos(attack["heading_rad"])
                force[0, 1] = strength * math.sin(attack["heading_rad"])
            elif attack["type"] == "gyro_injection":
                injected_rate[0] = attack["rate_bias_rad_s"]
        # The estimator integrates the injected rate and bleeds it off with its filter constant.
        self._attitude_drift += self.physics_timestep * (
            injected_rate - self._attitude_drift / ATTITUDE_FILTER_TIME_CONSTANT
        )
        return SubstepDisturbances(force=force, motor_effectiveness=effectiveness)

    def sensed_kinematics(self) -> dict[str, np.ndarray]:
        """The true kinematics with the active sensor attacks added."""
        sensed = super().sensed_kinematics()
        sensed["roll_pitch_yaw"] = sensed["roll_pitch_yaw"] + self._attitude_drift
        for attack in self.attack_schedule:
            if not self._active(attack):
                continue
            if attack["type"] == "gps_spoofing":
                sensed["position"] = sensed["position"] + np.array(attack["position_bias_m"])
            elif attack["type"] == "gyro_injection":
                sensed["body_rates"] = sensed["body_rates"] + np.array(attack["rate_bias_rad_s"])
        return sensed

    def _info(self) -> dict[str, Any]:
        return {
            **super()._info(),
            "attack_schedule": [dict(attack) for attack in self.attack_schedule],
            "active_attacks": self.active_attacks(),
        }


def return_bounds(**env_kwargs: Any) -> tuple[float, float]:
    """Smallest and largest episode return of ``QuadAttackEnv(**env_kwargs)``.

    The reward is QuadTrajectory's, on the true state (attacks corrupt only what the drone
    senses and how it flies), so the bounds are QuadTrajectory's for the same episode length:
    [0, 480] with the defaults.
    """
    import inspect

    from rlbench_suite.envs.uav import trajectory

    # Binding to the class's own signature reads its defaults, so none is typed here twice.
    arguments = inspect.signature(QuadAttackEnv).bind(**env_kwargs)
    arguments.apply_defaults()
    values = arguments.arguments
    return trajectory.return_bounds(
        episode_seconds=values["episode_seconds"], ctrl_freq=values["ctrl_freq"]
    )
