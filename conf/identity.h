/* Who started a container: the data type shared by the audit trail (which collects and
 * records it, audit/identity.c) and the admission policy (which matches tenants on it). */
#pragma once

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define RW_ID_UNSET INT64_C(-1) /* loginuid/sessionid not set (kernel shows 4294967295) */

typedef struct rw_identity_proc {
    pid_t pid;
    char *comm;
    char *exe;         /* NULL when unreadable */
    int64_t uid;       /* real uid */
    int64_t loginuid;  /* RW_ID_UNSET when unset */
    uint64_t start_time; /* clock ticks since boot (stat field 22) */
} rw_identity_proc_t;

typedef struct rw_identity {
    uid_t uid, euid;
    gid_t gid, egid;
    gid_t *groups;
    size_t n_groups;
    int64_t loginuid;  /* the human behind sudo and daemons; RW_ID_UNSET when unset */
    char *login_user;  /* user name of loginuid, NULL when unknown */
    int64_t sessionid; /* audit session id; RW_ID_UNSET when unset */
    rw_identity_proc_t *chain; /* runwarden's parent first, up to pid 1 */
    size_t n_chain;
    /* from the caller's environment, NULL when absent */
    char *sudo_user, *sudo_uid, *sudo_command, *ssh_connection, *tty;
    char *cgroup; /* the caller's cgroup (v2 path, or the name=systemd one) */
    char *unit;   /* systemd unit derived from the cgroup, NULL when none */
} rw_identity_t;
