/* Admission cost per container start (built and run by bench_admission.sh):
 *   bench_admission N SPEC.json
 * For a one-tenant policy and a 200-rule site policy (170 match rules, the starter matching
 * the last one, 5 of them by group name; 20 sensitive paths; 5 allow-listed hooks; 5 denied
 * annotations; tenants with overrides and mutations), measures what admission adds to a
 * start: parsing the section's JSON text, its typed parse, then tenant match, resolution
 * and every rule (mutations included) on a podman-like spec. The spec's own parse is the
 * pipeline's and is done outside the clock. Prints "label median_us=.. p95_us=.. n=..". */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common/json.h"
#include "conf/config_admission.h"
#include "conf/oci_spec.h"
#include "policy/admission.h"

static double now_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1e6 + ts.tv_nsec / 1e3;
}

/* CPU time too: on a busy shared machine wall time measures the other tenants. */
static double cpu_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return ts.tv_sec * 1e6 + ts.tv_nsec / 1e3;
}

static int cmpd(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static void report(const char *label, double *v, int n)
{
    qsort(v, (size_t)n, sizeof(double), cmpd);
    printf("%s median_us=%.1f p95_us=%.1f n=%d\n", label, v[n / 2], v[(n * 95) / 100], n);
}

static char *big_policy(int *ret_rules)
{
    json_t *match = json_array();
    int rules = 0;
    for (int i = 0; i < 164; i++, rules++)
        json_array_append_new(match, json_pack("{s:i,s:s}", "loginUid", 10000 + i, "tenant",
                                               i % 2 ? "team-a" : "team-b"));
    for (int i = 0; i < 5; i++, rules++)
        json_array_append_new(
            match, json_pack("{s:s,s:i,s:s}", "group", "sudo", "uid", 7000 + i, "tenant", "ops"));
    /* the starter (login uid 4243) is matched by the last rule: the whole list is walked */
    json_array_append_new(match, json_pack("{s:i,s:s}", "loginUid", 4243, "tenant", "ci"));
    rules++;
    json_t *sens = json_array();
    for (int i = 0; i < 20; i++, rules++) {
        char p[64];
        snprintf(p, sizeof(p), "/srv/tenant-%d/secret/**", i);
        json_array_append_new(sens, json_string(p));
    }
    json_t *hooks = json_array();
    for (int i = 0; i < 5; i++, rules++) {
        char p[64];
        snprintf(p, sizeof(p), "/usr/libexec/oci/hooks-%d.d/*", i);
        json_array_append_new(hooks, json_string(p));
    }
    json_t *deny = json_pack("[sssss]", "run.oci.keep_original_groups", "io.containers.trace-*",
                             "io.kubernetes.cri-o.Devices", "example.com/debug*",
                             "run.oci.systemd.force_cgroup_v1");
    rules += 5;
    json_t *ci =
        json_pack("{s:s,s:s,s:{s:[s],s:{s:i},s:I,s:{s:b,s:b,s:b,s:b,s:i,s:i}}}", "level",
                  "baseline", "mode", "enforce", "overrides", "allowHostPaths", "/srv/shared/**",
                  "maxRlimits", "RLIMIT_NOFILE", 1048576, "maxMemoryLimit",
                  (json_int_t)8589934592LL, "mutate", "noNewPrivileges", 1, "dropCapabilities", 1,
                  "maskPaths", 1, "readonlyPaths", 1, "memoryLimit", 1073741824, "pidsLimit", 4096);
    json_t *sec = json_pack(
        "{s:s,s:{s:{s:s},s:{s:s},s:{s:s},s:{s:s},s:o},s:o,s:o,s:o,s:o,s:{s:[s,s]}}",
        "defaultTenant", "default", "tenants", "default", "level", "restricted", "team-a", "level",
        "baseline", "team-b", "level", "baseline", "ops", "level", "privileged", "ci", ci, "match",
        match, "sensitivePaths", sens, "hookAllowlist", hooks, "annotationDenylist", deny,
        "overrides", "allowCapabilities", "CAP_NET_RAW", "CAP_AUDIT_WRITE");
    char *text = json_dumps(sec, JSON_COMPACT);
    json_decref(sec);
    *ret_rules = rules;
    return text;
}

static int bench(const char *label, const char *policy, const char *spec_text, int n)
{
    double *parse = calloc((size_t)n, sizeof(double)), *typed = calloc((size_t)n, sizeof(double)),
           *eval = calloc((size_t)n, sizeof(double)), *total = calloc((size_t)n, sizeof(double)),
           *cpu = calloc((size_t)n, sizeof(double));
    rw_identity_t who = {.uid = 0, .loginuid = 4243, .sessionid = RW_ID_UNSET};
    gid_t groups[] = {0, 27};
    who.groups = groups;
    who.n_groups = 2;
    rw_adm_host_t host;
    rw_adm_host_detect(&host);
    host.bundle_path = "/var/lib/containers/bundle";
    int refused = 0;
    for (int i = 0; i < n; i++) {
        rw_spec_t *spec = NULL;
        if (rw_spec_parse(spec_text, strlen(spec_text), "config.json", &spec, NULL) < 0)
            return -1;
        double c0 = cpu_us();
        double t0 = now_us();
        json_t *sec = rw_json_parse(policy, strlen(policy), "runwarden.json", NULL);
        double t1 = now_us();
        rw_admission_config_t *ac = NULL;
        if (!sec || rw_admission_config_parse(sec, "runwarden.json", &ac, NULL) < 0)
            return -1;
        double t2 = now_us();
        size_t t = 0;
        long rule = -1;
        rw_admission_match(ac, &who, spec, &t, &rule);
        rw_adm_policy_t p;
        rw_admission_resolve(ac, t, RW_MODE_ENFORCE, &p);
        rw_adm_report_t rep = {0};
        rw_admission_evaluate(&p, spec, &host, &rep, NULL);
        double t3 = now_us();
        cpu[i] = cpu_us() - c0;
        refused += rw_findings_first(&rep.findings, RW_SEV_REFUSE) != NULL;
        parse[i] = t1 - t0;
        typed[i] = t2 - t1;
        eval[i] = t3 - t2;
        total[i] = t3 - t0;
        rw_adm_report_clear(&rep);
        rw_admission_config_free(ac);
        json_decref(sec);
        rw_spec_free(spec);
    }
    char l[128];
    snprintf(l, sizeof(l), "%s-json", label);
    report(l, parse, n);
    snprintf(l, sizeof(l), "%s-typed", label);
    report(l, typed, n);
    snprintf(l, sizeof(l), "%s-evaluate", label);
    report(l, eval, n);
    snprintf(l, sizeof(l), "%s-total", label);
    report(l, total, n);
    snprintf(l, sizeof(l), "%s-cpu", label);
    report(l, cpu, n);
    printf("%s refused=%d\n", label, refused);
    free(parse);
    free(typed);
    free(eval);
    free(total);
    free(cpu);
    return 0;
}

int main(int argc, char **argv)
{
    if (argc < 3)
        return 2;
    long n = strtol(argv[1], NULL, 10);
    if (n <= 0 || n > 1000000)
        n = 1000;
    FILE *f = fopen(argv[2], "r");
    if (!f)
        return 1;
    static char spec[1 << 20];
    size_t len = fread(spec, 1, sizeof(spec) - 1, f);
    fclose(f);
    spec[len] = '\0';
    int rules = 0;
    char *bigp = big_policy(&rules);
    printf("policy-rules count=%d bytes=%zu\n", rules, strlen(bigp));
    int r = bench("small", "{\"tenants\":{\"default\":{\"level\":\"baseline\"}}}", spec, (int)n);
    if (r >= 0)
        r = bench("site200", bigp, spec, (int)n);
    free(bigp);
    return r < 0 ? 1 : 0;
}
