"""Wrappers by purpose: action budgets, collective quadrotor thrust, trainable text envs, trading.

Configs and submissions name them through :data:`SUITE_WRAPPERS` only (see
:mod:`rlbench_suite.wrappers.registry`).
"""

from rlbench_suite.wrappers.budget import TopKBudget
from rlbench_suite.wrappers.language import DiscreteTextActions, TextToVector, make_trainable
from rlbench_suite.wrappers.registry import SUITE_WRAPPERS, wrap, wrapper_problems
from rlbench_suite.wrappers.trading import (
    QuoteDepthGrid,
    RewardScaling,
    RollingObservationNormalization,
    SimplexWeights,
)
from rlbench_suite.wrappers.uav import CollectiveThrustAction, CollectiveThrustObservation

__all__ = [
    "SUITE_WRAPPERS",
    "CollectiveThrustAction",
    "CollectiveThrustObservation",
    "DiscreteTextActions",
    "QuoteDepthGrid",
    "RewardScaling",
    "RollingObservationNormalization",
    "SimplexWeights",
    "TextToVector",
    "TopKBudget",
    "make_trainable",
    "wrap",
    "wrapper_problems",
]
