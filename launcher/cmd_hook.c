/* `runwarden hook NAME`: entry point for the OCI hooks runwarden injects. Reads the state
 * the runtime writes on stdin, then hands it to the feature that owns the hook. */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../common/cleanup.h"
#include "../common/json.h"
#include "hooks.h"

#define RW_HOOK_STATE_MAX (1u << 20)

int rw_hook_state_read(int fd, rw_hook_state_t *out, rw_error_t **err)
{
    memset(out, 0, sizeof(*out));
    cleanup_free char *buf = malloc(RW_HOOK_STATE_MAX + 1);
    if (!buf)
        return -ENOMEM;
    size_t len = 0;
    for (;;) {
        ssize_t n = read(fd, buf + len, RW_HOOK_STATE_MAX + 1 - len);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            return rw_error_setsys(err, errno, "hook state: read failed");
        }
        if (n == 0)
            break;
        len += (size_t)n;
        if (len > RW_HOOK_STATE_MAX)
            return rw_error_set(err, EFBIG, "hook state: larger than %u bytes", RW_HOOK_STATE_MAX);
    }
    json_t *doc = rw_json_parse(buf, len, "hook state (stdin)", err);
    if (!doc)
        return -EINVAL;
    out->doc = doc;
    const char *s = NULL;
    int r;
    if ((r = rw_json_get_string(doc, "id", true, &s, "hook state", "$", err)) < 0)
        return r;
    out->id = strdup(s);
    s = NULL;
    if ((r = rw_json_get_string(doc, "bundle", false, &s, "hook state", "$", err)) < 0)
        return r;
    out->bundle = s ? strdup(s) : NULL;
    s = NULL;
    if ((r = rw_json_get_string(doc, "status", false, &s, "hook state", "$", err)) < 0)
        return r;
    out->status = s ? strdup(s) : NULL;
    long long pid = 0;
    if ((r = rw_json_get_int(doc, "pid", 0, INT_MAX, &pid, "hook state", "$", err)) < 0)
        return r;
    out->pid = (int)pid;
    json_t *a = json_object_get(doc, "annotations");
    if (a && !json_is_object(a))
        return rw_error_set(err, EINVAL, "hook state: $.annotations: must be an object");
    out->annotations = a;
    return out->id ? 0 : -ENOMEM;
}

void rw_hook_state_clear(rw_hook_state_t *s)
{
    free(s->id);
    free(s->bundle);
    free(s->status);
    if (s->doc)
        json_decref(s->doc);
    memset(s, 0, sizeof(*s));
}

char *rw_hook_self_path(void)
{
    char buf[PATH_MAX];
    ssize_t n = readlink("/proc/self/exe", buf, sizeof(buf) - 1);
    if (n <= 0)
        return NULL;
    buf[n] = '\0';
    return strdup(buf);
}

json_t *rw_hook_entry(const char *name, const char *const *extra_args, int timeout)
{
    cleanup_free char *self = rw_hook_self_path();
    if (!self)
        return NULL;
    json_t *args = json_pack("[sss]", "runwarden", "hook", name);
    for (const char *const *a = extra_args; args && a && *a; a++)
        json_array_append_new(args, json_string(*a));
    json_t *h = json_pack("{s:s,s:o}", "path", self, "args", args);
    if (h && timeout > 0)
        json_object_set_new(h, "timeout", json_integer(timeout));
    return h;
}

static const rw_hook_t *find_hook(const char *name)
{
    for (const rw_hook_t *h = rw_hooks; h->name; h++)
        if (strcmp(h->name, name) == 0)
            return h;
    return NULL;
}

/* argv[1..]: one or more parts "NAME ARGS..." separated by RW_HOOK_SEPARATOR. Every part
 * runs, in order, with the state read once; the exit code is the first failing part's. */
int rw_cmd_hook(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr,
                "usage: runwarden hook NAME [ARGS...] [%s NAME [ARGS...]]...   "
                "(called by the runtime, state on stdin)\n",
                RW_HOOK_SEPARATOR);
        return 2;
    }
    /* Check every name before reading stdin: a typo must not half-run a phase. */
    for (int i = 1; i < argc; i++) {
        bool starts = i == 1 || strcmp(argv[i - 1], RW_HOOK_SEPARATOR) == 0;
        if (!starts)
            continue;
        if (strcmp(argv[i], RW_HOOK_SEPARATOR) == 0 || !find_hook(argv[i])) {
            fprintf(stderr, "runwarden: hook: unknown hook '%s'\n", argv[i]);
            return 2;
        }
    }
    if (strcmp(argv[argc - 1], RW_HOOK_SEPARATOR) == 0) {
        fprintf(stderr, "runwarden: hook: the hook list ends with '%s'\n", RW_HOOK_SEPARATOR);
        return 2;
    }
    rw_hook_state_t st;
    rw_error_t *err = NULL;
    if (rw_hook_state_read(STDIN_FILENO, &st, &err) < 0) {
        fprintf(stderr, "runwarden: hook %s: %s\n", argv[1], err ? err->msg : "bad state");
        rw_error_free(err);
        rw_hook_state_clear(&st);
        return 1;
    }
    int rc = 0;
    for (int i = 1; i < argc;) {
        int end = i + 1;
        while (end < argc && strcmp(argv[end], RW_HOOK_SEPARATOR) != 0)
            end++;
        /* each part sees only its own arguments, NULL-terminated like a real argv */
        char *saved = end < argc ? argv[end] : NULL;
        if (end < argc)
            argv[end] = NULL;
        int prc = find_hook(argv[i])->run(end - i, argv + i, &st);
        if (end < argc)
            argv[end] = saved;
        if (prc != 0 && rc == 0)
            rc = prc;
        i = end + 1;
    }
    rw_hook_state_clear(&st);
    return rc;
}
