/* Builds the hook entries of runwarden's own poststop hooks, carrying the environment
 * that locates the configuration. */
#include "hook_env.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hooks.h"

static int add_env(json_t *env, const char *name)
{
    const char *v = getenv(name);
    if (!v || !*v)
        return 0;
    char *s = NULL;
    if (asprintf(&s, "%s=%s", name, v) < 0)
        return -ENOMEM;
    int r = json_array_append_new(env, json_string(s)) < 0 ? -ENOMEM : 0;
    free(s);
    return r;
}

static bool already_there(const rw_spec_t *s, const char *kind, const char *self, const char *name)
{
    for (size_t i = 0; i < s->n_hooks; i++) {
        const rw_spec_hook_t *h = &s->hooks[i];
        if (strcmp(h->stage, kind) != 0 || strcmp(h->path, self) != 0 || !h->args)
            continue;
        if (h->args[0] && h->args[1] && h->args[2] && strcmp(h->args[1], "hook") == 0 &&
            strcmp(h->args[2], name) == 0)
            return true;
    }
    return false;
}

int rw_hook_env_append(rw_spec_t *s, const char *kind, const char *name, int timeout,
                       const char *why)
{
    char *self = rw_hook_self_path();
    if (!self)
        return -ENOMEM;
    bool dup = already_there(s, kind, self, name);
    free(self);
    if (dup)
        return 0;
    json_t *h = rw_hook_entry(name, NULL, timeout);
    if (!h)
        return -ENOMEM;
    json_t *env = json_array();
    int r = env ? 0 : -ENOMEM;
    if (r >= 0)
        r = add_env(env, "RUNWARDEN_CONFIG");
    if (r >= 0)
        r = add_env(env, "XDG_RUNTIME_DIR");
    if (r >= 0 && json_array_size(env) > 0) {
        r = json_object_set_new(h, "env", env) < 0 ? -ENOMEM : 0;
        env = NULL;
    }
    if (env)
        json_decref(env);
    if (r < 0) {
        json_decref(h);
        return r;
    }
    const char *keys[] = {"hooks", kind, NULL};
    return rw_spec_append(s, keys, h, why);
}
