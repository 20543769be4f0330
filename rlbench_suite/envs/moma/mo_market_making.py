"""MOMarketMaking: mbt_gym's market maker with PnL and inventory risk as two objectives.

## Description

The market of ``rlbench/MarketMaking-v0``
(:class:`~rlbench_suite.envs.trading.market_making.MarketMakingEnv`, the Avellaneda-Stoikov
market as mbt_gym builds it): every step the maker posts a bid ``depth_bid`` below the
Brownian mid-price and an ask ``depth_ask`` above it, market orders arrive on each side with
probability ``arrival_rate * dt`` and fill a quote with probability ``exp(-kappa depth)``, then
the mid moves by ``sigma sqrt(dt) Z``. The single-objective id scores ``PnL - phi dt q^2`` with
``phi = 2``; here the two terms are kept apart, so the weight on inventory risk is the user's
preference rather than the env's.

The Cartea-Jaimungal policy for running penalty ``phi`` maximises ``E[PnL] - phi E[int q^2
dt]`` exactly (up to the discrete steps), which is the linear utility with weights ``(1, phi)``
on these objectives: Cartea-Jaimungal makers at several ``phi`` sit on the convex part of the
true Pareto front of expected returns, and the one at ``phi = 1`` is the optimum at equal
weights. Avellaneda-Stoikov makers at several risk aversions ``gamma`` trace an approximate
front beside it.

## Action Space

``Box(0, 1, (2,), float32)``: (bid depth, ask depth) as fractions of ``max_depth = ln(100) /
kappa`` (3.07 at ``kappa = 1.5``), as in MarketMaking-v0.

## Observation Space

``Box(float32)`` of 4 entries (6 with Hawkes arrivals), as in MarketMaking-v0:

| index | observation | unit / scale |
|-------|-------------|--------------|
| 0     | cash / ``initial_price`` | units of the asset the cash buys at the start |
| 1     | inventory | units of the asset, within ``+-max_inventory`` |
| 2     | time / ``terminal_time`` | 0 at the start, 1 at the end |
| 3     | (mid - S0) / (``sigma sqrt(terminal_time)``) | std devs of the final price |
| 4, 5  | Hawkes only: bid, ask intensity x ``dt`` | chance of an order this step |

## Rewards

A float32 vector of two objectives, both maximised, with ``q'`` the inventory after the step:

| index | objective | per step | bounds |
|-------|-----------|----------|--------|
| 0 | ``pnl`` | change of ``cash + q mid`` (mbt_gym's ``PnL``) | unbounded |
| 1 | ``neg_inventory_risk`` | ``-dt q'^2`` (the running penalty at ``phi = 1``) | [-dt Q^2, 0] |

``Q`` is ``max_inventory``.

The episode's second return is ``-sum dt q'^2``, the time-integrated squared inventory
(``int q^2 dt``, in units of asset^2 x time). There is no terminal penalty (``alpha = 0``, as
MarketMaking-v0). ``reward_space`` is ``Box([-inf, -dt max_inventory^2], [inf, 0])``.

## Starting State

Cash 0, inventory 0, time 0, mid ``initial_price``. Nothing is drawn at reset.

## Episode End

Terminates after ``n_steps`` steps (time is part of the state), as MarketMaking-v0; the last
``info`` holds the episode's PnL, finance metrics and inventory statistics.

## Arguments

```python
gym.make("rlbench/MOMarketMaking-v0", sigma=2.0, kappa=1.5, arrival_rate=140.0,
         initial_price=100.0, terminal_time=1.0, n_steps=200, max_inventory=10_000,
         arrivals="poisson", hawkes_baseline=10.0, hawkes_jump=40.0, hawkes_decay=60.0,
         render_mode=None)
```

The market's arguments, as MarketMaking-v0's. The reward arguments of that id (``reward``,
``running_penalty``, ``terminal_penalty``, ``risk_aversion``) are not taken: the reward is the
vector above. ``env.unwrapped.running_penalty`` is 1, the objective's unit weight, so the
Cartea-Jaimungal agent built with no ``running_penalty`` plans for equal weights.

## Reference Scores

Mean return vectors over 30 episodes (seeds 0-29) on the default instance, with 95 % Student-t
half-widths (``python benchmarks/moma_twins.py --env rlbench/MOMarketMaking-v0``):

| agent | pnl | neg_inventory_risk |
|-------|-----|--------------------|
| random | 37.98 +- 5.2 | -29.97 +- 14 |
| ``mo_mm_cj_phi0p1`` | 68.60 +- 2.9 | -8.021 +- 2.4 |
| ``mo_mm_cj_phi1`` (expert) | 66.24 +- 2.3 | -2.325 +- 0.31 |
| ``mo_mm_cj_phi10`` | 61.17 +- 2.2 | -0.729 +- 0.049 |
| ``mo_mm_cj_phi100`` | 40.45 +- 1.7 | -0.1875 +- 0.010 |
| ``mo_mm_as_gamma0p01`` | 68.85 +- 3.8 | -15.33 +- 6.3 |
| ``mo_mm_as_gamma0p1`` | 65.55 +- 2.4 | -2.095 +- 0.49 |
| ``mo_mm_as_gamma1`` | 40.68 +- 1.9 | -0.293 +- 0.035 |

Every maker is on the non-dominated set of these means (random is not); over 30 episodes the
Avellaneda-Stoikov means fall between the Cartea-Jaimungal ones. The expert is the best at
equal weights (mean over objectives 31.96; AS at gamma 0.1: 31.73), as the theory says. The
front's hypervolume from the reference point below is 35,480 (95 % stratified bootstrap
[34,842, 36,787]), its expected utility over equally spaced weights 32.60 [32.18, 33.70].

Reference point ``(-20, -400)``: neither objective has a floor (the PnL is marked to a Brownian
mid, and random quotes let the inventory wander); over 500 random episodes (seeds 1000-1499)
the worst PnL was -8.1 and the worst inventory risk -209, the makers' worst -53.

## Version History

- v0: first release.

## Credits

J. Jerome, L. Sanchez-Betancourt, R. Savani, M. Herdegen, "Model-based gym environments for
limit order book trading" (mbt_gym), ICAIF 2022. M. Avellaneda, S. Stoikov, "High-frequency
trading in a limit order book", Quantitative Finance 2008. A. Cartea, S. Jaimungal, J. Penalva,
"Algorithmic and High-Frequency Trading", CUP 2015, ch. 10. The multi-objective protocol:
MO-Gymnasium (Felten et al., NeurIPS 2023).

Example:
    >>> import gymnasium as gym, rlbench_suite
    >>> env = gym.make("rlbench/MOMarketMaking-v0")
    >>> obs, info = env.reset(seed=0)
    >>> env.unwrapped.reward_space.low.tolist()  # -dt max_inventory^2 = -(1/200) 10,000^2
    [-inf, -500000.0]
    >>> obs, reward, terminated, truncated, info = env.step([0.2, 0.2])
    >>> bool(reward[1] == -env.unwrapped.dt * info["inventory"] ** 2)
    True

"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from rlbench_suite.envs.moma.common import FAMILY, MO_GYMNASIUM_CITATION
from rlbench_suite.envs.moma.protocol import MOEnvMixin
from rlbench_suite.envs.trading.common import MBT_GYM
from rlbench_suite.envs.trading.market_making import (
    ArrivalKind,
    MarketMakingEnv,
    market_making_family,
)
from rlbench_suite.registry import EnvCard, MDPFamily

OBJECTIVES = ("pnl", "neg_inventory_risk")
#: The weight of the inventory objective in its own units: ``-phi dt q^2`` with ``phi = 1``.
UNIT_RUNNING_PENALTY = 1.0


class MOMarketMakingEnv(MOEnvMixin, MarketMakingEnv):
    """MarketMaking-v0's market with (PnL, -dt q^2) rewards (see the module docstring)."""

    def __init__(
        self,
        sigma: float = 2.0,
        kappa: float = 1.5,
        arrival_rate: float = 140.0,
        initial_price: float = 100.0,
        terminal_time: float = 1.0,
        n_steps: int = 200,
        max_inventory: int = 10_000,
        arrivals: ArrivalKind = "poisson",
        hawkes_baseline: float = 10.0,
        hawkes_jump: float = 40.0,
        hawkes_decay: float = 60.0,
        render_mode: str | None = None,
    ) -> None:
        super().__init__(
            sigma=sigma,
            kappa=kappa,
            arrival_rate=arrival_rate,
            initial_price=initial_price,
            terminal_time=terminal_time,
            n_steps=n_steps,
            max_inventory=max_inventory,
            # The base pays plain PnL; the inventory term is this env's second objective.
            reward="pnl",
            running_penalty=UNIT_RUNNING_PENALTY,
            terminal_penalty=0.0,
            arrivals=arrivals,
            hawkes_baseline=hawkes_baseline,
            hawkes_jump=hawkes_jump,
            hawkes_decay=hawkes_decay,
            render_mode=render_mode,
        )
        self._set_reward_space(
            low=[-math.inf, -self.running_penalty_per_step * self.max_inventory**2],
            high=[math.inf, 0.0],
        )

    def step(self, action: Any) -> tuple[np.ndarray, np.ndarray, bool, bool, dict[str, Any]]:
        """MarketMaking-v0's step; the reward is the vector (PnL, ``-dt q'^2``)."""
        observation, pnl, terminated, truncated, info = super().step(action)
        inventory_risk = self.running_penalty_per_step * self.inventory * self.inventory
        # 0.0 - x rather than -x: no inventory is a risk of 0, not -0.
        return (
            observation,
            self._reward_vector([pnl, 0.0 - inventory_risk]),
            terminated,
            truncated,
            info,
        )

    def reset(
        self, *, seed: int | None = None, options: dict[str, Any] | None = None
    ) -> tuple[np.ndarray, dict[str, Any]]:
        """Flat book: no cash, no inventory, the mid at ``initial_price``, time 0."""
        return super().reset(seed=seed, options=options)

    def render(self) -> str | None:
        """The ``ansi`` line of the current state (None without a render mode)."""
        return super().render()

    def close(self) -> None:
        """Nothing to release; marks the env closed."""
        super().close()


# -- registration ---------------------------------------------------------------------------


def return_bounds(**env_kwargs: Any) -> tuple[float, float]:
    """Smallest and largest episode return, on either objective, of the env with ``env_kwargs``.

    The PnL is marked to a Brownian mid, unbounded either way; the inventory objective is at
    most 0 and at least ``-terminal_time max_inventory^2``. Together: (-inf, inf).
    """
    return (-math.inf, math.inf)


_AGENTS = (
    "random",
    "mo_mm_cj_phi0p1",
    "mo_mm_cj_phi1",
    "mo_mm_cj_phi10",
    "mo_mm_cj_phi100",
    "mo_mm_as_gamma0p01",
    "mo_mm_as_gamma0p1",
    "mo_mm_as_gamma1",
)

CARDS: list[EnvCard] = [
    EnvCard(
        id="rlbench/MOMarketMaking-v0",
        family=FAMILY,
        entry_point=f"{__name__}:MOMarketMakingEnv",
        multi_agent=False,
        objectives=OBJECTIVES,
        observation_kind="vector",
        anchor=f"{MBT_GYM}; {MO_GYMNASIUM_CITATION}",
        agents=_AGENTS,
        expert_agent="mo_mm_cj_phi1",
        mdp_family=MDPFamily(
            market_making_family,
            "MarketMaking-v0's: sigma U(1.5, 2.5), kappa U(1.2, 1.8), lambda U(110, 170), "
            "S0 U(80, 120); held out: beyond each range",
        ),
        return_bounds=return_bounds(),
        # No floor exists; below the worst of 500 random episodes (-8.1, -209), see Reference
        # Scores in the module docstring.
        reference_point=(-20.0, -400.0),
        summary="MarketMaking-v0's market; objectives PnL and -int q^2 dt (phi = 1).",
    ),
]
