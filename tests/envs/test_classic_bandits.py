"""Classic budgeted restless bandits: dynamics, budget handling, arguments."""

from __future__ import annotations

import gymnasium as gym
import numpy as np
import pytest

import rlbench_suite  # noqa: F401  (registers the envs)
from rlbench_suite.envs.bandits.armman import ARMMANRMABEnv
from rlbench_suite.envs.bandits.circulant import CirculantRMABEnv
from rlbench_suite.envs.bandits.classic import BudgetedRestlessBandit
from rlbench_suite.envs.bandits.two_state import TwoStateRMABEnv, sample_two_state_transitions
from rlbench_suite.envs.validation import InvalidActionError


def test_two_state_arms_are_helped_by_acting_and_by_the_good_state() -> None:
    """Sampled arms satisfy P(good|s,active) >= P(good|s,passive) and good >= bad."""
    transitions = sample_two_state_transitions(np.random.default_rng(0), 500)
    p_good = transitions[..., 1]  # (arm, state, action)
    assert np.all(p_good[:, :, 1] >= p_good[:, :, 0])
    assert np.all(p_good[:, 1, :] >= p_good[:, 0, :])


def test_reward_counts_arms_in_the_good_state() -> None:
    """The TwoState reward equals the number of good arms in the next observation."""
    env = gym.make("rlbench/RMAB-TwoState-v0", num_arms=30, budget=5)
    env.reset(seed=1)
    for _ in range(20):
        observation, reward, *_ = env.step(np.eye(30, dtype=np.int8)[:5].sum(axis=0))
        assert reward == observation.sum()


def test_deterministic_arms_move_as_their_tables_say() -> None:
    """With 0/1 transition tables, acting sends an arm to the good state and passivity to bad."""
    table = np.zeros((3, 2, 2, 2))
    table[:, :, 0, 0] = 1.0  # passive -> bad
    table[:, :, 1, 1] = 1.0  # active -> good
    env = TwoStateRMABEnv(num_arms=3, budget=2, transitions=table)
    env.reset(seed=0)
    observation, reward, *_ = env.step(np.array([1, 0, 1]))
    assert observation.tolist() == [1, 0, 1] and reward == 2.0


def test_over_budget_action_raises_a_clear_error() -> None:
    """Acting on more arms than the budget raises, naming the count and the budget."""
    env = gym.make("rlbench/RMAB-TwoState-v0", num_arms=5, budget=2)
    env.reset(seed=0)
    with pytest.raises(
        InvalidActionError, match=r"RMAB-TwoState-v0: .*3 arms acted on, the budget is 2"
    ):
        env.step([1, 1, 1, 0, 0])


def test_penalty_mode_acts_on_nobody_and_subtracts_the_penalty() -> None:
    """invalid_action='penalty' pulls no arm and subtracts the penalty, flagged in info."""
    table = np.zeros((3, 2, 2, 2))
    table[:, :, 0, 0] = 1.0
    table[:, :, 1, 1] = 1.0
    env = TwoStateRMABEnv(
        num_arms=3, budget=1, transitions=table, invalid_action="penalty", invalid_action_penalty=10
    )
    env.reset(seed=0)
    observation, reward, _, _, info = env.step(np.array([1, 1, 1]))
    assert observation.tolist() == [0, 0, 0]
    assert reward == -10.0 and info["invalid_action"] and "budget is 1" in info["invalid_reason"]


def test_project_mode_keeps_budget_of_the_chosen_arms() -> None:
    """invalid_action='project' acts on exactly `budget` arms, all among those chosen."""
    table = np.zeros((6, 2, 2, 2))
    table[:, :, 0, 0] = 1.0
    table[:, :, 1, 1] = 1.0
    env = TwoStateRMABEnv(num_arms=6, budget=2, transitions=table, invalid_action="project")
    env.reset(seed=0)
    kept = set()
    for _ in range(30):
        observation, reward, _, _, info = env.step(np.array([1, 1, 1, 1, 0, 0]))
        assert reward == 2.0 and info["invalid_action"]
        assert observation[4:].sum() == 0
        kept |= set(np.flatnonzero(observation).tolist())
    assert kept == {0, 1, 2, 3}, "ties must not always favour the same arms"


def test_armman_has_the_documented_type_mix_and_rewards() -> None:
    """ARMMAN's default 50 arms are 10 type A, 10 type B and 30 type C."""
    env = ARMMANRMABEnv()
    assert np.bincount(env.arm_types).tolist() == [10, 10, 30]
    assert env.state_rewards[0].tolist() == [1.0, 0.5, 0.0]
    type_a = np.flatnonzero(env.arm_types == 0)[0]
    # A called persuadable type-A mother becomes self-motivated with probability 0.8.
    assert env.transitions[type_a, 1, 1, 0] == pytest.approx(0.8)


def test_circulant_cycle_runs_backwards_when_passive_and_forwards_when_active() -> None:
    """Passive arms stay or step back, active arms stay or step forward, each with 1/2."""
    table = CirculantRMABEnv(num_arms=1, budget=1).transitions[0]
    assert table[0, 0].tolist() == [0.5, 0.0, 0.0, 0.5]
    assert table[2, 1].tolist() == [0.0, 0.0, 0.5, 0.5]


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"num_arms": 0}, "num_arms must be >= 1"),
        ({"budget": 11}, r"budget must be in \[1, num_arms=10\]"),
        ({"horizon": 0}, "horizon must be >= 1"),
        ({"invalid_action": "ignore"}, "invalid_action must be one of"),
        ({"render_mode": "human"}, "render_mode must be one of"),
        ({"transition_prior": (0, 1)}, "transition_prior must be two positive numbers"),
        ({"transitions": np.zeros((10, 2, 2))}, r"transitions must have shape \(10, 2, 2, 2\)"),
    ],
)
def test_bad_constructor_arguments_are_named(kwargs: dict, message: str) -> None:
    """Each bad argument raises a ValueError that names the argument."""
    with pytest.raises(ValueError, match=message):
        TwoStateRMABEnv(**kwargs)


def test_transition_rows_must_be_distributions() -> None:
    """A transition table whose rows do not sum to 1 is refused."""
    with pytest.raises(ValueError, match="probability distribution"):
        BudgetedRestlessBandit(np.full((2, 2, 2, 2), 0.3), np.array([0.0, 1.0]), budget=1)


def test_reset_rejects_unknown_options() -> None:
    """reset(options=...) with an unused key raises instead of being ignored."""
    env = gym.make("rlbench/RMAB-Circulant-v0")
    with pytest.raises(ValueError, match="reset takes no options"):
        env.reset(seed=0, options={"start_states": [0]})


def test_rgb_render_marks_acted_arms() -> None:
    """The rgb_array frame changes when an arm is acted on (it gets a white border)."""
    env = gym.make("rlbench/RMAB-TwoState-v0", num_arms=4, budget=1, render_mode="rgb_array")
    env.reset(seed=0)
    env.step([0, 0, 0, 0])
    env.unwrapped.arm_states[:] = 0
    passive_frame = env.render()
    env.unwrapped._last_action = np.array([1, 0, 0, 0], dtype=np.int8)
    acted_frame = env.render()
    assert passive_frame.shape == acted_frame.shape and passive_frame.dtype == np.uint8
    assert (acted_frame == 255).all(axis=-1).sum() > (passive_frame == 255).all(axis=-1).sum()


@pytest.mark.parametrize(
    ("env_id", "mode"),
    [
        ("rlbench/RMAB-TwoState-v0", "vector_entry_point"),
        ("rlbench/RMAB-TwoState-v0", "sync"),
        ("rlbench/CoRMAB-Scheduling-v0", "sync"),
    ],
)
def test_vector_env_action_samples_are_feasible_for_every_env(env_id: str, mode: str) -> None:
    """A vector env's action_space.sample() is feasible in each env, so stepping it never fails."""
    envs = gym.make_vec(env_id, num_envs=4, vectorization_mode=mode)
    envs.reset(seed=0)
    envs.action_space.seed(1)
    single = gym.make(env_id).unwrapped
    for _ in range(5):
        actions = envs.action_space.sample()
        assert actions.shape == (4, *single.action_space.shape)
        assert all(single.constraint_violation(action) is None for action in actions)
        envs.step(actions)
    envs.close()
