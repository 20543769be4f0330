"""The synthetic markets: valid bars, the requested statistics, seeds, and refused arguments."""

from __future__ import annotations

import pickle

import numpy as np
import pytest

from rlbench_suite.envs.trading.synthetic import (
    DEFAULT_REGIMES,
    MarketData,
    Regime,
    cointegrated_pair,
    correlated_gbm,
)


def small_market(num_bars: int = 4) -> MarketData:
    prices = 100.0 + np.arange(num_bars, dtype=float)[:, None] * np.array([[1.0, 2.0]])
    return MarketData(
        timestamps=np.datetime64("2024-01-01", "ns") + np.arange(num_bars) * np.timedelta64(1, "D"),
        open=prices,
        high=prices + 1.0,
        low=prices - 1.0,
        close=prices,
        volume=np.ones_like(prices),
        symbols=("X", "Y"),
        source="test",
    )


def test_market_data_methods_return_hand_computed_values() -> None:
    """len, num_assets, returns and slice give the bars and returns computed by hand."""
    market = small_market()
    assert len(market) == 4 and market.num_assets == 2
    np.testing.assert_allclose(market.returns()[0], [1 / 100, 2 / 100])
    part = market.slice(1, 3)
    assert len(part) == 2 and part.close[0].tolist() == [101.0, 102.0]
    assert part.source == "test[1:3]"


def test_split_by_time_is_disjoint_and_test_is_later() -> None:
    """The split puts floor(f T) bars in train, the rest in test, all test bars strictly later."""
    market, _ = correlated_gbm(np.random.default_rng(0), 101, 2)
    train, test = market.split_by_time(0.8)
    assert (len(train), len(test)) == (80, 21)
    assert train.timestamps[-1] < test.timestamps[0]
    np.testing.assert_array_equal(np.concatenate([train.close, test.close]), market.close)


def test_split_by_time_refuses_a_fraction_outside_the_unit_interval() -> None:
    """A train fraction of 1 or a split leaving under two bars in a part is refused."""
    with pytest.raises(ValueError, match=r"train_fraction must be in \(0, 1\), got 1.0"):
        small_market().split_by_time(1.0)
    with pytest.raises(ValueError, match="each part needs >= 2 bars"):
        small_market().split_by_time(0.3)


def test_market_data_arrays_are_read_only() -> None:
    """An env cannot overwrite a shared market's prices."""
    market = small_market()
    with pytest.raises(ValueError, match="read-only"):
        market.close[0, 0] = 1.0


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("close", -1.0, r"close of Y at bar 2 \(2024-01-03.*\) is not a positive price: -1.0"),
        ("high", 101.0, r"high of Y at bar 2 .* is below max\(open, close\): 101.0"),
        ("low", 200.0, r"low of Y at bar 2 .* is above min\(open, close\): 200.0"),
        ("volume", -5.0, r"volume of Y at bar 2 .* is negative: -5.0"),
        ("open", np.nan, r"open of Y at bar 2 .* is not finite: nan"),
    ],
)
def test_market_data_names_the_first_bad_bar(field: str, value: float, message: str) -> None:
    """A bad value is refused with the field, symbol, bar, timestamp and value."""
    market = small_market()
    values = getattr(market, field).copy()
    values[2, 1] = value
    arrays = {name: getattr(market, name) for name in ("open", "high", "low", "close", "volume")}
    arrays[field] = values
    with pytest.raises(ValueError, match=message):
        MarketData(market.timestamps, **arrays, symbols=market.symbols, source="test")


def test_market_data_refuses_unordered_timestamps_and_bad_shapes() -> None:
    """Repeated timestamps, a wrong shape and duplicate symbols are refused with what was given."""
    market = small_market()
    arrays = {name: getattr(market, name) for name in ("open", "high", "low", "close", "volume")}
    repeated = market.timestamps.copy()
    repeated[2] = repeated[1]
    with pytest.raises(
        ValueError, match=r"bar 2 \(2024-01-02 00:00:00\) does not come after bar 1"
    ):
        MarketData(repeated, **arrays, symbols=("X", "Y"), source="test")
    with pytest.raises(ValueError, match=r"must have shape \(T, D\) = \(4, 3\).*got \(4, 2\)"):
        MarketData(market.timestamps, **arrays, symbols=("X", "Y", "Z"), source="test")
    with pytest.raises(ValueError, match="duplicate symbols"):
        MarketData(market.timestamps, **arrays, symbols=("X", "X"), source="test")


def test_correlated_gbm_bars_bound_open_and_close_and_chain() -> None:
    """Each bar opens at the previous close; high and low are strictly outside the open-close range
    on most bars (sub-step extremes, not copies of open and close)."""
    market, _ = correlated_gbm(np.random.default_rng(1), 500, 3, start_price=(10.0, 50.0, 200.0))
    np.testing.assert_array_equal(market.open[1:], market.close[:-1])
    assert market.open[0].tolist() == [10.0, 50.0, 200.0]
    assert np.mean(market.high > np.maximum(market.open, market.close)) > 0.5
    assert np.mean(market.low < np.minimum(market.open, market.close)) > 0.5
    assert np.all(market.volume > 0)


def test_correlated_gbm_matches_each_regimes_volatility_and_correlation() -> None:
    """Daily log returns have each regime's annual volatility and correlation (4,000 bars)."""
    market, regime_path = correlated_gbm(np.random.default_rng(2), 4000, 4)
    log_returns = np.diff(np.log(market.close), axis=0)
    for index, regime in enumerate(DEFAULT_REGIMES):
        in_regime = log_returns[regime_path[1:] == index]
        assert len(in_regime) > 500
        volatility = in_regime.std(axis=0).mean() * np.sqrt(252)
        assert volatility == pytest.approx(regime.annual_volatility, rel=0.08)
        correlation = np.corrcoef(in_regime.T)[np.triu_indices(4, 1)].mean()
        assert correlation == pytest.approx(regime.correlation, abs=0.06)


def test_correlated_gbm_switching_probability_sets_regime_lengths() -> None:
    """With no switching the regime never changes; with 0.05 the mean run is about 20 bars."""
    _, fixed = correlated_gbm(np.random.default_rng(3), 300, 2, switch_probability=0.0)
    assert set(fixed.tolist()) == {0}
    _, path = correlated_gbm(np.random.default_rng(3), 20_000, 1, switch_probability=0.05)
    switches = np.count_nonzero(np.diff(path))
    assert len(path) / (switches + 1) == pytest.approx(20.0, rel=0.1)


def test_correlated_gbm_accepts_a_correlation_matrix() -> None:
    """A full correlation matrix gives pairs their own correlation (+0.8 and -0.5 here)."""
    matrix = ((1.0, 0.8, 0.0), (0.8, 1.0, -0.5), (0.0, -0.5, 1.0))
    regime = Regime(annual_drift=0.0, annual_volatility=(0.1, 0.2, 0.3), correlation=matrix)
    market, _ = correlated_gbm(np.random.default_rng(4), 5000, 3, regimes=(regime,))
    correlation = np.corrcoef(np.diff(np.log(market.close), axis=0).T)
    assert correlation[0, 1] == pytest.approx(0.8, abs=0.03)
    assert correlation[1, 2] == pytest.approx(-0.5, abs=0.03)


def test_generators_are_deterministic_under_a_seed_and_pickle() -> None:
    """The same seed gives the same market; another seed another; a market survives pickling."""
    first, _ = correlated_gbm(np.random.default_rng(7), 50, 2)
    again, _ = correlated_gbm(np.random.default_rng(7), 50, 2)
    other, _ = correlated_gbm(np.random.default_rng(8), 50, 2)
    np.testing.assert_array_equal(first.close, again.close)
    assert not np.array_equal(first.close, other.close)
    pair, spread = cointegrated_pair(np.random.default_rng(7), 50)
    pair_again, spread_again = cointegrated_pair(np.random.default_rng(7), 50)
    np.testing.assert_array_equal(pair.high, pair_again.high)
    np.testing.assert_array_equal(spread, spread_again)
    restored = pickle.loads(pickle.dumps(first))
    np.testing.assert_array_equal(restored.close, first.close)
    assert restored.timestamps.dtype == np.dtype("datetime64[ns]")


def test_cointegrated_pair_spread_is_the_requested_ou_process() -> None:
    """The spread equals log A - h log B, reverts at 1 - theta per bar, with the given shocks."""
    market, spread = cointegrated_pair(
        np.random.default_rng(5), 50_000, hedge_ratio=1.5, start_prices=(50.0, 20.0)
    )
    np.testing.assert_allclose(
        np.log(market.close[:, 0]) - 1.5 * np.log(market.close[:, 1]), spread, atol=1e-9
    )
    mean = np.log(50.0) - 1.5 * np.log(20.0)
    deviation = spread - mean
    slope = np.polyfit(deviation[:-1], deviation[1:], 1)[0]
    assert slope == pytest.approx(0.95, abs=0.01)
    residual = deviation[1:] - 0.95 * deviation[:-1]
    assert residual.std() == pytest.approx(0.002, rel=0.02)
    common = np.diff(np.log(market.close[:, 1]))
    assert common.std() == pytest.approx(0.0005, rel=0.02)


def test_cointegrated_pair_timestamps_follow_start_and_bar() -> None:
    """Minute bars start at the given market open, one minute apart."""
    market, _ = cointegrated_pair(np.random.default_rng(0), 3)
    assert [str(t) for t in market.timestamps.astype("datetime64[m]")] == [
        "2024-01-02T09:30",
        "2024-01-02T09:31",
        "2024-01-02T09:32",
    ]
    assert market.symbols == ("A", "B")


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda rng: correlated_gbm(rng, 0, 2), "num_steps must be an integer >= 1, got 0"),
        (
            lambda rng: correlated_gbm(rng, 5, 3, regimes=(Regime(0.1, 0.2, -0.9),)),
            r"equicorrelation of 3 assets must be in \[-0.5, 1\], got -0.9",
        ),
        (
            lambda rng: correlated_gbm(rng, 5, 2, regimes=(Regime((0.1, 0.2, 0.3), 0.2, 0.0),)),
            "annual_drift must be a float or 2 floats",
        ),
        (
            lambda rng: correlated_gbm(rng, 5, 2, switch_probability=1.5),
            r"switch_probability must be one probability in \[0, 1\]",
        ),
        (lambda rng: correlated_gbm(rng, 5, 2, bar="-1D"), "bar must be a positive duration"),
        (lambda rng: correlated_gbm(rng, 5, 2, bar="soon"), "bar a duration such as '1D'"),
        (
            lambda rng: cointegrated_pair(rng, 5, mean_reversion=1.5),
            r"mean_reversion must be in \[0.0, 1.0\], got 1.5",
        ),
        (
            lambda rng: cointegrated_pair(rng, 5, hedge_ratio=0.0),
            r"hedge_ratio must be in \(0.0, inf\), got 0.0",
        ),
        (
            lambda rng: cointegrated_pair(rng, 5, start_prices=(100.0, -1.0)),
            "start prices must be one positive price or 2",
        ),
    ],
)
def test_generators_refuse_bad_arguments(call, message: str) -> None:
    """Out-of-range generator arguments are refused with the argument, the rule and the value."""
    with pytest.raises(ValueError, match=message):
        call(np.random.default_rng(0))


def test_market_round_trips_through_its_long_frame() -> None:
    """to_frame gives one row per timestamp and symbol with the bar's values."""
    market = small_market(3)
    frame = market.to_frame()
    assert len(frame) == 6 and list(frame["symbol"]) == ["X", "Y"] * 3
    assert frame.loc[3, "close"] == market.close[1, 1]
