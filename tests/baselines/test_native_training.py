"""The SB3 runner trains on an env's C kernel when the config asks for it (or on auto)."""

from __future__ import annotations

from pathlib import Path

import pytest

from rlbench_suite.baselines.sb3 import ConfigError, load_config, make_training_env, train
from rlbench_suite.vector.sb3 import NativeSB3VecEnv

TINY = """\
{env_id}:
  n_timesteps: 128
  n_envs: 4
  vec_env: {vec_env}
  eval_freq: 64
  eval_episodes: 1
  final_eval_episodes: 2
  torch_threads: 1
  n_steps: 16
  batch_size: 32
  n_epochs: 1
  policy_kwargs: {{net_arch: [16]}}
"""


def config_file(tmp_path: Path, env_id: str, vec_env: str) -> Path:
    path = tmp_path / "ppo.yaml"
    path.write_text(TINY.format(env_id=env_id, vec_env=vec_env))
    return path


@pytest.mark.parametrize("vec_env", ["native", "auto"])
def test_cartpole_trains_on_the_kernel(tmp_path: Path, vec_env: str) -> None:
    """`native` and `auto` both build the kernel's VecEnv, and a run completes on it."""
    config = load_config(
        "ppo", "rlbench/CartPole-v1", config_file(tmp_path, "rlbench/CartPole-v1", vec_env)
    )
    training_env = make_training_env(config, seed=0)
    assert isinstance(training_env.unwrapped, NativeSB3VecEnv)
    assert training_env.num_envs == 4
    training_env.close()
    outcome = train(config, seed=0, out_dir=tmp_path / "runs")
    assert outcome.result["evaluation"]["mean_return"] > 0
    assert (outcome.run_dir / "result.json").exists()


def test_auto_falls_back_to_python_envs_without_a_kernel(tmp_path: Path) -> None:
    """`auto` on an env with no kernel builds ordinary SB3 envs."""
    config = load_config(
        "ppo", "rlbench/RMAB-ARMMAN-v0", config_file(tmp_path, "rlbench/RMAB-ARMMAN-v0", "auto")
    )
    training_env = make_training_env(config, seed=0)
    assert not isinstance(training_env.unwrapped, NativeSB3VecEnv)
    training_env.close()


def test_native_on_an_env_without_a_kernel_names_the_problem(tmp_path: Path) -> None:
    """Asking for the kernel of an env that has none raises ConfigError naming the env."""
    config = load_config(
        "ppo", "rlbench/RMAB-ARMMAN-v0", config_file(tmp_path, "rlbench/RMAB-ARMMAN-v0", "native")
    )
    with pytest.raises(
        ConfigError, match="RMAB-ARMMAN-v0: vec_env native needs an env with a C kernel"
    ):
        make_training_env(config, seed=0)
