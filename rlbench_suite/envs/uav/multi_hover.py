"""MultiQuadHover: 2 to 8 Crazyflies take off side by side, each to its own height.

## Description

gym-pybullet-drones' ``MultiHoverAviary`` on the NumPy model: drone ``i`` starts on the diagonal
``(i s, i s, rest_height + 0.1)`` with ``s = 4 x arm = 0.16 m`` and hovers ``1 / (i + 1)`` m above
its start. The drones share one simulation: a drone flying under another feels its downwash, and
two drones closer than ``collision_distance`` (default two collision radii, 0.12 m) collide.
Built as a PettingZoo ``ParallelEnv`` (``parallel_env()``; ``env()`` gives the AEC version), with a
centralised single-agent twin, ``rlbench/MultiQuadHoverCentral-v0``, that SB3 can train on.

## Action Space

Per agent ``Box(-1, 1, (k,), float32)`` as QuadHover (``k`` = 4 for ``"rpm"``). The twin takes the
agents' actions concatenated, ``Box(-1, 1, (N k,))``.

## Observation Space

Per agent ``Box(float32)`` of ``15 + 15 k + 3 (N - 1)`` entries:

| index | observation | unit |
|-------|-------------|------|
| 0-11  | own kinematics: position, roll/pitch/yaw, velocity, body rates | m, rad, m/s, rad/s |
| 12-14 | own target minus own position | m |
| 15-   | own last ``ctrl_freq / 2`` actions, oldest first | as the action |
| then  | the other drones' positions minus own position, in agent order | m |

The twin observes the N per-drone blocks (without the relative positions) concatenated.

## Rewards

Per agent, HoverAviary's ``max(0, 2 - ||p*_i - p_i||^4)``; the twin's reward is their sum.

## Starting State

Level, still, motors stopped at the start positions, plus ``+-start_jitter`` (0.02 m) in x and y.

## Episode End

A collision terminates the episode for every agent (``info["collision"]``); any drone beyond the
HoverAviary limits (``|x|``, ``|y|`` > 1.5 m, ``z`` > 2 m, tilt > 0.4 rad) truncates it for every
agent, as MultiHoverAviary does; so does the 8 s time limit (240 steps).

## Arguments

```python
rlbench_suite.make_multiagent("rlbench/MultiQuadHover-v0", num_drones=2, action_type="rpm",
                              collision_distance=0.12, start_jitter=0.02, params=None,
                              render_mode=None)
gym.make("rlbench/MultiQuadHoverCentral-v0", num_drones=2, ...)
```

## Reference Scores

Random and the DSL PID expert (one controller per drone, on the twin), 20 episodes from seed 0.

## Version History

- v0: first release.

## Credits

gym-pybullet-drones' MultiHoverAviary and its downwash model (Panerati et al., IROS 2021);
PettingZoo's Parallel API (Terry et al., NeurIPS 2021).

Example:
    >>> import rlbench_suite.envs.uav
    >>> from rlbench_suite.envs.uav.multi_hover import parallel_env
    >>> env = parallel_env(num_drones=3)
    >>> observations, infos = env.reset(seed=0)
    >>> env.agents
    ['drone_0', 'drone_1', 'drone_2']
    >>> actions = {agent: env.action_space(agent).sample() for agent in env.agents}
    >>> observations, rewards, terminations, truncations, infos = env.step(actions)
    >>> observations["drone_1"].shape
    (81,)

"""

from __future__ import annotations

from typing import Any, ClassVar

import numpy as np
from gymnasium import spaces
from pettingzoo import ParallelEnv
from pettingzoo.utils import parallel_to_aec

from rlbench_suite.envs.uav.base import OBSERVATION_BOUND, ActionType, QuadrotorEnv
from rlbench_suite.envs.uav.dynamics import CrazyflieParams, QuadrotorState
from rlbench_suite.envs.uav.hover import hover_reward
from rlbench_suite.envs.validation import EnvContract

MIN_DRONES, MAX_DRONES = 2, 8


class MultiQuadHoverCentralEnv(QuadrotorEnv):
    """The centralised twin: one agent flies every drone (see the module docstring)."""

    def __init__(
        self,
        num_drones: int = 2,
        action_type: ActionType | str = ActionType.RPM,
        collision_distance: float | None = None,
        start_jitter: float = 0.02,
        ctrl_freq: int = 30,
        pyb_freq: int = 240,
        episode_seconds: float = 8.0,
        params: CrazyflieParams | dict[str, Any] | None = None,
        render_mode: str | None = None,
    ) -> None:
        name = type(self).__name__
        if not isinstance(num_drones, int | np.integer) or not (
            MIN_DRONES <= num_drones <= MAX_DRONES
        ):
            raise ValueError(
                f"{name}: num_drones must be an integer from {MIN_DRONES} to {MAX_DRONES}, "
                f"got {num_drones!r}"
            )
        if collision_distance is not None and not collision_distance > 0:
            raise ValueError(f"{name}: collision_distance must be > 0, got {collision_distance!r}")
        if not start_jitter >= 0:
            raise ValueError(f"{name}: start_jitter must be >= 0, got {start_jitter!r}")
        self.start_jitter = float(start_jitter)
        self._collision_distance = collision_distance
        self.collision = False
        super().__init__(
            num_drones=int(num_drones),
            action_type=action_type,
            ctrl_freq=ctrl_freq,
            pyb_freq=pyb_freq,
            episode_seconds=episode_seconds,
            params=params,
            render_mode=render_mode,
        )
        self.collision_distance = (
            2.0 * self.params.collision_radius if collision_distance is None else collision_distance
        )
        # MultiHoverAviary's targets: drone i climbs 1 / (i + 1) m above its start.
        self.targets = self._home_positions()
        self.targets[:, 2] += 1.0 / (np.arange(self.num_drones) + 1.0)

    def _reset_drones(self) -> QuadrotorState:
        home = self._home_positions()
        jitter = self.start_jitter
        home[:, 0:2] += self.np_random.uniform(-jitter, jitter, (self.num_drones, 2))
        return QuadrotorState.at_rest(home)

    def control_target(self) -> tuple[np.ndarray, np.ndarray]:
        """Each drone's target (N, 3) and zero velocity (N, 3)."""
        return self.targets.copy(), np.zeros((self.num_drones, 3))

    def _task_feature_size(self) -> int:
        return 3

    def _task_features(self) -> np.ndarray:
        return self.targets - self.sensed_kinematics()["position"]

    def drone_rewards(self) -> np.ndarray:
        """HoverAviary's reward of each drone now, (N,)."""
        distance = np.linalg.norm(self.targets - self.state.position, axis=1)
        return np.asarray(hover_reward(distance), dtype=float)

    def _reward(self) -> float:
        return float(self.drone_rewards().sum())

    def _after_step(self) -> None:
        super()._after_step()
        position = self.state.position
        gaps = np.linalg.norm(position[:, None, :] - position[None, :, :], axis=2)
        np.fill_diagonal(gaps, np.inf)
        self.collision = bool(np.any(gaps < self.collision_distance))

    def _terminated(self) -> bool:
        return self.collision

    def _info(self) -> dict[str, Any]:
        return {"collision": self.collision, "drone_rewards": self.drone_rewards()}


class MultiQuadHoverParallelEnv(EnvContract, ParallelEnv):
    """PettingZoo ParallelEnv: one agent per drone, all stepping the shared simulation.

    ``reset`` accepts any ``options`` and ignores them, as PettingZoo's API test requires of a
    ParallelEnv (it resets with ``options={"options": 1}``); the twin is reset without them.
    """

    metadata: ClassVar[dict[str, Any]] = {
        "name": "multi_quad_hover_v0",
        "render_modes": ["rgb_array", "human"],
        "render_fps": 30,
        "is_parallelizable": True,
    }

    def __init__(self, num_drones: int = 2, render_mode: str | None = None, **kwargs: Any) -> None:
        self.central = MultiQuadHoverCentralEnv(
            num_drones=num_drones, render_mode=render_mode, **kwargs
        )
        # This env guards its own step and close; the twin is stepped only through it, so it
        # would report the same misuse a second time, under a name the user never built.
        self.central.warns_on_misuse = False
        self.render_mode = render_mode
        self.possible_agents = [f"drone_{index}" for index in range(self.central.num_drones)]
        self.agents: list[str] = []
        block = self.central.drone_observation_size
        neighbours = 3 * (self.central.num_drones - 1)
        central_low = self.central.observation_space.low[:block]
        central_high = self.central.observation_space.high[:block]
        low = np.concatenate(
            [central_low, np.full(neighbours, -OBSERVATION_BOUND, dtype=np.float32)]
        )
        high = np.concatenate(
            [central_high, np.full(neighbours, OBSERVATION_BOUND, dtype=np.float32)]
        )
        # PettingZoo expects the same space object on every call.
        self.observation_spaces = {
            agent: spaces.Box(low, high, dtype=np.float32) for agent in self.possible_agents
        }
        self.action_spaces = {
            agent: spaces.Box(-1.0, 1.0, shape=(self.central.action_size,), dtype=np.float32)
            for agent in self.possible_agents
        }

    def observation_space(self, agent: str) -> spaces.Box:
        """One drone's observation space (see the module docstring)."""
        return self.observation_spaces[agent]

    def action_space(self, agent: str) -> spaces.Box:
        """One drone's action space."""
        return self.action_spaces[agent]

    def _split(self, central_observation: np.ndarray) -> dict[str, np.ndarray]:
        blocks = central_observation.reshape(self.central.num_drones, -1)
        positions = self.central.sensed_kinematics()["position"]
        observations = {}
        for index, agent in enumerate(self.possible_agents):
            others = np.delete(positions, index, axis=0) - positions[index]
            observations[agent] = np.concatenate([blocks[index], others.reshape(-1)]).astype(
                np.float32
            )
        return observations

    def reset(
        self, seed: int | None = None, options: dict[str, Any] | None = None
    ) -> tuple[dict[str, np.ndarray], dict[str, dict[str, Any]]]:
        """Start an episode; every drone is an agent again (``options`` are ignored)."""
        self._start_episode()
        observation, _ = self.central.reset(seed=seed)
        self.agents = list(self.possible_agents)
        return self._split(observation), {agent: {} for agent in self.agents}

    def step(self, actions: dict[str, Any]) -> tuple[dict, dict, dict, dict, dict]:
        """Step every drone with its agent's action; the episode ends for all agents at once.

        After the end no agent is left: a step warns (see :class:`EnvContract`) and, with no
        drone to act, returns empty dicts. Before the first reset it raises, as Gymnasium's
        ``OrderEnforcing`` does.
        """
        self._warn_if_stepped_out_of_episode()
        if not self.agents:
            if not self._episode_over:
                raise RuntimeError(f"{type(self).__name__}: call reset() before step()")
            return {}, {}, {}, {}, {}
        missing = [agent for agent in self.agents if agent not in actions]
        if missing:
            raise ValueError(f"MultiQuadHover: no action for agents {missing}")
        joint = np.concatenate(
            [np.asarray(actions[agent], dtype=np.float32).reshape(-1) for agent in self.agents]
        )
        observation, _, terminated, truncated, info = self.central.step(joint)
        rewards_by_drone = info["drone_rewards"]
        observations = self._split(observation)
        rewards = {agent: float(rewards_by_drone[i]) for i, agent in enumerate(self.agents)}
        terminations = dict.fromkeys(self.agents, terminated)
        truncations = dict.fromkeys(self.agents, truncated)
        infos = {
            agent: {"collision": info["collision"], "crashed": info["crashed"]}
            for agent in self.agents
        }
        if terminated or truncated:
            self.agents = []
        self._record_step_end(terminated, truncated)
        return observations, rewards, terminations, truncations, infos

    def render(self) -> np.ndarray | None:
        """The shared scene, drawn as the twin draws it."""
        return self.central.render()

    def close(self) -> None:
        """Close the render window, if any."""
        self.central.close()
        super().close()

    def state(self) -> np.ndarray:
        """The twin's observation: every drone's block, concatenated."""
        return self.central._observation()


raw_env = MultiQuadHoverParallelEnv


def parallel_env(**kwargs: Any) -> MultiQuadHoverParallelEnv:
    """The ParallelEnv, as PettingZoo modules name their constructor."""
    return MultiQuadHoverParallelEnv(**kwargs)


def env(**kwargs: Any) -> Any:
    """The AEC (turn-by-turn) version, through PettingZoo's parallel_to_aec."""
    return parallel_to_aec(parallel_env(**kwargs))


def agent_return_bounds(**env_kwargs: Any) -> tuple[float, float]:
    """Smallest and largest episode return of one agent (drone) of ``parallel_env(**env_kwargs)``.

    Each drone is paid HoverAviary's :func:`hover_reward` of its own distance to its target,
    within [0, 2] a step; with the default 8 s at 30 Hz (240 steps) one agent's returns lie in
    [0, 480]. A collision or any drone's crash ends the episode early, after one step at least.
    """
    import inspect
    import math

    from rlbench_suite.envs.uav.base import quadrotor_return_bounds

    # parallel_env passes its keyword arguments on to the centralised twin, which reads them.
    arguments = inspect.signature(MultiQuadHoverCentralEnv).bind(**env_kwargs)
    arguments.apply_defaults()
    values = arguments.arguments
    step_reward_bounds = (float(hover_reward(math.inf)), float(hover_reward(0.0)))
    return quadrotor_return_bounds(
        step_reward_bounds, values["episode_seconds"], values["ctrl_freq"]
    )


def return_bounds(**env_kwargs: Any) -> tuple[float, float]:
    """Smallest and largest episode return of ``MultiQuadHoverCentralEnv(**env_kwargs)``.

    The twin's reward is the sum of the drones' rewards over one shared episode, so its bounds
    are ``num_drones`` times one agent's (:func:`agent_return_bounds`): [0, 960] for the
    default two drones.
    """
    import inspect

    arguments = inspect.signature(MultiQuadHoverCentralEnv).bind(**env_kwargs)
    arguments.apply_defaults()
    num_drones = arguments.arguments["num_drones"]
    low, high = agent_return_bounds(**env_kwargs)
    return num_drones * low, num_drones * high
