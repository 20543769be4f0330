"""The board in the repo: every entry re-checks, re-scores and re-runs to the same returns."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

import rlbench_suite
from rlbench_suite.leaderboard.board import read_board, resubmit_board
from rlbench_suite.leaderboard.submission import load_submission
from rlbench_suite.leaderboard.verify import verify_submission

LEADERBOARD = Path(__file__).resolve().parents[2] / "leaderboard"
BOARD = read_board(LEADERBOARD / "board.json")
ENTRY_NAMES = [entry["name"] for entry in BOARD["entries"]]
#: Seconds-cheap entries re-run on every test run: a reference agent from each of two
#: families and an SB3 model; the slow test re-runs them all.
CHEAP_ENTRIES = ("balance.CartPole-v1", "whittle.RMAB-TwoState-v0", "ppo.CartPole-v1")
SB3_ENVS = ("rlbench/CartPole-v1", "rlbench/RMAB-TwoState-v0", "rlbench/QuadHover-v0")


def submission_file(name: str) -> Path:
    """Where an entry's submission (and its models) lives in the checkout."""
    return LEADERBOARD / "submissions" / name / "submission.json"


def test_shipped_board_rechecks_and_rescores_without_a_problem() -> None:
    """Every entry passes today's checks and its stored scores equal the recomputed ones.

    This also catches reference scores rewritten without re-seeding the board.
    """
    assert BOARD["entries"], "the shipped board is empty"
    assert resubmit_board(BOARD) == []


def test_every_entry_has_its_submission_and_models_in_the_checkout() -> None:
    """Each entry's submission file is in leaderboard/submissions/<name>/, digest for digest."""
    on_disk = sorted(path.parent.name for path in LEADERBOARD.glob("submissions/*/submission.json"))
    assert on_disk == sorted(ENTRY_NAMES)
    for entry in BOARD["entries"]:
        # load_submission checks the schema, the digest and every model file's sha256.
        assert load_submission(submission_file(entry["name"]))["digest"] == entry["digest"]


def test_board_holds_random_and_expert_on_every_scored_env_and_ppo_on_three_families() -> None:
    """Each single-agent env with reference scores has its random and expert entries."""
    names = set(ENTRY_NAMES)
    for env_id in rlbench_suite.list_envs(multi_agent=False):
        card = rlbench_suite.env_card(env_id)
        if card.references is None:
            continue
        short = env_id.split("/")[1]
        assert {f"random.{short}", f"{card.expert_agent}.{short}"} <= names, env_id
    ppo = {entry["env_id"] for entry in BOARD["entries"] if entry["algorithm"]["kind"] == "sb3"}
    assert ppo == set(SB3_ENVS)
    assert len({rlbench_suite.env_card(env_id).family for env_id in ppo}) == 3


def test_entries_rank_the_expert_above_random() -> None:
    """Within each env the expert's normalised IQM beats random's, as the references say."""
    by_name = {entry["name"]: entry for entry in BOARD["entries"]}
    for entry in BOARD["entries"]:
        if not entry["name"].startswith("random."):
            continue
        card = rlbench_suite.env_card(entry["env_id"])
        expert = by_name[f"{card.expert_agent}.{entry['env_id'].split('/')[1]}"]
        iqm = {
            name: by_name[name]["scores"]["normalised"]["iqm"]["point"]
            for name in (entry["name"], expert["name"])
        }
        assert iqm[expert["name"]] > iqm[entry["name"]], iqm


def _verify_exactly(name: str) -> None:
    verification = verify_submission(submission_file(name))
    assert [run.verdict for run in verification.runs] == ["exact"] * len(verification.runs), (
        verification
    )


@pytest.mark.parametrize("name", CHEAP_ENTRIES)
def test_cheap_entries_reproduce_their_returns_exactly(name: str) -> None:
    """Re-running the named agent or the stored PPO models gives the submitted returns."""
    _verify_exactly(name)


def _needs_engine(name: str) -> bool:
    env_id = next(entry["env_id"] for entry in BOARD["entries"] if entry["name"] == name)
    return env_id in ("rlbench/Chess-v0", "rlbench/Endgames-v0")


@pytest.mark.slow
@pytest.mark.parametrize("name", ENTRY_NAMES)
def test_every_entry_reproduces_its_returns_exactly(name: str) -> None:
    """`rlbench leaderboard verify` agrees exactly on every entry of the shipped board."""
    if _needs_engine(name):
        from rlbench_suite.envs.language.chess_env import find_stockfish

        if importlib.util.find_spec("chess") is None:
            pytest.skip("python-chess is not installed")
        try:
            find_stockfish()
        except FileNotFoundError as error:
            pytest.skip(str(error))
    _verify_exactly(name)
