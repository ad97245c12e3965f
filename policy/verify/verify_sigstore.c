/* Sigstore public-key signatures with OpenSSL, as sigstore's LoadVerifier does for
 * containers/image: ECDSA (ASN.1) and RSA PKCS#1 v1.5 over SHA-256, Ed25519 over the raw
 * payload. */
#include "verify_backends.h"

#include <errno.h>
#include <stdbool.h>
#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct rw_sigstore_keys {
    EVP_PKEY **keys;
    size_t n;
};

void rw_sigstore_keys_free(rw_sigstore_keys_t *k)
{
    if (!k)
        return;
    for (size_t i = 0; i < k->n; i++)
        EVP_PKEY_free(k->keys[i]);
    free(k->keys);
    free(k);
}

/* The first PEM block must be PUBLIC KEY (PKIX) or RSA PUBLIC KEY (PKCS#1). */
static EVP_PKEY *load_pem(const struct rw_blob *b)
{
    BIO *bio = BIO_new_mem_buf(b->data, (int)b->len);
    if (!bio)
        return NULL;
    char *name = NULL, *header = NULL;
    unsigned char *der = NULL;
    long dlen = 0;
    EVP_PKEY *pk = NULL;
    if (PEM_read_bio(bio, &name, &header, &der, &dlen) == 1) {
        const unsigned char *p = der;
        if (strcmp(name, "PUBLIC KEY") == 0)
            pk = d2i_PUBKEY(NULL, &p, dlen);
        else if (strcmp(name, "RSA PUBLIC KEY") == 0)
            pk = d2i_PublicKey(EVP_PKEY_RSA, NULL, &p, dlen);
    }
    OPENSSL_free(name);
    OPENSSL_free(header);
    OPENSSL_free(der);
    BIO_free(bio);
    return pk;
}

int rw_sigstore_keys_new(const struct rw_blob *keys, size_t n, rw_sigstore_keys_t **ret,
                         json_t **ret_ids, char **ret_error)
{
    rw_sigstore_keys_t *k = calloc(1, sizeof(*k));
    if (!k || !(k->keys = calloc(n ? n : 1, sizeof(EVP_PKEY *)))) {
        free(k);
        return -ENOMEM;
    }
    json_t *ids = json_array();
    for (size_t i = 0; i < n; i++) {
        EVP_PKEY *pk = load_pem(&keys[i]);
        if (!pk) {
            ERR_clear_error();
            if (asprintf(ret_error,
                         "key %zu is not a PEM public key (PUBLIC KEY or RSA PUBLIC "
                         "KEY)",
                         i + 1) < 0)
                *ret_error = NULL;
            json_decref(ids);
            rw_sigstore_keys_free(k);
            return -EINVAL;
        }
        int t = EVP_PKEY_get_base_id(pk);
        if (t != EVP_PKEY_EC && t != EVP_PKEY_RSA && t != EVP_PKEY_ED25519) {
            EVP_PKEY_free(pk);
            if (asprintf(ret_error, "key %zu has an unsupported type", i + 1) < 0)
                *ret_error = NULL;
            json_decref(ids);
            rw_sigstore_keys_free(k);
            return -EINVAL;
        }
        k->keys[k->n++] = pk;
        char id[32];
        snprintf(id, sizeof(id), "%zu", i);
        json_array_append_new(ids, json_string(id));
    }
    if (k->n == 0) {
        json_decref(ids);
        rw_sigstore_keys_free(k);
        *ret_error = strdup("no public keys");
        return -ENOKEY;
    }
    *ret = k;
    *ret_ids = ids;
    return 0;
}

static int verify_one(EVP_PKEY *pk, const uint8_t *payload, size_t plen, const uint8_t *sig,
                      size_t slen)
{
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    if (!ctx)
        return -ENOMEM;
    bool ed = EVP_PKEY_get_base_id(pk) == EVP_PKEY_ED25519;
    int ok = EVP_DigestVerifyInit(ctx, NULL, ed ? NULL : EVP_sha256(), NULL, pk) == 1 &&
             EVP_DigestVerify(ctx, sig, slen, payload, plen) == 1;
    EVP_MD_CTX_free(ctx);
    ERR_clear_error();
    return ok ? 0 : -EBADMSG;
}

int rw_sigstore_verify(rw_sigstore_keys_t *k, const uint8_t *payload, size_t plen,
                       const uint8_t *sig, size_t slen, size_t *ret_index, char **ret_error)
{
    for (size_t i = 0; i < k->n; i++)
        if (verify_one(k->keys[i], payload, plen, sig, slen) == 0) {
            *ret_index = i;
            return 0;
        }
    *ret_error = strdup(k->n > 1 ? "cryptographic signature verification failed with every "
                                   "trusted key"
                                 : "cryptographic signature verification failed");
    return -EBADMSG;
}
