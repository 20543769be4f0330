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

Two action modes (``action_mode``), with the same feasible pull sets, dynamics and rewards:

- ``"pulls"`` (``CoRMAB-Capacity-v1``, SEQUOIA's action): ``MultiBinary(num_arms)``, 1 = pull
  the arm. SEQUOIA's env takes this J-vector and its MILP assigns the workers as inner
  variables; here the env does the same: it solves for an assignment of the pulled arms to
  workers within their capacities with scipy's HiGHS MILP, plays it, and returns it as
  ``info["assignment"]`` ((num_workers, num_arms)). A pull vector no assignment serves is
  infeasible (e.g. "the pulled arms cost 30 in all, more than the workers' total capacity 26").
- ``"assignment"`` (``CoRMAB-Capacity-v0``): ``MultiBinary((num_workers, num_arms))``, entry
  ``[i, j]`` = 1 assigns arm j to worker i, each rule checked (e.g. "worker 1 is assigned arms
  costing 9; capacity 7").

Infeasible actions follow ``invalid_action`` (``"raise"``: ``InvalidActionError`` naming the
broken constraint; ``"penalty"``: nothing is pulled and the reward is reduced by
``invalid_action_penalty``, by default the largest step reward; ``"project"``: the closest
feasible action, by a MILP). ``action_space.sample()`` returns a random feasible action:
workers in random order take arms, in a random order, as long as they fit (the anchor's random
baseline; in ``"pulls"`` mode, the arms so taken). The tables are ``env.unwrapped.arm_costs``
(J,) and ``worker_capacity`` (B,); ``env.unwrapped.solve_assignment`` finds the assignment of
any pull vector in either mode.

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
gym.make("rlbench/CoRMAB-Capacity-v1", num_arms=20, budget=None, horizon=20, instance_seed=0,
         passive_up_range=(0.0, 0.2), active_up_range=(0.7, 0.9), action_mode="pulls",
         invalid_action="raise", invalid_action_penalty=None, render_mode=None)
```

(``-v0`` is the same with ``action_mode="assignment"``.)

- ``num_arms`` (J; the paper's scales are 20, 40 and 100), ``budget`` (B: the number of workers
  and of high-value arms; ``None`` = J // 4, the anchor's ratio: 5 for J = 20).
  ``horizon``: steps per episode.
- ``instance_seed``: which instance (arm parameters, costs and capacities).
- ``passive_up_range``, ``active_up_range``: uniform ranges of the up-probabilities (the
  held-out MDP-family split uses (0.1, 0.3) and (0.5, 0.7)).
- ``action_mode``: ``"pulls"`` (the pull vector; the env assigns the workers) or
  ``"assignment"`` (the assignment matrix).
- ``render_mode``: ``"ansi"`` or ``"rgb_array"`` (one cell per arm; ``[s]`` marks pulled arms).

## Reference Scores

Random feasible and the expert, 50 episodes from seed 0, on each id's default instance; see the
EnvCards (``rlbench info rlbench/CoRMAB-Capacity-v1``). The expert of both ids is the Whittle index
policy (``"whittle"``: per-arm indices at discount 0.95, the feasible pull set of largest total
index by the MILP). Myopic (a MILP maximising the one-step expected reward), the first expert, is
defeated by the non-monotone rewards: it scores below a policy that pulls one fixed feasible set
every step. Both modes have the same feasible pull sets and dynamics: random and Whittle score
return for return the same on both ids, myopic within its interval (its MILP may break a tie
between equally good actions differently).

## Version History

- v1: the action is the pull vector, SEQUOIA's (``action_mode="pulls"``); the env solves the
  assignment. Instances, dynamics and rewards are v0's.
- v0: first release; the action is the assignment matrix.

## Credits

L. Xu, B. Wilder, E. B. Khalil, M. Tambe, "Reinforcement learning with combinatorial actions for
coupled restless bandits", ICLR 2025 (SEQUOIA); problem after the authors' code
(github.com/lily-x/combinatorial-rmab), re-implemented with scipy's HiGHS MILP.

Example:
    >>> import gymnasium as gym, numpy as np, rlbench_suite
    >>> env = gym.make("rlbench/CoRMAB-Capacity-v1")
    >>> obs, info = env.reset(seed=0)
    >>> env.action_space.shape
    (20,)
    >>> pulls = env.action_space.sample()
    >>> obs, reward, terminated, truncated, info = env.step(pulls)
    >>> assignment = info["assignment"]  # (workers, arms), solved by the env
    >>> bool((assignment.sum(axis=0) == pulls).all())
    True
    >>> bool((assignment @ env.unwrapped.arm_costs <= env.unwrapped.worker_capacity).all())
    True
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
    AssignedPullBandit,
    AssignmentActionMode,
    sample_arm_model,
)

ARM_COSTS = (2, 3, 4, 5, 6)
WORKER_CAPACITIES = (2, 3, 4, 5, 6, 7)


class CoRMABCapacityEnv(AssignedPullBandit):
    """SEQUOIA's capacity-constrained coupled restless bandit (see the module docstring)."""

    def __init__(
        self,
        num_arms: int = 20,
        budget: int | None = None,
        horizon: int = 20,
        instance_seed: int = 0,
        passive_up_range: tuple[float, float] = PASSIVE_UP_RANGE,
        active_up_range: tuple[float, float] = ACTIVE_UP_RANGE,
        action_mode: AssignmentActionMode = "assignment",
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
        polytope = self._build_polytope()
        # Arm j is pulled when some worker takes it: pull_j = sum_i assignment[i, j].
        pulls_of_variables = coo_array(
            (
                np.ones(polytope.num_variables),
                (
                    np.tile(np.arange(self.num_arms), self.num_workers),
                    np.arange(polytope.num_variables),
                ),
            ),
            shape=(self.num_arms, polytope.num_variables),
        )
        self._finish_assigned_init(
            action_mode,
            polytope,
            pulls_of_variables,
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

    # -- the AssignedPullBandit contract -----------------------------------------------------

    def assignment_pulls(self, assignment: np.ndarray) -> np.ndarray:
        """Arms assigned to some worker."""
        return np.asarray(assignment).any(axis=0)

    def sample_feasible_assignment(self, rng: np.random.Generator) -> np.ndarray:
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

    def assignment_violation(self, assignment: np.ndarray) -> str | None:
        """An arm with two workers, or a worker over capacity."""
        assignment = np.asarray(assignment) > 0  # (B, J)
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

    def pull_violation(self, pulls: np.ndarray) -> str | None:
        """A pulled arm dearer than every worker's capacity, or more cost than all capacity."""
        largest_capacity = int(self.worker_capacity.max())
        too_dear = np.flatnonzero(pulls & (self.arm_costs > largest_capacity))
        if too_dear.shape[0]:
            arm = int(too_dear[0])
            return (
                f"arm {arm} costs {self.arm_costs[arm]}, more than any worker's capacity "
                f"(the largest is {largest_capacity})"
            )
        total_cost, total_capacity = (
            int(self.arm_costs[pulls].sum()),
            int(self.worker_capacity.sum()),
        )
        if total_cost > total_capacity:
            return (
                f"the pulled arms cost {total_cost} in all, more than the workers' total "
                f"capacity {total_capacity}"
            )
        return None

    def unservable_pulls_reason(self, pulls: np.ndarray) -> str:
        """No split of the pulled arms among the workers fits every capacity."""
        arms = np.flatnonzero(pulls)
        return (
            f"no assignment of the pulled arms {arms.tolist()} (costs "
            f"{self.arm_costs[arms].tolist()}) to workers fits their capacities "
            f"{self.worker_capacity.tolist()}"
        )

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
