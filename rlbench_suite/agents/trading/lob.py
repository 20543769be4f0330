"""Reference market makers of LOBMarketMaking: fixed quotes and the inventory-skewing expert.

Both read what they need from the observation's newest row (inventory and elapsed time, see
:mod:`rlbench_suite.envs.trading.lob_market_making`) and the env's public layout:
``row_size``, ``book_levels``, ``max_inventory``, ``horizon``, ``quote_levels``,
``flatten_action`` and ``action_for_levels``.
"""

from __future__ import annotations

from typing import Any

import gymnasium as gym
import numpy as np

from rlbench_suite.envs.trading.lob_market_making import (
    FEATURES_AFTER_BOOK,
    LOBMarketMakingEnv,
)

# Where a row keeps the inventory (units / max_inventory) and the elapsed fraction, from its end.
_INVENTORY_INDEX = -(FEATURES_AFTER_BOOK - 2)
_ELAPSED_INDEX = -1


def _market_maker_env(env: gym.Env) -> LOBMarketMakingEnv:
    model = env.unwrapped
    if not isinstance(model, LOBMarketMakingEnv):
        raise TypeError(f"expected a LOBMarketMaking env, got {type(model).__name__}")
    return model


class FixedLevelsAgent:
    """Always quotes the same levels: by default both sides at the best quote."""

    def __init__(self, env: gym.Env, bid_level: int | None = None, ask_level: int | None = None):
        model = _market_maker_env(env)
        closest = min(model.quote_levels)
        self.action = model.action_for_levels(
            closest if bid_level is None else bid_level, closest if ask_level is None else ask_level
        )

    def reset(self, seed: int | None = None) -> None:
        """Nothing to reset; the policy is constant."""

    def act(self, observation: np.ndarray) -> int:
        """The fixed quoting action."""
        return self.action


class InventorySkewAgent:
    """Quotes both best prices while flat enough, skews to shed inventory, flattens past a cap.

    - ``|inventory| < skew_limit``: bid and ask at the best quotes (the closest level);
    - ``inventory >= skew_limit``: the ask stays at the best, the bid drops to the deepest
      level (it rarely fills there), so fills take the position back toward flat; the mirror
      image when short;
    - the last ``unwind_decisions`` decisions of the episode: only the side that reduces the
      inventory stays at the best, since whatever is left at the end is closed at the taker fee;
    - ``|inventory| >= flatten_limit``: flatten by market order, a cap on the risk taken when
      the flow runs one way (it costs the taker fee, so it is a last resort).

    On the default instance skewing from 2 units earns about twice the fixed quotes' PnL: fills
    at the best quote are adversely selected, and an unbounded position ends paying the taker
    fee on its way out.
    """

    def __init__(
        self,
        env: gym.Env,
        skew_limit: int = 2,
        flatten_limit: int = 6,
        unwind_decisions: int = 50,
    ) -> None:
        model = _market_maker_env(env)
        self.model: Any = model
        self.skew_limit = skew_limit
        self.flatten_limit = flatten_limit
        self.unwind_from = model.horizon - unwind_decisions
        self.closest = min(model.quote_levels)
        self.deepest = max(model.quote_levels)

    def reset(self, seed: int | None = None) -> None:
        """Nothing to reset; the policy is deterministic."""

    def act(self, observation: np.ndarray) -> int:
        """The quoting (or flatten) action for the newest row of ``observation``."""
        model = self.model
        newest_row = np.asarray(observation)[-model.row_size :]
        # Both features are float32 fractions: rounding recovers the integers they encode.
        inventory = round(float(newest_row[_INVENTORY_INDEX]) * model.max_inventory)
        decisions = round(float(newest_row[_ELAPSED_INDEX]) * model.horizon)
        if abs(inventory) >= self.flatten_limit:
            return model.flatten_action
        bid = ask = self.closest
        unwinding = decisions >= self.unwind_from
        if inventory >= self.skew_limit or (unwinding and inventory > 0):
            bid = self.deepest
        if inventory <= -self.skew_limit or (unwinding and inventory < 0):
            ask = self.deepest
        return model.action_for_levels(bid, ask)


FACTORIES = {
    "lob_fixed_levels": FixedLevelsAgent,
    "lob_inventory_skew": InventorySkewAgent,
}
