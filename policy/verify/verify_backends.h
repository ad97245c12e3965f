/* Cryptographic back ends of runwarden-trust-verify: OpenPGP (librnp) and sigstore public
 * keys (OpenSSL). Pure functions of their inputs; no file access. */
#pragma once

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#define RW_GPG_MAX_PAYLOAD (4u << 20)

struct rw_blob {
    uint8_t *data;
    size_t len;
};

typedef struct rw_gpg_keyring rw_gpg_keyring_t;

/* Imports every key blob (binary or armored); *ret_fprs lists primary fingerprints. A
 * keyring with no key is an error ("No public keys imported"), as upstream. */
int rw_gpg_keyring_new(const struct rw_blob *keys, size_t n, rw_gpg_keyring_t **ret,
                       json_t **ret_fprs, char **ret_error);
void rw_gpg_keyring_free(rw_gpg_keyring_t *k);
/* Verifies an OpenPGP signed message; returns the signer's primary fingerprint and the
 * signed literal data. */
int rw_gpg_verify(rw_gpg_keyring_t *k, const uint8_t *sig, size_t len, char **ret_fpr,
                  uint8_t **ret_payload, size_t *ret_payload_len, char **ret_error);

typedef struct rw_sigstore_keys rw_sigstore_keys_t;

/* Parses PEM public keys ("PUBLIC KEY" or "RSA PUBLIC KEY"). Any unparsable key fails the
 * whole set, as upstream refuses a policy whose key does not load. */
int rw_sigstore_keys_new(const struct rw_blob *keys, size_t n, rw_sigstore_keys_t **ret,
                         json_t **ret_ids, char **ret_error);
void rw_sigstore_keys_free(rw_sigstore_keys_t *k);
/* Verifies sig over payload with any of the keys; *ret_index is the key that verified. */
int rw_sigstore_verify(rw_sigstore_keys_t *k, const uint8_t *payload, size_t plen,
                       const uint8_t *sig, size_t slen, size_t *ret_index, char **ret_error);
