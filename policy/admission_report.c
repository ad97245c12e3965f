/* Bookkeeping of rule outcomes and findings for one admission decision. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "admission_internal.h"

const char *rw_adm_outcome_name(rw_adm_outcome_t o)
{
    switch (o) {
    case RW_ADM_OUT_OFF:
        return "off";
    case RW_ADM_OUT_PASS:
        return "pass";
    case RW_ADM_OUT_MUTATED:
        return "mutated";
    case RW_ADM_OUT_WARN:
        return "warn";
    case RW_ADM_OUT_REFUSE:
        return "refuse";
    default:
        return "?";
    }
}

static void raise_outcome(rw_adm_report_t *rep, rw_adm_rule_t r, rw_adm_outcome_t o)
{
    if (o > rep->outcome[r])
        rep->outcome[r] = o;
}

void rw_adm_pass(const rw_adm_policy_t *p, rw_adm_report_t *rep, rw_adm_rule_t r)
{
    if (rw_adm_active(p, r))
        raise_outcome(rep, r, RW_ADM_OUT_PASS);
}

static int add(rw_adm_report_t *rep, rw_severity_t sev, rw_adm_rule_t r, const char *field,
               const char *value, const char *fix)
{
    char rule[96];
    snprintf(rule, sizeof(rule), "%s.%s", RW_ADM_STAGE, rw_adm_rule_names[r]);
    return rw_findings_add(&rep->findings, sev, RW_ADM_STAGE, rule, field, value, fix);
}

int rw_adm_fail(const rw_adm_policy_t *p, rw_adm_report_t *rep, rw_adm_rule_t r, const char *field,
                const char *value, const char *fix)
{
    if (!rw_adm_active(p, r))
        return 0;
    bool refuse = p->action[r] == RW_ADM_REFUSE;
    raise_outcome(rep, r, refuse ? RW_ADM_OUT_REFUSE : RW_ADM_OUT_WARN);
    char fixbuf[512];
    snprintf(fixbuf, sizeof(fixbuf), "%s (tenant %s, level %s)", fix,
             p->tenant ? p->tenant->name : "?", rw_adm_level_name(p->level));
    return add(rep, refuse ? RW_SEV_REFUSE : RW_SEV_WARN, r, field, value, fixbuf);
}

int rw_adm_mutated(rw_adm_report_t *rep, rw_adm_rule_t r, const char *field, const char *value,
                   const char *what)
{
    raise_outcome(rep, r, RW_ADM_OUT_MUTATED);
    rep->n_mutations++;
    return add(rep, RW_SEV_INFO, r, field, value, what);
}

void rw_adm_report_clear(rw_adm_report_t *r)
{
    rw_findings_free(&r->findings);
    memset(r, 0, sizeof(*r));
}
