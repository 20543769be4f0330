"""Named agents on multi-agent ids: ``factory(parallel_env)`` with ``act(observations) -> actions``.

A multi-agent id is built with :func:`rlbench_suite.make_multiagent` (a PettingZoo
``ParallelEnv``); its agents act for every live agent at once, from a dict of observations to a
dict of actions. :func:`make_multiagent_agent` builds one by name: ``"random"`` samples each
agent's own action space, ``"pid"`` flies every drone of MultiQuadHover with its own PID
(:class:`ParallelPIDAgent`), and any other name is the family's own factory, which takes the
ParallelEnv (the multi-objective multi-agent family's agents, for instance).

Example:
    >>> import rlbench_suite
    >>> env = rlbench_suite.make_multiagent("rlbench/MultiQuadHover-v0")
    >>> agent = make_multiagent_agent("pid", env, "rlbench/MultiQuadHover-v0")
    >>> observations, _ = env.reset(seed=0)
    >>> agent.reset(seed=0)
    >>> sorted(agent.act(observations))
    ['drone_0', 'drone_1']

"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from rlbench_suite.registry import env_card


class MultiAgentRandom:
    """Every live agent samples its own action space, seeded per episode."""

    def __init__(self, env: Any) -> None:
        self.env = env

    def reset(self, seed: int | None = None) -> None:
        """Reseed every agent's action space from one episode seed."""
        rng = np.random.default_rng(seed)
        for name in self.env.possible_agents:
            self.env.action_space(name).seed(int(rng.integers(2**31)))

    def act(self, observations: dict[str, Any]) -> dict[str, Any]:
        """A random action for each agent that has an observation."""
        return {name: self.env.action_space(name).sample() for name in observations}


class ParallelPIDAgent:
    """The DSL PID of :class:`rlbench_suite.agents.uav.PIDAgent`, one controller per drone.

    Each drone's motor speeds come from its own observation block only (own kinematics, own
    target, own action history): the controller keeps per-drone state and never mixes drones,
    so the joint action equals what the same PID gives on the centralised twin
    (``rlbench/MultiQuadHoverCentral-v0``), which observes exactly these blocks concatenated.
    """

    def __init__(self, env: Any) -> None:
        from rlbench_suite.agents.uav import PIDAgent

        central = getattr(env, "central", None)
        if central is None or not hasattr(central, "drone_observation_size"):
            raise TypeError(
                f"{type(env).__name__}: the parallel PID flies MultiQuadHover's drones through "
                "its centralised simulation (env.central); this env has none"
            )
        self.agents = list(env.possible_agents)
        self.block = int(central.drone_observation_size)
        self.action_size = int(central.action_size)
        self.pid = PIDAgent(central)

    def reset(self, seed: int | None = None) -> None:
        """Zero every drone's PID integrals (the controller is deterministic)."""
        self.pid.reset(seed)

    def act(self, observations: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
        """Each drone's action, from its own block of its own observation."""
        missing = [agent for agent in self.agents if agent not in observations]
        if missing:
            raise KeyError(f"ParallelPIDAgent: no observation for drones {missing}")
        own_blocks = [np.asarray(observations[agent])[: self.block] for agent in self.agents]
        joint = self.pid.act(np.concatenate(own_blocks))
        per_drone = np.asarray(joint).reshape(len(self.agents), self.action_size)
        return {agent: per_drone[index] for index, agent in enumerate(self.agents)}


#: Multi-agent versions of agents whose single-agent factory takes a ``gym.Env``.
PARALLEL_FACTORIES: dict[str, Callable[[Any], Any]] = {
    "random": MultiAgentRandom,
    "pid": ParallelPIDAgent,
}


def make_multiagent_agent(name: str, env: Any, env_id: str) -> Any:
    """The agent ``name`` (or ``"expert"``) of the multi-agent id ``env_id``, for its ``env``.

    ``name`` must be one of the card's agents; ``"expert"`` is the card's expert agent.
    """
    card = env_card(env_id)
    if name == "expert":
        name = card.expert_agent
    if name not in card.agents:
        raise ValueError(f"{card.id} has no agent {name!r}; its agents are {list(card.agents)}")
    if name in PARALLEL_FACTORIES:
        return PARALLEL_FACTORIES[name](env)
    from rlbench_suite.agents import agent_factories

    factories = agent_factories()
    if name not in factories:
        raise ValueError(f"unknown agent {name!r}; known agents are {sorted(factories)}")
    return factories[name](env)
