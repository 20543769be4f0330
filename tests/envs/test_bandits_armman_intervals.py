"""RMAB-ARMMAN's MDP family: held-out instances live in RobustRMAB's uncertainty intervals."""

from __future__ import annotations

import gymnasium as gym
import numpy as np
import pytest

import rlbench_suite
from rlbench_suite.envs.bandits.armman import (
    ARM_TYPE_PARAMETERS,
    LOST,
    PERSUADABLE,
    ROBUST_RMAB_INTERVALS,
    SELF_MOTIVATED,
    ARMMANRMABEnv,
    nominal_row_parameters,
)

ARMMAN = "rlbench/RMAB-ARMMAN-v0"
TYPE_C = 2


def family_instances(split: str, count: int = 4) -> list[ARMMANRMABEnv]:
    """``count`` instances of the card's MDP family from ``split``."""
    family = rlbench_suite.env_card(ARMMAN).mdp_family
    return [gym.make(ARMMAN, **kwargs).unwrapped for kwargs in family.sample(count, split)]


def test_intervals_are_robust_rmabs() -> None:
    """Type C's call effect is in [0, 0.5], type A's drop-out in [0.5, 1], as in RobustRMAB."""
    np.testing.assert_array_equal(ROBUST_RMAB_INTERVALS[TYPE_C, PERSUADABLE, 1], [0.0, 0.5])
    np.testing.assert_array_equal(ROBUST_RMAB_INTERVALS[0, PERSUADABLE, 0], [0.5, 1.0])
    np.testing.assert_array_equal(ROBUST_RMAB_INTERVALS[:, LOST], np.full((3, 2, 2), [0.35, 0.85]))


def test_held_out_parameters_fall_in_their_types_intervals() -> None:
    """Every row probability of every held-out arm lies in its type's interval."""
    for env in family_instances("held_out"):
        intervals = ROBUST_RMAB_INTERVALS[env.arm_types]  # (N, 3, 2, 2)
        assert np.all(env.row_parameters >= intervals[..., 0])
        assert np.all(env.row_parameters <= intervals[..., 1])


def test_held_out_parameters_differ_from_in_distribution_ones() -> None:
    """Held out, type C mothers drop out at >= 0.35 and the stay rows vary; in distribution not."""
    held_out = family_instances("held_out")
    in_distribution = family_instances("in_distribution")
    for env in in_distribution:
        type_c = env.arm_types == TYPE_C
        assert np.all(env.row_parameters[type_c, PERSUADABLE, 0] <= 0.1 + 0.05)
        np.testing.assert_array_equal(  # the nominal table's self-motivated row, any action
            env.row_parameters[:, SELF_MOTIVATED, 0], ARM_TYPE_PARAMETERS[env.arm_types, 0]
        )
    for env in held_out:
        type_c = env.arm_types == TYPE_C
        assert np.all(env.row_parameters[type_c, PERSUADABLE, 0] >= 0.35)
        stay = env.row_parameters[:, SELF_MOTIVATED, :]
        assert stay.min() < 0.1 and stay.max() > 0.9  # [0, 1] for every type
        assert not np.array_equal(stay[:, 0], stay[:, 1])  # each action's row drawn on its own


def test_default_instance_is_the_nominal_table() -> None:
    """gym.make(ARMMAN) still builds the nominal types; a call acts only on a persuadable arm."""
    env = gym.make(ARMMAN).unwrapped
    expected = nominal_row_parameters(*ARM_TYPE_PARAMETERS[env.arm_types].T)
    np.testing.assert_array_equal(env.row_parameters, expected)
    np.testing.assert_allclose(env.transitions[:, LOST, :, LOST], 0.6)
    np.testing.assert_array_equal(
        env.transitions[:, SELF_MOTIVATED, 0], env.transitions[:, SELF_MOTIVATED, 1]
    )


def test_intervals_and_perturbation_do_not_combine() -> None:
    """Asking for both parameter draws raises a ValueError naming both arguments."""
    with pytest.raises(ValueError, match=r"ARMMANRMABEnv: perturbation .* uncertainty_intervals"):
        ARMMANRMABEnv(perturbation=0.1, uncertainty_intervals=True)


def test_interval_instances_are_reproducible() -> None:
    """The same instance seed draws the same interval parameters."""
    first = ARMMANRMABEnv(instance_seed=3, uncertainty_intervals=True)
    second = ARMMANRMABEnv(instance_seed=3, uncertainty_intervals=True)
    np.testing.assert_array_equal(first.transitions, second.transitions)
