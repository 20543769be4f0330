/* CartPole-v1: Gymnasium's cart-pole dynamics (Barto, Sutton & Anderson 1983), euler integrator.
 *
 * The state is float64 and every expression keeps the operation order of Gymnasium's
 * classic_control/cartpole.py, with libm's sin and cos (which NumPy's float64 np.sin and np.cos
 * call), so by default the kernel reproduces Gymnasium's CartPole-v1 bit for bit from the same
 * state and actions; observations are the float32 cast, as Gymnasium returns them. That holds
 * only if the compiler neither contracts a * b + c into one fused multiply-add (rounded once,
 * not twice) nor reassociates: setup.py compiles every kernel with -ffp-contract=off (GCC
 * ignores `#pragma STDC FP_CONTRACT OFF`, so the flag, not the pragma, is what counts; the pragma
 * below is for Clang builds outside setup.py), and a -ffast-math build is refused below.
 *
 * fast_math=True (an explicit opt-in) takes sin and cos from a short polynomial instead, which
 * the compiler can vectorise and which agrees with libm to about one unit in the last place; its
 * Python twin (rlbench_suite.vector.twins) runs Gymnasium's step with the same polynomial.
 * Constants come from the Python env (rlbench_suite.vector.kernels), never typed twice.
 *
 * The state lives in columns (one array per variable, over every env of the batch), and
 * cartpole_step_envs steps a range of envs in one loop without branches, which the compiler
 * vectorises (4 envs at a time with AVX2). A step draws no random numbers, so the binding may step
 * every env and then reset the ones whose episode had ended (see "column kernels" in binding.c).
 */
#ifndef RLBENCH_CARTPOLE_H
#define RLBENCH_CARTPOLE_H

#include <math.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "kernel_table.h"
#include "rng.h"

#if defined(__FAST_MATH__)
#error "cartpole.h must not be built with -ffast-math: it reassociates and breaks bit-exactness"
#endif
#if defined(__clang__)
#pragma STDC FP_CONTRACT OFF
#endif

#ifndef RLB_VECTOR_LOOP /* binding.c defines it: how to build a loop meant to vectorise */
#define RLB_VECTOR_LOOP
#endif

#define CARTPOLE_OBS_DIM 4
#define CARTPOLE_ACTION_DIM 1

typedef struct {
    double gravity, masspole, total_mass, length, polemass_length, force_mag, tau;
    double theta_threshold_radians, x_threshold;
    double reset_low, reset_high; /* each state variable starts uniform in [low, high) */
    int64_t max_episode_steps;    /* truncation, as Gymnasium's TimeLimit */
    bool sutton_barto_reward;     /* 0 a step and -1 on termination instead of +1 a step */
    bool fast_math;               /* polynomial sin and cos (opt-in), not libm's (the default) */
} cartpole_params;

/* One env's state variables. The batch keeps them in columns (one array per variable, over
 * every env), so this struct only names the columns and their order: column `member` starts at
 * offsetof(cartpole_env_state, member) * num_envs bytes into the block. */
typedef struct {
    double x, x_dot, theta, theta_dot;
    int64_t elapsed_steps;
} cartpole_env_state;

/* The batch's state: one column per variable, each (num_envs,), in one block the binding owns. */
typedef struct {
    double *x, *x_dot, *theta, *theta_dot;
    int64_t *elapsed_steps;
} cartpole_columns;

#define CARTPOLE_STATE_BYTES sizeof(cartpole_env_state) /* per env, all columns */

static inline cartpole_columns cartpole_columns_of(char *states, size_t num_envs) {
#define CARTPOLE_COLUMN(member) (states + offsetof(cartpole_env_state, member) * num_envs)
    cartpole_columns columns = {
        .x = (double *)CARTPOLE_COLUMN(x),
        .x_dot = (double *)CARTPOLE_COLUMN(x_dot),
        .theta = (double *)CARTPOLE_COLUMN(theta),
        .theta_dot = (double *)CARTPOLE_COLUMN(theta_dot),
        .elapsed_steps = (int64_t *)CARTPOLE_COLUMN(elapsed_steps),
    };
#undef CARTPOLE_COLUMN
    return columns;
}

/* fast_math only. Beyond this angle (rad) the polynomials below lose accuracy and libm takes
 * over. */
#define CARTPOLE_POLYNOMIAL_RANGE 0.25

/* sin and cos by their Taylor series to x^13 and x^14: on [-0.25, 0.25] the first term left out
 * is below 1e-20, far under float64 resolution, so the error is Horner's rounding (~1 ulp). */
static inline void cartpole_sincos_polynomial(double x, double *sine, double *cosine) {
    const double x2 = x * x;
    *sine = x * (1.0 + x2 * (-1.0 / 6.0 +
                 x2 * (1.0 / 120.0 +
                 x2 * (-1.0 / 5040.0 +
                 x2 * (1.0 / 362880.0 +
                 x2 * (-1.0 / 39916800.0 + x2 * (1.0 / 6227020800.0)))))));
    *cosine = 1.0 + x2 * (-1.0 / 2.0 +
                    x2 * (1.0 / 24.0 +
                    x2 * (-1.0 / 720.0 +
                    x2 * (1.0 / 40320.0 +
                    x2 * (-1.0 / 3628800.0 +
                    x2 * (1.0 / 479001600.0 + x2 * (-1.0 / 87178291200.0)))))));
}

static inline void cartpole_sincos(double x, double *sine, double *cosine) {
    if (fabs(x) > CARTPOLE_POLYNOMIAL_RANGE) {
        *sine = sin(x);
        *cosine = cos(x);
        return;
    }
    cartpole_sincos_polynomial(x, sine, cosine);
}

/* How cartpole_advance takes sin and cos: libm (the default, Gymnasium's bit for bit), the
 * polynomial with libm past its range, or the polynomial alone (when it suffices, below). */
typedef enum {
    CARTPOLE_SINCOS_LIBM,
    CARTPOLE_SINCOS_FAST,
    CARTPOLE_SINCOS_POLYNOMIAL,
} cartpole_sincos_mode;

/* fast_math only: whether the polynomial alone serves every step whose result is kept. Such a step starts from
 * a reset state (|theta| <= the larger |reset bound|) or from one its previous step left running
 * (|theta| <= theta_threshold_radians, 12 degrees = 0.21 rad in CartPole-v1). */
static inline bool cartpole_polynomial_suffices(const cartpole_params *params) {
    return params->theta_threshold_radians <= CARTPOLE_POLYNOMIAL_RANGE &&
           fabs(params->reset_low) <= CARTPOLE_POLYNOMIAL_RANGE &&
           fabs(params->reset_high) <= CARTPOLE_POLYNOMIAL_RANGE;
}

/* Env `env`'s observation: its state variables cast to float32, as Gymnasium returns them. */
static inline void cartpole_observe(const cartpole_params *params, cartpole_columns state,
                                    size_t env, float *obs) {
    (void)params;
    obs[0] = (float)state.x[env];
    obs[1] = (float)state.x_dot[env];
    obs[2] = (float)state.theta[env];
    obs[3] = (float)state.theta_dot[env];
}

static inline void cartpole_reset(const cartpole_params *params, cartpole_columns state,
                                  size_t env, rlb_rng *rng, float *obs) {
    const double span = params->reset_high - params->reset_low;
    /* Draw order x, x_dot, theta, theta_dot, as Gymnasium's uniform(size=(4,)). */
    state.x[env] = params->reset_low + span * rlb_rng_double(rng);
    state.x_dot[env] = params->reset_low + span * rlb_rng_double(rng);
    state.theta[env] = params->reset_low + span * rlb_rng_double(rng);
    state.theta_dot[env] = params->reset_low + span * rlb_rng_double(rng);
    state.elapsed_steps[env] = 0;
    cartpole_observe(params, state, env, obs);
}

/* Whether every action is 0 or 1: one pass with no early exit, so that it vectorises. */
RLB_VECTOR_LOOP static bool cartpole_actions_valid(const cartpole_params *params,
                                                   const int64_t *actions, size_t count) {
    (void)params;
    uint64_t high_bits = 0;
    for (size_t at = 0; at < count; at++) {
        high_bits |= (uint64_t)actions[at] >> 1;
    }
    return high_bits == 0;
}

/* 0 pushes the cart left, 1 right. Returns false, with a reason, for any other value. */
static inline bool cartpole_check_action(const cartpole_params *params, const int64_t *action,
                                         char *reason, size_t reason_size) {
    (void)params;
    if (*action == 0 || *action == 1) {
        return true;
    }
    snprintf(reason, reason_size, "action %lld is not 0 (left) or 1 (right)",
             (long long)*action);
    return false;
}

/* One Euler step of one env: its state variables (*x_at ...) in place, its outputs written. The
 * middle reads as Gymnasium's CartPoleEnv.step. */
static inline void cartpole_advance(const cartpole_params *params, int64_t action, double *x_at,
                                    double *x_dot_at, double *theta_at, double *theta_dot_at,
                                    int64_t *elapsed_steps, float *obs, double *reward,
                                    bool *terminated, bool *truncated,
                                    cartpole_sincos_mode mode) {
    double x = *x_at, x_dot = *x_dot_at, theta = *theta_at, theta_dot = *theta_dot_at;
    double sintheta, costheta;
    if (mode == CARTPOLE_SINCOS_POLYNOMIAL) {
        cartpole_sincos_polynomial(theta, &sintheta, &costheta);
    } else if (mode == CARTPOLE_SINCOS_FAST) {
        cartpole_sincos(theta, &sintheta, &costheta);
    } else { /* Gymnasium computes cos first; both are pure functions, so the order is moot. */
        costheta = cos(theta);
        sintheta = sin(theta);
    }
    const double force = action == 1 ? params->force_mag : -params->force_mag;
    const double temp =
        (force + params->polemass_length * (theta_dot * theta_dot) * sintheta) /
        params->total_mass;
    const double thetaacc =
        (params->gravity * sintheta - costheta * temp) /
        (params->length *
         (4.0 / 3.0 - params->masspole * (costheta * costheta) / params->total_mass));
    const double xacc =
        temp - params->polemass_length * thetaacc * costheta / params->total_mass;
    x = x + params->tau * x_dot;
    x_dot = x_dot + params->tau * xacc;
    theta = theta + params->tau * theta_dot;
    theta_dot = theta_dot + params->tau * thetaacc;

    *x_at = x;
    *x_dot_at = x_dot;
    *theta_at = theta;
    *theta_dot_at = theta_dot;
    *elapsed_steps += 1;
    /* `|`, not `||`: every comparison is made, and the loop needs no branch. */
    const bool fell = (x < -params->x_threshold) | (x > params->x_threshold) |
                      (theta < -params->theta_threshold_radians) |
                      (theta > params->theta_threshold_radians);
    /* Sutton and Barto's reward is 0 a step and -1 on termination; Gymnasium's default, +1. A
     * select between two loop-invariant values, which vectorises. */
    const double running_reward = params->sutton_barto_reward ? 0.0 : 1.0;
    const double fell_reward = params->sutton_barto_reward ? -1.0 : 1.0;
    *reward = fell ? fell_reward : running_reward;
    *terminated = fell;
    *truncated = *elapsed_steps >= params->max_episode_steps;
    obs[0] = (float)x;
    obs[1] = (float)x_dot;
    obs[2] = (float)theta;
    obs[3] = (float)theta_dot;
}

/* Steps every env in [begin, end). Its own function, with every array a restrict parameter (no
 * two overlap), since that is what lets the compiler vectorise the loop; the parameters are copied
 * to a local, which stays in registers past the one-byte flag stores. */
RLB_VECTOR_LOOP static void cartpole_step_envs(
    const cartpole_params *shared_params, double *restrict x, double *restrict x_dot,
    double *restrict theta, double *restrict theta_dot, int64_t *restrict elapsed_steps,
    const int64_t *restrict actions, float *restrict observations, double *restrict rewards,
    bool *restrict terminations, bool *restrict truncations, size_t begin, size_t end) {
    const cartpole_params params = *shared_params;
    /* One loop per mode, each with its mode a constant, so none carries a branch on it. */
#define CARTPOLE_LOOP(mode)                                                                    \
    for (size_t env = begin; env < end; env++) {                                               \
        cartpole_advance(&params, actions[env], &x[env], &x_dot[env], &theta[env],             \
                         &theta_dot[env], &elapsed_steps[env],                                 \
                         observations + env * CARTPOLE_OBS_DIM, &rewards[env],                 \
                         &terminations[env], &truncations[env], mode);                         \
    }
    if (!params.fast_math) {
        CARTPOLE_LOOP(CARTPOLE_SINCOS_LIBM)
    } else if (cartpole_polynomial_suffices(&params)) {
        CARTPOLE_LOOP(CARTPOLE_SINCOS_POLYNOMIAL)
    } else {
        CARTPOLE_LOOP(CARTPOLE_SINCOS_FAST)
    }
#undef CARTPOLE_LOOP
}

/* Steps every env in [begin, end), those the binding is about to reset included (it overwrites
 * their outputs). */
static inline void cartpole_step_range(const cartpole_params *params, cartpole_columns state,
                                       const int64_t *actions, float *observations,
                                       double *rewards, bool *terminations, bool *truncations,
                                       size_t begin, size_t end) {
    cartpole_step_envs(params, state.x, state.x_dot, state.theta, state.theta_dot,
                       state.elapsed_steps, actions, observations, rewards, terminations,
                       truncations, begin, end);
}

/* -- the table (kernel_table.h) --------------------------------------------------------------- */

static bool cartpole_finish(void *untyped, char *error, size_t error_size) {
    const cartpole_params *p = untyped;
    const char *problem = NULL;
    if (!(p->masspole > 0 && p->total_mass > p->masspole)) {
        problem = "masspole and total_mass must be positive, total_mass > masspole";
    } else if (!(p->length > 0 && p->polemass_length > 0)) {
        problem = "length and polemass_length must be positive";
    } else if (!(p->tau > 0)) {
        problem = "tau (the time step) must be positive";
    } else if (!(p->force_mag >= 0)) {
        problem = "force_mag must be >= 0";
    } else if (!(p->theta_threshold_radians > 0 && p->x_threshold > 0)) {
        problem = "termination thresholds must be positive";
    } else if (!(p->reset_low < p->reset_high)) {
        problem = "reset_low must be < reset_high";
    }
    if (problem != NULL) {
        snprintf(error, error_size, "%s", problem);
    }
    return problem == NULL;
}

static size_t cartpole_obs_length(const void *params) {
    (void)params;
    return CARTPOLE_OBS_DIM;
}

static size_t cartpole_action_length(const void *params) {
    (void)params;
    return CARTPOLE_ACTION_DIM;
}

static size_t cartpole_state_bytes(const void *params) {
    (void)params;
    return CARTPOLE_STATE_BYTES;
}

#define CARTPOLE_DOUBLE(name, doc) RLB_PARAM_DOUBLE(cartpole_params, #name, name, -HUGE_VAL, HUGE_VAL, doc)
static const rlb_param cartpole_param_table[] = {
    CARTPOLE_DOUBLE(gravity, "m/s^2"),
    CARTPOLE_DOUBLE(masspole, "kg"),
    CARTPOLE_DOUBLE(total_mass, "cart and pole, kg"),
    CARTPOLE_DOUBLE(length, "half the pole's length, m"),
    CARTPOLE_DOUBLE(polemass_length, "masspole * length"),
    CARTPOLE_DOUBLE(force_mag, "push, N"),
    CARTPOLE_DOUBLE(tau, "time step, s"),
    CARTPOLE_DOUBLE(theta_threshold_radians, "termination angle"),
    CARTPOLE_DOUBLE(x_threshold, "termination position"),
    CARTPOLE_DOUBLE(reset_low, "start state low bound"),
    CARTPOLE_DOUBLE(reset_high, "start state high bound"),
    RLB_PARAM_INT(cartpole_params, "max_episode_steps", max_episode_steps, 1, INT64_MAX,
                  "truncation"),
    RLB_PARAM_BOOL(cartpole_params, "sutton_barto_reward", sutton_barto_reward,
                   "0 a step and -1 on termination"),
    RLB_PARAM_BOOL_DEFAULT(cartpole_params, "fast_math", fast_math, 0.0,
                           "polynomial sin and cos (not bit for bit Gymnasium's)"),
};
#undef CARTPOLE_DOUBLE

static const rlb_state_field cartpole_state_table[] = {
    RLB_STATE(cartpole_env_state, x, RLB_FLOAT64, 1, "cart position"),
    RLB_STATE(cartpole_env_state, x_dot, RLB_FLOAT64, 1, "cart velocity"),
    RLB_STATE(cartpole_env_state, theta, RLB_FLOAT64, 1, "pole angle"),
    RLB_STATE(cartpole_env_state, theta_dot, RLB_FLOAT64, 1, "pole angular velocity"),
    RLB_STATE(cartpole_env_state, elapsed_steps, RLB_INT64, 1, "steps since reset"),
};

/* Re-measured with the exact (libm) step and passive waiting, on 2 shared cores: two threads
 * gave 0.76x one thread's rate with 512 envs each and 0.94-1.92x (idle, loaded) with 2048. */
#define CARTPOLE_MIN_ENVS_PER_THREAD 1024

static const rlb_kernel_table cartpole_table = {
    .name = "cartpole",
    .params = cartpole_param_table,
    .num_params = RLB_COUNT(cartpole_param_table),
    .params_size = sizeof(cartpole_params),
    .finish = cartpole_finish,
    .obs_type = RLB_FLOAT32,
    .action_type = RLB_INT64,
    .scalar_action = true,
    .discrete_action = true,
    .action_low = 0,
    .action_high = 1,
    .obs_dim = cartpole_obs_length,
    .action_dim = cartpole_action_length,
    .obs_text = "4",
    .action_text = "1",
    .state = cartpole_state_table,
    .num_state_fields = RLB_COUNT(cartpole_state_table),
    .state_size = cartpole_state_bytes,
    .column_state = true,
    .min_envs_per_thread = CARTPOLE_MIN_ENVS_PER_THREAD,
};

#endif
