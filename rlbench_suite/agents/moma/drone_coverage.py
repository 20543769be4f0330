"""Heuristics of MOMultiDroneCoverage: lawnmower strips and greedy nearest-cell, at three speeds.

Each agent flies every drone at once, on either id: the ParallelEnv
(``rlbench/MOMultiDroneCoverage-v0``, ``act(observations: dict) -> dict``) or its centralised
twin (``rlbench/MOMultiDroneCoverageCentral-v0``, ``act(observation) -> flat action``); the
factory dispatches on the env it is given. Both read the drones' positions, which drones fly
and the coverage map from the observations (``parse_observation`` of either env) and the map's
geometry from the env's public attributes (``cell_centres``, ``coverage_radius``,
``cruise_height``, ``speed_limit``).

- **lawnmower**: the area is split into one strip of columns per drone; each drone flies its
  strip boustrophedon, in lanes as wide as its coverage disc allows, then lands.
- **greedy**: each drone, in agent order, heads for the nearest uncovered cell no earlier drone
  has claimed (keeping its target while it stays uncovered and unclaimed); with no cell left
  for it, it lands.

Named settings: ``_half`` and ``_quarter`` land every drone once half or a quarter of the
area is covered, trading coverage for energy along the front; ``_slow`` cruises at 0.3 m/s
instead of 1 m/s. Speed is not what trades the objectives: a drone draws nearly hover power
whatever its speed (slower flight only leans it less), so the slow settings cover less in the
episode and, never finishing, never land, and spend more (see the env's Reference Scores).

Example:
    >>> from rlbench_suite.envs.moma.drone_coverage import parallel_env
    >>> env = parallel_env()
    >>> agent = FACTORIES["coverage_lawnmower"](env)
    >>> observations, _ = env.reset(seed=0)
    >>> agent.reset(seed=0)
    >>> actions = agent.act(observations)
    >>> sorted(actions), actions["drone_0"].shape
    (['drone_0', 'drone_1', 'drone_2'], (4,))

"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from rlbench_suite.envs.moma.drone_coverage import (
    MOMultiDroneCoverageCentralEnv,
    MOMultiDroneCoverageEnv,
)

FAST_SPEED = 1.0  # m/s, the env's default top speed
SLOW_SPEED = 0.3  # m/s
# The horizontal speed toward a waypoint is capped by this gain times the distance, so the
# drone slows into a turn instead of overshooting it.
APPROACH_GAIN = 2.0  # 1/s
HEIGHT_GAIN = 1.5  # 1/s, vertical speed per metre of height error
WAYPOINT_TOLERANCE = 0.1  # m, horizontal
# Drones closer than this are pushed apart, at this speed per metre inside it: twice the
# collision distance (0.12 m) leaves room to brake.
SEPARATION_DISTANCE = 0.3  # m
SEPARATION_GAIN = 4.0  # 1/s
# Lanes are planned for a disc this share of the coverage radius: the PID tracks a lane within a
# few centimetres, and a lane planned on the disc's very edge would miss cells.
LANE_RADIUS_SHARE = 0.9


class CoveragePlanner:
    """Velocity commands (N, 3) for a team, from positions, flying flags and the coverage map.

    ``mode`` is ``"lawnmower"`` or ``"greedy"``; ``cruise_speed`` in m/s; every drone lands once
    the covered share of the area reaches ``quota`` (1: once its own work is done).
    """

    def __init__(
        self,
        model: MOMultiDroneCoverageCentralEnv,
        mode: str,
        cruise_speed: float,
        quota: float = 1.0,
    ) -> None:
        if mode not in ("lawnmower", "greedy"):
            raise ValueError(f"CoveragePlanner: mode must be 'lawnmower' or 'greedy', got {mode!r}")
        if not 0 < quota <= 1:
            raise ValueError(f"CoveragePlanner: quota must be in (0, 1], got {quota!r}")
        self.mode = mode
        self.quota = float(quota)
        self.num_drones = model.num_drones
        self.cell_centres = model.cell_centres  # (G, G, 2) [y, x]
        self.cruise_height = model.cruise_height
        self.cruise_speed = min(float(cruise_speed), model.speed_limit)
        self.lanes = _lawnmower_waypoints(model) if mode == "lawnmower" else []
        self.reset()

    def reset(self) -> None:
        """Forget the episode: every drone back to its first waypoint, no cell claimed."""
        self.next_waypoint = np.zeros(self.num_drones, dtype=int)
        self.target_cell: list[tuple[int, int] | None] = [None] * self.num_drones

    def velocities(
        self, position: np.ndarray, flying: np.ndarray, covered: np.ndarray
    ) -> np.ndarray:
        """The velocity (N, 3) each operational drone should fly now (NaN rows for the crashed).

        A drone with nothing left to cover descends to land.
        """
        if np.mean(covered) >= self.quota:
            goals: list[Any] = [None] * self.num_drones
        elif self.mode == "lawnmower":
            goals = self._lawnmower_goals(position, flying)
        else:
            goals = self._greedy_goals(position, flying, covered)
        velocity = np.full((self.num_drones, 3), np.nan)
        for index in np.flatnonzero(flying):
            goal = goals[index]
            if goal is None:
                velocity[index] = (0.0, 0.0, -self.cruise_speed)
                continue
            offset = goal - position[index, 0:2]
            distance = float(np.linalg.norm(offset))
            speed = min(self.cruise_speed, APPROACH_GAIN * distance)
            horizontal = offset / distance * speed if distance > 0 else np.zeros(2)
            horizontal = horizontal + self._separation(index, position, flying)
            climb = HEIGHT_GAIN * (self.cruise_height - position[index, 2])
            velocity[index] = (*horizontal, np.clip(climb, -self.cruise_speed, self.cruise_speed))
        return velocity

    def _separation(self, index: int, position: np.ndarray, flying: np.ndarray) -> np.ndarray:
        """A horizontal velocity (2,) pushing drone ``index`` away from drones within reach.

        Greedy targets can cross: without it two drones heading for neighbouring cells collide.
        """
        push = np.zeros(2)
        for other in np.flatnonzero(flying):
            away = position[index, 0:2] - position[other, 0:2]
            gap = float(np.linalg.norm(away))
            if other != index and 0 < gap < SEPARATION_DISTANCE:
                push += SEPARATION_GAIN * (SEPARATION_DISTANCE - gap) * away / gap
        return push

    def _lawnmower_goals(self, position: np.ndarray, flying: np.ndarray) -> list[Any]:
        goals: list[Any] = [None] * self.num_drones
        for index in np.flatnonzero(flying):
            waypoints = self.lanes[index]
            while self.next_waypoint[index] < len(waypoints):
                goal = waypoints[self.next_waypoint[index]]
                if np.linalg.norm(goal - position[index, 0:2]) > WAYPOINT_TOLERANCE:
                    goals[index] = goal
                    break
                self.next_waypoint[index] += 1
        return goals

    def _greedy_goals(
        self, position: np.ndarray, flying: np.ndarray, covered: np.ndarray
    ) -> list[Any]:
        goals: list[Any] = [None] * self.num_drones
        claimed = np.zeros_like(covered)
        for index in range(self.num_drones):
            if not flying[index]:
                self.target_cell[index] = None
                continue
            target = self.target_cell[index]
            if target is None or covered[target] or claimed[target]:
                free = ~covered & ~claimed
                if not np.any(free):
                    self.target_cell[index] = None
                    continue
                distance = np.linalg.norm(self.cell_centres - position[index, 0:2], axis=-1)
                flat = int(np.argmin(np.where(free, distance, np.inf)))
                target = (flat // covered.shape[1], flat % covered.shape[1])
            self.target_cell[index] = target
            claimed[target] = True
            goals[index] = self.cell_centres[target]
        return goals


def _lawnmower_waypoints(model: MOMultiDroneCoverageCentralEnv) -> list[np.ndarray]:
    """Per drone, the (K, 2) corners of its boustrophedon path over its strip of columns."""
    grid = model.grid_size
    cell = model.cell_size
    columns_per_lane = 1 + int(2.0 * LANE_RADIUS_SHARE * model.coverage_radius // cell)
    column_x = model.cell_centres[0, :, 0]
    south, north = model.cell_centres[0, 0, 1], model.cell_centres[-1, 0, 1]
    paths = []
    for strip in np.array_split(np.arange(grid), model.num_drones):
        corners = []
        for lane, start in enumerate(range(0, len(strip), columns_per_lane)):
            lane_x = float(np.mean(column_x[strip[start : start + columns_per_lane]]))
            ends = (south, north) if lane % 2 == 0 else (north, south)
            corners += [(lane_x, ends[0]), (lane_x, ends[1])]
        paths.append(np.array(corners, dtype=float).reshape(-1, 2))
    return paths


def _velocity_actions(velocity: np.ndarray, speed_limit: float) -> np.ndarray:
    """The "vel" actions (N, 4) that fly ``velocity`` (N, 3); hover for NaN rows."""
    actions = np.zeros((velocity.shape[0], 4), dtype=np.float32)
    for index, wanted in enumerate(velocity):
        speed = float(np.linalg.norm(wanted)) if np.all(np.isfinite(wanted)) else 0.0
        if speed > 0:
            actions[index, 0:3] = wanted / speed
            actions[index, 3] = min(1.0, speed / speed_limit)
    return actions


class CoverageAgent:
    """A :class:`CoveragePlanner` flying every drone of either id (see the module docstring)."""

    def __init__(self, env: Any, mode: str, cruise_speed: float, quota: float = 1.0) -> None:
        if isinstance(env, MOMultiDroneCoverageEnv):
            self.parallel: MOMultiDroneCoverageEnv | None = env
            self.model = env.central
        elif isinstance(getattr(env, "unwrapped", None), MOMultiDroneCoverageCentralEnv):
            self.parallel = None
            self.model = env.unwrapped
        else:
            raise TypeError(
                "coverage agents fly MOMultiDroneCoverage (its ParallelEnv or its centralised "
                f"twin), got {type(env).__name__}"
            )
        self.planner = CoveragePlanner(self.model, mode, cruise_speed, quota)

    def reset(self, seed: int | None = None) -> None:
        """Start an episode; the policy is deterministic, so ``seed`` is unused."""
        self.planner.reset()

    def act(self, observation: Any) -> Any:
        """Actions for every live drone: a dict on the ParallelEnv, a flat array on the twin."""
        if self.parallel is None:
            parsed = self.model.parse_observation(observation)
            velocity = self.planner.velocities(
                parsed["position"], parsed["operational"], parsed["covered"]
            )
            return _velocity_actions(velocity, self.model.speed_limit).reshape(-1)
        agents = self.parallel.possible_agents
        position = np.zeros((len(agents), 3))
        flying = np.zeros(len(agents), dtype=bool)
        covered = None
        for index, agent in enumerate(agents):
            # A crashed drone's last observation may still be handed in; env.agents is live.
            if agent in observation and agent in self.parallel.agents:
                parsed = self.parallel.parse_observation(observation[agent])
                position[index] = parsed["position"]
                flying[index] = True
                covered = parsed["covered"]
        if covered is None:
            return {}
        velocity = self.planner.velocities(position, flying, covered)
        actions = _velocity_actions(velocity, self.model.speed_limit)
        return {agent: actions[index] for index, agent in enumerate(agents) if flying[index]}


def _factory(mode: str, cruise_speed: float, quota: float = 1.0) -> Callable[[Any], CoverageAgent]:
    def build(env: Any) -> CoverageAgent:
        return CoverageAgent(env, mode, cruise_speed, quota)

    build.__name__ = f"coverage_{mode}_at_{cruise_speed:g}_m_per_s_to_{quota:g}"
    return build


FACTORIES: dict[str, Callable[[Any], CoverageAgent]] = {
    "coverage_lawnmower": _factory("lawnmower", FAST_SPEED),
    "coverage_lawnmower_half": _factory("lawnmower", FAST_SPEED, quota=0.5),
    "coverage_lawnmower_quarter": _factory("lawnmower", FAST_SPEED, quota=0.25),
    "coverage_lawnmower_slow": _factory("lawnmower", SLOW_SPEED),
    "coverage_greedy": _factory("greedy", FAST_SPEED),
    "coverage_greedy_half": _factory("greedy", FAST_SPEED, quota=0.5),
    "coverage_greedy_slow": _factory("greedy", SLOW_SPEED),
}
