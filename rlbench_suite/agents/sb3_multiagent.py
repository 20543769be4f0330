"""Stable-Baselines3 learners on multi-agent ids: centralised, or independent sharing a policy.

A multi-agent id is a PettingZoo ``ParallelEnv`` (:func:`rlbench_suite.make_multiagent`). SB3
learns on one Gymnasium env, so there are two ways to train on it (``learners`` in a config):

- ``"centralised"``: one policy observes and acts for every agent, through
  :class:`~rlbench_suite.wrappers.multi_objective.CentraliseAgents` (MOMAland's
  ``CentraliseAgent``): the agents' observations flattened side by side with a presence flag
  each, the agents' actions concatenated, the team's reward (the sum over agents).
  :class:`CentralisedAgent` replays such a policy on the ParallelEnv.
- ``"independent"``: every agent learns from its own observation and its own reward, all with
  **one shared set of parameters** (parameter sharing, as SuperSuit's ``pettingzoo_env_to_vec_env``
  trains PettingZoo envs with SB3): :class:`SharedPolicyVecEnv` makes each agent of each env copy
  one sub-env of an SB3 ``VecEnv``. Parameter sharing needs every agent to have the same
  observation and action spaces; an agent that left the episode early is fed zero observations
  and its actions are dropped until its env copy resets. :class:`SharedPolicyAgent` replays it.

On a multi-objective id the per-agent reward vectors are linearly scalarised with the run's
``reward_weights`` (``w . r``) for learning; evaluation records the vectors.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

import gymnasium as gym
import numpy as np
from gymnasium import spaces
from stable_baselines3.common.base_class import BaseAlgorithm
from stable_baselines3.common.policies import BasePolicy
from stable_baselines3.common.vec_env import VecEnv

from rlbench_suite.registry import make_multiagent

LEARNERS = ("centralised", "independent")


def centralised_env(
    env_id: str, weights: Sequence[float] | None = None, **env_kwargs: Any
) -> gym.Env:
    """``env_id``'s ParallelEnv as one Gymnasium env (team reward; ``w . r`` with ``weights``)."""
    from rlbench_suite.wrappers.multi_objective import CentraliseAgents, LinearScalarisation

    env: gym.Env = CentraliseAgents(make_multiagent(env_id, **env_kwargs), reward="sum")
    return env if weights is None else LinearScalarisation(env, weights)


def shared_spaces(parallel_env: Any) -> tuple[gym.Space, gym.Space]:
    """The one observation and action space every agent shares (parameter sharing needs it)."""
    agents = list(parallel_env.possible_agents)
    observation = parallel_env.observation_space(agents[0])
    action = parallel_env.action_space(agents[0])
    for agent in agents[1:]:
        if parallel_env.observation_space(agent) != observation or (
            parallel_env.action_space(agent) != action
        ):
            raise ValueError(
                f"{type(parallel_env).__name__}: independent learners share one policy, so every "
                f"agent needs the same spaces; {agent!r} differs from {agents[0]!r} (train "
                "centralised learners instead)"
            )
    return observation, action


def learner_spaces(env_id: str, learners: str) -> tuple[gym.Space, gym.Space]:
    """The observation and action spaces a ``learners`` policy on ``env_id`` was trained on."""
    if learners not in LEARNERS:
        raise ValueError(f"learners must be one of {list(LEARNERS)}, got {learners!r}")
    if learners == "centralised":
        env = centralised_env(env_id)
        try:
            return env.observation_space, env.action_space
        finally:
            env.close()
    parallel = make_multiagent(env_id)
    try:
        return shared_spaces(parallel)
    finally:
        parallel.close()


class SharedPolicyVecEnv(VecEnv):
    """Every agent of ``num_copies`` copies of a ParallelEnv as one sub-env of an SB3 VecEnv.

    Sub-env ``c * num_agents + i`` is agent ``i`` of copy ``c``. An agent that has left its
    episode sees zeros, is paid 0 and its actions are dropped; when a copy's episode ends every
    one of its sub-envs reports done (with ``terminal_observation``) and the copy resets. On a
    multi-objective env each agent is paid ``weights . r``.
    """

    def __init__(
        self,
        env_fns: Sequence[Callable[[], Any]],
        weights: Sequence[float] | None = None,
    ) -> None:
        self.copies = [make() for make in env_fns]
        self.agent_order = list(self.copies[0].possible_agents)
        observation_space, action_space = shared_spaces(self.copies[0])
        self.weights = None if weights is None else np.asarray(weights, dtype=np.float64)
        super().__init__(len(self.copies) * len(self.agent_order), observation_space, action_space)
        self._seeds: list[int | None] = [None] * len(self.copies)
        self._observations = np.zeros((self.num_envs, *observation_space.shape), np.float32)
        self._actions: np.ndarray | None = None

    # -- the VecEnv protocol

    def reset(self) -> np.ndarray:
        """Reset every copy (with the seeds :meth:`seed` set, once)."""
        for index in range(len(self.copies)):
            self._reset_copy(index)
        self._seeds = [None] * len(self.copies)
        return self._observations.copy()

    def step_async(self, actions: np.ndarray) -> None:
        """Hold the actions for :meth:`step_wait`."""
        self._actions = np.asarray(actions)

    def step_wait(self) -> tuple[np.ndarray, np.ndarray, np.ndarray, list[dict[str, Any]]]:
        """Step every copy with its agents' actions; reset the copies whose episode ended."""
        assert self._actions is not None, "step_async first"
        count = len(self.agent_order)
        rewards = np.zeros(self.num_envs, dtype=np.float32)
        dones = np.zeros(self.num_envs, dtype=bool)
        infos: list[dict[str, Any]] = [{} for _ in range(self.num_envs)]
        for index, env in enumerate(self.copies):
            base = index * count
            actions = {
                agent: self._actions[base + slot]
                for slot, agent in enumerate(self.agent_order)
                if agent in env.agents
            }
            observations, step_rewards, terminations, truncations, _ = env.step(actions)
            for slot, agent in enumerate(self.agent_order):
                rewards[base + slot] = self._scalar(step_rewards.get(agent, 0.0))
                self._observations[base + slot] = self._observation(observations, agent)
            if not env.agents:
                truncated = any(truncations.values()) and not any(terminations.values())
                for slot in range(count):
                    dones[base + slot] = True
                    infos[base + slot] = {
                        "terminal_observation": self._observations[base + slot].copy(),
                        "TimeLimit.truncated": truncated,
                    }
                self._reset_copy(index)
        return self._observations.copy(), rewards, dones, infos

    def close(self) -> None:
        """Close every copy."""
        for env in self.copies:
            env.close()

    def seed(self, seed: int | None = None) -> Sequence[int | None]:
        """Copy ``c`` is reset with ``seed + c`` at the next :meth:`reset`."""
        self._seeds = [None if seed is None else seed + index for index in range(len(self.copies))]
        return self._seeds

    def get_attr(self, attr_name: str, indices: Any = None) -> list[Any]:
        """An attribute of the copy behind each sub-env."""
        return [
            getattr(self.copies[i // len(self.agent_order)], attr_name)
            for i in self._indices(indices)
        ]

    def set_attr(self, attr_name: str, value: Any, indices: Any = None) -> None:
        """Set an attribute on the copy behind each sub-env."""
        for i in self._indices(indices):
            setattr(self.copies[i // len(self.agent_order)], attr_name, value)

    def env_method(
        self, method_name: str, *method_args: Any, indices: Any = None, **method_kwargs: Any
    ) -> list[Any]:
        """Call a method of the copy behind each sub-env."""
        return [
            getattr(self.copies[i // len(self.agent_order)], method_name)(
                *method_args, **method_kwargs
            )
            for i in self._indices(indices)
        ]

    def env_is_wrapped(self, wrapper_class: type, indices: Any = None) -> list[bool]:
        """No copy is a Gymnasium env, so none is wrapped."""
        return [False for _ in self._indices(indices)]

    # -- helpers

    def _indices(self, indices: Any) -> list[int]:
        if indices is None:
            return list(range(self.num_envs))
        return [indices] if isinstance(indices, int) else list(indices)

    def _scalar(self, reward: Any) -> float:
        vector = np.asarray(reward, dtype=np.float64)
        if vector.ndim == 0:
            return float(vector)
        if self.weights is None:
            raise ValueError("a multi-objective env needs reward weights to train on")
        return float(np.dot(self.weights, vector))

    def _observation(self, observations: Mapping[str, Any], agent: str) -> np.ndarray:
        if agent not in observations:
            return np.zeros(self.observation_space.shape, np.float32)
        return np.asarray(observations[agent], dtype=np.float32)

    def _reset_copy(self, index: int) -> None:
        observations, _ = self.copies[index].reset(seed=self._seeds[index])
        base = index * len(self.agent_order)
        for slot, agent in enumerate(self.agent_order):
            self._observations[base + slot] = self._observation(observations, agent)


class SharedPolicyAgent:
    """One policy acting for every agent, each from its own observation (parameter sharing)."""

    def __init__(self, model: BaseAlgorithm | BasePolicy, deterministic: bool = True) -> None:
        self.model = model
        self.deterministic = deterministic

    def reset(self, seed: int | None = None) -> None:
        """A deterministic policy keeps no episode state."""
        if not self.deterministic and seed is not None:
            import torch

            torch.manual_seed(seed)

    def act(self, observations: Mapping[str, Any]) -> dict[str, Any]:
        """The shared policy's action for each agent that has an observation."""
        if not observations:
            return {}
        agents = list(observations)
        batch = np.stack([np.asarray(observations[agent], dtype=np.float32) for agent in agents])
        actions, _ = self.model.predict(batch, deterministic=self.deterministic)
        return {agent: actions[index] for index, agent in enumerate(agents)}


class CentralisedAgent:
    """A policy trained on :func:`centralised_env`, acting for every agent of the ParallelEnv.

    The joint observation is built as ``CentraliseAgents`` builds it (each agent's observation
    flattened in ``possible_agents`` order, an absent agent's slot zeros clipped into its space,
    then one presence flag per agent), and the joint action is split back per agent.
    """

    def __init__(
        self, model: BaseAlgorithm | BasePolicy, env_id: str, deterministic: bool = True
    ) -> None:
        self.model = model
        self.deterministic = deterministic
        parallel = make_multiagent(env_id)
        try:
            self.agent_order = list(parallel.possible_agents)
            self.observation_spaces = [parallel.observation_space(a) for a in self.agent_order]
            self.action_spaces = [parallel.action_space(a) for a in self.agent_order]
        finally:
            parallel.close()
        self.absent = []
        for space in self.observation_spaces:
            flat = spaces.flatten_space(space)
            self.absent.append(np.clip(np.zeros(flat.shape), flat.low, flat.high))
        self.discrete = all(isinstance(space, spaces.Discrete) for space in self.action_spaces)
        self.action_sizes = [
            1 if self.discrete else int(np.prod(space.shape)) for space in self.action_spaces
        ]

    def reset(self, seed: int | None = None) -> None:
        """A deterministic policy keeps no episode state."""
        if not self.deterministic and seed is not None:
            import torch

            torch.manual_seed(seed)

    def joint_observation(self, observations: Mapping[str, Any]) -> np.ndarray:
        """Every agent's flattened observation side by side, then the presence flags."""
        parts = [
            np.asarray(spaces.flatten(space, observations[agent]), np.float64)
            if agent in observations
            else absent
            for agent, space, absent in zip(
                self.agent_order, self.observation_spaces, self.absent, strict=True
            )
        ]
        parts.append(np.array([float(agent in observations) for agent in self.agent_order]))
        return np.concatenate(parts).astype(np.float32)

    def act(self, observations: Mapping[str, Any]) -> dict[str, Any]:
        """The joint action, split per agent (only for the agents that act now)."""
        joint, _ = self.model.predict(
            self.joint_observation(observations), deterministic=self.deterministic
        )
        flat = np.asarray(joint).reshape(-1)
        actions, start = {}, 0
        for agent, space, size in zip(
            self.agent_order, self.action_spaces, self.action_sizes, strict=True
        ):
            part = flat[start : start + size]
            start += size
            if agent in observations:
                actions[agent] = (
                    int(part[0]) if self.discrete else part.reshape(space.shape).astype(space.dtype)
                )
        return actions


def load_multiagent_agent(
    path: Path | str,
    algo: str,
    env_id: str,
    learners: str,
    policy_kwargs: Mapping[str, Any] | None = None,
    use_sde: bool = False,
    deterministic: bool = True,
    policy: str = "MlpPolicy",
) -> CentralisedAgent | SharedPolicyAgent:
    """The model at ``path`` (read as weights only) acting on the multi-agent ``env_id``."""
    from rlbench_suite.agents.sb3 import load_policy

    observation_space, action_space = learner_spaces(env_id, learners)
    loaded = load_policy(
        path, algo, observation_space, action_space, policy_kwargs, use_sde, policy
    )
    if learners == "centralised":
        return CentralisedAgent(loaded, env_id, deterministic)
    return SharedPolicyAgent(loaded, deterministic)


__all__ = [
    "LEARNERS",
    "CentralisedAgent",
    "SharedPolicyAgent",
    "SharedPolicyVecEnv",
    "centralised_env",
    "learner_spaces",
    "load_multiagent_agent",
    "shared_spaces",
]
