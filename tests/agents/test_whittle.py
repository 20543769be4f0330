"""Tests of the Whittle index computations in rlbench_suite.agents.whittle."""

from __future__ import annotations

import types
from collections.abc import Callable, Iterator

import gymnasium as gym
import numpy as np
import pytest

import rlbench_suite  # noqa: F401  (registers the envs)
from rlbench_suite.agents import whittle
from rlbench_suite.agents.bandits import WhittleIndexAgent
from rlbench_suite.agents.whittle import two_state_whittle_indices, whittle_indices
from rlbench_suite.envs.bandits.two_state import GOOD_STATE_REWARDS, sample_ucwhittle_transitions

REFERENCE_ATOL = 1e-5
CLOSED_FORM_ATOL = 1e-6


def random_dense_arms(
    rng: np.random.Generator, num_arms: int, num_states: int
) -> tuple[np.ndarray, np.ndarray]:
    """Random dense transitions (num_arms, num_states, 2, num_states) and rewards."""
    weights = rng.exponential(size=(num_arms, num_states, 2, num_states))
    transitions = weights / weights.sum(axis=-1, keepdims=True)
    state_rewards = rng.random((num_arms, num_states))
    return transitions, state_rewards


def helpful_two_state_arms(
    passive_good_probability: np.ndarray, action_effect: np.ndarray
) -> np.ndarray:
    """Two-state arms (state 1 good) whose action adds `action_effect` to P(next = good).

    Both arguments have shape (num_arms, 2): one entry per current state.
    """
    good_probability = np.stack(
        [passive_good_probability, passive_good_probability + action_effect], axis=-1
    )  # (num_arms, 2 states, 2 actions)
    return np.stack([1.0 - good_probability, good_probability], axis=-1)


@pytest.fixture(scope="module")
def markovianbandit() -> Iterator[types.ModuleType]:
    """The markovianbandit-pkg reference implementation, imported without side effects."""
    saved_error_state = np.geterr()
    try:
        import markovianbandit as module  # needs numba, which the `test` extra installs
    finally:
        # Importing it calls np.seterr(divide="raise", invalid="raise") process-wide.
        np.seterr(**saved_error_state)
    yield module


@pytest.mark.parametrize("num_states", [2, 3, 4])
def test_matches_markovianbandit_on_random_dense_arms(
    markovianbandit: types.ModuleType, num_states: int
) -> None:
    """Bisection indices agree with markovianbandit-pkg on random indexable dense arms."""
    rng = np.random.default_rng(20240 + num_states)
    discount = 0.9
    transitions, state_rewards = random_dense_arms(rng, num_arms=20, num_states=num_states)
    ours = whittle_indices(transitions, state_rewards, discount)

    compared = 0
    for arm in range(transitions.shape[0]):
        passive, active = transitions[arm, :, 0, :], transitions[arm, :, 1, :]
        model = markovianbandit.restless_bandit_from_P0P1_R0R1(
            passive, active, passive @ state_rewards[arm], active @ state_rewards[arm]
        )
        with np.errstate(divide="raise", invalid="raise"):  # the setting the package expects
            reference = model.whittle_indices(discount=discount)
            indexable = model.is_indexable(discount=discount)
        # On a non-indexable arm markovianbandit stops early and leaves NaN for the states it
        # did not reach (it prints "Not indexable!" rather than raising); there is no Whittle
        # index to compare against, so such arms are skipped.
        if not indexable or not np.all(np.isfinite(reference)):
            continue
        np.testing.assert_allclose(ours[arm], reference, rtol=0, atol=REFERENCE_ATOL)
        compared += 1
    assert compared >= 15, f"only {compared} of 20 random arms were indexable"


def test_closed_form_matches_bisection_on_helpful_two_state_arms() -> None:
    """The two-state closed form equals bisection when acting and the good state both help."""
    rng = np.random.default_rng(7)
    num_arms = 200
    passive_good = rng.uniform(0.0, 0.7, size=(num_arms, 2))
    effect = rng.uniform(0.0, 1.0, size=(num_arms, 2)) * (1.0 - passive_good)
    transitions = helpful_two_state_arms(passive_good, effect)
    bad_reward = rng.uniform(-1.0, 0.0, size=num_arms)
    state_rewards = np.stack([bad_reward, bad_reward + rng.uniform(0.1, 2.0, num_arms)], axis=1)

    for discount in (0.5, 0.95, 0.995):
        closed_form = two_state_whittle_indices(transitions, state_rewards, discount)
        bisection = whittle_indices(transitions, state_rewards, discount)
        assert closed_form.shape == (num_arms, 2)
        np.testing.assert_allclose(closed_form, bisection, rtol=0, atol=CLOSED_FORM_ATOL)


def test_closed_form_matches_bisection_on_random_two_state_arms(
    markovianbandit: types.ModuleType,
) -> None:
    """The closed form also equals bisection on random indexable two-state arms."""
    rng = np.random.default_rng(11)
    discount = 0.8
    transitions, state_rewards = random_dense_arms(rng, num_arms=50, num_states=2)
    closed_form = two_state_whittle_indices(transitions, state_rewards, discount)
    bisection = whittle_indices(transitions, state_rewards, discount)
    for arm in range(transitions.shape[0]):
        passive, active = transitions[arm, :, 0, :], transitions[arm, :, 1, :]
        model = markovianbandit.restless_bandit_from_P0P1_R0R1(
            passive, active, passive @ state_rewards[arm], active @ state_rewards[arm]
        )
        # The closed form assumes indexability; skip arms the reference says are not.
        if model.is_indexable(discount=discount):
            np.testing.assert_allclose(
                closed_form[arm], bisection[arm], rtol=0, atol=CLOSED_FORM_ATOL
            )


@pytest.mark.parametrize("discount", [0.5, 0.9, 0.99])
def test_index_grows_with_action_effect(discount: float) -> None:
    """An arm whose action pushes harder towards the good state has a larger index."""
    rng = np.random.default_rng(12)
    num_pairs = 50
    passive_good = rng.uniform(0.0, 0.6, size=(num_pairs, 2))
    # The same effect in both states of an arm: only its size differs between the pair.
    weak_effect = rng.uniform(0.0, 0.2, size=(num_pairs, 1))
    strong_effect = weak_effect + rng.uniform(0.05, 0.2, size=(num_pairs, 1))
    transitions = np.concatenate(
        [
            helpful_two_state_arms(passive_good, weak_effect),
            helpful_two_state_arms(passive_good, strong_effect),
        ]
    )
    state_rewards = np.array([0.0, 1.0])

    weak, strong = np.split(whittle_indices(transitions, state_rewards, discount), 2)
    assert np.all(strong > weak + 1e-3), np.min(strong - weak)
    assert np.all(weak >= -1e-7), "acting never hurts here, so no index is negative"


def test_index_is_zero_when_action_changes_nothing() -> None:
    """If both actions share transitions, only the subsidy differs, so every index is 0."""
    rng = np.random.default_rng(3)
    transitions, state_rewards = random_dense_arms(rng, num_arms=5, num_states=4)
    transitions[:, :, 1, :] = transitions[:, :, 0, :]
    indices = whittle_indices(transitions, state_rewards, 0.9)
    np.testing.assert_allclose(indices, 0.0, atol=1e-7)


def test_index_is_myopic_gain_for_tiny_discount() -> None:
    """With almost no discounting of the future, the index is R(s,1) - R(s,0)."""
    rng = np.random.default_rng(4)
    transitions, state_rewards = random_dense_arms(rng, num_arms=6, num_states=3)
    expected_rewards = np.einsum("jsat,jt->jsa", transitions, state_rewards)
    myopic_gain = expected_rewards[:, :, 1] - expected_rewards[:, :, 0]
    indices = whittle_indices(transitions, state_rewards, 1e-9, tolerance=1e-10)
    np.testing.assert_allclose(indices, myopic_gain, atol=1e-8)


def test_index_shifts_and_scales_with_rewards() -> None:
    """Adding c to every reward leaves indices unchanged; scaling rewards by k scales them."""
    rng = np.random.default_rng(5)
    transitions, state_rewards = random_dense_arms(rng, num_arms=8, num_states=3)
    base = whittle_indices(transitions, state_rewards, 0.9)
    shifted = whittle_indices(transitions, state_rewards + 3.0, 0.9)
    scaled = whittle_indices(transitions, 4.0 * state_rewards, 0.9, tolerance=4e-7)
    np.testing.assert_allclose(shifted, base, atol=1e-6)
    np.testing.assert_allclose(scaled, 4.0 * base, atol=4e-6)


def test_shared_reward_vector_equals_per_arm_table() -> None:
    """A (num_states,) reward vector gives the same indices as the same row for every arm."""
    rng = np.random.default_rng(6)
    for num_states, function in ((3, whittle_indices), (2, two_state_whittle_indices)):
        transitions, _ = random_dense_arms(rng, num_arms=4, num_states=num_states)
        shared = np.linspace(0.0, 2.0, num_states)
        np.testing.assert_array_equal(
            function(transitions, shared), function(transitions, np.tile(shared, (4, 1)))
        )


def test_chunked_batches_give_the_same_indices(monkeypatch: pytest.MonkeyPatch) -> None:
    """Splitting the (arm, state) problems into many small chunks does not change the result."""
    rng = np.random.default_rng(8)
    transitions, state_rewards = random_dense_arms(rng, num_arms=7, num_states=3)
    whole = whittle_indices(transitions, state_rewards, 0.9)
    monkeypatch.setattr(whittle, "_MAX_BATCH_MATRIX_ENTRIES", 2 * 9)
    chunked = whittle_indices(transitions, state_rewards, 0.9)
    np.testing.assert_array_equal(chunked, whole)


def test_many_arms_get_finite_indices() -> None:
    """1000 three-state arms are all indexed, with finite values (the batched path)."""
    rng = np.random.default_rng(9)
    transitions, state_rewards = random_dense_arms(rng, num_arms=1000, num_states=3)
    indices = whittle_indices(transitions, state_rewards, 0.95)
    assert indices.shape == (1000, 3)
    assert np.all(np.isfinite(indices))


def _valid_arms() -> tuple[np.ndarray, np.ndarray]:
    """Two uniform three-state arms and a shared reward vector."""
    transitions = np.full((2, 3, 2, 3), 1.0 / 3.0)
    return transitions, np.array([0.0, 0.5, 1.0])


def _with_row(transitions: np.ndarray, row: list[float]) -> np.ndarray:
    """Copy of `transitions` with transitions[0, 0, 0, :] replaced by `row`."""
    changed = transitions.copy()
    changed[0, 0, 0, :] = row
    return changed


@pytest.mark.parametrize(
    ("make_transitions", "match"),
    [
        (lambda t: t[0], r"shape \(num_arms, num_states, 2, num_states\).*got shape \(3, 2, 3\)"),
        (
            lambda t: np.concatenate([t, t[:, :, :1]], axis=2),
            r"shape \(num_arms, num_states, 2, num_states\).*got shape \(2, 3, 3, 3\)",
        ),
        (lambda t: t[..., :2], r"got shape \(2, 3, 2, 2\)"),
        (
            lambda t: _with_row(t, [0.5, 0.25, 0.125]),
            r"sum to 1.*transitions\[0, 0, 0, :\] summing to 0\.875",
        ),
        (
            lambda t: _with_row(t, [1.25, -0.5, 0.25]),
            r"non-negative.*transitions\[0, 0, 0, 1\] = -0\.5",
        ),
        (lambda t: _with_row(t, [np.nan, 0.5, 0.5]), r"transitions must be finite"),
    ],
    ids=["missing-arm-axis", "three-actions", "non-square", "rows-sum", "negative", "nan"],
)
def test_bad_transitions_raise(
    make_transitions: Callable[[np.ndarray], np.ndarray], match: str
) -> None:
    """Malformed transitions raise ValueError naming the expected shape or offending entry."""
    transitions, state_rewards = _valid_arms()
    with pytest.raises(ValueError, match=match):
        whittle_indices(make_transitions(transitions), state_rewards)


@pytest.mark.parametrize(
    ("state_rewards", "match"),
    [
        (
            np.zeros(4),
            r"\(num_arms, num_states\) = \(2, 3\) or \(num_states,\) = \(3,\); got shape",
        ),
        (np.zeros((3, 3)), r"got shape \(3, 3\)"),
        (np.array([0.0, np.inf, 1.0]), r"state_rewards must be finite"),
    ],
    ids=["wrong-length", "wrong-arm-count", "infinite"],
)
def test_bad_rewards_raise(state_rewards: np.ndarray, match: str) -> None:
    """Malformed state rewards raise ValueError naming the accepted shapes."""
    transitions, _ = _valid_arms()
    with pytest.raises(ValueError, match=match):
        whittle_indices(transitions, state_rewards)


@pytest.mark.parametrize("discount", [0.0, 1.0, 1.5, -0.2, float("nan"), "high"])
def test_discount_outside_unit_interval_raises(discount: object) -> None:
    """A discount outside the open interval (0, 1) raises ValueError quoting the value."""
    transitions, state_rewards = _valid_arms()
    two_state_transitions = np.full((2, 2, 2, 2), 0.5)
    with pytest.raises(ValueError, match=r"discount must be .*\(0, 1\); got"):
        whittle_indices(transitions, state_rewards, discount)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match=r"discount must be .*\(0, 1\); got"):
        two_state_whittle_indices(two_state_transitions, state_rewards[:2], discount)  # type: ignore[arg-type]


def test_bad_bisection_settings_raise() -> None:
    """A non-positive tolerance or fewer than one bisection step is rejected."""
    transitions, state_rewards = _valid_arms()
    with pytest.raises(ValueError, match=r"tolerance must be a positive number; got 0\.0"):
        whittle_indices(transitions, state_rewards, tolerance=0.0)
    with pytest.raises(ValueError, match=r"max_bisection_steps must be an integer >= 1; got 0"):
        whittle_indices(transitions, state_rewards, max_bisection_steps=0)
    with pytest.raises(TypeError, match=r"max_bisection_steps must be an integer"):
        whittle_indices(transitions, state_rewards, max_bisection_steps=2.5)  # type: ignore[arg-type]


def test_two_state_closed_form_rejects_other_state_counts() -> None:
    """The closed form refuses arms that do not have exactly two states, naming the shape."""
    transitions, state_rewards = _valid_arms()
    with pytest.raises(
        ValueError, match=r"two-state arms.*\(num_arms, 2, 2, 2\); got shape \(2, 3"
    ):
        two_state_whittle_indices(transitions, state_rewards)


# -- the Whittle agent on UCWhittle's arms and on coupled problems -----------------------------


def test_closed_form_matches_bisection_on_ucwhittle_arms() -> None:
    """UCWhittle's generator, acting-hurts arms included, gets the same indices both ways."""
    transitions = sample_ucwhittle_transitions(np.random.default_rng(7), 200)
    np.testing.assert_allclose(
        two_state_whittle_indices(transitions, GOOD_STATE_REWARDS, 0.9),
        whittle_indices(transitions, GOOD_STATE_REWARDS, 0.9),
        atol=CLOSED_FORM_ATOL,
    )


@pytest.mark.parametrize(
    "env_id",
    ["rlbench/CoRMAB-Path-v0", "rlbench/CoRMAB-Scheduling-v1", "rlbench/CoRMAB-Capacity-v1"],
)
def test_coupled_arm_model_is_the_envs_own_dynamics(env_id: str) -> None:
    """arm_model()'s per-arm tables give every arm's next-state distribution the env uses."""
    model = gym.make(env_id).unwrapped
    transitions = model.arm_model()["transitions"]  # (num_arms, 4, 2, 4)
    rng = np.random.default_rng(0)
    for _ in range(5):
        states = rng.integers(0, 4, size=model.num_arms)
        action = model.sample_feasible_action(rng)
        pulled = model.pulled_arms(action).astype(int)
        np.testing.assert_array_equal(
            transitions[np.arange(model.num_arms), states, pulled],
            model.next_state_distribution(states, action),
        )


def test_coupled_whittle_pulls_the_feasible_set_of_largest_index() -> None:
    """On Capacity-v1 the agent's pulls are feasible, use no negative index, and beat samples."""
    env = gym.make("rlbench/CoRMAB-Capacity-v1")
    model, agent = env.unwrapped, WhittleIndexAgent(env)
    rng = np.random.default_rng(1)
    for _ in range(3):
        states = rng.integers(0, 4, size=model.num_arms)
        pulls = agent.act(states).astype(bool)
        index = agent.indices[np.arange(model.num_arms), states]
        assert model.constraint_violation(pulls.astype(np.int8)) is None
        assert np.all(index[pulls] >= 0)
        best_sampled = max(
            index[model.pulled_arms(model.sample_feasible_action(rng))].sum() for _ in range(200)
        )
        assert index[pulls].sum() >= best_sampled - 1e-9
