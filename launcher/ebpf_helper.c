/* Finding and starting runwarden-bpf, the helper that owns every libbpf call, so that the
 * main binary never loads libbpf: in place for `audit follow`, as a child the hooks wait
 * for when the host part must be loaded. */
#include "ebpf_helper.h"

#include <errno.h>
#include <fcntl.h>
#include <spawn.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../common/cleanup.h"

#define RW_EBPF_HELPER_NAME "runwarden-bpf"

static bool usable(const char *path)
{
    struct stat st;
    /* root-owned and not writable by others: the hook runs it with full privileges */
    return stat(path, &st) == 0 && S_ISREG(st.st_mode) && (st.st_mode & 0111) &&
           !(st.st_mode & 0022) && st.st_uid == 0;
}

char *rw_ebpf_helper_path(const rw_ebpf_config_t *ec)
{
    if (ec && ec->helper)
        return strdup(ec->helper);
    cleanup_free char *self = rw_hook_self_path();
    if (self) {
        char *slash = strrchr(self, '/');
        if (slash) {
            *slash = '\0';
            char *p = NULL;
            if (asprintf(&p, "%s/%s", self, RW_EBPF_HELPER_NAME) < 0)
                return NULL;
            if (usable(p))
                return p;
            free(p);
        }
    }
    return strdup(RW_LIBEXECDIR "/" RW_EBPF_HELPER_NAME);
}

static int effective_caps(uint64_t *caps)
{
    cleanup_fclose FILE *f = fopen("/proc/self/status", "re");
    if (!f)
        return -errno;
    char line[256];
    while (fgets(line, sizeof(line), f)) {
        if (strncmp(line, "CapEff:", 7) != 0)
            continue;
        char *end = NULL;
        errno = 0;
        unsigned long long v = strtoull(line + 7, &end, 16);
        if (errno || end == line + 7)
            return -EINVAL;
        *caps = v;
        return 0;
    }
    return -ENOENT;
}

int rw_ebpf_available(const rw_ebpf_config_t *ec, const char **why)
{
    cleanup_free char *helper = rw_ebpf_helper_path(ec);
    if (!helper)
        return -ENOMEM;
    if (!usable(helper)) {
        *why = "the runwarden-bpf helper is missing, not executable or not root-owned";
        return -ENOENT;
    }
    uint64_t caps = 0;
    if (effective_caps(&caps) < 0) {
        *why = "cannot read this process's capabilities";
        return -EPERM;
    }
#define CAP(n) (UINT64_C(1) << (n))
    const uint64_t sys_admin = CAP(21), net_admin = CAP(12), bpf = CAP(39), perfmon = CAP(38);
    bool ok = (caps & sys_admin) || ((caps & bpf) && (caps & perfmon) && (caps & net_admin));
#undef CAP
    if (!ok) {
        *why = "no CAP_SYS_ADMIN, nor CAP_BPF with CAP_PERFMON and CAP_NET_ADMIN (rootless "
               "engine?)";
        return -EPERM;
    }
    return 0;
}

int rw_ebpf_load_config(const char *path, rw_config_t **ret_cfg, rw_ebpf_config_t *ret_ec,
                        rw_error_t **err)
{
    rw_config_t *cfg = NULL;
    int r = path ? rw_config_load_file(path, true, &cfg, err) : rw_config_load(&cfg, err);
    if (r < 0)
        return r;
    r = rw_config_ebpf_parse(cfg->ebpf, cfg->path, ret_ec, err);
    if (r < 0) {
        rw_config_ebpf_clear(ret_ec);
        rw_config_free(cfg);
        return r;
    }
    *ret_cfg = cfg;
    return 0;
}

int rw_ebpf_exec_helper(const rw_ebpf_config_t *ec, char **args)
{
    cleanup_free char *helper = rw_ebpf_helper_path(ec);
    if (!helper)
        return -ENOMEM;
    args[0] = (char *)RW_EBPF_HELPER_NAME;
    execv(helper, args);
    return -errno;
}

/* The child's exit status, 128 + signal when killed, or -errno. */
static int wait_exit(pid_t pid)
{
    int status = 0;
    while (waitpid(pid, &status, 0) < 0) {
        if (errno != EINTR)
            return -errno;
    }
    if (WIFEXITED(status))
        return WEXITSTATUS(status);
    return 128 + (WIFSIGNALED(status) ? WTERMSIG(status) : 0);
}

int rw_ebpf_run_helper_quiet(const rw_ebpf_config_t *ec, char **args, char *msg, size_t len)
{
    cleanup_free char *helper = rw_ebpf_helper_path(ec);
    if (!helper)
        return -ENOMEM;
    args[0] = (char *)RW_EBPF_HELPER_NAME;
    msg[0] = '\0';
    int p[2];
    if (pipe2(p, O_CLOEXEC) < 0)
        return -errno;
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_adddup2(&fa, p[1], STDERR_FILENO);
    extern char **environ;
    pid_t pid = 0;
    int r = posix_spawn(&pid, helper, &fa, NULL, args, environ);
    posix_spawn_file_actions_destroy(&fa);
    close(p[1]);
    if (r != 0) {
        close(p[0]);
        return -r;
    }
    /* its first line, without the "runwarden: error: " it starts with */
    size_t n = 0;
    ssize_t k;
    char buf[512];
    while ((k = read(p[0], buf, sizeof(buf))) > 0 || (k < 0 && errno == EINTR))
        for (ssize_t i = 0; i < k && n + 1 < len; i++)
            msg[n++] = buf[i] == '\n' ? '\0' : buf[i];
    close(p[0]);
    msg[n < len ? n : len - 1] = '\0';
    const char *pfx = "runwarden: error: ";
    if (strncmp(msg, pfx, strlen(pfx)) == 0)
        memmove(msg, msg + strlen(pfx), strlen(msg + strlen(pfx)) + 1);
    return wait_exit(pid);
}

int rw_ebpf_run_helper(const rw_ebpf_config_t *ec, char **args)
{
    cleanup_free char *helper = rw_ebpf_helper_path(ec);
    if (!helper)
        return -ENOMEM;
    args[0] = (char *)RW_EBPF_HELPER_NAME;
    extern char **environ;
    pid_t pid = 0;
    int r = posix_spawn(&pid, helper, NULL, NULL, args, environ);
    if (r != 0)
        return -r;
    return wait_exit(pid);
}
