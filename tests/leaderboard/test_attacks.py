"""The board against an attacker: nothing runs, nothing leaks in, fabricated returns never rank."""

from __future__ import annotations

import copy
import hashlib
import json
import shutil
from pathlib import Path
from typing import Any

import pytest

from rlbench_suite.leaderboard.evaluation import evaluate_entry
from rlbench_suite.leaderboard.store import Board
from rlbench_suite.leaderboard.submission import SubmissionError, write_submission
from tests.leaderboard.attacks import (
    ATTACKS,
    DUPLICATES,
    SENTINEL,
    ppo_with_model,
    random_cartpole,
    redigest,
    serialized,
    set_returns,
    with_data_entry,
)


def tree_snapshot(root: Path) -> dict[str, str]:
    """Every file under ``root`` by relative path, with the sha256 of its bytes."""
    return {
        str(path.relative_to(root)): hashlib.sha256(path.read_bytes()).hexdigest()
        for path in sorted(root.rglob("*"))
        if path.is_file() and not path.is_symlink() and path.name != "board.lock"
    }


@pytest.fixture(scope="module")
def genuine() -> dict[str, Any]:
    """The random CartPole reference submission the duplicate attacks start from."""
    return random_cartpole()


@pytest.fixture
def board(tmp_path: Path, genuine: dict[str, Any]) -> Board:
    """A board holding one genuine entry."""
    board = Board.create(tmp_path / "board")
    board.submit(write_submission(genuine, tmp_path / "genuine.json"))
    return board


# torch names the protocol of the pickle it refuses to load; the refusal is what is tested.
@pytest.mark.filterwarnings("ignore:Detected pickle protocol:UserWarning")
@pytest.mark.parametrize("attack", ATTACKS, ids=[attack.name for attack in ATTACKS])
def test_attack_is_refused_and_the_board_is_unchanged(
    attack: Any, tmp_path: Path, board: Board
) -> None:
    """Each hostile submission is refused with its reason; the board stays byte-identical."""
    folder = tmp_path / "attack"
    folder.mkdir()
    path = attack.build(folder)
    before = tree_snapshot(board.root)
    with pytest.raises(SubmissionError) as caught:
        board.submit(path)
    assert attack.refusal in str(caught.value), str(caught.value)
    assert tree_snapshot(board.root) == before
    assert not (folder / SENTINEL).exists(), "a payload ran"


@pytest.mark.parametrize("disguise", sorted(DUPLICATES))
def test_the_same_returns_dressed_differently_are_a_duplicate(
    disguise: str, tmp_path: Path, board: Board, genuine: dict[str, Any]
) -> None:
    """Renamed, relabelled, reordered or re-versioned copies of a result are refused."""
    copied = copy.deepcopy(genuine)
    DUPLICATES[disguise](copied)
    before = tree_snapshot(board.root)
    with pytest.raises(SubmissionError, match="same returns from the same agent"):
        board.submit(write_submission(redigest(copied), tmp_path / "copy.json"))
    assert tree_snapshot(board.root) == before


def test_a_payload_in_an_entry_the_loader_rebuilds_is_never_decoded(tmp_path: Path) -> None:
    """A pickle hidden in 'policy_class' is inert: the model verifies from the board's own copy,
    on episode seeds the board drew, and the payload never runs."""
    folder = tmp_path / "attack"
    folder.mkdir()
    hidden = {**serialized(folder), "__module__": "stable_baselines3.common.policies"}
    path = ppo_with_model(folder, with_data_entry("policy_class", hidden), name="inert")
    submission = json.loads(path.read_text())
    for run in submission["runs"]:  # ten episodes a run keep this test short
        run["returns"], run["episode_seeds"] = run["returns"][:10], run["episode_seeds"][:10]
    path = write_submission(redigest(submission), path)
    board = Board.create(tmp_path / "board")
    board.submit(path)
    models = {seed: (folder / f"seed_{seed}/model.zip").read_bytes() for seed in (0, 1, 2)}
    shutil.rmtree(folder)  # the board re-runs its own copies
    for seed, model in models.items():
        assert (board.entry_dir("inert") / f"seed_{seed}/model.zip").read_bytes() == model
    entry = evaluate_entry(board, "inert")
    assert entry["status"] == "verified"
    assert {check["verdict"] for check in entry["evaluation"]["claim_check"]} == {"exact"}
    board_seeds = {seed for run in entry["evaluation"]["runs"] for seed in run["episode_seeds"]}
    claimed_seeds = {seed for run in submission["runs"] for seed in run["episode_seeds"]}
    assert not board_seeds & claimed_seeds
    assert not (folder / SENTINEL).exists()


def test_a_random_agent_claiming_200_on_cartpole_is_disputed_and_ranked_by_its_real_return(
    tmp_path: Path,
) -> None:
    """Invented returns are compared, never ranked: the board's own mean is random's ~22."""
    from rlbench_suite.leaderboard.rankings import env_rankings

    boast = random_cartpole()
    set_returns(200.0)(boast)
    board = Board.create(tmp_path / "board")
    board.submit(write_submission(redigest(boast), tmp_path / "boast.json"))
    entry = evaluate_entry(board, "attack", seed=0)
    assert entry["status"] == "disputed"
    assert {check["verdict"] for check in entry["evaluation"]["claim_check"]} == {"disagrees"}
    assert entry["evaluation"]["scores"]["mean_return"]["point"] < 40
    ranking = env_rankings(board.entries())["rlbench/CartPole-v1"]
    assert ranking.verified == () and [e["name"] for e in ranking.disputed] == ["attack"]


def test_an_invented_spread_does_not_buy_a_within_ci_verdict(tmp_path: Path) -> None:
    """Claimed returns with a huge invented spread around a high mean still disagree."""
    boast = random_cartpole()
    for run in boast["runs"]:
        run["returns"] = [1.0, 500.0] * (len(run["returns"]) // 2)
    board = Board.create(tmp_path / "board")
    board.submit(write_submission(redigest(boast), tmp_path / "boast.json"))
    assert evaluate_entry(board, "attack", seed=0)["status"] == "disputed"


def test_custom_code_is_self_reported_and_never_re_run(tmp_path: Path) -> None:
    """A custom submission lands as self-reported; asking the board to re-run it is refused."""
    from rlbench_suite.leaderboard.store import BoardError

    custom = random_cartpole()
    custom["algorithm"] = {**custom["algorithm"], "kind": "custom", "name": "mine"}
    custom["algorithm"].pop("agent")
    board = Board.create(tmp_path / "board")
    entry = board.submit(write_submission(redigest(custom), tmp_path / "custom.json"))
    assert entry["status"] == "self-reported" and entry["evaluation"] is None
    with pytest.raises(BoardError, match="cannot be re-run"):
        evaluate_entry(board, "attack")


def test_a_full_board_takes_no_more_submissions(tmp_path: Path, board: Board) -> None:
    """At the entry cap, a submit is refused without touching the board."""
    from rlbench_suite.leaderboard import store

    marker = json.loads(board.marker.read_text())
    marker["entries"] = store.MAX_ENTRIES
    board.marker.write_text(json.dumps(marker))
    before = tree_snapshot(board.root)
    other = random_cartpole()
    set_returns(30.0)(other)
    with pytest.raises(SubmissionError, match="full at 10,000 entries"):
        board.submit(write_submission(redigest({**other, "name": "more"}), tmp_path / "m.json"))
    assert tree_snapshot(board.root) == before


def test_submit_reads_nothing_of_the_entries_already_there(
    tmp_path: Path, board: Board, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A submit never reads another entry's files, so its cost does not grow with the board."""
    read: list[str] = []
    real_read_entry = Board.read_entry

    def spy(self: Board, name: str) -> dict[str, Any]:
        read.append(name)
        return real_read_entry(self, name)

    monkeypatch.setattr(Board, "read_entry", spy)
    other = random_cartpole()
    set_returns(30.0)(other)
    board.submit(write_submission(redigest({**other, "name": "fresh"}), tmp_path / "f.json"))
    assert read == []


def test_a_staging_folder_left_by_a_killed_submit_is_cleared(tmp_path: Path, board: Board) -> None:
    """A submit killed mid-copy leaves a hidden folder that is not an entry and is swept later."""
    stale = board.submissions / ".staging-deadbeef"
    stale.mkdir()
    (stale / "submission.json").write_text("{}")
    assert board.names() == ["attack"]
    other = random_cartpole()
    set_returns(30.0)(other)
    board.submit(write_submission(redigest({**other, "name": "later"}), tmp_path / "l.json"))
    assert not stale.exists() and board.names() == ["attack", "later"]


def test_submit_does_not_create_a_board_unless_asked(tmp_path: Path) -> None:
    """Submitting to a folder without a board is refused with the --new-board hint."""
    from rlbench_suite.leaderboard.store import BoardError

    with pytest.raises(BoardError, match="--new-board"):
        Board.open(tmp_path / "nowhere")
    assert not (tmp_path / "nowhere").exists()
