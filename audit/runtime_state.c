/* Reads a container's bundle and annotations from runc's or crun's state directory. The id
 * names one directory entry and is never followed as a link; the files in it are opened
 * relative to it without following links, must be regular and size-capped, are validated
 * whole by the json_path walker, and only the few members we need go through jansson. */
#include "runtime_state.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../common/cleanup.h"
#include "../common/json.h"
#include "json_path.h"

/* One member's bytes as jansson sees them (any type; duplicate keys refused). */
static json_t *load_slice(const char *buf, const rw_audit_json_want_t *w)
{
    if (!w->len)
        return NULL;
    json_error_t je;
    return json_loadb(buf + w->off, w->len, JSON_DECODE_ANY | JSON_REJECT_DUPLICATES, &je);
}

bool rw_audit_runtime_id_ok(const char *id)
{
    if (!id || !*id || strcmp(id, ".") == 0 || strcmp(id, "..") == 0)
        return false;
    size_t n = strnlen(id, NAME_MAX + 1);
    return n <= NAME_MAX && !memchr(id, '/', n);
}

bool rw_audit_bundle_path_ok(const char *path)
{
    if (!path || path[0] != '/' || strnlen(path, PATH_MAX) >= PATH_MAX)
        return false;
    /* runtimes store a cleaned absolute path; "." / ".." components or a trailing '/'
     * (which would make O_NOFOLLOW follow a final link) are not theirs */
    for (const char *p = path; *p;) {
        const char *c = p + 1, *e = strchrnul(c, '/');
        size_t cl = (size_t)(e - c);
        if ((cl == 1 && c[0] == '.') || (cl == 2 && c[0] == '.' && c[1] == '.'))
            return false;
        if (cl == 0 && *e == '\0' && p != path)
            return false;
        p = e;
    }
    return true;
}

static int set_bundle(rw_audit_runtime_state_t *out, const char *b, size_t len)
{
    char *copy = strndup(b, len);
    if (!copy)
        return -ENOMEM;
    if (strlen(copy) != len || !rw_audit_bundle_path_ok(copy)) {
        free(copy);
        return 0;
    }
    free(out->bundle);
    out->bundle = copy;
    return 1;
}

/* What each file holds for us: the members to find and how to read them. */
static const char *const p_id[] = {"id", NULL};
static const char *const p_labels[] = {"config", "labels", NULL};
static const char *const p_bundle[] = {"bundle", NULL};
static const char *const p_annotations[] = {"annotations", NULL};

/* runc state.json, members located: w[0] id, w[1] config.labels. */
static int runc_state_from(const char *buf, const rw_audit_json_want_t *w, const char *id,
                           rw_audit_runtime_state_t *out)
{
    cleanup_json json_t *jid = load_slice(buf, &w[0]);
    if (!json_is_string(jid) || !id || strcmp(json_string_value(jid), id) != 0)
        return 0; /* the state of another container (or a forged one) */
    cleanup_json json_t *labels = load_slice(buf, &w[1]);
    if (!json_is_array(labels))
        return 0;
    cleanup_json json_t *ann = json_object();
    if (!ann)
        return -ENOMEM;
    const char *bundle = NULL;
    size_t bundle_len = 0;
    size_t i;
    json_t *l;
    json_array_foreach(labels, i, l)
    {
        if (!json_is_string(l))
            return 0; /* runc itself could not read this state */
        const char *s = json_string_value(l);
        size_t sl = json_string_length(l);
        const char *eq = memchr(s, '=', sl);
        if (!eq || eq == s)
            continue; /* runc skips labels without "key=" too */
        size_t kl = (size_t)(eq - s);
        if (kl == 6 && memcmp(s, "bundle", 6) == 0) {
            bundle = eq + 1;
            bundle_len = sl - kl - 1;
            continue;
        }
        cleanup_free char *key = strndup(s, kl);
        json_t *v = json_stringn(eq + 1, sl - kl - 1);
        if (!key || !v || json_object_set_new(ann, key, v) < 0)
            return -ENOMEM;
    }
    if (!bundle)
        return 0;
    int r = set_bundle(out, bundle, bundle_len);
    if (r <= 0)
        return r;
    /* runc copies the annotations into the labels; none there may mean none at all or a
     * runc that does not copy them: then the caller reads the bundle's config.json */
    if (json_object_size(ann) > 0) {
        if (out->annotations)
            json_decref(out->annotations);
        out->annotations = TAKE_PTR(ann);
        out->from = "runc state.json";
    }
    return 1;
}

/* crun status, member located: w[0] bundle. */
static int crun_status_from(const char *buf, const rw_audit_json_want_t *w,
                            rw_audit_runtime_state_t *out)
{
    cleanup_json json_t *b = load_slice(buf, &w[0]);
    if (!json_is_string(b))
        return 0;
    return set_bundle(out, json_string_value(b), json_string_length(b));
}

/* config.json, member located: w[0] annotations (absent: none). */
static int config_annotations_from(const char *buf, const rw_audit_json_want_t *w, json_t **ret)
{
    json_t *a = w[0].len ? load_slice(buf, &w[0]) : json_object();
    if (!json_is_object(a)) {
        if (a)
            json_decref(a);
        return w[0].len ? 0 : -ENOMEM;
    }
    *ret = a;
    return 1;
}

int rw_audit_runc_state_parse(const char *buf, size_t len, const char *id,
                              rw_audit_runtime_state_t *out)
{
    rw_audit_json_want_t w[] = {{.path = p_id}, {.path = p_labels}};
    if (rw_audit_json_find(buf, len, w, 2, NULL, NULL) < 0)
        return 0;
    return runc_state_from(buf, w, id, out);
}

int rw_audit_crun_status_parse(const char *buf, size_t len, rw_audit_runtime_state_t *out)
{
    rw_audit_json_want_t w[] = {{.path = p_bundle}};
    if (rw_audit_json_find(buf, len, w, 1, NULL, NULL) < 0)
        return 0;
    return crun_status_from(buf, w, out);
}

int rw_audit_config_annotations_parse(const char *buf, size_t len, json_t **ret)
{
    rw_audit_json_want_t w[] = {{.path = p_annotations}};
    *ret = NULL;
    if (rw_audit_json_find(buf, len, w, 1, NULL, NULL) < 0)
        return 0;
    return config_annotations_from(buf, w, ret);
}

static bool is_crun(const char *runtime_path)
{
    const char *b = runtime_path ? strrchr(runtime_path, '/') : NULL;
    b = b ? b + 1 : runtime_path;
    return b && strncmp(b, "crun", 4) == 0;
}

/* runc honours XDG_RUNTIME_DIR when rootless: not euid 0, or euid 0 inside a user
 * namespace with USER other than root (runc 1.1 main.go shouldHonorXDGRuntimeDir). */
static bool in_user_namespace(void)
{
    cleanup_fclose FILE *f = fopen("/proc/self/uid_map", "re");
    unsigned long a, b, c;
    if (!f || fscanf(f, "%lu %lu %lu", &a, &b, &c) != 3)
        return false;
    return !(a == 0 && b == 0 && c == 4294967295UL);
}

static bool runc_rootless(void)
{
    if (geteuid() != 0)
        return true;
    if (!in_user_namespace())
        return false;
    const char *u = getenv("USER");
    return !u || strcmp(u, "root") != 0;
}

char *rw_audit_runtime_default_root(const char *runtime_path)
{
    bool crun = is_crun(runtime_path);
    const char *xdg = getenv("XDG_RUNTIME_DIR");
    char *r = NULL;
    if (xdg && *xdg && (crun || runc_rootless())) {
        if (asprintf(&r, "%s/%s", xdg, crun ? "crun" : "runc") < 0)
            return NULL;
        return r;
    }
    return strdup(crun ? "/run/crun" : "/run/runc");
}

/* dir/config.json's annotations into out when it has none yet. */
static int annotations_from(int dirfd, const char *from, rw_audit_runtime_state_t *out)
{
    rw_audit_json_want_t w[] = {{.path = p_annotations}};
    cleanup_free char *copy = NULL;
    if (out->annotations)
        return 0;
    int r = rw_audit_json_find_at(dirfd, "config.json", RW_AUDIT_STATE_MAX, w, 1, &copy);
    if (r <= 0)
        return r;
    r = config_annotations_from(copy, w, &out->annotations);
    if (r > 0)
        out->from = from;
    return r;
}

/* The runtime's own state file in idfd: 1 with a bundle, 0 unusable, -ENOMEM. */
static int state_file(int idfd, bool crun, const char *id, rw_audit_runtime_state_t *out)
{
    rw_audit_json_want_t w[] = {{.path = crun ? p_bundle : p_id}, {.path = p_labels}};
    cleanup_free char *copy = NULL;
    int r = rw_audit_json_find_at(idfd, crun ? "status" : "state.json", RW_AUDIT_STATE_MAX, w,
                                  crun ? 1 : 2, &copy);
    if (r <= 0)
        return r;
    return crun ? crun_status_from(copy, w, out) : runc_state_from(copy, w, id, out);
}

int rw_audit_runtime_state_read(const char *root, const char *runtime_path, const char *id,
                                rw_audit_runtime_state_t *out)
{
    memset(out, 0, sizeof(*out));
    if (!rw_audit_runtime_id_ok(id))
        return 0;
    cleanup_free char *def = NULL;
    if (root && !*root)
        return 0;
    if (!root && !(root = def = rw_audit_runtime_default_root(runtime_path)))
        return -ENOMEM;
    /* The root is the caller's own --root argument: links along it are followed, as the
     * runtime follows them. The id is one component (checked above), and O_NOFOLLOW keeps
     * it from being a link; one open for both saves a syscall on the exec path. */
    char dir[PATH_MAX];
    int n = snprintf(dir, sizeof(dir), "%s/%s", root, id);
    if (n < 0 || (size_t)n >= sizeof(dir))
        return 0;
    cleanup_close int idfd = open(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (idfd < 0)
        return 0;
    bool crun = is_crun(runtime_path);
    int r = 0;
    /* the runtime named first, then the other: a shim name can hide which one wrote it */
    for (int k = 0; k < 2 && r == 0; k++) {
        bool try_crun = (k == 0) == crun;
        r = state_file(idfd, try_crun, id, out);
        /* crun keeps the config it ran beside its status */
        if (r > 0 && try_crun)
            r = annotations_from(idfd, "crun config.json", out) < 0 ? -ENOMEM : 1;
    }
    if (r <= 0) {
        rw_audit_runtime_state_clear(out);
        return r;
    }
    if (!out->annotations) {
        /* the bundle itself must not be a link (as for create); links above it are the
         * engine's layout, as the runtime followed them */
        cleanup_close int bfd = open(out->bundle, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (bfd >= 0 && annotations_from(bfd, "bundle config.json", out) < 0) {
            rw_audit_runtime_state_clear(out);
            return -ENOMEM;
        }
    }
    return 1;
}

void rw_audit_runtime_state_clear(rw_audit_runtime_state_t *st)
{
    if (!st)
        return;
    free(st->bundle);
    if (st->annotations)
        json_decref(st->annotations);
    memset(st, 0, sizeof(*st));
}
