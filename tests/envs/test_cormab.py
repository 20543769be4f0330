"""The four coupled restless bandits (coRMAB): feasibility, errors, the MILP, seeding, data."""

from __future__ import annotations

import itertools
import json
import pickle
from pathlib import Path

import gymnasium as gym
import numpy as np
import pytest
from scipy.optimize import Bounds, milp

import rlbench_suite  # noqa: F401  (registers the envs)
from rlbench_suite.envs.bandits.capacity import CoRMABCapacityEnv
from rlbench_suite.envs.bandits.cormab import NUM_STATES
from rlbench_suite.envs.bandits.multi_intervention import CoRMABMultiInterventionEnv
from rlbench_suite.envs.bandits.path import (
    DEFAULT_GRAPH_PATH,
    CoRMABPathEnv,
    load_transit_graph,
    shortest_tour_length,
)
from rlbench_suite.envs.bandits.scheduling import CoRMABSchedulingEnv
from rlbench_suite.envs.validation import InvalidActionError

# Scheduling and Capacity have a v1 (the pull-vector action); these tests are about v0.
pytestmark = pytest.mark.filterwarnings("ignore:.*is out of date:DeprecationWarning")
MULTI = "rlbench/CoRMAB-MultiIntervention-v0"
PATH = "rlbench/CoRMAB-Path-v0"
SCHEDULING = "rlbench/CoRMAB-Scheduling-v0"
CAPACITY = "rlbench/CoRMAB-Capacity-v0"
CORMAB_IDS = [MULTI, PATH, SCHEDULING, CAPACITY]
ENV_CLASSES = {
    MULTI: CoRMABMultiInterventionEnv,
    PATH: CoRMABPathEnv,
    SCHEDULING: CoRMABSchedulingEnv,
    CAPACITY: CoRMABCapacityEnv,
}


def over_budget_multi(env) -> np.ndarray:
    action = np.zeros(env.num_actions, dtype=np.int8)
    action[: env.budget + 1] = 1
    return action


def walk_too_long_path(env) -> np.ndarray:
    """The budget's worth of arms whose shortest covering walk is longest."""
    candidates = [arm for arm in range(env.num_arms) if arm != env.source_arm]
    worst = max(
        itertools.combinations(candidates[:12], env.budget),
        key=lambda arms: env.shortest_covering_walk(np.array(arms)),
    )
    assert env.shortest_covering_walk(np.array(worst)) > env.max_walk_length
    action = np.zeros(env.num_arms, dtype=np.int8)
    action[list(worst)] = 1
    return action


def double_booked_scheduling(env) -> np.ndarray:
    """Worker 0 with two arms in one of its slots."""
    for slot in np.flatnonzero(env.worker_available[0]):
        arms = np.flatnonzero(env.arm_available[:, slot])
        if arms.shape[0] >= 2:
            action = np.zeros(env.action_space.shape, dtype=np.int8)
            action[0, arms[:2], slot] = 1
            return action
    raise AssertionError("instance has no slot where worker 0 could meet two arms")


def over_capacity(env) -> np.ndarray:
    """Worker 0 given the cheapest arms until just over its capacity."""
    action = np.zeros(env.action_space.shape, dtype=np.int8)
    spent = 0
    for arm in np.argsort(env.arm_costs):
        action[0, arm] = 1
        spent += env.arm_costs[arm]
        if spent > env.worker_capacity[0]:
            return action
    raise AssertionError("all arms together fit worker 0")


INFEASIBLE = {
    MULTI: (over_budget_multi, "interventions chosen; at most budget=5"),
    PATH: (walk_too_long_path, "need a closed walk of"),
    SCHEDULING: (double_booked_scheduling, "worker 0 is assigned to 2 arms in slot"),
    CAPACITY: (over_capacity, "worker 0 is assigned arms"),
}


@pytest.fixture(scope="module")
def envs() -> dict[str, gym.Env]:
    """One default instance of each problem, built once for the module."""
    return {env_id: gym.make(env_id) for env_id in CORMAB_IDS}


def full_bounds(polytope) -> tuple[np.ndarray, np.ndarray]:
    size = polytope.num_variables
    lower = np.broadcast_to(np.asarray(polytope.bounds.lb, dtype=float), (size,)).copy()
    upper = np.broadcast_to(np.asarray(polytope.bounds.ub, dtype=float), (size,)).copy()
    return lower, upper


def objective_with_action_fixed(model, objective: np.ndarray, action: np.ndarray) -> float:
    """Best ``objective @ x`` over the polytope points whose action part is ``action``."""
    polytope = model.action_polytope
    lower, upper = full_bounds(polytope)
    flat = action.ravel().astype(float)
    lower[: polytope.action_size] = flat
    upper[: polytope.action_size] = flat
    result = milp(
        c=-objective,
        constraints=list(polytope.constraints),
        integrality=polytope.integrality,
        bounds=Bounds(lower, upper),
    )
    assert result.x is not None, f"feasible action {action.tolist()} has no point in the polytope"
    return -result.fun


# -- feasibility ---------------------------------------------------------------------------


@pytest.mark.parametrize("env_id", CORMAB_IDS)
def test_null_action_is_feasible(envs, env_id: str) -> None:
    """Doing nothing is always allowed and steps without an error."""
    env = envs[env_id]
    model = env.unwrapped
    assert model.constraint_violation(model.null_action) is None
    env.reset(seed=0)
    _, reward, _, _, info = env.step(model.null_action)
    assert not info["invalid_action"] and reward >= 0


@pytest.mark.parametrize("env_id", CORMAB_IDS)
def test_sampled_actions_are_feasible(envs, env_id: str) -> None:
    """Random feasible actions and action_space.sample() pass the feasibility check."""
    env = envs[env_id]
    model = env.unwrapped
    rng = np.random.default_rng(1)
    for _ in range(200):
        action = model.sample_feasible_action(rng)
        assert env.action_space.contains(action)
        assert model.constraint_violation(action) is None
    env.action_space.seed(3)
    for _ in range(20):
        assert model.constraint_violation(env.action_space.sample()) is None


@pytest.mark.parametrize("env_id", CORMAB_IDS)
def test_infeasible_action_raises_naming_the_constraint(envs, env_id: str) -> None:
    """A hand-made infeasible action raises InvalidActionError naming the env and the rule."""
    env = envs[env_id]
    make_action, expected = INFEASIBLE[env_id]
    action = make_action(env.unwrapped)
    env.reset(seed=0)
    with pytest.raises(InvalidActionError, match=env_id) as caught:
        env.step(action)
    assert expected in str(caught.value)


@pytest.mark.parametrize("env_id", CORMAB_IDS)
def test_penalty_mode_charges_the_penalty(env_id: str) -> None:
    """invalid_action='penalty' acts as the null action and subtracts the penalty."""
    env = gym.make(env_id, invalid_action="penalty", invalid_action_penalty=7.5)
    action = INFEASIBLE[env_id][0](env.unwrapped)
    env.reset(seed=0)
    _, reward, _, _, info = env.step(action)
    assert info["invalid_action"] and info["invalid_reason"]
    assert reward == pytest.approx(info["state_reward"] - 7.5)


def test_default_penalty_is_the_largest_step_reward() -> None:
    """Without a penalty given, an infeasible action costs the best possible step reward."""
    env = CoRMABCapacityEnv(invalid_action="penalty")
    assert env.invalid_action_penalty == pytest.approx(env.state_rewards.max(axis=1).sum())


@pytest.mark.parametrize("env_id", CORMAB_IDS)
def test_project_mode_plays_a_feasible_action(env_id: str) -> None:
    """invalid_action='project' replaces an infeasible action by a feasible one."""
    env = gym.make(env_id, invalid_action="project")
    model = env.unwrapped
    action = INFEASIBLE[env_id][0](model)
    projected = model.project_action(action, np.random.default_rng(0))
    assert model.constraint_violation(projected) is None
    env.reset(seed=0)
    _, reward, _, _, info = env.step(action)
    assert info["invalid_action"] and reward == info["state_reward"]


# -- the MILP ------------------------------------------------------------------------------


@pytest.mark.parametrize("env_id", CORMAB_IDS)
def test_milp_optimum_beats_sampled_actions(envs, env_id: str) -> None:
    """For random states the MILP's action is feasible and no sampled action does better."""
    model = envs[env_id].unwrapped
    rng = np.random.default_rng(2)
    for _ in range(3):
        states = rng.integers(0, NUM_STATES, size=model.num_arms)
        objective, _ = model.one_step_objective(states)
        best = model.action_polytope.maximise(objective)
        assert model.constraint_violation(best) is None
        best_value = model.expected_reward(states, best)
        sampled = [model.sample_feasible_action(rng) for _ in range(200)]
        assert best_value >= max(model.expected_reward(states, a) for a in sampled) - 1e-9


@pytest.mark.parametrize("env_id", CORMAB_IDS)
def test_linear_objective_equals_expected_reward(envs, env_id: str) -> None:
    """c @ x + constant is the expected reward of the action x encodes, for feasible actions."""
    model = envs[env_id].unwrapped
    rng = np.random.default_rng(3)
    states = rng.integers(0, NUM_STATES, size=model.num_arms)
    objective, constant = model.one_step_objective(states)
    actions = [model.sample_feasible_action(rng) for _ in range(12)] + [model.null_action]
    for action in actions:
        linear = objective_with_action_fixed(model, objective, action) + constant
        assert linear == pytest.approx(model.expected_reward(states, action), abs=1e-6)


# -- seeding and pickling --------------------------------------------------------------------


def rollout(env: gym.Env, seed: int, steps: int) -> list[tuple[list[int], float]]:
    rng = np.random.default_rng(seed + 100)
    observation, _ = env.reset(seed=seed)
    trajectory = [(observation.tolist(), 0.0)]
    for _ in range(steps):
        action = env.unwrapped.sample_feasible_action(rng)
        observation, reward, *_ = env.step(action)
        trajectory.append((observation.tolist(), reward))
    return trajectory


@pytest.mark.parametrize("env_id", CORMAB_IDS)
def test_same_seed_same_trajectory(env_id: str) -> None:
    """Two envs reset with one seed and fed the same actions follow the same trajectory."""
    first = rollout(gym.make(env_id), seed=5, steps=10)
    assert first == rollout(gym.make(env_id), seed=5, steps=10)
    assert first != rollout(gym.make(env_id), seed=6, steps=10)


@pytest.mark.parametrize("env_id", CORMAB_IDS)
def test_pickled_env_continues_the_trajectory(env_id: str) -> None:
    """An env pickled mid-episode produces the same next steps as the original."""
    env = gym.make(env_id)
    rollout(env, seed=2, steps=3)
    clone = pickle.loads(pickle.dumps(env))
    rng = np.random.default_rng(9)
    for _ in range(5):
        action = env.unwrapped.sample_feasible_action(rng)
        original, copied = env.step(action), clone.step(action)
        assert original[0].tolist() == copied[0].tolist() and original[1] == copied[1]


@pytest.mark.parametrize("env_id", CORMAB_IDS)
def test_episode_starts_low_and_lasts_the_horizon(env_id: str) -> None:
    """Arms start in state 0 or 1 (1 about a fifth of the time); episodes truncate at 20 steps."""
    env = gym.make(env_id, num_arms=40)
    starts = np.concatenate([env.reset(seed=seed)[0] for seed in range(20)])
    assert set(np.unique(starts)) <= {0, 1}
    assert 0.1 < starts.mean() < 0.3
    env.reset(seed=0)
    for step in range(1, 21):
        *_, truncated, info = env.step(env.unwrapped.null_action)
        assert truncated == (step == 20) and info["time_step"] == step


def test_instance_seed_picks_the_instance() -> None:
    """The same instance_seed rebuilds the same arms; another seed draws others."""
    first, again = CoRMABPathEnv(instance_seed=4), CoRMABPathEnv(instance_seed=4)
    other = CoRMABPathEnv(instance_seed=5)
    assert np.array_equal(first.state_rewards, again.state_rewards)
    assert first.arm_names == again.arm_names
    assert first.arm_names != other.arm_names


# -- scales and arguments ----------------------------------------------------------------------


@pytest.mark.parametrize("num_arms", [20, 40, 100])
@pytest.mark.parametrize("env_id", CORMAB_IDS)
def test_paper_scales_build_and_step(env_id: str, num_arms: int) -> None:
    """J = 20, 40 and 100 build with budget J // 4 and step with a feasible action."""
    env = gym.make(env_id, num_arms=num_arms)
    model = env.unwrapped
    assert model.budget == num_arms // 4
    observation, _ = env.reset(seed=0)
    assert observation.shape == (num_arms,)
    _, _, _, _, info = env.step(model.sample_feasible_action(np.random.default_rng(0)))
    assert not info["invalid_action"]


def test_action_shapes_follow_the_problem_structure(envs) -> None:
    """Interventions, stations, worker-arm-slot bookings and worker-arm assignments."""
    shapes = {env_id: envs[env_id].action_space.shape for env_id in CORMAB_IDS}
    assert shapes == {MULTI: (10,), PATH: (20,), SCHEDULING: (5, 20, 5), CAPACITY: (5, 20)}


@pytest.mark.parametrize(
    ("env_class", "kwargs", "names"),
    [
        (CoRMABCapacityEnv, {"num_arms": 0}, "num_arms"),
        (CoRMABSchedulingEnv, {"budget": 21}, "budget"),
        (CoRMABMultiInterventionEnv, {"horizon": 0}, "horizon"),
        (CoRMABPathEnv, {"num_arms": 101}, "num_arms"),
        (CoRMABPathEnv, {"active_up_range": (0.9, 0.7)}, "active_up_range"),
        (CoRMABMultiInterventionEnv, {"num_actions": 5}, "num_actions"),
        (CoRMABMultiInterventionEnv, {"num_arms": 8, "budget": 2}, "too few"),
        (CoRMABMultiInterventionEnv, {"edge_weight": -1.0}, "edge_weight"),
        (CoRMABCapacityEnv, {"invalid_action": "ignore"}, "invalid_action"),
    ],
)
def test_bad_arguments_name_the_parameter(env_class, kwargs, names) -> None:
    """A bad constructor argument raises ValueError saying which one and what came."""
    with pytest.raises(ValueError, match=names):
        env_class(**kwargs)


# -- problem-specific behaviour ---------------------------------------------------------------


def test_a_full_group_of_interventions_lifts_its_arms() -> None:
    """One good intervention barely moves its arms; its whole group of three pushes them up."""
    env = CoRMABMultiInterventionEnv()
    good = np.flatnonzero(env.good_action)
    group_arms = env.action_arms[good[0]]
    group = [action for action in good if np.array_equal(env.action_arms[action], group_arms)]
    assert len(group) == 3
    one, three = np.zeros(env.num_actions, dtype=np.int8), np.zeros(env.num_actions, dtype=np.int8)
    one[group[0]] = 1
    three[group] = 1
    assert np.all(env.up_probabilities(one)[group_arms] < 0.1)
    assert np.all(env.up_probabilities(three)[group_arms] > 0.5)


def test_held_karp_matches_brute_force() -> None:
    """The shortest closed walk through a few stations equals the best visiting order."""
    env = CoRMABPathEnv(num_arms=40)
    rng = np.random.default_rng(4)
    for _ in range(5):
        targets = rng.choice(np.setdiff1d(np.arange(40), [env.source_arm]), size=5, replace=False)
        distance = env.hop_distance
        brute = min(
            distance[env.source_arm, order[0]]
            + sum(distance[a, b] for a, b in itertools.pairwise(order))
            + distance[order[-1], env.source_arm]
            for order in itertools.permutations(targets)
        )
        assert env.shortest_covering_walk(targets) == brute


def test_walk_milp_agrees_with_held_karp() -> None:
    """The MILP used beyond 13 pulled stations measures the same shortest walk."""
    env = CoRMABPathEnv(num_arms=40)
    targets = np.array([3, 9, 17, 25, 31, 38])
    nodes = np.concatenate([[env.source_arm], targets])
    exact = shortest_tour_length(env.hop_distance[np.ix_(nodes, nodes)])
    assert env._milp_shortest_walk(targets) == exact


def test_sampled_path_actions_fit_one_walk() -> None:
    """Every sampled pull set has a closed walk of at most twice the budget."""
    env = CoRMABPathEnv(num_arms=40)
    rng = np.random.default_rng(6)
    for _ in range(50):
        pulled = np.flatnonzero(env.sample_feasible_action(rng))
        assert 1 <= pulled.shape[0] <= env.budget
        assert env.shortest_covering_walk(pulled) <= env.max_walk_length


def test_scheduling_rejects_an_unavailable_slot_and_a_single_booking() -> None:
    """Booking outside availability, or one booking for an arm, is named in the error."""
    env = CoRMABSchedulingEnv()
    worker, arm, slot = np.argwhere(~env.bookable)[0]
    action = np.zeros(env.action_space.shape, dtype=np.int8)
    action[worker, arm, slot] = 1
    assert "available only in slots" in env.constraint_violation(action)
    worker, arm, slot = np.argwhere(env.bookable)[0]
    action = np.zeros(env.action_space.shape, dtype=np.int8)
    action[worker, arm, slot] = 1
    assert env.constraint_violation(action) == (
        f"arm {arm} has 1 worker-slot assignments; a pulled arm needs exactly 2"
    )


def test_capacity_rejects_an_arm_with_two_workers() -> None:
    """Two workers on one arm is an error: each pull has one owner."""
    env = CoRMABCapacityEnv()
    action = np.zeros(env.action_space.shape, dtype=np.int8)
    action[:2, int(np.argmin(env.arm_costs))] = 1
    assert "is assigned to 2 workers; at most 1" in env.constraint_violation(action)


# -- the transit network data -----------------------------------------------------------------


def test_shipped_transit_graph_loads() -> None:
    """The shipped network has 100 named stations, is connected, and starts at Central."""
    graph = load_transit_graph()
    assert graph.num_stations == 100 and graph.is_connected()
    assert graph.station_names[graph.source] == "Central"
    assert len(set(graph.station_names)) == 100
    for num_stations in (20, 40, 100):
        assert graph.subnetwork(num_stations).is_connected()


def write_graph(tmp_path: Path, change) -> Path:
    raw = json.loads(DEFAULT_GRAPH_PATH.read_text())
    change(raw)
    path = tmp_path / "broken_graph.json"
    path.write_text(json.dumps(raw))
    return path


@pytest.mark.parametrize(
    ("change", "problem"),
    [
        (lambda raw: raw.pop("edges"), "missing keys"),
        (lambda raw: raw["edges"].append({"stations": [0, 500], "line": "Circle"}), "edge"),
        (lambda raw: raw["edges"].append({"stations": [3, 3], "line": "Circle"}), "itself"),
        (lambda raw: raw.update(edges=raw["edges"][:5]), "not connected"),
        (lambda raw: raw["stations"][4].update(lines=["Nowhere"]), "undeclared"),
    ],
)
def test_malformed_graph_file_names_the_file(tmp_path: Path, change, problem: str) -> None:
    """A broken network file gives a ValueError naming the file and what is wrong."""
    path = write_graph(tmp_path, change)
    with pytest.raises(ValueError, match=problem) as caught:
        load_transit_graph(path)
    assert str(path) in str(caught.value)


def test_graph_file_that_is_not_json_names_the_file(tmp_path: Path) -> None:
    """Text that is not JSON, passed to the env as graph_path, fails with the file's name."""
    path = tmp_path / "not_json.json"
    path.write_text("stations: Central")
    with pytest.raises(ValueError, match="not valid JSON") as caught:
        CoRMABPathEnv(graph_path=path)
    assert str(path) in str(caught.value)
