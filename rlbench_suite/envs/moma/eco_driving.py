"""MOEcoDriving: IntersectionZoo's eco-driving at a signalised approach, without SUMO.

## Description

One lane of ``lane_length`` metres ends at a stop line with a fixed-cycle light (green, yellow,
red), followed by an exit section of ``exit_length`` metres. Vehicles arrive at ``inflow``
vehicles per hour; each is a human driver following IDM with IntersectionZoo's per-vehicle
parameters (cars s0 2.20 +- 0.18 m, T 0.30 +- 0.04 s, a 0.744 m/s^2, b 1.67 +- 0.08 m/s^2; with
``heavy_vehicle_share``, buses and trucks) or, with probability ``penetration`` (0.33), an
*agent vehicle* that chooses its own acceleration every 0.5 s. The aim is IntersectionZoo's:
cross the intersection quickly while emitting little CO2, typically by gliding to the stop
line so as to arrive when the light turns green instead of stopping and starting again. Fuel
and CO2 come from VT-CPFM (see :mod:`rlbench_suite.envs.moma.traffic` for the published model
and where IntersectionZoo's code departs from it).

An episode follows ``num_agents`` agent vehicles (default 8) from the moment each enters the
lane until it leaves the exit section; vehicles arriving after the last agent was created are
all human. ``possible_agents`` is the fixed pool ``vehicle_0`` ... ``vehicle_{num_agents - 1}``,
in order of entry, and **every one of them is in ``agents`` from ``reset``**: ``reset`` returns
when ``vehicle_0`` enters, and the others *wait to enter* (not yet arrived, or queued at the
lane's start) until their vehicle does. A waiting agent observes the waiting observation (all
zeros but the waiting flag, index 14), gets a zero reward vector, and its action is checked
and ignored (it may be left out). An agent leaves ``agents`` (terminated, with an all-zero
last observation) in the step its vehicle exits, or (truncated) when the episode is truncated,
waiting or not; agents never join mid-episode. This is so because MOMAland's ``api_test``
(0.2) only knows the agents present at ``reset`` (an agent joining later breaks its
bookkeeping, although PettingZoo's own parallel test accepts it), and it is what the
centralised twin's fixed slots already do. Stretches with no agent vehicle on the road are
simulated inside one step (nobody has a decision to make), so ``max_steps`` counts decisions.

**The small grid** (``layout="grid"``, registered as ``rlbench/MOEcoDrivingGrid-v0``): the
vehicles' route crosses two consecutive signalised intersections of a grid, ``block_length``
(200 m) apart, before the exit section. Each has its own fixed-cycle light with the same green,
yellow and red; the second light's green starts ``offset`` seconds after the first's (default
0: both in step, a common uncoordinated plan). That is the simplest model in which coordination
across lights matters: with a green wave (offset about block / speed limit, 13.3 s) IDM drivers
take 53 s and 143 g per vehicle (10 seeds), in step (offset 0) 83 s and 212 g (20 seeds), and an
agent
that clears the first light must already time the second. The cross streets' traffic is not
simulated (their share of the cycle is the red phase); one lane, no turns. Every vehicle obeys
the *next* light on its way: it decides (stop or go) afresh at each, and the observation's
distance, phase and time to change are those of the next stop line and its light (the last
one's once past it).

``rlbench/MOEcoDriving-v0`` is a PettingZoo ``ParallelEnv`` in MOMAland's protocol (a reward
vector per agent, ``reward_space(agent)``), built with ``rlbench_suite.make_multiagent``; its
centralised twin ``rlbench/MOEcoDrivingCentral-v0`` is a Gymnasium env in MO-Gymnasium's protocol
in which one controller drives every agent vehicle.

## Action Space

Per agent ``Box(-1, 1, (1,), float32)``: the acceleration, scaled so that -1 is full braking
(-4.5 m/s^2), 0 is no acceleration and 1 is full acceleration (2.6 m/s^2), linearly on each
side (:func:`acceleration_from_action`, :func:`action_from_acceleration`). These are the limits
SUMO gives IntersectionZoo's RL vehicles (accel 2.6, decel 4.5): IntersectionZoo's action space
is [-20, 10] m/s^2 but SUMO clips to them, so the wider box only hides a clip; the scaling keeps
the box symmetric, as Gymnasium's checker and SB3 ask. A waiting agent's action is ignored.
The twin takes ``Box(-1, 1, (num_agents,), float32)``, entry ``i`` for ``vehicle_i`` (ignored
while that vehicle is not on the road).

A safety layer, the same for every vehicle: the acceleration is capped so that the vehicle could
still stop at least 0.5 m behind its leader if the leader braked at 4.5 m/s^2 from now, and
likewise behind the stop line when it stops for the light; speeds never exceed the speed limit
or go negative. When green ends, a vehicle that can stop with at most 3 m/s^2 stops for the
light (for an agent, the stop line becomes an obstacle it cannot pass until green); closer ones
drive through on yellow. ``info["requested_acceleration"]`` and
``info["acceleration"]`` show what an agent asked for and what it got.

## Observation Space

Per agent ``Box(float32, (15,))``: IntersectionZoo's features (indices 0-13), then whether the
vehicle is waiting to enter (index 14; while it is, indices 0-13 are all zero). On the grid,
index 1's upper bound is ``max(1, block_length / lane_length)``.

| index | observation | scale |
|-------|-------------|-------|
| 0  | own speed | / speed limit, in [0, 1] |
| 1  | distance to the next stop line (negative past the last) | / lane, in [-exit / lane, 1] |
| 2  | that light's phase | 0 green, 0.5 yellow, 1 red |
| 3  | time to that light's next phase change | / cycle, in [0, 1] |
| 4  | gap to the leader (bumper to bumper), 1 if none within 250 m | / 250 m, in [0, 1] |
| 5  | leader's speed (1 if none) | / speed limit |
| 6  | gap to the follower, 1 if none within 250 m | / 250 m |
| 7  | follower's speed (0 if none) | / speed limit |
| 8  | penetration rate | as is |
| 9  | lane length | / 1000 m |
| 10 | speed limit | / 20 m/s |
| 11 | green time | / 30 s |
| 12 | red time | / 30 s |
| 13 | temperature | / 40 C |
| 14 | waiting to enter (ParallelEnv only) | 1 waiting, 0 on the road |

The twin observes ``num_agents`` blocks of 15: a presence flag (1 while ``vehicle_i`` is on the
road), then its 14 features (all zero while waiting or gone).

## Rewards

A vector per agent and step, both objectives maximised: ``[-0.5, -CO2]``: minus the seconds the
vehicle spent in the network during the step (so the episode return's first entry is minus its
travel time, entry to exit) and minus the grams of CO2 it emitted (VT-CPFM fuel at the step's
mean speed and realised acceleration, times 2,310 g/L). The twin's reward is the sum over the
agent vehicles on the road, so its episode return is the team's total: minus the summed travel
time and minus the summed CO2 of the ``num_agents`` agent vehicles.

## Starting State

The lane starts empty with the light at a random point of its cycle; ``warm_up_seconds`` (60 s,
at least one full cycle, so the first agents meet a queue the light formed) run with human
arrivals only; then arrivals may be agent vehicles, and ``reset`` returns when the first one
enters, with every pool agent in ``agents`` (the others waiting). IntersectionZoo warms up for
50 steps (25 s).

## Episode End

An agent is terminated in the step its vehicle passes the end of the exit section. The episode
ends (the twin's ``terminated``) when the last of the ``num_agents`` agent vehicles has exited.
It is truncated (every agent still in ``agents``, on the road or waiting, gets ``truncated``)
after ``max_steps`` decision steps (1,200, 600 s of agent time: about ten times what a vehicle
needs, so only a policy that stalls meets it). Unlike IntersectionZoo, never both flags at once.

## Arguments

```python
rlbench_suite.make_multiagent("rlbench/MOEcoDriving-v0", inflow=300.0, green=25.0, red=25.0,
    yellow=3.0, lane_length=250.0, exit_length=100.0, speed_limit=15.0, penetration=0.33,
    temperature=15.0, heavy_vehicle_share=0.0, layout="approach", block_length=200.0,
    offset=0.0, num_agents=8, warm_up_seconds=60.0, max_steps=1200, render_mode=None)
rlbench_suite.make_multiagent("rlbench/MOEcoDrivingGrid-v0", ...)  # the same, layout="grid"
gym.make("rlbench/MOEcoDrivingCentral-v0", ...)   # the same arguments
```

``block_length`` and ``offset`` only matter on the grid.

Units: veh/h, s, m, m/s, C. The MDP family draws IntersectionZoo's scenario ranges: inflow
U[100, 500], green and red U[20, 30], lane length U[50, 750], speed limit U[15, 20],
penetration U[0.2, 0.5], temperature U[0, 35]; held out, each beyond its range (inflow
U[500, 700], green U[30, 40], red U[30, 40], lane length U[750, 1000], speed limit U[20, 25],
penetration U[0.5, 0.8], temperature U[-15, 0] or U[35, 45]). The grid's family adds the
second light's offset, U[0, 60] s in both splits (offsets are periodic: there is no beyond).
A default episode takes about 0.1 s (the grid's 0.2 s).
``render_mode="ansi"`` draws the lane as text.

## Reference Scores

Mean per-vehicle return ``[-travel time s, -CO2 g]`` over 50 episodes (seeds 0-49, 8 agent
vehicles each) on the default instance, with 95 % CIs:

| agent | -travel time | -CO2 |
|-------|--------------|------|
| ``idm_only`` (agent vehicles drive IDM: no control) | -40.88 +- 1.76 | -104.5 +- 4.3 |
| ``glide_to_green`` (arrive behind the queue as green starts) | -40.76 +- 1.83 | -100.7 +- 3.9 |
| paired difference, glide minus IDM | +0.12 +- 0.37 | +3.7 +- 1.2 |

Free flow (no stop) is 350 m / 15 m/s = 23.3 s and about 58 g; a stop at red costs about
50 g and 25 s more. The team's return is eight times these.

``rlbench/MOEcoDrivingGrid-v0`` (default instance, offset 0), seeds 0-19, 95 % CIs:

| agent | -travel time | -CO2 |
|-------|--------------|------|
| ``idm_only`` | -82.84 +- 5.00 | -211.8 +- 11.4 |
| ``glide_to_green`` (on the next light) | -81.27 +- 4.66 | -194.7 +- 8.5 |
| paired difference, glide minus IDM | +1.57 +- 1.11 | +17.0 +- 4.8 |

Free flow is 550 m / 15 m/s = 36.7 s. The card's reference point is (-600 s, -2,400 g).

## Version History

- v0: first release.

## Credits

IntersectionZoo: Jayawardana, Freydt, Qu, Hickert, Yan, Wu, "IntersectionZoo: Eco-driving for
Benchmarking Multi-Agent Contextual Reinforcement Learning", ICLR 2025 (task, observation,
drivers, scenario ranges). H. Rakha, K. Ahn, K. Moran, B. Saerens, E. Van den Bulck, "Virginia
Tech Comprehensive Power-based Fuel consumption Model: model development and testing",
Transportation Research Part D 16(7), 2011 (VT-CPFM). M. Treiber, A. Hennecke, D. Helbing,
"Congested traffic states in empirical observations and microscopic simulations", Phys. Rev. E
62, 2000 (IDM). MOMAland (Felten et al. 2024) for the multi-objective multi-agent protocol.

Example:
    >>> import rlbench_suite
    >>> env = rlbench_suite.make_multiagent("rlbench/MOEcoDriving-v0")
    >>> observations, infos = env.reset(seed=0)
    >>> len(env.agents), infos["vehicle_0"]["waiting"], infos["vehicle_1"]["waiting"]
    (8, False, True)
    >>> observations["vehicle_0"].shape, float(observations["vehicle_1"][14])
    ((15,), 1.0)
    >>> observations, rewards, terminations, truncations, infos = env.step(
    ...     {"vehicle_0": [0.0]})
    >>> float(rewards["vehicle_0"][0]), float(rewards["vehicle_1"][0])
    (-0.5, 0.0)

"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from types import SimpleNamespace
from typing import Any, ClassVar

import gymnasium as gym
import numpy as np
from gymnasium import spaces
from pettingzoo.utils import parallel_to_aec

from rlbench_suite.envs.moma.common import FAMILY, INTERSECTIONZOO_CITATION
from rlbench_suite.envs.moma.protocol import MOEnvMixin, MOParallelEnv, reward_box
from rlbench_suite.envs.moma.traffic import (
    VTCPFM,
    ApproachSimulation,
    SignalTiming,
    TickResult,
)
from rlbench_suite.envs.validation import EnvContract, validate_action
from rlbench_suite.registry import EnvCard, MDPFamily, Split

STEP_SECONDS = 0.5  # IntersectionZoo's decision interval
#: IntersectionZoo's RL vehicles: SUMO accel 2.6 and decel 4.5 m/s^2.
MAX_ACCELERATION = 2.6  # m/s^2
MAX_BRAKING = 4.5  # m/s^2
#: Leaders and followers farther than this are reported as absent (IntersectionZoo's 250 m).
OBSERVATION_RANGE = 250.0  # m
#: Context scales: IntersectionZoo's largest lane (rounded up), speed limit and phase times.
LANE_SCALE, SPEED_LIMIT_SCALE, PHASE_SCALE, TEMPERATURE_SCALE = 1000.0, 20.0, 30.0, 40.0
#: Context features are bounded by this in the observation space (validation keeps them in).
CONTEXT_BOUND = 10.0
OBSERVATION_SIZE = 14
SLOT_SIZE = OBSERVATION_SIZE + 1  # the twin's block: presence flag, then the features
#: The ParallelEnv's observation: the 14 features, then the waiting flag (index 14).
AGENT_OBSERVATION_SIZE = OBSERVATION_SIZE + 1
WAITING_FLAG = OBSERVATION_SIZE
#: With no agent vehicle on the road, the simulation runs on inside one step for at most this
#: long waiting for the next one; only a scenario where none can enter ever meets it.
MAX_IDLE_SECONDS = 3600.0
OBJECTIVES = ("neg_travel_time", "neg_co2_grams")
LAYOUTS = ("approach", "grid")


@dataclass(frozen=True)
class EcoDrivingScenario:
    """One intersection approach: IntersectionZoo's context, with units."""

    inflow: float = 300.0  # veh/h
    green: float = 25.0  # s
    red: float = 25.0  # s
    yellow: float = 3.0  # s
    lane_length: float = 250.0  # m, entry to stop line
    exit_length: float = 100.0  # m, stop line to where vehicles leave
    speed_limit: float = 15.0  # m/s, every driver's desired speed
    penetration: float = 0.33  # share of arriving vehicles that are agents
    temperature: float = 15.0  # C: sets the air density in VT-CPFM's drag
    heavy_vehicle_share: float = 0.0  # share of buses and trucks among arrivals
    layout: str = "approach"  # "approach" (one light) or "grid" (two lights in a row)
    block_length: float = 200.0  # m, grid: first stop line to the second
    offset: float = 0.0  # s, grid: the second light's green starts this long after the first's

    def validate(self, owner: str) -> None:
        """Raise ``ValueError`` naming ``owner`` and the field for values the model cannot run."""
        if self.layout not in LAYOUTS:
            raise ValueError(f"{owner}: layout must be one of {LAYOUTS}, got {self.layout!r}")
        ranges = {
            "inflow": (0.0, 7200.0, False),  # at most one arrival per 0.5 s tick
            "green": (0.0, PHASE_SCALE * CONTEXT_BOUND, False),
            "red": (0.0, PHASE_SCALE * CONTEXT_BOUND, False),
            "yellow": (0.0, PHASE_SCALE * CONTEXT_BOUND, True),
            "lane_length": (0.0, LANE_SCALE * CONTEXT_BOUND, False),
            "exit_length": (0.0, LANE_SCALE * CONTEXT_BOUND, False),
            "speed_limit": (0.0, SPEED_LIMIT_SCALE * CONTEXT_BOUND, False),
            "penetration": (0.0, 1.0, False),
            "temperature": (-TEMPERATURE_SCALE, TEMPERATURE_SCALE * 2, True),
            "heavy_vehicle_share": (0.0, 1.0, True),
            "block_length": (0.0, LANE_SCALE * CONTEXT_BOUND, False),
            "offset": (0.0, PHASE_SCALE * CONTEXT_BOUND, True),
        }
        for name, (low, high, low_allowed) in ranges.items():
            value = getattr(self, name)
            if not isinstance(value, int | float | np.integer | np.floating) or isinstance(
                value, bool
            ):
                raise ValueError(f"{owner}: {name} must be a number, got {value!r}")
            above_low = value >= low if low_allowed else value > low
            if not (above_low and value <= high):
                bracket = "[" if low_allowed else "("
                raise ValueError(
                    f"{owner}: {name} must be in {bracket}{low:g}, {high:g}], got {value!r}"
                )


def acceleration_from_action(action: float) -> float:
    """The acceleration (m/s^2) an action in [-1, 1] asks for: -1 brakes at 4.5, 1 pulls 2.6."""
    return action * (MAX_ACCELERATION if action > 0.0 else MAX_BRAKING)


def action_from_acceleration(acceleration: float) -> float:
    """The action in [-1, 1] that asks for ``acceleration`` (m/s^2), clipped to the limits."""
    scale = MAX_ACCELERATION if acceleration > 0.0 else MAX_BRAKING
    return float(np.clip(acceleration / scale, -1.0, 1.0))


#: Agent vehicles an episode follows (the pool of possible agents).
DEFAULT_NUM_AGENTS = 8


class MOEcoDrivingCentralEnv(EnvContract, MOEnvMixin, gym.Env):
    """The centralised twin: one controller drives every agent vehicle (module docstring).

    The simulation and the per-agent bookkeeping live here; the ParallelEnv steps this env.
    Public for agents: :attr:`scenario`, :attr:`signal`, :attr:`simulation`,
    :meth:`agent_features`, :meth:`idm_accelerations`.
    """

    metadata: ClassVar[dict[str, Any]] = {"render_modes": ["ansi"], "render_fps": 2}

    def __init__(
        self,
        inflow: float = 300.0,
        green: float = 25.0,
        red: float = 25.0,
        yellow: float = 3.0,
        lane_length: float = 250.0,
        exit_length: float = 100.0,
        speed_limit: float = 15.0,
        penetration: float = 0.33,
        temperature: float = 15.0,
        heavy_vehicle_share: float = 0.0,
        layout: str = "approach",
        block_length: float = 200.0,
        offset: float = 0.0,
        num_agents: int = DEFAULT_NUM_AGENTS,
        warm_up_seconds: float = 60.0,
        max_steps: int = 1200,
        render_mode: str | None = None,
    ) -> None:
        owner = type(self).__name__
        self.scenario = EcoDrivingScenario(
            inflow=inflow,
            green=green,
            red=red,
            yellow=yellow,
            lane_length=lane_length,
            exit_length=exit_length,
            speed_limit=speed_limit,
            penetration=penetration,
            temperature=temperature,
            heavy_vehicle_share=heavy_vehicle_share,
            layout=layout,
            block_length=block_length,
            offset=offset,
        )
        self.scenario.validate(owner)
        for name, value in (("num_agents", num_agents), ("max_steps", max_steps)):
            if not isinstance(value, int | np.integer) or isinstance(value, bool) or value < 1:
                raise ValueError(f"{owner}: {name} must be an integer >= 1, got {value!r}")
        if not 0.0 <= warm_up_seconds <= MAX_IDLE_SECONDS:
            raise ValueError(
                f"{owner}: warm_up_seconds must be in [0, {MAX_IDLE_SECONDS:g}], "
                f"got {warm_up_seconds!r}"
            )
        if render_mode is not None and render_mode not in self.metadata["render_modes"]:
            raise ValueError(
                f"{owner}: render_mode must be None or one of {self.metadata['render_modes']}, "
                f"got {render_mode!r}"
            )
        self.num_agents = int(num_agents)
        self.warm_up_seconds = float(warm_up_seconds)
        self.max_steps = int(max_steps)
        self.render_mode = render_mode
        self.fuel_model = VTCPFM(temperature=float(temperature))
        self.dt = STEP_SECONDS
        self.agent_observation_space = spaces.Box(
            low=self._feature_low(), high=self._feature_high(), dtype=np.float32
        )
        slot_low = np.concatenate([[0.0], self.agent_observation_space.low])
        slot_high = np.concatenate([[1.0], self.agent_observation_space.high])
        self.observation_space = spaces.Box(
            low=np.tile(slot_low, self.num_agents).astype(np.float32),
            high=np.tile(slot_high, self.num_agents).astype(np.float32),
            dtype=np.float32,
        )
        self.action_space = spaces.Box(-1.0, 1.0, shape=(self.num_agents,), dtype=np.float32)
        low, _ = self.step_reward_bounds()
        # The twin's reward sums up to num_agents vehicles.
        self._set_reward_space(low=self.num_agents * low, high=[0.0, 0.0])
        self.signal = SignalTiming(green=float(green), yellow=float(yellow), red=float(red))
        #: Every light on the route, in order (the grid's two; the approach's one).
        self.signals: tuple[SignalTiming, ...] = (self.signal,)
        self.simulation: ApproachSimulation | None = None
        self.present: list[int] = []  # pool indices of agent vehicles on the road, in entry order
        self.finished: set[int] = set()
        self.steps = 0
        self.agent_returns = np.zeros((self.num_agents, 2))
        self._last_requested = np.zeros(self.num_agents)

    # -- bounds -------------------------------------------------------------------------------

    def step_reward_bounds(self) -> tuple[np.ndarray, np.ndarray]:
        """One agent's reward bounds per step: ``[-0.5 s, -CO2 at full power]`` to ``[0, 0]``.

        The most CO2 a step can emit is VT-CPFM at the speed limit and the largest acceleration
        any vehicle has (2.6 m/s^2, agents'): power grows with both.
        """
        worst_co2 = self.fuel_model.max_co2_rate(self.scenario.speed_limit, MAX_ACCELERATION)
        return np.array([-self.dt, -worst_co2 * self.dt]), np.zeros(2)

    def _feature_low(self) -> np.ndarray:
        low = np.zeros(OBSERVATION_SIZE, dtype=np.float32)
        low[1] = -self.scenario.exit_length / self.scenario.lane_length
        low[8:] = -CONTEXT_BOUND
        return low

    def _feature_high(self) -> np.ndarray:
        high = np.ones(OBSERVATION_SIZE, dtype=np.float32)
        if self.scenario.layout == "grid":
            high[1] = max(1.0, self.scenario.block_length / self.scenario.lane_length)
        high[8:] = CONTEXT_BOUND
        return high

    def _context(self) -> np.ndarray:
        scenario = self.scenario
        return np.array(
            [
                scenario.penetration,
                scenario.lane_length / LANE_SCALE,
                scenario.speed_limit / SPEED_LIMIT_SCALE,
                scenario.green / PHASE_SCALE,
                scenario.red / PHASE_SCALE,
                scenario.temperature / TEMPERATURE_SCALE,
            ]
        )

    # -- the episode --------------------------------------------------------------------------

    def step(self, action: Any) -> tuple[np.ndarray, np.ndarray, bool, bool, dict[str, Any]]:
        """Every present agent vehicle gets its entry of ``action``; absent entries are ignored."""
        self._warn_if_stepped_out_of_episode()
        self._require_reset()
        accelerations = validate_action(self, action)
        outcome = self.advance(
            {agent: acceleration_from_action(float(accelerations[agent])) for agent in self.present}
        )
        reward = self._reward_vector(outcome["rewards"].sum(axis=0))
        terminated, truncated = outcome["terminated"], outcome["truncated"]
        self._record_step_end(terminated, truncated)
        info = {
            "agent_rewards": outcome["rewards"],
            "exited": outcome["exited"],
            "entered": outcome["entered"],
            "vehicles": int(self.simulation.position.size),
            "queue": self.simulation.queue_length(),
        }
        return self._observation(), reward, terminated, truncated, info

    def reset(
        self, *, seed: int | None = None, options: dict[str, Any] | None = None
    ) -> tuple[np.ndarray, dict[str, Any]]:
        """Warm up with human traffic, then run until the first agent vehicle enters."""
        super().reset(seed=seed, options=options)
        scenario = self.scenario
        offset = float(self.np_random.uniform(0.0, self.signal.cycle))
        self.signal = dataclasses.replace(self.signal, offset=offset)
        downstream: tuple[tuple[float, SignalTiming], ...] = ()
        if scenario.layout == "grid":
            second = (offset - scenario.offset) % self.signal.cycle
            downstream = ((scenario.block_length, dataclasses.replace(self.signal, offset=second)),)
        self.signals = (self.signal, *(light for _, light in downstream))
        self.simulation = ApproachSimulation(
            rng=self.np_random,
            signal=self.signal,
            fuel_model=self.fuel_model,
            lane_length=scenario.lane_length,
            exit_length=scenario.exit_length,
            speed_limit=scenario.speed_limit,
            inflow=scenario.inflow,
            penetration=scenario.penetration,
            heavy_vehicle_share=scenario.heavy_vehicle_share,
            pool_size=self.num_agents,
            agent_max_acceleration=MAX_ACCELERATION,
            max_braking=MAX_BRAKING,
            dt=self.dt,
            downstream=downstream,
        )
        self.present, self.finished, self.steps = [], set(), 0
        self.agent_returns = np.zeros((self.num_agents, 2))
        self._last_requested = np.zeros(self.num_agents)
        for _ in range(round(self.warm_up_seconds / self.dt)):
            self.simulation.tick()
        self.simulation.agent_arrivals = True
        self._run_until_an_agent_enters()
        if not self.present:
            raise RuntimeError(
                f"{type(self).__name__}: no agent vehicle entered within "
                f"{MAX_IDLE_SECONDS:g} s of simulated time (inflow {scenario.inflow} veh/h, "
                f"penetration {scenario.penetration})"
            )
        return self._observation(), {"vehicles": int(self.simulation.position.size)}

    def advance(self, accelerations: dict[int, float]) -> dict[str, Any]:
        """One decision step for the agent vehicles on the road (pool index -> acceleration).

        Returns ``rewards`` ((num_agents, 2): each agent's reward vector this step, zero for
        those not on the road), ``exited`` and ``entered`` (pool indices) and the episode flags.
        Used by both the twin and the ParallelEnv.
        """
        for agent, value in accelerations.items():
            self._last_requested[agent] = value
        result = self.simulation.tick(accelerations)
        rewards = np.zeros((self.num_agents, 2))
        rewards[result.agent_ids, 0] = -self.dt
        rewards[result.agent_ids, 1] = -result.co2_grams
        self.agent_returns += rewards
        exited = [int(agent) for agent in result.agent_ids[result.exited]]
        entered = list(result.entered)
        self._update_presence(exited, entered)
        self.steps += 1
        if not self.present and len(self.finished) < self.num_agents:
            entered += self._run_until_an_agent_enters()
        terminated = len(self.finished) == self.num_agents
        truncated = not terminated and (self.steps >= self.max_steps or not self.present)
        return {
            "rewards": rewards,
            "exited": exited,
            "entered": entered,
            "terminated": terminated,
            "truncated": truncated,
        }

    def _update_presence(self, exited: list[int], entered: list[int]) -> None:
        self.finished.update(exited)
        self.present = [agent for agent in self.present if agent not in exited] + entered

    def _run_until_an_agent_enters(self) -> list[int]:
        """Simulate human traffic until an agent vehicle enters (or the idle limit passes)."""
        for _ in range(round(MAX_IDLE_SECONDS / self.dt)):
            result: TickResult = self.simulation.tick()
            if result.entered:
                self._update_presence([], result.entered)
                return list(result.entered)
        return []

    def _require_reset(self) -> None:
        if self.simulation is None:
            raise RuntimeError(f"{type(self).__name__}: call reset() before step()")

    # -- what agents see ----------------------------------------------------------------------

    def agent_features(self) -> dict[int, np.ndarray]:
        """The 14 features of each agent vehicle on the road, by pool index (float32)."""
        simulation = self.simulation
        scenario = self.scenario
        rows = {int(agent): row for row, agent in enumerate(simulation.agent_id) if agent >= 0}
        if not rows:
            return {}
        gap, leader_speed = simulation.leader_gaps()
        follower_gap = np.full(gap.shape, np.inf)
        follower_speed = np.zeros(gap.shape)
        follower_gap[:-1] = gap[1:]
        follower_speed[:-1] = simulation.speed[1:]
        leader_far = gap > OBSERVATION_RANGE
        follower_far = follower_gap > OBSERVATION_RANGE
        limit = scenario.speed_limit
        time = simulation.time
        phases = [SignalTiming.PHASE_CODES[light.phase(time)] for light in self.signals]
        changes = [light.time_to_change(time) / light.cycle for light in self.signals]
        # The next light on each vehicle's way; past the last, the last one.
        lights = np.minimum(simulation.next_lines(), len(self.signals) - 1)
        context = self._context()
        features = {}
        for agent, row in rows.items():
            light = int(lights[row])
            line = float(simulation.stop_lines[light])
            features[agent] = np.array(
                [
                    simulation.speed[row] / limit,
                    (line - simulation.position[row]) / scenario.lane_length,
                    phases[light],
                    changes[light],
                    1.0 if leader_far[row] else gap[row] / OBSERVATION_RANGE,
                    1.0 if leader_far[row] else leader_speed[row] / limit,
                    1.0 if follower_far[row] else follower_gap[row] / OBSERVATION_RANGE,
                    0.0 if follower_far[row] else follower_speed[row] / limit,
                    *context,
                ],
                dtype=np.float32,
            )
            # Rounding to float32 can push a ratio of 1 a hair past the box.
            np.clip(
                features[agent],
                self.agent_observation_space.low,
                self.agent_observation_space.high,
                out=features[agent],
            )
        return features

    def idm_accelerations(self) -> dict[int, float]:
        """IDM's acceleration now for each agent vehicle on the road, by pool index.

        Each vehicle's own drawn parameters, the light included: the ``idm_only`` agent's action.
        """
        simulation = self.simulation
        idm = simulation.idm_accelerations()
        clipped = np.clip(idm, -MAX_BRAKING, MAX_ACCELERATION)
        return {
            int(agent): float(clipped[row])
            for row, agent in enumerate(simulation.agent_id)
            if agent >= 0
        }

    def _observation(self) -> np.ndarray:
        joint = np.zeros((self.num_agents, SLOT_SIZE), dtype=np.float32)
        for agent, features in self.agent_features().items():
            joint[agent, 0] = 1.0
            joint[agent, 1:] = features
        return joint.reshape(-1)

    # -- rendering ----------------------------------------------------------------------------

    def render(self) -> str | None:
        """The lane as text: ``H`` humans, digits agents (pool index mod 10), ``|`` stop lines."""
        if self.render_mode != "ansi" or self.simulation is None:
            return None
        simulation = self.simulation
        cells = 70
        metres_per_cell = simulation.exit_position / cells
        lane = ["."] * cells
        for line in simulation.stop_lines:
            lane[min(cells - 1, int(line / metres_per_cell))] = "|"
        for position, agent in zip(simulation.position, simulation.agent_id, strict=True):
            cell = min(cells - 1, int(position / metres_per_cell))
            lane[cell] = "H" if agent < 0 else str(agent % 10)
        time = simulation.time
        lights = ", ".join(
            f"{light.phase(time):<6} ({light.time_to_change(time):4.1f}s left)"
            for light in self.signals
        )
        return (
            f"t={simulation.time:7.1f}s  light {lights}  "
            f"agents on road {self.present}  finished {len(self.finished)}/{self.num_agents}\n"
            + "".join(lane)
        )

    def close(self) -> None:
        """Nothing to release (text rendering only)."""
        super().close()


class MOEcoDrivingParallelEnv(EnvContract, MOParallelEnv):
    """PettingZoo ParallelEnv in MOMAland's protocol: one agent per agent vehicle.

    ``reset`` accepts any ``options`` and ignores them, as PettingZoo's API test requires of a
    ParallelEnv (it resets with ``options={"options": 1}``).
    """

    metadata: ClassVar[dict[str, Any]] = {
        "name": "mo_eco_driving_v0",
        "render_modes": ["ansi"],
        "render_fps": 2,
        "is_parallelizable": True,
    }
    reward_dim = len(OBJECTIVES)
    #: How errors name the env.
    env_label = "MOEcoDriving"
    env_id = "rlbench/MOEcoDriving-v0"

    def __init__(self, render_mode: str | None = None, **kwargs: Any) -> None:
        self.central = MOEcoDrivingCentralEnv(render_mode=render_mode, **kwargs)
        # This env guards its own step and close; the twin is stepped only through it.
        self.central.warns_on_misuse = False
        self.render_mode = render_mode
        self.possible_agents = [f"vehicle_{index}" for index in range(self.central.num_agents)]
        self.agents: list[str] = []
        self._index = {name: index for index, name in enumerate(self.possible_agents)}
        # PettingZoo expects the same space object on every call.
        feature_space = self.central.agent_observation_space
        agent_space = spaces.Box(
            low=np.append(feature_space.low, 0.0).astype(np.float32),
            high=np.append(feature_space.high, 1.0).astype(np.float32),
            dtype=np.float32,
        )
        self.observation_spaces = {agent: agent_space for agent in self.possible_agents}
        self.action_spaces = {
            agent: spaces.Box(-1.0, 1.0, shape=(1,), dtype=np.float32)
            for agent in self.possible_agents
        }
        low, high = self.central.step_reward_bounds()
        self.reward_spaces = {agent: reward_box(low, high) for agent in self.possible_agents}

    def observation_space(self, agent: str) -> spaces.Box:
        """One agent vehicle's observation space (see the module docstring)."""
        return self.observation_spaces[agent]

    def action_space(self, agent: str) -> spaces.Box:
        """One agent vehicle's acceleration, m/s^2."""
        return self.action_spaces[agent]

    def _observations(self, names: list[str]) -> dict[str, np.ndarray]:
        """The 14 features and a 0 on the road, the waiting observation, or zeros once exited."""
        features = self.central.agent_features()
        observations = {}
        for name in names:
            observation = np.zeros(AGENT_OBSERVATION_SIZE, dtype=np.float32)
            index = self._index[name]
            if index in features:
                observation[:OBSERVATION_SIZE] = features[index]
            elif index not in self.central.finished:
                observation[WAITING_FLAG] = 1.0
            observations[name] = observation
        return observations

    def is_waiting(self, agent: str) -> bool:
        """Whether ``agent``'s vehicle has not entered the network yet."""
        index = self._index[agent]
        return index not in self.central.present and index not in self.central.finished

    def reset(
        self, seed: int | None = None, options: dict[str, Any] | None = None
    ) -> tuple[dict[str, np.ndarray], dict[str, dict[str, Any]]]:
        """Warm up until the first agent vehicle enters; every pool agent is in ``agents``.

        The others observe the waiting observation until their vehicle enters (options are
        ignored).
        """
        self._start_episode()
        self.central.reset(seed=seed)
        self.agents = list(self.possible_agents)
        return self._observations(self.agents), {
            agent: {"waiting": self.is_waiting(agent)} for agent in self.agents
        }

    def step(self, actions: dict[str, Any]) -> tuple[dict, dict, dict, dict, dict]:
        """Each agent vehicle on the road accelerates as asked; waiting agents' actions are ignored.

        ``actions`` needs one entry per agent whose vehicle is on the road; entries for agents
        still waiting to enter are checked against the action space and ignored, and may be
        left out; entries for agents that already left are ignored (a policy may act on the
        last observations it got). The returned dicts hold every agent in ``agents`` before the
        step; a waiting agent's reward is zero.
        """
        self._warn_if_stepped_out_of_episode()
        if not self.agents:
            if not self._episode_over:
                raise RuntimeError(f"{type(self).__name__}: call reset() before step()")
            return {}, {}, {}, {}, {}
        unknown = sorted(set(actions) - set(self.possible_agents), key=str)
        if unknown:
            raise ValueError(
                f"{self.env_label}: actions for unknown agents {unknown}; agents are "
                f"{self.possible_agents}"
            )
        on_road = [self.possible_agents[index] for index in self.central.present]
        missing = [agent for agent in on_road if agent not in actions]
        if missing:
            raise ValueError(f"{self.env_label}: no action for agents {missing} (on the road)")
        accelerations = {}
        for agent in self.agents:
            if agent not in actions:
                continue
            value = validate_action(_AgentView(self, agent), actions[agent])
            if agent in on_road:
                accelerations[self._index[agent]] = acceleration_from_action(float(value[0]))
        before = list(self.agents)
        outcome = self.central.advance(accelerations)
        exited = {self.possible_agents[index] for index in outcome["exited"]}
        truncated = outcome["truncated"]
        observations = self._observations(before)
        rewards = {
            agent: self.central._reward_vector(outcome["rewards"][self._index[agent]])
            for agent in before
        }
        terminations = {agent: agent in exited for agent in before}
        truncations = {agent: truncated and agent not in exited for agent in before}
        self.agents = [] if truncated else [agent for agent in before if agent not in exited]
        returns = self.central.agent_returns
        infos = {
            agent: {
                "waiting": self.is_waiting(agent),
                "travel_time": float(-returns[self._index[agent], 0]),
                "co2_grams": float(-returns[self._index[agent], 1]),
                "requested_acceleration": float(accelerations.get(self._index[agent], 0.0)),
                "acceleration": self._realised_acceleration(self._index[agent]),
            }
            for agent in before
        }
        self._record_step_end(outcome["terminated"], truncated)
        return observations, rewards, terminations, truncations, infos

    def _realised_acceleration(self, index: int) -> float:
        rows = np.flatnonzero(self.central.simulation.agent_id == index)
        return float(self.central.simulation.acceleration[rows[0]]) if rows.size else 0.0

    def idm_accelerations(self) -> dict[str, float]:
        """IDM's acceleration for each agent on the road, by name (the ``idm_only`` action)."""
        return {
            self.possible_agents[index]: value
            for index, value in self.central.idm_accelerations().items()
        }

    def render(self) -> str | None:
        """The lane as text, as the twin draws it."""
        return self.central.render()

    def close(self) -> None:
        """Close the twin."""
        self.central.close()
        super().close()

    def state(self) -> np.ndarray:
        """The twin's observation: every pool slot's presence flag and features."""
        return self.central._observation()


class _AgentView:
    """What :func:`validate_action` needs to check one agent's action: its space and a name.

    Errors read ``rlbench/MOEcoDriving-v0 agent vehicle_0: expected an action in ...``.
    """

    def __init__(self, env: MOEcoDrivingParallelEnv, agent: str) -> None:
        self.action_space = env.action_space(agent)
        self.spec = SimpleNamespace(id=f"{env.env_id} agent {agent}")


class MOEcoDrivingGridParallelEnv(MOEcoDrivingParallelEnv):
    """MOEcoDriving with ``layout="grid"``: a route through two signalised intersections.

    Every argument of :class:`MOEcoDrivingParallelEnv` but ``layout`` (see the module
    docstring's grid notes).
    """

    metadata: ClassVar[dict[str, Any]] = {
        **MOEcoDrivingParallelEnv.metadata,
        "name": "mo_eco_driving_grid_v0",
    }
    env_label = "MOEcoDrivingGrid"
    env_id = "rlbench/MOEcoDrivingGrid-v0"

    def __init__(self, render_mode: str | None = None, **kwargs: Any) -> None:
        if "layout" in kwargs:
            raise ValueError(
                f"{type(self).__name__}: the layout is always 'grid' here; use "
                "rlbench/MOEcoDriving-v0 for layout='approach'"
            )
        super().__init__(render_mode=render_mode, layout="grid", **kwargs)


raw_env = MOEcoDrivingParallelEnv


def parallel_env(**kwargs: Any) -> MOEcoDrivingParallelEnv:
    """The ParallelEnv, as PettingZoo modules name their constructor."""
    return MOEcoDrivingParallelEnv(**kwargs)


def grid_parallel_env(**kwargs: Any) -> MOEcoDrivingGridParallelEnv:
    """The grid layout's ParallelEnv (``rlbench/MOEcoDrivingGrid-v0``)."""
    return MOEcoDrivingGridParallelEnv(**kwargs)


def env(**kwargs: Any) -> Any:
    """The AEC (turn-by-turn) version, through PettingZoo's parallel_to_aec."""
    return parallel_to_aec(parallel_env(**kwargs))


# -- the MDP family ----------------------------------------------------------------------------

IN_DISTRIBUTION = {
    "inflow": (100.0, 500.0),
    "green": (20.0, 30.0),
    "red": (20.0, 30.0),
    "lane_length": (50.0, 750.0),
    "speed_limit": (15.0, 20.0),
    "penetration": (0.2, 0.5),
    "temperature": (0.0, 35.0),
}
HELD_OUT = {
    "inflow": (500.0, 700.0),
    "green": (30.0, 40.0),
    "red": (30.0, 40.0),
    "lane_length": (750.0, 1000.0),
    "speed_limit": (20.0, 25.0),
    "penetration": (0.5, 0.8),
}
#: Held-out temperatures lie on either side of the in-distribution range.
HELD_OUT_TEMPERATURES = ((-15.0, 0.0), (35.0, 45.0))


def eco_driving_family(rng: np.random.Generator, split: Split) -> dict[str, float]:
    """IntersectionZoo's scenario ranges; held out, every parameter beyond its range."""
    ranges = IN_DISTRIBUTION if split == "in_distribution" else HELD_OUT
    drawn = {name: float(rng.uniform(low, high)) for name, (low, high) in ranges.items()}
    if split == "held_out":
        low, high = HELD_OUT_TEMPERATURES[int(rng.integers(2))]
        drawn["temperature"] = float(rng.uniform(low, high))
    return drawn


#: The grid's offset (s): any shift of the second light's cycle; offsets are periodic, so the
#: held-out split draws them from the same range (there is no "beyond" a full cycle: the
#: longest held-out cycle is 83 s, the longest in-distribution one 63 s).
GRID_OFFSET_RANGE = (0.0, 60.0)


def eco_driving_grid_family(rng: np.random.Generator, split: Split) -> dict[str, float]:
    """:func:`eco_driving_family`'s ranges plus the second light's offset, U[0, 60] s."""
    drawn = eco_driving_family(rng, split)
    drawn["offset"] = float(rng.uniform(*GRID_OFFSET_RANGE))
    return drawn


def objective_lower_bounds(team: bool = False, **env_kwargs: Any) -> tuple[float, float]:
    """The lowest episode return on each objective: ``max_steps`` steps of the worst step.

    Per agent vehicle: ``-0.5 s`` and the CO2 of VT-CPFM at the speed limit and 2.6 m/s^2 per
    step, for at most ``max_steps`` steps (-600 s and about -3.6e4 g by default); ``team``
    multiplies by ``num_agents`` (the twin's return, the ParallelEnv's team return).
    """
    central = MOEcoDrivingCentralEnv(**env_kwargs)
    low, _ = central.step_reward_bounds()
    scale = central.max_steps * (central.num_agents if team else 1)
    return float(scale * low[0]), float(scale * low[1])


def agent_return_bounds(**env_kwargs: Any) -> tuple[float, float]:
    """Bounds on every objective of one agent vehicle's episode return.

    Nothing is ever paid back, so the upper bound is 0; the lower one is the lower of
    :func:`objective_lower_bounds` (the CO2 one): about [-3.6e4, 0] by default.
    """
    return min(objective_lower_bounds(**env_kwargs)), 0.0


def return_bounds(**env_kwargs: Any) -> tuple[float, float]:
    """Bounds on every objective of the twin's (the team's) episode return."""
    return min(objective_lower_bounds(team=True, **env_kwargs)), 0.0


#: The hypervolume reference point of one agent vehicle's return: its travel-time bound (no
#: vehicle is in the network longer than the episode's 600 s) and 2,000 g of CO2, twice the
#: worst random episode's 908 g (20 seeds). The guaranteed CO2 bound (full power for 600 s,
#: ~3.6e4 g) is so far from any real driving that every agent's hypervolume would agree to four
#: digits; a return beyond this point adds no hypervolume.
AGENT_REFERENCE_POINT = (-600.0, -2000.0)


#: The grid's per-agent reference point: the same travel-time bound (600 s) and 2,400 g of CO2,
#: about twice the worst random episode's 1,155 g (20 seeds; random's mean is 852 g), rounded up.
GRID_AGENT_REFERENCE_POINT = (-600.0, -2400.0)


_ANCHOR = INTERSECTIONZOO_CITATION
_FAMILY_DESCRIPTION = (
    "IntersectionZoo's scenario ranges: inflow U[100, 500] veh/h, green and red U[20, 30] s, "
    "lane U[50, 750] m, speed limit U[15, 20] m/s, penetration U[0.2, 0.5], temperature "
    "U[0, 35] C; held out beyond each (inflow 500-700, phases 30-40 s, lane 750-1000 m, "
    "speed limit 20-25 m/s, penetration 0.5-0.8, temperature -15-0 or 35-45 C)"
)
_GRID_FAMILY_DESCRIPTION = (
    "MOEcoDriving's ranges (inflow, green, red, lane, speed limit, penetration, temperature; "
    "held out beyond each) plus the second light's offset U[0, 60] s in both splits"
)
_AGENTS = ("random", "idm_only", "glide_to_green")

CARDS: list[EnvCard] = [
    EnvCard(
        id="rlbench/MOEcoDriving-v0",
        family=FAMILY,
        entry_point=f"{__name__}:parallel_env",
        multi_agent=True,
        objectives=OBJECTIVES,
        # The board ranks a multi-agent id's fronts per agent (team return / agents).
        reference_point=AGENT_REFERENCE_POINT,
        observation_kind="vector",
        anchor=_ANCHOR,
        agents=_AGENTS,
        expert_agent="glide_to_green",
        mdp_family=MDPFamily(eco_driving_family, _FAMILY_DESCRIPTION),
        return_bounds=agent_return_bounds(),
        summary=(
            "Eco-driving at a signalised approach: agent vehicles choose accelerations, "
            "objectives [-travel time, -CO2] (VT-CPFM), IDM humans."
        ),
    ),
    EnvCard(
        id="rlbench/MOEcoDrivingGrid-v0",
        family=FAMILY,
        entry_point=f"{__name__}:grid_parallel_env",
        multi_agent=True,
        objectives=OBJECTIVES,
        reference_point=GRID_AGENT_REFERENCE_POINT,
        observation_kind="vector",
        anchor=_ANCHOR,
        agents=_AGENTS,
        expert_agent="glide_to_green",
        mdp_family=MDPFamily(eco_driving_grid_family, _GRID_FAMILY_DESCRIPTION),
        return_bounds=agent_return_bounds(layout="grid"),
        summary=(
            "MOEcoDriving on a route through two signalised intersections with their own "
            "fixed-cycle lights and offset: objectives [-travel time, -CO2], IDM humans."
        ),
    ),
    EnvCard(
        id="rlbench/MOEcoDrivingCentral-v0",
        family=FAMILY,
        entry_point=f"{__name__}:MOEcoDrivingCentralEnv",
        multi_agent=False,
        objectives=OBJECTIVES,
        # The twin's return is the team's: the per-agent point times the agent vehicles.
        reference_point=tuple(DEFAULT_NUM_AGENTS * value for value in AGENT_REFERENCE_POINT),
        observation_kind="vector",
        anchor=_ANCHOR,
        agents=_AGENTS,
        expert_agent="glide_to_green",
        mdp_family=MDPFamily(eco_driving_family, _FAMILY_DESCRIPTION),
        return_bounds=return_bounds(),
        summary=(
            "MOEcoDriving's centralised twin: one controller drives every agent vehicle; "
            "reward = the agents' summed [-travel time, -CO2]."
        ),
    ),
]
