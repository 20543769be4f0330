/* rlbench_suite._native: the CPython side shared by every kernel.
 *
 * A `Batch` runs num_envs copies of one kernel. It owns the kernel's params, one state and one
 * RNG per env; the caller owns the output arrays (observations, rewards, terminations,
 * truncations and, in same-step autoreset mode, final observations), which are checked and bound
 * once at construction and written in place afterwards. `step` checks the whole action array,
 * then advances every env with the GIL released, over several threads when asked for more than
 * one. Nothing is allocated after construction.
 *
 * A kernel is a header with a params struct, a state struct, reset / observe / check_action /
 * step functions and a table (kernel_table.h) declaring its parameters, spaces and state. This
 * file parses any kernel's params from its table; adding a kernel is its header, an #include
 * and one line in RLB_KERNEL_LIST below.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <structmember.h>

#include <math.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
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

#include "kernel_table.h"
#include "rng.h"

#include "cartpole.h"
#include "market_making.h"
#include "quad_hover.h"
#include "rmab_finite.h"
#include "rmab_two_state.h"

/* NumPy's bool is one byte; the bound flag arrays are written as C bools. */
_Static_assert(sizeof(bool) == 1, "C bool must be one byte to share NumPy bool arrays");

#define REASON_SIZE 160
#define MAX_ARRAY_DIMS 4

#define RLB_PRAGMA(text) _Pragma(#text)

/* -- array checks --------------------------------------------------------------------------- */

/* NumPy's name of each element type (a float64 array parameter's elements are float64). */
static const char *kind_name(rlb_type kind) {
    switch (kind) {
    case RLB_FLOAT32: return "float32";
    case RLB_FLOAT64: return "float64";
    case RLB_INT64: return "int64";
    case RLB_UINT64: return "uint64";
    case RLB_INT8: return "int8";
    case RLB_BOOL: return "bool";
    case RLB_FLOAT64_ARRAY: return "float64";
    }
    return "?";
}

static bool format_matches(const char *format, Py_ssize_t itemsize, rlb_type kind) {
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
    case RLB_FLOAT32: return format[0] == 'f' && itemsize == 4;
    case RLB_FLOAT64:
    case RLB_FLOAT64_ARRAY: return format[0] == 'd' && itemsize == 8;
    case RLB_INT64: return (format[0] == 'l' || format[0] == 'q') && itemsize == 8;
    case RLB_UINT64: return (format[0] == 'L' || format[0] == 'Q') && itemsize == 8;
    case RLB_INT8: return format[0] == 'b' && itemsize == 1;
    case RLB_BOOL: return format[0] == '?' && itemsize == 1;
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
static int get_array(PyObject *obj, const char *name, rlb_type kind, int ndim,
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

/* -- parameters, parsed from a kernel's table ------------------------------------------------ */

static const rlb_param *find_param(const rlb_kernel_table *kernel, const char *name,
                                   size_t name_length) {
    for (size_t at = 0; at < kernel->num_params; at++) {
        const rlb_param *param = &kernel->params[at];
        if (strlen(param->name) == name_length && strncmp(param->name, name, name_length) == 0) {
            return param;
        }
    }
    return NULL;
}

static int64_t *int_field(char *params, const rlb_param *param) {
    return (int64_t *)(params + param->offset);
}

/* A ValueError with a message built by snprintf (PyErr_Format has no %g). */
static void value_error(const char *format, ...) {
    char message[256];
    va_list arguments;
    va_start(arguments, format);
    vsnprintf(message, sizeof message, format, arguments);
    va_end(arguments);
    PyErr_SetString(PyExc_ValueError, message);
}

/* Refuse keys the kernel does not read, so a misspelt parameter is an error, not a default. */
static int check_keys(const rlb_kernel_table *kernel, PyObject *dict) {
    PyObject *key, *value;
    Py_ssize_t position = 0;
    while (PyDict_Next(dict, &position, &key, &value)) {
        Py_ssize_t length = 0;
        const char *name = PyUnicode_Check(key) ? PyUnicode_AsUTF8AndSize(key, &length) : NULL;
        if (name == NULL || find_param(kernel, name, (size_t)length) == NULL) {
            PyErr_Clear();
            PyErr_Format(PyExc_ValueError,
                         "%s has no parameter %R (see rlbench_suite._native.kernel_tables())",
                         kernel->name, key);
            return -1;
        }
    }
    return 0;
}

static int parse_double(const rlb_kernel_table *kernel, const rlb_param *param, PyObject *value,
                        double *out) {
    if (!PyFloat_Check(value) && !PyLong_Check(value)) {
        PyErr_Format(PyExc_TypeError, "%s params['%s'] must be a number, got %.80s",
                     kernel->name, param->name, Py_TYPE(value)->tp_name);
        return -1;
    }
    *out = PyFloat_AsDouble(value);
    if (*out == -1.0 && PyErr_Occurred()) {
        return -1;
    }
    if (!isfinite(*out)) {
        PyErr_Format(PyExc_ValueError, "%s params['%s'] must be finite, got %R", kernel->name,
                     param->name, value);
        return -1;
    }
    if (!(*out >= param->low && *out <= param->high)) {
        value_error("%s params['%s'] must be in [%g, %g], got %g", kernel->name, param->name,
                    param->low, param->high, *out);
        return -1;
    }
    return 0;
}

static int parse_int(const rlb_kernel_table *kernel, const rlb_param *param, PyObject *value,
                     char *params, int64_t *out) {
    if (!PyLong_Check(value) || PyBool_Check(value)) {
        PyErr_Format(PyExc_TypeError, "%s params['%s'] must be an int, got %.80s", kernel->name,
                     param->name, Py_TYPE(value)->tp_name);
        return -1;
    }
    int64_t high = param->int_high;
    if (param->int_high_param != NULL) {
        const rlb_param *bound =
            find_param(kernel, param->int_high_param, strlen(param->int_high_param));
        high = *int_field(params, bound);
    }
    int overflow = 0;
    const long long parsed = PyLong_AsLongLongAndOverflow(value, &overflow);
    if (parsed == -1 && PyErr_Occurred()) {
        return -1;
    }
    if (overflow != 0 || parsed < param->int_low || parsed > high) {
        PyErr_Format(PyExc_ValueError, "%s params['%s'] must be in [%lld, %lld], got %R",
                     kernel->name, param->name, (long long)param->int_low, (long long)high, value);
        return -1;
    }
    *out = (int64_t)parsed;
    return 0;
}

/* An array parameter's shape: each comma-separated entry a number or an int parameter. */
static int array_shape(const rlb_kernel_table *kernel, const rlb_param *param, char *params,
                       Py_ssize_t *shape) {
    int ndim = 0;
    for (const char *at = param->shape; *at != '\0' && ndim < MAX_ARRAY_DIMS; ndim++) {
        const size_t length = strcspn(at, ",");
        if (at[0] >= '0' && at[0] <= '9') {
            shape[ndim] = (Py_ssize_t)strtoll(at, NULL, 10);
        } else {
            shape[ndim] = (Py_ssize_t)*int_field(params, find_param(kernel, at, length));
        }
        at += length + (at[length] == ',');
    }
    return ndim;
}

/* Copy a float64 table out of the dict into memory the batch owns, checking every entry. */
static int parse_array(const rlb_kernel_table *kernel, const rlb_param *param, PyObject *value,
                       char *params, double **out) {
    Py_ssize_t shape[MAX_ARRAY_DIMS];
    const int ndim = array_shape(kernel, param, params, shape);
    char name[96];
    snprintf(name, sizeof name, "%s params['%s']", kernel->name, param->name);
    Py_buffer view;
    if (get_array(value, name, RLB_FLOAT64, ndim, shape, false, &view) < 0) {
        return -1;
    }
    const Py_ssize_t count = view.len / (Py_ssize_t)sizeof(double);
    const double *source = view.buf;
    for (Py_ssize_t at = 0; at < count; at++) {
        if (!(source[at] >= param->low && source[at] <= param->high)) {
            value_error("%s must hold values in [%g, %g]; entry %zd is %g", name, param->low,
                        param->high, at, source[at]);
            PyBuffer_Release(&view);
            return -1;
        }
    }
    *out = PyMem_RawMalloc(view.len > 0 ? (size_t)view.len : 1);
    if (*out == NULL) {
        PyBuffer_Release(&view);
        PyErr_NoMemory();
        return -1;
    }
    memcpy(*out, source, (size_t)view.len);
    PyBuffer_Release(&view);
    return 0;
}

static void free_params(const rlb_kernel_table *kernel, char *params) {
    for (size_t at = 0; at < kernel->num_params; at++) {
        if (kernel->params[at].type == RLB_FLOAT64_ARRAY) {
            double **table = (double **)(params + kernel->params[at].offset);
            PyMem_RawFree(*table);
            *table = NULL;
        }
    }
}

/* Fill the kernel's params struct from `dict`: every key known, every required one present,
 * each of its type and in its range; numbers and flags first, then arrays (whose shapes name
 * ints), then the kernel's own cross-checks. On failure whatever was allocated is freed. */
static int parse_params(const rlb_kernel_table *kernel, PyObject *dict, char *params) {
    if (check_keys(kernel, dict) < 0) {
        return -1;
    }
    for (int arrays = 0; arrays < 2; arrays++) {
        for (size_t at = 0; at < kernel->num_params; at++) {
            const rlb_param *param = &kernel->params[at];
            if ((param->type == RLB_FLOAT64_ARRAY) != (arrays == 1)) {
                continue;
            }
            char *field = params + param->offset;
            PyObject *value = PyDict_GetItemString(dict, param->name);
            if (value == NULL && param->required) {
                PyErr_Format(PyExc_ValueError, "%s params lack '%s'", kernel->name, param->name);
                goto fail;
            }
            int status = 0;
            switch (param->type) {
            case RLB_FLOAT64:
                if (value == NULL) {
                    *(double *)field = param->fallback;
                } else {
                    status = parse_double(kernel, param, value, (double *)field);
                }
                break;
            case RLB_INT64:
                if (value == NULL) {
                    *(int64_t *)field = (int64_t)param->fallback;
                } else {
                    status = parse_int(kernel, param, value, params, (int64_t *)field);
                }
                break;
            case RLB_BOOL:
                if (value == NULL) {
                    *(bool *)field = param->fallback != 0.0;
                } else if (!PyBool_Check(value)) {
                    PyErr_Format(PyExc_TypeError, "%s params['%s'] must be a bool, got %.80s",
                                 kernel->name, param->name, Py_TYPE(value)->tp_name);
                    status = -1;
                } else {
                    *(bool *)field = value == Py_True;
                }
                break;
            case RLB_FLOAT64_ARRAY:
                status = parse_array(kernel, param, value, params, (double **)field);
                break;
            default:
                PyErr_Format(PyExc_SystemError, "%s params['%s'] has no parser", kernel->name,
                             param->name);
                status = -1;
            }
            if (status < 0) {
                goto fail;
            }
        }
    }
    char problem[REASON_SIZE];
    if (kernel->finish != NULL && !kernel->finish(params, problem, sizeof problem)) {
        PyErr_Format(PyExc_ValueError, "%s params: %s", kernel->name, problem);
        goto fail;
    }
    return 0;
fail:
    free_params(kernel, params);
    return -1;
}

/* -- the batch ------------------------------------------------------------------------------ */

typedef struct Batch Batch;

/* A kernel: its table and the loops built for it (DEFINE_ENV_LOOPS / DEFINE_COLUMN_LOOPS). */
typedef struct {
    const rlb_kernel_table *table;
    /* These run without the GIL. */
    Py_ssize_t (*check_actions)(const Batch *batch, const void *actions, char *reason);
    void (*reset_env)(Batch *batch, Py_ssize_t env);
    void (*observe_env)(Batch *batch, Py_ssize_t env);
    void (*step_all)(Batch *batch, const void *actions);
} kernel_ops;

struct Batch {
    PyObject_HEAD
    const kernel_ops *ops;
    void *params;
    Py_ssize_t num_envs, obs_dim, action_dim, num_threads;
    /* adaptive threads (num_threads="auto"): see run_ranges. */
    bool adaptive;
    bool many_threads;           /* the option in use: num_threads (true) or one thread */
    int probe_steps_left;        /* steps still to run on the other option */
    int64_t steps_until_probe, probe_interval;
    double seconds_per_step[2];  /* running averages: [0] one thread, [1] num_threads */
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

#define PROBE_STEPS 1 /* steps a probe runs the other option */
#define FIRST_PROBE_INTERVAL 64
#define LONGEST_PROBE_INTERVAL 8192
#define SWITCH_MARGIN 0.8 /* switch when the other option takes under 0.8 of the time */

#ifdef _OPENMP
/* Adaptive threads: time every step, keep a running average of seconds per step for one thread
 * and for num_threads, use the faster, and now and then run PROBE_STEPS steps on the other to
 * keep its average current. A probe that loses quadruples the wait before the next (up to
 * LONGEST_PROBE_INTERVAL steps), so a losing option costs little (a probe 30 times slower than
 * a step, seen under load, costs 0.4 % of the steps once the wait is longest); one that wins is
 * adopted. It starts on one thread and probes the others after its first step.
 * Worker threads the scheduler leaves waiting on a busy machine hold a parallel step up (the
 * envs are split evenly), which no wait policy fixes: this falls back to one thread then, and
 * returns to several when they pay again. Results never depend on the choice. */
static bool adaptive_choice(Batch *batch) {
    if (batch->probe_steps_left > 0) {
        return !batch->many_threads;
    }
    if (--batch->steps_until_probe <= 0) {
        batch->probe_steps_left = PROBE_STEPS;
        return !batch->many_threads;
    }
    return batch->many_threads;
}

static void adaptive_record(Batch *batch, bool many, double seconds) {
    double *average = &batch->seconds_per_step[many];
    *average = *average == 0.0 ? seconds : 0.75 * *average + 0.25 * seconds;
    if (batch->probe_steps_left == 0 || --batch->probe_steps_left > 0) {
        return;
    }
    const double other = batch->seconds_per_step[!batch->many_threads];
    /* The other option must win clearly: one probe step is a noisy sample, and a wrong switch
     * costs a whole interval at the slower rate. */
    if (other > 0.0 && other < SWITCH_MARGIN * batch->seconds_per_step[batch->many_threads]) {
        batch->many_threads = !batch->many_threads;
        batch->probe_interval = FIRST_PROBE_INTERVAL;
    } else if (batch->probe_interval < LONGEST_PROBE_INTERVAL) {
        batch->probe_interval *= 4;
    }
    batch->steps_until_probe = batch->probe_interval;
}
#endif

static void run_ranges(Batch *batch, range_pass pass, const void *actions) {
    const batch_view view = view_of(batch);
    const Py_ssize_t wanted =
        batch->num_envs / (Py_ssize_t)batch->ops->table->min_envs_per_thread;
    Py_ssize_t num_threads = wanted < 1 ? 1
                             : wanted < batch->num_threads ? wanted
                                                           : batch->num_threads;
#ifdef _OPENMP
    if (num_threads > 1 && batch->adaptive) {
        const bool many = adaptive_choice(batch);
        const double start = omp_get_wtime();
        if (many) {
            RLB_PRAGMA(omp parallel num_threads((int)num_threads))
            {
                const Py_ssize_t thread = omp_get_thread_num(), count = omp_get_num_threads();
                pass(view, actions, batch->num_envs * thread / count,
                     batch->num_envs * (thread + 1) / count);
            }
        } else {
            pass(view, actions, 0, batch->num_envs);
        }
        adaptive_record(batch, many, omp_get_wtime() - start);
        return;
    }
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
    static void prefix##_observe_env(Batch *batch, Py_ssize_t env) {                           \
        const batch_view view = view_of(batch);                                                \
        prefix##_observe_at(view, env, (obs_t *)view.observations + env * view.obs_dim);       \
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
    static inline void prefix##_observe_at(const batch_view view, Py_ssize_t env,              \
                                           obs_t *obs) {                                       \
        const char *state = view.states + (size_t)env * view.state_size;                       \
        prefix##_observe(view.params, (const prefix##_state *)state, obs);                     \
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
    static inline void prefix##_observe_at(const batch_view view, Py_ssize_t env,              \
                                           obs_t *obs) {                                       \
        prefix##_observe(view.params, prefix##_columns_of(view.states, (size_t)view.num_envs),  \
                         (size_t)env, obs);                                                    \
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

/* -- the kernel list --------------------------------------------------------------------- */

/* One line per kernel: its prefix, the shape of its loops (ENV: one state struct per env;
 * COLUMN: state in columns, a range stepped in one loop), its observation and action C types. */
#define RLB_KERNEL_LIST(KERNEL)                   \
    KERNEL(cartpole, COLUMN, float, int64_t)      \
    KERNEL(rmab_two_state, ENV, int64_t, int8_t)  \
    KERNEL(quad_hover, ENV, float, float)         \
    KERNEL(market_making, ENV, float, float)      \
    KERNEL(rmab_finite, ENV, int64_t, int8_t)

#define DEFINE_KERNEL_LOOPS(prefix, shape, obs_t, action_t) DEFINE_##shape##_LOOPS(prefix, obs_t, action_t)
RLB_KERNEL_LIST(DEFINE_KERNEL_LOOPS)

#define KERNEL_OPS(prefix, shape, obs_t, action_t)                                            \
    {&prefix##_table, prefix##_check_actions, prefix##_reset_env, prefix##_observe_env,      \
     prefix##_step_all},
static const kernel_ops KERNELS[] = {RLB_KERNEL_LIST(KERNEL_OPS)};
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
                               "adaptive",
                               NULL};
    const char *kernel_name;
    Py_ssize_t num_envs, num_threads = 1;
    int adaptive = 0;
    PyObject *params, *observations, *rewards, *terminations, *truncations;
    PyObject *final_observations = Py_None;
    if (!PyArg_ParseTupleAndKeywords(args, kwargs, "snO!OOOO|$Onp:Batch", keywords, &kernel_name,
                                     &num_envs, &PyDict_Type, &params, &observations, &rewards,
                                     &terminations, &truncations, &final_observations,
                                     &num_threads, &adaptive)) {
        return NULL;
    }
    const kernel_ops *ops = NULL;
    for (Py_ssize_t at = 0; at < NUM_KERNELS && ops == NULL; at++) {
        if (strcmp(KERNELS[at].table->name, kernel_name) == 0) {
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
    self->adaptive = adaptive != 0;
    self->many_threads = false;
    self->steps_until_probe = 2; /* the first step on one thread, the second probes the others */
    self->probe_interval = FIRST_PROBE_INTERVAL;
    self->same_step = final_observations != Py_None;
    self->params = PyMem_RawCalloc(1, ops->table->params_size);
    if (self->params == NULL) {
        PyErr_NoMemory();
        goto fail;
    }
    if (parse_params(ops->table, params, self->params) < 0) {
        PyMem_RawFree(self->params); /* parse_params freed whatever it had allocated */
        self->params = NULL;
        goto fail;
    }
    self->obs_dim = (Py_ssize_t)ops->table->obs_dim(self->params);
    self->action_dim = (Py_ssize_t)ops->table->action_dim(self->params);
    self->state_size = ops->table->state_size(self->params);

    const Py_ssize_t obs_shape[2] = {num_envs, self->obs_dim};
    const Py_ssize_t flat_shape[1] = {num_envs};
    if (get_array(observations, "observations", ops->table->obs_type, 2, obs_shape, true,
                  &self->observations) < 0) {
        goto fail;
    }
    if (get_array(rewards, "rewards", RLB_FLOAT64, 1, flat_shape, true, &self->rewards) < 0) {
        PyBuffer_Release(&self->observations);
        goto fail;
    }
    if (get_array(terminations, "terminations", RLB_BOOL, 1, flat_shape, true,
                  &self->terminations) < 0) {
        PyBuffer_Release(&self->observations);
        PyBuffer_Release(&self->rewards);
        goto fail;
    }
    if (get_array(truncations, "truncations", RLB_BOOL, 1, flat_shape, true,
                  &self->truncations) < 0) {
        PyBuffer_Release(&self->observations);
        PyBuffer_Release(&self->rewards);
        PyBuffer_Release(&self->terminations);
        goto fail;
    }
    if (self->same_step && get_array(final_observations, "final_observations", ops->table->obs_type, 2,
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
        free_params(self->ops->table, self->params);
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
    if (get_array(mask, "mask", RLB_BOOL, 1, shape, false, view) < 0) {
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
    if (get_array(seeds_obj, "seeds", RLB_UINT64, 1, shape, false, &seeds_view) < 0) {
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
    if (get_array(actions_obj, "actions", self->ops->table->action_type,
                  self->ops->table->scalar_action ? 1 : 2, shape, false, &actions) < 0) {
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

static PyObject *Batch_observe(Batch *self, PyObject *args, PyObject *kwargs) {
    static char *keywords[] = {"mask", NULL};
    PyObject *mask_obj = Py_None;
    if (!PyArg_ParseTupleAndKeywords(args, kwargs, "|O:observe", keywords, &mask_obj)) {
        return NULL;
    }
    if (!self->has_reset) {
        PyErr_SetString(PyExc_RuntimeError, "call reset() before observe()");
        return NULL;
    }
    Py_buffer mask_view;
    const bool *mask;
    if (get_mask(self, mask_obj, &mask_view, &mask) < 0) {
        return NULL;
    }
    if (enter(self) < 0) {
        if (mask != NULL) {
            PyBuffer_Release(&mask_view);
        }
        return NULL;
    }
    for (Py_ssize_t env = 0; env < self->num_envs; env++) {
        if (mask == NULL || mask[env]) {
            self->ops->observe_env(self, env);
            self->pending_reset[env] = 0; /* its next step starts from the state written */
        }
    }
    self->busy = false;
    if (mask != NULL) {
        PyBuffer_Release(&mask_view);
    }
    Py_RETURN_NONE;
}

/* (name, dtype, byte offset of env 0's value, count) for each state field of this batch. */
static PyObject *Batch_state_fields(Batch *self, PyObject *unused) {
    (void)unused;
    const rlb_kernel_table *table = self->ops->table;
    PyObject *fields = PyList_New((Py_ssize_t)table->num_state_fields);
    if (fields == NULL) {
        return NULL;
    }
    for (size_t at = 0; at < table->num_state_fields; at++) {
        const rlb_state_field *field = &table->state[at];
        const size_t count = field->count_of != NULL ? field->count_of(self->params) : field->count;
        const size_t offset = table->column_state ? field->offset * (size_t)self->num_envs
                                                  : field->offset;
        PyObject *entry = Py_BuildValue("(ssnn)", field->name, kind_name(field->type),
                                        (Py_ssize_t)offset, (Py_ssize_t)count);
        if (entry == NULL) {
            Py_DECREF(fields);
            return NULL;
        }
        PyList_SET_ITEM(fields, (Py_ssize_t)at, entry);
    }
    return fields;
}

/* The buffer protocol: the per-env state memory, num_envs * state_size writable bytes. The
 * exporter is the batch, so a NumPy view keeps it (and the memory) alive. */
static int Batch_getbuffer(Batch *self, Py_buffer *view, int flags) {
    return PyBuffer_FillInfo(view, (PyObject *)self, self->states,
                             (Py_ssize_t)((size_t)self->num_envs * self->state_size), 0, flags);
}

static PyBufferProcs Batch_as_buffer = {
    .bf_getbuffer = (getbufferproc)Batch_getbuffer,
    .bf_releasebuffer = NULL,
};

static size_t type_size(rlb_type type) {
    return type == RLB_FLOAT32 ? 4 : type == RLB_INT8 || type == RLB_BOOL ? 1 : 8;
}

/* Batch.state: numpy.ndarray((num_envs,), dtype, buffer=self, strides=(stride,)) with one
 * field per state field of the table. Env kernels: the dtype's itemsize is the state size and
 * the stride too. Column kernels: every field is a column of 8-byte values, so the stride is 8
 * and the itemsize reaches the last column's end (index a field before copying rows). Built on
 * each access: caching it would make a reference cycle (batch, view, batch). */
static PyObject *Batch_get_state(Batch *self, void *closure) {
    (void)closure;
    const rlb_kernel_table *table = self->ops->table;
    PyObject *numpy = NULL, *names = NULL, *formats = NULL, *offsets = NULL, *spec = NULL;
    PyObject *dtype = NULL, *result = NULL;
    numpy = PyImport_ImportModule("numpy");
    names = PyList_New(0);
    formats = PyList_New(0);
    offsets = PyList_New(0);
    if (numpy == NULL || names == NULL || formats == NULL || offsets == NULL) {
        goto done;
    }
    size_t itemsize = self->state_size, stride = self->state_size;
    if (table->column_state) {
        stride = type_size(table->state[0].type);
        itemsize = 0;
    }
    for (size_t at = 0; at < table->num_state_fields; at++) {
        const rlb_state_field *field = &table->state[at];
        const size_t count = field->count_of != NULL ? field->count_of(self->params) : field->count;
        const size_t offset = table->column_state ? field->offset * (size_t)self->num_envs
                                                  : field->offset;
        if (count == 0) {
            continue;
        }
        if (table->column_state) {
            const size_t end = offset + type_size(field->type);
            itemsize = end > itemsize ? end : itemsize;
        }
        PyObject *format = count == 1 ? PyUnicode_FromString(kind_name(field->type))
                                       : Py_BuildValue("(s(n))", kind_name(field->type),
                                                       (Py_ssize_t)count);
        PyObject *name = PyUnicode_FromString(field->name);
        PyObject *position = PyLong_FromSize_t(offset);
        const bool failed = format == NULL || name == NULL || position == NULL ||
                            PyList_Append(formats, format) < 0 || PyList_Append(names, name) < 0 ||
                            PyList_Append(offsets, position) < 0;
        Py_XDECREF(format);
        Py_XDECREF(name);
        Py_XDECREF(position);
        if (failed) {
            goto done;
        }
    }
    spec = Py_BuildValue("{s:O,s:O,s:O,s:n}", "names", names, "formats", formats, "offsets",
                         offsets, "itemsize", (Py_ssize_t)itemsize);
    dtype = spec == NULL ? NULL : PyObject_CallMethod(numpy, "dtype", "O", spec);
    if (dtype != NULL) {
        PyObject *ndarray = PyObject_GetAttrString(numpy, "ndarray");
        PyObject *arguments = Py_BuildValue("((n)O)", self->num_envs, dtype);
        PyObject *keywords = Py_BuildValue("{s:O,s:(n)}", "buffer", (PyObject *)self, "strides",
                                           (Py_ssize_t)stride);
        if (ndarray != NULL && arguments != NULL && keywords != NULL) {
            result = PyObject_Call(ndarray, arguments, keywords);
        }
        Py_XDECREF(ndarray);
        Py_XDECREF(arguments);
        Py_XDECREF(keywords);
    }
done:
    Py_XDECREF(numpy);
    Py_XDECREF(names);
    Py_XDECREF(formats);
    Py_XDECREF(offsets);
    Py_XDECREF(spec);
    Py_XDECREF(dtype);
    return result;
}

static PyObject *Batch_kernel(Batch *self, void *closure) {
    (void)closure;
    return PyUnicode_FromString(self->ops->table->name);
}

static PyMethodDef Batch_methods[] = {
    {"seed", (PyCFunction)(void (*)(void))Batch_seed, METH_VARARGS | METH_KEYWORDS,
     "seed(seeds, mask=None): env i's generator restarts from (seeds[i], i) where mask is set."},
    {"reset", (PyCFunction)(void (*)(void))Batch_reset, METH_VARARGS | METH_KEYWORDS,
     "reset(mask=None): reset the masked envs (all by default) and write their observations."},
    {"step", (PyCFunction)Batch_step, METH_O,
     "step(actions): check every action, then advance every env and write the outputs."},
    {"observe", (PyCFunction)(void (*)(void))Batch_observe, METH_VARARGS | METH_KEYWORDS,
     "observe(mask=None): write the masked envs' observations from their current state, "
     "without stepping; a pending next-step reset of those envs is cancelled."},
    {"state_fields", (PyCFunction)Batch_state_fields, METH_NOARGS,
     "state_fields(): (name, dtype, offset, count) of each per-env state field; offsets in "
     "bytes from the start of the state memory (the buffer this object exports)."},
    {NULL, NULL, 0, NULL},
};

static PyMemberDef Batch_members[] = {
    {"num_envs", T_PYSSIZET, offsetof(Batch, num_envs), READONLY, "number of envs"},
    {"num_threads", T_PYSSIZET, offsetof(Batch, num_threads), READONLY, "threads a step uses"},
    {"adaptive", T_BOOL, offsetof(Batch, adaptive), READONLY,
     "steps time one thread against num_threads and use the faster"},
    {"many_threads", T_BOOL, offsetof(Batch, many_threads), READONLY,
     "adaptive: whether steps now use num_threads (else one thread)"},
    {"obs_dim", T_PYSSIZET, offsetof(Batch, obs_dim), READONLY, "observation length per env"},
    {"action_dim", T_PYSSIZET, offsetof(Batch, action_dim), READONLY, "action length per env"},
    {"same_step", T_BOOL, offsetof(Batch, same_step), READONLY, "same-step autoreset"},
    {"state_size", T_PYSSIZET, offsetof(Batch, state_size), READONLY,
     "bytes of state per env (the stride between envs, 8 bytes for column kernels' fields)"},
    {NULL, 0, 0, 0, NULL},
};

static PyGetSetDef Batch_getset[] = {
    {"kernel", (getter)Batch_kernel, NULL, "the kernel's name", NULL},
    {"state", (getter)Batch_get_state, NULL,
     "a writable NumPy structured array (num_envs,) viewing every env's state (zero copy)",
     NULL},
    {NULL, NULL, NULL, NULL, NULL},
};

static PyTypeObject BatchType = {
    PyVarObject_HEAD_INIT(NULL, 0)
    .tp_name = "rlbench_suite._native.Batch",
    .tp_doc = PyDoc_STR(
        "Batch(kernel, num_envs, params, observations, rewards, terminations, truncations, *, "
        "final_observations=None, num_threads=1, adaptive=False)\n\n"
        "num_envs copies of one kernel writing into the given arrays; passing "
        "final_observations selects same-step autoreset, else next-step; adaptive=True times "
        "one thread against num_threads as it steps and uses the faster."),
    .tp_basicsize = sizeof(Batch),
    .tp_itemsize = 0,
    .tp_flags = Py_TPFLAGS_DEFAULT,
    .tp_new = Batch_new,
    .tp_dealloc = (destructor)Batch_dealloc,
    .tp_methods = Batch_methods,
    .tp_members = Batch_members,
    .tp_getset = Batch_getset,
    .tp_as_buffer = &Batch_as_buffer,
};

static PyObject *native_max_threads(PyObject *module, PyObject *unused) {
    (void)module;
    (void)unused;
    return PyLong_FromSsize_t(max_threads());
}

static PyObject *param_dict(const rlb_param *param) {
    PyObject *fallback = Py_None, *low = Py_None, *high = Py_None;
    PyObject *owned[3] = {NULL, NULL, NULL};
    const char *type = param->type == RLB_FLOAT64_ARRAY ? "float64 array" : kind_name(param->type);
    if (param->type == RLB_INT64) {
        low = owned[0] = PyLong_FromLongLong(param->int_low);
        high = owned[1] = param->int_high_param != NULL
                              ? PyUnicode_FromString(param->int_high_param)
                              : PyLong_FromLongLong(param->int_high);
        if (!param->required) {
            fallback = owned[2] = PyLong_FromLongLong((long long)param->fallback);
        }
    } else if (param->type == RLB_BOOL) {
        if (!param->required) {
            fallback = owned[2] = PyBool_FromLong(param->fallback != 0.0);
        }
    } else {
        low = owned[0] = PyFloat_FromDouble(param->low);
        high = owned[1] = PyFloat_FromDouble(param->high);
        if (!param->required && param->type == RLB_FLOAT64) {
            fallback = owned[2] = PyFloat_FromDouble(param->fallback);
        }
    }
    PyObject *entry = NULL;
    if (low != NULL && high != NULL && fallback != NULL) {
        entry = Py_BuildValue("{s:s,s:s,s:O,s:O,s:O,s:O,s:z,s:s}", "name", param->name, "type",
                              type, "required", param->required ? Py_True : Py_False, "default",
                              fallback, "low", low, "high", high, "shape", param->shape, "doc",
                              param->doc);
    }
    for (int at = 0; at < 3; at++) {
        Py_XDECREF(owned[at]);
    }
    return entry;
}

static PyObject *kernel_dict(const rlb_kernel_table *table) {
    PyObject *params = PyList_New((Py_ssize_t)table->num_params);
    PyObject *state = PyList_New((Py_ssize_t)table->num_state_fields);
    PyObject *infos = PyList_New((Py_ssize_t)table->num_infos);
    PyObject *result = NULL;
    if (params == NULL || state == NULL || infos == NULL) {
        goto done;
    }
    for (size_t at = 0; at < table->num_params; at++) {
        PyObject *entry = param_dict(&table->params[at]);
        if (entry == NULL) {
            goto done;
        }
        PyList_SET_ITEM(params, (Py_ssize_t)at, entry);
    }
    for (size_t at = 0; at < table->num_state_fields; at++) {
        const rlb_state_field *field = &table->state[at];
        PyObject *count = field->count_of != NULL ? PyUnicode_FromString(field->count_text)
                                                  : PyLong_FromSize_t(field->count);
        PyObject *entry =
            count == NULL ? NULL
                          : Py_BuildValue("{s:s,s:s,s:n,s:O,s:s}", "name", field->name, "type",
                                          kind_name(field->type), "offset",
                                          (Py_ssize_t)field->offset, "count", count, "doc",
                                          field->doc);
        Py_XDECREF(count);
        if (entry == NULL) {
            goto done;
        }
        PyList_SET_ITEM(state, (Py_ssize_t)at, entry);
    }
    for (size_t at = 0; at < table->num_infos; at++) {
        const rlb_info_field *field = &table->infos[at];
        PyObject *entry = Py_BuildValue("{s:s,s:s,s:n,s:s}", "name", field->name, "type",
                                        kind_name(field->type), "offset",
                                        (Py_ssize_t)field->offset, "doc", field->doc);
        if (entry == NULL) {
            goto done;
        }
        PyList_SET_ITEM(infos, (Py_ssize_t)at, entry);
    }
    PyObject *action_low, *action_high; /* None unless discrete */
    if (table->discrete_action) {
        action_low = PyLong_FromLongLong(table->action_low);
        action_high = PyLong_FromLongLong(table->action_high);
    } else {
        action_low = Py_NewRef(Py_None);
        action_high = Py_NewRef(Py_None);
    }
    if (action_low != NULL && action_high != NULL) {
        result = Py_BuildValue(
            "{s:O,s:{s:s,s:s},s:{s:s,s:s,s:O,s:O,s:O},s:O,s:s,s:O,s:n}", "params", params,
            "observation", "dtype", kind_name(table->obs_type), "length", table->obs_text,
            "action", "dtype", kind_name(table->action_type), "length", table->action_text,
            "scalar", table->scalar_action ? Py_True : Py_False, "low", action_low, "high",
            action_high, "state", state, "state_layout", table->column_state ? "columns" : "envs",
            "infos", infos, "min_envs_per_thread", (Py_ssize_t)table->min_envs_per_thread);
    }
    Py_XDECREF(action_low);
    Py_XDECREF(action_high);
done:
    Py_XDECREF(params);
    Py_XDECREF(state);
    Py_XDECREF(infos);
    return result;
}

static PyObject *native_kernel_tables(PyObject *module, PyObject *unused) {
    (void)module;
    (void)unused;
    PyObject *tables = PyDict_New();
    if (tables == NULL) {
        return NULL;
    }
    for (Py_ssize_t at = 0; at < NUM_KERNELS; at++) {
        PyObject *entry = kernel_dict(KERNELS[at].table);
        if (entry == NULL || PyDict_SetItemString(tables, KERNELS[at].table->name, entry) < 0) {
            Py_XDECREF(entry);
            Py_DECREF(tables);
            return NULL;
        }
        Py_DECREF(entry);
    }
    return tables;
}

static PyMethodDef module_methods[] = {
    {"max_threads", native_max_threads, METH_NOARGS,
     "The largest num_threads a Batch accepts (1 without OpenMP)."},
    {"kernel_tables", native_kernel_tables, METH_NOARGS,
     "Every kernel's table: {name: {params, observation, action, state, state_layout, infos, "
     "min_envs_per_thread}}, as its header declares it."},
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
        PyObject *name = PyUnicode_FromString(KERNELS[at].table->name);
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
