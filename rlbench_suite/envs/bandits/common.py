"""What every restless-bandit env of the family shares.

An env here is a set of arms, each a small Markov chain whose next-state distribution depends on
the joint action. Subclasses say three things: which next-state distribution an action induces
(:meth:`RestlessBanditBase.next_state_distribution`), which actions are feasible (a polytope over
the flattened action plus optional auxiliary variables, :attr:`RestlessBanditBase.action_polytope`)
and how the one-step expected reward reads as a linear objective over that polytope
(:meth:`RestlessBanditBase.one_step_objective`). Everything else (validation, the
``invalid_action`` options, stepping, rendering, the MILP used by the myopic agent and by action
projection) lives here once.
"""

from __future__ import annotations

from collections.abc import Callable
from copy import deepcopy
from dataclasses import dataclass
from numbers import Real
from typing import Any, ClassVar, Literal

import gymnasium as gym
import numpy as np
from gymnasium import spaces
from gymnasium.vector.utils import batch_space
from scipy.optimize import Bounds, LinearConstraint, milp

from rlbench_suite.envs.validation import (
    EnvContract,
    InvalidActionError,
    env_name,
    validate_action,
)

InvalidActionMode = Literal["raise", "penalty", "project"]
MILP_INFEASIBLE = 2  # scipy.optimize.milp's status for a problem with no feasible point
INVALID_ACTION_MODES: tuple[InvalidActionMode, ...] = ("raise", "penalty", "project")


class FeasibleMultiBinary(spaces.MultiBinary):
    """A ``MultiBinary`` space whose ``sample()`` draws feasible actions.

    Membership (``contains``) stays the plain binary structure, so learners and wrappers see an
    ordinary ``MultiBinary``; only sampling knows the constraints, so that
    ``env.action_space.sample()``, Gymnasium's checker and exploration code get actions the env
    accepts. A ``mask`` or ``probability`` argument falls back to plain ``MultiBinary`` sampling.
    """

    def __init__(
        self,
        n: int | tuple[int, ...],
        feasible_sampler: Callable[[np.random.Generator], np.ndarray],
        seed: int | np.random.Generator | None = None,
    ) -> None:
        super().__init__(n, seed=seed)
        self.feasible_sampler = feasible_sampler

    def sample(self, mask: Any = None, probability: Any = None) -> np.ndarray:
        """A feasible action drawn with this space's generator (seed it with ``seed()``)."""
        if mask is not None or probability is not None:
            return super().sample(mask=mask, probability=probability)
        return np.asarray(self.feasible_sampler(self.np_random), dtype=self.dtype).reshape(
            self.shape
        )


class _BatchedFeasibleSampler:
    """Draws one feasible action per env of a batch (a class, not a lambda, so it pickles)."""

    def __init__(
        self, feasible_sampler: Callable[[np.random.Generator], np.ndarray], num_envs: int
    ) -> None:
        self.feasible_sampler = feasible_sampler
        self.num_envs = num_envs

    def __call__(self, rng: np.random.Generator) -> np.ndarray:
        return np.stack([self.feasible_sampler(rng) for _ in range(self.num_envs)])


@batch_space.register(FeasibleMultiBinary)
def _batch_feasible_multi_binary(space: FeasibleMultiBinary, n: int = 1) -> FeasibleMultiBinary:
    # Vector envs (Gymnasium's and the native one) batch the single action space; registering
    # here keeps their action_space.sample() feasible for every env of the batch.
    return FeasibleMultiBinary(
        (n, *space.shape),
        _BatchedFeasibleSampler(space.feasible_sampler, n),
        seed=deepcopy(space.np_random),
    )


@dataclass(frozen=True)
class ActionPolytope:
    """The feasible actions as integer points of a polytope, as ``scipy.optimize.milp`` takes them.

    Decision variables are the flattened action first (``action_size`` of them, in
    ``action.ravel()`` order), then any auxiliary variables a constraint needs (walk edges,
    counters). Solving over it with HiGHS replaces the Gurobi models of the anchor code.
    """

    action_shape: tuple[int, ...]
    num_variables: int
    constraints: tuple[LinearConstraint, ...]
    integrality: np.ndarray  # (num_variables,) 1 = integer, 0 = continuous
    bounds: Bounds

    @property
    def action_size(self) -> int:
        """Number of decision variables that are entries of the action."""
        return int(np.prod(self.action_shape))

    def maximise(self, objective: np.ndarray, time_limit: float = 10.0) -> np.ndarray:
        """The feasible action maximising ``objective @ x`` (one coefficient per variable)."""
        if objective.shape != (self.num_variables,):
            raise ValueError(
                f"objective must have shape ({self.num_variables},), got {objective.shape}"
            )
        result = milp(
            c=-objective,
            constraints=list(self.constraints),
            integrality=self.integrality,
            bounds=self.bounds,
            options={"time_limit": time_limit, "presolve": True},
        )
        if result.x is None:
            raise RuntimeError(f"the action MILP found no feasible point: {result.message}")
        action = np.round(result.x[: self.action_size]).astype(np.int8)
        return action.reshape(self.action_shape)

    def complete(self, action: np.ndarray, time_limit: float = 10.0) -> np.ndarray | None:
        """A feasible point (all variables) whose action part is ``action``, or None if none is.

        Fixing the action variables by their bounds leaves a feasibility MILP over the auxiliary
        ones (an assignment, a walk), which HiGHS settles exactly. A limit hit before HiGHS
        decides raises RuntimeError rather than guess.
        """
        size = self.action_size
        lower = np.array(np.broadcast_to(self.bounds.lb, (self.num_variables,)), dtype=float)
        upper = np.array(np.broadcast_to(self.bounds.ub, (self.num_variables,)), dtype=float)
        fixed = np.asarray(action, dtype=float).ravel()
        if np.any(fixed < lower[:size]) or np.any(fixed > upper[:size]):
            return None
        lower[:size] = upper[:size] = fixed
        result = milp(
            c=np.zeros(self.num_variables),
            constraints=list(self.constraints),
            integrality=self.integrality,
            bounds=Bounds(lower, upper),
            options={"time_limit": time_limit, "presolve": True},
        )
        if result.x is not None:
            return np.round(result.x)
        if result.status == MILP_INFEASIBLE:
            return None
        raise RuntimeError(f"the action MILP could not decide feasibility: {result.message}")


class RestlessBanditBase(EnvContract, gym.Env[np.ndarray, np.ndarray]):
    """Shared mechanics of the family's envs; not registered itself.

    Subclasses set, in ``__init__`` before calling :meth:`_finish_init`: ``state_rewards``
    (num_arms, num_states), ``horizon``, ``action_space`` and ``action_polytope``, and implement
    :meth:`next_state_distribution`, :meth:`one_step_objective`, :meth:`sample_feasible_action`,
    :meth:`constraint_violation` and :meth:`_initial_states`. ``reset`` takes no options.
    """

    metadata: ClassVar[dict[str, Any]] = {"render_modes": ["ansi", "rgb_array"], "render_fps": 4}

    state_rewards: np.ndarray  # (num_arms, num_states)
    horizon: int
    action_polytope: ActionPolytope
    # The discount an index policy plans with in this setting (the Whittle agent's): 0.95 is
    # our choice for the v0 ids and stays so their references stay valid; a setting taken from
    # an anchor (UCWhittle's 0.9) overrides it.
    planning_discount: float = 0.95

    def _finish_init(
        self,
        invalid_action: InvalidActionMode,
        invalid_action_penalty: float,
        render_mode: str | None,
    ) -> None:
        if invalid_action not in INVALID_ACTION_MODES:
            raise ValueError(
                f"{type(self).__name__}: invalid_action must be one of {INVALID_ACTION_MODES}, "
                f"got {invalid_action!r}"
            )
        if render_mode is not None and render_mode not in self.metadata["render_modes"]:
            raise ValueError(
                f"{type(self).__name__}: render_mode must be one of "
                f"{self.metadata['render_modes']} or None, got {render_mode!r}"
            )
        if self.horizon < 1:
            raise ValueError(f"{type(self).__name__}: horizon must be >= 1, got {self.horizon}")
        # NaN and infinity were refused at construction (EnvContract); a negative penalty would
        # pay the agent for infeasible actions.
        if (
            isinstance(invalid_action_penalty, bool)
            or not isinstance(invalid_action_penalty, Real)
            or invalid_action_penalty < 0
        ):
            raise ValueError(
                f"{type(self).__name__}: invalid_action_penalty must be a number >= 0 (it is "
                f"subtracted from the reward), got {invalid_action_penalty!r}"
            )
        if isinstance(self.action_space, spaces.MultiBinary):
            self.action_space = FeasibleMultiBinary(
                self.action_space.n, self.sample_feasible_action
            )
        self.invalid_action = invalid_action
        self.invalid_action_penalty = float(invalid_action_penalty)
        self.render_mode = render_mode
        self.num_arms, self.num_states = self.state_rewards.shape
        self.observation_space = spaces.MultiDiscrete(
            np.full(self.num_arms, self.num_states, dtype=np.int64)
        )
        self.arm_states = np.zeros(self.num_arms, dtype=np.int64)  # (num_arms,)
        self.time_step = 0
        self._last_action = np.zeros(self.action_space.shape, dtype=np.int8)
        self._last_reward = 0.0

    # -- what a subclass defines ------------------------------------------------------------

    def next_state_distribution(self, arm_states: np.ndarray, action: np.ndarray) -> np.ndarray:
        """P(next state) of every arm, shape (num_arms, num_states), for a feasible action."""
        raise NotImplementedError

    def one_step_objective(self, arm_states: np.ndarray) -> tuple[np.ndarray, float]:
        """``(c, constant)`` with ``c @ x + constant`` = expected step reward over the polytope."""
        raise NotImplementedError

    def sample_feasible_action(self, rng: np.random.Generator) -> np.ndarray:
        """A random feasible action (the random-feasible reference agent's choice)."""
        raise NotImplementedError

    def constraint_violation(self, action: np.ndarray) -> str | None:
        """Why an in-space action is infeasible, or None when it is feasible."""
        raise NotImplementedError

    def _initial_states(self) -> np.ndarray:
        raise NotImplementedError

    def extra_step_info(self, action: np.ndarray) -> dict[str, Any]:
        """Entries a subclass adds to ``step``'s info for the feasible ``action`` it played."""
        return {}

    # -- shared mechanics ------------------------------------------------------------------

    @property
    def null_action(self) -> np.ndarray:
        """The action that intervenes nowhere; feasible in every env of the family."""
        return np.zeros(self.action_space.shape, dtype=self.action_space.dtype)

    def expected_reward(self, arm_states: np.ndarray, action: np.ndarray) -> float:
        """Expected reward of one step from ``arm_states`` under a feasible ``action``."""
        distribution = self.next_state_distribution(arm_states, action)
        return float(np.sum(distribution * self.state_rewards))

    def next_states_from_uniforms(
        self, arm_states: np.ndarray, action: np.ndarray, uniforms: np.ndarray
    ) -> np.ndarray:
        """Next state of every arm given one uniform draw per arm, shape (num_arms,).

        Arm ``j`` moves to the first state whose cumulative probability is at least
        ``uniforms[j]``. :meth:`step` feeds it ``np_random.random(num_arms)``; the native kernel
        (``rlbench_suite/csrc``) applies the same rule to its own draws.
        """
        cumulative = np.cumsum(self.next_state_distribution(arm_states, action), axis=1)
        # Clip guards the last column against float round-off in the cumulative sum.
        return np.minimum((uniforms[:, None] > cumulative).sum(axis=1), self.num_states - 1)

    def project_action(self, action: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        """The feasible action closest to ``action`` in Hamming distance; ties broken by ``rng``."""
        polytope = self.action_polytope
        objective = np.zeros(polytope.num_variables)
        keep_bonus = 2.0 * action.ravel().astype(float) - 1.0
        # A small random jitter (< 1/size, so it never outweighs one flipped entry) decides
        # which of equally close actions is kept, without favouring low indices.
        jitter = rng.uniform(0.0, 0.5 / polytope.action_size, size=polytope.action_size)
        objective[: polytope.action_size] = keep_bonus + jitter
        return polytope.maximise(objective)

    def reset(
        self, *, seed: int | None = None, options: dict[str, Any] | None = None
    ) -> tuple[np.ndarray, dict[str, Any]]:
        """Draw the arms' start states; ``options`` must be None or empty."""
        super().reset(seed=seed, options=options)
        self.arm_states = self._initial_states().astype(np.int64)
        self.time_step = 0
        self._last_action = self.null_action
        self._last_reward = 0.0
        return self.arm_states.copy(), {"time_step": 0}

    def step(self, action: np.ndarray) -> tuple[np.ndarray, float, bool, bool, dict[str, Any]]:
        """Apply ``action`` to every arm, sample next states, reward their state values."""
        self._warn_if_stepped_out_of_episode()
        action = validate_action(self, action)
        violation = self.constraint_violation(action)
        penalty = 0.0
        if violation is not None:
            if self.invalid_action == "raise":
                raise InvalidActionError(
                    f"{env_name(self)}: infeasible action: {violation} "
                    "(pass invalid_action='penalty' or 'project' to the env to allow it)"
                )
            if self.invalid_action == "penalty":
                action, penalty = self.null_action, self.invalid_action_penalty
            else:
                action = self.project_action(action, self.np_random)
        uniforms = self.np_random.random(self.num_arms)  # (num_arms,)
        next_states = self.next_states_from_uniforms(self.arm_states, action, uniforms)
        state_reward = float(self.state_rewards[np.arange(self.num_arms), next_states].sum())
        reward = state_reward - penalty
        self.arm_states = next_states.astype(np.int64)
        self.time_step += 1
        self._last_action, self._last_reward = action, reward
        truncated = self.time_step >= self.horizon
        self._record_step_end(False, truncated)
        info = {
            "time_step": self.time_step,
            "state_reward": state_reward,
            "invalid_action": violation is not None,
            "invalid_reason": violation or "",
            **self.extra_step_info(action),
        }
        return self.arm_states.copy(), reward, False, truncated, info

    # -- rendering ---------------------------------------------------------------------

    def render(self) -> str | np.ndarray | None:
        """``ansi``: a text line per arm group; ``rgb_array``: one coloured cell per arm."""
        if self.render_mode == "ansi":
            return self._render_text()
        if self.render_mode == "rgb_array":
            return self._render_image()
        return None

    def _pulled_arms(self) -> np.ndarray:
        """Which arms the last action touched, for display; (num_arms,) bool."""
        flat = np.asarray(self._last_action).reshape(-1)
        return (
            flat[: self.num_arms].astype(bool)
            if flat.size >= self.num_arms
            else np.zeros(self.num_arms, dtype=bool)
        )

    def _render_text(self) -> str:
        pulled = self._pulled_arms()
        cells = [
            f"[{state}]" if was_pulled else f" {state} "
            for state, was_pulled in zip(self.arm_states, pulled, strict=True)
        ]
        rows = [" ".join(cells[start : start + 20]) for start in range(0, len(cells), 20)]
        header = (
            f"{env_name(self)}  t={self.time_step}/{self.horizon}  "
            f"last reward={self._last_reward:.3f}  ([s] = acted on)"
        )
        return "\n".join([header, *rows]) + "\n"

    def _render_image(self) -> np.ndarray:
        import os

        os.environ.setdefault("PYGAME_HIDE_SUPPORT_PROMPT", "1")
        import pygame

        columns = int(np.ceil(np.sqrt(self.num_arms)))
        rows = int(np.ceil(self.num_arms / columns))
        cell = max(8, 256 // columns)
        surface = pygame.Surface((columns * cell, rows * cell))
        surface.fill((30, 30, 30))
        values = self.state_rewards[np.arange(self.num_arms), self.arm_states]
        low, high = float(self.state_rewards.min()), float(self.state_rewards.max())
        shade = (values - low) / (high - low) if high > low else np.ones_like(values)
        for arm, (level, was_pulled) in enumerate(zip(shade, self._pulled_arms(), strict=True)):
            x, y = (arm % columns) * cell, (arm // columns) * cell
            colour = (int(220 * (1 - level)), int(60 + 160 * level), 60)
            pygame.draw.rect(surface, colour, (x + 1, y + 1, cell - 2, cell - 2))
            if was_pulled:
                pygame.draw.rect(surface, (255, 255, 255), (x, y, cell, cell), width=2)
        return np.transpose(pygame.surfarray.array3d(surface), (1, 0, 2)).copy()


def restless_return_bounds(
    arm_rewards: np.ndarray,
    horizon: int,
    invalid_action: InvalidActionMode,
    invalid_action_penalty: float | None,
) -> tuple[float, float]:
    """Smallest and largest episode return of a family env, from what each arm can pay.

    ``arm_rewards`` (num_arms, k) lists every state reward arm ``j`` can pay (its row of
    ``state_rewards``, or every value an instance draw can give it). :meth:`RestlessBanditBase.step`
    pays each arm the reward of its next state and never terminates, so an episode is exactly
    ``horizon`` steps, each worth between the sum of the arms' smallest rewards and the sum of
    their largest. Only ``invalid_action="penalty"`` takes more: a penalised step also loses
    ``invalid_action_penalty``; its default, as the envs compute it, is the sum over arms of the
    largest absolute state reward (the coupled envs take the largest reward, the same number
    for their positive rewards).
    """
    import math

    arm_rewards = np.asarray(arm_rewards, dtype=np.float64)  # (num_arms, k)
    # fsum: the exact sum, correctly rounded (twenty 0.1 rewards make 2.0, not 2.0000000000000004).
    step_low = math.fsum(arm_rewards.min(axis=1))
    step_high = math.fsum(arm_rewards.max(axis=1))
    penalty = 0.0
    if invalid_action == "penalty":
        penalty = (
            math.fsum(np.abs(arm_rewards).max(axis=1))
            if invalid_action_penalty is None
            else float(invalid_action_penalty)
        )
    # max(...) keeps the bounds sound whatever the penalty's sign: a penalised step pays
    # its state rewards minus the penalty, an unpenalised one pays them alone.
    return (
        horizon * (step_low - max(penalty, 0.0)),
        horizon * (step_high + max(-penalty, 0.0)),
    )
