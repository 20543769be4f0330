"""How the board ranks its entries: per env, and per family over the envs every algorithm ran.

Pure functions of the entry records (``<board>/submissions/<name>/entry.json``, format
``rlbench-entry/1``); nothing here reads or writes a file. The rules follow the board's trust
model (``scoring_and_leaderboard.md``, "Trust model"):

* **Only the board's own numbers rank.** An entry's ranked scores are those of the board's
  re-evaluation, ``entry["evaluation"]["scores"]``, and only when the entry is *verified* (the
  board re-ran it and the submitter's claim agrees). What the submitter claimed
  (``entry["claimed"]``) is shown beside, never ranked. *Unverified* entries (not re-run yet),
  *disputed* ones (re-run, and the claim disagrees) and *self-reported* ones (custom code the
  board cannot re-run) are listed apart and never ranked.
* **Per env** (the Open RL Leaderboard's unit): verified entries best first by the point estimate of
  their normalised IQM over seeds (0 = the zero anchor, 100 = the env's expert). Where some verified
  entry of an env has no normalised score (an env without usable reference scores), all of them are
  ranked by the point estimate of their mean return instead (on a multi-agent env, the team's
  return, the sum over agents). Vector returns (multi-objective envs) have no single order: an
  entry's front is the set of its runs' mean return vectors, and entries are ranked by the point
  estimate of its hypervolume above the card's ``reference_point`` (expected utility over equally
  spaced weights beside it, both with stratified-bootstrap 95 % intervals; see
  :mod:`rlbench_suite.leaderboard.fronts`); a card without a reference point leaves them listed
  by name, unranked. Ties go by entry name. The other lists are ordered by name.
* **Per family**: the family's envs are its single-agent envs whose card has usable reference scores
  (the expert beats the zero anchor), so that scores of different envs share one scale. Entries are
  grouped into algorithms by :func:`algorithm_label` (a reference agent by its role, so the experts
  of different envs form one "expert" algorithm). Only an algorithm with a verified entry on *every*
  one of the family's envs is aggregated, using its best verified entry per env (its highest in that
  env's ranking); every other algorithm is listed as excluded, with the envs it lacks. Comparing
  algorithms over different sets of envs would rank env difficulty, not algorithms; that was the bug
  of the first board, whose family tables ranked entries of different envs against each other.
* **Family aggregates** are rliable's, over the ``(runs, envs)`` matrix of per-seed normalised
  scores: IQM, mean, median and optimality gap with stratified-bootstrap 95 % intervals, and a
  performance profile. rliable's stratified bootstrap needs the same number of runs on every env
  of one algorithm's matrix, so each algorithm uses, on every env, the *first* ``n`` seeds of its
  entry in the order the board ran them, ``n`` being the smallest seed count among its entries.
  Algorithms are ranked by IQM point estimate, ties by label.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np

from rlbench_suite.registry import env_card, list_envs
from rlbench_suite.scoring.aggregate import (
    IntervalEstimate,
    aggregate_scores,
    performance_profile,
)

#: One board entry as read from ``entry.json`` (format ``rlbench-entry/1``).
EntryRecord = Mapping[str, Any]
#: The ``Scores`` block of an entry (claimed or measured).
Scores = Mapping[str, Any]

EntryStatus = Literal["verified", "unverified", "disputed", "self-reported"]
ENTRY_STATUSES: tuple[EntryStatus, ...] = ("verified", "unverified", "disputed", "self-reported")

RankingMetric = Literal["normalised_iqm", "mean_return", "hypervolume", "unranked"]

#: Bootstrap resamples for family intervals and profiles (rliable's papers use 2000 and more).
FAMILY_BOOTSTRAP_REPS = 2000
#: Thresholds of a family's performance profile: this many, evenly spaced from 0 upwards.
PROFILE_POINTS = 101


@dataclass(frozen=True)
class EnvRanking:
    """One env's entries: the verified ones ranked, the others apart and never ranked."""

    env_id: str
    #: What orders ``verified``: normalised IQM; mean return where some entry is not normalised;
    #: hypervolume of the entry's front where returns are vectors (multi-objective envs);
    #: nothing (``"unranked"``, by name) where such an env's card has no reference point.
    ranked_by: RankingMetric
    verified: tuple[EntryRecord, ...]  # best first
    unverified: tuple[EntryRecord, ...]  # by name
    disputed: tuple[EntryRecord, ...]  # by name
    self_reported: tuple[EntryRecord, ...]  # by name


@dataclass(frozen=True)
class AlgorithmAggregate:
    """One algorithm's rliable aggregates over a family's envs (normalised scores, 0-100)."""

    label: str
    entry_names: tuple[str, ...]  # the entry used on each env, in the family's env order
    runs_per_env: int  # seeds used on every env: the smallest seed count of those entries
    normalised_scores: tuple[tuple[float, ...], ...]  # (runs_per_env, num_envs)
    iqm: IntervalEstimate
    mean: IntervalEstimate
    median: IntervalEstimate
    optimality_gap: IntervalEstimate


@dataclass(frozen=True)
class ExcludedAlgorithm:
    """An algorithm seen in a family but not aggregated, and why."""

    label: str
    missing_env_ids: tuple[str, ...]  # family envs with no verified entry of it
    reason: str  # one sentence, for people


@dataclass(frozen=True)
class FamilyRanking:
    """A family's aggregated ranking over the envs every ranked algorithm ran."""

    family: str
    env_ids: tuple[str, ...]  # the family's single-agent envs with usable reference scores
    ranked: tuple[AlgorithmAggregate, ...]  # best IQM first
    excluded: tuple[ExcludedAlgorithm, ...]  # by label
    profile_thresholds: tuple[float, ...]  # normalised-score thresholds τ; empty if none ranked
    #: Per ranked label: the fraction of runs scoring above each threshold, with its interval.
    profiles: Mapping[str, tuple[IntervalEstimate, ...]]


def ranked_scores(entry: EntryRecord) -> Scores | None:
    """The scores that rank ``entry``: the board's re-evaluation, only if verified, else None."""
    evaluation = entry.get("evaluation")
    if entry["status"] != "verified" or evaluation is None:
        return None
    return evaluation["scores"]


def _normalised_iqm_point(scores: Scores) -> float | None:
    normalised = scores.get("normalised")
    return None if normalised is None else float(normalised["iqm"]["point"])


def _verified_scores(entry: EntryRecord) -> Scores:
    scores = ranked_scores(entry)
    if scores is None:
        # A verified entry the board never re-ran is a broken record, not a rankable one.
        raise ValueError(f"entry {entry['name']!r} is verified but has no evaluation scores")
    return scores


def _rank_verified(
    entries: Sequence[EntryRecord],
) -> tuple[RankingMetric, tuple[EntryRecord, ...]]:
    scores = {entry["name"]: _verified_scores(entry) for entry in entries}
    # One metric for the whole env: if any entry lacks normalised scores (an env without usable
    # references), all are compared on mean return, so no entry is ranked on another's scale.
    if all(_normalised_iqm_point(score) is not None for score in scores.values()):
        metric: RankingMetric = "normalised_iqm"
        values = {
            name: float(score["normalised"]["iqm"]["point"]) for name, score in scores.items()
        }
    elif all(isinstance(score["mean_return"]["point"], int | float) for score in scores.values()):
        metric = "mean_return"
        values = {name: float(score["mean_return"]["point"]) for name, score in scores.items()}
    elif all(score.get("multi_objective") for score in scores.values()):
        # A vector return has no single order; the fronts do, by the volume they dominate.
        metric = "hypervolume"
        values = {
            name: float(score["multi_objective"]["hypervolume"]["point"])
            for name, score in scores.items()
        }
    else:
        # Vector returns without a reference point to measure fronts from: listed, not ranked.
        metric = "unranked"
        values = dict.fromkeys(scores, 0.0)
    return metric, tuple(sorted(entries, key=lambda entry: (-values[entry["name"]], entry["name"])))


def env_rankings(entries: Iterable[EntryRecord]) -> dict[str, EnvRanking]:
    """Each env's ranking (keys: env ids, sorted): verified entries ranked, the others apart."""
    by_env: dict[str, dict[str, list[EntryRecord]]] = {}
    for entry in entries:
        status = entry["status"]
        if status not in ENTRY_STATUSES:
            raise ValueError(
                f"entry {entry['name']!r} has status {status!r}; expected one of {ENTRY_STATUSES}"
            )
        lists = by_env.setdefault(entry["env_id"], {key: [] for key in ENTRY_STATUSES})
        lists[status].append(entry)
    rankings = {}
    for env_id in sorted(by_env):
        lists = by_env[env_id]
        metric, verified = _rank_verified(lists["verified"])

        def by_name(group: list[EntryRecord]) -> tuple[EntryRecord, ...]:
            return tuple(sorted(group, key=lambda entry: entry["name"]))

        rankings[env_id] = EnvRanking(
            env_id=env_id,
            ranked_by=metric,
            verified=verified,
            unverified=by_name(lists["unverified"]),
            disputed=by_name(lists["disputed"]),
            self_reported=by_name(lists["self-reported"]),
        )
    return rankings


def algorithm_label(entry: EntryRecord) -> str:
    """The name an entry's algorithm is aggregated under across the envs of a family.

    Reference agents go by their role on the env's card, so that each env's own expert counts as
    one algorithm: the card's expert agent is ``"expert"``, the random agent ``"random"``, any
    other reference agent its agent name. SB3 entries are ``"<algo> (sb3)"``; custom entries
    ``"<name> (custom)"``, a label they never rank under (the board cannot re-run them).
    """
    algorithm = entry["algorithm"]
    kind = algorithm["kind"]
    if kind == "reference":
        agent = algorithm.get("agent") or algorithm["name"]
        if agent == env_card(entry["env_id"]).expert_agent:
            return "expert"
        return "random" if agent == "random" else str(agent)
    return f"{algorithm['name']} ({kind})"


def has_usable_references(env_id: str) -> bool:
    """Whether ``env_id``'s card has reference scores that define a normalised score."""
    references = env_card(env_id).references
    return references is not None and references.usable


def family_env_ids(family: str) -> tuple[str, ...]:
    """The envs a family ranking aggregates over: single-agent, with usable references."""
    return tuple(
        env_id
        for env_id in list_envs(family=family, multi_agent=False)
        if has_usable_references(env_id)
    )


def _profile_thresholds(matrices: Iterable[np.ndarray]) -> np.ndarray:
    # From 0 (random) to the expert's 100, or further when some run beat the expert, rounded up
    # to a multiple of 10 so the axis reads well.
    highest = max((float(matrix.max()) for matrix in matrices), default=100.0)
    # (The tolerance keeps an expert's 100.00000000000001 from adding a needless 10.)
    upper = max(100.0, 10.0 * math.ceil(highest / 10.0 - 1e-9))
    return np.linspace(0.0, upper, PROFILE_POINTS)


def _exclusion_reason(custom: bool, missing_env_ids: Sequence[str]) -> str:
    if custom:
        return "custom code, which the board cannot re-run: self-reported, never aggregated"
    if not missing_env_ids:
        return "the family has no env with usable reference scores to aggregate over"
    names = ", ".join(env_id.split("/", 1)[-1] for env_id in missing_env_ids)
    return f"no verified entry on {names}"


def family_rankings(
    entries: Iterable[EntryRecord],
    reps: int = FAMILY_BOOTSTRAP_REPS,
    seed: int = 0,
) -> dict[str, FamilyRanking]:
    """Each family's aggregated ranking (keys: family names, sorted).

    A family appears when it has entries on the board or envs to aggregate over. See the module
    docstring for which algorithms are aggregated and how.
    """
    entries = list(entries)
    rankings_by_env = env_rankings(entries)
    families = {entry["family"] for entry in entries}
    families |= {env_card(env_id).family for env_id in list_envs(multi_agent=False)}
    result = {}
    for family in sorted(families):
        env_ids = family_env_ids(family)
        family_entries = [entry for entry in entries if entry["family"] == family]
        if not env_ids and not family_entries:
            continue
        labels = {algorithm_label(entry) for entry in family_entries}
        custom_labels = {
            algorithm_label(entry)
            for entry in family_entries
            if entry["algorithm"]["kind"] == "custom"
        }
        # The best verified entry of each label on each env: the first in the env's ranking.
        best: dict[str, dict[str, EntryRecord]] = {label: {} for label in labels}
        for env_id in env_ids:
            ranking = rankings_by_env.get(env_id)
            for entry in ranking.verified if ranking else ():
                if _normalised_iqm_point(_verified_scores(entry)) is not None:
                    best.setdefault(algorithm_label(entry), {}).setdefault(env_id, entry)
        matrices: dict[str, np.ndarray] = {}
        chosen: dict[str, tuple[str, ...]] = {}
        excluded = []
        for label in sorted(best):
            missing = [env_id for env_id in env_ids if env_id not in best[label]]
            custom = label in custom_labels
            if missing or not env_ids or custom:
                reason = _exclusion_reason(custom, missing)
                excluded.append(ExcludedAlgorithm(label, tuple(missing), reason))
                continue
            per_env = [
                _verified_scores(best[label][env_id])["normalised"]["per_seed"]
                for env_id in env_ids
            ]
            runs = min(len(per_seed) for per_seed in per_env)
            matrices[label] = np.array([per_seed[:runs] for per_seed in per_env], dtype=float).T
            chosen[label] = tuple(best[label][env_id]["name"] for env_id in env_ids)
        ranked: list[AlgorithmAggregate] = []
        profiles: dict[str, tuple[IntervalEstimate, ...]] = {}
        thresholds = np.array([])
        if matrices:
            aggregates = aggregate_scores(matrices, reps=reps, seed=seed)
            thresholds = _profile_thresholds(matrices.values())
            profile = performance_profile(matrices, thresholds, reps=reps, seed=seed)
            profiles = {label: tuple(profile[label]) for label in matrices}
            ranked = [
                AlgorithmAggregate(
                    label=label,
                    entry_names=chosen[label],
                    runs_per_env=matrix.shape[0],
                    normalised_scores=tuple(tuple(float(v) for v in row) for row in matrix),
                    iqm=aggregates[label]["iqm"],
                    mean=aggregates[label]["mean"],
                    median=aggregates[label]["median"],
                    optimality_gap=aggregates[label]["optimality_gap"],
                )
                for label, matrix in matrices.items()
            ]
            ranked.sort(key=lambda aggregate: (-aggregate.iqm.point, aggregate.label))
        result[family] = FamilyRanking(
            family=family,
            env_ids=env_ids,
            ranked=tuple(ranked),
            excluded=tuple(excluded),
            profile_thresholds=tuple(float(tau) for tau in thresholds),
            profiles=profiles,
        )
    return result
