"""The family's protocols and the conformance checks built on them, on good and broken envs."""

from __future__ import annotations

import pickle
from typing import Any

import numpy as np
import pytest
from gymnasium import spaces

from rlbench_suite import testing
from rlbench_suite.envs.moma.common import FAMILY
from rlbench_suite.envs.moma.protocol import (
    MOParallelEnv,
    as_reward_vector,
    is_multi_objective,
    is_multi_objective_parallel,
    reward_box,
)
from rlbench_suite.testing import ForagingParallelEnv, TwoTreasureEnv
from rlbench_suite.wrappers.multi_objective import LinearScalarisation


def _foragers() -> ForagingParallelEnv:
    return ForagingParallelEnv(num_agents=3, horizon=8)


# -- the protocol -------------------------------------------------------------------------------


def test_reward_box_is_a_float32_box_per_objective() -> None:
    """reward_box turns per-objective bounds into a float32 Box; a scalar bound broadcasts."""
    space = reward_box(low=[-1.0, -np.inf], high=0.0)
    assert space.dtype == np.float32 and space.shape == (2,)
    assert space.low.tolist() == [-1.0, -np.inf] and space.high.tolist() == [0.0, 0.0]
    assert FAMILY == "moma"


@pytest.mark.parametrize(
    ("low", "high", "message"),
    [
        ([0.0, 0.0], [1.0], "one entry per objective each, got 2 and 1"),
        (0.0, 1.0, "got two scalars"),
        ([1.0, 0.0], [0.0, 1.0], "need low <= high"),
        ([np.nan, 0.0], [1.0, 1.0], "must not be NaN"),
        ([[0.0]], [[1.0]], "scalars or 1-D"),
    ],
)
def test_reward_box_refuses_bounds_that_make_no_space(low: Any, high: Any, message: str) -> None:
    """Mismatched, reversed, NaN or 2-D bounds raise ValueError saying what is wrong."""
    with pytest.raises(ValueError, match=message):
        reward_box(low, high)


def test_reward_vectors_are_fresh_float32_arrays_of_the_right_shape() -> None:
    """as_reward_vector copies into float32; a wrong shape or NaN names the env."""
    space = reward_box([0.0, 0.0], [1.0, 1.0])
    values = np.array([0.25, 0.5])
    vector = as_reward_vector(values, space, owner="MOThing")
    assert vector.dtype == np.float32 and vector.tolist() == [0.25, 0.5]
    values[0] = 9.0
    assert vector[0] == 0.25, "the reward is a copy"
    with pytest.raises(ValueError, match=r"MOThing: a reward vector must have shape \(2,\)"):
        as_reward_vector([1.0, 2.0, 3.0], space, owner="MOThing")
    with pytest.raises(ValueError, match="MOThing: a reward vector must not hold NaN"):
        as_reward_vector([np.nan, 0.0], space, owner="MOThing")


def test_single_agent_mixin_sets_reward_space_and_dim() -> None:
    """MOEnvMixin gives reward_space and reward_dim, which MO-Gymnasium's wrappers read."""
    env = TwoTreasureEnv()
    assert env.reward_dim == 2 and env.reward_space == reward_box([0, 0], [1, 1])
    assert is_multi_objective(env) and is_multi_objective(LinearScalarisation(env))
    assert not is_multi_objective(testing.HiddenNumberEnv())


def test_parallel_protocol_gives_reward_space_and_reward_spaces() -> None:
    """An env that assigns reward_spaces gets reward_space(agent), and the other way round."""
    env = _foragers()
    assert env.reward_space("forager_1") is env.reward_space("forager_1")
    assert list(env.reward_spaces) == env.possible_agents
    assert is_multi_objective_parallel(env)

    class ByMethod(MOParallelEnv):
        reward_dim = 3

        def __init__(self) -> None:
            self.possible_agents = ["a_0", "a_1"]
            self._space = reward_box([0, 0, 0], [1, 1, 1])

        def reward_space(self, agent: str) -> spaces.Box:
            return self._space

    by_method = ByMethod()
    assert by_method.reward_spaces == {"a_0": by_method._space, "a_1": by_method._space}
    with pytest.raises(KeyError, match=r"no reward space for agent 'ghost'"):
        env.reward_space("ghost")


def test_parallel_protocol_without_spaces_says_what_to_define() -> None:
    """A MOParallelEnv that defines neither reward_space nor reward_spaces says so."""

    class Bare(MOParallelEnv):
        def __init__(self) -> None:
            self.possible_agents = ["a_0"]

    with pytest.raises(NotImplementedError, match="Bare: a MOParallelEnv overrides reward_space"):
        Bare().reward_space("a_0")


def test_protocol_envs_pickle_with_their_reward_spaces() -> None:
    """reward_spaces assigned through the property survive pickling."""
    clone = pickle.loads(pickle.dumps(_foragers()))
    assert clone.reward_space("forager_2") == reward_box([0, -1], [1, 0])


# -- the checks pass on good envs ---------------------------------------------------------------


def test_good_single_agent_mo_env_passes_every_check() -> None:
    """The single-agent checks and the multi-objective checks all pass on TwoTreasureEnv."""
    testing.check_multi_objective_conformance(TwoTreasureEnv)


def test_good_mo_parallel_env_passes_every_check() -> None:
    """PettingZoo's tests and the suite's reward, info and statistics checks pass."""
    testing.check_multiagent_conformance(_foragers)


def test_momaland_api_test_passes_through_mo_parallel_to_aec() -> None:
    """MOMAland's api_test accepts the env through its parallel-to-AEC conversion."""
    pytest.importorskip("momaland", reason="momaland is not installed (it is not a dependency)")
    testing.check_momaland_api(_foragers)


def test_momaland_check_says_what_to_install_when_missing(monkeypatch) -> None:
    """Without momaland the check raises ImportError naming the package to install."""
    import sys

    monkeypatch.setitem(sys.modules, "momaland", None)
    monkeypatch.setitem(sys.modules, "momaland.test.api_test", None)
    with pytest.raises(ImportError, match=r"needs momaland \(pip install momaland\)"):
        testing.check_momaland_api(_foragers)


# -- the checks fail on broken envs -------------------------------------------------------------


class _OverpayingTreasure(TwoTreasureEnv):
    """Pays twice the luck: rewards leave reward_space."""

    def step(self, action: Any) -> Any:
        observation, reward, terminated, truncated, info = super().step(action)
        return observation, reward * 2.0, terminated, truncated, info


class _Float64Treasure(TwoTreasureEnv):
    """Returns float64 reward vectors."""

    def step(self, action: Any) -> Any:
        observation, reward, terminated, truncated, info = super().step(action)
        return observation, reward.astype(np.float64), terminated, truncated, info


class _ReusedRewardTreasure(TwoTreasureEnv):
    """Writes every reward into one array it hands out each step."""

    def step(self, action: Any) -> Any:
        observation, reward, terminated, truncated, info = super().step(action)
        buffer = self.__dict__.setdefault("_buffer", np.zeros(2, np.float32))
        buffer[:] = reward
        return observation, buffer, terminated, truncated, info


@pytest.mark.parametrize(
    ("broken", "message"),
    [
        (_OverpayingTreasure, "reward at step 0 is outside Box"),
        (_Float64Treasure, r"has shape \(2,\) and dtype float64; expected \(2,\) float32"),
        (_ReusedRewardTreasure, "returned the same reward array as the step before"),
    ],
)
def test_reward_vector_check_catches_broken_single_agent_envs(broken, message: str) -> None:
    """Rewards outside their space, of the wrong dtype, or reused arrays fail the check."""
    with pytest.raises(AssertionError, match=message):
        testing.check_reward_vectors(broken)


def test_check_env_on_the_scalarised_env_catches_a_vector_observation_bug() -> None:
    """check_gymnasium_api scalarises a MO env and still fails it on a broken observation."""

    class OutOfSpaceObservation(TwoTreasureEnv):
        def _observation(self) -> np.ndarray:
            return np.array([5.0, 5.0], dtype=np.float32)

    testing.check_gymnasium_api(TwoTreasureEnv)
    with pytest.raises(AssertionError, match="observation"):
        testing.check_gymnasium_api(OutOfSpaceObservation)


def test_determinism_and_pickle_checks_compare_reward_vectors() -> None:
    """A MO env whose reward vectors ignore the seed fails check_determinism."""

    class UnseededLuck(TwoTreasureEnv):
        def step(self, action: Any) -> Any:
            observation, _, terminated, truncated, info = super().step(action)
            noisy = self._reward_vector(np.random.default_rng().uniform(0, 1, 2))
            return observation, noisy, terminated, truncated, info

    with pytest.raises(AssertionError, match="diverge"):
        testing.check_determinism(UnseededLuck)


class _OverfedForagers(ForagingParallelEnv):
    """forager_1's food is doubled past its reward space."""

    def step(self, actions: dict[str, Any]) -> Any:
        observations, rewards, terminations, truncations, infos = super().step(actions)
        if "forager_1" in rewards:
            rewards["forager_1"] = rewards["forager_1"] + np.float32(1.5)
        return observations, rewards, terminations, truncations, infos


class _SharedInfoForagers(ForagingParallelEnv):
    """Hands every agent the same info dict."""

    def step(self, actions: dict[str, Any]) -> Any:
        observations, rewards, terminations, truncations, infos = super().step(actions)
        shared: dict[str, Any] = {}
        return observations, rewards, terminations, truncations, dict.fromkeys(infos, shared)


class _StaleInfoForagers(ForagingParallelEnv):
    """Keeps one info dict per agent across steps."""

    def step(self, actions: dict[str, Any]) -> Any:
        observations, rewards, terminations, truncations, infos = super().step(actions)
        kept = self.__dict__.setdefault("_kept", {})
        return (
            observations,
            rewards,
            terminations,
            truncations,
            {agent: kept.setdefault(agent, {}) for agent in infos},
        )


class _SharedRewardForagers(ForagingParallelEnv):
    """Hands every agent the same reward array."""

    def step(self, actions: dict[str, Any]) -> Any:
        observations, rewards, terminations, truncations, infos = super().step(actions)
        if rewards:
            first = next(iter(rewards.values()))
            rewards = dict.fromkeys(rewards, first)
        return observations, rewards, terminations, truncations, infos


@pytest.mark.parametrize(
    ("broken", "message"),
    [
        (_OverfedForagers, r"the reward of 'forager_1' at step 0 is outside Box"),
        (
            _SharedInfoForagers,
            "the info of 'forager_1' at step 0 is the same object as the info of 'forager_0'",
        ),
        (_StaleInfoForagers, "at step 1 is the same object as the info of 'forager_0' at step 0"),
        (_SharedRewardForagers, "the reward of 'forager_1' at step 0 is the same object"),
    ],
)
def test_multi_agent_check_catches_bad_rewards_and_shared_objects(broken, message: str) -> None:
    """A reward outside its space and infos or rewards shared across agents or steps fail."""
    with pytest.raises(AssertionError, match=message):
        testing.check_multiagent_rewards_and_infos(lambda: broken(num_agents=3, horizon=8))


def test_multi_agent_check_refuses_non_finite_scalar_rewards() -> None:
    """A scalar-reward ParallelEnv with an infinite reward fails the reward check."""
    from tests.test_conformance import MatchingPennies

    class InfinitePennies(MatchingPennies):
        def step(self, actions: dict[str, Any]) -> Any:
            observations, rewards, terminations, truncations, infos = super().step(actions)
            return observations, dict.fromkeys(rewards, np.inf), terminations, truncations, infos

    testing.check_multiagent_rewards_and_infos(MatchingPennies)
    with pytest.raises(AssertionError, match="is inf, not a finite real number"):
        testing.check_multiagent_rewards_and_infos(InfinitePennies)


# NeverEnding steps on past the end of its episode, which the env contract warns about.
@pytest.mark.filterwarnings("ignore:.*step\\(\\) called after the episode ended")
def test_episode_statistics_check_catches_an_episode_that_never_ends() -> None:
    """An env whose agents never leave fails the statistics check within max_steps."""

    class NeverEnding(ForagingParallelEnv):
        def step(self, actions: dict[str, Any]) -> Any:
            result = super().step(actions)
            self.agents = list(self.possible_agents)
            return result

    with pytest.raises(AssertionError, match="no episode ended within 50 steps"):
        testing.check_vector_episode_statistics(NeverEnding, max_steps=50)
