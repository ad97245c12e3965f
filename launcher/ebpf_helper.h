/* The launcher's side of the eBPF feature: libbpf lives only in the runwarden-bpf helper
 * executable; the OCI hooks attach and release containers themselves (audit/bpf_shared.h)
 * and start the helper only to load the host part; `runwarden audit follow` execs it. */
#pragma once

#include "../conf/config.h"
#include "../conf/config_ebpf.h"
#include "hooks.h"

/* Path of runwarden-bpf: ebpf.helper, else next to the running binary (a build tree), else
 * the libexec directory. Caller frees; NULL on allocation failure. */
char *rw_ebpf_helper_path(const rw_ebpf_config_t *ec);
/* 0 when the helper can be run and BPF can be attached from here (root or CAP_BPF with
 * CAP_NET_ADMIN), else -errno with *why set to a static reason. */
int rw_ebpf_available(const rw_ebpf_config_t *ec, const char **why);
/* Loads runwarden.json from path (NULL: the usual lookup) and parses its ebpf section. */
int rw_ebpf_load_config(const char *path, rw_config_t **ret_cfg, rw_ebpf_config_t *ret_ec,
                        rw_error_t **err);
/* Replaces this process with runwarden-bpf ARGS... (argv[0] is set here). Returns only on
 * failure (-errno). */
int rw_ebpf_exec_helper(const rw_ebpf_config_t *ec, char **args);
/* Runs runwarden-bpf ARGS... as a child with this process's stdio and waits: its exit
 * status (128 + signal when killed), or -errno when it could not be started. */
int rw_ebpf_run_helper(const rw_ebpf_config_t *ec, char **args);
/* The same with the helper's stderr captured: its first line goes to msg (without its
 * "runwarden: error: " prefix), for a one-line refusal. */
int rw_ebpf_run_helper_quiet(const rw_ebpf_config_t *ec, char **args, char *msg, size_t len);

int rw_hook_ebpf_create_runtime(int argc, char **argv, const rw_hook_state_t *state);
int rw_hook_ebpf_poststop(int argc, char **argv, const rw_hook_state_t *state);
/* `runwarden audit follow [--container ID] [--json]`; argv[0] is "follow". */
int rw_cmd_audit_follow(int argc, char **argv);
/* `runwarden audit drain`; argv[0] is "drain". */
int rw_cmd_audit_drain(int argc, char **argv);
