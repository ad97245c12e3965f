/* Validation of config.json / process.json into a typed view, and recorded mutation.
 * Only the fields runwarden reasons about are typed; everything else is kept verbatim. */
#include "oci_spec.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../common/cleanup.h"
#include "../common/hash.h"
#include "../common/json.h"

static void strv_free(char **v)
{
    rw_strv_freep(&v);
}

static int dup_str(json_t *obj, const char *key, char **out, const char *file, const char *path,
                   rw_error_t **err)
{
    const char *s = NULL;
    int r = rw_json_get_string(obj, key, false, &s, file, path, err);
    if (r <= 0)
        return r;
    free(*out);
    *out = strdup(s);
    return *out ? 0 : -ENOMEM;
}

void rw_spec_process_clear(rw_spec_process_t *p)
{
    strv_free(p->args);
    strv_free(p->env);
    free(p->cwd);
    free(p->additional_gids);
    free(p->username);
    strv_free(p->caps.bounding);
    strv_free(p->caps.effective);
    strv_free(p->caps.inheritable);
    strv_free(p->caps.permitted);
    strv_free(p->caps.ambient);
    free(p->apparmor_profile);
    free(p->selinux_label);
    rw_spec_rlimits_clear(p);
    memset(p, 0, sizeof(*p));
    p->uid = p->gid = -1;
}

int rw_spec_process_parse(json_t *proc, const char *file, const char *path, rw_spec_process_t *out,
                          rw_error_t **err)
{
    rw_spec_process_clear(out);
    if (!json_is_object(proc))
        return rw_error_set(err, EINVAL, "%s: %s: must be an object", file, path);
    out->present = true;
    int r;
    char sub[128];
    if ((r = rw_json_get_bool(proc, "terminal", &out->terminal, file, path, err)) < 0)
        return r;
    if ((r = rw_json_get_strv(proc, "args", &out->args, file, path, err)) < 0)
        return r;
    if ((r = rw_json_get_strv(proc, "env", &out->env, file, path, err)) < 0)
        return r;
    if ((r = dup_str(proc, "cwd", &out->cwd, file, path, err)) < 0)
        return r;
    if ((r = dup_str(proc, "apparmorProfile", &out->apparmor_profile, file, path, err)) < 0)
        return r;
    if ((r = dup_str(proc, "selinuxLabel", &out->selinux_label, file, path, err)) < 0)
        return r;
    if ((r = rw_json_get_bool(proc, "noNewPrivileges", &out->no_new_privileges, file, path, err)) <
        0)
        return r;
    json_t *user = json_object_get(proc, "user");
    if (user) {
        snprintf(sub, sizeof(sub), "%s.user", path);
        if (!json_is_object(user))
            return rw_error_set(err, EINVAL, "%s: %s: must be an object", file, sub);
        long long n = -1;
        if ((r = rw_json_get_int(user, "uid", 0, UINT32_MAX, &n, file, sub, err)) < 0)
            return r;
        out->uid = n;
        n = -1;
        if ((r = rw_json_get_int(user, "gid", 0, UINT32_MAX, &n, file, sub, err)) < 0)
            return r;
        out->gid = n;
        if ((r = dup_str(user, "username", &out->username, file, sub, err)) < 0)
            return r;
        json_t *ag = json_object_get(user, "additionalGids");
        if (ag) {
            if (!json_is_array(ag))
                return rw_error_set(err, EINVAL, "%s: %s.additionalGids: must be an array", file,
                                    sub);
            size_t cnt = json_array_size(ag);
            out->additional_gids = calloc(cnt ? cnt : 1, sizeof(int64_t));
            if (!out->additional_gids)
                return -ENOMEM;
            for (size_t i = 0; i < cnt; i++) {
                json_t *g = json_array_get(ag, i);
                if (!json_is_integer(g) || json_integer_value(g) < 0 ||
                    json_integer_value(g) > UINT32_MAX)
                    return rw_error_set(err, EINVAL, "%s: %s.additionalGids[%zu]: must be a gid",
                                        file, sub, i);
                out->additional_gids[i] = json_integer_value(g);
            }
            out->n_additional_gids = cnt;
        }
    }
    json_t *caps = json_object_get(proc, "capabilities");
    if (caps) {
        snprintf(sub, sizeof(sub), "%s.capabilities", path);
        if (!json_is_object(caps))
            return rw_error_set(err, EINVAL, "%s: %s: must be an object", file, sub);
        out->caps_present = true;
        struct {
            const char *k;
            char ***v;
        } sets[] = {{"bounding", &out->caps.bounding},
                    {"effective", &out->caps.effective},
                    {"inheritable", &out->caps.inheritable},
                    {"permitted", &out->caps.permitted},
                    {"ambient", &out->caps.ambient}};
        for (size_t i = 0; i < RW_ARRAY_SIZE(sets); i++)
            if ((r = rw_json_get_strv(caps, sets[i].k, sets[i].v, file, sub, err)) < 0)
                return r;
    }
    json_t *rl = json_object_get(proc, "rlimits");
    if (rl && (r = rw_spec_rlimits_parse(rl, file, path, out, err)) < 0)
        return r;
    return 0;
}

static void clear_view(rw_spec_t *s)
{
    free(s->oci_version);
    free(s->root_path);
    free(s->hostname);
    free(s->mount_label);
    rw_spec_process_clear(&s->process);
    for (size_t i = 0; i < s->n_mounts; i++) {
        free(s->mounts[i].destination);
        free(s->mounts[i].source);
        free(s->mounts[i].type);
        strv_free(s->mounts[i].options);
    }
    free(s->mounts);
    for (size_t i = 0; i < s->n_namespaces; i++) {
        free(s->namespaces[i].type);
        free(s->namespaces[i].path);
    }
    free(s->namespaces);
    strv_free(s->masked_paths);
    strv_free(s->readonly_paths);
    rw_spec_ext_clear(s);
    s->oci_version = s->root_path = s->hostname = s->mount_label = NULL;
    s->mounts = NULL;
    s->namespaces = NULL;
    s->n_mounts = s->n_namespaces = 0;
    s->masked_paths = s->readonly_paths = NULL;
    s->has_linux = s->has_seccomp = false;
    s->root_readonly = false;
}

static int build_view(rw_spec_t *s, rw_error_t **err)
{
    const char *f = s->file;
    json_t *d = s->doc;
    int r;
    clear_view(s);
    if (!json_is_object(d))
        return rw_error_set(err, EINVAL, "%s: $: must be a JSON object", f);
    if (s->is_process_only)
        return rw_spec_process_parse(d, f, "$", &s->process, err);

    if ((r = dup_str(d, "ociVersion", &s->oci_version, f, "$", err)) < 0)
        return r;
    if ((r = dup_str(d, "hostname", &s->hostname, f, "$", err)) < 0)
        return r;
    json_t *root = json_object_get(d, "root");
    if (root) {
        if (!json_is_object(root))
            return rw_error_set(err, EINVAL, "%s: $.root: must be an object", f);
        if ((r = dup_str(root, "path", &s->root_path, f, "$.root", err)) < 0)
            return r;
        if ((r = rw_json_get_bool(root, "readonly", &s->root_readonly, f, "$.root", err)) < 0)
            return r;
    }
    json_t *proc = json_object_get(d, "process");
    if (proc && (r = rw_spec_process_parse(proc, f, "$.process", &s->process, err)) < 0)
        return r;

    json_t *mounts = json_object_get(d, "mounts");
    if (mounts) {
        if (!json_is_array(mounts))
            return rw_error_set(err, EINVAL, "%s: $.mounts: must be an array", f);
        size_t n = json_array_size(mounts);
        s->mounts = calloc(n ? n : 1, sizeof(*s->mounts));
        if (!s->mounts)
            return -ENOMEM;
        for (size_t i = 0; i < n; i++) {
            char sub[64];
            snprintf(sub, sizeof(sub), "$.mounts[%zu]", i);
            json_t *m = json_array_get(mounts, i);
            rw_spec_mount_t *sm = &s->mounts[i];
            s->n_mounts = i + 1;
            if (!json_is_object(m))
                return rw_error_set(err, EINVAL, "%s: %s: must be an object", f, sub);
            const char *dst = NULL;
            if ((r = rw_json_get_string(m, "destination", true, &dst, f, sub, err)) < 0)
                return r;
            if (!(sm->destination = strdup(dst)))
                return -ENOMEM;
            if ((r = dup_str(m, "source", &sm->source, f, sub, err)) < 0 ||
                (r = dup_str(m, "type", &sm->type, f, sub, err)) < 0 ||
                (r = rw_json_get_strv(m, "options", &sm->options, f, sub, err)) < 0)
                return r;
        }
    }
    json_t *ann = json_object_get(d, "annotations");
    if (ann) {
        if (!json_is_object(ann))
            return rw_error_set(err, EINVAL, "%s: $.annotations: must be an object", f);
        const char *k;
        json_t *v;
        json_object_foreach(ann, k, v)
        {
            if (!json_is_string(v))
                return rw_error_set(err, EINVAL, "%s: $.annotations.%s: must be a string", f, k);
        }
    }
    json_t *hooks = json_object_get(d, "hooks");
    if (hooks && !json_is_object(hooks))
        return rw_error_set(err, EINVAL, "%s: $.hooks: must be an object", f);

    json_t *linux_ = json_object_get(d, "linux");
    if (linux_) {
        if (!json_is_object(linux_))
            return rw_error_set(err, EINVAL, "%s: $.linux: must be an object", f);
        s->has_linux = true;
        json_t *sc = json_object_get(linux_, "seccomp");
        if (sc && !json_is_object(sc))
            return rw_error_set(err, EINVAL, "%s: $.linux.seccomp: must be an object", f);
        s->has_seccomp = sc != NULL;
        if ((r = dup_str(linux_, "mountLabel", &s->mount_label, f, "$.linux", err)) < 0)
            return r;
        if ((r = rw_json_get_strv(linux_, "maskedPaths", &s->masked_paths, f, "$.linux", err)) <
                0 ||
            (r = rw_json_get_strv(linux_, "readonlyPaths", &s->readonly_paths, f, "$.linux", err)) <
                0)
            return r;
        json_t *ns = json_object_get(linux_, "namespaces");
        if (ns) {
            if (!json_is_array(ns))
                return rw_error_set(err, EINVAL, "%s: $.linux.namespaces: must be an array", f);
            size_t n = json_array_size(ns);
            s->namespaces = calloc(n ? n : 1, sizeof(*s->namespaces));
            if (!s->namespaces)
                return -ENOMEM;
            for (size_t i = 0; i < n; i++) {
                char sub[64];
                snprintf(sub, sizeof(sub), "$.linux.namespaces[%zu]", i);
                json_t *e = json_array_get(ns, i);
                s->n_namespaces = i + 1;
                if (!json_is_object(e))
                    return rw_error_set(err, EINVAL, "%s: %s: must be an object", f, sub);
                const char *t = NULL;
                if ((r = rw_json_get_string(e, "type", true, &t, f, sub, err)) < 0)
                    return r;
                if (!(s->namespaces[i].type = strdup(t)))
                    return -ENOMEM;
                if ((r = dup_str(e, "path", &s->namespaces[i].path, f, sub, err)) < 0)
                    return r;
            }
        }
    }
    return rw_spec_ext_parse(s, err);
}

static int parse_common(const char *buf, size_t len, const char *file, bool process_only,
                        rw_spec_t **ret, rw_error_t **err)
{
    rw_spec_t *s = calloc(1, sizeof(*s));
    if (!s)
        return -ENOMEM;
    s->process.uid = s->process.gid = -1;
    s->is_process_only = process_only;
    s->file = strdup(file);
    int r = s->file ? 0 : -ENOMEM;
    if (r >= 0) {
        s->doc = rw_json_parse(buf, len, file, err);
        if (!s->doc)
            r = -EINVAL;
    }
    if (r >= 0)
        r = build_view(s, err);
    if (r < 0) {
        rw_spec_free(s);
        return r;
    }
    *ret = s;
    return 0;
}

int rw_spec_parse(const char *buf, size_t len, const char *file, rw_spec_t **ret, rw_error_t **err)
{
    return parse_common(buf, len, file, false, ret, err);
}

int rw_spec_parse_process(const char *buf, size_t len, const char *file, rw_spec_t **ret,
                          rw_error_t **err)
{
    return parse_common(buf, len, file, true, ret, err);
}

void rw_spec_free(rw_spec_t *s)
{
    if (!s)
        return;
    clear_view(s);
    for (size_t i = 0; i < s->n_changes; i++) {
        free(s->changes[i].op);
        free(s->changes[i].path);
        free(s->changes[i].old_value);
        free(s->changes[i].new_value);
        free(s->changes[i].why);
    }
    free(s->changes);
    if (s->doc)
        json_decref(s->doc);
    free(s->file);
    free(s);
}

json_t *rw_spec_get(const rw_spec_t *s, const char *const *keys)
{
    json_t *cur = s->doc;
    for (; cur && *keys; keys++)
        cur = json_is_object(cur) ? json_object_get(cur, *keys) : NULL;
    return cur;
}

const char *rw_spec_annotation(const rw_spec_t *s, const char *key)
{
    json_t *a = json_object_get(s->doc, "annotations");
    json_t *v = a ? json_object_get(a, key) : NULL;
    return json_is_string(v) ? json_string_value(v) : NULL;
}

/* RFC 6901 pointer for the change log. */
static char *pointer_of(const char *const *keys)
{
    size_t cap = 1;
    for (const char *const *k = keys; *k; k++)
        cap += 1 + 2 * strlen(*k);
    char *p = malloc(cap);
    if (!p)
        return NULL;
    char *o = p;
    for (const char *const *k = keys; *k; k++) {
        *o++ = '/';
        for (const char *c = *k; *c; c++) {
            if (*c == '~') {
                *o++ = '~';
                *o++ = '0';
            } else if (*c == '/') {
                *o++ = '~';
                *o++ = '1';
            } else
                *o++ = *c;
        }
    }
    *o = '\0';
    return p;
}

/* json_dumps(j, flags) written straight into one buffer that starts at a size hint and grows
 * in place. json_dumps doubles a buffer up from 16 bytes and then copies the result: for a
 * config.json that touches about three times the memory, and fresh pages cost ~15 us each
 * on some VMs. *ret_len spares the caller a strlen. */
typedef struct dump_buf {
    char *p;
    size_t len, cap;
} dump_buf_t;

static int dump_put(const char *buf, size_t n, void *data)
{
    dump_buf_t *d = data;
    if (n >= d->cap - d->len) {
        size_t cap = d->cap;
        while (n >= cap - d->len) {
            if (cap > SIZE_MAX / 2)
                return -1;
            cap *= 2;
        }
        char *p = realloc(d->p, cap);
        if (!p)
            return -1;
        d->p = p;
        d->cap = cap;
    }
    memcpy(d->p + d->len, buf, n);
    d->len += n;
    return 0;
}

static char *dump_to_buf(const json_t *j, size_t flags, size_t hint, size_t *ret_len)
{
    dump_buf_t d = {.p = malloc(hint), .cap = hint};
    if (!d.p)
        return NULL;
    if (json_dump_callback(j, dump_put, &d, flags) < 0 || dump_put("", 1, &d) < 0) {
        free(d.p);
        return NULL;
    }
    if (ret_len)
        *ret_len = d.len - 1;
    return d.p;
}

static int record(rw_spec_t *s, const char *op, const char *const *keys, const json_t *oldv,
                  const json_t *newv, const char *why)
{
    rw_spec_change_t *n = realloc(s->changes, (s->n_changes + 1) * sizeof(*n));
    if (!n)
        return -ENOMEM;
    s->changes = n;
    rw_spec_change_t *c = &n[s->n_changes++];
    memset(c, 0, sizeof(*c));
    c->op = strdup(op);
    c->path = pointer_of(keys);
    c->old_value = oldv ? dump_to_buf(oldv, JSON_COMPACT | JSON_ENCODE_ANY, 256, NULL) : NULL;
    c->new_value = newv ? dump_to_buf(newv, JSON_COMPACT | JSON_ENCODE_ANY, 256, NULL) : NULL;
    c->why = strdup(why ? why : "");
    if (!c->op || !c->path || !c->why)
        return -ENOMEM;
    return 0;
}

static json_t *walk_create(json_t *root, const char *const *keys, const char **last)
{
    json_t *cur = root;
    for (; keys[1]; keys++) {
        json_t *next = json_object_get(cur, keys[0]);
        if (!next) {
            next = json_object();
            if (!next || json_object_set_new(cur, keys[0], next) < 0)
                return NULL;
        }
        if (!json_is_object(next))
            return NULL;
        cur = next;
    }
    *last = keys[0];
    return cur;
}

int rw_spec_set(rw_spec_t *s, const char *const *keys, json_t *value, const char *why)
{
    const char *last = NULL;
    if (!keys[0]) {
        json_decref(value);
        return -EINVAL;
    }
    json_t *parent = walk_create(s->doc, keys, &last);
    if (!parent) {
        json_decref(value);
        return -EINVAL;
    }
    json_t *old = json_object_get(parent, last);
    if (old && json_equal(old, value)) {
        json_decref(value);
        return 0;
    }
    int r = record(s, old ? "replace" : "add", keys, old, value, why);
    if (r < 0 || json_object_set_new(parent, last, value) < 0)
        return r < 0 ? r : -ENOMEM;
    return build_view(s, NULL);
}

int rw_spec_remove(rw_spec_t *s, const char *const *keys, const char *why)
{
    json_t *cur = s->doc;
    const char *const *k = keys;
    for (; cur && k[0] && k[1]; k++)
        cur = json_is_object(cur) ? json_object_get(cur, k[0]) : NULL;
    if (!cur || !k[0] || !json_is_object(cur) || !json_object_get(cur, k[0]))
        return 0;
    int r = record(s, "remove", keys, json_object_get(cur, k[0]), NULL, why);
    if (r < 0)
        return r;
    json_object_del(cur, k[0]);
    return build_view(s, NULL);
}

int rw_spec_append(rw_spec_t *s, const char *const *keys, json_t *value, const char *why)
{
    const char *last = NULL;
    json_t *parent = keys[0] ? walk_create(s->doc, keys, &last) : NULL;
    if (!parent) {
        json_decref(value);
        return -EINVAL;
    }
    json_t *arr = json_object_get(parent, last);
    if (!arr) {
        arr = json_array();
        if (!arr || json_object_set_new(parent, last, arr) < 0) {
            json_decref(value);
            return -ENOMEM;
        }
    }
    if (!json_is_array(arr)) {
        json_decref(value);
        return -EINVAL;
    }
    /* Pointer to the new element: keys + "-" as in RFC 6902 "add". */
    size_t nk = 0;
    while (keys[nk])
        nk++;
    const char **k2 = calloc(nk + 2, sizeof(char *));
    if (!k2) {
        json_decref(value);
        return -ENOMEM;
    }
    memcpy(k2, keys, nk * sizeof(char *));
    k2[nk] = "-";
    int r = record(s, "add", k2, NULL, value, why);
    free(k2);
    if (r < 0 || json_array_append_new(arr, value) < 0)
        return r < 0 ? r : -ENOMEM;
    return build_view(s, NULL);
}

char *rw_spec_serialize(const rw_spec_t *s, size_t *ret_len)
{
    /* a config.json is tens of KB: start near that instead of doubling up from 16 bytes */
    return dump_to_buf(s->doc, JSON_COMPACT | JSON_PRESERVE_ORDER, 16384, ret_len);
}

static json_t *change_value(const char *compact, size_t max_inline)
{
    size_t n = strlen(compact);
    if (n <= max_inline)
        return json_loads(compact, JSON_DECODE_ANY, NULL);
    uint8_t d[RW_SHA256_LEN];
    char hex[RW_SHA256_HEX_LEN + 1];
    rw_sha256(compact, n, d);
    rw_hex(d, sizeof(d), hex);
    return json_pack("{s:s,s:I}", "sha256", hex, "bytes", (json_int_t)n);
}

json_t *rw_spec_changes_json(const rw_spec_t *s, size_t max_inline)
{
    json_t *arr = json_array();
    for (size_t i = 0; arr && i < s->n_changes; i++) {
        const rw_spec_change_t *c = &s->changes[i];
        json_t *o = json_object();
        if (!o)
            break;
        json_object_set_new(o, "op", json_string(c->op));
        json_object_set_new(o, "path", json_string(c->path));
        if (c->old_value)
            json_object_set_new(o, "old", change_value(c->old_value, max_inline));
        if (c->new_value)
            json_object_set_new(o, "new", change_value(c->new_value, max_inline));
        json_object_set_new(o, "why", json_string(c->why));
        json_array_append_new(arr, o);
    }
    return arr;
}
