"""The traffic model under MOEcoDriving: IDM, VT-CPFM, the light, the safety layer, the lane."""

from __future__ import annotations

import numpy as np
import pytest

from rlbench_suite.envs.moma.traffic import (
    STOPS,
    VTCPFM,
    ApproachSimulation,
    SignalTiming,
    air_density,
    draw_driver_parameters,
    idm_acceleration,
    safe_acceleration_cap,
)


def test_vtcpfm_matches_the_published_form_in_si_units() -> None:
    """Cruising at 15 m/s: drag 0.5 rho Cd Ch Af v^2 plus rolling with c1 per km/h, P in kW."""
    model = VTCPFM()
    drag = 0.5 * 1.225 * 0.6 * 0.98 * 3.28 * 15.0**2
    rolling = 9.8066 * 3152 * 1.75 / 1000 * (0.0328 * 54.0 + 4.575)
    assert float(model.resistance_force(15.0)) == pytest.approx(drag + rolling, rel=1e-3)
    power = (drag + rolling) * 15.0 / (1000 * 0.92)
    assert float(model.power(15.0, 0.0)) == pytest.approx(power, rel=1e-3)
    fuel = 0.00078 + 1.9556e-5 * power + 1e-6 * power**2
    assert float(model.fuel_rate(15.0, 0.0)) == pytest.approx(fuel, rel=1e-3)
    assert float(model.co2_rate(15.0, 0.0)) == pytest.approx(2310 * fuel, rel=1e-3)


def test_vtcpfm_idles_when_power_is_negative_and_penalises_hard_acceleration() -> None:
    """Braking burns the idle rate only; one hard launch burns more than two gentle halves."""
    model = VTCPFM()
    assert float(model.fuel_rate(10.0, -3.0)) == pytest.approx(0.00078)
    assert float(model.fuel_rate(0.0, 0.0)) == pytest.approx(0.00078)
    hard = float(model.fuel_rate(8.0, 2.0)) * 1.0
    gentle = float(model.fuel_rate(8.0, 1.0)) * 2.0
    assert hard > gentle


def test_temperature_enters_through_air_density() -> None:
    """Cold air is denser: more drag and more fuel at speed; 1.225 kg/m^3 at 15 C."""
    assert air_density(15.0) == pytest.approx(1.225, abs=1e-3)
    assert float(VTCPFM(temperature=-10.0).fuel_rate(20.0, 0.0)) > float(
        VTCPFM(temperature=35.0).fuel_rate(20.0, 0.0)
    )


def test_idm_free_road_and_standing_obstacle() -> None:
    """IDM accelerates at a from rest on a free road and brakes for a standing obstacle."""
    args = dict(
        desired_speed=15.0,
        time_headway=np.array([0.3]),
        min_gap=np.array([2.2]),
        max_acceleration=np.array([0.744]),
        comfortable_deceleration=np.array([1.67]),
    )
    free = idm_acceleration(np.array([0.0]), np.array([np.inf]), np.array([0.0]), **args)
    assert free[0] == pytest.approx(0.744)
    braking = idm_acceleration(np.array([15.0]), np.array([40.0]), np.array([0.0]), **args)
    assert braking[0] < -1.67


def test_driver_draws_stay_within_two_sigmas() -> None:
    """IntersectionZoo's car draws: s0 2.20 +- 0.18, T 0.30 +- 0.04, a 0.744, b 1.67 +- 0.08."""
    rng = np.random.default_rng(0)
    draws = np.array([draw_driver_parameters(rng, heavy=False) for _ in range(2000)])
    assert draws[:, 0].mean() == pytest.approx(2.20, abs=0.02)
    assert draws[:, 1].min() >= 0.30 - 2 * 0.04 - 1e-12
    assert np.all(draws[:, 2] == 0.744)
    assert draws[:, 3].max() <= 1.67 + 2 * 0.08 + 1e-12
    assert np.all(draws[:, 4] == 5.0)


def test_signal_cycles_green_yellow_red_with_offset() -> None:
    """Phases and times to change follow green 25, yellow 3, red 25, shifted by the offset."""
    light = SignalTiming(green=25.0, yellow=3.0, red=25.0, offset=10.0)
    assert light.cycle == 53.0
    assert (light.phase(0.0), light.time_to_change(0.0)) == ("green", 15.0)
    assert (light.phase(16.0), light.time_to_change(16.0)) == ("yellow", 2.0)
    assert (light.phase(20.0), light.time_to_green(20.0)) == ("red", 23.0)
    assert light.time_to_green(50.0) == 0.0


def test_safety_cap_lets_a_vehicle_stop_behind_a_braking_leader() -> None:
    """After the capped acceleration, full braking stops the follower behind the leader's stop."""
    speed, gap, leader_speed = np.array([15.0]), np.array([20.0]), np.array([10.0])
    dt, braking, margin = 0.5, 4.5, 0.5
    cap = safe_acceleration_cap(speed, gap, leader_speed, braking, margin, dt)[0]
    next_speed = speed[0] + cap * dt
    travelled = (speed[0] + next_speed) / 2 * dt + next_speed**2 / (2 * braking)
    leader_stop = gap[0] + leader_speed[0] ** 2 / (2 * braking)
    assert cap < 0.0
    assert travelled == pytest.approx(leader_stop - margin)
    assert np.isinf(safe_acceleration_cap(speed, np.array([np.inf]), speed, 4.5, 0.5, dt)[0])


def _simulation(seed: int, inflow: float = 1200.0) -> ApproachSimulation:
    return ApproachSimulation(
        rng=np.random.default_rng(seed),
        signal=SignalTiming(green=20.0, yellow=3.0, red=30.0),
        fuel_model=VTCPFM(),
        lane_length=200.0,
        exit_length=100.0,
        speed_limit=15.0,
        inflow=inflow,
        penetration=0.5,
        heavy_vehicle_share=0.2,
        pool_size=50,
        agent_max_acceleration=2.6,
        max_braking=4.5,
        dt=0.5,
    )


def test_dense_traffic_never_collides_runs_red_or_speeds() -> None:
    """Ten minutes at 1,200 veh/h with agents flooring it: no overlap, no red run, no speeding."""
    simulation = _simulation(seed=3)
    simulation.agent_arrivals = True
    for _ in range(1200):
        light_at_start = simulation.signal.phase(simulation.time)
        requests = {int(agent): 2.6 for agent in simulation.agent_id if agent >= 0}
        simulation.tick(requests)
        assert np.all(simulation.speed <= 15.0 + 1e-9)
        assert np.all(simulation.speed >= 0.0)
        gaps = simulation.position[:-1] - simulation.length[:-1] - simulation.position[1:]
        assert np.all(gaps > 0.0)
        if light_at_start != "green":
            # Decisions hold until green: a vehicle told to stop is still before the line.
            assert np.all(simulation.position[simulation.light_decision == STOPS] < 200.0)
    assert simulation.agents_created > 10


def test_vehicles_queue_at_red_and_leave_on_green() -> None:
    """During red a queue forms before the line; the lane empties of it once green comes."""
    simulation = _simulation(seed=1, inflow=900.0)
    for _ in range(round(2 * simulation.signal.cycle / 0.5)):
        simulation.tick()
    while simulation.signal.phase(simulation.time) != "red":
        simulation.tick()
    for _ in range(50):
        simulation.tick()
    assert simulation.queue_length() >= 3
    assert np.all(simulation.position[simulation.speed < 0.5] < 200.0)
