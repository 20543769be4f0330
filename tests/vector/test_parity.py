"""Each C kernel against its Python twin: same seed, same actions, >= 10,000 steps with resets.

The twin is the kernel's reference env itself (Gymnasium's own CartPole-v1, the registered
RMAB-TwoState-v0) drawing from the kernel's random stream, vectorised by Gymnasium's
SyncVectorEnv; see rlbench_suite/vector/twins.py.

Tolerances: none. The bandit kernel compares the same draws with the same probabilities, and the
CartPole kernel keeps Gymnasium's float64 state, operation order and libm sin and cos (built
without FMA contraction): everything must agree bit for bit. With ``fast_math=True`` CartPole
takes a polynomial sin and cos, and so does its twin. Longer CartPole rollouts (many envs,
thousands of steps, against Gymnasium's CartPoleEnv) are in test_cartpole_exact.py.
"""

from __future__ import annotations

import gymnasium as gym
import numpy as np
import pytest

import rlbench_suite
import rlbench_suite.envs.calibration  # noqa: F401
from rlbench_suite.vector import NativeVectorEnv, kernels, native_available
from rlbench_suite.vector.twins import KernelStream, make_twin_vector_env, reseed_twin

pytestmark = pytest.mark.skipif(not native_available(), reason="the C extension is not built")

PARITY_STEPS = 10_000
NUM_ENVS = 6  # CartPole's loop steps 4 envs at a time with AVX2: one vector and a remainder
BANDIT_KWARGS = {"num_arms": 6, "budget": 2, "horizon": 40}
POLYNOMIAL_RANGE = 0.25  # rad, CARTPOLE_POLYNOMIAL_RANGE in csrc/cartpole.h


def _cartpole_actions(rng: np.random.Generator, observations: np.ndarray) -> np.ndarray:
    """Env 0 balances (so its episodes reach the 500-step truncation); the others act at random."""
    actions = rng.integers(0, 2, size=len(observations))
    angle, angular_velocity = observations[0, 2], observations[0, 3]
    actions[0] = int(angle + 0.5 * angular_velocity > 0)
    return actions


def _bandit_actions(rng: np.random.Generator, observations: np.ndarray) -> np.ndarray:
    """Random feasible actions: ``budget`` arms each, sometimes fewer."""
    num_envs, num_arms = observations.shape
    chosen = np.argsort(rng.random((num_envs, num_arms)), axis=1)[:, : BANDIT_KWARGS["budget"]]
    actions = np.zeros((num_envs, num_arms), dtype=np.int8)
    np.put_along_axis(actions, chosen, 1, axis=1)
    actions[rng.random(num_envs) < 0.2, 0] = 0
    return actions


# kernel: (env id, env kwargs, policy, observation tolerance)
CASES = {
    "cartpole": ("rlbench/CartPole-v1", {"max_episode_steps": 200}, _cartpole_actions, 0.0),
    "rmab_two_state": ("rlbench/RMAB-TwoState-v0", BANDIT_KWARGS, _bandit_actions, 0.0),
}


def _assert_same_step(
    step: int, native: tuple, twin: tuple, same_step: bool, tolerance: float
) -> None:
    np.testing.assert_allclose(
        native[0], twin[0], rtol=0, atol=tolerance, err_msg=f"step {step}: observations"
    )
    for name, ours, theirs in zip(
        ("rewards", "terminations", "truncations"), native[1:4], twin[1:4], strict=True
    ):
        assert np.array_equal(ours, theirs), f"step {step}: {name} differ:\n{ours}\n{theirs}"
    if same_step:
        ended = native[2] | native[3]
        assert np.array_equal(native[4].get("_final_obs", np.zeros_like(ended)), ended)
        for env in np.flatnonzero(ended):
            np.testing.assert_allclose(
                native[4]["final_obs"][env],
                twin[4]["final_obs"][env],
                rtol=0,
                atol=tolerance,
                err_msg=f"step {step}: final observation of env {env}",
            )


@pytest.mark.parametrize("autoreset_mode", ["next_step", "same_step"])
@pytest.mark.parametrize("kernel", sorted(CASES))
def test_kernel_matches_its_python_twin_for_ten_thousand_steps(
    kernel: str, autoreset_mode: str
) -> None:
    """Agreement (tolerance above) over 10k steps, with autoresets, partial resets and a reseed."""
    env_id, kwargs, policy, tolerance = CASES[kernel]
    native = NativeVectorEnv(env_id, NUM_ENVS, autoreset_mode=autoreset_mode, **kwargs)
    twin = make_twin_vector_env(env_id, NUM_ENVS, seed=7, autoreset_mode=autoreset_mode, **kwargs)
    observations, _ = native.reset(seed=7)
    twin_observations, _ = twin.reset()
    np.testing.assert_allclose(observations, twin_observations, rtol=0, atol=tolerance)
    rng = np.random.default_rng(0)
    episodes_ended = truncations = 0
    for step in range(PARITY_STEPS):
        if step == PARITY_STEPS // 3:  # a partial reset, as Gymnasium's reset_mask defines it
            mask = np.arange(NUM_ENVS) % 2 == 0
            observations, _ = native.reset(options={"reset_mask": mask})
            twin_observations, _ = twin.reset(options={"reset_mask": mask})
            np.testing.assert_allclose(observations, twin_observations, rtol=0, atol=tolerance)
        if step == 2 * PARITY_STEPS // 3:  # reseed every other env mid-run
            mask = np.arange(NUM_ENVS) % 2 == 1
            reseed_twin(twin, 99, mask)
            observations, _ = native.reset(seed=99, options={"reset_mask": mask})
            twin_observations, _ = twin.reset(options={"reset_mask": mask})
            np.testing.assert_allclose(observations, twin_observations, rtol=0, atol=tolerance)
        actions = policy(rng, observations)
        result = native.step(actions)
        same_step = autoreset_mode == "same_step"
        _assert_same_step(step, result, twin.step(actions), same_step, tolerance)
        observations = result[0]
        episodes_ended += int(np.sum(result[2] | result[3]))
        truncations += int(np.sum(result[3]))
    assert episodes_ended > 100, "the run must cover many autoresets"
    assert truncations > 0, "the run must reach the time limit at least once"


def test_cartpole_fast_math_beyond_the_polynomial_range_matches_its_twin() -> None:
    """fast_math with a pole allowed to 0.4 rad, past the polynomial's range, takes libm there."""
    from rlbench_suite import _native

    env_id, num_envs, threshold, steps = "rlbench/CartPole-v1", 5, 0.4, 3_000
    params = kernels.cartpole_params(gym.make(env_id).unwrapped, 200)
    params["theta_threshold_radians"] = threshold
    params["fast_math"] = True
    outputs = (
        np.zeros((num_envs, 4), dtype=np.float32),
        np.zeros(num_envs),
        np.zeros(num_envs, dtype=bool),
        np.zeros(num_envs, dtype=bool),
    )
    batch = _native.Batch("cartpole", num_envs, params, *outputs)
    batch.seed(np.full(num_envs, 7, dtype=np.uint64))
    batch.reset()
    twin = make_twin_vector_env(env_id, num_envs, seed=7, fast_math=True, max_episode_steps=200)
    for env in twin.envs:
        env.unwrapped.theta_threshold_radians = threshold
    twin_observations, _ = twin.reset()
    assert np.array_equal(outputs[0], twin_observations)
    rng = np.random.default_rng(0)
    widest = 0.0
    for step in range(steps):
        actions = _cartpole_actions(rng, outputs[0])
        batch.step(actions)
        _assert_same_step(step, outputs, twin.step(actions), False, 0.0)
        running = ~(outputs[2] | outputs[3])  # the next step starts from these angles
        widest = max(widest, float(np.abs(outputs[0][running, 2]).max(initial=0.0)))
    assert widest > POLYNOMIAL_RANGE, "some steps must start beyond the polynomial's range"


def test_registered_cartpole_is_gymnasiums_cartpole() -> None:
    """rlbench/CartPole-v1 and Gymnasium's CartPole-v1 give the same trajectory from one seed."""
    ours, theirs = gym.make("rlbench/CartPole-v1"), gym.make("CartPole-v1")
    assert ours.spec.max_episode_steps == theirs.spec.max_episode_steps == 500
    rng = np.random.default_rng(1)
    for episode in range(20):
        first, second = ours.reset(seed=episode), theirs.reset(seed=episode)
        assert np.array_equal(first[0], second[0])
        done = False
        while not done:
            action = int(rng.integers(2))
            first, second = ours.step(action), theirs.step(action)
            assert np.array_equal(first[0], second[0]) and first[1:4] == second[1:4]
            done = first[2] or first[3]


def test_bandit_step_uses_next_states_from_uniforms() -> None:
    """The registered bandit's step moves arms by next_states_from_uniforms on its own draws."""
    env = gym.make("rlbench/RMAB-TwoState-v0", num_arms=8, budget=3).unwrapped
    env.reset(seed=3)
    action = np.array([1, 1, 1, 0, 0, 0, 0, 0], dtype=np.int8)
    for _ in range(50):
        before = env.arm_states.copy()
        draws = np.random.Generator(type(env.np_random.bit_generator)())
        draws.bit_generator.state = env.np_random.bit_generator.state
        expected = env.next_states_from_uniforms(before, action, draws.random(env.num_arms))
        observation, reward, *_ = env.step(action)
        assert np.array_equal(observation, expected)
        assert reward == expected.sum()


def test_kernel_stream_is_a_fixed_sequence() -> None:
    """The twin RNG's first outputs for (seed 0, env 0) are pinned, so a drift in either is seen."""
    stream = KernelStream(seed=0, index=0)
    first = [stream.next_uint64() for _ in range(3)]
    assert first == PINNED_STREAM_START
    assert KernelStream(seed=0, index=1).next_uint64() != first[0]
    assert KernelStream(seed=1, index=0).next_uint64() != first[0]


PINNED_STREAM_START = [3511563966469552396, 1630724456284939571, 16421453466650696744]
