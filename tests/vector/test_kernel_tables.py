"""Kernels declared once: each header's table drives parsing in C and the checks in Python."""

from __future__ import annotations

import gymnasium as gym
import numpy as np
import pytest

import rlbench_suite.envs.calibration  # noqa: F401
from rlbench_suite.vector import KERNELS, NativeVectorEnv, kernels, native_available

pytestmark = pytest.mark.skipif(not native_available(), reason="the C extension is not built")


@pytest.fixture
def native():
    """The extension module."""
    from rlbench_suite import _native

    return _native


def _spec_params(env_id: str) -> dict:
    spec = kernels.kernel_spec(env_id)
    env = gym.make(env_id)
    return spec.params(env.unwrapped, gym.spec(env_id).max_episode_steps)


@pytest.mark.parametrize("env_id", sorted(KERNELS))
def test_every_spec_gives_exactly_the_parameters_its_table_declares(env_id: str) -> None:
    """A KernelSpec's dict has every required parameter of its kernel's table and no other."""
    table = kernels.kernel_table(kernels.kernel_spec(env_id).kernel)
    params = _spec_params(env_id)
    declared = {entry["name"] for entry in table["params"]}
    required = {entry["name"] for entry in table["params"] if entry["required"]}
    assert required <= set(params) <= declared
    kernels.check_params(kernels.kernel_spec(env_id).kernel, params)


@pytest.mark.parametrize("env_id", sorted(KERNELS))
def test_tables_describe_the_spaces_the_env_has(env_id: str) -> None:
    """The table's observation and action dtypes are the registered env's, and so are the sizes."""
    envs = NativeVectorEnv(env_id, 2)
    table = kernels.kernel_table(kernels.kernel_spec(env_id).kernel)
    assert np.dtype(table["observation"]["dtype"]) == envs.single_observation_space.dtype
    assert envs._batch.obs_dim == int(np.prod(envs.single_observation_space.shape))
    action_space = envs.single_action_space
    if table["action"]["low"] is not None:  # integer actions: the bounds the kernel accepts
        assert np.dtype(table["action"]["dtype"]).kind == "i"
        low, high = (
            (action_space.start, action_space.start + action_space.n - 1)
            if isinstance(action_space, gym.spaces.Discrete)
            else (0, 1)
        )
        assert (table["action"]["low"], table["action"]["high"]) == (low, high)
    else:
        assert np.dtype(table["action"]["dtype"]) == action_space.dtype


def test_check_params_names_unknown_and_missing_keys_at_once() -> None:
    """Python refuses a dict against the table, listing every misspelt and missing name."""
    params = _spec_params("rlbench/CartPole-v1")
    params["gravty"] = params.pop("gravity")
    del params["tau"]
    with pytest.raises(ValueError, match=r"unknown \['gravty'\], missing \['gravity', 'tau'\]"):
        kernels.check_params("cartpole", params)
    with pytest.raises(ValueError, match="unknown kernel 'pendulum'"):
        kernels.kernel_table("pendulum")


def test_optional_parameters_take_their_declared_default(native) -> None:
    """A parameter the table gives a default (CartPole's fast_math) may be left out."""
    table = kernels.kernel_table("cartpole")
    (fast_math,) = [entry for entry in table["params"] if entry["name"] == "fast_math"]
    assert fast_math["required"] is False and fast_math["default"] is False
    params = _spec_params("rlbench/CartPole-v1")
    del params["fast_math"]
    outputs = (np.zeros((2, 4), np.float32), np.zeros(2), np.zeros(2, bool), np.zeros(2, bool))
    native.Batch("cartpole", 2, params, *outputs)


@pytest.mark.parametrize(
    ("kernel", "env_id", "change", "error", "message"),
    [
        ("quad_hover", "rlbench/QuadHover-v0", {"substeps": 0}, ValueError,
         r"quad_hover params\['substeps'\] must be in \[1, 2147483647\], got 0"),
        ("quad_hover", "rlbench/QuadHover-v0", {"drag": 1}, TypeError,
         r"quad_hover params\['drag'\] must be a bool, got int"),
        ("quad_hover", "rlbench/QuadHover-v0", {"mass": -1.0}, ValueError,
         "quad_hover params: mass, kf, km and motor_offset must be positive"),
        ("market_making", "rlbench/MarketMaking-v0", {"reward_kind": 3}, ValueError,
         r"market_making params\['reward_kind'\] must be in \[0, 2\], got 3"),
        ("market_making", "rlbench/MarketMaking-v0", {"kappa": "x"}, TypeError,
         r"market_making params\['kappa'\] must be a number, got str"),
        ("market_making", "rlbench/MarketMaking-v0", {"hawkes_jmp": 1.0}, ValueError,
         "market_making has no parameter 'hawkes_jmp'"),
    ],
)  # fmt: skip
def test_the_generic_parser_names_kernel_parameter_expected_and_got(
    native, kernel, env_id, change, error, message
) -> None:
    """Unknown key, wrong type, out-of-range value, failed cross-check: each error says which."""
    params = {**_spec_params(env_id), **change}
    envs = NativeVectorEnv(env_id, 2)
    buffers = (
        np.zeros_like(envs._observations),
        np.zeros(2),
        np.zeros(2, bool),
        np.zeros(2, bool),
    )
    with pytest.raises(error, match=message):
        native.Batch(kernel, 2, params, *buffers)


def test_tables_list_state_fields_with_their_sizes() -> None:
    """The state table names each per-env field, its type and its length (fixed or a formula)."""
    quad = kernels.kernel_table("quad_hover")
    fields = {entry["name"]: (entry["type"], entry["count"]) for entry in quad["state"]}
    assert fields["position"] == ("float64", 3)
    assert fields["buffer"] == ("float32", "buffer_length * action_size")
    assert kernels.kernel_table("cartpole")["state_layout"] == "columns"
