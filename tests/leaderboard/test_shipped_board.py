"""The board in the repo: every entry verified by the board's own re-run, and replayable."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

import rlbench_suite
from rlbench_suite.leaderboard.evaluation import check_board, rerun_matches
from rlbench_suite.leaderboard.rankings import env_rankings
from rlbench_suite.leaderboard.store import Board

LEADERBOARD = Path(__file__).resolve().parents[2] / "leaderboard"
BOARD = Board.open(LEADERBOARD)
ENTRIES = {entry["name"]: entry for entry in BOARD.entries()}
#: Seconds-cheap entries replayed on every test run: a reference agent from each of two
#: families and an SB3 model; the slow test replays them all.
CHEAP_ENTRIES = ("balance.CartPole-v1", "whittle.RMAB-TwoState-v0", "ppo.CartPole-v1")
#: PPO on one env of three families, and TD3 (Learning to Fly's algorithm) on QuadL2F-v1.
SB3_ENVS = (
    "rlbench/CartPole-v1",
    "rlbench/RMAB-TwoState-v0",
    "rlbench/QuadHover-v0",
    "rlbench/QuadL2F-v1",
)


def test_shipped_board_rechecks_and_rescores_without_a_problem() -> None:
    """Every entry passes today's checks and its stored scores equal the recomputed ones.

    This also catches reference scores rewritten without re-evaluating the board.
    """
    assert ENTRIES, "the shipped board is empty"
    assert check_board(BOARD) == []


def test_every_entry_was_re_run_by_the_board_and_its_claim_holds() -> None:
    """No entry is unverified or disputed: each was replayed exactly and ranked on new seeds."""
    assert {entry["status"] for entry in ENTRIES.values()} == {"verified"}
    for entry in ENTRIES.values():
        checks = entry["evaluation"]["claim_check"]
        assert {check["verdict"] for check in checks} == {"exact"}, entry["name"]


def test_board_holds_random_and_expert_on_every_scored_env_and_sb3_on_three_families() -> None:
    """Each single-agent env with reference scores has its random and expert entries."""
    for env_id in rlbench_suite.list_envs(multi_agent=False):
        card = rlbench_suite.env_card(env_id)
        if card.references is None:
            continue
        short = env_id.split("/")[1]
        assert {f"random.{short}", f"{card.expert_agent}.{short}"} <= set(ENTRIES), env_id
    trained = {entry["env_id"] for entry in ENTRIES.values() if entry["algorithm"]["kind"] == "sb3"}
    assert set(SB3_ENVS) <= trained  # the seed sweep's, and whatever was trained since
    assert len({rlbench_suite.env_card(env_id).family for env_id in trained}) >= 3


def test_each_env_ranks_its_expert_above_random_on_the_boards_own_returns() -> None:
    """Within each env the verified ranking puts the expert ahead of random."""
    for env_id, ranking in env_rankings(ENTRIES.values()).items():
        card = rlbench_suite.env_card(env_id)
        order = [entry["name"] for entry in ranking.verified]
        short = env_id.split("/")[1]
        expert, random = f"{card.expert_agent}.{short}", f"random.{short}"
        if card.references is not None and expert in order and random in order:
            assert order.index(expert) < order.index(random), order


def test_multiquadhover_is_on_the_board_with_each_drones_returns() -> None:
    """The per-drone PID outranks random on MultiQuadHover, both with per-agent returns."""
    ranking = env_rankings(ENTRIES.values())["rlbench/MultiQuadHover-v0"]
    assert ranking.ranked_by == "mean_return"
    order = [entry["name"] for entry in ranking.verified]
    assert order.index("pid.MultiQuadHover-v0") < order.index("random.MultiQuadHover-v0")
    for entry in ranking.verified:
        assert set(entry["evaluation"]["scores"]["agent_mean_return"]) == {"drone_0", "drone_1"}


@pytest.mark.parametrize("name", CHEAP_ENTRIES)
def test_cheap_entries_replay_the_boards_returns_exactly(name: str) -> None:
    """The named agent or the stored PPO models replay the board's returns on its seeds."""
    assert rerun_matches(BOARD, name) == []


def _needs_engine(name: str) -> bool:
    return ENTRIES[name]["env_id"] in ("rlbench/Chess-v0", "rlbench/Endgames-v0")


@pytest.mark.slow
@pytest.mark.parametrize("name", sorted(ENTRIES))
def test_every_entry_replays_the_boards_returns_exactly(name: str) -> None:
    """`rlbench leaderboard check --rerun` agrees exactly on every entry of the shipped board."""
    if _needs_engine(name):
        from rlbench_suite.envs.language.chess_env import find_stockfish

        if importlib.util.find_spec("chess") is None:
            pytest.skip("python-chess is not installed")
        try:
            find_stockfish()
        except FileNotFoundError as error:
            pytest.skip(str(error))
    assert rerun_matches(BOARD, name) == []
