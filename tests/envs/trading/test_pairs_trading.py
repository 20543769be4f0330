"""PairsTrading: positions, marked-to-market rewards, both costs, z-scores, data, errors, expert."""

from __future__ import annotations

import re
from pathlib import Path

import gymnasium as gym
import numpy as np
import pandas as pd
import pytest

import rlbench_suite
from rlbench_suite.agents.trading.pairs import ZScoreAgent
from rlbench_suite.agents.trading.tuning import play_episode
from rlbench_suite.agents.trivial import trivial_policies
from rlbench_suite.envs.trading import pairs_trading
from rlbench_suite.envs.trading.pairs_trading import (
    FLAT,
    LONG,
    SHORT,
    PairsTradingEnv,
    rolling_volatility,
    rolling_zscore,
)
from rlbench_suite.envs.trading.synthetic import cointegrated_pair
from rlbench_suite.envs.validation import InvalidActionError
from rlbench_suite.registry import env_card

ENV_ID = "rlbench/PairsTrading-v0"
EXAMPLE_CSV = Path(pairs_trading.__file__).parent / "data" / "example_ohlcv.csv"


def run(env: PairsTradingEnv, actions: list[int], seed: int = 0) -> list[dict]:
    """Reset with ``seed``, play ``actions``, return each step's reward and info."""
    env.reset(seed=seed)
    steps = []
    for action in actions:
        _, reward, _, truncated, info = env.step(action)
        steps.append({"reward": reward, "truncated": truncated, **info})
    return steps


# -- positions and rewards -----------------------------------------------------------------------


def test_a_long_spread_holds_notional_in_a_and_minus_hedge_ratio_notional_in_b() -> None:
    """Long at prices (pA, pB): shares (N / pA, -beta N / pB); its PnL is shares x price moves."""
    env = PairsTradingEnv(hedge_ratio=1.3, transaction_cost=0.0, slippage=0.0, horizon=5)
    env.reset(seed=2)
    entry = env.prices.copy()
    _, reward, _, _, info = env.step(LONG)
    np.testing.assert_allclose(env.shares, [10_000.0 / entry[0], -13_000.0 / entry[1]])
    assert reward == pytest.approx(env.shares @ (info["prices"] - entry))
    assert info["position"] == 1 and info["costs"] == 0.0


def test_holding_a_position_keeps_its_shares_and_pays_nothing_more() -> None:
    """Asking again for the position held trades nothing: same shares, zero costs."""
    env = PairsTradingEnv(horizon=5)
    env.reset(seed=0)
    env.step(SHORT)
    shares = env.shares.copy()
    _, _, _, _, info = env.step(SHORT)
    np.testing.assert_array_equal(env.shares, shares)
    assert info["costs"] == 0.0


def test_rewards_add_up_to_the_pnl_and_the_episode_ends_flat() -> None:
    """Summed rewards equal the final PnL; with close_at_end the last step closes the position."""
    env = PairsTradingEnv(horizon=6)
    steps = run(env, [LONG, LONG, SHORT, SHORT, LONG, LONG])
    assert sum(step["reward"] for step in steps) == pytest.approx(steps[-1]["pnl"])
    assert [step["truncated"] for step in steps] == [False] * 5 + [True]
    assert steps[-1]["position"] == 0 and steps[-1]["costs"] > 0
    assert steps[-1]["trades"] == 4.0
    left_open = run(PairsTradingEnv(horizon=6, close_at_end=False), [LONG] * 6)
    assert left_open[-1]["position"] == 1 and left_open[-1]["costs"] == 0.0


def _costs_of_one_entry(**kwargs: float) -> tuple[float, PairsTradingEnv]:
    env = PairsTradingEnv(horizon=5, **kwargs)
    steps = run(env, [LONG], seed=4)
    return steps[0]["costs"], env


def test_the_fee_is_a_fraction_of_the_traded_value() -> None:
    """Entering long pays transaction_cost x (N + beta N): 2 bp of 10,000 + 10,000 = 4."""
    costs, _ = _costs_of_one_entry(transaction_cost=0.0002, slippage=0.0)
    assert costs == pytest.approx(0.0002 * 20_000.0)
    free, _ = _costs_of_one_entry(transaction_cost=0.0, slippage=0.0)
    assert free == 0.0


def test_slippage_is_a_fraction_of_each_legs_recent_volatility() -> None:
    """Entering pays slippage x (sigma_A x N + sigma_B x beta N), sigma over lookback bars."""
    costs, env = _costs_of_one_entry(transaction_cost=0.0, slippage=0.5)
    start = env._episode_start
    log_returns = np.diff(np.log(env.market.close[start - 60 : start + 1]), axis=0)
    sigma = log_returns.std(axis=0)
    assert costs == pytest.approx(0.5 * 10_000.0 * sigma.sum())
    assert costs > 0


def test_both_costs_change_what_the_expert_earns() -> None:
    """The z-score rule's return falls as the fee rises and as slippage rises."""
    returns = {}
    for label, kwargs in {
        "none": {"transaction_cost": 0.0, "slippage": 0.0},
        "fee": {"transaction_cost": 0.0003, "slippage": 0.0},
        "slippage": {"transaction_cost": 0.0, "slippage": 1.0},
    }.items():
        env = gym.make(ENV_ID, **kwargs)
        returns[label] = play_episode(env, ZScoreAgent(env), seed=3)
    assert returns["fee"] < returns["none"] - 10
    assert returns["slippage"] < returns["none"] - 10


def test_flipping_from_long_to_short_trades_out_of_one_position_and_into_the_other() -> None:
    """Long to short in one bar sells the long's shares and opens the short: both are charged."""
    env = PairsTradingEnv(horizon=5, transaction_cost=0.0001, slippage=0.0)
    steps = run(env, [LONG, SHORT], seed=1)
    entry, now = env.market.close[env._episode_start], steps[0]["prices"]
    # Closing the long trades 10,000 x (now / entry) per leg; opening the short 10,000 per leg.
    traded = 10_000.0 * (now / entry).sum() + 20_000.0
    assert steps[1]["costs"] == pytest.approx(0.0001 * traded)
    assert steps[1]["position"] == -1


# -- z-scores and observations -------------------------------------------------------------------


def test_rolling_zscore_matches_a_hand_computation_and_its_bound() -> None:
    """z_t = (s_t - mean) / std over the 5 values up to t; never above sqrt(5 - 1) = 2."""
    values = np.array([1.0, 2.0, 4.0, 3.0, 5.0, 9.0, 9.0, 9.0, 9.0, 9.0])
    zscores = rolling_zscore(values, 5)
    assert np.all(np.isnan(zscores[:4]))
    window = values[1:6]
    assert zscores[5] == pytest.approx((9.0 - window.mean()) / window.std())
    assert zscores[-1] == 0.0  # the window stopped moving
    spike = rolling_zscore(np.array([0.0, 0.0, 0.0, 0.0, 1.0]), 5)
    assert spike[-1] == pytest.approx(2.0)


def test_zscores_and_volatility_never_look_ahead() -> None:
    """Changing later values leaves every earlier z-score and volatility unchanged."""
    market, spread = cointegrated_pair(np.random.default_rng(0), 200)
    changed = spread.copy()
    changed[150:] += 1.0
    np.testing.assert_array_equal(
        rolling_zscore(changed, 60)[:150], rolling_zscore(spread, 60)[:150]
    )
    close = market.close.copy()
    close[150:] *= 2.0
    np.testing.assert_array_equal(
        rolling_volatility(close, 60)[:150], rolling_volatility(market.close, 60)[:150]
    )


def test_the_observation_holds_the_last_zscores_the_position_and_the_time_left() -> None:
    """Entries: z at the last 10 bars (the last = info['zscore']), position, share of time left."""
    env = PairsTradingEnv(horizon=4)
    observation, info = env.reset(seed=0)
    assert observation.shape == (12,) and observation.dtype == np.float32
    assert observation[9] == pytest.approx(info["zscore"], rel=1e-6)
    assert observation[10] == 0.0 and observation[11] == 1.0
    observation, _, _, _, info = env.step(SHORT)
    assert observation[8] == pytest.approx(env._zscores[env.bar - 1], rel=1e-6)
    assert observation[10] == -1.0 and observation[11] == 0.75


def test_same_seed_same_episode_other_seed_other_pair() -> None:
    """reset(seed) fixes the pair and so every reward; another seed draws another pair."""
    actions = [LONG, FLAT, SHORT, SHORT, FLAT]
    first = run(PairsTradingEnv(horizon=5), actions, seed=8)
    second = run(PairsTradingEnv(horizon=5), actions, seed=8)
    other = run(PairsTradingEnv(horizon=5), actions, seed=9)
    assert [step["reward"] for step in first] == [step["reward"] for step in second]
    assert [step["reward"] for step in first] != [step["reward"] for step in other]


# -- the user's own data -------------------------------------------------------------------------


def test_data_trades_two_symbols_of_the_example_file_with_both_splits() -> None:
    """Two symbols of the example CSV: train trades bars 69-399, test bars 400-499."""
    frame = pd.read_csv(EXAMPLE_CSV)
    pair = frame[frame["symbol"].isin(["ALPHA", "BETA"])]
    train = PairsTradingEnv(data=pair)
    test = PairsTradingEnv(data=pair, split="test", hedge_ratio=0.5)
    assert train.horizon == 400 - 1 - 69 and test.horizon == 500 - 1 - 400
    rewards = [step["reward"] for step in run(test, [LONG] * test.horizon)]
    assert len(rewards) == 99 and np.all(np.isfinite(rewards))
    again = [step["reward"] for step in run(test, [LONG] * test.horizon, seed=5)]
    assert rewards == again, "replayed data does not depend on the seed"


def test_data_errors_name_what_was_wrong() -> None:
    """Three symbols, too few bars or a wrong split: a ValueError that says so."""
    with pytest.raises(ValueError, match=r"needs exactly 2 symbols, .* holds 3"):
        PairsTradingEnv(data=EXAMPLE_CSV)
    market, _ = cointegrated_pair(np.random.default_rng(0), 60)
    with pytest.raises(ValueError, match="leaves no bar to trade after the 69-bar warm-up"):
        PairsTradingEnv(data=market)
    with pytest.raises(ValueError, match=r"split must be one of \('train', 'test'\), got 'all'"):
        PairsTradingEnv(data=market, split="all")


# -- bad input -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"horizon": 0}, "horizon must be an integer >= 1, got 0"),
        ({"lookback": 1}, "lookback must be an integer >= 2, got 1"),
        ({"notional": 0.0}, "notional must be a number > 0.0, got 0.0"),
        ({"hedge_ratio": -1.0}, r"hedge_ratio must be a number > 0.0, got -1.0"),
        ({"transaction_cost": -0.1}, "transaction_cost must be a number >= 0.0, got -0.1"),
        ({"slippage": "high"}, "slippage must be a number >= 0.0, got 'high'"),
        ({"close_at_end": 1}, "close_at_end must be True or False, got 1"),
        ({"mean_reversion": 1.5}, r"PairsTradingEnv: cointegrated_pair: mean_reversion must be"),
        ({"render_mode": "rgb_array"}, r"render_mode must be None or one of \['ansi'\]"),
        ({"spread_volatility": float("inf")}, "PairsTradingEnv.*spread_volatility"),
    ],
)
def test_bad_arguments_are_refused_with_the_reason(kwargs: dict, message: str) -> None:
    """Each bad argument raises ValueError naming the env, the argument and what came."""
    with pytest.raises(ValueError, match=message):
        PairsTradingEnv(**kwargs)


@pytest.mark.parametrize("action", [3, -1, 1.5, np.array([1, 2])])
def test_bad_actions_name_the_env_and_the_space(action: object) -> None:
    """An action outside {0, 1, 2}: InvalidActionError naming the id and Discrete(3)."""
    env = gym.make(ENV_ID)
    env.reset(seed=0)
    with pytest.raises(
        InvalidActionError, match=re.escape(f"{ENV_ID}: expected an action in Discrete(3)")
    ):
        env.step(action)


# -- card, family, agents ------------------------------------------------------------------------


def test_card_bounds_are_open_on_both_sides() -> None:
    """Gaussian spread shocks: no return is out of reach, the card says (-inf, inf)."""
    assert env_card(ENV_ID).return_bounds == (float("-inf"), float("inf"))


def test_held_out_family_draws_outside_the_in_distribution_ranges() -> None:
    """Every held-out reversion, volatility, hedge ratio and cost lies outside its range."""
    family = env_card(ENV_ID).mdp_family
    ranges = {
        "mean_reversion": (0.02, 0.1),
        "spread_volatility": (0.001, 0.003),
        "hedge_ratio": (0.7, 1.3),
        "transaction_cost": (0.00005, 0.0002),
        "slippage": (0.25, 0.75),
    }
    for kwargs in family.sample(30, "in_distribution"):
        assert all(low <= kwargs[name] <= high for name, (low, high) in ranges.items())
    for kwargs in family.sample(30, "held_out"):
        assert not any(low <= kwargs[name] <= high for name, (low, high) in ranges.items())
    env = gym.make(ENV_ID, **family.sample(1, "held_out")[0])
    env.reset(seed=0)


def _mean_returns(num_episodes: int) -> dict[str, float]:
    env = gym.make(ENV_ID)
    policies = {
        "zscore": ZScoreAgent(env),
        "random": rlbench_suite.agents.make_agent("random", env),
        **trivial_policies(env),
    }
    return {
        name: float(np.mean([play_episode(env, agent, seed) for seed in range(num_episodes)]))
        for name, agent in policies.items()
    }


def test_the_zscore_rule_beats_random_and_every_constant_position() -> None:
    """On 20 default episodes the z-score rule earns more than always short, flat or long."""
    means = _mean_returns(20)
    expert = means.pop("zscore")
    assert expert > 50.0 and all(expert > value + 50.0 for value in means.values()), means


@pytest.mark.slow
def test_the_zscore_rule_beats_every_baseline_on_200_episodes() -> None:
    """On 200 default episodes the rule's lead over every baseline exceeds 100 (1 % of N)."""
    means = _mean_returns(200)
    expert = means.pop("zscore")
    assert all(expert > value + 100.0 for value in means.values()), means
