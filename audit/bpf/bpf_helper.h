/* runwarden-bpf: the one executable that links libbpf. It loads and pins the host-wide
 * programs, attaches the per-container ones, drains the ring buffer into the audit log and
 * releases a container's state. Shared declarations of its parts. */
#pragma once

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "../../common/error.h"
#include "../../conf/config.h"
#include "../../conf/config_ebpf.h"
#include "rw_bpf_event.h"

typedef struct rw_bpf_ctx {
    rw_config_t *cfg;
    rw_ebpf_config_t ec;
} rw_bpf_ctx_t;

/* ---- bpf_cgroup.c: where a container lives in cgroup v2 ---- */
/* The cgroup v2 mount point (e.g. /sys/fs/cgroup or /sys/fs/cgroup/unified). */
int rw_bpf_cgroup2_mount(char **ret, rw_error_t **err);
/* The cgroup v2 path of pid (the "0::" line of /proc/PID/cgroup), relative to the mount. */
int rw_bpf_cgroup_of_pid(pid_t pid, char **ret, rw_error_t **err);
/* Opens the cgroup directory and returns its fd and id (the kernfs id that
 * bpf_get_current_cgroup_id() reports). */
int rw_bpf_cgroup_open(const char *mnt, const char *rel, int *ret_fd, uint64_t *ret_id,
                       rw_error_t **err);

/* ---- bpf_host.c: the pinned, host-wide part ---- */
/* Makes sure bpffs is mounted, the pin directory exists and the host programs (exec, packet
 * sockets) are loaded, attached and pinned. facts receives what is attached or why not. */
int rw_bpf_host_ensure(rw_bpf_ctx_t *c, json_t *facts, rw_error_t **err);
/* The ring buffer size to load a new object with: the pinned buffer's when it exists. */
uint32_t rw_bpf_host_ringbuf_size(const rw_bpf_ctx_t *c);
/* Opens a pinned map of the pin directory by name (rw_events, rw_counters...). */
int rw_bpf_pinned_map(const rw_bpf_ctx_t *c, const char *name, rw_error_t **err);
/* The per-container programs, as pinned in the pin directory. */
typedef struct rw_bpf_cgroup_prog {
    const char *name;    /* program name = pin name */
    const char *section; /* for records */
    int attach_type;     /* enum bpf_attach_type */
} rw_bpf_cgroup_prog_t;
extern const rw_bpf_cgroup_prog_t rw_bpf_cgroup_progs[];
/* fd of a pinned per-container program, or -errno. */
int rw_bpf_cgroup_prog_open(const rw_bpf_ctx_t *c, const rw_bpf_cgroup_prog_t *p);
/* Removes every pin of the pin directory (host programs and maps). */
int rw_bpf_host_unload(rw_bpf_ctx_t *c, rw_error_t **err);
/* Exclusive lock on a file of the state directory (created 0700); fd or -errno. */
int rw_bpf_lock(const rw_bpf_ctx_t *c, const char *name, bool wait, rw_error_t **err);

/* ---- bpf_attach.c / bpf_release.c: one container ---- */
/* 0: attached; 1: started without some programs (not required; *err says which); < 0:
 * refused (required) or failed. The audit record is written in every case it can be. */
int rw_bpf_attach(rw_bpf_ctx_t *c, const char *id, pid_t pid, const char *tenant, rw_error_t **err);
int rw_bpf_release(rw_bpf_ctx_t *c, const char *id, rw_error_t **err);
/* Releases every container whose state outlived its cgroup (no poststop ran). */
int rw_bpf_gc(rw_bpf_ctx_t *c, int *ret_released);
/* Detaches runwarden's programs (named rw_*) from a cgroup directory fd. Returns how many. */
int rw_bpf_detach_all(int cgroup_fd);

/* ---- bpf_state.c: container id -> cgroup, kept in the state directory ---- */
bool rw_bpf_id_valid(const char *id);
int rw_bpf_state_write(const rw_bpf_ctx_t *c, const char *id, json_t *state, rw_error_t **err);
int rw_bpf_state_read(const rw_bpf_ctx_t *c, const char *id, json_t **ret, rw_error_t **err);
int rw_bpf_state_remove(const rw_bpf_ctx_t *c, const char *id);

/* ---- bpf_events.c: decoding ---- */
/* The audit record body for one event, compact JSON starting with "event" (what the audit
 * log appends). id: the container id, NULL if unknown. Returns its length or -ENOSPC. */
#define RW_BPF_BODY_MAX 1024
int rw_bpf_event_body(const struct rw_bpf_event *e, const char *id, char *buf, size_t len);
/* One human-readable line (no newline) for `audit follow`. */
int rw_bpf_event_line(const struct rw_bpf_event *e, const char *id, char *buf, size_t len);
const char *rw_bpf_kind_name(unsigned kind);
/* CLOCK_BOOTTIME ns -> "YYYY-MM-DDTHH:MM:SS.mmmmmmZ". */
void rw_bpf_format_time(uint64_t boot_ns, char *buf, size_t len);

/* ---- bpf_drain.c: consuming the ring buffer ---- */
typedef struct rw_bpf_drain rw_bpf_drain_t;
/* body: the record as written to the audit log */
typedef void (*rw_bpf_print_fn)(const struct rw_bpf_event *e, const char *id, const char *body,
                                void *data);
/* Opens the pinned ring buffer for consumption. The caller must hold the "consumer" lock. */
int rw_bpf_drain_open(rw_bpf_ctx_t *c, rw_bpf_print_fn print, void *data, rw_bpf_drain_t **ret,
                      rw_error_t **err);
/* Consumes what is there (timeout_ms 0) or waits up to timeout_ms for more. Returns the
 * number of events recorded or -errno. */
int rw_bpf_drain_poll(rw_bpf_drain_t *d, int timeout_ms, rw_error_t **err);
/* Makes the recorded events durable (one write + sync per batch). */
int rw_bpf_drain_flush(rw_bpf_drain_t *d, rw_error_t **err);
int rw_bpf_drain_epoll_fd(rw_bpf_drain_t *d);
void rw_bpf_drain_free(rw_bpf_drain_t *d);
/* Producer and consumer positions of the pinned ring buffer (for waiting on a consumer
 * that runs in another process). */
int rw_bpf_ringbuf_positions(rw_bpf_ctx_t *c, uint64_t *producer, uint64_t *consumer);

/* ---- bpf_record.c: the audit log ---- */
/* Appends one record to the audit log (sync: durable before returning). */
int rw_bpf_record(rw_bpf_ctx_t *c, json_t *rec, bool sync, rw_error_t **err);
/* Appends several record bodies (compact JSON starting with "event") with a single sync at
 * the end. */
int rw_bpf_record_batch(rw_bpf_ctx_t *c, char *const *bodies, size_t n, rw_error_t **err);

/* ---- bpf_follow.c ---- */
int rw_bpf_follow(rw_bpf_ctx_t *c, const char *container, bool json, rw_error_t **err);
