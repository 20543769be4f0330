"""LOBMarketMaking: quote on a simulated limit order book, one decision per mid-price move.

## Description

Event-based market making after Sadighian's "Deep Reinforcement Learning in Cryptocurrency
Market Making": the agent decides only when something happened, an *event* being a move of the
mid-price of at least ``event_ticks`` ticks since its last decision. Between events the crowd's
order flow runs on a zero-intelligence limit order book (Cont-Stoikov-Talreja, optionally with
self-exciting Hawkes market orders; see :mod:`rlbench_suite.envs.trading.order_book`). The agent
rests at most one unit on each side; its orders join the queue of their price behind the volume
already there and fill when market orders have eaten through that volume (price-time
priority). Limit orders pay the maker fee (0 %), market orders the taker fee (0.20 %), as in the
anchor.

Quotes are re-sent at every decision, at the levels the action names, measured from the book's
best quotes at that moment. A quote whose price is unchanged keeps its place in the queue; a
quote at a new price is a cancel and replace and goes to the back of its new queue, so a
policy that chases the price keeps losing its queue position. A side whose fill would take the
inventory beyond ``max_inventory`` is not quoted.

## Action Space

``Discrete(2 + len(quote_levels) ** 2)``; with the default ``quote_levels = (0, 2, 4)``,
``Discrete(11)``. A level is ticks behind that side's best quote (0 joins the best bid or ask):

| action | bid level | ask level | meaning |
|--------|-----------|-----------|---------|
| 0      | -         | -         | no quotes: cancel both orders |
| 1      | 0         | 0         | quote at the best bid and the best ask |
| 2      | 0         | 2         | |
| 3      | 0         | 4         | |
| 4      | 2         | 0         | |
| 5      | 2         | 2         | |
| 6      | 2         | 4         | |
| 7      | 4         | 0         | |
| 8      | 4         | 2         | |
| 9      | 4         | 4         | |
| 10     | -         | -         | flatten: cancel both orders, market order to inventory 0 |

In general action ``1 + i * n + j`` quotes bid level ``quote_levels[i]`` and ask level
``quote_levels[j]`` (``n = len(quote_levels)``), and the last action flattens
(:meth:`LOBMarketMakingEnv.action_levels` maps any action).

## Observation Space

``Box(-1e4, 1e4, (window * 21,), float32)`` (features are clipped there; none comes near in
practice): the last ``window`` decisions' rows (default 10),
oldest first, 21 features each (``book_levels = 5``; in general ``11 + 2 * book_levels``). Row
``r`` starts at index ``21 r``:

| index | feature | unit |
|-------|---------|------|
| 0     | mid-price change since the previous decision | ticks / ``event_ticks`` |
| 1     | spread | ticks |
| 2-6   | volume at the best bid and 1-4 ticks behind it (the agent's unit included) | units / q1 |
| 7-11  | the same on the ask side | units / q1 |
| 12    | order-flow imbalance over the interval (Cont-Kukanov-Stoikov) | units / q1 |
| 13    | the interval's length | expected market orders a side (seconds x market_rate) |
| 14    | inventory | units / ``max_inventory`` |
| 15    | the agent's bid: distance below the mid (0: none) | ticks |
| 16    | the agent's ask: distance above the mid (0: none) | ticks |
| 17    | crowd volume ahead of the agent's bid (0: none) | units / q1 |
| 18    | crowd volume ahead of the agent's ask (0: none) | units / q1 |
| 19    | unrealised PnL of the inventory at the mid | ticks / ``max_inventory`` |
| 20    | elapsed fraction of the episode | decisions / ``horizon`` |

``q1 = limit_rate / cancel_rate`` is the mean queue the flow builds one tick from the opposite
best. Prices of the levels are implied: level ``k`` lies ``spread / 2 + k`` ticks from the mid.

## Rewards

``reward`` picks one of Sadighian's reward functions, all in currency (price x units) and all
net of fees:

- ``"differential_pnl"`` (default): the change of the position's mark-to-market value,
  ``cash + inventory x mid``, over the step. Its episode sum is the episode's PnL.
- ``"realized_pnl"``: the change of realised PnL (average-cost accounting), paid when a
  position is reduced; the episode sum is the same PnL, since the episode ends flat.
- ``"asymmetrical"``: the edge of each fill against the mid at the decision (positive for a
  passive fill, negative for a market order), plus ``0.6 x`` the inventory's mark-to-market
  change when it is a loss (gains of held inventory are not paid: speculation is discouraged).

The episode ends flat: the inventory left at the end is closed by a market order, at the taker
fee, and that step's reward includes it.

## Starting State

Each episode draws a fresh book: queues from Poisson laws at the flow's mean depths around a
one-tick spread at ``start_price``, then ``warm_up_events`` crowd events and ``window``
intervals with no agent order, whose rows fill the first observation. The agent starts flat,
with no cash.

## Episode End

Truncation after ``horizon`` decisions (default 500). Termination if the market halts: the mid
leaves ``start_price +- price_band_ticks`` or the spread exceeds ``max_spread_ticks`` (a circuit
breaker; with the defaults it never trips in practice, and it keeps every return bounded).

## Arguments

```python
gym.make("rlbench/LOBMarketMaking-v0", horizon=500, event_ticks=1.0, window=10, book_levels=5,
         quote_levels=(0, 2, 4), max_inventory=10, maker_fee=0.0, taker_fee=0.002,
         tick_size=0.01, start_price=100.0, reward="differential_pnl", limit_rate=1.92,
         limit_decay=0.52, cancel_rate=0.6, market_rate=0.94, hawkes_jump=0.0,
         hawkes_decay=2.0, num_levels=10, price_band_ticks=1000, max_spread_ticks=50,
         max_events_per_step=100_000, warm_up_events=1000, render_mode=None)
```

- ``event_ticks``: the mid move that makes an event (a decision).
- ``quote_levels``: the levels the actions quote at; ``max_inventory``: in units.
- ``maker_fee``, ``taker_fee``: fractions of the traded notional.
- ``limit_rate``, ``limit_decay``, ``cancel_rate``, ``market_rate``, ``hawkes_jump``,
  ``hawkes_decay``, ``num_levels``: the order flow (:class:`~.order_book.OrderFlowParams`).
  ``hawkes_jump = 0`` is Poisson market-order flow.
- ``max_events_per_step``: a decision is due after this many crowd events even without an
  event (a frozen market).
- ``render_mode``: ``"ansi"`` (the top of the book and the agent's position as text).

## Reference Scores

Mean episode return (currency) over 30 episodes, seeds 0-29, default instance, with the
half-width of its 95 % interval:

| policy | return |
|--------|--------|
| ``lob_inventory_skew`` (expert) | 1.339 +- 0.123 |
| constant action 1, (0, 0) = ``lob_fixed_levels`` (the zero anchor) | 0.580 +- 0.443 |
| constant actions 0, 9, 10 (no fills) | 0.000 |
| constant actions 5, 6, 8 | -0.173, -0.050, -0.107 |
| constant actions 2, 3, 4, 7 (one side at the best) | -1.458, -1.597, -2.011, -2.345 |
| random | -8.247 +- 0.501 |

Quoting both best prices earns the spread but ends with whatever inventory the flow left,
closed at the taker fee; quoting one side at the best builds a position against the flow.

## Version History

- v0: first release.

## Credits

J. Sadighian, "Deep Reinforcement Learning in Cryptocurrency Market Making", arXiv:1911.08647
(event-based environment, quoting actions, fees and reward functions; its code, crypto-rl, for
the action set). R. Cont, S. Stoikov, R. Talreja, "A stochastic model for order book dynamics",
Operations Research 2010 (the order flow and its rates). R. Cont, A. Kukanov, S. Stoikov, "The
price impact of order book events", J. Financial Econometrics 2014 (order-flow imbalance).

Example:
    >>> import gymnasium as gym, rlbench_suite
    >>> env = gym.make("rlbench/LOBMarketMaking-v0", horizon=20)
    >>> obs, info = env.reset(seed=0)
    >>> obs.shape
    (210,)
    >>> env.unwrapped.action_levels(5)
    (2, 2)
    >>> obs, reward, terminated, truncated, info = env.step(5)
    >>> info["inventory"] in (-1, 0, 1)
    True

"""

from __future__ import annotations

from typing import Any, ClassVar

import gymnasium as gym
import numpy as np
from gymnasium import spaces

from rlbench_suite.envs.trading.common import CONT_STOIKOV_TALREJA, FAMILY, SADIGHIAN
from rlbench_suite.envs.trading.order_book import (
    ASK,
    BID,
    Fill,
    Interval,
    LimitOrderBook,
    OrderFlowParams,
)
from rlbench_suite.envs.validation import EnvContract, env_name, validate_action
from rlbench_suite.registry import EnvCard, MDPFamily

REWARDS = ("differential_pnl", "realized_pnl", "asymmetrical")
# Sadighian's asymmetrical reward keeps this share of the inventory's mark-to-market losses.
ASYMMETRICAL_DAMPENING = 0.6
FEATURES_BEFORE_BOOK = 2  # mid change, spread
FEATURES_AFTER_BOOK = 9  # OFI, interval length, inventory, 2 distances, 2 queues, uPnL, time
NO_QUOTE = (None, None)
# An episode counts as one trading session of the year for the annualised episode metrics.
TRADING_SESSIONS_PER_YEAR = 252
# Observations are clipped to +-this: a frozen market's interval length has no natural cap.
OBSERVATION_LIMIT = 1e4


def features_per_row(book_levels: int) -> int:
    """Length of one decision's row of the observation."""
    return FEATURES_BEFORE_BOOK + 2 * book_levels + FEATURES_AFTER_BOOK


class LOBMarketMakingEnv(EnvContract, gym.Env):
    """Event-based market making on a zero-intelligence book (see the module docstring)."""

    metadata: ClassVar[dict[str, Any]] = {"render_modes": ["ansi"], "render_fps": 4}

    def __init__(
        self,
        horizon: int = 500,
        event_ticks: float = 1.0,
        window: int = 10,
        book_levels: int = 5,
        quote_levels: tuple[int, ...] = (0, 2, 4),
        max_inventory: int = 10,
        maker_fee: float = 0.0,
        taker_fee: float = 0.002,
        tick_size: float = 0.01,
        start_price: float = 100.0,
        reward: str = "differential_pnl",
        limit_rate: float = 1.92,
        limit_decay: float = 0.52,
        cancel_rate: float = 0.6,
        market_rate: float = 0.94,
        hawkes_jump: float = 0.0,
        hawkes_decay: float = 2.0,
        num_levels: int = 10,
        price_band_ticks: int = 1000,
        max_spread_ticks: int = 50,
        max_events_per_step: int = 100_000,
        warm_up_events: int = 1000,
        render_mode: str | None = None,
    ) -> None:
        owner = type(self).__name__
        try:
            self.flow = OrderFlowParams(
                limit_rate=limit_rate,
                limit_decay=limit_decay,
                cancel_rate=cancel_rate,
                market_rate=market_rate,
                hawkes_jump=hawkes_jump,
                hawkes_decay=hawkes_decay,
                num_levels=num_levels,
            )
        except ValueError as error:
            raise ValueError(f"{owner}: {error}") from None
        for name, value, lowest in (
            ("horizon", horizon, 1),
            ("window", window, 1),
            ("book_levels", book_levels, 1),
            ("max_inventory", max_inventory, 1),
            ("price_band_ticks", price_band_ticks, 1),
            ("max_spread_ticks", max_spread_ticks, 1),
            ("max_events_per_step", max_events_per_step, 1),
            ("warm_up_events", warm_up_events, 0),
        ):
            if isinstance(value, bool) or not isinstance(value, int | np.integer) or value < lowest:
                raise ValueError(f"{owner}: {name} must be an integer >= {lowest}, got {value!r}")
        for name, value in (("event_ticks", event_ticks), ("tick_size", tick_size)):
            if not value > 0:
                raise ValueError(f"{owner}: {name} must be > 0, got {value!r}")
        for name, value in (("maker_fee", maker_fee), ("taker_fee", taker_fee)):
            if not 0 <= value < 1:
                raise ValueError(f"{owner}: {name} must be a fraction in [0, 1), got {value!r}")
        if book_levels > num_levels:
            raise ValueError(
                f"{owner}: book_levels must be <= num_levels ({num_levels}), got {book_levels!r}"
            )
        levels = tuple(quote_levels)
        if (
            not levels
            or len(set(levels)) != len(levels)
            or not all(
                isinstance(level, int | np.integer) and 0 <= level < num_levels for level in levels
            )
        ):
            raise ValueError(
                f"{owner}: quote_levels must be distinct integers in [0, {num_levels - 1}], "
                f"got {quote_levels!r}"
            )
        if reward not in REWARDS:
            raise ValueError(f"{owner}: reward must be one of {list(REWARDS)}, got {reward!r}")
        start_tick = round(start_price / tick_size)
        if start_tick <= price_band_ticks + max_spread_ticks:
            raise ValueError(
                f"{owner}: start_price must lie more than price_band_ticks + max_spread_ticks "
                f"({price_band_ticks + max_spread_ticks}) ticks above 0, got {start_price!r} "
                f"({start_tick} ticks of {tick_size!r})"
            )
        if render_mode is not None and render_mode not in self.metadata["render_modes"]:
            raise ValueError(f"{owner}: render_mode must be None or 'ansi', got {render_mode!r}")

        self.horizon = int(horizon)
        self.event_ticks = float(event_ticks)
        self.window = int(window)
        self.book_levels = int(book_levels)
        self.quote_levels = tuple(int(level) for level in levels)
        self.max_inventory = int(max_inventory)
        self.maker_fee = float(maker_fee)
        self.taker_fee = float(taker_fee)
        self.tick_size = float(tick_size)
        self.start_tick = int(start_tick)
        self.reward_kind = reward
        self.price_band_ticks = int(price_band_ticks)
        self.max_spread_ticks = int(max_spread_ticks)
        self.max_events_per_step = int(max_events_per_step)
        self.warm_up_events = int(warm_up_events)
        self.render_mode = render_mode
        # The queue the flow builds one tick from the opposite best: the volume unit of the rows.
        self.queue_scale = self.flow.limit_rate / self.flow.cancel_rate

        self.num_quote_pairs = len(self.quote_levels) ** 2
        self.flatten_action = self.num_quote_pairs + 1
        self.action_space = spaces.Discrete(self.num_quote_pairs + 2)
        self.row_size = features_per_row(self.book_levels)
        self.observation_space = spaces.Box(
            -OBSERVATION_LIMIT,
            OBSERVATION_LIMIT,
            (self.window * self.row_size,),
            dtype=np.float32,
        )
        self.book: LimitOrderBook | None = None
        self._rows: np.ndarray = np.zeros((self.window, self.row_size))  # (window, row_size)

    # -- step ------------------------------------------------------------------------------------

    def step(self, action: Any) -> tuple[np.ndarray, float, bool, bool, dict[str, Any]]:
        """Quote (or flatten), run the crowd's flow to the next event, pay the step's reward."""
        self._warn_if_stepped_out_of_episode()
        if self.book is None:
            raise RuntimeError(f"{env_name(self)}: call reset() before step()")
        index = int(validate_action(self, action))
        book = self.book
        value_before = self.mark_to_market()
        realized_before = self.realized_pnl
        inventory_before = self.inventory
        anchor = book.mid_half_ticks
        edge = 0.0  # currency: fills' prices against the mid at the decision
        self.step_fees = 0.0

        if index == self.flatten_action:
            edge += self._flatten()
        else:
            self._quote(*self.action_levels(index))
        interval = book.run_until_mid_moves(
            self.event_ticks, self.max_events_per_step, self.max_spread_ticks
        )
        for fill in interval.fills:
            edge += self._settle_limit_fill(fill, anchor)
        self.decisions += 1
        halted = (
            abs(book.mid_half_ticks - 2 * self.start_tick) > 2 * self.price_band_ticks
            or book.spread > self.max_spread_ticks
        )
        truncated = self.decisions >= self.horizon and not halted
        if halted or truncated:
            edge += self._flatten()
        self._push_row(interval)

        exposure_change = inventory_before * (book.mid_half_ticks - anchor) * self.tick_size / 2
        if self.reward_kind == "differential_pnl":
            reward = self.mark_to_market() - value_before
        elif self.reward_kind == "realized_pnl":
            reward = self.realized_pnl - realized_before
        else:
            reward = edge + ASYMMETRICAL_DAMPENING * min(0.0, exposure_change) - self.step_fees
        self._wealth_path.append(self.mark_to_market())
        self._inventory_path.append(self.inventory)
        info = self._info(interval)
        if halted or truncated:
            info.update(self.episode_metrics())
        self._record_step_end(halted, truncated)
        return self._observation(), float(reward), halted, truncated, info

    # -- reset -----------------------------------------------------------------------------------

    def reset(
        self, *, seed: int | None = None, options: dict[str, Any] | None = None
    ) -> tuple[np.ndarray, dict[str, Any]]:
        """A fresh book, warmed up, the window filled with the crowd's own intervals; flat."""
        super().reset(seed=seed, options=options)
        self.book = LimitOrderBook(self.flow, self.np_random, start_tick=self.start_tick)
        self.book.warm_up(self.warm_up_events)
        self.inventory = 0
        self.cash = 0.0
        self.cost_basis = 0.0  # currency paid for the open inventory (negative when short)
        self.realized_pnl = 0.0
        self.fees_paid = 0.0
        self.step_fees = 0.0
        self.decisions = 0
        self.fills = 0
        self._wealth_path: list[float] = [0.0]
        self._inventory_path: list[int] = [0]
        self._rows = np.zeros((self.window, self.row_size))
        for _ in range(self.window):
            interval = self.book.run_until_mid_moves(
                self.event_ticks, self.max_events_per_step, self.max_spread_ticks
            )
            self._push_row(interval)
        self._episode_start_time = self.book.time
        return self._observation(), self._info(Interval(self.book.mid_half_ticks))

    # -- render, close ---------------------------------------------------------------------------

    def render(self) -> str | None:
        """``"ansi"``: the top of the book, the agent's orders and its position, as text."""
        if self.render_mode != "ansi" or self.book is None:
            return None
        book = self.book
        lines = [f"decision {self.decisions}/{self.horizon}  mid {self.mid_price():.4f}"]
        for level in reversed(range(self.book_levels)):
            price = book.price_at_level(ASK, level)
            mine = " <- agent" if self._agent_price(ASK) == price else ""
            lines.append(f"  ask {price * self.tick_size:10.4f} {book.volume[ASK][level]:4d}{mine}")
        for level in range(self.book_levels):
            price = book.price_at_level(BID, level)
            mine = " <- agent" if self._agent_price(BID) == price else ""
            lines.append(f"  bid {price * self.tick_size:10.4f} {book.volume[BID][level]:4d}{mine}")
        lines.append(
            f"inventory {self.inventory:+d}  cash {self.cash:+.4f}  "
            f"value {self.mark_to_market():+.4f}  fees {self.fees_paid:.4f}"
        )
        return "\n".join(lines) + "\n"

    def close(self) -> None:
        """Nothing to release."""
        super().close()

    # -- public helpers (the reference agents read these) ----------------------------------------

    def action_levels(self, action: int) -> tuple[int | None, int | None]:
        """(bid level, ask level) that ``action`` quotes; (None, None) for no quote and flatten."""
        if not 0 <= action < self.action_space.n:
            raise ValueError(
                f"{env_name(self)}: expected an action in {self.action_space}, got {action!r}"
            )
        if action == 0 or action == self.flatten_action:
            return NO_QUOTE
        bid_index, ask_index = divmod(action - 1, len(self.quote_levels))
        return self.quote_levels[bid_index], self.quote_levels[ask_index]

    def action_for_levels(self, bid_level: int, ask_level: int) -> int:
        """The action that quotes ``bid_level`` and ``ask_level`` (both in ``quote_levels``)."""
        for name, level in (("bid_level", bid_level), ("ask_level", ask_level)):
            if level not in self.quote_levels:
                raise ValueError(
                    f"{env_name(self)}: {name} must be one of {self.quote_levels}, got {level!r}"
                )
        levels = len(self.quote_levels)
        return 1 + self.quote_levels.index(bid_level) * levels + self.quote_levels.index(ask_level)

    def mid_price(self) -> float:
        """The mid-price in currency."""
        assert self.book is not None
        return self.book.mid_half_ticks * self.tick_size / 2

    def mark_to_market(self) -> float:
        """Cash plus the inventory valued at the mid (currency)."""
        return self.cash + self.inventory * self.mid_price()

    def episode_metrics(self) -> dict[str, float]:
        """Finance metrics of the value path and inventory statistics, for the episode so far.

        As MarketMaking's: the maker starts with no capital, so the metrics
        (:func:`~rlbench_suite.envs.trading.metrics.financial_metrics`, one period a decision,
        an episode counted as one of 252 trading sessions a year) are taken on ``capital + value``
        with ``capital = start price x max_inventory``; ``capital`` is in the dict, and
        the metrics are ``nan`` if a loss ever exceeded it. Inventory statistics come as
        ``inventory_mean``, ``inventory_std``, ``inventory_max_abs`` and ``inventory_final``.
        """
        from rlbench_suite.envs.trading.metrics import (
            METRIC_KEYS,
            financial_metrics,
            inventory_statistics,
        )

        assert self.book is not None
        inventory = inventory_statistics(self._inventory_path)
        capital = self.start_tick * self.tick_size * self.max_inventory
        values = capital + np.asarray(self._wealth_path, dtype=np.float64)
        # An episode counts as one trading session, 252 a year, as MarketMaking's day: annualised
        # by the simulated clock, minutes of order flow would compound to absurd annual figures.
        if np.all(values > 0) and self.decisions > 0:
            metrics = financial_metrics(values, TRADING_SESSIONS_PER_YEAR * self.horizon)
        else:
            metrics = dict.fromkeys(METRIC_KEYS, float("nan"))
        metrics["capital"] = capital
        metrics.update({f"inventory_{name}": value for name, value in inventory.items()})
        return metrics

    # -- internals -------------------------------------------------------------------------------

    def _agent_price(self, side: int) -> int | None:
        assert self.book is not None
        order = self.book.agent_orders[side]
        return None if order is None else order.price

    def _quote(self, bid_level: int | None, ask_level: int | None) -> None:
        """Rest (or keep) the agent's unit at each named level; cancel where none is named."""
        book = self.book
        assert book is not None
        for side, level, allowed in (
            (BID, bid_level, self.inventory + 1 <= self.max_inventory),
            (ASK, ask_level, self.inventory - 1 >= -self.max_inventory),
        ):
            if level is None or not allowed:
                book.cancel_agent_order(side)
            else:
                book.place_agent_order(side, level)

    def _flatten(self) -> float:
        """Cancel both quotes and close the inventory by market order; the edge paid (<= 0)."""
        book = self.book
        assert book is not None
        book.cancel_agent_order(BID)
        book.cancel_agent_order(ASK)
        if self.inventory == 0:
            return 0.0
        mid = self.mid_price()
        side_taken, direction = (BID, -1) if self.inventory > 0 else (ASK, 1)
        edge = 0.0
        for price_ticks in book.agent_market_order(side_taken, abs(self.inventory)):
            price = price_ticks * self.tick_size
            self._trade(direction, price, self.taker_fee)
            edge += direction * (mid - price)
        return edge

    def _settle_limit_fill(self, fill: Fill, anchor_half_ticks: int) -> float:
        """Book one filled unit of a resting order at the maker fee; its edge against the mid."""
        direction = 1 if fill.side == BID else -1
        price = fill.price * self.tick_size
        self._trade(direction, price, self.maker_fee)
        self.fills += 1
        return direction * (anchor_half_ticks * self.tick_size / 2 - price)

    def _trade(self, direction: int, price: float, fee_rate: float) -> None:
        """One unit bought (+1) or sold (-1) at ``price``: cash, fees, inventory, realised PnL."""
        fee = fee_rate * price
        self.cash -= direction * price + fee
        self.fees_paid += fee
        self.step_fees += fee
        self.realized_pnl -= fee
        if self.inventory == 0 or np.sign(self.inventory) == direction:
            self.cost_basis += direction * price
        else:
            # Reducing the position: realise against the average entry price.
            average_entry = self.cost_basis / self.inventory
            self.realized_pnl += -direction * (price - average_entry)
            self.cost_basis -= -direction * average_entry
        self.inventory += direction
        if self.inventory == 0:
            self.cost_basis = 0.0

    def _push_row(self, interval: Interval) -> None:
        book = self.book
        assert book is not None
        mid_half_ticks = book.mid_half_ticks
        row = np.empty(self.row_size)
        row[0] = (mid_half_ticks - interval.start_mid_half_ticks) / 2 / self.event_ticks
        row[1] = book.spread
        levels = self.book_levels
        start = FEATURES_BEFORE_BOOK
        row[start : start + levels] = np.asarray(book.volume[BID][:levels]) / self.queue_scale
        row[start + levels : start + 2 * levels] = (
            np.asarray(book.volume[ASK][:levels]) / self.queue_scale
        )
        tail = start + 2 * levels
        row[tail] = interval.order_flow_imbalance / self.queue_scale
        row[tail + 1] = interval.duration * self.flow.market_rate
        row[tail + 2] = self.inventory / self.max_inventory
        for offset, side in ((3, BID), (4, ASK)):
            order = book.agent_orders[side]
            row[tail + offset] = 0.0 if order is None else abs(2 * order.price - mid_half_ticks) / 2
            row[tail + offset + 2] = 0.0 if order is None else order.ahead / self.queue_scale
        unrealized = self.inventory * self.mid_price() - self.cost_basis
        row[tail + 7] = unrealized / self.tick_size / self.max_inventory
        row[tail + 8] = self.decisions / self.horizon
        self._rows = np.roll(self._rows, -1, axis=0)
        self._rows[-1] = row

    def _observation(self) -> np.ndarray:
        rows = np.clip(self._rows, -OBSERVATION_LIMIT, OBSERVATION_LIMIT)
        return rows.astype(np.float32).ravel()

    def _info(self, interval: Interval) -> dict[str, Any]:
        book = self.book
        assert book is not None
        return {
            "inventory": self.inventory,
            "cash": self.cash,
            "pnl": self.mark_to_market(),
            "realized_pnl": self.realized_pnl,
            "fees_paid": self.fees_paid,
            "fills": self.fills,
            "mid_price": self.mid_price(),
            "spread_ticks": book.spread,
            "crowd_events": interval.events,
        }


def lob_market_making_family(rng: np.random.Generator, split: str) -> dict[str, Any]:
    """MDP family: the flow's rates, Hawkes excitation, tick size and event threshold.

    In distribution: limit rate 1.5-2.5, cancel rate 0.4-0.8, market rate 0.7-1.2 a side,
    Hawkes jump 0-0.8 (decay 2), tick 0.01 or 0.02, event threshold 1 or 2 ticks. Held out:
    each outside those ranges (thinner or thicker books, heavier or lighter market flow, strong
    Hawkes clustering with jump 1.0-1.6, tick 0.05, threshold 3 ticks).
    """
    if split == "in_distribution":
        return {
            "limit_rate": float(rng.uniform(1.5, 2.5)),
            "cancel_rate": float(rng.uniform(0.4, 0.8)),
            "market_rate": float(rng.uniform(0.7, 1.2)),
            "hawkes_jump": float(rng.uniform(0.0, 0.8)),
            "tick_size": float(rng.choice([0.01, 0.02])),
            "event_ticks": float(rng.choice([1.0, 2.0])),
        }
    return {
        "limit_rate": float(rng.choice([rng.uniform(1.0, 1.4), rng.uniform(2.7, 3.5)])),
        "cancel_rate": float(rng.choice([rng.uniform(0.25, 0.35), rng.uniform(0.9, 1.2)])),
        "market_rate": float(rng.choice([rng.uniform(0.4, 0.6), rng.uniform(1.3, 1.6)])),
        "hawkes_jump": float(rng.uniform(1.0, 1.6)),
        "tick_size": 0.05,
        "event_ticks": 3.0,
    }


def return_bounds(**env_kwargs: Any) -> tuple[float, float]:
    """Smallest and largest episode return of ``LOBMarketMakingEnv(**env_kwargs)``.

    Prices are random walks, so no return is capped by the market alone; the circuit breaker
    caps them. Every trade price lies within ``reach`` ticks of the start: the mid at a decision
    is within ``price_band_ticks``, the next event moves it ``event_ticks`` and then at most
    ``max(num_levels, max_spread_ticks)`` half-ticks more (one depletion moves a best quote at
    most ``num_levels`` ticks; an improvement closes at most the spread, which stays under
    ``max_spread_ticks`` until the halt), a flatten walks at most ``max_inventory`` depletions
    and a quote rests at most ``num_levels`` ticks behind a best quote at most a spread from the
    mid. At most one unit a side fills per decision, so at most ``2 x horizon`` units are bought
    (and as many sold: the episode ends flat). A return is the sold units' prices minus the
    bought units' prices minus fees, each fee at most ``max(maker_fee, taker_fee)`` of a price.
    The asymmetrical reward pays at most each fill's edge (within ``2 x reach``) and loses at
    most ``0.6 x max_inventory`` times the mid's moves. Loose, and never reached in practice.
    """
    import inspect

    arguments = inspect.signature(LOBMarketMakingEnv).bind(**env_kwargs)
    arguments.apply_defaults()
    values = arguments.arguments
    tick = values["tick_size"]
    num_levels = values["num_levels"]
    max_spread = values["max_spread_ticks"]
    max_inventory = values["max_inventory"]
    horizon = values["horizon"]
    reach_ticks = (
        values["price_band_ticks"]
        + values["event_ticks"]
        + 2 * max(num_levels, max_spread)
        + max_inventory * num_levels
        + max_spread
        + num_levels
    )
    start_ticks = round(values["start_price"] / tick)
    units_each_way = 2 * horizon
    price_range = 2 * reach_ticks * tick
    highest_price = (start_ticks + reach_ticks) * tick
    fee_rate = max(values["maker_fee"], values["taker_fee"])
    fees = 2 * units_each_way * fee_rate * highest_price
    if values["reward"] == "asymmetrical":
        # Per unit traded, an edge within the price range; per decision, a loss of the held
        # inventory's value over a mid move within the price range.
        edges = 2 * units_each_way * price_range
        losses = ASYMMETRICAL_DAMPENING * max_inventory * price_range * horizon
        return (-(edges + losses + fees), float(edges))
    trading = units_each_way * price_range
    return (-(trading + fees), float(trading))


CARDS = [
    EnvCard(
        id="rlbench/LOBMarketMaking-v0",
        family=FAMILY,
        entry_point=f"{__name__}:LOBMarketMakingEnv",
        multi_agent=False,
        objectives=("reward",),
        observation_kind="vector",
        anchor=f"{SADIGHIAN}; {CONT_STOIKOV_TALREJA}",
        agents=("random", "lob_fixed_levels", "lob_inventory_skew"),
        expert_agent="lob_inventory_skew",
        mdp_family=MDPFamily(
            lob_market_making_family,
            "order-flow rates, Hawkes excitation, tick size, event threshold; held out beyond "
            "the in-distribution ranges",
        ),
        return_bounds=return_bounds(),
        summary="Event-based market making on a zero-intelligence limit order book (fees 0/0.2%)",
    )
]
