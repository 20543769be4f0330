"""Which registered ids have a C kernel, and how a kernel's parameters come from the Python env.

A kernel never has constants of its own: :class:`KernelSpec` builds the registered Python env once
(``gym.make(id, **kwargs)``) and reads its parameters off it, so the native path and
``gym.make`` always describe the same instance (the same arms, the same pole).

What a kernel takes is declared once, in its header's table (``rlbench_suite/csrc/*.h``, see
``kernel_table.h``): :func:`kernel_table` reads it from the extension and :func:`check_params`
holds a spec's parameter dict against it, so no list of names is kept here.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import gymnasium as gym
import numpy as np

try:
    from rlbench_suite import _native
except ImportError:  # no extension: the tables are unavailable, and so is the native path
    _native = None

# Gymnasium's CartPoleEnv.reset draws every state variable from U(-0.05, 0.05) unless told
# otherwise; these are its defaults, kept here because the env holds them only as literals.
CARTPOLE_RESET_BOUNDS = (-0.05, 0.05)


@dataclass(frozen=True)
class KernelSpec:
    """How one registered id runs in C.

    ``params(env, max_episode_steps)`` turns an unwrapped instance of the registered env into the
    kernel's parameter dict (see the params structs in ``rlbench_suite/csrc``);
    ``reference_id`` is the Python env the kernel is checked against step by step.
    """

    kernel: str
    reference_id: str
    params: Callable[[gym.Env, int | None], dict[str, Any]]


def cartpole_params(env: gym.Env, max_episode_steps: int | None) -> dict[str, Any]:
    """Gymnasium's CartPole constants, read off the env; truncation after ``max_episode_steps``."""
    if env.kinematics_integrator != "euler":
        raise ValueError(
            f"the CartPole kernel integrates with euler, the env uses {env.kinematics_integrator!r}"
        )
    if max_episode_steps is None:
        raise ValueError("the CartPole kernel needs max_episode_steps (CartPole-v1 uses 500)")
    low, high = CARTPOLE_RESET_BOUNDS
    return {
        "gravity": float(env.gravity),
        "masspole": float(env.masspole),
        "total_mass": float(env.total_mass),
        "length": float(env.length),
        "polemass_length": float(env.polemass_length),
        "force_mag": float(env.force_mag),
        "tau": float(env.tau),
        "theta_threshold_radians": float(env.theta_threshold_radians),
        "x_threshold": float(env.x_threshold),
        "reset_low": low,
        "reset_high": high,
        "max_episode_steps": int(max_episode_steps),
        "sutton_barto_reward": bool(env._sutton_barto_reward),
        # libm's sin and cos, bit for bit Gymnasium's; NativeVectorEnv(..., fast_math=True) sets
        # True for the kernel's polynomial (faster, ~1 ulp off, so trajectories drift).
        "fast_math": False,
    }


def rmab_two_state_params(env: gym.Env, max_episode_steps: int | None) -> dict[str, Any]:
    """The instance's transition and reward tables, budget and horizon."""
    if env.num_states != 2:
        raise ValueError(f"the two-state kernel needs 2 states per arm, not {env.num_states}")
    if env.invalid_action != "raise":
        raise ValueError(
            "the native kernel refuses over-budget actions (invalid_action='raise'); for "
            f"invalid_action={env.invalid_action!r} use "
            "gym.make_vec(..., vectorization_mode='sync')"
        )
    # The start state follows NumPy's Generator.choice: normalised cumulative probabilities,
    # first state whose value exceeds the draw. With two states, good when draw >= cdf[0].
    cdf = np.cumsum(env.initial_state_probs)
    cdf /= cdf[-1]
    horizon = env.horizon if max_episode_steps is None else min(env.horizon, max_episode_steps)
    return {
        "num_arms": int(env.num_arms),
        "budget": int(env.budget),
        "horizon": int(horizon),
        "initial_good_threshold": float(cdf[0]),
        # P(next = bad | arm, state, action): the first cumulative column, as the env compares.
        "next_bad_prob": np.ascontiguousarray(env.transitions[..., 0], dtype=np.float64),
        "state_rewards": np.ascontiguousarray(env.state_rewards, dtype=np.float64),
    }


def rmab_finite_params(env: gym.Env, max_episode_steps: int | None) -> dict[str, Any]:
    """A budgeted finite-state bandit's cumulative tables (ARMMAN, Circulant), budget, horizon."""
    if not hasattr(env, "transitions") or not hasattr(env, "initial_state_probs"):
        raise ValueError(
            f"the finite-state RMAB kernel needs a BudgetedRestlessBandit, got {type(env).__name__}"
        )
    if env.invalid_action != "raise":
        raise ValueError(
            "the native kernel refuses over-budget actions (invalid_action='raise'); for "
            f"invalid_action={env.invalid_action!r} use "
            "gym.make_vec(..., vectorization_mode='sync')"
        )
    # Start states as Generator.choice draws them: the normalised cumulative probabilities.
    initial_cdf = np.cumsum(env.initial_state_probs)
    initial_cdf /= initial_cdf[-1]
    horizon = env.horizon if max_episode_steps is None else min(env.horizon, max_episode_steps)
    return {
        "num_arms": int(env.num_arms),
        "num_states": int(env.num_states),
        "budget": int(env.budget),
        "horizon": int(horizon),
        "initial_cdf": np.ascontiguousarray(initial_cdf, dtype=np.float64),
        # next_states_from_uniforms compares the draw with np.cumsum of each row, as here.
        "transition_cdf": np.ascontiguousarray(np.cumsum(env.transitions, axis=-1), np.float64),
        "state_rewards": np.ascontiguousarray(env.state_rewards, dtype=np.float64),
    }


def quad_hover_params(env: gym.Env, max_episode_steps: int | None) -> dict[str, Any]:
    """The airframe, physics options, rates, start and limits of a QuadHover instance.

    Only what the kernel models the same way is accepted: the ``rpm`` and ``one_d_rpm`` action
    types, the Euler integrator, no motor lag, one drone; anything else raises ValueError.
    """
    from rlbench_suite.envs.uav import base as uav_base
    from rlbench_suite.envs.uav.base import ActionType

    sync = "use gym.make_vec(..., vectorization_mode='sync')"
    if env.action_type not in (ActionType.RPM, ActionType.ONE_D_RPM):
        raise ValueError(
            "the QuadHover kernel takes action_type 'rpm' or 'one_d_rpm', not "
            f"{env.action_type.value!r}; for it {sync}"
        )
    if getattr(env, "angular_velocity_frame", "body") != "body":
        raise ValueError(
            "the QuadHover kernel observes body rates; physics='gym_pybullet_drones' observes "
            f"world-frame angular velocity; for it {sync}"
        )
    params, config = env.params, env.dynamics.config
    if params.motor_time_constant != 0:
        raise ValueError(
            "the QuadHover kernel has no motor lag (motor_time_constant="
            f"{params.motor_time_constant}); for it {sync}"
        )
    if config.integrator != "euler" or not config.ground or env.num_drones != 1:
        raise ValueError(
            f"the QuadHover kernel flies one drone with the euler integrator and a floor; {sync}"
        )
    episode_steps = env.episode_steps
    if max_episode_steps is not None:
        episode_steps = min(episode_steps, max_episode_steps)
    start = env._home_positions()[0]
    target = env.target_position
    return {
        "mass": float(params.mass),
        "weight": float(params.weight),
        "kf": float(params.kf),
        "km": float(params.km),
        "inertia_xx": float(params.inertia_xx),
        "inertia_yy": float(params.inertia_yy),
        "inertia_zz": float(params.inertia_zz),
        "motor_offset": float(params.motor_offset),
        "drag_coeff_xy": float(params.drag_coeff_xy),
        "drag_coeff_z": float(params.drag_coeff_z),
        "drag": bool(config.drag),
        "ground_effect": bool(config.ground_effect),
        "ground_effect_coeff": float(params.ground_effect_coeff),
        "prop_radius": float(params.prop_radius),
        "ground_effect_clip_height": float(params.ground_effect_clip_height),
        "rest_height": float(params.rest_height),
        "hover_rpm": float(params.hover_rpm),
        "rpm_action_scale": float(uav_base.RPM_ACTION_SCALE),
        "physics_timestep": float(env.physics_timestep),
        "substeps": int(env.substeps),
        "episode_steps": int(episode_steps),
        "action_size": int(env.action_size),
        "buffer_length": int(env.action_buffer_length),
        "start_x": float(start[0]),
        "start_y": float(start[1]),
        "start_z": float(start[2]),
        "start_jitter": float(env.start_jitter),
        "target_x": float(target[0]),
        "target_y": float(target[1]),
        "target_z": float(target[2]),
        "limit_xy": float(uav_base.POSITION_LIMIT_XY),
        "limit_z": float(uav_base.POSITION_LIMIT_Z),
        "tilt_limit": float(uav_base.TILT_LIMIT),
    }


def market_making_params(env: gym.Env, max_episode_steps: int | None) -> dict[str, Any]:
    """The market, the reward and the episode of a MarketMaking instance (Poisson or Hawkes)."""
    from rlbench_suite.envs.trading.market_making import REWARDS

    return {
        "initial_price": env.initial_price,
        "terminal_time": env.terminal_time,
        "dt": env.dt,
        "kappa": env.kappa,
        "max_depth": env.max_depth,
        "price_step_scale": env.price_step_scale,
        "price_scale": env.price_scale,
        "arrival_probability": env.arrival_probability,
        "hawkes": env.arrivals == "hawkes",
        "hawkes_baseline": env.hawkes_baseline,
        "hawkes_jump": env.hawkes_jump,
        "hawkes_decay": env.hawkes_decay,
        "n_steps": env.n_steps,
        # Gymnasium's TimeLimit truncates after max_episode_steps; 0 tells the kernel "none".
        "time_limit": 0 if max_episode_steps is None else int(max_episode_steps),
        "max_inventory": env.max_inventory,
        "reward_kind": REWARDS.index(env.reward_kind),
        "running_penalty_per_step": env.running_penalty_per_step,
        "terminal_penalty": env.terminal_penalty,
        "risk_aversion": env.risk_aversion,
    }


KERNELS: dict[str, KernelSpec] = {
    "rlbench/CartPole-v1": KernelSpec("cartpole", "CartPole-v1", cartpole_params),
    "rlbench/RMAB-TwoState-v0": KernelSpec(
        "rmab_two_state", "rlbench/RMAB-TwoState-v0", rmab_two_state_params
    ),
    "rlbench/RMAB-ARMMAN-v0": KernelSpec(
        "rmab_finite", "rlbench/RMAB-ARMMAN-v0", rmab_finite_params
    ),
    "rlbench/RMAB-Circulant-v0": KernelSpec(
        "rmab_finite", "rlbench/RMAB-Circulant-v0", rmab_finite_params
    ),
    "rlbench/QuadHover-v0": KernelSpec("quad_hover", "rlbench/QuadHover-v0", quad_hover_params),
    "rlbench/MarketMaking-v0": KernelSpec(
        "market_making", "rlbench/MarketMaking-v0", market_making_params
    ),
    "rlbench/MarketMakingHawkes-v0": KernelSpec(
        "market_making", "rlbench/MarketMakingHawkes-v0", market_making_params
    ),
}


def kernel_table(kernel: str) -> dict[str, Any]:
    """The table ``kernel``'s header declares: params, observation, action, state, infos.

    ``params`` lists ``{name, type, required, default, low, high, shape, doc}`` per parameter;
    ``state`` lists ``{name, type, offset, count, doc}`` per per-env state field (``count`` is a
    number, or the expression in the params that sizes it); see ``csrc/kernel_table.h``.
    """
    if _native is None:
        raise ImportError("rlbench_suite._native is not built; kernel tables come from it")
    tables = _native.kernel_tables()
    if kernel not in tables:
        raise ValueError(f"unknown kernel {kernel!r}; kernels: {', '.join(sorted(tables))}")
    return tables[kernel]


def check_params(kernel: str, params: dict[str, Any]) -> None:
    """Raise ValueError unless ``params`` has every required parameter of ``kernel`` and no other.

    The extension checks types and values again when it parses them; this names every unknown or
    missing key at once, against the table, before any C runs.
    """
    declared = {entry["name"]: entry for entry in kernel_table(kernel)["params"]}
    unknown = sorted(set(params) - set(declared))
    missing = sorted(
        name for name, entry in declared.items() if entry["required"] and name not in params
    )
    if unknown or missing:
        raise ValueError(
            f"{kernel} params: unknown {unknown or 'none'}, missing {missing or 'none'} "
            f"(the kernel takes: {', '.join(declared)})"
        )


def kernel_spec(env_id: str) -> KernelSpec:
    """The spec of ``env_id``; ids without a kernel raise ValueError listing those with one."""
    try:
        return KERNELS[env_id]
    except KeyError:
        raise ValueError(
            f"{env_id!r} has no native kernel (ids with one: {', '.join(sorted(KERNELS))})"
        ) from None
