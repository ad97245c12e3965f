/* apparmor_parser as a tool: find it, read its version once per binary, compile a profile
 * without loading it, and keep compiled profiles in a cache keyed by their content so a
 * warm start never runs the parser. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../common/cleanup.h"
#include "../common/fileio.h"
#include "apparmor.h"

#define PARSER_OUTPUT_MAX (64u << 10)

static const char *const parser_paths[] = {"/sbin/apparmor_parser", "/usr/sbin/apparmor_parser",
                                           NULL};

bool rw_apparmor_kernel_enabled(void)
{
    char c = 0;
    cleanup_close int fd =
        open("/sys/module/apparmor/parameters/enabled", O_RDONLY | O_CLOEXEC | O_NOCTTY);
    if (fd < 0 || read(fd, &c, 1) != 1 || c != 'Y')
        return false;
    return access("/sys/kernel/security/apparmor", F_OK) == 0;
}

/* Runs the parser with stdin from in_fd (-1: /dev/null); output is stdout+stderr. */
static int run_parser(const char *parser, const char *const *args, int in_fd, char **ret_out,
                      int *ret_status)
{
    int pfd[2];
    if (pipe2(pfd, O_CLOEXEC) < 0)
        return -errno;
    pid_t pid = fork();
    if (pid < 0) {
        int e = errno;
        close(pfd[0]);
        close(pfd[1]);
        return -e;
    }
    if (pid == 0) {
        int nul = in_fd >= 0 ? in_fd : open("/dev/null", O_RDONLY | O_CLOEXEC);
        if (nul < 0 || dup2(nul, 0) < 0 || dup2(pfd[1], 1) < 0 || dup2(pfd[1], 2) < 0)
            _exit(127);
        signal(SIGPIPE, SIG_DFL);
        char *const env[] = {"PATH=/usr/sbin:/usr/bin:/sbin:/bin", "LANG=C", "LC_ALL=C", NULL};
        execve(parser, (char *const *)args, env);
        _exit(127);
    }
    close(pfd[1]);
    cleanup_free char *buf = malloc(PARSER_OUTPUT_MAX + 1);
    size_t len = 0;
    int r = 0;
    while (buf) {
        char tmp[4096];
        ssize_t n = read(pfd[0], tmp, sizeof(tmp));
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            break;
        size_t take = (size_t)n;
        if (len + take > PARSER_OUTPUT_MAX)
            take = PARSER_OUTPUT_MAX - len;
        memcpy(buf + len, tmp, take);
        len += take;
    }
    close(pfd[0]);
    int st = 0;
    while (waitpid(pid, &st, 0) < 0)
        if (errno != EINTR) {
            r = -errno;
            break;
        }
    if (!buf)
        return -ENOMEM;
    if (r < 0)
        return r;
    buf[len] = '\0';
    *ret_status = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + (WIFSIGNALED(st) ? WTERMSIG(st) : 0);
    *ret_out = TAKE_PTR(buf);
    return 0;
}

/* The parser's messages without its notes about the kernel cache, on one line. */
static char *parser_message(const char *out)
{
    cleanup_free char *msg = NULL;
    size_t ml = 0;
    FILE *f = open_memstream(&msg, &ml);
    if (!f)
        return NULL;
    const char *p = out;
    bool first = true;
    while (*p) {
        size_t n = strcspn(p, "\n");
        if (n && strncmp(p, "Cache read/write disabled", 25) != 0 &&
            strncmp(p, "Warning: unable to find a suitable fs", 37) != 0) {
            fprintf(f, "%s%.*s", first ? "" : " | ", (int)n, p);
            first = false;
        }
        p += n;
        if (*p)
            p++;
    }
    if (fclose(f) != 0)
        return NULL;
    return TAKE_PTR(msg);
}

/* The parser numbers lines of the rendered profile: quote the line it means. */
static char *offending_line(const char *text, const char *msg)
{
    const char *at = msg ? strstr(msg, " at line ") : NULL;
    if (!at)
        return NULL;
    long n = strtol(at + 9, NULL, 10);
    const char *p = text;
    for (long i = 1; i < n && p; i++) {
        p = strchr(p, '\n');
        if (p)
            p++;
    }
    if (n < 1 || !p || !*p)
        return NULL;
    while (*p == ' ' || *p == '\t')
        p++;
    char *out = NULL;
    if (asprintf(&out, " [profile line %ld: %.*s]", n, (int)strcspn(p, "\n"), p) < 0)
        return NULL;
    return out;
}

static int open_cache_dir(const char *dir, bool create, rw_error_t **err)
{
    if (create) {
        int r = rw_mkdir_p(dir, 0700);
        if (r < 0)
            return rw_error_setsys(err, -r, "%s: cannot create the AppArmor cache", dir);
    }
    int fd = open(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0)
        return rw_error_setsys(err, errno, "%s: cannot open the AppArmor cache", dir);
    struct stat st;
    /* Compiled policy from here goes into the kernel: only its owner may write here. */
    if (fstat(fd, &st) < 0 || st.st_uid != geteuid() || (st.st_mode & 022)) {
        close(fd);
        return rw_error_set(err, EPERM,
                            "%s: the AppArmor cache must be owned by uid %u and not writable by "
                            "group or others",
                            dir, (unsigned)geteuid());
    }
    return fd;
}

int rw_apparmor_host_probe(const rw_lsm_config_t *c, bool dry_run, rw_apparmor_host_t *h,
                           rw_error_t **err)
{
    memset(h, 0, sizeof(*h));
    h->enabled = rw_apparmor_kernel_enabled();
    struct utsname u;
    if (uname(&u) == 0 && !(h->kernel = strdup(u.release)))
        return -ENOMEM;
    const char *found = NULL;
    struct stat st;
    if (c->apparmor.parser) {
        if (stat(c->apparmor.parser, &st) == 0 && S_ISREG(st.st_mode))
            found = c->apparmor.parser;
    } else {
        for (const char *const *p = parser_paths; *p && !found; p++)
            if (stat(*p, &st) == 0 && S_ISREG(st.st_mode))
                found = *p;
    }
    if (!found)
        return 0;
    if (!(h->parser = strdup(found)))
        return -ENOMEM;

    /* The version only changes with the binary: remember it per (inode, size, mtime). */
    char ident[160];
    snprintf(ident, sizeof(ident), "%s %llu:%llu %lld %lld.%09ld", found,
             (unsigned long long)st.st_dev, (unsigned long long)st.st_ino, (long long)st.st_size,
             (long long)st.st_mtim.tv_sec, st.st_mtim.tv_nsec);
    uint8_t d[RW_SHA256_LEN];
    char hex[RW_SHA256_HEX_LEN + 1];
    rw_sha256(ident, strlen(ident), d);
    rw_hex(d, sizeof(d), hex);
    char vname[40];
    snprintf(vname, sizeof(vname), "parser-%.16s", hex);

    cleanup_close int dfd = -1;
    rw_error_t *e = NULL;
    dfd = open_cache_dir(c->apparmor.cache_dir, !dry_run, &e);
    rw_error_free(e);
    if (dfd >= 0) {
        cleanup_free char *buf = NULL;
        size_t len = 0;
        if (rw_file_read_at(dfd, vname, 64, &buf, &len, NULL, NULL) >= 0 &&
            rw_apparmor_version_parse(buf, &h->version) < 0)
            h->version = 0;
    }
    if (!h->version) {
        const char *args[] = {found, "--version", NULL};
        cleanup_free char *out = NULL;
        int status = 0;
        int r = run_parser(found, args, -1, &out, &status);
        if (r < 0)
            return rw_error_setsys(err, -r, "%s --version: cannot run", found);
        if (status != 0 || rw_apparmor_version_parse(out, &h->version) < 0)
            return rw_error_set(err, EINVAL, "%s --version: unexpected output", found);
        if (dfd >= 0 && !dry_run) {
            char line[32];
            int n = snprintf(line, sizeof(line), "%d.%d.%d\n", h->version / 100000,
                             (h->version / 1000) % 100, h->version % 1000);
            (void)rw_file_replace_at(dfd, vname, line, (size_t)n, 0600, geteuid(), getegid(), NULL);
        }
    }
    if (asprintf(&h->parser_id, "%d %s", h->version, ident) < 0) {
        h->parser_id = NULL;
        return -ENOMEM;
    }
    return 0;
}

void rw_apparmor_host_clear(rw_apparmor_host_t *h)
{
    free(h->parser);
    free(h->parser_id);
    free(h->kernel);
    memset(h, 0, sizeof(*h));
}

int rw_apparmor_compile(const rw_apparmor_host_t *h, const char *text, const char *out_path,
                        rw_error_t **err)
{
    if (!h->parser)
        return rw_error_set(err, ENOENT, "apparmor_parser is not installed");
    /* The profile goes in through a memfd: nothing on disk, no pipe to deadlock on. */
    cleanup_close int mfd = memfd_create("runwarden-apparmor", MFD_CLOEXEC);
    if (mfd < 0)
        return rw_error_setsys(err, errno, "memfd_create");
    int r = rw_write_all(mfd, text, strlen(text));
    if (r < 0 || lseek(mfd, 0, SEEK_SET) < 0)
        return rw_error_setsys(err, r < 0 ? -r : errno, "cannot stage the profile");
    const char *args[] = {h->parser,
                          "--skip-kernel-load",
                          "--skip-cache",
                          "--quiet",
                          "-o",
                          out_path ? out_path : "/dev/null",
                          NULL};
    cleanup_free char *out = NULL;
    int status = 0;
    r = run_parser(h->parser, args, mfd, &out, &status);
    if (r < 0)
        return rw_error_setsys(err, -r, "%s: cannot run", h->parser);
    if (status != 0) {
        cleanup_free char *msg = parser_message(out);
        cleanup_free char *where = offending_line(text, msg);
        return rw_error_set(err, EINVAL, "apparmor_parser rejected the profile (exit %d): %s%s",
                            status, msg && *msg ? msg : "no message", where ? where : "");
    }
    return 0;
}

int rw_apparmor_cache_ensure(const rw_lsm_config_t *c, const rw_apparmor_host_t *h,
                             rw_apparmor_profile_t *p, bool dry_run, rw_error_t **err)
{
    char bin[RW_SHA256_HEX_LEN + 8];
    snprintf(bin, sizeof(bin), "%s.bin", p->key);
    free(p->cache_path);
    if (asprintf(&p->cache_path, "%s/%s", c->apparmor.cache_dir, bin) < 0) {
        p->cache_path = NULL;
        return -ENOMEM;
    }
    cleanup_close int dfd = open_cache_dir(c->apparmor.cache_dir, !dry_run, dry_run ? NULL : err);
    if (dfd < 0 && !dry_run)
        return dfd;
    struct stat st;
    if (dfd >= 0 && fstatat(dfd, bin, &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISREG(st.st_mode) &&
        st.st_size > 0 && st.st_uid == geteuid()) {
        p->cache_hit = true;
        return 0;
    }
    p->cache_hit = false;
    if (dry_run)
        return rw_apparmor_compile(h, p->text, NULL, err);

    char tmp[RW_SHA256_HEX_LEN + 40];
    snprintf(tmp, sizeof(tmp), ".%s.%d.tmp", p->key, (int)getpid());
    cleanup_free char *tmp_path = NULL;
    if (asprintf(&tmp_path, "%s/%s", c->apparmor.cache_dir, tmp) < 0)
        return -ENOMEM;
    int r = rw_apparmor_compile(h, p->text, tmp_path, err);
    if (r < 0) {
        unlinkat(dfd, tmp, 0);
        return r;
    }
    /* The source beside the binary, for review; then publish the binary atomically. */
    char src[RW_SHA256_HEX_LEN + 12];
    snprintf(src, sizeof(src), "%s.profile", p->key);
    (void)rw_file_replace_at(dfd, src, p->text, strlen(p->text), 0600, geteuid(), getegid(), NULL);
    if (renameat(dfd, tmp, dfd, bin) < 0) {
        int e = errno;
        unlinkat(dfd, tmp, 0);
        return rw_error_setsys(err, e, "%s: cannot store the compiled profile", p->cache_path);
    }
    return 0;
}
