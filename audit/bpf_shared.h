/* The eBPF feature's per-container work, shared by the OCI hooks in the main binary (raw
 * bpf(2) calls, no libbpf) and by the runwarden-bpf helper (which alone links libbpf, to
 * load and pin the host-wide part): the pinned objects, a container's cgroup, attaching and
 * releasing a container, its state file, decoding and draining the event ring buffer, and
 * the audit records. One implementation, whichever process runs it. */
#pragma once

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "../common/error.h"
#include "../conf/config.h"
#include "../conf/config_ebpf.h"
#include "bpf/rw_bpf_event.h"

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

/* ---- bpf_pins.c: the pinned, host-wide objects ---- */
/* The cgroup programs, as pinned in the pin directory. Most are attached to each
 * container's cgroup; host_wide ones are linked once at the cgroup v2 root instead. */
typedef struct rw_bpf_cgroup_prog {
    const char *name;    /* program name = pin name */
    const char *section; /* for records */
    int attach_type;     /* enum bpf_attach_type */
    bool host_wide;      /* linked at the root (link pinned as link_pin), not per container */
    const char *link_pin;
} rw_bpf_cgroup_prog_t;
extern const rw_bpf_cgroup_prog_t rw_bpf_cgroup_progs[]; /* ends with a NULL name */
/* Pin names of the host part besides the programs: the exec link (pinned after the
 * programs) and the build stamp (pinned last: "complete, and loaded by this build"). */
#define RW_BPF_PIN_EXEC "exec_link"
#define RW_BPF_PIN_CAP "cap_link"
/* cgroup/dev, linked at the cgroup v2 root: the runtimes detach every device program
 * attached to a container's cgroup when they update its device filter (runc, crun). */
#define RW_BPF_PIN_DEV "dev_link"
/* The binding programs: a container is tracked from the moment its runtime moves it into
 * its cgroup (or forks it there), and forgotten when that cgroup is removed. */
#define RW_BPF_PIN_BIND "bind_link"
#define RW_BPF_PIN_FORK "fork_link"
#define RW_BPF_PIN_RMDIR "rmdir_link"
#define RW_BPF_PIN_BUILD "rw_build"
#define RW_BPF_BUILD_ID_LEN 64 /* value size of the stamp map: hex SHA-256 of the objects */

/* The BPF objects this binary was built with (hex SHA-256), "" when built without them. */
const char *rw_bpf_build_id(void);
/* 0: the stamp in the pin directory is this build's; -ESTALE: another build's (or a build
 * from before stamps); -ENOENT: no stamp; else -errno. */
int rw_bpf_build_check(const rw_bpf_ctx_t *c);
/* "<pinDir>/<name>" (caller frees) or NULL. */
char *rw_bpf_pin_path(const rw_bpf_ctx_t *c, const char *name);
bool rw_bpf_pin_exists(const rw_bpf_ctx_t *c, const char *name);
/* Opens a pinned map of the pin directory by name (rw_events, rw_counters...). */
int rw_bpf_pinned_map(const rw_bpf_ctx_t *c, const char *name, rw_error_t **err);
/* fd of a pinned per-container program, or -errno. */
int rw_bpf_cgroup_prog_open(const rw_bpf_ctx_t *c, const rw_bpf_cgroup_prog_t *p);

/* The maps a container's entries live in, checked to have the layout of this build's
 * structs (a stamp can be missing; a size mismatch must never reach a map). */
typedef struct rw_bpf_pins {
    int policy, counters, tracked;
} rw_bpf_pins_t;
/* All three, or the first error (then all -1). */
int rw_bpf_pins_open(const rw_bpf_ctx_t *c, rw_bpf_pins_t *p, rw_error_t **err);
/* Whichever exist and fit (the others stay -1): for releasing what is left. */
void rw_bpf_pins_open_some(const rw_bpf_ctx_t *c, rw_bpf_pins_t *p);
void rw_bpf_pins_close(rw_bpf_pins_t *p);

/* Exclusive lock on a file of the state directory (created 0700); fd or -errno
 * (-EWOULDBLOCK without a message when !wait and it is held). */
int rw_bpf_lock(const rw_bpf_ctx_t *c, const char *name, bool wait, rw_error_t **err);
/* Whether another process holds that lock now (tested with LOCK_NB, not kept). */
bool rw_bpf_lock_held(const rw_bpf_ctx_t *c, const char *name);
/* Held by `audit follow` while it runs: poststop hooks then leave the draining to it. An
 * open-file-description lock (fcntl), so that testing it takes nothing. */
#define RW_BPF_LOCK_FOLLOW "follow.lock"
/* fd holding it, -EWOULDBLOCK (no message) when another process has it, or -errno. */
int rw_bpf_follow_lock(const rw_bpf_ctx_t *c, rw_error_t **err);
bool rw_bpf_follow_running(const rw_bpf_ctx_t *c);
/* Held by whoever reads the ring buffer at the moment. */
#define RW_BPF_LOCK_CONSUMER "consumer.lock"
/* Held while the host part is checked or loaded, stale containers are collected and a
 * container is attached. */
#define RW_BPF_LOCK_HOST "host.lock"

/* ---- the host part before an attach ---- */
/* Makes sure the host-wide part can be used and opens its maps into *pins. facts receives
 * what is attached or why not. */
typedef int (*rw_bpf_ensure_fn)(rw_bpf_ctx_t *c, json_t *facts, rw_bpf_pins_t *pins,
                                rw_error_t **err);
/* What the hooks can do without libbpf: use the host part when this build pinned it
 * complete; else RW_BPF_NEED_HELPER (nothing done, nothing recorded). */
#define RW_BPF_NEED_HELPER 2
int rw_bpf_host_check(rw_bpf_ctx_t *c, json_t *facts, rw_bpf_pins_t *pins, rw_error_t **err);

/* ---- bpf_rootlink.c: the host-wide cgroup programs, linked at the cgroup v2 root ---- */
/* 0 when p's pinned link is attached to the root of the cgroup v2 tree mounted at mnt;
 * else makes it (a BPF link, pinned as p->link_pin, replacing a pin whose link was
 * detached) and returns 0, or -errno with *err set. The caller holds the host lock. */
int rw_bpf_root_link_ensure(const rw_bpf_ctx_t *c, const rw_bpf_cgroup_prog_t *p, const char *mnt,
                            rw_error_t **err);

/* ---- bpf_attach.c / bpf_release.c: one container ---- */
/* 0: attached; 1: started without some programs (not required; *err says which);
 * RW_BPF_NEED_HELPER: ensure said so, nothing done; < 0: refused (required) or failed. The
 * audit record is written in every other case it can be. */
int rw_bpf_attach(rw_bpf_ctx_t *c, const char *id, pid_t pid, const char *tenant,
                  rw_bpf_ensure_fn ensure, rw_error_t **err);
int rw_bpf_release(rw_bpf_ctx_t *c, const char *id, rw_error_t **err);
/* The counters as the summary record holds them. */
json_t *rw_bpf_counters_json(const struct rw_bpf_counters *k);
/* Releases every container whose state outlived its cgroup (no poststop ran). */
int rw_bpf_gc(rw_bpf_ctx_t *c, int *ret_released);
/* The same, given the cgroup v2 mount point. */
int rw_bpf_gc_in(rw_bpf_ctx_t *c, const char *mnt, int *ret_released);
/* Detaches runwarden's programs (named rw_*) from a cgroup directory fd. Returns how many. */
int rw_bpf_detach_all(int cgroup_fd);

/* ---- bpf_pending.c: bound by the kernel, no hook process ---- */
/* The binding of a container about to be created, left under this process's pid for the
 * runtime it execs in place (rw_host.bpf.c makes it when the runtime puts the container
 * into its cgroup). The host part must be this build's (rw_bpf_build_check). */
int rw_bpf_pending_add(const rw_bpf_ctx_t *c, const char *id, const char *tenant, bool own_mnt_ns,
                       rw_error_t **err);
/* Forgets pid's pending binding (the createRuntime hook bound the container itself). */
void rw_bpf_pending_drop(const rw_bpf_ctx_t *c, pid_t pid);
/* The policy map value for a tenant's policy. own_mnt_ns: the container gets a mount
 * namespace of its own, so refusals start with its first exec from there (the runtime's
 * setup before it is only recorded); else they start at once. */
void rw_bpf_policy_fill(struct rw_bpf_policy *o, const rw_ebpf_policy_t *pol, bool own_mnt_ns);
/* What the kernel could not finish: pending bindings whose runtime is gone unbound, tracked
 * containers whose cgroup is gone without an end event (no room in the ring buffer). Their
 * records are collected first; the entries are forgotten only once those are written. */
#define RW_BPF_STALE_MAX 256
typedef struct rw_bpf_stale {
    char **bodies; /* audit record bodies, NULL-terminated */
    size_t n;
    uint32_t pids[RW_BPF_STALE_MAX];
    uint64_t pid_created[RW_BPF_STALE_MAX];
    size_t n_pids;
    uint64_t cgids[RW_BPF_STALE_MAX]; /* their counters claimed (deleted), kept in claimed */
    struct rw_bpf_counters claimed[RW_BPF_STALE_MAX];
    size_t n_cgids;
    uint64_t names[RW_BPF_STALE_MAX]; /* ended, name kept for a consumer that has read all */
    size_t n_names;
    int pending_fd;
    rw_bpf_pins_t pins;
} rw_bpf_stale_t;
/* Number of records collected, or -errno. will_drain: the caller reads the ring buffer to
 * its end under the consumer lock before rw_bpf_stale_forget, so the names the kernel kept
 * for containers that ended by now can go then. */
int rw_bpf_stale_collect(const rw_bpf_ctx_t *c, bool will_drain, rw_bpf_stale_t *s);
/* After the records are written: forgets what they recorded. */
void rw_bpf_stale_forget(rw_bpf_stale_t *s);
/* Frees; counters claimed but never recorded (no forget) go back into the map. */
void rw_bpf_stale_clear(rw_bpf_stale_t *s);

/* ---- bpf_state.c: container id -> cgroup, kept in the state directory ---- */
bool rw_bpf_id_valid(const char *id);
/* Runtime state under /run: replaced atomically, not synced (it dies with the containers
 * at reboot, and a lost one only means a summary from gc instead of poststop). */
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

/* ---- bpf_drain.c: consuming the ring buffer into the audit log ---- */
typedef struct rw_bpf_drain rw_bpf_drain_t;
/* body: the record as written to the audit log */
typedef void (*rw_bpf_print_fn)(const struct rw_bpf_event *e, const char *id, const char *body,
                                void *data);
/* Opens the pinned ring buffer for consumption; whole: map all of it (a long-running
 * consumer), else only the pages that hold records. The caller holds the consumer lock. */
int rw_bpf_drain_open(rw_bpf_ctx_t *c, bool whole, rw_bpf_print_fn print, void *data,
                      rw_bpf_drain_t **ret, rw_error_t **err);
/* Reads what is there (timeout_ms 0) or waits up to timeout_ms for something. Returns the
 * number of events read or -errno. A full batch is written to the log on the way. */
int rw_bpf_drain_poll(rw_bpf_drain_t *d, int timeout_ms, rw_error_t **err);
/* Writes the events read so far to the audit log (one sync), then, and only then, gives
 * their space back to the kernel: a crash before the sync reads them again. extra: one
 * more record body to write in the same batch (the summary of a container), or NULL. */
int rw_bpf_drain_flush(rw_bpf_drain_t *d, const char *extra, rw_error_t **err);
/* Events read so far (written or not). */
long rw_bpf_drain_count(const rw_bpf_drain_t *d);
void rw_bpf_drain_free(rw_bpf_drain_t *d);
/* Producer and consumer positions of the pinned ring buffer (for waiting on a consumer
 * that runs in another process). */
int rw_bpf_events_positions(rw_bpf_ctx_t *c, uint64_t *producer, uint64_t *consumer);

/* ---- bpf_record.c: the audit log ---- */
/* Appends one record to the audit log, durable before returning. With audit.required
 * false a failure loses the record, not the container (returns 0). */
int rw_bpf_record(rw_bpf_ctx_t *c, json_t *rec, rw_error_t **err);
/* Appends several record bodies (compact JSON starting with "event") with a single sync
 * at the end. Failures are returned whatever audit.required says. */
int rw_bpf_record_batch(rw_bpf_ctx_t *c, char *const *bodies, size_t n, rw_error_t **err);
/* audit.required (true when the section cannot be read). */
bool rw_bpf_audit_required(const rw_bpf_ctx_t *c);
