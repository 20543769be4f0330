"""MOEcoDriving and its centralised twin: protocol, episodes, rewards, errors, agents."""

from __future__ import annotations

import pickle

import gymnasium as gym
import numpy as np
import pytest

import rlbench_suite
from rlbench_suite.agents.moma.eco_driving import FACTORIES
from rlbench_suite.envs.moma.eco_driving import (
    MOEcoDrivingCentralEnv,
    acceleration_from_action,
    action_from_acceleration,
    eco_driving_family,
    parallel_env,
)
from rlbench_suite.registry import env_card
from rlbench_suite.testing import check_multiagent_api, check_multiagent_seeding

ENV_ID = "rlbench/MOEcoDriving-v0"
CENTRAL_ID = "rlbench/MOEcoDrivingCentral-v0"


def run_episode(env, agent_name: str, seed: int) -> dict[str, np.ndarray]:
    """Each agent vehicle's vector return over one episode of the ParallelEnv."""
    agent = FACTORIES[agent_name](env)
    observations, _ = env.reset(seed=seed)
    totals: dict[str, np.ndarray] = {}
    while env.agents:
        observations, rewards, *_ = env.step(agent.act(observations))
        for name, reward in rewards.items():
            totals[name] = totals.get(name, np.zeros(2)) + reward
    return totals


def test_pettingzoo_parallel_api_and_seed_tests_pass_with_agents_entering_and_leaving() -> None:
    """parallel_api_test (warnings as errors) and parallel_seed_test accept the env."""
    check_multiagent_api(lambda: parallel_env(), num_cycles=400)
    check_multiagent_seeding(lambda: parallel_env(), num_cycles=100)


def test_every_pool_agent_is_in_agents_from_reset_and_leaves_terminated_once() -> None:
    """All 8 vehicles are agents from reset; waiting ones see the flag and get zero rewards."""
    env = parallel_env()
    observations, infos = env.reset(seed=4)
    assert env.agents == env.possible_agents
    waiting = {name for name in env.agents if infos[name]["waiting"]}
    assert waiting == set(env.possible_agents[1:])
    for name in waiting:
        assert observations[name][14] == 1.0 and not observations[name][:14].any()
    finished: list[str] = []
    agent = FACTORIES["idm_only"](env)
    while env.agents:
        before = list(env.agents)
        observations, rewards, terminations, truncations, infos = env.step(agent.act(observations))
        assert set(rewards) == set(before) and not any(truncations.values())
        for name in before:
            assert env.reward_space(name).contains(rewards[name])
            assert observations[name][14] == float(infos[name]["waiting"])
            if name in waiting and not infos[name]["waiting"]:
                waiting.discard(name)  # entered during this step: its reward counts from here
            elif infos[name]["waiting"]:
                assert not rewards[name].any()
        assert len({id(info) for info in infos.values()}) == len(infos)
        finished += [name for name, done in terminations.items() if done]
        assert set(env.agents) == set(before) - set(finished)
    assert sorted(finished) == sorted(env.possible_agents) and not waiting


def test_waiting_agents_actions_are_ignored_and_may_be_left_out() -> None:
    """Any action (or none) for a waiting vehicle leaves every return unchanged."""
    results = []
    for waiting_action in (None, -1.0, 1.0):
        env = parallel_env()
        agent = FACTORIES["glide_to_green"](env)
        observations, _ = env.reset(seed=3)
        totals = {name: np.zeros(2) for name in env.possible_agents}
        while env.agents:
            actions = agent.act(observations)
            for name in list(actions):
                if env.is_waiting(name):
                    if waiting_action is None:
                        del actions[name]
                    else:
                        actions[name] = np.array([waiting_action], dtype=np.float32)
            observations, rewards, *_ = env.step(actions)
            for name, reward in rewards.items():
                totals[name] += reward
        results.append(totals)
    for other in results[1:]:
        assert all(np.array_equal(results[0][name], other[name]) for name in other)


def test_returns_are_travel_time_and_co2_of_each_vehicle() -> None:
    """Return [-travel time, -CO2]: at least the free-flow 350 m / 15 m/s, CO2 of 2-3 g/s."""
    totals = run_episode(parallel_env(), "idm_only", seed=0)
    for travel, co2 in totals.values():
        assert -travel >= 350.0 / 15.0 - 0.5
        assert 1.8 <= co2 / travel <= 3.5


def test_twin_reward_is_the_sum_over_vehicles_and_matches_the_parallel_env() -> None:
    """The twin's episode return equals the ParallelEnv's team return under the same policy."""
    team = sum(run_episode(parallel_env(), "glide_to_green", seed=2).values())
    env = gym.make(CENTRAL_ID)
    agent = FACTORIES["glide_to_green"](env)
    observation, _ = env.reset(seed=2)
    total, done = np.zeros(2), False
    while not done:
        observation, reward, terminated, truncated, info = env.step(agent.act(observation))
        assert reward.dtype == np.float32 and reward.shape == (2,)
        np.testing.assert_allclose(reward, info["agent_rewards"].sum(axis=0), rtol=1e-6)
        total += reward
        done = terminated or truncated
    assert terminated and not truncated
    np.testing.assert_allclose(total, team, rtol=1e-5)


def test_episode_is_deterministic_under_a_seed_and_differs_across_seeds() -> None:
    """Same seed, same returns; another seed, other traffic."""
    first = run_episode(parallel_env(), "idm_only", seed=5)
    again = run_episode(parallel_env(), "idm_only", seed=5)
    other = run_episode(parallel_env(), "idm_only", seed=6)
    assert all(np.array_equal(first[name], again[name]) for name in first)
    assert any(not np.array_equal(first[name], other[name]) for name in first)


def test_pickled_env_continues_identically() -> None:
    """A ParallelEnv pickled mid-episode steps exactly as the original."""
    env = parallel_env()
    env.reset(seed=1)
    for _ in range(30):
        env.step({name: [0.1] for name in env.agents})
    clone = pickle.loads(pickle.dumps(env))
    for _ in range(30):
        actions = {name: [-0.2] for name in env.agents}
        original, copied = env.step(actions), clone.step(actions)
        for left, right in zip(original[1].values(), copied[1].values(), strict=True):
            assert np.array_equal(left, right)


def test_stalling_policy_is_truncated_not_terminated() -> None:
    """Braking forever ends by truncation at max_steps, the present agents truncated only."""
    env = parallel_env(max_steps=60)
    env.reset(seed=0)
    steps = 0
    while env.agents:
        _, _, terminations, truncations, _ = env.step({name: [-1.0] for name in env.agents})
        steps += 1
    assert steps == 60
    assert all(truncations.values()) and not any(terminations.values())


def test_action_scaling_maps_the_box_to_braking_and_acceleration_limits() -> None:
    """-1 is 4.5 m/s^2 of braking, 1 is 2.6 m/s^2, and the inverse clips."""
    assert acceleration_from_action(-1.0) == -4.5
    assert acceleration_from_action(1.0) == 2.6
    assert action_from_acceleration(-2.25) == -0.5
    assert action_from_acceleration(9.0) == 1.0


def test_agent_cannot_run_the_red_light() -> None:
    """An agent asking for full acceleration still stops for a red it can stop for."""
    env = parallel_env(green=20.0, red=30.0)
    env.reset(seed=3)
    central = env.central
    while env.agents:
        env.step({name: [1.0] for name in env.agents})
        simulation = central.simulation
        if central.signal.phase(simulation.time - 0.5) != "green":
            stopped = simulation.light_decision == 2
            assert np.all(simulation.position[stopped] < central.scenario.lane_length)


def test_bad_actions_and_arguments_get_clear_errors() -> None:
    """Errors name the env, the expected space or range, and what came."""
    env = parallel_env()
    env.reset(seed=0)
    name = env.agents[0]
    with pytest.raises(ValueError, match=r"MOEcoDriving-v0 agent vehicle_0: expected an action"):
        env.step({name: [3.0]})
    with pytest.raises(ValueError, match="no action for agents"):
        env.step({})
    with pytest.raises(ValueError, match="unknown agents"):
        env.step({name: [0.0], "car_9": [0.0]})
    with pytest.raises(ValueError, match=r"lane_length must be in \(0, 10000\], got -5"):
        MOEcoDrivingCentralEnv(lane_length=-5.0)
    with pytest.raises(ValueError, match="num_agents must be an integer >= 1, got 0"):
        MOEcoDrivingCentralEnv(num_agents=0)
    with pytest.raises(ValueError, match="penetration"):
        rlbench_suite.make_multiagent(ENV_ID, penetration=float("nan"))
    twin = gym.make(CENTRAL_ID)
    twin.reset(seed=0)
    with pytest.raises(ValueError, match=r"rlbench/MOEcoDrivingCentral-v0: expected an action"):
        twin.step(np.zeros(3, dtype=np.float32))
    with pytest.raises(ValueError, match="unknown options"):
        twin.reset(options={"lane": 1})


def test_mdp_family_held_out_lies_beyond_in_distribution() -> None:
    """Held-out draws exceed every in-distribution range; both build and run."""
    rng = np.random.default_rng(0)
    for _ in range(20):
        inside = eco_driving_family(rng, "in_distribution")
        beyond = eco_driving_family(rng, "held_out")
        assert 100 <= inside["inflow"] <= 500 and beyond["inflow"] >= 500
        assert 50 <= inside["lane_length"] <= 750 and beyond["lane_length"] >= 750
        assert beyond["red"] >= 30 and not 0 < beyond["temperature"] < 35
    card = env_card(ENV_ID)
    for kwargs in card.mdp_family.sample(2, "held_out", seed=1):
        totals = run_episode(rlbench_suite.make_multiagent(ENV_ID, **kwargs), "idm_only", 0)
        assert len(totals) == 8


def test_card_bounds_and_reference_point_lie_below_every_return() -> None:
    """The card's (per-agent) reference point is worse than every agent vehicle's return."""
    card = env_card(ENV_ID)
    low, high = card.return_bounds
    for name in ("idm_only", "glide_to_green"):
        totals = run_episode(parallel_env(), name, seed=0)
        assert all(np.all(value > np.asarray(card.reference_point)) for value in totals.values())
        for value in totals.values():
            assert np.all((low <= value) & (value <= high))


def _team_returns(agent_name: str, seeds: range) -> np.ndarray:
    return sum(sum(run_episode(parallel_env(), agent_name, seed).values()) for seed in seeds)


def test_glide_to_green_saves_co2_on_two_seeds() -> None:
    """On seeds 0 and 1 glide_to_green's team emits less CO2 than idm_only's, as fast or faster."""
    idm, glide = _team_returns("idm_only", range(2)), _team_returns("glide_to_green", range(2))
    assert glide[1] > idm[1] + 10.0
    assert glide[0] >= idm[0]


@pytest.mark.slow
def test_glide_to_green_saves_co2_over_idm_over_fifty_seeds() -> None:
    """Over 50 seeds glide_to_green emits less CO2 than idm_only, within 2 % of its time."""
    idm, glide = _team_returns("idm_only", range(50)), _team_returns("glide_to_green", range(50))
    assert glide[1] > idm[1]
    assert glide[0] >= 1.02 * idm[0]


def test_ansi_render_draws_the_lane() -> None:
    """The text frame shows the light, the stop line and agents by digit."""
    env = parallel_env(render_mode="ansi")
    env.reset(seed=0)
    frame = env.render()
    assert "light" in frame and "|" in frame and "0" in frame.splitlines()[1]
