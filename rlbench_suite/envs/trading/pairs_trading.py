"""PairsTrading: statistical arbitrage on two cointegrated assets at minute bars.

## Description

Two assets A and B move together: their log spread ``s = log A - hedge_ratio log B`` is an
Ornstein-Uhlenbeck process that pulls back to its mean, while the pair as a whole wanders. Each
minute the agent chooses to be short, flat or long the spread, the high-frequency setting of
"Harnessing Deep Q-Learning for Statistical Arbitrage in HFT" and the classic pairs trade of
Gatev, Goetzmann and Rouwenhorst: buy the spread when it is unusually low, sell it when it is
unusually high, and pay costs every time the position changes.

A long spread position holds ``notional`` worth of A and ``-hedge_ratio * notional`` worth of
B, valued at the close where it was opened (the dollar hedge of a log spread: its PnL is about
``notional`` times the change of ``s``). The shares stay fixed while the position is held, and
the account is marked to market at every close.

The market is synthetic by default, a fresh
:func:`~rlbench_suite.envs.trading.synthetic.cointegrated_pair` each episode; ``data=`` trades
the user's own two-asset OHLCV bars instead.

## Action Space

``Discrete(3)``: 0 = short the spread, 1 = flat, 2 = long the spread. The position moves to the
one asked for at this bar's close; asking for the position already held trades nothing.

## Observation Space

``Box(float32)`` of ``window + 2`` entries:

| index      | observation | range |
|------------|-------------|-------|
| 0 to w-1   | the spread's z-score at the last ``window`` closes, oldest first | see below |
| w          | the position held: -1 short, 0 flat, +1 long | {-1, 0, 1} |
| w+1        | share of the episode left | 1 at the start, 0 at the end |

A z-score is ``(s_t - mean) / std`` over the ``lookback`` spreads up to and including ``s_t``
(never a later one), with the population standard deviation, so it never exceeds
``sqrt(lookback - 1)`` in size (mostly within +-3); 0 where the spread has not moved.

## Rewards

The change of the account's marked-to-market value, net of costs, in currency: the held shares'
PnL from this close to the next, minus the costs of this bar's trade. Two costs are paid on each
leg's traded value ``|shares traded| x price``:

- ``transaction_cost``: a proportional fee (default 1 basis point);
- ``slippage``: a fraction of the leg's recent volatility (the standard deviation of its
  one-bar log returns over ``lookback`` bars), the price impact of crossing a spread that widens
  when the market moves (default 0.5, half a bar's move).

With ``close_at_end`` (default) the last step also closes any open position at the final close
and pays its costs, so every episode ends flat. Returns have no bound on either side: the
spread's shocks are Gaussian.

## Starting State

Flat, after a warm-up of ``lookback + window - 1`` bars that fills the z-score history.

## Episode End

No termination; truncation after ``horizon`` bars (390 by default: a trading day of minutes),
or at the end of the data split. The last step's ``info`` adds the episode's metrics
(:meth:`PairsTradingEnv.episode_metrics`: Sharpe, Sortino, max drawdown, Calmar, annualised
return and volatility, ``pnl``, ``total_costs``, ``trades`` and position statistics).

A step after the end warns and changes nothing: it returns the last observation, reward 0
and truncated (the market may have no next bar).

## Arguments

```python
gym.make("rlbench/PairsTrading-v0", horizon=390, lookback=60, window=10, notional=10_000.0,
         hedge_ratio=1.0, mean_reversion=0.05, spread_volatility=0.002,
         common_volatility=0.0005, transaction_cost=0.0001, slippage=0.5, close_at_end=True,
         data=None, split="train", train_fraction=0.8, render_mode=None)
```

- ``horizon``: bars per episode; ``lookback``: bars behind each z-score and volatility;
  ``window``: z-scores in the observation.
- ``notional``: value of the A leg when a position opens (B's is ``hedge_ratio`` times it).
- ``hedge_ratio``, ``mean_reversion``, ``spread_volatility``, ``common_volatility``: the
  synthetic pair (see :func:`~rlbench_suite.envs.trading.synthetic.cointegrated_pair`); with
  ``data=`` the hedge ratio still defines the traded spread.
- ``transaction_cost`` (fraction of traded value), ``slippage`` (fraction of a bar's
  volatility), ``close_at_end``.
- ``data``: a CSV or Parquet path, a DataFrame or a ``MarketData`` of exactly two symbols;
  ``split`` ``"train"`` plays the first ``train_fraction`` of the bars, ``"test"`` the rest.
- ``render_mode``: ``"ansi"``.

## Reference Scores

Mean return (currency, notional 10,000) and 95 % interval over 50 episodes from seed 0 on the
default instance, measured with ``rlbench_suite.scoring.evaluate``:

| agent | return |
|-------|--------|
| ``zscore`` (expert; entry 1.5, exit 0) | 228.5 +- 45.1 |
| always flat | 0.0 |
| always short | -19.7 +- 26.4 |
| always long | -39.6 +- 26.5 |
| random | -5,186.5 +- 152.3 |

Random changes position on two bars in three and pays the costs each time. The stored
references are on the EnvCard once measured (``rlbench references --env
rlbench/PairsTrading-v0``).

## Version History

- v0: first release.

## Credits

"Harnessing Deep Q-Learning for Statistical Arbitrage in High-Frequency Trading" (the task:
discrete short/flat/long actions on a cointegrated pair, costs at every change). E. Gatev,
W. Goetzmann, K. G. Rouwenhorst, "Pairs Trading: Performance of a Relative-Value Arbitrage
Rule", Review of Financial Studies 2006 (the z-score rule).

Example:
    >>> import gymnasium as gym, rlbench_suite.envs.trading
    >>> env = gym.make("rlbench/PairsTrading-v0", horizon=30)
    >>> obs, info = env.reset(seed=0)
    >>> obs.shape, info["position"]
    ((12,), 0)
    >>> obs, reward, terminated, truncated, info = env.step(2)
    >>> info["position"], info["costs"] > 0
    (1, True)

"""

from __future__ import annotations

import os
from typing import Any, ClassVar

import gymnasium as gym
import numpy as np
import pandas as pd
from gymnasium import spaces

from rlbench_suite.envs.trading.common import FAMILY
from rlbench_suite.envs.trading.synthetic import MarketData, cointegrated_pair
from rlbench_suite.envs.validation import EnvContract, validate_action
from rlbench_suite.registry import EnvCard, MDPFamily, Split

SHORT, FLAT, LONG = 0, 1, 2
#: The position each action asks for, in spread units.
POSITIONS = (-1, 0, 1)
#: A trading day of minute bars (9:30 to 16:00).
MINUTES_PER_SESSION = 390
#: Minute bars in a year of 252 sessions, for the annualised metrics.
BARS_PER_YEAR = 252 * MINUTES_PER_SESSION
SPLITS = ("train", "test")
HFT_STATISTICAL_ARBITRAGE = (
    "Harnessing Deep Q-Learning for Statistical Arbitrage in High-Frequency Trading; Gatev, "
    "Goetzmann, Rouwenhorst, Pairs Trading, Review of Financial Studies 2006"
)


def rolling_zscore(values: np.ndarray, lookback: int) -> np.ndarray:
    """(T,) z-score of each value against the ``lookback`` values up to and including it.

    NaN for the first ``lookback - 1`` values, 0 where the window has not moved.
    """
    values = np.asarray(values, dtype=np.float64)
    zscores = np.full(values.shape, np.nan)
    if len(values) < lookback:
        return zscores
    windows = np.lib.stride_tricks.sliding_window_view(values, lookback)
    mean = windows.mean(axis=1)
    spread = windows.std(axis=1)
    current = values[lookback - 1 :]
    zscores[lookback - 1 :] = np.where(
        spread > 0, (current - mean) / np.where(spread > 0, spread, 1.0), 0.0
    )
    return zscores


def rolling_volatility(close: np.ndarray, lookback: int) -> np.ndarray:
    """(T, D) standard deviation of the last ``lookback`` one-bar log returns up to each bar.

    NaN until ``lookback`` returns exist (bar ``lookback``).
    """
    log_returns = np.diff(np.log(close), axis=0)  # (T-1, D): into bars 1 .. T-1
    volatility = np.full(close.shape, np.nan)
    if len(log_returns) < lookback:
        return volatility
    windows = np.lib.stride_tricks.sliding_window_view(log_returns, lookback, axis=0)
    volatility[lookback:] = windows.std(axis=-1)
    return volatility


class PairsTradingEnv(EnvContract, gym.Env):
    """Short, flat or long a cointegrated spread at minute bars (see the module docstring)."""

    metadata: ClassVar[dict[str, Any]] = {"render_modes": ["ansi"], "render_fps": 4}

    def __init__(
        self,
        horizon: int = MINUTES_PER_SESSION,
        lookback: int = 60,
        window: int = 10,
        notional: float = 10_000.0,
        hedge_ratio: float = 1.0,
        mean_reversion: float = 0.05,
        spread_volatility: float = 0.002,
        common_volatility: float = 0.0005,
        transaction_cost: float = 0.0001,
        slippage: float = 0.5,
        close_at_end: bool = True,
        data: str | os.PathLike[str] | pd.DataFrame | MarketData | None = None,
        split: str = "train",
        train_fraction: float = 0.8,
        render_mode: str | None = None,
    ) -> None:
        owner = type(self).__name__
        self.horizon = _integer(owner, "horizon", horizon, minimum=1)
        self.lookback = _integer(owner, "lookback", lookback, minimum=2)
        self.window = _integer(owner, "window", window, minimum=1)
        self.notional = _number(owner, "notional", notional, minimum=0.0, open_below=True)
        self.hedge_ratio = _number(owner, "hedge_ratio", hedge_ratio, minimum=0.0, open_below=True)
        self.transaction_cost = _number(owner, "transaction_cost", transaction_cost, minimum=0.0)
        self.slippage = _number(owner, "slippage", slippage, minimum=0.0)
        if not isinstance(close_at_end, bool):
            raise ValueError(f"{owner}: close_at_end must be True or False, got {close_at_end!r}")
        self.close_at_end = close_at_end
        if render_mode is not None and render_mode not in self.metadata["render_modes"]:
            raise ValueError(
                f"{owner}: render_mode must be None or one of {self.metadata['render_modes']}, "
                f"got {render_mode!r}"
            )
        self.render_mode = render_mode
        self.mean_reversion = mean_reversion
        self.spread_volatility = spread_volatility
        self.common_volatility = common_volatility
        warm_up = self.lookback + self.window - 1
        if data is None:
            self._fixed_market: MarketData | None = None
            self._episode_start = warm_up
            # One draw checks the generator's arguments now rather than at the first reset.
            self._draw_market(np.random.default_rng(0), num_steps=2)
        else:
            market, first_bar = _market_split(owner, data, split, train_fraction)
            first_bar = max(first_bar, warm_up)
            self.horizon = len(market) - 1 - first_bar
            if self.horizon < 1:
                raise ValueError(
                    f"{owner}: the {split!r} split of {market.source} leaves no bar to trade "
                    f"after the {warm_up}-bar warm-up (lookback + window - 1); give more data "
                    "or a shorter lookback"
                )
            self._fixed_market = market
            self._episode_start = first_bar
        self.split = split
        self.action_space = spaces.Discrete(3)
        # A value among n with the population deviation is at most sqrt(n - 1) deviations
        # from their mean: the z-scores' exact bound.
        z_limit = np.sqrt(self.lookback - 1)
        self.observation_space = spaces.Box(
            np.array([-z_limit] * self.window + [-1.0, 0.0], dtype=np.float32),
            np.array([z_limit] * self.window + [1.0, 1.0], dtype=np.float32),
            dtype=np.float32,
        )
        # Episode state, filled by reset.
        self.market: MarketData | None = None
        self._zscores = np.zeros(0)
        self._volatility = np.zeros((0, 2))
        self.bar = self._episode_start
        self.position = 0
        self.shares = np.zeros(2)
        self.pnl = 0.0
        self.costs_paid = 0.0
        self.trades = 0
        self.values: list[float] = [0.0]
        self.positions: list[int] = []

    # -- gymnasium API ---------------------------------------------------------------------------

    def step(self, action: Any) -> tuple[np.ndarray, float, bool, bool, dict[str, Any]]:
        """Move to the asked position at this close, then mark the account at the next one."""
        self._warn_if_stepped_out_of_episode()
        if self._episode_over:
            # Past the end the market does not move (its data may be exhausted): nothing
            # happens, and the step says so with reward 0 and truncated, after the warning.
            return self._observation(), 0.0, False, True, {}
        target = POSITIONS[int(validate_action(self, action))]
        costs = self._trade_to(target)
        before = self.prices
        self.bar += 1
        reward = float(self.shares @ (self.prices - before)) - costs
        truncated = self.bar >= self._episode_start + self.horizon
        if truncated and self.close_at_end:
            closing_costs = self._trade_to(0)
            reward -= closing_costs
            costs += closing_costs
        self.pnl += reward
        self.values.append(self.pnl)
        self.positions.append(self.position)
        info = self._info()
        info["costs"] = costs
        if truncated:
            info.update(self.episode_metrics())
        self._record_step_end(False, truncated)
        return self._observation(), reward, False, truncated, info

    def reset(
        self, *, seed: int | None = None, options: dict[str, Any] | None = None
    ) -> tuple[np.ndarray, dict[str, Any]]:
        """A new pair (synthetic) or the same bars again (``data=``); flat, nothing earned."""
        super().reset(seed=seed, options=options)
        if self._fixed_market is None:
            num_steps = self._episode_start + self.horizon + 1
            self.market, _ = self._draw_market(self.np_random, num_steps)
        else:
            self.market = self._fixed_market
        close = self.market.close
        spread = np.log(close[:, 0]) - self.hedge_ratio * np.log(close[:, 1])
        self._zscores = rolling_zscore(spread, self.lookback)
        self._volatility = rolling_volatility(close, self.lookback)
        self.bar = self._episode_start
        self.position = 0
        self.shares = np.zeros(2)
        self.pnl = 0.0
        self.costs_paid = 0.0
        self.trades = 0
        self.values = [0.0]
        self.positions = []
        return self._observation(), self._info()

    def render(self) -> str | None:
        """``ansi``: the bar, the z-score, the position and the PnL as one line of text."""
        if self.render_mode != "ansi":
            return None
        label = {-1: "short", 0: "flat", 1: "long"}[self.position]
        return (
            f"bar {self.bar - self._episode_start}/{self.horizon}  z {self.zscore:+.2f}  "
            f"{label}  pnl {self.pnl:,.2f}  costs {self.costs_paid:,.2f}"
        )

    def close(self) -> None:
        """Nothing to release; recorded so a later ``step`` warns."""
        super().close()

    # -- what agents may read --------------------------------------------------------------------

    @property
    def prices(self) -> np.ndarray:
        """(2,) this bar's closes of A and B."""
        return self.market.close[self.bar]

    @property
    def zscore(self) -> float:
        """The spread's z-score at this bar (the observation's last z-score)."""
        return float(self._zscores[self.bar])

    def episode_metrics(self) -> dict[str, float]:
        """PnL, Sharpe, drawdown ... of the account (capital: ``notional``) and trading counts."""
        from rlbench_suite.envs.trading.metrics import financial_metrics, inventory_statistics

        metrics = financial_metrics(self.notional + np.asarray(self.values), BARS_PER_YEAR)
        inventory = inventory_statistics(np.asarray(self.positions, dtype=np.float64))
        metrics.update({f"position_{key}": value for key, value in inventory.items()})
        metrics.update(pnl=self.pnl, total_costs=self.costs_paid, trades=float(self.trades))
        return metrics

    # -- internals -------------------------------------------------------------------------------

    def _trade_to(self, target: int) -> float:
        """Move to ``target`` at this close; return the fee and slippage paid."""
        if target == self.position:
            return 0.0
        prices = self.prices
        new_shares = (
            target * self.notional * np.array([1.0, -self.hedge_ratio]) / prices
            if target
            else np.zeros(2)
        )
        traded_value = np.abs(new_shares - self.shares) * prices  # (2,) per leg
        volatility = np.nan_to_num(self._volatility[self.bar])
        costs = float(
            self.transaction_cost * traded_value.sum()
            + self.slippage * (volatility * traded_value).sum()
        )
        self.shares = new_shares
        self.position = target
        self.costs_paid += costs
        self.trades += 1
        return costs

    def _draw_market(self, rng: np.random.Generator, num_steps: int) -> tuple[MarketData, Any]:
        try:
            return cointegrated_pair(
                rng,
                num_steps,
                hedge_ratio=self.hedge_ratio,
                mean_reversion=self.mean_reversion,
                spread_volatility=self.spread_volatility,
                common_volatility=self.common_volatility,
            )
        except ValueError as error:
            raise ValueError(f"{type(self).__name__}: {error}") from None

    def _observation(self) -> np.ndarray:
        history = self._zscores[self.bar - self.window + 1 : self.bar + 1]
        bars_left = (self._episode_start + self.horizon - self.bar) / self.horizon
        return np.concatenate([history, [self.position, bars_left]]).astype(np.float32)

    def _info(self) -> dict[str, Any]:
        return {
            "position": self.position,
            "pnl": self.pnl,
            "zscore": self.zscore,
            "prices": self.prices.copy(),
            "bar": self.bar - self._episode_start,
        }


# -- argument checks ---------------------------------------------------------------------------


def _integer(owner: str, name: str, value: Any, minimum: int) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < minimum:
        raise ValueError(f"{owner}: {name} must be an integer >= {minimum}, got {value!r}")
    return int(value)


def _number(owner: str, name: str, value: Any, minimum: float, open_below: bool = False) -> float:
    valid = not isinstance(value, bool) and isinstance(value, (int, float, np.number))
    if not valid or (value <= minimum if open_below else value < minimum):
        relation = ">" if open_below else ">="
        raise ValueError(f"{owner}: {name} must be a number {relation} {minimum}, got {value!r}")
    return float(value)


def _market_split(
    owner: str, data: Any, split: str, train_fraction: float
) -> tuple[MarketData, int]:
    """The market up to the split's last bar and the split's first bar."""
    if split not in SPLITS:
        raise ValueError(f"{owner}: split must be one of {SPLITS}, got {split!r}")
    if isinstance(data, MarketData):
        market = data
    else:
        from rlbench_suite.envs.trading.data import load_ohlcv

        market = load_ohlcv(data)
    if market.num_assets != 2:
        raise ValueError(
            f"{owner}: pairs trading needs exactly 2 symbols, {market.source} holds "
            f"{market.num_assets}: {market.symbols}"
        )
    train, _test = market.split_by_time(train_fraction)
    if split == "train":
        return train, 0
    # The test split keeps the bars before it: its warm-up is the past, never the future.
    return market, len(train)


# -- registration ------------------------------------------------------------------------------


def pairs_trading_family(rng: np.random.Generator, split: Split) -> dict[str, Any]:
    """MDP family: reversion speed, spread volatility, hedge ratio and costs.

    In distribution: mean reversion U(0.02, 0.1) per bar, spread volatility U(0.001, 0.003),
    hedge ratio U(0.7, 1.3), fee U(0.5, 2) bp, slippage U(0.25, 0.75). Held out: each drawn
    beyond its range, on a side chosen at random (fee and slippage above only).
    """

    def either(low: tuple[float, float], high: tuple[float, float]) -> float:
        return float(rng.uniform(*(low if rng.random() < 0.5 else high)))

    if split == "in_distribution":
        return {
            "mean_reversion": float(rng.uniform(0.02, 0.1)),
            "spread_volatility": float(rng.uniform(0.001, 0.003)),
            "hedge_ratio": float(rng.uniform(0.7, 1.3)),
            "transaction_cost": float(rng.uniform(0.00005, 0.0002)),
            "slippage": float(rng.uniform(0.25, 0.75)),
        }
    return {
        "mean_reversion": either((0.005, 0.015), (0.15, 0.3)),
        "spread_volatility": either((0.0004, 0.0008), (0.004, 0.006)),
        "hedge_ratio": either((0.4, 0.6), (1.5, 2.0)),
        "transaction_cost": float(rng.uniform(0.0003, 0.0005)),
        "slippage": float(rng.uniform(1.0, 1.5)),
    }


def return_bounds(**env_kwargs: Any) -> tuple[float, float]:
    """Smallest and largest episode return of ``PairsTradingEnv(**env_kwargs)``: unbounded.

    A long or short spread position gains or loses with the prices, whose shocks are Gaussian:
    no episode return is out of reach on either side, whatever the arguments.
    """
    return (float("-inf"), float("inf"))


CARDS: list[EnvCard] = [
    EnvCard(
        id="rlbench/PairsTrading-v0",
        family=FAMILY,
        entry_point=f"{__name__}:PairsTradingEnv",
        multi_agent=False,
        objectives=("reward",),
        observation_kind="vector",
        anchor=HFT_STATISTICAL_ARBITRAGE,
        agents=("random", "zscore"),
        expert_agent="zscore",
        mdp_family=MDPFamily(
            pairs_trading_family,
            "mean reversion U(0.02, 0.1), spread volatility U(0.001, 0.003), hedge ratio "
            "U(0.7, 1.3), fee U(0.5, 2) bp, slippage U(0.25, 0.75); held out beyond each range",
        ),
        return_bounds=return_bounds(),
        summary="Short, flat or long a cointegrated pair's spread at minute bars, net of costs",
    )
]
