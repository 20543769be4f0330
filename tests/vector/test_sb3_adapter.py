"""The SB3 adapter: SB3's VecEnv contract over a kernel, checked against SB3's own DummyVecEnv."""

from __future__ import annotations

import numpy as np
import pytest

pytest.importorskip("stable_baselines3")

from stable_baselines3 import PPO
from stable_baselines3.common.logger import KVWriter, Logger
from stable_baselines3.common.vec_env import DummyVecEnv

import rlbench_suite
import rlbench_suite.envs.calibration  # noqa: F401
from rlbench_suite.vector import native_available
from rlbench_suite.vector.sb3 import NativeSB3VecEnv
from rlbench_suite.vector.twins import KernelStream, make_twin_vector_env

pytestmark = pytest.mark.skipif(not native_available(), reason="the C extension is not built")

NUM_ENVS = 4
# CartPole: 200-step episodes and 1e-6 on observations, as in test_parity.py (libm vs polynomial
# sin/cos); the bandit agrees bit for bit.
CASES = {
    "rlbench/CartPole-v1": ({"max_episode_steps": 200}, 1e-6),
    "rlbench/RMAB-TwoState-v0": ({"num_arms": 4, "budget": 1, "horizon": 7}, 0.0),
}


def _actions(env_id: str, rng: np.random.Generator, observations: np.ndarray) -> np.ndarray:
    if env_id == "rlbench/CartPole-v1":
        actions = rng.integers(0, 2, size=NUM_ENVS)
        actions[0] = int(observations[0, 2] + 0.5 * observations[0, 3] > 0)  # reaches 500 steps
        return actions
    actions = np.zeros((NUM_ENVS, 4), dtype=np.int8)
    actions[np.arange(NUM_ENVS), rng.integers(0, 4, size=NUM_ENVS)] = 1
    return actions


@pytest.mark.parametrize("env_id", sorted(CASES))
def test_adapter_matches_dummy_vec_env_over_the_twin(env_id: str) -> None:
    """Observations, rewards, dones, terminal_observation and TimeLimit.truncated match SB3's."""
    kwargs, tolerance = CASES[env_id]
    adapter = NativeSB3VecEnv(env_id, NUM_ENVS, **kwargs)
    twin = make_twin_vector_env(env_id, NUM_ENVS, seed=0, **kwargs)
    for index, env in enumerate(twin.envs):  # SB3's seed(21) gives env i the seed 21 + i
        env.unwrapped.np_random = KernelStream(21 + index, index)
    dummy = DummyVecEnv([lambda env=env: env for env in twin.envs])
    adapter.seed(21)
    observations = adapter.reset()
    np.testing.assert_allclose(observations, dummy.reset(), rtol=0, atol=tolerance)
    rng = np.random.default_rng(0)
    truncated_seen = 0
    for step in range(2000):
        actions = _actions(env_id, rng, observations)
        ours, theirs = adapter.step(actions), dummy.step(actions)
        np.testing.assert_allclose(ours[0], theirs[0], rtol=0, atol=tolerance)
        for name, a, b in zip(("obs", "rewards", "dones"), ours[:3], theirs[:3], strict=True):
            assert a.dtype == b.dtype, f"step {step}: {name} dtype"
        assert np.array_equal(ours[1], theirs[1]) and np.array_equal(ours[2], theirs[2])
        observations = ours[0]
        for env, (info, expected) in enumerate(zip(ours[3], theirs[3], strict=True)):
            assert info["TimeLimit.truncated"] == expected["TimeLimit.truncated"]
            truncated_seen += info["TimeLimit.truncated"]
            if ours[2][env]:
                np.testing.assert_allclose(
                    info["terminal_observation"],
                    expected["terminal_observation"],
                    rtol=0,
                    atol=tolerance,
                )
            else:
                assert "terminal_observation" not in info
    assert truncated_seen > 0
    adapter.close()


def test_ppo_learns_for_a_few_hundred_steps_on_the_adapter() -> None:
    """SB3's PPO collects rollouts and updates on the native CartPole without error."""
    venv = NativeSB3VecEnv("rlbench/CartPole-v1", 8)
    assert venv.get_attr("render_mode") == [None] * 8
    assert venv.env_is_wrapped(object) == [False] * 8
    model = PPO("MlpPolicy", venv, n_steps=32, batch_size=64, n_epochs=1, seed=0, device="cpu")
    model.learn(total_timesteps=512)
    assert model.num_timesteps >= 512
    venv.close()


def test_episode_statistics_match_vec_monitor() -> None:
    """Ended episodes carry Monitor's "episode" return and length, the numbers VecMonitor adds."""
    from stable_baselines3.common.vec_env import VecMonitor

    bare = NativeSB3VecEnv("rlbench/CartPole-v1", NUM_ENVS)
    monitored = VecMonitor(NativeSB3VecEnv("rlbench/CartPole-v1", NUM_ENVS))
    for venv in (bare, monitored):
        venv.seed(3)
        venv.reset()
    rng = np.random.default_rng(0)
    episodes = 0
    for _ in range(300):
        actions = rng.integers(0, 2, size=NUM_ENVS)
        _, _, dones, infos = bare.step(actions)
        _, _, _, expected = monitored.step(actions)
        for env in range(NUM_ENVS):
            if dones[env]:
                ours, theirs = infos[env]["episode"], expected[env]["episode"]
                assert (ours["r"], ours["l"]) == (theirs["r"], theirs["l"])
                episodes += 1
            else:
                assert "episode" not in infos[env]
    assert episodes > 10
    bare.close()
    monitored.close()


class _Recorder(KVWriter):
    """Keeps every value SB3's logger dumps."""

    def __init__(self) -> None:
        self.values: dict[str, list[float]] = {}

    def write(self, key_values: dict, key_excluded: dict, step: int = 0) -> None:
        for key, value in key_values.items():
            self.values.setdefault(key, []).append(value)


def test_sb3_logs_ep_rew_mean_without_a_vec_monitor() -> None:
    """PPO on the bare adapter logs rollout/ep_rew_mean and ep_len_mean (CartPole: equal)."""
    venv = NativeSB3VecEnv("rlbench/CartPole-v1", 8)
    model = PPO("MlpPolicy", venv, n_steps=64, batch_size=64, n_epochs=1, seed=0, device="cpu")
    recorder = _Recorder()
    model.set_logger(Logger(None, [recorder]))
    model.learn(total_timesteps=1024)
    returns = recorder.values["rollout/ep_rew_mean"]
    assert len(returns) == 2 and all(value > 5 for value in returns)
    assert recorder.values["rollout/ep_len_mean"] == returns  # CartPole pays 1 per step
    venv.close()
