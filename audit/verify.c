/* The verifier: one pass over the bytes, hashing each line once; only when a line does not
 * fit the chain does it look at its neighbours to tell a modification from a deletion, an
 * insertion or a swap. */
#include "verify.h"

#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../common/hash.h"
#include "log_line.h"

#define MAX_KEYS 32

typedef struct vkey {
    bool have_k0;
    uint8_t k0[RW_SHA256_LEN];
    char fpr[RW_AUDIT_FPR_LEN + 1];
    uint8_t cur[RW_SHA256_LEN]; /* k_{cur_epoch} */
    uint64_t cur_epoch;
    bool seen_seal;
    uint64_t last_epoch;
    bool init_seen; /* its `init` record was checked: its first seal must be epoch 0 */
} vkey_t;

struct rw_audit_verifier {
    rw_audit_verify_report_t rep;
    bool have_prev, have_prev2;
    uint8_t last_hash[RW_SHA256_LEN], prev2_hash[RW_SHA256_LEN];
    uint64_t last_seq;
    vkey_t keys[MAX_KEYS];
    size_t n_keys;
    bool stopped;
};

const char *rw_audit_problem_name(rw_audit_problem_t p)
{
    switch (p) {
    case RW_AUDIT_P_NONE:
        return "none";
    case RW_AUDIT_P_MODIFIED:
        return "modified";
    case RW_AUDIT_P_DELETED:
        return "deleted";
    case RW_AUDIT_P_INSERTED:
        return "inserted";
    case RW_AUDIT_P_REORDERED:
        return "reordered";
    case RW_AUDIT_P_TRUNCATED:
        return "truncated";
    case RW_AUDIT_P_BAD_SEAL:
        return "bad seal";
    default:
        return "?";
    }
}

rw_audit_verifier_t *rw_audit_verifier_new(void)
{
    return calloc(1, sizeof(rw_audit_verifier_t));
}

void rw_audit_verifier_free(rw_audit_verifier_t *v)
{
    if (!v)
        return;
    rw_explicit_bzero(v->keys, sizeof(v->keys));
    free(v);
}

int rw_audit_verifier_add_key(rw_audit_verifier_t *v, const uint8_t k0[RW_SHA256_LEN])
{
    if (v->n_keys >= MAX_KEYS)
        return -E2BIG;
    vkey_t *k = &v->keys[v->n_keys++];
    memset(k, 0, sizeof(*k));
    k->have_k0 = true;
    memcpy(k->k0, k0, RW_SHA256_LEN);
    memcpy(k->cur, k0, RW_SHA256_LEN);
    rw_audit_key_fpr(k0, k->fpr);
    v->rep.keys_given = true;
    return 0;
}

static vkey_t *key_for(rw_audit_verifier_t *v, const char *fpr, bool create)
{
    for (size_t i = 0; i < v->n_keys; i++)
        if (strcmp(v->keys[i].fpr, fpr) == 0)
            return &v->keys[i];
    if (!create || v->n_keys >= MAX_KEYS)
        return NULL;
    vkey_t *k = &v->keys[v->n_keys++];
    memset(k, 0, sizeof(*k));
    memcpy(k->fpr, fpr, RW_AUDIT_FPR_LEN + 1);
    return k;
}

__attribute__((format(printf, 5, 6))) static rw_audit_verdict_t
fail(rw_audit_verifier_t *v, rw_audit_problem_t p, const char *file, uint64_t line, const char *fmt,
     ...)
{
    rw_audit_verify_report_t *r = &v->rep;
    v->stopped = true;
    r->problem = p;
    r->verdict = p == RW_AUDIT_P_TRUNCATED && r->torn_bytes ? RW_AUDIT_TORN : RW_AUDIT_TAMPERED;
    snprintf(r->file, sizeof(r->file), "%s", file);
    r->line = line;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(r->msg, sizeof(r->msg), fmt, ap);
    va_end(ap);
    return r->verdict;
}

/* A line of the buffer: [start, start+len), next is the offset after its '\n'. */
typedef struct span {
    const char *p;
    size_t len;
    bool complete; /* ended by '\n' */
} span_t;

static bool line_at(const char *buf, size_t len, size_t off, span_t *out)
{
    if (off >= len)
        return false;
    const char *nl = memchr(buf + off, '\n', len - off);
    out->p = buf + off;
    out->len = nl ? (size_t)(nl - (buf + off)) : len - off;
    out->complete = nl != NULL;
    return true;
}

/* The neighbours of a bad line, parsed on demand. */
typedef struct look {
    bool ok;
    rw_audit_line_t pl;
    uint8_t hash[RW_SHA256_LEN];
} look_t;

static void look_at(const char *buf, size_t len, size_t off, look_t *out)
{
    span_t s;
    memset(out, 0, sizeof(*out));
    if (!line_at(buf, len, off, &s) || !s.complete)
        return;
    if (rw_audit_line_parse(s.p, s.len, &out->pl) < 0)
        return;
    rw_sha256(s.p, s.len, out->hash);
    out->ok = true;
}

/* Decides what happened at line `ln` (parsed as pl, hash h, next line at next_off) that
 * does not continue the chain. */
static rw_audit_verdict_t classify(rw_audit_verifier_t *v, const char *file, uint64_t ln,
                                   const rw_audit_line_t *pl, bool parsed,
                                   const uint8_t h[RW_SHA256_LEN], const char *buf, size_t len,
                                   size_t next_off)
{
    look_t n1;
    look_at(buf, len, next_off, &n1);
    uint64_t want = v->last_seq + 1;
    bool n1_links_back =
        n1.ok && n1.pl.seq == want && memcmp(n1.pl.prev, v->last_hash, RW_SHA256_LEN) == 0;
    if (parsed && n1_links_back && memcmp(pl->prev, n1.hash, RW_SHA256_LEN) == 0)
        return fail(v, RW_AUDIT_P_REORDERED, file, ln,
                    "line %" PRIu64 " (seq %" PRIu64 ") and line %" PRIu64 " (seq %" PRIu64
                    ") are swapped",
                    ln, pl->seq, ln + 1, n1.pl.seq);
    if (n1_links_back)
        return fail(v, RW_AUDIT_P_INSERTED, file, ln,
                    "line %" PRIu64 " was inserted: line %" PRIu64 " continues the chain from "
                    "line %" PRIu64,
                    ln, ln + 1, ln - 1);
    if (!parsed)
        return fail(v, RW_AUDIT_P_MODIFIED, file, ln,
                    "line %" PRIu64 " is not a well-formed record (expected seq %" PRIu64 ")", ln,
                    want);
    bool links_prev = memcmp(pl->prev, v->last_hash, RW_SHA256_LEN) == 0;
    if (!links_prev && v->have_prev2 && memcmp(pl->prev, v->prev2_hash, RW_SHA256_LEN) == 0 &&
        ln > 1)
        return fail(v, RW_AUDIT_P_INSERTED, file, ln - 1,
                    "line %" PRIu64 " was inserted: line %" PRIu64 " (seq %" PRIu64
                    ") continues the chain from line %" PRIu64,
                    ln - 1, ln, pl->seq, ln - 2);
    if (links_prev)
        return fail(v, RW_AUDIT_P_MODIFIED, file, ln,
                    "line %" PRIu64 " was modified: seq %" PRIu64 " where %" PRIu64 " belongs", ln,
                    pl->seq, want);
    if (pl->seq == want) {
        /* Either the previous line changed (its hash moved) or this line's prev did. */
        if (!n1.ok || memcmp(n1.pl.prev, h, RW_SHA256_LEN) == 0) {
            if (ln > 1)
                return fail(v, RW_AUDIT_P_MODIFIED, file, ln - 1,
                            "line %" PRIu64 " (seq %" PRIu64 ") was modified: its hash no "
                            "longer matches the prev of line %" PRIu64,
                            ln - 1, v->last_seq, ln);
            return fail(v, RW_AUDIT_P_MODIFIED, file, ln,
                        "line %" PRIu64 " does not link to the last line of the previous "
                        "file (or that line was modified)",
                        ln);
        }
        return fail(v, RW_AUDIT_P_MODIFIED, file, ln,
                    "line %" PRIu64 " (seq %" PRIu64 ") was modified", ln, pl->seq);
    }
    if (pl->seq > want)
        return fail(v, RW_AUDIT_P_DELETED, file, ln,
                    "record(s) seq %" PRIu64 "..%" PRIu64 " were deleted before line %" PRIu64,
                    want, pl->seq - 1, ln);
    return fail(v, RW_AUDIT_P_REORDERED, file, ln,
                "line %" PRIu64 " has seq %" PRIu64 " after seq %" PRIu64
                ": records were reordered or replayed",
                ln, pl->seq, v->last_seq);
}

static rw_audit_verdict_t check_seal(rw_audit_verifier_t *v, const char *file, uint64_t ln,
                                     const span_t *s, const rw_audit_line_t *pl)
{
    rw_audit_verify_report_t *r = &v->rep;
    uint8_t mac[RW_SHA256_LEN];
    size_t off = rw_audit_line_mac_offset(s->p, s->len, mac);
    rw_audit_seal_info_t si;
    if (!off || rw_audit_seal_parse_info(s->p, s->len, &si) < 0)
        return fail(v, RW_AUDIT_P_BAD_SEAL, file, ln, "line %" PRIu64 " is a malformed seal", ln);
    r->seals++;
    vkey_t *k = key_for(v, si.key, !r->keys_given);
    if (!k)
        return fail(v, RW_AUDIT_P_BAD_SEAL, file, ln,
                    "the seal at line %" PRIu64 " names key %s, which is not among the given "
                    "verification keys (a forged key, or pass that key too)",
                    ln, si.key);
    if (k->seen_seal && si.epoch != k->last_epoch + 1)
        return fail(v, RW_AUDIT_P_BAD_SEAL, file, ln,
                    "the seal at line %" PRIu64 " has epoch %" PRIu64 " after epoch %" PRIu64 "%s",
                    ln, si.epoch, k->last_epoch,
                    si.epoch <= k->last_epoch ? ": seals replayed or the key did not evolve"
                                              : ": seals (and the records before them) are "
                                                "missing");
    if (!k->seen_seal && k->init_seen && si.epoch != 0)
        return fail(v, RW_AUDIT_P_BAD_SEAL, file, ln,
                    "the first seal of key %s (line %" PRIu64 ") has epoch %" PRIu64
                    " instead of 0: earlier seals are missing",
                    si.key, ln, si.epoch);
    if (k->have_k0) {
        if (si.epoch < k->cur_epoch) {
            memcpy(k->cur, k->k0, RW_SHA256_LEN);
            k->cur_epoch = 0;
        }
        if (si.epoch - k->cur_epoch > 100000000ull)
            return fail(v, RW_AUDIT_P_BAD_SEAL, file, ln,
                        "the seal at line %" PRIu64 " claims an implausible epoch %" PRIu64, ln,
                        si.epoch);
        while (k->cur_epoch < si.epoch) {
            rw_audit_key_evolve(k->cur);
            k->cur_epoch++;
        }
        uint8_t want[RW_SHA256_LEN];
        rw_audit_seal_mac(k->cur, s->p, off, want);
        if (!rw_memeq_ct(want, mac, RW_SHA256_LEN)) {
            if (r->any_seal && strcmp(r->last_seal_key, si.key) == 0)
                return fail(v, RW_AUDIT_P_BAD_SEAL, file, ln,
                            "bad seal at line %" PRIu64 " (epoch %" PRIu64 "): the records "
                            "sealed by it, seq %" PRIu64 "..%" PRIu64 ", were changed after "
                            "sealing, or the seal was forged",
                            ln, si.epoch, r->last_seal_seq + 1, pl->seq - 1);
            return fail(v, RW_AUDIT_P_BAD_SEAL, file, ln,
                        "bad seal at line %" PRIu64 " (epoch %" PRIu64 "): the records up to "
                        "seq %" PRIu64 " were changed after sealing, or the seal was forged",
                        ln, si.epoch, pl->seq - 1);
        }
        r->seals_verified++;
    }
    k->seen_seal = true;
    k->last_epoch = si.epoch;
    r->any_seal = true;
    snprintf(r->last_seal_file, sizeof(r->last_seal_file), "%s", file);
    r->last_seal_line = ln;
    r->last_seal_seq = pl->seq;
    r->last_seal_epoch = si.epoch;
    memcpy(r->last_seal_key, si.key, sizeof(r->last_seal_key));
    r->unsealed = 0;
    return RW_AUDIT_INTACT;
}

/* `init` records name the new key: its first seal must then be epoch 0. */
static void note_init(rw_audit_verifier_t *v, const span_t *s)
{
    static const char k[] = "\"key\":\"";
    const char *p = memmem(s->p, s->len, k, sizeof(k) - 1);
    if (!p || (size_t)(s->p + s->len - p) < sizeof(k) - 1 + RW_AUDIT_FPR_LEN)
        return;
    char fpr[RW_AUDIT_FPR_LEN + 1];
    memcpy(fpr, p + sizeof(k) - 1, RW_AUDIT_FPR_LEN);
    fpr[RW_AUDIT_FPR_LEN] = '\0';
    vkey_t *key = key_for(v, fpr, !v->rep.keys_given);
    if (key && !key->seen_seal)
        key->init_seen = true;
}

rw_audit_verdict_t rw_audit_verifier_feed(rw_audit_verifier_t *v, const char *name, const char *buf,
                                          size_t len, bool live)
{
    rw_audit_verify_report_t *r = &v->rep;
    if (v->stopped)
        return r->verdict;
    r->files++;
    r->bytes += len;
    uint64_t ln = 0;
    size_t off = 0;
    span_t s;
    while (line_at(buf, len, off, &s)) {
        ln++;
        size_t next = off + s.len + 1;
        if (!s.complete) {
            r->torn_bytes = live ? s.len : 0;
            return fail(v, RW_AUDIT_P_TRUNCATED, name, ln,
                        live ? "torn tail: line %" PRIu64 " is incomplete (%zu bytes, no "
                               "newline); the next append cuts it and writes a recovery record"
                             : "line %" PRIu64 " is cut short (%zu bytes, no newline) in a "
                               "rotated file: the file was truncated",
                        ln, s.len);
        }
        r->lines++;
        rw_audit_line_t pl;
        bool parsed = rw_audit_line_parse(s.p, s.len, &pl) == 0;
        uint8_t h[RW_SHA256_LEN];
        rw_sha256(s.p, s.len, h);
        if (!v->have_prev) {
            static const uint8_t zero[RW_SHA256_LEN] = {0};
            if (!parsed) {
                /* no chain to compare with yet: maybe garbage put in front */
                look_t n1;
                look_at(buf, len, next, &n1);
                if (n1.ok && n1.pl.seq == 1 && memcmp(n1.pl.prev, zero, RW_SHA256_LEN) == 0)
                    return fail(v, RW_AUDIT_P_INSERTED, name, ln,
                                "line %" PRIu64 " was inserted before the first record", ln);
                return fail(v, RW_AUDIT_P_MODIFIED, name, ln,
                            "line %" PRIu64 " is not a well-formed record", ln);
            }
            if (pl.seq == 1 && memcmp(pl.prev, zero, RW_SHA256_LEN) != 0)
                return fail(v, RW_AUDIT_P_MODIFIED, name, ln,
                            "the first record (seq 1) must link to the zero hash");
            r->genesis = pl.seq == 1;
            r->first_seq = pl.seq;
        } else if (!parsed || pl.seq != v->last_seq + 1 ||
                   memcmp(pl.prev, v->last_hash, RW_SHA256_LEN) != 0) {
            return classify(v, name, ln, &pl, parsed, h, buf, len, next);
        }
        memcpy(v->prev2_hash, v->last_hash, RW_SHA256_LEN);
        v->have_prev2 = v->have_prev;
        memcpy(v->last_hash, h, RW_SHA256_LEN);
        v->last_seq = pl.seq;
        v->have_prev = true;
        r->last_seq = pl.seq;
        r->unsealed++;
        if (strcmp(pl.event, "seal") == 0) {
            if (check_seal(v, name, ln, &s, &pl) != RW_AUDIT_INTACT)
                return r->verdict;
        } else {
            r->records++;
            if (strcmp(pl.event, "recovery") == 0)
                r->recoveries++;
            else if (strcmp(pl.event, "init") == 0)
                note_init(v, &s);
        }
        off = next;
    }
    return r->verdict;
}

rw_audit_verdict_t rw_audit_verifier_check_state(rw_audit_verifier_t *v,
                                                 const rw_audit_key_t *state)
{
    rw_audit_verify_report_t *r = &v->rep;
    if (v->stopped)
        return r->verdict;
    r->state_checked = true;
    vkey_t *k = key_for(v, state->fpr, false);
    if (k && k->have_k0) {
        uint8_t want[RW_SHA256_LEN];
        rw_audit_key_derive(k->k0, state->epoch, want);
        bool same = rw_memeq_ct(want, state->key, RW_SHA256_LEN);
        rw_explicit_bzero(want, sizeof(want));
        if (!same)
            return fail(v, RW_AUDIT_P_BAD_SEAL, "(sealing key state)", 0,
                        "the host's sealing key (epoch %" PRIu64 ") does not derive from the "
                        "verification key %s: it was replaced",
                        state->epoch, state->fpr);
    }
    uint64_t sealed = k && k->seen_seal ? k->last_epoch + 1 : 0;
    /* After a crash between a seal and the key update the key may lag by one; never lead. */
    if (state->epoch > sealed && (k || r->genesis))
        return fail(v, RW_AUDIT_P_TRUNCATED, r->last_seal_file[0] ? r->last_seal_file : "(log)",
                    r->last_seal_line,
                    "the host's sealing key %s is at epoch %" PRIu64 ", so %" PRIu64
                    " seal(s) were made with it, but the log holds %" PRIu64
                    ": records and seals were cut off after seq %" PRIu64,
                    state->fpr, state->epoch, state->epoch, sealed,
                    k && k->seen_seal ? r->last_seal_seq : r->first_seq);
    return r->verdict;
}

rw_audit_verdict_t rw_audit_verifier_state_missing(rw_audit_verifier_t *v, const char *path,
                                                   const char *why)
{
    rw_audit_verify_report_t *r = &v->rep;
    if (v->stopped || !r->any_seal)
        return r->verdict;
    return fail(v, RW_AUDIT_P_TRUNCATED, path, 0,
                "the sealing key state %s is %s although the log is sealed: whether sealed "
                "records were cut off its end cannot be checked (pass --no-state to verify "
                "the rest)",
                path, why);
}

const rw_audit_verify_report_t *rw_audit_verifier_report(const rw_audit_verifier_t *v)
{
    return &v->rep;
}

char *rw_audit_verify_summary(const rw_audit_verify_report_t *r)
{
    char *s = NULL;
    if (r->verdict != RW_AUDIT_INTACT) {
        const char *tag = r->verdict == RW_AUDIT_TORN ? "TORN" : "BAD";
        int n = r->line ? asprintf(&s, "%s: %s:%" PRIu64 ": %s", tag, r->file, r->line, r->msg)
                        : asprintf(&s, "%s: %s: %s", tag, r->file, r->msg);
        return n < 0 ? NULL : s;
    }
    char seals[1200];
    if (!r->any_seal)
        snprintf(seals, sizeof(seals), "no seals");
    else if (r->keys_given)
        snprintf(seals, sizeof(seals),
                 "%" PRIu64 " seal(s) verified, last at %s:%" PRIu64 " (seq %" PRIu64
                 ", epoch %" PRIu64 ")",
                 r->seals_verified, r->last_seal_file, r->last_seal_line, r->last_seal_seq,
                 r->last_seal_epoch);
    else
        snprintf(seals, sizeof(seals),
                 "%" PRIu64 " seal(s) NOT checked (no --key), last at %s:%" PRIu64 " (seq %" PRIu64
                 ")",
                 r->seals, r->last_seal_file, r->last_seal_line, r->last_seal_seq);
    char tail[200];
    if (r->unsealed)
        snprintf(tail, sizeof(tail),
                 "; unsealed tail: %" PRIu64 " line(s) after the last seal are protected by "
                 "the hash chain only",
                 r->unsealed);
    else
        tail[0] = '\0';
    char rec[80] = "";
    if (r->recoveries)
        snprintf(rec, sizeof(rec), ", %" PRIu64 " crash recovery record(s)", r->recoveries);
    if (asprintf(&s,
                 "OK: %" PRIu64 " record(s) in %" PRIu64 " file(s), seq %" PRIu64 "..%" PRIu64
                 "%s%s; %s%s",
                 r->records, r->files, r->first_seq, r->last_seq,
                 r->genesis || !r->lines ? "" : " (chain starts mid-way: earlier files not given)",
                 rec, seals, tail) < 0)
        return NULL;
    return s;
}
