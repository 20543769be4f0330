"""StockTrading: FinRL's rules (whole shares, costs, sells first, turbulence stop), data, errors."""

from __future__ import annotations

import re
from pathlib import Path

import gymnasium as gym
import numpy as np
import pytest

import rlbench_suite
from rlbench_suite.agents.trading.stock import StockBuyAndHoldAgent, TurbulenceRuleAgent
from rlbench_suite.agents.trading.tuning import play_episode
from rlbench_suite.agents.trivial import trivial_policies
from rlbench_suite.envs.trading import stock_trading
from rlbench_suite.envs.trading.stock_trading import (
    StockTradingEnv,
    execute_trades,
    technical_indicators,
    turbulence_index,
)
from rlbench_suite.envs.trading.synthetic import correlated_gbm
from rlbench_suite.envs.validation import InvalidActionError
from rlbench_suite.registry import env_card

ENV_ID = "rlbench/StockTrading-v0"
EXAMPLE_CSV = Path(stock_trading.__file__).parent / "data" / "example_ohlcv.csv"
NO_COST = np.zeros(2)


def small_env(**kwargs: object) -> StockTradingEnv:
    """A short three-stock episode, reward in currency."""
    defaults = {"num_assets": 3, "episode_days": 30, "reward_scaling": 1.0}
    return StockTradingEnv(**{**defaults, **kwargs})


# -- FinRL's execution rules, on hand-made numbers ------------------------------------------------


def test_sells_go_first_so_their_cash_pays_for_the_buys() -> None:
    """Selling 10 A at 100 funds 5 B at 200 with no cash to start: sells execute before buys."""
    cash, holdings, executed, costs = execute_trades(
        0.0, np.array([10, 0]), np.array([100.0, 200.0]), np.array([-10, 5]), NO_COST, NO_COST
    )
    assert executed.tolist() == [-10, 5]
    assert holdings.tolist() == [0, 5]
    assert cash == pytest.approx(0.0) and costs == 0.0


def test_a_sell_is_capped_at_the_holdings_and_a_buy_at_the_cash_with_costs() -> None:
    """Selling 50 of 3 held sells 3; $1,000 at price 100 and 1 % cost buys 9 shares, not 10."""
    cash, _holdings, executed, costs = execute_trades(
        1_000.0,
        np.array([0, 3]),
        np.array([100.0, 100.0]),
        np.array([20, -50]),
        np.array([0.01, 0.01]),
        np.array([0.0, 0.0]),
    )
    # The sale adds 300 (no sell cost): 1,300 / 101 = 12.87 -> 12 shares.
    assert executed.tolist() == [12, -3]
    assert cash == pytest.approx(1_300.0 - 12 * 101.0)
    assert costs == pytest.approx(12.0)
    cash, _, executed, _ = execute_trades(
        1_000.0,
        np.array([0, 0]),
        np.array([100.0, 100.0]),
        np.array([20, 0]),
        *[np.full(2, 0.01)] * 2,
    )
    assert executed.tolist() == [9, 0] and cash == pytest.approx(1_000.0 - 909.0)


def test_short_cash_serves_the_largest_buy_first() -> None:
    """With cash for 6 shares, asking 4 of A and 5 of B buys 5 B first (FinRL's order), then 1 A."""
    _, holdings, _, _ = execute_trades(
        600.0, np.array([0, 0]), np.array([100.0, 100.0]), np.array([4, 5]), NO_COST, NO_COST
    )
    assert holdings.tolist() == [1, 5]


def test_actions_become_whole_shares_truncated_toward_zero() -> None:
    """Actions 0.999, -0.5 and 0.004 with hmax 100 ask for 99, -50 (nothing held) and 0 shares."""
    env = small_env()
    env.reset(seed=0)
    _, _, _, _, info = env.step(np.array([0.999, -0.5, 0.004], dtype=np.float32))
    assert info["trades"].tolist() == [99, 0, 0]
    assert info["holdings"].dtype.kind == "i"


# -- rewards and costs ---------------------------------------------------------------------------


def test_reward_is_the_change_of_total_assets_times_the_scaling() -> None:
    """Reward = (cash + shares x close after) - (before), x 1e-4 by default."""
    scaled, plain = small_env(reward_scaling=1e-4), small_env()
    for env in (scaled, plain):
        env.reset(seed=3)
    _, reward_scaled, *_ = scaled.step(np.ones(3, dtype=np.float32))
    _, reward, _, _, info = plain.step(np.ones(3, dtype=np.float32))
    assert reward == pytest.approx(info["total_assets"] - 1_000_000.0)
    assert reward_scaled == pytest.approx(reward * 1e-4)
    assert info["total_assets"] == pytest.approx(info["cash"] + info["holdings"] @ info["close"])


def _assets_after_round_trip(**costs: float) -> float:
    """Buy 100 of each stock, sell them the next day; the total assets left."""
    env = small_env(**costs)
    env.reset(seed=1)
    env.step(np.ones(3, dtype=np.float32))
    _, _, _, _, info = env.step(-np.ones(3, dtype=np.float32))
    assert info["holdings"].tolist() == [0, 0, 0]
    return info["total_assets"]


def test_buy_cost_and_sell_cost_each_change_the_outcome() -> None:
    """A round trip loses exactly the buy cost on the buys and the sell cost on the sales."""
    free = _assets_after_round_trip(buy_cost_pct=0.0, sell_cost_pct=0.0)
    env = small_env()
    env.reset(seed=1)
    bought_at = env.prices.copy()
    env.step(np.ones(3, dtype=np.float32))
    sold_at = env.prices.copy()
    buy_only = _assets_after_round_trip(buy_cost_pct=0.002, sell_cost_pct=0.0)
    sell_only = _assets_after_round_trip(buy_cost_pct=0.0, sell_cost_pct=0.002)
    assert free - buy_only == pytest.approx(0.002 * 100 * bought_at.sum())
    assert free - sell_only == pytest.approx(0.002 * 100 * sold_at.sum())


def test_per_stock_costs_are_accepted() -> None:
    """A cost per stock charges each stock its own rate."""
    env = small_env(buy_cost_pct=[0.0, 0.01, 0.0], sell_cost_pct=0.0)
    env.reset(seed=2)
    prices = env.prices.copy()
    _, _, _, _, info = env.step(np.ones(3, dtype=np.float32))
    assert info["costs"] == pytest.approx(0.01 * 100 * prices[1])


# -- the turbulence index and FinRL's stop -------------------------------------------------------


def test_turbulence_index_is_the_mahalanobis_distance_against_the_past_window() -> None:
    """Bar t: (r_t - mu) pinv(Sigma) (r_t - mu)^T over the 20 returns before, as by hand."""
    market, _ = correlated_gbm(np.random.default_rng(4), 40, 3)
    returns = market.close[1:] / market.close[:-1] - 1.0
    turbulence = turbulence_index(market.close, 20)
    assert np.all(np.isnan(turbulence[:21]))
    for bar in (21, 30, 39):
        history = returns[bar - 21 : bar - 1]
        surprise = returns[bar - 1] - history.mean(axis=0)
        expected = surprise @ np.linalg.pinv(np.cov(history, rowvar=False)) @ surprise
        assert turbulence[bar] == pytest.approx(expected, rel=1e-9)


def test_indicators_and_turbulence_never_look_ahead() -> None:
    """Changing tomorrow's bars leaves every indicator and index up to today unchanged."""
    market, _ = correlated_gbm(np.random.default_rng(5), 80, 2)
    changed_close = market.close.copy()
    changed_close[60:] *= 1.5
    changed = type(market)(
        timestamps=market.timestamps,
        open=np.vstack([market.open[:60], changed_close[59:-1]]),
        high=np.maximum(
            market.high,
            np.maximum(changed_close, np.vstack([market.open[:60], changed_close[59:-1]])),
        ),
        low=np.minimum(
            market.low,
            np.minimum(changed_close, np.vstack([market.open[:60], changed_close[59:-1]])),
        ),
        close=changed_close,
        volume=market.volume,
        symbols=market.symbols,
        source="changed",
    )
    np.testing.assert_allclose(
        technical_indicators(changed)[:60], technical_indicators(market)[:60]
    )
    np.testing.assert_allclose(
        turbulence_index(changed.close, 30)[:60], turbulence_index(market.close, 30)[:60]
    )
    assert not np.allclose(
        turbulence_index(changed.close, 30)[60:], turbulence_index(market.close, 30)[60:]
    )


def test_turbulence_is_defined_from_the_first_trading_day() -> None:
    """No NaN and no FinRL 'first value disables trading': day 1's index is a number, buys work."""
    env = small_env()
    observation, info = env.reset(seed=0)
    assert np.isfinite(info["turbulence"]) and np.all(np.isfinite(observation))
    _, _, _, _, info = env.step(np.ones(3, dtype=np.float32))
    assert info["trades"].tolist() == [100, 100, 100]


def test_turbulence_above_the_threshold_liquidates_and_blocks_buys() -> None:
    """FinRL's stop: once the index reaches the threshold, every share is sold and no buy goes."""
    env = small_env(turbulence_threshold=1e9)
    env.reset(seed=0)
    env.step(np.ones(3, dtype=np.float32))
    held = env.holdings.copy()
    assert held.tolist() == [100, 100, 100]
    env.turbulence_threshold = 1e-12  # every index now trips the stop
    assert env.turbulence_stop
    _, _, _, _, info = env.step(np.ones(3, dtype=np.float32))
    assert info["turbulence_liquidation"]
    assert info["trades"].tolist() == [-100, -100, -100]
    assert info["holdings"].tolist() == [0, 0, 0]
    _, _, _, _, info = env.step(np.ones(3, dtype=np.float32))
    assert info["trades"].tolist() == [0, 0, 0], "buys stay blocked while the stop holds"


def test_the_stop_changes_what_an_always_buying_policy_earns() -> None:
    """Constant buying with a low threshold trades differently from no stop at all."""
    returns = {}
    for threshold in (None, 3.0):
        env = StockTradingEnv(turbulence_threshold=threshold)
        returns[threshold] = play_episode(env, _Constant(np.ones(5, dtype=np.float32)), seed=7)
    assert returns[None] != pytest.approx(returns[3.0])


class _Constant:
    def __init__(self, action: np.ndarray) -> None:
        self.action = action

    def reset(self, seed: int | None = None) -> None:
        """Nothing to reset."""

    def act(self, observation: np.ndarray) -> np.ndarray:
        return self.action


# -- episodes, seeds, observations ---------------------------------------------------------------


def test_an_episode_lasts_episode_days_and_reports_metrics_at_the_end() -> None:
    """30 steps, truncated on the last, never terminated; the last info has Sharpe and drawdown."""
    env = small_env()
    env.reset(seed=0)
    for step in range(30):
        _, _, terminated, truncated, info = env.step(np.zeros(3, dtype=np.float32))
        assert not terminated and truncated == (step == 29)
    assert {"sharpe", "max_drawdown", "total_return"} <= set(info)
    assert info["total_return"] == 0.0


def test_same_seed_same_market_other_seed_other_market() -> None:
    """reset(seed) fixes the market (FinRL ignored the seed); another seed draws another one."""
    first, second = small_env(), small_env()
    observation_a, _ = first.reset(seed=11)
    observation_b, _ = second.reset(seed=11)
    np.testing.assert_array_equal(observation_a, observation_b)
    np.testing.assert_array_equal(first.market.close, second.market.close)
    second.reset(seed=12)
    assert not np.allclose(first.market.close, second.market.close)


def test_observation_is_normalised_as_documented() -> None:
    """Start: cash 1, prices 1, no holdings, RSI and DX in [0, 1], D + ... = 4 + 7D entries."""
    env = small_env()
    observation, _ = env.reset(seed=0)
    assert observation.dtype == np.float32 and observation.shape == (25,)
    assert observation[0] == 1.0
    np.testing.assert_allclose(observation[1:4], 1.0)
    np.testing.assert_allclose(observation[4:7], 0.0)
    assert np.all((observation[10:13] >= 0) & (observation[10:13] <= 1))  # RSI
    assert np.all((observation[16:19] >= 0) & (observation[16:19] <= 1))  # DX
    assert observation[23] == 1.0 and observation[24] == 0.0  # episode left, no stop


# -- the user's own data -------------------------------------------------------------------------


def test_data_runs_the_example_file_with_train_and_test_splits() -> None:
    """The example CSV (3 symbols, 500 days): train trades days 253-399, test days 400-499."""
    train = StockTradingEnv(data=EXAMPLE_CSV)
    test = StockTradingEnv(data=str(EXAMPLE_CSV), split="test")
    assert train.num_assets == test.num_assets == 3
    assert train.episode_days == 400 - 1 - 253
    assert test.episode_days == 500 - 1 - 400
    first, _ = train.reset(seed=0)
    again, _ = train.reset(seed=99)
    np.testing.assert_array_equal(first, again)
    steps = 0
    test.reset()
    done = False
    while not done:
        *_, terminated, truncated, _ = test.step(np.ones(3, dtype=np.float32))
        done, steps = terminated or truncated, steps + 1
    assert steps == 99


def test_data_errors_name_what_was_wrong() -> None:
    """A wrong split name, a symbol count mismatch or too little data is a clear ValueError."""
    with pytest.raises(ValueError, match=r"split must be one of \('train', 'test'\), got 'valid'"):
        StockTradingEnv(data=EXAMPLE_CSV, split="valid")
    with pytest.raises(ValueError, match=r"num_assets=5 but the data holds 3 symbols"):
        StockTradingEnv(data=EXAMPLE_CSV, num_assets=5)
    with pytest.raises(ValueError, match="leaves no day to trade after the 401-bar warm-up"):
        StockTradingEnv(data=EXAMPLE_CSV, turbulence_window=400)
    with pytest.raises(ValueError, match=r"missing\.csv"):
        StockTradingEnv(data="missing.csv")


# -- bad input -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"hmax": 0}, "hmax must be an integer >= 1, got 0"),
        ({"episode_days": 2.5}, "episode_days must be an integer >= 1, got 2.5"),
        ({"initial_amount": -1.0}, "initial_amount must be a positive number, got -1.0"),
        ({"buy_cost_pct": 1.5}, r"buy_cost_pct must be a fraction in \[0, 1\) or 5 of them"),
        ({"sell_cost_pct": [0.1, 0.1]}, r"sell_cost_pct must be a fraction in \[0, 1\) or 5"),
        ({"turbulence_threshold": 0}, "turbulence_threshold must be a positive number, got 0"),
        ({"turbulence_window": 10}, "turbulence_window must be an integer >= 30, got 10"),
        ({"start_price": -5.0}, "StockTradingEnv: start prices must be one positive price"),
        ({"render_mode": "human"}, r"render_mode must be None or one of \['ansi'\]"),
        ({"buy_cost_pct": float("nan")}, "StockTradingEnv.*buy_cost_pct"),
    ],
)
def test_bad_arguments_are_refused_with_the_reason(kwargs: dict, message: str) -> None:
    """Each bad argument raises ValueError naming the env, the argument and what came."""
    with pytest.raises(ValueError, match=message):
        StockTradingEnv(**kwargs)


def test_bad_actions_name_the_env_and_the_space() -> None:
    """Out of [-1, 1], the wrong length or NaN: InvalidActionError naming the id and the Box."""
    env = gym.make(ENV_ID)
    env.reset(seed=0)
    for action in (np.full(5, 1.5), np.zeros(4), np.full(5, np.nan)):
        with pytest.raises(
            InvalidActionError, match=re.escape(f"{ENV_ID}: expected an action in Box")
        ):
            env.step(action.astype(np.float32))


def test_unknown_reset_options_are_refused() -> None:
    """reset takes no options; an unknown one is a ValueError, as for every env of the suite."""
    env = gym.make(ENV_ID)
    with pytest.raises(ValueError, match="reset got unknown options"):
        env.reset(seed=0, options={"start_day": 3})


# -- card, bounds, family, agents ----------------------------------------------------------------


def test_card_bounds_loss_is_capped_at_the_capital_gain_is_not() -> None:
    """Long-only, cash >= 0: returns lie in [-1e6 x 1e-4, inf) = [-100, inf); scaling 1: -1e6."""
    assert env_card(ENV_ID).return_bounds == (-100.0, float("inf"))
    assert stock_trading.return_bounds(reward_scaling=1.0) == (-1_000_000.0, float("inf"))


def test_held_out_family_draws_outside_the_in_distribution_ranges() -> None:
    """Every held-out crash drift, volatility, start probability and cost lies outside its range."""
    family = env_card(ENV_ID).mdp_family
    for kwargs in family.sample(30, "in_distribution"):
        crash = kwargs["regimes"][1]
        assert -1.0 <= crash.annual_drift <= -0.6 and 0.35 <= crash.annual_volatility <= 0.55
        assert 0.006 <= kwargs["switch_probability"][0] <= 0.015
    for kwargs in family.sample(30, "held_out"):
        crash = kwargs["regimes"][1]
        assert not -1.0 <= crash.annual_drift <= -0.6
        assert not 0.35 <= crash.annual_volatility <= 0.55
        assert not 0.006 <= kwargs["switch_probability"][0] <= 0.015
        assert kwargs["buy_cost_pct"] > 0.002
    env = gym.make(ENV_ID, **family.sample(1, "held_out")[0])
    env.reset(seed=0)


def test_buy_and_hold_spends_about_equal_amounts_and_never_sells() -> None:
    """Buy-and-hold ends with about $200,000 in each of 5 stocks at the first prices."""
    env = StockTradingEnv()
    agent = StockBuyAndHoldAgent(env)
    observation, _ = env.reset(seed=0)
    first_prices = env.prices.copy()
    for _ in range(20):
        observation, *_rest, info = env.step(agent.act(observation))
        assert np.all(info["trades"] >= 0)
    spent = info["holdings"] * first_prices
    assert np.all(spent > 190_000) and np.all(spent <= 200_000)


def _mean_returns(num_episodes: int) -> dict[str, float]:
    env = gym.make(ENV_ID)
    policies = {
        "turbulence_rule": TurbulenceRuleAgent(env),
        "stock_buy_and_hold": StockBuyAndHoldAgent(env),
        "random": rlbench_suite.agents.make_agent("random", env),
        **trivial_policies(env),
    }
    return {
        name: float(np.mean([play_episode(env, agent, seed) for seed in range(num_episodes)]))
        for name, agent in policies.items()
    }


def test_the_turbulence_rule_beats_buy_and_hold_random_and_constant_actions() -> None:
    """On 10 two-year episodes the expert's mean return beats every baseline's by more than 10."""
    means = _mean_returns(10)
    expert = means.pop("turbulence_rule")
    assert all(expert > value + 10.0 for value in means.values()), means


@pytest.mark.slow
def test_the_turbulence_rule_beats_every_baseline_on_100_episodes() -> None:
    """On 100 two-year episodes the expert leads every baseline by more than 15 (% of capital)."""
    means = _mean_returns(100)
    expert = means.pop("turbulence_rule")
    assert all(expert > value + 15.0 for value in means.values()), means
