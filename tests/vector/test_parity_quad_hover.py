"""The QuadHover kernel against its Python twin: same seed, same actions, bit for bit.

The twin is the registered rlbench/QuadHover-v0 itself drawing its start jitter from the kernel's
random stream, vectorised by Gymnasium's SyncVectorEnv (rlbench_suite/vector/twins.py).

Exact, no tolerance. Both sides keep the state in float64 and run the same operations in the
same order: the kernel is built without FMA contraction, and the Python env steps one drone on
plain floats (dynamics.py's float path: sums left to right, libm's sin, cos, sqrt, atan2, asin
and pow through ``math``), so observations, rewards, flags and final observations must be equal
bit for bit over thousands of steps of many envs, autoresets, partial resets and reseeds
included. The default run plays 16 envs x 2,000 steps (32,000 env-steps); -m slow plays
64 envs x 10,000 steps in each autoreset mode.
"""

from __future__ import annotations

import gymnasium as gym
import numpy as np
import pytest

import rlbench_suite.envs.uav  # noqa: F401
from rlbench_suite.vector import NativeVectorEnv, native_available
from rlbench_suite.vector.twins import make_twin_vector_env, reseed_twin

pytestmark = pytest.mark.skipif(not native_available(), reason="the C extension is not built")

ENV_ID = "rlbench/QuadHover-v0"
EPISODE_STEPS = 240


def _actions(rng: np.random.Generator, observations: np.ndarray) -> np.ndarray:
    """Uniform actions; every fourth env holds its height with equal motors (a PD on z and vz)
    and a little noise, so that its episodes reach the time limit."""
    shape = (len(observations), (observations.shape[1] - 12) // 15)
    actions = rng.uniform(-1.0, 1.0, size=shape)
    holding = slice(0, None, 4)
    height, climb = observations[holding, 2:3], observations[holding, 8:9]
    actions[holding] = np.clip(2.0 * (1.0 - height) - climb + 0.001 * actions[holding], -1, 1)
    return actions.astype(np.float32)


def _assert_identical(step: int, native: tuple, twin: tuple, same_step: bool) -> None:
    for name, ours, theirs in zip(
        ("observations", "rewards", "terminations", "truncations"), native, twin, strict=False
    ):
        assert ours.dtype == theirs.dtype, f"step {step}: {name} dtypes differ"
        different = np.flatnonzero(np.any((ours != theirs).reshape(len(ours), -1), axis=1))
        assert different.size == 0, f"step {step}: {name} differ in envs {different[:8]}"
    if same_step:
        for env in np.flatnonzero(native[2] | native[3]):
            assert np.array_equal(native[4]["final_obs"][env], twin[4]["final_obs"][env]), (
                f"step {step}: final observation of env {env}"
            )


@pytest.mark.parametrize(
    ("action_type", "autoreset_mode", "num_envs", "steps"),
    [
        ("rpm", "next_step", 16, 2_000),
        pytest.param("one_d_rpm", "same_step", 16, 3_000, marks=pytest.mark.slow),
        pytest.param("rpm", "next_step", 64, 10_000, marks=pytest.mark.slow),
        pytest.param("rpm", "same_step", 64, 10_000, marks=pytest.mark.slow),
    ],
)
def test_quad_hover_kernel_matches_its_python_twin_bit_for_bit(
    action_type: str, autoreset_mode: str, num_envs: int, steps: int
) -> None:
    """Equal bits at every step, with autoresets, a partial reset and a reseed."""
    kwargs = {"action_type": action_type}
    native = NativeVectorEnv(ENV_ID, num_envs, autoreset_mode=autoreset_mode, **kwargs)
    # The twin is the Python backend: gym.make would otherwise fly the kernel itself at N = 1.
    twin = make_twin_vector_env(
        ENV_ID, num_envs, seed=7, autoreset_mode=autoreset_mode, backend="python", **kwargs
    )
    observations, _ = native.reset(seed=7)
    twin_observations, _ = twin.reset()
    assert np.array_equal(observations, twin_observations)
    rng = np.random.default_rng(0)
    same_step = autoreset_mode == "same_step"
    lengths = np.zeros(num_envs, dtype=np.int64)
    episodes_ended = time_limits = 0
    even = np.arange(num_envs) % 2 == 0
    for step in range(steps):
        if step == steps // 3:
            observations, _ = native.reset(options={"reset_mask": even})
            twin_observations, _ = twin.reset(options={"reset_mask": even})
            assert np.array_equal(observations, twin_observations)
            lengths[even] = 0
        if step == 2 * steps // 3:
            reseed_twin(twin, 99, ~even)
            observations, _ = native.reset(seed=99, options={"reset_mask": ~even})
            twin_observations, _ = twin.reset(options={"reset_mask": ~even})
            assert np.array_equal(observations, twin_observations)
            lengths[~even] = 0
        actions = _actions(rng, observations)
        result = native.step(actions)
        _assert_identical(step, result, twin.step(actions), same_step)
        observations = result[0]
        ended = result[2] | result[3]
        lengths += 1
        time_limits += int(np.sum(ended & (lengths >= EPISODE_STEPS)))
        episodes_ended += int(np.sum(ended))
        # next_step mode spends one step on the reset; same_step resets within the step.
        lengths[ended] = 0 if same_step else -1
    # one_d_rpm never tilts the drone, so its random episodes end less often (about 1 in 250).
    assert episodes_ended > num_envs * steps // 400, "the run must cover many autoresets"
    assert time_limits > 0, "the run must reach the 240-step time limit at least once"


def test_quad_hover_kernel_is_the_same_on_one_and_two_threads() -> None:
    """Per-env streams: 1 and 2 threads give identical outputs (256 envs, 2 threads really run)."""
    num_envs, steps = 256, 300
    runs = []
    for threads in (1, 2):
        env = NativeVectorEnv(ENV_ID, num_envs, num_threads=min(threads, _max_threads()))
        rng = np.random.default_rng(3)
        observations = env.reset(seed=5)[0]
        outputs = [observations]
        for _ in range(steps):
            result = env.step(_actions(rng, observations))
            observations = result[0]
            outputs.extend(result[:4])
        runs.append(outputs)
    for first, second in zip(*runs, strict=True):
        assert np.array_equal(first, second)


def _max_threads() -> int:
    from rlbench_suite.vector import native

    return native.max_threads()


def test_make_vec_gives_the_kernel() -> None:
    """The card's native_kernel flag routes gym.make_vec to the C kernel."""
    env = gym.make_vec(ENV_ID, num_envs=2)
    assert isinstance(env, NativeVectorEnv)
    observations, _ = env.reset(seed=0)
    assert observations.shape == (2, 72) and observations.dtype == np.float32


@pytest.mark.parametrize(
    "kwargs",
    [
        {"action_type": "pid"},
        {"action_type": "vel"},
        {"params": {"motor_time_constant": 0.15}},
    ],
)
def test_quad_hover_kernel_refuses_what_it_does_not_model(kwargs: dict) -> None:
    """PID / VEL actions and motor lag point to the Python vectoriser."""
    with pytest.raises(ValueError, match="vectorization_mode='sync'"):
        NativeVectorEnv(ENV_ID, 2, **kwargs)


def test_quad_hover_kernel_rejects_out_of_range_actions() -> None:
    """Actions outside [-1, 1] or not finite are refused before any env moves."""
    env = NativeVectorEnv(ENV_ID, 2)
    env.reset(seed=0)
    bad = np.zeros((2, 4), dtype=np.float32)
    bad[1, 2] = 1.5
    with pytest.raises(ValueError, match="env 1"):
        env.step(bad)
    bad[1, 2] = np.nan
    with pytest.raises(ValueError, match="env 1"):
        env.step(bad)
