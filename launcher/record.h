/* Audit hand-off from the launcher: every decision and every lifecycle call is recorded
 * before the runtime runs. Implemented on top of audit/. */
#pragma once

#include "../conf/config.h"
#include "cli.h"
#include "pipeline.h"

/* Full record for create/run/restore/exec (allowed, warned or refused). Returns < 0 when
 * the record could not be made durable and the site requires it. */
int rw_record_decision(rw_ctx_t *ctx, rw_decision_t d, rw_error_t **err);
/* A refusal caused by an error before any decision (bad bundle, unreadable policy). */
void rw_record_failure(rw_ctx_t *ctx, const char *why);
/* Short record for start/kill/delete/pause/resume/update; nothing for read-only calls. */
int rw_record_lifecycle(const rw_config_t *cfg, const rw_invocation_t *inv,
                        const char *runtime, rw_error_t **err);
