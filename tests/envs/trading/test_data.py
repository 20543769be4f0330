"""The OHLCV loader: good files in either layout, and every kind of bad file refused by location."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from rlbench_suite.envs.trading import data as data_module
from rlbench_suite.envs.trading.data import EXAMPLE_OHLCV, example_ohlcv_text, load_ohlcv
from rlbench_suite.envs.trading.synthetic import correlated_gbm

HEADER = "timestamp,symbol,open,high,low,close,volume\n"
GOOD_ROWS = (
    "2024-01-01,A,10,11,9,10.5,100\n"
    "2024-01-01,B,20,21,19,20.5,200\n"
    "2024-01-02,A,10.5,12,10,11,150\n"
    "2024-01-02,B,20.5,22,20,21,250\n"
)


@dataclass(frozen=True)
class MalformedCase:
    """A bad CSV file (None: no file at all) and what its error must say besides the file name."""

    kind: str
    text: str | None
    expected: str


#: One case per kind of violation; ``benchmarks/malformed_ohlcv_table.py`` prints this table with
#: the loader's messages.
MALFORMED_CASES = (
    MalformedCase("missing file", None, "no such file"),
    MalformedCase("empty file", "", "line 1: the file is empty"),
    MalformedCase("header only", HEADER, "no data rows after the header (line 1)"),
    MalformedCase(
        "missing columns",
        "timestamp,symbol,open,close\n2024-01-01,A,10,10\n",
        "line 1 (header), columns: missing required column(s) 'high', 'low', 'volume'",
    ),
    MalformedCase(
        "unparseable number",
        HEADER + GOOD_ROWS.replace("20.5,200", "20.5,2OO"),
        "line 3, column 'volume': cannot read '2OO' as a number",
    ),
    MalformedCase(
        "unparseable timestamp",
        HEADER + GOOD_ROWS.replace("2024-01-02,A", "2024-13-45,A"),
        "line 4, column 'timestamp': cannot read '2024-13-45' as a timestamp",
    ),
    MalformedCase(
        "empty cell",
        HEADER + GOOD_ROWS.replace("10.5,12,10,11", "10.5,12,,11"),
        "line 4, column 'low': empty or NaN cell",
    ),
    MalformedCase(
        "NaN cell",
        HEADER + GOOD_ROWS.replace("20.5,22,20,21", "20.5,22,20,NaN"),
        "line 5, column 'close': empty or NaN cell",
    ),
    MalformedCase(
        "infinite value",
        HEADER + GOOD_ROWS.replace("10,11,9,10.5", "10,inf,9,10.5"),
        "line 2, column 'high': 'inf' is infinite",
    ),
    MalformedCase(
        "non-positive price",
        HEADER + GOOD_ROWS.replace("20,21,19,20.5", "0,21,19,20.5"),
        "line 3, column 'open': '0' is not a positive price",
    ),
    MalformedCase(
        "negative volume",
        HEADER + GOOD_ROWS.replace("11,150", "11,-150"),
        "line 4, column 'volume': '-150' is a negative volume",
    ),
    MalformedCase(
        "high below low",
        HEADER + GOOD_ROWS.replace("20.5,22,20,21", "20.5,19,20,21"),
        "line 5, column 'high': high '19' is below the low of the same row",
    ),
    MalformedCase(
        "high below open or close",
        HEADER + GOOD_ROWS.replace("10,11,9,10.5", "10,10.2,9,10.5"),
        "line 2, column 'high': high '10.2' is below max(open, close)",
    ),
    MalformedCase(
        "low above open or close",
        HEADER + GOOD_ROWS.replace("10.5,12,10,11", "10.5,12,10.8,11"),
        "line 4, column 'low': low '10.8' is above min(open, close)",
    ),
    MalformedCase(
        "duplicate timestamp",
        HEADER + GOOD_ROWS.replace("2024-01-02,B", "2024-01-01,B"),
        "line 5, column 'timestamp': 2024-01-01 00:00:00 does not come after 2024-01-01 00:00:00 "
        "(line 3) for symbol B",
    ),
    MalformedCase(
        "timestamps out of order",
        HEADER + GOOD_ROWS + "2023-12-31,A,11,12,10,11,100\n2024-01-03,B,21,22,20,21,100\n",
        "line 6, column 'timestamp': 2023-12-31 00:00:00 does not come after 2024-01-02 00:00:00 "
        "(line 4) for symbol A",
    ),
    MalformedCase(
        "symbols not aligned",
        HEADER + GOOD_ROWS + "2024-01-03,A,11,12,10,11,100\n",
        "line 6, column 'timestamp': symbol B has no bar at 2024-01-03 00:00:00, which symbol A "
        "has",
    ),
    MalformedCase(
        "empty symbol",
        HEADER + GOOD_ROWS.replace("2024-01-02,B", "2024-01-02,"),
        "line 5, column 'symbol': empty symbol",
    ),
)


def malformed_message(case: MalformedCase, folder: Path) -> tuple[Path, str]:
    """The file a case writes in ``folder`` and the loader's error message for it."""
    path = folder / "prices.csv"
    if case.text is not None:
        path.write_text(case.text)
    with pytest.raises(ValueError) as raised:
        load_ohlcv(path)
    return path, str(raised.value)


@pytest.mark.parametrize("case", MALFORMED_CASES, ids=[case.kind for case in MALFORMED_CASES])
def test_malformed_file_is_refused_naming_file_row_and_column(
    case: MalformedCase, tmp_path: Path
) -> None:
    """Each kind of bad file raises a ValueError naming the file, the line and the column."""
    path, message = malformed_message(case, tmp_path)
    assert message.startswith(f"{path}: ")
    assert case.expected in message


def test_every_violation_in_a_file_is_counted() -> None:
    """A column with several bad rows names the first and how many there are."""
    frame = load_ohlcv(EXAMPLE_OHLCV).to_frame()
    frame.loc[[4, 9, 30], "volume"] = -1.0
    with pytest.raises(ValueError, match=r"row 5, column 'volume': -1.0 is a negative volume "):
        load_ohlcv(frame)
    with pytest.raises(ValueError, match=r"\(3 rows in all\)"):
        load_ohlcv(frame)


def test_the_shipped_example_file_is_exactly_what_its_generator_writes() -> None:
    """example_ohlcv.csv is reproducible: the seeded generator rewrites it byte for byte."""
    assert example_ohlcv_text() == EXAMPLE_OHLCV.read_text()


def test_example_file_loads_as_three_aligned_daily_symbols() -> None:
    """The shipped example holds ALPHA, BETA, GAMMA over 500 daily bars from 2020-01-01."""
    market = load_ohlcv(EXAMPLE_OHLCV)
    assert market.symbols == ("ALPHA", "BETA", "GAMMA")
    assert market.close.shape == (500, 3)
    assert str(market.timestamps[0])[:10] == "2020-01-01"
    assert market.open[0].tolist() == [50.0, 100.0, 200.0]
    assert EXAMPLE_OHLCV.stat().st_size < 100_000


def test_long_frame_round_trips_through_the_loader(tmp_path: Path) -> None:
    """A generated market written as CSV reads back with the same bars and symbols."""
    market, _ = correlated_gbm(np.random.default_rng(3), 40, 3, symbols=("X", "Y", "Z"))
    path = tmp_path / "market.csv"
    market.to_frame().to_csv(path, index=False, float_format="%.17g")
    loaded = load_ohlcv(path)
    assert loaded.symbols == ("X", "Y", "Z") and loaded.source == str(path)
    np.testing.assert_array_equal(loaded.timestamps, market.timestamps)
    np.testing.assert_allclose(loaded.close, market.close, rtol=1e-15)
    np.testing.assert_allclose(loaded.volume, market.volume)


def test_single_asset_file_is_named_after_the_file_and_columns_match_in_any_case(
    tmp_path: Path,
) -> None:
    """A file without a symbol column is one asset named by the file; ' Open' reads as open."""
    path = tmp_path / "AAPL.csv"
    path.write_text(
        "Date, Open,HIGH,low,Close,Volume,Adj Close\n"
        "2024-01-02,10,11,9,10.5,100,10.4\n"
        "\n"
        "2024-01-03,10.5,12,10,11,150,10.9\n"
    )
    market = load_ohlcv(path, timestamp_column="date")
    assert market.symbols == ("AAPL",)
    assert market.close[:, 0].tolist() == [10.5, 11.0]


def test_blank_lines_do_not_shift_line_numbers(tmp_path: Path) -> None:
    """With a blank line above it, a bad row is still reported at its own line number."""
    path = tmp_path / "gaps.csv"
    path.write_text(HEADER + "\n" + GOOD_ROWS.replace("11,150", "11,-150"))
    with pytest.raises(ValueError, match=r"line 5, column 'volume'"):
        load_ohlcv(path)


def test_time_zones_are_converted_to_utc_and_unordered_rows_across_symbols_are_fine() -> None:
    """Offsets in timestamps become UTC; rows of different symbols may interleave in any order."""
    frame = pd.DataFrame(
        {
            "timestamp": [
                "2024-01-02T10:00+01:00",
                "2024-01-02T09:00Z",
                "2024-01-02T09:01Z",
                "2024-01-02T10:01+01:00",
            ],
            "symbol": ["A", "B", "B", "A"],
            "open": [1.0, 2.0, 2.0, 1.0],
            "high": [1.0, 2.0, 2.0, 1.0],
            "low": [1.0, 2.0, 2.0, 1.0],
            "close": [1.0, 2.0, 2.0, 1.0],
            "volume": [0.0, 0.0, 0.0, 0.0],
        }
    )
    market = load_ohlcv(frame)
    assert [str(t) for t in market.timestamps.astype("datetime64[m]")] == [
        "2024-01-02T09:00",
        "2024-01-02T09:01",
    ]
    assert market.symbols == ("A", "B") and market.source == "<DataFrame>"


def test_frame_with_a_datetime_index_needs_no_timestamp_column() -> None:
    """A DataFrame indexed by time (as yfinance returns) is read with its index as timestamps."""
    index = pd.date_range("2024-01-01", periods=3, freq="D", name="Date")
    frame = pd.DataFrame(
        {"Open": 1.0, "High": 2.0, "Low": 0.5, "Close": 1.5, "Volume": 10.0}, index=index
    )
    market = load_ohlcv(frame)
    assert len(market) == 3 and market.symbols == ("ASSET0",)
    np.testing.assert_array_equal(market.timestamps, index.to_numpy())


def test_parquet_without_an_engine_says_what_to_install(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Without pyarrow or fastparquet, a .parquet file raises an ImportError naming pyarrow."""

    def no_engine(*args: object, **kwargs: object) -> pd.DataFrame:
        raise ImportError("Unable to find a usable engine")

    monkeypatch.setattr(data_module.pd, "read_parquet", no_engine)
    path = tmp_path / "prices.parquet"
    path.write_bytes(b"PAR1")
    with pytest.raises(ImportError, match=r"prices.parquet: reading Parquet needs pyarrow"):
        load_ohlcv(path)


def test_parquet_file_is_read_when_an_engine_is_installed(tmp_path: Path) -> None:
    """A Parquet file reads like the CSV it was written from, rows numbered from 1."""
    pytest.importorskip("pyarrow")
    path = tmp_path / "prices.parquet"
    frame = load_ohlcv(EXAMPLE_OHLCV).to_frame()
    frame.to_parquet(path)
    assert load_ohlcv(path).close.shape == (500, 3)
    frame.loc[7, "close"] = -1.0
    frame.to_parquet(path)
    with pytest.raises(ValueError, match=r"prices.parquet: row 8, column 'close'"):
        load_ohlcv(path)


def test_columns_differing_only_in_case_are_refused(tmp_path: Path) -> None:
    """A header with both 'Close' and 'close' is ambiguous and refused on line 1."""
    path = tmp_path / "twice.csv"
    path.write_text("timestamp,open,high,low,Close,close,volume\n2024-01-01,1,1,1,1,1,1\n")
    with pytest.raises(ValueError, match=r"line 1 \(header\): columns 'Close' and 'close'"):
        load_ohlcv(path)
