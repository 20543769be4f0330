"""MOEcoDrivingGrid: two signalised intersections in a row, each light obeyed in turn."""

from __future__ import annotations

import numpy as np
import pytest

import rlbench_suite
from rlbench_suite.agents.moma.eco_driving import FACTORIES
from rlbench_suite.envs.moma.eco_driving import (
    MOEcoDrivingCentralEnv,
    eco_driving_grid_family,
    grid_parallel_env,
    parallel_env,
)
from rlbench_suite.registry import env_card
from rlbench_suite.testing import check_multiagent_api, check_multiagent_seeding

GRID_ID = "rlbench/MOEcoDrivingGrid-v0"


def run_episode(env, agent_name: str, seed: int) -> dict[str, np.ndarray]:
    """Each agent vehicle's vector return over one episode."""
    agent = FACTORIES[agent_name](env)
    observations, _ = env.reset(seed=seed)
    totals: dict[str, np.ndarray] = {}
    while env.agents:
        observations, rewards, *_ = env.step(agent.act(observations))
        for name, reward in rewards.items():
            totals[name] = totals.get(name, np.zeros(2)) + reward
    return totals


def mean_vehicle_returns(agent_name: str, seeds: range, **kwargs) -> np.ndarray:
    """Per-seed mean return of the agent vehicles, shape (seeds, 2)."""
    return np.array(
        [
            np.mean(list(run_episode(grid_parallel_env(**kwargs), agent_name, seed).values()), 0)
            for seed in seeds
        ]
    )


def test_pettingzoo_parallel_api_and_seed_tests_pass_on_the_grid() -> None:
    """parallel_api_test (warnings as errors) and parallel_seed_test accept the grid env."""
    check_multiagent_api(lambda: grid_parallel_env(), num_cycles=400)
    check_multiagent_seeding(lambda: grid_parallel_env(), num_cycles=100)


def test_grid_id_builds_two_lights_with_the_offset_between_them() -> None:
    """The registered grid has two stop lines 200 m apart; light 2's green starts offset later."""
    env = rlbench_suite.make_multiagent(GRID_ID, offset=10.0)
    env.reset(seed=0)
    central = env.central
    np.testing.assert_allclose(central.simulation.stop_lines, [250.0, 450.0])
    first, second = central.signals
    assert central.simulation.exit_position == 550.0
    start = first.cycle - first.offset  # the first light turns green here
    assert first.phase(start) == "green" and second.phase(start) == "red"
    assert second.phase(start + 10.0) == "green" and second.phase(start + 9.9) == "red"
    with pytest.raises(ValueError, match="layout is always 'grid'"):
        grid_parallel_env(layout="approach")
    with pytest.raises(ValueError, match="layout must be one of"):
        MOEcoDrivingCentralEnv(layout="ring")


def test_observation_follows_the_next_stop_line_and_its_light() -> None:
    """Between the lines, distance and phase are the second line's and light's."""
    env = grid_parallel_env(offset=30.0)
    observations, _ = env.reset(seed=2)
    central, seen_between = env.central, 0
    agent = FACTORIES["idm_only"](env)
    while env.agents:
        observations, *_ = env.step(agent.act(observations))
        simulation = central.simulation
        for name, observation in observations.items():
            rows = np.flatnonzero(simulation.agent_id == env.possible_agents.index(name))
            if not rows.size or not 250.0 < simulation.position[rows[0]] < 450.0:
                continue
            seen_between += 1
            distance = (450.0 - simulation.position[rows[0]]) / 250.0
            assert observation[1] == pytest.approx(distance, abs=1e-5)
            phase = central.signals[1].phase(simulation.time)
            assert observation[2] == {"green": 0.0, "yellow": 0.5, "red": 1.0}[phase]
    assert seen_between > 50


def test_no_vehicle_crosses_either_line_it_stops_for() -> None:
    """Even at full throttle, a vehicle that stops for a light stays before that line."""
    env = grid_parallel_env(green=20.0, red=30.0, offset=25.0)
    env.reset(seed=3)
    simulation = env.central.simulation
    while env.agents:
        env.step({name: [1.0] for name in env.agents})
        stops = simulation.light_decision == 2
        lines = simulation.next_line_positions()
        assert np.all(simulation.position[stops] < lines[stops])


def test_every_vehicle_pays_for_both_lights() -> None:
    """Returns are at least the 550 m free-flow time, CO2 2-3.5 g/s; the team all finishes."""
    totals = run_episode(grid_parallel_env(), "idm_only", seed=0)
    assert len(totals) == 8
    for travel, co2 in totals.values():
        assert -travel >= 550.0 / 15.0 - 0.5
        assert 1.8 <= co2 / travel <= 3.5


def test_a_green_wave_offset_is_faster_than_lights_in_step() -> None:
    """Coordination matters: offset 13.3 s (block / speed) beats offset 0 by 10+ s a vehicle."""
    in_step = mean_vehicle_returns("idm_only", range(3), offset=0.0).mean(axis=0)
    wave = mean_vehicle_returns("idm_only", range(3), offset=200.0 / 15.0).mean(axis=0)
    assert wave[0] > in_step[0] + 10.0 and wave[1] > in_step[1]


def test_glide_to_green_saves_co2_on_the_grid_over_four_seeds() -> None:
    """Acting on the next light, glide_to_green emits less CO2 than idm_only, as fast."""
    idm = mean_vehicle_returns("idm_only", range(4)).sum(axis=0)
    glide = mean_vehicle_returns("glide_to_green", range(4)).sum(axis=0)
    assert glide[1] > idm[1] + 20.0
    assert glide[0] >= idm[0] - 1.0


@pytest.mark.slow
def test_glide_to_green_beats_idm_on_both_objectives_over_twenty_seeds() -> None:
    """Over seeds 0-19 glide minus idm is about +1.6 s and +17 g per vehicle, CO2 CI above 0."""
    difference = mean_vehicle_returns("glide_to_green", range(20)) - mean_vehicle_returns(
        "idm_only", range(20)
    )
    mean = difference.mean(axis=0)
    half_width = 1.96 * difference.std(axis=0, ddof=1) / np.sqrt(20)
    assert mean[1] - half_width[1] > 0.0 and mean[0] > 0.0
    np.testing.assert_allclose(mean, [1.57, 17.04], atol=0.01)


def test_grid_family_adds_the_offset_and_its_instances_run() -> None:
    """Both splits draw an offset in [0, 60] beside MOEcoDriving's ranges; instances run."""
    rng = np.random.default_rng(0)
    for split in ("in_distribution", "held_out"):
        drawn = eco_driving_grid_family(rng, split)
        assert 0.0 <= drawn["offset"] <= 60.0 and "inflow" in drawn
    card = env_card(GRID_ID)
    for kwargs in card.mdp_family.sample(1, "held_out", seed=1):
        totals = run_episode(rlbench_suite.make_multiagent(GRID_ID, **kwargs), "idm_only", 0)
        assert len(totals) == 8


def test_grid_card_bounds_and_reference_point_lie_below_every_return() -> None:
    """Every heuristic return is inside the card's bounds and better than its reference point."""
    card = env_card(GRID_ID)
    low, high = card.return_bounds
    for name in ("idm_only", "glide_to_green"):
        for value in run_episode(grid_parallel_env(), name, seed=0).values():
            assert np.all(value > np.asarray(card.reference_point))
            assert np.all((low <= value) & (value <= high))


def test_the_approach_is_unchanged_by_the_grid_option() -> None:
    """layout='approach' (the default) has one stop line and the default's single light."""
    env = parallel_env()
    env.reset(seed=0)
    assert len(env.central.signals) == 1
    np.testing.assert_array_equal(env.central.simulation.stop_lines, [250.0])


def test_ansi_render_draws_both_stop_lines_and_lights() -> None:
    """The text frame shows two lights and two stop lines."""
    env = grid_parallel_env(render_mode="ansi")
    env.reset(seed=0)
    header, lane = env.render().splitlines()
    assert header.count("left") == 2 and lane.count("|") == 2
