/* Forward-secure sealing: one-way key evolution, the key file (mode, atomic replacement,
 * no copy of an old key left in it), seal lines that verify only with the right epoch,
 * catching up after a crash between seal and key update, and verification keys. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "audit/log_line.h"
#include "audit_testlib.h"

static void test_evolve_and_derive(void **state)
{
    (void)state;
    uint8_t k0[32], k[32], d[32];
    for (int i = 0; i < 32; i++)
        k0[i] = (uint8_t)i;
    memcpy(k, k0, 32);
    for (int e = 1; e <= 10; e++) {
        rw_audit_key_evolve(k);
        rw_audit_key_derive(k0, (uint64_t)e, d);
        assert_memory_equal(k, d, 32);
        assert_memory_not_equal(k, k0, 32);
    }
    /* k1 = SHA-256("runwarden-audit-evolve-v1" || k0): the documented construction */
    uint8_t buf[25 + 32];
    memcpy(buf, "runwarden-audit-evolve-v1", 25);
    memcpy(buf + 25, k0, 32);
    rw_sha256(buf, sizeof(buf), d);
    memcpy(k, k0, 32);
    rw_audit_key_evolve(k);
    assert_memory_equal(k, d, 32);
    char f1[17], f2[17];
    rw_audit_key_fpr(k0, f1);
    rw_audit_key_fpr(k, f2);
    assert_int_equal(strlen(f1), 16);
    assert_string_not_equal(f1, f2);
}

static void test_key_file(void **state)
{
    (void)state;
    tlog_t t;
    tlog_init(&t, 0, 0);
    uint8_t k0[32];
    tlog_keygen(&t, k0);
    struct stat st;
    assert_int_equal(stat(t.key, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0600);
    rw_audit_key_t k;
    rw_error_t *err = NULL;
    assert_int_equal(rw_audit_key_load(t.key, &k, &err), 0);
    assert_int_equal(k.epoch, 0);
    assert_memory_equal(k.key, k0, 32);
    /* a second init refuses to clobber it */
    uint8_t again[32];
    rw_audit_key_t st2;
    assert_int_equal(rw_audit_key_create(t.key, false, again, &st2, &err), -EEXIST);
    rw_error_free(err);
    err = NULL;
    /* group-readable key: refused */
    chmod(t.key, 0640);
    assert_int_equal(rw_audit_key_load(t.key, &k, &err), -EPERM);
    rw_error_free(err);
    err = NULL;
    chmod(t.key, 0600);
    assert_int_equal(rw_audit_key_load("/nonexistent/key", &k, &err), -ENOENT);
    assert_null(err);
    tlog_cleanup(&t);
}

static void test_seal_evolves_and_forgets(void **state)
{
    (void)state;
    tlog_t t;
    tlog_init(&t, 0, 0);
    uint8_t k0[32];
    tlog_keygen(&t, k0);
    char k0hex[65];
    rw_hex(k0, 32, k0hex);
    for (int i = 0; i < 3; i++)
        assert_int_equal(tlog_append(&t, i), 0);
    rw_error_t *err = NULL;
    rw_audit_log_t *l = NULL;
    assert_int_equal(rw_audit_log_open(&t.o, &l, &err), 0);
    assert_int_equal(rw_audit_seal_now(l, t.key, "command", &err), 1);
    assert_true(l->last_is_seal);
    assert_int_equal(l->last_seal_epoch, 0);
    /* sealing twice in a row writes nothing */
    assert_int_equal(rw_audit_seal_now(l, t.key, "command", &err), 0);
    rw_audit_log_close(l);

    rw_audit_key_t k;
    assert_int_equal(rw_audit_key_load(t.key, &k, &err), 0);
    assert_int_equal(k.epoch, 1);
    uint8_t k1[32];
    rw_audit_key_derive(k0, 1, k1);
    assert_memory_equal(k.key, k1, 32);
    /* k0 no longer appears in the key file, and nothing else is left in its directory */
    size_t len = 0;
    char *kb = tlog_read(t.key, &len);
    assert_null(strstr(kb, k0hex));
    free(kb);

    /* the seal line: epoch 0, verifies with k0 and not with k1 */
    char *buf = tlog_read(t.path, &len);
    lines_t L;
    lines_split(buf, len, &L);
    const char *s = L.l[L.n - 1];
    assert_non_null(strstr(s, "\"event\":\"seal\""));
    assert_non_null(strstr(s, "\"epoch\":0"));
    uint8_t mac[32], want[32];
    size_t off = rw_audit_line_mac_offset(s, strlen(s), mac);
    assert_true(off > 0);
    rw_audit_seal_mac(k0, s, off, want);
    assert_memory_equal(mac, want, 32);
    rw_audit_seal_mac(k1, s, off, want);
    assert_memory_not_equal(mac, want, 32);
    rw_audit_verify_report_t r = verify_buf(buf, len, k0, &k);
    assert_int_equal(r.verdict, RW_AUDIT_INTACT);
    assert_int_equal(r.seals_verified, 1);
    assert_int_equal(r.unsealed, 0);
    lines_free(&L);
    free(buf);
    char cmd[300];
    snprintf(cmd, sizeof(cmd), "test \"$(ls -A %s/key)\" = seal.key", t.dir);
    assert_int_equal(system(cmd), 0);
    /* a temporary file stranded by a crash is scrubbed and reused, never left with a key */
    char stale[200];
    snprintf(stale, sizeof(stale), "%s/key/.seal.key.new", t.dir);
    tlog_write(stale, "stale key material", 18);
    assert_int_equal(tlog_append(&t, 9), 0);
    assert_int_equal(rw_audit_log_open(&t.o, &l, &err), 0);
    assert_int_equal(rw_audit_seal_now(l, t.key, "command", &err), 1);
    rw_audit_log_close(l);
    assert_int_equal(system(cmd), 0);
    assert_int_equal(rw_audit_key_load(t.key, &k, &err), 0);
    assert_int_equal(k.epoch, 2);
    tlog_cleanup(&t);
}

static void test_catch_up_after_crash(void **state)
{
    (void)state;
    tlog_t t;
    tlog_init(&t, 0, 0);
    uint8_t k0[32];
    tlog_keygen(&t, k0);
    assert_int_equal(tlog_append(&t, 1), 0);
    /* keep the epoch-0 key file, seal (key moves to epoch 1), then put the old file back:
     * as if the machine died after the seal was durable but before the key update */
    size_t klen = 0;
    char *old = tlog_read(t.key, &klen);
    rw_error_t *err = NULL;
    rw_audit_log_t *l = NULL;
    assert_int_equal(rw_audit_log_open(&t.o, &l, &err), 0);
    assert_int_equal(rw_audit_seal_now(l, t.key, "command", &err), 1);
    rw_audit_log_close(l);
    tlog_write(t.key, old, klen);
    free(old);
    /* the next append sees the log ending in an epoch-0 seal and moves the key on */
    assert_int_equal(tlog_append(&t, 2), 0);
    rw_audit_key_t k;
    assert_int_equal(rw_audit_key_load(t.key, &k, &err), 0);
    assert_int_equal(k.epoch, 1);
    /* the next seal is epoch 1, and everything verifies */
    assert_int_equal(rw_audit_log_open(&t.o, &l, &err), 0);
    assert_int_equal(rw_audit_seal_now(l, t.key, "command", &err), 1);
    assert_int_equal(l->last_seal_epoch, 1);
    rw_audit_log_close(l);
    size_t len = 0;
    char *buf = tlog_read(t.path, &len);
    assert_int_equal(rw_audit_key_load(t.key, &k, &err), 0);
    rw_audit_verify_report_t r = verify_buf(buf, len, k0, &k);
    assert_int_equal(r.verdict, RW_AUDIT_INTACT);
    assert_int_equal(r.seals_verified, 2);
    free(buf);
    tlog_cleanup(&t);
}

static void test_seal_every_n(void **state)
{
    (void)state;
    tlog_t t;
    tlog_init(&t, 4, 0);
    uint8_t k0[32];
    tlog_keygen(&t, k0);
    for (int i = 0; i < 20; i++)
        assert_int_equal(tlog_append(&t, i), 0);
    size_t len = 0;
    char *buf = tlog_read(t.path, &len);
    rw_audit_verify_report_t r = verify_buf(buf, len, k0, NULL);
    assert_int_equal(r.verdict, RW_AUDIT_INTACT);
    assert_true(r.seals >= 4);
    assert_int_equal(r.seals, r.seals_verified);
    assert_true(r.unsealed < 5);
    free(buf);
    tlog_cleanup(&t);
}

static void test_verification_key_file(void **state)
{
    (void)state;
    tlog_t t;
    tlog_init(&t, 0, 0);
    char p[160];
    snprintf(p, sizeof(p), "%s/vk", t.dir);
    const char *txt = "# keep off host\nrunwarden-audit-key:"
                      "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f\n";
    tlog_write(p, txt, strlen(txt));
    uint8_t k0[32];
    rw_error_t *err = NULL;
    assert_int_equal(rw_audit_verify_key_read(p, k0, &err), 0);
    assert_int_equal(k0[31], 0x1f);
    tlog_write(p, "zz\n", 3);
    assert_int_equal(rw_audit_verify_key_read(p, k0, &err), -EINVAL);
    rw_error_free(err);
    tlog_cleanup(&t);
}

static void test_rekey(void **state)
{
    (void)state;
    tlog_t t;
    tlog_init(&t, 3, 0);
    uint8_t k0[32], k0b[32];
    tlog_keygen(&t, k0);
    for (int i = 0; i < 7; i++)
        assert_int_equal(tlog_append(&t, i), 0);
    rw_audit_key_t st;
    rw_error_t *err = NULL;
    assert_int_equal(rw_audit_key_create(t.key, true, k0b, &st, &err), 0);
    /* an init record names the new key; its first seal must then be epoch 0 */
    char body[100];
    snprintf(body, sizeof(body), "{\"event\":\"init\",\"key\":\"%s\"}", st.fpr);
    assert_int_equal(rw_audit_append(&t.o, body, true, NULL, &err), 0);
    for (int i = 0; i < 7; i++)
        assert_int_equal(tlog_append(&t, i), 0);
    size_t len = 0;
    char *buf = tlog_read(t.path, &len);
    rw_audit_verifier_t *v = rw_audit_verifier_new();
    rw_audit_verifier_add_key(v, k0);
    rw_audit_verifier_add_key(v, k0b);
    assert_int_equal(rw_audit_verifier_feed(v, "log", buf, len, true), RW_AUDIT_INTACT);
    const rw_audit_verify_report_t *r = rw_audit_verifier_report(v);
    assert_true(r->seals_verified >= 4);
    rw_audit_verifier_free(v);
    /* only the old key: the new key's seals are refused */
    rw_audit_verify_report_t r1 = verify_buf(buf, len, k0, NULL);
    assert_int_equal(r1.problem, RW_AUDIT_P_BAD_SEAL);
    free(buf);
    tlog_cleanup(&t);
}

/* A key seals one log: the first seal binds it, sealing another log with it is refused
 * and leaves the key where it was (two logs would each show gaps in their epochs). */
static void test_key_bound_to_one_log(void **state)
{
    (void)state;
    tlog_t a, b;
    tlog_init(&a, 0, 0);
    tlog_init(&b, 0, 0);
    uint8_t k0[32];
    tlog_keygen(&a, k0);
    b.o.key_path = a.key; /* the misconfiguration: b's config names a's key */
    assert_int_equal(tlog_append(&a, 0), 0);
    assert_int_equal(tlog_append(&b, 0), 0);
    rw_error_t *err = NULL;
    rw_audit_log_t *l = NULL;
    assert_int_equal(rw_audit_log_open(&a.o, &l, &err), 0);
    assert_int_equal(rw_audit_seal_now(l, a.key, "command", &err), 1);
    rw_audit_log_close(l);
    rw_audit_key_t k;
    assert_int_equal(rw_audit_key_load(a.key, &k, &err), 0);
    assert_string_equal(k.log, a.path);
    assert_int_equal(k.epoch, 1);

    assert_int_equal(rw_audit_log_open(&b.o, &l, &err), 0);
    assert_int_equal(rw_audit_seal_now(l, a.key, "command", &err), -EXDEV);
    assert_non_null(err);
    assert_non_null(strstr(err->msg, "its own audit.sealKey"));
    rw_error_free(err);
    err = NULL;
    assert_false(l->last_is_seal);
    rw_audit_log_close(l);
    assert_int_equal(rw_audit_key_load(a.key, &k, &err), 0);
    assert_int_equal(k.epoch, 1);
    /* the bound log still seals, and the binding survives the key's evolution */
    assert_int_equal(tlog_append(&a, 1), 0);
    assert_int_equal(rw_audit_log_open(&a.o, &l, &err), 0);
    assert_int_equal(rw_audit_seal_now(l, a.key, "command", &err), 1);
    rw_audit_log_close(l);
    assert_int_equal(rw_audit_key_load(a.key, &k, &err), 0);
    assert_int_equal(k.epoch, 2);
    assert_string_equal(k.log, a.path);
    tlog_cleanup(&a);
    tlog_cleanup(&b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_evolve_and_derive),
        cmocka_unit_test(test_key_file),
        cmocka_unit_test(test_seal_evolves_and_forgets),
        cmocka_unit_test(test_catch_up_after_crash),
        cmocka_unit_test(test_seal_every_n),
        cmocka_unit_test(test_verification_key_file),
        cmocka_unit_test(test_rekey),
        cmocka_unit_test(test_key_bound_to_one_log),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
