/* The LSM stages through the real pipeline: what a create gets (Landlock launcher, mount,
 * poststop hook, record), what an exec gets from that record, the tenant's level against
 * unconfined / label=disable / custom profiles, lsm.required on a host without AppArmor and
 * SELinux, dry runs that write nothing, and a broken template failing closed. */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "common/json.h"
#include "launcher/hooks.h"
#include "launcher/pipeline.h"
#include "launcher/stage_lsm.h"
#include "profiles/apparmor.h"
#include "profiles/landlock.h"
#include "profiles/lsm_state.h"

static char tmp[160], src[1100], build[1024];

static int setup(void **state)
{
    (void)state;
    const char *d = getenv("RW_TEST_DATA"), *b = getenv("RW_BUILD_DIR");
    snprintf(src, sizeof(src), "%s/../..", d ? d : "tests/data");
    snprintf(build, sizeof(build), "%s", b ? b : ".");
    snprintf(tmp, sizeof(tmp), "/tmp/rw-test-lsmstage.XXXXXX");
    return mkdtemp(tmp) ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    char cmd[1024];
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmp);
    return system(cmd) == 0 ? 0 : -1;
}

static void write_file(const char *path, const char *text, mode_t mode)
{
    FILE *f = fopen(path, "we");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
    chmod(path, mode);
}

/* A config file with an lsm section (extra: more keys for the section, e.g. required). */
static rw_config_t *config(const char *name, const char *extra, const char *tmpl)
{
    char path[1024], text[4096];
    snprintf(path, sizeof(path), "%s/%s.json", tmp, name);
    snprintf(text, sizeof(text),
             "{\"lsm\":{%s%s\"stateDir\":\"%s/state\",\"apparmor\":{\"template\":\"%s\","
             "\"cacheDir\":\"%s/aacache\"},\"selinux\":{\"mcs\":{\"stateDir\":\"%s/mcs\"}},"
             "\"landlock\":{\"launcher\":\"%s/runwarden-landlock\"},\"tenants\":{"
             "\"default\":{\"files\":{\"readOnly\":[\"/etc\"],\"deny\":[\"/srv/secret\"]}},"
             "\"priv\":{\"level\":\"privileged\"},\"nofiles\":{},"
             "\"lax\":{\"allowLabelDisable\":true,\"allowCustomApparmor\":true}}}}",
             extra ? extra : "", extra ? "," : "", tmp, tmpl, tmp, tmp, build);
    write_file(path, text, 0600);
    rw_config_t *c = NULL;
    rw_error_t *err = NULL;
    if (rw_config_load_file(path, true, &c, &err) < 0)
        fail_msg("config: %s", err ? err->msg : "?");
    return c;
}

static char *default_template(void)
{
    char *p = NULL;
    assert_true(asprintf(&p, "%s/profiles/apparmor/containers-default.tmpl", src) > 0);
    return p;
}

/* A bundle whose config.json has `process` merged from proc_json and annotations. */
static void bundle(const char *name, const char *proc_extra, const char *annotations)
{
    char dir[1024], cfg[1200], text[4096];
    snprintf(dir, sizeof(dir), "%s/%s", tmp, name);
    mkdir(dir, 0755);
    snprintf(cfg, sizeof(cfg), "%s/rootfs", dir);
    mkdir(cfg, 0755);
    snprintf(cfg, sizeof(cfg), "%s/config.json", dir);
    snprintf(text, sizeof(text),
             "{\"ociVersion\":\"1.0.2\",\"process\":{\"terminal\":false,\"user\":{\"uid\":0,"
             "\"gid\":0},\"args\":[\"sh\",\"-c\",\"true\"],\"cwd\":\"/\"%s%s},"
             "\"root\":{\"path\":\"rootfs\"},\"mounts\":[{\"destination\":\"/dev\",\"type\":"
             "\"tmpfs\",\"source\":\"tmpfs\"}],\"annotations\":{%s},\"linux\":{}}",
             proc_extra ? "," : "", proc_extra ? proc_extra : "", annotations ? annotations : "");
    write_file(cfg, text, 0644);
}

typedef struct run {
    rw_ctx_t ctx;
    rw_invocation_t inv;
    char *argv[12];
    char store[8][1024];
    int r;
    rw_error_t *err;
} run_t;

static void start(run_t *x, rw_config_t *cfg, bool dry, const char *tenant, const char *cmd,
                  const char *arg, const char *id)
{
    memset(x, 0, sizeof(*x));
    int n = 0;
    x->argv[n++] = "runc";
    x->argv[n++] = "--root";
    snprintf(x->store[0], sizeof(x->store[0]), "%s/runc", tmp);
    x->argv[n++] = x->store[0];
    x->argv[n++] = (char *)cmd;
    if (strcmp(cmd, "create") == 0) {
        x->argv[n++] = "--bundle";
        snprintf(x->store[1], sizeof(x->store[1]), "%s/%s", tmp, arg);
        x->argv[n++] = x->store[1];
        x->argv[n++] = (char *)id;
    } else if (arg) {
        x->argv[n++] = "--process";
        snprintf(x->store[1], sizeof(x->store[1]), "%s/%s", tmp, arg);
        x->argv[n++] = x->store[1];
        x->argv[n++] = (char *)id;
    } else {
        x->argv[n++] = (char *)id;
        x->argv[n++] = "sh";
    }
    x->argv[n] = NULL;
    assert_int_equal(rw_cli_parse(n, x->argv, RW_FLAVOR_RUNC, &x->inv), 0);
    assert_int_equal(rw_ctx_init(&x->ctx, cfg, &x->inv, "/usr/bin/runc"), 0);
    x->ctx.dry_run = dry;
    if (tenant)
        x->ctx.tenant = strdup(tenant);
    x->r = rw_pipeline_load(&x->ctx, &x->err);
    if (x->r < 0)
        fail_msg("load: %s", x->err ? x->err->msg : "?");
    x->r = rw_pipeline_run(&x->ctx, &x->err);
}

static void finish(run_t *x)
{
    rw_error_free(x->err);
    free(x->ctx.tenant);
    x->ctx.tenant = NULL;
    rw_ctx_clear(&x->ctx);
}

static const rw_finding_t *refusal(const run_t *x, const char *rule)
{
    for (size_t i = 0; i < x->ctx.findings.n; i++) {
        const rw_finding_t *f = &x->ctx.findings.items[i];
        if (f->severity == RW_SEV_REFUSE && strcmp(f->rule, rule) == 0)
            return f;
    }
    return NULL;
}

static const char *fact(const run_t *x, const char *lsm, const char *key)
{
    return json_string_value(
        json_object_get(json_object_get(json_object_get(x->ctx.facts, "lsm"), lsm), key));
}

static bool record_exists(const char *root_name, const char *id)
{
    char root[1024], key[65], p[400];
    snprintf(root, sizeof(root), "%s/%s", tmp, root_name);
    rw_lsm_container_key(root, id, key);
    snprintf(p, sizeof(p), "%s/state/containers/%s.json", tmp, key);
    return access(p, F_OK) == 0;
}

static void test_create_exec_poststop(void **state)
{
    (void)state;
    if (rw_landlock_host_abi() <= 0)
        skip();
    char *tmpl = default_template();
    rw_config_t *cfg = config("c1", NULL, tmpl);
    bundle("b1", NULL, NULL);
    run_t x;
    start(&x, cfg, false, NULL, "create", "b1", "ctr1");
    if (x.r < 0)
        fail_msg("run: %s", x.err ? x.err->msg : "?");
    assert_int_equal(rw_pipeline_decision(&x.ctx), RW_DECISION_ALLOWED);
    assert_string_equal(fact(&x, "landlock", "status"), "enforced");
    assert_string_equal(fact(&x, "apparmor", "status"), "not enforced");
    assert_string_equal(fact(&x, "selinux", "status"), "not enforced");
    const char *ak[] = {"process", "args", NULL};
    char *args = rw_json_dump_compact(rw_spec_get(x.ctx.spec, ak));
    assert_non_null(strstr(args, "[\"/dev/.runwarden-landlock\",\"--abi\","));
    assert_non_null(strstr(args, "\"--deny\",\"/srv/secret\",\"--ro\",\"/etc\",\"--\",\"sh\","
                                 "\"-c\",\"true\"]"));
    free(args);
    const char *mk[] = {"mounts", NULL};
    char *mounts = rw_json_dump_compact(rw_spec_get(x.ctx.spec, mk));
    assert_non_null(strstr(mounts, "\"destination\":\"/dev/.runwarden-landlock\",\"type\":"
                                   "\"bind\""));
    free(mounts);
    const char *hk[] = {"hooks", "poststop", NULL};
    char *hooks = rw_json_dump_compact(rw_spec_get(x.ctx.spec, hk));
    assert_non_null(strstr(hooks, "\"hook\",\"lsm-poststop\",\"--root\""));
    assert_non_null(strstr(hooks, "\"--config\""));
    free(hooks);
    /* lsm-commit wrote the record for later execs */
    assert_true(record_exists("runc", "ctr1"));
    assert_int_equal(rw_pipeline_commit(&x.ctx, &x.err), 0);
    finish(&x);

    /* a second create from the written spec: idempotent (no double prefix, mount, hook) */
    start(&x, cfg, true, NULL, "create", "b1", "ctr1");
    assert_true(x.r >= 0);
    char *again = rw_json_dump_compact(rw_spec_get(x.ctx.spec, ak));
    assert_int_equal(strstr(strstr(again, "--abi") + 1, "--abi"), NULL);
    free(again);
    assert_int_equal(json_array_size(rw_spec_get(x.ctx.spec, hk)), 1);
    finish(&x);

    /* the launcher's mount point is reserved: a caller's own file there is refused */
    char fake[1024];
    snprintf(fake, sizeof(fake), "%s/b1f", tmp);
    bundle("b1f", NULL, NULL);
    snprintf(fake, sizeof(fake), "%s/b1f/config.json", tmp);
    write_file(fake,
               "{\"ociVersion\":\"1.0.2\",\"process\":{\"args\":[\"sh\"],\"cwd\":\"/\","
               "\"user\":{\"uid\":0,\"gid\":0}},\"root\":{\"path\":\"rootfs\"},"
               "\"mounts\":[{\"destination\":\"/dev/.runwarden-landlock\",\"type\":\"bind\","
               "\"source\":\"/bin/true\",\"options\":[\"bind\",\"ro\"]}]}",
               0644);
    start(&x, cfg, true, NULL, "create", "b1f", "fake1");
    assert_non_null(refusal(&x, "lsm.landlock-mount"));
    finish(&x);

    /* exec --process: the same launcher prefix in front of the exec's args */
    char pj[1024];
    snprintf(pj, sizeof(pj), "%s/process.json", tmp);
    write_file(pj,
               "{\"terminal\":false,\"user\":{\"uid\":0,\"gid\":0},\"args\":[\"cat\","
               "\"/srv/secret/key\"],\"cwd\":\"/\",\"apparmorProfile\":"
               "\"containers-default-0.50.1\"}",
               0644);
    start(&x, cfg, false, NULL, "exec", "process.json", "ctr1");
    if (x.r < 0)
        fail_msg("exec: %s", x.err ? x.err->msg : "?");
    assert_int_equal(rw_pipeline_decision(&x.ctx), RW_DECISION_ALLOWED);
    const char *pk[] = {"args", NULL};
    char *pargs = rw_json_dump_compact(rw_spec_get(x.ctx.process, pk));
    assert_non_null(strstr(pargs, "[\"/dev/.runwarden-landlock\",\"--abi\","));
    assert_non_null(strstr(pargs, "\"--\",\"cat\",\"/srv/secret/key\"]"));
    free(pargs);
    assert_string_equal(fact(&x, "landlock", "status"), "enforced");
    finish(&x);

    /* an inline exec cannot be wrapped: refused */
    start(&x, cfg, false, NULL, "exec", NULL, "ctr1");
    assert_true(x.r >= 0);
    const rw_finding_t *f = refusal(&x, "lsm.exec-inline");
    assert_non_null(f);
    assert_non_null(strstr(f->fix, "--process"));
    finish(&x);

    /* poststop: the record goes */
    char *hargv[] = {"lsm-poststop", "--root", NULL, "--config", cfg->path, NULL};
    char root[1024];
    snprintf(root, sizeof(root), "%s/runc", tmp);
    hargv[2] = root;
    rw_hook_state_t hs = {.id = "ctr1", .bundle = tmp, .status = "stopped"};
    assert_int_equal(rw_hook_lsm_poststop(5, hargv, &hs), 0);
    assert_false(record_exists("runc", "ctr1"));
    /* and an exec after that finds nothing to apply */
    start(&x, cfg, false, NULL, "exec", "process.json", "ctr1");
    assert_true(x.r >= 0);
    assert_int_equal(rw_spec_get(x.ctx.process, pk) != NULL, 1);
    assert_int_equal(x.ctx.process->n_changes, 0);
    finish(&x);
    rw_config_free(cfg);
    free(tmpl);
}

static void test_levels(void **state)
{
    (void)state;
    char *tmpl = default_template();
    rw_config_t *cfg = config("c2", NULL, tmpl);
    run_t x;

    bundle("b2", "\"apparmorProfile\":\"unconfined\"", NULL);
    start(&x, cfg, true, NULL, "create", "b2", "u1");
    assert_true(x.r >= 0);
    const rw_finding_t *f = refusal(&x, "lsm.apparmor-unconfined");
    assert_non_null(f);
    assert_string_equal(f->field, "process.apparmorProfile");
    assert_non_null(strstr(f->fix, "tenant default"));
    assert_int_equal(rw_pipeline_decision(&x.ctx), RW_DECISION_REFUSED);
    finish(&x);
    start(&x, cfg, true, "priv", "create", "b2", "u1");
    assert_true(x.r >= 0);
    assert_null(refusal(&x, "lsm.apparmor-unconfined"));
    assert_string_equal(fact(&x, "apparmor", "requested"), "unconfined");
    finish(&x);

    bundle("b3", NULL, "\"io.podman.annotations.label\":\"disable\"");
    start(&x, cfg, true, NULL, "create", "b3", "d1");
    assert_non_null(refusal(&x, "lsm.selinux-disable"));
    finish(&x);
    start(&x, cfg, true, "lax", "create", "b3", "d1");
    assert_null(refusal(&x, "lsm.selinux-disable"));
    finish(&x);
    /* go-selinux's disable without the annotation: no process label, the c1022,c1023 mount */
    bundle("b3b", NULL, NULL);
    char p[1024];
    snprintf(p, sizeof(p), "%s/b3b/config.json", tmp);
    write_file(p,
               "{\"ociVersion\":\"1.0.2\",\"process\":{\"args\":[\"sh\"],\"cwd\":\"/\","
               "\"user\":{\"uid\":0,\"gid\":0}},\"root\":{\"path\":\"rootfs\"},\"linux\":{"
               "\"mountLabel\":\"system_u:object_r:container_file_t:s0:c1022,c1023\"}}",
               0644);
    start(&x, cfg, true, NULL, "create", "b3b", "d2");
    assert_non_null(refusal(&x, "lsm.selinux-disable"));
    finish(&x);

    bundle("b4", "\"apparmorProfile\":\"my-own\"", NULL);
    start(&x, cfg, true, NULL, "create", "b4", "a1");
    assert_non_null(refusal(&x, "lsm.apparmor-custom"));
    finish(&x);
    start(&x, cfg, true, "lax", "create", "b4", "a1");
    assert_null(refusal(&x, "lsm.apparmor-custom"));
    finish(&x);
    /* the engine's own default is replaced, never refused */
    bundle("b5", "\"apparmorProfile\":\"containers-default-0.50.1\"", NULL);
    start(&x, cfg, true, NULL, "create", "b5", "a2");
    assert_int_equal(rw_pipeline_decision(&x.ctx), RW_DECISION_ALLOWED);
    assert_non_null(fact(&x, "apparmor", "profile"));
    finish(&x);
    rw_config_free(cfg);
    free(tmpl);
}

static void test_required(void **state)
{
    (void)state;
    char *tmpl = default_template();
    bundle("b6", NULL, NULL);
    run_t x;
    rw_config_t *cfg = config("c3", "\"required\":[\"apparmor\"]", tmpl);
    if (!rw_apparmor_kernel_enabled()) {
        start(&x, cfg, true, NULL, "create", "b6", "r1");
        const rw_finding_t *f = refusal(&x, "lsm.required");
        assert_non_null(f);
        assert_string_equal(f->value, "apparmor");
        finish(&x);
    }
    rw_config_free(cfg);
    cfg = config("c4", "\"required\":true", tmpl);
    bool confined_here = rw_apparmor_kernel_enabled() || rw_landlock_host_abi() > 0;
    start(&x, cfg, true, NULL, "create", "b6", "r2");
    assert_true((refusal(&x, "lsm.required") == NULL) == confined_here);
    finish(&x);
    if (!rw_apparmor_kernel_enabled()) {
        /* no file rules, no AppArmor, no SELinux: nothing confines the container */
        start(&x, cfg, true, "nofiles", "create", "b6", "r3");
        assert_non_null(refusal(&x, "lsm.required"));
        finish(&x);
    }
    rw_config_free(cfg);
    free(tmpl);
}

static void test_dry_run_and_failures(void **state)
{
    (void)state;
    char *tmpl = default_template();
    char dry_tmp[sizeof(tmp)];
    snprintf(dry_tmp, sizeof(dry_tmp), "%.140s/dry", tmp);
    mkdir(dry_tmp, 0700);
    char saved[sizeof(tmp)];
    memcpy(saved, tmp, sizeof(saved));
    memcpy(tmp, dry_tmp, sizeof(tmp));
    rw_config_t *cfg = config("c5", NULL, tmpl);
    bundle("b7", NULL, NULL);
    run_t x;
    start(&x, cfg, true, NULL, "create", "b7", "dry1");
    assert_true(x.r >= 0);
    finish(&x);
    char p[1024];
    snprintf(p, sizeof(p), "%s/state", tmp);
    assert_int_equal(access(p, F_OK), -1);
    snprintf(p, sizeof(p), "%s/aacache", tmp);
    assert_int_equal(access(p, F_OK), -1);
    snprintf(p, sizeof(p), "%s/mcs", tmp);
    assert_int_equal(access(p, F_OK), -1);
    rw_config_free(cfg);

    /* a template that does not render: where the kernel enforces AppArmor the stage cannot
     * decide and the start is refused; elsewhere a warning, and lsm.required decides */
    char bad[1200];
    snprintf(bad, sizeof(bad), "%s/tests/data/lsm/broken_directive.tmpl", src);
    cfg = config("c6", NULL, bad);
    start(&x, cfg, true, NULL, "create", "b7", "bad1");
    if (rw_apparmor_kernel_enabled()) {
        assert_true(x.r < 0);
        assert_non_null(strstr(x.err->msg, "broken_directive.tmpl:3"));
    } else {
        assert_true(x.r >= 0);
        assert_true(x.ctx.findings.n > 0);
        const rw_finding_t *w = &x.ctx.findings.items[0];
        bool found = false;
        for (size_t i = 0; i < x.ctx.findings.n; i++) {
            w = &x.ctx.findings.items[i];
            if (strcmp(w->rule, "lsm.apparmor-profile") == 0) {
                found = true;
                break;
            }
        }
        assert_true(found);
        assert_int_equal(w->severity, RW_SEV_WARN);
        assert_non_null(strstr(w->fix, "broken_directive.tmpl:3"));
        assert_string_equal(fact(&x, "apparmor", "status"), "not enforced");
    }
    finish(&x);
    rw_config_free(cfg);
    cfg = config("c7", "\"required\":[\"apparmor\"]", bad);
    start(&x, cfg, true, NULL, "create", "b7", "bad2");
    assert_true(x.r < 0 || refusal(&x, "lsm.required") != NULL);
    finish(&x);
    rw_config_free(cfg);

    /* without an lsm section the stages stay out of the way */
    rw_config_t *plain = NULL;
    assert_int_equal(rw_config_parse("{}", 2, "plain", &plain, NULL), 0);
    start(&x, plain, true, NULL, "create", "b7", "plain1");
    assert_true(x.r >= 0);
    assert_null(json_object_get(x.ctx.facts, "lsm"));
    assert_int_equal(x.ctx.spec->n_changes, 0);
    finish(&x);
    rw_config_free(plain);
    memcpy(tmp, saved, sizeof(saved));
    free(tmpl);
}

static json_t *spec_at(const rw_spec_t *s, const char *a, const char *b)
{
    const char *k[] = {a, b, NULL};
    return rw_spec_get(s, k);
}

/* The SELinux step where the host enforces SELinux (driven through its seam). */
static void test_selinux_enabled(void **state)
{
    (void)state;
    char *tmpl = default_template();
    char extra[1400];
    snprintf(extra, sizeof(extra),
             "\"selinux\":{\"contexts\":\"%s/tests/data/lsm/container_contexts\","
             "\"mcs\":{\"stateDir\":\"%s/mcs-se\"}}",
             src, tmp);
    /* config() adds its own selinux key: build this one by hand */
    char path[1024], text[8192];
    snprintf(path, sizeof(path), "%s/se.json", tmp);
    snprintf(text, sizeof(text),
             "{\"lsm\":{\"stateDir\":\"%s/state\",\"apparmor\":{\"enabled\":false},%s,"
             "\"tenants\":{\"lax\":{\"allowLabelDisable\":true}}}}",
             tmp, extra);
    write_file(path, text, 0600);
    rw_config_t *cfg = NULL;
    assert_int_equal(rw_config_load_file(path, true, &cfg, NULL), 0);
    char sd[1024];
    snprintf(sd, sizeof(sd), "%s/runc", tmp);
    mkdir(sd, 0700);

    /* no label from the engine: runwarden's, as podman would choose it */
    bundle("s1", NULL, NULL);
    run_t x;
    start(&x, cfg, false, NULL, "create", "s1", "se1");
    assert_true(x.r >= 0);
    rw_lsm_run_t run;
    rw_error_t *err = NULL;
    assert_int_equal(rw_lsm_run_init(&run, &x.ctx, &err), 0);
    if (rw_lsm_step_selinux_host(&run, true, &err) < 0)
        fail_msg("selinux: %s", err ? err->msg : "?");
    const char *pl = json_string_value(spec_at(x.ctx.spec, "process", "selinuxLabel"));
    const char *ml = json_string_value(spec_at(x.ctx.spec, "linux", "mountLabel"));
    assert_non_null(pl);
    assert_non_null(ml);
    static const char pp[] = "system_u:system_r:container_t:s0:c",
                      mp[] = "system_u:object_r:container_file_t:s0:c";
    assert_int_equal(strncmp(pl, pp, sizeof(pp) - 1), 0);
    assert_int_equal(strncmp(ml, mp, sizeof(mp) - 1), 0);
    assert_string_equal(strrchr(pl, ':'), strrchr(ml, ':'));
    const char *lvl =
        json_string_value(json_object_get(json_object_get(run.record, "selinux"), "level"));
    assert_non_null(lvl);
    assert_non_null(strstr(pl, lvl));
    assert_true(run.selinux_enforced);
    rw_lsm_run_clear(&run);
    finish(&x);

    /* the engine's label is kept when unique; a second container on the same pair is not */
    bundle("s2", "\"selinuxLabel\":\"system_u:system_r:container_t:s0:c5,c6\"", NULL);
    start(&x, cfg, false, NULL, "create", "s2", "se2");
    assert_int_equal(rw_lsm_run_init(&run, &x.ctx, &err), 0);
    assert_int_equal(rw_lsm_step_selinux_host(&run, true, &err), 0);
    assert_null(refusal(&x, "lsm.selinux-mcs-in-use"));
    assert_string_equal(fact(&x, "selinux", "source"), "engine");
    assert_int_equal(x.ctx.spec->n_changes, 0);
    rw_lsm_run_clear(&run);
    finish(&x);
    start(&x, cfg, false, NULL, "create", "s2", "se3");
    assert_int_equal(rw_lsm_run_init(&run, &x.ctx, &err), 0);
    assert_int_equal(rw_lsm_step_selinux_host(&run, true, &err), 0);
    const rw_finding_t *f = refusal(&x, "lsm.selinux-mcs-in-use");
    assert_non_null(f);
    assert_non_null(strstr(f->fix, "se2"));
    rw_lsm_run_clear(&run);
    finish(&x);

    /* not a container type, or no private pair: refused */
    bundle("s3", "\"selinuxLabel\":\"system_u:system_r:spc_t:s0\"", NULL);
    start(&x, cfg, false, NULL, "create", "s3", "se4");
    assert_int_equal(rw_lsm_run_init(&run, &x.ctx, &err), 0);
    assert_int_equal(rw_lsm_step_selinux_host(&run, true, &err), 0);
    assert_non_null(refusal(&x, "lsm.selinux-type"));
    rw_lsm_run_clear(&run);
    finish(&x);
    bundle("s4", "\"selinuxLabel\":\"system_u:system_r:container_init_t:s0\"", NULL);
    start(&x, cfg, false, NULL, "create", "s4", "se5");
    assert_int_equal(rw_lsm_run_init(&run, &x.ctx, &err), 0);
    assert_int_equal(rw_lsm_step_selinux_host(&run, true, &err), 0);
    assert_non_null(refusal(&x, "lsm.selinux-level"));
    rw_lsm_run_clear(&run);
    finish(&x);
    rw_error_free(err);
    rw_config_free(cfg);
    free(tmpl);
}

/* An exec follows the container's record: its AppArmor profile and MCS level. */
static void test_exec_record(void **state)
{
    (void)state;
    char *tmpl = default_template();
    rw_config_t *cfg = config("c8", NULL, tmpl);
    char root[1024], key[65], sd[1024];
    snprintf(root, sizeof(root), "%s/runc", tmp);
    rw_lsm_container_key(root, "ex1", key);
    snprintf(sd, sizeof(sd), "%s/state", tmp);
    json_t *rec =
        json_pack("{s:s,s:{s:s,s:b},s:{s:s}}", "tenant", "default", "apparmor", "profile",
                  "runwarden-default-0123456789ab", "kernel", 1, "selinux", "level", "s0:c1,c2");
    assert_int_equal(rw_lsm_record_write(sd, key, rec, NULL), 0);
    json_decref(rec);
    char pj[1024];
    snprintf(pj, sizeof(pj), "%s/p.json", tmp);
    run_t x;

    write_file(pj,
               "{\"args\":[\"sh\"],\"cwd\":\"/\",\"user\":{\"uid\":0,\"gid\":0},"
               "\"apparmorProfile\":\"containers-default-0.50.1\"}",
               0644);
    start(&x, cfg, false, NULL, "exec", "p.json", "ex1");
    assert_true(x.r >= 0);
    const char *ak[] = {"apparmorProfile", NULL};
    assert_string_equal(json_string_value(rw_spec_get(x.ctx.process, ak)),
                        "runwarden-default-0123456789ab");
    assert_int_equal(rw_pipeline_decision(&x.ctx), RW_DECISION_ALLOWED);
    finish(&x);

    write_file(pj,
               "{\"args\":[\"sh\"],\"cwd\":\"/\",\"user\":{\"uid\":0,\"gid\":0},"
               "\"apparmorProfile\":\"unconfined\"}",
               0644);
    start(&x, cfg, false, NULL, "exec", "p.json", "ex1");
    assert_non_null(refusal(&x, "lsm.exec-apparmor-unconfined"));
    finish(&x);

    write_file(pj,
               "{\"args\":[\"sh\"],\"cwd\":\"/\",\"user\":{\"uid\":0,\"gid\":0},"
               "\"selinuxLabel\":\"system_u:system_r:container_t:s0:c3,c4\"}",
               0644);
    start(&x, cfg, false, NULL, "exec", "p.json", "ex1");
    assert_non_null(refusal(&x, "lsm.exec-selinux"));
    finish(&x);
    write_file(pj,
               "{\"args\":[\"sh\"],\"cwd\":\"/\",\"user\":{\"uid\":0,\"gid\":0},"
               "\"selinuxLabel\":\"system_u:system_r:container_t:s0:c1,c2\"}",
               0644);
    start(&x, cfg, false, NULL, "exec", "p.json", "ex1");
    assert_null(refusal(&x, "lsm.exec-selinux"));
    finish(&x);
    rw_config_free(cfg);
    free(tmpl);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_create_exec_poststop),
        cmocka_unit_test(test_levels),
        cmocka_unit_test(test_required),
        cmocka_unit_test(test_dry_run_and_failures),
        cmocka_unit_test(test_selinux_enabled),
        cmocka_unit_test(test_exec_record),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
