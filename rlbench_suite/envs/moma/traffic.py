"""A signalised approach without SUMO: IDM drivers, a fixed-cycle light, VT-CPFM fuel and CO2.

The traffic model under :mod:`rlbench_suite.envs.moma.eco_driving`, vectorised over vehicles
with NumPy. One lane of ``lane_length`` metres leads to a stop line, followed by an exit section
of ``exit_length`` metres; vehicles arrive at the lane's start, follow their leaders, stop for
the light and leave at the end of the exit section. Positions are the front bumper's, in metres
from the lane's start; vehicle 0 is the most downstream (no overtaking, so the order never
changes).

Pieces, each usable alone:

- :func:`idm_acceleration`: the Intelligent Driver Model (Treiber, Hennecke, Helbing 2000).
- :func:`draw_driver_parameters`: IntersectionZoo's per-vehicle IDM draws (cars, buses/trucks).
- :class:`VTCPFM`: the Virginia Tech Comprehensive Power-based Fuel consumption Model, type 1
  (Rakha et al. 2011), and CO2 from fuel.
- :class:`SignalTiming`: a fixed-cycle light (green, yellow, red) with a phase offset.
- :func:`safe_acceleration_cap`: the largest acceleration after which a vehicle can still stop
  behind its leader (or the stop line), assuming the leader brakes as hard as it can.
- :class:`ApproachSimulation`: the lane itself, stepped one tick at a time; with
  ``downstream`` lights, a route through consecutive signalised intersections (a corridor of
  a small grid), each vehicle obeying the next light on its way.

VT-CPFM as published and as IntersectionZoo writes it
-----------------------------------------------------

Rakha et al. (2011) give, with the speed ``u`` in km/h, the resistance force in newtons

    R = rho / 25.92 * C_D * C_h * A_f * u^2 + 9.8066 * m * C_r / 1000 * (c1 * u + c2)
        + 9.8066 * m * G,

the power in kW ``P = (R + (1 + lambda) * m * a) / (3600 * eta_d) * u`` and the fuel rate in
litres per second ``F = alpha0 + alpha1 P + alpha2 P^2`` for ``P >= 0``, else ``alpha0``.
``rho / 25.92 * u^2`` with ``u`` in km/h is ``rho / 2 * v^2`` with ``v`` in m/s (25.92 =
2 x 3.6^2), and ``R u / 3600`` is ``R v / 1000``: a consistent SI form. IntersectionZoo's
``vtcpmf_fuel_model`` uses the same shape with ``v`` in m/s throughout, which (i) drops the
1/2 of the drag term, (ii) sets ``c1 = c2 = 0.033`` where the paper's typical tyres and pavement
give ``c1 = 0.0328`` per km/h and ``c2 = 4.575``, so its rolling resistance is about 1 N instead
of about 300 N, and (iii) divides ``R v`` in watts by 3600 instead of 1000, so its power is
3.6 times too small for the alpha coefficients. We use the published form in SI units, with
IntersectionZoo's vehicle (m = 3152 kg, C_D = 0.6, C_h = 0.98, A_f = 3.28 m^2, eta_d = 0.92,
lambda = 0.04) and its alpha coefficients (0.00078 L/s, 1.9556e-5 L/s/kW, 1e-6 L/s/kW^2); a flat
road (G = 0). The air density follows the temperature (ideal gas at sea-level pressure: 1.225
kg/m^3 at 15 C, the published default being 1.2256), which is how temperature enters.

CO2 is ``co2_grams_per_litre`` x fuel: 2,310 g/L of petrol by default (Natural Resources
Canada: "about 2.3 kg of CO2 for every litre of gasoline"; DEFRA's factor for petrol is 2.31
kg/L; the US EPA's 8,887 g per gallon is 2,348 g/L).

Example:
    >>> import numpy as np
    >>> from rlbench_suite.envs.moma.traffic import VTCPFM, SignalTiming
    >>> model = VTCPFM()
    >>> round(float(model.fuel_rate(0.0, 0.0)), 5)   # idling, L/s
    0.00078
    >>> round(float(model.co2_rate(15.0, 0.0)), 2)   # cruising at 54 km/h, g/s
    2.48
    >>> light = SignalTiming(green=25.0, yellow=3.0, red=25.0)
    >>> light.phase(26.0), light.time_to_change(26.0)
    ('yellow', 2.0)

"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import ClassVar, Literal

import numpy as np

GRAVITY = 9.8066  # m/s^2, as in VT-CPFM
KMH_PER_MS = 3.6

# -- IDM and IntersectionZoo's drivers ---------------------------------------------------------

IDM_EXPONENT = 4.0
#: Gaps are floored here before IDM divides by them (a vehicle never closes a gap fully).
MIN_IDM_GAP = 0.1  # m


def idm_acceleration(
    speed: np.ndarray,
    gap: np.ndarray,
    leader_speed: np.ndarray,
    desired_speed: float | np.ndarray,
    time_headway: np.ndarray,
    min_gap: np.ndarray,
    max_acceleration: np.ndarray,
    comfortable_deceleration: np.ndarray,
) -> np.ndarray:
    """IDM's acceleration (m/s^2) of each vehicle; an infinite ``gap`` means a free road.

    ``a (1 - (v / v0)^4 - (s* / s)^2)`` with ``s* = s0 + max(0, v T + v (v - v_l) / (2 sqrt(a
    b)))``. Every argument is in SI units and broadcasts against ``speed`` (shape ``(n,)``).
    """
    approach = speed - leader_speed
    braking_scale = 2.0 * np.sqrt(max_acceleration * comfortable_deceleration)
    desired_gap = min_gap + np.maximum(0.0, speed * time_headway + speed * approach / braking_scale)
    interaction = np.where(np.isfinite(gap), (desired_gap / np.maximum(gap, MIN_IDM_GAP)) ** 2, 0.0)
    free_road = (speed / desired_speed) ** IDM_EXPONENT
    return max_acceleration * (1.0 - free_road - interaction)


@dataclass(frozen=True)
class DriverDistribution:
    """Mean and standard deviation of each IDM parameter for one vehicle class (SI units)."""

    min_gap: tuple[float, float]  # s0, m
    time_headway: tuple[float, float]  # T, s
    max_acceleration: tuple[float, float]  # a, m/s^2
    comfortable_deceleration: tuple[float, float]  # b, m/s^2
    length: float  # m


#: IntersectionZoo's cars: s0 2.20 +- 0.18 m, T 0.30 +- 0.04 s, a 0.744, b 1.67 +- 0.08.
CAR = DriverDistribution(
    min_gap=(2.20, 0.18),
    time_headway=(0.30, 0.04),
    max_acceleration=(0.744, 0.0),
    comfortable_deceleration=(1.67, 0.08),
    length=5.0,
)
#: IntersectionZoo's buses and trucks: s0 1.30 +- 0.55, T 0.57 +- 0.14, b 1.54 +- 0.22; it gives
#: no acceleration for them, so they keep the cars' 0.744.
HEAVY = DriverDistribution(
    min_gap=(1.30, 0.55),
    time_headway=(0.57, 0.14),
    max_acceleration=(0.744, 0.0),
    comfortable_deceleration=(1.54, 0.22),
    length=12.0,
)
#: Draws are cut at two standard deviations, so no parameter is ever zero or negative.
DRAW_CUTOFF_SIGMAS = 2.0


def draw_driver_parameters(
    rng: np.random.Generator, heavy: bool
) -> tuple[float, float, float, float, float]:
    """One driver's ``(s0, T, a, b, length)``: normal draws cut at two standard deviations."""
    distribution = HEAVY if heavy else CAR
    values = []
    for mean, std in (
        distribution.min_gap,
        distribution.time_headway,
        distribution.max_acceleration,
        distribution.comfortable_deceleration,
    ):
        deviation = float(np.clip(rng.standard_normal(), -DRAW_CUTOFF_SIGMAS, DRAW_CUTOFF_SIGMAS))
        values.append(mean + std * deviation)
    return values[0], values[1], values[2], values[3], distribution.length


# -- VT-CPFM fuel and CO2 ----------------------------------------------------------------------

STANDARD_PRESSURE = 101_325.0  # Pa
DRY_AIR_GAS_CONSTANT = 287.05  # J/(kg K)
CELSIUS_ZERO = 273.15  # K


def air_density(temperature_celsius: float) -> float:
    """Dry air at sea-level pressure, kg/m^3 (1.225 at 15 C)."""
    return STANDARD_PRESSURE / (DRY_AIR_GAS_CONSTANT * (temperature_celsius + CELSIUS_ZERO))


@dataclass(frozen=True)
class VTCPFM:
    """VT-CPFM-1 with IntersectionZoo's vehicle and coefficients, in SI (see the module notes).

    ``fuel_rate(v, a)`` is in litres per second, ``co2_rate(v, a)`` in grams per second, for
    speeds in m/s and accelerations in m/s^2 (arrays broadcast).
    """

    mass: float = 3152.0  # kg
    rotating_mass_factor: float = 0.04  # lambda: 1.04 m a
    drag_coefficient: float = 0.6  # C_D
    altitude_factor: float = 0.98  # C_h
    frontal_area: float = 3.28  # m^2
    rolling_coefficient: float = 1.75  # C_r (per 1000)
    rolling_speed_coefficient: float = 0.0328  # c1, per km/h
    rolling_constant: float = 4.575  # c2
    driveline_efficiency: float = 0.92  # eta_d
    alpha0: float = 0.00078  # L/s
    alpha1: float = 1.9556e-5  # L/s per kW
    alpha2: float = 1.0e-6  # L/s per kW^2
    temperature: float = 15.0  # C, sets the air density
    co2_grams_per_litre: float = 2310.0

    def resistance_force(self, speed: np.ndarray | float) -> np.ndarray:
        """Aerodynamic plus rolling resistance, N, at ``speed`` m/s on a flat road."""
        speed = np.asarray(speed, dtype=float)
        drag = (
            0.5
            * air_density(self.temperature)
            * self.drag_coefficient
            * self.altitude_factor
            * self.frontal_area
            * speed**2
        )
        rolling = (
            GRAVITY
            * self.mass
            * self.rolling_coefficient
            / 1000.0
            * (self.rolling_speed_coefficient * KMH_PER_MS * speed + self.rolling_constant)
        )
        return drag + rolling

    def power(self, speed: np.ndarray | float, acceleration: np.ndarray | float) -> np.ndarray:
        """Tractive power at the wheels, kW (negative while the vehicle sheds energy)."""
        inertial = (1.0 + self.rotating_mass_factor) * self.mass * np.asarray(acceleration)
        force = self.resistance_force(speed) + inertial
        return force * np.asarray(speed, dtype=float) / (1000.0 * self.driveline_efficiency)

    def fuel_rate(self, speed: np.ndarray | float, acceleration: np.ndarray | float) -> np.ndarray:
        """Fuel, litres per second: ``alpha0 + alpha1 P + alpha2 P^2``, idle ``alpha0`` at P < 0."""
        power = np.maximum(self.power(speed, acceleration), 0.0)
        return self.alpha0 + self.alpha1 * power + self.alpha2 * power**2

    def co2_rate(self, speed: np.ndarray | float, acceleration: np.ndarray | float) -> np.ndarray:
        """CO2, grams per second."""
        return self.co2_grams_per_litre * self.fuel_rate(speed, acceleration)

    def max_co2_rate(self, max_speed: float, max_acceleration: float) -> float:
        """The largest CO2 rate (g/s) at speeds and accelerations up to the given ones.

        Power grows with both, so the largest rate is at the corner.
        """
        return float(self.co2_rate(max_speed, max_acceleration))


# -- the light ---------------------------------------------------------------------------------

Phase = Literal["green", "yellow", "red"]


@dataclass(frozen=True)
class SignalTiming:
    """A fixed-cycle light: green, then yellow, then red, repeating; times in seconds.

    ``offset`` shifts the cycle: at time ``t`` the light is where a light started green at
    ``-offset`` would be.
    """

    green: float
    yellow: float
    red: float
    offset: float = 0.0

    PHASE_CODES: ClassVar[dict[str, float]] = {"green": 0.0, "yellow": 0.5, "red": 1.0}

    @property
    def cycle(self) -> float:
        """Length of one cycle, s."""
        return self.green + self.yellow + self.red

    def _in_cycle(self, time: float) -> float:
        return math.fmod(time + self.offset, self.cycle)

    def phase(self, time: float) -> Phase:
        """The phase shown at ``time``."""
        position = self._in_cycle(time)
        if position < self.green:
            return "green"
        if position < self.green + self.yellow:
            return "yellow"
        return "red"

    def time_to_change(self, time: float) -> float:
        """Seconds until the current phase ends."""
        position = self._in_cycle(time)
        for end in (self.green, self.green + self.yellow, self.cycle):
            if position < end:
                return end - position
        return self.cycle - position

    def time_to_green(self, time: float) -> float:
        """Seconds until the next green starts; 0 while green shows."""
        position = self._in_cycle(time)
        return 0.0 if position < self.green else self.cycle - position


# -- the safety layer --------------------------------------------------------------------------


def safe_acceleration_cap(
    speed: np.ndarray,
    gap: np.ndarray,
    leader_speed: np.ndarray,
    max_braking: float,
    min_gap: float,
    dt: float,
) -> np.ndarray:
    """The largest acceleration this tick after which each vehicle can still stop in time.

    The vehicle accelerates at ``a`` for ``dt`` (reaching ``v' = v + a dt``), then brakes at
    ``max_braking``; its leader brakes at ``max_braking`` from now. It is safe when it stops at
    least ``min_gap`` behind where the leader stops: ``(v + v') dt / 2 + v'^2 / (2 B) <= gap -
    min_gap + v_l^2 / (2 B)``, a quadratic in ``v'``. Where no ``v' >= 0`` satisfies it, the
    cap is full braking. An infinite ``gap`` (no leader) gives an infinite cap.
    """
    room = gap - min_gap + leader_speed**2 / (2.0 * max_braking) - speed * dt / 2.0
    quadratic = 1.0 / (2.0 * max_braking)
    linear = dt / 2.0
    discriminant = linear**2 + 4.0 * quadratic * np.where(np.isfinite(room), room, 0.0)
    safe_speed = (-linear + np.sqrt(np.maximum(discriminant, 0.0))) / (2.0 * quadratic)
    safe_speed = np.where(room > 0.0, safe_speed, 0.0)
    cap = np.maximum((safe_speed - speed) / dt, -max_braking)
    return np.where(np.isfinite(gap), cap, np.inf)


# -- the approach ------------------------------------------------------------------------------

#: A vehicle never gets closer than this to its leader's rear bumper or to a red stop line.
COLLISION_MARGIN = 0.01  # m
#: The safety layer keeps this much room at a standstill (IDM keeps its own s0, about 2 m).
SAFETY_MIN_GAP = 0.5  # m
#: At the end of green a vehicle stops for the light when it can with at most this deceleration;
#: closer vehicles drive through on yellow (the dilemma-zone rule; 3 m/s^2 is ITE's comfortable
#: yellow-light deceleration).
STOP_DECISION_DECELERATION = 3.0  # m/s^2
UNDECIDED, GOES, STOPS = 0, 1, 2


@dataclass
class TickResult:
    """What one tick of :class:`ApproachSimulation` did to the agent vehicles.

    Arrays are over the agent vehicles that were on the road during the tick, in road order.
    """

    agent_ids: np.ndarray  # (k,) int: pool index of each agent vehicle that moved
    co2_grams: np.ndarray  # (k,) CO2 emitted during the tick, g
    fuel_litres: np.ndarray  # (k,)
    exited: np.ndarray  # (k,) bool: left the network at the end of the tick
    entered: list[int] = field(default_factory=list)  # pool indices that entered at its end


class ApproachSimulation:
    """One signalised lane, stepped ``dt`` seconds at a time (see the module docstring).

    Vehicles arrive by a Bernoulli process, ``inflow dt / 3600`` per tick (SUMO's probability
    flow), into a queue at the lane's start; the head of that queue enters when its leader is at
    least ``s0 + 1 m`` ahead, at the speed it can hold behind that leader (``(gap - s0) / T``, up
    to the speed limit). While ``agent_arrivals`` is on, an arriving vehicle becomes an agent
    vehicle (the next pool index) with probability ``penetration``, until ``pool_size`` agents
    were created. Agent vehicles' accelerations come from :meth:`tick`'s argument; the others
    drive IDM with their drawn parameters, as do agent vehicles for which no acceleration is
    given.

    Every vehicle goes through the same physical layer: its acceleration is clipped to
    ``[-max_braking, its max acceleration]``, capped so it could still stop behind its leader
    and, if it stops for the light, behind the stop line (:func:`safe_acceleration_cap`), and
    capped so it never exceeds the speed limit. The light stops a vehicle that, when green ends
    (or when it enters during yellow or red), can stop with at most
    :data:`STOP_DECISION_DECELERATION`; a vehicle too close for that drives through.
    """

    def __init__(
        self,
        rng: np.random.Generator,
        signal: SignalTiming,
        fuel_model: VTCPFM,
        lane_length: float,
        exit_length: float,
        speed_limit: float,
        inflow: float,
        penetration: float,
        heavy_vehicle_share: float,
        pool_size: int,
        agent_max_acceleration: float,
        max_braking: float,
        dt: float,
        downstream: tuple[tuple[float, SignalTiming], ...] = (),
    ) -> None:
        self.rng = rng
        self.signal = signal
        self.fuel_model = fuel_model
        self.lane_length = lane_length
        self.exit_length = exit_length
        #: Every light on the route, in order, and where its stop line is (m from the start).
        self.signals: tuple[SignalTiming, ...] = (signal, *(light for _, light in downstream))
        self.stop_lines = lane_length + np.cumsum([0.0, *(block for block, _ in downstream)])
        self.speed_limit = speed_limit
        self.arrival_probability = inflow * dt / 3600.0
        self.penetration = penetration
        self.heavy_vehicle_share = heavy_vehicle_share
        self.pool_size = pool_size
        self.agent_max_acceleration = agent_max_acceleration
        self.max_braking = max_braking
        self.dt = dt
        self.time = 0.0
        self.agent_arrivals = False
        self.agents_created = 0
        # The entry queue: drivers waiting to enter, each (s0, T, a, b, length, agent id or -1).
        self.waiting: list[tuple[float, float, float, float, float, int]] = []
        empty = np.zeros(0)
        self.position = empty.copy()  # (n,) front bumper, m
        self.speed = empty.copy()  # (n,) m/s
        self.acceleration = empty.copy()  # (n,) last tick's realised acceleration, m/s^2
        self.min_gap = empty.copy()  # (n,) IDM s0
        self.time_headway = empty.copy()  # (n,) IDM T
        self.max_acceleration = empty.copy()  # (n,) IDM a
        self.comfortable_deceleration = empty.copy()  # (n,) IDM b
        self.length = empty.copy()  # (n,)
        self.agent_id = np.zeros(0, dtype=np.int64)  # (n,) pool index, -1 for humans
        self.light_decision = np.zeros(0, dtype=np.int8)  # (n,) UNDECIDED, GOES or STOPS
        self.line_index = np.zeros(0, dtype=np.int64)  # (n,) the next stop line, as last decided

    # -- what the vehicles see ----------------------------------------------------------------

    @property
    def exit_position(self) -> float:
        """Where vehicles leave the network: the end of the exit section, m."""
        return float(self.stop_lines[-1]) + self.exit_length

    def next_lines(self) -> np.ndarray:
        """Index of each vehicle's next stop line; ``len(stop_lines)`` once past the last."""
        return np.searchsorted(self.stop_lines, self.position, side="right")

    def next_line_positions(self) -> np.ndarray:
        """Where each vehicle's next stop line is, m (``inf`` once past the last)."""
        padded = np.append(self.stop_lines, np.inf)
        return padded[self.next_lines()]

    def leader_gaps(self) -> tuple[np.ndarray, np.ndarray]:
        """Each vehicle's bumper-to-bumper gap to its leader and the leader's speed.

        The first vehicle has an ``inf`` gap and its own speed.
        """
        gap = np.full(self.position.shape, np.inf)
        leader_speed = self.speed.copy()
        gap[1:] = self.position[:-1] - self.length[:-1] - self.position[1:]
        leader_speed[1:] = self.speed[:-1]
        return gap, leader_speed

    def effective_leaders(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Gap and speed of what each vehicle must stop behind, and whether it stops for the light.

        That is its leader or, where it stops for the light, the stop line (speed 0) when closer.
        """
        gap, leader_speed = self.leader_gaps()
        line = self.next_line_positions()
        stops = (self.light_decision == STOPS) & np.isfinite(line)
        line_gap = np.where(stops, line - self.position, np.inf)
        line_closer = line_gap < gap
        return (
            np.where(line_closer, line_gap, gap),
            np.where(line_closer, 0.0, leader_speed),
            stops,
        )

    def idm_accelerations(self) -> np.ndarray:
        """What IDM asks of every vehicle now (before the physical layer), m/s^2."""
        gap, leader_speed, _ = self.effective_leaders()
        return idm_acceleration(
            self.speed,
            gap,
            leader_speed,
            self.speed_limit,
            self.time_headway,
            self.min_gap,
            self.max_acceleration,
            self.comfortable_deceleration,
        )

    def queue_length(self) -> int:
        """Vehicles before a stop line that are almost stopped (< 0.5 m/s)."""
        before = self.position < self.stop_lines[-1]
        return int(np.count_nonzero(before & (self.speed < 0.5)))

    # -- one tick -----------------------------------------------------------------------------

    def tick(self, agent_accelerations: dict[int, float] | None = None) -> TickResult:
        """Advance ``dt`` seconds: decide at the light, move everyone, let vehicles in and out.

        ``agent_accelerations`` maps pool indices of agent vehicles to requested accelerations;
        an agent vehicle missing from it drives IDM.
        """
        self._decide_at_light()
        requested = self.idm_accelerations()
        is_agent = self.agent_id >= 0
        if agent_accelerations:
            for index in np.flatnonzero(is_agent):
                wanted = agent_accelerations.get(int(self.agent_id[index]))
                if wanted is not None:
                    requested[index] = wanted
        ceiling = np.where(is_agent, self.agent_max_acceleration, self.max_acceleration)
        acceleration = np.clip(requested, -self.max_braking, ceiling)
        gap, leader_speed, stops = self.effective_leaders()
        acceleration = np.minimum(
            acceleration,
            safe_acceleration_cap(
                self.speed, gap, leader_speed, self.max_braking, SAFETY_MIN_GAP, self.dt
            ),
        )
        acceleration = np.minimum(acceleration, (self.speed_limit - self.speed) / self.dt)
        new_speed, travelled = self._integrate(acceleration)
        new_position = self._keep_apart(
            self.position + travelled, stops, self.next_line_positions()
        )
        # The guard above only ever shortens a move; the speed it ends with never exceeds the
        # speed the vehicle could have at that spot.
        blocked = new_position < self.position + travelled - 1e-9
        new_speed = np.where(blocked, 0.0, new_speed)
        realised = (new_speed - self.speed) / self.dt
        mean_speed = 0.5 * (self.speed + new_speed)
        fuel = self.fuel_model.fuel_rate(mean_speed, realised) * self.dt
        self.position, self.speed, self.acceleration = new_position, new_speed, realised
        self.time += self.dt

        exited = self.position >= self.exit_position
        agent_rows = np.flatnonzero(is_agent)
        result = TickResult(
            agent_ids=self.agent_id[agent_rows].copy(),
            co2_grams=fuel[agent_rows] * self.fuel_model.co2_grams_per_litre,
            fuel_litres=fuel[agent_rows],
            exited=exited[agent_rows],
        )
        self._remove(exited)
        self._arrive()
        result.entered = self._enter()
        return result

    def _decide_at_light(self) -> None:
        """Each vehicle decides once per light, when its next light stops showing green."""
        lines = self.next_lines()
        # A vehicle that crossed a line decides afresh for the next one.
        self.light_decision[lines != self.line_index] = UNDECIDED
        self.line_index = lines
        green = np.array([light.phase(self.time) == "green" for light in self.signals] + [True])
        shows_green = green[lines]
        self.light_decision[shows_green] = UNDECIDED
        undecided = (self.light_decision == UNDECIDED) & ~shows_green
        room = np.append(self.stop_lines, np.inf)[lines] - self.position
        can_stop = self.speed**2 / (2.0 * STOP_DECISION_DECELERATION) <= room
        self.light_decision[undecided] = np.where(can_stop[undecided], STOPS, GOES)

    def _integrate(self, acceleration: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Ballistic update: speeds never go negative (a vehicle that stops mid-tick stays)."""
        dt = self.dt
        unclamped = self.speed + acceleration * dt
        stops_mid_tick = unclamped < 0.0
        new_speed = np.maximum(unclamped, 0.0)
        braking = np.where(stops_mid_tick, -acceleration, 1.0)
        travelled = np.where(
            stops_mid_tick,
            self.speed**2 / (2.0 * braking),
            self.speed * dt + 0.5 * acceleration * dt**2,
        )
        return new_speed, travelled

    def _keep_apart(self, position: np.ndarray, stops: np.ndarray, line: np.ndarray) -> np.ndarray:
        """No vehicle passes its leader's rear bumper or a stop line it stops for."""
        position = np.where(stops, np.minimum(position, line - COLLISION_MARGIN), position)
        if position.size < 2:
            return position
        # x_i <= x_{i-1} - len_{i-1} - margin for every i: a running minimum of x_i + offset_i.
        offsets = np.concatenate([[0.0], np.cumsum(self.length[:-1] + COLLISION_MARGIN)])
        return np.minimum.accumulate(position + offsets) - offsets

    def _remove(self, leaving: np.ndarray) -> None:
        if not leaving.any():
            return
        keep = ~leaving
        for name in self._ARRAYS:
            setattr(self, name, getattr(self, name)[keep])

    _ARRAYS = (
        "position",
        "speed",
        "acceleration",
        "min_gap",
        "time_headway",
        "max_acceleration",
        "comfortable_deceleration",
        "length",
        "agent_id",
        "light_decision",
        "line_index",
    )

    def _arrive(self) -> None:
        if self.rng.random() >= self.arrival_probability:
            return
        heavy = self.rng.random() < self.heavy_vehicle_share
        driver = draw_driver_parameters(self.rng, heavy)
        agent = -1
        if (
            self.agent_arrivals
            and self.agents_created < self.pool_size
            and self.rng.random() < self.penetration
        ):
            agent = self.agents_created
            self.agents_created += 1
        self.waiting.append((*driver, agent))

    def _enter(self) -> list[int]:
        """Let the head of the entry queue in if there is room; the agent ids that entered."""
        if not self.waiting:
            return []
        min_gap, headway, max_acceleration, deceleration, length, agent = self.waiting[0]
        if self.position.size:
            gap = self.position[-1] - self.length[-1]
            if gap < min_gap + 1.0:
                return []
            speed = min(self.speed_limit, (gap - min_gap) / headway, float(self.speed[-1]) + 5.0)
        else:
            speed = self.speed_limit
        self.waiting.pop(0)
        values = {
            "position": 0.0,
            "speed": speed,
            "acceleration": 0.0,
            "min_gap": min_gap,
            "time_headway": headway,
            "max_acceleration": max_acceleration,
            "comfortable_deceleration": deceleration,
            "length": length,
            "agent_id": agent,
            "light_decision": UNDECIDED,
            "line_index": 0,
        }
        for name in self._ARRAYS:
            array = getattr(self, name)
            setattr(self, name, np.append(array, np.asarray(values[name], dtype=array.dtype)))
        return [agent] if agent >= 0 else []
