"""Scoring harness: the evaluation loop, reference scores, MDP-family evaluation, aggregates.

Aggregates over runs and tasks (``rlbench_suite.scoring.aggregate``, rliable) and multi-objective
metrics (``rlbench_suite.scoring.multi_objective``, moocore) are imported from their modules.
"""

from rlbench_suite.scoring.evaluate import (
    EpisodeRecord,
    EvaluationResult,
    evaluate,
    mean_confidence_halfwidth,
)
from rlbench_suite.scoring.family import FamilyEvaluation, evaluate_family
from rlbench_suite.scoring.references import measure_references, reference_drift

__all__ = [
    "EpisodeRecord",
    "EvaluationResult",
    "FamilyEvaluation",
    "evaluate",
    "evaluate_family",
    "mean_confidence_halfwidth",
    "measure_references",
    "reference_drift",
]
