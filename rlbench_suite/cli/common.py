"""What every ``rlbench`` command shares: the consoles, progress display and JSON output."""

from __future__ import annotations

import json
import sys
from typing import Any

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

# Piped output (CI logs, `| less`) gets a wide fixed width rather than rich's 80-column default,
# so tables keep one line per row.
console = Console(width=None if sys.stdout.isatty() else 160)
errors = Console(stderr=True, width=None if sys.stderr.isatty() else 160)


def progress() -> Progress:
    """A transient progress bar on stderr, so stdout keeps only the command's output."""
    return Progress(
        TextColumn("[progress.description]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=errors,
        transient=True,
    )


def print_json(payload: Any) -> None:
    """Write ``payload`` to stdout as one indented JSON document."""
    sys.stdout.write(json.dumps(payload, indent=2) + "\n")
