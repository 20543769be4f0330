"""MORMAB: a budgeted two-state restless bandit whose arms form groups; total reward and fairness.

## Description

RMAB-TwoState's arms and budget (:class:`~rlbench_suite.envs.bandits.two_state.TwoStateRMABEnv`:
each arm is good or bad and moves by its own Markov chain, at most ``budget`` arms are acted on a
step) with the arms split into groups, and a second objective: how well the worst-off group
does. This is the setting of equitable restless bandits (Killian et al. 2023), where a health
programme's calls must not all go to the members who respond best.

Groups. ``group_sizes`` arms per group, in order: arms ``0 .. group_sizes[0] - 1`` are group 0,
the next ``group_sizes[1]`` group 1, and so on, so an observation's index says the group. Every
arm is drawn as RMAB-TwoState's sorted-uniform arms
(:func:`~rlbench_suite.envs.bandits.two_state.sample_two_state_transitions`, seeded by
``instance_seed``), then each probability of a good next state of a group-``g`` arm is
multiplied by ``group_reach[g]``. A group of reach below 1 is worse off when left alone *and*
gains less from each intervention: the default's group 1 (reach 0.6) gets 0.6 of what group 0
gets from the same intervention. The Whittle index policy, which maximises the total, then
spends most of the budget on group 0; fairness asks it to spend some on group 1, where each
intervention buys less total reward. That is the trade-off the front traces.

## Action Space

``MultiBinary(num_arms)``, ``num_arms = sum(group_sizes)``: 1 = act on the arm, at most
``budget`` ones, as in RMAB-TwoState (``invalid_action`` sets what happens above the budget).

## Observation Space

``MultiDiscrete([2] * num_arms)``:

| index | observation | values |
|-------|-------------|--------|
| j     | state of arm j (group: see Description) | 0 = bad, 1 = good |

The group of each arm is ``env.unwrapped.arm_groups`` (num_arms,).

## Rewards

A float32 vector of two objectives, both maximised, both in units of arms in the good state:

| index | objective | per step | bounds |
|-------|-----------|----------|--------|
| 0 | ``reward`` | arms in the good state after the step | [0, ``num_arms``] |
| 1 | ``worst_group_reward`` | ``num_arms * min_g m_g`` | [0, ``num_arms``] |

The first is RMAB-TwoState's reward; ``m_g`` is the share of group ``g``'s arms in the good
state after the step.

The fairness objective is maximin (Rawlsian) group fairness, scaled by ``num_arms`` so that it
reads as the total the whole population would earn if every arm did as well as the worst group
this step: it is at most the total, and equal to it when every group does equally well. A
maximin objective, not minus the gap between the best and the worst group, because a gap
improves when the best group is made worse off; the minimum only improves when the worst group
does better. It is taken each step (the episode's return is the sum of the per-step minima),
since a reward must be paid as the episode goes. ``info["group_rewards"]`` holds each group's
``m_g``. With ``invalid_action="penalty"`` a penalised step loses the penalty in both
objectives. ``reward_space`` is ``Box([-p, -p], [num_arms, num_arms])`` with ``p`` that
penalty (0 otherwise).

## Starting State

Each arm is good with probability 1/2, independently.

## Episode End

No termination; truncation after ``horizon`` steps (default 100).

## Arguments

```python
gym.make("rlbench/MORMAB-v0", group_sizes=(10, 10), group_reach=(1.0, 0.6), budget=5,
         horizon=100, instance_seed=0, transition_prior=(1.0, 1.0), invalid_action="raise",
         invalid_action_penalty=None, render_mode=None)
```

- ``group_sizes``: arms per group (at least two groups, each of at least one arm).
- ``group_reach``: one factor in (0, 1] per group on its arms' probabilities of a good next
  state (see Description).
- ``budget`` (B), ``horizon``, ``instance_seed``, ``transition_prior``, ``invalid_action``,
  ``invalid_action_penalty``, ``render_mode``: as in RMAB-TwoState.

## Reference Scores

Mean return vectors over 30 episodes (seeds 0-29) on the default instance, with 95 % Student-t
half-widths (``python benchmarks/moma_twins.py --env rlbench/MORMAB-v0``):

| agent | reward | worst_group_reward |
|-------|--------|--------------------|
| random | 613.3 +- 7.7 | 362.3 +- 10.5 |
| ``mo_rmab_whittle`` | 774.7 +- 6.4 | 389.6 +- 8.5 |
| ``mo_rmab_fair40`` | 770.2 +- 7.2 | 417.5 +- 8.9 |
| ``mo_rmab_fair60`` (expert) | 742.0 +- 6.5 | 473.8 +- 8.6 |
| ``mo_rmab_fair80`` | 686.8 +- 6.8 | 501.2 +- 6.7 |
| ``mo_rmab_fair100`` | 627.6 +- 8.2 | 485.8 +- 8.6 |

The plain Whittle policy has the most total reward and the least fairness of the four points
on the non-dominated set (whittle, fair40, fair60, fair80); reserving the whole budget for the
worst group (fair100) is dominated, since group 1 is then over-served while group 0 decays.
The expert is the best at equal weights (mean over objectives 607.9; fair40 593.8, fair80
594.0). The front's hypervolume from the reference point (0, 0), the least either objective
can return, is 383,893 (95 % stratified bootstrap [379,379, 389,366]); its expected utility
over equally spaced weights 618.5 [615.6, 622.3].

## Version History

- v0: first release.

## Credits

J. A. Killian, M. Jain, Y. Jia, J. Amar, E. Huang, M. Tambe, "Equitable Restless Multi-Armed
Bandits: A General Framework Inspired By Digital Health", 2023 (group fairness in restless
bandits, the maximin objective). K. Wang, L. Xu, A. Taneja, M. Tambe, "Optimistic Whittle Index
Policy: Online Learning for Restless Bandits", AAAI 2023 (the arms). The multi-objective
protocol: MO-Gymnasium (Felten et al., NeurIPS 2023).

Example:
    >>> import gymnasium as gym, rlbench_suite
    >>> env = gym.make("rlbench/MORMAB-v0")
    >>> obs, info = env.reset(seed=0)
    >>> obs.shape, env.unwrapped.reward_dim, env.unwrapped.arm_groups[[0, 19]].tolist()
    ((20,), 2, [0, 1])
    >>> obs, reward, terminated, truncated, info = env.step([1] * 5 + [0] * 15)
    >>> reward.dtype, bool(reward[1] <= reward[0])
    (dtype('float32'), True)

"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from rlbench_suite.envs.bandits.classic import budgeted_return_bounds
from rlbench_suite.envs.bandits.common import InvalidActionMode
from rlbench_suite.envs.bandits.two_state import (
    GOOD_STATE_REWARDS,
    TwoStateRMABEnv,
    sample_two_state_transitions,
)
from rlbench_suite.envs.moma.common import FAMILY, MO_GYMNASIUM_CITATION
from rlbench_suite.envs.moma.protocol import MOEnvMixin
from rlbench_suite.registry import EnvCard, MDPFamily, Split

OBJECTIVES = ("reward", "worst_group_reward")
DEFAULT_GROUP_SIZES = (10, 10)
DEFAULT_GROUP_REACH = (1.0, 0.6)
DEFAULT_BUDGET = 5
DEFAULT_HORIZON = 100

EQUITABLE_RMAB = (
    "Killian, Jain, Jia, Amar, Huang, Tambe, Equitable Restless Multi-Armed Bandits: A General "
    "Framework Inspired By Digital Health, 2023"
)


def grouped_two_state_transitions(
    rng: np.random.Generator,
    arm_groups: np.ndarray,
    group_reach: np.ndarray,
    transition_prior: tuple[float, float] = (1.0, 1.0),
) -> np.ndarray:
    """RMAB-TwoState's sorted-uniform arms, each group's good-state chances scaled by its reach.

    ``arm_groups`` (num_arms,) holds each arm's group, ``group_reach`` (num_groups,) the factor;
    the result is a ``(num_arms, 2, 2, 2)`` table ``[arm, state, action, next state]``.

        >>> table = grouped_two_state_transitions(
        ...     np.random.default_rng(0), np.array([0, 1]), np.array([1.0, 0.5]))
        >>> plain = sample_two_state_transitions(np.random.default_rng(0), 2)
        >>> bool(np.allclose(table[1, :, :, 1], 0.5 * plain[1, :, :, 1]))
        True
    """
    table = sample_two_state_transitions(rng, len(arm_groups), transition_prior)
    p_good = table[..., 1] * group_reach[arm_groups][:, None, None]  # (N, 2, 2)
    return np.stack([1.0 - p_good, p_good], axis=-1)


class MORMABEnv(MOEnvMixin, TwoStateRMABEnv):
    """RMAB-TwoState with arm groups and a maximin-fairness objective (see the module docstring)."""

    def __init__(
        self,
        group_sizes: Sequence[int] = DEFAULT_GROUP_SIZES,
        group_reach: Sequence[float] = DEFAULT_GROUP_REACH,
        budget: int = DEFAULT_BUDGET,
        horizon: int = DEFAULT_HORIZON,
        instance_seed: int = 0,
        transition_prior: tuple[float, float] = (1.0, 1.0),
        invalid_action: InvalidActionMode = "raise",
        invalid_action_penalty: float | None = None,
        render_mode: str | None = None,
    ) -> None:
        owner = type(self).__name__
        sizes = np.asarray(group_sizes)
        if sizes.ndim != 1 or sizes.size < 2 or sizes.dtype.kind not in "iu" or np.any(sizes < 1):
            raise ValueError(
                f"{owner}: group_sizes must list at least two groups of at least one arm each "
                f"(integers), got {group_sizes!r}"
            )
        reach = np.asarray(group_reach, dtype=np.float64)
        if reach.shape != sizes.shape or np.any(reach <= 0) or np.any(reach > 1):
            raise ValueError(
                f"{owner}: group_reach must hold one factor in (0, 1] per group "
                f"({sizes.size} groups), got {group_reach!r}"
            )
        self.group_sizes = tuple(int(size) for size in sizes)
        self.group_reach = tuple(float(value) for value in reach)
        self.num_groups = len(self.group_sizes)
        self.arm_groups = np.repeat(np.arange(self.num_groups), sizes)  # (num_arms,)
        try:
            transitions = grouped_two_state_transitions(
                np.random.default_rng(instance_seed), self.arm_groups, reach, transition_prior
            )
        except ValueError as error:
            raise ValueError(f"{owner}: {error}") from None
        super().__init__(
            num_arms=len(self.arm_groups),
            budget=budget,
            horizon=horizon,
            instance_seed=instance_seed,
            transition_prior=transition_prior,
            transitions=transitions,
            invalid_action=invalid_action,
            invalid_action_penalty=invalid_action_penalty,
            render_mode=render_mode,
        )
        # What a penalised step loses (in both objectives); 0 when no step is ever penalised.
        self.step_penalty = self.invalid_action_penalty if invalid_action == "penalty" else 0.0
        self._set_reward_space(low=0.0 - self.step_penalty, high=[self.num_arms] * len(OBJECTIVES))

    def step(self, action: Any) -> tuple[np.ndarray, np.ndarray, bool, bool, dict[str, Any]]:
        """RMAB-TwoState's step; the reward is the vector (total, ``num_arms`` x worst group)."""
        observation, total, terminated, truncated, info = super().step(action)
        arm_rewards = self.state_rewards[np.arange(self.num_arms), observation]  # (num_arms,)
        group_rewards = np.bincount(
            self.arm_groups, weights=arm_rewards, minlength=self.num_groups
        ) / np.asarray(self.group_sizes)  # (num_groups,) mean reward per arm of each group
        penalty = self.step_penalty if info["invalid_action"] else 0.0
        worst_group = self.num_arms * float(group_rewards.min()) - penalty
        info["group_rewards"] = group_rewards
        return observation, self._reward_vector([total, worst_group]), terminated, truncated, info

    def reset(
        self, *, seed: int | None = None, options: dict[str, Any] | None = None
    ) -> tuple[np.ndarray, dict[str, Any]]:
        """RMAB-TwoState's reset: each arm good with probability 1/2."""
        return super().reset(seed=seed, options=options)

    def render(self) -> str | np.ndarray | None:
        """RMAB-TwoState's renderings (``ansi`` text, ``rgb_array`` cells)."""
        return super().render()

    def close(self) -> None:
        """Nothing to release; marks the env closed."""
        super().close()


# -- registration ---------------------------------------------------------------------------

#: The reach of the worse-off group (group 1) in distribution; held out, beyond it both ways.
REACH_RANGE = (0.5, 0.7)
REACH_HELD_OUT = ((0.3, 0.45), (0.8, 0.95))


def mo_rmab_family(rng: np.random.Generator, split: Split) -> dict[str, Any]:
    """New arm draws and group 1's reach; held out, a reach beyond the range and extreme arms.

    In distribution: a fresh ``instance_seed``, group 1's reach U(0.5, 0.7), the uniform prior.
    Held out: reach U(0.3, 0.45) or U(0.8, 0.95) (a side drawn at random) and RMAB-TwoState's
    held-out U-shaped Beta(0.5, 0.5) prior.
    """
    kwargs: dict[str, Any] = {"instance_seed": int(rng.integers(1, 2**31))}
    if split == "in_distribution":
        reach = float(rng.uniform(*REACH_RANGE))
    else:
        low, high = REACH_HELD_OUT[int(rng.integers(len(REACH_HELD_OUT)))]
        reach = float(rng.uniform(low, high))
        kwargs["transition_prior"] = (0.5, 0.5)
    kwargs["group_reach"] = (1.0, reach)
    return kwargs


def return_bounds(**env_kwargs: Any) -> tuple[float, float]:
    """Smallest and largest episode return, on either objective, of ``MORMABEnv(**env_kwargs)``.

    Both objectives pay 0 to ``num_arms`` a step (the worst group's share times ``num_arms``
    is at most 1 times ``num_arms``) for exactly ``horizon`` steps, less the penalty on a
    penalised step: RMAB-TwoState's bounds for ``num_arms = sum(group_sizes)``. Defaults:
    [0, 20 x 100].
    """
    group_sizes = env_kwargs.pop("group_sizes", DEFAULT_GROUP_SIZES)
    env_kwargs.pop("group_reach", None)
    env_kwargs.setdefault("budget", DEFAULT_BUDGET)
    env_kwargs.setdefault("horizon", DEFAULT_HORIZON)
    return budgeted_return_bounds(
        TwoStateRMABEnv, {"num_arms": int(sum(group_sizes)), **env_kwargs}, GOOD_STATE_REWARDS
    )


_AGENTS = (
    "random",
    "mo_rmab_whittle",
    "mo_rmab_fair40",
    "mo_rmab_fair60",
    "mo_rmab_fair80",
    "mo_rmab_fair100",
)

CARDS: list[EnvCard] = [
    EnvCard(
        id="rlbench/MORMAB-v0",
        family=FAMILY,
        entry_point=f"{__name__}:MORMABEnv",
        multi_agent=False,
        objectives=OBJECTIVES,
        observation_kind="vector",
        anchor=f"{EQUITABLE_RMAB}; {MO_GYMNASIUM_CITATION}",
        agents=_AGENTS,
        expert_agent="mo_rmab_fair60",
        mdp_family=MDPFamily(
            mo_rmab_family,
            "new arm draws, group 1 reach U(0.5, 0.7); held out: reach (0.3, 0.45) or "
            "(0.8, 0.95) and Beta(0.5, 0.5) arms",
        ),
        return_bounds=return_bounds(),
        # The least either objective can return (no arm ever good): every episode dominates it.
        reference_point=(0.0, 0.0),
        summary="Two groups of two-state arms, 5 of 20 acted on a step; total and worst group.",
    ),
]
