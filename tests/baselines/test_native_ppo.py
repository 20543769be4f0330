"""The native PPO runner: it learns, its boundaries are right, the board replays what it saves."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import numpy as np
import pytest
import torch

pytest.importorskip("stable_baselines3")

from rlbench_suite.agents.sb3 import load_policy
from rlbench_suite.baselines.native_ppo import (
    NativePPO,
    check_spaces,
    load_native_config,
    train,
    write_native_submission,
)
from rlbench_suite.baselines.sb3 import ConfigError
from rlbench_suite.registry import env_card
from rlbench_suite.scoring.evaluate import evaluate
from rlbench_suite.vector import native_available

CARTPOLE = "rlbench/CartPole-v1"
QUAD = "rlbench/QuadHover-v0"


def small(env_id: str, **changes: object) -> object:
    """The shipped config of ``env_id`` with some settings changed (PPO's by their name)."""
    config = load_native_config(env_id)
    ppo = {key: changes.pop(key) for key in list(changes) if key in config.hyperparameters}
    return dataclasses.replace(config, hyperparameters={**config.hyperparameters, **ppo}, **changes)


def test_cartpole_return_rises_far_above_random_in_30k_steps(tmp_path: Path) -> None:
    """Seed 0, 30k steps: the saved policy, replayed as the board loads it, scores > 150."""
    config = small(CARTPOLE, eval_freq=100_000, final_eval_episodes=5)
    outcome = train(config, seed=0, out_dir=tmp_path, timesteps=30_000)
    random_return = env_card(CARTPOLE).references.random  # 21.5
    assert outcome.result["evaluation"]["mean_return"] > max(150, 5 * random_return)
    for name in ("model.zip", "curve.csv", "result.json"):
        assert (outcome.run_dir / name).is_file()
    assert outcome.result["settings"]["vec_env"] == ("native" if native_available() else "sync")


def test_a_finished_seed_is_skipped_and_other_settings_are_refused(tmp_path: Path) -> None:
    """A rerun skips the finished seed; a different budget in the same folder is an error."""
    config = small(CARTPOLE, n_envs=4, n_steps=32, eval_freq=10_000, final_eval_episodes=2)
    first = train(config, seed=1, out_dir=tmp_path, timesteps=256)
    again = train(config, seed=1, out_dir=tmp_path, timesteps=256)
    assert not first.skipped and again.skipped and again.result == first.result
    with pytest.raises(ValueError, match="finished run with other settings"):
        train(config, seed=1, out_dir=tmp_path, timesteps=512)


def test_the_board_replays_the_submission_exactly(tmp_path: Path) -> None:
    """Three seeds give an sb3-kind submission whose models replay to the claimed returns."""
    from rlbench_suite.leaderboard.evaluation import claim_checks

    config = small(CARTPOLE, n_envs=4, n_steps=32, eval_freq=10_000, final_eval_episodes=3)
    for seed in (0, 1, 2):
        train(config, seed=seed, out_dir=tmp_path, timesteps=512)
    path = write_native_submission(tmp_path, CARTPOLE, [0, 1, 2])
    submission = json.loads(path.read_text())
    assert submission["algorithm"]["kind"] == "sb3"
    assert submission["algorithm"]["library"] == "rlbench_suite.baselines.native_ppo"
    checks = claim_checks(submission, path.parent)
    assert [check.verdict for check in checks] == ["exact"] * 3


def test_saved_weights_act_as_the_learner_with_normalisation_folded_in(tmp_path: Path) -> None:
    """SB3's MlpPolicy rebuilt from model.zip gives the learner's actions and values (Box)."""
    config = small(QUAD, n_envs=4, n_steps=32, env_wrapper=(), normalize_observations=True)
    learner = NativePPO(config, seed=0)
    learner.learn(256)  # one update, and observation statistics far from the identity
    assert not torch.allclose(learner.obs_shift, torch.zeros_like(learner.obs_shift))
    learner.save(tmp_path / "model.zip")
    policy = load_policy(
        tmp_path / "model.zip",
        "ppo",
        learner.observation_space,
        learner.action_space,
        config.settings(256)["hyperparameters"]["policy_kwargs"],
    )
    observations = np.stack([learner.observation_space.sample() * 0.01 for _ in range(8)])
    ours = learner.act(observations)
    theirs, _ = policy.predict(observations, deterministic=True)
    np.testing.assert_allclose(ours, theirs, rtol=0, atol=1e-5)
    with torch.no_grad():
        value = learner.policy.value(learner.normalise(torch.as_tensor(observations)))
        replayed = policy.predict_values(torch.as_tensor(observations)).squeeze(-1)
    torch.testing.assert_close(value, replayed, rtol=1e-4, atol=1e-4)
    learner.close()


def test_gae_bootstraps_truncations_only_and_masks_reset_rows() -> None:
    """Termination: r - V(s). Truncation: r + gamma V(final obs) - V(s). Reset rows: 0."""
    config = small(
        CARTPOLE,
        n_envs=1,
        n_steps=4,
        gamma=0.5,
        gae_lambda=1.0,
        normalize_rewards=False,
    )
    learner = NativePPO(config, seed=0)
    # Env 0: step 0 ends by truncation (row 1 is the reset step, its value V(final) = 8);
    # step 2 ends by termination (row 3 is the reset step).
    learner.values[:, 0] = torch.tensor([1.0, 8.0, 2.0, 9.0])
    learner._next_values = torch.tensor([5.0])
    learner.rewards[:, 0] = [1.0, 0.0, 1.0, 0.0]
    learner.terminations[:, 0] = [False, False, True, False]
    learner.dones[:, 0] = [True, False, True, False]
    learner.valid[:, 0] = [True, False, True, False]
    advantages, targets = learner.advantages()
    np.testing.assert_allclose(advantages[:, 0], [1.0 + 0.5 * 8.0 - 1.0, 0.0, 1.0 - 2.0, 0.0])
    np.testing.assert_allclose(targets[[0, 2], 0], [5.0, 1.0])
    learner.close()


def test_crash_truncations_are_terminations_when_the_config_says_so() -> None:
    """bootstrap_truncation: false treats a truncation as the end of the return."""
    config = small(CARTPOLE, n_envs=1, n_steps=2, gamma=0.5, normalize_rewards=False)
    learner = NativePPO(dataclasses.replace(config, bootstrap_truncation=False), seed=0)
    learner.envs.close()

    class EndsByTruncation:
        def step(self, actions: np.ndarray) -> tuple:
            ones = np.ones(1, dtype=np.bool_)
            return np.zeros((1, 4), np.float32), np.ones(1), ~ones, ones, {}

    learner.envs = EndsByTruncation()
    learner.collect()
    assert learner.terminations[0, 0] and learner.dones[0, 0]


def test_same_seed_same_policy() -> None:
    """Two learners with one seed end with identical weights (torch and envs both seeded)."""
    weights = []
    for _ in range(2):
        learner = NativePPO(small(CARTPOLE, n_envs=4, n_steps=32), seed=7)
        learner.learn(256)
        weights.append(learner.policy_state_dict())
        learner.close()
    for name, tensor in weights[0].items():
        torch.testing.assert_close(tensor, weights[1][name], rtol=0, atol=0)


def test_python_path_without_the_kernel() -> None:
    """vectorization: sync trains on Gymnasium's SyncVectorEnv of gym.make copies."""
    import gymnasium as gym

    learner = NativePPO(small(CARTPOLE, vectorization="sync", n_envs=4, n_steps=32), seed=0)
    assert isinstance(learner.envs, gym.vector.SyncVectorEnv)
    learner.learn(256)
    assert learner.num_timesteps == 256 and learner.finished_returns
    learner.close()


def test_config_errors_name_the_problem(tmp_path: Path) -> None:
    """Unknown keys (with a suggestion), bad values and missing sections are ConfigErrors."""
    path = tmp_path / "native.yaml"
    path.write_text(f"{CARTPOLE}:\n  n_timesteps: 1000\n  n_epoch: 4\n")
    with pytest.raises(ConfigError, match="unknown key 'n_epoch'; did you mean 'n_epochs'"):
        load_native_config(CARTPOLE, path)
    path.write_text(f"{CARTPOLE}:\n  n_timesteps: 1000\n  vectorization: gpu\n")
    with pytest.raises(ConfigError, match="vectorization must be one of auto, native, sync"):
        load_native_config(CARTPOLE, path)
    path.write_text(f"{CARTPOLE}:\n  n_timesteps: 1000\n  learning_rate: fast\n")
    with pytest.raises(ConfigError, match="learning_rate must be a number > 0 or 'lin_<x>'"):
        load_native_config(CARTPOLE, path)
    with pytest.raises(ConfigError, match="no section for rlbench/Wordle-v0"):
        load_native_config("rlbench/Wordle-v0", path)


def test_unsupported_spaces_are_refused_naming_the_env() -> None:
    """A text observation or a MultiBinary action gets an error naming env and space."""
    from gymnasium import spaces

    with pytest.raises(ValueError, match=r"rlbench/Wordle-v0: .* needs a Box observation"):
        check_spaces("rlbench/Wordle-v0", spaces.Text(5), spaces.Discrete(3))
    with pytest.raises(ValueError, match=r"X-v0: .* Discrete or Box action space, got MultiBinary"):
        check_spaces("X-v0", spaces.Box(-1, 1, (2,)), spaces.MultiBinary(3))


def test_cli_refuses_other_algorithms_and_runners(tmp_path: Path) -> None:
    """--runner native with --algo sac, and an unknown --runner, fail with clear messages."""
    import subprocess
    import sys

    command = [sys.executable, "-m", "rlbench_suite.cli", "train", "--env", CARTPOLE]
    wrong_algo = subprocess.run(
        [*command, "--algo", "sac", "--runner", "native", "--out", str(tmp_path)],
        capture_output=True,
        text=True,
    )
    assert wrong_algo.returncode != 0
    assert "--runner native trains ppo only, got --algo sac" in wrong_algo.stderr
    wrong_runner = subprocess.run(
        [*command, "--algo", "ppo", "--runner", "jax"], capture_output=True, text=True
    )
    assert wrong_runner.returncode == 2
    assert "invalid choice: 'jax' (choose from 'sb3', 'native')" in wrong_runner.stderr


def test_sweep_entries_pick_the_runner(tmp_path: Path) -> None:
    """runner: native makes native_ppo runs beside SB3's; an unknown runner is an error."""
    from rlbench_suite.baselines.sweep import load_sweep

    path = tmp_path / "sweep.yaml"
    path.write_text(
        "grid:\n"
        f"  - {{algo: ppo, runner: native, envs: [{CARTPOLE}], seeds: [0, 1]}}\n"
        f"  - {{algo: ppo, envs: [{CARTPOLE}], seeds: [0]}}\n"
    )
    sweep = load_sweep(path)
    assert sorted(run.label for run in sweep.runs) == [
        f"native_ppo {CARTPOLE} seed 0",
        f"native_ppo {CARTPOLE} seed 1",
        f"ppo {CARTPOLE} seed 0",
    ]
    path.write_text(f"grid:\n  - {{algo: ppo, runner: jax, envs: [{CARTPOLE}], seeds: [0]}}\n")
    with pytest.raises(ConfigError, match="'runner' must be one of sb3, native, got 'jax'"):
        load_sweep(path)
    path.write_text(f"grid:\n  - {{algo: sac, runner: native, envs: [{CARTPOLE}], seeds: [0]}}\n")
    with pytest.raises(ConfigError, match="runner native trains ppo only"):
        load_sweep(path)


# -- The full claims (minutes each) ---------------------------------------------------------


@pytest.mark.slow
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_cartpole_is_solved(tmp_path: Path, seed: int) -> None:
    """The shipped CartPole config's final evaluation (20 episodes) averages >= 475."""
    outcome = train(load_native_config(CARTPOLE), seed=seed, out_dir=tmp_path)
    assert outcome.result["evaluation"]["mean_return"] >= 475


@pytest.mark.slow
@pytest.mark.xfail(
    reason="not reached yet: 445 after 160k steps in our trials (PID 470.92); see native_ppo.yaml",
    strict=False,
)
def test_quad_hover_reaches_the_pid_return(tmp_path: Path) -> None:
    """The shipped QuadHover config's final evaluation reaches the PID's reference return."""
    outcome = train(load_native_config(QUAD), seed=0, out_dir=tmp_path)
    pid = env_card(QUAD).references.expert
    assert outcome.result["evaluation"]["mean_return"] >= pid


def test_the_evaluation_loop_scores_the_learner_as_the_board_does(tmp_path: Path) -> None:
    """The learner's own agent and the replayed model.zip give the same episode returns."""
    from rlbench_suite.agents.sb3 import load_agent

    config = small(CARTPOLE, n_envs=4, n_steps=64)
    learner = NativePPO(config, seed=3)
    learner.learn(2048)
    learner.save(tmp_path / "model.zip")
    policy_kwargs = config.settings(2048)["hyperparameters"]["policy_kwargs"]
    replay = load_agent(tmp_path / "model.zip", "ppo", CARTPOLE, (), policy_kwargs)
    ours = evaluate(learner.agent(), CARTPOLE, seeds=range(3)).records
    theirs = evaluate(replay, CARTPOLE, seeds=range(3)).records
    assert [r.episode_return for r in ours] == [r.episode_return for r in theirs]
    learner.close()
