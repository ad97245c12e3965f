/* Signature sources. Storage blobs are split by the sizes recorded in the image's metadata
 * (storage_src.go GetSignaturesWithFormat): a mismatch means damaged metadata. The
 * lookaside is read like docker_image_src.go does for file:// URLs. */
#include "trust_sources.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../common/cleanup.h"
#include "../common/fileio.h"

void rw_trust_sigs_clear(rw_trust_sigs_t *s)
{
    for (size_t i = 0; i < s->n; i++) {
        free(s->items[i].origin);
        free(s->items[i].blob);
        rw_trust_sig_clear(&s->items[i].sig);
        free(s->items[i].decode_error);
    }
    free(s->items);
    memset(s, 0, sizeof(*s));
}

static int add_sig(rw_trust_sigs_t *s, const char *origin, const uint8_t *blob, size_t len)
{
    for (size_t i = 0; i < s->n; i++)
        if (s->items[i].len == len && memcmp(s->items[i].blob, blob, len) == 0)
            return 0; /* the same blob from two places counts once */
    rw_trust_sigslot_t *n = realloc(s->items, (s->n + 1) * sizeof(*n));
    if (!n)
        return -ENOMEM;
    s->items = n;
    rw_trust_sigslot_t *slot = &n[s->n];
    memset(slot, 0, sizeof(*slot));
    slot->origin = strdup(origin);
    slot->blob = malloc(len ? len : 1);
    if (!slot->origin || !slot->blob) {
        free(slot->origin);
        free(slot->blob);
        return -ENOMEM;
    }
    memcpy(slot->blob, blob, len);
    slot->len = len;
    s->n++;
    int r = rw_trust_sig_decode(slot->blob, slot->len, &slot->sig, &slot->decode_error);
    if (r == -ENOMEM)
        return r;
    if (r < 0 && !slot->decode_error)
        slot->decode_error = strdup("undecodable signature");
    return 0;
}

int rw_trust_sigs_from_storage(rw_trust_subject_t *s, rw_trust_sigs_t *out, rw_error_t **err)
{
    if (s->source != RW_TRUST_SRC_STORAGE || !s->have_image)
        return 0;
    const size_t *sizes = NULL;
    size_t n = 0;
    const char *key = "signatures";
    cleanup_free char *instance_key = NULL;
    if (!rw_trust_image_rec_sig_sizes(&s->image, NULL, &sizes, &n)) {
        /* No top-level list: the per-instance list for this manifest, if any. */
        if (!s->manifest_digest ||
            !rw_trust_image_rec_sig_sizes(&s->image, s->manifest_digest, &sizes, &n))
            return 0;
        const char *colon = strchr(s->manifest_digest, ':');
        if (asprintf(&instance_key, "signature-%s", colon ? colon + 1 : s->manifest_digest) < 0)
            return -ENOMEM;
        key = instance_key;
    }
    int dfd = rw_trust_image_dir(s, err);
    if (dfd < 0)
        return dfd;
    cleanup_free char *fn = rw_trust_bigdata_filename(key);
    if (!fn)
        return -ENOMEM;
    cleanup_free char *buf = NULL;
    size_t len = 0;
    rw_error_t *e = NULL;
    int r = rw_file_read_at(dfd, fn, RW_TRUST_SIGNATURES_MAX, &buf, &len, NULL, &e);
    if (r < 0) {
        rw_error_set(err, -r,
                     "image %.12s: big data \"%s\": %s (the image metadata lists %zu "
                     "signatures)",
                     s->image.id, key, e ? e->msg : "cannot read", n);
        rw_error_free(e);
        return r;
    }
    rw_error_free(e);
    cleanup_free size_t *off = NULL;
    const char *why = NULL;
    r = rw_trust_split_signatures(len, sizes, n, &off, &why);
    if (r < 0)
        return rw_error_set(err, EINVAL, "image %.12s: big data \"%s\": %s", s->image.id, key, why);
    for (size_t i = 0; i < n; i++)
        if ((r = add_sig(out, "storage", (const uint8_t *)buf + off[i], sizes[i])) < 0)
            return r;
    return 0;
}

int rw_trust_sigs_from_lookaside(const char *dir, const char *repo_path,
                                 const char *manifest_digest, rw_trust_sigs_t *out,
                                 rw_error_t **err)
{
    const char *colon = strchr(manifest_digest, ':');
    if (!colon)
        return 0;
    cleanup_free char *sigdir = NULL;
    if (asprintf(&sigdir, "%s/%s@%.*s=%s", dir, repo_path, (int)(colon - manifest_digest),
                 manifest_digest, colon + 1) < 0)
        return -ENOMEM;
    cleanup_close int dfd = open(sigdir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dfd < 0) {
        if (errno == ENOENT || errno == ENOTDIR)
            return 0;
        return rw_error_setsys(err, errno, "lookaside %s: cannot open", sigdir);
    }
    for (int i = 1; i <= RW_TRUST_LOOKASIDE_MAX; i++) {
        char name[32];
        snprintf(name, sizeof(name), "signature-%d", i);
        cleanup_free char *buf = NULL, *origin = NULL;
        size_t len = 0;
        rw_error_t *e = NULL;
        int r = rw_file_read_at(dfd, name, RW_TRUST_SIGNATURES_MAX, &buf, &len, NULL, &e);
        if (r == -ENOENT) {
            rw_error_free(e);
            break;
        }
        if (r < 0) {
            rw_error_set(err, -r, "lookaside %s/%s: %s", sigdir, name, e ? e->msg : "cannot read");
            rw_error_free(e);
            return r;
        }
        rw_error_free(e);
        if (asprintf(&origin, "lookaside %s/%s", sigdir, name) < 0)
            return -ENOMEM;
        if ((r = add_sig(out, origin, (const uint8_t *)buf, len)) < 0)
            return r;
    }
    return 0;
}
