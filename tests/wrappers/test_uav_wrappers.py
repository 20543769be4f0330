"""Collective-thrust wrappers: one_d_rpm's interface on the default quadrotor envs, exactly."""

from __future__ import annotations

import gymnasium as gym
import numpy as np
import pytest
from gymnasium.utils.env_checker import check_env

import rlbench_suite  # noqa: F401  (registers the ids)
from rlbench_suite.wrappers import CollectiveThrustAction, CollectiveThrustObservation


def collective(env_id: str, **kwargs) -> gym.Env:
    return CollectiveThrustAction(CollectiveThrustObservation(gym.make(env_id, **kwargs)))


@pytest.mark.parametrize(
    "env_id",
    ["rlbench/QuadHover-v0", "rlbench/QuadTrajectory-v0", "rlbench/MultiQuadHoverCentral-v0"],
)
def test_wrapped_default_env_steps_exactly_like_one_d_rpm(env_id: str) -> None:
    """Same spaces, and for the same actions the same observations, rewards and endings."""
    instance = gym.make(env_id, action_type="one_d_rpm")
    wrapped = collective(env_id)
    assert wrapped.observation_space == instance.observation_space
    assert wrapped.action_space == instance.action_space
    first, _ = instance.reset(seed=7)
    assert np.array_equal(wrapped.reset(seed=7)[0], first)
    actions = np.random.default_rng(0).uniform(-1, 1, (400, *instance.action_space.shape))
    for step, action in enumerate(actions.astype(np.float32)):
        expected, got = instance.step(action), wrapped.step(action)
        assert np.array_equal(expected[0], got[0]), step
        assert expected[1:4] == got[1:4], step
        if expected[2] or expected[3]:
            break
    else:
        pytest.fail("the episode never ended")


# check_env warns that it was given a wrapped env: checking the wrappers is the point here.
@pytest.mark.filterwarnings("ignore:.*different from the unwrapped version")
def test_motors_all_get_the_collective_command_and_the_buffer_shows_it_once() -> None:
    """Each drone's value goes to its four motors; the observation's buffer holds it once."""
    env = collective("rlbench/MultiQuadHoverCentral-v0", num_drones=2)
    assert env.action([0.25, -0.5]).tolist() == [0.25] * 4 + [-0.5] * 4
    env.reset(seed=0)
    observation, *_ = env.step(np.array([0.25, -0.5], dtype=np.float32))
    blocks = observation.reshape(2, -1)
    assert blocks[0, -1] == pytest.approx(0.25) and blocks[1, -1] == pytest.approx(-0.5)
    check_env(collective("rlbench/QuadHover-v0"), skip_render_check=True)


def test_envs_that_are_not_four_motor_quadrotors_are_refused_with_what_came() -> None:
    """A one_d_rpm or PID env, or a non-UAV env, gets an error naming what was expected."""
    with pytest.raises(ValueError, match=r"action_type='rpm'.*got action_type='one_d_rpm'"):
        CollectiveThrustAction(gym.make("rlbench/QuadHover-v0", action_type="one_d_rpm"))
    with pytest.raises(ValueError, match="got action_type='pid'"):
        CollectiveThrustObservation(gym.make("rlbench/QuadHover-v0", action_type="pid"))
    with pytest.raises(TypeError, match="got CartPole"):
        CollectiveThrustAction(gym.make("rlbench/CartPole-v1"))
