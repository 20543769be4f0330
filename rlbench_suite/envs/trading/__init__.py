"""The trading family: market making, portfolio allocation, stock and pairs trading.

Every env runs on a seeded synthetic market by default (the MDP family is the generator's
parameters); PortfolioAllocation, StockTrading and PairsTrading also take the user's own OHLCV
data through :func:`load_ohlcv`. Each env module holds a ``CARDS`` list beside its env classes;
this ``__init__`` registers them with the family's measured reference scores.
"""

from __future__ import annotations

import dataclasses
import importlib
from pathlib import Path

from rlbench_suite.envs.trading.data import load_ohlcv
from rlbench_suite.envs.trading.synthetic import MarketData
from rlbench_suite.registry import load_references, register_env

REFERENCES = load_references(Path(__file__).parent / "data" / "references.json")

# The env modules, each with a module-level ``CARDS`` list.
_ENV_MODULES: tuple[str, ...] = (
    "market_making",
    "stock_trading",
    "portfolio",
    "pairs_trading",
    "lob_market_making",
)


def _register() -> None:
    for module_name in _ENV_MODULES:
        module = importlib.import_module(f"rlbench_suite.envs.trading.{module_name}")
        for card in module.CARDS:
            register_env(dataclasses.replace(card, references=REFERENCES.get(card.id)))


_register()

__all__ = ["REFERENCES", "MarketData", "load_ohlcv"]
