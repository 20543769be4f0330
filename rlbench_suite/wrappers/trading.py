"""Learner-side wrappers for the trading envs: simplex weights, a quote grid, normalisation, scale.

The trading envs keep the action and observation spaces of the MDP they model (portfolio
scores in ``[0, 1]``, quote depths, raw features); these wrappers give a learner the interfaces
deep-RL trading code usually trains with, as an agent-side choice that leaves the scored env
unchanged:

- :class:`SimplexWeights`: ``Box(-1, 1)`` logits mapped onto portfolio weights (softmax or
  Euclidean projection);
- :class:`QuoteDepthGrid`: a market maker's two quote depths as one ``Discrete`` choice from a
  grid, for DQN-style learners;
- :class:`RollingObservationNormalization`: each feature standardised by the mean and standard
  deviation of the previous ``window`` observations (the past only: no look-ahead);
- :class:`RewardScaling`: rewards times a constant (FinRL scales by 1e-4), the raw reward kept in
  ``info``.

Configs and submissions name them through :data:`~rlbench_suite.wrappers.SUITE_WRAPPERS`.
"""

from __future__ import annotations

import math
from collections import deque
from collections.abc import Sequence
from typing import Any, SupportsFloat

import gymnasium as gym
import numpy as np
from gymnasium import spaces

from rlbench_suite.envs.validation import validate_action

#: Softmax logits are ``logit_scale * action``: with 5, one asset at +1 and the rest at -1 holds
#: ``1 - (n - 1) e^-10`` of the wealth, so a bounded ``[-1, 1]`` learner still reaches (nearly)
#: any single-asset portfolio; with 1, as FinRL's softmax of a ``[0, 1]`` box, it cannot hold more
#: than ``e^2 / (e^2 + n - 1)`` in one asset.
DEFAULT_LOGIT_SCALE = 5.0
#: Eight depths from 0.1 to 2.0 price units: around mbt_gym's optimal ``1 / kappa`` = 0.67 and
#: the Avellaneda-Stoikov half-spread (0.75 at gamma 0.1), inside the default ``max_depth`` 3.07.
DEFAULT_DEPTHS = tuple(float(depth) for depth in np.round(np.linspace(0.1, 2.0, 8), 6))
#: The trading envs' bars per year is 252: a quarter of that is a month of daily bars, enough
#: for a stable standard deviation and short enough to follow a regime change.
DEFAULT_WINDOW = 64
DEFAULT_CLIP = 5.0
#: FinRL's ``reward_scaling``: the change of a 1e6 account comes out in the units of 100.
FINRL_REWARD_SCALE = 1e-4


def project_onto_simplex(vector: np.ndarray) -> np.ndarray:
    """The point of the probability simplex nearest to ``vector`` (Euclidean distance).

    The sort-based algorithm of Duchi, Shalev-Shwartz, Singer and Chandra (2008), "Efficient
    projections onto the l1-ball for learning in high dimensions", figure 1: sort descending,
    find the largest ``rho`` with ``u_rho - (sum_{j<=rho} u_j - 1) / rho > 0``, shift by that
    ``theta`` and clip at 0. ``O(n log n)``.

        >>> project_onto_simplex(np.array([0.5, 0.5, 0.5])).round(6).tolist()
        [0.333333, 0.333333, 0.333333]
        >>> project_onto_simplex(np.array([1.0, -1.0, 0.2])).round(6).tolist()
        [0.9, 0.0, 0.1]

    """
    values = np.asarray(vector, dtype=np.float64)
    descending = np.sort(values)[::-1]
    cumulative = np.cumsum(descending) - 1.0
    ranks = np.arange(1, values.size + 1)
    rho = int(np.flatnonzero(descending - cumulative / ranks > 0)[-1])
    theta = cumulative[rho] / (rho + 1)
    return np.maximum(values - theta, 0.0)


def _weights_env_space(env: gym.Env, wrapper: str) -> spaces.Box:
    space = env.action_space
    if (
        not isinstance(space, spaces.Box)
        or len(space.shape) != 1
        or np.any(space.low > 0)
        or np.any(space.high < 1)
    ):
        raise TypeError(
            f"{wrapper} wraps an env whose action is a vector of weights, a 1-D Box containing "
            f"[0, 1]^n (PortfolioAllocation's), got action space {space}"
        )
    return space


class SimplexWeights(gym.ActionWrapper, gym.utils.RecordConstructorArgs):
    """``Box(-1, 1, (n,))`` logits in, portfolio weights (non-negative, summing to 1) out.

    Two mappings:

    - ``"softmax"`` (default): ``w = softmax(logit_scale * a)``. Smooth and never exactly 0: every
      asset keeps a sliver, small logit changes move weights gently. Use it for diversified
      allocations and for learners whose exploration noise should not flip holdings to zero.
    - ``"projection"``: ``w`` = the Euclidean projection of ``a`` onto the simplex
      (:func:`project_onto_simplex`). Piecewise linear, reaches exact zeros and single-asset
      corners: one asset at +1 and the rest at -1 is that asset alone. Use it when the
      optimum is concentrated or sparse (a momentum or regime strategy), or to hold cash only.

    The env must take weights as a 1-D Box containing ``[0, 1]^n`` (PortfolioAllocation's
    scores, which it divides by their sum: a simplex point is its own portfolio).

    Example:
        >>> import gymnasium as gym, rlbench_suite
        >>> from rlbench_suite.wrappers import SimplexWeights
        >>> env = SimplexWeights(gym.make("rlbench/PortfolioAllocation-v0"), mapping="projection")
        >>> env.action_space == gym.spaces.Box(-1, 1, env.unwrapped.action_space.shape)
        True
        >>> (size,) = env.action_space.shape
        >>> weights = env.action([1.0] + [-1.0] * (size - 1))
        >>> float(weights[0]), float(weights[1:].sum())
        (1.0, 0.0)

    """

    def __init__(
        self, env: gym.Env, mapping: str = "softmax", logit_scale: float = DEFAULT_LOGIT_SCALE
    ) -> None:
        gym.utils.RecordConstructorArgs.__init__(self, mapping=mapping, logit_scale=logit_scale)
        gym.ActionWrapper.__init__(self, env)
        if mapping not in ("softmax", "projection"):
            raise ValueError(
                f"SimplexWeights: mapping must be 'softmax' or 'projection', got {mapping!r}"
            )
        if not math.isfinite(logit_scale) or logit_scale <= 0:
            raise ValueError(
                f"SimplexWeights: logit_scale must be a positive number, got {logit_scale!r}"
            )
        self.mapping = mapping
        self.logit_scale = float(logit_scale)
        self.env_space = _weights_env_space(env, "SimplexWeights")
        self.action_space = spaces.Box(-1.0, 1.0, shape=self.env_space.shape, dtype=np.float32)

    def action(self, action: Any) -> np.ndarray:
        """The portfolio weights of the logits ``action``."""
        logits = validate_action(self, action).astype(np.float64)
        if self.mapping == "softmax":
            scaled = self.logit_scale * logits
            exponentials = np.exp(scaled - scaled.max())
            weights = exponentials / exponentials.sum()
        else:
            weights = project_onto_simplex(logits)
        # float32 rounding must not leave the env's box.
        return np.clip(weights, self.env_space.low, self.env_space.high).astype(
            self.env_space.dtype
        )


class QuoteDepthGrid(gym.ActionWrapper, gym.utils.RecordConstructorArgs):
    """A market maker's (bid depth, ask depth) as one ``Discrete(n ** 2)`` choice from a grid.

    Action ``k`` quotes bid depth ``depths[k // n]`` and ask depth ``depths[k % n]`` (price
    units), ``n = len(depths)``.

    For MarketMaking (``Box(0, 1, (2,))``, depths as fractions of ``max_depth``) the depths go
    through the env's own ``action_from_depths``; an env without it must take the depths
    themselves as a ``Box(0, max_depth, (2,))``. Every depth must lie in ``[0, max_depth]``.

    Example:
        >>> import gymnasium as gym, rlbench_suite
        >>> from rlbench_suite.wrappers import QuoteDepthGrid
        >>> env = QuoteDepthGrid(gym.make("rlbench/MarketMaking-v0"), depths=(0.5, 1.0))
        >>> env.action_space, env.depths_of(1)
        (Discrete(4), (0.5, 1.0))

    """

    def __init__(self, env: gym.Env, depths: Sequence[float] = DEFAULT_DEPTHS) -> None:
        gym.utils.RecordConstructorArgs.__init__(self, depths=depths)
        gym.ActionWrapper.__init__(self, env)
        space = env.action_space
        if not isinstance(space, spaces.Box) or space.shape != (2,):
            raise TypeError(
                "QuoteDepthGrid wraps a market-making env whose action is (bid depth, ask depth), "
                f"a Box of shape (2,), got action space {space}"
            )
        maker = env.unwrapped
        if hasattr(maker, "action_from_depths") and hasattr(maker, "max_depth"):
            self.max_depth = float(maker.max_depth)
            to_action = maker.action_from_depths
        else:
            self.max_depth = float(np.min(space.high))
            to_action = np.asarray
        grid = np.asarray(depths, dtype=np.float64)
        if grid.ndim != 1 or grid.size == 0 or not np.all(np.isfinite(grid)):
            raise ValueError(
                f"QuoteDepthGrid: depths must be a non-empty list of numbers, got {depths!r}"
            )
        if np.any(grid < 0) or np.any(grid > self.max_depth):
            raise ValueError(
                f"QuoteDepthGrid: every depth must be in [0, max_depth = {self.max_depth:.4g}] "
                f"(the env's largest quote), got {depths!r}"
            )
        self.depths = tuple(float(depth) for depth in grid)
        bid, ask = np.meshgrid(grid, grid, indexing="ij")
        #: (n*n, 2) the env action of each grid index, computed once.
        self.grid_actions = np.stack(
            [to_action(pair) for pair in zip(bid.ravel(), ask.ravel(), strict=True)]
        ).astype(space.dtype)
        self.action_space = spaces.Discrete(grid.size**2)

    def depths_of(self, index: int) -> tuple[float, float]:
        """The (bid, ask) depths of grid action ``index``."""
        size = len(self.depths)
        return self.depths[index // size], self.depths[index % size]

    def action(self, action: Any) -> np.ndarray:
        """The env action quoting grid cell ``action``."""
        return self.grid_actions[int(validate_action(self, action))].copy()


class RollingObservationNormalization(gym.ObservationWrapper, gym.utils.RecordConstructorArgs):
    """Each feature as ``(x_t - mean) / std`` over the previous ``window`` observations, clipped.

    The statistics come from observations strictly before ``x_t``: never ``x_t`` itself, never a
    later one, so a normalised observation carries no look-ahead (a backtest with whole-series
    statistics would). With ``reset_each_episode=True`` (default) the history restarts at every
    reset, so an episode's observations depend only on that episode; ``False`` keeps the last
    ``window`` observations across episodes (past episodes are still the past), which suits
    consecutive windows of one long series.

    Until two past observations exist there is no spread to divide by and the output is 0. A
    feature that has not varied over the window (std 0) is divided by ``epsilon``: it reads as
    ``+-clip`` the moment it moves and 0 while it stays.

    Example:
        >>> import gymnasium as gym, rlbench_suite
        >>> from rlbench_suite.wrappers import RollingObservationNormalization
        >>> env = RollingObservationNormalization(gym.make("rlbench/MarketMaking-v0"), window=8)
        >>> observation, _ = env.reset(seed=0)
        >>> observation.tolist(), env.observation_space.shape
        ([0.0, 0.0, 0.0, 0.0], (4,))

    """

    def __init__(
        self,
        env: gym.Env,
        window: int = DEFAULT_WINDOW,
        clip: float = DEFAULT_CLIP,
        reset_each_episode: bool = True,
        epsilon: float = 1e-8,
    ) -> None:
        gym.utils.RecordConstructorArgs.__init__(
            self, window=window, clip=clip, reset_each_episode=reset_each_episode, epsilon=epsilon
        )
        gym.ObservationWrapper.__init__(self, env)
        space = env.observation_space
        if not isinstance(space, spaces.Box):
            raise TypeError(f"RollingObservationNormalization wraps a Box observation, got {space}")
        if isinstance(window, bool) or not isinstance(window, int) or window < 2:
            raise ValueError(
                f"RollingObservationNormalization: window must be an integer >= 2 (a standard "
                f"deviation needs two observations), got {window!r}"
            )
        for name, value in (("clip", clip), ("epsilon", epsilon)):
            if not math.isfinite(value) or value <= 0:
                raise ValueError(
                    f"RollingObservationNormalization: {name} must be a positive number, "
                    f"got {value!r}"
                )
        self.window = window
        self.clip = float(clip)
        self.reset_each_episode = bool(reset_each_episode)
        self.epsilon = float(epsilon)
        self.history: deque[np.ndarray] = deque(maxlen=window)
        self.observation_space = spaces.Box(
            -self.clip, self.clip, shape=space.shape, dtype=np.float32
        )

    def reset(
        self, *, seed: int | None = None, options: dict[str, Any] | None = None
    ) -> tuple[np.ndarray, dict[str, Any]]:
        """Reset the env and, with ``reset_each_episode``, forget the previous episodes."""
        if self.reset_each_episode:
            self.history.clear()
        return super().reset(seed=seed, options=options)

    def observation(self, observation: Any) -> np.ndarray:
        """``observation`` standardised by the past window, then added to it."""
        current = np.asarray(observation, dtype=np.float64)
        if len(self.history) < 2:
            normalised = np.zeros_like(current)
        else:
            past = np.stack(self.history)
            spread = np.maximum(past.std(axis=0), self.epsilon)
            normalised = (current - past.mean(axis=0)) / spread
        self.history.append(current)
        return np.clip(normalised, -self.clip, self.clip).astype(np.float32)


class RewardScaling(gym.RewardWrapper, gym.utils.RecordConstructorArgs):
    """Rewards times ``scale``; ``info["unscaled_reward"]`` keeps the env's own reward.

    FinRL trains on the change of a 1e6 account times 1e-4 (:data:`FINRL_REWARD_SCALE`); value
    functions learn faster on rewards of order 1. Scoring uses the unscaled returns.

    Example:
        >>> import gymnasium as gym, rlbench_suite
        >>> from rlbench_suite.wrappers import RewardScaling
        >>> env = RewardScaling(gym.make("rlbench/MarketMaking-v0", reward="pnl"), scale=10.0)
        >>> _ = env.reset(seed=0)
        >>> _, reward, _, _, info = env.step(env.action_space.sample())
        >>> reward == 10.0 * info["unscaled_reward"]
        True

    """

    def __init__(self, env: gym.Env, scale: float = FINRL_REWARD_SCALE) -> None:
        gym.utils.RecordConstructorArgs.__init__(self, scale=scale)
        gym.RewardWrapper.__init__(self, env)
        if isinstance(scale, bool) or not math.isfinite(scale) or scale <= 0:
            raise ValueError(
                f"RewardScaling: scale must be a positive number (a negative one would reverse "
                f"the objective), got {scale!r}"
            )
        self.scale = float(scale)

    def step(self, action: Any) -> tuple[Any, SupportsFloat, bool, bool, dict[str, Any]]:
        """Step the env; the reward scaled, the raw one in ``info["unscaled_reward"]``."""
        observation, reward, terminated, truncated, info = self.env.step(action)
        info = {**info, "unscaled_reward": float(reward)}
        return observation, self.reward(reward), terminated, truncated, info

    def reward(self, reward: SupportsFloat) -> float:
        """``scale * reward``."""
        return self.scale * float(reward)


__all__ = [
    "DEFAULT_DEPTHS",
    "FINRL_REWARD_SCALE",
    "QuoteDepthGrid",
    "RewardScaling",
    "RollingObservationNormalization",
    "SimplexWeights",
    "project_onto_simplex",
]
