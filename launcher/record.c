/* Audit hand-off. Until the sealed audit log lands (issue 3) nothing is recorded here;
 * the functions keep the launcher's call sites in place. */
#include "record.h"

int rw_record_decision(rw_ctx_t *ctx, rw_decision_t d, rw_error_t **err)
{
    (void)ctx;
    (void)d;
    (void)err;
    return 0;
}

void rw_record_failure(rw_ctx_t *ctx, const char *why)
{
    (void)ctx;
    (void)why;
}

int rw_record_lifecycle(const rw_config_t *cfg, const rw_invocation_t *inv, const char *runtime,
                        rw_error_t **err)
{
    (void)cfg;
    (void)inv;
    (void)runtime;
    (void)err;
    return 0;
}
