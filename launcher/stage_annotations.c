/* Stage "annotations": crun annotations and variables that replace seccomp, dlopen code or
 * write host files are not the caller's to set. Stripped or refused, per config. */
#include <stdlib.h>
#include <string.h>

#include "stages.h"

#define STAGE "annotations"

static const char *const dangerous[] = {
    "run.oci.seccomp_bpf_data", "run.oci.seccomp.plugins", "run.oci.seccomp.receiver",
    "run.oci.hooks.stdout",     "run.oci.hooks.stderr",    NULL,
};

static int run(rw_ctx_t *ctx, rw_error_t **err)
{
    bool strip = ctx->cfg->dangerous_annotations == RW_ANNOT_STRIP;
    int r = 0;
    for (const char *const *k = dangerous; *k && r >= 0; k++) {
        const char *v = rw_spec_annotation(ctx->spec, *k);
        if (!v)
            continue;
        char field[128];
        snprintf(field, sizeof(field), "annotations.%s", *k);
        if (strip) {
            const char *keys[] = {"annotations", *k, NULL};
            r = rw_spec_remove(ctx->spec, keys, "annotation reserved to runwarden");
            if (r >= 0)
                r = rw_ctx_finding(ctx, RW_SEV_INFO, STAGE, "annotations.dangerous", field, v,
                                   "stripped; set it through runwarden's policy instead");
        } else {
            r = rw_ctx_finding(ctx, RW_SEV_REFUSE, STAGE, "annotations.dangerous", field, v,
                               "remove this annotation; it lets the caller replace seccomp or "
                               "run code in the runtime");
        }
    }
    const char *recv = getenv("RUN_OCI_SECCOMP_RECEIVER");
    if (r >= 0 && recv) {
        if (strip) {
            /* Dropped from our environment right before execve (see main). */
            r = rw_ctx_fact(ctx, STAGE, "strippedEnv", json_string("RUN_OCI_SECCOMP_RECEIVER"));
            if (r >= 0)
                r = rw_ctx_finding(ctx, RW_SEV_INFO, STAGE, "annotations.dangerous-env",
                                   "env.RUN_OCI_SECCOMP_RECEIVER", recv, "stripped");
        } else {
            r = rw_ctx_finding(ctx, RW_SEV_REFUSE, STAGE, "annotations.dangerous-env",
                               "env.RUN_OCI_SECCOMP_RECEIVER", recv,
                               "unset RUN_OCI_SECCOMP_RECEIVER in the engine's environment");
        }
    }
    return r;
}

static bool applies(const rw_ctx_t *ctx)
{
    return ctx->spec != NULL;
}

const rw_stage_t rw_stage_annotations = {STAGE, applies, run};
