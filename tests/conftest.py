"""Shared test settings: headless rendering, and skips for envs whose system dependencies lack."""

from __future__ import annotations

import importlib.util
import os

import pytest

os.environ.setdefault("SDL_VIDEODRIVER", "dummy")
os.environ.setdefault("PYGAME_HIDE_SUPPORT_PROMPT", "1")

#: Ids that need python-chess and the Stockfish binary (`.ci/system-packages` installs it).
CHESS_ENV_IDS = ("rlbench/Chess-v0", "rlbench/Endgames-v0")


def _chess_unavailable() -> str | None:
    """Why the chess envs cannot run here, or ``None`` when they can."""
    if importlib.util.find_spec("chess") is None:
        return 'python-chess is not installed (pip install "rlbench-suite[chess]")'
    from rlbench_suite.envs.language.chess_env import find_stockfish

    try:
        find_stockfish()
    except FileNotFoundError as error:
        return str(error)
    return None


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Skip registry-driven cases of the chess ids, with the reason, where the engine is missing.

    Only those cases: every other test, and every chess test where the engine is present, runs.
    """
    reason = None
    checked = False
    for item in items:
        callspec = getattr(item, "callspec", None)
        if callspec is None or callspec.params.get("env_id") not in CHESS_ENV_IDS:
            continue
        if item.name.startswith("test_env_documents_itself"):
            continue  # reads the module docstring; builds no env
        if not checked:
            reason, checked = _chess_unavailable(), True
        if reason is not None:
            item.add_marker(pytest.mark.skip(reason=reason))
