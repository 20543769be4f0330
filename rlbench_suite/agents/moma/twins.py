"""Reference agents of the single-agent multi-objective twins: each at several preferences.

A multi-objective env has no single best policy; its reference agents are heuristics at
several settings, whose mean return vectors trace an approximate Pareto front. Each env has a
class whose setting is a constructor argument, and one named factory per setting.

MOMarketMaking (``mo_mm_*``): the single-objective id's market makers at several risk settings
(:mod:`rlbench_suite.agents.trading.market_making`). ``mo_mm_cj_phi<phi>`` is the
Cartea-Jaimungal policy for running penalty ``phi``: the exact optimum of the linear utility
``PnL - phi int q^2 dt``, so these points lie on the front. ``mo_mm_as_gamma<gamma>`` is
Avellaneda-Stoikov at risk aversion ``gamma``. In names, ``p`` is the decimal point.

MORMAB (``mo_rmab_*``): :class:`GroupQuotaWhittleAgent`, the Whittle index policy with a share
of the budget reserved for the group that has done worst so far in the episode.
``mo_rmab_whittle`` reserves nothing (the total-reward policy), ``mo_rmab_fair<share>``
reserves ``share`` percent of the budget.

MOPortfolio (``mo_portfolio_*``): :class:`PreferenceAllocatorAgent`, PortfolioAllocation's
regime expert generalised to a preference over (log return, ESG, -risk): for the regime the
last bar came from, the long-only portfolio that maximises the preference-weighted expected
step reward vector, traded past a no-trade band. Preferences are in the objectives' own units,
so risk, whose returns are an order of magnitude smaller, takes larger weights:
``growth`` (1, 0, 0; PortfolioAllocation's ``regime_kelly`` without its ESG terms),
``balanced`` (1, 1, 1), ``esg`` (0, 1, 0), ``cautious`` (1, 0, 5), ``esg_cautious``
(1, 1, 10) and ``min_risk`` (1, 0, 20).
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from typing import Any

import gymnasium as gym
import numpy as np
from scipy.optimize import LinearConstraint, minimize

from rlbench_suite.agents.trading.market_making import (
    AvellanedaStoikovAgent,
    CarteaJaimungalAgent,
)
from rlbench_suite.agents.trading.portfolio import NO_TRADE_BAND
from rlbench_suite.agents.whittle import two_state_whittle_indices, whittle_indices
from rlbench_suite.envs.trading.metrics import turnover

# -- MORMAB -------------------------------------------------------------------------------------


class GroupQuotaWhittleAgent:
    """Whittle indices, with ``round(fairness_share * budget)`` calls kept for the worst group.

    Each step the agent adds every group's mean state reward in the observation to a running
    total (the episode so far, as the agent has seen it); the group with the lowest total gets
    the quota, spent on its arms of highest Whittle index; the rest of the budget goes to the
    highest indices overall. Arms of index <= 0 are never acted on (as the Whittle agent of the
    bandit family does), and ties are broken at random. ``fairness_share = 0`` is the plain
    Whittle index policy. It reads ``arm_groups``, ``num_groups``, ``state_rewards`` and
    ``arm_model()`` from ``env.unwrapped``.
    """

    def __init__(self, env: gym.Env, fairness_share: float) -> None:
        model = env.unwrapped
        for needed in ("arm_groups", "num_groups", "arm_model", "state_rewards"):
            if not hasattr(model, needed):
                raise TypeError(f"{type(model).__name__} has no {needed}: not a grouped RMAB env")
        if not 0.0 <= fairness_share <= 1.0:
            raise ValueError(f"fairness_share must be in [0, 1], got {fairness_share!r}")
        self.model = model
        arms = model.arm_model()
        self.budget = int(arms["budget"])
        self.quota = round(fairness_share * self.budget)
        transitions = arms["transitions"]
        index_function = two_state_whittle_indices if transitions.shape[1] == 2 else whittle_indices
        self.indices = index_function(transitions, arms["state_rewards"], arms["discount"])
        self.num_arms = self.indices.shape[0]  # indices: (num_arms, num_states)
        self.group_sizes = np.bincount(model.arm_groups, minlength=model.num_groups)
        self.reset(None)

    def reset(self, seed: int | None = None) -> None:
        """Forget the episode's group totals; reseed the tie-breaker."""
        self.rng = np.random.default_rng(seed)
        self.group_totals = np.zeros(self.model.num_groups)

    def act(self, observation: np.ndarray) -> np.ndarray:
        """The quota for the worst group so far, then the top indices of everyone else."""
        states = np.asarray(observation, dtype=np.int64)
        arm_rewards = self.model.state_rewards[np.arange(self.num_arms), states]
        self.group_totals += (
            np.bincount(self.model.arm_groups, weights=arm_rewards, minlength=len(self.group_sizes))
            / self.group_sizes
        )
        lowest = np.flatnonzero(self.group_totals == self.group_totals.min())
        worst = int(self.rng.choice(lowest))
        current = self.indices[np.arange(self.num_arms), states]
        # lexsort's last key is primary: index descending, then a random key to break ties.
        order = np.lexsort((self.rng.random(self.num_arms), -current))
        worth_acting = current[order] > 0
        in_worst = self.model.arm_groups[order] == worst
        reserved = order[worth_acting & in_worst][: self.quota]
        action = np.zeros(self.num_arms, dtype=np.int8)
        action[reserved] = 1
        others = order[worth_acting & (action[order] == 0)]
        action[others[: self.budget - len(reserved)]] = 1
        return action


# -- MOPortfolio --------------------------------------------------------------------------------


class PreferenceAllocatorAgent:
    """The long-only portfolio of best preference-weighted expected step reward, per regime.

    ``preference`` = (return, ESG, risk) weights. For the belief ``pi`` over the next bar's
    regime (the generator's switching, as PortfolioAllocation's ``regime_kelly``), with per-bar
    drifts ``m_j`` and covariances ``S_j``: the expected log growth ``w . m - w' M w / 2`` (``m
    = sum pi_j m_j``, ``M = sum pi_j (S_j + m_j m_j')``), the ESG reward ``(e_p(w) - e_bar) /
    periods_per_year`` and the risk ``w' C w``, ``C = M - m m'`` the variance of the bar's
    return. The maximum over the simplex (cash included when the env has cash) is solved once
    per regime by SLSQP, so acting is a lookup; the agent trades to it when that moves more
    than ``no_trade_band`` of the invested part of the account (the larger of the current
    and the target one), as PortfolioAllocation's ``regime_kelly`` does with its band. It reads
    ``num_assets``, ``cash``, ``window``, ``regimes``, ``switch_probability``,
    ``steps_per_year``, ``periods_per_year``, ``esg_scores``, ``esg_mean`` and
    ``current_regime`` from ``env.unwrapped``.
    """

    def __init__(
        self,
        env: gym.Env,
        preference: Sequence[float],
        no_trade_band: float = NO_TRADE_BAND,
    ) -> None:
        model = env.unwrapped
        for needed in ("regimes", "current_regime", "esg_scores", "periods_per_year"):
            if not hasattr(model, needed):
                raise TypeError(f"{type(model).__name__} has no {needed}: not an MOPortfolio env")
        weights = np.asarray(preference, dtype=np.float64)
        if weights.shape != (3,) or np.any(weights < 0) or not np.all(np.isfinite(weights)):
            raise ValueError(
                "preference must be three non-negative finite weights (return, ESG, risk), got "
                f"{preference!r}"
            )
        if getattr(model, "data_market", None) is not None:
            raise ValueError(
                f"the preference allocator needs the synthetic market's regimes; "
                f"{type(model).__name__} runs on data ({model.data_market.source}), which has none"
            )
        self.model = model
        self.preference = weights
        self.no_trade_band = float(no_trade_band)
        self.targets = np.stack(
            [self._best_portfolio(regime) for regime in range(len(model.regimes))]
        )  # (K, D + 1), cash first

    def reset(self, seed: int | None = None) -> None:
        """Nothing to reset: the targets depend on the model only."""

    def act(self, observation: np.ndarray) -> np.ndarray:
        """The current regime's target, or no trade (all-zero scores) while within the band."""
        model = self.model
        target = self.targets[model.current_regime]
        start = model.window * model.num_assets
        visible = np.asarray(observation[start : start + model.num_assets + int(model.cash)])
        current = visible if model.cash else np.concatenate([[0.0], visible])
        # The band is a share of what is invested: a cautious target (80 % cash, say) would
        # otherwise sit inside a band sized for a fully invested account and never be bought.
        invested = max(1.0 - float(current[0]), 1.0 - float(target[0]))
        if turnover(current[1:], target[1:]) <= self.no_trade_band * invested:
            return np.zeros(model.num_assets + int(model.cash), dtype=np.float32)
        return (target if model.cash else target[1:]).astype(np.float32)

    def _best_portfolio(self, regime: int) -> np.ndarray:
        model = self.model
        num_assets = model.num_assets
        count = len(model.regimes)
        belief = np.full(count, model.switch_probability / max(count - 1, 1))
        belief[regime] = 1.0 if count == 1 else 1.0 - model.switch_probability
        dt = 1.0 / model.steps_per_year
        mean = np.zeros(num_assets + 1)  # cash first: no drift, no risk
        second_moment = np.zeros((num_assets + 1, num_assets + 1))
        for weight, candidate in zip(belief, model.regimes, strict=True):
            drift, volatility, correlation = candidate.parameters(num_assets)
            bar_mean = drift * dt
            bar_std = volatility * np.sqrt(dt)
            covariance = correlation * np.outer(bar_std, bar_std)
            mean[1:] += weight * bar_mean
            second_moment[1:, 1:] += weight * (covariance + np.outer(bar_mean, bar_mean))
        variance = second_moment - np.outer(mean, mean)
        scores = np.concatenate([[model.esg_mean], model.esg_scores])
        esg_gain = (scores - model.esg_mean) / model.periods_per_year
        return_weight, esg_weight, risk_weight = self.preference
        linear = return_weight * mean + esg_weight * esg_gain
        quadratic = return_weight * second_moment + 2.0 * risk_weight * variance

        def negative_utility(w: np.ndarray) -> tuple[float, np.ndarray]:
            curvature = quadratic @ w
            return -(linear @ w - 0.5 * w @ curvature), -(linear - curvature)

        upper = np.ones(num_assets + 1)
        if not model.cash:
            upper[0] = 0.0
        result = minimize(
            negative_utility,
            upper / upper.sum(),
            jac=True,
            method="SLSQP",
            bounds=list(zip(np.zeros(num_assets + 1), upper, strict=True)),
            constraints=[LinearConstraint(np.ones((1, num_assets + 1)), 1.0, 1.0)],
            options={"ftol": 1e-15, "maxiter": 500},
        )
        weights = np.clip(result.x, 0.0, upper)
        return weights / weights.sum()


# -- the named factories ------------------------------------------------------------------------


def _factory(cls: Callable[..., Any], **setting: Any) -> Callable[[gym.Env], Any]:
    return functools.partial(cls, **setting)


FACTORIES: dict[str, Callable[[gym.Env], Any]] = {
    "mo_mm_cj_phi0p1": _factory(CarteaJaimungalAgent, running_penalty=0.1),
    "mo_mm_cj_phi1": _factory(CarteaJaimungalAgent, running_penalty=1.0),
    "mo_mm_cj_phi10": _factory(CarteaJaimungalAgent, running_penalty=10.0),
    "mo_mm_cj_phi100": _factory(CarteaJaimungalAgent, running_penalty=100.0),
    "mo_mm_as_gamma0p01": _factory(AvellanedaStoikovAgent, risk_aversion=0.01),
    "mo_mm_as_gamma0p1": _factory(AvellanedaStoikovAgent, risk_aversion=0.1),
    "mo_mm_as_gamma1": _factory(AvellanedaStoikovAgent, risk_aversion=1.0),
    "mo_portfolio_growth": _factory(PreferenceAllocatorAgent, preference=(1.0, 0.0, 0.0)),
    "mo_portfolio_balanced": _factory(PreferenceAllocatorAgent, preference=(1.0, 1.0, 1.0)),
    "mo_portfolio_esg": _factory(PreferenceAllocatorAgent, preference=(0.0, 1.0, 0.0)),
    "mo_portfolio_cautious": _factory(PreferenceAllocatorAgent, preference=(1.0, 0.0, 5.0)),
    "mo_portfolio_esg_cautious": _factory(PreferenceAllocatorAgent, preference=(1.0, 1.0, 10.0)),
    "mo_portfolio_min_risk": _factory(PreferenceAllocatorAgent, preference=(1.0, 0.0, 20.0)),
    "mo_rmab_whittle": _factory(GroupQuotaWhittleAgent, fairness_share=0.0),
    "mo_rmab_fair40": _factory(GroupQuotaWhittleAgent, fairness_share=0.4),
    "mo_rmab_fair60": _factory(GroupQuotaWhittleAgent, fairness_share=0.6),
    "mo_rmab_fair80": _factory(GroupQuotaWhittleAgent, fairness_share=0.8),
    "mo_rmab_fair100": _factory(GroupQuotaWhittleAgent, fairness_share=1.0),
}
