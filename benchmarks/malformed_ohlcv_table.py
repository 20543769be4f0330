"""What :func:`load_ohlcv` says about each kind of malformed OHLCV file, as a Markdown table.

    .venv/bin/python benchmarks/malformed_ohlcv_table.py

The cases are the test suite's own (``MALFORMED_CASES`` in tests/envs/trading/test_data.py):
each is written to ``prices.csv`` in a temporary folder, loaded, and its error message printed
with the folder left out, so the table reads the same on every machine.
"""

from __future__ import annotations

import importlib.util
import sys
import tempfile
from pathlib import Path

from rlbench_suite.envs.trading.data import load_ohlcv

CASES_FILE = Path(__file__).resolve().parents[1] / "tests" / "envs" / "trading" / "test_data.py"


def main() -> None:
    spec = importlib.util.spec_from_file_location("trading_data_cases", CASES_FILE)
    cases = importlib.util.module_from_spec(spec)
    # dataclasses look their module up in sys.modules while the class is built.
    sys.modules[spec.name] = cases
    spec.loader.exec_module(cases)
    print("| case | error message |")
    print("|---|---|")
    for case in cases.MALFORMED_CASES:
        with tempfile.TemporaryDirectory() as folder:
            path = Path(folder) / "prices.csv"
            if case.text is not None:
                path.write_text(case.text)
            try:
                load_ohlcv(path)
            except ValueError as error:
                message = str(error).replace(folder + "/", "")
            else:
                message = "(loaded without an error)"
        print(f"| {case.kind} | {message.replace('|', chr(92) + '|')} |")


if __name__ == "__main__":
    main()
