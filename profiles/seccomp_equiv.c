/* Equivalence by exhaustion over syscall numbers and by the programs' own constants for
 * arguments: a classic BPF filter can only tell argument values apart at the constants it
 * compares with, so values at, just below and just above each constant cover its branches. */
#include "seccomp_equiv.h"

#include <errno.h>
#include <linux/seccomp.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "seccomp_bpf.h"
#include "seccomp_names.h"

#define ARG_WORDS_MASK 0xfff0 /* bits 4..15 of the loaded mask: args[0..5] lo/hi words */
#define MAX_CONSTS 512

typedef struct consts {
    uint32_t v[MAX_CONSTS];
    size_t n;
} consts_t;

static void add_const(consts_t *c, uint32_t v)
{
    for (size_t i = 0; i < c->n; i++)
        if (c->v[i] == v)
            return;
    if (c->n < MAX_CONSTS)
        c->v[c->n++] = v;
}

/* Constants compared with (or masked into) argument words. A forward dataflow pass tracks
 * which seccomp_data words A may hold at each instruction (jumps only go forward, so one
 * pass in program order sees every predecessor first); syscall numbers stay out, the
 * exhaustive loop over numbers covers those. */
#define SRC_OTHER 0x10000u
static void collect(const struct sock_filter *p, size_t n, consts_t *c)
{
    uint32_t *in = calloc(n, sizeof(*in));
    if (!in)
        return;
    in[0] = SRC_OTHER;
    for (size_t i = 0; i < n; i++) {
        uint16_t code = p[i].code;
        uint32_t out = in[i];
        if (code == (BPF_LD | BPF_W | BPF_ABS))
            out = 1u << (p[i].k / 4);
        else if (BPF_CLASS(code) == BPF_LD || code == (BPF_MISC | BPF_TXA))
            out = SRC_OTHER;
        if ((in[i] & ARG_WORDS_MASK) &&
            ((BPF_CLASS(code) == BPF_JMP && BPF_OP(code) != BPF_JA && BPF_SRC(code) == BPF_K) ||
             (BPF_CLASS(code) == BPF_ALU && BPF_SRC(code) == BPF_K)))
            add_const(c, p[i].k);
        if (BPF_CLASS(code) == BPF_RET)
            continue;
        if (code == (BPF_JMP | BPF_JA)) {
            if (i + 1 + p[i].k < n)
                in[i + 1 + p[i].k] |= out;
        } else if (BPF_CLASS(code) == BPF_JMP) {
            if (i + 1 + p[i].jt < n)
                in[i + 1 + p[i].jt] |= out;
            if (i + 1 + p[i].jf < n)
                in[i + 1 + p[i].jf] |= out;
        } else if (i + 1 < n) {
            in[i + 1] |= out;
        }
    }
    free(in);
}

typedef struct ctx {
    const struct sock_filter *a, *b;
    size_t na, nb;
    rw_seccomp_equiv_result_t *res;
} ctx_t;

/* Returns true when both agree; records the first difference. */
static bool check(ctx_t *c, const struct seccomp_data *d, uint16_t *loaded)
{
    uint32_t ra = 0, rb = 0;
    uint16_t la = 0, lb = 0;
    rw_seccomp_bpf_run_traced(c->a, c->na, d, &ra, NULL, &la);
    rw_seccomp_bpf_run_traced(c->b, c->nb, d, &rb, NULL, &lb);
    c->res->checked++;
    if (loaded)
        *loaded = la | lb;
    if (ra == rb)
        return true;
    if (!c->res->differ) {
        c->res->differ = true;
        c->res->arch = d->arch;
        c->res->nr = d->nr;
        memcpy(c->res->args, d->args, sizeof(c->res->args));
        c->res->ret_a = ra;
        c->res->ret_b = rb;
    }
    return false;
}

int rw_seccomp_bpf_equiv(const struct sock_filter *a, size_t na, const struct sock_filter *b,
                         size_t nb, const rw_seccomp_equiv_abi_t *abis, size_t n_abis,
                         rw_seccomp_equiv_result_t *res)
{
    memset(res, 0, sizeof(*res));
    consts_t *k = calloc(1, sizeof(*k));
    if (!k)
        return -ENOMEM;
    collect(a, na, k);
    collect(b, nb, k);
    /* Candidate 64-bit argument values: each constant (and its neighbours) in the low word,
     * each constant in the high word, and the extremes. */
    size_t nv = 0, cap = 3 * k->n + k->n + 4;
    uint64_t *vals = calloc(cap, sizeof(*vals));
    if (!vals) {
        free(k);
        return -ENOMEM;
    }
    vals[nv++] = 0;
    vals[nv++] = 1;
    vals[nv++] = UINT64_MAX;
    vals[nv++] = 0xffffffffULL;
    for (size_t i = 0; i < k->n; i++) {
        vals[nv++] = k->v[i];
        vals[nv++] = (uint32_t)(k->v[i] - 1);
        vals[nv++] = (uint32_t)(k->v[i] + 1);
        vals[nv++] = (uint64_t)k->v[i] << 32;
    }
    ctx_t c = {a, b, na, nb, res};
    for (size_t ai = 0; ai < n_abis && !res->differ; ai++) {
        for (int i = 0; i < abis[ai].nr_count && !res->differ; i++) {
            struct seccomp_data d = {.nr = abis[ai].nr_base + i, .arch = abis[ai].arch};
            uint16_t loaded = 0;
            if (!check(&c, &d, &loaded) || !(loaded & ARG_WORDS_MASK))
                continue;
            /* The decision depends on arguments: one argument at a time... */
            for (int x = 0; x < 6 && !res->differ; x++)
                for (size_t v = 0; v < nv && !res->differ; v++) {
                    memset(d.args, 0, sizeof(d.args));
                    d.args[x] = vals[v];
                    check(&c, &d, NULL);
                }
            /* ...pairs of constants (AND-ed conditions on two arguments)... */
            for (int x = 0; x < 6 && !res->differ; x++)
                for (int y = x + 1; y < 6 && !res->differ; y++)
                    for (size_t u = 0; u < k->n && !res->differ; u++)
                        for (size_t v = 0; v < k->n && !res->differ; v++) {
                            memset(d.args, 0, sizeof(d.args));
                            d.args[x] = k->v[u];
                            d.args[y] = k->v[v];
                            check(&c, &d, NULL);
                        }
            /* ...and every argument at the same constant. */
            for (size_t v = 0; v < nv && !res->differ; v++) {
                for (int x = 0; x < 6; x++)
                    d.args[x] = vals[v];
                check(&c, &d, NULL);
            }
        }
    }
    free(vals);
    free(k);
    return 0;
}

size_t rw_seccomp_equiv_host_abis(rw_seccomp_equiv_abi_t *out, size_t max)
{
    const rw_seccomp_arch_t *host = rw_seccomp_arch_host();
    size_t n = 0;
    if (!host || max == 0)
        return 0;
    if (strcmp(host->scmp, "SCMP_ARCH_X86_64") == 0) {
        const rw_seccomp_equiv_abi_t x86[] = {
            {host->token, 0, 1024},
            {host->token, 0x40000000, 1024},                            /* x32 */
            {rw_seccomp_arch_by_scmp("SCMP_ARCH_X86")->token, 0, 1024}, /* i386 */
        };
        for (size_t i = 0; i < 3 && n < max; i++)
            out[n++] = x86[i];
    } else {
        out[n++] = (rw_seccomp_equiv_abi_t){host->token, 0, 8192};
    }
    /* An architecture no filter names: exercises the bad-arch path. */
    if (n < max)
        out[n++] = (rw_seccomp_equiv_abi_t){0x4000abcdU, 0, 64};
    return n;
}
