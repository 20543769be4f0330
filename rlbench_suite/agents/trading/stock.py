"""Reference agents of StockTrading: buy-and-hold and a FinRL-style turbulence rule (the expert).

Both read public attributes of ``env.unwrapped``
(:class:`~rlbench_suite.envs.trading.stock_trading.StockTradingEnv`): ``num_assets``, ``hmax``,
``initial_amount``, ``prices`` (today's closes), ``holdings`` and ``turbulence`` (today's index,
also in the observation), all of them known at today's close.

The turbulence rule is FinRL's stop turned into a policy: FinRL sells everything when the day's
turbulence index passes a threshold and buys otherwise. A single day's index is noisy (on an
ordinary day it is about a chi-square with ``D`` degrees of freedom), so the rule smooths it
with an exponential average before comparing. Its two numbers, the smoothing weight and the
threshold on the index divided by ``D``, were picked by :func:`tune_turbulence_rule` on
in-distribution instances of the env's MDP family (never the default instance or the held-out
split): ``python -c "from rlbench_suite.agents.trading.stock import tune_turbulence_rule as t;
print(t())"``.
"""

from __future__ import annotations

from typing import Any

import gymnasium as gym
import numpy as np

from rlbench_suite.agents.trading.tuning import grid_search_on_family

#: Weight of today's index in the exponential average the rule compares: about the last ten
#: days. Tuned (10 in-distribution instances x 5 episodes, mean return): 0.1 and 1.25 give 32.8;
#: the neighbours 0.05 / 0.2 at 1.25 give 32.1 / 31.4, 0.1 at 1.0 / 1.5 give 30.4 / 27.0;
#: FinRL's raw one-day index (smoothing 1) is best at 1.0 with 23.5.
TURBULENCE_SMOOTHING = 0.1
#: Out of the market while the averaged index, divided by the number of stocks, is at or above
#: this (an ordinary day averages about 1).
TURBULENCE_EXIT_LEVEL = 1.25


class StockBuyAndHoldAgent:
    """Spend the starting cash in equal parts on every stock, ``hmax`` shares a day, then hold.

    Each stock's target is ``initial_amount / D`` at the first day's price; the agent buys toward
    it and never sells.
    """

    def __init__(self, env: gym.Env) -> None:
        self.model: Any = env.unwrapped
        self.targets: np.ndarray | None = None

    def reset(self, seed: int | None = None) -> None:
        """Forget the targets; they are set from the first day's prices."""
        self.targets = None

    def act(self, observation: np.ndarray) -> np.ndarray:
        """Buy toward the equal-value targets, at most ``hmax`` shares a stock."""
        model = self.model
        if self.targets is None:
            per_stock = model.initial_amount / model.num_assets
            self.targets = np.floor(per_stock / model.prices)
        missing = np.maximum(self.targets - model.holdings, 0.0)
        return np.minimum(missing / model.hmax, 1.0).astype(np.float32)


class TurbulenceRuleAgent:
    """FinRL's turbulence stop as a policy: all in while the market is calm, all out when not.

    The averaged index ``a_t = smoothing * x_t + (1 - smoothing) * a_{t-1}`` (``x_t`` = today's
    index divided by the number of stocks, ``a`` starts at 1, an ordinary day) decides: at or
    above ``exit_level`` sell every share (action -1), below it buy ``hmax`` shares of each stock
    (action +1) until the cash runs out.
    """

    def __init__(
        self,
        env: gym.Env,
        smoothing: float = TURBULENCE_SMOOTHING,
        exit_level: float = TURBULENCE_EXIT_LEVEL,
    ) -> None:
        if not 0.0 < smoothing <= 1.0:
            raise ValueError(f"TurbulenceRuleAgent: smoothing must be in (0, 1], got {smoothing}")
        if not exit_level > 0.0:
            raise ValueError(f"TurbulenceRuleAgent: exit_level must be > 0, got {exit_level}")
        self.model: Any = env.unwrapped
        self.smoothing = smoothing
        self.exit_level = exit_level
        self.average = 1.0

    def reset(self, seed: int | None = None) -> None:
        """Start the average at an ordinary day's level; the rule is deterministic."""
        self.average = 1.0

    def act(self, observation: np.ndarray) -> np.ndarray:
        """-1 for every stock while the averaged index is high, else +1."""
        model = self.model
        today = model.turbulence / model.num_assets
        self.average = self.smoothing * today + (1.0 - self.smoothing) * self.average
        direction = -1.0 if self.average >= self.exit_level else 1.0
        return np.full(model.num_assets, direction, dtype=np.float32)


def tune_turbulence_rule(
    smoothings: tuple[float, ...] = (0.02, 0.05, 0.1, 0.2, 0.5, 1.0),
    exit_levels: tuple[float, ...] = (0.75, 1.0, 1.25, 1.5),
    num_instances: int = 10,
    episodes_per_instance: int = 5,
    seed: int = 0,
) -> dict[str, Any]:
    """Grid-search the rule's two numbers on in-distribution instances of the MDP family.

    Returns the best pair by mean return over ``num_instances`` x ``episodes_per_instance``
    episodes, and every pair's mean.
    """
    best, means = grid_search_on_family(
        "rlbench/StockTrading-v0",
        TurbulenceRuleAgent,
        {"smoothing": smoothings, "exit_level": exit_levels},
        num_instances,
        episodes_per_instance,
        seed,
    )
    return {**best, "means": means}


FACTORIES = {
    "stock_buy_and_hold": StockBuyAndHoldAgent,
    "turbulence_rule": TurbulenceRuleAgent,
}
