"""Return bounds on the cards: present, attained by no episode outside them, hand-checked."""

from __future__ import annotations

import math
from collections.abc import Iterable

import gymnasium as gym
import pytest

import rlbench_suite
from rlbench_suite.envs.bandits import two_state
from rlbench_suite.envs.uav import multi_hover
from rlbench_suite.registry import env_card, missing_dependency
from rlbench_suite.scoring import evaluate

ALL_IDS = rlbench_suite.list_envs()
SINGLE_AGENT_IDS = rlbench_suite.list_envs(multi_agent=False)
MULTI_AGENT_IDS = rlbench_suite.list_envs(multi_agent=True)
REFERENCED_IDS = [env_id for env_id in ALL_IDS if env_card(env_id).references is not None]
#: Ids with a side the env does not cap, and which side. QuadL2F's velocity cost has no cap
#: (see ``rlbench_suite.envs.uav.l2f.return_bounds``).
UNCAPPED_SIDES = {
    "rlbench/QuadL2F-v0": "low",
    # Prices follow geometric Brownian motion, which has no ceiling: a return cannot be capped.
    "rlbench/PortfolioAllocation-v0": "high",
    "rlbench/PortfolioAllocationESG-v0": "high",
    # The inventory is marked to a Brownian mid-price, unbounded either way.
    "rlbench/MarketMaking-v0": "both",
    "rlbench/MarketMakingHawkes-v0": "both",
    "rlbench/StockTrading-v0": "high",
    # The pairs spread's shocks are Gaussian both ways.
    "rlbench/PairsTrading-v0": "both",
    # The multi-objective twins of PortfolioAllocation and MarketMaking inherit their prices.
    "rlbench/MOPortfolio-v0": "both",
    "rlbench/MOMarketMaking-v0": "both",
}
#: Rewards such as 0.1 + 0.15 + 0.2 are summed in floating point, a few ulps from the exact sum.
RELATIVE_TOLERANCE = 1e-9


def skip_if_unbuildable(env_id: str) -> None:
    """Skip the test where ``env_id`` needs a package or binary missing here (chess, Stockfish)."""
    reason = missing_dependency(env_id)
    if reason is not None:
        pytest.skip(reason)


def assert_within_bounds(
    env_id: str, returns: Iterable[float | tuple[float, ...]], what: str
) -> None:
    """Every return lies in the card's bounds, up to float rounding.

    A multi-objective return is a vector; the card's bounds hold for each of its components.
    """
    low, high = env_card(env_id).return_bounds
    slack_low = RELATIVE_TOLERANCE * max(1.0, abs(low))
    slack_high = RELATIVE_TOLERANCE * max(1.0, abs(high))
    for value in returns:
        components = value if isinstance(value, tuple | list) else (value,)
        assert all(low - slack_low <= part <= high + slack_high for part in components), (
            f"{env_id}: {what} return {value} is outside the card's bounds [{low}, {high}]"
        )


def episode_returns(result: object, multi_agent: bool) -> list[float]:
    """Per-episode returns of an evaluation; for a multi-agent env, each agent's own."""
    records = result.records  # type: ignore[attr-defined]
    if multi_agent:
        return [value for record in records for value in record.agent_returns.values()]
    return [record.episode_return for record in records]


# -- (1) every card states its bounds ----------------------------------------------------------


@pytest.mark.parametrize("env_id", ALL_IDS)
def test_card_states_ordered_bounds_finite_where_capped(env_id: str) -> None:
    """Each card has (low, high), low < high, infinite only on a side its env leaves uncapped."""
    bounds = env_card(env_id).return_bounds
    assert bounds is not None, f"{env_id}: the card states no return bounds"
    low, high = bounds
    assert low < high
    uncapped = UNCAPPED_SIDES.get(env_id)
    assert math.isfinite(low) == (uncapped not in ("low", "both")), f"{env_id}: low = {low}"
    assert math.isfinite(high) == (uncapped not in ("high", "both")), f"{env_id}: high = {high}"


def test_to_json_writes_an_uncapped_side_as_null() -> None:
    """JSON has no infinity: QuadL2F's card lists its bounds as [null, 1000]."""
    assert env_card("rlbench/QuadL2F-v0").to_json()["return_bounds"] == [None, 1000.0]
    assert env_card("rlbench/CartPole-v1").to_json()["return_bounds"] == [1.0, 500.0]


# -- (2) episodes stay inside -----------------------------------------------------------------


@pytest.mark.parametrize("env_id", ALL_IDS)
def test_random_agent_returns_lie_within_bounds(env_id: str) -> None:
    """The random reference agent's returns (each agent's, for multi-agent ids) are inside."""
    skip_if_unbuildable(env_id)
    result = evaluate("random", env_id, n_episodes=3, seed=11)
    assert_within_bounds(env_id, episode_returns(result, env_card(env_id).multi_agent), "random")


@pytest.mark.parametrize("env_id", SINGLE_AGENT_IDS)
def test_action_space_samples_give_returns_within_bounds(env_id: str) -> None:
    """Uniform action-space samples (malformed text for language envs) stay inside too."""
    skip_if_unbuildable(env_id)
    env = gym.make(env_id)
    action_space = env.action_space
    env.close()
    action_space.seed(5)
    result = evaluate(lambda _observation: action_space.sample(), env_id, n_episodes=2, seed=21)
    assert_within_bounds(env_id, episode_returns(result, multi_agent=False), "action-space")


# Multi-agent ids have no named expert in `evaluate`; MultiQuadHover's runs as its twin's.
@pytest.mark.parametrize("env_id", SINGLE_AGENT_IDS)
def test_expert_agent_returns_lie_within_bounds(env_id: str) -> None:
    """The card's expert reference agent's returns are inside."""
    skip_if_unbuildable(env_id)
    card = env_card(env_id)
    result = evaluate(card.expert_agent, env_id, n_episodes=2)
    assert_within_bounds(env_id, episode_returns(result, multi_agent=False), card.expert_agent)


# -- (3) stored reference scores --------------------------------------------------------------


@pytest.mark.parametrize("env_id", REFERENCED_IDS)
def test_stored_reference_scores_lie_within_bounds(env_id: str) -> None:
    """The card's stored random and expert mean returns are returns the env can produce."""
    references = env_card(env_id).references
    assert_within_bounds(env_id, [references.random, references.expert], "reference")


# -- (4) one hand-computed bound per family ---------------------------------------------------


def test_cartpole_bounds_by_hand() -> None:
    """calibration: +1 a step, at least 1 step, at most the 500-step TimeLimit: [1, 500]."""
    assert env_card("rlbench/CartPole-v1").return_bounds == (1.0, 500.0)


def test_two_state_and_cormab_bounds_by_hand() -> None:
    """bandits: TwoState 10 arms x {0, 1} x 100 steps = [0, 1000]; with the default penalty
    (10, the largest step reward) a step can pay 0 - 10, so [100 x -10, 1000] = [-1000, 1000].
    CoRMAB 20 arms, 5 high-value, 20 steps: 20 x 0.1 x 20 = 40 to (5 x 6 + 15 x 3) x 20 = 1500.
    """
    assert env_card("rlbench/RMAB-TwoState-v0").return_bounds == (0.0, 1000.0)
    assert two_state.return_bounds(invalid_action="penalty") == (-1000.0, 1000.0)
    assert env_card("rlbench/CoRMAB-Path-v0").return_bounds == (40.0, 1500.0)


def test_maze_bounds_by_hand_and_both_ends_attained() -> None:
    """language: Maze's 100 moves x -4 (malformed) - 1 (failure) = -401; a first move onto the
    goal from a start next to it = 0. Both ends are returns a real episode produces."""
    assert env_card("rlbench/Maze-v0").return_bounds == (-401.0, 0.0)
    env = gym.make("rlbench/Maze-v0")
    env.reset(seed=0)
    total, done = 0.0, False
    while not done:
        _, reward, terminated, truncated, _ = env.step("dance")
        total, done = total + reward, terminated or truncated
    assert total == -401.0
    maze = env.unwrapped.maze
    beside_goal = next(cell for cell in maze.start_cells() if maze.distances[cell] == 1)
    env.reset(seed=0, options={"start": beside_goal})
    _, reward, terminated, _, _ = env.step(maze.best_move(beside_goal))
    assert (reward, terminated) == (0.0, True)


def test_quadrotor_bounds_by_hand() -> None:
    """uav: 8 s x 30 Hz = 240 steps of a reward in [0, 2]: [0, 480] for QuadHover and for one
    MultiQuadHover agent, 2 drones x 480 = 960 for its twin; QuadL2F 500 steps x 2 = 1000."""
    assert env_card("rlbench/QuadHover-v0").return_bounds == (0.0, 480.0)
    assert env_card("rlbench/MultiQuadHover-v0").return_bounds == (0.0, 480.0)
    assert env_card("rlbench/MultiQuadHoverCentral-v0").return_bounds == (0.0, 960.0)
    assert multi_hover.return_bounds(num_drones=4) == (0.0, 1920.0)
    assert env_card("rlbench/QuadL2F-v0").return_bounds == (-math.inf, 1000.0)
