"""Reference agents of PortfolioAllocation: buy-and-hold, equal weights, and the regime expert.

- :class:`BuyAndHoldAgent` (``"buy_and_hold"``): equal weights over the risky assets on the
  first step, then never trades again (the weights drift with prices).
- :class:`EqualWeightAgent` (``"equal_weight"``): equal weights over the risky assets, restored
  every step (the 1/N rule, paying to rebalance).
- :class:`RegimeKellyAgent` (``"regime_kelly"``, the expert): a model-based allocator, like the
  bandits' Whittle policy that knows the transition table. It reads the generator's regimes
  and switch probability and the regime of the last bar it has seen (``current_regime``, never
  a bar ahead) from ``env.unwrapped``, forms the next bar's return distribution from them, and
  holds the growth-optimal (Kelly) long-only portfolio for it, with a no-trade band so that
  costs do not eat the small corrections.

Agents read the current weights from the observation, and the model from the public attributes
of ``env.unwrapped``: ``num_assets``, ``cash``, ``window``, ``regimes``, ``switch_probability``,
``steps_per_year``, ``current_regime``, ``data_market`` and, in the ESG mode, ``esg``,
``esg_scores``, ``esg_mean``, ``esg_grant_rate`` and ``esg_tax_rate``.
"""

from __future__ import annotations

from typing import Any

import gymnasium as gym
import numpy as np
from scipy.optimize import LinearConstraint, minimize
from scipy.stats import norm

from rlbench_suite.envs.trading.metrics import turnover

#: Trade only when reaching the target moves more than this fraction of the account (sum of
#: |change| over the assets): a full switch between assets is 2.0 and costs about 2c = 0.5 %,
#: small corrections of a few percent would cost more than the growth they buy.
NO_TRADE_BAND = 0.2


def _portfolio_model(env: gym.Env) -> Any:
    model = env.unwrapped
    for needed in ("num_assets", "cash", "window", "regimes", "current_regime"):
        if not hasattr(model, needed):
            raise TypeError(
                f"{type(model).__name__} has no {needed}: not a PortfolioAllocation env"
            )
    return model


def _observed_weights(model: Any, observation: np.ndarray) -> np.ndarray:
    """The current weights in the observation, with a cash entry first (0 without cash)."""
    start = model.window * model.num_assets
    visible = np.asarray(observation[start : start + model.num_assets + int(model.cash)])
    return visible.astype(np.float64) if model.cash else np.concatenate([[0.0], visible])


def _as_action(model: Any, weights: np.ndarray) -> np.ndarray:
    """Full weights (cash first) as the env's action: drop the cash entry without cash."""
    return (weights if model.cash else weights[1:]).astype(np.float32)


class BuyAndHoldAgent:
    """Equal weights over the risky assets at the start, then no trade at all."""

    def __init__(self, env: gym.Env) -> None:
        self.model = _portfolio_model(env)

    def reset(self, seed: int | None = None) -> None:
        """Nothing to reset: the policy reads where the episode stands from the observation."""

    def act(self, observation: np.ndarray) -> np.ndarray:
        """Buy in while the account is all cash; afterwards all-zero scores (no trade)."""
        model = self.model
        weights = _observed_weights(model, observation)
        if weights[0] >= 1.0:
            target = np.concatenate([[0.0], np.full(model.num_assets, 1.0 / model.num_assets)])
            return _as_action(model, target)
        return np.zeros(model.num_assets + int(model.cash), dtype=np.float32)


class EqualWeightAgent:
    """Equal weights over the risky assets, rebalanced every step (no cash)."""

    def __init__(self, env: gym.Env) -> None:
        self.model = _portfolio_model(env)

    def reset(self, seed: int | None = None) -> None:
        """Nothing to reset: the policy is constant."""

    def act(self, observation: np.ndarray) -> np.ndarray:
        """One score per asset, none for cash."""
        model = self.model
        target = np.concatenate([[0.0], np.ones(model.num_assets)])
        return _as_action(model, target)


class RegimeKellyAgent:
    """Growth-optimal weights for the regime the last bar came from, traded past a band.

    For each regime ``k`` the next bar's regime is ``k`` with probability ``1 - p`` and each
    other one with ``p / (K - 1)`` (the generator's switching). With per-bar drifts ``m_j`` and
    covariances ``S_j`` and that belief ``pi``, the expected log growth of weights ``w`` is, to
    second order, ``w . m - w' M w / 2`` with ``m = sum pi_j m_j`` and the second moment
    ``M = sum pi_j (S_j + m_j m_j')``; cash adds nothing and risks nothing. In the ESG mode the
    expected grant (``grant_rate * e_i * E[max(r_i, 0)]`` per unit held in an above-mean asset,
    ``r_i`` normal per regime) and the tax (``tax_rate * max(e_bar - e_p, 0)``) join the
    objective. The long-only maximum is solved once per regime (SLSQP; the tax's kink by one
    solve on each side of it), so acting is a lookup.

    Raises:
        ValueError: for an env on the user's data (``data=``): such a market has no regimes.

    """

    def __init__(self, env: gym.Env, no_trade_band: float = NO_TRADE_BAND) -> None:
        model = _portfolio_model(env)
        if model.data_market is not None:
            raise ValueError(
                f"regime_kelly needs the synthetic market's regimes; "
                f"{type(model).__name__} runs on data ({model.data_market.source}), which has "
                "none: use equal_weight or buy_and_hold there"
            )
        self.model = model
        self.no_trade_band = float(no_trade_band)
        self.targets = np.stack(
            [self._growth_optimal(regime) for regime in range(len(model.regimes))]
        )  # (K, D + 1), cash first

    def reset(self, seed: int | None = None) -> None:
        """Nothing to reset: the targets depend on the model only."""

    def act(self, observation: np.ndarray) -> np.ndarray:
        """The current regime's target, or no trade while within the band of it."""
        model = self.model
        target = self.targets[model.current_regime]
        current = _observed_weights(model, observation)
        if turnover(current[1:], target[1:]) <= self.no_trade_band:
            return np.zeros(model.num_assets + int(model.cash), dtype=np.float32)
        return _as_action(model, target)

    def _belief(self, regime: int) -> np.ndarray:
        """The next bar's regime distribution given the last bar's ``regime``."""
        count = len(self.model.regimes)
        if count == 1:
            return np.ones(1)
        belief = np.full(count, self.model.switch_probability / (count - 1))
        belief[regime] = 1.0 - self.model.switch_probability
        return belief

    def _growth_optimal(self, regime: int) -> np.ndarray:
        model = self.model
        num_assets = model.num_assets
        dt = 1.0 / model.steps_per_year
        belief = self._belief(regime)
        mean = np.zeros(num_assets + 1)  # cash first: no drift, no risk
        second_moment = np.zeros((num_assets + 1, num_assets + 1))
        expected_gain = np.zeros(num_assets + 1)  # E[max(r_i, 0)] per bar
        for weight, candidate in zip(belief, model.regimes, strict=True):
            drift, volatility, correlation = candidate.parameters(num_assets)
            bar_mean = drift * dt
            bar_std = volatility * np.sqrt(dt)
            covariance = correlation * np.outer(bar_std, bar_std)
            mean[1:] += weight * bar_mean
            second_moment[1:, 1:] += weight * (covariance + np.outer(bar_mean, bar_mean))
            safe_std = np.where(bar_std > 0, bar_std, 1.0)
            ratio = bar_mean / safe_std
            gain = np.where(
                bar_std > 0,
                bar_mean * norm.cdf(ratio) + bar_std * norm.pdf(ratio),
                np.maximum(bar_mean, 0.0),
            )
            expected_gain[1:] += weight * gain

        linear = mean.copy()
        scores = np.zeros(num_assets + 1)
        tax_rate = 0.0
        if getattr(model, "esg", False):
            scores[0] = model.esg_mean
            scores[1:] = model.esg_scores
            above_mean = np.concatenate([[False], model.esg_scores > model.esg_mean])
            linear += np.where(above_mean, model.esg_grant_rate * scores * expected_gain, 0.0)
            tax_rate = model.esg_tax_rate

        upper = np.ones(num_assets + 1)
        if not model.cash:
            upper[0] = 0.0
        start = upper / upper.sum()
        budget = LinearConstraint(np.ones((1, num_assets + 1)), 1.0, 1.0)

        def solve(tax: float, score_bounds: tuple[float, float]) -> tuple[float, np.ndarray]:
            """Maximise on one side of the tax's kink: the tax is linear there."""
            gradient_linear = linear + tax * scores

            def negative_growth(w: np.ndarray) -> tuple[float, np.ndarray]:
                curvature = second_moment @ w
                value = gradient_linear @ w - 0.5 * w @ curvature - tax * model.esg_mean
                return -value, -(gradient_linear - curvature)

            constraints = [budget]
            if tax_rate > 0:
                constraints.append(LinearConstraint(scores[None, :], *score_bounds))
            result = minimize(
                negative_growth,
                start,
                jac=True,
                method="SLSQP",
                bounds=list(zip(np.zeros(num_assets + 1), upper, strict=True)),
                constraints=constraints,
                options={"ftol": 1e-14, "maxiter": 500},
            )
            weights = np.clip(result.x, 0.0, upper)
            return -float(result.fun), weights / weights.sum()

        if tax_rate == 0:
            return solve(0.0, (-np.inf, np.inf))[1]
        # Below the mean score the tax is tax_rate * (e_bar - e . w); above it, nothing. A side
        # with no feasible portfolio (every asset above the mean, say) fails and is skipped.
        candidates = []
        for tax, bounds in ((0.0, (model.esg_mean, np.inf)), (tax_rate, (-np.inf, model.esg_mean))):
            value, weights = solve(tax, bounds)
            if scores @ weights >= bounds[0] - 1e-9 and scores @ weights <= bounds[1] + 1e-9:
                candidates.append((value, weights))
        return max(candidates, key=lambda pair: pair[0])[1]


FACTORIES: dict[str, Any] = {
    "buy_and_hold": BuyAndHoldAgent,
    "equal_weight": EqualWeightAgent,
    "regime_kelly": RegimeKellyAgent,
}
