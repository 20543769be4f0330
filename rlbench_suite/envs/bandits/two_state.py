"""RMAB-TwoState: N two-state arms, a budget of B interventions a step.

## Description

Each of ``num_arms`` arms is in a bad (0) or good (1) state and moves between them by its own
Markov chain. Every step the agent acts on at most ``budget`` arms; acting raises an arm's chance
of being good next step. This is the synthetic setting of UCWhittle (Wang, Xu, Taneja, Tambe,
AAAI 2023): per-arm transition probabilities are drawn so that acting helps and being in the good
state helps, and the task is to learn or plan whom to act on.

Two arm generators are offered (``arm_generator``); the draw uses ``instance_seed``, so one id
is one fixed instance, and episodes differ by the seed given to ``reset``.

- ``"sorted_uniform"`` (the default of this id): for arm ``j``, four probabilities of being good
  next step are drawn from ``Beta(*transition_prior)`` and sorted, ``u1 <= u2 <= u3 <= u4``:
  ``P(good | bad, passive) = u1``, ``P(good | good, active) = u4``, and
  ``P(good | bad, active)``, ``P(good | good, passive)`` take ``u2`` and ``u3`` in random order.
  Means of P(good next) at (bad, passive), (bad, active), (good, passive), (good, active):
  0.20, 0.50, 0.50, 0.80 under the uniform prior.
- ``"ucwhittle"``: UCWhittle's own generator (``random_valid_transition`` in lily-x/online-rmab,
  see :func:`sample_ucwhittle_transitions`): four independent draws, then acting and the good
  state are each made to help by redrawing the offending probability above its partner. Means:
  0.50, 0.75, 0.75, 0.90. Its arms are healthier and acting matters less than under the sorted
  draw. ``rlbench/RMAB-UCWhittle-v0`` is this generator with UCWhittle's defaults.

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
         transition_prior=(1.0, 1.0), transitions=None, arm_generator="sorted_uniform",
         invalid_action="raise", invalid_action_penalty=None, render_mode=None)
```

- ``num_arms`` (N), ``budget`` (B, 1 <= B <= N), ``horizon`` (steps per episode).
- ``instance_seed``: which arm parameters; ``transition_prior``: Beta parameters of the draws
  (``(1, 1)`` is uniform; the held-out MDP-family split uses ``(0.5, 0.5)``).
- ``transitions``: an explicit ``(N, 2, 2, 2)`` table ``[arm, state, action, next state]``, which
  replaces the draw.
- ``arm_generator``: ``"sorted_uniform"`` or ``"ucwhittle"`` (see Description).
- ``render_mode``: ``"ansi"`` or ``"rgb_array"``.

## Reference Scores

Random feasible and the Whittle index policy (the expert), 50 episodes from seed 0, on the
default instance: the sorted-uniform arms, N = 10, B = 3, H = 100, with Whittle indices at
discount 0.95 (our choice for this id, kept so that its references stay valid; UCWhittle plans
at 0.9, which ``rlbench/RMAB-UCWhittle-v0`` uses). The numbers live in the EnvCard
(``rlbench info rlbench/RMAB-TwoState-v0``).

## Version History

- v0: first release. The ``arm_generator`` argument came later; its default keeps v0's arms.

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

from typing import Literal

import numpy as np

from rlbench_suite.envs.bandits.classic import BudgetedRestlessBandit
from rlbench_suite.envs.bandits.common import InvalidActionMode

GOOD_STATE_REWARDS = np.array([0.0, 1.0])  # bad, good

ArmGenerator = Literal["sorted_uniform", "ucwhittle"]
ARM_GENERATORS: tuple[ArmGenerator, ...] = ("sorted_uniform", "ucwhittle")


def _beta_draws(
    rng: np.random.Generator, transition_prior: tuple[float, float], size: tuple[int, ...]
) -> np.ndarray:
    """Independent ``Beta(*transition_prior)`` draws; a non-positive parameter is a ValueError."""
    alpha, beta = transition_prior
    if alpha <= 0 or beta <= 0:
        raise ValueError(f"transition_prior must be two positive numbers, got {transition_prior}")
    return rng.beta(alpha, beta, size=size)


def _as_transition_table(p_good: np.ndarray) -> np.ndarray:
    """(num_arms, 2, 2) P(next = good | state, action) -> (num_arms, 2, 2, 2) full table."""
    return np.stack([1.0 - p_good, p_good], axis=-1)


def sample_two_state_transitions(
    rng: np.random.Generator, num_arms: int, transition_prior: tuple[float, float] = (1.0, 1.0)
) -> np.ndarray:
    """Arms where acting helps and the good state helps; shape (num_arms, 2, 2, 2).

    The ``"sorted_uniform"`` generator: four draws per arm, sorted (see the module docstring).
    """
    draws = np.sort(_beta_draws(rng, transition_prior, (num_arms, 4)), axis=1)  # (N, 4)
    swap_middle = rng.random(num_arms) < 0.5
    p_good_bad_active = np.where(swap_middle, draws[:, 2], draws[:, 1])
    p_good_good_passive = np.where(swap_middle, draws[:, 1], draws[:, 2])
    p_good = np.empty((num_arms, 2, 2))  # (arm, state, action) -> P(next = good)
    p_good[:, 0, 0] = draws[:, 0]
    p_good[:, 0, 1] = p_good_bad_active
    p_good[:, 1, 0] = p_good_good_passive
    p_good[:, 1, 1] = draws[:, 3]
    return _as_transition_table(p_good)


def sample_ucwhittle_transitions(
    rng: np.random.Generator, num_arms: int, transition_prior: tuple[float, float] = (1.0, 1.0)
) -> np.ndarray:
    """UCWhittle's own arms (online-rmab's ``random_valid_transition``); (num_arms, 2, 2, 2).

    The ``"ucwhittle"`` generator. Each arm's four probabilities of a good next state,
    ``p[state, action]``, start as independent ``Beta(*transition_prior)`` draws (uniform by
    default, as in the anchor). Two repair passes follow, in the anchor's order:

    1. in each state, where acting is worse than resting, the active probability is redrawn
       uniformly between the passive one and 1: ``p[s, 1] = p[s, 0] + U * (1 - p[s, 0])``;
    2. for each action, where the good state is worse than the bad one, the good-state
       probability is redrawn the same way: ``p[1, a] = p[0, a] + U * (1 - p[0, a])``.

    With the uniform prior the means of ``p`` at (bad, passive), (bad, active), (good, passive),
    (good, active) are 1/2, 3/4, 3/4 and about 0.90. The second pass can undo the first: about
    one arm in eight ends with acting worse than resting in the good state. The anchor's own
    validity check only prints a warning for such arms and keeps them; so do we.
    """
    p_good = _beta_draws(rng, transition_prior, (num_arms, 2, 2))  # (arm, state, action)
    acting_raise = rng.random((num_arms, 2))  # (arm, state): U of pass 1
    good_state_raise = rng.random((num_arms, 2))  # (arm, action): U of pass 2
    passive, active = p_good[:, :, 0], p_good[:, :, 1]  # (arm, state) each
    p_good[:, :, 1] = np.where(active < passive, passive + acting_raise * (1 - passive), active)
    bad, good = p_good[:, 0, :], p_good[:, 1, :]  # (arm, action) each
    p_good[:, 1, :] = np.where(good < bad, bad + good_state_raise * (1 - bad), good)
    return _as_transition_table(p_good)


ARM_SAMPLERS = {
    "sorted_uniform": sample_two_state_transitions,
    "ucwhittle": sample_ucwhittle_transitions,
}


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
        arm_generator: ArmGenerator = "sorted_uniform",
        invalid_action: InvalidActionMode = "raise",
        invalid_action_penalty: float | None = None,
        render_mode: str | None = None,
    ) -> None:
        owner = type(self).__name__
        if num_arms < 1:
            raise ValueError(f"{owner}: num_arms must be >= 1, got {num_arms}")
        if arm_generator not in ARM_SAMPLERS:
            raise ValueError(
                f"{owner}: arm_generator must be one of {ARM_GENERATORS}, got {arm_generator!r}"
            )
        self.arm_generator = arm_generator
        if transitions is None:
            instance_rng = np.random.default_rng(instance_seed)
            try:
                transitions = ARM_SAMPLERS[arm_generator](instance_rng, num_arms, transition_prior)
            except ValueError as error:
                raise ValueError(f"{owner}: {error}") from None
        elif np.shape(transitions) != (num_arms, 2, 2, 2):
            raise ValueError(
                f"{owner}: transitions must have shape ({num_arms}, 2, 2, 2), "
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
