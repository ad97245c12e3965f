/* Stage "hooks": every runwarden hook that the stages above added to one phase
 * (createRuntime, poststop) becomes one entry, `runwarden hook A ARGS... + B ARGS...`, so
 * the runtime starts one process per phase instead of one per feature; a fork and exec is
 * the largest cost of a hook. Entries from an earlier pass over the same bundle are split
 * and deduplicated, so running the pipeline twice never runs a hook twice. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "../common/cleanup.h"
#include "../common/json.h"
#include "hooks.h"
#include "stages.h"

#define STAGE "hooks"

static const char *const phases[] = {"createRuntime", "poststop", NULL};

static bool is_ours(json_t *h, const char *self)
{
    const char *path = json_string_value(json_object_get(h, "path"));
    json_t *args = json_object_get(h, "args");
    const char *a1 = json_string_value(json_array_get(args, 1));
    const char *a2 = json_string_value(json_array_get(args, 2));
    if (!path || strcmp(path, self) != 0 || !a1 || strcmp(a1, "hook") != 0 || !a2)
        return false;
    /* every argument must be a string, and a separator never starts or ends the list */
    size_t n = json_array_size(args);
    for (size_t i = 0; i < n; i++)
        if (!json_is_string(json_array_get(args, i)))
            return false;
    return strcmp(a2, RW_HOOK_SEPARATOR) != 0 &&
           strcmp(json_string_value(json_array_get(args, n - 1)), RW_HOOK_SEPARATOR) != 0;
}

/* Appends the segments of one of our entries (args after "runwarden hook") to segs,
 * skipping segments already there. */
static int add_segments(json_t *segs, json_t *args)
{
    json_t *cur = NULL;
    size_t n = json_array_size(args);
    for (size_t i = 2; i <= n; i++) {
        const char *a = i < n ? json_string_value(json_array_get(args, i)) : NULL;
        if (a && strcmp(a, RW_HOOK_SEPARATOR) != 0) {
            if (!cur && !(cur = json_array()))
                return -ENOMEM;
            json_array_append_new(cur, json_string(a));
            continue;
        }
        if (!cur)
            continue;
        bool dup = false;
        size_t k;
        json_t *s;
        json_array_foreach(segs, k, s) dup = dup || json_equal(s, cur);
        if (dup)
            json_decref(cur);
        else if (json_array_append_new(segs, cur) < 0)
            return -ENOMEM;
        cur = NULL;
    }
    return 0;
}

static void union_env(json_t *env, json_t *more)
{
    size_t i, k;
    json_t *v, *have;
    json_array_foreach(more, i, v)
    {
        if (!json_is_string(v))
            continue;
        bool dup = false;
        json_array_foreach(env, k, have) dup = dup || json_equal(have, v);
        if (!dup)
            json_array_append(env, v);
    }
}

static int merge_phase(rw_ctx_t *ctx, const char *phase, const char *self)
{
    const char *keys[] = {"hooks", phase, NULL};
    json_t *arr = rw_spec_get(ctx->spec, keys);
    size_t ours = 0, i;
    json_t *h;
    json_array_foreach(arr, i, h) ours += is_ours(h, self);
    if (ours < 2)
        return 0;

    cleanup_json json_t *segs = json_array(), *env = json_array(), *out = json_array();
    if (!segs || !env || !out)
        return -ENOMEM;
    long long timeout = 0;
    bool bounded = true;
    json_array_foreach(arr, i, h)
    {
        if (!is_ours(h, self))
            continue;
        int r = add_segments(segs, json_object_get(h, "args"));
        if (r < 0)
            return r;
        union_env(env, json_object_get(h, "env"));
        json_t *t = json_object_get(h, "timeout");
        if (json_is_integer(t) && json_integer_value(t) > 0)
            timeout += json_integer_value(t);
        else
            bounded = false;
    }
    json_t *args = json_pack("[ss]", "runwarden", "hook");
    if (!args)
        return -ENOMEM;
    json_array_foreach(segs, i, h)
    {
        if (i > 0)
            json_array_append_new(args, json_string(RW_HOOK_SEPARATOR));
        json_array_extend(args, h);
    }
    json_t *merged = json_pack("{s:s,s:o}", "path", self, "args", args);
    if (!merged)
        return -ENOMEM;
    if (json_array_size(env))
        json_object_set(merged, "env", env);
    if (bounded && timeout > 0)
        json_object_set_new(merged, "timeout", json_integer(timeout > 600 ? 600 : timeout));

    /* The merged entry takes the place of the first of ours: relative order to the
     * engine's own hooks is kept. */
    json_array_foreach(arr, i, h)
    {
        if (!is_ours(h, self))
            json_array_append(out, h);
        else if (merged) {
            json_array_append_new(out, merged);
            merged = NULL;
        }
    }
    if (merged)
        json_decref(merged);
    int r = rw_spec_set(ctx->spec, keys, json_incref(out),
                        "hooks: runwarden's hooks of this phase run in one process");
    if (r < 0)
        return r;
    return rw_ctx_fact(ctx, STAGE, phase, json_integer((json_int_t)json_array_size(segs)));
}

static int run(rw_ctx_t *ctx, rw_error_t **err)
{
    (void)err;
    cleanup_free char *self = rw_hook_self_path();
    if (!self)
        return -ENOMEM;
    for (const char *const *p = phases; *p; p++) {
        int r = merge_phase(ctx, *p, self);
        if (r < 0)
            return r;
    }
    return 0;
}

static bool applies(const rw_ctx_t *ctx)
{
    return ctx->spec && !ctx->spec->is_process_only && json_is_object(ctx->spec->doc) &&
           json_object_get(ctx->spec->doc, "hooks");
}

const rw_stage_t rw_stage_hooks = {STAGE, applies, run};
