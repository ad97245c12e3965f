/* Mutations a tenant's policy asks for instead of refusing: set noNewPrivileges, drop
 * capabilities beyond the level, add the masked and read-only paths, clamp rlimits, set
 * memory and pids limits. Each goes through the spec's recorded mutators, so the audit
 * record and `runwarden check` list it. In audit mode they are reported, not applied. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../common/cleanup.h"
#include "admission_internal.h"

typedef struct mut_ctx {
    const rw_adm_policy_t *p;
    rw_spec_t *s;
    const rw_adm_host_t *h;
    rw_adm_report_t *rep;
    char why[160];
} mut_ctx_t;

/* keys relative to the process object: a process.json is the process object itself. */
static void proc_keys(const rw_spec_t *s, const char **keys, const char *k1, const char *k2)
{
    size_t n = 0;
    if (!s->is_process_only)
        keys[n++] = "process";
    keys[n++] = k1;
    if (k2)
        keys[n++] = k2;
    keys[n] = NULL;
}

static int apply_set(mut_ctx_t *m, rw_adm_rule_t rule, const char *const *keys, json_t *value,
                     const char *field, const char *value_text, const char *what)
{
    if (!value)
        return -ENOMEM;
    char msg[256];
    if (m->h->audit_only) {
        json_decref(value);
        snprintf(msg, sizeof(msg), "audit mode: would %s", what);
        return rw_adm_mutated(m->rep, rule, field, value_text, msg);
    }
    int r = rw_spec_set(m->s, keys, value, m->why);
    if (r < 0)
        return r;
    return rw_adm_mutated(m->rep, rule, field, value_text, what);
}

static int mut_nnp(mut_ctx_t *m)
{
    if (!m->p->mut_nnp || m->s->process.no_new_privileges)
        return 0;
    const char *keys[4];
    proc_keys(m->s, keys, "noNewPrivileges", NULL);
    return apply_set(m, m->s->is_process_only ? RW_ADM_R_EXEC_NNP : RW_ADM_R_NNP, keys, json_true(),
                     "process.noNewPrivileges", "false", "set it to true");
}

static int mut_caps(mut_ctx_t *m)
{
    if (!m->p->mut_drop_caps)
        return 0;
    const char *unknown = NULL;
    uint64_t bits = rw_adm_caps_of(&m->s->process.caps, &unknown);
    uint64_t extra = bits & ~m->p->allowed_caps;
    if (!extra && !unknown)
        return 0;
    cleanup_free char *names = rw_adm_caps_format(extra);
    rw_adm_rule_t rule = m->s->is_process_only ? RW_ADM_R_EXEC_CAPS : RW_ADM_R_CAPS;
    static const char *const set_keys[] = {"bounding", "effective", "inheritable", "permitted",
                                           "ambient"};
    /* Build every new set before the first change: each change rebuilds the view. */
    const rw_spec_caps_t *c = &m->s->process.caps;
    char **const cur[] = {c->bounding, c->effective, c->inheritable, c->permitted, c->ambient};
    int r = 0;
    json_t *arrays[5] = {NULL};
    for (size_t i = 0; i < 5; i++) {
        if (!cur[i])
            continue;
        arrays[i] = json_array();
        if (!arrays[i]) {
            r = -ENOMEM;
            break;
        }
        for (char **n = cur[i]; *n; n++) {
            int b = rw_adm_cap_number(*n);
            if (b >= 0 && (m->p->allowed_caps & (UINT64_C(1) << b)))
                json_array_append_new(arrays[i], json_string(*n));
        }
    }
    char what[300];
    snprintf(what, sizeof(what), "dropped %s%s%s", names ? names : "",
             unknown ? (extra ? " and " : "") : "", unknown ? "unknown names" : "");
    for (size_t i = 0; i < 5; i++) {
        if (!arrays[i])
            continue;
        if (r < 0) {
            json_decref(arrays[i]);
            continue;
        }
        const char *keys[5];
        proc_keys(m->s, keys, "capabilities", set_keys[i]);
        if (m->h->audit_only) {
            json_decref(arrays[i]);
            continue;
        }
        r = rw_spec_set(m->s, keys, arrays[i], m->why);
    }
    if (r < 0)
        return r;
    char msg[340];
    snprintf(msg, sizeof(msg), "%s%s", m->h->audit_only ? "audit mode: would have " : "", what);
    return rw_adm_mutated(m->rep, rule, "process.capabilities", names ? names : "?", msg);
}

static bool strv_has(char **v, const char *s)
{
    for (; v && *v; v++)
        if (strcmp(*v, s) == 0)
            return true;
    return false;
}

static int mut_paths(mut_ctx_t *m, bool enabled, const char *const *required, const char *key,
                     rw_adm_rule_t rule)
{
    if (!enabled)
        return 0;
    for (const char *const *req = required; *req; req++) {
        char **have = strcmp(key, "maskedPaths") == 0 ? m->s->masked_paths : m->s->readonly_paths;
        if (strv_has(have, *req))
            continue;
        char field[64];
        snprintf(field, sizeof(field), "linux.%s", key);
        if (m->h->audit_only) {
            int r = rw_adm_mutated(m->rep, rule, field, *req, "audit mode: would add it");
            if (r < 0)
                return r;
            continue;
        }
        const char *keys[] = {"linux", key, NULL};
        int r = rw_spec_append(m->s, keys, json_string(*req), m->why);
        if (r < 0 || (r = rw_adm_mutated(m->rep, rule, field, *req, "added")) < 0)
            return r;
    }
    return 0;
}

static int mut_rlimits(mut_ctx_t *m)
{
    if (!m->p->mut_clamp_rlimits || m->s->is_process_only)
        return 0;
    const rw_spec_process_t *pr = &m->s->process;
    bool change = false;
    for (size_t i = 0; i < pr->n_rlimits; i++) {
        uint64_t max;
        if (rw_adm_rlimit_max(m->p, pr->rlimits[i].type, &max) &&
            (pr->rlimits[i].hard > max || pr->rlimits[i].soft > max))
            change = true;
    }
    if (!change)
        return 0;
    json_t *arr = json_array();
    char desc[200] = "";
    size_t o = 0;
    for (size_t i = 0; arr && i < pr->n_rlimits; i++) {
        const rw_spec_rlimit_t *rl = &pr->rlimits[i];
        uint64_t max, hard = rl->hard, soft = rl->soft;
        if (rw_adm_rlimit_max(m->p, rl->type, &max) && (hard > max || soft > max)) {
            hard = hard > max ? max : hard;
            soft = soft > max ? max : soft;
            int n =
                snprintf(desc + o, sizeof(desc) - o, "%s%s=%" PRIu64, o ? "," : "", rl->type, max);
            if (n > 0 && (size_t)n < sizeof(desc) - o)
                o += (size_t)n;
        }
        json_array_append_new(arr, json_pack("{s:s,s:I,s:I}", "type", rl->type, "hard",
                                             (json_int_t)hard, "soft", (json_int_t)soft));
    }
    const char *keys[] = {"process", "rlimits", NULL};
    return apply_set(m, RW_ADM_R_RLIMITS, keys, arr, "process.rlimits", desc,
                     "clamped to the "
                     "site maximum");
}

static int mut_limit(mut_ctx_t *m, rw_adm_rule_t rule, const char *group, int64_t want, int64_t max,
                     bool has, int64_t cur)
{
    if (m->s->is_process_only)
        return 0;
    int64_t set = -1;
    if (want >= 0 && (!has || cur <= 0))
        set = max >= 0 && want > max ? max : want;
    else if (want >= 0 && max >= 0 && has && cur > max)
        set = max;
    if (set < 0)
        return 0;
    char field[64], v[64], what[96];
    snprintf(field, sizeof(field), "linux.resources.%s.limit", group);
    if (has)
        snprintf(v, sizeof(v), "%" PRId64, cur);
    else
        snprintf(v, sizeof(v), "absent");
    snprintf(what, sizeof(what), "set to %" PRId64, set);
    const char *keys[] = {"linux", "resources", group, "limit", NULL};
    return apply_set(m, rule, keys, json_integer(set), field, v, what);
}

int rw_adm_mutate(const rw_adm_policy_t *p, rw_spec_t *s, const rw_adm_host_t *h,
                  rw_adm_report_t *rep)
{
    mut_ctx_t m = {.p = p, .s = s, .h = h, .rep = rep};
    snprintf(m.why, sizeof(m.why), "admission: tenant %s (%s)", p->tenant->name,
             rw_adm_level_name(p->level));
    int r;
    if ((r = mut_nnp(&m)) < 0 || (r = mut_caps(&m)) < 0)
        return r;
    if (s->is_process_only)
        return 0;
    if ((r = mut_paths(&m, p->mut_mask_paths, rw_adm_required_masked, "maskedPaths",
                       RW_ADM_R_PROC_UNMASKED)) < 0 ||
        (r = mut_paths(&m, p->mut_readonly_paths, rw_adm_required_readonly, "readonlyPaths",
                       RW_ADM_R_PROC_WRITABLE)) < 0 ||
        (r = mut_rlimits(&m)) < 0 ||
        (r = mut_limit(&m, RW_ADM_R_MEMORY, "memory", p->mut_memory, p->max_memory,
                       s->has_memory_limit, s->memory_limit)) < 0 ||
        (r = mut_limit(&m, RW_ADM_R_PIDS, "pids", p->mut_pids, p->max_pids, s->has_pids_limit,
                       s->pids_limit)) < 0)
        return r;
    return 0;
}
