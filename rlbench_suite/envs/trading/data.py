"""The user's own OHLCV data: read, checked cell by cell, and returned as a :class:`MarketData`.

:func:`load_ohlcv` reads a CSV file, a Parquet file (``.parquet``, through pandas and pyarrow or
fastparquet) or a ``pandas.DataFrame``, in one of two layouts:

- long: one row per timestamp and symbol, with a symbol column; every symbol must have the
  same timestamps (a multi-asset market is aligned bar by bar);
- single asset: no symbol column; the asset is named after the file (``AAPL.csv`` -> ``AAPL``),
  or ``ASSET0`` for a DataFrame.

Column names are matched case-insensitively and stripped (``Open``, `` open``); required are
timestamp, open, high, low, close and volume; other columns (``adj_close``, indicators) are
ignored. Timestamps may carry a time zone: they are converted to UTC and stored without one.

Nothing partial is ever used: a file with any bad cell raises a ``ValueError`` naming the file,
the row (in a CSV, the 1-based line number with the header on line 1; in Parquet and DataFrames,
the 1-based data row) and the column, and how many rows share the problem. Blank lines in a CSV
are skipped without shifting the line numbers.

    >>> from pathlib import Path
    >>> market = load_ohlcv(EXAMPLE_OHLCV)
    >>> market.symbols, len(market), Path(market.source).name
    (('ALPHA', 'BETA', 'GAMMA'), 500, 'example_ohlcv.csv')
    >>> import pandas as pd
    >>> frame = pd.DataFrame({"Timestamp": ["2024-01-02", "2024-01-01"], "Open": [1.0, 1.0],
    ...     "High": [1.0, 1.0], "Low": [1.0, 1.0], "Close": [1.0, 1.0], "Volume": [0, 0]})
    >>> load_ohlcv(frame)
    Traceback (most recent call last):
    ...
    ValueError: <DataFrame>: row 2, column 'timestamp': 2024-01-01 00:00:00 does not come after \
2024-01-02 00:00:00 (row 1) for symbol ASSET0; timestamps must strictly increase per symbol
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from rlbench_suite.envs.trading.synthetic import MarketData, correlated_gbm

#: A small synthetic market shipped with the package (3 symbols, 500 daily bars), written by
#: :func:`write_example_ohlcv` from :func:`~rlbench_suite.envs.trading.synthetic.correlated_gbm`
#: with a fixed seed: an example of the format, not market data of any real asset.
EXAMPLE_OHLCV = Path(__file__).parent / "data" / "example_ohlcv.csv"
EXAMPLE_SEED = 2024
EXAMPLE_BARS = 500
EXAMPLE_SYMBOLS = ("ALPHA", "BETA", "GAMMA")
EXAMPLE_START_PRICES = (50.0, 100.0, 200.0)

PRICE_COLUMNS = ("open", "high", "low", "close")
REQUIRED_COLUMNS = ("timestamp", *PRICE_COLUMNS, "volume")
#: Cells read as missing, as pandas reads them, besides empty ones.
MISSING_MARKERS = frozenset({"nan", "na", "n/a", "null", "none", "<na>", "nat"})
DATAFRAME_NAME = "<DataFrame>"


@dataclass(frozen=True)
class _Table:
    """The rows of a source as strings or values, and how to name a row in a message."""

    frame: pd.DataFrame  # one column per required field (and symbol), rows 0..n-1
    name: str  # the file, or DATAFRAME_NAME
    row_numbers: np.ndarray  # (n,) the number of each row in messages
    row_word: str  # "line" for CSV, "row" for Parquet and DataFrames

    def where(self, position: int, column: str) -> str:
        return f"{self.name}: {self.row(position)}, column '{column}'"

    def row(self, position: int) -> str:
        return f"{self.row_word} {self.row_numbers[position]}"


def load_ohlcv(
    source: str | os.PathLike[str] | pd.DataFrame,
    *,
    timestamp_column: str = "timestamp",
    symbol_column: str = "symbol",
) -> MarketData:
    """A validated market from a CSV or Parquet file or a DataFrame of OHLCV bars.

    Args:
        source: a ``.csv`` or ``.parquet`` path, or a DataFrame (a ``DatetimeIndex`` serves as
            the timestamp column when the frame has none).
        timestamp_column: the name of the timestamp column (any case); default ``timestamp``.
        symbol_column: the name of the symbol column (any case); without one, the source is a
            single asset. Default ``symbol``.

    Returns:
        The market, bars in time order, symbols in order of first appearance, ``source`` the
        file's path (``<DataFrame>`` for a frame).

    Raises:
        ValueError: on a missing or empty file, missing columns, or any bad cell: an
            unparseable number or timestamp, an empty or NaN cell, an infinite value, a
            non-positive price, a negative volume, a high below the low, open or close, a low
            above the open or close, timestamps that do not strictly increase per symbol, or
            symbols with different timestamps. The message names the file, row and column.
        ImportError: for a Parquet file when neither pyarrow nor fastparquet is installed.

    """
    table = _read(source, timestamp_column.strip().lower(), symbol_column.strip().lower())
    timestamps = _timestamps(table)
    values = {column: _numbers(table, column) for column in (*PRICE_COLUMNS, "volume")}
    _check_ranges(table, values)
    symbols = _symbols(table, source)
    return _assemble(table, timestamps, values, symbols)


def _read(source: str | os.PathLike[str] | pd.DataFrame, timestamp: str, symbol: str) -> _Table:
    """The source's required columns as a frame, renamed to the canonical names."""
    if isinstance(source, pd.DataFrame):
        frame = source
        if timestamp not in {str(column).strip().lower() for column in frame.columns} and (
            isinstance(frame.index, pd.DatetimeIndex)
        ):
            frame = frame.rename_axis(timestamp).reset_index()
        frame = frame.reset_index(drop=True)
        name, first_row, row_word = DATAFRAME_NAME, 1, "row"
    else:
        path = Path(source)
        name = str(path)
        if not path.is_file():
            raise ValueError(f"{name}: no such file")
        if path.stat().st_size == 0:
            raise ValueError(
                f"{name}: line 1: the file is empty; expected a header naming the columns "
                f"{', '.join(REQUIRED_COLUMNS)}"
            )
        if path.suffix.lower() == ".parquet":
            frame = _read_parquet(path)
            first_row, row_word = 1, "row"
        else:
            try:
                # Strings throughout, so each cell is parsed (and reported) here, and no blank
                # line is skipped, so a row's position gives its line number.
                frame = pd.read_csv(path, dtype=str, keep_default_na=False, skip_blank_lines=False)
            except (pd.errors.ParserError, UnicodeDecodeError) as error:
                raise ValueError(f"{name}: not a readable CSV file ({error})") from None
            except pd.errors.EmptyDataError:
                raise ValueError(
                    f"{name}: line 1: the file is empty; expected a header naming the columns "
                    f"{', '.join(REQUIRED_COLUMNS)}"
                ) from None
            first_row, row_word = 2, "line"
    by_name: dict[str, object] = {}
    for column in frame.columns:
        key = str(column).strip().lower()
        if key in by_name:
            raise ValueError(
                f"{name}: line 1 (header): columns {by_name[key]!r} and {column!r} both read as "
                f"'{key}'; column names are matched case-insensitively"
            )
        by_name[key] = column
    wanted = {
        "timestamp": timestamp,
        **{column: column for column in REQUIRED_COLUMNS[1:]},
    }
    missing = [canonical for canonical, key in wanted.items() if key not in by_name]
    if missing:
        listed = ", ".join(f"'{wanted[canonical]}'" for canonical in missing)
        found = ", ".join(repr(str(column)) for column in frame.columns) or "none"
        raise ValueError(
            f"{name}: line 1 (header), columns: missing required column(s) {listed}; found {found}"
        )
    if symbol in by_name:
        wanted["symbol"] = symbol
    selected = frame[[by_name[wanted[canonical]] for canonical in wanted]]
    selected.columns = list(wanted)
    row_numbers = np.arange(len(selected)) + first_row
    if row_word == "line":
        blank = (selected.isna() | (selected == "")).all(axis=1).to_numpy()
        selected, row_numbers = selected[~blank], row_numbers[~blank]
    if len(selected) == 0:
        raise ValueError(f"{name}: no data rows after the header (line 1)")
    return _Table(selected.reset_index(drop=True), name, row_numbers, row_word)


def _read_parquet(path: Path) -> pd.DataFrame:
    try:
        frame = pd.read_parquet(path)
    except ImportError as error:
        raise ImportError(
            f"{path}: reading Parquet needs pyarrow or fastparquet; install one "
            f"(pip install pyarrow) or convert the file to CSV ({error})"
        ) from None
    except (OSError, ValueError) as error:
        raise ValueError(f"{path}: not a readable Parquet file ({error})") from None
    # Positions, not the file's own index, number the rows in messages.
    return frame.reset_index(drop=True)


def _missing(cells: pd.Series) -> np.ndarray:
    """Where a cell is empty or NaN, as text or as a value."""
    as_text = cells.astype(str).str.strip().str.lower()
    return (cells.isna() | (as_text == "") | as_text.isin(MISSING_MARKERS)).to_numpy()


def _fail(table: _Table, bad: np.ndarray, column: str, problem: str) -> None:
    """Raise naming the first row where ``bad`` holds, if any: ``problem`` formats its cell."""
    if not np.any(bad):
        return
    position = int(np.argmax(bad))
    count = int(np.count_nonzero(bad))
    more = f" ({count} rows in all)" if count > 1 else ""
    cell = table.frame[column].iloc[position]
    if isinstance(cell, np.generic):
        cell = cell.item()
    raise ValueError(f"{table.where(position, column)}: {problem.format(cell=cell)}{more}")


def _numbers(table: _Table, column: str) -> np.ndarray:
    cells = table.frame[column]
    _fail(table, _missing(cells), column, "empty or NaN cell")
    text = cells.astype(str).str.strip() if cells.dtype == object else cells
    parsed = pd.to_numeric(text, errors="coerce")
    values = np.asarray(parsed, dtype=np.float64)
    _fail(table, np.isnan(values), column, "cannot read {cell!r} as a number")
    _fail(table, np.isinf(values), column, "{cell!r} is infinite; prices and volumes are finite")
    return values


def _timestamps(table: _Table) -> np.ndarray:
    cells = table.frame["timestamp"]
    _fail(table, _missing(cells), "timestamp", "empty or NaN cell")
    text = cells.astype(str).str.strip() if cells.dtype == object else cells
    parsed = pd.to_datetime(text, errors="coerce", utc=True, format="ISO8601")
    unread = parsed.isna()
    if unread.any():
        # Not ISO 8601: each cell on its own through pandas' general parser ("01/02/2020").
        parsed[unread] = pd.to_datetime(text[unread], errors="coerce", utc=True, format="mixed")
    _fail(table, parsed.isna().to_numpy(), "timestamp", "cannot read {cell!r} as a timestamp")
    return parsed.dt.tz_localize(None).to_numpy(dtype="datetime64[ns]")


def _check_ranges(table: _Table, values: dict[str, np.ndarray]) -> None:
    for column in PRICE_COLUMNS:
        _fail(table, values[column] <= 0, column, "{cell!r} is not a positive price")
    _fail(table, values["volume"] < 0, "volume", "{cell!r} is a negative volume")
    high, low = values["high"], values["low"]
    _fail(table, high < low, "high", "high {cell!r} is below the low of the same row")
    upper = np.maximum(values["open"], values["close"])
    _fail(table, high < upper, "high", "high {cell!r} is below max(open, close) of the same row")
    lower = np.minimum(values["open"], values["close"])
    _fail(table, low > lower, "low", "low {cell!r} is above min(open, close) of the same row")


def _symbols(table: _Table, source: str | os.PathLike[str] | pd.DataFrame) -> np.ndarray:
    """The symbol of each row: the symbol column, or one name for a single-asset source."""
    if "symbol" in table.frame:
        cells = table.frame["symbol"]
        _fail(table, _missing(cells), "symbol", "empty symbol")
        return cells.astype(str).str.strip().to_numpy()
    name = "ASSET0" if isinstance(source, pd.DataFrame) else Path(source).stem
    return np.full(len(table.frame), name, dtype=object)


def _assemble(
    table: _Table, timestamps: np.ndarray, values: dict[str, np.ndarray], symbols: np.ndarray
) -> MarketData:
    names = tuple(dict.fromkeys(symbols.tolist()))
    rows_of = {name: np.flatnonzero(symbols == name) for name in names}
    for name, rows in rows_of.items():
        times = timestamps[rows]
        backwards = np.flatnonzero(np.diff(times) <= np.timedelta64(0, "ns"))
        if backwards.size:
            position, previous = rows[backwards[0] + 1], rows[backwards[0]]
            raise ValueError(
                f"{table.where(position, 'timestamp')}: {pd.Timestamp(timestamps[position])} "
                f"does not come after {pd.Timestamp(timestamps[previous])} "
                f"({table.row(previous)}) for symbol {name}; timestamps must strictly increase "
                f"per symbol" + (f" ({backwards.size} rows in all)" if backwards.size > 1 else "")
            )
    bar_times = np.unique(timestamps)
    for name, rows in rows_of.items():
        if rows.size == bar_times.size:
            continue
        absent = np.setdiff1d(bar_times, timestamps[rows])[0]
        holder = int(np.argmax(timestamps == absent))
        raise ValueError(
            f"{table.where(holder, 'timestamp')}: symbol {name} has no bar at "
            f"{pd.Timestamp(absent)}, which symbol {symbols[holder]} has; every symbol of a "
            f"multi-asset file needs the same timestamps ({name}: {rows.size} bars, all "
            f"symbols: {bar_times.size})"
        )
    arrays = {}
    for column, column_values in values.items():
        grid = np.empty((bar_times.size, len(names)))
        for asset, name in enumerate(names):
            # Each symbol's rows are in strictly increasing time order and cover every bar.
            grid[:, asset] = column_values[rows_of[name]]
        arrays[column] = grid
    return MarketData(timestamps=bar_times, **arrays, symbols=names, source=table.name)


__all__ = ["EXAMPLE_OHLCV", "MarketData", "load_ohlcv"]


def example_ohlcv_frame() -> pd.DataFrame:
    """The rows of :data:`EXAMPLE_OHLCV`, as exchanges report bars.

    Three symbols x 500 daily bars from 2020-01-01, drawn by
    :func:`~rlbench_suite.envs.trading.synthetic.correlated_gbm` with its default regimes, seed
    :data:`EXAMPLE_SEED` and start prices 50, 100 and 200. Prices are rounded to cents and
    volumes to whole units; high and low are rounded outwards, so every bar stays valid.
    """
    market, _ = correlated_gbm(
        np.random.default_rng(EXAMPLE_SEED),
        EXAMPLE_BARS,
        len(EXAMPLE_SYMBOLS),
        start_price=EXAMPLE_START_PRICES,
        symbols=EXAMPLE_SYMBOLS,
    )
    frame = market.to_frame()
    frame["timestamp"] = frame["timestamp"].dt.strftime("%Y-%m-%d")
    for column in ("open", "close"):
        frame[column] = frame[column].round(2)
    # Outward rounding: the rounded high still bounds the rounded open and close, the low too.
    frame["high"] = np.maximum(np.ceil(frame["high"] * 100) / 100, frame[["open", "close"]].max(1))
    frame["low"] = np.minimum(np.floor(frame["low"] * 100) / 100, frame[["open", "close"]].min(1))
    frame["volume"] = frame["volume"].astype(np.int64)
    return frame


def example_ohlcv_text() -> str:
    """The CSV text of :data:`EXAMPLE_OHLCV`, byte for byte."""
    return example_ohlcv_frame().to_csv(index=False, float_format="%.2f", lineterminator="\n")


def write_example_ohlcv(path: Path = EXAMPLE_OHLCV) -> Path:
    """(Re)write the example file, byte for byte what :func:`example_ohlcv_text` gives.

    From a shell: ``python -c "from rlbench_suite.envs.trading.data import *;
    write_example_ohlcv()"``.
    """
    path.write_text(example_ohlcv_text())
    return path
