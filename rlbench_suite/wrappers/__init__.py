"""Wrappers by purpose: action budgets, collective quadrotor thrust, trainable text envs."""

from rlbench_suite.wrappers.budget import TopKBudget
from rlbench_suite.wrappers.language import DiscreteTextActions, TextToVector, make_trainable
from rlbench_suite.wrappers.uav import CollectiveThrustAction, CollectiveThrustObservation

__all__ = [
    "CollectiveThrustAction",
    "CollectiveThrustObservation",
    "DiscreteTextActions",
    "TextToVector",
    "TopKBudget",
    "make_trainable",
]
