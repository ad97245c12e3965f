/* `runwarden profile apparmor|selinux|landlock [--tenant T] [--json]`: what a container of a
 * tenant would get, for a security team to review: the AppArmor profile text (checked by
 * apparmor_parser), the SELinux labels, the Landlock ruleset and what this host enforces.
 * Writes nothing (no cache entry, no MCS reservation). */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../common/cleanup.h"
#include "../common/json.h"
#include "../conf/config.h"
#include "../conf/config_admission.h"
#include "../conf/config_lsm.h"
#include "../profiles/apparmor.h"
#include "../profiles/landlock.h"
#include "../profiles/selinux.h"
#include "commands.h"

typedef struct opts {
    const char *tenant, *contexts, *level;
    char shown[160]; /* "T", or "T (rules of default)" when T has no lsm entry */
    int abi;         /* -1: the host's */
    bool json;
} opts_t;

static void usage(FILE *f)
{
    fprintf(f, "usage: runwarden profile apparmor [--tenant T] [--json]\n"
               "       runwarden profile selinux  [--tenant T] [--contexts FILE] [--level "
               "s0:cA,cB] [--json]\n"
               "       runwarden profile landlock [--tenant T] [--abi N] [--json]\n"
               "Prints what a container of tenant T (default: the default tenant) would get.\n");
}

static void print_json(json_t *o)
{
    char *s = rw_json_dump(o);
    if (s)
        printf("%s\n", s);
    free(s);
}

/* The tenant's level: the lsm section's, else the admission policy's. */
static const char *tenant_level(const rw_config_t *cfg, const rw_lsm_tenant_t *t, const char *name,
                                char *buf, size_t len)
{
    if (t->level)
        return t->level;
    cleanup_admission_config rw_admission_config_t *ac = NULL;
    if (!cfg->admission || rw_admission_config_parse(cfg->admission, cfg->path, &ac, NULL) < 0)
        return NULL;
    long i = rw_admission_config_tenant(ac, name ? name : RW_LSM_TENANT_DEFAULT);
    if (i < 0)
        i = (long)ac->default_tenant;
    if (i < 0 || (size_t)i >= ac->n_tenants)
        return NULL;
    snprintf(buf, len, "%s", rw_adm_level_name(ac->tenants[i].level));
    return buf;
}

static bool allowed(int v, const char *level)
{
    return v >= 0 ? v == 1 : (level && strcmp(level, "privileged") == 0);
}

static int show_apparmor(const rw_lsm_config_t *lc, const rw_lsm_tenant_t *t, const char *level,
                         const opts_t *o)
{
    rw_apparmor_host_t h;
    rw_apparmor_profile_t p = {0};
    rw_error_t *err = NULL;
    int rc = 1;
    int r = rw_apparmor_host_probe(lc, true, &h, &err);
    if (r >= 0 && !h.parser)
        r = rw_error_set(&err, ENOENT, "apparmor_parser is not installed");
    if (r >= 0)
        r = rw_apparmor_generate(lc, t, &h, &p, &err);
    if (r >= 0)
        r = rw_apparmor_cache_ensure(lc, &h, &p, true, &err);
    if (r < 0) {
        fprintf(stderr, "runwarden profile apparmor: %s\n", err ? err->msg : strerror(-r));
        goto out;
    }
    char ver[32];
    snprintf(ver, sizeof(ver), "%d.%d.%d", h.version / 100000, (h.version / 1000) % 100,
             h.version % 1000);
    const char *enforced = h.enabled ? "enforced (loaded at the first container start)"
                                     : "not enforced: AppArmor is not enabled in this kernel";
    if (o->json) {
        json_t *j = json_pack("{s:s,s:s?,s:s,s:s,s:s,s:s,s:b,s:s,s:O,s:s}", "tenant", o->shown,
                              "level", level, "name", p.name, "sha256", p.key, "parser", ver,
                              "check", "accepted by apparmor_parser", "unconfinedAllowed",
                              allowed(t->allow_unconfined, level), "host", enforced,
                              "stricterThanWritten", p.limits, "text", p.text);
        print_json(j);
        json_decref(j);
    } else {
        printf("# runwarden AppArmor profile for tenant %s (level %s)\n", o->shown,
               level ? level : "unknown");
        printf("# name %s, sha256 %s\n", p.name, p.key);
        printf("# accepted by apparmor_parser %s (compiled, not loaded)\n", ver);
        printf("# on this host: %s\n", enforced);
        printf("# apparmorProfile=unconfined: %s\n",
               allowed(t->allow_unconfined, level) ? "allowed" : "refused");
        for (size_t i = 0; i < json_array_size(p.limits); i++)
            printf("# stricter than written: %s\n", json_string_value(json_array_get(p.limits, i)));
        fputs(p.text, stdout);
    }
    rc = 0;
out:
    rw_error_free(err);
    rw_apparmor_profile_clear(&p);
    rw_apparmor_host_clear(&h);
    return rc;
}

static int show_selinux(const rw_lsm_config_t *lc, const rw_lsm_tenant_t *t, const char *level,
                        const opts_t *o)
{
    rw_selinux_contexts_t cx;
    rw_error_t *err = NULL;
    int r = rw_selinux_contexts_load(o->contexts ? o->contexts : lc->selinux.contexts, &cx, &err);
    if (r < 0) {
        fprintf(stderr, "runwarden profile selinux: %s\n", err ? err->msg : strerror(-r));
        rw_error_free(err);
        return 1;
    }
    unsigned a = 0, b = 0;
    if (o->level && rw_selinux_mcs_parse(o->level, &a, &b) < 0) {
        fprintf(stderr, "runwarden profile selinux: --level %s is not s0:cA,cB with A < B\n",
                o->level);
        rw_selinux_contexts_clear(&cx);
        return 2;
    }
    cleanup_free char *proc = NULL, *mount = NULL, *priv = NULL;
    r = rw_selinux_labels(&cx, o->level ? o->level : "s0:cA,cB", &proc, &mount);
    if (r >= 0)
        r = rw_selinux_privileged_mount_label(&cx, &priv);
    if (r < 0) {
        fprintf(stderr, "runwarden profile selinux: %s: bad process or file context\n",
                cx.path ? cx.path : "contexts");
        rw_selinux_contexts_clear(&cx);
        return 1;
    }
    bool host = rw_selinux_host_enabled();
    bool disable = allowed(t->allow_label_disable, level);
    char range[64];
    snprintf(range, sizeof(range), "c%u..c%u", lc->selinux.cat_min, lc->selinux.cat_max);
    if (o->json) {
        json_t *j =
            json_pack("{s:s,s:s?,s:s?,s:s,s:s,s:s,s:s,s:s,s:s,s:s}", "tenant", o->shown, "level",
                      level, "contexts", cx.path, "processLabel", proc, "mountLabel", mount,
                      "mcsRange", range, "mcsStateDir", lc->selinux.mcs_dir, "labelDisable",
                      disable ? "allowed" : "refused", "disabledMountLabel", priv, "host",
                      host ? "enforced" : "not enforced: SELinux is not enabled");
        print_json(j);
        json_decref(j);
    } else {
        printf("tenant:          %s (level %s)\n", o->shown, level ? level : "unknown");
        printf("on this host:    %s\n",
               host ? "enforced" : "not enforced: SELinux is not enabled (no selinuxfs)");
        printf("contexts file:   %s\n", cx.path ? cx.path : "(none: no labels, as podman)");
        printf("process label:   %s\n", *proc ? proc : "(none)");
        printf("mount label:     %s\n", *mount ? mount : "(none)");
        printf("MCS pair:        one per container from %s (never c1022,c1023), reserved "
               "host-wide in %s\n",
               range, lc->selinux.mcs_dir);
        printf("engine labels:   kept when of a container type and on a pair no other container "
               "holds\n");
        printf("label=disable:   %s (mount label then %s)\n", disable ? "allowed" : "refused",
               *priv ? priv : "none");
    }
    rw_selinux_contexts_clear(&cx);
    return 0;
}

static int show_landlock(const rw_lsm_config_t *lc, const rw_lsm_tenant_t *t, const char *level,
                         const opts_t *o)
{
    int abi = o->abi >= 0 ? o->abi : rw_landlock_host_abi();
    rw_landlock_plan_t plan;
    if (rw_landlock_plan(lc, t, abi, &plan) < 0) {
        fprintf(stderr, "runwarden profile landlock: out of memory\n");
        return 1;
    }
    const char *use = lc->landlock.use == RW_LANDLOCK_NEVER    ? "never"
                      : lc->landlock.use == RW_LANDLOCK_ALWAYS ? "always"
                                                               : "fallback (when AppArmor "
                                                                 "does not enforce the rules)";
    cleanup_free char *prefix = NULL;
    size_t pl = 0;
    FILE *f = open_memstream(&prefix, &pl);
    for (char **a = plan.argv; f && a && *a; a++)
        fprintf(f, "%s%s", a == plan.argv ? "" : " ", *a);
    if (f)
        fclose(f);
    if (o->json) {
        json_t *j = json_pack("{s:s,s:s?,s:s,s:b,s:s,s:s,s:s,s:O}", "tenant", o->shown, "level",
                              level, "use", use, "needed", plan.needed, "launcher",
                              lc->landlock.launcher, "destination", lc->landlock.destination,
                              "argsPrefix", prefix ? prefix : "", "ruleset", plan.report);
        print_json(j);
        json_decref(j);
    } else {
        printf("tenant:        %s (level %s)\n", o->shown, level ? level : "unknown");
        printf("landlock ABI:  %d%s\n", plan.abi, plan.abi ? "" : " (no Landlock here)");
        printf("used:          %s\n", use);
        json_t *rules = json_object_get(plan.report, "rules");
        printf("rules:         %s\n", json_array_size(rules) ? "" : "(none: not needed)");
        for (size_t i = 0; i < json_array_size(rules); i++) {
            json_t *ru = json_array_get(rules, i);
            printf("  %-40s %s\n", json_string_value(json_object_get(ru, "path")),
                   json_string_value(json_object_get(ru, "access")));
        }
        json_t *h = json_object_get(plan.report, "handled");
        printf("handled:      ");
        for (size_t i = 0; i < json_array_size(h); i++)
            printf(" %s", json_string_value(json_array_get(h, i)));
        printf("\n");
        json_t *ne = json_object_get(plan.report, "notEnforced");
        printf("not enforced:  %s\n", json_array_size(ne) ? "" : "(nothing)");
        for (size_t i = 0; i < json_array_size(ne); i++)
            printf("  - %s\n", json_string_value(json_array_get(ne, i)));
        printf("launcher:      %s, bind-mounted read-only at %s\n", lc->landlock.launcher,
               lc->landlock.destination);
        if (prefix && *prefix)
            printf("process.args:  %s <the container's args>\n", prefix);
    }
    rw_landlock_plan_clear(&plan);
    return 0;
}

int rw_cmd_profile(int argc, char **argv)
{
    static const struct option lo[] = {
        {"tenant", required_argument, NULL, 't'},
        {"json", no_argument, NULL, 'j'},
        {"contexts", required_argument, NULL, 'c'},
        {"level", required_argument, NULL, 'l'},
        {"abi", required_argument, NULL, 'a'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    opts_t o = {.abi = -1};
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "t:jc:l:a:h", lo, NULL)) != -1) {
        switch (c) {
        case 't':
            o.tenant = optarg;
            break;
        case 'j':
            o.json = true;
            break;
        case 'c':
            o.contexts = optarg;
            break;
        case 'l':
            o.level = optarg;
            break;
        case 'a': {
            char *end = NULL;
            long v = strtol(optarg, &end, 10);
            if (!end || *end || end == optarg || v < 0 || v > 100) {
                fprintf(stderr, "runwarden profile: --abi %s: not a number\n", optarg);
                return 2;
            }
            o.abi = (int)v;
            break;
        }
        case 'h':
            usage(stdout);
            return 0;
        default:
            usage(stderr);
            return 2;
        }
    }
    if (optind != argc - 1) {
        usage(stderr);
        return 2;
    }
    const char *what = argv[optind];
    cleanup_config rw_config_t *cfg = NULL;
    cleanup_lsm_config rw_lsm_config_t *lc = NULL;
    rw_error_t *err = NULL;
    int r = rw_config_load(&cfg, &err);
    if (r >= 0)
        r = rw_lsm_config_parse(cfg->lsm, cfg->path, &lc, &err);
    if (r < 0) {
        fprintf(stderr, "runwarden profile: %s\n", err ? err->msg : "cannot load config");
        rw_error_free(err);
        return 1;
    }
    const rw_lsm_tenant_t *t = rw_lsm_config_tenant(lc, o.tenant);
    const char *asked = o.tenant ? o.tenant : RW_LSM_TENANT_DEFAULT;
    if (strcmp(asked, t->name) == 0)
        snprintf(o.shown, sizeof(o.shown), "%s", asked);
    else
        snprintf(o.shown, sizeof(o.shown), "%.64s (rules of %.64s)", asked, t->name);
    char lbuf[32];
    const char *level = tenant_level(cfg, t, o.tenant, lbuf, sizeof(lbuf));
    if (strcmp(what, "apparmor") == 0)
        return show_apparmor(lc, t, level, &o);
    if (strcmp(what, "selinux") == 0)
        return show_selinux(lc, t, level, &o);
    if (strcmp(what, "landlock") == 0)
        return show_landlock(lc, t, level, &o);
    usage(stderr);
    return 2;
}
