"""QuadHover's physics option (gym-pybullet-drones' default) and the anchor's success measure."""

from __future__ import annotations

import gymnasium as gym
import numpy as np
import pytest

import rlbench_suite.envs.uav  # noqa: F401  (registers the family)
from rlbench_suite.agents.uav import PIDAgent
from rlbench_suite.envs.uav import hover
from rlbench_suite.envs.uav.dynamics import quaternion_to_rotation
from rlbench_suite.vector import NativeVectorEnv, native_available

ENV_ID = "rlbench/QuadHover-v0"
PYB = {"physics": "gym_pybullet_drones"}


def flight(env: gym.Env, seed: int, steps: int) -> tuple[np.ndarray, np.ndarray]:
    """True positions (T, 3) and observations (T, d) under seeded random actions, T <= steps."""
    env.reset(seed=seed)
    env.action_space.seed(seed)
    positions, observations = [], []
    for _ in range(steps):
        observation, _, terminated, truncated, _ = env.step(env.action_space.sample())
        positions.append(env.unwrapped.state.position[0].copy())
        observations.append(observation)
        if terminated or truncated:
            break
    return np.array(positions), np.array(observations)


def test_default_instance_keeps_drag_ground_effect_and_body_rates() -> None:
    """Without the option QuadHover models drag and ground effect and observes body rates."""
    model = gym.make(ENV_ID).unwrapped
    config = model.dynamics.config
    assert config.drag and config.ground_effect
    assert model.physics == "drag_ground_effect" and model.angular_velocity_frame == "body"


def test_option_is_the_default_physics_without_drag_and_ground_effect() -> None:
    """Under the option the flight equals the default with both effects switched off, and only
    the angular-velocity columns of the observation differ."""
    pyb_positions, pyb_observations = flight(gym.make(ENV_ID, **PYB), seed=3, steps=40)
    bare = gym.make(ENV_ID, ground_effect=False, drag=False)
    bare_positions, bare_observations = flight(bare, seed=3, steps=40)
    np.testing.assert_array_equal(pyb_positions, bare_positions)
    others = np.r_[0:9, 12 : pyb_observations.shape[1]]
    np.testing.assert_array_equal(pyb_observations[:, others], bare_observations[:, others])
    assert not np.allclose(pyb_observations[:, 9:12], bare_observations[:, 9:12])
    default_positions, _ = flight(gym.make(ENV_ID), seed=3, steps=40)
    common = min(len(default_positions), len(pyb_positions))
    assert np.abs(default_positions[:common] - pyb_positions[:common]).max() > 1e-3


def test_without_ground_effect_hover_rpm_no_longer_lifts_off_the_floor() -> None:
    """Near the floor hover RPM climbs by ground effect by default and holds still under PYB."""
    heights = {}
    for name, kwargs in (("default", {}), ("pyb", PYB)):
        env = gym.make(ENV_ID, start_jitter=0.0, **kwargs)
        env.reset(seed=0)
        start = env.unwrapped.state.position[0, 2]
        for _ in range(10):
            env.step(np.zeros(4, dtype=np.float32))  # every motor at hover RPM
        heights[name] = env.unwrapped.state.position[0, 2] - start
    assert heights["default"] > 0.01
    assert abs(heights["pyb"]) < 1e-9


def test_without_drag_a_level_drone_keeps_its_horizontal_speed() -> None:
    """At 1 m moving at 1 m/s, drag slows the drone by default; under PYB the speed stays."""
    speeds = {}
    for name, kwargs in (("default", {}), ("pyb", PYB)):
        env = gym.make(ENV_ID, **kwargs)
        env.reset(seed=0)
        state = env.unwrapped.state
        state.position[0] = [0.0, 0.0, 1.0]
        state.velocity[0] = [1.0, 0.0, 0.0]
        for _ in range(10):
            env.step(np.zeros(4, dtype=np.float32))
        speeds[name] = state.velocity[0, 0]
    assert speeds["default"] < 1.0 - 1e-4
    assert speeds["pyb"] == pytest.approx(1.0, abs=1e-12)


def test_option_observes_world_frame_angular_velocity() -> None:
    """Columns 9-11 are R w (world frame); the agents' kinematics still read body rates."""
    env = gym.make(ENV_ID, **PYB)
    env.reset(seed=1)
    env.action_space.seed(1)
    model = env.unwrapped
    for _ in range(6):
        observation, *_ = env.step(env.action_space.sample())
    body_rates = model.state.body_rates[0]
    world = quaternion_to_rotation(model.state.quaternion)[0] @ body_rates
    np.testing.assert_allclose(observation[9:12], world, rtol=1e-5, atol=1e-6)
    assert np.abs(world - body_rates).max() > 1e-3  # tilted: the frames differ
    read = model.kinematics_from_observation(observation)["body_rates"][0]
    np.testing.assert_allclose(read, body_rates, rtol=1e-4, atol=1e-5)


def test_dsl_pid_solves_the_hover_under_the_anchor_s_physics() -> None:
    """Flown as gym-pybullet-drones flies it (its DSL PID on the full motor range, the "pid"
    action type), the hover passes the anchor's solved return, 467, under its physics."""
    env = gym.make(ENV_ID, action_type="pid", **PYB)
    agent = PIDAgent(env)
    observation, _ = env.reset(seed=0)
    agent.reset(0)
    total, done = 0.0, False
    while not done:
        observation, reward, terminated, truncated, _ = env.step(agent.act(observation))
        total, done = total + reward, terminated or truncated
    assert total >= hover.success_threshold(action_type="pid", **PYB)


def test_bad_physics_options_name_the_choices() -> None:
    """An unknown physics name, or drag asked for under PYB, raises a ValueError."""
    with pytest.raises(ValueError, match="drag_ground_effect"):
        gym.make(ENV_ID, physics="bullet")
    with pytest.raises(ValueError, match="no drag"):
        gym.make(ENV_ID, physics="gym_pybullet_drones", drag=True)


def test_success_threshold_is_gym_pybullet_drones_solved_return() -> None:
    """474.15 (one_d_rpm) or 467 (other actions) for the anchor's 8 s at 30 Hz; none else."""
    assert hover.success_threshold(action_type="one_d_rpm") == 474.15
    assert hover.success_threshold() == 467.0
    assert hover.success_threshold(action_type="pid", physics="gym_pybullet_drones") == 467.0
    assert hover.success_threshold(episode_seconds=5.0) is None
    assert hover.success_threshold(target_position=(0.0, 0.0, 1.5)) is None


@pytest.mark.skipif(not native_available(), reason="the C extension is not built")
def test_native_path_refuses_the_option() -> None:
    """The native kernel, which observes body rates, refuses the option with a clear error."""
    with pytest.raises(ValueError, match="physics"):
        NativeVectorEnv(ENV_ID, 2, **PYB)
