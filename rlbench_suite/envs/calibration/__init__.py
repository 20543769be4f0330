"""Calibration family: classic control envs whose native kernels are checked against Gymnasium."""

from __future__ import annotations

from pathlib import Path

from rlbench_suite.envs.calibration import cartpole
from rlbench_suite.envs.calibration.cartpole import cartpole_family
from rlbench_suite.registry import EnvCard, MDPFamily, load_references, register_env

FAMILY = "calibration"
REFERENCES = load_references(Path(__file__).parent / "data" / "references.json")
CARTPOLE_MAX_EPISODE_STEPS = 500  # Gymnasium's CartPole-v1 time limit


def _register() -> None:
    register_env(
        EnvCard(
            id="rlbench/CartPole-v1",
            family=FAMILY,
            entry_point="rlbench_suite.envs.calibration.cartpole:CartPoleEnv",
            multi_agent=False,
            objectives=("reward",),
            observation_kind="vector",
            anchor="Barto, Sutton & Anderson 1983, as Gymnasium's CartPole-v1",
            agents=("random", "balance"),
            expert_agent="balance",
            references=REFERENCES.get("rlbench/CartPole-v1"),
            mdp_family=MDPFamily(cartpole_family, "pole half-length U(0.4, 0.6); held out 0.7-1"),
            native_kernel=True,
            summary="Gymnasium's cart-pole; calibrates the C fast path against Gymnasium.",
            return_bounds=cartpole.return_bounds(CARTPOLE_MAX_EPISODE_STEPS),
        ),
        max_episode_steps=CARTPOLE_MAX_EPISODE_STEPS,
    )


_register()
