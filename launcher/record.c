/* Audit hand-off: turns the launcher's context into an audit event, writes it to the
 * sealed log (and the kernel audit log), and decides what a failure means: a container
 * does not start without its record when audit.required is set. */
#include "record.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../audit/container_meta.h"
#include "../audit/identity.h"
#include "../audit/linux_audit.h"
#include "../audit/log.h"
#include "../audit/record_build.h"
#include "../common/cleanup.h"
#include "../common/json.h"
#include "../conf/config_audit.h"
#include "report.h"
#include "timing.h"

/* Longer changed values (a whole seccomp profile, the compiled filter) are recorded by
 * digest: the record names them, config_sha256 pins the file, the log stays small. */
#define RW_RECORD_MAX_INLINE 512

static void clear_acp(rw_audit_config_t *c)
{
    rw_config_audit_clear(c);
}
#define cleanup_audit_config __attribute__((cleanup(clear_acp)))

static void container_clearp(rw_audit_container_t *c)
{
    rw_audit_container_clear(c);
}

static const rw_finding_t *first_refusal(const rw_findings_t *f)
{
    return rw_findings_first(f, RW_SEV_REFUSE);
}

static int append(const rw_audit_config_t *ac, const char *body, bool sync,
                  const rw_invocation_t *inv, rw_error_t **err)
{
    rw_audit_log_opts_t o = {
        .path = ac->log_path,
        .key_path = ac->key_path,
        .seal_every = ac->seal_every,
        .rotate_bytes = ac->rotate_bytes,
    };
    rw_audit_append_result_t res;
    int r = rw_audit_append(&o, body, sync, &res, err);
    if (r >= 0 && res.seal_error < 0) {
        char msg[400];
        snprintf(msg, sizeof(msg), "audit record written but not sealed: %s", res.seal_msg);
        rw_report_warning(inv, msg);
    }
    return r;
}

/* What to do when the record could not be written. */
static int handle_failure(const rw_audit_config_t *ac, const rw_invocation_t *inv, bool must_record,
                          rw_error_t *e, rw_error_t **err)
{
    const char *why = e && e->msg ? e->msg : "write failed";
    if (!must_record || !ac->required) {
        char msg[700];
        snprintf(msg, sizeof(msg), "audit record not written (%s); continuing because %s", why,
                 must_record ? "audit.required is false" : "this call only stops or cleans up");
        rw_report_warning(inv, msg);
        return 0;
    }
    return rw_error_set(err, e ? e->code : EIO,
                        "rule audit.required: the audit record could not be written to %s "
                        "(%s); make the audit log writable (or set audit.required to false)",
                        ac->log_path, why);
}

static int parse_config(const rw_config_t *cfg, rw_audit_config_t *ac, rw_error_t **err)
{
    return rw_config_audit_parse(cfg->audit, cfg->path, ac, err);
}

static int record_full(rw_ctx_t *ctx, const rw_audit_config_t *ac, rw_decision_t d,
                       const char *error, rw_error_t **err)
{
    const rw_invocation_t *inv = ctx->inv;
    bool refused = d == RW_DECISION_REFUSED || error;
    /* the kernel's answer arrives while we collect and build the record */
    int probe = ac->linux_audit ? rw_audit_linux_probe_start() : -1;
    _cleanup_(container_clearp) rw_audit_container_t c = {0};
    /* an exec names only the container: its bundle and image come from the runtime's state */
    if ((inv->cmd == RW_CMD_EXEC
             ? rw_audit_container_collect_exec(inv->id, inv->root, ctx->runtime_path, ctx->who,
                                               ac->podman_storage, &c)
             : rw_audit_container_collect(inv->id, ctx->bundle_path, ctx->spec, ctx->who,
                                          ac->podman_storage, &c)) < 0) {
        if (probe >= 0)
            close(probe);
        return rw_error_set(err, ENOMEM, "audit: out of memory");
    }
    rw_timing_mark("record: container facts");
    const rw_finding_t *fr = first_refusal(&ctx->findings);
    cleanup_json json_t *la = NULL;
    rw_audit_linux_msg_t lm = {
        .op = refused                   ? "refuse"
              : inv->cmd == RW_CMD_EXEC ? "exec"
                                        : "start",
        .reason = error ? "error" : rw_decision_name(d),
        .container = &c,
        .who = ctx->who,
        .rule = error ? "pipeline.error" : (refused && fr ? fr->rule : NULL),
        .success = !refused,
    };
    if (ac->linux_audit)
        la = rw_audit_linux_send(&lm, probe);
    rw_timing_mark("record: kernel audit message");

    const rw_spec_t *s = ctx->spec ? ctx->spec : ctx->process;
    cleanup_json json_t *changes = s ? rw_spec_changes_json(s, RW_RECORD_MAX_INLINE) : NULL;
    char *const *exec_args = NULL;
    if (inv->cmd == RW_CMD_EXEC && !ctx->process && inv->exec_args_index >= 0 &&
        inv->exec_args_index < inv->argc)
        exec_args = &inv->argv[inv->exec_args_index];
    rw_audit_event_t ev = {
        .event = rw_cli_cmd_name(inv->cmd),
        .decision = error ? "refused" : rw_decision_name(d),
        .mode = rw_mode_name(ctx->mode),
        .error = error,
        .container = &c,
        .bundle = ctx->bundle_path,
        .spec = ctx->spec,
        .process = ctx->process,
        .exec_args = exec_args,
        .exec_user = inv->exec_user,
        .findings = &ctx->findings,
        .changes = changes,
        .facts = ctx->facts,
        .config_sha256 = refused ? NULL : ctx->written_sha256,
        .runtime_path = ctx->runtime_path,
        .argc = inv->argc,
        .argv = inv->argv,
        .who = ctx->who,
        .linux_audit = la,
    };
    cleanup_free char *body = rw_audit_record_build(&ev, true, NULL);
    if (!body)
        return rw_error_set(err, ENOMEM, "audit: out of memory building the record");
    rw_timing_mark("record: build");
    rw_error_t *e = NULL;
    int r = append(ac, body, true, inv, &e);
    rw_timing_mark("record: append");
    if (r >= 0)
        return 0;
    if (ac->linux_audit && !refused) {
        /* the kernel was told "start": say that it did not happen after all */
        lm.op = "refuse";
        lm.reason = "audit-log-failed";
        lm.rule = "audit.required";
        lm.success = false;
        if (ac->required) {
            json_t *x = rw_audit_linux_send(&lm, rw_audit_linux_probe_start());
            if (x)
                json_decref(x);
        }
    }
    r = refused ? 0 : handle_failure(ac, inv, true, e, err);
    rw_error_free(e);
    return r;
}

int rw_record_decision(rw_ctx_t *ctx, rw_decision_t d, rw_error_t **err)
{
    if (ctx->dry_run)
        return 0;
    cleanup_audit_config rw_audit_config_t ac = {0};
    rw_error_t *e = NULL;
    if (parse_config(ctx->cfg, &ac, &e) < 0) {
        /* An unreadable audit setting is an unreadable policy: fail closed. */
        int r = 0;
        if (d == RW_DECISION_REFUSED)
            r = 0;
        else if (ctx->cfg->fail_open) {
            char msg[600];
            snprintf(msg, sizeof(msg), "audit disabled by a config error (%s); failOpen is set",
                     e ? e->msg : "?");
            rw_report_warning(ctx->inv, msg);
        } else
            r = rw_error_set(err, EINVAL, "rule audit.config: %s; fix the audit section",
                             e ? e->msg : "invalid audit settings");
        rw_error_free(e);
        return r;
    }
    if (!ac.enabled)
        return 0;
    return record_full(ctx, &ac, d, NULL, err);
}

void rw_record_failure(rw_ctx_t *ctx, const char *why)
{
    if (ctx->dry_run)
        return;
    cleanup_audit_config rw_audit_config_t ac = {0};
    rw_error_t *e = NULL;
    if (parse_config(ctx->cfg, &ac, &e) < 0 || !ac.enabled) {
        rw_error_free(e);
        return;
    }
    /* identity is collected before the stages; a failure while loading comes earlier */
    if (!ctx->who) {
        rw_error_t *ie = NULL;
        (void)rw_identity_collect(&ctx->who, &ie);
        rw_error_free(ie);
    }
    rw_error_t *re = NULL;
    (void)record_full(ctx, &ac, RW_DECISION_REFUSED, why ? why : "error", &re);
    rw_error_free(re);
}

static bool lifecycle_cmd(rw_cmd_t c)
{
    switch (c) {
    case RW_CMD_START:
    case RW_CMD_KILL:
    case RW_CMD_DELETE:
    case RW_CMD_PAUSE:
    case RW_CMD_RESUME:
    case RW_CMD_UPDATE:
    case RW_CMD_CHECKPOINT:
        return true;
    default:
        return false;
    }
}

int rw_record_lifecycle(const rw_config_t *cfg, const rw_invocation_t *inv, const char *runtime,
                        rw_error_t **err)
{
    /* state, list, ps, events, features...: nothing, they must stay fast */
    if (!lifecycle_cmd(inv->cmd) || inv->help)
        return 0;
    bool must = inv->cmd == RW_CMD_START; /* starting runs the container's process */
    cleanup_audit_config rw_audit_config_t ac = {0};
    rw_error_t *e = NULL;
    if (parse_config(cfg, &ac, &e) < 0) {
        int r = 0;
        if (must && !cfg->fail_open)
            r = rw_error_set(err, EINVAL, "rule audit.config: %s; fix the audit section",
                             e ? e->msg : "invalid audit settings");
        else {
            char msg[600];
            snprintf(msg, sizeof(msg), "audit record not written: %s", e ? e->msg : "?");
            rw_report_warning(inv, msg);
        }
        rw_error_free(e);
        return r;
    }
    if (!ac.enabled || !ac.lifecycle)
        return 0;
    cleanup_identity rw_identity_t *who = NULL;
    rw_error_t *ie = NULL;
    (void)rw_identity_collect_short(&who, &ie);
    rw_error_free(ie);
    rw_audit_container_t c = {.id = (char *)inv->id};
    rw_audit_event_t ev = {
        .event = rw_cli_cmd_name(inv->cmd),
        .container = &c,
        .runtime_path = runtime,
        .argc = inv->argc,
        .argv = inv->argv,
        .who = who,
        .signal = inv->cmd == RW_CMD_KILL ? (inv->signal ? inv->signal : "SIGTERM") : NULL,
    };
    cleanup_free char *body = rw_audit_record_build(&ev, false, NULL);
    if (!body)
        return rw_error_set(err, ENOMEM, "audit: out of memory building the record");
    rw_error_t *ae = NULL;
    int r = append(&ac, body, ac.sync_short, inv, &ae);
    if (r >= 0)
        return 0;
    r = handle_failure(&ac, inv, must, ae, err);
    rw_error_free(ae);
    return r;
}
