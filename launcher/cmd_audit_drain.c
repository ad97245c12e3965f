/* `runwarden audit drain`: writes what the eBPF ring buffer holds to the audit log once, and
 * the records of what the kernel could not finish (a binding whose runtime ended first, a
 * container whose end event found no room). The kernel binds and releases containers
 * without any runwarden process; this, `audit follow` (runwarden-audit-follow.service) or
 * a later create is what reads their events. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "../audit/bpf_shared.h"
#include "../common/cleanup.h"
#include "ebpf_helper.h"

static void usage(FILE *f)
{
    fprintf(f, "usage: runwarden audit drain\n"
               "  Writes the container events queued in the eBPF ring buffer to the audit log\n"
               "  (nothing when `audit follow` is running: it does that), and records\n"
               "  containers the kernel could not bind or release on its own.\n");
}

/* Events queued now, written with one sync; -errno with *err. */
static int drain_events(rw_bpf_ctx_t *c, long *ret_n, rw_error_t **err)
{
    cleanup_close int lock = rw_bpf_lock(c, RW_BPF_LOCK_CONSUMER, true, err);
    if (lock < 0)
        return lock;
    rw_bpf_drain_t *d = NULL;
    int r = rw_bpf_drain_open(c, false, NULL, NULL, &d, err);
    while (r >= 0 && (r = rw_bpf_drain_poll(d, 0, err)) > 0)
        ;
    if (r >= 0)
        r = rw_bpf_drain_flush(d, NULL, err);
    if (d)
        *ret_n = rw_bpf_drain_count(d);
    rw_bpf_drain_free(d);
    return r;
}

int rw_cmd_audit_drain(int argc, char **argv)
{
    (void)argv;
    if (argc > 1) {
        bool help = strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0;
        usage(help ? stdout : stderr);
        return help ? 0 : 2;
    }
    rw_bpf_ctx_t c = {NULL, {0}};
    rw_error_t *err = NULL;
    if (rw_ebpf_load_config(NULL, &c.cfg, &c.ec, &err) < 0) {
        fprintf(stderr, "runwarden: error: %s\n", err ? err->msg : "cannot load the config");
        rw_error_free(err);
        return 2;
    }
    int rc = 0;
    long n = 0;
    const char *follow = "";
    if (!c.ec.enabled || !rw_bpf_pin_exists(&c, "rw_events")) {
        printf("nothing to drain: %s\n",
               c.ec.enabled ? "the eBPF programs are not loaded" : "ebpf is disabled");
        goto out;
    }
    /* Collected before the drain: the names kept for containers that ended by now have
     * their end events in what the drain reads, so they can go once it is written. */
    bool follow_runs = rw_bpf_follow_running(&c);
    rw_bpf_stale_t s;
    int k = rw_bpf_stale_collect(&c, !follow_runs, &s);
    if (follow_runs)
        follow = " (`audit follow` is running: it writes the events)";
    else if (k >= 0 && drain_events(&c, &n, &err) < 0)
        k = -EIO;
    if (k == 0 || (k > 0 && rw_bpf_record_batch(&c, s.bodies, s.n, &err) >= 0))
        rw_bpf_stale_forget(&s);
    else if (k > 0)
        k = -EIO;
    rw_bpf_stale_clear(&s);
    if (k < 0)
        goto fail;
    printf("drained %ld event(s)%s; %d record(s) of unfinished containers\n", n, follow, k);
    goto out;
fail:
    fprintf(stderr, "runwarden: error: audit drain: %s\n", err ? err->msg : "failed");
    rc = 1;
out:
    rw_error_free(err);
    rw_config_ebpf_clear(&c.ec);
    rw_config_free(c.cfg);
    return rc;
}
