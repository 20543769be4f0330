"""Batch.state and Batch.observe: write a kernel's per-env state, observe it, step from it.

Each test writes the same state into a native batch and into its Python twin (the reference env
itself, drawing the kernel's numbers, see rlbench_suite/vector/twins.py), then steps both with
the same actions: observations, rewards and flags must agree bit for bit, as in test_parity.py.
"""

from __future__ import annotations

import gc

import gymnasium as gym
import numpy as np
import pytest

import rlbench_suite.envs.calibration  # noqa: F401
from rlbench_suite.vector import NativeVectorEnv, native_available
from rlbench_suite.vector.twins import make_twin_vector_env

pytestmark = pytest.mark.skipif(not native_available(), reason="the C extension is not built")

NUM_ENVS = 6
STEPS = 400
NAMES = ("obs", "reward", "terminated", "truncated")


def _time_limit(env: gym.Env) -> gym.wrappers.TimeLimit | None:
    while isinstance(env, gym.Wrapper):
        if isinstance(env, gym.wrappers.TimeLimit):
            return env
        env = env.env
    return None


def _step_both(native: NativeVectorEnv, twin: gym.vector.VectorEnv, actions_of, seed: int):
    rng = np.random.default_rng(seed)
    for step in range(STEPS):
        actions = actions_of(rng)
        got, want = native.step(actions), twin.step(actions)
        for name, left, right in zip(NAMES, got[:4], want[:4], strict=True):
            assert np.array_equal(left, right), f"step {step}: {name} differ"


def test_cartpole_written_state_steps_as_gymnasium_from_it() -> None:
    """A CartPole state written through Batch.state steps as Gymnasium's CartPole from it."""
    native = NativeVectorEnv("rlbench/CartPole-v1", NUM_ENVS)
    twin = make_twin_vector_env("rlbench/CartPole-v1", NUM_ENVS, seed=3)
    native.reset(seed=3)
    twin.reset()
    rng = np.random.default_rng(0)
    written = rng.uniform(-0.15, 0.15, size=(NUM_ENVS, 4))
    elapsed = rng.integers(0, 400, size=NUM_ENVS)
    state = native.state
    for column, name in enumerate(("x", "x_dot", "theta", "theta_dot")):
        state[name][:] = written[:, column]
    state["elapsed_steps"][:] = elapsed
    for index, env in enumerate(twin.envs):
        env.unwrapped.state = written[index].copy()
        _time_limit(env)._elapsed_steps = int(elapsed[index])

    observations = native.observe()
    assert np.array_equal(observations, written.astype(np.float32))
    _step_both(native, twin, lambda rng: rng.integers(0, 2, size=NUM_ENVS), seed=1)


def test_bandit_written_arm_states_step_as_the_python_env() -> None:
    """Arm states and time steps written into the two-state bandit evolve as the Python env's."""
    kwargs = {"num_arms": 7, "budget": 2, "horizon": 50}
    native = NativeVectorEnv("rlbench/RMAB-TwoState-v0", NUM_ENVS, **kwargs)
    twin = make_twin_vector_env("rlbench/RMAB-TwoState-v0", NUM_ENVS, seed=5, **kwargs)
    native.reset(seed=5)
    twin.reset()
    rng = np.random.default_rng(1)
    arm_states = rng.integers(0, 2, size=(NUM_ENVS, 7))
    time_steps = rng.integers(0, 50, size=NUM_ENVS)
    native.state["arm_states"] = arm_states
    native.state["time_step"] = time_steps
    for index, env in enumerate(twin.envs):
        env.unwrapped.arm_states = arm_states[index].astype(np.int64)
        env.unwrapped.time_step = int(time_steps[index])
    assert np.array_equal(native.observe(), arm_states)

    def actions_of(rng: np.random.Generator) -> np.ndarray:
        actions = np.zeros((NUM_ENVS, 7), dtype=np.int8)
        chosen = np.argsort(rng.random((NUM_ENVS, 7)), axis=1)[:, :2]
        np.put_along_axis(actions, chosen, 1, axis=1)
        return actions

    _step_both(native, twin, actions_of, seed=2)


def test_market_making_written_book_steps_as_the_python_env() -> None:
    """Cash, mid, inventory and clock written into MarketMaking step as the Python env's."""
    native = NativeVectorEnv("rlbench/MarketMaking-v0", NUM_ENVS)
    twin = make_twin_vector_env("rlbench/MarketMaking-v0", NUM_ENVS, seed=7)
    native.reset(seed=7)
    twin.reset()
    rng = np.random.default_rng(2)
    cash = rng.uniform(-50, 50, NUM_ENVS)
    mid = rng.uniform(95, 105, NUM_ENVS)
    inventory = rng.integers(-3, 4, NUM_ENVS)
    step_count = rng.integers(0, 100, NUM_ENVS)
    state = native.state
    state["cash"], state["mid"] = cash, mid
    state["inventory"], state["step_count"] = inventory, step_count
    for index, env in enumerate(twin.envs):
        unwrapped = env.unwrapped
        unwrapped.cash, unwrapped.mid_price = float(cash[index]), float(mid[index])
        unwrapped.inventory, unwrapped.step_count = int(inventory[index]), int(step_count[index])
        limit = _time_limit(env)
        if limit is not None:
            limit._elapsed_steps = int(step_count[index])
    native.observe()
    _step_both(
        native, twin, lambda rng: rng.uniform(0, 1, (NUM_ENVS, 2)).astype(np.float32), seed=3
    )


def test_state_is_a_zero_copy_view_that_keeps_the_kernel_alive() -> None:
    """Writes reach the kernel without a copy, and the view outlives the vector env."""
    envs = NativeVectorEnv("rlbench/QuadHover-v0", 3)
    envs.reset(seed=0)
    state = envs.state
    assert state.shape == (3,) and state.flags.writeable
    state["position"][1] = [0.25, -0.5, 1.0]
    observations = envs.observe(np.array([False, True, False]))
    assert np.array_equal(observations[1, :3], np.float32([0.25, -0.5, 1.0]))
    assert np.array_equal(envs.state["position"][1], [0.25, -0.5, 1.0])  # a second view, same bytes
    envs.close()
    del envs
    gc.collect()
    state["velocity"][2] = 3.0  # the batch lives while the view does
    assert state["velocity"][2, 0] == 3.0


def test_observe_cancels_a_pending_autoreset() -> None:
    """An env whose episode ended steps from a state written before its next step, not a reset."""
    envs = NativeVectorEnv("rlbench/CartPole-v1", 2)
    envs.reset(seed=0)
    envs.state["theta"][0] = 1.0  # past the 12-degree limit: the next step terminates env 0
    _, _, terminated, _, _ = envs.step(np.zeros(2, dtype=np.int64))
    assert terminated[0]
    envs.state["theta"][0] = 0.0
    envs.state["elapsed_steps"][0] = 10
    envs.observe(np.array([True, False]))
    _, reward, terminated, _, _ = envs.step(np.zeros(2, dtype=np.int64))
    assert reward[0] == 1.0 and not terminated[0]
    assert envs.state["elapsed_steps"][0] == 11  # stepped on from 10, not reset to 0
