"""CoRMAB-Scheduling: workers book time slots with arms; each pulled arm needs two bookings.

## Description

The third of SEQUOIA's four coupled restless bandits, a bipartite matching problem. There are
``num_arms`` (J) arms, ``budget`` (B) workers and 5 time slots a step. Each arm is available in
2 of the slots and each worker in 3. A booking puts a worker with an arm in a slot where both
are available; a worker takes at most one arm per slot, an arm is pulled when it has exactly two
bookings (two workers in one slot, or one or two workers over its two slots: the anchor's MILP
allows all of these), an arm with one booking is an error, and at most B arms are pulled.
Pulled arms move up their four-state chain with their active up-probability, the others with
their passive one; the arm model (rewards, chain, start states) is the one shared by every
coRMAB problem: see :mod:`rlbench_suite.envs.bandits.cormab`.

Availability follows the anchor code: five slot weights are drawn uniformly and sorted, arms
pick their 2 slots with the weights in rising order and workers their 3 slots with the weights
in falling order (without replacement), so arms tend to be free late and workers early, and the
booking is tight. The tables are ``env.unwrapped.arm_available`` (J, 5) and
``worker_available`` (B, 5).

## Action Space

Two action modes (``action_mode``), with the same feasible pull sets, dynamics and rewards:

- ``"pulls"`` (``CoRMAB-Scheduling-v1``, SEQUOIA's action): ``MultiBinary(num_arms)``, 1 = pull
  the arm. SEQUOIA's env takes this J-vector and its MILP books the workers as inner variables;
  here the env does the same: it solves for a booking that gives every pulled arm two
  worker-slot pairs with scipy's HiGHS MILP, plays it, and returns it as ``info["assignment"]``
  ((num_workers, num_arms, 5)). A pull vector is infeasible when it pulls more than B arms or
  no booking serves it ("no booking serves the pulled arms [...]").
- ``"assignment"`` (``CoRMAB-Scheduling-v0``): ``MultiBinary((num_workers, num_arms, 5))``,
  entry ``[i, j, s]`` = 1 books worker i with arm j in slot s; the agent spells out the booking
  and each rule is checked (e.g. "worker 2 is assigned to 2 arms in slot 3; at most 1").
  ``env.unwrapped.pulled_arms(action)`` gives the pull vector of a booking.

Infeasible actions follow ``invalid_action`` (``"raise"``: ``InvalidActionError`` naming the
broken constraint; ``"penalty"``: nothing is pulled and the reward is reduced by
``invalid_action_penalty``, by default the largest step reward; ``"project"``: the closest
feasible action, by a MILP). ``action_space.sample()`` returns a random feasible action: arms
in random order each take two free worker-slot pairs at random, while they last and until B
arms are pulled (in ``"pulls"`` mode, the arms so booked). ``env.unwrapped.solve_assignment``
finds the booking of any pull vector in either mode.

## Observation Space

``MultiDiscrete([4] * num_arms)``:

| index | observation | values |
|-------|-------------|--------|
| j     | state of arm j | 0 (lowest) to 3 (top) |

## Rewards

Sum over arms of the reward of each arm's state after the step, minus the penalty when an
infeasible action was penalised. The expected step reward is linear in one auxiliary pull
variable per arm, which the polytope ties to the bookings (bookings of arm j = 2 x pull_j).

## Starting State

Each arm starts in state 1 with probability 0.2, else in state 0.

## Episode End

No termination; truncation after ``horizon`` steps (default 20).

## Arguments

```python
gym.make("rlbench/CoRMAB-Scheduling-v1", num_arms=20, budget=None, horizon=20, instance_seed=0,
         passive_up_range=(0.0, 0.2), active_up_range=(0.7, 0.9), action_mode="pulls",
         invalid_action="raise", invalid_action_penalty=None, render_mode=None)
```

(``-v0`` is the same with ``action_mode="assignment"``.)

- ``num_arms`` (J; the paper's scales are 20, 40 and 100), ``budget`` (B, also the number of
  workers; ``None`` = J // 4, the anchor's ratio: 5 for J = 20). ``horizon``: steps per episode.
- ``instance_seed``: which instance (arm parameters and availability).
- ``passive_up_range``, ``active_up_range``: uniform ranges of the up-probabilities (the
  held-out MDP-family split uses (0.1, 0.3) and (0.5, 0.7)).
- ``action_mode``: ``"pulls"`` (the pull vector; the env books the workers) or
  ``"assignment"`` (the booking tensor).
- ``render_mode``: ``"ansi"`` or ``"rgb_array"`` (one cell per arm; ``[s]`` marks pulled arms).

## Reference Scores

Random feasible and the expert, 50 episodes from seed 0, on each id's default instance; see the
EnvCards (``rlbench info rlbench/CoRMAB-Scheduling-v1``). The expert of both ids is the Whittle
index policy (``"whittle"``: per-arm indices at discount 0.95, the feasible pull set of largest
total index by the MILP). Myopic (a MILP maximising the one-step expected reward), the first
expert, is defeated by the non-monotone rewards: it scores below a policy that pulls one fixed
feasible set every step. Both modes have the same feasible pull sets and dynamics: random and
Whittle score return for return the same on both ids, myopic within its interval (its MILP may
break a tie between equally good actions differently).

## Version History

- v1: the action is the pull vector, SEQUOIA's (``action_mode="pulls"``); the env solves the
  booking. Instances, dynamics and rewards are v0's.
- v0: first release; the action is the booking tensor.

## Credits

L. Xu, B. Wilder, E. B. Khalil, M. Tambe, "Reinforcement learning with combinatorial actions for
coupled restless bandits", ICLR 2025 (SEQUOIA); problem after the authors' code
(github.com/lily-x/combinatorial-rmab), re-implemented with scipy's HiGHS MILP.

Example:
    >>> import gymnasium as gym, numpy as np, rlbench_suite
    >>> env = gym.make("rlbench/CoRMAB-Scheduling-v1")
    >>> obs, info = env.reset(seed=0)
    >>> env.action_space.shape
    (20,)
    >>> pulls = env.action_space.sample()
    >>> obs, reward, terminated, truncated, info = env.step(pulls)
    >>> info["assignment"].shape  # the booking the env solved: (workers, arms, slots)
    (5, 20, 5)
    >>> bool((info["assignment"].sum(axis=(0, 2)) == 2 * pulls).all())
    True
    >>> v0 = gym.make("rlbench/CoRMAB-Scheduling-v0")
    >>> obs, info = v0.reset(seed=0)
    >>> v0.action_space.shape
    (5, 20, 5)
    >>> booking = v0.action_space.sample()
    >>> obs, reward, terminated, truncated, info = v0.step(booking)
    >>> info["invalid_action"]
    False

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

NUM_SLOTS = 5
ARM_SLOTS = 2  # slots each arm is available in
WORKER_SLOTS = 3  # slots each worker is available in
BOOKINGS_PER_PULL = 2


def sample_availability(
    rng: np.random.Generator, num_rows: int, slots_each: int, rising: bool
) -> np.ndarray:
    """(num_rows, NUM_SLOTS) bool: each row free in ``slots_each`` slots drawn by sorted weights."""
    weights = np.sort(rng.random(NUM_SLOTS))
    weights = (weights if rising else weights[::-1]) / weights.sum()
    available = np.zeros((num_rows, NUM_SLOTS), dtype=bool)
    for row in range(num_rows):
        available[row, rng.choice(NUM_SLOTS, size=slots_each, replace=False, p=weights)] = True
    return available


class CoRMABSchedulingEnv(AssignedPullBandit):
    """SEQUOIA's scheduling (bipartite matching) coupled restless bandit; see the module."""

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
        self.arm_available = sample_availability(rng, self.num_arms, ARM_SLOTS, rising=True)
        self.worker_available = sample_availability(
            rng, self.num_workers, WORKER_SLOTS, rising=False
        )
        # bookable[i, j, s]: worker i and arm j are both free in slot s.  (B, J, 5)
        self.bookable = self.worker_available[:, None, :] & self.arm_available[None, :, :]
        polytope = self._build_polytope()
        # The pulls are the polytope's own pull variables, after the bookings.
        pulls_of_variables = coo_array(
            (
                np.ones(self.num_arms),
                (np.arange(self.num_arms), self.bookable.size + np.arange(self.num_arms)),
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
        """Bookings (B * J * 5, binary; unbookable ones fixed to 0), then pulls (J, binary)."""
        num_workers, num_arms = self.num_workers, self.num_arms
        num_bookings = self.bookable.size
        booking_index = np.arange(num_bookings).reshape(self.bookable.shape)  # (B, J, 5)
        pull_columns = num_bookings + np.arange(num_arms)
        num_variables = num_bookings + num_arms

        # A worker takes at most one arm per slot: one row per (worker, slot).
        worker_slot_rows = np.broadcast_to(
            (np.arange(num_workers)[:, None, None] * NUM_SLOTS + np.arange(NUM_SLOTS)),
            self.bookable.shape,
        )
        one_arm_per_slot = coo_array(
            (np.ones(num_bookings), (worker_slot_rows.ravel(), booking_index.ravel())),
            shape=(num_workers * NUM_SLOTS, num_variables),
        )
        # Bookings of arm j = 2 * pull_j: zero or exactly two bookings per arm.
        arm_rows = np.broadcast_to(np.arange(num_arms)[None, :, None], self.bookable.shape)
        two_bookings_per_pull = coo_array(
            (
                np.concatenate([np.ones(num_bookings), np.full(num_arms, -BOOKINGS_PER_PULL)]),
                (
                    np.concatenate([arm_rows.ravel(), np.arange(num_arms)]),
                    np.concatenate([booking_index.ravel(), pull_columns]),
                ),
            ),
            shape=(num_arms, num_variables),
        )
        budget_row = np.zeros((1, num_variables))
        budget_row[0, pull_columns] = 1.0
        upper = np.ones(num_variables)
        upper[:num_bookings] = self.bookable.ravel()
        return ActionPolytope(
            action_shape=self.bookable.shape,
            num_variables=num_variables,
            constraints=(
                LinearConstraint(one_arm_per_slot.tocsr(), 0, 1),
                LinearConstraint(two_bookings_per_pull.tocsr(), 0, 0),
                LinearConstraint(budget_row, 0, self.budget),
            ),
            integrality=np.ones(num_variables),
            bounds=Bounds(np.zeros(num_variables), upper),
        )

    # -- the AssignedPullBandit contract -----------------------------------------------------

    def assignment_pulls(self, assignment: np.ndarray) -> np.ndarray:
        """Arms with bookings (exactly two in a feasible booking)."""
        return np.asarray(assignment).any(axis=(0, 2))

    def sample_feasible_assignment(self, rng: np.random.Generator) -> np.ndarray:
        """Arms in random order each take two random free (worker, slot) pairs they can use."""
        booking = np.zeros(self.bookable.shape, dtype=np.int8)
        worker_free = self.worker_available.copy()  # (B, 5)
        pulled = 0
        for arm in rng.permutation(self.num_arms):
            if pulled == self.budget:
                break
            workers, slots = np.nonzero(worker_free & self.arm_available[arm])
            if workers.shape[0] < BOOKINGS_PER_PULL:
                continue
            chosen = rng.choice(workers.shape[0], size=BOOKINGS_PER_PULL, replace=False)
            booking[workers[chosen], arm, slots[chosen]] = 1
            worker_free[workers[chosen], slots[chosen]] = False
            pulled += 1
        return booking

    def assignment_violation(self, assignment: np.ndarray) -> str | None:
        """The first broken rule: availability, one arm per worker-slot, two bookings, budget."""
        booking = np.asarray(assignment) > 0  # (B, J, 5)
        worker_busy = booking & ~self.worker_available[:, None, :]
        if worker_busy.any():
            worker, arm, slot = np.argwhere(worker_busy)[0]
            free = np.flatnonzero(self.worker_available[worker]).tolist()
            return (
                f"worker {worker} is booked with arm {arm} in slot {slot}; the worker is "
                f"available only in slots {free}"
            )
        arm_busy = booking & ~self.arm_available[None, :, :]
        if arm_busy.any():
            worker, arm, slot = np.argwhere(arm_busy)[0]
            free = np.flatnonzero(self.arm_available[arm]).tolist()
            return (
                f"arm {arm} is booked with worker {worker} in slot {slot}; the arm is available "
                f"only in slots {free}"
            )
        arms_per_worker_slot = booking.sum(axis=1)  # (B, 5)
        if (arms_per_worker_slot > 1).any():
            worker, slot = np.argwhere(arms_per_worker_slot > 1)[0]
            return (
                f"worker {worker} is assigned to {arms_per_worker_slot[worker, slot]} arms in "
                f"slot {slot}; at most 1"
            )
        bookings_per_arm = booking.sum(axis=(0, 2))  # (J,)
        partial = np.flatnonzero((bookings_per_arm > 0) & (bookings_per_arm != BOOKINGS_PER_PULL))
        if partial.shape[0]:
            arm = partial[0]
            return (
                f"arm {arm} has {bookings_per_arm[arm]} worker-slot assignments; a pulled arm "
                f"needs exactly {BOOKINGS_PER_PULL}"
            )
        return self._over_budget(int(np.count_nonzero(bookings_per_arm)))

    def pull_violation(self, pulls: np.ndarray) -> str | None:
        """Over the budget, or a pulled arm with fewer than two bookable (worker, slot) pairs."""
        reason = self._over_budget(int(np.count_nonzero(pulls)))
        if reason is not None:
            return reason
        bookable_pairs = self.bookable.sum(axis=(0, 2))  # (J,)
        short = np.flatnonzero(pulls & (bookable_pairs < BOOKINGS_PER_PULL))
        if short.shape[0]:
            arm = int(short[0])
            free = np.flatnonzero(self.arm_available[arm]).tolist()
            return (
                f"arm {arm} can be booked in only {bookable_pairs[arm]} worker-slot pairs (it is "
                f"free in slots {free}); a pulled arm needs {BOOKINGS_PER_PULL}"
            )
        return None

    def unservable_pulls_reason(self, pulls: np.ndarray) -> str:
        """No booking gives every pulled arm two (worker, slot) pairs at once."""
        return (
            f"no booking serves the pulled arms {np.flatnonzero(pulls).tolist()}: each needs "
            f"{BOOKINGS_PER_PULL} worker-slot pairs in its free slots, and a worker takes one "
            "arm a slot"
        )

    def _over_budget(self, pulled: int) -> str | None:
        if pulled > self.budget:
            return f"{pulled} arms pulled; at most budget={self.budget}"
        return None

    def instance_summary(self) -> dict[str, Any]:
        """Shared parameters plus both availability tables."""
        return {
            **super().instance_summary(),
            "arm_available": self.arm_available.astype(int).tolist(),
            "worker_available": self.worker_available.astype(int).tolist(),
        }


def return_bounds(**env_kwargs: object) -> tuple[float, float]:
    """Smallest and largest episode return of ``CoRMABSchedulingEnv(**env_kwargs)``.

    Exactly ``horizon`` steps, each paying every arm its state's reward; see
    :func:`~rlbench_suite.envs.bandits.cormab.coupled_return_bounds` (defaults: [40, 1500]).
    """
    from rlbench_suite.envs.bandits.cormab import coupled_return_bounds

    return coupled_return_bounds(CoRMABSchedulingEnv, env_kwargs)
