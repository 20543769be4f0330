"""Scalarised PPO on a multi-objective env: a run per weight vector, one submission, the board."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from rlbench_suite.baselines import sb3
from rlbench_suite.cli import main
from rlbench_suite.leaderboard import Board
from rlbench_suite.leaderboard.evaluation import check_board, evaluate_entry

TINY_TWO_GOALS = """\
rlbench/TestTwoGoals-v0:
  n_timesteps: 64
  eval_freq: 64
  eval_episodes: 1
  final_eval_episodes: 10
  torch_threads: 1
  n_steps: 32
  batch_size: 32
  n_epochs: 1
  policy_kwargs: {net_arch: [8]}
  weight_grid: 2
"""


@pytest.fixture
def two_goals_config(tmp_path: Path, two_goals) -> Path:
    """A tiny PPO config for the test-only two-objective env, with a 3-point weight grid."""
    path = tmp_path / "tiny.yaml"
    path.write_text(TINY_TWO_GOALS)
    return path


def test_weight_grid_gives_one_run_per_weight_vector(two_goals_config: Path) -> None:
    """weight_grid: 2 on two objectives is the three vectors (0, 1), (0.5, 0.5), (1, 0)."""
    config = sb3.load_config("ppo", "rlbench/TestTwoGoals-v0", two_goals_config)
    assert [run.reward_weights for run in config.weight_runs()] == [
        (0.0, 1.0),
        (0.5, 0.5),
        (1.0, 0.0),
    ]
    assert "reward_weights" not in config.to_json()
    assert config.weight_runs()[1].to_json()["reward_weights"] == [0.5, 0.5]


def test_train_on_weights_writes_a_front_the_board_verifies(
    tmp_path: Path, two_goals_config: Path, capsys
) -> None:
    """--weights trains a run per vector; the submission's runs are the front; board verifies."""
    out = tmp_path / "runs"
    argv = ["train", "--algo", "ppo", "--env", "rlbench/TestTwoGoals-v0"]
    argv += ["--config", str(two_goals_config), "--out", str(out)]
    assert main([*argv, "--weights", "1,0", "0,1", "0.5,0.5"]) == 0
    folder = out / "ppo" / "rlbench_TestTwoGoals-v0"
    result = json.loads((folder / "w1_0" / "seed_0" / "result.json").read_text())
    evaluation = result["evaluation"]
    assert evaluation["reward_weights"] == [1.0, 0.0] and len(evaluation["mean_return"]) == 2
    assert evaluation["scalarised_mean_return"] == pytest.approx(evaluation["mean_return"][0])
    submission = json.loads((folder / "submission.json").read_text())
    assert [run["reward_weights"] for run in submission["runs"]] == [[0, 1], [0.5, 0.5], [1, 0]]
    assert "reward_weights" not in submission["algorithm"]["hyperparameters"]
    board = Board.create(tmp_path / "board")
    board.submit(folder / "submission.json")
    entry = evaluate_entry(board, submission["name"], seed=5)
    assert entry["status"] == "verified"
    assert entry["evaluation"]["scores"]["multi_objective"]["runs"] == 3
    assert check_board(board) == []


def test_multi_objective_training_without_weights_or_with_bad_ones_is_refused(
    tmp_path: Path, two_goals_config: Path, capsys
) -> None:
    """No weights on an MO env, or weights of the wrong length, name what is expected."""
    two_goals_config.write_text(TINY_TWO_GOALS.replace("  weight_grid: 2\n", ""))
    argv = ["train", "--algo", "ppo", "--env", "rlbench/TestTwoGoals-v0"]
    argv += ["--config", str(two_goals_config), "--out", str(tmp_path)]
    assert main(argv) != 0
    assert "has 2 objectives (first, second): pass --weights" in capsys.readouterr().err
    assert main([*argv, "--weights", "1,0,0"]) != 0
    assert "expected 2 weights >= 0, not all 0, one per objective" in capsys.readouterr().err
    assert main([*argv, "--weights", "a,b"]) != 0
    assert "expected comma-separated numbers" in capsys.readouterr().err


def test_a_sweep_over_a_weight_grid_writes_the_front_and_its_scores(
    tmp_path: Path, two_goals, monkeypatch
) -> None:
    """A grid entry's weights make a run per vector; fronts.json scores the front, one plot."""
    from rlbench_suite.baselines.sweep import load_sweep, run_sweep, write_sweep_report

    configs = tmp_path / "configs"
    configs.mkdir()
    (configs / "ppo.yaml").write_text(TINY_TWO_GOALS)
    monkeypatch.setattr(sb3, "CONFIG_DIR", configs)
    sweep_file = tmp_path / "sweep.yaml"
    sweep_file.write_text(
        "out: runs\ngrid:\n  - algo: ppo\n    envs: [rlbench/TestTwoGoals-v0]\n"
        "    seeds: [0]\n    weights: [[1, 0], [0, 1], [0.5, 0.5]]\n"
    )
    sweep = load_sweep(sweep_file)
    assert [run.reward_weights for run in sweep.runs] == [(1.0, 0.0), (0.0, 1.0), (0.5, 0.5)]
    summaries = run_sweep(sweep, workers=1)
    assert [row["reward_weights"] for row in summaries] == [[0, 1], [0.5, 0.5], [1, 0]]
    names = {path.name for path in write_sweep_report(sweep, summaries)}
    assert {"fronts.json", "front_ppo_rlbench_TestTwoGoals-v0.png"} <= names
    fronts = json.loads((tmp_path / "runs" / "fronts.json").read_text())
    front = fronts["ppo rlbench/TestTwoGoals-v0"]
    assert len(front["points"]) == 3 and front["hypervolume"]["point"] > 0
    submission = json.loads(
        (tmp_path / "runs" / "ppo" / "rlbench_TestTwoGoals-v0" / "submission.json").read_text()
    )
    assert len(submission["runs"]) == 3
    sweep_file.write_text(
        sweep_file.read_text().replace(
            "weights: [[1, 0], [0, 1], [0.5, 0.5]]", "weights: [[1, 0, 0]]"
        )
    )
    with pytest.raises(sb3.ConfigError, match="expected 2 weights >= 0"):
        load_sweep(sweep_file)


TINY_TEAM = """\
{env_id}:
  n_timesteps: 64
  eval_freq: 64
  eval_episodes: 1
  final_eval_episodes: 10
  torch_threads: 1
  n_steps: 32
  batch_size: 32
  n_epochs: 1
  policy_kwargs: {{net_arch: [8]}}
  learners: {learners}
"""


@pytest.mark.parametrize("learners", ["centralised", "independent"])
def test_multi_agent_learners_train_and_the_board_replays_them(
    tmp_path: Path, two_goals, learners: str
) -> None:
    """Both learner kinds train on the MO team env; the board re-runs the models, verified."""
    _, team = two_goals
    config_path = tmp_path / "team.yaml"
    config_path.write_text(TINY_TEAM.format(env_id=team, learners=learners))
    out = tmp_path / "runs"
    argv = ["train", "--algo", "ppo", "--env", team, "--config", str(config_path)]
    assert main([*argv, "--out", str(out), "--seeds", "0", "1", "--weights", "1,0", "0,1"]) == 0
    folder = out / "ppo" / "rlbench_TestTwoGoalsTeam-v0"
    submission = json.loads((folder / "submission.json").read_text())
    assert submission["algorithm"]["hyperparameters"]["learners"] == learners
    assert len(submission["runs"]) == 4
    assert set(submission["runs"][0]["agent_returns"][0]) == {"agent_0", "agent_1"}
    board = Board.create(tmp_path / "board")
    board.submit(folder / "submission.json")
    entry = evaluate_entry(board, submission["name"], seed=3)
    assert entry["status"] == "verified"
    scores = entry["evaluation"]["scores"]
    assert scores["multi_objective"]["per"] == "agent"
    assert set(scores["agent_mean_return"]) == {"agent_0", "agent_1"}
    assert check_board(board) == []


def test_pid_free_multiquadhover_trains_with_shared_parameters(tmp_path: Path) -> None:
    """Independent learners on MultiQuadHover: one policy, both drones, team return recorded."""
    config_path = tmp_path / "hover.yaml"
    config_path.write_text(
        TINY_TEAM.format(env_id="rlbench/MultiQuadHover-v0", learners="independent").replace(
            "final_eval_episodes: 10", "final_eval_episodes: 2"
        )
    )
    config = sb3.load_config("ppo", "rlbench/MultiQuadHover-v0", config_path)
    outcome = sb3.train(config, 0, tmp_path / "runs")
    episodes = outcome.result["evaluation"]["episodes"]
    assert len(episodes) == 2 and set(episodes[0]["agent_returns"]) == {"drone_0", "drone_1"}
    assert episodes[0]["return"] == pytest.approx(sum(episodes[0]["agent_returns"].values()))


def test_a_multi_agent_config_must_name_its_learners(tmp_path: Path) -> None:
    """A multi-agent section without learners, or learners on a single-agent id, is refused."""
    path = tmp_path / "bad.yaml"
    path.write_text(
        TINY_TEAM.format(env_id="rlbench/MultiQuadHover-v0", learners="both")
        + TINY_TEAM.format(env_id="rlbench/CartPole-v1", learners="independent")
    )
    with pytest.raises(sb3.ConfigError, match="set learners to one of"):
        sb3.load_config("ppo", "rlbench/MultiQuadHover-v0", path)
    with pytest.raises(sb3.ConfigError, match="learners is for multi-agent ids"):
        sb3.load_config("ppo", "rlbench/CartPole-v1", path)


def test_the_centralised_agent_sees_what_centralise_agents_shows_the_learner() -> None:
    """CentralisedAgent's joint observation equals CentraliseAgents' on MultiQuadHover."""
    import numpy as np
    from stable_baselines3 import PPO

    from rlbench_suite import make_multiagent
    from rlbench_suite.agents.sb3_multiagent import CentralisedAgent, centralised_env

    env_id = "rlbench/MultiQuadHover-v0"
    central, parallel = centralised_env(env_id), make_multiagent(env_id)
    model = PPO("MlpPolicy", central, n_steps=32, batch_size=32, seed=0, device="cpu")
    agent = CentralisedAgent(model, env_id)
    joint, _ = central.reset(seed=4)
    observations, _ = parallel.reset(seed=4)
    for _ in range(3):
        assert np.array_equal(agent.joint_observation(observations), joint)
        actions = agent.act(observations)
        joint_action = np.concatenate([actions[name] for name in parallel.possible_agents])
        joint, *_ = central.step(joint_action)
        observations, *_ = parallel.step(actions)
