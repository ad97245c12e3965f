/* runwarden's seccomp BPF interpreter: every instruction seccomp allows, the kernel's
 * load-time checks, instruction counts, and return-value descriptions. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "profiles/seccomp_bpf.h"
#include "profiles/seccomp_names.h"

#define LD_ABS(k) BPF_STMT(BPF_LD | BPF_W | BPF_ABS, (k))
#define RET(k) BPF_STMT(BPF_RET | BPF_K, (k))
#define N(p) (sizeof(p) / sizeof((p)[0]))

static uint32_t run(const struct sock_filter *p, size_t n, const struct seccomp_data *d, size_t *ex)
{
    assert_int_equal(rw_seccomp_bpf_validate(p, n, NULL), 0);
    uint32_t ret = 0xdeadbeef;
    rw_seccomp_bpf_run(p, n, d, &ret, ex);
    return ret;
}

static void test_loads_and_jumps(void **state)
{
    (void)state;
    /* arch check, then nr == 39 -> ALLOW, args[1] low word > 5 -> ERRNO(9), else ERRNO(1) */
    struct sock_filter p[] = {
        LD_ABS(offsetof(struct seccomp_data, arch)),
        BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, 0xC000003E, 1, 0),
        RET(RW_SECCOMP_RET_KILL_PROCESS),
        LD_ABS(offsetof(struct seccomp_data, nr)),
        BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, 39, 0, 1),
        RET(RW_SECCOMP_RET_ALLOW),
        LD_ABS(offsetof(struct seccomp_data, args[1])),
        BPF_JUMP(BPF_JMP | BPF_JGT | BPF_K, 5, 0, 1),
        RET(RW_SECCOMP_RET_ERRNO | 9),
        RET(RW_SECCOMP_RET_ERRNO | 1),
    };
    struct seccomp_data d = {.nr = 39, .arch = 0xC000003E};
    size_t ex = 0;
    assert_int_equal(run(p, N(p), &d, &ex), RW_SECCOMP_RET_ALLOW);
    assert_int_equal(ex, 5);
    d.nr = 1;
    d.args[1] = 6;
    assert_int_equal(run(p, N(p), &d, &ex), RW_SECCOMP_RET_ERRNO | 9);
    assert_int_equal(ex, 7);
    d.args[1] = 5;
    assert_int_equal(run(p, N(p), &d, &ex), RW_SECCOMP_RET_ERRNO | 1);
    d.args[1] = 0x700000000ULL; /* only the low word is loaded at args[1] */
    assert_int_equal(run(p, N(p), &d, &ex), RW_SECCOMP_RET_ERRNO | 1);
    d.arch = 0x40000003;
    assert_int_equal(run(p, N(p), &d, &ex), RW_SECCOMP_RET_KILL_PROCESS);
    assert_int_equal(ex, 3);
}

static void test_alu_mem_and_x(void **state)
{
    (void)state;
    /* A = nr; X = A; A = (A + 3) * 4 - 2; A /= X (nr); A |= 0x100; A &= 0x1ff; A ^= 1;
     * A <<= 2; A >>= 1; mem[3] = A; A = -A; A = mem[3]; RET A | ERRNO */
    struct sock_filter p[] = {
        LD_ABS(offsetof(struct seccomp_data, nr)),
        BPF_STMT(BPF_MISC | BPF_TAX, 0),
        BPF_STMT(BPF_ALU | BPF_ADD | BPF_K, 3),
        BPF_STMT(BPF_ALU | BPF_MUL | BPF_K, 4),
        BPF_STMT(BPF_ALU | BPF_SUB | BPF_K, 2),
        BPF_STMT(BPF_ALU | BPF_DIV | BPF_X, 0),
        BPF_STMT(BPF_ALU | BPF_OR | BPF_K, 0x100),
        BPF_STMT(BPF_ALU | BPF_AND | BPF_K, 0x1ff),
        BPF_STMT(BPF_ALU | BPF_XOR | BPF_K, 1),
        BPF_STMT(BPF_ALU | BPF_LSH | BPF_K, 2),
        BPF_STMT(BPF_ALU | BPF_RSH | BPF_K, 1),
        BPF_STMT(BPF_ST, 3),
        BPF_STMT(BPF_ALU | BPF_NEG, 0),
        BPF_STMT(BPF_LD | BPF_MEM, 3),
        BPF_STMT(BPF_ALU | BPF_AND | BPF_K, 0xffff),
        BPF_STMT(BPF_ALU | BPF_OR | BPF_K, RW_SECCOMP_RET_ERRNO),
        BPF_STMT(BPF_RET | BPF_A, 0),
    };
    struct seccomp_data d = {.nr = 10};
    /* (10+3)*4-2 = 50; 50/10 = 5; |0x100 = 0x105; &0x1ff = 0x105; ^1 = 0x104; <<2 = 0x410;
     * >>1 = 0x208 */
    assert_int_equal(run(p, N(p), &d, NULL), RW_SECCOMP_RET_ERRNO | 0x208);
    /* X == 0: the kernel ends the program with 0 */
    d.nr = 0;
    assert_int_equal(run(p, N(p), &d, NULL), 0);
}

static void test_x_jumps_len_imm(void **state)
{
    (void)state;
    struct sock_filter p[] = {
        BPF_STMT(BPF_LD | BPF_W | BPF_LEN, 0),        /* A = 64 */
        BPF_STMT(BPF_LDX | BPF_IMM, 64),              /* X = 64 */
        BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_X, 0, 1, 0), /* A == X */
        RET(1),
        BPF_STMT(BPF_LDX | BPF_W | BPF_LEN, 0), /* X = 64 */
        BPF_STMT(BPF_LD | BPF_IMM, 65),
        BPF_JUMP(BPF_JMP | BPF_JGT | BPF_X, 0, 1, 0), /* 65 > 64 */
        RET(2),
        BPF_JUMP(BPF_JMP | BPF_JGE | BPF_X, 0, 1, 0), /* 65 >= 64 */
        RET(3),
        BPF_JUMP(BPF_JMP | BPF_JSET | BPF_X, 0, 1, 0), /* 65 & 64 */
        RET(4),
        BPF_JUMP(BPF_JMP | BPF_JSET | BPF_K, 2, 0, 1), /* 65 & 2 == 0 */
        RET(5),
        BPF_STMT(BPF_MISC | BPF_TXA, 0), /* A = 64 */
        BPF_STMT(BPF_STX, 0),
        BPF_STMT(BPF_LDX | BPF_MEM, 0),
        BPF_JUMP(BPF_JMP | BPF_JGE | BPF_K, 65, 0, 1),
        RET(6),
        BPF_STMT(BPF_JMP | BPF_JA, 1),
        RET(7),
        RET(RW_SECCOMP_RET_ALLOW),
    };
    struct seccomp_data d = {0};
    size_t ex = 0;
    assert_int_equal(run(p, N(p), &d, &ex), RW_SECCOMP_RET_ALLOW);
    assert_int_equal(ex, 15); /* 0,1,2,4,5,6,8,10,12,14,15,16,17,19,21 */
}

static void test_validator(void **state)
{
    (void)state;
    rw_error_t *err = NULL;
    struct sock_filter no_ret[] = {LD_ABS(0)};
    assert_int_equal(rw_seccomp_bpf_validate(no_ret, 1, &err), -EINVAL);
    assert_non_null(strstr(err->msg, "does not end with RET"));
    rw_error_free(err);
    err = NULL;
    struct sock_filter unaligned[] = {LD_ABS(2), RET(0)};
    assert_int_equal(rw_seccomp_bpf_validate(unaligned, 2, NULL), -EINVAL);
    struct sock_filter outside[] = {LD_ABS(64), RET(0)};
    assert_int_equal(rw_seccomp_bpf_validate(outside, 2, NULL), -EINVAL);
    struct sock_filter jump_out[] = {BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, 0, 5, 0), RET(0)};
    assert_int_equal(rw_seccomp_bpf_validate(jump_out, 2, NULL), -EINVAL);
    struct sock_filter ja_out[] = {BPF_STMT(BPF_JMP | BPF_JA, 1), RET(0)};
    assert_int_equal(rw_seccomp_bpf_validate(ja_out, 2, NULL), -EINVAL);
    struct sock_filter div0[] = {BPF_STMT(BPF_ALU | BPF_DIV | BPF_K, 0), RET(0)};
    assert_int_equal(rw_seccomp_bpf_validate(div0, 2, NULL), -EINVAL);
    struct sock_filter shift[] = {BPF_STMT(BPF_ALU | BPF_LSH | BPF_K, 32), RET(0)};
    assert_int_equal(rw_seccomp_bpf_validate(shift, 2, NULL), -EINVAL);
    struct sock_filter mod[] = {BPF_STMT(BPF_ALU | BPF_MOD | BPF_K, 3), RET(0)};
    assert_int_equal(rw_seccomp_bpf_validate(mod, 2, NULL), -EINVAL);
    struct sock_filter byte_load[] = {BPF_STMT(BPF_LD | BPF_B | BPF_ABS, 0), RET(0)};
    assert_int_equal(rw_seccomp_bpf_validate(byte_load, 2, NULL), -EINVAL);
    struct sock_filter mem16[] = {BPF_STMT(BPF_ST, 16), RET(0)};
    assert_int_equal(rw_seccomp_bpf_validate(mem16, 2, NULL), -EINVAL);
    /* scratch read before any write, and one written on only one path */
    struct sock_filter uninit[] = {BPF_STMT(BPF_LD | BPF_MEM, 1), RET(0)};
    assert_int_equal(rw_seccomp_bpf_validate(uninit, 2, NULL), -EINVAL);
    struct sock_filter one_path[] = {
        LD_ABS(0),
        BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, 1, 0, 1),
        BPF_STMT(BPF_ST, 2),
        BPF_STMT(BPF_LD | BPF_MEM, 2),
        RET(0),
    };
    assert_int_equal(rw_seccomp_bpf_validate(one_path, 5, NULL), -EINVAL);
    assert_int_equal(rw_seccomp_bpf_validate(NULL, 0, NULL), -EINVAL);
}

static void test_describe(void **state)
{
    (void)state;
    char b[96];
    rw_seccomp_ret_describe(RW_SECCOMP_RET_ERRNO | 38, b, sizeof(b));
    assert_string_equal(b, "ERRNO(38) ENOSYS");
    rw_seccomp_ret_describe(RW_SECCOMP_RET_ERRNO | 9999, b, sizeof(b));
    assert_string_equal(b, "ERRNO(4095)"); /* the kernel caps at MAX_ERRNO */
    assert_int_equal(rw_seccomp_ret_errno(RW_SECCOMP_RET_ERRNO | 9999), 4095);
    assert_int_equal(rw_seccomp_ret_errno(RW_SECCOMP_RET_ALLOW), -1);
    rw_seccomp_ret_describe(0, b, sizeof(b));
    assert_string_equal(b, "KILL_THREAD");
    rw_seccomp_ret_describe(RW_SECCOMP_RET_KILL_PROCESS, b, sizeof(b));
    assert_string_equal(b, "KILL_PROCESS");
    rw_seccomp_ret_describe(RW_SECCOMP_RET_TRACE | 7, b, sizeof(b));
    assert_string_equal(b, "TRACE(7)");
    rw_seccomp_ret_describe(RW_SECCOMP_RET_LOG, b, sizeof(b));
    assert_string_equal(b, "LOG");
    rw_seccomp_ret_describe(RW_SECCOMP_RET_USER_NOTIF, b, sizeof(b));
    assert_string_equal(b, "USER_NOTIF");
    rw_seccomp_ret_describe(0x00010000, b, sizeof(b));
    assert_non_null(strstr(b, "KILL_PROCESS (unknown action"));
    /* actions as libseccomp encodes them */
    assert_int_equal(rw_seccomp_action_value(RW_SCMP_ACT_ERRNO, 0x10001), RW_SECCOMP_RET_ERRNO | 1);
    assert_int_equal(rw_seccomp_action_value(RW_SCMP_ACT_KILL, 5), 0);
    assert_int_equal(rw_seccomp_action_value(RW_SCMP_ACT_NOTIFY, 0), RW_SECCOMP_RET_USER_NOTIF);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_loads_and_jumps), cmocka_unit_test(test_alu_mem_and_x),
        cmocka_unit_test(test_x_jumps_len_imm), cmocka_unit_test(test_validator),
        cmocka_unit_test(test_describe),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
