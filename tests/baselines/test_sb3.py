"""The SB3 runner: `rlbench train` writes a model, a curve and a result, atomically and once."""

from __future__ import annotations

import csv
import importlib.util
import json
import os
import subprocess
import sys
from pathlib import Path

import gymnasium as gym
import numpy as np
import pytest
import stable_baselines3
import torch
from stable_baselines3 import PPO

import rlbench_suite
from rlbench_suite.baselines import sb3
from rlbench_suite.cli import main
from rlbench_suite.scoring import evaluate
from rlbench_suite.wrappers import TopKBudget

HOVER = "rlbench/QuadHover-v0"
RUN_DIR = Path("ppo") / "rlbench_QuadHover-v0" / "seed_0"

# A hover section small enough to train and evaluate in a few seconds.
TINY_HOVER = """\
rlbench/QuadHover-v0:
  n_timesteps: 128
  env_kwargs: {action_type: one_d_rpm}
  eval_freq: 64
  eval_episodes: 1
  final_eval_episodes: 2
  torch_threads: 1
  n_steps: 64
  batch_size: 32
  n_epochs: 1
  learning_rate: 1e-3
  policy_kwargs: {net_arch: [16, 16], activation_fn: tanh}
"""


@pytest.fixture
def tiny_config(tmp_path: Path) -> Path:
    path = tmp_path / "tiny.yaml"
    path.write_text(TINY_HOVER)
    return path


def train_argv(config: Path, out: Path, *extra: str) -> list[str]:
    return [
        *("train", "--algo", "ppo", "--env", HOVER),
        *("--config", str(config), "--out", str(out), *extra),
    ]


def test_train_writes_model_curve_and_result_then_skips_and_reruns(
    tmp_path: Path, tiny_config: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """`rlbench train` in a subprocess saves files that parse; a rerun skips; --force retrains."""
    out = tmp_path / "runs"
    command = [sys.executable, "-m", "rlbench_suite.cli", *train_argv(tiny_config, out)]
    completed = subprocess.run(command, capture_output=True, text=True, timeout=120, check=False)
    assert completed.returncode == 0, completed.stderr
    run_dir = out / RUN_DIR
    model = PPO.load(run_dir / "model.zip", device="cpu")
    assert model.num_timesteps == 128
    with (run_dir / "curve.csv").open() as handle:
        rows = list(csv.DictReader(handle))
    assert [int(row["timesteps"]) for row in rows] == [0, 64, 128]
    result = json.loads((run_dir / "result.json").read_text())
    assert result["env_id"] == HOVER and result["algo"] == "ppo" and result["seed"] == 0
    assert result["versions"]["stable_baselines3"] == stable_baselines3.__version__
    assert [episode["seed"] for episode in result["evaluation"]["episodes"]] == [
        sb3.EVAL_SEED,
        sb3.EVAL_SEED + 1,
    ]
    assert result["hyperparameters"]["learning_rate"] == 1e-3
    assert not [path for path in run_dir.iterdir() if ".tmp" in path.name]
    if importlib.util.find_spec("matplotlib") is not None:
        assert (run_dir / "curve.png").read_bytes().startswith(b"\x89PNG")

    model_written = (run_dir / "model.zip").stat().st_mtime_ns
    assert main(train_argv(tiny_config, out)) == 0
    assert "skipped (finished earlier)" in " ".join(capsys.readouterr().out.split())
    assert (run_dir / "model.zip").stat().st_mtime_ns == model_written
    assert json.loads((run_dir / "result.json").read_text()) == result

    assert main(train_argv(tiny_config, out, "--force")) == 0
    assert "skipped" not in capsys.readouterr().out
    rerun = json.loads((run_dir / "result.json").read_text())
    assert rerun["evaluation"] == result["evaluation"]  # same seed, same policy


def test_a_run_killed_mid_training_leaves_no_result(
    tmp_path: Path, tiny_config: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An exception inside training (even a forced rerun's) leaves no result and no temp file."""
    config = sb3.load_config("ppo", HOVER, tiny_config)
    finished = sb3.train(config, seed=0, out_dir=tmp_path)
    result_path = finished.run_dir / "result.json"
    assert result_path.exists()

    calls = []

    def evaluate_then_die(*args: object, **kwargs: object) -> object:
        calls.append(1)
        if len(calls) == 2:
            raise KeyboardInterrupt("killed")
        return evaluate(*args, **kwargs)

    monkeypatch.setattr(sb3, "evaluate", evaluate_then_die)
    with pytest.raises(KeyboardInterrupt):
        sb3.train(config, seed=0, out_dir=tmp_path, force=True)
    assert len(calls) == 2  # died after the first curve point, mid-training
    assert not result_path.exists()
    assert not [path for path in finished.run_dir.iterdir() if ".tmp" in path.name]

    monkeypatch.setattr(sb3, "evaluate", evaluate)
    resumed = sb3.train(config, seed=0, out_dir=tmp_path)
    assert not resumed.skipped and resumed.result["evaluation"] == finished.result["evaluation"]


@pytest.mark.parametrize(
    ("argv", "config_text", "message"),
    [
        (["--algo", "xyz", "--env", HOVER], None, "unknown algo 'xyz'; choose from a2c, dqn, ppo"),
        (["--algo", "ppo", "--env", HOVER], "rlbench/QuadHover-v0: [n_steps", "malformed YAML"),
        (["--algo", "ppo", "--env", HOVER], "- just\n- a list\n", "expected a mapping"),
        (
            ["--algo", "ppo", "--env", "rlbench/RMAB-TwoState-v0"],
            TINY_HOVER,
            "no section for rlbench/RMAB-TwoState-v0 (sections: rlbench/QuadHover-v0)",
        ),
        (
            ["--algo", "ppo", "--env", HOVER],
            TINY_HOVER + "  n_stepz: 64\n",
            "section rlbench/QuadHover-v0: unknown key 'n_stepz'",
        ),
        (
            ["--algo", "ppo", "--env", HOVER],
            TINY_HOVER.replace("n_timesteps: 128", "n_timesteps: lots"),
            "n_timesteps must be a positive integer, got 'lots'",
        ),
        (
            ["--algo", "ppo", "--env", HOVER],
            TINY_HOVER + "  env_wrapper: [NoSuchWrapper]\n",
            "unknown wrapper 'NoSuchWrapper'",
        ),
    ],
)
def test_bad_input_exits_2_naming_the_file_and_the_problem(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    argv: list[str],
    config_text: str | None,
    message: str,
) -> None:
    """Unknown algo, malformed YAML, a missing section or a bad key: exit 2 and say which."""
    extra = []
    if config_text is not None:
        config = tmp_path / "bad.yaml"
        config.write_text(config_text)
        extra = ["--config", str(config)]
    assert main(["train", *argv, *extra, "--out", str(tmp_path / "runs")]) == 2
    error = " ".join(capsys.readouterr().err.split())
    assert message in error
    if config_text is not None:
        assert "bad.yaml" in error
    assert not (tmp_path / "runs").exists()


def test_a_missing_config_file_is_named(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """--config pointing nowhere exits 2 with the path it looked for."""
    missing = tmp_path / "nowhere.yaml"
    assert main(["train", "--algo", "ppo", "--env", HOVER, "--config", str(missing)]) == 2
    assert f"{missing}: no such config file" in " ".join(capsys.readouterr().err.split())


@pytest.mark.parametrize(
    ("algo", "env_id"),
    [("ppo", HOVER), ("ppo", "rlbench/RMAB-TwoState-v0"), ("td3", "rlbench/QuadL2F-v0")],
)
def test_shipped_configs_load(algo: str, env_id: str) -> None:
    """Every shipped section passes the checks and resolves to constructor arguments."""
    config = sb3.load_config(algo, env_id)
    assert config.source == sb3.config_path(algo)
    kwargs = config.algorithm_kwargs(action_dim=4)
    assert kwargs["gamma"] == 0.99
    assert issubclass(kwargs["policy_kwargs"]["activation_fn"], torch.nn.Module)


def test_sb3_agent_replays_the_budget_wrapper_in_evaluation() -> None:
    """A PPO model trained inside TopKBudget is scored on the bare bandit with feasible actions."""
    config = sb3.load_config("ppo", "rlbench/RMAB-TwoState-v0")
    env = sb3.apply_wrappers(gym.make(config.env_id), config.env_wrapper)
    assert isinstance(env, TopKBudget)
    model = PPO("MlpPolicy", env, n_steps=64, batch_size=32, seed=0, device="cpu")
    agent = sb3.agent_for(model, config)
    action = agent.act(env.reset(seed=0)[0])
    assert action.tolist().count(1) == env.budget
    result = evaluate(agent, config.env_id, n_episodes=2)
    assert result.agent == "SB3Agent" and np.isfinite(result.mean_return)


def test_sb3_agent_refuses_wrappers_it_cannot_replay() -> None:
    """A stateful wrapper (here a TimeLimit) cannot be replayed outside the env: TypeError."""
    model = PPO("MlpPolicy", gym.make(HOVER), n_steps=64, device="cpu")
    with pytest.raises(TypeError, match="cannot replay TimeLimit"):
        sb3.SB3Agent(model, [gym.wrappers.TimeLimit(gym.make(HOVER), 10)])


def test_module_doctests_pass() -> None:
    """The examples in rlbench_suite.baselines.sb3's docstrings run (baselines/ is no testpath)."""
    import doctest

    assert doctest.testmod(sb3).failed == 0


@pytest.mark.slow
def test_documented_ppo_run_learns_to_hover(tmp_path: Path) -> None:
    """The documented command (150k steps, ~5 min on 2 cores) hovers about as well as the PID."""
    command = [
        *(sys.executable, "-m", "rlbench_suite.cli", "train", "--algo", "ppo"),
        *("--env", HOVER, "--seeds", "0", "--out", str(tmp_path)),
    ]
    env = {**os.environ, "COLUMNS": "160"}
    subprocess.run(command, check=True, timeout=3600, env=env)
    result = json.loads((tmp_path / RUN_DIR / "result.json").read_text())
    expert = rlbench_suite.env_card(HOVER).references.expert  # the PID, ~471
    final = result["evaluation"]["mean_return"]
    assert final >= 0.5 * expert  # the UAV issue's bar
    # Half is no evidence of learning with one_d_rpm: holding hover RPM already scores ~454
    # (0.96 x PID) and random thrust ~418, because the drone cannot tip over. 0.98 x PID is
    # above both; PPO ends at 470.8-470.9 on seeds 0-2.
    assert final >= 0.98 * expert
    assert final > result["curve"][0]["mean_return"]


def test_without_matplotlib_the_plot_is_skipped_with_a_note(
    tmp_path: Path, tiny_config: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Without matplotlib a run still finishes: no curve.png, and a note that says why."""
    monkeypatch.setitem(sys.modules, "matplotlib", None)
    outcome = sb3.train(sb3.load_config("ppo", HOVER, tiny_config), seed=0, out_dir=tmp_path)
    assert not (outcome.run_dir / "curve.png").exists()
    assert outcome.result["files"]["curve_png"] is None
    assert outcome.notes == (
        "matplotlib is not installed: curve.png not written (pip install matplotlib)",
    )


def test_the_curve_plot_is_a_png(tmp_path: Path, tiny_config: Path) -> None:
    """With matplotlib the learning curve is saved as a PNG, leaving no temporary file."""
    pytest.importorskip("matplotlib")
    config = sb3.load_config("ppo", HOVER, tiny_config)
    curve = [sb3.CurvePoint(0, 1.0, (450.0, 452.0)), sb3.CurvePoint(64, 2.0, (460.0, 470.0))]
    assert sb3.save_curve_plot(curve, config, 0, tmp_path / "curve.png")
    assert (tmp_path / "curve.png").read_bytes().startswith(b"\x89PNG")
    assert sorted(path.name for path in tmp_path.iterdir()) == ["curve.png", "tiny.yaml"]
