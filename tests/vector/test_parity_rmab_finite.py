"""The finite-state RMAB kernel against its Python twin: ARMMAN and Circulant, bit for bit.

The twin is the registered env itself under Gymnasium's SyncVectorEnv, drawing the kernel's
random stream (rlbench_suite/vector/twins.py). Short horizons make every env autoreset many
times; observations, rewards, terminations and truncations must be equal, no tolerance (the
kernel compares the same draws with NumPy's own cumulative sums and adds rewards in NumPy's
pairwise order).
"""

from __future__ import annotations

import numpy as np
import pytest

import rlbench_suite  # noqa: F401
from rlbench_suite.vector import NativeVectorEnv, max_threads, native_available
from rlbench_suite.vector.twins import make_twin_vector_env

pytestmark = pytest.mark.skipif(not native_available(), reason="the C extension is not built")

# id: (env kwargs, num_envs, steps) in next-step mode; same-step runs a quarter of the steps.
CASES = {
    "rlbench/RMAB-ARMMAN-v0": ({"horizon": 37}, 64, 2_000),
    "rlbench/RMAB-Circulant-v0": ({"horizon": 29}, 64, 2_000),
    "rlbench/RMAB-ARMMAN-v0 wide": ({"num_arms": 150, "budget": 20, "horizon": 23}, 16, 1_000),
}


def _actions(rng: np.random.Generator, num_envs: int, num_arms: int, budget: int) -> np.ndarray:
    """``budget`` random arms per env, fewer in a fifth of the envs."""
    actions = np.zeros((num_envs, num_arms), dtype=np.int8)
    chosen = np.argsort(rng.random((num_envs, num_arms)), axis=1)[:, :budget]
    np.put_along_axis(actions, chosen, 1, axis=1)
    actions[rng.random(num_envs) < 0.2, chosen[0, 0]] = 0
    return actions


def _run(case: str, autoreset_mode: str, steps: int, num_threads: int = 1) -> None:
    env_kwargs, num_envs, _ = CASES[case]
    env_id = case.split()[0]
    native = NativeVectorEnv(
        env_id, num_envs, num_threads=num_threads, autoreset_mode=autoreset_mode, **env_kwargs
    )
    twin = make_twin_vector_env(
        env_id, num_envs, seed=11, autoreset_mode=autoreset_mode, **env_kwargs
    )
    observations, _ = native.reset(seed=11)
    twin_observations, _ = twin.reset()
    assert np.array_equal(observations, twin_observations)
    num_arms, budget = native.single_action_space.n, twin.envs[0].unwrapped.budget
    rng = np.random.default_rng(5)
    ends = 0
    for step in range(steps):
        actions = _actions(rng, num_envs, num_arms, budget)
        got, want = native.step(actions), twin.step(actions)
        for name, left, right in zip(
            ("obs", "reward", "terminated", "truncated"), got[:4], want[:4], strict=True
        ):
            assert np.array_equal(left, right), f"{case}, step {step}: {name} differ"
        if autoreset_mode == "same_step" and got[3].any():
            finals = np.stack(got[4]["final_obs"][got[3]])
            assert np.array_equal(finals, np.stack(want[4]["final_obs"][want[3]]))
        ends += int(got[3].sum())
    # Every env ended about once per horizon (plus its reset step in next-step mode).
    assert ends >= num_envs * (steps // (env_kwargs["horizon"] + 1) - 1)


@pytest.mark.parametrize("case", sorted(CASES))
def test_next_step_rollouts_are_bit_exact(case: str) -> None:
    """Thousands of steps x many envs in next-step mode: every output equal, resets included."""
    _run(case, "next_step", CASES[case][2])


@pytest.mark.parametrize("case", sorted(CASES))
def test_same_step_rollouts_are_bit_exact(case: str) -> None:
    """Same-step autoreset: outputs and final observations equal."""
    _run(case, "same_step", CASES[case][2] // 4)


@pytest.mark.skipif(max_threads() < 2, reason="a single-threaded build")
def test_threads_do_not_change_the_trajectories() -> None:
    """Two threads give the twin's trajectories too (each env owns its random stream)."""
    _run("rlbench/RMAB-Circulant-v0", "next_step", 300, num_threads=2)
