"""RMAB-ARMMAN: maternal-health call planning as a three-state restless bandit.

## Description

ARMMAN, an Indian NGO, sends automated health messages to expectant mothers and can afford a
few live service calls a week. Each mother (arm) is *self-motivated* (listens on her own),
*persuadable* (listens if called) or *lost* (drifting away). A call only matters for a
persuadable mother: it brings her back to self-motivated, while left alone she may be lost.
The RobustRMAB benchmark (Killian et al.) models this with three arm types:

| type | share | stays self-motivated | persuadable, called: recovers | not called: lost |
|------|-------|-----|-----|-----|
| A    | 20 %  | 0.1 | 0.8 | 0.8 |
| B    | 20 %  | 0.9 | 0.4 | 0.4 |
| C    | 60 %  | 0.1 | 0.1 | 0.1 |

From self-motivated an arm otherwise becomes persuadable; a persuadable arm otherwise stays
persuadable; a lost arm becomes persuadable with probability 0.4 and stays lost otherwise; calls
change nothing outside the persuadable state. Type A mothers gain most from a call, so a good
policy calls persuadable type-A mothers first.

## Action Space

``MultiBinary(num_arms)``: 1 = call this mother this step, at most ``budget`` calls.
``invalid_action`` as in RMAB-TwoState.

## Observation Space

``MultiDiscrete([3] * num_arms)``:

| index | observation | values |
|-------|-------------|--------|
| j     | state of mother j | 0 = self-motivated, 1 = persuadable, 2 = lost |

## Rewards

Sum over mothers of the state reward after the step: self-motivated 1, persuadable 0.5, lost 0.

## Starting State

Each arm's state is uniform over the three states.

## Episode End

No termination; truncation after ``horizon`` steps (default 100).

## Arguments

```python
gym.make("rlbench/RMAB-ARMMAN-v0", num_arms=50, budget=10, horizon=100, instance_seed=0,
         type_shares=(0.2, 0.2, 0.6), perturbation=0.0, invalid_action="raise",
         invalid_action_penalty=None, render_mode=None)
```

- ``type_shares``: shares of types A, B, C (rounded down for A and B, C takes the rest).
- ``perturbation``: each arm's call effect and drop-out probability is moved by
  ``U(-perturbation, perturbation)`` (clipped to [0.01, 0.99]), as in RobustRMAB's uncertainty
  intervals; the MDP family uses it.
- ``instance_seed``: the order of the arms and the perturbation draw.

## Reference Scores

Random feasible and the Whittle index policy (the expert), 50 episodes from seed 0; see the
EnvCard (``rlbench info rlbench/RMAB-ARMMAN-v0``).

## Version History

- v0: first release.

## Credits

J. A. Killian, L. Xu, A. Biswas, M. Tambe, "Restless and Uncertain: Robust Policies for Restless
Bandits via Deep Multi-Agent Reinforcement Learning", UAI 2022; A. Mate et al., "Field Study in
Deploying Restless Multi-Armed Bandits: Assisting Non-Profits in Improving Maternal and Child
Health", AAAI 2022.

Example:
    >>> import gymnasium as gym, rlbench_suite
    >>> env = gym.make("rlbench/RMAB-ARMMAN-v0")
    >>> obs, _ = env.reset(seed=1)
    >>> sorted(set(obs.tolist())) <= [0, 1, 2]
    True

"""

from __future__ import annotations

import numpy as np

from rlbench_suite.envs.bandits.classic import BudgetedRestlessBandit
from rlbench_suite.envs.bandits.common import InvalidActionMode

SELF_MOTIVATED, PERSUADABLE, LOST = 0, 1, 2
ARMMAN_STATE_REWARDS = np.array([1.0, 0.5, 0.0])
LOST_RECOVERY = 0.4  # P(lost -> persuadable), any type, any action

# (P(stay self-motivated), P(persuadable -> self-motivated | called),
#  P(persuadable -> lost | not called)) for types A, B, C.
ARM_TYPE_PARAMETERS = np.array(
    [
        [0.1, 0.8, 0.8],
        [0.9, 0.4, 0.4],
        [0.1, 0.1, 0.1],
    ]
)


def armman_transitions(
    stay_motivated: np.ndarray, call_effect: np.ndarray, drop_out: np.ndarray
) -> np.ndarray:
    """Transition tables (num_arms, 3, 2, 3) from each arm's three probabilities."""
    num_arms = stay_motivated.shape[0]
    table = np.zeros((num_arms, 3, 2, 3))
    for action in (0, 1):
        table[:, SELF_MOTIVATED, action, SELF_MOTIVATED] = stay_motivated
        table[:, SELF_MOTIVATED, action, PERSUADABLE] = 1.0 - stay_motivated
        table[:, LOST, action, PERSUADABLE] = LOST_RECOVERY
        table[:, LOST, action, LOST] = 1.0 - LOST_RECOVERY
    table[:, PERSUADABLE, 0, PERSUADABLE] = 1.0 - drop_out
    table[:, PERSUADABLE, 0, LOST] = drop_out
    table[:, PERSUADABLE, 1, SELF_MOTIVATED] = call_effect
    table[:, PERSUADABLE, 1, PERSUADABLE] = 1.0 - call_effect
    return table


def armman_arm_types(num_arms: int, type_shares: tuple[float, float, float]) -> np.ndarray:
    """Type index (0 = A, 1 = B, 2 = C) of every arm, before shuffling."""
    shares = np.asarray(type_shares, dtype=float)
    if shares.shape != (3,) or np.any(shares < 0) or not np.isclose(shares.sum(), 1.0):
        raise ValueError(
            f"type_shares must be three non-negative shares summing to 1, got {type_shares}"
        )
    count_a, count_b = int(num_arms * shares[0]), int(num_arms * shares[1])
    return np.repeat([0, 1, 2], [count_a, count_b, num_arms - count_a - count_b])


class ARMMANRMABEnv(BudgetedRestlessBandit):
    """The ARMMAN maternal-health restless bandit (see the module docstring)."""

    def __init__(
        self,
        num_arms: int = 50,
        budget: int = 10,
        horizon: int = 100,
        instance_seed: int = 0,
        type_shares: tuple[float, float, float] = (0.2, 0.2, 0.6),
        perturbation: float = 0.0,
        invalid_action: InvalidActionMode = "raise",
        invalid_action_penalty: float | None = None,
        render_mode: str | None = None,
    ) -> None:
        if num_arms < 1:
            raise ValueError(f"ARMMANRMABEnv: num_arms must be >= 1, got {num_arms}")
        if not 0.0 <= perturbation < 0.5:
            raise ValueError(f"ARMMANRMABEnv: perturbation must be in [0, 0.5), got {perturbation}")
        instance_rng = np.random.default_rng(instance_seed)
        try:
            arm_types = armman_arm_types(num_arms, type_shares)
        except ValueError as error:
            raise ValueError(f"ARMMANRMABEnv: {error}") from None
        self.arm_types = instance_rng.permutation(arm_types)
        parameters = ARM_TYPE_PARAMETERS[self.arm_types].copy()  # (N, 3)
        if perturbation > 0:
            shift = instance_rng.uniform(-perturbation, perturbation, size=(num_arms, 2))
            parameters[:, 1:] = np.clip(parameters[:, 1:] + shift, 0.01, 0.99)
        super().__init__(
            transitions=armman_transitions(*parameters.T),
            state_rewards=ARMMAN_STATE_REWARDS,
            budget=budget,
            horizon=horizon,
            invalid_action=invalid_action,
            invalid_action_penalty=invalid_action_penalty,
            render_mode=render_mode,
        )


def armman_family(rng: np.random.Generator, split: str) -> dict[str, object]:
    """MDP family: perturbed call effects (+-0.05 in distribution, +-0.2 held out), mixed shares."""
    if split == "in_distribution":
        return {"instance_seed": int(rng.integers(1, 2**31)), "perturbation": 0.05}
    shares = rng.dirichlet([2.0, 2.0, 6.0])
    return {
        "instance_seed": int(rng.integers(1, 2**31)),
        "perturbation": 0.2,
        "type_shares": tuple(float(share) for share in shares / shares.sum()),
    }


def return_bounds(**env_kwargs: object) -> tuple[float, float]:
    """Smallest and largest episode return of ``ARMMANRMABEnv(**env_kwargs)``.

    Each step pays every mother her state's reward (:data:`ARMMAN_STATE_REWARDS`: 1, 0.5 or 0),
    0 to ``num_arms``, for exactly ``horizon`` steps. Defaults: [0, 50 x 100].
    """
    from rlbench_suite.envs.bandits.classic import budgeted_return_bounds

    return budgeted_return_bounds(ARMMANRMABEnv, env_kwargs, ARMMAN_STATE_REWARDS)
