/* Shared helpers for the audit unit tests: temporary logs, reading them back as lines,
 * and running the verifier over modified copies. Header-only (static) on purpose: each
 * test program includes it once. */
#pragma once

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "audit/log.h"
#include "audit/seal.h"
#include "audit/verify.h"
#include "common/fileio.h"

typedef struct tlog {
    char dir[64];
    char path[128];
    char key[128];
    rw_audit_log_opts_t o;
} tlog_t;

static inline void tlog_init(tlog_t *t, unsigned seal_every, uint64_t rotate)
{
    snprintf(t->dir, sizeof(t->dir), "/tmp/rw-audit-unit.XXXXXX");
    if (!mkdtemp(t->dir))
        abort();
    snprintf(t->path, sizeof(t->path), "%s/log/audit.jsonl", t->dir);
    snprintf(t->key, sizeof(t->key), "%s/key/seal.key", t->dir);
    memset(&t->o, 0, sizeof(t->o));
    t->o.path = t->path;
    t->o.key_path = t->key;
    t->o.seal_every = seal_every;
    t->o.rotate_bytes = rotate;
}

static inline void tlog_cleanup(tlog_t *t)
{
    char cmd[200];
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", t->dir);
    if (system(cmd) != 0) {
        /* best effort */
    }
}

/* Creates a sealing key; returns k0. */
static inline void tlog_keygen(tlog_t *t, uint8_t k0[32])
{
    rw_audit_key_t st;
    rw_error_t *err = NULL;
    if (rw_audit_key_create(t->key, false, k0, &st, &err) < 0) {
        fprintf(stderr, "keygen: %s\n", err ? err->msg : "?");
        abort();
    }
}

static inline int tlog_append(tlog_t *t, int i)
{
    char body[160];
    snprintf(body, sizeof(body), "{\"event\":\"test\",\"n\":%d,\"pad\":\"%0*d\"}", i, 20 + i % 7,
             0);
    rw_error_t *err = NULL;
    rw_audit_append_result_t res;
    int r = rw_audit_append(&t->o, body, true, &res, &err);
    if (r < 0)
        fprintf(stderr, "append: %s\n", err ? err->msg : "?");
    rw_error_free(err);
    return r;
}

static inline char *tlog_read(const char *path, size_t *len)
{
    char *buf = NULL;
    rw_error_t *err = NULL;
    if (rw_file_read_at(AT_FDCWD, path, 1u << 30, &buf, len, NULL, &err) < 0) {
        rw_error_free(err);
        return NULL;
    }
    return buf;
}

static inline void tlog_write(const char *path, const char *buf, size_t len)
{
    int fd = open(path, O_WRONLY | O_TRUNC | O_CREAT | O_CLOEXEC, 0600);
    if (fd < 0 || rw_write_all(fd, buf, len) < 0)
        abort();
    close(fd);
}

/* Lines of a buffer (pointers into a copy; each without its newline). */
typedef struct lines {
    char *copy;
    char **l;
    size_t n;
} lines_t;

static inline void lines_split(const char *buf, size_t len, lines_t *out)
{
    out->copy = malloc(len + 1);
    memcpy(out->copy, buf, len);
    out->copy[len] = '\0';
    out->l = calloc(len + 2, sizeof(char *));
    out->n = 0;
    char *p = out->copy;
    while (*p) {
        char *nl = strchr(p, '\n');
        out->l[out->n++] = p;
        if (!nl)
            break;
        *nl = '\0';
        p = nl + 1;
    }
}

static inline void lines_free(lines_t *x)
{
    free(x->copy);
    free(x->l);
}

/* Joins lines (each + '\n'). */
static inline char *lines_join(char **l, size_t n, size_t *len)
{
    size_t total = 0;
    for (size_t i = 0; i < n; i++)
        total += strlen(l[i]) + 1;
    char *b = malloc(total + 1);
    size_t o = 0;
    for (size_t i = 0; i < n; i++) {
        size_t k = strlen(l[i]);
        memcpy(b + o, l[i], k);
        b[o + k] = '\n';
        o += k + 1;
    }
    b[o] = '\0';
    *len = o;
    return b;
}

/* Runs the verifier over one buffer (with an optional key and key state). */
static inline rw_audit_verify_report_t verify_buf(const char *buf, size_t len, const uint8_t *k0,
                                                  const rw_audit_key_t *state)
{
    rw_audit_verifier_t *v = rw_audit_verifier_new();
    if (k0)
        rw_audit_verifier_add_key(v, k0);
    rw_audit_verifier_feed(v, "log", buf, len, true);
    if (state)
        rw_audit_verifier_check_state(v, state);
    rw_audit_verify_report_t r = *rw_audit_verifier_report(v);
    rw_audit_verifier_free(v);
    return r;
}
