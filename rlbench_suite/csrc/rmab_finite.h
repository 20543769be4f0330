/* The general finite-state restless bandit: num_arms arms of num_states states each, at most
 * `budget` acted on a step (BudgetedRestlessBandit: RMAB-ARMMAN-v0, RMAB-Circulant-v0).
 *
 * The tables come from the registered Python env (rlbench_suite.vector.kernels), as cumulative
 * sums the Python side computes with NumPy, so both paths compare a draw with the same doubles:
 * - a reset draws one uniform per arm, in arm order; the arm starts in the first state whose
 *   normalised cumulative start probability exceeds it (Generator.choice's rule, which the twin's
 *   KernelStream.choice follows);
 * - a step draws one uniform per arm, in arm order; the arm moves to the number of states whose
 *   cumulative transition probability the draw exceeds, at most num_states - 1
 *   (RestlessBanditBase.next_states_from_uniforms);
 * - the reward sums the arms' next-state rewards in NumPy's pairwise order (ndarray.sum), so it
 *   is the env's double whatever the rewards.
 */
#ifndef RLBENCH_RMAB_FINITE_H
#define RLBENCH_RMAB_FINITE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "kernel_table.h"
#include "rng.h"

typedef struct {
    int64_t num_arms, num_states, budget, horizon;
    double *initial_cdf;    /* (num_states,): normalised cumulative start probabilities */
    double *transition_cdf; /* (num_arms, num_states, 2 actions, num_states): cumulative rows */
    double *state_rewards;  /* (num_arms, num_states) */
} rmab_finite_params;

typedef struct {
    int64_t time_step;
    int8_t arm_states[]; /* (num_arms,) */
} rmab_finite_state;

static inline size_t rmab_finite_state_size(const rmab_finite_params *params) {
    const size_t size = offsetof(rmab_finite_state, arm_states) + (size_t)params->num_arms;
    return (size + 7) & ~(size_t)7; /* keep every env's time_step 8-byte aligned */
}

static inline void rmab_finite_observe(const rmab_finite_params *params,
                                       const rmab_finite_state *state, int64_t *obs) {
    for (int64_t arm = 0; arm < params->num_arms; arm++) {
        obs[arm] = state->arm_states[arm];
    }
}

static inline void rmab_finite_reset(const rmab_finite_params *params, rmab_finite_state *state,
                                     rlb_rng *rng, int64_t *obs) {
    const int64_t last = params->num_states - 1;
    for (int64_t arm = 0; arm < params->num_arms; arm++) {
        const double draw = rlb_rng_double(rng);
        int64_t start = 0; /* searchsorted(cdf, draw, side="right") */
        for (int64_t s = 0; s < params->num_states; s++) {
            start += params->initial_cdf[s] <= draw;
        }
        state->arm_states[arm] = (int8_t)(start < last ? start : last);
    }
    state->time_step = 0;
    rmab_finite_observe(params, state, obs);
}

/* Every entry 0 or 1 and at most `budget` ones. */
static inline bool rmab_finite_check_action(const rmab_finite_params *params,
                                            const int8_t *action, char *reason,
                                            size_t reason_size) {
    int64_t acted_on = 0;
    for (int64_t arm = 0; arm < params->num_arms; arm++) {
        if (action[arm] != 0 && action[arm] != 1) {
            snprintf(reason, reason_size, "arm %lld has action %d (expected 0 or 1)",
                     (long long)arm, (int)action[arm]);
            return false;
        }
        acted_on += action[arm];
    }
    if (acted_on > params->budget) {
        snprintf(reason, reason_size, "%lld arms acted on, the budget is %lld",
                 (long long)acted_on, (long long)params->budget);
        return false;
    }
    return true;
}

static inline double rmab_finite_arm_reward(const rmab_finite_params *params,
                                            const rmab_finite_state *state, int64_t arm) {
    return params->state_rewards[arm * params->num_states + state->arm_states[arm]];
}

/* The sum of the arms' rewards in [begin, begin + count), in the order NumPy's pairwise sum
 * adds a contiguous float64 array: sequential below 8 values, eight interleaved partial sums
 * up to 128, halves (at a multiple of 8) beyond. */
static double rmab_finite_reward_sum(const rmab_finite_params *params,
                                     const rmab_finite_state *state, int64_t begin,
                                     int64_t count) {
    if (count < 8) {
        double total = -0.0;
        for (int64_t at = 0; at < count; at++) {
            total += rmab_finite_arm_reward(params, state, begin + at);
        }
        return total;
    }
    if (count <= 128) {
        double partial[8];
        for (int lane = 0; lane < 8; lane++) {
            partial[lane] = rmab_finite_arm_reward(params, state, begin + lane);
        }
        int64_t at = 8;
        for (; at < count - count % 8; at += 8) {
            for (int lane = 0; lane < 8; lane++) {
                partial[lane] += rmab_finite_arm_reward(params, state, begin + at + lane);
            }
        }
        double total = ((partial[0] + partial[1]) + (partial[2] + partial[3])) +
                       ((partial[4] + partial[5]) + (partial[6] + partial[7]));
        for (; at < count; at++) {
            total += rmab_finite_arm_reward(params, state, begin + at);
        }
        return total;
    }
    int64_t half = count / 2;
    half -= half % 8;
    return rmab_finite_reward_sum(params, state, begin, half) +
           rmab_finite_reward_sum(params, state, begin + half, count - half);
}

static inline void rmab_finite_step(const rmab_finite_params *params, rmab_finite_state *state,
                                    rlb_rng *rng, const int8_t *action, int64_t *obs,
                                    double *reward, bool *terminated, bool *truncated) {
    const int64_t states = params->num_states, last = states - 1;
    for (int64_t arm = 0; arm < params->num_arms; arm++) {
        /* `!= 0` keeps the index in the table even if the caller edits the checked actions. */
        const double *row =
            params->transition_cdf + ((arm * states + state->arm_states[arm]) * 2 +
                                      (action[arm] != 0)) * states;
        const double draw = rlb_rng_double(rng);
        int64_t next = 0;
        for (int64_t s = 0; s < states; s++) {
            next += draw > row[s];
        }
        state->arm_states[arm] = (int8_t)(next < last ? next : last);
    }
    rmab_finite_observe(params, state, obs);
    *reward = rmab_finite_reward_sum(params, state, 0, params->num_arms);
    state->time_step += 1;
    *terminated = false;
    *truncated = state->time_step >= params->horizon;
}

/* -- the table (kernel_table.h) --------------------------------------------------------------- */

static size_t rmab_finite_arms(const void *params) {
    return (size_t)((const rmab_finite_params *)params)->num_arms;
}

static size_t rmab_finite_state_bytes(const void *params) {
    return rmab_finite_state_size(params);
}

static const rlb_param rmab_finite_param_table[] = {
    RLB_PARAM_INT(rmab_finite_params, "num_arms", num_arms, 1, INT32_MAX, "arms"),
    RLB_PARAM_INT(rmab_finite_params, "num_states", num_states, 1, INT8_MAX, "states per arm"),
    RLB_PARAM_INT_UPTO(rmab_finite_params, "budget", budget, 0, "num_arms",
                       "most arms acted on a step"),
    RLB_PARAM_INT(rmab_finite_params, "horizon", horizon, 1, INT64_MAX, "truncation"),
    RLB_PARAM_ARRAY(rmab_finite_params, "initial_cdf", initial_cdf, "num_states", 0.0, 1.0,
                    "normalised cumulative start probabilities"),
    RLB_PARAM_ARRAY(rmab_finite_params, "transition_cdf", transition_cdf,
                    "num_arms,num_states,2,num_states", 0.0, 1.5,
                    "cumulative P(next | arm, state, action); round-off may pass 1"),
    RLB_PARAM_ARRAY(rmab_finite_params, "state_rewards", state_rewards, "num_arms,num_states",
                    -HUGE_VAL, HUGE_VAL, "reward of each arm's state"),
};

static const rlb_state_field rmab_finite_state_table[] = {
    RLB_STATE(rmab_finite_state, time_step, RLB_INT64, 1, "steps since reset"),
    RLB_STATE_SIZED(rmab_finite_state, arm_states, RLB_INT8, rmab_finite_arms, "num_arms",
                    "each arm's state"),
};

static const rlb_kernel_table rmab_finite_table = {
    .name = "rmab_finite",
    .params = rmab_finite_param_table,
    .num_params = RLB_COUNT(rmab_finite_param_table),
    .params_size = sizeof(rmab_finite_params),
    .obs_type = RLB_INT64,
    .action_type = RLB_INT8,
    .discrete_action = true,
    .action_low = 0,
    .action_high = 1,
    .obs_dim = rmab_finite_arms,
    .action_dim = rmab_finite_arms,
    .obs_text = "num_arms",
    .action_text = "num_arms",
    .state = rmab_finite_state_table,
    .num_state_fields = RLB_COUNT(rmab_finite_state_table),
    .state_size = rmab_finite_state_bytes,
    /* 2 shared cores, passive waiting: 0.76x one thread with 512 envs each under a competing
     * load, 1.29x with 2048. */
    .min_envs_per_thread = 1024,
};

#endif
