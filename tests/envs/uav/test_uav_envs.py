"""The UAV envs: conformance, task rules, action types, attacks, tracking, PID expert, frames."""

from __future__ import annotations

import gymnasium as gym
import numpy as np
import pygame
import pytest

import rlbench_suite
import rlbench_suite.envs.uav  # registers the family
from rlbench_suite import testing
from rlbench_suite.agents import RandomAgent
from rlbench_suite.agents.uav import PIDAgent
from rlbench_suite.envs.uav.attack import ATTACK_TYPES
from rlbench_suite.envs.uav.hover import QuadHoverEnv

SINGLE_AGENT_IDS = rlbench_suite.list_envs(family="uav", multi_agent=False)
MULTI_AGENT_IDS = rlbench_suite.list_envs(family="uav", multi_agent=True)
ACTION_TYPES = ("rpm", "one_d_rpm", "pid", "vel")


def run_episode(env: gym.Env, agent, seed: int) -> tuple[float, dict, int]:
    observation, info = env.reset(seed=seed)
    agent.reset(seed)
    total, steps = 0.0, 0
    while True:
        observation, reward, terminated, truncated, info = env.step(agent.act(observation))
        total += reward
        steps += 1
        if terminated or truncated:
            return total, info, steps


def test_family_registers_its_ids() -> None:
    """The family registers six Gymnasium ids and one PettingZoo id."""
    assert SINGLE_AGENT_IDS == [
        "rlbench/MultiQuadHoverCentral-v0",
        "rlbench/QuadAttack-v0",
        "rlbench/QuadHover-v0",
        "rlbench/QuadL2F-v0",
        "rlbench/QuadL2F-v1",
        "rlbench/QuadTrajectory-v0",
    ]
    assert MULTI_AGENT_IDS == ["rlbench/MultiQuadHover-v0"]


@pytest.mark.parametrize("check_name", sorted(testing.SINGLE_AGENT_CHECKS))
@pytest.mark.parametrize("env_id", SINGLE_AGENT_IDS)
def test_single_agent_uav_env_conforms(env_id: str, check_name: str) -> None:
    """Each single-agent UAV id passes each public conformance check."""
    testing.SINGLE_AGENT_CHECKS[check_name](env_id)


@pytest.mark.parametrize("check_name", sorted(testing.MULTI_AGENT_CHECKS))
def test_multi_quad_hover_conforms(check_name: str) -> None:
    """MultiQuadHover passes PettingZoo's API and seed tests and pickles, with 3 drones."""
    testing.MULTI_AGENT_CHECKS[check_name](
        lambda: rlbench_suite.make_multiagent("rlbench/MultiQuadHover-v0", num_drones=3)
    )


@pytest.mark.parametrize("action_type", ["one_d_rpm", "pid", "vel"])
def test_every_action_type_passes_the_api_and_bad_action_checks(action_type: str) -> None:
    """QuadHover with each non-default action type passes check_env and rejects bad actions."""
    factory = lambda **kw: gym.make("rlbench/QuadHover-v0", action_type=action_type, **kw)  # noqa: E731
    testing.check_gymnasium_api(factory)
    testing.check_bad_actions(factory)


def test_action_sizes_and_observation_buffer_follow_the_action_type() -> None:
    """Action sizes are 4/1/3/4 and the KIN observation carries 15 past actions."""
    for action_type, size in zip(ACTION_TYPES, (4, 1, 3, 4), strict=True):
        env = gym.make("rlbench/QuadHover-v0", action_type=action_type)
        assert env.action_space.shape == (size,)
        assert env.observation_space.shape == (12 + 15 * size,)
        observation, _ = env.reset(seed=0)
        action = np.full(size, 0.5, dtype=np.float32)
        observation, *_ = env.step(action)
        np.testing.assert_allclose(observation[-size:], action)  # newest action last


def test_rpm_action_maps_to_five_percent_of_hover() -> None:
    """An RPM action of +1 runs every motor at 1.05 hover RPM; -1 at 0.95."""
    env = QuadHoverEnv()
    env.reset(seed=0)
    env.step(np.ones(4, dtype=np.float32))
    np.testing.assert_allclose(env.state.rpm, 1.05 * env.params.hover_rpm)
    env.step(-np.ones(4, dtype=np.float32))
    np.testing.assert_allclose(env.state.rpm, 0.95 * env.params.hover_rpm)


def test_bad_constructor_arguments_name_the_parameter() -> None:
    """Unknown action types, bad frequencies, drone counts and trajectories raise ValueError."""
    with pytest.raises(ValueError, match="action_type"):
        gym.make("rlbench/QuadHover-v0", action_type="thrust")
    with pytest.raises(ValueError, match="pyb_freq"):
        gym.make("rlbench/QuadHover-v0", ctrl_freq=48, pyb_freq=100)
    with pytest.raises(ValueError, match="num_drones"):
        gym.make("rlbench/MultiQuadHoverCentral-v0", num_drones=9)
    with pytest.raises(ValueError, match="trajectory"):
        gym.make("rlbench/QuadTrajectory-v0", trajectory="spiral")
    with pytest.raises(ValueError, match="attack_types"):
        gym.make("rlbench/QuadAttack-v0", attack_types=("laser",))
    with pytest.raises(ValueError, match="mass"):
        gym.make("rlbench/QuadHover-v0", params={"mass": -1.0})


def test_hover_reward_is_hover_aviary_s() -> None:
    """At the start the reward is max(0, 2 - d^4) of the distance to (0, 0, 1)."""
    env = QuadHoverEnv(start_jitter=0.0)
    env.reset(seed=0)
    _, reward, *_ = env.step(np.zeros(4, dtype=np.float32))
    distance = np.linalg.norm(env.state.position[0] - [0.0, 0.0, 1.0])
    assert reward == pytest.approx(max(0.0, 2.0 - distance**4))


def test_hover_truncates_on_tilt_and_after_eight_seconds() -> None:
    """Full thrust on one side tips the drone past 0.4 rad (crashed); idling ends at step 240."""
    env = gym.make("rlbench/QuadHover-v0")
    env.reset(seed=0)
    for _ in range(100):
        _, _, terminated, truncated, info = env.step(np.array([-1, -1, 1, 1], dtype=np.float32))
        if truncated:
            break
    assert truncated and info["crashed"] and not terminated
    env.reset(seed=0)
    steps = 0
    while True:
        steps += 1
        *_, terminated, truncated, info = env.step(np.full(4, -1.0, dtype=np.float32))
        if terminated or truncated:
            break
    assert steps == 240 and not info["crashed"]


def test_pid_on_quad_hover_gets_ninety_percent_of_the_best_return() -> None:
    """The PID expert scores >= 432 (90 % of 480) with no crash over three seeds; random < 100."""
    env = gym.make("rlbench/QuadHover-v0")
    for seed in range(3):
        total, info, steps = run_episode(env, PIDAgent(env), seed)
        assert total >= 0.9 * 480 and steps == 240 and not info["crashed"]
    random_total, _, _ = run_episode(env, RandomAgent(env), 0)
    assert random_total < 100


@pytest.mark.parametrize("action_type", ["one_d_rpm", "pid", "vel"])
def test_pid_agent_flies_every_action_type(action_type: str) -> None:
    """Through ONE_D_RPM, PID and VEL actions the PID expert still scores >= 90 % of 480."""
    env = gym.make("rlbench/QuadHover-v0", action_type=action_type)
    total, info, _ = run_episode(env, PIDAgent(env), 0)
    assert total >= 0.9 * 480 and not info["crashed"]


def test_pid_tracks_the_figure_eight_within_five_centimetres() -> None:
    """On the figure-eight the PID's position RMSE (in info) is under 5 cm; random's is larger."""
    env = gym.make("rlbench/QuadTrajectory-v0")
    _, info, steps = run_episode(env, PIDAgent(env), 0)
    assert steps == 240 and info["position_rmse"] < 0.05
    _, random_info, _ = run_episode(env, RandomAgent(env), 0)
    assert random_info["position_rmse"] > info["position_rmse"]


def test_trajectory_rmse_is_the_root_mean_square_of_the_step_errors() -> None:
    """info['position_rmse'] equals the RMS of the per-step info['position_error']."""
    env = gym.make("rlbench/QuadTrajectory-v0", trajectory="circle")
    env.reset(seed=1)
    errors = []
    for _ in range(20):
        *_, info = env.step(np.zeros(4, dtype=np.float32))
        errors.append(info["position_error"])
    assert info["position_rmse"] == pytest.approx(np.sqrt(np.mean(np.square(errors))))


def test_attack_schedule_is_in_info_and_drawn_from_the_seed() -> None:
    """Each episode reports its attacks; the same seed draws the same schedule, another differs."""
    env = gym.make("rlbench/QuadAttack-v0", attacks_per_episode=2)
    _, info = env.reset(seed=3)
    schedule = info["attack_schedule"]
    assert len(schedule) == 2 and all(a["type"] in ATTACK_TYPES for a in schedule)
    assert all({"start_s", "duration_s", "magnitude"} <= set(attack) for attack in schedule)
    assert env.reset(seed=3)[1]["attack_schedule"] == schedule
    assert env.reset(seed=4)[1]["attack_schedule"] != schedule


def test_gps_spoofing_shifts_the_observed_position_only_while_active() -> None:
    """While spoofed the observed position is the true one plus the drawn bias."""
    env = gym.make("rlbench/QuadAttack-v0", attack_types=("gps_spoofing",))
    observation, info = env.reset(seed=0)
    attack = info["attack_schedule"][0]
    model = env.unwrapped
    while True:
        observation, *_, info = env.step(np.zeros(4, dtype=np.float32))
        offset = observation[0:3] - model.state.position[0]
        if info["active_attacks"]:
            np.testing.assert_allclose(offset, attack["position_bias_m"], atol=1e-5)
            break
        np.testing.assert_allclose(offset, 0.0, atol=1e-5)


def test_motor_loss_and_wind_change_the_true_flight() -> None:
    """Against the same seed's clean episode, motor loss and wind gusts move the drone."""

    def positions(attack_type: tuple[str, ...]) -> list[np.ndarray]:
        env = gym.make(
            "rlbench/QuadAttack-v0",
            attack_types=attack_type,
            attacks_per_episode=len(attack_type),
            attack_start=(0.5, 0.5),
        )
        env.reset(seed=0)
        trajectory = []
        for _ in range(45):
            *_, terminated, truncated, _ = env.step(np.zeros(4, dtype=np.float32))
            trajectory.append(env.unwrapped.state.position[0].copy())
            if terminated or truncated:
                break
        return trajectory

    clean = positions(())
    for attack in (("motor_loss",), ("wind_gust",)):
        attacked = positions(attack)
        # Compared at the same step: motor loss tilts the drone past the limit, ending it early.
        assert np.linalg.norm(attacked[-1] - clean[len(attacked) - 1]) > 0.01


def test_attacks_lower_the_pid_s_return() -> None:
    """The PID's return under GPS spoofing is below its clean return on the same seed."""
    clean_env = gym.make("rlbench/QuadAttack-v0", attack_types=(), attacks_per_episode=0)
    attacked_env = gym.make("rlbench/QuadAttack-v0", attack_types=("gps_spoofing",))
    clean, _, _ = run_episode(clean_env, PIDAgent(clean_env), 0)
    attacked, _, _ = run_episode(attacked_env, PIDAgent(attacked_env), 0)
    assert clean > 450 and attacked < 0.9 * clean


def test_multi_quad_hover_collision_ends_the_episode_for_everyone() -> None:
    """Two drones placed together collide: every agent is terminated and agents empties."""
    env = rlbench_suite.make_multiagent("rlbench/MultiQuadHover-v0", num_drones=2)
    env.reset(seed=0)
    env.central.state.position[1] = env.central.state.position[0] + [0.05, 0.0, 0.0]
    actions = {agent: np.zeros(4, dtype=np.float32) for agent in env.agents}
    _, _, terminations, _, infos = env.step(actions)
    assert all(terminations.values()) and infos["drone_0"]["collision"]
    assert env.agents == []


def test_pid_flies_the_centralised_twin_to_every_height() -> None:
    """One PID per drone on the 2-drone twin ends each drone within 5 cm of its own target."""
    env = gym.make("rlbench/MultiQuadHoverCentral-v0", num_drones=2)
    total, info, steps = run_episode(env, PIDAgent(env), 0)
    model = env.unwrapped
    assert steps == 240 and not info["collision"]
    assert np.abs(model.state.position - model.targets).max() < 0.05
    assert total > 0.9 * 2 * 480


def test_l2f_reward_is_two_at_hover_and_terminates_beyond_the_box() -> None:
    """At hover with the hover action the L2F reward is 2; leaving +-0.6 m terminates."""
    env = gym.make("rlbench/QuadL2F-v0", hover_start_probability=1.0)
    env.reset(seed=0)
    hover = np.full(4, env.unwrapped.hover_action, dtype=np.float32)
    _, reward, terminated, _, _ = env.step(hover)
    assert reward == pytest.approx(2.0, abs=1e-6) and not terminated
    env.unwrapped.state.position[0] = [0.7, 0.0, 0.0]
    *_, terminated, truncated, _ = env.step(hover)
    assert terminated and not truncated


def test_mdp_family_perturbs_the_airframe() -> None:
    """Sampled instances change mass, inertia and kf by up to 10 % (held out: up to 25 %)."""
    family = rlbench_suite.env_card("rlbench/QuadHover-v0").mdp_family
    default = QuadHoverEnv().params
    for split, bound in (("in_distribution", 0.10), ("held_out", 0.25)):
        for kwargs in family.sample(5, split, seed=0):
            params = gym.make("rlbench/QuadHover-v0", **kwargs).unwrapped.params
            assert params.mass != default.mass
            assert abs(params.mass / default.mass - 1) <= bound + 1e-12


def test_hover_frame_saves_as_a_non_trivial_png(tmp_path) -> None:
    """A mid-flight rgb_array frame saves as a PNG with many colours: drone, target, grid."""
    env = gym.make("rlbench/QuadHover-v0", render_mode="rgb_array")
    agent = PIDAgent(env)
    observation, _ = env.reset(seed=0)
    agent.reset(0)
    for _ in range(45):
        observation, *_ = env.step(agent.act(observation))
    frame = env.render()
    path = tmp_path / "quad_hover.png"
    pygame.image.save(pygame.surfarray.make_surface(frame.transpose(1, 0, 2)), str(path))
    loaded = pygame.surfarray.array3d(pygame.image.load(str(path))).transpose(1, 0, 2)
    assert path.stat().st_size > 2000
    np.testing.assert_array_equal(loaded, frame)
    colours = np.unique(frame.reshape(-1, 3), axis=0)
    assert len(colours) > 10 and frame.std() > 10
