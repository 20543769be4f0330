"""``NativeSB3VecEnv``: Stable-Baselines3's ``VecEnv`` API over a C kernel.

SB3 resets an env in the step that ends its episode and hands the last observation over in
``info["terminal_observation"]``, with ``info["TimeLimit.truncated"]`` telling a time limit from a
true termination (SB3 bootstraps the value of a truncated state). This adapter runs the kernel in
Gymnasium's same-step autoreset mode, which is that contract, and reshapes the outputs.

Episode statistics come with it, as SB3's ``Monitor`` writes them: the step that ends an
episode carries ``info["episode"] = {"r": return, "l": length, "t": seconds since the adapter
was built}``, so SB3 logs ``rollout/ep_rew_mean`` and ``ep_len_mean`` with no ``VecMonitor``
(one around the adapter still works: it writes the same numbers over them).

    >>> from rlbench_suite.vector.sb3 import NativeSB3VecEnv
    >>> import numpy as np, rlbench_suite.envs.calibration
    >>> venv = NativeSB3VecEnv("rlbench/CartPole-v1", num_envs=4)
    >>> venv.seed(0)
    [0, 1, 2, 3]
    >>> venv.reset().shape
    (4, 4)
    >>> observations, rewards, dones, infos = venv.step(np.ones(4, dtype=np.int64))
    >>> rewards.dtype, len(infos)
    (dtype('float32'), 4)
    >>> while not dones[0]:
    ...     observations, rewards, dones, infos = venv.step(np.ones(4, dtype=np.int64))
    >>> sorted(infos[0]["episode"])  # return, length, wall-clock time
    ['l', 'r', 't']

Budgeted envs refuse over-budget actions here as everywhere, so a learner needs an action space
that cannot exceed the budget (see :class:`rlbench_suite.wrappers.TopKBudget` for the single-env
way to get one).
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from typing import Any

import gymnasium as gym
import numpy as np
from gymnasium.vector import AutoresetMode
from stable_baselines3.common.vec_env.base_vec_env import (
    VecEnv,
    VecEnvIndices,
    VecEnvObs,
    VecEnvStepReturn,
)

from rlbench_suite.vector.native import NativeVectorEnv


class NativeSB3VecEnv(VecEnv):
    """``num_envs`` copies of ``env_id`` stepped by its C kernel, for SB3 algorithms.

    Seeding follows SB3: ``seed(s)`` gives env ``i`` the seed ``s + i`` at the next ``reset()``
    (its stream then starts from ``(s + i, i)``, see :class:`NativeVectorEnv`).
    """

    def __init__(
        self, env_id: str, num_envs: int, *, num_threads: int = 1, **env_kwargs: Any
    ) -> None:
        self.vector_env = NativeVectorEnv(
            env_id,
            num_envs,
            num_threads=num_threads,
            autoreset_mode=AutoresetMode.SAME_STEP,
            copy=False,
            **env_kwargs,
        )
        self._actions: np.ndarray | None = None
        # Per-env running totals of the episode in progress (returns in float64, as Monitor).
        self._episode_returns = np.zeros(num_envs, dtype=np.float64)
        self._episode_lengths = np.zeros(num_envs, dtype=np.int64)
        self._started = time.time()
        super().__init__(
            num_envs,
            self.vector_env.single_observation_space,
            self.vector_env.single_action_space,
        )

    def reset(self) -> VecEnvObs:
        """Reset every env, with the seeds given to :meth:`seed` if any (used once)."""
        seeds = None if all(seed is None for seed in self._seeds) else list(self._seeds)
        if any(self._options):
            raise ValueError("native envs take no reset options")
        observations, _ = self.vector_env.reset(seed=seeds)
        self._reset_seeds()
        self._reset_options()
        self._episode_returns[:] = 0.0
        self._episode_lengths[:] = 0
        return observations.copy()

    def step_async(self, actions: np.ndarray) -> None:
        """Store the actions for :meth:`step_wait`."""
        self._actions = actions

    def step_wait(self) -> VecEnvStepReturn:
        """Step every env; ended episodes restart at once, SB3's convention."""
        if self._actions is None:
            raise RuntimeError("step_async must be called before step_wait")
        actions, self._actions = self._actions, None
        observations, rewards, terminations, truncations, infos = self.vector_env.step(actions)
        dones = terminations | truncations
        time_limited = truncations & ~terminations
        self._episode_returns += rewards
        self._episode_lengths += 1
        env_infos: list[dict[str, Any]] = [
            {"TimeLimit.truncated": limited} for limited in time_limited.tolist()
        ]
        if dones.any():
            elapsed = round(time.time() - self._started, 6)
            for env in np.flatnonzero(dones):
                env_infos[env]["terminal_observation"] = infos["final_obs"][env]
                env_infos[env]["episode"] = {
                    "r": float(self._episode_returns[env]),
                    "l": int(self._episode_lengths[env]),
                    "t": elapsed,
                }
            self._episode_returns[dones] = 0.0
            self._episode_lengths[dones] = 0
        return observations.copy(), rewards.astype(np.float32), dones, env_infos

    def close(self) -> None:
        """Release the kernel."""
        self.vector_env.close()

    def get_attr(self, attr_name: str, indices: VecEnvIndices = None) -> list[Any]:
        """The vector env's attribute, once per requested env (all envs share it)."""
        value = getattr(self.vector_env, attr_name)
        return [value for _ in self._get_indices(indices)]

    def set_attr(self, attr_name: str, value: Any, indices: VecEnvIndices = None) -> None:
        """Not supported: the envs are C structs, not Python objects."""
        raise AttributeError(f"native envs have no settable Python attributes ({attr_name!r})")

    def env_method(
        self,
        method_name: str,
        *method_args: Any,
        indices: VecEnvIndices = None,
        **method_kwargs: Any,
    ) -> list[Any]:
        """Not supported: the envs are C structs, not Python objects."""
        raise AttributeError(f"native envs have no Python methods ({method_name!r})")

    def env_is_wrapped(
        self, wrapper_class: type[gym.Wrapper], indices: VecEnvIndices = None
    ) -> list[bool]:
        """Never: there is no Python env to wrap."""
        return [False for _ in self._get_indices(indices)]

    def get_images(self) -> Sequence[np.ndarray | None]:
        """No rendering on the native path."""
        return [None for _ in range(self.num_envs)]
