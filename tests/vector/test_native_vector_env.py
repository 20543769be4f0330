"""NativeVectorEnv: the Gymnasium vector API, autoreset modes, seeding, threads and its boundary."""

from __future__ import annotations

import os
import subprocess
import sys

import gymnasium as gym
import numpy as np
import pytest
from gymnasium.vector import AutoresetMode

import rlbench_suite
import rlbench_suite.envs.calibration
from rlbench_suite.envs.validation import InvalidActionError
from rlbench_suite.vector import (
    KERNELS,
    NativeVectorEnv,
    auto_threads,
    max_threads,
    native_available,
)

pytestmark = pytest.mark.skipif(not native_available(), reason="the C extension is not built")

CARTPOLE = "rlbench/CartPole-v1"
BANDIT = "rlbench/RMAB-TwoState-v0"


def _bandit_actions(num_envs: int, num_arms: int, pulled: int, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    chosen = np.argsort(rng.random((num_envs, num_arms)), axis=1)[:, :pulled]
    actions = np.zeros((num_envs, num_arms), dtype=np.int8)
    np.put_along_axis(actions, chosen, 1, axis=1)
    return actions


def _rollout(env: NativeVectorEnv, seed: int, steps: int) -> list[np.ndarray]:
    observations, _ = env.reset(seed=seed)
    rng = np.random.default_rng(seed)
    trajectory = [observations]
    for _ in range(steps):
        if env.env_id == CARTPOLE:
            actions = rng.integers(0, 2, size=env.num_envs)
        elif isinstance(env.single_action_space, gym.spaces.Box):  # QuadHover, MarketMaking
            space = env.action_space
            actions = rng.uniform(space.low, space.high).astype(space.dtype)
        else:
            actions = _bandit_actions(
                env.num_envs, env.single_action_space.n, 2, int(rng.integers(9))
            )
        observations, rewards, terminations, truncations, _ = env.step(actions)
        trajectory += [observations, rewards, terminations, truncations]
    return trajectory


# -- the fast path is what gym.make_vec returns ----------------------------------------------


@pytest.mark.parametrize(
    "env_id",
    sorted(env_id for env_id in KERNELS if rlbench_suite.env_card(env_id).native_kernel),
)
def test_make_vec_takes_the_native_path(env_id: str) -> None:
    """gym.make_vec on an id with a kernel builds a NativeVectorEnv in NEXT_STEP autoreset mode."""
    envs = gym.make_vec(env_id, num_envs=3)
    assert isinstance(envs, NativeVectorEnv)
    assert envs.metadata["autoreset_mode"] == AutoresetMode.NEXT_STEP
    assert envs.observation_space.shape[0] == 3 and envs.action_space.shape[0] == 3
    envs.close()


def test_cards_with_a_kernel_are_exactly_the_kernel_table() -> None:
    """native_kernel=True on a card only where the id has a KernelSpec; make_vec then uses it."""
    flagged = {
        env_id
        for env_id in rlbench_suite.list_envs(multi_agent=False)
        if rlbench_suite.env_card(env_id).native_kernel
    }
    # ARMMAN and Circulant have a kernel before their cards say so (envs/bandits/__init__.py
    # sets native_kernel=True in its own change); no card claims a kernel that does not exist.
    assert flagged <= set(KERNELS)
    for env_id in flagged:
        assert gym.spec(env_id).vector_entry_point is not None
    assert gym.spec("rlbench/RMAB-UCWhittle-v0").vector_entry_point is None


def test_env_kwargs_reach_the_kernel() -> None:
    """make_vec's env arguments build the instance the kernel runs (arms, horizon)."""
    envs = gym.make_vec(BANDIT, num_envs=2, num_arms=7, budget=2, horizon=5)
    observations, _ = envs.reset(seed=0)
    assert observations.shape == (2, 7) and observations.dtype == np.int64
    for step in range(1, 6):
        *_, truncations, _ = envs.step(_bandit_actions(2, 7, 2))
        assert truncations.all() == (step == 5), "truncation at the instance's horizon"


# -- autoreset and partial resets -----------------------------------------------------------


def test_next_step_autoreset_follows_gymnasium() -> None:
    """After an episode ends, the next step resets that env: reward 0, no flags, action ignored."""
    envs = NativeVectorEnv(BANDIT, 2, num_arms=4, budget=1, horizon=3)
    envs.reset(seed=1)
    actions = _bandit_actions(2, 4, 1)
    for _ in range(3):
        _, rewards, _, truncations, _ = envs.step(actions)
    assert truncations.all()
    _, rewards, terminations, truncations, infos = envs.step(actions)
    assert not rewards.any() and not terminations.any() and not truncations.any()
    assert infos == {}
    _, rewards, *_ = envs.step(actions)
    assert envs._batch is not None and rewards.shape == (2,)


def test_same_step_autoreset_returns_final_observations() -> None:
    """In same-step mode the ending step returns the reset observation and the final one in info."""
    envs = NativeVectorEnv(BANDIT, 3, num_arms=4, budget=1, horizon=2, autoreset_mode="same_step")
    assert envs.metadata["autoreset_mode"] == AutoresetMode.SAME_STEP
    envs.reset(seed=2)
    actions = _bandit_actions(3, 4, 1)
    _, _, _, truncations, infos = envs.step(actions)
    assert not truncations.any() and infos == {}
    _, rewards, _, truncations, infos = envs.step(actions)
    assert truncations.all()
    assert infos["_final_obs"].all() and infos["_final_info"].all()
    assert all(final.shape == (4,) for final in infos["final_obs"])
    # The state rewarded is the final one; the observation is the new episode's start.
    assert np.array_equal(rewards, [final.sum() for final in infos["final_obs"]])
    _, rewards, _, truncations, _ = envs.step(actions)
    assert not truncations.any() and rewards.shape == (3,)


def test_reset_mask_resets_only_the_masked_envs() -> None:
    """reset(options={'reset_mask': m}) restarts masked envs and leaves the others mid-episode."""
    envs = NativeVectorEnv(CARTPOLE, 4)
    envs.reset(seed=0)
    for _ in range(5):
        before, *_ = envs.step(np.ones(4, dtype=np.int64))
    mask = np.array([True, False, False, True])
    after, infos = envs.reset(seed=0, options={"reset_mask": mask})
    assert infos == {}
    assert np.array_equal(after[~mask], before[~mask])
    fresh, _ = NativeVectorEnv(CARTPOLE, 4).reset(seed=0)
    assert np.array_equal(after[mask], fresh[mask]), "env i restarts from (seed, i)"
    for bad, error in [
        ([True, False, False, True], TypeError),
        (np.ones(3, dtype=bool), ValueError),
        (np.ones(4, dtype=np.int64), TypeError),
        (np.zeros(4, dtype=bool), ValueError),
    ]:
        with pytest.raises(error, match="reset_mask"):
            envs.reset(options={"reset_mask": bad})


def test_first_reset_must_be_complete_and_precede_step() -> None:
    """Stepping before reset, or a partial first reset, raise RuntimeError."""
    envs = NativeVectorEnv(CARTPOLE, 2)
    with pytest.raises(RuntimeError, match="reset"):
        envs.step(np.zeros(2, dtype=np.int64))
    with pytest.raises(RuntimeError, match="first reset"):
        envs.reset(options={"reset_mask": np.array([True, False])})


# -- seeding and threads ----------------------------------------------------------------------


@pytest.mark.parametrize("env_id", sorted(KERNELS))
def test_same_seed_same_trajectory_and_other_seed_differs(env_id: str) -> None:
    """Two batches with one seed agree on every step; another seed gives another trajectory."""
    kwargs = {"num_arms": 5, "budget": 2} if env_id == BANDIT else {}
    first = _rollout(NativeVectorEnv(env_id, 16, **kwargs), seed=3, steps=200)
    second = _rollout(NativeVectorEnv(env_id, 16, **kwargs), seed=3, steps=200)
    other = _rollout(NativeVectorEnv(env_id, 16, **kwargs), seed=4, steps=200)
    assert all(np.array_equal(a, b) for a, b in zip(first, second, strict=True))
    # Some envs start every episode alike (MarketMaking: a flat book at S0): compare trajectories.
    assert not all(np.array_equal(a, b) for a, b in zip(first, other, strict=True))


@pytest.mark.skipif(max_threads() < 2, reason="needs an OpenMP build on two or more cores")
@pytest.mark.parametrize("autoreset_mode", ["next_step", "same_step"])
@pytest.mark.parametrize("env_id", sorted(KERNELS))
def test_thread_count_does_not_change_trajectories(env_id: str, autoreset_mode: str) -> None:
    """One seed gives the same trajectories on 1 and 2 threads (enough envs to split the work)."""
    kwargs = {"num_arms": 5, "budget": 2, "horizon": 30} if env_id == BANDIT else {}
    one, two = (
        _rollout(
            NativeVectorEnv(
                env_id, 1024, num_threads=count, autoreset_mode=autoreset_mode, **kwargs
            ),
            seed=5,
            steps=300,
        )
        for count in (1, 2)
    )
    assert all(np.array_equal(a, b) for a, b in zip(one, two, strict=True))


def test_seed_lists_seed_each_env() -> None:
    """A list of seeds seeds env i from (seeds[i], i); None leaves that env's stream running."""
    envs = NativeVectorEnv(CARTPOLE, 3)
    by_int, _ = envs.reset(seed=11)
    by_list, _ = envs.reset(seed=[11, 11, 11])
    assert np.array_equal(by_int, by_list)
    mixed, _ = envs.reset(seed=[11, None, 11])
    assert np.array_equal(mixed[[0, 2]], by_int[[0, 2]])
    assert not np.array_equal(mixed[1], by_int[1])
    with pytest.raises(ValueError, match="one per env"):
        envs.reset(seed=[1, 2])
    with pytest.raises(ValueError, match=r"\[0, 2\*\*64\)"):
        envs.reset(seed=-1)
    with pytest.raises(TypeError, match="seeds must be ints"):
        envs.reset(seed=1.5)


# -- buffers --------------------------------------------------------------------------------


def test_buffers_are_allocated_once_and_written_in_place() -> None:
    """With copy=False every step returns the same arrays; by default, fresh copies."""
    envs = NativeVectorEnv(CARTPOLE, 8, copy=False)
    first, _ = envs.reset(seed=0)
    outputs = envs.step(np.zeros(8, dtype=np.int64))
    again = envs.step(np.ones(8, dtype=np.int64))
    assert first is outputs[0] is again[0]
    assert all(a is b for a, b in zip(outputs[1:4], again[1:4], strict=True))
    copying = NativeVectorEnv(CARTPOLE, 8)
    observations, _ = copying.reset(seed=0)
    stepped, *_ = copying.step(np.zeros(8, dtype=np.int64))
    assert stepped is not observations and not np.shares_memory(stepped, observations)


# -- the boundary ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("actions", "error", "message"),
    [
        (np.zeros(3, dtype=np.int64), InvalidActionError, r"shape \(4,\)"),
        (np.array(["a"] * 4), TypeError, "numeric"),
        (
            np.array([0.0, np.nan, 1.0, 0.0]),
            InvalidActionError,
            r"non-finite actions in envs \[1\]",
        ),
        (np.array([0.0, 0.5, 1.0, 0.0]), InvalidActionError, r"non-integral actions in envs \[1\]"),
        (np.array([0, 1, 2, 0], dtype=np.int64), InvalidActionError, "env 2: action 2 is not 0"),
        (np.array([0, 1, 256, 0], dtype=np.int32), InvalidActionError, r"outside \[0, 1\]"),
        (np.zeros((4, 2), dtype=np.int64)[:, 0], InvalidActionError, "C-contiguous"),
    ],
)
def test_bad_cartpole_actions_raise_and_name_the_env(
    actions: np.ndarray, error: type[Exception], message: str
) -> None:
    """Wrong shape, dtype, NaN, fractions, out-of-range or strided actions raise, naming the env."""
    envs = NativeVectorEnv(CARTPOLE, 4)
    envs.reset(seed=0)
    with pytest.raises(error, match=message) as raised:
        envs.step(actions)
    assert CARTPOLE in str(raised.value)


def test_over_budget_actions_raise_and_leave_the_state_untouched() -> None:
    """An over-budget row raises ValueError naming env and budget, before any env is stepped."""
    envs = NativeVectorEnv(BANDIT, 3, num_arms=5, budget=2)
    observations, _ = envs.reset(seed=0)
    actions = _bandit_actions(3, 5, 2)
    actions[1] = [1, 1, 1, 0, 0]
    with pytest.raises(ValueError, match="env 1: 3 arms acted on, the budget is 2"):
        envs.step(actions)
    assert np.array_equal(envs._observations, observations)
    legal = _bandit_actions(3, 5, 2).astype(np.float32)  # integral floats, as SB3 emits, are fine
    envs.step(legal)


@pytest.mark.parametrize(
    ("kwargs", "error", "message"),
    [
        ({"num_envs": 0}, ValueError, "num_envs must be >= 1, got 0"),
        ({"num_envs": -3}, ValueError, "num_envs must be >= 1"),
        ({"num_envs": 2.0}, TypeError, "num_envs must be an int"),
        ({"num_threads": 0}, ValueError, "num_threads must be in"),
        ({"num_threads": 10_000}, ValueError, "num_threads must be in"),
        ({"autoreset_mode": "disabled"}, ValueError, "next_step or same_step"),
        ({"autoreset_mode": "sometimes"}, ValueError, "autoreset_mode must be one of"),
        ({"render_mode": "rgb_array"}, ValueError, "does not render"),
        ({"budget": 0}, ValueError, "budget must be in"),
        ({"invalid_action": "penalty"}, ValueError, "vectorization_mode='sync'"),
    ],
)
def test_bad_construction_arguments_raise(kwargs: dict, error: type, message: str) -> None:
    """num_envs <= 0, too many threads, unsupported modes and bad env params are refused."""
    arguments = {"num_envs": 2, **kwargs}
    with pytest.raises(error, match=message):
        NativeVectorEnv(BANDIT, **arguments)


def test_ids_without_a_kernel_are_refused() -> None:
    """NativeVectorEnv on an id with no kernel names the ids that have one."""
    with pytest.raises(ValueError, match=r"has no native kernel.*RMAB-TwoState"):
        NativeVectorEnv("rlbench/RMAB-UCWhittle-v0", 2)


def test_reset_options_other_than_the_mask_are_refused() -> None:
    """Unknown reset options raise rather than being ignored."""
    envs = NativeVectorEnv(CARTPOLE, 2)
    with pytest.raises(ValueError, match="only reset option is reset_mask"):
        envs.reset(options={"low": -0.1})


def test_closed_env_refuses_calls() -> None:
    """After close(), reset and step raise RuntimeError instead of touching freed buffers."""
    envs = NativeVectorEnv(CARTPOLE, 2)
    envs.reset(seed=0)
    envs.close()
    with pytest.raises(RuntimeError, match="closed"):
        envs.step(np.zeros(2, dtype=np.int64))
    with pytest.raises(RuntimeError, match="closed"):
        envs.reset()


def test_balanced_cartpole_truncates_at_step_500() -> None:
    """A balancing policy's episodes end by truncation at exactly 500 steps, as CartPole-v1's do."""
    envs = gym.make_vec(CARTPOLE, num_envs=8)
    observations, _ = envs.reset(seed=0)
    for step in range(1, 501):
        actions = (observations[:, 2] + 0.5 * observations[:, 3] > 0).astype(np.int64)
        observations, rewards, terminations, truncations, _ = envs.step(actions)
        assert not terminations.any() and rewards.all()
        assert truncations.all() == (step == 500) and truncations.any() == (step == 500)


def test_auto_threads_is_the_default_and_changes_no_trajectory() -> None:
    """num_threads='auto' (the default) picks threads by the kernel's share, same trajectories."""
    assert auto_threads("cartpole", 64) == 1
    assert auto_threads("quad_hover", 4096) == min(max_threads(), 32)
    envs = NativeVectorEnv(BANDIT, 300, num_arms=5, budget=2)
    assert envs.num_threads == auto_threads("rmab_two_state", 300)
    single = NativeVectorEnv(BANDIT, 300, num_threads=1, num_arms=5, budget=2)
    for left, right in zip(_rollout(envs, 3, 40), _rollout(single, 3, 40), strict=True):
        assert np.array_equal(left, right)
    with pytest.raises(TypeError, match="num_threads must be an int or 'auto'"):
        NativeVectorEnv(BANDIT, 2, num_threads="many")


def test_the_extension_import_leaves_the_wait_policy_unset() -> None:
    """OpenMP's passive wait is set for the extension's import only, not for later runtimes."""
    script = (
        "import os, rlbench_suite.vector.native as native\n"
        "print(native.native_available(), os.environ.get('OMP_WAIT_POLICY'))\n"
    )
    environment = {key: value for key, value in os.environ.items() if key != "OMP_WAIT_POLICY"}
    result = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, env=environment
    )
    assert result.stdout.split() == ["True", "None"], result.stderr
