"""The zero-intelligence book: invariants, price-time priority and the agent's fills."""

from __future__ import annotations

import numpy as np
import pytest

from rlbench_suite.envs.trading.order_book import (
    ASK,
    BID,
    Interval,
    LimitOrderBook,
    OrderFlowParams,
)


def make_book(seed: int = 0, **params: float) -> LimitOrderBook:
    return LimitOrderBook(OrderFlowParams(**params), np.random.default_rng(seed))


def set_levels(book: LimitOrderBook, bid: list[int], ask: list[int]) -> None:
    """Replace the queues (padded with empty levels) around a one-tick spread at 100/101."""
    levels = book.params.num_levels
    book.best_bid, book.best_ask = 100, 101
    book.volume = [bid + [0] * (levels - len(bid)), ask + [0] * (levels - len(ask))]


def test_book_invariants_hold_over_many_events() -> None:
    """Over 20,000 events the bid stays below the ask, queues non-negative, best levels filled."""
    book = make_book(seed=3)
    book.place_agent_order(BID, 0)
    book.place_agent_order(ASK, 2)
    interval = Interval(book.mid_half_ticks)
    for _ in range(20_000):
        book._simulate_event(interval)
        assert book.best_bid < book.best_ask
        for side in (BID, ASK):
            assert min(book.volume[side]) >= 0
            assert book.volume[side][0] >= 1
            order = book.agent_orders[side]
            if order is not None:
                level = book.level_of(side, order.price)
                assert 0 <= level < book.params.num_levels
                assert 0 <= order.ahead < book.volume[side][level]
        if not interval.fills:
            continue
        for fill in interval.fills:
            # A fill empties that side; the next decision would re-quote it.
            assert book.agent_orders[fill.side] is None
        interval.fills.clear()
        book.place_agent_order(BID, 0)
        book.place_agent_order(ASK, 2)


def test_market_orders_take_the_best_level_and_move_the_price_when_it_empties() -> None:
    """A market sell takes one unit from the best bid; the last one moves the bid to the next
    non-empty level, skipping the empty one."""
    book = make_book()
    set_levels(book, bid=[2, 0, 5], ask=[3])
    assert book.take_best(BID) == 100
    assert (book.best_bid, book.volume[BID][0]) == (100, 1)
    assert book.take_best(BID) == 100
    assert (book.best_bid, book.volume[BID][0]) == (98, 5)
    assert book.spread == 3


def test_agent_is_filled_exactly_when_the_queue_ahead_is_consumed() -> None:
    """Behind 3 crowd units, the agent's bid survives 3 market sells and fills on the 4th."""
    book = make_book()
    set_levels(book, bid=[3, 1], ask=[2])
    order = book.place_agent_order(BID, 0)
    assert (order.price, order.ahead, book.volume[BID][0]) == (100, 3, 4)
    for expected_ahead in (2, 1, 0):
        book.take_best(BID)
        assert book.agent_orders[BID] is order and order.ahead == expected_ahead
    book.take_best(BID)
    assert book.agent_orders[BID] is None
    assert book._new_fills[-1].side == BID and book._new_fills[-1].price == 100
    # The level emptied with the fill: the best bid moved to the next level.
    assert (book.best_bid, book.volume[BID][0]) == (99, 1)


def test_a_resting_order_keeps_its_place_when_requoted_at_the_same_price() -> None:
    """Re-sending an unchanged quote keeps the queue position; a new price goes to the back."""
    book = make_book()
    set_levels(book, bid=[3, 4], ask=[2])
    order = book.place_agent_order(BID, 0)
    book.take_best(BID)
    assert book.place_agent_order(BID, 0) is order and order.ahead == 2
    moved = book.place_agent_order(BID, 1)
    assert (moved.price, moved.ahead) == (99, 4)
    assert book.volume[BID][:2] == [2, 5]


def test_cancellations_ahead_move_the_agent_up_and_those_behind_do_not() -> None:
    """A crowd cancel of a unit ahead shortens the queue ahead; one behind leaves it."""
    book = make_book()
    set_levels(book, bid=[2, 0], ask=[2])
    order = book.place_agent_order(BID, 0)
    book.volume[BID][0] += 2  # two crowd units join behind the agent
    # Crowd units at the level, best first: 2 ahead, then 2 behind (the agent's unit is skipped).
    book._crowd_cancel(BID, fraction=3.5 / 4)
    assert order.ahead == 2 and book.volume[BID][0] == 4
    book._crowd_cancel(BID, fraction=0.0)
    assert order.ahead == 1 and book.volume[BID][0] == 3


def test_a_limit_order_inside_the_spread_improves_the_quote() -> None:
    """A buy limit one tick from a three-tick-away ask becomes the new best bid, of one unit."""
    book = make_book()
    set_levels(book, bid=[2, 3], ask=[1])
    book.best_ask = 103
    book._limit_arrival(BID, distance=1)
    assert (book.best_bid, book.volume[BID][:4]) == (102, [1, 0, 2, 3])


def test_agent_market_order_walks_the_book() -> None:
    """Selling 4 units takes 2 at the best bid and 2 a tick lower, best first."""
    book = make_book()
    set_levels(book, bid=[2, 3], ask=[1])
    assert book.agent_market_order(BID, 4) == [100, 100, 99, 99]
    assert (book.best_bid, book.volume[BID][0]) == (99, 1)


def test_same_seed_same_book_and_different_seed_different_book() -> None:
    """The flow is a function of the generator's seed alone."""
    paths = []
    for seed in (5, 5, 6):
        book = make_book(seed=seed)
        paths.append([book.run_until_mid_moves(1.0).events for _ in range(50)] + [book.best])
    assert paths[0] == paths[1]
    assert paths[0] != paths[2]


def test_mid_moves_by_the_threshold_before_an_interval_ends() -> None:
    """Each interval ends on the event that moves the mid at least the threshold (2 ticks)."""
    book = make_book(seed=1)
    for _ in range(100):
        interval = book.run_until_mid_moves(2.0)
        assert abs(book.mid_half_ticks - interval.start_mid_half_ticks) >= 4
        assert interval.events >= 1 and interval.duration > 0


def test_hawkes_excitation_raises_the_market_order_rate() -> None:
    """Jump 1.0, decay 2.0 doubles the long-run market rate (branching ratio 1/2)."""

    def market_orders_per_second(**params: float) -> float:
        book = make_book(seed=2, **params)
        interval = Interval(book.mid_half_ticks)
        for _ in range(60_000):
            book._simulate_event(interval)
        return (interval.market_buys + interval.market_sells) / 2 / book.time

    poisson = market_orders_per_second()
    hawkes = market_orders_per_second(hawkes_jump=1.0, hawkes_decay=2.0)
    assert poisson == pytest.approx(0.94, rel=0.05)
    assert hawkes == pytest.approx(2 * 0.94, rel=0.1)


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"market_rate": 0.0}, "market_rate must be a positive finite number, got 0.0"),
        ({"limit_decay": -1.0}, "limit_decay must be a finite number >= 0, got -1.0"),
        ({"hawkes_jump": 3.0, "hawkes_decay": 2.0}, "hawkes_jump must be below hawkes_decay"),
        ({"num_levels": 1}, "num_levels must be >= 2, got 1"),
        ({"num_levels": 2.5}, "num_levels must be an integer, got 2.5"),
    ],
)
def test_bad_flow_parameters_are_refused_by_name(params: dict, message: str) -> None:
    """Each invalid rate raises ValueError naming the parameter and the value that came."""
    with pytest.raises(ValueError, match=message):
        OrderFlowParams(**params)


def test_quote_beyond_the_tracked_depth_is_refused() -> None:
    """A quote 10 ticks behind a 10-level book is a clear error."""
    with pytest.raises(ValueError, match=r"level must be in \[0, 9\] ticks behind the best bid"):
        make_book().place_agent_order(BID, 10)
