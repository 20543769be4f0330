"""The MarketMaking kernel against its Python twin: bit for bit, >= 10,000 steps, many envs.

The twin is the registered env itself (rlbench/MarketMaking-v0 or its Hawkes id) drawing from
the kernel's random stream (uniforms, and Box-Muller normals with libm's log, sqrt and cos),
vectorised by Gymnasium's SyncVectorEnv; see rlbench_suite/vector/twins.py. The kernel keeps the
env's float64 expressions in the env's order without FMA contraction and calls the same libm
exp, so observations, rewards and flags must be equal exactly: no tolerance.
"""

from __future__ import annotations

import gymnasium as gym
import numpy as np
import pytest

import rlbench_suite  # noqa: F401  (registers the ids)
from rlbench_suite.vector import NativeVectorEnv, native_available
from rlbench_suite.vector.twins import KernelStream, make_twin_vector_env, reseed_twin

pytestmark = pytest.mark.skipif(not native_available(), reason="the C extension is not built")

ENV_ID = "rlbench/MarketMaking-v0"
HAWKES_ID = "rlbench/MarketMakingHawkes-v0"
NUM_ENVS = 8


def _actions(rng: np.random.Generator, num_envs: int) -> np.ndarray:
    """Uniform depths, with the box's edges (0: at the mid, 1: the 1 % depth) now and then."""
    actions = rng.uniform(0.0, 1.0, size=(num_envs, 2))
    edges = rng.random((num_envs, 2))
    actions[edges < 0.05] = 0.0
    actions[edges > 0.95] = 1.0
    return actions.astype(np.float32)


def _assert_equal(step: int, native: tuple, twin: tuple, same_step: bool) -> None:
    for name, ours, theirs in zip(
        ("observations", "rewards", "terminations", "truncations"),
        native[:4],
        twin[:4],
        strict=True,
    ):
        assert np.array_equal(ours, theirs), f"step {step}: {name} differ:\n{ours}\n{theirs}"
    if same_step:
        for env in np.flatnonzero(native[2] | native[3]):
            assert np.array_equal(native[4]["final_obs"][env], twin[4]["final_obs"][env])


def _run_parity(env_id: str, steps: int, autoreset_mode: str, **kwargs: object) -> dict[str, int]:
    """Step both for ``steps`` with a partial reset and a reseed; count what was covered."""
    native = NativeVectorEnv(env_id, NUM_ENVS, autoreset_mode=autoreset_mode, **kwargs)
    twin = make_twin_vector_env(env_id, NUM_ENVS, seed=7, autoreset_mode=autoreset_mode, **kwargs)
    observations, _ = native.reset(seed=7)
    assert np.array_equal(observations, twin.reset()[0])
    rng = np.random.default_rng(0)
    same_step = autoreset_mode == "same_step"
    covered = {"terminations": 0, "truncations": 0, "largest_inventory": 0}
    for step in range(steps):
        if step == steps // 3:
            mask = np.arange(NUM_ENVS) % 2 == 0
            observations, _ = native.reset(options={"reset_mask": mask})
            assert np.array_equal(observations, twin.reset(options={"reset_mask": mask})[0])
        if step == 2 * steps // 3:
            mask = np.arange(NUM_ENVS) % 2 == 1
            reseed_twin(twin, 99, mask)
            observations, _ = native.reset(seed=99, options={"reset_mask": mask})
            assert np.array_equal(observations, twin.reset(options={"reset_mask": mask})[0])
        actions = _actions(rng, NUM_ENVS)
        result = native.step(actions)
        _assert_equal(step, result, twin.step(actions), same_step)
        covered["terminations"] += int(np.sum(result[2]))
        covered["truncations"] += int(np.sum(result[3]))
        largest = int(np.max(np.abs(result[0][:, 1])))
        covered["largest_inventory"] = max(covered["largest_inventory"], largest)
    return covered


def test_market_making_kernel_matches_its_twin_bit_for_bit() -> None:
    """12,000 steps x 8 envs (480 episodes), autoresets, a partial reset and a reseed: equal."""
    covered = _run_parity(ENV_ID, 12_000, "next_step")
    assert covered["terminations"] > 400


@pytest.mark.parametrize(
    ("env_id", "autoreset_mode", "kwargs"),
    [
        (ENV_ID, "same_step", {}),
        (ENV_ID, "next_step", {"reward": "pnl", "max_inventory": 3}),
        (ENV_ID, "same_step", {"reward": "exponential_utility", "risk_aversion": 0.05}),
        (ENV_ID, "next_step", {"terminal_penalty": 0.5, "max_episode_steps": 150}),
        (HAWKES_ID, "next_step", {}),
        (HAWKES_ID, "same_step", {"sigma": 3.0, "kappa": 1.1, "initial_price": 60.0}),
    ],
)
def test_every_option_matches_its_twin(env_id: str, autoreset_mode: str, kwargs: dict) -> None:
    """Each reward, the inventory limit, a time limit and Hawkes arrivals: equal for 1,500 steps."""
    covered = _run_parity(env_id, 1_500, autoreset_mode, **kwargs)
    assert covered["terminations"] + covered["truncations"] > 40
    if "max_inventory" in kwargs:
        assert covered["largest_inventory"] == kwargs["max_inventory"]
    if "max_episode_steps" in kwargs:
        assert covered["truncations"] > 0 and covered["terminations"] == 0


def test_market_making_kernel_is_the_same_on_one_and_two_threads() -> None:
    """Per-env streams: 1 and 2 threads give identical outputs (512 envs, so 2 threads run)."""
    from rlbench_suite.vector import native

    num_envs, runs = 512, []
    for threads in (1, min(2, native.max_threads())):
        env = NativeVectorEnv(HAWKES_ID, num_envs, num_threads=threads)
        rng = np.random.default_rng(3)
        outputs = [env.reset(seed=5)[0]]
        for _ in range(300):
            outputs.extend(env.step(_actions(rng, num_envs))[:4])
        runs.append(outputs)
    for first, second in zip(*runs, strict=True):
        assert np.array_equal(first, second)


def test_make_vec_takes_the_kernel_for_both_ids() -> None:
    """The cards' native_kernel flag routes gym.make_vec to the C kernel."""
    for env_id, size in ((ENV_ID, 4), (HAWKES_ID, 6)):
        env = gym.make_vec(env_id, num_envs=3)
        assert isinstance(env, NativeVectorEnv)
        observations, _ = env.reset(seed=0)
        assert observations.shape == (3, size) and observations.dtype == np.float32


def test_the_kernel_refuses_actions_outside_the_box() -> None:
    """Depth fractions outside [0, 1] or not finite are refused, naming the env."""
    env = NativeVectorEnv(ENV_ID, 2)
    env.reset(seed=0)
    bad = np.full((2, 2), 0.5, dtype=np.float32)
    bad[1, 0] = 1.5
    with pytest.raises(ValueError, match="env 1"):
        env.step(bad)
    bad[1, 0] = np.nan
    with pytest.raises(ValueError, match="env 1"):
        env.step(bad)


def test_kernel_stream_normals_are_box_muller() -> None:
    """The twin's standard_normal is sqrt(-2 ln(1 - u1)) cos(2 pi u2) on the next two draws."""
    stream, copy = KernelStream(seed=3, index=2), KernelStream(seed=3, index=2)
    first, second = copy.random(), copy.random()
    expected = np.sqrt(-2.0 * np.log(1.0 - first)) * np.cos(2.0 * np.pi * second)
    assert stream.standard_normal() == pytest.approx(expected, rel=1e-15)
    normals = np.array([stream.standard_normal() for _ in range(20_000)])
    assert abs(normals.mean()) < 0.03 and abs(normals.std() - 1.0) < 0.03
