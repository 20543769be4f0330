/* MarketMaking-v0 (and its Hawkes variant): mbt_gym's limit-order market maker.
 *
 * The step is MarketMakingEnv.step (rlbench_suite/envs/trading/market_making.py): four uniforms
 * (arrival bid, arrival ask, fill bid, fill ask) and one standard normal are drawn; arrivals are
 * Bernoulli (u < lambda dt, lambda the Poisson rate or the side's Hawkes intensity), a placed
 * quote fills when u < exp(-kappa depth); fills trade at the mid before it moves; then the mid
 * moves by sigma sqrt(dt) Z and the Hawkes intensities decay and jump. The normal is Box-Muller
 * on two uniforms, which is what the Python twin's stream (rlbench_suite/vector/twins.py,
 * KernelStream.standard_normal) computes with libm too. Every expression is the env's, in its
 * order, in float64 without FMA contraction, so the kernel and its twin agree bit for bit. Every
 * constant comes from the Python env (rlbench_suite/vector/kernels.py), never typed twice.
 */
#ifndef RLBENCH_MARKET_MAKING_H
#define RLBENCH_MARKET_MAKING_H

#include <math.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "kernel_table.h"
#include "rng.h"

#define MARKET_MAKING_CORE_OBS 4
#define MARKET_MAKING_ACTION_DIM 2
#define MARKET_MAKING_TWO_PI (2.0 * 3.14159265358979323846) /* 2.0 * math.pi */

/* The env's reward argument, in the order of market_making.REWARDS. */
enum { MARKET_MAKING_PNL = 0, MARKET_MAKING_INVENTORY_PENALTY = 1, MARKET_MAKING_UTILITY = 2 };

typedef struct {
    double initial_price, terminal_time, dt;
    double kappa, max_depth;       /* fill decay; depth of action 1 (price units) */
    double price_step_scale;       /* sigma sqrt(dt) */
    double price_scale;            /* sigma sqrt(terminal_time), the observation's price unit */
    double arrival_probability;    /* Poisson: lambda dt */
    bool hawkes;
    double hawkes_baseline, hawkes_jump, hawkes_decay;
    int64_t n_steps;               /* termination at t = terminal_time */
    int64_t time_limit;            /* truncation after this many steps; 0: none */
    int64_t max_inventory;
    int64_t reward_kind;
    double running_penalty_per_step; /* phi dt */
    double terminal_penalty, risk_aversion;
} market_making_params;

typedef struct {
    double cash, mid, intensity[2]; /* intensities: bid side, ask side (Hawkes only) */
    int64_t inventory, step_count;
} market_making_state;

static inline size_t market_making_obs_dim(const market_making_params *params) {
    return MARKET_MAKING_CORE_OBS + (params->hawkes ? 2 : 0);
}

/* Box-Muller on two uniforms; 1 - u keeps the logarithm's argument in (0, 1]. */
static inline double market_making_normal(rlb_rng *rng) {
    const double radius_draw = rlb_rng_double(rng);
    const double angle_draw = rlb_rng_double(rng);
    return sqrt(-2.0 * log(1.0 - radius_draw)) * cos(MARKET_MAKING_TWO_PI * angle_draw);
}

static inline void market_making_observe(const market_making_params *params,
                                         const market_making_state *state, float *obs) {
    obs[0] = (float)(state->cash / params->initial_price);
    obs[1] = (float)state->inventory;
    obs[2] = (float)((double)state->step_count * params->dt / params->terminal_time);
    obs[3] = (float)((state->mid - params->initial_price) / params->price_scale);
    if (params->hawkes) {
        obs[4] = (float)(state->intensity[0] * params->dt);
        obs[5] = (float)(state->intensity[1] * params->dt);
    }
}

static inline void market_making_reset(const market_making_params *params,
                                       market_making_state *state, rlb_rng *rng, float *obs) {
    (void)rng; /* a reset draws nothing */
    state->cash = 0.0;
    state->mid = params->initial_price;
    state->intensity[0] = state->intensity[1] = params->hawkes_baseline;
    state->inventory = 0;
    state->step_count = 0;
    market_making_observe(params, state, obs);
}

/* Both depths finite and in [0, 1] (fractions of max_depth). */
static inline bool market_making_check_action(const market_making_params *params,
                                              const float *action, char *reason,
                                              size_t reason_size) {
    (void)params;
    for (int at = 0; at < MARKET_MAKING_ACTION_DIM; at++) {
        if (!isfinite(action[at])) {
            snprintf(reason, reason_size, "action entry %d is not finite", at);
            return false;
        }
        if (action[at] < 0.0f || action[at] > 1.0f) {
            snprintf(reason, reason_size, "action entry %d is %g, outside [0, 1]", at,
                     (double)action[at]);
            return false;
        }
    }
    return true;
}

static inline void market_making_step(const market_making_params *params,
                                      market_making_state *state, rlb_rng *rng,
                                      const float *action, float *obs, double *reward,
                                      bool *terminated, bool *truncated) {
    const double depth_bid = (double)action[0] * params->max_depth;
    const double depth_ask = (double)action[1] * params->max_depth;
    double uniforms[4]; /* arrival bid, arrival ask, fill bid, fill ask */
    for (int at = 0; at < 4; at++) {
        uniforms[at] = rlb_rng_double(rng);
    }
    const double shock = market_making_normal(rng);

    const double wealth_before = state->cash + (double)state->inventory * state->mid;
    bool arrived_bid, arrived_ask;
    if (params->hawkes) {
        arrived_bid = uniforms[0] < state->intensity[0] * params->dt;
        arrived_ask = uniforms[1] < state->intensity[1] * params->dt;
    } else {
        arrived_bid = uniforms[0] < params->arrival_probability;
        arrived_ask = uniforms[1] < params->arrival_probability;
    }
    const bool bid_fill = arrived_bid && state->inventory < params->max_inventory &&
                          uniforms[2] < exp(-params->kappa * depth_bid);
    const bool ask_fill = arrived_ask && state->inventory > -params->max_inventory &&
                          uniforms[3] < exp(-params->kappa * depth_ask);
    if (bid_fill) {
        state->cash -= state->mid - depth_bid;
        state->inventory += 1;
    }
    if (ask_fill) {
        state->cash += state->mid + depth_ask;
        state->inventory -= 1;
    }

    state->mid += params->price_step_scale * shock;
    if (params->hawkes) {
        const bool arrived[2] = {arrived_bid, arrived_ask};
        for (int side = 0; side < 2; side++) {
            const double intensity = state->intensity[side];
            state->intensity[side] = intensity +
                                     params->hawkes_decay * (params->hawkes_baseline - intensity) *
                                         params->dt +
                                     params->hawkes_jump * (double)arrived[side];
        }
    }
    state->step_count += 1;
    const bool ended = state->step_count >= params->n_steps;

    const double wealth_after = state->cash + (double)state->inventory * state->mid;
    if (params->reward_kind == MARKET_MAKING_UTILITY) {
        *reward = ended ? -exp(-params->risk_aversion * wealth_after) : 0.0;
    } else {
        const double pnl = wealth_after - wealth_before;
        if (params->reward_kind == MARKET_MAKING_PNL) {
            *reward = pnl;
        } else {
            const double squared = (double)(state->inventory * state->inventory);
            double penalised = pnl - params->running_penalty_per_step * squared;
            if (ended) {
                penalised -= params->terminal_penalty * squared;
            }
            *reward = penalised;
        }
    }
    *terminated = ended;
    *truncated = params->time_limit > 0 && state->step_count >= params->time_limit;
    market_making_observe(params, state, obs);
}

/* -- the table (kernel_table.h) --------------------------------------------------------------- */

static bool market_making_finish(void *untyped, char *error, size_t error_size) {
    const market_making_params *p = untyped;
    const char *problem = NULL;
    if (!(p->initial_price > 0 && p->terminal_time > 0 && p->dt > 0)) {
        problem = "initial_price, terminal_time and dt must be positive";
    } else if (!(p->kappa > 0 && p->max_depth > 0)) {
        problem = "kappa and max_depth must be positive";
    } else if (!(p->price_step_scale > 0 && p->price_scale > 0)) {
        problem = "price_step_scale and price_scale must be positive";
    } else if (!(p->arrival_probability >= 0 && p->arrival_probability <= 1)) {
        problem = "arrival_probability must be in [0, 1]";
    } else if (!(p->hawkes_baseline >= 0 && p->hawkes_jump >= 0 && p->hawkes_decay >= 0)) {
        problem = "the Hawkes parameters must be >= 0";
    } else if (!(p->running_penalty_per_step >= 0 && p->terminal_penalty >= 0 &&
                 p->risk_aversion > 0)) {
        problem = "the penalties must be >= 0 and risk_aversion > 0";
    }
    if (problem != NULL) {
        snprintf(error, error_size, "%s", problem);
    }
    return problem == NULL;
}

static size_t market_making_obs_length(const void *params) {
    return market_making_obs_dim(params);
}

static size_t market_making_action_length(const void *params) {
    (void)params;
    return MARKET_MAKING_ACTION_DIM;
}

static size_t market_making_state_bytes(const void *params) {
    (void)params;
    return sizeof(market_making_state);
}

#define MARKET_DOUBLE(name, doc) \
    RLB_PARAM_DOUBLE(market_making_params, #name, name, -HUGE_VAL, HUGE_VAL, doc)
static const rlb_param market_making_param_table[] = {
    MARKET_DOUBLE(initial_price, "mid at reset"),
    MARKET_DOUBLE(terminal_time, "episode length in time units"),
    MARKET_DOUBLE(dt, "time step"),
    MARKET_DOUBLE(kappa, "fill probability decay with depth"),
    MARKET_DOUBLE(max_depth, "depth of action 1, price units"),
    MARKET_DOUBLE(price_step_scale, "sigma sqrt(dt)"),
    MARKET_DOUBLE(price_scale, "sigma sqrt(terminal_time)"),
    MARKET_DOUBLE(arrival_probability, "Poisson: lambda dt"),
    RLB_PARAM_BOOL(market_making_params, "hawkes", hawkes, "Hawkes arrivals"),
    MARKET_DOUBLE(hawkes_baseline, "intensity at rest"),
    MARKET_DOUBLE(hawkes_jump, "intensity jump per arrival"),
    MARKET_DOUBLE(hawkes_decay, "intensity decay rate"),
    RLB_PARAM_INT(market_making_params, "n_steps", n_steps, 1, INT64_MAX, "termination"),
    RLB_PARAM_INT(market_making_params, "time_limit", time_limit, 0, INT64_MAX,
                  "truncation; 0: none"),
    RLB_PARAM_INT(market_making_params, "max_inventory", max_inventory, 1, INT32_MAX,
                  "fills stop beyond +- this"),
    RLB_PARAM_INT(market_making_params, "reward_kind", reward_kind, MARKET_MAKING_PNL,
                  MARKET_MAKING_UTILITY, "0 pnl, 1 inventory penalty, 2 utility"),
    MARKET_DOUBLE(running_penalty_per_step, "phi dt"),
    MARKET_DOUBLE(terminal_penalty, "alpha"),
    MARKET_DOUBLE(risk_aversion, "gamma"),
};
#undef MARKET_DOUBLE

static const rlb_state_field market_making_state_table[] = {
    RLB_STATE(market_making_state, cash, RLB_FLOAT64, 1, "cash"),
    RLB_STATE(market_making_state, mid, RLB_FLOAT64, 1, "mid price"),
    RLB_STATE(market_making_state, intensity, RLB_FLOAT64, 2, "Hawkes intensities: bid, ask"),
    RLB_STATE(market_making_state, inventory, RLB_INT64, 1, "shares held"),
    RLB_STATE(market_making_state, step_count, RLB_INT64, 1, "steps since reset"),
};

static const rlb_kernel_table market_making_table = {
    .name = "market_making",
    .params = market_making_param_table,
    .num_params = RLB_COUNT(market_making_param_table),
    .params_size = sizeof(market_making_params),
    .finish = market_making_finish,
    .obs_type = RLB_FLOAT32,
    .action_type = RLB_FLOAT32,
    .obs_dim = market_making_obs_length,
    .action_dim = market_making_action_length,
    .obs_text = "4, 6 with Hawkes arrivals",
    .action_text = "2",
    .state = market_making_state_table,
    .num_state_fields = RLB_COUNT(market_making_state_table),
    .state_size = market_making_state_bytes,
    .min_envs_per_thread = 128,
};

#endif
