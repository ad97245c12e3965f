/* The admission decision for a container (create) or an exec: mutations first, so a rule
 * the policy fixes passes, then every rule in order. */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../common/cleanup.h"
#include "admission_internal.h"

static int stat_ns(const char *path, uint64_t *dev, uint64_t *ino)
{
    struct stat st;
    if (stat(path, &st) < 0)
        return -errno;
    *dev = st.st_dev;
    *ino = st.st_ino;
    return 0;
}

/* Where the runtime's bind really lands: open the path (following links, as mount(2)
 * does) and ask the kernel for the name. Three system calls, where realpath(3) takes one
 * per component. */
static char *resolve_path(const char *path)
{
    int fd = open(path, O_PATH | O_CLOEXEC);
    if (fd < 0)
        return NULL;
    char p[64], buf[PATH_MAX];
    snprintf(p, sizeof(p), "/proc/self/fd/%d", fd);
    ssize_t n = readlink(p, buf, sizeof(buf) - 1);
    close(fd);
    if (n <= 0 || buf[0] != '/')
        return realpath(path, NULL);
    buf[n] = '\0';
    /* Nothing to learn when no link was involved. */
    return strcmp(buf, path) == 0 ? NULL : strdup(buf);
}

static bool read_flag(const char *path, char want)
{
    cleanup_close int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
    char c = 0;
    return fd >= 0 && read(fd, &c, 1) == 1 && c == want;
}

void rw_adm_host_detect(rw_adm_host_t *h)
{
    memset(h, 0, sizeof(*h));
    /* selinuxfs is mounted only when SELinux is enabled. */
    h->selinux_enabled = access("/sys/fs/selinux/enforce", F_OK) == 0;
    h->apparmor_enabled = read_flag("/sys/module/apparmor/parameters/enabled", 'Y') &&
                          access("/sys/kernel/security/apparmor", F_OK) == 0;
    /* pid 1's namespaces are the host's; when they cannot be read (no privilege), our own
     * are the best approximation. */
    h->host_ns_dir = access("/proc/1/ns/net", F_OK) == 0 ? "/proc/1/ns" : "/proc/self/ns";
    h->ns_stat = stat_ns;
    h->resolve = resolve_path;
}

int rw_admission_evaluate(const rw_adm_policy_t *p, rw_spec_t *spec, const rw_adm_host_t *host,
                          rw_adm_report_t *rep, rw_error_t **err)
{
    int r = rw_adm_mutate(p, spec, host, rep);
    if (r < 0)
        return rw_error_set(err, -r, "admission: cannot apply the tenant's changes to %s",
                            spec->file);
    if ((r = rw_adm_check_privileged(p, spec, host, rep)) < 0 ||
        (r = rw_adm_check_caps(p, spec, rep)) < 0 ||
        (r = rw_adm_check_namespaces(p, spec, host, rep)) < 0 ||
        (r = rw_adm_check_mounts(p, spec, host, rep)) < 0 ||
        (r = rw_adm_check_devices(p, spec, rep)) < 0 ||
        (r = rw_adm_check_process(p, spec, rep)) < 0 ||
        (r = rw_adm_check_limits(p, spec, rep)) < 0 ||
        (r = rw_adm_check_extras(p, spec, host, rep)) < 0)
        return rw_error_set(err, -r, "admission: out of memory");
    return 0;
}

/* "UID[:GID]" as runc/crun take it; -1 when it is no number. */
static int64_t exec_uid(const char *user)
{
    char *end = NULL;
    errno = 0;
    unsigned long long v = strtoull(user, &end, 10);
    if (errno || end == user || (*end && *end != ':') || v > UINT32_MAX || user[0] == '-')
        return -1;
    return (int64_t)v;
}

static int exec_caps(const rw_adm_policy_t *p, const rw_spec_t *proc, const rw_adm_exec_flags_t *f,
                     rw_adm_report_t *rep)
{
    const char *unknown = NULL;
    uint64_t bits = proc ? rw_adm_caps_of(&proc->process.caps, &unknown) : 0;
    const char *field = "process.capabilities";
    for (size_t i = 0; f && i < f->n_caps; i++) {
        int b = rw_adm_cap_number(f->caps[i]);
        if (b < 0 && !unknown)
            unknown = f->caps[i];
        else if (b >= 0)
            bits |= UINT64_C(1) << b;
        field = proc ? field : "--cap";
    }
    if (unknown)
        return rw_adm_fail(p, rep, RW_ADM_R_EXEC_CAPS, field, unknown,
                           "use capability names the kernel defines");
    uint64_t extra = bits & ~p->allowed_caps;
    if (extra) {
        cleanup_free char *names = rw_adm_caps_format(extra);
        if (rw_adm_caps_all(bits)) {
            char v[300];
            snprintf(v, sizeof(v), "all capabilities (%s)", names ? names : "?");
            return rw_adm_fail(p, rep, RW_ADM_R_EXEC_CAPS, field, v,
                               "do not exec --privileged into this container");
        }
        return rw_adm_fail(p, rep, RW_ADM_R_EXEC_CAPS, field, names ? names : "?",
                           "exec without these capabilities (no --cap-add, no --privileged)");
    }
    rw_adm_pass(p, rep, RW_ADM_R_EXEC_CAPS);
    return 0;
}

static int exec_user(const rw_adm_policy_t *p, const rw_spec_t *proc, const rw_adm_exec_flags_t *f,
                     rw_adm_report_t *rep)
{
    int64_t uid = -1;
    const char *field = "process.user.uid";
    if (proc && proc->process.uid >= 0)
        uid = proc->process.uid;
    else if (proc && proc->process.present)
        uid = 0; /* a process.json without user runs as uid 0 */
    else if (f && f->user) {
        field = "--user";
        uid = exec_uid(f->user);
        if (uid < 0)
            return rw_adm_fail(p, rep, RW_ADM_R_EXEC_USER, field, f->user,
                               "pass a numeric UID[:GID]");
    }
    if (uid < 0) { /* the container's own user: judged at create */
        rw_adm_pass(p, rep, RW_ADM_R_EXEC_USER);
        return 0;
    }
    char v[32];
    snprintf(v, sizeof(v), "%" PRId64, uid);
    if (uid == 0 && !p->root_allowed)
        return rw_adm_fail(p, rep, RW_ADM_R_EXEC_USER, field, v,
                           "exec as a non-root user (--user)");
    if (!rw_adm_uid_allowed(p, uid, NULL))
        return rw_adm_fail(p, rep, RW_ADM_R_EXEC_USER, field, v,
                           "exec as a uid in the tenant's runAsUidRanges");
    rw_adm_pass(p, rep, RW_ADM_R_EXEC_USER);
    return 0;
}

int rw_admission_evaluate_exec(const rw_adm_policy_t *p, rw_spec_t *process,
                               const rw_adm_exec_flags_t *flags, const rw_adm_host_t *host,
                               rw_adm_report_t *rep, rw_error_t **err)
{
    int r = 0;
    if (process && (r = rw_adm_mutate(p, process, host, rep)) < 0)
        return rw_error_set(err, -r, "admission: cannot apply the tenant's changes to %s",
                            process->file);
    const char *aa = process ? process->process.apparmor_profile : flags ? flags->apparmor : NULL;
    const char *label = process ? process->process.selinux_label : flags ? flags->label : NULL;
    if ((r = exec_caps(p, process, flags, rep)) < 0 ||
        (r = exec_user(p, process, flags, rep)) < 0 ||
        (r = rw_adm_check_exec_lsm(p, aa, label, host, rep)) < 0)
        return rw_error_set(err, -r, "admission: out of memory");
    if (process && p->nnp_required && !process->process.no_new_privileges) {
        if ((r = rw_adm_fail(p, rep, RW_ADM_R_EXEC_NNP, "process.noNewPrivileges", "false",
                             "exec with no-new-privileges")) < 0)
            return rw_error_set(err, -r, "admission: out of memory");
    } else {
        rw_adm_pass(p, rep, RW_ADM_R_EXEC_NNP);
    }
    return 0;
}
