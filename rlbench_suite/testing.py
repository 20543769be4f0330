"""The conformance checks every rlbench env passes, public so users can run them on their own envs.

Each check takes an env id (anything ``gymnasium.make`` knows) or a zero-argument factory, and
raises ``AssertionError`` (or the error the env raised) with a message saying what broke::

    from rlbench_suite.testing import check_conformance
    check_conformance("rlbench/RMAB-TwoState-v0")
    check_conformance(lambda **kw: MyEnv(**kw))

Multi-agent (PettingZoo ``ParallelEnv``) factories go through :func:`check_multiagent_conformance`,
which runs PettingZoo's own ``parallel_api_test`` and ``parallel_seed_test`` and the suite's own
checks of rewards (each in its agent's ``reward_space`` for multi-objective envs), infos (never a
shared object) and vector episode statistics.

Multi-objective envs: a single-agent one (MO-Gymnasium's protocol, a Box ``reward_space``) passes
``check_env`` through linear scalarisation and :data:`MULTI_OBJECTIVE_CHECKS` (reward vectors in
their space, MO-Gymnasium's wrappers); a multi-objective ``ParallelEnv`` (MOMAland's protocol)
also passes :data:`MULTI_OBJECTIVE_MULTI_AGENT_CHECKS` (MOMAland's ``api_test``, when MOMAland is
installed). :class:`TwoTreasureEnv` and :class:`ForagingParallelEnv` are minimal envs of each
protocol for testing tools.
"""

from __future__ import annotations

import contextlib
import io
import math
import numbers
import os
import pickle
import warnings
from collections.abc import Callable
from typing import Any, ClassVar

import gymnasium as gym
import numpy as np
from gymnasium import spaces
from gymnasium.utils.env_checker import check_env

from rlbench_suite.agents import RandomAgent
from rlbench_suite.envs.language.base import LanguageEnv, Turn
from rlbench_suite.envs.moma.protocol import (
    MOEnvMixin,
    MOParallelEnv,
    as_reward_vector,
    is_multi_objective,
    is_multi_objective_parallel,
    reward_box,
)
from rlbench_suite.envs.validation import EnvContract, validate_action
from rlbench_suite.registry import env_card
from rlbench_suite.wrappers.multi_objective import LinearScalarisation, VectorEpisodeStatistics

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
        trajectory.append((observation, _recorded_reward(reward), terminated, truncated))
        if terminated or truncated:
            observation, _ = env.reset()
            trajectory.append((observation, 0.0, False, False))
    return trajectory


def _recorded_reward(reward: Any) -> Any:
    """A scalar reward as a float; a reward vector (multi-objective envs) as a copy of itself."""
    return float(reward) if np.ndim(reward) == 0 else np.array(reward, copy=True)


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
    """Gymnasium's ``check_env`` passes with every warning turned into an error.

    A multi-objective env (a Box ``reward_space``, MO-Gymnasium's protocol) returns reward
    vectors, which ``check_env`` refuses by design: it is checked through
    :class:`~rlbench_suite.wrappers.multi_objective.LinearScalarisation` with equal weights,
    the scalar-reward env a single-objective learner would see.
    """
    env = _factory(source)()
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            if is_multi_objective(env):
                # check_env warns that the env it gets is wrapped; here that is the point.
                warnings.filterwarnings("ignore", message=".*different from the unwrapped")
                check_env(LinearScalarisation(env.unwrapped), skip_render_check=True)
            else:
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


def check_reward_vectors(source: EnvSource, seed: int = 0, steps: int = 200) -> None:
    """A multi-objective env's rewards: fresh float32 ``(reward_dim,)`` arrays in its space.

    ``env.unwrapped.reward_space`` is a float32 Box of shape ``(reward_dim,)`` (and, for a
    catalogue id, ``reward_dim`` is the length of the card's ``objectives``); every reward of a
    random rollout lies in it, and no reward is the array the previous step returned (a learner
    that stores rewards would see the old one change).
    """
    env = _factory(source)()
    try:
        name = env.spec.id if env.spec is not None else type(env.unwrapped).__name__
        space = getattr(env.unwrapped, "reward_space", None)
        reward_dim = getattr(env.unwrapped, "reward_dim", None)
        assert isinstance(space, spaces.Box), f"{name}: reward_space is {space!r}, not a Box"
        assert space.dtype == np.float32 and space.shape == (reward_dim,), (
            f"{name}: reward_space {space} should be float32 of shape (reward_dim,) = "
            f"({reward_dim},)"
        )
        if isinstance(source, str):
            card = env_card(source)
            assert card.reward_dim == reward_dim, (
                f"{name}: the card names {card.reward_dim} objectives {card.objectives}, the "
                f"env's reward_dim is {reward_dim}"
            )
        agent = RandomAgent(env)
        agent.reset(12345)
        observation, _ = env.reset(seed=seed)
        previous = None
        for step in range(steps):
            observation, reward, terminated, truncated, _ = env.step(agent.act(observation))
            assert isinstance(reward, np.ndarray), (
                f"{name}: reward at step {step} is a {type(reward).__name__}, not an array"
            )
            assert reward.shape == space.shape and reward.dtype == np.float32, (
                f"{name}: reward at step {step} has shape {reward.shape} and dtype "
                f"{reward.dtype}; expected {space.shape} float32"
            )
            assert space.contains(reward), (
                f"{name}: reward at step {step} is outside {space}: {reward!r}"
            )
            assert reward is not previous, (
                f"{name}: step {step} returned the same reward array as the step before"
            )
            previous = reward
            if terminated or truncated:
                observation, _ = env.reset()
    finally:
        env.close()


def check_mo_gymnasium_wrappers(source: EnvSource, seed: int = 0, max_steps: int = 5000) -> None:
    """MO-Gymnasium's ``LinearReward`` and ``MORecordEpisodeStatistics`` work on the env.

    ``LinearReward`` with equal weights gives ``w . info["vector_reward"]``;
    ``MORecordEpisodeStatistics`` reports, at the end of the first episode (which must come
    within ``max_steps``), the sum of the reward vectors and the number of steps.
    """
    from mo_gymnasium.wrappers import LinearReward, MORecordEpisodeStatistics

    raw = _factory(source)()
    reward_dim = int(raw.unwrapped.reward_space.shape[0])
    weights = np.full(reward_dim, 1.0 / reward_dim)
    scalarised = LinearReward(raw, weight=weights)
    try:
        agent = RandomAgent(scalarised)
        agent.reset(12345)
        observation, _ = scalarised.reset(seed=seed)
        for step in range(20):
            observation, reward, terminated, truncated, info = scalarised.step(
                agent.act(observation)
            )
            expected = float(np.dot(weights, info["vector_reward"]))
            assert np.isclose(reward, expected, rtol=1e-5, atol=1e-6), (
                f"LinearReward at step {step}: reward {reward} != w . vector_reward {expected}"
            )
            if terminated or truncated:
                observation, _ = scalarised.reset()
    finally:
        scalarised.close()

    recorder = MORecordEpisodeStatistics(_factory(source)(), gamma=1.0)
    try:
        agent = RandomAgent(recorder)
        agent.reset(12345)
        observation, _ = recorder.reset(seed=seed)
        total = np.zeros(reward_dim)
        for step in range(1, max_steps + 1):
            observation, reward, terminated, truncated, info = recorder.step(agent.act(observation))
            total += np.asarray(reward, dtype=np.float64)
            if terminated or truncated:
                episode = info["episode"]
                assert episode["l"] == step, f"episode length {episode['l']}, counted {step}"
                assert np.allclose(episode["r"], total, rtol=1e-4, atol=1e-4), (
                    f"MORecordEpisodeStatistics return {episode['r']} != summed rewards {total}"
                )
                break
        else:
            raise AssertionError(f"no episode ended within {max_steps} random steps")
    finally:
        recorder.close()


MULTI_OBJECTIVE_CHECKS: dict[str, Callable[[EnvSource], None]] = {
    "reward_vectors": check_reward_vectors,
    "mo_gymnasium_wrappers": check_mo_gymnasium_wrappers,
}
"""Checks of single-agent multi-objective envs, beside :data:`SINGLE_AGENT_CHECKS`."""


def check_multi_objective_conformance(source: EnvSource) -> None:
    """Every single-agent check and every multi-objective check on ``source``."""
    check_conformance(source)
    for check in MULTI_OBJECTIVE_CHECKS.values():
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


def _random_joint_actions(env: Any, seed: int) -> Callable[[], dict[str, Any]]:
    for agent in env.possible_agents:
        env.action_space(agent).seed(seed)
    return lambda: {agent: env.action_space(agent).sample() for agent in env.agents}


def check_multiagent_rewards_and_infos(
    parallel_env_fn: Callable[[], Any], seed: int = 0, steps: int = 300
) -> None:
    """Every reward lies in its agent's reward space; no info or reward is a shared object.

    Multi-objective envs (``reward_space(agent)``, MOMAland's protocol): each reward is a
    float32 array of the space's shape inside it, and ``reward_space(agent)`` is the same
    object on every call. Scalar envs: each reward is a finite real number. In both, every
    info dict (and every reward array) handed out over ``steps`` steps, across episodes, is a
    distinct object: an info shared between agents or kept from an earlier step would change
    under whoever holds it.
    """
    env = parallel_env_fn()
    name = type(env.unwrapped).__name__
    multi_objective = is_multi_objective_parallel(env)
    # Everything handed out is kept alive, so an id() can only repeat for the same object.
    handed_out: dict[int, str] = {}
    kept: list[Any] = []

    def remember(item: Any, where: str) -> None:
        earlier = handed_out.get(id(item))
        assert earlier is None, f"{name}: {where} is the same object as {earlier}"
        handed_out[id(item)] = where
        kept.append(item)

    try:
        if multi_objective:
            for agent in env.possible_agents:
                space = env.reward_space(agent)
                assert isinstance(space, spaces.Box) and space.dtype == np.float32, (
                    f"{name}: reward_space({agent!r}) is {space!r}, not a float32 Box"
                )
                assert env.reward_space(agent) is space, (
                    f"{name}: reward_space({agent!r}) returns a new object on each call"
                )
        _, infos = env.reset(seed=seed)
        for agent, info in infos.items():
            remember(info, f"the reset info of {agent!r}")
        sample = _random_joint_actions(env, seed)
        for step in range(steps):
            if not env.agents:
                _, infos = env.reset()
                for agent, info in infos.items():
                    remember(info, f"the reset info of {agent!r} before step {step}")
            _, rewards, _, _, infos = env.step(sample())
            for agent, reward in rewards.items():
                where = f"the reward of {agent!r} at step {step}"
                if multi_objective:
                    space = env.reward_space(agent)
                    assert isinstance(reward, np.ndarray), (
                        f"{name}: {where} is a {type(reward).__name__}, not an array"
                    )
                    assert reward.shape == space.shape and reward.dtype == np.float32, (
                        f"{name}: {where} has shape {reward.shape}, dtype {reward.dtype}; "
                        f"expected {space.shape} float32"
                    )
                    assert space.contains(reward), f"{name}: {where} is outside {space}: {reward}"
                    remember(reward, where)
                else:
                    assert isinstance(reward, numbers.Real) and math.isfinite(reward), (
                        f"{name}: {where} is {reward!r}, not a finite real number"
                    )
            for agent, info in infos.items():
                assert isinstance(info, dict), f"{name}: the info of {agent!r} is not a dict"
                remember(info, f"the info of {agent!r} at step {step}")
    finally:
        env.close()


def check_vector_episode_statistics(
    parallel_env_fn: Callable[[], Any], seed: int = 0, max_steps: int = 5000
) -> None:
    """:class:`VectorEpisodeStatistics` reports each agent's and the team's return and length.

    One episode (which must end within ``max_steps``) is played with random actions on the bare
    env, adding up rewards; the same actions from the same seed on the wrapped env must give
    each agent's ``info["episode"]`` when it leaves, and ``info["team_episode"]`` at the end.
    """
    bare = parallel_env_fn()
    actions_played: list[dict[str, Any]] = []
    returns: dict[str, np.ndarray] = {}
    lengths: dict[str, int] = {}
    try:
        bare.reset(seed=seed)
        sample = _random_joint_actions(bare, seed)
        while bare.agents:
            assert len(actions_played) < max_steps, f"no episode ended within {max_steps} steps"
            actions = sample()
            actions_played.append(actions)
            _, rewards, _, _, _ = bare.step(actions)
            for agent, reward in rewards.items():
                returns[agent] = returns.get(agent, 0.0) + np.asarray(reward, dtype=np.float64)
                lengths[agent] = lengths.get(agent, 0) + 1
    finally:
        bare.close()

    wrapped = VectorEpisodeStatistics(parallel_env_fn())
    reported: dict[str, dict[str, Any]] = {}
    team: dict[str, Any] | None = None
    try:
        wrapped.reset(seed=seed)
        for actions in actions_played:
            _, _, _, _, infos = wrapped.step(actions)
            for agent, info in infos.items():
                if "episode" in info:
                    reported[agent] = info["episode"]
                if "team_episode" in info:
                    team = info["team_episode"]
    finally:
        wrapped.close()
    assert set(reported) == set(returns), (
        f"episode statistics for {sorted(reported)}, agents that acted {sorted(returns)}"
    )
    for agent, episode in reported.items():
        assert episode["l"] == lengths[agent], (
            f"{agent}: reported length {episode['l']}, counted {lengths[agent]}"
        )
        assert np.allclose(episode["r"], returns[agent], rtol=1e-6, atol=1e-6), (
            f"{agent}: reported return {episode['r']}, summed {returns[agent]}"
        )
    assert team is not None, "no info of the last step holds team_episode"
    assert team["l"] == len(actions_played), f"team length {team['l']}, steps {len(actions_played)}"
    team_return = np.sum([np.asarray(total) for total in returns.values()], axis=0)
    assert np.allclose(team["r"], team_return, rtol=1e-6, atol=1e-6), (
        f"team return {team['r']}, summed {team_return}"
    )


MULTI_AGENT_CHECKS: dict[str, Callable[[Callable[[], Any]], None]] = {
    "parallel_api": check_multiagent_api,
    "seeding": check_multiagent_seeding,
    "pickle": check_multiagent_pickle,
    "rewards_and_infos": check_multiagent_rewards_and_infos,
    "episode_statistics": check_vector_episode_statistics,
}


def check_momaland_api(parallel_env_fn: Callable[[], Any], num_cycles: int = 100) -> None:
    """MOMAland's own ``api_test`` on the env, converted by its ``mo_parallel_to_aec``.

    Needs ``momaland`` (not a dependency of the suite: ``pip install momaland``); raises
    ``ImportError`` saying so when it is missing. MOMAland's test prints progress, which is
    swallowed here; its style warnings stay warnings.

    MOMAland 0.2's ``api_test`` only knows the agents present at ``reset``: an agent that joins
    mid-episode makes it fail with a ``KeyError`` (its ``accumulated_rewards``), although
    PettingZoo's ``parallel_api_test`` accepts such agents. That case is reported as an
    ``AssertionError`` that says so.
    """
    try:
        from momaland.test.api_test import api_test
        from momaland.utils.conversions import mo_parallel_to_aec
    except ImportError as error:
        raise ImportError(
            f"check_momaland_api needs momaland (pip install momaland): {error}"
        ) from error
    env = parallel_env_fn()
    try:
        with contextlib.redirect_stdout(io.StringIO()):
            api_test(mo_parallel_to_aec(env), num_cycles=num_cycles)
    except KeyError as error:
        if error.args and error.args[0] in env.possible_agents:
            raise AssertionError(
                f"{type(env.unwrapped).__name__}: MOMAland's api_test met agent {error.args[0]!r}, "
                "which was not present at reset; MOMAland 0.2's api_test does not support agents "
                "that join mid-episode"
            ) from error
        raise
    finally:
        env.close()


MULTI_OBJECTIVE_MULTI_AGENT_CHECKS: dict[str, Callable[[Callable[[], Any]], None]] = {
    "momaland_api": check_momaland_api,
}
"""Checks of multi-objective ``ParallelEnv`` s, beside :data:`MULTI_AGENT_CHECKS`."""


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


class TwoTreasureEnv(EnvContract, MOEnvMixin, gym.Env):
    """A minimal single-agent multi-objective env (MO-Gymnasium's protocol) for testing tools.

    Ten steps; each offers a treasure worth ``luck``, drawn from U[0.5, 1) and observed. Action
    0 takes it as gold, 1 as gems: the reward is ``[luck, 0]`` or ``[0, luck]``, in
    ``reward_space = Box([0, 0], [1, 1])``, so every split of the steps between the two is
    Pareto-optimal. Observation: ``[step / 10, luck]``.

    Example:
        >>> env = TwoTreasureEnv()
        >>> _ = env.reset(seed=0)
        >>> env.step(0)[1]
        array([0.81848085, 0.        ], dtype=float32)

    """

    metadata: ClassVar[dict[str, Any]] = {"render_modes": []}
    horizon = 10

    def __init__(self, render_mode: str | None = None) -> None:
        self.render_mode = render_mode
        self.observation_space = spaces.Box(0.0, 1.0, shape=(2,), dtype=np.float32)
        self.action_space = spaces.Discrete(2)
        self._set_reward_space(low=[0.0, 0.0], high=[1.0, 1.0])
        self.steps_taken = 0
        self.luck = 0.5

    def step(self, action: Any) -> tuple[np.ndarray, np.ndarray, bool, bool, dict[str, Any]]:
        """Take this step's treasure as gold (0) or gems (1)."""
        choice = int(validate_action(self, action))
        self._warn_if_stepped_out_of_episode()
        values = [0.0, 0.0]
        values[choice] = self.luck
        reward = self._reward_vector(values)
        self.steps_taken += 1
        self.luck = float(self.np_random.uniform(0.5, 1.0))
        truncated = self.steps_taken >= self.horizon
        self._record_step_end(False, truncated)
        return self._observation(), reward, False, truncated, {}

    def reset(
        self, *, seed: int | None = None, options: dict[str, Any] | None = None
    ) -> tuple[np.ndarray, dict[str, Any]]:
        """Start ten new steps."""
        super().reset(seed=seed, options=options)
        self.steps_taken = 0
        self.luck = float(self.np_random.uniform(0.5, 1.0))
        return self._observation(), {}

    def _observation(self) -> np.ndarray:
        return np.array([self.steps_taken / self.horizon, self.luck], dtype=np.float32)


class ForagingParallelEnv(EnvContract, MOParallelEnv):
    """A minimal multi-objective ParallelEnv (MOMAland's protocol) where agents leave early.

    Agent ``forager_i`` forages for ``horizon - 2 i`` steps, then goes home (terminated; the
    last forager still out at ``horizon`` is truncated). Each step its action ``a`` in
    ``[-1, 1]`` sets an effort ``e = (a + 1) / 2`` in ``[0, 1]``, and it gets
    ``[richness e, -e^2]`` (food, -energy), in
    ``reward_space = Box([0, -1], [1, 0])``; richness is drawn from U[0.5, 1) per agent and
    step, and observed with the time: ``[t / horizon, richness]``. ``reset`` ignores
    ``options``, as PettingZoo's API test requires of a ParallelEnv.

    Example:
        >>> env = ForagingParallelEnv(num_agents=2, horizon=4)
        >>> _ = env.reset(seed=0)
        >>> rewards = env.step({agent: np.array([1.0], np.float32) for agent in env.agents})[1]
        >>> rewards["forager_0"]
        array([ 0.81848085, -1.        ], dtype=float32)

    """

    metadata: ClassVar[dict[str, Any]] = {"name": "foraging_v0", "render_modes": []}
    reward_dim = 2

    def __init__(self, num_agents: int = 2, horizon: int = 8) -> None:
        if not 1 <= num_agents <= horizon // 2:
            raise ValueError(
                f"ForagingParallelEnv: need 1 <= num_agents <= horizon / 2, got "
                f"{num_agents} agents, horizon {horizon}"
            )
        self.horizon = horizon
        self.render_mode = None
        self.possible_agents = [f"forager_{index}" for index in range(num_agents)]
        self.agents: list[str] = []
        self.observation_spaces = {
            agent: spaces.Box(0.0, 1.0, shape=(2,), dtype=np.float32)
            for agent in self.possible_agents
        }
        self.action_spaces = {
            agent: spaces.Box(-1.0, 1.0, shape=(1,), dtype=np.float32)
            for agent in self.possible_agents
        }
        self.reward_spaces = {
            agent: reward_box(low=[0.0, -1.0], high=[1.0, 0.0]) for agent in self.possible_agents
        }
        # step() reads its own copy: MOMAland's CentraliseAgent overwrites the unwrapped env's
        # reward_space attribute with a Box.
        self._reward_box = self.reward_spaces[self.possible_agents[0]]
        self.np_random = np.random.default_rng()
        self.time = 0
        self.richness: dict[str, float] = {}

    def observation_space(self, agent: str) -> spaces.Box:
        """``[t / horizon, richness]``."""
        return self.observation_spaces[agent]

    def action_space(self, agent: str) -> spaces.Box:
        """The effort, from -1 (none) to 1 (full)."""
        return self.action_spaces[agent]

    def step(self, actions: dict[str, Any]) -> tuple[dict, dict, dict, dict, dict]:
        """Every forager out forages with its effort; some go home."""
        self._warn_if_stepped_out_of_episode()
        rewards = {}
        for agent in self.agents:
            effort = (float(np.asarray(actions[agent]).reshape(())) + 1.0) / 2.0
            food = self.richness[agent] * effort
            rewards[agent] = as_reward_vector(
                [food, -(effort**2)], self._reward_box, type(self).__name__
            )
        self.time += 1
        terminations, truncations = {}, {}
        for agent in self.agents:
            leaves = self.time >= self.horizon - 2 * int(agent.rsplit("_", 1)[1])
            out_of_time = self.time >= self.horizon
            terminations[agent] = leaves and not out_of_time
            truncations[agent] = out_of_time
        self._draw_richness()
        observations = {agent: self._observation(agent) for agent in self.agents}
        infos: dict[str, dict[str, Any]] = {agent: {} for agent in self.agents}
        self.agents = [
            agent for agent in self.agents if not (terminations[agent] or truncations[agent])
        ]
        self._record_step_end(not self.agents, False)
        return observations, rewards, terminations, truncations, infos

    def reset(
        self, seed: int | None = None, options: dict[str, Any] | None = None
    ) -> tuple[dict[str, np.ndarray], dict[str, dict[str, Any]]]:
        """Every forager out again (``options`` are ignored)."""
        self._start_episode()
        if seed is not None:
            self.np_random = np.random.default_rng(seed)
        self.time = 0
        self.agents = list(self.possible_agents)
        self._draw_richness()
        return {agent: self._observation(agent) for agent in self.agents}, {
            agent: {} for agent in self.agents
        }

    def _draw_richness(self) -> None:
        self.richness = {agent: float(self.np_random.uniform(0.5, 1.0)) for agent in self.agents}

    def _observation(self, agent: str) -> np.ndarray:
        return np.array([self.time / self.horizon, self.richness[agent]], dtype=np.float32)
