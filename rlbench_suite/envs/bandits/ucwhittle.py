"""RMAB-UCWhittle: UCWhittle's own synthetic setting, two-state arms of its generator.

## Description

The synthetic experiment of UCWhittle (Wang, Xu, Taneja, Tambe, AAAI 2023) as its code
(lily-x/online-rmab) sets it up: ``num_arms`` = 8 two-state arms, a budget of 3 interventions a
step, episodes of 20 steps, and Whittle indices planned at discount 0.9. It is
:class:`~rlbench_suite.envs.bandits.two_state.TwoStateRMABEnv` (RMAB-TwoState) with those
defaults and UCWhittle's arm generator (``random_valid_transition``,
:func:`~rlbench_suite.envs.bandits.two_state.sample_ucwhittle_transitions`): each arm's four
probabilities of a good next state, ``p[state, action]``, are drawn uniformly, then where acting
is worse than resting the active one is redrawn above the passive one, and where the good state
is worse than the bad one the good-state one is redrawn above the bad one. Mean P(good next) at
(bad, passive), (bad, active), (good, passive), (good, active) is 0.50, 0.75, 0.75, 0.90,
against 0.20, 0.50, 0.50, 0.80 for RMAB-TwoState-v0's sorted-uniform draw: arms are healthier
and an intervention is worth less, so the gap between a good and a random policy is narrower.
As in the anchor, about one arm in eight ends with acting worse than resting in the good state
(its second repair pass can undo the first); the anchor keeps such arms and so do we.

UCWhittle learns the transitions online over many episodes; here the arms are one fixed instance
per ``instance_seed`` and the task is the planning (or learning) problem of one episode at a
time. The anchor draws a new cohort of 8 from a population of 100 arms per run; a new
``instance_seed`` is a new cohort.

## Action Space

``MultiBinary(num_arms)``: 1 = act on the arm, at most ``budget`` ones; ``invalid_action`` as in
RMAB-TwoState (``"raise"``, ``"penalty"`` or ``"project"``).

## Observation Space

``MultiDiscrete([2] * num_arms)``:

| index | observation | values |
|-------|-------------|--------|
| j     | state of arm j | 0 = bad, 1 = good |

## Rewards

The number of arms in the good state after the step (0 to ``num_arms``), as in the anchor's
simulator, minus the penalty when an infeasible action was penalised.

## Starting State

Each arm is good with probability 1/2, independently (the anchor's initial draw).

## Episode End

No termination; truncation after ``horizon`` steps (default 20, the anchor's episode length).

## Arguments

```python
gym.make("rlbench/RMAB-UCWhittle-v0", num_arms=8, budget=3, horizon=20, instance_seed=0,
         transition_prior=(1.0, 1.0), transitions=None, invalid_action="raise",
         invalid_action_penalty=None, render_mode=None)
```

- ``num_arms`` (N = 8), ``budget`` (B = 3), ``horizon`` (H = 20): the anchor's defaults
  (``main.py``: ``-N 8 -B 3 -H 20``, discount 0.9).
- ``instance_seed``: which cohort of arms.
- ``transition_prior``: Beta parameters of the generator's four first draws; ``(1, 1)`` is the
  anchor's uniform, the held-out MDP-family split uses ``(0.5, 0.5)``.
- ``transitions``: an explicit ``(N, 2, 2, 2)`` table, which replaces the draw.
- ``render_mode``: ``"ansi"`` or ``"rgb_array"``.

## Reference Scores

Random feasible and the Whittle index policy (the expert, indices at the anchor's discount 0.9,
read from ``env.unwrapped.planning_discount``), 50 episodes from seed 0 on the default instance
(UCWhittle's setting: its generator, N = 8, B = 3, H = 20); see the EnvCard
(``rlbench info rlbench/RMAB-UCWhittle-v0``). ``benchmarks/bench_bandits_ucwhittle.py`` prints
Whittle, myopic and random over 50 seeds with 95% intervals.

## Version History

- v0: first release.

## Credits

K. Wang, L. Xu, A. Taneja, M. Tambe, "Optimistic Whittle Index Policy: Online Learning for
Restless Bandits", AAAI 2023 (UCWhittle); setting and arm generator after the authors' code
(github.com/lily-x/online-rmab), re-implemented.

Example:
    >>> import gymnasium as gym, numpy as np, rlbench_suite
    >>> env = gym.make("rlbench/RMAB-UCWhittle-v0")
    >>> obs, info = env.reset(seed=0)
    >>> obs.shape, env.unwrapped.budget, env.unwrapped.horizon, env.unwrapped.planning_discount
    ((8,), 3, 20, 0.9)
    >>> obs, reward, terminated, truncated, info = env.step(np.array([1, 1, 1, 0, 0, 0, 0, 0]))
    >>> 0 <= reward <= 8
    True

"""

from __future__ import annotations

import numpy as np

from rlbench_suite.envs.bandits.common import InvalidActionMode
from rlbench_suite.envs.bandits.two_state import GOOD_STATE_REWARDS, TwoStateRMABEnv

UCWHITTLE_DISCOUNT = 0.9  # main.py's --discount default


class UCWhittleRMABEnv(TwoStateRMABEnv):
    """UCWhittle's synthetic setting (see the module docstring): RMAB-TwoState with its defaults."""

    planning_discount = UCWHITTLE_DISCOUNT

    def __init__(
        self,
        num_arms: int = 8,
        budget: int = 3,
        horizon: int = 20,
        instance_seed: int = 0,
        transition_prior: tuple[float, float] = (1.0, 1.0),
        transitions: np.ndarray | None = None,
        invalid_action: InvalidActionMode = "raise",
        invalid_action_penalty: float | None = None,
        render_mode: str | None = None,
    ) -> None:
        super().__init__(
            num_arms=num_arms,
            budget=budget,
            horizon=horizon,
            instance_seed=instance_seed,
            transition_prior=transition_prior,
            transitions=transitions,
            arm_generator="ucwhittle",
            invalid_action=invalid_action,
            invalid_action_penalty=invalid_action_penalty,
            render_mode=render_mode,
        )


def return_bounds(**env_kwargs: object) -> tuple[float, float]:
    """Smallest and largest episode return of ``UCWhittleRMABEnv(**env_kwargs)``.

    As for RMAB-TwoState: one per good arm a step, 0 to ``num_arms``, for exactly ``horizon``
    steps, both ends reachable. Defaults: [0, 8 x 20].
    """
    from rlbench_suite.envs.bandits.classic import budgeted_return_bounds

    return budgeted_return_bounds(UCWhittleRMABEnv, env_kwargs, GOOD_STATE_REWARDS)
