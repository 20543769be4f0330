"""Wrappers by purpose: budgets, quadrotor thrust, text envs, trading, multi-objective envs.

Multi-objective and multi-agent envs: linear scalarisation, centralised agents, vector episode
statistics (:mod:`rlbench_suite.wrappers.multi_objective`).

Configs and submissions name them through :data:`SUITE_WRAPPERS` only (see
:mod:`rlbench_suite.wrappers.registry`).
"""

from rlbench_suite.wrappers.budget import TopKBudget
from rlbench_suite.wrappers.language import DiscreteTextActions, TextToVector, make_trainable
from rlbench_suite.wrappers.multi_objective import (
    CentraliseAgents,
    LinearizeRewards,
    LinearScalarisation,
    VectorEpisodeStatistics,
)
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
    "CentraliseAgents",
    "CollectiveThrustAction",
    "CollectiveThrustObservation",
    "DiscreteTextActions",
    "LinearScalarisation",
    "LinearizeRewards",
    "QuoteDepthGrid",
    "RewardScaling",
    "RollingObservationNormalization",
    "SimplexWeights",
    "TextToVector",
    "TopKBudget",
    "VectorEpisodeStatistics",
    "make_trainable",
    "wrap",
    "wrapper_problems",
]
