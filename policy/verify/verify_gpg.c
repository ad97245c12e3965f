/* OpenPGP verification with librnp, with containers/image's acceptance rules: exactly one
 * signature, valid status, a key that is valid (not revoked or expired); the key identity
 * reported is the primary key's fingerprint even when a subkey signed. */
#include "verify_backends.h"

#include <errno.h>
#include <stdarg.h>
#include <rnp/rnp.h>
#include <rnp/rnp_err.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../common/cleanup.h"

struct rw_gpg_keyring {
    rnp_ffi_t ffi;
};

int rw_gpg_keyring_new(const struct rw_blob *keys, size_t n, rw_gpg_keyring_t **ret,
                       json_t **ret_fprs, char **ret_error)
{
    rw_gpg_keyring_t *k = calloc(1, sizeof(*k));
    if (!k)
        return -ENOMEM;
    if (rnp_ffi_create(&k->ffi, "GPG", "GPG") != RNP_SUCCESS) {
        free(k);
        *ret_error = strdup("cannot initialise librnp");
        return -EIO;
    }
    for (size_t i = 0; i < n; i++) {
        rnp_input_t in = NULL;
        if (rnp_input_from_memory(&in, keys[i].data, keys[i].len, false) != RNP_SUCCESS)
            continue;
        rnp_result_t r =
            rnp_import_keys(k->ffi, in, RNP_LOAD_SAVE_PUBLIC_KEYS | RNP_LOAD_SAVE_PERMISSIVE, NULL);
        rnp_input_destroy(in);
        (void)r; /* a blob without keys simply adds none, as with gpgme */
    }
    json_t *fprs = json_array();
    rnp_identifier_iterator_t it = NULL;
    if (fprs && rnp_identifier_iterator_create(k->ffi, &it, "fingerprint") == RNP_SUCCESS) {
        const char *id = NULL;
        while (rnp_identifier_iterator_next(it, &id) == RNP_SUCCESS && id) {
            rnp_key_handle_t key = NULL;
            bool primary = false;
            if (rnp_locate_key(k->ffi, "fingerprint", id, &key) == RNP_SUCCESS && key &&
                rnp_key_is_primary(key, &primary) == RNP_SUCCESS && primary)
                json_array_append_new(fprs, json_string(id));
            rnp_key_handle_destroy(key);
        }
        rnp_identifier_iterator_destroy(it);
    }
    if (!fprs || json_array_size(fprs) == 0) {
        json_decref(fprs);
        rw_gpg_keyring_free(k);
        *ret_error = strdup("No public keys imported");
        return -ENOKEY;
    }
    *ret_fprs = fprs;
    *ret = k;
    return 0;
}

void rw_gpg_keyring_free(rw_gpg_keyring_t *k)
{
    if (!k)
        return;
    rnp_ffi_destroy(k->ffi);
    free(k);
}

static char *errorf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static char *errorf(const char *fmt, ...)
{
    char *s = NULL;
    va_list ap;
    va_start(ap, fmt);
    int r = vasprintf(&s, fmt, ap);
    va_end(ap);
    return r < 0 ? NULL : s;
}

int rw_gpg_verify(rw_gpg_keyring_t *k, const uint8_t *sig, size_t len, char **ret_fpr,
                  uint8_t **ret_payload, size_t *ret_payload_len, char **ret_error)
{
    rnp_input_t in = NULL;
    rnp_output_t out = NULL;
    rnp_op_verify_t op = NULL;
    int ret = -EBADMSG;
    if (rnp_input_from_memory(&in, sig, len, false) != RNP_SUCCESS ||
        rnp_output_to_memory(&out, RW_GPG_MAX_PAYLOAD) != RNP_SUCCESS ||
        rnp_op_verify_create(&op, k->ffi, in, out) != RNP_SUCCESS) {
        *ret_error = strdup("cannot set up OpenPGP verification");
        ret = -EIO;
        goto out;
    }
    rnp_result_t exec = rnp_op_verify_execute(op);
    size_t count = 0;
    rnp_op_verify_get_signature_count(op, &count);
    if (count != 1) {
        if (count == 0)
            *ret_error =
                errorf("not a valid OpenPGP signed message (%s)", rnp_result_to_string(exec));
        else
            *ret_error = errorf("unexpected OpenPGP signature count (%s)", "more than one");
        goto out;
    }
    rnp_op_verify_signature_t s = NULL;
    rnp_op_verify_get_signature_at(op, 0, &s);
    rnp_result_t st = s ? rnp_op_verify_signature_get_status(s) : RNP_ERROR_BAD_PARAMETERS;
    if (st == RNP_ERROR_KEY_NOT_FOUND) {
        char *keyid = NULL;
        rnp_signature_handle_t h = NULL;
        if (rnp_op_verify_signature_get_handle(s, &h) == RNP_SUCCESS && h)
            rnp_signature_get_keyid(h, &keyid);
        *ret_error = errorf("signed by key %s, which is not one of the keys this requirement "
                            "trusts",
                            keyid ? keyid : "(unknown)");
        rnp_buffer_destroy(keyid);
        rnp_signature_handle_destroy(h);
        goto out;
    }
    if (st == RNP_ERROR_SIGNATURE_EXPIRED) {
        *ret_error = strdup("the signature has expired");
        goto out;
    }
    if (st != RNP_SUCCESS || exec != RNP_SUCCESS) {
        *ret_error = errorf("invalid OpenPGP signature (%s)",
                            rnp_result_to_string(st != RNP_SUCCESS ? st : exec));
        goto out;
    }
    rnp_key_handle_t key = NULL;
    if (rnp_op_verify_signature_get_key(s, &key) != RNP_SUCCESS || !key) {
        *ret_error = strdup("the signing key is not in the keyring");
        goto out;
    }
    bool revoked = false, expired = false, valid = true, sub = false;
    rnp_key_is_revoked(key, &revoked);
    rnp_key_is_expired(key, &expired);
    rnp_key_is_valid(key, &valid);
    rnp_key_is_sub(key, &sub);
    char *fpr = NULL;
    if (sub)
        rnp_key_get_primary_fprint(key, &fpr);
    else
        rnp_key_get_fprint(key, &fpr);
    rnp_key_handle_destroy(key);
    if (revoked || expired || !valid) {
        *ret_error = errorf("the signing key %s is revoked, expired or otherwise invalid",
                            fpr ? fpr : "(unknown)");
        rnp_buffer_destroy(fpr);
        goto out;
    }
    uint8_t *buf = NULL;
    size_t blen = 0;
    if (!fpr || rnp_output_memory_get_buf(out, &buf, &blen, false) != RNP_SUCCESS) {
        rnp_buffer_destroy(fpr);
        *ret_error = strdup("cannot read the signed payload");
        goto out;
    }
    *ret_payload = malloc(blen + 1);
    *ret_fpr = strdup(fpr);
    rnp_buffer_destroy(fpr);
    if (!*ret_payload || !*ret_fpr) {
        ret = -ENOMEM;
        goto out;
    }
    memcpy(*ret_payload, buf, blen);
    *ret_payload_len = blen;
    ret = 0;
out:
    rnp_op_verify_destroy(op);
    rnp_input_destroy(in);
    rnp_output_destroy(out);
    return ret;
}
