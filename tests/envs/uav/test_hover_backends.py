"""QuadHover's two backends: the C kernel at N = 1 and the Python twin give the same episodes."""

from __future__ import annotations

import pickle

import gymnasium as gym
import numpy as np
import pytest

import rlbench_suite.envs.uav  # noqa: F401  (registers the family)
from rlbench_suite import testing
from rlbench_suite.envs.uav.hover import QuadHoverEnv
from rlbench_suite.vector import native_available

ENV_ID = "rlbench/QuadHover-v0"
BACKENDS = ("python", "native")
needs_native = pytest.mark.skipif(not native_available(), reason="the C extension is not built")


def _pd_or_random(rng: np.random.Generator, observation: np.ndarray, hold: bool) -> np.ndarray:
    """A PD on height with a little noise (its episodes reach the time limit), or uniform."""
    size = (observation.shape[0] - 12) // 15
    action = rng.uniform(-1.0, 1.0, size)
    if hold:
        action = np.clip(2.0 * (1.0 - observation[2]) - observation[8] + 0.001 * action, -1, 1)
    return action.astype(np.float32)


@needs_native
@pytest.mark.parametrize("action_type", ["rpm", "one_d_rpm"])
def test_both_backends_fly_the_same_episodes_bit_for_bit(action_type: str) -> None:
    """Same seed, same actions: equal observations, rewards, flags and infos for 2,000 steps."""
    envs = [gym.make(ENV_ID, action_type=action_type, backend=name) for name in BACKENDS]
    assert [env.unwrapped.backend for env in envs] == list(BACKENDS)
    outputs = [env.reset(seed=11) for env in envs]
    rng = np.random.default_rng(0)
    episodes = time_limits = 0
    for step in range(2_000):
        python_output, native_output = outputs
        assert np.array_equal(python_output[0], native_output[0]), f"step {step}: observations"
        assert python_output[1:] == native_output[1:], f"step {step}: rewards, flags or infos"
        if len(python_output) == 5 and (python_output[2] or python_output[3]):
            episodes += 1
            time_limits += not python_output[4]["crashed"]
            outputs = [env.reset() for env in envs]
            continue
        # Every third episode holds its height; the others crash within a few dozen steps.
        action = _pd_or_random(rng, python_output[0], hold=episodes % 3 == 0)
        outputs = [env.step(action) for env in envs]
    assert episodes > 5 and time_limits > 0, "the run must cover several ends and a time limit"


@needs_native
def test_default_backend_is_the_kernel_where_it_is_built() -> None:
    """gym.make gives the native backend; what the kernel does not model stays in Python."""
    assert gym.make(ENV_ID).unwrapped.backend == "native"
    assert gym.make(ENV_ID, action_type="pid").unwrapped.backend == "python"
    assert gym.make(ENV_ID, physics="gym_pybullet_drones").unwrapped.backend == "python"
    assert gym.make(ENV_ID, params={"motor_time_constant": 0.15}).unwrapped.backend == "python"


@needs_native
@pytest.mark.parametrize("check_name", sorted(testing.SINGLE_AGENT_CHECKS))
def test_native_backend_conforms(check_name: str) -> None:
    """The native backend passes every public check (Gymnasium's check_env, determinism,
    pickling mid-episode, observations in space, render modes, bad actions)."""
    testing.SINGLE_AGENT_CHECKS[check_name](
        lambda **kwargs: gym.make(ENV_ID, backend="native", **kwargs)
    )


@needs_native
def test_a_pickled_native_env_rebuilds_its_kernel_and_continues_the_episode() -> None:
    """A copy taken mid-episode steps on its own kernel from where the original was."""
    env = QuadHoverEnv(backend="native")
    env.reset(seed=3)
    hold = np.zeros(4, dtype=np.float32)
    for _ in range(20):
        env.step(hold)
    copy = pickle.loads(pickle.dumps(env))
    assert copy.backend == "native" and copy._native is None
    for step in range(60):
        action = np.full(4, 0.3 * np.sin(step), dtype=np.float32)
        original, copied = env.step(action), copy.step(action)
        assert np.array_equal(original[0], copied[0]) and original[1:] == copied[1:]
    assert copy._native is not env._native
    assert copy.step_count == env.step_count == 80


@needs_native
def test_native_state_is_the_kernel_s_and_renders_as_python_does() -> None:
    """env.state follows the kernel; the rgb_array frame equals the Python backend's."""
    frames = []
    for name in BACKENDS:
        env = QuadHoverEnv(backend=name, render_mode="rgb_array")
        env.reset(seed=4)
        for _ in range(15):
            env.step(np.full(4, 0.5, dtype=np.float32))
        assert env.state.position[0, 2] > env.params.start_height, "the drone climbed"
        assert env.time == pytest.approx(15 / 30)
        frames.append(env.render())
        env.close()
    assert np.array_equal(frames[0], frames[1])


@needs_native
def test_close_releases_the_kernel_and_keeps_the_state() -> None:
    """After close the env holds no kernel; its state is a plain copy of the last one."""
    env = QuadHoverEnv(backend="native")
    env.reset(seed=0)
    env.step(np.ones(4, dtype=np.float32))
    position = env.state.position.copy()
    env.close()
    assert env._native is None
    assert np.array_equal(env.state.position, position)


@needs_native
def test_stepping_past_the_end_continues_the_episode_on_both_backends() -> None:
    """After a crash, a step without reset keeps flying the same state (no hidden autoreset)."""
    outputs = []
    for name in BACKENDS:
        env = QuadHoverEnv(backend=name)
        env.reset(seed=0)
        truncated = False
        while not truncated:
            _, _, _, truncated, info = env.step(np.array([1, -1, 1, -1], dtype=np.float32))
        assert info["crashed"]
        with pytest.warns(UserWarning, match="after the episode ended"):
            outputs.append(env.step(np.zeros(4, dtype=np.float32)))
    assert np.array_equal(outputs[0][0], outputs[1][0]) and outputs[0][1:] == outputs[1][1:]


def test_backend_option_refuses_what_it_cannot_give(monkeypatch: pytest.MonkeyPatch) -> None:
    """An unknown backend, or native where the kernel cannot fly the instance, raises."""
    with pytest.raises(ValueError, match="backend must be one of"):
        QuadHoverEnv(backend="cuda")
    if native_available():
        with pytest.raises(ValueError, match=r"backend='native' is not available.*'pid'"):
            QuadHoverEnv(backend="native", action_type="pid")
    monkeypatch.setattr("rlbench_suite.vector.native_available", lambda: False)
    assert QuadHoverEnv().backend == "python"
    with pytest.raises(ValueError, match="not built"):
        QuadHoverEnv(backend="native")
