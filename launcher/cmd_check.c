/* `runwarden check --bundle DIR [--json] [--runtime NAME] [--exec-process FILE] [--as USER]`:
 * the whole pipeline, dry: prints the decision, every finding and the diff it would apply,
 * for the caller or for the starter named by --as. */
#include <errno.h>
#include <getopt.h>
#include <grp.h>
#include <pwd.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../common/cleanup.h"
#include "../audit/identity.h"
#include "../common/json.h"
#include "commands.h"
#include "pipeline.h"

static void print_text(const rw_ctx_t *ctx, rw_decision_t d, const char *error)
{
    printf("decision: %s (mode %s)\n", error ? "refused" : rw_decision_name(d),
           rw_mode_name(ctx->mode));
    if (error)
        printf("error: %s\n", error);
    for (size_t i = 0; i < ctx->findings.n; i++) {
        const rw_finding_t *f = &ctx->findings.items[i];
        printf("%-6s %-12s %s: %s=%s; %s\n", rw_severity_name(f->severity), f->stage, f->rule,
               f->field, f->value, f->fix);
    }
    const char *stage, *key;
    json_t *sv, *kv;
    json_object_foreach(ctx->facts, stage, sv)
    {
        json_object_foreach(sv, key, kv)
        {
            char *j = json_dumps(kv, JSON_COMPACT | JSON_ENCODE_ANY | JSON_PRESERVE_ORDER);
            printf("fact   %s.%s = %s\n", stage, key, j ? j : "?");
            free(j);
        }
    }
    const rw_spec_t *s = ctx->spec ? ctx->spec : ctx->process;
    if (s && s->n_changes) {
        printf("diff:\n");
        for (size_t i = 0; i < s->n_changes; i++) {
            const rw_spec_change_t *c = &s->changes[i];
            printf("  %s %s", c->op, c->path);
            if (c->old_value)
                printf(" old=%s", c->old_value);
            if (c->new_value)
                printf(" new=%s", c->new_value);
            printf("  (%s)\n", c->why);
        }
    } else if (s) {
        printf("diff: none\n");
    }
}

static void print_json(const rw_ctx_t *ctx, rw_decision_t d, const char *error)
{
    json_t *o = json_object();
    json_object_set_new(o, "decision", json_string(error ? "refused" : rw_decision_name(d)));
    json_object_set_new(o, "mode", json_string(rw_mode_name(ctx->mode)));
    if (error)
        json_object_set_new(o, "error", json_string(error));
    json_t *fs = json_array();
    for (size_t i = 0; i < ctx->findings.n; i++) {
        const rw_finding_t *f = &ctx->findings.items[i];
        json_array_append_new(fs, json_pack("{s:s,s:s,s:s,s:s,s:s,s:s}", "severity",
                                            rw_severity_name(f->severity), "stage", f->stage,
                                            "rule", f->rule, "field", f->field, "value", f->value,
                                            "fix", f->fix));
    }
    json_object_set_new(o, "findings", fs);
    const rw_spec_t *s = ctx->spec ? ctx->spec : ctx->process;
    json_object_set_new(o, "diff", s ? rw_spec_changes_json(s, SIZE_MAX) : json_array());
    json_object_set(o, "facts", ctx->facts);
    char *out = rw_json_dump(o);
    if (out)
        printf("%s\n", out);
    free(out);
    json_decref(o);
}

/* The starter named by --as (a user name or a uid), as the identity collector would see
 * them after logging in: uid, login uid, primary and supplementary groups. */
static rw_identity_t *synthetic_identity(const char *as)
{
    struct passwd *pw = NULL;
    char *end = NULL;
    errno = 0;
    unsigned long n = strtoul(as, &end, 10);
    bool numeric = *as && !errno && end && !*end && n <= UINT32_MAX && as[0] != '-';
    pw = numeric ? getpwuid((uid_t)n) : getpwnam(as);
    if (!pw && !numeric)
        return NULL;
    rw_identity_t *id = calloc(1, sizeof(*id));
    if (!id)
        return NULL;
    id->uid = id->euid = pw ? pw->pw_uid : (uid_t)n;
    id->gid = id->egid = pw ? pw->pw_gid : (gid_t)n;
    id->loginuid = id->uid;
    id->sessionid = RW_ID_UNSET;
    if (pw) {
        id->login_user = strdup(pw->pw_name);
        int ng = 64;
        id->groups = calloc((size_t)ng, sizeof(gid_t));
        if (id->groups && getgrouplist(pw->pw_name, pw->pw_gid, id->groups, &ng) < 0) {
            gid_t *more = realloc(id->groups, (size_t)ng * sizeof(gid_t));
            if (more) {
                id->groups = more;
                if (getgrouplist(pw->pw_name, pw->pw_gid, id->groups, &ng) < 0)
                    ng = 0;
            }
        }
        id->n_groups = id->groups && ng > 0 ? (size_t)ng : 0;
    }
    return id;
}

int rw_cmd_check(int argc, char **argv)
{
    static const struct option opts[] = {
        {"bundle", required_argument, NULL, 'b'},
        {"json", no_argument, NULL, 'j'},
        {"runtime", required_argument, NULL, 'r'},
        {"process", required_argument, NULL, 'p'},
        {"as", required_argument, NULL, 'a'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    const char *bundle = NULL, *runtime = NULL, *process = NULL, *as = NULL;
    bool json = false;
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "b:jr:p:a:h", opts, NULL)) != -1) {
        switch (c) {
        case 'b':
            bundle = optarg;
            break;
        case 'j':
            json = true;
            break;
        case 'r':
            runtime = optarg;
            break;
        case 'p':
            process = optarg;
            break;
        case 'a':
            as = optarg;
            break;
        case 'h':
            printf(
                "usage: runwarden check --bundle DIR [--json] [--runtime runc|crun] [--as USER]\n"
                "       runwarden check --process FILE [--json] [--as USER]   (an exec "
                "process.json)\n"
                "  --as USER|UID   judge it as if USER had started it (default: the caller)\n");
            return 0;
        default:
            return 2;
        }
    }
    if (!bundle && !process) {
        fprintf(stderr, "runwarden check: --bundle DIR or --process FILE is required\n");
        return 2;
    }
    cleanup_config rw_config_t *cfg = NULL;
    rw_error_t *err = NULL;
    if (rw_config_load(&cfg, &err) < 0) {
        fprintf(stderr, "runwarden check: %s\n", err ? err->msg : "cannot load config");
        rw_error_free(err);
        return 1;
    }
    const char *rt = rw_config_runtime_for(cfg, runtime ? runtime : cfg->default_runtime);
    if (!rt) {
        fprintf(stderr, "runwarden check: runtime '%s' is not in the config\n", runtime);
        return 2;
    }
    /* A synthetic invocation, as an engine would make it. */
    char *fake[8] = {(char *)rt, NULL};
    int n = 1;
    if (process) {
        fake[n++] = "exec";
        fake[n++] = "--process";
        fake[n++] = (char *)process;
        fake[n++] = "check";
    } else {
        fake[n++] = "create";
        fake[n++] = "--bundle";
        fake[n++] = (char *)bundle;
        fake[n++] = "check";
    }
    fake[n] = NULL;
    rw_invocation_t inv;
    if (rw_cli_parse(n, fake, rw_cli_flavor_for(rt), &inv) < 0) {
        fprintf(stderr, "runwarden check: %s\n", inv.error);
        return 2;
    }
    rw_ctx_t ctx;
    if (rw_ctx_init(&ctx, cfg, &inv, rt) < 0)
        return 1;
    ctx.dry_run = true;
    if (as) {
        if (!(ctx.who = synthetic_identity(as))) {
            fprintf(stderr, "runwarden check: --as %s: unknown user\n", as);
            rw_ctx_clear(&ctx);
            return 2;
        }
    } else {
        rw_error_t *ie = NULL;
        (void)rw_identity_collect_short(&ctx.who, &ie);
        rw_error_free(ie);
    }
    int r = rw_pipeline_load(&ctx, &err);
    if (r >= 0)
        r = rw_pipeline_run(&ctx, &err);
    rw_decision_t d = rw_pipeline_decision(&ctx);
    if (r >= 0 && d != RW_DECISION_REFUSED)
        r = rw_pipeline_commit(&ctx, &err);
    const char *emsg = r < 0 ? (err ? err->msg : "failed") : NULL;
    if (json)
        print_json(&ctx, d, emsg);
    else
        print_text(&ctx, d, emsg);
    int rc = (r < 0 || d == RW_DECISION_REFUSED) ? 1 : 0;
    rw_error_free(err);
    rw_ctx_clear(&ctx);
    return rc;
}
