"""MOPortfolio: PortfolioAllocation's market with log return, ESG and risk as three objectives.

## Description

The market and trading rules of ``rlbench/PortfolioAllocation-v0``
(:class:`~rlbench_suite.envs.trading.portfolio.PortfolioAllocationEnv`: PGPortfolio's
portfolio MDP with its exact transaction remainder factor, on correlated geometric Brownian
motion under Markov regime switching, one regime per leading asset) with the ESG scores of
``rlbench/PortfolioAllocationESG-v0`` observed. Where the ESG id turns the scores into money
(grants and taxes folded into the log return), this twin keeps them apart: the portfolio's ESG
score is an objective of its own, and so is the risk taken for the return. The ESG mode's grant
and tax rates are 0 here, so the first objective is the plain log growth of wealth.

Each asset ``i`` has an ESG score ``e_i`` in [0, 1] (uniform draws seeded by ``esg_seed``, or
``esg_scores``) with mean ``e_bar``; a portfolio ``w`` (cash first) scores ``e_p = w_0 e_bar +
sum_i w_i e_i``: cash counts as the mean score, as in the ESG id.

## Action Space

``Box(0, 1, (n,), float32)``, ``n = num_assets + 1`` with cash (index 0) and ``num_assets``
without: scores mapped onto the simplex by ``w = a / sum(a)``; all zeros keep the drifted
portfolio (no trade), as PortfolioAllocation-v0.

## Observation Space

``Box(float32)`` of ``window * D + n + D`` entries (``D = num_assets``), as
PortfolioAllocationESG-v0's:

| index | observation | range |
|-------|-------------|-------|
| ``t * D + i``, ``t < window`` | log return of asset ``i`` at bar ``t``, oldest first | [-3, 3] |
| ``window * D + j``, ``j < n`` | current weight ``j`` (cash first, with cash) | [0, 1] |
| ``window * D + n + i`` | ESG score of asset ``i`` | [0, 1] |

## Rewards

A float32 vector of three objectives, all maximised, for the step's target portfolio ``w`` and
its log growth ``r_t = ln(W_{t+1} / W_t)`` (net of PGPortfolio's costs):

| index | objective | per step | bounds |
|-------|-----------|----------|--------|
| 0 | ``log_return`` | ``r_t``, PortfolioAllocation-v0's reward | unbounded |
| 1 | ``esg`` | ``(e_p(w) - e_bar) / P`` | [min e - e_bar, max e - e_bar] / P |
| 2 | ``neg_risk`` | ``-((t - 1) / t) (r_t - m_{t-1})^2`` | [-inf, 0] |

``P`` is ``periods_per_year`` (``steps_per_year`` unless given) and ``m_{t-1}`` the mean of
``r_1 .. r_{t-1}`` (0 before the first step).

Over an episode of ``T`` steps the returns are: the log growth ``ln(W_T / W_0)``; the ESG
score above the market's mean held per year (``sum_t (e_p - e_bar) / periods_per_year``, on
the default one-year episode the time-averaged excess score, in [-0.34, 0.46] for the default
scores); and minus the sum of squared deviations of the step log returns from their episode
mean, ``-sum_t (r_t - rbar)^2``. The risk term of each step is Welford's update of that sum, so
it is paid as the episode goes, uses no future return, and adds up exactly; on the default
one-year episode it is the realised variance of the year's log return, in the units of the log
growth's own variance penalty (``mu - sigma^2 / 2``). The ESG reward is divided by
``periods_per_year`` so that its return is on the log return's scale: a year of the default
market gives log returns of order 0.1 to 0.5 and excess ESG scores of -0.34 to 0.46. Variances
are an order of magnitude smaller (0 in cash, about 0.03 for equal weights, 0.06 for one asset),
as they are in the growth rate itself; a preference that cares about risk weighs it
accordingly. The step's ``info`` adds ``portfolio_esg`` (``e_p``).

## Starting State

Wealth 1, all of it in cash (with cash; equal weights without), the ``window`` bars before the
first decision observed, as PortfolioAllocation-v0.

## Episode End

Truncation after ``horizon`` steps (default 252); termination when wealth falls to
``ruin_fraction`` of the start. The last ``info`` holds the wealth path's financial metrics.

## Arguments

```python
gym.make("rlbench/MOPortfolio-v0", num_assets=None, cash=True, window=30, horizon=252,
         commission=0.0025, leader_drift=0.5, laggard_drift=0.0, volatility=0.25,
         correlation=0.3, switch_probability=0.02, regimes=None, steps_per_year=252,
         data=None, split="train", train_fraction=0.8, periods_per_year=None,
         ruin_fraction=0.01, esg_scores=None, esg_seed=0, render_mode=None)
```

PortfolioAllocation-v0's arguments, and the ESG id's ``esg_scores`` and ``esg_seed``; the ESG
mode is always on and its grant and tax rates are 0 (ESG is an objective, not money here).

## Reference Scores

Mean return vectors over 30 episodes (seeds 0-29) on the default instance, with 95 % Student-t
half-widths (``python benchmarks/moma_twins.py --env rlbench/MOPortfolio-v0``):

| agent | log_return | esg | neg_risk |
|-------|------------|-----|----------|
| random | -0.236 +- 0.055 | 0.001 +- 0.002 | -0.0214 +- 0.0008 |
| ``mo_portfolio_growth`` | 0.477 +- 0.097 | -0.005 +- 0.069 | -0.0620 +- 0.0020 |
| ``mo_portfolio_balanced`` (expert) | 0.228 +- 0.096 | 0.406 +- 0.014 | -0.0610 +- 0.0023 |
| ``mo_portfolio_esg`` | 0.141 +- 0.11 | 0.458 +- 0 | -0.0629 +- 0.0024 |
| ``mo_portfolio_cautious`` | 0.354 +- 0.072 | -0.003 +- 0.051 | -0.0328 +- 0.0012 |
| ``mo_portfolio_esg_cautious`` | 0.171 +- 0.058 | 0.218 +- 0.015 | -0.0179 +- 0.0024 |
| ``mo_portfolio_min_risk`` | 0.100 +- 0.020 | -0.001 +- 0.014 | -0.0025 +- 0.0001 |

Every heuristic is on the non-dominated set of these means (random is not); the expert is the
best at equal weights (mean over objectives 0.191, ``mo_portfolio_esg`` 0.179). The front's
hypervolume from the reference point below is 1.083 (95 % stratified bootstrap [1.073, 1.095]),
its expected utility over equally spaced weights 0.237 [0.220, 0.259].

Reference point ``(ln(ruin_fraction), -0.5, -0.25)``: the log return's floor (-4.61, a stopped
out account); below the ESG return's floor (``(min e - e_bar)`` over a year, -0.339 for the
default scores); and a realised variance of 0.25 (a 50 %-volatility year), more than three
times the worst seen in 900 episodes of the riskiest agents (random, ``growth`` and ``esg``,
seeds 1000-1299: -0.078; one asset at the default 25 % volatility realises about 0.0625).

## Version History

- v0: first release.

## Credits

Z. Jiang, D. Xu, J. Liang, "A Deep Reinforcement Learning Framework for the Financial Portfolio
Management Problem", 2017 (PGPortfolio). E. C. Garrido-Merchan, S. Mora-Figueroa-Cruz-Guzman,
M. Coronado-Vaca, "Deep Reinforcement Learning for ESG financial portfolio management", 2023
(ESG scores in the portfolio's state and objective). B. P. Welford, "Note on a method for
calculating corrected sums of squares and products", Technometrics 1962 (the risk term). The
multi-objective protocol: MO-Gymnasium (Felten et al., NeurIPS 2023).

Example:
    >>> import gymnasium as gym, numpy as np, rlbench_suite
    >>> env = gym.make("rlbench/MOPortfolio-v0", num_assets=3, window=4, horizon=5)
    >>> obs, info = env.reset(seed=0)
    >>> obs.shape, env.unwrapped.reward_dim
    ((19,), 3)
    >>> obs, reward, terminated, truncated, info = env.step([0.0, 1.0, 0.0, 0.0])
    >>> scores = env.unwrapped.esg_scores
    >>> bool(np.isclose(reward[1], (scores[0] - scores.mean()) / 252))
    True
    >>> float(reward[2])  # the first step deviates from no earlier mean
    0.0

"""

from __future__ import annotations

import math
import os
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from rlbench_suite.envs.moma.common import FAMILY, MO_GYMNASIUM_CITATION
from rlbench_suite.envs.moma.protocol import MOEnvMixin
from rlbench_suite.envs.trading.common import PGPORTFOLIO
from rlbench_suite.envs.trading.portfolio import (
    CORRELATION,
    DEFAULT_COMMISSION,
    DEFAULT_HORIZON,
    DEFAULT_WINDOW,
    ESG_PAPER,
    LAGGARD_DRIFT,
    LEADER_DRIFT,
    RUIN_FRACTION,
    STEPS_PER_YEAR,
    SWITCH_PROBABILITY,
    VOLATILITY,
    PortfolioAllocationEnv,
    Split,
    portfolio_family,
)
from rlbench_suite.envs.trading.synthetic import MarketData, Regime
from rlbench_suite.registry import EnvCard, MDPFamily
from rlbench_suite.registry import Split as FamilySplit

OBJECTIVES = ("log_return", "esg", "neg_risk")


class MOPortfolioEnv(MOEnvMixin, PortfolioAllocationEnv):
    """PortfolioAllocation with (log return, ESG, -risk) rewards (see the module docstring)."""

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
        esg_scores: Sequence[float] | None = None,
        esg_seed: int = 0,
        render_mode: str | None = None,
    ) -> None:
        super().__init__(
            num_assets=num_assets,
            cash=cash,
            window=window,
            horizon=horizon,
            commission=commission,
            leader_drift=leader_drift,
            laggard_drift=laggard_drift,
            volatility=volatility,
            correlation=correlation,
            switch_probability=switch_probability,
            regimes=regimes,
            steps_per_year=steps_per_year,
            data=data,
            split=split,
            train_fraction=train_fraction,
            periods_per_year=periods_per_year,
            ruin_fraction=ruin_fraction,
            # The scores are observed and scored as an objective; no money changes hands.
            esg=True,
            esg_features=True,
            esg_scores=esg_scores,
            esg_seed=esg_seed,
            esg_grant_rate=0.0,
            esg_tax_rate=0.0,
            render_mode=render_mode,
        )
        self.esg_low = float(self.esg_scores.min())
        self.esg_high = float(self.esg_scores.max())
        self._set_reward_space(
            low=[-math.inf, (self.esg_low - self.esg_mean) / self.periods_per_year, -math.inf],
            high=[math.inf, (self.esg_high - self.esg_mean) / self.periods_per_year, 0.0],
        )
        self._mean_log_return = 0.0  # of the episode's steps so far (Welford's running mean)

    def step(self, action: np.ndarray) -> tuple[np.ndarray, np.ndarray, bool, bool, dict[str, Any]]:
        """PortfolioAllocation-v0's step; the reward is the vector (log return, ESG, -risk)."""
        if self._episode_over:  # nothing moves after the end (see PortfolioAllocationEnv.step)
            observation, _, terminated, truncated, info = super().step(action)
            return observation, self._reward_vector([0.0, 0.0, 0.0]), terminated, truncated, info
        observation, log_return, terminated, truncated, info = super().step(action)
        target = info["target_weights"]
        cash_weight = float(target[0]) if self.cash else 0.0
        assets = target[1:] if self.cash else target  # (D,)
        # A convex combination of the scores; the clip only guards float round-off at the ends.
        portfolio_esg = float(
            np.clip(
                cash_weight * self.esg_mean + assets @ self.esg_scores, self.esg_low, self.esg_high
            )
        )
        esg = (portfolio_esg - self.esg_mean) / self.periods_per_year
        count = self.steps  # this step is the count-th of the episode
        deviation = log_return - self._mean_log_return
        risk = (count - 1) / count * deviation * deviation
        self._mean_log_return += deviation / count
        info["portfolio_esg"] = portfolio_esg
        # 0.0 - risk rather than -risk: a riskless step scores 0, not -0.
        reward = self._reward_vector([log_return, esg, 0.0 - risk])
        return observation, reward, terminated, truncated, info

    def reset(
        self, *, seed: int | None = None, options: dict[str, Any] | None = None
    ) -> tuple[np.ndarray, dict[str, Any]]:
        """Draw the episode's market, start in cash at wealth 1, forget the running mean."""
        self._mean_log_return = 0.0
        return super().reset(seed=seed, options=options)

    def render(self) -> str | None:
        """``ansi``: the step, wealth and current weights on one line."""
        return super().render()

    def close(self) -> None:
        """Nothing to release; marks the env closed."""
        super().close()


# -- registration ---------------------------------------------------------------------------


def mo_portfolio_family(rng: np.random.Generator, split: FamilySplit) -> dict[str, Any]:
    """PortfolioAllocation's market family plus fresh ESG scores (see ``portfolio_family``).

    In distribution: leader drift U(0.3, 0.6), laggard drift U(-0.1, 0.1), volatility
    U(0.15, 0.3), correlation U(0.1, 0.5), switch probability U(0.01, 0.03), commission
    U(0.001, 0.004); held out, each beyond its range. Both draw a new ``esg_seed``.
    """
    kwargs = portfolio_family(rng, split)
    kwargs["esg_seed"] = int(rng.integers(1, 2**31))
    return kwargs


def return_bounds(**env_kwargs: Any) -> tuple[float, float]:
    """Smallest and largest episode return, on any objective, of ``MOPortfolioEnv(**env_kwargs)``.

    Per objective: the log return lies in ``[ln(ruin_fraction), inf)`` (stopped out at the
    floor; geometric Brownian prices have no ceiling); the ESG return in ``horizon x`` the ESG
    reward's bounds; ``-risk`` in ``(-inf, 0]``, since a step's log return, and with it its
    squared deviation, has no ceiling. Together: (-inf, inf).
    """
    return (-math.inf, math.inf)


_AGENTS = (
    "random",
    "mo_portfolio_growth",
    "mo_portfolio_balanced",
    "mo_portfolio_esg",
    "mo_portfolio_cautious",
    "mo_portfolio_esg_cautious",
    "mo_portfolio_min_risk",
)

CARDS: list[EnvCard] = [
    EnvCard(
        id="rlbench/MOPortfolio-v0",
        family=FAMILY,
        entry_point=f"{__name__}:MOPortfolioEnv",
        multi_agent=False,
        objectives=OBJECTIVES,
        observation_kind="vector",
        anchor=f"{PGPORTFOLIO}; {ESG_PAPER}; {MO_GYMNASIUM_CITATION}",
        agents=_AGENTS,
        expert_agent="mo_portfolio_balanced",
        mdp_family=MDPFamily(
            mo_portfolio_family,
            "PortfolioAllocation's drifts, volatility, correlation, switching and commission, "
            "and new ESG scores; held out beyond the in-distribution ranges",
        ),
        return_bounds=return_bounds(),
        # The log return's floor, below the ESG floor (-0.339), a variance of 0.25 (see the
        # module docstring's Reference Scores for the measured worst episodes).
        reference_point=(math.log(RUIN_FRACTION), -0.5, -0.25),
        summary="5 assets and cash under regime switches; log return, ESG score and -variance.",
    ),
]
