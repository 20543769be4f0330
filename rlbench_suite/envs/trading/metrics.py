"""Financial metrics of an episode: the one place the trading family computes them.

Envs put :func:`financial_metrics` of their account-value path in ``info`` at episode end and
the scoring reads the same function. The formulas are empyrical's (the de-facto standard of
quantopian/pyfolio, maintained as ``empyrical-reloaded``) written in NumPy, so the runtime needs
no extra package; the test suite checks them against empyrical on random paths. Where empyrical
returns ``inf`` (a ratio over zero risk), these return ``nan``: every value is finite or ``nan``,
and nothing raises on a flat path.

    >>> import numpy as np
    >>> metrics = financial_metrics(np.array([100.0, 110.0, 99.0, 121.0]), periods_per_year=252)
    >>> round(metrics["total_return"], 4), round(metrics["max_drawdown"], 4)
    (0.21, -0.1)
    >>> financial_metrics(np.full(5, 100.0), periods_per_year=252)["sharpe"]
    nan
    >>> turnover([0.5, 0.5, 0.0], [0.0, 0.5, 0.5])
    1.0
"""

from __future__ import annotations

import math

import numpy as np
from numpy.typing import ArrayLike

#: The keys of :func:`financial_metrics`, in the order it returns them.
METRIC_KEYS = (
    "total_return",
    "annual_return",
    "annual_volatility",
    "sharpe",
    "sortino",
    "max_drawdown",
    "calmar",
    "final_value",
    "pnl",
)

NAN = float("nan")


def financial_metrics(
    values: ArrayLike, periods_per_year: float, risk_free_rate: float = 0.0
) -> dict[str, float]:
    """Return, risk and drawdown of an account-value path, with empyrical's formulas.

    With ``r`` the ``T`` simple returns ``values[t] / values[t-1] - 1`` and ``P`` =
    ``periods_per_year``:

    ============================  ==========================================================
    key                           definition (empyrical function)
    ============================  ==========================================================
    ``total_return``              ``values[-1] / values[0] - 1`` (``cum_returns_final``)
    ``annual_return``             CAGR, ``(1 + total_return) ** (P / T) - 1``
                                  (``annual_return``)
    ``annual_volatility``         ``std(r, ddof=1) * sqrt(P)`` (``annual_volatility``)
    ``sharpe``                    ``mean(r - rf) / std(r - rf, ddof=1) * sqrt(P)``
                                  (``sharpe_ratio``)
    ``sortino``                   ``mean(r - rf) * P / (sqrt(mean(min(r - rf, 0)^2)) *
                                  sqrt(P))`` (``sortino_ratio``, required return ``rf``)
    ``max_drawdown``              ``min(values / running_max(values) - 1)``, a fraction
                                  <= 0, the start counting as a peak (``max_drawdown``)
    ``calmar``                    ``annual_return / -max_drawdown`` (``calmar_ratio``)
    ``final_value``               ``values[-1]``
    ``pnl``                       ``values[-1] - values[0]``
    ============================  ==========================================================

    ``rf`` is ``risk_free_rate`` (annual) compounded down to one period,
    ``(1 + risk_free_rate) ** (1 / P) - 1``; empyrical takes that per-period figure directly.

    Edge cases (``nan`` means "not defined", never an error):

    - no values: every key ``nan``; one value: ``final_value`` and ``pnl`` (0) only;
    - one return: ``annual_volatility``, ``sharpe`` and ``sortino`` are ``nan`` (a sample
      standard deviation needs two), as in empyrical;
    - zero volatility (a flat or constant-return path): ``sharpe`` is ``nan``; empyrical gives
      ``nan`` for a flat path but ``+-inf`` for a constant non-zero return;
    - no return below ``rf``: ``sortino`` is ``nan`` (empyrical: ``inf``);
    - no drawdown: ``max_drawdown`` is 0 and ``calmar`` is ``nan``, as in empyrical.

    Args:
        values: ``(T+1,)`` account value (wealth) at the start and after each period, finite and
            positive (a return is a ratio of values: for a P&L path starting at 0, pass the
            capital plus the P&L).
        periods_per_year: periods in a year, > 0 (252 for daily bars, 252 * 390 for minutes).
        risk_free_rate: annual risk-free rate, > -1; default 0.

    Raises:
        ValueError: if ``values`` is not 1-D or holds a non-finite or non-positive value, or
            ``periods_per_year`` or ``risk_free_rate`` is out of range; the message names the
            first offending index and its value.

    """
    path = np.asarray(values, dtype=np.float64)
    if path.ndim != 1:
        raise ValueError(
            f"financial_metrics: values must be a 1-D path of account values, got shape "
            f"{path.shape}"
        )
    bad = ~np.isfinite(path) | (path <= 0)
    if np.any(bad):
        index = int(np.argmax(bad))
        raise ValueError(
            f"financial_metrics: values must be finite and positive (returns are ratios of "
            f"values; for a P&L path pass capital + P&L), got "
            f"values[{index}] = {float(path[index])!r}"
        )
    if not math.isfinite(periods_per_year) or periods_per_year <= 0:
        raise ValueError(
            f"financial_metrics: periods_per_year must be a positive number, got "
            f"{periods_per_year!r}"
        )
    if not math.isfinite(risk_free_rate) or risk_free_rate <= -1:
        raise ValueError(
            f"financial_metrics: risk_free_rate must be an annual rate > -1, got {risk_free_rate!r}"
        )
    metrics = dict.fromkeys(METRIC_KEYS, NAN)
    if path.size == 0:
        return metrics
    metrics["final_value"] = float(path[-1])
    metrics["pnl"] = float(path[-1] - path[0])
    if path.size < 2:
        return metrics

    returns = path[1:] / path[:-1] - 1.0
    num_periods = returns.size
    total_return = path[-1] / path[0] - 1.0
    metrics["total_return"] = float(total_return)
    metrics["annual_return"] = float((1.0 + total_return) ** (periods_per_year / num_periods) - 1.0)
    peaks = np.maximum.accumulate(path)
    max_drawdown = float(np.min(path / peaks - 1.0))
    metrics["max_drawdown"] = max_drawdown
    if max_drawdown < 0:
        metrics["calmar"] = _finite_or_nan(metrics["annual_return"] / -max_drawdown)
    if num_periods < 2:
        return metrics

    excess = returns - ((1.0 + risk_free_rate) ** (1.0 / periods_per_year) - 1.0)
    metrics["annual_volatility"] = float(np.std(returns, ddof=1) * math.sqrt(periods_per_year))
    excess_std = float(np.std(excess, ddof=1))
    # Rounding leaves a constant-return path with a spread of a few ulps; below this it is risk 0.
    tolerance = 1e-12 * max(1.0, float(np.max(np.abs(excess))))
    if excess_std > tolerance:
        metrics["sharpe"] = float(np.mean(excess) / excess_std * math.sqrt(periods_per_year))
    downside = float(np.sqrt(np.mean(np.square(np.minimum(excess, 0.0)))))
    if downside > 0:
        metrics["sortino"] = _finite_or_nan(
            np.mean(excess) * periods_per_year / (downside * math.sqrt(periods_per_year))
        )
    return metrics


def turnover(previous_weights: ArrayLike, new_weights: ArrayLike) -> float:
    """The fraction of the account traded to move from one allocation to another.

    The convention is ``sum |new - previous|`` (buys plus sells, PGPortfolio's and FinRL's), so
    a proportional cost ``c`` on every trade costs ``c * turnover`` of the account: a full
    switch from one asset to another is 2.0; half of the account moved is 1.0. Include the cash
    weight only if moving cash costs something.

    Raises:
        ValueError: if the two are not 1-D of one length or hold a non-finite weight.

    """
    previous = np.asarray(previous_weights, dtype=np.float64)
    new = np.asarray(new_weights, dtype=np.float64)
    if previous.ndim != 1 or previous.shape != new.shape:
        raise ValueError(
            f"turnover: weights must be two 1-D arrays of one length, got shapes "
            f"{previous.shape} and {new.shape}"
        )
    if not (np.all(np.isfinite(previous)) and np.all(np.isfinite(new))):
        raise ValueError(f"turnover: weights must be finite, got {previous} and {new}")
    return float(np.sum(np.abs(new - previous)))


def inventory_statistics(inventory_path: ArrayLike) -> dict[str, float]:
    """``mean``, ``std`` (population, ddof 0), ``max_abs`` and ``final`` of an inventory path.

    A market maker's inventory risk: ``max_abs`` is the largest position held either way and
    ``final`` what is left at the end. An empty path gives ``nan`` for every key.

    Raises:
        ValueError: if the path is not 1-D or holds a non-finite value.

    """
    path = np.asarray(inventory_path, dtype=np.float64)
    if path.ndim != 1 or not np.all(np.isfinite(path)):
        raise ValueError(
            f"inventory_statistics: the inventory path must be 1-D and finite, got shape "
            f"{path.shape}"
        )
    if path.size == 0:
        return {"mean": NAN, "std": NAN, "max_abs": NAN, "final": NAN}
    return {
        "mean": float(np.mean(path)),
        "std": float(np.std(path)),
        "max_abs": float(np.max(np.abs(path))),
        "final": float(path[-1]),
    }


def _finite_or_nan(value: float) -> float:
    return float(value) if math.isfinite(value) else NAN


__all__ = ["METRIC_KEYS", "financial_metrics", "inventory_statistics", "turnover"]
