"""CoRMAB-MultiIntervention: choose at most B of N interventions; each reaches several arms.

## Description

The first of SEQUOIA's four coupled restless bandits. There are ``num_arms`` (J) arms and
``num_actions`` (N) interventions. The agent chooses at most ``budget`` (B) interventions a step;
intervention ``i`` reaches a fixed set of three arms with weight 3. Arm ``j`` then moves up its
four-state chain with probability

    phi_j(x_j),  x_j = theta_j + sum_i w_ji a_i,
    phi_j(x) = 0.98 * [a_j * sigmoid(b_j * x - x0_j) - a_j * sigmoid(-x0_j)] + 0.01,

where ``a_i`` is 1 for a chosen intervention, ``w_ji`` is 3 on an edge and 0 elsewhere, and
``theta_j = 0`` (as in the anchor code), so an arm no intervention reaches moves up with
probability 0.01. The arm model (state rewards, the birth-death chain, start states) is the one
shared by every coRMAB problem: see :mod:`rlbench_suite.envs.bandits.cormab`.

The instance, following the anchor code: B of the N interventions are "good", the rest "bad".
Arms ``ceil(J * B / N)`` to ``J - 1`` are "good" arms, with ``a ~ U[0.7, 1]``,
``b ~ U[1.4, 1.9]`` (both rounded to 0.1) and ``x0`` in ``{9, 10}``: a steep sigmoid that barely
moves for one or two interventions and saturates for three. The other arms are "bad", with
``a ~ U[0.2, 0.5]`` (rounded to 0.1), ``b = 1``, ``x0`` in ``{1, 2}``: one intervention already
helps a little. The good interventions, in a random order, are taken in groups of three; all
three interventions of a group reach the same three good arms, so those arms only pay off when
the whole group is chosen. Interventions left over after the full groups (``B mod 3`` of them)
each reach three further good arms alone. The bad interventions reach the bad arms the same way.
No arm is reached by two groups, and many arms are reached by none. Which interventions are
good is hidden in the action index: intervention ``i``'s arms are ``env.unwrapped.action_arms[i]``
(and ``env.unwrapped.incidence``, a (J, N) 0/1 matrix).

Note that the high-value state rewards go to arms ``0 .. B-1``, which are bad arms: the arms
that are easy to push pay little at first (their rewards fall from 0.2 to 0.1 on the way up).

## Action Space

``MultiBinary(num_actions)``: 1 = run the intervention. At most ``budget`` ones; otherwise
``invalid_action`` decides (``"raise"``: ``InvalidActionError`` naming the count and the budget;
``"penalty"``: nothing is run and the reward is reduced by ``invalid_action_penalty``, by
default the largest step reward; ``"project"``: the closest feasible action, by a MILP).
``action_space.sample()`` returns a random feasible action (exactly B interventions).

## Observation Space

``MultiDiscrete([4] * num_arms)``:

| index | observation | values |
|-------|-------------|--------|
| j     | state of arm j | 0 (lowest) to 3 (top) |

## Rewards

Sum over arms of the reward of each arm's state after the step, minus the penalty when an
infeasible action was penalised. The expected step reward is exactly linear over the action
polytope (``env.unwrapped.one_step_objective``): one binary variable per arm and count of chosen
interventions that reach it turns the sigmoid of the count into a linear term.

## Starting State

Each arm starts in state 1 with probability 0.2, else in state 0.

## Episode End

No termination; truncation after ``horizon`` steps (default 20).

## Arguments

```python
gym.make("rlbench/CoRMAB-MultiIntervention-v0", num_arms=20, budget=None, num_actions=None,
         horizon=20, instance_seed=0, edge_weight=3.0, invalid_action="raise",
         invalid_action_penalty=None, render_mode=None)
```

- ``num_arms`` (J, the paper's scales are 20, 40 and 100), ``budget`` (B; ``None`` = J // 4, the
  anchor's ratio: 5 for J = 20), ``num_actions`` (N; ``None`` = 2B, the anchor's 10 for J = 20).
  J must leave enough arms for every intervention: a ValueError says when it does not.
- ``horizon``: steps per episode. ``instance_seed``: which instance (graph, sigmoids, rewards).
- ``edge_weight``: w, the weight of an edge (3 in the paper; the held-out MDP-family split uses
  2.5 or 3.5).
- ``invalid_action``, ``invalid_action_penalty``: see Action Space. ``render_mode``: ``"ansi"``
  or ``"rgb_array"`` (one cell per arm; ``[s]`` marks arms a chosen intervention reached).

## Reference Scores

Random feasible, myopic (a MILP maximising the one-step expected reward) and best-of-100
sampling, 50 episodes from seed 0; see the EnvCard (``rlbench info
rlbench/CoRMAB-MultiIntervention-v0``).

## Version History

- v0: first release.

## Credits

L. Xu, B. Wilder, E. B. Khalil, M. Tambe, "Reinforcement learning with combinatorial actions for
coupled restless bandits", ICLR 2025 (SEQUOIA); instance structure after the authors' code
(github.com/lily-x/combinatorial-rmab), re-implemented with scipy's HiGHS MILP.

Example:
    >>> import gymnasium as gym, numpy as np, rlbench_suite
    >>> env = gym.make("rlbench/CoRMAB-MultiIntervention-v0")
    >>> obs, info = env.reset(seed=0)
    >>> env.action_space
    MultiBinary(10)
    >>> action = np.zeros(10, dtype=np.int8)
    >>> action[:5] = 1
    >>> obs, reward, terminated, truncated, info = env.step(action)
    >>> obs.shape, info["invalid_action"]
    ((20,), False)

"""

from __future__ import annotations

import math
from dataclasses import dataclass
from numbers import Real
from typing import Any

import numpy as np
from scipy.optimize import Bounds, LinearConstraint
from scipy.sparse import coo_array
from scipy.special import expit

from rlbench_suite.envs.bandits.common import ActionPolytope, InvalidActionMode
from rlbench_suite.envs.bandits.cormab import (
    CoupledRestlessBandit,
    check_integer,
    sample_state_rewards,
)

DEFAULT_EDGE_WEIGHT = 3.0
ACTIONS_PER_GROUP = 3  # good (bad) interventions are grouped in threes that share their arms
ARMS_PER_INTERVENTION = 3
LINK_SCALE = 0.98  # phi's range is [0.01, 0.99]
LINK_FLOOR = 0.01
GOOD_AMPLITUDE_RANGE = (0.7, 1.0)
GOOD_SLOPE_RANGE = (1.4, 1.9)
GOOD_OFFSETS = (9, 10)
BAD_AMPLITUDE_RANGE = (0.2, 0.5)
BAD_SLOPE = 1.0
BAD_OFFSETS = (1, 2)


@dataclass(frozen=True)
class SigmoidLink:
    """Each arm's link phi_j from intervention input to up-probability."""

    amplitude: np.ndarray  # (num_arms,) a_j
    slope: np.ndarray  # (num_arms,) b_j
    offset: np.ndarray  # (num_arms,) x0_j

    def __call__(self, arm_input: np.ndarray, arms: np.ndarray | slice = slice(None)) -> np.ndarray:
        """phi_j(x) for inputs ``arm_input`` of the arms ``arms`` (all arms by default)."""
        amplitude, slope, offset = self.amplitude[arms], self.slope[arms], self.offset[arms]
        rise = expit(slope * arm_input - offset) - expit(-offset)
        return LINK_SCALE * amplitude * rise + LINK_FLOOR


def sample_sigmoid_link(rng: np.random.Generator, good_arm: np.ndarray) -> SigmoidLink:
    """Good arms: steep, late sigmoids; bad arms: shallow, early ones (the anchor's ranges)."""
    num_arms = good_arm.shape[0]
    amplitude = np.where(
        good_arm,
        rng.uniform(*GOOD_AMPLITUDE_RANGE, size=num_arms),
        rng.uniform(*BAD_AMPLITUDE_RANGE, size=num_arms),
    ).round(1)
    slope = np.where(good_arm, rng.uniform(*GOOD_SLOPE_RANGE, size=num_arms).round(1), BAD_SLOPE)
    offset = np.where(
        good_arm, rng.choice(GOOD_OFFSETS, size=num_arms), rng.choice(BAD_OFFSETS, size=num_arms)
    ).astype(float)
    return SigmoidLink(amplitude, slope, offset)


def intervention_groups(actions: np.ndarray) -> list[np.ndarray]:
    """Consecutive triples of ``actions``, then each leftover action on its own."""
    num_full = len(actions) // ACTIONS_PER_GROUP * ACTIONS_PER_GROUP
    triples = [actions[start : start + ACTIONS_PER_GROUP] for start in range(0, num_full, 3)]
    return triples + [actions[index : index + 1] for index in range(num_full, len(actions))]


def arms_needed(num_interventions: int) -> int:
    """Arms a class of ``num_interventions`` interventions reaches (three per group)."""
    return ARMS_PER_INTERVENTION * len(intervention_groups(np.arange(num_interventions)))


def sample_incidence(
    rng: np.random.Generator, good_actions: np.ndarray, good_arm: np.ndarray, num_actions: int
) -> np.ndarray:
    """Which arms each intervention reaches; (num_arms, num_actions) bool."""
    num_arms = good_arm.shape[0]
    incidence = np.zeros((num_arms, num_actions), dtype=bool)
    bad_actions = np.setdiff1d(np.arange(num_actions), good_actions)
    for actions, arms in (
        (good_actions, np.flatnonzero(good_arm)),
        (bad_actions, np.flatnonzero(~good_arm)),
    ):
        unreached = list(arms)
        for group in intervention_groups(actions):
            reached = rng.choice(unreached, size=ARMS_PER_INTERVENTION, replace=False)
            incidence[np.ix_(reached, group)] = True
            unreached = [arm for arm in unreached if arm not in reached]
    return incidence


class CoRMABMultiInterventionEnv(CoupledRestlessBandit):
    """SEQUOIA's multi-intervention coupled restless bandit (see the module docstring)."""

    def __init__(
        self,
        num_arms: int = 20,
        budget: int | None = None,
        num_actions: int | None = None,
        horizon: int = 20,
        instance_seed: int = 0,
        edge_weight: float = DEFAULT_EDGE_WEIGHT,
        invalid_action: InvalidActionMode = "raise",
        invalid_action_penalty: float | None = None,
        render_mode: str | None = None,
    ) -> None:
        owner = type(self).__name__
        rng = self._setup_instance(num_arms, budget, horizon, instance_seed)
        num_arms = int(num_arms)
        if num_actions is None:
            num_actions = 2 * self.budget
        self.num_actions = check_integer(owner, "num_actions", num_actions, self.budget + 1)
        if not isinstance(edge_weight, Real) or not 0 < edge_weight < np.inf:
            raise ValueError(f"{owner}: edge_weight must be a positive number, got {edge_weight!r}")
        self.edge_weight = float(edge_weight)
        num_bad_arms = math.ceil(num_arms * self.budget / self.num_actions)
        good_arm = np.arange(num_arms) >= num_bad_arms  # (num_arms,)
        needed_good = arms_needed(self.budget)
        needed_bad = arms_needed(self.num_actions - self.budget)
        if good_arm.sum() < needed_good or num_bad_arms < needed_bad:
            raise ValueError(
                f"{owner}: num_arms={num_arms} is too few for budget={self.budget} and "
                f"num_actions={self.num_actions}: the {self.budget} good interventions need "
                f"{needed_good} of the {good_arm.sum()} good arms and the other "
                f"{self.num_actions - self.budget} need {needed_bad} of the {num_bad_arms} bad arms"
            )

        self.state_rewards = sample_state_rewards(rng, num_arms, self.budget)  # (J, 4)
        good_actions = rng.choice(self.num_actions, size=self.budget, replace=False)
        self.good_arm = good_arm
        self.good_action = np.isin(np.arange(self.num_actions), good_actions)  # (N,)
        self.link = sample_sigmoid_link(rng, good_arm)
        self.incidence = sample_incidence(rng, good_actions, good_arm, self.num_actions)  # (J, N)
        self.action_arms = tuple(np.flatnonzero(column) for column in self.incidence.T)
        self._build_count_variables()
        self._finish_coupled_init(
            (self.num_actions,),
            self._build_polytope(),
            invalid_action,
            invalid_action_penalty,
            render_mode,
        )

    # -- the exact linearisation of the sigmoid --------------------------------------------

    def _build_count_variables(self) -> None:
        """One binary per (reached arm, count of chosen interventions reaching it) pair.

        Exactly one of an arm's count variables is 1, the one equal to how many chosen
        interventions reach it, so the up-probability phi_j(w * count) becomes the linear term
        ``sum_k phi_j(w * k) * z_jk``. Arms no intervention reaches need no variables.
        """
        degree = self.incidence.sum(axis=1)  # (num_arms,)
        self.reached_arms = np.flatnonzero(degree > 0)
        self.count_arm = np.repeat(
            self.reached_arms, degree[self.reached_arms] + 1
        )  # (num_counts,)
        self.count_value = np.concatenate([np.arange(degree[arm] + 1) for arm in self.reached_arms])
        self.count_up_probability = self.link(
            self.edge_weight * self.count_value, self.count_arm
        )  # (num_counts,) phi_j(w * k), fixed per instance
        self.unreached_up_probability = self.link(np.zeros(self.num_arms))  # (num_arms,)

    def _build_polytope(self) -> ActionPolytope:
        num_actions, num_counts = self.num_actions, self.count_arm.shape[0]
        num_reached = self.reached_arms.shape[0]
        count_columns = num_actions + np.arange(num_counts)
        # Row r of both blocks belongs to the r-th reached arm.
        row_of_count = np.searchsorted(self.reached_arms, self.count_arm)
        one_count = coo_array(
            (np.ones(num_counts), (row_of_count, count_columns)),
            shape=(num_reached, num_actions + num_counts),
        )
        edge_rows, edge_actions = np.nonzero(self.incidence[self.reached_arms])
        # sum_k k z_jk - sum_i incidence_ji a_i = 0: the chosen count variable is the true count.
        count_matches = coo_array(
            (
                np.concatenate([self.count_value.astype(float), -np.ones(edge_rows.shape[0])]),
                (
                    np.concatenate([row_of_count, edge_rows]),
                    np.concatenate([count_columns, edge_actions]),
                ),
            ),
            shape=(num_reached, num_actions + num_counts),
        )
        budget_row = np.zeros((1, num_actions + num_counts))
        budget_row[0, :num_actions] = 1.0
        return ActionPolytope(
            action_shape=(num_actions,),
            num_variables=num_actions + num_counts,
            constraints=(
                LinearConstraint(budget_row, 0, self.budget),
                LinearConstraint(one_count.tocsr(), 1, 1),
                LinearConstraint(count_matches.tocsr(), 0, 0),
            ),
            integrality=np.ones(num_actions + num_counts),
            bounds=Bounds(0, 1),
        )

    # -- the RestlessBanditBase contract -----------------------------------------------------

    def up_probabilities(self, action: np.ndarray) -> np.ndarray:
        """phi_j(w * number of chosen interventions that reach arm j), for every arm."""
        reaching = self.incidence.astype(np.float64) @ np.asarray(action, dtype=np.float64)
        return self.link(self.edge_weight * reaching)

    def arms_acted_on(self, action: np.ndarray) -> np.ndarray:
        """Arms that a chosen intervention reaches."""
        return (self.incidence & (np.asarray(action) > 0)).any(axis=1)

    def one_step_objective(self, arm_states: np.ndarray) -> tuple[np.ndarray, float]:
        """Zero on the interventions; ``phi_j(w k) * (up - down reward)`` on count variable jk."""
        down, up = self.down_and_up_rewards(arm_states)
        spread = up - down  # (num_arms,)
        objective = np.zeros(self.action_polytope.num_variables)
        objective[self.num_actions :] = self.count_up_probability * spread[self.count_arm]
        unreached = np.ones(self.num_arms, dtype=bool)
        unreached[self.reached_arms] = False
        constant = float(down.sum() + np.sum((self.unreached_up_probability * spread)[unreached]))
        return objective, constant

    def sample_feasible_action(self, rng: np.random.Generator) -> np.ndarray:
        """Exactly ``budget`` interventions, drawn uniformly without replacement."""
        action = np.zeros(self.num_actions, dtype=np.int8)
        action[rng.choice(self.num_actions, size=self.budget, replace=False)] = 1
        return action

    def constraint_violation(self, action: np.ndarray) -> str | None:
        """More interventions chosen than the budget allows."""
        chosen = int(np.count_nonzero(action))
        if chosen > self.budget:
            return f"{chosen} interventions chosen; at most budget={self.budget}"
        return None

    def instance_summary(self) -> dict[str, Any]:
        """Shared parameters plus the intervention graph and each arm's sigmoid."""
        return {
            **super().instance_summary(),
            "num_actions": self.num_actions,
            "edge_weight": self.edge_weight,
            "action_arms": [arms.tolist() for arms in self.action_arms],
            "good_actions": np.flatnonzero(self.good_action).tolist(),
            "good_arms": np.flatnonzero(self.good_arm).tolist(),
            "sigmoid_amplitude": self.link.amplitude.tolist(),
            "sigmoid_slope": self.link.slope.tolist(),
            "sigmoid_offset": self.link.offset.tolist(),
        }


def multi_intervention_family(rng: np.random.Generator, split: str) -> dict[str, object]:
    """MDP family: a new instance; held out, a weaker or stronger edge weight (2.5 or 3.5)."""
    sample: dict[str, object] = {"instance_seed": int(rng.integers(1, 2**31))}
    if split != "in_distribution":
        sample["edge_weight"] = float(rng.choice([2.5, 3.5]))
    return sample


def return_bounds(**env_kwargs: object) -> tuple[float, float]:
    """Smallest and largest episode return of ``CoRMABMultiInterventionEnv(**env_kwargs)``.

    Exactly ``horizon`` steps, each paying every arm its state's reward; see
    :func:`~rlbench_suite.envs.bandits.cormab.coupled_return_bounds` (defaults: [40, 1500]).
    """
    from rlbench_suite.envs.bandits.cormab import coupled_return_bounds

    return coupled_return_bounds(CoRMABMultiInterventionEnv, env_kwargs)
