"""Financial metrics: hand-computed values, empyrical's numbers, and every edge case defined."""

from __future__ import annotations

import math

import numpy as np
import pytest

from rlbench_suite.envs.trading.metrics import (
    METRIC_KEYS,
    financial_metrics,
    inventory_statistics,
    turnover,
)


def test_metrics_of_a_short_path_match_hand_computation() -> None:
    """100 -> 110 -> 99 -> 121 gives the returns, CAGR, drawdown and ratios worked out by hand."""
    values = np.array([100.0, 110.0, 99.0, 121.0])
    returns = np.array([0.1, -0.1, 121.0 / 99.0 - 1.0])
    metrics = financial_metrics(values, periods_per_year=4)
    assert metrics["total_return"] == pytest.approx(0.21)
    # Three quarterly returns are 3/4 of a year: 1.21 ** (4/3) - 1.
    assert metrics["annual_return"] == pytest.approx(1.21 ** (4 / 3) - 1.0)
    mean = returns.mean()
    sample_std = math.sqrt(np.sum((returns - mean) ** 2) / 2)
    assert metrics["annual_volatility"] == pytest.approx(sample_std * 2.0)
    assert metrics["sharpe"] == pytest.approx(mean / sample_std * 2.0)
    downside = math.sqrt(0.1**2 / 3)
    assert metrics["sortino"] == pytest.approx(mean * 4 / (downside * 2.0))
    assert metrics["max_drawdown"] == pytest.approx(-0.1)
    assert metrics["calmar"] == pytest.approx((1.21 ** (4 / 3) - 1.0) / 0.1)
    assert metrics["final_value"] == 121.0
    assert metrics["pnl"] == pytest.approx(21.0)


def test_max_drawdown_counts_the_start_as_a_peak() -> None:
    """A path that only falls from its first value has its drawdown measured from that value."""
    metrics = financial_metrics([100.0, 80.0, 90.0, 60.0], periods_per_year=252)
    assert metrics["max_drawdown"] == pytest.approx(-0.4)


def test_risk_free_rate_is_annual_and_compounded_per_period() -> None:
    """A 5% annual rate lowers the Sharpe ratio by its per-period figure over the volatility."""
    values = np.array([100.0, 101.0, 100.5, 102.0, 101.0, 103.0])
    returns = values[1:] / values[:-1] - 1.0
    per_period = 1.05 ** (1 / 12) - 1.0
    metrics = financial_metrics(values, periods_per_year=12, risk_free_rate=0.05)
    expected = (returns.mean() - per_period) / returns.std(ddof=1) * math.sqrt(12)
    assert metrics["sharpe"] == pytest.approx(expected)
    assert metrics["sharpe"] < financial_metrics(values, periods_per_year=12)["sharpe"]


def test_flat_path_gives_nan_ratios_and_no_error() -> None:
    """A flat account has zero return, zero volatility and drawdown, and nan ratios."""
    metrics = financial_metrics(np.full(10, 1e6), periods_per_year=252)
    assert metrics["total_return"] == 0.0 and metrics["annual_return"] == 0.0
    assert metrics["annual_volatility"] == 0.0 and metrics["max_drawdown"] == 0.0
    assert math.isnan(metrics["sharpe"]) and math.isnan(metrics["sortino"])
    assert math.isnan(metrics["calmar"])


def test_constant_growth_gives_nan_sharpe_instead_of_infinity() -> None:
    """A riskless 1% a period path has nan Sharpe, Sortino and Calmar, never inf."""
    metrics = financial_metrics(100.0 * 1.01 ** np.arange(30), periods_per_year=252)
    assert metrics["annual_volatility"] == pytest.approx(0.0, abs=1e-12)
    assert all(math.isnan(metrics[key]) for key in ("sharpe", "sortino", "calmar"))
    assert metrics["total_return"] == pytest.approx(1.01**29 - 1.0)


@pytest.mark.parametrize(
    ("values", "defined"),
    [
        ([], set()),
        ([100.0], {"final_value", "pnl"}),
        ([100.0, 90.0], {"final_value", "pnl", "total_return", "annual_return", "max_drawdown"}),
    ],
)
def test_short_paths_define_only_what_they_can(values: list[float], defined: set[str]) -> None:
    """Zero, one and two values give nan for every metric that needs more, without raising."""
    metrics = financial_metrics(np.array(values), periods_per_year=252)
    assert list(metrics) == list(METRIC_KEYS)
    finite = {key for key, value in metrics.items() if math.isfinite(value)}
    assert finite == defined | ({"calmar"} if len(values) == 2 else set())


@pytest.mark.parametrize(
    ("values", "periods", "rate", "message"),
    [
        ([100.0, 0.0, 50.0], 252, 0.0, r"values\[1\] = 0.0"),
        ([100.0, float("nan")], 252, 0.0, r"values\[1\] = nan"),
        ([[100.0, 101.0]], 252, 0.0, r"1-D path .* got shape \(1, 2\)"),
        ([100.0, 101.0], 0, 0.0, "periods_per_year must be a positive number, got 0"),
        ([100.0, 101.0], 252, -1.0, "risk_free_rate must be an annual rate > -1, got -1.0"),
    ],
)
def test_bad_metric_input_is_refused(values, periods, rate, message: str) -> None:
    """A non-positive or NaN value, a 2-D path, or a bad period count or rate is refused."""
    with pytest.raises(ValueError, match=message):
        financial_metrics(values, periods_per_year=periods, risk_free_rate=rate)


def test_metrics_match_empyrical_on_random_paths() -> None:
    """On ten random daily paths every metric equals empyrical-reloaded's to 1e-9."""
    empyrical = pytest.importorskip("empyrical")
    rng = np.random.default_rng(0)
    for trial in range(10):
        returns = rng.normal(0.0005 * (trial - 5), 0.01 + 0.002 * trial, size=50 + 40 * trial)
        values = 1000.0 * np.cumprod(np.concatenate([[1.0], 1.0 + returns]))
        risk_free_rate = 0.02 * (trial % 3)
        per_period = (1.0 + risk_free_rate) ** (1 / 252) - 1.0
        metrics = financial_metrics(values, periods_per_year=252, risk_free_rate=risk_free_rate)
        expected = {
            "total_return": empyrical.cum_returns_final(returns),
            "annual_return": empyrical.annual_return(returns, annualization=252),
            "annual_volatility": empyrical.annual_volatility(returns, annualization=252),
            "sharpe": empyrical.sharpe_ratio(returns, risk_free=per_period, annualization=252),
            "sortino": empyrical.sortino_ratio(
                returns, required_return=per_period, annualization=252
            ),
            "max_drawdown": empyrical.max_drawdown(returns),
            "calmar": empyrical.calmar_ratio(returns, annualization=252),
        }
        for key, value in expected.items():
            assert metrics[key] == pytest.approx(float(value), rel=1e-9, abs=1e-12), (trial, key)


def test_turnover_counts_buys_and_sells() -> None:
    """Switching all of the account between two assets is a turnover of 2; no change is 0."""
    assert turnover([1.0, 0.0], [0.0, 1.0]) == 2.0
    assert turnover([0.25, 0.25, 0.5], [0.25, 0.25, 0.5]) == 0.0
    assert turnover([0.2, 0.3, 0.5], [0.3, 0.3, 0.4]) == pytest.approx(0.2)


def test_turnover_refuses_mismatched_weights() -> None:
    """Weights of different lengths or with NaN are refused with what was given."""
    with pytest.raises(ValueError, match=r"got shapes \(2,\) and \(3,\)"):
        turnover([0.5, 0.5], [0.2, 0.3, 0.5])
    with pytest.raises(ValueError, match="weights must be finite"):
        turnover([0.5, 0.5], [float("nan"), 0.5])


def test_inventory_statistics_of_a_path() -> None:
    """Mean, population std, largest absolute and final position of an inventory path."""
    stats = inventory_statistics([0, 2, -4, 1, 1])
    assert stats == {
        "mean": 0.0,
        "std": pytest.approx(math.sqrt(22 / 5)),
        "max_abs": 4.0,
        "final": 1.0,
    }
    assert all(math.isnan(value) for value in inventory_statistics([]).values())
    with pytest.raises(ValueError, match="1-D and finite"):
        inventory_statistics([0.0, float("inf")])
