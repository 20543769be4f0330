"""PortfolioAllocation: spread wealth over D assets (and cash) each step, net of trading costs.

## Description

Each step the agent names a portfolio, the fraction of its wealth in cash and in each of
``num_assets`` risky assets; the env trades the drifted holdings to it, charging a proportional
commission on both sides, and the prices move one bar. This is the portfolio-management MDP of
PGPortfolio (Jiang, Xu, Liang 2017), the setting FinRL's portfolio env follows, with the costs
actually applied: the commission enters through PGPortfolio's transaction remainder factor
``mu`` (the fraction of wealth left after rebalancing), computed exactly by its fixed-point
iteration (:func:`transaction_remainder_factor`), not by the training-time approximation
``1 - c sum |w_i - w'_i|``.

Market. By default each episode draws a fresh market from the env's RNG
(:func:`~rlbench_suite.envs.trading.synthetic.correlated_gbm`): ``window + horizon + 1`` daily
bars of correlated geometric Brownian motion under Markov regime switching. The default regimes
(:func:`leader_regimes`) are one per asset: in regime ``k`` asset ``k`` leads with a drift of
+50 % a year while the others drift 0 %, all at 25 % volatility with correlation 0.3; each bar
the regime moves on with probability 0.02 (about 50 bars per regime) to a uniformly drawn other
one, and the first regime is uniform. Equal weights earn the average drift whatever the regime;
an allocator that tells the regimes apart from the returns it observes earns the leader's. A
fresh path per episode (rather than windows of one long path) means no two episodes share a bar
and a learner cannot memorise a price history.

Own data. ``data=`` takes an OHLCV file or DataFrame (read by
:func:`~rlbench_suite.envs.trading.data.load_ohlcv`) or a
:class:`~rlbench_suite.envs.trading.synthetic.MarketData`; ``split`` picks the first
``train_fraction`` of its bars (``"train"``) or the rest (``"test"``), so test bars always come
later than training bars. Each episode is a window of the split starting at a bar drawn from the
env's RNG (``horizon=None``: one episode over the whole split from its first bar). Such a
market has no regimes; the ``regime_kelly`` expert refuses it.

ESG mode (``esg=True``; ``rlbench/PortfolioAllocationESG-v0``). After Garrido-Merchan,
Mora-Figueroa-Cruz-Guzman and Coronado-Vaca (2023), who regulate a FinRL market by ESG scores:
"grants were proportionally allotted to portfolios based on their returns and ESG scores, while
taxes were assigned to portfolios below the mean ESG score of the index" (their abstract, the
part of the paper we could confirm; the formulas are ours). Each asset ``i`` has a score
``e_i`` in [0, 1] (a seeded draw, or ``esg_scores``); with ``e_bar`` their mean:

- grant, per step, as a fraction of wealth: ``esg_grant_rate * mu * sum_{i: e_i > e_bar} w_i e_i
  max(y_i - 1, 0)``: each holding of an above-mean asset earns a share of its own gain
  proportional to its score (gains only: a grant never takes money);
- tax, per step: ``esg_tax_rate * max(e_bar - e_p, 0)`` with ``e_p = w_0 e_bar + sum_i w_i e_i``
  the portfolio's weighted score (cash counts as the mean score: it neither earns grants nor
  draws the tax).

``esg_features=True`` appends the scores to the observation (the paper's "ESG variables in the
state"); the ESG id has them on.

## Action Space

``Box(0, 1, (n,), float32)`` with ``n = num_assets + 1`` when ``cash=True`` (index 0 is cash, as
in PGPortfolio) and ``n = num_assets`` otherwise: non-negative scores, mapped onto the simplex
by dividing by their sum, ``w = a / sum(a)``. This mapping (not a softmax) reaches every
portfolio, including exact zeros and a single asset, and leaves the portfolio unchanged when all
scores are scaled alike; a softmax of a bounded box, as FinRL's portfolio env uses, cannot put
more than ``e / (e + n - 1)`` of the wealth in one asset. All-zero scores mean *no trade*: the
target is the drifted current portfolio and no cost is paid. Learners with unbounded logits can
use the ``SimplexWeights`` wrapper.

## Observation Space

``Box(float32)`` of ``window * num_assets + n (+ num_assets with esg_features)`` entries:

| index | observation | range |
|-------|-------------|-------|
| ``t * D + i``, ``t < window`` | log return of asset ``i`` at bar ``t``, oldest first | [-3, 3] |
| ``window * D + j``, ``j < n`` | current weight ``j`` (cash first, with cash) | [0, 1] |
| ``window * D + n + i`` | ESG score of asset ``i`` (``esg_features=True``) | [0, 1] |

``D = num_assets``; a log return is ``ln(close / previous close)``, clipped to [-3, 3] (a
factor of 20 in one bar; rewards use the prices themselves). The weights are
PGPortfolio's portfolio-vector memory: what the agent holds now, which sets what the next trade
costs.

## Rewards

The log growth of wealth over the step, ``ln(W_{t+1} / W_t) = ln(mu * (y . w) + grant - tax)``,
where ``y`` holds the price relatives ``close_{t+1} / close_t`` (1 for cash), ``w`` the target
weights and ``mu`` the transaction remainder factor with commission ``c`` on each side; grant
and tax are 0 unless ``esg=True``. The episode return is ``ln(W_T / W_0)``.

## Starting State

Wealth 1 (returns are in units of the starting wealth). With cash, all of it in cash (as
PGPortfolio's backtest starts), so the first allocation pays to buy in; without cash, equal
weights. The observation window holds the ``window`` bars before the first decision.

## Episode End

Truncation after ``horizon`` steps (default 252, a trading year). Termination when wealth falls
to ``ruin_fraction`` (default 1 %) of the start: the account is stopped out at that floor, so
the episode return is never below ``ln(ruin_fraction)``. With long-only portfolios of positive
prices this takes extreme data or taxes. The last step's ``info`` adds the
wealth path's financial metrics (:func:`~rlbench_suite.envs.trading.metrics.financial_metrics`)
and its turnover.

A step after the end warns and changes nothing: it returns the last observation, reward 0
and truncated (the market may have no next bar).

## Arguments

```python
gym.make("rlbench/PortfolioAllocation-v0", num_assets=None, cash=True, window=30, horizon=252,
         commission=0.0025, leader_drift=0.5, laggard_drift=0.0, volatility=0.25,
         correlation=0.3, switch_probability=0.02, regimes=None, steps_per_year=252,
         data=None, split="train", train_fraction=0.8, periods_per_year=None,
         ruin_fraction=0.01, esg=False, esg_features=False, esg_scores=None, esg_seed=0,
         esg_grant_rate=0.05, esg_tax_rate=0.001, render_mode=None)
```

- ``num_assets`` (D; ``None``: 5, or the data's assets), ``cash``, ``window`` (bars of returns
  observed; PGPortfolio used 31 prices, 30 returns), ``horizon`` (steps; ``None`` with
  ``data``: the whole split).
- ``commission``: proportional cost ``c`` per side, in [0, 0.2]; PGPortfolio's 0.25 % by default.
- ``leader_drift``, ``laggard_drift`` (annual arithmetic drifts), ``volatility`` (annual),
  ``correlation`` (equicorrelation), ``switch_probability`` (per bar): the default market
  (:func:`leader_regimes`); ``regimes``: any sequence of
  :class:`~rlbench_suite.envs.trading.synthetic.Regime` instead; ``steps_per_year``: bars a year.
- ``data``, ``split``, ``train_fraction``: the user's market (see Description). ``data`` and
  ``num_assets`` must agree when both are given; the market arguments above are then unused.
- ``periods_per_year``: for the annualised metrics; ``None``: ``steps_per_year``.
- ``ruin_fraction``: the stop-out floor, in (0, 1).
- ``esg``, ``esg_features``, ``esg_scores`` (one per asset in [0, 1]; ``None``: uniform draws
  seeded by ``esg_seed``), ``esg_grant_rate``, ``esg_tax_rate`` (see Description).
- ``render_mode``: ``"ansi"``.

## Reference Scores

Random, buy-and-hold, equal weights rebalanced every step, the trivial constant actions and the
``regime_kelly`` expert (growth-optimal weights for the regime the last bar was drawn in, with a
no-trade band; :mod:`rlbench_suite.agents.trading.portfolio`) on the default instance; the
numbers live in the EnvCard (``rlbench info rlbench/PortfolioAllocation-v0``). The Box centre
and high corner both map to equal weights over cash and the assets, the low corner to no trade
(all cash forever): the zero anchor is the best of them and random.

## Version History

- v0: first release.

## Credits

Z. Jiang, D. Xu, J. Liang, "A Deep Reinforcement Learning Framework for the Financial Portfolio
Management Problem", 2017 (PGPortfolio: the transaction remainder factor, commission 0.25 %,
the observation window and portfolio-vector memory). E. C. Garrido-Merchan,
S. Mora-Figueroa-Cruz-Guzman, M. Coronado-Vaca, "Deep Reinforcement Learning for ESG financial
portfolio management", 2023 (the ESG mode). X.-Y. Liu et al., FinRL (the portfolio env it
follows, with its costs applied).

Example:
    >>> import gymnasium as gym, rlbench_suite
    >>> env = gym.make("rlbench/PortfolioAllocation-v0", num_assets=3, window=4, horizon=5)
    >>> obs, info = env.reset(seed=0)
    >>> obs.shape, info["wealth"]
    ((16,), 1.0)
    >>> obs, reward, terminated, truncated, info = env.step([0.0, 1.0, 1.0, 0.0])
    >>> [round(float(weight), 2) for weight in info["target_weights"]]
    [0.0, 0.5, 0.5, 0.0]
    >>> round(info["mu"], 6)  # buying in from cash pays c on what is bought: mu = 1 - c
    0.9975

"""

from __future__ import annotations

import math
import os
from collections.abc import Sequence
from typing import Any, ClassVar, Literal

import gymnasium as gym
import numpy as np
import pandas as pd
from gymnasium import spaces

from rlbench_suite.envs.trading.common import FAMILY, FINRL, PGPORTFOLIO
from rlbench_suite.envs.trading.data import load_ohlcv
from rlbench_suite.envs.trading.metrics import financial_metrics, turnover
from rlbench_suite.envs.trading.synthetic import MarketData, Regime, correlated_gbm
from rlbench_suite.envs.validation import EnvContract, env_name, validate_action
from rlbench_suite.registry import EnvCard, MDPFamily

DEFAULT_NUM_ASSETS = 5
DEFAULT_WINDOW = 30  # returns observed: PGPortfolio's 31-period price window
DEFAULT_HORIZON = 252  # one trading year of daily bars
DEFAULT_COMMISSION = 0.0025  # PGPortfolio's commission rate, each side
#: Proportional costs above this are not a market; below it the fixed-point iteration for ``mu``
#: contracts at rate at most ``2c / (1 - c)`` = 0.5.
MAX_COMMISSION = 0.2
STEPS_PER_YEAR = 252

# The default market (see leader_regimes): a wide gap between the leader's drift and the
# others' makes telling regimes apart worth far more than the 2c a switch costs.
LEADER_DRIFT = 0.5
LAGGARD_DRIFT = 0.0
VOLATILITY = 0.25
CORRELATION = 0.3
SWITCH_PROBABILITY = 0.02  # about 50 bars per regime

RUIN_FRACTION = 0.01
#: Observed log returns are clipped to +-this so the observation space is bounded: a factor of
#: 20 in one bar, beyond any daily move of a listed asset. Rewards use the unclipped prices.
LOG_RETURN_LIMIT = 3.0
#: PGPortfolio iterates ``mu`` to this tolerance in its backtest.
MU_TOLERANCE = 1e-10

# The ESG mode's rates: each a few percent a year on the default market, so ESG tilts the best
# portfolio without outweighing the regimes. A grant of 5 % of a holding's daily gain, for a
# score of 0.9 and 25 % volatility, is about 8 % a year; the tax at the largest shortfall of the
# default scores (about 0.4) is 0.04 % a day, about 10 % a year.
ESG_GRANT_RATE = 0.05
ESG_TAX_RATE = 0.001

Split = Literal["train", "test"]
SPLITS: tuple[Split, ...] = ("train", "test")

ESG_PAPER = (
    "Garrido-Merchan, Mora-Figueroa-Cruz-Guzman, Coronado-Vaca, Deep Reinforcement Learning "
    "for ESG financial portfolio management, 2023"
)


def transaction_remainder_factor(
    previous_weights: np.ndarray,
    target_weights: np.ndarray,
    commission: float,
    tolerance: float = MU_TOLERANCE,
) -> float:
    """The fraction ``mu`` of wealth left after trading ``previous_weights`` to ``target_weights``.

    PGPortfolio's exact factor (Jiang et al. 2017, eq. 14; ``calculate_pv_after_commission`` in
    its ``tools/trade.py``): with commission ``c`` on both sales and purchases, index 0 cash,
    ``w'`` the weights before trading and ``w`` the target, ``mu`` solves

        mu = [1 - c w'_0 - (2c - c^2) sum_{i>=1} max(w'_i - mu w_i, 0)] / (1 - c w_0),

    found by iterating from ``1 - 2c + c^2`` until two iterates differ by at most
    ``tolerance``. The map contracts for ``c < 1/3``, so the loop ends.

        >>> round(transaction_remainder_factor([1.0, 0.0], [0.0, 1.0], 0.0025), 10)  # buy in
        0.9975
        >>> round(transaction_remainder_factor([0.0, 1.0, 0.0], [0.0, 0.0, 1.0], 0.0025), 10)
        0.99500625
    """
    previous = np.asarray(previous_weights, dtype=np.float64)  # (n,), cash first
    target = np.asarray(target_weights, dtype=np.float64)  # (n,)
    # Exactly 1 when nothing is charged or nothing is traded; the iteration would stop within
    # its tolerance of 1 and charge a few 1e-14 of wealth for no trade.
    if commission == 0 or np.array_equal(previous, target):
        return 1.0
    both_sides = 2 * commission - commission**2
    mu_before, mu = 1.0, 1.0 - both_sides
    while abs(mu - mu_before) > tolerance:
        mu_before = mu
        sold = np.maximum(previous[1:] - mu * target[1:], 0.0).sum()
        mu = (1.0 - commission * previous[0] - both_sides * sold) / (1.0 - commission * target[0])
    return float(mu)


def leader_regimes(
    num_assets: int,
    leader_drift: float = LEADER_DRIFT,
    laggard_drift: float = LAGGARD_DRIFT,
    volatility: float = VOLATILITY,
    correlation: float = CORRELATION,
) -> tuple[Regime, ...]:
    """One regime per asset: in regime ``k`` asset ``k`` drifts ``leader_drift``, the rest less.

    >>> regime = leader_regimes(3)[1]
    >>> regime.annual_drift, regime.annual_volatility, regime.correlation
    ((0.0, 0.5, 0.0), 0.25, 0.3)
    """
    return tuple(
        Regime(
            annual_drift=tuple(
                leader_drift if asset == leader else laggard_drift for asset in range(num_assets)
            ),
            annual_volatility=volatility,
            correlation=correlation,
        )
        for leader in range(num_assets)
    )


def target_from_scores(scores: np.ndarray, current_weights: np.ndarray, cash: bool) -> np.ndarray:
    """The action's portfolio: ``scores / sum(scores)``, cash first; all zeros keep ``current``.

    ``current_weights`` and the result always hold a cash entry (0 when ``cash`` is False).
    """
    total = float(np.sum(scores))
    if total <= 0.0:
        return current_weights.copy()
    weights = np.asarray(scores, dtype=np.float64) / total
    return weights if cash else np.concatenate([[0.0], weights])


class PortfolioAllocationEnv(EnvContract, gym.Env[np.ndarray, np.ndarray]):
    """Portfolio allocation with PGPortfolio's exact costs (see the module docstring)."""

    metadata: ClassVar[dict[str, Any]] = {"render_modes": ["ansi"], "render_fps": 4}

    def __init__(
        self,
        num_assets: int | None = None,
        cash: bool = True,
        window: int = DEFAULT_WINDOW,
        horizon: int | None = DEFAULT_HORIZON,
        commission: float = DEFAULT_COMMISSION,
        leader_drift: float = LEADER_DRIFT,
        laggard_drift: float = LAGGARD_DRIFT,
        volatility: float = VOLATILITY,
        correlation: float = CORRELATION,
        switch_probability: float = SWITCH_PROBABILITY,
        regimes: Sequence[Regime] | None = None,
        steps_per_year: int = STEPS_PER_YEAR,
        data: str | os.PathLike[str] | pd.DataFrame | MarketData | None = None,
        split: Split = "train",
        train_fraction: float = 0.8,
        periods_per_year: float | None = None,
        ruin_fraction: float = RUIN_FRACTION,
        esg: bool = False,
        esg_features: bool = False,
        esg_scores: Sequence[float] | None = None,
        esg_seed: int = 0,
        esg_grant_rate: float = ESG_GRANT_RATE,
        esg_tax_rate: float = ESG_TAX_RATE,
        render_mode: str | None = None,
    ) -> None:
        owner = type(self).__name__
        self.data_market: MarketData | None = None
        if data is not None:
            self.data_market = self._split_market(owner, data, split, train_fraction)
            data_assets = self.data_market.num_assets
            if num_assets is not None and num_assets != data_assets:
                raise ValueError(
                    f"{owner}: num_assets={num_assets} but the data holds {data_assets} assets "
                    f"({', '.join(self.data_market.symbols)}); pass num_assets=None"
                )
            num_assets = data_assets
        elif num_assets is None:
            num_assets = DEFAULT_NUM_ASSETS
        _require_int(owner, "num_assets", num_assets, 1)
        self.num_assets = int(num_assets)
        _require_int(owner, "window", window, 1)
        _require_int(owner, "steps_per_year", steps_per_year, 1)
        if horizon is None:
            if self.data_market is None:
                raise ValueError(
                    f"{owner}: horizon=None (run the whole split) needs data=; the synthetic "
                    "market needs a number of steps"
                )
        else:
            _require_int(owner, "horizon", horizon, 1)
        if not 0.0 <= commission <= MAX_COMMISSION:
            raise ValueError(
                f"{owner}: commission must be in [0, {MAX_COMMISSION}] (a fraction of each "
                f"trade), got {commission!r}"
            )
        if not 0.0 < ruin_fraction < 1.0:
            raise ValueError(f"{owner}: ruin_fraction must be in (0, 1), got {ruin_fraction!r}")
        if not 0.0 <= switch_probability <= 1.0:
            raise ValueError(
                f"{owner}: switch_probability must be in [0, 1], got {switch_probability!r}"
            )
        if periods_per_year is not None and not periods_per_year > 0:
            raise ValueError(
                f"{owner}: periods_per_year must be > 0 or None, got {periods_per_year!r}"
            )
        if esg_grant_rate < 0 or esg_tax_rate < 0:
            raise ValueError(
                f"{owner}: esg_grant_rate and esg_tax_rate must be >= 0, got "
                f"{esg_grant_rate!r} and {esg_tax_rate!r}"
            )
        if esg_features and not esg:
            raise ValueError(f"{owner}: esg_features=True needs esg=True")
        if render_mode is not None and render_mode not in self.metadata["render_modes"]:
            raise ValueError(
                f"{owner}: render_mode must be one of {self.metadata['render_modes']} or None, "
                f"got {render_mode!r}"
            )

        self.cash = bool(cash)
        self.window = int(window)
        self.horizon = None if horizon is None else int(horizon)
        self.commission = float(commission)
        self.switch_probability = float(switch_probability)
        self.steps_per_year = int(steps_per_year)
        self.periods_per_year = float(periods_per_year or steps_per_year)
        self.ruin_fraction = float(ruin_fraction)
        self.regimes: tuple[Regime, ...] = (
            tuple(regimes)
            if regimes is not None
            else leader_regimes(
                self.num_assets, leader_drift, laggard_drift, volatility, correlation
            )
        )
        if not self.regimes:
            raise ValueError(f"{owner}: regimes must hold at least one Regime, got none")
        try:
            for regime in self.regimes:
                regime.parameters(self.num_assets)
        except ValueError as error:
            raise ValueError(f"{owner}: {error}") from None
        if self.data_market is not None:
            self._check_data_length(owner)

        self.esg = bool(esg)
        self.esg_features = bool(esg_features)
        self.esg_grant_rate = float(esg_grant_rate)
        self.esg_tax_rate = float(esg_tax_rate)
        self.esg_scores = self._esg_scores(owner, esg_scores, esg_seed)  # (D,)
        self.esg_mean = float(self.esg_scores.mean())

        self.num_weights = self.num_assets + int(self.cash)
        self.action_space = spaces.Box(0.0, 1.0, shape=(self.num_weights,), dtype=np.float32)
        returns_size = self.window * self.num_assets
        low = [np.full(returns_size, -LOG_RETURN_LIMIT), np.zeros(self.num_weights)]
        high = [np.full(returns_size, LOG_RETURN_LIMIT), np.ones(self.num_weights)]
        if self.esg_features:
            low.append(np.zeros(self.num_assets))
            high.append(np.ones(self.num_assets))
        self.observation_space = spaces.Box(
            np.concatenate(low).astype(np.float32),
            np.concatenate(high).astype(np.float32),
            dtype=np.float32,
        )
        self.render_mode = render_mode

        # Episode state, set by reset.
        self.market: MarketData | None = None
        self.regime_path: np.ndarray | None = None  # (T,) regime of each bar; None for data
        self.bar = 0  # index of the bar whose close the agent has just seen
        self.steps = 0
        self.episode_horizon = 0
        self.wealth = 1.0
        self.weights = np.zeros(self.num_assets + 1)  # (D + 1,) drifted weights, cash first
        self._log_returns = np.zeros((0, self.num_assets))  # (T - 1, D)
        self._wealth_path: list[float] = []
        self._turnover_path: list[float] = []

    # -- the MDP ----------------------------------------------------------------------------

    def step(self, action: np.ndarray) -> tuple[np.ndarray, float, bool, bool, dict[str, Any]]:
        """Trade to the action's portfolio, pay the costs, move prices one bar."""
        self._warn_if_stepped_out_of_episode()
        if self.market is None:
            raise RuntimeError(f"{env_name(self)}: call reset() before step()")
        if self._episode_over:
            # Past the end the market does not move (its data may be exhausted): nothing
            # happens, and the step says so with reward 0 and truncated, after the warning.
            return self._observation(), 0.0, False, True, {}
        scores = validate_action(self, action).astype(np.float64)
        previous = self.weights
        target = target_from_scores(scores, previous, self.cash)  # (D + 1,)
        mu = transaction_remainder_factor(previous, target, self.commission)
        close = self.market.close
        relatives = np.concatenate([[1.0], close[self.bar + 1] / close[self.bar]])  # (D + 1,)
        gross_growth = float(relatives @ target)
        grant, tax = self._esg_transfers(target, relatives, mu)
        growth = mu * gross_growth + grant - tax
        wealth_before = self.wealth
        floor = self.ruin_fraction  # starting wealth is 1
        terminated = growth * wealth_before <= floor
        self.wealth = floor if terminated else wealth_before * growth
        reward = math.log(self.wealth / wealth_before)
        self.weights = relatives * target / gross_growth
        # Cash itself is never charged: the traded fraction is the risky assets' change.
        self._turnover_path.append(turnover(previous[1:], target[1:]))
        self._wealth_path.append(self.wealth)
        self.bar += 1
        self.steps += 1
        truncated = not terminated and self.steps >= self.episode_horizon
        self._record_step_end(terminated, truncated)
        info = self._info()
        info.update(
            {
                "target_weights": self._visible(target),
                "mu": mu,
                "cost": wealth_before * (1.0 - mu),
                "esg_grant": wealth_before * grant,
                "esg_tax": wealth_before * tax,
            }
        )
        if terminated or truncated:
            info.update(self._episode_metrics())
        return self._observation(), reward, terminated, truncated, info

    def reset(
        self, *, seed: int | None = None, options: dict[str, Any] | None = None
    ) -> tuple[np.ndarray, dict[str, Any]]:
        """Draw the episode's market (or its window of the data), start in cash at wealth 1."""
        super().reset(seed=seed, options=options)
        if self.data_market is None:
            self.market, self.regime_path = correlated_gbm(
                self.np_random,
                self.window + self.horizon + 1,
                self.num_assets,
                regimes=self.regimes,
                switch_probability=self.switch_probability,
                steps_per_year=self.steps_per_year,
                initial_regime=int(self.np_random.integers(len(self.regimes))),
            )
            self.episode_horizon = self.horizon
            self.bar = self.window
        else:
            total = len(self.data_market)
            if self.horizon is None:
                self.episode_horizon = total - self.window - 1
                first = 0
            else:
                self.episode_horizon = self.horizon
                first = int(self.np_random.integers(total - self.window - self.horizon))
            self.market = self.data_market
            self.regime_path = None
            self.bar = first + self.window
        log_returns = np.diff(np.log(self.market.close), axis=0)
        self._log_returns = np.clip(log_returns, -LOG_RETURN_LIMIT, LOG_RETURN_LIMIT)
        self.steps = 0
        self.wealth = 1.0
        self.weights = np.zeros(self.num_assets + 1)
        if self.cash:
            self.weights[0] = 1.0
        else:
            self.weights[1:] = 1.0 / self.num_assets
        self._wealth_path = [self.wealth]
        self._turnover_path = []
        return self._observation(), self._info()

    def render(self) -> str | None:
        """``ansi``: the step, wealth and current weights on one line."""
        if self.render_mode != "ansi":
            return None
        names = (("cash",) if self.cash else ()) + tuple(
            self.market.symbols if self.market is not None else ()
        )
        weights = " ".join(
            f"{name} {weight:.2f}"
            for name, weight in zip(names, self._visible(self.weights), strict=False)
        )
        return f"step {self.steps}/{self.episode_horizon} wealth {self.wealth:.4f} | {weights}"

    def close(self) -> None:
        """Nothing to release; marks the env closed."""
        super().close()

    # -- what agents may read -----------------------------------------------------------------

    @property
    def current_regime(self) -> int | None:
        """The regime the last observed bar was drawn in (None for data): no look-ahead."""
        return None if self.regime_path is None else int(self.regime_path[self.bar])

    # -- internals ----------------------------------------------------------------------------

    def _observation(self) -> np.ndarray:
        past = self._log_returns[self.bar - self.window : self.bar]  # (window, D)
        parts = [past.ravel(), self._visible(self.weights)]
        if self.esg_features:
            parts.append(self.esg_scores)
        return np.concatenate(parts).astype(np.float32)

    def _info(self) -> dict[str, Any]:
        return {
            "wealth": self.wealth,
            "weights": self._visible(self.weights),
            "step": self.steps,
            "regime": self.current_regime,
        }

    def _visible(self, weights: np.ndarray) -> np.ndarray:
        """Weights as the action and observation lay them out: no cash entry without cash."""
        return weights.copy() if self.cash else weights[1:].copy()

    def _esg_transfers(
        self, target: np.ndarray, relatives: np.ndarray, mu: float
    ) -> tuple[float, float]:
        """The step's grant and tax, as fractions of the wealth before it (0, 0 without ESG)."""
        if not self.esg:
            return 0.0, 0.0
        assets = target[1:]  # (D,)
        above_mean = self.esg_scores > self.esg_mean
        gains = np.maximum(relatives[1:] - 1.0, 0.0)
        grant = (
            self.esg_grant_rate * mu * float(np.sum((assets * self.esg_scores * gains)[above_mean]))
        )
        portfolio_score = target[0] * self.esg_mean + float(assets @ self.esg_scores)
        tax = self.esg_tax_rate * max(self.esg_mean - portfolio_score, 0.0)
        return grant, tax

    def _episode_metrics(self) -> dict[str, float]:
        metrics = financial_metrics(np.asarray(self._wealth_path), self.periods_per_year)
        metrics["turnover"] = float(np.sum(self._turnover_path))
        metrics["mean_turnover"] = float(np.mean(self._turnover_path))
        return metrics

    def _esg_scores(self, owner: str, esg_scores: Sequence[float] | None, seed: int) -> np.ndarray:
        if esg_scores is None:
            return np.random.default_rng(seed).uniform(0.0, 1.0, self.num_assets)
        scores = np.asarray(esg_scores, dtype=np.float64)
        if scores.shape != (self.num_assets,) or not np.all((scores >= 0) & (scores <= 1)):
            raise ValueError(
                f"{owner}: esg_scores must be {self.num_assets} scores in [0, 1] (one per asset; "
                f"divide a 0-100 score by 100), got {esg_scores!r}"
            )
        return scores

    @staticmethod
    def _split_market(owner: str, data: Any, split: str, train_fraction: float) -> MarketData:
        if split not in SPLITS:
            raise ValueError(f"{owner}: split must be one of {SPLITS}, got {split!r}")
        try:
            market = data if isinstance(data, MarketData) else load_ohlcv(data)
            train, test = market.split_by_time(train_fraction)
        except ValueError as error:
            raise ValueError(f"{owner}: {error}") from None
        return train if split == "train" else test

    def _check_data_length(self, owner: str) -> None:
        bars = len(self.data_market)
        longest = bars - self.window - 1
        wanted = longest if self.horizon is None else self.horizon
        if longest < 1 or wanted > longest:
            raise ValueError(
                f"{owner}: the data split ({self.data_market.source}) has {bars} bars; a window "
                f"of {self.window} leaves at most {max(longest, 0)} steps, but horizon={wanted}; "
                "pass a smaller horizon or window (horizon=None runs the whole split)"
            )


def _require_int(owner: str, name: str, value: object, lowest: int) -> None:
    if isinstance(value, bool) or not isinstance(value, int | np.integer) or value < lowest:
        raise ValueError(f"{owner}: {name} must be an integer >= {lowest}, got {value!r}")


# -- registration ---------------------------------------------------------------------------


def portfolio_family(rng: np.random.Generator, split: str) -> dict[str, Any]:
    """Market and cost parameters; held out, each drawn beyond the in-distribution range.

    In distribution: leader drift U(0.3, 0.6), laggard drift U(-0.1, 0.1), volatility
    U(0.15, 0.3), correlation U(0.1, 0.5), switch probability U(0.01, 0.03), commission
    U(0.001, 0.004). Held out, each parameter on a side drawn at random: leader drift (0.15,
    0.25) or (0.7, 0.9); laggard drift (-0.3, -0.15) or (0.15, 0.25); volatility (0.05, 0.1) or
    (0.35, 0.5); correlation (-0.2, 0.0) or (0.6, 0.8); switch probability (0.002, 0.007) or
    (0.04, 0.08); commission (0, 0.0005) or (0.006, 0.01).
    """
    if split == "in_distribution":
        ranges = {
            "leader_drift": [(0.3, 0.6)],
            "laggard_drift": [(-0.1, 0.1)],
            "volatility": [(0.15, 0.3)],
            "correlation": [(0.1, 0.5)],
            "switch_probability": [(0.01, 0.03)],
            "commission": [(0.001, 0.004)],
        }
    else:
        ranges = {
            "leader_drift": [(0.15, 0.25), (0.7, 0.9)],
            "laggard_drift": [(-0.3, -0.15), (0.15, 0.25)],
            "volatility": [(0.05, 0.1), (0.35, 0.5)],
            # The lowest equicorrelation of 5 assets is -0.25: -0.2 keeps the matrix valid.
            "correlation": [(-0.2, 0.0), (0.6, 0.8)],
            "switch_probability": [(0.002, 0.007), (0.04, 0.08)],
            "commission": [(0.0, 0.0005), (0.006, 0.01)],
        }
    kwargs: dict[str, Any] = {}
    for name, sides in ranges.items():
        low, high = sides[int(rng.integers(len(sides)))]
        kwargs[name] = float(rng.uniform(low, high))
    return kwargs


def portfolio_esg_family(rng: np.random.Generator, split: str) -> dict[str, Any]:
    """:func:`portfolio_family` plus fresh ESG scores and rates (held out: rates x2 to x4)."""
    kwargs = portfolio_family(rng, split)
    scale = rng.uniform(0.5, 1.5) if split == "in_distribution" else rng.uniform(2.0, 4.0)
    kwargs.update(
        esg_seed=int(rng.integers(1, 2**31)),
        esg_grant_rate=float(ESG_GRANT_RATE * scale),
        esg_tax_rate=float(ESG_TAX_RATE * scale),
    )
    return kwargs


def return_bounds(**env_kwargs: Any) -> tuple[float, float]:
    """Smallest and largest episode return of ``PortfolioAllocationEnv(**env_kwargs)``.

    The return is ``ln(W_T / W_0)``. Wealth is stopped out at ``ruin_fraction`` of the start, so
    the return is at least ``ln(ruin_fraction)`` (default ``ln 0.01`` = -4.61). Prices of
    geometric Brownian motion (and of user data) have no ceiling: the top is uncapped.
    """
    ruin_fraction = float(env_kwargs.get("ruin_fraction", RUIN_FRACTION))
    return (math.log(ruin_fraction), float("inf"))


_AGENTS = ("random", "buy_and_hold", "equal_weight", "regime_kelly")

CARDS: list[EnvCard] = [
    EnvCard(
        id="rlbench/PortfolioAllocation-v0",
        family=FAMILY,
        entry_point=f"{__name__}:PortfolioAllocationEnv",
        multi_agent=False,
        objectives=("reward",),
        observation_kind="vector",
        anchor=f"{PGPORTFOLIO}; {FINRL}",
        agents=_AGENTS,
        expert_agent="regime_kelly",
        mdp_family=MDPFamily(
            portfolio_family,
            "leader/laggard drifts, volatility, correlation, regime switch probability and "
            "commission; held out beyond the in-distribution ranges",
        ),
        return_bounds=return_bounds(),
        summary="5 assets and cash under regime switches; log growth net of PGPortfolio's costs",
    ),
    EnvCard(
        id="rlbench/PortfolioAllocationESG-v0",
        family=FAMILY,
        entry_point=f"{__name__}:PortfolioAllocationEnv",
        multi_agent=False,
        objectives=("reward",),
        observation_kind="vector",
        anchor=f"{ESG_PAPER}; {PGPORTFOLIO}",
        agents=_AGENTS,
        expert_agent="regime_kelly",
        mdp_family=MDPFamily(
            portfolio_esg_family,
            "the PortfolioAllocation family plus ESG scores and grant and tax rates",
        ),
        kwargs={"esg": True, "esg_features": True},
        return_bounds=return_bounds(esg=True, esg_features=True),
        summary="PortfolioAllocation with ESG grants and taxes and the scores observed",
    ),
]
