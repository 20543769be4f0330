"""The multi-objective multi-agent family: eco-driving, multi-drone coverage and MO twins.

Multi-agent envs are PettingZoo ``ParallelEnv`` s in MOMAland's protocol (a reward vector per
agent, ``reward_space(agent)``); single-agent envs follow MO-Gymnasium's (a reward vector,
``reward_space``, ``reward_dim``). Each env module holds a ``CARDS`` list beside its env
classes; this ``__init__`` registers them with the family's measured reference scores.
"""

from __future__ import annotations

import dataclasses
import importlib
from pathlib import Path

from rlbench_suite.registry import load_references, register_env

REFERENCES = load_references(Path(__file__).parent / "data" / "references.json")

# The env modules, each with a module-level ``CARDS`` list.
_ENV_MODULES: tuple[str, ...] = (
    "mo_market_making",
    "mo_portfolio",
    "mo_rmab",
    "eco_driving",
    "drone_coverage",
)


def _register() -> None:
    for module_name in _ENV_MODULES:
        module = importlib.import_module(f"rlbench_suite.envs.moma.{module_name}")
        for card in module.CARDS:
            register_env(dataclasses.replace(card, references=REFERENCES.get(card.id)))


_register()
