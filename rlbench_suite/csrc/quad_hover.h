/* QuadHover-v0: one Crazyflie 2.x taking off to a fixed target, RPM action types only.
 *
 * The physics is QuadrotorDynamics.step (rlbench_suite/envs/uav/dynamics.py) for one drone with
 * the semi-implicit Euler integrator, no motor lag, no downwash (a single drone), no wind and
 * healthy motors: float64 throughout, the same expressions in the same order, built without FMA
 * contraction. The env's step (envs/uav/base.py) holds the action for `substeps` physics steps,
 * then scores HoverAviary's reward and truncates on its position / tilt limits or the episode
 * length. The observation is KIN (position, roll / pitch / yaw, velocity, body rates) followed by
 * the last `buffer_length` actions, oldest first, cast to float32. Every constant comes from the
 * Python env (rlbench_suite.vector.kernels), never typed twice.
 *
 * Where NumPy may round differently: its 4-term dot products go through BLAS (which may sum in
 * another order), and sin / cos / atan2 / asin may come from its SIMD routines rather than libm.
 * Each is within an ulp or so; tests/vector/test_parity_quad_hover.py states the tolerance.
 */
#ifndef RLBENCH_QUAD_HOVER_H
#define RLBENCH_QUAD_HOVER_H

#include <math.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "kernel_table.h"
#include "rng.h"

#define QUAD_HOVER_KINEMATICS 12
#define QUAD_HOVER_PI 3.14159265358979323846 /* math.pi; -std=c11 has no M_PI */

typedef struct {
    double mass, weight, kf, km;
    double inertia[3];
    double motor_offset;           /* arm length along each body axis, m */
    double motor_x[4], motor_y[4]; /* body-frame motor positions, the env's motor order */
    double drag[3];                /* (c_xy, c_xy, c_z) */
    bool drag_enabled, ground_effect_enabled;
    double ground_effect_coeff, prop_radius, ground_effect_clip_height, rest_height;
    double hover_rpm, rpm_action_scale;
    double dt;                     /* physics time step, s */
    int64_t substeps;              /* physics steps per control step */
    int64_t episode_steps;         /* truncation after this many control steps */
    int64_t action_size;           /* 4 (rpm) or 1 (one_d_rpm) */
    int64_t buffer_length;         /* actions kept in the observation */
    double start[3];               /* home position before jitter */
    double start_jitter;           /* x and y start uniform in [-jitter, jitter) around home */
    double target[3];
    double limit_xy, limit_z, tilt_limit;
} quad_hover_params;

typedef struct {
    double position[3], quaternion[4], velocity[3], body_rates[3];
    int64_t step_count;
    float buffer[]; /* (buffer_length, action_size), oldest first */
} quad_hover_state;

static inline size_t quad_hover_obs_dim(const quad_hover_params *params) {
    return QUAD_HOVER_KINEMATICS + (size_t)(params->buffer_length * params->action_size);
}

static inline size_t quad_hover_state_size(const quad_hover_params *params) {
    const size_t size = offsetof(quad_hover_state, buffer) +
                        sizeof(float) * (size_t)(params->buffer_length * params->action_size);
    return (size + 7) & ~(size_t)7; /* keep every env's doubles 8-byte aligned */
}

/* quaternion_to_rotation, row-major. */
static inline void quad_hover_rotation(const double *q, double r[9]) {
    const double w = q[0], x = q[1], y = q[2], z = q[3];
    r[0] = 1.0 - 2.0 * (y * y + z * z);
    r[1] = 2.0 * (x * y - w * z);
    r[2] = 2.0 * (x * z + w * y);
    r[3] = 2.0 * (x * y + w * z);
    r[4] = 1.0 - 2.0 * (x * x + z * z);
    r[5] = 2.0 * (y * z - w * x);
    r[6] = 2.0 * (x * z - w * y);
    r[7] = 2.0 * (y * z + w * x);
    r[8] = 1.0 - 2.0 * (x * x + y * y);
}

static inline void quad_hover_observe(const quad_hover_params *params,
                                      const quad_hover_state *state, float *obs) {
    double r[9];
    quad_hover_rotation(state->quaternion, r);
    const double sine_pitch = -r[6] < -1.0 ? -1.0 : -r[6] > 1.0 ? 1.0 : -r[6];
    obs[0] = (float)state->position[0];
    obs[1] = (float)state->position[1];
    obs[2] = (float)state->position[2];
    obs[3] = (float)atan2(r[7], r[8]);
    obs[4] = (float)asin(sine_pitch);
    obs[5] = (float)atan2(r[3], r[0]);
    for (int axis = 0; axis < 3; axis++) {
        obs[6 + axis] = (float)state->velocity[axis];
        obs[9 + axis] = (float)state->body_rates[axis];
    }
    memcpy(obs + QUAD_HOVER_KINEMATICS, state->buffer,
           sizeof(float) * (size_t)(params->buffer_length * params->action_size));
}

static inline void quad_hover_reset(const quad_hover_params *params, quad_hover_state *state,
                                    rlb_rng *rng, float *obs) {
    /* QuadHoverEnv._reset_drones: home[0:2] += np_random.uniform(-j, j, (1, 2)), x then y. */
    const double low = -params->start_jitter, high = params->start_jitter;
    const double jitter_x = low + (high - low) * rlb_rng_double(rng);
    const double jitter_y = low + (high - low) * rlb_rng_double(rng);
    state->position[0] = params->start[0] + jitter_x;
    state->position[1] = params->start[1] + jitter_y;
    state->position[2] = params->start[2];
    state->quaternion[0] = 1.0;
    for (int axis = 0; axis < 3; axis++) {
        state->quaternion[axis + 1] = 0.0;
        state->velocity[axis] = 0.0;
        state->body_rates[axis] = 0.0;
    }
    state->step_count = 0;
    memset(state->buffer, 0, sizeof(float) * (size_t)(params->buffer_length * params->action_size));
    quad_hover_observe(params, state, obs);
}

/* Every entry finite and in [-1, 1], as the env's Box action space. */
static inline bool quad_hover_check_action(const quad_hover_params *params, const float *action,
                                           char *reason, size_t reason_size) {
    for (int64_t at = 0; at < params->action_size; at++) {
        if (!isfinite(action[at])) {
            snprintf(reason, reason_size, "action entry %lld is not finite", (long long)at);
            return false;
        }
        if (action[at] < -1.0f || action[at] > 1.0f) {
            snprintf(reason, reason_size, "action entry %lld is %g, outside [-1, 1]",
                     (long long)at, (double)action[at]);
            return false;
        }
    }
    return true;
}

/* One QuadrotorDynamics.step (euler, one drone) under motor speeds `rpm` (already >= 0). */
static inline void quad_hover_physics(const quad_hover_params *params, quad_hover_state *state,
                                      const double rpm[4]) {
    double rpm_squared[4];
    for (int motor = 0; motor < 4; motor++) {
        rpm_squared[motor] = rpm[motor] * rpm[motor];
    }
    const double rotor_speed_sum =
        (((rpm[0] + rpm[1]) + rpm[2]) + rpm[3]) * (2.0 * QUAD_HOVER_PI / 60.0);

    /* derivatives() */
    double r[9];
    quad_hover_rotation(state->quaternion, r);
    double motor_thrust[4];
    for (int motor = 0; motor < 4; motor++) {
        motor_thrust[motor] = params->kf * rpm_squared[motor];
    }
    if (params->ground_effect_enabled && r[8] > 0.0) {
        for (int motor = 0; motor < 4; motor++) {
            double height = state->position[2] + r[6] * params->motor_x[motor] +
                            r[7] * params->motor_y[motor];
            if (height < params->ground_effect_clip_height) {
                height = params->ground_effect_clip_height;
            }
            const double ratio = params->prop_radius / (4.0 * height);
            const double gain = params->ground_effect_coeff * (ratio * ratio);
            motor_thrust[motor] = motor_thrust[motor] + motor_thrust[motor] * gain;
        }
    }
    const double thrust =
        ((motor_thrust[0] + motor_thrust[1]) + motor_thrust[2]) + motor_thrust[3];
    double torque[3] = {0.0, 0.0, 0.0};
    for (int motor = 0; motor < 4; motor++) {
        torque[0] += motor_thrust[motor] * params->motor_y[motor];
        torque[1] += motor_thrust[motor] * params->motor_x[motor];
    }
    torque[1] = -torque[1];
    torque[2] = params->km *
                (((-rpm_squared[0] + rpm_squared[1]) - rpm_squared[2]) + rpm_squared[3]);

    double force[3];
    for (int axis = 0; axis < 3; axis++) {
        force[axis] = r[axis * 3 + 2] * thrust + 0.0;
    }
    force[2] -= params->weight;
    if (params->drag_enabled) {
        double body_drag[3];
        for (int axis = 0; axis < 3; axis++) {
            const double body_velocity = (r[axis] * state->velocity[0] +
                                          r[3 + axis] * state->velocity[1]) +
                                         r[6 + axis] * state->velocity[2];
            body_drag[axis] = (-params->drag[axis] * rotor_speed_sum) * body_velocity;
        }
        for (int axis = 0; axis < 3; axis++) {
            force[axis] += (r[axis * 3] * body_drag[0] + r[axis * 3 + 1] * body_drag[1]) +
                           r[axis * 3 + 2] * body_drag[2];
        }
    }
    double acceleration[3];
    for (int axis = 0; axis < 3; axis++) {
        acceleration[axis] = force[axis] / params->mass;
    }
    const double *w = state->body_rates;
    double momentum[3];
    for (int axis = 0; axis < 3; axis++) {
        momentum[axis] = params->inertia[axis] * w[axis];
    }
    double angular_acceleration[3] = {
        torque[0] - (w[1] * momentum[2] - w[2] * momentum[1]),
        torque[1] - (w[2] * momentum[0] - w[0] * momentum[2]),
        torque[2] - (w[0] * momentum[1] - w[1] * momentum[0]),
    };
    for (int axis = 0; axis < 3; axis++) {
        angular_acceleration[axis] /= params->inertia[axis];
    }

    /* semi-implicit Euler */
    const double dt = params->dt;
    for (int axis = 0; axis < 3; axis++) {
        state->velocity[axis] += dt * acceleration[axis];
        state->body_rates[axis] += dt * angular_acceleration[axis];
        state->position[axis] += dt * state->velocity[axis];
    }

    /* integrate_quaternion */
    const double rate_norm = sqrt((w[0] * w[0] + w[1] * w[1]) + w[2] * w[2]);
    const double half_angle = 0.5 * rate_norm * dt;
    const double axis_scale = rate_norm > 1e-12 ? sin(half_angle) / rate_norm : 0.5 * dt;
    const double i0 = cos(half_angle), i1 = w[0] * axis_scale, i2 = w[1] * axis_scale,
                 i3 = w[2] * axis_scale;
    const double *q = state->quaternion;
    double u[4];
    u[0] = ((q[0] * i0 - q[1] * i1) - q[2] * i2) - q[3] * i3;
    u[1] = ((q[0] * i1 + q[1] * i0) + q[2] * i3) - q[3] * i2;
    u[2] = ((q[0] * i2 - q[1] * i3) + q[2] * i0) + q[3] * i1;
    u[3] = ((q[0] * i3 + q[1] * i2) - q[2] * i1) + q[3] * i0;
    const double norm = sqrt(((u[0] * u[0] + u[1] * u[1]) + u[2] * u[2]) + u[3] * u[3]);
    for (int at = 0; at < 4; at++) {
        state->quaternion[at] = u[at] / norm;
    }

    /* _floor_contact */
    if (state->position[2] < params->rest_height) {
        state->position[2] = params->rest_height;
        state->velocity[0] = 0.0;
        state->velocity[1] = 0.0;
        state->velocity[2] = state->velocity[2] > 0.0 ? state->velocity[2] : 0.0;
        state->body_rates[0] = 0.0;
        state->body_rates[1] = 0.0;
        state->body_rates[2] = 0.0;
    }
}

static inline void quad_hover_step(const quad_hover_params *params, quad_hover_state *state,
                                   rlb_rng *rng, const float *action, float *obs, double *reward,
                                   bool *terminated, bool *truncated) {
    (void)rng; /* the dynamics are deterministic; only resets draw */
    const int64_t size = params->action_size;
    const int64_t entries = params->buffer_length * size;
    memmove(state->buffer, state->buffer + size, sizeof(float) * (size_t)(entries - size));
    memcpy(state->buffer + entries - size, action, sizeof(float) * (size_t)size);

    /* _rpm_from_action, then np.clip(command, 0, None) */
    double rpm[4];
    for (int motor = 0; motor < 4; motor++) {
        const double a = (double)action[size == 4 ? motor : 0];
        const double command = params->hover_rpm * (1.0 + params->rpm_action_scale * a);
        rpm[motor] = command < 0.0 ? 0.0 : command;
    }
    for (int64_t substep = 0; substep < params->substeps; substep++) {
        quad_hover_physics(params, state, rpm);
    }
    state->step_count += 1;

    /* hover_reward(||target - p||): max(0, 2 - d^4) */
    const double dx = params->target[0] - state->position[0];
    const double dy = params->target[1] - state->position[1];
    const double dz = params->target[2] - state->position[2];
    const double distance = sqrt((dx * dx + dy * dy) + dz * dz);
    const double score = 2.0 - pow(distance, 4.0);
    *reward = score > 0.0 ? score : 0.0;

    /* _out_of_bounds on the true state, then the episode length */
    double r[9];
    quad_hover_rotation(state->quaternion, r);
    const double roll = atan2(r[7], r[8]);
    const double sine_pitch = -r[6] < -1.0 ? -1.0 : -r[6] > 1.0 ? 1.0 : -r[6];
    const double pitch = asin(sine_pitch);
    const bool out_of_bounds = fabs(state->position[0]) > params->limit_xy ||
                               fabs(state->position[1]) > params->limit_xy ||
                               state->position[2] > params->limit_z ||
                               fabs(roll) > params->tilt_limit || fabs(pitch) > params->tilt_limit;
    *terminated = false;
    *truncated = out_of_bounds || state->step_count >= params->episode_steps;
    quad_hover_observe(params, state, obs);
}

/* -- the table (kernel_table.h) --------------------------------------------------------------- */

static bool quad_hover_finish(void *untyped, char *error, size_t error_size) {
    quad_hover_params *p = untyped;
    const char *problem = NULL;
    if (!(p->action_size == 4 || p->action_size == 1)) {
        problem = "action_size must be 4 (rpm) or 1 (one_d_rpm)";
    } else if (!(p->mass > 0 && p->kf > 0 && p->km > 0 && p->motor_offset > 0)) {
        problem = "mass, kf, km and motor_offset must be positive";
    } else if (!(p->inertia[0] > 0 && p->inertia[1] > 0 && p->inertia[2] > 0)) {
        problem = "the inertia must be positive";
    } else if (!(p->dt > 0 && p->hover_rpm > 0)) {
        problem = "physics_timestep and hover_rpm must be positive";
    } else if (!(p->start_jitter >= 0)) {
        problem = "start_jitter must be >= 0";
    }
    if (problem != NULL) {
        snprintf(error, error_size, "%s", problem);
        return false;
    }
    p->drag[1] = p->drag[0];
    /* dynamics.CrazyflieParams.motor_positions: (+d, -d), (-d, -d), (-d, +d), (+d, +d) */
    const double d = p->motor_offset;
    const double motor_x[4] = {d, -d, -d, d};
    const double motor_y[4] = {-d, -d, d, d};
    memcpy(p->motor_x, motor_x, sizeof motor_x);
    memcpy(p->motor_y, motor_y, sizeof motor_y);
    return true;
}

static size_t quad_hover_obs_length(const void *params) {
    return quad_hover_obs_dim(params);
}

static size_t quad_hover_action_length(const void *params) {
    return (size_t)((const quad_hover_params *)params)->action_size;
}

static size_t quad_hover_buffer_entries(const void *params) {
    const quad_hover_params *p = params;
    return (size_t)(p->buffer_length * p->action_size);
}

static size_t quad_hover_state_bytes(const void *params) {
    return quad_hover_state_size(params);
}

#define QUAD_DOUBLE(key, member, doc) \
    RLB_PARAM_DOUBLE(quad_hover_params, key, member, -HUGE_VAL, HUGE_VAL, doc)
#define QUAD_BOOL(key, member, doc) RLB_PARAM_BOOL(quad_hover_params, key, member, doc)
#define QUAD_INT(key, member, low, high, doc) \
    RLB_PARAM_INT(quad_hover_params, key, member, low, high, doc)
static const rlb_param quad_hover_param_table[] = {
    QUAD_DOUBLE("mass", mass, "kg"),
    QUAD_DOUBLE("weight", weight, "N"),
    QUAD_DOUBLE("kf", kf, "thrust per rpm^2"),
    QUAD_DOUBLE("km", km, "torque per rpm^2"),
    QUAD_DOUBLE("inertia_xx", inertia[0], "kg m^2"),
    QUAD_DOUBLE("inertia_yy", inertia[1], "kg m^2"),
    QUAD_DOUBLE("inertia_zz", inertia[2], "kg m^2"),
    QUAD_DOUBLE("motor_offset", motor_offset, "m"),
    QUAD_DOUBLE("drag_coeff_xy", drag[0], "drag per rotor speed"),
    QUAD_DOUBLE("drag_coeff_z", drag[2], "drag per rotor speed"),
    QUAD_BOOL("drag", drag_enabled, "rotor drag on"),
    QUAD_BOOL("ground_effect", ground_effect_enabled, "ground effect on"),
    QUAD_DOUBLE("ground_effect_coeff", ground_effect_coeff, "ground effect gain"),
    QUAD_DOUBLE("prop_radius", prop_radius, "m"),
    QUAD_DOUBLE("ground_effect_clip_height", ground_effect_clip_height, "m"),
    QUAD_DOUBLE("rest_height", rest_height, "floor height of the body, m"),
    QUAD_DOUBLE("hover_rpm", hover_rpm, "rpm"),
    QUAD_DOUBLE("rpm_action_scale", rpm_action_scale, "action 1 = hover_rpm (1 + this)"),
    QUAD_DOUBLE("physics_timestep", dt, "s"),
    QUAD_INT("substeps", substeps, 1, INT32_MAX, "physics steps per control step"),
    QUAD_INT("episode_steps", episode_steps, 1, INT64_MAX, "truncation"),
    QUAD_INT("action_size", action_size, 1, 4, "4 (rpm) or 1 (one_d_rpm)"),
    QUAD_INT("buffer_length", buffer_length, 1, 1 << 16, "actions kept in the observation"),
    QUAD_DOUBLE("start_x", start[0], "m"),
    QUAD_DOUBLE("start_y", start[1], "m"),
    QUAD_DOUBLE("start_z", start[2], "m"),
    QUAD_DOUBLE("start_jitter", start_jitter, "x and y start within +- this, m"),
    QUAD_DOUBLE("target_x", target[0], "m"),
    QUAD_DOUBLE("target_y", target[1], "m"),
    QUAD_DOUBLE("target_z", target[2], "m"),
    QUAD_DOUBLE("limit_xy", limit_xy, "m"),
    QUAD_DOUBLE("limit_z", limit_z, "m"),
    QUAD_DOUBLE("tilt_limit", tilt_limit, "rad"),
};
#undef QUAD_DOUBLE
#undef QUAD_BOOL
#undef QUAD_INT

static const rlb_state_field quad_hover_state_table[] = {
    RLB_STATE(quad_hover_state, position, RLB_FLOAT64, 3, "world frame, m"),
    RLB_STATE(quad_hover_state, quaternion, RLB_FLOAT64, 4, "w, x, y, z"),
    RLB_STATE(quad_hover_state, velocity, RLB_FLOAT64, 3, "world frame, m/s"),
    RLB_STATE(quad_hover_state, body_rates, RLB_FLOAT64, 3, "body frame, rad/s"),
    RLB_STATE(quad_hover_state, step_count, RLB_INT64, 1, "control steps since reset"),
    RLB_STATE_SIZED(quad_hover_state, buffer, RLB_FLOAT32, quad_hover_buffer_entries,
                    "buffer_length * action_size", "last actions, oldest first"),
};

static const rlb_kernel_table quad_hover_table = {
    .name = "quad_hover",
    .params = quad_hover_param_table,
    .num_params = RLB_COUNT(quad_hover_param_table),
    .params_size = sizeof(quad_hover_params),
    .finish = quad_hover_finish,
    .obs_type = RLB_FLOAT32,
    .action_type = RLB_FLOAT32,
    .obs_dim = quad_hover_obs_length,
    .action_dim = quad_hover_action_length,
    .obs_text = "12 + buffer_length * action_size",
    .action_text = "action_size",
    .state = quad_hover_state_table,
    .num_state_fields = RLB_COUNT(quad_hover_state_table),
    .state_size = quad_hover_state_bytes,
    .min_envs_per_thread = 128,
};

#endif
