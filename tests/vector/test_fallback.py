"""Without the C extension the suite still imports and make_vec runs on Gymnasium's Python path."""

from __future__ import annotations

import subprocess
import sys
import textwrap
import warnings

import gymnasium as gym
import numpy as np
import pytest
from gymnasium.vector import AutoresetMode, SyncVectorEnv

import rlbench_suite.envs.calibration  # noqa: F401
from rlbench_suite.vector import NativeExtensionWarning, native


@pytest.fixture
def without_extension(monkeypatch):
    """The vector module as it is when `rlbench_suite._native` failed to import."""
    monkeypatch.setattr(native, "_native", None)
    monkeypatch.setattr(native, "NATIVE_IMPORT_ERROR", ImportError("no compiler"))


def test_make_vec_falls_back_to_sync_with_one_warning(without_extension) -> None:
    """make_vec warns once, naming the cause, and returns a working SyncVectorEnv."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        envs = gym.make_vec(
            "rlbench/CartPole-v1", num_envs=3, num_threads=2, autoreset_mode="same_step"
        )
    fallbacks = [w for w in caught if issubclass(w.category, NativeExtensionWarning)]
    assert len(fallbacks) == 1 and len(caught) == 1, [str(w.message) for w in caught]
    assert "no compiler" in str(fallbacks[0].message)
    assert "SyncVectorEnv" in str(fallbacks[0].message)
    assert isinstance(envs, SyncVectorEnv)
    assert envs.metadata["autoreset_mode"] == AutoresetMode.SAME_STEP
    observations, _ = envs.reset(seed=0)
    assert observations.shape == (3, 4)
    envs.step(np.ones(3, dtype=np.int64))
    envs.close()


def test_native_vector_env_says_how_to_get_the_python_path(without_extension) -> None:
    """NativeVectorEnv without the extension raises an ImportError that points to make_vec."""
    with pytest.raises(ImportError, match=r"gym\.make_vec"):
        native.NativeVectorEnv("rlbench/CartPole-v1", 2)
    assert not native.native_available() and native.max_threads() == 1


def test_import_and_make_vec_work_when_the_extension_cannot_load() -> None:
    """In a fresh interpreter that cannot import _native, the suite imports and make_vec works."""
    script = textwrap.dedent(
        """
        import sys, warnings
        sys.modules["rlbench_suite._native"] = None  # what a missing or broken build looks like
        import gymnasium as gym, numpy as np
        import rlbench_suite
        from rlbench_suite.vector import native_available
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            envs = gym.make_vec("rlbench/RMAB-TwoState-v0", num_envs=2, num_arms=4, budget=1)
        envs.reset(seed=0)
        envs.step(np.array([[1, 0, 0, 0], [0, 1, 0, 0]]))
        print(native_available(), type(envs).__name__, [w.category.__name__ for w in caught])
        """
    )
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["False", "SyncVectorEnv", "['NativeExtensionWarning']"]
