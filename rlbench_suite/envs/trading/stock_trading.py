"""StockTrading: FinRL's stock trading rules on a regime-switching market.

## Description

An account of cash and whole shares of ``D`` stocks trades once a day at the close, under the
rules of FinRL's ``StockTradingEnv`` (Liu et al. 2020): each action asks for up to ``hmax``
shares per stock, bought or sold at the day's close with a proportional cost on each side;
sells go first, so their cash can pay for the buys; a sell is limited to the shares held and a
buy to the cash available, costs included. The reward is the change of the account's total
value, cash plus shares at the close.

FinRL's turbulence index (Kritzman and Li 2010), ``(r_t - mu) Sigma^+ (r_t - mu)^T`` with
``r_t`` the day's close-to-close returns and ``mu``, ``Sigma`` their mean and covariance over the
previous ``turbulence_window`` (252) days, measures how unusual the day was. Above
``turbulence_threshold`` the env applies FinRL's stop: every holding is sold at the close and no
buy goes through, whatever the action asked. The stop is off by default (FinRL's env has no
default threshold; its backtests pick one per market), so the default task asks the agent to
learn when to step aside; the observation carries the index.

The market is synthetic by default: :func:`~rlbench_suite.envs.trading.synthetic.correlated_gbm`
with two regimes drawn afresh each episode, a calm bull market and a crash (volatility triples,
correlations rise, prices fall; see :data:`STOCK_REGIMES`), preceded by ``turbulence_window + 1``
warm-up days so that the index and the indicators are defined from the first trading day.
``data=`` runs the same rules on the user's own OHLCV bars instead.

FinRL's defects are not reproduced: a first indicator value is never read as "trading
disabled"; the state is an array; ``reset`` honours its seed; nothing is written to disk; the
turbulence index is defined on the first day rather than zeroed for FinRL's first few.

## Action Space

``Box(-1, 1, (D,), float32)``: per stock, the fraction of ``hmax`` shares to trade, negative to
sell. As in FinRL, ``action * hmax`` is truncated toward zero to whole shares (an action of 0.999
with ``hmax`` 100 trades 99 shares).

## Observation Space

``Box(float32)`` of ``4 + 7 D`` entries, normalised for learners (FinRL's raw values are in
``info``); the bounds are exact where a quantity is bounded (RSI and DX in [0, 1], CCI / 100
within +-10 over 30 days), else +-1e6, where the entry is clipped:

| index            | observation | normalisation |
|------------------|-------------|---------------|
| 0                | cash | / ``initial_amount`` |
| 1 to D           | close prices | / the close of the episode's first day |
| D+1 to 2D        | holdings' value (shares x close) | / ``initial_amount`` |
| 2D+1 to 3D       | MACD (EMA 12 - EMA 26 of closes) | / close |
| 3D+1 to 4D       | RSI over 30 days (Wilder) | / 100, in [0, 1] |
| 4D+1 to 5D       | CCI over 30 days | / 100 |
| 5D+1 to 6D       | DX over 30 days (Wilder) | / 100, in [0, 1] |
| 6D+1             | turbulence index | / D (its mean on an ordinary day is about D) |
| 6D+2 to 7D+1     | shares held | / ``hmax`` |
| 7D+2             | share of the episode left | 1 at the start, 0 at the end |
| 7D+3             | whether the turbulence stop is in force today | 0 or 1 |

The indicators are FinRL's defaults, computed from bars up to and including today's (no
look-ahead): MACD, RSI, CCI and DX with FinRL's 30-day windows.

## Rewards

``(total assets after the step - total assets before) * reward_scaling``, total assets = cash +
shares x close. The default ``reward_scaling`` is FinRL's 1e-4, so a return is in units of
$10,000: with the default $1,000,000 a return of 10 is a 10 % gain. Long-only holdings and a
cash floor of 0 mean a loss never exceeds the starting capital: returns lie in
``[-initial_amount * reward_scaling, +inf)``, ``[-100, +inf)`` by default.

## Starting State

All cash (``initial_amount``), no shares, on the first trading day after the warm-up. The
synthetic market starts its warm-up in the calm regime, and each episode draws a new market
from the seed; with ``data=`` every episode replays the same bars.

## Episode End

No termination (a long-only account cannot go bankrupt); truncation after ``episode_days``
trading days (504 by default, two years), or at the end of the data split. The last step's
``info`` adds the financial metrics of the account's daily values
(:meth:`StockTradingEnv.episode_metrics`).

A step after the end warns and changes nothing: it returns the last observation, reward 0
and truncated (the market may have no next bar).

## Arguments

```python
gym.make("rlbench/StockTrading-v0", num_assets=None, episode_days=504, hmax=100,
         initial_amount=1_000_000.0, buy_cost_pct=0.001, sell_cost_pct=0.001,
         reward_scaling=1e-4, turbulence_threshold=None, turbulence_window=252,
         regimes=STOCK_REGIMES, switch_probability=STOCK_SWITCH_PROBABILITY,
         start_price=STOCK_START_PRICE, data=None, split="train", train_fraction=0.8,
         render_mode=None)
```

- ``num_assets``: stocks ``D``, 5 by default for the synthetic market; with ``data=`` the file's
  symbols (``None``, or the same number).
- ``hmax``: most shares traded per stock and day (FinRL's examples: 100).
- ``initial_amount``: starting cash (FinRL's examples: 1e6).
- ``buy_cost_pct``, ``sell_cost_pct``: proportional costs, one number or one per stock
  (FinRL's examples: 0.001 each side).
- ``reward_scaling``: FinRL's 1e-4 by default; 1 gives rewards in currency.
- ``turbulence_threshold``: the stop's level on the raw index (None: no stop). FinRL's
  backtests use 70 with 30 stocks; here the index of an ordinary day is about ``D``.
- ``turbulence_window``: days of history behind the index (252).
- ``regimes``, ``switch_probability``: the synthetic market's regimes and the chance per day of
  leaving each (see :func:`~rlbench_suite.envs.trading.synthetic.correlated_gbm`).
- ``start_price``: first price of each synthetic stock (one number or one per stock).
- ``data``: a CSV or Parquet path, a DataFrame or a ``MarketData`` (read by ``load_ohlcv``);
  ``split`` ``"train"`` plays the first ``train_fraction`` of the bars, ``"test"`` the rest (its
  warm-up comes from the bars just before, which are in the past).
- ``render_mode``: ``"ansi"``.

## Reference Scores

Mean return (units of $10,000, i.e. % of the capital over two years) and 95 % interval over 50
episodes from seed 0 on the default instance, measured with ``rlbench_suite.scoring.evaluate``:

| agent | return |
|-------|--------|
| ``turbulence_rule`` (expert) | 26.8 +- 6.4 |
| ``stock_buy_and_hold`` | 0.3 +- 9.4 |
| constant high (buy ``hmax`` a day) | 0.3 +- 9.5 |
| constant centre (hold cash), low (sell) | 0.0 |
| constant fixed (one random action) | -2.0 +- 9.3 |
| random | -5.4 +- 6.9 |

The market's drift cancels over the cycle, so holding earns nothing on average; stepping aside
in crashes earns about 13 % a year. The stored references are on the EnvCard once measured
(``rlbench references --env rlbench/StockTrading-v0``).

## Version History

- v0: first release.

## Credits

X.-Y. Liu et al., "FinRL: A Deep Reinforcement Learning Library for Automated Stock Trading in
Quantitative Finance", NeurIPS Deep RL Workshop 2020 (the trading rules, costs, hmax, reward
scaling and turbulence stop). M. Kritzman, Y. Li, "Skulls, Financial Turbulence, and Risk
Management", Financial Analysts Journal 2010 (the turbulence index).

Example:
    >>> import gymnasium as gym, rlbench_suite.envs.trading
    >>> env = gym.make("rlbench/StockTrading-v0", num_assets=3, episode_days=20)
    >>> obs, info = env.reset(seed=0)
    >>> obs.shape, info["total_assets"]
    ((25,), 1000000.0)
    >>> obs, reward, terminated, truncated, info = env.step([1.0, 0.0, -1.0])
    >>> info["trades"].tolist()
    [100, 0, 0]

"""

from __future__ import annotations

import os
from collections.abc import Sequence
from typing import Any, ClassVar

import gymnasium as gym
import numpy as np
import pandas as pd
from gymnasium import spaces

from rlbench_suite.envs.trading.common import FAMILY, FINRL
from rlbench_suite.envs.trading.synthetic import MarketData, Regime, correlated_gbm
from rlbench_suite.envs.validation import EnvContract, validate_action
from rlbench_suite.registry import EnvCard, MDPFamily, Split

#: The synthetic market's regimes. Calm: a bull market (20 % drift, 15 % volatility,
#: correlation 0.3). Crash: a sell-off at an 80 % annual rate with volatility tripled and
#: correlations at 0.7, the moment when diversification fails and FinRL's turbulence index
#: spikes. Over the cycle the two cancel (see below): buying and holding earns nothing on
#: average, and what an agent earns it earns by reading the market.
STOCK_REGIMES: tuple[Regime, ...] = (
    Regime(annual_drift=0.20, annual_volatility=0.15, correlation=0.3),
    Regime(annual_drift=-0.80, annual_volatility=0.45, correlation=0.7),
)
#: Chance per day of leaving calm (a crash every 100 trading days on average) and of leaving a
#: crash (25 days on average): one day in five is in a crash, so the mean drift is
#: 0.8 x 20 % - 0.2 x 80 % = 0.
STOCK_SWITCH_PROBABILITY: tuple[float, ...] = (0.01, 0.04)
#: A synthetic stock's first price. With FinRL's hmax of 100 shares, a day's trade in one stock
#: is up to $50,000 (5 % of the default capital), so five stocks can be fully bought or sold in
#: about four days, as with FinRL's Dow 30 at their prices.
STOCK_START_PRICE = 500.0
DEFAULT_NUM_ASSETS = 5
TRADING_DAYS_PER_YEAR = 252
#: Two years of trading days: about five crashes per episode, so that reading the market pays
#: clearly more than the luck of one year's draw.
EPISODE_DAYS = 2 * TRADING_DAYS_PER_YEAR

#: FinRL's default indicators (stockstats' macd, rsi_30, cci_30, dx_30).
MACD_FAST_SPAN, MACD_SLOW_SPAN = 12, 26
INDICATOR_WINDOW = 30
#: Lambert's constant: 1/0.015 scales CCI so that most values lie within +-100.
CCI_CONSTANT = 0.015
INDICATOR_NAMES = ("macd", "rsi_30", "cci_30", "dx_30")

SPLITS = ("train", "test")
#: Where the observation's unbounded entries (cash, prices, MACD, turbulence ...) are clipped:
#: a million times the starting capital or an ordinary day's turbulence, never reached in
#: practice; Gymnasium's checker refuses infinite bounds.
OBSERVATION_LIMIT = 1e6


# -- the market's indicators (causal: bar t uses bars up to t) -----------------------------------


def exponential_average(values: np.ndarray, alpha: float) -> np.ndarray:
    """``y[t] = alpha x[t] + (1 - alpha) y[t-1]`` down axis 0, starting at ``y[0] = x[0]``."""
    values = np.asarray(values, dtype=np.float64)
    initial = (1.0 - alpha) * values[0:1]
    # Imported here: scipy.signal adds ~0.5 s to `import rlbench_suite`.
    from scipy.signal import lfilter

    smoothed, _ = lfilter([alpha], [1.0, alpha - 1.0], values, axis=0, zi=initial)
    return smoothed


def macd(close: np.ndarray) -> np.ndarray:
    """(T, D) MACD line: EMA 12 minus EMA 26 of the closes (spans as stockstats and pandas)."""
    fast = exponential_average(close, 2.0 / (MACD_FAST_SPAN + 1))
    slow = exponential_average(close, 2.0 / (MACD_SLOW_SPAN + 1))
    return fast - slow


def relative_strength_index(close: np.ndarray, window: int = INDICATOR_WINDOW) -> np.ndarray:
    """(T, D) RSI in [0, 100] with Wilder's smoothing; 50 where prices have not moved."""
    change = np.diff(close, axis=0, prepend=close[0:1])
    average_gain = exponential_average(np.maximum(change, 0.0), 1.0 / window)
    average_loss = exponential_average(np.maximum(-change, 0.0), 1.0 / window)
    total = average_gain + average_loss
    return np.where(total > 0, 100.0 * average_gain / np.where(total > 0, total, 1.0), 50.0)


def _trailing_windows(values: np.ndarray, window: int) -> np.ndarray:
    """(T, window, D): for each bar the last ``window`` rows, the first row repeated before t=0."""
    padded = np.concatenate([np.repeat(values[0:1], window - 1, axis=0), values], axis=0)
    return np.lib.stride_tricks.sliding_window_view(padded, window, axis=0).transpose(0, 2, 1)


def commodity_channel_index(
    high: np.ndarray, low: np.ndarray, close: np.ndarray, window: int = INDICATOR_WINDOW
) -> np.ndarray:
    """(T, D) CCI: typical price's distance from its ``window`` mean, in mean absolute deviations.

    0 where the typical price has not moved over the window.
    """
    typical = (high + low + close) / 3.0
    windows = _trailing_windows(typical, window)  # (T, window, D)
    mean = windows.mean(axis=1)
    deviation = np.abs(windows - mean[:, None, :]).mean(axis=1)
    scale = CCI_CONSTANT * deviation
    return np.where(scale > 0, (typical - mean) / np.where(scale > 0, scale, 1.0), 0.0)


def directional_movement_index(
    high: np.ndarray, low: np.ndarray, close: np.ndarray, window: int = INDICATOR_WINDOW
) -> np.ndarray:
    """(T, D) DX in [0, 100]: Wilder's |+DI - -DI| / (+DI + -DI); 0 with no movement."""
    up_move = np.diff(high, axis=0, prepend=high[0:1])
    down_move = -np.diff(low, axis=0, prepend=low[0:1])
    plus_movement = np.where((up_move > down_move) & (up_move > 0), up_move, 0.0)
    minus_movement = np.where((down_move > up_move) & (down_move > 0), down_move, 0.0)
    previous_close = np.concatenate([close[0:1], close[:-1]], axis=0)
    true_range = np.maximum.reduce(
        [high - low, np.abs(high - previous_close), np.abs(low - previous_close)]
    )
    alpha = 1.0 / window
    average_range = exponential_average(true_range, alpha)
    safe_range = np.where(average_range > 0, average_range, 1.0)
    plus_indicator = exponential_average(plus_movement, alpha) / safe_range
    minus_indicator = exponential_average(minus_movement, alpha) / safe_range
    total = plus_indicator + minus_indicator
    return np.where(
        total > 0,
        100.0 * np.abs(plus_indicator - minus_indicator) / np.where(total > 0, total, 1.0),
        0.0,
    )


def technical_indicators(market: MarketData) -> np.ndarray:
    """(T, 4, D): MACD, RSI 30, CCI 30 and DX 30 of every bar, in :data:`INDICATOR_NAMES` order."""
    high, low, close = market.high, market.low, market.close
    return np.stack(
        [
            macd(close),
            relative_strength_index(close),
            commodity_channel_index(high, low, close),
            directional_movement_index(high, low, close),
        ],
        axis=1,
    )


def turbulence_index(close: np.ndarray, window: int) -> np.ndarray:
    """(T,) FinRL's turbulence of each bar; NaN for the first ``window`` bars, which lack history.

    Bar ``t``'s index is ``(r_t - mu) Sigma^+ (r_t - mu)^T``, with ``r_t`` the close-to-close
    returns into bar ``t`` and ``mu``, ``Sigma`` the mean and sample covariance of the
    ``window`` returns before it (pseudo-inverse, as FinRL, so collinear stocks do not break it).
    """
    returns = close[1:] / close[:-1] - 1.0  # (T-1, D): returns[i] moves bar i to bar i+1
    turbulence = np.full(len(close), np.nan)
    if len(returns) <= window:
        return turbulence
    history = np.lib.stride_tricks.sliding_window_view(returns[:-1], window, axis=0)  # (n, D, w)
    history = history.transpose(0, 2, 1)  # (n, w, D), n = len(returns) - window
    mean = history.mean(axis=1)  # (n, D)
    centred = history - mean[:, None, :]
    covariance = np.einsum("nwi,nwj->nij", centred, centred) / (window - 1)
    surprise = returns[window:] - mean  # (n, D)
    inverse = np.linalg.pinv(covariance, hermitian=True)
    turbulence[window + 1 :] = np.einsum("ni,nij,nj->n", surprise, inverse, surprise)
    return turbulence


# -- FinRL's trading rules ---------------------------------------------------------------------


def execute_trades(
    cash: float,
    holdings: np.ndarray,
    prices: np.ndarray,
    wanted: np.ndarray,
    buy_cost_pct: np.ndarray,
    sell_cost_pct: np.ndarray,
    buys_allowed: bool = True,
) -> tuple[float, np.ndarray, np.ndarray, float]:
    """FinRL's order of execution: sells first, then buys, largest order first.

    ``wanted`` holds signed whole shares. A sell is capped at the shares held and pays
    ``sell_cost_pct`` of its value; a buy is capped at the shares the cash left pays for, costs
    included. Buys go in decreasing size (ties in stock order), so when cash runs short the
    largest orders are served first, as in FinRL.

    Returns:
        ``(cash, holdings, executed, costs)``: the new cash and holdings, the signed shares
        actually traded per stock and the costs paid.

    """
    holdings = holdings.copy()
    executed = np.zeros_like(holdings)
    costs = 0.0
    for stock in np.flatnonzero(wanted < 0):
        shares = min(-int(wanted[stock]), int(holdings[stock]))
        value = prices[stock] * shares
        cash += value * (1.0 - sell_cost_pct[stock])
        costs += value * sell_cost_pct[stock]
        holdings[stock] -= shares
        executed[stock] = -shares
    if not buys_allowed:
        return cash, holdings, executed, costs
    for stock in np.argsort(-wanted, kind="stable"):
        if wanted[stock] <= 0:
            break
        unit_cost = prices[stock] * (1.0 + buy_cost_pct[stock])
        shares = min(int(wanted[stock]), int(cash // unit_cost))
        # Floor division can round up by an ulp; never let cash go below zero.
        if shares > 0 and shares * unit_cost > cash:
            shares -= 1
        value = prices[stock] * shares
        cash -= value * (1.0 + buy_cost_pct[stock])
        costs += value * buy_cost_pct[stock]
        holdings[stock] += shares
        executed[stock] = shares
    return cash, holdings, executed, costs


# -- the env -----------------------------------------------------------------------------------


class StockTradingEnv(EnvContract, gym.Env):
    """FinRL's StockTradingEnv rules on a regime-switching market (see the module docstring)."""

    metadata: ClassVar[dict[str, Any]] = {"render_modes": ["ansi"], "render_fps": 4}

    def __init__(
        self,
        num_assets: int | None = None,
        episode_days: int = EPISODE_DAYS,
        hmax: int = 100,
        initial_amount: float = 1_000_000.0,
        buy_cost_pct: float | Sequence[float] = 0.001,
        sell_cost_pct: float | Sequence[float] = 0.001,
        reward_scaling: float = 1e-4,
        turbulence_threshold: float | None = None,
        turbulence_window: int = TRADING_DAYS_PER_YEAR,
        regimes: Sequence[Regime] = STOCK_REGIMES,
        switch_probability: float | Sequence[float] = STOCK_SWITCH_PROBABILITY,
        start_price: float | Sequence[float] = STOCK_START_PRICE,
        data: str | os.PathLike[str] | pd.DataFrame | MarketData | None = None,
        split: str = "train",
        train_fraction: float = 0.8,
        render_mode: str | None = None,
    ) -> None:
        owner = type(self).__name__
        self.episode_days = _integer(owner, "episode_days", episode_days, minimum=1)
        self.hmax = _integer(owner, "hmax", hmax, minimum=1)
        self.turbulence_window = _integer(
            owner, "turbulence_window", turbulence_window, minimum=INDICATOR_WINDOW
        )
        self.initial_amount = _positive(owner, "initial_amount", initial_amount)
        self.reward_scaling = _positive(owner, "reward_scaling", reward_scaling)
        if turbulence_threshold is not None:
            turbulence_threshold = _positive(owner, "turbulence_threshold", turbulence_threshold)
        self.turbulence_threshold = turbulence_threshold
        if render_mode is not None and render_mode not in self.metadata["render_modes"]:
            raise ValueError(
                f"{owner}: render_mode must be None or one of {self.metadata['render_modes']}, "
                f"got {render_mode!r}"
            )
        self.render_mode = render_mode
        self.regimes = tuple(regimes)
        self.switch_probability = switch_probability
        self.start_price = start_price
        if data is None:
            self.num_assets = (
                DEFAULT_NUM_ASSETS
                if num_assets is None
                else _integer(owner, "num_assets", num_assets, minimum=1)
            )
            self._fixed_market: MarketData | None = None
            self._episode_start = self.turbulence_window + 1
            # One draw checks the market's arguments now rather than at the first reset.
            self._draw_market(np.random.default_rng(0), num_steps=2)
        else:
            market, first_day = _market_split(owner, data, split, train_fraction)
            # The train split's warm-up is its own first bars; the test split's, the bars
            # before it.
            first_day = max(first_day, self.turbulence_window + 1)
            if len(market) - 1 - first_day < 1:
                raise ValueError(
                    f"{owner}: the {split!r} split of {market.source} leaves no day to trade "
                    f"after the {self.turbulence_window + 1}-bar warm-up of the turbulence "
                    "index; give more data or a shorter turbulence_window"
                )
            if num_assets is not None and num_assets != market.num_assets:
                raise ValueError(
                    f"{owner}: num_assets={num_assets!r} but the data holds {market.num_assets} "
                    f"symbols {market.symbols}; pass num_assets=None with data="
                )
            self.num_assets = market.num_assets
            self._fixed_market = market
            self._episode_start = first_day
            self.episode_days = len(market) - 1 - first_day
        self.split = split
        self.buy_cost_pct = _cost_rates(owner, "buy_cost_pct", buy_cost_pct, self.num_assets)
        self.sell_cost_pct = _cost_rates(owner, "sell_cost_pct", sell_cost_pct, self.num_assets)

        count = self.num_assets
        self.action_space = spaces.Box(-1.0, 1.0, shape=(count,), dtype=np.float32)
        self.observation_space = spaces.Box(*_observation_bounds(count), dtype=np.float32)
        # Episode state, filled by reset.
        self.market: MarketData | None = None
        self.regime_path: np.ndarray | None = None
        self._indicators = np.zeros((0, len(INDICATOR_NAMES), count))
        self._turbulence = np.zeros(0)
        self.day = self._episode_start
        self.cash = self.initial_amount
        self.holdings = np.zeros(count, dtype=np.int64)
        self.asset_values: list[float] = [self.initial_amount]

    # -- gymnasium API ---------------------------------------------------------------------------

    def step(self, action: Any) -> tuple[np.ndarray, float, bool, bool, dict[str, Any]]:
        """Trade at today's close (sells, then buys), then move to the next day's close."""
        self._warn_if_stepped_out_of_episode()
        if self._episode_over:
            # Past the end the market does not move (its data may be exhausted): nothing
            # happens, and the step says so with reward 0 and truncated, after the warning.
            return self._observation(), 0.0, False, True, {}
        action = validate_action(self, action)
        # FinRL: action x hmax, cast to int, i.e. truncated toward zero.
        wanted = (action.astype(np.float64) * self.hmax).astype(np.int64)
        prices = self.prices
        turbulence_stop = self.turbulence_stop
        if turbulence_stop:
            wanted = -self.holdings
        begin_assets = self.total_assets
        self.cash, self.holdings, executed, costs = execute_trades(
            self.cash,
            self.holdings,
            prices,
            wanted,
            self.buy_cost_pct,
            self.sell_cost_pct,
            buys_allowed=not turbulence_stop,
        )
        self.day += 1
        end_assets = self.total_assets
        self.asset_values.append(end_assets)
        reward = (end_assets - begin_assets) * self.reward_scaling
        truncated = self.day >= self._episode_start + self.episode_days
        info = self._info()
        info.update(trades=executed, costs=costs, turbulence_liquidation=turbulence_stop)
        if truncated:
            info.update(self.episode_metrics())
        self._record_step_end(False, truncated)
        return self._observation(), float(reward), False, truncated, info

    def reset(
        self, *, seed: int | None = None, options: dict[str, Any] | None = None
    ) -> tuple[np.ndarray, dict[str, Any]]:
        """A new market (synthetic) or the same bars again (``data=``); all cash, no shares."""
        super().reset(seed=seed, options=options)
        if self._fixed_market is None:
            num_steps = self._episode_start + self.episode_days + 1
            self.market, self.regime_path = self._draw_market(self.np_random, num_steps)
        else:
            self.market, self.regime_path = self._fixed_market, None
        if len(self._turbulence) != len(self.market) or self._fixed_market is None:
            self._indicators = technical_indicators(self.market)
            self._turbulence = turbulence_index(self.market.close, self.turbulence_window)
        self.day = self._episode_start
        self.cash = self.initial_amount
        self.holdings = np.zeros(self.num_assets, dtype=np.int64)
        self.asset_values = [self.initial_amount]
        return self._observation(), self._info()

    def render(self) -> str | None:
        """``ansi``: the day, the account and the turbulence index as one line of text."""
        if self.render_mode != "ansi":
            return None
        holdings = " ".join(str(int(shares)) for shares in self.holdings)
        return (
            f"day {self.day - self._episode_start}/{self.episode_days}  "
            f"assets {self.total_assets:,.2f}  cash {self.cash:,.2f}  shares [{holdings}]  "
            f"turbulence {self.turbulence:.2f}"
        )

    def close(self) -> None:
        """Nothing to release; recorded so a later ``step`` warns."""
        super().close()

    # -- what agents may read --------------------------------------------------------------------

    @property
    def prices(self) -> np.ndarray:
        """(D,) today's closes."""
        return self.market.close[self.day]

    @property
    def turbulence(self) -> float:
        """Today's turbulence index (raw, FinRL's scale)."""
        return float(self._turbulence[self.day])

    @property
    def turbulence_stop(self) -> bool:
        """Whether today's index is at or above ``turbulence_threshold`` (FinRL's ``>=``)."""
        return self.turbulence_threshold is not None and self.turbulence >= (
            self.turbulence_threshold
        )

    @property
    def total_assets(self) -> float:
        """Cash plus shares at today's closes."""
        return float(self.cash + self.holdings @ self.prices)

    @property
    def current_regime(self) -> int | None:
        """The regime today's bar was drawn in (synthetic market; None with ``data=``)."""
        return None if self.regime_path is None else int(self.regime_path[self.day])

    def episode_metrics(self) -> dict[str, float]:
        """Financial metrics of the account's daily values so far (Sharpe, drawdown, ...)."""
        from rlbench_suite.envs.trading.metrics import financial_metrics

        return financial_metrics(np.asarray(self.asset_values), TRADING_DAYS_PER_YEAR)

    # -- internals -------------------------------------------------------------------------------

    def _draw_market(self, rng: np.random.Generator, num_steps: int) -> tuple[MarketData, Any]:
        try:
            return correlated_gbm(
                rng,
                num_steps,
                self.num_assets,
                regimes=self.regimes,
                switch_probability=self.switch_probability,
                steps_per_year=TRADING_DAYS_PER_YEAR,
                start_price=self.start_price,
            )
        except ValueError as error:
            raise ValueError(f"{type(self).__name__}: {error}") from None

    def _observation(self) -> np.ndarray:
        close = self.prices
        first_close = self.market.close[self._episode_start]
        macd_line, rsi, cci, dx = self._indicators[self.day]
        days_left = (self._episode_start + self.episode_days - self.day) / self.episode_days
        observation = np.concatenate(
            [
                [self.cash / self.initial_amount],
                close / first_close,
                self.holdings * close / self.initial_amount,
                macd_line / close,
                rsi / 100.0,
                cci / 100.0,
                dx / 100.0,
                [self.turbulence / self.num_assets],
                self.holdings / self.hmax,
                [days_left, float(self.turbulence_stop)],
            ]
        )
        low, high = self.observation_space.low, self.observation_space.high
        return np.clip(observation, low, high).astype(np.float32)

    def _info(self) -> dict[str, Any]:
        return {
            "total_assets": self.total_assets,
            "cash": float(self.cash),
            "holdings": self.holdings.copy(),
            "close": self.prices.copy(),
            "turbulence": self.turbulence,
            "day": self.day - self._episode_start,
        }


def _observation_bounds(num_assets: int) -> tuple[np.ndarray, np.ndarray]:
    """(low, high) of the observation: exact where the quantity is bounded, else +-limit."""
    limit = OBSERVATION_LIMIT
    cci_limit = INDICATOR_WINDOW / (2 * CCI_CONSTANT) / 100.0
    per_stock = [
        (0.0, limit),  # prices
        (0.0, limit),  # holdings' value
        (-limit, limit),  # MACD
        (0.0, 1.0),  # RSI
        (-cci_limit, cci_limit),  # CCI
        (0.0, 1.0),  # DX
    ]
    low = [0.0] + [bound[0] for bound in per_stock for _ in range(num_assets)]
    high = [limit] + [bound[1] for bound in per_stock for _ in range(num_assets)]
    low += [0.0] + [0.0] * num_assets + [0.0, 0.0]  # turbulence, shares, time left, stop
    high += [limit] + [limit] * num_assets + [1.0, 1.0]
    return np.array(low, dtype=np.float32), np.array(high, dtype=np.float32)


# -- argument checks ---------------------------------------------------------------------------


def _integer(owner: str, name: str, value: Any, minimum: int) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < minimum:
        raise ValueError(f"{owner}: {name} must be an integer >= {minimum}, got {value!r}")
    return int(value)


def _positive(owner: str, name: str, value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float, np.number)) or value <= 0:
        raise ValueError(f"{owner}: {name} must be a positive number, got {value!r}")
    return float(value)


def _cost_rates(owner: str, name: str, value: Any, num_assets: int) -> np.ndarray:
    rates = np.asarray(value, dtype=np.float64) if _numeric(value) else None
    if rates is not None and rates.ndim == 0:
        rates = np.full(num_assets, float(rates))
    if rates is None or rates.shape != (num_assets,) or np.any((rates < 0) | (rates >= 1)):
        raise ValueError(
            f"{owner}: {name} must be a fraction in [0, 1) or {num_assets} of them (one per "
            f"stock), got {value!r}"
        )
    return rates


def _numeric(value: Any) -> bool:
    try:
        return np.asarray(value).dtype.kind in "iuf"
    except (TypeError, ValueError):
        return False


def _market_split(
    owner: str, data: Any, split: str, train_fraction: float
) -> tuple[MarketData, int]:
    """The market up to the split's last bar and the split's first bar (its first trading day)."""
    if split not in SPLITS:
        raise ValueError(f"{owner}: split must be one of {SPLITS}, got {split!r}")
    if isinstance(data, MarketData):
        market = data
    else:
        from rlbench_suite.envs.trading.data import load_ohlcv

        market = load_ohlcv(data)
    train, _test = market.split_by_time(train_fraction)
    if split == "train":
        return train, 0
    # The test split keeps the bars before it: its warm-up is the past, never the future.
    return market, len(train)


# -- registration ------------------------------------------------------------------------------


def stock_trading_family(rng: np.random.Generator, split: Split) -> dict[str, Any]:
    """MDP family: the market's regimes and the costs (held out: beyond the ranges)."""
    if split == "in_distribution":
        crash_drift = rng.uniform(-1.0, -0.6)
        crash_volatility = rng.uniform(0.35, 0.55)
        crash_start = rng.uniform(0.006, 0.015)
        cost = rng.uniform(0.0005, 0.002)
    else:
        crash_drift = rng.choice([rng.uniform(-1.5, -1.1), rng.uniform(-0.4, -0.2)])
        crash_volatility = rng.choice([rng.uniform(0.22, 0.3), rng.uniform(0.6, 0.8)])
        crash_start = rng.choice([rng.uniform(0.002, 0.004), rng.uniform(0.02, 0.03)])
        cost = rng.uniform(0.003, 0.005)
    calm = STOCK_REGIMES[0]
    regimes = (
        calm,
        Regime(
            annual_drift=float(crash_drift),
            annual_volatility=float(crash_volatility),
            correlation=STOCK_REGIMES[1].correlation,
        ),
    )
    return {
        "regimes": regimes,
        "switch_probability": (float(crash_start), STOCK_SWITCH_PROBABILITY[1]),
        "buy_cost_pct": float(cost),
        "sell_cost_pct": float(cost),
    }


def return_bounds(**env_kwargs: Any) -> tuple[float, float]:
    """Smallest and largest episode return of ``StockTradingEnv(**env_kwargs)``.

    Holdings are long-only and cash never goes below zero, so total assets stay above zero and
    an episode cannot lose more than the starting capital: the return is above
    ``-initial_amount * reward_scaling`` (-100 by default). Prices follow geometric Brownian
    motion, which has no ceiling, so neither does the return.
    """
    import inspect

    arguments = inspect.signature(StockTradingEnv).bind(**env_kwargs)
    arguments.apply_defaults()
    values = arguments.arguments
    return (-float(values["initial_amount"]) * float(values["reward_scaling"]), float("inf"))


CARDS: list[EnvCard] = [
    EnvCard(
        id="rlbench/StockTrading-v0",
        family=FAMILY,
        entry_point=f"{__name__}:StockTradingEnv",
        multi_agent=False,
        objectives=("reward",),
        observation_kind="vector",
        anchor=FINRL,
        agents=("random", "stock_buy_and_hold", "turbulence_rule"),
        expert_agent="turbulence_rule",
        mdp_family=MDPFamily(
            stock_trading_family,
            "crash drift U(-1.0, -0.6), volatility U(0.35, 0.55), start probability "
            "U(0.006, 0.015) a day, costs U(0.05 %, 0.2 %); held out beyond each range",
        ),
        return_bounds=return_bounds(),
        summary="FinRL's stock trading: integer shares, costs, sells first, turbulence index",
    )
]
