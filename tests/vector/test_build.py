"""The C sources: warning-free, clean, and built single-threaded where OpenMP is rejected."""

from __future__ import annotations

import os
import re
import shutil
import stat
import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
CSRC = REPO / "rlbench_suite" / "csrc"
COMPILER = shutil.which("gcc") or shutil.which("cc")
needs_compiler = pytest.mark.skipif(COMPILER is None, reason="no C compiler")


@needs_compiler
@pytest.mark.parametrize("openmp", [False, True], ids=["serial", "openmp"])
def test_binding_compiles_without_warnings(openmp: bool) -> None:
    """-Wall -Wextra -Wpedantic -Werror accept the binding and every kernel header."""
    command = [COMPILER, "-fsyntax-only", "-std=c11", "-Wall", "-Wextra", "-Wpedantic", "-Werror"]
    command += ["-fopenmp"] if openmp else []
    command += [f"-I{sysconfig.get_paths()['include']}", str(CSRC / "binding.c")]
    result = subprocess.run(command, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr


def test_sources_carry_no_leftovers() -> None:
    """No TODO/FIXME markers, debug prints or absolute paths in the C sources."""
    for path in sorted(CSRC.glob("*.[ch]")):
        text = path.read_text()
        assert not re.search(r"\b(TODO|FIXME|XXX)\b", text), path.name
        assert not re.search(r'"/(home|work|tmp|root|Users)/', text), path.name
        assert 'printf("' not in text.replace("snprintf(", ""), f"{path.name} prints"


@needs_compiler
def test_compiler_without_openmp_gets_a_single_threaded_build(tmp_path: Path) -> None:
    """setup.py retries without -fopenmp when the compiler rejects it; that build imports."""
    wrapper = tmp_path / "cc-without-openmp"
    wrapper.write_text(
        f'#!/bin/sh\nfor arg; do [ "$arg" = -fopenmp ] && exit 1; done\nexec {COMPILER} "$@"\n'
    )
    wrapper.chmod(wrapper.stat().st_mode | stat.S_IEXEC)
    build = subprocess.run(
        [
            sys.executable,
            "setup.py",
            "-q",
            "build_ext",
            "--build-lib",
            str(tmp_path / "lib"),
            "--build-temp",
            str(tmp_path / "temp"),
        ],
        cwd=REPO,
        env={**os.environ, "CC": str(wrapper)},
        capture_output=True,
        text=True,
    )
    assert build.returncode == 0, build.stderr
    assert "building single-threaded" in build.stderr
    (library,) = (tmp_path / "lib" / "rlbench_suite").glob("_native*")
    probe = (
        "import importlib.util\n"
        "spec = importlib.util.spec_from_file_location("
        f"'rlbench_suite._native', {str(library)!r})\n"
        "module = importlib.util.module_from_spec(spec)\n"
        "spec.loader.exec_module(module)\n"
        "print(module.OPENMP, module.max_threads())\n"
    )
    result = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True)
    assert result.stdout.split() == ["False", "1"], result.stderr
