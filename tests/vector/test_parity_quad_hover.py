"""The QuadHover kernel against its Python twin: same seed, same actions, >= 10,000 steps.

The twin is the registered rlbench/QuadHover-v0 itself drawing its start jitter from the kernel's
random stream, vectorised by Gymnasium's SyncVectorEnv (rlbench_suite/vector/twins.py).

Tolerances. Both sides keep the state in float64 and the kernel follows dynamics.py's operation
order without FMA contraction, so what remains are NumPy's own roundings: its 4-term dot products
(``motor_thrust @ motor_y`` for the torques, ``np.linalg.norm`` in the reward) go through BLAS,
whose kernels here fuse multiply-adds, and ``d ** 4`` may come from NumPy's SIMD ``power`` rather
than libm's ``pow``. Each is an ulp or so per physics substep; the rigid body has no exponential
instability, but the torque's ulp is integrated twice (rate, then attitude, then position), so
over a 240-step episode (1920 substeps) it grows to about 1e-16 x 1920^2 ~ 1e-10 relative
(observed: 1e-12 on rewards in [0, 2]). Hence rewards must agree to 1e-8, observations (float32,
where such a difference moves at most a rounding) to 1e-5, and the termination / truncation flags
exactly.
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
NUM_ENVS = 4
OBS_TOLERANCE = 1e-5
REWARD_TOLERANCE = 1e-8


def _actions(rng: np.random.Generator, observations: np.ndarray) -> np.ndarray:
    """Uniform actions; env 0 holds its height with equal motors (a PD on z and vz) and noise,
    so that its episodes reach the time limit."""
    shape = (len(observations), (observations.shape[1] - 12) // 15)
    actions = rng.uniform(-1.0, 1.0, size=shape)
    height, climb = observations[0, 2], observations[0, 8]
    actions[0] = np.clip(2.0 * (1.0 - height) - climb + 0.001 * actions[0], -1.0, 1.0)
    return actions.astype(np.float32)


def _compare(step: int, native: tuple, twin: tuple, same_step: bool) -> None:
    np.testing.assert_allclose(
        native[0], twin[0], rtol=0, atol=OBS_TOLERANCE, err_msg=f"step {step}: observations"
    )
    np.testing.assert_allclose(
        native[1], twin[1], rtol=0, atol=REWARD_TOLERANCE, err_msg=f"step {step}: rewards"
    )
    assert np.array_equal(native[2], twin[2]), f"step {step}: terminations differ"
    assert np.array_equal(native[3], twin[3]), f"step {step}: truncations differ"
    if same_step:
        for env in np.flatnonzero(native[2] | native[3]):
            np.testing.assert_allclose(
                native[4]["final_obs"][env],
                twin[4]["final_obs"][env],
                rtol=0,
                atol=OBS_TOLERANCE,
                err_msg=f"step {step}: final observation of env {env}",
            )


@pytest.mark.parametrize(
    ("action_type", "autoreset_mode", "steps"),
    [
        # The Python twin steps ~900 env-steps/s (10,000 steps take ~45 s), so the default run
        # plays 3,000 steps and the 10,000-step rollouts run with -m slow.
        ("rpm", "next_step", 3_000),
        pytest.param("rpm", "next_step", 10_000, marks=pytest.mark.slow),
        pytest.param("rpm", "same_step", 10_000, marks=pytest.mark.slow),
        pytest.param("one_d_rpm", "next_step", 3_000, marks=pytest.mark.slow),
    ],
)
def test_quad_hover_kernel_matches_its_python_twin(
    action_type: str, autoreset_mode: str, steps: int
) -> None:
    """Agreement (tolerances above) with autoresets, a partial reset and a reseed."""
    kwargs = {"action_type": action_type}
    native = NativeVectorEnv(ENV_ID, NUM_ENVS, autoreset_mode=autoreset_mode, **kwargs)
    twin = make_twin_vector_env(ENV_ID, NUM_ENVS, seed=7, autoreset_mode=autoreset_mode, **kwargs)
    observations, _ = native.reset(seed=7)
    twin_observations, _ = twin.reset()
    np.testing.assert_allclose(observations, twin_observations, rtol=0, atol=OBS_TOLERANCE)
    rng = np.random.default_rng(0)
    same_step = autoreset_mode == "same_step"
    lengths = np.zeros(NUM_ENVS, dtype=np.int64)
    episodes_ended = time_limits = 0
    for step in range(steps):
        if step == steps // 3:
            mask = np.array([True, False, True, False])
            observations, _ = native.reset(options={"reset_mask": mask})
            twin_observations, _ = twin.reset(options={"reset_mask": mask})
            np.testing.assert_allclose(observations, twin_observations, rtol=0, atol=OBS_TOLERANCE)
            lengths[mask] = 0
        if step == 2 * steps // 3:
            mask = np.array([False, True, False, True])
            reseed_twin(twin, 99, mask)
            observations, _ = native.reset(seed=99, options={"reset_mask": mask})
            twin_observations, _ = twin.reset(options={"reset_mask": mask})
            np.testing.assert_allclose(observations, twin_observations, rtol=0, atol=OBS_TOLERANCE)
            lengths[mask] = 0
        actions = _actions(rng, observations)
        result = native.step(actions)
        _compare(step, result, twin.step(actions), same_step)
        observations = result[0]
        ended = result[2] | result[3]
        lengths += 1
        time_limits += int(np.sum(ended & (lengths >= 240)))
        episodes_ended += int(np.sum(ended))
        # next_step mode spends one step on the reset; same_step resets within the step.
        lengths[ended] = 0 if same_step else -1
    assert episodes_ended > steps // 100, "the run must cover many autoresets"
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
