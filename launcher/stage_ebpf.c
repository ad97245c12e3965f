/* Stage "ebpf": adds the OCI hooks that attach runwarden's per-container BPF programs
 * (createRuntime) and collect their counters (poststop), and removes CAP_NET_RAW where the
 * tenant may not open raw or packet sockets. Refuses when BPF is required but unavailable. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../common/cleanup.h"
#include "../common/json.h"
#include "ebpf_helper.h"
#include "stages.h"

#define STAGE "ebpf"

static const char *const cap_sets[] = {"bounding",  "effective", "inheritable",
                                       "permitted", "ambient",   NULL};

/* Packet sockets never reach a cgroup socket hook; the kernel checks CAP_NET_RAW for them,
 * so without that capability AF_PACKET (and raw inet) sockets are refused by the kernel. */
static int drop_net_raw(rw_ctx_t *ctx, bool *dropped)
{
    for (const char *const *set = cap_sets; *set; set++) {
        const char *keys[] = {"process", "capabilities", *set, NULL};
        json_t *arr = rw_spec_get(ctx->spec, keys);
        if (!json_is_array(arr))
            continue;
        json_t *keep = json_array();
        if (!keep)
            return -ENOMEM;
        bool found = false;
        size_t i;
        json_t *v;
        json_array_foreach(arr, i, v)
        {
            if (json_is_string(v) && strcmp(json_string_value(v), "CAP_NET_RAW") == 0)
                found = true;
            else
                json_array_append(keep, v);
        }
        if (!found) {
            json_decref(keep);
            continue;
        }
        int r = rw_spec_set(ctx->spec, keys, keep,
                            "ebpf: raw and packet sockets are not allowed for this tenant");
        if (r < 0)
            return r;
        *dropped = true;
    }
    return 0;
}

static int add_hook(rw_ctx_t *ctx, const char *when, const char *name, const char *const *args)
{
    json_t *h = rw_hook_entry(name, args, 30);
    if (!h)
        return -ENOMEM;
    const char *keys[] = {"hooks", when, NULL};
    return rw_spec_append(ctx->spec, keys, h, "ebpf: attach and collect per-container hooks");
}

static int run(rw_ctx_t *ctx, rw_error_t **err)
{
    /* before any goto: cleanup variables must be initialised on every path */
    cleanup_free char *cfg_arg = NULL, *tenant_arg = NULL;
    rw_ebpf_config_t ec;
    int r = rw_config_ebpf_parse(ctx->cfg->ebpf, ctx->cfg->path, &ec, err);
    if (r < 0) {
        rw_config_ebpf_clear(&ec);
        return r;
    }
    if (!ec.enabled) {
        rw_config_ebpf_clear(&ec);
        return 0;
    }
    const rw_ebpf_policy_t *pol = rw_config_ebpf_policy(&ec, ctx->tenant);
    json_t *fact = json_object();
    if (!fact) {
        rw_config_ebpf_clear(&ec);
        return -ENOMEM;
    }
    json_object_set_new(fact, "tenant", ctx->tenant ? json_string(ctx->tenant) : json_null());
    json_object_set_new(fact, "required", json_boolean(ec.required));
    json_object_set_new(fact, "egressRules",
                        pol->egress_enforced ? json_integer((json_int_t)pol->n_egress)
                                             : json_null());
    json_object_set_new(fact, "allowRawSockets", json_boolean(pol->allow_raw_sockets));
    json_object_set_new(fact, "sysctlWrites", json_boolean(pol->sysctl_writes));

    bool dropped = false;
    if (!pol->allow_raw_sockets && (r = drop_net_raw(ctx, &dropped)) < 0)
        goto out;
    json_object_set_new(fact, "capNetRawRemoved", json_boolean(dropped));

    const char *why = NULL;
    if (rw_ebpf_available(&ec, &why) < 0) {
        json_object_set_new(fact, "hooks", json_false());
        json_object_set_new(fact, "notAttached", json_string(why));
        if (ec.required)
            r = rw_ctx_finding(ctx, RW_SEV_REFUSE, STAGE, "ebpf.required", "ebpf", why,
                               "run the engine as root with runwarden-bpf installed, or set "
                               "ebpf.required to false");
        else
            r = rw_ctx_finding(ctx, RW_SEV_WARN, STAGE, "ebpf.unavailable", "ebpf", why,
                               "the container runs without eBPF auditing and enforcement");
        goto out;
    }

    const char *args[3] = {NULL, NULL, NULL};
    int n = 0;
    if (ctx->cfg->from_file && ctx->cfg->path && ctx->cfg->path[0] == '/') {
        if (asprintf(&cfg_arg, "--config=%s", ctx->cfg->path) < 0) {
            r = -ENOMEM;
            goto out;
        }
        args[n++] = cfg_arg;
    }
    if (ctx->tenant) {
        if (asprintf(&tenant_arg, "--tenant=%s", ctx->tenant) < 0) {
            r = -ENOMEM;
            goto out;
        }
        args[n++] = tenant_arg;
    }
    if ((r = add_hook(ctx, "createRuntime", "ebpf-create-runtime", args)) < 0 ||
        (r = add_hook(ctx, "poststop", "ebpf-poststop", args)) < 0)
        goto out;
    json_object_set_new(fact, "hooks", json_true());
out:
    if (r >= 0)
        r = rw_ctx_fact(ctx, STAGE, "policy", json_incref(fact));
    json_decref(fact);
    rw_config_ebpf_clear(&ec);
    return r;
}

static bool applies(const rw_ctx_t *ctx)
{
    return ctx->spec != NULL && ctx->cfg->ebpf != NULL;
}

const rw_stage_t rw_stage_ebpf = {STAGE, applies, run};
