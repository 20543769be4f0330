"""Trivial policies: what an agent that learned nothing can do, the floor of a normalised score.

A trivial policy ignores its observations and repeats one action. On QuadHover the constant
hover-thrust action earns 96 % of the PID's return, far above random's 5 %: normalised from
random alone, a policy that never learned to fly would look nearly expert. So each env's zero
anchor is the best of random and the policies here (see
:class:`rlbench_suite.registry.ReferenceScores`).

The set is derived from the env's action space, plus the env's own notion of a fixed feasible
action:

================  ==================================================================
``Box``           the centre (for the quadrotors' normalised rpm, hover thrust), the
                  low corner and the high corner
``Discrete(n)``   each action, for up to 16 actions (else the first 16)
``MultiBinary``   no action at all (``none``) and every entry on (``all``), where the
                  env does not refuse them as infeasible
``Text``          the same utterance every turn: each of the first 3 of the env's
                  ``action_vocabulary()``
any space         ``fixed``: one feasible action drawn once (seed 0) and repeated
================  ==================================================================

    >>> import gymnasium as gym, rlbench_suite
    >>> sorted(trivial_policies(gym.make("rlbench/QuadHover-v0")))
    ['constant:centre', 'constant:fixed', 'constant:high', 'constant:low']
"""

from __future__ import annotations

from typing import Any

import gymnasium as gym
import numpy as np
from gymnasium import spaces

MAX_CONSTANT_CHOICES = 16
MAX_UTTERANCES = 3


class ConstantAgent:
    """Repeats ``action`` whatever it observes."""

    def __init__(self, action: Any, name: str) -> None:
        self.action = action
        self.name = name

    def reset(self, seed: int | None = None) -> None:
        """Nothing to reset: the action never changes."""

    def act(self, observation: Any) -> Any:
        """The constant action (a copy, so no caller can change it)."""
        return self.action.copy() if isinstance(self.action, np.ndarray) else self.action


def trivial_actions(env: gym.Env) -> dict[str, Any]:
    """The trivial policies' actions for ``env`` (a ``gym.make`` result), by short label."""
    space = env.action_space
    actions: dict[str, Any] = {}
    if isinstance(space, spaces.Box):
        low = np.where(np.isfinite(space.low), space.low, -1.0)
        high = np.where(np.isfinite(space.high), space.high, 1.0)
        actions["centre"] = ((low + high) / 2).astype(space.dtype)
        actions["low"] = low.astype(space.dtype)
        actions["high"] = high.astype(space.dtype)
    elif isinstance(space, spaces.Discrete):
        for index in range(min(int(space.n), MAX_CONSTANT_CHOICES)):
            actions[f"action={int(space.start) + index}"] = int(space.start) + index
    elif isinstance(space, spaces.MultiBinary):
        actions["none"] = np.zeros(space.shape, dtype=space.dtype)
        # Over a budget, "all" is what a policy that ignores the budget does; where the env
        # penalises it, the penalty is part of what it scores.
        actions["all"] = np.ones(space.shape, dtype=space.dtype)
    elif isinstance(space, spaces.Text):
        vocabulary = getattr(env.unwrapped, "action_vocabulary", None)
        for utterance in (vocabulary() if vocabulary is not None else [])[:MAX_UTTERANCES]:
            actions[f"say={utterance}"] = utterance
    sample_feasible = getattr(env.unwrapped, "sample_feasible_action", None)
    if sample_feasible is not None:
        actions["fixed"] = sample_feasible(np.random.default_rng(0))
    else:
        space.seed(0)
        actions["fixed"] = space.sample()
    # Envs that refuse infeasible actions outright (the coupled bandits) cannot be played by a
    # policy that sends one; it is not a policy of that env, so it is left out.
    violation = getattr(env.unwrapped, "constraint_violation", None)
    if violation is not None:
        actions = {label: action for label, action in actions.items() if violation(action) is None}
    return actions


def trivial_policies(env: gym.Env) -> dict[str, ConstantAgent]:
    """The trivial policies for ``env``, named ``constant:<label>``."""
    return {
        f"constant:{label}": ConstantAgent(action, f"constant:{label}")
        for label, action in trivial_actions(env).items()
    }


__all__ = ["ConstantAgent", "trivial_actions", "trivial_policies"]
