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
 * the rules is fatal: the program never runs unconfined.
 *
 * It runs before every process of a confined container, so it must cost next to nothing on
 * top of the exec it adds. On virtual machines a page fault costs 20-30 us, and a static
 * glibc program takes 25-30 of them before main(): the launcher has no libc (ll_sys.h), no
 * heap and no stdio; the rules stay in argv, where the kernel put them; its working memory
 * is one page of bss; it walks directories with getdents64 and d_type and opens only what it
 * grants (O_PATH, relative to the directory). */
#undef _FORTIFY_SOURCE /* there is no libc to provide the checked variants */

#include <fcntl.h>
#include <stdarg.h>

#include "../landlock_abi.h"
#include "ll_sys.h"

#define LL_EXIT_FAIL 126 /* as a shell reports a command it cannot run */
#define LL_EXIT_NOENT 127
#define LL_PATH_MAX 4096
#define LL_MAX_GRANTS 100000
#define LL_ARENA 65536  /* resolved rule paths that differ from how they were written */
#define LL_DT_UNKNOWN 0 /* linux_dirent64 d_type values */
#define LL_DT_DIR 4
#define LL_DT_LNK 10
#define LL_PR_SET_NO_NEW_PRIVS 38

/* A rule is the pair argv[2k], argv[2k+1] after parsing: one of these kinds (compared by
 * address), then the path as resolved inside the container. */
static const char RULE_DENY[] = "deny", RULE_RO[] = "read-only", RULE_RW[] = "read-write";

struct ll_dirent64 {
    uint64_t d_ino;
    int64_t d_off;
    unsigned short d_reclen;
    unsigned char d_type;
    char d_name[];
};

typedef struct ll_state {
    /* touched on every start: kept at the front, within one page */
    uintptr_t stack_guard; /* first: __stack_chk_guard is this word (see ll_start) */
    char **rules;          /* kind, path, kind, path... */
    size_t n_rules;
    uint64_t handled;
    size_t n_grants, arena_used;
    int ruleset_fd;
    bool verbose;
    char dents[2048] __attribute__((aligned(8))); /* getdents64: a container's / fills a third */
    char path[LL_PATH_MAX]; /* the path being granted (only its first bytes are touched) */
    /* touched only when a rule path goes through a symlink */
    char link[LL_PATH_MAX], rest[LL_PATH_MAX];
    char arena[LL_ARENA];
} ll_state_t;

static ll_state_t st __attribute__((aligned(4096)));

/* --- output: one write per message, no buffering to flush before exec ------------------- */

typedef struct ll_msg {
    char buf[1024];
    size_t len;
} ll_msg_t;

static void msg_add(ll_msg_t *m, const char *s)
{
    for (; *s && m->len < sizeof(m->buf) - 1; s++)
        m->buf[m->len++] = *s;
}

static void msg_num(ll_msg_t *m, unsigned long long v, unsigned base)
{
    char d[24];
    size_t n = 0;
    do {
        d[n++] = "0123456789abcdef"[v % base];
        v /= base;
    } while (v && n < sizeof(d));
    while (n && m->len < sizeof(m->buf) - 1)
        m->buf[m->len++] = d[--n];
}

/* names inline, not pointers: the table stays in read-only text, with no data page */
static const struct {
    int e;
    char name[14];
} errnames[] = {
    {EPERM, "EPERM"},     {ENOENT, "ENOENT"},   {EIO, "EIO"},
    {E2BIG, "E2BIG"},     {ENOEXEC, "ENOEXEC"}, {EBADF, "EBADF"},
    {ENOMEM, "ENOMEM"},   {EACCES, "EACCES"},   {EFAULT, "EFAULT"},
    {EBUSY, "EBUSY"},     {EXDEV, "EXDEV"},     {ENODEV, "ENODEV"},
    {ENOTDIR, "ENOTDIR"}, {EISDIR, "EISDIR"},   {EINVAL, "EINVAL"},
    {ENFILE, "ENFILE"},   {EMFILE, "EMFILE"},   {ETXTBSY, "ETXTBSY"},
    {ENOSPC, "ENOSPC"},   {EROFS, "EROFS"},     {ENAMETOOLONG, "ENAMETOOLONG"},
    {ENOSYS, "ENOSYS"},   {ELOOP, "ELOOP"},     {EOPNOTSUPP, "EOPNOTSUPP"},
    {ESTALE, "ESTALE"},
};

static void msg_err(ll_msg_t *m, int e)
{
    for (size_t i = 0; i < sizeof(errnames) / sizeof(errnames[0]); i++)
        if (errnames[i].e == e) {
            msg_add(m, errnames[i].name);
            return;
        }
    msg_add(m, "errno ");
    msg_num(m, (unsigned)e, 10);
}

/* Messages are rare: their buffers live in the frames of cold functions only. */
#define LL_COLD __attribute__((noinline, cold))

static void say_msg(ll_msg_t *m)
{
    m->buf[m->len++] = '\n';
    ll_sys3(SYS_write, 2, m->buf, m->len);
}

/* say("text", "more", ..., NULL): one line on stderr, prefixed with the program's name. */
static LL_COLD __attribute__((sentinel)) void say(const char *first, ...)
{
    ll_msg_t m = {.len = 0};
    msg_add(&m, "runwarden-landlock: ");
    va_list ap;
    va_start(ap, first);
    for (const char *s = first; s; s = va_arg(ap, const char *))
        msg_add(&m, s);
    va_end(ap);
    say_msg(&m);
}

/* "PREFIX WHAT: ENAME" */
static LL_COLD void say_err(const char *prefix, const char *what, int e)
{
    ll_msg_t m = {.len = 0};
    msg_add(&m, "runwarden-landlock: ");
    msg_add(&m, prefix);
    msg_add(&m, what);
    msg_add(&m, ": ");
    msg_err(&m, e);
    say_msg(&m);
}

/* --- rules ------------------------------------------------------------------------------ */

static bool strictly_below(const char *child, const char *parent)
{
    size_t n = ll_strlen(parent);
    if (n == 1 && parent[0] == '/')
        return !(child[0] == '/' && child[1] == '\0');
    return ll_prefix(child, parent, n) && child[n] == '/';
}

static uint64_t kind_access(const char *kind)
{
    if (kind == RULE_RO)
        return RW_LL_FS_READ_ONLY & st.handled;
    if (kind == RULE_RW)
        return st.handled;
    return 0;
}

static char **rule_for(const char *path)
{
    for (size_t i = 0; i < st.n_rules; i++)
        if (ll_streq(st.rules[2 * i + 1], path))
            return &st.rules[2 * i];
    return NULL;
}

static bool has_rules_below(const char *path)
{
    for (size_t i = 0; i < st.n_rules; i++)
        if (strictly_below(st.rules[2 * i + 1], path))
            return true;
    return false;
}

/* Appends "/name" (or "name" to "/") to st.path[0..len); returns the new length or < 0. */
static long path_push(size_t len, const char *name, size_t nlen)
{
    size_t at = len == 1 ? 1 : len + 1;
    if (at + nlen >= LL_PATH_MAX)
        return -ENAMETOOLONG;
    if (len != 1)
        st.path[len] = '/';
    for (size_t i = 0; i < nlen; i++)
        st.path[at + i] = name[i];
    st.path[at + nlen] = '\0';
    return (long)(at + nlen);
}

static LL_COLD void say_grant(uint64_t access)
{
    ll_msg_t m = {.len = 0};
    msg_add(&m, "runwarden-landlock: grant ");
    msg_add(&m, st.path);
    msg_add(&m, " 0x");
    msg_num(&m, access, 16);
    say_msg(&m);
}

/* access (not 0) on what fd (any kind of descriptor, st.path) is. */
static int grant_fd(int fd, uint64_t access)
{
    if (++st.n_grants > LL_MAX_GRANTS) {
        say("refused: more than 100000 grants needed; narrow the file rules", NULL);
        return -E2BIG;
    }
    struct rw_ll_path_beneath_attr pb = {.allowed_access = access, .parent_fd = fd};
    long r = ll_sys4(SYS_landlock_add_rule, st.ruleset_fd, RW_LL_RULE_PATH_BENEATH, &pb, 0);
    if (r < 0) {
        say_err("cannot add the rule for ", st.path, (int)-r);
        return (int)r;
    }
    if (st.verbose)
        say_grant(access);
    return 0;
}

/* access on dirfd/name, which st.path names; only what gets a right is opened. */
static int add_rule(int dirfd, const char *name, uint64_t access, bool is_dir)
{
    if (!is_dir)
        access &= RW_LL_FS_FILE_MASK;
    if (!access)
        return 0;
    int fd = (int)ll_sys4(SYS_openat, dirfd, name, O_PATH | O_NOFOLLOW | O_CLOEXEC, 0);
    if (fd < 0) {
        /* Vanished between getdents and open: nothing left to grant. */
        if (fd == -ENOENT)
            return 0;
        say_err("cannot open ", st.path, -fd);
        return fd;
    }
    int r = grant_fd(fd, access);
    ll_sys1(SYS_close, fd);
    return r;
}

/* The type of dirfd/name without following a link: 1 directory, 0 other, 2 link, < 0. */
static LL_COLD int type_at(int dirfd, const char *name)
{
    unsigned mode = 0;
#ifdef RW_LL_NOLIBC
    /* only st_mode is read, at its offset in the kernel's struct stat (ll_sys.h) */
    unsigned char sb[256] __attribute__((aligned(8)));
    long r = ll_sys4(SYS_newfstatat, dirfd, name, sb, AT_SYMLINK_NOFOLLOW);
    if (r < 0)
        return (int)r;
    mode = *(const unsigned *)(sb + LL_STAT_MODE_OFFSET);
#else
    struct stat sb;
    if (fstatat(dirfd, name, &sb, AT_SYMLINK_NOFOLLOW) < 0)
        return -errno;
    mode = sb.st_mode;
#endif
    mode &= 0170000;
    return mode == 0040000 ? 1 : mode == 0120000 ? 2 : 0;
}

/* st.path[0..len) is a directory with rules strictly below it. Grants `access` on
 * everything beneath it, except what those rules decide. */
static int grant_dir(size_t len, uint64_t access, int depth)
{
    if (depth > 256)
        return -ELOOP;
    /* The directory itself keeps what every rule beneath it allows too (so `ls /` works
     * when only read-only rules lie below); anything more would leak into those paths. */
    uint64_t common = access;
    for (size_t i = 0; i < st.n_rules; i++)
        if (strictly_below(st.rules[2 * i + 1], st.path))
            common &= kind_access(st.rules[2 * i]);
    int fd = (int)ll_sys4(SYS_openat, AT_FDCWD, st.path,
                          O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC, 0);
    if (fd == -ENOENT)
        return 0;
    if (fd == -EACCES) {
        /* the container's user may not list it: grant nothing beneath (stricter, never
         * looser, than the rules) rather than refuse to start */
        if (st.verbose)
            say(st.path, " unreadable, nothing granted below", NULL);
        return add_rule(AT_FDCWD, st.path, common, true);
    }
    if (fd < 0) {
        say_err("cannot list ", st.path, -fd);
        return fd;
    }
    int r = common ? grant_fd(fd, common) : 0;
    for (long n = 1; r >= 0 && n > 0;) {
        n = ll_sys3(SYS_getdents64, fd, st.dents, sizeof(st.dents));
        if (n < 0) {
            say_err("cannot list ", st.path, (int)-n);
            r = (int)n;
        }
        for (long off = 0; r >= 0 && off < n;) {
            const struct ll_dirent64 *de = (const void *)(st.dents + off);
            off += de->d_reclen;
            const char *name = de->d_name;
            /* A link is governed where it points, not where it sits. */
            if (de->d_type == LL_DT_LNK || (name[0] == '.' && name[1] == '\0') ||
                (name[0] == '.' && name[1] == '.' && name[2] == '\0'))
                continue;
            long clen = path_push(len, name, ll_strlen(name));
            if (clen < 0) {
                say_err("cannot grant beneath ", st.path, ENAMETOOLONG);
                r = (int)clen;
                break;
            }
            /* the way down to deeper rules: after this directory is closed (one buffer) */
            if (has_rules_below(st.path))
                continue;
            int is_dir = de->d_type == LL_DT_DIR;
            if (de->d_type == LL_DT_UNKNOWN && (is_dir = type_at(fd, name)) != 0 && is_dir != 1) {
                if (is_dir == 2 || is_dir == -ENOENT)
                    continue;
                say_err("cannot inspect ", st.path, -is_dir);
                r = is_dir;
                break;
            }
            char **rule = rule_for(st.path);
            r = add_rule(fd, name, rule ? kind_access(rule[0]) : access, is_dir);
        }
    }
    st.path[len] = '\0';
    ll_sys1(SYS_close, fd);

    /* Each directory on the way to a deeper rule, once (a path is a rule's own prefix). */
    for (size_t i = 0; r >= 0 && i < st.n_rules; i++) {
        const char *rp = st.rules[2 * i + 1];
        if (!strictly_below(rp, st.path))
            continue;
        const char *comp = rp + (len == 1 ? 1 : len + 1);
        size_t clen = 0;
        while (comp[clen] && comp[clen] != '/')
            clen++;
        bool seen = false;
        for (size_t j = 0; j < i && !seen; j++) {
            const char *q = st.rules[2 * j + 1];
            seen = strictly_below(q, st.path) && ll_prefix(q, rp, (size_t)(comp - rp) + clen) &&
                   (q[comp - rp + clen] == '/' || q[comp - rp + clen] == '\0');
        }
        long cl = path_push(len, comp, clen);
        if (seen || cl < 0 || !has_rules_below(st.path)) {
            st.path[len] = '\0';
            if (cl < 0)
                r = (int)cl;
            continue;
        }
        int t = type_at(AT_FDCWD, st.path);
        if (t == 1) {
            char **rule = rule_for(st.path);
            r = grant_dir((size_t)cl, rule ? kind_access(rule[0]) : access, depth + 1);
        } else if (t == 0) {
            char **rule = rule_for(st.path);
            r = add_rule(AT_FDCWD, st.path, rule ? kind_access(rule[0]) : access, false);
        } else if (t < 0 && t != -ENOENT && t != -ENOTDIR) {
            say_err("cannot inspect ", st.path, -t);
            r = t;
        }
        st.path[len] = '\0';
    }
    return r;
}

/* --- rule paths ------------------------------------------------------------------------- */

/* Resolves an absolute path inside the container into st.path, like realpath(), but a tail
 * that is missing (or that the container's user may not search) is kept as written, so that
 * a rule still lands where that path would be. */
static int resolve(const char *in)
{
    const char *rest = in;
    size_t len = 0; /* st.path without a trailing '/', "" for the root */
    int links = 0;
    bool missing = false;
    while (*rest) {
        while (*rest == '/')
            rest++;
        size_t n = 0;
        while (rest[n] && rest[n] != '/')
            n++;
        const char *comp = rest;
        rest += n;
        if (n == 0 || (n == 1 && comp[0] == '.'))
            continue;
        if (n == 2 && comp[0] == '.' && comp[1] == '.') {
            while (len > 0 && st.path[--len] != '/')
                ;
            continue;
        }
        if (len + 1 + n >= LL_PATH_MAX)
            return -ENAMETOOLONG;
        size_t before = len;
        st.path[len++] = '/';
        for (size_t i = 0; i < n; i++)
            st.path[len++] = comp[i];
        st.path[len] = '\0';
        if (missing)
            continue;
        long t = ll_sys4(SYS_readlinkat, AT_FDCWD, st.path, st.link, sizeof(st.link) - 1);
        if (t == -EINVAL)
            continue; /* there, and not a link */
        if (t == -ENOENT || t == -ENOTDIR || t == -EACCES) {
            missing = true;
            continue;
        }
        if (t < 0)
            return (int)t;
        if (++links > 40)
            return -ELOOP;
        /* splice: TARGET/REST, where REST may already live in st.rest */
        size_t rl = ll_strlen(rest);
        if ((size_t)t + 1 + rl >= sizeof(st.rest))
            return -ENAMETOOLONG;
        ll_move(st.rest + t + 1, rest, rl + 1);
        st.rest[t] = '/';
        ll_move(st.rest, st.link, (size_t)t);
        rest = st.rest;
        len = st.link[0] == '/' ? 0 : before;
        st.path[len] = '\0';
    }
    if (len == 0)
        st.path[len++] = '/';
    st.path[len] = '\0';
    return 0;
}

/* Resolves the rule's path and stores it (in place when it reads the same). The most
 * restrictive of two spellings of one place (a link) wins. Returns 1 if it is a new rule. */
static int add_path(char **slot, const char *kind)
{
    if (slot[0][0] != '/') {
        say("refused: rule path '", slot[0], "' is not absolute", NULL);
        return -EINVAL;
    }
    int r = resolve(slot[0]);
    if (r < 0) {
        say_err("cannot resolve ", slot[0], -r);
        return r;
    }
    char *p = slot[0];
    if (!ll_streq(st.path, p)) {
        size_t n = ll_strlen(st.path) + 1;
        if (st.arena_used + n > sizeof(st.arena)) {
            say("refused: the rule paths are too long altogether", NULL);
            return -E2BIG;
        }
        p = st.arena + st.arena_used;
        ll_move(p, st.path, n);
        st.arena_used += n;
    }
    char **dup = rule_for(p);
    if (dup) {
        if (kind == RULE_DENY || (kind == RULE_RO && dup[0] == RULE_RW))
            dup[0] = (char *)kind;
        return 0;
    }
    /* rules are compacted into argv as they are read: never past what was already read */
    st.rules[2 * st.n_rules] = (char *)kind;
    st.rules[2 * st.n_rules + 1] = p;
    st.n_rules++;
    return 1;
}

static int parse_abi(const char *s, int *out)
{
    long v = 0;
    if (!*s)
        return -EINVAL;
    for (; *s; s++) {
        if (*s < '0' || *s > '9' || (v = v * 10 + (*s - '0')) > 1000)
            return -EINVAL;
    }
    *out = (int)v;
    return 0;
}

static const char *env_get(char **envp, const char *name)
{
    size_t n = ll_strlen(name);
    for (; envp && *envp; envp++)
        if (ll_prefix(*envp, name, n) && (*envp)[n] == '=')
            return *envp + n + 1;
    return NULL;
}

/* execve, then as execvp does: a script without #! runs under /bin/sh, which needs the
 * slot before argv (the launcher's "--"). */
static long exec_file(const char *file, char **argv, char **envp)
{
    long r = ll_sys3(SYS_execve, file, argv, envp);
    if (r == -ENOEXEC) {
        argv[-1] = (char *)"/bin/sh";
        const char *prog = argv[0];
        argv[0] = (char *)file;
        ll_sys3(SYS_execve, "/bin/sh", argv - 1, envp);
        argv[0] = (char *)prog;
    }
    return r;
}

/* execvp(): a name without '/' is looked up in PATH (glibc's default when unset). */
static long exec_program(char **argv, char **envp)
{
    const char *prog = argv[0];
    for (const char *c = prog; *c; c++)
        if (*c == '/')
            return exec_file(prog, argv, envp);
    const char *path = env_get(envp, "PATH");
    if (!path)
        path = "/bin:/usr/bin";
    size_t plen = ll_strlen(prog);
    bool eacces = false;
    while (true) {
        size_t dl = 0;
        while (path[dl] && path[dl] != ':')
            dl++;
        /* st.path: the rules are in force now, the buffer is free */
        if (dl + 1 + plen < LL_PATH_MAX && plen) {
            size_t k = 0;
            if (dl == 0)
                st.path[k++] = '.';
            for (size_t i = 0; i < dl; i++)
                st.path[k++] = path[i];
            st.path[k++] = '/';
            for (size_t i = 0; i <= plen; i++)
                st.path[k++] = prog[i];
            long r = exec_file(st.path, argv, envp);
            if (r == -EACCES)
                eacces = true;
            else if (r != -ENOENT && r != -ENOTDIR && r != -ESTALE && r != -ENODEV &&
                     r != -ETIMEDOUT)
                return r;
        }
        if (!path[dl])
            break;
        path += dl + 1;
    }
    return eacces ? -EACCES : -ENOENT;
}

static LL_COLD void say_abi(long abi, int want)
{
    ll_msg_t m = {.len = 0};
    msg_add(&m, "runwarden-landlock: refused: the kernel's Landlock ABI is ");
    msg_num(&m, abi < 0 ? 0 : (unsigned long long)abi, 10);
    msg_add(&m, " (");
    if (abi < 0)
        msg_err(&m, (int)-abi);
    else
        msg_add(&m, "too old");
    msg_add(&m, "), the container's rules need ");
    msg_num(&m, (unsigned)want, 10);
    say_msg(&m);
}

static LL_COLD void say_rules(void)
{
    for (size_t k = 0; k < st.n_rules; k++)
        say("rule ", st.rules[2 * k], " ", st.rules[2 * k + 1], NULL);
}

static __attribute__((noinline)) int ll_main(int argc, char **argv, char **envp)
{
    int want_abi = 1, i = 1;
    st.ruleset_fd = -1;
    st.rules = argv + 1;
    for (; i < argc; i++) {
        const char *a = argv[i];
        if (ll_streq(a, "--")) {
            i++;
            break;
        }
        if (ll_streq(a, "--verbose")) {
            st.verbose = true;
            continue;
        }
        if (i + 1 >= argc) {
            say("refused: option ", a,
                " needs a value (usage: --abi N --deny P --ro P --rw P -- PROGRAM ARGS)", NULL);
            return LL_EXIT_FAIL;
        }
        int r = 0;
        char **v = &argv[++i];
        if (ll_streq(a, "--abi"))
            r = parse_abi(*v, &want_abi);
        else if (ll_streq(a, "--deny"))
            r = add_path(v, RULE_DENY);
        else if (ll_streq(a, "--ro"))
            r = add_path(v, RULE_RO);
        else if (ll_streq(a, "--rw"))
            r = add_path(v, RULE_RW);
        else {
            say("refused: unknown option ", a, NULL);
            return LL_EXIT_FAIL;
        }
        if (r < 0) {
            if (r == -EINVAL && ll_streq(a, "--abi"))
                say("refused: --abi needs a number from 0 to 1000, not '", *v, "'", NULL);
            return LL_EXIT_FAIL;
        }
    }
    if (i >= argc) {
        say("refused: no program to run after --", NULL);
        return LL_EXIT_FAIL;
    }

    long abi = ll_sys3(SYS_landlock_create_ruleset, 0, 0, RW_LL_CREATE_RULESET_VERSION);
    if (abi < 0 || abi < want_abi) {
        say_abi(abi, want_abi);
        return LL_EXIT_FAIL;
    }
    /* Handle what the stage planned for (its report names what that leaves out), not more:
     * the same rules must mean the same thing at create and at every later exec. */
    st.handled = rw_ll_fs_handled(want_abi);
    struct rw_ll_ruleset_attr attr = {.handled_access_fs = st.handled};
    long fd = ll_sys3(SYS_landlock_create_ruleset, &attr, sizeof(attr.handled_access_fs), 0);
    if (fd < 0) {
        say_err("refused: cannot create the Landlock ruleset",
                " (is landlock_create_ruleset allowed by the container's seccomp profile?)",
                (int)-fd);
        return LL_EXIT_FAIL;
    }
    st.ruleset_fd = (int)fd;
    st.path[0] = '/';
    st.path[1] = '\0';
    char **root = rule_for("/");
    uint64_t root_access = root ? kind_access(root[0]) : st.handled;
    int r = has_rules_below("/") ? grant_dir(1, root_access, 0)
                                 : add_rule(AT_FDCWD, "/", root_access, true);
    if (r < 0) {
        say("refused: the file rules could not be applied", NULL);
        return LL_EXIT_FAIL;
    }
    if (st.verbose)
        say_rules();
    /* Without CAP_SYS_ADMIN the kernel wants no_new_privs first; keep setuid working for
     * containers that have the capability. */
    long e = ll_sys2(SYS_landlock_restrict_self, st.ruleset_fd, 0);
    if (e == -EPERM && (e = ll_sys5(SYS_prctl, LL_PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0)) == 0)
        e = ll_sys2(SYS_landlock_restrict_self, st.ruleset_fd, 0);
    if (e < 0) {
        say_err("refused: cannot enforce the Landlock ruleset", "", (int)-e);
        return LL_EXIT_FAIL;
    }
    ll_sys1(SYS_close, st.ruleset_fd);

    e = exec_program(argv + i, envp);
    if (e == -ENOENT) {
        say("exec ", argv[i], ": executable file not found in $PATH", NULL);
        return LL_EXIT_NOENT;
    }
    say_err("exec ", argv[i], (int)-e);
    return LL_EXIT_FAIL;
}

#ifdef RW_LL_NOLIBC
/* What the compiler may call for struct copies and zeroing; the empty asm keeps it from
 * turning these loops back into calls to themselves. */
void *memset(void *d, int c, size_t n);
void *memcpy(void *restrict d, const void *restrict s, size_t n);
void *memmove(void *d, const void *s, size_t n);
_Noreturn void ll_start(long *sp);

void *memset(void *d, int c, size_t n)
{
    unsigned char *p = d;
    for (size_t i = 0; i < n; i++) {
        p[i] = (unsigned char)c;
        __asm__ volatile("" ::: "memory");
    }
    return d;
}

void *memcpy(void *restrict d, const void *restrict s, size_t n)
{
    unsigned char *p = d;
    const unsigned char *q = s;
    for (size_t i = 0; i < n; i++) {
        p[i] = q[i];
        __asm__ volatile("" ::: "memory");
    }
    return d;
}

void *memmove(void *d, const void *s, size_t n)
{
    unsigned char *p = d;
    const unsigned char *q = s;
    if (p < q)
        for (size_t i = 0; i < n; i++) {
            p[i] = q[i];
            __asm__ volatile("" ::: "memory");
        }
    else
        for (size_t i = n; i > 0; i--) {
            p[i - 1] = q[i - 1];
            __asm__ volatile("" ::: "memory");
        }
    return d;
}

/* The stack protector's guard is the first word of the state (one page less to fault in
 * than a variable of its own), set from the kernel's random bytes before anything it
 * protects runs; built with -mstack-protector-guard=global where the compiler has it. */
#ifdef RW_LL_STACK_GUARD
extern uintptr_t __stack_chk_guard __attribute__((alias("st")));
_Noreturn void __stack_chk_fail(void);

_Noreturn void __stack_chk_fail(void)
{
    static const char m[] = "runwarden-landlock: refused: stack smashing detected\n";
    ll_sys3(SYS_write, 2, m, sizeof(m) - 1);
    for (;;)
        ll_sys1(SYS_exit_group, LL_EXIT_FAIL);
}
#endif

LL_ENTRY;

#define LL_AT_RANDOM 25

#if defined(__has_attribute) && __has_attribute(no_stack_protector)
#define LL_NO_STACK_PROTECTOR __attribute__((no_stack_protector))
#else
#define LL_NO_STACK_PROTECTOR
#endif

LL_NO_STACK_PROTECTOR _Noreturn void ll_start(long *sp)
{
    int argc = (int)sp[0];
    char **argv = (char **)(sp + 1);
    char **envp = argv + argc + 1;
#ifdef RW_LL_STACK_GUARD
    char **e = envp;
    while (*e)
        e++;
    for (const unsigned long *aux = (const unsigned long *)(e + 1); aux[0]; aux += 2)
        if (aux[0] == LL_AT_RANDOM) {
            const unsigned char *rnd = (const unsigned char *)aux[1];
            uintptr_t g = 0;
            for (size_t i = 0; i < sizeof(g); i++)
                g = g << 8 | rnd[i];
            st.stack_guard = g & ~(uintptr_t)0xff; /* a NUL byte stops string overruns */
        }
#endif
    int rc = ll_main(argc, argv, envp);
    for (;;)
        ll_sys1(SYS_exit_group, rc);
}
#else
int main(int argc, char **argv, char **envp)
{
    return ll_main(argc, argv, envp);
}
#endif
