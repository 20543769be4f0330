"""Seeded synthetic markets: the data every trading env runs on by default.

A market is a :class:`MarketData`: ``T`` OHLCV bars of ``D`` assets, validated when built, so an
env never has to check its prices again. Two generators make them from a ``numpy`` generator
(envs pass ``self.np_random``, so a seed fixes the market):

- :func:`correlated_gbm`: ``D`` assets following geometric Brownian motion with equicorrelated
  (or fully specified) shocks and Markov regime switches, e.g. a calm bull and a volatile bear
  market (PortfolioAllocation, StockTrading);
- :func:`cointegrated_pair`: two assets whose log spread ``log A - hedge_ratio * log B`` is an
  Ornstein-Uhlenbeck process (PairsTrading).

Both draw each bar from sub-steps of the same process, so ``high`` and ``low`` are the real
extremes of the simulated path inside the bar and ``open`` is the previous bar's ``close``.

    >>> import numpy as np
    >>> market, regimes = correlated_gbm(np.random.default_rng(0), 5, 3)
    >>> len(market), market.num_assets, market.symbols, market.close.shape, regimes.shape
    (5, 3, ('ASSET0', 'ASSET1', 'ASSET2'), (5, 3), (5,))
    >>> bool(np.all(market.high >= np.maximum(market.open, market.close)))
    True
    >>> train, test = market.split_by_time(0.6)
    >>> len(train), len(test), bool(train.timestamps[-1] < test.timestamps[0])
    (3, 2, True)
"""

from __future__ import annotations

import numbers
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

#: Bars drawn per bar of the output: enough that ``high`` and ``low`` sit visibly away from
#: ``open`` and ``close`` (their expected gap grows with the square root of the count), few enough
#: that a 10,000-bar market of 10 assets is drawn in milliseconds.
DEFAULT_SUBSTEPS = 6

#: Median volume of a bar; every bar's volume is this times a log-normal draw.
DEFAULT_BASE_VOLUME = 1_000_000.0
#: Log-normal spread of volume around its median; volume also grows with the bar's absolute
#: return (traders trade more when prices move), see :func:`_volumes`.
VOLUME_LOG_SPREAD = 0.3


@dataclass(frozen=True, eq=False)
class MarketData:
    """One market: ``T`` bars of ``D`` assets, validated on construction.

    Arrays are converted to ``float64`` (``datetime64[ns]`` for ``timestamps``) and made
    read-only, so envs can share one market without copying it or corrupting it. Markets compare
    and hash by identity (an element-wise ``==`` of arrays has no single truth value).

    Attributes:
        timestamps: ``(T,)`` bar times, strictly increasing.
        open: ``(T, D)`` first price of each bar, > 0.
        high: ``(T, D)`` highest price, >= ``max(open, close)``.
        low: ``(T, D)`` lowest price, > 0 and <= ``min(open, close)``.
        close: ``(T, D)`` last price, > 0.
        volume: ``(T, D)`` traded quantity, >= 0.
        symbols: ``(D,)`` distinct asset names.
        source: where it came from: a file path, or the generator and its parameters.

    Raises:
        ValueError: on wrong shapes, non-finite values, non-positive prices, negative volume,
            bars whose high or low do not bound the open and close, duplicate symbols, or
            timestamps that do not strictly increase; the message names the first offending
            bar and asset.

    """

    timestamps: np.ndarray  # (T,) datetime64[ns]
    open: np.ndarray  # (T, D)
    high: np.ndarray  # (T, D)
    low: np.ndarray  # (T, D)
    close: np.ndarray  # (T, D)
    volume: np.ndarray  # (T, D)
    symbols: tuple[str, ...]  # (D,)
    source: str

    def __post_init__(self) -> None:
        timestamps = np.array(self.timestamps, dtype="datetime64[ns]")
        if timestamps.ndim != 1 or timestamps.size == 0:
            raise ValueError(
                f"MarketData ({self.source}): timestamps must be a non-empty 1-D array, "
                f"got shape {timestamps.shape}"
            )
        symbols = tuple(self.symbols)
        if not symbols or not all(isinstance(symbol, str) and symbol for symbol in symbols):
            raise ValueError(
                f"MarketData ({self.source}): symbols must be a non-empty sequence of "
                f"non-empty strings, got {self.symbols!r}"
            )
        if len(set(symbols)) != len(symbols):
            raise ValueError(f"MarketData ({self.source}): duplicate symbols in {symbols!r}")
        expected_shape = (timestamps.size, len(symbols))
        fields = {}
        for name in ("open", "high", "low", "close", "volume"):
            values = np.array(getattr(self, name), dtype=np.float64)
            if values.shape != expected_shape:
                raise ValueError(
                    f"MarketData ({self.source}): {name} must have shape (T, D) = "
                    f"{expected_shape} (T timestamps, D symbols), got {values.shape}"
                )
            _require(np.isfinite(values), self, name, timestamps, "is not finite")
            fields[name] = values
        for name in ("open", "high", "low", "close"):
            _require(fields[name] > 0, self, name, timestamps, "is not a positive price")
        _require(fields["volume"] >= 0, self, "volume", timestamps, "is negative")
        upper = np.maximum(fields["open"], fields["close"])
        lower = np.minimum(fields["open"], fields["close"])
        _require(fields["high"] >= upper, self, "high", timestamps, "is below max(open, close)")
        _require(fields["low"] <= lower, self, "low", timestamps, "is above min(open, close)")
        steps = np.diff(timestamps)
        if np.any(steps <= np.timedelta64(0, "ns")):
            bar = int(np.argmax(steps <= np.timedelta64(0, "ns"))) + 1
            raise ValueError(
                f"MarketData ({self.source}): timestamps must strictly increase; bar {bar} "
                f"({pd.Timestamp(timestamps[bar])}) does not come after bar {bar - 1} "
                f"({pd.Timestamp(timestamps[bar - 1])})"
            )
        timestamps.flags.writeable = False
        object.__setattr__(self, "timestamps", timestamps)
        for name, values in fields.items():
            values.flags.writeable = False
            object.__setattr__(self, name, values)
        object.__setattr__(self, "symbols", symbols)

    def __len__(self) -> int:
        """The number of bars ``T``."""
        return int(self.timestamps.size)

    @property
    def num_assets(self) -> int:
        """The number of assets ``D``."""
        return len(self.symbols)

    def slice(self, start: int | None = None, stop: int | None = None) -> MarketData:
        """Bars ``start`` to ``stop`` (Python slice semantics, no step) as a new market.

        Raises:
            ValueError: if the slice holds no bar.

        """
        bars = slice(start, stop)
        first, last, _ = bars.indices(len(self))
        if last <= first:
            raise ValueError(
                f"MarketData ({self.source}): slice({start}, {stop}) of {len(self)} bars is empty"
            )
        return MarketData(
            timestamps=self.timestamps[bars],
            open=self.open[bars],
            high=self.high[bars],
            low=self.low[bars],
            close=self.close[bars],
            volume=self.volume[bars],
            symbols=self.symbols,
            source=f"{self.source}[{first}:{last}]",
        )

    def returns(self) -> np.ndarray:
        """``(T-1, D)`` simple close-to-close returns, ``close[t] / close[t-1] - 1``."""
        return self.close[1:] / self.close[:-1] - 1.0

    def split_by_time(self, train_fraction: float = 0.8) -> tuple[MarketData, MarketData]:
        """The first ``floor(train_fraction * T)`` bars and the rest: no overlap, test later.

        Both parts keep at least two bars, so each has at least one return.

        Raises:
            ValueError: if ``train_fraction`` is not in (0, 1) or a part would hold fewer than
                two bars.

        """
        if not 0.0 < train_fraction < 1.0:
            raise ValueError(
                f"MarketData ({self.source}): train_fraction must be in (0, 1), "
                f"got {train_fraction!r}"
            )
        train_bars = int(np.floor(train_fraction * len(self)))
        if train_bars < 2 or len(self) - train_bars < 2:
            raise ValueError(
                f"MarketData ({self.source}): train_fraction={train_fraction} splits {len(self)} "
                f"bars into {train_bars} and {len(self) - train_bars}; each part needs >= 2 bars"
            )
        return self.slice(0, train_bars), self.slice(train_bars, None)

    def to_frame(self) -> pd.DataFrame:
        """The market in long format: one row per timestamp and symbol, as ``load_ohlcv`` reads."""
        num_bars, num_assets = self.close.shape
        return pd.DataFrame(
            {
                "timestamp": np.repeat(self.timestamps, num_assets),
                "symbol": np.tile(np.array(self.symbols, dtype=object), num_bars),
                "open": self.open.ravel(),
                "high": self.high.ravel(),
                "low": self.low.ravel(),
                "close": self.close.ravel(),
                "volume": self.volume.ravel(),
            }
        )


def _require(
    condition: np.ndarray, market: MarketData, name: str, timestamps: np.ndarray, problem: str
) -> None:
    """Raise naming the first bar and asset where ``condition`` fails."""
    if np.all(condition):
        return
    bar, asset = np.argwhere(~condition)[0]
    symbol = tuple(market.symbols)[asset]
    value = float(np.asarray(getattr(market, name), dtype=np.float64)[bar, asset])
    raise ValueError(
        f"MarketData ({market.source}): {name} of {symbol} at bar {bar} "
        f"({pd.Timestamp(timestamps[bar])}) {problem}: {value!r}"
    )


@dataclass(frozen=True)
class Regime:
    """One market regime of correlated geometric Brownian motion.

    Attributes:
        annual_drift: expected log-price growth per year plus half the variance (the ``mu`` of
            ``dS = mu S dt + sigma S dW``), one for all assets or one per asset.
        annual_volatility: ``sigma`` per year, >= 0, one for all assets or one per asset.
        correlation: the correlation of the assets' shocks: a float for equicorrelation (in
            ``[-1/(D-1), 1]`` so the matrix is positive semi-definite) or a ``(D, D)`` matrix
            given as nested tuples (symmetric, unit diagonal, positive semi-definite).

    """

    annual_drift: tuple[float, ...] | float
    annual_volatility: tuple[float, ...] | float
    correlation: float | tuple[tuple[float, ...], ...]

    def parameters(self, num_assets: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """``(drift (D,), volatility (D,), correlation (D, D))`` for ``num_assets`` assets.

        Raises:
            ValueError: on a per-asset tuple of the wrong length, a negative or non-finite
                value, or a correlation that is not a valid correlation matrix.

        """
        drift = _per_asset(self.annual_drift, num_assets, "annual_drift")
        volatility = _per_asset(self.annual_volatility, num_assets, "annual_volatility")
        if np.any(volatility < 0):
            raise ValueError(
                f"Regime: annual_volatility must be >= 0, got {self.annual_volatility}"
            )
        correlation = np.asarray(self.correlation, dtype=np.float64)
        if correlation.ndim == 0:
            value = float(correlation)
            lowest = -1.0 / (num_assets - 1) if num_assets > 1 else -1.0
            if not np.isfinite(value) or not lowest <= value <= 1.0:
                raise ValueError(
                    f"Regime: an equicorrelation of {num_assets} assets must be in "
                    f"[{lowest:.4g}, 1], got {self.correlation!r}"
                )
            correlation = np.full((num_assets, num_assets), value)
            np.fill_diagonal(correlation, 1.0)
            return drift, volatility, correlation
        if correlation.shape != (num_assets, num_assets):
            raise ValueError(
                f"Regime: correlation must be a float or a ({num_assets}, {num_assets}) matrix, "
                f"got shape {correlation.shape}"
            )
        if (
            not np.all(np.isfinite(correlation))
            or not np.allclose(correlation, correlation.T)
            or not np.allclose(np.diag(correlation), 1.0)
            or np.linalg.eigvalsh(correlation).min() < -1e-10
        ):
            raise ValueError(
                "Regime: correlation must be symmetric, positive semi-definite, with a unit "
                f"diagonal, got {self.correlation!r}"
            )
        return drift, volatility, correlation


def _per_asset(value: tuple[float, ...] | float, num_assets: int, name: str) -> np.ndarray:
    array = np.asarray(value, dtype=np.float64)
    if array.ndim == 0:
        array = np.full(num_assets, float(array))
    if array.shape != (num_assets,):
        raise ValueError(
            f"Regime: {name} must be a float or {num_assets} floats (one per asset), got {value!r}"
        )
    if not np.all(np.isfinite(array)):
        raise ValueError(f"Regime: {name} must be finite, got {value!r}")
    return array


#: A calm bull market and a volatile bear market. The figures are round numbers near US large
#: caps: about 15% volatility and +15% a year in calm times; in sell-offs volatility doubles and
#: correlations rise (diversification fails when it is needed), here -10% a year. With the
#: default symmetric switching the market spends half its time in each, a +2.5% mean drift.
DEFAULT_REGIMES: tuple[Regime, ...] = (
    Regime(annual_drift=0.15, annual_volatility=0.15, correlation=0.3),
    Regime(annual_drift=-0.10, annual_volatility=0.30, correlation=0.6),
)


def correlated_gbm(
    rng: np.random.Generator,
    num_steps: int,
    num_assets: int,
    *,
    regimes: Sequence[Regime] = DEFAULT_REGIMES,
    switch_probability: float | Sequence[float] = 0.01,
    steps_per_year: int = 252,
    start_price: float | Sequence[float] = 100.0,
    start: str = "2020-01-01",
    bar: str = "1D",
    substeps: int = DEFAULT_SUBSTEPS,
    initial_regime: int = 0,
    base_volume: float = DEFAULT_BASE_VOLUME,
    symbols: Sequence[str] | None = None,
) -> tuple[MarketData, np.ndarray]:
    """``num_steps`` bars of ``num_assets`` correlated GBM assets under Markov regime switching.

    Each bar is ``substeps`` exact GBM steps under the bar's regime: log prices move by
    ``(mu - sigma^2 / 2) dt + sigma sqrt(dt) L z`` with ``dt = 1 / (steps_per_year * substeps)``
    and ``L`` the Cholesky factor of the regime's correlation. Between bars the regime leaves
    state ``k`` with ``switch_probability`` (one for all regimes or one per regime) to a
    uniformly drawn other regime.

    Args:
        rng: the only source of randomness (envs pass ``self.np_random``).
        num_steps: bars ``T`` >= 1.
        num_assets: assets ``D`` >= 1.
        regimes: the regimes; default :data:`DEFAULT_REGIMES` (calm bull, volatile bear).
        switch_probability: per bar, the chance of leaving the current regime; default 0.01, a
            mean regime length of 100 bars (about five months of daily bars), long enough for a
            learner to notice a regime and short enough that a 2,000-bar market sees several.
        steps_per_year: bars per year, which sets ``dt``; default 252 trading days.
        start_price: every asset's first open, or one per asset; default 100.
        start: the first timestamp (anything ``pandas.Timestamp`` reads); default 2020-01-01.
        bar: the time between bars (a ``pandas.Timedelta`` string); default one calendar day
            (the synthetic calendar has no weekends).
        substeps: GBM steps per bar, for the intrabar high and low; default
            :data:`DEFAULT_SUBSTEPS`.
        initial_regime: the regime of the first bar; default 0 (the calm bull).
        base_volume: median volume of a bar; default :data:`DEFAULT_BASE_VOLUME`.
        symbols: asset names; default ``ASSET0``, ``ASSET1``, ...

    Returns:
        The market and the ``(T,)`` int64 index of the regime each bar was drawn under.

    Raises:
        ValueError: on any argument outside its documented range.

    """
    num_steps = _positive_int(num_steps, "num_steps")
    num_assets = _positive_int(num_assets, "num_assets")
    substeps = _positive_int(substeps, "substeps")
    steps_per_year = _positive_int(steps_per_year, "steps_per_year")
    if not regimes:
        raise ValueError("correlated_gbm: regimes must hold at least one Regime, got none")
    leave = np.asarray(switch_probability, dtype=np.float64)
    leave = np.full(len(regimes), float(leave)) if leave.ndim == 0 else leave
    if leave.shape != (len(regimes),) or not np.all((leave >= 0) & (leave <= 1)):
        raise ValueError(
            "correlated_gbm: switch_probability must be one probability in [0, 1] or one per "
            f"regime ({len(regimes)}), got {switch_probability!r}"
        )
    if not 0 <= initial_regime < len(regimes):
        raise ValueError(
            f"correlated_gbm: initial_regime must index regimes (0 to {len(regimes) - 1}), "
            f"got {initial_regime!r}"
        )
    first_price = _start_prices(start_price, num_assets)
    names = _symbols(symbols, num_assets)
    timestamps = _timestamps(start, bar, num_steps, "correlated_gbm")

    regime_path = np.empty(num_steps, dtype=np.int64)
    regime_path[0] = initial_regime
    for step in range(1, num_steps):
        current = regime_path[step - 1]
        if len(regimes) > 1 and rng.random() < leave[current]:
            others = [index for index in range(len(regimes)) if index != current]
            regime_path[step] = others[rng.integers(len(others))]
        else:
            regime_path[step] = current

    dt = 1.0 / (steps_per_year * substeps)
    log_moves = np.empty((num_steps, substeps, num_assets))
    shocks = rng.standard_normal((num_steps, substeps, num_assets))
    for index, regime in enumerate(regimes):
        drift, volatility, correlation = regime.parameters(num_assets)
        covariance = correlation * np.outer(volatility, volatility) * dt
        # A PSD matrix with zero or perfectly correlated volatilities has no Cholesky factor;
        # the eigen-decomposition gives a square root that always exists.
        eigenvalues, eigenvectors = np.linalg.eigh(covariance)
        root = eigenvectors * np.sqrt(np.clip(eigenvalues, 0.0, None))
        in_regime = regime_path == index
        log_moves[in_regime] = (drift - 0.5 * volatility**2) * dt + shocks[in_regime] @ root.T
    log_path = np.log(first_price) + np.cumsum(log_moves.reshape(-1, num_assets), axis=0)
    market = _bars_from_path(
        np.exp(log_path).reshape(num_steps, substeps, num_assets),
        first_price,
        timestamps,
        names,
        rng,
        base_volume,
        source=(
            f"correlated_gbm(num_steps={num_steps}, num_assets={num_assets}, regimes={regimes!r}, "
            f"switch_probability={switch_probability!r}, steps_per_year={steps_per_year}, "
            f"start_price={start_price!r}, start={start!r}, bar={bar!r}, substeps={substeps})"
        ),
    )
    return market, regime_path


def cointegrated_pair(
    rng: np.random.Generator,
    num_steps: int,
    *,
    hedge_ratio: float = 1.0,
    mean_reversion: float = 0.05,
    spread_volatility: float = 0.002,
    common_volatility: float = 0.0005,
    start_prices: tuple[float, float] = (100.0, 100.0),
    start: str = "2024-01-02 09:30",
    bar: str = "1min",
    substeps: int = DEFAULT_SUBSTEPS,
    base_volume: float = DEFAULT_BASE_VOLUME,
    symbols: tuple[str, str] = ("A", "B"),
) -> tuple[MarketData, np.ndarray]:
    """Two assets whose log spread ``log A - hedge_ratio log B`` is an Ornstein-Uhlenbeck process.

    ``log B`` is a driftless random walk (the common factor); the spread ``s`` follows the exact
    AR(1) form of an OU process, ``s[t+1] = m + (1 - mean_reversion)(s[t] - m) + spread_volatility
    * z``, with ``m = log A0 - hedge_ratio log B0`` the spread at the start prices, where it
    starts; ``log A = s + hedge_ratio log B``. Sub-steps split each bar exactly, so the bar-to-bar
    process is the one described whatever ``substeps`` is.

    Args:
        rng: the only source of randomness (envs pass ``self.np_random``).
        num_steps: bars ``T`` >= 1.
        hedge_ratio: units of ``log B`` per unit of ``log A`` in the spread, > 0; default 1.
        mean_reversion: ``theta`` in [0, 1], the fraction of the spread's gap to its mean closed
            per bar; default 0.05, a half-life of ``ln 2 / -ln 0.95`` = 13.5 bars (13.5 minutes
            at the default bar), the fast reversion of HFT statistical arbitrage. 0 makes the
            spread a random walk (no cointegration: a held-out case).
        spread_volatility: the spread's shock per bar (log units), >= 0; default 0.002, so the
            stationary spread deviation ``0.002 / sqrt(1 - 0.95^2)`` = 0.64% is several times a
            round trip's costs and a z-score rule has an edge to find.
        common_volatility: ``log B``'s shock per bar, >= 0; default 0.0005 (0.05% a minute,
            about 20% a year over 390-minute days), common to both legs through the spread.
        start_prices: the first opens of A and B, > 0; default (100, 100).
        start: the first timestamp (anything ``pandas.Timestamp`` reads); default a market open.
        bar: the time between bars (a ``pandas.Timedelta`` string); default one minute (the
            synthetic session never closes).
        substeps: steps per bar, for the intrabar high and low; default
            :data:`DEFAULT_SUBSTEPS`.
        base_volume: median volume of a bar; default :data:`DEFAULT_BASE_VOLUME`.
        symbols: the two asset names; default ("A", "B").

    Returns:
        The market and the ``(T,)`` log spread ``log A - hedge_ratio log B`` at each close.

    Raises:
        ValueError: on any argument outside its documented range.

    """
    num_steps = _positive_int(num_steps, "num_steps")
    substeps = _positive_int(substeps, "substeps")
    checks = {
        "hedge_ratio": (hedge_ratio, 0.0, np.inf, False),
        "mean_reversion": (mean_reversion, 0.0, 1.0, True),
        "spread_volatility": (spread_volatility, 0.0, np.inf, True),
        "common_volatility": (common_volatility, 0.0, np.inf, True),
    }
    for name, (value, low, high, low_allowed) in checks.items():
        inside = (low <= value if low_allowed else low < value) and value <= high
        if not _is_real(value) or not np.isfinite(value) or not inside:
            interval = f"{'[' if low_allowed else '('}{low}, {high}{']' if high < np.inf else ')'}"
            raise ValueError(f"cointegrated_pair: {name} must be in {interval}, got {value!r}")
    first_price = _start_prices(start_prices, 2)
    names = _symbols(symbols, 2)
    timestamps = _timestamps(start, bar, num_steps, "cointegrated_pair")

    # The exact sub-step split of an AR(1) step: phi_sub^substeps = phi, and the sub-step noise
    # adds up over a bar to spread_volatility^2.
    persistence = 1.0 - mean_reversion
    substep_persistence = persistence ** (1.0 / substeps)
    if persistence < 1.0:
        substep_variance = (
            spread_volatility**2 * (1.0 - substep_persistence**2) / (1.0 - persistence**2)
        )
    else:
        substep_variance = spread_volatility**2 / substeps
    count = num_steps * substeps
    spread_shocks = np.sqrt(substep_variance) * rng.standard_normal(count)
    common_shocks = common_volatility / np.sqrt(substeps) * rng.standard_normal(count)
    mean_spread = np.log(first_price[0]) - hedge_ratio * np.log(first_price[1])
    # Imported here: scipy.signal adds ~0.5 s to `import rlbench_suite`.
    from scipy.signal import lfilter

    # deviation[k] = substep_persistence * deviation[k - 1] + spread_shocks[k], from 0.
    deviation = lfilter([1.0], [1.0, -substep_persistence], spread_shocks)
    log_b = np.log(first_price[1]) + np.cumsum(common_shocks)
    log_a = mean_spread + deviation + hedge_ratio * log_b
    path = np.exp(np.stack([log_a, log_b], axis=1)).reshape(num_steps, substeps, 2)
    market = _bars_from_path(
        path,
        first_price,
        timestamps,
        names,
        rng,
        base_volume,
        source=(
            f"cointegrated_pair(num_steps={num_steps}, hedge_ratio={hedge_ratio!r}, "
            f"mean_reversion={mean_reversion!r}, spread_volatility={spread_volatility!r}, "
            f"common_volatility={common_volatility!r}, start_prices={start_prices!r}, "
            f"start={start!r}, bar={bar!r}, substeps={substeps})"
        ),
    )
    spread = (mean_spread + deviation).reshape(num_steps, substeps)[:, -1]
    return market, spread


def _bars_from_path(
    path: np.ndarray,
    first_price: np.ndarray,
    timestamps: np.ndarray,
    symbols: tuple[str, ...],
    rng: np.random.Generator,
    base_volume: float,
    source: str,
) -> MarketData:
    """OHLCV bars from a ``(T, substeps, D)`` price path that starts at ``first_price``."""
    close = path[:, -1, :]
    open_ = np.vstack([first_price[None, :], close[:-1]])
    high = np.maximum(open_, path.max(axis=1))
    low = np.minimum(open_, path.min(axis=1))
    return MarketData(
        timestamps=timestamps,
        open=open_,
        high=high,
        low=low,
        close=close,
        volume=_volumes(rng, open_, close, base_volume),
        symbols=symbols,
        source=source,
    )


def _volumes(
    rng: np.random.Generator, open_: np.ndarray, close: np.ndarray, base_volume: float
) -> np.ndarray:
    """Whole-unit volumes: log-normal around ``base_volume``, larger in bars that moved more.

    The bar's absolute log return, in units of the market's median absolute bar return, scales
    the median up by up to its own size (a bar that moves three times the typical amount trades
    about twice the volume): the volume-volatility relation seen in every market.
    """
    if not np.isfinite(base_volume) or base_volume <= 0:
        raise ValueError(f"base_volume must be a positive number, got {base_volume!r}")
    move = np.abs(np.log(close / open_))
    typical = np.median(move)
    activity = 1.0 + np.minimum(move / typical, 3.0) / 3.0 if typical > 0 else np.ones_like(move)
    noise = rng.lognormal(mean=0.0, sigma=VOLUME_LOG_SPREAD, size=move.shape)
    return np.round(base_volume * activity * noise)


def _is_real(value: object) -> bool:
    return isinstance(value, numbers.Real) and not isinstance(value, bool)


def _positive_int(value: int, name: str) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
        raise ValueError(f"{name} must be an integer >= 1, got {value!r}")
    return int(value)


def _start_prices(value: float | Sequence[float], num_assets: int) -> np.ndarray:
    prices = np.asarray(value, dtype=np.float64)
    if prices.ndim == 0:
        prices = np.full(num_assets, float(prices))
    if prices.shape != (num_assets,) or not np.all(np.isfinite(prices) & (prices > 0)):
        raise ValueError(
            f"start prices must be one positive price or {num_assets} (one per asset), "
            f"got {value!r}"
        )
    return prices


def _symbols(symbols: Sequence[str] | None, num_assets: int) -> tuple[str, ...]:
    if symbols is None:
        return tuple(f"ASSET{index}" for index in range(num_assets))
    names = tuple(symbols)
    if len(names) != num_assets:
        raise ValueError(f"symbols must name {num_assets} assets, got {symbols!r}")
    return names


def _timestamps(start: str, bar: str, num_steps: int, generator: str) -> np.ndarray:
    try:
        first = pd.Timestamp(start)
        spacing = pd.Timedelta(bar)
    except ValueError as error:
        raise ValueError(
            f"{generator}: start must be a timestamp and bar a duration such as '1D' or '1min', "
            f"got start={start!r}, bar={bar!r} ({error})"
        ) from None
    if spacing <= pd.Timedelta(0):
        raise ValueError(f"{generator}: bar must be a positive duration, got {bar!r}")
    first_ns = np.datetime64(first.tz_localize(None) if first.tzinfo else first, "ns")
    return first_ns + np.arange(num_steps) * np.timedelta64(spacing.value, "ns")


__all__ = ["DEFAULT_REGIMES", "MarketData", "Regime", "cointegrated_pair", "correlated_gbm"]
