"""CoRMAB-Capacity: workers with capacities visit arms of different costs.

## Description

The fourth of SEQUOIA's four coupled restless bandits. There are ``num_arms`` (J) arms and
``budget`` (B) workers. Arm ``j`` costs ``cost_j``, drawn uniformly from ``{2, ..., 6}``, and
worker ``i`` can spend ``capacity_i``, drawn uniformly from ``{2, ..., 7}``, each step. The
agent assigns arms to workers; every worker's assigned arms must cost no more than its capacity,
and an assigned arm is pulled. There is no global budget: how many arms are pulled depends only
on the costs and capacities. Pulled arms move up their four-state chain with their active
up-probability, the others with their passive one; the arm model (rewards, chain, start states)
is the one shared by every coRMAB problem: see :mod:`rlbench_suite.envs.bandits.cormab`.

An arm goes to at most one worker. The anchor's MILP would let two workers share an arm, but a
second visit changes nothing and only spends capacity, so every set of arms the anchor can pull
is pullable here too; the rule makes each pull have one owner, and the action unambiguous.

## Action Space

``MultiBinary((num_workers, num_arms))``: entry ``[i, j]`` = 1 assigns arm j to worker i.
Infeasible assignments follow ``invalid_action`` (``"raise"``: ``InvalidActionError`` naming the
broken constraint, e.g. "worker 1 is assigned arms costing 9; capacity 7"; ``"penalty"``: nothing
is pulled and the reward is reduced by ``invalid_action_penalty``, by default the largest step
reward; ``"project"``: the closest feasible assignment, by a MILP). ``action_space.sample()``
returns a random feasible assignment: workers in random order take arms, in a random order, as
long as they fit (the anchor's random baseline). The tables are ``env.unwrapped.arm_costs`` (J,)
and ``worker_capacity`` (B,).

## Observation Space

``MultiDiscrete([4] * num_arms)``:

| index | observation | values |
|-------|-------------|--------|
| j     | state of arm j | 0 (lowest) to 3 (top) |

## Rewards

Sum over arms of the reward of each arm's state after the step, minus the penalty when an
infeasible action was penalised.

## Starting State

Each arm starts in state 1 with probability 0.2, else in state 0.

## Episode End

No termination; truncation after ``horizon`` steps (default 20).

## Arguments

```python
gym.make("rlbench/CoRMAB-Capacity-v0", num_arms=20, budget=None, horizon=20, instance_seed=0,
         passive_up_range=(0.0, 0.2), active_up_range=(0.7, 0.9), invalid_action="raise",
         invalid_action_penalty=None, render_mode=None)
```

- ``num_arms`` (J; the paper's scales are 20, 40 and 100), ``budget`` (B: the number of workers
  and of high-value arms; ``None`` = J // 4, the anchor's ratio: 5 for J = 20).
  ``horizon``: steps per episode.
- ``instance_seed``: which instance (arm parameters, costs and capacities).
- ``passive_up_range``, ``active_up_range``: uniform ranges of the up-probabilities (the
  held-out MDP-family split uses (0.1, 0.3) and (0.5, 0.7)).
- ``render_mode``: ``"ansi"`` or ``"rgb_array"`` (one cell per arm; ``[s]`` marks pulled arms).

## Reference Scores

Random feasible, myopic (a MILP maximising the one-step expected reward) and best-of-100
sampling, 50 episodes from seed 0; see the EnvCard (``rlbench info
rlbench/CoRMAB-Capacity-v0``).

## Version History

- v0: first release.

## Credits

L. Xu, B. Wilder, E. B. Khalil, M. Tambe, "Reinforcement learning with combinatorial actions for
coupled restless bandits", ICLR 2025 (SEQUOIA); problem after the authors' code
(github.com/lily-x/combinatorial-rmab), re-implemented with scipy's HiGHS MILP.

Example:
    >>> import gymnasium as gym, numpy as np, rlbench_suite
    >>> env = gym.make("rlbench/CoRMAB-Capacity-v0")
    >>> obs, info = env.reset(seed=0)
    >>> env.action_space.shape
    (5, 20)
    >>> overloaded = np.zeros((5, 20), dtype=np.int8)
    >>> overloaded[0, :5] = 1  # five arms cost at least 10, more than any capacity (at most 7)
    >>> try:
    ...     env.step(overloaded)
    ... except ValueError as error:
    ...     print(str(error).split(": ", 1)[1][:41])
    infeasible action: worker 0 is assigned a

"""

from __future__ import annotations

from typing import Any

import numpy as np
from scipy.optimize import Bounds, LinearConstraint
from scipy.sparse import coo_array

from rlbench_suite.envs.bandits.common import ActionPolytope, InvalidActionMode
from rlbench_suite.envs.bandits.cormab import (
    ACTIVE_UP_RANGE,
    PASSIVE_UP_RANGE,
    PulledArmBandit,
    sample_arm_model,
)

ARM_COSTS = (2, 3, 4, 5, 6)
WORKER_CAPACITIES = (2, 3, 4, 5, 6, 7)


class CoRMABCapacityEnv(PulledArmBandit):
    """SEQUOIA's capacity-constrained coupled restless bandit (see the module docstring)."""

    def __init__(
        self,
        num_arms: int = 20,
        budget: int | None = None,
        horizon: int = 20,
        instance_seed: int = 0,
        passive_up_range: tuple[float, float] = PASSIVE_UP_RANGE,
        active_up_range: tuple[float, float] = ACTIVE_UP_RANGE,
        invalid_action: InvalidActionMode = "raise",
        invalid_action_penalty: float | None = None,
        render_mode: str | None = None,
    ) -> None:
        owner = type(self).__name__
        rng = self._setup_instance(num_arms, budget, horizon, instance_seed)
        self._set_arm_model(
            sample_arm_model(
                rng, self.num_arms, self.budget, passive_up_range, active_up_range, owner
            )
        )
        self.num_workers = self.budget
        self.arm_costs = rng.choice(ARM_COSTS, size=self.num_arms)  # (J,)
        self.worker_capacity = rng.choice(WORKER_CAPACITIES, size=self.num_workers)  # (B,)
        self._finish_coupled_init(
            (self.num_workers, self.num_arms),
            self._build_polytope(),
            invalid_action,
            invalid_action_penalty,
            render_mode,
        )

    def _build_polytope(self) -> ActionPolytope:
        """The assignment matrix alone: capacity per worker, at most one worker per arm."""
        num_workers, num_arms = self.num_workers, self.num_arms
        index = np.arange(num_workers * num_arms).reshape(num_workers, num_arms)  # (B, J)
        worker_rows = np.broadcast_to(np.arange(num_workers)[:, None], index.shape)
        arm_rows = np.broadcast_to(np.arange(num_arms)[None, :], index.shape)
        costs = np.broadcast_to(self.arm_costs[None, :].astype(float), index.shape)
        capacity = coo_array(
            (costs.ravel(), (worker_rows.ravel(), index.ravel())), shape=(num_workers, index.size)
        )
        one_worker_per_arm = coo_array(
            (np.ones(index.size), (arm_rows.ravel(), index.ravel())), shape=(num_arms, index.size)
        )
        return ActionPolytope(
            action_shape=index.shape,
            num_variables=index.size,
            constraints=(
                LinearConstraint(capacity.tocsr(), 0, self.worker_capacity.astype(float)),
                LinearConstraint(one_worker_per_arm.tocsr(), 0, 1),
            ),
            integrality=np.ones(index.size),
            bounds=Bounds(0, 1),
        )

    # -- the RestlessBanditBase contract -----------------------------------------------------

    def pulled_arms(self, action: np.ndarray) -> np.ndarray:
        """Arms assigned to some worker."""
        return np.asarray(action).any(axis=0)

    def one_step_objective(self, arm_states: np.ndarray) -> tuple[np.ndarray, float]:
        """Arm j's pull gain on every worker's entry for j (at most one of them is 1)."""
        gains, passive_reward = self.pull_gains(arm_states)
        return np.tile(gains, self.num_workers), passive_reward

    def sample_feasible_action(self, rng: np.random.Generator) -> np.ndarray:
        """Workers in random order take the still-free arms, in random order, that fit."""
        assignment = np.zeros((self.num_workers, self.num_arms), dtype=np.int8)
        arm_order = [int(arm) for arm in rng.permutation(self.num_arms)]
        costs = self.arm_costs.tolist()
        for worker in rng.permutation(self.num_workers):
            remaining = int(self.worker_capacity[worker])
            still_free = []
            for arm in arm_order:
                if costs[arm] <= remaining:
                    assignment[worker, arm] = 1
                    remaining -= costs[arm]
                else:
                    still_free.append(arm)
            arm_order = still_free
        return assignment

    def constraint_violation(self, action: np.ndarray) -> str | None:
        """An arm with two workers, or a worker over capacity."""
        assignment = np.asarray(action) > 0  # (B, J)
        workers_per_arm = assignment.sum(axis=0)  # (J,)
        if (workers_per_arm > 1).any():
            arm = int(np.argmax(workers_per_arm > 1))
            return f"arm {arm} is assigned to {workers_per_arm[arm]} workers; at most 1"
        spent = assignment.astype(np.int64) @ self.arm_costs  # (B,)
        over = np.flatnonzero(spent > self.worker_capacity)
        if over.shape[0]:
            worker = int(over[0])
            return (
                f"worker {worker} is assigned arms {np.flatnonzero(assignment[worker]).tolist()} "
                f"costing {spent[worker]}; capacity {self.worker_capacity[worker]}"
            )
        return None

    def instance_summary(self) -> dict[str, Any]:
        """Shared parameters plus costs and capacities."""
        return {
            **super().instance_summary(),
            "arm_costs": self.arm_costs.tolist(),
            "worker_capacity": self.worker_capacity.tolist(),
        }


def return_bounds(**env_kwargs: object) -> tuple[float, float]:
    """Smallest and largest episode return of ``CoRMABCapacityEnv(**env_kwargs)``.

    Exactly ``horizon`` steps, each paying every arm its state's reward; see
    :func:`~rlbench_suite.envs.bandits.cormab.coupled_return_bounds` (defaults: [40, 1500]).
    """
    from rlbench_suite.envs.bandits.cormab import coupled_return_bounds

    return coupled_return_bounds(CoRMABCapacityEnv, env_kwargs)
