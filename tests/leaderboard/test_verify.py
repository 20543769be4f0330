"""verify: the named agent or the submitted SB3 models re-run and agree with honest returns."""

from __future__ import annotations

import copy
import json
import re
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from rlbench_suite.baselines import sb3
from rlbench_suite.cli import main
from rlbench_suite.leaderboard.store import Board
from rlbench_suite.leaderboard.submission import (
    SubmissionError,
    compute_digest,
    load_submission,
    write_submission,
)
from rlbench_suite.leaderboard.verify import compare_returns, verify_submission


def submit(path: Path, board_root: Path) -> dict[str, Any]:
    """Submit ``path`` to the board at ``board_root``, creating the board the first time."""
    board = Board.open(board_root) if (board_root / "board.json").exists() else None
    return (board or Board.create(board_root)).submit(path)


BANDIT = "rlbench/RMAB-TwoState-v0"
# PPO through the TopKBudget wrapper, small enough to train 3 seeds in a few seconds.
TINY_BANDIT = """\
rlbench/RMAB-TwoState-v0:
  n_timesteps: 256
  n_envs: 2
  env_wrapper:
    - TopKBudget: {}
  eval_freq: 256
  eval_episodes: 1
  final_eval_episodes: 10
  torch_threads: 1
  n_steps: 64
  batch_size: 64
  n_epochs: 1
  policy_kwargs: {net_arch: [16]}
"""


def test_an_honest_reference_submission_verifies_exactly(
    tmp_path: Path, whittle_submission: dict[str, Any], capsys: pytest.CaptureFixture[str]
) -> None:
    """Re-running Whittle on the stated episode seeds reproduces every return exactly."""
    path = write_submission(whittle_submission, tmp_path / "whittle.json")
    assert main(["leaderboard", "verify", str(path), "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["agrees"] is True
    assert [run["verdict"] for run in report["runs"]] == ["exact"] * 3


def test_inflated_returns_with_a_fresh_digest_fail_verification(
    tmp_path: Path, whittle_submission: dict[str, Any], capsys: pytest.CaptureFixture[str]
) -> None:
    """A cheat who adds 40 to one seed's returns and re-digests passes submit but not verify."""
    cheat = copy.deepcopy(whittle_submission)
    cheat["runs"][1]["returns"] = [value + 40.0 for value in cheat["runs"][1]["returns"]]
    cheat["digest"] = compute_digest(cheat)
    path = write_submission(cheat, tmp_path / "cheat.json")
    submit(path, tmp_path / "board")  # the schema cannot tell
    assert main(["leaderboard", "verify", str(path)]) == 1
    output = capsys.readouterr().out
    assert "DISAGREES" in output and "disagrees" in output


def test_small_noise_is_within_the_interval_but_large_noise_is_not() -> None:
    """Returns that differ slightly (another machine) agree within the CI; big shifts do not."""
    base = np.array([10.0, 12.0, 9.0, 11.0, 13.0, 10.0, 12.0, 9.0, 11.0, 13.0])
    assert compare_returns(0, base, base).verdict == "exact"
    assert compare_returns(0, base, base + 0.01).verdict == "within CI"
    assert compare_returns(0, base, base + 5.0).verdict == "disagrees"


def test_trained_sb3_models_submit_and_verify_exactly(tmp_path: Path) -> None:
    """`train` for 3 seeds writes a submission whose models re-run to the same returns."""
    config_path = tmp_path / "tiny.yaml"
    config_path.write_text(TINY_BANDIT)
    out = tmp_path / "runs"
    argv = ["train", "--algo", "ppo", "--env", BANDIT, "--config", str(config_path)]
    assert main([*argv, "--out", str(out), "--seeds", "0", "1", "2"]) == 0
    path = out / "ppo" / "rlbench_RMAB-TwoState-v0" / "submission.json"
    submission = load_submission(path)
    assert submission["algorithm"]["kind"] == "sb3"
    assert [run["model"]["path"] for run in submission["runs"]] == [
        f"seed_{seed}/model.zip" for seed in (0, 1, 2)
    ]
    assert submission["training"]["timesteps"] == 256
    entry = submit(path, tmp_path / "board")
    assert entry["status"] == "unverified"
    assert entry["claimed"]["seeds"] == 3 and entry["claimed"]["episodes"] == 30
    verification = verify_submission(path)
    assert verification.agrees
    assert {run.verdict for run in verification.runs} == {"exact"}


def test_a_model_swapped_after_submission_is_refused(tmp_path: Path) -> None:
    """Replacing a model file after the fact breaks its sha256 and the submission is refused."""
    config = sb3.load_config("ppo", BANDIT, _tiny(tmp_path))
    for seed in (0, 1, 2):
        sb3.train(config, seed, tmp_path / "runs")
    path = sb3.write_training_submission(tmp_path / "runs", "ppo", BANDIT, [0, 1, 2])
    (path.parent / "seed_1" / "model.zip").write_bytes(b"not the model")
    with pytest.raises(ValueError, match=re.escape("seed_1/model.zip' does not match its sha256")):
        load_submission(path)


def _tiny(tmp_path: Path) -> Path:
    config_path = tmp_path / "tiny.yaml"
    config_path.write_text(TINY_BANDIT)
    return config_path


# Tiny PPO on QuadHover with one thrust command for all four motors, either as a non-default
# instance (action_type=one_d_rpm) or as wrappers around the default env.
TINY_HOVER = """\
rlbench/QuadHover-v0:
  n_timesteps: 64
  {interface}
  eval_freq: 64
  eval_episodes: 1
  final_eval_episodes: 10
  torch_threads: 1
  n_steps: 32
  batch_size: 32
  n_epochs: 1
  policy_kwargs: {{net_arch: [8]}}
"""
HOVER = "rlbench/QuadHover-v0"


def _train_hover(tmp_path: Path, interface: str) -> Path:
    tmp_path.mkdir(exist_ok=True)
    config_path = tmp_path / "hover.yaml"
    config_path.write_text(TINY_HOVER.format(interface=interface))
    config = sb3.load_config("ppo", HOVER, config_path)
    for seed in (0, 1, 2):
        sb3.train(config, seed, tmp_path / "runs")
    return sb3.write_training_submission(tmp_path / "runs", "ppo", HOVER, [0, 1, 2])


def test_a_non_default_instance_is_refused_and_the_wrapped_default_env_verifies(
    tmp_path: Path,
) -> None:
    """one_d_rpm as env kwargs is recorded and refused; the same run through wrappers verifies.

    The collective-thrust wrappers reproduce action_type=one_d_rpm bit for bit, so both runs
    have the same returns; only the wrapped one is on the default instance the board ranks.
    """
    instance_path = _train_hover(tmp_path / "instance", "env_kwargs: {action_type: one_d_rpm}")
    instance = json.loads(instance_path.read_text())
    assert instance["env"]["kwargs"] == {"action_type": "one_d_rpm"}
    with pytest.raises(SubmissionError, match=re.escape("/env/kwargs: must be {}")):
        submit(instance_path, tmp_path / "board")

    wrapped_path = _train_hover(
        tmp_path / "wrapped",
        "env_wrapper: [CollectiveThrustObservation, CollectiveThrustAction]",
    )
    wrapped = load_submission(wrapped_path)
    assert wrapped["env"]["kwargs"] == {}
    assert [run["returns"] for run in wrapped["runs"]] == [
        run["returns"] for run in instance["runs"]
    ]
    submit(wrapped_path, tmp_path / "board")
    assert {run.verdict for run in verify_submission(wrapped_path).runs} == {"exact"}

    # Hiding the env kwargs in one place is caught by the other; hiding them in both leaves a
    # model whose action space is not the default env's, which the board refuses to load.
    hidden = copy.deepcopy(instance)
    hidden["env"]["kwargs"] = {}
    hidden["digest"] = compute_digest(hidden)
    hidden_path = write_submission(hidden, instance_path.parent / "hidden.json")
    with pytest.raises(SubmissionError, match=re.escape("env_kwargs: must be {}")):
        verify_submission(hidden_path)
    hidden["algorithm"]["hyperparameters"]["env_kwargs"] = {}
    hidden["digest"] = compute_digest(hidden)
    write_submission(hidden, hidden_path)
    with pytest.raises(SubmissionError, match="the model's observation space has shape"):
        submit(hidden_path, tmp_path / "board")
