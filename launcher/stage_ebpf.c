/* Stage "ebpf": decides the container's eBPF policy and removes CAP_NET_RAW where the
 * tenant may not open raw or packet sockets, at create and at exec (an exec with an inline
 * `--cap CAP_NET_RAW` is refused: argv is forwarded untouched). Refuses when BPF is
 * required but unavailable. Stage "ebpf-commit", once every stage agreed, leaves the
 * binding for the kernel (no hook process: each costs the runtime a fork and an exec);
 * only where the policy must be confirmed before the container runs (ebpf.required, an
 * egress allowlist) a createRuntime hook checks it. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include <unistd.h>

#include "../audit/bpf_shared.h"
#include "../common/cleanup.h"
#include "../common/json.h"
#include "ebpf_helper.h"
#include "stages.h"

#define STAGE "ebpf"

static const char *const cap_sets[] = {"bounding",  "effective", "inheritable",
                                       "permitted", "ambient",   NULL};

/* Packet sockets never reach a cgroup socket hook; the kernel checks CAP_NET_RAW for them,
 * so without that capability AF_PACKET (and raw inet) sockets are refused by the kernel.
 * in_process: the capabilities are under "process" (config.json), else at the top
 * (an exec's process.json). */
static int drop_net_raw(rw_spec_t *s, bool in_process, bool *dropped)
{
    for (const char *const *set = cap_sets; *set; set++) {
        const char *keys_in_process[] = {"process", "capabilities", *set, NULL};
        const char *keys_top[] = {"capabilities", *set, NULL};
        const char **keys = in_process ? keys_in_process : keys_top;
        json_t *arr = rw_spec_get(s, keys);
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
        int r = rw_spec_set(s, keys, keep,
                            "ebpf: raw and packet sockets are not allowed for this tenant");
        if (r < 0)
            return r;
        *dropped = true;
    }
    return 0;
}

/* `exec --cap NET_RAW` / `--cap CAP_NET_RAW`, as runc and crun accept it. */
static bool inline_net_raw(const rw_invocation_t *inv)
{
    for (size_t i = 0; i < inv->n_exec_caps; i++) {
        const char *c = inv->exec_caps[i];
        if (strncasecmp(c, "CAP_", 4) == 0)
            c += 4;
        if (strcasecmp(c, "NET_RAW") == 0)
            return true;
    }
    return false;
}

/* An exec runs under the container's tenant (set by the admission stage from the
 * container's record): the same CAP_NET_RAW rule as at create. The engine builds an exec's
 * capabilities from its own copy of the container's config, not from the config.json
 * runwarden rewrote, so the rule must be applied again here. */
static int run_exec(rw_ctx_t *ctx, const rw_ebpf_config_t *ec)
{
    const rw_ebpf_policy_t *pol = rw_config_ebpf_policy(ec, ctx->tenant);
    json_t *fact =
        json_pack("{s:o,s:b}", "tenant", ctx->tenant ? json_string(ctx->tenant) : json_null(),
                  "allowRawSockets", pol->allow_raw_sockets);
    if (!fact)
        return -ENOMEM;
    bool dropped = false;
    int r = 0;
    if (!pol->allow_raw_sockets && ctx->process)
        r = drop_net_raw(ctx->process, false, &dropped);
    /* also beside --process: crun adds --cap to the file's capabilities */
    if (r >= 0 && !pol->allow_raw_sockets && inline_net_raw(ctx->inv)) {
        json_object_set_new(fact, "capNetRawRefused", json_string("exec --cap CAP_NET_RAW"));
        r = rw_ctx_finding(ctx, RW_SEV_REFUSE, STAGE, "ebpf.allowRawSockets", "exec --cap",
                           "CAP_NET_RAW",
                           "drop --cap CAP_NET_RAW: this tenant may not open raw or packet "
                           "sockets (an inline command's capabilities cannot be rewritten; "
                           "or allow ebpf.allowRawSockets for the tenant)");
    }
    json_object_set_new(fact, "capNetRawRemoved", json_boolean(dropped));
    if (r >= 0)
        r = rw_ctx_fact(ctx, STAGE, "policy", json_incref(fact));
    json_decref(fact);
    return r;
}

/* Whether runwarden runs in a pid namespace below the host's (kind nodes, Docker in Docker):
 * its pid is not the one the kernel sees, so the binding cannot be keyed by it and the
 * createRuntime hook binds the container instead. */
static bool pid_ns_nested(void)
{
    char buf[2048];
    cleanup_close int fd = open("/proc/self/status", O_RDONLY | O_CLOEXEC);
    ssize_t n = fd < 0 ? -1 : read(fd, buf, sizeof(buf) - 1);
    if (n <= 0)
        return true; /* cannot tell: the hook works everywhere */
    buf[n] = '\0';
    const char *l = strstr(buf, "\nNSpid:");
    if (!l)
        return false; /* a kernel without pid namespaces in status */
    l += 8;
    const char *end = strchr(l, '\n');
    int fields = 0;
    for (bool in = false; *l && l != end; l++) {
        bool digit = *l >= '0' && *l <= '9';
        if (digit && !in)
            fields++;
        in = digit;
    }
    return fields > 1;
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
    if (!ec.enabled || !ctx->spec) {
        r = ec.enabled ? run_exec(ctx, &ec) : 0;
        rw_config_ebpf_clear(&ec);
        return r;
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
    if (!pol->allow_raw_sockets && (r = drop_net_raw(ctx->spec, true, &dropped)) < 0)
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
    /* The kernel binds and releases the container (ebpf-commit); the hook only confirms it
     * where a container must not run unwatched. */
    bool nested = pid_ns_nested();
    bool confirm = ec.required || pol->egress_enforced || nested;
    if (confirm && (r = add_hook(ctx, "createRuntime", "ebpf-create-runtime", args)) < 0)
        goto out;
    json_object_set_new(fact, "hooks", json_boolean(confirm));
    json_object_set_new(fact, "binding",
                        json_string(nested ? "hook: runwarden runs in a nested pid namespace"
                                           : "kernel: when the runtime moves the container "
                                             "into its cgroup; released with that cgroup"));
out:
    if (r >= 0)
        r = rw_ctx_fact(ctx, STAGE, "policy", json_incref(fact));
    json_decref(fact);
    rw_config_ebpf_clear(&ec);
    return r;
}

static bool applies(const rw_ctx_t *ctx)
{
    return ctx->cfg->ebpf != NULL && (ctx->spec != NULL || ctx->inv->cmd == RW_CMD_EXEC);
}

const rw_stage_t rw_stage_ebpf = {STAGE, applies, run};

/* ---- ebpf-commit: the pending binding, after every other stage agreed ------------- */

/* Whether the container gets a mount namespace other than the runtime's (ours): refusals
 * then start with its first exec from there; else they start at once. A crun handler
 * (run.oci.handler: wasm...) runs the workload without an exec: judged at once too. */
static bool own_mount_namespace(const rw_spec_t *spec)
{
    const char *handler[] = {"annotations", "run.oci.handler", NULL};
    if (rw_spec_get((rw_spec_t *)spec, handler))
        return false;
    for (size_t i = 0; i < spec->n_namespaces; i++) {
        const rw_spec_namespace_t *n = &spec->namespaces[i];
        if (strcmp(n->type, "mount") != 0)
            continue;
        if (!n->path)
            return true;
        struct stat mine, theirs;
        if (stat("/proc/self/ns/mnt", &mine) < 0 || stat(n->path, &theirs) < 0)
            return false; /* cannot tell: judge from the start */
        return mine.st_ino != theirs.st_ino || mine.st_dev != theirs.st_dev;
    }
    return false;
}

static bool commit_applies(const rw_ctx_t *ctx)
{
    return ctx->cfg->ebpf && ctx->spec && !ctx->dry_run && ctx->inv->id &&
           rw_cli_cmd_builds_container(ctx->inv->cmd);
}

/* The host part this build pinned, loaded by the helper when missing (the first container
 * after boot or an upgrade: the only time a create waits for libbpf). */
static int host_ready(rw_bpf_ctx_t *c, json_t *fact, rw_error_t **err)
{
    json_t *host = json_object();
    if (!host)
        return -ENOMEM;
    json_object_set_new(fact, "host", host);
    /* this build's stamp (pinned last by the helper: everything else is there) */
    if (rw_bpf_build_check(c) == 0 && rw_bpf_pin_exists(c, RW_BPF_PIN_BIND)) {
        json_object_set_new(host, "programs", json_string("pinned"));
        return 0;
    }
    char *args[5] = {NULL, (char *)"load", NULL, NULL, NULL};
    if (c->cfg->from_file && c->cfg->path) {
        args[2] = (char *)"--config";
        args[3] = c->cfg->path;
    }
    char msg[400];
    int rc = rw_ebpf_run_helper_quiet(&c->ec, args, msg, sizeof(msg));
    if (rc != 0)
        return rw_error_set(err, rc < 0 ? -rc : EIO,
                            "the runwarden-bpf helper could not load the host programs (%s)",
                            rc < 0   ? strerror(-rc)
                            : msg[0] ? msg
                                     : "no reason given");
    /* Another build's part can be kept (a container it tracks still runs): the pending
     * map's layout, checked when the binding goes in, says whether it can be used. */
    json_object_set_new(host, "programs", json_string("loaded by runwarden-bpf"));
    return 0;
}

/* Without `audit follow`, events wait in the ring buffer for a reader: a create writes
 * them once the buffer is half full, so a host that keeps starting containers loses none.
 * Best effort: a failure leaves them queued (and is recorded). */
static void drain_backlog(rw_bpf_ctx_t *c, json_t *fact)
{
    uint64_t prod = 0, cons = 0;
    if (rw_bpf_events_positions(c, &prod, &cons) < 0 || prod - cons < c->ec.ringbuf_size / 2 ||
        rw_bpf_follow_running(c))
        return;
    cleanup_close int lock = rw_bpf_lock(c, RW_BPF_LOCK_CONSUMER, false, NULL);
    if (lock < 0)
        return; /* someone is reading it now */
    rw_error_t *e = NULL;
    rw_bpf_drain_t *d = NULL;
    int r = rw_bpf_drain_open(c, false, NULL, NULL, &d, &e);
    while (r >= 0 && (r = rw_bpf_drain_poll(d, 0, &e)) > 0)
        ;
    if (r >= 0)
        r = rw_bpf_drain_flush(d, NULL, &e);
    json_object_set_new(fact, "backlogDrained",
                        r >= 0 ? json_integer(rw_bpf_drain_count(d))
                               : json_string(e ? e->msg : strerror(-r)));
    rw_bpf_drain_free(d);
    rw_error_free(e);
}

static int commit_run(rw_ctx_t *ctx, rw_error_t **err)
{
    (void)err;
    if (rw_findings_first(&ctx->findings, RW_SEV_REFUSE) && ctx->mode == RW_MODE_ENFORCE)
        return 0;                                    /* refused: nothing to bind */
    rw_bpf_ctx_t c = {(rw_config_t *)ctx->cfg, {0}}; /* read only here */
    int r = rw_config_ebpf_parse(ctx->cfg->ebpf, ctx->cfg->path, &c.ec, err);
    const char *why = NULL;
    if (r < 0 || !c.ec.enabled || rw_ebpf_available(&c.ec, &why) < 0) {
        rw_config_ebpf_clear(&c.ec); /* unavailable: the ebpf stage said so */
        return r < 0 ? r : 0;
    }
    if (pid_ns_nested()) {
        rw_config_ebpf_clear(&c.ec); /* the createRuntime hook binds it (stage ebpf) */
        return 0;
    }
    json_t *fact = json_pack("{s:i}", "runtimePid", (int)getpid());
    rw_error_t *e = NULL;
    r = fact ? host_ready(&c, fact, &e) : -ENOMEM;
    bool own_mnt_ns = own_mount_namespace(ctx->spec);
    if (r >= 0)
        r = rw_bpf_pending_add(&c, ctx->inv->id, ctx->tenant, own_mnt_ns, &e);
    if (r < 0) {
        const char *msg = e ? e->msg : strerror(-r);
        json_object_set_new(fact, "notAttached", json_string(msg));
        r = rw_ctx_finding(ctx, c.ec.required ? RW_SEV_REFUSE : RW_SEV_WARN, STAGE,
                           c.ec.required ? "ebpf.required" : "ebpf.unavailable", "ebpf", msg,
                           c.ec.required ? "fix BPF on this host (see `runwarden-bpf status`), "
                                           "or set ebpf.required to false"
                                         : "the container runs without eBPF auditing and "
                                           "enforcement");
    } else {
        json_object_set_new(fact, "pending", json_true());
        drain_backlog(&c, fact);
    }
    rw_error_free(e);
    if (r >= 0)
        r = rw_ctx_fact(ctx, STAGE, "binding", fact);
    else
        json_decref(fact);
    rw_config_ebpf_clear(&c.ec);
    return r;
}

const rw_stage_t rw_stage_ebpf_commit = {"ebpf-commit", commit_applies, commit_run};
