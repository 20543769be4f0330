"""MarketMaking: mbt_gym's market, its bookkeeping, its costs, its errors and its MDP family."""

from __future__ import annotations

import math
import pickle

import gymnasium as gym
import numpy as np
import pytest

import rlbench_suite  # noqa: F401  (registers the ids)
from rlbench_suite.envs.trading.market_making import (
    FAMILY_RANGES,
    HELD_OUT_BOUNDS,
    MarketMakingEnv,
    market_making_family,
    market_making_hawkes_family,
    return_bounds,
)
from rlbench_suite.envs.validation import InvalidActionError
from rlbench_suite.registry import env_card

ENV_ID = "rlbench/MarketMaking-v0"
SIGMA_SQRT_DT = 2.0 * math.sqrt(1.0 / 200)  # one step's price-move scale at the defaults
MAX_DEPTH = math.log(100.0) / 1.5


class ScriptedDraws:
    """Stands in for ``np_random``: the step's four uniforms and its normal, as given."""

    def __init__(self, uniforms: list[float], shock: float) -> None:
        self.uniforms = np.array(uniforms)
        self.shock = shock

    def random(self, size: int) -> np.ndarray:
        assert size == 4
        return self.uniforms.copy()

    def standard_normal(self) -> float:
        return self.shock


def scripted_step(
    env: MarketMakingEnv, action: list[float], uniforms: list[float], shock: float = 0.0
) -> tuple:
    """One step of ``env`` with the given draws (arrival bid, arrival ask, fill bid, fill ask)."""
    env.np_random = ScriptedDraws(uniforms, shock)
    return env.step(np.array(action, dtype=np.float32))


def fresh(**kwargs: object) -> MarketMakingEnv:
    env = MarketMakingEnv(**kwargs)
    env.reset(seed=0)
    return env


# -- the market --------------------------------------------------------------------------------


def test_reset_starts_flat_at_the_initial_price() -> None:
    """Cash 0, inventory 0, time 0, the mid at S0: the observation is all zeros."""
    env = gym.make(ENV_ID, initial_price=90.0)
    observation, info = env.reset(seed=3)
    assert observation.dtype == np.float32 and observation.tolist() == [0.0, 0.0, 0.0, 0.0]
    assert (info["cash"], info["inventory"], info["mid_price"]) == (0.0, 0, 90.0)


def test_a_filled_bid_buys_at_the_pre_move_mid_minus_its_depth() -> None:
    """Fills trade at the mid the agent saw; then the mid moves by sigma sqrt(dt) Z (mbt_gym)."""
    env = fresh(reward="pnl")
    action = [0.25, 0.5]
    depth_bid = float(np.float32(0.25)) * MAX_DEPTH
    # A sell order arrives (0.1 < 0.7) and fills the bid (0.2 < exp(-kappa depth) = 0.316);
    # no buy order arrives (0.9 >= 0.7).
    observation, reward, terminated, _, info = scripted_step(env, action, [0.1, 0.9, 0.2, 0.0], 1.0)
    assert info["bid_fill"] and not info["ask_fill"]
    assert info["cash"] == pytest.approx(-(100.0 - depth_bid))
    assert info["inventory"] == 1
    assert info["mid_price"] == pytest.approx(100.0 + SIGMA_SQRT_DT)
    # Mark to market: the half-spread earned plus the move of the unit now held.
    assert reward == pytest.approx(depth_bid + SIGMA_SQRT_DT)
    assert observation[1] == 1.0 and observation[2] == pytest.approx(1 / 200)
    assert observation[3] == pytest.approx(SIGMA_SQRT_DT / 2.0)
    assert not terminated


def test_a_fill_needs_an_arrival_and_a_draw_under_exp_minus_kappa_depth() -> None:
    """No arrival, no fill; an arrival fills only when its draw is below exp(-kappa depth)."""
    fill_chance = math.exp(-1.5 * float(np.float32(0.5)) * MAX_DEPTH)  # 0.1 at half the box
    env = fresh()
    _, _, _, _, info = scripted_step(env, [0.5, 0.5], [0.8, 0.8, 0.0, 0.0])
    assert not info["bid_fill"] and not info["ask_fill"]
    _, _, _, _, info = scripted_step(env, [0.5, 0.5], [0.0, 0.0, fill_chance + 1e-9, 0.0])
    assert not info["bid_fill"] and info["ask_fill"]
    assert info["inventory"] == -1
    assert info["cash"] == pytest.approx(100.0 + float(np.float32(0.5)) * MAX_DEPTH)


def test_a_quote_that_would_breach_the_inventory_limit_is_not_placed() -> None:
    """At +max_inventory the bid is not placed: a sure fill leaves the inventory where it is."""
    env = fresh(max_inventory=1)
    scripted_step(env, [0.0, 0.0], [0.0, 1.0, 0.0, 0.0])
    assert env.inventory == 1
    _, _, _, _, info = scripted_step(env, [0.0, 0.0], [0.0, 1.0, 0.0, 0.0])
    assert not info["bid_fill"] and info["inventory"] == 1
    _, _, _, _, info = scripted_step(env, [0.0, 0.0], [0.0, 0.0, 0.0, 0.0])
    assert not info["bid_fill"] and info["ask_fill"] and info["inventory"] == 0


def test_hawkes_intensities_decay_to_the_baseline_and_jump_on_arrivals() -> None:
    """lambda += decay (baseline - lambda) dt + jump * arrived, per side, after the step."""
    env = fresh(arrivals="hawkes")
    observation, _ = env.reset(seed=0)
    assert observation.shape == (6,) and observation[4:].tolist() == pytest.approx([0.05, 0.05])
    # An order arrives on the bid side (0.01 < 10 * dt = 0.05), none on the ask side.
    observation, *_ = scripted_step(env, [1.0, 1.0], [0.01, 0.9, 1.0, 1.0])
    assert env.intensities == pytest.approx([10.0 + 40.0, 10.0])
    scripted_step(env, [1.0, 1.0], [0.9, 0.9, 1.0, 1.0])
    assert env.intensities == pytest.approx([50.0 + 60.0 * (10.0 - 50.0) / 200, 10.0])
    assert env.mean_arrival_rate == pytest.approx(30.0)


def test_the_episode_terminates_at_t_with_metrics_in_info() -> None:
    """Step n_steps ends it (terminated, not truncated), with PnL, finance and inventory stats."""
    env = gym.make(ENV_ID, n_steps=10, terminal_time=0.05, reward="pnl")
    env.reset(seed=5)
    total = 0.0
    for step in range(10):
        _, reward, terminated, truncated, info = env.step(np.array([0.1, 0.3], dtype=np.float32))
        total += reward
        assert terminated == (step == 9) and not truncated
    model = env.unwrapped
    assert info["pnl"] == pytest.approx(total) == pytest.approx(model.wealth)
    assert info["inventory_final"] == model.inventory
    path = np.array(model._inventory_path, dtype=float)
    assert info["inventory_max_abs"] == np.max(np.abs(path))
    assert info["inventory_mean"] == pytest.approx(np.mean(path))
    assert info["capital"] == 100.0 * 10_000  # the start price times the inventory limit
    assert info["final_value"] == pytest.approx(info["capital"] + total)
    for key in ("sharpe", "sortino", "max_drawdown", "calmar", "annual_return"):
        assert key in info


def test_a_seed_fixes_the_episode_and_the_env_pickles() -> None:
    """Same seed, same trajectory; a pickled copy continues identically."""
    rng = np.random.default_rng(0)
    actions = rng.uniform(0, 1, size=(50, 2)).astype(np.float32)

    def rollout(env: gym.Env, seed: int) -> list[tuple]:
        env.reset(seed=seed)
        return [env.step(action)[:2] for action in actions]

    first, second = gym.make(ENV_ID), gym.make(ENV_ID)
    run = rollout(first, 11)
    again = rollout(second, 11)
    assert all(np.array_equal(a[0], b[0]) and a[1] == b[1] for a, b in zip(run, again, strict=True))
    other = rollout(second, 12)
    assert any(a[1] != b[1] for a, b in zip(run, other, strict=True))
    first.reset(seed=4)
    first.step(actions[0])
    copy = pickle.loads(pickle.dumps(first))
    assert np.array_equal(first.step(actions[1])[0], copy.step(actions[1])[0])


def test_render_ansi_prints_the_state() -> None:
    """The ansi frame names time, mid, cash, inventory and wealth."""
    env = gym.make(ENV_ID, render_mode="ansi")
    env.reset(seed=0)
    assert env.render() == "t=0.000 mid=100.000 cash=0.00 inventory=+0 wealth=0.00"


# -- every cost changes the outcome ------------------------------------------------------------


def test_the_running_penalty_charges_phi_dt_q_squared() -> None:
    """Same fills, phi 0 vs 0.5: the reward differs by phi dt q'^2 (q' = 1 after a bid fill)."""
    rewards = {}
    for phi in (0.0, 0.5):
        env = fresh(running_penalty=phi)
        rewards[phi] = scripted_step(env, [0.0, 1.0], [0.0, 1.0, 0.0, 1.0])[1]
    assert rewards[0.0] - rewards[0.5] == pytest.approx(0.5 / 200 * 1**2)


def test_the_terminal_penalty_charges_alpha_q_squared_at_the_end_only() -> None:
    """alpha q_T^2 comes off the last reward, and no earlier one."""
    rewards = {}
    for alpha in (0.0, 2.0):
        env = fresh(n_steps=2, terminal_time=0.01, terminal_penalty=alpha, running_penalty=0.0)
        first = scripted_step(env, [0.0, 1.0], [0.0, 1.0, 0.0, 1.0])[1]  # buy one
        last = scripted_step(env, [0.0, 1.0], [0.0, 1.0, 0.0, 1.0])[1]  # and another
        rewards[alpha] = (first, last)
    assert rewards[2.0][0] == rewards[0.0][0]
    assert rewards[0.0][1] - rewards[2.0][1] == pytest.approx(2.0 * 2**2)


def test_exponential_utility_pays_minus_exp_minus_gamma_w_at_the_end() -> None:
    """0 until the end, then -exp(-gamma W_T); gamma changes it."""
    for gamma in (0.1, 0.5):
        env = fresh(
            n_steps=2, terminal_time=0.01, reward="exponential_utility", risk_aversion=gamma
        )
        assert scripted_step(env, [0.5, 0.5], [0.0, 0.0, 0.0, 0.0])[1] == 0.0
        _, reward, terminated, _, _ = scripted_step(env, [0.5, 0.5], [0.0, 0.0, 0.0, 0.0])
        assert terminated
        wealth = 4 * float(np.float32(0.5)) * MAX_DEPTH  # two round trips of the full spread
        assert reward == pytest.approx(-math.exp(-gamma * wealth))


def test_the_rewards_rank_inventory_differently() -> None:
    """On one seed and action path, pnl >= inventory_penalty, the gap being phi dt sum q^2."""
    returns, inventories = {}, []
    for reward in ("pnl", "inventory_penalty"):
        env = gym.make(ENV_ID, reward=reward)
        env.reset(seed=2)
        total, done = 0.0, False
        while not done:
            _, value, done, _, _ = env.step(np.array([0.05, 0.4], dtype=np.float32))
            total += value
            if reward == "pnl":
                inventories.append(env.unwrapped.inventory)
        returns[reward] = total
    penalty = 2.0 / 200 * sum(q * q for q in inventories)
    assert penalty > 1.0
    assert returns["pnl"] - returns["inventory_penalty"] == pytest.approx(penalty)


# -- bad input ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"reward": "sharpe"}, "reward must be one of"),
        ({"arrivals": "cox"}, "arrivals must be one of"),
        ({"arrival_rate": 250.0}, r"arrival_rate \* dt must be <= 1"),
        ({"arrivals": "hawkes", "hawkes_jump": 60.0}, "hawkes_jump must be < hawkes_decay"),
        ({"sigma": -1.0}, "sigma must be > 0"),
        ({"kappa": 0.0}, "kappa must be > 0"),
        ({"running_penalty": -0.1}, "running_penalty must be >= 0"),
        ({"n_steps": 0}, "n_steps must be an int >= 1"),
        ({"max_inventory": 2.5}, "max_inventory must be an int >= 1"),
        ({"render_mode": "human"}, "render_mode must be None or 'ansi'"),
        ({"sigma": float("nan")}, "sigma"),
    ],
)
def test_bad_arguments_raise_naming_what_was_expected(kwargs: dict, message: str) -> None:
    """Each bad argument is a ValueError naming the argument and the rule."""
    with pytest.raises(ValueError, match=message):
        MarketMakingEnv(**kwargs)


@pytest.mark.parametrize(
    ("action", "error", "message"),
    [
        ([1.5, 0.5], InvalidActionError, "out of bounds"),
        ([-0.1, 0.5], InvalidActionError, "out of bounds"),
        ([0.5], InvalidActionError, r"shape \(1,\)"),
        ([np.nan, 0.5], InvalidActionError, "non-finite"),
        (["a", "b"], TypeError, "numeric"),
    ],
)
def test_bad_actions_raise_naming_the_space(action: list, error: type, message: str) -> None:
    """An action outside Box(0, 1, (2,)) is refused with the env id and the space."""
    env = gym.make(ENV_ID)
    env.reset(seed=0)
    with pytest.raises(error, match=message) as raised:
        env.step(action)
    assert ENV_ID in str(raised.value)


def test_unknown_reset_options_are_refused() -> None:
    """reset(options=...) takes nothing; an unknown key is a ValueError naming it."""
    env = gym.make(ENV_ID)
    with pytest.raises(ValueError, match="unknown options"):
        env.reset(options={"inventory": 3})


# -- card and MDP family -----------------------------------------------------------------------


def test_default_is_the_penalised_criterion_and_cj_the_expert() -> None:
    """The id's defaults: mbt_gym's replication market, PnL - 2 dt q^2, CJ as expert."""
    model = gym.make(ENV_ID).unwrapped
    assert (model.sigma, model.kappa, model.arrival_rate, model.n_steps) == (2.0, 1.5, 140.0, 200)
    assert (model.reward_kind, model.running_penalty, model.terminal_penalty) == (
        "inventory_penalty",
        2.0,
        0.0,
    )
    assert model.max_depth == pytest.approx(MAX_DEPTH)
    card = env_card(ENV_ID)
    assert card.expert_agent == "cartea_jaimungal" and card.return_bounds == (-math.inf, math.inf)
    assert env_card("rlbench/MarketMakingHawkes-v0").kwargs == {"arrivals": "hawkes"}


def test_return_bounds_cap_only_exponential_utility_from_above() -> None:
    """Brownian prices leave PnL unbounded; -exp(-gamma W) is below 0."""
    assert return_bounds(reward="pnl") == (-math.inf, math.inf)
    assert return_bounds(reward="exponential_utility") == (-math.inf, 0.0)


def test_held_out_instances_lie_outside_the_training_ranges() -> None:
    """In distribution every parameter is inside its range; held out, every one is outside."""
    rng = np.random.default_rng(0)
    for _ in range(200):
        inside = market_making_family(rng, "in_distribution")
        outside = market_making_family(rng, "held_out")
        for name, (low, high) in FAMILY_RANGES.items():
            assert low <= inside[name] <= high
            assert not low <= outside[name] <= high
            assert HELD_OUT_BOUNDS[name][0] <= outside[name] <= HELD_OUT_BOUNDS[name][1]
        MarketMakingEnv(**outside)  # every held-out market is a valid env
    hawkes = market_making_hawkes_family(rng, "held_out")
    assert "arrival_rate" not in hawkes and not 8.0 <= hawkes["hawkes_baseline"] <= 12.0
