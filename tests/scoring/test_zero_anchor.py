"""A zero that means zero: no policy that ignores its observations scores well when normalised."""

from __future__ import annotations

import gymnasium as gym
import numpy as np
import pytest

import rlbench_suite
from rlbench_suite.agents.trivial import ConstantAgent, trivial_policies
from rlbench_suite.registry import ReferenceScores, missing_dependency
from rlbench_suite.scoring import evaluate

SCORED = [
    env_id
    for env_id in rlbench_suite.list_envs(multi_agent=False)
    if rlbench_suite.env_card(env_id).references is not None
]
#: Episodes each trivial policy plays afresh in the default run, on seeds the references never
#: used (the stored means come from seeds 0..49).
FRESH_EPISODES = 3
FRESH_SEED = 10_000


def _skip_without_dependencies(env_id: str) -> None:
    reason = missing_dependency(env_id)
    if reason is not None:
        pytest.skip(reason)


@pytest.mark.parametrize("env_id", SCORED)
def test_the_zero_anchor_is_the_best_of_random_and_the_trivial_policies(env_id: str) -> None:
    """Every card names its zero anchor, the best stored mean of random and its trivial set."""
    references = rlbench_suite.env_card(env_id).references
    assert references is not None and references.trivial, f"{env_id}: no trivial policies stored"
    candidates = {"random": references.random, **dict(references.trivial)}
    best = max(candidates, key=candidates.__getitem__)
    assert references.zero_agent == best
    assert references.zero_anchor == pytest.approx(candidates[best])
    assert references.normalise(references.zero_anchor) == pytest.approx(0.0)
    assert references.usable, f"{env_id}: the expert does not beat {best}"


@pytest.mark.parametrize("env_id", SCORED)
def test_no_trivial_policy_scores_above_10_on_fresh_episodes(env_id: str) -> None:
    """Each trivial policy, re-played on episodes the references never saw, stays under 10."""
    _skip_without_dependencies(env_id)
    references = rlbench_suite.env_card(env_id).references
    env = gym.make(env_id)
    policies = trivial_policies(env)
    env.close()
    assert set(policies) == {name for name, _ in references.trivial}
    for name, policy in policies.items():
        result = evaluate(policy, env_id, n_episodes=FRESH_EPISODES, seed=FRESH_SEED)
        score = float(references.normalise(result.mean_return))
        assert score <= 10.0, f"{env_id}: {name} scores {score:.1f}"


def test_hover_thrust_is_quadhovers_zero_and_no_longer_scores_96() -> None:
    """On QuadHover the constant hover thrust sets the zero; from random alone it scored ~96."""
    references = rlbench_suite.env_card("rlbench/QuadHover-v0").references
    assert references.zero_agent == "constant:centre"
    hover = dict(references.trivial)["constant:centre"]
    random_only = ReferenceScores.from_json(
        {**references.to_json(), "zero": None, "zero_agent": "random", "trivial": {}}
    )
    assert random_only.normalise(hover) > 90
    assert references.normalise(hover) == pytest.approx(0.0)


def test_a_constant_agent_repeats_its_action_whatever_it_sees() -> None:
    """ConstantAgent ignores observations and hands out copies, so callers cannot change it."""
    agent = ConstantAgent(np.zeros(3), "constant:centre")
    first = agent.act(np.ones(5))
    first[0] = 7.0
    assert agent.act(None).tolist() == [0.0, 0.0, 0.0]


def test_older_reference_files_without_a_zero_anchor_still_normalise_from_random() -> None:
    """A references.json written before zero anchors reads back with random as the zero."""
    stored = {
        "random": 10.0,
        "expert": 110.0,
        "expert_agent": "pid",
        "episodes": 50,
        "seed": 0,
        "random_ci95": 1.0,
        "expert_ci95": 1.0,
        "source": "old",
    }
    references = ReferenceScores.from_json(stored)
    assert references.zero_agent == "random" and references.zero_anchor == 10.0
    assert references.normalise(60.0) == pytest.approx(50.0)


def test_an_expert_no_better_than_a_trivial_policy_makes_normalising_an_error() -> None:
    """If doing nothing matches the expert, a normalised score would be meaningless: it raises."""
    references = ReferenceScores(
        random=0.0,
        expert=5.0,
        expert_agent="pid",
        episodes=1,
        seed=0,
        random_ci95=0.0,
        expert_ci95=0.0,
        source="test",
        zero=5.0,
        zero_agent="constant:centre",
        trivial=(("constant:centre", 5.0),),
    )
    assert not references.usable
    with pytest.raises(ValueError, match="zero anchor"):
        references.normalise(3.0)
