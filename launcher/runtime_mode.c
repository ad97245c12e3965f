/* Runtime mode: runwarden called as runc/crun by an engine. Decide, record, then execve the
 * real runtime in place. Never reads stdin, never writes stdout. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../audit/identity.h"
#include "../common/cleanup.h"
#include "commands.h"
#include "exec_runtime.h"
#include "identity_job.h"
#include "pipeline.h"
#include "record.h"
#include "report.h"
#include "timing.h"

static void report_findings(const rw_ctx_t *ctx, rw_decision_t d)
{
    if (ctx->mode == RW_MODE_AUDIT && d != RW_DECISION_REFUSED)
        return;
    for (size_t i = 0; i < ctx->findings.n; i++) {
        const rw_finding_t *f = &ctx->findings.items[i];
        if (f->severity == RW_SEV_INFO)
            continue;
        if (d == RW_DECISION_REFUSED && f->severity != RW_SEV_REFUSE)
            continue;
        cleanup_free char *line = rw_finding_format(f);
        if (!line)
            continue;
        if (d == RW_DECISION_REFUSED) {
            rw_report_refusal(ctx->inv, line);
            return; /* one line: the first refusing rule */
        }
        rw_report_warning(ctx->inv, line);
    }
}

static int police(rw_ctx_t *ctx, rw_identity_job_t *job)
{
    rw_error_t *err = NULL;
    int r = rw_pipeline_load(ctx, &err);
    rw_timing_mark("load");
    if (!ctx->who)
        ctx->who = rw_identity_job_take(job);
    rw_timing_mark("identity (thread)");
    if (r >= 0 && !ctx->who) {
        /* who is starting it, for the audit record and the admission policy */
        rw_error_t *ie = NULL;
        (void)rw_identity_collect(&ctx->who, &ie);
        rw_error_free(ie);
        rw_timing_mark("identity");
    }
    if (r >= 0)
        r = rw_pipeline_run(ctx, &err);
    if (r < 0) {
        rw_report_refusal(ctx->inv, err ? err->msg : "cannot evaluate the container");
        rw_record_failure(ctx, err ? err->msg : "cannot evaluate the container");
        rw_error_free(err);
        return 1;
    }
    rw_decision_t d = rw_pipeline_decision(ctx);
    report_findings(ctx, d);
    if (d != RW_DECISION_REFUSED && (r = rw_pipeline_commit(ctx, &err)) < 0) {
        rw_report_refusal(ctx->inv, err ? err->msg : "cannot write the changed spec");
        rw_record_failure(ctx, err ? err->msg : "cannot write the changed spec");
        rw_error_free(err);
        return 1;
    }
    rw_timing_mark("commit");
    /* The record must be durable before the runtime runs (audit.required). */
    r = rw_record_decision(ctx, d, &err);
    rw_timing_mark("record");
    if (r < 0) {
        rw_report_refusal(ctx->inv, err ? err->msg : "cannot write the audit record");
        rw_error_free(err);
        return 1;
    }
    rw_error_free(err);
    return d == RW_DECISION_REFUSED ? 1 : 0;
}

static void job_joinp(rw_identity_job_t *j)
{
    rw_identity_free(rw_identity_job_take(j));
}

int rw_runtime_main(int argc, char **argv, const char *shim)
{
    rw_invocation_t inv;
    /* A first look with the shim's grammar, so that even a config error reaches --log. */
    (void)rw_cli_parse(argc, argv, rw_cli_flavor_for(shim), &inv);
    /* joined before any return or exec (cleanup) */
    _cleanup_(job_joinp) rw_identity_job_t job = {.running = false};
    if (rw_cli_cmd_builds_container(inv.cmd) || inv.cmd == RW_CMD_EXEC)
        rw_identity_job_start(&job);

    cleanup_config rw_config_t *cfg = NULL;
    rw_error_t *err = NULL;
    rw_timing_mark("start");
    int lr = rw_config_load(&cfg, &err);
    rw_timing_mark("config");
    if (lr < 0) {
        rw_report_error(&inv, err ? err->msg : "cannot load the runwarden config");
        rw_error_free(err);
        return 1;
    }
    const char *runtime = rw_config_runtime_for(cfg, shim);
    if (!runtime) {
        char msg[256];
        snprintf(msg, sizeof(msg), "no real runtime is mapped to '%s' in %s (runtimes)", shim,
                 cfg->path);
        rw_report_error(&inv, msg);
        return 1;
    }
    if (rw_exec_check_not_self(runtime, &err) < 0) {
        rw_report_error(&inv, err->msg);
        rw_error_free(err);
        return 1;
    }
    int r = rw_cli_parse(argc, argv, rw_cli_flavor_for(runtime), &inv);
    bool polices = rw_cli_cmd_builds_container(inv.cmd) || inv.cmd == RW_CMD_EXEC;
    if (r < 0) {
        char msg[300];
        snprintf(msg, sizeof(msg), "rule cli.grammar: %s; pass options the runtime documents",
                 inv.error);
        rw_report_refusal(&inv, msg);
        return 1;
    }

    if (inv.version && inv.cmd == RW_CMD_NONE) {
        fflush(stdout);
        int st = rw_exec_runtime_wait(runtime, argc, argv, &err);
        if (st < 0) {
            rw_report_error(&inv, err->msg);
            rw_error_free(err);
            return 1;
        }
        printf("runwarden version %s (wrapping %s)\n", RW_VERSION, runtime);
        fflush(stdout);
        return st;
    }

    if (polices && !inv.help) {
        rw_ctx_t ctx;
        if (rw_ctx_init(&ctx, cfg, &inv, runtime) < 0)
            return 1;
        int rc = police(&ctx, &job);
        rw_ctx_clear(&ctx);
        if (rc != 0)
            return rc;
        if (cfg->dangerous_annotations == RW_ANNOT_STRIP)
            unsetenv("RUN_OCI_SECCOMP_RECEIVER");
    } else if ((r = rw_record_lifecycle(cfg, &inv, runtime, &err)) < 0) {
        rw_report_refusal(&inv, err ? err->msg : "cannot write the audit record");
        rw_error_free(err);
        return 1;
    }

    rw_identity_free(rw_identity_job_take(&job)); /* one thread left when the runtime runs */
    rw_timing_mark("exec");
    rw_exec_runtime(runtime, argc, argv, &err);
    rw_report_error(&inv, err ? err->msg : "cannot execute the real runtime");
    rw_error_free(err);
    return 1;
}
