/* CartPole-v1: Gymnasium's cart-pole dynamics (Barto, Sutton & Anderson 1983), euler integrator.
 *
 * The state is float64 and every expression keeps the operation order of Gymnasium's
 * classic_control/cartpole.py; observations are the float32 cast, as Gymnasium returns them.
 * The one difference is sin and cos of the pole angle: a short polynomial instead of libm's call,
 * which halves the step's cost and agrees with libm to about one unit in the last place (the
 * parity test states the resulting tolerance). Constants come from the Python env
 * (rlbench_suite.vector.kernels), never typed twice.
 */
#ifndef RLBENCH_CARTPOLE_H
#define RLBENCH_CARTPOLE_H

#include <math.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "rng.h"

#define CARTPOLE_OBS_DIM 4
#define CARTPOLE_ACTION_DIM 1

typedef struct {
    double gravity, masspole, total_mass, length, polemass_length, force_mag, tau;
    double theta_threshold_radians, x_threshold;
    double reset_low, reset_high; /* each state variable starts uniform in [low, high) */
    int64_t max_episode_steps;    /* truncation, as Gymnasium's TimeLimit */
    bool sutton_barto_reward;     /* 0 a step and -1 on termination instead of +1 a step */
} cartpole_params;

typedef struct {
    double x, x_dot, theta, theta_dot;
    int64_t elapsed_steps;
} cartpole_state;

/* Beyond this angle (rad) the polynomials below lose accuracy and libm takes over. A running
 * episode never gets there: it terminates at 12 degrees (0.209 rad). */
#define CARTPOLE_POLYNOMIAL_RANGE 0.25

/* sin and cos by their Taylor series to x^13 and x^14: on [-0.25, 0.25] the first term left out
 * is below 1e-20, far under float64 resolution, so the error is Horner's rounding (~1 ulp). */
static inline void cartpole_sincos(double x, double *sine, double *cosine) {
    if (fabs(x) > CARTPOLE_POLYNOMIAL_RANGE) {
        *sine = sin(x);
        *cosine = cos(x);
        return;
    }
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

static inline size_t cartpole_state_size(const cartpole_params *params) {
    (void)params;
    return sizeof(cartpole_state);
}

static inline void cartpole_observe(const cartpole_state *state, float *obs) {
    obs[0] = (float)state->x;
    obs[1] = (float)state->x_dot;
    obs[2] = (float)state->theta;
    obs[3] = (float)state->theta_dot;
}

static inline void cartpole_reset(const cartpole_params *params, cartpole_state *state,
                                  rlb_rng *rng, float *obs) {
    const double span = params->reset_high - params->reset_low;
    /* Draw order x, x_dot, theta, theta_dot, as Gymnasium's uniform(size=(4,)). */
    state->x = params->reset_low + span * rlb_rng_double(rng);
    state->x_dot = params->reset_low + span * rlb_rng_double(rng);
    state->theta = params->reset_low + span * rlb_rng_double(rng);
    state->theta_dot = params->reset_low + span * rlb_rng_double(rng);
    state->elapsed_steps = 0;
    cartpole_observe(state, obs);
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

static inline void cartpole_step(const cartpole_params *params, cartpole_state *state,
                                 rlb_rng *rng, const int64_t *action, float *obs, double *reward,
                                 bool *terminated, bool *truncated) {
    (void)rng; /* the dynamics are deterministic; only resets draw */
    const double force = *action == 1 ? params->force_mag : -params->force_mag;
    double sintheta, costheta;
    cartpole_sincos(state->theta, &sintheta, &costheta);
    const double temp =
        (force + params->polemass_length * (state->theta_dot * state->theta_dot) * sintheta) /
        params->total_mass;
    const double thetaacc =
        (params->gravity * sintheta - costheta * temp) /
        (params->length *
         (4.0 / 3.0 - params->masspole * (costheta * costheta) / params->total_mass));
    const double xacc =
        temp - params->polemass_length * thetaacc * costheta / params->total_mass;

    state->x = state->x + params->tau * state->x_dot;
    state->x_dot = state->x_dot + params->tau * xacc;
    state->theta = state->theta + params->tau * state->theta_dot;
    state->theta_dot = state->theta_dot + params->tau * thetaacc;
    state->elapsed_steps += 1;

    const bool fell = state->x < -params->x_threshold || state->x > params->x_threshold ||
                      state->theta < -params->theta_threshold_radians ||
                      state->theta > params->theta_threshold_radians;
    if (params->sutton_barto_reward) {
        *reward = fell ? -1.0 : 0.0;
    } else {
        *reward = 1.0;
    }
    *terminated = fell;
    *truncated = state->elapsed_steps >= params->max_episode_steps;
    cartpole_observe(state, obs);
}

#endif
