"""MarketMaking: quote a bid and an ask around a Brownian mid (mbt_gym's Avellaneda-Stoikov market).

## Description

The market of Avellaneda and Stoikov (2008) as mbt_gym's ``TradingEnvironment`` builds it with
``action_type="limit"``: a market maker holds cash and an inventory of one asset and, every step,
posts a buy limit order ``depth_bid`` below the mid-price and a sell limit order ``depth_ask``
above it, one unit each. Over the step:

1. market orders arrive, each side independently with probability ``arrival_rate * dt``
   (mbt_gym's ``PoissonArrivalModel``: a Bernoulli draw ``u < lambda dt``, so at most one a side
   a step);
2. an arriving sell order fills the bid with probability ``exp(-kappa depth_bid)``, an arriving
   buy order the ask with probability ``exp(-kappa depth_ask)``; a filled bid buys one unit at
   ``mid - depth_bid``, a filled ask sells one at ``mid + depth_ask``;
3. then the mid-price moves, ``mid += sigma sqrt(dt) Z`` with ``Z`` standard normal (no drift).

Trades happen at the mid-price the agent saw, and the move follows (mbt_gym's order: arrivals
and fills, the agent's cash and inventory, then the market's processes). The random draws of a
step are, in order: two uniforms for the arrivals (bid side, ask side), two for the fills, one
standard normal for the price.

Inventory limit: a quote whose fill would take ``|inventory|`` past ``max_inventory`` is not
placed (it can never fill). mbt_gym places it and clips the inventory after the fill, keeping the
cash of the trade; here every fill moves cash and inventory together. The default, mbt_gym's
10,000, is never reached by any agent here.

``arrivals="hawkes"`` (``rlbench/MarketMakingHawkes-v0``): the two arrival intensities are
self-exciting, mbt_gym's ``HawkesArrivalModel``: each starts at ``hawkes_baseline`` and after
every step ``lambda += hawkes_decay (hawkes_baseline - lambda) dt + hawkes_jump * arrived``;
an order arrives when ``u < lambda dt``. With mbt_gym's defaults (10, 40, 60) the long-run mean
intensity is ``baseline decay / (decay - jump) = 30`` a side
(:attr:`MarketMakingEnv.mean_arrival_rate`).

## Action Space

``Box(0, 1, (2,), float32)``: (bid depth, ask depth) as fractions of ``max_depth``, the depth
in price units below and above the mid being ``action * max_depth``. ``max_depth = ln(100) /
kappa`` (mbt_gym's: the depth whose fill chance is 1 %), 3.07 at ``kappa = 1.5``; depth
``1/kappa`` is the action ``1 / ln(100) = 0.217``. mbt_gym's box is ``[0, max_depth]`` in price
units; this one is scaled to ``[0, 1]``, the range Gymnasium's checker and most learners expect,
and :meth:`MarketMakingEnv.action_from_depths` converts depths to actions. An action outside the
box raises ``InvalidActionError``.

## Observation Space

``Box(float32)`` of 4 entries (6 with Hawkes arrivals), mbt_gym's state (cash, inventory, time,
price) put on scales a learner can use: raw cash and price are in the hundreds and move by a
fraction of a percent.

| index | observation | unit / scale |
|-------|-------------|--------------|
| 0     | cash / ``initial_price`` | units of the asset the cash buys at the start |
| 1     | inventory | units of the asset, within ``+-max_inventory`` |
| 2     | time / ``terminal_time`` | 0 at the start, 1 at the end |
| 3     | (mid - S0) / (``sigma sqrt(terminal_time)``) | std devs of the final price |
| 4, 5  | Hawkes only: bid, ask intensity x ``dt`` | chance of an order this step (>= 1: sure) |

The raw values are public attributes of the env (``cash``, ``inventory``, ``time``,
``mid_price``) and in ``info``.

## Rewards

Selected by ``reward`` (mbt_gym's reward functions), with wealth ``W = cash + inventory * mid``:

- ``"pnl"``: the change of ``W`` over the step (mark to market; mbt_gym's ``PnL``);
- ``"inventory_penalty"`` (the default): PnL minus ``running_penalty * dt * q'^2`` every step and
  ``terminal_penalty * q'^2`` at the end, ``q'`` the inventory after the step (mbt_gym's
  ``RunningInventoryPenalty``, the Cartea-Jaimungal criterion). This id's ``phi = 2`` and
  ``alpha = 0``; mbt_gym's default ``phi = 0.01`` is ``running_penalty=0.01``;
- ``"exponential_utility"``: 0 until the last step, then ``-exp(-risk_aversion * W_T)``
  (mbt_gym's ``ExponentialUtility``, ``gamma = 0.1``).

The penalised criterion is the default because it is the one with a known optimum: the
Cartea-Jaimungal policy solves it exactly (up to the discrete steps), and the
Avellaneda-Stoikov and fixed-spread makers are ranked on it. Its ``phi`` is 2, not mbt_gym's
0.01: at 0.01 holding inventory costs next to nothing, and the best constant quote (``1/kappa``
both sides) earns 99.6 % of the optimal return, so a policy that never looked at its inventory
would score about 94 on the normalised scale; at 2 every constant quote falls below the zero
anchor. Under plain PnL the optimum is the constant depth ``1/kappa`` and inventory risk is
free; exponential utility's returns are ``-exp(-6)``-sized and hard to read.

## Starting State

Cash 0, inventory 0, time 0, mid ``initial_price``; Hawkes intensities at ``hawkes_baseline``.
Nothing is drawn at reset.

## Episode End

Terminates after ``n_steps`` steps, at ``t = terminal_time`` (time is part of the state, so the
end is a termination, not a truncation). ``info`` then adds the episode's ``pnl``, the
finance metrics of its wealth path (Sharpe, Sortino, max drawdown, Calmar, annualised return
and volatility, on a capital base) and inventory statistics (``inventory_mean``,
``inventory_std``, ``inventory_max_abs``, ``inventory_final``); see
:meth:`MarketMakingEnv.episode_metrics`.

## Arguments

```python
gym.make("rlbench/MarketMaking-v0", sigma=2.0, kappa=1.5, arrival_rate=140.0,
         initial_price=100.0, terminal_time=1.0, n_steps=200, max_inventory=10_000,
         reward="inventory_penalty", running_penalty=2.0, terminal_penalty=0.0,
         risk_aversion=0.1, arrivals="poisson", hawkes_baseline=10.0, hawkes_jump=40.0,
         hawkes_decay=60.0, render_mode=None)
```

- ``sigma``: mid-price volatility (price units per unit time**0.5); ``kappa``: fill decay (1 /
  price units); ``arrival_rate``: market orders per unit time a side, ``arrival_rate * dt <= 1``
  (140 is mbt_gym's Avellaneda-Stoikov replication; its ``TradingEnvironment`` default is 100);
- ``initial_price``, ``terminal_time``, ``n_steps`` (``dt = terminal_time / n_steps``),
  ``max_inventory``;
- ``reward``, ``running_penalty`` (phi), ``terminal_penalty`` (alpha), ``risk_aversion`` (gamma);
- ``arrivals``: ``"poisson"`` or ``"hawkes"``; ``hawkes_baseline``, ``hawkes_jump``,
  ``hawkes_decay`` (``jump < decay``, so the mean intensity is finite);
- ``render_mode``: ``"ansi"``.

The MDP family draws ``sigma``, ``kappa``, ``arrival_rate`` and ``initial_price`` (see
:func:`market_making_family`).

## Reference Scores

Random, the trivial constant quotes and the Cartea-Jaimungal expert, on the default instance;
the numbers live in the EnvCard (``rlbench info rlbench/MarketMaking-v0``). With ``phi = 2``
no constant quote comes near the expert (see Rewards). ``benchmarks/replicate_mbt_gym.py``
replicates mbt_gym's published Avellaneda-Stoikov table.

## Version History

- v0: first release (``phi = 2``; mbt_gym's market otherwise).

## Credits

J. Jerome, L. Sanchez-Betancourt, R. Savani, M. Herdegen, "Model-based gym environments for
limit order book trading" (mbt_gym), ICAIF 2022. M. Avellaneda, S. Stoikov, "High-frequency
trading in a limit order book", Quantitative Finance 2008. A. Cartea, S. Jaimungal, J. Penalva,
"Algorithmic and High-Frequency Trading", CUP 2015, ch. 10.

Example:
    >>> import gymnasium as gym, rlbench_suite
    >>> env = gym.make("rlbench/MarketMaking-v0")
    >>> obs, info = env.reset(seed=0)
    >>> obs.tolist(), info["mid_price"]
    ([0.0, 0.0, 0.0, 0.0], 100.0)
    >>> obs, reward, terminated, truncated, info = env.step([0.5, 0.5])
    >>> info["inventory"] == (int(info["bid_fill"]) - int(info["ask_fill"]))
    True

"""

from __future__ import annotations

import math
from typing import Any, ClassVar, Literal

import gymnasium as gym
import numpy as np
from gymnasium import spaces

from rlbench_suite.envs.trading.common import FAMILY, MBT_GYM
from rlbench_suite.envs.validation import EnvContract, validate_action
from rlbench_suite.registry import EnvCard, MDPFamily, Split

RewardKind = Literal["pnl", "inventory_penalty", "exponential_utility"]
REWARDS: tuple[RewardKind, ...] = ("pnl", "inventory_penalty", "exponential_utility")
ArrivalKind = Literal["poisson", "hawkes"]
ARRIVALS: tuple[ArrivalKind, ...] = ("poisson", "hawkes")

#: mbt_gym caps depths where the fill chance falls to 1 %: ``max_depth = ln(1 / 0.01) / kappa``.
MIN_FILL_PROBABILITY = 0.01
#: The bound of unbounded observation entries (cash, price): Gymnasium's checker warns on inf.
OBSERVATION_BOUND = float(np.finfo(np.float32).max)
#: Observation entries before the Hawkes intensities.
CORE_OBSERVATION_SIZE = 4
#: phi of the default criterion. mbt_gym's 0.01 makes inventory nearly free: the best constant
#: quote (1/kappa both sides) then earns 67.1 against Cartea-Jaimungal's 67.4 over 100 episodes,
#: so a policy that never looks at its inventory would score ~94 on the normalised scale. At 2.0
#: every constant quote scores below the zero anchor and only inventory-aware makers score well
#: (CJ 61.8, AS 60.6, the best constant 22.8; benchmarks/replicate_mbt_gym.py).
DEFAULT_RUNNING_PENALTY = 2.0
#: Steps a year for the finance metrics: an episode is a trading day of ``n_steps`` steps.
TRADING_DAYS_PER_YEAR = 252


class MarketMakingEnv(EnvContract, gym.Env):
    """mbt_gym's limit-order market maker on a Brownian mid-price (see the module docstring)."""

    metadata: ClassVar[dict[str, Any]] = {"render_modes": ["ansi"], "render_fps": 4}

    def __init__(
        self,
        sigma: float = 2.0,
        kappa: float = 1.5,
        arrival_rate: float = 140.0,
        initial_price: float = 100.0,
        terminal_time: float = 1.0,
        n_steps: int = 200,
        max_inventory: int = 10_000,
        reward: RewardKind = "inventory_penalty",
        running_penalty: float = DEFAULT_RUNNING_PENALTY,
        terminal_penalty: float = 0.0,
        risk_aversion: float = 0.1,
        arrivals: ArrivalKind = "poisson",
        hawkes_baseline: float = 10.0,
        hawkes_jump: float = 40.0,
        hawkes_decay: float = 60.0,
        render_mode: str | None = None,
    ) -> None:
        owner = type(self).__name__
        if reward not in REWARDS:
            raise ValueError(f"{owner}: reward must be one of {REWARDS}, got {reward!r}")
        if arrivals not in ARRIVALS:
            raise ValueError(f"{owner}: arrivals must be one of {ARRIVALS}, got {arrivals!r}")
        for name, value in (
            ("n_steps", n_steps),
            ("max_inventory", max_inventory),
        ):
            if isinstance(value, bool) or not isinstance(value, int | np.integer) or value < 1:
                raise ValueError(f"{owner}: {name} must be an int >= 1, got {value!r}")
        for name, value in (
            ("sigma", sigma),
            ("kappa", kappa),
            ("initial_price", initial_price),
            ("terminal_time", terminal_time),
            ("risk_aversion", risk_aversion),
        ):
            if not value > 0:
                raise ValueError(f"{owner}: {name} must be > 0, got {value!r}")
        for name, value in (
            ("arrival_rate", arrival_rate),
            ("running_penalty", running_penalty),
            ("terminal_penalty", terminal_penalty),
            ("hawkes_baseline", hawkes_baseline),
            ("hawkes_jump", hawkes_jump),
        ):
            if not value >= 0:
                raise ValueError(f"{owner}: {name} must be >= 0, got {value!r}")
        if render_mode not in (None, *self.metadata["render_modes"]):
            raise ValueError(f"{owner}: render_mode must be None or 'ansi', got {render_mode!r}")
        self.sigma = float(sigma)
        self.kappa = float(kappa)
        self.arrival_rate = float(arrival_rate)
        self.initial_price = float(initial_price)
        self.terminal_time = float(terminal_time)
        self.n_steps = int(n_steps)
        self.max_inventory = int(max_inventory)
        self.reward_kind: RewardKind = reward
        self.running_penalty = float(running_penalty)
        self.terminal_penalty = float(terminal_penalty)
        self.risk_aversion = float(risk_aversion)
        self.arrivals: ArrivalKind = arrivals
        self.hawkes_baseline = float(hawkes_baseline)
        self.hawkes_jump = float(hawkes_jump)
        self.hawkes_decay = float(hawkes_decay)
        self.render_mode = render_mode

        self.dt = self.terminal_time / self.n_steps
        # One Bernoulli draw a side a step stands for the Poisson process: above 1 it saturates.
        if self.arrival_rate * self.dt > 1:
            raise ValueError(
                f"{owner}: arrival_rate * dt must be <= 1 (at most one market order a side a "
                f"step), got {self.arrival_rate} * {self.dt} = {self.arrival_rate * self.dt}"
            )
        if arrivals == "hawkes" and not self.hawkes_jump < self.hawkes_decay:
            raise ValueError(
                f"{owner}: hawkes_jump must be < hawkes_decay (else the intensity explodes), "
                f"got jump {self.hawkes_jump} and decay {self.hawkes_decay}"
            )
        if arrivals == "hawkes" and not 0 < self.hawkes_decay * self.dt <= 1:
            raise ValueError(
                f"{owner}: hawkes_decay * dt must be in (0, 1] (a step must not overshoot the "
                f"baseline), got {self.hawkes_decay} * {self.dt}"
            )
        self.arrival_probability = self.arrival_rate * self.dt
        self.price_step_scale = self.sigma * math.sqrt(self.dt)  # std of one step's price move
        self.price_scale = self.sigma * math.sqrt(self.terminal_time)  # std of the final price
        self.running_penalty_per_step = self.running_penalty * self.dt
        self.max_depth = math.log(1.0 / MIN_FILL_PROBABILITY) / self.kappa

        self.action_space = spaces.Box(0.0, 1.0, shape=(2,), dtype=np.float32)
        size = CORE_OBSERVATION_SIZE + (2 if arrivals == "hawkes" else 0)
        low = np.full(size, -OBSERVATION_BOUND, dtype=np.float32)
        high = np.full(size, OBSERVATION_BOUND, dtype=np.float32)
        low[1:3] = (-self.max_inventory, 0.0)
        high[1:3] = (self.max_inventory, 1.0)
        low[CORE_OBSERVATION_SIZE:] = 0.0
        self.observation_space = spaces.Box(low, high, dtype=np.float32)

        self.cash = 0.0
        self.inventory = 0
        self.step_count = 0
        self.mid_price = self.initial_price
        self.intensities = [self.hawkes_baseline, self.hawkes_baseline]  # bid side, ask side
        self._wealth_path: list[float] = [0.0]
        self._inventory_path: list[int] = [0]

    # -- derived quantities the agents read ----------------------------------------------------

    @property
    def time(self) -> float:
        """Time since the start, in the units of ``terminal_time``."""
        return self.step_count * self.dt

    @property
    def wealth(self) -> float:
        """Cash plus inventory marked at the mid."""
        return self.cash + self.inventory * self.mid_price

    @property
    def mean_arrival_rate(self) -> float:
        """Market orders per unit time a side: the Poisson rate, or Hawkes' long-run mean."""
        if self.arrivals == "poisson":
            return self.arrival_rate
        return self.hawkes_baseline * self.hawkes_decay / (self.hawkes_decay - self.hawkes_jump)

    def action_from_depths(self, depths: Any) -> np.ndarray:
        """The action quoting ``depths`` (bid, ask; price units), clipped to ``[0, max_depth]``."""
        clipped = np.clip(np.asarray(depths, dtype=np.float64), 0.0, self.max_depth)
        return (clipped / self.max_depth).astype(np.float32)

    # -- the Gymnasium API ---------------------------------------------------------------------

    def step(self, action: Any) -> tuple[np.ndarray, float, bool, bool, dict[str, Any]]:
        """Quote, trade against the step's market orders, then move the mid (see Description)."""
        self._warn_if_stepped_out_of_episode()
        fractions = validate_action(self, action)
        depth_bid = float(fractions[0]) * self.max_depth
        depth_ask = float(fractions[1]) * self.max_depth
        uniforms = self.np_random.random(4)  # arrival bid, arrival ask, fill bid, fill ask
        shock = float(self.np_random.standard_normal())

        wealth_before = self.wealth
        if self.arrivals == "poisson":
            arrived_bid = uniforms[0] < self.arrival_probability
            arrived_ask = uniforms[1] < self.arrival_probability
        else:
            arrived_bid = uniforms[0] < self.intensities[0] * self.dt
            arrived_ask = uniforms[1] < self.intensities[1] * self.dt
        bid_quoted = self.inventory < self.max_inventory
        ask_quoted = self.inventory > -self.max_inventory
        bid_fill = bool(
            arrived_bid and bid_quoted and uniforms[2] < math.exp(-self.kappa * depth_bid)
        )
        ask_fill = bool(
            arrived_ask and ask_quoted and uniforms[3] < math.exp(-self.kappa * depth_ask)
        )
        if bid_fill:
            self.cash -= self.mid_price - depth_bid
            self.inventory += 1
        if ask_fill:
            self.cash += self.mid_price + depth_ask
            self.inventory -= 1

        self.mid_price += self.price_step_scale * shock
        if self.arrivals == "hawkes":
            for side, arrived in enumerate((arrived_bid, arrived_ask)):
                intensity = self.intensities[side]
                self.intensities[side] = (
                    intensity
                    + self.hawkes_decay * (self.hawkes_baseline - intensity) * self.dt
                    + self.hawkes_jump * float(arrived)
                )
        self.step_count += 1
        terminated = self.step_count >= self.n_steps

        wealth_after = self.wealth
        reward = self._reward(wealth_before, wealth_after, terminated)
        self._wealth_path.append(wealth_after)
        self._inventory_path.append(self.inventory)
        info = self._info()
        info["bid_fill"], info["ask_fill"] = bid_fill, ask_fill
        if terminated:
            info.update(self.episode_metrics())
        self._record_step_end(terminated, False)
        return self._observation(), reward, terminated, False, info

    def reset(
        self, *, seed: int | None = None, options: dict[str, Any] | None = None
    ) -> tuple[np.ndarray, dict[str, Any]]:
        """Flat book: no cash, no inventory, the mid at ``initial_price``, time 0."""
        super().reset(seed=seed, options=options)
        self.cash = 0.0
        self.inventory = 0
        self.step_count = 0
        self.mid_price = self.initial_price
        self.intensities = [self.hawkes_baseline, self.hawkes_baseline]
        self._wealth_path = [0.0]
        self._inventory_path = [0]
        info = self._info()
        info["bid_fill"] = info["ask_fill"] = False
        return self._observation(), info

    def render(self) -> str | None:
        """The ``ansi`` line of the current state (None without a render mode)."""
        if self.render_mode != "ansi":
            return None
        return self._frame()

    def close(self) -> None:
        """Nothing to release; marks the env closed (a later step warns)."""
        super().close()

    # -- pieces of a step ----------------------------------------------------------------------

    def _reward(self, wealth_before: float, wealth_after: float, terminated: bool) -> float:
        if self.reward_kind == "exponential_utility":
            return -math.exp(-self.risk_aversion * wealth_after) if terminated else 0.0
        pnl = wealth_after - wealth_before
        if self.reward_kind == "pnl":
            return pnl
        squared = self.inventory * self.inventory
        reward = pnl - self.running_penalty_per_step * squared
        if terminated:
            reward -= self.terminal_penalty * squared
        return reward

    def _observation(self) -> np.ndarray:
        core = [
            self.cash / self.initial_price,
            self.inventory,
            self.time / self.terminal_time,
            (self.mid_price - self.initial_price) / self.price_scale,
        ]
        if self.arrivals == "hawkes":
            core += [self.intensities[0] * self.dt, self.intensities[1] * self.dt]
        return np.array(core, dtype=np.float32)

    def _info(self) -> dict[str, Any]:
        return {"cash": self.cash, "inventory": self.inventory, "mid_price": self.mid_price}

    def _frame(self) -> str:
        return (
            f"t={self.time:.3f} mid={self.mid_price:.3f} cash={self.cash:.2f} "
            f"inventory={self.inventory:+d} wealth={self.wealth:.2f}"
        )

    def episode_metrics(self) -> dict[str, float]:
        """Finance metrics of the wealth path and inventory statistics, for the episode so far.

        The maker starts with no capital, and returns need a positive base, so the finance
        metrics (:func:`~rlbench_suite.envs.trading.metrics.financial_metrics`, one period a
        step, ``252 * n_steps`` a year) are taken on ``capital + wealth`` with ``capital =
        initial_price * max_inventory``, the cash that carries the largest position the maker
        may hold; ``capital`` is in the dict. (A base as small as the position actually held
        turns a day's PnL into a return of tens of percent, which compounds over 252 days to
        absurd annual figures.) Their ``pnl`` is the episode's mark-to-market
        PnL. Were the loss ever to exceed that capital, they would be ``nan``. Inventory
        statistics (:func:`~rlbench_suite.envs.trading.metrics.inventory_statistics`) come as
        ``inventory_mean``, ``inventory_std``, ``inventory_max_abs`` and ``inventory_final``.
        """
        from rlbench_suite.envs.trading.metrics import (
            METRIC_KEYS,
            financial_metrics,
            inventory_statistics,
        )

        inventory = inventory_statistics(self._inventory_path)
        capital = self.initial_price * self.max_inventory
        values = capital + np.asarray(self._wealth_path, dtype=np.float64)
        if np.all(values > 0):
            metrics = financial_metrics(values, TRADING_DAYS_PER_YEAR * self.n_steps)
        else:
            metrics = dict.fromkeys(METRIC_KEYS, float("nan"))
        metrics["capital"] = capital
        metrics.update({f"inventory_{name}": value for name, value in inventory.items()})
        return metrics


# -- registration --------------------------------------------------------------------------------

#: In-distribution parameter ranges of the MDP family; the held-out split draws beyond them, up
#: to the outer bounds (arrival rates stay <= 195 so that ``rate * dt <= 1`` at 200 steps).
FAMILY_RANGES: dict[str, tuple[float, float]] = {
    "sigma": (1.5, 2.5),
    "kappa": (1.2, 1.8),
    "arrival_rate": (110.0, 170.0),
    "initial_price": (80.0, 120.0),
}
HELD_OUT_BOUNDS: dict[str, tuple[float, float]] = {
    "sigma": (1.0, 3.0),
    "kappa": (0.9, 2.1),
    "arrival_rate": (80.0, 195.0),
    "initial_price": (50.0, 150.0),
}
HAWKES_BASELINE_RANGE = (8.0, 12.0)
HAWKES_BASELINE_HELD_OUT = (5.0, 15.0)


def _draw(
    rng: np.random.Generator, split: Split, inner: tuple[float, float], outer: tuple[float, float]
) -> float:
    """Uniform in ``inner``; held out, uniform on the two bands of ``outer`` outside it."""
    if split == "in_distribution":
        return float(rng.uniform(*inner))
    below, above = inner[0] - outer[0], outer[1] - inner[1]
    position = rng.uniform(0.0, below + above)
    return float(outer[0] + position if position < below else inner[1] + (position - below))


def market_making_family(rng: np.random.Generator, split: Split) -> dict[str, Any]:
    """MDP family: sigma, kappa, arrival rate and start price, each drawn in its range.

    In distribution: sigma in [1.5, 2.5], kappa in [1.2, 1.8], arrival rate in [110, 170],
    start price in [80, 120]. Held out: each drawn only outside those ranges, up to [1, 3],
    [0.9, 2.1], [80, 195] and [50, 150], so no held-out market was seen in training.
    """
    return {
        name: _draw(rng, split, FAMILY_RANGES[name], HELD_OUT_BOUNDS[name])
        for name in FAMILY_RANGES
    }


def market_making_hawkes_family(rng: np.random.Generator, split: Split) -> dict[str, Any]:
    """The family of the Hawkes id: sigma, kappa, start price and the Hawkes base rate."""
    kwargs = market_making_family(rng, split)
    del kwargs["arrival_rate"]  # the Hawkes intensity replaces it
    kwargs["hawkes_baseline"] = _draw(rng, split, HAWKES_BASELINE_RANGE, HAWKES_BASELINE_HELD_OUT)
    return kwargs


def return_bounds(**env_kwargs: Any) -> tuple[float, float]:
    """Smallest and largest episode return of ``MarketMakingEnv(**env_kwargs)``.

    The mid-price is Brownian, so the mark-to-market value of any inventory, and with it the
    PnL of both rewards built on it, is unbounded either way: (-inf, inf). Exponential utility
    pays ``-exp(-gamma W) < 0`` once: (-inf, 0).
    """
    if env_kwargs.get("reward", "inventory_penalty") == "exponential_utility":
        return (-math.inf, 0.0)
    return (-math.inf, math.inf)


_AGENTS = ("random", "avellaneda_stoikov", "cartea_jaimungal", "fixed_spread")

CARDS: list[EnvCard] = [
    EnvCard(
        id="rlbench/MarketMaking-v0",
        family=FAMILY,
        entry_point=f"{__name__}:MarketMakingEnv",
        multi_agent=False,
        objectives=("reward",),
        observation_kind="vector",
        anchor=MBT_GYM,
        agents=_AGENTS,
        expert_agent="cartea_jaimungal",
        mdp_family=MDPFamily(
            market_making_family,
            "sigma U(1.5, 2.5), kappa U(1.2, 1.8), lambda U(110, 170), S0 U(80, 120); "
            "held out: beyond each range",
        ),
        native_kernel=True,
        return_bounds=return_bounds(),
        summary="Quote bid/ask depths on a Brownian mid with Poisson order flow; PnL - phi q^2.",
    ),
    EnvCard(
        id="rlbench/MarketMakingHawkes-v0",
        family=FAMILY,
        entry_point=f"{__name__}:MarketMakingEnv",
        multi_agent=False,
        objectives=("reward",),
        observation_kind="vector",
        anchor=MBT_GYM,
        agents=_AGENTS,
        expert_agent="cartea_jaimungal",
        mdp_family=MDPFamily(
            market_making_hawkes_family,
            "sigma U(1.5, 2.5), kappa U(1.2, 1.8), Hawkes base rate U(8, 12), S0 U(80, 120); "
            "held out: beyond each range",
        ),
        native_kernel=True,
        kwargs={"arrivals": "hawkes"},
        return_bounds=return_bounds(arrivals="hawkes"),
        summary="MarketMaking with self-exciting (Hawkes) order flow, mbt_gym's 10/40/60.",
    ),
]
