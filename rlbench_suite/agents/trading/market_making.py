"""Market makers for :mod:`rlbench_suite.envs.trading.market_making`: closed forms and a baseline.

Each agent reads the model off the public attributes of ``env.unwrapped``: ``sigma``,
``kappa``, ``mean_arrival_rate``, ``terminal_time``, ``dt``, ``n_steps``, ``max_depth``,
``running_penalty``, ``terminal_penalty`` and, every step, ``time``, ``step_count`` and
``inventory``. Depths are clipped into ``[0, max_depth]`` and sent as the env's action (its
``action_from_depths``): the closed forms can ask for a negative depth (a quote through the mid,
which mbt_gym's Avellaneda-Stoikov agent sends with a warning) or for one beyond the 1 %-fill
depth.

- ``avellaneda_stoikov`` (:class:`AvellanedaStoikovAgent`): Avellaneda and Stoikov's
  approximation, as mbt_gym's ``AvellanedaStoikovAgent``.
- ``cartea_jaimungal`` (:class:`CarteaJaimungalAgent`, the expert): the exact optimum of the
  running-inventory-penalty criterion (Cartea, Jaimungal and Penalva 2015, ch. 10.2), as
  mbt_gym's ``CarteaJaimungalMmAgent``.
- ``fixed_spread`` (:class:`FixedSpreadAgent`): the same depth on both sides, always.
"""

from __future__ import annotations

import math
from typing import Any

import gymnasium as gym
import numpy as np
from scipy.linalg import expm

#: mbt_gym's default half-spread of its ``FixedSpreadAgent``.
FIXED_HALF_SPREAD = 1.0
#: Avellaneda-Stoikov's risk aversion gamma in mbt_gym's replication (also run with 0.01).
AS_RISK_AVERSION = 0.1
#: Half-width of the Cartea-Jaimungal inventory grid. The ODE system is solved for
#: ``|q| <= CJ_INVENTORY_GRID``; beyond it the agent stops quoting the side that would grow the
#: position. Under the default phi = 0.01 the optimal policy keeps ``|q|`` under about 15 (it
#: skews its quotes long before), so 30 leaves the edge unreached.
CJ_INVENTORY_GRID = 30


def _market_model(env: gym.Env) -> Any:
    model = env.unwrapped
    for needed in ("sigma", "kappa", "max_depth", "action_from_depths", "inventory", "time"):
        if not hasattr(model, needed):
            raise TypeError(f"{type(model).__name__} has no {needed}: not a market-making env")
    return model


class AvellanedaStoikovAgent:
    """Quotes around the reservation price ``mid - q gamma sigma^2 (T - t)``.

    Spread ``gamma sigma^2 (T - t) + (2 / gamma) ln(1 + gamma / kappa)`` (``2 / kappa`` as gamma
    goes to 0); bid depth ``q gamma sigma^2 (T - t) + spread / 2``, ask depth
    ``-q gamma sigma^2 (T - t) + spread / 2``, each clipped into ``[0, max_depth]``.
    """

    def __init__(self, env: gym.Env, risk_aversion: float = AS_RISK_AVERSION) -> None:
        if not risk_aversion >= 0:
            raise ValueError(f"risk_aversion must be >= 0, got {risk_aversion!r}")
        self.model = _market_model(env)
        self.risk_aversion = float(risk_aversion)

    def reset(self, seed: int | None = None) -> None:
        """Nothing to reset: the policy is a function of time and inventory."""

    def depths(self, inventory: float, time: float) -> np.ndarray:
        """The unclipped (bid, ask) depths at ``inventory`` and ``time``."""
        model, gamma = self.model, self.risk_aversion
        remaining = model.terminal_time - time
        if gamma == 0:
            half_spread = 1.0 / model.kappa
            shift = 0.0
        else:
            volatility_term = gamma * model.sigma**2 * remaining
            half_spread = (volatility_term + 2.0 / gamma * math.log1p(gamma / model.kappa)) / 2.0
            shift = inventory * volatility_term
        return np.array([shift + half_spread, -shift + half_spread])

    def act(self, observation: Any) -> np.ndarray:
        """The clipped depths for the env's current inventory and time."""
        return self.model.action_from_depths(self.depths(self.model.inventory, self.model.time))


class CarteaJaimungalAgent:
    """The optimal quotes of the penalised criterion ``E[W_T - alpha q_T^2 - phi int q^2 dt]``.

    With ``h(t, q) = ln(omega(t, q)) / kappa`` and ``omega(t) = expm(A (T - t)) z`` on the
    inventory grid ``|q| <= grid``: ``A[q, q] = -phi kappa q^2``, ``A[q, q - 1] = A[q, q + 1] =
    lambda e^-1``, ``z[q] = exp(-alpha kappa q^2)``. Depths: bid ``1/kappa - h(q + 1) + h(q)``,
    ask ``1/kappa - h(q - 1) + h(q)``; at the grid's edge the side that would leave it quotes
    ``max_depth`` (mbt_gym quotes a depth of 10,000 there). ``phi`` and ``alpha`` are the env's
    ``running_penalty`` and ``terminal_penalty``, ``lambda`` its ``mean_arrival_rate`` (the
    Poisson rate; under Hawkes arrivals the long-run mean, where the policy is no longer exact).
    The env's times are the multiples of ``dt``, so ``omega`` is tabulated once, at
    construction: ``omega(t_k) = expm(A dt)^(n - k) z``.
    """

    def __init__(
        self,
        env: gym.Env,
        running_penalty: float | None = None,
        terminal_penalty: float | None = None,
        inventory_grid: int = CJ_INVENTORY_GRID,
    ) -> None:
        model = _market_model(env)
        self.model = model
        self.running_penalty = (
            model.running_penalty if running_penalty is None else float(running_penalty)
        )
        self.terminal_penalty = (
            model.terminal_penalty if terminal_penalty is None else float(terminal_penalty)
        )
        self.grid = int(inventory_grid)
        if self.grid < 1:
            raise ValueError(f"inventory_grid must be >= 1, got {inventory_grid!r}")
        inventories = np.arange(-self.grid, self.grid + 1, dtype=np.float64)  # (2 grid + 1,)
        kappa, rate = model.kappa, model.mean_arrival_rate
        generator = np.diag(-self.running_penalty * kappa * inventories**2)
        off_diagonal = np.full(len(inventories) - 1, rate * math.exp(-1.0))
        generator += np.diag(off_diagonal, 1) + np.diag(off_diagonal, -1)
        step_propagator = expm(generator * model.dt)
        omega = np.empty((model.n_steps + 1, len(inventories)))  # (time index, inventory)
        omega[model.n_steps] = np.exp(-self.terminal_penalty * kappa * inventories**2)
        for index in range(model.n_steps - 1, -1, -1):
            omega[index] = step_propagator @ omega[index + 1]
        self.h = np.log(omega) / kappa  # (n_steps + 1, 2 grid + 1)

    def reset(self, seed: int | None = None) -> None:
        """Nothing to reset: the table depends on the model only."""

    def depths(self, inventory: int, step_index: int) -> np.ndarray:
        """The unclipped (bid, ask) depths at ``inventory`` after ``step_index`` steps."""
        model = self.model
        h = self.h[min(step_index, model.n_steps)]
        q = int(np.clip(inventory, -self.grid, self.grid))
        at = q + self.grid
        base = 1.0 / model.kappa
        bid = model.max_depth if q >= self.grid else base - h[at + 1] + h[at]
        ask = model.max_depth if q <= -self.grid else base - h[at - 1] + h[at]
        return np.array([bid, ask])

    def act(self, observation: Any) -> np.ndarray:
        """The clipped optimal depths for the env's current inventory and step."""
        return self.model.action_from_depths(
            self.depths(self.model.inventory, self.model.step_count)
        )


class FixedSpreadAgent:
    """The same depth on both sides whatever happens (mbt_gym's ``FixedSpreadAgent``)."""

    def __init__(self, env: gym.Env, half_spread: float = FIXED_HALF_SPREAD) -> None:
        model = _market_model(env)
        if not 0 <= half_spread <= model.max_depth:
            raise ValueError(
                f"half_spread must be in [0, max_depth = {model.max_depth:.4g}], got "
                f"{half_spread!r}"
            )
        self.action = model.action_from_depths([half_spread, half_spread])

    def reset(self, seed: int | None = None) -> None:
        """Nothing to reset."""

    def act(self, observation: Any) -> np.ndarray:
        """``(half_spread, half_spread)``."""
        return self.action.copy()


FACTORIES = {
    "avellaneda_stoikov": AvellanedaStoikovAgent,
    "cartea_jaimungal": CarteaJaimungalAgent,
    "fixed_spread": FixedSpreadAgent,
}
