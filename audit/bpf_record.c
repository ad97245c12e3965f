/* Writing eBPF records into runwarden's sealed audit log (audit/log.h). A drained batch of
 * events takes the log lock once and is made durable with one sync at its end, so `audit
 * follow` keeps up with tens of thousands of events per second; the chain, rotation and
 * sealing rules are the same as for single records. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../common/cleanup.h"
#include "../common/json.h"
#include "../conf/config_audit.h"
#include "log.h"
#include "seal.h"
#include "bpf_shared.h"

static int audit_opts(rw_bpf_ctx_t *c, rw_audit_config_t *ac, rw_audit_log_opts_t *o,
                      rw_error_t **err)
{
    int r = rw_config_audit_parse(c->cfg->audit, c->cfg->path, ac, err);
    if (r < 0)
        return r;
    memset(o, 0, sizeof(*o));
    o->path = ac->log_path;
    o->key_path = ac->key_path;
    o->seal_every = ac->seal_every;
    o->rotate_bytes = ac->rotate_bytes;
    return ac->enabled ? 1 : 0;
}

int rw_bpf_record_batch(rw_bpf_ctx_t *c, char *const *bodies, size_t n, rw_error_t **err)
{
    if (n == 0)
        return 0;
    rw_audit_config_t ac;
    rw_audit_log_opts_t o;
    int r = audit_opts(c, &ac, &o, err);
    if (r <= 0) {
        rw_config_audit_clear(&ac);
        return r;
    }
    rw_audit_log_t *l = NULL;
    r = rw_audit_log_open(&o, &l, err);
    if (r < 0)
        goto out;
    if (l->last_is_seal && o.key_path)
        (void)rw_audit_seal_catch_up(l, o.key_path, NULL); /* as rw_audit_append does */
    /* A batch is sealed once, at its end, when it crossed a multiple of sealEvery: a seal
     * covers the whole chain before it, and one seal (with its key evolution and sync) per
     * 64 events could not keep up with a busy host. */
    bool seal_due = false;
    for (size_t i = 0; i < n && r >= 0; i++) {
        const char *body = bodies[i];
        size_t len = strlen(body);
        if (o.rotate_bytes && l->size > 0 && l->size + len + 100 > o.rotate_bytes)
            (void)rw_audit_log_rotate(l, "size", NULL); /* keep appending if it fails */
        uint64_t seq = 0;
        r = rw_audit_log_write(l, body, len, i + 1 == n, &seq, err);
        if (r >= 0 && o.seal_every && seq % o.seal_every == 0)
            seal_due = true;
    }
    if (r >= 0 && seal_due && o.key_path)
        (void)rw_audit_seal_now(l, o.key_path, "count", NULL);
    rw_audit_log_close(l);
out:
    rw_config_audit_clear(&ac);
    return r;
}

bool rw_bpf_audit_required(const rw_bpf_ctx_t *c)
{
    rw_audit_config_t ac;
    bool required =
        rw_config_audit_parse(c->cfg->audit, c->cfg->path, &ac, NULL) < 0 || ac.required;
    rw_config_audit_clear(&ac);
    return required;
}

int rw_bpf_record(rw_bpf_ctx_t *c, json_t *rec, rw_error_t **err)
{
    cleanup_free char *body = json_dumps(rec, JSON_COMPACT | JSON_PRESERVE_ORDER);
    if (!body)
        return -ENOMEM;
    char *one[1] = {body};
    rw_error_t *werr = NULL;
    int r = rw_bpf_record_batch(c, one, 1, &werr);
    if (r < 0) {
        /* audit.required false: the record is lost, not the container */
        if (!rw_bpf_audit_required(c)) {
            rw_error_free(werr);
            return 0;
        }
        if (err && !*err)
            *err = werr;
        else
            rw_error_free(werr);
    }
    return r;
}
