/* `runwarden audit init|seal|verify|show|rotate|note|follow`: the operator's side of the
 * sealed audit trail. Library code does the work (audit/); this parses options, prints,
 * and maps results to exit codes (verify: 0 intact, 1 tampered, 3 torn tail, 2 error). */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../audit/audit_time.h"
#include "../audit/identity.h"
#include "../audit/log.h"
#include "../audit/query.h"
#include "../audit/record_build.h"
#include "../audit/seal.h"
#include "../audit/verify.h"
#include "../common/cleanup.h"
#include "../common/fileio.h"
#include "../common/json.h"
#include "../conf/config.h"
#include "../conf/config_audit.h"
#include "commands.h"
#include "ebpf_helper.h"

#define NOTE_MAX (1u << 20)

static void usage(FILE *f)
{
    fprintf(
        f, "usage: runwarden audit COMMAND [OPTIONS]\n\n"
           "  init [--force] [--key-out FILE]   create the sealing key; print the verification\n"
           "                                    key (keep it off this host)\n"
           "  seal                              seal everything written so far\n"
           "  verify [--key FILE]... [--state FILE|--no-state] [FILE...]\n"
           "                                    check chain and seals (exit 0 intact, 1 tampered,\n"
           "                                    3 torn tail after a crash, 2 error)\n"
           "  show [--container ID|NAME] [--user NAME|UID] [--event E] [--image REF]\n"
           "       [--since T] [--until T] [--json] [FILE...]\n"
           "                                    T: 2024-05-01, 2024-05-01T10:00:00Z, 30m, 2h, 7d\n"
           "  rotate                            start a new file; the chain continues\n"
           "  note TEXT... | note --file FILE   record an operator note\n"
           "  follow [--container ID] [--json]  drain eBPF events into the log\n"
           "  drain                             write the queued eBPF events once\n\n"
           "The log, key and settings come from the audit section of runwarden.json.\n");
}

typedef struct audit_env {
    rw_config_t *cfg;
    rw_audit_config_t ac;
    rw_audit_log_opts_t opts;
} audit_env_t;

static void env_clear(audit_env_t *e)
{
    rw_config_audit_clear(&e->ac);
    rw_config_free(e->cfg);
}

static int env_load(audit_env_t *e, const char *cmd)
{
    memset(e, 0, sizeof(*e));
    rw_error_t *err = NULL;
    if (rw_config_load(&e->cfg, &err) < 0 ||
        rw_config_audit_parse(e->cfg->audit, e->cfg->path, &e->ac, &err) < 0) {
        fprintf(stderr, "runwarden audit %s: %s\n", cmd, err ? err->msg : "cannot load config");
        rw_error_free(err);
        return -EINVAL;
    }
    e->opts.path = e->ac.log_path;
    e->opts.key_path = e->ac.key_path;
    e->opts.seal_every = e->ac.seal_every;
    e->opts.rotate_bytes = e->ac.rotate_bytes;
    return 0;
}

static int fail(const char *cmd, rw_error_t *err, const char *fallback)
{
    fprintf(stderr, "runwarden audit %s: %s\n", cmd, err && err->msg ? err->msg : fallback);
    rw_error_free(err);
    return 1;
}

static int append_body(audit_env_t *e, const char *cmd, json_t *rec)
{
    cleanup_free char *body = rw_audit_record_dump(rec, NULL);
    if (!body)
        return fail(cmd, NULL, "out of memory");
    rw_error_t *err = NULL;
    rw_audit_append_result_t res;
    if (rw_audit_append(&e->opts, body, true, &res, &err) < 0)
        return fail(cmd, err, "cannot write the audit record");
    if (res.seal_error < 0)
        fprintf(stderr, "runwarden audit %s: warning: %s\n", cmd, res.seal_msg);
    return 0;
}

static json_t *base_record(const char *event)
{
    json_t *o = json_object();
    char t[RW_AUDIT_TIME_LEN];
    rw_audit_time_now(t);
    char host[256] = "";
    if (gethostname(host, sizeof(host) - 1) < 0)
        host[0] = '\0';
    json_object_set_new(o, "event", json_string(event));
    json_object_set_new(o, "time", json_string(t));
    json_object_set_new(o, "host", host[0] ? json_string(host) : json_null());
    return o;
}

static void add_who(json_t *o, bool full)
{
    cleanup_identity rw_identity_t *who = NULL;
    rw_error_t *err = NULL;
    if (full)
        (void)rw_identity_collect(&who, &err);
    else
        (void)rw_identity_collect_short(&who, &err);
    rw_error_free(err);
    json_object_set_new(o, "who", rw_identity_json(who, full));
}

/* The verification key's file is created before the sealing key, so that a file that
 * cannot be made (it exists, the directory is missing) stops init while nothing has
 * changed: a sealing key whose k0 was never written anywhere could never be verified. */
static int open_key_file(const char *file)
{
    int fd = open(file, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW | O_NOCTTY, 0600);
    if (fd < 0) {
        int e = errno;
        fprintf(stderr,
                "runwarden audit init: cannot create %s (%s): nothing was changed; name a new "
                "file with --key-out\n",
                file, strerror(e));
        return -e;
    }
    return fd;
}

static int write_key_file(int fd, const char *file, const char *line)
{
    if (rw_write_all(fd, line, strlen(line)) < 0 || fsync(fd) < 0) {
        fprintf(stderr, "runwarden audit init: cannot write %s\n", file);
        return -EIO;
    }
    return 0;
}

static int cmd_init(audit_env_t *e, int argc, char **argv)
{
    static const struct option opts[] = {{"force", no_argument, NULL, 'f'},
                                         {"key-out", required_argument, NULL, 'o'},
                                         {"help", no_argument, NULL, 'h'},
                                         {NULL, 0, NULL, 0}};
    bool force = false;
    const char *out = NULL;
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "fo:h", opts, NULL)) != -1) {
        switch (c) {
        case 'f':
            force = true;
            break;
        case 'o':
            out = optarg;
            break;
        case 'h':
            usage(stdout);
            return 0;
        default:
            return 2;
        }
    }
    if (optind != argc) {
        usage(stderr);
        return 2;
    }
    cleanup_close int out_fd = -1;
    if (out && (out_fd = open_key_file(out)) < 0)
        return 1;
    /* Everything under the log's lock, so no append seals with a key being replaced. */
    rw_error_t *err = NULL;
    cleanup_audit_log rw_audit_log_t *l = NULL;
    if (rw_audit_log_open(&e->opts, &l, &err) < 0) {
        if (out)
            (void)unlink(out); /* the empty file made above */
        return fail("init", err, "cannot open the log");
    }
    rw_audit_key_t old;
    if (force && rw_audit_key_load(e->ac.key_path, &old, &err) == 0) {
        /* Close the old key's chain with a last seal so everything before stays verifiable. */
        rw_explicit_bzero(&old, sizeof(old));
        if (rw_audit_seal_now(l, e->ac.key_path, "rekey", &err) < 0)
            fprintf(stderr, "runwarden audit init: warning: could not seal with the old key: %s\n",
                    err && err->msg ? err->msg : "?");
    }
    rw_error_free(err);
    err = NULL;
    uint8_t k0[RW_SHA256_LEN];
    rw_audit_key_t state;
    if (rw_audit_key_create(e->ac.key_path, force, k0, &state, &err) < 0) {
        if (out)
            (void)unlink(out); /* the empty file made above */
        return fail("init", err, "cannot create the sealing key");
    }
    char hex[RW_SHA256_HEX_LEN + 1];
    rw_hex(k0, sizeof(k0), hex);
    rw_explicit_bzero(k0, sizeof(k0));
    char line[128];
    snprintf(line, sizeof(line), "runwarden-audit-key:%s\n", hex);
    rw_explicit_bzero(hex, sizeof(hex));
    rw_explicit_bzero(&state.key, sizeof(state.key));
    int r = 0;
    printf("sealing key %s created (fingerprint %s, epoch 0)\n", e->ac.key_path, state.fpr);
    if (out) {
        r = write_key_file(out_fd, out, line);
        if (r == 0)
            printf("verification key written to %s: move it off this host; runwarden keeps "
                   "no copy\n",
                   out);
    } else {
        printf("verification key (keep it off this host; runwarden keeps no copy):\n%s", line);
    }
    rw_explicit_bzero(line, sizeof(line));
    fflush(stdout);
    cleanup_json json_t *rec = base_record("init");
    json_object_set_new(rec, "key", json_string(state.fpr));
    json_object_set_new(rec, "key_path", json_string(e->ac.key_path));
    add_who(rec, false);
    cleanup_free char *body = rw_audit_record_dump(rec, NULL);
    if (!body || rw_audit_log_write(l, body, strlen(body), true, NULL, &err) < 0)
        return fail("init", err, "cannot write the init record");
    return r < 0 ? 1 : 0;
}

static int cmd_seal(audit_env_t *e, int argc, char **argv)
{
    if (argc > 1) {
        usage(stderr);
        return 2;
    }
    rw_error_t *err = NULL;
    cleanup_audit_log rw_audit_log_t *l = NULL;
    if (rw_audit_log_open(&e->opts, &l, &err) < 0)
        return fail("seal", err, "cannot open the log");
    int r = rw_audit_seal_now(l, e->ac.key_path, "command", &err);
    if (r == -ENOENT) {
        fprintf(stderr,
                "runwarden audit seal: no sealing key at %s: run `runwarden audit init` "
                "first\n",
                e->ac.key_path);
        return 1;
    }
    if (r < 0)
        return fail("seal", err, "cannot seal");
    if (r == 0)
        printf("nothing to seal: the log already ends in a seal (seq %llu)\n",
               (unsigned long long)l->last_seq);
    else
        printf("sealed through seq %llu with epoch %llu\n", (unsigned long long)l->last_seq,
               (unsigned long long)l->last_seal_epoch);
    return 0;
}

static int cmd_rotate(audit_env_t *e, int argc, char **argv)
{
    if (argc > 1) {
        usage(stderr);
        return 2;
    }
    rw_error_t *err = NULL;
    cleanup_audit_log rw_audit_log_t *l = NULL;
    if (rw_audit_log_open(&e->opts, &l, &err) < 0)
        return fail("rotate", err, "cannot open the log");
    if (l->size == 0) {
        printf("nothing to rotate: %s is empty\n", e->ac.log_path);
        return 0;
    }
    if (rw_audit_log_rotate(l, "command", &err) < 0)
        return fail("rotate", err, "cannot rotate");
    printf("rotated %s; the new file continues the chain at seq %llu\n", e->ac.log_path,
           (unsigned long long)l->last_seq);
    return 0;
}

static int cmd_note(audit_env_t *e, int argc, char **argv)
{
    cleanup_free char *text = NULL;
    if (argc == 3 && strcmp(argv[1], "--file") == 0) {
        size_t len = 0;
        rw_error_t *err = NULL;
        if (rw_file_read_at(AT_FDCWD, argv[2], NOTE_MAX, &text, &len, NULL, &err) < 0)
            return fail("note", err, "cannot read the note");
    } else if (argc >= 2 && argv[1][0] != '-') {
        size_t len = 0;
        for (int i = 1; i < argc; i++)
            len += strlen(argv[i]) + 1;
        if (len > NOTE_MAX)
            return fail("note", NULL, "the note is longer than 1 MiB");
        text = calloc(1, len + 1);
        if (!text)
            return 1;
        size_t o = 0;
        for (int i = 1; i < argc; i++) {
            size_t l = strlen(argv[i]);
            if (i > 1)
                text[o++] = ' ';
            memcpy(text + o, argv[i], l);
            o += l;
        }
        text[o] = '\0';
    } else {
        usage(stderr);
        return 2;
    }
    cleanup_json json_t *rec = base_record("note");
    json_object_set_new(rec, "text", json_string(text));
    if (!json_object_get(rec, "text"))
        return fail("note", NULL, "the note must be UTF-8 text without NUL bytes");
    add_who(rec, true);
    return append_body(e, "note", rec);
}

/* The bytes of one log file. The live file is read without the lock (verify must not
 * stall container starts); a last line still being written is re-read under a shared
 * lock, which waits for that writer. */
typedef struct mapped {
    void *p;
    size_t len;
} mapped_t;

static int map_fd(int fd, mapped_t *m)
{
    struct stat st;
    if (fstat(fd, &st) < 0)
        return -errno;
    if (!S_ISREG(st.st_mode))
        return -EINVAL;
    m->len = (size_t)st.st_size;
    m->p = NULL;
    if (m->len == 0)
        return 0;
    /* MAP_POPULATE: one pass of read-ahead instead of a page fault per 4 KiB */
    m->p = mmap(NULL, m->len, PROT_READ, MAP_PRIVATE | MAP_POPULATE, fd, 0);
    if (m->p == MAP_FAILED) {
        m->p = NULL;
        return -errno;
    }
    (void)madvise(m->p, m->len, MADV_SEQUENTIAL);
    return 0;
}

static int map_log(const char *path, bool live, mapped_t *m)
{
    cleanup_close int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
    if (fd < 0)
        return -errno;
    int r = map_fd(fd, m);
    if (r < 0 || !live || m->len == 0 || ((const char *)m->p)[m->len - 1] == '\n')
        return r;
    cleanup_free char *lock = NULL;
    if (asprintf(&lock, "%s.lock", path) < 0)
        return 0;
    cleanup_close int lfd = open(lock, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
    if (lfd < 0 || flock(lfd, LOCK_SH) < 0)
        return 0;
    munmap(m->p, m->len);
    r = map_fd(fd, m);
    flock(lfd, LOCK_UN);
    return r;
}

static bool rotated_name(const char *path)
{
    size_t l = strlen(path);
    if (l < 14 || path[l - 13] != '.')
        return false;
    for (size_t i = l - 12; i < l; i++)
        if (path[i] < '0' || path[i] > '9')
            return false;
    return true;
}

static int verify_run(audit_env_t *e, rw_audit_verifier_t *v, int argc, char **argv)
{
    static const struct option opts[] = {{"key", required_argument, NULL, 'k'},
                                         {"state", required_argument, NULL, 's'},
                                         {"no-state", no_argument, NULL, 'n'},
                                         {"help", no_argument, NULL, 'h'},
                                         {NULL, 0, NULL, 0}};
    const char *state_path = NULL;
    bool no_state = false;
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "k:s:nh", opts, NULL)) != -1) {
        switch (c) {
        case 'k': {
            uint8_t k0[RW_SHA256_LEN];
            rw_error_t *err = NULL;
            if (rw_audit_verify_key_read(optarg, k0, &err) < 0) {
                fail("verify", err, "bad key");
                return 2;
            }
            int r = rw_audit_verifier_add_key(v, k0);
            rw_explicit_bzero(k0, sizeof(k0));
            if (r < 0) {
                fprintf(stderr, "runwarden audit verify: too many keys\n");
                return 2;
            }
            break;
        }
        case 's':
            state_path = optarg;
            break;
        case 'n':
            no_state = true;
            break;
        case 'h':
            usage(stdout);
            return 0;
        default:
            return 2;
        }
    }
    cleanup_strv char **files = NULL;
    bool explicit_files = optind < argc;
    if (explicit_files) {
        files = calloc((size_t)(argc - optind) + 1, sizeof(char *));
        for (int i = optind; files && i < argc; i++)
            files[i - optind] = strdup(argv[i]);
    } else {
        rw_error_t *err = NULL;
        if (rw_audit_log_files(e->ac.log_path, &files, &err) < 0) {
            return fail("verify", err, "cannot list the log files") + 1;
        }
        if (!files || !files[0]) {
            fprintf(stderr, "runwarden audit verify: there is no audit log at %s\n",
                    e->ac.log_path);
            return 2;
        }
    }
    size_t n = 0;
    while (files && files[n])
        n++;
    for (size_t i = 0; i < n; i++) {
        bool live = i + 1 == n && !rotated_name(files[i]);
        mapped_t m = {0};
        int r = map_log(files[i], live, &m);
        if (r < 0) {
            fprintf(stderr, "runwarden audit verify: cannot read %s: %s\n", files[i], strerror(-r));
            return 2;
        }
        rw_audit_verdict_t vd = rw_audit_verifier_feed(v, files[i], m.p ? m.p : "", m.len, live);
        if (m.p)
            munmap(m.p, m.len);
        if (vd != RW_AUDIT_INTACT)
            break;
    }
    /* The host's key state tells how many seals were made: fewer in the log means the
     * sealed end of the log was cut off. */
    if (!no_state && (state_path || !explicit_files)) {
        rw_audit_key_t st;
        rw_error_t *err = NULL;
        int r = rw_audit_key_load(state_path ? state_path : e->ac.key_path, &st, &err);
        const char *sp = state_path ? state_path : e->ac.key_path;
        if (r == 0)
            rw_audit_verifier_check_state(v, &st);
        else if (r == -ENOENT)
            rw_audit_verifier_state_missing(v, sp, "missing");
        else
            rw_audit_verifier_state_missing(v, sp, err && err->msg ? err->msg : strerror(-r));
        rw_explicit_bzero(&st, sizeof(st));
        rw_error_free(err);
    }
    const rw_audit_verify_report_t *rep = rw_audit_verifier_report(v);
    cleanup_free char *sum = rw_audit_verify_summary(rep);
    printf("%s\n", sum ? sum : "?");
    return rep->verdict == RW_AUDIT_INTACT ? 0 : rep->verdict == RW_AUDIT_TORN ? 3 : 1;
}

static int cmd_verify(audit_env_t *e, int argc, char **argv)
{
    rw_audit_verifier_t *v = rw_audit_verifier_new();
    if (!v)
        return 2;
    int rc = verify_run(e, v, argc, argv);
    rw_audit_verifier_free(v);
    return rc;
}

static int cmd_show(audit_env_t *e, int argc, char **argv)
{
    static const struct option opts[] = {{"container", required_argument, NULL, 'c'},
                                         {"user", required_argument, NULL, 'u'},
                                         {"event", required_argument, NULL, 'e'},
                                         {"image", required_argument, NULL, 'i'},
                                         {"since", required_argument, NULL, 's'},
                                         {"until", required_argument, NULL, 't'},
                                         {"json", no_argument, NULL, 'j'},
                                         {"help", no_argument, NULL, 'h'},
                                         {NULL, 0, NULL, 0}};
    rw_audit_query_t q;
    memset(&q, 0, sizeof(q));
    int c;
    optind = 1;
    time_t now = time(NULL);
    while ((c = getopt_long(argc, argv, "c:u:e:i:s:t:jh", opts, NULL)) != -1) {
        switch (c) {
        case 'c':
            q.container = optarg;
            break;
        case 'u':
            q.user = optarg;
            break;
        case 'e':
            q.event = optarg;
            break;
        case 'i':
            q.image = optarg;
            break;
        case 's':
        case 't': {
            char *slot = c == 's' ? q.since : q.until;
            if (rw_audit_time_parse(optarg, now, slot) < 0) {
                fprintf(stderr,
                        "runwarden audit show: --%s %s: use 2024-05-01, "
                        "2024-05-01T10:00:00Z or an age such as 30m, 2h, 7d\n",
                        c == 's' ? "since" : "until", optarg);
                return 2;
            }
            if (c == 's')
                q.has_since = true;
            else
                q.has_until = true;
            break;
        }
        case 'j':
            q.json = true;
            break;
        case 'h':
            usage(stdout);
            return 0;
        default:
            return 2;
        }
    }
    rw_audit_query_prepare(&q);
    cleanup_strv char **files = NULL;
    rw_error_t *err = NULL;
    if (optind < argc) {
        files = calloc((size_t)(argc - optind) + 1, sizeof(char *));
        for (int i = optind; files && i < argc; i++)
            files[i - optind] = strdup(argv[i]);
    } else if (rw_audit_log_files(e->ac.log_path, &files, &err) < 0) {
        return fail("show", err, "cannot list the log files");
    }
    unsigned long skipped = 0;
    long n = rw_audit_query_run(&q, files, stdout, &skipped, &err);
    if (n < 0)
        return fail("show", err, "cannot read the log");
    if (skipped)
        fprintf(stderr,
                "runwarden audit show: %lu line(s) were not records and were skipped; "
                "run `runwarden audit verify`\n",
                skipped);
    return 0;
}

int rw_cmd_audit(int argc, char **argv)
{
    if (argc < 2) {
        usage(stderr);
        return 2;
    }
    const char *sub = argv[1];
    if (strcmp(sub, "--help") == 0 || strcmp(sub, "-h") == 0 || strcmp(sub, "help") == 0) {
        usage(stdout);
        return 0;
    }
    if (strcmp(sub, "follow") == 0)
        return rw_cmd_audit_follow(argc - 1, argv + 1);
    if (strcmp(sub, "drain") == 0)
        return rw_cmd_audit_drain(argc - 1, argv + 1);
    static const struct {
        const char *name;
        int (*fn)(audit_env_t *, int, char **);
    } subs[] = {{"init", cmd_init}, {"seal", cmd_seal},     {"verify", cmd_verify},
                {"show", cmd_show}, {"rotate", cmd_rotate}, {"note", cmd_note}};
    for (size_t i = 0; i < RW_ARRAY_SIZE(subs); i++) {
        if (strcmp(subs[i].name, sub) != 0)
            continue;
        audit_env_t e;
        if (env_load(&e, sub) < 0)
            return 2;
        int rc = subs[i].fn(&e, argc - 1, argv + 1);
        fflush(stdout);
        env_clear(&e);
        return rc;
    }
    fprintf(stderr, "runwarden audit: unknown command '%s'\n", sub);
    usage(stderr);
    return 2;
}
