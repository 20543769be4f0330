"""Whittle indices of restless bandit arms with two actions and finite state spaces.

Every arm is a small Markov decision process with action 0 (passive) and action 1 (active).
The Whittle index of a state is the passive subsidy λ that leaves the arm indifferent between
the two actions in that state, in the discounted λ-subsidised single-arm problem

    Q(s, 0) = λ + R(s, 0) + discount · Σ_s2 P0[s, s2] · V(s2)
    Q(s, 1) =     R(s, 1) + discount · Σ_s2 P1[s, s2] · V(s2)
    V(s)    = max(Q(s, 0), Q(s, 1)).

Conventions shared with the rest of ``rlbench_suite``:

* ``transitions[j, s, a, s2]`` is the probability that arm ``j`` moves from state ``s`` to
  state ``s2`` under action ``a``; shape ``(num_arms, num_states, 2, num_states)``.
* ``state_rewards[j, s2]`` is paid when arm ``j`` lands in state ``s2``, so the expected
  immediate reward is ``R[j, s, a] = Σ_s2 transitions[j, s, a, s2] · state_rewards[j, s2]``.
  A ``(num_states,)`` vector is shared by all arms.

Indices are in the units of ``state_rewards`` per step (a subsidy paid every passive step);
they are not multiplied by ``1 - discount``.
"""

from __future__ import annotations

import operator

import numpy as np
from numpy.typing import ArrayLike, NDArray

__all__ = ["two_state_whittle_indices", "whittle_indices"]

PASSIVE = 0
ACTIVE = 1

PROBABILITY_ATOL = 1e-6

# Largest number of float64 entries in one batch of per-problem transition matrices. Problems
# are (arm, state) pairs, each carrying two num_states x num_states matrices; chunking keeps the
# memory bounded (about 64 MiB per matrix stack) for arms with many states.
_MAX_BATCH_MATRIX_ENTRIES = 1 << 23

# Policy iteration switches an action only when the other one is better by more than this
# fraction of the value scale: exact ties (common at the indifference point we are bisecting
# towards) would otherwise let round-off flip actions back and forth forever.
_IMPROVEMENT_RELATIVE_SLACK = 1e-12


def whittle_indices(
    transitions: ArrayLike,
    state_rewards: ArrayLike,
    discount: float = 0.95,
    *,
    tolerance: float = 1e-7,
    max_bisection_steps: int = 200,
) -> NDArray[np.float64]:
    """Whittle index of every state of every arm, by bisection on the passive subsidy.

    For each (arm, state) pair the subsidy λ is bisected on the sign of the active advantage
    ``Q(s, 1) - Q(s, 0)`` of the optimal λ-subsidised single-arm policy: a positive advantage
    means the index lies above λ. All pairs are bisected together, vectorised over arms.

    Args:
        transitions: shape ``(num_arms, num_states, 2, num_states)``; probability of the next
            state given arm, state and action (0 passive, 1 active). Rows sum to 1.
        state_rewards: shape ``(num_arms, num_states)`` or ``(num_states,)``; reward paid on
            arriving in a state (reward units per step).
        discount: discount factor per step, in the open interval (0, 1).
        tolerance: width, in reward units, of the final bisection bracket; every returned
            index is within ``tolerance / 2`` of the subsidy where the preference flips.
        max_bisection_steps: cap on bisection halvings, hit only when ``tolerance`` is tiny
            compared with the reward range.

    Returns:
        Array of shape ``(num_arms, num_states)``: the index in reward units per step.
        For an arm that is not indexable this is a subsidy at which the preference in the
        state flips, which is not a Whittle index; check indexability separately if needed.

    Raises:
        ValueError: on malformed shapes, non-stochastic or negative transition probabilities,
            non-finite entries, a discount outside (0, 1), a non-positive ``tolerance`` or a
            ``max_bisection_steps`` below 1.
        TypeError: if ``max_bisection_steps`` is not an integer.

    Examples:
        >>> import numpy as np
        >>> stay = np.array([[[0.9, 0.1], [0.2, 0.8]], [[0.7, 0.3], [0.1, 0.9]]])[None]
        >>> rewards = np.array([0.0, 1.0])
        >>> bool(np.allclose(whittle_indices(stay, rewards),
        ...                  two_state_whittle_indices(stay, rewards), atol=1e-6))
        True

    """
    transition_tensor, reward_table, discount = _validate_arms(transitions, state_rewards, discount)
    try:
        tolerance = float(tolerance)
    except (TypeError, ValueError) as error:
        raise ValueError(f"tolerance must be a positive number; got {tolerance!r}") from error
    if not tolerance > 0.0:
        raise ValueError(f"tolerance must be a positive number; got {tolerance}")
    try:
        max_bisection_steps = operator.index(max_bisection_steps)
    except TypeError as error:
        raise TypeError(
            f"max_bisection_steps must be an integer >= 1; got {max_bisection_steps!r}"
        ) from error
    if max_bisection_steps < 1:
        raise ValueError(f"max_bisection_steps must be an integer >= 1; got {max_bisection_steps}")

    num_arms, num_states = reward_table.shape
    expected_rewards = _expected_rewards(transition_tensor, reward_table)  # (arms, states, 2)

    # Bracket. Let g = discount and Δr = max(state_rewards[j]) - min(state_rewards[j]); every
    # expected reward R(s, a) averages state rewards, so it lies in [r_min, r_max].
    # * λ >= 0: always-passive earns at least r_min + λ per step and no policy earns more than
    #   r_max + λ, so (r_min + λ)/(1-g) <= V <= (r_max + λ)/(1-g) and span(V) <= Δr/(1-g).
    #   Hence Q(s,0) - Q(s,1) >= λ - Δr - gΔr/(1-g) = λ - Δr/(1-g): passive wins in every
    #   state once λ >= Δr/(1-g).
    # * λ <= 0: always-active earns at least r_min and nothing earns more than r_max, so again
    #   span(V) <= Δr/(1-g) and Q(s,1) - Q(s,0) >= -λ - Δr/(1-g): active wins in every state
    #   once λ <= -Δr/(1-g).
    # So every index, and every preference flip, lies in [-Δr/(1-g), Δr/(1-g)].
    reward_span = reward_table.max(axis=1) - reward_table.min(axis=1)  # (num_arms,)
    bracket_half_width = reward_span / (1.0 - discount)  # (num_arms,)

    indices = np.empty(num_arms * num_states)  # (num_arms * num_states,) in arm-major order
    problems_per_chunk = max(1, _MAX_BATCH_MATRIX_ENTRIES // (num_states * num_states))
    for first_problem in range(0, num_arms * num_states, problems_per_chunk):
        problem_ids = np.arange(
            first_problem, min(first_problem + problems_per_chunk, num_arms * num_states)
        )
        arm_of_problem = problem_ids // num_states  # (chunk,)
        target_state = problem_ids % num_states  # (chunk,)
        indices[problem_ids] = _bisect_indices(
            passive_transitions=transition_tensor[arm_of_problem, :, PASSIVE, :],
            active_transitions=transition_tensor[arm_of_problem, :, ACTIVE, :],
            passive_rewards=expected_rewards[arm_of_problem, :, PASSIVE],
            active_rewards=expected_rewards[arm_of_problem, :, ACTIVE],
            target_state=target_state,
            bracket_half_width=bracket_half_width[arm_of_problem],
            discount=discount,
            tolerance=tolerance,
            max_bisection_steps=max_bisection_steps,
        )
    return indices.reshape(num_arms, num_states)


def two_state_whittle_indices(
    transitions: ArrayLike,
    state_rewards: ArrayLike,
    discount: float = 0.95,
) -> NDArray[np.float64]:
    """Closed-form Whittle indices of two-state arms.

    Derivation. Write ``o`` for the state other than ``s``, ``γ`` for the discount,
    ``ΔR(s) = R(s,1) - R(s,0)`` and ``Δp(s) = P1[s,o] - P0[s,o]``. If ``s`` is indifferent
    at subsidy λ, ``V(s)`` satisfies both Bellman equations of ``s``; subtracting them gives

        λ = ΔR(s) - γ · Δp(s) · (V(s) - V(o)).

    When the optimal policy plays the same action ``a`` in both states, the gap
    ``D = V(s) - V(o)`` does not involve λ at all (the subsidy, if any, is paid in both
    states and cancels): subtracting the two Bellman equations of action ``a`` gives
    ``D = (R(s,a) - R(o,a)) + γ · (1 - Pa[s,o] - Pa[o,s]) · D``, so

        D_a(s) = (R(s,a) - R(o,a)) / (1 - γ · (1 - Pa[s,o] - Pa[o,s])),

    whose denominator is at least ``1 - γ > 0``. For λ very negative the all-active policy
    is optimal and its value does not depend on λ, so the first state to become indifferent
    as λ grows is the one with the smaller ``B(s) = ΔR(s) - γ Δp(s) D_1(s)``; that state,
    ``l``, has index ``B(l)``. On an indexable arm ``l`` stays passive from then on, so the
    other state ``h`` turns indifferent while ``l`` is passive, at
    ``A(h) = ΔR(h) - γ Δp(h) D_0(h)``. Indexability is what makes ``A(h) >= B(l)``; on a
    non-indexable arm the numbers returned are not Whittle indices.

    Args:
        transitions: shape ``(num_arms, 2, 2, 2)``; ``transitions[j, s, a, s2]``.
        state_rewards: shape ``(num_arms, 2)`` or ``(2,)``; reward paid on arriving in a state.
        discount: discount factor per step, in the open interval (0, 1).

    Returns:
        Array of shape ``(num_arms, 2)``: the index in reward units per step.

    Raises:
        ValueError: if the arms do not have exactly two states, or on any input rejected by
            :func:`whittle_indices`.

    """
    try:
        transition_array = np.asarray(transitions, dtype=float)
    except (TypeError, ValueError) as error:
        raise ValueError(
            "transitions must be a numeric array of shape (num_arms, 2, 2, 2)"
        ) from error
    if transition_array.ndim != 4 or transition_array.shape[1:] != (2, 2, 2):
        raise ValueError(
            "two_state_whittle_indices needs two-state arms: transitions of shape "
            f"(num_arms, 2, 2, 2); got shape {transition_array.shape}"
        )
    transition_tensor, reward_table, discount = _validate_arms(
        transition_array, state_rewards, discount
    )
    expected_rewards = _expected_rewards(transition_tensor, reward_table)  # (arms, 2, 2)

    state = np.array([0, 1])
    other_state = 1 - state
    # (num_arms, 2, 2): [arm, s, a] = P_a[s, o], probability of leaving s under action a.
    leave_probability = transition_tensor[:, state, :, other_state].transpose(1, 0, 2)
    # (num_arms, 2, 2): [arm, s, a] = R(s, a) - R(o, a).
    reward_gap = expected_rewards[:, state, :] - expected_rewards[:, other_state, :]
    # (num_arms, 1, 2): [arm, 0, a] = Pa[0,1] + Pa[1,0], symmetric in which state is s.
    total_leave = leave_probability.sum(axis=1, keepdims=True)
    value_gap = reward_gap / (1.0 - discount * (1.0 - total_leave))  # (num_arms, 2, 2)

    reward_lift = expected_rewards[:, :, ACTIVE] - expected_rewards[:, :, PASSIVE]  # (arms, 2)
    leave_lift = leave_probability[:, :, ACTIVE] - leave_probability[:, :, PASSIVE]  # (arms, 2)
    others_active_index = reward_lift - discount * leave_lift * value_gap[:, :, ACTIVE]
    others_passive_index = reward_lift - discount * leave_lift * value_gap[:, :, PASSIVE]

    first_indifferent = np.argmin(others_active_index, axis=1)  # (num_arms,)
    is_first = state[None, :] == first_indifferent[:, None]  # (num_arms, 2)
    return np.where(is_first, others_active_index, others_passive_index)


def _bisect_indices(
    *,
    passive_transitions: NDArray[np.float64],
    active_transitions: NDArray[np.float64],
    passive_rewards: NDArray[np.float64],
    active_rewards: NDArray[np.float64],
    target_state: NDArray[np.intp],
    bracket_half_width: NDArray[np.float64],
    discount: float,
    tolerance: float,
    max_bisection_steps: int,
) -> NDArray[np.float64]:
    """Bisect the indifference subsidy of a batch of (arm, target state) problems.

    Matrices have shape ``(batch, num_states, num_states)``, rewards ``(batch, num_states)``,
    ``target_state`` and ``bracket_half_width`` shape ``(batch,)``. Returns ``(batch,)``.
    """
    batch_size, num_states = passive_rewards.shape
    lower = -bracket_half_width.copy()  # (batch,)
    upper = bracket_half_width.copy()  # (batch,)
    # Nearby subsidies share optimal policies, so each bisection step warm-starts policy
    # iteration from the previous step's policy and usually needs a single linear solve.
    active_policy = np.ones((batch_size, num_states), dtype=bool)  # (batch, num_states)

    # Each problem stops once its own bracket is narrow enough, so an arm's indices do not
    # depend on which other arms share the batch (or the chunk).
    for _ in range(max_bisection_steps):
        open_problems = np.flatnonzero(upper - lower > tolerance)  # (num_open,)
        if open_problems.size == 0:
            break
        subsidy = 0.5 * (lower[open_problems] + upper[open_problems])  # (num_open,)
        open_policy, active_advantage = _optimal_active_advantage(
            passive_transitions[open_problems],
            active_transitions[open_problems],
            passive_rewards[open_problems],
            active_rewards[open_problems],
            subsidy,
            discount,
            active_policy[open_problems],
        )
        active_policy[open_problems] = open_policy
        target_advantage = active_advantage[
            np.arange(open_problems.size), target_state[open_problems]
        ]
        # Active still preferred means the subsidy has not yet reached the index.
        prefers_active = target_advantage > 0.0  # (num_open,)
        lower[open_problems] = np.where(prefers_active, subsidy, lower[open_problems])
        upper[open_problems] = np.where(prefers_active, upper[open_problems], subsidy)
    return 0.5 * (lower + upper)


def _optimal_active_advantage(
    passive_transitions: NDArray[np.float64],
    active_transitions: NDArray[np.float64],
    passive_rewards: NDArray[np.float64],
    active_rewards: NDArray[np.float64],
    subsidy: NDArray[np.float64],
    discount: float,
    initial_active_policy: NDArray[np.bool_],
) -> tuple[NDArray[np.bool_], NDArray[np.float64]]:
    """Optimal policy and ``Q(s,1) - Q(s,0)`` of each λ-subsidised problem in a batch.

    Policy iteration with exact policy evaluation (a batched linear solve) is used instead of
    value iteration: value iteration needs about ``log(tol) / log(discount)`` sweeps per
    subsidy (hundreds at discount 0.95) and leaves an error in ``Q`` of the size of the very
    advantage whose sign drives the bisection, whereas policy iteration ends after a few
    ``num_states x num_states`` solves with ``Q`` exact up to round-off.

    Shapes: transitions ``(batch, num_states, num_states)``, rewards and
    ``initial_active_policy`` ``(batch, num_states)``, ``subsidy`` ``(batch,)``. Returns the
    optimal active mask and the advantage, both ``(batch, num_states)``.
    """
    batch_size, num_states = passive_rewards.shape
    subsidised_passive_rewards = passive_rewards + subsidy[:, None]  # (batch, num_states)
    value_scale = (
        np.abs(passive_rewards).max(axis=1)
        + np.abs(active_rewards).max(axis=1)
        + np.abs(subsidy)
        + 1.0
    ) / (1.0 - discount)  # (batch,)
    improvement_slack = (_IMPROVEMENT_RELATIVE_SLACK * value_scale)[:, None]  # (batch, 1)
    identity = np.eye(num_states)

    active_policy = initial_active_policy.copy()  # (batch, num_states)
    active_advantage = np.empty((batch_size, num_states))  # (batch, num_states)
    # Only problems whose policy changed in the last round are re-evaluated: after a warm
    # start most of the batch is already optimal and needs just the first solve.
    pending = np.arange(batch_size)  # (num_pending,)
    # Policy iteration never revisits a policy, so it stops within 2**num_states rounds; in
    # practice a handful. The cap only guards against pathological round-off.
    max_rounds = 10 * num_states + 50
    for _ in range(max_rounds):
        policy = active_policy[pending]  # (num_pending, num_states)
        passive_matrices = passive_transitions[pending]  # (num_pending, num_states, num_states)
        active_matrices = active_transitions[pending]  # (num_pending, num_states, num_states)
        passive_gain = subsidised_passive_rewards[pending]  # (num_pending, num_states)
        policy_transitions = np.where(policy[:, :, None], active_matrices, passive_matrices)
        policy_rewards = np.where(policy, active_rewards[pending], passive_gain)
        values = np.linalg.solve(
            identity - discount * policy_transitions, policy_rewards[:, :, None]
        )  # (num_pending, num_states, 1)
        passive_q = passive_gain + discount * (passive_matrices @ values)[..., 0]
        active_q = active_rewards[pending] + discount * (active_matrices @ values)[..., 0]
        advantage = active_q - passive_q  # (num_pending, num_states)
        active_advantage[pending] = advantage
        slack = improvement_slack[pending]  # (num_pending, 1)
        should_switch = np.where(policy, advantage < -slack, advantage > slack)
        switched = should_switch.any(axis=1)  # (num_pending,)
        if not switched.any():
            break
        active_policy[pending] = policy ^ should_switch
        pending = pending[switched]
    return active_policy, active_advantage


def _expected_rewards(
    transition_tensor: NDArray[np.float64], reward_table: NDArray[np.float64]
) -> NDArray[np.float64]:
    """``R[j, s, a] = Σ_s2 P[j, s, a, s2] · r[j, s2]``, shape ``(num_arms, num_states, 2)``."""
    return np.einsum("jsat,jt->jsa", transition_tensor, reward_table)


def _validate_arms(
    transitions: ArrayLike, state_rewards: ArrayLike, discount: float
) -> tuple[NDArray[np.float64], NDArray[np.float64], float]:
    """Check and normalise the arm description.

    Returns the transitions ``(num_arms, num_states, 2, num_states)``, the state rewards
    broadcast to ``(num_arms, num_states)`` and the discount as a float.
    """
    try:
        discount = float(discount)
    except (TypeError, ValueError) as error:
        raise ValueError(
            f"discount must be a number in the open interval (0, 1); got {discount!r}"
        ) from error
    if not 0.0 < discount < 1.0:
        raise ValueError(f"discount must be in the open interval (0, 1); got {discount}")

    try:
        transition_tensor = np.asarray(transitions, dtype=float)
    except (TypeError, ValueError) as error:
        raise ValueError(
            "transitions must be a numeric array of shape (num_arms, num_states, 2, num_states)"
        ) from error
    shape = transition_tensor.shape
    if (
        transition_tensor.ndim != 4
        or shape[2] != 2
        or shape[1] != shape[3]
        or shape[0] < 1
        or shape[1] < 1
    ):
        raise ValueError(
            "transitions must have shape (num_arms, num_states, 2, num_states) with at least "
            f"one arm and one state; got shape {shape}"
        )
    num_arms, num_states = shape[0], shape[1]
    if not np.all(np.isfinite(transition_tensor)):
        raise ValueError("transitions must be finite; got NaN or infinite entries")
    if np.any(transition_tensor < 0.0):
        arm, state, action, next_state = np.argwhere(transition_tensor < 0.0)[0]
        raise ValueError(
            "transitions must be non-negative probabilities; got "
            f"transitions[{arm}, {state}, {action}, {next_state}] = "
            f"{transition_tensor[arm, state, action, next_state]}"
        )
    row_sums = transition_tensor.sum(axis=3)  # (num_arms, num_states, 2)
    off_rows = np.argwhere(np.abs(row_sums - 1.0) > PROBABILITY_ATOL)
    if off_rows.size:
        arm, state, action = off_rows[0]
        raise ValueError(
            f"transitions[j, s, a, :] must sum to 1 (atol {PROBABILITY_ATOL}); got "
            f"transitions[{arm}, {state}, {action}, :] summing to {row_sums[arm, state, action]}"
        )

    try:
        reward_array = np.asarray(state_rewards, dtype=float)
    except (TypeError, ValueError) as error:
        raise ValueError(
            "state_rewards must be a numeric array of shape (num_arms, num_states) or (num_states,)"
        ) from error
    if reward_array.shape == (num_states,):
        reward_table = np.broadcast_to(reward_array, (num_arms, num_states))
    elif reward_array.shape == (num_arms, num_states):
        reward_table = reward_array
    else:
        raise ValueError(
            f"state_rewards must have shape (num_arms, num_states) = ({num_arms}, {num_states}) "
            f"or (num_states,) = ({num_states},); got shape {reward_array.shape}"
        )
    if not np.all(np.isfinite(reward_table)):
        raise ValueError("state_rewards must be finite; got NaN or infinite entries")
    return transition_tensor, np.ascontiguousarray(reward_table), discount
