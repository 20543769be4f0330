"""MOPortfolio: PortfolioAllocation's market with (log return, ESG, -risk), its agents and front."""

from __future__ import annotations

import math

import gymnasium as gym
import numpy as np
import pytest

import rlbench_suite  # noqa: F401  (registers the ids)
from rlbench_suite import testing
from rlbench_suite.agents import make_agent
from rlbench_suite.agents.moma.twins import PreferenceAllocatorAgent
from rlbench_suite.envs.moma.mo_portfolio import MOPortfolioEnv
from rlbench_suite.envs.trading.portfolio import PortfolioAllocationEnv
from rlbench_suite.envs.trading.synthetic import correlated_gbm
from rlbench_suite.registry import env_card
from rlbench_suite.scoring import evaluate
from rlbench_suite.scoring.multi_objective import pareto_front

ENV_ID = "rlbench/MOPortfolio-v0"
SCORES = (0.9, 0.5, 0.1)  # three assets' ESG scores, mean 0.5


def small_env(**kwargs: object) -> MOPortfolioEnv:
    """Three assets with known scores, a short window and horizon."""
    return MOPortfolioEnv(
        **{"num_assets": 3, "window": 4, "horizon": 40, "esg_scores": SCORES, **kwargs}
    )


def run_episodes(agent_name: str, episodes: int) -> np.ndarray:
    """Episode return vectors of a card agent on the default instance, seeds 0 .. episodes-1."""
    return evaluate(agent_name, ENV_ID, n_episodes=episodes, seed=0).returns


def test_log_return_is_portfolio_allocations_reward_on_the_same_market() -> None:
    """The first objective equals PortfolioAllocation-v0's (no-ESG) reward step by step."""
    twin = small_env()
    plain = PortfolioAllocationEnv(num_assets=3, window=4, horizon=40)
    twin.reset(seed=2)
    plain.reset(seed=2)
    rng = np.random.default_rng(0)
    for _ in range(40):
        action = rng.uniform(0.0, 1.0, size=4).astype(np.float32)
        vector = twin.step(action)[1]
        assert vector[0] == np.float32(plain.step(action)[1])


def test_esg_reward_is_the_portfolio_score_above_the_mean_per_year() -> None:
    """All in the 0.9 asset pays (0.9 - 0.5) / 252 a step; cash counts as the mean: 0."""
    env = small_env()
    env.reset(seed=0)
    reward = env.step([0.0, 1.0, 0.0, 0.0])[1]
    assert reward[1] == np.float32(0.4 / 252)
    assert env.step([1.0, 0.0, 0.0, 0.0])[1][1] == 0.0
    _, reward, _, _, info = env.step([0.5, 0.0, 0.0, 0.5])
    assert info["portfolio_esg"] == pytest.approx(0.5 * 0.5 + 0.5 * 0.1)
    assert reward[1] == np.float32((0.3 - 0.5) / 252)


def test_risk_returns_add_up_to_minus_the_sum_of_squared_deviations() -> None:
    """Summed -risk is -sum (r_t - rbar)^2 over the episode's log returns (Welford, exact)."""
    env = small_env()
    env.reset(seed=5)
    rng = np.random.default_rng(5)
    log_returns, risks = [], []
    truncated = False
    while not truncated:
        reward, _, truncated = env.step(rng.uniform(0.0, 1.0, size=4).astype(np.float32))[1:4]
        log_returns.append(float(reward[0]))
        risks.append(float(reward[2]))
    assert risks[0] == 0.0 and all(risk <= 0.0 for risk in risks)
    deviations = np.asarray(log_returns) - np.mean(log_returns)
    assert sum(risks) == pytest.approx(-np.sum(deviations**2), rel=1e-4)


def test_reset_forgets_the_previous_episodes_mean() -> None:
    """A second episode's first risk term is 0 again, and the same seed repeats it exactly."""
    env = small_env()
    env.reset(seed=1)
    first = [env.step([0.0, 1.0, 1.0, 1.0])[1] for _ in range(5)]
    env.reset(seed=1)
    again = [env.step([0.0, 1.0, 1.0, 1.0])[1] for _ in range(5)]
    assert again[0][2] == 0.0
    assert all(np.array_equal(a, b) for a, b in zip(first, again, strict=True))


def test_reward_space_bounds_come_from_the_scores() -> None:
    """ESG rewards lie in [(0.1 - 0.5), (0.9 - 0.5)] / 252; -risk at most 0; return unbounded."""
    env = small_env()
    assert env.reward_space.low.tolist() == pytest.approx([-math.inf, -0.4 / 252, -math.inf])
    assert env.reward_space.high.tolist() == pytest.approx([math.inf, 0.4 / 252, 0.0])
    assert env.observation_space.shape == (4 * 3 + 4 + 3,)


@pytest.mark.parametrize(
    ("kwargs", "error", "message"),
    [
        ({"esg_grant_rate": 0.1}, TypeError, "unexpected keyword argument 'esg_grant_rate'"),
        ({"esg": False}, TypeError, "unexpected keyword argument 'esg'"),
        ({"esg_scores": (0.5, 1.2, 0.1)}, ValueError, "MOPortfolioEnv: esg_scores must be 3"),
        ({"commission": 0.5}, ValueError, r"MOPortfolioEnv: commission must be in \[0, 0.2\]"),
        ({"volatility": float("nan")}, ValueError, "MOPortfolioEnv: volatility must be a finite"),
    ],
)
def test_bad_arguments_name_the_env_and_what_it_takes(
    kwargs: dict, error: type[Exception], message: str
) -> None:
    """The ESG mode's money arguments are not taken; bad values raise naming MOPortfolioEnv."""
    with pytest.raises(error, match=message):
        small_env(**kwargs)


def test_the_env_passes_the_single_agent_and_multi_objective_checks() -> None:
    """check_env through scalarisation, rewards in reward_space, MO-Gymnasium's wrappers."""
    testing.check_gymnasium_api(small_env)
    testing.check_reward_vectors(ENV_ID)
    testing.check_mo_gymnasium_wrappers(ENV_ID)


def test_card_objectives_reference_point_and_bounds() -> None:
    """Three objectives; reference (ln 0.01, -0.5, -0.25) below the ESG return's floor."""
    card = env_card(ENV_ID)
    assert card.objectives == ("log_return", "esg", "neg_risk")
    assert card.reference_point == (math.log(0.01), -0.5, -0.25)
    assert card.return_bounds == (-math.inf, math.inf)
    env = gym.make(ENV_ID).unwrapped
    esg_floor = env.horizon * (env.esg_scores.min() - env.esg_mean) / env.periods_per_year
    assert esg_floor == pytest.approx(-0.339, abs=1e-3)
    assert card.reference_point[1] < esg_floor


def test_family_draws_new_scores_on_both_splits() -> None:
    """The MDP family draws a fresh esg_seed and PortfolioAllocation's market parameters."""
    card = env_card(ENV_ID)
    for split in ("in_distribution", "held_out"):
        kwargs = card.mdp_family.sample(1, split)[0]
        assert {"esg_seed", "leader_drift", "commission"} <= set(kwargs)
        env = gym.make(ENV_ID, **kwargs)
        env.reset(seed=0)
        assert env.step(env.action_space.sample())[1].shape == (3,)


def test_runs_on_the_users_data_without_regimes() -> None:
    """data= works as in PortfolioAllocation; the preference agent refuses a regime-less market."""
    market, _ = correlated_gbm(np.random.default_rng(0), 120, 3)
    env = gym.make(ENV_ID, data=market, window=5, horizon=20, esg_scores=SCORES)
    env.reset(seed=0)
    assert env.step([0.0, 1.0, 0.0, 0.0])[1][1] == np.float32(0.4 / 252)
    with pytest.raises(ValueError, match="needs the synthetic market's regimes"):
        PreferenceAllocatorAgent(env, (1.0, 1.0, 1.0))


# -- agents -----------------------------------------------------------------------------------


def test_preferences_set_the_target_portfolios() -> None:
    """ESG-only holds the best-scored asset; growth the leader; min_risk mostly cash."""
    env = gym.make(ENV_ID)
    scores = env.unwrapped.esg_scores
    esg = make_agent("mo_portfolio_esg", env)
    growth = make_agent("mo_portfolio_growth", env)
    cautious = make_agent("mo_portfolio_min_risk", env)
    assert np.allclose(esg.targets[:, 1 + int(np.argmax(scores))], 1.0, atol=1e-6)
    assert np.allclose(growth.targets[:, 1:], np.eye(5), atol=1e-6)
    assert np.all(cautious.targets[:, 0] > 0.7)


def test_a_cautious_target_is_bought_from_cash() -> None:
    """The no-trade band scales with what is invested: min_risk buys its 19 % from all-cash."""
    env = gym.make(ENV_ID)
    agent = make_agent("mo_portfolio_min_risk", env)
    observation, _ = env.reset(seed=0)
    action = agent.act(observation)
    assert action[0] == pytest.approx(agent.targets[env.unwrapped.current_regime][0])
    assert 0.1 < 1.0 - action[0] < 0.3


def test_preference_agent_refuses_bad_preferences() -> None:
    """A preference must be three non-negative finite weights."""
    env = gym.make(ENV_ID)
    for preference in ((1.0, 1.0), (1.0, -1.0, 0.0), (1.0, float("nan"), 0.0)):
        with pytest.raises(ValueError, match="three non-negative finite weights"):
            PreferenceAllocatorAgent(env, preference)


def test_preferences_trade_objectives_against_each_other() -> None:
    """Over 6 seeds: growth earns most, esg scores best, min_risk risks least."""
    means = {
        name: run_episodes(name, 6).mean(axis=0)
        for name in ("mo_portfolio_growth", "mo_portfolio_esg", "mo_portfolio_min_risk")
    }
    assert means["mo_portfolio_growth"][0] > means["mo_portfolio_min_risk"][0] + 0.1
    assert means["mo_portfolio_esg"][1] > means["mo_portfolio_growth"][1] + 0.2
    assert means["mo_portfolio_min_risk"][2] > means["mo_portfolio_esg"][2] + 0.04


@pytest.mark.slow
def test_reference_front_over_30_seeds_as_documented() -> None:
    """30 seeds: every heuristic is non-dominated, random is not; balanced is the expert."""
    card = env_card(ENV_ID)
    means = {name: run_episodes(name, 30).mean(axis=0) for name in card.agents}
    front = pareto_front(np.array(list(means.values())))
    on_front = {name for name, mean in means.items() if any(np.array_equal(mean, p) for p in front)}
    assert on_front == set(card.agents) - {"random"}
    utilities = {name: mean.mean() for name, mean in means.items()}
    assert max(utilities, key=utilities.get) == card.expert_agent
