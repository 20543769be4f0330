"""RMAB-Circulant: four-state arms on a cycle, where acting turns the cycle around.

## Description

Each arm sits on a cycle of four states. Left alone (passive) an arm either stays or steps one
state back round the cycle, each with probability 1/2; acted on, it either stays or steps one
state forward. State rewards are ``[-1, 0, 0, 1]``, so the best plan pushes arms from state 2
into state 3 and leaves arms in state 3 alone, while acting on an arm in state 3 throws it to
state 0. This is the standard Whittle-index test case with known indices (Avrachenkov and Borkar;
Fu et al.), used as a cheap sanity env in the RobustRMAB benchmark.

## Action Space

``MultiBinary(num_arms)`` with at most ``budget`` ones; ``invalid_action`` as in RMAB-TwoState.

## Observation Space

``MultiDiscrete([4] * num_arms)``: the cycle position of each arm (0 to 3).

## Rewards

Sum over arms of ``[-1, 0, 0, 1][next state]``, from ``-num_arms`` to ``num_arms``.

## Starting State

Uniform over the four states, independently per arm.

## Episode End

No termination; truncation after ``horizon`` steps (default 100).

## Arguments

```python
gym.make("rlbench/RMAB-Circulant-v0", num_arms=20, budget=5, horizon=100, instance_seed=0,
         perturbation=0.0, invalid_action="raise", invalid_action_penalty=None,
         render_mode=None)
```

- ``perturbation``: each arm's rows become ``(1 - e) * T + e * D`` with ``e ~ U(0, perturbation)``
  and ``D`` a Dirichlet(1) row, drawn from ``instance_seed`` (the MDP family).

## Reference Scores

Random feasible and the Whittle index policy (the expert); see the EnvCard.

## Version History

- v0: first release.

## Credits

K. Avrachenkov, V. S. Borkar, "Whittle index based Q-learning for restless bandits with average
reward", Automatica 2022; J. Fu, Y. Nazarathy, S. Moka, P. G. Taylor, "Towards Q-learning the
Whittle Index for Restless Bandits", ANZCC 2019; Killian et al., UAI 2022 (RobustRMAB).

Example:
    >>> import gymnasium as gym, rlbench_suite
    >>> env = gym.make("rlbench/RMAB-Circulant-v0", render_mode="ansi")
    >>> _ = env.reset(seed=3)
    >>> "t=0/100" in env.render()
    True

"""

from __future__ import annotations

import numpy as np

from rlbench_suite.envs.bandits.classic import BudgetedRestlessBandit
from rlbench_suite.envs.bandits.common import InvalidActionMode

CIRCULANT_STATE_REWARDS = np.array([-1.0, 0.0, 0.0, 1.0])
NUM_CYCLE_STATES = 4


def circulant_transitions() -> np.ndarray:
    """The (4, 2, 4) table: passive stays or steps back, active stays or steps forward."""
    table = np.zeros((NUM_CYCLE_STATES, 2, NUM_CYCLE_STATES))
    for state in range(NUM_CYCLE_STATES):
        table[state, 0, state] += 0.5
        table[state, 0, (state - 1) % NUM_CYCLE_STATES] += 0.5
        table[state, 1, state] += 0.5
        table[state, 1, (state + 1) % NUM_CYCLE_STATES] += 0.5
    return table


class CirculantRMABEnv(BudgetedRestlessBandit):
    """The circulant-dynamics restless bandit (see the module docstring)."""

    def __init__(
        self,
        num_arms: int = 20,
        budget: int = 5,
        horizon: int = 100,
        instance_seed: int = 0,
        perturbation: float = 0.0,
        invalid_action: InvalidActionMode = "raise",
        invalid_action_penalty: float | None = None,
        render_mode: str | None = None,
    ) -> None:
        if num_arms < 1:
            raise ValueError(f"CirculantRMABEnv: num_arms must be >= 1, got {num_arms}")
        if not 0.0 <= perturbation <= 1.0:
            raise ValueError(
                f"CirculantRMABEnv: perturbation must be in [0, 1], got {perturbation}"
            )
        transitions = np.broadcast_to(
            circulant_transitions(), (num_arms, NUM_CYCLE_STATES, 2, NUM_CYCLE_STATES)
        ).copy()
        if perturbation > 0:
            instance_rng = np.random.default_rng(instance_seed)
            weight = instance_rng.uniform(0, perturbation, size=(num_arms, 1, 1, 1))
            noise = instance_rng.dirichlet(np.ones(NUM_CYCLE_STATES), size=transitions.shape[:3])
            transitions = (1 - weight) * transitions + weight * noise
        super().__init__(
            transitions=transitions,
            state_rewards=CIRCULANT_STATE_REWARDS,
            budget=budget,
            horizon=horizon,
            invalid_action=invalid_action,
            invalid_action_penalty=invalid_action_penalty,
            render_mode=render_mode,
        )


def circulant_family(rng: np.random.Generator, split: str) -> dict[str, object]:
    """MDP family: rows mixed with noise, weight up to 0.1 in distribution, 0.3 held out."""
    bound = 0.1 if split == "in_distribution" else 0.3
    return {"instance_seed": int(rng.integers(1, 2**31)), "perturbation": bound}


def return_bounds(**env_kwargs: object) -> tuple[float, float]:
    """Smallest and largest episode return of ``CirculantRMABEnv(**env_kwargs)``.

    Each step pays every arm ``[-1, 0, 0, 1][state]`` (:data:`CIRCULANT_STATE_REWARDS`), so
    ``-num_arms`` to ``num_arms``, for exactly ``horizon`` steps. Defaults: [-20 x 100, 20 x 100].
    """
    from rlbench_suite.envs.bandits.classic import budgeted_return_bounds

    return budgeted_return_bounds(CirculantRMABEnv, env_kwargs, CIRCULANT_STATE_REWARDS)
