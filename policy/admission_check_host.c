/* What a container shares with the host: capabilities beyond the level, host namespaces
 * (absent, or joined by a path that is the host's), other processes' namespaces, bind
 * mounts of sensitive host paths, devices and device cgroup rules. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../common/cleanup.h"
#include "admission_internal.h"

int rw_adm_check_caps(const rw_adm_policy_t *p, const rw_spec_t *s, rw_adm_report_t *rep)
{
    const char *unknown = NULL;
    uint64_t bits = rw_adm_caps_of(&s->process.caps, &unknown);
    if (unknown)
        return rw_adm_fail(p, rep, RW_ADM_R_CAPS, "process.capabilities", unknown,
                           "use capability names the kernel defines");
    uint64_t extra = bits & ~p->allowed_caps;
    if (extra) {
        cleanup_free char *names = rw_adm_caps_format(extra);
        return rw_adm_fail(p, rep, RW_ADM_R_CAPS, "process.capabilities", names ? names : "?",
                           "drop these capabilities (no --cap-add) or ask for a tenant that "
                           "allows them");
    }
    rw_adm_pass(p, rep, RW_ADM_R_CAPS);
    return 0;
}

/* ---- namespaces --------------------------------------------------------------------- */

static const struct {
    const char *oci, *proc;
    unsigned bit;
} ns_kinds[] = {
    {"pid", "pid", RW_ADM_NS_PID},          {"network", "net", RW_ADM_NS_NET},
    {"ipc", "ipc", RW_ADM_NS_IPC},          {"uts", "uts", RW_ADM_NS_UTS},
    {"mount", "mnt", RW_ADM_NS_MOUNT},      {"user", "user", RW_ADM_NS_USER},
    {"cgroup", "cgroup", RW_ADM_NS_CGROUP}, {"time", "time", RW_ADM_NS_TIME},
};

static const rw_spec_namespace_t *find_ns(const rw_spec_t *s, const char *oci)
{
    for (size_t i = 0; i < s->n_namespaces; i++)
        if (strcmp(s->namespaces[i].type, oci) == 0)
            return &s->namespaces[i];
    return NULL;
}

/* 1: the path is the host's namespace; 0: another one; -errno: cannot tell. */
static int is_host_ns(const rw_adm_host_t *h, const char *proc_name, const char *path)
{
    if (!h->ns_stat)
        return -ENOSYS;
    uint64_t d1, i1, d2, i2;
    int r = h->ns_stat(path, &d1, &i1);
    if (r < 0)
        return r;
    char hp[256];
    snprintf(hp, sizeof(hp), "%s/%s", h->host_ns_dir ? h->host_ns_dir : "/proc/1/ns", proc_name);
    if ((r = h->ns_stat(hp, &d2, &i2)) < 0)
        return r;
    return d1 == d2 && i1 == i2;
}

int rw_adm_check_namespaces(const rw_adm_policy_t *p, const rw_spec_t *s, const rw_adm_host_t *h,
                            rw_adm_report_t *rep)
{
    bool host_failed = false, join_failed = false;
    for (size_t k = 0; k < RW_ARRAY_SIZE(ns_kinds); k++) {
        const rw_spec_namespace_t *ns = find_ns(s, ns_kinds[k].oci);
        bool forbidden = p->forbidden_host_ns & ns_kinds[k].bit;
        char v[300];
        if (!ns) {
            if (forbidden && !host_failed) {
                snprintf(v, sizeof(v), "%s (no namespace of its own: the host's)", ns_kinds[k].oci);
                int r = rw_adm_fail(p, rep, RW_ADM_R_HOST_NS, "linux.namespaces", v,
                                    "give the container its own namespace (no --pid/--net/"
                                    "--ipc/--uts=host)");
                if (r < 0)
                    return r;
                host_failed = true;
            }
            continue;
        }
        if (!ns->path)
            continue;
        int host = is_host_ns(h, ns_kinds[k].proc, ns->path);
        if (host != 0 && forbidden && !host_failed) {
            if (host > 0)
                snprintf(v, sizeof(v), "%s joined at %.200s, which is the host's", ns_kinds[k].oci,
                         ns->path);
            else /* strerror would say "No such file", which podman maps to exit 127 */
                snprintf(v, sizeof(v), "%s joined at %.200s, which cannot be checked (%s)",
                         ns_kinds[k].oci, ns->path,
                         host == -ENOENT   ? "it does not exist"
                         : host == -EACCES ? "access refused"
                                           : "cannot stat it");
            int r = rw_adm_fail(p, rep, RW_ADM_R_HOST_NS, "linux.namespaces", v,
                                "join only namespaces of other containers");
            if (r < 0)
                return r;
            host_failed = true;
            continue;
        }
        if (host == 0 && !(p->allowed_join_ns & ns_kinds[k].bit) && !join_failed) {
            snprintf(v, sizeof(v), "%s at %.200s", ns_kinds[k].oci, ns->path);
            int r = rw_adm_fail(p, rep, RW_ADM_R_JOIN_NS, "linux.namespaces", v,
                                "do not join another process's namespace of this kind");
            if (r < 0)
                return r;
            join_failed = true;
        }
    }
    if (!host_failed)
        rw_adm_pass(p, rep, RW_ADM_R_HOST_NS);
    if (!join_failed)
        rw_adm_pass(p, rep, RW_ADM_R_JOIN_NS);
    return 0;
}

/* ---- bind mounts of host paths ---------------------------------------------------- */

/* The list plus the other engines' sockets. Each entry names the path itself and
 * its ancestors (mounting /run exposes /run/podman); a subtree suffix adds what is below. */
static const char *const builtin_sensitive[] = {
    "/",
    "/etc/**",
    "/root/**",
    "/var/run/docker.sock",
    "/run/docker.sock",
    "/run/podman/**",
    "/var/run/podman/**",
    "/run/containerd",
    "/run/containerd/*.sock",
    "/run/containerd/*.sock.ttrpc",
    "/run/containerd/s/**",
    "/proc/**",
    "/sys/**",
    "/dev/**",
    "/var/lib/containers",
    "/var/lib/containers/storage",
    "/var/lib/containers/storage/*",
    "/var/lib/docker",
    "/var/lib/containerd",
    "/run/runwarden/**",
    "/etc/runwarden/**",
    NULL,
};

/* Devices a baseline container may see (those the runtimes create anyway). */
static const char *const builtin_devices[] = {
    "/dev/null", "/dev/zero",    "/dev/full", "/dev/random",   "/dev/urandom",
    "/dev/tty",  "/dev/console", "/dev/ptmx", "/dev/pts/ptmx", NULL};

static bool is_bind(const rw_spec_mount_t *m)
{
    if (m->type && strcmp(m->type, "bind") == 0)
        return true;
    for (char **o = m->options; o && *o; o++)
        if (strcmp(*o, "bind") == 0 || strcmp(*o, "rbind") == 0)
            return true;
    return false;
}

static bool device_allowed(const rw_adm_policy_t *p, const char *path)
{
    const char *const *extra[] = RW_ADM_OV_LISTS(p, allow_devices);
    return rw_adm_list_match_path(builtin_devices, path) ||
           rw_adm_list_match_path(extra[0], path) || rw_adm_list_match_path(extra[1], path);
}

static const char *sensitive_hit(const rw_adm_policy_t *p, const char *src)
{
    const char *const *lists[] = {builtin_sensitive, (const char *const *)p->cfg->sensitive_paths,
                                  p->ov[0] ? (const char *const *)p->ov[0]->sensitive_paths : NULL,
                                  p->ov[1] ? (const char *const *)p->ov[1]->sensitive_paths : NULL};
    for (size_t i = 0; i < RW_ARRAY_SIZE(lists); i++)
        for (const char *const *e = lists[i]; e && *e; e++)
            if (rw_adm_path_exposes(src, *e))
                return *e;
    return NULL;
}

static bool exempt(const rw_adm_policy_t *p, const char *src)
{
    const char *const *allow[] = RW_ADM_OV_LISTS(p, allow_host_paths);
    return rw_adm_list_match_path(allow[0], src) || rw_adm_list_match_path(allow[1], src) ||
           device_allowed(p, src);
}

int rw_adm_check_mounts(const rw_adm_policy_t *p, const rw_spec_t *s, const rw_adm_host_t *h,
                        rw_adm_report_t *rep)
{
    if (!rw_adm_active(p, RW_ADM_R_SENSITIVE_MOUNT))
        return 0;
    for (size_t i = 0; i < s->n_mounts; i++) {
        const rw_spec_mount_t *m = &s->mounts[i];
        if (!is_bind(m) || !m->source)
            continue;
        cleanup_free char *clean = rw_adm_path_clean(h->bundle_path, m->source);
        if (!clean)
            return -ENOMEM;
        /* The runtime follows links in the source: judge where it really points too. */
        cleanup_free char *real = h->resolve ? h->resolve(clean) : NULL;
        const char *cands[2] = {clean, real};
        for (size_t c = 0; c < 2; c++) {
            if (!cands[c] || exempt(p, cands[c]))
                continue;
            const char *hit = sensitive_hit(p, cands[c]);
            if (!hit)
                continue;
            char field[64], v[600];
            snprintf(field, sizeof(field), "mounts[%zu].source", i);
            if (strcmp(hit, cands[c]) == 0)
                snprintf(v, sizeof(v), "%.256s", cands[c]);
            else
                snprintf(v, sizeof(v), "%.256s (sensitive: %.256s)", cands[c], hit);
            return rw_adm_fail(p, rep, RW_ADM_R_SENSITIVE_MOUNT, field, v,
                               "do not mount this host path (-v); use a volume");
        }
    }
    rw_adm_pass(p, rep, RW_ADM_R_SENSITIVE_MOUNT);
    return 0;
}

/* ---- devices ------------------------------------------------------------------------ */

/* Device numbers the runtimes give every container: null, zero, full, random, urandom,
 * tty, console, ptmx; and any pty (major 136). */
static bool safe_number(char type, int64_t major, int64_t minor)
{
    static const int64_t nums[][2] = {{1, 3}, {1, 5}, {1, 7}, {1, 8},
                                      {1, 9}, {5, 0}, {5, 1}, {5, 2}};
    if (type != 'c')
        return false;
    if (major == 136)
        return true;
    for (size_t i = 0; i < RW_ARRAY_SIZE(nums); i++)
        if (nums[i][0] == major && nums[i][1] == minor)
            return true;
    return false;
}

int rw_adm_check_devices(const rw_adm_policy_t *p, const rw_spec_t *s, rw_adm_report_t *rep)
{
    bool dev_failed = false;
    for (size_t i = 0; i < s->n_devices && !dev_failed; i++) {
        if (device_allowed(p, s->devices[i].path))
            continue;
        char field[64];
        snprintf(field, sizeof(field), "linux.devices[%zu].path", i);
        int r = rw_adm_fail(p, rep, RW_ADM_R_DEVICES, field, s->devices[i].path,
                            "do not pass host devices (--device, --privileged)");
        if (r < 0)
            return r;
        dev_failed = true;
    }
    if (!dev_failed)
        rw_adm_pass(p, rep, RW_ADM_R_DEVICES);

    for (size_t i = 0; i < s->n_device_rules; i++) {
        const rw_spec_device_rule_t *d = &s->device_rules[i];
        if (!d->allow)
            continue;
        const char *acc = d->access ? d->access : "rwm";
        bool rw = strchr(acc, 'r') || strchr(acc, 'w');
        char type = d->type && *d->type ? d->type[0] : 'a';
        bool ok;
        if (type == 'a')
            ok = false;
        else if (!rw)
            ok = true; /* mknod only: creating a node does not open the device */
        else if (d->major < 0)
            ok = false;
        else if (safe_number(type, d->major, d->minor))
            ok = true;
        else {
            /* Allowed if it is the number of a device the container may have. */
            ok = false;
            for (size_t j = 0; j < s->n_devices && !ok; j++) {
                const rw_spec_device_t *dv = &s->devices[j];
                ok = dv->type && dv->type[0] == type && dv->major == d->major &&
                     (d->minor < 0 ? false : dv->minor == d->minor) && device_allowed(p, dv->path);
            }
        }
        if (ok)
            continue;
        char field[64], v[96];
        snprintf(field, sizeof(field), "linux.resources.devices[%zu]", i);
        if (type == 'a')
            snprintf(v, sizeof(v), "allow all devices (%.8s)", acc);
        else if (d->major < 0 || d->minor < 0)
            snprintf(v, sizeof(v), "allow %c %s:%s %.8s", type, d->major < 0 ? "*" : "N",
                     d->minor < 0 ? "*" : "N", acc);
        else
            snprintf(v, sizeof(v), "allow %c %lld:%lld %.8s", type, (long long)d->major,
                     (long long)d->minor, acc);
        return rw_adm_fail(p, rep, RW_ADM_R_DEVICE_CGROUP, field, v,
                           "do not open the device cgroup (--privileged, --device-cgroup-rule)");
    }
    rw_adm_pass(p, rep, RW_ADM_R_DEVICE_CGROUP);
    return 0;
}
