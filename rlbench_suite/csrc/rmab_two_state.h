/* RMAB-TwoState: num_arms two-state arms (0 bad, 1 good), at most `budget` acted on a step.
 *
 * The tables come from the registered Python env (TwoStateRMABEnv), so one instance is one set
 * of arms on both paths. Each arm draws one uniform per step, in arm order; it moves to the good
 * state when the draw exceeds P(next = bad | state, action), which is how
 * RestlessBanditBase.next_states_from_uniforms picks the next state from the same draw.
 */
#ifndef RLBENCH_RMAB_TWO_STATE_H
#define RLBENCH_RMAB_TWO_STATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "kernel_table.h"
#include "rng.h"

typedef struct {
    int64_t num_arms, budget, horizon;
    double initial_good_threshold; /* an arm starts good when its draw is >= this (P(bad)) */
    double *next_bad_prob;         /* (num_arms, 2 states, 2 actions): P(next = bad) */
    double *state_rewards;         /* (num_arms, 2 states) */
} rmab_two_state_params;

typedef struct {
    int64_t time_step;
    int8_t arm_states[]; /* (num_arms,) */
} rmab_two_state_state;

static inline size_t rmab_two_state_state_size(const rmab_two_state_params *params) {
    const size_t size = offsetof(rmab_two_state_state, arm_states) + (size_t)params->num_arms;
    return (size + 7) & ~(size_t)7; /* keep every env's time_step 8-byte aligned */
}

static inline void rmab_two_state_observe(const rmab_two_state_params *params,
                                          const rmab_two_state_state *state, int64_t *obs) {
    for (int64_t arm = 0; arm < params->num_arms; arm++) {
        obs[arm] = state->arm_states[arm];
    }
}

static inline void rmab_two_state_reset(const rmab_two_state_params *params,
                                        rmab_two_state_state *state, rlb_rng *rng,
                                        int64_t *obs) {
    for (int64_t arm = 0; arm < params->num_arms; arm++) {
        const int8_t good = rlb_rng_double(rng) >= params->initial_good_threshold;
        state->arm_states[arm] = good;
        obs[arm] = good;
    }
    state->time_step = 0;
}

/* Every entry 0 or 1 and at most `budget` ones. */
static inline bool rmab_two_state_check_action(const rmab_two_state_params *params,
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

static inline void rmab_two_state_step(const rmab_two_state_params *params,
                                       rmab_two_state_state *state, rlb_rng *rng,
                                       const int8_t *action, int64_t *obs, double *reward,
                                       bool *terminated, bool *truncated) {
    double total = 0.0;
    for (int64_t arm = 0; arm < params->num_arms; arm++) {
        /* `!= 0` keeps the index in the table even if the caller edits the checked actions. */
        const int64_t row = (arm * 2 + state->arm_states[arm]) * 2 + (action[arm] != 0);
        const int8_t good = rlb_rng_double(rng) > params->next_bad_prob[row];
        state->arm_states[arm] = good;
        obs[arm] = good;
        total += params->state_rewards[arm * 2 + good];
    }
    state->time_step += 1;
    *reward = total;
    *terminated = false;
    *truncated = state->time_step >= params->horizon;
}

/* -- the table (kernel_table.h) --------------------------------------------------------------- */

static size_t rmab_two_state_arms(const void *params) {
    return (size_t)((const rmab_two_state_params *)params)->num_arms;
}

static size_t rmab_two_state_state_bytes(const void *params) {
    return rmab_two_state_state_size(params);
}

static const rlb_param rmab_two_state_param_table[] = {
    RLB_PARAM_INT(rmab_two_state_params, "num_arms", num_arms, 1, INT32_MAX, "arms"),
    RLB_PARAM_INT_UPTO(rmab_two_state_params, "budget", budget, 1, "num_arms",
                       "most arms acted on a step"),
    RLB_PARAM_INT(rmab_two_state_params, "horizon", horizon, 1, INT64_MAX, "truncation"),
    RLB_PARAM_DOUBLE(rmab_two_state_params, "initial_good_threshold", initial_good_threshold,
                     0.0, 1.0, "an arm starts good when its draw is >= this"),
    RLB_PARAM_ARRAY(rmab_two_state_params, "next_bad_prob", next_bad_prob, "num_arms,2,2", 0.0,
                    1.0, "P(next = bad | arm, state, action)"),
    RLB_PARAM_ARRAY(rmab_two_state_params, "state_rewards", state_rewards, "num_arms,2",
                    -HUGE_VAL, HUGE_VAL, "reward of each arm's state"),
};

static const rlb_state_field rmab_two_state_state_table[] = {
    RLB_STATE(rmab_two_state_state, time_step, RLB_INT64, 1, "steps since reset"),
    RLB_STATE_SIZED(rmab_two_state_state, arm_states, RLB_INT8, rmab_two_state_arms, "num_arms",
                    "0 bad, 1 good"),
};

static const rlb_kernel_table rmab_two_state_table = {
    .name = "rmab_two_state",
    .params = rmab_two_state_param_table,
    .num_params = RLB_COUNT(rmab_two_state_param_table),
    .params_size = sizeof(rmab_two_state_params),
    .obs_type = RLB_INT64,
    .action_type = RLB_INT8,
    .discrete_action = true,
    .action_low = 0,
    .action_high = 1,
    .obs_dim = rmab_two_state_arms,
    .action_dim = rmab_two_state_arms,
    .obs_text = "num_arms",
    .action_text = "num_arms",
    .state = rmab_two_state_state_table,
    .num_state_fields = RLB_COUNT(rmab_two_state_state_table),
    .state_size = rmab_two_state_state_bytes,
    .min_envs_per_thread = 128,
};

#endif
