"""The conformance checks every rlbench env passes, public so users can run them on their own envs.

Each check takes an env id (anything ``gymnasium.make`` knows) or a zero-argument factory, and
raises ``AssertionError`` (or the error the env raised) with a message saying what broke::

    from rlbench_suite.testing import check_conformance
    check_conformance("rlbench/RMAB-TwoState-v0")
    check_conformance(lambda **kw: MyEnv(**kw))

Multi-agent (PettingZoo ``ParallelEnv``) factories go through :func:`check_multiagent_conformance`,
which runs PettingZoo's own ``parallel_api_test`` and ``parallel_seed_test``.
"""

from __future__ import annotations

import os
import pickle
import warnings
from collections.abc import Callable
from typing import Any

import gymnasium as gym
import numpy as np
from gymnasium import spaces
from gymnasium.utils.env_checker import check_env

from rlbench_suite.agents import RandomAgent
from rlbench_suite.envs.language.base import LanguageEnv, Turn

EnvSource = str | Callable[..., gym.Env]


def _factory(source: EnvSource) -> Callable[..., gym.Env]:
    if isinstance(source, str):
        return lambda **kwargs: gym.make(source, **kwargs)
    return source


def _rollout(
    env: gym.Env, seed: int, steps: int, agent_seed: int = 12345
) -> list[tuple[Any, float, bool, bool]]:
    """Observations, rewards and flags of a random-feasible rollout, resetting at episode ends."""
    agent = RandomAgent(env)
    agent.reset(agent_seed)
    observation, _ = env.reset(seed=seed)
    trajectory = [(observation, 0.0, False, False)]
    for _ in range(steps):
        observation, reward, terminated, truncated, _ = env.step(agent.act(observation))
        trajectory.append((observation, float(reward), terminated, truncated))
        if terminated or truncated:
            observation, _ = env.reset()
            trajectory.append((observation, 0.0, False, False))
    return trajectory


def _same(left: Any, right: Any) -> bool:
    if isinstance(left, dict):
        return left.keys() == right.keys() and all(_same(left[k], right[k]) for k in left)
    if isinstance(left, tuple | list):
        return len(left) == len(right) and all(
            _same(a, b) for a, b in zip(left, right, strict=True)
        )
    if isinstance(left, str):
        return left == right
    return bool(np.array_equal(np.asarray(left), np.asarray(right)))


def check_gymnasium_api(source: EnvSource) -> None:
    """Gymnasium's ``check_env`` passes with every warning turned into an error."""
    env = _factory(source)()
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            check_env(env.unwrapped, skip_render_check=True)
    finally:
        env.close()


def check_determinism(source: EnvSource, seed: int = 0, steps: int = 60) -> None:
    """Two envs reset with the same seed and fed the same actions produce the same trajectory."""
    first, second = _factory(source)(), _factory(source)()
    try:
        trajectory_a = _rollout(first, seed, steps)
        trajectory_b = _rollout(second, seed, steps)
    finally:
        first.close()
        second.close()
    for step, (a, b) in enumerate(zip(trajectory_a, trajectory_b, strict=True)):
        assert _same(a, b), f"trajectories with seed {seed} diverge at step {step}: {a} vs {b}"


def check_pickle(
    source: EnvSource, seed: int = 0, steps_before: int = 5, steps_after: int = 20
) -> None:
    """An env pickled mid-episode continues exactly as the original does."""
    env = _factory(source)()
    try:
        _rollout(env, seed, steps_before)
        clone = pickle.loads(pickle.dumps(env))
        agent = RandomAgent(env)
        agent.reset(7)
        observation = None
        for step in range(steps_after):
            action = agent.act(observation)
            original = env.step(action)[:4]
            copied = clone.step(action)[:4]
            assert _same(original, copied), f"pickled copy diverges {step} steps after loading"
            if original[2] or original[3]:
                break
            observation = original[0]
        clone.close()
    finally:
        env.close()


def check_observations_in_space(source: EnvSource, seed: int = 0, steps: int = 200) -> None:
    """Every observation from reset and step lies in ``observation_space``."""
    env = _factory(source)()
    try:
        for step, (observation, *_rest) in enumerate(_rollout(env, seed, steps)):
            assert env.observation_space.contains(observation), (
                f"observation at step {step} is outside {env.observation_space}: {observation!r}"
            )
    finally:
        env.close()


def check_render_modes(source: EnvSource, seed: int = 0) -> None:
    """Each declared render mode returns what Gymnasium says it returns, with no display."""
    os.environ.setdefault("SDL_VIDEODRIVER", "dummy")
    probe = _factory(source)()
    modes = list(probe.metadata.get("render_modes", []))
    probe.close()
    for mode in modes:
        env = _factory(source)(render_mode=mode)
        try:
            _rollout(env, seed, 3)
            frame = env.render()
            if mode == "ansi":
                assert isinstance(frame, str) and frame.strip(), "ansi render must return text"
            elif mode == "rgb_array":
                assert isinstance(frame, np.ndarray), f"rgb_array render returned {type(frame)}"
                assert frame.ndim == 3 and frame.shape[2] == 3 and frame.dtype == np.uint8, (
                    "rgb_array frame must be (height, width, 3) uint8, "
                    f"got {frame.shape} {frame.dtype}"
                )
                assert frame.std() > 0, "rgb_array frame is a single flat colour"
            elif mode == "human":
                assert frame is None, "human render must draw and return None"
        finally:
            env.close()


def bad_actions(space: spaces.Space) -> dict[str, Any]:
    """Actions no env should accept for ``space``, by the kind of mistake they make."""
    if isinstance(space, spaces.Text):
        return {"wrong type": 12345}
    shape = () if isinstance(space, spaces.Discrete) else space.shape
    sample = np.asarray(space.sample())
    cases: dict[str, Any] = {
        "wrong shape": np.zeros((*shape, 2), dtype=sample.dtype),
        "wrong dtype": np.full(shape, "x"),
        "nan": np.full(shape, np.nan),
    }
    if isinstance(space, spaces.Discrete):
        cases["out of bounds"] = np.int64(space.start + space.n)
    elif isinstance(space, spaces.MultiBinary):
        cases["out of bounds"] = np.full(shape, 2, dtype=np.int64)
    elif isinstance(space, spaces.MultiDiscrete):
        cases["out of bounds"] = (space.start + space.nvec).astype(np.int64)
    elif isinstance(space, spaces.Box) and np.all(np.isfinite(space.high)):
        cases["out of bounds"] = (space.high + 1.0).astype(space.dtype)
    return cases


def check_bad_actions(source: EnvSource, seed: int = 0) -> None:
    """Malformed actions raise TypeError/ValueError naming the env and the expected space."""
    env = _factory(source)()
    try:
        name = env.spec.id if env.spec is not None else type(env.unwrapped).__name__
        for mistake, action in bad_actions(env.action_space).items():
            env.reset(seed=seed)
            try:
                env.step(action)
            except (TypeError, ValueError) as error:
                message = str(error)
                assert name in message, f"{mistake}: error does not name the env: {message!r}"
                assert str(env.action_space) in message, (
                    f"{mistake}: error does not name the expected space: {message!r}"
                )
            else:
                raise AssertionError(f"{mistake} action {action!r} was accepted")
    finally:
        env.close()


SINGLE_AGENT_CHECKS: dict[str, Callable[[EnvSource], None]] = {
    "gymnasium_api": check_gymnasium_api,
    "determinism": check_determinism,
    "pickle": check_pickle,
    "observations_in_space": check_observations_in_space,
    "render_modes": check_render_modes,
    "bad_actions": check_bad_actions,
}


def check_conformance(source: EnvSource) -> None:
    """Run every single-agent check on ``source``."""
    for check in SINGLE_AGENT_CHECKS.values():
        check(source)


def check_multiagent_api(parallel_env_fn: Callable[[], Any], num_cycles: int = 200) -> None:
    """PettingZoo's ``parallel_api_test`` with warnings as errors."""
    from pettingzoo.test import parallel_api_test

    env = parallel_env_fn()
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            parallel_api_test(env, num_cycles=num_cycles)
    finally:
        env.close()


def check_multiagent_seeding(parallel_env_fn: Callable[[], Any], num_cycles: int = 100) -> None:
    """PettingZoo's ``parallel_seed_test``: same seed, same rollouts."""
    from pettingzoo.test import parallel_seed_test

    parallel_seed_test(parallel_env_fn, num_cycles=num_cycles)


def check_multiagent_pickle(
    parallel_env_fn: Callable[[], Any], seed: int = 0, steps: int = 20
) -> None:
    """A ParallelEnv pickled mid-episode continues exactly as the original does."""
    env = parallel_env_fn()
    env.reset(seed=seed)
    for agent in env.possible_agents:
        env.action_space(agent).seed(seed)
    clone = pickle.loads(pickle.dumps(env))
    for step in range(steps):
        if not env.agents:
            break
        actions = {agent: env.action_space(agent).sample() for agent in env.agents}
        original, copied = env.step(actions)[:4], clone.step(actions)[:4]
        assert _same(original, copied), f"pickled copy diverges {step} steps after loading"
    env.close()
    clone.close()


MULTI_AGENT_CHECKS: dict[str, Callable[[Callable[[], Any]], None]] = {
    "parallel_api": check_multiagent_api,
    "seeding": check_multiagent_seeding,
    "pickle": check_multiagent_pickle,
}


def check_multiagent_conformance(parallel_env_fn: Callable[[], Any]) -> None:
    """Run every multi-agent check on a ParallelEnv factory."""
    for check in MULTI_AGENT_CHECKS.values():
        check(parallel_env_fn)


class HiddenNumberEnv(LanguageEnv):
    """A minimal language env for testing text agents and wrappers without a real task.

    Guess a hidden number from 1 to 5 by saying ``guess N``; the env answers ``Higher.``,
    ``Lower.`` or ``Correct.`` (-1 a wrong or malformed guess, 0 the right one).

    Example:
        >>> env = HiddenNumberEnv()
        >>> _ = env.reset(seed=0)
        >>> env.step("guess " + str(env.hidden))[1:3]
        (0.0, True)

    """

    def __init__(self, max_turns: int = 6, render_mode: str | None = None) -> None:
        super().__init__(max_turns=max_turns, render_mode=render_mode)
        self.hidden = 1

    def _begin(self) -> str:
        self.hidden = int(self.np_random.integers(1, 6))
        return "I am thinking of a number from 1 to 5. Say 'guess N'."

    def _turn(self, action: str) -> Turn:
        words = action.strip().split()
        if len(words) != 2 or words[0] != "guess" or words[1] not in "12345":
            return Turn("I did not understand.", reward=-1.0, invalid=True)
        guess = int(words[1])
        if guess == self.hidden:
            return Turn("Correct.", reward=0.0, terminated=True, success=True)
        return Turn("Higher." if guess < self.hidden else "Lower.", reward=-1.0)

    def action_vocabulary(self) -> list[str]:
        """``guess 1`` to ``guess 5``."""
        return [f"guess {number}" for number in range(1, 6)]

    def admissible_actions(self) -> list[str]:
        """Every guess, every turn."""
        return self.action_vocabulary()
