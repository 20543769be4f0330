"""Reference agents for the multi-objective multi-agent family: heuristics and experts per env.

Each module listed in ``_AGENT_MODULES`` exposes ``FACTORIES``, a dict from agent name to
``factory(env) -> Agent``; names are unique across the suite. Agents of multi-agent envs act
for every agent at once: ``act(observations: dict) -> dict`` of actions.
"""

from __future__ import annotations

import importlib
from typing import Any

_AGENT_MODULES: tuple[str, ...] = ("twins", "eco_driving", "drone_coverage")


def moma_factories() -> dict[str, Any]:
    """Every agent factory of the family, by name."""
    factories: dict[str, Any] = {}
    for module_name in _AGENT_MODULES:
        module = importlib.import_module(f"rlbench_suite.agents.moma.{module_name}")
        clashes = set(factories) & set(module.FACTORIES)
        if clashes:
            raise RuntimeError(f"moma agents named twice: {sorted(clashes)}")
        factories.update(module.FACTORIES)
    return factories
