"""RMAB-TwoState: N two-state arms, a budget of B interventions a step.

## Description

Each of ``num_arms`` arms is in a bad (0) or good (1) state and moves between them by its own
Markov chain. Every step the agent acts on at most ``budget`` arms; acting raises an arm's chance
of being good next step. This is the synthetic setting of UCWhittle (Wang, Xu, Taneja, Tambe,
AAAI 2023): per-arm transition probabilities are drawn so that acting helps and being in the good
state helps, and the task is to learn or plan whom to act on.

For arm ``j``, four probabilities of being good next step are drawn from ``Beta(*transition_prior)``
and sorted, ``u1 <= u2 <= u3 <= u4``: ``P(good | bad, passive) = u1``,
``P(good | good, active) = u4``, and ``P(good | bad, active)``, ``P(good | good, passive)`` take
``u2`` and ``u3`` in random order. The draw uses ``instance_seed``, so one id is one fixed
instance; episodes differ by the seed given to ``reset``.

## Action Space

``MultiBinary(num_arms)``: 1 = act on the arm. At most ``budget`` ones; what happens above the
budget is set by ``invalid_action`` (``"raise"``: ``InvalidActionError``; ``"penalty"``: nobody is
acted on and the reward is reduced by ``invalid_action_penalty``; ``"project"``: ``budget`` of the
chosen arms, drawn uniformly, are kept). Wrap with ``rlbench_suite.wrappers.TopKBudget`` to give a
continuous-action learner a ``Box(num_arms)`` of priorities.

## Observation Space

``MultiDiscrete([2] * num_arms)``:

| index | observation | values |
|-------|-------------|--------|
| j     | state of arm j | 0 = bad, 1 = good |

## Rewards

The number of arms in the good state after the step (from 0 to ``num_arms``), minus the penalty
when an infeasible action was penalised.

## Starting State

Each arm is good with probability 1/2, independently.

## Episode End

No termination; truncation after ``horizon`` steps (default 100).

## Arguments

```python
gym.make("rlbench/RMAB-TwoState-v0", num_arms=10, budget=3, horizon=100, instance_seed=0,
         transition_prior=(1.0, 1.0), transitions=None, invalid_action="raise",
         invalid_action_penalty=None, render_mode=None)
```

- ``num_arms`` (N), ``budget`` (B, 1 <= B <= N), ``horizon`` (steps per episode).
- ``instance_seed``: which arm parameters; ``transition_prior``: Beta parameters of the draws
  (``(1, 1)`` is uniform; the held-out MDP-family split uses ``(0.5, 0.5)``).
- ``transitions``: an explicit ``(N, 2, 2, 2)`` table ``[arm, state, action, next state]``, which
  replaces the draw.
- ``render_mode``: ``"ansi"`` or ``"rgb_array"``.

## Reference Scores

Random feasible and the Whittle index policy (the expert, discount 0.95), 50 episodes from seed
0; the numbers live in the EnvCard (``rlbench info rlbench/RMAB-TwoState-v0``).

## Version History

- v0: first release.

## Credits

K. Wang, L. Xu, A. Taneja, M. Tambe, "Optimistic Whittle Index Policy: Online Learning for
Restless Bandits", AAAI 2023 (UCWhittle). P. Whittle, "Restless bandits: activity allocation in
a changing world", J. Appl. Prob. 1988.

Example:
    >>> import gymnasium as gym, rlbench_suite
    >>> env = gym.make("rlbench/RMAB-TwoState-v0", num_arms=5, budget=2)
    >>> obs, info = env.reset(seed=0)
    >>> obs.shape
    (5,)
    >>> obs, reward, terminated, truncated, info = env.step([1, 1, 0, 0, 0])
    >>> 0 <= reward <= 5
    True

"""

from __future__ import annotations

import numpy as np

from rlbench_suite.envs.bandits.classic import BudgetedRestlessBandit
from rlbench_suite.envs.bandits.common import InvalidActionMode

GOOD_STATE_REWARDS = np.array([0.0, 1.0])  # bad, good


def sample_two_state_transitions(
    rng: np.random.Generator, num_arms: int, transition_prior: tuple[float, float] = (1.0, 1.0)
) -> np.ndarray:
    """Arms where acting helps and the good state helps; shape (num_arms, 2, 2, 2)."""
    alpha, beta = transition_prior
    if alpha <= 0 or beta <= 0:
        raise ValueError(f"transition_prior must be two positive numbers, got {transition_prior}")
    draws = np.sort(rng.beta(alpha, beta, size=(num_arms, 4)), axis=1)  # (N, 4)
    swap_middle = rng.random(num_arms) < 0.5
    p_good_bad_active = np.where(swap_middle, draws[:, 2], draws[:, 1])
    p_good_good_passive = np.where(swap_middle, draws[:, 1], draws[:, 2])
    p_good = np.empty((num_arms, 2, 2))  # (arm, state, action) -> P(next = good)
    p_good[:, 0, 0] = draws[:, 0]
    p_good[:, 0, 1] = p_good_bad_active
    p_good[:, 1, 0] = p_good_good_passive
    p_good[:, 1, 1] = draws[:, 3]
    return np.stack([1.0 - p_good, p_good], axis=-1)


class TwoStateRMABEnv(BudgetedRestlessBandit):
    """UCWhittle's synthetic two-state restless bandit (see the module docstring)."""

    def __init__(
        self,
        num_arms: int = 10,
        budget: int = 3,
        horizon: int = 100,
        instance_seed: int = 0,
        transition_prior: tuple[float, float] = (1.0, 1.0),
        transitions: np.ndarray | None = None,
        invalid_action: InvalidActionMode = "raise",
        invalid_action_penalty: float | None = None,
        render_mode: str | None = None,
    ) -> None:
        if num_arms < 1:
            raise ValueError(f"TwoStateRMABEnv: num_arms must be >= 1, got {num_arms}")
        if transitions is None:
            instance_rng = np.random.default_rng(instance_seed)
            try:
                transitions = sample_two_state_transitions(instance_rng, num_arms, transition_prior)
            except ValueError as error:
                raise ValueError(f"TwoStateRMABEnv: {error}") from None
        elif np.shape(transitions) != (num_arms, 2, 2, 2):
            raise ValueError(
                f"TwoStateRMABEnv: transitions must have shape ({num_arms}, 2, 2, 2), "
                f"got {np.shape(transitions)}"
            )
        super().__init__(
            transitions=transitions,
            state_rewards=GOOD_STATE_REWARDS,
            budget=budget,
            horizon=horizon,
            invalid_action=invalid_action,
            invalid_action_penalty=invalid_action_penalty,
            render_mode=render_mode,
        )


def two_state_family(rng: np.random.Generator, split: str) -> dict[str, object]:
    """MDP family: new arm draws; held out, a U-shaped Beta(0.5, 0.5) prior (extreme arms)."""
    prior = (1.0, 1.0) if split == "in_distribution" else (0.5, 0.5)
    return {"instance_seed": int(rng.integers(1, 2**31)), "transition_prior": prior}


def return_bounds(**env_kwargs: object) -> tuple[float, float]:
    """Smallest and largest episode return of ``TwoStateRMABEnv(**env_kwargs)``.

    Each step pays one per arm in the good state, 0 to ``num_arms``, for exactly ``horizon``
    steps; every drawn transition probability is strictly between 0 and 1, so all arms good (or
    all bad) after every step is reachable and both ends are attained. Defaults: [0, 10 x 100].
    """
    from rlbench_suite.envs.bandits.classic import budgeted_return_bounds

    return budgeted_return_bounds(TwoStateRMABEnv, env_kwargs, GOOD_STATE_REWARDS)
