"""Registry-driven conformance: every registered env passes every check, with no per-env code."""

from __future__ import annotations

import importlib
import sys
import types
from typing import ClassVar

import gymnasium as gym
import numpy as np
import pytest
from gymnasium import spaces
from pettingzoo import ParallelEnv

import rlbench_suite
from rlbench_suite import registry, testing

SINGLE_AGENT_IDS = rlbench_suite.list_envs(multi_agent=False)
MULTI_AGENT_IDS = rlbench_suite.list_envs(multi_agent=True)


@pytest.mark.parametrize("check_name", sorted(testing.SINGLE_AGENT_CHECKS))
@pytest.mark.parametrize("env_id", SINGLE_AGENT_IDS)
def test_single_agent_env_conforms(env_id: str, check_name: str) -> None:
    """Each single-agent id passes each public conformance check."""
    testing.SINGLE_AGENT_CHECKS[check_name](env_id)


@pytest.mark.parametrize("check_name", sorted(testing.MULTI_AGENT_CHECKS))
@pytest.mark.parametrize("env_id", MULTI_AGENT_IDS)
def test_multi_agent_env_conforms(env_id: str, check_name: str) -> None:
    """Each multi-agent id passes PettingZoo's tests, pickles, and gives sound rewards and infos."""
    testing.MULTI_AGENT_CHECKS[check_name](lambda: rlbench_suite.make_multiagent(env_id))


MULTI_OBJECTIVE_IDS = [
    env_id for env_id in SINGLE_AGENT_IDS if rlbench_suite.env_card(env_id).reward_dim > 1
]
MULTI_OBJECTIVE_MULTI_AGENT_IDS = [
    env_id for env_id in MULTI_AGENT_IDS if rlbench_suite.env_card(env_id).reward_dim > 1
]


@pytest.mark.parametrize("check_name", sorted(testing.MULTI_OBJECTIVE_CHECKS))
@pytest.mark.parametrize("env_id", MULTI_OBJECTIVE_IDS)
def test_multi_objective_env_conforms(env_id: str, check_name: str) -> None:
    """Each single-agent MO id: reward vectors in reward_space; MO-Gymnasium's wrappers work."""
    testing.MULTI_OBJECTIVE_CHECKS[check_name](env_id)


@pytest.mark.parametrize("check_name", sorted(testing.MULTI_OBJECTIVE_MULTI_AGENT_CHECKS))
@pytest.mark.parametrize("env_id", MULTI_OBJECTIVE_MULTI_AGENT_IDS)
def test_multi_objective_multi_agent_env_conforms(env_id: str, check_name: str) -> None:
    """Each multi-agent MO id passes MOMAland's api_test through mo_parallel_to_aec."""
    pytest.importorskip("momaland", reason="momaland is not installed (pip install momaland)")
    testing.MULTI_OBJECTIVE_MULTI_AGENT_CHECKS[check_name](
        lambda: rlbench_suite.make_multiagent(env_id)
    )


@pytest.mark.parametrize("env_id", MULTI_OBJECTIVE_IDS + MULTI_OBJECTIVE_MULTI_AGENT_IDS)
def test_multi_objective_cards_match_their_envs(env_id: str) -> None:
    """A MO card has a reference point, and its objectives count every reward space's length."""
    card = rlbench_suite.env_card(env_id)
    assert card.reference_point is not None, f"{env_id} has no reference point for hypervolumes"
    env = rlbench_suite.make(env_id)
    try:
        if card.multi_agent:
            shapes = {agent: env.reward_space(agent).shape for agent in env.possible_agents}
        else:
            shapes = {"agent": env.unwrapped.reward_space.shape}
    finally:
        env.close()
    assert set(shapes.values()) == {(card.reward_dim,)}, (
        f"{env_id}: objectives {card.objectives}, reward spaces {shapes}"
    )


GYMNASIUM_SECTIONS = (
    "Description",
    "Action Space",
    "Observation Space",
    "Rewards",
    "Starting State",
    "Episode End",
    "Arguments",
    "Reference Scores",
    "Version History",
    "Credits",
)


@pytest.mark.parametrize("env_id", rlbench_suite.list_envs())
def test_env_documents_itself_in_gymnasium_sections(env_id: str) -> None:
    """Each env's module docstring has every Gymnasium section, in order, plus an example."""
    module_name = rlbench_suite.env_card(env_id).entry_point.split(":")[0]
    doc = importlib.import_module(module_name).__doc__ or ""
    positions = [doc.find(f"## {section}") for section in GYMNASIUM_SECTIONS]
    missing = [name for name, at in zip(GYMNASIUM_SECTIONS, positions, strict=True) if at < 0]
    assert not missing, f"{module_name} lacks sections {missing}"
    assert positions == sorted(positions), f"{module_name} has its sections out of order"
    assert ">>> " in doc, f"{module_name} has no doctest example"


def test_every_family_has_envs_and_the_catalogue_is_not_empty() -> None:
    """The suite ships the bandit family's ten ids and the UAV family's seven."""
    assert len(rlbench_suite.list_envs(family="bandits")) == 10
    assert len(rlbench_suite.list_envs(family="uav")) == 7
    assert "rlbench/MultiQuadHover-v0" in MULTI_AGENT_IDS


class MatchingPennies(ParallelEnv):
    """Two players show heads or tails; 'even' wins on a match. Observation: rival's last coin."""

    metadata: ClassVar[dict] = {"name": "matching_pennies_v0", "render_modes": []}

    def __init__(self, max_cycles: int = 12):
        self.possible_agents = ["even", "odd"]
        self.max_cycles = max_cycles
        # PettingZoo requires the same space object on every call.
        self.observation_spaces = {agent: spaces.Discrete(3) for agent in self.possible_agents}
        self.action_spaces = {agent: spaces.Discrete(2) for agent in self.possible_agents}

    def observation_space(self, agent):
        return self.observation_spaces[agent]  # 0 heads, 1 tails, 2 nothing yet

    def action_space(self, agent):
        return self.action_spaces[agent]

    def reset(self, seed=None, options=None):
        self.agents = list(self.possible_agents)
        self.cycle = 0
        return {agent: 2 for agent in self.agents}, {agent: {} for agent in self.agents}

    def step(self, actions):
        match = actions["even"] == actions["odd"]
        rewards = {"even": 1.0 if match else -1.0, "odd": -1.0 if match else 1.0}
        self.cycle += 1
        done = self.cycle >= self.max_cycles
        observations = {"even": int(actions["odd"]), "odd": int(actions["even"])}
        flags = {agent: done for agent in self.agents}
        infos = {agent: {} for agent in self.agents}
        if done:
            self.agents = []
        return observations, rewards, {a: False for a in flags}, flags, infos


@pytest.fixture
def matching_pennies_card(monkeypatch):
    """A multi-agent card whose entry point is MatchingPennies, removed afterwards."""
    module = types.ModuleType("rlbench_test_multiagent")
    module.parallel_env = MatchingPennies
    monkeypatch.setitem(sys.modules, module.__name__, module)
    card = registry.EnvCard(
        id="rlbench/TestMatchingPennies-v0",
        family="test",
        entry_point="rlbench_test_multiagent:parallel_env",
        multi_agent=True,
        objectives=("reward",),
        observation_kind="vector",
        anchor="a textbook zero-sum game",
        agents=("random",),
        expert_agent="random",
        kwargs={"max_cycles": 15},
    )
    registry.register_env(card)
    yield card
    del registry._CATALOGUE[card.id]


def test_multi_agent_path_builds_and_checks_a_parallel_env(matching_pennies_card) -> None:
    """make_multiagent builds a registered ParallelEnv and the multi-agent checks pass on it."""
    env = rlbench_suite.make_multiagent(matching_pennies_card.id)
    assert env.max_cycles == 15, "the card's kwargs reach the constructor"
    assert matching_pennies_card.id in rlbench_suite.list_envs(multi_agent=True)
    testing.check_multiagent_conformance(
        lambda: rlbench_suite.make_multiagent(matching_pennies_card.id)
    )
    with pytest.raises(ValueError, match="single-agent env"):
        rlbench_suite.make_multiagent("rlbench/RMAB-TwoState-v0")


class _CarelessEnv(gym.Env):
    """An env that breaks the contract: global randomness, no action checks."""

    metadata: ClassVar[dict] = {"render_modes": []}

    def __init__(self, render_mode=None):
        self.observation_space = spaces.Box(-1.0, 1.0, shape=(2,), dtype=np.float32)
        self.action_space = spaces.Discrete(3)

    def reset(self, *, seed=None, options=None):
        super().reset(seed=seed)
        return self.observation_space.sample(), {}  # ignores the seed on purpose

    def step(self, action):
        observation = np.random.uniform(-1, 1, size=2).astype(np.float32)
        return observation, 0.0, False, False, {}


def test_checks_catch_a_nondeterministic_env() -> None:
    """check_determinism fails for an env whose randomness ignores the seed."""
    with pytest.raises(AssertionError, match="diverge"):
        testing.check_determinism(_CarelessEnv)


def test_checks_catch_an_env_that_accepts_bad_actions() -> None:
    """check_bad_actions fails for an env that accepts any action."""
    with pytest.raises(AssertionError, match="was accepted"):
        testing.check_bad_actions(_CarelessEnv)
