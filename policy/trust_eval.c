/* Policy evaluation for a stored image, with containers/image's semantics
 * (policy_eval*.go): pick the single most specific scope for the name, require every
 * requirement in it; signedBy/sigstoreSigned accept on one good signature. Signatures are
 * gathered and keys read here; only the cryptography goes to runwarden-trust-verify, and
 * only when the verdict cache has no entry for exactly these inputs. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "../common/cleanup.h"
#include "../common/fileio.h"
#include "../common/hash.h"
#include "../common/json.h"
#include "../conf/docker_ref.h"
#include "../conf/policy_json.h"
#include "../conf/registries_d.h"
#include "../conf/trust_base64.h"
#include "trust.h"
#include "trust_cache.h"
#include "trust_identity.h"
#include "trust_payload.h"
#include "trust_sources.h"
#include "trust_verify_client.h"

#define KEY_FILE_MAX (1u << 20)
#define REASON_MAX 600

enum { CRYPTO_NONE = 0, CRYPTO_GPG, CRYPTO_SIGSTORE };

typedef struct rq {
    const rw_trust_req_t *req;
    int crypto;
    rw_trust_vkey_t *keys;
    size_t n_keys;
    char *key_error; /* a key file could not be read */
    long ring;       /* helper keyring, -1 */
    long *job;       /* per signature: helper job, -1 */
} rq_t;

typedef struct nev {
    const char *name; /* NULL: an image without names */
    rw_trust_ref_t ref;
    bool have_ref;
    const char *ref_error;
    char *identity;
    char **namespaces;
    const rw_trust_reqs_t *reqs;
    const char *scope; /* NULL: the global default */
    rq_t *rqs;
    rw_trust_sigs_t sigs;
    char *lookaside_note;
} nev_t;

typedef struct evalctx {
    const rw_trust_opts_t *o;
    rw_trust_subject_t *s;
    rw_trust_policy_t *policy;
    rw_trust_regd_t *regd;
    bool regd_loaded;
    nev_t *nevs;
    size_t n_nevs;
    rw_trust_vring_t *rings;
    size_t n_rings;
    rw_trust_vjob_t *jobs;
    size_t n_jobs;
} evalctx_t;

static void nev_clear(nev_t *n)
{
    rw_trust_ref_clear(&n->ref);
    free(n->identity);
    rw_strv_freep(&n->namespaces);
    for (size_t i = 0; n->reqs && n->rqs && i < n->reqs->n; i++) {
        rq_t *q = &n->rqs[i];
        for (size_t k = 0; q->keys && k < q->n_keys; k++)
            free((void *)q->keys[k].data);
        free(q->keys);
        free(q->key_error);
        free(q->job);
    }
    free(n->rqs);
    rw_trust_sigs_clear(&n->sigs);
    free(n->lookaside_note);
}

static void ctx_clear(evalctx_t *c)
{
    for (size_t i = 0; i < c->n_nevs; i++)
        nev_clear(&c->nevs[i]);
    free(c->nevs);
    for (size_t i = 0; i < c->n_rings; i++)
        rw_trust_vring_clear(&c->rings[i]);
    free(c->rings);
    for (size_t i = 0; i < c->n_jobs; i++)
        rw_trust_vjob_clear(&c->jobs[i]);
    free(c->jobs);
    rw_trust_policy_free(c->policy);
    rw_trust_regd_free(c->regd);
}

/* Reads a file an operator named in configuration. Links are followed (as upstream does:
 * policy.json and keys are often links into packages); the file must be regular and small. */
static int read_config_file(const char *path, size_t max, char **buf, size_t *len, rw_error_t **err)
{
    cleanup_close int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
    if (fd < 0)
        return rw_error_setsys(err, errno, "%s", path);
    struct stat st;
    if (fstat(fd, &st) < 0)
        return rw_error_setsys(err, errno, "%s", path);
    if (!S_ISREG(st.st_mode))
        return rw_error_set(err, EINVAL, "%s: not a regular file", path);
    if ((size_t)st.st_size > max)
        return rw_error_set(err, EFBIG, "%s: larger than %zu bytes", path, max);
    cleanup_free char *b = malloc((size_t)st.st_size + 1);
    if (!b)
        return -ENOMEM;
    size_t n = 0;
    while (n <= (size_t)st.st_size) {
        ssize_t r = read(fd, b + n, (size_t)st.st_size + 1 - n);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0)
            return rw_error_setsys(err, errno, "%s: read failed", path);
        if (r == 0)
            break;
        n += (size_t)r;
    }
    if (n > (size_t)st.st_size)
        return rw_error_set(err, EFBIG, "%s: grew while being read", path);
    b[n] = '\0';
    *len = n;
    *buf = TAKE_PTR(b);
    return 0;
}

static int load_keys(rq_t *q)
{
    const rw_trust_req_t *r = q->req;
    q->keys = calloc(r->n_keys ? r->n_keys : 1, sizeof(*q->keys));
    if (!q->keys)
        return -ENOMEM;
    for (size_t i = 0; i < r->n_keys; i++) {
        const rw_trust_keysrc_t *k = &r->keys[i];
        uint8_t *d = NULL;
        size_t len = 0;
        if (k->path) {
            rw_error_t *e = NULL;
            char *buf = NULL;
            int rr = read_config_file(k->path, KEY_FILE_MAX, &buf, &len, &e);
            if (rr < 0) {
                if (!q->key_error &&
                    asprintf(&q->key_error, "key file %s", e ? e->msg : k->path) < 0)
                    q->key_error = NULL;
                rw_error_free(e);
                if (rr == -ENOMEM)
                    return rr;
                continue;
            }
            rw_error_free(e);
            d = (uint8_t *)buf;
        } else {
            d = malloc(k->len ? k->len : 1);
            if (!d)
                return -ENOMEM;
            memcpy(d, k->data, k->len);
            len = k->len;
        }
        q->keys[q->n_keys].data = d;
        q->keys[q->n_keys].len = len;
        q->n_keys++;
    }
    return 0;
}

static int crypto_of(const rw_trust_req_t *r)
{
    if (r->kind == RW_TRUST_PR_SIGNED_BY)
        return strcmp(r->key_type, "GPGKeys") == 0 ? CRYPTO_GPG : CRYPTO_NONE;
    if (r->kind == RW_TRUST_PR_SIGSTORE_SIGNED)
        return r->fulcio || r->pki || r->rekor ? CRYPTO_NONE : CRYPTO_SIGSTORE;
    return CRYPTO_NONE;
}

static bool needs_signatures(const rw_trust_req_t *r)
{
    return r->kind == RW_TRUST_PR_SIGNED_BY || r->kind == RW_TRUST_PR_SIGSTORE_SIGNED;
}

static bool same_name(const char *a, const char *b)
{
    if (strcmp(a, b) == 0)
        return true;
    rw_trust_ref_t ra = {0}, rb = {0};
    bool eq = rw_trust_ref_parse_normalized(a, &ra, NULL) == 0 &&
              rw_trust_ref_parse_normalized(b, &rb, NULL) == 0 &&
              rw_trust_ref_tag_name_only(&ra) == 0 && rw_trust_ref_tag_name_only(&rb) == 0 &&
              strcmp(ra.string, rb.string) == 0;
    rw_trust_ref_clear(&ra);
    rw_trust_ref_clear(&rb);
    return eq;
}

/* Which names the image is evaluated under: the one the container was created from when
 * it is still one of the image's names; otherwise every name (each must pass); an image
 * without names is evaluated nameless. See docs/image-trust.md. */
static int pick_names(evalctx_t *c)
{
    rw_trust_subject_t *s = c->s;
    const char *only = NULL;
    if (s->source == RW_TRUST_SRC_ANNOTATION) {
        only = s->requested;
    } else if (s->requested) {
        for (char **n = s->image.names; n && *n; n++)
            if (same_name(*n, s->requested)) {
                only = *n;
                break;
            }
    }
    size_t count = 0;
    for (char **n = s->image.names; n && *n; n++)
        count++;
    size_t want = only ? 1 : (count ? count : 1);
    c->nevs = calloc(want, sizeof(*c->nevs));
    if (!c->nevs)
        return -ENOMEM;
    c->n_nevs = want;
    if (only)
        c->nevs[0].name = only;
    else
        for (size_t i = 0; i < count; i++)
            c->nevs[i].name = s->image.names[i];
    return 0;
}

static int prepare_name(evalctx_t *c, nev_t *n)
{
    const char *scope = NULL;
    if (n->name) {
        const char *why = NULL;
        if (rw_trust_ref_parse_normalized(n->name, &n->ref, &why) < 0) {
            n->ref_error = why;
        } else if (rw_trust_ref_tag_name_only(&n->ref) < 0) {
            return -ENOMEM;
        } else if (n->ref.tag && n->ref.digest) {
            n->ref_error = "references with both a tag and a digest are not supported";
        } else {
            n->have_ref = true;
            if (rw_trust_ref_identity(&n->ref, &n->identity) < 0 ||
                rw_trust_ref_namespaces(&n->ref, &n->namespaces) < 0)
                return -ENOMEM;
        }
    }
    if (n->name && !n->have_ref)
        return 0; /* rejected in finish_name */
    n->reqs = rw_trust_policy_select(c->policy, "docker", n->identity, n->namespaces, &scope);
    n->scope = scope;
    n->rqs = calloc(n->reqs->n ? n->reqs->n : 1, sizeof(*n->rqs));
    if (!n->rqs)
        return -ENOMEM;
    for (size_t i = 0; i < n->reqs->n; i++) {
        rq_t *q = &n->rqs[i];
        q->req = &n->reqs->items[i];
        q->ring = -1;
        q->crypto = crypto_of(q->req);
        if (q->crypto != CRYPTO_NONE) {
            int r = load_keys(q);
            if (r < 0)
                return r;
        }
    }
    return 0;
}

static bool name_needs_signatures(const nev_t *n)
{
    for (size_t i = 0; n->reqs && n->rqs && i < n->reqs->n; i++)
        if (needs_signatures(n->rqs[i].req))
            return true;
    return false;
}

static int gather_signatures(evalctx_t *c, nev_t *n, rw_error_t **err)
{
    int r = rw_trust_sigs_from_storage(c->s, &n->sigs, err);
    if (r < 0)
        return r;
    if (!n->have_ref || !c->s->manifest_digest)
        return 0;
    if (!c->regd_loaded) {
        const char *dir = c->o->registries_d ? c->o->registries_d : c->o->cfg->registries_d;
        if ((r = rw_trust_regd_load(dir, &c->regd, err)) < 0)
            return r;
        c->regd_loaded = true;
    }
    bool builtin = false;
    const char *url = rw_trust_regd_lookaside(c->regd, n->identity, n->namespaces, &builtin);
    cleanup_free char *dir = NULL;
    r = rw_trust_lookaside_dir(url, &dir);
    if (r == -EPROTONOSUPPORT) {
        if (asprintf(&n->lookaside_note,
                     "lookaside %s was not read: only file:// lookasides "
                     "are in reach at container start; keep the image's "
                     "signatures in storage (podman pull stores them) or "
                     "mirror them to a file:// lookaside",
                     url) < 0)
            n->lookaside_note = NULL;
        return 0;
    }
    if (r < 0) {
        if (asprintf(&n->lookaside_note, "lookaside URL %s is malformed", url) < 0)
            n->lookaside_note = NULL;
        return 0;
    }
    return rw_trust_sigs_from_lookaside(dir, n->ref.path, c->s->manifest_digest, &n->sigs, err);
}

static bool sig_applies(const rq_t *q, const rw_trust_sigslot_t *sl)
{
    if (sl->decode_error)
        return false;
    if (q->crypto == CRYPTO_GPG)
        return sl->sig.format == RW_TRUST_SIG_SIMPLE;
    if (q->crypto == CRYPTO_SIGSTORE)
        return sl->sig.format == RW_TRUST_SIG_SIGSTORE && sl->sig.mime &&
               strcmp(sl->sig.mime, RW_TRUST_COSIGN_MIME) == 0 && sl->sig.sig_b64;
    return false;
}

/* Queues helper work for one requirement (keys loaded, signatures present). */
static int plan_crypto(evalctx_t *c, nev_t *n, rq_t *q)
{
    if (q->crypto == CRYPTO_NONE || q->key_error)
        return 0;
    q->job = calloc(n->sigs.n ? n->sigs.n : 1, sizeof(long));
    if (!q->job)
        return -ENOMEM;
    bool any = false;
    for (size_t i = 0; i < n->sigs.n; i++) {
        q->job[i] = -1;
        any |= sig_applies(q, &n->sigs.items[i]);
    }
    if (!any)
        return 0;
    rw_trust_vring_t *nr = realloc(c->rings, (c->n_rings + 1) * sizeof(*nr));
    if (!nr)
        return -ENOMEM;
    c->rings = nr;
    memset(&nr[c->n_rings], 0, sizeof(*nr));
    nr[c->n_rings].type = q->crypto == CRYPTO_GPG ? "gpg" : "sigstore";
    nr[c->n_rings].keys = q->keys;
    nr[c->n_rings].n_keys = q->n_keys;
    q->ring = (long)c->n_rings++;
    for (size_t i = 0; i < n->sigs.n; i++) {
        rw_trust_sigslot_t *sl = &n->sigs.items[i];
        if (!sig_applies(q, sl))
            continue;
        rw_trust_vjob_t *nj = realloc(c->jobs, (c->n_jobs + 1) * sizeof(*nj));
        if (!nj)
            return -ENOMEM;
        c->jobs = nj;
        rw_trust_vjob_t *j = &nj[c->n_jobs];
        memset(j, 0, sizeof(*j));
        j->ring = (size_t)q->ring;
        if (q->crypto == CRYPTO_GPG) {
            j->sig = sl->sig.pgp;
            j->sig_len = sl->sig.pgp_len;
        } else {
            /* The annotation holds base64; the helper wants the raw signature. */
            uint8_t *raw = NULL;
            size_t rl = 0;
            if (rw_trust_b64_decode(sl->sig.sig_b64, strlen(sl->sig.sig_b64), true, &raw, &rl) < 0)
                continue; /* reported as a base64 error in finish */
            /* Keep the decoded bytes alive with the slot: reuse its blob list ownership. */
            j->sig = raw;
            j->sig_len = rl;
            j->payload = sl->sig.payload ? sl->sig.payload : (const uint8_t *)"";
            j->payload_len = sl->sig.payload_len;
        }
        q->job[i] = (long)c->n_jobs++;
    }
    return 0;
}

/* ---- the verdict cache key ---------------------------------------------------------- */

static void hash_str(rw_sha256_t *h, const char *s)
{
    uint64_t n = s ? strlen(s) : UINT64_MAX;
    rw_sha256_update(h, &n, sizeof(n));
    if (s)
        rw_sha256_update(h, s, strlen(s));
}

static void hash_bytes(rw_sha256_t *h, const uint8_t *d, size_t len)
{
    uint64_t n = len;
    rw_sha256_update(h, &n, sizeof(n));
    rw_sha256_update(h, d, len);
}

static void cache_key(const evalctx_t *c, uint8_t out[RW_SHA256_LEN])
{
    rw_sha256_t h;
    rw_sha256_init(&h);
    hash_str(&h, "runwarden-trust-verdict-v1");
    hash_str(&h, RW_VERSION);
    rw_sha256_update(&h, c->policy->sha256, RW_SHA256_LEN);
    hash_str(&h, c->policy->file);
    const rw_trust_subject_t *s = c->s;
    hash_str(&h, s->have_image ? s->image.id : "");
    hash_str(&h, s->requested);
    for (char **n = s->image.names; n && *n; n++)
        hash_str(&h, *n);
    hash_str(&h, s->manifest_digest);
    for (size_t i = 0; i < c->n_nevs; i++) {
        const nev_t *n = &c->nevs[i];
        hash_str(&h, n->name);
        hash_str(&h, n->scope);
        hash_str(&h, n->lookaside_note);
        for (size_t k = 0; n->reqs && n->rqs && k < n->reqs->n; k++) {
            const rq_t *q = &n->rqs[k];
            hash_str(&h, q->key_error);
            for (size_t j = 0; j < q->n_keys; j++)
                hash_bytes(&h, q->keys[j].data, q->keys[j].len);
        }
        for (size_t k = 0; k < n->sigs.n; k++) {
            hash_str(&h, n->sigs.items[k].origin);
            hash_bytes(&h, n->sigs.items[k].blob, n->sigs.items[k].len);
        }
    }
    rw_sha256_final(&h, out);
}

/* ---- finishing: per signature, per requirement, per name ---------------------------- */

static char *clip(const char *s)
{
    if (!s)
        return strdup("");
    return strndup(s, REASON_MAX);
}

static json_t *sig_json(size_t idx, const rw_trust_sigslot_t *sl, const char *result,
                        const char *reason)
{
    const char *fmt = sl->decode_error                        ? "invalid"
                      : sl->sig.format == RW_TRUST_SIG_SIMPLE ? "simple-signing"
                                                              : "sigstore";
    cleanup_free char *r = clip(reason);
    return json_pack("{s:I,s:s,s:s,s:s,s:s}", "index", (json_int_t)idx + 1, "origin", sl->origin,
                     "format", fmt, "result", result, "reason", r ? r : "");
}

/* The payload checks after a good cryptographic signature. Returns NULL when accepted
 * (and fills *accepted_why), else the rejection reason. */
static char *check_payload(const evalctx_t *c, const nev_t *n, const rq_t *q, const uint8_t *pl,
                           size_t pll, bool sigstore, const char *signer, char **accepted_why)
{
    rw_trust_payload_t p;
    char *why = NULL;
    if (rw_trust_payload_parse(pl, pll, sigstore, &p, &why) < 0)
        return why ? why : strdup("invalid signature payload");
    char *out = NULL;
    const char *md = c->s->manifest_digest;
    char idbuf[300];
    if (!md) {
        if (asprintf(&out,
                     "the image's manifest is unknown, so the signed digest %.100s cannot "
                     "be matched",
                     p.digest) < 0)
            out = NULL;
    } else if (strcmp(p.digest, md) != 0) {
        if (asprintf(&out, "Signature for digest %.100s does not match (the manifest is %s)",
                     p.digest, md) < 0)
            out = NULL;
    } else if (!rw_trust_identity_matches(&q->req->identity, n->have_ref ? &n->ref : NULL,
                                          p.docker_ref)) {
        if (asprintf(&out, "Signature for identity %.300s is not accepted (%s, image %s)",
                     p.docker_ref,
                     rw_trust_identity_describe(&q->req->identity, idbuf, sizeof(idbuf)),
                     n->have_ref ? n->ref.string : "without a name") < 0)
            out = NULL;
    } else if (asprintf(accepted_why, "signed by key %s for %.300s, manifest digest matches",
                        signer, p.docker_ref) < 0) {
        *accepted_why = NULL;
    }
    rw_trust_payload_clear(&p);
    return out;
}

static const char *keys_desc(const rw_trust_req_t *r, char *buf, size_t size)
{
    if (!r->key_field) {
        buf[0] = '\0';
        return buf;
    }
    if (r->n_keys == 1 && r->keys[0].path)
        snprintf(buf, size, "%s %s", r->key_field, r->keys[0].path);
    else
        snprintf(buf, size, "%s (%zu)", r->key_field, r->n_keys);
    return buf;
}

/* Evaluates one requirement; returns its JSON and sets *allowed. */
static json_t *finish_req(const evalctx_t *c, const nev_t *n, const rq_t *q, bool *allowed)
{
    const rw_trust_req_t *r = q->req;
    json_t *sigs = json_array();
    cleanup_free char *reason = NULL;
    *allowed = false;
    char kbuf[600], ibuf[300];
    switch (r->kind) {
    case RW_TRUST_PR_INSECURE_ACCEPT_ANYTHING:
        *allowed = true;
        reason = strdup("insecureAcceptAnything accepts every image");
        break;
    case RW_TRUST_PR_REJECT:
        if (asprintf(&reason, "Running image %s is rejected by policy.",
                     n->have_ref ? n->ref.string : "(without a name)") < 0)
            reason = NULL;
        break;
    case RW_TRUST_PR_SIGNED_BASE_LAYER:
        reason = strdup("signedBaseLayer not implemented yet!");
        break;
    case RW_TRUST_PR_SIGNED_BY:
    case RW_TRUST_PR_SIGSTORE_SIGNED: {
        bool gpg = r->kind == RW_TRUST_PR_SIGNED_BY;
        size_t considered = 0, other_format = 0, other_mime = 0, rejections = 0;
        cleanup_free char *first = NULL, *all = NULL;
        const char *blocked = NULL; /* an undecodable blob fails the requirement upstream */
        for (size_t i = 0; i < n->sigs.n; i++) {
            const rw_trust_sigslot_t *sl = &n->sigs.items[i];
            if (sl->decode_error) {
                json_array_append_new(sigs, sig_json(i, sl, "rejected", sl->decode_error));
                blocked = sl->decode_error;
                continue;
            }
            bool simple = sl->sig.format == RW_TRUST_SIG_SIMPLE;
            if (gpg != simple) {
                other_format++;
                json_array_append_new(sigs, sig_json(i, sl, "ignored",
                                                     gpg ? "a sigstore signature; signedBy "
                                                           "considers simple signing only"
                                                         : "a simple-signing signature; "
                                                           "sigstoreSigned considers sigstore "
                                                           "signatures only"));
                continue;
            }
            if (!gpg && (!sl->sig.mime || strcmp(sl->sig.mime, RW_TRUST_COSIGN_MIME) != 0)) {
                other_mime++;
                json_array_append_new(sigs, sig_json(i, sl, "ignored",
                                                     "a sigstore attachment that is not a "
                                                     "signature"));
                continue;
            }
            considered++;
            cleanup_free char *why = NULL, *ok_why = NULL;
            if (gpg && strcmp(r->key_type, "GPGKeys") != 0) {
                if (asprintf(&why, "Unimplemented \"keyType\" value \"%s\"", r->key_type) < 0)
                    why = NULL;
            } else if (!gpg && (r->fulcio || r->pki)) {
                why = strdup(r->fulcio ? "fulcio certificates are not supported by runwarden; "
                                         "use keyPath, keyPaths, keyData or keyDatas"
                                       : "pki certificates are not supported by runwarden; "
                                         "use keyPath, keyPaths, keyData or keyDatas");
            } else if (!gpg && r->rekor) {
                why = strdup("rekor verification is not supported by runwarden; remove the "
                             "rekorPublicKey* entry or verify at pull time");
            } else if (q->key_error) {
                why = strdup(q->key_error);
            } else if (!gpg && !sl->sig.sig_b64) {
                why = strdup("missing " RW_TRUST_COSIGN_SIG_ANNOTATION " annotation");
            } else if (q->ring >= 0 && !c->rings[q->ring].ok) {
                why = strdup(c->rings[q->ring].error ? c->rings[q->ring].error
                                                     : "keys could not be loaded");
            } else if (!q->job || q->job[i] < 0) {
                why = strdup(gpg ? "not verified" : "base64 decoding of the signature failed");
            } else {
                const rw_trust_vjob_t *j = &c->jobs[q->job[i]];
                if (!j->ok) {
                    why = strdup(j->error ? j->error : "verification failed");
                } else if (gpg) {
                    why = check_payload(c, n, q, j->signed_payload, j->signed_payload_len, false,
                                        j->key, &ok_why);
                } else {
                    char signer[64];
                    snprintf(signer, sizeof(signer), "%zu of %s",
                             (size_t)strtoul(j->key, NULL, 10) + 1,
                             keys_desc(r, kbuf, sizeof(kbuf)));
                    why = check_payload(c, n, q, sl->sig.payload, sl->sig.payload_len, true, signer,
                                        &ok_why);
                }
            }
            if (!why) {
                json_array_append_new(sigs,
                                      sig_json(i, sl, "accepted", ok_why ? ok_why : "accepted"));
                *allowed = true;
                continue;
            }
            json_array_append_new(sigs, sig_json(i, sl, "rejected", why));
            rejections++;
            if (!first)
                first = strdup(why);
            char *na = NULL;
            if (asprintf(&na, "%s%s%s", all ? all : "", all ? "; " : "", why) >= 0) {
                free(all);
                all = na;
            }
        }
        if (blocked && !*allowed) {
            if (asprintf(&reason, "a stored signature cannot be decoded: %s", blocked) < 0)
                reason = NULL;
        } else if (blocked) {
            /* Upstream fails on any undecodable blob even if another signature is good. */
            *allowed = false;
            if (asprintf(&reason, "a stored signature cannot be decoded: %s", blocked) < 0)
                reason = NULL;
        } else if (*allowed) {
            reason = strdup("a signature was accepted");
        } else if (considered == 0 && !gpg && (r->fulcio || r->pki || r->rekor)) {
            reason = strdup(r->fulcio ? "fulcio certificates are not supported by runwarden"
                            : r->pki  ? "pki certificates are not supported by runwarden"
                                      : "rekor verification is not supported by runwarden");
        } else if (considered == 0) {
            if (other_format || other_mime) {
                if (asprintf(&reason,
                             "A signature was required, but no signature exists (%zu "
                             "%s signatures, %zu sigstore non-signature attachments)",
                             other_format, gpg ? "sigstore" : "non-sigstore", other_mime) < 0)
                    reason = NULL;
            } else {
                reason = strdup("A signature was required, but no signature exists");
            }
            if (reason && n->lookaside_note) {
                char *x = NULL;
                if (asprintf(&x, "%s; %s", reason, n->lookaside_note) >= 0) {
                    free(reason);
                    reason = x;
                }
            }
        } else if (rejections == 1) {
            reason = TAKE_PTR(first);
        } else if (asprintf(&reason, "None of the signatures were accepted, reasons: %s",
                            all ? all : "") < 0) {
            reason = NULL;
        }
        break;
    }
    default:
        reason = strdup("unknown requirement");
        break;
    }
    cleanup_free char *cr = clip(reason);
    json_t *o = json_pack("{s:s,s:s,s:s,s:s}", "type", rw_trust_pr_kind_name(r->kind), "where",
                          r->where ? r->where : "", "result", *allowed ? "accepted" : "rejected",
                          "reason", cr ? cr : "");
    if (!o) {
        json_decref(sigs);
        return NULL;
    }
    if (r->key_type)
        json_object_set_new(o, "keyType", json_string(r->key_type));
    if (r->key_field)
        json_object_set_new(o, "keys", json_string(keys_desc(r, kbuf, sizeof(kbuf))));
    if (needs_signatures(r)) {
        json_object_set_new(
            o, "signedIdentity",
            json_string(rw_trust_identity_describe(&r->identity, ibuf, sizeof(ibuf))));
        json_object_set_new(o, "signatures", sigs);
    } else {
        json_decref(sigs);
    }
    return o;
}

static char *scope_label(const nev_t *n)
{
    char *s = NULL;
    if (!n->scope)
        return strdup("default");
    if (asprintf(&s, "transports.docker[\"%s\"]", n->scope) < 0)
        return NULL;
    return s;
}

static json_t *finish_name(const evalctx_t *c, const nev_t *n, bool *allowed)
{
    json_t *o = json_object();
    if (!o)
        return NULL;
    json_object_set_new(o, "name", n->name ? json_string(n->name) : json_null());
    json_object_set_new(o, "transport", json_string("docker"));
    if (n->name && !n->have_ref) {
        *allowed = false;
        char *why = NULL;
        if (asprintf(&why, "the image name %.300s is not a valid docker reference: %s", n->name,
                     n->ref_error ? n->ref_error : "invalid") < 0)
            why = NULL;
        json_object_set_new(o, "scope", json_null());
        json_object_set_new(o, "verdict", json_string("rejected"));
        json_object_set_new(o, "reason", json_string(why ? why : "invalid name"));
        json_object_set_new(o, "requirements", json_array());
        free(why);
        return o;
    }
    cleanup_free char *label = scope_label(n);
    json_object_set_new(o, "reference", n->have_ref ? json_string(n->ref.string) : json_null());
    json_object_set_new(o, "scope", n->scope ? json_string(n->scope) : json_null());
    json_object_set_new(o, "scopeLabel", json_string(label ? label : "?"));
    json_t *reqs = json_array();
    *allowed = true;
    const char *fail_reason = NULL;
    char failbuf[REASON_MAX + 200];
    for (size_t i = 0; i < n->reqs->n; i++) {
        bool ok = false;
        json_t *rj = finish_req(c, n, &n->rqs[i], &ok);
        if (!rj) {
            json_decref(reqs);
            json_decref(o);
            return NULL;
        }
        json_object_set_new(rj, "index", json_integer((json_int_t)i));
        if (!ok && *allowed) {
            *allowed = false;
            snprintf(failbuf, sizeof(failbuf), "requirement %s (%s): %s",
                     json_string_value(json_object_get(rj, "where")),
                     json_string_value(json_object_get(rj, "type")),
                     json_string_value(json_object_get(rj, "reason")));
            fail_reason = failbuf;
        }
        json_array_append_new(reqs, rj);
    }
    if (n->reqs->n == 0) {
        *allowed = false;
        fail_reason = "List of verification policy requirements must not be empty";
    }
    json_object_set_new(o, "requirements", reqs);
    json_object_set_new(o, "verdict", json_string(*allowed ? "accepted" : "rejected"));
    json_object_set_new(o, "reason",
                        json_string(*allowed ? "every requirement accepted the "
                                               "image"
                                             : fail_reason));
    if (n->lookaside_note)
        json_object_set_new(o, "lookasideNote", json_string(n->lookaside_note));
    return o;
}

static json_t *finish(const evalctx_t *c)
{
    json_t *evs = json_array();
    bool all = true;
    const char *reason = NULL;
    json_t *first_bad = NULL;
    for (size_t i = 0; i < c->n_nevs; i++) {
        bool ok = false;
        json_t *e = finish_name(c, &c->nevs[i], &ok);
        if (!e) {
            json_decref(evs);
            return NULL;
        }
        if (!ok && all) {
            all = false;
            first_bad = e;
        }
        json_array_append_new(evs, e);
    }
    json_t *rep = json_object();
    if (!rep) {
        json_decref(evs);
        return NULL;
    }
    if (first_bad)
        reason = json_string_value(json_object_get(first_bad, "reason"));
    json_object_set_new(rep, "verdict", json_string(all ? "accepted" : "rejected"));
    json_object_set_new(rep, "policy", json_string(c->policy->file));
    json_object_set_new(rep, "image", rw_trust_subject_json(c->s));
    if (first_bad) {
        json_object_set(rep, "failed",
                        json_pack("{s:O,s:O}", "name", json_object_get(first_bad, "name"), "scope",
                                  json_object_get(first_bad, "scopeLabel")
                                      ? json_object_get(first_bad, "scopeLabel")
                                      : json_null()));
        json_decref(json_object_get(rep, "failed"));
    }
    json_object_set_new(rep, "reason", json_string(reason ? reason : "accepted"));
    json_object_set_new(rep, "evaluations", evs);
    json_object_set_new(rep, "evaluatedAt", json_integer((json_int_t)time(NULL)));
    return rep;
}

int rw_trust_evaluate(const rw_trust_opts_t *o, rw_trust_subject_t *s, json_t **ret_report,
                      rw_error_t **err)
{
    evalctx_t c = {.o = o, .s = s};
    int r = 0;
    bool need_crypto = false;
    cleanup_close int cfd = -1;
    uint8_t key[RW_SHA256_LEN];
    const char *why = NULL;
    const char *ppath = o->policy ? o->policy : o->cfg->policy;
    {
        cleanup_free char *buf = NULL;
        size_t len = 0;
        if ((r = read_config_file(ppath, RW_TRUST_POLICY_MAX_SIZE, &buf, &len, err)) < 0) {
            rw_error_prefix(err, "policy");
            goto out;
        }
        if ((r = rw_trust_policy_parse(buf, len, ppath, &c.policy, err)) < 0)
            goto out;
    }
    if ((r = pick_names(&c)) < 0)
        goto out;
    for (size_t i = 0; i < c.n_nevs; i++) {
        nev_t *n = &c.nevs[i];
        if ((r = prepare_name(&c, n)) < 0)
            goto out;
        if (name_needs_signatures(n)) {
            if ((r = gather_signatures(&c, n, err)) < 0)
                goto out;
            need_crypto = true;
        }
    }
    /* Cheap policies (accept/reject only) are decided without the cache. */
    if (need_crypto && !o->no_cache && o->cfg->cache_dir) {
        cfd = rw_trust_cache_open(o->cfg->cache_dir, !o->no_cache_write, &why);
        cache_key(&c, key);
        json_t *hit = NULL;
        if (cfd >= 0 && rw_trust_cache_get(cfd, "v-", key, &hit) == 1 && json_is_object(hit) &&
            json_is_string(json_object_get(hit, "verdict"))) {
            json_object_set_new(hit, "cache", json_string("hit"));
            *ret_report = hit;
            goto out;
        }
        json_decref(hit);
    }
    for (size_t i = 0; i < c.n_nevs; i++)
        for (size_t k = 0; c.nevs[i].reqs && c.nevs[i].rqs && k < c.nevs[i].reqs->n; k++)
            if ((r = plan_crypto(&c, &c.nevs[i], &c.nevs[i].rqs[k])) < 0)
                goto out;
    if (c.n_jobs > 0) {
        cleanup_free char *helper = rw_trust_verify_helper_path(o->cfg);
        if (!helper) {
            r = -ENOMEM;
            goto out;
        }
        if ((r = rw_trust_verify_run(helper, c.rings, c.n_rings, c.jobs, c.n_jobs, err)) < 0)
            goto out;
    }
    json_t *rep = finish(&c);
    if (!rep) {
        r = -ENOMEM;
        goto out;
    }
    if (cfd >= 0 && !o->no_cache_write)
        rw_trust_cache_put(cfd, "v-", key, rep, o->cfg->cache_ttl);
    json_object_set_new(rep, "cache",
                        json_string(!need_crypto                        ? "not needed"
                                    : o->no_cache || !o->cfg->cache_dir ? "off"
                                    : cfd < 0                           ? "unusable"
                                                                        : "miss"));
    if (need_crypto && cfd < 0 && why && !o->no_cache && o->cfg->cache_dir)
        json_object_set_new(rep, "cacheProblem", json_string(why));
    *ret_report = rep;
out:
    /* sigstore jobs own their decoded signature bytes */
    for (size_t i = 0; i < c.n_jobs; i++)
        if (c.jobs[i].payload)
            free((void *)c.jobs[i].sig);
    ctx_clear(&c);
    return r;
}

char *rw_trust_report_summary(const json_t *rep)
{
    const json_t *failed = json_object_get(rep, "failed");
    const char *scope = json_string_value(json_object_get(failed, "scope"));
    char *s = NULL;
    if (asprintf(&s, "policy %s scope %s: %s", json_string_value(json_object_get(rep, "policy")),
                 scope ? scope : "default", json_string_value(json_object_get(rep, "reason"))) < 0)
        return NULL;
    return s;
}
