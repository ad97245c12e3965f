/* runwarden-trust-verify: the cryptographic half of image trust, run by runwarden only on
 * a verdict-cache miss (see verify_protocol.h). It reads everything it needs from stdin,
 * drops privileges, and never opens a file. */
#include <errno.h>
#include <grp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <unistd.h>

#include "../../common/cleanup.h"
#include "../../common/json.h"
#include "../../conf/trust_base64.h"
#include "verify_backends.h"
#include "verify_protocol.h"

static int answer(json_t *o)
{
    char *s = json_dumps(o, JSON_COMPACT);
    json_decref(o);
    if (!s)
        return 1;
    size_t n = strlen(s);
    const char *p = s;
    while (n) {
        ssize_t w = write(STDOUT_FILENO, p, n);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0) {
            free(s);
            return 1;
        }
        p += w;
        n -= (size_t)w;
    }
    free(s);
    return 0;
}

static int fail(const char *msg)
{
    answer(json_pack("{s:s}", "error", msg));
    return 2;
}

static int read_all(char **ret, size_t *ret_len)
{
    size_t cap = 1 << 16, len = 0;
    char *buf = malloc(cap);
    if (!buf)
        return -ENOMEM;
    for (;;) {
        if (len == cap) {
            if (cap >= RW_TRUST_VERIFY_MAX_REQUEST) {
                free(buf);
                return -EFBIG;
            }
            char *nb = realloc(buf, cap * 2);
            if (!nb) {
                free(buf);
                return -ENOMEM;
            }
            buf = nb;
            cap *= 2;
        }
        ssize_t n = read(STDIN_FILENO, buf + len, cap - len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            free(buf);
            return -errno;
        }
        if (n == 0)
            break;
        len += (size_t)n;
    }
    *ret = buf;
    *ret_len = len;
    return 0;
}

/* Nothing here needs privileges; if started as root, continue as nobody. */
static void drop_privileges(void)
{
    prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0);
    struct rlimit nofile = {16, 16};
    setrlimit(RLIMIT_NOFILE, &nofile);
    if (geteuid() == 0) {
        if (setgroups(0, NULL) < 0 || setresgid(65534, 65534, 65534) < 0 ||
            setresuid(65534, 65534, 65534) < 0)
            _exit(3);
    }
}

static int decode(json_t *v, struct rw_blob *out)
{
    if (!json_is_string(v))
        return -EINVAL;
    return rw_trust_b64_decode(json_string_value(v), json_string_length(v), false, &out->data,
                               &out->len);
}

typedef struct keyring {
    int type; /* 0 gpg, 1 sigstore, -1 failed */
    rw_gpg_keyring_t *gpg;
    rw_sigstore_keys_t *sig;
} keyring_t;

int main(int argc, char **argv)
{
    (void)argv;
    if (argc != 1) {
        fprintf(stderr, "runwarden-trust-verify: internal helper of runwarden; it reads a "
                        "request on stdin\n");
        return 2;
    }
    char *req = NULL;
    size_t req_len = 0;
    if (read_all(&req, &req_len) < 0)
        return fail("cannot read the request");
    drop_privileges();
    json_error_t je;
    json_t *doc = json_loadb(req, req_len, 0, &je);
    free(req);
    json_t *rings = json_object_get(doc, "keyrings"), *jobs = json_object_get(doc, "jobs");
    if (!json_is_array(rings) || !json_is_array(jobs))
        return fail("malformed request");

    size_t nr = json_array_size(rings);
    keyring_t *kr = calloc(nr ? nr : 1, sizeof(*kr));
    json_t *out_rings = json_array(), *out_jobs = json_array();
    if (!kr || !out_rings || !out_jobs)
        return fail("out of memory");
    for (size_t i = 0; i < nr; i++) {
        json_t *r = json_array_get(rings, i);
        const char *type = json_string_value(json_object_get(r, "type"));
        json_t *keys = json_object_get(r, "keys");
        kr[i].type = -1;
        size_t nk = json_array_size(keys);
        struct rw_blob *blobs = calloc(nk ? nk : 1, sizeof(*blobs));
        bool ok = blobs && type && json_is_array(keys);
        for (size_t k = 0; ok && k < nk; k++)
            ok = decode(json_array_get(keys, k), &blobs[k]) == 0;
        char *error = NULL;
        json_t *ids = NULL;
        if (!ok) {
            error = strdup("malformed keyring in the request");
        } else if (strcmp(type, "gpg") == 0) {
            if (rw_gpg_keyring_new(blobs, nk, &kr[i].gpg, &ids, &error) == 0)
                kr[i].type = 0;
        } else if (strcmp(type, "sigstore") == 0) {
            if (rw_sigstore_keys_new(blobs, nk, &kr[i].sig, &ids, &error) == 0)
                kr[i].type = 1;
        } else {
            error = strdup("unknown keyring type");
        }
        for (size_t k = 0; blobs && k < nk; k++)
            free(blobs[k].data);
        free(blobs);
        if (kr[i].type >= 0)
            json_array_append_new(out_rings, json_pack("{s:b,s:o}", "ok", 1, "keys", ids));
        else
            json_array_append_new(out_rings, json_pack("{s:b,s:s}", "ok", 0, "error",
                                                       error ? error : "keyring failed"));
        free(error);
    }

    size_t i;
    json_t *job;
    json_array_foreach(jobs, i, job)
    {
        json_int_t ki = json_integer_value(json_object_get(job, "keyring"));
        struct rw_blob sig = {0}, payload = {0};
        char *error = NULL;
        json_t *res = NULL;
        if (!json_is_integer(json_object_get(job, "keyring")) || ki < 0 || (size_t)ki >= nr ||
            decode(json_object_get(job, "signature"), &sig) < 0) {
            error = strdup("malformed job");
        } else if (kr[ki].type < 0) {
            error = strdup("the requirement's keys could not be loaded");
        } else if (kr[ki].type == 0) {
            char *fpr = NULL;
            uint8_t *pl = NULL;
            size_t pll = 0;
            if (rw_gpg_verify(kr[ki].gpg, sig.data, sig.len, &fpr, &pl, &pll, &error) == 0) {
                char *b = rw_trust_b64_encode(pl, pll);
                res = json_pack("{s:b,s:s,s:s}", "ok", 1, "key", fpr, "payload", b ? b : "");
                free(b);
            }
            free(fpr);
            free(pl);
        } else if (decode(json_object_get(job, "payload"), &payload) < 0) {
            error = strdup("malformed job payload");
        } else {
            size_t idx = 0;
            if (rw_sigstore_verify(kr[ki].sig, payload.data, payload.len, sig.data, sig.len, &idx,
                                   &error) == 0) {
                char id[32];
                snprintf(id, sizeof(id), "%zu", idx);
                res = json_pack("{s:b,s:s}", "ok", 1, "key", id);
            }
        }
        if (!res)
            res = json_pack("{s:b,s:s}", "ok", 0, "error", error ? error : "verification failed");
        json_array_append_new(out_jobs, res);
        free(error);
        free(sig.data);
        free(payload.data);
    }
    for (size_t k = 0; k < nr; k++) {
        rw_gpg_keyring_free(kr[k].gpg);
        rw_sigstore_keys_free(kr[k].sig);
    }
    free(kr);
    json_decref(doc);
    return answer(json_pack("{s:o,s:o}", "keyrings", out_rings, "jobs", out_jobs));
}
