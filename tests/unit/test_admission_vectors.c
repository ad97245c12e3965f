/* Admission policy, replayed over the table in tests/data/admission/vectors.json: each
 * vector is a podman-like spec (tests/data/admission/base_*.json) with a merge patch, a
 * tenant (level, mode, overrides) or a whole admission section, a starter, and the host
 * facts; it expects a verdict, the first refusing rule, a substring of the refusal line,
 * rule outcomes, the changes made, or the tenant matched. */
#include <errno.h>
#include <grp.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "common/cleanup.h"
#include "common/fileio.h"
#include "common/json.h"
#include "conf/config_admission.h"
#include "policy/admission.h"

static json_t *g_vectors, *g_base, *g_base_restricted;

static json_t *load_json(const char *name)
{
    const char *dir = getenv("RW_TEST_DATA");
    char path[4096];
    snprintf(path, sizeof(path), "%s/admission/%s", dir ? dir : "tests/data", name);
    json_error_t je;
    json_t *j = json_load_file(path, JSON_REJECT_DUPLICATES, &je);
    if (!j)
        fprintf(stderr, "%s: %s (line %d)\n", path, je.text, je.line);
    return j;
}

/* RFC 7386 JSON merge patch. */
static json_t *merge_patch(json_t *target, json_t *patch)
{
    if (!json_is_object(patch))
        return json_deep_copy(patch);
    json_t *out = json_is_object(target) ? json_deep_copy(target) : json_object();
    const char *k;
    json_t *v;
    json_object_foreach(patch, k, v)
    {
        if (json_is_null(v))
            json_object_del(out, k);
        else
            json_object_set_new(out, k, merge_patch(json_object_get(out, k), v));
    }
    return out;
}

/* Host facts for the tests: pid 1's namespaces, another process's (4242) and the
 * engine's netns files are known; anything else does not exist. */
static uint64_t name_hash(const char *s)
{
    uint64_t h = 1469598103934665603ull;
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 1099511628211ull;
    return h % 100000;
}

static int fake_ns_stat(const char *path, uint64_t *dev, uint64_t *ino)
{
    *dev = 4;
    if (strncmp(path, "/proc/1/ns/", 11) == 0) {
        *ino = name_hash(path + 11);
        return 0;
    }
    if (strncmp(path, "/proc/4242/ns/", 14) == 0) {
        *ino = name_hash(path + 14) + 100000;
        return 0;
    }
    if (strncmp(path, "/run/netns/", 11) == 0) {
        *ino = 300000 + strlen(path);
        return 0;
    }
    return -ENOENT;
}

static char *fake_resolve(const char *path)
{
    /* /var/run is a link to /run, as on every systemd host */
    if (strncmp(path, "/var/run/", 9) == 0) {
        char *p = NULL;
        return asprintf(&p, "/run/%s", path + 9) < 0 ? NULL : p;
    }
    return NULL;
}

/* runwarden's own hooks, as the stage recognises them: this binary, `hook NAME`, no more. */
static bool fake_own_hook(const char *path, char *const *args)
{
    return strcmp(path, "/usr/bin/runwarden") == 0 && args && args[0] && args[1] && args[2] &&
           !args[3] && strcmp(args[1], "hook") == 0 && strcmp(args[2], "mounts-cleanup") == 0;
}

static const char *sget(json_t *o, const char *k)
{
    json_t *v = json_object_get(o, k);
    return json_is_string(v) ? json_string_value(v) : NULL;
}

/* The admission section a vector describes. */
static json_t *vector_admission(json_t *vec)
{
    json_t *a = json_object_get(vec, "admission");
    if (a)
        return json_incref(a);
    json_t *tenant = json_pack("{s:s}", "level", sget(vec, "level"));
    if (sget(vec, "mode"))
        json_object_set_new(tenant, "mode", json_string(sget(vec, "mode")));
    json_t *ov = json_object_get(vec, "overrides");
    if (ov)
        json_object_set(tenant, "overrides", ov);
    json_t *sec = json_pack("{s:s,s:{s:o}}", "defaultTenant", "t", "tenants", "t", tenant);
    json_t *site = json_object_get(vec, "site");
    const char *k;
    json_t *v;
    json_object_foreach(site, k, v) json_object_set(sec, k, v);
    return sec;
}

static json_t *vector_spec(json_t *vec)
{
    const char *b = sget(vec, "base");
    json_t *base = b && strcmp(b, "restricted") == 0 ? g_base_restricted : g_base;
    json_t *patch = json_object_get(vec, "patch");
    json_t *doc = patch ? merge_patch(base, patch) : json_deep_copy(base);
    json_t *mounts = json_object_get(doc, "mounts");
    json_t *set = json_object_get(vec, "set_mount");
    size_t i;
    json_t *m;
    if (set) {
        json_array_foreach(mounts, i, m)
        {
            if (strcmp(sget(m, "destination"), sget(set, "destination")) == 0)
                json_array_set_new(mounts, i, merge_patch(m, set));
        }
    }
    json_t *add = json_object_get(vec, "add_mounts");
    json_array_foreach(add, i, m) json_array_append(mounts, m);
    return doc;
}

/* A starter: {"uid":N, "loginuid":N|null, "groups":[name|gid...]}. */
static rw_identity_t *vector_who(json_t *w, rw_identity_t *id, gid_t *groups)
{
    if (!json_is_object(w))
        return NULL;
    memset(id, 0, sizeof(*id));
    id->uid = id->euid = (uid_t)json_integer_value(json_object_get(w, "uid"));
    id->gid = id->egid = 65534;
    json_t *lu = json_object_get(w, "loginuid");
    id->loginuid = json_is_integer(lu) ? json_integer_value(lu) : RW_ID_UNSET;
    id->sessionid = RW_ID_UNSET;
    json_t *g = json_object_get(w, "groups");
    size_t i;
    json_t *e;
    json_array_foreach(g, i, e)
    {
        if (json_is_integer(e))
            groups[id->n_groups++] = (gid_t)json_integer_value(e);
        else {
            struct group *gr = getgrnam(json_string_value(e));
            assert_non_null(gr);
            groups[id->n_groups++] = gr->gr_gid;
        }
    }
    id->groups = groups;
    return id;
}

static bool any_finding_has(const rw_adm_report_t *rep, const char *needle)
{
    for (size_t i = 0; i < rep->findings.n; i++) {
        cleanup_free char *line = rw_finding_format(&rep->findings.items[i]);
        if (line && strstr(line, needle))
            return true;
    }
    return false;
}

static void dump(const char *name, const rw_adm_report_t *rep)
{
    fprintf(stderr, "vector '%s' findings:\n", name);
    for (size_t i = 0; i < rep->findings.n; i++) {
        cleanup_free char *line = rw_finding_format(&rep->findings.items[i]);
        fprintf(stderr, "  %s %s\n", rw_severity_name(rep->findings.items[i].severity), line);
    }
}

static void run_vector(void **state)
{
    json_t *vec = *state;
    const char *name = sget(vec, "name");
    json_t *expect = json_object_get(vec, "expect");

    cleanup_json json_t *sec = vector_admission(vec);
    cleanup_admission_config rw_admission_config_t *ac = NULL;
    rw_error_t *err = NULL;
    int r = rw_admission_config_parse(sec, "vector", &ac, &err);
    if (r < 0)
        fail_msg("vector '%s': config: %s", name, err ? err->msg : "?");
    assert_non_null(ac);

    rw_spec_t *spec = NULL, *proc = NULL;
    cleanup_json json_t *doc = vector_spec(vec);
    cleanup_free char *text = json_dumps(doc, JSON_COMPACT);
    if (rw_spec_parse(text, strlen(text), "config.json", &spec, &err) < 0)
        fail_msg("vector '%s': spec: %s", name, err ? err->msg : "?");

    rw_identity_t id;
    gid_t groups[16];
    rw_identity_t *who = vector_who(json_object_get(vec, "who"), &id, groups);
    size_t t = 0;
    long rule = -1;
    assert_int_equal(rw_admission_match(ac, who, spec, &t, &rule), 0);
    rw_adm_policy_t p;
    rw_admission_resolve(ac, t, RW_MODE_ENFORCE, &p);

    if (sget(expect, "tenant")) {
        if (strcmp(sget(expect, "tenant"), ac->tenants[t].name) != 0)
            fail_msg("vector '%s': tenant %s, expected %s", name, ac->tenants[t].name,
                     sget(expect, "tenant"));
        assert_int_equal(rule, json_integer_value(json_object_get(expect, "matched")));
        if (sget(expect, "mode"))
            assert_string_equal(rw_mode_name(p.mode), sget(expect, "mode"));
        if (!json_object_get(expect, "verdict")) {
            rw_spec_free(spec);
            return;
        }
    }

    json_t *h = json_object_get(vec, "host");
    rw_adm_host_t host = {
        .selinux_enabled = json_is_true(json_object_get(h, "selinux")),
        .apparmor_enabled = json_is_true(json_object_get(h, "apparmor")),
        .seccomp_supplied = json_is_true(json_object_get(h, "seccomp_supplied")),
        .bundle_path = "/var/lib/bundle",
        .host_ns_dir = "/proc/1/ns",
        .ns_stat = fake_ns_stat,
        .resolve = fake_resolve,
        .audit_only = p.mode == RW_MODE_AUDIT,
        .own_hook = fake_own_hook,
    };
    rw_adm_report_t rep = {0};
    json_t *ex = json_object_get(vec, "exec");
    rw_spec_t *changed = spec;
    if (ex) {
        json_t *pj = json_object_get(ex, "process");
        if (pj) {
            cleanup_free char *pt = json_dumps(pj, JSON_COMPACT);
            if (rw_spec_parse_process(pt, strlen(pt), "process.json", &proc, &err) < 0)
                fail_msg("vector '%s': process: %s", name, err ? err->msg : "?");
            changed = proc;
        }
        json_t *fl = json_object_get(ex, "flags");
        const char *caps[8];
        size_t nc = 0;
        size_t i;
        json_t *c;
        json_array_foreach(json_object_get(fl, "caps"), i, c) caps[nc++] = json_string_value(c);
        rw_adm_exec_flags_t flags = {caps, nc, sget(fl, "user"), sget(fl, "apparmor"),
                                     sget(fl, "label")};
        r = rw_admission_evaluate_exec(&p, proc, proc ? NULL : &flags, &host, &rep, &err);
    } else {
        r = rw_admission_evaluate(&p, spec, &host, &rep, &err);
    }
    if (r < 0)
        fail_msg("vector '%s': evaluate: %s", name, err ? err->msg : "?");

    const rw_finding_t *refuse = rw_findings_first(&rep.findings, RW_SEV_REFUSE);
    const rw_finding_t *warn = rw_findings_first(&rep.findings, RW_SEV_WARN);
    const char *verdict = refuse && p.mode == RW_MODE_ENFORCE ? "refused"
                          : (refuse || warn)                  ? "warned"
                                                              : "allowed";
    const char *want = sget(expect, "verdict");
    if (want && strcmp(want, verdict) != 0) {
        dump(name, &rep);
        fail_msg("vector '%s': verdict %s, expected %s", name, verdict, want);
    }
    const rw_finding_t *first = refuse ? refuse : warn;
    if (sget(expect, "rule")) {
        if (!first || strcmp(first->rule, sget(expect, "rule")) != 0) {
            dump(name, &rep);
            fail_msg("vector '%s': first rule %s, expected %s", name, first ? first->rule : "-",
                     sget(expect, "rule"));
        }
    }
    if (sget(expect, "message")) {
        cleanup_free char *line = first ? rw_finding_format(first) : NULL;
        if (!line || !strstr(line, sget(expect, "message"))) {
            dump(name, &rep);
            fail_msg("vector '%s': message '%s' lacks '%s'", name, line ? line : "-",
                     sget(expect, "message"));
        }
        /* The refusal line stays clear of what podman maps to exit 126/127. */
        assert_null(strstr(line, "not found"));
        assert_null(strstr(line, "ermission denied"));
        assert_null(strstr(line, "o such file"));
    }
    const char *k;
    json_t *v;
    json_object_foreach(json_object_get(vec, "outcome"), k, v)
    {
        rw_adm_rule_t id2;
        assert_int_equal(rw_adm_rule_parse(k, &id2), 0);
        if (strcmp(rw_adm_outcome_name(rep.outcome[id2]), json_string_value(v)) != 0) {
            dump(name, &rep);
            fail_msg("vector '%s': rule %s is %s, expected %s", name, k,
                     rw_adm_outcome_name(rep.outcome[id2]), json_string_value(v));
        }
    }
    size_t i;
    json_array_foreach(json_object_get(vec, "changes"), i, v)
    {
        bool seen = false;
        for (size_t c = 0; c < changed->n_changes; c++)
            seen = seen || strcmp(changed->changes[c].path, json_string_value(v)) == 0;
        if (!seen)
            fail_msg("vector '%s': no change at %s", name, json_string_value(v));
    }
    if (json_is_true(json_object_get(expect, "no_changes")))
        assert_int_equal(changed->n_changes, 0);
    if (sget(vec, "finding") && !any_finding_has(&rep, sget(vec, "finding"))) {
        dump(name, &rep);
        fail_msg("vector '%s': no finding with '%s'", name, sget(vec, "finding"));
    }
    rw_adm_report_clear(&rep);
    rw_spec_free(proc);
    rw_spec_free(spec);
    rw_error_free(err);
}

int main(void)
{
    g_vectors = load_json("vectors.json");
    g_base = load_json("base_spec.json");
    g_base_restricted = load_json("base_restricted.json");
    if (!g_vectors || !g_base || !g_base_restricted)
        return 1;
    size_t n = json_array_size(g_vectors);
    struct CMUnitTest *tests = calloc(n, sizeof(*tests));
    json_t *states[1024];
    if (!tests || n > 1024)
        return 1;
    for (size_t i = 0; i < n; i++) {
        states[i] = json_array_get(g_vectors, i);
        tests[i].name = sget(states[i], "name");
        tests[i].test_func = run_vector;
        tests[i].initial_state = states[i];
    }
    int rc = _cmocka_run_group_tests("admission vectors", tests, n, NULL, NULL);
    free(tests);
    json_decref(g_vectors);
    json_decref(g_base);
    json_decref(g_base_restricted);
    return rc;
}
