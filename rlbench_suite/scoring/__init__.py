"""Scoring harness: the evaluation loop, reference scores and normalisation."""

from rlbench_suite.scoring.evaluate import (
    EpisodeRecord,
    EvaluationResult,
    evaluate,
    mean_confidence_halfwidth,
)
from rlbench_suite.scoring.references import measure_references, reference_drift

__all__ = [
    "EpisodeRecord",
    "EvaluationResult",
    "evaluate",
    "mean_confidence_halfwidth",
    "measure_references",
    "reference_drift",
]
