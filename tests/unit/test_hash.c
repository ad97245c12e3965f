/* The project's one SHA-256 (common/hash.c): NIST and RFC 4231 known answers, every length
 * around the one- and two-block padding boundaries and arbitrary chunking, each run once
 * on the portable code (forced by the test hook) and once on the CPU's choice (the SHA
 * extensions where present), and the two compared with each other. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "common/hash.h"

static void hex_of(const void *msg, size_t len, char out[65])
{
    uint8_t d[32];
    rw_sha256(msg, len, d);
    rw_hex(d, 32, out);
}

static void nist_vectors(void)
{
    char h[65];
    hex_of("", 0, h);
    assert_string_equal(h, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    hex_of("abc", 3, h);
    assert_string_equal(h, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    static const char two[] = "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";
    hex_of(two, sizeof(two) - 1, h);
    assert_string_equal(h, "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
    static const char four[] = "abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmnhijklmno"
                               "ijklmnopjklmnopqklmnopqrlmnopqrsmnopqrstnopqrstu";
    hex_of(four, sizeof(four) - 1, h);
    assert_string_equal(h, "cf5b16a778af8380036ce59e7b0492370b249b11e8f07a51afac45037afee9d1");
    /* one million 'a', fed in uneven pieces */
    static char a[1000];
    memset(a, 'a', sizeof(a));
    rw_sha256_t c;
    rw_sha256_init(&c);
    size_t left = 1000000;
    for (size_t k = 1; left; k = k % 997 + 1) {
        size_t n = k < left ? k : left;
        rw_sha256_update(&c, a, n);
        left -= n;
    }
    uint8_t d[32];
    rw_sha256_final(&c, d);
    rw_hex(d, 32, h);
    assert_string_equal(h, "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
}

/* SHA-256 over the 131 digests of the first 0..130 bytes of a pattern (value from Python's
 * hashlib): every padding case of one and two blocks and the 64/128 boundaries. */
static void boundary_lengths(void)
{
    uint8_t pat[200], all[131 * 32], d[32];
    for (size_t i = 0; i < sizeof(pat); i++)
        pat[i] = (uint8_t)(i * 7 + 3);
    for (size_t n = 0; n <= 130; n++)
        rw_sha256(pat, n, all + 32 * n);
    char h[65];
    rw_sha256(all, sizeof(all), d);
    rw_hex(d, 32, h);
    assert_string_equal(h, "b3d31aa6b4f0810cff11dc15fd1017d7ba047ad10e757b0e36ed68897e6d1851");
}

static uint8_t *big_input(size_t len)
{
    uint8_t *b = malloc(len);
    assert_non_null(b);
    for (size_t i = 0; i < len; i++)
        b[i] = (uint8_t)(i * 131 + 17);
    return b;
}

/* A 100,000-byte input: many blocks in one update, and in random chunks. */
static void multi_block(void)
{
    const size_t len = 100000;
    uint8_t *b = big_input(len), d[32];
    char h[65];
    rw_sha256(b, len, d);
    rw_hex(d, 32, h);
    assert_string_equal(h, "ff8f8cf7067b1a58d9f845631b1630b3fe53639ec7167aa88eb424557ffaffc5");
    srand(11);
    for (int t = 0; t < 20; t++) {
        rw_sha256_t c;
        rw_sha256_init(&c);
        for (size_t off = 0; off < len;) {
            size_t k = (size_t)rand() % 300;
            k = k > len - off ? len - off : k;
            rw_sha256_update(&c, b + off, k);
            off += k;
        }
        rw_sha256_final(&c, d);
        rw_hex(d, 32, h);
        assert_string_equal(h, "ff8f8cf7067b1a58d9f845631b1630b3fe53639ec7167aa88eb424557ffaffc5");
    }
    free(b);
}

static void hmac_vectors(void)
{
    /* RFC 4231 test cases 1 and 6 (a key longer than the block, hashed first) */
    uint8_t key[131], out[32];
    char h[65];
    memset(key, 0x0b, 20);
    rw_hmac_sha256(key, 20, "Hi There", 8, out);
    rw_hex(out, 32, h);
    assert_string_equal(h, "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7");
    memset(key, 0xaa, sizeof(key));
    static const char msg[] = "Test Using Larger Than Block-Size Key - Hash Key First";
    rw_hmac_sha256(key, sizeof(key), msg, sizeof(msg) - 1, out);
    rw_hex(out, 32, h);
    assert_string_equal(h, "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54");
}

static void all_cases(void)
{
    nist_vectors();
    boundary_lengths();
    multi_block();
    hmac_vectors();
}

static void test_portable(void **state)
{
    (void)state;
    rw_sha256_force_portable(true);
    assert_false(rw_sha256_accelerated());
    all_cases();
    rw_sha256_force_portable(false);
}

static void test_cpu_choice(void **state)
{
    (void)state;
    rw_sha256_force_portable(false);
    printf("SHA extensions %s\n", rw_sha256_accelerated() ? "used" : "not available");
    all_cases();
}

/* Both implementations agree on every length 0..300 and on random chunkings. */
static void test_paths_agree(void **state)
{
    (void)state;
    const size_t len = 20000;
    uint8_t *b = big_input(len);
    for (size_t n = 0; n <= 300; n++) {
        uint8_t x[32], y[32];
        rw_sha256_force_portable(true);
        rw_sha256(b, n, x);
        rw_sha256_force_portable(false);
        rw_sha256(b, n, y);
        assert_memory_equal(x, y, 32);
    }
    srand(7);
    for (int t = 0; t < 50; t++) {
        size_t n = (size_t)rand() % len;
        uint8_t x[32], y[32];
        rw_sha256_force_portable(true);
        rw_sha256(b, n, x);
        rw_sha256_force_portable(false);
        rw_sha256_t c;
        rw_sha256_init(&c);
        for (size_t off = 0; off < n;) {
            size_t k = (size_t)rand() % 150;
            k = k > n - off ? n - off : k;
            rw_sha256_update(&c, b + off, k);
            off += k;
        }
        rw_sha256_final(&c, y);
        assert_memory_equal(x, y, 32);
    }
    free(b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_portable),
        cmocka_unit_test(test_cpu_choice),
        cmocka_unit_test(test_paths_agree),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
