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
         type_shares=(0.2, 0.2, 0.6), perturbation=0.0, uncertainty_intervals=False,
         invalid_action="raise", invalid_action_penalty=None, render_mode=None)
```

- ``type_shares``: shares of types A, B, C (rounded down for A and B, C takes the rest).
- ``perturbation``: each arm's call effect and drop-out probability is moved by
  ``U(-perturbation, perturbation)`` (clipped to [0.01, 0.99]), a small shift around the nominal
  table; the in-distribution MDP-family split uses 0.05.
- ``uncertainty_intervals``: instead of the nominal table, draw each arm's free probability of
  every row (state, action) uniformly from its type's uncertainty interval in RobustRMAB
  (``ROBUST_RMAB_INTERVALS``, from ``ARMMANRobustEnv`` of killian-34/RobustRMAB):

  | row | free probability | A | B | C |
  |-----|------------------|---|---|---|
  | self-motivated, either action | stay self-motivated | [0, 1] | [0, 1] | [0, 1] |
  | persuadable, not called | drop to lost | [0.5, 1] | [0.35, 0.85] | [0.35, 0.85] |
  | persuadable, called | recover | [0.5, 1] | [0.15, 0.65] | [0, 0.5] |
  | lost, either action | stay lost | [0.35, 0.85] | [0.35, 0.85] | [0.35, 0.85] |

  The two actions' rows are drawn independently, so a call may then matter outside the
  persuadable state, as RobustRMAB's nature may make it. The held-out MDP-family split uses
  it. The parameters are ``env.unwrapped.row_parameters`` (num_arms, 3, 2).
- ``instance_seed``: the order of the arms and the perturbation or interval draw.

## Reference Scores

Random feasible and the Whittle index policy (the expert), 50 episodes from seed 0; see the
EnvCard (``rlbench info rlbench/RMAB-ARMMAN-v0``).

## Version History

- v0: first release. ``uncertainty_intervals`` came later; the held-out MDP-family split moved
  from +-0.2 perturbations with mixed type shares to RobustRMAB's intervals. The default
  instance is unchanged.

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

# RobustRMAB's uncertainty intervals (ARMMANRobustEnv.get_parameter_ranges in
# killian-34/RobustRMAB), [type A/B/C, state, action, (low, high)], each for the one free
# probability of that row (see armman_row_transitions): self-motivated -> P(stay); persuadable,
# not called -> P(drop to lost); persuadable, called -> P(recover); lost -> P(stay lost).
ROBUST_RMAB_INTERVALS = np.array(
    [
        [[[0.0, 1.0], [0.0, 1.0]], [[0.5, 1.0], [0.5, 1.0]], [[0.35, 0.85], [0.35, 0.85]]],
        [[[0.0, 1.0], [0.0, 1.0]], [[0.35, 0.85], [0.15, 0.65]], [[0.35, 0.85], [0.35, 0.85]]],
        [[[0.0, 1.0], [0.0, 1.0]], [[0.35, 0.85], [0.0, 0.5]], [[0.35, 0.85], [0.35, 0.85]]],
    ]
)  # (3 types, 3 states, 2 actions, 2)


def armman_row_transitions(row_parameters: np.ndarray) -> np.ndarray:
    """Transition tables (num_arms, 3, 2, 3) from each row's free probability (num_arms, 3, 2).

    Every row has one free probability, RobustRMAB's "nature" parameter; the rest of the row goes
    to the persuadable state: ``[SELF_MOTIVATED, a]`` P(stay self-motivated);
    ``[PERSUADABLE, 0]`` P(drop to lost); ``[PERSUADABLE, 1]`` P(recover to self-motivated);
    ``[LOST, a]`` P(stay lost).
    """
    num_arms = row_parameters.shape[0]
    table = np.zeros((num_arms, 3, 2, 3))
    stay_motivated = row_parameters[:, SELF_MOTIVATED, :]  # (N, 2) per action
    table[:, SELF_MOTIVATED, :, SELF_MOTIVATED] = stay_motivated
    table[:, SELF_MOTIVATED, :, PERSUADABLE] = 1.0 - stay_motivated
    drop_out = row_parameters[:, PERSUADABLE, 0]
    table[:, PERSUADABLE, 0, PERSUADABLE] = 1.0 - drop_out
    table[:, PERSUADABLE, 0, LOST] = drop_out
    call_effect = row_parameters[:, PERSUADABLE, 1]
    table[:, PERSUADABLE, 1, SELF_MOTIVATED] = call_effect
    table[:, PERSUADABLE, 1, PERSUADABLE] = 1.0 - call_effect
    stay_lost = row_parameters[:, LOST, :]  # (N, 2) per action
    table[:, LOST, :, PERSUADABLE] = 1.0 - stay_lost
    table[:, LOST, :, LOST] = stay_lost
    return table


def nominal_row_parameters(
    stay_motivated: np.ndarray, call_effect: np.ndarray, drop_out: np.ndarray
) -> np.ndarray:
    """Row probabilities (num_arms, 3, 2) of arms that calls change only when persuadable."""
    num_arms = stay_motivated.shape[0]
    rows = np.empty((num_arms, 3, 2))
    rows[:, SELF_MOTIVATED, :] = stay_motivated[:, None]
    rows[:, PERSUADABLE, 0] = drop_out
    rows[:, PERSUADABLE, 1] = call_effect
    rows[:, LOST, :] = 1.0 - LOST_RECOVERY
    return rows


def sample_robust_rmab_rows(rng: np.random.Generator, arm_types: np.ndarray) -> np.ndarray:
    """Row probabilities (num_arms, 3, 2), each uniform in its type's RobustRMAB interval."""
    intervals = ROBUST_RMAB_INTERVALS[arm_types]  # (N, 3, 2, 2)
    low, high = intervals[..., 0], intervals[..., 1]
    return low + rng.random(low.shape) * (high - low)


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
        uncertainty_intervals: bool = False,
        invalid_action: InvalidActionMode = "raise",
        invalid_action_penalty: float | None = None,
        render_mode: str | None = None,
    ) -> None:
        if num_arms < 1:
            raise ValueError(f"ARMMANRMABEnv: num_arms must be >= 1, got {num_arms}")
        if not 0.0 <= perturbation < 0.5:
            raise ValueError(f"ARMMANRMABEnv: perturbation must be in [0, 0.5), got {perturbation}")
        if uncertainty_intervals and perturbation > 0:
            raise ValueError(
                "ARMMANRMABEnv: perturbation moves the nominal parameters and "
                "uncertainty_intervals replaces them; pass one of the two, got "
                f"perturbation={perturbation} with uncertainty_intervals=True"
            )
        instance_rng = np.random.default_rng(instance_seed)
        try:
            arm_types = armman_arm_types(num_arms, type_shares)
        except ValueError as error:
            raise ValueError(f"ARMMANRMABEnv: {error}") from None
        self.arm_types = instance_rng.permutation(arm_types)
        if uncertainty_intervals:
            self.row_parameters = sample_robust_rmab_rows(instance_rng, self.arm_types)
        else:
            parameters = ARM_TYPE_PARAMETERS[self.arm_types].copy()  # (N, 3)
            if perturbation > 0:
                shift = instance_rng.uniform(-perturbation, perturbation, size=(num_arms, 2))
                parameters[:, 1:] = np.clip(parameters[:, 1:] + shift, 0.01, 0.99)
            self.row_parameters = nominal_row_parameters(*parameters.T)
        super().__init__(
            transitions=armman_row_transitions(self.row_parameters),  # (N, 3, 2, 3)
            state_rewards=ARMMAN_STATE_REWARDS,
            budget=budget,
            horizon=horizon,
            invalid_action=invalid_action,
            invalid_action_penalty=invalid_action_penalty,
            render_mode=render_mode,
        )


def armman_family(rng: np.random.Generator, split: str) -> dict[str, object]:
    """MDP family: call effects +-0.05 in distribution; held out, RobustRMAB's intervals.

    Held-out instances draw every row probability of every arm uniformly from its type's
    uncertainty interval (:data:`ROBUST_RMAB_INTERVALS`), the set RobustRMAB's adversarial
    nature plays in; in-distribution instances stay within 0.05 of the nominal call effect and
    drop-out.
    """
    if split == "in_distribution":
        return {"instance_seed": int(rng.integers(1, 2**31)), "perturbation": 0.05}
    return {"instance_seed": int(rng.integers(1, 2**31)), "uncertainty_intervals": True}


def return_bounds(**env_kwargs: object) -> tuple[float, float]:
    """Smallest and largest episode return of ``ARMMANRMABEnv(**env_kwargs)``.

    Each step pays every mother her state's reward (:data:`ARMMAN_STATE_REWARDS`: 1, 0.5 or 0),
    0 to ``num_arms``, for exactly ``horizon`` steps. Defaults: [0, 50 x 100].
    """
    from rlbench_suite.envs.bandits.classic import budgeted_return_bounds

    return budgeted_return_bounds(ARMMANRMABEnv, env_kwargs, ARMMAN_STATE_REWARDS)
