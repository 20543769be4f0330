"""Wrappers for multi-objective envs: scalarise rewards, centralise agents, record vector returns.

- :class:`LinearScalarisation`: a single-agent multi-objective Gymnasium env (MO-Gymnasium's
  protocol) as a scalar-reward env, ``w . r``, with the vector in ``info`` as MO-Gymnasium's
  ``LinearReward`` puts it; the wrapped env passes Gymnasium's ``check_env``.
- :class:`LinearizeRewards`: the same per agent on a multi-objective ``ParallelEnv``
  (MOMAland's ``LinearizeReward``).
- :class:`CentraliseAgents`: a ``ParallelEnv`` as one Gymnasium env that observes and acts for
  every agent (MOMAland's ``CentraliseAgent``), so single-agent learners such as SB3 train on it.
- :class:`VectorEpisodeStatistics`: per-agent and team episode returns (vectors for
  multi-objective envs) and lengths in the infos of a ``ParallelEnv``'s final step.

Every ``info`` handed out is a fresh dict holding fresh arrays: nothing is shared between agents
or between steps, so a learner that keeps an info (or writes into it) never changes another.

Example:
    >>> import numpy as np
    >>> from rlbench_suite.testing import TwoTreasureEnv
    >>> from rlbench_suite.wrappers.multi_objective import LinearScalarisation
    >>> env = LinearScalarisation(TwoTreasureEnv(), weights=[0.25, 0.75])
    >>> _ = env.reset(seed=0)
    >>> _, reward, _, _, info = env.step(1)
    >>> info["vector_reward"], info["reward_weights"]
    (array([0.        , 0.81848085], dtype=float32), array([0.25, 0.75]))
    >>> round(reward, 6)
    0.613861

"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Literal

import gymnasium as gym
import numpy as np
from gymnasium import spaces
from pettingzoo.utils.wrappers.base_parallel import BaseParallelWrapper

from rlbench_suite.envs.moma.protocol import is_multi_objective_parallel
from rlbench_suite.envs.validation import env_name, validate_action

RewardAggregation = Literal["sum", "mean", "vector"]
REWARD_AGGREGATIONS: tuple[str, ...] = ("sum", "mean", "vector")


def check_weights(weights: Any, reward_dim: int, owner: str) -> np.ndarray:
    """``weights`` as a float64 array of shape ``(reward_dim,)``: finite, >= 0, not all zero.

    All objectives are maximised, so a negative weight would minimise one: refused. Raises
    ``ValueError`` naming ``owner``, what was expected and what came.
    """
    expected = f"{reward_dim} finite non-negative weights, not all zero"
    try:
        array = np.array(weights, dtype=np.float64)
    except (TypeError, ValueError):
        raise ValueError(f"{owner}: expected {expected}, got {weights!r}") from None
    if array.shape != (reward_dim,):
        raise ValueError(f"{owner}: expected {expected}, got shape {array.shape}: {weights!r}")
    if not np.all(np.isfinite(array)) or np.any(array < 0) or not np.any(array > 0):
        raise ValueError(f"{owner}: expected {expected}, got {array.tolist()}")
    return array


def _reward_space_of(env: gym.Env) -> spaces.Box:
    space = getattr(env.unwrapped, "reward_space", None)
    if not isinstance(space, spaces.Box) or len(space.shape) != 1:
        raise TypeError(
            f"{env_name(env.unwrapped)}: expected a multi-objective env (env.unwrapped."
            f"reward_space a 1-D Box, as MO-Gymnasium's), got reward_space={space!r}"
        )
    return space


def _require_parallel(env: Any, wrapper: str) -> None:
    if not hasattr(env, "possible_agents"):
        raise TypeError(
            f"{wrapper}: expected a PettingZoo ParallelEnv (with possible_agents), got "
            f"{type(env).__name__}"
        )


class LinearScalarisation(gym.Wrapper, gym.utils.RecordConstructorArgs):
    """Scalar reward ``w . r`` from a multi-objective env; ``info`` keeps the vector.

    As MO-Gymnasium's ``LinearReward``: ``info["vector_reward"]`` is the env's reward vector and
    ``info["reward_weights"]`` the weights, both fresh arrays on every step (MO-Gymnasium 1.3
    returns one weight array in every info, which Gymnasium 1.x's ``check_env`` rejects).
    ``weights`` default to equal weights ``1 / reward_dim`` (MO-Gymnasium's default is ones:
    the same preference, on a scale that keeps the reward's range). The reward is a Python
    float; :meth:`update_weight` changes the weights between episodes (MO-Gymnasium's name).
    """

    def __init__(self, env: gym.Env, weights: Sequence[float] | np.ndarray | None = None) -> None:
        # Recorded so that Gymnasium can rebuild the wrapper from env.spec, as check_env does.
        gym.utils.RecordConstructorArgs.__init__(
            self, weights=None if weights is None else np.asarray(weights).tolist()
        )
        gym.Wrapper.__init__(self, env)
        self.reward_dim = int(_reward_space_of(env).shape[0])
        self.weights = self._checked(weights)

    def _checked(self, weights: Any) -> np.ndarray:
        if weights is None:
            return np.full(self.reward_dim, 1.0 / self.reward_dim)
        return check_weights(weights, self.reward_dim, f"{env_name(self.env)} LinearScalarisation")

    def update_weight(self, weights: Sequence[float] | np.ndarray) -> None:
        """Use ``weights`` from the next step on (checked as in the constructor)."""
        self.weights = self._checked(weights)

    def step(self, action: Any) -> tuple[Any, float, bool, bool, dict[str, Any]]:
        """Step the env; the reward is ``weights . vector_reward``."""
        observation, vector_reward, terminated, truncated, info = self.env.step(action)
        vector = np.array(vector_reward, dtype=np.float32)
        info = dict(info)
        info["vector_reward"] = vector
        info["reward_weights"] = self.weights.copy()
        reward = float(np.dot(self.weights, vector.astype(np.float64)))
        return observation, reward, terminated, truncated, info


class LinearizeRewards(BaseParallelWrapper):
    """Each agent's reward vector as the scalar ``w_agent . r`` (MOMAland's ``LinearizeReward``).

    ``weights`` is one weight sequence for every agent, or a mapping from every agent in
    ``possible_agents`` to its own. Each agent's info gains ``vector_reward`` and
    ``reward_weights`` (fresh arrays). The wrapped env is single-objective: it has no
    ``reward_space``.
    """

    #: Rewards are scalars after linearisation; a reward space would describe the inner env's.
    reward_space = None
    reward_spaces = None

    def __init__(self, env: Any, weights: Sequence[float] | np.ndarray | Mapping[str, Any]) -> None:
        super().__init__(env)
        _require_parallel(env, "LinearizeRewards")
        name = f"{type(env.unwrapped).__name__} LinearizeRewards"
        if not is_multi_objective_parallel(env):
            raise TypeError(f"{name}: expected a ParallelEnv with reward_space(agent), got {env!r}")
        agents = list(env.possible_agents)
        if isinstance(weights, Mapping):
            missing = [agent for agent in agents if agent not in weights]
            unknown = [agent for agent in weights if agent not in agents]
            if missing or unknown:
                raise ValueError(
                    f"{name}: expected weights for exactly the agents {agents}; missing "
                    f"{missing}, unknown {unknown}"
                )
            per_agent = {agent: weights[agent] for agent in agents}
        else:
            per_agent = {agent: weights for agent in agents}
        self.weights = {
            agent: check_weights(value, env.reward_space(agent).shape[0], f"{name} ({agent})")
            for agent, value in per_agent.items()
        }

    def step(self, actions: dict[str, Any]) -> tuple[dict, dict, dict, dict, dict]:
        """Step the env; each agent's reward is its weights dotted with its reward vector."""
        observations, vector_rewards, terminations, truncations, infos = self.env.step(actions)
        rewards: dict[str, float] = {}
        fresh_infos = {agent: dict(info) for agent, info in infos.items()}
        for agent, vector_reward in vector_rewards.items():
            vector = np.array(vector_reward, dtype=np.float32)
            rewards[agent] = float(np.dot(self.weights[agent], vector.astype(np.float64)))
            info = fresh_infos.setdefault(agent, {})
            info["vector_reward"] = vector
            info["reward_weights"] = self.weights[agent].copy()
        return observations, rewards, terminations, truncations, fresh_infos


class CentraliseAgents(gym.Env):
    """One Gymnasium env that observes and acts for every agent of a ``ParallelEnv``.

    **Layout** (fixed for the whole episode, in ``possible_agents`` order, even as agents come
    and go): the observation is every agent's observation flattened as Gymnasium's
    ``spaces.flatten`` does (a Discrete one one-hot), then one presence flag per
    agent (1.0 while the agent acts, 0.0 once it left or before it came), float32. An absent
    agent's slot holds zeros (clipped into its observation space where 0 lies outside). The
    action is every agent's flattened action concatenated (Box spaces) or one integer per agent
    (Discrete spaces: a ``MultiDiscrete``); the part of an absent agent is checked against the
    space and then ignored.

    **Reward** (``reward``): ``"sum"`` or ``"mean"`` over the agents that acted this step, a
    float for scalar-reward envs and a vector for multi-objective ones, as MOMAland's
    ``CentraliseAgent``; ``"vector"``: every agent's reward side by side (``num_agents`` values,
    or ``num_agents * reward_dim``), 0 for absent agents, which makes each agent's reward an
    objective. A vector reward makes this a multi-objective env in MO-Gymnasium's protocol
    (``reward_space``, ``reward_dim``): wrap it in :class:`LinearScalarisation` to train on it.

    **Episode end**: when no agent is left. ``truncated`` if any agent's episode was truncated
    (the team ran out of time), else ``terminated``. ``info`` holds each agent's info and reward
    of the step under ``"agent_infos"`` and ``"agent_rewards"``.
    """

    def __init__(self, env: Any, reward: RewardAggregation | str = "sum") -> None:
        _require_parallel(env, "CentraliseAgents")
        self.env = env
        self.name = f"{type(env.unwrapped).__name__} CentraliseAgents"
        if reward not in REWARD_AGGREGATIONS:
            raise ValueError(
                f"{self.name}: expected reward in {list(REWARD_AGGREGATIONS)}, got {reward!r}"
            )
        self.reward_aggregation = reward
        self.agent_order = list(env.possible_agents)
        self.metadata = {"render_modes": list(env.metadata.get("render_modes", []))}
        self.render_mode = getattr(env, "render_mode", None)
        self._build_observation_layout()
        self._build_action_layout()
        self._build_reward_space()
        self._any_truncated = False

    def _build_observation_layout(self) -> None:
        lows, highs, self._observation_sizes, self._absent_observations = [], [], [], []
        for agent in self.agent_order:
            space = self.env.observation_space(agent)
            try:
                flat = spaces.flatten_space(space)
            except NotImplementedError:
                flat = None
            if not isinstance(flat, spaces.Box):
                raise TypeError(
                    f"{self.name}: expected observation spaces that flatten to a Box (Box, "
                    f"Discrete, MultiDiscrete, MultiBinary, Tuple or Dict of them), got {space} "
                    f"for {agent!r}"
                )
            low, high = flat.low.astype(np.float64), flat.high.astype(np.float64)
            lows.append(low)
            highs.append(high)
            self._observation_sizes.append(low.size)
            self._absent_observations.append(np.clip(np.zeros_like(low), low, high))
        count = len(self.agent_order)
        lows.append(np.zeros(count))
        highs.append(np.ones(count))
        self.observation_space = spaces.Box(
            np.concatenate(lows).astype(np.float32),
            np.concatenate(highs).astype(np.float32),
            dtype=np.float32,
        )

    def _build_action_layout(self) -> None:
        agent_spaces = [self.env.action_space(agent) for agent in self.agent_order]
        if all(isinstance(space, spaces.Discrete) for space in agent_spaces):
            self.action_space = spaces.MultiDiscrete(
                [space.n for space in agent_spaces],
                start=[space.start for space in agent_spaces],
            )
            self._action_sizes = [1] * len(agent_spaces)
        elif all(isinstance(space, spaces.Box) for space in agent_spaces):
            self.action_space = spaces.Box(
                np.concatenate([space.low.ravel() for space in agent_spaces]),
                np.concatenate([space.high.ravel() for space in agent_spaces]),
                dtype=np.result_type(*[space.dtype for space in agent_spaces]),
            )
            self._action_sizes = [int(np.prod(space.shape)) for space in agent_spaces]
        else:
            kinds = sorted({type(space).__name__ for space in agent_spaces})
            raise TypeError(
                f"{self.name}: expected every agent's action space to be Box, or every one "
                f"Discrete; got {kinds}"
            )

    def _build_reward_space(self) -> None:
        self.multi_objective = is_multi_objective_parallel(self.env)
        if not self.multi_objective:
            if self.reward_aggregation == "vector":
                count = len(self.agent_order)
                self._set_reward_space(np.full(count, -np.inf), np.full(count, np.inf))
            return
        agent_spaces = [self.env.reward_space(agent) for agent in self.agent_order]
        lows = np.array([space.low for space in agent_spaces], dtype=np.float64)
        highs = np.array([space.high for space in agent_spaces], dtype=np.float64)
        # An absent agent adds 0 to a sum and to its own slot, so 0 widens those bounds.
        if self.reward_aggregation == "sum":
            low, high = np.minimum(lows, 0).sum(axis=0), np.maximum(highs, 0).sum(axis=0)
        elif self.reward_aggregation == "mean":
            low, high = lows.min(axis=0), highs.max(axis=0)
        else:
            low, high = np.minimum(lows, 0).ravel(), np.maximum(highs, 0).ravel()
        self._set_reward_space(low, high)

    def _set_reward_space(self, low: np.ndarray, high: np.ndarray) -> None:
        self.reward_space = spaces.Box(
            low.astype(np.float32), high.astype(np.float32), dtype=np.float32
        )
        self.reward_dim = int(self.reward_space.shape[0])

    def _joint_observation(self, observations: Mapping[str, Any]) -> np.ndarray:
        parts = []
        for agent, absent in zip(self.agent_order, self._absent_observations, strict=True):
            if agent in observations:
                space = self.env.observation_space(agent)
                parts.append(np.asarray(spaces.flatten(space, observations[agent]), np.float64))
            else:
                parts.append(absent)
        present = set(self.env.agents)
        parts.append(np.array([float(agent in present) for agent in self.agent_order]))
        return np.concatenate(parts).astype(np.float32)

    def _joint_reward(self, rewards: Mapping[str, Any]) -> Any:
        acted = [np.asarray(rewards[agent], dtype=np.float64) for agent in rewards]
        if self.reward_aggregation == "vector":
            width = self.reward_dim // len(self.agent_order)
            slots = [
                np.asarray(rewards[agent], dtype=np.float64).reshape(width)
                if agent in rewards
                else np.zeros(width)
                for agent in self.agent_order
            ]
            return np.concatenate(slots).astype(np.float32)
        if self.multi_objective:
            if not acted:
                return np.zeros(self.reward_dim, dtype=np.float32)
            total = np.sum(acted, axis=0)
            joint = total if self.reward_aggregation == "sum" else total / len(acted)
            return joint.astype(np.float32)
        if not acted:
            return 0.0
        total = float(np.sum(acted))
        return total if self.reward_aggregation == "sum" else total / len(acted)

    def step(self, action: Any) -> tuple[np.ndarray, Any, bool, bool, dict[str, Any]]:
        """Split the joint action among the present agents, step, and join what comes back."""
        joint_action = validate_action(self, action)
        present = set(self.env.agents)
        actions: dict[str, Any] = {}
        start = 0
        for agent, size in zip(self.agent_order, self._action_sizes, strict=True):
            part = joint_action[start : start + size]
            start += size
            if agent not in present:
                continue
            space = self.env.action_space(agent)
            if isinstance(space, spaces.Discrete):
                actions[agent] = np.int64(part[0])
            else:
                actions[agent] = part.reshape(space.shape).astype(space.dtype)
        observations, rewards, _, truncations, infos = self.env.step(actions)
        self._any_truncated = self._any_truncated or any(truncations.values())
        episode_over = not self.env.agents
        truncated = bool(episode_over and self._any_truncated)
        terminated = bool(episode_over and not truncated)
        info = {
            "agent_infos": {agent: dict(agent_info) for agent, agent_info in infos.items()},
            "agent_rewards": {
                agent: np.array(value, dtype=np.float32) if np.ndim(value) else float(value)
                for agent, value in rewards.items()
            },
        }
        reward = self._joint_reward(rewards)
        return self._joint_observation(observations), reward, terminated, truncated, info

    def reset(
        self, *, seed: int | None = None, options: dict[str, Any] | None = None
    ) -> tuple[np.ndarray, dict[str, Any]]:
        """Reset the parallel env (with ``seed`` and ``options``) and join its observations."""
        super().reset(seed=seed)
        observations, infos = self.env.reset(seed=seed, options=options)
        self._any_truncated = False
        info = {"agent_infos": {agent: dict(agent_info) for agent, agent_info in infos.items()}}
        return self._joint_observation(observations), info

    def render(self) -> Any:
        """The parallel env's render."""
        return self.env.render()

    def close(self) -> None:
        """Close the parallel env."""
        self.env.close()


class VectorEpisodeStatistics(BaseParallelWrapper):
    """Per-agent and team episode returns and lengths in the infos of a ``ParallelEnv``.

    When an agent's episode ends (terminated or truncated, possibly before the others'), its
    info gains ``"episode": {"r": return, "l": length}``: ``r`` its undiscounted return, a
    float64 array of shape ``(reward_dim,)`` for multi-objective envs or a float for scalar
    ones, ``l`` its number of steps. On the step the last agents leave, their infos also gain
    ``"team_episode": {"r": ..., "l": ...}``: the sum of every agent's return (a team's total)
    and the number of parallel steps. Each dict and array is new (MOMAland's
    ``RecordEpisodeStatistics`` hands out its own dicts, zeroed on the next reset).
    """

    def __init__(self, env: Any) -> None:
        _require_parallel(env, "VectorEpisodeStatistics")
        super().__init__(env)
        self._returns: dict[str, Any] = {}
        self._lengths: dict[str, int] = {}
        self._team_return: Any = 0.0
        self._team_length = 0

    def reset(
        self, seed: int | None = None, options: dict[str, Any] | None = None
    ) -> tuple[dict, dict]:
        """Reset the env and the statistics."""
        observations, infos = self.env.reset(seed=seed, options=options)
        self._returns, self._lengths = {}, {}
        self._team_return, self._team_length = 0.0, 0
        return observations, {agent: dict(info) for agent, info in infos.items()}

    def step(self, actions: dict[str, Any]) -> tuple[dict, dict, dict, dict, dict]:
        """Step the env, add up rewards, and report the episodes that ended."""
        observations, rewards, terminations, truncations, infos = self.env.step(actions)
        fresh_infos = {agent: dict(info) for agent, info in infos.items()}
        self._team_length += 1
        for agent, reward in rewards.items():
            value = np.array(reward, dtype=np.float64)
            self._returns[agent] = self._returns.get(agent, 0.0) + value
            self._lengths[agent] = self._lengths.get(agent, 0) + 1
            self._team_return = self._team_return + value
        ended = [
            agent
            for agent in rewards
            if terminations.get(agent, False) or truncations.get(agent, False)
        ]
        episode_over = not self.env.agents
        for agent in ended:
            info = fresh_infos.setdefault(agent, {})
            info["episode"] = {"r": _as_return(self._returns[agent]), "l": self._lengths[agent]}
            if episode_over:
                info["team_episode"] = {
                    "r": _as_return(self._team_return),
                    "l": self._team_length,
                }
        return observations, rewards, terminations, truncations, fresh_infos


def _as_return(total: Any) -> Any:
    """A fresh copy: a float for a scalar total, a float64 array for a vector one."""
    array = np.array(total, dtype=np.float64)
    return float(array) if array.ndim == 0 else array
