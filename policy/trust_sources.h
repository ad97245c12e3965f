/* Where signatures come from: the image's big data in containers/storage first, then the
 * registries.d lookaside (file:// only). Internal to the trust module. */
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "../common/error.h"
#include "trust.h"
#include "trust_payload.h"

#define RW_TRUST_LOOKASIDE_MAX 128 /* maxLookasideSignatures */

typedef struct rw_trust_sigslot {
    char *origin; /* "storage" or the lookaside file */
    uint8_t *blob;
    size_t len;
    rw_trust_sig_t sig; /* decoded; valid when decode_error is NULL */
    char *decode_error;
} rw_trust_sigslot_t;

typedef struct rw_trust_sigs {
    rw_trust_sigslot_t *items;
    size_t n;
} rw_trust_sigs_t;

void rw_trust_sigs_clear(rw_trust_sigs_t *s);
/* The signatures stored with the image ("signatures" split by metadata sizes, or
 * "signature-<hex>" of the manifest digest). Damaged data is an error. */
int rw_trust_sigs_from_storage(rw_trust_subject_t *s, rw_trust_sigs_t *out, rw_error_t **err);
/* <dir>/<repo_path>@<algo>=<hex>/signature-N for N = 1.. until the first missing one. */
int rw_trust_sigs_from_lookaside(const char *dir, const char *repo_path,
                                 const char *manifest_digest, rw_trust_sigs_t *out,
                                 rw_error_t **err);

/* <graphroot>/<driver>-images/<id> (no links below the graph root), opened on first use and
 * kept in the subject: the fd is borrowed. */
int rw_trust_image_dir(rw_trust_subject_t *s, rw_error_t **err);
