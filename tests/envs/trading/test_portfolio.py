"""PortfolioAllocation: PGPortfolio's costs, the ESG transfers, data, seeds, errors, the expert."""

from __future__ import annotations

import math
import pickle
import re
from pathlib import Path

import gymnasium as gym
import numpy as np
import pandas as pd
import pytest

import rlbench_suite
from rlbench_suite.agents import make_agent
from rlbench_suite.agents.trading.portfolio import RegimeKellyAgent
from rlbench_suite.agents.trivial import trivial_policies
from rlbench_suite.envs.trading import portfolio
from rlbench_suite.envs.trading.portfolio import (
    PortfolioAllocationEnv,
    transaction_remainder_factor,
)
from rlbench_suite.envs.trading.synthetic import MarketData, Regime
from rlbench_suite.envs.validation import InvalidActionError
from rlbench_suite.registry import env_card

ENV_ID = "rlbench/PortfolioAllocation-v0"
ESG_ID = "rlbench/PortfolioAllocationESG-v0"
EXAMPLE_CSV = Path(portfolio.__file__).parent / "data" / "example_ohlcv.csv"
C = 0.0025


def market_from_closes(closes: np.ndarray, symbols: tuple[str, ...] | None = None) -> MarketData:
    """A market whose bars open at the previous close and close at ``closes`` (T, D)."""
    closes = np.asarray(closes, dtype=float)
    opens = np.vstack([closes[:1], closes[:-1]])
    return MarketData(
        timestamps=np.datetime64("2024-01-01", "ns")
        + np.arange(len(closes)) * np.timedelta64(1, "D"),
        open=opens,
        high=np.maximum(opens, closes),
        low=np.minimum(opens, closes),
        close=closes,
        volume=np.ones_like(closes),
        symbols=symbols or tuple(f"S{index}" for index in range(closes.shape[1])),
        source="hand-made",
    )


def play(env: gym.Env, agent_or_action, seed: int) -> tuple[float, list[dict]]:
    """One episode's return and infos, with an agent or a constant action."""
    observation, _ = env.reset(seed=seed)
    if hasattr(agent_or_action, "act"):
        agent_or_action.reset(seed)
    total, infos = 0.0, []
    while True:
        action = (
            agent_or_action.act(observation) if hasattr(agent_or_action, "act") else agent_or_action
        )
        observation, reward, terminated, truncated, info = env.step(action)
        total += reward
        infos.append(info)
        if terminated or truncated:
            return total, infos


# -- the transaction remainder factor ------------------------------------------------------------


def test_mu_matches_a_hand_solved_case() -> None:
    """From (cash .5, A .5) to (.2, .3, B .5), mu solves PGPortfolio's equation in closed form.

    Only A is sold (0.5 - 0.3 mu > 0, B is bought), so the equation is linear in mu:
    mu (1 - 0.2c - 0.3(2c - c^2)) = 1 - 0.5c - 0.5(2c - c^2); with c = 0.0025,
    mu = 0.996253125 / 0.998001875 = 0.99824775.
    """
    both = 2 * C - C**2
    expected = (1 - 0.5 * C - 0.5 * both) / (1 - 0.2 * C - 0.3 * both)
    mu = transaction_remainder_factor([0.5, 0.5, 0.0], [0.2, 0.3, 0.5], C)
    assert mu == pytest.approx(expected, abs=1e-12)
    assert mu == pytest.approx(0.99824775, abs=1e-8)


def test_mu_of_simple_trades() -> None:
    """No trade keeps everything; buying in or cashing out costs c; a switch costs (1 - c)^2."""
    assert transaction_remainder_factor([0.3, 0.7], [0.3, 0.7], C) == pytest.approx(1.0, abs=1e-9)
    assert transaction_remainder_factor([1.0, 0.0], [0.0, 1.0], C) == pytest.approx(1 - C)
    assert transaction_remainder_factor([0.0, 1.0], [1.0, 0.0], C) == pytest.approx(1 - C)
    switch = transaction_remainder_factor([0.0, 1.0, 0.0], [0.0, 0.0, 1.0], C)
    assert switch == pytest.approx((1 - C) ** 2)
    assert transaction_remainder_factor([0.0, 1.0, 0.0], [0.0, 0.0, 1.0], 0.0) == 1.0


@pytest.mark.parametrize("commission", [0.0025, 0.02, 0.2])
def test_mu_lies_within_the_bounds_of_the_linear_approximation(commission: float) -> None:
    """Exact mu: c T <= 1 - mu <= c T / (1 - c) for the executed turnover T, near 1 - c sum|dw|.

    Sales return 1 - c per unit and purchases cost 1 / (1 - c), so the wealth lost lies between
    c and c / (1 - c) times what is actually traded, ``sum |w'_i - mu w_i|``; the training-time
    approximation ``1 - c sum |w'_i - w_i|`` is within 2 c^2 of the exact factor.
    """
    rng = np.random.default_rng(1)
    for _ in range(300):
        size = int(rng.integers(2, 7))
        before = rng.dirichlet(np.full(size, 0.5))
        target = rng.dirichlet(np.full(size, 0.5))
        mu = transaction_remainder_factor(before, target, commission)
        traded = np.abs(before[1:] - mu * target[1:]).sum()
        assert commission * traded - 1e-9 <= 1 - mu <= commission * traded / (1 - commission) + 1e-9
        approximation = 1 - commission * np.abs(before[1:] - target[1:]).sum()
        assert abs(mu - approximation) <= 2 * commission**2
        assert (1 - commission) ** 2 - 1e-12 <= mu <= 1.0


# -- costs, ESG transfers and the action mapping ---------------------------------------------------


def test_commission_changes_the_return_by_exactly_the_log_of_mu() -> None:
    """The same seed and actions with c = 0 and c = 0.0025: returns differ by sum ln(mu)."""
    actions = np.random.default_rng(3).uniform(0, 1, size=(20, 6)).astype(np.float32)

    def run(commission: float) -> tuple[list[float], list[float]]:
        env = PortfolioAllocationEnv(horizon=20, commission=commission)
        env.reset(seed=4)
        rewards, mus = [], []
        for action in actions:
            _, reward, _, _, info = env.step(action)
            rewards.append(reward)
            mus.append(info["mu"])
        return rewards, mus

    free_rewards, free_mus = run(0.0)
    costly_rewards, costly_mus = run(C)
    assert free_mus == [1.0] * 20
    assert sum(costly_rewards) < sum(free_rewards) - 0.01
    # Each step the only difference is the factor mu (grants and taxes are off).
    np.testing.assert_allclose(
        np.array(costly_rewards) - np.array(free_rewards), np.log(costly_mus), atol=1e-12
    )


def test_info_reports_the_cost_paid_and_wealth() -> None:
    """Buying in from cash at wealth 1 costs c: info says cost 0.0025 and wealth drops by it."""
    env = PortfolioAllocationEnv(num_assets=2, window=3, horizon=3)
    env.reset(seed=0)
    relatives = env.market.close[env.bar + 1] / env.market.close[env.bar]
    _, reward, _, _, info = env.step(np.array([0.0, 1.0, 0.0], dtype=np.float32))
    assert info["cost"] == pytest.approx(C)
    assert info["wealth"] == pytest.approx((1 - C) * relatives[0])
    assert reward == pytest.approx(math.log((1 - C) * relatives[0]))
    np.testing.assert_allclose(info["target_weights"], [0.0, 1.0, 0.0])


def test_all_zero_scores_keep_the_portfolio_and_pay_nothing() -> None:
    """Zeros mean no trade: mu is 1, the weights drift with prices, wealth follows them."""
    closes = np.array([[10.0, 10.0]] * 4 + [[12.0, 9.0]] * 4)
    # 6 of the 8 bars train; a window of 2 leaves 3 steps from bar 2.
    env = PortfolioAllocationEnv(
        data=market_from_closes(closes), window=2, horizon=None, train_fraction=0.75, cash=False
    )
    env.reset(seed=0)
    assert env.bar == 2 and env.episode_horizon == 3
    np.testing.assert_allclose(env.weights[1:], [0.5, 0.5])
    env.step(np.zeros(2, dtype=np.float32))  # bar 2 -> 3: prices unchanged
    _, reward, _, _, info = env.step(np.zeros(2, dtype=np.float32))  # bar 3 -> 4: 12 and 9
    assert info["mu"] == 1.0 and info["cost"] == 0.0
    assert reward == pytest.approx(math.log(0.5 * 1.2 + 0.5 * 0.9))
    np.testing.assert_allclose(info["weights"], [0.6 / 1.05, 0.45 / 1.05])


def test_scores_are_normalised_onto_the_simplex() -> None:
    """Scores (cash, A, B) = (0.5, 0.5, 1.0) become the weights (0.25, 0.25, 0.5)."""
    env = PortfolioAllocationEnv(num_assets=2, window=2, horizon=2)
    env.reset(seed=0)
    _, _, _, _, info = env.step(np.array([0.5, 0.5, 1.0], dtype=np.float32))
    np.testing.assert_allclose(info["target_weights"], [0.25, 0.25, 0.5], atol=1e-7)


def _esg_run(**kwargs) -> tuple[list[float], list[dict]]:
    env = PortfolioAllocationEnv(
        horizon=15, esg=True, esg_scores=(0.9, 0.1, 0.5, 0.2, 0.8), **kwargs
    )
    env.reset(seed=7)
    rewards, infos = [], []
    for step in range(15):
        # Alternate between a brown-heavy portfolio (taxed) and a green-heavy one (granted).
        brown = np.array([0.0, 0.0, 1.0, 0.0, 1.0, 0.0], dtype=np.float32)
        green = np.array([0.0, 1.0, 0.0, 0.0, 0.0, 1.0], dtype=np.float32)
        _, reward, _, _, info = env.step(brown if step % 2 else green)
        rewards.append(reward)
        infos.append(info)
    return rewards, infos


def test_esg_grants_raise_and_taxes_lower_the_reward() -> None:
    """With scores (.9, .1, .5, .2, .8): grants on green gains raise rewards, taxes cut them."""
    neutral, neutral_infos = _esg_run(esg_grant_rate=0.0, esg_tax_rate=0.0)
    granted, granted_infos = _esg_run(esg_grant_rate=0.05, esg_tax_rate=0.0)
    taxed, taxed_infos = _esg_run(esg_grant_rate=0.0, esg_tax_rate=0.001)
    grants = np.array([info["esg_grant"] for info in granted_infos])
    taxes = np.array([info["esg_tax"] for info in taxed_infos])
    assert all(info["esg_grant"] == info["esg_tax"] == 0 for info in neutral_infos)
    assert grants[::2].max() > 0 and np.all(grants[1::2] == 0)  # only green steps earn grants
    # The brown portfolio (0.1 + 0.2) / 2 = 0.15 is below the mean 0.5: taxed 0.001 * 0.35 of
    # the wealth before the step.
    wealth_before = np.array([info["wealth"] for info in taxed_infos[:-1:2]])
    np.testing.assert_allclose(taxes[1::2] / wealth_before, 0.00035, rtol=1e-12)
    assert np.all(taxes[::2] == 0)  # green (0.9 + 0.8) / 2 is above the mean: no tax
    assert sum(granted) > sum(neutral) > sum(taxed)


def test_esg_tax_is_exactly_the_shortfall_times_the_rate() -> None:
    """One step into (0.1, 0.2)-scored assets from cash: tax = 0.001 * (0.5 - 0.15) of wealth."""
    env = PortfolioAllocationEnv(
        horizon=3, esg=True, esg_scores=(0.9, 0.1, 0.5, 0.2, 0.8), esg_grant_rate=0.0
    )
    env.reset(seed=0)
    _, _, _, _, info = env.step(np.array([0, 0, 1, 0, 1, 0], dtype=np.float32))
    assert info["esg_tax"] == pytest.approx(0.001 * 0.35)


def test_esg_features_append_the_scores_to_the_observation() -> None:
    """The ESG id observes 30 x 5 returns, 6 weights and the 5 scores, in that order."""
    env = gym.make(ESG_ID)
    observation, _ = env.reset(seed=0)
    assert observation.shape == (30 * 5 + 6 + 5,)
    np.testing.assert_allclose(observation[-5:], env.unwrapped.esg_scores, rtol=1e-6)
    assert gym.make(ENV_ID).reset(seed=0)[0].shape == (156,)


# -- observations, episodes, seeds -----------------------------------------------------------------


def test_observation_holds_the_past_log_returns_and_current_weights() -> None:
    """The window is ln(close_t / close_{t-1}) of the last bars, oldest first, then the weights."""
    env = PortfolioAllocationEnv(num_assets=3, window=4, horizon=5)
    observation, _ = env.reset(seed=2)
    close = env.market.close
    expected = np.log(close[1:5] / close[0:4]).ravel()
    np.testing.assert_allclose(observation[:12], expected, rtol=1e-5)
    np.testing.assert_allclose(observation[12:], [1.0, 0.0, 0.0, 0.0])
    observation, *_ = env.step(np.array([0, 1, 1, 1], dtype=np.float32))
    np.testing.assert_allclose(observation[:12], np.log(close[2:6] / close[1:5]).ravel(), rtol=1e-5)


def test_episode_truncates_at_the_horizon_with_metrics() -> None:
    """252 steps, then truncation; the last info carries financial metrics and the turnover."""
    env = gym.make(ENV_ID)
    total, infos = play(env, make_agent("equal_weight", env), seed=0)
    assert len(infos) == 252
    metrics = infos[-1]
    assert metrics["final_value"] == pytest.approx(infos[-1]["wealth"])
    assert math.log(metrics["final_value"]) == pytest.approx(total)
    # Buying in is a turnover of 1 (all of the account), then small daily rebalances.
    assert 1.0 < metrics["turnover"] < 5.0
    assert {"sharpe", "max_drawdown", "annual_return"} <= set(metrics)
    assert "sharpe" not in infos[-2]


def test_ruin_stops_the_episode_at_the_floor() -> None:
    """An asset that loses 99.9 % in a bar ruins an all-in account: terminated at ln(0.01)."""
    closes = np.array([[100.0, 100.0]] * 4 + [[0.1, 100.0]] * 4)
    env = PortfolioAllocationEnv(
        data=market_from_closes(closes), window=2, horizon=None, train_fraction=0.75
    )
    env.reset(seed=0)
    _, first, terminated, _, _ = env.step(np.array([0, 1, 0], dtype=np.float32))
    assert not terminated
    _, second, terminated, truncated, info = env.step(np.array([0, 1, 0], dtype=np.float32))
    assert terminated and not truncated
    assert info["wealth"] == pytest.approx(0.01)
    assert first + second == pytest.approx(math.log(0.01))
    assert first + second >= portfolio.return_bounds()[0] - 1e-12


def test_same_seed_same_market_other_seed_other_market() -> None:
    """reset(seed) fixes the market and the rewards; another seed draws another market."""
    first, second = gym.make(ENV_ID), gym.make(ENV_ID)
    first.reset(seed=5)
    second.reset(seed=5)
    np.testing.assert_array_equal(first.unwrapped.market.close, second.unwrapped.market.close)
    action = np.full(6, 0.5, dtype=np.float32)
    assert first.step(action)[1] == second.step(action)[1]
    second.reset(seed=6)
    assert not np.array_equal(first.unwrapped.market.close, second.unwrapped.market.close)


def test_env_pickles_mid_episode_and_continues_identically() -> None:
    """A pickled copy taken mid-episode gives the same rewards as the original."""
    env = PortfolioAllocationEnv(horizon=10, esg=True, esg_features=True)
    env.reset(seed=1)
    env.step(np.full(6, 0.3, dtype=np.float32))
    clone = pickle.loads(pickle.dumps(env))
    action = np.array([0, 1, 0, 0, 0, 0], dtype=np.float32)
    assert env.step(action)[1] == clone.step(action)[1]


def test_render_ansi_shows_wealth_and_weights() -> None:
    """ansi render: step, wealth and each weight by name."""
    env = PortfolioAllocationEnv(num_assets=2, window=2, horizon=2, render_mode="ansi")
    env.reset(seed=0)
    assert env.render() == "step 0/2 wealth 1.0000 | cash 1.00 ASSET0 0.00 ASSET1 0.00"


# -- the user's data -------------------------------------------------------------------------------


@pytest.mark.skipif(not EXAMPLE_CSV.exists(), reason="the example OHLCV file is not there yet")
def test_data_path_runs_on_the_example_csv_train_and_test_by_time() -> None:
    """The example CSV (3 symbols x 500 bars) trains on the first 400 bars, tests on the rest."""
    train = PortfolioAllocationEnv(data=str(EXAMPLE_CSV), horizon=100)
    test = PortfolioAllocationEnv(data=EXAMPLE_CSV, split="test", horizon=None)
    assert train.num_assets == test.num_assets == 3
    assert train.data_market.timestamps[-1] < test.data_market.timestamps[0]
    assert len(train.data_market) == 400 and len(test.data_market) == 100
    total, infos = play(test, np.array([0, 1, 1, 1], dtype=np.float32), seed=0)
    assert len(infos) == 100 - 30 - 1
    assert math.isfinite(total) and total == pytest.approx(math.log(infos[-1]["wealth"]))
    # Episodes of the train split start at a bar drawn from the seed.
    starts = set()
    for seed in range(5):
        train.reset(seed=seed)
        starts.add(train.bar)
    assert len(starts) > 1
    frame = pd.read_csv(EXAMPLE_CSV)
    from_frame = PortfolioAllocationEnv(data=frame, split="test", horizon=None)
    np.testing.assert_array_equal(from_frame.data_market.close, test.data_market.close)


def test_data_errors_name_what_was_expected() -> None:
    """Short split, asset count, split name, fraction, missing file: each a clear ValueError."""
    market = market_from_closes(np.full((50, 2), 100.0))
    with pytest.raises(ValueError, match=r"has 40 bars; a window of 30 leaves at most 9 steps"):
        PortfolioAllocationEnv(data=market, horizon=20)
    with pytest.raises(ValueError, match=r"num_assets=5 but the data holds 2 assets \(S0, S1\)"):
        PortfolioAllocationEnv(data=market, num_assets=5, window=3, horizon=5)
    with pytest.raises(ValueError, match=r"split must be one of \('train', 'test'\), got 'valid'"):
        PortfolioAllocationEnv(data=market, split="valid")
    with pytest.raises(ValueError, match=r"horizon=None .* needs data="):
        PortfolioAllocationEnv(horizon=None)
    with pytest.raises(ValueError, match=r"^PortfolioAllocationEnv: .*train_fraction must be in"):
        PortfolioAllocationEnv(data=market, train_fraction=1.5)
    with pytest.raises(
        ValueError, match=r"^PortfolioAllocationEnv: no_such_file.csv: no such file"
    ):
        PortfolioAllocationEnv(data="no_such_file.csv")


# -- bad input -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("action", "problem"),
    [
        (np.full(6, np.nan, dtype=np.float32), "non-finite"),
        (np.ones(5, dtype=np.float32), r"shape \(5,\) \(expected shape \(6,\)\)"),
        (np.array([-0.5, 1, 1, 1, 1, 1], dtype=np.float32), "out of bounds"),
        ("buy", "dtype <U3"),
    ],
)
def test_bad_actions_raise_naming_env_space_and_problem(action, problem: str) -> None:
    """NaN, a wrong shape, a negative score, a string: errors name the id, space and problem."""
    env = gym.make(ENV_ID)
    env.reset(seed=0)
    with pytest.raises((InvalidActionError, TypeError)) as caught:
        env.step(action)
    message = str(caught.value)
    assert ENV_ID in message and "Box(0.0, 1.0, (6,), float32)" in message
    assert re.search(problem, message), message


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"commission": 0.3}, r"commission must be in \[0, 0.2\].*got 0.3"),
        ({"commission": float("nan")}, "commission"),
        ({"window": 0}, "window must be an integer >= 1, got 0"),
        ({"ruin_fraction": 1.0}, r"ruin_fraction must be in \(0, 1\), got 1.0"),
        ({"esg_features": True}, "esg_features=True needs esg=True"),
        ({"esg": True, "esg_scores": (0.5, 2.0)}, r"esg_scores must be 5 scores in \[0, 1\]"),
        ({"correlation": -0.5}, r"equicorrelation of 5 assets must be in \[-0.25, 1\]"),
        ({"switch_probability": 1.5}, r"switch_probability must be in \[0, 1\], got 1.5"),
        ({"regimes": ()}, "regimes must hold at least one Regime"),
        ({"render_mode": "human"}, r"render_mode must be one of \['ansi'\]"),
    ],
)
def test_bad_arguments_raise_clear_errors(kwargs: dict, message: str) -> None:
    """Each out-of-range argument raises a ValueError that names it and what it takes."""
    with pytest.raises(ValueError, match=message):
        PortfolioAllocationEnv(**kwargs)


def test_unknown_reset_options_are_refused() -> None:
    """reset(options={...}) with a key the env does not take raises, naming the key."""
    env = gym.make(ENV_ID)
    with pytest.raises(ValueError, match=r"unknown options \['start'\]"):
        env.reset(seed=0, options={"start": 3})


# -- agents and the expert's margin ----------------------------------------------------------------


def test_buy_and_hold_trades_once() -> None:
    """buy_and_hold buys equal weights on step 1 (turnover 1) and never trades again."""
    env = gym.make(ENV_ID, horizon=30)
    _, infos = play(env, make_agent("buy_and_hold", env), seed=0)
    assert infos[0]["mu"] == pytest.approx(1 - C)
    np.testing.assert_allclose(infos[0]["target_weights"], [0] + [0.2] * 5)
    assert all(info["mu"] == 1.0 for info in infos[1:])
    assert infos[-1]["turnover"] == pytest.approx(1.0)


def test_regime_kelly_holds_the_leader_of_the_current_regime() -> None:
    """On the default market every regime's growth-optimal portfolio is all in its leader."""
    env = gym.make(ENV_ID)
    expert = RegimeKellyAgent(env)
    np.testing.assert_allclose(expert.targets[:, 1:], np.eye(5), atol=1e-6)
    observation, _ = env.reset(seed=0)
    action = expert.act(observation)
    assert int(np.argmax(action)) == 1 + env.unwrapped.current_regime


def test_regime_kelly_diversifies_when_drifts_are_equal() -> None:
    """With one regime of equal drifts the Kelly weights are equal and hold no cash."""
    env = PortfolioAllocationEnv(
        num_assets=3, regimes=(Regime(annual_drift=0.3, annual_volatility=0.2, correlation=0.0),)
    )
    targets = RegimeKellyAgent(env).targets
    np.testing.assert_allclose(targets[0], [0.0, 1 / 3, 1 / 3, 1 / 3], atol=1e-5)


def test_regime_kelly_refuses_data_markets() -> None:
    """The expert needs regimes: on data= it raises, pointing at the agents that work there."""
    env = PortfolioAllocationEnv(
        data=market_from_closes(np.full((50, 2), 100.0)), window=3, horizon=5
    )
    with pytest.raises(ValueError, match="regime_kelly needs the synthetic market's regimes"):
        RegimeKellyAgent(env)


def _mean_returns(env_id: str, episodes: int, seed: int) -> dict[str, float]:
    env = gym.make(env_id)
    players = {name: make_agent(name, env) for name in env_card(env_id).agents}
    players.update(trivial_policies(env))
    return {
        name: float(np.mean([play(env, player, seed + index)[0] for index in range(episodes)]))
        for name, player in players.items()
    }


@pytest.mark.parametrize("env_id", [ENV_ID, ESG_ID])
def test_expert_beats_every_baseline_on_a_few_episodes(env_id: str) -> None:
    """Over 5 episodes regime_kelly's mean log growth is >= 0.2 above every other policy's."""
    means = _mean_returns(env_id, episodes=5, seed=100)
    expert = means.pop("regime_kelly")
    assert expert > max(means.values()) + 0.2, means


@pytest.mark.slow
@pytest.mark.parametrize("env_id", [ENV_ID, ESG_ID])
def test_no_baseline_comes_within_10_points_of_the_expert_over_50_episodes(env_id: str) -> None:
    """50 episodes: the best baseline scores <= 10 on 0 = best trivial/random, 100 = expert."""
    means = _mean_returns(env_id, episodes=50, seed=0)
    expert = means.pop("regime_kelly")
    zero = max(value for name, value in means.items() if name == "random" or ":" in name)
    for name, value in means.items():
        assert 100 * (value - zero) / (expert - zero) <= 10, (name, means)


# -- the MDP family and the card ---------------------------------------------------------------


def test_held_out_instances_lie_outside_the_in_distribution_ranges() -> None:
    """Every held-out parameter falls outside its in-distribution interval; both build."""
    family = env_card(ENV_ID).mdp_family
    inside = {
        "leader_drift": (0.3, 0.6),
        "laggard_drift": (-0.1, 0.1),
        "volatility": (0.15, 0.3),
        "correlation": (0.1, 0.5),
        "switch_probability": (0.01, 0.03),
        "commission": (0.001, 0.004),
    }
    for kwargs in family.sample(20, "held_out"):
        for name, (low, high) in inside.items():
            assert not low <= kwargs[name] <= high, (name, kwargs[name])
    for kwargs in family.sample(20, "in_distribution"):
        for name, (low, high) in inside.items():
            assert low <= kwargs[name] <= high
    for split in ("in_distribution", "held_out"):
        for kwargs in env_card(ESG_ID).mdp_family.sample(3, split):
            env = gym.make(ESG_ID, **kwargs)
            env.reset(seed=0)
            RegimeKellyAgent(env)


def test_return_bounds_are_the_ruin_floor_and_uncapped_above() -> None:
    """The return is at least ln(ruin_fraction); GBM prices have no ceiling."""
    assert env_card(ENV_ID).return_bounds == (math.log(0.01), math.inf)
    assert portfolio.return_bounds(ruin_fraction=0.5) == (math.log(0.5), math.inf)
    assert ENV_ID in rlbench_suite.list_envs(family="trading")
