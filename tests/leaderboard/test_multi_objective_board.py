"""Multi-objective and multi-agent results on the board: checked, re-run, ranked, drawn."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from rlbench_suite.baselines.benchmark import submission_from_evaluation
from rlbench_suite.leaderboard import Board, SubmissionError, write_submission
from rlbench_suite.leaderboard.evaluation import Played, check_board, compare_run, evaluate_entry
from rlbench_suite.leaderboard.fronts import equally_spaced_weights, front_scores
from rlbench_suite.leaderboard.rankings import env_rankings
from rlbench_suite.leaderboard.render import render_board
from rlbench_suite.leaderboard.store import new_entry
from rlbench_suite.leaderboard.submission import check_submission, compute_digest
from rlbench_suite.scoring import evaluate

MULTI_QUAD = "rlbench/MultiQuadHover-v0"


def _redigested(submission: dict[str, Any]) -> dict[str, Any]:
    submission["digest"] = compute_digest(submission)
    return submission


def _problems(submission: dict[str, Any]) -> list[str]:
    with pytest.raises(SubmissionError) as caught:
        check_submission(submission)
    return caught.value.problems


def _reference(env_id: str, agent: str = "random", episodes: int = 30) -> dict[str, Any]:
    return submission_from_evaluation(evaluate(agent, env_id, n_episodes=episodes))


def _board_with(tmp_path: Path, *submissions: dict[str, Any]) -> Board:
    board = Board.create(tmp_path / "board")
    for index, submission in enumerate(submissions):
        path = write_submission(submission, tmp_path / f"submission_{index}.json")
        board.submit(path)
    return board


# -- fronts ------------------------------------------------------------------------------------


def test_equally_spaced_weights_cover_the_simplex_lattice() -> None:
    """Two objectives get 21 weights in steps of 0.05, three get 91; every row sums to 1."""
    two, three = equally_spaced_weights(2), equally_spaced_weights(3)
    assert two.shape == (21, 2) and three.shape == (91, 3)
    assert two[1].tolist() == pytest.approx([0.05, 0.95])
    assert np.allclose(three.sum(axis=1), 1.0)
    with pytest.raises(ValueError, match="at least 2 objectives"):
        equally_spaced_weights(1)


def test_front_scores_give_hypervolume_utility_and_reproducible_intervals() -> None:
    """Two runs at (1, 3) and (3, 1) dominate 5 above (0, 0); EU over 21 weights is 2.5."""
    rng = np.random.default_rng(0)
    runs = [
        np.array([1.0, 3.0]) + 0.1 * rng.standard_normal((10, 2)),
        np.array([3.0, 1.0]) + 0.1 * rng.standard_normal((10, 2)),
    ]
    exact = front_scores([np.array([[1.0, 3.0]] * 10), np.array([[3.0, 1.0]] * 10)], [0.0, 0.0])
    assert exact["hypervolume"] == {"point": 5.0, "low": 5.0, "high": 5.0}
    weights = equally_spaced_weights(2)
    expected_eu = np.mean(np.maximum(weights @ [1.0, 3.0], weights @ [3.0, 1.0]))
    assert exact["expected_utility"]["point"] == pytest.approx(expected_eu)
    noisy = front_scores(runs, [0.0, 0.0])
    assert noisy == front_scores(runs, [0.0, 0.0]), "a fixed bootstrap seed: same intervals"
    hypervolume = noisy["hypervolume"]
    assert hypervolume["low"] < hypervolume["point"] < hypervolume["high"]
    assert 4.5 < hypervolume["point"] < 5.5 and noisy["cardinality"] == 2


# -- single-agent multi-objective ----------------------------------------------------------------


def test_a_multi_objective_submission_is_scored_by_its_front(two_goals) -> None:
    """Vector returns give a front with hypervolume and expected utility from the card."""
    single, _ = two_goals
    submission = _reference(single)
    check_submission(submission)
    scores = new_entry(submission)["claimed"]
    front = scores["multi_objective"]
    assert front["objectives"] == ["first", "second"] and front["reference_point"] == [-1, -1]
    assert len(front["points"]) == 3 and front["weights"] == 21
    # Every return lies on a + b = 5, so every run mean does too.
    assert all(sum(point) == pytest.approx(5.0) for point in front["points"])
    assert front["hypervolume"]["point"] > 12.0  # (2.5 + 1)^2 = 12.25 for one point at the middle
    assert scores["normalised"] is None


def test_vector_returns_outside_an_objectives_bounds_or_of_the_wrong_length_are_refused(
    two_goals,
) -> None:
    """A return beyond an objective's bounds, or with a missing objective, is named and refused."""
    single, _ = two_goals
    submission = _reference(single)
    short = copy.deepcopy(submission)
    submission["runs"][0]["returns"][2] = [6.0, -1.0]
    submission["runs"][1]["returns"][0] = [1.0, 2.0, 3.0]
    problems = _problems(_redigested(submission))
    assert any(
        problem.startswith("/runs/0/returns/2: first = 6.0 is outside") for problem in problems
    )
    assert any("second = -1.0 is outside" in problem for problem in problems)
    assert any(
        problem.startswith("/runs/1/returns/0") and "a list of 2 numbers" in problem
        for problem in problems
    )
    short["runs"][1]["returns"][0] = [1.0]
    (problem,) = _problems(_redigested(short))
    assert problem.startswith("/runs/1/returns/0: expected a number or a list of numbers")


def test_the_board_reruns_multi_objective_entries_and_ranks_them_by_hypervolume(
    tmp_path: Path, two_goals
) -> None:
    """Re-run entries are verified, keep their fronts, and rank by hypervolume; check is clean."""
    single, _ = two_goals
    board = _board_with(tmp_path, _reference(single))
    entry = evaluate_entry(board, "random.TestTwoGoals-v0", seed=123)
    assert entry["status"] == "verified"
    scores = entry["evaluation"]["scores"]
    assert scores["multi_objective"]["hypervolume"]["point"] > 12.0
    assert check_board(board) == []
    ranking = env_rankings(board.entries())[single]
    assert ranking.ranked_by == "hypervolume" and len(ranking.verified) == 1


def test_larger_hypervolume_ranks_first(two_goals) -> None:
    """Of two verified entries, the front dominating more volume is ranked first."""
    single, _ = two_goals
    entries = []
    for name, point in (("narrow", [1.0, 1.0]), ("wide", [2.5, 2.5])):
        runs = [{"returns": [point] * 10} for _ in range(3)]
        from rlbench_suite.leaderboard.store import score_runs

        entries.append(
            {
                "name": name,
                "env_id": single,
                "status": "verified",
                "evaluation": {"scores": score_runs(single, runs)},
            }
        )
    ranking = env_rankings(entries)[single]
    assert [entry["name"] for entry in ranking.verified] == ["wide", "narrow"]


# -- multi-agent -------------------------------------------------------------------------------


def test_multi_agent_submissions_hold_each_agents_returns_summing_to_the_team(tmp_path) -> None:
    """MultiQuadHover's random entry is accepted, re-run, verified, with per-agent means."""
    submission = _reference(MULTI_QUAD, episodes=30)
    assert set(submission["runs"][0]["agent_returns"][0]) == {"drone_0", "drone_1"}
    board = _board_with(tmp_path, submission)
    entry = evaluate_entry(board, "random.MultiQuadHover-v0", seed=7)
    assert entry["status"] == "verified"
    scores = entry["evaluation"]["scores"]
    assert set(scores["agent_mean_return"]) == {"drone_0", "drone_1"}
    drones = sum(scores["agent_mean_return"][name]["point"] for name in ("drone_0", "drone_1"))
    assert drones == pytest.approx(scores["mean_return"]["point"])
    assert all("agent_returns" in run for run in entry["evaluation"]["runs"])
    assert check_board(board) == []


def test_multi_agent_returns_missing_inconsistent_or_impossible_are_refused() -> None:
    """No per-agent returns, a team return that is not their sum, or one past 480 is refused."""
    submission = _reference(MULTI_QUAD, episodes=30)
    tampered = copy.deepcopy(submission)
    del tampered["runs"][0]["agent_returns"]
    tampered["runs"][1]["agent_returns"][0]["drone_0"] += 1.0
    tampered["runs"][2]["agent_returns"][0]["drone_1"] = 500.0
    problems = _problems(_redigested(tampered))
    assert any(
        p.startswith("/runs/0/agent_returns: rlbench/MultiQuadHover-v0 is multi-agent")
        for p in problems
    )
    assert any(p.startswith("/runs/1/returns/0: the team return") for p in problems)
    assert any(
        p.startswith("/runs/2/agent_returns/0/drone_1: reward = 500.0 is outside") for p in problems
    )
    single = copy.deepcopy(_reference("rlbench/MultiQuadHoverCentral-v0", episodes=30))
    single["runs"][0]["agent_returns"] = [{"drone_0": 1.0}] * 10
    assert any("is single-agent; drop agent_returns" in p for p in _problems(_redigested(single)))


def test_a_claim_whose_agent_returns_disagree_is_disputed_even_if_the_team_matches() -> None:
    """Swapping two drones' returns keeps the team's sum but the claim check disagrees."""
    measured = Played([10.0] * 10, [{"drone_0": 3.0, "drone_1": 7.0}] * 10)
    swapped = {"returns": [10.0] * 10, "agent_returns": [{"drone_0": 7.0, "drone_1": 3.0}] * 10}
    faithful = {"returns": [10.0] * 10, "agent_returns": [{"drone_0": 3.0, "drone_1": 7.0}] * 10}
    assert compare_run(0, faithful, measured).verdict == "exact"
    check = compare_run(0, swapped, measured)
    assert check.verdict == "disagrees" and check.max_abs_difference == pytest.approx(4.0)


def test_pid_on_the_parallel_env_flies_as_on_the_centralised_twin() -> None:
    """The per-drone PID earns on MultiQuadHover exactly the twin's PID return, seed by seed."""
    parallel = evaluate("pid", MULTI_QUAD, n_episodes=2)
    twin = evaluate("pid", "rlbench/MultiQuadHoverCentral-v0", n_episodes=2)
    assert parallel.returns == pytest.approx(twin.returns, rel=1e-12)  # summed in another order
    assert parallel.returns.min() > 900


def test_team_multi_objective_fronts_are_per_agent(two_goals) -> None:
    """On a multi-agent MO id the front is the team return over the number of agents."""
    _, team = two_goals
    submission = _reference(team)
    check_submission(submission)
    front = new_entry(submission)["claimed"]["multi_objective"]
    assert front["per"] == "agent"
    assert all(sum(point) == pytest.approx(5.0) for point in front["points"])


# -- the page ----------------------------------------------------------------------------------


def test_the_page_draws_fronts_and_lists_per_agent_returns(tmp_path: Path, two_goals) -> None:
    """An MO env page has hypervolume columns and a front plot; MultiQuadHover lists drones."""
    single, _ = two_goals
    board = _board_with(tmp_path, _reference(single), _reference(MULTI_QUAD))
    for name in board.names():
        evaluate_entry(board, name, seed=11)
    site = tmp_path / "site"
    render_board(board.entries(), site)
    page = (site / "envs" / "TestTwoGoals-v0.html").read_text()
    assert "hypervolume [95% CI]" in page and "expected utility [95% CI]" in page
    assert "entries are ranked by hypervolume" in page
    assert "ranked by mean return" not in page
    assert (site / "plots" / "TestTwoGoals-v0-front.png").stat().st_size > 1000
    assert 'src="../plots/TestTwoGoals-v0-front.png"' in page
    hover = (site / "envs" / "MultiQuadHover-v0.html").read_text()
    assert "per-agent mean return" in hover and "drone_0" in hover and "drone_1" in hover


# -- references ----------------------------------------------------------------------------------


def test_multi_objective_references_store_mean_vectors_and_catch_drift(two_goals) -> None:
    """References of an MO env are mean vectors with CIs per agent, read back; drift is named."""
    from rlbench_suite.scoring.references import (
        MultiObjectiveReferences,
        measure_mo_references,
        mo_reference_drift,
    )

    single, _ = two_goals
    measured = measure_mo_references(single, episodes=20)
    mean, ci95 = measured.agents["random"]
    assert sum(mean) == pytest.approx(5.0) and all(width > 0 for width in ci95)
    assert measured.objectives == ("first", "second")
    stored = MultiObjectiveReferences.from_json(measured.to_json())
    assert stored == measured and mo_reference_drift(stored, measured) == []
    shifted = MultiObjectiveReferences.from_json(
        {**measured.to_json(), "agents": {"random": {"mean": [0.0, 5.0], "ci95": [0.1, 0.1]}}}
    )
    (problem,) = [p for p in mo_reference_drift(shifted, measured) if p.startswith("random first")]
    assert problem.startswith("random first: stored 0.0000 +- 0.1000, measured")
    with pytest.raises(ValueError, match="has one objective"):
        measure_mo_references("rlbench/CartPole-v1", episodes=1)


def test_benchmark_fronts_score_the_reference_agents_front(two_goals) -> None:
    """`rlbench benchmark` scores an MO env's agents as one front, each agent a point."""
    from rlbench_suite.baselines.reference import run_reference_benchmark
    from rlbench_suite.cli.evaluation import benchmark_fronts

    single, team = two_goals
    fronts = benchmark_fronts(run_reference_benchmark([single, team], None, 10, 0))
    assert set(fronts) == {single, team}
    assert fronts[single]["agents"] == ["random"] and fronts[single]["weights"] == 21
    assert fronts[team]["hypervolume"]["point"] > 12.0  # per agent: near (2.5, 2.5) above -1
