"""The classic restless bandit: decoupled arms, a budget on how many are acted on per step.

:class:`BudgetedRestlessBandit` takes any per-arm transition and reward tables; the registered
envs (two-state, ARMMAN, circulant) only differ in how they make those tables.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from gymnasium import spaces
from scipy.optimize import Bounds, LinearConstraint

from rlbench_suite.envs.bandits.common import (
    ActionPolytope,
    InvalidActionMode,
    RestlessBanditBase,
)


def check_transition_tables(owner: str, transitions: np.ndarray) -> np.ndarray:
    """Validate a (num_arms, num_states, 2, num_states) table of transition probabilities."""
    transitions = np.asarray(transitions, dtype=np.float64)
    if (
        transitions.ndim != 4
        or transitions.shape[2] != 2
        or (transitions.shape[1] != transitions.shape[3])
    ):
        raise ValueError(
            f"{owner}: transitions must have shape (num_arms, num_states, 2, num_states), "
            f"got {transitions.shape}"
        )
    if np.any(transitions < 0) or not np.allclose(transitions.sum(axis=-1), 1.0, atol=1e-6):
        raise ValueError(
            f"{owner}: every transitions[arm, state, action] row must be a probability "
            "distribution (non-negative, summing to 1)"
        )
    return transitions


class BudgetedRestlessBandit(RestlessBanditBase):
    """Restless bandit with independent arms and at most ``budget`` arms acted on per step.

    Subclass docstrings carry the Gymnasium sections; this base is also usable directly with
    hand-made tables.
    """

    def __init__(
        self,
        transitions: np.ndarray,
        state_rewards: np.ndarray,
        budget: int,
        horizon: int = 100,
        initial_state_probs: np.ndarray | None = None,
        invalid_action: InvalidActionMode = "raise",
        invalid_action_penalty: float | None = None,
        render_mode: str | None = None,
    ) -> None:
        name = type(self).__name__
        self.transitions = check_transition_tables(name, transitions)  # (N, S, 2, S)
        num_arms, num_states = self.transitions.shape[:2]
        rewards = np.asarray(state_rewards, dtype=np.float64)
        if rewards.shape == (num_states,):
            rewards = np.broadcast_to(rewards, (num_arms, num_states)).copy()
        if rewards.shape != (num_arms, num_states):
            raise ValueError(
                f"{name}: state_rewards must have shape ({num_states},) or "
                f"({num_arms}, {num_states}), got {rewards.shape}"
            )
        if not 1 <= int(budget) <= num_arms:
            raise ValueError(f"{name}: budget must be in [1, num_arms={num_arms}], got {budget}")
        if initial_state_probs is None:
            initial_state_probs = np.full(num_states, 1.0 / num_states)
        initial_state_probs = np.asarray(initial_state_probs, dtype=np.float64)
        if initial_state_probs.shape != (num_states,) or not np.isclose(
            initial_state_probs.sum(), 1.0
        ):
            raise ValueError(
                f"{name}: initial_state_probs must be a distribution of shape ({num_states},), "
                f"got {initial_state_probs!r}"
            )
        self.state_rewards = rewards  # (N, S)
        self.budget = int(budget)
        self.horizon = int(horizon)
        self.initial_state_probs = initial_state_probs  # (S,)
        self.action_space = spaces.MultiBinary(num_arms)
        self.action_polytope = ActionPolytope(
            action_shape=(num_arms,),
            num_variables=num_arms,
            constraints=(LinearConstraint(np.ones((1, num_arms)), 0, self.budget),),
            integrality=np.ones(num_arms),
            bounds=Bounds(0, 1),
        )
        # Default penalty: the largest step reward there is, so an infeasible action never pays.
        if invalid_action_penalty is None:
            invalid_action_penalty = float(np.abs(rewards).max(axis=1).sum())
        self._finish_init(invalid_action, invalid_action_penalty, render_mode)

    def next_state_distribution(self, arm_states: np.ndarray, action: np.ndarray) -> np.ndarray:
        """Row ``transitions[arm, state, action]`` of every arm; shape (num_arms, num_states)."""
        return self.transitions[np.arange(self.num_arms), arm_states, action.astype(np.int64)]

    def expected_state_rewards(self, arm_states: np.ndarray) -> np.ndarray:
        """Expected next-state reward of each arm when passive (col 0) and active (col 1)."""
        rows = self.transitions[np.arange(self.num_arms), arm_states]  # (N, 2, S)
        return np.einsum("nas,ns->na", rows, self.state_rewards)

    def one_step_objective(self, arm_states: np.ndarray) -> tuple[np.ndarray, float]:
        """Gain of acting on each arm, plus the all-passive expected reward."""
        expected = self.expected_state_rewards(arm_states)
        return expected[:, 1] - expected[:, 0], float(expected[:, 0].sum())

    def sample_feasible_action(self, rng: np.random.Generator) -> np.ndarray:
        """Act on ``budget`` arms drawn uniformly without replacement."""
        action = np.zeros(self.num_arms, dtype=np.int8)
        action[rng.choice(self.num_arms, size=self.budget, replace=False)] = 1
        return action

    def constraint_violation(self, action: np.ndarray) -> str | None:
        """Too many arms acted on."""
        pulled = int(action.sum())
        if pulled > self.budget:
            return f"{pulled} arms acted on, the budget is {self.budget}"
        return None

    def project_action(self, action: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        """Keep ``budget`` of the chosen arms, drawn uniformly (the MILP's answer, found faster)."""
        chosen = np.flatnonzero(action)
        projected = np.zeros_like(action)
        projected[rng.choice(chosen, size=self.budget, replace=False)] = 1
        return projected

    def _initial_states(self) -> np.ndarray:
        return self.np_random.choice(
            self.num_states, size=self.num_arms, p=self.initial_state_probs
        )

    def arm_model(self) -> dict[str, Any]:
        """The planning model an index policy needs: transitions, rewards, budget, discount."""
        return {
            "transitions": self.transitions.copy(),
            "state_rewards": self.state_rewards.copy(),
            "budget": self.budget,
            "discount": self.planning_discount,
        }


def budgeted_return_bounds(
    env_class: type[BudgetedRestlessBandit], env_kwargs: dict[str, Any], state_rewards: np.ndarray
) -> tuple[float, float]:
    """Episode-return bounds of ``env_class(**env_kwargs)``, whose arms all pay ``state_rewards``.

    ``state_rewards`` (num_states,) is the reward table the env class hands to
    :class:`BudgetedRestlessBandit`; see
    :func:`~rlbench_suite.envs.bandits.common.restless_return_bounds` for the arithmetic.
    """
    import inspect

    from rlbench_suite.envs.bandits.common import restless_return_bounds

    # Binding to the class's own signature reads its defaults, so none is typed here twice.
    arguments = inspect.signature(env_class).bind(**env_kwargs)
    arguments.apply_defaults()
    values = arguments.arguments
    rewards = np.asarray(state_rewards, dtype=np.float64)
    return restless_return_bounds(
        np.broadcast_to(rewards, (values["num_arms"], rewards.size)),
        values["horizon"],
        values["invalid_action"],
        values["invalid_action_penalty"],
    )
