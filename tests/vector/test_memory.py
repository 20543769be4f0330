"""Long runs keep the resident set flat: the step path allocates nothing that it keeps."""

from __future__ import annotations

import gc
import os
from pathlib import Path

import numpy as np
import pytest

import rlbench_suite.envs.calibration  # noqa: F401
from rlbench_suite.vector import NativeVectorEnv, native_available

STATM = Path("/proc/self/statm")
pytestmark = [
    pytest.mark.skipif(not native_available(), reason="the C extension is not built"),
    pytest.mark.skipif(not STATM.exists(), reason="reads the resident set from /proc (Linux)"),
]
ALLOWED_GROWTH = 4 * 2**20  # bytes; a leak of one buffer per step would be gigabytes


def _resident_bytes() -> int:
    gc.collect()
    return int(STATM.read_text().split()[1]) * os.sysconf("SC_PAGE_SIZE")


@pytest.mark.parametrize(
    ("env_id", "kwargs", "vector_steps"),
    [
        ("rlbench/CartPole-v1", {"autoreset_mode": "next_step"}, 10_000),
        ("rlbench/RMAB-TwoState-v0", {"autoreset_mode": "same_step", "horizon": 20}, 2_000),
    ],
)
def test_ten_million_env_steps_keep_rss_flat(env_id: str, kwargs: dict, vector_steps: int) -> None:
    """10^7 (CartPole) and 2 x 10^6 (bandit, same-step infos) env-steps grow RSS by < 4 MB."""
    num_envs = 1000
    envs = NativeVectorEnv(env_id, num_envs, **kwargs)
    envs.reset(seed=0)
    pool = [envs.action_space.sample() for _ in range(4)] if "CartPole" in env_id else None
    if pool is None:
        actions = np.zeros(envs.action_space.shape, dtype=np.int8)
        actions[:, 0] = 1
        pool = [actions]
    for step in range(500):  # warm-up: caches, first-use allocations
        envs.step(pool[step % len(pool)])
    before = _resident_bytes()
    for step in range(vector_steps):
        envs.step(pool[step % len(pool)])
        if step % 997 == 0:
            envs.reset(options={"reset_mask": np.arange(num_envs) % 2 == 0})
    growth = _resident_bytes() - before
    assert growth < ALLOWED_GROWTH, f"RSS grew by {growth / 2**20:.1f} MB"
