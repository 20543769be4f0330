"""Reference agents for the trading family: random baselines' peers and an expert per env.

Each module listed in ``_AGENT_MODULES`` exposes ``FACTORIES``, a dict from agent name to
``factory(env) -> Agent``; names are unique across the family.
"""

from __future__ import annotations

import importlib
from typing import Any

_AGENT_MODULES: tuple[str, ...] = ("market_making", "stock", "portfolio", "pairs", "lob")


def trading_factories() -> dict[str, Any]:
    """Every trading agent factory, by name."""
    factories: dict[str, Any] = {}
    for module_name in _AGENT_MODULES:
        module = importlib.import_module(f"rlbench_suite.agents.trading.{module_name}")
        clashes = set(factories) & set(module.FACTORIES)
        if clashes:
            raise RuntimeError(f"trading agents named twice: {sorted(clashes)}")
        factories.update(module.FACTORIES)
    return factories
