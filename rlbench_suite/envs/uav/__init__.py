"""UAV family: Crazyflie 2.x quadrotor envs on a NumPy rigid-body model (no PyBullet)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from rlbench_suite.envs.uav import attack, hover, l2f, l2f_v1, multi_hover, trajectory
from rlbench_suite.envs.uav.dynamics import CrazyflieParams
from rlbench_suite.envs.uav.l2f_v1 import L2FParams
from rlbench_suite.registry import EnvCard, MDPFamily, Split, load_references, register_env

FAMILY = "uav"
REFERENCES = load_references(Path(__file__).parent / "data" / "references.json")
_AGENTS = ("random", "pid")
_GYM_PYBULLET_DRONES = (
    "Panerati et al., Learning to Fly: a Gym Environment with PyBullet Physics for RL of "
    "Multi-agent Quadcopter Control (gym-pybullet-drones), IROS 2021"
)
_L2F = "Eschmann, Albani, Loianno, Learning to Fly in Seconds, IEEE RA-L 2024"
_ATTACKS = "ARMOR / SpecGuard: UAV control under physical and sensor attacks"
_SPREAD = {"in_distribution": 0.10, "held_out": 0.25}


def _scaled_airframe(
    rng: np.random.Generator, split: Split, defaults: CrazyflieParams | L2FParams
) -> dict[str, Any]:
    """``defaults``' mass, inertia and kf, each scaled by a factor drawn for ``split``."""
    inner, outer = _SPREAD["in_distribution"], _SPREAD[split]
    factors = {}
    for name in ("mass", "inertia_xx", "inertia_yy", "inertia_zz", "kf"):
        if split == "in_distribution":
            factor = rng.uniform(1.0 - inner, 1.0 + inner)
        else:
            factor = 1.0 + rng.choice([-1.0, 1.0]) * rng.uniform(inner, outer)
        factors[name] = float(factor)
    factors["inertia_yy"] = factors["inertia_xx"]  # keep the X layout symmetric
    return {name: getattr(defaults, name) * factor for name, factor in factors.items()}


def airframe_family(rng: np.random.Generator, split: Split) -> dict[str, Any]:
    """MDP family: mass, inertia and kf each scaled by a factor within +-10 % (held out: +-25 %).

    The held-out split draws only factors beyond the in-distribution range, so no held-out
    airframe could have been seen in training.
    """
    return {"params": _scaled_airframe(rng, split, CrazyflieParams())}


def l2f_airframe_family(rng: np.random.Generator, split: Split) -> dict[str, Any]:
    """The airframe family with L2F's 0.15 s motor lag kept."""
    kwargs = airframe_family(rng, split)
    kwargs["params"]["motor_time_constant"] = 0.15
    return kwargs


def l2f_v1_airframe_family(rng: np.random.Generator, split: Split) -> dict[str, Any]:
    """The airframe family around Learning to Fly's own Crazyflie (:class:`L2FParams`)."""
    return {"params": _scaled_airframe(rng, split, L2FParams())}


_AIRFRAME = MDPFamily(airframe_family, "mass, inertia, kf x U(0.9, 1.1); held out: 10-25 % off")
_L2F_AIRFRAME = MDPFamily(
    l2f_airframe_family, "mass, inertia, kf x U(0.9, 1.1); held out: 10-25 % off"
)
_L2F_V1_AIRFRAME = MDPFamily(
    l2f_v1_airframe_family, "L2F's mass, inertia, kf x U(0.9, 1.1); held out: 10-25 % off"
)


def _card(env_id: str, entry_point: str, expert_agent: str = "pid", **fields: Any) -> EnvCard:
    agents = _AGENTS if expert_agent in _AGENTS else (*_AGENTS, expert_agent)
    return EnvCard(
        id=env_id,
        family=FAMILY,
        entry_point=f"rlbench_suite.envs.uav.{entry_point}",
        objectives=("reward",),
        observation_kind="vector",
        agents=agents,
        expert_agent=expert_agent,
        references=REFERENCES.get(env_id),
        **fields,
    )


def _register() -> None:
    register_env(
        _card(
            "rlbench/QuadHover-v0",
            "hover:QuadHoverEnv",
            multi_agent=False,
            anchor=_GYM_PYBULLET_DRONES,
            mdp_family=_AIRFRAME,
            native_kernel=True,
            summary="Crazyflie take-off and hover at (0, 0, 1); HoverAviary's reward and limits.",
            return_bounds=hover.return_bounds(),
            success_threshold=hover.success_threshold(),
            success_source="gym-pybullet-drones' learn.py stops HoverAviary training there",
        )
    )
    register_env(
        _card(
            "rlbench/QuadTrajectory-v0",
            "trajectory:QuadTrajectoryEnv",
            multi_agent=False,
            anchor=_GYM_PYBULLET_DRONES,
            mdp_family=_AIRFRAME,
            summary="Track a figure-eight (or circle) reference; position RMSE in info.",
            return_bounds=trajectory.return_bounds(),
        )
    )
    register_env(
        _card(
            "rlbench/QuadAttack-v0",
            "attack:QuadAttackEnv",
            # The DSL PID trusts the spoofed GPS and loses to constant hover thrust.
            expert_agent="pid_robust",
            multi_agent=False,
            anchor=_ATTACKS,
            mdp_family=_AIRFRAME,
            summary="Hover under GPS spoofing, gyro injection, motor loss or wind gusts.",
            return_bounds=attack.return_bounds(),
        )
    )
    register_env(
        _card(
            "rlbench/QuadL2F-v0",
            "l2f:QuadL2FEnv",
            multi_agent=False,
            anchor=_L2F,
            mdp_family=_L2F_AIRFRAME,
            summary="Recover from tumbling starts to hover at the origin; 100 Hz RK4, motor lag.",
            return_bounds=l2f.return_bounds(),
        )
    )
    register_env(
        _card(
            "rlbench/QuadL2F-v1",
            "l2f_v1:QuadL2FV1Env",
            # The DSL PID knows no motor lag and loses most tumbling starts.
            expert_agent="geometric",
            multi_agent=False,
            anchor=_L2F,
            mdp_family=_L2F_V1_AIRFRAME,
            summary="QuadL2F with Learning to Fly's own Crazyflie, noise, disturbances and starts.",
            return_bounds=l2f_v1.return_bounds(),
        )
    )
    register_env(
        _card(
            "rlbench/MultiQuadHover-v0",
            "multi_hover:parallel_env",
            multi_agent=True,
            anchor=_GYM_PYBULLET_DRONES,
            mdp_family=_AIRFRAME,
            summary="2-8 drones hover at their own heights; downwash and collisions couple them.",
            # One agent's return: a multi-agent card bounds each agent's episode return.
            return_bounds=multi_hover.agent_return_bounds(),
        )
    )
    register_env(
        _card(
            "rlbench/MultiQuadHoverCentral-v0",
            "multi_hover:MultiQuadHoverCentralEnv",
            multi_agent=False,
            anchor=_GYM_PYBULLET_DRONES,
            mdp_family=_AIRFRAME,
            summary="MultiQuadHover's centralised single-agent twin (joint action, summed reward).",
            return_bounds=multi_hover.return_bounds(),
        )
    )


_register()
