"""The fast path: registered envs stepped in batches by C kernels, behind Gymnasium's vector API.

An id whose card has ``native_kernel=True`` is registered with a ``vector_entry_point``, so
``gym.make_vec`` takes the fast path with no extra code. Each kernel is a short header in
``rlbench_suite/csrc`` checked step by step against its Python twin (:mod:`.twins`); without a C
compiler the suite still installs and ``make_vec`` falls back to Gymnasium's ``SyncVectorEnv``
with one warning.

    >>> import gymnasium as gym, numpy as np, rlbench_suite
    >>> envs = gym.make_vec("rlbench/RMAB-TwoState-v0", num_envs=8, num_arms=5, budget=2)
    >>> observations, infos = envs.reset(seed=0)
    >>> observations.shape, envs.metadata["autoreset_mode"].name
    ((8, 5), 'NEXT_STEP')
    >>> actions = np.zeros((8, 5), dtype=np.int8)
    >>> actions[:, :2] = 1
    >>> observations, rewards, terminations, truncations, infos = envs.step(actions)
    >>> bool(np.all((0 <= rewards) & (rewards <= 5)))
    True

SB3 users take :class:`rlbench_suite.vector.sb3.NativeSB3VecEnv` (imported on its own, so the
suite does not need SB3).
"""

from rlbench_suite.vector.kernels import KERNELS, KernelSpec, kernel_spec
from rlbench_suite.vector.native import (
    NativeExtensionWarning,
    NativeVectorEnv,
    auto_threads,
    make_vector_env,
    max_threads,
    native_available,
)

__all__ = [
    "KERNELS",
    "KernelSpec",
    "NativeExtensionWarning",
    "NativeVectorEnv",
    "auto_threads",
    "kernel_spec",
    "make_vector_env",
    "max_threads",
    "native_available",
]
