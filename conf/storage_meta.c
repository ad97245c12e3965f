/* Readers for containers/storage's on-disk metadata. The formats are those of
 * containers/storage (images.go, containers.go, store.go) and containers/image
 * (storage/storage_dest.go) as podman 4 and CRI-O write them. */
#include "storage_meta.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../common/cleanup.h"
#include "../common/json.h"
#include "docker_ref.h"
#include "storage_scan.h"
#include "trust_base64.h"

#define MAX_NAMES 4096
#define MAX_NAME_LEN 4096
#define MAX_SIZES 4096

/* ---- storage.conf ------------------------------------------------------------------ */

void rw_trust_storage_conf_clear(rw_trust_storage_conf_t *c)
{
    free(c->driver);
    free(c->graphroot);
    free(c->runroot);
    memset(c, 0, sizeof(*c));
}

typedef struct tline {
    const char *file;
    int no;
    rw_error_t **err;
} tline_t;

static int terr(const tline_t *t, const char *why)
{
    return rw_error_set(t->err, EINVAL, "%s: line %d: %s", t->file, t->no, why);
}

/* A TOML basic ("...") or literal ('...') single-line string at s; *used includes quotes. */
static int toml_string(const tline_t *t, const char *s, size_t len, char **ret, size_t *used)
{
    char q = s[0];
    cleanup_free char *out = malloc(len + 1);
    if (!out)
        return -ENOMEM;
    size_t o = 0, i = 1;
    for (;; i++) {
        if (i >= len)
            return terr(t, "unterminated string");
        char c = s[i];
        if (c == q)
            break;
        if (c == '\\' && q == '"') {
            if (i + 1 >= len)
                return terr(t, "unterminated escape");
            char e = s[++i];
            const char *from = "\"\\btnfr", *to = "\"\\\b\t\n\f\r";
            const char *p = strchr(from, e);
            if (!p || !e)
                return terr(t, "unsupported escape in a string");
            out[o++] = to[p - from];
            continue;
        }
        if ((unsigned char)c < 0x20 && c != '\t')
            return terr(t, "control character in a string");
        out[o++] = c;
    }
    out[o] = '\0';
    *used = i + 1;
    *ret = TAKE_PTR(out);
    return 0;
}

/* Counts brackets of a value that may continue on the next lines (arrays), ignoring those
 * inside strings. Returns the new depth, or -1 on an unterminated single-line string. */
static int bracket_depth(const char *s, size_t len, int depth)
{
    for (size_t i = 0; i < len; i++) {
        char c = s[i];
        if (c == '#')
            break;
        if (c == '"' || c == '\'') {
            size_t j = i + 1;
            while (j < len && s[j] != c) {
                if (c == '"' && s[j] == '\\')
                    j++;
                j++;
            }
            if (j >= len)
                return -1;
            i = j;
            continue;
        }
        if (c == '[' || c == '{')
            depth++;
        else if (c == ']' || c == '}')
            depth--;
    }
    return depth;
}

int rw_trust_storage_conf_parse(const char *buf, size_t len, const char *file,
                                rw_trust_storage_conf_t *out, rw_error_t **err)
{
    memset(out, 0, sizeof(*out));
    tline_t t = {file, 0, err};
    bool in_storage = false;
    int pending = 0;       /* open brackets of a multi-line value being skipped */
    const char *ml = NULL; /* closing delimiter of a multi-line string being skipped */
    int r = 0;
    for (size_t i = 0; i < len && r >= 0;) {
        const char *nl = memchr(buf + i, '\n', len - i);
        size_t e = nl ? (size_t)(nl - buf) : len;
        const char *s = buf + i;
        size_t l = e - i;
        i = e + 1;
        t.no++;
        if (memchr(s, '\0', l)) {
            r = terr(&t, "NUL byte");
            break;
        }
        if (ml) {
            if (memmem(s, l, ml, 3))
                ml = NULL;
            continue;
        }
        if (pending > 0) {
            pending = bracket_depth(s, l, pending);
            if (pending < 0)
                r = terr(&t, "malformed value");
            continue;
        }
        while (l && (s[l - 1] == '\r' || s[l - 1] == ' ' || s[l - 1] == '\t'))
            l--;
        while (l && (*s == ' ' || *s == '\t')) {
            s++;
            l--;
        }
        if (l == 0 || *s == '#')
            continue;
        if (*s == '[') {
            /* table header: [storage] or anything else */
            const char *close = memchr(s, ']', l);
            if (!close) {
                r = terr(&t, "unterminated table header");
                break;
            }
            size_t hl = (size_t)(close - s - 1);
            const char *h = s + 1;
            while (hl && (*h == ' ' || *h == '\t')) {
                h++;
                hl--;
            }
            while (hl && (h[hl - 1] == ' ' || h[hl - 1] == '\t'))
                hl--;
            in_storage = hl == 7 && strncmp(h, "storage", 7) == 0;
            continue;
        }
        /* key = value */
        size_t k = 0;
        cleanup_free char *key = NULL;
        if (*s == '"' || *s == '\'') {
            size_t used = 0;
            if ((r = toml_string(&t, s, l, &key, &used)) < 0)
                break;
            k = used;
        } else {
            while (k < l &&
                   (s[k] == '_' || s[k] == '-' || s[k] == '.' || (s[k] >= 'a' && s[k] <= 'z') ||
                    (s[k] >= 'A' && s[k] <= 'Z') || (s[k] >= '0' && s[k] <= '9')))
                k++;
            if (k == 0) {
                r = terr(&t, "expected 'key = value'");
                break;
            }
            if (!(key = strndup(s, k))) {
                r = -ENOMEM;
                break;
            }
        }
        while (k < l && (s[k] == ' ' || s[k] == '\t'))
            k++;
        if (k >= l || s[k] != '=') {
            r = terr(&t, "expected 'key = value'");
            break;
        }
        k++;
        while (k < l && (s[k] == ' ' || s[k] == '\t'))
            k++;
        const char *v = s + k;
        size_t vl = l - k;
        if (vl == 0) {
            r = terr(&t, "missing value");
            break;
        }
        bool wanted = in_storage && (strcmp(key, "driver") == 0 || strcmp(key, "graphroot") == 0 ||
                                     strcmp(key, "runroot") == 0);
        if (vl >= 3 && (strncmp(v, "\"\"\"", 3) == 0 || strncmp(v, "'''", 3) == 0)) {
            if (wanted) {
                r = terr(&t, "multi-line strings are not supported for this key");
                break;
            }
            if (!memmem(v + 3, vl - 3, v, 3))
                ml = v[0] == '"' ? "\"\"\"" : "'''";
            continue;
        }
        if (!wanted) {
            pending = bracket_depth(v, vl, 0);
            if (pending < 0)
                r = terr(&t, "malformed value");
            continue;
        }
        if (*v != '"' && *v != '\'') {
            r = terr(&t, "must be a string");
            break;
        }
        cleanup_free char *val = NULL;
        size_t used = 0;
        if ((r = toml_string(&t, v, vl, &val, &used)) < 0)
            break;
        size_t rest = used;
        while (rest < vl && (v[rest] == ' ' || v[rest] == '\t'))
            rest++;
        if (rest < vl && v[rest] != '#') {
            r = terr(&t, "unexpected text after the value");
            break;
        }
        char **slot = strcmp(key, "driver") == 0      ? &out->driver
                      : strcmp(key, "graphroot") == 0 ? &out->graphroot
                                                      : &out->runroot;
        if (*slot) {
            r = terr(&t, "key defined twice");
            break;
        }
        if (strcmp(key, "driver") != 0 && val[0] && val[0] != '/') {
            r = terr(&t, "must be an absolute path");
            break;
        }
        if (val[0])
            *slot = TAKE_PTR(val);
    }
    if (r >= 0 && (pending > 0 || ml))
        r = rw_error_set(err, EINVAL, "%s: unterminated value at the end of the file", file);
    if (r < 0)
        rw_trust_storage_conf_clear(out);
    return r;
}

/* ---- bundle shape ------------------------------------------------------------------ */

int rw_trust_bundle_shape(const char *bundle, char **ret_root, char **ret_driver, char **ret_id)
{
    size_t n = strlen(bundle);
    while (n > 1 && bundle[n - 1] == '/')
        n--;
    if (bundle[0] != '/' || n < 9 || strncmp(bundle + n - 9, "/userdata", 9) != 0)
        return 0;
    size_t id_end = n - 9;
    if (id_end < 65 || bundle[id_end - 65] != '/' || !rw_trust_is_hex_id(bundle + id_end - 64, 64))
        return 0;
    size_t dir_end = id_end - 65; /* end of "<driver>-containers" */
    static const char suffix[] = "-containers";
    size_t sl = sizeof(suffix) - 1;
    if (dir_end < sl + 2 || strncmp(bundle + dir_end - sl, suffix, sl) != 0)
        return 0;
    size_t drv_end = dir_end - sl, drv_start = drv_end;
    while (drv_start > 0 && bundle[drv_start - 1] != '/')
        drv_start--;
    if (drv_start == 0 || drv_start == drv_end)
        return 0;
    for (size_t i = drv_start; i < drv_end; i++) {
        char c = bundle[i];
        if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_'))
            return 0;
    }
    size_t root_len = drv_start - 1;
    cleanup_free char *root = strndup(bundle, root_len ? root_len : 1);
    cleanup_free char *driver = strndup(bundle + drv_start, drv_end - drv_start);
    cleanup_free char *id = strndup(bundle + id_end - 64, 64);
    if (!root || !driver || !id)
        return -ENOMEM;
    /* ".." would make the graph root something other than what it looks like. */
    if (strstr(root, "/../") || strstr(root, "/./") ||
        (strlen(root) >= 3 && strcmp(root + strlen(root) - 3, "/..") == 0))
        return 0;
    *ret_root = TAKE_PTR(root);
    *ret_driver = TAKE_PTR(driver);
    *ret_id = TAKE_PTR(id);
    return 1;
}

/* ---- records ----------------------------------------------------------------------- */

static int scan_error(const char *file, int r, const rw_trust_scan_result_t *res, rw_error_t **err)
{
    if (r == -EEXIST)
        return rw_error_set(err, EINVAL, "%s: damaged: %s", file, res->why);
    return rw_error_set(err, EINVAL, "%s: damaged: %s at byte %zu", file,
                        res->why ? res->why : "invalid JSON", res->err_off);
}

static json_t *parse_slice(const char *buf, size_t len, const char *file, rw_error_t **err)
{
    json_error_t je;
    json_t *o = json_loadb(buf, len, JSON_REJECT_DUPLICATES, &je);
    if (!o)
        rw_error_set(err, EINVAL, "%s: damaged element: %s", file, je.text);
    return o;
}

void rw_trust_container_rec_clear(rw_trust_container_rec_t *c)
{
    free(c->image_name);
    free(c->name);
    memset(c, 0, sizeof(*c));
}

static int container_fill(json_t *o, const char *file, const char *id,
                          rw_trust_container_rec_t *out, rw_error_t **err);

int rw_trust_containers_find(const char *buf, size_t len, const char *file, const char *id,
                             rw_trust_container_rec_t *out, rw_error_t **err)
{
    memset(out, 0, sizeof(*out));
    rw_trust_scan_result_t res;
    int r = rw_trust_scan_find_id(buf, len, id, &res);
    if (r < 0)
        return scan_error(file, r, &res, err);
    if (r == 0)
        return 0;
    cleanup_json json_t *o = parse_slice(buf + res.off, res.len, file, err);
    if (!o)
        return -EINVAL;
    r = container_fill(o, file, id, out, err);
    if (r < 0)
        rw_trust_container_rec_clear(out);
    return r;
}

static int container_fill(json_t *o, const char *file, const char *id,
                          rw_trust_container_rec_t *out, rw_error_t **err)
{
    snprintf(out->id, sizeof(out->id), "%s", id);
    json_t *img = json_object_get(o, "image");
    if (img && !json_is_null(img)) {
        if (!json_is_string(img) ||
            (json_string_length(img) &&
             !rw_trust_is_hex_id(json_string_value(img), json_string_length(img))))
            return rw_error_set(err, EINVAL,
                                "%s: container %.12s: \"image\" is not an image "
                                "ID",
                                file, id);
        snprintf(out->image, sizeof(out->image), "%s", json_string_value(img));
    }
    json_t *names = json_object_get(o, "names");
    if (json_is_array(names) && json_array_size(names) > 0 &&
        json_is_string(json_array_get(names, 0)))
        out->name = strndup(json_string_value(json_array_get(names, 0)), 256);
    json_t *md = json_object_get(o, "metadata");
    if (md && !json_is_null(md)) {
        if (!json_is_string(md))
            return rw_error_set(err, EINVAL,
                                "%s: container %.12s: \"metadata\" is not a "
                                "string",
                                file, id);
        if (json_string_length(md) > 0) {
            json_error_t je;
            cleanup_json json_t *m =
                json_loadb(json_string_value(md), json_string_length(md), 0, &je);
            if (!m || !json_is_object(m))
                return rw_error_set(err, EINVAL,
                                    "%s: container %.12s: \"metadata\" is not a "
                                    "JSON object",
                                    file, id);
            json_t *in = json_object_get(m, "image-name");
            if (in && !json_is_null(in)) {
                if (!json_is_string(in) || json_string_length(in) > MAX_NAME_LEN)
                    return rw_error_set(err, EINVAL,
                                        "%s: container %.12s: metadata "
                                        "\"image-name\" is not a string",
                                        file, id);
                if (json_string_length(in) && !(out->image_name = strdup(json_string_value(in))))
                    return -ENOMEM;
            }
        }
    }
    return 1;
}

void rw_trust_image_rec_clear(rw_trust_image_rec_t *r)
{
    free(r->digest);
    rw_strv_freep(&r->names);
    free(r->sig_sizes);
    for (size_t i = 0; i < r->n_by_digest; i++) {
        free(r->by_digest[i].digest);
        free(r->by_digest[i].sizes);
    }
    free(r->by_digest);
    rw_strv_freep(&r->big_data);
    memset(r, 0, sizeof(*r));
}

static int strv_of(json_t *a, const char *file, const char *what, const char *id, char ***ret,
                   rw_error_t **err)
{
    size_t n = json_is_array(a) ? json_array_size(a) : 0;
    if (a && !json_is_null(a) && !json_is_array(a))
        return rw_error_set(err, EINVAL, "%s: image %.12s: \"%s\" is not a list", file, id, what);
    if (n > MAX_NAMES)
        return rw_error_set(err, EINVAL, "%s: image %.12s: \"%s\" has too many entries", file, id,
                            what);
    cleanup_strv char **v = calloc(n + 1, sizeof(char *));
    if (!v)
        return -ENOMEM;
    for (size_t i = 0; i < n; i++) {
        json_t *s = json_array_get(a, i);
        if (!json_is_string(s) || json_string_length(s) > MAX_NAME_LEN)
            return rw_error_set(err, EINVAL, "%s: image %.12s: \"%s\"[%zu] is not a string", file,
                                id, what, i);
        if (!(v[i] = strdup(json_string_value(s))))
            return -ENOMEM;
    }
    *ret = TAKE_PTR(v);
    return 0;
}

static int sizes_of(json_t *a, const char *file, const char *id, size_t **ret, size_t *ret_n,
                    rw_error_t **err)
{
    if (!a || json_is_null(a))
        return 0;
    if (!json_is_array(a) || json_array_size(a) > MAX_SIZES)
        return rw_error_set(err, EINVAL,
                            "%s: image %.12s: signature sizes are not a list of "
                            "sizes",
                            file, id);
    size_t n = json_array_size(a);
    cleanup_free size_t *v = calloc(n ? n : 1, sizeof(size_t));
    if (!v)
        return -ENOMEM;
    for (size_t i = 0; i < n; i++) {
        json_t *x = json_array_get(a, i);
        if (!json_is_integer(x) || json_integer_value(x) < 0 ||
            json_integer_value(x) > (json_int_t)RW_TRUST_SIGNATURES_MAX)
            return rw_error_set(err, EINVAL,
                                "%s: image %.12s: signature size %zu is not a "
                                "size",
                                file, id, i);
        v[i] = (size_t)json_integer_value(x);
    }
    *ret = TAKE_PTR(v);
    *ret_n = n;
    return 0;
}

int rw_trust_image_rec_parse(json_t *o, const char *file, rw_trust_image_rec_t *out,
                             rw_error_t **err)
{
    memset(out, 0, sizeof(*out));
    int r = 0;
    if (!json_is_object(o))
        return rw_error_set(err, EINVAL, "%s: an image is not a JSON object", file);
    json_t *id = json_object_get(o, "id");
    if (!json_is_string(id) || !rw_trust_is_hex_id(json_string_value(id), json_string_length(id)))
        return rw_error_set(err, EINVAL, "%s: an image has no valid \"id\"", file);
    snprintf(out->id, sizeof(out->id), "%s", json_string_value(id));
    json_t *dg = json_object_get(o, "digest");
    if (dg && !json_is_null(dg)) {
        if (!json_is_string(dg) || json_string_length(dg) > 256)
            r = rw_error_set(err, EINVAL, "%s: image %.12s: \"digest\" is not a digest", file,
                             out->id);
        else if (json_string_length(dg) && !(out->digest = strdup(json_string_value(dg))))
            r = -ENOMEM;
    }
    if (r >= 0)
        r = strv_of(json_object_get(o, "names"), file, "names", out->id, &out->names, err);
    if (r >= 0)
        r = strv_of(json_object_get(o, "big-data-names"), file, "big-data-names", out->id,
                    &out->big_data, err);
    json_t *md = json_object_get(o, "metadata");
    if (r >= 0 && md && !json_is_null(md)) {
        if (!json_is_string(md)) {
            r = rw_error_set(err, EINVAL, "%s: image %.12s: \"metadata\" is not a string", file,
                             out->id);
        } else if (json_string_length(md) > 0) {
            json_error_t je;
            cleanup_json json_t *m =
                json_loadb(json_string_value(md), json_string_length(md), 0, &je);
            if (!m || !json_is_object(m)) {
                r = rw_error_set(err, EINVAL,
                                 "%s: image %.12s: \"metadata\" is not a JSON "
                                 "object",
                                 file, out->id);
            } else {
                r = sizes_of(json_object_get(m, "signature-sizes"), file, out->id, &out->sig_sizes,
                             &out->n_sig_sizes, err);
                json_t *by = json_object_get(m, "signatures-sizes");
                if (r >= 0 && by && !json_is_null(by)) {
                    if (!json_is_object(by) || json_object_size(by) > MAX_SIZES) {
                        r = rw_error_set(err, EINVAL,
                                         "%s: image %.12s: \"signatures-sizes\" "
                                         "is not an object",
                                         file, out->id);
                    } else {
                        out->by_digest = calloc(json_object_size(by) + 1, sizeof(*out->by_digest));
                        if (!out->by_digest)
                            r = -ENOMEM;
                        const char *k;
                        json_t *v;
                        json_object_foreach(by, k, v)
                        {
                            if (r < 0)
                                break;
                            rw_trust_sigsizes_t *s = &out->by_digest[out->n_by_digest++];
                            if (!(s->digest = strdup(k)))
                                r = -ENOMEM;
                            else
                                r = sizes_of(v, file, out->id, &s->sizes, &s->n, err);
                            if (r >= 0 && !s->sizes && !(s->sizes = calloc(1, sizeof(size_t))))
                                r = -ENOMEM;
                        }
                    }
                }
            }
        }
    }
    if (r < 0)
        rw_trust_image_rec_clear(out);
    return r;
}

json_t *rw_trust_image_rec_to_json(const rw_trust_image_rec_t *r)
{
    json_t *o = json_object(), *names = json_array(), *bd = json_array(), *m = json_object();
    json_t *ss = json_array(), *by = json_object();
    if (!o || !names || !bd || !m || !ss || !by)
        goto fail;
    for (char **n = r->names; n && *n; n++)
        json_array_append_new(names, json_string(*n));
    for (char **n = r->big_data; n && *n; n++)
        json_array_append_new(bd, json_string(*n));
    for (size_t i = 0; i < r->n_sig_sizes; i++)
        json_array_append_new(ss, json_integer((json_int_t)r->sig_sizes[i]));
    for (size_t i = 0; i < r->n_by_digest; i++) {
        json_t *a = json_array();
        for (size_t j = 0; a && j < r->by_digest[i].n; j++)
            json_array_append_new(a, json_integer((json_int_t)r->by_digest[i].sizes[j]));
        json_object_set_new(by, r->by_digest[i].digest, a);
    }
    if (r->sig_sizes)
        json_object_set_new(m, "signature-sizes", ss);
    else
        json_decref(ss);
    json_object_set_new(m, "signatures-sizes", by);
    char *mds = json_dumps(m, JSON_COMPACT | JSON_SORT_KEYS);
    json_decref(m);
    if (!mds) {
        json_decref(o);
        json_decref(names);
        json_decref(bd);
        return NULL;
    }
    json_object_set_new(o, "id", json_string(r->id));
    if (r->digest)
        json_object_set_new(o, "digest", json_string(r->digest));
    json_object_set_new(o, "names", names);
    json_object_set_new(o, "metadata", json_string(mds));
    json_object_set_new(o, "big-data-names", bd);
    free(mds);
    return o;
fail:
    json_decref(o);
    json_decref(names);
    json_decref(bd);
    json_decref(m);
    json_decref(ss);
    json_decref(by);
    return NULL;
}

int rw_trust_images_find(const char *buf, size_t len, const char *file, const char *id,
                         rw_trust_image_rec_t *out, rw_error_t **err)
{
    memset(out, 0, sizeof(*out));
    rw_trust_scan_result_t res;
    int r = rw_trust_scan_find_id(buf, len, id, &res);
    if (r < 0)
        return scan_error(file, r, &res, err);
    if (r == 0)
        return 0;
    cleanup_json json_t *o = parse_slice(buf + res.off, res.len, file, err);
    if (!o)
        return -EINVAL;
    r = rw_trust_image_rec_parse(o, file, out, err);
    return r < 0 ? r : 1;
}

typedef struct name_search {
    const char *name;
    const char *file;
    rw_trust_image_rec_t *out;
    rw_error_t **err;
    int found;
} name_search_t;

static int name_cb(const char *obj, size_t len, void *ud)
{
    name_search_t *ns = ud;
    /* Cheap filter first: most images do not mention the name at all. */
    if (!memmem(obj, len, ns->name, strlen(ns->name)) && !memchr(obj, '\\', len))
        return 0;
    cleanup_json json_t *o = parse_slice(obj, len, ns->file, ns->err);
    if (!o)
        return -EINVAL;
    json_t *names = json_object_get(o, "names");
    size_t i;
    json_t *v;
    bool hit = false;
    json_array_foreach(names, i, v)
    {
        if (json_is_string(v) && strcmp(json_string_value(v), ns->name) == 0)
            hit = true;
    }
    if (!hit)
        return 0;
    if (ns->found)
        return rw_error_set(ns->err, EINVAL, "%s: damaged: two images carry the name %s", ns->file,
                            ns->name);
    int r = rw_trust_image_rec_parse(o, ns->file, ns->out, ns->err);
    if (r < 0)
        return r;
    ns->found = 1;
    return 0;
}

int rw_trust_images_find_name(const char *buf, size_t len, const char *file, const char *name,
                              rw_trust_image_rec_t *out, rw_error_t **err)
{
    memset(out, 0, sizeof(*out));
    name_search_t ns = {name, file, out, err, 0};
    rw_trust_scan_result_t res;
    int r = rw_trust_scan_each(buf, len, name_cb, &ns, &res);
    if (r == -EINVAL && res.why)
        return scan_error(file, r, &res, err);
    if (r < 0) {
        if (ns.found)
            rw_trust_image_rec_clear(out);
        return r;
    }
    return ns.found;
}

bool rw_trust_image_rec_has_big_data(const rw_trust_image_rec_t *r, const char *key)
{
    for (char **b = r->big_data; b && *b; b++)
        if (strcmp(*b, key) == 0)
            return true;
    return false;
}

bool rw_trust_image_rec_sig_sizes(const rw_trust_image_rec_t *r, const char *digest,
                                  const size_t **ret_sizes, size_t *ret_n)
{
    if (!digest) {
        *ret_sizes = r->sig_sizes;
        *ret_n = r->n_sig_sizes;
        return r->n_sig_sizes > 0;
    }
    for (size_t i = 0; i < r->n_by_digest; i++)
        if (strcmp(r->by_digest[i].digest, digest) == 0) {
            *ret_sizes = r->by_digest[i].sizes;
            *ret_n = r->by_digest[i].n;
            return r->by_digest[i].n > 0;
        }
    return false;
}

char *rw_trust_bigdata_filename(const char *key)
{
    bool plain = *key != '\0';
    for (const char *p = key; *p; p++)
        if (!(*p == '.' || (*p >= '0' && *p <= '9') || (*p >= 'a' && *p <= 'z')))
            plain = false;
    if (plain && strcmp(key, ".") != 0 && strcmp(key, "..") != 0)
        return strdup(key);
    cleanup_free char *b = rw_trust_b64_encode(key, strlen(key));
    char *out = NULL;
    if (!b || asprintf(&out, "=%s", b) < 0)
        return NULL;
    return out;
}

int rw_trust_split_signatures(size_t blob_len, const size_t *sizes, size_t n, size_t **ret_offsets,
                              const char **why)
{
    if (n > RW_TRUST_MAX_SIGNATURES) {
        *why = "too many signatures";
        return -EINVAL;
    }
    cleanup_free size_t *off = calloc(n + 1, sizeof(size_t));
    if (!off)
        return -ENOMEM;
    size_t o = 0;
    for (size_t i = 0; i < n; i++) {
        if (sizes[i] > blob_len - o) {
            *why = "the signatures data is shorter than the sizes in the image metadata";
            return -EINVAL;
        }
        off[i] = o;
        o += sizes[i];
    }
    if (o != blob_len) {
        *why = "the signatures data has bytes the image metadata does not account for";
        return -EINVAL;
    }
    *ret_offsets = TAKE_PTR(off);
    return (int)n;
}
