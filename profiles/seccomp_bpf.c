/* Classic BPF as seccomp runs it: 32-bit A and X, 16 scratch words, loads only from the
 * 64-byte seccomp_data, forward jumps only (so every program terminates). */
#include "seccomp_bpf.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "seccomp_names.h"

static bool is_cond_jump(uint16_t code)
{
    switch (code) {
    case BPF_JMP | BPF_JEQ | BPF_K:
    case BPF_JMP | BPF_JEQ | BPF_X:
    case BPF_JMP | BPF_JGE | BPF_K:
    case BPF_JMP | BPF_JGE | BPF_X:
    case BPF_JMP | BPF_JGT | BPF_K:
    case BPF_JMP | BPF_JGT | BPF_X:
    case BPF_JMP | BPF_JSET | BPF_K:
    case BPF_JMP | BPF_JSET | BPF_X:
        return true;
    default:
        return false;
    }
}

/* seccomp_check_filter()'s list of permitted instructions. */
static bool allowed_code(uint16_t code)
{
    switch (code) {
    case BPF_LD | BPF_W | BPF_ABS:
    case BPF_LD | BPF_W | BPF_LEN:
    case BPF_LDX | BPF_W | BPF_LEN:
    case BPF_RET | BPF_K:
    case BPF_RET | BPF_A:
    case BPF_ALU | BPF_ADD | BPF_K:
    case BPF_ALU | BPF_ADD | BPF_X:
    case BPF_ALU | BPF_SUB | BPF_K:
    case BPF_ALU | BPF_SUB | BPF_X:
    case BPF_ALU | BPF_MUL | BPF_K:
    case BPF_ALU | BPF_MUL | BPF_X:
    case BPF_ALU | BPF_DIV | BPF_K:
    case BPF_ALU | BPF_DIV | BPF_X:
    case BPF_ALU | BPF_AND | BPF_K:
    case BPF_ALU | BPF_AND | BPF_X:
    case BPF_ALU | BPF_OR | BPF_K:
    case BPF_ALU | BPF_OR | BPF_X:
    case BPF_ALU | BPF_XOR | BPF_K:
    case BPF_ALU | BPF_XOR | BPF_X:
    case BPF_ALU | BPF_LSH | BPF_K:
    case BPF_ALU | BPF_LSH | BPF_X:
    case BPF_ALU | BPF_RSH | BPF_K:
    case BPF_ALU | BPF_RSH | BPF_X:
    case BPF_ALU | BPF_NEG:
    case BPF_LD | BPF_IMM:
    case BPF_LDX | BPF_IMM:
    case BPF_MISC | BPF_TAX:
    case BPF_MISC | BPF_TXA:
    case BPF_LD | BPF_MEM:
    case BPF_LDX | BPF_MEM:
    case BPF_ST:
    case BPF_STX:
    case BPF_JMP | BPF_JA:
        return true;
    default:
        return is_cond_jump(code);
    }
}

int rw_seccomp_bpf_validate(const struct sock_filter *prog, size_t n, rw_error_t **err)
{
    if (n == 0 || n > BPF_MAXINSNS)
        return rw_error_set(err, EINVAL, "BPF program has %zu instructions (1..%d allowed)", n,
                            BPF_MAXINSNS);
    for (size_t pc = 0; pc < n; pc++) {
        const struct sock_filter *f = &prog[pc];
        if (!allowed_code(f->code))
            return rw_error_set(err, EINVAL,
                                "BPF insn %zu: opcode 0x%04x is not allowed in "
                                "seccomp filters",
                                pc, f->code);
        switch (f->code) {
        case BPF_LD | BPF_W | BPF_ABS:
            if (f->k >= sizeof(struct seccomp_data) || (f->k & 3))
                return rw_error_set(err, EINVAL,
                                    "BPF insn %zu: load at offset %u is outside "
                                    "seccomp_data or unaligned",
                                    pc, f->k);
            break;
        case BPF_ALU | BPF_DIV | BPF_K:
            if (f->k == 0)
                return rw_error_set(err, EINVAL, "BPF insn %zu: division by zero", pc);
            break;
        case BPF_ALU | BPF_LSH | BPF_K:
        case BPF_ALU | BPF_RSH | BPF_K:
            if (f->k >= 32)
                return rw_error_set(err, EINVAL, "BPF insn %zu: shift by %u", pc, f->k);
            break;
        case BPF_LD | BPF_MEM:
        case BPF_LDX | BPF_MEM:
        case BPF_ST:
        case BPF_STX:
            if (f->k >= BPF_MEMWORDS)
                return rw_error_set(err, EINVAL, "BPF insn %zu: scratch word %u", pc, f->k);
            break;
        case BPF_JMP | BPF_JA:
            if (f->k >= (uint32_t)(n - pc - 1))
                return rw_error_set(err, EINVAL, "BPF insn %zu: jump past the end", pc);
            break;
        default:
            if (is_cond_jump(f->code) && (pc + f->jt + 1 >= n || pc + f->jf + 1 >= n))
                return rw_error_set(err, EINVAL, "BPF insn %zu: jump past the end", pc);
            break;
        }
    }
    uint16_t last = prog[n - 1].code;
    if (last != (BPF_RET | BPF_K) && last != (BPF_RET | BPF_A))
        return rw_error_set(err, EINVAL, "BPF program does not end with RET");

    /* check_load_and_stores(): a scratch word must be written on every path before a load. */
    uint16_t masks[BPF_MAXINSNS];
    memset(masks, 0xff, n * sizeof(masks[0]));
    uint16_t valid = 0;
    for (size_t pc = 0; pc < n; pc++) {
        const struct sock_filter *f = &prog[pc];
        valid &= masks[pc];
        switch (f->code) {
        case BPF_ST:
        case BPF_STX:
            valid |= (uint16_t)(1u << f->k);
            break;
        case BPF_LD | BPF_MEM:
        case BPF_LDX | BPF_MEM:
            if (!(valid & (1u << f->k)))
                return rw_error_set(err, EINVAL,
                                    "BPF insn %zu: scratch word %u read before it is written", pc,
                                    f->k);
            break;
        case BPF_JMP | BPF_JA:
            masks[pc + 1 + f->k] &= valid;
            valid = 0xffff;
            break;
        default:
            if (is_cond_jump(f->code)) {
                masks[pc + 1 + f->jt] &= valid;
                masks[pc + 1 + f->jf] &= valid;
                valid = 0xffff;
            }
            break;
        }
    }
    return 0;
}

void rw_seccomp_bpf_run(const struct sock_filter *prog, size_t n, const struct seccomp_data *d,
                        uint32_t *ret, size_t *executed)
{
    rw_seccomp_bpf_run_traced(prog, n, d, ret, executed, NULL);
}

void rw_seccomp_bpf_run_traced(const struct sock_filter *prog, size_t n,
                               const struct seccomp_data *d, uint32_t *ret, size_t *executed,
                               uint16_t *loaded)
{
    uint32_t A = 0, X = 0, mem[BPF_MEMWORDS] = {0};
    size_t count = 0;
    if (loaded)
        *loaded = 0;
    for (size_t pc = 0; pc < n; pc++) {
        const struct sock_filter *f = &prog[pc];
        count++;
        switch (f->code) {
        case BPF_LD | BPF_W | BPF_ABS:
            memcpy(&A, (const char *)d + f->k, sizeof(A));
            if (loaded)
                *loaded |= (uint16_t)(1u << (f->k / 4));
            break;
        case BPF_LD | BPF_W | BPF_LEN:
            A = sizeof(struct seccomp_data);
            break;
        case BPF_LDX | BPF_W | BPF_LEN:
            X = sizeof(struct seccomp_data);
            break;
        case BPF_LD | BPF_IMM:
            A = f->k;
            break;
        case BPF_LDX | BPF_IMM:
            X = f->k;
            break;
        case BPF_LD | BPF_MEM:
            A = mem[f->k];
            break;
        case BPF_LDX | BPF_MEM:
            X = mem[f->k];
            break;
        case BPF_ST:
            mem[f->k] = A;
            break;
        case BPF_STX:
            mem[f->k] = X;
            break;
        case BPF_MISC | BPF_TAX:
            X = A;
            break;
        case BPF_MISC | BPF_TXA:
            A = X;
            break;
        case BPF_ALU | BPF_ADD | BPF_K:
            A += f->k;
            break;
        case BPF_ALU | BPF_ADD | BPF_X:
            A += X;
            break;
        case BPF_ALU | BPF_SUB | BPF_K:
            A -= f->k;
            break;
        case BPF_ALU | BPF_SUB | BPF_X:
            A -= X;
            break;
        case BPF_ALU | BPF_MUL | BPF_K:
            A *= f->k;
            break;
        case BPF_ALU | BPF_MUL | BPF_X:
            A *= X;
            break;
        case BPF_ALU | BPF_DIV | BPF_K:
            A /= f->k;
            break;
        case BPF_ALU | BPF_DIV | BPF_X:
            if (X == 0) { /* the kernel ends the program with 0 (KILL_THREAD) */
                *ret = 0;
                if (executed)
                    *executed = count;
                return;
            }
            A /= X;
            break;
        case BPF_ALU | BPF_AND | BPF_K:
            A &= f->k;
            break;
        case BPF_ALU | BPF_AND | BPF_X:
            A &= X;
            break;
        case BPF_ALU | BPF_OR | BPF_K:
            A |= f->k;
            break;
        case BPF_ALU | BPF_OR | BPF_X:
            A |= X;
            break;
        case BPF_ALU | BPF_XOR | BPF_K:
            A ^= f->k;
            break;
        case BPF_ALU | BPF_XOR | BPF_X:
            A ^= X;
            break;
        case BPF_ALU | BPF_LSH | BPF_K:
            A <<= f->k;
            break;
        case BPF_ALU | BPF_LSH | BPF_X:
            A <<= (X & 31);
            break;
        case BPF_ALU | BPF_RSH | BPF_K:
            A >>= f->k;
            break;
        case BPF_ALU | BPF_RSH | BPF_X:
            A >>= (X & 31);
            break;
        case BPF_ALU | BPF_NEG:
            A = (uint32_t)-A;
            break;
        case BPF_JMP | BPF_JA:
            pc += f->k;
            break;
        case BPF_JMP | BPF_JEQ | BPF_K:
            pc += A == f->k ? f->jt : f->jf;
            break;
        case BPF_JMP | BPF_JEQ | BPF_X:
            pc += A == X ? f->jt : f->jf;
            break;
        case BPF_JMP | BPF_JGE | BPF_K:
            pc += A >= f->k ? f->jt : f->jf;
            break;
        case BPF_JMP | BPF_JGE | BPF_X:
            pc += A >= X ? f->jt : f->jf;
            break;
        case BPF_JMP | BPF_JGT | BPF_K:
            pc += A > f->k ? f->jt : f->jf;
            break;
        case BPF_JMP | BPF_JGT | BPF_X:
            pc += A > X ? f->jt : f->jf;
            break;
        case BPF_JMP | BPF_JSET | BPF_K:
            pc += (A & f->k) ? f->jt : f->jf;
            break;
        case BPF_JMP | BPF_JSET | BPF_X:
            pc += (A & X) ? f->jt : f->jf;
            break;
        case BPF_RET | BPF_K:
            *ret = f->k;
            if (executed)
                *executed = count;
            return;
        case BPF_RET | BPF_A:
            *ret = A;
            if (executed)
                *executed = count;
            return;
        default:
            break; /* unreachable for a validated program */
        }
    }
    /* Unreachable for a validated program (it ends with RET); fail like the kernel would
     * treat a broken filter: kill. */
    *ret = RW_SECCOMP_RET_KILL_PROCESS;
    if (executed)
        *executed = count;
}

static bool host_big_endian(void)
{
    return __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__;
}

void rw_seccomp_bpf_to_host(struct sock_filter *prog, size_t n, bool big_endian_target)
{
    if (big_endian_target == host_big_endian())
        return;
    for (size_t i = 0; i < n; i++) {
        prog[i].code = __builtin_bswap16(prog[i].code);
        prog[i].k = __builtin_bswap32(prog[i].k);
    }
}

static uint64_t swap_halves(uint64_t v)
{
    return v << 32 | v >> 32;
}

void rw_seccomp_data_for_target(struct seccomp_data *d, bool big_endian_target)
{
    if (big_endian_target == host_big_endian())
        return;
    d->instruction_pointer = swap_halves(d->instruction_pointer);
    for (int i = 0; i < 6; i++)
        d->args[i] = swap_halves(d->args[i]);
}

int rw_seccomp_ret_errno(uint32_t ret)
{
    if ((ret & RW_SECCOMP_RET_ACTION_FULL) != RW_SECCOMP_RET_ERRNO)
        return -1;
    uint32_t e = ret & RW_SECCOMP_RET_DATA;
    return (int)(e > RW_SECCOMP_MAX_ERRNO ? RW_SECCOMP_MAX_ERRNO : e);
}

void rw_seccomp_ret_describe(uint32_t ret, char *buf, size_t len)
{
    uint32_t action = ret & RW_SECCOMP_RET_ACTION_FULL, data = ret & RW_SECCOMP_RET_DATA;
    switch (action) {
    case RW_SECCOMP_RET_KILL_PROCESS:
        snprintf(buf, len, "KILL_PROCESS");
        break;
    case RW_SECCOMP_RET_KILL_THREAD:
        snprintf(buf, len, "KILL_THREAD");
        break;
    case RW_SECCOMP_RET_TRAP:
        snprintf(buf, len, "TRAP(%u)", data);
        break;
    case RW_SECCOMP_RET_ERRNO: {
        int e = rw_seccomp_ret_errno(ret);
        const char *name = rw_seccomp_errno_name((uint32_t)e);
        snprintf(buf, len, "ERRNO(%d)%s%s", e, name ? " " : "", name ? name : "");
        break;
    }
    case RW_SECCOMP_RET_USER_NOTIF:
        snprintf(buf, len, "USER_NOTIF");
        break;
    case RW_SECCOMP_RET_TRACE:
        snprintf(buf, len, "TRACE(%u)", data);
        break;
    case RW_SECCOMP_RET_LOG:
        snprintf(buf, len, "LOG");
        break;
    case RW_SECCOMP_RET_ALLOW:
        snprintf(buf, len, "ALLOW");
        break;
    default:
        snprintf(buf, len, "KILL_PROCESS (unknown action 0x%08x)", ret);
        break;
    }
}
