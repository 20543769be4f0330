"""MORMAB: grouped two-state arms, the (total, worst group) reward, its agents and its front."""

from __future__ import annotations

import gymnasium as gym
import numpy as np
import pytest

import rlbench_suite  # noqa: F401  (registers the ids)
from rlbench_suite import testing
from rlbench_suite.agents import make_agent
from rlbench_suite.agents.moma.twins import GroupQuotaWhittleAgent
from rlbench_suite.envs.bandits.two_state import TwoStateRMABEnv, sample_two_state_transitions
from rlbench_suite.envs.moma.mo_rmab import (
    REACH_RANGE,
    MORMABEnv,
    mo_rmab_family,
    return_bounds,
)
from rlbench_suite.envs.validation import InvalidActionError
from rlbench_suite.registry import env_card
from rlbench_suite.scoring import evaluate
from rlbench_suite.scoring.multi_objective import hypervolume, pareto_front

ENV_ID = "rlbench/MORMAB-v0"


def run_episodes(agent_name: str, episodes: int) -> np.ndarray:
    """Episode return vectors of a card agent on the default instance, seeds 0 .. episodes-1."""
    return evaluate(agent_name, ENV_ID, n_episodes=episodes, seed=0).returns


# -- the env ----------------------------------------------------------------------------------


def test_arms_are_two_state_draws_scaled_by_their_groups_reach() -> None:
    """Group 0 keeps RMAB-TwoState's draws; group 1's good-state chances are 0.6 of them."""
    env = MORMABEnv()
    plain = sample_two_state_transitions(np.random.default_rng(0), 20)
    assert env.arm_groups.tolist() == [0] * 10 + [1] * 10
    assert np.allclose(env.transitions[:10], plain[:10])
    assert np.allclose(env.transitions[10:, :, :, 1], 0.6 * plain[10:, :, :, 1])
    assert np.allclose(env.transitions.sum(axis=-1), 1.0)


def test_reward_is_the_total_and_the_worst_groups_share_times_num_arms() -> None:
    """Each step pays (arms good, 20 x the lower of the groups' shares of good arms), float32."""
    env = gym.make(ENV_ID)
    observation, _ = env.reset(seed=3)
    agent = make_agent("random", env)
    agent.reset(3)
    for _ in range(30):
        observation, reward, _, _, info = env.step(agent.act(observation))
        shares = [observation[:10].mean(), observation[10:].mean()]
        assert reward.dtype == np.float32 and reward.shape == (2,)
        assert reward.tolist() == [float(observation.sum()), 20 * min(shares)]
        assert info["group_rewards"].tolist() == shares
        assert reward[1] <= reward[0]


def test_total_objective_is_rmab_two_states_reward_on_the_same_arms() -> None:
    """The first objective is exactly RMAB-TwoState's reward for the same table and draws."""
    twin = MORMABEnv()
    plain = TwoStateRMABEnv(num_arms=20, budget=5, transitions=twin.transitions)
    twin.reset(seed=8)
    plain.reset(seed=8)
    rng = np.random.default_rng(1)
    for _ in range(20):
        action = twin.sample_feasible_action(rng)
        vector = twin.step(action)[1]
        assert vector[0] == plain.step(action)[1]


def test_a_penalised_step_loses_the_penalty_in_both_objectives() -> None:
    """invalid_action='penalty': over budget, nobody is acted on and both objectives pay -20."""
    env = MORMABEnv(invalid_action="penalty")
    assert env.reward_space.low.tolist() == [-20.0, -20.0]
    observation, _ = env.reset(seed=0)
    observation, reward, _, _, info = env.step(np.ones(20, dtype=np.int8))
    shares = [observation[:10].mean(), observation[10:].mean()]
    assert info["invalid_action"]
    assert reward.tolist() == [observation.sum() - 20.0, 20 * min(shares) - 20.0]


def test_over_budget_raises_by_default_naming_the_budget() -> None:
    """Acting on 6 arms with a budget of 5 raises InvalidActionError naming both."""
    env = gym.make(ENV_ID)
    env.reset(seed=0)
    with pytest.raises(InvalidActionError, match="6 arms acted on, the budget is 5"):
        env.step([1] * 6 + [0] * 14)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"group_sizes": (20,)}, r"at least two groups .* got \(20,\)"),
        ({"group_sizes": (10, 0)}, r"at least one arm each .* got \(10, 0\)"),
        ({"group_sizes": (5.0, 5.0)}, r"\(integers\), got \(5.0, 5.0\)"),
        ({"group_reach": (1.0,)}, r"one factor in \(0, 1\] per group \(2 groups\), got \(1.0,\)"),
        ({"group_reach": (1.0, 1.5)}, r"one factor in \(0, 1\] per group"),
        ({"group_reach": (1.0, 0.0)}, r"one factor in \(0, 1\] per group"),
        ({"transition_prior": (0.0, 1.0)}, "transition_prior must be two positive numbers"),
        ({"budget": 21}, r"budget must be in \[1, num_arms=20\], got 21"),
    ],
)
def test_bad_arguments_are_refused_naming_the_env_and_what_was_expected(
    kwargs: dict, message: str
) -> None:
    """Malformed groups, reaches, priors and budgets raise ValueError naming MORMABEnv."""
    with pytest.raises(ValueError, match=f"MORMABEnv: .*{message}"):
        MORMABEnv(**kwargs)


def test_the_env_passes_the_single_agent_and_multi_objective_checks() -> None:
    """check_env through scalarisation, rewards in reward_space, MO-Gymnasium's wrappers."""
    testing.check_gymnasium_api(MORMABEnv)
    testing.check_reward_vectors(ENV_ID)
    testing.check_mo_gymnasium_wrappers(ENV_ID)


# -- card, bounds and MDP family ----------------------------------------------------------------


def test_card_names_two_objectives_a_reference_point_and_bounds() -> None:
    """The card: two objectives, reference (0, 0), bounds [0, 20 x 100], penalty mode wider."""
    card = env_card(ENV_ID)
    assert card.objectives == ("reward", "worst_group_reward")
    assert card.reference_point == (0.0, 0.0)
    assert card.return_bounds == (0.0, 2000.0)
    assert return_bounds(invalid_action="penalty") == (-2000.0, 2000.0)
    assert return_bounds(group_sizes=(3, 4, 5), horizon=10) == (0.0, 120.0)
    assert card.expert_agent == "mo_rmab_fair60"


def test_family_splits_draw_group_reach_inside_and_outside_the_range() -> None:
    """In distribution the reach is in [0.5, 0.7]; held out outside it, with extreme arms."""
    card = env_card(ENV_ID)
    inside = card.mdp_family.sample(20, "in_distribution")
    outside = card.mdp_family.sample(20, "held_out")
    assert all(REACH_RANGE[0] <= kwargs["group_reach"][1] <= REACH_RANGE[1] for kwargs in inside)
    assert all(
        not REACH_RANGE[0] <= kwargs["group_reach"][1] <= REACH_RANGE[1] for kwargs in outside
    )
    assert all(kwargs["transition_prior"] == (0.5, 0.5) for kwargs in outside)
    for kwargs in (inside[0], outside[0], mo_rmab_family(np.random.default_rng(4), "held_out")):
        env = gym.make(ENV_ID, **kwargs)
        env.reset(seed=0)
        env.step(np.zeros(20, dtype=np.int8))


# -- agents -----------------------------------------------------------------------------------


def test_quota_goes_to_the_worst_group_on_its_highest_indices() -> None:
    """fair60 keeps 3 of 5 calls for the group seen doing worst, the rest by index overall."""
    env = gym.make(ENV_ID)
    agent = make_agent("mo_rmab_fair60", env)
    agent.reset(0)
    # Group 0 all good, group 1 all bad: group 1 is the worst so far.
    observation = np.array([1] * 10 + [0] * 10)
    action = agent.act(observation)
    indices = agent.indices[np.arange(20), observation]
    assert action.sum() == 5
    chosen_in_worst = np.flatnonzero(action[10:]) + 10
    top_in_worst = np.argsort(-indices[10:])[:3] + 10
    assert set(top_in_worst) <= set(chosen_in_worst)


def test_whittle_setting_acts_on_the_top_indices() -> None:
    """mo_rmab_whittle reserves nothing: it acts on the 5 arms of highest positive index."""
    env = gym.make(ENV_ID)
    agent = make_agent("mo_rmab_whittle", env)
    agent.reset(0)
    observation = np.array([0, 1] * 10)
    indices = agent.indices[np.arange(20), observation]
    assert set(np.flatnonzero(agent.act(observation))) == set(np.argsort(-indices)[:5])


def test_quota_agent_refuses_bad_settings_and_envs_without_groups() -> None:
    """A share outside [0, 1] is a ValueError; an env without arm groups a TypeError."""
    with pytest.raises(ValueError, match=r"fairness_share must be in \[0, 1\], got 1.5"):
        GroupQuotaWhittleAgent(gym.make(ENV_ID), fairness_share=1.5)
    with pytest.raises(TypeError, match="TwoStateRMABEnv has no arm_groups"):
        GroupQuotaWhittleAgent(gym.make("rlbench/RMAB-TwoState-v0"), fairness_share=0.5)


def test_fairness_quota_trades_total_for_the_worst_group() -> None:
    """Over 8 seeds, fair80 beats plain Whittle on the worst group and loses on the total."""
    whittle = run_episodes("mo_rmab_whittle", 8).mean(axis=0)
    fair = run_episodes("mo_rmab_fair80", 8).mean(axis=0)
    random = run_episodes("random", 8).mean(axis=0)
    assert fair[1] > whittle[1] + 50 and whittle[0] > fair[0] + 50
    assert np.all(whittle > random) and np.all(fair > random)


@pytest.mark.slow
def test_reference_front_over_30_seeds_as_documented() -> None:
    """30 seeds: whittle, fair40, fair60, fair80 are the front; fair60 is best at equal weights."""
    card = env_card(ENV_ID)
    means = {name: run_episodes(name, 30).mean(axis=0) for name in card.agents}
    front = pareto_front(np.array(list(means.values())))
    on_front = {name for name, mean in means.items() if any(np.array_equal(mean, p) for p in front)}
    assert on_front == {"mo_rmab_whittle", "mo_rmab_fair40", "mo_rmab_fair60", "mo_rmab_fair80"}
    utilities = {name: mean.mean() for name, mean in means.items()}
    assert max(utilities, key=utilities.get) == card.expert_agent
    assert hypervolume(front, card.reference_point) == pytest.approx(383_893, rel=1e-3)
