"""Submitting: what the board accepts, what it refuses and why, and that it never loses data."""

from __future__ import annotations

import copy
import json
import multiprocessing
import os
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from rlbench_suite.leaderboard.store import Board, BoardError
from rlbench_suite.leaderboard.submission import (
    MAX_SUBMISSION_BYTES,
    SubmissionError,
    compute_digest,
    write_submission,
)

Mutation = Callable[[dict[str, Any]], Any]


def redigest(submission: dict[str, Any]) -> dict[str, Any]:
    """``submission`` with its digest recomputed, so only the intended flaw remains."""
    fixed = copy.deepcopy(submission)
    fixed["digest"] = compute_digest(fixed)
    return fixed


def _set(path: str, value: Any) -> Mutation:
    """A mutation setting the field at ``path`` (keys and list indices, '/'-separated)."""

    def mutate(submission: dict[str, Any]) -> None:
        *parents, last = path.split("/")
        target: Any = submission
        for key in parents:
            target = target[int(key)] if isinstance(target, list) else target[key]
        if isinstance(target, list):
            target[int(last)] = value
        else:
            target[last] = value

    return mutate


def _delete(key: str) -> Mutation:
    return lambda submission: submission.pop(key)


def _drop_episodes(submission: dict[str, Any]) -> None:
    for run in submission["runs"]:
        run["returns"] = run["returns"][:5]
        run["episode_seeds"] = run["episode_seeds"][:5]


# Each kind of malformed submission and a fragment its rejection must contain. The digest is
# recomputed after the mutation (except where the digest is the flaw), so each case trips the
# check it is named after rather than the tamper check.
MALFORMED: dict[str, tuple[Mutation, str]] = {
    "missing required field": (_delete("versions"), "'versions' is a required property"),
    "unknown top-level field": (_set("score", 99), "Additional properties are not allowed"),
    "wrong format tag": (_set("format", "rlbench-submission/0"), "/format"),
    "returns not a list": (_set("runs/0/returns", "lots"), "/runs/0/returns"),
    "return is a string": (_set("runs/0/returns/3", "12.5"), "/runs/0/returns/3"),
    "negative seed": (_set("runs/1/seed", -1), "/runs/1/seed"),
    "timesteps not an integer": (_set("training/timesteps", 1.5), "/training/timesteps"),
    "bad algorithm kind": (_set("algorithm/kind", "magic"), "/algorithm/kind"),
    "unknown env": (_set("env/id", "rlbench/FlyingCar-v0"), "unknown env 'rlbench/FlyingCar-v0'"),
    "unknown version": (_set("env/id", "rlbench/RMAB-TwoState-v9"), "this suite has"),
    "env id without namespace": (_set("env/id", "CartPole-v1"), "/env/id"),
    "non-default env kwargs": (_set("env/kwargs", {"budget": 5}), "/env/kwargs: must be {}"),
    "too few seeds": (lambda s: s["runs"].pop(), "2 seed(s), at least 3 are required"),
    "too few episodes": (_drop_episodes, "5 episode(s), at least 10 per seed"),
    "repeated seed": (_set("runs/2/seed", 0), "seed 0 appears twice"),
    "seeds and returns differ in length": (
        lambda s: s["runs"][0]["episode_seeds"].pop(),
        "9 seeds for 10 returns",
    ),
    "vector return on a scalar env": (_set("runs/0/returns/0", [1.0, 2.0]), "1 objective(s)"),
    "unknown reference agent": (_set("algorithm/agent", "oracle"), "no reference agent 'oracle'"),
    "path trick in name": (_set("name", "../../etc/passwd"), "/name"),
    "slash in name": (_set("name", "a/b"), "/name"),
    "model path leaves folder": (
        _set("runs/0/model", {"path": "x/../../secret.zip", "sha256": "0" * 64}),
        "leaves the submission's folder",
    ),
    "model file missing": (
        _set("runs/0/model", {"path": "models/seed_0.zip", "sha256": "0" * 64}),
        "models/seed_0.zip: cannot open it",
    ),
}


def _board_snapshot(root: Path) -> dict[str, bytes]:
    """Every file of the board (but its lock) with its bytes."""
    return {
        str(path.relative_to(root)): path.read_bytes()
        for path in sorted(root.rglob("*"))
        if path.is_file() and path.name != "board.lock"
    }


def submit(path: Path, root: Path) -> dict[str, Any]:
    """Submit ``path`` to the board at ``root``, creating the board the first time."""
    board = Board.open(root) if (root / "board.json").exists() else Board.create(root)
    return board.submit(path)


def _names(root: Path) -> list[str]:
    return Board.open(root).names()


@pytest.fixture
def seeded_board(tmp_path: Path, whittle_submission: dict[str, Any]) -> Path:
    """A board holding the Whittle submission."""
    root = tmp_path / "board"
    submit(write_submission(whittle_submission, tmp_path / "whittle.json"), root)
    return root


@pytest.mark.parametrize("kind", sorted(MALFORMED))
def test_malformed_submission_is_refused_with_where_and_what(
    kind: str, tmp_path: Path, seeded_board: Path, whittle_submission: dict[str, Any]
) -> None:
    """Each kind of malformed file is refused, the message says where, the board is unchanged."""
    mutate, expected = MALFORMED[kind]
    broken = copy.deepcopy(whittle_submission)
    broken["name"] = "challenger"
    broken["runs"][0]["returns"][0] += 1.0  # different content, so no duplicate is involved
    mutate(broken)
    path = tmp_path / "broken.json"
    path.write_text(json.dumps(redigest(broken)))
    before = _board_snapshot(seeded_board)
    with pytest.raises(SubmissionError) as caught:
        submit(path, seeded_board)
    assert expected in str(caught.value), str(caught.value)
    assert str(path) in str(caught.value)
    assert _board_snapshot(seeded_board) == before


def _write_raw(tmp_path: Path, text: str | bytes) -> Path:
    path = tmp_path / "raw.json"
    path.write_bytes(text.encode() if isinstance(text, str) else text)
    return path


def _first_return_as(text: str, replacement: str) -> str:
    """The submission's JSON text with its first episode return replaced by ``replacement``."""
    edited, count = re.subn(r'("returns": \[\s*)[-0-9.eE+]+', rf"\g<1>{replacement}", text, count=1)
    assert count == 1
    return edited


@pytest.mark.parametrize(
    ("kind", "make", "expected"),
    [
        ("NaN return", lambda t: _first_return_as(t, "NaN"), "NaN is not a finite number"),
        ("Infinity return", lambda t: _first_return_as(t, "Infinity"), "Infinity is not"),
        ("not JSON", lambda t: t[: len(t) // 2], "not valid JSON"),
        ("JSON array", lambda t: "[1, 2, 3]", "expected a JSON object, got list"),
        ("not UTF-8", lambda t: b"\xff\xfe{}", "not UTF-8"),
        ("oversized", lambda t: " " * (MAX_SUBMISSION_BYTES + 1), "more than the"),
        ("tampered return", lambda t: _first_return_as(t, "999.5"), "does not match the content"),
    ],
)
def test_files_that_are_not_clean_json_are_refused(
    kind: str,
    make: Callable[[str], str | bytes],
    expected: str,
    tmp_path: Path,
    seeded_board: Path,
    whittle_submission: dict[str, Any],
) -> None:
    """NaN, truncated JSON, bad bytes, oversized files and edited returns never reach the board."""
    text = json.dumps(whittle_submission, indent=2)
    before = _board_snapshot(seeded_board)
    with pytest.raises(SubmissionError) as caught:
        submit(_write_raw(tmp_path, make(text)), seeded_board)
    assert expected in str(caught.value), str(caught.value)
    assert _board_snapshot(seeded_board) == before


def test_duplicates_are_refused_by_digest_and_by_content(
    tmp_path: Path, seeded_board: Path, whittle_submission: dict[str, Any]
) -> None:
    """The same file twice, and the same results under another name, are both refused."""
    before = _board_snapshot(seeded_board)
    with pytest.raises(SubmissionError, match="already holds this exact submission"):
        submit(write_submission(whittle_submission, tmp_path / "again.json"), seeded_board)
    renamed = redigest({**whittle_submission, "name": "whittle-copy", "submitter": {"name": "x"}})
    with pytest.raises(SubmissionError, match="same returns from the same agent"):
        submit(write_submission(renamed, tmp_path / "renamed.json"), seeded_board)
    assert _board_snapshot(seeded_board) == before


def test_a_withdrawn_entry_leaves_no_trace_and_its_results_can_be_submitted_again(
    tmp_path: Path, seeded_board: Path, whittle_submission: dict[str, Any], capsys
) -> None:
    """`withdraw NAME` removes the entry, its duplicate index and one from the count."""
    from rlbench_suite.cli import main

    assert (
        main(["leaderboard", "withdraw", "whittle.RMAB-TwoState-v0", "--board", str(seeded_board)])
        == 0
    )
    assert "withdrew whittle.RMAB-TwoState-v0" in capsys.readouterr().out
    board = Board.open(seeded_board)
    assert board.names() == [] and board.read_marker()["entries"] == 0
    assert not any((seeded_board / "index").iterdir())
    submit(write_submission(whittle_submission, tmp_path / "again.json"), seeded_board)
    assert board.names() == ["whittle.RMAB-TwoState-v0"]
    with pytest.raises(BoardError, match=r"no entry '\.\./board\.json'"):
        board.withdraw("../board.json")
    assert main(["leaderboard", "withdraw", "nobody", "--board", str(seeded_board)]) != 0
    assert "no entry 'nobody'" in capsys.readouterr().err


def test_submitted_aggregates_are_ignored(
    tmp_path: Path, whittle_submission: dict[str, Any]
) -> None:
    """A submission claiming a perfect score gets the score its returns earn."""
    boastful = {**whittle_submission, "aggregates": {"iqm": 1e9}}
    entry = submit(write_submission(boastful, tmp_path / "boast.json"), tmp_path / "board")
    returns = [value for run in whittle_submission["runs"] for value in run["returns"]]
    assert entry["claimed"]["mean_return"]["point"] == pytest.approx(sum(returns) / len(returns))
    assert entry["claimed"]["normalised"]["iqm"]["point"] < 200


def _variant(base: dict[str, Any], index: int) -> dict[str, Any]:
    variant = copy.deepcopy(base)
    variant["name"] = f"variant-{index:02d}"
    variant["runs"][0]["returns"][0] += index + 1  # distinct content
    return redigest(variant)


def _submit_in_child(root: str, folder: str, submission: dict[str, Any]) -> None:
    Board.open(root).submit(
        write_submission(submission, Path(folder) / f"{submission['name']}.json")
    )


def test_fifty_concurrent_submits_from_separate_processes_all_land(
    tmp_path: Path, whittle_submission: dict[str, Any]
) -> None:
    """50 processes submitting at once: the board ends valid with all 50 entries counted."""
    root = tmp_path / "board"
    Board.create(root)
    context = multiprocessing.get_context("fork")
    processes = [
        context.Process(
            target=_submit_in_child,
            args=(str(root), str(tmp_path), _variant(whittle_submission, i)),
        )
        for i in range(50)
    ]
    for process in processes:
        process.start()
    for process in processes:
        process.join(timeout=300)
    assert [process.exitcode for process in processes] == [0] * 50
    assert _names(root) == [f"variant-{i:02d}" for i in range(50)]
    assert json.loads((root / "board.json").read_text())["entries"] == 50


def _crash_while_writing(root: str, path: str, where: str) -> None:
    """In a child process: submit, and die at ``where`` in the new entry's writing."""
    from rlbench_suite.leaderboard import store

    real_rename = os.rename

    def die(*_args: Any) -> None:
        os._exit(137)

    if where == "before the entry lands":
        store.os.rename = die  # type: ignore[attr-defined]
    else:

        def rename_then_die(source: Any, target: Any) -> None:
            real_rename(source, target)
            os._exit(137)

        store.os.rename = rename_then_die  # type: ignore[attr-defined]
    Board.open(root).submit(path)


@pytest.mark.parametrize("where", ["before the entry lands", "before the count is updated"])
def test_a_crash_while_submitting_leaves_a_consistent_board(
    where: str, tmp_path: Path, seeded_board: Path, whittle_submission: dict[str, Any]
) -> None:
    """A submit killed mid-way leaves the old entries intact; the next submit lands."""
    before = _board_snapshot(seeded_board)
    path = write_submission(_variant(whittle_submission, 1), tmp_path / "variant.json")
    context = multiprocessing.get_context("fork")
    child = context.Process(target=_crash_while_writing, args=(str(seeded_board), str(path), where))
    child.start()
    child.join(timeout=120)
    assert child.exitcode == 137
    after = _board_snapshot(seeded_board)
    assert {key: value for key, value in after.items() if key in before} == before
    if where == "before the entry lands":
        assert _names(seeded_board) == ["whittle.RMAB-TwoState-v0"]
    else:
        assert _names(seeded_board) == ["variant-01", "whittle.RMAB-TwoState-v0"]
    later = write_submission(_variant(whittle_submission, 2), tmp_path / "later.json")
    Board.open(seeded_board).submit(later)
    assert "variant-02" in _names(seeded_board)
    assert not list((seeded_board / "submissions").glob(".staging-*"))


def test_cli_submit_accepts_the_good_file_and_names_the_bad_one(
    tmp_path: Path, whittle_submission: dict[str, Any], capsys: pytest.CaptureFixture[str]
) -> None:
    """`submit good bad` adds the good one, prints why the bad one was refused, and exits 2."""
    from rlbench_suite.cli import main

    good = write_submission(whittle_submission, tmp_path / "good.json")
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({**whittle_submission, "runs": []}))
    root = tmp_path / "board"
    argv = ["leaderboard", "submit", str(good), str(bad), "--board", str(root), "--new-board"]
    assert main(argv) == 2
    captured = capsys.readouterr()
    assert "accepted whittle.RMAB-TwoState-v0" in captured.out
    assert "bad.json: rejected" in captured.err and "/runs" in captured.err
    assert _names(root) == ["whittle.RMAB-TwoState-v0"]


def test_submit_under_another_name_recomputes_the_digest_and_keeps_the_claim(
    tmp_path: Path, whittle_submission: dict[str, Any]
) -> None:
    """`submit --name` stores the submission renamed and re-digested; the same file again under
    a third name is the same result and is refused."""
    from rlbench_suite.cli import main
    from rlbench_suite.leaderboard.submission import load_submission

    path = write_submission(whittle_submission, tmp_path / "whittle.json")
    root = tmp_path / "board"
    assert (
        main(
            [
                "leaderboard",
                "submit",
                str(path),
                "--board",
                str(root),
                "--new-board",
                "--name",
                "my-whittle",
            ]
        )
        == 0
    )
    stored = load_submission(root / "submissions" / "my-whittle" / "submission.json")
    assert stored["name"] == "my-whittle"
    assert stored["digest"] != whittle_submission["digest"]
    assert stored["runs"] == whittle_submission["runs"]
    assert main(["leaderboard", "submit", str(path), "--board", str(root), "--name", "third"]) == 2
    assert _names(root) == ["my-whittle"]


def test_rescore_brings_stored_scores_back_in_line_with_the_card(seeded_board: Path) -> None:
    """Scores normalised with old references are flagged by check and fixed by rescore alone."""
    from rlbench_suite.leaderboard.evaluation import check_board, rescore_entry

    board = Board.open(seeded_board)
    name = board.names()[0]
    entry = board.read_entry(name)
    entry["claimed"]["normalised"]["iqm"]["point"] += 25.0  # as if the zero anchor had moved
    board.write_entry(entry)
    assert any("claimed scores differ" in problem for problem in check_board(board))
    rescored = rescore_entry(board, name)
    assert check_board(board) == []
    assert rescored["claimed"]["seeds"] == entry["claimed"]["seeds"]


def test_scores_report_the_anchors_success_measure_beside_the_normalised_score() -> None:
    """On QuadHover each seed's share of episodes reaching gym-pybullet-drones' threshold."""
    from rlbench_suite.leaderboard.store import score_runs
    from rlbench_suite.registry import env_card

    threshold = env_card("rlbench/QuadHover-v0").success_threshold
    assert threshold == 467.0
    runs = [{"returns": [470.0, 466.9, 475.0, 10.0]}, {"returns": [468.0] * 4}]
    success = score_runs("rlbench/QuadHover-v0", runs)["success_rate"]
    assert success == {"threshold": threshold, "per_seed": [0.5, 1.0], "mean": 0.75}
    assert score_runs("rlbench/CartPole-v1", runs)["success_rate"] is None
