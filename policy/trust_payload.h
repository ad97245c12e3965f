/* Signature payloads, parsed as strictly as containers/image does: simple signing
 * ("atomic container signature", docs/containers-signature.5.md) and sigstore
 * ("cosign container image signature"), plus the on-disk signature blob formats. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define RW_TRUST_SIMPLE_TYPE "atomic container signature"
#define RW_TRUST_COSIGN_TYPE "cosign container image signature"
#define RW_TRUST_COSIGN_MIME "application/vnd.dev.cosign.simplesigning.v1+json"
#define RW_TRUST_COSIGN_SIG_ANNOTATION "dev.cosignproject.cosign/signature"

typedef struct rw_trust_payload {
    char *digest;     /* critical.image.docker-manifest-digest */
    char *docker_ref; /* critical.identity.docker-reference */
    char *creator;    /* optional.creator, NULL when absent */
    bool has_timestamp;
    int64_t timestamp;
} rw_trust_payload_t;

/* Parses a payload; sigstore selects the cosign type and allows "optional": null. On
 * failure returns -EINVAL and a malloc'ed reason in *why. */
int rw_trust_payload_parse(const uint8_t *buf, size_t len, bool sigstore, rw_trust_payload_t *out,
                           char **why);
void rw_trust_payload_clear(rw_trust_payload_t *p);

typedef enum rw_trust_sig_format {
    RW_TRUST_SIG_SIMPLE = 0,
    RW_TRUST_SIG_SIGSTORE,
} rw_trust_sig_format_t;

typedef struct rw_trust_sig {
    rw_trust_sig_format_t format;
    /* simple signing: the OpenPGP message (points into the blob) */
    const uint8_t *pgp;
    size_t pgp_len;
    /* sigstore */
    char *mime;       /* NULL when absent */
    uint8_t *payload; /* decoded */
    size_t payload_len;
    char *sig_b64; /* annotation dev.cosignproject.cosign/signature; NULL if absent */
} rw_trust_sig_t;

/* Decodes a signature blob as stored (internal/signature FromBlob). The sig keeps pointers
 * into blob for simple signing. -EINVAL with a malloc'ed reason in *why. */
int rw_trust_sig_decode(const uint8_t *blob, size_t len, rw_trust_sig_t *out, char **why);
void rw_trust_sig_clear(rw_trust_sig_t *s);
