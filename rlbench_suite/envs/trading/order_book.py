"""A zero-intelligence limit order book, with an agent's own orders in its queues.

The order flow follows Cont, Stoikov and Talreja ("A stochastic model for order book dynamics",
Operations Research 2010), with one market-order option of our own:

- limit orders of one unit arrive on each side at distance ``i = 1 .. num_levels`` ticks from
  the *opposite* best quote, at rate ``lambda(i) = limit_rate * i ** -limit_decay`` (CST fit
  ``1.92 * i ** -0.52`` on Tokyo stocks); one closer than the own best quote improves it, inside
  the spread;
- each resting unit of the crowd is cancelled at rate ``cancel_rate`` (CST: 0.47 to 0.81 by
  level; one rate for all levels here);
- market orders of one unit arrive on each side at rate ``market_rate`` (CST: 0.94) and take the
  best opposite quote; with ``hawkes_jump > 0`` each side's rate is self-exciting (a Hawkes
  process): every market order adds ``hawkes_jump`` to its side's rate, which decays back at
  ``hawkes_decay`` per second (mbt_gym's defaults, 10 / 40 / 60, have branching ratio 2/3).

Rates are per second and sizes are in units of one order. Prices are integer ticks. The book
tracks ``num_levels`` contiguous price levels per side from each side's best quote (level 0 is
the best; a level may be empty). When the best level empties, the next non-empty level becomes
the best and the levels that come into view at the deep end are drawn from Poisson laws with
the mean depth the flow leaves at the tracked edge, ``lambda(num_levels) / cancel_rate``; if the
whole tracked side is empty the best moves ``num_levels`` ticks onto a fresh level of at least
one unit. So one order moves a best quote by at most ``num_levels`` ticks away from the spread,
and the book is never empty on either side.

The agent has at most one resting unit a side. It joins the queue of its price behind the
volume already there (price-time priority), counts in the public book (its unit is part of the
level's volume), moves up when a market order or a cancellation removes volume ahead of it, and
is filled by the market order that arrives when nothing is left ahead. Crowd cancellations
pick a resting unit of the crowd uniformly, so a cancellation at the agent's level removes
volume ahead of it with probability ``ahead / crowd volume at the level``. An agent order that
improvements push beyond the tracked depth is cancelled.

The simulation is Gillespie's (exact) algorithm, with Ogata's thinning for the Hawkes rates;
every random number comes from the generator it was given.

Example:
    >>> import numpy as np
    >>> book = LimitOrderBook(OrderFlowParams(), np.random.default_rng(0))
    >>> book.best_bid < book.best_ask
    True
    >>> interval = book.run_until_mid_moves(threshold_ticks=1.0)
    >>> abs(book.mid_half_ticks - interval.start_mid_half_ticks) >= 2
    True

"""

from __future__ import annotations

import bisect
import math
from dataclasses import dataclass, field

import numpy as np

BID, ASK = 0, 1
SIDE_NAMES = ("bid", "ask")
# Walking away from the spread lowers bid prices and raises ask prices.
_AWAY = (1, -1)
# Uniforms are drawn from the generator in blocks: one call per draw costs more than the event.
_UNIFORM_BLOCK = 4096


@dataclass(frozen=True)
class OrderFlowParams:
    """Rates of the order flow (per second; one-unit orders) and the tracked depth."""

    limit_rate: float = 1.92  # lambda(1): limit orders a second, one tick from the opposite best
    limit_decay: float = 0.52  # lambda(i) = limit_rate * i ** -limit_decay
    cancel_rate: float = 0.6  # per resting crowd unit and second
    market_rate: float = 0.94  # per side: the base rate of market orders
    hawkes_jump: float = 0.0  # added to a side's market rate by each of its market orders
    hawkes_decay: float = 2.0  # 1/s: how fast the added rate decays
    num_levels: int = 10  # price levels tracked per side (and limit distances 1 .. num_levels)

    def __post_init__(self) -> None:
        """Refuse parameters the model is undefined for, naming the field."""
        owner = type(self).__name__
        for name in ("limit_rate", "cancel_rate", "market_rate", "hawkes_decay"):
            value = getattr(self, name)
            if not (isinstance(value, int | float) and math.isfinite(value) and value > 0):
                raise ValueError(f"{owner}: {name} must be a positive finite number, got {value!r}")
        for name in ("limit_decay", "hawkes_jump"):
            value = getattr(self, name)
            if not (isinstance(value, int | float) and math.isfinite(value) and value >= 0):
                raise ValueError(f"{owner}: {name} must be a finite number >= 0, got {value!r}")
        if not self.hawkes_jump < self.hawkes_decay:
            raise ValueError(
                f"{owner}: hawkes_jump must be below hawkes_decay (a branching ratio below 1 keeps "
                f"the market-order rate finite), got jump {self.hawkes_jump!r} and decay "
                f"{self.hawkes_decay!r}"
            )
        if isinstance(self.num_levels, bool) or not isinstance(self.num_levels, int | np.integer):
            raise ValueError(f"{owner}: num_levels must be an integer, got {self.num_levels!r}")
        if self.num_levels < 2:
            raise ValueError(f"{owner}: num_levels must be >= 2, got {self.num_levels!r}")

    def limit_rates(self) -> np.ndarray:
        """``lambda(i)`` for ``i = 1 .. num_levels`` ticks from the opposite best, (num_levels,)."""
        distances = np.arange(1, self.num_levels + 1, dtype=float)
        return self.limit_rate * distances**-self.limit_decay

    def deep_depth(self) -> float:
        """Mean volume of a level coming into view at the tracked edge: lambda(L) / cancel_rate."""
        return float(self.limit_rates()[-1] / self.cancel_rate)


@dataclass
class RestingOrder:
    """The agent's one-unit limit order: its price (ticks) and the crowd volume ahead of it."""

    price: int
    ahead: int


@dataclass(frozen=True)
class Fill:
    """One unit of the agent's limit order filled: ``side`` BID = it bought, ASK = it sold."""

    side: int
    price: int


@dataclass
class Interval:
    """What happened in the book between two agent decisions."""

    start_mid_half_ticks: int
    events: int = 0
    duration: float = 0.0  # seconds
    order_flow_imbalance: float = 0.0  # Cont-Kukanov-Stoikov OFI, units
    market_buys: int = 0
    market_sells: int = 0
    fills: list[Fill] = field(default_factory=list)


class LimitOrderBook:
    """The book of the module docstring: the crowd's zero-intelligence flow and the agent's orders.

    State: ``best_bid`` and ``best_ask`` (ticks), ``volume[side][k]`` the units resting ``k``
    ticks behind that side's best (the agent's unit included), ``agent_orders[side]``, ``time``.
    """

    def __init__(
        self, params: OrderFlowParams, rng: np.random.Generator, start_tick: int = 10_000
    ) -> None:
        self.params = params
        self.rng = rng
        limit_rates = params.limit_rates()
        self._limit_rate_total = float(limit_rates.sum())
        self._limit_distance_cdf = list(np.cumsum(limit_rates) / limit_rates.sum())
        self._deep_depth = params.deep_depth()
        self._uniforms: list[float] = []
        self._next_uniform_index = 0
        self.time = 0.0
        # Hawkes excitation of the market-order rate a side's orders *take from*: a market buy
        # takes from the ask side, so it excites market buys, stored at ASK.
        self.excitation = [0.0, 0.0]
        self.best_bid = start_tick
        self.best_ask = start_tick + 1
        # The mean depth the flow keeps k ticks behind a best quote one tick from the other side.
        mean_depth = limit_rates / params.cancel_rate
        self.volume: list[list[int]] = []
        for _side in (BID, ASK):
            depth = rng.poisson(mean_depth).tolist()
            depth[0] = max(1, depth[0])
            self.volume.append(depth)
        self.agent_orders: list[RestingOrder | None] = [None, None]
        # The agent's fills of the event being applied, handed to its Interval afterwards.
        self._new_fills: list[Fill] = []

    # -- public views ------------------------------------------------------------------------

    @property
    def best(self) -> tuple[int, int]:
        """(best bid, best ask) in ticks."""
        return self.best_bid, self.best_ask

    @property
    def mid_half_ticks(self) -> int:
        """The mid-price in half ticks (best bid + best ask), an exact integer."""
        return self.best_bid + self.best_ask

    @property
    def spread(self) -> int:
        """Best ask - best bid, in ticks (>= 1)."""
        return self.best_ask - self.best_bid

    def best_price(self, side: int) -> int:
        """The best quote of ``side`` (ticks)."""
        return self.best_bid if side == BID else self.best_ask

    def price_at_level(self, side: int, level: int) -> int:
        """The price ``level`` ticks behind the best quote of ``side``."""
        return self.best_price(side) - _AWAY[side] * level

    def level_of(self, side: int, price: int) -> int:
        """How many ticks ``price`` lies behind the best quote of ``side`` (< 0: better)."""
        return _AWAY[side] * (self.best_price(side) - price)

    def crowd_volume(self, side: int) -> int:
        """Units of the crowd resting on ``side`` within the tracked depth."""
        return sum(self.volume[side]) - (self.agent_orders[side] is not None)

    # -- the agent's orders ------------------------------------------------------------------

    def place_agent_order(self, side: int, level: int) -> RestingOrder:
        """Rest the agent's unit ``level`` ticks behind the best of ``side``, behind the queue.

        An order already resting at that price keeps its place (an unchanged quote is not
        re-sent); one at another price is cancelled first and loses its place.
        """
        if not 0 <= level < self.params.num_levels:
            raise ValueError(
                f"LimitOrderBook: level must be in [0, {self.params.num_levels - 1}] ticks behind "
                f"the best {SIDE_NAMES[side]}, got {level!r}"
            )
        existing = self.agent_orders[side]
        if existing is not None and existing.price == self.price_at_level(side, level):
            return existing
        self.cancel_agent_order(side)
        order = RestingOrder(self.price_at_level(side, level), ahead=self.volume[side][level])
        self.volume[side][level] += 1
        self.agent_orders[side] = order
        return order

    def cancel_agent_order(self, side: int) -> None:
        """Withdraw the agent's order on ``side`` (nothing happens when there is none)."""
        order = self.agent_orders[side]
        if order is None:
            return
        self.agent_orders[side] = None
        level = self.level_of(side, order.price)
        self.volume[side][level] -= 1
        if level == 0 and self.volume[side][0] == 0:
            self._deplete(side)

    def agent_market_order(self, side: int, units: int) -> list[int]:
        """The agent takes ``units`` from ``side`` (BID: it sells); the fill prices, best first.

        The agent's own resting order on ``side`` is cancelled first: it never trades with
        itself.
        """
        self.cancel_agent_order(side)
        return [self.take_best(side) for _ in range(units)]

    # -- the crowd's flow --------------------------------------------------------------------

    def run_until_mid_moves(
        self, threshold_ticks: float, max_events: int = 100_000, max_spread: int | None = None
    ) -> Interval:
        """Run the crowd's flow until the mid has moved ``threshold_ticks`` from where it is now.

        Also stops after ``max_events`` events, or as soon as the spread exceeds ``max_spread``
        ticks (when given). The returned :class:`Interval` holds the agent's fills among the rest.
        """
        start = self.mid_half_ticks
        threshold_half_ticks = 2.0 * threshold_ticks
        interval = Interval(start_mid_half_ticks=start)
        start_time = self.time
        while interval.events < max_events:
            self._simulate_event(interval)
            interval.events += 1
            if abs(self.mid_half_ticks - start) >= threshold_half_ticks:
                break
            if max_spread is not None and self.spread > max_spread:
                break
        interval.duration = self.time - start_time
        return interval

    def warm_up(self, events: int) -> None:
        """Run ``events`` events of the crowd's flow with no agent order, to forget the start."""
        scratch = Interval(start_mid_half_ticks=self.mid_half_ticks)
        for _ in range(events):
            self._simulate_event(scratch)

    def _uniform(self) -> float:
        if self._next_uniform_index >= len(self._uniforms):
            self._uniforms = self.rng.random(_UNIFORM_BLOCK).tolist()
            self._next_uniform_index = 0
        value = self._uniforms[self._next_uniform_index]
        self._next_uniform_index += 1
        return value

    def _simulate_event(self, interval: Interval) -> None:
        """Advance to the next event of the crowd's flow and apply it."""
        params = self.params
        limit_total = self._limit_rate_total
        cancel_bid = params.cancel_rate * self.crowd_volume(BID)
        cancel_ask = params.cancel_rate * self.crowd_volume(ASK)
        market = params.market_rate
        # Ogata's thinning: the Hawkes rates only decay until the next accepted event, so the
        # rates now bound them; a candidate time is kept with probability (rate then / bound).
        while True:
            excitation_sell, excitation_buy = self.excitation
            bound = (
                (2 * limit_total + cancel_bid + cancel_ask + 2 * market)
                + excitation_sell
                + excitation_buy
            )
            wait = -math.log(1.0 - self._uniform()) / bound
            self.time += wait
            if excitation_sell == 0.0 and excitation_buy == 0.0:
                total = bound
                break
            decay = math.exp(-params.hawkes_decay * wait)
            self.excitation = [excitation_sell * decay, excitation_buy * decay]
            total = bound - (excitation_sell + excitation_buy) * (1.0 - decay)
            if self._uniform() * bound < total:
                break
        draw = self._uniform() * total
        before = (self.best_bid, self.volume[BID][0], self.best_ask, self.volume[ASK][0])
        if draw < limit_total:
            self._limit_arrival(BID, self._limit_distance(draw / limit_total))
        elif (draw := draw - limit_total) < limit_total:
            self._limit_arrival(ASK, self._limit_distance(draw / limit_total))
        elif (draw := draw - limit_total) < market + self.excitation[BID]:
            # A market sell takes from the bid side.
            self.take_best(BID)
            self.excitation[BID] += params.hawkes_jump
            interval.market_sells += 1
        elif (draw := draw - market - self.excitation[BID]) < market + self.excitation[ASK]:
            self.take_best(ASK)
            self.excitation[ASK] += params.hawkes_jump
            interval.market_buys += 1
        elif (draw := draw - market - self.excitation[ASK]) < cancel_bid:
            self._crowd_cancel(BID, draw / cancel_bid)
        else:
            self._crowd_cancel(ASK, (draw - cancel_bid) / max(cancel_ask, 1e-300))
        interval.order_flow_imbalance += self._ofi_contribution(before)
        interval.fills.extend(self._new_fills)
        self._new_fills.clear()

    def _ofi_contribution(self, before: tuple[int, int, int, int]) -> float:
        """Cont, Kukanov and Stoikov's e_n: bid-side demand minus ask-side supply of one event."""
        old_bid, old_bid_size, old_ask, old_ask_size = before
        bid, ask = self.best_bid, self.best_ask
        bid_size, ask_size = self.volume[BID][0], self.volume[ASK][0]
        contribution = (bid_size if bid >= old_bid else 0) - (old_bid_size if bid <= old_bid else 0)
        contribution -= (ask_size if ask <= old_ask else 0) - (
            old_ask_size if ask >= old_ask else 0
        )
        return float(contribution)

    def _limit_distance(self, fraction: float) -> int:
        """The distance (1 .. num_levels ticks) of a limit arrival, by lambda's weights."""
        index = bisect.bisect_right(self._limit_distance_cdf, fraction)
        return 1 + min(index, self.params.num_levels - 1)

    def _limit_arrival(self, side: int, distance: int) -> None:
        """A crowd unit ``distance`` ticks from the opposite best, inside the spread if closer."""
        opposite = ASK if side == BID else BID
        price = self.best_price(opposite) - _AWAY[side] * distance
        level = self.level_of(side, price)
        if level >= 0:
            if level < self.params.num_levels:
                self.volume[side][level] += 1
            return
        self._improve(side, price)

    def _improve(self, side: int, price: int) -> None:
        """A unit at ``price``, better than the best of ``side``: the levels shift back."""
        gap = -self.level_of(side, price)
        levels = self.params.num_levels
        volume = self.volume[side]
        shifted = [1] + [0] * (min(gap, levels) - 1) + volume[: max(levels - gap, 0)]
        self.volume[side] = shifted
        if side == BID:
            self.best_bid = price
        else:
            self.best_ask = price
        order = self.agent_orders[side]
        if order is not None and self.level_of(side, order.price) >= levels:
            # Pushed beyond the tracked depth: its unit already left the tracked levels.
            self.agent_orders[side] = None

    def take_best(self, side: int) -> int:
        """A one-unit crowd market order takes the best of ``side``; returns its price (ticks).

        The agent's order at the best is filled only when no crowd volume is left ahead of it.
        """
        price = self.best_price(side)
        order = self.agent_orders[side]
        if order is not None and order.price == price:
            if order.ahead == 0:
                self._new_fills.append(Fill(side, price))
                self.agent_orders[side] = None
            else:
                order.ahead -= 1
        self.volume[side][0] -= 1
        if self.volume[side][0] == 0:
            self._deplete(side)
        return price

    def _crowd_cancel(self, side: int, fraction: float) -> None:
        """Cancel one crowd unit of ``side``, the one ``fraction`` of the way from the best."""
        order = self.agent_orders[side]
        agent_level = -1 if order is None else self.level_of(side, order.price)
        volume = self.volume[side]
        # Rounding can put fraction a hair outside [0, 1): the last unit stands for it.
        remaining = min(int(fraction * self.crowd_volume(side)), self.crowd_volume(side) - 1)
        for level, units in enumerate(volume):
            crowd_units = units - (level == agent_level)
            if remaining < crowd_units:
                if level == agent_level and remaining < order.ahead:  # type: ignore[union-attr]
                    order.ahead -= 1  # type: ignore[union-attr]
                volume[level] -= 1
                if level == 0 and volume[0] == 0:
                    self._deplete(side)
                return
            remaining -= crowd_units
        raise AssertionError(f"no crowd unit to cancel on the {SIDE_NAMES[side]} side")

    def _deplete(self, side: int) -> None:
        """The best level of ``side`` is empty: the next non-empty level becomes the best."""
        levels = self.params.num_levels
        volume = self.volume[side]
        step = next((level for level in range(1, levels) if volume[level] > 0), levels)
        fresh = self.rng.poisson(self._deep_depth, step).tolist()
        shifted = volume[step:] + fresh
        shifted[0] = max(1, shifted[0])
        self.volume[side] = shifted
        if side == BID:
            self.best_bid -= step
        else:
            self.best_ask += step
