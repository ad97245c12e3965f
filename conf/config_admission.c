/* Strict parser for the `admission` section: every key, level, mode, rule name, capability
 * and namespace is checked here so the policy engine only ever sees typed values. */
#include "config_admission.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "../common/cleanup.h"
#include "../common/json.h"
#include "identity.h"

#define MAX_TENANTS 4096
#define MAX_MATCHES 10000
#define MAX_LIST 10000
#define MAX_STR 4096

const char *const rw_adm_rule_names[RW_ADM_R_COUNT] = {
    [RW_ADM_R_ALL_CAPS] = "privileged.all-capabilities",
    [RW_ADM_R_NO_SECCOMP] = "privileged.no-seccomp",
    [RW_ADM_R_APPARMOR] = "privileged.apparmor",
    [RW_ADM_R_SELINUX] = "privileged.selinux",
    [RW_ADM_R_PROC_UNMASKED] = "privileged.proc-unmasked",
    [RW_ADM_R_PROC_WRITABLE] = "privileged.proc-writable",
    [RW_ADM_R_SYS_WRITABLE] = "privileged.sys-writable",
    [RW_ADM_R_CAPS] = "capabilities.beyond-level",
    [RW_ADM_R_HOST_NS] = "namespaces.host",
    [RW_ADM_R_JOIN_NS] = "namespaces.join",
    [RW_ADM_R_SENSITIVE_MOUNT] = "mounts.sensitive-path",
    [RW_ADM_R_DEVICES] = "devices.host",
    [RW_ADM_R_DEVICE_CGROUP] = "devices.cgroup",
    [RW_ADM_R_NNP] = "process.no-new-privileges",
    [RW_ADM_R_ROOT_USER] = "user.root",
    [RW_ADM_R_UID_RANGE] = "user.uid-range",
    [RW_ADM_R_RO_ROOTFS] = "rootfs.read-only",
    [RW_ADM_R_SYSCTL] = "sysctl.unsafe",
    [RW_ADM_R_RLIMITS] = "rlimits.max",
    [RW_ADM_R_MEMORY] = "resources.memory",
    [RW_ADM_R_PIDS] = "resources.pids",
    [RW_ADM_R_HOOKS] = "hooks.allowlist",
    [RW_ADM_R_ANNOTATIONS] = "annotations.denylist",
    [RW_ADM_R_EXEC_CAPS] = "exec.capabilities",
    [RW_ADM_R_EXEC_USER] = "exec.user",
    [RW_ADM_R_EXEC_APPARMOR] = "exec.apparmor",
    [RW_ADM_R_EXEC_SELINUX] = "exec.selinux",
    [RW_ADM_R_EXEC_NNP] = "exec.no-new-privileges",
};

static const char *const cap_names[RW_ADM_CAP_COUNT] = {
    "CAP_CHOWN",
    "CAP_DAC_OVERRIDE",
    "CAP_DAC_READ_SEARCH",
    "CAP_FOWNER",
    "CAP_FSETID",
    "CAP_KILL",
    "CAP_SETGID",
    "CAP_SETUID",
    "CAP_SETPCAP",
    "CAP_LINUX_IMMUTABLE",
    "CAP_NET_BIND_SERVICE",
    "CAP_NET_BROADCAST",
    "CAP_NET_ADMIN",
    "CAP_NET_RAW",
    "CAP_IPC_LOCK",
    "CAP_IPC_OWNER",
    "CAP_SYS_MODULE",
    "CAP_SYS_RAWIO",
    "CAP_SYS_CHROOT",
    "CAP_SYS_PTRACE",
    "CAP_SYS_PACCT",
    "CAP_SYS_ADMIN",
    "CAP_SYS_BOOT",
    "CAP_SYS_NICE",
    "CAP_SYS_RESOURCE",
    "CAP_SYS_TIME",
    "CAP_SYS_TTY_CONFIG",
    "CAP_MKNOD",
    "CAP_LEASE",
    "CAP_AUDIT_WRITE",
    "CAP_AUDIT_CONTROL",
    "CAP_SETFCAP",
    "CAP_MAC_OVERRIDE",
    "CAP_MAC_ADMIN",
    "CAP_SYSLOG",
    "CAP_WAKE_ALARM",
    "CAP_BLOCK_SUSPEND",
    "CAP_AUDIT_READ",
    "CAP_PERFMON",
    "CAP_BPF",
    "CAP_CHECKPOINT_RESTORE",
};

int rw_adm_cap_number(const char *name)
{
    if (!name)
        return -1;
    const char *bare = strncasecmp(name, "CAP_", 4) == 0 ? name + 4 : name;
    for (int i = 0; i < RW_ADM_CAP_COUNT; i++)
        if (strcasecmp(cap_names[i] + 4, bare) == 0)
            return i;
    return -1;
}

const char *rw_adm_cap_name(int number)
{
    return number >= 0 && number < RW_ADM_CAP_COUNT ? cap_names[number] : "CAP_?";
}

const char *rw_adm_level_name(rw_adm_level_t l)
{
    switch (l) {
    case RW_ADM_PRIVILEGED:
        return "privileged";
    case RW_ADM_BASELINE:
        return "baseline";
    case RW_ADM_RESTRICTED:
        return "restricted";
    default:
        return "?";
    }
}

int rw_adm_level_parse(const char *s, rw_adm_level_t *out)
{
    for (int l = RW_ADM_PRIVILEGED; l <= RW_ADM_RESTRICTED; l++)
        if (strcmp(s, rw_adm_level_name((rw_adm_level_t)l)) == 0) {
            *out = (rw_adm_level_t)l;
            return 0;
        }
    return -EINVAL;
}

int rw_adm_rule_parse(const char *name, rw_adm_rule_t *out)
{
    for (int i = 0; i < RW_ADM_R_COUNT; i++)
        if (strcmp(name, rw_adm_rule_names[i]) == 0) {
            *out = (rw_adm_rule_t)i;
            return 0;
        }
    return -EINVAL;
}

unsigned rw_adm_ns_bit(const char *type)
{
    static const struct {
        const char *name;
        unsigned bit;
    } t[] = {{"pid", RW_ADM_NS_PID},   {"network", RW_ADM_NS_NET}, {"net", RW_ADM_NS_NET},
             {"ipc", RW_ADM_NS_IPC},   {"uts", RW_ADM_NS_UTS},     {"mount", RW_ADM_NS_MOUNT},
             {"mnt", RW_ADM_NS_MOUNT}, {"user", RW_ADM_NS_USER},   {"cgroup", RW_ADM_NS_CGROUP},
             {"time", RW_ADM_NS_TIME}};
    for (size_t i = 0; type && i < RW_ARRAY_SIZE(t); i++)
        if (strcmp(type, t[i].name) == 0)
            return t[i].bit;
    return 0;
}

/* ---- small typed readers ---------------------------------------------------------- */

static int check_str(const char *s, const char *what, const char *path, rw_error_t **err)
{
    if (strlen(s) > MAX_STR)
        return rw_error_set(err, EINVAL, "%s: %s: longer than %d bytes", what, path, MAX_STR);
    return 0;
}

/* A bounded array of strings; each must pass 'ok' when given. */
static int get_list(json_t *obj, const char *key, char ***out, bool absolute_paths,
                    const char *what, const char *path, rw_error_t **err)
{
    json_t *v = json_object_get(obj, key);
    if (!v)
        return 0;
    if (json_is_array(v) && json_array_size(v) > MAX_LIST)
        return rw_error_set(err, E2BIG, "%s: %s.%s: more than %d entries", what, path, key,
                            MAX_LIST);
    cleanup_strv char **list = NULL;
    int r = rw_json_get_strv(obj, key, &list, what, path, err);
    if (r < 0)
        return r;
    for (size_t i = 0; list && list[i]; i++) {
        char sub[320];
        snprintf(sub, sizeof(sub), "%s.%s[%zu]", path, key, i);
        if ((r = check_str(list[i], what, sub, err)) < 0)
            return r;
        if (!list[i][0])
            return rw_error_set(err, EINVAL, "%s: %s: must not be empty", what, sub);
        if (absolute_paths && list[i][0] != '/')
            return rw_error_set(err, EINVAL, "%s: %s: '%s' is not an absolute path", what, sub,
                                list[i]);
    }
    /* Lists add up: site entries first, then the tenant's. */
    size_t have = 0, add = 0;
    while (*out && (*out)[have])
        have++;
    while (list && list[add])
        add++;
    char **n = realloc(*out, (have + add + 1) * sizeof(char *));
    if (!n)
        return -ENOMEM;
    memcpy(n + have, list, add * sizeof(char *));
    n[have + add] = NULL;
    *out = n;
    free(TAKE_PTR(list));
    return 1;
}

static int get_tristate(json_t *obj, const char *key, int *out, const char *what, const char *path,
                        rw_error_t **err)
{
    bool b = false;
    int r = rw_json_get_bool(obj, key, &b, what, path, err);
    if (r > 0)
        *out = b ? 1 : 0;
    return r;
}

static int get_i64(json_t *obj, const char *key, long long min, int64_t *out, const char *what,
                   const char *path, rw_error_t **err)
{
    long long n = 0;
    int r = rw_json_get_int(obj, key, min, INT64_MAX, &n, what, path, err);
    if (r > 0)
        *out = n;
    return r;
}

static int parse_u32(const char *s, int64_t *out)
{
    if (!*s || *s == '-' || *s == '+')
        return -EINVAL;
    char *end = NULL;
    errno = 0;
    unsigned long long v = strtoull(s, &end, 10);
    if (errno || *end || v > UINT32_MAX)
        return -EINVAL;
    *out = (int64_t)v;
    return 0;
}

/* 1000, "1000", "1000-1999", "alice" (a name resolved when first needed) and, for login
 * uids, "unset". */
static int parse_idrange(json_t *v, bool allow_unset, rw_adm_idrange_t *out, const char *what,
                         const char *path, rw_error_t **err)
{
    memset(out, 0, sizeof(*out));
    if (json_is_integer(v)) {
        json_int_t n = json_integer_value(v);
        if (n < 0 || n > UINT32_MAX)
            return rw_error_set(err, ERANGE, "%s: %s: %lld is not a valid id", what, path,
                                (long long)n);
        out->lo = out->hi = n;
        return 0;
    }
    if (!json_is_string(v))
        return rw_error_set(err, EINVAL, "%s: %s: must be an id, a range \"LO-HI\" or a name", what,
                            path);
    const char *s = json_string_value(v);
    int r = check_str(s, what, path, err);
    if (r < 0)
        return r;
    if (allow_unset && strcmp(s, "unset") == 0) {
        out->lo = out->hi = RW_ID_UNSET;
        return 0;
    }
    if (s[0] >= '0' && s[0] <= '9') {
        const char *dash = strchr(s, '-');
        if (!dash) {
            if (parse_u32(s, &out->lo) < 0)
                return rw_error_set(err, EINVAL, "%s: %s: '%s' is not a valid id", what, path, s);
            out->hi = out->lo;
            return 0;
        }
        cleanup_free char *lo = strndup(s, (size_t)(dash - s));
        if (!lo)
            return -ENOMEM;
        if (parse_u32(lo, &out->lo) < 0 || parse_u32(dash + 1, &out->hi) < 0 || out->hi < out->lo)
            return rw_error_set(err, EINVAL, "%s: %s: '%s' is not a range LO-HI", what, path, s);
        return 0;
    }
    /* A user or group name: no separators, no spaces. */
    for (const char *p = s; *p; p++)
        if (*p == ':' || *p == '/' || *p == ' ' || (unsigned char)*p < 0x20)
            return rw_error_set(err, EINVAL, "%s: %s: '%s' is not a valid name", what, path, s);
    if (!*s)
        return rw_error_set(err, EINVAL, "%s: %s: must not be empty", what, path);
    out->name = strdup(s);
    out->lo = out->hi = -2; /* unresolved */
    return out->name ? 0 : -ENOMEM;
}

static int parse_ns_list(json_t *obj, const char *key, unsigned *bits, const char *what,
                         const char *path, rw_error_t **err)
{
    cleanup_strv char **l = NULL;
    int r = get_list(obj, key, &l, false, what, path, err);
    if (r <= 0)
        return r;
    for (size_t i = 0; l[i]; i++) {
        unsigned b = rw_adm_ns_bit(l[i]);
        if (!b)
            return rw_error_set(err, EINVAL,
                                "%s: %s.%s[%zu]: '%s' is not a namespace type (pid, network, "
                                "ipc, uts, mount, user, cgroup, time)",
                                what, path, key, i, l[i]);
        *bits |= b;
    }
    return 1;
}

static int parse_caps(json_t *obj, const char *key, uint64_t *bits, const char *what,
                      const char *path, rw_error_t **err)
{
    cleanup_strv char **l = NULL;
    int r = get_list(obj, key, &l, false, what, path, err);
    if (r <= 0)
        return r;
    for (size_t i = 0; l[i]; i++) {
        int c = rw_adm_cap_number(l[i]);
        if (c < 0)
            return rw_error_set(err, EINVAL, "%s: %s.%s[%zu]: '%s' is not a capability", what, path,
                                key, i, l[i]);
        *bits |= UINT64_C(1) << c;
    }
    return 1;
}

static void overrides_init(rw_adm_overrides_t *o)
{
    memset(o, 0, sizeof(*o));
    o->allow_root = o->require_nnp = o->require_ro_rootfs = RW_TRI_UNSET;
    o->require_memory = o->require_pids = RW_TRI_UNSET;
    o->require_apparmor = o->require_selinux = RW_TRI_UNSET;
    o->max_memory = o->max_pids = -1;
    o->mut_nnp = o->mut_drop_caps = o->mut_mask_paths = RW_TRI_UNSET;
    o->mut_readonly_paths = o->mut_clamp_rlimits = RW_TRI_UNSET;
    o->mut_memory = o->mut_pids = -1;
}

static void overrides_clear(rw_adm_overrides_t *o)
{
    rw_strv_freep(&o->allow_devices);
    rw_strv_freep(&o->allow_sysctls);
    rw_strv_freep(&o->allow_host_paths);
    rw_strv_freep(&o->sensitive_paths);
    for (size_t i = 0; i < o->n_uid_ranges; i++)
        free(o->uid_ranges[i].name);
    free(o->uid_ranges);
    for (size_t i = 0; i < o->n_max_rlimits; i++)
        free(o->max_rlimits[i].type);
    free(o->max_rlimits);
    overrides_init(o);
}

static const char *const rlimit_names[] = {
    "RLIMIT_AS",     "RLIMIT_CORE",   "RLIMIT_CPU",        "RLIMIT_DATA",
    "RLIMIT_FSIZE",  "RLIMIT_LOCKS",  "RLIMIT_MEMLOCK",    "RLIMIT_MSGQUEUE",
    "RLIMIT_NICE",   "RLIMIT_NOFILE", "RLIMIT_NPROC",      "RLIMIT_RSS",
    "RLIMIT_RTPRIO", "RLIMIT_RTTIME", "RLIMIT_SIGPENDING", "RLIMIT_STACK",
};

static int parse_rlimits(json_t *ov, rw_adm_overrides_t *o, const char *what, const char *path,
                         rw_error_t **err)
{
    json_t *m = json_object_get(ov, "maxRlimits");
    if (!m)
        return 0;
    if (!json_is_object(m))
        return rw_error_set(err, EINVAL, "%s: %s.maxRlimits: must be an object", what, path);
    const char *k;
    json_t *v;
    json_object_foreach(m, k, v)
    {
        bool known = false;
        for (size_t i = 0; i < RW_ARRAY_SIZE(rlimit_names); i++)
            known = known || strcmp(k, rlimit_names[i]) == 0;
        if (!known)
            return rw_error_set(err, EINVAL, "%s: %s.maxRlimits.%s: not an RLIMIT_* name", what,
                                path, k);
        if (!json_is_integer(v) || json_integer_value(v) < 0)
            return rw_error_set(err, EINVAL, "%s: %s.maxRlimits.%s: must be a non-negative integer",
                                what, path, k);
        rw_adm_rlimit_max_t *n =
            realloc(o->max_rlimits, (o->n_max_rlimits + 1) * sizeof(*o->max_rlimits));
        if (!n)
            return -ENOMEM;
        o->max_rlimits = n;
        n[o->n_max_rlimits].type = strdup(k);
        n[o->n_max_rlimits].max = (uint64_t)json_integer_value(v);
        if (!n[o->n_max_rlimits++].type)
            return -ENOMEM;
    }
    return 0;
}

static int parse_mutate(json_t *ov, rw_adm_overrides_t *o, const char *what, const char *path,
                        rw_error_t **err)
{
    json_t *m = json_object_get(ov, "mutate");
    if (!m)
        return 0;
    char sub[256];
    snprintf(sub, sizeof(sub), "%s.mutate", path);
    static const char *const keys[] = {
        "noNewPrivileges", "dropCapabilities", "maskPaths", "readonlyPaths",
        "clampRlimits",    "memoryLimit",      "pidsLimit", NULL};
    int r;
    if ((r = rw_json_check_keys(m, keys, what, sub, err)) < 0 ||
        (r = get_tristate(m, "noNewPrivileges", &o->mut_nnp, what, sub, err)) < 0 ||
        (r = get_tristate(m, "dropCapabilities", &o->mut_drop_caps, what, sub, err)) < 0 ||
        (r = get_tristate(m, "maskPaths", &o->mut_mask_paths, what, sub, err)) < 0 ||
        (r = get_tristate(m, "readonlyPaths", &o->mut_readonly_paths, what, sub, err)) < 0 ||
        (r = get_tristate(m, "clampRlimits", &o->mut_clamp_rlimits, what, sub, err)) < 0 ||
        (r = get_i64(m, "memoryLimit", 4096, &o->mut_memory, what, sub, err)) < 0 ||
        (r = get_i64(m, "pidsLimit", 1, &o->mut_pids, what, sub, err)) < 0)
        return r;
    return 0;
}

static int parse_rule_actions(json_t *ov, rw_adm_overrides_t *o, const char *what, const char *path,
                              rw_error_t **err)
{
    json_t *m = json_object_get(ov, "rules");
    if (!m)
        return 0;
    if (!json_is_object(m))
        return rw_error_set(err, EINVAL, "%s: %s.rules: must be an object", what, path);
    const char *k;
    json_t *v;
    json_object_foreach(m, k, v)
    {
        rw_adm_rule_t id;
        if (rw_adm_rule_parse(k, &id) < 0)
            return rw_error_set(err, EINVAL, "%s: %s.rules.%s: unknown rule", what, path, k);
        const char *a = json_is_string(v) ? json_string_value(v) : "";
        if (strcmp(a, "off") == 0)
            o->rules[id] = RW_ADM_OFF;
        else if (strcmp(a, "warn") == 0)
            o->rules[id] = RW_ADM_WARN;
        else if (strcmp(a, "refuse") == 0)
            o->rules[id] = RW_ADM_REFUSE;
        else
            return rw_error_set(err, EINVAL,
                                "%s: %s.rules.%s: must be \"off\", \"warn\" or \"refuse\"", what,
                                path, k);
    }
    return 0;
}

static int parse_overrides(json_t *ov, rw_adm_overrides_t *o, const char *what, const char *path,
                           rw_error_t **err)
{
    static const char *const keys[] = {"allowCapabilities",
                                       "allowHostNamespaces",
                                       "allowJoinNamespaces",
                                       "allowDevices",
                                       "allowSysctls",
                                       "allowHostPaths",
                                       "sensitivePaths",
                                       "runAsUidRanges",
                                       "allowRoot",
                                       "requireNoNewPrivileges",
                                       "requireReadOnlyRootfs",
                                       "requireMemoryLimit",
                                       "requirePidsLimit",
                                       "requireAppArmor",
                                       "requireSELinux",
                                       "maxMemoryLimit",
                                       "maxPidsLimit",
                                       "maxRlimits",
                                       "mutate",
                                       "rules",
                                       NULL};
    int r = rw_json_check_keys(ov, keys, what, path, err);
    if (r < 0)
        return r;
    if ((r = parse_caps(ov, "allowCapabilities", &o->allow_caps, what, path, err)) < 0 ||
        (r = parse_ns_list(ov, "allowHostNamespaces", &o->allow_host_ns, what, path, err)) < 0 ||
        (r = parse_ns_list(ov, "allowJoinNamespaces", &o->allow_join_ns, what, path, err)) < 0 ||
        (r = get_list(ov, "allowDevices", &o->allow_devices, true, what, path, err)) < 0 ||
        (r = get_list(ov, "allowSysctls", &o->allow_sysctls, false, what, path, err)) < 0 ||
        (r = get_list(ov, "allowHostPaths", &o->allow_host_paths, true, what, path, err)) < 0 ||
        (r = get_list(ov, "sensitivePaths", &o->sensitive_paths, true, what, path, err)) < 0)
        return r;
    json_t *ranges = json_object_get(ov, "runAsUidRanges");
    if (ranges) {
        if (!json_is_array(ranges) || json_array_size(ranges) > MAX_LIST)
            return rw_error_set(err, EINVAL, "%s: %s.runAsUidRanges: must be an array", what, path);
        size_t n = json_array_size(ranges);
        o->uid_ranges = calloc(n ? n : 1, sizeof(*o->uid_ranges));
        if (!o->uid_ranges)
            return -ENOMEM;
        for (size_t i = 0; i < n; i++) {
            char sub[300];
            snprintf(sub, sizeof(sub), "%s.runAsUidRanges[%zu]", path, i);
            if ((r = parse_idrange(json_array_get(ranges, i), false, &o->uid_ranges[i], what, sub,
                                   err)) < 0)
                return r;
            o->n_uid_ranges = i + 1;
            if (o->uid_ranges[i].name)
                return rw_error_set(err, EINVAL, "%s: %s: must be numeric", what, sub);
        }
    }
    if ((r = get_tristate(ov, "allowRoot", &o->allow_root, what, path, err)) < 0 ||
        (r = get_tristate(ov, "requireNoNewPrivileges", &o->require_nnp, what, path, err)) < 0 ||
        (r = get_tristate(ov, "requireReadOnlyRootfs", &o->require_ro_rootfs, what, path, err)) <
            0 ||
        (r = get_tristate(ov, "requireMemoryLimit", &o->require_memory, what, path, err)) < 0 ||
        (r = get_tristate(ov, "requirePidsLimit", &o->require_pids, what, path, err)) < 0 ||
        (r = get_tristate(ov, "requireAppArmor", &o->require_apparmor, what, path, err)) < 0 ||
        (r = get_tristate(ov, "requireSELinux", &o->require_selinux, what, path, err)) < 0 ||
        (r = get_i64(ov, "maxMemoryLimit", 0, &o->max_memory, what, path, err)) < 0 ||
        (r = get_i64(ov, "maxPidsLimit", 0, &o->max_pids, what, path, err)) < 0 ||
        (r = parse_rlimits(ov, o, what, path, err)) < 0 ||
        (r = parse_mutate(ov, o, what, path, err)) < 0 ||
        (r = parse_rule_actions(ov, o, what, path, err)) < 0)
        return r;
    return 0;
}

static int parse_tenants(json_t *sec, rw_admission_config_t *c, const char *what, rw_error_t **err)
{
    json_t *t = json_object_get(sec, "tenants");
    if (!t) {
        /* No tenants: one implicit baseline tenant named "default". */
        c->tenants = calloc(1, sizeof(*c->tenants));
        if (!c->tenants || !(c->tenants[0].name = strdup("default")))
            return -ENOMEM;
        c->tenants[0].level = RW_ADM_BASELINE;
        overrides_init(&c->tenants[0].ov);
        c->n_tenants = 1;
        return 0;
    }
    if (!json_is_object(t) || json_object_size(t) == 0)
        return rw_error_set(err, EINVAL, "%s: $.admission.tenants: must be a non-empty object",
                            what);
    if (json_object_size(t) > MAX_TENANTS)
        return rw_error_set(err, E2BIG, "%s: $.admission.tenants: more than %d tenants", what,
                            MAX_TENANTS);
    c->tenants = calloc(json_object_size(t), sizeof(*c->tenants));
    if (!c->tenants)
        return -ENOMEM;
    const char *k;
    json_t *v;
    json_object_foreach(t, k, v)
    {
        char path[320];
        snprintf(path, sizeof(path), "$.admission.tenants.%.256s", k);
        rw_adm_tenant_t *tn = &c->tenants[c->n_tenants++];
        overrides_init(&tn->ov);
        int r = check_str(k, what, path, err);
        if (r < 0)
            return r;
        if (!(tn->name = strdup(k)))
            return -ENOMEM;
        static const char *const keys[] = {"level", "mode", "overrides", NULL};
        if ((r = rw_json_check_keys(v, keys, what, path, err)) < 0)
            return r;
        const char *s = NULL;
        if ((r = rw_json_get_string(v, "level", true, &s, what, path, err)) < 0)
            return r;
        if (rw_adm_level_parse(s, &tn->level) < 0)
            return rw_error_set(err, EINVAL,
                                "%s: %s.level: '%s' is not privileged, baseline or restricted",
                                what, path, s);
        s = NULL;
        if ((r = rw_json_get_string(v, "mode", false, &s, what, path, err)) < 0)
            return r;
        if (r > 0) {
            if (rw_mode_parse(s, &tn->mode) < 0)
                return rw_error_set(err, EINVAL, "%s: %s.mode: '%s' is not enforce, warn or audit",
                                    what, path, s);
            tn->has_mode = true;
        }
        json_t *ov = json_object_get(v, "overrides");
        if (ov) {
            char sub[340];
            snprintf(sub, sizeof(sub), "%s.overrides", path);
            if ((r = parse_overrides(ov, &tn->ov, what, sub, err)) < 0)
                return r;
        }
    }
    return 0;
}

static int parse_match(json_t *m, rw_adm_match_t *out, const rw_admission_config_t *c,
                       const char *what, const char *path, rw_error_t **err)
{
    static const char *const keys[] = {
        "tenant", "uid", "loginUid", "group", "annotations", "kubernetesNamespace", NULL};
    int r = rw_json_check_keys(m, keys, what, path, err);
    if (r < 0)
        return r;
    const char *t = NULL;
    if ((r = rw_json_get_string(m, "tenant", true, &t, what, path, err)) < 0)
        return r;
    long idx = rw_admission_config_tenant(c, t);
    if (idx < 0)
        return rw_error_set(err, EINVAL,
                            "%s: %s.tenant: '%s' is not a key of "
                            "$.admission.tenants",
                            what, path, t);
    out->tenant = c->tenants[idx].name; /* borrowed */
    out->tenant_index = (size_t)idx;
    char sub[320];
    json_t *v;
    if ((v = json_object_get(m, "uid"))) {
        snprintf(sub, sizeof(sub), "%s.uid", path);
        if ((r = parse_idrange(v, false, &out->uid, what, sub, err)) < 0)
            return r;
        out->has_uid = true;
    }
    if ((v = json_object_get(m, "loginUid"))) {
        snprintf(sub, sizeof(sub), "%s.loginUid", path);
        if ((r = parse_idrange(v, true, &out->loginuid, what, sub, err)) < 0)
            return r;
        out->has_loginuid = true;
    }
    if ((v = json_object_get(m, "group"))) {
        snprintf(sub, sizeof(sub), "%s.group", path);
        if ((r = parse_idrange(v, false, &out->group, what, sub, err)) < 0)
            return r;
        out->has_group = true;
    }
    json_t *an = json_object_get(m, "annotations");
    json_t *ns = json_object_get(m, "kubernetesNamespace");
    size_t n = (an && json_is_object(an) ? json_object_size(an) : 0) + (ns ? 1 : 0);
    if (an && !json_is_object(an))
        return rw_error_set(err, EINVAL, "%s: %s.annotations: must be an object", what, path);
    if (ns && !json_is_string(ns))
        return rw_error_set(err, EINVAL, "%s: %s.kubernetesNamespace: must be a string", what,
                            path);
    if (n && !(out->annots = calloc(n, sizeof(*out->annots))))
        return -ENOMEM;
    const char *k;
    json_object_foreach(an, k, v)
    {
        snprintf(sub, sizeof(sub), "%s.annotations.%.200s", path, k);
        if (!json_is_string(v))
            return rw_error_set(err, EINVAL, "%s: %s: must be a string pattern", what, sub);
        if ((r = check_str(k, what, sub, err)) < 0 ||
            (r = check_str(json_string_value(v), what, sub, err)) < 0)
            return r;
        rw_adm_annot_match_t *am = &out->annots[out->n_annots++];
        am->key = strdup(k);
        am->pattern = strdup(json_string_value(v));
        if (!am->key || !am->pattern)
            return -ENOMEM;
    }
    if (ns) {
        /* key NULL: the pod namespace as CRI-O or containerd's CRI plugin records it */
        rw_adm_annot_match_t *am = &out->annots[out->n_annots++];
        if (!(am->pattern = strdup(json_string_value(ns))))
            return -ENOMEM;
    }
    if (!out->has_uid && !out->has_loginuid && !out->has_group && out->n_annots == 0)
        return rw_error_set(err, EINVAL,
                            "%s: %s: a match needs uid, loginUid, group, annotations or "
                            "kubernetesNamespace",
                            what, path);
    return 0;
}

long rw_admission_config_tenant(const rw_admission_config_t *c, const char *name)
{
    for (size_t i = 0; i < c->n_tenants; i++)
        if (strcmp(c->tenants[i].name, name) == 0)
            return (long)i;
    return -1;
}

static int parse_section(json_t *sec, rw_admission_config_t *c, const char *what, rw_error_t **err)
{
    static const char *const keys[] = {"defaultTenant",      "tenants",        "match",
                                       "overrides",          "sensitivePaths", "hookAllowlist",
                                       "annotationDenylist", "stateDir",       NULL};
    int r = rw_json_check_keys(sec, keys, what, "$.admission", err);
    if (r < 0)
        return r;
    if ((r = parse_tenants(sec, c, what, err)) < 0)
        return r;
    const char *dt = "default";
    if ((r = rw_json_get_string(sec, "defaultTenant", false, &dt, what, "$.admission", err)) < 0)
        return r;
    long idx = rw_admission_config_tenant(c, dt);
    if (idx < 0)
        return rw_error_set(err, EINVAL,
                            "%s: $.admission.defaultTenant: '%s' is not a key of "
                            "$.admission.tenants",
                            what, dt);
    c->default_tenant = (size_t)idx;

    json_t *ov = json_object_get(sec, "overrides");
    if (ov && (r = parse_overrides(ov, &c->site, what, "$.admission.overrides", err)) < 0)
        return r;
    if ((r = get_list(sec, "sensitivePaths", &c->sensitive_paths, true, what, "$.admission", err)) <
            0 ||
        (r = get_list(sec, "hookAllowlist", &c->hook_allowlist, true, what, "$.admission", err)) <
            0 ||
        (r = get_list(sec, "annotationDenylist", &c->annotation_denylist, false, what,
                      "$.admission", err)) < 0)
        return r;
    const char *sd = RW_ADM_DEFAULT_STATE_DIR;
    if ((r = rw_json_get_string(sec, "stateDir", false, &sd, what, "$.admission", err)) < 0)
        return r;
    if (sd[0] != '/')
        return rw_error_set(err, EINVAL, "%s: $.admission.stateDir: must be an absolute path",
                            what);
    if (!(c->state_dir = strdup(sd)))
        return -ENOMEM;

    json_t *m = json_object_get(sec, "match");
    if (m) {
        if (!json_is_array(m))
            return rw_error_set(err, EINVAL, "%s: $.admission.match: must be an array", what);
        size_t n = json_array_size(m);
        if (n > MAX_MATCHES)
            return rw_error_set(err, E2BIG, "%s: $.admission.match: more than %d rules", what,
                                MAX_MATCHES);
        c->matches = calloc(n ? n : 1, sizeof(*c->matches));
        if (!c->matches)
            return -ENOMEM;
        for (size_t i = 0; i < n; i++) {
            char path[64];
            snprintf(path, sizeof(path), "$.admission.match[%zu]", i);
            json_t *e = json_array_get(m, i);
            c->n_matches = i + 1;
            if (!json_is_object(e))
                return rw_error_set(err, EINVAL, "%s: %s: must be an object", what, path);
            if ((r = parse_match(e, &c->matches[i], c, what, path, err)) < 0)
                return r;
        }
    }
    return 0;
}

int rw_admission_config_parse(json_t *section, const char *what, rw_admission_config_t **ret,
                              rw_error_t **err)
{
    *ret = NULL;
    if (!section)
        return 0;
    if (!json_is_object(section))
        return rw_error_set(err, EINVAL, "%s: $.admission: must be an object", what);
    rw_admission_config_t *c = calloc(1, sizeof(*c));
    if (!c)
        return -ENOMEM;
    overrides_init(&c->site);
    int r = parse_section(section, c, what, err);
    if (r < 0) {
        rw_admission_config_free(c);
        return r;
    }
    *ret = c;
    return 0;
}

void rw_admission_config_free(rw_admission_config_t *c)
{
    if (!c)
        return;
    for (size_t i = 0; i < c->n_tenants; i++) {
        free(c->tenants[i].name);
        overrides_clear(&c->tenants[i].ov);
    }
    free(c->tenants);
    for (size_t i = 0; i < c->n_matches; i++) {
        rw_adm_match_t *m = &c->matches[i];
        free(m->uid.name);
        free(m->loginuid.name);
        free(m->group.name);
        for (size_t j = 0; j < m->n_annots; j++) {
            free(m->annots[j].key);
            free(m->annots[j].pattern);
        }
        free(m->annots);
    }
    free(c->matches);
    overrides_clear(&c->site);
    rw_strv_freep(&c->sensitive_paths);
    rw_strv_freep(&c->hook_allowlist);
    rw_strv_freep(&c->annotation_denylist);
    free(c->state_dir);
    free(c);
}
