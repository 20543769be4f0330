"""Tuning a rule's numbers on its env's MDP family, shared by the trading rules.

Settings are scored on the in-distribution split only, never on the instances or seeds the
references and the board use.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import gymnasium as gym
import numpy as np

from rlbench_suite.registry import env_card


def play_episode(env: gym.Env, agent: Any, seed: int) -> float:
    """One episode of ``agent`` on ``env`` from ``seed``; its undiscounted return."""
    agent.reset(seed)
    observation, _ = env.reset(seed=seed)
    total, done = 0.0, False
    while not done:
        observation, reward, terminated, truncated, _ = env.step(agent.act(observation))
        total, done = total + float(reward), terminated or truncated
    return total


def grid_search_on_family(
    env_id: str,
    make_agent: Callable[..., Any],
    grid: Mapping[str, Sequence[float]],
    num_instances: int,
    episodes_per_instance: int,
    seed: int = 0,
    allowed: Callable[..., bool] = lambda **_: True,
) -> tuple[dict[str, float], dict[tuple[float, ...], float]]:
    """The setting of ``grid`` with the best mean return, and every setting's mean.

    ``make_agent(env, **setting)`` builds the agent; ``allowed(**setting)`` drops settings that
    make no sense. Each setting plays ``episodes_per_instance`` episodes (seeds ``seed``,
    ``seed + 1``, ...) on the same ``num_instances`` in-distribution instances of ``env_id``.
    """
    card = env_card(env_id)
    instances = card.mdp_family.sample(num_instances, "in_distribution", seed)
    names = list(grid)
    means: dict[tuple[float, ...], float] = {}
    for values in itertools.product(*grid.values()):
        setting = dict(zip(names, values, strict=True))
        if not allowed(**setting):
            continue
        returns = []
        for kwargs in instances:
            env = gym.make(card.id, **kwargs)
            agent = make_agent(env, **setting)
            returns.extend(
                play_episode(env, agent, seed + episode) for episode in range(episodes_per_instance)
            )
            env.close()
        means[values] = float(np.mean(returns))
    best = max(means, key=means.__getitem__)
    return dict(zip(names, best, strict=True)), means
