"""Write ``example_ohlcv.csv``: the synthetic multi-asset market shipped as an OHLCV example.

    .venv/bin/python rlbench_suite/envs/trading/data/make_example_ohlcv.py

Three symbols (ALPHA, BETA, GAMMA) x 500 daily bars from 2020-01-01, drawn by
:func:`~rlbench_suite.envs.trading.synthetic.correlated_gbm` with its default regimes and seed
2024, start prices 50, 100 and 200. Prices are rounded to cents and volumes are whole units, as
exchanges report them; rounding keeps every bar valid (high and low are rounded outwards). The
file is in long format with a symbol column, the layout :func:`load_ohlcv` reads, and is fully
synthetic: no third-party market data. Rerunning the script rewrites it byte for byte.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from rlbench_suite.envs.trading.synthetic import correlated_gbm

SEED = 2024
NUM_BARS = 500
SYMBOLS = ("ALPHA", "BETA", "GAMMA")
START_PRICES = (50.0, 100.0, 200.0)
OUTPUT = Path(__file__).with_name("example_ohlcv.csv")


def main() -> None:
    market, _ = correlated_gbm(
        np.random.default_rng(SEED),
        NUM_BARS,
        len(SYMBOLS),
        start_price=START_PRICES,
        symbols=SYMBOLS,
    )
    frame = market.to_frame()
    frame["timestamp"] = frame["timestamp"].dt.strftime("%Y-%m-%d")
    for column in ("open", "close"):
        frame[column] = frame[column].round(2)
    # Outward rounding: the rounded high still bounds the rounded open and close, the low too.
    frame["high"] = np.maximum(np.ceil(frame["high"] * 100) / 100, frame[["open", "close"]].max(1))
    frame["low"] = np.minimum(np.floor(frame["low"] * 100) / 100, frame[["open", "close"]].min(1))
    frame["volume"] = frame["volume"].astype(np.int64)
    frame.to_csv(OUTPUT, index=False, float_format="%.2f", lineterminator="\n")
    print(f"wrote {OUTPUT} ({OUTPUT.stat().st_size} bytes, {len(frame)} rows)")


if __name__ == "__main__":
    main()
