"""The catalogue: registration with Gymnasium, EnvCards, MDP families."""

from __future__ import annotations

import subprocess
import sys

import gymnasium as gym
import numpy as np
import pytest

import rlbench_suite
from rlbench_suite import registry


def test_make_with_module_prefix_works_without_importing_the_suite() -> None:
    """gym.make("rlbench_suite:rlbench/...") imports and registers the suite by itself."""
    script = (
        "import gymnasium as gym\n"
        "env = gym.make('rlbench_suite:rlbench/RMAB-TwoState-v0')\n"
        "print(env.spec.id, env.reset(seed=0)[0].shape)\n"
    )
    output = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True
    ).stdout
    assert output.strip() == "rlbench/RMAB-TwoState-v0 (10,)"


def test_every_catalogue_id_is_registered_with_gymnasium() -> None:
    """Each single-agent card has a Gymnasium spec with the same id."""
    for env_id in rlbench_suite.list_envs(multi_agent=False):
        assert gym.spec(env_id).id == env_id


def test_unknown_id_suggests_close_names() -> None:
    """A typo in an id gets a KeyError that suggests the right one."""
    with pytest.raises(KeyError, match="did you mean rlbench/RMAB-TwoState-v0"):
        rlbench_suite.env_card("rlbench/RMAB-TwoStat-v0")


def test_card_fields_describe_the_env() -> None:
    """The card carries family, objectives, agents, expert and reference scores."""
    card = rlbench_suite.env_card("rlbench_suite:rlbench/RMAB-ARMMAN-v0")
    assert card.family == "bandits"
    assert card.objectives == ("reward",) and card.reward_dim == 1
    assert card.expert_agent == "whittle" and "myopic" in card.agents
    assert card.references is not None and card.references.expert > card.references.random
    assert card.to_json()["id"] == "rlbench/RMAB-ARMMAN-v0"


def test_duplicate_and_out_of_namespace_registrations_are_refused() -> None:
    """Registering an existing id, or one outside the namespace, raises."""
    card = rlbench_suite.env_card("rlbench/RMAB-TwoState-v0")
    registry.register_env(card)  # the same entry point again is a no-op refresh
    assert rlbench_suite.env_card(card.id) == card
    impostor = registry.EnvCard(**{**vars(card), "entry_point": "somewhere.else:Env"})
    with pytest.raises(ValueError, match=r"already registered to rlbench_suite\.envs\.bandits"):
        registry.register_env(impostor)
    with pytest.raises(ValueError, match="namespace"):
        registry.register_env(registry.EnvCard(**{**vars(card), "id": "Other-v0"}))


def test_mdp_family_splits_are_reproducible_and_distinct() -> None:
    """The same seed gives the same instances; the two splits give different ones."""
    family = rlbench_suite.env_card("rlbench/RMAB-TwoState-v0").mdp_family
    first = family.sample(4, "in_distribution", seed=3)
    assert first == family.sample(4, "in_distribution", seed=3)
    held_out = family.sample(4, "held_out", seed=3)
    assert all(kwargs["transition_prior"] == (0.5, 0.5) for kwargs in held_out)
    assert {k["instance_seed"] for k in first}.isdisjoint({k["instance_seed"] for k in held_out})
    with pytest.raises(ValueError, match="split must be one of"):
        family.sample(1, "test")


@pytest.mark.parametrize("env_id", rlbench_suite.list_envs(multi_agent=False))
def test_mdp_family_instances_build_and_differ_from_the_default(env_id: str) -> None:
    """Every sampled instance builds, and its dynamics differ from the default instance's."""
    family = rlbench_suite.env_card(env_id).mdp_family
    default = gym.make(env_id).unwrapped
    for split in registry.SPLITS:
        kwargs = family.sample(1, split, seed=0)[0]
        instance = gym.make(env_id, **kwargs).unwrapped
        default_model = getattr(default, "transitions", None)
        if default_model is not None and default_model.shape == instance.transitions.shape:
            assert not np.allclose(default_model, instance.transitions)
        instance.reset(seed=0)


def test_reference_scores_normalise_the_zero_anchor_to_zero_and_expert_to_hundred() -> None:
    """normalise maps the zero anchor (here a constant pull set) to 0 and the expert to 100."""
    references = rlbench_suite.env_card("rlbench/RMAB-TwoState-v0").references
    assert references.zero_agent == "constant:fixed" and references.zero_anchor > references.random
    assert references.normalise(references.zero_anchor) == pytest.approx(0.0)
    assert references.normalise(references.random) < 0
    assert references.normalise(references.expert) == pytest.approx(100.0)


def test_malformed_reference_file_names_the_file(tmp_path) -> None:
    """A corrupt references.json raises a ValueError naming the file."""
    broken = tmp_path / "references.json"
    broken.write_text("{not json")
    with pytest.raises(ValueError, match=r"references\.json"):
        registry.load_references(broken)
