"""SEQUOIA's coupled restless bandits (coRMAB): the shared arm model and base classes.

Every coRMAB problem (MultiIntervention, Path, Scheduling, Capacity) has the same arms, and only
the structure of the action and how it reaches the arms differ. This module holds what they
share:

- the arm: a four-state birth-death chain. From state ``s`` an arm moves to ``min(s + 1, 3)``
  with its up-probability and to ``max(s - 1, 0)`` otherwise. The up-probability of an arm that
  is not acted on is drawn from ``U[0, 0.2]`` and of one that is from ``U[0.7, 0.9]`` (the
  MultiIntervention problem replaces both by a sigmoid of the interventions that reach the arm);
- the state rewards, non-monotone on purpose so that a myopic planner fails: the first ``budget``
  arms pay ``[0.2, 0.15, 0.1, top]`` with ``top`` drawn from ``{4, 5, 6}``, the others
  ``[0.1, 0.15, 0.2, top]`` with ``top`` from ``{1, 2, 3}``. Pushing a high-value arm up first
  costs reward (0.2 -> 0.15 -> 0.1) before it pays off in state 3;
- start states: each arm starts in state 1 with probability 0.2 and in state 0 otherwise. The
  anchor code draws ``Bernoulli(0.2)`` start states and uses the 0/1 draw as the chain state
  directly, so no arm starts in state 2 or 3;
- :class:`CoupledRestlessBandit`, the base class of the four envs (step, reset and the MILP
  machinery come from :class:`~rlbench_suite.envs.bandits.common.RestlessBanditBase`), and
  :class:`PulledArmBandit` for the three problems whose action decides a set of pulled arms.

All instance parameters are drawn from ``numpy.random.default_rng(instance_seed)``; the episode's
randomness comes only from the seed given to ``reset``.
"""

from __future__ import annotations

from dataclasses import dataclass
from numbers import Integral, Real
from typing import Any, Literal

import numpy as np
from gymnasium import spaces
from scipy import sparse
from scipy.optimize import Bounds, LinearConstraint

from rlbench_suite.envs.bandits.common import (
    ActionPolytope,
    InvalidActionMode,
    RestlessBanditBase,
)

NUM_STATES = 4
TOP_STATE = NUM_STATES - 1
HIGH_VALUE_LOW_STATE_REWARDS = (0.2, 0.15, 0.1)  # states 0, 1, 2 of the first `budget` arms
OTHER_LOW_STATE_REWARDS = (0.1, 0.15, 0.2)  # states 0, 1, 2 of the other arms
HIGH_VALUE_TOP_REWARDS = (4, 5, 6)  # state-3 reward of a high-value arm, drawn uniformly
OTHER_TOP_REWARDS = (1, 2, 3)  # state-3 reward of any other arm, drawn uniformly
PASSIVE_UP_RANGE = (0.0, 0.2)  # P(move up | not acted on), uniform per arm
ACTIVE_UP_RANGE = (0.7, 0.9)  # P(move up | acted on), uniform per arm
START_IN_STATE_ONE_PROBABILITY = 0.2
# The anchor runs J = 20 with B = 5 and J = 40 with B = 10; the default budget keeps that ratio.
ARMS_PER_BUDGET_UNIT = 4


def default_budget(num_arms: int) -> int:
    """The anchor's budget for ``num_arms`` arms: one per four arms (J = 20 -> B = 5)."""
    return max(1, num_arms // ARMS_PER_BUDGET_UNIT)


def check_integer(
    owner: str, name: str, value: object, minimum: int, maximum: int | None = None
) -> int:
    """``value`` as an int, or a ValueError naming ``owner``, the parameter and what came."""
    in_range = isinstance(value, Integral) and not isinstance(value, bool) and value >= minimum
    if in_range and maximum is not None:
        in_range = value <= maximum
    if not in_range:
        bounds = f">= {minimum}" if maximum is None else f"in [{minimum}, {maximum}]"
        raise ValueError(f"{owner}: {name} must be an integer {bounds}, got {value!r}")
    return int(value)  # type: ignore[arg-type]


def check_probability_range(owner: str, name: str, value: object) -> tuple[float, float]:
    """``value`` as a ``(low, high)`` pair with ``0 <= low <= high <= 1``, or a ValueError."""
    try:
        low, high = value  # type: ignore[misc]
        valid = isinstance(low, Real) and isinstance(high, Real) and 0.0 <= low <= high <= 1.0
    except (TypeError, ValueError):
        valid = False
    if not valid:
        raise ValueError(
            f"{owner}: {name} must be a pair (low, high) with 0 <= low <= high <= 1, got {value!r}"
        )
    return float(low), float(high)


def sample_state_rewards(
    rng: np.random.Generator, num_arms: int, num_high_value: int
) -> np.ndarray:
    """State rewards, shape (num_arms, 4): the first ``num_high_value`` arms are high-value."""
    rewards = np.empty((num_arms, NUM_STATES))  # (num_arms, 4)
    rewards[:num_high_value, :TOP_STATE] = HIGH_VALUE_LOW_STATE_REWARDS
    rewards[num_high_value:, :TOP_STATE] = OTHER_LOW_STATE_REWARDS
    rewards[:num_high_value, TOP_STATE] = rng.choice(HIGH_VALUE_TOP_REWARDS, size=num_high_value)
    rewards[num_high_value:, TOP_STATE] = rng.choice(
        OTHER_TOP_REWARDS, size=num_arms - num_high_value
    )
    return rewards


@dataclass(frozen=True)
class CoupledArmModel:
    """The arms of a pull-based coRMAB instance: up-probabilities and state rewards."""

    up_probability_passive: np.ndarray  # (num_arms,) P(move up | not pulled)
    up_probability_active: np.ndarray  # (num_arms,) P(move up | pulled)
    state_rewards: np.ndarray  # (num_arms, 4)


def sample_arm_model(
    rng: np.random.Generator,
    num_arms: int,
    num_high_value: int,
    passive_up_range: object = PASSIVE_UP_RANGE,
    active_up_range: object = ACTIVE_UP_RANGE,
    owner: str = "sample_arm_model",
) -> CoupledArmModel:
    """Draw up-probabilities first, then state rewards (the anchor's order).

    The ranges are checked here, so every env that takes them as arguments refuses a bad one
    with a ValueError naming ``owner`` and the argument.
    """
    passive_up_range = check_probability_range(owner, "passive_up_range", passive_up_range)
    active_up_range = check_probability_range(owner, "active_up_range", active_up_range)
    passive = rng.uniform(*passive_up_range, size=num_arms)
    active = rng.uniform(*active_up_range, size=num_arms)
    return CoupledArmModel(passive, active, sample_state_rewards(rng, num_arms, num_high_value))


HELD_OUT_UP_RANGES = {"passive_up_range": (0.1, 0.3), "active_up_range": (0.5, 0.7)}


def pulled_arm_family(rng: np.random.Generator, split: str) -> dict[str, object]:
    """MDP family of Path, Scheduling and Capacity: a new instance; held out, acting helps less.

    Held-out instances draw up-probabilities from ranges closer together
    (:data:`HELD_OUT_UP_RANGES`), so an intervention is worth less than in training.
    """
    sample: dict[str, object] = {"instance_seed": int(rng.integers(1, 2**31))}
    if split != "in_distribution":
        sample.update(HELD_OUT_UP_RANGES)
    return sample


def birth_death_distribution(arm_states: np.ndarray, up_probability: np.ndarray) -> np.ndarray:
    """Next-state distribution of every arm, shape (num_arms, 4), given its up-probability."""
    rows = np.arange(arm_states.shape[0])
    distribution = np.zeros((arm_states.shape[0], NUM_STATES))
    # From any state the up and down targets differ (0 -> 1/0, 3 -> 3/2), so no cell is hit twice.
    distribution[rows, np.minimum(arm_states + 1, TOP_STATE)] = up_probability
    distribution[rows, np.maximum(arm_states - 1, 0)] = 1.0 - up_probability
    return distribution


class CoupledRestlessBandit(RestlessBanditBase):
    """What the four coRMAB envs share: the birth-death arms, start states, budget, penalty.

    A subclass calls :meth:`_setup_instance` first (it validates the common arguments and returns
    the instance generator), draws its own structure from that generator, then calls
    :meth:`_finish_coupled_init` with its action shape and polytope. It implements
    :meth:`up_probabilities`, :meth:`arms_acted_on`, :meth:`one_step_objective`,
    :meth:`sample_feasible_action` and :meth:`constraint_violation`.
    """

    budget: int
    instance_seed: int

    def _setup_instance(
        self, num_arms: int, budget: int | None, horizon: int, instance_seed: int, min_arms: int = 2
    ) -> np.random.Generator:
        """Validate the arguments every coRMAB env takes; return the instance's generator."""
        owner = type(self).__name__
        self.num_arms = num_arms = check_integer(owner, "num_arms", num_arms, min_arms)
        if budget is None:
            budget = default_budget(num_arms)
        self.budget = check_integer(owner, "budget", budget, 1, num_arms)
        self.horizon = check_integer(owner, "horizon", horizon, 1)
        self.instance_seed = check_integer(owner, "instance_seed", instance_seed, 0)
        return np.random.default_rng(self.instance_seed)

    def _finish_coupled_init(
        self,
        action_shape: tuple[int, ...],
        action_polytope: ActionPolytope,
        invalid_action: InvalidActionMode,
        invalid_action_penalty: float | None,
        render_mode: str | None,
    ) -> None:
        """Set the action space and polytope, default the penalty, hand over to the base class."""
        # A vector space is given by its length so it reads MultiBinary(10), as the classic envs'.
        space_shape = action_shape[0] if len(action_shape) == 1 else action_shape
        # The base class turns this into a FeasibleMultiBinary that samples feasible actions.
        self.action_space = spaces.MultiBinary(space_shape)
        self.action_polytope = action_polytope
        # Default penalty: the largest step reward there is, so an infeasible action never pays.
        if invalid_action_penalty is None:
            invalid_action_penalty = float(self.state_rewards.max(axis=1).sum())
        self._finish_init(invalid_action, invalid_action_penalty, render_mode)

    # -- what a subclass defines ------------------------------------------------------------

    def up_probabilities(self, action: np.ndarray) -> np.ndarray:
        """P(move up) of every arm under a feasible ``action``; shape (num_arms,)."""
        raise NotImplementedError

    def arms_acted_on(self, action: np.ndarray) -> np.ndarray:
        """Which arms ``action`` pulls or reaches by an intervention; (num_arms,) bool."""
        raise NotImplementedError

    # -- shared mechanics ------------------------------------------------------------------

    def next_state_distribution(self, arm_states: np.ndarray, action: np.ndarray) -> np.ndarray:
        """Birth-death step of every arm with the up-probabilities ``action`` induces."""
        return birth_death_distribution(
            np.asarray(arm_states, dtype=np.int64), self.up_probabilities(action)
        )

    def down_and_up_rewards(self, arm_states: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Reward of each arm's state after a move down and after a move up; two (num_arms,)."""
        states = np.asarray(arm_states, dtype=np.int64)
        rows = np.arange(self.num_arms)
        down = self.state_rewards[rows, np.maximum(states - 1, 0)]
        up = self.state_rewards[rows, np.minimum(states + 1, TOP_STATE)]
        return down, up

    def _initial_states(self) -> np.ndarray:
        return (self.np_random.random(self.num_arms) < START_IN_STATE_ONE_PROBABILITY).astype(
            np.int64
        )

    def _pulled_arms(self) -> np.ndarray:
        # The base class shows the first num_arms action entries; here the action's structure
        # (interventions, assignments) decides which arms were reached.
        return self.arms_acted_on(np.asarray(self._last_action))

    def instance_summary(self) -> dict[str, Any]:
        """The instance's parameters, as plain Python values (for logs and inspection)."""
        return {
            "num_arms": self.num_arms,
            "budget": self.budget,
            "horizon": self.horizon,
            "instance_seed": self.instance_seed,
            "state_rewards": self.state_rewards.tolist(),
        }


class PulledArmBandit(CoupledRestlessBandit):
    """A coRMAB problem whose action decides a set of pulled arms (Path, Scheduling, Capacity).

    A pulled arm moves up with its active up-probability, any other arm with its passive one, so
    the one-step expected reward is linear in the pull vector: :meth:`pull_gains` gives the
    coefficients, and a subclass's :meth:`pull_objective` places them on whichever polytope
    variables carry the pulls (the Whittle agent places its indices there the same way).
    """

    up_probability_passive: np.ndarray  # (num_arms,)
    up_probability_active: np.ndarray  # (num_arms,)

    def _set_arm_model(self, arm_model: CoupledArmModel) -> None:
        self.up_probability_passive = arm_model.up_probability_passive
        self.up_probability_active = arm_model.up_probability_active
        self.state_rewards = arm_model.state_rewards

    def pulled_arms(self, action: np.ndarray) -> np.ndarray:
        """Which arms a feasible ``action`` pulls; (num_arms,) bool."""
        raise NotImplementedError

    def arms_acted_on(self, action: np.ndarray) -> np.ndarray:
        """The pulled arms."""
        return self.pulled_arms(action)

    def up_probabilities(self, action: np.ndarray) -> np.ndarray:
        """Active up-probability on pulled arms, passive elsewhere."""
        return np.where(
            self.pulled_arms(action), self.up_probability_active, self.up_probability_passive
        )

    def pull_objective(self, arm_values: np.ndarray) -> np.ndarray:
        """Coefficients over the polytope's variables worth ``arm_values[j]`` per pull of arm j."""
        raise NotImplementedError

    def pull_gains(self, arm_states: np.ndarray) -> tuple[np.ndarray, float]:
        """Expected-reward gain of pulling each arm (num_arms,), and the all-passive reward."""
        down, up = self.down_and_up_rewards(arm_states)
        spread = up - down  # negative where moving up pays less: the non-monotone trap
        passive_reward = float(np.sum(down + self.up_probability_passive * spread))
        gains = (self.up_probability_active - self.up_probability_passive) * spread
        return gains, passive_reward

    def one_step_objective(self, arm_states: np.ndarray) -> tuple[np.ndarray, float]:
        """Each arm's pull gain on the variables that pull it."""
        gains, passive_reward = self.pull_gains(arm_states)
        return self.pull_objective(gains), passive_reward

    def arm_model(self) -> dict[str, Any]:
        """Each arm alone as a two-action MDP, the planning model an index policy needs.

        Arms interact only through which pulls are feasible, so each is its own birth-death
        chain: ``transitions`` (num_arms, 4, 2, 4) with the passive and active up-probability,
        ``state_rewards``, ``budget`` and the planning ``discount``.
        """
        states = np.tile(np.arange(NUM_STATES), self.num_arms)  # every (arm, state) pair
        transitions = np.stack(
            [
                birth_death_distribution(states, np.repeat(up, NUM_STATES)).reshape(
                    self.num_arms, NUM_STATES, NUM_STATES
                )
                for up in (self.up_probability_passive, self.up_probability_active)
            ],
            axis=2,
        )
        return {
            "transitions": transitions,
            "state_rewards": self.state_rewards.copy(),
            "budget": self.budget,
            "discount": self.planning_discount,
        }

    def instance_summary(self) -> dict[str, Any]:
        """The shared parameters plus both up-probability vectors."""
        return {
            **super().instance_summary(),
            "up_probability_passive": self.up_probability_passive.tolist(),
            "up_probability_active": self.up_probability_active.tolist(),
        }


AssignmentActionMode = Literal["assignment", "pulls"]
ASSIGNMENT_ACTION_MODES: tuple[AssignmentActionMode, ...] = ("assignment", "pulls")


def pull_vector_polytope(
    assignment_polytope: ActionPolytope, pulls_of_variables: sparse.sparray
) -> ActionPolytope:
    """The same feasible set with the pull vector as the action.

    Variables: the ``num_arms`` pulls first, then every variable of ``assignment_polytope``,
    tied by ``pulls = pulls_of_variables @ assignment_variables`` (``pulls_of_variables`` is
    (num_arms, assignment_polytope.num_variables)). Every constraint of the assignment keeps its
    rows, shifted past the pull columns.
    """
    num_arms = pulls_of_variables.shape[0]
    num_assignment_variables = assignment_polytope.num_variables

    def shifted(constraint: LinearConstraint) -> LinearConstraint:
        matrix = sparse.csr_array(constraint.A)
        pull_columns = sparse.csr_array((matrix.shape[0], num_arms))
        return LinearConstraint(
            sparse.hstack([pull_columns, matrix]).tocsr(), constraint.lb, constraint.ub
        )

    link = sparse.hstack(
        [-sparse.eye_array(num_arms), sparse.csr_array(pulls_of_variables)]
    ).tocsr()  # (num_arms, num_arms + num_assignment_variables)
    bounds = assignment_polytope.bounds
    return ActionPolytope(
        action_shape=(num_arms,),
        num_variables=num_arms + num_assignment_variables,
        constraints=(
            *(shifted(constraint) for constraint in assignment_polytope.constraints),
            LinearConstraint(link, 0, 0),
        ),
        integrality=np.concatenate([np.ones(num_arms), assignment_polytope.integrality]),
        bounds=Bounds(
            np.concatenate(
                [np.zeros(num_arms), np.broadcast_to(bounds.lb, (num_assignment_variables,))]
            ),
            np.concatenate(
                [np.ones(num_arms), np.broadcast_to(bounds.ub, (num_assignment_variables,))]
            ),
        ),
    )


class AssignedPullBandit(PulledArmBandit):
    """A problem whose pulls need an assignment of workers to arms (Scheduling, Capacity).

    Two action modes (``action_mode``):

    - ``"assignment"``: the action is the assignment tensor itself; its feasibility is checked
      rule by rule (the v0 ids' action);
    - ``"pulls"``: the action is the pull vector ``MultiBinary(num_arms)``, SEQUOIA's action
      (its envs take a J-vector and its MILP carries the assignment as inner variables). The
      env solves for an assignment that serves exactly the pulled arms with HiGHS
      (:meth:`solve_assignment`), plays it and reports it as ``info["assignment"]``; a pull
      vector that no assignment serves is infeasible.

    Both modes have the same feasible pull sets, dynamics and rewards. A subclass builds its
    assignment polytope and says how its variables make pulls, then calls
    :meth:`_finish_assigned_init`; it implements :meth:`assignment_pulls`,
    :meth:`assignment_violation`, :meth:`sample_feasible_assignment` and
    :meth:`unservable_pulls_reason`, and may add cheap checks in :meth:`pull_violation`.
    """

    action_mode: AssignmentActionMode
    assignment_polytope: ActionPolytope  # the assignment tensor first, then its auxiliaries
    pull_polytope: ActionPolytope  # the pull vector first, then the assignment polytope's
    pulls_of_variables: sparse.csr_array  # (num_arms, assignment_polytope.num_variables)

    def _finish_assigned_init(
        self,
        action_mode: AssignmentActionMode,
        assignment_polytope: ActionPolytope,
        pulls_of_variables: sparse.sparray,
        invalid_action: InvalidActionMode,
        invalid_action_penalty: float | None,
        render_mode: str | None,
    ) -> None:
        """Pick the action mode's space and polytope, then finish as every coRMAB env does."""
        if action_mode not in ASSIGNMENT_ACTION_MODES:
            raise ValueError(
                f"{type(self).__name__}: action_mode must be one of {ASSIGNMENT_ACTION_MODES}, "
                f"got {action_mode!r}"
            )
        self.action_mode = action_mode
        self.assignment_polytope = assignment_polytope
        self.pulls_of_variables = sparse.csr_array(pulls_of_variables)
        self.pull_polytope = pull_vector_polytope(assignment_polytope, self.pulls_of_variables)
        # One solved assignment is kept: step checks feasibility, then reports the same one.
        self._last_solved: tuple[bytes, np.ndarray | None] | None = None
        polytope = assignment_polytope if action_mode == "assignment" else self.pull_polytope
        self._finish_coupled_init(
            polytope.action_shape, polytope, invalid_action, invalid_action_penalty, render_mode
        )

    # -- what a subclass defines ------------------------------------------------------------

    def assignment_pulls(self, assignment: np.ndarray) -> np.ndarray:
        """Which arms an assignment tensor pulls; (num_arms,) bool."""
        raise NotImplementedError

    def assignment_violation(self, assignment: np.ndarray) -> str | None:
        """Why an assignment tensor is infeasible, or None."""
        raise NotImplementedError

    def sample_feasible_assignment(self, rng: np.random.Generator) -> np.ndarray:
        """A random feasible assignment tensor (the anchor's random baseline)."""
        raise NotImplementedError

    def unservable_pulls_reason(self, pulls: np.ndarray) -> str:
        """Why no assignment serves the pulled arms ``pulls`` ((num_arms,) bool)."""
        raise NotImplementedError

    def pull_violation(self, pulls: np.ndarray) -> str | None:
        """A reason found without the MILP (a budget, an arm no worker can take), or None."""
        return None

    # -- both action modes -----------------------------------------------------------------

    def solve_assignment(self, pulls: np.ndarray) -> np.ndarray | None:
        """An assignment tensor that pulls exactly ``pulls``, or None when none exists.

        HiGHS solves the feasibility MILP with the pulls fixed; the answer is deterministic, so
        the same pull vector always gets the same assignment.
        """
        pulled = np.asarray(pulls).astype(bool).ravel()
        key = pulled.tobytes()
        if self._last_solved is None or self._last_solved[0] != key:
            point = self.pull_polytope.complete(pulled.astype(np.int8))
            assignment_shape = self.assignment_polytope.action_shape
            assignment = (
                None
                if point is None
                else point[self.num_arms : self.num_arms + self.assignment_polytope.action_size]
                .astype(np.int8)
                .reshape(assignment_shape)
            )
            self._last_solved = (key, assignment)
        solved = self._last_solved[1]
        return None if solved is None else solved.copy()

    def pulled_arms(self, action: np.ndarray) -> np.ndarray:
        """The pull vector itself, or the arms the assignment tensor pulls."""
        if self.action_mode == "pulls":
            return np.asarray(action).astype(bool)
        return self.assignment_pulls(action)

    def pull_objective(self, arm_values: np.ndarray) -> np.ndarray:
        """``arm_values`` on the pull variables, or on each assignment variable making a pull."""
        if self.action_mode == "pulls":
            objective = np.zeros(self.action_polytope.num_variables)
            objective[: self.num_arms] = arm_values
            return objective
        return self.pulls_of_variables.T @ arm_values

    def sample_feasible_action(self, rng: np.random.Generator) -> np.ndarray:
        """A random feasible assignment, or the pull vector of one."""
        assignment = self.sample_feasible_assignment(rng)
        if self.action_mode == "pulls":
            return self.assignment_pulls(assignment).astype(np.int8)
        return assignment

    def constraint_violation(self, action: np.ndarray) -> str | None:
        """The assignment's broken rule, or why no assignment serves the pulls."""
        if self.action_mode == "assignment":
            return self.assignment_violation(action)
        pulls = np.asarray(action) > 0
        reason = self.pull_violation(pulls)
        if reason is None and self.solve_assignment(pulls) is None:
            reason = self.unservable_pulls_reason(pulls)
        return reason

    def extra_step_info(self, action: np.ndarray) -> dict[str, Any]:
        """In ``"pulls"`` mode, the assignment the env solved and played."""
        if self.action_mode == "assignment":
            return {}
        assignment = self.solve_assignment(np.asarray(action) > 0)
        # A played action is feasible, so an assignment exists; the guard keeps info typed.
        if assignment is None:
            assignment = np.zeros(self.assignment_polytope.action_shape, dtype=np.int8)
        return {"assignment": assignment}


def coupled_return_bounds(
    env_class: type[CoupledRestlessBandit], env_kwargs: dict[str, Any]
) -> tuple[float, float]:
    """Episode-return bounds of ``env_class(**env_kwargs)``, valid for every ``instance_seed``.

    The first ``budget`` arms are high-value: their state reward is one of
    :data:`HIGH_VALUE_LOW_STATE_REWARDS` or the drawn top from :data:`HIGH_VALUE_TOP_REWARDS`
    (0.1 to 6); every other arm's is one of :data:`OTHER_LOW_STATE_REWARDS` or a top from
    :data:`OTHER_TOP_REWARDS` (0.1 to 3). Taking every value a draw can give, rather than the
    default instance's draw, keeps the bounds true for any instance of the MDP family. Defaults
    (20 arms, budget 5, horizon 20): a step pays 20 x 0.1 = 2 to 5 x 6 + 15 x 3 = 75, so
    returns lie in [40, 1500]; see
    :func:`~rlbench_suite.envs.bandits.common.restless_return_bounds` for the arithmetic.
    """
    import inspect

    from rlbench_suite.envs.bandits.common import restless_return_bounds

    # Binding to the class's own signature reads its defaults, so none is typed here twice.
    arguments = inspect.signature(env_class).bind(**env_kwargs)
    arguments.apply_defaults()
    values = arguments.arguments
    num_arms, budget = values["num_arms"], values["budget"]
    num_high_value = default_budget(num_arms) if budget is None else budget
    arm_rewards = np.array(
        [HIGH_VALUE_LOW_STATE_REWARDS + HIGH_VALUE_TOP_REWARDS] * num_high_value
        + [OTHER_LOW_STATE_REWARDS + OTHER_TOP_REWARDS] * (num_arms - num_high_value),
        dtype=np.float64,
    )  # (num_arms, 6): every reward each arm's state can pay
    return restless_return_bounds(
        arm_rewards, values["horizon"], values["invalid_action"], values["invalid_action_penalty"]
    )
