"""MOMultiDroneCoverage: Crazyflies sweep a square area; cover it all, or save the batteries.

## Description

``num_drones`` Crazyflie 2.x quadrotors (default 3) fly over a square area of ``area_size`` m
(default 4 m x 4 m, centred on the origin) divided into a ``grid_size`` x ``grid_size`` grid of
cells (default 10 x 10, 0.4 m cells). A cell counts as covered, for the rest of the episode, once
a flying drone has been within ``coverage_radius`` (default 0.3 m) of its centre horizontally at
a height of at least ``min_cover_height`` (default 0.5 m): a downward camera whose footprint is a
disc. Each drone is an agent; two objectives per drone and step: the cells it newly covered, and
the electrical energy its four motors spent, negated. Covering the whole area needs flight time,
and flight time is energy: a team can stop short and land.

The drones share one simulation: the suite's NumPy Crazyflie model of
:mod:`rlbench_suite.envs.uav` (per-motor thrust, drag, ground effect, downwash between drones, a
floor) at ``pyb_freq`` (default 120 Hz) under a ``ctrl_freq`` (default 10 Hz) control step, and
each drone is flown by the env's own DSL PID from a velocity command (the UAV family's ``"vel"``
action type), so learners and heuristics decide where to go, not how to keep a quadrotor level.
Built as a MOMAland-protocol PettingZoo ``ParallelEnv`` (``parallel_env()``; ``env()`` gives the
AEC version), with a centralised single-agent twin in MO-Gymnasium's protocol,
``rlbench/MOMultiDroneCoverageCentral-v0``: joint observation and action, the reward vector
summed over drones.

## Action Space

Per agent ``Box(-1, 1, (4,), float32)``, the UAV family's ``"vel"`` action: ``a[0:3]`` is the
direction of the velocity (normalised by the env; all zeros means hover in place) and
``abs(a[3])`` the speed as a fraction of ``max_speed`` (default 1 m/s). The DSL PID tracks that
velocity at the physics rate. The twin takes the drones' actions concatenated,
``Box(-1, 1, (4 N,))``; the actions of crashed drones are ignored.

## Observation Space

Per agent ``Box(float32)`` of ``12 + 4 (N - 1) + G^2 + 1`` entries (121 by default):

| index | observation | unit |
|-------|-------------|------|
| 0-11  | own kinematics: position, roll/pitch/yaw, velocity, body rates | m, rad, m/s, rad/s |
| next ``3 (N - 1)`` | the other drones' positions minus own, in agent order | m |
| next ``N - 1`` | whether each other drone is operational (1; landed counts) or crashed (0) | - |
| next ``G^2`` | the coverage map, row-major, row = y index, column = x index (1 = covered) | - |
| last  | the share of the episode left, from 1 at the start to 0 at the end | - |

The twin observes ``12 N + N + G^2 + 1`` entries: every drone's kinematics, every drone's
operational flag, the map and the share left. Kinematics are unbounded (the largest float32
stands for no bound, as in the UAV family); the flags, the map and the share lie in [0, 1].

## Rewards

A vector per agent and step, both objectives maximised:

0. ``coverage``: the cells (of ``G^2``) this drone newly covered in the step. A cell is credited
   to the drone that covered it, so the agents' coverage returns add up to the team's covered
   cells; a cell first covered by several drones in the same step goes to the nearest of them
   (to the lowest agent index on a tie), so rewards are whole cells.
1. ``-energy``: the energy, in joules, the drone's four motors drew during the step, negated.
   The power of a motor is the ideal induced power of momentum theory, ``P = T^1.5 /
   sqrt(2 rho A)`` with the motor's thrust ``T = kf rpm^2``, the air density ``rho = 1.225
   kg/m^3`` and the propeller disc ``A = pi r^2``; it is integrated over every physics substep
   from the rotor speeds the simulation actually ran. A Crazyflie hovering draws 1.06 W this
   way (21 J in a 20 s episode); the real airframe draws several times more (profile losses,
   motor and ESC efficiency), a factor that would scale every energy alike. A drone that sits
   on the floor and is not asked to climb is disarmed, as flight controllers do on landing: its
   motors stop and it draws nothing until an action asks it up again. A crashed drone's motors
   stop too, but a crash costs ``crash_energy`` once (default: the energy of hovering for a whole
   episode, 21.2 J), so a drone can never save energy by crashing.

The twin's reward is the sum of the drones' vectors. The reward space of an agent is
``[0, G^2] x [-(P_max dt + crash_energy), 0]`` with ``P_max`` the power at the PID's top motor
speed (3.56 W) and ``dt`` the control step; the twin's is ``[0, G^2] x N`` times the energy
bound. Since a landed drone draws nothing, finishing sooner saves energy: at these speeds,
flying faster costs a little more power (the drone leans further in turns) but far less
energy per cell, and the trade-off between the objectives is how much of the area to cover
before landing.

## Starting State

The drones hover level and still at ``cruise_height`` (default 1 m) above the area's southern
edge (``y = -area_size / 2``), evenly spaced in x at the centres of N equal strips, each moved by
up to ``+-start_jitter`` (default 0.05 m) in x and y. No cell is covered yet: the first step
covers the cells under the starting drones.

## Episode End

A drone crashes, and its agent is terminated, when it tilts beyond 1 rad (roll or pitch), when
it leaves the flight volume (more than 0.5 m beyond the area's edges or above 2.5 m), or when it
comes within two collision radii (0.12 m) of another drone that has not crashed, which then
crashes too. A
crashed drone is set down on the floor where it crashed, motors stopped; it covers nothing, is
no obstacle and no longer acts (``info["crashed"]``). Every remaining agent is truncated after
``episode_seconds`` (default 20 s, 200 steps). Full coverage does not end the episode: what the
drones do afterwards still costs energy.

## Arguments

```python
rlbench_suite.make_multiagent("rlbench/MOMultiDroneCoverage-v0", num_drones=3, area_size=4.0,
    grid_size=10, coverage_radius=0.3, cruise_height=1.0, min_cover_height=0.5, max_speed=1.0,
    episode_seconds=20.0, ctrl_freq=10, pyb_freq=120, start_jitter=0.05, crash_energy=None,
    params=None, render_mode=None)
gym.make("rlbench/MOMultiDroneCoverageCentral-v0", num_drones=3, ...)
```

- ``num_drones``: 1 to 8. ``area_size`` (m) and ``grid_size`` (cells per side) set the map.
- ``max_speed``: the top speed of the velocity action, m/s (the UAV family's 0.25 m/s would take
  a minute to sweep the default area). Reversing a 1 m/s velocity at once leans the drone to
  0.7 rad, within the 1 rad crash limit; at 2 m/s it reaches 1.2 rad and crashes.
- ``crash_energy``: J charged once per crash; ``None`` is the hover energy of a whole episode.
- ``params``: a :class:`~rlbench_suite.envs.uav.dynamics.CrazyflieParams`; the MDP family
  perturbs mass and kf by +-10 % (held out: +-25 %) and draws the number of drones and the
  coverage radius.
- ``render_mode``: ``"rgb_array"`` or ``"human"`` (the UAV family's side and top views).

## Reference Scores

Team returns (the twin's; one agent's mean is a third) of the random agent and the heuristics of
:mod:`rlbench_suite.agents.moma.drone_coverage` on the default instance, 20 episodes from seed
0, mean and 95 % t-interval:

| agent | coverage (cells) | -energy (J) |
|-------|------------------|-------------|
| random | 11.45 +- 2.34 | -88.01 +- 4.85 |
| coverage_lawnmower (expert) | 100.00 +- 0 | -32.56 +- 0.04 |
| coverage_lawnmower_half | 54.00 +- 0 | -15.26 +- 0.08 |
| coverage_lawnmower_quarter | 30.00 +- 0 | -10.17 +- 0.08 |
| coverage_lawnmower_slow | 78.00 +- 0 | -63.63 +- 0.00 |
| coverage_greedy | 100.00 +- 0 | -60.23 +- 1.33 |
| coverage_greedy_half | 51.00 +- 0.26 | -24.69 +- 0.61 |
| coverage_greedy_slow | 71.10 +- 0.34 | -64.08 +- 0.11 |

The lawnmower at 1 m/s with quotas of 1, 1/2 and 1/4 is the non-dominated set; its hypervolume
per agent from the card's reference point (0, -92.42) is 2,839.6, its expected utility over
11 equally spaced weights 12.46. The slow settings never finish, so never land, and spend what
hovering would; greedy covers everything too, but its drones cross the map between scattered
cells and land later (no crash in these episodes; its drones push apart within 0.3 m).

## Version History

- v0: first release.

## Credits

MOMAland's drone tasks on Crazyflies (crazyrl catch, escort, surround) and its
``MOParallelEnv`` protocol; gym-pybullet-drones' Crazyflie parameters and DSL PID (Panerati et
al., IROS 2021); momentum-theory induced power (Leishman, Principles of Helicopter
Aerodynamics, 2006). Coverage with a team of drones in strips follows the boustrophedon cellular
decomposition (Choset, 2000).

Example:
    >>> from rlbench_suite.envs.moma.drone_coverage import parallel_env
    >>> env = parallel_env()
    >>> observations, infos = env.reset(seed=0)
    >>> env.agents
    ['drone_0', 'drone_1', 'drone_2']
    >>> observations["drone_0"].shape
    (121,)
    >>> forward = [0.0, 1.0, 0.0, 1.0]  # north at full speed
    >>> observations, rewards, terminations, truncations, infos = env.step(
    ...     {agent: forward for agent in env.agents})
    >>> rewards["drone_0"].shape, rewards["drone_0"].dtype
    ((2,), dtype('float32'))
    >>> float(rewards["drone_0"][0]) > 0  # the cells under the drone
    True
    >>> -0.2 < float(rewards["drone_0"][1]) < 0  # about 0.1 s of hover power, in J
    True

"""

from __future__ import annotations

import inspect
import math
from typing import Any, ClassVar

import numpy as np
from gymnasium import spaces
from pettingzoo.utils import parallel_to_aec

from rlbench_suite.envs.moma.common import FAMILY, MO_GYMNASIUM_CITATION, MOMALAND_CITATION
from rlbench_suite.envs.moma.protocol import MOEnvMixin, MOParallelEnv, reward_box
from rlbench_suite.envs.uav.base import (
    KINEMATICS_SIZE,
    OBSERVATION_BOUND,
    ActionType,
    QuadrotorEnv,
    parse_params,
)
from rlbench_suite.envs.uav.control import PIDGains
from rlbench_suite.envs.uav.dynamics import (
    CrazyflieParams,
    QuadrotorDynamics,
    QuadrotorState,
    quaternion_to_rotation,
    rotation_to_euler,
)
from rlbench_suite.envs.validation import EnvContract
from rlbench_suite.registry import EnvCard, MDPFamily, Split

MIN_DRONES, MAX_DRONES = 1, 8
OBJECTIVES = ("coverage", "-energy")
AIR_DENSITY = 1.225  # kg/m^3, the ISA sea-level atmosphere
# Beyond 1 rad of roll or pitch the drone is lost; the DSL PID reverses a 1 m/s velocity at
# 0.7 rad.
CRASH_TILT = 1.0  # rad
FLIGHT_VOLUME_MARGIN = 0.5  # m beyond the area's edges
FLIGHT_CEILING = 2.5  # m
# Two drones closer than two collision radii (the urdf's cylinder, 0.06 m) have touched.
COLLISION_RADII = 2.0
# A drone whose centre is this close to its resting height sits on the floor.
LANDED_HEIGHT_TOLERANCE = 0.01  # m
ACTION_SIZE = 4  # the "vel" action: direction (3) and speed fraction (1)


def rotor_power(params: CrazyflieParams, rpm: np.ndarray) -> np.ndarray:
    """Ideal induced power (W) of each drone's four rotors at motor speeds ``rpm`` (N, 4) -> (N,).

    Momentum theory: a rotor of disc area ``A`` producing thrust ``T`` in hover draws
    ``T^1.5 / sqrt(2 rho A)``; the thrust of a Crazyflie motor is ``kf rpm^2``.
    """
    thrust = params.kf * np.asarray(rpm, dtype=float) ** 2  # (N, 4) N
    disc_area = math.pi * params.prop_radius**2
    return np.sum(thrust**1.5, axis=-1) / math.sqrt(2.0 * AIR_DENSITY * disc_area)


def hover_power(params: CrazyflieParams) -> float:
    """The induced power (W) of one drone hovering: four motors at ``hover_rpm``."""
    return float(rotor_power(params, np.full((1, 4), params.hover_rpm))[0])


def peak_power(params: CrazyflieParams) -> float:
    """The induced power (W) of one drone with every motor at the PID's top speed."""
    gains = PIDGains()
    top_rpm = gains.pwm_to_rpm_scale * gains.max_pwm + gains.pwm_to_rpm_offset
    return float(rotor_power(params, np.full((1, 4), top_rpm))[0])


class _MeteredDynamics(QuadrotorDynamics):
    """The suite's quadrotor physics, adding up each drone's rotor energy substep by substep."""

    def __post_init__(self) -> None:
        super().__post_init__()
        self.energy: np.ndarray = np.zeros(0)  # (N,) J since the last reading

    def step(self, state: QuadrotorState, rpm_command: np.ndarray, dt: float, *args: Any) -> None:
        """One physics substep, then the energy the motors drew at the speeds it ran."""
        super().step(state, rpm_command, dt, *args)
        self.energy = self.energy + dt * rotor_power(self.params, state.rpm)

    def read_energy(self, num_drones: int) -> np.ndarray:
        """Energy (N,) since the last reading, J; the meter restarts from zero."""
        energy = self.energy if self.energy.size else np.zeros(num_drones)
        self.energy = np.zeros(num_drones)
        return energy


class MOMultiDroneCoverageCentralEnv(MOEnvMixin, QuadrotorEnv):
    """The centralised twin: one agent flies every drone (see the module docstring).

    It also holds the shared simulation of :class:`MOMultiDroneCoverageEnv`. Public attributes
    for agents: ``num_drones``, ``area_size``, ``grid_size``, ``cell_size``, ``cell_centres``
    (G, G, 2) indexed ``[y, x]``, ``coverage_radius``, ``cruise_height``, ``min_cover_height``,
    ``speed_limit`` (m/s), ``covered`` (G, G) bool, ``operational`` (N,) bool (not crashed),
    ``landed`` (N,) bool (disarmed on the floor) and :meth:`parse_observation`.
    """

    def __init__(
        self,
        num_drones: int = 3,
        area_size: float = 4.0,
        grid_size: int = 10,
        coverage_radius: float = 0.3,
        cruise_height: float = 1.0,
        min_cover_height: float = 0.5,
        max_speed: float = 1.0,
        episode_seconds: float = 20.0,
        ctrl_freq: int = 10,
        pyb_freq: int = 120,
        start_jitter: float = 0.05,
        crash_energy: float | None = None,
        params: CrazyflieParams | dict[str, Any] | None = None,
        render_mode: str | None = None,
    ) -> None:
        name = type(self).__name__
        if not isinstance(num_drones, int | np.integer) or not (
            MIN_DRONES <= num_drones <= MAX_DRONES
        ):
            raise ValueError(
                f"{name}: num_drones must be an integer from {MIN_DRONES} to {MAX_DRONES}, "
                f"got {num_drones!r}"
            )
        if not isinstance(grid_size, int | np.integer) or grid_size < 1:
            raise ValueError(f"{name}: grid_size must be a positive integer, got {grid_size!r}")
        for label, value in (
            ("area_size", area_size),
            ("coverage_radius", coverage_radius),
            ("max_speed", max_speed),
        ):
            if not value > 0:
                raise ValueError(f"{name}: {label} must be > 0, got {value!r}")
        if not 0 <= min_cover_height <= cruise_height < FLIGHT_CEILING:
            raise ValueError(
                f"{name}: need 0 <= min_cover_height <= cruise_height < {FLIGHT_CEILING} m, got "
                f"min_cover_height={min_cover_height!r}, cruise_height={cruise_height!r}"
            )
        if not start_jitter >= 0:
            raise ValueError(f"{name}: start_jitter must be >= 0, got {start_jitter!r}")
        if crash_energy is not None and not crash_energy >= 0:
            raise ValueError(f"{name}: crash_energy must be >= 0 J or None, got {crash_energy!r}")
        self.area_size = float(area_size)
        self.grid_size = int(grid_size)
        self.cell_size = self.area_size / self.grid_size
        self.coverage_radius = float(coverage_radius)
        self.cruise_height = float(cruise_height)
        self.min_cover_height = float(min_cover_height)
        self.start_jitter = float(start_jitter)
        centres_1d = -0.5 * self.area_size + (np.arange(self.grid_size) + 0.5) * self.cell_size
        grid_x, grid_y = np.meshgrid(centres_1d, centres_1d)  # [y, x]
        self.cell_centres = np.stack([grid_x, grid_y], axis=-1)  # (G, G, 2) m
        super().__init__(
            num_drones=int(num_drones),
            action_type=ActionType.VEL,
            ctrl_freq=ctrl_freq,
            pyb_freq=pyb_freq,
            episode_seconds=episode_seconds,
            params=params,
            render_mode=render_mode,
        )
        # The family's VEL speed limit (3 % of 30 km/h) is too slow to sweep an area.
        self.speed_limit = float(max_speed)
        self.dynamics = _MeteredDynamics(self.dynamics.params, self.dynamics.config)
        self.hover_power = hover_power(self.params)
        self.episode_seconds = self.episode_steps * self.control_timestep
        self.crash_energy = (
            self.hover_power * self.episode_seconds if crash_energy is None else float(crash_energy)
        )
        step_energy_bound = peak_power(self.params) * self.control_timestep + self.crash_energy
        self.drone_reward_space = reward_box(
            low=[0.0, -step_energy_bound], high=[float(self.grid_size**2), 0.0]
        )
        # The team covers each cell once; every drone spends its own energy.
        self._set_reward_space(
            low=[0.0, -self.num_drones * step_energy_bound], high=[float(self.grid_size**2), 0.0]
        )
        self.covered = np.zeros((self.grid_size, self.grid_size), dtype=bool)
        self.operational = np.ones(self.num_drones, dtype=bool)  # not crashed (landed counts)
        self.landed = np.zeros(self.num_drones, dtype=bool)  # on the floor, motors stopped
        self.drone_rewards = np.zeros((self.num_drones, len(OBJECTIVES)))  # (N, 2)
        self.newly_crashed = np.zeros(self.num_drones, dtype=bool)

    # -- task hooks of QuadrotorEnv ---------------------------------------------------------------

    def _home_positions(self) -> np.ndarray:
        """Above the southern edge, at the centres of N equal strips, at cruise height."""
        strip = self.area_size / self.num_drones
        home = np.zeros((self.num_drones, 3))
        home[:, 0] = -0.5 * self.area_size + (np.arange(self.num_drones) + 0.5) * strip
        home[:, 1] = -0.5 * self.area_size
        home[:, 2] = self.cruise_height
        return home

    def _reset_task(self, options: dict[str, Any] | None) -> None:
        self.covered = np.zeros((self.grid_size, self.grid_size), dtype=bool)
        self.operational = np.ones(self.num_drones, dtype=bool)
        self.landed = np.zeros(self.num_drones, dtype=bool)
        self.drone_rewards = np.zeros((self.num_drones, len(OBJECTIVES)))
        self.newly_crashed = np.zeros(self.num_drones, dtype=bool)

    def _reset_drones(self) -> QuadrotorState:
        home = self._home_positions()
        jitter = self.start_jitter
        home[:, 0:2] += self.np_random.uniform(-jitter, jitter, (self.num_drones, 2))
        # Motors at hover speed: the drones start in the air, not falling from it.
        state = QuadrotorState.at_rest(home, rpm=self.params.hover_rpm)
        self.dynamics.read_energy(self.num_drones)
        return state

    def control_target(self) -> tuple[np.ndarray, np.ndarray]:
        """Where each drone is and zero velocity (N, 3) each: coverage has no fixed target."""
        return self.state.position.copy(), np.zeros((self.num_drones, 3))

    def _before_physics(self, action: np.ndarray) -> None:
        # A flight controller disarms a drone that sits on the floor and is not asked to climb:
        # its motors stop, and it rests level until an action asks it up again. Left armed, the
        # PID keeps fighting the floor contact and tips the drone over.
        on_floor = self.state.position[:, 2] <= self.params.rest_height + LANDED_HEIGHT_TOLERANCE
        climb = action[:, 2] * np.abs(action[:, 3])
        self.landed = self.operational & on_floor & ~(climb > 0)
        for index in np.flatnonzero(self.landed):
            self._set_down(index)

    def _controller_rpm(self, action: np.ndarray) -> np.ndarray:
        rpm = super()._controller_rpm(action)
        rpm[~self.operational | self.landed] = 0.0  # crashed or landed: motors stopped
        return rpm

    def _after_step(self) -> None:
        super()._after_step()
        # reset() calls this hook too, before any step: nothing is covered or spent then.
        if self.step_count > 0:
            self._score_step()

    def _score_step(self) -> None:
        """Crashes, coverage and energy of the step just simulated, per drone."""
        energy = self.dynamics.read_energy(self.num_drones)  # (N,) J
        self.newly_crashed = self.operational & self._crash_conditions()
        self.operational &= ~self.newly_crashed
        for index in np.flatnonzero(self.newly_crashed):
            self._set_down(index)
        coverage = self._cover()
        energy = energy + self.crash_energy * self.newly_crashed
        self.drone_rewards = np.stack([coverage, -energy], axis=1)

    def _crash_conditions(self) -> np.ndarray:
        """Which drones (N,) tilt too far, left the flight volume or touched another one."""
        position = self.state.position
        tilt = rotation_to_euler(quaternion_to_rotation(self.state.quaternion))[:, 0:2]
        edge = 0.5 * self.area_size + FLIGHT_VOLUME_MARGIN
        crashed = (
            np.any(np.abs(tilt) > CRASH_TILT, axis=1)
            | np.any(np.abs(position[:, 0:2]) > edge, axis=1)
            | (position[:, 2] > FLIGHT_CEILING)
        )
        gaps = np.linalg.norm(position[:, None, :] - position[None, :, :], axis=2)  # (N, N)
        gaps[~self.operational, :] = np.inf
        gaps[:, ~self.operational] = np.inf
        np.fill_diagonal(gaps, np.inf)
        touching = np.any(gaps < COLLISION_RADII * self.params.collision_radius, axis=1)
        return crashed | touching

    def _set_down(self, index: int) -> None:
        """Put a drone on the floor below where it is, level, still, motors off."""
        state = self.state
        state.position[index, 2] = self.params.rest_height
        state.quaternion[index] = (1.0, 0.0, 0.0, 0.0)
        state.velocity[index] = 0.0
        state.body_rates[index] = 0.0
        state.rpm[index] = 0.0

    def _cover(self) -> np.ndarray:
        """Mark the cells under the drones in the air; how many new cells each drone gets (N,)."""
        position = self.state.position
        can_see = self.operational & (position[:, 2] >= self.min_cover_height)  # (N,)
        offsets = self.cell_centres[None, :, :, :] - position[:, None, None, 0:2]  # (N, G, G, 2)
        squared_distance = np.sum(offsets**2, axis=-1)  # (N, G, G)
        in_view = (squared_distance <= self.coverage_radius**2) & can_see[:, None, None]
        new = np.any(in_view, axis=0) & ~self.covered  # (G, G)
        # A cell seen by several drones at once goes to the nearest (argmin: the lowest index on
        # a tie), so credits stay whole cells and add up exactly to the team's count.
        owner = np.argmin(np.where(in_view, squared_distance, np.inf), axis=0)  # (G, G)
        self.covered |= new
        return np.bincount(owner[new], minlength=self.num_drones).astype(float)

    def _out_of_bounds(self) -> bool:
        # A drone that leaves the volume crashes on its own (_crash_conditions); the episode
        # goes on for the others.
        return False

    def _terminated(self) -> bool:
        return not bool(np.any(self.operational))

    def _reward(self) -> float:
        # QuadrotorEnv.step casts this slot to a float; the vector reward is built in step().
        return 0.0

    def _info(self) -> dict[str, Any]:
        return {
            "covered_cells": int(np.count_nonzero(self.covered)),
            "operational": self.operational.copy(),
            "drone_rewards": self.drone_rewards.astype(np.float32),
        }

    def _reference_path(self) -> np.ndarray | None:
        # The area's outline, drawn in both views of the renderer.
        half = 0.5 * self.area_size
        corners = [(-half, -half), (half, -half), (half, half), (-half, half), (-half, -half)]
        return np.array([(x, y, self.cruise_height) for x, y in corners])

    # -- observation ------------------------------------------------------------------------------

    @property
    def drone_observation_size(self) -> int:
        """Length of one agent's observation in the multi-agent env."""
        return KINEMATICS_SIZE + 4 * (self.num_drones - 1) + self.grid_size**2 + 1

    def _build_observation_space(self) -> spaces.Box:
        kinematics = KINEMATICS_SIZE * self.num_drones
        shared = self.num_drones + self.grid_size**2 + 1  # flags, map, share of time left
        low = np.concatenate([np.full(kinematics, -OBSERVATION_BOUND), np.zeros(shared)])
        high = np.concatenate([np.full(kinematics, OBSERVATION_BOUND), np.ones(shared)])
        return spaces.Box(low.astype(np.float32), high.astype(np.float32), dtype=np.float32)

    def kinematics(self) -> np.ndarray:
        """Every drone's sensed position, roll/pitch/yaw, velocity and body rates, (N, 12)."""
        sensed = self.sensed_kinematics()
        return np.concatenate(
            [
                sensed["position"],
                sensed["roll_pitch_yaw"],
                sensed["velocity"],
                sensed["body_rates"],
            ],
            axis=1,
        )

    def time_left(self) -> float:
        """The share of the episode still to run, 1 at the start, 0 at the end."""
        return 1.0 - self.step_count / self.episode_steps

    def _observation(self) -> np.ndarray:
        return np.concatenate(
            [
                self.kinematics().reshape(-1),
                self.operational.astype(float),
                self.covered.reshape(-1).astype(float),
                [self.time_left()],
            ]
        ).astype(np.float32)

    def drone_observations(self) -> np.ndarray:
        """Every agent's observation in the multi-agent env, (N, drone_observation_size)."""
        kinematics = self.kinematics()
        position = kinematics[:, 0:3]
        shared = np.concatenate([self.covered.reshape(-1).astype(float), [self.time_left()]])
        rows = []
        for index in range(self.num_drones):
            others = np.delete(np.arange(self.num_drones), index)
            rows.append(
                np.concatenate(
                    [
                        kinematics[index],
                        (position[others] - position[index]).reshape(-1),
                        self.operational[others].astype(float),
                        shared,
                    ]
                )
            )
        return np.array(rows, dtype=np.float32)

    def parse_observation(self, observation: np.ndarray) -> dict[str, np.ndarray]:
        """The twin's observation read back as a dict of arrays.

        Keys: ``position``, ``velocity`` (N, 3), ``operational`` (N,), ``covered`` (G, G) bool
        and ``time_left`` (a 0-d array).
        """
        observation = np.asarray(observation, dtype=float)
        if observation.shape != self.observation_space.shape:
            raise ValueError(
                f"{type(self).__name__}: expected an observation of shape "
                f"{self.observation_space.shape}, got shape {observation.shape}"
            )
        count = self.num_drones
        kinematics = observation[: KINEMATICS_SIZE * count].reshape(count, KINEMATICS_SIZE)
        flags_end = KINEMATICS_SIZE * count + count
        map_end = flags_end + self.grid_size**2
        return {
            "position": kinematics[:, 0:3],
            "velocity": kinematics[:, 6:9],
            "operational": observation[KINEMATICS_SIZE * count : flags_end] > 0.5,
            "covered": observation[flags_end:map_end].reshape(self.grid_size, -1) > 0.5,
            "time_left": np.asarray(observation[-1]),
        }

    # -- the Gymnasium API ------------------------------------------------------------------------

    def step(self, action: Any) -> tuple[np.ndarray, np.ndarray, bool, bool, dict[str, Any]]:
        """Fly every drone for one control step; the reward is the drones' vectors summed."""
        observation, _, terminated, truncated, info = super().step(action)
        info["crashed"] = self.newly_crashed.copy()
        reward = self._reward_vector(self.drone_rewards.sum(axis=0))
        return observation, reward, terminated, truncated, info

    def reset(
        self, *, seed: int | None = None, options: dict[str, Any] | None = None
    ) -> tuple[np.ndarray, dict[str, Any]]:
        """Drones hover above the southern edge; nothing is covered (options are refused)."""
        observation, info = super().reset(seed=seed, options=options)
        info["crashed"] = self.newly_crashed.copy()
        return observation, info


class MOMultiDroneCoverageEnv(EnvContract, MOParallelEnv):
    """MOMAland-protocol ParallelEnv: one agent per drone, all flying the shared simulation.

    ``reset`` accepts any ``options`` and ignores them, as PettingZoo's API test requires of a
    ParallelEnv (it resets with ``options={"options": 1}``); the twin is reset without them.
    """

    metadata: ClassVar[dict[str, Any]] = {
        "name": "mo_multi_drone_coverage_v0",
        "render_modes": ["rgb_array", "human"],
        "render_fps": 10,
        "is_parallelizable": True,
    }
    reward_dim = len(OBJECTIVES)

    def __init__(self, num_drones: int = 3, render_mode: str | None = None, **kwargs: Any) -> None:
        self.central = MOMultiDroneCoverageCentralEnv(
            num_drones=num_drones, render_mode=render_mode, **kwargs
        )
        # This env guards its own step and close; the twin is stepped only through it.
        self.central.warns_on_misuse = False
        self.render_mode = render_mode
        self.metadata = {**self.metadata, "render_fps": self.central.ctrl_freq}
        self.possible_agents = [f"drone_{index}" for index in range(self.central.num_drones)]
        self.agents: list[str] = []
        count = self.central.num_drones
        unbounded = KINEMATICS_SIZE + 3 * (count - 1)
        unit = (count - 1) + self.central.grid_size**2 + 1
        low = np.concatenate([np.full(unbounded, -OBSERVATION_BOUND), np.zeros(unit)])
        high = np.concatenate([np.full(unbounded, OBSERVATION_BOUND), np.ones(unit)])
        # PettingZoo expects the same space object on every call.
        self.observation_spaces = {
            agent: spaces.Box(low.astype(np.float32), high.astype(np.float32), dtype=np.float32)
            for agent in self.possible_agents
        }
        self.action_spaces = {
            agent: spaces.Box(-1.0, 1.0, shape=(ACTION_SIZE,), dtype=np.float32)
            for agent in self.possible_agents
        }
        self.reward_spaces = {
            agent: reward_box(
                self.central.drone_reward_space.low, self.central.drone_reward_space.high
            )
            for agent in self.possible_agents
        }

    def observation_space(self, agent: str) -> spaces.Box:
        """One drone's observation space (see the module docstring)."""
        return self.observation_spaces[agent]

    def action_space(self, agent: str) -> spaces.Box:
        """One drone's velocity action space."""
        return self.action_spaces[agent]

    def parse_observation(self, observation: np.ndarray) -> dict[str, np.ndarray]:
        """One agent's observation read back as a dict of arrays.

        Keys: ``position``, ``velocity`` (3,), ``others`` (the other drones' positions minus own,
        (N - 1, 3)), ``others_operational`` (N - 1,), ``covered`` (G, G) bool and ``time_left``
        (a 0-d array).
        """
        observation = np.asarray(observation, dtype=float)
        expected = (self.central.drone_observation_size,)
        if observation.shape != expected:
            raise ValueError(
                f"{type(self).__name__}: expected an observation of shape {expected}, got "
                f"shape {observation.shape}"
            )
        others = self.central.num_drones - 1
        relative_end = KINEMATICS_SIZE + 3 * others
        map_start = relative_end + others
        return {
            "position": observation[0:3],
            "velocity": observation[6:9],
            "others": observation[KINEMATICS_SIZE:relative_end].reshape(others, 3),
            "others_operational": observation[relative_end:map_start] > 0.5,
            "covered": observation[map_start:-1].reshape(self.central.grid_size, -1) > 0.5,
            "time_left": np.asarray(observation[-1]),
        }

    def _observations(self) -> dict[str, np.ndarray]:
        rows = self.central.drone_observations()
        return {
            agent: rows[index]
            for index, agent in enumerate(self.possible_agents)
            if agent in self.agents
        }

    def reset(
        self, seed: int | None = None, options: dict[str, Any] | None = None
    ) -> tuple[dict[str, np.ndarray], dict[str, dict[str, Any]]]:
        """Start an episode; every drone is an agent again (``options`` are ignored)."""
        self._start_episode()
        self.central.reset(seed=seed)
        self.agents = list(self.possible_agents)
        return self._observations(), {agent: {} for agent in self.agents}

    def step(self, actions: dict[str, Any]) -> tuple[dict, dict, dict, dict, dict]:
        """Step every live drone with its agent's action; a crash ends that agent only.

        Actions for agents that have already ended are ignored.

        After the end no agent is left: a step warns (see :class:`EnvContract`) and returns
        empty dicts. Before the first reset it raises, as Gymnasium's ``OrderEnforcing`` does.
        """
        self._warn_if_stepped_out_of_episode()
        if not self.agents:
            if not self._episode_over:
                raise RuntimeError(f"{type(self).__name__}: call reset() before step()")
            return {}, {}, {}, {}, {}
        missing = [agent for agent in self.agents if agent not in actions]
        if missing:
            raise ValueError(f"MOMultiDroneCoverage: no action for agents {missing}")
        # Actions for drones that have crashed are ignored (a harness may act for every agent
        # it last observed); a name that is no agent at all is a mistake.
        unknown = sorted(set(actions) - set(self.possible_agents), key=str)
        if unknown:
            raise ValueError(
                f"MOMultiDroneCoverage: actions for unknown agents {unknown}; the agents are "
                f"{self.possible_agents}"
            )
        joint = np.zeros((self.central.num_drones, ACTION_SIZE), dtype=np.float32)
        for index, agent in enumerate(self.possible_agents):
            if agent in self.agents:
                joint[index] = self._checked_action(agent, actions[agent])
        _, _, _, truncated, info = self.central.step(joint.reshape(-1))
        live = list(self.agents)
        crashed = info["crashed"]
        rewards = {}
        terminations = {}
        infos = {}
        for agent in live:
            index = self.possible_agents.index(agent)
            rewards[agent] = self.central.drone_rewards[index].astype(np.float32)
            terminations[agent] = bool(crashed[index])
            infos[agent] = {"crashed": bool(crashed[index]), "covered_cells": info["covered_cells"]}
        truncations = dict.fromkeys(live, bool(truncated))
        self.agents = [agent for agent in live if not (terminations[agent] or truncations[agent])]
        observations = self.central.drone_observations()
        observation_of = {agent: observations[self.possible_agents.index(agent)] for agent in live}
        self._record_step_end(not self.agents, False)
        return observation_of, rewards, terminations, truncations, infos

    def _checked_action(self, agent: str, action: Any) -> np.ndarray:
        space = self.action_spaces[agent]
        try:
            array = np.asarray(action, dtype=np.float64)
        except (TypeError, ValueError):
            raise TypeError(
                f"MOMultiDroneCoverage: expected {agent}'s action in {space}, got "
                f"{type(action).__name__} that is not a numeric array"
            ) from None
        if array.shape != space.shape:
            raise ValueError(
                f"MOMultiDroneCoverage: expected {agent}'s action in {space}, got shape "
                f"{array.shape}"
            )
        if not np.all(np.isfinite(array)) or np.any(np.abs(array) > 1.0):
            raise ValueError(
                f"MOMultiDroneCoverage: expected {agent}'s action in {space}, got {array}"
            )
        return array.astype(np.float32)

    def render(self) -> np.ndarray | None:
        """The shared scene, drawn as the twin draws it."""
        return self.central.render()

    def close(self) -> None:
        """Close the render window, if any."""
        self.central.close()
        super().close()

    def state(self) -> np.ndarray:
        """The twin's observation: every drone's kinematics and flag, the map, the time left."""
        return self.central._observation()


raw_env = MOMultiDroneCoverageEnv


def parallel_env(**kwargs: Any) -> MOMultiDroneCoverageEnv:
    """The ParallelEnv, as PettingZoo and MOMAland modules name their constructor."""
    return MOMultiDroneCoverageEnv(**kwargs)


def env(**kwargs: Any) -> Any:
    """The AEC (turn-by-turn) version, through PettingZoo's parallel_to_aec."""
    return parallel_to_aec(parallel_env(**kwargs))


def _bound_arguments(env_kwargs: dict[str, Any]) -> dict[str, Any]:
    # Binding to the class's own signature reads its defaults, so none is typed here twice.
    arguments = inspect.signature(MOMultiDroneCoverageCentralEnv).bind(**env_kwargs)
    arguments.apply_defaults()
    return dict(arguments.arguments)


def objective_return_bounds(**env_kwargs: Any) -> tuple[np.ndarray, np.ndarray]:
    """Per-objective (low, high) of one agent's episode return in ``parallel_env(**env_kwargs)``.

    Coverage: 0 to ``G^2`` cells (one drone may cover the whole map). Energy: 0 (a drone that
    lands at once and stays disarmed) down to ``-(P_max T + crash_energy)``, the PID's top
    motor speed for the whole horizon ``T`` and then a crash. Defaults: [0, 100] cells and
    [-92.4, 0] J.
    """
    values = _bound_arguments(env_kwargs)
    params = parse_params_or_default(values["params"])
    steps = round(values["episode_seconds"] * values["ctrl_freq"])
    horizon = steps / values["ctrl_freq"]
    crash_energy = values["crash_energy"]
    if crash_energy is None:
        crash_energy = hover_power(params) * horizon
    worst_energy = peak_power(params) * horizon + crash_energy
    return (
        np.array([0.0, -worst_energy]),
        np.array([float(values["grid_size"] ** 2), 0.0]),
    )


def agent_return_bounds(**env_kwargs: Any) -> tuple[float, float]:
    """Smallest and largest episode return of one agent, on either objective.

    The envelope of :func:`objective_return_bounds`: [-92.4, 100] by default.
    """
    low, high = objective_return_bounds(**env_kwargs)
    return float(low.min()), float(high.max())


def return_bounds(**env_kwargs: Any) -> tuple[float, float]:
    """Smallest and largest episode return of the twin, on either objective.

    The team covers each cell once (at most ``G^2``) and every drone spends its own energy
    (``N`` times one agent's worst): [-277.3, 100] by default.
    """
    low, high = objective_return_bounds(**env_kwargs)
    num_drones = _bound_arguments(env_kwargs)["num_drones"]
    return float(num_drones * low[1]), float(high[0])


def reference_point(**env_kwargs: Any) -> tuple[float, float]:
    """One agent's hypervolume reference point: the lower return bounds of both objectives.

    No episode can return less on either objective (:func:`objective_return_bounds`), so every
    front dominates it. The measured worst is well above it: over 20 episodes the random
    agent's drones cover 3.8 cells and spend 29.3 J each on average (37.8 J in its worst
    episode, crashes included); hovering the whole episode spends 21.2 J.
    """
    low, _ = objective_return_bounds(**env_kwargs)
    return float(low[0]), float(low[1])


def parse_params_or_default(params: Any) -> CrazyflieParams:
    """``params`` as :class:`CrazyflieParams` (a dict of its fields, an instance, or None)."""
    parsed = parse_params(params, CrazyflieParams, "MOMultiDroneCoverage")
    return parsed if parsed is not None else CrazyflieParams()


def coverage_family(rng: np.random.Generator, split: Split) -> dict[str, Any]:
    """An instance of the MDP family: team size, sensor footprint and airframe.

    In distribution: 2 to 4 drones, a coverage radius U(0.25, 0.35) m, mass and kf scaled by
    U(0.9, 1.1). Held out: 1 or 5 drones, a radius U(0.18, 0.25) or U(0.35, 0.42) m, mass and kf
    scaled by U(0.75, 0.9) or U(1.1, 1.25).
    """

    def outside(low: float, high: float, below: tuple[float, float]) -> float:
        # Either side of the in-distribution interval, with equal chance.
        return float(rng.uniform(*below) if rng.random() < 0.5 else rng.uniform(low, high))

    defaults = CrazyflieParams()
    if split == "in_distribution":
        num_drones = int(rng.integers(2, 5))
        radius = float(rng.uniform(0.25, 0.35))
        mass_scale, kf_scale = rng.uniform(0.9, 1.1, size=2)
    else:
        num_drones = int(rng.choice([1, 5]))
        radius = outside(0.35, 0.42, (0.18, 0.25))
        mass_scale = outside(1.1, 1.25, (0.75, 0.9))
        kf_scale = outside(1.1, 1.25, (0.75, 0.9))
    return {
        "num_drones": num_drones,
        "coverage_radius": radius,
        "params": {"mass": defaults.mass * float(mass_scale), "kf": defaults.kf * float(kf_scale)},
    }


_MDP_FAMILY = MDPFamily(
    coverage_family,
    "2-4 drones, coverage radius U(0.25, 0.35) m, mass and kf x U(0.9, 1.1); held out: 1 or 5 "
    "drones, radius 0.18-0.25 or 0.35-0.42 m, mass and kf x 0.75-0.9 or 1.1-1.25",
)
_ANCHOR = (
    f"{MOMALAND_CITATION}; gym-pybullet-drones (Panerati et al., IROS 2021): Crazyflie model and "
    "DSL PID"
)
_AGENTS = (
    "random",
    "coverage_lawnmower",
    "coverage_lawnmower_half",
    "coverage_lawnmower_quarter",
    "coverage_lawnmower_slow",
    "coverage_greedy",
    "coverage_greedy_half",
    "coverage_greedy_slow",
)
_AGENT_REFERENCE_POINT = reference_point()
_NUM_DRONES = _bound_arguments({})["num_drones"]

CARDS: list[EnvCard] = [
    EnvCard(
        id="rlbench/MOMultiDroneCoverage-v0",
        family=FAMILY,
        entry_point=f"{__name__}:MOMultiDroneCoverageEnv",
        multi_agent=True,
        objectives=OBJECTIVES,
        observation_kind="vector",
        anchor=_ANCHOR,
        agents=_AGENTS,
        expert_agent="coverage_lawnmower",
        mdp_family=_MDP_FAMILY,
        return_bounds=agent_return_bounds(),
        reference_point=_AGENT_REFERENCE_POINT,
        summary="3 Crazyflies sweep a 10 x 10 grid; cells covered vs motor energy, per drone.",
    ),
    EnvCard(
        id="rlbench/MOMultiDroneCoverageCentral-v0",
        family=FAMILY,
        entry_point=f"{__name__}:MOMultiDroneCoverageCentralEnv",
        multi_agent=False,
        objectives=OBJECTIVES,
        observation_kind="vector",
        anchor=f"{_ANCHOR}; {MO_GYMNASIUM_CITATION}",
        agents=_AGENTS,
        expert_agent="coverage_lawnmower",
        mdp_family=_MDP_FAMILY,
        return_bounds=return_bounds(),
        # The team's return: each cell is covered once, every drone spends its own energy.
        reference_point=(_AGENT_REFERENCE_POINT[0], _NUM_DRONES * _AGENT_REFERENCE_POINT[1]),
        summary="MOMultiDroneCoverage's centralised twin (joint action, rewards summed).",
    ),
]
