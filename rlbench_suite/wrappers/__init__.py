"""Wrappers, grouped by purpose (budget / top-k so far)."""

from rlbench_suite.wrappers.budget import TopKBudget

__all__ = ["TopKBudget"]
