"""A plain (non-editable) install carries everything the CLI needs."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> zipfile.ZipFile:
    """A wheel built from this checkout."""
    out = tmp_path_factory.mktemp("wheel")
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--no-deps",
            "--no-build-isolation",
            "-q",
            "-w",
            str(out),
            str(REPO),
        ],
        check=True,
        capture_output=True,
        text=True,
    )
    (wheel_path,) = out.glob("rlbench_suite-*.whl")
    return zipfile.ZipFile(wheel_path)


@pytest.fixture(scope="module")
def wheel_names(wheel: zipfile.ZipFile) -> set[str]:
    """File names inside the wheel."""
    return set(wheel.namelist())


def test_wheel_ships_baselines_inside_the_package(wheel_names: set[str]) -> None:
    """baselines/ is installed as rlbench_suite.baselines, never as a top-level `baselines`."""
    assert "rlbench_suite/baselines/reference.py" in wheel_names
    assert not any(name.startswith("baselines/") for name in wheel_names)


def test_wheel_ships_data_files_and_type_marker(wheel_names: set[str]) -> None:
    """Reference scores, env data and py.typed are package data."""
    assert "rlbench_suite/envs/bandits/data/references.json" in wheel_names
    assert "rlbench_suite/py.typed" in wheel_names
    language = "rlbench_suite/envs/language/data/"
    for name in ("wordle_answers.txt", "LICENSE.wordlists", "twenty_questions.json", "cities.json"):
        assert language + name in wheel_names, name


def test_every_source_module_is_in_the_wheel(wheel_names: set[str]) -> None:
    """No package folder was forgotten in pyproject's package list."""
    sources = {str(path.relative_to(REPO)) for path in (REPO / "rlbench_suite").rglob("*.py")}
    assert sources <= wheel_names, sorted(sources - wheel_names)


def test_wheel_declares_the_console_script(wheel: zipfile.ZipFile, wheel_names: set[str]) -> None:
    """entry_points.txt maps `rlbench` to rlbench_suite.cli:main."""
    (entry_points,) = [name for name in wheel_names if name.endswith(".dist-info/entry_points.txt")]
    assert "rlbench = rlbench_suite.cli:main" in wheel.read(entry_points).decode()
