/* Strict policy.json reader. Mirrors containers/image's paranoid decoding: one error
 * anywhere rejects the whole file, because a policy that half-loads is a policy nobody
 * wrote. Messages name the file and the JSON path of the offending value. */
#include "policy_json.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../common/cleanup.h"
#include "../common/fileio.h"
#include "../common/json.h"
#include "docker_ref.h"
#include "trust_base64.h"

#define MAX_REQS 256
#define MAX_KEYS 256

typedef struct pctx {
    const char *file;
    rw_error_t **err;
} pctx_t;

static int perr(pctx_t *c, const char *where, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static int perr(pctx_t *c, const char *where, const char *fmt, ...)
{
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    return rw_error_set(c->err, EINVAL, "%s: %s: %s", c->file, where, msg);
}

const char *rw_trust_pr_kind_name(rw_trust_pr_kind_t k)
{
    switch (k) {
    case RW_TRUST_PR_INSECURE_ACCEPT_ANYTHING:
        return "insecureAcceptAnything";
    case RW_TRUST_PR_REJECT:
        return "reject";
    case RW_TRUST_PR_SIGNED_BY:
        return "signedBy";
    case RW_TRUST_PR_SIGNED_BASE_LAYER:
        return "signedBaseLayer";
    case RW_TRUST_PR_SIGSTORE_SIGNED:
        return "sigstoreSigned";
    default:
        return "?";
    }
}

const char *rw_trust_prm_kind_name(rw_trust_prm_kind_t k)
{
    switch (k) {
    case RW_TRUST_PRM_MATCH_EXACT:
        return "matchExact";
    case RW_TRUST_PRM_MATCH_REPO_DIGEST_OR_EXACT:
        return "matchRepoDigestOrExact";
    case RW_TRUST_PRM_MATCH_REPOSITORY:
        return "matchRepository";
    case RW_TRUST_PRM_EXACT_REFERENCE:
        return "exactReference";
    case RW_TRUST_PRM_EXACT_REPOSITORY:
        return "exactRepository";
    case RW_TRUST_PRM_REMAP_IDENTITY:
        return "remapIdentity";
    default:
        return "?";
    }
}

/* Keys of obj must be in allowed; keys in required must be present (ExactFields). */
static int check_fields(pctx_t *c, json_t *obj, const char *where, const char *const *allowed,
                        const char *const *required)
{
    if (!json_is_object(obj))
        return perr(c, where, "must be a JSON object");
    const char *k;
    json_t *v;
    json_object_foreach(obj, k, v)
    {
        bool ok = false;
        for (const char *const *a = allowed; *a && !ok; a++)
            ok = strcmp(*a, k) == 0;
        if (!ok)
            return perr(c, where, "unknown key \"%s\"", k);
    }
    for (const char *const *r = required; r && *r; r++)
        if (!json_object_get(obj, *r))
            return perr(c, where, "key \"%s\" is missing", *r);
    return 0;
}

static int get_str(pctx_t *c, json_t *obj, const char *key, const char *where, const char **out)
{
    json_t *v = json_object_get(obj, key);
    if (!v)
        return 0;
    if (!json_is_string(v))
        return perr(c, where, "\"%s\" must be a string", key);
    *out = json_string_value(v);
    return 1;
}

static void prm_clear(rw_trust_prm_t *m)
{
    free(m->value);
    free(m->signed_prefix);
    memset(m, 0, sizeof(*m));
}

static int parse_prm(pctx_t *c, json_t *o, const char *where, rw_trust_prm_t *out)
{
    const char *type = NULL;
    if (!json_is_object(o))
        return perr(c, where, "must be a JSON object");
    int r = get_str(c, o, "type", where, &type);
    if (r < 0)
        return r;
    if (!type)
        return perr(c, where, "\"type\" is missing");
    static const char *const only_type[] = {"type", NULL};
    static const struct {
        const char *name;
        rw_trust_prm_kind_t kind;
    } simple[] = {
        {"matchExact", RW_TRUST_PRM_MATCH_EXACT},
        {"matchRepoDigestOrExact", RW_TRUST_PRM_MATCH_REPO_DIGEST_OR_EXACT},
        {"matchRepository", RW_TRUST_PRM_MATCH_REPOSITORY},
    };
    for (size_t i = 0; i < RW_ARRAY_SIZE(simple); i++)
        if (strcmp(type, simple[i].name) == 0) {
            if ((r = check_fields(c, o, where, only_type, only_type)) < 0)
                return r;
            out->kind = simple[i].kind;
            return 0;
        }
    rw_trust_ref_t ref = {0};
    const char *why = NULL;
    if (strcmp(type, "exactReference") == 0) {
        static const char *const k[] = {"type", "dockerReference", NULL};
        const char *v = NULL;
        if ((r = check_fields(c, o, where, k, k)) < 0 ||
            (r = get_str(c, o, "dockerReference", where, &v)) < 0)
            return r;
        if (rw_trust_ref_parse_normalized(v, &ref, &why) < 0)
            return perr(c, where, "dockerReference \"%s\" is invalid: %s", v, why);
        bool name_only = rw_trust_ref_name_only(&ref);
        rw_trust_ref_clear(&ref);
        if (name_only)
            return perr(c, where, "dockerReference \"%s\" has neither a tag nor a digest", v);
        out->kind = RW_TRUST_PRM_EXACT_REFERENCE;
        return (out->value = strdup(v)) ? 0 : -ENOMEM;
    }
    if (strcmp(type, "exactRepository") == 0) {
        static const char *const k[] = {"type", "dockerRepository", NULL};
        const char *v = NULL;
        if ((r = check_fields(c, o, where, k, k)) < 0 ||
            (r = get_str(c, o, "dockerRepository", where, &v)) < 0)
            return r;
        if (rw_trust_ref_parse_normalized(v, &ref, &why) < 0)
            return perr(c, where, "dockerRepository \"%s\" is invalid: %s", v, why);
        rw_trust_ref_clear(&ref);
        out->kind = RW_TRUST_PRM_EXACT_REPOSITORY;
        return (out->value = strdup(v)) ? 0 : -ENOMEM;
    }
    if (strcmp(type, "remapIdentity") == 0) {
        static const char *const k[] = {"type", "prefix", "signedPrefix", NULL};
        const char *p = NULL, *sp = NULL;
        if ((r = check_fields(c, o, where, k, k)) < 0 ||
            (r = get_str(c, o, "prefix", where, &p)) < 0 ||
            (r = get_str(c, o, "signedPrefix", where, &sp)) < 0)
            return r;
        if (!rw_trust_remap_prefix_valid(p))
            return perr(c, where,
                        "prefix \"%s\" is not valid (a host[:port] or a repository "
                        "name that starts with one)",
                        p);
        if (!rw_trust_remap_prefix_valid(sp))
            return perr(c, where,
                        "signedPrefix \"%s\" is not valid (a host[:port] or a "
                        "repository name that starts with one)",
                        sp);
        out->kind = RW_TRUST_PRM_REMAP_IDENTITY;
        out->value = strdup(p);
        out->signed_prefix = strdup(sp);
        return out->value && out->signed_prefix ? 0 : -ENOMEM;
    }
    return perr(c, where, "unknown signedIdentity type \"%s\"", type);
}

static int add_key(rw_trust_req_t *q, const char *path, const uint8_t *data, size_t len)
{
    if (q->n_keys >= MAX_KEYS)
        return -E2BIG;
    rw_trust_keysrc_t *n = realloc(q->keys, (q->n_keys + 1) * sizeof(*n));
    if (!n)
        return -ENOMEM;
    q->keys = n;
    rw_trust_keysrc_t *k = &n[q->n_keys];
    memset(k, 0, sizeof(*k));
    if (path && !(k->path = strdup(path)))
        return -ENOMEM;
    if (!path) {
        k->data = malloc(len + 1);
        if (!k->data)
            return -ENOMEM;
        if (len)
            memcpy(k->data, data, len);
        k->len = len;
    }
    q->n_keys++;
    return 0;
}

static int add_key_b64(pctx_t *c, rw_trust_req_t *q, json_t *v, const char *where, const char *key)
{
    if (!json_is_string(v))
        return perr(c, where, "\"%s\" must be a base64 string", key);
    cleanup_free uint8_t *d = NULL;
    size_t n = 0;
    int r = rw_trust_b64_decode(json_string_value(v), json_string_length(v), true, &d, &n);
    if (r == -ENOMEM)
        return r;
    if (r < 0)
        return perr(c, where, "\"%s\" is not valid base64", key);
    r = add_key(q, NULL, d, n);
    return r == -E2BIG ? perr(c, where, "too many keys") : r;
}

static int add_key_path(pctx_t *c, rw_trust_req_t *q, json_t *v, const char *where, const char *key)
{
    if (!json_is_string(v))
        return perr(c, where, "\"%s\" must be a string", key);
    int r = add_key(q, json_string_value(v), NULL, 0);
    return r == -E2BIG ? perr(c, where, "too many keys") : r;
}

/* The signedIdentity member, defaulting to matchRepoDigestOrExact. */
static int parse_signed_identity(pctx_t *c, json_t *o, const char *where, rw_trust_req_t *q)
{
    json_t *si = json_object_get(o, "signedIdentity");
    q->identity.kind = RW_TRUST_PRM_MATCH_REPO_DIGEST_OR_EXACT;
    if (!si)
        return 0;
    char w[300];
    snprintf(w, sizeof(w), "%.250s.signedIdentity", where);
    return parse_prm(c, si, w, &q->identity);
}

static int parse_signed_by(pctx_t *c, json_t *o, const char *where, rw_trust_req_t *q)
{
    static const char *const k[] = {"type",    "keyType",        "keyPath", "keyPaths",
                                    "keyData", "signedIdentity", NULL};
    int r = check_fields(c, o, where, k, NULL);
    if (r < 0)
        return r;
    const char *kt = NULL;
    if ((r = get_str(c, o, "keyType", where, &kt)) < 0)
        return r;
    if (!kt)
        return perr(c, where, "\"keyType\" is missing (use \"GPGKeys\")");
    if (strcmp(kt, "GPGKeys") && strcmp(kt, "signedByGPGKeys") && strcmp(kt, "X509Certificates") &&
        strcmp(kt, "signedByX509CAs"))
        return perr(c, where, "unrecognized keyType \"%s\"", kt);
    if (!(q->key_type = strdup(kt)))
        return -ENOMEM;
    if ((r = parse_signed_identity(c, o, where, q)) < 0)
        return r;
    json_t *kp = json_object_get(o, "keyPath"), *kps = json_object_get(o, "keyPaths"),
           *kd = json_object_get(o, "keyData");
    int present = !!kp + !!kps + !!kd;
    if (present == 0)
        return perr(c, where,
                    "exactly one of keyPath, keyPaths and keyData must be "
                    "specified, none is");
    if (present > 1)
        return perr(c, where,
                    "exactly one of keyPath, keyPaths and keyData must be "
                    "specified, more than one is");
    if (kp) {
        q->key_field = "keyPath";
        if (json_is_string(kp) && json_string_length(kp) == 0)
            return perr(c, where, "\"keyPath\" is empty");
        return add_key_path(c, q, kp, where, "keyPath");
    }
    if (kps) {
        q->key_field = "keyPaths";
        if (!json_is_array(kps))
            return perr(c, where, "\"keyPaths\" must be a list of strings");
        size_t i;
        json_t *v;
        json_array_foreach(kps, i, v)
        {
            if ((r = add_key_path(c, q, v, where, "keyPaths")) < 0)
                return r;
        }
        return 0;
    }
    q->key_field = "keyData";
    return add_key_b64(c, q, kd, where, "keyData");
}

static int parse_sigstore(pctx_t *c, json_t *o, const char *where, rw_trust_req_t *q)
{
    static const char *const k[] = {"type",
                                    "keyPath",
                                    "keyPaths",
                                    "keyData",
                                    "keyDatas",
                                    "fulcio",
                                    "rekorPublicKeyPath",
                                    "rekorPublicKeyPaths",
                                    "rekorPublicKeyData",
                                    "rekorPublicKeyDatas",
                                    "pki",
                                    "signedIdentity",
                                    NULL};
    int r = check_fields(c, o, where, k, NULL);
    if (r < 0)
        return r;
    if ((r = parse_signed_identity(c, o, where, q)) < 0)
        return r;
    json_t *kp = json_object_get(o, "keyPath"), *kps = json_object_get(o, "keyPaths"),
           *kd = json_object_get(o, "keyData"), *kds = json_object_get(o, "keyDatas"),
           *fulcio = json_object_get(o, "fulcio"), *pki = json_object_get(o, "pki");
    int sources = 0;
    if (kp) {
        if (!json_is_string(kp))
            return perr(c, where, "\"keyPath\" must be a string");
        sources += json_string_length(kp) > 0;
    }
    if (kps) {
        if (!json_is_array(kps) || json_array_size(kps) == 0)
            return perr(c, where, "\"keyPaths\" must be a non-empty list of strings");
        sources++;
    }
    if (kd) {
        if (!json_is_string(kd))
            return perr(c, where, "\"keyData\" must be a base64 string");
        sources++;
    }
    if (kds) {
        if (!json_is_array(kds) || json_array_size(kds) == 0)
            return perr(c, where, "\"keyDatas\" must be a non-empty list of base64 strings");
        sources++;
    }
    if (fulcio) {
        static const char *const fk[] = {"caPath", "caData", "oidcIssuer", "subjectEmail", NULL};
        char w[300];
        snprintf(w, sizeof(w), "%.250s.fulcio", where);
        if ((r = check_fields(c, fulcio, w, fk, NULL)) < 0)
            return r;
        const char *s = NULL;
        for (const char *const *f = fk; *f; f++)
            if ((r = get_str(c, fulcio, *f, w, &s)) < 0)
                return r;
        bool cap = json_object_get(fulcio, "caPath") &&
                   json_string_length(json_object_get(fulcio, "caPath")) > 0;
        bool cad = json_object_get(fulcio, "caData") != NULL;
        if (cap && cad)
            return perr(c, w, "caPath and caData cannot be used simultaneously");
        if (!cap && !cad)
            return perr(c, w, "one of caPath and caData must be specified");
        if (!json_object_get(fulcio, "oidcIssuer") ||
            !json_string_length(json_object_get(fulcio, "oidcIssuer")))
            return perr(c, w, "oidcIssuer not specified");
        if (!json_object_get(fulcio, "subjectEmail") ||
            !json_string_length(json_object_get(fulcio, "subjectEmail")))
            return perr(c, w, "subjectEmail not specified");
        q->fulcio = true;
        sources++;
    }
    if (pki) {
        static const char *const pk[] = {"caRootsPath",
                                         "caRootsData",
                                         "caIntermediatesPath",
                                         "caIntermediatesData",
                                         "subjectEmail",
                                         "subjectHostname",
                                         NULL};
        char w[300];
        snprintf(w, sizeof(w), "%.250s.pki", where);
        if ((r = check_fields(c, pki, w, pk, NULL)) < 0)
            return r;
        const char *s = NULL;
        for (const char *const *f = pk; *f; f++)
            if ((r = get_str(c, pki, *f, w, &s)) < 0)
                return r;
        bool rp = json_object_get(pki, "caRootsPath") &&
                  json_string_length(json_object_get(pki, "caRootsPath")) > 0;
        bool rd = json_object_get(pki, "caRootsData") != NULL;
        bool ip = json_object_get(pki, "caIntermediatesPath") &&
                  json_string_length(json_object_get(pki, "caIntermediatesPath")) > 0;
        bool id = json_object_get(pki, "caIntermediatesData") != NULL;
        if (rp && rd)
            return perr(c, w, "caRootsPath and caRootsData cannot be used simultaneously");
        if (!rp && !rd)
            return perr(c, w, "one of caRootsPath and caRootsData must be specified");
        if (ip && id)
            return perr(c, w,
                        "caIntermediatesPath and caIntermediatesData cannot be used "
                        "simultaneously");
        json_t *se = json_object_get(pki, "subjectEmail"),
               *sh = json_object_get(pki, "subjectHostname");
        if (!(se && json_string_length(se)) && !(sh && json_string_length(sh)))
            return perr(c, w, "one of subjectEmail and subjectHostname must be specified");
        q->pki = true;
        sources++;
    }
    if (sources != 1)
        return perr(c, where,
                    "exactly one of keyPath, keyPaths, keyData, keyDatas, fulcio "
                    "and pki must be specified");
    static const char *const rk[] = {"rekorPublicKeyPath", "rekorPublicKeyPaths",
                                     "rekorPublicKeyData", "rekorPublicKeyDatas"};
    int rekor = 0;
    for (size_t i = 0; i < RW_ARRAY_SIZE(rk); i++) {
        json_t *v = json_object_get(o, rk[i]);
        if (!v)
            continue;
        bool list = strchr(rk[i] + 14, 's') != NULL; /* ...Paths, ...Datas */
        if (list ? !json_is_array(v) || json_array_size(v) == 0 : !json_is_string(v))
            return perr(c, where, "\"%s\" must be %s", rk[i],
                        list ? "a non-empty list of strings" : "a string");
        if (list) {
            size_t j;
            json_t *e;
            json_array_foreach(v, j, e)
            {
                if (!json_is_string(e))
                    return perr(c, where, "\"%s\"[%zu] must be a string", rk[i], j);
            }
        }
        if (list || strcmp(rk[i], "rekorPublicKeyData") == 0 || json_string_length(v) > 0)
            rekor++;
    }
    if (rekor > 1)
        return perr(c, where,
                    "at most one of rekorPublicKeyPath, rekorPublicKeyPaths, "
                    "rekorPublicKeyData and rekorPublicKeyDatas can be used");
    if (q->fulcio && rekor == 0)
        return perr(c, where,
                    "fulcio requires one of rekorPublicKeyPath, rekorPublicKeyPaths, "
                    "rekorPublicKeyData and rekorPublicKeyDatas");
    if (q->pki && rekor > 0)
        return perr(c, where, "rekor public keys are not supported with pki");
    q->rekor = rekor > 0;

    size_t i;
    json_t *v;
    if (kp && json_string_length(kp) > 0) {
        q->key_field = "keyPath";
        return add_key_path(c, q, kp, where, "keyPath");
    }
    if (kps) {
        q->key_field = "keyPaths";
        json_array_foreach(kps, i, v)
        {
            if ((r = add_key_path(c, q, v, where, "keyPaths")) < 0)
                return r;
        }
        return 0;
    }
    if (kd) {
        q->key_field = "keyData";
        return add_key_b64(c, q, kd, where, "keyData");
    }
    if (kds) {
        q->key_field = "keyDatas";
        json_array_foreach(kds, i, v)
        {
            if ((r = add_key_b64(c, q, v, where, "keyDatas")) < 0)
                return r;
        }
        return 0;
    }
    q->key_field = q->fulcio ? "fulcio" : "pki";
    return 0;
}

static int parse_req(pctx_t *c, json_t *o, const char *where, rw_trust_req_t *q)
{
    if (!(q->where = strdup(where)))
        return -ENOMEM;
    if (!json_is_object(o))
        return perr(c, where, "a requirement must be a JSON object");
    const char *type = NULL;
    int r = get_str(c, o, "type", where, &type);
    if (r < 0)
        return r;
    if (!type)
        return perr(c, where, "\"type\" is missing");
    static const char *const only_type[] = {"type", NULL};
    if (strcmp(type, "insecureAcceptAnything") == 0) {
        q->kind = RW_TRUST_PR_INSECURE_ACCEPT_ANYTHING;
        return check_fields(c, o, where, only_type, only_type);
    }
    if (strcmp(type, "reject") == 0) {
        q->kind = RW_TRUST_PR_REJECT;
        return check_fields(c, o, where, only_type, only_type);
    }
    if (strcmp(type, "signedBy") == 0) {
        q->kind = RW_TRUST_PR_SIGNED_BY;
        return parse_signed_by(c, o, where, q);
    }
    if (strcmp(type, "sigstoreSigned") == 0) {
        q->kind = RW_TRUST_PR_SIGSTORE_SIGNED;
        return parse_sigstore(c, o, where, q);
    }
    if (strcmp(type, "signedBaseLayer") == 0) {
        static const char *const k[] = {"type", "baseLayerIdentity", NULL};
        q->kind = RW_TRUST_PR_SIGNED_BASE_LAYER;
        if ((r = check_fields(c, o, where, k, k)) < 0)
            return r;
        char w[300];
        snprintf(w, sizeof(w), "%.250s.baseLayerIdentity", where);
        return parse_prm(c, json_object_get(o, "baseLayerIdentity"), w, &q->identity);
    }
    return perr(c, where, "unknown policy requirement type \"%s\"", type);
}

static void reqs_clear(rw_trust_reqs_t *rs)
{
    for (size_t i = 0; i < rs->n; i++) {
        rw_trust_req_t *q = &rs->items[i];
        free(q->key_type);
        for (size_t k = 0; k < q->n_keys; k++) {
            free(q->keys[k].path);
            free(q->keys[k].data);
        }
        free(q->keys);
        prm_clear(&q->identity);
        free(q->where);
    }
    free(rs->items);
    memset(rs, 0, sizeof(*rs));
}

static int parse_reqs(pctx_t *c, json_t *a, const char *where, rw_trust_reqs_t *out)
{
    if (!a || json_is_null(a) || (json_is_array(a) && json_array_size(a) == 0))
        return perr(c, where, "the list of requirements must not be empty");
    if (!json_is_array(a))
        return perr(c, where, "must be a list of requirements");
    size_t n = json_array_size(a);
    if (n > MAX_REQS)
        return perr(c, where, "more than %d requirements", MAX_REQS);
    out->items = calloc(n, sizeof(*out->items));
    if (!out->items)
        return -ENOMEM;
    for (size_t i = 0; i < n; i++) {
        char w[300];
        snprintf(w, sizeof(w), "%.250s[%zu]", where, i);
        out->n = i + 1;
        int r = parse_req(c, json_array_get(a, i), w, &out->items[i]);
        if (r < 0)
            return r;
    }
    return 0;
}

static bool is_clean_abs_path(const char *s)
{
    if (s[0] != '/' || strcmp(s, "/") == 0)
        return false;
    /* filepath.Clean(s) == s: no "//", no "." or ".." component, no trailing '/'. */
    size_t n = strlen(s);
    if (s[n - 1] == '/')
        return false;
    for (const char *p = s; *p;) {
        while (*p == '/')
            p++;
        const char *e = strchr(p, '/');
        size_t len = e ? (size_t)(e - p) : strlen(p);
        if (len == 0 || (len == 1 && p[0] == '.') || (len == 2 && p[0] == '.' && p[1] == '.'))
            return false;
        if (e && e[1] == '/')
            return false;
        p += len;
    }
    return true;
}

static bool storage_id_or_digest(const char *s, size_t n, bool allow_id, bool allow_digest)
{
    cleanup_free char *t = strndup(s, n);
    if (!t)
        return false;
    if (allow_id && rw_trust_is_hex_id(t, n))
        return true;
    return allow_digest && rw_trust_digest_valid(t);
}

static const char *storage_scope_invalid(const char *scope)
{
    if (scope[0] != '[')
        return "must start with [driver@/graphroot] or [/graphroot]";
    const char *close = strchr(scope, ']');
    if (!close || close == scope + 1)
        return "the store specification [...] is not closed or empty";
    size_t speclen = (size_t)(close - scope - 1);
    const char *spec = scope + 1;
    const char *at = memchr(spec, '@', speclen);
    if (!at) {
        if (spec[0] != '/')
            return "the graph root must be an absolute path";
    } else {
        if (at == spec || at + 1 == close)
            return "the store specification must be driver@/graphroot";
        if (at[1] != '/')
            return "the graph root must be an absolute path";
    }
    const char *rest = close + 1;
    if (!*rest)
        return NULL;
    const char *a1 = strchr(rest, '@');
    if (!a1)
        return NULL;
    const char *a2 = strchr(a1 + 1, '@');
    if (!a2) {
        size_t n = strlen(a1 + 1);
        return storage_id_or_digest(a1 + 1, n, true, true) ? NULL
                                                           : "neither a valid digest nor an ID";
    }
    if (!storage_id_or_digest(a1 + 1, (size_t)(a2 - a1 - 1), false, true))
        return "invalid digest";
    /* SplitN(..., 3): the third field is everything after the second '@'. */
    return storage_id_or_digest(a2 + 1, strlen(a2 + 1), true, false) ? NULL : "invalid ID";
}

/* openshift ("atomic"): ^[^/]*(/[^:/]*(/[^:/]*(:[^:/]*)?)?)?$ */
static bool atomic_scope_valid(const char *s)
{
    const char *p = s + strcspn(s, "/");
    if (!*p)
        return true;
    p++;
    p += strcspn(p, ":/");
    if (!*p)
        return true;
    if (*p != '/')
        return false;
    p++;
    p += strcspn(p, ":/");
    if (!*p)
        return true;
    if (*p != ':')
        return false;
    p++;
    p += strcspn(p, ":/");
    return *p == '\0';
}

const char *rw_trust_scope_invalid(const char *transport, const char *scope)
{
    if (!*scope)
        return NULL;
    if (strcmp(transport, "docker") == 0)
        return NULL;
    if (strcmp(transport, "atomic") == 0)
        return atomic_scope_valid(scope) ? NULL : "not a valid atomic scope";
    if (strcmp(transport, "docker-daemon") == 0)
        return rw_trust_digest_valid(scope) ? "an algo:digest value cannot be a namespace" : NULL;
    if (strcmp(transport, "docker-archive") == 0 || strcmp(transport, "tarball") == 0)
        return "this transport supports only the default \"\" scope";
    if (strcmp(transport, "dir") == 0 || strcmp(transport, "sif") == 0 ||
        strcmp(transport, "oci") == 0 || strcmp(transport, "oci-archive") == 0)
        return is_clean_abs_path(scope)
                   ? NULL
                   : "must be a clean absolute path other than / (use \"\" for the default)";
    if (strcmp(transport, "containers-storage") == 0)
        return storage_scope_invalid(scope);
    return NULL; /* unknown transports are accepted, as upstream does */
}

static int parse_transports(pctx_t *c, json_t *t, rw_trust_policy_t *p)
{
    if (!json_is_object(t))
        return perr(c, "transports", "must be a JSON object");
    size_t n = json_object_size(t);
    p->transports = calloc(n ? n : 1, sizeof(*p->transports));
    if (!p->transports)
        return -ENOMEM;
    const char *tname;
    json_t *scopes;
    json_object_foreach(t, tname, scopes)
    {
        rw_trust_transport_t *tr = &p->transports[p->n_transports++];
        if (!(tr->name = strdup(tname)))
            return -ENOMEM;
        char w[400];
        snprintf(w, sizeof(w), "transports.%s", tname);
        if (!json_is_object(scopes))
            return perr(c, w, "must be a JSON object of scopes");
        size_t ns = json_object_size(scopes);
        tr->scopes = calloc(ns ? ns : 1, sizeof(*tr->scopes));
        if (!tr->scopes)
            return -ENOMEM;
        const char *sname;
        json_t *reqs;
        json_object_foreach(scopes, sname, reqs)
        {
            rw_trust_scope_t *sc = &tr->scopes[tr->n_scopes++];
            if (!(sc->name = strdup(sname)))
                return -ENOMEM;
            snprintf(w, sizeof(w), "transports.%s[\"%s\"]", tname, sname);
            const char *bad = rw_trust_scope_invalid(tname, sname);
            if (bad)
                return perr(c, w, "invalid scope: %s", bad);
            int r = parse_reqs(c, reqs, w, &sc->reqs);
            if (r < 0)
                return r;
        }
    }
    return 0;
}

int rw_trust_policy_parse(const char *buf, size_t len, const char *file, rw_trust_policy_t **ret,
                          rw_error_t **err)
{
    pctx_t c = {file, err};
    cleanup_json json_t *doc = rw_json_parse(buf, len, file, err);
    if (!doc)
        return -EINVAL;
    if (!json_is_object(doc))
        return perr(&c, "$", "the policy must be a JSON object");
    static const char *const top[] = {"default", "transports", NULL};
    int r = check_fields(&c, doc, "$", top, NULL);
    if (r < 0)
        return r;
    rw_trust_policy_t *p = calloc(1, sizeof(*p));
    if (!p)
        return -ENOMEM;
    if (!(p->file = strdup(file))) {
        rw_trust_policy_free(p);
        return -ENOMEM;
    }
    json_t *def = json_object_get(doc, "default");
    if (!def)
        r = perr(&c, "$", "the default policy (\"default\") is missing");
    else
        r = parse_reqs(&c, def, "default", &p->def);
    json_t *tr = json_object_get(doc, "transports");
    if (r >= 0 && tr)
        r = parse_transports(&c, tr, p); /* null is an error upstream too */
    if (r < 0) {
        rw_trust_policy_free(p);
        return r;
    }
    rw_sha256(buf, len, p->sha256);
    *ret = p;
    return 0;
}

int rw_trust_policy_load(const char *path, rw_trust_policy_t **ret, rw_error_t **err)
{
    cleanup_free char *buf = NULL;
    size_t len = 0;
    rw_error_t *e = NULL;
    int r = rw_file_read_at(AT_FDCWD, path, RW_TRUST_POLICY_MAX_SIZE, &buf, &len, NULL, &e);
    if (r < 0) {
        rw_error_set(err, -r, "policy %s: %s", path, e ? e->msg : "cannot read");
        rw_error_free(e);
        return r;
    }
    return rw_trust_policy_parse(buf, len, path, ret, err);
}

void rw_trust_policy_free(rw_trust_policy_t *p)
{
    if (!p)
        return;
    reqs_clear(&p->def);
    for (size_t i = 0; i < p->n_transports; i++) {
        rw_trust_transport_t *t = &p->transports[i];
        for (size_t j = 0; j < t->n_scopes; j++) {
            free(t->scopes[j].name);
            reqs_clear(&t->scopes[j].reqs);
        }
        free(t->scopes);
        free(t->name);
    }
    free(p->transports);
    free(p->file);
    free(p);
}

static const rw_trust_reqs_t *scope_get(const rw_trust_transport_t *t, const char *name,
                                        const char **ret_scope)
{
    for (size_t i = 0; i < t->n_scopes; i++)
        if (strcmp(t->scopes[i].name, name) == 0) {
            *ret_scope = t->scopes[i].name;
            return &t->scopes[i].reqs;
        }
    return NULL;
}

const rw_trust_reqs_t *rw_trust_policy_select(const rw_trust_policy_t *p, const char *transport,
                                              const char *identity, char *const *namespaces,
                                              const char **ret_scope)
{
    *ret_scope = NULL;
    for (size_t i = 0; i < p->n_transports; i++) {
        const rw_trust_transport_t *t = &p->transports[i];
        if (strcmp(t->name, transport) != 0)
            continue;
        const rw_trust_reqs_t *rs = NULL;
        if (identity && *identity && (rs = scope_get(t, identity, ret_scope)))
            return rs;
        for (char *const *ns = namespaces; ns && *ns; ns++)
            if ((rs = scope_get(t, *ns, ret_scope)))
                return rs;
        if ((rs = scope_get(t, "", ret_scope)))
            return rs;
        break;
    }
    *ret_scope = NULL;
    return &p->def;
}
