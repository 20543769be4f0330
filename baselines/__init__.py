"""Baseline runners, installed as ``rlbench_suite.baselines``.

- :mod:`rlbench_suite.baselines.reference`: the reference agents (random, experts, heuristics)
  run through the scoring harness on every registered env; ``rlbench benchmark`` calls it.
"""
