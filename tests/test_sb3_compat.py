"""Stable-Baselines3 can train on the suite's envs (through TopKBudget for budgeted bandits)."""

from __future__ import annotations

import warnings

import gymnasium as gym
import numpy as np
from stable_baselines3 import PPO
from stable_baselines3.common.env_checker import check_env as sb3_check_env

import rlbench_suite  # noqa: F401
from rlbench_suite.wrappers import TopKBudget


def test_sb3_checker_accepts_the_wrapped_bandit_without_warnings() -> None:
    """SB3's env checker passes on TopKBudget(RMAB-TwoState) with warnings as errors."""
    env = TopKBudget(gym.make("rlbench/RMAB-TwoState-v0"))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        sb3_check_env(env, warn=True)


def test_ppo_actions_on_the_wrapped_bandit_are_always_feasible() -> None:
    """After a short PPO run every predicted action maps to exactly `budget` arms."""
    env = TopKBudget(gym.make("rlbench/RMAB-TwoState-v0", num_arms=8, budget=2, horizon=16))
    model = PPO("MlpPolicy", env, n_steps=64, batch_size=32, n_epochs=1, seed=0, device="cpu")
    model.learn(total_timesteps=128)
    observation, _ = env.reset(seed=1)
    for _ in range(16):
        action, _ = model.predict(observation, deterministic=False)
        assert np.asarray(env.action(action)).sum() == 2
        observation, _, terminated, truncated, _ = env.step(action)
        if terminated or truncated:
            break
