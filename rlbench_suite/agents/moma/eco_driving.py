"""Reference agents of MOEcoDriving: no control (IDM) and glide-to-green.

Both are built by name for either id: ``factory(parallel_env)`` for ``rlbench/MOEcoDriving-v0``
gives ``act(observations: dict) -> {agent: action}``; ``factory(gym_env)`` for the twin
``rlbench/MOEcoDrivingCentral-v0`` gives ``act(observation) -> action`` (one entry per pool slot).
They read the public attributes of the env's simulation (``central.scenario``,
``central.signal``, ``central.simulation``, ``central.idm_accelerations()``), as a vehicle with a
signal-phase feed (SPaT) would know the timing plan.

- ``idm_only``: every agent vehicle drives IDM with its own drawn parameters, exactly as the
  human drivers do: IntersectionZoo's "no control" baseline.
- ``glide_to_green``: on the way to a light that will not be green when the vehicle gets there,
  pick the constant acceleration that reaches the back of the queue when that queue has just
  started to move (the start of green plus :data:`QUEUE_DISCHARGE_HEADWAY` per queued vehicle),
  instead of driving up to the line and stopping; never more than IDM asks, so it keeps IDM's
  following distance. On the grid it acts on the next light on its way. Past the last stop
  line, or when it can make the green, it drives IDM.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from rlbench_suite.envs.moma.eco_driving import (
    MAX_ACCELERATION,
    MAX_BRAKING,
    MOEcoDrivingCentralEnv,
    action_from_acceleration,
)
from rlbench_suite.envs.moma.traffic import CAR, GOES, STOP_DECISION_DECELERATION

#: The acceleration glide_to_green assumes a vehicle can hold to catch a green (IDM's 0.744
#: rounded up: a free IDM driver starts at a and eases off).
CATCH_GREEN_ACCELERATION = 1.0  # m/s^2
#: Seconds of green each queued vehicle takes to clear the line (a saturation headway).
QUEUE_DISCHARGE_HEADWAY = 2.0  # s
#: Length a queued car takes: its length plus IDM's standstill gap.
QUEUED_CAR_SPACING = CAR.length + CAR.min_gap[0]  # m
#: Below this many seconds to the target, the glide formula divides by almost nothing: IDM.
MIN_GLIDE_SECONDS = 1.0  # s


def _central(env: Any) -> MOEcoDrivingCentralEnv:
    model = getattr(env, "central", None) or getattr(env, "unwrapped", env)
    if not isinstance(model, MOEcoDrivingCentralEnv):
        raise TypeError(
            f"{type(env).__name__} is not MOEcoDriving (its ParallelEnv or its centralised twin); "
            "these agents drive only there"
        )
    return model


def _reachable_distance(speed: float, speed_limit: float, seconds: float) -> float:
    """Distance covered in ``seconds`` accelerating at CATCH_GREEN_ACCELERATION up to the limit."""
    to_limit = max(0.0, (speed_limit - speed) / CATCH_GREEN_ACCELERATION)
    if seconds <= to_limit:
        return speed * seconds + 0.5 * CATCH_GREEN_ACCELERATION * seconds**2
    ramp = speed * to_limit + 0.5 * CATCH_GREEN_ACCELERATION * to_limit**2
    return ramp + speed_limit * (seconds - to_limit)


def _passes_before_red(
    speed: np.ndarray, distance: np.ndarray, speed_limit: float, seconds_of_green: float
) -> np.ndarray:
    """Whether vehicles cross the line before red, green lasting ``seconds_of_green`` more.

    They do if they reach it in green, or are too close to stop when yellow starts (the light
    lets those through, see ``STOP_DECISION_DECELERATION``).
    """
    reachable = np.array([_reachable_distance(v, speed_limit, seconds_of_green) for v in speed])
    left = distance - reachable
    speed_then = np.minimum(speed_limit, speed + CATCH_GREEN_ACCELERATION * seconds_of_green)
    return (left <= 0.0) | (speed_then**2 / (2.0 * STOP_DECISION_DECELERATION) > left)


def glide_acceleration(central: MOEcoDrivingCentralEnv, row: int, idm: float) -> float:
    """glide_to_green's acceleration for the agent vehicle in road row ``row`` (m/s^2).

    ``idm`` is what IDM asks of the vehicle now. It acts on the next light on the vehicle's way
    (on the grid, the second one once past the first). The vehicles ahead of it that will wait
    for that light's next green (all those before its line in red; in green, those that will
    not cross before red) form the queue it aims behind. Past the last line: IDM.
    """
    scenario, simulation = central.scenario, central.simulation
    lines = simulation.next_lines()
    light = int(lines[row])
    if light >= len(central.signals):
        return idm
    signal = central.signals[light]
    line = float(simulation.stop_lines[light])
    speed = float(simulation.speed[row])
    distance = line - float(simulation.position[row])
    phase = signal.phase(simulation.time)
    time_to_change = signal.time_to_change(simulation.time)
    ahead = slice(0, row)
    ahead_distance = line - simulation.position[ahead]
    ahead_speed = simulation.speed[ahead]
    # The vehicles ahead that are still before this vehicle's next line (not past it).
    before_line = ahead_distance > 0.0
    if phase == "green":
        if _passes_before_red(
            np.array([speed]), np.array([distance]), scenario.speed_limit, time_to_change
        )[0]:
            return idm
        seconds_to_green = time_to_change + signal.yellow + signal.red
        waiting = before_line & ~_passes_before_red(
            ahead_speed, ahead_distance, scenario.speed_limit, time_to_change
        )
    elif phase == "yellow":
        if simulation.light_decision[row] == GOES:
            return idm
        seconds_to_green = time_to_change + signal.red
        waiting = before_line & (simulation.light_decision[ahead] != GOES)
    else:
        seconds_to_green = time_to_change
        waiting = before_line & (simulation.light_decision[ahead] != GOES)
    queued = int(np.count_nonzero(waiting))
    target_distance = distance - queued * QUEUED_CAR_SPACING
    target_seconds = seconds_to_green + queued * QUEUE_DISCHARGE_HEADWAY
    if target_distance <= 0.0 or target_seconds < MIN_GLIDE_SECONDS:
        return idm
    if target_distance < speed * target_seconds / 2.0:
        # Even braking to a halt right at the target comes too early: stop there gently.
        glide = -(speed**2) / (2.0 * target_distance)
    else:
        glide = 2.0 * (target_distance - speed * target_seconds) / target_seconds**2
    if glide >= 0.0:
        return idm
    return float(np.clip(min(glide, idm), -MAX_BRAKING, MAX_ACCELERATION))


class _EcoDrivingAgent:
    """Shared plumbing: per-pool-index accelerations, handed out as the env's action format."""

    def __init__(self, env: Any) -> None:
        self.central = _central(env)
        self.multi_agent = hasattr(env, "possible_agents")
        self.env = env

    def reset(self, seed: int | None = None) -> None:
        """Nothing to reset: the policy is deterministic (``seed`` is unused)."""

    def accelerations(self) -> dict[int, float]:
        """The acceleration of each agent vehicle on the road, by pool index."""
        raise NotImplementedError

    def act(self, observation: Any) -> Any:
        """Actions for every agent: a dict over ``agents`` (ParallelEnv) or an array (twin).

        The env's state is read through ``central``; the observation is not needed.
        Accelerations become the env's scaled actions (``action_from_acceleration``).
        """
        accelerations = self.accelerations()
        if self.multi_agent:
            # Every agent in ``agents`` gets an action; a waiting vehicle's 0 is ignored.
            index_of = {name: index for index, name in enumerate(self.env.possible_agents)}
            return {
                name: np.array(
                    [action_from_acceleration(accelerations.get(index_of[name], 0.0))],
                    dtype=np.float32,
                )
                for name in self.env.agents
            }
        action = np.zeros(self.central.num_agents, dtype=np.float32)
        for index, value in accelerations.items():
            action[index] = action_from_acceleration(value)
        return action


class IDMOnlyAgent(_EcoDrivingAgent):
    """Every agent vehicle drives IDM like the humans: no control."""

    def accelerations(self) -> dict[int, float]:
        """IDM's acceleration of each agent vehicle (own parameters, the light included)."""
        return self.central.idm_accelerations()


class GlideToGreenAgent(_EcoDrivingAgent):
    """Arrive at the back of the queue as it starts to move: see :func:`glide_acceleration`."""

    def accelerations(self) -> dict[int, float]:
        """glide_to_green's acceleration of each agent vehicle."""
        idm = self.central.idm_accelerations()
        rows = {int(agent): row for row, agent in enumerate(self.central.simulation.agent_id)}
        return {index: glide_acceleration(self.central, rows[index], idm[index]) for index in idm}


FACTORIES = {"idm_only": IDMOnlyAgent, "glide_to_green": GlideToGreenAgent}
