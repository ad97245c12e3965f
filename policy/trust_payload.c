/* Strict readers for what a signature says. A payload is only looked at after its
 * signature verified, but it is still parsed as hostile: exact key sets, no duplicates,
 * integral timestamps. */
#include "trust_payload.h"

#include <errno.h>
#include <stdarg.h>
#include <strings.h>
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../common/cleanup.h"
#include "../common/json.h"
#include "../conf/docker_ref.h"
#include "../conf/trust_base64.h"

static int why_set(char **why, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int why_set(char **why, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    if (why && !*why && vasprintf(why, fmt, ap) < 0)
        *why = NULL;
    va_end(ap);
    return -EINVAL;
}

/* ParanoidUnmarshalJSONObjectExactFields: exactly these keys. */
static int exact(json_t *o, const char *where, const char *const *keys, char **why)
{
    if (!json_is_object(o))
        return why_set(why, "%s: a JSON object was expected", where);
    size_t n = 0;
    for (const char *const *k = keys; *k; k++, n++)
        if (!json_object_get(o, *k))
            return why_set(why, "%s: key \"%s\" is missing", where, *k);
    if (json_object_size(o) != n) {
        const char *k;
        json_t *v;
        json_object_foreach(o, k, v)
        {
            bool known = false;
            for (const char *const *a = keys; *a; a++)
                known |= strcmp(*a, k) == 0;
            if (!known)
                return why_set(why, "%s: unknown key \"%s\"", where, k);
        }
    }
    return 0;
}

static int str_of(json_t *o, const char *key, const char *where, char **out, char **why)
{
    json_t *v = json_object_get(o, key);
    if (!json_is_string(v))
        return why_set(why, "%s.%s: must be a string", where, key);
    if (!(*out = strdup(json_string_value(v))))
        return -ENOMEM;
    return 0;
}

void rw_trust_payload_clear(rw_trust_payload_t *p)
{
    free(p->digest);
    free(p->docker_ref);
    free(p->creator);
    memset(p, 0, sizeof(*p));
}

int rw_trust_payload_parse(const uint8_t *buf, size_t len, bool sigstore, rw_trust_payload_t *out,
                           char **why)
{
    memset(out, 0, sizeof(*out));
    json_error_t je;
    cleanup_json json_t *doc = json_loadb((const char *)buf, len, JSON_REJECT_DUPLICATES, &je);
    if (!doc)
        return why_set(why, "the payload is not valid JSON: %s", je.text);
    static const char *const top[] = {"critical", "optional", NULL};
    int r = exact(doc, "payload", top, why);
    if (r < 0)
        return r;
    json_t *opt = json_object_get(doc, "optional");
    if (!(sigstore && json_is_null(opt))) {
        if (!json_is_object(opt))
            return why_set(why, "payload.optional: a JSON object was expected");
        json_t *c = json_object_get(opt, "creator");
        if (c) {
            if (!json_is_string(c))
                return why_set(why, "payload.optional.creator: must be a string");
            if (!(out->creator = strdup(json_string_value(c))))
                return -ENOMEM;
        }
        json_t *t = json_object_get(opt, "timestamp");
        if (t) {
            if (json_is_integer(t)) {
                out->timestamp = json_integer_value(t);
            } else if (json_is_real(t)) {
                double d = json_real_value(t);
                if (!(d >= -9.2e18 && d <= 9.2e18) || floor(d) != d) {
                    rw_trust_payload_clear(out);
                    return why_set(why, "payload.optional.timestamp: is not an integer");
                }
                out->timestamp = (int64_t)d;
            } else {
                rw_trust_payload_clear(out);
                return why_set(why, "payload.optional.timestamp: must be a number");
            }
            out->has_timestamp = true;
        }
    }
    json_t *crit = json_object_get(doc, "critical");
    static const char *const ck[] = {"type", "image", "identity", NULL};
    static const char *const ik[] = {"docker-manifest-digest", NULL};
    static const char *const dk[] = {"docker-reference", NULL};
    cleanup_free char *type = NULL;
    if ((r = exact(crit, "payload.critical", ck, why)) < 0 ||
        (r = str_of(crit, "type", "payload.critical", &type, why)) < 0) {
        rw_trust_payload_clear(out);
        return r;
    }
    const char *want = sigstore ? RW_TRUST_COSIGN_TYPE : RW_TRUST_SIMPLE_TYPE;
    if (strcmp(type, want) != 0) {
        rw_trust_payload_clear(out);
        return why_set(why, "unrecognized signature type \"%.100s\"", type);
    }
    json_t *img = json_object_get(crit, "image"), *id = json_object_get(crit, "identity");
    if ((r = exact(img, "payload.critical.image", ik, why)) < 0 ||
        (r = str_of(img, "docker-manifest-digest", "payload.critical.image", &out->digest, why)) <
            0 ||
        (r = exact(id, "payload.critical.identity", dk, why)) < 0 ||
        (r = str_of(id, "docker-reference", "payload.critical.identity", &out->docker_ref, why)) <
            0) {
        rw_trust_payload_clear(out);
        return r;
    }
    /* Sigstore parses the digest (digest.Parse); simple signing keeps it as a string and
     * only compares it with the manifest's later. */
    if (sigstore && !rw_trust_digest_valid(out->digest)) {
        r = why_set(why, "invalid docker-manifest-digest value \"%.100s\"", out->digest);
        rw_trust_payload_clear(out);
        return r;
    }
    return 0;
}

void rw_trust_sig_clear(rw_trust_sig_t *s)
{
    free(s->mime);
    free(s->payload);
    free(s->sig_b64);
    memset(s, 0, sizeof(*s));
}

static int decode_sigstore_json(const uint8_t *chunk, size_t len, rw_trust_sig_t *out, char **why)
{
    json_error_t je;
    cleanup_json json_t *o = json_loadb((const char *)chunk, len, JSON_REJECT_DUPLICATES, &je);
    if (!o || !json_is_object(o))
        return why_set(why, "the sigstore signature is not a JSON object");
    /* encoding/json: unknown keys are ignored, field names match case-insensitively. */
    const char *k;
    json_t *v;
    json_t *mime = NULL, *payload = NULL, *ann = NULL;
    json_object_foreach(o, k, v)
    {
        if (strcasecmp(k, "mimeType") == 0)
            mime = v;
        else if (strcasecmp(k, "payload") == 0)
            payload = v;
        else if (strcasecmp(k, "annotations") == 0)
            ann = v;
    }
    out->format = RW_TRUST_SIG_SIGSTORE;
    if (mime && !json_is_null(mime)) {
        if (!json_is_string(mime))
            return why_set(why, "sigstore mimeType must be a string");
        if (!(out->mime = strdup(json_string_value(mime))))
            return -ENOMEM;
    }
    if (payload && !json_is_null(payload)) {
        if (!json_is_string(payload))
            return why_set(why, "sigstore payload must be a base64 string");
        int r = rw_trust_b64_decode(json_string_value(payload), json_string_length(payload), true,
                                    &out->payload, &out->payload_len);
        if (r == -ENOMEM)
            return r;
        if (r < 0)
            return why_set(why, "sigstore payload is not valid base64");
    }
    if (ann && !json_is_null(ann)) {
        if (!json_is_object(ann))
            return why_set(why, "sigstore annotations must be an object of strings");
        json_object_foreach(ann, k, v)
        {
            if (!json_is_string(v))
                return why_set(why, "sigstore annotation \"%.100s\" must be a string", k);
            if (strcmp(k, RW_TRUST_COSIGN_SIG_ANNOTATION) == 0 &&
                !(out->sig_b64 = strdup(json_string_value(v))))
                return -ENOMEM;
        }
    }
    return 0;
}

int rw_trust_sig_decode(const uint8_t *blob, size_t len, rw_trust_sig_t *out, char **why)
{
    memset(out, 0, sizeof(*out));
    if (len == 0)
        return why_set(why, "empty signature blob");
    switch (blob[0]) {
    /* OpenPGP packets that can start a signed message: compressed data, one-pass signature
     * and signature packets, old and new formats. */
    case 0xA0:
    case 0xA1:
    case 0xA2:
    case 0xA3:
    case 0xC8:
    case 0x90:
    case 0x91:
    case 0x92:
    case 0x3d:
    case 0xC4:
    case 0x88:
    case 0x89:
    case 0x8A:
    case 0x8B:
    case 0xC2:
        out->format = RW_TRUST_SIG_SIMPLE;
        out->pgp = blob;
        out->pgp_len = len;
        return 0;
    case 0x00: {
        const uint8_t *nl = memchr(blob + 1, '\n', len - 1);
        if (!nl)
            return why_set(why, "invalid signature format, missing newline");
        size_t flen = (size_t)(nl - blob - 1);
        for (size_t i = 0; i < flen; i++)
            if (blob[1 + i] < 32 || blob[1 + i] >= 0x7F)
                return why_set(why, "invalid signature format, non-ASCII byte 0x%02x", blob[1 + i]);
        const uint8_t *chunk = nl + 1;
        size_t clen = len - (size_t)(chunk - blob);
        if (flen == 14 && memcmp(blob + 1, "simple-signing", 14) == 0) {
            out->format = RW_TRUST_SIG_SIMPLE;
            out->pgp = chunk;
            out->pgp_len = clen;
            return 0;
        }
        if (flen == 13 && memcmp(blob + 1, "sigstore-json", 13) == 0) {
            int r = decode_sigstore_json(chunk, clen, out, why);
            if (r < 0)
                rw_trust_sig_clear(out);
            return r;
        }
        return why_set(why, "unrecognized signature format \"%.*s\"", (int)(flen > 64 ? 64 : flen),
                       (const char *)blob + 1);
    }
    default:
        return why_set(why, "unrecognized signature format, starting with binary 0x%02x", blob[0]);
    }
}
