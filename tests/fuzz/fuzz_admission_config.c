/* Fuzz target: the `admission` section parser and the policy it yields. Even first byte:
 * the rest is an admission section, resolved for every tenant and evaluated against a
 * fixed podman-like spec and an exec. Odd first byte: the rest is a config.json, judged
 * at each level with every mutation on. Host facts are fixed (no file system access). */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/json.h"
#include "conf/config_admission.h"
#include "conf/oci_spec.h"
#include "policy/admission.h"

static const char *fixed_spec =
    "{\"ociVersion\":\"1.0.2\",\"process\":{\"args\":[\"sh\"],\"cwd\":\"/\",\"user\":{\"uid\":0,"
    "\"gid\":0},\"capabilities\":{\"bounding\":[\"CAP_CHOWN\",\"CAP_SYS_ADMIN\"]},\"rlimits\":"
    "[{\"type\":\"RLIMIT_NOFILE\",\"hard\":1048576,\"soft\":1024}]},\"root\":{\"path\":\"r\"},"
    "\"mounts\":[{\"destination\":\"/h\",\"type\":\"bind\",\"source\":\"/var/run/docker.sock\","
    "\"options\":[\"rbind\"]},{\"destination\":\"/sys\",\"type\":\"sysfs\",\"source\":\"sysfs\"}],"
    "\"hooks\":{\"prestart\":[{\"path\":\"/x\"}]},\"annotations\":{\"io.kubernetes.pod.namespace\":"
    "\"kube-system\",\"run.oci.keep_original_groups\":\"1\"},\"linux\":{\"namespaces\":[{\"type\":"
    "\"pid\"},{\"type\":\"network\",\"path\":\"/proc/1/ns/net\"}],\"sysctl\":{\"kernel.msgmax\":"
    "\"1\"},\"devices\":[{\"path\":\"/dev/kmsg\",\"type\":\"c\",\"major\":1,\"minor\":11}],"
    "\"resources\":{\"devices\":[{\"allow\":true,\"access\":\"rwm\"}],\"pids\":{\"limit\":-1}}}}";

static const char *everything_policy =
    "{\"tenants\":{\"p\":{\"level\":\"privileged\"},\"b\":{\"level\":\"baseline\"},\"r\":{"
    "\"level\":\"restricted\",\"overrides\":{\"maxRlimits\":{\"RLIMIT_NOFILE\":10},"
    "\"maxMemoryLimit\":100000,\"maxPidsLimit\":10,\"runAsUidRanges\":[\"1-5\"],\"mutate\":{"
    "\"noNewPrivileges\":true,\"dropCapabilities\":true,\"maskPaths\":true,\"readonlyPaths\":"
    "true,\"clampRlimits\":true,\"memoryLimit\":50000,\"pidsLimit\":5}}}},\"defaultTenant\":"
    "\"b\"}";

static void judge(const rw_admission_config_t *ac, const char *spec_text, size_t len)
{
    rw_identity_t who = {.uid = 1000, .loginuid = 4243, .sessionid = RW_ID_UNSET};
    rw_adm_host_t host = {.selinux_enabled = true, .apparmor_enabled = true};
    for (size_t t = 0; t < ac->n_tenants && t < 64; t++) {
        rw_spec_t *spec = NULL, *proc = NULL;
        if (rw_spec_parse(spec_text, len, "config.json", &spec, NULL) < 0)
            return;
        size_t mt = 0;
        long rule = -1;
        rw_admission_match(ac, &who, spec, &mt, &rule);
        rw_adm_policy_t p;
        rw_admission_resolve(ac, t, RW_MODE_ENFORCE, &p);
        host.audit_only = t & 1;
        rw_adm_report_t rep = {0};
        rw_admission_evaluate(&p, spec, &host, &rep, NULL);
        rw_adm_report_clear(&rep);
        const char *caps[] = {"CAP_SYS_ADMIN", "bogus"};
        rw_adm_exec_flags_t fl = {caps, 2, "0:0", "unconfined", "a:b:spc_t:s0"};
        rw_admission_evaluate_exec(&p, NULL, &fl, &host, &rep, NULL);
        rw_adm_report_clear(&rep);
        const char *pj = "{\"args\":[\"sh\"],\"cwd\":\"/\",\"capabilities\":{\"bounding\":["
                         "\"CAP_SYS_ADMIN\"]}}";
        if (rw_spec_parse_process(pj, strlen(pj), "p.json", &proc, NULL) >= 0) {
            rw_admission_evaluate_exec(&p, proc, NULL, &host, &rep, NULL);
            rw_adm_report_clear(&rep);
            rw_spec_free(proc);
        }
        rw_spec_free(spec);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1 || size > (256u << 10))
        return 0;
    bool spec_mode = data[0] & 1;
    const char *text = (const char *)data + 1;
    size_t len = size - 1;
    json_t *sec =
        spec_mode ? json_loads(everything_policy, 0, NULL) : rw_json_parse(text, len, "fuzz", NULL);
    if (!sec)
        return 0;
    rw_admission_config_t *ac = NULL;
    rw_error_t *err = NULL;
    if (rw_admission_config_parse(sec, "fuzz.json", &ac, &err) >= 0 && ac) {
        if (spec_mode)
            judge(ac, text, len);
        else
            judge(ac, fixed_spec, strlen(fixed_spec));
    }
    rw_admission_config_free(ac);
    rw_error_free(err);
    json_decref(sec);
    return 0;
}
