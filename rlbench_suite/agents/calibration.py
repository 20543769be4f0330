"""Reference agent of the calibration family: a PD controller that balances the cart-pole."""

from __future__ import annotations

from typing import Any

import gymnasium as gym
import numpy as np


class PoleBalanceAgent:
    """Push the cart toward the side the pole is falling to (a PD law on angle and cart drift).

    The pushing direction is the sign of ``angle + 0.5 angular velocity + 0.05 (x + velocity)``
    (a small cart term keeps the cart from drifting off the track over 500 steps); it holds
    Gymnasium's CartPole-v1 for the full episode from its start distribution.
    """

    ANGLE_RATE_GAIN = 0.5
    CART_GAIN = 0.05

    def __init__(self, env: gym.Env) -> None:
        if env.observation_space.shape != (4,):
            raise TypeError(
                f"PoleBalanceAgent needs the 4-D cart-pole state, got {env.observation_space}"
            )

    def reset(self, seed: int | None = None) -> None:
        """Deterministic: nothing to reseed."""

    def act(self, observation: Any) -> int:
        """1 (push right) when the pole falls right, else 0."""
        position, velocity, angle, angular_velocity = np.asarray(observation, dtype=float)
        lean = angle + self.ANGLE_RATE_GAIN * angular_velocity
        return int(lean + self.CART_GAIN * (position + velocity) > 0)
