/* Findings and verdicts: what each pipeline stage concluded about a container, in a form
 * the launcher can print as one line and the audit trail can record. */
#pragma once

#include <stdbool.h>
#include <stddef.h>

typedef enum rw_mode {
    RW_MODE_ENFORCE = 0, /* refusals stop the container */
    RW_MODE_WARN,        /* refusals become warnings on stderr, container starts */
    RW_MODE_AUDIT,       /* refusals are only recorded */
} rw_mode_t;

typedef enum rw_severity {
    RW_SEV_INFO = 0,
    RW_SEV_WARN,
    RW_SEV_REFUSE,
} rw_severity_t;

typedef struct rw_finding {
    rw_severity_t severity;
    char *stage; /* which stage produced it */
    char *rule;  /* stable rule name, e.g. "bundle.root-path" */
    char *field; /* JSON path or flag, e.g. "root.path" */
    char *value; /* offending value, already sanitised for a single line */
    char *fix;   /* how to fix it */
} rw_finding_t;

typedef struct rw_findings {
    rw_finding_t *items;
    size_t n, cap;
} rw_findings_t;

int rw_findings_add(rw_findings_t *f, rw_severity_t sev, const char *stage, const char *rule,
                    const char *field, const char *value, const char *fix);
void rw_findings_free(rw_findings_t *f);
/* First finding of the given severity, or NULL. */
const rw_finding_t *rw_findings_first(const rw_findings_t *f, rw_severity_t sev);
/* "rule 'R' refused FIELD=VALUE: FIX" style line (caller frees). */
char *rw_finding_format(const rw_finding_t *fi);

const char *rw_mode_name(rw_mode_t m);
int rw_mode_parse(const char *s, rw_mode_t *out);
const char *rw_severity_name(rw_severity_t s);
