"""Wrappers, grouped by purpose: action budgets (top-k) and text envs made trainable."""

from rlbench_suite.wrappers.budget import TopKBudget
from rlbench_suite.wrappers.language import DiscreteTextActions, TextToVector, make_trainable

__all__ = ["DiscreteTextActions", "TextToVector", "TopKBudget", "make_trainable"]
