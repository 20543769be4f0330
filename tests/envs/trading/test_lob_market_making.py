"""LOBMarketMaking-v0: actions, fees, accounting, episode end, errors, agents and the family."""

from __future__ import annotations

import gymnasium as gym
import numpy as np
import pytest

import rlbench_suite  # noqa: F401  (registers the ids)
from rlbench_suite.agents import make_agent
from rlbench_suite.agents.trivial import trivial_policies
from rlbench_suite.envs.trading import lob_market_making
from rlbench_suite.envs.trading.lob_market_making import LOBMarketMakingEnv
from rlbench_suite.envs.trading.order_book import ASK, BID, Fill
from rlbench_suite.registry import env_card
from rlbench_suite.scoring.evaluate import evaluate

ENV_ID = "rlbench/LOBMarketMaking-v0"


def play(env: gym.Env, policy, seed: int = 0) -> tuple[float, list[dict]]:
    """One episode of ``policy(observation) -> action``: its return and every step's info."""
    observation, _ = env.reset(seed=seed)
    total, infos, done = 0.0, [], False
    while not done:
        observation, reward, terminated, truncated, info = env.step(policy(observation))
        total += reward
        infos.append(info)
        done = terminated or truncated
    return total, infos


def test_actions_map_to_the_documented_level_pairs() -> None:
    """11 actions: 0 no quote, 1-9 the (bid, ask) pairs of (0, 2, 4), 10 flatten."""
    env = LOBMarketMakingEnv()
    assert env.action_space == gym.spaces.Discrete(11)
    assert [env.action_levels(action) for action in range(11)] == [
        (None, None),
        (0, 0), (0, 2), (0, 4),
        (2, 0), (2, 2), (2, 4),
        (4, 0), (4, 2), (4, 4),
        (None, None),
    ]  # fmt: skip
    assert env.flatten_action == 10
    assert env.action_for_levels(2, 4) == 6
    with pytest.raises(ValueError, match="bid_level must be one of \\(0, 2, 4\\), got 1"):
        env.action_for_levels(1, 0)


def test_quotes_rest_at_the_named_levels_and_no_quote_cancels_them() -> None:
    """Action (2, 4) rests the bid 2 ticks under the best bid and the ask 4 above the best ask."""
    env = LOBMarketMakingEnv(horizon=5)
    env.reset(seed=0)
    book = env.book
    expected = (book.price_at_level(BID, 2), book.price_at_level(ASK, 4))
    env._quote(2, 4)
    assert (book.agent_orders[BID].price, book.agent_orders[ASK].price) == expected
    env.step(0)
    assert book.agent_orders == [None, None]


def test_episode_ends_flat_at_the_horizon_and_the_return_is_the_pnl() -> None:
    """After 40 decisions the episode truncates flat; rewards sum to the final cash."""
    env = gym.make(ENV_ID, horizon=40)
    total, infos = play(env, lambda _observation: 1)
    assert len(infos) == 40 and infos[-1]["inventory"] == 0
    assert total == pytest.approx(infos[-1]["cash"], abs=1e-9)
    assert total == pytest.approx(infos[-1]["pnl"], abs=1e-9)
    assert infos[-1]["fills"] > 0
    # The finance metrics come with the last step: the PnL is the return.
    assert infos[-1]["pnl"] == pytest.approx(total)
    assert infos[-1]["inventory_final"] == 0.0 and infos[-1]["inventory_max_abs"] >= 1
    assert np.isfinite(infos[-1]["sharpe"]) and infos[-1]["max_drawdown"] <= 0
    assert "sharpe" not in infos[-2]


def test_differential_and_realized_rewards_sum_to_the_same_pnl() -> None:
    """Same seed, same actions: both PnL rewards give the same episode return, paid differently."""
    returns, paths = {}, {}
    for reward in ("differential_pnl", "realized_pnl"):
        env = gym.make(ENV_ID, horizon=60, reward=reward)
        env.reset(seed=4)
        rewards = [env.step(1)[1] for _ in range(60)]
        returns[reward], paths[reward] = sum(rewards), rewards
    assert returns["differential_pnl"] == pytest.approx(returns["realized_pnl"], abs=1e-9)
    assert paths["differential_pnl"] != pytest.approx(paths["realized_pnl"])


def test_asymmetrical_reward_pays_a_passive_fills_edge() -> None:
    """A passive buy at 100.00 with the mid at 100.005 pays the half-tick edge of 0.005."""
    env = LOBMarketMakingEnv(reward="asymmetrical", horizon=5)
    env.reset(seed=0)
    edge = env._settle_limit_fill(Fill(BID, 10_000), anchor_half_ticks=20_001)
    assert edge == pytest.approx(0.005)
    assert env.inventory == 1


def test_the_taker_fee_is_charged_on_every_flattened_unit() -> None:
    """Flattening 3 units costs 0.2 % of each unit's price on top of crossing the spread."""
    results = {}
    for taker_fee in (0.0, 0.002):
        env = LOBMarketMakingEnv(horizon=5, taker_fee=taker_fee)
        env.reset(seed=1)
        for _ in range(3):
            env._trade(1, 100.0, env.maker_fee)
        _, reward, *_rest, info = env.step(env.flatten_action)
        results[taker_fee] = (reward, info["fees_paid"])
    (reward_free, fee_free), (reward_paid, fee_paid) = results[0.0], results[0.002]
    assert fee_free == 0.0
    assert fee_paid == pytest.approx(0.002 * 3 * 100.0, rel=0.01)
    assert reward_free - reward_paid == pytest.approx(fee_paid, abs=1e-9)


def test_the_maker_fee_is_charged_on_passive_fills() -> None:
    """With a 0.1 % maker fee the same quoting episode returns less, by exactly the fees paid."""
    outcomes = {}
    for maker_fee in (0.0, 0.001):
        env = gym.make(ENV_ID, horizon=50, maker_fee=maker_fee)
        total, infos = play(env, lambda _observation: 1, seed=2)
        outcomes[maker_fee] = (total, infos[-1]["fees_paid"], infos[-1]["fills"])
    (free_return, _, fills), (paid_return, fees, paid_fills) = outcomes[0.0], outcomes[0.001]
    assert fills == paid_fills > 0
    assert fees == pytest.approx(0.001 * 100.0 * fills, rel=0.01)
    assert free_return - paid_return == pytest.approx(fees, abs=1e-9)


def test_inventory_never_passes_the_cap() -> None:
    """Always bidding at the best and asking far away stops at max_inventory = 3 units."""
    env = gym.make(ENV_ID, horizon=300, max_inventory=3)
    _, infos = play(env, lambda _observation: 3)
    inventories = [info["inventory"] for info in infos[:-1]]
    assert max(inventories) == 3 and min(inventories) >= 0


def test_observation_reports_inventory_and_the_agents_quotes() -> None:
    """The newest row holds inventory / cap, the quotes' distances from the mid and time."""
    env = LOBMarketMakingEnv(horizon=10)
    env.reset(seed=0)
    observation, *_ = env.step(env.action_for_levels(0, 2))
    row = observation[-env.row_size :]
    assert row[-7] == pytest.approx(env.inventory / env.max_inventory)
    assert row[-1] == pytest.approx(0.1)
    mid = env.book.mid_half_ticks / 2
    for index, side in ((-6, BID), (-5, ASK)):
        order = env.book.agent_orders[side]
        assert row[index] == pytest.approx(0.0 if order is None else abs(order.price - mid))


def test_render_shows_the_book_and_the_position() -> None:
    """The ansi frame lists 5 ask and 5 bid levels, the agent's quote and the inventory."""
    env = gym.make(ENV_ID, horizon=5, render_mode="ansi")
    env.reset(seed=0)
    env.step(1)
    frame = env.render()
    assert frame.count("  ask ") == 5 and frame.count("  bid ") == 5
    assert "inventory" in frame


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"reward": "sharpe"}, "reward must be one of .*'differential_pnl'.*got 'sharpe'"),
        ({"quote_levels": (0, 10)}, "quote_levels must be distinct integers in \\[0, 9\\]"),
        ({"quote_levels": (1, 1)}, "quote_levels must be distinct integers"),
        ({"horizon": 0}, "horizon must be an integer >= 1, got 0"),
        ({"taker_fee": 1.5}, "taker_fee must be a fraction in \\[0, 1\\), got 1.5"),
        ({"event_ticks": 0}, "event_ticks must be > 0, got 0"),
        ({"book_levels": 12}, "book_levels must be <= num_levels \\(10\\), got 12"),
        ({"hawkes_jump": 2.0}, "LOBMarketMakingEnv: OrderFlowParams: hawkes_jump must be below"),
        ({"start_price": 5.0}, "start_price must lie more than"),
        ({"cancel_rate": float("nan")}, "cancel_rate must be a finite number, got nan"),
        ({"render_mode": "human"}, "render_mode must be None or 'ansi', got 'human'"),
    ],
)
def test_bad_arguments_are_refused_with_what_was_expected(kwargs: dict, message: str) -> None:
    """Each bad argument raises ValueError naming the env, the rule and the value that came."""
    with pytest.raises(ValueError, match=message):
        LOBMarketMakingEnv(**kwargs)


def test_unknown_reset_options_and_steps_before_reset_are_refused() -> None:
    """reset takes no options; step before reset says to call reset."""
    env = LOBMarketMakingEnv()
    with pytest.raises(RuntimeError, match="call reset\\(\\) before step\\(\\)"):
        env.step(1)
    with pytest.raises(ValueError, match="reset got unknown options \\['start'\\]"):
        env.reset(seed=0, options={"start": 1})


def test_return_bounds_by_hand() -> None:
    """Defaults: reach 1000 + 1 + 100 + 100 + 50 + 10 = 1261 ticks; 1000 units each way at most
    2 x 12.61 apart; fees at most 0.2 % of 113.61 on 2000 units: [-25674.44, 25220]."""
    low, high = lob_market_making.return_bounds()
    assert high == pytest.approx(1000 * 2 * 1261 * 0.01)
    assert low == pytest.approx(-(1000 * 2 * 1261 * 0.01 + 2000 * 0.002 * 11261 * 0.01))
    assert env_card(ENV_ID).return_bounds == (low, high)


def test_mdp_family_held_out_draws_lie_outside_the_training_ranges() -> None:
    """Held-out instances have Hawkes jump >= 1, tick 0.05, threshold 3: none in distribution."""
    family = env_card(ENV_ID).mdp_family
    inside = family.sample(20, "in_distribution", seed=0)
    held_out = family.sample(20, "held_out", seed=0)
    assert all(0 <= kwargs["hawkes_jump"] <= 0.8 for kwargs in inside)
    assert all(kwargs["event_ticks"] in (1.0, 2.0) for kwargs in inside)
    for kwargs in held_out:
        assert kwargs["hawkes_jump"] >= 1.0 and kwargs["tick_size"] == 0.05
        assert not 1.5 <= kwargs["limit_rate"] <= 2.5
        assert not 0.4 <= kwargs["cancel_rate"] <= 0.8
        assert not 0.7 <= kwargs["market_rate"] <= 1.2
    env = gym.make(ENV_ID, horizon=5, **held_out[0])
    env.reset(seed=0)
    env.step(1)


def test_fixed_levels_agent_quotes_the_best_prices() -> None:
    """lob_fixed_levels always sends action 1, bid and ask at the best quotes."""
    env = gym.make(ENV_ID)
    agent = make_agent("lob_fixed_levels", env)
    observation, _ = env.reset(seed=0)
    assert {agent.act(observation) for _ in range(3)} == {1}


def test_inventory_skew_agent_sheds_inventory_and_unwinds_at_the_end() -> None:
    """Long 2 units it stops bidding (4, 0); short 2 it stops asking; at 6 it flattens; flat in
    the last 50 decisions it quotes both sides and long 1 it only sells."""
    env = gym.make(ENV_ID)
    agent = make_agent("lob_inventory_skew", env)
    model = env.unwrapped
    observation, _ = env.reset(seed=0)

    def act(inventory: int, elapsed: float) -> int:
        row = observation.copy()
        row[-7] = inventory / model.max_inventory
        row[-1] = elapsed
        return agent.act(row)

    assert act(0, 0.0) == model.action_for_levels(0, 0)
    assert act(1, 0.0) == model.action_for_levels(0, 0)
    assert act(2, 0.0) == model.action_for_levels(4, 0)
    assert act(-3, 0.0) == model.action_for_levels(0, 4)
    assert act(6, 0.0) == act(-7, 0.0) == model.flatten_action
    assert act(0, 0.95) == model.action_for_levels(0, 0)
    assert act(1, 0.9) == model.action_for_levels(4, 0)
    assert act(1, 0.898) == model.action_for_levels(0, 0)


def test_expert_beats_fixed_quotes_and_the_quiet_actions() -> None:
    """On 6 episodes the inventory-skew expert earns more than quoting the best prices always,
    and more than 0 (no quote, flatten)."""
    expert = evaluate("lob_inventory_skew", ENV_ID, n_episodes=6, seed=100)
    fixed = evaluate("lob_fixed_levels", ENV_ID, n_episodes=6, seed=100)
    expert_mean = np.mean([record.episode_return for record in expert.records])
    fixed_mean = np.mean([record.episode_return for record in fixed.records])
    assert expert_mean > fixed_mean + 0.3
    assert expert_mean > 0.8


@pytest.mark.slow
def test_expert_beats_random_and_every_constant_action_over_30_episodes() -> None:
    """Over 30 episodes the expert's mean return beats random and each of the 11 constant
    actions by at least 0.5 (its own mean is about 1.4)."""
    env = gym.make(ENV_ID)
    expert = evaluate("lob_inventory_skew", ENV_ID, n_episodes=30, seed=0)
    expert_mean = np.mean([record.episode_return for record in expert.records])
    others = {"random": "random", **trivial_policies(env)}
    for name, agent in others.items():
        result = evaluate(agent, ENV_ID, n_episodes=30, seed=0)
        mean = np.mean([record.episode_return for record in result.records])
        assert expert_mean > mean + 0.5, f"{name}: {mean} vs the expert's {expert_mean}"
