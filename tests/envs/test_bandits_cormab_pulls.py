"""CoRMAB-Scheduling-v1 and -Capacity-v1: SEQUOIA's pull-vector action, the env assigns workers."""

from __future__ import annotations

import gymnasium as gym
import numpy as np
import pytest

import rlbench_suite  # noqa: F401  (registers the envs)
from rlbench_suite.agents.bandits import MyopicAgent
from rlbench_suite.envs.bandits.capacity import CoRMABCapacityEnv
from rlbench_suite.envs.bandits.scheduling import CoRMABSchedulingEnv
from rlbench_suite.envs.validation import InvalidActionError
from rlbench_suite.scoring.evaluate import evaluate

SCHEDULING_V1 = "rlbench/CoRMAB-Scheduling-v1"
CAPACITY_V1 = "rlbench/CoRMAB-Capacity-v1"
# Gymnasium tells whoever builds a v0 that a v1 exists; here the v0 ids are built on purpose.
pytestmark = pytest.mark.filterwarnings("ignore:.*is out of date:DeprecationWarning")
V1_TO_V0 = {
    SCHEDULING_V1: "rlbench/CoRMAB-Scheduling-v0",
    CAPACITY_V1: "rlbench/CoRMAB-Capacity-v0",
}


@pytest.fixture(scope="module")
def envs() -> dict[str, gym.Env]:
    """One v1 env per id, built once (instance draws and polytopes take a moment)."""
    return {env_id: gym.make(env_id) for env_id in V1_TO_V0}


def unservable_pulls(env: CoRMABSchedulingEnv | CoRMABCapacityEnv) -> np.ndarray:
    """A pull vector that passes the quick checks yet no assignment serves (found by search)."""
    rng = np.random.default_rng(0)
    for _ in range(5000):
        pulls = np.zeros(env.num_arms, dtype=bool)
        pulls[rng.choice(env.num_arms, size=rng.integers(2, env.num_arms // 2), replace=False)] = 1
        if env.pull_violation(pulls) is None and env.solve_assignment(pulls) is None:
            return pulls.astype(np.int8)
    raise AssertionError("no unservable pull vector found")


@pytest.mark.parametrize("env_id", list(V1_TO_V0))
def test_v1_action_is_the_pull_vector_and_v0_keeps_its_tensor(envs, env_id: str) -> None:
    """v1 takes MultiBinary(J), SEQUOIA's action; v0 still takes the assignment tensor."""
    assert envs[env_id].action_space.shape == (20,)
    assert gym.make(V1_TO_V0[env_id]).action_space.shape in {(5, 20, 5), (5, 20)}


@pytest.mark.parametrize("env_id", list(V1_TO_V0))
def test_env_solves_a_feasible_assignment_for_the_pulls(envs, env_id: str) -> None:
    """Each step's info['assignment'] is a feasible assignment pulling exactly the chosen arms."""
    env = envs[env_id]
    model = env.unwrapped
    env.reset(seed=0)
    env.action_space.seed(1)
    for _ in range(10):
        pulls = env.action_space.sample()
        assert model.constraint_violation(pulls) is None
        _, _, _, _, info = env.step(pulls)
        assignment = info["assignment"]
        assert assignment.shape == model.assignment_polytope.action_shape
        assert model.assignment_violation(assignment) is None
        np.testing.assert_array_equal(model.assignment_pulls(assignment), pulls.astype(bool))


@pytest.mark.parametrize("env_id", list(V1_TO_V0))
def test_unservable_pulls_raise_naming_the_arms(envs, env_id: str) -> None:
    """Pulls no assignment serves raise InvalidActionError saying so, with the pulled arms."""
    env = envs[env_id]
    pulls = unservable_pulls(env.unwrapped)
    env.reset(seed=0)
    with pytest.raises(InvalidActionError, match=env_id) as caught:
        env.step(pulls)
    assert str(np.flatnonzero(pulls).tolist()) in str(caught.value)


def test_quick_checks_name_the_budget_and_the_capacity(envs) -> None:
    """Too many pulls or too much cost is refused before any MILP, in words."""
    all_arms = np.ones(20, dtype=np.int8)
    scheduling = envs[SCHEDULING_V1].unwrapped
    assert scheduling.constraint_violation(all_arms) == "20 arms pulled; at most budget=5"
    capacity = envs[CAPACITY_V1].unwrapped
    assert "more than the workers' total capacity" in capacity.constraint_violation(all_arms)


@pytest.mark.parametrize("env_id", list(V1_TO_V0))
def test_both_modes_play_the_same_mdp(env_id: str) -> None:
    """Pulls in v1 and their solved assignment in v0 give the same trajectory, seed for seed."""
    pulls_env, assignment_env = gym.make(env_id), gym.make(V1_TO_V0[env_id])
    pulls_env.reset(seed=5)
    assignment_env.reset(seed=5)
    rng = np.random.default_rng(5)
    model = pulls_env.unwrapped
    for _ in range(8):
        pulls = model.sample_feasible_action(rng)
        pulls_step = pulls_env.step(pulls)
        assignment_step = assignment_env.step(model.solve_assignment(pulls))
        np.testing.assert_array_equal(pulls_step[0], assignment_step[0])
        assert pulls_step[1] == assignment_step[1]


@pytest.mark.parametrize("env_id", list(V1_TO_V0))
def test_reference_agents_work_with_pulls(envs, env_id: str) -> None:
    """Random and Whittle match v0 return for return; myopic reaches v0's one-step optimum."""
    for agent in ("random", "whittle"):
        on_v1 = evaluate(agent, env_id, n_episodes=2)
        on_v0 = evaluate(agent, V1_TO_V0[env_id], n_episodes=2)
        np.testing.assert_array_equal(on_v1.returns, on_v0.returns)
    v1_model, v0_model = envs[env_id].unwrapped, gym.make(V1_TO_V0[env_id]).unwrapped
    rng = np.random.default_rng(3)
    for _ in range(3):
        states = rng.integers(0, 4, size=20)
        v1_action = MyopicAgent(envs[env_id]).act(states)
        v0_action = MyopicAgent(gym.make(V1_TO_V0[env_id])).act(states)
        assert v1_model.constraint_violation(v1_action) is None
        assert v1_model.expected_reward(states, v1_action) == pytest.approx(
            v0_model.expected_reward(states, v0_action)
        )


@pytest.mark.parametrize("env_id", list(V1_TO_V0))
@pytest.mark.parametrize("mode", ["penalty", "project"])
def test_invalid_action_modes_work_with_pulls(env_id: str, mode: str) -> None:
    """Penalty plays nothing and charges; project plays feasible pulls with their assignment."""
    env = gym.make(env_id, invalid_action=mode, invalid_action_penalty=3.0)
    env.reset(seed=0)
    _, reward, _, _, info = env.step(np.ones(20, dtype=np.int8))
    assert info["invalid_action"]
    played = env.unwrapped.assignment_pulls(info["assignment"])
    if mode == "penalty":
        assert reward == pytest.approx(info["state_reward"] - 3.0) and not played.any()
    else:
        assert reward == info["state_reward"] and played.any()
        assert env.unwrapped.constraint_violation(played.astype(np.int8)) is None


@pytest.mark.parametrize("env_class", [CoRMABSchedulingEnv, CoRMABCapacityEnv])
def test_unknown_action_mode_is_named(env_class) -> None:
    """A misspelt action_mode raises a ValueError listing the two modes."""
    with pytest.raises(ValueError, match=rf"{env_class.__name__}: action_mode must be one of"):
        env_class(action_mode="vector")
