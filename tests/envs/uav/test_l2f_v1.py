"""QuadL2F-v1 against Learning to Fly's definition: parameters, noise, disturbances, reward."""

from __future__ import annotations

import math

import gymnasium as gym
import numpy as np
import pytest

import rlbench_suite
from rlbench_suite.envs.uav import l2f_v1
from rlbench_suite.envs.uav.dynamics import quaternion_to_rotation
from rlbench_suite.envs.uav.l2f import l2f_reward
from rlbench_suite.envs.uav.l2f_v1 import L2FParams, QuadL2FV1Env, random_attitude

ENV_ID = "rlbench/QuadL2F-v1"
NO_DISTURBANCE = {"force_disturbance_weight_fraction": 0.0, "torque_disturbance_arm": 0.0}
NO_NOISE = {
    "position_noise_std": 0.0,
    "rotation_noise_std": 0.0,
    "velocity_noise_std": 0.0,
    "angular_velocity_noise_std": 0.0,
}


def rotation_angle(quaternion: np.ndarray) -> np.ndarray:
    """Rotation angles (rad) of unit quaternions (..., 4)."""
    return 2.0 * np.arccos(np.clip(np.asarray(quaternion)[..., 0], -1.0, 1.0))


def test_parameters_are_learning_to_fly_s_crazyflie() -> None:
    """Inertia 3.85e-6 / 5.97e-6, yaw torque 0.00596 m x thrust, g 9.81, motors to 21702 RPM."""
    model = gym.make(ENV_ID).unwrapped
    params = model.params
    np.testing.assert_allclose(params.inertia, [3.85e-6, 3.85e-6, 5.9675e-6])
    assert params.km / params.kf == pytest.approx(0.005964552)
    assert params.gravity == 9.81 and params.mass == 0.027
    np.testing.assert_allclose(np.abs(params.motor_positions), 0.028)
    assert params.max_rpm == pytest.approx(21702.0, rel=1e-12)
    assert params.motor_time_constant == 0.15
    assert params.hover_rpm == pytest.approx(math.sqrt(0.027 * 9.81 / (4 * 3.16e-10)))
    # L2F types its reward's action baseline as 0.334; here it follows from the airframe.
    assert model.hover_action == pytest.approx(0.334, abs=1e-3)
    assert model.dynamics.config.motor_lag_in_integrator


def test_bad_parameters_name_the_field() -> None:
    """A negative mass, a motor range below hover or an unknown field raise a ValueError."""
    with pytest.raises(ValueError, match="mass"):
        L2FParams(mass=-1.0)
    with pytest.raises(ValueError, match="max_rpm"):
        L2FParams(max_rpm=10000.0)
    with pytest.raises(ValueError, match="position_noise_std"):
        L2FParams(position_noise_std=-0.1)
    with pytest.raises(ValueError, match="unknown field"):
        gym.make(ENV_ID, params={"wingspan": 1.0})
    with pytest.raises(ValueError, match="max_start_angle"):
        gym.make(ENV_ID, max_start_angle=4.0)


def test_disturbances_are_drawn_per_episode_at_l2f_s_scale() -> None:
    """Force std m g / 20 and torque std m g / 10000 per axis, fixed within an episode."""
    env = gym.make(ENV_ID)
    model = env.unwrapped
    forces, torques = [], []
    for seed in range(400):
        env.reset(seed=seed)
        forces.append(model.disturbance_force[0].copy())
        torques.append(model.disturbance_torque[0].copy())
    weight = 0.027 * 9.81
    assert np.std(forces) == pytest.approx(weight / 20, rel=0.1)
    assert np.std(torques) == pytest.approx(weight / 10000, rel=0.1)
    env.reset(seed=0)
    first = model.disturbance_force.copy()
    for _ in range(5):
        env.step(env.action_space.sample())
    np.testing.assert_array_equal(model.disturbance_force, first)


def test_disturbances_change_the_flight() -> None:
    """Same seed and actions: with the disturbances the drone ends elsewhere than without."""

    def final_position(params: dict) -> np.ndarray:
        env = gym.make(ENV_ID, hover_start_probability=1.0, params=params)
        env.reset(seed=4)
        hover = np.full(4, env.unwrapped.hover_action, dtype=np.float32)
        for _ in range(30):
            env.step(hover)
        return env.unwrapped.state.position[0].copy()

    disturbed, calm = final_position(NO_NOISE), final_position({**NO_NOISE, **NO_DISTURBANCE})
    assert np.linalg.norm(disturbed - calm) > 1e-3


def test_observation_noise_has_l2f_s_standard_deviations() -> None:
    """The first 18 entries are the state plus noise of std 0.001 / 0.001 / 0.002 / 0.002."""
    env = gym.make(ENV_ID)
    model = env.unwrapped
    errors = []
    for seed in range(300):
        observation, _ = env.reset(seed=seed)
        state = model.state
        clean = np.concatenate(
            [
                state.position[0],
                quaternion_to_rotation(state.quaternion)[0].reshape(-1),
                state.velocity[0],
                state.body_rates[0],
            ]
        )
        errors.append(observation[:18] - clean)
    spread = np.std(errors, axis=0)
    expected = np.repeat([0.001, 0.001, 0.002, 0.002], [3, 9, 3, 3])
    np.testing.assert_allclose(spread, expected, rtol=0.15)
    quiet = gym.make(ENV_ID, params=NO_NOISE)
    observation, _ = quiet.reset(seed=0)
    np.testing.assert_allclose(observation[0:3], quiet.unwrapped.state.position[0], atol=1e-7)


def test_starting_attitudes_are_uniform_rotations_within_ninety_degrees() -> None:
    """Angles never exceed the bound, come near it, and follow the uniform-rotation law."""
    rng = np.random.default_rng(0)
    angles = rotation_angle([random_attitude(rng, math.pi / 2) for _ in range(2000)])
    assert angles.max() <= math.pi / 2 and angles.max() > 1.5
    # Uniform rotations have P(angle <= t) = (t - sin t) / pi; conditioned on <= 90 degrees:
    expected = (math.pi / 4 - math.sin(math.pi / 4)) / (math.pi / 2 - 1.0)
    assert np.mean(angles <= math.pi / 4) == pytest.approx(expected, abs=0.03)
    env = gym.make(ENV_ID, hover_start_probability=0.0, max_start_angle=math.pi / 6)
    for seed in range(50):
        env.reset(seed=seed)
        assert rotation_angle(env.unwrapped.state.quaternion[0]) <= math.pi / 6


def test_hover_starts_keep_random_velocities_and_mid_range_motors() -> None:
    """A hover start is at the origin and level, yet moving; motors at half of 21702 RPM."""
    env = gym.make(ENV_ID, hover_start_probability=1.0, params=NO_NOISE)
    observation, _ = env.reset(seed=2)
    state = env.unwrapped.state
    np.testing.assert_array_equal(state.position, 0.0)
    np.testing.assert_array_equal(state.quaternion, [[1.0, 0.0, 0.0, 0.0]])
    assert np.all(np.abs(state.velocity) <= 1.0) and np.any(state.velocity != 0.0)
    assert np.all(np.abs(state.body_rates) <= 1.0) and np.any(state.body_rates != 0.0)
    np.testing.assert_allclose(state.rpm, 21702.0 / 2)
    np.testing.assert_allclose(observation[18:], 0.0, atol=1e-6)  # mid-range is action 0


def test_reward_is_computed_on_the_state_before_the_step() -> None:
    """The step's reward is L2F's reward of the pre-step state and the action, not the new one."""
    env = gym.make(ENV_ID)
    env.reset(seed=1)
    model = env.unwrapped
    before = model.state.copy()
    action = np.array([0.9, -0.2, 0.4, 0.1], dtype=np.float32)
    _, reward, terminated, _, _ = env.step(action)
    assert not terminated
    taken = action.astype(np.float64)  # the env computes in float64
    expected = l2f_reward(
        before.position[0], before.quaternion[0, 0], before.velocity[0], taken, model.hover_action
    )
    assert reward == pytest.approx(expected, rel=1e-12)
    after = model.state
    on_new_state = l2f_reward(
        after.position[0], after.quaternion[0, 0], after.velocity[0], taken, model.hover_action
    )
    assert abs(reward - on_new_state) > 1e-4


def test_terminating_steps_pay_zero_and_velocity_counts() -> None:
    """Beyond 1000 m/s (or 0.6 m) the episode terminates and that step pays L2F's penalty, 0."""
    env = gym.make(ENV_ID)
    env.reset(seed=0)
    env.unwrapped.state.velocity[0] = [1001.0, 0.0, 0.0]
    hover = np.full(4, env.unwrapped.hover_action, dtype=np.float32)
    _, reward, terminated, truncated, info = env.step(hover)
    assert terminated and not truncated and reward == 0.0 and info["is_success"] is False
    env.reset(seed=0)
    env.unwrapped.state.position[0] = [0.0, 0.0, 0.7]
    _, reward, terminated, _, _ = env.step(hover)
    assert terminated and reward == 0.0


def test_success_is_reported_on_the_last_step_only() -> None:
    """is_success appears when the episode ends: True for a full episode ending within 0.2 m."""
    env = gym.make(ENV_ID, episode_steps=3, hover_start_probability=1.0)
    _, info = env.reset(seed=0)
    assert "is_success" not in info
    hover = np.full(4, env.unwrapped.hover_action, dtype=np.float32)
    infos = [env.step(hover)[4] for _ in range(3)]
    assert ["is_success" in info for info in infos] == [False, False, True]
    assert infos[-1]["is_success"] is (infos[-1]["distance_to_origin"] < 0.2)


def test_return_bounds_by_hand() -> None:
    """A step pays at most 2; at worst 2 - 0.5 (5 * 3 * 0.6^2 + 5 + 0.01 * 3 * 1000^2 +
    0.01 * 4 (1 + a_hover)^2); 500 steps of each."""
    hover_action = L2FParams().hover_action
    worst = 2 - 0.5 * (5 * 3 * 0.36 + 5 + 0.01 * 3 * 1e6 + 0.01 * 4 * (1 + hover_action) ** 2)
    low, high = rlbench_suite.env_card(ENV_ID).return_bounds
    assert high == 1000.0 and low == pytest.approx(500 * worst)
    assert l2f_v1.return_bounds(velocity_limit=10.0)[0] > low


def test_mdp_family_perturbs_learning_to_fly_s_airframe() -> None:
    """Sampled instances scale L2F's inertia (3.85e-6), not gym-pybullet-drones' (1.4e-5)."""
    family = rlbench_suite.env_card(ENV_ID).mdp_family
    for split, bound in (("in_distribution", 0.10), ("held_out", 0.25)):
        for kwargs in family.sample(5, split, seed=0):
            params = gym.make(ENV_ID, **kwargs).unwrapped.l2f_params
            assert 0 < abs(params.inertia_xx / 3.85e-6 - 1) <= bound + 1e-12


@pytest.mark.filterwarnings("ignore:.*is out of date:DeprecationWarning")
def test_v0_is_kept_unchanged_beside_v1() -> None:
    """QuadL2F-v0 still flies gym-pybullet-drones' Crazyflie without noise or disturbances."""
    v0 = gym.make("rlbench/QuadL2F-v0").unwrapped
    assert type(v0) is not QuadL2FV1Env
    assert v0.params.inertia_xx == 1.4e-5 and v0.params.gravity == 9.8
    assert not v0.dynamics.config.motor_lag_in_integrator
