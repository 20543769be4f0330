"""MOMultiDroneCoverage: coverage credit, energy, landing, crashes, errors and the heuristics."""

from __future__ import annotations

import math
import pickle

import gymnasium as gym
import numpy as np
import pytest

import rlbench_suite
from rlbench_suite.agents.moma.drone_coverage import FACTORIES
from rlbench_suite.envs.moma import drone_coverage
from rlbench_suite.envs.moma.drone_coverage import (
    MOMultiDroneCoverageCentralEnv,
    hover_power,
    parallel_env,
    rotor_power,
)
from rlbench_suite.envs.uav.dynamics import CrazyflieParams
from rlbench_suite.registry import env_card

HOVER = np.zeros(4, dtype=np.float32)
DOWN = np.array([0.0, 0.0, -1.0, 0.5], dtype=np.float32)
UP = np.array([0.0, 0.0, 1.0, 0.5], dtype=np.float32)
EAST = np.array([1.0, 0.0, 0.0, 1.0], dtype=np.float32)
# A short, small instance keeps the tests quick: 2 m x 2 m, 5 x 5 cells, 3 s.
SMALL = {"area_size": 2.0, "grid_size": 5, "episode_seconds": 3.0}


def run_central(env: gym.Env, agent_name: str, seed: int = 0) -> tuple[np.ndarray, dict]:
    """One episode of a named heuristic on the twin; the summed return vector and last info."""
    agent = FACTORIES[agent_name](env)
    observation, info = env.reset(seed=seed)
    agent.reset(seed)
    total = np.zeros(2)
    done = False
    while not done:
        observation, reward, terminated, truncated, info = env.step(agent.act(observation))
        total += reward
        done = terminated or truncated
    return total, info


def test_momentum_theory_power_by_hand() -> None:
    """A hovering Crazyflie draws 4 (m g / 4)^1.5 / sqrt(2 rho pi r^2) = 1.0603 W."""
    params = CrazyflieParams()
    by_hand = (
        4
        * (params.mass * params.gravity / 4) ** 1.5
        / math.sqrt(2 * 1.225 * math.pi * params.prop_radius**2)
    )
    assert hover_power(params) == pytest.approx(by_hand, rel=1e-12)
    assert hover_power(params) == pytest.approx(1.0603, abs=1e-4)
    # Power goes with rpm cubed: a motor at twice the speed draws eight times as much.
    single = np.array([[1000.0, 0.0, 0.0, 0.0]])
    assert rotor_power(params, 2 * single)[0] == pytest.approx(8 * rotor_power(params, single)[0])


def test_first_step_covers_the_cells_under_each_drone_and_credits_them() -> None:
    """Without jitter the drones start over 1, 2 and 1 cells; a second hover step covers none."""
    env = parallel_env(start_jitter=0.0)
    env.reset(seed=0)
    _, rewards, _, _, infos = env.step(dict.fromkeys(env.agents, HOVER))
    assert [float(rewards[agent][0]) for agent in env.agents] == [1.0, 2.0, 1.0]
    assert infos["drone_0"]["covered_cells"] == 4
    _, rewards, _, _, _ = env.step(dict.fromkeys(env.agents, HOVER))
    assert all(float(reward[0]) == 0.0 for reward in rewards.values())


def test_a_cell_first_seen_by_two_drones_in_one_step_goes_to_the_nearest() -> None:
    """Two drones over one cell in the same step: the nearer one is credited, either way."""
    env = parallel_env(num_drones=2, coverage_radius=0.15, start_jitter=0.0)
    env.reset(seed=0)
    env.central.state.position[:] = [[0.08, 0.2, 1.0], [0.3, 0.2, 1.0]]
    _, rewards, _, _, _ = env.step(dict.fromkeys(env.agents, HOVER))
    assert (float(rewards["drone_0"][0]), float(rewards["drone_1"][0])) == (0.0, 1.0)
    env.reset(seed=0)
    env.central.state.position[:] = [[0.15, 0.2, 1.0], [0.3, 0.2, 1.0]]
    _, rewards, _, _, _ = env.step(dict.fromkeys(env.agents, HOVER))
    assert (float(rewards["drone_0"][0]), float(rewards["drone_1"][0])) == (1.0, 0.0)
    assert np.count_nonzero(env.central.covered) == 1


def test_hovering_costs_hover_power_times_the_step() -> None:
    """A hovering drone's energy reward is about -1.06 W x 0.1 s = -0.106 J a step."""
    env = parallel_env(start_jitter=0.0)
    env.reset(seed=0)
    for _ in range(5):
        _, rewards, _, _, _ = env.step(dict.fromkeys(env.agents, HOVER))
    expected = -hover_power(CrazyflieParams()) * 0.1
    for reward in rewards.values():
        assert float(reward[1]) == pytest.approx(expected, rel=0.02)


def test_a_landed_drone_is_disarmed_and_takes_off_again_when_asked() -> None:
    """Down to the floor: motors stop and the step costs 0 J; asked up, it climbs and pays."""
    env = parallel_env(num_drones=1, start_jitter=0.0)
    env.reset(seed=0)
    for _ in range(40):
        _, rewards, terminations, _, _ = env.step({"drone_0": DOWN})
    assert not terminations["drone_0"]
    assert env.central.landed[0]
    assert float(rewards["drone_0"][1]) == 0.0
    assert env.central.state.position[0, 2] == pytest.approx(env.central.params.rest_height)
    for _ in range(10):
        _, rewards, _, _, _ = env.step({"drone_0": UP})
    assert not env.central.landed[0]
    assert env.central.state.position[0, 2] > 0.2
    assert float(rewards["drone_0"][1]) < -0.05


def test_leaving_the_flight_volume_crashes_that_drone_only() -> None:
    """Flown east out of a 1 m area, drone 0 crashes: terminated, charged crash_energy, removed;
    the hovering others fly on."""
    env = parallel_env(area_size=1.0, grid_size=2, crash_energy=5.0)
    env.reset(seed=0)
    crash_reward = None
    for _ in range(60):
        actions = {agent: (EAST if agent == "drone_0" else HOVER) for agent in env.agents}
        _, rewards, terminations, truncations, infos = env.step(actions)
        if terminations.get("drone_0"):
            crash_reward = rewards["drone_0"]
            assert infos["drone_0"]["crashed"]
            assert not terminations["drone_1"] and not truncations["drone_1"]
            break
    assert crash_reward is not None, "drone 0 never left the flight volume"
    assert float(crash_reward[1]) <= -5.0
    assert env.agents == ["drone_1", "drone_2"]
    assert list(env.central.operational) == [False, True, True]
    # Its motors are stopped and it lies on the floor: the next steps cost it nothing.
    env.step({agent: HOVER for agent in env.agents})
    assert env.central.state.position[0, 2] == pytest.approx(env.central.params.rest_height)
    assert np.all(env.central.state.rpm[0] == 0.0)


def test_two_drones_that_touch_both_crash() -> None:
    """Drones 5 cm apart (under two collision radii, 12 cm) both crash in the next step."""
    env = parallel_env(num_drones=2, start_jitter=0.0)
    env.reset(seed=0)
    env.central.state.position[1] = env.central.state.position[0] + [0.05, 0.0, 0.0]
    _, _, terminations, _, _ = env.step(dict.fromkeys(env.agents, HOVER))
    assert terminations == {"drone_0": True, "drone_1": True}
    assert env.agents == []


def test_the_horizon_truncates_every_agent() -> None:
    """1 s at 10 Hz: the tenth step truncates all three agents and the episode is over."""
    env = parallel_env(episode_seconds=1.0)
    observations, _ = env.reset(seed=0)
    assert float(observations["drone_0"][-1]) == 1.0  # the whole episode is left
    for step in range(10):  # noqa: B007 (the last value is checked after the loop)
        observations, _, terminations, truncations, _ = env.step(dict.fromkeys(env.agents, HOVER))
    assert step == 9 and env.agents == []
    assert all(truncations.values()) and not any(terminations.values())
    assert float(observations["drone_0"][-1]) == 0.0


def test_observation_layout_matches_the_docstring_table() -> None:
    """121 entries: kinematics, relative positions, flags, the 10 x 10 map, the share left."""
    env = parallel_env(start_jitter=0.0)
    observations, _ = env.reset(seed=0)
    parsed = env.parse_observation(observations["drone_1"])
    assert observations["drone_1"].shape == (121,)
    np.testing.assert_allclose(parsed["position"], [0.0, -2.0, 1.0], atol=1e-6)
    np.testing.assert_allclose(parsed["others"][0], [-4 / 3, 0.0, 0.0], atol=1e-6)
    assert parsed["others_operational"].tolist() == [True, True]
    assert parsed["covered"].shape == (10, 10) and not parsed["covered"].any()
    central = env.central.parse_observation(env.state())
    np.testing.assert_allclose(central["position"][1], parsed["position"], atol=1e-6)


def test_rewards_lie_in_reward_space_and_infos_are_never_shared() -> None:
    """Random actions for 30 steps: every reward vector in its agent's reward_space, fresh
    float32 arrays and info dicts each step and agent."""
    env = parallel_env(**SMALL)
    env.reset(seed=3)
    rng = np.random.default_rng(0)
    seen_infos: list[dict] = []
    seen_rewards: list[np.ndarray] = []
    while env.agents:
        actions = {agent: rng.uniform(-1, 1, 4).astype(np.float32) for agent in env.agents}
        _, rewards, _, _, infos = env.step(actions)
        for agent, reward in rewards.items():
            assert reward.dtype == np.float32 and reward.shape == (2,)
            assert env.reward_space(agent).contains(reward), (agent, reward)
            assert all(reward is not other for other in seen_rewards)
            seen_rewards.append(reward)
        for info in infos.values():
            assert all(info is not other for other in seen_infos)
            seen_infos.append(info)
    assert env.reward_spaces["drone_0"] is env.reward_space("drone_0")


def test_same_seed_same_episode_and_a_pickled_copy_steps_identically() -> None:
    """Two resets with seed 7 give the same observations and rewards; so does a pickle."""
    env = parallel_env(**SMALL)
    first, _ = env.reset(seed=7)
    again, _ = env.reset(seed=7)
    np.testing.assert_array_equal(first["drone_2"], again["drone_2"])
    actions = {agent: EAST for agent in env.agents}
    env.step(actions)
    copy = pickle.loads(pickle.dumps(env))
    original = env.step(actions)
    copied = copy.step(actions)
    for agent in env.possible_agents:
        np.testing.assert_array_equal(original[0][agent], copied[0][agent])
        np.testing.assert_array_equal(original[1][agent], copied[1][agent])


def test_the_twin_pays_the_sum_of_the_agents_rewards() -> None:
    """Same seed and actions: the twin's reward vector is the drones' vectors summed."""
    parallel = parallel_env(**SMALL)
    twin = MOMultiDroneCoverageCentralEnv(**SMALL)
    parallel.reset(seed=1)
    twin.reset(seed=1)
    per_drone = [EAST, UP, DOWN]
    for _ in range(5):
        _, rewards, _, _, _ = parallel.step(dict(zip(parallel.agents, per_drone, strict=True)))
        _, reward, _, _, _ = twin.step(np.concatenate(per_drone))
        summed = np.sum([rewards[agent] for agent in parallel.possible_agents], axis=0)
        np.testing.assert_allclose(reward, summed, rtol=1e-6)
    assert twin.reward_space.contains(reward)


def test_mo_gymnasium_wrappers_work_on_the_twin() -> None:
    """MO-Gymnasium's LinearReward gives w . r with the vector in info; MORecordEpisodeStatistics
    reports the episode's vector return, equal to the summed rewards."""
    from mo_gymnasium.wrappers import LinearReward, MORecordEpisodeStatistics

    weights = np.array([1.0, 2.0], dtype=np.float32)
    env = LinearReward(
        MORecordEpisodeStatistics(MOMultiDroneCoverageCentralEnv(**SMALL)), weight=weights
    )
    env.reset(seed=0)
    total = np.zeros(2)
    steps, done = 0, False
    while not done:
        _, scalar, terminated, truncated, info = env.step(np.tile(HOVER, 3))
        assert scalar == pytest.approx(float(weights @ info["vector_reward"]), rel=1e-6)
        total += info["vector_reward"]
        steps, done = steps + 1, terminated or truncated
    np.testing.assert_allclose(info["episode"]["r"], total, rtol=1e-5)
    assert steps == info["episode"]["l"] == 30


def test_bad_arguments_and_actions_name_what_was_expected() -> None:
    """Bad constructor arguments, actions and observations raise errors that say what came."""
    with pytest.raises(ValueError, match="num_drones must be an integer from 1 to 8, got 9"):
        parallel_env(num_drones=9)
    with pytest.raises(ValueError, match="coverage_radius must be a finite number, got nan"):
        parallel_env(coverage_radius=float("nan"))
    with pytest.raises(ValueError, match="min_cover_height <= cruise_height"):
        parallel_env(cruise_height=0.3)
    with pytest.raises(ValueError, match="crash_energy must be >= 0 J or None, got -1"):
        parallel_env(crash_energy=-1)
    env = parallel_env()
    with pytest.raises(RuntimeError, match="call reset"):
        env.step({})
    env.reset(seed=0)
    with pytest.raises(ValueError, match=r"no action for agents \['drone_2'\]"):
        env.step({"drone_0": HOVER, "drone_1": HOVER})
    with pytest.raises(ValueError, match=r"actions for unknown agents \['drone_9'\]"):
        env.step({**dict.fromkeys(env.agents, HOVER), "drone_9": HOVER})
    with pytest.raises(ValueError, match=r"drone_1's action in Box.*got shape \(3,\)"):
        env.step({**dict.fromkeys(env.agents, HOVER), "drone_1": np.zeros(3)})
    with pytest.raises(ValueError, match=r"drone_0's action in Box.*got \[2\."):
        env.step({**dict.fromkeys(env.agents, HOVER), "drone_0": [2.0, 0, 0, 0]})
    with pytest.raises(ValueError, match=r"expected an observation of shape \(121,\)"):
        env.parse_observation(np.zeros(5))
    twin = gym.make("rlbench/MOMultiDroneCoverageCentral-v0")
    with pytest.raises(ValueError, match="reset got unknown options"):
        twin.reset(options={"wind": 1})
    twin.reset(seed=0)
    with pytest.raises(ValueError, match=r"expected an action in Box.*shape \(4,\)"):
        twin.step(np.zeros(4))


def test_lawnmower_covers_the_area_and_lands_for_a_third_of_hover_energy() -> None:
    """The expert covers all 100 cells and lands: about 32 J, against 63.6 J for hovering."""
    env = gym.make("rlbench/MOMultiDroneCoverageCentral-v0")
    total, info = run_central(env, "coverage_lawnmower")
    assert total[0] == pytest.approx(100.0)
    assert info["covered_cells"] == 100
    assert -40.0 < total[1] < -25.0
    assert env.unwrapped.landed.all() and env.unwrapped.operational.all()


def test_heuristics_fly_either_id_alike() -> None:
    """Greedy on the ParallelEnv and on the twin: the same team return, to float rounding."""
    twin = MOMultiDroneCoverageCentralEnv(**SMALL)
    twin_total, _ = run_central(twin, "coverage_greedy", seed=4)
    parallel = parallel_env(**SMALL)
    agent = FACTORIES["coverage_greedy"](parallel)
    observations, _ = parallel.reset(seed=4)
    agent.reset(4)
    team = np.zeros(2)
    while parallel.agents:
        observations, rewards, _, _, _ = parallel.step(agent.act(observations))
        team += np.sum(list(rewards.values()), axis=0)
    np.testing.assert_allclose(team, twin_total, rtol=1e-5)
    assert team[0] == 25.0  # the small map is covered within its 3 s


def test_a_coverage_quota_trades_cells_for_energy() -> None:
    """On the small map, a half quota lands with about half the cells and less energy."""
    twin = MOMultiDroneCoverageCentralEnv(**SMALL)
    full, _ = run_central(twin, "coverage_lawnmower")
    half, _ = run_central(twin, "coverage_lawnmower_half")
    assert full[0] == 25.0
    assert 12.5 <= half[0] < 25.0
    assert half[1] > full[1]


def test_agents_refuse_other_envs() -> None:
    """A coverage agent built on another env says which envs it flies."""
    with pytest.raises(TypeError, match="coverage agents fly MOMultiDroneCoverage"):
        FACTORIES["coverage_greedy"](gym.make("CartPole-v1"))


def test_cards_bounds_and_reference_points_by_hand() -> None:
    """One agent: [-(3.5607 W x 20 s + 21.206 J), 100] = [-92.42, 100]; the twin: 3 times the
    energy; reference points at the lower bounds, one per objective."""
    agent_card = env_card("rlbench/MOMultiDroneCoverage-v0")
    twin_card = env_card("rlbench/MOMultiDroneCoverageCentral-v0")
    worst = drone_coverage.peak_power(CrazyflieParams()) * 20 + 20 * hover_power(CrazyflieParams())
    assert worst == pytest.approx(92.419, abs=1e-3)
    assert agent_card.return_bounds == pytest.approx((-worst, 100.0))
    assert twin_card.return_bounds == pytest.approx((-3 * worst, 100.0))
    assert agent_card.reference_point == pytest.approx((0.0, -worst))
    assert twin_card.reference_point == pytest.approx((0.0, -3 * worst))
    assert agent_card.objectives == ("coverage", "-energy") and agent_card.multi_agent
    assert set(agent_card.agents) - {"random"} <= set(FACTORIES)
    assert rlbench_suite.make_multiagent("rlbench/MOMultiDroneCoverage-v0").reward_dim == 2


def test_mdp_family_held_out_draws_lie_outside_the_in_distribution_ranges() -> None:
    """In distribution: 2-4 drones, radius 0.25-0.35 m, mass x 0.9-1.1; held out: outside."""
    family = env_card("rlbench/MOMultiDroneCoverage-v0").mdp_family
    default_mass = CrazyflieParams().mass
    for kwargs in family.sample(20, "in_distribution"):
        assert 2 <= kwargs["num_drones"] <= 4
        assert 0.25 <= kwargs["coverage_radius"] <= 0.35
        assert 0.9 <= kwargs["params"]["mass"] / default_mass <= 1.1
    for kwargs in family.sample(20, "held_out"):
        assert kwargs["num_drones"] in (1, 5)
        assert not 0.25 <= kwargs["coverage_radius"] <= 0.35
        assert not 0.9 <= kwargs["params"]["mass"] / default_mass <= 1.1
    instance = family.sample(1, "held_out", seed=2)[0]
    env = rlbench_suite.make_multiagent("rlbench/MOMultiDroneCoverage-v0", **instance)
    observations, _ = env.reset(seed=0)
    assert len(observations) == instance["num_drones"]
