"""Build rules for the C extension ``rlbench_suite._native``; all metadata lives in pyproject.toml.

The extension is optional: without a C compiler ``pip install`` still succeeds and
``gym.make_vec`` falls back to Gymnasium's Python vectoriser with one warning. OpenMP is tried
first; a compiler that rejects it gets a single-threaded build.
"""

from __future__ import annotations

from pathlib import Path

from setuptools import Extension, setup
from setuptools.command.build_ext import build_ext
from setuptools.errors import CompileError, LinkError

# -ffp-contract=off: no fused multiply-add, so the kernels round as their NumPy twins do (the
# bandit kernel bit for bit) whatever -march the builder adds.
UNIX_FLAGS = ["-O3", "-std=c11", "-ffp-contract=off", "-Wall", "-Wextra"]
OPENMP_FLAGS = {"unix": (["-fopenmp"], ["-fopenmp"]), "msvc": (["/openmp"], [])}


class BuildExtWithOptionalOpenMP(build_ext):
    """Compile with OpenMP where the compiler takes it, otherwise without."""

    def build_extension(self, ext: Extension) -> None:
        compiler_type = self.compiler.compiler_type
        base_compile = list(ext.extra_compile_args)
        base_link = list(ext.extra_link_args)
        if compiler_type == "unix":
            base_compile += UNIX_FLAGS
        compile_openmp, link_openmp = OPENMP_FLAGS.get(compiler_type, ([], []))
        if compile_openmp:
            ext.extra_compile_args = base_compile + compile_openmp
            ext.extra_link_args = base_link + link_openmp
            try:
                super().build_extension(ext)
                return
            except (CompileError, LinkError):
                self.warn(f"{ext.name}: the compiler rejected OpenMP; building single-threaded")
        ext.extra_compile_args = base_compile
        ext.extra_link_args = base_link
        super().build_extension(ext)


setup(
    ext_modules=[
        Extension(
            "rlbench_suite._native",
            sources=["rlbench_suite/csrc/binding.c"],
            # Every kernel header: a new kernel rebuilds the extension without an edit here.
            depends=sorted(str(path) for path in Path("rlbench_suite/csrc").glob("*.h")),
            optional=True,
        )
    ],
    cmdclass={"build_ext": BuildExtWithOptionalOpenMP},
)
