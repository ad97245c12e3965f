/* runwarden-bpf: the one executable that links libbpf. It loads and pins the host-wide
 * programs (the part the hooks cannot do with raw bpf(2) calls), and runs the shared
 * per-container code (../bpf_shared.h) when a hook hands a container over to it, for
 * `audit follow`, and for operators (status, gc, unload). */
#pragma once

#include <jansson.h>

#include "../bpf_shared.h"

/* ---- bpf_host.c: the pinned, host-wide part ---- */
/* Makes sure bpffs is mounted, the pin directory exists and the host programs (exec, packet
 * sockets) are loaded, attached and pinned by this build (another build's pins are
 * replaced when no container is tracked and `audit follow` does not run, else kept).
 * facts receives what is attached or why not. */
int rw_bpf_host_ensure(rw_bpf_ctx_t *c, json_t *facts, rw_error_t **err);
/* rw_bpf_host_ensure, then the maps a container's entries go into (an rw_bpf_ensure_fn). */
int rw_bpf_host_ensure_pins(rw_bpf_ctx_t *c, json_t *facts, rw_bpf_pins_t *pins, rw_error_t **err);
/* Removes every pin of the pin directory (host programs, maps and links: the links at the
 * cgroup v2 root go with their pins). */
int rw_bpf_host_unload(rw_bpf_ctx_t *c, rw_error_t **err);

/* ---- bpf_follow.c ---- */
int rw_bpf_follow(rw_bpf_ctx_t *c, const char *container, bool json, rw_error_t **err);
