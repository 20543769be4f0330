"""Reference agents of the restless-bandit family: myopic MILP, best-of-K sampling, Whittle index.

They read the env's model through the public methods of
:class:`rlbench_suite.envs.bandits.common.RestlessBanditBase` (``one_step_objective``,
``action_polytope``, ``sample_feasible_action``, ``expected_reward``) and, for the Whittle policy,
``arm_model()`` of the budgeted classic envs.
"""

from __future__ import annotations

import gymnasium as gym
import numpy as np

from rlbench_suite.agents.whittle import two_state_whittle_indices, whittle_indices


def _bandit_model(env: gym.Env, needs: str) -> gym.Env:
    model = env.unwrapped
    if not hasattr(model, needs):
        raise TypeError(f"{type(model).__name__} has no {needs}(): not a restless-bandit env")
    return model


class MyopicAgent:
    """Maximise the expected reward of the next step exactly, by a MILP (scipy's HiGHS).

    Myopic planning ignores what an action does to later steps, which is what the coRMAB
    problems' non-monotone state rewards are built to punish.
    """

    def __init__(self, env: gym.Env) -> None:
        self.model = _bandit_model(env, "one_step_objective")

    def reset(self, seed: int | None = None) -> None:
        """Deterministic policy: nothing to reseed."""

    def act(self, observation: np.ndarray) -> np.ndarray:
        """The feasible action of highest one-step expected reward."""
        objective, _ = self.model.one_step_objective(np.asarray(observation))
        return self.model.action_polytope.maximise(objective)


class SamplingAgent:
    """Best of ``num_samples`` random feasible actions by one-step expected reward."""

    def __init__(self, env: gym.Env, num_samples: int = 100) -> None:
        if num_samples < 1:
            raise ValueError(f"num_samples must be >= 1, got {num_samples}")
        self.model = _bandit_model(env, "sample_feasible_action")
        self.num_samples = num_samples
        self.reset(None)

    def reset(self, seed: int | None = None) -> None:
        """Reseed the candidate sampler."""
        self.rng = np.random.default_rng(seed)

    def act(self, observation: np.ndarray) -> np.ndarray:
        """The candidate with the highest expected reward (first one on ties)."""
        states = np.asarray(observation)
        candidates = [self.model.sample_feasible_action(self.rng) for _ in range(self.num_samples)]
        values = [self.model.expected_reward(states, action) for action in candidates]
        return candidates[int(np.argmax(values))]


class WhittleIndexAgent:
    """Act on the ``budget`` arms of highest Whittle index, skipping arms whose index is <= 0.

    On the coupled problems whose action decides a set of pulls (CoRMAB-Path, -Scheduling,
    -Capacity) the arms are independent chains and only the feasible pull sets are coupled: the
    agent then pulls the feasible set of largest total index, by the env's MILP
    (``action_polytope`` with ``pull_objective``), the index policy's natural extension to a
    combinatorial action.

    Indices are computed once per env from its transition and reward tables: in closed form for
    two-state arms, by bisection with exact policy evaluation otherwise. ``discount`` defaults to
    the env's planning discount (``arm_model()["discount"]``): 0.9 in UCWhittle's setting
    (``RMAB-UCWhittle-v0``, the anchor's value), 0.95 for the v0 ids (our choice, which their
    reference scores use). An arm with a non-positive index is better left passive even with no
    subsidy, so the policy spends less than the budget rather than harm it (the circulant env's
    state 3 is such a case).
    """

    def __init__(self, env: gym.Env, discount: float | None = None) -> None:
        self.model = _bandit_model(env, "arm_model")
        # Coupled problems place per-arm values on their action polytope; classic ones do not.
        self._pull_objective = getattr(self.model, "pull_objective", None)
        model = self.model.arm_model()
        self.budget = int(model["budget"])
        self.discount = float(model["discount"] if discount is None else discount)
        transitions, state_rewards = model["transitions"], model["state_rewards"]
        # Two-state arms have a closed form; larger arms need bisection on the subsidy.
        index_function = two_state_whittle_indices if transitions.shape[1] == 2 else whittle_indices
        self.indices = index_function(transitions, state_rewards, self.discount)
        self.num_arms = self.indices.shape[0]  # indices: (num_arms, num_states)
        self.reset(None)

    def reset(self, seed: int | None = None) -> None:
        """Reseed the tie-breaker."""
        self.rng = np.random.default_rng(seed)

    def act(self, observation: np.ndarray) -> np.ndarray:
        """Top-``budget`` arms by index at their current states (ties at random), or the MILP's."""
        current = self.indices[np.arange(self.num_arms), np.asarray(observation, dtype=np.int64)]
        if self._pull_objective is not None:
            # A negative index makes a pull cost objective, so harmful arms are never pulled.
            return self.model.action_polytope.maximise(self._pull_objective(current))
        # lexsort's last key is primary: index descending, then a random key to break ties.
        order = np.lexsort((self.rng.random(self.num_arms), -current))
        chosen = order[: self.budget]
        action = np.zeros(self.num_arms, dtype=np.int8)
        action[chosen[current[chosen] > 0]] = 1
        return action
