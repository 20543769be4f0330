"""CartPole-v1: Gymnasium's cart-pole, registered as a calibration env for the native fast path.

## Description

A pole is hinged on a cart that moves along a frictionless track; pushing the cart left or right
keeps the pole upright (Barto, Sutton and Anderson, 1983). This is Gymnasium's own
``CartPoleEnv``: same constants, same euler integrator, same float64 state. The suite adds three
things: actions are checked by :func:`rlbench_suite.envs.validation.validate_action` (a bad
action raises a ``TypeError`` or ``ValueError`` naming the env, rather than an assertion), the
velocities get finite bounds, and the pole's half-length is an argument so the MDP family can
vary it. Its job is calibration: the C kernel behind
``gym.make_vec("rlbench/CartPole-v1", num_envs=N)`` is checked step by step against Gymnasium's
``CartPole-v1`` and timed against Gymnasium's and EnvPool's vector envs.

## Action Space

``Discrete(2)``: 0 pushes the cart left, 1 pushes it right, with a force of 10 N.

## Observation Space

``Box(float32, (4,))``:

| index | observation | min | max |
|-------|-------------|-----|-----|
| 0 | cart position (m) | -4.8 | 4.8 |
| 1 | cart velocity (m/s) | -480 | 480 |
| 2 | pole angle (rad) | -0.418 | 0.418 |
| 3 | pole angular velocity (rad/s) | -41.9 | 41.9 |

Gymnasium's bounds, with finite velocity bounds where Gymnasium has none: a step that does not
end the episode moves the cart at most 4.8 m and the pole at most 0.419 rad, which caps the
velocities; the bounds are twice that cap.

## Rewards

+1 for every step, the terminating one included (``sutton_barto_reward=True``: 0 a step and -1
on termination).

## Starting State

All four state variables uniform in ``[-0.05, 0.05)``; ``reset(options={"low": a, "high": b})``
draws them from ``[a, b)`` instead, as in Gymnasium (no other option is accepted).

## Episode End

Termination when the pole leans more than 12 degrees or the cart leaves ``[-2.4, 2.4]``;
truncation after 500 steps.

## Arguments

```python
gym.make("rlbench/CartPole-v1", length=0.5, sutton_barto_reward=False, render_mode=None)
gym.make_vec("rlbench/CartPole-v1", num_envs=1024, num_threads=1, autoreset_mode="next_step")
```

- ``length``: half the pole's length in metres (Gymnasium's ``length``); the MDP family draws it
  from ``U(0.4, 0.6)``, the held-out split from ``U(0.7, 1.0)``.
- ``render_mode``: ``"human"`` or ``"rgb_array"``, Gymnasium's drawing.
- ``make_vec`` runs the C kernel (see :mod:`rlbench_suite.vector`); ``num_threads`` and
  ``autoreset_mode`` are its arguments.

## Reference Scores

None stored yet: the random agent scores about 22 an episode, and pushing toward the side the
pole falls to (``angle + 0.5 * angular_velocity > 0``) scores 500; the family exists to time
and check the fast path, not to rank agents.

## Version History

- v1: Gymnasium's CartPole-v1 (500-step episodes).

## Credits

A. G. Barto, R. S. Sutton, C. W. Anderson, "Neuronlike adaptive elements that can solve
difficult learning control problems", IEEE SMC 1983. Dynamics and constants: Gymnasium's
``classic_control/cartpole.py`` (Farama Foundation).

Example:
    >>> import gymnasium as gym, rlbench_suite.envs.calibration
    >>> env = gym.make("rlbench/CartPole-v1")
    >>> observation, info = env.reset(seed=0)
    >>> observation.shape, observation.dtype
    ((4,), dtype('float32'))
    >>> observation, reward, terminated, truncated, info = env.step(1)
    >>> reward
    1.0

"""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np
from gymnasium import spaces
from gymnasium.envs.classic_control import cartpole

from rlbench_suite.envs.validation import EnvContract, validate_action


class CartPoleEnv(EnvContract, cartpole.CartPoleEnv):
    """Gymnasium's ``CartPoleEnv`` with checked actions and a settable pole half-length."""

    #: Gymnasium's CartPole reads the start range from these.
    reset_options = ("low", "high")

    def __init__(
        self,
        length: float = 0.5,
        sutton_barto_reward: bool = False,
        render_mode: str | None = None,
    ) -> None:
        super().__init__(sutton_barto_reward=sutton_barto_reward, render_mode=render_mode)
        if not length > 0:
            raise ValueError(f"CartPoleEnv: length must be a positive number, got {length!r}")
        self.length = float(length)
        self.polemass_length = self.masspole * self.length
        # Gymnasium leaves the velocities unbounded; the suite's checks want finite bounds. Before
        # termination one step moves the cart at most 2 x_threshold and the pole at most
        # 2 theta_threshold, so |x_dot| <= 2 x_threshold / tau and |theta_dot| <=
        # 2 theta_threshold / tau on those states; doubling that, as Gymnasium doubles the
        # position thresholds, keeps the terminating step's observation inside as well.
        high = np.array(
            [
                2 * self.x_threshold,
                2 * (2 * self.x_threshold / self.tau),
                2 * self.theta_threshold_radians,
                2 * (2 * self.theta_threshold_radians / self.tau),
            ],
            dtype=np.float32,
        )
        self.observation_space = spaces.Box(-high, high, dtype=np.float32)

    def step(self, action: Any) -> tuple[np.ndarray, float, bool, bool, dict[str, Any]]:
        """Gymnasium's step, after the suite's order and action checks."""
        self._warn_if_stepped_out_of_episode()
        checked = int(validate_action(self, action))
        if self.steps_beyond_terminated is None:
            result = super().step(checked)
        else:
            # Past termination Gymnasium's CartPole warns too; the suite's warning above already
            # did, naming the env, so the user reads one warning rather than two.
            with warnings.catch_warnings():
                warnings.filterwarnings("ignore", message=".*already returned terminated = True")
                result = super().step(checked)
        self._record_step_end(result[2], result[3])
        return result


def cartpole_family(rng: np.random.Generator, split: str) -> dict[str, Any]:
    """MDP family: pole half-length U(0.4, 0.6); held out U(0.7, 1.0), never seen in training."""
    low, high = (0.4, 0.6) if split == "in_distribution" else (0.7, 1.0)
    return {"length": float(rng.uniform(low, high))}


def return_bounds(max_episode_steps: int, **env_kwargs: Any) -> tuple[float, float]:
    """Smallest and largest episode return of ``CartPoleEnv(**env_kwargs)`` under a time limit.

    ``max_episode_steps`` is the registration's ``TimeLimit`` (500 for CartPole-v1): the env
    itself never truncates. Gymnasium's reward is +1 on every step, the terminating one
    included, and an episode lasts 1 to ``max_episode_steps`` steps, so returns lie in
    ``[1, max_episode_steps]``. With ``sutton_barto_reward=True`` a step pays 0 and the
    terminating step -1, so returns lie in ``[-1, 0]``.
    """
    import inspect

    # Binding to the class's own signature reads its defaults, so none is typed here twice.
    arguments = inspect.signature(CartPoleEnv).bind(**env_kwargs)
    arguments.apply_defaults()
    if arguments.arguments["sutton_barto_reward"]:
        return -1.0, 0.0
    return 1.0, float(max_episode_steps)
