/* runwarden-landlock: a small static launcher that runwarden bind-mounts read-only into a
 * container and puts in front of the container's (and every exec's) program. It applies
 * the tenant's Landlock file rules to itself, then execs the real program.
 *
 *   runwarden-landlock [--abi N] [--deny PATH]... [--ro PATH]... [--rw PATH]... [--verbose]
 *                      -- PROGRAM [ARGS...]
 *
 * Landlock only grants, beneath a directory, so "everything but PATH" is built by granting
 * each sibling on the way down to PATH; the directories on that way keep no right of their
 * own (they cannot be listed, nor can entries be created directly in them). Failing to apply
 * the rules is fatal: the program never runs unconfined. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../../common/cleanup.h"
#include "../landlock_abi.h"

#define LL_EXIT_FAIL 126 /* as a shell reports a command it cannot run */
#define LL_EXIT_NOENT 127
#define LL_MAX_RULES 4096
#define LL_MAX_GRANTS 100000

enum { RULE_DENY, RULE_RO, RULE_RW };

typedef struct ll_rule {
    char *path; /* resolved inside the container */
    int kind;
} ll_rule_t;

typedef struct ll_state {
    ll_rule_t rules[LL_MAX_RULES];
    size_t n_rules;
    int ruleset_fd;
    uint64_t handled, full;
    size_t n_grants;
    bool verbose;
} ll_state_t;

static void __attribute__((format(printf, 1, 2))) fail(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fputs("runwarden-landlock: ", stderr);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
}

static const char *errname(int e)
{
    const char *n = strerrorname_np(e);
    return n ? n : "error";
}

/* Like realpath(), but a tail that is missing (or that the container's user may not
 * search) is kept as written, so that a rule still lands where that path would be. */
static char *resolve(const char *p, int depth)
{
    char *r = realpath(p, NULL);
    if (r || (errno != ENOENT && errno != ENOTDIR && errno != EACCES) || depth > 64)
        return r;
    const char *slash = strrchr(p, '/');
    if (!slash || !slash[1])
        return NULL;
    cleanup_free char *parent = strndup(p, slash == p ? 1 : (size_t)(slash - p));
    if (!parent)
        return NULL;
    cleanup_free char *rp = resolve(parent, depth + 1);
    if (!rp)
        return NULL;
    char *out = NULL;
    if (asprintf(&out, "%s/%s", strcmp(rp, "/") ? rp : "", slash + 1) < 0)
        return NULL;
    return out;
}

static bool strictly_below(const char *child, const char *parent)
{
    if (strcmp(parent, "/") == 0)
        return strcmp(child, "/") != 0;
    size_t n = strlen(parent);
    return strncmp(child, parent, n) == 0 && child[n] == '/';
}

static uint64_t kind_access(const ll_state_t *st, int kind)
{
    switch (kind) {
    case RULE_DENY:
        return 0;
    case RULE_RO:
        return RW_LL_FS_READ_ONLY & st->handled;
    case RULE_RW:
        return st->full;
    default:
        return 0;
    }
}

static const char *kind_name(int kind)
{
    return kind == RULE_DENY ? "deny" : kind == RULE_RO ? "read-only" : "read-write";
}

static int add_rule(ll_state_t *st, const char *path, uint64_t access, bool is_dir)
{
    if (!is_dir)
        access &= RW_LL_FS_FILE_MASK;
    if (!access)
        return 0;
    if (++st->n_grants > LL_MAX_GRANTS) {
        fail("refused: more than %d grants needed; narrow the file rules", LL_MAX_GRANTS);
        return -E2BIG;
    }
    cleanup_close int fd = open(path, O_PATH | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0) {
        /* Vanished between readdir and open: nothing left to grant. */
        return errno == ENOENT ? 0 : -errno;
    }
    struct rw_ll_path_beneath_attr pb = {.allowed_access = access, .parent_fd = fd};
    if (syscall(SYS_landlock_add_rule, st->ruleset_fd, RW_LL_RULE_PATH_BENEATH, &pb, 0) < 0) {
        int e = errno;
        fail("cannot add the rule for %s: %s", path, errname(e));
        return -e;
    }
    if (st->verbose)
        fprintf(stderr, "runwarden-landlock: grant %s 0x%llx\n", path, (unsigned long long)access);
    return 0;
}

static const ll_rule_t *rule_for(const ll_state_t *st, const char *path)
{
    for (size_t i = 0; i < st->n_rules; i++)
        if (strcmp(st->rules[i].path, path) == 0)
            return &st->rules[i];
    return NULL;
}

static bool has_rules_below(const ll_state_t *st, const char *path)
{
    for (size_t i = 0; i < st->n_rules; i++)
        if (strictly_below(st->rules[i].path, path))
            return true;
    return false;
}

/* Grants `access` on everything beneath path, except what rules further down decide. */
static int grant(ll_state_t *st, const char *path, uint64_t access, int depth)
{
    if (depth > 256)
        return -ELOOP;
    struct stat sb;
    if (lstat(path, &sb) < 0)
        return errno == ENOENT ? 0 : -errno;
    bool is_dir = S_ISDIR(sb.st_mode);
    if (!is_dir || !has_rules_below(st, path))
        return S_ISLNK(sb.st_mode) ? 0 : add_rule(st, path, access, is_dir);

    /* The directory itself may keep what every rule beneath it allows too (so `ls /` works
     * when only read-only rules lie below); anything more would leak into those paths. */
    uint64_t common = access;
    for (size_t i = 0; i < st->n_rules; i++)
        if (strictly_below(st->rules[i].path, path))
            common &= kind_access(st, st->rules[i].kind);
    int r = add_rule(st, path, common, true);
    if (r < 0)
        return r;

    DIR *d = opendir(path);
    if (!d) {
        int e = errno;
        /* the container's user may not list it: grant nothing beneath (stricter, never
         * looser, than the rules) rather than refuse to start */
        if (e == EACCES) {
            if (st->verbose)
                fprintf(stderr, "runwarden-landlock: %s unreadable, nothing granted below\n", path);
            return 0;
        }
        fail("cannot list %s: %s", path, errname(e));
        return -e;
    }
    struct dirent *de;
    while (r >= 0 && (errno = 0, de = readdir(d))) {
        if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
            continue;
        cleanup_free char *child = NULL;
        if (asprintf(&child, "%s/%s", strcmp(path, "/") ? path : "", de->d_name) < 0) {
            r = -ENOMEM;
            break;
        }
        /* A link is governed where it points, not where it sits. */
        if (de->d_type == DT_LNK)
            continue;
        const ll_rule_t *rule = rule_for(st, child);
        r = grant(st, child, rule ? kind_access(st, rule->kind) : access, depth + 1);
    }
    if (r >= 0 && errno)
        r = -errno;
    closedir(d);
    return r;
}

static int add_path(ll_state_t *st, const char *arg, int kind)
{
    if (arg[0] != '/') {
        fail("refused: rule path '%s' is not absolute", arg);
        return -EINVAL;
    }
    if (st->n_rules >= LL_MAX_RULES) {
        fail("refused: more than %d rules", LL_MAX_RULES);
        return -E2BIG;
    }
    char *p = resolve(arg, 0);
    if (!p) {
        int e = errno;
        fail("cannot resolve %s: %s", arg, errname(e));
        return -e;
    }
    if (rule_for(st, p)) {
        /* Two spellings of one place (a link): the most restrictive wins. */
        for (size_t i = 0; i < st->n_rules; i++)
            if (strcmp(st->rules[i].path, p) == 0 && kind < st->rules[i].kind)
                st->rules[i].kind = kind;
        free(p);
        return 0;
    }
    st->rules[st->n_rules].path = p;
    st->rules[st->n_rules].kind = kind;
    st->n_rules++;
    return 0;
}

static int parse_int(const char *s, int *out)
{
    char *end = NULL;
    errno = 0;
    long v = strtol(s, &end, 10);
    if (errno || !end || *end || end == s || v < 0 || v > 1000)
        return -EINVAL;
    *out = (int)v;
    return 0;
}

int main(int argc, char **argv)
{
    static ll_state_t st;
    int want_abi = 1, i = 1;
    st.ruleset_fd = -1;
    for (; i < argc; i++) {
        const char *a = argv[i];
        if (strcmp(a, "--") == 0) {
            i++;
            break;
        }
        if (strcmp(a, "--verbose") == 0) {
            st.verbose = true;
            continue;
        }
        if (i + 1 >= argc) {
            fail("refused: option %s needs a value (usage: --abi N --deny P --ro P --rw P -- "
                 "PROGRAM ARGS)",
                 a);
            return LL_EXIT_FAIL;
        }
        const char *v = argv[++i];
        int r = 0;
        if (strcmp(a, "--abi") == 0)
            r = parse_int(v, &want_abi);
        else if (strcmp(a, "--deny") == 0)
            r = add_path(&st, v, RULE_DENY);
        else if (strcmp(a, "--ro") == 0)
            r = add_path(&st, v, RULE_RO);
        else if (strcmp(a, "--rw") == 0)
            r = add_path(&st, v, RULE_RW);
        else {
            fail("refused: unknown option %s", a);
            return LL_EXIT_FAIL;
        }
        if (r < 0)
            return LL_EXIT_FAIL;
    }
    if (i >= argc) {
        fail("refused: no program to run after --");
        return LL_EXIT_FAIL;
    }

    int abi = rw_ll_abi_version();
    if (abi < 0 || abi < want_abi) {
        fail("refused: the kernel's Landlock ABI is %d (%s), the container's rules need %d",
             abi < 0 ? 0 : abi, abi < 0 ? errname(-abi) : "too old", want_abi);
        return LL_EXIT_FAIL;
    }
    /* Handle what the stage planned for (its report names what that leaves out), not more:
     * the same rules must mean the same thing at create and at every later exec. */
    st.handled = rw_ll_fs_handled(want_abi);
    st.full = st.handled;
    struct rw_ll_ruleset_attr attr = {.handled_access_fs = st.handled};
    st.ruleset_fd =
        (int)syscall(SYS_landlock_create_ruleset, &attr, sizeof(attr.handled_access_fs), 0);
    if (st.ruleset_fd < 0) {
        fail("refused: cannot create the Landlock ruleset: %s (is landlock_create_ruleset "
             "allowed by the container's seccomp profile?)",
             errname(errno));
        return LL_EXIT_FAIL;
    }
    const ll_rule_t *root = rule_for(&st, "/");
    if (grant(&st, "/", root ? kind_access(&st, root->kind) : st.full, 0) < 0) {
        fail("refused: the file rules could not be applied");
        return LL_EXIT_FAIL;
    }
    if (st.verbose)
        for (size_t k = 0; k < st.n_rules; k++)
            fprintf(stderr, "runwarden-landlock: rule %s %s\n", kind_name(st.rules[k].kind),
                    st.rules[k].path);
    /* Without CAP_SYS_ADMIN the kernel wants no_new_privs first; keep setuid working for
     * containers that have the capability. */
    if (syscall(SYS_landlock_restrict_self, st.ruleset_fd, 0) < 0) {
        if (errno != EPERM || prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0 ||
            syscall(SYS_landlock_restrict_self, st.ruleset_fd, 0) < 0) {
            fail("refused: cannot enforce the Landlock ruleset: %s", errname(errno));
            return LL_EXIT_FAIL;
        }
    }
    close(st.ruleset_fd);
    for (size_t k = 0; k < st.n_rules; k++)
        free(st.rules[k].path);

    execvp(argv[i], argv + i);
    int e = errno;
    if (e == ENOENT) {
        fail("exec %s: executable file not found in $PATH", argv[i]);
        return LL_EXIT_NOENT;
    }
    fail("exec %s: %s", argv[i], errname(e));
    return LL_EXIT_FAIL;
}
