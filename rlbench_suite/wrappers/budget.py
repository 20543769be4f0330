"""Budget wrappers: turn continuous priorities into a feasible top-B choice of arms."""

from __future__ import annotations

from typing import Any

import gymnasium as gym
import numpy as np
from gymnasium import spaces

from rlbench_suite.envs.validation import validate_action


class TopKBudget(gym.ActionWrapper):
    """Expose a ``Box(-1, 1, (num_arms,))`` of arm priorities; act on the ``budget`` highest.

    Continuous-action learners (PPO, SAC) cannot emit a binary vector with at most B ones; with
    this wrapper every action they emit is feasible, so they learn whom to prioritise rather
    than how to stay in budget. Ties go to the lower arm index, so the mapping is deterministic.

    Example:
        >>> import gymnasium as gym, rlbench_suite
        >>> from rlbench_suite.wrappers import TopKBudget
        >>> env = TopKBudget(gym.make("rlbench/RMAB-TwoState-v0", num_arms=4, budget=2))
        >>> env.action([0.9, -0.5, 0.1, 0.3]).tolist()
        [1, 0, 0, 1]

    """

    def __init__(self, env: gym.Env, budget: int | None = None) -> None:
        super().__init__(env)
        base_space = env.action_space
        if not isinstance(base_space, spaces.MultiBinary) or len(base_space.shape) != 1:
            raise TypeError(
                f"TopKBudget wraps envs with a MultiBinary(num_arms) action space, got {base_space}"
            )
        self.num_arms = int(base_space.shape[0])
        env_budget = getattr(env.unwrapped, "budget", None)
        self.budget = int(budget if budget is not None else env_budget or 0)
        if not 1 <= self.budget <= self.num_arms:
            raise ValueError(
                f"TopKBudget: budget must be in [1, {self.num_arms}], got {budget!r} "
                f"(env budget {env_budget!r})"
            )
        self.action_space = spaces.Box(-1.0, 1.0, shape=(self.num_arms,), dtype=np.float32)

    def action(self, action: Any) -> np.ndarray:
        """Binary vector with ones at the ``budget`` highest priorities."""
        priorities = validate_action(self, action)
        chosen = np.argsort(-priorities, kind="stable")[: self.budget]
        binary = np.zeros(self.num_arms, dtype=np.int8)
        binary[chosen] = 1
        return binary
