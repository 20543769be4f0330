/* What a kernel declares about itself, once: its parameters, spaces, per-env state and infos.
 *
 * Each kernel header fills one rlb_kernel_table. The binding (binding.c) parses any kernel's
 * parameter dict from its table, checks and binds its buffers from the spaces, lays out its
 * per-env state from the state fields, and hands the whole table to Python
 * (`_native.kernel_tables()`), where rlbench_suite.vector.kernels checks each KernelSpec against
 * it and NativeVectorEnv builds `Batch.state`'s dtype and the infos from it. The table is read
 * at construction only; a step never looks at it.
 *
 * No Python here: a kernel header stays plain C.
 */
#ifndef RLBENCH_KERNEL_TABLE_H
#define RLBENCH_KERNEL_TABLE_H

#include <math.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Element types of parameters, observations, actions, state fields and infos. */
typedef enum {
    RLB_FLOAT64,
    RLB_FLOAT32,
    RLB_INT64,
    RLB_INT8,
    RLB_BOOL,
    RLB_UINT64,
    RLB_FLOAT64_ARRAY, /* a parameter only: a float64 table copied into the params struct */
} rlb_type;

/* One parameter: `name` in the dict, stored at `offset` in the kernel's params struct as a
 * double, an int64_t, a bool or (arrays) a double * the binding allocates and frees. */
typedef struct {
    const char *name;
    rlb_type type;
    size_t offset;
    bool required;        /* false: `fallback` is used when the dict leaves it out */
    double fallback;      /* the default of a number or a bool (0 or 1) */
    double low, high;     /* accepted values, inclusive: numbers and every array entry */
    int64_t int_low, int_high; /* accepted values of an int, inclusive */
    const char *int_high_param; /* or: an int at most this (earlier) int parameter */
    const char *shape;    /* arrays: comma-separated sizes, each a number or an int param */
    const char *doc;
} rlb_param;

/* Constructors that keep a header's table one readable line per parameter. */
#define RLB_PARAM_DOUBLE(params_t, key, member, low, high, doc) \
    {key, RLB_FLOAT64, offsetof(params_t, member), true, 0.0, low, high, 0, 0, NULL, NULL, doc}
#define RLB_PARAM_INT(params_t, key, member, low, high, doc) \
    {key, RLB_INT64, offsetof(params_t, member), true, 0.0, 0.0, 0.0, low, high, NULL, NULL, doc}
#define RLB_PARAM_INT_UPTO(params_t, key, member, low, high_param, doc) \
    {key, RLB_INT64, offsetof(params_t, member), true, 0.0, 0.0, 0.0, low, INT64_MAX, \
     high_param, NULL, doc}
#define RLB_PARAM_BOOL(params_t, key, member, doc) \
    {key, RLB_BOOL, offsetof(params_t, member), true, 0.0, 0.0, 1.0, 0, 1, NULL, NULL, doc}
#define RLB_PARAM_BOOL_DEFAULT(params_t, key, member, fallback, doc) \
    {key, RLB_BOOL, offsetof(params_t, member), false, fallback, 0.0, 1.0, 0, 1, NULL, NULL, doc}
#define RLB_PARAM_ARRAY(params_t, key, member, shape, low, high, doc) \
    {key, RLB_FLOAT64_ARRAY, offsetof(params_t, member), true, 0.0, low, high, 0, 0, NULL, \
     shape, doc}

/* One per-env state field: `count` elements of `type` at `offset` in an env's state (or, for a
 * kernel whose state is in columns, the column starting at offset * num_envs bytes). A field
 * whose length depends on the params gives `count_of` and says which in `count_text`. */
typedef struct {
    const char *name;
    rlb_type type;
    size_t offset;
    size_t count;
    size_t (*count_of)(const void *params);
    const char *count_text;
    const char *doc;
} rlb_state_field;

#define RLB_STATE(state_t, member, type, count, doc) \
    {#member, type, offsetof(state_t, member), count, NULL, NULL, doc}
#define RLB_STATE_SIZED(state_t, member, type, count_of, count_text, doc) \
    {#member, type, offsetof(state_t, member), 0, count_of, count_text, doc}

/* One per-env info a step reports, as the Python env's info dict has it: a value of `type` at
 * `offset` in the kernel's info struct, which the step writes for every env it steps. */
typedef struct {
    const char *name;
    rlb_type type;
    size_t offset;
    const char *doc;
} rlb_info_field;

#define RLB_INFO(info_t, member, type, doc) {#member, type, offsetof(info_t, member), doc}

typedef struct {
    const char *name;
    const rlb_param *params;
    size_t num_params;
    size_t params_size;
    /* Cross-parameter checks and derived values, after every parameter parsed: false, with a
     * message in `error`, refuses the params. May be NULL. */
    bool (*finish)(void *params, char *error, size_t error_size);

    rlb_type obs_type, action_type;
    bool scalar_action;              /* actions have shape (num_envs,), not (num_envs, dim) */
    bool discrete_action;            /* integer actions within [action_low, action_high] */
    int64_t action_low, action_high;
    size_t (*obs_dim)(const void *params);
    size_t (*action_dim)(const void *params);
    const char *obs_text, *action_text; /* the lengths, as documentation */

    const rlb_state_field *state;
    size_t num_state_fields;
    size_t (*state_size)(const void *params); /* bytes per env */
    bool column_state;

    const rlb_info_field *infos;
    size_t num_infos;
    size_t info_size; /* bytes per env of the info struct (0: no infos) */

    size_t min_envs_per_thread; /* below this many envs per thread, fewer threads */
} rlb_kernel_table;

#define RLB_COUNT(array) (sizeof(array) / sizeof((array)[0]))

#endif
