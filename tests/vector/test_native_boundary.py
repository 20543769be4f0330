"""The extension's own boundary: a bad buffer or parameter is a Python exception, never a crash."""

from __future__ import annotations

import gymnasium as gym
import numpy as np
import pytest

import rlbench_suite.envs.calibration  # noqa: F401
from rlbench_suite.vector import kernels, native_available

pytestmark = pytest.mark.skipif(not native_available(), reason="the C extension is not built")

NUM_ENVS = 4


@pytest.fixture
def native():
    """The extension module."""
    from rlbench_suite import _native

    return _native


def _cartpole_params() -> dict:
    env = gym.make("rlbench/CartPole-v1").unwrapped
    return kernels.cartpole_params(env, 500)


def _bandit_params() -> dict:
    env = gym.make("rlbench/RMAB-TwoState-v0", num_arms=3, budget=1).unwrapped
    return kernels.rmab_two_state_params(env, None)


def _buffers(obs_dtype=np.float32, obs_dim=4) -> dict:
    return {
        "observations": np.zeros((NUM_ENVS, obs_dim), dtype=obs_dtype),
        "rewards": np.zeros(NUM_ENVS),
        "terminations": np.zeros(NUM_ENVS, dtype=bool),
        "truncations": np.zeros(NUM_ENVS, dtype=bool),
    }


def _batch(native, params=None, **overrides):
    buffers = {**_buffers(), **overrides}
    return native.Batch(
        "cartpole", NUM_ENVS, _cartpole_params() if params is None else params, **buffers
    )


def _read_only(array: np.ndarray) -> np.ndarray:
    array.flags.writeable = False
    return array


@pytest.mark.parametrize(
    ("name", "array", "error", "message"),
    [
        (
            "observations",
            np.zeros((NUM_ENVS, 4)),
            TypeError,
            "observations must have dtype float32",
        ),
        ("observations", np.zeros((NUM_ENVS, 5), np.float32), ValueError, r"shape \(4, 4\)"),
        ("observations", np.zeros((4, NUM_ENVS), np.float32).T, ValueError, "C-contiguous"),
        ("observations", _read_only(np.zeros((NUM_ENVS, 4), np.float32)), ValueError, "read-only"),
        ("rewards", np.zeros(NUM_ENVS, np.float32), TypeError, "rewards must have dtype float64"),
        ("rewards", np.zeros(2 * NUM_ENVS)[::2], ValueError, "C-contiguous"),
        ("terminations", np.zeros(NUM_ENVS, np.uint8), TypeError, "dtype bool"),
        ("truncations", _read_only(np.zeros(NUM_ENVS, bool)), ValueError, "read-only"),
        ("truncations", [False] * NUM_ENVS, TypeError, "must be a NumPy array"),
    ],
)
def test_bad_output_buffers_are_refused(native, name, array, error, message) -> None:
    """Wrong dtype, shape, layout or a read-only output array raises, naming the argument."""
    with pytest.raises(error, match=message):
        _batch(native, **{name: array})


@pytest.mark.parametrize(
    ("change", "error", "message"),
    [
        ({"tau": -0.02}, ValueError, "tau"),
        ({"tau": float("nan")}, ValueError, r"params\['tau'\] must be finite"),
        ({"tau": "fast"}, TypeError, r"params\['tau'\] must be a number"),
        ({"max_episode_steps": 0}, ValueError, "max_episode_steps"),
        ({"max_episode_steps": 5.0}, TypeError, "must be an int"),
        ({"sutton_barto_reward": 1}, TypeError, "must be a bool"),
        ({"reset_low": 0.1}, ValueError, "reset_low must be < reset_high"),
        ({"masspole": 0.0}, ValueError, "masspole"),
        ({"gravty": 9.8}, ValueError, "no parameter 'gravty'"),
    ],
)
def test_bad_cartpole_params_are_refused(native, change, error, message) -> None:
    """Non-physical, non-finite, mistyped or unknown parameters raise at construction."""
    with pytest.raises(error, match=message):
        _batch(native, params={**_cartpole_params(), **change})


def test_missing_params_are_refused(native) -> None:
    """A parameter left out is named in the error."""
    params = _cartpole_params()
    del params["gravity"]
    with pytest.raises(ValueError, match="lack 'gravity'"):
        _batch(native, params=params)


@pytest.mark.parametrize(
    ("change", "error", "message"),
    [
        ({"budget": 4}, ValueError, r"budget'\] must be in \[1, 3\]"),
        ({"horizon": 0}, ValueError, "horizon"),
        ({"next_bad_prob": np.full((3, 2, 2), 1.5)}, ValueError, r"values in \[0, 1\]"),
        ({"next_bad_prob": np.full((3, 2, 2), np.nan)}, ValueError, r"values in \[0, 1\]"),
        ({"next_bad_prob": np.zeros((3, 2))}, ValueError, r"shape \(3, 2, 2\)"),
        ({"state_rewards": np.zeros((3, 2), np.float32)}, TypeError, "dtype float64"),
        ({"initial_good_threshold": 2.0}, ValueError, "initial_good_threshold"),
    ],
)
def test_bad_bandit_params_are_refused(native, change, error, message) -> None:
    """Budgets beyond the arms, probabilities outside [0, 1] and mis-shaped tables raise."""
    buffers = _buffers(obs_dtype=np.int64, obs_dim=3)
    with pytest.raises(error, match=message):
        native.Batch("rmab_two_state", NUM_ENVS, {**_bandit_params(), **change}, **buffers)


def test_batch_arguments_are_checked(native) -> None:
    """Unknown kernels, num_envs <= 0 and thread counts beyond the machine raise ValueError."""
    with pytest.raises(ValueError, match="unknown kernel 'pendulum'"):
        native.Batch("pendulum", NUM_ENVS, {}, **_buffers())
    with pytest.raises(ValueError, match="num_envs must be >= 1, got 0"):
        native.Batch("cartpole", 0, _cartpole_params(), **_buffers())
    limit = native.max_threads()
    with pytest.raises(ValueError, match=rf"num_threads must be in \[1, {limit}\]"):
        native.Batch("cartpole", NUM_ENVS, _cartpole_params(), **_buffers(), num_threads=limit + 1)
    assert native.KERNELS == (
        "cartpole",
        "rmab_two_state",
        "quad_hover",
        "market_making",
        "rmab_finite",
    )


def test_bad_actions_leave_the_batch_usable(native) -> None:
    """After a refused step (bad dtype, bad value) the batch steps normally."""
    batch = _batch(native)
    batch.reset()
    with pytest.raises(TypeError, match="actions must have dtype int64"):
        batch.step(np.zeros(NUM_ENVS, np.int32))
    with pytest.raises(ValueError, match="env 3: action -1"):
        batch.step(np.array([0, 1, 0, -1]))
    with pytest.raises(TypeError, match="seeds must have dtype uint64"):
        batch.seed(np.zeros(NUM_ENVS, np.int64))
    batch.step(np.array([0, 1, 0, 1]))


def test_output_buffers_cannot_be_resized_while_bound(native) -> None:
    """The batch holds its buffers: NumPy refuses to resize an array the kernel writes into."""
    observations = np.zeros((NUM_ENVS, 4), np.float32)
    batch = _batch(native, observations=observations)
    with pytest.raises(ValueError, match="resize"):
        observations.resize((1, 4))
    del batch
    observations.resize((1, 4))
