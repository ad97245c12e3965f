/* Collects who is starting a container. The login uid and audit session come from the
 * kernel and follow the human through sudo, su and podman's conmon; everything else is
 * context an auditor needs to interpret them. Unreadable fields stay unknown, never fatal. */
#include "identity.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "../common/cleanup.h"
#include "jsonstr.h"

/* Reads up to size bytes of a /proc file. The files read here (stat, status, loginuid,
 * sessionid, cgroup, environ) hand over all they have in one read when it fits, so a short
 * read is the end: no second read() to see 0 (a syscall costs microseconds in a VM, and the
 * chain walk reads five files per ancestor). */
static size_t read_proc(int fd, char *buf, size_t size)
{
    size_t len = 0;
    while (len < size) {
        size_t want = size - len;
        ssize_t n = read(fd, buf + len, want);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            break;
        len += (size_t)n;
        if ((size_t)n < want)
            break; /* short read: the end */
    }
    return len;
}

/* Reads a small /proc file relative to dirfd into buf (NUL-terminated). Returns length or
 * -errno. */
static ssize_t read_small(int dirfd, const char *name, char *buf, size_t size)
{
    cleanup_close int fd = openat(dirfd, name, O_RDONLY | O_CLOEXEC | O_NOCTTY);
    if (fd < 0)
        return -errno;
    errno = 0;
    size_t len = read_proc(fd, buf, size - 1);
    buf[len] = '\0';
    if (len == 0 && errno && errno != EINTR)
        return -errno;
    return (ssize_t)len;
}

int64_t rw_identity_parse_auid(const char *s)
{
    if (!s)
        return RW_ID_UNSET;
    while (*s == ' ')
        s++;
    if (!isdigit((unsigned char)*s))
        return RW_ID_UNSET;
    errno = 0;
    char *end = NULL;
    unsigned long long v = strtoull(s, &end, 10);
    if (errno || (*end && *end != '\n') || v >= 4294967295ull)
        return RW_ID_UNSET;
    return (int64_t)v;
}

static int64_t read_auid_at(int dirfd, const char *name)
{
    char buf[32];
    if (read_small(dirfd, name, buf, sizeof(buf)) <= 0)
        return RW_ID_UNSET;
    return rw_identity_parse_auid(buf);
}

char *rw_identity_tty_name(unsigned long tty_nr)
{
    if (tty_nr == 0)
        return NULL;
    unsigned maj = major(tty_nr), min = minor(tty_nr);
    char *s = NULL;
    int r;
    if (maj >= 136 && maj <= 143)
        r = asprintf(&s, "/dev/pts/%u", (maj - 136) * 256 + min);
    else if (maj == 4 && min < 64)
        r = asprintf(&s, "/dev/tty%u", min);
    else if (maj == 4)
        r = asprintf(&s, "/dev/ttyS%u", min - 64);
    else if (maj == 5 && min == 1)
        r = asprintf(&s, "/dev/console");
    else
        r = asprintf(&s, "tty-device:%u:%u", maj, min);
    return r < 0 ? NULL : s;
}

typedef struct proc_stat {
    char comm[64];
    pid_t ppid;
    unsigned long tty_nr;
    uint64_t start_time;
} proc_stat_t;

/* /proc/PID/stat: the comm may hold spaces and parentheses, so fields are counted from the
 * last ')'. */
static int parse_stat(const char *buf, proc_stat_t *out)
{
    const char *open = strchr(buf, '(');
    const char *close = strrchr(buf, ')');
    if (!open || !close || close < open)
        return -EINVAL;
    size_t n = (size_t)(close - open - 1);
    if (n >= sizeof(out->comm))
        n = sizeof(out->comm) - 1;
    memcpy(out->comm, open + 1, n);
    out->comm[n] = '\0';
    const char *p = close + 1;
    /* field 3 is state; we want 4 (ppid), 7 (tty_nr), 22 (starttime) */
    unsigned long long vals[23] = {0};
    for (int field = 3; field <= 22; field++) {
        while (*p == ' ')
            p++;
        if (!*p)
            return -EINVAL;
        if (field == 3) {
            p++;
            continue;
        }
        char *end = NULL;
        errno = 0;
        long long sv = strtoll(p, &end, 10);
        if (end == p || errno)
            return -EINVAL;
        vals[field] = (unsigned long long)sv;
        p = end;
    }
    out->ppid = (pid_t)vals[4];
    out->tty_nr = (unsigned long)vals[7];
    out->start_time = vals[22];
    return 0;
}

static int64_t status_uid(const char *status)
{
    const char *l = strstr(status, "\nUid:");
    if (!l)
        return -1;
    l += 5;
    char *end = NULL;
    errno = 0;
    long long v = strtoll(l, &end, 10);
    if (end == l || errno || v < 0)
        return -1;
    return v;
}

/* Looks for the environment values we record in one ancestor's environ. */
static void scan_environ(int dirfd, rw_identity_t *w)
{
    static const size_t cap = 64 * 1024;
    cleanup_close int fd = openat(dirfd, "environ", O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return;
    cleanup_free char *buf = malloc(cap + 1);
    if (!buf)
        return;
    size_t len = read_proc(fd, buf, cap);
    buf[len] = '\0';
    struct {
        const char *key;
        char **slot;
    } want[] = {{"SUDO_USER=", &w->sudo_user},
                {"SUDO_UID=", &w->sudo_uid},
                {"SUDO_COMMAND=", &w->sudo_command},
                {"SSH_CONNECTION=", &w->ssh_connection}};
    for (size_t off = 0; off < len;) {
        const char *e = buf + off;
        size_t el = strnlen(e, len - off);
        for (size_t i = 0; i < RW_ARRAY_SIZE(want); i++) {
            size_t kl = strlen(want[i].key);
            if (!*want[i].slot && el > kl && strncmp(e, want[i].key, kl) == 0)
                *want[i].slot = strndup(e + kl, el - kl > 4096 ? 4096 : el - kl);
        }
        off += el + 1;
    }
}

static int collect_chain(rw_identity_t *w, pid_t pid, unsigned long *ret_tty)
{
    w->chain = calloc(RW_IDENTITY_MAX_CHAIN, sizeof(*w->chain));
    if (!w->chain)
        return -ENOMEM;
    while (pid > 0 && w->n_chain < RW_IDENTITY_MAX_CHAIN) {
        char dir[32];
        snprintf(dir, sizeof(dir), "/proc/%d", (int)pid);
        cleanup_close int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (dfd < 0)
            break;
        char buf[4096];
        proc_stat_t st;
        if (read_small(dfd, "stat", buf, sizeof(buf)) <= 0 || parse_stat(buf, &st) < 0)
            break;
        rw_identity_proc_t *p = &w->chain[w->n_chain++];
        p->pid = pid;
        p->comm = strdup(st.comm);
        p->start_time = st.start_time;
        p->loginuid = read_auid_at(dfd, "loginuid");
        p->uid = read_small(dfd, "status", buf, sizeof(buf)) > 0 ? status_uid(buf) : -1;
        char exe[PATH_MAX];
        ssize_t n = readlinkat(dfd, "exe", exe, sizeof(exe) - 1);
        if (n > 0) {
            exe[n] = '\0';
            p->exe = strdup(exe);
        }
        if (!p->comm)
            return -ENOMEM;
        if (*ret_tty == 0)
            *ret_tty = st.tty_nr;
        if (pid != 1 && (!w->sudo_user || !w->sudo_uid || !w->sudo_command || !w->ssh_connection))
            scan_environ(dfd, w);
        if (pid == 1)
            break;
        pid = st.ppid;
    }
    return 0;
}

static void read_cgroup(rw_identity_t *w)
{
    char buf[8192];
    if (read_small(AT_FDCWD, "/proc/self/cgroup", buf, sizeof(buf)) <= 0)
        return;
    const char *v2 = NULL, *named = NULL;
    for (char *line = buf; line && *line;) {
        char *nl = strchr(line, '\n');
        if (nl)
            *nl = '\0';
        if (strncmp(line, "0::", 3) == 0)
            v2 = line + 3;
        else if (strstr(line, ":name=systemd:"))
            named = strstr(line, ":name=systemd:") + 14;
        line = nl ? nl + 1 : NULL;
    }
    /* In hybrid mode the v2 path is often "/" while name=systemd carries the unit. */
    const char *use = v2 && strcmp(v2, "/") != 0 ? v2 : (named ? named : v2);
    if (!use)
        return;
    w->cgroup = strdup(use);
    w->unit = rw_identity_unit_from_cgroup(use);
}

char *rw_identity_unit_from_cgroup(const char *path)
{
    if (!path)
        return NULL;
    const char *best = NULL;
    size_t best_len = 0;
    for (const char *p = path; *p;) {
        while (*p == '/')
            p++;
        const char *e = strchr(p, '/');
        size_t l = e ? (size_t)(e - p) : strlen(p);
        if ((l > 8 && strncmp(p + l - 8, ".service", 8) == 0) ||
            (l > 6 && strncmp(p + l - 6, ".scope", 6) == 0)) {
            best = p;
            best_len = l;
        }
        p += l;
    }
    return best ? strndup(best, best_len) : NULL;
}

static void lookup_login_user(rw_identity_t *w)
{
    if (w->loginuid == RW_ID_UNSET)
        return;
    char buf[4096];
    struct passwd pw, *res = NULL;
    if (getpwuid_r((uid_t)w->loginuid, &pw, buf, sizeof(buf), &res) == 0 && res)
        w->login_user = strdup(res->pw_name);
}

static int collect(rw_identity_t **ret, bool full, rw_error_t **err)
{
    rw_identity_t *w = calloc(1, sizeof(*w));
    if (!w)
        return rw_error_set(err, ENOMEM, "identity: out of memory");
    uid_t ruid, euid, suid;
    gid_t rgid, egid, sgid;
    (void)getresuid(&ruid, &euid, &suid); /* cannot fail with valid pointers */
    (void)getresgid(&rgid, &egid, &sgid);
    w->uid = ruid;
    w->euid = euid;
    w->gid = rgid;
    w->egid = egid;
    w->loginuid = read_auid_at(AT_FDCWD, "/proc/self/loginuid");
    w->sessionid = read_auid_at(AT_FDCWD, "/proc/self/sessionid");
    /* one call for the usual handful of groups; ask for the count only when they are more */
    gid_t few[32];
    int ng = getgroups((int)RW_ARRAY_SIZE(few), few);
    if (ng < 0 && errno == EINVAL)
        ng = getgroups(0, NULL);
    else if (ng > 0 && (w->groups = calloc((size_t)ng, sizeof(gid_t)))) {
        memcpy(w->groups, few, (size_t)ng * sizeof(gid_t));
        w->n_groups = (size_t)ng;
        ng = 0;
    }
    if (ng > 0 && (w->groups = calloc((size_t)ng, sizeof(gid_t)))) {
        int got = getgroups(ng, w->groups);
        w->n_groups = got > 0 ? (size_t)got : 0;
    }
    if (full) {
        const char *e;
        if ((e = getenv("SUDO_USER")))
            w->sudo_user = strdup(e);
        if ((e = getenv("SUDO_UID")))
            w->sudo_uid = strdup(e);
        if ((e = getenv("SUDO_COMMAND")))
            w->sudo_command = strdup(e);
        if ((e = getenv("SSH_CONNECTION")))
            w->ssh_connection = strdup(e);
        unsigned long tty_nr = 0;
        pid_t parent = -1;
        char buf[4096];
        proc_stat_t self;
        if (read_small(AT_FDCWD, "/proc/self/stat", buf, sizeof(buf)) > 0 &&
            parse_stat(buf, &self) == 0) {
            tty_nr = self.tty_nr;
            parent = self.ppid; /* the same as getppid(), without the syscall */
        }
        if (collect_chain(w, parent >= 0 ? parent : getppid(), &tty_nr) < 0) {
            rw_identity_free(w);
            return rw_error_set(err, ENOMEM, "identity: out of memory");
        }
        w->tty = rw_identity_tty_name(tty_nr);
        if (!w->tty && (e = getenv("SSH_TTY")))
            w->tty = strdup(e);
        read_cgroup(w);
        lookup_login_user(w);
    }
    *ret = w;
    return 0;
}

int rw_identity_collect(rw_identity_t **ret, rw_error_t **err)
{
    return collect(ret, true, err);
}

int rw_identity_collect_short(rw_identity_t **ret, rw_error_t **err)
{
    return collect(ret, false, err);
}

void rw_identity_free(rw_identity_t *w)
{
    if (!w)
        return;
    for (size_t i = 0; i < w->n_chain; i++) {
        free(w->chain[i].comm);
        free(w->chain[i].exe);
    }
    free(w->chain);
    free(w->groups);
    free(w->login_user);
    free(w->sudo_user);
    free(w->sudo_uid);
    free(w->sudo_command);
    free(w->ssh_connection);
    free(w->tty);
    free(w->cgroup);
    free(w->unit);
    free(w);
}

static json_t *auid_json(int64_t v)
{
    return v == RW_ID_UNSET ? json_string("unset") : json_integer(v);
}

static json_t *str_or_null(const char *s)
{
    return rw_audit_jstr(s);
}

json_t *rw_identity_json(const rw_identity_t *w, bool with_chain)
{
    if (!w)
        return json_null();
    json_t *o = json_object();
    if (!o)
        return NULL;
    json_object_set_new(o, "uid", json_integer(w->uid));
    json_object_set_new(o, "euid", json_integer(w->euid));
    json_object_set_new(o, "gid", json_integer(w->gid));
    json_object_set_new(o, "egid", json_integer(w->egid));
    json_t *g = json_array();
    for (size_t i = 0; g && i < w->n_groups; i++)
        json_array_append_new(g, json_integer(w->groups[i]));
    json_object_set_new(o, "groups", g ? g : json_null());
    json_object_set_new(o, "loginuid", auid_json(w->loginuid));
    json_object_set_new(o, "login_user", str_or_null(w->login_user));
    json_object_set_new(o, "sessionid", auid_json(w->sessionid));
    if (!with_chain)
        return o;
    json_object_set_new(o, "sudo_user", str_or_null(w->sudo_user));
    json_object_set_new(o, "sudo_uid", str_or_null(w->sudo_uid));
    json_object_set_new(o, "sudo_command", str_or_null(w->sudo_command));
    json_object_set_new(o, "ssh_connection", str_or_null(w->ssh_connection));
    json_object_set_new(o, "tty", str_or_null(w->tty));
    json_object_set_new(o, "cgroup", str_or_null(w->cgroup));
    json_object_set_new(o, "unit", str_or_null(w->unit));
    json_t *ch = json_array();
    for (size_t i = 0; ch && i < w->n_chain; i++) {
        const rw_identity_proc_t *p = &w->chain[i];
        json_t *e = json_object();
        if (!e)
            break;
        json_object_set_new(e, "pid", json_integer(p->pid));
        json_object_set_new(e, "comm", str_or_null(p->comm));
        json_object_set_new(e, "exe", str_or_null(p->exe));
        json_object_set_new(e, "uid", p->uid >= 0 ? json_integer(p->uid) : json_null());
        json_object_set_new(e, "loginuid", auid_json(p->loginuid));
        json_object_set_new(e, "start_time", json_integer((json_int_t)p->start_time));
        json_array_append_new(ch, e);
    }
    json_object_set_new(o, "chain", ch ? ch : json_null());
    return o;
}
