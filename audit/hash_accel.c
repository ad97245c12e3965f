/* Optional libcrypto SHA-256 for the verifier, loaded at run time so the runwarden
 * binary never links libcrypto. Any doubt (missing library, missing symbol, a digest that
 * differs from ours on a known input) keeps the built-in implementation. */
#include "hash_accel.h"

#include <dlfcn.h>
#include <string.h>

typedef void *(*ctx_new_fn)(void);
typedef const void *(*md_fn)(void);
typedef int (*init_fn)(void *, const void *, void *);
typedef int (*update_fn)(void *, const void *, size_t);
typedef int (*final_fn)(void *, unsigned char *, unsigned int *);

static struct {
    bool on;
    void *ctx;
    const void *md;
    init_fn init;
    update_fn update;
    final_fn final;
} acc;

static void accel_sha256(const void *p, size_t len, uint8_t out[RW_SHA256_LEN])
{
    unsigned int l = 0;
    if (acc.init(acc.ctx, acc.md, NULL) != 1 || acc.update(acc.ctx, p, len) != 1 ||
        acc.final(acc.ctx, out, &l) != 1 || l != RW_SHA256_LEN)
        rw_sha256(p, len, out); /* never guess: fall back for this line */
}

void rw_audit_hash_line(const void *p, size_t len, uint8_t out[RW_SHA256_LEN])
{
    if (acc.on)
        accel_sha256(p, len, out);
    else
        rw_sha256(p, len, out);
}

bool rw_audit_hash_accelerate(void)
{
    if (acc.on)
        return true;
    void *h = dlopen("libcrypto.so.3", RTLD_NOW | RTLD_LOCAL);
    if (!h)
        return false;
    ctx_new_fn ctx_new = (ctx_new_fn)dlsym(h, "EVP_MD_CTX_new");
    md_fn sha256 = (md_fn)dlsym(h, "EVP_sha256");
    acc.init = (init_fn)dlsym(h, "EVP_DigestInit_ex");
    acc.update = (update_fn)dlsym(h, "EVP_DigestUpdate");
    acc.final = (final_fn)dlsym(h, "EVP_DigestFinal_ex");
    if (!ctx_new || !sha256 || !acc.init || !acc.update || !acc.final)
        return false;
    acc.ctx = ctx_new();
    acc.md = sha256();
    if (!acc.ctx || !acc.md)
        return false;
    /* a self-check over a length that spans several blocks */
    static const char probe[] = "runwarden audit hash self-check: 0123456789abcdefghijklmnopq"
                                "rstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ";
    uint8_t a[RW_SHA256_LEN], b[RW_SHA256_LEN];
    rw_sha256(probe, sizeof(probe) - 1, a);
    accel_sha256(probe, sizeof(probe) - 1, b);
    if (memcmp(a, b, sizeof(a)) != 0)
        return false;
    acc.on = true;
    return true;
}
