/* rlbench_suite._native: the CPython side shared by every kernel.
 *
 * A `Batch` runs num_envs copies of one kernel. It owns the kernel's params, one state and one
 * RNG per env; the caller owns the output arrays (observations, rewards, terminations,
 * truncations and, in same-step autoreset mode, final observations), which are checked and bound
 * once at construction and written in place afterwards. `step` checks the whole action array,
 * then advances every env with the GIL released, over OpenMP threads when asked for more than
 * one. Nothing is allocated after construction.
 *
 * A kernel is a header (cartpole.h, rmab_two_state.h, quad_hover.h, market_making.h) with a params struct, a
 * state struct and reset / check_action / step functions; this file adds its parameter parsing,
 * one line that builds its loops (DEFINE_ENV_LOOPS, or DEFINE_COLUMN_LOOPS for a kernel whose
 * step draws no random numbers and whose state is in columns) and one line in KERNELS.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <structmember.h>

#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#ifdef _OPENMP
#include <omp.h>
#endif

/* Kernel headers mark a loop meant to vectorise with RLB_VECTOR_LOOP. On x86-64 with glibc it is
 * built twice, for the baseline instruction set and for AVX2, and the dynamic loader picks the
 * one the CPU runs (function multiversioning, GCC and Clang): the baseline (SSE2) lacks the
 * 64-bit integer compares CartPole's loop needs to vectorise. Both versions do the same IEEE
 * operations in the same order (no FMA contraction), so they give identical results. Elsewhere
 * the loop is only kept out of line, where its restrict parameters keep their meaning. */
#if !defined(RLB_VECTOR_LOOP) && defined(__x86_64__) && defined(__GLIBC__) && \
    defined(__has_attribute)
#if __has_attribute(target_clones)
#define RLB_VECTOR_LOOP __attribute__((target_clones("avx2", "default")))
#endif
#endif
#if !defined(RLB_VECTOR_LOOP) && defined(__GNUC__)
#define RLB_VECTOR_LOOP __attribute__((noinline))
#endif

#include "cartpole.h"
#include "market_making.h"
#include "quad_hover.h"
#include "rmab_two_state.h"
#include "rng.h"

/* NumPy's bool is one byte; the bound flag arrays are written as C bools. */
_Static_assert(sizeof(bool) == 1, "C bool must be one byte to share NumPy bool arrays");

#define REASON_SIZE 160

/* A thread gets at least this many envs: below it, waking a thread costs more than it saves
 * (measured on 2 idle cores, OpenMP's default wait policy). A CartPole step costs about 5 ns,
 * a sixth of a bandit step and under a hundredth of a quadrotor step, so CartPole needs more:
 * two threads give 0.96x one thread's rate with 256 envs each, 1.25x with 512, 1.6x with 2048. */
#define MIN_ENVS_PER_THREAD 128
#define CARTPOLE_MIN_ENVS_PER_THREAD 512

#define RLB_PRAGMA(text) _Pragma(#text)

/* -- array checks --------------------------------------------------------------------------- */

typedef enum { KIND_FLOAT32, KIND_FLOAT64, KIND_INT64, KIND_UINT64, KIND_INT8, KIND_BOOL } elem_kind;

static const char *kind_name(elem_kind kind) {
    switch (kind) {
    case KIND_FLOAT32: return "float32";
    case KIND_FLOAT64: return "float64";
    case KIND_INT64: return "int64";
    case KIND_UINT64: return "uint64";
    case KIND_INT8: return "int8";
    case KIND_BOOL: return "bool";
    }
    return "?";
}

static bool format_matches(const char *format, Py_ssize_t itemsize, elem_kind kind) {
    if (format == NULL) {
        format = "B"; /* the buffer protocol's default: unsigned bytes */
    }
    if (format[0] == '@' || format[0] == '=') {
        format++;
    }
    if (format[0] == '\0' || format[1] != '\0') {
        return false;
    }
    switch (kind) {
    case KIND_FLOAT32: return format[0] == 'f' && itemsize == 4;
    case KIND_FLOAT64: return format[0] == 'd' && itemsize == 8;
    case KIND_INT64: return (format[0] == 'l' || format[0] == 'q') && itemsize == 8;
    case KIND_UINT64: return (format[0] == 'L' || format[0] == 'Q') && itemsize == 8;
    case KIND_INT8: return format[0] == 'b' && itemsize == 1;
    case KIND_BOOL: return format[0] == '?' && itemsize == 1;
    }
    return false;
}

static void format_shape(char *out, size_t size, int ndim, const Py_ssize_t *shape) {
    size_t used = (size_t)snprintf(out, size, "(");
    for (int axis = 0; axis < ndim && used < size; axis++) {
        used += (size_t)snprintf(out + used, size - used, axis == 0 ? "%zd" : ", %zd", shape[axis]);
    }
    if (used < size) {
        snprintf(out + used, size - used, ndim == 1 ? ",)" : ")");
    }
}

/* Acquire `obj` as a C-contiguous array of `kind` and `shape`; writable when asked. On failure
 * the view is released and a TypeError (not an array, wrong dtype) or ValueError (shape,
 * layout, read-only) names the argument. */
static int get_array(PyObject *obj, const char *name, elem_kind kind, int ndim,
                     const Py_ssize_t *shape, bool writable, Py_buffer *view) {
    if (PyObject_GetBuffer(obj, view, PyBUF_RECORDS_RO) < 0) {
        PyErr_Clear();
        PyErr_Format(PyExc_TypeError, "%s must be a NumPy array, got %.80s", name,
                     Py_TYPE(obj)->tp_name);
        return -1;
    }
    char expected[96], got[96];
    if (!format_matches(view->format, view->itemsize, kind)) {
        PyErr_Format(PyExc_TypeError, "%s must have dtype %s, got buffer format '%s'", name,
                     kind_name(kind), view->format ? view->format : "B");
        goto fail;
    }
    bool same_shape = view->ndim == ndim;
    for (int axis = 0; same_shape && axis < ndim; axis++) {
        same_shape = view->shape[axis] == shape[axis];
    }
    if (!same_shape) {
        format_shape(expected, sizeof expected, ndim, shape);
        format_shape(got, sizeof got, view->ndim, view->shape);
        PyErr_Format(PyExc_ValueError, "%s must have shape %s, got %s", name, expected, got);
        goto fail;
    }
    if (!PyBuffer_IsContiguous(view, 'C')) {
        PyErr_Format(PyExc_ValueError, "%s must be C-contiguous (use numpy.ascontiguousarray)",
                     name);
        goto fail;
    }
    if (writable && view->readonly) {
        PyErr_Format(PyExc_ValueError, "%s is read-only; the batch writes into it", name);
        goto fail;
    }
    return 0;
fail:
    PyBuffer_Release(view);
    return -1;
}

/* -- parameter dicts ------------------------------------------------------------------------ */

static PyObject *param_value(PyObject *params, const char *kernel, const char *key) {
    PyObject *value = PyDict_GetItemString(params, key);
    if (value == NULL) {
        PyErr_Format(PyExc_ValueError, "%s params lack '%s'", kernel, key);
    }
    return value;
}

static int param_double(PyObject *params, const char *kernel, const char *key, double *out) {
    PyObject *value = param_value(params, kernel, key);
    if (value == NULL) {
        return -1;
    }
    if (!PyFloat_Check(value) && !PyLong_Check(value)) {
        PyErr_Format(PyExc_TypeError, "%s params['%s'] must be a number, got %.80s", kernel, key,
                     Py_TYPE(value)->tp_name);
        return -1;
    }
    *out = PyFloat_AsDouble(value);
    if (*out == -1.0 && PyErr_Occurred()) {
        return -1;
    }
    if (!isfinite(*out)) {
        PyErr_Format(PyExc_ValueError, "%s params['%s'] must be finite, got %R", kernel, key,
                     value);
        return -1;
    }
    return 0;
}

static int param_int(PyObject *params, const char *kernel, const char *key, int64_t low,
                     int64_t high, int64_t *out) {
    PyObject *value = param_value(params, kernel, key);
    if (value == NULL) {
        return -1;
    }
    if (!PyLong_Check(value) || PyBool_Check(value)) {
        PyErr_Format(PyExc_TypeError, "%s params['%s'] must be an int, got %.80s", kernel, key,
                     Py_TYPE(value)->tp_name);
        return -1;
    }
    int overflow = 0;
    const long long parsed = PyLong_AsLongLongAndOverflow(value, &overflow);
    if (parsed == -1 && PyErr_Occurred()) {
        return -1;
    }
    if (overflow != 0 || parsed < low || parsed > high) {
        PyErr_Format(PyExc_ValueError, "%s params['%s'] must be in [%lld, %lld], got %R", kernel,
                     key, (long long)low, (long long)high, value);
        return -1;
    }
    *out = (int64_t)parsed;
    return 0;
}

static int param_bool(PyObject *params, const char *kernel, const char *key, bool *out) {
    PyObject *value = param_value(params, kernel, key);
    if (value == NULL) {
        return -1;
    }
    if (!PyBool_Check(value)) {
        PyErr_Format(PyExc_TypeError, "%s params['%s'] must be a bool, got %.80s", kernel, key,
                     Py_TYPE(value)->tp_name);
        return -1;
    }
    *out = value == Py_True;
    return 0;
}

/* Refuse keys a kernel does not read, so a misspelt parameter is an error, not a default. */
static int params_only(PyObject *params, const char *kernel, const char *const *known) {
    PyObject *key;
    PyObject *value;
    Py_ssize_t position = 0;
    while (PyDict_Next(params, &position, &key, &value)) {
        bool found = false;
        for (const char *const *name = known; *name != NULL && !found; name++) {
            found = PyUnicode_Check(key) && PyUnicode_CompareWithASCIIString(key, *name) == 0;
        }
        if (!found) {
            PyErr_Format(PyExc_ValueError, "%s has no parameter %R", kernel, key);
            return -1;
        }
    }
    return 0;
}

static int require(bool condition, const char *kernel, const char *what) {
    if (!condition) {
        PyErr_Format(PyExc_ValueError, "%s params: %s", kernel, what);
        return -1;
    }
    return 0;
}

static int cartpole_parse(PyObject *params, void *out) {
    static const char *const kernel = "cartpole";
    static const char *const known[] = {
        "gravity", "masspole", "total_mass", "length", "polemass_length", "force_mag", "tau",
        "theta_threshold_radians", "x_threshold", "reset_low", "reset_high", "max_episode_steps",
        "sutton_barto_reward", "fast_math", NULL};
    cartpole_params *p = out;
    if (params_only(params, kernel, known) < 0 ||
        param_double(params, kernel, "gravity", &p->gravity) < 0 ||
        param_double(params, kernel, "masspole", &p->masspole) < 0 ||
        param_double(params, kernel, "total_mass", &p->total_mass) < 0 ||
        param_double(params, kernel, "length", &p->length) < 0 ||
        param_double(params, kernel, "polemass_length", &p->polemass_length) < 0 ||
        param_double(params, kernel, "force_mag", &p->force_mag) < 0 ||
        param_double(params, kernel, "tau", &p->tau) < 0 ||
        param_double(params, kernel, "theta_threshold_radians", &p->theta_threshold_radians) < 0 ||
        param_double(params, kernel, "x_threshold", &p->x_threshold) < 0 ||
        param_double(params, kernel, "reset_low", &p->reset_low) < 0 ||
        param_double(params, kernel, "reset_high", &p->reset_high) < 0 ||
        param_int(params, kernel, "max_episode_steps", 1, INT64_MAX, &p->max_episode_steps) < 0 ||
        param_bool(params, kernel, "sutton_barto_reward", &p->sutton_barto_reward) < 0 ||
        param_bool(params, kernel, "fast_math", &p->fast_math) < 0) {
        return -1;
    }
    if (require(p->masspole > 0 && p->total_mass > p->masspole, kernel,
                "masspole and total_mass must be positive, total_mass > masspole") < 0 ||
        require(p->length > 0 && p->polemass_length > 0, kernel,
                "length and polemass_length must be positive") < 0 ||
        require(p->tau > 0, kernel, "tau (the time step) must be positive") < 0 ||
        require(p->force_mag >= 0, kernel, "force_mag must be >= 0") < 0 ||
        require(p->theta_threshold_radians > 0 && p->x_threshold > 0, kernel,
                "termination thresholds must be positive") < 0 ||
        require(p->reset_low < p->reset_high, kernel, "reset_low must be < reset_high") < 0) {
        return -1;
    }
    return 0;
}

static void cartpole_free(void *params) {
    (void)params;
}

/* Copy a float64 table of `shape` out of params[key] into memory the batch owns. */
static double *param_table(PyObject *params, const char *kernel, const char *key, int ndim,
                           const Py_ssize_t *shape, double low, double high) {
    PyObject *value = param_value(params, kernel, key);
    if (value == NULL) {
        return NULL;
    }
    char name[64];
    snprintf(name, sizeof name, "%s params['%s']", kernel, key);
    Py_buffer view;
    if (get_array(value, name, KIND_FLOAT64, ndim, shape, false, &view) < 0) {
        return NULL;
    }
    const Py_ssize_t count = view.len / (Py_ssize_t)sizeof(double);
    const double *source = view.buf;
    for (Py_ssize_t at = 0; at < count; at++) {
        if (!(source[at] >= low && source[at] <= high)) {
            char message[192]; /* PyErr_Format has no %g */
            snprintf(message, sizeof message, "%s must hold values in [%g, %g]; entry %zd is %g",
                     name, low, high, at, source[at]);
            PyErr_SetString(PyExc_ValueError, message);
            PyBuffer_Release(&view);
            return NULL;
        }
    }
    double *table = PyMem_RawMalloc((size_t)view.len);
    if (table == NULL) {
        PyBuffer_Release(&view);
        PyErr_NoMemory();
        return NULL;
    }
    memcpy(table, source, (size_t)view.len);
    PyBuffer_Release(&view);
    return table;
}

static void rmab_two_state_free(void *params) {
    rmab_two_state_params *p = params;
    PyMem_RawFree(p->next_bad_prob);
    PyMem_RawFree(p->state_rewards);
    p->next_bad_prob = NULL;
    p->state_rewards = NULL;
}

static int rmab_two_state_parse(PyObject *params, void *out) {
    static const char *const kernel = "rmab_two_state";
    static const char *const known[] = {"num_arms", "budget", "horizon", "initial_good_threshold",
                                        "next_bad_prob", "state_rewards", NULL};
    rmab_two_state_params *p = out;
    if (params_only(params, kernel, known) < 0 ||
        param_int(params, kernel, "num_arms", 1, INT32_MAX, &p->num_arms) < 0 ||
        param_int(params, kernel, "budget", 1, p->num_arms, &p->budget) < 0 ||
        param_int(params, kernel, "horizon", 1, INT64_MAX, &p->horizon) < 0 ||
        param_double(params, kernel, "initial_good_threshold", &p->initial_good_threshold) < 0) {
        return -1;
    }
    if (require(p->initial_good_threshold >= 0 && p->initial_good_threshold <= 1, kernel,
                "initial_good_threshold must be in [0, 1]") < 0) {
        return -1;
    }
    const Py_ssize_t transition_shape[3] = {(Py_ssize_t)p->num_arms, 2, 2};
    const Py_ssize_t reward_shape[2] = {(Py_ssize_t)p->num_arms, 2};
    p->next_bad_prob = param_table(params, kernel, "next_bad_prob", 3, transition_shape, 0, 1);
    if (p->next_bad_prob != NULL) {
        p->state_rewards = param_table(params, kernel, "state_rewards", 2, reward_shape,
                                       -HUGE_VAL, HUGE_VAL);
    }
    if (p->state_rewards == NULL) {
        rmab_two_state_free(p);
        return -1;
    }
    return 0;
}

static int quad_hover_parse(PyObject *params, void *out) {
    static const char *const kernel = "quad_hover";
    static const char *const known[] = {
        "mass", "weight", "kf", "km", "inertia_xx", "inertia_yy", "inertia_zz", "motor_offset",
        "drag_coeff_xy", "drag_coeff_z", "drag", "ground_effect", "ground_effect_coeff",
        "prop_radius", "ground_effect_clip_height", "rest_height", "hover_rpm",
        "rpm_action_scale", "physics_timestep", "substeps", "episode_steps", "action_size",
        "buffer_length", "start_x", "start_y", "start_z", "start_jitter", "target_x", "target_y",
        "target_z", "limit_xy", "limit_z", "tilt_limit", NULL};
    quad_hover_params *p = out;
    double offset;
    if (params_only(params, kernel, known) < 0 ||
        param_double(params, kernel, "mass", &p->mass) < 0 ||
        param_double(params, kernel, "weight", &p->weight) < 0 ||
        param_double(params, kernel, "kf", &p->kf) < 0 ||
        param_double(params, kernel, "km", &p->km) < 0 ||
        param_double(params, kernel, "inertia_xx", &p->inertia[0]) < 0 ||
        param_double(params, kernel, "inertia_yy", &p->inertia[1]) < 0 ||
        param_double(params, kernel, "inertia_zz", &p->inertia[2]) < 0 ||
        param_double(params, kernel, "motor_offset", &offset) < 0 ||
        param_double(params, kernel, "drag_coeff_xy", &p->drag[0]) < 0 ||
        param_double(params, kernel, "drag_coeff_z", &p->drag[2]) < 0 ||
        param_bool(params, kernel, "drag", &p->drag_enabled) < 0 ||
        param_bool(params, kernel, "ground_effect", &p->ground_effect_enabled) < 0 ||
        param_double(params, kernel, "ground_effect_coeff", &p->ground_effect_coeff) < 0 ||
        param_double(params, kernel, "prop_radius", &p->prop_radius) < 0 ||
        param_double(params, kernel, "ground_effect_clip_height",
                     &p->ground_effect_clip_height) < 0 ||
        param_double(params, kernel, "rest_height", &p->rest_height) < 0 ||
        param_double(params, kernel, "hover_rpm", &p->hover_rpm) < 0 ||
        param_double(params, kernel, "rpm_action_scale", &p->rpm_action_scale) < 0 ||
        param_double(params, kernel, "physics_timestep", &p->dt) < 0 ||
        param_int(params, kernel, "substeps", 1, INT32_MAX, &p->substeps) < 0 ||
        param_int(params, kernel, "episode_steps", 1, INT64_MAX, &p->episode_steps) < 0 ||
        param_int(params, kernel, "action_size", 1, 4, &p->action_size) < 0 ||
        param_int(params, kernel, "buffer_length", 1, 1 << 16, &p->buffer_length) < 0 ||
        param_double(params, kernel, "start_x", &p->start[0]) < 0 ||
        param_double(params, kernel, "start_y", &p->start[1]) < 0 ||
        param_double(params, kernel, "start_z", &p->start[2]) < 0 ||
        param_double(params, kernel, "start_jitter", &p->start_jitter) < 0 ||
        param_double(params, kernel, "target_x", &p->target[0]) < 0 ||
        param_double(params, kernel, "target_y", &p->target[1]) < 0 ||
        param_double(params, kernel, "target_z", &p->target[2]) < 0 ||
        param_double(params, kernel, "limit_xy", &p->limit_xy) < 0 ||
        param_double(params, kernel, "limit_z", &p->limit_z) < 0 ||
        param_double(params, kernel, "tilt_limit", &p->tilt_limit) < 0) {
        return -1;
    }
    if (require(p->action_size == 4 || p->action_size == 1, kernel,
                "action_size must be 4 (rpm) or 1 (one_d_rpm)") < 0 ||
        require(p->mass > 0 && p->kf > 0 && p->km > 0 && offset > 0, kernel,
                "mass, kf, km and motor_offset must be positive") < 0 ||
        require(p->inertia[0] > 0 && p->inertia[1] > 0 && p->inertia[2] > 0, kernel,
                "the inertia must be positive") < 0 ||
        require(p->dt > 0 && p->hover_rpm > 0, kernel,
                "physics_timestep and hover_rpm must be positive") < 0 ||
        require(p->start_jitter >= 0, kernel, "start_jitter must be >= 0") < 0) {
        return -1;
    }
    p->drag[1] = p->drag[0];
    /* dynamics.CrazyflieParams.motor_positions: (+d, -d), (-d, -d), (-d, +d), (+d, +d) */
    const double motor_x[4] = {offset, -offset, -offset, offset};
    const double motor_y[4] = {-offset, -offset, offset, offset};
    memcpy(p->motor_x, motor_x, sizeof motor_x);
    memcpy(p->motor_y, motor_y, sizeof motor_y);
    return 0;
}

static void quad_hover_free(void *params) {
    (void)params;
}

static int market_making_parse(PyObject *params, void *out) {
    static const char *const kernel = "market_making";
    static const char *const known[] = {
        "initial_price", "terminal_time", "dt", "kappa", "max_depth", "price_step_scale",
        "price_scale", "arrival_probability", "hawkes", "hawkes_baseline", "hawkes_jump",
        "hawkes_decay", "n_steps", "time_limit", "max_inventory", "reward_kind",
        "running_penalty_per_step", "terminal_penalty", "risk_aversion", NULL};
    market_making_params *p = out;
    if (params_only(params, kernel, known) < 0 ||
        param_double(params, kernel, "initial_price", &p->initial_price) < 0 ||
        param_double(params, kernel, "terminal_time", &p->terminal_time) < 0 ||
        param_double(params, kernel, "dt", &p->dt) < 0 ||
        param_double(params, kernel, "kappa", &p->kappa) < 0 ||
        param_double(params, kernel, "max_depth", &p->max_depth) < 0 ||
        param_double(params, kernel, "price_step_scale", &p->price_step_scale) < 0 ||
        param_double(params, kernel, "price_scale", &p->price_scale) < 0 ||
        param_double(params, kernel, "arrival_probability", &p->arrival_probability) < 0 ||
        param_bool(params, kernel, "hawkes", &p->hawkes) < 0 ||
        param_double(params, kernel, "hawkes_baseline", &p->hawkes_baseline) < 0 ||
        param_double(params, kernel, "hawkes_jump", &p->hawkes_jump) < 0 ||
        param_double(params, kernel, "hawkes_decay", &p->hawkes_decay) < 0 ||
        param_int(params, kernel, "n_steps", 1, INT64_MAX, &p->n_steps) < 0 ||
        param_int(params, kernel, "time_limit", 0, INT64_MAX, &p->time_limit) < 0 ||
        param_int(params, kernel, "max_inventory", 1, INT32_MAX, &p->max_inventory) < 0 ||
        param_int(params, kernel, "reward_kind", MARKET_MAKING_PNL, MARKET_MAKING_UTILITY,
                  &p->reward_kind) < 0 ||
        param_double(params, kernel, "running_penalty_per_step",
                     &p->running_penalty_per_step) < 0 ||
        param_double(params, kernel, "terminal_penalty", &p->terminal_penalty) < 0 ||
        param_double(params, kernel, "risk_aversion", &p->risk_aversion) < 0) {
        return -1;
    }
    if (require(p->initial_price > 0 && p->terminal_time > 0 && p->dt > 0, kernel,
                "initial_price, terminal_time and dt must be positive") < 0 ||
        require(p->kappa > 0 && p->max_depth > 0, kernel,
                "kappa and max_depth must be positive") < 0 ||
        require(p->price_step_scale > 0 && p->price_scale > 0, kernel,
                "price_step_scale and price_scale must be positive") < 0 ||
        require(p->arrival_probability >= 0 && p->arrival_probability <= 1, kernel,
                "arrival_probability must be in [0, 1]") < 0 ||
        require(p->hawkes_baseline >= 0 && p->hawkes_jump >= 0 && p->hawkes_decay >= 0, kernel,
                "the Hawkes parameters must be >= 0") < 0 ||
        require(p->running_penalty_per_step >= 0 && p->terminal_penalty >= 0 &&
                    p->risk_aversion > 0,
                kernel, "the penalties must be >= 0 and risk_aversion > 0") < 0) {
        return -1;
    }
    return 0;
}

static void market_making_free(void *params) {
    (void)params;
}

/* -- the batch ------------------------------------------------------------------------------ */

typedef struct Batch Batch;

typedef struct {
    const char *name;
    elem_kind obs_kind, action_kind;
    bool scalar_action; /* actions have shape (num_envs,) rather than (num_envs, action_dim) */
    Py_ssize_t min_envs_per_thread;
    size_t params_size;
    int (*parse_params)(PyObject *params, void *out); /* sets a Python exception on failure */
    void (*free_params)(void *params);
    Py_ssize_t (*obs_dim)(const void *params);
    Py_ssize_t (*action_dim)(const void *params);
    size_t (*state_size)(const void *params); /* bytes per env */
    /* These three run without the GIL. */
    Py_ssize_t (*check_actions)(const Batch *batch, const void *actions, char *reason);
    void (*reset_env)(Batch *batch, Py_ssize_t env);
    void (*step_all)(Batch *batch, const void *actions);
} kernel_ops;

struct Batch {
    PyObject_HEAD
    const kernel_ops *ops;
    void *params;
    Py_ssize_t num_envs, obs_dim, action_dim, num_threads;
    bool same_step;  /* reset in the step that ends an episode, keeping the final observation */
    bool has_reset;  /* every env has been reset once */
    bool busy;       /* a call is running with the GIL released */
    bool bound;      /* the output buffers below are held */
    size_t state_size;
    char *states;    /* num_envs * state_size bytes, laid out as the kernel says */
    rlb_rng *rngs;   /* (num_envs,) */
    uint8_t *pending_reset; /* (num_envs,) next-step mode: the env resets on its next step */
    Py_buffer observations, rewards, terminations, truncations, final_observations;
};

/* What a step loop reads, copied out of the object so the compiler can keep it in registers
 * (the one-byte flag writes may alias anything reached through a pointer). */
typedef struct {
    const void *params;
    char *states;
    size_t state_size;
    rlb_rng *rngs;
    uint8_t *pending_reset;
    char *observations, *final_observations;
    double *rewards;
    bool *terminations, *truncations;
    Py_ssize_t num_envs, obs_dim, action_dim;
    bool same_step;
} batch_view;

static batch_view view_of(const Batch *batch) {
    batch_view view = {
        .params = batch->params,
        .states = batch->states,
        .state_size = batch->state_size,
        .rngs = batch->rngs,
        .pending_reset = batch->pending_reset,
        .observations = batch->observations.buf,
        .final_observations = batch->same_step ? batch->final_observations.buf : NULL,
        .rewards = batch->rewards.buf,
        .terminations = batch->terminations.buf,
        .truncations = batch->truncations.buf,
        .num_envs = batch->num_envs,
        .obs_dim = batch->obs_dim,
        .action_dim = batch->action_dim,
        .same_step = batch->same_step,
    };
    return view;
}

/* A step is two passes over a range of envs. The kernel's pass steps the envs (see the two
 * shapes below); then `settle` does the autoresets: an env that was pending from the previous
 * call is reset, with reward 0 and no flags, and one whose episode has just ended is reset now
 * (same-step, keeping its final observation) or marked pending (next-step). The range is every
 * env on one thread, or one contiguous share per OpenMP thread. */
typedef void (*range_pass)(const batch_view view, const void *actions, Py_ssize_t begin,
                           Py_ssize_t end);

static void run_ranges(const Batch *batch, range_pass pass, const void *actions) {
    const batch_view view = view_of(batch);
    const Py_ssize_t wanted = batch->num_envs / batch->ops->min_envs_per_thread;
    const Py_ssize_t num_threads = wanted < 1 ? 1
                                   : wanted < batch->num_threads ? wanted
                                                                 : batch->num_threads;
#ifdef _OPENMP
    if (num_threads > 1) {
        RLB_PRAGMA(omp parallel num_threads((int)num_threads))
        {
            const Py_ssize_t thread = omp_get_thread_num(), count = omp_get_num_threads();
            pass(view, actions, batch->num_envs * thread / count,
                 batch->num_envs * (thread + 1) / count);
        }
        return;
    }
#else
    (void)num_threads; /* always 1: max_threads() is 1 without OpenMP */
#endif
    pass(view, actions, 0, batch->num_envs); /* one thread: no OpenMP region at all */
}

/* What both shapes share, given the kernel's prefix##_reset_at: the autoreset pass, a reset of
 * one env, and the scan that names the first invalid action. */
#define DEFINE_SETTLE_AND_RESET(prefix, obs_t, action_t)                                       \
    static void prefix##_settle(const batch_view view, Py_ssize_t begin, Py_ssize_t end) {     \
        for (Py_ssize_t env = begin; env < end; env++) {                                       \
            if (!(view.pending_reset[env] | view.terminations[env] | view.truncations[env])) { \
                continue; /* most envs, most steps */                                          \
            }                                                                                  \
            obs_t *obs = (obs_t *)view.observations + env * view.obs_dim;                      \
            if (view.pending_reset[env]) {                                                     \
                prefix##_reset_at(view, env, obs);                                             \
                view.pending_reset[env] = 0;                                                   \
                view.rewards[env] = 0.0;                                                       \
                view.terminations[env] = false;                                                \
                view.truncations[env] = false;                                                 \
            } else if (view.same_step) {                                                       \
                memcpy((obs_t *)view.final_observations + env * view.obs_dim, obs,             \
                       (size_t)view.obs_dim * sizeof(obs_t));                                  \
                prefix##_reset_at(view, env, obs);                                             \
            } else {                                                                           \
                view.pending_reset[env] = 1;                                                   \
            }                                                                                  \
        }                                                                                      \
    }                                                                                          \
                                                                                               \
    static void prefix##_reset_env(Batch *batch, Py_ssize_t env) {                             \
        const batch_view view = view_of(batch);                                                \
        prefix##_reset_at(view, env, (obs_t *)view.observations + env * view.obs_dim);         \
        view.pending_reset[env] = 0;                                                           \
    }                                                                                          \
                                                                                               \
    static Py_ssize_t prefix##_first_invalid(const Batch *batch, const action_t *actions,      \
                                             char *reason) {                                   \
        for (Py_ssize_t env = 0; env < batch->num_envs; env++) {                               \
            if (!prefix##_check_action(batch->params, actions + env * batch->action_dim,       \
                                       reason, REASON_SIZE)) {                                 \
                return env;                                                                    \
            }                                                                                  \
        }                                                                                      \
        return -1;                                                                             \
    }

/* -- env kernels: one state struct per env, stepped one env at a time (bandit, quadrotor) -- */

/* The kernel's pass skips pending envs: their step may draw random numbers, and their reset in
 * `settle` must find the stream where the step before left it. */
#define DEFINE_ENV_LOOPS(prefix, obs_t, action_t)                                              \
    static inline void prefix##_reset_at(const batch_view view, Py_ssize_t env, obs_t *obs) {  \
        char *state = view.states + (size_t)env * view.state_size;                             \
        prefix##_reset(view.params, (prefix##_state *)state, &view.rngs[env], obs);            \
    }                                                                                          \
                                                                                               \
    DEFINE_SETTLE_AND_RESET(prefix, obs_t, action_t)                                           \
                                                                                               \
    static Py_ssize_t prefix##_check_actions(const Batch *batch, const void *actions,          \
                                             char *reason) {                                   \
        return prefix##_first_invalid(batch, actions, reason);                                 \
    }                                                                                          \
                                                                                               \
    static void prefix##_step_then_settle(const batch_view view, const void *actions,          \
                                          Py_ssize_t begin, Py_ssize_t end) {                  \
        const action_t *typed = actions;                                                       \
        for (Py_ssize_t env = begin; env < end; env++) {                                       \
            if (!view.pending_reset[env]) {                                                    \
                prefix##_step(view.params,                                                     \
                              (prefix##_state *)(view.states + (size_t)env * view.state_size), \
                              &view.rngs[env], typed + env * view.action_dim,                  \
                              (obs_t *)view.observations + env * view.obs_dim,                 \
                              &view.rewards[env], &view.terminations[env],                     \
                              &view.truncations[env]);                                         \
            }                                                                                  \
        }                                                                                      \
        prefix##_settle(view, begin, end);                                                     \
    }                                                                                          \
                                                                                               \
    static void prefix##_step_all(Batch *batch, const void *actions) {                         \
        run_ranges(batch, prefix##_step_then_settle, actions);                                 \
    }

/* -- column kernels: state in columns, a range of envs stepped in one loop (CartPole) ------- */

/* The kernel's pass steps every env of the range, pending ones included: its step draws no
 * random numbers, so that wastes only arithmetic whose outputs `settle` overwrites, and the loop
 * needs no branch. Actions are checked in one pass too; the envs are scanned for a message only
 * when that fails. */
#define DEFINE_COLUMN_LOOPS(prefix, obs_t, action_t)                                           \
    static inline void prefix##_reset_at(const batch_view view, Py_ssize_t env, obs_t *obs) {  \
        prefix##_reset(view.params, prefix##_columns_of(view.states, (size_t)view.num_envs),   \
                       (size_t)env, &view.rngs[env], obs);                                     \
    }                                                                                          \
                                                                                               \
    DEFINE_SETTLE_AND_RESET(prefix, obs_t, action_t)                                           \
                                                                                               \
    static Py_ssize_t prefix##_check_actions(const Batch *batch, const void *actions,          \
                                             char *reason) {                                   \
        const size_t count = (size_t)(batch->num_envs * batch->action_dim);                    \
        if (prefix##_actions_valid(batch->params, actions, count)) {                           \
            return -1;                                                                         \
        }                                                                                      \
        return prefix##_first_invalid(batch, actions, reason);                                 \
    }                                                                                          \
                                                                                               \
    static void prefix##_step_then_settle(const batch_view view, const void *actions,          \
                                          Py_ssize_t begin, Py_ssize_t end) {                  \
        const size_t num_envs = (size_t)view.num_envs;                                         \
        prefix##_step_range(view.params, prefix##_columns_of(view.states, num_envs), actions,  \
                            (obs_t *)view.observations, view.rewards, view.terminations,       \
                            view.truncations, (size_t)begin, (size_t)end);                     \
        prefix##_settle(view, begin, end);                                                     \
    }                                                                                          \
                                                                                               \
    static void prefix##_step_all(Batch *batch, const void *actions) {                         \
        run_ranges(batch, prefix##_step_then_settle, actions);                                 \
    }

DEFINE_COLUMN_LOOPS(cartpole, float, int64_t)
DEFINE_ENV_LOOPS(rmab_two_state, int64_t, int8_t)
DEFINE_ENV_LOOPS(quad_hover, float, float)
DEFINE_ENV_LOOPS(market_making, float, float)

static Py_ssize_t cartpole_obs_dim(const void *params) {
    (void)params;
    return CARTPOLE_OBS_DIM;
}

static Py_ssize_t cartpole_action_dim(const void *params) {
    (void)params;
    return CARTPOLE_ACTION_DIM;
}

static size_t cartpole_state_bytes(const void *params) {
    (void)params;
    return CARTPOLE_STATE_BYTES;
}

static Py_ssize_t rmab_two_state_arms(const void *params) {
    return (Py_ssize_t)((const rmab_two_state_params *)params)->num_arms;
}

static size_t rmab_two_state_state_bytes(const void *params) {
    return rmab_two_state_state_size(params);
}

static Py_ssize_t quad_hover_observation_size(const void *params) {
    return (Py_ssize_t)quad_hover_obs_dim(params);
}

static Py_ssize_t quad_hover_action_size(const void *params) {
    return (Py_ssize_t)((const quad_hover_params *)params)->action_size;
}

static size_t quad_hover_state_bytes(const void *params) {
    return quad_hover_state_size(params);
}

static Py_ssize_t market_making_observation_size(const void *params) {
    return (Py_ssize_t)market_making_obs_dim(params);
}

static Py_ssize_t market_making_action_size(const void *params) {
    (void)params;
    return MARKET_MAKING_ACTION_DIM;
}

static size_t market_making_state_bytes(const void *params) {
    (void)params;
    return sizeof(market_making_state);
}

static const kernel_ops KERNELS[] = {
    {"cartpole", KIND_FLOAT32, KIND_INT64, true, CARTPOLE_MIN_ENVS_PER_THREAD,
     sizeof(cartpole_params), cartpole_parse, cartpole_free, cartpole_obs_dim, cartpole_action_dim,
     cartpole_state_bytes, cartpole_check_actions, cartpole_reset_env, cartpole_step_all},
    {"rmab_two_state", KIND_INT64, KIND_INT8, false, MIN_ENVS_PER_THREAD,
     sizeof(rmab_two_state_params), rmab_two_state_parse, rmab_two_state_free, rmab_two_state_arms,
     rmab_two_state_arms, rmab_two_state_state_bytes, rmab_two_state_check_actions,
     rmab_two_state_reset_env, rmab_two_state_step_all},
    {"quad_hover", KIND_FLOAT32, KIND_FLOAT32, false, MIN_ENVS_PER_THREAD,
     sizeof(quad_hover_params), quad_hover_parse, quad_hover_free, quad_hover_observation_size,
     quad_hover_action_size, quad_hover_state_bytes, quad_hover_check_actions,
     quad_hover_reset_env, quad_hover_step_all},
    {"market_making", KIND_FLOAT32, KIND_FLOAT32, false, MIN_ENVS_PER_THREAD,
     sizeof(market_making_params), market_making_parse, market_making_free,
     market_making_observation_size, market_making_action_size, market_making_state_bytes,
     market_making_check_actions, market_making_reset_env, market_making_step_all},
};
#define NUM_KERNELS ((Py_ssize_t)(sizeof KERNELS / sizeof KERNELS[0]))

static Py_ssize_t max_threads(void) {
#ifdef _OPENMP
    return (Py_ssize_t)omp_get_num_procs();
#else
    return 1;
#endif
}

static PyObject *Batch_new(PyTypeObject *type, PyObject *args, PyObject *kwargs) {
    static char *keywords[] = {"kernel",        "num_envs",           "params",
                               "observations",  "rewards",            "terminations",
                               "truncations",   "final_observations", "num_threads",
                               NULL};
    const char *kernel_name;
    Py_ssize_t num_envs, num_threads = 1;
    PyObject *params, *observations, *rewards, *terminations, *truncations;
    PyObject *final_observations = Py_None;
    if (!PyArg_ParseTupleAndKeywords(args, kwargs, "snO!OOOO|$On:Batch", keywords, &kernel_name,
                                     &num_envs, &PyDict_Type, &params, &observations, &rewards,
                                     &terminations, &truncations, &final_observations,
                                     &num_threads)) {
        return NULL;
    }
    const kernel_ops *ops = NULL;
    for (Py_ssize_t at = 0; at < NUM_KERNELS && ops == NULL; at++) {
        if (strcmp(KERNELS[at].name, kernel_name) == 0) {
            ops = &KERNELS[at];
        }
    }
    if (ops == NULL) {
        PyErr_Format(PyExc_ValueError, "unknown kernel '%s' (see rlbench_suite._native.KERNELS)",
                     kernel_name);
        return NULL;
    }
    if (num_envs < 1) {
        PyErr_Format(PyExc_ValueError, "num_envs must be >= 1, got %zd", num_envs);
        return NULL;
    }
    const Py_ssize_t thread_limit = max_threads();
    if (num_threads < 1 || num_threads > thread_limit) {
        PyErr_Format(PyExc_ValueError,
                     "num_threads must be in [1, %zd] (%s), got %zd", thread_limit,
#ifdef _OPENMP
                     "the processors OpenMP sees",
#else
                     "this build has no OpenMP",
#endif
                     num_threads);
        return NULL;
    }

    Batch *self = (Batch *)type->tp_alloc(type, 0);
    if (self == NULL) {
        return NULL;
    }
    self->ops = ops;
    self->num_envs = num_envs;
    self->num_threads = num_threads;
    self->same_step = final_observations != Py_None;
    self->params = PyMem_RawCalloc(1, ops->params_size);
    if (self->params == NULL) {
        PyErr_NoMemory();
        goto fail;
    }
    if (ops->parse_params(params, self->params) < 0) {
        PyMem_RawFree(self->params); /* parse_params freed whatever it had allocated */
        self->params = NULL;
        goto fail;
    }
    self->obs_dim = ops->obs_dim(self->params);
    self->action_dim = ops->action_dim(self->params);
    self->state_size = ops->state_size(self->params);

    const Py_ssize_t obs_shape[2] = {num_envs, self->obs_dim};
    const Py_ssize_t flat_shape[1] = {num_envs};
    if (get_array(observations, "observations", ops->obs_kind, 2, obs_shape, true,
                  &self->observations) < 0) {
        goto fail;
    }
    if (get_array(rewards, "rewards", KIND_FLOAT64, 1, flat_shape, true, &self->rewards) < 0) {
        PyBuffer_Release(&self->observations);
        goto fail;
    }
    if (get_array(terminations, "terminations", KIND_BOOL, 1, flat_shape, true,
                  &self->terminations) < 0) {
        PyBuffer_Release(&self->observations);
        PyBuffer_Release(&self->rewards);
        goto fail;
    }
    if (get_array(truncations, "truncations", KIND_BOOL, 1, flat_shape, true,
                  &self->truncations) < 0) {
        PyBuffer_Release(&self->observations);
        PyBuffer_Release(&self->rewards);
        PyBuffer_Release(&self->terminations);
        goto fail;
    }
    if (self->same_step && get_array(final_observations, "final_observations", ops->obs_kind, 2,
                                     obs_shape, true, &self->final_observations) < 0) {
        PyBuffer_Release(&self->observations);
        PyBuffer_Release(&self->rewards);
        PyBuffer_Release(&self->terminations);
        PyBuffer_Release(&self->truncations);
        goto fail;
    }
    self->bound = true;

    self->states = PyMem_RawCalloc((size_t)num_envs, self->state_size);
    self->rngs = PyMem_RawCalloc((size_t)num_envs, sizeof(rlb_rng));
    self->pending_reset = PyMem_RawCalloc((size_t)num_envs, 1);
    if (self->states == NULL || self->rngs == NULL || self->pending_reset == NULL) {
        PyErr_NoMemory();
        goto fail;
    }
    for (Py_ssize_t env = 0; env < num_envs; env++) {
        rlb_rng_seed(&self->rngs[env], 0, (uint64_t)env);
    }
    return (PyObject *)self;
fail:
    Py_DECREF(self);
    return NULL;
}

static void Batch_dealloc(Batch *self) {
    if (self->bound) {
        PyBuffer_Release(&self->observations);
        PyBuffer_Release(&self->rewards);
        PyBuffer_Release(&self->terminations);
        PyBuffer_Release(&self->truncations);
        if (self->same_step) {
            PyBuffer_Release(&self->final_observations);
        }
    }
    if (self->params != NULL) {
        self->ops->free_params(self->params);
        PyMem_RawFree(self->params);
    }
    PyMem_RawFree(self->states);
    PyMem_RawFree(self->rngs);
    PyMem_RawFree(self->pending_reset);
    Py_TYPE(self)->tp_free((PyObject *)self);
}

static int enter(Batch *self) {
    if (self->busy) {
        PyErr_SetString(PyExc_RuntimeError,
                        "this batch is already running a call in another thread");
        return -1;
    }
    self->busy = true;
    return 0;
}

/* An optional (num_envs,) bool mask; *mask_buf is NULL when `mask` is None. */
static int get_mask(Batch *self, PyObject *mask, Py_buffer *view, const bool **mask_buf) {
    *mask_buf = NULL;
    if (mask == Py_None) {
        return 0;
    }
    const Py_ssize_t shape[1] = {self->num_envs};
    if (get_array(mask, "mask", KIND_BOOL, 1, shape, false, view) < 0) {
        return -1;
    }
    *mask_buf = view->buf;
    return 0;
}

static PyObject *Batch_seed(Batch *self, PyObject *args, PyObject *kwargs) {
    static char *keywords[] = {"seeds", "mask", NULL};
    PyObject *seeds_obj, *mask_obj = Py_None;
    if (!PyArg_ParseTupleAndKeywords(args, kwargs, "O|O:seed", keywords, &seeds_obj, &mask_obj)) {
        return NULL;
    }
    const Py_ssize_t shape[1] = {self->num_envs};
    Py_buffer seeds_view, mask_view;
    const bool *mask;
    if (get_array(seeds_obj, "seeds", KIND_UINT64, 1, shape, false, &seeds_view) < 0) {
        return NULL;
    }
    if (get_mask(self, mask_obj, &mask_view, &mask) < 0) {
        PyBuffer_Release(&seeds_view);
        return NULL;
    }
    if (enter(self) < 0) {
        PyBuffer_Release(&seeds_view);
        if (mask != NULL) {
            PyBuffer_Release(&mask_view);
        }
        return NULL;
    }
    const uint64_t *seeds = seeds_view.buf;
    for (Py_ssize_t env = 0; env < self->num_envs; env++) {
        if (mask == NULL || mask[env]) {
            rlb_rng_seed(&self->rngs[env], seeds[env], (uint64_t)env);
        }
    }
    self->busy = false;
    PyBuffer_Release(&seeds_view);
    if (mask != NULL) {
        PyBuffer_Release(&mask_view);
    }
    Py_RETURN_NONE;
}

static PyObject *Batch_reset(Batch *self, PyObject *args, PyObject *kwargs) {
    static char *keywords[] = {"mask", NULL};
    PyObject *mask_obj = Py_None;
    if (!PyArg_ParseTupleAndKeywords(args, kwargs, "|O:reset", keywords, &mask_obj)) {
        return NULL;
    }
    Py_buffer mask_view;
    const bool *mask;
    if (get_mask(self, mask_obj, &mask_view, &mask) < 0) {
        return NULL;
    }
    if (mask != NULL && !self->has_reset) {
        PyBuffer_Release(&mask_view);
        PyErr_SetString(PyExc_RuntimeError,
                        "the first reset must reset every env (call it without a mask)");
        return NULL;
    }
    if (enter(self) < 0) {
        if (mask != NULL) {
            PyBuffer_Release(&mask_view);
        }
        return NULL;
    }
    double *rewards = self->rewards.buf;
    bool *terminations = self->terminations.buf, *truncations = self->truncations.buf;
    for (Py_ssize_t env = 0; env < self->num_envs; env++) {
        if (mask == NULL || mask[env]) {
            self->ops->reset_env(self, env);
            rewards[env] = 0.0;
            terminations[env] = false;
            truncations[env] = false;
        }
    }
    self->has_reset = true;
    self->busy = false;
    if (mask != NULL) {
        PyBuffer_Release(&mask_view);
    }
    Py_RETURN_NONE;
}

static PyObject *Batch_step(Batch *self, PyObject *actions_obj) {
    if (!self->has_reset) {
        PyErr_SetString(PyExc_RuntimeError, "call reset() before step()");
        return NULL;
    }
    const Py_ssize_t shape[2] = {self->num_envs, self->action_dim};
    Py_buffer actions;
    if (get_array(actions_obj, "actions", self->ops->action_kind, self->ops->scalar_action ? 1 : 2,
                  shape, false, &actions) < 0) {
        return NULL;
    }
    if (enter(self) < 0) {
        PyBuffer_Release(&actions);
        return NULL;
    }
    char reason[REASON_SIZE];
    Py_ssize_t bad_env;
    Py_BEGIN_ALLOW_THREADS
    bad_env = self->ops->check_actions(self, actions.buf, reason);
    if (bad_env < 0) {
        self->ops->step_all(self, actions.buf);
    }
    Py_END_ALLOW_THREADS
    self->busy = false;
    PyBuffer_Release(&actions);
    if (bad_env >= 0) {
        PyErr_Format(PyExc_ValueError, "env %zd: %s", bad_env, reason);
        return NULL;
    }
    Py_RETURN_NONE;
}

static PyObject *Batch_kernel(Batch *self, void *closure) {
    (void)closure;
    return PyUnicode_FromString(self->ops->name);
}

static PyMethodDef Batch_methods[] = {
    {"seed", (PyCFunction)(void (*)(void))Batch_seed, METH_VARARGS | METH_KEYWORDS,
     "seed(seeds, mask=None): env i's generator restarts from (seeds[i], i) where mask is set."},
    {"reset", (PyCFunction)(void (*)(void))Batch_reset, METH_VARARGS | METH_KEYWORDS,
     "reset(mask=None): reset the masked envs (all by default) and write their observations."},
    {"step", (PyCFunction)Batch_step, METH_O,
     "step(actions): check every action, then advance every env and write the outputs."},
    {NULL, NULL, 0, NULL},
};

static PyMemberDef Batch_members[] = {
    {"num_envs", T_PYSSIZET, offsetof(Batch, num_envs), READONLY, "number of envs"},
    {"num_threads", T_PYSSIZET, offsetof(Batch, num_threads), READONLY, "threads a step uses"},
    {"obs_dim", T_PYSSIZET, offsetof(Batch, obs_dim), READONLY, "observation length per env"},
    {"action_dim", T_PYSSIZET, offsetof(Batch, action_dim), READONLY, "action length per env"},
    {"same_step", T_BOOL, offsetof(Batch, same_step), READONLY, "same-step autoreset"},
    {NULL, 0, 0, 0, NULL},
};

static PyGetSetDef Batch_getset[] = {
    {"kernel", (getter)Batch_kernel, NULL, "the kernel's name", NULL},
    {NULL, NULL, NULL, NULL, NULL},
};

static PyTypeObject BatchType = {
    PyVarObject_HEAD_INIT(NULL, 0)
    .tp_name = "rlbench_suite._native.Batch",
    .tp_doc = PyDoc_STR(
        "Batch(kernel, num_envs, params, observations, rewards, terminations, truncations, *, "
        "final_observations=None, num_threads=1)\n\n"
        "num_envs copies of one kernel writing into the given arrays; passing "
        "final_observations selects same-step autoreset, else next-step."),
    .tp_basicsize = sizeof(Batch),
    .tp_itemsize = 0,
    .tp_flags = Py_TPFLAGS_DEFAULT,
    .tp_new = Batch_new,
    .tp_dealloc = (destructor)Batch_dealloc,
    .tp_methods = Batch_methods,
    .tp_members = Batch_members,
    .tp_getset = Batch_getset,
};

static PyObject *native_max_threads(PyObject *module, PyObject *unused) {
    (void)module;
    (void)unused;
    return PyLong_FromSsize_t(max_threads());
}

static PyMethodDef module_methods[] = {
    {"max_threads", native_max_threads, METH_NOARGS,
     "The largest num_threads a Batch accepts (1 without OpenMP)."},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef native_module = {
    PyModuleDef_HEAD_INIT,
    .m_name = "rlbench_suite._native",
    .m_doc = "C kernels stepped in batches; see rlbench_suite.vector for the Gymnasium API.",
    .m_size = -1,
    .m_methods = module_methods,
};

PyMODINIT_FUNC PyInit__native(void) {
    if (PyType_Ready(&BatchType) < 0) {
        return NULL;
    }
    PyObject *module = PyModule_Create(&native_module);
    if (module == NULL) {
        return NULL;
    }
#ifdef _OPENMP
    PyObject *openmp = Py_True;
#else
    PyObject *openmp = Py_False;
#endif
    PyObject *kernels = PyTuple_New(NUM_KERNELS);
    if (kernels == NULL) {
        Py_DECREF(module);
        return NULL;
    }
    for (Py_ssize_t at = 0; at < NUM_KERNELS; at++) {
        PyObject *name = PyUnicode_FromString(KERNELS[at].name);
        if (name == NULL) {
            Py_DECREF(kernels);
            Py_DECREF(module);
            return NULL;
        }
        PyTuple_SET_ITEM(kernels, at, name);
    }
    Py_INCREF(&BatchType);
    if (PyModule_AddObject(module, "Batch", (PyObject *)&BatchType) < 0) {
        Py_DECREF(&BatchType);
        Py_DECREF(kernels);
        Py_DECREF(module);
        return NULL;
    }
    if (PyModule_AddObject(module, "KERNELS", kernels) < 0) {
        Py_DECREF(kernels);
        Py_DECREF(module);
        return NULL;
    }
    Py_INCREF(openmp);
    if (PyModule_AddObject(module, "OPENMP", openmp) < 0) {
        Py_DECREF(openmp);
        Py_DECREF(module);
        return NULL;
    }
    return module;
}
